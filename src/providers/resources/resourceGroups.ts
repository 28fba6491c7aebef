// Microsoft.Resources/resourceGroups. Deleting a group is a long-running operation that
// removes everything inside it, in the order the providers declare (cascadeOrder), each
// through its own purge so allocations and back-references are released.

import {
  asObject,
  checkPreconditions,
  field,
  normalizeLocation,
  RESOURCE_GROUP_TYPE,
  readTags,
  rgId,
} from "../common.js";
import type { ArmContext } from "../context.js";
import {
  ArmError,
  conflict,
  invalidResourceGroupName,
  invalidResourceLocation,
  resourceGroupNotFound,
} from "../errors.js";
import { newGuid, parseResourceId, type ResourceRef } from "../ids.js";
import { registerOperationKind, startOperation } from "../operations.js";
import type { ResourceTypeHandler, Wire } from "../registry.js";
import { slicer } from "../slices.js";

export const RESOURCE_GROUP_API_VERSIONS = [
  "2025-04-01",
  "2025-03-01",
  "2024-11-01",
  "2024-07-01",
  "2024-03-01",
  "2023-07-01",
  "2022-09-01",
  "2021-04-01",
  "2021-01-01",
  "2020-10-01",
  "2020-06-01",
  "2019-10-01",
  "2019-08-01",
  "2019-07-01",
  "2019-05-10",
  "2019-05-01",
  "2018-05-01",
  "2018-02-01",
  "2017-05-10",
  "2016-09-01",
] as const;

const NAME_RE = /^[-\w._()]{1,90}$/u;

function rgName(ref: ResourceRef): string {
  return ref.names[0];
}

function present(body: Wire): Wire {
  return body;
}

async function getRecord(ctx: ArmContext, ref: ResourceRef) {
  return ctx.tx.getResource(rgId(ref.subscriptionId, rgName(ref)));
}

/** True when the group's `managedBy` names `managerId` (the resource that created it). */
export function isManagedBy(rg: { body: Wire }, managerId: string): boolean {
  const m = rg.body.managedBy;
  return typeof m === "string" && m.toLowerCase() === managerId.toLowerCase();
}

/**
 * Groups whose purge is under way, per transaction. A purge can reach another group's purge
 * (a cluster inside deletes its node resource group); if that is the group already being
 * purged, the inner call must not start over (it would recurse without end).
 */
const purging = new WeakMap<object, Set<string>>();

/** Removes every resource inside the group, then the group. Used by the delete operation. */
async function purgeGroup(ctx: ArmContext, subscriptionId: string, name: string): Promise<void> {
  const id = rgId(subscriptionId, name);
  const key = id.toLowerCase();
  let active = purging.get(ctx.tx);
  if (!active) {
    active = new Set();
    purging.set(ctx.tx, active);
  }
  if (active.has(key)) return;
  active.add(key);
  try {
    await purgeGroupContents(ctx, id, name);
  } finally {
    active.delete(key);
  }
}

/**
 * Purges a group only if `managerId` created it (its `managedBy` says so, checked now, not
 * when the manager was created): a group a user made or re-labelled is never removed by
 * someone else's delete. Returns whether it purged.
 */
export async function purgeManagedGroup(
  ctx: ArmContext,
  subscriptionId: string,
  name: string,
  managerId: string,
): Promise<boolean> {
  const rg = await ctx.tx.getResource(rgId(subscriptionId, name));
  if (!rg || !isManagedBy(rg, managerId)) return false;
  await purgeGroup(ctx, subscriptionId, name);
  return true;
}

async function purgeGroupContents(ctx: ArmContext, id: string, name: string): Promise<void> {
  const registry = ctx.services.registry;
  const order = (type: string) => registry.find(type)?.cascadeOrder ?? 500;
  const slice = slicer();
  // One listing per pass, purged in cascade order; purging one resource may remove others
  // (children, managed groups), so each is looked up again before its turn. A pass that
  // removes nothing ends the loop (what is left blocks the delete). Passes, not one
  // listing per resource: a group of n resources costs O(n), not O(n²).
  for (;;) {
    const inside = (await ctx.tx.listResourcesUnder(`${id}/providers/`)).filter((r) => !r.parentId);
    if (inside.length === 0) break;
    inside.sort((a, b) => order(a.type) - order(b.type) || (b.seq ?? 0) - (a.seq ?? 0));
    let removed = 0;
    for (const r of inside) {
      await slice();
      if (!(await ctx.tx.getResource(r.id))) continue;
      const handler = registry.find(r.type);
      if (handler?.purge) {
        await handler.purge(ctx, parseResourceId(r.id));
      } else {
        // Types without purge hold nothing but their own rows (and their children's).
        for (const c of await ctx.tx.listResourcesUnder(r.id)) await ctx.tx.deleteResource(c.id);
      }
      if (!(await ctx.tx.getResource(r.id))) removed++;
    }
    if (removed === 0) break;
  }
  const left = (await ctx.tx.listResourcesUnder(`${id}/providers/`)).filter((r) => !r.parentId);
  if (left.length)
    throw conflict(
      "ResourceGroupDeletionBlocked",
      `Resource group '${name}' still holds ${left.length} resources that could not be removed.`,
    );
  await ctx.tx.deleteResource(id);
}

registerOperationKind(
  "resourceGroups.delete",
  async (ctx, op) => {
    const ref = parseResourceGroupId(op.target);
    if (await ctx.tx.getResource(op.target)) await purgeGroup(ctx, ref.subscriptionId, ref.name);
    return { resultStatus: 200 };
  },
  async (ctx, op) => {
    // A failed delete leaves the group usable again, as Azure does.
    const rg = await ctx.tx.getResource(op.target);
    if (rg) {
      rg.body = { ...rg.body, properties: { provisioningState: "Succeeded" } };
      await ctx.tx.putResource(rg);
    }
  },
);

