// Workload clusters: New-/Get-/Set-/Remove-AksHciCluster, node pools and the load-balancer
// VM count. Every rule is checked and every address counted before anything is taken, so a
// refused request leaves nothing behind (the transaction is also rolled back on any throw).

import { randomUUID } from "node:crypto";
import { queueClusterSweep } from "../kube/sweep.js";
import { formatCidr, nextFitBlockIndex, nthSubnet, parseCidr } from "../net/index.js";
import type { Tx } from "../store/types.js";
import {
  releaseNodeAddresses,
  requireNodeAddresses,
  requireVips,
  takeNodeAddresses,
  takeVip,
} from "./addresses.js";
import {
  clusterExists,
  clusterNotFound,
  HciError,
  immutable,
  invalidValue,
  nodePoolExists,
  nodePoolNotFound,
  outOfCapacity,
} from "./errors.js";
import { requireInstalled } from "./host.js";
import {
  CLUSTER_TYPE,
  CLUSTER_UPDATE_HEADROOM,
  type ClusterBody,
  clusterId,
  clusterOwner,
  DEFAULT_CONTROL_PLANE_VM_SIZE,
  DEFAULT_KUBERNETES_VERSION,
  DEFAULT_LB_VM_SIZE,
  DEFAULT_MAX_POD_COUNT,
  DEFAULT_NODE_VM_SIZE,
  type LoadBalancerSetting,
  lbVmName,
  legacyPools,
  type NetworkBody,
  type NetworkPlugin,
  type NodePoolBody,
  nodeAddressesNeeded,
  type OsType,
  POD_CIDR,
  podBlockPool,
  type VmBody,
  vmName,
} from "./model.js";
import { getNetwork } from "./networks.js";
import { podBlockPrefix } from "./plugins.js";
import { removeAllServices } from "./services.js";

export interface NewClusterInput {
  name: string;
  vnet?: string;
  kubernetesVersion?: string;
  controlPlaneNodeCount?: number;
  controlPlaneVmSize?: string;
  loadBalancerVmSize?: string;
  loadBalancerSettings?: LoadBalancerSetting;
  primaryNetworkPlugin?: string;
  linuxNodeCount?: number;
  windowsNodeCount?: number;
  linuxNodeVmSize?: string;
  windowsNodeVmSize?: string;
  nodePoolName?: string;
  nodeCount?: number;
  nodeVmSize?: string;
  osType?: string;
  osSku?: string;
  taints?: string[];
  nodeMaxPodCount?: number;
  enableAdAuth?: boolean;
  enableMonitoring?: boolean;
  enableAutoScaler?: boolean;
  autoScalerProfileName?: string;
}

const PLUGINS: readonly NetworkPlugin[] = ["calico", "flannel"];

function count(param: string, v: number | undefined, def: number, min: number): number {
  const n = v ?? def;
  if (!Number.isInteger(n) || n < min)
    throw invalidValue(param, `-${param} must be a whole number of at least ${min}; ${v} was given.`);
  return n;
}

function osTypeOf(v: string | undefined): OsType {
  if (v === undefined || /^linux$/i.test(v)) return "Linux";
  if (/^windows$/i.test(v)) return "Windows";
  throw invalidValue("osType", `-osType must be Linux or Windows; '${v}' was given.`);
}

function maxPods(param: string, v: number | undefined): number {
  const n = v ?? DEFAULT_MAX_POD_COUNT;
  if (!Number.isInteger(n) || n <= 50)
    throw invalidValue(param, `-${param} must be greater than 50; ${n} was given.`);
  return n;
}

export async function getClusterOrNull(tx: Tx, sub: string, name: string): Promise<ClusterBody | undefined> {
  return (await tx.getResource(clusterId(sub, name)))?.body as unknown as ClusterBody | undefined;
}

export async function getCluster(tx: Tx, sub: string, name: string): Promise<ClusterBody> {
  const c = await getClusterOrNull(tx, sub, name);
  if (!c) throw clusterNotFound(name);
  return c;
}

export async function listClusters(tx: Tx, sub: string): Promise<ClusterBody[]> {
  return (await tx.listResources({ type: CLUSTER_TYPE, subscriptionId: sub })).map(
    (r) => r.body as unknown as ClusterBody,
  );
}

