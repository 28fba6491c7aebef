// Microsoft.Network/virtualNetworks/subnets: placement rules (inside the VNet, disjoint
// from siblings, canonical CIDRs, /29 at most for IPv4 and /64 for IPv6), route table and
// NSG associations, and the subnet's address allocator. Addresses are allocation rows in
// pool `subnet:<lower id>` (item = address, owner = ip configuration id); Azure keeps 5
// addresses of every IPv4 subnet (network, .1–.3, broadcast). `ipConfigurations` is
// derived from those rows, so it is always exactly what holds an address.
import {
  type Cidr,
  CidrIndex,
  cidrOf,
  contains,
  containsIp,
  formatCidr,
  lastAddress,
  lowestFreeAlignedBlock,
  overlaps,
  parseIp,
  rangeToCidrs,
  usableAddressCount,
  usableRange,
} from "../../net/index.js";
import type { ResourceRecord } from "../../store/types.js";
import { asObject, field } from "../common.js";
import type { ArmContext } from "../context.js";
import { invalidRequestContent } from "../errors.js";
import type { Wire } from "../registry.js";
import {
  inUsePrefixCannotBeDeleted,
  inUseSubnetCannotBeDeleted,
  invalidSubnet,
  missingProperty,
  networkNotFound,
  privateIpAddressInUse,
  privateIpAddressInvalid,
  subnetCountLimitReached,
  subnetHasNoPrefixOfVersion,
  subnetIsFull,
  subnetOutsideVnet,
  subnetRangesOverlap,
} from "./errors.js";
import { NETWORK_LIMITS } from "./limits.js";
import {
  checkSameRegion,
  childBody,
  fmt,
  idOfType,
  lowestFreeAddresses,
  makeHandler,
  nameOf,
  parsePrefixField,
  poolOwners,
  propsOf,
  requireReferenced,
  saveRecord,
  subnetPool,
  TYPES,
  takeAll,
} from "./shared.js";

/** What a subnet is, independent of how it was sent (inline, child PUT, internal call). */
export interface SubnetSpec {
  /** Prefixes as sent. */
  prefixes: string[];
  /** Whether the wire form is `addressPrefixes` (plural) rather than `addressPrefix`. */
  plural: boolean;
  routeTableId?: string;
  networkSecurityGroupId?: string;
  natGatewayId?: string;
  /** Pass-through properties we keep but do not interpret. */
  extra?: Wire;
}

const PASS_THROUGH = [
  "delegations",
  "serviceEndpoints",
  "privateEndpointNetworkPolicies",
  "privateLinkServiceNetworkPolicies",
  "defaultOutboundAccess",
] as const;

/** A service endpoint as Azure returns it: the regions it serves (the VNet's unless given), state. */
function serviceEndpoint(e: Wire, vnetLocation: string, path: string): Wire {
  const o = asObject(e, path);
  const service = field.string(o, "service", `${path}.service`);
  if (!service) throw missingProperty(`${path}.service`, "the service endpoint property");
  const locations = field.array(o, "locations", `${path}.locations`);
  return {
    ...o,
    service,
    locations: locations?.length ? locations : [vnetLocation],
    provisioningState: "Succeeded",
  };
}

/** A delegation as Azure returns it: id, type, the service's actions, state. */
function delegation(d: Wire, subnetId: string, path: string): Wire {
  const o = asObject(d, path);
  const name = field.string(o, "name", `${path}.name`);
  if (!name) throw missingProperty(`${path}.name`, "the delegation property");
  const p = asObject(o.properties ?? {}, `${path}.properties`);
  const serviceName = field.string(p, "serviceName", `${path}.properties.serviceName`);
  if (!serviceName) throw missingProperty(`${path}.properties.serviceName`, "the delegation property");
  return {
    name,
    id: `${subnetId}/delegations/${name}`,
    type: "Microsoft.Network/virtualNetworks/subnets/delegations",
    properties: {
      serviceName,
      actions: field.array(p, "actions", `${path}.properties.actions`) ?? [],
      provisioningState: "Succeeded",
    },
  };
}

