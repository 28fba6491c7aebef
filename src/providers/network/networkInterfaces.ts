// Microsoft.Network/networkInterfaces. Each ip configuration holds one address of its
// subnet (allocation owner = the ip configuration id: a requested static address inside
// the subnet and free, else the one it already holds, else the lowest free), may hold a
// public IP (one holder per IP, enforced by the store) and join application security
// groups. A re-PUT keeps addresses; removed ip configurations release theirs.
import type { ResourceRecord } from "../../store/types.js";
import { asObject, field, normalizeLocation, propertiesOf, readTags } from "../common.js";
import type { ArmContext } from "../context.js";
import { badRequest, invalidRequestContent } from "../errors.js";
import type { Wire } from "../registry.js";
import { invalidResourceReference, ipConfigurationCountLimitReached, missingProperty } from "./errors.js";
import { NETWORK_LIMITS } from "./limits.js";
import { attachPublicIP, detachPublicIPs } from "./publicIPAddresses.js";
import {
  checkSameLocation,
  checkSameRegion,
  idOfType,
  makeHandler,
  propsOf,
  readNamedEntries,
  readRefList,
  requireReferenced,
  saveRecord,
  TYPES,
  trackedBody,
} from "./shared.js";
import { ensureOwnerAddress, ensureOwnerBlock } from "./subnets.js";

export interface NicIpConfigSpec {
  name: string;
  subnetId: string;
  privateIPAddress?: string;
  publicIPAddressId?: string;
  applicationSecurityGroupIds?: string[];
  primary?: boolean;
  /** IPv4 (default) or IPv6: which of the subnet's prefixes the address comes from. */
  privateIPAddressVersion?: "IPv4" | "IPv6";
  /** Dynamic allocation of an aligned block of this size instead of one address (IPv4). */
  privateIPAddressPrefixLength?: number;
  /** Load balancer backend pools the ip configuration joins. */
  loadBalancerBackendAddressPoolIds?: string[];
}

export interface NicSpec {
  location: string;
  ipConfigurations: NicIpConfigSpec[];
  networkSecurityGroupId?: string;
  tags?: Record<string, string>;
  enableIPForwarding?: boolean;
  enableAcceleratedNetworking?: boolean;
  disableTcpStateTracking?: boolean;
}

const IPCONFIG_TYPE = "Microsoft.Network/networkInterfaces/ipConfigurations";

function storedConfigIds(rec: ResourceRecord | undefined): string[] {
  if (!rec) return [];
  return ((propsOf(rec).ipConfigurations as { id: string }[] | undefined) ?? []).map((c) => c.id);
}

