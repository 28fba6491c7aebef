// The desired state of a managed cluster and its agent pools, as the emulator keeps it
// (record `internal`), plus the names AKS derives from it. Everything the wire shows and
// everything the reconciler builds comes from these, so reads never re-parse requests.
import { createHash, randomUUID } from "node:crypto";

export const CLUSTER_TYPE = "Microsoft.ContainerService/managedClusters";
export const POOL_TYPE = "Microsoft.ContainerService/managedClusters/agentPools";
export const NS = "Microsoft.ContainerService";

/** 2026-06-01 is the SDK default, 2022-11-01 what `az` 2.45 sends; the rest as in arm-api.md §0. */
export const AKS_API_VERSIONS = [
  "2026-10-02-preview",
  "2026-10-01",
  "2026-08-02-preview",
  "2026-08-01",
  "2026-07-02-preview",
  "2026-07-01",
  "2026-06-02-preview",
  "2026-06-01",
  "2026-05-02-preview",
  "2026-05-01",
  "2026-04-02-preview",
  "2026-04-01",
  "2026-03-02-preview",
  "2026-03-01",
  "2026-02-02-preview",
  "2026-02-01",
  "2026-01-02-preview",
  "2026-01-01",
  "2025-10-02-preview",
  "2025-10-01",
  "2025-08-01",
  "2025-07-01",
  "2025-05-01",
  "2025-03-01",
  "2025-02-01",
  "2025-01-01",
  "2024-10-01",
  "2024-09-01",
  "2024-08-01",
  "2024-07-01",
  "2024-06-01",
  "2024-05-01",
  "2024-02-01",
  "2024-01-01",
  "2023-11-01",
  "2023-10-01",
  "2023-09-01",
  "2023-08-01",
  "2023-07-01",
  "2023-06-01",
  "2023-05-01",
  "2023-04-01",
  "2023-03-01",
  "2023-02-01",
  "2023-01-01",
  "2022-11-01",
  "2022-09-01",
  "2022-07-01",
  "2022-06-01",
  "2022-04-01",
  "2022-03-01",
  "2022-02-01",
  "2022-01-01",
  "2021-10-01",
  "2021-09-01",
  "2021-08-01",
  "2021-07-01",
  "2021-05-01",
  "2021-03-01",
  "2021-02-01",
  "2020-12-01",
  "2020-11-01",
  "2020-09-01",
  "2020-07-01",
  "2020-06-01",
  "2020-04-01",
  "2020-03-01",
  "2020-02-01",
  "2020-01-01",
  "2019-11-01",
  "2019-10-01",
  "2019-08-01",
  "2019-06-01",
  "2019-04-01",
  "2019-02-01",
] as const;

export type NetworkPlugin = "kubenet" | "azure" | "none";
export type OsType = "Linux" | "Windows";
export type PoolMode = "System" | "User" | "Gateway";

export interface NetworkSpec {
  plugin: NetworkPlugin;
  pluginMode?: "overlay";
  policy: string;
  dataplane?: string;
  /** IPv4 pod CIDR for kubenet / overlay; undefined for flat Azure CNI and `none`. */
  podCidr?: string;
  serviceCidr: string;
  dnsServiceIP: string;
  podCidrs?: string[];
  serviceCidrs: string[];
  ipFamilies: string[];
  outboundType: string;
  loadBalancerSku: string;
  managedOutboundIPs: number;
  /**
   * loadBalancerProfile.outboundIPs.publicIPs: public IPs of the user's own as the outbound LB's
   * frontends instead of managed ones (then managedOutboundIPs is only the count to return to).
   */
  outboundIPs?: string[];
  /** loadBalancerProfile.allocatedOutboundPorts (0 = Azure's dynamic allocation); absent in old records = 0. */
  allocatedOutboundPorts?: number;
  /** loadBalancerProfile.idleTimeoutInMinutes (4–120); absent in old records = 30. */
  lbIdleTimeoutInMinutes?: number;
  /** outboundType managedNATGateway: natGatewayProfile.managedOutboundIPProfile.count (1–16). */
  natManagedOutboundIPs?: number;
  /** natGatewayProfile.idleTimeoutInMinutes (4–120), managedNATGateway. */
  natIdleTimeoutInMinutes?: number;
  /** `staticEgressGatewayProfile.enabled`; undefined when never set (issue #4, gatewayPools.ts). */
  staticEgressGateway?: boolean;
}

export interface IdentitySpec {
  type: "SystemAssigned" | "UserAssigned" | "None";
  /** The user-assigned identity id (exactly one allowed). */
  userAssignedId?: string;
  /** Principal the cluster acts as (system-assigned or the user-assigned one). */
  principalId?: string;
  clientId?: string;
}

export interface PoolSpec {
  name: string;
  count: number;
  vmSize: string;
  osType: OsType;
  osSKU: string;
  mode: PoolMode;
  maxPods: number;
  /** BYO subnet as given; undefined → the cluster's (managed or first pool's) subnet. */
  vnetSubnetID?: string;
  podSubnetID?: string;
  orchestratorVersion: string;
  /** Properties the request carried that the emulator only echoes. */
  passthrough: Record<string, unknown>;
}

export interface ClusterSpec {
  location: string;
  tags: Record<string, string>;
  dnsPrefix?: string;
  fqdnSubdomain?: string;
  kubernetesVersion: string;
  currentKubernetesVersion: string;
  nodeResourceGroup: string;
  enableRBAC: boolean;
  network: NetworkSpec;
  identity: IdentitySpec;
  sku: Record<string, unknown>;
  passthrough: Record<string, unknown>;
}

