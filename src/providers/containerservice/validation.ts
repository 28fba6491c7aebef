// Every rule AKS enforces on a cluster's network, pools and identity, checked before anything
// is created or changed. `validateCluster` returns what the reconciler needs (each pool's
// subnet, the route table, the capacity figures) so nothing is looked up twice.

import { knownVmSize } from "../../kube/workloads/vmSizes.js";
import {
  type Cidr,
  containsIp,
  formatCidr,
  KUBENET_MAX_NODES,
  NetError,
  nthAddress,
  overlaps,
  parseCidr,
  parseIp,
  planSubnet,
  podCidrNodeCapacity,
  reservedRangeOverlapping,
  usableSubnetAddresses,
} from "../../net/index.js";
import { missingPermissions } from "../authorization/permissions.js";
import { AVAILABILITY_ZONES, rgId } from "../common.js";
import type { ArmContext } from "../context.js";
import { getIdentityPrincipal, identityGuids } from "../identity/userAssignedIdentities.js";
import { stableGuid } from "../ids.js";
import { subnetFreeAddressCount } from "../network/internal.js";
import { isManagedBy } from "../resources/resourceGroups.js";
import {
  agentPoolK8sVersionNotSupported,
  autoscalerCount,
  availabilityZoneNotSupported,
  cidrParseError,
  customRouteTableNeedsUserAssignedIdentity,
  defaultRouteRequiredForUdr,
  identityMissingSubnetPermission,
  insufficientPodCidr,
  insufficientSubnetSize,
  invalidDnsServiceIP,
  invalidParameter,
  kubenetNodeLimit,
  mustDefineSystemPool,
  natGatewayRequiredForUserAssignedNat,
  networkPolicyNotSupported,
  nodePoolMcVersionIncompatible,
  nodeResourceGroupAlreadyExists,
  nodeResourceGroupSameAsResourceGroup,
  outboundTypeMigrationNotSupported,
  podCidrOverlapsServiceCidr,
  podCidrOverlapsVnet,
  propertyChangeNotAllowed,
  reservedRangeOverlap,
  routeTableRequiredForUdr,
  routeTableUsedByOtherCluster,
  serviceCidrOverlapsSubnet,
  subnetNotFound,
  subnetUsedByKubenetCluster,
  systemPoolSkuTooLow,
  userAssignedIdentityNotFound,
  versionChangeNotAllowed,
  windowsRequiresAzureCni,
} from "./errors.js";
import {
  addressesPerNode,
  type CapacityReport,
  CLUSTER_TYPE,
  type ClusterInternal,
  type ClusterSpec,
  names,
  type PoolInternal,
  type PoolSpec,
  podSubnetBatch,
  usesPodCidr,
} from "./model.js";
import { readSubnet, type SubnetInfo } from "./network.js";
import { checkOutboundIPs } from "./outboundIPs.js";
import { validateNodeNetworking } from "./poolNetworking.js";
import { currentOf, isAcceptedVersion, minorOf, upgradesOf, versionChangeRefusal } from "./versions.js";

export const SUBNET_JOIN = "Microsoft.Network/virtualNetworks/subnets/join/action";
export const SUBNET_READ = "Microsoft.Network/virtualNetworks/subnets/read";

const POOL_NAME_RE = /^[a-z][a-z0-9]{0,11}$/;
export const MANAGED_VNET_PREFIX = "10.224.0.0/12";
export const MANAGED_SUBNET_PREFIX = "10.224.0.0/16";

export interface ValidationInput {
  clusterId: string;
  rg: string;
  clusterName: string;
  spec: ClusterSpec;
  prev?: ClusterInternal;
  /** Desired pools after the change (all of the cluster's pools). */
  pools: PoolSpec[];
  /** Current pools, by lower-cased name. */
  prevPools: Map<string, PoolInternal>;
}

export interface ValidationResult {
  /** Lower-cased pool name → subnet id its nodes use. */
  subnetOf: Map<string, string>;
  defaultSubnetId: string;
  managedVnet: boolean;
  /** kubenet: the BYO subnet's route table if it has one. */
  byoRouteTableId?: string;
  principalId?: string;
  clientId?: string;
  capacity?: CapacityReport;
}

function cidr(value: string, target: string): Cidr {
  try {
    return parseCidr(value);
  } catch (e) {
    if (e instanceof NetError) throw cidrParseError(target, value);
    throw e;
  }
}

