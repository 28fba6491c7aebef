// Microsoft.Authorization/roleAssignments at any scope: subscription, resource group, or
// any resource (an extension resource: `{resourceId}/providers/Microsoft.Authorization/…`).
// Lists honour `$filter=atScope()`, `principalId eq '…'` and `assignedTo('…')` as ARM does.
import { asObject, field, propertiesOf, requireResourceGroup } from "../common.js";
import type { ArmContext } from "../context.js";
import { ArmError, badRequest, conflict, invalidRequestContent, resourceNotFound } from "../errors.js";
import { buildId, fullType, lastName, parseResourceId, type ResourceRef, scopePrefix } from "../ids.js";
import type { ResourceTypeHandler, Wire } from "../registry.js";
import {
  AUTHORIZATION_API_VERSIONS,
  findRoleDefinition,
  roleDefinitionId,
  roleGuidOf,
} from "./roleDefinitions.js";

export const ROLE_ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments";

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PRINCIPAL_TYPES = ["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"] as const;

/** What every assignment keeps privately, for permission checks without re-parsing the wire. */
export interface AssignmentData {
  scope: string;
  principalId: string;
  roleGuid: string;
}

/** True when `scope` is `ancestor` or lies below it (ids compare case-insensitively). */
export function isAtOrBelow(scope: string, ancestor: string): boolean {
  const s = scope.toLowerCase().replace(/\/+$/, "");
  const a = ancestor.toLowerCase().replace(/\/+$/, "");
  return a === "" || s === a || s.startsWith(`${a}/`);
}

/** Every role assignment in the subscription (few; filtered in memory). */
export async function allAssignments(ctx: ArmContext): Promise<{ body: Wire; data: AssignmentData }[]> {
  const recs = await ctx.tx.listResources({ type: ROLE_ASSIGNMENT_TYPE, subscriptionId: ctx.subscriptionId });
  return recs.map((r) => ({ body: r.body, data: r.internal as unknown as AssignmentData }));
}

async function requireScope(ctx: ArmContext, scope: string): Promise<void> {
  if (!/\/providers\//i.test(scope)) {
    const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)$/i.exec(scope);
    if (m) await requireResourceGroup(ctx, { subscriptionId: m[1], resourceGroup: m[2] });
    return;
  }
  if (await ctx.tx.getResource(scope)) return;
  const ref = parseResourceId(scope, "scope");
  if (ref.resourceGroup) await requireResourceGroup(ctx, ref);
  throw resourceNotFound(fullType(ref), lastName(ref), ref.resourceGroup);
}

export interface NewAssignment {
  scope: string;
  name: string;
  roleGuid: string;
  principalId: string;
  principalType?: string;
  description?: string;
}

/** Writes an assignment (shared by the HTTP PUT and AKS's automatic grants). */
export async function writeAssignment(ctx: ArmContext, a: NewAssignment): Promise<Wire> {
  const id = `${a.scope}/providers/${ROLE_ASSIGNMENT_TYPE}/${a.name}`;
  const now = ctx.now.toISOString();
  const body: Wire = {
    id,
    name: a.name,
    type: ROLE_ASSIGNMENT_TYPE,
    properties: {
      roleDefinitionId: roleDefinitionId(ctx.subscriptionId, a.roleGuid),
      principalId: a.principalId,
      principalType: a.principalType ?? "ServicePrincipal",
      scope: a.scope,
      condition: null,
      conditionVersion: null,
      description: a.description ?? null,
      createdOn: now,
      updatedOn: now,
      createdBy: null,
      updatedBy: null,
      delegatedManagedIdentityResourceId: null,
    },
  };
  const scopeRef = /\/providers\//i.test(a.scope) ? parseResourceId(a.scope, "scope") : undefined;
  const rg = scopeRef?.resourceGroup ?? /\/resourceGroups\/([^/]+)/i.exec(a.scope)?.[1];
  const data: AssignmentData = {
    scope: a.scope,
    principalId: a.principalId.toLowerCase(),
    roleGuid: a.roleGuid,
  };
  await ctx.tx.putResource({
    id,
    type: ROLE_ASSIGNMENT_TYPE,
    subscriptionId: ctx.subscriptionId,
    resourceGroup: rg,
    body,
    internal: data as unknown as Record<string, unknown>,
    etag: now,
  });
  return body;
}

type Filter = (a: AssignmentData, scope: string) => boolean;

