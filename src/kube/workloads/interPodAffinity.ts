// kube-scheduler's InterPodAffinity plugin (pkg/scheduler/framework/plugins/interpodaffinity):
// required pod affinity and anti-affinity filter, the existing pods' required anti-affinity
// filters too, and the preferred terms (plus existing pods' required affinity, at
// HardPodAffinityWeight 1) score. Terms are parsed once per pod spec; matching is
// AffinityTerm.Matches: the pod's namespace in the term's namespaces (the pod's own namespace
// when neither namespaces nor namespaceSelector is given) or its namespace's labels matching
// namespaceSelector, then its labels matching labelSelector (nil selectors match nothing).
// Counts are per topology pair (key, value of the node label). Pods without pod (anti-)affinity
// cost nothing unless a placed pod has some: the node view lists only those (`affine`).
import type { Node, Pod, PodAffinityTerm, WeightedPodAffinityTerm } from "kubernetes-types/core/v1.js";
import { labelSelectorRequirements, matchLabels, type Requirement } from "../selectors.js";

export const AFFINITY_REASON = {
  affinity: "node(s) didn't match pod affinity rules",
  antiAffinity: "node(s) didn't match pod anti-affinity rules",
  existingAntiAffinity: "node(s) didn't satisfy existing pods anti-affinity rules",
} as const;

/** framework.AffinityTerm (with its weight for preferred terms). */
interface AffinityTerm {
  namespaces: ReadonlySet<string>;
  /** null: a nil namespaceSelector (matches nothing); [] matches every namespace. */
  nsSelector: Requirement[] | null;
  selector: Requirement[] | null;
  topologyKey: string;
  weight: number;
}

/** framework.PodInfo's parsed terms. */
export interface AffinityTerms {
  requiredAffinity: AffinityTerm[];
  requiredAnti: AffinityTerm[];
  preferredAffinity: AffinityTerm[];
  preferredAnti: AffinityTerm[];
}

/** What the node view keeps for the plugin: a node, its pods, and those with pod (anti-)affinity. */
export interface AffinityNode {
  node: Node;
  /** Each pod's metadata.namespace and metadata.labels (all the terms match on). */
  podList: Pod[];
  /** The node's pods with podAffinity or podAntiAffinity (HavePodsWithAffinityList). */
  affine: Pod[];
}

/** The cluster around a decision: every node's view and the namespaces' labels. */
export interface AffinityView {
  values(): Iterable<AffinityNode>;
  /** Nodes holding a pod with required anti-affinity (HavePodsWithRequiredAntiAffinityList). */
  readonly antiHolders: ReadonlySet<AffinityNode>;
  /** Nodes holding a pod with any pod (anti-)affinity (HavePodsWithAffinityList). */
  readonly affineHolders: ReadonlySet<AffinityNode>;
  namespaces: ReadonlyMap<string, Record<string, string> | undefined>;
}

const termsBySpec = new WeakMap<object, AffinityTerms>();
const NONE: AffinityTerms = {
  requiredAffinity: [],
  requiredAnti: [],
  preferredAffinity: [],
  preferredAnti: [],
};

/** Whether the pod has pod affinity or anti-affinity at all (PodsWithAffinity). */
export function hasPodAffinity(pod: Pod): boolean {
  const a = pod.spec?.affinity;
  return !!(a?.podAffinity || a?.podAntiAffinity);
}

/** Whether the pod has required anti-affinity terms (PodsWithRequiredAntiAffinity). */
export function hasRequiredAntiAffinity(pod: Pod): boolean {
  return termsOf(pod).requiredAnti.length > 0;
}

function selectorOf(sel: unknown): Requirement[] | null {
  return labelSelectorRequirements(sel) ?? null;
}

function parseTerm(pod: Pod, t: PodAffinityTerm, weight: number): AffinityTerm {
  const names = t.namespaces ?? [];
  return {
    namespaces: new Set(
      names.length === 0 && !t.namespaceSelector ? [pod.metadata?.namespace ?? "default"] : names,
    ),
    nsSelector: selectorOf(t.namespaceSelector),
    selector: selectorOf(t.labelSelector),
    topologyKey: t.topologyKey,
    weight,
  };
}

