// kube-scheduler: every unbound pod, highest priority first then oldest (PrioritySort), against
// the Nodes and what is bound to them (workloads/scheduler.ts filters and scores), from the
// informer cache. A fit is bound through the binding subresource (which sets PodScheduled=True)
// and gets the `Scheduled` event; no fit leaves the pod Pending with PodScheduled=False and a
// `FailedScheduling` event, written once per distinct message (kube-scheduler de-duplicates
// too). A pod no node took may preempt (workloads/preemption.ts): its victims get the
// DisruptionTarget condition, a graceful delete and a `Preempted` event, the pod
// `status.nominatedNodeName`, and it binds there on a later pass once they are gone. The
// PodDisruptionBudgets are read only in a pass where some pending pod outranks a bound one or
// holds a nomination. Decisions are made for a batch of pods in memory (each bound pod counted
// on its node before the next decision), then written in one transaction. DefaultSelector
// (default topology spreading) reads the cached Services, ReplicaSets and StatefulSets;
// ReplicationControllers are listed only when a pending pod has one.
import type { ReplicaSet, StatefulSet } from "kubernetes-types/apps/v1.js";
import type {
  Namespace,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  ReplicationController,
  Service,
} from "kubernetes-types/core/v1.js";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js";
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import type { KubeError } from "../errors.js";
import { STAGES } from "../workloads/kubelet.js";
import { mayPreempt, Preemption, preemptedEvent, victimStatus } from "../workloads/preemption.js";
import {
  type Cycle,
  NodeView,
  Nominations,
  occupiesNode,
  podPriority,
  queueOrder,
  schedule,
  versionMinor,
} from "../workloads/scheduler.js";
import type { SpreadOwners } from "../workloads/topologySpread.js";
import {
  claimNames,
  type PodVolumeCheck,
  podVolumeCheck,
  SELECTED_NODE,
  type VolumeWorld,
} from "../workloads/volumes.js";
import { recordOf } from "./cache.js";
import { BATCH_WRITES, type BatchWriter, type ControllerContext, SCHEDULER_W } from "./context.js";
import { clusterSource } from "./source.js";

/** The profile this scheduler serves (spec.schedulerName's default). */
const DEFAULT_SCHEDULER = "default-scheduler";

/** Per controller manager and cluster, the node view kept between passes. */
const views = new WeakMap<ControllerContext, Map<string, NodeView>>();

function viewOf(ctx: ControllerContext, cluster: string): NodeView {
  let byCluster = views.get(ctx);
  if (!byCluster) {
    byCluster = new Map();
    views.set(ctx, byCluster);
  }
  let view = byCluster.get(cluster);
  if (!view) {
    view = new NodeView();
    byCluster.set(cluster, view);
  }
  return view;
}

