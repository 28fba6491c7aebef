// Microsoft.Network/virtualNetworks. A VNet PUT carries its subnets inline and is
// reconciled against the child records: listed subnets are created or updated, omitted
// ones deleted (refused while in use), all checked as one set against the new address
// space. Subnets are stored only as child records; the VNet body shows them at read time.
import {
  type Cidr,
  CidrIndex,
  contains,
  containsIp,
  firstOverlap,
  formatCidr,
  formatIp,
  parseIp,
  usableAddressCount,
  usableRange,
} from "../../net/index.js";
import type { ResourceRecord } from "../../store/types.js";
import { field, normalizeLocation, propertiesOf, readTags, requireResourceGroup } from "../common.js";
import type { ArmContext } from "../context.js";
import { badRequest, invalidRequestContent, resourceNotFound } from "../errors.js";
import { buildId, parseResourceId, type ResourceRef } from "../ids.js";
import type { Wire } from "../registry.js";
import { slicer } from "../slices.js";
import {
  missingProperty,
  subnetCountLimitReached,
  subnetOutsideVnet,
  vnetAddressSpacesOverlap,
} from "./errors.js";
import { NETWORK_LIMITS } from "./limits.js";
import {
  checkSameLocation,
  idOfType,
  makeHandler,
  nameOf,
  parsePrefixField,
  readNamedEntries,
  saveRecord,
  subnetPool,
  TYPES,
  trackedBody,
} from "./shared.js";
import {
  checkPlacement,
  parseSubnetPrefixes,
  presentSubnet,
  removeSubnet,
  type SubnetSpec,
  storeSubnet,
  subnetCidrs,
  subnetSpecFromWire,
} from "./subnets.js";

export interface VirtualNetworkSpec {
  location: string;
  addressPrefixes: string[];
  /** Inline subnets; undefined leaves the existing child subnets as they are. */
  subnets?: { name: string; spec: SubnetSpec; path: string }[];
  tags?: Record<string, string>;
  dhcpOptions?: Wire;
  /** Echoed settings the emulator keeps but does not act on (flow timeout, encryption, BGP). */
  settings?: Wire;
}

/**
 * The regional BGP community Azure adds next to a VNet's own, per region — only the value the
 * published API example shows; other regions get none rather than a guessed one.
 */
const REGIONAL_COMMUNITY: Record<string, string> = {
  eastus: "12076:50004",
};

function parseVnetPrefixes(id: string, prefixes: string[]): Cidr[] {
  if (prefixes.length === 0)
    throw missingProperty("properties.addressSpace.addressPrefixes", "at least one address prefix in");
  const cidrs = prefixes.map((p, i) =>
    parsePrefixField(p, id, `properties.addressSpace.addressPrefixes[${i}]`),
  );
  const clash = firstOverlap(cidrs);
  if (clash)
    throw vnetAddressSpacesOverlap(
      nameOf(id),
      formatCidr(cidrs[clash[0]]),
      formatCidr(cidrs[clash[1]]),
      `properties.addressSpace.addressPrefixes[${clash[1]}]`,
    );
  return cidrs;
}

export async function writeVirtualNetwork(
  ctx: ArmContext,
  id: string,
  spec: VirtualNetworkSpec,
  existing?: ResourceRecord,
): Promise<ResourceRecord> {
  idOfType(id, TYPES.vnet, "id");
  checkSameLocation(existing, spec.location);
  const vnetId = existing?.id ?? id;
  const vnetName = nameOf(vnetId);
  const cidrs = parseVnetPrefixes(vnetId, spec.addressPrefixes);
  const children = await ctx.tx.listResources({ type: TYPES.subnet, parentId: vnetId });
  const byName = new Map(children.map((c) => [nameOf(c.id).toLowerCase(), c]));

  const props: Wire = { addressSpace: { addressPrefixes: cidrs.map(formatCidr) } };
  if (spec.dhcpOptions) props.dhcpOptions = spec.dhcpOptions;
  Object.assign(props, spec.settings ?? {});
  const bgp = props.bgpCommunities as Wire | undefined;
  if (bgp && REGIONAL_COMMUNITY[spec.location]) bgp.regionalCommunity = REGIONAL_COMMUNITY[spec.location];
  const ref = parseResourceId(vnetId);
  const rec = await saveRecord(
    ctx,
    {
      id: vnetId,
      type: TYPES.vnet,
      body: trackedBody(vnetId, TYPES.vnet, spec.location, spec.tags ?? {}, props),
    },
    existing,
  );

  if (spec.subnets === undefined) {
    // Keep the children, but the address space may not shrink out from under them.
    for (const c of children)
      if (!subnetCidrs(c).every((sc) => cidrs.some((v) => contains(v, sc))))
        throw subnetOutsideVnet(nameOf(c.id), vnetName, "properties.addressSpace.addressPrefixes");
    return rec;
  }

  if (spec.subnets.length > NETWORK_LIMITS.subnetsPerVnet)
    throw subnetCountLimitReached(
      vnetId,
      spec.subnets.length,
      NETWORK_LIMITS.subnetsPerVnet,
      "properties.subnets",
    );
  // Parse every inline subnet first, then check them as one set: each against the new
  // space and against the ones listed before it (so each clash is reported once).
  const slice = slicer();
  const parsed: { name: string; spec: SubnetSpec; path: string; id: string; cidrs: Cidr[] }[] = [];
  for (const s of spec.subnets) {
    const sid = byName.get(s.name.toLowerCase())?.id ?? `${vnetId}/subnets/${s.name}`;
    parsed.push({ ...s, id: sid, cidrs: parseSubnetPrefixes(s.spec, sid, ref.names[0], s.path) });
    await slice();
  }
  const earlier = new CidrIndex<string>();
  for (const s of parsed) {
    checkPlacement(
      nameOf(s.id),
      s.cidrs,
      { vnetName, vnetPrefixes: cidrs, siblings: earlier },
      s.spec.plural ? `${s.path}.addressPrefixes` : `${s.path}.addressPrefix`,
    );
    for (const c of s.cidrs) earlier.add(c, nameOf(s.id));
    await slice();
  }
  const keep = new Set(parsed.map((s) => s.id.toLowerCase()));
  for (const c of children) {
    if (!keep.has(c.id.toLowerCase())) await removeSubnet(ctx, c);
    await slice();
  }
  for (const s of parsed) {
    await storeSubnet(ctx, s.id, s.spec, s.cidrs, spec.location, s.path, byName.get(s.name.toLowerCase()));
    await slice();
  }
  return rec;
}