/** Reads a subnet's wire `properties` (child PUT body or inline `subnets[i].properties`). */
export function subnetSpecFromWire(props: Record<string, unknown>, path: string): SubnetSpec {
  const single = field.string(props, "addressPrefix", `${path}.addressPrefix`);
  const plural = field.array(props, "addressPrefixes", `${path}.addressPrefixes`);
  let prefixes: string[];
  let isPlural = false;
  if (plural && plural.length > 0) {
    if (single)
      throw invalidRequestContent(
        `Only one of '${path}.addressPrefix' and '${path}.addressPrefixes' may be given.`,
        `${path}.addressPrefixes`,
      );
    prefixes = plural.map((p, i) => {
      if (typeof p !== "string")
        throw invalidRequestContent(
          `'${path}.addressPrefixes[${i}]' must be a string.`,
          `${path}.addressPrefixes[${i}]`,
        );
      return p;
    });
    isPlural = true;
  } else if (single !== undefined) {
    prefixes = [single];
  } else {
    throw missingProperty(`${path}.addressPrefix`, "the subnet address prefix");
  }
  const extra: Wire = {};
  for (const k of PASS_THROUGH) if (props[k] !== undefined) extra[k] = props[k];
  return {
    prefixes,
    plural: isPlural,
    routeTableId: field.ref(props, "routeTable", `${path}.routeTable`),
    networkSecurityGroupId: field.ref(props, "networkSecurityGroup", `${path}.networkSecurityGroup`),
    natGatewayId: field.ref(props, "natGateway", `${path}.natGateway`),
    extra,
  };
}

/** Parses and size-checks a subnet's prefixes; targets name the wire field. */
export function parseSubnetPrefixes(
  spec: SubnetSpec,
  subnetId: string,
  vnetName: string,
  path: string,
): Cidr[] {
  const name = nameOf(subnetId);
  return spec.prefixes.map((p, i) => {
    const target = spec.plural ? `${path}.addressPrefixes[${i}]` : `${path}.addressPrefix`;
    const c = parsePrefixField(p, subnetId, target);
    if (c.family === "IPv4" && c.prefixLength > 29)
      throw invalidSubnet(
        name,
        vnetName,
        `The smallest supported IPv4 subnet is /29; ${p} is too small.`,
        target,
      );
    if (c.family === "IPv6" && c.prefixLength !== 64)
      throw invalidSubnet(name, vnetName, `IPv6 subnets must be exactly /64; ${p} is not.`, target);
    return c;
  });
}

export interface Placement {
  vnetName: string;
  vnetPrefixes: Cidr[];
  /** Other subnets of the VNet: their prefixes, tagged with the subnet's name. */
  siblings: CidrIndex<string>;
}

/**
 * Inside the VNet address space, disjoint from itself and from every sibling. The siblings
 * are an index, so checking thousands of subnets as one set stays linear.
 */
export function checkPlacement(subnetName: string, cidrs: Cidr[], where: Placement, path: string): void {
  cidrs.forEach((c, i) => {
    if (!where.vnetPrefixes.some((v) => contains(v, c)))
      throw subnetOutsideVnet(subnetName, where.vnetName, path);
    for (let j = 0; j < i; j++)
      if (overlaps(cidrs[j], c)) throw subnetRangesOverlap(subnetName, subnetName, where.vnetName, path);
    const other = where.siblings.overlapping(c);
    if (other !== undefined) throw subnetRangesOverlap(subnetName, other, where.vnetName, path);
  });
}

/** An index of subnets' prefixes by subnet name. */
export function siblingIndex(subnets: { name: string; cidrs: Cidr[] }[]): CidrIndex<string> {
  const index = new CidrIndex<string>();
  for (const s of subnets) for (const c of s.cidrs) index.add(c, s.name);
  return index;
}

/** The stored prefixes of a subnet record. */
export function subnetCidrs(rec: ResourceRecord): Cidr[] {
  const p = propsOf(rec);
  const list = Array.isArray(p.addressPrefixes) ? (p.addressPrefixes as string[]) : [String(p.addressPrefix)];
  return list.map((s) => parsePrefixField(s, rec.id, "properties.addressPrefix"));
}

/**
 * Writes one subnet whose placement has been checked: validates the associations, keeps
 * every allocated address inside the new prefixes, stores the record.
 */
