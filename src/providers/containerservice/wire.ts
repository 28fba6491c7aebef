// Desired state → the JSON Azure returns for clusters and agent pools, with every default
// AKS fills in (network profile incl. plural CIDR fields and ipFamilies, fqdn, node
// resource group, identity principals, kubelet identity, eTags, power state).
import { stableGuid } from "../ids.js";
import type { Wire } from "../registry.js";
import { withoutWriteOnly } from "../writeOnly.js";
import {
  type CapacityReport,
  CLUSTER_TYPE,
  type ClusterInternal,
  fqdnHash,
  KUBERNETES_VERSIONS,
  POOL_TYPE,
  type PoolInternal,
} from "./model.js";
import { poolNetworkingWire } from "./poolNetworking.js";

export const NODE_IMAGE: Record<string, string> = {
  Linux: "AKSUbuntu-2204gen2containerd-202601.13.0",
  Windows: "AKSWindows-2022-containerd-20348.2966.260113",
};

function currentVersion(v: string): string {
  return /^\d+\.\d+\.\d+$/.test(v) ? v : (KUBERNETES_VERSIONS[v] ?? `${v}.0`);
}

export function poolProperties(
  p: PoolInternal,
  state: string,
  clusterSubnetManaged: boolean,
  power: "Running" | "Stopped" = "Running",
): Wire {
  const s = p.spec;
  return {
    ...s.passthrough,
    eTag: p.eTag,
    count: s.count,
    vmSize: s.vmSize,
    osDiskSizeGB: (s.passthrough.osDiskSizeGB as number | undefined) ?? 128,
    osDiskType: (s.passthrough.osDiskType as string | undefined) ?? "Managed",
    kubeletDiskType: "OS",
    maxPods: s.maxPods,
    type: (s.passthrough.type as string | undefined) ?? "VirtualMachineScaleSets",
    enableAutoScaling: (s.passthrough.enableAutoScaling as boolean | undefined) ?? false,
    scaleDownMode: "Delete",
    provisioningState: state,
    powerState: { code: power },
    orchestratorVersion: s.orchestratorVersion,
    currentOrchestratorVersion: currentVersion(s.orchestratorVersion),
    enableNodePublicIP: (s.passthrough.enableNodePublicIP as boolean | undefined) ?? false,
    mode: s.mode,
    enableEncryptionAtHost: (s.passthrough.enableEncryptionAtHost as boolean | undefined) ?? false,
    enableUltraSSD: false,
    osType: s.osType,
    osSKU: s.osSKU,
    nodeImageVersion: NODE_IMAGE[s.osType],
    upgradeSettings: (s.passthrough.upgradeSettings as Wire | undefined) ?? { maxSurge: "10%" },
    enableFIPS: (s.passthrough.enableFIPS as boolean | undefined) ?? false,
    scaleSetPriority: (s.passthrough.scaleSetPriority as string | undefined) ?? "Regular",
    // Azure shows the subnet only when the user brought it.
    ...(s.vnetSubnetID || !clusterSubnetManaged ? { vnetSubnetID: s.vnetSubnetID ?? p.subnetId } : {}),
    ...(s.podSubnetID ? { podSubnetID: s.podSubnetID } : {}),
    ...poolNetworkingWire(s),
  };
}

export function poolWire(
  clusterId: string,
  p: PoolInternal,
  state: string,
  managed: boolean,
  power: "Running" | "Stopped" = "Running",
): Wire {
  return {
    id: `${clusterId}/agentPools/${p.spec.name}`,
    name: p.spec.name,
    type: POOL_TYPE,
    properties: poolProperties(p, state, managed, power),
  };
}

export interface ClusterView {
  id: string;
  name: string;
  internal: ClusterInternal;
  pools: PoolInternal[];
  state: string;
  poolStates: Map<string, string>;
  /** Outbound public IP ids (effectiveOutboundIPs), when created. */
  outboundIpIds: string[];
  /** managedNATGateway: the NAT gateway's public IP ids (natGatewayProfile.effectiveOutboundIPs). */
  natOutboundIpIds?: string[];
  kubeletIdentity?: { resourceId: string; clientId: string; objectId: string };
  capacity?: CapacityReport;
  tenantId: string;
}

