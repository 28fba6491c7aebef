// One agent pool's nodes: its scale set, and per node an instance with its NIC addresses,
// its /24 of the pod CIDR (kubenet, overlay; next-fit like kube-controller-manager) and,
// for kubenet, its route (name = node name, pod CIDR → node IP, VirtualAppliance).
// Scaling out adds instances with the next instance ids; scaling in removes the highest
// ones and releases exactly what they held. Everything is deterministic.
import { formatCidr, nextFitBlockIndex, nthSubnet, parseCidr } from "../../net/index.js";
import {
  deleteInstance,
  deleteScaleSet,
  type InstanceInfo,
  listInstances,
  onInstancePurge,
  putInstance,
  putScaleSet,
  reserveInstanceIds,
  type ScaleSetSpec,
} from "../compute/scaleSets.js";
import type { ArmContext } from "../context.js";
import {
  allocateSubnetAddressesBatch,
  deleteRoute,
  putRoute,
  releaseAddressesOf,
} from "../network/internal.js";
import {
  type ClusterInternal,
  computerName,
  names,
  nodeOwner,
  type PoolInternal,
  podBlockPool,
  podSubnetBatch,
  usesPodCidr,
} from "./model.js";
import type { Infra } from "./nodeResourceGroup.js";

/** What a node holds, kept on its instance record so scale-in can release it exactly. */
export interface NodeData {
  nodeIp: string;
  /** Subnet-address owners (ip configuration ids) to release. */
  owners: string[];
  podCidr?: string;
  podBlock?: number;
  route?: string;
  routeTableId?: string;
  clusterId?: string;
}

export function vmssIdOf(nodeRgId: string, pool: string, hash: string): string {
  return `${nodeRgId}/providers/Microsoft.Compute/virtualMachineScaleSets/${names.vmss(pool, hash)}`;
}

function scaleSetSpec(
  clusterName: string,
  internal: ClusterInternal,
  pool: PoolInternal,
  infra: Infra,
  capacity: number,
): ScaleSetSpec {
  const net = internal.spec.network;
  const flatCni = net.plugin === "azure" && net.pluginMode !== "overlay" && !pool.spec.podSubnetID;
  const vmssName = names.vmss(pool.spec.name, internal.hash);
  const secondary = flatCni ? pool.spec.maxPods : 0;
  return {
    id: pool.vmssId,
    location: internal.spec.location,
    tags: {
      "aks-managed-poolName": pool.spec.name,
      "aks-managed-orchestrator": `Kubernetes:${pool.spec.orchestratorVersion}`,
      "aks-managed-resourceNameSuffix": internal.hash,
      "aks-managed-cluster-name": clusterName,
    },
    vmSize: pool.spec.vmSize,
    capacity,
    osType: pool.spec.osType,
    computerNamePrefix: vmssName,
    adminUsername: pool.spec.osType === "Windows" ? "azureuser" : "azureuser",
    nicName: vmssName,
    networkSecurityGroupId: infra.nsgId,
    // kubenet nodes forward pod traffic; Azure CNI nodes too (bridge/transparent modes).
    enableIPForwarding: true,
    ipConfigurations: [
      {
        name: "ipconfig1",
        primary: true,
        subnetId: pool.subnetId,
        loadBalancerBackendAddressPoolIds: infra.lbBackendPoolIds,
      },
      ...Array.from({ length: secondary }, (_, i) => ({
        name: `ipconfig${i + 2}`,
        primary: false,
        subnetId: pool.subnetId,
      })),
      ...(pool.spec.podSubnetID
        ? [{ name: "podipconfig", primary: false, subnetId: pool.spec.podSubnetID }]
        : []),
    ],
    identities: {
      [infra.kubelet.id]: { principalId: infra.kubelet.principalId, clientId: infra.kubelet.clientId },
    },
  };
}

export interface ScaleResult {
  added: number;
  removed: number;
}

/**
 * Brings a pool to `pool.spec.count` nodes. Mutates `internal.podCidrCursor`; the caller
 * saves the cluster record.
 */
