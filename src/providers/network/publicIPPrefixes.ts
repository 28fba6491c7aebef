// Microsoft.Network/publicIPPrefixes. A prefix is an aligned block of the emulated public
// pool (settings.publicIPv4Pool / publicIPv6Pool), the lowest free one, so the same script
// always gets the same block. Every address of the block is an allocation row in pool
// `public:<family>` owned by the prefix: the store's unique (pool,item) key makes it
// impossible for two prefixes (or a prefix and a stand-alone IP) to share an address.
// Public IPs taken from the prefix are rows in `prefix:<lower id>`; `publicIPAddresses`
// is derived from them.
import {
  type Cidr,
  cidrSize,
  formatCidr,
  hostCidr,
  lowestFreeAlignedBlock,
  parseCidr,
  parseIp,
} from "../../net/index.js";
import type { ResourceRecord } from "../../store/types.js";
import { field, normalizeLocation, propertiesOf, readTags } from "../common.js";
import type { ArmContext } from "../context.js";
import type { Wire } from "../registry.js";
import {
  inUsePublicIpPrefixCannotBeDeleted,
  invalidPublicIpPrefixLength,
  missingProperty,
  networkNotFound,
  propertyChangeNotAllowed,
  publicIpPoolExhausted,
  publicIpPrefixFull,
} from "./errors.js";
import {
  checkSameLocation,
  checkZones,
  fmt,
  idOfType,
  lowestFreeAddresses,
  makeHandler,
  poolOwners,
  prefixAttachPool,
  prefixPool,
  propsOf,
  publicPool,
  readIpTags,
  saveRecord,
  TYPES,
  takeAll,
  trackedBody,
} from "./shared.js";

export type IpVersion = "IPv4" | "IPv6";

export interface PublicIPPrefixSpec {
  location: string;
  prefixLength: number;
  version?: IpVersion;
  ipTags?: { ipTagType: string; tag: string }[];
  tags?: Record<string, string>;
  sku?: { name: string; tier: string };
  zones?: string[];
}

const LENGTHS: Record<IpVersion, [number, number]> = { IPv4: [28, 31], IPv6: [124, 127] };

export function poolCidr(ctx: ArmContext, family: IpVersion): Cidr {
  return parseCidr(family === "IPv4" ? ctx.settings.publicIPv4Pool : ctx.settings.publicIPv6Pool);
}

export function prefixCidr(rec: ResourceRecord): Cidr {
  return parseCidr(String(propsOf(rec).ipPrefix));
}

export async function writePublicIPPrefix(
  ctx: ArmContext,
  id: string,
  spec: PublicIPPrefixSpec,
  existing?: ResourceRecord,
): Promise<ResourceRecord> {
  idOfType(id, TYPES.prefix, "id");
  checkSameLocation(existing, spec.location);
  const version: IpVersion =
    spec.version ?? (existing ? (propsOf(existing).publicIPAddressVersion as IpVersion) : "IPv4");
  const [min, max] = LENGTHS[version];
  if (!Number.isInteger(spec.prefixLength) || spec.prefixLength < min || spec.prefixLength > max)
    throw invalidPublicIpPrefixLength(spec.prefixLength, version);
  const prefixId = existing?.id ?? id;
  let ipPrefix: string;
  if (existing) {
    const old = propsOf(existing);
    if (old.prefixLength !== spec.prefixLength)
      throw propertyChangeNotAllowed(
        "properties.prefixLength",
        prefixId,
        String(old.prefixLength),
        String(spec.prefixLength),
      );
    if (old.publicIPAddressVersion !== version)
      throw propertyChangeNotAllowed(
        "properties.publicIPAddressVersion",
        prefixId,
        String(old.publicIPAddressVersion),
        version,
      );
    ipPrefix = String(old.ipPrefix);
  } else {
    const pool = poolCidr(ctx, version);
    const rows = await ctx.tx.listAllocations(publicPool(version));
    const taken = rows.map((r) => hostCidr(parseIp(r.item)));
    const block = lowestFreeAlignedBlock(pool, spec.prefixLength, taken);
    if (!block) throw publicIpPoolExhausted(formatCidr(pool), `a /${spec.prefixLength} prefix`);
    const items: string[] = [];
    for (let a = block.network, n = cidrSize(block); n > 0n; a++, n--) items.push(fmt(a, block));
    await takeAll(ctx, publicPool(version), items, prefixId);
    ipPrefix = formatCidr(block);
  }
  const props: Wire = {
    prefixLength: spec.prefixLength,
    publicIPAddressVersion: version,
    ipTags: spec.ipTags ?? [],
    ipPrefix,
  };
  const extra: Wire = { sku: spec.sku ?? { name: "Standard", tier: "Regional" } };
  if (spec.zones) extra.zones = spec.zones;
  return saveRecord(
    ctx,
    {
      id: prefixId,
      type: TYPES.prefix,
      body: trackedBody(prefixId, TYPES.prefix, spec.location, spec.tags ?? {}, props, extra),
    },
    existing,
  );
}

