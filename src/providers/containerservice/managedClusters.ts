// Microsoft.ContainerService/managedClusters: PUT / GET / PATCH(tags) / DELETE / list,
// listClusterUserCredential, listClusterAdminCredential, abort. PUT and DELETE validate and
// record desired state in the request's transaction, then return; reconcile.ts does the work.
import {
  asObject,
  checkPreconditions,
  listRecords,
  readTags,
  requireResourceGroup,
  rgId,
} from "../common.js";
import type { ArmContext, Preconditions } from "../context.js";
import { invalidResourceName, resourceNotFound } from "../errors.js";
import { buildId, lastName, newGuid, type ResourceRef } from "../ids.js";
import { completedOperation, startOperation } from "../operations.js";
import type { ActionOutcome, ResourceTypeHandler, Wire } from "../registry.js";
import { clusterStopped, invalidParameter, nothingToAbort, operationInProgress } from "./errors.js";
import { type CredentialKind, clusterToken, credentialResults, kubeTokenKey } from "./kubeconfig.js";
import {
  AKS_API_VERSIONS,
  CLUSTER_TYPE,
  type ClusterInternal,
  clusterHash,
  NS,
  type PoolInternal,
  resourceUID,
} from "./model.js";
import { vmssIdOf } from "./nodes.js";
import { outboundNetworkDependenciesEndpoints } from "./outboundDependencies.js";
import { parseCluster, parsePool } from "./parse.js";
import { KIND, purgeCluster } from "./reconcile.js";
import {
  busy,
  type ClusterRecord,
  getCluster,
  listPools,
  renderCluster,
  saveCluster,
  savePool,
} from "./records.js";
import { availableAgentPoolVersions } from "./upgradeProfiles.js";
import { validateCluster } from "./validation.js";

const NAME_RE = /^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$/;

async function requireCluster(ctx: ArmContext, ref: ResourceRef): Promise<ClusterRecord> {
  await requireResourceGroup(ctx, ref);
  const c = await getCluster(ctx, buildId(ref));
  if (!c) throw resourceNotFound(CLUSTER_TYPE, lastName(ref), ref.resourceGroup);
  return c;
}

async function read(ctx: ArmContext, c: ClusterRecord): Promise<Wire> {
  const pools = (await listPools(ctx, c.rec.id)).map((p) => p.internal);
  return renderCluster(ctx, c.rec.id, c.internal, pools);
}

async function put(ctx: ArmContext, ref: ResourceRef, raw: unknown, pre: Preconditions) {
  await requireResourceGroup(ctx, ref);
  const name = lastName(ref);
  if (!NAME_RE.test(name))
    throw invalidResourceName(
      name,
      CLUSTER_TYPE,
      "The name must be 1-63 letters, digits, '-' or '_', starting and ending with a letter or digit.",
    );
  const existing = await getCluster(ctx, buildId(ref));
  checkPreconditions(existing ? { etag: existing.internal.eTag } : undefined, pre);
  if (existing?.internal.powerState === "Stopped") throw clusterStopped(name);
  if (existing && (await busy(ctx, existing.internal.operationId)))
    throw operationInProgress(`managed cluster '${name}'`);
  const id = existing?.rec.id ?? buildId(ref);
  const prev = existing?.internal;
  const { spec, pools: inline } = parseCluster(ctx, raw, ref.resourceGroup!, name, prev?.spec);
  const prevPools = new Map(
    (await listPools(ctx, id)).map((p) => [p.internal.spec.name.toLowerCase(), p.internal]),
  );
  const desired = new Map<string, PoolInternal>();
  for (const p of prevPools.values()) desired.set(p.spec.name.toLowerCase(), p);
  const hash = prev?.hash ?? clusterHash(ref.subscriptionId, ref.resourceGroup!, name);
  const nodeRgId = rgId(ref.subscriptionId, spec.nodeResourceGroup);
  inline.forEach((p, i) => {
    const old = prevPools.get(p.name.toLowerCase());
    const poolSpec = parsePool(
      old?.spec.name ?? p.name,
      p.props,
      old?.spec,
      {
        plugin: spec.network,
        kubernetesVersion: spec.kubernetesVersion,
        defaultMode: i === 0 && !prev ? "System" : "User",
      },
      `properties.agentPoolProfiles[${i}]`,
    );
    desired.set(p.name.toLowerCase(), {
      spec: poolSpec,
      subnetId: old?.subnetId ?? "",
      vmssId: old?.vmssId ?? vmssIdOf(nodeRgId, poolSpec.name, hash),
      eTag: "",
      state: old ? "Updating" : "Creating",
    });
  });
  const pools = [...desired.values()];
  const v = await validateCluster(
    ctx,
    {
      clusterId: id,
      rg: ref.resourceGroup!,
      clusterName: name,
      spec,
      prev,
      pools: pools.map((p) => p.spec),
      prevPools,
    },
    hash,
  );
  spec.identity.principalId = v.principalId;
  spec.identity.clientId = v.clientId;
  const internal: ClusterInternal = {
    spec,
    hash,
    resourceUID: prev?.resourceUID ?? resourceUID(id),
    defaultSubnetId: v.defaultSubnetId,
    managedVnet: v.managedVnet,
    ...(prev?.routeTableId
      ? { routeTableId: prev.routeTableId, routeTableCreated: prev.routeTableCreated }
      : {}),
    ...(prev?.attachedRouteTableTo ? { attachedRouteTableTo: prev.attachedRouteTableTo } : {}),
    podCidrCursor: prev?.podCidrCursor ?? 0,
    eTag: newGuid(),
    createdAt: prev?.createdAt ?? ctx.now.toISOString(),
    state: prev ? "Updating" : "Creating",
    ...(v.capacity ? { capacity: v.capacity } : {}),
  };
  const op = await startOperation(ctx, {
    namespace: NS,
    location: spec.location,
    kind: KIND.reconcileCluster,
    target: id,
  });
  internal.operationId = op.id;
  // A cluster-level operation gives every pool a new eTag (use-etags rules).
  for (const p of pools) {
    p.subnetId = v.subnetOf.get(p.spec.name.toLowerCase())!;
    p.eTag = newGuid();
    if (p.state === "Succeeded" || p.state === "Failed" || p.state === "Canceled") p.state = "Updating";
    p.operationId = op.id;
    await savePool(ctx, id, internal, p);
  }
  const body = await saveCluster(ctx, id, internal, pools);
  return { created: !existing, body, operation: op };
}

