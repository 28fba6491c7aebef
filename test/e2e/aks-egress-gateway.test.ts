// Seed 001 (static egress gateway) at API level: the StaticEgressGatewayPreview flag, the
// cluster switch, gateway pools with their own public IP prefix (/30 → 4 nodes, the 5th
// refused on create and on scale), taint/labels/tags for the Kubernetes side, no disabling
// while a gateway pool exists, and the prefix released with the pool.
import type { AgentPool, ManagedCluster } from "@azure/arm-containerservice";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Clients, clusterBody, errorOf, nodeRg, startClients, vnetWithSubnet } from "./aks-helpers.js";
import { pool, registerFeature } from "./aks-nodenet-helpers.js";

let c: Clients;
const RG = "egress";
const MC = nodeRg(RG, "eg");

beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
});
afterAll(async () => c?.emu.close());

const gateway = (count: number, size?: number, extra: Partial<AgentPool> = {}) =>
  pool({
    count,
    mode: "Gateway",
    vmSize: "Standard_D4s_v5",
    ...(size ? { gatewayProfile: { publicIPPrefixSize: size } } : {}),
    ...extra,
  });

async function enable(name: string, enabled: boolean): Promise<ManagedCluster> {
  const mc = await c.aks.managedClusters.get(RG, name);
  return c.aks.managedClusters.createOrUpdate(RG, name, {
    ...mc,
    networkProfile: { ...mc.networkProfile, staticEgressGatewayProfile: { enabled } },
  });
}

async function refused(p: Promise<unknown>, code: string) {
  const e = await errorOf(p);
  expect({ status: e.statusCode, code: e.code }).toEqual({ status: 400, code });
  return e;
}

async function prefixes(): Promise<
  { name: string; length: number; cidr: string; tags: Record<string, string> }[]
> {
  const out: { name: string; length: number; cidr: string; tags: Record<string, string> }[] = [];
  for await (const p of c.net.publicIPPrefixes.list(MC))
    out.push({ name: p.name ?? "", length: p.prefixLength ?? 0, cidr: p.ipPrefix ?? "", tags: p.tags ?? {} });
  return out;
}

describe("seed 001: az aks create|update --enable-static-egress-gateway", () => {
  it("needs StaticEgressGatewayPreview registered", async () => {
    const b = clusterBody({ count: 1 });
    b.networkProfile = { ...b.networkProfile, staticEgressGatewayProfile: { enabled: true } };
    const e = await refused(c.aks.managedClusters.createOrUpdate(RG, "eg", b), "PreviewFeatureNotRegistered");
    expect(e.message).toContain("Microsoft.ContainerService/StaticEgressGatewayPreview");
    // On the wire the target names the field that needs the flag (the message names the flag).
    const raw = await c.emu.arm(
      "PUT",
      `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/eg?api-version=2026-06-01`,
      { location: "eastus", properties: b },
    );
    expect(raw.status).toBe(400);
    expect((raw.body as { error: { target?: string } }).error.target).toBe(
      "properties.networkProfile.staticEgressGatewayProfile.enabled",
    );
    expect((await errorOf(c.resources.resourceGroups.get(MC))).statusCode).toBe(404);
  });

  it("a gateway pool needs the cluster switch on", async () => {
    await c.aks.managedClusters.createOrUpdate(RG, "eg", clusterBody({ count: 1 }));
    await registerFeature(c, "StaticEgressGatewayPreview");
    const e = await refused(
      c.aks.agentPools.createOrUpdate(RG, "eg", "gw", gateway(2, 30)),
      "StaticEgressGatewayNotEnabled",
    );
    expect(e.message).toContain("--enable-static-egress-gateway");
    const mc = await enable("eg", true);
    expect(mc.networkProfile?.staticEgressGatewayProfile).toEqual({ enabled: true });
  });
});

