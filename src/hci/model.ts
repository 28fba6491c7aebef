// AKS on Azure Stack HCI (22H2 / Windows Server, the AksHci PowerShell module): the objects
// the module keeps, as stored records, and the documented numbers. Facts and their sources:
// ../shared/reference/hci.md; the choices we made where it marks inferences are listed in
// docs/hci.md.
import { createHash } from "node:crypto";

export const HCI_NAMESPACE = "AksHci";
export const NETWORK_TYPE = "AksHci/clusterNetworks";
export const CONFIG_TYPE = "AksHci/config";
export const CLUSTER_TYPE = "AksHci/clusters";
export const SERVICE_TYPE = "AksHci/clusters/services";

/** Fixed in AksHci (no parameter changes them): the defaults in `set-proxy-settings`' noProxy. */
export const POD_CIDR = "10.244.0.0/16";
export const SERVICE_CIDR = "10.96.0.0/12";

export const DEFAULT_KUBERNETES_VERSION = "v1.20.7";
export const DEFAULT_NODE_VM_SIZE = "Standard_K8S3_v1";
export const DEFAULT_CONTROL_PLANE_VM_SIZE = "Standard_A4_V2";
export const DEFAULT_LB_VM_SIZE = "Standard_A4_V2";
export const DEFAULT_MAX_POD_COUNT = 110;

/** Node-pool addresses a workload cluster keeps for rolling updates (node-networking sizing rule). */
export const CLUSTER_UPDATE_HEADROOM = 5;
/** The AKS host: 1 control-plane IP + 2 for updates. */
export const HOST_UPDATE_HEADROOM = 2;

export type NetworkPlugin = "calico" | "flannel";
export type LoadBalancerSku = "HAProxy" | "none";
export type OsType = "Linux" | "Windows";

/** A VirtualNetwork object (New-AksHciNetworkSetting / New-AksHciClusterNetwork). */
export interface NetworkSpec {
  name: string;
  vswitchName: string;
  vipPoolStart: string;
  vipPoolEnd: string;
  k8sNodeIpPoolStart?: string;
  k8sNodeIpPoolEnd?: string;
  ipAddressPrefix?: string;
  gateway?: string;
  dnsServers?: string[];
  vlanID?: number;
}

export interface NetworkBody extends NetworkSpec {
  /** `static` when the node pool is given (StaticIP parameter set), else `dhcp`. */
  ipAllocationMethod: "static" | "dhcp";
  /** `host` for the AKS host's network (Set-AksHciConfig -vnet), `cluster` for cluster networks. */
  role: "host" | "cluster";
  macPoolName: string;
}

export interface LoadBalancerSetting {
  name: string;
  sku: LoadBalancerSku;
  vmSize: string;
  count: number;
}

export interface NodePoolBody {
  name: string;
  osType: OsType;
  osSku?: string;
  count: number;
  vmSize: string;
  maxPodCount: number;
  taints: string[];
  autoScalerEnabled: boolean;
}

export type VmRole = "controlplane" | "worker" | "loadbalancer";

export interface VmBody {
  name: string;
  role: VmRole;
  /** Node pool name (workers), `control-plane` or `load-balancer`. */
  pool: string;
  ip: string;
  /** Pod-CIDR block (Calico /26, Flannel /24); load-balancer VMs have none. */
  podCidr?: string;
}

export interface ClusterBody {
  name: string;
  uid: string;
  createdAt: string;
  network: string;
  kubernetesVersion: string;
  primaryNetworkPlugin: NetworkPlugin;
  controlPlaneNodeCount: number;
  controlPlaneVmSize: string;
  loadBalancer: LoadBalancerSetting;
  /** Created with the legacy parameter set (-linuxNodeCount/-windowsNodeCount). */
  legacy: boolean;
  nodePools: NodePoolBody[];
  taints: string[];
  nodeMaxPodCount: number;
  enableAdAuth: boolean;
  enableMonitoring: boolean;
  enableAutoScaler: boolean;
  autoScalerProfileName?: string;
  apiServerVip: string;
  vms: VmBody[];
  /** Node-pool addresses held back for updates. */
  updateReserve: string[];
  /** Next pod-block index to try (next-fit, as kube-controller-manager's cidrset). */
  podBlockCursor: number;
  /** Counter that makes VM names unique within the cluster. */
  vmSeq: number;
  warnings?: string[];
}

export interface ServicePort {
  name?: string;
  port: number;
  nodePort: number;
  protocol: "TCP" | "UDP";
}

