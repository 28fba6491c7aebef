// The long-running halves of cluster and pool PUT/DELETE. The request validated everything
// and recorded the desired state plus an InProgress operation; these workers then build (or
// tear down) the node resource group in their own transaction, so a failure leaves nothing
// half-made and the resource reads `Failed`.
import { queueClusterSweep } from "../../kube/sweep.js";
import type { OperationRecord } from "../../store/types.js";
import type { ArmContext } from "../context.js";
import { parseResourceId } from "../ids.js";
import type { OperationKind } from "../operations.js";
import type { PoolInternal } from "./model.js";
import { ensureInfrastructure, removeInfrastructure } from "./nodeResourceGroup.js";
import { removePoolNodes, scalePool } from "./nodes.js";
import { reconcilePoolNetworking, releasePoolNetworking, whereOf } from "./poolNetworking.js";
import { getCluster, listPools, poolId, saveCluster, savePool } from "./records.js";

export const KIND = {
  reconcileCluster: "aks.cluster.reconcile",
  deleteCluster: "aks.cluster.delete",
  reconcilePool: "aks.pool.reconcile",
  deletePool: "aks.pool.delete",
} as const;

const clusterOf = (op: OperationRecord) => String(op.payload?.clusterId ?? op.target);

async function reconcile(ctx: ArmContext, clusterId: string, onlyPool?: string): Promise<void> {
  const cluster = await getCluster(ctx, clusterId);
  if (!cluster) return;
  const internal = cluster.internal;
  const pools = (await listPools(ctx, cluster.rec.id)).map((p) => p.internal).filter((p) => !p.deleting);
  const infra = await ensureInfrastructure(ctx, cluster.rec.id, internal, pools);
  const name = parseResourceId(cluster.rec.id).names[0];
  for (const p of pools) {
    if (onlyPool && p.spec.name.toLowerCase() !== onlyPool.toLowerCase()) continue;
    await scalePool(ctx, cluster.rec.id, name, internal, p, infra);
    await reconcilePoolNetworking(ctx, whereOf(ctx, cluster.rec.id, internal), p);
    p.state = "Succeeded";
    await savePool(ctx, cluster.rec.id, internal, p);
  }
  if (!onlyPool) internal.state = "Succeeded";
  await saveCluster(ctx, cluster.rec.id, internal, pools);
}

async function markFailed(ctx: ArmContext, clusterId: string, onlyPool?: string, deleting = false) {
  const cluster = await getCluster(ctx, clusterId);
  if (!cluster) return;
  const pools = (await listPools(ctx, cluster.rec.id)).map((p) => p.internal);
  for (const p of pools) {
    if (onlyPool && p.spec.name.toLowerCase() !== onlyPool.toLowerCase()) continue;
    p.state = "Failed";
    if (deleting) p.deleting = false;
    await savePool(ctx, cluster.rec.id, cluster.internal, p);
  }
  if (!onlyPool) cluster.internal.state = "Failed";
  await saveCluster(ctx, cluster.rec.id, cluster.internal, pools);
}

/**
 * Removes a cluster completely and synchronously: its nodes (addresses, pod blocks, routes),
 * what it changed outside its node resource group, the node resource group, its records.
 * Its Kubernetes objects and allocations go by store work (kube/sweep.ts).
 * The delete worker runs it; so does a cascade (the cluster's resource group deleted).
 */
export async function purgeCluster(ctx: ArmContext, clusterId: string): Promise<void> {
  const cluster = await getCluster(ctx, clusterId);
  if (!cluster) return;
  const pools = await listPools(ctx, cluster.rec.id);
  for (const p of pools) await removePoolNodes(ctx, cluster.rec.id, cluster.internal, p.internal);
  await removeInfrastructure(ctx, cluster.rec.id, cluster.internal, []);
  for (const p of pools) await ctx.tx.deleteResource(poolId(cluster.rec.id, p.internal.spec.name));
  await ctx.tx.deleteResource(cluster.rec.id);
  await queueClusterSweep(ctx.tx, cluster.internal.resourceUID);
}

/** The cluster and pool operations; the composition root registers them with the runtime. */
export const CLUSTER_OPERATION_KINDS: OperationKind[] = [
  {
    kind: KIND.reconcileCluster,
    worker: async (ctx, op) => {
      await reconcile(ctx, clusterOf(op));
      return { resultStatus: 200 };
    },
    onFailure: async (ctx, op) => markFailed(ctx, clusterOf(op)),
  },
  {
    kind: KIND.reconcilePool,
    worker: async (ctx, op) => {
      await reconcile(ctx, clusterOf(op), String(op.payload?.pool));
      return { resultStatus: 200 };
    },
    onFailure: async (ctx, op) => markFailed(ctx, clusterOf(op), String(op.payload?.pool)),
  },
  {
    kind: KIND.deletePool,
    worker: async (ctx, op) => {
      const clusterId = clusterOf(op);
      const cluster = await getCluster(ctx, clusterId);
      const rec = await ctx.tx.getResource(op.target);
      if (cluster && rec) {
        await removePoolNodes(ctx, cluster.rec.id, cluster.internal, rec.internal as unknown as PoolInternal);
        const where = whereOf(ctx, cluster.rec.id, cluster.internal);
        await releasePoolNetworking(ctx, where, rec.internal as unknown as PoolInternal);
        await ctx.tx.deleteResource(rec.id);
        const pools = (await listPools(ctx, cluster.rec.id)).map((p) => p.internal);
        await saveCluster(ctx, cluster.rec.id, cluster.internal, pools);
      }
      return { resultStatus: 200 };
    },
    onFailure: async (ctx, op) => markFailed(ctx, clusterOf(op), String(op.payload?.pool), true),
  },
  {
    kind: KIND.deleteCluster,
    worker: async (ctx, op) => {
      await purgeCluster(ctx, op.target);
      return { resultStatus: 200 };
    },
    onFailure: async (ctx, op) => markFailed(ctx, op.target),
  },
];
