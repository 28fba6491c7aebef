// StatefulSet controller (pkg/controller/statefulset) as a pure step: pods named
// `<set>-<ordinal>` from spec.ordinals.start, with hostname/subdomain and the identity labels.
// OrderedReady (default) creates the lowest missing ordinal only once every lower one is
// Running and Ready, and removes the highest ordinal first, one at a time; Parallel does all
// at once. A template change replaces pods from the highest ordinal down (RollingUpdate).
// Claims from volumeClaimTemplates come before their pod; their owners follow the set's
// persistentVolumeClaimRetentionPolicy (the set, or a scaled-away pod, or nobody).
import type { StatefulSet, StatefulSetStatus } from "kubernetes-types/apps/v1.js";
import type { PersistentVolumeClaim, Pod, PodTemplateSpec, Volume } from "kubernetes-types/core/v1.js";
import type { OwnerReference } from "kubernetes-types/meta/v1.js";
import { type Action, controllerRef, differs, isControlledBy } from "./actions.js";
import { eventAction } from "./events.js";
import { controllerRevisionName, hashControllerRevision, revisionPatch } from "./history.js";
import { isActive, isReady, podFromTemplate } from "./pods.js";

export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

export function ordinalOf(setName: string, podName: string): number | undefined {
  const m = /^(.*)-(\d+)$/.exec(podName);
  return m && m[1] === setName ? Number(m[2]) : undefined;
}

/** The name of the ControllerRevision the set's template hashes to (newRevision's). */
export function revisionName(sts: StatefulSet): string {
  const hash = hashControllerRevision(revisionPatch(sts.spec?.template), sts.status?.collisionCount ?? 0);
  return controllerRevisionName(sts.metadata?.name ?? "", hash);
}

export function statefulPodFor(
  sts: StatefulSet,
  ordinal: number,
  revision = revisionName(sts),
  template = sts.spec?.template,
): Pod {
  const name = `${sts.metadata?.name ?? ""}-${ordinal}`;
  const self = { ...sts, apiVersion: "apps/v1", kind: "StatefulSet" };
  const pod = podFromTemplate(self, template, name, {
    "controller-revision-hash": revision,
    [POD_NAME_LABEL]: name,
    [POD_INDEX_LABEL]: String(ordinal),
  });
  // updateStorage: each claim template becomes the pod's volume of that name, on its own claim.
  const claims: Volume[] = (sts.spec?.volumeClaimTemplates ?? []).map((t) => ({
    name: t.metadata?.name ?? "",
    persistentVolumeClaim: { claimName: claimName(sts, t, ordinal) },
  }));
  const volumes = claims.length
    ? [...(pod.spec?.volumes ?? []).filter((v) => !claims.some((c) => c.name === v.name)), ...claims]
    : pod.spec?.volumes;
  pod.spec = {
    ...(pod.spec ?? { containers: [] }),
    ...(volumes ? { volumes } : {}),
    hostname: name,
    ...(sts.spec?.serviceName ? { subdomain: sts.spec.serviceName } : {}),
  };
  return pod;
}

/** getPersistentVolumeClaimName: `<template>-<set>-<ordinal>`. */
export function claimName(sts: StatefulSet, template: PersistentVolumeClaim, ordinal: number): string {
  return `${template.metadata?.name ?? ""}-${sts.metadata?.name ?? ""}-${ordinal}`;
}

/**
 * getPersistentVolumeClaims: the ordinal's claims from the templates, labelled with the set's
 * matchLabels. Upstream creates them bare and sets their owners right after the pod
 * (UpdatePodClaimForRetentionPolicy); a new ordinal is in range, so that is the set as
 * controller with `whenDeleted: Delete`, and nothing under the default, Retain (the claims
 * outlive the set) — written here at creation.
 */
export function statefulClaimsFor(sts: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  const match = sts.spec?.selector?.matchLabels ?? {};
  const pod: Pod = { metadata: { name: `${sts.metadata?.name ?? ""}-${ordinal}` } };
  return (sts.spec?.volumeClaimTemplates ?? []).map((t) => {
    const { status: _status, ...rest } = t;
    const claim: PersistentVolumeClaim = {
      ...rest,
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: {
        ...t.metadata,
        name: claimName(sts, t, ordinal),
        namespace: sts.metadata?.namespace ?? "default",
        labels: { ...t.metadata?.labels, ...match },
      },
    };
    return claimWithOwners(claim, sts, pod);
  });
}

