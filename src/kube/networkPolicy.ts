// NetworkPolicy (networking.k8s.io/v1) evaluation by Kubernetes' semantics: policies are
// additive allow lists; a pod is isolated for a direction once any policy of that type selects it.
// Pure; shared by AKS clusters (enforced by their `networkPolicy`: calico, azure and cilium enforce,
// none does not) and AKS-on-HCI clusters (Calico enforces, Flannel does not).
import { containsIp, parseCidr, parseIp } from "../net/index.js";

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

export interface PolicyQuery {
  from: PodEndpoint;
  to: PodEndpoint | VmEndpoint;
  port: number;
  protocol?: "TCP" | "UDP" | "SCTP";
  policies?: NetworkPolicy[];
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
export function evaluatePolicies(q: PolicyQuery): {
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

/**
 * Ingress alone, for traffic that does not come from a pod (a client on the Internet behind a
 * load balancer, a node): is `to` isolated for ingress, and does a rule admit `from`?
 */
export function evaluateIngress(q: {
  from: PodEndpoint | VmEndpoint;
  to: PodEndpoint;
  port: number;
  protocol?: "TCP" | "UDP" | "SCTP";
  policies?: NetworkPolicy[];
}): { allowed: boolean; decidedBy: string; reason: string } {
  const protocol = q.protocol ?? "TCP";
  const ing = direction("Ingress", q.to, q.from, q.port, protocol, q.policies ?? [], q.to.namedPorts);
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
  return {
    allowed: true,
    decidedBy: "default",
    reason: "no NetworkPolicy selects the destination pod for ingress: all traffic is allowed",
  };
}
