// Microsoft.Network/publicIPAddresses. Only Standard + Static is created: Azure retired
// Basic SKU public IPs (new ones can no longer be created), and Standard requires Static,
// so sku Basic and Dynamic allocation are refused with Azure-shaped errors; an omitted sku
// means Standard and an omitted method Static. An address comes from
// `properties.publicIPPrefix` (lowest free of the prefix) or from the emulated pool
// (highest free address, so stand-alone IPs never fragment the low end where prefixes
// are carved). The holder (NIC ip configuration or LB frontend) is a single allocation row
// in `pipattach:<lower id>`; `ipConfiguration` is derived from it and a held IP cannot be
// deleted.
import { formatCidr, lastAddress, parseIp } from "../../net/index.js";
import type { ResourceRecord } from "../../store/types.js";
import { field, normalizeLocation, propertiesOf, readTags } from "../common.js";
import type { ArmContext } from "../context.js";
import type { Wire } from "../registry.js";
import {
  basicSkuRetired,
  invalidIdleTimeout,
  invalidResourceReference,
  propertyChangeNotAllowed,
  publicIpCannotBeDeleted,
  publicIpInUse,
  publicIpPoolExhausted,
  standardMustBeStatic,
} from "./errors.js";
import { allocateFromPrefix, type IpVersion, poolCidr } from "./publicIPPrefixes.js";
import {
  ATTACH_ITEM,
  attachPool,
  checkSameLocation,
  checkSameRegion,
  checkZones,
  fmt,
  idOfType,
  makeHandler,
  propsOf,
  publicPool,
  readIpTags,
  refIdOf,
  requireReferenced,
  saveRecord,
  TYPES,
  takeAll,
  trackedBody,
} from "./shared.js";

export interface PublicIPSpec {
  location: string;
  publicIPPrefixId?: string;
  version?: IpVersion;
  ipTags?: { ipTagType: string; tag: string }[];
  tags?: Record<string, string>;
  idleTimeoutInMinutes?: number;
  dnsSettings?: Wire;
  zones?: string[];
  ddosSettings?: Wire;
}

export async function writePublicIPAddress(
  ctx: ArmContext,
  id: string,
  spec: PublicIPSpec,
  existing?: ResourceRecord,
): Promise<ResourceRecord> {
  idOfType(id, TYPES.pip, "id");
  checkSameLocation(existing, spec.location);
  const pipId = existing?.id ?? id;
  const idle = spec.idleTimeoutInMinutes;
  if (idle !== undefined && (idle < 4 || idle > 30)) throw invalidIdleTimeout(pipId, idle);
  let ipAddress: string;
  let version: IpVersion;
  let prefixRef: string | undefined;
  if (existing) {
    const old = propsOf(existing);
    const oldPrefix = refIdOf(old.publicIPPrefix);
    if ((oldPrefix ?? "").toLowerCase() !== (spec.publicIPPrefixId ?? "").toLowerCase())
      throw propertyChangeNotAllowed(
        "properties.publicIPPrefix",
        pipId,
        oldPrefix ?? "",
        spec.publicIPPrefixId ?? "",
      );
    ipAddress = String(old.ipAddress);
    version = old.publicIPAddressVersion as IpVersion;
    if (spec.version && spec.version !== version)
      throw propertyChangeNotAllowed("properties.publicIPAddressVersion", pipId, version, spec.version);
    prefixRef = oldPrefix;
  } else if (spec.publicIPPrefixId) {
    const prefix = await requireReferenced(
      ctx,
      spec.publicIPPrefixId,
      TYPES.prefix,
      pipId,
      "properties.publicIPPrefix.id",
    );
    checkSameRegion(prefix, spec.location, pipId, "properties.publicIPPrefix.id");
    version = propsOf(prefix).publicIPAddressVersion as IpVersion;
    if (spec.version && spec.version !== version)
      throw invalidResourceReference(prefix.id, pipId, "properties.publicIPAddressVersion");
    ipAddress = await allocateFromPrefix(ctx, prefix, pipId);
    prefixRef = prefix.id;
  } else {
    version = spec.version ?? "IPv4";
    ipAddress = await allocateFromPool(ctx, version, pipId);
  }
  const props: Wire = {
    publicIPAddressVersion: version,
    publicIPAllocationMethod: "Static",
    idleTimeoutInMinutes: spec.idleTimeoutInMinutes ?? 4,
    ipTags: spec.ipTags ?? [],
    ipAddress,
  };
  if (prefixRef) props.publicIPPrefix = { id: prefixRef };
  if (spec.dnsSettings) props.dnsSettings = spec.dnsSettings;
  // Azure's default: DDoS protection as the VNet of whatever uses the address has it.
  props.ddosSettings = spec.ddosSettings ?? { protectionMode: "VirtualNetworkInherited" };
  const extra: Wire = { sku: { name: "Standard", tier: "Regional" } };
  if (spec.zones) extra.zones = spec.zones;
  return saveRecord(
    ctx,
    {
      id: pipId,
      type: TYPES.pip,
      body: trackedBody(pipId, TYPES.pip, spec.location, spec.tags ?? {}, props, extra),
    },
    existing,
  );
}

