// The TTL-after-finished controller (`ttl|<cluster>|<ns>|<name>`, queued by a finished Job with
// `ttlSecondsAfterFinished` and by the resync): deletes the Job, Foreground, once its ttl has
// run out (workloads/ttlAfterFinished.ts); until then a ControllerContext.later timer brings
// it back. Before deleting, the Job is read again from the store, not the cache, as upstream
// re-reads it from the API: a ttl changed meanwhile is honoured.
import type { Job } from "kubernetes-types/batch/v1.js";
import { KubeError } from "../errors.js";
import { planTtlCleanup } from "../workloads/ttlAfterFinished.js";
import type { ControllerContext } from "./context.js";

/** Whether a Job change concerns this controller (updateJob's needsCleanup filter). */
export function needsTtlCleanup(job: Job): boolean {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  return (
    !job.metadata?.deletionTimestamp &&
    ttl !== undefined &&
    ttl !== null &&
    (job.status?.conditions ?? []).some(
      (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
    )
  );
}

export async function syncTtlAfterFinished(
  ctx: ControllerContext,
  cluster: string,
  ns: string,
  name: string,
): Promise<void> {
  const key = `ttl|${cluster}|${ns}|${name}`;
  const cached = await ctx.get<Job>(cluster, "batch/jobs", ns, name);
  if (!cached) return;
  const first = planTtlCleanup(cached, Date.now());
  if (first.afterMs !== undefined) ctx.later(key, first.afterMs);
  if (!first.delete) return;
  let fresh: Job;
  try {
    fresh = (await ctx.api.get(cluster, await ctx.type(cluster, "batch/jobs"), ns, name)) as Job;
  } catch (e) {
    if (e instanceof KubeError && e.code === 404) return;
    throw e;
  }
  const plan = planTtlCleanup(fresh, Date.now());
  if (plan.afterMs !== undefined) ctx.later(key, plan.afterMs);
  if (plan.delete) await ctx.apply(cluster, [plan.delete]);
}
