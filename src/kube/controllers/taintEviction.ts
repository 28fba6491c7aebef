// The taint eviction controller (kube-controller-manager's, formerly the node lifecycle
// controller's taint manager): pods on a node with a NoExecute taint they do not tolerate are
// deleted — gracefully, so their kubelet stops them and their controllers replace them elsewhere —
// with the DisruptionTarget condition and a TaintManagerEviction event; pods tolerating it for
// tolerationSeconds go once that has passed, and a booked eviction the taint's removal makes
// needless is cancelled with an event. Which pods, and when: workloads/taintEviction.ts.
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { minorOf } from "../../providers/containerservice/versions.js";
import type { Action } from "../workloads/actions.js";
import { eventAction } from "../workloads/events.js";
import { withDisruptionTarget } from "../workloads/pods.js";
import { noExecuteTaints, taintEvictionComponent, taintVerdicts } from "../workloads/taintEviction.js";
import type { ControllerContext } from "./context.js";
import { clusterSource } from "./source.js";

/**
 * Evictions waiting out a tolerationSeconds, by `<cluster>/<namespace>/<name>`: since when (ms),
 * and the pod (for the cancellation's event). In memory, as upstream's timed queue: a restart
 * starts the wait again.
 */
const booked = new Map<string, { since: number; pod: Pod }>();

const keyOf = (cluster: string, p: Pod) =>
  `${cluster}/${p.metadata?.namespace ?? "default"}/${p.metadata?.name ?? ""}`;

export async function syncTaintEviction(ctx: ControllerContext, cluster: string): Promise<void> {
  const tainted = noExecuteTaints(await ctx.list<Node>(cluster, "core/nodes"));
  const prefix = `${cluster}/`;
  if (!tainted.size && ![...booked.keys()].some((k) => k.startsWith(prefix))) return;
  const c = await ctx.store.read((tx) => clusterSource(tx, cluster));
  if (!c) return;
  const minor = minorOf(c.version);
  const component = taintEvictionComponent(minor);
  const pods = await ctx.list<Pod>(cluster, "core/pods");
  const nowMs = Date.now();
  const at = ctx.now();
  const actions: Action[] = [];
  const evicted: string[] = [];
  const wanted = new Set<string>();
  let next: number | undefined;
  for (const v of taintVerdicts(tainted, pods)) {
    const k = keyOf(cluster, v.pod);
    wanted.add(k);
    const since = booked.get(k)?.since ?? nowMs;
    const left = since + v.afterMs - nowMs;
    if (left > 0) {
      booked.set(k, { since, pod: v.pod });
      next = Math.min(next ?? left, left);
      continue;
    }
    evicted.push(k);
    actions.push(...evictionActions(v.pod, component, at, minor));
  }
  for (const [k, b] of booked) {
    if (!k.startsWith(prefix) || wanted.has(k)) continue;
    booked.delete(k);
    if (pods.some((p) => p.metadata?.uid === b.pod.metadata?.uid && !p.metadata?.deletionTimestamp))
      actions.push(podEvent(b.pod, "Cancelling deletion of Pod", component, at));
  }
  await ctx.apply(cluster, actions);
  for (const k of evicted) booked.delete(k);
  if (next !== undefined) ctx.later(`taint-eviction|${cluster}`, next);
}

function podEvent(pod: Pod, what: string, component: string, at: string): Action {
  const ns = pod.metadata?.namespace ?? "default";
  const name = pod.metadata?.name ?? "";
  return eventAction({
    // Upstream's reference names the pod without its uid.
    involved: { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns } },
    reason: "TaintManagerEviction",
    message: `${what} ${ns}/${name}`,
    component,
    at,
  });
}

/**
 * addConditionAndDeletePod: the DisruptionTarget condition (PodDisruptionConditions, on from
 * 1.26), then a graceful delete on the pod's uid, then the event.
 */
function evictionActions(pod: Pod, component: string, at: string, minor: number): Action[] {
  const ns = pod.metadata?.namespace ?? "default";
  const out: Action[] = [];
  if (minor >= 26)
    out.push({
      op: "updateStatus",
      resource: "core/pods",
      namespace: ns,
      object: {
        ...pod,
        status: withDisruptionTarget(
          pod,
          "DeletionByTaintManager",
          "Taint manager: deleting due to NoExecute taint",
          at,
        ),
      },
    });
  out.push({
    op: "delete",
    resource: "core/pods",
    namespace: ns,
    name: pod.metadata?.name ?? "",
    uid: pod.metadata?.uid ?? "",
  });
  out.push(podEvent(pod, "Marking for deletion Pod", component, at));
  return out;
}