const fmtN = (n: number) => n.toLocaleString("en-US");

export function pluginLabel(spec: ClusterSpec): "kubenet" | "azure" | "azure-overlay" {
  if (spec.network.plugin === "azure")
    return spec.network.pluginMode === "overlay" ? "azure-overlay" : "azure";
  return "kubenet";
}

function describePlugin(spec: ClusterSpec): string {
  const l = pluginLabel(spec);
  return l === "kubenet" ? "kubenet" : l === "azure" ? "Azure CNI" : "Azure CNI Overlay";
}

// ---- network profile ------------------------------------------------------------------------

function checkNetworkProfile(spec: ClusterSpec): { service: Cidr; pod?: Cidr } {
  const n = spec.network;
  if (n.policy === "azure" && n.plugin === "kubenet") throw networkPolicyNotSupported("azure", "kubenet");
  if (n.policy === "cilium" && n.dataplane !== "cilium") throw networkPolicyNotSupported("cilium", n.plugin);
  const service = cidr(n.serviceCidr, "networkProfile.serviceCIDR");
  const pod = n.podCidr ? cidr(n.podCidr, "networkProfile.podCIDR") : undefined;
  for (const c of n.serviceCidrs) cidr(c, "networkProfile.serviceCIDRs");
  for (const c of n.podCidrs ?? []) cidr(c, "networkProfile.podCIDRs");
  const rs = reservedRangeOverlapping(service);
  if (rs) throw reservedRangeOverlap("networkProfile.serviceCIDR", n.serviceCidr, rs);
  if (pod) {
    const rp = reservedRangeOverlapping(pod);
    if (rp) throw reservedRangeOverlap("networkProfile.podCIDR", n.podCidr!, rp);
    if (pod.prefixLength > 24) throw insufficientPodCidr(n.podCidr!, 0, 1);
    if (overlaps(pod, service)) throw podCidrOverlapsServiceCidr(n.podCidr!, n.serviceCidr);
  }
  let dns: ReturnType<typeof parseIp>;
  try {
    dns = parseIp(n.dnsServiceIP);
  } catch {
    throw invalidDnsServiceIP(n.dnsServiceIP, "it is not an IP address.");
  }
  if (dns.family !== service.family || !containsIp(service, dns))
    throw invalidDnsServiceIP(n.dnsServiceIP, `it must lie within the service CIDR ${n.serviceCidr}.`);
  // The network address and the first host (kubernetes.default's ClusterIP) are taken.
  if (dns.value === service.network || dns.value === nthAddress(service, 1))
    throw invalidDnsServiceIP(
      n.dnsServiceIP,
      `it must not be one of the first addresses of the service CIDR ${n.serviceCidr} (the first host is the kubernetes service's cluster IP).`,
    );
  return { service, pod };
}

// ---- outbound type ------------------------------------------------------------------------------

/**
 * AKS's supported outboundType updates ("Updating outboundType after cluster creation"), by kind of
 * VNet: from → the types it may become. Anything else involving `none` stays create-only.
 */
export const OUTBOUND_MIGRATIONS: Record<"managed" | "byo", Record<string, readonly string[]>> = {
  managed: {
    loadBalancer: ["managedNATGateway", "userDefinedRouting"],
    managedNATGateway: ["loadBalancer", "userDefinedRouting"],
    userDefinedRouting: ["loadBalancer", "managedNATGateway"],
  },
  byo: {
    loadBalancer: ["userAssignedNATGateway", "userDefinedRouting"],
    userAssignedNATGateway: ["loadBalancer", "userDefinedRouting"],
    userDefinedRouting: ["loadBalancer", "userAssignedNATGateway"],
  },
};

const OWN_SUBNET: Record<string, string> = {
  userDefinedRouting:
    "outboundType 'userDefinedRouting' requires agent pools in a subnet of your own (vnetSubnetID).",
  userAssignedNATGateway:
    "outboundType 'userAssignedNATGateway' requires agent pools in a subnet of your own (vnetSubnetID), associated with a NAT gateway with outbound public IPs or IP prefixes.",
};

