// Request bodies az builds for `aks create` and `aks nodepool add|update` (azure-cli 2.45's
// AKSManagedClusterCreateDecorator plus the aks-preview flags), as pure functions so the exact
// wire shape can be unit-tested against the capture in clients.md Part B.

import { isResourceId } from "../common.js";
import { CliError } from "../io.js";

type Obj = Record<string, unknown>;

export interface PortRange {
  portStart: number;
  portEnd: number;
  protocol: "TCP" | "UDP";
}

export interface IpTag {
  ipTagType: string;
  tag: string;
}

/** azure-cli's _get_default_dns_prefix. */
export function defaultDnsPrefix(name: string, resourceGroup: string, subscriptionId: string): string {
  let namePart = name.replace(/[^A-Za-z0-9-]/g, "").slice(0, 10);
  if (!/^[A-Za-z]/.test(namePart)) namePart = `a${namePart}`.slice(0, 10);
  const rgPart = resourceGroup.replace(/[^A-Za-z0-9-]/g, "").slice(0, 16);
  return `${namePart}-${rgPart}-${subscriptionId.slice(0, 6)}`;
}

/**
 * `80/tcp,443/tcp,53/udp,40000-60000/tcp` → PortRange[]. An empty string clears the list.
 * Errors name the offending entry.
 */
export function parseAllowedHostPorts(spec: string, flagName: string): PortRange[] {
  if (spec.trim() === "") return [];
  const usage = `${flagName} must be a comma-separated list of port ranges in the format of <port-range>/<protocol>`;
  return spec.split(",").map((raw) => {
    const entry = raw.trim();
    const m = /^(\d+)(?:-(\d+))?\/([A-Za-z]+)$/.exec(entry);
    if (!m)
      throw new CliError(
        `${usage}: '${entry}' is not valid (expected <port>/<protocol> or <start>-<end>/<protocol>, e.g. 80/tcp or 40000-60000/udp)`,
      );
    const protocol = m[3].toLowerCase();
    if (protocol !== "tcp" && protocol !== "udp") {
      throw new CliError(`${usage}: '${entry}' is not valid (protocol must be tcp or udp)`);
    }
    const start = Number(m[1]);
    const end = m[2] === undefined ? start : Number(m[2]);
    if (start < 1 || start > 65535 || end < 1 || end > 65535) {
      throw new CliError(`${usage}: '${entry}' is not valid (ports must be between 1 and 65535)`);
    }
    if (start > end)
      throw new CliError(
        `${usage}: '${entry}' is not valid (the start port must not be greater than the end port)`,
      );
    return { portStart: start, portEnd: end, protocol: protocol === "tcp" ? "TCP" : "UDP" };
  });
}

/** `id1,id2` → [id1, id2]; each must be an application security group resource id. */
export function parseAsgIds(spec: string, flagName: string): string[] {
  if (spec.trim() === "") return [];
  return spec.split(",").map((raw) => {
    const id = raw.trim();
    if (
      !isResourceId(id) ||
      !/\/providers\/Microsoft\.Network\/applicationSecurityGroups\/[^/]+$/i.test(id)
    ) {
      throw new CliError(
        `${flagName} must be a comma-separated list of application security group resource IDs: '${id}' is not valid`,
      );
    }
    return id;
  });
}

/** `RoutingPreference=Internet` (space-separated, also comma-separated) → IPTag[]. */
export function parseNodePublicIpTags(values: string[], flagName: string): IpTag[] {
  const entries = values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  return entries.map((e) => {
    const eq = e.indexOf("=");
    if (eq <= 0 || eq === e.length - 1)
      throw new CliError(
        `${flagName}: '${e}' is not valid (expected IPTagType=Tag, e.g. RoutingPreference=Internet)`,
      );
    return { ipTagType: e.slice(0, eq), tag: e.slice(eq + 1) };
  });
}

/** azure-cli's extract_comma_separated_string: `a, b,,c` → [a, b, c]. */
export function commaList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
}

/** `--ip-families ipv4,ipv6` → ["IPv4", "IPv6"] (az accepts any case and sends AKS's spelling). */
export function parseIpFamilies(value: string | undefined): string[] | undefined {
  const list = commaList(value);
  if (!list) return undefined;
  return list.map((f) => {
    const v = f.toLowerCase();
    if (v !== "ipv4" && v !== "ipv6")
      throw new CliError(`--ip-families: '${f}' is not valid; allowed values are IPv4 and IPv6.`);
    return v === "ipv4" ? "IPv4" : "IPv6";
  });
}

