// Deployment controller (pkg/controller/deployment) as a pure step over the Deployment and
// the namespace's ReplicaSets: find or create the ReplicaSet of the current template
// (`<deployment>-<pod-template-hash>`), move replicas from old to new within maxSurge /
// maxUnavailable (RollingUpdate) or old-to-zero-then-new (Recreate), resize the active
// ReplicaSets in proportion on a scaling event or while paused (sync.go scale), keep the revision
// annotations (a template that returns to an old ReplicaSet's is a rollback: that ReplicaSet
// becomes the newest revision again), prune history beyond revisionHistoryLimit, and report
// status and conditions. Each call is one step; the wiring calls it again when the
// ReplicaSets' status moves, as the real controller re-syncs on their events.
import type {
  Deployment,
  DeploymentCondition,
  DeploymentStatus,
  ReplicaSet,
} from "kubernetes-types/apps/v1.js";
import type { Pod, PodTemplateSpec } from "kubernetes-types/core/v1.js";
import { cloneJson } from "../json.js";
import {
  type Action,
  coalesceUpdates,
  controllerRef,
  differs,
  isControlledBy,
  withOwner,
  withoutOwner,
} from "./actions.js";
import { eventAction } from "./events.js";
import { canonicalJson, podTemplateHash } from "./names.js";
import { selectorMatches } from "./pods.js";

export const REVISION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
export const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
export const HASH_LABEL = "pod-template-hash";

/** intstr: an int, or "N%" of `total` rounded up (surge) or down (unavailable). */
export function resolveIntOrPercent(
  v: number | string | undefined,
  total: number,
  roundUp: boolean,
  dflt: string,
): number {
  const x = v ?? dflt;
  if (typeof x === "number") return x;
  const m = /^(\d+)%$/.exec(x);
  if (!m) {
    if (/^\d+$/.test(x)) return Number(x);
    throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  }
  const f = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(f) : Math.floor(f);
}

/** deploymentutil.ResolveFenceposts: (maxSurge, maxUnavailable), never both 0. */
export function fenceposts(d: Deployment): { surge: number; unavailable: number } {
  const replicas = d.spec?.replicas ?? 1;
  const ru = d.spec?.strategy?.rollingUpdate;
  const surge = resolveIntOrPercent(ru?.maxSurge, replicas, true, "25%");
  let unavailable = resolveIntOrPercent(ru?.maxUnavailable, replicas, false, "25%");
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** deploymentutil.IsRollingUpdate; the API defaults a missing type to RollingUpdate. */
const isRollingUpdate = (d: Deployment) => d.spec?.strategy?.type !== "Recreate";

/**
 * deploymentutil.MaxUnavailable, what the Available condition allows: none for Recreate or
 * zero replicas, else the fencepost, at most the replicas.
 */
function maxUnavailable(d: Deployment): number {
  const replicas = d.spec?.replicas ?? 1;
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, replicas);
}

/** deploymentutil.MaxSurge: the rolling update's surge; Recreate has none. */
export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? fenceposts(d).surge : 0;
}

/**
 * Per template object: the informer cache hands out the same object until it changes, so a
 * Deployment and its ReplicaSets' templates are made canonical once, not on every pass.
 */
const sansHash = new WeakMap<PodTemplateSpec, string>();

function templateSansHash(t: PodTemplateSpec | undefined): string {
  if (!t) return canonicalWithoutHash(t);
  let s = sansHash.get(t);
  if (s === undefined) {
    s = canonicalWithoutHash(t);
    sansHash.set(t, s);
  }
  return s;
}

function canonicalWithoutHash(t: PodTemplateSpec | undefined): string {
  const labels = { ...(t?.metadata?.labels ?? {}) };
  delete labels[HASH_LABEL];
  return canonicalJson({ ...t, metadata: { ...(t?.metadata ?? {}), labels } });
}

const revisionOf = (rs: ReplicaSet) => Number(rs.metadata?.annotations?.[REVISION] ?? "0") || 0;
const specReplicas = (rs: ReplicaSet) => rs.spec?.replicas ?? 0;
const available = (rs: ReplicaSet) => rs.status?.availableReplicas ?? 0;
const byAge = (a: ReplicaSet, b: ReplicaSet) => {
  const ta = a.metadata?.creationTimestamp ?? "";
  const tb = b.metadata?.creationTimestamp ?? "";
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1;
};