/** The subnet's NAT gateway has at least one public IP or prefix; else why not. */
async function natGatewayProblem(ctx: ArmContext, s: SubnetInfo): Promise<string | undefined> {
  if (!s.natGatewayId) return "has no NAT gateway";
  const nat = await ctx.tx.getResource(s.natGatewayId);
  if (!nat) return `names NAT gateway '${s.natGatewayId}', which does not exist`;
  const p = (nat.body.properties ?? {}) as { publicIpAddresses?: unknown[]; publicIpPrefixes?: unknown[] };
  if (!p.publicIpAddresses?.length && !p.publicIpPrefixes?.length)
    return `is associated with NAT gateway '${nat.id}', which has no public IP addresses or prefixes`;
  return undefined;
}

/** True when the route table has a 0.0.0.0/0 route. */
async function hasDefaultRoute(ctx: ArmContext, routeTableId: string): Promise<boolean> {
  const rt = await ctx.tx.getResource(routeTableId);
  if (!rt) return false;
  const routes = await ctx.tx.listResources({
    type: "Microsoft.Network/routeTables/routes",
    parentId: rt.id,
  });
  return routes.some(
    (r) => (r.body.properties as { addressPrefix?: unknown } | undefined)?.addressPrefix === "0.0.0.0/0",
  );
}

/**
 * The outbound type's needs: an allowed migration on update; managedNATGateway only on the managed
 * VNet; userAssignedNATGateway and userDefinedRouting only on subnets of your own, each with a NAT
 * gateway that has addresses / a route table with a default route. Checked at create, at a change of
 * type, and for pools that are new to the cluster.
 */
async function checkOutboundType(
  ctx: ArmContext,
  input: ValidationInput,
  managed: boolean,
  subnetOf: Map<string, string>,
  cache: Map<string, SubnetInfo>,
): Promise<void> {
  const to = input.spec.network.outboundType;
  const from = input.prev?.spec.network.outboundType;
  if (from !== undefined && from.toLowerCase() !== to.toLowerCase()) {
    const allowed = OUTBOUND_MIGRATIONS[managed ? "managed" : "byo"][from] ?? [];
    if (from === "none" || to === "none")
      throw propertyChangeNotAllowed("networkProfile.outboundType", from, to);
    if (!allowed.includes(to)) throw outboundTypeMigrationNotSupported(from, to, managed);
  }
  if (to === "managedNATGateway" && !managed)
    throw invalidParameter(
      "networkProfile.outboundType",
      "outboundType 'managedNATGateway' is supported only with the AKS-managed virtual network; with a subnet of your own (vnetSubnetID) use 'userAssignedNATGateway'.",
    );
  if (to !== "userAssignedNATGateway" && to !== "userDefinedRouting") return;
  if (managed) throw invalidParameter("networkProfile.outboundType", OWN_SUBNET[to]);
  const changed = from === undefined || from !== to;
  const checked = new Set<string>();
  for (const p of input.pools) {
    if (!changed && input.prevPools.has(p.name.toLowerCase())) continue;
    const id = subnetOf.get(p.name.toLowerCase());
    const s = id ? cache.get(id.toLowerCase()) : undefined;
    if (!s || checked.has(s.id.toLowerCase())) continue;
    checked.add(s.id.toLowerCase());
    if (to === "userAssignedNATGateway") {
      const why = await natGatewayProblem(ctx, s);
      if (why) throw natGatewayRequiredForUserAssignedNat(s.id, why);
    } else {
      if (!s.routeTableId) throw routeTableRequiredForUdr(s.id);
      if (!(await hasDefaultRoute(ctx, s.routeTableId)))
        throw defaultRouteRequiredForUdr(s.id, s.routeTableId);
    }
  }
}

// ---- pools ------------------------------------------------------------------------------------

const MAX_PODS_RANGE: Record<string, [number, number]> = {
  kubenet: [10, 250],
  azure: [10, 250],
  "azure-overlay": [10, 250],
};

