// Request bodies → desired state, with Azure's defaults filled in. On updates every field
// the request leaves out keeps its current value (what AKS does for a PUT that omits, say,
// networkProfile), so immutability checks only fire on real changes.
import { DEFAULT_MAX_PODS } from "../../net/index.js";
import { asObject, field, normalizeLocation, propertiesOf, readTags } from "../common.js";
import type { ArmContext } from "../context.js";
import { invalidRequestContent } from "../errors.js";
import {
  basicLoadBalancerRetired,
  invalidDnsPrefix,
  invalidParameter,
  k8sVersionNotSupported,
  loadBalancerProfileConflict,
} from "./errors.js";
import { readStaticEgressGateway } from "./gatewayPools.js";
import {
  type ClusterSpec,
  DEFAULT_KUBERNETES_VERSION,
  defaultNodeResourceGroup,
  type IdentitySpec,
  type NetworkSpec,
  type PoolMode,
  type PoolSpec,
} from "./model.js";
import { currentOf, isAcceptedVersion } from "./versions.js";

const PLUGINS = ["kubenet", "azure", "none"] as const;
const POLICIES = ["none", "calico", "azure", "cilium"] as const;
const OUTBOUND = [
  "loadBalancer",
  "userDefinedRouting",
  "managedNATGateway",
  "userAssignedNATGateway",
  "none",
] as const;
const OS_TYPES = ["Linux", "Windows"] as const;
/** AKS's dual-stack defaults (docs: "Use dual-stack kubenet networking"). */
const DEFAULT_IPV6_POD_CIDR = "fd12:3456:789a::/64";
const DEFAULT_IPV6_SERVICE_CIDR = "fd12:3456:789a:1::/108";
const MODES = ["System", "User", "Gateway"] as const;
/** AKS naming rules: 1-54 letters, digits and hyphens, starting and ending with a letter or digit. */
const DNS_PREFIX_RE = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,52}[a-zA-Z0-9])?$/;

/** Read-only pool properties a client may send back from a GET; never taken as input. */
const POOL_READ_ONLY = new Set([
  "name",
  "provisioningState",
  "powerState",
  "eTag",
  "currentOrchestratorVersion",
  "nodeImageVersion",
]);
const CLUSTER_READ_ONLY = new Set([
  "provisioningState",
  "powerState",
  "currentKubernetesVersion",
  "fqdn",
  "privateFQDN",
  "azurePortalFQDN",
  "maxAgentPools",
  "resourceUID",
  "agentPoolProfiles",
  "networkProfile",
  "identityProfile",
  "networkCapacity",
]);

function stringList(obj: Record<string, unknown>, key: string, path: string): string[] | undefined {
  const a = field.array(obj, key, path);
  if (!a) return undefined;
  return a.map((v, i) => {
    if (typeof v !== "string")
      throw invalidRequestContent(`'${path}[${i}]' must be a string.`, `${path}[${i}]`);
    return v;
  });
}

function resolveVersion(
  requested: string | undefined,
  fallback: string,
): { version: string; current: string } {
  const version = requested && requested !== "" ? requested : fallback;
  if (!isAcceptedVersion(version)) throw k8sVersionNotSupported(version);
  return { version, current: currentOf(version) };
}

