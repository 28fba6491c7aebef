// ReplicaSet controller: the ReplicaSet and its namespace's pods → reconcileReplicaSet
// (create/delete to the replica count, adoption, status) → the API.
import type { ReplicaSet } from "kubernetes-types/apps/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { coalesceUpdates } from "../workloads/actions.js";
import { nextAvailableIn, reconcileReplicaSet, replicaFailure } from "../workloads/replicaset.js";
import type { ControllerContext } from "./context.js";
import { recordRefusals } from "./owners.js";

export async function syncReplicaSet(
  ctx: ControllerContext,
  cluster: string,
  ns: string,
  name: string,
): Promise<void> {
  const rs = await ctx.get<ReplicaSet>(cluster, "apps/replicasets", ns, name);
  if (!rs) return;
  const pods = await ctx.list<Pod>(cluster, "core/pods", ns);
  const { refused } = await ctx.apply(
    cluster,
    coalesceUpdates(reconcileReplicaSet(rs, pods, ctx.rng, ctx.now())),
  );
  // Ready pods become available after minReadySeconds: look again then.
  const wait = nextAvailableIn(rs, pods, Date.now());
  if (wait !== undefined) ctx.later(`replicaset|${cluster}|${ns}|${name}`, wait + 1000);
  // A refused create leaves ReplicaFailure on the ReplicaSet (the Deployment shows it too).
  if (refused.length) {
    const fresh = await ctx.get<ReplicaSet>(cluster, "apps/replicasets", ns, name);
    const failed = fresh && replicaFailure(fresh, refused[0].error.message, ctx.now());
    if (failed)
      await ctx.apply(cluster, [
        { op: "updateStatus", resource: "apps/replicasets", namespace: ns, object: failed },
      ]);
  }
  await recordRefusals(
    ctx,
    cluster,
    { ...rs, apiVersion: "apps/v1", kind: "ReplicaSet" },
    "replicaset-controller",
    refused,
  );
}
