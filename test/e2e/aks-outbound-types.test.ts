// AKS outbound types through the official SDK: managedNATGateway (AKS's NAT gateway in the node
// resource group, natGatewayProfile count/idle timeout, effectiveOutboundIPs, scale, removal with the
// cluster), userAssignedNATGateway (your subnet must have a NAT gateway with addresses),
// userDefinedRouting (your subnet's route table must have a default route), the profiles AKS refuses
// with each, the supported updates between types — and the egress each implies (nodeEgress).
import type { ManagedCluster } from "@azure/arm-containerservice";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterIdOf } from "../../src/providers/containerservice/model.js";
import { type NodeEgress, nodeEgress } from "../../src/providers/views/nodeEgress.js";
import { inArmTransaction } from "../helpers/emulator.js";
import { type Clients, clusterBody, errorOf, nodeRg, startClients, vnetWithSubnet } from "./aks-helpers.js";

let c: Clients;
let unatSubnet = "";
const RG = "outrg";
const LOC = "eastus";

type Net = NonNullable<ManagedCluster["networkProfile"]>;
const body = (
  network: Partial<Net> & Record<string, unknown>,
  subnetId?: string,
  plugin: "kubenet" | "azure" = "kubenet",
) => {
  const b = clusterBody({ count: 1, plugin, ...(subnetId ? { subnetId } : {}) });
  b.networkProfile = { ...b.networkProfile, ...network } as Net;
  return b;
};

/** The wire error of a cluster PUT (the SDK error does not keep `target`). */
async function refusedPut(
  name: string,
  b: ManagedCluster,
): Promise<{ status: number; code: string; target?: string; message: string }> {
  const { location, identity, tags, ...props } = b;
  const res = await c.emu.arm(
    "PUT",
    `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${name}?api-version=2026-06-01`,
    { location, identity, tags, properties: props },
  );
  const e = (res.body as { error: { code: string; target?: string; message: string } }).error;
  return { status: res.status, ...e };
}

async function firstNode(cluster: string): Promise<string> {
  for await (const ss of c.compute.virtualMachineScaleSets.list(nodeRg(RG, cluster)))
    for await (const vm of c.compute.virtualMachineScaleSetVMs.list(nodeRg(RG, cluster), ss.name ?? ""))
      return vm.osProfile?.computerName ?? "";
  throw new Error("no node");
}

const egress = async (cluster: string, destination = "8.8.8.8"): Promise<NodeEgress> => {
  const node = await firstNode(cluster);
  return inArmTransaction(c.emu, (ctx) =>
    nodeEgress(ctx, { clusterId: clusterIdOf(c.emu.subscriptionId, RG, cluster), node, destination }),
  );
};

async function ipsOf(ids: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const id of ids) {
    const parts = id.split("/");
    const [rg, name] = [parts[4], parts[8]];
    out.push((await c.net.publicIPAddresses.get(rg, name)).ipAddress ?? "");
  }
  return out;
}

async function names(list: AsyncIterable<{ name?: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const x of list) out.push(x.name ?? "");
  return out.sort();
}

beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate(RG, { location: LOC });
});
afterAll(async () => c?.emu.close());