export function parseNetwork(
  raw: Record<string, unknown> | undefined,
  prev: NetworkSpec | undefined,
): NetworkSpec {
  const np = raw ?? {};
  const p = "networkProfile";
  const plugin =
    field.enumOf(np, "networkPlugin", `${p}.networkPlugin`, PLUGINS) ?? prev?.plugin ?? "kubenet";
  const pluginModeRaw = field.string(np, "networkPluginMode", `${p}.networkPluginMode`);
  if (pluginModeRaw !== undefined && pluginModeRaw.toLowerCase() !== "overlay")
    throw invalidParameter(`${p}.networkPluginMode`, `Only 'overlay' is allowed, not '${pluginModeRaw}'.`);
  const pluginMode = pluginModeRaw !== undefined ? "overlay" : prev?.pluginMode;
  if (pluginMode && plugin !== "azure")
    throw invalidParameter(
      `${p}.networkPluginMode`,
      `networkPluginMode 'overlay' requires networkPlugin 'azure', not '${plugin}'.`,
    );
  const policy = field.enumOf(np, "networkPolicy", `${p}.networkPolicy`, POLICIES) ?? prev?.policy ?? "none";
  const dataplane =
    field.string(np, "networkDataplane", `${p}.networkDataplane`) ??
    prev?.dataplane ??
    (plugin === "azure" ? "azure" : undefined);
  const overlayOrKubenet = plugin === "kubenet" || pluginMode === "overlay";

  const podCidrs = stringList(np, "podCidrs", `${p}.podCidrs`);
  const serviceCidrs = stringList(np, "serviceCidrs", `${p}.serviceCidrs`);
  let podCidr = field.string(np, "podCidr", `${p}.podCidr`) ?? podCidrs?.find((c) => !c.includes(":"));
  if (podCidr !== undefined && !overlayOrKubenet)
    throw invalidParameter(
      `${p}.podCidr`,
      "podCidr can only be set with networkPlugin 'kubenet' or Azure CNI Overlay (networkPluginMode 'overlay'); flat Azure CNI gives pods subnet addresses.",
    );
  if (podCidr === undefined && overlayOrKubenet) podCidr = prev?.podCidr ?? "10.244.0.0/16";
  const serviceCidr =
    field.string(np, "serviceCidr", `${p}.serviceCidr`) ??
    serviceCidrs?.find((c) => !c.includes(":")) ??
    prev?.serviceCidr ??
    "10.0.0.0/16";
  const dnsServiceIP =
    field.string(np, "dnsServiceIP", `${p}.dnsServiceIP`) ?? prev?.dnsServiceIP ?? "10.0.0.10";
  const outboundType =
    field.enumOf(np, "outboundType", `${p}.outboundType`, OUTBOUND) ?? prev?.outboundType ?? "loadBalancer";
  const sku = field.enumOf(np, "loadBalancerSku", `${p}.loadBalancerSku`, ["standard", "basic"] as const);
  if (sku === "basic") throw basicLoadBalancerRetired();
  const loadBalancerSku = (sku ?? prev?.loadBalancerSku ?? "standard") as string;
  const lbp = field.object(np, "loadBalancerProfile", `${p}.loadBalancerProfile`);
  const mo = lbp
    ? field.object(lbp, "managedOutboundIPs", `${p}.loadBalancerProfile.managedOutboundIPs`)
    : undefined;
  const moCount = mo
    ? field.int(mo, "count", `${p}.loadBalancerProfile.managedOutboundIPs.count`)
    : undefined;
  const managedOutboundIPs = moCount ?? prev?.managedOutboundIPs ?? 1;
  // Other outbound types have no outbound IPs of the LB (checkOutboundProfiles refuses them there).
  const byo = outboundType === "loadBalancer" ? readOutboundIPs(lbp, moCount !== undefined) : "managed";
  const outboundIPs = byo === "managed" ? undefined : (byo ?? prev?.outboundIPs);
  if (managedOutboundIPs < 1 || managedOutboundIPs > 100)
    throw invalidParameter(
      `${p}.loadBalancerProfile.managedOutboundIPs.count`,
      "It must be between 1 and 100.",
    );

  const ports =
    (lbp
      ? field.int(lbp, "allocatedOutboundPorts", `${p}.loadBalancerProfile.allocatedOutboundPorts`)
      : undefined) ??
    prev?.allocatedOutboundPorts ??
    0;
  if (ports < 0 || ports > 64000 || ports % 8 !== 0)
    throw invalidParameter(
      `${p}.loadBalancerProfile.allocatedOutboundPorts`,
      "It must be between 0 and 64000 inclusive and a multiple of 8.",
    );
  const idle =
    (lbp
      ? field.int(lbp, "idleTimeoutInMinutes", `${p}.loadBalancerProfile.idleTimeoutInMinutes`)
      : undefined) ??
    prev?.lbIdleTimeoutInMinutes ??
    30;
  if (idle < 4 || idle > 120)
    throw invalidParameter(
      `${p}.loadBalancerProfile.idleTimeoutInMinutes`,
      "It must be between 4 and 120 inclusive.",
    );

  const nat = readNatGatewayProfile(np, prev, outboundType);
  checkOutboundProfiles(np, prev, outboundType, loadBalancerSku);

  // An update that leaves the plural fields out keeps them (a dual-stack cluster stays dual-stack).
  const keep = (list: string[] | undefined, single: string | undefined) =>
    list && (single === undefined || list.some((c) => c.toLowerCase() === single.toLowerCase()))
      ? [...list]
      : undefined;
  const allPods =
    podCidrs ??
    keep(prev?.podCidrs, field.string(np, "podCidr", `${p}.podCidr`)) ??
    (podCidr ? [podCidr] : undefined);
  const allServices = serviceCidrs ??
    keep(prev?.serviceCidrs, field.string(np, "serviceCidr", `${p}.serviceCidr`)) ?? [serviceCidr];
  const families = new Set<string>(["IPv4"]);
  for (const c of [...(allPods ?? []), ...allServices]) if (c.includes(":")) families.add("IPv6");
  const requestedFamilies = stringList(np, "ipFamilies", `${p}.ipFamilies`);
  const ipFamilies = requestedFamilies ?? prev?.ipFamilies ?? [...families];
  // ipFamilies [IPv4, IPv6] without IPv6 ranges: AKS fills in its dual-stack defaults.
  if (requestedFamilies?.some((f) => f.toLowerCase() === "ipv6")) {
    if (!allServices.some((c) => c.includes(":"))) allServices.push(DEFAULT_IPV6_SERVICE_CIDR);
    if (allPods && overlayOrKubenet && !allPods.some((c) => c.includes(":")))
      allPods.push(DEFAULT_IPV6_POD_CIDR);
  }
  return {
    plugin,
    ...(pluginMode ? { pluginMode } : {}),
    policy,
    ...(dataplane ? { dataplane } : {}),
    ...(podCidr ? { podCidr } : {}),
    serviceCidr,
    dnsServiceIP,
    ...(allPods ? { podCidrs: allPods } : {}),
    serviceCidrs: allServices,
    ipFamilies,
    outboundType,
    loadBalancerSku,
    managedOutboundIPs,
    ...(outboundIPs ? { outboundIPs } : {}),
    allocatedOutboundPorts: ports,
    lbIdleTimeoutInMinutes: idle,
    ...nat,
    ...readStaticEgressGateway(np, prev),
  };
}

