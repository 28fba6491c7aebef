// Microsoft.Network's internal API for other providers (Microsoft.ContainerService's
// reconciler). Every function runs inside the caller's transaction (ctx.tx) and goes
// through the same code as the HTTP handlers, so each rule has exactly one
// implementation and fails with the same typed ArmError (status, code, target). A caller
// that throws rolls everything back, allocations included.
//
// Conventions:
// - ids are full ARM ids; look-ups are case-insensitive, stored ids keep their first casing.
// - `owner` strings (allocations) are free-form but should be the id of what holds the
//   address, typically an ip configuration id such as
//   `…/virtualMachineScaleSets/{vmss}/virtualMachines/{i}/networkInterfaces/{nic}/ipConfigurations/{cfg}`:
//   a subnet's `ipConfigurations` shows exactly these strings.
// - Optional association fields: `undefined` keeps what is stored, `null` clears it
//   (HTTP PUT semantics differ: there an absent field clears).
import { parseIp } from "../../net/index.js";
import type { ResourceRecord } from "../../store/types.js";
import { normalizeLocation } from "../common.js";
import type { ArmContext } from "../context.js";
import type { Wire } from "../registry.js";
import { writeAsg } from "./applicationSecurityGroups.js";
import { networkNotFound, subnetIsFull } from "./errors.js";
import { writeLoadBalancer } from "./loadBalancers.js";
import { presentNatGateway, writeNatGateway } from "./natGateways.js";
import { presentNsg, writeNsg } from "./networkSecurityGroups.js";
import {
  attachPublicIP,
  detachPublicIPs,
  presentPublicIPAddress,
  writePublicIPAddress,
} from "./publicIPAddresses.js";
import { prefixFreeCount, presentPublicIPPrefix, writePublicIPPrefix } from "./publicIPPrefixes.js";
import { normalizeRoute, removeRoute, requireRouteTable, storeRoute } from "./routes.js";
import { presentRouteTable, setRouteTableCluster, writeRouteTable } from "./routeTables.js";
import { normalizeRule, removeRule, requireNsg, storeRule, storeRuleSet } from "./securityRules.js";
import {
  fmt,
  idOfType,
  lowestFreeAddresses,
  networkKindOf,
  propsOf,
  refIdOf,
  subnetPool,
  TYPES,
  takeAll,
} from "./shared.js";
import { allocateAddresses, freeAddressCount, presentSubnet, putSubnetSpec, subnetCidrs } from "./subnets.js";
import { presentVirtualNetwork, writeVirtualNetwork } from "./virtualNetworks.js";
// Loaded for their handler registration (deleteNetworkResource finds every kind).
import "./applicationSecurityGroups.js";
import "./networkSecurityGroups.js";
import "./routeTables.js";
import "./routes.js";
import "./securityRules.js";

export { ROUTE_LIMIT } from "./routes.js";
export { TYPES as NETWORK_TYPES } from "./shared.js";
export type { Wire };

const loc = (ctx: ArmContext, location: string) => normalizeLocation(ctx, location) as string;

// ---- virtual networks / subnets ----------------------------------------------------------

/**
 * Creates or updates a VNet. `subnets` given → reconciled exactly like an HTTP PUT (omitted
 * ones deleted unless in use); omitted → existing subnets kept (they must still fit).
 */
export async function putVirtualNetwork(
  ctx: ArmContext,
  id: string,
  input: {
    location: string;
    addressPrefixes: string[];
    subnets?: { name: string; addressPrefix: string }[];
    tags?: Record<string, string>;
  },
): Promise<Wire> {
  idOfType(id, TYPES.vnet, "id");
  const existing = await ctx.tx.getResource(id);
  const rec = await writeVirtualNetwork(
    ctx,
    id,
    {
      location: loc(ctx, input.location),
      addressPrefixes: input.addressPrefixes,
      tags: input.tags ?? (existing?.body.tags as Record<string, string> | undefined),
      subnets: input.subnets?.map((s, i) => {
        const path = `properties.subnets[${i}].properties`;
        return { name: s.name, spec: { prefixes: [s.addressPrefix], plural: false }, path };
      }),
    },
    existing,
  );
  return presentVirtualNetwork(ctx, rec);
}