export interface ServiceBody {
  cluster: string;
  namespace: string;
  name: string;
  ports: ServicePort[];
  /** undefined = `<pending>` (SKU none). */
  vip?: string;
  /** The VIP was handed out by (IP, port) with the known defect switched on. */
  sharedByPort?: boolean;
  /** uid of the Kubernetes Service this record follows (kubectl-created); absent for the face's hook. */
  kubeUid?: string;
  createdAt: string;
}

export interface HostConfigBody {
  network: string;
  cloudServiceCidr?: string;
  workingDir: string;
  cloudConfigLocation: string;
  imageDir: string;
  controlPlaneVmSize: string;
  cloudLocation: string;
  macPoolStart?: string;
  macPoolEnd?: string;
  /** Reproduce the documented duplicate-VIP defect instead of preventing it. */
  emulateKnownIssues: boolean;
  installed: boolean;
  /** Set by Install-AksHci. */
  apiServerVip?: string;
  controlPlaneIp?: string;
  updateReserve?: string[];
}

// ---- ids, pools, owners -------------------------------------------------------------------------

export const hciBase = (sub: string) => `/subscriptions/${sub}/providers/${HCI_NAMESPACE}`;
export const networkId = (sub: string, name: string) => `${hciBase(sub)}/clusterNetworks/${name}`;
export const configId = (sub: string) => `${hciBase(sub)}/config/default`;
export const clusterId = (sub: string, name: string) => `${hciBase(sub)}/clusters/${name}`;
export const serviceId = (sub: string, cluster: string, ns: string, name: string) =>
  `${clusterId(sub, cluster)}/services/${ns}~${name}`;

/** Allocation pools: unique by the store's (pool, item) key, so an address can never be held twice. */
export const nodePool = (network: string) => `hci:${network.toLowerCase()}:node`;
export const vipPool = (network: string) => `hci:${network.toLowerCase()}:vip`;
/** (IP, port) pairs: only used with the known defect switched on. */
export const vipPortPool = (network: string) => `hci:${network.toLowerCase()}:vipport`;
export const podBlockPool = (clusterUid: string) => `hci:cluster:${clusterUid}:pod`;

export const clusterOwner = (name: string) => `hci:cluster:${name.toLowerCase()}`;
export const hostOwner = "hci:host";
export const serviceOwner = (cluster: string, ns: string, name: string) =>
  `hci:svc:${cluster.toLowerCase()}/${ns}/${name}`;
/** Holder of a VIP that services share by port (defect mode); released with the last sharer. */
export const sharedVipOwner = "hci:shared-vip";

/** Deterministic VM names as MOC prints them (`moc-l…` Linux, `moc-w…` Windows). */
export function vmName(clusterUid: string, role: string, index: number, os: OsType = "Linux"): string {
  const h = createHash("sha256").update(`${clusterUid}\u0000${role}\u0000${index}`).digest();
  let s = "";
  for (let i = 0; s.length < 11; i++) s += (h[i] % 36).toString(36);
  return `moc-${os === "Windows" ? "w" : "l"}${s}`;
}

export function lbVmName(cluster: string, clusterUid: string, index: number): string {
  const h = createHash("sha256").update(`${clusterUid}\u0000lb\u0000${index}`).digest();
  let s = "";
  for (let i = 0; s.length < 5; i++) s += (h[i] % 36).toString(36);
  return `${cluster}-load-balancer-${s}`;
}

/** Node pools as `New-AksHciCluster -name x` makes them (legacy set): `<x>-linux`, `<x>-windows`. */
export function legacyPools(
  cluster: string,
  linux: number,
  windows: number,
  linuxSize: string,
  windowsSize: string,
) {
  const pool = (os: OsType, count: number, vmSize: string): NodePoolBody => ({
    name: `${cluster}-${os.toLowerCase()}`,
    osType: os,
    count,
    vmSize,
    maxPodCount: DEFAULT_MAX_POD_COUNT,
    taints: [],
    autoScalerEnabled: false,
  });
  return [pool("Linux", linux, linuxSize), pool("Windows", windows, windowsSize)];
}

export function workerCount(c: { nodePools: { count: number }[] }): number {
  return c.nodePools.reduce((n, p) => n + p.count, 0);
}

/** Node-pool addresses a cluster holds: control plane + workers + LB VMs + update headroom. */
export function nodeAddressesNeeded(c: {
  controlPlaneNodeCount: number;
  nodePools: { count: number }[];
  loadBalancer: { sku: LoadBalancerSku; count: number };
}): number {
  const lb = c.loadBalancer.sku === "HAProxy" ? c.loadBalancer.count : 0;
  return c.controlPlaneNodeCount + workerCount(c) + lb + CLUSTER_UPDATE_HEADROOM;
}
