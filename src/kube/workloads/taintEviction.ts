// The taint eviction controller's decision (pkg/controller/tainteviction, processPodOnNode): a pod
// on a node with NoExecute taints goes at once unless it tolerates every one; tolerating them all
// with tolerationSeconds, it goes once the shortest of those has passed since it was first seen
// there; tolerating them without a limit, it stays.
import type { Node, Pod, Taint, Toleration } from "kubernetes-types/core/v1.js";
import { tolerates } from "./scheduler.js";

export interface TaintVerdict {
  pod: Pod;
  /** Milliseconds after first being seen on the tainted node (0: now). */
  afterMs: number;
}

/** GetMatchingTolerations: the first toleration of each taint, or undefined if one is untolerated. */
function matchingTolerations(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
): Toleration[] | undefined {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((x) => tolerates(x, taint));
    if (!t) return undefined;
    used.push(t);
  }
  return used;
}

/** getMinTolerationTime in ms: the shortest tolerationSeconds (≤ 0 is now); undefined is forever. */
function minTolerationMs(used: readonly Toleration[]): number | undefined {
  if (!used.length) return 0;
  let min: number | undefined;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min ?? Number.POSITIVE_INFINITY, t.tolerationSeconds * 1000);
  }
  return min;
}

/** The NoExecute taints of each node that has some. */
export function noExecuteTaints(nodes: readonly Node[]): Map<string, Taint[]> {
  const out = new Map<string, Taint[]>();
  for (const n of nodes) {
    const taints = (n.spec?.taints ?? []).filter((t) => t.effect === "NoExecute");
    if (taints.length) out.set(n.metadata?.name ?? "", taints);
  }
  return out;
}

/** The pods that must leave their node, and after how long. */
export function taintVerdicts(tainted: ReadonlyMap<string, Taint[]>, pods: readonly Pod[]): TaintVerdict[] {
  const out: TaintVerdict[] = [];
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const taints = tainted.get(pod.spec?.nodeName ?? "");
    if (!taints) continue;
    const used = matchingTolerations(taints, pod.spec?.tolerations ?? []);
    if (!used) {
      out.push({ pod, afterMs: 0 });
      continue;
    }
    const ms = minTolerationMs(used);
    if (ms !== undefined) out.push({ pod, afterMs: ms });
  }
  return out;
}

/** The component that records the controller's events: renamed when it left node lifecycle (1.29). */
export function taintEvictionComponent(minor: number): string {
  return minor >= 29 ? "taint-eviction-controller" : "taint-controller";
}