/** natGatewayProfile (managedNATGateway): managed outbound IP count 1–16 (default 1), idle timeout 4–120 (default 4). */
function readNatGatewayProfile(
  np: Record<string, unknown>,
  prev: NetworkSpec | undefined,
  outboundType: string,
): Pick<NetworkSpec, "natManagedOutboundIPs" | "natIdleTimeoutInMinutes"> {
  const p = "networkProfile.natGatewayProfile";
  const ngp = field.object(np, "natGatewayProfile", p);
  const mo = ngp ? field.object(ngp, "managedOutboundIPProfile", `${p}.managedOutboundIPProfile`) : undefined;
  const count = mo ? field.int(mo, "count", `${p}.managedOutboundIPProfile.count`) : undefined;
  const idle = ngp ? field.int(ngp, "idleTimeoutInMinutes", `${p}.idleTimeoutInMinutes`) : undefined;
  if (outboundType !== "managedNATGateway") {
    // A create that sets managed NAT gateway IPs for another outbound type is a mistake; an update
    // may echo a GET of the cluster it migrates from, so only a create is refused.
    if (!prev && count !== undefined)
      throw invalidParameter(
        `${p}.managedOutboundIPProfile.count`,
        `natGatewayProfile.managedOutboundIPProfile can only be set with outboundType 'managedNATGateway', not '${outboundType}'.`,
      );
    return {};
  }
  const n = count ?? prev?.natManagedOutboundIPs ?? 1;
  if (n < 1 || n > 16)
    throw invalidParameter(`${p}.managedOutboundIPProfile.count`, "It must be between 1 and 16 inclusive.");
  const t = idle ?? prev?.natIdleTimeoutInMinutes ?? 4;
  if (t < 4 || t > 120)
    throw invalidParameter(`${p}.idleTimeoutInMinutes`, "It must be between 4 and 120 inclusive.");
  return { natManagedOutboundIPs: n, natIdleTimeoutInMinutes: t };
}

