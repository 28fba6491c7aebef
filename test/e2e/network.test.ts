// Microsoft.Network through @azure/arm-network (api-version 2026-01-01) over HTTPS: VNets
// and subnets, public IP prefixes and addresses, NSGs and rules, ASGs, route tables and
// routes; every documented refusal with its code and status, and proof nothing changed.
import { NetworkManagementClient } from "@azure/arm-network";
import { ResourceManagementClient } from "@azure/arm-resources";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let emu: TestEmulator;
let net: NetworkManagementClient;
let resources: ResourceManagementClient;
const RG = "net-rg";

beforeAll(async () => {
  emu = await startTestEmulator({ pageSize: 50 });
  net = new NetworkManagementClient(emu.credential, emu.subscriptionId, emu.clientOptions);
  resources = new ResourceManagementClient(emu.credential, emu.subscriptionId, emu.clientOptions);
  await resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
});
afterAll(async () => emu?.close());

const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as { statusCode?: number; code?: string; message: string; details?: unknown };
  }
  throw new Error("expected the call to fail");
};

const rgId = () => `/subscriptions/${emu.subscriptionId}/resourceGroups/${RG}`;

describe("virtual networks and subnets", () => {
  it("creates a VNet with an inline subnet, reads, lists, updates and deletes it", async () => {
    const vnet = await net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "vnet1", {
      location: "eastus",
      addressSpace: { addressPrefixes: ["192.168.0.0/16"] },
      subnets: [{ name: "s1", addressPrefix: "192.168.1.0/24" }],
      tags: { a: "1" },
    });
    expect(vnet.id).toBe(`${rgId()}/providers/Microsoft.Network/virtualNetworks/vnet1`);
    expect(vnet.provisioningState).toBe("Succeeded");
    expect(vnet.subnets?.map((s) => [s.name, s.addressPrefix])).toEqual([["s1", "192.168.1.0/24"]]);
    const sub = await net.subnets.get(RG, "vnet1", "s1");
    expect(sub.id).toBe(`${vnet.id}/subnets/s1`);
    const list: string[] = [];
    for await (const v of net.virtualNetworks.list(RG)) list.push(v.name ?? "");
    expect(list).toEqual(["vnet1"]);
    const all: string[] = [];
    for await (const v of net.virtualNetworks.listAll()) all.push(v.name ?? "");
    expect(all).toContain("vnet1");
    const tagged = await net.virtualNetworks.updateTags(RG, "vnet1", { tags: { b: "2" } });
    expect(tagged.tags).toEqual({ b: "2" });
    await net.virtualNetworks.beginDeleteAndWait(RG, "vnet1");
    const e = await errorOf(net.virtualNetworks.get(RG, "vnet1"));
    expect(e.statusCode).toBe(404);
  });
});

const V = "/providers/Microsoft.Network/virtualNetworks";

