// The emulator's directory: the service principals Microsoft Graph would hold for what lives
// here — every managed identity (user-assigned identities, and the system-assigned identity of
// any resource that has one, e.g. a managed cluster) and every client that signs in. Read-only;
// the Graph face (server/graph/) serialises it. Nothing is stored: principals are derived from
// the resources and the sign-in clients, so they cannot drift from them.
import type { Tx } from "../../store/types.js";
import type { EmulatorSettings } from "../context.js";
import { USER_ASSIGNED_IDENTITY_TYPE } from "../identity/userAssignedIdentities.js";
import { stableGuid } from "../ids.js";

export interface ServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  servicePrincipalType: "Application" | "ManagedIdentity";
  servicePrincipalNames: string[];
  alternativeNames: string[];
  appOwnerOrganizationId: string;
  accountEnabled: true;
  tags: string[];
}

/** The principal object id a signed-in client has (the `oid` of its tokens). */
export function clientObjectId(clientId: string): string {
  return stableGuid("sp", clientId);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function managedIdentity(
  principalId: string,
  clientId: string,
  name: string,
  resourceId: string,
  explicit: boolean,
  tenantId: string,
): ServicePrincipal {
  return {
    id: principalId,
    appId: clientId,
    displayName: name,
    servicePrincipalType: "ManagedIdentity",
    // Graph lists a managed identity under its client id and its identity.azure.net name.
    servicePrincipalNames: [clientId, `https://identity.azure.net/${stableGuid("mi-name", resourceId)}`],
    alternativeNames: [`isExplicit=${explicit ? "True" : "False"}`, resourceId],
    appOwnerOrganizationId: tenantId,
    accountEnabled: true,
    tags: [],
  };
}

function application(clientId: string, tenantId: string): ServicePrincipal {
  return {
    id: clientObjectId(clientId),
    appId: clientId,
    displayName: clientId,
    servicePrincipalType: "Application",
    servicePrincipalNames: [clientId],
    alternativeNames: [],
    appOwnerOrganizationId: tenantId,
    accountEnabled: true,
    tags: [],
  };
}

/**
 * Every service principal of `tenantId`: managed identities in that tenant's subscriptions,
 * then the sign-in clients (`clients`: configured or seen), in a stable order.
 */
export async function listServicePrincipals(
  tx: Tx,
  settings: EmulatorSettings,
  tenantId: string,
  clients: Iterable<string>,
): Promise<ServicePrincipal[]> {
  const out: ServicePrincipal[] = [];
  const seen = new Set<string>();
  const add = (sp: ServicePrincipal) => {
    if (seen.has(sp.id)) return;
    seen.add(sp.id);
    out.push(sp);
  };
  const tid = tenantId.toLowerCase();
  for (const sub of settings.subscriptions) {
    if (sub.tenantId.toLowerCase() !== tid) continue;
    for (const rec of await tx.listResourcesUnder(`/subscriptions/${sub.subscriptionId}/`)) {
      const name = rec.id.split("/").pop() ?? rec.id;
      if (rec.type.toLowerCase() === USER_ASSIGNED_IDENTITY_TYPE.toLowerCase()) {
        const p = rec.body.properties;
        if (isObject(p) && typeof p.principalId === "string" && typeof p.clientId === "string")
          add(managedIdentity(p.principalId, p.clientId, name, rec.id, true, sub.tenantId));
        continue;
      }
      const identity = rec.body.identity;
      if (isObject(identity) && typeof identity.principalId === "string") {
        // A system-assigned identity's app id is not on the ARM wire; derive a stable one.
        const appId = stableGuid("system-identity-client", identity.principalId);
        add(managedIdentity(identity.principalId, appId, name, rec.id, false, sub.tenantId));
      }
    }
  }
  for (const c of [...new Set(clients)].sort()) add(application(c, tenantId));
  return out;
}
