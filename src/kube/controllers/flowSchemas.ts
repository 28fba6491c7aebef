// API Priority and Fairness's configuration controller, status only (`apf|<cluster>`, queued by
// any FlowSchema or PriorityLevelConfiguration change and the resync): one pass of
// workloads/flowSchemas.ts, written through the status subresource under the controller's
// field manager. Requests are not queued by the configuration.
import type { ResourceType } from "../catalog.js";
import { nowRfc3339 } from "../time.js";
import { type FlowSchemaLike, flowSchemaStatuses } from "../workloads/flowSchemas.js";
import type { ControllerContext } from "./context.js";

export const apfKey = (cluster: string): string => `apf|${cluster}`;
const APF_W = { fieldManager: "api-priority-and-fairness-config-consumer-v1" };
const GROUP = "flowcontrol.apiserver.k8s.io";

/** Kinds outside the controllers' Resource table, read as ctx.list reads. */
async function listAll<T>(ctx: ControllerContext, cluster: string, t: ResourceType): Promise<T[]> {
  const { items } = await ctx.api.list(cluster, t, undefined, {});
  return items as T[];
}

export async function syncFlowSchemaStatus(ctx: ControllerContext, cluster: string): Promise<void> {
  const fsType = await ctx.api.find(cluster, GROUP, "v1", "flowschemas");
  const plType = await ctx.api.find(cluster, GROUP, "v1", "prioritylevelconfigurations");
  if (!fsType || !plType) return;
  const levels = new Set(
    (await listAll<FlowSchemaLike>(ctx, cluster, plType)).map((p) => p.metadata?.name ?? ""),
  );
  const changed = flowSchemaStatuses(
    await listAll<FlowSchemaLike>(ctx, cluster, fsType),
    levels,
    nowRfc3339(),
  );
  if (!changed.length) return;
  // A schema changed or gone meanwhile (a conflict, not found) is the next pass's: its change queues this.
  await ctx.batch(cluster, async (w) => {
    for (const fs of changed)
      await w.attempt(() =>
        ctx.api.updateTx(w.tx, cluster, fsType, "", fs.metadata?.name ?? "", fs, APF_W, "status"),
      );
  });
}
