// Microsoft.ContainerService/managedClusters/agentPools: PUT / GET / DELETE / list and abort.
// A pool operation changes only that pool's eTag; validation sees the whole cluster, since
// capacity, kubenet's node limit and the System-pool rule are cluster-wide.
import { asObject, checkPreconditions, propertiesOf, requireResourceGroup, rgId } from "../common.js";
import type { ArmContext } from "../context.js";
import { ArmError, resourceNotFound } from "../errors.js";
import { lastName, newGuid, type ResourceRef } from "../ids.js";
import { completedOperation, startOperation } from "../operations.js";
import type { ResourceTypeHandler } from "../registry.js";
import { clusterStopped, lastSystemPool, nothingToAbort, operationInProgress } from "./errors.js";
import { cancelOperation } from "./managedClusters.js";
import { AKS_API_VERSIONS, CLUSTER_TYPE, NS, POOL_TYPE, type PoolInternal } from "./model.js";
import { vmssIdOf } from "./nodes.js";
import { parsePool } from "./parse.js";
import { KIND } from "./reconcile.js";
import {
  busy,
  type ClusterRecord,
  getCluster,
  listPools,
  poolId,
  renderPool,
  saveCluster,
  savePool,
} from "./records.js";
import { validateCluster } from "./validation.js";

function clusterId(ref: ResourceRef): string {
  return `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/${CLUSTER_TYPE}/${ref.names[0]}`;
}

async function requireCluster(ctx: ArmContext, ref: ResourceRef): Promise<ClusterRecord> {
  await requireResourceGroup(ctx, ref);
  const c = await getCluster(ctx, clusterId(ref));
  if (!c) throw resourceNotFound(CLUSTER_TYPE, ref.names[0], ref.resourceGroup);
  return c;
}

const poolNotFound = (ref: ResourceRef) =>
  new ArmError(
    404,
    "NotFound",
    `Could not find agent pool '${lastName(ref)}' in managed cluster '${ref.names[0]}' of resource group '${ref.resourceGroup}'.`,
  );

async function findPool(ctx: ArmContext, c: ClusterRecord, name: string) {
  return (await listPools(ctx, c.rec.id)).find(
    (p) => p.internal.spec.name.toLowerCase() === name.toLowerCase(),
  );
}

