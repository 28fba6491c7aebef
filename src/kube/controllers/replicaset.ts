// ReplicaSet controller: the ReplicaSet and its namespace's pods → reconcileReplicaSet
// (create/delete to the replica count, adoption, status) → the API. The same code runs
// ReplicationControllers (`replicationcontroller.ts`), through a ReplicaSetSource.
import type { ReplicaSet } from "kubernetes-types/apps/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { type Action, coalesceUpdates, type KubeObject } from "../workloads/actions.js";
import {
  nextAvailableIn,
  REPLICA_SET_KIND,
  type ReplicaSetKind,
  reconcileReplicaSet,
  replicaFailure,
} from "../workloads/replicaset.js";
import type { ControllerContext } from "./context.js";
import { recordRefusals } from "./owners.js";

/**
 * How the controller reads and writes the kind it runs for (upstream's informer and clientset
 * adapters): the object seen as a ReplicaSet, and that view back as the object to write.
 */
export interface ReplicaSetSource {
  kind: ReplicaSetKind;
  /** The controller's work-key prefix (`<ctrl>|<cluster>|<ns>|<name>`). */
  ctrl: string;
  get(ctx: ControllerContext, cluster: string, ns: string, name: string): Promise<ReplicaSet | undefined>;
  toObject(rs: ReplicaSet): KubeObject;
}

const REPLICA_SETS: ReplicaSetSource = {
  kind: REPLICA_SET_KIND,
  ctrl: "replicaset",
  get: (ctx, cluster, ns, name) => ctx.get<ReplicaSet>(cluster, "apps/replicasets", ns, name),
  toObject: (rs) => rs,
};

export function syncReplicaSet(
  ctx: ControllerContext,
  cluster: string,
  ns: string,
  name: string,
): Promise<void> {
  return syncReplicas(ctx, cluster, ns, name, REPLICA_SETS);
}

/** One sync of a ReplicaSet, or of an object `source` shows as one. */
export async function syncReplicas(
  ctx: ControllerContext,
  cluster: string,
  ns: string,
  name: string,
  source: ReplicaSetSource,
): Promise<void> {
  const { kind } = source;
  const rs = await source.get(ctx, cluster, ns, name);
  if (!rs) return;
  // The ReplicaSet view's own writes go back as the object they came from.
  const back = (actions: Action[]): Action[] =>
    actions.map((a) =>
      (a.op === "update" || a.op === "updateStatus") && a.resource === kind.resource
        ? { ...a, object: source.toObject(a.object as ReplicaSet) }
        : a,
    );
  const pods = await ctx.list<Pod>(cluster, "core/pods", ns);
  const { refused } = await ctx.apply(
    cluster,
    back(coalesceUpdates(reconcileReplicaSet(rs, pods, ctx.rng, ctx.now(), kind))),
  );
  // Ready pods become available after minReadySeconds: look again then.
  const wait = nextAvailableIn(rs, pods, Date.now(), kind);
  if (wait !== undefined) ctx.later(`${source.ctrl}|${cluster}|${ns}|${name}`, wait + 1000);
  // A refused create leaves ReplicaFailure on the ReplicaSet (the Deployment shows it too).
  if (refused.length) {
    const fresh = await source.get(ctx, cluster, ns, name);
    const failed = fresh && replicaFailure(fresh, refused[0].error.message, ctx.now());
    if (failed)
      await ctx.apply(
        cluster,
        back([{ op: "updateStatus", resource: kind.resource, namespace: ns, object: failed }]),
      );
  }
  await recordRefusals(
    ctx,
    cluster,
    { ...rs, apiVersion: kind.apiVersion, kind: kind.kind },
    kind.component,
    refused,
  );
}
