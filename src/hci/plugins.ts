// Calico vs Flannel as the container-networking page's table says, as data, and a pure
// answer to "can this pod reach that pod / that VM" that names the row or rule that decided.
// NetworkPolicy objects are evaluated by Kubernetes' semantics (policies are additive allow
// lists; a pod is isolated for a direction once any policy of that type selects it); Calico
// enforces them, Flannel stores them and enforces nothing. The same evaluation serves AKS
// clusters by their `networkPolicy` (calico, azure and cilium enforce; none does not).
import { containsIp, parseCidr, parseIp } from "../net/index.js";
import type { NetworkPlugin } from "./model.js";

export interface PluginCapabilities {
  networkPolicy: boolean;
  ipv6: boolean;
  layers: string;
  existingOrNewVnet: boolean;
  windows: boolean;
  podToPod: boolean;
  podToVmSameNetwork: boolean;
  podToVmOtherNetwork: boolean;
  services: boolean;
  exposeViaLoadBalancer: boolean;
  networks: string;
  deployment: string;
  commandLine: string;
  /** Pod-CIDR block each node gets out of 10.244.0.0/16. */
  podBlockPrefix: number;
}

export const PLUGIN_TABLE: Readonly<Record<NetworkPlugin, PluginCapabilities>> = Object.freeze({
  flannel: {
    networkPolicy: false,
    ipv6: false,
    layers: "L2 (VXLAN)",
    existingOrNewVnet: true,
    windows: true,
    podToPod: true,
    podToVmSameNetwork: false,
    podToVmOtherNetwork: true,
    services: true,
    exposeViaLoadBalancer: true,
    networks: "Many per cluster (multi-daemon)",
    deployment: "Linux: DaemonSet; Windows: Service",
    commandLine: "none",
    podBlockPrefix: 24,
  },
  calico: {
    networkPolicy: true,
    ipv6: true,
    layers: "L2 (VXLAN)",
    existingOrNewVnet: true,
    windows: true,
    podToPod: true,
    podToVmSameNetwork: true,
    podToVmOtherNetwork: true,
    services: true,
    exposeViaLoadBalancer: true,
    networks: "Many per cluster",
    deployment: "Linux: DaemonSet; Windows: Service",
    commandLine: "calicoctl",
    podBlockPrefix: 26,
  },
});

export const podBlockPrefix = (p: NetworkPlugin) => PLUGIN_TABLE[p].podBlockPrefix;

/** AKS `networkProfile.networkPolicy` values that enforce NetworkPolicy objects. */
export const AKS_POLICY_ENFORCED: Readonly<Record<string, boolean>> = Object.freeze({
  calico: true,
  azure: true,
  cilium: true,
  none: false,
});

// ---- NetworkPolicy (networking.k8s.io/v1), the fields evaluation needs ---------------------------

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    values?: string[];
  }[];
}

export interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface PolicyPort {
  protocol?: "TCP" | "UDP" | "SCTP";
  port?: number | string;
  endPort?: number;
}

export interface NetworkPolicy {
  metadata: { name: string; namespace: string };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: ("Ingress" | "Egress")[];
    ingress?: { from?: PolicyPeer[]; ports?: PolicyPort[] }[];
    egress?: { to?: PolicyPeer[]; ports?: PolicyPort[] }[];
  };
}

export interface PodEndpoint {
  kind: "pod";
  namespace: string;
  labels: Record<string, string>;
  namespaceLabels?: Record<string, string>;
  ip?: string;
  /** Named container ports (for policies that name a port). */
  namedPorts?: Record<string, number>;
}

export interface VmEndpoint {
  kind: "vm";
  ip?: string;
  /** Whether the VM sits in the cluster's own (AksHci cluster) network. */
  sameNetwork: boolean;
}

export interface ReachQuery {
  plugin: NetworkPlugin;
  from: PodEndpoint;
  to: PodEndpoint | VmEndpoint;
  port: number;
  protocol?: "TCP" | "UDP" | "SCTP";
  policies?: NetworkPolicy[];
}

export interface ReachAnswer {
  allowed: boolean;
  /** `plugin:<row>` (a limitation from the table), `policy:<ns>/<name>` (a rule that allowed),
   *  `isolation:<ns>/<names>` (selected, nothing allowed) or `default` (no policy applies). */
  decidedBy: string;
  reason: string;
  /** Policies that would have changed the answer but are not enforced (Flannel). */
  notEnforced: string[];
}