export async function scalePool(
  ctx: ArmContext,
  clusterId: string,
  clusterName: string,
  internal: ClusterInternal,
  pool: PoolInternal,
  infra: Infra,
): Promise<ScaleResult> {
  const target = pool.spec.count;
  await putScaleSet(ctx, scaleSetSpec(clusterName, internal, pool, infra, target), clusterId);
  const current = await listInstances(ctx, pool.vmssId);
  if (current.length > target) {
    const doomed = current.slice(target).reverse();
    for (const inst of doomed) await removeNode(ctx, clusterId, internal, pool.vmssId, inst);
    return { added: 0, removed: doomed.length };
  }
  const toAdd = target - current.length;
  if (toAdd === 0) return { added: 0, removed: 0 };
  const ids = await reserveInstanceIds(ctx, pool.vmssId, toAdd);
  const net = internal.spec.network;
  const flatCni = net.plugin === "azure" && net.pluginMode !== "overlay" && !pool.spec.podSubnetID;
  const podCidr = usesPodCidr(net) && net.podCidr ? parseCidr(net.podCidr) : undefined;
  const blockPool = podBlockPool(clusterId);
  const takenBlocks = podCidr
    ? new Set((await ctx.tx.listAllocations(blockPool)).map((a) => Number(a.item)))
    : new Set<number>();
  const totalBlocks = podCidr ? 2 ** (24 - podCidr.prefixLength) : 0;
  const vmssName = names.vmss(pool.spec.name, internal.hash);
  // Addresses for every new node in one scan of each subnet (lowest free, in node order):
  // ipconfig1 is the node's address; flat Azure CNI adds maxPods secondary ip configurations.
  const nodes = ids.map((n) => {
    const vmId = `${pool.vmssId}/virtualMachines/${n}`;
    const nicId = `${vmId}/networkInterfaces/${vmssName}`;
    const cfg = (c: string) => `${nicId}/ipConfigurations/${c}`;
    const owners = [cfg("ipconfig1")];
    if (flatCni) for (let i = 0; i < pool.spec.maxPods; i++) owners.push(cfg(`ipconfig${i + 2}`));
    return { n, vmId, nicId, owners, podOwner: pool.spec.podSubnetID ? cfg("podipconfig") : undefined };
  });
  const nodeAddrs = await allocateSubnetAddressesBatch(
    ctx,
    pool.subnetId,
    nodes.flatMap((x) => x.owners.map((owner) => ({ owner, count: 1 }))),
  );
  if (pool.spec.podSubnetID)
    await allocateSubnetAddressesBatch(
      ctx,
      pool.spec.podSubnetID,
      nodes.map((x) => ({ owner: x.podOwner as string, count: podSubnetBatch(pool.spec.maxPods) })),
    );
  let k = 0;
  for (const x of nodes) {
    const nodeIp = nodeAddrs[k][0];
    k += x.owners.length;
    const name = computerName(vmssName, x.n);
    const data: NodeData = {
      nodeIp,
      owners: x.podOwner ? [...x.owners, x.podOwner] : x.owners,
      clusterId,
    };
    if (podCidr) {
      const pick = nextFitBlockIndex(totalBlocks, takenBlocks, internal.podCidrCursor);
      if (!pick) throw new Error("pod CIDR exhausted despite validation");
      takenBlocks.add(pick.index);
      internal.podCidrCursor = pick.nextCursor;
      await ctx.tx.allocate(blockPool, String(pick.index), nodeOwner(x.vmId));
      data.podBlock = pick.index;
      data.podCidr = formatCidr(nthSubnet(podCidr, 24, pick.index));
    }
    if (net.plugin === "kubenet" && infra.routeTableId && data.podCidr) {
      await putRoute(
        ctx,
        infra.routeTableId,
        name,
        { addressPrefix: data.podCidr, nextHopType: "VirtualAppliance", nextHopIpAddress: nodeIp },
        { managedBy: clusterId },
      );
      data.route = name;
      data.routeTableId = infra.routeTableId;
    }
    await putInstance(ctx, pool.vmssId, {
      instanceId: x.n,
      computerName: name,
      nicIds: [x.nicId],
      data: data as unknown as Record<string, unknown>,
    });
  }
  return { added: toAdd, removed: 0 };
}

/** Releases one node: its route, pod block and addresses, then its instance record. */
export async function removeNode(
  ctx: ArmContext,
  clusterId: string,
  internal: ClusterInternal,
  vmssId: string,
  inst: InstanceInfo,
): Promise<void> {
  const data = inst.data as unknown as NodeData | undefined;
  if (data?.route && internal.routeTableId && (await ctx.tx.getResource(internal.routeTableId)))
    await deleteRoute(ctx, internal.routeTableId, data.route);
  if (data?.podBlock !== undefined) await ctx.tx.release(podBlockPool(clusterId), String(data.podBlock));
  for (const o of data?.owners ?? []) await releaseAddressesOf(ctx, o);
  await ctx.tx.releaseOwner(nodeOwner(inst.id));
  await deleteInstance(ctx, vmssId, inst.instanceId);
}

// A scale set purged on its own (someone deleted the node resource group): release what
// its instances held so BYO subnets and route tables are not left with stale entries.
onInstancePurge(async (ctx, inst) => {
  const data = inst.data as unknown as NodeData | undefined;
  if (!data) return;
  if (data.route && data.routeTableId && (await ctx.tx.getResource(data.routeTableId)))
    await deleteRoute(ctx, data.routeTableId, data.route);
  if (data.podBlock !== undefined && data.clusterId)
    await ctx.tx.release(podBlockPool(data.clusterId), String(data.podBlock));
  for (const o of data.owners) await releaseAddressesOf(ctx, o);
});

/** Removes a pool's nodes and scale set. */
export async function removePoolNodes(
  ctx: ArmContext,
  clusterId: string,
  internal: ClusterInternal,
  pool: PoolInternal,
): Promise<void> {
  const insts = await listInstances(ctx, pool.vmssId);
  for (const inst of insts.reverse()) await removeNode(ctx, clusterId, internal, pool.vmssId, inst);
  await deleteScaleSet(ctx, pool.vmssId);
}

/** Every node of the cluster with what it holds (tests, inspection). */
export async function listNodes(ctx: ArmContext, pools: PoolInternal[]) {
  const out: { pool: string; name: string; instanceId: number; data: NodeData }[] = [];
  for (const p of pools)
    for (const inst of await listInstances(ctx, p.vmssId))
      out.push({
        pool: p.spec.name,
        name: inst.computerName,
        instanceId: inst.instanceId,
        data: inst.data as unknown as NodeData,
      });
  return out;
}
