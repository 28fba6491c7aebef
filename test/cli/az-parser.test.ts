import { describe, expect, it } from "vitest";
import { flag, parseArgs, UsageError } from "../../src/cli/az/parser.js";

const specs = [
  flag("--resource-group -g", "Resource group.", { required: true }),
  flag("--name -n", "Name.", { required: true }),
  flag("--address-prefixes:list", "Prefixes."),
  flag("--tags:list", "Tags.", { minValues: 0 }),
  flag("--node-count -c:int", "Count.", { default: 3 }),
  flag("--enable-node-public-ip:bool", "Public IPs."),
  flag("--disable-bgp-route-propagation:tri", "BGP."),
  flag("--mode", "Mode.", { choices: ["System", "User", "Gateway"] }),
  flag("--gateway-prefix-size", "Size.", { choices: ["28", "29", "30", "31"] }),
  flag("--file -f", "File."),
];

function errorOf(tokens: string[]): string {
  try {
    parseArgs(tokens, specs);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error("expected a usage error");
}

describe("flag spec parsing", () => {
  it("derives dest and kind from the spec string", () => {
    const f = flag("--node-count -c:int", "n");
    expect(f).toMatchObject({ names: ["--node-count", "-c"], dest: "nodeCount", kind: "int" });
    expect(flag("--resource-group -g", "x")).toMatchObject({ dest: "resourceGroup", kind: "string" });
    expect(flag("--tags:list", "x").kind).toBe("list");
    expect(flag("--yes -y:bool", "x").kind).toBe("bool");
    expect(flag("--name --resource-group -n -g", "x", { dest: "name" }).dest).toBe("name");
  });

  it("rejects malformed specs", () => {
    expect(() => flag("--x:float", "x")).toThrow(/bad flag kind/);
    expect(() => flag("name", "x")).toThrow(/bad flag names/);
  });
});

describe("parseArgs", () => {
  it("takes long and short flags, --flag=value and attached short values", () => {
    const { args } = parseArgs(["-g", "rg1", "--name=c1", "-fout.yaml"], specs);
    expect(args.str("resourceGroup")).toBe("rg1");
    expect(args.str("name")).toBe("c1");
    expect(args.str("file")).toBe("out.yaml");
    expect(parseArgs(["-g=rg", "-n", "x"], specs).args.str("resourceGroup")).toBe("rg");
  });

  it("collects multi-value flags up to the next option", () => {
    const { args } = parseArgs(
      ["-g", "g", "--address-prefixes", "10.0.0.0/16", "10.1.0.0/16", "-n", "v"],
      specs,
    );
    expect(args.list("addressPrefixes")).toEqual(["10.0.0.0/16", "10.1.0.0/16"]);
    expect(args.str("name")).toBe("v");
  });

  it("allows an empty list where argparse nargs='*' would", () => {
    const { args } = parseArgs(["-g", "g", "-n", "v", "--tags"], specs);
    expect(args.list("tags")).toEqual([]);
    expect(args.has("tags")).toBe(true);
  });

  it("applies defaults, ints and booleans", () => {
    const { args } = parseArgs(["-g", "g", "-n", "v", "--enable-node-public-ip"], specs);
    expect(args.int("nodeCount")).toBe(3);
    expect(args.has("nodeCount")).toBe(false);
    expect(args.bool("enableNodePublicIp")).toBe(true);
    expect(parseArgs(["-g", "g", "-n", "v", "-c", "5"], specs).args.int("nodeCount")).toBe(5);
  });

  it("reads three-state flags with or without a value", () => {
    expect(
      parseArgs(["-g", "g", "-n", "v", "--disable-bgp-route-propagation"], specs).args.tri(
        "disableBgpRoutePropagation",
      ),
    ).toBe(true);
    expect(
      parseArgs(["-g", "g", "-n", "v", "--disable-bgp-route-propagation", "false"], specs).args.tri(
        "disableBgpRoutePropagation",
      ),
    ).toBe(false);
    expect(parseArgs(["-g", "g", "-n", "v"], specs).args.tri("disableBgpRoutePropagation")).toBeUndefined();
  });

  it("matches enum values case-insensitively and normalises them", () => {
    expect(parseArgs(["-g", "g", "-n", "v", "--mode", "gateway"], specs).args.str("mode")).toBe("Gateway");
    expect(parseArgs(["-g", "g", "-n", "v", "--mode=USER"], specs).args.str("mode")).toBe("User");
  });

  it("treats '-' and negative numbers as values", () => {
    expect(parseArgs(["-g", "g", "-n", "v", "-f", "-"], specs).args.str("file")).toBe("-");
    expect(parseArgs(["-g", "g", "-n", "-1"], specs).args.str("name")).toBe("-1");
  });

  it("reports missing required arguments like argparse", () => {
    expect(errorOf([])).toBe("the following arguments are required: --resource-group/-g, --name/-n");
    expect(errorOf(["-g", "x"])).toBe("the following arguments are required: --name/-n");
  });

  it("reports unrecognized arguments, with the values that follow them", () => {
    expect(errorOf(["-g", "g", "-n", "v", "--foo"])).toBe("unrecognized arguments: --foo");
    expect(errorOf(["-g", "g", "-n", "v", "--foo", "bar", "baz"])).toBe(
      "unrecognized arguments: --foo bar baz",
    );
    expect(errorOf(["stray", "-g", "g", "-n", "v"])).toBe("unrecognized arguments: stray");
  });

  it("checks required arguments before unrecognized ones", () => {
    expect(errorOf(["--foo"])).toMatch(/^the following arguments are required/);
  });

  it("reports invalid choices with the list of choices", () => {
    expect(errorOf(["-g", "g", "-n", "v", "--gateway-prefix-size", "27"])).toBe(
      "'27' is not a valid value for '--gateway-prefix-size'. Allowed values: 28, 29, 30, 31.",
    );
    expect(errorOf(["--mode", "Spot"])).toBe(
      "'Spot' is not a valid value for '--mode'. Allowed values: System, User, Gateway.",
    );
  });

  it("reports missing values and bad ints", () => {
    expect(errorOf(["-g", "g", "-n"])).toBe("argument --name/-n: expected one argument");
    expect(errorOf(["-g", "g", "-n", "--mode", "User"])).toBe("argument --name/-n: expected one argument");
    expect(errorOf(["-g", "g", "-n", "v", "--address-prefixes"])).toBe(
      "argument --address-prefixes: expected at least one argument",
    );
    expect(errorOf(["-g", "g", "-n", "v", "-c", "three"])).toBe(
      "argument --node-count/-c: invalid int value: 'three'",
    );
    expect(errorOf(["-g", "g", "-n", "v", "--enable-node-public-ip=yes"])).toBe(
      "argument --enable-node-public-ip: ignored explicit argument 'yes'",
    );
  });

  it("short-circuits on -h/--help", () => {
    expect(parseArgs(["--foo", "-h"], specs).help).toBe(true);
    expect(parseArgs(["--help"], specs).help).toBe(true);
  });

  it("keeps the last value of a repeated flag", () => {
    expect(parseArgs(["-g", "a", "-g", "b", "-n", "v"], specs).args.str("resourceGroup")).toBe("b");
  });
});
