// The controllers' informer cache, as client-go's shared informers keep one: each cluster's
// objects of the kinds controllers read (pods, nodes, workloads, services, quotas), listed from
// the store once and then kept current from the change feed the manager already follows.
// Without it every scheduler, kubelet or ReplicaSet pass re-read and re-parsed every pod of the
// cluster — the quadratic cost of a 10,000-replica Deployment.
//
// Reads are as fresh as the manager's feed position; the manager waits for the feed to reach
// the store's revision before each run (read-your-writes across passes), and every write still
// goes through KubeApi with optimistic concurrency, so a stale read costs a retry, never a
// wrong write. Objects handed out are shared: callers treat them as read-only (the pure
// reconciles build new objects; ControllerContext.apply copies before writing).
import { setImmediate as nextTurn } from "node:timers/promises";
import type { ChangeRecord, KubeObjectRecord, Store } from "../../store/types.js";
import type { Resource } from "../workloads/actions.js";

type Obj = Record<string, unknown>;

/** The kinds held in memory (events, secrets and config maps are read rarely or never). */
export const CACHED: ReadonlySet<Resource> = new Set<Resource>([
  "core/namespaces",
  "core/nodes",
  "core/pods",
  "core/services",
  "core/resourcequotas",
  "core/replicationcontrollers",
  "apps/deployments",
  "apps/replicasets",
  "apps/daemonsets",
  "apps/statefulsets",
  "batch/jobs",
  "batch/cronjobs",
]);

interface Entry {
  revision: number;
  object: Obj;
}

interface Shelf {
  /** Revision the initial list was read at: feed changes at or before it are already in. */
  listedAt: number;
  /** namespace → name → entry */
  byNs: Map<string, Map<string, Entry>>;
  /**
   * Per namespace, its names in list order, kept until a name comes or goes (an update keeps
   * it): a list of 10,000 pods sorts nothing again.
   */
  order: Map<string, string[]>;
}

/** The object as the API serves it (resourceVersion = the record's revision). */
function served(body: Obj, revision: number): Obj {
  return {
    ...body,
    metadata: { ...((body.metadata as Obj | undefined) ?? {}), resourceVersion: String(revision) },
  };
}

/**
 * The store record behind an object this cache handed out (for writes that start from it:
 * KubeApi.updateTx's `known`); undefined without a resourceVersion.
 */
export function recordOf(cluster: string, resource: Resource, object: object): KubeObjectRecord | undefined {
  const o = object as Obj;
  const { resourceVersion, ...m } = (o.metadata as Obj | undefined) ?? {};
  const revision = Number(resourceVersion);
  if (!Number.isInteger(revision) || revision <= 0) return undefined;
  return {
    cluster,
    resource,
    namespace: String(m.namespace ?? ""),
    name: String(m.name ?? ""),
    body: { ...o, metadata: m },
    revision,
  };
}

export class ObjectCache {
  private readonly shelves = new Map<string, Shelf>();
  private readonly loading = new Map<string, Promise<Shelf>>();
  /** Changes seen while a kind's first list is being read (applied once it lands). */
  private readonly early = new Map<string, ChangeRecord[]>();
  /** Bumped by `clear`: a list that started before it is not kept. */
  private epoch = 0;

  constructor(private readonly store: Store) {}

  /** Everything forgotten (the feed was lost or the store reset): the next read lists again. */
  clear(): void {
    this.shelves.clear();
    this.loading.clear();
    this.early.clear();
    this.epoch++;
  }

  /** Applies one change of the feed (in revision order). */
  observe(c: ChangeRecord): void {
    if (c.kind !== "kube" || !c.cluster || !c.resource) return;
    const key = `${c.cluster}|${c.resource}`;
    const shelf = this.shelves.get(key);
    if (!shelf) {
      this.early.get(key)?.push(c);
      return;
    }
    this.put(shelf, c);
  }

  private put(shelf: Shelf, c: ChangeRecord): void {
    if (c.revision <= shelf.listedAt) return;
    const ns = c.namespace ?? "";
    const name = String((c.object.metadata as Obj | undefined)?.name ?? "");
    let names = shelf.byNs.get(ns);
    const cur = names?.get(name);
    if (cur && cur.revision >= c.revision) return;
    if (c.type === "DELETED") {
      if (names?.delete(name)) shelf.order.delete(ns);
      if (names?.size === 0) shelf.byNs.delete(ns);
      return;
    }
    if (!names) {
      names = new Map();
      shelf.byNs.set(ns, names);
    }
    if (!cur) shelf.order.delete(ns);
    names.set(name, { revision: c.revision, object: served(c.object, c.revision) });
  }

  private async shelf(cluster: string, resource: Resource): Promise<Shelf> {
    const key = `${cluster}|${resource}`;
    const have = this.shelves.get(key);
    if (have) return have;
    let p = this.loading.get(key);
    if (!p) {
      const epoch = this.epoch;
      this.early.set(key, []);
      p = this.load(cluster, resource).then(
        (s) => {
          if (this.epoch === epoch) {
            for (const c of this.early.get(key) ?? []) this.put(s, c);
            this.early.delete(key);
            this.shelves.set(key, s);
            this.loading.delete(key);
          }
          return s;
        },
        (e: unknown) => {
          if (this.epoch === epoch) {
            this.early.delete(key);
            this.loading.delete(key);
          }
          throw e;
        },
      );
      this.loading.set(key, p);
    }
    return p;
  }

  /** One snapshot: the revision and every object, read in pages of 500. */
  private async load(cluster: string, resource: Resource): Promise<Shelf> {
    return this.store.read(async (tx) => {
      const listedAt = await tx.currentRevision();
      const byNs = new Map<string, Map<string, Entry>>();
      let after: string | undefined;
      for (;;) {
        const page: KubeObjectRecord[] = await tx.listObjects({ cluster, resource, after, limit: 500 });
        for (const r of page) {
          let names = byNs.get(r.namespace);
          if (!names) {
            names = new Map();
            byNs.set(r.namespace, names);
          }
          names.set(r.name, { revision: r.revision, object: served(r.body, r.revision) });
          after = `${r.namespace}/${r.name}`;
        }
        if (page.length < 500) break;
        // Between pages, requests get a turn: a resync of thousands of objects is many pages.
        await nextTurn();
      }
      return { listedAt, byNs, order: new Map() };
    });
  }

  /** The objects of a kind, in one namespace or all, ordered by namespace then name (as the store lists). */
  async list(cluster: string, resource: Resource, ns?: string): Promise<Obj[]> {
    const shelf = await this.shelf(cluster, resource);
    const out: Obj[] = [];
    const spaces = ns === undefined ? [...shelf.byNs.keys()].sort() : [ns];
    for (const n of spaces) {
      const names = shelf.byNs.get(n);
      if (!names) continue;
      let order = shelf.order.get(n);
      if (!order) {
        order = [...names.keys()].sort();
        shelf.order.set(n, order);
      }
      for (const k of order) out.push((names.get(k) as Entry).object);
    }
    return out;
  }

  async get(cluster: string, resource: Resource, ns: string, name: string): Promise<Obj | undefined> {
    return (await this.shelf(cluster, resource)).byNs.get(ns)?.get(name)?.object;
  }
}
