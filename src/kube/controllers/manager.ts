// The controller manager of every emulated cluster (one per emulator process, started by the
// composition root). It follows the store's change feed — ARM resources and Kubernetes objects
// alike — and turns each change into work-queue keys:
//
//   ARM cluster / pool / scale set / instance / public IP  → nodes of every cluster
//   Deployment, ReplicaSet, ReplicationController,
//   DaemonSet, StatefulSet, Job, CronJob                   → that object (and its owner)
//   Pod                                                    → its controlling owner, scheduler, kubelet
//                                                            (deleted: a Recreate Deployment too)
//   Node                                                   → the cluster's DaemonSets, scheduler, kubelet
//   (a timer, every 10 s)                                  → the cluster's node Leases renewed
//   HPA, Deployment, ReplicaSet, StatefulSet               → the namespace's HPAs
//   Namespace, its default ServiceAccount, kube-root-ca.crt → that namespace's defaults
//   PodDisruptionBudget, Pod                               → the namespace's budgets' status
//   Job finished with ttlSecondsAfterFinished              → the TTL-after-finished controller
//
// A key names one object (`deployment|<cluster>|<ns>|<name>`) or one cluster-wide pass
// (`scheduler|<cluster>`); the queue de-duplicates, so a burst of changes is one run. Each
// run re-reads through KubeApi, calls a pure reconcile (kube/workloads) and writes its
// actions through KubeApi; a conflict re-runs it with backoff. Nothing is remembered between
// runs, so a restart only needs the resync `start` does.

import type { Job } from "kubernetes-types/batch/v1.js";
import type { LabelSelector, ObjectMeta } from "kubernetes-types/meta/v1.js";
import type { ChangeRecord, Store, WatchHandle } from "../../store/types.js";
import { KubeApi } from "../api.js";
import { CRD_KEY } from "../catalog.js";
import { SGC_POD_ANNOTATION } from "../egress/staticGatewayConfiguration.js";
import { KubeError } from "../errors.js";
import type { Resource } from "../workloads/actions.js";
import { selectorMatches } from "../workloads/pods.js";
import { APISERVICE_KEY, syncApiServices } from "./apiServices.js";
import { armClusters } from "./arm.js";
import { ControllerContext } from "./context.js";
import { syncCronJob } from "./cronjob.js";
import { csiNodesKey, syncCsiNodes } from "./csiNodes.js";
import { syncDaemonSet } from "./daemonset.js";
import { syncDeployment } from "./deployment.js";
import { PDB_KEY, syncDisruptionBudgets } from "./disruption.js";
import { GATEWAYSTATUS_KEY, PODENDPOINT_KEY, syncEgressPeers } from "./egressPeers.js";
import { apfKey, syncFlowSchemaStatus } from "./flowSchemas.js";
import { HPA_TRIGGERS, syncHorizontalPodAutoscalers } from "./horizontalPodAutoscaler.js";
import { syncJob } from "./job.js";
import { sweep, syncKubelet } from "./kubelet.js";
import { nodeLeaseKey, renewNodeLeases } from "./nodeLeases.js";
import { syncNodeLifecycle, syncNodes } from "./nodes.js";
import { InProcessQueue, type WorkQueue } from "./queue.js";
import { QUOTA_COUNTED, syncQuotas } from "./quota.js";
import { syncReplicaSet } from "./replicaset.js";
import { syncReplicationController } from "./replicationcontroller.js";
import { syncScheduler } from "./scheduler.js";
import { DEFAULT_SERVICE_ACCOUNT, ROOT_CA_CONFIGMAP, syncNamespaceDefaults } from "./serviceAccounts.js";
import { syncEndpoints, syncServiceLoadBalancers, syncServices } from "./services.js";
import { clusterSource, clusterSources } from "./source.js";
import { syncStatefulSet } from "./statefulset.js";
import {
  listStaticGatewayConfigurations,
  SGC_KEY,
  syncEgressFeature,
  syncStaticGatewayConfiguration,
} from "./staticGatewayConfiguration.js";
import { syncSystem } from "./system.js";
import { syncTaintEviction } from "./taintEviction.js";
import { needsTtlCleanup, syncTtlAfterFinished } from "./ttlAfterFinished.js";
import { podUsesClaims, syncVolumes, VOLUME_KINDS } from "./volumes.js";

type ObjectSync = (ctx: ControllerContext, cluster: string, ns: string, name: string) => Promise<void>;
type Selecting = { spec?: { selector?: LabelSelector | Record<string, string> } };