export function checkPool(spec: ClusterSpec, pool: PoolSpec): void {
  if (!POOL_NAME_RE.test(pool.name))
    throw invalidParameter(
      "agentPoolProfile.name",
      `Agent pool name '${pool.name}' must be 1-12 characters, lowercase letters and digits, starting with a letter.`,
    );
  if (pool.osType === "Windows" && pool.name.length > 6)
    throw invalidParameter(
      "agentPoolProfile.name",
      `Windows agent pool name '${pool.name}' must be 6 characters or fewer.`,
    );
  checkAutoscaler(pool);
  const min = pool.mode === "System" ? 1 : 0;
  if (pool.count < min || pool.count > 1000)
    throw invalidParameter(
      "agentPoolProfile.count",
      `Count ${pool.count} of agent pool '${pool.name}' must be between ${min} and 1000 for a ${pool.mode} pool.`,
    );
  const label = pluginLabel(spec);
  const [lo, hi] = MAX_PODS_RANGE[label];
  if (pool.maxPods < lo || pool.maxPods > hi)
    throw invalidParameter(
      "agentPoolProfile.maxPods",
      `maxPods ${pool.maxPods} of agent pool '${pool.name}' must be between ${lo} and ${hi} with ${describePlugin(spec)}.`,
    );
  if (pool.osType === "Windows" && spec.network.plugin === "kubenet")
    throw windowsRequiresAzureCni(pool.name);
  // Sizes the table does not know are accepted.
  const size = pool.mode === "System" ? knownVmSize(pool.vmSize) : undefined;
  if (size && (size.vcpus < SYSTEM_POOL_MIN.vcpus || size.memoryGiB < SYSTEM_POOL_MIN.memoryGiB))
    throw systemPoolSkuTooLow(pool.name);
  if (pool.osType === "Windows" && pool.mode === "System")
    throw invalidParameter("agentPoolProfile.mode", `System agent pool '${pool.name}' must run Linux.`);
  if (pool.podSubnetID && !(spec.network.plugin === "azure" && spec.network.pluginMode !== "overlay"))
    throw invalidParameter(
      "agentPoolProfile.podSubnetID",
      "podSubnetID can only be used with Azure CNI (networkPlugin 'azure' without overlay).",
    );
  checkPoolZones(spec, pool);
  checkPoolVersion(spec, pool);
}

/** availabilityZones (kept as sent) may only name zones the cluster's region has. */
function checkPoolZones(spec: ClusterSpec, pool: PoolSpec): void {
  const zones = pool.passthrough.availabilityZones;
  if (zones === undefined || zones === null) return;
  if (!Array.isArray(zones) || zones.some((z) => typeof z !== "string"))
    throw invalidParameter(
      "agentPoolProfile.availabilityZones",
      `availabilityZones of agent pool '${pool.name}' must be a list of zone names, e.g. ["1","2","3"].`,
    );
  const unknown = zones.filter((z: string) => !AVAILABILITY_ZONES.includes(z));
  if (unknown.length > 0)
    throw availabilityZoneNotSupported(unknown, pool.name, spec.location, AVAILABILITY_ZONES);
}

const MAX_NODES_PER_POOL = 1000;
/** AKS's floor for a System pool's VM size. */
const SYSTEM_POOL_MIN = { vcpus: 2, memoryGiB: 4 };

/** With enableAutoScaling: minCount and maxCount given, minCount ≤ count ≤ maxCount ≤ 1000. */
function checkAutoscaler(pool: PoolSpec): void {
  const p = pool.passthrough;
  if (p.enableAutoScaling !== true) return;
  const f = "agentPoolProfile";
  const num = (v: unknown) => (typeof v === "number" ? v : undefined);
  const min = num(p.minCount);
  const max = num(p.maxCount);
  if (min === undefined)
    throw autoscalerCount(`${f}.minCount`, `${f}.minCount must be specified when enableAutoScaling is true.`);
  if (max === undefined)
    throw autoscalerCount(`${f}.maxCount`, `${f}.maxCount must be specified when enableAutoScaling is true.`);
  if (max > MAX_NODES_PER_POOL)
    throw autoscalerCount(
      `${f}.maxCount`,
      `${f}.maxCount was ${max}. It must be less than or equal to ${MAX_NODES_PER_POOL}.`,
    );
  if (min > max)
    throw autoscalerCount(
      `${f}.minCount`,
      `${f}.minCount was ${min}. It must be less than or equal to maxCount:${max}.`,
    );
  if (pool.count < min || pool.count > max)
    throw autoscalerCount(
      `${f}.count`,
      `${f}.count was ${pool.count}. It must be greater or equal to minCount:${min} and less than or equal to maxCount:${max}.`,
    );
}

/** A pool's version is one AKS accepts and, by the version skew policy, no newer a minor than the control plane's. */
function checkPoolVersion(spec: ClusterSpec, pool: PoolSpec): void {
  const target = "agentPoolProfile.orchestratorVersion";
  if (!isAcceptedVersion(pool.orchestratorVersion))
    throw agentPoolK8sVersionNotSupported(pool.orchestratorVersion, target);
  const current = currentOf(pool.orchestratorVersion);
  if (minorOf(current) > minorOf(spec.currentKubernetesVersion))
    throw nodePoolMcVersionIncompatible(current, spec.currentKubernetesVersion, target);
}

