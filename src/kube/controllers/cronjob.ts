// CronJob controller: the CronJob and its namespace's Jobs → planCronJob (history cleanup,
// active list, the schedule time due now) → the API. The due Job is created and the CronJob's
// status names it in one transaction (a status conflict undoes the create, and the queue runs
// the sync again), so a restart never finds a Job the status forgot. The next schedule time is
// looked at again through ControllerContext.later.
import type { CronJob, CronJobStatus, Job } from "kubernetes-types/batch/v1.js";
import { KubeError } from "../errors.js";
import { jsonEqual } from "../json.js";
import { planCronJob, started } from "../workloads/cronjob.js";
import { eventAction } from "../workloads/events.js";
import { type BatchWriter, type ControllerContext, W } from "./context.js";
import { clusterSource } from "./source.js";

const COMPONENT = "cronjob-controller";

export async function syncCronJob(
  ctx: ControllerContext,
  cluster: string,
  ns: string,
  name: string,
): Promise<void> {
  const cj = await ctx.get<CronJob>(cluster, "batch/cronjobs", ns, name);
  if (!cj) return;
  const jobs = await ctx.list<Job>(cluster, "batch/jobs", ns);
  const c = await ctx.store.read((tx) => clusterSource(tx, cluster));
  const minor = Number(/^1\.(\d+)/.exec(c?.version ?? "")?.[1] ?? 99);
  const plan = planCronJob(cj, jobs, new Date(), minor);
  await ctx.apply(cluster, plan.actions);
  const self = { ...cj, apiVersion: "batch/v1", kind: "CronJob" };
  const event = (reason: string, message: string, type: "Normal" | "Warning" = "Normal") =>
    ctx.apply(cluster, [
      eventAction({ involved: self, reason, message, type, component: COMPONENT, at: ctx.now() }),
    ]);
  const key = `cronjob|${cluster}|${ns}|${name}`;
  const jobType = await ctx.type(cluster, "batch/jobs");
  const cjType = await ctx.type(cluster, "batch/cronjobs");
  const writeStatus = async (status: CronJobStatus, w: BatchWriter) => {
    if (jsonEqual(status, cj.status ?? {})) return;
    const r = await w.attempt(() =>
      ctx.api.updateTx(w.tx, cluster, cjType, ns, name, { ...cj, status }, W, "status"),
    );
    // Thrown, not returned: the transaction (and the Job created in it) rolls back.
    if (r instanceof KubeError) throw r;
  };
  const start = plan.start;
  if (!start) {
    if (!jsonEqual(plan.status, cj.status ?? {}))
      await ctx.batch(cluster, (w) => writeStatus(plan.status, w));
  } else {
    const outcome = await ctx.batch(cluster, async (w) => {
      const r = await w.attempt(() => ctx.api.createTx(w.tx, cluster, jobType, ns, start.job, W));
      if (!(r instanceof KubeError)) {
        const created = r.body as Job;
        await writeStatus(started(plan.status, created, start.scheduledTime), w);
        return { created: created.metadata?.name };
      }
      if (r.code !== 409 || r.reason !== "AlreadyExists") {
        await writeStatus(plan.status, w);
        return { error: r };
      }
      // Made before (a status write lost): it joins the active list if it is ours and not there.
      const rec = await w.tx.getObject(cluster, jobType.key, ns, start.job.metadata?.name ?? "");
      const have = rec ? (ctx.api.serve(jobType, rec) as Job) : undefined;
      const ours = have?.metadata?.ownerReferences?.some((o) => o.controller && o.uid === cj.metadata?.uid);
      const listed = plan.status.active?.some((a) => a.uid === have?.metadata?.uid);
      await writeStatus(
        have && ours && !listed ? started(plan.status, have, start.scheduledTime) : plan.status,
        w,
      );
      return {};
    });
    if (outcome.created) await event("SuccessfulCreate", `Created job ${outcome.created}`);
    else if (outcome.error) {
      // A terminating namespace refuses every create: nothing to say.
      if (!/because it is being terminated/.test(outcome.error.message))
        await event("FailedCreate", `Error creating job: ${outcome.error.message}`, "Warning");
    }
  }
  if (plan.requeueAfterMs !== undefined) ctx.later(key, Math.max(0, plan.requeueAfterMs));
}
