// DaemonSet controller: one pod per eligible node, following Nodes as pools scale; its
// ControllerRevisions (history) first, so pods carry the current revision's hash.
import type { ControllerRevision, DaemonSet } from "kubernetes-types/apps/v1.js";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import type { AdmissionStep } from "../admission.js";
import { coalesceUpdates, isControlledBy } from "../workloads/actions.js";
import { reconcileDaemonSet, templateGenerationAnnotations } from "../workloads/daemonset.js";
import { daemonSetHistory } from "../workloads/history.js";
import type { ControllerContext } from "./context.js";
import { recordRefusals } from "./owners.js";

export async function syncDaemonSet(
  ctx: ControllerContext,
  cluster: string,
  ns: string,
  name: string,
): Promise<void> {
  const ds = await ctx.get<DaemonSet>(cluster, "apps/daemonsets", ns, name);
  if (!ds || ds.metadata?.deletionTimestamp) return;
  const self = { ...ds, apiVersion: "apps/v1", kind: "DaemonSet" };
  const nodes = await ctx.list<Node>(cluster, "core/nodes");
  const pods = await ctx.list<Pod>(cluster, "core/pods", ns);
  const revisions = await ctx.list<ControllerRevision>(cluster, "apps/controllerrevisions", ns);
  const history = daemonSetHistory(
    ds,
    revisions,
    pods.filter((p) => isControlledBy(p, self)),
  );
  if (history.collisionCount !== undefined) {
    // Another template holds the name: a new count gives a new hash on the next sync.
    const status = ds.status ?? {
      currentNumberScheduled: 0,
      desiredNumberScheduled: 0,
      numberMisscheduled: 0,
      numberReady: 0,
    };
    const bumped: DaemonSet = { ...ds, status: { ...status, collisionCount: history.collisionCount } };
    await ctx.apply(cluster, [
      { op: "updateStatus", resource: "apps/daemonsets", namespace: ns, object: bumped },
    ]);
    ctx.queue.add(`daemonset|${cluster}|${ns}|${name}`);
    return;
  }
  const { refused } = await ctx.apply(
    cluster,
    coalesceUpdates([
      ...history.actions,
      ...reconcileDaemonSet(ds, nodes, pods, ctx.rng, ctx.now(), history.hash),
    ]),
  );
  await recordRefusals(ctx, cluster, self, "daemonset-controller", refused);
}

/**
 * kube-apiserver's DaemonSet strategy keeps the template generation in an annotation (what
 * the pods' pod-template-generation label and the revisions copy); it runs where admission runs.
 */
export function daemonSetTemplateGenerationAdmission(): AdmissionStep {
  return async (req) => {
    if (req.resource !== "apps/daemonsets") return req.object;
    const ds = req.object as DaemonSet;
    const annotations = templateGenerationAnnotations(ds, req.oldObject as DaemonSet | undefined);
    return { ...req.object, metadata: { ...ds.metadata, annotations } };
  };
}