export async function presentVirtualNetwork(ctx: ArmContext, rec: ResourceRecord): Promise<Wire> {
  const body = structuredClone(rec.body);
  const props = body.properties as Wire;
  const kids = await ctx.tx.listResources({ type: TYPES.subnet, parentId: rec.id });
  const subnets: Wire[] = [];
  const slice = slicer();
  for (const k of kids) {
    subnets.push(await presentSubnet(ctx, k));
    await slice();
  }
  props.subnets = subnets;
  props.virtualNetworkPeerings = [];
  props.enableDdosProtection = false;
  return body;
}

/** Deletes the VNet and its subnets; refused while any subnet holds an address. */
export async function removeVirtualNetwork(ctx: ArmContext, rec: ResourceRecord): Promise<void> {
  const slice = slicer();
  for (const k of await ctx.tx.listResources({ type: TYPES.subnet, parentId: rec.id })) {
    await removeSubnet(ctx, k);
    await slice();
  }
  await ctx.tx.deleteResource(rec.id);
}

export function vnetSpecFromWire(ctx: ArmContext, body: Record<string, unknown>): VirtualNetworkSpec {
  const props = propertiesOf(body);
  const space = field.object(props, "addressSpace", "properties.addressSpace");
  if (!space) throw missingProperty("properties.addressSpace", "the address space");
  const list = field.array(space, "addressPrefixes", "properties.addressSpace.addressPrefixes") ?? [];
  const addressPrefixes = list.map((p, i) => {
    if (typeof p !== "string")
      throw invalidRequestContent(
        `'properties.addressSpace.addressPrefixes[${i}]' must be a string.`,
        `properties.addressSpace.addressPrefixes[${i}]`,
      );
    return p;
  });
  // Azure semantics: a PUT without `subnets` removes the subnets (if none is in use).
  const entries = readNamedEntries(props, "subnets", "properties.subnets") ?? [];
  return {
    location: normalizeLocation(ctx, body.location) as string,
    addressPrefixes,
    tags: readTags(body),
    dhcpOptions: field.object(props, "dhcpOptions", "properties.dhcpOptions"),
    settings: vnetSettings(props),
    subnets: entries.map((e) => ({ name: e.name, spec: subnetSpecFromWire(e.props, e.path), path: e.path })),
  };
}

