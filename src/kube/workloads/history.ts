// ControllerRevisions (apps/v1) as the DaemonSet and StatefulSet controllers keep them
// (pkg/controller/daemon/update.go, pkg/controller/history, statefulset's getStatefulSetRevisions):
// one revision per distinct pod template, named `<owner>-<hash>`, whose `.data` is the strategic
// merge patch `{"spec":{"template":{"$patch":"replace",…}}}` that `kubectl rollout undo` sends
// back; a template that returns to an earlier one bumps that revision's `.revision` instead of
// making a new one; revisions no pod (and, for a StatefulSet, no status field) uses are trimmed
// to spec.revisionHistoryLimit, oldest first. Owner references let GC remove them with the owner.
import type { ControllerRevision, DaemonSet, StatefulSet } from "kubernetes-types/apps/v1.js";
import type { Pod, PodTemplateSpec } from "kubernetes-types/core/v1.js";
import type { LabelSelector } from "kubernetes-types/meta/v1.js";
import { type Action, controllerRef, isControlledBy, withOwner } from "./actions.js";
import { canonicalJson, podTemplateHash, safeEncode } from "./names.js";
import { selectorMatches } from "./pods.js";

export const CONTROLLER_REVISION_HASH = "controller-revision-hash";
/** history.ControllerRevisionHashLabel (StatefulSet revisions). */
export const HISTORY_HASH_LABEL = "controller.kubernetes.io/hash";
const DEFAULT_HISTORY_LIMIT = 10;
const RESOURCE = "apps/controllerrevisions";

/**
 * The revision's `.data`, byte for byte as Go writes it: the template through encoding/json
 * (map keys sorted, `<`, `>`, `&`, U+2028/9 escaped) with the zero `creationTimestamp` a Go
 * ObjectMeta always marshals as null.
 */