function filterOf(query: Record<string, string>): Filter {
  const raw = query.$filter ?? query.$Filter;
  // No filter: at, above and below the scope.
  if (!raw) return (a, scope) => isAtOrBelow(scope, a.scope) || isAtOrBelow(a.scope, scope);
  const checks: Filter[] = [];
  let atScope = false;
  for (const clause of raw.split(/\s+and\s+/i)) {
    const c = clause.trim();
    if (/^atScope\(\)$/i.test(c)) {
      atScope = true;
      continue;
    }
    const m = /^(?:principalId\s+eq\s+'([^']+)'|assignedTo\('([^']+)'\))$/i.exec(c);
    if (!m) throw badRequest("InvalidFilterInQueryString", `The filter '${raw}' is not supported.`);
    const who = (m[1] ?? m[2]).toLowerCase();
    checks.push((a) => a.principalId === who);
  }
  const where: Filter = atScope
    ? (a, scope) => isAtOrBelow(scope, a.scope)
    : (a, scope) => isAtOrBelow(scope, a.scope) || isAtOrBelow(a.scope, scope);
  return (a, scope) => where(a, scope) && checks.every((f) => f(a, scope));
}

export const roleAssignments: ResourceTypeHandler = {
  type: ROLE_ASSIGNMENT_TYPE,
  apiVersions: AUTHORIZATION_API_VERSIONS,
  scope: "subscription",
  requiresRegistration: false,
  cascadeOrder: 5,

  async get(ctx, ref) {
    const rec = await ctx.tx.getResource(buildId(ref));
    if (!rec)
      throw new ArmError(
        404,
        "RoleAssignmentNotFound",
        `The role assignment '${lastName(ref)}' is not found.`,
      );
    return rec.body;
  },

  async list(ctx, coll) {
    const scope = scopePrefix(coll);
    const keep = filterOf(ctx.query);
    return (await allAssignments(ctx)).filter((a) => keep(a.data, scope)).map((a) => a.body);
  },

  async put(ctx, ref: ResourceRef, raw) {
    const name = lastName(ref);
    if (!GUID_RE.test(name))
      throw badRequest(
        "InvalidRoleAssignmentId",
        `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
      );
    const scope = scopePrefix(ref);
    await requireScope(ctx, scope);
    const props = propertiesOf(asObject(raw));
    const roleDefId = field.string(props, "roleDefinitionId", "properties.roleDefinitionId");
    const principalId = field.string(props, "principalId", "properties.principalId");
    if (!roleDefId)
      throw invalidRequestContent(
        "'properties.roleDefinitionId' is required.",
        "properties.roleDefinitionId",
      );
    if (!principalId)
      throw invalidRequestContent("'properties.principalId' is required.", "properties.principalId");
    if (!GUID_RE.test(principalId))
      throw badRequest(
        "InvalidPrincipalId",
        `A valid principal ID must be provided; '${principalId}' is not a GUID.`,
      );
    const principalType = field.enumOf(props, "principalType", "properties.principalType", PRINCIPAL_TYPES);
    const roleGuid = roleGuidOf(roleDefId);
    if (!roleGuid)
      throw badRequest("InvalidRoleDefinitionId", `The role definition ID '${roleDefId}' is not valid.`);
    if (!(await findRoleDefinition(ctx, roleGuid)))
      throw badRequest(
        "RoleDefinitionDoesNotExist",
        `The specified role definition with ID '${roleGuid}' does not exist.`,
      );
    const id = buildId(ref);
    const existing = await ctx.tx.getResource(id);
    const data = existing?.internal as AssignmentData | undefined;
    if (existing && data) {
      if (
        data.principalId !== principalId.toLowerCase() ||
        data.roleGuid.toLowerCase() !== roleGuid.toLowerCase()
      )
        throw conflict(
          "RoleAssignmentUpdateNotPermitted",
          "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
        );
      return { created: false, body: existing.body };
    }
    const twin = (await allAssignments(ctx)).find(
      (a) =>
        a.data.principalId === principalId.toLowerCase() &&
        a.data.roleGuid.toLowerCase() === roleGuid.toLowerCase() &&
        a.data.scope.toLowerCase() === scope.toLowerCase(),
    );
    if (twin) throw conflict("RoleAssignmentExists", "The role assignment already exists.");
    const body = await writeAssignment(ctx, {
      scope,
      name,
      roleGuid,
      principalId,
      principalType,
      description: field.string(props, "description", "properties.description"),
    });
    return { created: true, body };
  },

  async delete(ctx, ref) {
    const existed = await ctx.tx.deleteResource(buildId(ref));
    return { existed };
  },
};