/** A resource-id list (`{<key>: [{id}]}`) of the load balancer profile; empty = not given. */
function idList(lbp: Record<string, unknown>, key: string, listKey: string): string[] | undefined {
  const path = `networkProfile.loadBalancerProfile.${key}`;
  const o = field.object(lbp, key, path);
  const list = o ? field.array(o, listKey, `${path}.${listKey}`) : undefined;
  if (!list?.length) return undefined;
  return list.map((v, i) => {
    const id = field.string(asObject(v, `${path}.${listKey}[${i}]`), "id", `${path}.${listKey}[${i}].id`);
    if (!id) throw invalidParameter(`${path}.${listKey}[${i}].id`, "Every entry needs a resource id.");
    return id;
  });
}

/**
 * Which outbound IPs the profile asks for: AKS takes exactly one of managedOutboundIPs,
 * outboundIPs and outboundIPPrefixes. `managed` when the count was given, the BYO ids when those
 * were, undefined when neither (an update keeps what the cluster had).
 */
function readOutboundIPs(
  lbp: Record<string, unknown> | undefined,
  countGiven: boolean,
): string[] | "managed" | undefined {
  if (!lbp) return countGiven ? "managed" : undefined;
  const ips = idList(lbp, "outboundIPs", "publicIPs");
  const prefixes = idList(lbp, "outboundIPPrefixes", "publicIPPrefixes");
  const given = [
    ...(countGiven ? ["ManagedOutboundIPs"] : []),
    ...(ips ? ["OutboundIPs"] : []),
    ...(prefixes ? ["OutboundIPPrefixes"] : []),
  ];
  if (given.length > 1) throw loadBalancerProfileConflict(given);
  // The emulated load balancer's frontends take public IP addresses only, not prefixes: refused
  // plainly rather than accepted and ignored.
  if (prefixes)
    throw invalidParameter(
      "networkProfile.loadBalancerProfile.outboundIPPrefixes",
      "outboundIPPrefixes is not supported by this emulator (its load balancer frontends take public IP addresses, not prefixes); use outboundIPs or managedOutboundIPs.",
    );
  return ips ?? (countGiven ? "managed" : undefined);
}

const LB_IP_KEYS = ["managedOutboundIPs", "outboundIPs", "outboundIPPrefixes"] as const;
const LB_OUTBOUND_KEYS = [...LB_IP_KEYS, "allocatedOutboundPorts", "idleTimeoutInMinutes"] as const;

/**
 * What AKS refuses around the outbound type: a basic load balancer with NAT gateway or UDR egress;
 * a loadBalancerProfile's outbound settings with a NAT gateway type (the NAT gateway does the
 * SNAT); load balancer outbound IPs with userDefinedRouting. On an update from loadBalancer the
 * body may echo the old profile (a GET → PUT migration), which is ignored.
 */
