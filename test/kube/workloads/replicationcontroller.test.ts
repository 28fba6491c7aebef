// ReplicationControllers run on the ReplicaSet controller's code, seen as ReplicaSets
// (pkg/controller/replication/conversion.go): the selector map as matchLabels, the pods owned by
// the RC (v1, controller), events from replication-controller, and the status converted back.
import type { ReplicaSet } from "kubernetes-types/apps/v1.js";
import type { Event, Pod, ReplicationController } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import {
  type Action,
  REPLICATION_CONTROLLER_KIND,
  rcAsReplicaSet,
  reconcileReplicaSet,
  replicaSetAsRc,
  seededRng,
} from "../../../src/kube/workloads/index.js";

const T = "2026-01-01T00:00:00Z";
const rc: ReplicationController = {
  apiVersion: "v1",
  kind: "ReplicationController",
  metadata: { name: "web", namespace: "default", uid: "rc-uid", generation: 2, resourceVersion: "7" },
  spec: {
    replicas: 2,
    minReadySeconds: 5,
    selector: { app: "web" },
    template: { metadata: { labels: { app: "web", tier: "fe" } }, spec: { containers: [{ name: "c" }] } },
  },
};

const created = (acts: Action[]) =>
  acts.flatMap((a) => (a.op === "create" && a.resource === "core/pods" ? [a.object as Pod] : []));

describe("ReplicationController as a ReplicaSet", () => {
  it("converts there and back without loss (the selector map is matchLabels)", () => {
    const rs = rcAsReplicaSet(rc);
    expect(rs.spec?.selector).toEqual({ matchLabels: { app: "web" } });
    expect(rs.spec?.minReadySeconds).toBe(5);
    expect(replicaSetAsRc(rs)).toEqual(rc);
  });

  it("creates pods owned by the RC (v1, controller), recorded by replication-controller", () => {
    const acts = reconcileReplicaSet(rcAsReplicaSet(rc), [], seededRng(1), T, REPLICATION_CONTROLLER_KIND);
    const pods = created(acts);
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.metadata?.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(p.metadata?.generateName).toBe("web-");
      expect(p.metadata?.labels).toEqual({ app: "web", tier: "fe" });
      expect(p.metadata?.ownerReferences).toEqual([
        {
          apiVersion: "v1",
          kind: "ReplicationController",
          name: "web",
          uid: "rc-uid",
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    const events = acts.flatMap((a) =>
      a.resource === "core/events" && a.op === "create" ? [a.object as Event] : [],
    );
    expect(events.map((e) => [e.reason, e.message, e.source?.component, e.involvedObject.kind])).toEqual(
      pods.map((p) => [
        "SuccessfulCreate",
        `Created pod: ${p.metadata?.name}`,
        "replication-controller",
        "ReplicationController",
      ]),
    );
    expect(events[0].involvedObject.apiVersion).toBe("v1");
    const status = acts.find((a) => a.op === "updateStatus");
    expect(status?.resource).toBe("core/replicationcontrollers");
  });

  it("adopts an orphan its selector matches, leaves another's pod alone, and reports status", () => {
    const ready = {
      phase: "Running",
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2025-12-31T00:00:00Z" }],
    };
    const orphan: Pod = {
      metadata: { name: "stray", namespace: "default", labels: { app: "web" } },
      spec: { containers: [] },
      status: ready,
    };
    const foreign: Pod = {
      metadata: {
        name: "rs-pod",
        namespace: "default",
        labels: { app: "web", tier: "fe" },
        ownerReferences: [
          { apiVersion: "apps/v1", kind: "ReplicaSet", name: "x", uid: "x-uid", controller: true },
        ],
      },
      spec: { containers: [] },
      status: ready,
    };
    const acts = reconcileReplicaSet(
      rcAsReplicaSet(rc),
      [orphan, foreign],
      seededRng(1),
      T,
      REPLICATION_CONTROLLER_KIND,
    );
    const adopted = acts.find((a) => a.op === "update" && a.resource === "core/pods");
    expect(adopted?.op === "update" && adopted.object.metadata?.name).toBe("stray");
    expect(adopted?.op === "update" && adopted.object.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: "ReplicationController",
      uid: "rc-uid",
      controller: true,
    });
    expect(created(acts)).toHaveLength(1);
    const st = acts.find((a) => a.op === "updateStatus");
    const rcBack = st?.op === "updateStatus" ? replicaSetAsRc(st.object as ReplicaSet) : undefined;
    // The adopted pod lacks the template's tier label: counted, but not fully labeled.
    expect(rcBack?.status).toEqual({
      replicas: 1,
      fullyLabeledReplicas: 0,
      readyReplicas: 1,
      availableReplicas: 1,
      observedGeneration: 2,
    });
    expect(rcBack?.spec?.selector).toEqual({ app: "web" });
  });
});