const SET_KIND = { apiVersion: "apps/v1", kind: "StatefulSet" };
const POD_KIND = { apiVersion: "v1", kind: "Pod" };
type Owner = { apiVersion: string; kind: string; metadata?: { name?: string; uid?: string } };

/** matchesRef: the reference names this object (group-version, kind and name; not the uid). */
const matchesRef = (r: OwnerReference, o: Owner) =>
  r.apiVersion === o.apiVersion && r.kind === o.kind && r.name === o.metadata?.name;
const hasOwnerRef = (c: PersistentVolumeClaim, o: Owner) =>
  (c.metadata?.ownerReferences ?? []).some((r) => r.uid === (o.metadata?.uid ?? ""));
/** hasStaleOwnerRef: the first reference naming the object has another uid (a former incarnation's). */
const hasStaleOwnerRef = (c: PersistentVolumeClaim, o: Owner) => {
  const r = (c.metadata?.ownerReferences ?? []).find((x) => matchesRef(x, o));
  return !!r && r.uid !== (o.metadata?.uid ?? "");
};

/**
 * Which of set and pod should own a claim under the set's persistentVolumeClaimRetentionPolicy
 * (upstream's four cases, isClaimOwnerUpToDate's table): the pod once its ordinal is scaled away
 * with `whenScaled: Delete` (the garbage collector takes the claim after the pod), else the set
 * with `whenDeleted: Delete`.
 */
function wantedOwners(sts: StatefulSet, pod: Pod): { set: boolean; pod: boolean } {
  const policy = sts.spec?.persistentVolumeClaimRetentionPolicy;
  const ordinal = ordinalOf(sts.metadata?.name ?? "", pod.metadata?.name ?? "") ?? -1;
  const start = sts.spec?.ordinals?.start ?? 0;
  const scaledDown = ordinal < start || ordinal >= start + (sts.spec?.replicas ?? 1);
  const byPod = policy?.whenScaled === "Delete" && scaledDown;
  return { pod: byPod, set: policy?.whenDeleted === "Delete" && !byPod };
}

/**
 * hasUnexpectedController: under a policy that deletes, a controller of the claim other than
 * this set and pod (or a reference to either with another uid) means hands off.
 */
function hasUnexpectedController(c: PersistentVolumeClaim, sts: StatefulSet, pod: Owner): boolean {
  const policy = sts.spec?.persistentVolumeClaimRetentionPolicy;
  if (policy?.whenScaled !== "Delete" && policy?.whenDeleted !== "Delete") return false;
  const set = { ...sts, ...SET_KIND };
  for (const r of c.metadata?.ownerReferences ?? []) {
    if (matchesRef(r, set)) {
      if (r.uid !== (set.metadata?.uid ?? "")) return true;
    } else if (matchesRef(r, pod)) {
      if (r.uid !== (pod.metadata?.uid ?? "")) return true;
    } else if (r.controller) return true;
  }
  return false;
}

/**
 * isClaimOwnerUpToDate: the claim's owners are what the retention policy wants for this pod's
 * ordinal. A stale reference, or an unexpected controller when neither set nor pod owns it, is
 * left alone (reported up to date), as upstream does.
 */
export function claimOwnersUpToDate(claim: PersistentVolumeClaim, sts: StatefulSet, pod: Pod): boolean {
  const set = { ...sts, ...SET_KIND };
  const p = { ...pod, ...POD_KIND };
  if (hasStaleOwnerRef(claim, set) || hasStaleOwnerRef(claim, p)) return true;
  if (hasUnexpectedController(claim, sts, p)) return !hasOwnerRef(claim, set) && !hasOwnerRef(claim, p);
  const uids = [set.metadata?.uid, p.metadata?.uid];
  // hasNonControllerOwner: set or pod owns it without being its controller.
  if ((claim.metadata?.ownerReferences ?? []).some((r) => uids.includes(r.uid) && !r.controller))
    return false;
  const want = wantedOwners(sts, pod);
  return hasOwnerRef(claim, set) === want.set && hasOwnerRef(claim, p) === want.pod;
}

/**
 * updateClaimOwnerRefForSetAndPod: the claim with the references to this set and pod scrubbed,
 * then the wanted one added as controller (unless another controller holds it).
 */
