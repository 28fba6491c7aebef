// Microsoft.Network/natGateways: outbound SNAT for the subnets that name it. Its public IPs
// are held like any holder's (`pipattach:` rows, owner = the NAT gateway), so an IP serves
// one NAT gateway or one NIC / LB frontend, never two; a prefix is held in `prefixattach:`.
// At most 16 addresses in all, IPv4 only in `publicIpAddresses`/`publicIpPrefixes`, same
// region, idle timeout 4–120 minutes. `subnets` is derived from the subnets whose
// `natGateway` names it; it cannot be deleted while any does.
import type { ResourceRecord } from "../../store/types.js";
import { field, normalizeLocation, propertiesOf, readTags } from "../common.js";
import type { ArmContext } from "../context.js";
import { parseResourceId } from "../ids.js";
import type { Wire } from "../registry.js";
import {
  cannotDeleteNatGatewayAssociatedToSubnet,
  natGatewayInvalidIdleTimeout,
  natGatewayMultipleZones,
  natGatewayTooManyAddresses,
  natGatewayWrongIpVersion,
  publicIpPrefixInUseByNatGateway,
} from "./errors.js";
import { attachPublicIP, detachPublicIPs } from "./publicIPAddresses.js";
import {
  ATTACH_ITEM,
  checkSameLocation,
  checkSameRegion,
  checkZones,
  idOfType,
  makeHandler,
  prefixAttachPool,
  propsOf,
  readRefList,
  refIdOf,
  requireReferenced,
  saveRecord,
  TYPES,
  trackedBody,
} from "./shared.js";

export const NAT_IDLE_MIN = 4;
export const NAT_IDLE_MAX = 120;
export const NAT_MAX_ADDRESSES = 16;

export interface NatGatewaySpec {
  location: string;
  tags?: Record<string, string>;
  sku?: "Standard" | "StandardV2";
  idleTimeoutInMinutes?: number;
  publicIpAddressIds: string[];
  publicIpPrefixIds: string[];
  zones?: string[];
}

/** Who holds the prefix for SNAT, if anyone. */
export async function prefixHolderOf(ctx: ArmContext, prefixId: string): Promise<string | undefined> {
  return (await ctx.tx.listAllocations(prefixAttachPool(prefixId)))[0]?.owner;
}

async function detachPrefixes(ctx: ArmContext, natId: string): Promise<void> {
  for (const row of await ctx.tx.listAllocationsByOwner(natId))
    if (row.pool.startsWith("prefixattach:")) await ctx.tx.release(row.pool, row.item);
}

export async function writeNatGateway(
  ctx: ArmContext,
  id: string,
  spec: NatGatewaySpec,
  existing?: ResourceRecord,
): Promise<ResourceRecord> {
  idOfType(id, TYPES.natGateway, "id");
  checkSameLocation(existing, spec.location);
  const natId = existing?.id ?? id;
  const idle = spec.idleTimeoutInMinutes ?? NAT_IDLE_MIN;
  if (idle < NAT_IDLE_MIN || idle > NAT_IDLE_MAX) throw natGatewayInvalidIdleTimeout(natId, idle);
  if (spec.zones && spec.zones.length > 1) throw natGatewayMultipleZones(natId, spec.zones);

  // Re-attach from scratch: what the body no longer lists is let go, in this transaction.
  await detachPublicIPs(ctx, natId);
  await detachPrefixes(ctx, natId);
  let addresses = 0;
  const pips: string[] = [];
  for (const [i, pipId] of spec.publicIpAddressIds.entries()) {
    const target = `properties.publicIpAddresses[${i}].id`;
    const pip = await requireReferenced(ctx, pipId, TYPES.pip, natId, target);
    if (propsOf(pip).publicIPAddressVersion === "IPv6")
      throw natGatewayWrongIpVersion(natId, pip.id, "properties.publicIpAddresses");
    pips.push(await attachPublicIP(ctx, pip.id, natId, spec.location, target));
    addresses += 1;
  }
  const prefixes: string[] = [];
  for (const [i, prefixId] of spec.publicIpPrefixIds.entries()) {
    const target = `properties.publicIpPrefixes[${i}].id`;
    const prefix = await requireReferenced(ctx, prefixId, TYPES.prefix, natId, target);
    checkSameRegion(prefix, spec.location, natId, target);
    const p = propsOf(prefix);
    if (p.publicIPAddressVersion === "IPv6")
      throw natGatewayWrongIpVersion(natId, prefix.id, "properties.publicIpPrefixes");
    const holder = await prefixHolderOf(ctx, prefix.id);
    if (holder && holder.toLowerCase() !== natId.toLowerCase())
      throw publicIpPrefixInUseByNatGateway(prefix.id, holder, target);
    if (!holder) await ctx.tx.allocate(prefixAttachPool(prefix.id), ATTACH_ITEM, natId);
    prefixes.push(prefix.id);
    addresses += 2 ** (32 - Number(p.prefixLength ?? 32));
  }
  if (addresses > NAT_MAX_ADDRESSES) throw natGatewayTooManyAddresses(natId, addresses);

  const props: Wire = { idleTimeoutInMinutes: idle };
  if (pips.length) props.publicIpAddresses = pips.map((x) => ({ id: x }));
  if (prefixes.length) props.publicIpPrefixes = prefixes.map((x) => ({ id: x }));
  const extra: Wire = { sku: { name: spec.sku ?? "Standard" } };
  if (spec.zones?.length) extra.zones = spec.zones;
  return saveRecord(
    ctx,
    {
      id: natId,
      type: TYPES.natGateway,
      body: trackedBody(natId, TYPES.natGateway, spec.location, spec.tags ?? {}, props, extra),
    },
    existing,
  );
}