/**
 * Creates or updates one subnet. `routeTableId` / `networkSecurityGroupId` / `natGatewayId`: undefined keeps
 * the stored association, null removes it. Other stored properties are kept.
 */
export async function putSubnet(
  ctx: ArmContext,
  subnetId: string,
  input: {
    addressPrefix: string;
    routeTableId?: string | null;
    networkSecurityGroupId?: string | null;
    natGatewayId?: string | null;
  },
): Promise<Wire> {
  idOfType(subnetId, TYPES.subnet, "subnetId");
  const existing = await ctx.tx.getResource(subnetId);
  const old = existing ? propsOf(existing) : {};
  const keep = (v: string | null | undefined, stored: unknown) =>
    v === null ? undefined : v === undefined ? refIdOf(stored) : v;
  const extra: Wire = {};
  for (const k of [
    "delegations",
    "serviceEndpoints",
    "privateEndpointNetworkPolicies",
    "privateLinkServiceNetworkPolicies",
    "defaultOutboundAccess",
  ])
    if (old[k] !== undefined) extra[k] = old[k];
  const rec = await putSubnetSpec(ctx, subnetId, {
    prefixes: [input.addressPrefix],
    plural: false,
    routeTableId: keep(input.routeTableId, old.routeTable),
    networkSecurityGroupId: keep(input.networkSecurityGroupId, old.networkSecurityGroup),
    natGatewayId: keep(input.natGatewayId, old.natGateway),
    extra,
  });
  return presentSubnet(ctx, rec);
}

/** The stored subnet record (body without derived fields), or undefined. */
export async function getSubnet(ctx: ArmContext, subnetId: string): Promise<ResourceRecord | undefined> {
  const rec = await ctx.tx.getResource(subnetId);
  return rec && rec.type.toLowerCase() === TYPES.subnet.toLowerCase() ? rec : undefined;
}

/** Usable addresses left (Azure's 5 reserved per IPv4 subnet excluded). */
export async function subnetFreeAddressCount(ctx: ArmContext, subnetId: string): Promise<number> {
  return freeAddressCount(ctx, subnetId);
}

/**
 * Takes the `count` lowest free addresses of the subnet for `owner`, all or nothing.
 * Full → ArmError 400 `SubnetIsFull` "Subnet <name> does not have enough capacity for <n> IP addresses.",
 * target the subnet id.
 */
export async function allocateSubnetAddresses(
  ctx: ArmContext,
  subnetId: string,
  count: number,
  owner: string,
): Promise<string[]> {
  return allocateAddresses(ctx, subnetId, count, owner);
}

/** Releases everything `owner` holds: subnet addresses, public IP associations, pool addresses. */
export async function releaseAddressesOf(ctx: ArmContext, owner: string): Promise<void> {
  await ctx.tx.releaseOwner(owner);
}

// ---- NSGs / rules -------------------------------------------------------------------------

/** Creates or updates an NSG; its rules are left as they are. */
export async function putNetworkSecurityGroup(
  ctx: ArmContext,
  id: string,
  input: { location: string; tags?: Record<string, string> },
): Promise<Wire> {
  const existing = await ctx.tx.getResource(id);
  const rec = await writeNsg(ctx, id, { location: loc(ctx, input.location), tags: input.tags }, existing);
  return presentNsg(ctx, rec);
}

/**
 * Creates or updates one rule from wire `properties` (protocol, access, priority,
 * direction, port/prefix fields …). With `managedBy` (a cluster id) the rule belongs to
 * that cluster: the Network API then refuses to change or delete it.
 */
