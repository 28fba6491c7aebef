// loadBalancerProfile.allocatedOutboundPorts and idleTimeoutInMinutes: defaults on the wire,
// user values honoured on the cluster and on the `kubernetes` LB's outbound rule, bounds refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Clients, clusterBody, errorOf, nodeRg, startClients } from "./aks-helpers.js";

let c: Clients;
const RG = "lbports";

beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
});
afterAll(async () => {
  await c?.emu.close();
});

describe("AKS load balancer outbound settings", () => {
  it("defaults to 0 ports (dynamic) and 30 minutes; honours user values and updates the outbound rule", async () => {
    const mc = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "d", clusterBody({ count: 1 }));
    expect(mc.networkProfile?.loadBalancerProfile).toMatchObject({
      allocatedOutboundPorts: 0,
      idleTimeoutInMinutes: 30,
    });
    const body = clusterBody({ count: 1 });
    body.networkProfile = {
      ...body.networkProfile,
      loadBalancerProfile: { allocatedOutboundPorts: 1024, idleTimeoutInMinutes: 10 },
    };
    const mc2 = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "u", body);
    expect(mc2.networkProfile?.loadBalancerProfile).toMatchObject({
      allocatedOutboundPorts: 1024,
      idleTimeoutInMinutes: 10,
    });
    const lb = await c.net.loadBalancers.get(nodeRg(RG, "u"), "kubernetes");
    expect(lb.outboundRules?.[0]).toMatchObject({ allocatedOutboundPorts: 1024, idleTimeoutInMinutes: 10 });
    // An update without the fields keeps them; an update with new ones reshapes the rule.
    const kept = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "u", clusterBody({ count: 1 }));
    expect(kept.networkProfile?.loadBalancerProfile).toMatchObject({
      allocatedOutboundPorts: 1024,
      idleTimeoutInMinutes: 10,
    });
    body.networkProfile.loadBalancerProfile = { idleTimeoutInMinutes: 60 };
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "u", body);
    const lb2 = await c.net.loadBalancers.get(nodeRg(RG, "u"), "kubernetes");
    expect(lb2.outboundRules?.[0]).toMatchObject({ allocatedOutboundPorts: 1024, idleTimeoutInMinutes: 60 });
  });

  it("refuses ports that are not a multiple of 8 or above 64000, and timeouts outside 4–120", async () => {
    for (const [lbp, field] of [
      [{ allocatedOutboundPorts: 1001 }, "allocatedOutboundPorts"],
      [{ allocatedOutboundPorts: 64008 }, "allocatedOutboundPorts"],
      [{ idleTimeoutInMinutes: 3 }, "idleTimeoutInMinutes"],
      [{ idleTimeoutInMinutes: 121 }, "idleTimeoutInMinutes"],
    ] as const) {
      const body = clusterBody({ count: 1 });
      body.networkProfile = { ...body.networkProfile, loadBalancerProfile: lbp };
      const err = await errorOf(c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "bad", body));
      expect(err.statusCode).toBe(400);
      expect(err.code).toBe("InvalidParameter");
      expect(err.message).toContain(`loadBalancerProfile.${field}`);
    }
    const err = await errorOf(c.aks.managedClusters.get(RG, "bad"));
    expect(err.statusCode).toBe(404);
  });
});