export async function writeNetworkInterface(
  ctx: ArmContext,
  id: string,
  spec: NicSpec,
  existing?: ResourceRecord,
): Promise<ResourceRecord> {
  idOfType(id, TYPES.nic, "id");
  checkSameLocation(existing, spec.location);
  const nicId = existing?.id ?? id;
  if (spec.ipConfigurations.length === 0)
    throw missingProperty("properties.ipConfigurations", "at least one ip configuration in");
  if (spec.ipConfigurations.length > NETWORK_LIMITS.ipConfigurationsPerNic)
    throw ipConfigurationCountLimitReached(
      nicId,
      spec.ipConfigurations.length,
      NETWORK_LIMITS.ipConfigurationsPerNic,
    );
  const primaries = spec.ipConfigurations.filter((c) => c.primary === true).length;
  if (primaries > 1)
    throw badRequest(
      "NetworkInterfaceMustHaveOnePrimaryIpConfiguration",
      `Network interface ${nicId} must have exactly one primary ip configuration; ${primaries} are marked primary.`,
      "properties.ipConfigurations",
    );
  const props: Wire = {};
  if (spec.networkSecurityGroupId) {
    const nsg = await requireReferenced(
      ctx,
      spec.networkSecurityGroupId,
      TYPES.nsg,
      nicId,
      "properties.networkSecurityGroup.id",
    );
    checkSameRegion(nsg, spec.location, nicId, "properties.networkSecurityGroup.id");
    props.networkSecurityGroup = { id: nsg.id };
  }
  const newIds = new Set(
    spec.ipConfigurations.map((c) => `${nicId}/ipConfigurations/${c.name}`.toLowerCase()),
  );
  for (const old of storedConfigIds(existing))
    if (!newIds.has(old.toLowerCase())) await ctx.tx.releaseOwner(old);

  const configs: Wire[] = [];
  for (const [i, c] of spec.ipConfigurations.entries()) {
    const path = `properties.ipConfigurations[${i}].properties`;
    const cfgId =
      storedConfigIds(existing).find(
        (o) => o.toLowerCase() === `${nicId}/ipConfigurations/${c.name}`.toLowerCase(),
      ) ?? `${nicId}/ipConfigurations/${c.name}`;
    const subnet = await requireReferenced(ctx, c.subnetId, TYPES.subnet, cfgId, `${path}.subnet.id`);
    const address =
      c.privateIPAddressPrefixLength !== undefined
        ? await ensureOwnerBlock(
            ctx,
            subnet.id,
            cfgId,
            c.privateIPAddressPrefixLength,
            `${path}.privateIPAddressPrefixLength`,
          )
        : await ensureOwnerAddress(
            ctx,
            subnet.id,
            cfgId,
            c.privateIPAddress,
            `${path}.privateIPAddress`,
            c.privateIPAddressVersion,
          );
    const cp: Wire = {
      provisioningState: "Succeeded",
      privateIPAddress: address,
      privateIPAllocationMethod: c.privateIPAddress ? "Static" : "Dynamic",
      subnet: { id: subnet.id },
      primary: primaries === 0 ? i === 0 : c.primary === true,
      privateIPAddressVersion: address.includes(":") ? "IPv6" : "IPv4",
      ...(c.privateIPAddressPrefixLength !== undefined
        ? { privateIPAddressPrefixLength: c.privateIPAddressPrefixLength }
        : {}),
    };
    await detachPublicIPs(ctx, cfgId);
    if (c.publicIPAddressId)
      cp.publicIPAddress = {
        id: await attachPublicIP(
          ctx,
          c.publicIPAddressId,
          cfgId,
          spec.location,
          `${path}.publicIPAddress.id`,
        ),
      };
    if (c.applicationSecurityGroupIds?.length) {
      const asgs: Wire[] = [];
      for (const [j, a] of c.applicationSecurityGroupIds.entries()) {
        const asg = await requireReferenced(
          ctx,
          a,
          TYPES.asg,
          cfgId,
          `${path}.applicationSecurityGroups[${j}].id`,
        );
        checkSameRegion(asg, spec.location, cfgId, `${path}.applicationSecurityGroups[${j}].id`);
        asgs.push({ id: asg.id });
      }
      cp.applicationSecurityGroups = asgs;
    }
    if (c.loadBalancerBackendAddressPoolIds?.length) {
      const pools: Wire[] = [];
      for (const [j, poolId] of c.loadBalancerBackendAddressPoolIds.entries())
        pools.push({
          id: await requireBackendPool(
            ctx,
            poolId,
            cfgId,
            `${path}.loadBalancerBackendAddressPools[${j}].id`,
          ),
        });
      cp.loadBalancerBackendAddressPools = pools;
    }
    configs.push({ name: c.name, id: cfgId, type: IPCONFIG_TYPE, properties: cp });
  }
  props.ipConfigurations = configs;
  props.enableIPForwarding = spec.enableIPForwarding ?? false;
  props.enableAcceleratedNetworking = spec.enableAcceleratedNetworking ?? false;
  props.disableTcpStateTracking = spec.disableTcpStateTracking ?? false;
  props.vnetEncryptionSupported = false;
  props.nicType = "Standard";
  props.dnsSettings = { dnsServers: [], appliedDnsServers: [] };
  return saveRecord(
    ctx,
    {
      id: nicId,
      type: TYPES.nic,
      body: trackedBody(nicId, TYPES.nic, spec.location, spec.tags ?? {}, props),
    },
    existing,
  );
}

/** A backend pool reference must name a pool of an existing load balancer; returns its stored id. */
async function requireBackendPool(
  ctx: ArmContext,
  poolId: string,
  by: string,
  target: string,
): Promise<string> {
  const m = /^(.*\/providers\/Microsoft\.Network\/loadBalancers\/[^/]+)\/backendAddressPools\/([^/]+)$/i.exec(
    poolId,
  );
  const lb = m ? await requireReferenced(ctx, m[1], TYPES.lb, by, target) : undefined;
  const pool = ((propsOf(lb ?? { body: {} }).backendAddressPools as Wire[] | undefined) ?? []).find(
    (b) => String(b.name).toLowerCase() === m?.[2].toLowerCase(),
  );
  if (!lb || !pool) throw invalidResourceReference(poolId, by, target);
  return String(pool.id);
}