describe("address prefix rules (nothing changes on refusal)", () => {
  it("refuses 10.0.0.0/33 and a non-canonical 10.0.0.1/24", async () => {
    const e1 = await errorOf(
      net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "bad", {
        location: "eastus",
        addressSpace: { addressPrefixes: ["10.0.0.0/33"] },
      }),
    );
    expect(e1.statusCode).toBe(400);
    expect(e1.code).toBe("InvalidAddressPrefixFormat");
    const e2 = await errorOf(
      net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "bad", {
        location: "eastus",
        addressSpace: { addressPrefixes: ["10.0.0.0/16"] },
        subnets: [{ name: "s", addressPrefix: "10.0.0.1/24" }],
      }),
    );
    expect(e2.statusCode).toBe(400);
    expect(e2.code).toBe("InvalidCIDRNotation");
    expect(e2.message).toContain("10.0.0.0/24");
    expect((await errorOf(net.virtualNetworks.get(RG, "bad"))).statusCode).toBe(404);
  });

  it("refuses a subnet outside the VNet and one overlapping a sibling", async () => {
    await net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "v2", {
      location: "eastus",
      addressSpace: { addressPrefixes: ["10.2.0.0/16"] },
      subnets: [{ name: "a", addressPrefix: "10.2.0.0/24" }],
    });
    const out = await errorOf(
      net.subnets.beginCreateOrUpdateAndWait(RG, "v2", "b", { addressPrefix: "10.3.0.0/24" }),
    );
    expect(out.statusCode).toBe(400);
    expect(out.code).toBe("NetcfgSubnetRangeOutsideVnet");
    const overlap = await errorOf(
      net.subnets.beginCreateOrUpdateAndWait(RG, "v2", "b", { addressPrefix: "10.2.0.128/25" }),
    );
    expect(overlap.statusCode).toBe(400);
    expect(overlap.code).toBe("NetcfgSubnetRangesOverlap");
    expect(overlap.message).toContain("'a'");
    const inline = await errorOf(
      net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "v2", {
        location: "eastus",
        addressSpace: { addressPrefixes: ["10.2.0.0/16"] },
        subnets: [
          { name: "a", addressPrefix: "10.2.0.0/24" },
          { name: "c", addressPrefix: "10.2.0.0/23" },
        ],
      }),
    );
    expect(inline.code).toBe("NetcfgSubnetRangesOverlap");
    const names: string[] = [];
    for await (const s of net.subnets.list(RG, "v2")) names.push(`${s.name}=${s.addressPrefix}`);
    expect(names).toEqual(["a=10.2.0.0/24"]);
  });

  it("reconciles inline subnets: adds, updates, deletes the ones left out", async () => {
    await net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "v3", {
      location: "eastus",
      addressSpace: { addressPrefixes: ["10.3.0.0/16"] },
      subnets: [
        { name: "a", addressPrefix: "10.3.0.0/24" },
        { name: "b", addressPrefix: "10.3.1.0/24" },
      ],
    });
    await net.subnets.beginCreateOrUpdateAndWait(RG, "v3", "c", {
      addressPrefixes: ["10.3.2.0/24", "10.3.3.0/24"],
    });
    const v = await net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "v3", {
      location: "eastus",
      addressSpace: { addressPrefixes: ["10.3.0.0/16", "10.4.0.0/16"] },
      subnets: [
        { name: "a", addressPrefix: "10.3.0.0/25" },
        { name: "d", addressPrefix: "10.4.0.0/24" },
      ],
    });
    expect(v.addressSpace?.addressPrefixes).toEqual(["10.3.0.0/16", "10.4.0.0/16"]);
    expect(v.subnets?.map((s) => `${s.name}=${s.addressPrefix}`)).toEqual(["a=10.3.0.0/25", "d=10.4.0.0/24"]);
    expect((await errorOf(net.subnets.get(RG, "v3", "b"))).statusCode).toBe(404);
    await net.subnets.beginDeleteAndWait(RG, "v3", "d");
    expect((await net.virtualNetworks.get(RG, "v3")).subnets?.map((s) => s.name)).toEqual(["a"]);
  });
});