/** The ReplicaSet at `replicas`, annotated with the Deployment's size (SetReplicasAnnotations). */
function withReplicas(rs: ReplicaSet, replicas: number, d: Deployment): ReplicaSet {
  return {
    ...rs,
    metadata: {
      ...rs.metadata,
      annotations: {
        ...(rs.metadata?.annotations ?? {}),
        [DESIRED_REPLICAS]: String(d.spec?.replicas ?? 1),
        [MAX_REPLICAS]: String((d.spec?.replicas ?? 1) + maxSurge(d)),
      },
    },
    spec: { ...(rs.spec ?? { selector: {} }), replicas },
  };
}

/** ReplicasAnnotationsNeedUpdate: desired-replicas or max-replicas no longer the Deployment's. */
function replicasAnnotationsNeedUpdate(rs: ReplicaSet, d: Deployment): boolean {
  const a = rs.metadata?.annotations;
  const replicas = d.spec?.replicas ?? 1;
  return a?.[DESIRED_REPLICAS] !== String(replicas) || a?.[MAX_REPLICAS] !== String(replicas + maxSurge(d));
}

/** getIntFromAnnotation: strconv.Atoi of the annotation, undefined when absent or not a number. */
function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata?.annotations?.[key];
  return v !== undefined && /^[+-]?\d+$/.test(v) ? Number(v) : undefined;
}

/**
 * Deployment annotations a ReplicaSet does not take (deployment/util annotationsToSkip): the
 * controller's own and kubectl's last-applied configuration. The rest (kubernetes.io/change-cause
 * for `rollout history`) is copied to the newest ReplicaSet.
 */
const ANNOTATIONS_NOT_COPIED = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  "deprecated.deployment.rollback.to",
]);

/** copyDeploymentAnnotationsToReplicaSet: the ReplicaSet with them, or undefined when it has them. */
function withDeploymentAnnotations(d: Deployment, rs: ReplicaSet): ReplicaSet | undefined {
  const have = rs.metadata?.annotations ?? {};
  let out: Record<string, string> | undefined;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {}))
    if (!ANNOTATIONS_NOT_COPIED.has(k) && have[k] !== v) {
      out ??= { ...have };
      out[k] = v;
    }
  return out && { ...rs, metadata: { ...rs.metadata, annotations: out } };
}

/**
 * getNewReplicaSet on an existing one: the Deployment's annotations and its minReadySeconds
 * (a change of either alone is no new template, yet reaches the current ReplicaSet); the
 * ReplicaSet with them, or undefined when it has them.
 */
function withDeploymentFields(d: Deployment, rs: ReplicaSet): ReplicaSet | undefined {
  const annotated = withDeploymentAnnotations(d, rs);
  const want = d.spec?.minReadySeconds ?? 0;
  if ((rs.spec?.minReadySeconds ?? 0) === want) return annotated;
  const base = annotated ?? rs;
  const { minReadySeconds: _old, ...spec } = base.spec ?? { selector: {} };
  // omitempty: zero is no field.
  return { ...base, spec: { ...spec, selector: spec.selector, ...(want ? { minReadySeconds: want } : {}) } };
}

