// Reading and writing cluster and agent-pool records. The desired state lives in
// `internal`; the wire body is rendered from it on every read, so a pool's state and the
// cluster's inline `agentPoolProfiles` never disagree.
import type { ResourceRecord } from "../../store/types.js";
import type { ArmContext } from "../context.js";
import { identityGuids } from "../identity/userAssignedIdentities.js";
import { parseResourceId } from "../ids.js";
import type { Wire } from "../registry.js";
import { CLUSTER_TYPE, type ClusterInternal, POOL_TYPE, type PoolInternal } from "./model.js";
import { infraIds } from "./nodeResourceGroup.js";
import { clusterWire, poolWire } from "./wire.js";

export interface ClusterRecord {
  rec: ResourceRecord;
  internal: ClusterInternal;
}

export interface PoolRecord {
  rec: ResourceRecord;
  internal: PoolInternal;
}

export async function getCluster(ctx: ArmContext, id: string): Promise<ClusterRecord | undefined> {
  const rec = await ctx.tx.getResource(id);
  if (!rec || rec.type.toLowerCase() !== CLUSTER_TYPE.toLowerCase()) return undefined;
  return { rec, internal: rec.internal as unknown as ClusterInternal };
}

export async function listPools(ctx: ArmContext, clusterId: string): Promise<PoolRecord[]> {
  const recs = await ctx.tx.listResources({ type: POOL_TYPE, parentId: clusterId });
  return recs.map((rec) => ({ rec, internal: rec.internal as unknown as PoolInternal }));
}

export function poolId(clusterId: string, name: string): string {
  return `${clusterId}/agentPools/${name}`;
}

export function renderPool(clusterId: string, cluster: ClusterInternal, p: PoolInternal): Wire {
  return poolWire(clusterId, p, p.state, cluster.managedVnet, cluster.powerState);
}

export function renderCluster(
  ctx: ArmContext,
  id: string,
  internal: ClusterInternal,
  pools: PoolInternal[],
): Wire {
  const name = parseResourceId(id).names[0];
  const ids = infraIds(ctx, name, internal);
  const kubelet = identityGuids(ids.kubeletIdentityId);
  return clusterWire({
    id,
    name,
    internal,
    pools,
    state: internal.state,
    poolStates: new Map(pools.map((p) => [p.spec.name.toLowerCase(), p.state])),
    outboundIpIds: ids.outboundIpIds,
    natOutboundIpIds: ids.natOutboundIpIds,
    kubeletIdentity: {
      resourceId: ids.kubeletIdentityId,
      clientId: kubelet.clientId,
      objectId: kubelet.principalId,
    },
    ...(internal.capacity ? { capacity: internal.capacity } : {}),
    tenantId: ctx.tenantId,
  });
}

export async function saveCluster(
  ctx: ArmContext,
  id: string,
  internal: ClusterInternal,
  pools: PoolInternal[],
): Promise<Wire> {
  const ref = parseResourceId(id);
  const body = renderCluster(ctx, id, internal, pools);
  await ctx.tx.putResource({
    id,
    type: CLUSTER_TYPE,
    subscriptionId: ref.subscriptionId,
    resourceGroup: ref.resourceGroup,
    body,
    internal: internal as unknown as Record<string, unknown>,
    etag: internal.eTag,
  });
  return body;
}

export async function savePool(
  ctx: ArmContext,
  clusterId: string,
  cluster: ClusterInternal,
  p: PoolInternal,
): Promise<Wire> {
  const ref = parseResourceId(clusterId);
  const body = renderPool(clusterId, cluster, p);
  await ctx.tx.putResource({
    id: poolId(clusterId, p.spec.name),
    type: POOL_TYPE,
    subscriptionId: ref.subscriptionId,
    resourceGroup: ref.resourceGroup,
    parentId: clusterId,
    body,
    internal: p as unknown as Record<string, unknown>,
    etag: p.eTag,
  });
  return body;
}

/** True while the operation recorded on the resource is still running. */
export async function busy(ctx: ArmContext, operationId: string | undefined): Promise<boolean> {
  if (!operationId) return false;
  return (await ctx.tx.getOperation(operationId))?.status === "InProgress";
}
