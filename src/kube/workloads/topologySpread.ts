// kube-scheduler's PodTopologySpread plugin (pkg/scheduler/framework/plugins/podtopologyspread):
// a pod's `topologySpreadConstraints` — DoNotSchedule ones filter, ScheduleAnyway ones score —
// and, for pods with none of their own, the system default constraints (scoring only) with a
// selector derived from the Services matching the pod and its controlling ReplicaSet,
// StatefulSet or ReplicationController. Matching pods are counted per node once per selector
// and kept current as a batch binds pods (`SpreadIndex.add`), and per topology domain once per
// (selector, key, which nodes count) — never recounted per pod per node.
import type { ReplicaSet, StatefulSet } from "kubernetes-types/apps/v1.js";
import type {
  Node,
  Pod,
  ReplicationController,
  Service,
  TopologySpreadConstraint,
} from "kubernetes-types/core/v1.js";
import type { LabelSelector } from "kubernetes-types/meta/v1.js";
import { labelSelectorRequirements, matchLabels, type Requirement } from "../selectors.js";

export const LABEL_HOSTNAME = "kubernetes.io/hostname";
export const LABEL_ZONE = "topology.kubernetes.io/zone";

/** The plugin's `systemDefaultConstraints` (DefaultingType: System, the default profile). */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly TopologySpreadConstraint[] = [
  { topologyKey: LABEL_HOSTNAME, whenUnsatisfiable: "ScheduleAnyway", maxSkew: 3 },
  { topologyKey: LABEL_ZONE, whenUnsatisfiable: "ScheduleAnyway", maxSkew: 5 },
];

/**
 * The minor version from which kube-scheduler honours a constraint field (its feature gate
 * on by default): before that the field is ignored and the default applies.
 */
export const SPREAD_FIELD_SINCE = {
  /** NodeInclusionPolicyInPodTopologySpread, beta on by default in 1.26. */
  nodeInclusionPolicies: 26,
  /** MinDomainsInPodTopologySpread, beta on by default in 1.27. */
  minDomains: 27,
  /** MatchLabelKeysInPodTopologySpread, beta on by default in 1.27. */
  matchLabelKeys: 27,
} as const;

export const SPREAD_REASON = {
  constraints: "node(s) didn't match pod topology spread constraints",
  missingLabel: "node(s) didn't match pod topology spread constraints (missing required label)",
} as const;

/** A parsed selector; `null` is a nil LabelSelector, which matches nothing. */
export interface Selector {
  reqs: Requirement[] | null;
  /** Canonical text, the cache key of the counts. */
  key: string;
}

function selectorOf(reqs: Requirement[] | null): Selector {
  return { reqs, key: reqs === null ? "<nothing>" : JSON.stringify(reqs) };
}

export function selectorMatchesLabels(sel: Selector, labels: Record<string, string> | undefined): boolean {
  return sel.reqs !== null && matchLabels(sel.reqs, labels);
}

/** topologySpreadConstraint: the API object with its selector parsed and defaults applied. */
export interface SpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  selector: Selector;
  minDomains: number;
  /** nodeAffinityPolicy Honor (default): only nodes matching the pod's required affinity count. */
  honorAffinity: boolean;
  /** nodeTaintsPolicy Honor (default Ignore): only nodes whose NoSchedule taints the pod tolerates count. */
  honorTaints: boolean;
}