export async function putSecurityRule(
  ctx: ArmContext,
  nsgId: string,
  name: string,
  props: Record<string, unknown>,
  opts: { managedBy?: string } = {},
): Promise<Wire> {
  const nsg = await requireNsg(ctx, nsgId);
  const wire = normalizeRule(name, props, "properties");
  const rec = await storeRule(ctx, nsg, name, wire, "properties", { managedBy: opts.managedBy });
  return structuredClone(rec.body);
}

/**
 * Many rules of one NSG in one write: `put` rules (wire `properties`) created or changed, `remove`
 * deleted, the resulting set checked once; unchanged rules are not rewritten.
 */
export async function applySecurityRules(
  ctx: ArmContext,
  nsgId: string,
  change: { put: { name: string; props: Record<string, unknown> }[]; remove: string[] },
  opts: { managedBy?: string } = {},
): Promise<{ written: number; removed: number }> {
  const nsg = await requireNsg(ctx, nsgId);
  return storeRuleSet(ctx, nsg, change.put, change.remove, opts);
}

/** Deletes a rule (a cluster-owned one too: this is the owner's path). Absent → no-op. */
export async function deleteSecurityRule(ctx: ArmContext, nsgId: string, name: string): Promise<void> {
  const nsg = await requireNsg(ctx, nsgId);
  const rec = await ctx.tx.getResource(`${nsg.id}/securityRules/${name}`);
  if (rec)
    await removeRule(
      ctx,
      rec,
      typeof rec.internal?.managedBy === "string" ? rec.internal.managedBy : undefined,
    );
}

/** The NSG's own rules (not the defaults), wire bodies. */
export async function listSecurityRules(ctx: ArmContext, nsgId: string): Promise<Wire[]> {
  const nsg = await requireNsg(ctx, nsgId);
  return (await ctx.tx.listResources({ type: TYPES.rule, parentId: nsg.id })).map((r) =>
    structuredClone(r.body),
  );
}

// ---- route tables / routes ----------------------------------------------------------------

/** Creates or updates a route table; its routes are left as they are. */
export async function putRouteTable(
  ctx: ArmContext,
  id: string,
  input: { location: string; tags?: Record<string, string> },
): Promise<Wire> {
  const existing = await ctx.tx.getResource(id);
  const rec = await writeRouteTable(
    ctx,
    id,
    { location: loc(ctx, input.location), tags: input.tags },
    existing,
  );
  return presentRouteTable(ctx, rec);
}

/**
 * Creates or updates one route. With `managedBy` (a cluster id) the route belongs to that
 * cluster and the Network API refuses to change or delete it. The 400-route limit applies.
 */
export async function putRoute(
  ctx: ArmContext,
  routeTableId: string,
  name: string,
  input: { addressPrefix: string; nextHopType: string; nextHopIpAddress?: string },
  opts: { managedBy?: string } = {},
): Promise<Wire> {
  const table = await requireRouteTable(ctx, routeTableId);
  const routeId = `${table.id}/routes/${name}`;
  const wire = normalizeRoute(routeId, { ...input }, "properties");
  const rec = await storeRoute(ctx, table, name, wire, { managedBy: opts.managedBy });
  return structuredClone(rec.body);
}

/** Deletes a route (a cluster-owned one too: this is the owner's path). Absent → no-op. */
export async function deleteRoute(ctx: ArmContext, routeTableId: string, name: string): Promise<void> {
  const table = await requireRouteTable(ctx, routeTableId);
  const rec = await ctx.tx.getResource(`${table.id}/routes/${name}`);
  if (rec)
    await removeRoute(
      ctx,
      rec,
      typeof rec.internal?.managedBy === "string" ? rec.internal.managedBy : undefined,
    );
}

/**
 * Records (clusterId) or clears (undefined) the cluster that uses the table. A table
 * already used by another existing cluster → 409 RouteTableInUseByAnotherCluster.
 */
