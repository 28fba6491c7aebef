// Deployment controller: the Deployment and the ReplicaSets of its namespace →
// reconcileDeployment (template hash, rolling update, scale, rollback) → the API.
import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.js";
import { coalesceUpdates } from "../workloads/actions.js";
import { reconcileDeployment } from "../workloads/deployment.js";
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
  await ctx.apply(cluster, coalesceUpdates(reconcileDeployment(d, rss, ctx.now())));
}
