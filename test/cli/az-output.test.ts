import { describe, expect, it } from "vitest";
import type { Json } from "../../src/cli/az/output.js";
import {
  addResourceGroup,
  formatJson,
  formatTable,
  formatTsv,
  formatYaml,
  render,
  sdkKey,
  toDict,
  transformResult,
} from "../../src/cli/az/output.js";

const SUB = "00000000-0000-0000-0000-000000000001";
const vnetId = `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v1`;
const vnet = {
  id: vnetId,
  name: "v1",
  type: "Microsoft.Network/virtualNetworks",
  location: "eastus",
  tags: null,
  properties: {
    provisioningState: "Succeeded",
    addressSpace: { addressPrefixes: ["192.168.0.0/16"] },
    subnets: [
      {
        id: `${vnetId}/subnets/s1`,
        name: "s1",
        properties: {
          addressPrefix: "192.168.1.0/24",
          routeTable: {
            id: `/subscriptions/${SUB}/resourceGroups/MC_rg/providers/Microsoft.Network/routeTables/rt`,
          },
        },
      },
    ],
  },
};

describe("az's result conversion", () => {
  it("flattens properties recursively, drops nulls and adds resourceGroup from ids", () => {
    const out = transformResult(vnet, "aaz") as Record<string, Json>;
    expect(out).toEqual({
      id: vnetId,
      name: "v1",
      type: "Microsoft.Network/virtualNetworks",
      location: "eastus",
      provisioningState: "Succeeded",
      addressSpace: { addressPrefixes: ["192.168.0.0/16"] },
      resourceGroup: "rg1",
      subnets: [
        {
          id: `${vnetId}/subnets/s1`,
          name: "s1",
          addressPrefix: "192.168.1.0/24",
          resourceGroup: "rg1",
          routeTable: { id: expect.stringContaining("routeTables/rt"), resourceGroup: "MC_rg" },
        },
      ],
    });
  });

  it("gives a bare resource group id no resourceGroup (az reads parts[8])", () => {
    const g: Json = { id: `/subscriptions/${SUB}/resourceGroups/rg1`, name: "rg1" };
    addResourceGroup(g);
    expect(g).not.toHaveProperty("resourceGroup");
  });

  it("keeps properties nested for resource groups and features", () => {
    const rg = {
      id: `/subscriptions/${SUB}/resourceGroups/rg1`,
      type: "Microsoft.Resources/resourceGroups",
      properties: { provisioningState: "Succeeded" },
    };
    expect(toDict(rg, "aaz")).toHaveProperty("properties.provisioningState", "Succeeded");
    const feature = {
      id: "/x",
      name: "Microsoft.ContainerService/X",
      type: "Microsoft.Features/providers/features",
      properties: { state: "Registered" },
    };
    expect(toDict(feature, "sdk")).toEqual(feature);
  });

  it("renames keys like the Python SDK models (sdk style), but not dictionary keys", () => {
    expect(sdkKey("vnetSubnetID")).toBe("vnetSubnetId");
    expect(sdkKey("enableNodePublicIP")).toBe("enableNodePublicIp");
    expect(sdkKey("nodePublicIPPrefixID")).toBe("nodePublicIpPrefixId");
    expect(sdkKey("dnsServiceIP")).toBe("dnsServiceIp");
    expect(sdkKey("managedOutboundIPs")).toBe("managedOutboundIPs");
    expect(sdkKey("enableRBAC")).toBe("enableRbac");
    expect(sdkKey("osDiskSizeGB")).toBe("osDiskSizeGb");
    expect(sdkKey("eTag")).toBe("eTag");
    const pool = {
      id: `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/c/agentPools/np`,
      name: "np",
      type: "Microsoft.ContainerService/managedClusters/agentPools",
      properties: {
        type: "VirtualMachineScaleSets",
        enableNodePublicIP: true,
        nodeLabels: { "kubernetes.azure.com/mode": "user" },
        tags: { costCenter: "x" },
      },
    };
    expect(transformResult(pool, "sdk")).toEqual({
      id: pool.id,
      name: "np",
      type: "Microsoft.ContainerService/managedClusters/agentPools",
      typePropertiesType: "VirtualMachineScaleSets",
      enableNodePublicIp: true,
      nodeLabels: { "kubernetes.azure.com/mode": "user" },
      tags: { costCenter: "x" },
      resourceGroup: "rg1",
    });
  });
});