export function matchesSelector(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const val = labels[e.key];
    if (e.operator === "In" && !(has && (e.values ?? []).includes(val))) return false;
    if (e.operator === "NotIn" && has && (e.values ?? []).includes(val)) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

function peerMatches(peer: PolicyPeer, policyNs: string, other: PodEndpoint | VmEndpoint): boolean {
  if (peer.ipBlock) {
    if (!other.ip) return false;
    const ip = parseIp(other.ip);
    if (!containsIp(parseCidr(peer.ipBlock.cidr), ip)) return false;
    return !(peer.ipBlock.except ?? []).some((x) => containsIp(parseCidr(x), ip));
  }
  if (other.kind !== "pod") return false; // pod/namespace selectors select pods only
  const nsOk = peer.namespaceSelector
    ? matchesSelector(
        peer.namespaceSelector,
        other.namespaceLabels ?? { "kubernetes.io/metadata.name": other.namespace },
      )
    : other.namespace === policyNs;
  return nsOk && matchesSelector(peer.podSelector, other.labels);
}

function portMatches(
  ports: PolicyPort[] | undefined,
  port: number,
  protocol: string,
  named?: Record<string, number>,
) {
  if (!ports?.length) return true;
  return ports.some((p) => {
    if ((p.protocol ?? "TCP") !== protocol) return false;
    if (p.port === undefined) return true;
    const n = typeof p.port === "string" ? (/^\d+$/.test(p.port) ? Number(p.port) : named?.[p.port]) : p.port;
    if (n === undefined) return false;
    return p.endPort !== undefined ? port >= n && port <= p.endPort : port === n;
  });
}

const types = (p: NetworkPolicy) =>
  p.spec.policyTypes ?? (p.spec.egress ? ["Ingress", "Egress"] : ["Ingress"]);
const ref = (p: NetworkPolicy) => `${p.metadata.namespace}/${p.metadata.name}`;

/** One direction: is `subject` isolated, and if so, which policy's rule lets `other` through. */
function direction(
  dir: "Ingress" | "Egress",
  subject: PodEndpoint,
  other: PodEndpoint | VmEndpoint,
  port: number,
  protocol: string,
  policies: NetworkPolicy[],
  named?: Record<string, number>,
): { isolatedBy: string[]; allowedBy?: string } {
  const selecting = policies.filter(
    (p) =>
      p.metadata.namespace === subject.namespace &&
      types(p).includes(dir) &&
      matchesSelector(p.spec.podSelector, subject.labels),
  );
  for (const p of selecting) {
    const rules = dir === "Ingress" ? (p.spec.ingress ?? []) : (p.spec.egress ?? []);
    for (const r of rules) {
      const peers = dir === "Ingress" ? (r as { from?: PolicyPeer[] }).from : (r as { to?: PolicyPeer[] }).to;
      const peerOk = !peers?.length || peers.some((x) => peerMatches(x, p.metadata.namespace, other));
      if (peerOk && portMatches(r.ports, port, protocol, named))
        return { isolatedBy: selecting.map(ref), allowedBy: ref(p) };
    }
  }
  return { isolatedBy: selecting.map(ref) };
}

/** NetworkPolicy verdict alone (what an enforcing plugin does). */
export function evaluatePolicies(q: Omit<ReachQuery, "plugin">): {
  allowed: boolean;
  decidedBy: string;
  reason: string;
} {
  const protocol = q.protocol ?? "TCP";
  const policies = q.policies ?? [];
  const eg = direction("Egress", q.from, q.to, q.port, protocol, policies);
  if (eg.isolatedBy.length && !eg.allowedBy)
    return {
      allowed: false,
      decidedBy: `isolation:${eg.isolatedBy.join(",")}`,
      reason: `egress from the source pod is isolated by ${eg.isolatedBy.join(", ")} and no egress rule allows ${q.port}/${protocol} to the destination`,
    };
  if (q.to.kind === "pod") {
    const ing = direction("Ingress", q.to, q.from, q.port, protocol, policies, q.to.namedPorts);
    if (ing.isolatedBy.length && !ing.allowedBy)
      return {
        allowed: false,
        decidedBy: `isolation:${ing.isolatedBy.join(",")}`,
        reason: `ingress to the destination pod is isolated by ${ing.isolatedBy.join(", ")} and no ingress rule allows the source on ${q.port}/${protocol}`,
      };
    if (ing.allowedBy)
      return {
        allowed: true,
        decidedBy: `policy:${ing.allowedBy}`,
        reason: `ingress rule of ${ing.allowedBy} allows it`,
      };
  }
  if (eg.allowedBy)
    return {
      allowed: true,
      decidedBy: `policy:${eg.allowedBy}`,
      reason: `egress rule of ${eg.allowedBy} allows it`,
    };
  return {
    allowed: true,
    decidedBy: "default",
    reason: "no NetworkPolicy selects these pods: all traffic is allowed",
  };
}

/** Pod → pod / VM by the plugin's table first, then (where enforced) NetworkPolicy. */
export function canReach(q: ReachQuery): ReachAnswer {
  const caps = PLUGIN_TABLE[q.plugin];
  const v6 = [q.from.ip, q.to.ip].some((x) => x?.includes(":"));
  if (v6 && !caps.ipv6)
    return {
      allowed: false,
      decidedBy: "plugin:ipv6",
      reason: `${q.plugin} has no IPv6 support (container-networking table: IPv6 — Flannel: No)`,
      notEnforced: [],
    };
  if (q.to.kind === "vm" && q.to.sameNetwork && !caps.podToVmSameNetwork)
    return {
      allowed: false,
      decidedBy: "plugin:podToVmSameNetwork",
      reason: `${q.plugin} cannot connect a pod to a VM in the cluster's own network (table: Pod–VM connection, VM in the same network — Flannel: No); a VM in a different network is reachable`,
      notEnforced: [],
    };
  const verdict = evaluatePolicies(q);
  if (!caps.networkPolicy) {
    return {
      allowed: true,
      decidedBy: q.to.kind === "vm" ? "plugin:podToVmOtherNetwork" : "plugin:podToPod",
      reason: `${q.plugin} connects ${q.to.kind === "vm" ? "pods to VMs in other networks" : "pods to pods"}; it does not enforce NetworkPolicy (table: Network policies — Flannel: No)`,
      notEnforced: verdict.allowed ? [] : [verdict.decidedBy.replace(/^isolation:/, "")],
    };
  }
  return { ...verdict, notEnforced: [] };
}
