// Job controller: pods until completions, then the Complete condition (as the cluster's version words it).
import type { Job } from "kubernetes-types/batch/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { coalesceUpdates } from "../workloads/actions.js";
import { reconcileJob } from "../workloads/job.js";
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
  const { refused } = await ctx.apply(
    cluster,
    coalesceUpdates(reconcileJob(job, pods, ctx.rng, ctx.now(), minor)),
  );
  await recordRefusals(
    ctx,
    cluster,
    { ...job, apiVersion: "batch/v1", kind: "Job" },
    "job-controller",
    refused,
  );
}