describe("output formats", () => {
  const items: Json = [
    { name: "b", location: "eastus", count: 3, enabled: true, id: "/x", nested: { a: 1 }, list: [1, 2] },
    { name: "a", location: "westus2", count: 10, enabled: false, id: "/y", nested: { a: 2 }, list: [] },
  ];

  it("json: sorted keys, 2-space indent, trailing newline", () => {
    expect(formatJson({ b: 1, a: { d: [1], c: "x" } })).toBe(
      '{\n  "a": {\n    "c": "x",\n    "d": [\n      1\n    ]\n  },\n  "b": 1\n}\n',
    );
    expect(formatJson([])).toBe("[]\n");
  });

  it("tsv: scalar values sorted by key, list lengths, empty dicts, True/False", () => {
    expect(formatTsv(items)).toBe("3\tTrue\t/x\t2\teastus\tb\t\n10\tFalse\t/y\t0\twestus2\ta\t\n");
    expect(formatTsv("/subscriptions/x/resourceGroups/g")).toBe("/subscriptions/x/resourceGroups/g\n");
    expect(formatTsv(true)).toBe("true\n");
  });

  it("table: scalar columns, id/type/etag skipped, capitalised headers, tabulate widths", () => {
    expect(formatTable(items, true)).toBe(
      [
        "Count    Enabled    Location    Name",
        "-------  ---------  ----------  ------",
        "3        True       eastus      b",
        "10       False      westus2     a",
        "",
      ].join("\n"),
    );
  });

  it("yaml: block style, sorted keys, unindented sequences", async () => {
    expect(await formatYaml({ name: "x", prefixes: ["10.0.0.0/16"], a: { true: "true" } })).toBe(
      "a:\n  'true': 'true'\nname: x\nprefixes:\n- 10.0.0.0/16\n",
    );
  });

  it("--query is JMESPath on the converted result; -o tsv prints the bare value", async () => {
    const v = transformResult(vnet, "aaz");
    expect(await render(v, { format: "tsv", query: "id", color: false })).toBe(`${vnetId}\n`);
    expect(await render(v, { format: "json", query: "subnets[].name", color: false })).toBe('[\n  "s1"\n]\n');
    expect(await render(v, { format: "json", query: "nothing", color: false })).toBe("");
  });

  it("--query multiselect keeps its key order in tsv and table", async () => {
    const v = transformResult(vnet, "aaz");
    expect(await render(v, { format: "tsv", query: "{z: name, a: location}", color: false })).toBe(
      "v1\teastus\n",
    );
    expect(await render(v, { format: "table", query: "{Z: name, A: location}", color: false })).toBe(
      "Z    A\n---  ------\nv1   eastus\n",
    );
  });

  it("table uses the command's transformer unless a query is given", async () => {
    const t = (r: Json): Json => ({ Name: (r as { name: string }).name });
    expect(
      await render({ name: "n1", other: "o" }, { format: "table", tableTransform: t, color: false }),
    ).toBe("Name\n------\nn1\n");
  });

  it("none prints nothing; undefined results print nothing", async () => {
    expect(await render({ a: 1 }, { format: "none", color: false })).toBe("");
    expect(await render(undefined, { format: "json", color: false })).toBe("");
  });

  it("jsonc colours only when asked", async () => {
    expect(await render({ a: 1 }, { format: "jsonc", color: false })).toBe('{\n  "a": 1\n}\n');
    expect(await render({ a: "x" }, { format: "jsonc", color: true })).toContain("\x1b[");
  });
});