export function revisionPatch(template: PodTemplateSpec | undefined): string {
  const t = (template ?? {}) as Record<string, unknown>;
  const metadata = { creationTimestamp: null, ...((t.metadata as object | undefined) ?? {}) };
  const raw = canonicalJson({ spec: { template: { ...t, metadata, $patch: "replace" } } });
  return raw.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** FNV-1, 32 bit (Go's fnv.New32, which HashControllerRevision uses; not FNV-1a). */
export function fnv32(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= b;
  }
  return h >>> 0;
}

/** HashControllerRevision: FNV-32 of the raw data, then the probe in decimal, safe-encoded. */
export function hashControllerRevision(data: string, probe?: number): string {
  const enc = new TextEncoder();
  let h = fnv32(enc.encode(data));
  if (probe !== undefined) h = fnv32(enc.encode(String(probe)), h);
  return safeEncode(String(h));
}

/** ControllerRevisionName: prefix cut to 223 bytes, then `-<hash>`. */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.slice(0, 223)}-${hash}`;
}

/** The template a revision restores (its patch without the directive and the null timestamp). */
export function templateOf(r: ControllerRevision): PodTemplateSpec | undefined {
  const t = (r.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template;
  if (!t) return undefined;
  const { $patch: _directive, metadata, ...rest } = t;
  const { creationTimestamp, ...meta } = (metadata ?? {}) as Record<string, unknown>;
  return {
    ...rest,
    metadata: creationTimestamp === null ? meta : { creationTimestamp, ...meta },
  } as PodTemplateSpec;
}

const dataOf = (r: ControllerRevision) => canonicalJson(r.data ?? null);
const sameData = (r: ControllerRevision, patch: string) => dataOf(r) === canonicalJson(JSON.parse(patch));

/** history.SortControllerRevisions: by revision, then creation time, then name. */
export function sortRevisions(revs: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revs].sort((a, b) => {
    if (a.revision !== b.revision) return a.revision - b.revision;
    const ta = a.metadata?.creationTimestamp ?? "";
    const tb = b.metadata?.creationTimestamp ?? "";
    if (ta !== tb) return ta < tb ? -1 : 1;
    return (a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1;
  });
}

const maxRevision = (revs: readonly ControllerRevision[]) => Math.max(0, ...revs.map((r) => r.revision));

function newRevision(
  owner: { apiVersion: string; kind: string; metadata?: DaemonSet["metadata"] },
  name: string,
  labels: Record<string, string>,
  patch: string,
  revision: number,
): ControllerRevision {
  const annotations = owner.metadata?.annotations;
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name,
      namespace: owner.metadata?.namespace ?? "default",
      labels,
      ...(annotations && Object.keys(annotations).length ? { annotations: { ...annotations } } : {}),
      ownerReferences: [controllerRef(owner)],
    },
    data: JSON.parse(patch),
    revision,
  };
}

const bump = (r: ControllerRevision, revision: number): Action => ({
  op: "update",
  resource: RESOURCE,
  namespace: r.metadata?.namespace ?? "default",
  object: { ...r, revision },
});
const remove = (r: ControllerRevision): Action => ({
  op: "delete",
  resource: RESOURCE,
  namespace: r.metadata?.namespace ?? "default",
  name: r.metadata?.name ?? "",
});

/**
 * ClaimControllerRevisions without the release half: the revisions `owner` controls, and the
 * orphans its selector matches, adopted (an update that adds the controller reference).
 */
function claim(
  owner: { apiVersion: string; kind: string; metadata?: DaemonSet["metadata"] },
  selector: LabelSelector | undefined,
  revisions: readonly ControllerRevision[],
  actions: Action[],
): ControllerRevision[] {
  return revisions.flatMap((r) => {
    if (isControlledBy(r, owner)) return [r];
    if (!selectorMatches(selector, r.metadata?.labels)) return [];
    if (r.metadata?.ownerReferences?.some((o) => o.controller) || r.metadata?.deletionTimestamp) return [];
    const adopted: ControllerRevision = {
      ...r,
      metadata: withOwner(r.metadata ?? {}, owner),
    };
    actions.push({
      op: "update",
      resource: RESOURCE,
      namespace: r.metadata?.namespace ?? "default",
      object: adopted,
    });
    return [adopted];
  });
}

export interface DaemonSetHistory {
  actions: Action[];
  /** The current revision's hash: the `controller-revision-hash` its pods carry. */
  hash: string;
  /** Set when the name the template hashes to is held by another template: the status to write. */
  collisionCount?: number;
}

/**
 * constructHistory + cleanupHistory of one DaemonSet sync: `revisions` are the namespace's
 * ControllerRevisions, `pods` the DaemonSet's pods (their hashes keep old revisions alive).
 */
export function daemonSetHistory(
  ds: DaemonSet,
  revisions: readonly ControllerRevision[],
  pods: readonly Pod[],
): DaemonSetHistory {
  const self = { ...ds, apiVersion: "apps/v1", kind: "DaemonSet" };
  const ns = ds.metadata?.namespace ?? "default";
  const actions: Action[] = [];
  const patch = revisionPatch(ds.spec?.template);
  const owned = claim(self, ds.spec?.selector, revisions, actions);
  const cur = owned.filter((r) => sameData(r, patch));
  const old = owned.filter((r) => !sameData(r, patch));
  const next = maxRevision(old) + 1;
  const hash = podTemplateHash(ds.spec?.template, ds.status?.collisionCount);
  let keep: ControllerRevision;
  if (cur.length === 0) {
    const name = `${ds.metadata?.name ?? ""}-${hash}`;
    const taken = revisions.find((r) => r.metadata?.name === name);
    if (taken) return { actions: [], hash, collisionCount: (ds.status?.collisionCount ?? 0) + 1 };
    keep = newRevision(
      self,
      name,
      { ...(ds.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH]: hash },
      patch,
      next,
    );
    actions.push({ op: "create", resource: RESOURCE, namespace: ns, object: keep });
  } else {
    // dedupCurHistories: keep the highest revision, move pods of the others onto it.
    keep = cur.reduce((a, b) => (b.revision >= a.revision ? b : a));
    const keepHash = keep.metadata?.labels?.[CONTROLLER_REVISION_HASH] ?? hash;
    for (const dup of cur) {
      if (dup === keep) continue;
      for (const p of pods)
        if (p.metadata?.labels?.[CONTROLLER_REVISION_HASH] !== keepHash)
          actions.push({
            op: "update",
            resource: "core/pods",
            namespace: ns,
            object: {
              ...p,
              metadata: {
                ...p.metadata,
                labels: { ...p.metadata?.labels, [CONTROLLER_REVISION_HASH]: keepHash },
              },
            },
          });
      actions.push(remove(dup));
    }
    if (keep.revision < next) actions.push(bump(keep, next));
  }
  const liveHash = new Set(pods.map((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH]).filter(Boolean));
  let toKill = old.length - (ds.spec?.revisionHistoryLimit ?? DEFAULT_HISTORY_LIMIT);
  for (const r of sortRevisions(old)) {
    if (toKill <= 0) break;
    if (liveHash.has(r.metadata?.labels?.[CONTROLLER_REVISION_HASH])) continue;
    actions.push(remove(r));
    toKill--;
  }
  return { actions, hash: keep.metadata?.labels?.[CONTROLLER_REVISION_HASH] ?? hash };
}

export interface StatefulSetHistory {
  actions: Action[];
  /** The current revision's template (ApplyRevision), when it differs from the update revision. */
  currentTemplate?: PodTemplateSpec;
  /** status.currentRevision and status.updateRevision: revision names. */
  currentRevision: string;
  updateRevision: string;
  collisionCount: number;
}

/** getStatefulSetRevisions + truncateHistory of one StatefulSet sync. */
export function statefulSetHistory(
  sts: StatefulSet,
  revisions: readonly ControllerRevision[],
  pods: readonly Pod[],
): StatefulSetHistory {
  const self = { ...sts, apiVersion: "apps/v1", kind: "StatefulSet" };
  const ns = sts.metadata?.namespace ?? "default";
  const setName = sts.metadata?.name ?? "";
  const actions: Action[] = [];
  const owned = sortRevisions(claim(self, sts.spec?.selector, revisions, actions));
  let collisionCount = sts.status?.collisionCount ?? 0;
  const patch = revisionPatch(sts.spec?.template);
  const next = maxRevision(owned) + 1;
  // EqualRevision: hash labels are safe-encoded (never numeric), so the data decides.
  const equal = owned.filter((r) => sameData(r, patch));
  let update: ControllerRevision;
  if (equal.length && equal.at(-1) === owned.at(-1)) update = equal[equal.length - 1];
  else if (equal.length) {
    update = { ...equal[equal.length - 1], revision: next };
    actions.push(bump(equal[equal.length - 1], next));
  } else {
    // CreateControllerRevision: a name held by other data bumps the collision count.
    let hash = hashControllerRevision(patch, collisionCount);
    for (;;) {
      const name = controllerRevisionName(setName, hash);
      const held = revisions.find((r) => r.metadata?.name === name);
      if (!held || sameData(held, patch)) break;
      collisionCount++;
      hash = hashControllerRevision(patch, collisionCount);
    }
    update = newRevision(
      self,
      controllerRevisionName(setName, hash),
      { ...(sts.spec?.template?.metadata?.labels ?? {}), [HISTORY_HASH_LABEL]: hash },
      patch,
      next,
    );
    if (!revisions.some((r) => r.metadata?.name === update.metadata?.name))
      actions.push({ op: "create", resource: RESOURCE, namespace: ns, object: update });
  }
  const updateRevision = update.metadata?.name ?? "";
  const currentRevision =
    owned.find((r) => r.metadata?.name === sts.status?.currentRevision)?.metadata?.name ?? updateRevision;
  // truncateHistory: status revisions and the pods' revisions are live.
  const live = new Set([currentRevision, updateRevision]);
  for (const p of pods) live.add(p.metadata?.labels?.[CONTROLLER_REVISION_HASH] ?? "");
  const historic = owned.filter((r) => !live.has(r.metadata?.name ?? ""));
  const limit = sts.spec?.revisionHistoryLimit ?? DEFAULT_HISTORY_LIMIT;
  if (limit >= 0 && historic.length > limit)
    for (const r of historic.slice(0, historic.length - limit)) actions.push(remove(r));
  const current = owned.find((r) => r.metadata?.name === currentRevision);
  const currentTemplate = current && currentRevision !== updateRevision ? templateOf(current) : undefined;
  return {
    actions,
    currentRevision,
    updateRevision,
    collisionCount,
    ...(currentTemplate ? { currentTemplate } : {}),
  };
}
