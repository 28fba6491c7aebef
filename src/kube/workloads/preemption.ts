// DefaultPreemption, kube-scheduler's PostFilter plugin (pkg/scheduler/framework/plugins/
// defaultpreemption and pkg/scheduler/framework/preemption), as pure functions over one
// scheduling pass. A pod no node took, whose preemptionPolicy is not Never:
// - is not eligible while its nominated node still has a lower-priority pod terminating by
//   preemption (its earlier victims are going);
// - on each node whose filters failed for reasons removing pods can fix (Unschedulable, not
//   UnschedulableAndUnresolvable — node selector, affinity, taints, a request over the node's
//   size), every pod of strictly lower priority is taken off; if the pod then fits, they are
//   put back one by one, most important first (higher priority, then the earliest started) —
//   those whose PodDisruptionBudget would be broken first — and each one the pod no longer fits
//   with is a victim;
// - the node is chosen by upstream's order: fewest budget violations, lowest highest-victim
//   priority, smallest sum of priorities, fewest victims, latest start among the highest-priority
//   victims, then the first (upstream: map order; here node order);
// - the victims get the DisruptionTarget condition (PreemptionByScheduler), are deleted
//   gracefully and get a `Preempted` event; the pod gets `status.nominatedNodeName` and binds on
//   a later pass once they are gone. No candidate: the FitError's "preemption: 0/N nodes are
//   available: …" over what the dry run said per node.
// Not modelled: PodTopologySpread and InterPodAffinity are judged with the victims still on the
// node (upstream's RemovePod PreFilter extensions recount them), and the candidate search starts
// at the first node, not a random offset.
import type { Event, Pod, PodStatus } from "kubernetes-types/core/v1.js";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js";
import { makeEvent } from "./events.js";
import { selectorMatches, withDisruptionTarget } from "./pods.js";
import {
  histogram,
  type NodeInfo,
  type NodeInfos,
  type NodeStatus,
  nodeFit,
  noVictimsMessage,
  occupiesNode,
  type PodFacts,
  type PostFilter,
  type PostFilterResult,
  podFacts,
  podPriority,
  REASON,
  type Removed,
  versionMinor,
} from "./scheduler.js";

/** v1.PodReasonPreemptionByScheduler, the DisruptionTarget condition's reason on a victim. */
export const PREEMPTION_REASON = "PreemptionByScheduler";
export const NOT_ELIGIBLE = {
  never: "not eligible due to preemptionPolicy=Never.",
  terminating: "not eligible due to a terminating pod on the nominated node.",
} as const;

/** DefaultPreemptionArgs' defaults: candidates wanted are 10% of the nodes, at least 100. */
const MIN_CANDIDATE_NODES_PERCENTAGE = 10;
const MIN_CANDIDATE_NODES_ABSOLUTE = 100;

/** The lowest priority of a pod holding a node (+∞ with none): only pods above it can preempt. */
export function preemptionFloor(pods: Iterable<Pod>): number {
  let floor = Number.POSITIVE_INFINITY;
  for (const p of pods) if (occupiesNode(p)) floor = Math.min(floor, podPriority(p));
  return floor;
}

/** Whether a pending pod may preempt at all: policy, and some pod of lower priority exists. */
export function mayPreempt(pod: Pod, floor: number): boolean {
  return pod.spec?.preemptionPolicy !== "Never" && podPriority(pod) > floor;
}

/** util.GetPodStartTime in ms: status.startTime, or now when the pod has not started. */
function startMs(p: Pod, nowMs: number): number {
  const t = p.status?.startTime ? Date.parse(p.status.startTime) : Number.NaN;
  return Number.isNaN(t) ? nowMs : t;
}

/**
 * util.MoreImportantPod as a sort order (most important first): higher priority, then the one
 * started earlier; then by name (Go's sort is not stable; we stay deterministic).
 */
function importance(nowMs: number): (a: Pod, b: Pod) => number {
  return (a, b) =>
    podPriority(b) - podPriority(a) ||
    startMs(a, nowMs) - startMs(b, nowMs) ||
    (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? "");
}

