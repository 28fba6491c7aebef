// Microsoft.Network/routeTables. Inline `routes[]` is reconciled like a VNet's subnets
// (a cluster's routes must be sent back unchanged); `subnets[]` is derived from the
// subnets that reference the table. `internal.usedByCluster` records the one cluster that
// uses the table (the SPEC: a route table cannot be shared by two clusters).
import type { ResourceRecord } from "../../store/types.js";
import { field, normalizeLocation, propertiesOf, readTags } from "../common.js";
import type { ArmContext } from "../context.js";
import type { Wire } from "../registry.js";
import {
  inUseRouteTableCannotBeDeleted,
  routeTableLimitReached,
  routeTableUsedByOtherCluster,
} from "./errors.js";
import {
  checkDistinctPrefixes,
  normalizeRoute,
  prefixKey,
  ROUTE_LIMIT,
  removeRoute,
  requireRouteTable,
  storeRoute,
} from "./routes.js";
import {
  checkSameLocation,
  idOfType,
  makeHandler,
  nameOf,
  propsOf,
  readNamedEntries,
  refIdOf,
  saveRecord,
  TYPES,
  trackedBody,
} from "./shared.js";

export interface RouteTableSpec {
  location: string;
  tags?: Record<string, string>;
  disableBgpRoutePropagation?: boolean;
  /** Inline routes (wire properties); undefined leaves the existing routes alone. */
  routes?: { name: string; props: Record<string, unknown>; path: string }[];
}

export async function writeRouteTable(
  ctx: ArmContext,
  id: string,
  spec: RouteTableSpec,
  existing?: ResourceRecord,
): Promise<ResourceRecord> {
  idOfType(id, TYPES.routeTable, "id");
  checkSameLocation(existing, spec.location);
  const tableId = existing?.id ?? id;
  const bgp =
    spec.disableBgpRoutePropagation ??
    (existing ? propsOf(existing).disableBgpRoutePropagation === true : false);
  const rec = await saveRecord(
    ctx,
    {
      id: tableId,
      type: TYPES.routeTable,
      body: trackedBody(tableId, TYPES.routeTable, spec.location, spec.tags ?? {}, {
        disableBgpRoutePropagation: bgp,
      }),
    },
    existing,
  );
  if (!spec.routes) return rec;
  if (spec.routes.length > ROUTE_LIMIT)
    throw routeTableLimitReached(tableId, ROUTE_LIMIT, spec.routes[ROUTE_LIMIT].name);
  const normalized = spec.routes.map((r) => ({
    ...r,
    wire: normalizeRoute(`${tableId}/routes/${r.name}`, r.props, r.path),
  }));
  const kids = await ctx.tx.listResources({ type: TYPES.route, parentId: rec.id });
  checkDistinctPrefixes(
    normalized,
    new Map(kids.map((k) => [nameOf(k.id).toLowerCase(), prefixKey(propsOf(k).addressPrefix)])),
  );
  const keep = new Set(normalized.map((r) => r.name.toLowerCase()));
  for (const k of kids) if (!keep.has(nameOf(k.id).toLowerCase())) await removeRoute(ctx, k);
  for (const r of normalized)
    await storeRoute(ctx, rec, r.name, r.wire, { countOthers: 0, siblingsChecked: true });
  return rec;
}

export async function routeTableSubnets(ctx: ArmContext, rec: ResourceRecord): Promise<string[]> {
  return (await ctx.tx.listResources({ type: TYPES.subnet, subscriptionId: rec.subscriptionId }))
    .filter((s) => (refIdOf(propsOf(s).routeTable) ?? "").toLowerCase() === rec.id.toLowerCase())
    .map((s) => s.id);
}

export async function presentRouteTable(ctx: ArmContext, rec: ResourceRecord): Promise<Wire> {
  const body = structuredClone(rec.body);
  const props = body.properties as Wire;
  props.routes = (await ctx.tx.listResources({ type: TYPES.route, parentId: rec.id })).map((r) =>
    structuredClone(r.body),
  );
  const subnets = await routeTableSubnets(ctx, rec);
  if (subnets.length) props.subnets = subnets.map((id) => ({ id }));
  return body;
}

/** The cluster using the table, if it still exists. */
export async function clusterUsing(ctx: ArmContext, rec: ResourceRecord): Promise<string | undefined> {
  const c = rec.internal?.usedByCluster;
  if (typeof c !== "string") return undefined;
  return (await ctx.tx.getResource(c)) ? c : undefined;
}

export async function removeRouteTable(
  ctx: ArmContext,
  rec: ResourceRecord,
  byCluster?: string,
): Promise<void> {
  const users = await routeTableSubnets(ctx, rec);
  const cluster = await clusterUsing(ctx, rec);
  if (cluster && cluster.toLowerCase() !== (byCluster ?? "").toLowerCase()) users.push(cluster);
  if (users.length) throw inUseRouteTableCannotBeDeleted(rec.id, users);
  for (const k of await ctx.tx.listResources({ type: TYPES.route, parentId: rec.id }))
    await ctx.tx.deleteResource(k.id);
  await ctx.tx.deleteResource(rec.id);
}

/** Marks (or clears, with undefined) the cluster that uses the table; one cluster at a time. */
export async function setRouteTableCluster(
  ctx: ArmContext,
  tableId: string,
  clusterId: string | undefined,
): Promise<void> {
  const rec = await requireRouteTable(ctx, tableId);
  const current = await clusterUsing(ctx, rec);
  if (clusterId && current && current.toLowerCase() !== clusterId.toLowerCase())
    throw routeTableUsedByOtherCluster(rec.id, current);
  const internal = { ...(rec.internal ?? {}) };
  if (clusterId) internal.usedByCluster = clusterId;
  else delete internal.usedByCluster;
  await ctx.tx.putResource({ ...rec, internal });
}

export function routeTableSpecFromWire(ctx: ArmContext, body: Record<string, unknown>): RouteTableSpec {
  const props = propertiesOf(body);
  return {
    location: normalizeLocation(ctx, body.location) as string,
    tags: readTags(body),
    disableBgpRoutePropagation:
      field.bool(props, "disableBgpRoutePropagation", "properties.disableBgpRoutePropagation") ?? false,
    routes: readNamedEntries(props, "routes", "properties.routes") ?? [],
  };
}

export const routeTables = makeHandler({
  type: TYPES.routeTable,
  tracked: true,
  cascadeOrder: 400,
  async putWire(ctx, id, body, existing) {
    return writeRouteTable(ctx, id, routeTableSpecFromWire(ctx, body), existing);
  },
  present: presentRouteTable,
  async remove(ctx, rec, _cascade, byCluster) {
    await removeRouteTable(ctx, rec, byCluster);
  },
});
