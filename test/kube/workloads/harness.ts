// An in-memory stand-in for the API + store, driving the pure controllers the way the real
// wiring will: read objects, call reconcile, apply the returned actions, repeat until quiet.
// Allocation state is derived from live objects (as the store derives it from rows), so a
// deleted pod's address and host port are free again at once.
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from "kubernetes-types/apps/v1.js";
import type { Job } from "kubernetes-types/batch/v1.js";
import type { Event, Node, Pod } from "kubernetes-types/core/v1.js";
import {
  type Action,
  assignHostPorts,
  choosePodIp,
  HOST_PORT_MAX,
  HOST_PORT_MIN,
  hostPortsOf,
  type KubeObject,
  type NodeSource,
  nextStage,
  nodeInfos,
  nodeInternalIp,
  type PodNetwork,
  type Rng,
  reconcileDaemonSet,
  reconcileDeployment,
  reconcileJob,
  reconcileNodes,
  reconcileReplicaSet,
  reconcileStatefulSet,
  STAGES,
  schedule,
  seededRng,
  stableUid,
} from "../../../src/kube/workloads/index.js";
import type { PoolSpec } from "../../../src/providers/containerservice/model.js";

export type Plugin = "kubenet" | "azure" | "azure-overlay";

export interface PoolDef {
  name: string;
  count: number;
  mode?: "System" | "User" | "Gateway";
  maxPods?: number;
  vmSize?: string;
  nodeTaints?: string[];
  nodeLabels?: Record<string, string>;
}

type Store<T> = Map<string, T>;
const key = (ns: string | undefined, name: string | undefined) => `${ns ?? ""}/${name ?? ""}`;

export function pool(def: PoolDef): PoolSpec {
  return {
    name: def.name,
    count: def.count,
    vmSize: def.vmSize ?? "Standard_DS2_v2",
    osType: "Linux",
    osSKU: "Ubuntu",
    mode: def.mode ?? "User",
    maxPods: def.maxPods ?? 30,
    orchestratorVersion: "1.33",
    passthrough: {
      ...(def.nodeTaints ? { nodeTaints: def.nodeTaints } : {}),
      ...(def.nodeLabels ? { nodeLabels: def.nodeLabels } : {}),
    },
  };
}

export class Cluster {
  readonly version = "v1.33.5";
  readonly nodes: Store<Node> = new Map();
  readonly pods: Store<Pod> = new Map();
  readonly replicaSets: Store<ReplicaSet> = new Map();
  readonly deployments: Store<Deployment> = new Map();
  readonly daemonSets: Store<DaemonSet> = new Map();
  readonly statefulSets: Store<StatefulSet> = new Map();
  readonly jobs: Store<Job> = new Map();
  readonly events: Event[] = [];
  /** Admission refusals (host-port errors), by pod name. */
  readonly refused: string[] = [];
  private pools = new Map<string, { spec: PoolSpec; instances: number[]; next: number }>();
  private clock = Date.parse("2026-01-12T18:00:00Z");
  private seq = 0;
  private hostPortCursor = 0;
  private ipCursor = new Map<string, number>();
  private instanceSeq = 0;
  private instanceIndex = new Map<string, number>();
  private nodeIndex = new Map<string, number>();
  readonly rng: Rng;

  constructor(
    readonly plugin: Plugin,
    pools: PoolDef[],
    seed = 1,
    readonly hostPortFlag = true,
    /** Size of each node's pod block; AKS uses /24, tests may shrink it to force wrap-around. */
    readonly podBlockPrefix = 24,
    /**
     * Controllers' pod deletes are graceful, as through the API: the pod is Terminating (its
     * deletionTimestamp set) for three steps before the kubelet removes it.
     */
    readonly gracefulPods = false,
  ) {
    this.rng = seededRng(seed);
    for (const p of pools) this.setPool(p);
  }