/**
 * Workload kinds: store key → controller name and sync; `selector` reads a kind whose
 * spec.selector is not a LabelSelector (a ReplicationController's is a label map).
 */
const WORKLOADS: Record<
  string,
  { ctrl: string; kind: string; sync: ObjectSync; selector?: (o: Selecting) => LabelSelector }
> = {
  "apps/deployments": { ctrl: "deployment", kind: "Deployment", sync: syncDeployment },
  "apps/replicasets": { ctrl: "replicaset", kind: "ReplicaSet", sync: syncReplicaSet },
  "core/replicationcontrollers": {
    ctrl: "replicationcontroller",
    kind: "ReplicationController",
    sync: syncReplicationController,
    selector: (o) => ({ matchLabels: { ...(o.spec?.selector as Record<string, string> | undefined) } }),
  },
  "apps/daemonsets": { ctrl: "daemonset", kind: "DaemonSet", sync: syncDaemonSet },
  "apps/statefulsets": { ctrl: "statefulset", kind: "StatefulSet", sync: syncStatefulSet },
  "batch/jobs": { ctrl: "job", kind: "Job", sync: syncJob },
  "batch/cronjobs": { ctrl: "cronjob", kind: "CronJob", sync: syncCronJob },
};
const BY_CTRL = new Map(Object.entries(WORKLOADS).map(([resource, w]) => [w.ctrl, { resource, ...w }]));
const BY_KIND = new Map(Object.entries(WORKLOADS).map(([resource, w]) => [w.kind, { resource, ...w }]));

/** ARM types whose changes can move Nodes (lower-cased id fragments). */
const ARM_NODE_SOURCES = [
  "/providers/microsoft.containerservice/managedclusters/",
  "/providers/microsoft.compute/virtualmachinescalesets/",
  "/providers/microsoft.network/publicipaddresses/",
  "/providers/akshci/clusters/", // AKS on HCI: its VMs are the Nodes
];

/**
 * AKSNET_TRACE_CONTROLLERS=1 logs every run with its duration; =summary prints, at stop, runs
 * and total milliseconds per controller to stderr (debugging, benchmarks).
 */
const TRACE = process.env.AKSNET_TRACE_CONTROLLERS;
const traceTotals = new Map<string, { runs: number; ms: number }>();

/** Coalescing delay for bursts (an ARM reconcile writes many records in a row). */
const BURST_MS = 15;

/** Longest wait for the change feed to catch up before a run. */
const FEED_WAIT_MS = 2000;

export class ControllerManager {
  readonly api: KubeApi;
  readonly queue: WorkQueue;
  private readonly ctx: ControllerContext;
  private watch: WatchHandle | undefined;
  private stopped = false;
  /** Clusters whose pod allocations need a sweep (a pod went away). */
  private readonly dirty = new Set<string>();
  /** The last revision the feed handed over (the cache is current up to it). */
  private feedAt = 0;
  private readonly feedWaiters: { rev: number; done: () => void }[] = [];

  constructor(
    private readonly store: Store,
    private readonly log: (msg: string, err?: unknown) => void = () => undefined,
    queue?: WorkQueue,
  ) {
    this.api = new KubeApi(store, log);
    this.queue =
      queue ??
      new InProcessQueue((k) => this.run(k), {
        log,
        // Conflicts and races are worth another try; anything else is logged and dropped.
        retryable: (e) => !(e instanceof KubeError) || e.code === 409 || e.code >= 500,
      });
    this.ctx = new ControllerContext(this.api, store, this.queue, log);
  }

  async start(): Promise<void> {
    const from = await this.store.currentRevision();
    // Whatever the cache held is from before `from` (or before a lost feed): list again.
    this.ctx.cache.clear();
    this.feedAt = from;
    this.releaseWaiters();
    this.watch = this.store.watch(
      from,
      {},
      (c) => {
        if (TRACE === "summary") {
          const k = `change ${c.resource ?? c.kind} ${c.type}`;
          const cur = traceTotals.get(k) ?? { runs: 0, ms: 0 };
          traceTotals.set(k, { runs: cur.runs + 1, ms: 0 });
        }
        this.ctx.cache.observe(c);
        this.feedAt = c.revision;
        if (this.feedWaiters.length) this.releaseWaiters();
        this.onChange(c);
      },
      (e) => {
        if (this.stopped) return;
        this.log("controller manager: change feed ended; resyncing", e);
        void this.start();
      },
    );
    this.queue.add("nodes-all");
    this.queue.add("resync-all");
  }

