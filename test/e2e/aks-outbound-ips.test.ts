// loadBalancerProfile.outboundIPs (public IPs of your own as the cluster's SNAT addresses) through
// the official SDK: the IPs become the `kubernetes` LB's outbound frontends and effectiveOutboundIPs,
// the managed IP goes, the IPs cannot be deleted while used, node egress SNATs to them, switching
// back and forth cleans up; AKS's refusals (missing IP, other subscription or region, more than one
// of managedOutboundIPs/outboundIPs/outboundIPPrefixes). Also: a basic LB SKU and an unknown
// credential format are refused.
import type { ManagedCluster } from "@azure/arm-containerservice";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterIdOf } from "../../src/providers/containerservice/model.js";
import { nodeEgress } from "../../src/providers/views/nodeEgress.js";
import { inArmTransaction } from "../helpers/emulator.js";
import { type Clients, clusterBody, errorOf, nodeRg, startClients } from "./aks-helpers.js";

let c: Clients;
const RG = "byoip";
const pip: Record<string, { id: string; ip: string }> = {};

type Net = NonNullable<ManagedCluster["networkProfile"]>;
const body = (lbp: Record<string, unknown> | undefined, extra: Partial<Net> = {}) => {
  const b = clusterBody({ count: 1 });
  b.networkProfile = { ...b.networkProfile, ...extra, ...(lbp ? { loadBalancerProfile: lbp } : {}) } as Net;
  return b;
};
const ips = (...names: string[]) => ({ publicIPs: names.map((n) => ({ id: pip[n]?.id ?? n })) });

/** The wire error of a cluster PUT (the SDK error does not keep `target`). */
async function refusedPut(name: string, b: ManagedCluster) {
  const { location, identity, tags, ...props } = b;
  const res = await c.emu.arm(
    "PUT",
    `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${name}?api-version=2024-05-01`,
    { location, identity, tags, properties: props },
  );
  const e = (res.body as { error: { code: string; target?: string; message: string } }).error;
  return { status: res.status, ...e };
}

async function egressSnat(cluster: string): Promise<string[]> {
  const MC = nodeRg(RG, cluster);
  let node = "";
  for await (const ss of c.compute.virtualMachineScaleSets.list(MC))
    for await (const vm of c.compute.virtualMachineScaleSetVMs.list(MC, ss.name ?? ""))
      node ||= vm.osProfile?.computerName ?? "";
  const e = await inArmTransaction(c.emu, (ctx) =>
    nodeEgress(ctx, {
      clusterId: clusterIdOf(c.emu.subscriptionId, RG, cluster),
      node,
      destination: "8.8.8.8",
    }),
  );
  expect(e.via).toBe("loadBalancer");
  return e.hops.flatMap((h) => h.publicIpAddresses ?? []);
}

async function managedIps(cluster: string): Promise<string[]> {
  const out: string[] = [];
  for await (const p of c.net.publicIPAddresses.list(nodeRg(RG, cluster)))
    if (p.tags?.["aks-managed-type"] === "aks-slb-managed-outbound-ip") out.push(p.id ?? "");
  return out;
}

async function outboundFrontendIps(cluster: string): Promise<string[]> {
  const lb = await c.net.loadBalancers.get(nodeRg(RG, cluster), "kubernetes");
  const rule = lb.outboundRules?.find((r) => r.name === "aksOutboundRule");
  return (rule?.frontendIPConfigurations ?? []).map((r) => {
    const fe = lb.frontendIPConfigurations?.find((f) => f.id?.toLowerCase() === r.id?.toLowerCase());
    return (fe?.publicIPAddress?.id ?? "").toLowerCase();
  });
}

beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
  for (const [name, location] of [
    ["ip1", "eastus"],
    ["ip2", "eastus"],
    ["ip3", "eastus"],
    ["ip6", "eastus"],
    ["west", "westus"],
  ]) {
    const p = await c.net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, name, {
      location,
      sku: { name: "Standard" },
      publicIPAllocationMethod: "Static",
    });
    pip[name] = { id: p.id ?? "", ip: p.ipAddress ?? "" };
  }
});
afterAll(async () => {
  await c?.emu.close();
});