/**
 * podTerminatingByPreemption: being deleted with DisruptionTarget=True for PreemptionByScheduler
 * (before PodDisruptionConditions, 1.26, any terminating pod counted).
 */
export function terminatingByPreemption(p: Pod, minor: number): boolean {
  if (!p.metadata?.deletionTimestamp) return false;
  if (minor < 26) return true;
  const c = p.status?.conditions?.find((x) => x.type === "DisruptionTarget");
  return c?.status === "True" && c.reason === PREEMPTION_REASON;
}

/**
 * filterPodsWithPDBViolation: in order, each pod takes one from every budget selecting it (its
 * namespace, a non-empty selector, not already in disruptedPods); a budget below zero makes the
 * pod violating. Order within each group is kept.
 */
export function splitByBudgets(
  pods: readonly Pod[],
  budgets: readonly PodDisruptionBudget[],
): { violating: Pod[]; nonViolating: Pod[] } {
  const allowed = budgets.map((b) => b.status?.disruptionsAllowed ?? 0);
  const violating: Pod[] = [];
  const nonViolating: Pod[] = [];
  for (const p of pods) {
    const labels = p.metadata?.labels;
    let violated = false;
    if (labels && Object.keys(labels).length)
      budgets.forEach((b, i) => {
        if ((b.metadata?.namespace ?? "default") !== (p.metadata?.namespace ?? "default")) return;
        const sel = b.spec?.selector;
        // A nil or empty selector matches nothing (policy/v1).
        if (!sel || (!Object.keys(sel.matchLabels ?? {}).length && !sel.matchExpressions?.length)) return;
        if (!selectorMatches(sel, labels)) return;
        if (b.status?.disruptedPods?.[p.metadata?.name ?? ""] !== undefined) return;
        allowed[i]--;
        if (allowed[i] < 0) violated = true;
      });
    (violated ? violating : nonViolating).push(p);
  }
  return { violating, nonViolating };
}

/** One node preemption could use: its victims, most important first, and budgets broken. */
export interface Candidate {
  node: string;
  victims: Pod[];
  violations: number;
}

function removedOf(pods: readonly Pod[]): Removed {
  const r: Removed = { pods: 0, cpuMilli: 0, memory: 0, ports: [] };
  for (const p of pods) take(r, p, 1);
  return r;
}

/** Adds (sign 1) or gives back (−1) a pod's share of the node to what the dry run removed. */
function take(r: Removed, p: Pod, sign: 1 | -1): void {
  const f = podFacts(p);
  r.pods += sign;
  r.cpuMilli += sign * f.req.cpuMilli;
  r.memory += sign * f.req.memory;
  if (sign > 0) r.ports.push(...f.ports);
  else
    for (const u of f.ports) {
      // The same objects were pushed (podFacts keeps them per spec): found by identity.
      const at = r.ports.indexOf(u);
      if (at >= 0) r.ports.splice(at, 1);
    }
}

/**
 * SelectVictimsOnNode: the fewest pods of lower priority to take off `info` for `pod` to fit,
 * or the status saying why none will do (no lower-priority pod; still no fit without them all).
 * `onNode` are the pods bound there; `recheck` the pod's filters that victims do not change here.
 */
export function selectVictims(
  pod: Pod,
  facts: PodFacts,
  info: NodeInfo,
  onNode: readonly Pod[],
  budgets: readonly PodDisruptionBudget[],
  nowMs: number,
  recheck: (info: NodeInfo) => NodeStatus | undefined = () => undefined,
): Omit<Candidate, "node"> | NodeStatus {
  const prio = podPriority(pod);
  const potential = onNode.filter((p) => podPriority(p) < prio);
  if (!potential.length) return { code: "UnschedulableAndUnresolvable", reasons: [REASON.noVictims] };
  const removed = removedOf(potential);
  const still = nodeFit(info, facts, removed) ?? recheck(info);
  if (still) return still;
  const order = importance(nowMs);
  potential.sort(order);
  const { violating, nonViolating } = splitByBudgets(potential, budgets);
  const victims: Pod[] = [];
  let violations = 0;
  // Reprieve as many as possible: the budget-violating ones first, each group most important first.
  const reprieve = (p: Pod): boolean => {
    take(removed, p, -1);
    if (!nodeFit(info, facts, removed)) return true;
    take(removed, p, 1);
    victims.push(p);
    return false;
  };
  for (const p of violating) if (!reprieve(p)) violations++;
  for (const p of nonViolating) reprieve(p);
  if (violating.length && nonViolating.length) victims.sort(order);
  return { victims, violations };
}

