// Resource quota controller (status only): status.hard mirrors spec.hard and status.used counts
// the object-count resources it can see (pods, services, configmaps, secrets), as
// kube-controller-manager's resourcequota controller reports them. Quotas are not enforced.
import type { ResourceQuota } from "kubernetes-types/core/v1.js";
import { setOwn } from "../ownKeys.js";
import type { Resource } from "../workloads/actions.js";
import type { ControllerContext } from "./context.js";

/** Quota resource names (and their `count/…` forms) → the store key they count. */
const COUNTED: Record<string, Resource> = {
  pods: "core/pods",
  services: "core/services",
  configmaps: "core/configmaps",
  secrets: "core/secrets",
  "count/pods": "core/pods",
  "count/services": "core/services",
  "count/configmaps": "core/configmaps",
  "count/secrets": "core/secrets",
};

/** Store keys whose changes move some quota's `used`. */
export const QUOTA_COUNTED = new Set(Object.values(COUNTED));

export async function syncQuotas(ctx: ControllerContext, cluster: string, ns: string): Promise<void> {
  const quotas = await ctx.list<ResourceQuota>(cluster, "core/resourcequotas", ns);
  if (quotas.length === 0) return;
  const counts = new Map<Resource, number>();
  const count = async (r: Resource) => {
    if (!counts.has(r)) {
      const items = await ctx.list<{ status?: { phase?: string } }>(cluster, r, ns);
      // The quota controller does not charge terminal pods.
      const live =
        r === "core/pods"
          ? items.filter((p) => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed")
          : items;
      counts.set(r, live.length);
    }
    return counts.get(r) ?? 0;
  };
  for (const q of quotas) {
    const hard = { ...(q.spec?.hard ?? {}) };
    const used: Record<string, string> = {};
    for (const k of Object.keys(hard)) {
      const r = COUNTED[k];
      // Compute resources (cpu, memory…) are reported as used 0: nothing here consumes them.
      setOwn(used, k, r ? String(await count(r)) : (q.status?.used?.[k] ?? "0"));
    }
    const status = { hard, used };
    if (JSON.stringify(status) === JSON.stringify({ hard: q.status?.hard ?? {}, used: q.status?.used ?? {} }))
      continue;
    await ctx.apply(cluster, [
      { op: "updateStatus", resource: "core/resourcequotas", namespace: ns, object: { ...q, status } },
    ]);
  }
}
