// ReplicaSet controller (pkg/controller/replicaset) as a pure step: adopt orphans that match
// the selector, create the missing pods (`<rs>-<5 safe characters>`, from a seeded RNG),
// delete the surplus in upstream's order, and report status from the pods observed.
import type { ReplicaSet, ReplicaSetStatus } from "kubernetes-types/apps/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { type Action, differs, isControlledBy, type Resource, withOwner, withoutOwner } from "./actions.js";
import { eventAction } from "./events.js";
import { type Rng, uniqueGeneratedName } from "./names.js";

/**
 * The kind this code runs for. Upstream's BaseController is built with a GroupVersionKind and an
 * event source, and kube-controller-manager runs it for ReplicationControllers too (seen as
 * ReplicaSets through pkg/controller/replication's adapters; `replicationcontroller.ts`).
 */
export interface ReplicaSetKind {
  apiVersion: string;
  kind: string;
  /** Where its status is written. */
  resource: Resource;
  /** The component its events come from. */
  component: string;
}

export const REPLICA_SET_KIND: ReplicaSetKind = {
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  resource: "apps/replicasets",
  component: "replicaset-controller",
};
/**
 * Creates or deletes per sync at most (upstream's `BurstReplicas`): a large ReplicaSet fills
 * over several syncs, each started by the pods the previous one made.
 */
export const BURST_REPLICAS = 500;

/** The FailedCreate warning a ReplicaSet records when admission refuses its pod. */
export function failedCreateMessage(error: string): string {
  return `Error creating: ${error}`;
}

import { deletionOrder, isActive, isReady, podFromTemplate, selectorMatches } from "./pods.js";

/**
 * The pods this ReplicaSet controls, the orphans it should adopt and the pods it controls whose
 * labels no longer match its selector, which it releases (ClaimPods), from a namespace's pods.
 */
export function ownedPods(
  rs: ReplicaSet,
  pods: readonly Pod[],
  kind: ReplicaSetKind = REPLICA_SET_KIND,
): { owned: Pod[]; orphans: Pod[]; released: Pod[] } {
  const owned: Pod[] = [];
  const orphans: Pod[] = [];
  const released: Pod[] = [];
  const owner = { ...rs, kind: kind.kind };
  for (const p of pods) {
    if (p.metadata?.namespace !== undefined && p.metadata.namespace !== (rs.metadata?.namespace ?? "default"))
      continue;
    if (isControlledBy(p, owner)) {
      if (selectorMatches(rs.spec?.selector, p.metadata?.labels)) owned.push(p);
      else released.push(p);
    } else if (
      !p.metadata?.ownerReferences?.some((r) => r.controller) &&
      !p.metadata?.deletionTimestamp &&
      selectorMatches(rs.spec?.selector, p.metadata?.labels)
    )
      orphans.push(p);
  }
  return { owned, orphans, released };
}

/**
 * IsPodAvailable: Ready for at least minReadySeconds (by the Ready condition's transition time,
 * whole seconds as the API keeps it) at `nowMs`.
 */
export function isAvailable(p: Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isReady(p)) return false;
  if (minReadySeconds <= 0) return true;
  const since = p.status?.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime;
  return since !== undefined && Date.parse(since) + minReadySeconds * 1000 <= nowMs;
}

/**
 * When the next of the ReplicaSet's Ready pods becomes available (ms after `nowMs`), so the
 * controller looks again then (upstream re-queues after minReadySeconds); undefined: none waits.
 */
export function nextAvailableIn(
  rs: ReplicaSet,
  pods: readonly Pod[],
  nowMs: number,
  kind: ReplicaSetKind = REPLICA_SET_KIND,
): number | undefined {
  const min = rs.spec?.minReadySeconds ?? 0;
  if (min <= 0) return undefined;
  const owner = { ...rs, kind: kind.kind };
  let next: number | undefined;
  for (const p of pods) {
    if (!isControlledBy(p, owner) || !isActive(p) || !isReady(p) || isAvailable(p, min, nowMs)) continue;
    const since = Date.parse(p.status?.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime ?? "");
    if (Number.isNaN(since)) continue;
    const at = since + min * 1000 - nowMs;
    next = next === undefined ? at : Math.min(next, at);
  }
  return next === undefined ? undefined : Math.max(0, next);
}