/** An existing cluster's version goes up by at most one minor, never down. */
function checkVersionChange(spec: ClusterSpec, prev: ClusterSpec): void {
  const from = prev.currentKubernetesVersion;
  const to = spec.currentKubernetesVersion;
  const refusal = versionChangeRefusal(from, to);
  if (refusal)
    throw versionChangeNotAllowed(
      refusal,
      from,
      to,
      upgradesOf(from)
        .map((u) => u.kubernetesVersion)
        .reverse(),
    );
}

function checkImmutable(
  spec: ClusterSpec,
  prev: ClusterSpec,
  pools: PoolSpec[],
  prevPools: Map<string, PoolInternal>,
) {
  const a = prev.network;
  const b = spec.network;
  const pairs: [string, unknown, unknown][] = [
    ["networkProfile.networkPlugin", a.plugin, b.plugin],
    ["networkProfile.networkPluginMode", a.pluginMode ?? "", b.pluginMode ?? ""],
    ["networkProfile.podCidr", a.podCidr ?? "", b.podCidr ?? ""],
    ["networkProfile.serviceCidr", a.serviceCidr, b.serviceCidr],
    ["networkProfile.dnsServiceIP", a.dnsServiceIP, b.dnsServiceIP],
    ["location", prev.location, spec.location],
    ["nodeResourceGroup", prev.nodeResourceGroup, spec.nodeResourceGroup],
    ["dnsPrefix", prev.dnsPrefix ?? "", spec.dnsPrefix ?? ""],
  ];
  for (const [p, x, y] of pairs)
    if (String(x).toLowerCase() !== String(y).toLowerCase()) throw propertyChangeNotAllowed(p, x, y);
  for (const pool of pools) {
    const old = prevPools.get(pool.name.toLowerCase());
    if (old) checkPoolImmutable(pool, old.spec, old.subnetId);
  }
}

/**
 * `effectiveSubnet` is the subnet the pool's nodes use now: a pool added to a BYO-VNet cluster
 * without vnetSubnetID shows that subnet on a GET, and a client that PUTs the GET back (the
 * SDK's GET→modify→PUT, `az aks nodepool scale|update`) sends it; that is no change.
 */
export function checkPoolImmutable(pool: PoolSpec, old: PoolSpec, effectiveSubnet = ""): void {
  const pairs: [string, unknown, unknown][] = [
    [
      "agentPoolProfile.vnetSubnetID",
      old.vnetSubnetID ?? effectiveSubnet,
      pool.vnetSubnetID ?? old.vnetSubnetID ?? effectiveSubnet,
    ],
    ["agentPoolProfile.podSubnetID", old.podSubnetID ?? "", pool.podSubnetID ?? ""],
    ["agentPoolProfile.osType", old.osType, pool.osType],
    ["agentPoolProfile.vmSize", old.vmSize, pool.vmSize],
    ["agentPoolProfile.maxPods", old.maxPods, pool.maxPods],
  ];
  for (const [p, x, y] of pairs)
    if (String(x).toLowerCase() !== String(y).toLowerCase()) throw propertyChangeNotAllowed(p, x, y);
}

// ---- subnets, VNets, route tables, identity, capacity ----------------------------------------

function managedSubnet(ctx: ArmContext, spec: ClusterSpec, hash: string): SubnetInfo {
  const vnetId = `/subscriptions/${ctx.subscriptionId}/resourceGroups/${spec.nodeResourceGroup}/providers/Microsoft.Network/virtualNetworks/${names.vnet(hash)}`;
  const id = `${vnetId}/subnets/${names.subnet}`;
  return {
    id,
    name: names.subnet,
    prefixes: [MANAGED_SUBNET_PREFIX],
    vnetId,
    vnetPrefixes: [MANAGED_VNET_PREFIX],
    siblings: [{ id, prefixes: [MANAGED_SUBNET_PREFIX] }],
    exists: false,
  };
}

async function requireSubnet(
  ctx: ArmContext,
  cache: Map<string, SubnetInfo>,
  id: string,
  target: string,
): Promise<SubnetInfo> {
  const key = id.toLowerCase();
  const hit = cache.get(key);
  if (hit) return hit;
  const info = await readSubnet(ctx, id);
  if (!info) throw subnetNotFound(target, id);
  cache.set(key, info);
  return info;
}

