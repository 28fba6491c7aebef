// The kubelets' CSINode registration (`csi-nodes|<cluster>`, queued by Nodes coming and going,
// by a CSINode deleted and by the resync): one pass of workloads/csiNodes.ts. CSINodes are not
// in the informer cache (nothing else reads them), so they are listed through KubeApi, and
// written as the kubelet writes them (field manager `kubelet`).
import type { Node } from "kubernetes-types/core/v1.js";
import type { CSINode } from "kubernetes-types/storage/v1.js";
import type { ResourceType } from "../catalog.js";
import { type CsiPlatform, planCsiNodes } from "../workloads/csiNodes.js";
import { type ControllerContext, KUBELET_W } from "./context.js";

export const csiNodesKey = (cluster: string): string => `csi-nodes|${cluster}`;

/** A kind outside the informer cache and the controllers' Resource table, read as ctx.list reads. */
async function listAll<T>(ctx: ControllerContext, cluster: string, t: ResourceType): Promise<T[]> {
  const { items } = await ctx.api.list(cluster, t, undefined, {});
  return items as T[];
}

export async function syncCsiNodes(
  ctx: ControllerContext,
  cluster: string,
  platform: CsiPlatform,
): Promise<void> {
  const t = await ctx.api.find(cluster, "storage.k8s.io", "v1", "csinodes");
  if (!t) return;
  const nodes = await ctx.list<Node>(cluster, "core/nodes");
  const changes = planCsiNodes(nodes, await listAll<CSINode>(ctx, cluster, t), platform);
  if (!changes.length) return;
  // A CSINode made or removed meanwhile (a KubeError: exists, not found, another uid) is the
  // next pass's: its watch event queues this controller again.
  await ctx.batch(cluster, async (w) => {
    for (const c of changes)
      await w.attempt(() =>
        c.op === "create"
          ? ctx.api.createTx(w.tx, cluster, t, "", c.object, KUBELET_W)
          : ctx.api.deleteTx(w.tx, cluster, t, "", c.name, c.uid ? { preconditions: { uid: c.uid } } : {}),
      );
  });
}