/** listClusterUserCredential's `format` query parameter: the API knows `azure` and `exec` only. */
const CREDENTIAL_FORMATS = ["azure", "exec"];

async function credentials(ctx: ArmContext, ref: ResourceRef, kind: CredentialKind): Promise<ActionOutcome> {
  const c = await requireCluster(ctx, ref);
  const format = Object.entries(ctx.query).find(([k]) => k.toLowerCase() === "format")?.[1];
  if (kind === "user" && format !== undefined && !CREDENTIAL_FORMATS.includes(format.toLowerCase()))
    throw invalidParameter("format", `Allowed values are 'azure' and 'exec', not '${format}'.`);
  return {
    status: 200,
    body: credentialResults({
      baseUrl: ctx.settings.publicBaseUrl,
      caCertPem: ctx.settings.caCertPem,
      resourceUID: c.internal.resourceUID,
      clusterName: String(c.rec.body.name ?? lastName(ref)),
      resourceGroup: ref.resourceGroup!,
      kind,
      token: clusterToken(await kubeTokenKey(ctx.tx), c.internal.resourceUID, kind),
    }),
  };
}

export const managedClusters: ResourceTypeHandler = {
  type: CLUSTER_TYPE,
  apiVersions: AKS_API_VERSIONS,
  scope: "resourceGroup",
  // Clusters go first in a cascade: their nodes hold subnet addresses and routes.
  cascadeOrder: 10,

  async get(ctx, ref) {
    return read(ctx, await requireCluster(ctx, ref));
  },

  async list(ctx, coll) {
    const out: Wire[] = [];
    for (const rec of await listRecords(ctx, coll)) {
      const c = { rec, internal: rec.internal as unknown as ClusterInternal };
      out.push(await read(ctx, c));
    }
    return out;
  },

  put,

  async patch(ctx, ref, raw, pre) {
    const c = await requireCluster(ctx, ref);
    checkPreconditions({ etag: c.internal.eTag }, pre);
    if (await busy(ctx, c.internal.operationId))
      throw operationInProgress(`managed cluster '${lastName(ref)}'`);
    const tags = readTags(asObject(raw));
    if (tags !== undefined) c.internal.spec.tags = tags;
    c.internal.eTag = newGuid();
    const pools = (await listPools(ctx, c.rec.id)).map((p) => p.internal);
    for (const p of pools) {
      p.eTag = newGuid();
      await savePool(ctx, c.rec.id, c.internal, p);
    }
    return { created: false, body: await saveCluster(ctx, c.rec.id, c.internal, pools) };
  },

  async delete(ctx, ref, pre) {
    await requireResourceGroup(ctx, ref);
    const c = await getCluster(ctx, buildId(ref));
    if (!c) return { existed: false };
    checkPreconditions({ etag: c.internal.eTag }, pre);
    if (c.internal.state === "Deleting" && (await busy(ctx, c.internal.operationId))) {
      const op = await ctx.tx.getOperation(c.internal.operationId!);
      return { existed: true, operation: op };
    }
    if (await busy(ctx, c.internal.operationId))
      throw operationInProgress(`managed cluster '${lastName(ref)}'`);
    const op = await startOperation(ctx, {
      namespace: NS,
      location: c.internal.spec.location,
      kind: KIND.deleteCluster,
      target: c.rec.id,
      result: "empty",
    });
    c.internal.state = "Deleting";
    c.internal.operationId = op.id;
    const pools = (await listPools(ctx, c.rec.id)).map((p) => p.internal);
    for (const p of pools) {
      p.state = "Deleting";
      await savePool(ctx, c.rec.id, c.internal, p);
    }
    await saveCluster(ctx, c.rec.id, c.internal, pools);
    return { existed: true, operation: op };
  },

  async purge(ctx, ref) {
    await purgeCluster(ctx, buildId(ref));
  },

  actions: {
    listclusterusercredential: (ctx, ref) => credentials(ctx, ref, "user"),
    listclusteradmincredential: (ctx, ref) => credentials(ctx, ref, "admin"),
    listclustermonitoringusercredential: (ctx, ref) => credentials(ctx, ref, "monitoring"),
    stop: (ctx, ref) => setPower(ctx, ref, "Stopped"),
    start: (ctx, ref) => setPower(ctx, ref, "Running"),
    abort: async (ctx, ref) => {
      const c = await requireCluster(ctx, ref);
      const opId = c.internal.operationId;
      if (!opId || !(await busy(ctx, opId))) throw nothingToAbort(`managed cluster '${lastName(ref)}'`);
      await cancelOperation(ctx, opId);
      c.internal.state = "Canceled";
      const pools = (await listPools(ctx, c.rec.id)).map((p) => p.internal);
      for (const p of pools) {
        if (p.operationId !== opId) continue;
        p.state = "Canceled";
        p.deleting = false;
        await savePool(ctx, c.rec.id, c.internal, p);
      }
      await saveCluster(ctx, c.rec.id, c.internal, pools);
      return { status: 204 };
    },
  },
};

