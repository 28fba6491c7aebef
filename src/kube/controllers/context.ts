// What every controller gets: the cluster's API (the same KubeApi semantics the wire uses, so
// resourceVersion, validation, admission and watch events are the real ones), typed reads, and
// `apply`, which writes a pure controller's Actions in order.
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Event, Pod } from "kubernetes-types/core/v1.js";
import type { Store, Tx } from "../../store/types.js";
import type { KubeApi, Obj, WriteOptions } from "../api.js";
import type { ResourceType } from "../catalog.js";
import { KubeError } from "../errors.js";
import { nowRfc3339 } from "../time.js";
import type { Action, KubeObject, Resource } from "../workloads/actions.js";
import { type Correlated, EventCorrelator } from "../workloads/eventCorrelator.js";
import { eventName } from "../workloads/events.js";
import type { Rng } from "../workloads/names.js";
import { CACHED, ObjectCache } from "./cache.js";
import type { WorkQueue } from "./queue.js";

/** group, version, plural of the store keys the controllers write. */
const GVP: Record<Resource, [string, string, string]> = {
  "core/namespaces": ["", "v1", "namespaces"],
  "core/nodes": ["", "v1", "nodes"],
  "core/pods": ["", "v1", "pods"],
  "core/events": ["", "v1", "events"],
  "core/services": ["", "v1", "services"],
  "core/configmaps": ["", "v1", "configmaps"],
  "core/secrets": ["", "v1", "secrets"],
  "core/serviceaccounts": ["", "v1", "serviceaccounts"],
  "core/resourcequotas": ["", "v1", "resourcequotas"],
  "core/persistentvolumeclaims": ["", "v1", "persistentvolumeclaims"],
  "core/persistentvolumes": ["", "v1", "persistentvolumes"],
  "core/replicationcontrollers": ["", "v1", "replicationcontrollers"],
  "storage.k8s.io/storageclasses": ["storage.k8s.io", "v1", "storageclasses"],
  "apps/deployments": ["apps", "v1", "deployments"],
  "apps/replicasets": ["apps", "v1", "replicasets"],
  "apps/daemonsets": ["apps", "v1", "daemonsets"],
  "apps/statefulsets": ["apps", "v1", "statefulsets"],
  "apps/controllerrevisions": ["apps", "v1", "controllerrevisions"],
  "batch/jobs": ["batch", "v1", "jobs"],
  "batch/cronjobs": ["batch", "v1", "cronjobs"],
  "coordination.k8s.io/leases": ["coordination.k8s.io", "v1", "leases"],
  "policy/poddisruptionbudgets": ["policy", "v1", "poddisruptionbudgets"],
};

/**
 * Field managers, named as the real components name themselves (what `kubectl get
 * --show-managed-fields` shows on AKS): the controllers run in kube-controller-manager, the
 * pod status and the kubelet's events are the kubelet's, an unschedulable pod's condition and
 * the scheduling events kube-scheduler's.
 */
export const MANAGERS = {
  controllers: "kube-controller-manager",
  kubelet: "kubelet",
  scheduler: "kube-scheduler",
} as const;
/** Write options of a controller's writes (its field manager). */
export const W = { fieldManager: MANAGERS.controllers };
/** Write options of the simulated kubelet's writes. */
export const KUBELET_W = { fieldManager: MANAGERS.kubelet };
/** Write options of the scheduler's writes (PodScheduled=False, its events). */
export const SCHEDULER_W = { fieldManager: MANAGERS.scheduler };

/**
 * Writes per store transaction in a controller's batch: one commit (one change-feed wake-up,
 * one fsync on a file) for many objects, yet short enough that a kubectl write waiting for
 * the writer never waits long.
 */
export const BATCH_WRITES = 100;

/** setTimeout's longest delay (2^31 − 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Longest run of writes inside one batch before it lets the event loop take a turn. */
const SLICE_MS = 20;

/** What one batch writes with: the transaction, and the API's in-transaction writes. */
export interface BatchWriter {
  tx: Tx;
  /** Runs one write; a KubeError is returned (that object's answer), anything else aborts the batch. */
  attempt<T>(write: () => Promise<T>): Promise<T | KubeError>;
}

export class ControllerContext {
  readonly rng: Rng = { next: Math.random };
  readonly cache: ObjectCache;
  /** The event recorder's correlation state (in memory, as in each real component). */
  readonly events = new EventCorrelator();
  /** Built-in types never change within a cluster: looked up once. */
  private readonly types = new Map<string, ResourceType>();

  constructor(
    readonly api: KubeApi,
    readonly store: Store,
    readonly queue: WorkQueue,
    readonly log: (msg: string, err?: unknown) => void,
  ) {
    this.cache = new ObjectCache(store);
  }

  now(): string {
    return nowRfc3339();
  }

  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Queues `key` after `delayMs` as pending work (idle() waits for it): a step due shortly. */
  soon(key: string, delayMs: number): void {
    this.queue.add(key, delayMs);
  }

