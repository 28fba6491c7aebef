// The PowerShell subset `aksnet hci` parses, and its parse errors.
import { describe, expect, it } from "vitest";
import { joinArgs } from "../../src/cli/hci/index.js";
import { ParseError, parse } from "../../src/cli/hci/parser.js";

describe("hci parser", () => {
  it("parses assignments, params, quoted strings, arrays, sub-commands, pipes and continuations", () => {
    const [a, b] = parse(
      `$vnet = New-AksHciClusterNetwork -name "n$x" -dnsServers '10.0.0.1','it''s' \`
  -vlanID 7 # comment
<# block
comment #> New-AksHciCluster -name c -vnet (Get-AksHciClusterNetwork -name n) -enableAdAuth:$false | Format-Table Name`,
    );
    expect(a.assign).toBe("vnet");
    const args = a.pipeline[0].args;
    expect(a.pipeline[0].name).toBe("New-AksHciClusterNetwork");
    expect(args.map((x) => (x.kind === "param" ? `-${x.name}` : x.expr.kind))).toEqual([
      "-name",
      "string",
      "-dnsServers",
      "array",
      "-vlanID",
      "word",
    ]);
    const name = args[1];
    expect(name.kind === "value" && name.expr.kind === "string" && name.expr.parts).toEqual([
      { text: "n" },
      { variable: "x", props: [] },
    ]);
    const arr = args[3];
    expect(
      arr.kind === "value" &&
        arr.expr.kind === "array" &&
        arr.expr.items.map((i) => i.kind === "string" && i.parts),
    ).toEqual([[{ text: "10.0.0.1" }], [{ text: "it's" }]]);
    expect(b.pipeline.map((c) => c.name)).toEqual(["New-AksHciCluster", "Format-Table"]);
    const sub = b.pipeline[0].args[3];
    expect(sub.kind === "value" && sub.expr.kind === "sub" && sub.expr.statements[0].pipeline[0].name).toBe(
      "Get-AksHciClusterNetwork",
    );
    const sw = b.pipeline[0].args[4];
    expect(sw.kind === "param" && sw.name === "enableAdAuth" && sw.value?.kind).toBe("var");
    expect(b.pos.line).toBe(4);
  });

  it("reports unterminated strings and parentheses with their position", () => {
    const bad = (s: string) => {
      try {
        parse(s);
      } catch (e) {
        if (e instanceof ParseError) return [e.errorId, e.pos.line, e.pos.col];
      }
      return undefined;
    };
    expect(bad(`Get-AksHciCluster -name 'x`)).toEqual(["TerminatorExpectedAtEndOfString", 1, 25]);
    expect(bad(`New-AksHciCluster -vnet (Get-AksHciClusterNetwork -name x`)).toEqual([
      "MissingEndParenthesisInExpression",
      1,
      25,
    ]);
    expect(bad(`Get-AksHciCluster |`)).toEqual(["EmptyPipeElement", 1, 19]);
  });

  it("re-quotes shell words that held spaces or quotes", () => {
    expect(joinArgs(["New-AksHciCluster", "-name", "My Cluster", "-primaryNetworkPlugin", "flannel"])).toBe(
      "New-AksHciCluster -name 'My Cluster' -primaryNetworkPlugin flannel",
    );
    expect(joinArgs(["Get-AksHciCluster -name x"])).toBe("Get-AksHciCluster -name x");
  });
});