function checkOutboundProfiles(
  np: Record<string, unknown>,
  prev: NetworkSpec | undefined,
  outboundType: string,
  sku: string,
): void {
  if (outboundType === "loadBalancer" || outboundType === "none") return;
  if (sku === "basic")
    throw invalidParameter(
      "networkProfile.loadBalancerSku",
      `${outboundType} doesn't support basic load balancer sku.`,
    );
  const lbp = field.object(np, "loadBalancerProfile", "networkProfile.loadBalancerProfile");
  if (!lbp || prev?.outboundType === "loadBalancer") return;
  const nat = outboundType === "managedNATGateway" || outboundType === "userAssignedNATGateway";
  const keys: readonly string[] = nat ? LB_OUTBOUND_KEYS : LB_IP_KEYS;
  const given = keys.find((k) => lbp[k] !== undefined && lbp[k] !== null);
  if (given)
    throw invalidParameter(
      `networkProfile.loadBalancerProfile.${given}`,
      nat
        ? `loadBalancerProfile outbound settings cannot be used with outboundType '${outboundType}': the NAT gateway handles egress${outboundType === "managedNATGateway" ? " (use natGatewayProfile)" : ""}.`
        : "userDefinedRouting doesn't support customizing a standard load balancer with IP addresses.",
    );
}

export function parseIdentity(body: Record<string, unknown>, prev: IdentitySpec | undefined): IdentitySpec {
  const id = field.object(body, "identity", "identity");
  if (!id) return prev ?? { type: "SystemAssigned" };
  const type =
    field.enumOf(id, "type", "identity.type", ["SystemAssigned", "UserAssigned", "None"] as const) ??
    "SystemAssigned";
  if (type !== "UserAssigned") return { type };
  const uai = field.object(id, "userAssignedIdentities", "identity.userAssignedIdentities") ?? {};
  const keys = Object.keys(uai);
  if (keys.length !== 1)
    throw invalidParameter(
      "identity.userAssignedIdentities",
      `Exactly one user-assigned identity is allowed, got ${keys.length}.`,
    );
  return { type, userAssignedId: keys[0] };
}

export interface PoolDefaults {
  plugin: NetworkSpec;
  kubernetesVersion: string;
  defaultMode: PoolMode;
}

/** A pool's desired state from its property bag (inline profile or agentPools PUT). */
export function parsePool(
  name: string,
  props: Record<string, unknown>,
  prev: PoolSpec | undefined,
  d: PoolDefaults,
  path = "agentPoolProfile",
): PoolSpec {
  const osType = field.enumOf(props, "osType", `${path}.osType`, OS_TYPES) ?? prev?.osType ?? "Linux";
  const mode = field.enumOf(props, "mode", `${path}.mode`, MODES) ?? prev?.mode ?? d.defaultMode;
  const pluginKey =
    d.plugin.plugin === "azure" ? (d.plugin.pluginMode === "overlay" ? "azure-overlay" : "azure") : "kubenet";
  const passthrough: Record<string, unknown> = { ...(prev?.passthrough ?? {}) };
  for (const [k, v] of Object.entries(props)) if (!POOL_READ_ONLY.has(k)) passthrough[k] = v;
  const count = field.int(props, "count", `${path}.count`) ?? prev?.count ?? 1;
  return {
    name,
    count,
    vmSize: field.string(props, "vmSize", `${path}.vmSize`) ?? prev?.vmSize ?? "Standard_DS2_v2",
    osType,
    osSKU:
      field.string(props, "osSKU", `${path}.osSKU`) ??
      prev?.osSKU ??
      (osType === "Windows" ? "Windows2022" : "Ubuntu"),
    mode,
    maxPods: field.int(props, "maxPods", `${path}.maxPods`) ?? prev?.maxPods ?? DEFAULT_MAX_PODS[pluginKey],
    vnetSubnetID: field.string(props, "vnetSubnetID", `${path}.vnetSubnetID`) ?? prev?.vnetSubnetID,
    podSubnetID: field.string(props, "podSubnetID", `${path}.podSubnetID`) ?? prev?.podSubnetID,
    orchestratorVersion:
      field.string(props, "orchestratorVersion", `${path}.orchestratorVersion`) ||
      prev?.orchestratorVersion ||
      d.kubernetesVersion,
    passthrough,
  };
}

