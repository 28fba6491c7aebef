// The eviction subresource's PodDisruptionBudget check (pkg/registry/core/pod/storage/eviction.go),
// with the budget's numbers worked out from the pods themselves as the disruption controller
// would: healthy = the selected pods that are Ready and not terminating; desired = minAvailable
// (a count or a percentage of the selected pods, rounded up) or selected − maxUnavailable.
import { KubeError } from "./errors.js";
import { labelSelectorRequirements, matchLabels } from "./selectors.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);
const meta = (o: Obj): Obj => (isObj(o.metadata) ? o.metadata : {});

function ready(p: Obj): boolean {
  const status = isObj(p.status) ? p.status : {};
  const conds = Array.isArray(status.conditions) ? status.conditions : [];
  return (
    !meta(p).deletionTimestamp && conds.some((c) => isObj(c) && c.type === "Ready" && c.status === "True")
  );
}

/** intstr.GetScaledValueFromIntOrPercent, rounding up. */
function scaled(v: unknown, total: number): number {
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(String(v ?? ""));
  return m ? Math.ceil((Number(m[1]) * total) / 100) : Number(v) || 0;
}

/**
 * A budget's numbers over the namespace's pods: the selected pods that are not finished
 * (expected), those Ready and not terminating (healthy), and how many must stay (desired).
 */
export function budgetNumbers(
  pdb: Obj,
  pods: readonly Obj[],
): { expected: number; healthy: number; desired: number } {
  const spec = isObj(pdb.spec) ? pdb.spec : {};
  const reqs = labelSelectorRequirements(spec.selector) ?? [];
  // An empty or missing selector selects nothing (policy/v1).
  const selected = reqs.length
    ? pods.filter((p) => {
        const ph = isObj(p.status) ? p.status.phase : undefined;
        return (
          ph !== "Succeeded" &&
          ph !== "Failed" &&
          matchLabels(reqs, (meta(p).labels ?? {}) as Record<string, string>)
        );
      })
    : [];
  const expected = selected.length;
  const healthy = selected.filter(ready).length;
  const desired =
    spec.minAvailable !== undefined
      ? scaled(spec.minAvailable, expected)
      : Math.max(0, expected - scaled(spec.maxUnavailable, expected));
  return { expected, healthy, desired };
}

/**
 * Refuses the eviction (429 TooManyRequests, as kube-apiserver) when the pod's budget allows no
 * disruption. A pod that is not running (Pending, Succeeded, Failed) or already terminating may
 * always go; more than one budget selecting the pod is an error upstream, here too.
 */
export function checkEviction(pod: Obj, budgets: readonly Obj[], pods: readonly Obj[]): void {
  const phase = isObj(pod.status) ? pod.status.phase : undefined;
  if (meta(pod).deletionTimestamp || phase === "Succeeded" || phase === "Failed" || phase === "Pending")
    return;
  const labelsOf = (p: Obj) => (meta(p).labels ?? {}) as Record<string, string>;
  // An empty or missing selector selects nothing (policy/v1).
  const mine = budgets
    .map((pdb) => ({ pdb, reqs: labelSelectorRequirements(isObj(pdb.spec) ? pdb.spec.selector : undefined) }))
    .filter(({ reqs }) => reqs !== undefined && reqs.length > 0 && matchLabels(reqs, labelsOf(pod)));
  if (mine.length === 0) return;
  if (mine.length > 1)
    throw new KubeError(
      500,
      "InternalError",
      "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
    );
  const { pdb } = mine[0];
  const { healthy, desired } = budgetNumbers(pdb, pods);
  // IfHealthyBudget (the default): an unready pod may go while the budget is met.
  const allowed = ready(pod) ? healthy - desired > 0 : healthy >= desired;
  if (allowed) return;
  throw new KubeError(
    429,
    "TooManyRequests",
    "Cannot evict pod as it would violate the pod's disruption budget.",
    {
      causes: [
        {
          reason: "DisruptionBudget",
          message: `The disruption budget ${String(meta(pdb).name)} needs ${desired} healthy pods and has ${healthy} currently`,
        },
      ],
    },
  );
}