export async function storeSubnet(
  ctx: ArmContext,
  subnetId: string,
  spec: SubnetSpec,
  cidrs: Cidr[],
  vnetLocation: string,
  path: string,
  existing?: ResourceRecord,
): Promise<ResourceRecord> {
  const id = existing?.id ?? subnetId;
  const props: Wire = {};
  if (spec.plural) props.addressPrefixes = cidrs.map(formatCidr);
  else props.addressPrefix = formatCidr(cidrs[0]);
  if (spec.networkSecurityGroupId) {
    const nsg = await requireReferenced(
      ctx,
      spec.networkSecurityGroupId,
      TYPES.nsg,
      id,
      `${path}.networkSecurityGroup.id`,
    );
    checkSameRegion(nsg, vnetLocation, id, `${path}.networkSecurityGroup.id`);
    props.networkSecurityGroup = { id: nsg.id };
  }
  if (spec.routeTableId) {
    const rt = await requireReferenced(ctx, spec.routeTableId, TYPES.routeTable, id, `${path}.routeTable.id`);
    checkSameRegion(rt, vnetLocation, id, `${path}.routeTable.id`);
    props.routeTable = { id: rt.id };
  }
  if (spec.natGatewayId) {
    const nat = await requireReferenced(
      ctx,
      spec.natGatewayId,
      TYPES.natGateway,
      id,
      `${path}.natGateway.id`,
    );
    checkSameRegion(nat, vnetLocation, id, `${path}.natGateway.id`);
    props.natGateway = { id: nat.id };
  }
  Object.assign(props, spec.extra ?? {});
  if (Array.isArray(props.serviceEndpoints))
    props.serviceEndpoints = (props.serviceEndpoints as Wire[]).map((e, i) =>
      serviceEndpoint(e, vnetLocation, `${path}.serviceEndpoints[${i}]`),
    );
  if (Array.isArray(props.delegations))
    props.delegations = (props.delegations as Wire[]).map((d, i) =>
      delegation(d, id, `${path}.delegations[${i}]`),
    );
  if (existing) {
    // A prefix with addresses in use is never taken away, even by one that would still hold
    // them (Azure: a subnet's range changes only while nothing is deployed in it); adding one is fine.
    const target = spec.plural ? `${path}.addressPrefixes` : `${path}.addressPrefix`;
    const kept = new Set(cidrs.map(formatCidr));
    const dropped = subnetCidrs(existing).filter((c) => !kept.has(formatCidr(c)));
    if (dropped.length)
      for (const row of await ctx.tx.listAllocations(subnetPool(id))) {
        const ip = parseIp(row.item);
        const held = dropped.find((c) => containsIp(c, ip));
        if (held) throw inUsePrefixCannotBeDeleted(id, formatCidr(held), target);
      }
  }
  return saveRecord(ctx, { id, type: TYPES.subnet, body: childBody(id, TYPES.subnet, props) }, existing);
}

export async function presentSubnet(ctx: ArmContext, rec: ResourceRecord): Promise<Wire> {
  const owners = await poolOwners(ctx, subnetPool(rec.id));
  const body = structuredClone(rec.body);
  const props = body.properties as Wire;
  if (owners.length) props.ipConfigurations = owners.map((id) => ({ id }));
  return body;
}

/** Deletes a subnet record; refused while anything holds one of its addresses. */
export async function removeSubnet(ctx: ArmContext, rec: ResourceRecord): Promise<void> {
  const owners = await poolOwners(ctx, subnetPool(rec.id));
  if (owners.length) throw inUseSubnetCannotBeDeleted(rec.id, owners);
  await ctx.tx.deleteResource(rec.id);
}

/** Sibling subnets of a VNet (all children except `exceptId`) with their prefixes. */
export async function siblingsOf(ctx: ArmContext, vnetId: string, exceptId?: string) {
  const kids = await ctx.tx.listResources({ type: TYPES.subnet, parentId: vnetId });
  return kids
    .filter((k) => !exceptId || k.id.toLowerCase() !== exceptId.toLowerCase())
    .map((k) => ({ name: nameOf(k.id), cidrs: subnetCidrs(k) }));
}

export function vnetCidrs(vnet: ResourceRecord): Cidr[] {
  const space = propsOf(vnet).addressSpace as { addressPrefixes?: string[] } | undefined;
  return (space?.addressPrefixes ?? []).map((s) =>
    parsePrefixField(s, vnet.id, "properties.addressSpace.addressPrefixes"),
  );
}

