// kube-scheduler's default profile for one pod, as pure functions: the Filter plugins in
// their upstream order (NodeUnschedulable, TaintToleration, NodeAffinity, NodePorts,
// NodeResourcesFit — a node is rejected by the first plugin that fails, so it contributes
// that plugin's reasons only), then scoring and a deterministic choice. When no node fits,
// the FitError text is built the way framework.FitError.Error() builds it: reasons counted
// over nodes, "<count> <reason>" strings sorted as Go's sort.Strings sorts them, and the
// PostFilter's sentence appended (DefaultPreemption, preemption.ts, when the pass gives one;
// otherwise the sentence of a cluster where no pod is below this one). Pending pods go in
// PrioritySort's order (queueOrder); nodes with nominated pods (a preemptor waiting for its
// victims to go) are filtered with those of the pod's priority or higher on them.
// PodTopologySpread (topologySpread.ts) filters after NodeResourcesFit, InterPodAffinity
// (interPodAffinity.ts) after it; both score with the plugin weights of the default profile
// (SCORE_WEIGHTS).
import type {
  Container,
  Node,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  Pod,
  Taint,
  Toleration,
  TopologySpreadConstraint,
} from "kubernetes-types/core/v1.js";
import { jsonEqual } from "../json.js";
import {
  AFFINITY_REASON,
  affinityFilter,
  affinityFilterState,
  affinityScores,
  hasPodAffinity,
  hasRequiredAntiAffinity,
} from "./interPodAffinity.js";
import { milliValue, unitValue } from "./quantity.js";
import {
  type Domains,
  defaultSelector,
  hasTopologyKeys,
  LABEL_HOSTNAME,
  NO_OWNERS,
  SPREAD_REASON,
  type SpreadConstraint,
  SpreadIndex,
  type SpreadOwners,
  SYSTEM_DEFAULT_CONSTRAINTS,
  scoreForCount,
  selectorMatchesLabels,
  spreadConstraints,
  topologyNormalizingWeight,
} from "./topologySpread.js";

/** framework.Code: whether preemption could ever help on that node. */
export type Code = "Unschedulable" | "UnschedulableAndUnresolvable";

export interface NodeStatus {
  code: Code;
  reasons: string[];
}

export const REASON = {
  unschedulable: "node(s) were unschedulable",
  affinity: "node(s) didn't match Pod's node affinity/selector",
  ports: "node(s) didn't have free ports for the requested pod ports",
  tooManyPods: "Too many pods",
  cpu: "Insufficient cpu",
  memory: "Insufficient memory",
  spread: SPREAD_REASON.constraints,
  spreadLabel: SPREAD_REASON.missingLabel,
  notHelpful: "Preemption is not helpful for scheduling",
  noVictims: "No preemption victims found for incoming pod",
} as const;

const UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable";

// ---- versions ------------------------------------------------------------------------------

function parseVersion(v: string): [number, number, number] {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : [1, 99, 0];
}

/** The minor of a cluster version as the scheduler is given it (`v1.33.5`); 99 when unreadable. */
export function versionMinor(version: string): number {
  return parseVersion(version)[1];
}

/**
 * kubernetes#134740 (1.35, cherry-picked into 1.34.2) stopped naming the taint; earlier
 * schedulers print `{key: value}` of the first untolerated taint.
 */
