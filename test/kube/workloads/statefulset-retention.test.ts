// A StatefulSet's persistentVolumeClaimRetentionPolicy as pkg/controller/statefulset keeps it
// (isClaimOwnerUpToDate / updateClaimOwnerRefForSetAndPod): whenDeleted Delete makes the set
// the claims' controller; whenScaled Delete makes a scaled-away pod the controller of its
// claims before it is deleted, so the garbage collector removes them after it.
import type { StatefulSet } from "kubernetes-types/apps/v1.js";
import type { Event, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import type { OwnerReference } from "kubernetes-types/meta/v1.js";
import { describe, expect, it } from "vitest";
import {
  type Action,
  claimOwnersUpToDate,
  claimWithOwners,
  reconcileStatefulSet,
  statefulClaimsFor,
  statefulPodFor,
} from "../../../src/kube/workloads/index.js";

const T = "2026-01-01T00:00:00Z";
type Policy = "Retain" | "Delete";

function db(replicas: number, whenScaled: Policy, whenDeleted: Policy): StatefulSet {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "db", namespace: "default", uid: "sts-uid" },
    spec: {
      replicas,
      serviceName: "db",
      selector: { matchLabels: { app: "db" } },
      persistentVolumeClaimRetentionPolicy: { whenScaled, whenDeleted },
      template: {
        metadata: { labels: { app: "db" } },
        spec: { containers: [{ name: "db", image: "postgres" }] },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: "data" },
          spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
        },
      ],
    },
  };
}

/** The set's pod `o`, as the API holds it: a uid, Running and Ready. */
function pod(sts: StatefulSet, o: number): Pod {
  const p = statefulPodFor(sts, o);
  return {
    ...p,
    metadata: { ...p.metadata, uid: `pod-${o}` },
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
  };
}

const claim = (o: number, ownerReferences?: OwnerReference[]): PersistentVolumeClaim => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: {
    name: `data-db-${o}`,
    namespace: "default",
    uid: `pvc-${o}`,
    labels: { app: "db" },
    ...(ownerReferences ? { ownerReferences } : {}),
  },
  spec: { accessModes: ["ReadWriteOnce"] },
});

const setRef = {
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  name: "db",
  uid: "sts-uid",
  controller: true,
  blockOwnerDeletion: true,
};
const podRef = (o: number) => ({
  apiVersion: "v1",
  kind: "Pod",
  name: `db-${o}`,
  uid: `pod-${o}`,
  controller: true,
  blockOwnerDeletion: true,
});
const owners = (c: PersistentVolumeClaim) =>
  (c.metadata?.ownerReferences ?? []).map((r) => `${r.kind}/${r.name}`);

const claimUpdates = (acts: Action[]) =>
  acts.flatMap((a) =>
    a.op === "update" && a.resource === "core/persistentvolumeclaims"
      ? [a.object as PersistentVolumeClaim]
      : [],
  );

describe("claim owners per retention policy", () => {
  // [whenScaled, whenDeleted] → owners of an in-range claim, of a scaled-away one.
  const table: [Policy, Policy, string[], string[]][] = [
    ["Retain", "Retain", [], []],
    ["Retain", "Delete", ["StatefulSet/db"], ["StatefulSet/db"]],
    ["Delete", "Retain", [], ["Pod/db-2"]],
    ["Delete", "Delete", ["StatefulSet/db"], ["Pod/db-2"]],
  ];
  for (const [whenScaled, whenDeleted, inRange, scaledAway] of table)
    it(`whenScaled ${whenScaled}, whenDeleted ${whenDeleted}`, () => {
      const three = db(3, whenScaled, whenDeleted);
      const one = db(1, whenScaled, whenDeleted);
      const p = pod(three, 2);
      const kept = claimWithOwners(claim(2), three, p);
      expect(owners(kept)).toEqual(inRange);
      expect(claimOwnersUpToDate(kept, three, p)).toBe(true);
      const away = claimWithOwners(kept, one, p);
      expect(owners(away)).toEqual(scaledAway);
      expect(claimOwnersUpToDate(away, one, p)).toBe(true);
      expect(claimOwnersUpToDate(kept, one, p)).toBe(inRange.join() === scaledAway.join());
    });

  it("a new ordinal's claim is made with the set as controller only with whenDeleted Delete", () => {
    expect(statefulClaimsFor(db(1, "Delete", "Delete"), 0)[0].metadata?.ownerReferences).toEqual([setRef]);
    expect(statefulClaimsFor(db(1, "Delete", "Retain"), 0)[0].metadata?.ownerReferences).toBeUndefined();
  });

  it("another controller, or a reference to an earlier set of the name, is left alone", () => {
    const other = { apiVersion: "example.com/v1", kind: "Keeper", name: "k", uid: "k", controller: true };
    const sts = db(1, "Delete", "Delete");
    expect(claimOwnersUpToDate(claim(2, [other]), sts, pod(sts, 2))).toBe(true);
    expect(claimOwnersUpToDate(claim(0, [{ ...setRef, uid: "old-sts" }]), sts, pod(sts, 0))).toBe(true);
    // …but our own reference next to a foreign controller is scrubbed.
    expect(owners(claimWithOwners(claim(0, [other, setRef]), sts, pod(sts, 0)))).toEqual(["Keeper/k"]);
  });
});

