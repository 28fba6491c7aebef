// The resource metrics API (metrics.k8s.io/v1beta1) as metrics-server serves it, over simulated
// pods: no container runs, so usage is a model, computed on request from the objects (never
// stored, no scraping loop).
//
// - A container of a Running pod on a Ready node uses IDLE_CPU (1m) and IDLE_MEMORY (1Mi) unless
//   the pod says otherwise: `aksnet.io/cpu-usage` / `aksnet.io/memory-usage` is the pod's usage,
//   shared by its containers in proportion to their requests of that resource (evenly when
//   they request none; the remainder to the first), and `aksnet.io/cpu-usage.<container>` /
//   `aksnet.io/memory-usage.<container>` sets one container's own (taken out of the pod's share).
//   A value that is not a quantity is ignored (the idle default applies).
// - Only Running pods on Ready nodes have metrics (metrics-server scrapes each Ready node's
//   kubelet, which reports running pods only); a node's usage is the sum of its pods' usage
//   (no system overhead is simulated).
// - Quantities are formatted as metrics-server's (cpu: nanocores, DecimalSI; memory: bytes,
//   BinarySI; both canonical, so 250000000n prints `250m` and 104857600 `100Mi`); the window is
//   15s, the scrape interval of AKS's `--metric-resolution=15s`; the timestamp is now.
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import type { Store } from "../store/types.js";
import { notFound } from "./errors.js";
import { matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from "./selectors.js";
import { canonicalQuantity, parseQuantity, QuantityError } from "./workloads/quantity.js";

export const CPU_USAGE_ANNOTATION = "aksnet.io/cpu-usage";
export const MEMORY_USAGE_ANNOTATION = "aksnet.io/memory-usage";
/** What an idle container uses (kwok's ClusterResourceUsage default is 1m / 1Mi too). */
export const IDLE_CPU_NANO = 1_000_000;
export const IDLE_MEMORY_BYTES = 1024 * 1024;
/** metav1.Duration of the scrape interval, as Go's Duration.String() prints it. */
export const METRICS_WINDOW = "15s";
export const METRICS_GV = "metrics.k8s.io/v1beta1";

/** One container's usage: cpu in nanocores, memory in bytes. */
export interface ContainerUsage {
  name: string;
  cpu: number;
  memory: number;
}

type Res = "cpu" | "memory";
const ANNOTATION: Record<Res, string> = { cpu: CPU_USAGE_ANNOTATION, memory: MEMORY_USAGE_ANNOTATION };
const IDLE: Record<Res, number> = { cpu: IDLE_CPU_NANO, memory: IDLE_MEMORY_BYTES };

/** An annotation's value in nanocores (cpu) or bytes (memory), or undefined when absent or malformed. */
function annotated(value: string | undefined, r: Res): number | undefined {
  if (value === undefined) return undefined;
  try {
    const v = parseQuantity(value);
    if (!Number.isFinite(v) || v < 0) return undefined;
    return Math.ceil(r === "cpu" ? v * 1e9 - 1e-6 : v - 1e-9);
  } catch (e) {
    if (e instanceof QuantityError) return undefined;
    throw e;
  }
}

/** The containers metrics-server reports: regular ones and restartable init (sidecar) containers. */
function runningContainers(pod: Pod) {
  return [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always"),
  ];
}

/** The pod's containers' usage by the model above (whatever the pod's phase). */
export function containerUsage(pod: Pod): ContainerUsage[] {
  const containers = runningContainers(pod);
  const ann = pod.metadata?.annotations ?? {};
  const out: ContainerUsage[] = containers.map((c) => ({ name: c.name, cpu: 0, memory: 0 }));
  for (const r of ["cpu", "memory"] as const) {
    const own = containers.map((c) => annotated(ann[`${ANNOTATION[r]}.${c.name}`], r));
    const podTotal = annotated(ann[ANNOTATION[r]], r);
    const shared = containers.map((_, i) => i).filter((i) => own[i] === undefined);
    const rest =
      podTotal === undefined
        ? undefined
        : Math.max(0, podTotal - own.reduce<number>((s, v) => s + (v ?? 0), 0));
    const requests = shared.map((i) => {
      const q = containers[i].resources?.requests?.[r];
      try {
        return q === undefined ? 0 : parseQuantity(q);
      } catch {
        return 0;
      }
    });
    const sum = requests.reduce((s, v) => s + v, 0);
    let given = 0;
    shared.forEach((i, k) => {
      if (rest === undefined) {
        out[i][r] = IDLE[r];
        return;
      }
      const share = Math.floor(sum > 0 ? (rest * requests[k]) / sum : rest / shared.length);
      out[i][r] = share;
      given += share;
    });
    if (rest !== undefined && shared.length) out[shared[0]][r] += rest - given;
    own.forEach((v, i) => {
      if (v !== undefined) out[i][r] = v;
    });
  }
  return out;
}

export function isNodeReady(node: Node | undefined): boolean {
  return node?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
}

/** Whether metrics-server has metrics for the pod: Running, on a Ready node. */
export function hasMetrics(pod: Pod, node: Node | undefined): boolean {
  return pod.status?.phase === "Running" && !!pod.spec?.nodeName && isNodeReady(node);
}

/** CPU as metrics-server formats it: nanocores, canonical DecimalSI. */
export function cpuQuantity(nano: number): string {
  return canonicalQuantity(`${nano}n`);
}

/** Memory as metrics-server formats it: bytes, canonical BinarySI. */
export function memoryQuantity(bytes: number): string {
  if (bytes >= 1024 && bytes % 1024 === 0) return canonicalQuantity(`${bytes / 1024}Ki`);
  return bytes >= 1024 ? String(bytes) : canonicalQuantity(String(bytes));
}

type Obj = Record<string, unknown>;

/** metav1.Time of `now` (whole seconds). */
function time(now: number): string {
  return `${new Date(Math.floor(now / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

function usageOf(cpu: number, memory: number): Obj {
  return { cpu: cpuQuantity(cpu), memory: memoryQuantity(memory) };
}

/** A PodMetrics item (ObjectMeta as metrics-server fills it: name, namespace, creationTimestamp, labels). */
export function podMetrics(pod: Pod, now: number): Obj {
  const m = pod.metadata ?? {};
  const t = time(now);
  return {
    metadata: {
      name: m.name,
      namespace: m.namespace,
      creationTimestamp: t,
      ...(m.labels && Object.keys(m.labels).length ? { labels: m.labels } : {}),
    },
    timestamp: t,
    window: METRICS_WINDOW,
    containers: containerUsage(pod).map((c) => ({ name: c.name, usage: usageOf(c.cpu, c.memory) })),
  };
}

/** A NodeMetrics item: the sum of the node's pods that have metrics. */
export function nodeMetrics(node: Node, pods: readonly Pod[], now: number): Obj {
  const m = node.metadata ?? {};
  let cpu = 0;
  let memory = 0;
  for (const p of pods)
    if (p.spec?.nodeName === m.name && p.status?.phase === "Running")
      for (const c of containerUsage(p)) {
        cpu += c.cpu;
        memory += c.memory;
      }
  const t = time(now);
  return {
    metadata: {
      name: m.name,
      creationTimestamp: t,
      ...(m.labels && Object.keys(m.labels).length ? { labels: m.labels } : {}),
    },
    timestamp: t,
    window: METRICS_WINDOW,
    usage: usageOf(cpu, memory),
  };
}

/** What a metrics request reads: the cluster's nodes and (some of) its pods. */
export interface MetricsSource {
  nodes(): Promise<Node[]>;
  node(name: string): Promise<Node | undefined>;
  /** Pods of a namespace, every namespace when undefined. */
  pods(ns: string | undefined): Promise<Pod[]>;
  pod(ns: string, name: string): Promise<Pod | undefined>;
}

const GR = {
  nodes: { group: "metrics.k8s.io", resource: "nodes" },
  pods: { group: "metrics.k8s.io", resource: "pods" },
};

/** The metrics a cluster's store holds now: its nodes and pods, read only (never changed). */
export function storeMetricsSource(store: Store, cluster: string): MetricsSource {
  return {
    nodes: () =>
      store.read(async (tx) =>
        (await tx.listObjects({ cluster, resource: "core/nodes" })).map((x) => x.body as Node),
      ),
    node: (n) =>
      store.read(async (tx) => (await tx.getObject(cluster, "core/nodes", "", n))?.body as Node | undefined),
    pods: (n) =>
      store.read(async (tx) =>
        (await tx.listObjects({ cluster, resource: "core/pods", ...(n ? { namespace: n } : {}) })).map(
          (x) => x.body as Pod,
        ),
      ),
    pod: (n, x) =>
      store.read(async (tx) => (await tx.getObject(cluster, "core/pods", n, x))?.body as Pod | undefined),
  };
}

/**
 * GET of one NodeMetrics / PodMetrics, as metrics-server answers: the object's own NotFound
 * when it does not exist (`nodes "x" not found`), the metric's (`nodes.metrics.k8s.io "x"`,
 * `pods.metrics.k8s.io "ns/x"`) when it has no metrics.
 */
export async function getMetrics(
  src: MetricsSource,
  which: "nodes" | "pods",
  ns: string,
  name: string,
  now: number,
): Promise<Obj> {
  const head = { kind: which === "nodes" ? "NodeMetrics" : "PodMetrics", apiVersion: METRICS_GV };
  if (which === "nodes") {
    const node = await src.node(name);
    if (!node) throw notFound({ group: "", resource: "nodes" }, name);
    if (!isNodeReady(node)) throw notFound(GR.nodes, name);
    return { ...head, ...nodeMetrics(node, await src.pods(undefined), now) };
  }
  const pod = await src.pod(ns, name);
  if (!pod) throw notFound({ group: "", resource: "pods" }, name);
  const node = pod.spec?.nodeName ? await src.node(pod.spec.nodeName) : undefined;
  if (!hasMetrics(pod, node)) throw notFound(GR.pods, `${ns}/${name}`);
  return { ...head, ...podMetrics(pod, now) };
}

/** LIST of NodeMetrics / PodMetrics with labelSelector and fieldSelector (metadata.name/namespace). */
export async function listMetrics(
  src: MetricsSource,
  which: "nodes" | "pods",
  ns: string | undefined,
  q: { labelSelector?: string; fieldSelector?: string },
  now: number,
): Promise<Obj> {
  const labels = parseLabelSelector(q.labelSelector);
  const fields = parseFieldSelector(q.fieldSelector, []);
  const nodes = await src.nodes();
  const byName = new Map(nodes.map((n) => [n.metadata?.name ?? "", n]));
  const selected = <T extends Node | Pod>(o: T) =>
    matchLabels(labels, o.metadata?.labels) &&
    (!fields.length ||
      matchFields(fields, {
        // generic.AddObjectMetaFieldsSet: the name, and the namespace for namespaced kinds.
        metadata: {
          name: o.metadata?.name,
          ...(which === "pods" ? { namespace: o.metadata?.namespace } : {}),
        },
      }));
  let items: Obj[];
  if (which === "nodes") {
    const pods = await src.pods(undefined);
    items = nodes
      .filter((n) => selected(n) && isNodeReady(n))
      .sort((a, b) => cmp(a.metadata?.name, b.metadata?.name))
      .map((n) => nodeMetrics(n, pods, now));
  } else {
    items = (await src.pods(ns))
      .filter((p) => selected(p) && hasMetrics(p, byName.get(p.spec?.nodeName ?? "")))
      .sort(
        (a, b) =>
          cmp(a.metadata?.namespace, b.metadata?.namespace) || cmp(a.metadata?.name, b.metadata?.name),
      )
      .map((p) => podMetrics(p, now));
  }
  return {
    kind: which === "nodes" ? "NodeMetricsList" : "PodMetricsList",
    apiVersion: METRICS_GV,
    metadata: {},
    items,
  };
}

const cmp = (a = "", b = "") => (a < b ? -1 : a > b ? 1 : 0);