export const agentPools: ResourceTypeHandler = {
  type: POOL_TYPE,
  apiVersions: AKS_API_VERSIONS,
  scope: "resourceGroup",

  async get(ctx, ref) {
    const c = await requireCluster(ctx, ref);
    const p = await findPool(ctx, c, lastName(ref));
    if (!p) throw poolNotFound(ref);
    return renderPool(c.rec.id, c.internal, p.internal);
  },

  async list(ctx, coll) {
    const c = await requireCluster(ctx, { ...coll, names: [...coll.names, ""] });
    return (await listPools(ctx, c.rec.id)).map((p) => renderPool(c.rec.id, c.internal, p.internal));
  },

  async put(ctx, ref, raw, pre) {
    const c = await requireCluster(ctx, ref);
    const name = lastName(ref);
    const all = await listPools(ctx, c.rec.id);
    const existing = all.find((p) => p.internal.spec.name.toLowerCase() === name.toLowerCase());
    checkPreconditions(existing ? { etag: existing.internal.eTag } : undefined, pre);
    if (c.internal.powerState === "Stopped") throw clusterStopped(ref.names[0]);
    if (await busy(ctx, c.internal.operationId))
      throw operationInProgress(`managed cluster '${ref.names[0]}'`);
    if (existing && (await busy(ctx, existing.internal.operationId)))
      throw operationInProgress(`agent pool '${name}'`);
    const props = propertiesOf(asObject(raw));
    const spec = parsePool(existing?.internal.spec.name ?? name, props, existing?.internal.spec, {
      plugin: c.internal.spec.network,
      kubernetesVersion: c.internal.spec.kubernetesVersion,
      defaultMode: "User",
    });
    const prevPools = new Map(all.map((p) => [p.internal.spec.name.toLowerCase(), p.internal]));
    const pools = all.filter((p) => p !== existing && !p.internal.deleting).map((p) => p.internal.spec);
    // Making the last System pool a User pool is refused as deleting it is.
    if (
      existing?.internal.spec.mode === "System" &&
      spec.mode !== "System" &&
      !pools.some((p) => p.mode === "System")
    )
      throw lastSystemPool();
    pools.push(spec);
    const v = await validateCluster(
      ctx,
      {
        clusterId: c.rec.id,
        rg: ref.resourceGroup!,
        clusterName: ref.names[0],
        spec: c.internal.spec,
        prev: c.internal,
        pools,
        prevPools,
      },
      c.internal.hash,
    );
    const op = await startOperation(ctx, {
      namespace: NS,
      location: c.internal.spec.location,
      kind: KIND.reconcilePool,
      target: poolId(c.rec.id, spec.name),
      payload: { clusterId: c.rec.id, pool: spec.name },
    });
    const pool: PoolInternal = {
      spec,
      subnetId: v.subnetOf.get(spec.name.toLowerCase())!,
      vmssId:
        existing?.internal.vmssId ??
        vmssIdOf(rgId(ctx.subscriptionId, c.internal.spec.nodeResourceGroup), spec.name, c.internal.hash),
      eTag: newGuid(),
      operationId: op.id,
      state: existing ? "Updating" : "Creating",
    };
    const body = await savePool(ctx, c.rec.id, c.internal, pool);
    return { created: !existing, body, operation: op };
  },

  async delete(ctx, ref, pre) {
    const c = await requireCluster(ctx, ref);
    const p = await findPool(ctx, c, lastName(ref));
    if (!p) return { existed: false };
    checkPreconditions({ etag: p.internal.eTag }, pre);
    if (p.internal.deleting && (await busy(ctx, p.internal.operationId))) {
      return { existed: true, operation: await ctx.tx.getOperation(p.internal.operationId!) };
    }
    if (c.internal.powerState === "Stopped") throw clusterStopped(ref.names[0]);
    if (await busy(ctx, c.internal.operationId))
      throw operationInProgress(`managed cluster '${ref.names[0]}'`);
    if (await busy(ctx, p.internal.operationId)) throw operationInProgress(`agent pool '${lastName(ref)}'`);
    const others = (await listPools(ctx, c.rec.id)).filter(
      (o) => o.rec.id !== p.rec.id && !o.internal.deleting,
    );
    if (p.internal.spec.mode === "System" && !others.some((o) => o.internal.spec.mode === "System"))
      throw lastSystemPool();
    const op = await startOperation(ctx, {
      namespace: NS,
      location: c.internal.spec.location,
      kind: KIND.deletePool,
      target: p.rec.id,
      result: "empty",
      payload: { clusterId: c.rec.id, pool: p.internal.spec.name },
    });
    p.internal.deleting = true;
    p.internal.state = "Deleting";
    p.internal.operationId = op.id;
    p.internal.eTag = newGuid();
    await savePool(ctx, c.rec.id, c.internal, p.internal);
    return { existed: true, operation: op };
  },

  actions: {
    /**
     * The node image is already the newest one the emulator knows (wire.ts NODE_IMAGE): the
     * upgrade has nothing to roll, so it is accepted (202) and finishes at once with the pool
     * as it is — refused, as AKS refuses it, while another operation runs on the pool or cluster.
     */
    upgradenodeimageversion: async (ctx, ref) => {
      const c = await requireCluster(ctx, ref);
      const p = await findPool(ctx, c, lastName(ref));
      if (!p) throw poolNotFound(ref);
      if ((await busy(ctx, p.internal.operationId)) || (await busy(ctx, c.internal.operationId)))
        throw operationInProgress(`agent pool '${lastName(ref)}'`);
      const operation = await completedOperation(
        ctx,
        { namespace: NS, location: c.internal.spec.location, target: p.rec.id, result: "resource" },
        200,
      );
      return { status: 202, body: renderPool(c.rec.id, c.internal, p.internal), operation };
    },
    abort: async (ctx, ref) => {
      const c = await requireCluster(ctx, ref);
      const p = await findPool(ctx, c, lastName(ref));
      if (!p) throw poolNotFound(ref);
      const opId = p.internal.operationId;
      if (!opId || !(await busy(ctx, opId))) throw nothingToAbort(`agent pool '${lastName(ref)}'`);
      await cancelOperation(ctx, opId);
      p.internal.state = "Canceled";
      p.internal.deleting = false;
      await savePool(ctx, c.rec.id, c.internal, p.internal);
      if (c.internal.operationId === opId) {
        c.internal.state = "Canceled";
        await saveCluster(
          ctx,
          c.rec.id,
          c.internal,
          (await listPools(ctx, c.rec.id)).map((x) => x.internal),
        );
      }
      return { status: 204 };
    },
  },
};
