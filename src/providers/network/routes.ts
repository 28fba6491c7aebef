// Microsoft.Network/routeTables/routes: next-hop rules (nextHopIpAddress required with
// VirtualAppliance, refused otherwise), destination a CIDR or a service tag, at most
// ROUTE_LIMIT routes per table, and cluster ownership: a route written for a cluster
// (internal.managedBy) cannot be changed or deleted through the Network API — the
// kubenet routes AKS writes — while user routes may be added freely, each with an addressPrefix
// no other route of the table has (RouteConflict; the cluster's own writes are not checked, so a
// user's route can never make a scale-out fail).
import { parseIp } from "../../net/index.js";
import type { ResourceRecord } from "../../store/types.js";
import { asObject, field, propertiesOf } from "../common.js";
import type { ArmContext } from "../context.js";
import type { Wire } from "../registry.js";
import {
  invalidNextHopIp,
  invalidRouteAddressPrefix,
  managedByCluster,
  missingProperty,
  networkNotFound,
  nextHopIpNotAllowed,
  nextHopIpRequired,
  routeConflict,
  routeTableLimitReached,
} from "./errors.js";
import { NETWORK_LIMITS } from "./limits.js";
import { isServiceTag } from "./securityRules.js";
import {
  childBody,
  idOfType,
  makeHandler,
  nameOf,
  parsePrefixField,
  propsOf,
  saveRecord,
  TYPES,
} from "./shared.js";

/** Azure's documented per-table limit (the SPEC's kubenet 400-node ceiling follows from it). */
export const ROUTE_LIMIT = NETWORK_LIMITS.routesPerRouteTable;

export const NEXT_HOP_TYPES = [
  "VirtualNetworkGateway",
  "VnetLocal",
  "Internet",
  "VirtualAppliance",
  "None",
  "VirtualApplianceEcmp",
] as const;

/** Validates a route and returns its stored properties. */
export function normalizeRoute(routeId: string, raw: Record<string, unknown>, path: string): Wire {
  const addressPrefix = field.string(raw, "addressPrefix", `${path}.addressPrefix`);
  if (!addressPrefix) throw missingProperty(`${path}.addressPrefix`, "the route property");
  const nextHopType = field.enumOf(raw, "nextHopType", `${path}.nextHopType`, NEXT_HOP_TYPES);
  if (!nextHopType) throw missingProperty(`${path}.nextHopType`, "the route property");
  const nextHopIpAddress = field.string(raw, "nextHopIpAddress", `${path}.nextHopIpAddress`) || undefined;
  if (!isServiceTag(addressPrefix)) {
    if (!addressPrefix.includes("/"))
      throw invalidRouteAddressPrefix(routeId, addressPrefix, `${path}.addressPrefix`);
    parsePrefixField(addressPrefix, routeId, `${path}.addressPrefix`);
  }
  const needsIp = nextHopType === "VirtualAppliance";
  if (needsIp && !nextHopIpAddress) throw nextHopIpRequired(routeId, `${path}.nextHopIpAddress`);
  if (!needsIp && nextHopIpAddress)
    throw nextHopIpNotAllowed(routeId, nextHopType, `${path}.nextHopIpAddress`);
  if (nextHopIpAddress) {
    try {
      parseIp(nextHopIpAddress);
    } catch {
      throw invalidNextHopIp(routeId, nextHopIpAddress, `${path}.nextHopIpAddress`);
    }
  }
  const out: Wire = { addressPrefix, nextHopType };
  if (nextHopIpAddress) out.nextHopIpAddress = nextHopIpAddress;
  out.hasBgpOverride = false;
  return out;
}

export function routeManagedBy(rec: ResourceRecord): string | undefined {
  const m = rec.internal?.managedBy;
  return typeof m === "string" ? m : undefined;
}

const same = (a: Wire, b: Wire) =>
  a.addressPrefix === b.addressPrefix &&
  a.nextHopType === b.nextHopType &&
  a.nextHopIpAddress === b.nextHopIpAddress;

export interface RouteWriteOptions {
  managedBy?: string;
  /** Routes the table will hold besides this one (inline PUT); default: the stored siblings. */
  countOthers?: number;
  /** Set by an inline PUT, which checks its whole new list for duplicate prefixes instead. */
  siblingsChecked?: boolean;
}