describe("NICs, in-use subnets and associations", () => {
  it("allocates NIC addresses after Azure's reserved five, derives ipConfigurations, protects in-use subnets", async () => {
    await net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "nv", {
      location: "eastus",
      addressSpace: { addressPrefixes: ["10.10.0.0/16"] },
      subnets: [{ name: "s", addressPrefix: "10.10.0.0/24" }],
    });
    const subnetId = `${rgId()}${V}/nv/subnets/s`;
    const nic = await net.networkInterfaces.beginCreateOrUpdateAndWait(RG, "nic1", {
      location: "eastus",
      ipConfigurations: [{ name: "ipconfig1", subnet: { id: subnetId } }],
    });
    expect(nic.ipConfigurations?.[0].privateIPAddress).toBe("10.10.0.4");
    expect(nic.ipConfigurations?.[0].primary).toBe(true);
    const nic2 = await net.networkInterfaces.beginCreateOrUpdateAndWait(RG, "nic2", {
      location: "eastus",
      ipConfigurations: [
        {
          name: "ipconfig1",
          subnet: { id: subnetId },
          privateIPAllocationMethod: "Static",
          privateIPAddress: "10.10.0.100",
        },
      ],
    });
    expect(nic2.ipConfigurations?.[0].privateIPAddress).toBe("10.10.0.100");
    const taken = await errorOf(
      net.networkInterfaces.beginCreateOrUpdateAndWait(RG, "nic3", {
        location: "eastus",
        ipConfigurations: [
          {
            name: "c",
            subnet: { id: subnetId },
            privateIPAllocationMethod: "Static",
            privateIPAddress: "10.10.0.100",
          },
        ],
      }),
    );
    expect(taken.code).toBe("PrivateIPAddressInUse");
    const reserved = await errorOf(
      net.networkInterfaces.beginCreateOrUpdateAndWait(RG, "nic3", {
        location: "eastus",
        ipConfigurations: [
          {
            name: "c",
            subnet: { id: subnetId },
            privateIPAllocationMethod: "Static",
            privateIPAddress: "10.10.0.1",
          },
        ],
      }),
    );
    expect(reserved.code).toBe("PrivateIPAddressNotInSubnet");
    // re-PUT keeps the address
    const again = await net.networkInterfaces.beginCreateOrUpdateAndWait(RG, "nic1", {
      location: "eastus",
      ipConfigurations: [{ name: "ipconfig1", subnet: { id: subnetId } }],
    });
    expect(again.ipConfigurations?.[0].privateIPAddress).toBe("10.10.0.4");
    const sub = await net.subnets.get(RG, "nv", "s");
    expect(sub.ipConfigurations?.map((c) => c.id)).toEqual([
      `${rgId()}/providers/Microsoft.Network/networkInterfaces/nic1/ipConfigurations/ipconfig1`,
      `${rgId()}/providers/Microsoft.Network/networkInterfaces/nic2/ipConfigurations/ipconfig1`,
    ]);
    const del = await errorOf(net.subnets.beginDeleteAndWait(RG, "nv", "s"));
    expect(del.statusCode).toBe(400);
    expect(del.code).toBe("InUseSubnetCannotBeDeleted");
    const drop = await errorOf(
      net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "nv", {
        location: "eastus",
        addressSpace: { addressPrefixes: ["10.10.0.0/16"] },
        subnets: [],
      }),
    );
    expect(drop.code).toBe("InUseSubnetCannotBeDeleted");
    expect((await net.subnets.get(RG, "nv", "s")).addressPrefix).toBe("10.10.0.0/24");
    await net.networkInterfaces.beginDeleteAndWait(RG, "nic1");
    await net.networkInterfaces.beginDeleteAndWait(RG, "nic2");
    expect((await net.subnets.get(RG, "nv", "s")).ipConfigurations).toBeUndefined();
    await net.subnets.beginDeleteAndWait(RG, "nv", "s");
  });

  it("associates route tables and NSGs with subnets and NICs, shown as back-references", async () => {
    const rt = await net.routeTables.beginCreateOrUpdateAndWait(RG, "rt-assoc", { location: "eastus" });
    const nsg = await net.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, "nsg-assoc", {
      location: "eastus",
    });
    const missing = await errorOf(
      net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "av", {
        location: "eastus",
        addressSpace: { addressPrefixes: ["10.20.0.0/16"] },
        subnets: [{ name: "s", addressPrefix: "10.20.0.0/24", routeTable: { id: `${rt.id}x` } }],
      }),
    );
    expect(missing.code).toBe("InvalidResourceReference");
    await net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "av", {
      location: "eastus",
      addressSpace: { addressPrefixes: ["10.20.0.0/16"] },
      subnets: [
        {
          name: "s",
          addressPrefix: "10.20.0.0/24",
          routeTable: { id: rt.id },
          networkSecurityGroup: { id: nsg.id },
        },
      ],
    });
    const subnetId = `${rgId()}${V}/av/subnets/s`;
    await net.networkInterfaces.beginCreateOrUpdateAndWait(RG, "anic", {
      location: "eastus",
      networkSecurityGroup: { id: nsg.id },
      ipConfigurations: [{ name: "c", subnet: { id: subnetId } }],
    });
    expect((await net.routeTables.get(RG, "rt-assoc")).subnets?.map((s) => s.id)).toEqual([subnetId]);
    const n = await net.networkSecurityGroups.get(RG, "nsg-assoc");
    expect(n.subnets?.map((s) => s.id)).toEqual([subnetId]);
    expect(n.networkInterfaces?.map((s) => s.id)).toEqual([
      `${rgId()}/providers/Microsoft.Network/networkInterfaces/anic`,
    ]);
    expect((await errorOf(net.routeTables.beginDeleteAndWait(RG, "rt-assoc"))).code).toBe(
      "InUseRouteTableCannotBeDeleted",
    );
    expect((await errorOf(net.networkSecurityGroups.beginDeleteAndWait(RG, "nsg-assoc"))).code).toBe(
      "InUseNetworkSecurityGroupCannotBeDeleted",
    );
    // dissociate through the child PUT, then the table can go
    await net.subnets.beginCreateOrUpdateAndWait(RG, "av", "s", {
      addressPrefix: "10.20.0.0/24",
      networkSecurityGroup: { id: nsg.id },
    });
    expect((await net.routeTables.get(RG, "rt-assoc")).subnets).toBeUndefined();
    await net.routeTables.beginDeleteAndWait(RG, "rt-assoc");
  });
});

