// When admission refuses a pod a workload controller creates, the controller records the
// FailedCreate warning on itself (as kube-controller-manager does) instead of retrying at once.
import type { Pod } from "kubernetes-types/core/v1.js";
import type { KubeError } from "../errors.js";
import type { ObjectWithMeta } from "../workloads/actions.js";
import { eventAction } from "../workloads/events.js";
import { failedCreateMessage } from "../workloads/replicaset.js";
import type { ControllerContext } from "./context.js";

export async function recordRefusals(
  ctx: ControllerContext,
  cluster: string,
  owner: ObjectWithMeta,
  component: string,
  refused: { pod: Pod; error: KubeError }[],
): Promise<void> {
  for (const r of refused) {
    await ctx.apply(cluster, [
      eventAction({
        involved: owner,
        reason: "FailedCreate",
        type: "Warning",
        message: failedCreateMessage(r.error.message),
        component,
        at: ctx.now(),
      }),
    ]);
  }
}
