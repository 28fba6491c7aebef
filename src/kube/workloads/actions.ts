// What a pure controller asks the API to do. A controller reads objects through the API,
// calls its reconcile function, and writes the returned actions back in order; `resource`
// is the store's key (`<group>/<plural>`, the core group spelt `core`).
import { createHash } from "node:crypto";
import type {
  ControllerRevision,
  DaemonSet,
  Deployment,
  ReplicaSet,
  StatefulSet,
} from "kubernetes-types/apps/v1.js";
import type { CronJob, Job } from "kubernetes-types/batch/v1.js";
import type { Lease } from "kubernetes-types/coordination/v1.js";
import type {
  Event,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  ReplicationController,
  ResourceQuota,
  Service,
} from "kubernetes-types/core/v1.js";
import type { ObjectMeta, OwnerReference } from "kubernetes-types/meta/v1.js";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js";

export type Resource =
  | "core/namespaces"
  | "core/nodes"
  | "core/pods"
  | "core/events"
  | "core/services"
  | "core/configmaps"
  | "core/secrets"
  | "core/serviceaccounts"
  | "core/resourcequotas"
  | "core/persistentvolumeclaims"
  | "core/persistentvolumes"
  | "core/replicationcontrollers"
  | "storage.k8s.io/storageclasses"
  | "apps/deployments"
  | "apps/replicasets"
  | "apps/daemonsets"
  | "apps/statefulsets"
  | "apps/controllerrevisions"
  | "batch/jobs"
  | "batch/cronjobs"
  | "coordination.k8s.io/leases"
  | "policy/poddisruptionbudgets";

/** Any object with Kubernetes metadata (owner checks, references). */
export interface ObjectWithMeta {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** The kinds the controllers write. */
export type KubeObject =
  | PodDisruptionBudget
  | Pod
  | Node
  | Event
  | Service
  | PersistentVolumeClaim
  | PersistentVolume
  | Deployment
  | ReplicaSet
  | ReplicationController
  | DaemonSet
  | StatefulSet
  | ControllerRevision
  | Job
  | CronJob
  | ResourceQuota
  | Lease;

export type Action =
  | { op: "create"; resource: Resource; namespace: string; object: KubeObject }
  /** Replace metadata/spec (optimistic concurrency on the object's resourceVersion). */
  | { op: "update"; resource: Resource; namespace: string; object: KubeObject }
  /** Write the status subresource only. */
  | { op: "updateStatus"; resource: Resource; namespace: string; object: KubeObject }
  /**
   * A pod is deleted gracefully (Terminating until its kubelet stops it) unless
   * `gracePeriodSeconds` is 0 (the pod garbage collector's force delete); `uid` is the
   * precondition that the object is still the one the controller saw; `propagationPolicy` as
   * the request's (Foreground: the dependents go first).
   */
  | {
      op: "delete";
      resource: Resource;
      namespace: string;
      name: string;
      gracePeriodSeconds?: number;
      uid?: string;
      propagationPolicy?: "Foreground" | "Background" | "Orphan";
    };

/** A deterministic RFC 4122-shaped uid from parts (nodes' machine ids, tests). */
export function stableUid(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("\u0000")).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The controller owner reference a child carries (GC follows it; `controller: true`). */
export function controllerRef(owner: ObjectWithMeta): OwnerReference {
  return {
    apiVersion: owner.apiVersion ?? "v1",
    kind: owner.kind ?? "",
    name: owner.metadata?.name ?? "",
    uid: owner.metadata?.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Whether `child` is controlled by `owner` (by uid when both have one, else by kind + name). */
export function isControlledBy(child: ObjectWithMeta, owner: ObjectWithMeta): boolean {
  const ref = child.metadata?.ownerReferences?.find((r) => r.controller);
  if (!ref) return false;
  if (ref.uid && owner.metadata?.uid) return ref.uid === owner.metadata.uid;
  return ref.kind === owner.kind && ref.name === owner.metadata?.name;
}

/** Whether any field of `want` differs from `have` (fields only `have` carries are ignored). */
export function differs(want: object, have: object | undefined): boolean {
  if (!have) return true;
  const h = have as Record<string, unknown>;
  return Object.entries(want).some(([k, v]) => JSON.stringify(v) !== JSON.stringify(h[k]));
}

/**
 * Several updates of one object in one step become the last one (each is built on the one
 * before), so the writer makes one write per object and never conflicts with itself.
 */
export function coalesceUpdates(actions: readonly Action[]): Action[] {
  const key = (a: Action) =>
    a.op === "update" ? `${a.resource}/${a.namespace}/${a.object.metadata?.name ?? ""}` : undefined;
  const last = new Map<string, number>();
  actions.forEach((a, i) => {
    const k = key(a);
    if (k) last.set(k, i);
  });
  return actions.filter((a, i) => {
    const k = key(a);
    return !k || last.get(k) === i;
  });
}

/** Metadata with `owner` as its controller (AdoptOwner: the reference added to the others). */
export function withOwner(m: ObjectMeta, owner: ObjectWithMeta): ObjectMeta {
  return { ...m, ownerReferences: [...(m.ownerReferences ?? []), controllerRef(owner)] };
}

/** Metadata without the owner reference of `uid` (ReleaseOwner); no list left, no field. */
export function withoutOwner(m: ObjectMeta, uid: string | undefined): ObjectMeta {
  const { ownerReferences, ...rest } = m;
  const left = (ownerReferences ?? []).filter((r) => r.uid !== uid);
  return left.length ? { ...rest, ownerReferences: left } : rest;
}