/** Which other cluster (if any) already puts kubenet nodes on the subnet or uses the table. */
async function otherClusters(ctx: ArmContext, clusterId: string) {
  const recs = await ctx.tx.listResources({ type: CLUSTER_TYPE, subscriptionId: ctx.subscriptionId });
  return recs
    .filter((r) => r.id.toLowerCase() !== clusterId.toLowerCase())
    .map((r) => ({ id: r.id, internal: r.internal as unknown as ClusterInternal }));
}

async function poolSubnetsOf(ctx: ArmContext, clusterId: string): Promise<string[]> {
  const recs = await ctx.tx.listResources({
    type: "Microsoft.ContainerService/managedClusters/agentPools",
    parentId: clusterId,
  });
  return recs.map((r) => (r.internal as unknown as PoolInternal).subnetId.toLowerCase());
}

/**
 * AKS creates the node resource group itself and deletes it with the cluster, so it must be
 * neither the cluster's own group nor any existing group (which the cluster would adopt and
 * later delete with everything the user keeps in it). Only a group this cluster already
 * created (a create retried after a failure) is accepted.
 */
async function checkNodeResourceGroup(ctx: ArmContext, input: ValidationInput): Promise<void> {
  const nodeRg = input.spec.nodeResourceGroup;
  if (nodeRg.toLowerCase() === input.rg.toLowerCase())
    throw nodeResourceGroupSameAsResourceGroup(nodeRg, input.rg);
  const existing = await ctx.tx.getResource(rgId(ctx.subscriptionId, nodeRg));
  if (existing && !isManagedBy(existing, input.clusterId))
    throw nodeResourceGroupAlreadyExists(nodeRg, ctx.subscriptionId);
}

