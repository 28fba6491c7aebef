// The StaticGatewayConfiguration's Azure half against a real emulator: a gateway pool of 2 nodes on a
// /31, then configurations applied and removed as the controller will (the Kubernetes watch wires in
// later), checked through ARM with the SDK: kubeegressgateway-ilb, the egress prefix, per-node public
// IPs, a BYO prefix with and without the cluster identity's rights, and clean-up.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyGatewayConfiguration,
  type GatewayConfigurationInput,
  gatewayEgressAddresses,
  removeGatewayConfiguration,
} from "../../src/kube/egress/azureApply.js";
import type { ArmContext } from "../../src/providers/context.js";
import { inArmTransaction } from "../helpers/emulator.js";
import { type Clients, clusterBody, nodeRg, startClients } from "./aks-helpers.js";
import { pool, registerFeature } from "./aks-nodenet-helpers.js";

let c: Clients;
const RG = "sgc";
const MC = nodeRg(RG, "gwc");
let clusterId = "";

beforeAll(async () => {
  // The Azure halves are driven directly here: no live controller may reconcile under the test.
  c = await startClients({ kubeControllers: false });
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
  await registerFeature(c, "StaticEgressGatewayPreview");
  const b = clusterBody({ count: 1 });
  b.networkProfile = { ...b.networkProfile, staticEgressGatewayProfile: { enabled: true } };
  clusterId = (await c.aks.managedClusters.createOrUpdate(RG, "gwc", b)).id ?? "";
  await c.aks.agentPools.createOrUpdate(
    RG,
    "gwc",
    "gw",
    pool({
      count: 2,
      mode: "Gateway",
      vmSize: "Standard_D4s_v5",
      gatewayProfile: { publicIPPrefixSize: 31 },
    }),
  );
});
afterAll(async () => c?.emu.close());

function inTx<T>(fn: (ctx: ArmContext) => Promise<T>): Promise<T> {
  return inArmTransaction(c.emu, fn);
}

const sgc = (uid: string, extra: Partial<GatewayConfigurationInput> = {}): GatewayConfigurationInput => ({
  uid,
  key: `default/${uid}`,
  gatewayNodepoolName: "gw",
  provisionPublicIps: true,
  ...extra,
});

const U1 = "aaaaaaaa-0000-4000-8000-000000000001";
const U2 = "aaaaaaaa-0000-4000-8000-000000000002";

