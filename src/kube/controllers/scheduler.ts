// kube-scheduler: every unbound pod, oldest first, against the Nodes and what is bound to them
// (workloads/scheduler.ts filters and scores), from the informer cache. A fit is bound through
// the binding subresource (which sets PodScheduled=True) and gets the `Scheduled` event; no fit
// leaves the pod Pending with PodScheduled=False and a `FailedScheduling` event, written once
// per distinct message (kube-scheduler de-duplicates too). Decisions are made for a batch of
// pods in memory (each bound pod counted on its node before the next decision), then written
// in one transaction. DefaultSelector (default topology spreading) reads the cached Services,
// ReplicaSets and StatefulSets; ReplicationControllers are listed only when a pending pod has one.
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
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import type { KubeError } from "../errors.js";
import { STAGES } from "../workloads/kubelet.js";
import { NodeView, schedule } from "../workloads/scheduler.js";
import type { SpreadOwners } from "../workloads/topologySpread.js";
import {
  claimNames,
  type PodVolumeCheck,
  podVolumeCheck,
  SELECTED_NODE,
  type VolumeWorld,
} from "../workloads/volumes.js";
import { recordOf } from "./cache.js";
import { BATCH_WRITES, type ControllerContext, SCHEDULER_W } from "./context.js";
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
  const pending = pods
    .filter(
      (p) =>
        !p.spec?.nodeName &&
        !p.metadata?.deletionTimestamp &&
        (p.status?.phase ?? "Pending") === "Pending" &&
        (p.spec?.schedulerName ?? DEFAULT_SCHEDULER) === DEFAULT_SCHEDULER,
    )
    .sort(
      (a, b) =>
        (a.metadata?.creationTimestamp ?? "").localeCompare(b.metadata?.creationTimestamp ?? "") ||
        (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""),
    );
  // Nothing to place (most runs: the kubelet's status writes queue the scheduler too).
  if (!pending.length) return;
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
  let conflict: KubeError | undefined;
  for (let i = 0; i < pending.length; i += BATCH_WRITES) {
    const now = ctx.now();
    const decisions: { pod: Pod; node?: string; message?: string; volumes?: PodVolumeCheck }[] = [];
    for (const p of pending.slice(i, i + BATCH_WRITES)) {
      let r: ReturnType<typeof schedule>;
      let volumes: PodVolumeCheck | undefined;
      try {
        volumes = world && podVolumeCheck(p, world);
        r = schedule(p, infos, version, volumes);
      } catch (err) {
        // One pod the scheduler cannot read must not stop every other pod of the cluster.
        ctx.log(`scheduler skipped pod ${p.metadata?.namespace}/${p.metadata?.name}`, err);
        continue;
      }
      if (r.node === undefined) {
        const cond = p.status?.conditions?.find((x) => x.type === "PodScheduled");
        if (cond?.status === "False" && cond.message === r.message) continue;
        decisions.push({ pod: p, message: r.message });
        continue;
      }
      view.bind(p, r.node);
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
        const wrote = await w.attempt(() =>
          node === undefined
            ? ctx.api.updateTx(
                w.tx,
                cluster,
                podType,
                ns,
                name,
                { ...d.pod, status: out.status },
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
