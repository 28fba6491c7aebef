// Microsoft.ManagedIdentity user-assigned identities through @azure/arm-msi and on the wire
// with the api-versions other clients send (az 2.45: 2018-11-30).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Clients, errorOf, startClients } from "./aks-helpers.js";

let c: Clients;
const RG = "ids";

beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
});
afterAll(async () => c?.emu.close());

describe("user-assigned identities", () => {
  it("creates with deterministic GUIDs, reads, lists, tags and deletes", async () => {
    const id = await c.msi.userAssignedIdentities.createOrUpdate(RG, "myIdentity", {
      location: "East US",
      tags: { a: "1" },
    });
    expect(id.id).toBe(
      `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myIdentity`,
    );
    expect(id.location).toBe("eastus");
    expect(id.tenantId).toBe(c.emu.tenantId);
    expect(id.clientId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id.principalId).not.toBe(id.clientId);
    // Same id → same GUIDs, even after delete and re-create (same script, same principals).
    const again = await c.msi.userAssignedIdentities.createOrUpdate(RG, "myIdentity", { location: "eastus" });
    expect([again.clientId, again.principalId]).toEqual([id.clientId, id.principalId]);
    const got = await c.msi.userAssignedIdentities.get(RG, "MYIDENTITY");
    expect(got.principalId).toBe(id.principalId);
    const updated = await c.msi.userAssignedIdentities.update(RG, "myIdentity", { tags: { b: "2" } });
    expect(updated.tags).toEqual({ b: "2" });
    const second = await c.msi.userAssignedIdentities.createOrUpdate(RG, "second", { location: "eastus" });
    const names: string[] = [];
    for await (const i of c.msi.userAssignedIdentities.listByResourceGroup(RG)) names.push(i.name ?? "");
    expect(names).toEqual(["myIdentity", "second"]);
    const all: string[] = [];
    for await (const i of c.msi.userAssignedIdentities.listBySubscription()) all.push(i.name ?? "");
    expect(all).toEqual(expect.arrayContaining(["myIdentity", "second"]));
    await c.msi.userAssignedIdentities.delete(RG, "second");
    expect((await errorOf(c.msi.userAssignedIdentities.get(RG, "second"))).statusCode).toBe(404);
    const recreated = await c.msi.userAssignedIdentities.createOrUpdate(RG, "second", { location: "eastus" });
    expect([recreated.clientId, recreated.principalId]).toEqual([second.clientId, second.principalId]);
  });

  it("serves the api-versions az and older tools send; refuses bad names and unknown groups", async () => {
    const path = `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myIdentity`;
    for (const v of ["2018-11-30", "2023-01-31", "2024-11-30"]) {
      const r = await c.emu.arm("GET", `${path}?api-version=${v}`);
      expect(r.status).toBe(200);
      expect((r.body as { properties: { principalId: string } }).properties.principalId).toMatch(
        /^[0-9a-f-]{36}$/,
      );
    }
    const bad = await c.emu.arm("GET", `${path}?api-version=2010-01-01`);
    expect((bad.body as { error: { code: string } }).error.code).toBe("NoRegisteredProviderFound");
    const name = await errorOf(c.msi.userAssignedIdentities.createOrUpdate(RG, "a", { location: "eastus" }));
    expect(name.code).toBe("InvalidResourceName");
    const rg = await errorOf(
      c.msi.userAssignedIdentities.createOrUpdate("nope", "abc", { location: "eastus" }),
    );
    expect(rg.code).toBe("ResourceGroupNotFound");
  });
});
