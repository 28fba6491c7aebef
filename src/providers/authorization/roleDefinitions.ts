// Microsoft.Authorization/roleDefinitions at any scope: the built-in roles (real ids and
// permissions) plus custom roles a script creates, so a role holding only
// `subnets/join/action` + `subnets/read` can stand in for Network Contributor as the docs allow.
import { asObject, field, propertiesOf } from "../common.js";
import type { ArmContext } from "../context.js";
import { ArmError, badRequest, invalidRequestContent } from "../errors.js";
import { type CollectionRef, lastName, type ResourceRef, scopePrefix } from "../ids.js";
import type { ResourceTypeHandler, Wire } from "../registry.js";
import { BUILTIN_ROLES, builtinRole, type Permission, type RoleDefinitionData } from "./builtinRoles.js";

export const ROLE_DEFINITION_TYPE = "Microsoft.Authorization/roleDefinitions";
export const AUTHORIZATION_API_VERSIONS = [
  "2022-05-01-preview",
  "2022-04-01",
  "2020-10-01-preview",
  "2020-04-01-preview",
  "2018-09-01-preview",
  "2018-07-01",
  "2018-01-01-preview",
  "2017-10-01-preview",
  "2015-07-01",
] as const;

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function roleDefinitionId(subscriptionId: string, guid: string): string {
  return `/subscriptions/${subscriptionId}/providers/${ROLE_DEFINITION_TYPE}/${guid}`;
}

export function roleDefinitionWire(subscriptionId: string, r: RoleDefinitionData): Wire {
  return {
    id: roleDefinitionId(subscriptionId, r.guid),
    name: r.guid,
    type: ROLE_DEFINITION_TYPE,
    properties: {
      roleName: r.roleName,
      type: r.type,
      description: r.description,
      assignableScopes: r.assignableScopes,
      permissions: r.permissions,
      createdOn: r.createdOn,
      updatedOn: r.updatedOn,
      createdBy: null,
      updatedBy: null,
    },
  };
}

/** A role definition by GUID (built-in or custom in this subscription). */
export async function findRoleDefinition(
  ctx: ArmContext,
  guid: string,
): Promise<RoleDefinitionData | undefined> {
  const builtin = builtinRole(guid);
  if (builtin) return builtin;
  const rec = await ctx.tx.getResource(roleDefinitionId(ctx.subscriptionId, guid));
  return rec?.internal as RoleDefinitionData | undefined;
}

/** The GUID at the end of a role definition id (`…/roleDefinitions/{guid}`), or a bare GUID. */
export function roleGuidOf(id: string): string | undefined {
  const last = id.split("/").filter(Boolean).pop() ?? "";
  return GUID_RE.test(last) ? last : undefined;
}

const roleDefinitionNotFound = (id: string) =>
  new ArmError(
    404,
    "RoleDefinitionDoesNotExist",
    `The specified role definition with ID '${id}' does not exist.`,
  );

async function customRoles(ctx: ArmContext): Promise<RoleDefinitionData[]> {
  return (await ctx.tx.listResources({ type: ROLE_DEFINITION_TYPE, subscriptionId: ctx.subscriptionId })).map(
    (r) => r.internal as unknown as RoleDefinitionData,
  );
}

/** `$filter=roleName eq 'Network Contributor'` and `type eq 'BuiltInRole'`, joined by `and`. */
function filterOf(query: Record<string, string>): (r: RoleDefinitionData) => boolean {
  const raw = query.$filter ?? query.$Filter;
  if (!raw) return () => true;
  const checks: ((r: RoleDefinitionData) => boolean)[] = [];
  for (const clause of raw.split(/\s+and\s+/i)) {
    const m = /^\s*(roleName|type)\s+eq\s+'([^']*)'\s*$/i.exec(clause);
    if (!m) throw badRequest("InvalidFilterInQueryString", `The filter '${raw}' is not supported.`);
    const [, key, value] = m;
    const v = value.toLowerCase();
    checks.push(
      key.toLowerCase() === "rolename"
        ? (r) => r.roleName.toLowerCase() === v
        : (r) => r.type.toLowerCase() === v,
    );
  }
  return (r) => checks.every((c) => c(r));
}