/** The ReplicaSet a Deployment creates for its current template. */
export function newReplicaSetFor(
  d: Deployment,
  hash: string,
  replicas: number,
  revision: number,
): ReplicaSet {
  const tpl = cloneJson(d.spec?.template ?? {});
  const labels = { ...(tpl.metadata?.labels ?? {}), [HASH_LABEL]: hash };
  const rs: ReplicaSet = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${d.metadata?.name ?? ""}-${hash}`,
      namespace: d.metadata?.namespace ?? "default",
      labels,
      annotations: {
        [DESIRED_REPLICAS]: String(d.spec?.replicas ?? 1),
        [MAX_REPLICAS]: String((d.spec?.replicas ?? 1) + maxSurge(d)),
        [REVISION]: String(revision),
      },
      ownerReferences: [controllerRef({ ...d, apiVersion: "apps/v1", kind: "Deployment" })],
    },
    spec: {
      replicas,
      ...(d.spec?.minReadySeconds ? { minReadySeconds: d.spec.minReadySeconds } : {}),
      selector: {
        ...(d.spec?.selector ?? {}),
        matchLabels: { ...(d.spec?.selector?.matchLabels ?? {}), [HASH_LABEL]: hash },
      },
      template: { ...tpl, metadata: { ...(tpl.metadata ?? {}), labels } },
    },
  };
  return withDeploymentAnnotations(d, rs) ?? rs;
}

/** deploymentutil.NewRSNewReplicas for RollingUpdate: scale up within maxSurge. */
function rollingNewReplicas(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet, surge: number): number {
  const replicas = d.spec?.replicas ?? 1;
  const current = all.reduce((s, rs) => s + specReplicas(rs), 0);
  const maxTotal = replicas + surge;
  if (current >= maxTotal) return specReplicas(newRS);
  const up = Math.min(maxTotal - current, Math.max(0, replicas - specReplicas(newRS)));
  return specReplicas(newRS) + up;
}

function condition(
  prev: DeploymentCondition[] | undefined,
  type: string,
  status: "True" | "False",
  reason: string,
  message: string,
  now: string,
): DeploymentCondition {
  const old = prev?.find((c) => c.type === type);
  const same = old && old.status === status;
  return {
    type,
    status,
    lastUpdateTime:
      same && old.reason === reason && old.message === message ? (old.lastUpdateTime ?? now) : now,
    lastTransitionTime: same ? (old.lastTransitionTime ?? now) : now,
    reason,
    message,
  };
}

/**
 * One sync (syncDeployment). `replicaSets` are the namespace's ReplicaSets (the function picks
 * the ones the Deployment controls); `pods` the namespace's pods, read by Recreate only (it waits
 * for the old ones, terminating included); `now` stamps conditions. Returns the writes in order.
 */
export function reconcileDeployment(
  d: Deployment,
  replicaSets: readonly ReplicaSet[],
  now: string,
  pods: readonly Pod[] = [],
): Action[] {
  const ns = d.metadata?.namespace ?? "default";
  const dName = d.metadata?.name ?? "";
  const self = { ...d, apiVersion: "apps/v1", kind: "Deployment" };
  const actions: Action[] = [];
  if (d.metadata?.deletionTimestamp) return actions;
  const replicas = d.spec?.replicas ?? 1;
  const { surge, unavailable } = fenceposts(d);
  // ClaimReplicaSets: its own that still match, orphans that match are adopted, its own that no
  // longer match are released (so a re-created Deployment takes back an orphaned ReplicaSet).
  const claimed: ReplicaSet[] = [];
  for (const rs of replicaSets) {
    if (rs.metadata?.deletionTimestamp) continue;
    const matches = selectorMatches(d.spec?.selector, rs.metadata?.labels);
    if (isControlledBy(rs, self)) {
      if (matches) claimed.push(rs);
      else
        actions.push({
          op: "update",
          resource: "apps/replicasets",
          namespace: ns,
          object: { ...rs, metadata: withoutOwner(rs.metadata ?? {}, d.metadata?.uid) },
        });
    } else if (matches && !rs.metadata?.ownerReferences?.some((r) => r.controller)) {
      const adopted = {
        ...rs,
        metadata: withOwner(rs.metadata ?? {}, self),
      };
      actions.push({ op: "update", resource: "apps/replicasets", namespace: ns, object: adopted });
      claimed.push(adopted);
    }
  }
  const owned = claimed.sort(byAge);
  const want = templateSansHash(d.spec?.template);
  let newRS = owned.find((rs) => templateSansHash(rs.spec?.template) === want);
  let old = owned.filter((rs) => rs !== newRS);
  const maxOldRevision = Math.max(0, ...old.map(revisionOf));
  const scaled = (rs: ReplicaSet, from: number) => {
    const to = specReplicas(rs);
    if (to === from) return;
    actions.push(
      eventAction({
        involved: self,
        reason: "ScalingReplicaSet",
        message: `Scaled ${to > from ? "up" : "down"} replica set ${rs.metadata?.name ?? ""} from ${from} to ${to}`,
        component: "deployment-controller",
        at: now,
      }),
    );
  };
  const before = new Map(owned.map((rs) => [rs.metadata?.name ?? "", specReplicas(rs)]));
  const update = (rs: ReplicaSet) => {
    actions.push({ op: "update", resource: "apps/replicasets", namespace: ns, object: rs });
    scaled(rs, before.get(rs.metadata?.name ?? "") ?? 0);
  };
  let createdName: string | undefined;
  /** Keeps newRS / old current with a write. */
  const replace = (next: ReplicaSet) => {
    const n = next.metadata?.name;
    if (newRS && newRS.metadata?.name === n) newRS = next;
    else old = old.map((rs) => (rs.metadata?.name === n ? next : rs));
  };
  /** scaleReplicaSet: a new size or stale replica annotations are written; a new size is an event. */
  const scaleTo = (rs: ReplicaSet, n: number) => {
    if (specReplicas(rs) === n && !replicasAnnotationsNeedUpdate(rs, d)) return;
    const next = withReplicas(rs, n, d);
    update(next);
    replace(next);
  };
  /** scaleReplicaSetAndRecordEvent: only a new size is written. */
  const resize = (rs: ReplicaSet, n: number) => {
    if (specReplicas(rs) !== n) scaleTo(rs, n);
  };

  // getAllReplicaSetsAndSyncRevision: an existing new ReplicaSet takes the newest revision and
  // the Deployment's annotations and minReadySeconds on every path.
  if (newRS && revisionOf(newRS) <= maxOldRevision) {
    // Rollback to an older template: that ReplicaSet becomes the newest revision again.
    const prevRev = String(revisionOf(newRS));
    const history = newRS.metadata?.annotations?.[REVISION_HISTORY];
    newRS = {
      ...newRS,
      metadata: {
        ...newRS.metadata,
        annotations: {
          ...(newRS.metadata?.annotations ?? {}),
          [REVISION]: String(maxOldRevision + 1),
          [REVISION_HISTORY]: history ? `${history},${prevRev}` : prevRev,
        },
      },
    };
    newRS = withDeploymentFields(d, newRS) ?? newRS;
    update(newRS);
  } else if (newRS) {
    const annotated = withDeploymentFields(d, newRS);
    if (annotated) {
      newRS = annotated;
      update(newRS);
    }
  }

  /** getNewReplicaSet creating it, at `initial(draft)` replicas; undefined when its name clashed. */
  const create = (initial: (draft: ReplicaSet) => number): ReplicaSet | undefined => {
    const collisionCount = d.status?.collisionCount;
    const hash = podTemplateHash(d.spec?.template, collisionCount);
    if (replicaSets.some((rs) => rs.metadata?.name === `${dName}-${hash}`)) return undefined;
    const draft = newReplicaSetFor(d, hash, 0, maxOldRevision + 1);
    const rs = { ...draft, spec: { ...(draft.spec ?? { selector: {} }), replicas: initial(draft) } };
    createdName = rs.metadata?.name;
    actions.push({ op: "create", resource: "apps/replicasets", namespace: ns, object: rs });
    scaled(rs, 0);
    return rs;
  };
  // Same name, other template: bump collisionCount so the next hash differs (upstream).
  const collided = (): Action[] => {
    const status: DeploymentStatus = {
      ...(d.status ?? {}),
      collisionCount: (d.status?.collisionCount ?? 0) + 1,
    };
    return [{ op: "updateStatus", resource: "apps/deployments", namespace: ns, object: { ...d, status } }];
  };

  if (d.spec?.paused || isScalingEvent(d, newRS, old)) {
    // sync(): a paused Deployment or a new spec.replicas resizes what runs, no rollout step.
    scaleProportionally(d, newRS, old, resize, scaleTo);
  } else if (!isRollingUpdate(d)) {
    // rolloutRecreate: old ReplicaSets to zero; the new one only once no old pod runs.
    let scaledDown = false;
    for (const rs of old)
      if (specReplicas(rs) > 0) {
        resize(rs, 0);
        scaledDown = true;
      }
    if (!scaledDown && !oldPodsRunning(d, newRS, old, replicaSets, pods)) {
      if (!newRS) {
        const created = create(() => replicas);
        if (!created) return collided();
        newRS = created;
      }
      resize(newRS, replicas);
    }
  } else {
    // rolloutRolling: reconcileNewReplicaSet, and only when it scaled nothing reconcileOldReplicaSets.
    if (!newRS) {
      const created = create((draft) => rollingNewReplicas(d, old, draft, surge));
      if (!created) return collided();
      newRS = created;
    }
    const cur = specReplicas(newRS);
    const target = cur > replicas ? replicas : rollingNewReplicas(d, [newRS, ...old], newRS, surge);
    if (target !== cur) resize(newRS, target);
    else scaleDownOld(d, newRS, old, unavailable, resize);
  }

  // History beyond revisionHistoryLimit: the oldest fully scaled-down ReplicaSets go.
  const limit = d.spec?.revisionHistoryLimit ?? 10;
  const idle = old.filter((rs) => specReplicas(rs) === 0 && (rs.status?.replicas ?? 0) === 0);
  for (const rs of idle.slice(0, Math.max(0, idle.length - limit)))
    actions.push({
      op: "delete",
      resource: "apps/replicasets",
      namespace: ns,
      name: rs.metadata?.name ?? "",
    });

  return coalesceUpdates([...actions, ...statusActions(d, newRS, old, maxUnavailable(d), now, createdName)]);
}

/**
 * isScalingEvent: an active ReplicaSet's desired-replicas annotation is not the Deployment's
 * spec.replicas (ReplicaSets without it do not count).
 */
function isScalingEvent(d: Deployment, newRS: ReplicaSet | undefined, old: readonly ReplicaSet[]): boolean {
  const replicas = d.spec?.replicas ?? 1;
  for (const rs of newRS ? [...old, newRS] : old) {
    if (specReplicas(rs) === 0) continue;
    const desired = intAnnotation(rs, DESIRED_REPLICAS);
    if (desired !== undefined && desired !== replicas) return true;
  }
  return false;
}

/** IsSaturated: the new ReplicaSet runs, wants and has all the Deployment's replicas available. */
function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = intAnnotation(rs, DESIRED_REPLICAS);
  const replicas = d.spec?.replicas ?? 1;
  return (
    desired !== undefined &&
    specReplicas(rs) === replicas &&
    desired === replicas &&
    available(rs) === replicas
  );
}

/** ReplicaSetsByCreationTimestamp: oldest first, then by name. */
const byCreation = (a: ReplicaSet, b: ReplicaSet) => {
  const ta = Date.parse(a.metadata?.creationTimestamp ?? "") || 0;
  const tb = Date.parse(b.metadata?.creationTimestamp ?? "") || 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata?.name ?? "";
  const nb = b.metadata?.name ?? "";
  return na < nb ? -1 : na > nb ? 1 : 0;
};

/**
 * getReplicaSetFraction: what the ReplicaSet would have at the Deployment's new maximum
 * (replicas + maxSurge), in proportion to the maximum it was sized for (its max-replicas
 * annotation, else the Deployment's status.replicas), minus what it has.
 */
function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const replicas = d.spec?.replicas ?? 1;
  if (replicas === 0) return -specReplicas(rs);
  const maxNow = replicas + maxSurge(d);
  let maxBefore = intAnnotation(rs, MAX_REPLICAS) ?? 0;
  if (maxBefore === 0) {
    maxBefore = d.status?.replicas ?? 0;
    if (maxBefore === 0) return 0; // never observed: nothing to scale against
  }
  // integer.RoundToInt32: floor(x + 0.5).
  return Math.floor((specReplicas(rs) * maxNow) / maxBefore + 0.5) - specReplicas(rs);
}

/** GetReplicaSetProportion: the fraction, within what is still to add (or remove). */
function replicaSetProportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/**
 * sync.go scale(): one active ReplicaSet (or none: the newest) takes spec.replicas; a saturated
 * new ReplicaSet leaves the old ones at zero; otherwise (RollingUpdate) the change of
 * replicas + maxSurge is spread over the active ReplicaSets in proportion to their size —
 * largest first (newer first when growing, older first when shrinking), the rounding leftover
 * to the first — so a scale mid-rollout neither hastens nor undoes it.
 */
function scaleProportionally(
  d: Deployment,
  newRS: ReplicaSet | undefined,
  old: readonly ReplicaSet[],
  resize: (rs: ReplicaSet, n: number) => void,
  scaleTo: (rs: ReplicaSet, n: number) => void,
): void {
  const replicas = d.spec?.replicas ?? 1;
  // FindActiveOrLatest
  if (!newRS && old.length === 0) return;
  const newestOldFirst = [...old].sort((a, b) => byCreation(b, a));
  const active = [...newestOldFirst, ...(newRS ? [newRS] : [])].filter((rs) => specReplicas(rs) > 0);
  if (active.length <= 1) {
    const target = active[0] ?? newRS ?? newestOldFirst[0];
    resize(target, replicas);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const rs of active) if (rs !== newRS) resize(rs, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowed - active.reduce((s, rs) => s + specReplicas(rs), 0);
  // ReplicaSetsBySizeNewer / BySizeOlder: largest first; ties newer first up, older first down.
  if (toAdd > 0) active.sort((a, b) => specReplicas(b) - specReplicas(a) || byCreation(b, a));
  else if (toAdd < 0) active.sort((a, b) => specReplicas(b) - specReplicas(a) || byCreation(a, b));
  let added = 0;
  const sizes = active.map((rs) => {
    if (toAdd === 0) return specReplicas(rs);
    const p = replicaSetProportion(rs, d, toAdd, added);
    added += p;
    return specReplicas(rs) + p;
  });
  // The rounding leftover goes to (or comes from) the first, the largest.
  if (toAdd !== 0) sizes[0] = Math.max(0, sizes[0] + toAdd - added);
  active.forEach((rs, i) => {
    scaleTo(rs, sizes[i]);
  });
}

/**
 * recreate.go oldPodsRunning: an old ReplicaSet still counts pods, or a pod of the
 * Deployment's other ReplicaSets (by controller reference, terminating ones included) is not
 * Succeeded or Failed.
 */
function oldPodsRunning(
  d: Deployment,
  newRS: ReplicaSet | undefined,
  old: readonly ReplicaSet[],
  replicaSets: readonly ReplicaSet[],
  pods: readonly Pod[],
): boolean {
  if (old.some((rs) => (rs.status?.replicas ?? 0) > 0)) return true;
  const self = { ...d, kind: "Deployment" };
  const oldUids = new Set<string>();
  for (const rs of replicaSets)
    if (rs.metadata?.uid && rs.metadata.uid !== newRS?.metadata?.uid && isControlledBy(rs, self))
      oldUids.add(rs.metadata.uid);
  if (!oldUids.size) return false;
  const ns = d.metadata?.namespace ?? "default";
  return pods.some((p) => {
    if ((p.metadata?.namespace ?? ns) !== ns) return false;
    const ref = p.metadata?.ownerReferences?.find((r) => r.controller);
    if (!ref || !oldUids.has(ref.uid)) return false;
    if (!selectorMatches(d.spec?.selector, p.metadata?.labels)) return false;
    const phase = p.status?.phase;
    return phase !== "Succeeded" && phase !== "Failed";
  });
}

/** reconcileOldReplicaSets: first the unhealthy old replicas, then old ones down to minAvailable. */
function scaleDownOld(
  d: Deployment,
  newRS: ReplicaSet,
  old: ReplicaSet[],
  maxUnavailable: number,
  resize: (rs: ReplicaSet, n: number) => void,
): void {
  const replicas = d.spec?.replicas ?? 1;
  const all = [newRS, ...old];
  const allPods = all.reduce((s, rs) => s + specReplicas(rs), 0);
  const minAvailable = replicas - maxUnavailable;
  const newUnavailable = specReplicas(newRS) - available(newRS);
  let budget = allPods - minAvailable - newUnavailable;
  if (budget <= 0) return;
  const sizes = old.map(specReplicas);
  // cleanupUnhealthyReplicas
  for (const [i, rs] of old.entries()) {
    if (budget <= 0) break;
    const unhealthy = sizes[i] - available(rs);
    if (unhealthy <= 0) continue;
    const down = Math.min(budget, unhealthy);
    sizes[i] -= down;
    budget -= down;
  }
  // scaleDownOldReplicaSetsForRollingUpdate
  const availableNow = old.reduce(
    (s, rs, i) => s + Math.min(available(rs), sizes[i]),
    Math.min(available(newRS), specReplicas(newRS)),
  );
  let total = availableNow - minAvailable;
  for (const i of sizes.keys()) {
    if (total <= 0) break;
    if (sizes[i] === 0) continue;
    const down = Math.min(sizes[i], total);
    sizes[i] -= down;
    total -= down;
  }
  // One write per ReplicaSet, at its final size.
  for (const [i, rs] of old.entries()) resize(rs, sizes[i]);
}

/** GetReplicaFailures: the newest ReplicaSet's ReplicaFailure (else an old one's), as the Deployment's. */
function replicaFailures(newRS: ReplicaSet | undefined, old: ReplicaSet[]): DeploymentCondition[] {
  for (const rs of [...(newRS ? [newRS] : []), ...old]) {
    const c = rs.status?.conditions?.find((x) => x.type === "ReplicaFailure" && x.status === "True");
    if (c)
      return [
        {
          type: "ReplicaFailure",
          status: "True",
          lastUpdateTime: c.lastTransitionTime,
          lastTransitionTime: c.lastTransitionTime,
          reason: c.reason,
          message: c.message,
        },
      ];
  }
  return [];
}

/** `progressDeadlineSeconds` as HasProgressDeadline reads it (MaxInt32: none). */
function progressDeadline(d: Deployment): number | undefined {
  const s = d.spec?.progressDeadlineSeconds;
  return s === undefined || s === 2147483647 ? undefined : s;
}

const PROGRESS_SETTLED = new Set(["NewReplicaSetAvailable", "ProgressDeadlineExceeded"]);

/**
 * The Progressing condition as the deployment controller keeps it: checkPausedConditions
 * (DeploymentPaused / DeploymentResumed, Unknown), the new ReplicaSet's creation, then
 * syncRolloutStatus — complete, progress (any of updated, ready or available up, old pods
 * down: lastUpdateTime moves), or no progress for progressDeadlineSeconds since the last update:
 * False ProgressDeadlineExceeded, which `kubectl rollout status` fails on. No deadline: none.
 */
function progressingCondition(
  d: Deployment,
  prev: DeploymentCondition[] | undefined,
  o: {
    createdName: string | undefined;
    rsName: string;
    complete: boolean;
    statusReplicas: number;
    updated: number;
    ready: number;
    available: number;
    now: string;
  },
): DeploymentCondition | undefined {
  const deadline = progressDeadline(d);
  if (deadline === undefined) return undefined;
  let cur = prev?.find((c) => c.type === "Progressing");
  const set = (status: "True" | "False" | "Unknown", reason: string, message: string) => {
    if (cur?.status === status && cur.reason === reason) return cur;
    return {
      type: "Progressing",
      status,
      lastUpdateTime: o.now,
      lastTransitionTime: cur?.status === status ? (cur.lastTransitionTime ?? o.now) : o.now,
      reason,
      message,
    };
  };
  if (d.spec?.paused)
    return cur?.reason === "ProgressDeadlineExceeded"
      ? cur
      : set("Unknown", "DeploymentPaused", "Deployment is paused");
  if (cur?.reason === "DeploymentPaused") cur = set("Unknown", "DeploymentResumed", "Deployment is resumed");
  if (o.createdName) cur = set("True", "NewReplicaSetCreated", `Created new replica set "${o.createdName}"`);
  else if (!cur && o.rsName) cur = set("True", "FoundNewReplicaSet", `Found new replica set "${o.rsName}"`);
  if (o.statusReplicas === o.updated && cur?.reason === "NewReplicaSetAvailable") return cur;
  if (o.complete)
    return set("True", "NewReplicaSetAvailable", `ReplicaSet "${o.rsName}" has successfully progressed.`);
  const was = d.status ?? {};
  const progressed =
    o.updated > (was.updatedReplicas ?? 0) ||
    o.statusReplicas - o.updated < (was.replicas ?? 0) - (was.updatedReplicas ?? 0) ||
    o.ready > (was.readyReplicas ?? 0) ||
    o.available > (was.availableReplicas ?? 0);
  if (progressed && !o.createdName)
    return {
      type: "Progressing",
      status: "True",
      lastUpdateTime: o.now,
      lastTransitionTime: cur?.status === "True" ? (cur.lastTransitionTime ?? o.now) : o.now,
      reason: "ReplicaSetUpdated",
      message: `ReplicaSet "${o.rsName}" is progressing.`,
    };
  if (cur && !PROGRESS_SETTLED.has(cur.reason ?? "")) {
    const since = Date.parse(cur.lastUpdateTime ?? o.now);
    if (since + deadline * 1000 < Date.parse(o.now))
      return set("False", "ProgressDeadlineExceeded", `ReplicaSet "${o.rsName}" has timed out progressing.`);
  }
  return cur;
}

/**
 * requeueStuckDeployment: when a rollout still in progress will hit its deadline (ms from
 * `nowMs`), so the controller looks again then; undefined when nothing is pending.
 */
export function progressCheckDelay(d: Deployment, nowMs: number): number | undefined {
  const deadline = progressDeadline(d);
  const cond = d.status?.conditions?.find((c) => c.type === "Progressing");
  if (deadline === undefined || d.spec?.paused || !cond || PROGRESS_SETTLED.has(cond.reason ?? ""))
    return undefined;
  // Conditions keep whole seconds; the deadline has passed once a second more has.
  return Math.max(0, Date.parse(cond.lastUpdateTime ?? "") + (deadline + 1) * 1000 - nowMs);
}

function statusActions(
  d: Deployment,
  newRS: ReplicaSet | undefined,
  old: ReplicaSet[],
  maxUnavailable: number,
  now: string,
  createdName: string | undefined,
): Action[] {
  const ns = d.metadata?.namespace ?? "default";
  const all = newRS ? [newRS, ...old] : old;
  const replicas = d.spec?.replicas ?? 1;
  const sum = (f: (rs: ReplicaSet) => number) => all.reduce((s, rs) => s + f(rs), 0);
  const availableReplicas = sum((rs) => rs.status?.availableReplicas ?? 0);
  const updated = newRS?.status?.replicas ?? 0;
  const oldPods = old.reduce((s, rs) => s + (rs.status?.replicas ?? 0) + specReplicas(rs), 0);
  const prev = d.status?.conditions;
  const rsName = newRS?.metadata?.name ?? "";
  const complete =
    updated === replicas &&
    availableReplicas >= replicas &&
    oldPods === 0 &&
    specReplicas(newRS ?? {}) === replicas;
  const progressing = progressingCondition(d, prev, {
    createdName,
    rsName,
    complete,
    statusReplicas: sum((rs) => rs.status?.replicas ?? 0),
    updated,
    ready: sum((rs) => rs.status?.readyReplicas ?? 0),
    available: availableReplicas,
    now,
  });
  const availableCond =
    availableReplicas >= replicas - maxUnavailable
      ? condition(
          prev,
          "Available",
          "True",
          "MinimumReplicasAvailable",
          "Deployment has minimum availability.",
          now,
        )
      : condition(
          prev,
          "Available",
          "False",
          "MinimumReplicasUnavailable",
          "Deployment does not have minimum availability.",
          now,
        );
  const status: DeploymentStatus = {
    ...(d.metadata?.generation !== undefined ? { observedGeneration: d.metadata.generation } : {}),
    replicas: sum((rs) => rs.status?.replicas ?? 0),
    updatedReplicas: updated,
    readyReplicas: sum((rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas,
    // calculateStatus: the ReplicaSets' wanted total, surge included, less what is available.
    ...(sum(specReplicas) - availableReplicas > 0
      ? { unavailableReplicas: sum(specReplicas) - availableReplicas }
      : {}),
    conditions: [availableCond, ...(progressing ? [progressing] : []), ...replicaFailures(newRS, old)],
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
  };
  const out: Action[] = [];
  const rev = newRS?.metadata?.annotations?.[REVISION];
  if (rev && d.metadata?.annotations?.[REVISION] !== rev)
    out.push({
      op: "update",
      resource: "apps/deployments",
      namespace: ns,
      object: {
        ...d,
        metadata: { ...d.metadata, annotations: { ...(d.metadata?.annotations ?? {}), [REVISION]: rev } },
      },
    });
  const cmp = {
    ...status,
    conditions: status.conditions?.map(({ lastUpdateTime: _u, lastTransitionTime: _t, ...c }) => c),
  };
  const have = d.status
    ? {
        ...d.status,
        conditions: d.status.conditions?.map(({ lastUpdateTime: _u, lastTransitionTime: _t, ...c }) => c),
      }
    : undefined;
  if (
    differs(cmp, have) ||
    (have && have.unavailableReplicas !== undefined && status.unavailableReplicas === undefined)
  )
    out.push({ op: "updateStatus", resource: "apps/deployments", namespace: ns, object: { ...d, status } });
  return out;
}
