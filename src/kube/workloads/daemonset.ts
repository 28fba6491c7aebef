// DaemonSet controller (pkg/controller/daemon) as a pure step: one pod on every node the
// pod's nodeSelector / required node affinity admit and whose NoSchedule/NoExecute taints it
// tolerates (with the tolerations the controller always adds), none elsewhere. New pods are
// pinned with the required node affinity `metadata.name In [<node>]` the way upstream pins
// them, so the scheduler binds them to exactly that node. A template change rolls the pods
// (RollingUpdate, maxUnavailable default 1; OnDelete leaves them).
import type { DaemonSet, DaemonSetStatus } from "kubernetes-types/apps/v1.js";
import type { Node, Pod, Toleration } from "kubernetes-types/core/v1.js";
import { type Action, differs, isControlledBy } from "./actions.js";
import { resolveIntOrPercent } from "./deployment.js";
import { eventAction } from "./events.js";
import { CONTROLLER_REVISION_HASH } from "./history.js";
import { canonicalJson, podTemplateHash, type Rng, uniqueGeneratedName } from "./names.js";
import { isActive, isReady, podFromTemplate } from "./pods.js";
import { matchesNodeAffinity, untoleratedTaint } from "./scheduler.js";

export { CONTROLLER_REVISION_HASH };

/** util.AddOrUpdateDaemonPodTolerations: what every daemon pod tolerates. */
export function daemonTolerations(pod: Pod): Toleration[] {
  const add: Toleration[] = [
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
    { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
    ...(pod.spec?.hostNetwork
      ? [{ key: "node.kubernetes.io/network-unavailable", operator: "Exists", effect: "NoSchedule" }]
      : []),
  ];
  const have = pod.spec?.tolerations ?? [];
  return [...have, ...add.filter((t) => !have.some((h) => h.key === t.key && h.effect === t.effect))];
}

/** NodeShouldRunDaemonPod: selector/affinity admit the node and its taints are tolerated. */
export function shouldRunOn(ds: DaemonSet, node: Node): boolean {
  const pod: Pod = { spec: ds.spec?.template?.spec ?? { containers: [] } };
  if (!matchesNodeAffinity(pod, node)) return false;
  return !untoleratedTaint(node.spec?.taints ?? [], daemonTolerations(pod));
}

/** Where apps/v1 keeps the DaemonSet strategy's templateGeneration. */
export const TEMPLATE_GENERATION = "deprecated.daemonset.template.generation";

/**
 * The DaemonSet strategy's templateGeneration (registry/apps/daemonset): at least 1 on create,
 * the old value on update — plus one when the template changed; a client cannot change it.
 * Returns the annotations the object is stored with.
 */
export function templateGenerationAnnotations(ds: DaemonSet, old?: DaemonSet): Record<string, string> {
  const given = (o?: DaemonSet) => {
    const n = Number(o?.metadata?.annotations?.[TEMPLATE_GENERATION]);
    return Number.isSafeInteger(n) ? n : 0;
  };
  let gen = Math.max(1, given(ds));
  if (old) {
    // A DaemonSet stored before the annotation existed counts as generation 1.
    gen = Math.max(1, given(old));
    if (canonicalJson(old.spec?.template) !== canonicalJson(ds.spec?.template)) gen++;
  }
  return { ...(ds.metadata?.annotations ?? {}), [TEMPLATE_GENERATION]: String(gen) };
}

/** The hash of the template (upstream's ComputeHash), the suffix of its ControllerRevision's name. */
export function templateHash(ds: DaemonSet): string {
  return podTemplateHash(ds.spec?.template, ds.status?.collisionCount);
}

/**
 * The daemon pod for `node`: template + tolerations + node-name affinity + revision label
 * (`hash`: the current ControllerRevision's, which the template's own hash unless history says otherwise).
 */
export function daemonPodFor(ds: DaemonSet, node: string, name: string, hash = templateHash(ds)): Pod {
  const self = { ...ds, apiVersion: "apps/v1", kind: "DaemonSet" };
  const pod = podFromTemplate(
    self,
    ds.spec?.template,
    name,
    {
      [CONTROLLER_REVISION_HASH]: hash,
      "pod-template-generation":
        ds.metadata?.annotations?.[TEMPLATE_GENERATION] ?? String(ds.metadata?.generation ?? 1),
    },
    `${ds.metadata?.name ?? ""}-`,
  );
  const spec = pod.spec ?? { containers: [] };
  pod.spec = {
    ...spec,
    tolerations: daemonTolerations(pod),
    affinity: {
      ...(spec.affinity ?? {}),
      nodeAffinity: {
        ...(spec.affinity?.nodeAffinity ?? {}),
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [node] }] }],
        },
      },
    },
  };
  return pod;
}

/** Node a daemon pod is for: bound node, else its pinned node-name affinity. */
export function daemonPodNode(p: Pod): string | undefined {
  if (p.spec?.nodeName) return p.spec.nodeName;
  const terms =
    p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  return terms[0]?.matchFields?.find((f) => f.key === "metadata.name")?.values?.[0];
}

/**
 * One sync of a DaemonSet over the cluster's nodes and the namespace's pods; `hash` is the
 * current ControllerRevision's (daemonSetHistory), the label up-to-date pods carry.
 */