describe("network security groups", () => {
  const rule = (priority: number, port = "80") => ({
    protocol: "Tcp",
    access: "Allow",
    priority,
    direction: "Inbound",
    sourcePortRange: "*",
    destinationPortRange: port,
    sourceAddressPrefix: "Internet",
    destinationAddressPrefix: "*",
  });

  it("creates with inline rules, shows Azure's six default rules, manages rules as children", async () => {
    const nsg = await net.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, "nsg1", {
      location: "eastus",
      securityRules: [{ name: "web", ...rule(100) }],
    });
    expect(nsg.securityRules?.map((r) => [r.name, r.priority, r.destinationPortRange])).toEqual([
      ["web", 100, "80"],
    ]);
    expect(nsg.defaultSecurityRules?.map((r) => [r.name, r.priority, r.direction, r.access])).toEqual([
      ["AllowVnetInBound", 65000, "Inbound", "Allow"],
      ["AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow"],
      ["DenyAllInBound", 65500, "Inbound", "Deny"],
      ["AllowVnetOutBound", 65000, "Outbound", "Allow"],
      ["AllowInternetOutBound", 65001, "Outbound", "Allow"],
      ["DenyAllOutBound", 65500, "Outbound", "Deny"],
    ]);
    const d = await net.defaultSecurityRules.get(RG, "nsg1", "AllowAzureLoadBalancerInBound");
    expect(d.sourceAddressPrefix).toBe("AzureLoadBalancer");
    const r = await net.securityRules.beginCreateOrUpdateAndWait(RG, "nsg1", "ssh", {
      ...rule(110, "22"),
      sourceAddressPrefixes: undefined,
    });
    expect(r.destinationPortRange).toBe("22");
    const names: string[] = [];
    for await (const x of net.securityRules.list(RG, "nsg1")) names.push(x.name ?? "");
    expect(names).toEqual(["web", "ssh"]);
    await net.securityRules.beginDeleteAndWait(RG, "nsg1", "ssh");
    expect((await net.networkSecurityGroups.get(RG, "nsg1")).securityRules?.map((x) => x.name)).toEqual([
      "web",
    ]);
  });

  it("refuses a duplicate priority in one direction, naming both rules, and bad syntax", async () => {
    const dup = await errorOf(
      net.securityRules.beginCreateOrUpdateAndWait(RG, "nsg1", "other", rule(100, "443")),
    );
    expect(dup.statusCode).toBe(400);
    expect(dup.code).toBe("SecurityRuleConflict");
    expect(dup.message).toContain("other");
    expect(dup.message).toContain("web");
    // same priority, other direction is fine
    await net.securityRules.beginCreateOrUpdateAndWait(RG, "nsg1", "out", {
      ...rule(100),
      direction: "Outbound",
    });
    const inlineDup = await errorOf(
      net.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, "nsg1", {
        location: "eastus",
        securityRules: [
          { name: "a", ...rule(200) },
          { name: "b", ...rule(200) },
        ],
      }),
    );
    expect(inlineDup.code).toBe("SecurityRuleConflict");
    const port = await errorOf(
      net.securityRules.beginCreateOrUpdateAndWait(RG, "nsg1", "x", rule(300, "70000")),
    );
    expect(port.code).toBe("SecurityRuleInvalidPortRange");
    const range = await errorOf(
      net.securityRules.beginCreateOrUpdateAndWait(RG, "nsg1", "x", rule(300, "90-80")),
    );
    expect(range.code).toBe("SecurityRuleInvalidPortRange");
    const both = await errorOf(
      net.securityRules.beginCreateOrUpdateAndWait(RG, "nsg1", "x", {
        ...rule(300),
        destinationPortRanges: ["81"],
      }),
    );
    expect(both.code).toBe("SecurityRuleParameterConflict");
    const prio = await errorOf(net.securityRules.beginCreateOrUpdateAndWait(RG, "nsg1", "x", rule(4097)));
    expect(prio.code).toBe("SecurityRuleInvalidPriority");
    const prefix = await errorOf(
      net.securityRules.beginCreateOrUpdateAndWait(RG, "nsg1", "x", {
        ...rule(300),
        sourceAddressPrefix: "NotATag",
      }),
    );
    expect(prefix.code).toBe("SecurityRuleInvalidAddressPrefix");
    const asg = await errorOf(
      net.securityRules.beginCreateOrUpdateAndWait(RG, "nsg1", "x", {
        ...rule(300),
        sourceAddressPrefix: undefined,
        sourceApplicationSecurityGroups: [
          { id: `${rgId()}/providers/Microsoft.Network/applicationSecurityGroups/none` },
        ],
      }),
    );
    expect(asg.code).toBe("InvalidResourceReference");
    const names: string[] = [];
    for await (const x of net.securityRules.list(RG, "nsg1")) names.push(x.name ?? "");
    expect(names).toEqual(["web", "out"]);
  });

  it("application security groups: create, reference from rules and NICs, refuse deletion in use", async () => {
    const asg = await net.applicationSecurityGroups.beginCreateOrUpdateAndWait(RG, "asg1", {
      location: "eastus",
    });
    expect(asg.provisioningState).toBe("Succeeded");
    await net.securityRules.beginCreateOrUpdateAndWait(RG, "nsg1", "to-asg", {
      ...rule(400),
      destinationAddressPrefix: undefined,
      destinationApplicationSecurityGroups: [{ id: asg.id }],
    });
    const e = await errorOf(net.applicationSecurityGroups.beginDeleteAndWait(RG, "asg1"));
    expect(e.code).toBe("InUseApplicationSecurityGroupCannotBeDeleted");
    await net.securityRules.beginDeleteAndWait(RG, "nsg1", "to-asg");
    const list: string[] = [];
    for await (const a of net.applicationSecurityGroups.list(RG)) list.push(a.name ?? "");
    expect(list).toEqual(["asg1"]);
    await net.applicationSecurityGroups.beginDeleteAndWait(RG, "asg1");
  });
});

