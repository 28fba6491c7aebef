// DaemonSet controller: one pod per eligible node, following Nodes as pools scale.
import type { DaemonSet } from "kubernetes-types/apps/v1.js";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { coalesceUpdates } from "../workloads/actions.js";
import { reconcileDaemonSet } from "../workloads/daemonset.js";
import type { ControllerContext } from "./context.js";
import { recordRefusals } from "./owners.js";

export async function syncDaemonSet(
  ctx: ControllerContext,
  cluster: string,
  ns: string,
  name: string,
): Promise<void> {
  const ds = await ctx.get<DaemonSet>(cluster, "apps/daemonsets", ns, name);
  if (!ds) return;
  const nodes = await ctx.list<Node>(cluster, "core/nodes");
  const pods = await ctx.list<Pod>(cluster, "core/pods", ns);
  const { refused } = await ctx.apply(
    cluster,
    coalesceUpdates(reconcileDaemonSet(ds, nodes, pods, ctx.rng, ctx.now())),
  );
  await recordRefusals(
    ctx,
    cluster,
    { ...ds, apiVersion: "apps/v1", kind: "DaemonSet" },
    "daemonset-controller",
    refused,
  );
}