export async function syncScheduler(ctx: ControllerContext, cluster: string): Promise<void> {
  const c = await ctx.store.read((tx) => clusterSource(tx, cluster));
  if (!c) {
    views.get(ctx)?.delete(cluster);
    return;
  }
  const version = `v${c.version}`;
  const nodes = await ctx.list<Node>(cluster, "core/nodes");
  const pods = await ctx.list<Pod>(cluster, "core/pods");
  // Pods naming another scheduler are that scheduler's (they wait, as with kube-scheduler).
  // One walk also finds the lowest priority bound: only pods above it can preempt.
  const pending: Pod[] = [];
  let floor = Number.POSITIVE_INFINITY;
  for (const p of pods) {
    if (occupiesNode(p)) floor = Math.min(floor, podPriority(p));
    else if (
      !p.spec?.nodeName &&
      !p.metadata?.deletionTimestamp &&
      (p.status?.phase ?? "Pending") === "Pending" &&
      (p.spec?.schedulerName ?? DEFAULT_SCHEDULER) === DEFAULT_SCHEDULER
    )
      pending.push(p);
  }
  // Nothing to place (most runs: the kubelet's status writes queue the scheduler too).
  if (!pending.length) return;
  pending.sort(queueOrder);
  // Pods waiting on the room their preemption makes; DefaultPreemption when a pod may preempt
  // or a nomination may have to go.
  const nominations = new Nominations();
  for (const p of pending) if (p.status?.nominatedNodeName) nominations.set(p, p.status.nominatedNodeName);
  const cycle: Cycle = { nominations };
  if (nominations.size || pending.some((p) => mayPreempt(p, floor)))
    cycle.postFilter = new Preemption(pods, await budgets(ctx, cluster), version, Date.now(), floor);
  const view = viewOf(ctx, cluster);
  const infos = view.current(nodes, pods, await spreadOwners(ctx, cluster, pending));
  // Pod affinity terms may select namespaces by their labels.
  infos.namespaces = new Map(
    (await ctx.list<Namespace>(cluster, "core/namespaces")).map((n) => [
      n.metadata?.name ?? "",
      n.metadata?.labels,
    ]),
  );
  const podType = await ctx.type(cluster, "core/pods");
  const eventType = await ctx.type(cluster, "core/events");
  // VolumeBinding reads claims, volumes and classes only when a pending pod names a claim.
  const world = pending.some((p) => claimNames(p).length) ? await volumeWorld(ctx, cluster) : undefined;
  const claimType = world ? await ctx.type(cluster, "core/persistentvolumeclaims") : undefined;
  // PreemptPod for each victim: DisruptionTarget (PodDisruptionConditions, 1.26+), a graceful
  // delete of that very pod, then the event. A victim that changed or went meanwhile is left
  // to the next pass (the conflict re-runs it).
  const minor = versionMinor(version);
  const preempt = async (w: BatchWriter, preemptor: Pod, victims: readonly Pod[], node: string) => {
    let first: KubeError | undefined;
    const now = ctx.now();
    for (const v of victims) {
      const ns = v.metadata?.namespace ?? "default";
      const name = v.metadata?.name ?? "";
      if (minor >= 26) {
        const marked = await w.attempt(() =>
          ctx.api.updateTx(
            w.tx,
            cluster,
            podType,
            ns,
            name,
            { ...v, status: victimStatus(v, preemptor, now) },
            SCHEDULER_W,
            "status",
          ),
        );
        if (marked instanceof Error) {
          first ??= marked;
          continue;
        }
      }
      const uid = v.metadata?.uid;
      const deleted = await w.attempt(() =>
        ctx.api.deleteTx(w.tx, cluster, podType, ns, name, uid ? { preconditions: { uid } } : {}),
      );
      if (deleted instanceof Error) {
        first ??= deleted;
        continue;
      }
      await w.attempt(() =>
        ctx.api.createTx(
          w.tx,
          cluster,
          eventType,
          ns,
          preemptedEvent(v, preemptor, node, version, now),
          SCHEDULER_W,
        ),
      );
    }
    return first;
  };
  let conflict: KubeError | undefined;
  for (let i = 0; i < pending.length; i += BATCH_WRITES) {
    const now = ctx.now();
    const decisions: {
      pod: Pod;
      node?: string;
      message?: string;
      volumes?: PodVolumeCheck;
      nominated?: string;
      victims?: Pod[];
    }[] = [];
    for (const p of pending.slice(i, i + BATCH_WRITES)) {
      let r: ReturnType<typeof schedule>;
      let volumes: PodVolumeCheck | undefined;
      try {
        volumes = world && podVolumeCheck(p, world);
        r = schedule(p, infos, version, volumes, cycle);
      } catch (err) {
        // One pod the scheduler cannot read must not stop every other pod of the cluster.
        ctx.log(`scheduler skipped pod ${p.metadata?.namespace}/${p.metadata?.name}`, err);
        continue;
      }
      if (r.node === undefined) {
        if (r.nominatedNode !== undefined) nominations.set(p, r.nominatedNode || undefined);
        // Lower-priority pods nominated where this one preempts lose their nomination
        // (prepareCandidate); they come later in this pass and write it.
        if (r.victims && r.nominatedNode)
          for (const q of nominations.on(r.nominatedNode))
            if (podPriority(q) < podPriority(p)) nominations.delete(q);
        const nominated = nominations.nodeFor(p);
        const cond = p.status?.conditions?.find((x) => x.type === "PodScheduled");
        if (
          cond?.status === "False" &&
          cond.message === r.message &&
          (p.status?.nominatedNodeName || undefined) === nominated &&
          !r.victims
        )
          continue;
        decisions.push({ pod: p, message: r.message, nominated, victims: r.victims });
        continue;
      }
      view.bind(p, r.node);
      nominations.delete(p);
      decisions.push({ pod: p, node: r.node, volumes });
    }
    if (!decisions.length) continue;
    const failed = await ctx.batch(cluster, async (w) => {
      let first: KubeError | undefined;
      for (const d of decisions) {
        const ns = d.pod.metadata?.namespace ?? "default";
        const name = d.pod.metadata?.name ?? "";
        const out =
          d.node === undefined
            ? STAGES.Unschedulable({ pod: d.pod, version, now, message: d.message })
            : STAGES.Scheduled({ pod: d.pod, node: d.node, version, now });
        const node = d.node;
        if (d.victims && d.nominated) first ??= await preempt(w, d.pod, d.victims, d.nominated);
        const wrote = await w.attempt(() =>
          node === undefined
            ? ctx.api.updateTx(
                w.tx,
                cluster,
                podType,
                ns,
                name,
                {
                  ...d.pod,
                  status: { ...out.status, ...(d.nominated ? { nominatedNodeName: d.nominated } : {}) },
                },
                SCHEDULER_W,
                "status",
              )
            : ctx.api.bindTx(
                w.tx,
                cluster,
                podType,
                ns,
                name,
                node,
                SCHEDULER_W,
                recordOf(cluster, "core/pods", d.pod),
              ),
        );
        if (wrote instanceof Error) {
          first ??= wrote; // bound meanwhile, gone, or changed: the next pass sees it
          continue;
        }
        // Claims waiting for their first consumer learn its node (the provisioner's zone).
        for (const c of d.volumes?.waiting ?? []) {
          if (node === undefined || !claimType || c.metadata?.annotations?.[SELECTED_NODE] === node) continue;
          const annotated: PersistentVolumeClaim = {
            ...c,
            metadata: { ...c.metadata, annotations: { ...c.metadata?.annotations, [SELECTED_NODE]: node } },
          };
          const set = await w.attempt(() =>
            ctx.api.updateTx(w.tx, cluster, claimType, ns, c.metadata?.name ?? "", annotated, SCHEDULER_W),
          );
          if (set instanceof Error) first ??= set;
        }
        for (const e of out.events)
          await w.attempt(() => ctx.api.createTx(w.tx, cluster, eventType, ns, e, SCHEDULER_W));
      }
      return first;
    });
    conflict ??= failed;
  }
  if (conflict && conflict.code !== 404) throw conflict;
}