describe("route tables and routes", () => {
  it("creates tables with inline routes, adds, reads and deletes routes", async () => {
    const rt = await net.routeTables.beginCreateOrUpdateAndWait(RG, "rt1", {
      location: "eastus",
      disableBgpRoutePropagation: true,
      routes: [
        {
          name: "fw",
          addressPrefix: "0.0.0.0/0",
          nextHopType: "VirtualAppliance",
          nextHopIpAddress: "10.0.0.4",
        },
      ],
    });
    expect(rt.disableBgpRoutePropagation).toBe(true);
    expect(rt.routes?.map((r) => r.name)).toEqual(["fw"]);
    await net.routes.beginCreateOrUpdateAndWait(RG, "rt1", "storage", {
      addressPrefix: "Storage",
      nextHopType: "Internet",
    });
    expect((await net.routes.get(RG, "rt1", "storage")).nextHopType).toBe("Internet");
    await net.routes.beginDeleteAndWait(RG, "rt1", "storage");
    expect((await net.routeTables.get(RG, "rt1")).routes?.map((r) => r.name)).toEqual(["fw"]);
  });

  it("requires a next hop for VirtualAppliance and refuses it otherwise", async () => {
    const e = await errorOf(
      net.routes.beginCreateOrUpdateAndWait(RG, "rt1", "r", {
        addressPrefix: "10.9.0.0/16",
        nextHopType: "VirtualAppliance",
      }),
    );
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe("NextHopIpAddressRequired");
    const e2 = await errorOf(
      net.routes.beginCreateOrUpdateAndWait(RG, "rt1", "r", {
        addressPrefix: "10.9.0.0/16",
        nextHopType: "Internet",
        nextHopIpAddress: "1.2.3.4",
      }),
    );
    expect(e2.code).toBe("NextHopIpAddressNotAllowed");
    const e3 = await errorOf(
      net.routes.beginCreateOrUpdateAndWait(RG, "rt1", "r", {
        addressPrefix: "10.9.0.1/16",
        nextHopType: "None",
      }),
    );
    expect(e3.code).toBe("InvalidCIDRNotation");
    expect((await errorOf(net.routes.get(RG, "rt1", "r"))).statusCode).toBe(404);
  });

  it("holds at most 400 routes: the 401st is refused, inline or as a child", async () => {
    const routes = Array.from({ length: 400 }, (_, i) => ({
      name: `r${i}`,
      addressPrefix: `10.${Math.floor(i / 256)}.${i % 256}.0/24`,
      nextHopType: "VirtualAppliance",
      nextHopIpAddress: "192.168.0.4",
    }));
    const tooMany = await errorOf(
      net.routeTables.beginCreateOrUpdateAndWait(RG, "big", {
        location: "eastus",
        routes: [...routes, { name: "r400", addressPrefix: "11.0.0.0/24", nextHopType: "None" }],
      }),
    );
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.code).toBe("RouteTableLimitReached");
    expect((await errorOf(net.routeTables.get(RG, "big"))).statusCode).toBe(404);
    await net.routeTables.beginCreateOrUpdateAndWait(RG, "big", { location: "eastus", routes });
    const e = await errorOf(
      net.routes.beginCreateOrUpdateAndWait(RG, "big", "r400", {
        addressPrefix: "11.0.0.0/24",
        nextHopType: "None",
      }),
    );
    expect(e.code).toBe("RouteTableLimitReached");
    expect((await net.routeTables.get(RG, "big")).routes?.length).toBe(400);
    // updating an existing route is not adding one
    await net.routes.beginCreateOrUpdateAndWait(RG, "big", "r0", {
      addressPrefix: "10.0.0.0/24",
      nextHopType: "None",
    });
  });
});

