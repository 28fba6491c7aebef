// The TTL-after-finished controller's decision (pkg/controller/ttlafterfinished), pure: a Job
// with `ttlSecondsAfterFinished` whose Complete or Failed condition is True is deleted once
// that condition's lastTransitionTime + ttl has passed (ttl 0: at once) — with Foreground
// propagation, so its pods go before it, and on its uid, so a Job re-created under the name is
// judged on its own. Until then the controller looks again when the ttl runs out.
import type { Job } from "kubernetes-types/batch/v1.js";
import type { Action } from "./actions.js";

/** jobFinishTime: when the Job finished, from its terminal condition (ms), if it has one. */
function finishedAt(job: Job): number | undefined {
  for (const c of job.status?.conditions ?? [])
    if ((c.type === "Complete" || c.type === "Failed") && c.status === "True") {
      const t = Date.parse(c.lastTransitionTime ?? "");
      return Number.isNaN(t) ? undefined : t;
    }
  return undefined;
}

/**
 * processTTL: nothing for a Job being deleted, without a ttl or not finished; else the delete
 * when its time has come, or how long until it does.
 */
export function planTtlCleanup(job: Job, nowMs: number): { delete?: Action; afterMs?: number } {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (job.metadata?.deletionTimestamp || ttl === undefined || ttl === null) return {};
  const at = finishedAt(job);
  if (at === undefined) return {};
  const left = at + ttl * 1000 - nowMs;
  if (left > 0) return { afterMs: left };
  return {
    delete: {
      op: "delete",
      resource: "batch/jobs",
      namespace: job.metadata?.namespace ?? "default",
      name: job.metadata?.name ?? "",
      uid: job.metadata?.uid ?? "",
      propagationPolicy: "Foreground",
    },
  };
}