export async function setRouteTableUsedByCluster(
  ctx: ArmContext,
  routeTableId: string,
  clusterId: string | undefined,
): Promise<void> {
  await setRouteTableCluster(ctx, routeTableId, clusterId);
}

/** The cluster recorded as using the table (whether or not it still exists). */
export async function routeTableUsedByCluster(
  ctx: ArmContext,
  routeTableId: string,
): Promise<string | undefined> {
  const rec = await requireRouteTable(ctx, routeTableId);
  const c = rec.internal?.usedByCluster;
  return typeof c === "string" ? c : undefined;
}

// ---- application security groups ------------------------------------------------------------

export async function putApplicationSecurityGroup(
  ctx: ArmContext,
  id: string,
  input: { location: string; tags?: Record<string, string> },
): Promise<Wire> {
  const existing = await ctx.tx.getResource(id);
  const rec = await writeAsg(ctx, id, { location: loc(ctx, input.location), tags: input.tags }, existing);
  return structuredClone(rec.body);
}

// ---- public IPs ------------------------------------------------------------------------------

/** Creates (lowest free aligned block of the emulated pool) or updates a prefix. */
export async function putPublicIPPrefix(
  ctx: ArmContext,
  id: string,
  input: {
    location: string;
    prefixLength: number;
    ipTags?: { ipTagType: string; tag: string }[];
    tags?: Record<string, string>;
    publicIPAddressVersion?: "IPv4" | "IPv6";
  },
): Promise<Wire> {
  const existing = await ctx.tx.getResource(id);
  const rec = await writePublicIPPrefix(
    ctx,
    id,
    {
      location: loc(ctx, input.location),
      prefixLength: input.prefixLength,
      version: input.publicIPAddressVersion,
      ipTags: input.ipTags,
      tags: input.tags,
    },
    existing,
  );
  return presentPublicIPPrefix(ctx, rec);
}

/**
 * Creates or updates a Standard/Static public IP: from `publicIPPrefixId` (lowest free
 * address; full → 400 PublicIpPrefixOutOfIpAddressesForPublicIp naming the prefix) or
 * from the emulated pool.
 */
export async function putPublicIPAddress(
  ctx: ArmContext,
  id: string,
  input: {
    location: string;
    publicIPPrefixId?: string;
    ipTags?: { ipTagType: string; tag: string }[];
    tags?: Record<string, string>;
    publicIPAddressVersion?: "IPv4" | "IPv6";
    /** `{ domainNameLabel }`: the FQDN `<label>.<location>.cloudapp.azure.com` (a Service's DNS label). */
    dnsSettings?: { domainNameLabel: string };
  },
): Promise<Wire> {
  const existing = await ctx.tx.getResource(id);
  const rec = await writePublicIPAddress(
    ctx,
    id,
    {
      location: loc(ctx, input.location),
      publicIPPrefixId: input.publicIPPrefixId,
      version: input.publicIPAddressVersion,
      ipTags: input.ipTags,
      tags: input.tags,
      ...(input.dnsSettings
        ? {
            dnsSettings: {
              domainNameLabel: input.dnsSettings.domainNameLabel,
              fqdn: `${input.dnsSettings.domainNameLabel}.${loc(ctx, input.location)}.cloudapp.azure.com`,
            },
          }
        : {}),
    },
    existing,
  );
  return presentPublicIPAddress(ctx, rec);
}

/** Addresses of the prefix not yet taken by a public IP. */
export async function publicIPPrefixFreeCount(ctx: ArmContext, prefixId: string): Promise<number> {
  return prefixFreeCount(ctx, prefixId);
}

/**
 * Associates a public IP with a holder id (e.g. a VMSS instance ip configuration). One
 * holder per IP: another holder → 400 PublicIPAddressInUse. The IP then cannot be deleted
 * until `detachPublicIPAddresses(holder)` or `releaseAddressesOf(holder)`.
 */