describe("public IP prefixes and addresses", () => {
  it("allocates aligned prefixes deterministically and refuses lengths 27 and 32", async () => {
    for (const len of [27, 32]) {
      const e = await errorOf(
        net.publicIPPrefixes.beginCreateOrUpdateAndWait(RG, "p-bad", {
          location: "eastus",
          prefixLength: len,
        }),
      );
      expect(e.statusCode).toBe(400);
      expect(e.code).toBe("InvalidPublicIpPrefixLength");
    }
    expect((await errorOf(net.publicIPPrefixes.get(RG, "p-bad"))).statusCode).toBe(404);
    const p28 = await net.publicIPPrefixes.beginCreateOrUpdateAndWait(RG, "p28", {
      location: "eastus",
      prefixLength: 28,
      sku: { name: "Standard" },
    });
    expect(p28.ipPrefix).toBe("20.0.0.0/28");
    expect(p28.prefixLength).toBe(28);
    const p31 = await net.publicIPPrefixes.beginCreateOrUpdateAndWait(RG, "p31", {
      location: "eastus",
      prefixLength: 31,
    });
    expect(p31.ipPrefix).toBe("20.0.0.16/31");
    const change = await errorOf(
      net.publicIPPrefixes.beginCreateOrUpdateAndWait(RG, "p31", { location: "eastus", prefixLength: 30 }),
    );
    expect(change.code).toBe("PropertyChangeNotAllowed");
    const tagged = await net.publicIPPrefixes.updateTags(RG, "p31", { tags: { k: "v" } });
    expect(tagged.tags).toEqual({ k: "v" });
    expect(tagged.ipPrefix).toBe("20.0.0.16/31");
  });

  it("takes public IPs from a prefix (lowest free), refuses a full prefix and deleting a used prefix", async () => {
    const prefixId = `${rgId()}/providers/Microsoft.Network/publicIPPrefixes/p31`;
    const a = await net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "ip-a", {
      location: "eastus",
      sku: { name: "Standard" },
      publicIPAllocationMethod: "Static",
      publicIPPrefix: { id: prefixId },
      ipTags: [{ ipTagType: "RoutingPreference", tag: "Internet" }],
    });
    expect(a.ipAddress).toBe("20.0.0.16");
    expect(a.ipTags).toEqual([{ ipTagType: "RoutingPreference", tag: "Internet" }]);
    const b = await net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "ip-b", {
      location: "eastus",
      publicIPPrefix: { id: prefixId },
    });
    expect(b.ipAddress).toBe("20.0.0.17");
    const full = await errorOf(
      net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "ip-c", {
        location: "eastus",
        publicIPPrefix: { id: prefixId },
      }),
    );
    expect(full.statusCode).toBe(400);
    expect(full.code).toBe("PublicIpPrefixOutOfIpAddressesForPublicIp");
    expect(full.message).toContain(prefixId);
    expect((await errorOf(net.publicIPAddresses.get(RG, "ip-c"))).statusCode).toBe(404);
    const p = await net.publicIPPrefixes.get(RG, "p31");
    expect(p.publicIPAddresses?.map((x) => x.id)).toEqual([a.id, b.id]);
    const inUse = await errorOf(net.publicIPPrefixes.beginDeleteAndWait(RG, "p31"));
    expect(inUse.statusCode).toBe(400);
    expect(inUse.code).toBe("InUsePublicIpPrefixCannotBeDeleted");
    expect(inUse.message).toContain(a.id);
    expect((await net.publicIPPrefixes.get(RG, "p31")).ipPrefix).toBe("20.0.0.16/31");
    await net.publicIPAddresses.beginDeleteAndWait(RG, "ip-b");
    const again = await net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "ip-d", {
      location: "eastus",
      publicIPPrefix: { id: prefixId },
    });
    expect(again.ipAddress).toBe("20.0.0.17"); // released address is reused, lowest first
  });

  it("refuses Basic SKU and Dynamic allocation; stand-alone IPs come from the pool", async () => {
    expect(
      (
        await errorOf(
          net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "x", {
            location: "eastus",
            sku: { name: "Basic" },
          }),
        )
      ).code,
    ).toBe("BasicSkuPublicIpCreationNotAllowed");
    expect(
      (
        await errorOf(
          net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "x", {
            location: "eastus",
            publicIPAllocationMethod: "Dynamic",
          }),
        )
      ).code,
    ).toBe("StandardSkuPublicIPAddressesMustBeStatic");
    const ip = await net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "solo", { location: "eastus" });
    expect(ip.ipAddress).toBe("20.255.255.254");
    expect(ip.sku?.name).toBe("Standard");
    expect(ip.publicIPAllocationMethod).toBe("Static");
  });

  it("refuses deleting a public IP attached to a NIC or a load balancer", async () => {
    await net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "pv", {
      location: "eastus",
      addressSpace: { addressPrefixes: ["10.30.0.0/16"] },
      subnets: [{ name: "s", addressPrefix: "10.30.0.0/24" }],
    });
    const ip = await net.publicIPAddresses.get(RG, "solo");
    const nic = await net.networkInterfaces.beginCreateOrUpdateAndWait(RG, "pnic", {
      location: "eastus",
      ipConfigurations: [
        { name: "c", subnet: { id: `${rgId()}${V}/pv/subnets/s` }, publicIPAddress: { id: ip.id } },
      ],
    });
    expect((await net.publicIPAddresses.get(RG, "solo")).ipConfiguration?.id).toBe(
      nic.ipConfigurations?.[0].id,
    );
    const e = await errorOf(net.publicIPAddresses.beginDeleteAndWait(RG, "solo"));
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe("PublicIPAddressCannotBeDeleted");
    expect(e.message).toContain(nic.ipConfigurations?.[0].id);
    const second = await errorOf(
      net.networkInterfaces.beginCreateOrUpdateAndWait(RG, "pnic2", {
        location: "eastus",
        ipConfigurations: [
          { name: "c", subnet: { id: `${rgId()}${V}/pv/subnets/s` }, publicIPAddress: { id: ip.id } },
        ],
      }),
    );
    expect(second.code).toBe("PublicIPAddressInUse");
    await net.networkInterfaces.beginDeleteAndWait(RG, "pnic");

    const lbIp = await net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "lb-ip", { location: "eastus" });
    const lbId = `${rgId()}/providers/Microsoft.Network/loadBalancers/lb1`;
    const lb = await net.loadBalancers.beginCreateOrUpdateAndWait(RG, "lb1", {
      location: "eastus",
      sku: { name: "Standard" },
      frontendIPConfigurations: [{ name: "fe", publicIPAddress: { id: lbIp.id } }],
      backendAddressPools: [{ name: "be" }],
      probes: [{ name: "hp", protocol: "Tcp", port: 80 }],
      loadBalancingRules: [
        {
          name: "http",
          frontendIPConfiguration: { id: `${lbId}/frontendIPConfigurations/fe` },
          backendAddressPool: { id: `${lbId}/backendAddressPools/be` },
          probe: { id: `${lbId}/probes/hp` },
          protocol: "Tcp",
          frontendPort: 80,
          backendPort: 80,
        },
      ],
      outboundRules: [
        {
          name: "out",
          frontendIPConfigurations: [{ id: `${lbId}/frontendIPConfigurations/fe` }],
          backendAddressPool: { id: `${lbId}/backendAddressPools/be` },
          protocol: "All",
        },
      ],
    });
    expect(lb.loadBalancingRules?.[0].frontendPort).toBe(80);
    expect((await net.publicIPAddresses.get(RG, "lb-ip")).ipConfiguration?.id).toBe(
      `${lbId}/frontendIPConfigurations/fe`,
    );
    expect((await errorOf(net.publicIPAddresses.beginDeleteAndWait(RG, "lb-ip"))).code).toBe(
      "PublicIPAddressCannotBeDeleted",
    );
    const badRef = await errorOf(
      net.loadBalancers.beginCreateOrUpdateAndWait(RG, "lb1", {
        location: "eastus",
        frontendIPConfigurations: [{ name: "fe", publicIPAddress: { id: lbIp.id } }],
        loadBalancingRules: [
          {
            name: "r",
            frontendIPConfiguration: { id: `${lbId}/frontendIPConfigurations/nope` },
            protocol: "Tcp",
            frontendPort: 1,
          },
        ],
      }),
    );
    expect(badRef.code).toBe("InvalidResourceReference");
    const lbs: string[] = [];
    for await (const x of net.loadBalancers.list(RG)) lbs.push(x.name ?? "");
    expect(lbs).toEqual(["lb1"]);
    await net.loadBalancers.beginDeleteAndWait(RG, "lb1");
    await net.publicIPAddresses.beginDeleteAndWait(RG, "lb-ip");
    await net.publicIPAddresses.beginDeleteAndWait(RG, "solo");
  });
});