  now(): string {
    return new Date(this.clock).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  setPool(def: PoolDef): void {
    const cur = this.pools.get(def.name) ?? { spec: pool(def), instances: [], next: 0 };
    cur.spec = pool(def);
    while (cur.instances.length < def.count) cur.instances.push(cur.next++);
    cur.instances = cur.instances.slice(0, def.count);
    this.pools.set(def.name, cur);
    this.syncNodes();
  }

  deletePool(name: string): void {
    this.pools.delete(name);
    this.syncNodes();
  }

  private nodeSources(): NodeSource[] {
    const out: NodeSource[] = [];
    for (const [name, p] of this.pools)
      for (const i of p.instances) {
        const vmss = `/subscriptions/s/resourceGroups/MC_g_c_eastus/providers/Microsoft.Compute/virtualMachineScaleSets/aks-${name}-12345678-vmss`;
        const id = `${vmss}/${i}`;
        if (!this.instanceIndex.has(id)) this.instanceIndex.set(id, this.instanceSeq++);
        const n = this.instanceIndex.get(id) as number;
        this.nodeIndex.set(`aks-${name}-12345678-vmss${i.toString(36).padStart(6, "0")}`, n);
        out.push({
          subscriptionId: "s",
          cluster: {
            location: "eastus",
            nodeResourceGroup: "MC_g_c_eastus",
            network:
              this.plugin === "azure-overlay"
                ? { plugin: "azure", pluginMode: "overlay" }
                : { plugin: this.plugin === "kubenet" ? "kubenet" : "azure" },
          },
          pool: p.spec,
          instance: {
            vmssId: vmss,
            instanceId: i,
            computerName: `aks-${name}-12345678-vmss${i.toString(36).padStart(6, "0")}`,
            nodeIp: `10.224.${Math.floor(n / 200)}.${4 + (n % 200)}`,
            ...(this.plugin !== "azure" ? { podCidr: this.podBlock(n) } : {}),
          },
          now: this.now(),
        });
      }
    return out;
  }

  private podBlock(n: number): string {
    const per = 2 ** (this.podBlockPrefix - 24);
    const size = 2 ** (32 - this.podBlockPrefix);
    return `10.244.${Math.floor(n / per)}.${(n % per) * size}/${this.podBlockPrefix}`;
  }

  /** Azure CNI: the 1 + maxPods addresses a node holds; the first is the node's own. */
  private reserved(node: Node): string[] {
    const n = this.nodeIndex.get(node.metadata?.name ?? "");
    const maxPods = Number(node.status?.allocatable?.pods ?? 0);
    return Array.from({ length: maxPods }, (_, i) => `10.240.${n}.${i + 10}`);
  }

  private syncNodes(): void {
    const normalise = (a: Action) =>
      a.op === "create" || a.op === "update" ? a.object.metadata?.name : a.op === "delete" ? a.name : "";
    for (const a of reconcileNodes(this.nodeSources(), [...this.nodes.values()])) {
      const name = normalise(a) ?? "";
      if (a.op === "delete") this.nodes.delete(name);
      else if (a.op === "create" || a.op === "update") this.nodes.set(name, a.object as Node);
    }
    // Pods of removed nodes are gone (the pod GC deletes pods bound to missing nodes).
    for (const [k, p] of this.pods)
      if (p.spec?.nodeName && !this.nodes.has(p.spec.nodeName)) this.pods.delete(k);
  }

  private storeFor(resource: Action["resource"]): Store<KubeObject> {
    const m: Record<string, Store<KubeObject>> = {
      "core/pods": this.pods as Store<KubeObject>,
      "apps/replicasets": this.replicaSets as Store<KubeObject>,
      "apps/deployments": this.deployments as Store<KubeObject>,
      "apps/daemonsets": this.daemonSets as Store<KubeObject>,
      "apps/statefulsets": this.statefulSets as Store<KubeObject>,
      "batch/jobs": this.jobs as Store<KubeObject>,
    };
    return m[resource];
  }

  /** Admission for pods (host-port auto-assignment), then the write; like the API server would. */
  create(resource: Action["resource"], object: KubeObject): void {
    const store = this.storeFor(resource);
    let obj = structuredClone(object);
    const ns = obj.metadata?.namespace ?? "default";
    if (resource === "core/pods") {
      try {
        const r = assignHostPorts(obj as Pod, {
          featureRegistered: this.hostPortFlag,
          kubernetesVersion: this.version,
          taken: this.takenHostPorts(),
          cursor: this.hostPortCursor,
        });
        if (r.changed) this.hostPortCursor = r.nextCursor;
        obj = r.pod;
      } catch (e) {
        this.refused.push(`${obj.metadata?.name}: ${(e as Error).message}`);
        return;
      }
    }
    obj.metadata = {
      ...obj.metadata,
      namespace: ns,
      uid: stableUid("obj", String(this.seq++)),
      creationTimestamp: this.now(),
      generation: 1,
    };
    store.set(key(ns, obj.metadata.name), obj);
  }

  apply(actions: readonly Action[]): void {
    for (const a of actions) {
      if (a.resource === "core/events") {
        if (a.op === "create") this.events.push(a.object as Event);
        continue;
      }
      if (a.resource === "core/nodes") continue;
      const store = this.storeFor(a.resource);
      if (a.op === "create") this.create(a.resource, a.object);
      else if (a.op === "delete" && a.resource === "core/pods" && this.gracefulPods) {
        const k = key(a.namespace, a.name);
        const p = this.pods.get(k);
        if (p && !p.metadata?.deletionTimestamp)
          this.pods.set(k, {
            ...p,
            metadata: { ...p.metadata, deletionTimestamp: this.now(), deletionGracePeriodSeconds: 30 },
          });
      } else if (a.op === "delete") this.remove(a.resource, a.namespace, a.name);
      else {
        const k = key(a.namespace, a.object.metadata?.name);
        const cur = store.get(k);
        if (!cur) continue;
        const next = structuredClone(a.object) as KubeObject & { spec?: unknown; status?: unknown };
        const c = cur as KubeObject & { spec?: unknown; status?: unknown };
        if (a.op === "updateStatus") store.set(k, { ...c, status: next.status } as KubeObject);
        else {
          const gen =
            (c.metadata?.generation ?? 1) + (JSON.stringify(c.spec) !== JSON.stringify(next.spec) ? 1 : 0);
          store.set(k, {
            ...next,
            metadata: { ...next.metadata, generation: gen },
            status: c.status,
          } as KubeObject);
        }
      }
    }
  }

  remove(resource: Action["resource"], ns: string, name: string): void {
    this.storeFor(resource).delete(key(ns, name));
  }

  /** Garbage collection through controller owner references. */
  private collect(): boolean {
    const uids = new Set<string>();
    const all: [Action["resource"], Store<KubeObject>][] = (
      [
        "apps/deployments",
        "apps/replicasets",
        "apps/daemonsets",
        "apps/statefulsets",
        "batch/jobs",
        "core/pods",
      ] as const
    ).map((r) => [r, this.storeFor(r)]);
    for (const [, s] of all) for (const o of s.values()) if (o.metadata?.uid) uids.add(o.metadata.uid);
    let changed = false;
    for (const [, s] of all)
      for (const [k, o] of s) {
        const ref = o.metadata?.ownerReferences?.find((r) => r.controller);
        if (ref && !uids.has(ref.uid)) {
          s.delete(k);
          changed = true;
        }
      }
    return changed;
  }

  takenHostPorts(): Set<number> {
    const taken = new Set<number>();
    for (const p of this.pods.values())
      for (const u of hostPortsOf(p))
        if (u.port >= HOST_PORT_MIN && u.port <= HOST_PORT_MAX) taken.add(u.port);
    return taken;
  }

  private podNetwork(node: Node): PodNetwork {
    if (this.plugin === "azure") return { plugin: "azure", addresses: this.reserved(node) };
    return { plugin: this.plugin, podCidr: node.spec?.podCIDR ?? "" };
  }

  /** One round of every controller, the scheduler and the kubelet; returns whether anything changed. */
  step(): boolean {
    this.clock += 1000;
    const before = this.fingerprint();
    while (this.collect()) {
      /* cascade */
    }
    const now = this.now();
    const rs = [...this.replicaSets.values()];
    for (const d of [...this.deployments.values()])
      this.apply(reconcileDeployment(d, rs, now, [...this.pods.values()]));
    for (const r of [...this.replicaSets.values()])
      this.apply(reconcileReplicaSet(r, [...this.pods.values()], this.rng, now));
    for (const ds of [...this.daemonSets.values()])
      this.apply(reconcileDaemonSet(ds, [...this.nodes.values()], [...this.pods.values()], this.rng, now));
    for (const s of [...this.statefulSets.values()])
      this.apply(reconcileStatefulSet(s, [...this.pods.values()], now));
    for (const j of [...this.jobs.values()])
      this.apply(reconcileJob(j, [...this.pods.values()], this.rng, now));
    this.scheduleAll(now);
    this.kubelet(now);
    return this.fingerprint() !== before;
  }

  settle(maxRounds = 200): number {
    for (let i = 0; i < maxRounds; i++) if (!this.step()) return i;
    throw new Error("cluster did not settle");
  }

  private scheduleAll(now: string): void {
    const named = <T extends { metadata?: { namespace?: string; name?: string } }>(store: Store<T>) => {
      const byName = new Map(
        [...store.values()].map((o) => [`${o.metadata?.namespace}/${o.metadata?.name}`, o]),
      );
      return (ns: string, name: string) => byName.get(`${ns}/${name}`);
    };
    const infos = nodeInfos([...this.nodes.values()], [...this.pods.values()], {
      services: () => [],
      replicaSet: named(this.replicaSets),
      statefulSet: named(this.statefulSets),
      replicationController: () => undefined,
    });
    for (const [k, p] of [...this.pods].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (p.spec?.nodeName) continue;
      const r = schedule(p, infos, this.version);
      if (r.node === undefined) {
        const out = STAGES.Unschedulable({ pod: p, version: this.version, now, message: r.message });
        if (p.status?.conditions?.[0]?.message !== r.message) this.events.push(...out.events);
        this.pods.set(k, { ...p, status: out.status });
        continue;
      }
      const bound: Pod = { ...p, spec: { ...(p.spec ?? { containers: [] }), nodeName: r.node } };
      infos.bind(bound, r.node);
      const out = STAGES.Scheduled({ pod: bound, node: r.node, version: this.version, now });
      this.events.push(...out.events);
      this.pods.set(k, { ...bound, status: out.status });
    }
  }

  private kubelet(now: string): void {
    // A pod marked for deletion three steps ago has stopped: it goes.
    for (const [k, p] of [...this.pods]) {
      const since = p.metadata?.deletionTimestamp;
      if (since && Date.parse(since) + 2000 < Date.parse(now)) this.pods.delete(k);
    }
    for (const [k, p] of [...this.pods].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const nodeName = p.spec?.nodeName;
      const node = nodeName ? this.nodes.get(nodeName) : undefined;
      if (!node) continue;
      let podIP = p.status?.podIP;
      let message: string | undefined;
      const hostIP = nodeInternalIp(node);
      if (!podIP && p.status?.startTime) {
        if (p.spec?.hostNetwork) podIP = hostIP;
        else {
          const taken = new Set(
            [...this.pods.values()]
              .filter(
                (q) =>
                  q.spec?.nodeName === nodeName &&
                  q.status?.podIP &&
                  !q.spec?.hostNetwork &&
                  q.status?.phase !== "Succeeded" &&
                  q.status?.phase !== "Failed",
              )
              .map((q) => q.status?.podIP as string),
          );
          const c = choosePodIp(p, this.podNetwork(node), taken, this.ipCursor.get(nodeName as string) ?? 0);
          if (c.ip !== undefined) {
            podIP = c.ip;
            this.ipCursor.set(nodeName as string, c.nextCursor);
          } else message = c.message;
        }
      }
      const stage = nextStage(p, podIP);
      if (!stage) continue;
      const failedBefore = this.events.some(
        (e) => e.involvedObject.name === p.metadata?.name && e.reason === "FailedCreatePodSandBox",
      );
      if (stage === "SandboxFailed" && failedBefore) continue;
      const out = STAGES[stage]({
        pod: p,
        node: nodeName,
        hostIP,
        podIP,
        version: this.version,
        now,
        message,
      });
      this.events.push(...out.events);
      this.pods.set(k, { ...p, status: out.status });
    }
  }

  private fingerprint(): string {
    return JSON.stringify([
      [...this.pods.values()].map((p) => [
        p.metadata?.name,
        p.spec?.nodeName,
        p.status?.phase,
        p.status?.podIP,
      ]),
      [...this.replicaSets.values()].map((r) => [r.metadata?.name, r.spec?.replicas, r.status]),
      [...this.deployments.values()].map((d) => [
        d.metadata?.annotations,
        d.status?.replicas,
        d.status?.availableReplicas,
        d.status?.updatedReplicas,
        d.status?.collisionCount,
      ]),
      [...this.daemonSets.values()].map((d) => d.status),
      [...this.statefulSets.values()].map((d) => d.status),
      [...this.jobs.values()].map((d) => d.status?.conditions?.length),
    ]);
  }

  livePods(): Pod[] {
    return [...this.pods.values()];
  }
}

/** The seed's echoserver-hostport Deployment (seed 003), with a replica count. */
export function echoserverDeployment(replicas = 3, name = "echoserver-hostport"): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default", labels: { app: name } },
    spec: {
      replicas,
      progressDeadlineSeconds: 600, // as the API defaults it
      selector: { matchLabels: { app: name } },
      template: {
        metadata: {
          annotations: { "kubernetes.azure.com/assign-hostports-for-containerports": "8080/tcp,8443/tcp" },
          labels: { app: name },
        },
        spec: {
          nodeSelector: { "kubernetes.io/os": "linux" },
          containers: [
            {
              name,
              image: "k8s.gcr.io/echoserver:1.10",
              ports: [
                { name: "http", containerPort: 8080, protocol: "TCP" },
                { name: "https", containerPort: 8443, protocol: "TCP" },
              ],
            },
          ],
        },
      },
    },
  };
}
