// Issue 8 item 12: secrets a client sends (windowsProfile.adminPassword,
// servicePrincipalProfile.secret, aadProfile.serverAppSecret) were returned by GET and list
// in clear text. Azure never returns them: not in the PUT echo, GET, list, the operation's
// result or the generic resource list. The official examples show the same (request has
// them, responses do not).
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WRITE_ONLY_FIELDS } from "../../src/providers/writeOnly.js";
import { type Clients, clusterBody, startClients } from "./aks-helpers.js";

const PASSWORD = "replacePassword1234$";
const SECRET = "sp-secret-value";
const AAD_SECRET = "aad-server-secret";

let c: Clients;
beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate("rg", { location: "eastus" });
});
afterAll(async () => c?.emu.close());

const API = "api-version=2025-10-01";
const clusterPath = (name: string) =>
  `/subscriptions/${c.emu.subscriptionId}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`;

/** The SDK's flattened body as the wire carries it. */
function wire(b: Record<string, unknown>) {
  const { location, identity, tags, ...properties } = b;
  return { location, ...(identity ? { identity } : {}), ...(tags ? { tags } : {}), properties };
}

function noSecrets(text: string) {
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(AAD_SECRET);
}

describe("write-only fields never come back (adminPassword was returned in clear text)", () => {
  it("managed cluster: PUT echo, operation result, GET, list, generic list and SDK reads carry no secret", async () => {
    const body = {
      ...clusterBody({ count: 1 }),
      windowsProfile: { adminUsername: "azureuser", adminPassword: PASSWORD },
      servicePrincipalProfile: { clientId: "msi", secret: SECRET },
      aadProfile: { serverAppID: "srv", serverAppSecret: AAD_SECRET, clientAppID: "cli" },
    };
    const put = await c.emu.arm("PUT", `${clusterPath("win")}?${API}`, wire(body));
    expect(put.status).toBe(201);
    noSecrets(put.text);
    const props = (put.body as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(props.windowsProfile).toEqual({ adminUsername: "azureuser" });
    expect(props.aadProfile).toEqual({ serverAppID: "srv", clientAppID: "cli" });

    const status = put.headers.get("azure-asyncoperation") ?? "";
    const result = await c.emu.arm(
      "GET",
      new URL(status.replace("/operations/", "/operationresults/")).pathname + `?${API}`,
    );
    expect(result.status).toBe(200);
    noSecrets(result.text);

    const get = await c.emu.arm("GET", `${clusterPath("win")}?${API}`);
    expect(get.status).toBe(200);
    noSecrets(get.text);
    const list = await c.emu.arm(
      "GET",
      `/subscriptions/${c.emu.subscriptionId}/providers/Microsoft.ContainerService/managedClusters?${API}`,
    );
    expect(list.status).toBe(200);
    noSecrets(list.text);
    const generic = await c.emu.arm(
      "GET",
      `/subscriptions/${c.emu.subscriptionId}/resources?$expand=createdTime,provisioningState&api-version=2021-04-01`,
    );
    noSecrets(generic.text);

    const mc = await c.aks.managedClusters.get("rg", "win");
    expect(mc.windowsProfile).toEqual({ adminUsername: "azureuser" });
    for await (const m of c.aks.managedClusters.listByResourceGroup("rg"))
      expect(m.windowsProfile?.adminPassword).toBeUndefined();
  });

  it("a client's GET → modify → PUT (no password in hand) keeps working and still returns none", async () => {
    const mc = await c.aks.managedClusters.get("rg", "win");
    const again = await c.aks.managedClusters.createOrUpdate("rg", "win", { ...mc, tags: { k: "v" } });
    expect(again.tags).toEqual({ k: "v" });
    expect(again.windowsProfile).toEqual({ adminUsername: "azureuser" });
    noSecrets(JSON.stringify(again));
  });

  it("without a managed identity, servicePrincipalProfile shows the clientId only", async () => {
    const put = await c.emu.arm(
      "PUT",
      `${clusterPath("sp")}?${API}`,
      wire({
        ...clusterBody({ count: 1 }),
        identity: { type: "None" },
        servicePrincipalProfile: { clientId: "00000000-0000-0000-0000-00000000abcd", secret: SECRET },
      }),
    );
    expect([200, 201]).toContain(put.status);
    noSecrets(put.text);
    const mc = await c.aks.managedClusters.get("rg", "sp");
    expect(mc.servicePrincipalProfile?.secret).toBeUndefined();
    noSecrets(JSON.stringify(mc));
  });

  it("the table covers every secret the official examples send but never return", () => {
    const root = path.resolve(
      "../shared/reference/api-examples/specification/containerservice/resource-manager/Microsoft.ContainerService/aks/stable",
    );
    if (!fs.existsSync(root)) return;
    const covered = new Set(WRITE_ONLY_FIELDS["Microsoft.ContainerService/managedClusters"]);
    const found = new Set<string>();
    for (const version of fs.readdirSync(root)) {
      const dir = path.join(root, version, "examples");
      for (const f of fs.readdirSync(dir).filter((n) => n.startsWith("ManagedClustersCreate"))) {
        const ex = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
        const props = ex.parameters?.parameters?.properties ?? {};
        if (props.windowsProfile?.adminPassword) found.add("properties.windowsProfile.adminPassword");
        if (props.servicePrincipalProfile?.secret) found.add("properties.servicePrincipalProfile.secret");
        for (const r of Object.values(ex.responses ?? {}) as {
          body?: { properties?: Record<string, { adminPassword?: string; secret?: string }> };
        }[]) {
          expect(r.body?.properties?.windowsProfile?.adminPassword).toBeUndefined();
          expect(r.body?.properties?.servicePrincipalProfile?.secret).toBeUndefined();
        }
      }
    }
    expect(found.size).toBe(2);
    for (const f of found) expect(covered.has(f)).toBe(true);
  });
});
