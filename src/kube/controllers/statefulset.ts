// StatefulSet controller: ordinal pods <name>-0…n-1, in order.
import type { StatefulSet } from "kubernetes-types/apps/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { coalesceUpdates } from "../workloads/actions.js";
import { reconcileStatefulSet } from "../workloads/statefulset.js";
import type { ControllerContext } from "./context.js";
import { recordRefusals } from "./owners.js";

export async function syncStatefulSet(
  ctx: ControllerContext,
  cluster: string,
  ns: string,
  name: string,
): Promise<void> {
  const sts = await ctx.get<StatefulSet>(cluster, "apps/statefulsets", ns, name);
  if (!sts) return;
  const pods = await ctx.list<Pod>(cluster, "core/pods", ns);
  const { refused } = await ctx.apply(cluster, coalesceUpdates(reconcileStatefulSet(sts, pods, ctx.now())));
  await recordRefusals(
    ctx,
    cluster,
    { ...sts, apiVersion: "apps/v1", kind: "StatefulSet" },
    "statefulset-controller",
    refused,
  );
}