/** flowTimeoutInMinutes (4–30), encryption ({enabled, enforcement}), bgpCommunities, validated. */
function vnetSettings(props: Record<string, unknown>): Wire {
  const out: Wire = {};
  const flow = field.int(props, "flowTimeoutInMinutes", "properties.flowTimeoutInMinutes");
  if (flow !== undefined) {
    if (flow < 4 || flow > 30)
      throw invalidRequestContent(
        `'properties.flowTimeoutInMinutes' must be between 4 and 30 minutes; got ${flow}.`,
        "properties.flowTimeoutInMinutes",
      );
    out.flowTimeoutInMinutes = flow;
  }
  const enc = field.object(props, "encryption", "properties.encryption");
  if (enc) {
    const enabled = field.bool(enc, "enabled", "properties.encryption.enabled");
    if (enabled === undefined) throw missingProperty("properties.encryption.enabled", "the property");
    out.encryption = {
      enabled,
      enforcement:
        field.enumOf(enc, "enforcement", "properties.encryption.enforcement", [
          "DropUnencrypted",
          "AllowUnencrypted",
        ] as const) ?? "AllowUnencrypted",
    };
  }
  const bgp = field.object(props, "bgpCommunities", "properties.bgpCommunities");
  if (bgp) {
    const community = field.string(
      bgp,
      "virtualNetworkCommunity",
      "properties.bgpCommunities.virtualNetworkCommunity",
    );
    if (!community || !/^\d{1,5}:\d{1,5}$/.test(community))
      throw invalidRequestContent(
        "'properties.bgpCommunities.virtualNetworkCommunity' must be a BGP community '<asn>:<value>', e.g. 12076:20000.",
        "properties.bgpCommunities.virtualNetworkCommunity",
      );
    out.bgpCommunities = { virtualNetworkCommunity: community };
  }
  return out;
}

export const virtualNetworks = makeHandler({
  type: TYPES.vnet,
  tracked: true,
  // Before NSGs / route tables (400), so a group delete drops the subnets that reference them first.
  cascadeOrder: 350,
  async putWire(ctx, id, body, existing) {
    return writeVirtualNetwork(ctx, id, vnetSpecFromWire(ctx, body), existing);
  },
  present: presentVirtualNetwork,
  async remove(ctx, rec) {
    await removeVirtualNetwork(ctx, rec);
  },
});

// ---- GET actions: checkIPAddressAvailability, usages -----------------------------------------

async function requireVnet(ctx: ArmContext, ref: ResourceRef): Promise<ResourceRecord> {
  await requireResourceGroup(ctx, ref);
  const vnetRef = { ...ref, types: ref.types.slice(0, 1), names: ref.names.slice(0, 1) };
  const rec = await ctx.tx.getResource(buildId(vnetRef));
  if (!rec) throw resourceNotFound(TYPES.vnet, vnetRef.names[0], ref.resourceGroup);
  return rec;
}

/**
 * `GET …/virtualNetworks/{v}/checkIPAddressAvailability?ipAddress=`: whether a private
 * address is free in the subnet that contains it, with up to five free neighbours when not.
 */
async function checkIPAddressAvailability(ctx: ArmContext, ref: ResourceRef): Promise<Wire> {
  const vnet = await requireVnet(ctx, ref);
  const raw = ctx.query.ipAddress;
  if (!raw) throw missingProperty("ipAddress", "the query parameter");
  let ip: ReturnType<typeof parseIp>;
  try {
    ip = parseIp(raw);
  } catch {
    throw badRequest("InvalidIPAddress", `'${raw}' is not a valid IP address.`, "ipAddress");
  }
  for (const sub of await ctx.tx.listResources({ type: TYPES.subnet, parentId: vnet.id })) {
    const cidr = subnetCidrs(sub).find((c) => containsIp(c, ip));
    if (!cidr) continue;
    const taken = new Set((await ctx.tx.listAllocations(subnetPool(sub.id))).map((r) => r.item));
    const u = usableRange(cidr, { reserveAzure: true });
    const reserved = !u || ip.value < u.first || ip.value > u.last;
    const item = formatIp(ip.value, cidr.family);
    if (!reserved && !taken.has(item)) return { available: true };
    const free: string[] = [];
    for (let a = u?.first ?? 0n; u && a <= u.last && free.length < 5; a++) {
      const s = formatIp(a, cidr.family);
      if (!taken.has(s)) free.push(s);
    }
    return { available: false, availableIPAddresses: free, isPlatformReserved: reserved };
  }
  throw badRequest(
    "PrivateIPAddressNotInAnySubnet",
    `Private IP address ${raw} does not belong to any subnet of virtual network ${vnet.id}.`,
    "ipAddress",
  );
}

/** `GET …/virtualNetworks/{v}/usages`: per subnet, addresses in use against usable addresses. */
async function usages(ctx: ArmContext, ref: ResourceRef): Promise<Wire> {
  const vnet = await requireVnet(ctx, ref);
  const value: Wire[] = [];
  for (const sub of await ctx.tx.listResources({ type: TYPES.subnet, parentId: vnet.id })) {
    const cidrs = subnetCidrs(sub);
    let limit = 0n;
    for (const c of cidrs) limit += usableAddressCount(c, true);
    const used = new Set((await ctx.tx.listAllocations(subnetPool(sub.id))).map((r) => r.item)).size;
    value.push({
      currentValue: used,
      id: sub.id,
      limit: Number(limit),
      name: { localizedValue: "Subnet size and usage", value: "Subnet size and usage" },
      unit: "Count",
    });
  }
  return { value };
}

virtualNetworks.readActions = {
  checkipaddressavailability: checkIPAddressAvailability,
  usages,
};