/** Highest free address of the emulated pool (below the last), taken for `owner`. */
async function allocateFromPool(ctx: ArmContext, version: IpVersion, owner: string): Promise<string> {
  const pool = poolCidr(ctx, version);
  const taken = new Set(
    (await ctx.tx.listAllocations(publicPool(version))).map((r) => parseIp(r.item).value),
  );
  for (let a = lastAddress(pool) - 1n; a > pool.network; a--) {
    if (taken.has(a)) continue;
    const item = fmt(a, pool);
    await takeAll(ctx, publicPool(version), [item], owner);
    return item;
  }
  throw publicIpPoolExhausted(formatCidr(pool), "a public IP address");
}

/** Who holds the IP (NIC ip configuration / LB frontend), if anyone. */
export async function holderOf(ctx: ArmContext, pipId: string): Promise<string | undefined> {
  return (await ctx.tx.listAllocations(attachPool(pipId)))[0]?.owner;
}

export async function presentPublicIPAddress(ctx: ArmContext, rec: ResourceRecord): Promise<Wire> {
  const body = structuredClone(rec.body);
  const holder = await holderOf(ctx, rec.id);
  // A NAT gateway shows as `natGateway`; NIC ip configurations and LB frontends as `ipConfiguration`.
  if (holder && /\/providers\/Microsoft\.Network\/natGateways\/[^/]+$/i.test(holder))
    (body.properties as Wire).natGateway = { id: holder };
  else if (holder) (body.properties as Wire).ipConfiguration = { id: holder };
  return body;
}

export async function removePublicIPAddress(ctx: ArmContext, rec: ResourceRecord): Promise<void> {
  const holder = await holderOf(ctx, rec.id);
  if (holder) throw publicIpCannotBeDeleted(rec.id, holder);
  await ctx.tx.releaseOwner(rec.id);
  await ctx.tx.deleteResource(rec.id);
}

/** Associates a public IP with `holderId`; one holder per IP, enforced by the store. */
export async function attachPublicIP(
  ctx: ArmContext,
  pipId: string,
  holderId: string,
  location: string,
  target: string,
): Promise<string> {
  const pip = await requireReferenced(ctx, pipId, TYPES.pip, holderId, target);
  checkSameRegion(pip, location, holderId, target);
  const holder = await holderOf(ctx, pip.id);
  if (holder && holder.toLowerCase() !== holderId.toLowerCase()) throw publicIpInUse(pip.id, holder, target);
  if (!holder && !(await ctx.tx.allocate(attachPool(pip.id), ATTACH_ITEM, holderId)))
    throw publicIpInUse(pip.id, (await holderOf(ctx, pip.id)) ?? "another resource", target);
  return pip.id;
}