/** filterTopologySpreadConstraints: the constraints of one `whenUnsatisfiable`, parsed. */
export function spreadConstraints(
  constraints: readonly TopologySpreadConstraint[],
  podLabels: Record<string, string> | undefined,
  action: "DoNotSchedule" | "ScheduleAnyway",
  minor: number,
): SpreadConstraint[] {
  const out: SpreadConstraint[] = [];
  for (const c of constraints) {
    if (c.whenUnsatisfiable !== action) continue;
    let reqs: Requirement[] | null = c.labelSelector
      ? (labelSelectorRequirements(c.labelSelector as LabelSelector) ?? [])
      : null;
    if (minor >= SPREAD_FIELD_SINCE.matchLabelKeys && c.matchLabelKeys?.length) {
      // mergeLabelSetWithSelector: the pod's values of those keys, then the selector's own
      // requirements (a nil selector contributes none).
      const keyed: Requirement[] = [];
      for (const k of c.matchLabelKeys)
        if (podLabels && Object.hasOwn(podLabels, k)) keyed.push({ key: k, op: "=", values: [podLabels[k]] });
      if (keyed.length) reqs = [...keyed, ...(reqs ?? [])];
    }
    const policies = minor >= SPREAD_FIELD_SINCE.nodeInclusionPolicies;
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector: selectorOf(reqs),
      minDomains: minor >= SPREAD_FIELD_SINCE.minDomains && c.minDomains ? c.minDomains : 1,
      honorAffinity: !policies || c.nodeAffinityPolicy !== "Ignore",
      honorTaints: policies && c.nodeTaintsPolicy === "Honor",
    });
  }
  return out;
}

// ---- the default selector ------------------------------------------------------------------

/** What DefaultSelector reads from the informers (the pod's namespace only). */
export interface SpreadOwners {
  services(ns: string): readonly Service[];
  replicaSet(ns: string, name: string): ReplicaSet | undefined;
  statefulSet(ns: string, name: string): StatefulSet | undefined;
  replicationController(ns: string, name: string): ReplicationController | undefined;
}

export const NO_OWNERS: SpreadOwners = {
  services: () => [],
  replicaSet: () => undefined,
  statefulSet: () => undefined,
  replicationController: () => undefined,
};

/**
 * helper.DefaultSelector: the selectors of the Services matching the pod merged, plus the
 * controlling ReplicationController's selector (merged as a set) or ReplicaSet's/StatefulSet's
 * (added as requirements). Undefined when empty: then no default constraint applies.
 */
export function defaultSelector(pod: Pod, owners: SpreadOwners): Selector | undefined {
  const ns = pod.metadata?.namespace ?? "default";
  const labels = pod.metadata?.labels ?? {};
  let set: Record<string, string> = {};
  for (const svc of owners.services(ns)) {
    const sel = svc.spec?.selector;
    if (!sel) continue; // a nil selector matches nothing
    if (Object.entries(sel).every(([k, v]) => labels[k] === v)) set = { ...set, ...sel };
  }
  const setReqs = (s: Record<string, string>): Requirement[] =>
    Object.keys(s)
      .sort()
      .map((k) => ({ key: k, op: "=" as const, values: [s[k]] }));
  let reqs = setReqs(set);
  const owner = pod.metadata?.ownerReferences?.find((r) => r.controller);
  if (owner) {
    const kind = `${owner.apiVersion}/${owner.kind}`;
    if (kind === "v1/ReplicationController") {
      const rc = owners.replicationController(ns, owner.name);
      if (rc) reqs = setReqs({ ...set, ...(rc.spec?.selector ?? {}) });
    } else if (kind === "apps/v1/ReplicaSet" || kind === "apps/v1/StatefulSet") {
      const o =
        kind === "apps/v1/ReplicaSet"
          ? owners.replicaSet(ns, owner.name)
          : owners.statefulSet(ns, owner.name);
      const extra = o?.spec?.selector ? labelSelectorRequirements(o.spec.selector) : undefined;
      if (extra) reqs = [...reqs, ...extra];
    }
  }
  return reqs.length ? selectorOf(reqs) : undefined;
}

// ---- counting ------------------------------------------------------------------------------

/** Matching pods per node for one (namespace, selector). */
interface Counted {
  ns: string;
  selector: Selector;
  perNode: Map<string, number>;
  domains: Domains[];
}