export function reconcileDaemonSet(
  ds: DaemonSet,
  nodes: readonly Node[],
  pods: readonly Pod[],
  rng: Rng,
  now: string,
  hash = templateHash(ds),
): Action[] {
  const ns = ds.metadata?.namespace ?? "default";
  const name = ds.metadata?.name ?? "";
  const self = { ...ds, apiVersion: "apps/v1", kind: "DaemonSet" };
  if (ds.metadata?.deletionTimestamp) return [];
  const actions: Action[] = [];
  // Per node, every pod of this DaemonSet (nodeToDaemonPods): one still terminating there keeps
  // the node from getting a new one until it is gone (no overlap without maxSurge); `byNode`
  // holds the live ones (not finished, not being deleted), which are counted and replaced.
  const anyByNode = new Map<string, Pod[]>();
  const byNode = new Map<string, Pod[]>();
  for (const p of pods) {
    if (!isControlledBy(p, self)) continue;
    const n = daemonPodNode(p) ?? "";
    anyByNode.set(n, [...(anyByNode.get(n) ?? []), p]);
    if (isActive(p)) byNode.set(n, [...(byNode.get(n) ?? []), p]);
  }
  const eligible = [...nodes].filter((n) => shouldRunOn(ds, n)).map((n) => n.metadata?.name ?? "");
  const eligibleSet = new Set(eligible);
  const note = (reason: string, message: string) =>
    actions.push(
      eventAction({
        involved: self,
        reason,
        message,
        component: "daemonset-controller",
        at: now,
      }),
    );
  const del = (p: Pod) => {
    actions.push({ op: "delete", resource: "core/pods", namespace: ns, name: p.metadata?.name ?? "" });
    note("SuccessfulDelete", `Deleted pod: ${p.metadata?.name ?? ""}`);
  };
  const taken = new Set(pods.map((p) => p.metadata?.name ?? ""));
  for (const node of eligible.sort()) {
    const here = (byNode.get(node) ?? []).sort((a, b) =>
      (a.metadata?.creationTimestamp ?? "") < (b.metadata?.creationTimestamp ?? "") ? -1 : 1,
    );
    const all = anyByNode.get(node) ?? [];
    // podsShouldBeOnNode: a failed (or succeeded) daemon pod is deleted; its replacement comes
    // on the sync after it is gone.
    for (const p of all)
      if (
        !p.metadata?.deletionTimestamp &&
        (p.status?.phase === "Failed" || p.status?.phase === "Succeeded")
      ) {
        if (p.status.phase === "Failed")
          actions.push(
            eventAction({
              involved: self,
              reason: "FailedDaemonPod",
              message: `Found failed daemon pod ${ns}/${p.metadata?.name ?? ""} on node ${node}, will try to kill it`,
              component: "daemonset-controller",
              at: now,
              type: "Warning",
            }),
          );
        del(p);
      }
    if (all.length === 0) {
      const podName = uniqueGeneratedName(`${name}-`, rng, taken);
      taken.add(podName);
      actions.push({
        op: "create",
        resource: "core/pods",
        namespace: ns,
        object: daemonPodFor(ds, node, podName, hash),
      });
      note("SuccessfulCreate", `Created pod: ${podName}`);
    } else for (const extra of here.slice(1)) del(extra);
  }
  for (const [node, list] of [...anyByNode].sort(([a], [b]) => (a < b ? -1 : 1)))
    if (!eligibleSet.has(node)) for (const p of list) if (!p.metadata?.deletionTimestamp) del(p);

  // RollingUpdate: replace out-of-date pods while at most maxUnavailable are not ready.
  if ((ds.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate") {
    const current = eligible.map((n) => (byNode.get(n) ?? [])[0]).filter((p): p is Pod => !!p);
    const maxUnavailable = Math.max(
      1,
      resolveIntOrPercent(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable, eligible.length, true, "1"),
    );
    let budget = maxUnavailable - (eligible.length - current.filter(isReady).length);
    for (const p of current.filter((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH] !== hash)) {
      if (budget <= 0) break;
      del(p);
      budget--;
    }
  }

  const desired = eligible.length;
  const scheduled = eligible.filter((n) => anyByNode.has(n)).length;
  const ready = eligible.filter((n) => (byNode.get(n) ?? []).some(isReady)).length;
  const status: DaemonSetStatus = {
    currentNumberScheduled: scheduled,
    desiredNumberScheduled: desired,
    numberMisscheduled: [...anyByNode.keys()].filter((n) => !eligibleSet.has(n)).length,
    numberReady: ready,
    numberAvailable: ready,
    ...(desired - ready > 0 ? { numberUnavailable: desired - ready } : {}),
    updatedNumberScheduled: eligible.filter((n) =>
      (byNode.get(n) ?? []).some((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH] === hash),
    ).length,
    ...(ds.metadata?.generation !== undefined ? { observedGeneration: ds.metadata.generation } : {}),
    ...(ds.status?.collisionCount !== undefined ? { collisionCount: ds.status.collisionCount } : {}),
  };
  if (differs(status, ds.status))
    actions.push({
      op: "updateStatus",
      resource: "apps/daemonsets",
      namespace: ns,
      object: { ...ds, status },
    });
  return actions;
}