export interface ParsedCluster {
  spec: ClusterSpec;
  /** Inline pools in request order (name → property bag). */
  pools: { name: string; props: Record<string, unknown> }[];
}

export function parseCluster(
  ctx: ArmContext,
  raw: unknown,
  rg: string,
  clusterName: string,
  prev: ClusterSpec | undefined,
): ParsedCluster {
  const body = asObject(raw);
  const props = propertiesOf(body);
  const location = normalizeLocation(ctx, body.location)!;
  const tags = readTags(body) ?? prev?.tags ?? {};
  const { version, current } = resolveVersion(
    field.string(props, "kubernetesVersion", "properties.kubernetesVersion") || undefined,
    prev?.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION,
  );
  const network = parseNetwork(
    field.object(props, "networkProfile", "properties.networkProfile"),
    prev?.network,
  );
  const identity = parseIdentity(body, prev?.identity);
  const passthrough: Record<string, unknown> = { ...(prev?.passthrough ?? {}) };
  for (const [k, v] of Object.entries(props)) if (!CLUSTER_READ_ONLY.has(k)) passthrough[k] = v;
  for (const k of ["kubernetesVersion", "dnsPrefix", "fqdnSubdomain", "nodeResourceGroup", "enableRBAC"])
    delete passthrough[k];
  const list = field.array(props, "agentPoolProfiles", "properties.agentPoolProfiles") ?? [];
  const pools = list.map((p, i) => {
    const o = asObject(p, `properties.agentPoolProfiles[${i}]`);
    const name = field.string(o, "name", `properties.agentPoolProfiles[${i}].name`);
    if (!name)
      throw invalidParameter(`agentPoolProfiles[${i}].name`, "Every agent pool profile needs a name.");
    return { name, props: o };
  });
  const givenPrefix = field.string(props, "dnsPrefix", "properties.dnsPrefix");
  if (givenPrefix && !DNS_PREFIX_RE.test(givenPrefix)) throw invalidDnsPrefix();
  const dnsPrefix = givenPrefix ?? prev?.dnsPrefix;
  const fqdnSubdomain =
    field.string(props, "fqdnSubdomain", "properties.fqdnSubdomain") ?? prev?.fqdnSubdomain;
  const spec: ClusterSpec = {
    location,
    tags,
    ...(dnsPrefix || !fqdnSubdomain
      ? { dnsPrefix: dnsPrefix ?? defaultDnsPrefix(clusterName, rg, ctx.subscriptionId) }
      : {}),
    ...(fqdnSubdomain ? { fqdnSubdomain } : {}),
    kubernetesVersion: version,
    currentKubernetesVersion: current,
    nodeResourceGroup:
      field.string(props, "nodeResourceGroup", "properties.nodeResourceGroup") ||
      prev?.nodeResourceGroup ||
      defaultNodeResourceGroup(rg, clusterName, location),
    enableRBAC: field.bool(props, "enableRBAC", "properties.enableRBAC") ?? prev?.enableRBAC ?? true,
    network,
    identity,
    sku: field.object(body, "sku", "sku") ?? prev?.sku ?? { name: "Base", tier: "Free" },
    passthrough,
  };
  return { spec, pools };
}

/** What `az aks create` derives: name[:10]-rg[:16]-sub[:6], letters, digits and '-' only. */
function defaultDnsPrefix(name: string, rg: string, sub: string): string {
  const clean = (s: string) => s.replace(/[^a-zA-Z0-9-]/g, "");
  let p = `${clean(name).slice(0, 10)}-${clean(rg).slice(0, 16)}-${sub.slice(0, 6)}`;
  if (!/^[a-zA-Z]/.test(p)) p = `a${p}`;
  return p;
}

export { resolveVersion };