describe("seed 001: az aks nodepool add --mode gateway --gateway-prefix-size 30", () => {
  let prefixCidr = "";

  it("refuses more nodes than the prefix holds (/30 → 4)", async () => {
    const e = await refused(
      c.aks.agentPools.createOrUpdate(RG, "eg", "gw", gateway(5, 30)),
      "GatewayNodeCountExceedsPrefixCapacity",
    );
    expect(e.message).toContain("/30");
    expect(await prefixes()).toEqual([]);
  });

  it("creates the pool with its own /30 prefix, tagged scale set, tainted gateway nodes", async () => {
    const p = await c.aks.agentPools.createOrUpdate(RG, "eg", "gw", gateway(2, 30));
    expect(p.provisioningState).toBe("Succeeded");
    expect(p.mode).toBe("Gateway");
    expect(p.gatewayProfile).toEqual({ publicIPPrefixSize: 30 });
    const [prefix] = await prefixes();
    expect(prefix).toMatchObject({
      name: expect.stringMatching(/^aks-gw-\d{8}-gateway-prefix$/),
      length: 30,
      tags: expect.objectContaining({
        "aks-managed-poolName": "gw",
        "aks-managed-gatewayIPPrefixSize": "30",
      }),
    });
    prefixCidr = prefix.cidr;
    let vmssName = "";
    for await (const v of c.compute.virtualMachineScaleSets.list(MC))
      if (v.tags?.["aks-managed-poolName"] === "gw") {
        vmssName = v.name ?? "";
        expect(v.tags?.["aks-managed-gatewayIPPrefixSize"]).toBe("30");
        expect(v.sku?.name).toBe("Standard_D4s_v5");
      }
    expect(vmssName).not.toBe("");
    const nodes = await c.emu.store.transaction(async (tx) =>
      (
        await tx.listResources({
          type: "Microsoft.Compute/virtualMachineScaleSets/virtualMachines",
          subscriptionId: c.emu.subscriptionId,
        })
      ).filter((r) => r.parentId?.toLowerCase().endsWith(vmssName.toLowerCase())),
    );
    expect(nodes).toHaveLength(2);
    for (const n of nodes) {
      const net = (
        n.internal as { data?: { networking?: { taints: unknown; labels: Record<string, string> } } }
      ).data?.networking;
      expect(net?.taints).toEqual([
        { key: "kubeegressgateway.azure.com/mode", value: "true", effect: "NoSchedule" },
      ]);
      expect(net?.labels).toMatchObject({
        "kubeegressgateway.azure.com/mode": "true",
        "kubernetes.azure.com/agentpool": "gw",
      });
    }
  });

  it("scales 2 → 4 within the prefix, refuses 4 → 5", async () => {
    const p4 = await c.aks.agentPools.createOrUpdate(RG, "eg", "gw", gateway(4, 30));
    expect(p4.count).toBe(4);
    await refused(
      c.aks.agentPools.createOrUpdate(RG, "eg", "gw", gateway(5, 30)),
      "GatewayNodeCountExceedsPrefixCapacity",
    );
    expect((await c.aks.agentPools.get(RG, "eg", "gw")).count).toBe(4);
    // The prefix size cannot change, nor the mode.
    await refused(
      c.aks.agentPools.createOrUpdate(RG, "eg", "gw", gateway(4, 29)),
      "PropertyChangeNotAllowed",
    );
    await refused(
      c.aks.agentPools.createOrUpdate(
        RG,
        "eg",
        "gw",
        pool({ count: 4, mode: "User", vmSize: "Standard_D4s_v5" }),
      ),
      "PropertyChangeNotAllowed",
    );
  });

  it("defaults to /31 (2 nodes)", async () => {
    await refused(
      c.aks.agentPools.createOrUpdate(RG, "eg", "gw31", gateway(3)),
      "GatewayNodeCountExceedsPrefixCapacity",
    );
    const p = await c.aks.agentPools.createOrUpdate(RG, "eg", "gw31", gateway(2));
    expect(p.gatewayProfile).toEqual({ publicIPPrefixSize: 31 });
    expect((await prefixes()).map((x) => x.length).sort()).toEqual([30, 31]);
  });

  it("refuses autoscaling, a size outside 28–31 and gatewayProfile on a User pool", async () => {
    await refused(
      c.aks.agentPools.createOrUpdate(
        RG,
        "eg",
        "gwauto",
        gateway(2, 30, { enableAutoScaling: true, minCount: 1, maxCount: 2 }),
      ),
      "GatewayAgentPoolNotSupported",
    );
    await refused(c.aks.agentPools.createOrUpdate(RG, "eg", "gw27", gateway(2, 27)), "InvalidParameter");
    await refused(
      c.aks.agentPools.createOrUpdate(
        RG,
        "eg",
        "user",
        pool({ count: 1, gatewayProfile: { publicIPPrefixSize: 30 } }),
      ),
      "InvalidParameter",
    );
  });

  it("refuses --disable-static-egress-gateway while gateway pools exist", async () => {
    const e = await refused(enable("eg", false), "StaticEgressGatewayInUse");
    expect(e.message).toContain("gw");
    expect((await c.aks.managedClusters.get(RG, "eg")).networkProfile?.staticEgressGatewayProfile).toEqual({
      enabled: true,
    });
  });

  it("az aks nodepool delete frees the prefix; then the gateway can be disabled", async () => {
    await c.aks.agentPools.delete(RG, "eg", "gw");
    expect((await prefixes()).map((x) => x.length)).toEqual([31]);
    const rows = await c.emu.store.transaction((tx) => tx.listAllocations("public:IPv4"));
    const [base] = prefixCidr.split("/");
    expect(rows.find((r) => r.item === base)).toBeUndefined();
    await c.aks.agentPools.delete(RG, "eg", "gw31");
    expect(await prefixes()).toEqual([]);
    const mc = await enable("eg", false);
    expect(mc.networkProfile?.staticEgressGatewayProfile).toEqual({ enabled: false });
  });
});

describe("static egress gateway is not supported with Azure CNI pod subnets", () => {
  it("refuses a gateway pool on a cluster whose pools use a pod subnet", async () => {
    const ids = await vnetWithSubnet(c, RG, "cni", "10.50.0.0/16", {
      nodes: "10.50.0.0/24",
      pods: "10.50.16.0/20",
    });
    const b = clusterBody({ plugin: "azure", subnetId: ids.nodes, podSubnetId: ids.pods, count: 1 });
    b.networkProfile = { ...b.networkProfile, staticEgressGatewayProfile: { enabled: true } };
    await c.aks.managedClusters.createOrUpdate(RG, "cni", b);
    const e = await refused(
      c.aks.agentPools.createOrUpdate(RG, "cni", "gw", gateway(2, 30, { vnetSubnetID: ids.nodes })),
      "GatewayAgentPoolNotSupported",
    );
    expect(e.message).toContain("pod subnet");
    // (kubenet refuses Windows pools before the gateway rules are reached, so this cluster shows it.)
    const win = await refused(
      c.aks.agentPools.createOrUpdate(
        RG,
        "cni",
        "gwwin",
        gateway(2, 30, { osType: "Windows", vnetSubnetID: ids.nodes }),
      ),
      "GatewayAgentPoolNotSupported",
    );
    expect(win.message).toContain("Windows");
  });
});