managedClusters.readActions = {
  availableagentpoolversions: availableAgentPoolVersions,
  outboundnetworkdependenciesendpoints: async (ctx, ref) =>
    outboundNetworkDependenciesEndpoints(ctx, await requireCluster(ctx, ref)),
};

/**
 * `stop` / `start`: the power state flips in this request's transaction and the answer is 202
 * with an operation that has finished (its result URL answers 204, as AKS's does). Stopped, the
 * node VMs are deallocated — the Kubernetes Nodes go (their pods with them, as the pod GC does) —
 * but every instance keeps its NIC, addresses and pod CIDR block, so `start` brings the same
 * nodes back. Refused while another operation runs on the cluster.
 */
async function setPower(
  ctx: ArmContext,
  ref: ResourceRef,
  to: "Running" | "Stopped",
): Promise<ActionOutcome> {
  const c = await requireCluster(ctx, ref);
  if (await busy(ctx, c.internal.operationId))
    throw operationInProgress(`managed cluster '${lastName(ref)}'`);
  if (c.internal.state === "Deleting") throw operationInProgress(`managed cluster '${lastName(ref)}'`);
  if ((c.internal.powerState ?? "Running") !== to) {
    c.internal.powerState = to;
    c.internal.eTag = newGuid();
    const pools = (await listPools(ctx, c.rec.id)).map((p) => p.internal);
    for (const p of pools) {
      p.eTag = newGuid();
      await savePool(ctx, c.rec.id, c.internal, p);
    }
    await saveCluster(ctx, c.rec.id, c.internal, pools);
  }
  const operation = await completedOperation(
    ctx,
    { namespace: NS, location: c.internal.spec.location, target: c.rec.id, result: "empty" },
    204,
  );
  return { status: 202, operation };
}

/** Marks an InProgress operation Canceled; the runner then skips it. */
export async function cancelOperation(ctx: ArmContext, opId: string): Promise<void> {
  const op = await ctx.tx.getOperation(opId);
  if (op?.status !== "InProgress") return;
  await ctx.tx.putOperation({
    ...op,
    status: "Canceled",
    error: { code: "OperationCanceled", message: "The operation was canceled by an abort request." },
    endTime: ctx.now.toISOString(),
  });
}
