// Microsoft.ManagedIdentity/userAssignedIdentities. An identity is a tracked resource whose
// clientId / principalId are GUIDs derived from its id, so the same script yields the same
// principals (and role assignments keep matching) run after run. AKS also creates one per
// cluster (the kubelet identity) through `ensureUserAssignedIdentity`.
import {
  asObject,
  checkPreconditions,
  listRecords,
  normalizeLocation,
  propertiesOf,
  readTags,
  requireResourceGroup,
} from "../common.js";
import type { ArmContext } from "../context.js";
import { invalidResourceName, resourceNotFound } from "../errors.js";
import { buildId, lastName, newGuid, parseResourceId, type ResourceRef, stableGuid } from "../ids.js";
import type { ResourceTypeHandler, Wire } from "../registry.js";

export const USER_ASSIGNED_IDENTITY_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities";

export const IDENTITY_API_VERSIONS = [
  "2024-11-30",
  "2023-07-31-preview",
  "2023-01-31",
  "2022-01-31-preview",
  "2021-09-30-preview",
  "2018-11-30",
  "2015-08-31-preview",
] as const;

// 3–128 characters, starting with a letter or digit (Azure's rule for identity names).
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$/;

export interface IdentityPrincipal {
  id: string;
  clientId: string;
  principalId: string;
  tenantId: string;
}

/** The GUIDs an identity with this id has (whether or not it exists yet). */
export function identityGuids(id: string): { clientId: string; principalId: string } {
  return { clientId: stableGuid("uai-client", id), principalId: stableGuid("uai-principal", id) };
}

function wire(
  ctx: ArmContext,
  id: string,
  name: string,
  location: string,
  tags: Record<string, string>,
): Wire {
  const { clientId, principalId } = identityGuids(id);
  return {
    id,
    name,
    type: USER_ASSIGNED_IDENTITY_TYPE,
    location,
    tags,
    properties: { isolationScope: "None", tenantId: ctx.tenantId, principalId, clientId },
  };
}

async function write(
  ctx: ArmContext,
  ref: ResourceRef,
  id: string,
  body: Wire,
  internal?: Record<string, unknown>,
): Promise<void> {
  await ctx.tx.putResource({
    id,
    type: USER_ASSIGNED_IDENTITY_TYPE,
    subscriptionId: ref.subscriptionId,
    resourceGroup: ref.resourceGroup,
    body,
    internal,
    etag: newGuid(),
  });
}

/** The identity's principal, or undefined when no such identity exists. */
export async function getIdentityPrincipal(
  ctx: ArmContext,
  id: string,
): Promise<IdentityPrincipal | undefined> {
  const rec = await ctx.tx.getResource(id);
  if (!rec || rec.type.toLowerCase() !== USER_ASSIGNED_IDENTITY_TYPE.toLowerCase()) return undefined;
  const p = rec.body.properties as { clientId: string; principalId: string; tenantId: string };
  return { id: rec.id, clientId: p.clientId, principalId: p.principalId, tenantId: p.tenantId };
}

/** Creates the identity when absent (AKS's kubelet identity); returns its principal. */
export async function ensureUserAssignedIdentity(
  ctx: ArmContext,
  id: string,
  location: string,
  opts: { tags?: Record<string, string>; managedBy?: string } = {},
): Promise<IdentityPrincipal> {
  const existing = await getIdentityPrincipal(ctx, id);
  if (existing) return existing;
  const ref = parseResourceId(id);
  await write(
    ctx,
    ref,
    id,
    wire(ctx, id, lastName(ref), location, opts.tags ?? {}),
    opts.managedBy ? { managedBy: opts.managedBy } : undefined,
  );
  return (await getIdentityPrincipal(ctx, id))!;
}

export const userAssignedIdentities: ResourceTypeHandler = {
  type: USER_ASSIGNED_IDENTITY_TYPE,
  apiVersions: IDENTITY_API_VERSIONS,
  scope: "resourceGroup",
  cascadeOrder: 900,

  async get(ctx, ref) {
    await requireResourceGroup(ctx, ref);
    const rec = await ctx.tx.getResource(buildId(ref));
    if (!rec) throw resourceNotFound(USER_ASSIGNED_IDENTITY_TYPE, lastName(ref), ref.resourceGroup);
    return rec.body;
  },

  async list(ctx, coll) {
    return (await listRecords(ctx, coll)).map((r) => r.body);
  },

  async put(ctx, ref, raw, pre) {
    await requireResourceGroup(ctx, ref);
    const name = lastName(ref);
    if (!NAME_RE.test(name))
      throw invalidResourceName(
        name,
        USER_ASSIGNED_IDENTITY_TYPE,
        "The name must be 3-128 characters of letters, digits, '-' or '_', starting with a letter or digit.",
      );
    const body = asObject(raw);
    propertiesOf(body);
    const location = normalizeLocation(ctx, body.location)!;
    const tags = readTags(body) ?? {};
    const existing = await ctx.tx.getResource(buildId(ref));
    checkPreconditions(existing, pre);
    const id = existing?.id ?? buildId(ref);
    const out = wire(ctx, id, existing ? String(existing.body.name) : name, location, tags);
    await write(ctx, ref, id, out, existing?.internal);
    return { created: !existing, body: out };
  },

  async patch(ctx, ref, raw, pre) {
    await requireResourceGroup(ctx, ref);
    const existing = await ctx.tx.getResource(buildId(ref));
    if (!existing) throw resourceNotFound(USER_ASSIGNED_IDENTITY_TYPE, lastName(ref), ref.resourceGroup);
    checkPreconditions(existing, pre);
    const tags = readTags(asObject(raw));
    const out: Wire = { ...existing.body, ...(tags !== undefined ? { tags } : {}) };
    await write(ctx, ref, existing.id, out, existing.internal);
    return { created: false, body: out };
  },

  async delete(ctx, ref, pre) {
    await requireResourceGroup(ctx, ref);
    const existing = await ctx.tx.getResource(buildId(ref));
    if (!existing) return { existed: false };
    checkPreconditions(existing, pre);
    await ctx.tx.deleteResource(existing.id);
    return { existed: true };
  },
};
