// What every controller gets: the cluster's API (the same KubeApi semantics the wire uses, so
// resourceVersion, validation, admission and watch events are the real ones), typed reads, and
// `apply`, which writes a pure controller's Actions in order.
import type { Pod } from "kubernetes-types/core/v1.js";
import type { Store } from "../../store/types.js";
import type { KubeApi, Obj } from "../api.js";
import type { ResourceType } from "../catalog.js";
import { KubeError } from "../errors.js";
import type { Action, KubeObject, Resource } from "../workloads/actions.js";
import type { Rng } from "../workloads/names.js";
import type { WorkQueue } from "./queue.js";

/** group, version, plural of the store keys the controllers write. */
const GVP: Record<Resource, [string, string, string]> = {
  "core/nodes": ["", "v1", "nodes"],
  "core/pods": ["", "v1", "pods"],
  "core/events": ["", "v1", "events"],
  "core/services": ["", "v1", "services"],
  "core/configmaps": ["", "v1", "configmaps"],
  "core/secrets": ["", "v1", "secrets"],
  "core/resourcequotas": ["", "v1", "resourcequotas"],
  "apps/deployments": ["apps", "v1", "deployments"],
  "apps/replicasets": ["apps", "v1", "replicasets"],
  "apps/daemonsets": ["apps", "v1", "daemonsets"],
  "apps/statefulsets": ["apps", "v1", "statefulsets"],
  "batch/jobs": ["batch", "v1", "jobs"],
};

export const FIELD_MANAGER = "aksnet-controller-manager";
const W = { fieldManager: FIELD_MANAGER };

export class ControllerContext {
  readonly rng: Rng = { next: Math.random };

  constructor(
    readonly api: KubeApi,
    readonly store: Store,
    readonly queue: WorkQueue,
    readonly log: (msg: string, err?: unknown) => void,
  ) {}

  now(): string {
    return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  async type(cluster: string, resource: Resource): Promise<ResourceType> {
    const [g, v, p] = GVP[resource];
    const t = await this.api.find(cluster, g, v, p);
    if (!t) throw new Error(`no type ${resource}`);
    return t;
  }

  async list<T = KubeObject>(cluster: string, resource: Resource, ns?: string): Promise<T[]> {
    const { items } = await this.api.list(cluster, await this.type(cluster, resource), ns, {});
    return items as T[];
  }

  async get<T = KubeObject>(
    cluster: string,
    resource: Resource,
    ns: string,
    name: string,
  ): Promise<T | undefined> {
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
   * Applies actions in order. A conflict (409 on update) throws, so the queue re-runs the
   * controller on fresh reads; an object already gone or already there is not an error.
   * Returns the pod creates admission refused (the caller records FailedCreate).
   */
  async apply(
    cluster: string,
    actions: readonly Action[],
  ): Promise<{ refused: { pod: Pod; error: KubeError }[] }> {
    const refused: { pod: Pod; error: KubeError }[] = [];
    for (const a of actions) {
      const t = await this.type(cluster, a.resource);
      if (a.op === "delete") {
        try {
          await this.api.delete(cluster, t, a.namespace, a.name, {});
        } catch (e) {
          if (!(e instanceof KubeError && e.code === 404)) throw e;
        }
        continue;
      }
      const obj = structuredClone(a.object) as KubeObject & { status?: unknown };
      if (a.op === "create") {
        let created: Obj;
        try {
          const { metadata, ...rest } = obj;
          const m = { ...(metadata ?? {}) };
          delete m.resourceVersion;
          delete m.uid;
          created = (await this.api.create(cluster, t, a.namespace, { ...rest, metadata: m }, W)).body;
        } catch (e) {
          if (e instanceof KubeError && e.code === 409 && e.reason === "AlreadyExists") continue;
          if (e instanceof KubeError && a.resource === "core/pods" && e.code >= 400 && e.code < 500) {
            refused.push({ pod: obj as Pod, error: e });
            continue;
          }
          throw e;
        }
        // The status subresource is not writable on create: write it now (Nodes are Ready at once).
        if (obj.status !== undefined && t.subresources?.includes("status") && a.resource !== "core/pods") {
          const next = { ...created, status: obj.status };
          await this.api.update(
            cluster,
            t,
            a.namespace,
            String((created.metadata as Obj).name),
            next,
            W,
            "status",
          );
        }
        continue;
      }
      const m = obj.metadata ?? {};
      if (a.op === "updateStatus") {
        await this.api.update(cluster, t, a.namespace, m.name ?? "", obj, W, "status");
        continue;
      }
      const r = await this.api.update(cluster, t, a.namespace, m.name ?? "", obj, W);
      const after = r.body as { status?: unknown; metadata?: Obj };
      if (
        obj.status !== undefined &&
        t.subresources?.includes("status") &&
        JSON.stringify(after.status) !== JSON.stringify(obj.status)
      ) {
        await this.api.update(
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
    return { refused };
  }
}