describe("outboundType managedNATGateway", () => {
  it("creates aks-natgw with count IPs on the managed subnet; effectiveOutboundIPs; nodes leave from them", async () => {
    const mc = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "mnat",
      body({
        outboundType: "managedNATGateway",
        natGatewayProfile: { managedOutboundIPProfile: { count: 2 }, idleTimeoutInMinutes: 10 },
      }),
    );
    const np = mc.networkProfile;
    expect(np?.outboundType).toBe("managedNATGateway");
    expect(np?.loadBalancerProfile).toBeUndefined();
    expect(np?.natGatewayProfile).toMatchObject({
      managedOutboundIPProfile: { count: 2 },
      idleTimeoutInMinutes: 10,
    });
    const effective = (np?.natGatewayProfile?.effectiveOutboundIPs ?? []).map((r) => r.id ?? "");
    expect(effective).toHaveLength(2);
    const MC = nodeRg(RG, "mnat");
    const g = await c.net.natGateways.get(MC, "aks-natgw");
    expect(g).toMatchObject({ idleTimeoutInMinutes: 10, sku: { name: "Standard" } });
    expect((g.publicIpAddresses ?? []).map((r) => r.id).sort()).toEqual([...effective].sort());
    const subnets = (g.subnets ?? []).map((s) => s.id ?? "");
    expect(subnets).toHaveLength(1);
    expect(subnets[0]).toMatch(/\/virtualNetworks\/aks-vnet-\d{8}\/subnets\/aks-subnet$/);
    // No load balancer: nothing needs one until a Service asks.
    expect(await names(c.net.loadBalancers.list(MC))).toEqual([]);
    const ips = await ipsOf(effective);
    const e = await egress("mnat");
    expect(e.via).toBe("natGateway");
    expect(ips).toContain(e.sourceAddress);
    expect([...e.sourceCandidates].sort()).toEqual([...ips].sort());
    expect(e.hops.at(-1)).toMatchObject({ kind: "natGateway", resourceId: g.id, idleTimeoutInMinutes: 10 });
  });

  it("scales the managed IPs and the idle timeout; an update without the profile keeps them", async () => {
    const MC = nodeRg(RG, "mnat");
    const up = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "mnat",
      body({
        outboundType: "managedNATGateway",
        natGatewayProfile: { managedOutboundIPProfile: { count: 3 }, idleTimeoutInMinutes: 20 },
      }),
    );
    expect(up.networkProfile?.natGatewayProfile?.effectiveOutboundIPs).toHaveLength(3);
    expect((await c.net.natGateways.get(MC, "aks-natgw")).publicIpAddresses).toHaveLength(3);
    const down = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "mnat",
      body({
        outboundType: "managedNATGateway",
        natGatewayProfile: { managedOutboundIPProfile: { count: 1 } },
      }),
    );
    expect(down.networkProfile?.natGatewayProfile).toMatchObject({
      managedOutboundIPProfile: { count: 1 },
      idleTimeoutInMinutes: 20,
    });
    const g = await c.net.natGateways.get(MC, "aks-natgw");
    expect(g.publicIpAddresses).toHaveLength(1);
    expect(g.idleTimeoutInMinutes).toBe(20);
    // The IPs let go are deleted, not left behind.
    expect(await names(c.net.publicIPAddresses.list(MC))).toEqual([
      g.publicIpAddresses?.[0]?.id?.split("/").pop() ?? "",
    ]);
    const kept = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "mnat", body({}));
    expect(kept.networkProfile?.natGatewayProfile).toMatchObject({
      managedOutboundIPProfile: { count: 1 },
      idleTimeoutInMinutes: 20,
    });
  });

  it("refuses counts outside 1–16, timeouts outside 4–120, a loadBalancerProfile, a basic LB and a subnet of your own", async () => {
    const cases: [Partial<Net> & Record<string, unknown>, string][] = [
      [
        { natGatewayProfile: { managedOutboundIPProfile: { count: 0 } } },
        "networkProfile.natGatewayProfile.managedOutboundIPProfile.count",
      ],
      [
        { natGatewayProfile: { managedOutboundIPProfile: { count: 17 } } },
        "networkProfile.natGatewayProfile.managedOutboundIPProfile.count",
      ],
      [
        { natGatewayProfile: { idleTimeoutInMinutes: 3 } },
        "networkProfile.natGatewayProfile.idleTimeoutInMinutes",
      ],
      [
        { natGatewayProfile: { idleTimeoutInMinutes: 121 } },
        "networkProfile.natGatewayProfile.idleTimeoutInMinutes",
      ],
      [
        { loadBalancerProfile: { managedOutboundIPs: { count: 2 } } },
        "networkProfile.loadBalancerProfile.managedOutboundIPs",
      ],
      [
        { loadBalancerProfile: { idleTimeoutInMinutes: 10 } },
        "networkProfile.loadBalancerProfile.idleTimeoutInMinutes",
      ],
      [{ loadBalancerSku: "basic" }, "networkProfile.loadBalancerSku"],
    ];
    for (const [extra, target] of cases) {
      const b = body({ outboundType: "managedNATGateway", ...extra });
      const e = await refusedPut("mbad", b);
      expect([e.status, e.code, e.target], JSON.stringify(extra)).toEqual([400, "InvalidParameter", target]);
      expect((await errorOf(c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "mbad", b))).code).toBe(
        "InvalidParameter",
      );
    }
    // A NAT gateway profile with another outbound type.
    const wrong = await refusedPut(
      "mbad",
      body({ natGatewayProfile: { managedOutboundIPProfile: { count: 2 } } }),
    );
    expect([wrong.status, wrong.code]).toEqual([400, "InvalidParameter"]);
    const s = (await vnetWithSubnet(c, RG, "mv", "10.90.0.0/16", { s: "10.90.0.0/24" })).s;
    const byo = await refusedPut("mbad", body({ outboundType: "managedNATGateway" }, s, "azure"));
    expect([byo.status, byo.code, byo.target]).toEqual([
      400,
      "InvalidParameter",
      "networkProfile.outboundType",
    ]);
    expect((await errorOf(c.aks.managedClusters.get(RG, "mbad"))).statusCode).toBe(404);
    expect((await errorOf(c.resources.resourceGroups.get(nodeRg(RG, "mbad")))).statusCode).toBe(404);
  });

  it("goes with the cluster", async () => {
    await c.aks.managedClusters.beginDeleteAndWait(RG, "mnat");
    expect((await errorOf(c.resources.resourceGroups.get(nodeRg(RG, "mnat")))).statusCode).toBe(404);
    expect((await errorOf(c.net.natGateways.get(nodeRg(RG, "mnat"), "aks-natgw"))).statusCode).toBe(404);
  });
});