export function claimWithOwners(
  claim: PersistentVolumeClaim,
  sts: StatefulSet,
  pod: Pod,
): PersistentVolumeClaim {
  const set = { ...sts, ...SET_KIND };
  const p = { ...pod, ...POD_KIND };
  const unexpected = hasUnexpectedController(claim, sts, p);
  const refs = (claim.metadata?.ownerReferences ?? []).filter(
    (r) => !matchesRef(r, set) && !matchesRef(r, p),
  );
  if (!unexpected) {
    const want = wantedOwners(sts, pod);
    for (const [wanted, owner] of [
      [want.pod, p],
      [want.set, set],
    ] as const)
      if (wanted && !refs.some((r) => r.uid === (owner.metadata?.uid ?? ""))) refs.push(controllerRef(owner));
  }
  const { ownerReferences: _refs, ...metadata } = claim.metadata ?? {};
  return { ...claim, metadata: refs.length ? { ...metadata, ownerReferences: refs } : metadata };
}

/** The set's revisions as its history has them (statefulSetHistory). */
export interface StatefulSetRevisions {
  currentRevision?: string;
  updateRevision: string;
  collisionCount?: number;
  /** The current revision's template, when it is not the set's own (a rollout under way). */
  currentTemplate?: PodTemplateSpec;
}