/** The pod's terms, parsed once per spec object (the informer cache's are read-only). */
export function termsOf(pod: Pod): AffinityTerms {
  const spec = pod.spec;
  if (!spec || !hasPodAffinity(pod)) return NONE;
  const have = termsBySpec.get(spec);
  if (have) return have;
  const a = spec.affinity;
  const required = (list: PodAffinityTerm[] | undefined) => (list ?? []).map((t) => parseTerm(pod, t, 1));
  const preferred = (list: WeightedPodAffinityTerm[] | undefined) =>
    (list ?? []).map((w) => parseTerm(pod, w.podAffinityTerm, w.weight));
  const out: AffinityTerms = {
    requiredAffinity: required(a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
    requiredAnti: required(a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
    preferredAffinity: preferred(a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    preferredAnti: preferred(a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
  };
  termsBySpec.set(spec, out);
  return out;
}

/**
 * The incoming pod's terms with a non-empty namespaceSelector turned into the namespaces it
 * selects (mergeAffinityTermNamespacesIfNotEmpty), so its terms match without namespace labels.
 */
function merged(terms: AffinityTerm[], view: AffinityView): AffinityTerm[] {
  return terms.map((t) => {
    if (!t.nsSelector || t.nsSelector.length === 0) return t;
    const namespaces = new Set(t.namespaces);
    for (const [name, labels] of view.namespaces) if (matchLabels(t.nsSelector, labels)) namespaces.add(name);
    return { ...t, namespaces, nsSelector: null };
  });
}

/** AffinityTerm.Matches; `nsLabels` undefined where upstream passes nil (an empty set). */
function matches(t: AffinityTerm, pod: Pod, nsLabels: Record<string, string> | undefined): boolean {
  const inNs =
    t.namespaces.has(pod.metadata?.namespace ?? "default") ||
    (t.nsSelector !== null && matchLabels(t.nsSelector, nsLabels));
  return inNs && t.selector !== null && matchLabels(t.selector, pod.metadata?.labels);
}

function matchesAll(terms: AffinityTerm[], pod: Pod): boolean {
  return terms.length > 0 && terms.every((t) => matches(t, pod, undefined));
}

const pair = (key: string, value: string) => `${key}\u0000${value}`;

function bump(m: Map<string, number>, node: Node, key: string, by: number): void {
  const labels = node.metadata?.labels;
  if (!labels || !Object.hasOwn(labels, key)) return;
  const p = pair(key, labels[key]);
  m.set(p, (m.get(p) ?? 0) + by);
}

/** PreFilter's state: matches per topology pair. */
export interface AffinityFilter {
  pod: Pod;
  requiredAffinity: AffinityTerm[];
  requiredAnti: AffinityTerm[];
  existingAnti: Map<string, number>;
  affinity: Map<string, number>;
  anti: Map<string, number>;
}

/** PreFilter: undefined when the plugin skips (no required terms anywhere that concern the pod). */
export function affinityFilterState(pod: Pod, view: AffinityView): AffinityFilter | undefined {
  const own = termsOf(pod);
  if (view.antiHolders.size === 0 && own.requiredAffinity.length === 0 && own.requiredAnti.length === 0)
    return undefined;
  const nsLabels = view.namespaces.get(pod.metadata?.namespace ?? "default");
  const existingAnti = new Map<string, number>();
  for (const info of view.antiHolders)
    for (const other of info.affine)
      for (const t of termsOf(other).requiredAnti)
        if (matches(t, pod, nsLabels)) bump(existingAnti, info.node, t.topologyKey, 1);
  const requiredAffinity = merged(own.requiredAffinity, view);
  const requiredAnti = merged(own.requiredAnti, view);
  const affinity = new Map<string, number>();
  const anti = new Map<string, number>();
  if (requiredAffinity.length || requiredAnti.length)
    for (const info of view.values())
      for (const other of info.podList) {
        if (matchesAll(requiredAffinity, other))
          for (const t of requiredAffinity) bump(affinity, info.node, t.topologyKey, 1);
        for (const t of requiredAnti)
          if (matches(t, other, undefined)) bump(anti, info.node, t.topologyKey, 1);
      }
  if (existingAnti.size === 0 && !requiredAffinity.length && !requiredAnti.length) return undefined;
  return { pod, requiredAffinity, requiredAnti, existingAnti, affinity, anti };
}

/** Filter: which of the plugin's reasons rejects the node, or undefined when it passes. */
export function affinityFilter(s: AffinityFilter, node: Node): keyof typeof AFFINITY_REASON | undefined {
  const labels = node.metadata?.labels ?? {};
  // satisfyPodAffinity
  let podsExist = true;
  for (const t of s.requiredAffinity) {
    if (!Object.hasOwn(labels, t.topologyKey)) return "affinity";
    if ((s.affinity.get(pair(t.topologyKey, labels[t.topologyKey])) ?? 0) <= 0) podsExist = false;
  }
  // The first of a series with affinity to itself may go anywhere its topology keys exist.
  if (!podsExist && !(s.affinity.size === 0 && matchesAll(s.requiredAffinity, s.pod))) return "affinity";
  // satisfyPodAntiAffinity
  if (s.anti.size > 0)
    for (const t of s.requiredAnti)
      if (
        Object.hasOwn(labels, t.topologyKey) &&
        (s.anti.get(pair(t.topologyKey, labels[t.topologyKey])) ?? 0) > 0
      )
        return "antiAffinity";
  // satisfyExistingPodsAntiAffinity
  if (s.existingAnti.size > 0)
    for (const k of Object.keys(labels))
      if ((s.existingAnti.get(pair(k, labels[k])) ?? 0) > 0) return "existingAntiAffinity";
  return undefined;
}

/**
 * PreScore + Score + NormalizeScore over the feasible nodes (0–100), or undefined when the
 * plugin skips: per topology pair, the weights of the incoming pod's preferred terms its
 * matching pods carry (anti-affinity negative), and of the placed pods' terms the incoming pod
 * matches (their required affinity at weight 1); a node scores the sum over its labels, then
 * 100·(s−min)/(max−min), truncated.
 */
export function affinityScores(
  pod: Pod,
  feasible: readonly AffinityNode[],
  view: AffinityView,
): number[] | undefined {
  const own = termsOf(pod);
  const hasPreferred = own.preferredAffinity.length > 0 || own.preferredAnti.length > 0;
  if (!hasPreferred && view.affineHolders.size === 0) return undefined;
  const nsLabels = view.namespaces.get(pod.metadata?.namespace ?? "default");
  const preferredAffinity = merged(own.preferredAffinity, view);
  const preferredAnti = merged(own.preferredAnti, view);
  // Score per topology pair, kept as the filter keeps its counts (`bump`).
  const topo = new Map<string, number>();
  const add = (
    t: AffinityTerm,
    weight: number,
    target: Pod,
    labels: Record<string, string> | undefined,
    node: Node,
  ) => {
    if (matches(t, target, labels)) bump(topo, node, t.topologyKey, weight);
  };
  const nodes = hasPreferred ? [...view.values()] : [...view.affineHolders];
  for (const info of nodes) {
    const labels = info.node.metadata?.labels;
    if (!labels || Object.keys(labels).length === 0) continue;
    if (hasPreferred)
      for (const other of info.podList) {
        for (const t of preferredAffinity) add(t, t.weight, other, undefined, info.node);
        for (const t of preferredAnti) add(t, -t.weight, other, undefined, info.node);
      }
    // Only pods with pod affinity have terms of their own.
    for (const other of info.affine) {
      const theirs = termsOf(other);
      for (const t of theirs.requiredAffinity) add(t, HARD_POD_AFFINITY_WEIGHT, pod, nsLabels, info.node);
      for (const t of theirs.preferredAffinity) add(t, t.weight, pod, nsLabels, info.node);
      for (const t of theirs.preferredAnti) add(t, -t.weight, pod, nsLabels, info.node);
    }
  }
  if (topo.size === 0) return undefined;
  const raw = feasible.map((info) => {
    const labels = info.node.metadata?.labels ?? {};
    let s = 0;
    for (const key of Object.keys(labels)) s += topo.get(pair(key, labels[key])) ?? 0;
    return s;
  });
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of raw) {
    if (s < min) min = s;
    if (s > max) max = s;
  }
  const diff = max - min;
  return raw.map((s) => (diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((s - min) / diff)) : 0));
}

/** InterPodAffinityArgs.HardPodAffinityWeight's default. */
const HARD_POD_AFFINITY_WEIGHT = 1;
const MAX_NODE_SCORE = 100;