describe("updates between outbound types (managed VNet)", () => {
  it("loadBalancer → managedNATGateway drops the outbound rule and IP; → loadBalancer drops the NAT gateway", async () => {
    const MC = nodeRg(RG, "mig");
    const lb = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "mig", body({}));
    const lbIp = lb.networkProfile?.loadBalancerProfile?.effectiveOutboundIPs?.[0]?.id ?? "";
    expect((await egress("mig")).via).toBe("loadBalancer");
    const nat = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "mig",
      body({ outboundType: "managedNATGateway" }),
    );
    expect(nat.networkProfile?.natGatewayProfile).toMatchObject({
      managedOutboundIPProfile: { count: 1 },
      idleTimeoutInMinutes: 4,
    });
    expect(nat.networkProfile?.loadBalancerProfile).toBeUndefined();
    for await (const k of c.net.loadBalancers.list(MC)) {
      expect(k.outboundRules ?? []).toEqual([]);
      expect(k.frontendIPConfigurations ?? []).toEqual([]);
    }
    expect((await errorOf(c.net.publicIPAddresses.get(MC, lbIp.split("/").pop() ?? ""))).statusCode).toBe(
      404,
    );
    const e = await egress("mig");
    expect(e.via).toBe("natGateway");
    const back = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "mig",
      body({ outboundType: "loadBalancer" }),
    );
    expect(back.networkProfile?.natGatewayProfile).toBeUndefined();
    expect(back.networkProfile?.loadBalancerProfile?.effectiveOutboundIPs).toHaveLength(1);
    expect((await errorOf(c.net.natGateways.get(MC, "aks-natgw"))).statusCode).toBe(404);
    expect((await c.net.loadBalancers.get(MC, "kubernetes")).outboundRules?.[0]?.name).toBe(
      "aksOutboundRule",
    );
    const after = await egress("mig");
    expect(after.via).toBe("loadBalancer");
    // Not supported on the managed VNet: userAssignedNATGateway; none stays create-only.
    const u = await refusedPut("mig", body({ outboundType: "userAssignedNATGateway" }));
    expect([u.status, u.code, u.target]).toEqual([
      400,
      "OutboundTypeMigrationNotSupported",
      "networkProfile.outboundType",
    ]);
    const n = await refusedPut("mig", body({ outboundType: "none" }));
    expect([n.status, n.code]).toEqual([400, "PropertyChangeNotAllowed"]);
  });
});