export async function presentNetworkInterface(_ctx: ArmContext, rec: ResourceRecord): Promise<Wire> {
  const body = structuredClone(rec.body);
  for (const c of ((body.properties as Wire).ipConfigurations as Wire[]) ?? []) c.etag = rec.etag;
  return body;
}

export async function removeNetworkInterface(ctx: ArmContext, rec: ResourceRecord): Promise<void> {
  for (const id of storedConfigIds(rec)) await ctx.tx.releaseOwner(id);
  await ctx.tx.deleteResource(rec.id);
}

export function nicSpecFromWire(ctx: ArmContext, body: Record<string, unknown>): NicSpec {
  const props = propertiesOf(body);
  const entries = readNamedEntries(props, "ipConfigurations", "properties.ipConfigurations") ?? [];
  return {
    location: normalizeLocation(ctx, body.location) as string,
    tags: readTags(body),
    networkSecurityGroupId: field.ref(props, "networkSecurityGroup", "properties.networkSecurityGroup"),
    enableIPForwarding: field.bool(props, "enableIPForwarding", "properties.enableIPForwarding"),
    enableAcceleratedNetworking: field.bool(
      props,
      "enableAcceleratedNetworking",
      "properties.enableAcceleratedNetworking",
    ),
    disableTcpStateTracking: field.bool(
      props,
      "disableTcpStateTracking",
      "properties.disableTcpStateTracking",
    ),
    ipConfigurations: entries.map((e, i) => {
      // A secondary ip configuration may leave the subnet out: it shares the first one's subnet.
      const subnetId =
        field.ref(e.props, "subnet", `${e.path}.subnet`) ??
        (i > 0 ? field.ref(entries[0].props, "subnet", `${entries[0].path}.subnet`) : undefined);
      if (!subnetId) throw missingProperty(`${e.path}.subnet`, "the ip configuration property");
      const prefixLength = field.int(
        e.props,
        "privateIPAddressPrefixLength",
        `${e.path}.privateIPAddressPrefixLength`,
      );
      if (prefixLength !== undefined && (prefixLength < 1 || prefixLength > 32))
        throw invalidRequestContent(
          `'${e.path}.privateIPAddressPrefixLength' must be between 1 and 32 for an IPv4 ip configuration; got ${prefixLength}.`,
          `${e.path}.privateIPAddressPrefixLength`,
        );
      const method = field.enumOf(
        e.props,
        "privateIPAllocationMethod",
        `${e.path}.privateIPAllocationMethod`,
        ["Static", "Dynamic"] as const,
      );
      const address = field.string(e.props, "privateIPAddress", `${e.path}.privateIPAddress`);
      if (method === "Static" && !address)
        throw missingProperty(`${e.path}.privateIPAddress`, "with Static allocation, the property");
      return {
        name: e.name,
        subnetId,
        // Dynamic with an address echoes a previous GET: keep what is held rather than pin it.
        privateIPAddress: method === "Dynamic" ? undefined : address,
        publicIPAddressId: field.ref(e.props, "publicIPAddress", `${e.path}.publicIPAddress`),
        applicationSecurityGroupIds: readRefList(
          e.props,
          "applicationSecurityGroups",
          `${e.path}.applicationSecurityGroups`,
        ),
        primary: field.bool(e.props, "primary", `${e.path}.primary`),
        loadBalancerBackendAddressPoolIds: readRefList(
          e.props,
          "loadBalancerBackendAddressPools",
          `${e.path}.loadBalancerBackendAddressPools`,
        ),
        // Azure's default is IPv4; a static IPv6 address without the version implies it.
        privateIPAddressVersion:
          field.enumOf(e.props, "privateIPAddressVersion", `${e.path}.privateIPAddressVersion`, [
            "IPv4",
            "IPv6",
          ] as const) ?? (address?.includes(":") && method !== "Dynamic" ? "IPv6" : "IPv4"),
        ...(prefixLength !== undefined ? { privateIPAddressPrefixLength: prefixLength } : {}),
      };
    }),
  };
}

export const networkInterfaces = makeHandler({
  type: TYPES.nic,
  tracked: true,
  cascadeOrder: 100,
  async putWire(ctx, id, body, existing) {
    return writeNetworkInterface(ctx, id, nicSpecFromWire(ctx, asObject(body)), existing);
  },
  present: presentNetworkInterface,
  async remove(ctx, rec) {
    await removeNetworkInterface(ctx, rec);
  },
});
