// Microsoft.Authorization through @azure/arm-authorization and on the wire: built-in role
// definitions with their real ids, custom roles, role assignments at subscription, group
// and resource scope (extension resources), `$filter=atScope()` / `principalId eq`, and
// the api-versions az 2.45 sends.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Clients, errorOf, NETWORK_CONTRIBUTOR, startClients, vnetWithSubnet } from "./aks-helpers.js";

let c: Clients;
const RG = "authz";
let sub: string;
let subnetId: string;
let vnetId: string;
const P1 = "11111111-1111-4111-8111-111111111111";
const P2 = "22222222-2222-4222-8222-222222222222";
const roleDef = (guid: string) => `${sub}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

beforeAll(async () => {
  c = await startClients();
  sub = `/subscriptions/${c.emu.subscriptionId}`;
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
  subnetId = (await vnetWithSubnet(c, RG, "vnet", "10.0.0.0/16", { s: "10.0.1.0/24" })).s;
  vnetId = subnetId.replace(/\/subnets\/s$/, "");
});
afterAll(async () => c?.emu.close());

describe("role definitions", () => {
  it("serves the built-in roles with their real ids and permissions", async () => {
    const nc = await c.auth.roleDefinitions.get(sub, NETWORK_CONTRIBUTOR);
    expect(nc.roleName).toBe("Network Contributor");
    expect(nc.roleType).toBe("BuiltInRole");
    expect(nc.permissions?.[0]?.actions).toContain("Microsoft.Network/*");
    expect(nc.id).toBe(roleDef(NETWORK_CONTRIBUTOR));
    const byId = await c.auth.roleDefinitions.getById(roleDef("b24988ac-6180-42a0-ab88-20f7382dd24c"));
    expect(byId.roleName).toBe("Contributor");
    const found: string[] = [];
    for await (const d of c.auth.roleDefinitions.list(subnetId, {
      filter: "roleName eq 'Network Contributor'",
    }))
      found.push(d.name ?? "");
    expect(found).toEqual([NETWORK_CONTRIBUTOR]);
    const all: string[] = [];
    for await (const d of c.auth.roleDefinitions.list(`${sub}/resourceGroups/${RG}`))
      all.push(d.roleName ?? "");
    expect(all).toEqual(expect.arrayContaining(["Owner", "Contributor", "Reader", "Network Contributor"]));
    expect(
      (await errorOf(c.auth.roleDefinitions.get(sub, "00000000-0000-4000-8000-000000000000"))).statusCode,
    ).toBe(404);
  });
});

describe("role assignments", () => {
  it("creates at resource, group and subscription scope and lists with filters", async () => {
    const onVnet = await c.auth.roleAssignments.create(vnetId, "a0000000-0000-4000-8000-000000000001", {
      roleDefinitionId: roleDef(NETWORK_CONTRIBUTOR),
      principalId: P1,
    });
    expect(onVnet.id).toBe(
      `${vnetId}/providers/Microsoft.Authorization/roleAssignments/a0000000-0000-4000-8000-000000000001`,
    );
    expect(onVnet.scope).toBe(vnetId);
    await c.auth.roleAssignments.create(
      `${sub}/resourceGroups/${RG}`,
      "a0000000-0000-4000-8000-000000000002",
      {
        roleDefinitionId: roleDef("acdd72a7-3385-48ef-bd42-f606fba81ae7"),
        principalId: P2,
      },
    );
    await c.auth.roleAssignments.create(sub, "a0000000-0000-4000-8000-000000000003", {
      roleDefinitionId: roleDef("acdd72a7-3385-48ef-bd42-f606fba81ae7"),
      principalId: P1,
    });
    await c.auth.roleAssignments.create(subnetId, "a0000000-0000-4000-8000-000000000004", {
      roleDefinitionId: roleDef(NETWORK_CONTRIBUTOR),
      principalId: P2,
    });
    const list = async (scope: string, filter?: string) => {
      const out: string[] = [];
      for await (const a of c.auth.roleAssignments.listForScope(scope, filter ? { filter } : {}))
        out.push((a.name ?? "").slice(-1));
      return out.sort();
    };
    // atScope(): at the scope and above; no filter: above and below too.
    expect(await list(subnetId, "atScope()")).toEqual(["1", "2", "3", "4"]);
    expect(await list(vnetId, "atScope()")).toEqual(["1", "2", "3"]);
    expect(await list(vnetId)).toEqual(["1", "2", "3", "4"]);
    expect(await list(sub, "atScope()")).toEqual(["3"]);
    expect(await list(sub, `principalId eq '${P2}'`)).toEqual(["2", "4"]);
    expect(await list(subnetId, `atScope() and principalId eq '${P1}'`)).toEqual(["1", "3"]);
    const got = await c.auth.roleAssignments.getById(onVnet.id ?? "");
    expect(got.principalId).toBe(P1);
  });

  it("refuses duplicates, unknown roles, bad names and missing scopes", async () => {
    const dup = await errorOf(
      c.auth.roleAssignments.create(vnetId, "b0000000-0000-4000-8000-000000000001", {
        roleDefinitionId: roleDef(NETWORK_CONTRIBUTOR),
        principalId: P1,
      }),
    );
    expect({ s: dup.statusCode, c: dup.code }).toEqual({ s: 409, c: "RoleAssignmentExists" });
    const role = await errorOf(
      c.auth.roleAssignments.create(vnetId, "b0000000-0000-4000-8000-000000000002", {
        roleDefinitionId: roleDef("00000000-0000-4000-8000-000000000000"),
        principalId: P1,
      }),
    );
    expect(role.code).toBe("RoleDefinitionDoesNotExist");
    const name = await errorOf(
      c.auth.roleAssignments.create(vnetId, "not-a-guid", {
        roleDefinitionId: roleDef(NETWORK_CONTRIBUTOR),
        principalId: P1,
      }),
    );
    expect(name.code).toBe("InvalidRoleAssignmentId");
    const scope = await errorOf(
      c.auth.roleAssignments.create(`${vnetId}x`, "b0000000-0000-4000-8000-000000000003", {
        roleDefinitionId: roleDef(NETWORK_CONTRIBUTOR),
        principalId: P1,
      }),
    );
    expect(scope.statusCode).toBe(404);
  });

  it("answers the calls az 2.45 makes (2020-04-01-preview, 2015-07-01) and deletes", async () => {
    const r = await c.emu.arm(
      "GET",
      `${subnetId}/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()&api-version=2020-04-01-preview`,
    );
    expect(r.status).toBe(200);
    expect((r.body as { value: unknown[] }).value).toHaveLength(4);
    const put = await c.emu.arm(
      "PUT",
      `${subnetId}/providers/Microsoft.Authorization/roleAssignments/c0000000-0000-4000-8000-000000000001?api-version=2015-07-01`,
      {
        properties: {
          roleDefinitionId: roleDef(NETWORK_CONTRIBUTOR),
          principalId: "33333333-3333-4333-8333-333333333333",
        },
      },
    );
    expect(put.status).toBe(201);
    await c.auth.roleAssignments.delete(subnetId, "c0000000-0000-4000-8000-000000000001");
    expect(
      (await errorOf(c.auth.roleAssignments.get(subnetId, "c0000000-0000-4000-8000-000000000001")))
        .statusCode,
    ).toBe(404);
  });

  it("custom roles: create, use in an assignment, refuse a duplicate name", async () => {
    const def = await c.auth.roleDefinitions.createOrUpdate(sub, "d0000000-0000-4000-8000-000000000001", {
      roleName: "Subnet joiner",
      permissions: [{ actions: ["Microsoft.Network/virtualNetworks/subnets/join/action"] }],
      assignableScopes: [sub],
    });
    expect(def.roleType).toBe("CustomRole");
    const found: string[] = [];
    for await (const d of c.auth.roleDefinitions.list(sub, { filter: "roleName eq 'Subnet joiner'" }))
      found.push(d.name ?? "");
    expect(found).toEqual(["d0000000-0000-4000-8000-000000000001"]);
    const dup = await errorOf(
      c.auth.roleDefinitions.createOrUpdate(sub, "d0000000-0000-4000-8000-000000000002", {
        roleName: "Reader",
        assignableScopes: [sub],
      }),
    );
    expect(dup.code).toBe("RoleDefinitionWithSameNameExists");
  });
});