export async function validateCluster(
  ctx: ArmContext,
  input: ValidationInput,
  hash: string,
): Promise<ValidationResult> {
  const { spec, prev, pools, prevPools } = input;
  if (prev) {
    checkImmutable(spec, prev.spec, pools, prevPools);
    checkVersionChange(spec, prev.spec);
  } else await checkNodeResourceGroup(ctx, input);
  const { service, pod } = checkNetworkProfile(spec);

  // Pools: names unique, each valid, a System pool kept.
  const seen = new Set<string>();
  for (const p of pools) {
    checkPool(spec, p);
    if (seen.has(p.name.toLowerCase()))
      throw invalidParameter("agentPoolProfile.name", `Agent pool name '${p.name}' is used twice.`);
    seen.add(p.name.toLowerCase());
  }
  if (pools.length === 0)
    throw invalidParameter("agentPoolProfiles", "A cluster needs at least one agent pool.");
  if (!pools.some((p) => p.mode === "System")) throw mustDefineSystemPool();

  // Identity.
  let principalId: string | undefined;
  let clientId: string | undefined;
  if (spec.identity.type === "UserAssigned") {
    const uai = await getIdentityPrincipal(ctx, spec.identity.userAssignedId!);
    if (!uai) throw userAssignedIdentityNotFound(spec.identity.userAssignedId!);
    principalId = uai.principalId;
    clientId = uai.clientId;
  } else if (spec.identity.type === "SystemAssigned") {
    principalId = prev?.spec.identity.principalId ?? stableGuid("aks-system-identity", input.clusterId);
    clientId = identityGuids(`${input.clusterId}/systemidentity`).clientId;
  }

  // Subnets: explicit, else the cluster's default (first BYO subnet, or the managed one).
  const cache = new Map<string, SubnetInfo>();
  const explicit = pools.find((p) => p.vnetSubnetID)?.vnetSubnetID;
  let defaultSubnet: SubnetInfo;
  if (prev) {
    defaultSubnet = prev.managedVnet
      ? managedSubnet(ctx, spec, hash)
      : await requireSubnet(ctx, cache, prev.defaultSubnetId, "agentPoolProfile.vnetSubnetID");
    if (prev.managedVnet) defaultSubnet.exists = true;
  } else if (explicit) {
    defaultSubnet = await requireSubnet(ctx, cache, explicit, "agentPoolProfile.vnetSubnetID");
  } else {
    defaultSubnet = managedSubnet(ctx, spec, hash);
  }
  const managed = !defaultSubnet.exists || (prev?.managedVnet ?? false);
  cache.set(defaultSubnet.id.toLowerCase(), defaultSubnet);
  const subnetOf = new Map<string, string>();
  for (const p of pools) {
    const s = p.vnetSubnetID
      ? await requireSubnet(ctx, cache, p.vnetSubnetID, "agentPoolProfile.vnetSubnetID")
      : defaultSubnet;
    subnetOf.set(p.name.toLowerCase(), s.id);
    if (p.podSubnetID) await requireSubnet(ctx, cache, p.podSubnetID, "agentPoolProfile.podSubnetID");
  }
  if (defaultSubnet.exists === false && [...subnetOf.values()].some((id) => id !== defaultSubnet.id))
    throw invalidParameter(
      "agentPoolProfile.vnetSubnetID",
      "Either every agent pool uses a subnet of your own virtual network or none does.",
    );
  // AKS: all subnets assigned to node pools (and their pod subnets) belong to one virtual network.
  for (const p of pools) {
    for (const [id, field] of [
      [subnetOf.get(p.name.toLowerCase()), "vnetSubnetID"],
      [p.podSubnetID, "podSubnetID"],
    ] as const) {
      const s = id ? cache.get(id.toLowerCase()) : undefined;
      if (s && s.vnetId.toLowerCase() !== defaultSubnet.vnetId.toLowerCase())
        throw invalidParameter(
          `agentPoolProfile.${field}`,
          `Subnet '${s.id}' of agent pool '${p.name}' is in virtual network '${s.vnetId}', but the cluster's agent pools use virtual network '${defaultSubnet.vnetId}'; all node and pod subnets must belong to the same virtual network.`,
        );
    }
  }

  await checkOutboundType(ctx, input, managed, subnetOf, cache);
  await checkOutboundIPs(ctx, spec, await otherClusters(ctx, input.clusterId));

  // VNet ranges against the reserved ranges, the service and the pod CIDR.
  const vnets = new Map<string, SubnetInfo>();
  for (const s of cache.values()) vnets.set(s.vnetId.toLowerCase(), s);
  for (const s of vnets.values()) {
    for (const v of s.vnetPrefixes) {
      const c = cidr(v, "agentPoolProfile.vnetSubnetID");
      const r = reservedRangeOverlapping(c);
      if (r)
        throw reservedRangeOverlap(
          "agentPoolProfile.vnetSubnetID",
          `${v} (virtual network '${s.vnetId}')`,
          r,
        );
      if (pod && overlaps(pod, c)) throw podCidrOverlapsVnet(spec.network.podCidr!, v);
    }
    for (const sib of s.siblings)
      for (const sp of sib.prefixes) {
        const c = cidr(sp, "agentPoolProfile.vnetSubnetID");
        if (overlaps(service, c)) throw serviceCidrOverlapsSubnet(spec.network.serviceCidr, sp, sib.id);
      }
  }

  // kubenet: one cluster per subnet, one cluster per route table; BYO table needs a UAI.
  let byoRouteTableId: string | undefined;
  if (spec.network.plugin === "kubenet") {
    const mine = new Set([...subnetOf.values()].map((s) => s.toLowerCase()));
    const others = await otherClusters(ctx, input.clusterId);
    for (const o of others) {
      if (o.internal.spec.network.plugin !== "kubenet") continue;
      for (const s of await poolSubnetsOf(ctx, o.id))
        if (mine.has(s)) throw subnetUsedByKubenetCluster(s, o.id);
    }
    const byo = [...cache.values()].filter((s) => s.exists && mine.has(s.id.toLowerCase()));
    const tables = new Set(byo.map((s) => s.routeTableId?.toLowerCase()).filter((x): x is string => !!x));
    if (prev?.routeTableId) byoRouteTableId = prev.routeTableCreated ? undefined : prev.routeTableId;
    else byoRouteTableId = byo.find((s) => s.routeTableId)?.routeTableId;
    for (const t of tables) {
      const user = others.find((o) => o.internal.routeTableId?.toLowerCase() === t);
      if (user) throw routeTableUsedByOtherCluster(t, user.id);
    }
    if (!prev && byoRouteTableId && spec.identity.type === "SystemAssigned")
      throw customRouteTableNeedsUserAssignedIdentity(byoRouteTableId);
  }

  // A user-assigned identity must already hold join + read on every BYO subnet.
  if (spec.identity.type === "UserAssigned" && principalId) {
    for (const s of cache.values()) {
      if (!s.exists || (managed && s.id === defaultSubnet.id)) continue;
      const missing = await missingPermissions(ctx, principalId, s.id, [SUBNET_JOIN, SUBNET_READ]);
      if (missing.length)
        throw identityMissingSubnetPermission(spec.identity.userAssignedId!, principalId, s.id, missing);
    }
  }

  // Node public IPs and their prefix, IP tags, host ports and ASGs, gateway pools (issue #4).
  await validateNodeNetworking(ctx, input);

  // Capacity: subnet addresses, kubenet's route limit, pod CIDR blocks.
  const totalNodes = pools.reduce((n, p) => n + p.count, 0);
  if (spec.network.plugin === "kubenet" && totalNodes > KUBENET_MAX_NODES) throw kubenetNodeLimit(totalNodes);
  if (pod && usesPodCidr(spec.network)) {
    const blocks = podCidrNodeCapacity(pod.prefixLength);
    if (totalNodes > blocks) throw insufficientPodCidr(spec.network.podCidr!, blocks, totalNodes);
  }
  const need = new Map<string, number>();
  const add = (id: string, n: number) => need.set(id.toLowerCase(), (need.get(id.toLowerCase()) ?? 0) + n);
  for (const p of pools) {
    const old = prevPools.get(p.name.toLowerCase());
    const delta = p.count - (old && !old.deleting ? old.spec.count : 0);
    if (delta <= 0) continue;
    add(subnetOf.get(p.name.toLowerCase())!, delta * addressesPerNode(spec.network, p));
    // Dynamic allocation: a new node needs its first batch; later batches come as pods need them.
    if (p.podSubnetID) add(p.podSubnetID, delta * podSubnetBatch(p.maxPods));
  }
  for (const [id, n] of need) {
    const s = cache.get(id)!;
    const free = s.exists ? await subnetFreeAddressCount(ctx, s.id) : usableSubnetAddresses(16);
    if (n > free) {
      const prefix = s.prefixes[0] ?? "";
      const pool = pools.find((p) => subnetOf.get(p.name.toLowerCase())?.toLowerCase() === id) ?? pools[0];
      const plan = capacityPlan(spec, pool, prefix);
      throw insufficientSubnetSize(
        `Pre-allocated IPs ${fmtN(n)} exceeds IPs available ${fmtN(free)} in Subnet Cidr ${prefix}, Subnet Name ${s.name}.` +
          (plan
            ? ` A /${plan.subnetPrefixLength} subnet holds at most ${fmtN(plan.nodes)} nodes with ${describePlugin(spec)} ` +
              `(${fmtN(plan.pods)} pods at ${plan.maxPods} pods per node).`
            : ""),
      );
    }
  }

  const system = pools.find((p) => p.mode === "System") ?? pools[0];
  const systemSubnet = cache.get(subnetOf.get(system.name.toLowerCase())!.toLowerCase())!;
  const plan = capacityPlan(spec, system, systemSubnet.prefixes[0] ?? "");
  return {
    subnetOf,
    defaultSubnetId: defaultSubnet.id,
    managedVnet: managed,
    byoRouteTableId,
    principalId,
    clientId,
    ...(plan
      ? {
          capacity: {
            plugin: pluginLabel(spec),
            subnetId: systemSubnet.id,
            subnetPrefix: systemSubnet.prefixes[0],
            maxPodsPerNode: plan.maxPods,
            maxNodes: plan.nodes,
            maxPods: plan.pods,
            limitedBy: plan.limitedBy,
          },
        }
      : {}),
  };
}

function capacityPlan(spec: ClusterSpec, pool: PoolSpec, prefix: string) {
  let c: Cidr;
  try {
    c = parseCidr(prefix);
  } catch {
    return undefined;
  }
  if (c.family !== "IPv4") return undefined;
  const plugin = pluginLabel(spec);
  const pod = spec.network.podCidr ? parseCidr(spec.network.podCidr) : undefined;
  return planSubnet({
    plugin: plugin === "azure" && pool.podSubnetID ? "azure-overlay" : plugin,
    subnetPrefixLength: c.prefixLength,
    maxPods: pool.maxPods,
    ...(pod && usesPodCidr(spec.network) ? { podCidrPrefixLength: pod.prefixLength } : {}),
  });
}

export { formatCidr };
