// VirtualNetwork objects: validation (pure, also used by the CLI for New-AksHciNetworkSetting,
// which makes an object without contacting anyone), their address ranges, and the stored
// cluster networks (New-/Get-/Remove-AksHciClusterNetwork).
import {
  cidrOf,
  containsIp,
  formatIp,
  lastAddress,
  NetError,
  parseCidr,
  parseIp,
  rangesOverlap,
} from "../net/index.js";
import type { ResourceRecord, Tx } from "../store/types.js";
import { HciError, invalidValue, networkExists, networkInUse, networkNotFound } from "./errors.js";
import {
  CLUSTER_TYPE,
  type ClusterBody,
  configId,
  type HostConfigBody,
  NETWORK_TYPE,
  type NetworkBody,
  type NetworkSpec,
  networkId,
} from "./model.js";

export interface Range {
  first: bigint;
  last: bigint;
}

export interface NetworkRanges {
  /** Where node VMs get addresses: the k8s node IP pool (static) or the simulated DHCP scope. */
  node: Range;
  vip: Range;
  /** Addresses the DHCP scope never hands out (the gateway, the VIP pool). */
  nodeExcluded: Range[];
}

const size = (r: Range) => Number(r.last - r.first + 1n);
export const rangeSize = size;
export const rangeText = (r: Range) => `${formatIp(r.first, "IPv4")}-${formatIp(r.last, "IPv4")}`;

function ipv4(param: string, value: string): bigint {
  try {
    const ip = parseIp(value);
    if (ip.family !== "IPv4") throw new NetError("InvalidAddress", "");
    return ip.value;
  } catch {
    throw invalidValue(param, `The value '${value}' of -${param} is not a valid IPv4 address.`);
  }
}

const STATIC_PARAMS = [
  "k8sNodeIpPoolStart",
  "k8sNodeIpPoolEnd",
  "ipAddressPrefix",
  "gateway",
  "dnsServers",
] as const;

/**
 * Every documented rule of a VirtualNetwork object, before anything is stored. `host` networks
 * (New-AksHciNetworkSetting) take lowercase letters and digits only.
 */
