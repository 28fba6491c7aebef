// Job controller: pods until completions, then the Complete condition (as the cluster's version
// words it), or Failed past backoffLimit or activeDeadlineSeconds (a timer brings it back then).
import type { Job } from "kubernetes-types/batch/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { coalesceUpdates } from "../workloads/actions.js";
import { jobDeadlineLeftMs, reconcileJob } from "../workloads/job.js";
import type { ControllerContext } from "./context.js";
import { recordRefusals } from "./owners.js";
import { clusterSource } from "./source.js";

export async function syncJob(
  ctx: ControllerContext,
  cluster: string,
  ns: string,
  name: string,
): Promise<void> {
  const job = await ctx.get<Job>(cluster, "batch/jobs", ns, name);
  if (!job) return;
  const pods = await ctx.list<Pod>(cluster, "core/pods", ns);
  const c = await ctx.store.read((tx) => clusterSource(tx, cluster));
  const minor = Number(/^1\.(\d+)/.exec(c?.version ?? "")?.[1] ?? 99);
  const actions = coalesceUpdates(reconcileJob(job, pods, ctx.rng, ctx.now(), minor));
  const { refused } = await ctx.apply(cluster, actions);
  // activeDeadlineSeconds: synced again when it runs out (the queue's AddAfter), from the
  // status just written (the first sync sets startTime).
  let next = job;
  for (const a of actions) if (a.op === "updateStatus" && a.resource === "batch/jobs") next = a.object as Job;
  const left = jobDeadlineLeftMs(next, Date.now());
  if (left !== undefined) ctx.later(`job|${cluster}|${ns}|${name}`, Math.max(0, left));
  await recordRefusals(
    ctx,
    cluster,
    { ...job, apiVersion: "batch/v1", kind: "Job" },
    "job-controller",
    refused,
  );
}