/** One sync of a StatefulSet over the namespace's pods. */
export function reconcileStatefulSet(
  sts: StatefulSet,
  pods: readonly Pod[],
  now: string,
  revisions: StatefulSetRevisions = { updateRevision: revisionName(sts) },
  claims: readonly PersistentVolumeClaim[] = [],
): Action[] {
  const ns = sts.metadata?.namespace ?? "default";
  const setName = sts.metadata?.name ?? "";
  const self = { ...sts, apiVersion: "apps/v1", kind: "StatefulSet" };
  if (sts.metadata?.deletionTimestamp) return [];
  const actions: Action[] = [];
  const replicas = sts.spec?.replicas ?? 1;
  const start = sts.spec?.ordinals?.start ?? 0;
  const parallel = sts.spec?.podManagementPolicy === "Parallel";
  const rev = revisions.updateRevision;
  const owned = new Map<number, Pod>();
  for (const p of pods)
    if (isControlledBy(p, self)) {
      const o = ordinalOf(setName, p.metadata?.name ?? "");
      if (o !== undefined) owned.set(o, p);
    }
  const healthy = (p: Pod | undefined) => !!p && isActive(p) && p.status?.phase === "Running" && isReady(p);
  const note = (reason: string, message: string) =>
    actions.push(
      eventAction({
        involved: self,
        reason,
        message,
        component: "statefulset-controller",
        at: now,
      }),
    );
  const del = (o: number) => {
    actions.push({ op: "delete", resource: "core/pods", namespace: ns, name: `${setName}-${o}` });
    note("SuccessfulDelete", `delete Pod ${setName}-${o} in StatefulSet ${setName} successful`);
  };
  // The retention policy's owners on the pod's claims (UpdatePodClaimForRetentionPolicy); true
  // when a claim was rewritten.
  const fixClaims = (o: number, pod: Pod): boolean => {
    let fixed = false;
    for (const t of sts.spec?.volumeClaimTemplates ?? []) {
      const c = claims.find((x) => x.metadata?.name === claimName(sts, t, o));
      if (!c || claimOwnersUpToDate(c, sts, pod)) continue;
      actions.push({
        op: "update",
        resource: "core/persistentvolumeclaims",
        namespace: ns,
        object: claimWithOwners(c, sts, pod),
      });
      fixed = true;
    }
    return fixed;
  };

  // newVersionedStatefulSetPod: below the partition a missing pod comes back at the current
  // revision (its template from the revision's data), so a partitioned rollout stays put.
  const partition = sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  const versionedPod = (o: number): Pod =>
    (sts.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate" &&
    o < start + partition &&
    revisions.currentRevision &&
    revisions.currentTemplate &&
    revisions.currentRevision !== rev
      ? statefulPodFor(sts, o, revisions.currentRevision, revisions.currentTemplate)
      : statefulPodFor(sts, o, rev);

  // Failed pods are recreated (deleted now, created on the next sync).
  for (const [o, p] of owned) if (p.status?.phase === "Failed" && !p.metadata?.deletionTimestamp) del(o);

  let blocked = false;
  for (let o = start; o < start + replicas; o++) {
    const p = owned.get(o);
    if (!p) {
      if (!blocked || parallel) {
        // createPersistentVolumeClaims: the pod's claims first; a claim being deleted holds it back.
        const wanted = statefulClaimsFor(sts, o);
        const have = wanted.map((c) => claims.find((x) => x.metadata?.name === c.metadata?.name));
        if (have.some((c) => c?.metadata?.deletionTimestamp)) {
          if (!parallel) blocked = true;
          continue;
        }
        wanted.forEach((c, i) => {
          if (have[i]) return;
          actions.push({ op: "create", resource: "core/persistentvolumeclaims", namespace: ns, object: c });
          note(
            "SuccessfulCreate",
            `create Claim ${c.metadata?.name ?? ""} Pod ${setName}-${o} in StatefulSet ${setName} success`,
          );
        });
        const pod = versionedPod(o);
        actions.push({ op: "create", resource: "core/pods", namespace: ns, object: pod });
        // Claims kept from before (a scale-down under Retain) take the policy's owners now.
        fixClaims(o, pod);
        note("SuccessfulCreate", `create Pod ${setName}-${o} in StatefulSet ${setName} successful`);
        if (!parallel) blocked = true;
      }
      continue;
    }
    // processReplica: once the pod (and, OrderedReady, every one before it) is healthy, claims
    // whose owners are not the policy's are fixed and the pod "updated" (UpdateStatefulPod).
    if ((parallel || (!blocked && healthy(p))) && p.status?.phase !== "Failed" && fixClaims(o, p))
      note("SuccessfulUpdate", `update Pod ${setName}-${o} in StatefulSet ${setName} successful`);
    if (!parallel && !healthy(p)) blocked = true;
  }
  // Condemned ordinals (outside [start, start+replicas)), highest first.
  const condemned = [...owned.keys()].filter((o) => o < start || o >= start + replicas).sort((a, b) => b - a);
  const allHealthy = [...owned.values()].every((p) => healthy(p) || !!p.metadata?.deletionTimestamp);
  if (condemned.length && (parallel || allHealthy)) {
    // Every condemned pod's claims first: with whenScaled Delete the pod becomes their owner, so
    // the garbage collector removes them once it is gone.
    for (const [o, p] of owned) if (o < start || o >= start + replicas) fixClaims(o, p);
    for (const o of parallel ? condemned : condemned.slice(0, 1))
      if (!owned.get(o)?.metadata?.deletionTimestamp) del(o);
  } else if (!condemned.length && (sts.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate") {
    // Replace the highest out-of-date pod once every pod is healthy, from the top down: one
    // already terminating (or any other unhealthy one) is waited for, never deleted again.
    if (allHealthy && owned.size === replicas)
      for (const [o, p] of [...owned].filter(([o]) => o >= start + partition).sort(([a], [b]) => b - a)) {
        if (p.metadata?.labels?.["controller-revision-hash"] !== rev && !p.metadata?.deletionTimestamp) {
          del(o);
          break;
        }
        if (!healthy(p)) break;
      }
  }

  const active = [...owned.values()].filter(isActive);
  const ready = active.filter(isReady).length;
  const at = (r: string) =>
    active.filter((p) => p.metadata?.labels?.["controller-revision-hash"] === r).length;
  const updated = at(rev);
  // currentRevision stays the one the pods had until every replica runs the update revision
  // (what `kubectl rollout status` waits for).
  const done = updated === replicas && active.length === replicas;
  const currentRevision = done ? rev : (revisions.currentRevision ?? sts.status?.currentRevision ?? rev);
  const status: StatefulSetStatus = {
    ...(sts.metadata?.generation !== undefined ? { observedGeneration: sts.metadata.generation } : {}),
    replicas: active.length,
    readyReplicas: ready,
    availableReplicas: ready,
    currentReplicas: at(currentRevision),
    updatedReplicas: updated,
    currentRevision,
    updateRevision: rev,
    ...(revisions.collisionCount !== undefined
      ? { collisionCount: revisions.collisionCount }
      : sts.status?.collisionCount !== undefined
        ? { collisionCount: sts.status.collisionCount }
        : {}),
  };
  if (differs(status, sts.status))
    actions.push({
      op: "updateStatus",
      resource: "apps/statefulsets",
      namespace: ns,
      object: { ...sts, status },
    });
  return actions;
}