export const prefixKey = (p: unknown) => String(p).toLowerCase();

/**
 * Refuses a route whose addressPrefix an earlier route of the list has; `stored` (name → prefix of
 * the table's routes now) lets a pair that is already stored as it is pass, as a re-PUT would.
 */
export function checkDistinctPrefixes(
  list: { name: string; wire: Wire; path: string }[],
  stored: ReadonlyMap<string, string>,
): void {
  const seen = new Map<string, string>();
  const kept = (name: string, key: string) => stored.get(name.toLowerCase()) === key;
  for (const r of list) {
    const key = prefixKey(r.wire.addressPrefix);
    const other = seen.get(key);
    if (other !== undefined && !(kept(r.name, key) && kept(other, key)))
      throw routeConflict(r.name, other, `${r.path}.addressPrefix`);
    if (other === undefined) seen.set(key, r.name);
  }
}

export async function storeRoute(
  ctx: ArmContext,
  table: ResourceRecord,
  name: string,
  props: Wire,
  opts: RouteWriteOptions = {},
): Promise<ResourceRecord> {
  const kids = await ctx.tx.listResources({ type: TYPES.route, parentId: table.id });
  const existing = kids.find((k) => nameOf(k.id).toLowerCase() === name.toLowerCase());
  const id = existing?.id ?? `${table.id}/routes/${name}`;
  const owner = existing ? routeManagedBy(existing) : undefined;
  if (owner && owner.toLowerCase() !== (opts.managedBy ?? "").toLowerCase()) {
    if (same(propsOf(existing as ResourceRecord), props)) return existing as ResourceRecord;
    throw managedByCluster("Route", nameOf(id), table.id, owner);
  }
  // Only a prefix new to this route is checked: a re-PUT stays idempotent even beside a cluster's
  // route that took the same prefix later.
  const prefixChanged =
    !existing || prefixKey(propsOf(existing).addressPrefix) !== prefixKey(props.addressPrefix);
  if (!opts.managedBy && !opts.siblingsChecked && prefixChanged) {
    const clash = kids.find(
      (k) => k !== existing && prefixKey(propsOf(k).addressPrefix) === prefixKey(props.addressPrefix),
    );
    if (clash) throw routeConflict(nameOf(id), nameOf(clash.id), "properties.addressPrefix");
  }
  const others = opts.countOthers ?? kids.length - (existing ? 1 : 0);
  if (!existing && others + 1 > ROUTE_LIMIT) throw routeTableLimitReached(table.id, ROUTE_LIMIT, name);
  const internal = opts.managedBy ? { managedBy: opts.managedBy } : existing && !owner ? {} : undefined;
  return saveRecord(
    ctx,
    { id, type: TYPES.route, body: childBody(id, TYPES.route, props), internal },
    existing,
  );
}

export async function removeRoute(ctx: ArmContext, rec: ResourceRecord, byCluster?: string): Promise<void> {
  const owner = routeManagedBy(rec);
  if (owner && owner.toLowerCase() !== (byCluster ?? "").toLowerCase()) {
    const table = rec.id.slice(0, rec.id.toLowerCase().lastIndexOf("/routes/"));
    throw managedByCluster("Route", nameOf(rec.id), table, owner);
  }
  await ctx.tx.deleteResource(rec.id);
}

export async function requireRouteTable(ctx: ArmContext, tableId: string): Promise<ResourceRecord> {
  idOfType(tableId, TYPES.routeTable, "routeTableId");
  const rec = await ctx.tx.getResource(tableId);
  if (!rec) throw networkNotFound(TYPES.routeTable, tableId);
  return rec;
}

export const routes = makeHandler({
  type: TYPES.route,
  tracked: false,
  async putWire(ctx, id, body) {
    const table = await requireRouteTable(ctx, id.slice(0, id.toLowerCase().lastIndexOf("/routes/")));
    const props = normalizeRoute(id, propertiesOf(asObject(body)), "properties");
    return storeRoute(ctx, table, nameOf(id), props);
  },
  async present(_ctx, rec) {
    return structuredClone(rec.body);
  },
  async remove(ctx, rec, cascade, byCluster) {
    if (cascade) await ctx.tx.deleteResource(rec.id);
    else await removeRoute(ctx, rec, byCluster);
  },
});