export function validateNetworkSpec(spec: NetworkSpec, role: "host" | "cluster"): NetworkBody {
  const name = spec.name ?? "";
  if (role === "host" ? !/^[a-z0-9]+$/.test(name) : !/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(name)) {
    throw invalidValue(
      "name",
      role === "host"
        ? `The network name '${name}' is not valid: use lowercase letters and digits only.`
        : `The network name '${name}' is not valid: use letters, digits and hyphens, starting with a letter or digit (at most 63 characters).`,
    );
  }
  if (!spec.vswitchName)
    throw invalidValue("vswitchName", "-vswitchName is required: the name of an external virtual switch.");
  if (spec.vlanID !== undefined && (!Number.isInteger(spec.vlanID) || spec.vlanID < 0 || spec.vlanID > 4094))
    throw invalidValue("vlanID", `The VLAN ID ${spec.vlanID} is not valid: it must be between 0 and 4094.`);
  const given = STATIC_PARAMS.filter((p) => spec[p] !== undefined);
  const isStatic = given.length > 0;
  if (isStatic && given.length < STATIC_PARAMS.length) {
    const missing = STATIC_PARAMS.filter((p) => spec[p] === undefined);
    throw invalidValue(
      missing[0],
      `Static IP networks need all of -${STATIC_PARAMS.join(", -")}; missing: -${missing.join(", -")}. (With DHCP give only -vipPoolStart and -vipPoolEnd.)`,
    );
  }
  const vip = { first: ipv4("vipPoolStart", spec.vipPoolStart), last: ipv4("vipPoolEnd", spec.vipPoolEnd) };
  if (vip.first > vip.last)
    throw invalidValue(
      "vipPoolEnd",
      `The VIP pool start ${spec.vipPoolStart} is after its end ${spec.vipPoolEnd}: the start must not be greater than the end.`,
    );
  if (isStatic) {
    let prefix: ReturnType<typeof parseCidr>;
    try {
      prefix = parseCidr(spec.ipAddressPrefix as string);
    } catch (e) {
      throw invalidValue(
        "ipAddressPrefix",
        `The address prefix '${spec.ipAddressPrefix}' is not valid: ${(e as Error).message}`,
      );
    }
    if (prefix.family !== "IPv4")
      throw invalidValue(
        "ipAddressPrefix",
        "AksHci networks are IPv4 only: -ipAddressPrefix must be an IPv4 CIDR.",
      );
    const inside = (param: string, value: string, v: bigint) => {
      if (!containsIp(prefix, v))
        throw invalidValue(
          param,
          `${value} (-${param}) is outside the network's address prefix ${spec.ipAddressPrefix}.`,
        );
    };
    const node = {
      first: ipv4("k8sNodeIpPoolStart", spec.k8sNodeIpPoolStart as string),
      last: ipv4("k8sNodeIpPoolEnd", spec.k8sNodeIpPoolEnd as string),
    };
    if (node.first > node.last)
      throw invalidValue(
        "k8sNodeIpPoolEnd",
        `The k8s node IP pool start ${spec.k8sNodeIpPoolStart} is after its end ${spec.k8sNodeIpPoolEnd}: the start must not be greater than the end.`,
      );
    inside("k8sNodeIpPoolStart", spec.k8sNodeIpPoolStart as string, node.first);
    inside("k8sNodeIpPoolEnd", spec.k8sNodeIpPoolEnd as string, node.last);
    inside("vipPoolStart", spec.vipPoolStart, vip.first);
    inside("vipPoolEnd", spec.vipPoolEnd, vip.last);
    const gw = ipv4("gateway", spec.gateway as string);
    inside("gateway", spec.gateway as string, gw);
    if (rangesOverlap(node.first, node.last, vip.first, vip.last))
      throw invalidValue(
        "vipPoolStart",
        `The VIP pool ${spec.vipPoolStart}-${spec.vipPoolEnd} overlaps the k8s node IP pool ${spec.k8sNodeIpPoolStart}-${spec.k8sNodeIpPoolEnd}: the two pools must not overlap.`,
      );
    for (const [pool, r] of [
      ["k8s node IP pool", node],
      ["VIP pool", vip],
    ] as const)
      if (gw >= r.first && gw <= r.last)
        throw invalidValue("gateway", `The gateway ${spec.gateway} lies inside the ${pool}.`);
    const dns = spec.dnsServers ?? [];
    if (dns.length < 1 || dns.length > 3)
      throw invalidValue("dnsServers", `-dnsServers takes 1 to 3 addresses; ${dns.length} were given.`);
    for (const d of dns) ipv4("dnsServers", d);
  }
  return {
    name,
    vswitchName: spec.vswitchName,
    vipPoolStart: spec.vipPoolStart,
    vipPoolEnd: spec.vipPoolEnd,
    ...(isStatic
      ? {
          k8sNodeIpPoolStart: spec.k8sNodeIpPoolStart,
          k8sNodeIpPoolEnd: spec.k8sNodeIpPoolEnd,
          ipAddressPrefix: spec.ipAddressPrefix,
          gateway: spec.gateway,
          dnsServers: [...(spec.dnsServers ?? [])],
        }
      : {}),
    ...(spec.vlanID !== undefined ? { vlanID: spec.vlanID } : {}),
    ipAllocationMethod: isStatic ? "static" : "dhcp",
    role,
    macPoolName: "MocMacPool",
  };
}

/**
 * The node and VIP ranges. DHCP networks have no node pool: we simulate the DHCP server's
 * scope as the /24 around the VIP pool, without its network, .1 (the usual gateway) and
 * broadcast addresses and without the VIP pool, which the docs say must be excluded from it.
 */
export function networkRanges(n: NetworkBody): NetworkRanges {
  const vip = { first: parseIp(n.vipPoolStart).value, last: parseIp(n.vipPoolEnd).value };
  if (n.ipAllocationMethod === "static") {
    const node = {
      first: parseIp(n.k8sNodeIpPoolStart as string).value,
      last: parseIp(n.k8sNodeIpPoolEnd as string).value,
    };
    return { node, vip, nodeExcluded: [] };
  }
  const scope = cidrOf(vip.first, "IPv4", 24);
  const node = { first: scope.network + 2n, last: lastAddress(scope) - 1n };
  return { node, vip, nodeExcluded: [vip] };
}

/** Node-range addresses a DHCP scope can lease (all of them for a static pool). */
export function nodeCapacity(r: NetworkRanges): number {
  let n = size(r.node);
  for (const x of r.nodeExcluded) {
    const lo = x.first > r.node.first ? x.first : r.node.first;
    const hi = x.last < r.node.last ? x.last : r.node.last;
    if (lo <= hi) n -= Number(hi - lo + 1n);
  }
  return n;
}

