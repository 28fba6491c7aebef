// ReplicationController controller (pkg/controller/replication): no code of its own. Upstream
// runs the ReplicaSet controller on ReplicationControllers converted as if they were an older
// version of ReplicaSet (conversion.go), with its own kind and event source; so does this: an
// RC is seen as a ReplicaSet (its selector map becomes matchLabels), `replicaset.ts` decides,
// and the status it writes is converted back.
import type { ReplicaSet } from "kubernetes-types/apps/v1.js";
import type { ReplicationController } from "kubernetes-types/core/v1.js";
import type { ReplicaSetKind } from "./replicaset.js";

export const REPLICATION_CONTROLLER_KIND: ReplicaSetKind = {
  apiVersion: "v1",
  kind: "ReplicationController",
  resource: "core/replicationcontrollers",
  component: "replication-controller",
};

/** The RC as a ReplicaSet (Convert_v1_ReplicationController_To_apps_ReplicaSet). */
export function rcAsReplicaSet(rc: ReplicationController): ReplicaSet {
  const { selector, template, ...spec } = rc.spec ?? {};
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    ...(rc.metadata ? { metadata: rc.metadata } : {}),
    spec: {
      ...spec,
      selector: { matchLabels: { ...selector } },
      ...(template ? { template } : {}),
    },
    ...(rc.status ? { status: rc.status } : {}),
  };
}

/** A ReplicaSet view back as the RC it came from (Convert_apps_ReplicaSet_To_v1_ReplicationController). */
export function replicaSetAsRc(rs: ReplicaSet): ReplicationController {
  const { selector, template, ...spec } = rs.spec ?? { selector: {} };
  return {
    apiVersion: "v1",
    kind: "ReplicationController",
    ...(rs.metadata ? { metadata: rs.metadata } : {}),
    spec: {
      ...spec,
      selector: { ...selector.matchLabels },
      ...(template ? { template } : {}),
    },
    ...(rs.status ? { status: rs.status } : {}),
  };
}