/** util.GetEarliestPodStartTime: the earliest start among the highest-priority victims. */
function earliestStart(victims: readonly Pod[], nowMs: number): number {
  let max = podPriority(victims[0]);
  let earliest = startMs(victims[0], nowMs);
  for (const p of victims) {
    const prio = podPriority(p);
    if (prio === max) earliest = Math.min(earliest, startMs(p, nowMs));
    else if (prio > max) {
      max = prio;
      earliest = startMs(p, nowMs);
    }
  }
  return earliest;
}

/**
 * pickOneNodeForPreemption: each score in turn keeps the candidates with the highest; the
 * first left wins.
 */
export function pickCandidate(candidates: readonly Candidate[], nowMs: number): Candidate | undefined {
  // MaxInt32+1 added to each priority, so a few negative victims never beat fewer of them.
  const offset = 2 ** 31;
  const scores: ((c: Candidate) => number)[] = [
    (c) => -c.violations,
    (c) => -podPriority(c.victims[0]),
    (c) => -c.victims.reduce((sum, p) => sum + podPriority(p) + offset, 0),
    (c) => -c.victims.length,
    (c) => earliestStart(c.victims, nowMs),
  ];
  let left = candidates;
  for (const score of scores) {
    if (left.length <= 1) break;
    let max = Number.NEGATIVE_INFINITY;
    let kept: Candidate[] = [];
    for (const c of left) {
      const s = score(c);
      if (s > max) {
        max = s;
        kept = [c];
      } else if (s === max) kept.push(c);
    }
    left = kept;
  }
  return left[0];
}

/**
 * The DefaultPreemption plugin for one scheduling pass: built when some pending pod may preempt,
 * it indexes the bound pods by node on first use, and remembers the victims it picked so a later
 * pod of the pass sees them as terminating by preemption (their writes follow the pass).
 */
export class Preemption implements PostFilter {
  private byNode: Map<string, Pod[]> | undefined;
  private readonly picked = new Set<string>();
  private readonly minor: number;

  // Pods a pass binds are never victims within it: the pass goes in priority order, so every
  // pod after them has their priority or less. The bound pods of `pods` are all there is.
  constructor(
    private readonly pods: readonly Pod[],
    private readonly budgets: readonly PodDisruptionBudget[],
    version: string,
    private readonly nowMs: number,
    private readonly floor: number = preemptionFloor(pods),
  ) {
    this.minor = versionMinor(version);
  }

  private podsOn(node: string): Pod[] {
    if (!this.byNode) {
      const byNode = new Map<string, Pod[]>();
      for (const p of this.pods) {
        if (!occupiesNode(p)) continue;
        const n = p.spec?.nodeName ?? "";
        const list = byNode.get(n);
        if (list) list.push(p);
        else byNode.set(n, [p]);
      }
      this.byNode = byNode;
    }
    return this.byNode.get(node) ?? [];
  }

  private keyOf(p: Pod): string {
    return p.metadata?.uid ?? `${p.metadata?.namespace}/${p.metadata?.name}`;
  }

  private terminating(p: Pod): boolean {
    return this.picked.has(this.keyOf(p)) || terminatingByPreemption(p, this.minor);
  }