function readPermissions(props: Record<string, unknown>): Permission[] {
  const list = field.array(props, "permissions", "properties.permissions") ?? [];
  return list.map((p, i) => {
    const o = asObject(p, `properties.permissions[${i}]`);
    const strings = (key: string) =>
      (field.array(o, key, `properties.permissions[${i}].${key}`) ?? []).map((s) => {
        if (typeof s !== "string")
          throw invalidRequestContent(`'properties.permissions[${i}].${key}' must hold strings.`);
        return s;
      });
    return {
      actions: strings("actions"),
      notActions: strings("notActions"),
      dataActions: strings("dataActions"),
      notDataActions: strings("notDataActions"),
    };
  });
}

export const roleDefinitions: ResourceTypeHandler = {
  type: ROLE_DEFINITION_TYPE,
  apiVersions: AUTHORIZATION_API_VERSIONS,
  scope: "subscription",
  requiresRegistration: false,

  async get(ctx, ref) {
    const guid = lastName(ref);
    const r = await findRoleDefinition(ctx, guid);
    if (!r) throw roleDefinitionNotFound(guid);
    return roleDefinitionWire(ctx.subscriptionId, r);
  },

  async list(ctx, _coll: CollectionRef) {
    const keep = filterOf(ctx.query);
    return [...BUILTIN_ROLES, ...(await customRoles(ctx))]
      .filter(keep)
      .map((r) => roleDefinitionWire(ctx.subscriptionId, r));
  },

  async put(ctx, ref: ResourceRef, raw) {
    const guid = lastName(ref);
    if (!GUID_RE.test(guid))
      throw badRequest(
        "InvalidRoleDefinitionId",
        `The role definition ID '${guid}' is not valid; it must be a GUID.`,
      );
    if (builtinRole(guid))
      throw new ArmError(
        409,
        "RoleDefinitionUpdateNotPermitted",
        "Built-in role definitions cannot be changed.",
      );
    const props = propertiesOf(asObject(raw));
    const roleName = field.string(props, "roleName", "properties.roleName");
    if (!roleName) throw invalidRequestContent("'properties.roleName' is required.", "properties.roleName");
    const clash = [...BUILTIN_ROLES, ...(await customRoles(ctx))].find(
      (r) =>
        r.roleName.toLowerCase() === roleName.toLowerCase() && r.guid.toLowerCase() !== guid.toLowerCase(),
    );
    if (clash)
      throw new ArmError(
        409,
        "RoleDefinitionWithSameNameExists",
        `A custom role with the same name '${roleName}' already exists in this directory.`,
      );
    const id = roleDefinitionId(ctx.subscriptionId, guid);
    const existing = await ctx.tx.getResource(id);
    const now = ctx.now.toISOString();
    const data: RoleDefinitionData = {
      guid,
      roleName,
      description: field.string(props, "description", "properties.description") ?? "",
      type: "CustomRole",
      permissions: readPermissions(props),
      assignableScopes: (field.array(props, "assignableScopes", "properties.assignableScopes") ?? [
        scopePrefix(ref),
      ]) as string[],
      createdOn: (existing?.internal as RoleDefinitionData | undefined)?.createdOn ?? now,
      updatedOn: now,
    };
    const body = roleDefinitionWire(ctx.subscriptionId, data);
    await ctx.tx.putResource({
      id,
      type: ROLE_DEFINITION_TYPE,
      subscriptionId: ctx.subscriptionId,
      body,
      internal: data as unknown as Record<string, unknown>,
      etag: now,
    });
    return { created: !existing, body };
  },

  async delete(ctx, ref) {
    const guid = lastName(ref);
    if (builtinRole(guid))
      throw new ArmError(
        409,
        "RoleDefinitionUpdateNotPermitted",
        "Built-in role definitions cannot be deleted.",
      );
    const existed = await ctx.tx.deleteResource(roleDefinitionId(ctx.subscriptionId, guid));
    return { existed };
  },
};