describe("outboundType userAssignedNATGateway", () => {
  it("needs your own subnet with a NAT gateway that has addresses; then egress is that NAT gateway's", async () => {
    const none = await refusedPut("unat", body({ outboundType: "userAssignedNATGateway" }));
    expect([none.status, none.code, none.target]).toEqual([
      400,
      "InvalidParameter",
      "networkProfile.outboundType",
    ]);
    const s = (await vnetWithSubnet(c, RG, "uv", "10.91.0.0/16", { s: "10.91.0.0/22" })).s;
    unatSubnet = s;
    const bare = await refusedPut("unat", body({ outboundType: "userAssignedNATGateway" }, s, "azure"));
    expect([bare.status, bare.code, bare.target]).toEqual([
      400,
      "ExistingNatGatewayNotAssociatedWithSubnet",
      "agentPoolProfile.vnetSubnetID",
    ]);
    expect(bare.message).toContain("has no NAT gateway");
    const g = await c.net.natGateways.beginCreateOrUpdateAndWait(RG, "ug", { location: LOC });
    await c.net.subnets.beginCreateOrUpdateAndWait(RG, "uv", "s", {
      addressPrefix: "10.91.0.0/22",
      natGateway: { id: g.id },
    });
    const empty = await refusedPut("unat", body({ outboundType: "userAssignedNATGateway" }, s, "azure"));
    expect([empty.status, empty.code]).toEqual([400, "ExistingNatGatewayNotAssociatedWithSubnet"]);
    expect(empty.message).toContain("has no public IP addresses or prefixes");
    const ip = await c.net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "ug-ip", {
      location: LOC,
      sku: { name: "Standard" },
    });
    await c.net.natGateways.beginCreateOrUpdateAndWait(RG, "ug", {
      location: LOC,
      publicIpAddresses: [{ id: ip.id }],
    });
    const lbp = await refusedPut(
      "unat",
      body(
        { outboundType: "userAssignedNATGateway", loadBalancerProfile: { allocatedOutboundPorts: 1024 } },
        s,
        "azure",
      ),
    );
    expect([lbp.status, lbp.code, lbp.target]).toEqual([
      400,
      "InvalidParameter",
      "networkProfile.loadBalancerProfile.allocatedOutboundPorts",
    ]);
    const mc = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "unat",
      body({ outboundType: "userAssignedNATGateway" }, s, "azure"),
    );
    expect(mc.provisioningState).toBe("Succeeded");
    expect(mc.networkProfile?.outboundType).toBe("userAssignedNATGateway");
    expect(mc.networkProfile?.natGatewayProfile).toBeUndefined();
    expect(mc.networkProfile?.loadBalancerProfile).toBeUndefined();
    expect(await names(c.net.loadBalancers.list(nodeRg(RG, "unat")))).toEqual([]);
    expect(await names(c.net.natGateways.list(nodeRg(RG, "unat")))).toEqual([]);
    const e = await egress("unat", "1.1.1.1");
    expect(e).toMatchObject({ via: "natGateway", sourceAddress: ip.ipAddress });
    // The user's NAT gateway cannot be deleted while the subnet uses it.
    const del = await errorOf(c.net.natGateways.beginDeleteAndWait(RG, "ug"));
    expect(del.code).toBe("CannotDeleteNatGatewayAssociatedToSubnet");
  });

  it("BYO updates: → loadBalancer and back are allowed, → managedNATGateway is not", async () => {
    const m = await refusedPut("unat", body({ outboundType: "managedNATGateway" }, unatSubnet, "azure"));
    expect([m.status, m.code]).toEqual([400, "OutboundTypeMigrationNotSupported"]);
    const lb = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "unat",
      body({ outboundType: "loadBalancer" }, unatSubnet, "azure"),
    );
    expect(lb.networkProfile?.loadBalancerProfile?.effectiveOutboundIPs).toHaveLength(1);
    // The subnet's NAT gateway still wins over the outbound rule (Azure's precedence).
    expect((await egress("unat")).via).toBe("natGateway");
    const back = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "unat",
      body({ outboundType: "userAssignedNATGateway" }, unatSubnet, "azure"),
    );
    expect(back.networkProfile?.outboundType).toBe("userAssignedNATGateway");
    expect(back.networkProfile?.loadBalancerProfile).toBeUndefined();
    // No outbound rule left (the service controller may also drop the then empty LB, as cloud-provider-azure does).
    for await (const lb of c.net.loadBalancers.list(nodeRg(RG, "unat")))
      expect(lb.outboundRules ?? []).toEqual([]);
  });
});

