// The disruption controller (pkg/controller/disruption), status only: each PodDisruptionBudget of
// a namespace reports its numbers over the pods it selects — currentHealthy, desiredHealthy,
// expectedPods, disruptionsAllowed (none while it selects no pod) — and the DisruptionAllowed
// condition (SufficientPods / InsufficientPods), so `kubectl get pdb` shows ALLOWED DISRUPTIONS.
// Evictions check the same numbers (kube/eviction.ts).
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from "kubernetes-types/policy/v1.js";
import { budgetNumbers } from "../eviction.js";
import type { ControllerContext } from "./context.js";

export const PDB_KEY = "policy/poddisruptionbudgets";

export async function syncDisruptionBudgets(
  ctx: ControllerContext,
  cluster: string,
  ns: string,
): Promise<void> {
  const t = await ctx.api.find(cluster, "policy", "v1", "poddisruptionbudgets");
  if (!t) return;
  const { items } = await ctx.api.list(cluster, t, ns, {});
  if (!items.length) return;
  const pods = await ctx.list<Record<string, unknown>>(cluster, "core/pods", ns);
  for (const item of items) {
    const pdb = item as PodDisruptionBudget;
    const { expected, healthy, desired } = budgetNumbers(item, pods);
    const allowed = expected > 0 ? Math.max(0, healthy - desired) : 0;
    const generation = pdb.metadata?.generation;
    const was = pdb.status?.conditions?.find((c) => c.type === "DisruptionAllowed");
    const status = allowed > 0 ? "True" : "False";
    const condition = {
      type: "DisruptionAllowed",
      status,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      lastTransitionTime: was?.status === status ? was.lastTransitionTime : ctx.now(),
      reason: allowed > 0 ? "SufficientPods" : "InsufficientPods",
      message: "",
    };
    const next: PodDisruptionBudgetStatus = {
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      disruptionsAllowed: allowed,
      currentHealthy: healthy,
      desiredHealthy: desired,
      expectedPods: expected,
      conditions: [condition],
    };
    if (JSON.stringify(next) === JSON.stringify(pdb.status)) continue;
    await ctx.api.update(
      cluster,
      t,
      ns,
      pdb.metadata?.name ?? "",
      { ...pdb, status: next },
      { fieldManager: "kube-controller-manager" },
      "status",
    );
  }
}