/** Matching pods per topology value over the nodes that count (TpValueToMatchNum). */
export interface Domains {
  key: string;
  /** The value of each node that counts (nodes lacking the key count under ""). */
  nodeValue: Map<string, string>;
  counts: Map<string, number>;
}

interface Placed {
  node: string;
  ns: string;
  labels: Record<string, string> | undefined;
}

/**
 * The pods a scheduling pass sees, counted lazily per selector and incrementally as pods are
 * bound. Terminating pods are not counted (upstream #87621).
 */
export class SpreadIndex {
  private readonly placed: Placed[] = [];
  private readonly counted = new Map<string, Counted>();
  private readonly domainCache = new Map<string, Domains>();

  /** Accounts a pod bound to `node` (before or during the pass). */
  add(pod: Pod, node: string): void {
    if (pod.metadata?.deletionTimestamp) return;
    const p: Placed = { node, ns: pod.metadata?.namespace ?? "default", labels: pod.metadata?.labels };
    this.placed.push(p);
    for (const c of this.counted.values()) {
      if (c.ns !== p.ns || !selectorMatchesLabels(c.selector, p.labels)) continue;
      c.perNode.set(node, (c.perNode.get(node) ?? 0) + 1);
      for (const d of c.domains) {
        const v = d.nodeValue.get(node);
        if (v !== undefined) d.counts.set(v, (d.counts.get(v) ?? 0) + 1);
      }
    }
  }

  private countedFor(ns: string, selector: Selector): Counted {
    const k = `${ns}\n${selector.key}`;
    let c = this.counted.get(k);
    if (!c) {
      const perNode = new Map<string, number>();
      for (const p of this.placed)
        if (p.ns === ns && selectorMatchesLabels(selector, p.labels))
          perNode.set(p.node, (perNode.get(p.node) ?? 0) + 1);
      c = { ns, selector, perNode, domains: [] };
      this.counted.set(k, c);
    }
    return c;
  }

  /** countPodsMatchSelector per node (live: kept current by `add`). */
  perNode(ns: string, selector: Selector): ReadonlyMap<string, number> {
    return this.countedFor(ns, selector).perNode;
  }

  /**
   * Matching pods per value of `key` over the nodes `counts(node)` admits. `which` names that
   * node set (the pod's inclusion-policy inputs), so pods alike share one tally.
   */
  domains(
    ns: string,
    selector: Selector,
    key: string,
    which: string,
    nodes: Iterable<Node>,
    counts: (n: Node) => boolean,
  ): Domains {
    const k = `${ns}\n${selector.key}\n${key}\n${which}`;
    let d = this.domainCache.get(k);
    if (d) return d;
    const c = this.countedFor(ns, selector);
    d = { key, nodeValue: new Map(), counts: new Map() };
    for (const n of nodes) {
      if (!counts(n)) continue;
      const name = n.metadata?.name ?? "";
      const v = n.metadata?.labels?.[key] ?? "";
      d.nodeValue.set(name, v);
      d.counts.set(v, (d.counts.get(v) ?? 0) + (c.perNode.get(name) ?? 0));
    }
    c.domains.push(d);
    this.domainCache.set(k, d);
    return d;
  }
}

/** nodeLabelsMatchSpreadConstraints: every constraint's key is a label of the node. */
export function hasTopologyKeys(node: Node, constraints: readonly SpreadConstraint[]): boolean {
  const labels = node.metadata?.labels;
  return constraints.every((c) => labels !== undefined && Object.hasOwn(labels, c.topologyKey));
}

// ---- scoring arithmetic ----------------------------------------------------------------------

/** topologyNormalizingWeight: smaller topologies are not watered down by bigger ones. */
export function topologyNormalizingWeight(size: number): number {
  return Math.log(size + 2);
}

/** scoreForCount: maxSkew-1 added so small skews matter less. */
export function scoreForCount(count: number, maxSkew: number, weight: number): number {
  return count * weight + (maxSkew - 1);
}