export async function presentPublicIPPrefix(ctx: ArmContext, rec: ResourceRecord): Promise<Wire> {
  const body = structuredClone(rec.body);
  const owners = await poolOwners(ctx, prefixPool(rec.id));
  if (owners.length) (body.properties as Wire).publicIPAddresses = owners.map((id) => ({ id }));
  const nat = (await ctx.tx.listAllocations(prefixAttachPool(rec.id)))[0]?.owner;
  if (nat) (body.properties as Wire).natGateway = { id: nat };
  return body;
}

export async function removePublicIPPrefix(ctx: ArmContext, rec: ResourceRecord): Promise<void> {
  const owners = [
    ...(await poolOwners(ctx, prefixPool(rec.id))),
    ...(await ctx.tx.listAllocations(prefixAttachPool(rec.id))).map((r) => r.owner),
  ];
  if (owners.length) throw inUsePublicIpPrefixCannotBeDeleted(rec.id, owners);
  await ctx.tx.releaseOwner(rec.id);
  await ctx.tx.deleteResource(rec.id);
}

async function requirePrefix(ctx: ArmContext, prefixId: string): Promise<ResourceRecord> {
  idOfType(prefixId, TYPES.prefix, "publicIPPrefixId");
  const rec = await ctx.tx.getResource(prefixId);
  if (!rec) throw networkNotFound(TYPES.prefix, prefixId);
  return rec;
}

export async function prefixFreeCount(ctx: ArmContext, prefixId: string): Promise<number> {
  const rec = await requirePrefix(ctx, prefixId);
  const used = (await ctx.tx.listAllocations(prefixPool(rec.id))).length;
  return Number(cidrSize(prefixCidr(rec))) - used;
}

/** Lowest free address of the prefix for `owner` (a public IP id); full → error naming the prefix. */
export async function allocateFromPrefix(
  ctx: ArmContext,
  prefix: ResourceRecord,
  owner: string,
): Promise<string> {
  const cidr = prefixCidr(prefix);
  const rows = await ctx.tx.listAllocations(prefixPool(prefix.id));
  const taken = new Set(rows.map((r) => parseIp(r.item).value));
  const picked = lowestFreeAddresses([cidr], taken, 1, false);
  if (!picked) throw publicIpPrefixFull(prefix.id, owner);
  const item = fmt(picked[0], cidr);
  await takeAll(ctx, prefixPool(prefix.id), [item], owner);
  return item;
}

function specFromWire(ctx: ArmContext, body: Record<string, unknown>): PublicIPPrefixSpec {
  const props = propertiesOf(body);
  const prefixLength = field.int(props, "prefixLength", "properties.prefixLength");
  if (prefixLength === undefined) throw missingProperty("properties.prefixLength", "the prefix length");
  const sku = field.object(body, "sku", "sku");
  const skuName = sku
    ? field.enumOf(sku, "name", "sku.name", ["Standard", "StandardV2"] as const)
    : undefined;
  const tier = sku ? field.enumOf(sku, "tier", "sku.tier", ["Regional", "Global"] as const) : undefined;
  const zones = field.array(body, "zones", "zones");
  return {
    location: normalizeLocation(ctx, body.location) as string,
    prefixLength,
    version: field.enumOf(props, "publicIPAddressVersion", "properties.publicIPAddressVersion", [
      "IPv4",
      "IPv6",
    ] as const),
    ipTags: readIpTags(props, "properties.ipTags"),
    tags: readTags(body),
    sku: { name: skuName ?? "Standard", tier: tier ?? "Regional" },
    ...(zones ? { zones: zones.map(String) } : {}),
  };
}

export const publicIPPrefixes = makeHandler({
  type: TYPES.prefix,
  tracked: true,
  cascadeOrder: 300,
  async putWire(ctx, id, body, existing) {
    const spec = specFromWire(ctx, body);
    checkZones(id, spec.zones, spec.location);
    return writePublicIPPrefix(ctx, id, spec, existing);
  },
  present: presentPublicIPPrefix,
  async remove(ctx, rec) {
    await removePublicIPPrefix(ctx, rec);
  },
});