describe("reconcileStatefulSet", () => {
  it("whenScaled Delete: scaled from 3 to 1, the condemned pods own their claims before the highest goes", () => {
    const three = db(3, "Delete", "Retain");
    const pods = [0, 1, 2].map((o) => pod(three, o));
    const acts = reconcileStatefulSet(
      db(1, "Delete", "Retain"),
      pods,
      T,
      undefined,
      [0, 1, 2].map((o) => claim(o)),
    );
    const fixed = claimUpdates(acts);
    expect(fixed.map((c) => [c.metadata?.name, c.metadata?.ownerReferences])).toEqual([
      ["data-db-1", [podRef(1)]],
      ["data-db-2", [podRef(2)]],
    ]);
    const order = acts.map((a) =>
      a.op === "delete" ? `delete ${a.name}` : `${a.op} ${a.object.metadata?.name}`,
    );
    expect(order.indexOf("delete db-2")).toBeGreaterThan(order.indexOf("update data-db-2"));
    expect(acts.some((a) => a.op === "delete" && a.name === "db-1")).toBe(false);
    // Nothing more once the claims are the pods'.
    const again = reconcileStatefulSet(db(1, "Delete", "Retain"), pods, T, undefined, [claim(0), ...fixed]);
    expect(claimUpdates(again)).toEqual([]);
  });

  it("whenScaled Retain (the default) touches no claim on scale-down", () => {
    const three = db(3, "Retain", "Retain");
    const pods = [0, 1, 2].map((o) => pod(three, o));
    const acts = reconcileStatefulSet(
      db(1, "Retain", "Retain"),
      pods,
      T,
      undefined,
      [0, 1, 2].map((o) => claim(o)),
    );
    expect(claimUpdates(acts)).toEqual([]);
    expect(acts.some((a) => a.op === "delete" && a.name === "db-2")).toBe(true);
  });

  it("a healthy pod whose claims do not follow the policy: the claims are fixed and the pod reported updated", () => {
    const sts = db(2, "Retain", "Delete");
    const pods = [0, 1].map((o) => pod(sts, o));
    // An owner reference without controller (as this emulator once wrote it) is rewritten.
    const plain = { apiVersion: "apps/v1", kind: "StatefulSet", name: "db", uid: "sts-uid" };
    const acts = reconcileStatefulSet(sts, pods, T, undefined, [claim(0, [plain]), claim(1, [setRef])]);
    expect(claimUpdates(acts).map((c) => [c.metadata?.name, c.metadata?.ownerReferences])).toEqual([
      ["data-db-0", [setRef]],
    ]);
    const events = acts.flatMap((a) =>
      a.resource === "core/events" && a.op === "create" ? [a.object as Event] : [],
    );
    expect(events.map((e) => `${e.reason}: ${e.message}`)).toEqual([
      "SuccessfulUpdate: update Pod db-0 in StatefulSet db successful",
    ]);
  });
});
