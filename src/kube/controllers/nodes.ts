// Node lifecycle: one Node per scale-set instance of every pool (from the ARM records, see
// arm.ts), created, relabelled and removed as pools are created, scaled, updated and deleted;
// then the pod garbage collector's rule: pods bound to a Node that is gone are deleted, and
// their controllers replace them.
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { reconcileNodes } from "../workloads/nodes.js";
import { armNodes, clusterRecord } from "./arm.js";
import type { ControllerContext } from "./context.js";

export async function syncNodes(ctx: ControllerContext, cluster: string): Promise<boolean> {
  const now = ctx.now();
  const found = await ctx.store.read(async (tx) => {
    const c = await clusterRecord(tx, cluster);
    return c ? { c, nodes: await armNodes(tx, c, now) } : undefined;
  });
  if (!found) return false;
  await ctx.api.ensureCluster(cluster);
  const observed = await ctx.list<Node>(cluster, "core/nodes");
  await ctx.apply(cluster, reconcileNodes(found.nodes.sources, observed));
  const live = new Set(found.nodes.sources.map((s) => s.instance.computerName.toLowerCase()));
  const orphans = (await ctx.list<Pod>(cluster, "core/pods")).filter(
    (p) => p.spec?.nodeName && !live.has(p.spec.nodeName),
  );
  await ctx.apply(
    cluster,
    orphans.map((p) => ({
      op: "delete" as const,
      resource: "core/pods" as const,
      namespace: p.metadata?.namespace ?? "default",
      name: p.metadata?.name ?? "",
    })),
  );
  return true;
}
