// Deployment controller: the Deployment and the ReplicaSets of its namespace →
// reconcileDeployment (template hash, rolling update, scale, rollback) → the API.
import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { coalesceUpdates } from "../workloads/actions.js";
import { progressCheckDelay, reconcileDeployment } from "../workloads/deployment.js";
import type { ControllerContext } from "./context.js";

export async function syncDeployment(
  ctx: ControllerContext,
  cluster: string,
  ns: string,
  name: string,
): Promise<void> {
  const d = await ctx.get<Deployment>(cluster, "apps/deployments", ns, name);
  if (!d) return;
  const rss = await ctx.list<ReplicaSet>(cluster, "apps/replicasets", ns);
  // Only Recreate reads pods (oldPodsRunning): a rolling Deployment of 10,000 never lists them.
  const pods =
    d.spec?.strategy?.type === "Recreate" ? await ctx.list<Pod>(cluster, "core/pods", ns) : undefined;
  const actions = coalesceUpdates(reconcileDeployment(d, rss, ctx.now(), pods));
  await ctx.apply(cluster, actions);
  // A rollout that makes no progress is looked at again when its deadline passes.
  const written = actions.findLast((a) => a.op === "updateStatus")?.object as Deployment | undefined;
  const delay = progressCheckDelay(written ?? d, Date.now());
  if (delay !== undefined) ctx.later(`deployment|${cluster}|${ns}|${name}`, delay);
}