/** `key=value` pairs (--labels, --nodepool-labels). */
export function parseKeyValues(values: string[] | undefined): Record<string, string> | undefined {
  if (!values) return undefined;
  const out: Record<string, string> = {};
  for (const v of values.flatMap((x) => x.split(" ")).filter(Boolean)) {
    const eq = v.indexOf("=");
    if (eq < 0) out[v] = "";
    else out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

export interface AgentPoolInput {
  name?: string;
  count?: number;
  vmSize?: string;
  osType?: string;
  osSku?: string;
  mode?: string;
  kubernetesVersion?: string;
  maxPods?: number;
  vnetSubnetId?: string;
  podSubnetId?: string;
  enableNodePublicIp?: boolean;
  nodePublicIpPrefixId?: string;
  nodePublicIpTags?: IpTag[];
  allowedHostPorts?: PortRange[];
  asgIds?: string[];
  gatewayPrefixSize?: number;
  zones?: string[];
  labels?: Record<string, string>;
  taints?: string[];
  enableClusterAutoscaler?: boolean;
  minCount?: number;
  maxCount?: number;
  tags?: Record<string, string>;
}

export const DEFAULT_VM_SIZE = "Standard_DS2_v2";
export const DEFAULT_WINDOWS_VM_SIZE = "Standard_D2s_v3";

/** The agent pool property bag (inline profile on the cluster, or AgentPool.properties). */
export function buildAgentPoolProperties(p: AgentPoolInput, defaults: { mode: string }): Obj {
  const osType = p.osType ?? "Linux";
  const out: Obj = {
    count: p.count ?? 3,
    vmSize: p.vmSize ?? (osType === "Windows" ? DEFAULT_WINDOWS_VM_SIZE : DEFAULT_VM_SIZE),
    osType,
    type: "VirtualMachineScaleSets",
    mode: p.mode ?? defaults.mode,
    orchestratorVersion: p.kubernetesVersion ?? "",
    enableNodePublicIP: p.enableNodePublicIp ?? false,
    enableAutoScaling: p.enableClusterAutoscaler ?? false,
  };
  if (p.osSku) out.osSKU = p.osSku;
  if (p.maxPods !== undefined) out.maxPods = p.maxPods;
  if (p.vnetSubnetId) out.vnetSubnetID = p.vnetSubnetId;
  if (p.podSubnetId) out.podSubnetID = p.podSubnetId;
  if (p.nodePublicIpPrefixId) out.nodePublicIPPrefixID = p.nodePublicIpPrefixId;
  if (p.zones?.length) out.availabilityZones = p.zones;
  if (p.labels) out.nodeLabels = p.labels;
  if (p.taints) out.nodeTaints = p.taints;
  if (p.enableClusterAutoscaler) {
    if (p.minCount !== undefined) out.minCount = p.minCount;
    if (p.maxCount !== undefined) out.maxCount = p.maxCount;
  }
  if (p.tags) out.tags = p.tags;
  const net: Obj = {};
  if (p.nodePublicIpTags?.length) net.nodePublicIPTags = p.nodePublicIpTags;
  if (p.allowedHostPorts) net.allowedHostPorts = p.allowedHostPorts;
  if (p.asgIds) net.applicationSecurityGroups = p.asgIds;
  if (Object.keys(net).length) out.networkProfile = net;
  if (p.gatewayPrefixSize !== undefined) out.gatewayProfile = { publicIPPrefixSize: p.gatewayPrefixSize };
  return out;
}

/** aks-preview's client-side checks of a pool's flags. */
export function validatePool(p: AgentPoolInput): void {
  if (p.gatewayPrefixSize !== undefined && p.mode !== "Gateway") {
    throw new CliError("--gateway-prefix-size can only be set for Gateway-mode nodepools");
  }
  if (p.enableClusterAutoscaler) {
    if (p.minCount === undefined || p.maxCount === undefined) {
      throw new CliError(
        "Please specify both min-count and max-count when --enable-cluster-autoscaler enabled",
      );
    }
    if (p.minCount > p.maxCount)
      throw new CliError("Value of min-count should be less than or equal to value of max-count");
    if (p.count !== undefined && (p.count < p.minCount || p.count > p.maxCount))
      throw new CliError("node-count is not in the range of min-count and max-count");
  } else if (p.minCount !== undefined || p.maxCount !== undefined) {
    throw new CliError(
      "min-count and max-count are required for --enable-cluster-autoscaler, please use the flag",
    );
  }
}

export interface ManagedClusterInput {
  name: string;
  resourceGroup: string;
  subscriptionId: string;
  location: string;
  dnsNamePrefix?: string;
  kubernetesVersion?: string;
  sshKey?: string;
  adminUsername?: string;
  assignIdentity?: string;
  enableManagedIdentity?: boolean;
  nodeResourceGroup?: string;
  tags?: Record<string, string>;
  pool: AgentPoolInput;
  network: {
    networkPlugin?: string;
    networkPluginMode?: string;
    networkPolicy?: string;
    networkDataplane?: string;
    podCidr?: string;
    serviceCidr?: string;
    podCidrs?: string[];
    serviceCidrs?: string[];
    ipFamilies?: string[];
    dnsServiceIp?: string;
    outboundType?: string;
    loadBalancerSku?: string;
    enableStaticEgressGateway?: boolean;
    natGatewayManagedOutboundIpCount?: number;
    natGatewayIdleTimeout?: number;
    loadBalancerManagedOutboundIpCount?: number;
    loadBalancerOutboundIps?: string;
    loadBalancerOutboundIpPrefixes?: string;
  };
}

/** The ManagedCluster PUT body of `az aks create`. */
export function buildManagedCluster(i: ManagedClusterInput): Obj {
  const pool = { name: i.pool.name ?? "nodepool1", ...buildAgentPoolProperties(i.pool, { mode: "System" }) };
  const net: Obj = {};
  const n = i.network;
  if (n.networkPlugin) net.networkPlugin = n.networkPlugin;
  if (n.networkPluginMode) net.networkPluginMode = n.networkPluginMode;
  if (n.networkPolicy) net.networkPolicy = n.networkPolicy;
  if (n.networkDataplane) net.networkDataplane = n.networkDataplane;
  if (n.podCidr) net.podCidr = n.podCidr;
  if (n.serviceCidr) net.serviceCidr = n.serviceCidr;
  if (n.dnsServiceIp) net.dnsServiceIP = n.dnsServiceIp;
  if (n.podCidrs?.length) net.podCidrs = n.podCidrs;
  if (n.serviceCidrs?.length) net.serviceCidrs = n.serviceCidrs;
  if (n.ipFamilies?.length) net.ipFamilies = n.ipFamilies;
  net.outboundType = n.outboundType ?? "loadBalancer";
  net.loadBalancerSku = n.loadBalancerSku ?? "standard";
  if (n.enableStaticEgressGateway) net.staticEgressGatewayProfile = { enabled: true };
  const ngp = natGatewayProfile(n.natGatewayManagedOutboundIpCount, n.natGatewayIdleTimeout);
  if (ngp) net.natGatewayProfile = ngp;
  const lbp = loadBalancerProfile(
    n.loadBalancerManagedOutboundIpCount,
    n.loadBalancerOutboundIps,
    n.loadBalancerOutboundIpPrefixes,
  );
  if (lbp) net.loadBalancerProfile = lbp;

  const props: Obj = {
    kubernetesVersion: i.kubernetesVersion ?? "",
    dnsPrefix: i.dnsNamePrefix ?? defaultDnsPrefix(i.name, i.resourceGroup, i.subscriptionId),
    agentPoolProfiles: [pool],
  };
  if (i.sshKey) {
    props.linuxProfile = {
      adminUsername: i.adminUsername ?? "azureuser",
      ssh: { publicKeys: [{ keyData: i.sshKey }] },
    };
  }
  props.addonProfiles = {};
  props.enableRBAC = true;
  props.networkProfile = net;
  if (i.nodeResourceGroup) props.nodeResourceGroup = i.nodeResourceGroup;

  const body: Obj = { location: i.location };
  if (i.tags) body.tags = i.tags;
  if (i.assignIdentity) {
    body.identity = { type: "UserAssigned", userAssignedIdentities: { [i.assignIdentity]: {} } };
  } else if (i.enableManagedIdentity !== false) {
    body.identity = { type: "SystemAssigned" };
  }
  body.properties = props;
  return body;
}

/** `--nat-gateway-managed-outbound-ip-count` / `--nat-gateway-idle-timeout` → natGatewayProfile (or nothing). */
export function natGatewayProfile(count: number | undefined, idle: number | undefined): Obj | undefined {
  if (count === undefined && idle === undefined) return undefined;
  return {
    ...(count !== undefined ? { managedOutboundIPProfile: { count } } : {}),
    ...(idle !== undefined ? { idleTimeoutInMinutes: idle } : {}),
  };
}

/**
 * `--load-balancer-managed-outbound-ip-count` / `--load-balancer-outbound-ips` /
 * `--load-balancer-outbound-ip-prefixes` (comma-separated ids) applied to a load balancer
 * profile as azure-cli does: when any is given, all three are cleared and the given ones set (the
 * service refuses more than one). Undefined when none is given.
 */
export function loadBalancerProfile(
  count: number | undefined,
  ips: string | undefined,
  prefixes: string | undefined,
  current: Obj = {},
): Obj | undefined {
  const refs = (list: string | undefined) =>
    list
      ?.split(",")
      .map((x) => x.trim())
      .filter((x) => x !== "")
      .map((id) => ({ id }));
  const ipRefs = refs(ips);
  const prefixRefs = refs(prefixes);
  if (!count && !ipRefs?.length && !prefixRefs?.length) return undefined;
  const { managedOutboundIPs: _m, outboundIPs: _o, outboundIPPrefixes: _p, ...rest } = current;
  return {
    ...rest,
    ...(count ? { managedOutboundIPs: { count } } : {}),
    ...(ipRefs?.length ? { outboundIPs: { publicIPs: ipRefs } } : {}),
    ...(prefixRefs?.length ? { outboundIPPrefixes: { publicIPPrefixes: prefixRefs } } : {}),
  };
}
