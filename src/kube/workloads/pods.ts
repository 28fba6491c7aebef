// Pod helpers every controller shares: a pod from a template (what controller.GetPodFromTemplate
// builds), which pods count as active/ready, and upstream's order for picking pods to delete.
import type { Pod, PodStatus, PodTemplateSpec } from "kubernetes-types/core/v1.js";
import type { LabelSelector } from "kubernetes-types/meta/v1.js";
import { cloneJson } from "../json.js";
import { controllerRef, type ObjectWithMeta } from "./actions.js";
import { matchTerm } from "./scheduler.js";

/**
 * A new pod of `owner` from `template`, named `name`, with extra labels. `generateName`: the
 * prefix the name was generated from, which the pod keeps (controllers create with it upstream).
 */
export function podFromTemplate(
  owner: ObjectWithMeta,
  template: PodTemplateSpec | undefined,
  name: string,
  extraLabels: Record<string, string> = {},
  generateName?: string,
): Pod {
  const meta = template?.metadata ?? {};
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...(generateName ? { generateName } : {}),
      name,
      namespace: owner.metadata?.namespace ?? "default",
      labels: { ...(meta.labels ?? {}), ...extraLabels },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ownerReferences: [controllerRef(owner)],
    },
    spec: cloneJson(template?.spec ?? { containers: [] }),
  };
}

/** controller.IsPodActive: not Succeeded, not Failed, not being deleted. */
export function isActive(p: Pod): boolean {
  const phase = p.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && !p.metadata?.deletionTimestamp;
}

export function isReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
}

/** metav1.LabelSelector over labels (matchLabels and matchExpressions In/NotIn/Exists/DoesNotExist). */
export function selectorMatches(
  sel: LabelSelector | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!sel) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  const exprs = sel.matchExpressions ?? [];
  if (exprs.length === 0) return true;
  return matchTerm(
    { matchExpressions: exprs.map((e) => ({ key: e.key, operator: e.operator, values: e.values })) },
    { metadata: { labels: l } },
  );
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * controller.ActivePodsWithRanks ordering: the first pods are the ones to delete — unbound
 * before bound, Pending before Unknown before Running, not ready before ready, pods sharing
 * their node with more of their siblings first, then the newest; name last for determinism.
 */
export function deletionOrder(pods: readonly Pod[]): Pod[] {
  const perNode = new Map<string, number>();
  for (const p of pods)
    if (p.spec?.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  const key = (p: Pod) => [
    p.spec?.nodeName ? 1 : 0,
    PHASE_RANK[p.status?.phase ?? "Pending"] ?? 0,
    isReady(p) ? 1 : 0,
    -(perNode.get(p.spec?.nodeName ?? "") ?? 0),
  ];
  return [...pods].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
    const ta = a.metadata?.creationTimestamp ?? "";
    const tb = b.metadata?.creationTimestamp ?? "";
    if (ta !== tb) return ta > tb ? -1 : 1;
    const na = a.metadata?.name ?? "";
    const nb = b.metadata?.name ?? "";
    return na > nb ? -1 : na < nb ? 1 : 0;
  });
}

/**
 * The pod's status with the DisruptionTarget condition (True) set for why it is going
 * (PodDisruptionConditions: the taint manager's, PodGC's); an earlier one keeps its time.
 */
export function withDisruptionTarget(pod: Pod, reason: string, message: string, at: string): PodStatus {
  const conditions = pod.status?.conditions ?? [];
  const was = conditions.find((c) => c.type === "DisruptionTarget");
  return {
    ...pod.status,
    conditions: [
      ...conditions.filter((c) => c.type !== "DisruptionTarget"),
      {
        type: "DisruptionTarget",
        status: "True",
        lastTransitionTime: was?.status === "True" && was.lastTransitionTime ? was.lastTransitionTime : at,
        reason,
        message,
      },
    ],
  };
}