/** Subnets (of the NAT gateway's subscription) whose `natGateway` names it. */
export async function natGatewaySubnets(ctx: ArmContext, rec: ResourceRecord): Promise<string[]> {
  return (await ctx.tx.listResources({ type: TYPES.subnet, subscriptionId: rec.subscriptionId }))
    .filter((s) => (refIdOf(propsOf(s).natGateway) ?? "").toLowerCase() === rec.id.toLowerCase())
    .map((s) => s.id);
}

export async function presentNatGateway(ctx: ArmContext, rec: ResourceRecord): Promise<Wire> {
  const body = structuredClone(rec.body);
  const subnets = await natGatewaySubnets(ctx, rec);
  if (subnets.length) (body.properties as Wire).subnets = subnets.map((id) => ({ id }));
  return body;
}

/**
 * Refused while a subnet uses it. In a resource-group cascade only subnets outside the group
 * count: the group's own VNets go later in the same cascade.
 */
export async function removeNatGateway(
  ctx: ArmContext,
  rec: ResourceRecord,
  cascade: boolean,
): Promise<void> {
  const rg = (parseResourceId(rec.id).resourceGroup ?? "").toLowerCase();
  const users = (await natGatewaySubnets(ctx, rec)).filter(
    (s) => !cascade || (parseResourceId(s).resourceGroup ?? "").toLowerCase() !== rg,
  );
  if (users.length) throw cannotDeleteNatGatewayAssociatedToSubnet(rec.id, users);
  await detachPublicIPs(ctx, rec.id);
  await detachPrefixes(ctx, rec.id);
  await ctx.tx.deleteResource(rec.id);
}

/** A resource listed twice counts once. */
const unique = (ids: string[]) =>
  ids.filter((id, i) => ids.findIndex((x) => x.toLowerCase() === id.toLowerCase()) === i);

export function natGatewaySpecFromWire(ctx: ArmContext, body: Record<string, unknown>): NatGatewaySpec {
  const props = propertiesOf(body);
  const sku = field.object(body, "sku", "sku");
  const skuName = sku
    ? field.enumOf(sku, "name", "sku.name", ["Standard", "StandardV2"] as const)
    : undefined;
  const zones = field.array(body, "zones", "zones");
  const idle = field.int(props, "idleTimeoutInMinutes", "properties.idleTimeoutInMinutes");
  return {
    location: normalizeLocation(ctx, body.location) as string,
    tags: readTags(body),
    ...(skuName ? { sku: skuName } : {}),
    ...(idle !== undefined ? { idleTimeoutInMinutes: idle } : {}),
    publicIpAddressIds: unique(readRefList(props, "publicIpAddresses", "properties.publicIpAddresses")),
    publicIpPrefixIds: unique(readRefList(props, "publicIpPrefixes", "properties.publicIpPrefixes")),
    ...(zones ? { zones: zones.map(String) } : {}),
  };
}

export const natGateways = makeHandler({
  type: TYPES.natGateway,
  tracked: true,
  // Before public IPs (200) and prefixes (300), which it holds.
  cascadeOrder: 150,
  async putWire(ctx, id, body, existing) {
    const spec = natGatewaySpecFromWire(ctx, body);
    checkZones(id, spec.zones, spec.location);
    return writeNatGateway(ctx, id, spec, existing);
  },
  present: presentNatGateway,
  async remove(ctx, rec, cascade) {
    await removeNatGateway(ctx, rec, cascade);
  },
});