describe("StaticGatewayConfiguration → Azure", () => {
  it("an automatic prefix of the pool's size, one public IP per gateway node, the ILB rule on 6000", async () => {
    const out = await inTx((ctx) => applyGatewayConfiguration(ctx, clusterId, sgc(U1)));
    if (!out.ok) throw new Error(out.error);
    const prefix = await c.net.publicIPPrefixes.get(MC, `egressgateway-${U1}`);
    expect(prefix.prefixLength).toBe(31);
    expect(out.status.egressIpPrefix).toBe(prefix.ipPrefix);
    const ilb = await c.net.loadBalancers.get(MC, "kubeegressgateway-ilb");
    expect(ilb.frontendIPConfigurations).toHaveLength(1);
    expect(out.status.gatewayServerProfile).toEqual({
      ip: ilb.frontendIPConfigurations?.[0].privateIPAddress,
      port: 6000,
    });
    expect(
      ilb.loadBalancingRules?.map((r) => [
        r.name,
        r.protocol,
        r.frontendPort,
        r.backendPort,
        r.enableFloatingIP,
      ]),
    ).toEqual([[U1, "Udp", 6000, 6000, true]]);
    expect(ilb.probes?.map((p) => [p.name, p.protocol, p.port, p.requestPath])).toEqual([
      [U1, "Http", 8082, `/gw/${U1}`],
    ]);
    const nodes = await inTx((ctx) => gatewayEgressAddresses(ctx, clusterId, sgc(U1)));
    expect(nodes).toHaveLength(2);
    // A /31 holds exactly two addresses: one per gateway node.
    const [base, last] = (prefix.ipPrefix ?? "").split("/")[0].split(/\.(?=\d+$)/);
    expect(nodes.map((n) => n.egressAddress).sort()).toEqual([
      `${base}.${Number(last)}`,
      `${base}.${Number(last) + 1}`,
    ]);
  });

  it("a second configuration takes port 6001 and its own prefix; applying again changes nothing", async () => {
    const two = await inTx((ctx) => applyGatewayConfiguration(ctx, clusterId, sgc(U2)));
    if (!two.ok) throw new Error(two.error);
    expect(two.status.gatewayServerProfile?.port).toBe(6001);
    const again = await inTx((ctx) => applyGatewayConfiguration(ctx, clusterId, sgc(U1)));
    if (!again.ok) throw new Error(again.error);
    expect(again.status.gatewayServerProfile?.port).toBe(6000);
    const ilb = await c.net.loadBalancers.get(MC, "kubeegressgateway-ilb");
    expect(ilb.loadBalancingRules?.map((r) => r.frontendPort)).toEqual([6000, 6001]);
  });

  it("a BYO prefix: wrong length refused with the operator's words; without the role refused; with it used", async () => {
    const p28 = await c.net.publicIPPrefixes.beginCreateOrUpdateAndWait(RG, "byo28", {
      location: "eastus",
      prefixLength: 28,
      sku: { name: "Standard" },
    });
    const bad = await inTx((ctx) =>
      applyGatewayConfiguration(
        ctx,
        clusterId,
        sgc("bbbbbbbb-0000-4000-8000-000000000003", { publicIpPrefixId: p28.id }),
      ),
    );
    expect(bad).toEqual({
      ok: false,
      error: "provided public ip prefix has invalid length(28), required(31)",
    });
    const p31 = await c.net.publicIPPrefixes.beginCreateOrUpdateAndWait(RG, "byo31", {
      location: "eastus",
      prefixLength: 31,
      sku: { name: "Standard" },
    });
    const noRole = await inTx((ctx) =>
      applyGatewayConfiguration(
        ctx,
        clusterId,
        sgc("bbbbbbbb-0000-4000-8000-000000000004", { publicIpPrefixId: p31.id }),
      ),
    );
    expect(noRole.ok).toBe(false);
    if (!noRole.ok) expect(noRole.error).toContain("LinkedAuthorizationFailed");
    const mc = await c.aks.managedClusters.get(RG, "gwc");
    await c.auth.roleAssignments.create(p31.id ?? "", "0c0c0c0c-0000-4000-8000-000000000001", {
      roleDefinitionId: `/subscriptions/${c.emu.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7`,
      principalId: mc.identity?.principalId ?? "",
    });
    const ok = await inTx((ctx) =>
      applyGatewayConfiguration(
        ctx,
        clusterId,
        sgc("bbbbbbbb-0000-4000-8000-000000000004", { publicIpPrefixId: p31.id }),
      ),
    );
    if (!ok.ok) throw new Error(ok.error);
    expect(ok.status.egressIpPrefix).toBe(p31.ipPrefix);
    await inTx((ctx) =>
      removeGatewayConfiguration(ctx, clusterId, sgc("bbbbbbbb-0000-4000-8000-000000000004")),
    );
    expect((await c.net.publicIPPrefixes.get(RG, "byo31")).publicIPAddresses ?? []).toEqual([]);
  });

  it("removal releases the rule, the node IPs and the automatic prefix; the last one takes the ILB", async () => {
    await inTx((ctx) => removeGatewayConfiguration(ctx, clusterId, sgc(U1)));
    await expect(c.net.publicIPPrefixes.get(MC, `egressgateway-${U1}`)).rejects.toMatchObject({
      statusCode: 404,
    });
    const ilb = await c.net.loadBalancers.get(MC, "kubeegressgateway-ilb");
    expect(ilb.loadBalancingRules?.map((r) => r.name)).toEqual([U2]);
    await inTx((ctx) => removeGatewayConfiguration(ctx, clusterId, sgc(U2)));
    await expect(c.net.loadBalancers.get(MC, "kubeegressgateway-ilb")).rejects.toMatchObject({
      statusCode: 404,
    });
    const left: string[] = [];
    for await (const p of c.net.publicIPAddresses.list(MC))
      if (p.name?.startsWith("egressgateway-")) left.push(p.name);
    expect(left).toEqual([]);
  });
});