  /**
   * Queues `key` once `delayMs` has passed (the latest call per key wins). A deadline far ahead
   * is not pending work: it does not hold the queue's idle(), nor the process.
   */
  later(key: string, delayMs: number): void {
    clearTimeout(this.timers.get(key));
    // Node fires a longer timeout at once (a yearly CronJob would spin): the key runs at the
    // longest delay a timer takes and arms itself again.
    const t = setTimeout(
      () => {
        this.timers.delete(key);
        this.queue.add(key);
      },
      Math.min(delayMs, MAX_TIMER_MS),
    );
    t.unref();
    this.timers.set(key, t);
  }

  /** Clears every `later` timer (the manager stops: nothing is queued any more). */
  clearTimers(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** `later`, unless a timer for `key` is already set (a heartbeat another change must not push back). */
  ensureLater(key: string, delayMs: number): void {
    if (!this.timers.has(key)) this.later(key, delayMs);
  }

  async type(cluster: string, resource: Resource): Promise<ResourceType> {
    const key = `${cluster}|${resource}`;
    const have = this.types.get(key);
    if (have) return have;
    const [g, v, p] = GVP[resource];
    const t = await this.api.find(cluster, g, v, p);
    if (!t) throw new Error(`no type ${resource}`);
    this.types.set(key, t);
    return t;
  }

  /** A cluster's objects of a kind (from the informer cache for the kinds it holds; read-only). */
  async list<T = KubeObject>(cluster: string, resource: Resource, ns?: string): Promise<T[]> {
    if (CACHED.has(resource)) return (await this.cache.list(cluster, resource, ns)) as T[];
    const { items } = await this.api.list(cluster, await this.type(cluster, resource), ns, {});
    return items as T[];
  }

  async get<T = KubeObject>(
    cluster: string,
    resource: Resource,
    ns: string,
    name: string,
  ): Promise<T | undefined> {
    if (CACHED.has(resource)) return (await this.cache.get(cluster, resource, ns, name)) as T | undefined;
    try {
      return (await this.api.get(cluster, await this.type(cluster, resource), ns, name)) as T;
    } catch (e) {
      if (e instanceof KubeError && e.code === 404) return undefined;
      throw e;
    }
  }

  /** Writes `object`'s status through the status subresource (optimistic on its resourceVersion). */
  async updateStatus(cluster: string, resource: Resource, object: KubeObject): Promise<Obj> {
    const t = await this.type(cluster, resource);
    const m = object.metadata ?? {};
    const r = await this.api.update(cluster, t, m.namespace ?? "", m.name ?? "", object, W, "status");
    return r.body;
  }

  /**
   * Runs `fn` in one store transaction (a batch of writes). `fn` may be run again when the
   * store retries the transaction (PostgreSQL serialization), so it keeps its results local.
   */
  async batch<T>(cluster: string, fn: (w: BatchWriter) => Promise<T>): Promise<T> {
    await this.api.ensureCluster(cluster);
    // A run of many batches is all promise continuations: give the event loop a turn before
    // each, so requests waiting on sockets are read and queue their transactions in between.
    await nextTurn();
    return this.store.transaction((tx) => {
      // Inside one transaction too: writes of very large objects (a 1.5 MB template) take tens
      // of milliseconds each, so a batch of them yields between writes once a slice is used up.
      let turn = performance.now();
      return fn({
        tx,
        attempt: async <R>(write: () => Promise<R>) => {
          if (performance.now() - turn > SLICE_MS) {
            await nextTurn();
            turn = performance.now();
          }
          try {
            return await write();
          } catch (e) {
            if (e instanceof KubeError) return e;
            throw e;
          }
        },
      });
    });
  }

  /**
   * Applies actions in order, BATCH_WRITES to a transaction. A conflict (409 on update) is
   * thrown once the batch has committed, so the queue re-runs the controller on fresh reads; an
   * object already gone or already there is not an error. Returns the pod creates admission
   * refused (the caller records FailedCreate).
   */
  async apply(
    cluster: string,
    actions: readonly Action[],
  ): Promise<{ refused: { pod: Pod; error: KubeError }[] }> {
    const refused: { pod: Pod; error: KubeError }[] = [];
    let conflict: KubeError | undefined;
    for (let i = 0; i < actions.length; i += BATCH_WRITES) {
      const chunk = actions.slice(i, i + BATCH_WRITES);
      const types = await Promise.all(chunk.map((a) => this.type(cluster, a.resource)));
      // An event goes through the recorder's correlation once (kept here: the store may run
      // the transaction's body again), and only when the write it reports succeeded — an event
      // follows its write in the actions, as upstream controllers record after the call returns.
      const now = Date.now();
      const events: (Correlated | undefined)[] = [];
      const r = await this.batch(cluster, async (w) => {
        const out: { refused: { pod: Pod; error: KubeError }[]; conflict?: KubeError } = { refused: [] };
        let failed = false;
        for (const [j, a] of chunk.entries()) {
          if (a.op === "create" && a.resource === "core/events") {
            if (failed) continue;
            events[j] ??= this.events.correlate(a.object as Event, now);
            await this.writeEvent(w, cluster, types[j], events[j], W);
            continue;
          }
          const e = await w.attempt(() => this.applyOne(w.tx, cluster, types[j], a));
          failed = e instanceof KubeError;
          if (!(e instanceof KubeError)) continue;
          if (a.op === "delete" && e.code === 404) continue;
          if (a.op === "create" && e.code === 409 && e.reason === "AlreadyExists") continue;
          if (a.op === "create" && a.resource === "core/pods" && e.code >= 400 && e.code < 500) {
            out.refused.push({ pod: a.object as Pod, error: e });
            continue;
          }
          if (e.code === 404 || e.code === 409) {
            out.conflict ??= e;
            continue;
          }
          throw e;
        }
        return out;
      });
      refused.push(...r.refused);
      conflict ??= r.conflict;
    }
    if (conflict) throw conflict;
    return { refused };
  }

  /**
   * Records an event as client-go's recorder does (EventCorrelator; `correlate` first): the
   * update of a counted or combined event falls back to a create when the stored one is gone,
   * a create whose name is taken is made once more under a fresh name, and an event refused
   * otherwise is dropped — events are best effort, they never fail a batch.
   */
  async recordEvent(w: BatchWriter, cluster: string, event: Event, o: WriteOptions): Promise<void> {
    const t = await this.type(cluster, "core/events");
    await this.writeEvent(w, cluster, t, this.events.correlate(event, Date.now()), o);
  }

  private async writeEvent(
    w: BatchWriter,
    cluster: string,
    t: ResourceType,
    c: Correlated,
    o: WriteOptions,
  ): Promise<void> {
    if (c.op === "skip") return;
    const ns = c.event.metadata?.namespace ?? "default";
    if (c.op === "update") {
      const updated = await w.attempt(() =>
        this.api.updateTx(w.tx, cluster, t, ns, c.event.metadata?.name ?? "", c.event, o),
      );
      if (!(updated instanceof KubeError) || updated.code !== 404) return;
    }
    const created = await w.attempt(() => this.api.createTx(w.tx, cluster, t, ns, c.event, o));
    if (!(created instanceof KubeError) || created.code !== 409 || created.reason !== "AlreadyExists") return;
    // The name is taken (another recorder on this store, the same object in the same
    // nanosecond): the event is written once more under a fresh name rather than lost.
    const fresh: Event = {
      ...c.event,
      metadata: { ...c.event.metadata, name: eventName(c.event.involvedObject.name ?? "") },
    };
    const retried = await w.attempt(() => this.api.createTx(w.tx, cluster, t, ns, fresh, o));
    if (!(retried instanceof KubeError)) this.events.renamed(c.key, fresh.metadata?.name ?? "");
  }

  private async applyOne(tx: Tx, cluster: string, t: ResourceType, a: Action): Promise<void> {
    if (a.op === "delete") {
      await this.api.deleteTx(tx, cluster, t, a.namespace, a.name, {
        ...(a.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: a.gracePeriodSeconds } : {}),
        ...(a.uid ? { preconditions: { uid: a.uid } } : {}),
        ...(a.propagationPolicy ? { propagationPolicy: a.propagationPolicy } : {}),
      });
      return;
    }
    // createTx/updateTx copy what they are given: the action's object is only read here.
    const obj = a.object as KubeObject & { status?: unknown };
    const m = obj.metadata ?? {};
    if (a.op === "create") {
      const { metadata, ...rest } = obj;
      const fresh = { ...(metadata ?? {}) };
      delete fresh.resourceVersion;
      delete fresh.uid;
      const created = (await this.api.createTx(tx, cluster, t, a.namespace, { ...rest, metadata: fresh }, W))
        .body;
      // The status subresource is not writable on create: write it now (Nodes are Ready at once).
      if (obj.status !== undefined && t.subresources?.includes("status") && a.resource !== "core/pods")
        await this.api.updateTx(
          tx,
          cluster,
          t,
          a.namespace,
          String((created.metadata as Obj).name),
          { ...created, status: obj.status },
          W,
          "status",
        );
      return;
    }
    if (a.op === "updateStatus") {
      await this.api.updateTx(tx, cluster, t, a.namespace, m.name ?? "", obj, W, "status");
      return;
    }
    const r = await this.api.updateTx(tx, cluster, t, a.namespace, m.name ?? "", obj, W);
    const after = r.body as { status?: unknown; metadata?: Obj };
    if (
      obj.status !== undefined &&
      t.subresources?.includes("status") &&
      JSON.stringify(after.status) !== JSON.stringify(obj.status)
    )
      await this.api.updateTx(
        tx,
        cluster,
        t,
        a.namespace,
        m.name ?? "",
        { ...after, status: obj.status },
        W,
        "status",
      );
  }
}