async function putCluster(tx: Tx, sub: string, c: ClusterBody): Promise<void> {
  await tx.putResource({
    id: clusterId(sub, c.name),
    type: CLUSTER_TYPE,
    subscriptionId: sub,
    body: c as unknown as Record<string, unknown>,
    etag: new Date().toISOString(),
  });
}

/** Pod-CIDR blocks: Calico hands each node a /26, Flannel a /24, out of 10.244.0.0/16 (next-fit). */
async function takePodBlock(tx: Tx, c: ClusterBody): Promise<string> {
  const pod = parseCidr(POD_CIDR);
  const len = podBlockPrefix(c.primaryNetworkPlugin);
  const total = 2 ** (len - pod.prefixLength);
  const taken = new Set((await tx.listAllocations(podBlockPool(c.uid))).map((a) => Number(a.item)));
  const fit = nextFitBlockIndex(total, taken, c.podBlockCursor);
  if (!fit)
    throw outOfCapacity(`Cluster '${c.name}'`, `pod CIDR ${POD_CIDR} (/${len} blocks per node)`, 1, 0);
  await tx.allocate(podBlockPool(c.uid), String(fit.index), clusterOwner(c.name));
  c.podBlockCursor = fit.nextCursor;
  return formatCidr(nthSubnet(pod, len, fit.index));
}

async function releasePodBlock(tx: Tx, c: ClusterBody, block: string | undefined): Promise<void> {
  if (!block) return;
  const pod = parseCidr(POD_CIDR);
  const b = parseCidr(block);
  const index = Number((b.network - pod.network) >> BigInt(32 - b.prefixLength));
  await tx.release(podBlockPool(c.uid), String(index));
}

function podBlockCapacity(plugin: NetworkPlugin): number {
  return 2 ** (podBlockPrefix(plugin) - parseCidr(POD_CIDR).prefixLength);
}

function checkPodBlocks(c: ClusterBody, nodes: number): void {
  const cap = podBlockCapacity(c.primaryNetworkPlugin);
  if (nodes > cap)
    throw outOfCapacity(
      `Cluster '${c.name}' with ${nodes} nodes`,
      `pod CIDR ${POD_CIDR} (${cap} /${podBlockPrefix(c.primaryNetworkPlugin)} blocks for ${c.primaryNetworkPlugin})`,
      nodes,
      cap,
    );
}

async function addVms(
  tx: Tx,
  c: ClusterBody,
  net: NetworkBody,
  role: VmBody["role"],
  pool: string,
  os: OsType,
  n: number,
): Promise<void> {
  const ips = await takeNodeAddresses(tx, net, n, clusterOwner(c.name));
  for (const ip of ips) {
    const index = c.vmSeq++;
    const name =
      role === "loadbalancer" ? lbVmName(c.name, c.uid, index) : vmName(c.uid, `${role}/${pool}`, index, os);
    const vm: VmBody = { name, role, pool, ip };
    if (role !== "loadbalancer") vm.podCidr = await takePodBlock(tx, c);
    c.vms.push(vm);
  }
}

async function removeVms(tx: Tx, c: ClusterBody, net: NetworkBody, victims: VmBody[]): Promise<void> {
  await releaseNodeAddresses(
    tx,
    net,
    victims.map((v) => v.ip),
  );
  for (const v of victims) await releasePodBlock(tx, c, v.podCidr);
  const gone = new Set(victims);
  c.vms = c.vms.filter((v) => !gone.has(v));
}