/** Child PUT and internal putSubnet: one subnet against its stored VNet. */
export async function putSubnetSpec(
  ctx: ArmContext,
  subnetId: string,
  spec: SubnetSpec,
  path = "properties",
): Promise<ResourceRecord> {
  const ref = idOfType(subnetId, TYPES.subnet, "id");
  const vnetId = subnetId.slice(0, subnetId.toLowerCase().lastIndexOf("/subnets/"));
  const vnet = await ctx.tx.getResource(vnetId);
  if (!vnet) throw networkNotFound(TYPES.vnet, vnetId);
  const existing = await ctx.tx.getResource(subnetId);
  const id = existing?.id ?? subnetId;
  const vnetName = ref.names[0];
  const cidrs = parseSubnetPrefixes(spec, id, vnetName, path);
  const siblings = await siblingsOf(ctx, vnet.id, id);
  if (!existing && siblings.length + 1 > NETWORK_LIMITS.subnetsPerVnet)
    throw subnetCountLimitReached(vnet.id, siblings.length + 1, NETWORK_LIMITS.subnetsPerVnet, path);
  checkPlacement(
    nameOf(id),
    cidrs,
    { vnetName, vnetPrefixes: vnetCidrs(vnet), siblings: siblingIndex(siblings) },
    spec.plural ? `${path}.addressPrefixes` : `${path}.addressPrefix`,
  );
  return storeSubnet(ctx, id, spec, cidrs, String(vnet.body.location), path, existing);
}

// ---- address allocation ----------------------------------------------------------------------

async function requireSubnet(ctx: ArmContext, subnetId: string): Promise<ResourceRecord> {
  idOfType(subnetId, TYPES.subnet, "subnetId");
  const rec = await ctx.tx.getResource(subnetId);
  if (!rec) throw networkNotFound(TYPES.subnet, subnetId);
  return rec;
}

async function takenSet(ctx: ArmContext, subnetId: string): Promise<Set<bigint>> {
  const rows = await ctx.tx.listAllocations(subnetPool(subnetId));
  return new Set(rows.map((r) => parseIp(r.item).value));
}

export async function freeAddressCount(ctx: ArmContext, subnetId: string): Promise<number> {
  const rec = await requireSubnet(ctx, subnetId);
  const cidrs = subnetCidrs(rec);
  let total = 0n;
  for (const c of cidrs) total += usableAddressCount(c, true);
  const taken = await takenSet(ctx, rec.id);
  const usable = cidrs.map((c) => usableRange(c, { reserveAzure: true }));
  let used = 0n;
  for (const v of taken) if (usable.some((u) => u !== undefined && v >= u.first && v <= u.last)) used++;
  return Number(total - used);
}

/** Lowest free addresses, all or nothing; full → SubnetIsFull naming the subnet. */
export async function allocateAddresses(
  ctx: ArmContext,
  subnetId: string,
  count: number,
  owner: string,
  family?: "IPv4" | "IPv6",
  target = "subnet",
): Promise<string[]> {
  const rec = await requireSubnet(ctx, subnetId);
  if (!Number.isInteger(count) || count < 0)
    throw invalidRequestContent(`Address count ${count} must be a non-negative integer.`, "count");
  const cidrs = subnetCidrs(rec).filter((c) => !family || c.family === family);
  if (cidrs.length === 0) throw subnetHasNoPrefixOfVersion(rec.id, family ?? "IPv4", target);
  const picked = lowestFreeAddresses(cidrs, await takenSet(ctx, rec.id), count, true);
  if (!picked) throw subnetIsFull(rec.id, count);
  const items = picked.map((v) => fmt(v, cidrs[0]));
  await takeAll(ctx, subnetPool(rec.id), items, owner);
  return items;
}

/** A requested static address: inside the subnet's usable range and free (or already ours). */
export async function allocateSpecificAddress(
  ctx: ArmContext,
  subnetId: string,
  address: string,
  owner: string,
  target: string,
): Promise<string> {
  const rec = await requireSubnet(ctx, subnetId);
  let ip: ReturnType<typeof parseIp>;
  try {
    ip = parseIp(address);
  } catch {
    throw privateIpAddressInvalid(address, rec.id, "it is not an IP address.", target);
  }
  const cidrs = subnetCidrs(rec);
  const inside = cidrs.find((c) => containsIp(c, ip));
  if (!inside)
    throw privateIpAddressInvalid(
      address,
      rec.id,
      `the subnet is ${cidrs.map(formatCidr).join(", ")}.`,
      target,
    );
  const u = usableRange(inside, { reserveAzure: true });
  if (!u || ip.value < u.first || ip.value > u.last)
    throw privateIpAddressInvalid(
      address,
      rec.id,
      "Azure reserves the network address, the first three host addresses and the broadcast address.",
      target,
    );
  const item = fmt(ip.value, inside);
  const holder = (await ctx.tx.listAllocations(subnetPool(rec.id))).find((r) => r.item === item);
  if (holder) {
    if (holder.owner.toLowerCase() === owner.toLowerCase()) return item;
    throw privateIpAddressInUse(item, rec.id, holder.owner, target);
  }
  await takeAll(ctx, subnetPool(rec.id), [item], owner);
  return item;
}