/** Drops every public IP association `holderId` has. */
export async function detachPublicIPs(ctx: ArmContext, holderId: string): Promise<void> {
  for (const row of await ctx.tx.listAllocationsByOwner(holderId))
    if (row.pool.startsWith("pipattach:")) await ctx.tx.release(row.pool, row.item);
}

function specFromWire(ctx: ArmContext, body: Record<string, unknown>): PublicIPSpec {
  const props = propertiesOf(body);
  const sku = field.object(body, "sku", "sku");
  const skuName = sku
    ? field.enumOf(sku, "name", "sku.name", ["Basic", "Standard", "StandardV2"] as const)
    : undefined;
  if (skuName === "Basic") throw basicSkuRetired();
  const method = field.enumOf(props, "publicIPAllocationMethod", "properties.publicIPAllocationMethod", [
    "Static",
    "Dynamic",
  ] as const);
  if (method === "Dynamic") throw standardMustBeStatic();
  const idle = field.int(props, "idleTimeoutInMinutes", "properties.idleTimeoutInMinutes");
  const zones = field.array(body, "zones", "zones");
  const location = normalizeLocation(ctx, body.location) as string;
  const dns = field.object(props, "dnsSettings", "properties.dnsSettings");
  let dnsSettings: Wire | undefined;
  if (dns) {
    const label = field.string(dns, "domainNameLabel", "properties.dnsSettings.domainNameLabel");
    const scope = field.enumOf(dns, "domainNameLabelScope", "properties.dnsSettings.domainNameLabelScope", [
      "TenantReuse",
      "SubscriptionReuse",
      "ResourceGroupReuse",
      "NoReuse",
    ] as const);
    dnsSettings = label
      ? {
          domainNameLabel: label,
          ...(scope ? { domainNameLabelScope: scope } : {}),
          fqdn: `${label}.${location}.cloudapp.azure.com`,
        }
      : undefined;
  }
  const ddos = field.object(props, "ddosSettings", "properties.ddosSettings");
  const ddosSettings = ddos
    ? {
        protectionMode:
          field.enumOf(ddos, "protectionMode", "properties.ddosSettings.protectionMode", [
            "VirtualNetworkInherited",
            "Enabled",
            "Disabled",
          ] as const) ?? "VirtualNetworkInherited",
        ...(field.ref(ddos, "ddosProtectionPlan", "properties.ddosSettings.ddosProtectionPlan")
          ? {
              ddosProtectionPlan: {
                id: field.ref(ddos, "ddosProtectionPlan", "properties.ddosSettings.ddosProtectionPlan"),
              },
            }
          : {}),
      }
    : undefined;
  return {
    location,
    publicIPPrefixId: field.ref(props, "publicIPPrefix", "properties.publicIPPrefix"),
    version: field.enumOf(props, "publicIPAddressVersion", "properties.publicIPAddressVersion", [
      "IPv4",
      "IPv6",
    ] as const),
    ipTags: readIpTags(props, "properties.ipTags"),
    tags: readTags(body),
    ...(idle !== undefined ? { idleTimeoutInMinutes: idle } : {}),
    ...(dnsSettings ? { dnsSettings } : {}),
    ...(zones ? { zones: zones.map(String) } : {}),
    ...(ddosSettings ? { ddosSettings } : {}),
  };
}

export const publicIPAddresses = makeHandler({
  type: TYPES.pip,
  tracked: true,
  cascadeOrder: 200,
  async putWire(ctx, id, body, existing) {
    const spec = specFromWire(ctx, body);
    checkZones(id, spec.zones, spec.location);
    return writePublicIPAddress(ctx, id, spec, existing);
  },
  present: presentPublicIPAddress,
  async remove(ctx, rec) {
    await removePublicIPAddress(ctx, rec);
  },
});
