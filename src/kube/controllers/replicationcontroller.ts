// ReplicationController controller: the ReplicaSet controller's code (`replicaset.ts`) run on
// ReplicationControllers seen as ReplicaSets, as kube-controller-manager does
// (pkg/controller/replication: NewReplicationManager is a BaseController with adapters).
import type { ReplicationController } from "kubernetes-types/core/v1.js";
import {
  REPLICATION_CONTROLLER_KIND,
  rcAsReplicaSet,
  replicaSetAsRc,
} from "../workloads/replicationcontroller.js";
import type { ControllerContext } from "./context.js";
import { type ReplicaSetSource, syncReplicas } from "./replicaset.js";

const REPLICATION_CONTROLLERS: ReplicaSetSource = {
  kind: REPLICATION_CONTROLLER_KIND,
  ctrl: "replicationcontroller",
  get: async (ctx, cluster, ns, name) => {
    const rc = await ctx.get<ReplicationController>(cluster, "core/replicationcontrollers", ns, name);
    return rc && rcAsReplicaSet(rc);
  },
  toObject: replicaSetAsRc,
};

export function syncReplicationController(
  ctx: ControllerContext,
  cluster: string,
  ns: string,
  name: string,
): Promise<void> {
  return syncReplicas(ctx, cluster, ns, name, REPLICATION_CONTROLLERS);
}