export function isNodeAddress(r: NetworkRanges, a: bigint): boolean {
  return a >= r.node.first && a <= r.node.last && !r.nodeExcluded.some((x) => a >= x.first && a <= x.last);
}

// ---- stored networks ----------------------------------------------------------------------------

export async function getNetworkRecord(
  tx: Tx,
  sub: string,
  name: string,
): Promise<ResourceRecord | undefined> {
  return tx.getResource(networkId(sub, name));
}

export async function getNetwork(tx: Tx, sub: string, name: string): Promise<NetworkBody> {
  const rec = await getNetworkRecord(tx, sub, name);
  if (!rec) throw networkNotFound(name);
  return rec.body as unknown as NetworkBody;
}

export async function listNetworks(tx: Tx, sub: string): Promise<NetworkBody[]> {
  return (await tx.listResources({ type: NETWORK_TYPE, subscriptionId: sub })).map(
    (r) => r.body as unknown as NetworkBody,
  );
}

/** Two network objects whose pools overlap would hand the same address out twice. */
function checkNoOverlap(n: NetworkBody, others: NetworkBody[]): void {
  const mine = networkRanges(n);
  const pools = (x: NetworkBody) => {
    const r = networkRanges(x);
    return x.ipAllocationMethod === "static"
      ? [
          ["k8s node IP pool", r.node],
          ["VIP pool", r.vip],
        ]
      : [["VIP pool", r.vip]];
  };
  for (const o of others) {
    if (o.name.toLowerCase() === n.name.toLowerCase()) continue;
    for (const [a, ra] of pools(n) as [string, Range][])
      for (const [b, rb] of pools(o) as [string, Range][])
        if (rangesOverlap(ra.first, ra.last, rb.first, rb.last))
          throw new HciError(
            "InvalidArgument",
            "NetworkOverlap",
            `The ${a} ${rangeText(ra)} of network '${n.name}' overlaps the ${b} ${rangeText(rb)} of network '${o.name}'. Two network objects must not share addresses (overlapping objects hand the same address out twice).`,
            "vipPoolStart",
          );
  }
  void mine;
}

export async function putNetwork(tx: Tx, sub: string, n: NetworkBody): Promise<void> {
  await tx.putResource({
    id: networkId(sub, n.name),
    type: NETWORK_TYPE,
    subscriptionId: sub,
    body: n as unknown as Record<string, unknown>,
    etag: new Date().toISOString(),
  });
}

/** New-AksHciClusterNetwork: validate, refuse duplicates and overlaps, store. */
export async function createClusterNetwork(tx: Tx, sub: string, spec: NetworkSpec): Promise<NetworkBody> {
  const n = validateNetworkSpec(spec, "cluster");
  if (await getNetworkRecord(tx, sub, n.name)) throw networkExists(n.name);
  checkNoOverlap(n, await listNetworks(tx, sub));
  await putNetwork(tx, sub, n);
  return n;
}

/** The host's network (Set-AksHciConfig -vnet) is stored like a cluster network so pools are shared. */
export async function putHostNetwork(tx: Tx, sub: string, spec: NetworkSpec): Promise<NetworkBody> {
  const n = validateNetworkSpec(spec, "host");
  const existing = await getNetworkRecord(tx, sub, n.name);
  if (existing && (existing.body as unknown as NetworkBody).role !== "host") throw networkExists(n.name);
  checkNoOverlap(n, await listNetworks(tx, sub));
  await putNetwork(tx, sub, n);
  return n;
}

export async function clustersOnNetwork(tx: Tx, sub: string, name: string): Promise<string[]> {
  return (await tx.listResources({ type: CLUSTER_TYPE, subscriptionId: sub }))
    .map((r) => r.body as unknown as ClusterBody)
    .filter((c) => c.network.toLowerCase() === name.toLowerCase())
    .map((c) => c.name);
}

/** Remove-AksHciClusterNetwork: refused while a cluster (or the host) uses it. */
export async function removeClusterNetwork(tx: Tx, sub: string, name: string): Promise<void> {
  const n = await getNetwork(tx, sub, name);
  const users = (await clustersOnNetwork(tx, sub, name)).map((c) => `cluster '${c}'`);
  const host = (await tx.getResource(configId(sub)))?.body as unknown as HostConfigBody | undefined;
  if (n.role === "host" || host?.network.toLowerCase() === name.toLowerCase()) users.unshift("the AKS host");
  if (users.length) throw networkInUse(n.name, users);
  await tx.deleteResource(networkId(sub, n.name));
}