/** New-AksHciCluster. */
export async function createCluster(
  tx: Tx,
  sub: string,
  input: NewClusterInput,
  now = new Date(),
): Promise<ClusterBody> {
  const host = await requireInstalled(tx, sub);
  const name = input.name ?? "";
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(name))
    throw invalidValue(
      "name",
      `The cluster name '${name}' is not valid: use letters, digits and hyphens (at most 63 characters).`,
    );
  if (await getClusterOrNull(tx, sub, name)) throw clusterExists(name);
  const pluginText = (input.primaryNetworkPlugin ?? "calico").toLowerCase();
  if (!PLUGINS.includes(pluginText as NetworkPlugin))
    throw invalidValue(
      "primaryNetworkPlugin",
      `-primaryNetworkPlugin must be calico or flannel; '${input.primaryNetworkPlugin}' was given.`,
    );
  const plugin = pluginText as NetworkPlugin;
  const nodePoolSet = input.nodePoolName !== undefined;
  const legacyGiven = ["linuxNodeCount", "windowsNodeCount", "linuxNodeVmSize", "windowsNodeVmSize"].filter(
    (k) => input[k as keyof NewClusterInput] !== undefined,
  );
  if (nodePoolSet && legacyGiven.length)
    throw invalidValue(
      legacyGiven[0],
      `-${legacyGiven[0]} belongs to the legacy parameter set and cannot be combined with -nodePoolName.`,
    );
  const nodeMaxPodCount = maxPods("nodeMaxPodCount", input.nodeMaxPodCount);
  const pools: NodePoolBody[] = nodePoolSet
    ? [
        {
          name: String(input.nodePoolName),
          osType: osTypeOf(input.osType),
          ...(input.osSku ? { osSku: input.osSku } : {}),
          count: count("nodeCount", input.nodeCount, 1, 0),
          vmSize: input.nodeVmSize ?? DEFAULT_NODE_VM_SIZE,
          maxPodCount: nodeMaxPodCount,
          taints: input.taints ?? [],
          autoScalerEnabled: input.enableAutoScaler ?? false,
        },
      ]
    : legacyPools(
        name,
        count("linuxNodeCount", input.linuxNodeCount, 1, 0),
        count("windowsNodeCount", input.windowsNodeCount, 0, 0),
        input.linuxNodeVmSize ?? DEFAULT_NODE_VM_SIZE,
        input.windowsNodeVmSize ?? DEFAULT_NODE_VM_SIZE,
      ).map((p) => ({ ...p, maxPodCount: nodeMaxPodCount, taints: input.taints ?? [] }));
  if (nodePoolSet && !/^[a-z0-9][a-z0-9-]{0,39}$/i.test(pools[0].name))
    throw invalidValue("nodePoolName", `The node pool name '${pools[0].name}' is not valid.`);
  const lb: LoadBalancerSetting = input.loadBalancerSettings
    ? { ...input.loadBalancerSettings }
    : {
        name: `${name}-lb`,
        sku: "HAProxy",
        vmSize: input.loadBalancerVmSize ?? DEFAULT_LB_VM_SIZE,
        count: 1,
      };
  if (lb.sku !== "HAProxy" && lb.sku !== "none")
    throw invalidValue(
      "loadBalancerSettings",
      `The load balancer SKU must be HAProxy or none; '${lb.sku}' was given.`,
    );
  if (lb.sku === "none") lb.count = 0;
  const cp = count("controlPlaneNodeCount", input.controlPlaneNodeCount, 1, 1);
  const net = await getNetwork(tx, sub, input.vnet ?? host.network);
  const c: ClusterBody = {
    name,
    uid: randomUUID(),
    createdAt: now.toISOString(),
    network: net.name,
    kubernetesVersion: input.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION,
    primaryNetworkPlugin: plugin,
    controlPlaneNodeCount: cp,
    controlPlaneVmSize: input.controlPlaneVmSize ?? DEFAULT_CONTROL_PLANE_VM_SIZE,
    loadBalancer: lb,
    legacy: !nodePoolSet,
    nodePools: pools,
    taints: input.taints ?? [],
    nodeMaxPodCount,
    enableAdAuth: input.enableAdAuth ?? false,
    enableMonitoring: input.enableMonitoring ?? false,
    enableAutoScaler: input.enableAutoScaler ?? false,
    ...(input.autoScalerProfileName ? { autoScalerProfileName: input.autoScalerProfileName } : {}),
    apiServerVip: "",
    vms: [],
    updateReserve: [],
    podBlockCursor: 0,
    vmSeq: 0,
    ...(name.includes("-")
      ? {
          warnings: [
            `The cluster name '${name}' contains a hyphen; the AksHci documentation warns that creation may fail.`,
          ],
        }
      : {}),
  };
  // Count first: the whole cluster or nothing.
  const needed = nodeAddressesNeeded(c);
  const lbText = lb.sku === "HAProxy" ? ` + ${lb.count} load balancer` : "";
  await requireNodeAddresses(
    tx,
    net,
    needed,
    `Cluster '${name}' (${cp} control plane + ${needed - cp - CLUSTER_UPDATE_HEADROOM - (lb.sku === "HAProxy" ? lb.count : 0)} worker${lbText} + ${CLUSTER_UPDATE_HEADROOM} for updates)`,
  );
  await requireVips(tx, net, 1, `Cluster '${name}' (its API server)`);
  checkPodBlocks(c, cp + pools.reduce((n, p) => n + p.count, 0));
  c.apiServerVip = await takeVip(tx, net, clusterOwner(name), `Cluster '${name}' (its API server)`);
  await addVms(tx, c, net, "controlplane", "control-plane", "Linux", cp);
  if (lb.sku === "HAProxy") await addVms(tx, c, net, "loadbalancer", "load-balancer", "Linux", lb.count);
  for (const p of pools) await addVms(tx, c, net, "worker", p.name, p.osType, p.count);
  c.updateReserve = await takeNodeAddresses(tx, net, CLUSTER_UPDATE_HEADROOM, clusterOwner(name));
  await putCluster(tx, sub, c);
  return c;
}