export function taintReason(taint: Taint, version: string): string {
  const [, minor, patch] = parseVersion(version);
  if (minor >= 35 || (minor === 34 && patch >= 2)) return "node(s) had untolerated taint(s)";
  // kubernetes#109119 (1.24) reworded it.
  if (minor < 24)
    return `node(s) had taint {${taint.key}: ${taint.value ?? ""}}, that the pod didn't tolerate`;
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`;
}

/** DynamicResourceAllocation is on by default from 1.34; its PostFilter speaks before preemption's. */
function draPostFilter(version: string): string {
  return parseVersion(version)[1] >= 34 ? "no new claims to deallocate, " : "";
}

// ---- tolerations, selectors ----------------------------------------------------------------

/** v1helper Toleration.ToleratesTaint. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator ?? "Equal";
  if (op === "Exists") return true;
  return op === "Equal" && (t.value ?? "") === (taint.value ?? "");
}

/** First NoSchedule/NoExecute taint no toleration covers (FindMatchingUntoleratedTaint). */
export function untoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
): Taint | undefined {
  return taints.find(
    (taint) =>
      (taint.effect === "NoSchedule" || taint.effect === "NoExecute") &&
      !tolerations.some((t) => tolerates(t, taint)),
  );
}

function matchRequirement(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case "In":
      return value !== undefined && vals.includes(value);
    case "NotIn":
      return value === undefined || !vals.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      if (value === undefined || vals.length !== 1) return false;
      const a = Number.parseInt(value, 10);
      const b = Number.parseInt(vals[0], 10);
      if (!Number.isInteger(a) || !Number.isInteger(b) || !/^-?\d+$/.test(value)) return false;
      return r.operator === "Gt" ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** A NodeSelectorTerm: its requirements ANDed; an empty term matches nothing. */
export function matchTerm(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  return (
    exprs.every((r) => matchRequirement(r, labels[r.key])) &&
    fields.every((r) => r.key === "metadata.name" && matchRequirement(r, node.metadata?.name))
  );
}

/** nodeSelector and required node affinity (terms ORed). */
export function matchesNodeAffinity(pod: Pod, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  const selector = pod.spec?.nodeSelector;
  // for…in, not Object.entries: this runs per pod per node, and entries allocates each time.
  if (selector)
    for (const k in selector) if (Object.hasOwn(selector, k) && labels[k] !== selector[k]) return false;
  const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (req) return req.nodeSelectorTerms.some((t) => matchTerm(t, node));
  return true;
}

// ---- host ports ------------------------------------------------------------------------------

export interface HostPortUse {
  hostIP: string;
  protocol: string;
  port: number;
}

/**
 * The host ports a pod holds (containers' ports with hostPort > 0; defaults TCP and 0.0.0.0).
 * hostNetwork pods hold their containerPorts on the node whether or not the API defaulted
 * hostPort to them.
 */
export function hostPortsOf(pod: Pod): HostPortUse[] {
  const out: HostPortUse[] = [];
  const hostNet = pod.spec?.hostNetwork === true;
  for (const c of pod.spec?.containers ?? [])
    for (const p of c.ports ?? []) {
      const port = p.hostPort && p.hostPort > 0 ? p.hostPort : hostNet ? p.containerPort : 0;
      if (port > 0) out.push({ hostIP: p.hostIP || "0.0.0.0", protocol: p.protocol ?? "TCP", port });
    }
  return out;
}

/** HostPortInfo.CheckConflict: same protocol and port, and same IP or either one 0.0.0.0. */
export function portsConflict(a: HostPortUse, b: HostPortUse): boolean {
  return (
    a.port === b.port &&
    a.protocol === b.protocol &&
    (a.hostIP === b.hostIP || a.hostIP === "0.0.0.0" || b.hostIP === "0.0.0.0")
  );
}

// ---- resources ---------------------------------------------------------------------------------

export interface Requests {
  cpuMilli: number;
  memory: number;
}

const DEFAULT_NONZERO = { cpuMilli: 100, memory: 200 * 2 ** 20 };

function containerRequests(c: Container, nonZero: boolean): Requests {
  const r = c.resources?.requests ?? {};
  const cpu = r.cpu !== undefined ? milliValue(r.cpu) : nonZero ? DEFAULT_NONZERO.cpuMilli : 0;
  const mem = r.memory !== undefined ? unitValue(r.memory) : nonZero ? DEFAULT_NONZERO.memory : 0;
  return { cpuMilli: cpu, memory: mem };
}

/**
 * A pod's requests: the sum over containers, at least the largest init container, plus the
 * overhead. `nonZero` applies the scheduler's scoring defaults (100m, 200Mi) to containers
 * that request nothing, so empty pods still spread.
 */
export function podRequests(pod: Pod, nonZero = false): Requests {
  const sum = { cpuMilli: 0, memory: 0 };
  for (const c of pod.spec?.containers ?? []) {
    const r = containerRequests(c, nonZero);
    sum.cpuMilli += r.cpuMilli;
    sum.memory += r.memory;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerRequests(c, nonZero);
    sum.cpuMilli = Math.max(sum.cpuMilli, r.cpuMilli);
    sum.memory = Math.max(sum.memory, r.memory);
  }
  const o = pod.spec?.overhead ?? {};
  if (o.cpu !== undefined) sum.cpuMilli += milliValue(o.cpu);
  if (o.memory !== undefined) sum.memory += unitValue(o.memory);
  return sum;
}

export interface Allocatable {
  cpuMilli: number;
  memory: number;
  pods: number;
}

export function allocatableOf(node: Node): Allocatable {
  const a = node.status?.allocatable ?? {};
  return {
    cpuMilli: a.cpu !== undefined ? milliValue(a.cpu) : 0,
    memory: a.memory !== undefined ? unitValue(a.memory) : 0,
    pods: a.pods !== undefined ? unitValue(a.pods) : 0,
  };
}

// ---- the node view -------------------------------------------------------------------------------

/** What is already on a node (framework.NodeInfo): its pods' requests, ports and count. */
export interface NodeInfo {
  node: Node;
  /** status.allocatable, parsed once. */
  alloc: Allocatable;
  pods: number;
  requested: Requests;
  nonZeroRequested: Requests;
  ports: HostPortUse[];
  /** The same ports by `<protocol>/<port>` (a conflict needs both equal): no scan of a full node. */
  portIndex: Map<string, HostPortUse[]>;
  /** The pods bound here, namespace and labels only (InterPodAffinity matches them), and those with pod (anti-)affinity. */
  podList: Pod[];
  affine: Pod[];
}

const portKey = (u: HostPortUse) => `${u.protocol}/${u.port}`;

/** Pods holding a node: bound and not finished. */
export function occupiesNode(p: Pod): boolean {
  const phase = p.status?.phase;
  return !!p.spec?.nodeName && phase !== "Succeeded" && phase !== "Failed";
}

/**
 * The nodes of one scheduling pass (framework's snapshot): what is bound to each, the spread
 * counts, and the informers DefaultSelector reads. `bind` accounts a decision so the next pod
 * of a batch sees it.
 */
export class NodeInfos extends Map<string, NodeInfo> {
  readonly spread = new SpreadIndex();
  /** Parsed spread constraints per pod shape (see spreadFor). */
  readonly shapes = new Map<string, SpreadConstraint[]>();
  /** Scratch for spreadScores, reused by every pod of the pass (read before the next pod). */
  scratch = { ignored: new Uint8Array(0), score: new Float64Array(0) };
  /**
   * The nodes holding a host port, by `<protocol>/<port>`: a pod's ports are looked up once per
   * pod here, and only these nodes are checked closely (not every node per port per pod).
   */
  readonly portHolders = new Map<string, Set<NodeInfo>>();
  /** Nodes holding pods with required anti-affinity, and with any pod (anti-)affinity. */
  readonly antiHolders = new Set<NodeInfo>();
  readonly affineHolders = new Set<NodeInfo>();
  /** Namespace labels by name (namespaceSelector of pod affinity terms). */
  namespaces: ReadonlyMap<string, Record<string, string> | undefined> = new Map();
  constructor(public owners: SpreadOwners = NO_OWNERS) {
    super();
  }

  bind(pod: Pod, node: string): void {
    const info = this.get(node);
    if (!info) return;
    addPod(info, pod);
    for (const key of podFacts(pod).portKeys) {
      const holders = this.portHolders.get(key);
      if (holders) holders.add(info);
      else this.portHolders.set(key, new Set([info]));
    }
    this.spread.add(pod, node);
    if (hasPodAffinity(pod)) {
      this.affineHolders.add(info);
      if (hasRequiredAntiAffinity(pod)) this.antiHolders.add(info);
    }
  }

  /** The nodes where one of the pod's host ports is held (only those can conflict). */
  portSuspects(facts: PodFacts): Set<NodeInfo> {
    const out = new Set<NodeInfo>();
    for (const key of facts.portKeys) for (const info of this.portHolders.get(key) ?? []) out.add(info);
    return out;
  }

  *nodes(): Iterable<Node> {
    for (const i of this.values()) yield i.node;
  }
}

function emptyInfo(node: Node): NodeInfo {
  return {
    node,
    alloc: allocatableOf(node),
    pods: 0,
    requested: { cpuMilli: 0, memory: 0 },
    nonZeroRequested: { cpuMilli: 0, memory: 0 },
    ports: [],
    portIndex: new Map(),
    podList: [],
    affine: [],
  };
}

export function nodeInfos(
  nodes: readonly Node[],
  boundPods: readonly Pod[],
  owners: SpreadOwners = NO_OWNERS,
): NodeInfos {
  const infos = new NodeInfos(owners);
  for (const node of nodes) infos.set(node.metadata?.name ?? "", emptyInfo(node));
  for (const p of boundPods) {
    if (!occupiesNode(p)) continue;
    const name = p.spec?.nodeName ?? "";
    if (infos.has(name)) infos.bind(p, name);
  }
  return infos;
}

/** Accounts a pod on a node (after binding, so the next pod of a batch sees it). */
export function addPod(info: NodeInfo, pod: Pod): void {
  const f = podFacts(pod);
  info.pods++;
  // Only what affinity terms match on (the node view outlives the pod's versions: no whole pods).
  info.podList.push({ metadata: { namespace: pod.metadata?.namespace, labels: pod.metadata?.labels } });
  if (hasPodAffinity(pod)) info.affine.push(pod);
  info.requested.cpuMilli += f.req.cpuMilli;
  info.requested.memory += f.req.memory;
  info.nonZeroRequested.cpuMilli += f.nonZero.cpuMilli;
  info.nonZeroRequested.memory += f.nonZero.memory;
  for (let i = 0; i < f.ports.length; i++) {
    const u = f.ports[i];
    info.ports.push(u);
    const same = info.portIndex.get(f.portKeys[i]);
    if (same) same.push(u);
    else info.portIndex.set(f.portKeys[i], [u]);
  }
}

/** What a bound pod adds to the node view: everything `nodeInfos` reads from it. */
interface Mark {
  node: string;
  /** The spec the facts were last found equal for (a pod's spec object changes once, at binding). */
  spec: unknown;
  facts: PodFacts;
  ns: string;
  labels: unknown;
  deleting: boolean;
}

function markOf(p: Pod, node: string): Mark {
  return {
    node,
    spec: p.spec,
    facts: podFacts(p),
    ns: p.metadata?.namespace ?? "default",
    labels: p.metadata?.labels,
    deleting: !!p.metadata?.deletionTimestamp,
  };
}

function sameFacts(a: PodFacts, b: PodFacts): boolean {
  return (
    a === b ||
    (a.req.cpuMilli === b.req.cpuMilli &&
      a.req.memory === b.req.memory &&
      a.nonZero.cpuMilli === b.nonZero.cpuMilli &&
      a.nonZero.memory === b.nonZero.memory &&
      jsonEqual(a.ports, b.ports))
  );
}

function sameMark(m: Mark, p: Pod, node: string): boolean {
  const meta = p.metadata;
  if (
    m.node !== node ||
    m.ns !== (meta?.namespace ?? "default") ||
    m.deleting !== !!meta?.deletionTimestamp ||
    !(m.labels === meta?.labels || jsonEqual(m.labels, meta?.labels))
  )
    return false;
  if (m.spec === p.spec) return true;
  const facts = podFacts(p);
  if (!sameFacts(m.facts, facts)) return false;
  m.spec = p.spec;
  m.facts = facts;
  return true;
}

/**
 * The node view kept from one scheduling pass to the next (upstream's scheduler cache keeps its
 * snapshot the same way). In a rollout the only change between passes is new bindings, so those
 * are added; anything else — a node changed, a bound pod gone, finished, relabelled or deleting,
 * a binding of ours that did not land — rebuilds it from the pods, as `nodeInfos` does.
 */
export class NodeView {
  private infos: NodeInfos | undefined;
  private nodes: readonly Node[] = [];
  /** Per pod uid, what it added (bound pods seen, and pods this view bound itself). */
  private marks = new Map<string, Mark>();

  /** The view for a pass over `nodes` and `pods` (every pod of the cluster). */
  current(nodes: readonly Node[], pods: readonly Pod[], owners: SpreadOwners = NO_OWNERS): NodeInfos {
    const infos = this.infos;
    if (infos && nodes.length === this.nodes.length && nodes.every((n, i) => n === this.nodes[i])) {
      const added: Pod[] = [];
      let matched = 0;
      let same = true;
      for (const p of pods) {
        const node = p.spec?.nodeName ?? "";
        if (!occupiesNode(p) || !infos.has(node)) continue;
        const m = this.marks.get(p.metadata?.uid ?? "");
        if (!m) added.push(p);
        else if (sameMark(m, p, node)) matched++;
        else {
          same = false;
          break;
        }
      }
      if (same && matched === this.marks.size) {
        for (const p of added) this.bind(p, p.spec?.nodeName ?? "");
        // Spread constraints read the owners (DefaultSelector): this pass's, parsed afresh.
        infos.owners = owners;
        infos.shapes.clear();
        return infos;
      }
    }
    this.nodes = nodes;
    this.marks = new Map();
    this.infos = new NodeInfos(owners);
    for (const node of nodes) this.infos.set(node.metadata?.name ?? "", emptyInfo(node));
    for (const p of pods) {
      const node = p.spec?.nodeName ?? "";
      if (occupiesNode(p) && this.infos.has(node)) this.bind(p, node);
    }
    return this.infos;
  }

  /** Accounts `pod` on `node` (a decision of this pass, or a pod found bound). */
  bind(pod: Pod, node: string): void {
    if (!this.infos?.has(node)) return;
    this.infos.bind(pod, node);
    this.marks.set(pod.metadata?.uid ?? "", markOf(pod, node));
  }
}

// ---- filters ----------------------------------------------------------------------------------------

/** What filtering needs from the pod, computed once per scheduling attempt. */
export interface PodFacts {
  ports: HostPortUse[];
  /** portKey of each of `ports`, built once rather than per node. */
  portKeys: string[];
  req: Requests;
  nonZero: Requests;
}

/**
 * By spec object: every pass rebuilds the nodes from all bound pods, and a pod that did not
 * change since the last pass is the same (read-only) object in the informer cache, so its
 * quantities are parsed once, not once per pass. Everything here derives from the spec.
 */
const factsBySpec = new WeakMap<object, PodFacts>();

export function podFacts(pod: Pod): PodFacts {
  const key = pod.spec;
  const have = key ? factsBySpec.get(key) : undefined;
  if (have) return have;
  const ports = hostPortsOf(pod);
  const facts = {
    ports,
    portKeys: ports.map(portKey),
    req: podRequests(pod),
    nonZero: podRequests(pod, true),
  };
  if (key) factsBySpec.set(key, facts);
  return facts;
}

/**
 * NodePorts: a wanted port conflicting with one the node's pods hold. `removed` (preemption's
 * dry run): ports of pods taken off the node, each a copy of one the node holds, so a conflict
 * counted there is one fewer held.
 */
function portsTaken(info: NodeInfo, facts: PodFacts, removed?: readonly HostPortUse[]): boolean {
  for (let i = 0; i < facts.ports.length; i++) {
    const want = facts.ports[i];
    const held = info.portIndex.get(facts.portKeys[i]);
    if (!held) continue;
    if (!removed) {
      if (held.some((u) => portsConflict(want, u))) return true;
      continue;
    }
    let n = 0;
    for (const u of held) if (portsConflict(want, u)) n++;
    for (const u of removed) if (portsConflict(want, u)) n--;
    if (n > 0) return true;
  }
  return false;
}

/** What preemption's dry run takes off a node: its victims' pod count, requests and host ports. */
export interface Removed {
  pods: number;
  cpuMilli: number;
  memory: number;
  ports: HostPortUse[];
}

/**
 * NodePorts and NodeResourcesFit, the filters removing pods can satisfy: every insufficient
 * resource is a reason; asking more than the node has at all cannot be fixed by preemption.
 */
export function nodeFit(info: NodeInfo, facts: PodFacts, removed?: Removed): NodeStatus | undefined {
  if (facts.ports.length && portsTaken(info, facts, removed?.ports))
    return { code: "Unschedulable", reasons: [REASON.ports] };
  return resourcesFit(info, facts, removed);
}

/** NodeResourcesFit (pods, cpu, memory), with `removed` taken off the node. */
function resourcesFit(info: NodeInfo, facts: PodFacts, removed?: Removed): NodeStatus | undefined {
  const alloc = info.alloc;
  const req = facts.req;
  const pods = info.pods - (removed?.pods ?? 0);
  const cpu = info.requested.cpuMilli - (removed?.cpuMilli ?? 0);
  const memory = info.requested.memory - (removed?.memory ?? 0);
  const reasons: string[] = [];
  let code: Code = "Unschedulable";
  if (pods + 1 > alloc.pods) reasons.push(REASON.tooManyPods);
  if (req.cpuMilli > 0 && alloc.cpuMilli < req.cpuMilli + cpu) {
    reasons.push(REASON.cpu);
    if (req.cpuMilli > alloc.cpuMilli) code = "UnschedulableAndUnresolvable";
  }
  if (req.memory > 0 && alloc.memory < req.memory + memory) {
    reasons.push(REASON.memory);
    if (req.memory > alloc.memory) code = "UnschedulableAndUnresolvable";
  }
  return reasons.length ? { code, reasons } : undefined;
}

/** Runs the filters in upstream order; undefined when the node fits. */
export function filterNode(
  pod: Pod,
  info: NodeInfo,
  version: string,
  facts: PodFacts = podFacts(pod),
  portSuspects?: ReadonlySet<NodeInfo>,
): NodeStatus | undefined {
  const node = info.node;
  const tolerations = pod.spec?.tolerations ?? [];
  // NodeUnschedulable
  if (
    node.spec?.unschedulable &&
    !tolerations.some((t) => tolerates(t, { key: UNSCHEDULABLE_TAINT, effect: "NoSchedule" }))
  )
    return { code: "UnschedulableAndUnresolvable", reasons: [REASON.unschedulable] };
  // TaintToleration
  const taint = untoleratedTaint(node.spec?.taints ?? [], tolerations);
  if (taint) return { code: "UnschedulableAndUnresolvable", reasons: [taintReason(taint, version)] };
  // NodeAffinity (nodeSelector included)
  if (!matchesNodeAffinity(pod, node))
    return { code: "UnschedulableAndUnresolvable", reasons: [REASON.affinity] };
  // NodePorts
  if (facts.ports.length && (portSuspects?.has(info) ?? true) && portsTaken(info, facts))
    return { code: "Unschedulable", reasons: [REASON.ports] };
  // NodeResourcesFit
  return resourcesFit(info, facts);
}

// ---- priority: the queue's order, nominated pods ------------------------------------------------

/** corev1helpers.PodPriority: spec.priority, 0 when unset. */
export function podPriority(p: Pod): number {
  return p.spec?.priority ?? 0;
}

/**
 * PrioritySort (the QueueSort plugin): higher `spec.priority` first, then the one queued first
 * (its creation here; upstream, the time it entered the queue); the name keeps it deterministic.
 */
export function queueOrder(a: Pod, b: Pod): number {
  return (
    podPriority(b) - podPriority(a) ||
    (a.metadata?.creationTimestamp ?? "").localeCompare(b.metadata?.creationTimestamp ?? "") ||
    (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? "")
  );
}

const podKey = (p: Pod) => `${p.metadata?.namespace ?? "default"}/${p.metadata?.name ?? ""}`;

/**
 * The scheduler's PodNominator: pending pods waiting on the node their preemption is freeing
 * (`status.nominatedNodeName`), by node. Filters count those of a priority at least the pod's
 * on their node (RunFilterPluginsWithNominatedPods), so the room victims leave goes to the pod
 * that made it, not to a lower-priority pod scheduled first.
 */
export class Nominations {
  private readonly byNode = new Map<string, Map<string, Pod>>();
  private readonly nodeOf = new Map<string, string>();

  get size(): number {
    return this.nodeOf.size;
  }

  /** Nominates `pod` to `node`; no node drops its nomination. */
  set(pod: Pod, node: string | undefined): void {
    this.delete(pod);
    if (!node) return;
    const key = podKey(pod);
    this.nodeOf.set(key, node);
    const on = this.byNode.get(node);
    if (on) on.set(key, pod);
    else this.byNode.set(node, new Map([[key, pod]]));
  }

  delete(pod: Pod): void {
    const key = podKey(pod);
    const node = this.nodeOf.get(key);
    if (node === undefined) return;
    this.nodeOf.delete(key);
    const on = this.byNode.get(node);
    on?.delete(key);
    if (on?.size === 0) this.byNode.delete(node);
  }

  /** The node `pod` is nominated to, if any. */
  nodeFor(pod: Pod): string | undefined {
    return this.nodeOf.get(podKey(pod));
  }

  /** The pods nominated to `node`. */
  on(node: string): Pod[] {
    return [...(this.byNode.get(node)?.values() ?? [])];
  }

  /**
   * For each node holding nominations of `pod`'s priority or higher (itself aside), the node's
   * view with those pods added; the others are unchanged.
   */
  views(pod: Pod, infos: NodeInfos): Map<NodeInfo, NodeInfo> | undefined {
    let out: Map<NodeInfo, NodeInfo> | undefined;
    const prio = podPriority(pod);
    const self = podKey(pod);
    for (const [node, pods] of this.byNode) {
      const info = infos.get(node);
      if (!info) continue;
      const more = [...pods].filter(([k, p]) => k !== self && podPriority(p) >= prio).map(([, p]) => p);
      if (!more.length) continue;
      out ??= new Map();
      out.set(info, withPods(info, more));
    }
    return out;
  }
}

/** A copy of a node's view with more pods accounted (the original is left as it is). */
export function withPods(info: NodeInfo, pods: readonly Pod[]): NodeInfo {
  const copy: NodeInfo = {
    ...info,
    requested: { ...info.requested },
    nonZeroRequested: { ...info.nonZeroRequested },
    ports: [...info.ports],
    portIndex: new Map([...info.portIndex].map(([k, v]) => [k, [...v]])),
    podList: [...info.podList],
    affine: [...info.affine],
  };
  for (const p of pods) addPod(copy, p);
  return copy;
}

// ---- PodTopologySpread ------------------------------------------------------------------------

const DEFAULT_ACTIONS = new Set(SYSTEM_DEFAULT_CONSTRAINTS.map((c) => c.whenUnsatisfiable));

/**
 * The pod's own constraints of that kind; a pod with none of its own gets the system
 * defaults of that kind, selecting by DefaultSelector (none when that selector is empty).
 */
function spreadFor(
  pod: Pod,
  action: "DoNotSchedule" | "ScheduleAnyway",
  infos: NodeInfos,
  minor: number,
): SpreadConstraint[] {
  const own = pod.spec?.topologySpreadConstraints ?? [];
  if (!own.length && !DEFAULT_ACTIONS.has(action)) return []; // the defaults never filter
  const labels = pod.metadata?.labels;
  // Replicas share their shape: parse once per (namespace, controller, labels, constraints).
  const shape = [
    action,
    minor,
    pod.metadata?.namespace ?? "default",
    pod.metadata?.ownerReferences?.find((o) => o.controller)?.uid ?? "",
    JSON.stringify(labels ?? {}),
    own.length ? JSON.stringify(own) : "",
  ].join("\n");
  const known = infos.shapes.get(shape);
  if (known) return known;
  const out = spreadShape(pod, own, action, infos, minor);
  infos.shapes.set(shape, out);
  return out;
}

function spreadShape(
  pod: Pod,
  own: readonly TopologySpreadConstraint[],
  action: "DoNotSchedule" | "ScheduleAnyway",
  infos: NodeInfos,
  minor: number,
): SpreadConstraint[] {
  const labels = pod.metadata?.labels;
  if (own.length) return spreadConstraints(own, labels, action, minor);
  const cs = spreadConstraints(SYSTEM_DEFAULT_CONSTRAINTS, labels, action, minor);
  if (!cs.length) return cs;
  const sel = defaultSelector(pod, infos.owners);
  return sel ? cs.map((c) => ({ ...c, selector: sel })) : [];
}

/**
 * Matching pods per domain over the nodes that count for `c`: with every key of `required`
 * (when given), matching the pod's required node affinity (nodeAffinityPolicy Honor) and
 * tolerated (nodeTaintsPolicy Honor). Pods alike (same selector, affinity, tolerations)
 * share the tally, which `NodeInfos.bind` keeps current.
 */
function domainsFor(
  pod: Pod,
  c: SpreadConstraint,
  required: readonly SpreadConstraint[] | undefined,
  infos: NodeInfos,
): Domains {
  const spec = pod.spec;
  const which = [
    c.honorAffinity
      ? JSON.stringify([
          spec?.nodeSelector ?? null,
          spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? null,
        ])
      : "*",
    c.honorTaints ? JSON.stringify(spec?.tolerations ?? []) : "*",
    required ? required.map((r) => r.topologyKey).join(",") : "*",
  ].join("\n");
  return infos.spread.domains(
    pod.metadata?.namespace ?? "default",
    c.selector,
    c.topologyKey,
    which,
    infos.nodes(),
    (n) =>
      (!required || hasTopologyKeys(n, required)) &&
      (!c.honorAffinity || matchesNodeAffinity(pod, n)) &&
      (!c.honorTaints || !untoleratedTaint(n.spec?.taints ?? [], spec?.tolerations ?? [])),
  );
}

/** PreFilter: the DoNotSchedule constraints, their tallies, global minimums and self-match. */
interface SpreadFilter {
  constraints: SpreadConstraint[];
  domains: Domains[];
  min: number[];
  self: number[];
}

function spreadFilterState(pod: Pod, infos: NodeInfos, minor: number): SpreadFilter | undefined {
  const constraints = spreadFor(pod, "DoNotSchedule", infos, minor);
  if (!constraints.length) return undefined;
  const domains = constraints.map((c) => domainsFor(pod, c, constraints, infos));
  const min = constraints.map((c, i) => {
    const d = domains[i];
    // Fewer eligible domains than minDomains: the global minimum is taken as 0.
    if (d.counts.size < c.minDomains) return 0;
    let m = Number.POSITIVE_INFINITY;
    for (const n of d.counts.values()) if (n < m) m = n;
    return m;
  });
  const self = constraints.map((c) => (selectorMatchesLabels(c.selector, pod.metadata?.labels) ? 1 : 0));
  return { constraints, domains, min, self };
}

/** InterPodAffinity's Filter status: a pod affinity miss cannot be fixed by preemption. */
function affinityStatus(reason: keyof typeof AFFINITY_REASON | undefined): NodeStatus | undefined {
  if (!reason) return undefined;
  return {
    code: reason === "affinity" ? "UnschedulableAndUnresolvable" : "Unschedulable",
    reasons: [AFFINITY_REASON[reason]],
  };
}

/** Filter: 'matching pods in the node's domain' + self − global minimum ≤ maxSkew. */
function spreadFilter(s: SpreadFilter, node: Node): NodeStatus | undefined {
  const labels = node.metadata?.labels ?? {};
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i];
    if (!Object.hasOwn(labels, c.topologyKey))
      return { code: "UnschedulableAndUnresolvable", reasons: [REASON.spreadLabel] };
    const match = s.domains[i].counts.get(labels[c.topologyKey]) ?? 0;
    if (match + s.self[i] - s.min[i] > c.maxSkew) return { code: "Unschedulable", reasons: [REASON.spread] };
  }
  return undefined;
}

/**
 * PreScore + Score + NormalizeScore over the feasible nodes: per node the sum over constraints
 * of count·ln(domains+2) + maxSkew−1, rounded; then fewer matching pods score higher,
 * 100·(max+min−s)/max; nodes lacking a key of the pod's own constraints score 0. Undefined
 * when the plugin skips (no soft constraints).
 */
function spreadScores(
  pod: Pod,
  feasible: readonly NodeInfo[],
  infos: NodeInfos,
  minor: number,
): Float64Array | undefined {
  const constraints = spreadFor(pod, "ScheduleAnyway", infos, minor);
  if (!constraints.length) return undefined;
  const n = feasible.length;
  // Only the pod's own constraints require every key; system defaults still spread by
  // hostname on nodes without a zone. (Typed arrays: this runs per pod of a 10,000-pod batch.)
  const requireAll = (pod.spec?.topologySpreadConstraints ?? []).length > 0;
  if (infos.scratch.score.length < n)
    infos.scratch = { ignored: new Uint8Array(n), score: new Float64Array(n) };
  const ignored = infos.scratch.ignored.fill(0, 0, n);
  const score = infos.scratch.score.fill(0, 0, n);
  let counted = n;
  if (requireAll)
    for (let j = 0; j < n; j++)
      if (!hasTopologyKeys(feasible[j].node, constraints)) {
        ignored[j] = 1;
        counted--;
      }
  const ns = pod.metadata?.namespace ?? "default";
  // Constraint by constraint, each node's sum is built in upstream's order.
  for (const c of constraints) {
    const key = c.topologyKey;
    if (key === LABEL_HOSTNAME) {
      const perNode = infos.spread.perNode(ns, c.selector);
      const w = topologyNormalizingWeight(counted);
      for (let j = 0; j < n; j++) {
        const meta = feasible[j].node.metadata;
        if (ignored[j] || !meta?.labels || !Object.hasOwn(meta.labels, key)) continue;
        score[j] += scoreForCount(perNode.get(meta.name ?? "") ?? 0, c.maxSkew, w);
      }
      continue;
    }
    const counts = domainsFor(pod, c, requireAll ? constraints : undefined, infos).counts;
    // Domains among the scored nodes (every feasible node's value is a key of `counts`, so
    // one domain in all — a non-zonal pool — needs no count).
    let size = counted > 0 ? 1 : 0;
    if (counts.size > 1) {
      const values = new Set<string>();
      for (let j = 0; j < n; j++) if (!ignored[j]) values.add(feasible[j].node.metadata?.labels?.[key] ?? "");
      size = values.size;
    }
    const w = topologyNormalizingWeight(size);
    for (let j = 0; j < n; j++) {
      const labels = feasible[j].node.metadata?.labels;
      if (ignored[j] || !labels || !Object.hasOwn(labels, key)) continue;
      score[j] += scoreForCount(counts.get(labels[key]) ?? 0, c.maxSkew, w);
    }
  }
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (let j = 0; j < n; j++) {
    if (ignored[j]) continue;
    const s = Math.round(score[j]);
    score[j] = s;
    if (s < min) min = s;
    if (s > max) max = s;
  }
  for (let j = 0; j < n; j++)
    score[j] = ignored[j]
      ? 0
      : max === 0
        ? MAX_SCORE
        : Math.floor((MAX_SCORE * (max + min - score[j])) / max);
  return score;
}

// ---- scoring --------------------------------------------------------------------------------------

const MAX_SCORE = 100;

/** The default profile's score plugin weights (those modelled here; pkg/scheduler/apis/config/v1). */
export const SCORE_WEIGHTS = {
  TaintToleration: 3,
  NodeAffinity: 2,
  NodeResourcesFit: 1,
  PodTopologySpread: 2,
  NodeResourcesBalancedAllocation: 1,
  InterPodAffinity: 2,
} as const;

function leastAllocated(info: NodeInfo, facts: PodFacts): number {
  const alloc = info.alloc;
  const nz = facts.nonZero;
  const one = (req: number, cap: number) =>
    cap <= 0 || req > cap ? 0 : Math.floor(((cap - req) * MAX_SCORE) / cap);
  return Math.floor(
    (one(info.nonZeroRequested.cpuMilli + nz.cpuMilli, alloc.cpuMilli) +
      one(info.nonZeroRequested.memory + nz.memory, alloc.memory)) /
      2,
  );
}

function balancedAllocation(info: NodeInfo, facts: PodFacts): number {
  const alloc = info.alloc;
  const r = facts.req;
  const frac = (req: number, cap: number) => (cap <= 0 ? 1 : Math.min(1, req / cap));
  const c = frac(info.requested.cpuMilli + r.cpuMilli, alloc.cpuMilli);
  const m = frac(info.requested.memory + r.memory, alloc.memory);
  return Math.floor((1 - Math.abs(c - m) / 2) * MAX_SCORE);
}

function preferredAffinity(pod: Pod, node: Node): number {
  let sum = 0;
  for (const t of pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
    if (matchTerm(t.preference, node)) sum += t.weight;
  return sum;
}

function intolerablePreferNoSchedule(pod: Pod, node: Node): number {
  const tol = (pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === "PreferNoSchedule");
  return (node.spec?.taints ?? []).filter(
    (taint) => taint.effect === "PreferNoSchedule" && !tol.some((t) => tolerates(t, taint)),
  ).length;
}

/**
 * Scores of the feasible nodes, each plugin's 0–100 score times its SCORE_WEIGHTS weight:
 * NodeResourcesFit (LeastAllocated), NodeResourcesBalancedAllocation, NodeAffinity and
 * TaintToleration (normalised over the feasible nodes as DefaultNormalizeScore does),
 * PodTopologySpread (its own normalisation; nothing when it skips).
 */
export function scoreNodes(
  pod: Pod,
  feasible: readonly NodeInfo[],
  infos: NodeInfos,
  version: string,
  facts: PodFacts = podFacts(pod),
): Map<string, number> {
  const aff = feasible.map((i) => preferredAffinity(pod, i.node));
  const tnt = feasible.map((i) => intolerablePreferNoSchedule(pod, i.node));
  let maxAff = 0;
  let maxTnt = 0;
  for (let i = 0; i < feasible.length; i++) {
    if (aff[i] > maxAff) maxAff = aff[i];
    if (tnt[i] > maxTnt) maxTnt = tnt[i];
  }
  const spread = spreadScores(pod, feasible, infos, parseVersion(version)[1]);
  const inter = affinityScores(pod, feasible, infos);
  const w = SCORE_WEIGHTS;
  const out = new Map<string, number>();
  feasible.forEach((info, i) => {
    const affScore = maxAff > 0 ? Math.floor((aff[i] * MAX_SCORE) / maxAff) : 0;
    const tntScore = maxTnt > 0 ? MAX_SCORE - Math.floor((tnt[i] * MAX_SCORE) / maxTnt) : MAX_SCORE;
    out.set(
      info.node.metadata?.name ?? "",
      w.NodeResourcesFit * leastAllocated(info, facts) +
        w.NodeResourcesBalancedAllocation * balancedAllocation(info, facts) +
        w.NodeAffinity * affScore +
        w.TaintToleration * tntScore +
        (spread ? w.PodTopologySpread * spread[i] : 0) +
        (inter ? w.InterPodAffinity * inter[i] : 0),
    );
  });
  return out;
}

// ---- the decision ------------------------------------------------------------------------------------

export type ScheduleResult =
  | { node: string }
  | {
      node?: undefined;
      /** The FailedScheduling event message and PodScheduled=False condition message. */
      message: string;
      /** Per node, the reasons it was rejected with (for explanations and tests). */
      rejected: Map<string, string[]>;
      /**
       * The PostFilter's nomination (status.nominatedNodeName): a node, "" to clear it;
       * absent leaves it as it is.
       */
      nominatedNode?: string;
      /** Pods to preempt (graceful delete) so the pod fits on `nominatedNode` later. */
      victims?: Pod[];
    };

/** Go's sort.Strings over "<count> <reason>". */
export function histogram(statuses: Iterable<readonly string[]>): string {
  const counts = new Map<string, number>();
  for (const reasons of statuses) for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts]
    .map(([r, n]) => `${n} ${r}`)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .join(", ");
}

/**
 * DefaultPreemption's message when no node offers victims (every pod has the pod's priority or
 * more): nodes preemption could help get "No preemption victims found", the others "not helpful".
 */
export function noVictimsMessage(pod: Pod, statuses: ReadonlyMap<string, NodeStatus>): string {
  if (pod.spec?.preemptionPolicy === "Never")
    return "preemption: not eligible due to preemptionPolicy=Never.";
  const per = [...statuses.values()].map((s) => [
    s.code === "UnschedulableAndUnresolvable" ? REASON.notHelpful : REASON.noVictims,
  ]);
  return `preemption: 0/${statuses.size} nodes are available: ${histogram(per)}.`;
}

/**
 * framework.FitError.Error() with the PostFilter plugins' message (`postFilter`; empty when
 * preemption nominated a node, as upstream appends nothing then).
 */
export function fitErrorMessage(
  pod: Pod,
  statuses: ReadonlyMap<string, NodeStatus>,
  version: string,
  preFilter?: string,
  postFilter: string = noVictimsMessage(pod, statuses),
): string {
  const n = statuses.size;
  if (n === 0) return "no nodes available to schedule pods";
  // A PreFilter refusal stands for every node: its message replaces the histogram.
  let msg = `0/${n} nodes are available: ${preFilter ?? histogram([...statuses.values()].map((s) => s.reasons))}.`;
  const minor = parseVersion(version)[1];
  // The PostFilter's message joined the FitError in 1.24 (kubernetes#107775); until 1.30 the
  // " %v." separator put a second period after the preemption message's own.
  if (minor < 24 || !postFilter) return msg;
  msg += ` ${draPostFilter(version)}${postFilter}${minor < 30 ? "." : ""}`;
  return msg;
}

/**
 * The PostFilter extension point (DefaultPreemption, workloads/preemption.ts): what it makes of
 * a pod no node took. `recheck` runs the pod's other filters (volumes, spread, inter-pod
 * affinity) on a node; `view` is a node as the filters saw it (nominated pods included).
 */
export interface PostFilter {
  postFilter(
    pod: Pod,
    statuses: ReadonlyMap<string, NodeStatus>,
    infos: NodeInfos,
    facts: PodFacts,
    recheck: (info: NodeInfo) => NodeStatus | undefined,
    view: (info: NodeInfo) => NodeInfo,
  ): PostFilterResult;
}

export interface PostFilterResult {
  /** Appended to the FitError ("preemption: …"); empty when a node was nominated. */
  message: string;
  nominatedNode?: string;
  victims?: Pod[];
}

/** What one scheduling pass adds to a pod's cycle: the nominated pods, and the PostFilter. */
export interface Cycle {
  nominations?: Nominations;
  postFilter?: PostFilter;
}

/** The VolumeBinding plugin's answer for one pod (workloads/volumes.ts: podVolumeCheck). */
export interface VolumeFilter {
  preFilter?: string;
  nodeReason: (node: Node) => string | undefined;
}

/**
 * Picks a node for `pod` among `nodes`, given the node views (`nodeInfos`). The highest
 * score wins; ties go to the lexically smallest node name (upstream picks at random among
 * the best; we stay deterministic). `version` is the cluster's Kubernetes version (wording).
 * With no node, the PostFilter (`cycle.postFilter`, preemption) has its say.
 */
export function schedule(
  pod: Pod,
  infos: NodeInfos,
  version: string,
  volumes?: VolumeFilter,
  cycle?: Cycle,
): ScheduleResult {
  const statuses = new Map<string, NodeStatus>();
  const feasible: NodeInfo[] = [];
  const facts = podFacts(pod);
  const fail = (
    preFilter?: string,
    recheck: (info: NodeInfo) => NodeStatus | undefined = () => undefined,
  ) => {
    const post = cycle?.postFilter?.postFilter(pod, statuses, infos, facts, recheck, view);
    return {
      message: fitErrorMessage(pod, statuses, version, preFilter, post?.message),
      rejected: new Map([...statuses].map(([k, v]) => [k, v.reasons])),
      ...(post?.nominatedNode !== undefined ? { nominatedNode: post.nominatedNode } : {}),
      ...(post?.victims?.length ? { victims: post.victims } : {}),
    };
  };
  // Nodes with nominated pods of this priority or higher are filtered with those pods on them.
  const nominated = cycle?.nominations?.size ? cycle.nominations.views(pod, infos) : undefined;
  const view = (info: NodeInfo) => nominated?.get(info) ?? info;
  if (volumes?.preFilter) {
    for (const info of infos.values())
      statuses.set(info.node.metadata?.name ?? "", {
        code: "UnschedulableAndUnresolvable",
        reasons: [volumes.preFilter],
      });
    return fail(volumes.preFilter);
  }
  const volumeStatus = (node: Node): NodeStatus | undefined => {
    const r = volumes?.nodeReason(node);
    return r ? { code: "UnschedulableAndUnresolvable", reasons: [r] } : undefined;
  };
  const spread = spreadFilterState(pod, infos, parseVersion(version)[1]);
  const suspects = facts.ports.length ? infos.portSuspects(facts) : undefined;
  const affinity = affinityFilterState(pod, infos);
  const others = (info: NodeInfo) =>
    volumeStatus(info.node) ??
    (spread && spreadFilter(spread, info.node)) ??
    (affinity && affinityStatus(affinityFilter(affinity, info.node)));
  // evaluateNominatedNode: a pod its preemption nominated takes that node as soon as it fits
  // there, before any other node is looked at.
  const nominatedNode = pod.status?.nominatedNodeName;
  const mine = nominatedNode ? infos.get(nominatedNode) : undefined;
  if (mine && !filterNode(pod, view(mine), version, facts) && !others(mine))
    return { node: nominatedNode ?? "" };
  for (const info of infos.values()) {
    const seen = view(info);
    // A node seen with its nominated pods added is not in the port index: checked in full.
    const st = filterNode(pod, seen, version, facts, seen === info ? suspects : undefined) ?? others(info);
    if (st) statuses.set(info.node.metadata?.name ?? "", st);
    else feasible.push(info);
  }
  if (feasible.length === 0) return fail(undefined, others);
  if (feasible.length === 1) return { node: feasible[0].node.metadata?.name ?? "" };
  const scores = scoreNodes(pod, feasible, infos, version, facts);
  let best: [string, number] | undefined;
  for (const e of scores) if (!best || e[1] > best[1] || (e[1] === best[1] && e[0] < best[0])) best = e;
  return { node: (best as [string, number])[0] };
}

/** The Binding a scheduler posts (pods/binding) and the Scheduled event it records. */
export function bindingFor(pod: Pod, node: string) {
  return {
    apiVersion: "v1",
    kind: "Binding",
    metadata: { name: pod.metadata?.name ?? "", namespace: pod.metadata?.namespace ?? "default" },
    target: { apiVersion: "v1", kind: "Node", name: node },
  };
}

export function scheduledMessage(pod: Pod, node: string): string {
  return `Successfully assigned ${pod.metadata?.namespace ?? "default"}/${pod.metadata?.name ?? ""} to ${node}`;
}