  stop(): void {
    if (TRACE === "summary")
      for (const [k, v] of [...traceTotals].sort((a, b) => b[1].ms - a[1].ms))
        process.stderr.write(
          `${k.padEnd(36)} ${String(v.runs).padStart(7)} runs ${v.ms.toFixed(0).padStart(8)} ms\n`,
        );
    this.stopped = true;
    this.watch?.close();
    this.queue.stop();
    this.ctx.clearTimers();
    this.feedAt = Number.POSITIVE_INFINITY;
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    for (let i = this.feedWaiters.length - 1; i >= 0; i--)
      if (this.feedWaiters[i].rev <= this.feedAt) this.feedWaiters.splice(i, 1)[0].done();
  }

  /**
   * Read-your-writes for the cache: a run starts once the feed has handed over everything
   * committed so far (its own earlier writes included). Bounded: a feed that lags for long is
   * not waited for (writes stay optimistic, so a stale read costs a retry).
   */
  private async caughtUp(): Promise<void> {
    const rev = await this.store.currentRevision();
    if (this.feedAt >= rev) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, FEED_WAIT_MS);
      this.feedWaiters.push({
        rev,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Resolves when every queued key has run (tests, benchmarks). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private onChange(c: ChangeRecord): void {
    if (c.kind === "arm") {
      if (ARM_NODE_SOURCES.some((s) => c.key.includes(s))) this.queue.add("nodes-all", BURST_MS);
      if (c.key.includes(ARM_NODE_SOURCES[0])) this.queue.add("egress-all", BURST_MS); // the CRD follows the flag
      return;
    }
    if (c.kind !== "kube" || !c.cluster || !c.resource) return;
    const cluster = c.cluster;
    const ns = c.namespace ?? "";
    if (c.resource === "core/resourcequotas" || (QUOTA_COUNTED as Set<string>).has(c.resource))
      this.queue.add(`quota|${cluster}|${ns}`, BURST_MS);
    // The key ends in the name (names hold no "/"): most changes route without parsing the object.
    const name = c.key.slice(c.key.lastIndexOf("/") + 1);
    const ownerKey = () => {
      const m = c.object.metadata as
        | {
            ownerReferences?: { kind?: string; name?: string; controller?: boolean }[];
            deletionTimestamp?: string;
          }
        | undefined;
      const owner = m?.ownerReferences?.find((r) => r.controller);
      const w = owner?.kind ? BY_KIND.get(owner.kind) : undefined;
      if (w && owner?.name) this.queue.add(`${w.ctrl}|${cluster}|${ns}|${owner.name}`, BURST_MS);
      // An orphan (a bare pod, a ReplicaSet left by --cascade=orphan): whoever selects it adopts it.
      else if (!owner && c.type !== "DELETED" && !m?.deletionTimestamp)
        this.queue.add(`adopt|${cluster}|${ns}`, BURST_MS);
    };
    if (HPA_TRIGGERS.has(c.resource)) this.queue.add(`hpa|${cluster}|${ns}`, BURST_MS);
    // Autoregister and availability: the served groups, and the services APIServices name.
    if (
      c.resource === APISERVICE_KEY ||
      c.resource === CRD_KEY ||
      (ns === "kube-system" && (c.resource === "core/endpoints" || c.resource === "core/services"))
    )
      this.queue.add(`apiservices|${cluster}`, BURST_MS);
    // The disruption controller follows its budgets and the namespace's pods.
    if (c.resource === PDB_KEY || c.resource === "core/pods")
      this.queue.add(`pdb|${cluster}|${ns}`, BURST_MS);
    if (c.resource === "batch/jobs" && c.type !== "DELETED" && needsTtlCleanup(c.object as Job))
      this.queue.add(`ttl|${cluster}|${ns}|${name}`, BURST_MS);
    const w = WORKLOADS[c.resource];
    if (w) {
      this.queue.add(`${w.ctrl}|${cluster}|${ns}|${name}`, BURST_MS);
      ownerKey();
      return;
    }
    // Claims and volumes: the PV controller's pass; pods waiting for a claim are scheduled again.
    if (VOLUME_KINDS.has(c.resource)) {
      this.queue.add(`volumes|${cluster}`, BURST_MS);
      this.queue.add(`scheduler|${cluster}`, BURST_MS);
      return;
    }
    if (c.resource === "core/services") {
      this.queue.add(`endpoints|${cluster}|${ns}|${name}`, BURST_MS);
      this.queue.add(`service-lb|${cluster}`, BURST_MS);
      if (c.type === "DELETED") this.queue.add(`services|${cluster}`, BURST_MS);
      return;
    }
    // The serviceaccount controller and root-ca-cert-publisher follow their objects.
    if (
      (c.resource === "core/namespaces" && c.type !== "DELETED") ||
      (c.resource === "core/serviceaccounts" && c.type === "DELETED" && name === DEFAULT_SERVICE_ACCOUNT) ||
      (c.resource === "core/configmaps" && name === ROOT_CA_CONFIGMAP)
    ) {
      this.queue.add(`ns-defaults|${cluster}|${c.resource === "core/namespaces" ? name : ns}`, BURST_MS);
      return;
    }
    if (c.resource === SGC_KEY) {
      this.queue.add(`sgc|${cluster}|${ns}|${name}`, BURST_MS);
      this.queue.add(`kubelet|${cluster}`, BURST_MS); // annotated pods wait for its prefix
      this.queue.add(`egress-peers|${cluster}`, BURST_MS);
      return;
    }
    if (c.resource === PODENDPOINT_KEY || c.resource === GATEWAYSTATUS_KEY) {
      this.queue.add(`egress-peers|${cluster}`, BURST_MS);
      return;
    }
    if (c.resource === "core/pods") {
      const annotations = (c.object.metadata as { annotations?: Record<string, string> } | undefined)
        ?.annotations;
      if (annotations?.[SGC_POD_ANNOTATION]) this.queue.add(`egress-peers|${cluster}`, BURST_MS);
      if (podUsesClaims(c.object)) this.queue.add(`volumes|${cluster}`, BURST_MS); // pvc-protection
      this.queue.add(`endpoints-ns|${cluster}|${ns}`, BURST_MS);
      ownerKey();
      // deletePod: a Recreate Deployment waits for its old pods to be gone, a change no
      // ReplicaSet status shows (a terminating pod no longer counts there).
      if (c.type === "DELETED") {
        const owner = (
          c.object.metadata as { ownerReferences?: { kind?: string; name?: string; controller?: boolean }[] }
        )?.ownerReferences?.find((r) => r.controller);
        if (owner?.kind === "ReplicaSet" && owner.name)
          this.queue.add(`recreate-pod-gone|${cluster}|${ns}|${owner.name}`, BURST_MS);
      }
      this.queue.add(`scheduler|${cluster}`, BURST_MS);
      this.queue.add(`kubelet|${cluster}`, BURST_MS);
      this.queue.add(`taint-eviction|${cluster}`, BURST_MS);
      if (c.type === "DELETED") this.dirty.add(cluster);
      return;
    }
    // A node's heartbeat Lease deleted: its kubelet writes it again.
    if (c.resource === "coordination.k8s.io/leases" && ns === "kube-node-lease" && c.type === "DELETED") {
      this.queue.add(`node-lifecycle|${cluster}`, BURST_MS);
      return;
    }
    if (
      c.resource === "flowcontrol.apiserver.k8s.io/flowschemas" ||
      c.resource === "flowcontrol.apiserver.k8s.io/prioritylevelconfigurations"
    ) {
      this.queue.add(apfKey(cluster), BURST_MS);
      return;
    }
    // A kubelet registers its CSINode again when it goes.
    if (c.resource === "storage.k8s.io/csinodes" && c.type === "DELETED") {
      this.queue.add(csiNodesKey(cluster), BURST_MS);
      return;
    }
    if (c.resource === "core/nodes") {
      // A gateway pool that scaled: every configuration re-applies (ip configurations, public IPs).
      if (c.type !== "MODIFIED") {
        this.queue.add(csiNodesKey(cluster), BURST_MS);
        this.queue.add(`sgc-all|${cluster}`, BURST_MS);
        this.queue.add(`egress-peers|${cluster}`, BURST_MS);
      }
      this.queue.add(`service-lb|${cluster}`, BURST_MS);
      this.queue.add(`daemonsets|${cluster}`, BURST_MS);
      this.queue.add(`scheduler|${cluster}`, BURST_MS);
      this.queue.add(`kubelet|${cluster}`, BURST_MS);
      this.queue.add(`node-lifecycle|${cluster}`, BURST_MS);
      this.queue.add(`taint-eviction|${cluster}`, BURST_MS);
    }
  }

  /** Queues the controllers whose selector matches an orphan of the namespace (they adopt it). */
  private async adopters(cluster: string, ns: string): Promise<void> {
    type Owned = { metadata?: ObjectMeta } & Selecting;
    const orphans = async (resource: Resource) =>
      (await this.ctx.list<Owned>(cluster, resource, ns)).filter(
        (o) => !o.metadata?.deletionTimestamp && !o.metadata?.ownerReferences?.some((r) => r.controller),
      );
    const claim = async (children: Owned[], owners: Resource[]) => {
      if (!children.length) return;
      for (const resource of owners) {
        const w = WORKLOADS[resource];
        for (const o of await this.ctx.list<Owned>(cluster, resource, ns)) {
          const selector = w.selector ? w.selector(o) : (o.spec?.selector as LabelSelector | undefined);
          if (children.some((p) => selectorMatches(selector, p.metadata?.labels)))
            this.queue.add(`${w.ctrl}|${cluster}|${ns}|${o.metadata?.name ?? ""}`);
        }
      }
    };
    await claim(await orphans("core/pods"), [
      "apps/replicasets",
      "core/replicationcontrollers",
      "apps/statefulsets",
    ]);
    await claim(await orphans("apps/replicasets"), ["apps/deployments"]);
  }

  private async run(key: string): Promise<void> {
    await this.caughtUp();
    if (!TRACE) return this.runKey(key);
    const t0 = performance.now();
    try {
      await this.runKey(key);
    } finally {
      const ms = performance.now() - t0;
      if (TRACE === "summary") {
        const k = key.split("|")[0];
        const cur = traceTotals.get(k) ?? { runs: 0, ms: 0 };
        traceTotals.set(k, { runs: cur.runs + 1, ms: cur.ms + ms });
      } else this.log(`controller ${key} ${ms.toFixed(1)} ms`);
    }
  }

  private async runKey(key: string): Promise<void> {
    const [ctrl, cluster = "", ns = "", name = ""] = key.split("|");
    const ctx = this.ctx;
    // A deleted cluster's objects are being swept (kube/sweep.ts): no controller recreates them.
    if (cluster && !ctrl.endsWith("-all") && !(await this.store.read((tx) => clusterSource(tx, cluster))))
      return;
    switch (ctrl) {
      case "nodes-all":
        for (const c of await this.store.read((tx) => clusterSources(tx))) this.queue.add(`nodes|${c.uid}`);
        return;
      case "resync-all":
        for (const c of await this.store.read((tx) => clusterSources(tx))) this.queue.add(`resync|${c.uid}`);
        return;
      case "nodes":
        if (await syncNodes(ctx, cluster)) {
          this.queue.add(`system|${cluster}`);
          this.queue.add(`services|${cluster}`);
          this.queue.add(`daemonsets|${cluster}`);
        }
        return;
      case "system":
        await syncSystem(ctx, cluster);
        this.queue.add(`apiservices|${cluster}`);
        return;
      case "apiservices":
        return syncApiServices(ctx, cluster);
      case "node-lifecycle":
        return syncNodeLifecycle(ctx, cluster);
      case "node-leases":
        return renewNodeLeases(ctx, cluster);
      case "apf":
        return syncFlowSchemaStatus(ctx, cluster);
      case "csi-nodes": {
        const source = await this.store.read((tx) => clusterSource(tx, cluster));
        return source ? syncCsiNodes(ctx, cluster, source.platform) : undefined;
      }
      case "taint-eviction":
        return syncTaintEviction(ctx, cluster);
      case "egress-all":
        for (const c of await this.store.read((tx) => armClusters(tx))) this.queue.add(`egress|${c.uid}`);
        return;
      case "egress":
        return syncEgressFeature(ctx, cluster);
      case "sgc":
        return syncStaticGatewayConfiguration(ctx, cluster, ns, name);
      case "egress-peers":
        return syncEgressPeers(ctx, cluster);
      case "sgc-all":
        for (const o of await listStaticGatewayConfigurations(ctx, cluster))
          this.queue.add(`sgc|${cluster}|${o.namespace}|${o.name}`);
        return;
      case "resync": {
        // Everything of the cluster once (start, lost feed): objects, then the passes.
        await this.api.ensureCluster(cluster);
        for (const [resource, wl] of Object.entries(WORKLOADS))
          for (const o of await ctx.list<{ metadata?: { namespace?: string; name?: string } }>(
            cluster,
            resource as never,
          ))
            this.queue.add(`${wl.ctrl}|${cluster}|${o.metadata?.namespace ?? ""}|${o.metadata?.name ?? ""}`);
        for (const j of await ctx.list<Job>(cluster, "batch/jobs"))
          if (needsTtlCleanup(j))
            this.queue.add(`ttl|${cluster}|${j.metadata?.namespace ?? ""}|${j.metadata?.name ?? ""}`);
        for (const o of await ctx.list<{ metadata?: { namespace?: string; name?: string } }>(
          cluster,
          "core/services",
        ))
          this.queue.add(`endpoints|${cluster}|${o.metadata?.namespace ?? ""}|${o.metadata?.name ?? ""}`);
        for (const o of await ctx.list<{ metadata?: { namespace?: string } }>(cluster, "core/resourcequotas"))
          this.queue.add(`quota|${cluster}|${o.metadata?.namespace ?? ""}`);
        for (const o of await ctx.list<{ metadata?: { name?: string } }>(cluster, "core/namespaces")) {
          this.queue.add(`ns-defaults|${cluster}|${o.metadata?.name ?? ""}`);
          this.queue.add(`pdb|${cluster}|${o.metadata?.name ?? ""}`);
        }
        this.queue.add(`hpa|${cluster}|`);
        this.queue.add(`apiservices|${cluster}`);
        this.queue.add(`taint-eviction|${cluster}`);
        this.queue.add(csiNodesKey(cluster));
        this.queue.add(apfKey(cluster));
        this.queue.add(nodeLeaseKey(cluster)); // the heartbeat, on its own timer from here
        this.queue.add(`services|${cluster}`);
        this.queue.add(`service-lb|${cluster}`);
        this.queue.add(`egress|${cluster}`);
        for (const o of await listStaticGatewayConfigurations(ctx, cluster))
          this.queue.add(`sgc|${cluster}|${o.namespace}|${o.name}`);
        this.queue.add(`egress-peers|${cluster}`);
        this.queue.add(`volumes|${cluster}`);
        this.dirty.add(cluster);
        this.queue.add(`scheduler|${cluster}`);
        this.queue.add(`kubelet|${cluster}`);
        return;
      }
      case "daemonsets":
        for (const ds of await ctx.list<{ metadata?: { namespace?: string; name?: string } }>(
          cluster,
          "apps/daemonsets",
        ))
          this.queue.add(`daemonset|${cluster}|${ds.metadata?.namespace ?? ""}|${ds.metadata?.name ?? ""}`);
        return;
      case "services":
        return syncServices(ctx, cluster);
      case "endpoints":
        return syncEndpoints(ctx, cluster, ns, name);
      case "endpoints-ns":
        for (const o of await ctx.list<{ metadata?: { name?: string } }>(cluster, "core/services", ns))
          this.queue.add(`endpoints|${cluster}|${ns}|${o.metadata?.name ?? ""}`);
        return;
      case "service-lb":
        return syncServiceLoadBalancers(ctx, cluster);
      case "quota":
        return syncQuotas(ctx, cluster, ns);
      case "adopt":
        return this.adopters(cluster, ns);
      case "recreate-pod-gone": {
        type Owned = {
          metadata?: { ownerReferences?: { kind?: string; name?: string; controller?: boolean }[] };
          spec?: { strategy?: { type?: string } };
        };
        const rs = await ctx.get<Owned>(cluster, "apps/replicasets", ns, name);
        const owner = rs?.metadata?.ownerReferences?.find((r) => r.controller);
        if (owner?.kind !== "Deployment" || !owner.name) return;
        const d = await ctx.get<Owned>(cluster, "apps/deployments", ns, owner.name);
        if (d?.spec?.strategy?.type === "Recreate")
          this.queue.add(`deployment|${cluster}|${ns}|${owner.name}`);
        return;
      }
      case "ns-defaults":
        return syncNamespaceDefaults(ctx, cluster, ns);
      case "pdb":
        return syncDisruptionBudgets(ctx, cluster, ns);
      case "hpa":
        return syncHorizontalPodAutoscalers(ctx, cluster, ns);
      case "ttl":
        return syncTtlAfterFinished(ctx, cluster, ns, name);
      case "volumes":
        return syncVolumes(ctx, cluster);
      case "scheduler":
        return syncScheduler(ctx, cluster);
      case "kubelet":
        if (this.dirty.delete(cluster)) await sweep(ctx, cluster);
        return syncKubelet(ctx, cluster);
      default: {
        const w = BY_CTRL.get(ctrl);
        if (w) return w.sync(ctx, cluster, ns, name);
        this.log(`controller manager: unknown work key ${key}`);
      }
    }
  }
}