describe("outboundType userDefinedRouting", () => {
  it("needs a route table with a default route on your subnet; refuses LB outbound IPs; egress is the appliance", async () => {
    const s = (await vnetWithSubnet(c, RG, "rv", "10.92.0.0/16", { s: "10.92.0.0/24" })).s;
    const rt = await c.net.routeTables.beginCreateOrUpdateAndWait(RG, "rv-rt", {
      location: LOC,
      routes: [{ name: "onprem", addressPrefix: "192.168.0.0/16", nextHopType: "VirtualNetworkGateway" }],
    });
    await c.net.subnets.beginCreateOrUpdateAndWait(RG, "rv", "s", {
      addressPrefix: "10.92.0.0/24",
      routeTable: { id: rt.id },
    });
    const nodef = await refusedPut("udr", body({ outboundType: "userDefinedRouting" }, s, "azure"));
    expect([nodef.status, nodef.code, nodef.target]).toEqual([
      400,
      "ExistingRouteTableHasNoDefaultRoute",
      "agentPoolProfile.vnetSubnetID",
    ]);
    await c.net.routes.beginCreateOrUpdateAndWait(RG, "rv-rt", "default", {
      addressPrefix: "0.0.0.0/0",
      nextHopType: "VirtualAppliance",
      nextHopIpAddress: "10.92.1.4",
    });
    const ips = await refusedPut(
      "udr",
      body(
        { outboundType: "userDefinedRouting", loadBalancerProfile: { managedOutboundIPs: { count: 2 } } },
        s,
        "azure",
      ),
    );
    expect([ips.status, ips.code, ips.target]).toEqual([
      400,
      "InvalidParameter",
      "networkProfile.loadBalancerProfile.managedOutboundIPs",
    ]);
    const mc = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "udr",
      body({ outboundType: "userDefinedRouting" }, s, "azure"),
    );
    expect(mc.networkProfile?.loadBalancerProfile).toBeUndefined();
    const e = await egress("udr");
    expect(e.via).toBe("virtualAppliance");
    expect(e.hops[1].route).toMatchObject({
      prefix: "0.0.0.0/0",
      nextHopType: "VirtualAppliance",
      nextHopIpAddress: "10.92.1.4",
      name: "default",
    });
    const onprem = await egress("udr", "192.168.1.1");
    expect(onprem.via).toBe("virtualNetworkGateway");
    // → loadBalancer: the outbound rule appears, but the route table still sends 0.0.0.0/0 to the appliance.
    const lb = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "udr",
      body({ outboundType: "loadBalancer" }, s, "azure"),
    );
    expect(lb.networkProfile?.loadBalancerProfile?.effectiveOutboundIPs).toHaveLength(1);
    expect((await egress("udr")).via).toBe("virtualAppliance");
  });
});