export interface ClusterInternal {
  spec: ClusterSpec;
  /** 8-digit suffix of every node-resource-group name (aks-agentpool-<hash>-nsg …). */
  hash: string;
  resourceUID: string;
  /** Subnet the reconciler created (managed VNet) or the first BYO subnet. */
  defaultSubnetId: string;
  managedVnet: boolean;
  /** kubenet: the route table serving the cluster, and whether AKS created it. */
  routeTableId?: string;
  routeTableCreated?: boolean;
  /** BYO subnets AKS attached its own route table to (detached on delete). */
  attachedRouteTableTo?: string[];
  /** Next-fit cursor over the pod CIDR's /24 blocks (kube-controller-manager cidrset). */
  podCidrCursor: number;
  operationId?: string;
  eTag: string;
  createdAt: string;
  /** provisioningState of the cluster. */
  state: string;
  /** `Stopped` after managedClusters/stop (nodes deallocated, addresses kept); absent = Running. */
  powerState?: "Running" | "Stopped";
  /** Capacity figures of the system pool's subnet (shown as `properties.networkCapacity`). */
  capacity?: CapacityReport;
}

/** What an emulator GET reports about capacity (an extension field, documented). */
export interface CapacityReport {
  plugin: string;
  subnetId: string;
  subnetPrefix: string;
  maxPodsPerNode: number;
  maxNodes: number;
  maxPods: number;
  limitedBy: string;
}

export interface PoolInternal {
  spec: PoolSpec;
  /** The subnet the pool's nodes use (resolved at validation). */
  subnetId: string;
  vmssId: string;
  eTag: string;
  operationId?: string;
  /** Set while a delete is under way. */
  deleting?: boolean;
  state: string;
}

const sha = (...parts: string[]) => createHash("sha256").update(parts.join("\u0000").toLowerCase()).digest();

/** AKS's 8-digit numeric suffix (aks-nodepool1-12345678-vmss). */
export function clusterHash(subscriptionId: string, rg: string, name: string): string {
  return String(sha("aks-hash", subscriptionId, rg, name).readUInt32BE(0) % 100_000_000).padStart(8, "0");
}

export function fqdnHash(clusterId: string): string {
  return sha("aks-fqdn", clusterId).toString("hex").slice(0, 8);
}

/**
 * A new cluster's uid, fresh per creation as Azure's is: a cluster re-created under a deleted
 * one's name must not answer to its kubeconfig (tokens derive from the uid) or meet its objects.
 */
export function resourceUID(clusterId: string): string {
  return sha("aks-uid", `${clusterId}\u0000${randomUUID()}`).toString("hex").slice(0, 24);
}

export function defaultNodeResourceGroup(rg: string, name: string, location: string): string {
  return `MC_${rg}_${name}_${location}`.slice(0, 80);
}

export const names = {
  vnet: (hash: string) => `aks-vnet-${hash}`,
  subnet: "aks-subnet",
  nsg: (hash: string) => `aks-agentpool-${hash}-nsg`,
  routeTable: (hash: string) => `aks-agentpool-${hash}-routetable`,
  vmss: (pool: string, hash: string) => `aks-${pool}-${hash}-vmss`,
  lb: "kubernetes",
  /** outboundType managedNATGateway: the NAT gateway AKS creates in the node resource group. */
  natGateway: "aks-natgw",
  kubeletIdentity: (cluster: string) => `${cluster}-agentpool`,
};

/** `aks-nodepool1-12345678-vmss000003`: the prefix plus the instance id in base 36, six wide. */
export function computerName(vmssName: string, instanceId: number): string {
  return `${vmssName}${instanceId.toString(36).padStart(6, "0")}`;
}

export function clusterIdOf(subscriptionId: string, rg: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/${CLUSTER_TYPE}/${name}`;
}

/** Allocation pool of the cluster's pod CIDR /24 blocks: item = block index, owner = node. */
export const podBlockPool = (clusterId: string) => `aks-podcidr:${clusterId.toLowerCase()}`;

/** Owner key of everything one node holds (subnet addresses, pod block): its instance id. */
export const nodeOwner = (instanceResourceId: string) => instanceResourceId.toLowerCase();

/** Supported Kubernetes minors and the patch each resolves to. */
export const KUBERNETES_VERSIONS: Record<string, string> = {
  "1.30": "1.30.14",
  "1.31": "1.31.13",
  "1.32": "1.32.9",
  "1.33": "1.33.5",
  "1.34": "1.34.1",
};
export const DEFAULT_KUBERNETES_VERSION = "1.33";

/** Per-node subnet addresses a pool consumes from its node subnet. */
/**
 * Azure CNI with a pod subnet allocates dynamically: each node takes pod-subnet addresses in
 * batches of 16 (capped at maxPods), one at start and another whenever its pods need more.
 */
export const POD_SUBNET_BATCH = 16;
export const podSubnetBatch = (maxPods: number) => Math.min(POD_SUBNET_BATCH, maxPods);

export function addressesPerNode(net: NetworkSpec, pool: PoolSpec): number {
  return net.plugin === "azure" && net.pluginMode !== "overlay" && !pool.podSubnetID ? 1 + pool.maxPods : 1;
}

/** True when nodes take a /24 of the pod CIDR (kubenet and Azure CNI Overlay). */
export function usesPodCidr(net: NetworkSpec): boolean {
  return net.plugin === "kubenet" || (net.plugin === "azure" && net.pluginMode === "overlay");
}