export async function attachPublicIPAddress(ctx: ArmContext, pipId: string, holderId: string): Promise<void> {
  const pip = await ctx.tx.getResource(pipId);
  if (!pip) throw networkNotFound(TYPES.pip, pipId);
  await attachPublicIP(ctx, pip.id, holderId, String(pip.body.location), "publicIPAddress.id");
}

export async function detachPublicIPAddresses(ctx: ArmContext, holderId: string): Promise<void> {
  await detachPublicIPs(ctx, holderId);
}

// ---- NICs / load balancers ----------------------------------------------------------------

/** Creates or updates a Standard load balancer from its wire body (as an HTTP PUT would). */
export async function putLoadBalancer(
  ctx: ArmContext,
  id: string,
  wireBody: Record<string, unknown>,
): Promise<Wire> {
  const existing = await ctx.tx.getResource(id);
  const rec = await writeLoadBalancer(ctx, id, wireBody, existing);
  return structuredClone(rec.body);
}

/** Creates or updates a NAT gateway (AKS's managed one) with the HTTP PUT's rules. */
export async function putNatGateway(
  ctx: ArmContext,
  id: string,
  input: {
    location: string;
    tags?: Record<string, string>;
    idleTimeoutInMinutes?: number;
    publicIpAddressIds: string[];
    publicIpPrefixIds?: string[];
  },
): Promise<Wire> {
  const existing = await ctx.tx.getResource(id);
  const rec = await writeNatGateway(
    ctx,
    id,
    {
      location: loc(ctx, input.location),
      tags: input.tags ?? (existing?.body.tags as Record<string, string> | undefined),
      ...(input.idleTimeoutInMinutes !== undefined
        ? { idleTimeoutInMinutes: input.idleTimeoutInMinutes }
        : {}),
      publicIpAddressIds: input.publicIpAddressIds,
      publicIpPrefixIds: input.publicIpPrefixIds ?? [],
    },
    existing,
  );
  return presentNatGateway(ctx, rec);
}

// ---- deletion ----------------------------------------------------------------------------------

/**
 * Deletes any Network resource with the same checks and releases as the HTTP DELETE
 * (in-use refusals, cluster-owned routes/rules refused). Absent → no-op. With
 * `opts.managedBy` a cluster deletes what it owns: its routes and rules, an NSG holding
 * its rules, a route table it uses.
 */
export async function deleteNetworkResource(
  ctx: ArmContext,
  id: string,
  opts: { managedBy?: string } = {},
): Promise<void> {
  const rec = await ctx.tx.getResource(id);
  if (!rec) return;
  const kind = networkKindOf(rec.type);
  if (!kind) throw networkNotFound(rec.type, id);
  await kind.remove(ctx, rec, false, opts.managedBy);
}

/**
 * `allocateSubnetAddresses` for many owners in one scan of the subnet's taken set (AKS
 * scaling a pool by hundreds of nodes): request i gets the next `count` lowest free
 * addresses, in order. All or nothing; full → SubnetIsFull for the total.
 */
export async function allocateSubnetAddressesBatch(
  ctx: ArmContext,
  subnetId: string,
  requests: { owner: string; count: number }[],
): Promise<string[][]> {
  const rec = await getSubnet(ctx, subnetId);
  if (!rec) throw networkNotFound(TYPES.subnet, subnetId);
  const total = requests.reduce((n, r) => n + r.count, 0);
  const cidrs = subnetCidrs(rec);
  const pool = subnetPool(rec.id);
  const taken = new Set((await ctx.tx.listAllocations(pool)).map((r) => parseIp(r.item).value));
  const picked = lowestFreeAddresses(cidrs, taken, total, true);
  if (!picked) throw subnetIsFull(rec.id, total);
  const out: string[][] = [];
  let k = 0;
  for (const r of requests) {
    const items = picked.slice(k, k + r.count).map((v) => fmt(v, cidrs[0]));
    k += r.count;
    await takeAll(ctx, pool, items, r.owner);
    out.push(items);
  }
  return out;
}