describe("AKS outbound IPs of your own", () => {
  it("makes them the outbound frontends and effectiveOutboundIPs, keeps them from deletion, SNATs to them", async () => {
    const mc = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "oi",
      body({ outboundIPs: ips("ip1", "ip2") }),
    );
    const lbp = mc.networkProfile?.loadBalancerProfile;
    expect(lbp?.managedOutboundIPs).toBeUndefined();
    expect(lbp?.outboundIPs?.publicIPs?.map((r) => r.id)).toEqual([pip.ip1.id, pip.ip2.id]);
    expect(lbp?.effectiveOutboundIPs?.map((r) => r.id)).toEqual([pip.ip1.id, pip.ip2.id]);
    expect(await managedIps("oi")).toEqual([]);
    expect((await outboundFrontendIps("oi")).sort()).toEqual(
      [pip.ip1.id, pip.ip2.id].map((x) => x.toLowerCase()).sort(),
    );
    const used = await errorOf(c.net.publicIPAddresses.beginDeleteAndWait(RG, "ip1"));
    expect([used.statusCode, used.code]).toEqual([400, "PublicIPAddressCannotBeDeleted"]);
    expect((await egressSnat("oi")).sort()).toEqual([pip.ip1.ip, pip.ip2.ip].sort());
    // A GET → PUT round trip keeps them.
    const again = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "oi", mc);
    expect(again.networkProfile?.loadBalancerProfile?.effectiveOutboundIPs).toHaveLength(2);
  });

  it("switches managed → own → other own → managed, cleaning up each time", async () => {
    const m = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "sw", body(undefined));
    const managed = m.networkProfile?.loadBalancerProfile?.effectiveOutboundIPs?.[0]?.id ?? "";
    expect(await managedIps("sw")).toEqual([managed]);

    const own = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "sw",
      body({ outboundIPs: ips("ip3") }),
    );
    expect(own.networkProfile?.loadBalancerProfile?.effectiveOutboundIPs?.map((r) => r.id)).toEqual([
      pip.ip3.id,
    ]);
    expect(await managedIps("sw")).toEqual([]);
    expect(await outboundFrontendIps("sw")).toEqual([pip.ip3.id.toLowerCase()]);
    expect(await egressSnat("sw")).toEqual([pip.ip3.ip]);

    // Another IP of your own: the first is let go (and can then be deleted).
    await c.net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "ip4", {
      location: "eastus",
      sku: { name: "Standard" },
      publicIPAllocationMethod: "Static",
    });
    const ip4 = (await c.net.publicIPAddresses.get(RG, "ip4")).id ?? "";
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "sw",
      body({ outboundIPs: { publicIPs: [{ id: ip4 }] } }),
    );
    expect(await outboundFrontendIps("sw")).toEqual([ip4.toLowerCase()]);
    expect((await c.net.publicIPAddresses.get(RG, "ip3")).ipConfiguration).toBeUndefined();

    const back = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "sw",
      body({ managedOutboundIPs: { count: 2 } }),
    );
    const lbp = back.networkProfile?.loadBalancerProfile;
    expect(lbp?.managedOutboundIPs).toEqual({ count: 2 });
    expect(lbp?.outboundIPs).toBeUndefined();
    expect(lbp?.effectiveOutboundIPs).toHaveLength(2);
    expect((await managedIps("sw")).sort()).toEqual(
      (lbp?.effectiveOutboundIPs ?? []).map((r) => r.id).sort(),
    );
    await c.net.publicIPAddresses.beginDeleteAndWait(RG, "ip4");
    expect((await errorOf(c.net.publicIPAddresses.get(RG, "ip4"))).statusCode).toBe(404);
  });

  it("lets the IPs go with the cluster", async () => {
    await c.net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "ip5", {
      location: "eastus",
      sku: { name: "Standard" },
      publicIPAllocationMethod: "Static",
    });
    const id = (await c.net.publicIPAddresses.get(RG, "ip5")).id ?? "";
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "gone",
      body({ outboundIPs: { publicIPs: [{ id }] } }),
    );
    expect((await errorOf(c.net.publicIPAddresses.beginDeleteAndWait(RG, "ip5"))).statusCode).toBe(400);
    await c.aks.managedClusters.beginDeleteAndWait(RG, "gone");
    await c.net.publicIPAddresses.beginDeleteAndWait(RG, "ip5");
  });

  it("refuses a missing IP, another subscription's or region's, and more than one kind of outbound IP", async () => {
    const sub = c.emu.subscriptionId;
    const missing = `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.Network/publicIPAddresses/nope`;
    const foreign = `/subscriptions/00000000-0000-0000-0000-00000000ffff/resourceGroups/${RG}/providers/Microsoft.Network/publicIPAddresses/ip1`;
    for (const [lbp, code, target, text] of [
      [
        { outboundIPs: ips(missing) },
        "InvalidLoadBalancerProfileOutboundIPs",
        "publicIPs[0].id",
        "LoadBalancerProfileOutboundIPNotExist",
      ],
      [{ outboundIPs: ips("west") }, "InvalidLoadBalancerProfileOutboundIPs", "publicIPs[0].id", "westus"],
      [
        { outboundIPs: ips("ip6", "ip6") },
        "InvalidLoadBalancerProfileOutboundIPs",
        "publicIPs[1].id",
        "more than once",
      ],
      [
        { managedOutboundIPs: { count: 1 }, outboundIPs: ips("ip1") },
        "InvalidLoadBalancerProfile",
        "loadBalancerProfile",
        "ManagedOutboundIPs and OutboundIPs",
      ],
      [
        { outboundIPs: ips("ip1"), outboundIPPrefixes: { publicIPPrefixes: [{ id: missing }] } },
        "InvalidLoadBalancerProfile",
        "loadBalancerProfile",
        "OutboundIPs and OutboundIPPrefixes",
      ],
      [
        { outboundIPPrefixes: { publicIPPrefixes: [{ id: missing }] } },
        "InvalidParameter",
        "outboundIPPrefixes",
        "not supported",
      ],
    ] as const) {
      const e = await refusedPut("bad", body(lbp));
      expect([e.status, e.code]).toEqual([400, code]);
      expect(e.target).toContain(target);
      expect(e.message).toContain(text);
    }
    // Another cluster's outbound IP ("oi" holds ip1).
    const taken = await refusedPut("bad", body({ outboundIPs: ips("ip2") }));
    expect([taken.status, taken.code]).toEqual([400, "InvalidLoadBalancerProfileOutboundIPs"]);
    expect(taken.message).toContain("/managedClusters/oi");
    // Another subscription's IP: ARM's linked-access check (the caller has no rights there) answers first.
    const f = await refusedPut("bad", body({ outboundIPs: ips("ip1", foreign) }));
    expect([f.status, f.code]).toEqual([403, "LinkedAuthorizationFailed"]);
    expect(f.message).toContain("00000000-0000-0000-0000-00000000ffff");
    // The SDK sees the same (and nothing was made).
    const sdk = await errorOf(
      c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "bad", body({ outboundIPs: ips(missing) })),
    );
    expect([sdk.statusCode, sdk.code]).toEqual([400, "InvalidLoadBalancerProfileOutboundIPs"]);
    expect((await errorOf(c.aks.managedClusters.get(RG, "bad"))).statusCode).toBe(404);
    // On an update too: the cluster keeps its IPs.
    const upd = await refusedPut("oi", body({ managedOutboundIPs: { count: 2 }, outboundIPs: ips("ip1") }));
    expect([upd.status, upd.code]).toEqual([400, "InvalidLoadBalancerProfile"]);
  });

  it("refuses the retired basic load balancer SKU", async () => {
    const e = await refusedPut("basic", body(undefined, { loadBalancerSku: "basic" }));
    expect([e.status, e.code, e.target]).toEqual([400, "InvalidParameter", "networkProfile.loadBalancerSku"]);
    expect(e.message).toContain("retired");
    expect((await errorOf(c.aks.managedClusters.get(RG, "basic"))).statusCode).toBe(404);
  });

  it("refuses a user credential format other than azure or exec", async () => {
    const e = await errorOf(c.aks.managedClusters.listClusterUserCredentials(RG, "oi", { format: "foo" }));
    expect([e.statusCode, e.code]).toEqual([400, "InvalidParameter"]);
    expect(e.message).toContain("format");
    const ok = await c.aks.managedClusters.listClusterUserCredentials(RG, "oi", { format: "azure" });
    expect(ok.kubeconfigs).toHaveLength(1);
  });
});