function parseResourceGroupId(id: string): { subscriptionId: string; name: string } {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)$/i.exec(id);
  if (!m) throw new ArmError(500, "InternalError", `not a resource group id: ${id}`);
  return { subscriptionId: m[1], name: m[2] };
}

export const resourceGroups: ResourceTypeHandler = {
  type: RESOURCE_GROUP_TYPE,
  apiVersions: RESOURCE_GROUP_API_VERSIONS,
  scope: "subscription",
  requiresRegistration: false,

  async get(ctx, ref) {
    const rec = await getRecord(ctx, ref);
    if (!rec) throw resourceGroupNotFound(rgName(ref));
    return present(rec.body);
  },

  async head(ctx, ref) {
    return (await getRecord(ctx, ref)) !== undefined;
  },

  async list(ctx, coll) {
    const recs = await ctx.tx.listResources({
      type: RESOURCE_GROUP_TYPE,
      subscriptionId: coll.subscriptionId,
    });
    return recs.map((r) => present(r.body));
  },

  async put(ctx, ref, raw, pre) {
    const name = rgName(ref);
    if (!NAME_RE.test(name) || name.endsWith(".")) throw invalidResourceGroupName(name);
    const body = asObject(raw);
    const location = normalizeLocation(ctx, body.location)!;
    const tags = readTags(body);
    const managedBy = field.string(body, "managedBy", "managedBy");
    const existing = await getRecord(ctx, ref);
    checkPreconditions(existing, pre);
    if (existing) {
      const state = (existing.body.properties as { provisioningState?: string } | undefined)
        ?.provisioningState;
      if (state === "Deleting")
        throw conflict(
          "ResourceGroupBeingDeleted",
          `The resource group '${existing.body.name}' is in deprovisioning state and cannot perform this operation.`,
        );
      if (existing.body.location !== location)
        throw invalidResourceLocation(name, String(existing.body.location), location);
    }
    const id = existing?.id ?? rgId(ref.subscriptionId, name);
    const wire: Wire = {
      id,
      name: existing?.body.name ?? name,
      type: RESOURCE_GROUP_TYPE,
      location,
      ...(managedBy ? { managedBy } : existing?.body.managedBy ? { managedBy: existing.body.managedBy } : {}),
      tags: tags ?? {},
      properties: { provisioningState: "Succeeded" },
    };
    await ctx.tx.putResource({
      id,
      type: RESOURCE_GROUP_TYPE,
      subscriptionId: ref.subscriptionId,
      body: wire,
      etag: newGuid(),
    });
    return { created: !existing, body: wire };
  },

  async patch(ctx, ref, raw, pre) {
    const existing = await getRecord(ctx, ref);
    if (!existing) throw resourceGroupNotFound(rgName(ref));
    checkPreconditions(existing, pre);
    const body = asObject(raw);
    const tags = readTags(body);
    const managedBy = field.string(body, "managedBy", "managedBy");
    const wire: Wire = { ...existing.body };
    if (tags !== undefined) wire.tags = tags;
    if (managedBy !== undefined) wire.managedBy = managedBy;
    await ctx.tx.putResource({ ...existing, body: wire, etag: newGuid() });
    return { created: false, body: wire };
  },

  async delete(ctx, ref, pre) {
    const existing = await getRecord(ctx, ref);
    // ARM answers a delete of an absent group 404, not 204 (ResourceGroups_Delete has no 204).
    if (!existing) throw resourceGroupNotFound(rgName(ref));
    checkPreconditions(existing, pre);
    existing.body = { ...existing.body, properties: { provisioningState: "Deleting" } };
    await ctx.tx.putResource(existing);
    const operation = await startOperation(ctx, {
      namespace: "Microsoft.Resources",
      location: String(existing.body.location),
      kind: "resourceGroups.delete",
      target: existing.id,
      result: "empty",
    });
    return { existed: true, operation };
  },

  async purge(ctx, ref) {
    await purgeGroup(ctx, ref.subscriptionId, rgName(ref));
  },
};

/**
 * Creates a group if absent (used for node resource groups); returns its id. With
 * `managedBy`, an existing group must already be managed by that resource: a group made by
 * someone else in the meantime is never adopted (`onForeign` says what to throw).
 */
export async function ensureResourceGroup(
  ctx: ArmContext,
  subscriptionId: string,
  name: string,
  location: string,
  extra: { managedBy?: string; tags?: Record<string, string>; onForeign?: () => Error } = {},
): Promise<string> {
  const id = rgId(subscriptionId, name);
  const existing = await ctx.tx.getResource(id);
  if (existing) {
    if (extra.managedBy && !isManagedBy(existing, extra.managedBy))
      throw (
        extra.onForeign?.() ??
        conflict(
          "ResourceGroupNotManaged",
          `Resource group '${name}' exists and is not managed by '${extra.managedBy}'.`,
        )
      );
    return existing.id;
  }
  const wire: Wire = {
    id,
    name,
    type: RESOURCE_GROUP_TYPE,
    location,
    ...(extra.managedBy ? { managedBy: extra.managedBy } : {}),
    tags: extra.tags ?? {},
    properties: { provisioningState: "Succeeded" },
  };
  await ctx.tx.putResource({ id, type: RESOURCE_GROUP_TYPE, subscriptionId, body: wire, etag: newGuid() });
  return id;
}

export { purgeGroup };