export const subnets = makeHandler({
  type: TYPES.subnet,
  tracked: false,
  async putWire(ctx, id, body) {
    const props = (body.properties ?? {}) as Record<string, unknown>;
    if (typeof props !== "object" || Array.isArray(props))
      throw invalidRequestContent("The 'properties' must be a JSON object.", "properties");
    return putSubnetSpec(ctx, id, subnetSpecFromWire(props, "properties"));
  },
  present: presentSubnet,
  async remove(ctx, rec) {
    await removeSubnet(ctx, rec);
  },
});

/**
 * Gives `owner` exactly one address in the subnet: the requested static one, or keeps the
 * address it already holds there, or the lowest free. Any address it held elsewhere is
 * released (an ip configuration moved to another subnet).
 */
export async function ensureOwnerAddress(
  ctx: ArmContext,
  subnetId: string,
  owner: string,
  requested: string | undefined,
  target: string,
  family?: "IPv4" | "IPv6",
): Promise<string> {
  const subnet = await requireSubnet(ctx, subnetId);
  const held = (await ctx.tx.listAllocationsByOwner(owner)).filter((r) => r.pool.startsWith("subnet:"));
  const ofFamily = (item: string) => !family || (family === "IPv6") === item.includes(":");
  const here = held.filter((r) => r.pool === subnetPool(subnet.id) && ofFamily(r.item));
  const keep = requested === undefined ? here[0] : here.find((r) => r.item === requested);
  for (const r of held) if (r !== keep) await ctx.tx.release(r.pool, r.item);
  if (keep) return keep.item;
  if (requested !== undefined) {
    if (!ofFamily(requested))
      throw privateIpAddressInvalid(requested, subnet.id, `it is not an ${family} address.`, target);
    return allocateSpecificAddress(ctx, subnet.id, requested, owner, target);
  }
  return (await allocateAddresses(ctx, subnet.id, 1, owner, family, target))[0];
}

/**
 * Gives `owner` one aligned block of the subnet (`privateIPAddressPrefixLength`, Azure's IP
 * prefix on a NIC ip configuration): the block it already holds when the size matches, else the
 * lowest aligned block whose addresses are all usable and free. Returns `a.b.c.d/len`.
 */
export async function ensureOwnerBlock(
  ctx: ArmContext,
  subnetId: string,
  owner: string,
  prefixLength: number,
  target: string,
): Promise<string> {
  const subnet = await requireSubnet(ctx, subnetId);
  const cidrs = subnetCidrs(subnet).filter((c) => c.family === "IPv4");
  if (cidrs.length === 0) throw subnetHasNoPrefixOfVersion(subnet.id, "IPv4", target);
  const held = (await ctx.tx.listAllocationsByOwner(owner)).filter((r) => r.pool.startsWith("subnet:"));
  const here = held.filter((r) => r.pool === subnetPool(subnet.id)).map((r) => parseIp(r.item).value);
  const size = 1n << BigInt(32 - prefixLength);
  if (here.length > 0 && BigInt(here.length) === size) {
    const first = here.reduce((a, b) => (b < a ? b : a));
    if (first % size === 0n) return `${fmt(first, cidrs[0])}/${prefixLength}`;
  }
  for (const r of held) await ctx.tx.release(r.pool, r.item);
  const taken = [...(await takenSet(ctx, subnet.id))];
  for (const c of cidrs) {
    if (prefixLength < c.prefixLength) continue;
    const u = usableRange(c, { reserveAzure: true });
    if (!u) continue;
    // Azure's reserved addresses (network, .1–.3, broadcast) count as taken.
    const blocked = [
      ...rangeToCidrs(c.network, u.first - 1n, "IPv4"),
      ...(u.last < lastAddress(c) ? rangeToCidrs(u.last + 1n, lastAddress(c), "IPv4") : []),
      ...taken.filter((v) => containsIp(c, v)).map((v) => cidrOf(v, "IPv4", 32)),
    ];
    const block = lowestFreeAlignedBlock(c, prefixLength, blocked);
    if (!block) continue;
    const items: string[] = [];
    for (let a = block.network; a <= lastAddress(block); a++) items.push(fmt(a, c));
    await takeAll(ctx, subnetPool(subnet.id), items, owner);
    return `${fmt(block.network, c)}/${prefixLength}`;
  }
  throw subnetIsFull(subnet.id, Number(size));
}