export interface SetClusterInput {
  controlPlaneNodeCount?: number;
  controlPlaneVmSize?: string;
  enableAutoScaler?: boolean;
  autoScalerProfileName?: string;
  primaryNetworkPlugin?: string;
}

/** Set-AksHciCluster: control-plane scale and autoscaler; the plugin is immutable. */
export async function setCluster(
  tx: Tx,
  sub: string,
  name: string,
  input: SetClusterInput,
): Promise<ClusterBody> {
  await requireInstalled(tx, sub);
  const c = await getCluster(tx, sub, name);
  if (
    input.primaryNetworkPlugin !== undefined &&
    input.primaryNetworkPlugin.toLowerCase() !== c.primaryNetworkPlugin
  )
    throw immutable("primaryNetworkPlugin", "The primary network plugin (-primaryNetworkPlugin)");
  const net = await getNetwork(tx, sub, c.network);
  if (input.controlPlaneNodeCount !== undefined) {
    const want = count("controlPlaneNodeCount", input.controlPlaneNodeCount, 1, 1);
    const have = c.vms.filter((v) => v.role === "controlplane");
    if (want > have.length) {
      await requireNodeAddresses(
        tx,
        net,
        want - have.length,
        `Scaling the control plane of '${c.name}' to ${want}`,
      );
      checkPodBlocks(c, c.vms.filter((v) => v.role !== "loadbalancer").length + want - have.length);
      await addVms(tx, c, net, "controlplane", "control-plane", "Linux", want - have.length);
    } else if (want < have.length) await removeVms(tx, c, net, have.slice(want));
    c.controlPlaneNodeCount = want;
  }
  if (input.controlPlaneVmSize !== undefined) c.controlPlaneVmSize = input.controlPlaneVmSize;
  if (input.enableAutoScaler !== undefined) c.enableAutoScaler = input.enableAutoScaler;
  if (input.autoScalerProfileName !== undefined) c.autoScalerProfileName = input.autoScalerProfileName;
  await putCluster(tx, sub, c);
  return c;
}

/** Remove-AksHciCluster: the cluster's VMs, VIPs (API and Services) and pod blocks go with it. */
export async function removeCluster(tx: Tx, sub: string, name: string): Promise<void> {
  await requireInstalled(tx, sub);
  const c = await getCluster(tx, sub, name);
  const net = await getNetwork(tx, sub, c.network);
  await removeAllServices(tx, sub, c, net);
  await tx.releaseOwner(clusterOwner(c.name));
  await tx.deleteResource(clusterId(sub, c.name));
  await queueClusterSweep(tx, c.uid);
}

// ---- node pools -------------------------------------------------------------------------------

export interface NewNodePoolInput {
  name: string;
  count?: number;
  osType?: string;
  osSku?: string;
  vmSize?: string;
  taints?: string[];
  maxPodCount?: number;
  disableAutoScaler?: boolean;
}

export async function getNodePool(tx: Tx, sub: string, cluster: string, pool: string) {
  const c = await getCluster(tx, sub, cluster);
  const p = c.nodePools.find((x) => x.name.toLowerCase() === pool.toLowerCase());
  if (!p) throw nodePoolNotFound(c.name, pool);
  return { cluster: c, pool: p };
}