/** The status a ReplicaSet reports for the pods it owns (`nowMs`: for minReadySeconds). */
export function replicaSetStatus(
  rs: ReplicaSet,
  owned: readonly Pod[],
  nowMs = Date.now(),
): ReplicaSetStatus {
  const active = owned.filter(isActive);
  const ready = active.filter(isReady).length;
  const min = rs.spec?.minReadySeconds ?? 0;
  const labels = rs.spec?.template?.metadata?.labels ?? {};
  // ReplicaFailure (a create admission refused) holds while the ReplicaSet is short of pods.
  const failure = rs.status?.conditions?.find((c) => c.type === "ReplicaFailure");
  const short = active.length < (rs.spec?.replicas ?? 1);
  return {
    replicas: active.length,
    fullyLabeledReplicas: active.filter((p) =>
      Object.entries(labels).every(([k, v]) => p.metadata?.labels?.[k] === v),
    ).length,
    readyReplicas: ready,
    availableReplicas: min > 0 ? active.filter((p) => isAvailable(p, min, nowMs)).length : ready,
    ...(rs.metadata?.generation !== undefined ? { observedGeneration: rs.metadata.generation } : {}),
    ...(failure && short ? { conditions: [failure] } : {}),
  };
}

/** The ReplicaFailure condition a refused create leaves on the ReplicaSet (calculateStatus). */
export function replicaFailure(rs: ReplicaSet, message: string, now: string): ReplicaSet | undefined {
  if (rs.status?.conditions?.some((c) => c.type === "ReplicaFailure")) return undefined;
  const cond = {
    type: "ReplicaFailure",
    status: "True",
    lastTransitionTime: now,
    reason: "FailedCreate",
    message,
  };
  const status = { replicas: 0, ...rs.status, conditions: [...(rs.status?.conditions ?? []), cond] };
  return { ...rs, status };
}

/**
 * One sync of a ReplicaSet (or of another kind seen as one, `kind`). `pods` are the namespace's
 * pods; `takenNames` the pod names already in use there (generated names avoid them); `rng`
 * draws the name suffixes.
 */
export function reconcileReplicaSet(
  rs: ReplicaSet,
  pods: readonly Pod[],
  rng: Rng,
  now: string,
  kind: ReplicaSetKind = REPLICA_SET_KIND,
  takenNames: ReadonlySet<string> = new Set(pods.map((p) => p.metadata?.name ?? "")),
): Action[] {
  const ns = rs.metadata?.namespace ?? "default";
  const name = rs.metadata?.name ?? "";
  const self = { ...rs, apiVersion: kind.apiVersion, kind: kind.kind };
  const actions: Action[] = [];
  if (rs.metadata?.deletionTimestamp) return actions;
  const { owned, orphans, released } = ownedPods(rs, pods, kind);
  // Relabelled out of the selector: the pod goes its own way (and is replaced below).
  for (const p of released)
    actions.push({
      op: "update",
      resource: "core/pods",
      namespace: ns,
      object: {
        ...p,
        metadata: withoutOwner(p.metadata ?? {}, rs.metadata?.uid),
      },
    });
  for (const p of orphans) {
    const adopted: Pod = {
      ...p,
      metadata: withOwner(p.metadata ?? {}, self),
    };
    actions.push({ op: "update", resource: "core/pods", namespace: ns, object: adopted });
    owned.push(adopted);
  }
  const active = owned.filter(isActive);
  const want = rs.spec?.replicas ?? 1;
  const diff = Math.max(-BURST_REPLICAS, Math.min(BURST_REPLICAS, want - active.length));
  if (diff > 0) {
    const taken = new Set(takenNames);
    for (let i = 0; i < diff; i++) {
      const podName = uniqueGeneratedName(`${name}-`, rng, taken);
      taken.add(podName);
      actions.push({
        op: "create",
        resource: "core/pods",
        namespace: ns,
        object: podFromTemplate(self, rs.spec?.template, podName, {}, `${name}-`),
      });
      actions.push(
        eventAction({
          involved: self,
          reason: "SuccessfulCreate",
          message: `Created pod: ${podName}`,
          component: kind.component,
          at: now,
        }),
      );
    }
  } else if (diff < 0) {
    for (const p of deletionOrder(active).slice(0, -diff)) {
      const podName = p.metadata?.name ?? "";
      actions.push({ op: "delete", resource: "core/pods", namespace: ns, name: podName });
      actions.push(
        eventAction({
          involved: self,
          reason: "SuccessfulDelete",
          message: `Deleted pod: ${podName}`,
          component: kind.component,
          at: now,
        }),
      );
    }
  }
  const status = replicaSetStatus(rs, owned, Date.parse(now));
  if (differs(status, rs.status))
    actions.push({
      op: "updateStatus",
      resource: kind.resource,
      namespace: ns,
      object: { ...rs, status },
    });
  return actions;
}