  postFilter(
    pod: Pod,
    statuses: ReadonlyMap<string, NodeStatus>,
    infos: NodeInfos,
    facts: PodFacts,
    recheck: (info: NodeInfo) => NodeStatus | undefined,
    view: (info: NodeInfo) => NodeInfo,
  ): PostFilterResult {
    // PodEligibleToPreemptOthers: the nomination is kept while not eligible.
    if (pod.spec?.preemptionPolicy === "Never") return { message: `preemption: ${NOT_ELIGIBLE.never}` };
    const prio = podPriority(pod);
    const potential = [...infos.values()].filter(
      (i) => statuses.get(i.node.metadata?.name ?? "")?.code === "Unschedulable",
    );
    // No pod below this one anywhere (most passes): every node says so, without a dry run.
    if (prio <= this.floor || !potential.length)
      return { message: noVictimsMessage(pod, statuses), nominatedNode: "" };
    const nominated = pod.status?.nominatedNodeName;
    if (nominated && infos.has(nominated) && statuses.get(nominated)?.code !== "UnschedulableAndUnresolvable")
      for (const p of this.podsOn(nominated))
        if (podPriority(p) < prio && this.terminating(p))
          return { message: `preemption: ${NOT_ELIGIBLE.terminating}` };
    // DryRunPreemption: until enough candidates, one of them breaking no budget.
    const wanted = Math.min(
      potential.length,
      Math.max(
        Math.floor((potential.length * MIN_CANDIDATE_NODES_PERCENTAGE) / 100),
        MIN_CANDIDATE_NODES_ABSOLUTE,
      ),
    );
    const clean: Candidate[] = [];
    const violating: Candidate[] = [];
    const dry = new Map<string, NodeStatus>();
    for (const info of potential) {
      const node = info.node.metadata?.name ?? "";
      const r = selectVictims(pod, facts, view(info), this.podsOn(node), this.budgets, this.nowMs, recheck);
      if ("code" in r) {
        dry.set(node, r);
        continue;
      }
      (r.violations ? violating : clean).push({ node, ...r });
      if (clean.length && clean.length + violating.length >= wanted) break;
    }
    const best = pickCandidate([...clean, ...violating], this.nowMs);
    if (!best) {
      // The FitError of the dry run: nodes it did not try are "not helpful".
      const per = [...statuses.keys()].map((n) => dry.get(n)?.reasons ?? [REASON.notHelpful]);
      return {
        message: `preemption: 0/${statuses.size} nodes are available: ${histogram(per)}.`,
        nominatedNode: "",
      };
    }
    // Victims already going (deleted before, or picked earlier this pass) get no second call.
    const victims = best.victims.filter(
      (v) => !v.metadata?.deletionTimestamp && !this.picked.has(this.keyOf(v)),
    );
    for (const v of victims) this.picked.add(this.keyOf(v));
    return { message: "", nominatedNode: best.node, victims };
  }
}

/** The message of the DisruptionTarget condition PreemptPod sets on a victim. */
export function preemptionConditionMessage(preemptor: Pod): string {
  return `${preemptor.spec?.schedulerName ?? "default-scheduler"}: preempting to accommodate a higher priority pod`;
}

/** The victim's status with DisruptionTarget=True (PodDisruptionConditions, from 1.26). */
export function victimStatus(victim: Pod, preemptor: Pod, at: string): PodStatus {
  return withDisruptionTarget(victim, PREEMPTION_REASON, preemptionConditionMessage(preemptor), at);
}

/**
 * The `Preempted` event on a victim (related: the preemptor). kubernetes#119971 (1.29) names the
 * preemptor by uid; 1.26–1.28 named nobody (kubernetes#114923, #114980, a fix of 1.26).
 */
export function preemptedEvent(
  victim: Pod,
  preemptor: Pod,
  node: string,
  version: string,
  at: string,
): Event {
  const message =
    versionMinor(version) >= 29
      ? `Preempted by pod ${preemptor.metadata?.uid ?? ""} on node ${node}`
      : `Preempted by a pod on node ${node}`;
  return makeEvent({
    involved: { apiVersion: "v1", kind: "Pod", metadata: victim.metadata },
    related: { apiVersion: "v1", kind: "Pod", metadata: preemptor.metadata },
    reason: "Preempted",
    action: "Preempting",
    message,
    component: "default-scheduler",
    at,
  });
}