export async function createNodePool(
  tx: Tx,
  sub: string,
  cluster: string,
  input: NewNodePoolInput,
): Promise<ClusterBody> {
  await requireInstalled(tx, sub);
  const c = await getCluster(tx, sub, cluster);
  if (!/^[a-z0-9][a-z0-9-]{0,39}$/i.test(input.name ?? ""))
    throw invalidValue("name", `The node pool name '${input.name}' is not valid.`);
  if (c.nodePools.some((p) => p.name.toLowerCase() === input.name.toLowerCase()))
    throw nodePoolExists(c.name, input.name);
  const p: NodePoolBody = {
    name: input.name,
    osType: osTypeOf(input.osType),
    ...(input.osSku ? { osSku: input.osSku } : {}),
    count: count("count", input.count, 1, 0),
    vmSize: input.vmSize ?? DEFAULT_NODE_VM_SIZE,
    maxPodCount: maxPods("maxPodCount", input.maxPodCount),
    taints: input.taints ?? [],
    autoScalerEnabled: input.disableAutoScaler ? false : c.enableAutoScaler,
  };
  const net = await getNetwork(tx, sub, c.network);
  await requireNodeAddresses(
    tx,
    net,
    p.count,
    `Node pool '${p.name}' of cluster '${c.name}' (${p.count} nodes)`,
  );
  checkPodBlocks(c, c.vms.filter((v) => v.role !== "loadbalancer").length + p.count);
  c.nodePools.push(p);
  await addVms(tx, c, net, "worker", p.name, p.osType, p.count);
  await putCluster(tx, sub, c);
  return c;
}

/** Set-AksHciNodePool -count: scale within what the node pool can still hand out. */
export async function scaleNodePool(
  tx: Tx,
  sub: string,
  cluster: string,
  pool: string,
  input: { count?: number; autoScaler?: boolean },
): Promise<ClusterBody> {
  await requireInstalled(tx, sub);
  const { cluster: c, pool: p } = await getNodePool(tx, sub, cluster, pool);
  const net = await getNetwork(tx, sub, c.network);
  if (input.count !== undefined) {
    const want = count("count", input.count, p.count, 0);
    const have = c.vms.filter((v) => v.role === "worker" && v.pool === p.name);
    if (want > have.length) {
      await requireNodeAddresses(
        tx,
        net,
        want - have.length,
        `Scaling node pool '${p.name}' of '${c.name}' to ${want} nodes`,
      );
      checkPodBlocks(c, c.vms.filter((v) => v.role !== "loadbalancer").length + want - have.length);
      await addVms(tx, c, net, "worker", p.name, p.osType, want - have.length);
    } else if (want < have.length) await removeVms(tx, c, net, have.slice(want));
    p.count = want;
  }
  if (input.autoScaler !== undefined) p.autoScalerEnabled = input.autoScaler;
  await putCluster(tx, sub, c);
  return c;
}

export async function removeNodePool(
  tx: Tx,
  sub: string,
  cluster: string,
  pool: string,
): Promise<ClusterBody> {
  await requireInstalled(tx, sub);
  const { cluster: c, pool: p } = await getNodePool(tx, sub, cluster, pool);
  const net = await getNetwork(tx, sub, c.network);
  await removeVms(
    tx,
    c,
    net,
    c.vms.filter((v) => v.role === "worker" && v.pool === p.name),
  );
  c.nodePools = c.nodePools.filter((x) => x !== p);
  await putCluster(tx, sub, c);
  return c;
}

/** Set-AksHciLoadBalancer -loadBalancerCount: more or fewer HAProxy VMs (node-pool addresses). */
export async function setLoadBalancerCount(
  tx: Tx,
  sub: string,
  cluster: string,
  n: number,
): Promise<ClusterBody> {
  await requireInstalled(tx, sub);
  const c = await getCluster(tx, sub, cluster);
  if (c.loadBalancer.sku !== "HAProxy")
    throw new HciError(
      "InvalidOperation",
      "LoadBalancerSkuNone",
      `Cluster '${c.name}' was deployed with load balancer SKU 'none' (kube-vip): it has no load balancer VMs to scale. Changing the SKU means redeploying the cluster.`,
      "loadBalancerCount",
    );
  const want = count("loadBalancerCount", n, 1, 1);
  const net = await getNetwork(tx, sub, c.network);
  const have = c.vms.filter((v) => v.role === "loadbalancer");
  if (want > have.length) {
    await requireNodeAddresses(
      tx,
      net,
      want - have.length,
      `Scaling the load balancer of '${c.name}' to ${want} VMs`,
    );
    await addVms(tx, c, net, "loadbalancer", "load-balancer", "Linux", want - have.length);
  } else if (want < have.length) await removeVms(tx, c, net, have.slice(want));
  c.loadBalancer = { ...c.loadBalancer, count: want };
  await putCluster(tx, sub, c);
  return c;
}
