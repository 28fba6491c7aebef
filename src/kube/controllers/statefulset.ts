// StatefulSet controller: ordinal pods <name>-0…n-1, in order; its ControllerRevisions
// (history) first, which name the current and update revisions the pods and status carry.
import type { ControllerRevision, StatefulSet } from "kubernetes-types/apps/v1.js";
import type { PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import { coalesceUpdates, isControlledBy } from "../workloads/actions.js";
import { statefulSetHistory } from "../workloads/history.js";
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
  if (!sts || sts.metadata?.deletionTimestamp) return;
  const self = { ...sts, apiVersion: "apps/v1", kind: "StatefulSet" };
  const pods = await ctx.list<Pod>(cluster, "core/pods", ns);
  const revisions = await ctx.list<ControllerRevision>(cluster, "apps/controllerrevisions", ns);
  const history = statefulSetHistory(
    sts,
    revisions,
    pods.filter((p) => isControlledBy(p, self)),
  );
  const claims = sts.spec?.volumeClaimTemplates?.length
    ? await ctx.list<PersistentVolumeClaim>(cluster, "core/persistentvolumeclaims", ns)
    : [];
  const { refused } = await ctx.apply(
    cluster,
    coalesceUpdates([...history.actions, ...reconcileStatefulSet(sts, pods, ctx.now(), history, claims)]),
  );
  await recordRefusals(ctx, cluster, self, "statefulset-controller", refused);
}