describe("api-versions, determinism and resource-group cascade", () => {
  it("speaks ARM on the wire: 201 + Azure-AsyncOperation on create, weak ETags, 202 + Location on delete", async () => {
    const path = `${rgId()}/providers/Microsoft.Network/applicationSecurityGroups/wire?api-version=2022-09-01`;
    const put = await emu.arm("PUT", path, { location: "eastus" });
    expect(put.status).toBe(201);
    expect(put.headers.get("azure-asyncoperation")).toMatch(/^https:/);
    const body = put.body as {
      etag: string;
      properties: { provisioningState: string; resourceGuid: string };
    };
    expect(body.etag).toMatch(/^W\/"/);
    expect(put.headers.get("etag")).toBe(body.etag);
    expect(body.properties.provisioningState).toBe("Succeeded");
    expect((await emu.arm("PUT", path, { location: "eastus" })).status).toBe(200);
    expect((await emu.arm("PUT", path, { location: "westus" })).status).toBe(409);
    const stale = await emu.arm("PUT", path, { location: "eastus" }, { "if-match": body.etag });
    expect(stale.status).toBe(412);
    const del = await emu.arm("DELETE", path);
    expect(del.status).toBe(202);
    expect(del.headers.get("location")).toMatch(/operationresults/);
    expect((await emu.arm("DELETE", path)).status).toBe(204);
  });

  it("accepts the api-versions az 2.45 sends and refuses unknown ones", async () => {
    const path = `${rgId()}/providers/Microsoft.Network/virtualNetworks/v2`;
    for (const v of ["2022-09-01", "2022-01-01", "2018-11-01"])
      expect((await emu.arm("GET", `${path}?api-version=${v}`)).status).toBe(200);
    const bad = await emu.arm("GET", `${path}?api-version=2017-01-01`);
    expect(bad.status).toBe(400);
    expect((bad.body as { error: { code: string } }).error.code).toBe("NoRegisteredProviderFound");
  });

  it("deletes a whole group, releasing every allocation; the same script yields the same addresses", async () => {
    const script = async (group: string) => {
      await resources.resourceGroups.createOrUpdate(group, { location: "eastus" });
      const nsg = await net.networkSecurityGroups.beginCreateOrUpdateAndWait(group, "nsg", {
        location: "eastus",
      });
      const rt = await net.routeTables.beginCreateOrUpdateAndWait(group, "rt", { location: "eastus" });
      const asg = await net.applicationSecurityGroups.beginCreateOrUpdateAndWait(group, "asg", {
        location: "eastus",
      });
      const vnet = await net.virtualNetworks.beginCreateOrUpdateAndWait(group, "v", {
        location: "eastus",
        addressSpace: { addressPrefixes: ["172.16.0.0/16"] },
        subnets: [
          {
            name: "s",
            addressPrefix: "172.16.0.0/24",
            routeTable: { id: rt.id },
            networkSecurityGroup: { id: nsg.id },
          },
        ],
      });
      const prefix = await net.publicIPPrefixes.beginCreateOrUpdateAndWait(group, "p", {
        location: "eastus",
        prefixLength: 30,
      });
      const ip = await net.publicIPAddresses.beginCreateOrUpdateAndWait(group, "ip", {
        location: "eastus",
        publicIPPrefix: { id: prefix.id },
      });
      const nic = await net.networkInterfaces.beginCreateOrUpdateAndWait(group, "nic", {
        location: "eastus",
        networkSecurityGroup: { id: nsg.id },
        ipConfigurations: [
          {
            name: "c",
            subnet: { id: vnet.subnets?.[0].id },
            publicIPAddress: { id: ip.id },
            applicationSecurityGroups: [{ id: asg.id }],
          },
        ],
      });
      return [prefix.ipPrefix, ip.ipAddress, nic.ipConfigurations?.[0].privateIPAddress];
    };
    const first = await script("cascade");
    await resources.resourceGroups.beginDeleteAndWait("cascade");
    expect((await errorOf(resources.resourceGroups.get("cascade"))).statusCode).toBe(404);
    const rows = await emu.store.transaction((tx) => tx.listAllocations("public:IPv4"));
    expect(rows.filter((r) => r.owner.toLowerCase().includes("/resourcegroups/cascade/"))).toEqual([]);
    expect(await script("cascade")).toEqual(first);
  });
});