export function clusterWire(v: ClusterView): Wire {
  const { spec } = v.internal;
  const n = spec.network;
  const region = spec.location;
  const prefix = (spec.dnsPrefix ?? spec.fqdnSubdomain ?? v.name).toLowerCase();
  const fh = fqdnHash(v.id);
  const identity: Wire =
    spec.identity.type === "UserAssigned"
      ? {
          type: "UserAssigned",
          userAssignedIdentities: {
            [spec.identity.userAssignedId!]: {
              principalId: spec.identity.principalId,
              clientId: spec.identity.clientId,
            },
          },
        }
      : spec.identity.type === "SystemAssigned"
        ? { type: "SystemAssigned", principalId: spec.identity.principalId, tenantId: v.tenantId }
        : { type: "None" };
  const networkProfile: Wire = {
    networkPlugin: n.plugin,
    ...(n.pluginMode ? { networkPluginMode: n.pluginMode } : {}),
    networkPolicy: n.policy,
    ...(n.dataplane ? { networkDataplane: n.dataplane } : {}),
    ...(n.podCidr ? { podCidr: n.podCidr } : {}),
    serviceCidr: n.serviceCidr,
    dnsServiceIP: n.dnsServiceIP,
    outboundType: n.outboundType,
    loadBalancerSku: n.loadBalancerSku,
    ...(n.outboundType === "loadBalancer"
      ? {
          loadBalancerProfile: {
            ...(n.outboundIPs
              ? { outboundIPs: { publicIPs: n.outboundIPs.map((id) => ({ id })) } }
              : { managedOutboundIPs: { count: n.managedOutboundIPs } }),
            effectiveOutboundIPs: v.outboundIpIds.map((id) => ({ id })),
            allocatedOutboundPorts: n.allocatedOutboundPorts ?? 0,
            idleTimeoutInMinutes: n.lbIdleTimeoutInMinutes ?? 30,
            backendPoolType: "nodeIPConfiguration",
          },
        }
      : {}),
    ...(n.outboundType === "managedNATGateway"
      ? {
          natGatewayProfile: {
            managedOutboundIPProfile: { count: n.natManagedOutboundIPs ?? 1 },
            effectiveOutboundIPs: (v.natOutboundIpIds ?? []).map((id) => ({ id })),
            idleTimeoutInMinutes: n.natIdleTimeoutInMinutes ?? 4,
          },
        }
      : {}),
    ...(n.podCidrs ? { podCidrs: n.podCidrs } : {}),
    serviceCidrs: n.serviceCidrs,
    ipFamilies: n.ipFamilies,
    ...(n.staticEgressGateway !== undefined
      ? { staticEgressGatewayProfile: { enabled: n.staticEgressGateway } }
      : {}),
  };
  // Secrets the client sent stay in the spec (passthrough) but never reach a body.
  return withoutWriteOnly(CLUSTER_TYPE, {
    id: v.id,
    location: region,
    name: v.name,
    tags: spec.tags,
    type: CLUSTER_TYPE,
    eTag: v.internal.eTag,
    sku: spec.sku,
    identity,
    properties: {
      ...spec.passthrough,
      provisioningState: v.state,
      powerState: { code: v.internal.powerState ?? "Running" },
      kubernetesVersion: spec.kubernetesVersion,
      currentKubernetesVersion: spec.currentKubernetesVersion,
      ...(spec.dnsPrefix ? { dnsPrefix: spec.dnsPrefix } : {}),
      ...(spec.fqdnSubdomain ? { fqdnSubdomain: spec.fqdnSubdomain } : {}),
      fqdn: `${prefix}-${fh}.hcp.${region}.azmk8s.io`,
      ...privateFqdn(spec.passthrough.apiServerAccessProfile, prefix, fh, region, v.internal.resourceUID),
      azurePortalFQDN: `${prefix}-${fh}.portal.hcp.${region}.azmk8s.io`,
      agentPoolProfiles: v.pools.map((p) => ({
        name: p.spec.name,
        ...poolProperties(
          p,
          v.poolStates.get(p.spec.name.toLowerCase()) ?? v.state,
          v.internal.managedVnet,
          v.internal.powerState,
        ),
      })),
      ...(spec.identity.type !== "None" ? { servicePrincipalProfile: { clientId: "msi" } } : {}),
      nodeResourceGroup: spec.nodeResourceGroup,
      enableRBAC: spec.enableRBAC,
      supportPlan: "KubernetesOfficial",
      networkProfile,
      maxAgentPools: 100,
      ...(v.kubeletIdentity ? { identityProfile: { kubeletidentity: v.kubeletIdentity } } : {}),
      resourceUID: v.internal.resourceUID,
      ...(v.capacity ? { networkCapacity: v.capacity } : {}),
    },
  });
}

/**
 * A private cluster's API server name: `<prefix>-<hash>.<guid>.privatelink.<region>.azmk8s.io` in
 * the system zone, or `<fqdnSubdomain|prefix>.<zone>` in a private DNS zone the user brought.
 */
function privateFqdn(
  access: unknown,
  prefix: string,
  hash: string,
  region: string,
  uid: string,
): { privateFQDN?: string; apiServerAccessProfile?: Wire } {
  const a = (access ?? {}) as { enablePrivateCluster?: unknown; privateDNSZone?: unknown };
  if (a.enablePrivateCluster !== true) return {};
  const profile = { ...(access as Wire), privateDNSZone: a.privateDNSZone ?? "system" };
  const zone = typeof a.privateDNSZone === "string" ? a.privateDNSZone : "system";
  if (zone.toLowerCase() === "system" || zone.toLowerCase() === "none") {
    const guid = stableGuid("aks-private-fqdn", uid);
    return {
      privateFQDN: `${prefix}-${hash}.${guid}.privatelink.${region}.azmk8s.io`,
      apiServerAccessProfile: profile,
    };
  }
  return { privateFQDN: `${prefix}.${zone.split("/").pop()}`, apiServerAccessProfile: profile };
}