/** Every PodDisruptionBudget of the cluster (DefaultPreemption's lister). */
async function budgets(ctx: ControllerContext, cluster: string): Promise<PodDisruptionBudget[]> {
  const t = await ctx.api.find(cluster, "policy", "v1", "poddisruptionbudgets");
  if (!t) return [];
  return (await ctx.api.list(cluster, t, undefined, {})).items as PodDisruptionBudget[];
}

/** The informers DefaultSelector reads, indexed by namespace/name. */
async function spreadOwners(
  ctx: ControllerContext,
  cluster: string,
  pending: readonly Pod[],
): Promise<SpreadOwners> {
  const byNs = <T extends { metadata?: { namespace?: string; name?: string } }>(items: readonly T[]) => {
    const m = new Map<string, T[]>();
    for (const o of items) {
      const ns = o.metadata?.namespace ?? "default";
      const list = m.get(ns);
      if (list) list.push(o);
      else m.set(ns, [o]);
    }
    return m;
  };
  const named = <T extends { metadata?: { namespace?: string; name?: string } }>(items: readonly T[]) =>
    new Map(items.map((o) => [`${o.metadata?.namespace ?? "default"}/${o.metadata?.name ?? ""}`, o]));
  const services = byNs(await ctx.list<Service>(cluster, "core/services"));
  const replicaSets = named(await ctx.list<ReplicaSet>(cluster, "apps/replicasets"));
  const statefulSets = named(await ctx.list<StatefulSet>(cluster, "apps/statefulsets"));
  let rcs = new Map<string, ReplicationController>();
  if (
    pending.some((p) =>
      p.metadata?.ownerReferences?.some((o) => o.controller && o.kind === "ReplicationController"),
    )
  ) {
    const t = await ctx.api.find(cluster, "", "v1", "replicationcontrollers");
    if (t) rcs = named((await ctx.api.list(cluster, t, undefined, {})).items as ReplicationController[]);
  }
  return {
    services: (ns) => services.get(ns) ?? [],
    replicaSet: (ns, name) => replicaSets.get(`${ns}/${name}`),
    statefulSet: (ns, name) => statefulSets.get(`${ns}/${name}`),
    replicationController: (ns, name) => rcs.get(`${ns}/${name}`),
  };
}

/** The claims, volumes and classes VolumeBinding reads. */
async function volumeWorld(ctx: ControllerContext, cluster: string): Promise<VolumeWorld> {
  const claims = await ctx.list<PersistentVolumeClaim>(cluster, "core/persistentvolumeclaims");
  const volumes = await ctx.list<PersistentVolume>(cluster, "core/persistentvolumes");
  const classes = await ctx.list<StorageClass>(cluster, "storage.k8s.io/storageclasses");
  return {
    claims: new Map(claims.map((c) => [`${c.metadata?.namespace}/${c.metadata?.name}`, c])),
    volumes: new Map(volumes.map((v) => [v.metadata?.name ?? "", v])),
    classes: new Map(classes.map((c) => [c.metadata?.name ?? "", c])),
  };
}
