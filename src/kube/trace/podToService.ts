// In-cluster destinations of a trace from a pod: a Service (by ClusterIP, by a LoadBalancer
// ingress or external IP — kube-proxy catches those inside the cluster too — or by its DNS name),
// a headless Service's pods, an ExternalName's target, or a pod by its IP. The walk is what the
// packet meets: the pod's resolver and kube-dns, kube-proxy's rule for ClusterIP:port, the
// Service's Endpoints (only ready addresses are programmed; targetPort resolved per pod, named
// ports included), then each endpoint pod's NetworkPolicy verdict — enforced when the cluster's
// networkPolicy is calico/azure/cilium, reported as "not enforced" with none.
// Pure over the objects passed in; `serviceBackends` is shared with the load balancer trace.
import type {
  EndpointAddress,
  Endpoints,
  Namespace,
  Pod,
  Service,
  ServicePort,
} from "kubernetes-types/core/v1.js";
import {
  AKS_POLICY_ENFORCED,
  evaluateIngress,
  evaluatePolicies,
  type NetworkPolicy,
  type PodEndpoint,
  type VmEndpoint,
} from "../networkPolicy.js";
import { type DnsAnswer, resolveClusterName, usesClusterDns } from "../services/dns.js";

export type TraceProtocol = "TCP" | "UDP" | "SCTP";

export interface InClusterObjects {
  services: Service[];
  endpoints: Endpoints[];
  pods: Pod[];
  policies: NetworkPolicy[];
  namespaces: Namespace[];
}

export interface ClusterFacts {
  /** networkProfile.networkPolicy: calico | azure | cilium | none. */
  networkPolicy: string;
  dnsServiceIP?: string;
  domain?: string;
}

export interface TraceTarget {
  /** An IP address or a DNS name. */
  host: string;
  port?: number;
  protocol?: TraceProtocol;
}

/** A destination the caller cannot trace as given (the pure module's 400). */
export class TraceTargetError extends Error {
  constructor(
    message: string,
    readonly field = "to",
  ) {
    super(message);
  }
}

export interface PolicyVerdict {
  /** The cluster's networkPolicy value. */
  plugin: string;
  enforced: boolean;
  /** What the NetworkPolicy objects say (whether or not anything enforces them). */
  policyAllows: boolean;
  decidedBy: string;
  reason: string;
  /** Sources the policies deny (when several sources were evaluated, e.g. SNAT from each node). */
  deniedFrom?: string[];
}

export interface EndpointHop {
  /** namespace/name of the pod behind the address ("" for an address without a pod). */
  pod: string;
  ip: string;
  node?: string;
  /** The port the pod receives on (targetPort resolved). */
  port: number;
  protocol: TraceProtocol;
  /** How targetPort became `port`, in words. */
  targetPort: string;
  policy: PolicyVerdict;
  /** After NetworkPolicy (only when enforced). */
  verdict: "Allow" | "Deny";
}

export interface ServiceHop {
  namespace: string;
  name: string;
  type: string;
  clusterIPs: string[];
  port: {
    name?: string;
    port: number;
    protocol: TraceProtocol;
    targetPort: string | number;
    nodePort?: number;
  };
  /** How the packet reached the Service: "ClusterIP 10.0.1.2:80", "LoadBalancer ingress …". */
  via: string;
  externalTrafficPolicy?: string;
  sessionAffinity?: string;
}

export type InClusterVerdict =
  | "Allow"
  | "Deny"
  | "NoEndpoints"
  | "NoSuchPort"
  | "Unresolved"
  | "LeavesCluster";

export interface InClusterTrace {
  from: { pod: string; ip?: string; node?: string; hostNetwork: boolean };
  to: string;
  port?: number;
  protocol: TraceProtocol;
  dns?: DnsAnswer;
  service?: ServiceHop;
  /** ExternalName: where the pod is sent (outside the cluster unless the name is itself a cluster name). */
  externalName?: string;
  /** Each hop in words, in order. */
  steps: string[];
  endpoints: EndpointHop[];
  /** Addresses the Service selects that are not ready (kube-proxy sends nothing there). */
  notReady: { pod: string; ip: string; node?: string }[];
  networkPolicy: { plugin: string; enforced: boolean };
  verdict: InClusterVerdict;
  summary: string;
}

// ---- helpers ----------------------------------------------------------------------------------------

const key = (ns: string | undefined, name: string | undefined) => `${ns ?? ""}/${name ?? ""}`;
const enforcedBy = (plugin: string) => AKS_POLICY_ENFORCED[plugin.toLowerCase()] ?? false;
const podIPs = (p: Pod) => [
  ...new Set([...(p.status?.podIPs ?? []).map((x) => x.ip), ...(p.status?.podIP ? [p.status.podIP] : [])]),
];

function namespaceLabels(objects: InClusterObjects, ns: string): Record<string, string> {
  const o = objects.namespaces.find((n) => n.metadata?.name === ns);
  return { "kubernetes.io/metadata.name": ns, ...(o?.metadata?.labels ?? {}) };
}

function namedPorts(p: Pod | undefined): Record<string, number> {
  // Port names are the client's: no prototype, so `constructor` is only ever a port.
  const out = Object.create(null) as Record<string, number>;
  for (const c of p?.spec?.containers ?? [])
    for (const cp of c.ports ?? []) if (cp.name) out[cp.name] = cp.containerPort;
  return out;
}

/** A pod as NetworkPolicy sees it; a host-network pod is its node, not a pod. */
export function policyPeer(objects: InClusterObjects, p: Pod): PodEndpoint | VmEndpoint {
  const ip = podIPs(p)[0];
  if (p.spec?.hostNetwork) return { kind: "vm", ...(ip ? { ip } : {}), sameNetwork: true };
  const ns = p.metadata?.namespace ?? "default";
  return {
    kind: "pod",
    namespace: ns,
    labels: p.metadata?.labels ?? {},
    namespaceLabels: namespaceLabels(objects, ns),
    ...(ip ? { ip } : {}),
    namedPorts: namedPorts(p),
  };
}

/** A traffic source for the policy check: a pod, or an address (a client, a node after SNAT). */
export interface PolicySource {
  label: string;
  peer: PodEndpoint | VmEndpoint;
}

/** NetworkPolicy verdict for sources → `to` on port/protocol; `enforced` decides whether it counts. */
export function policyVerdict(
  objects: InClusterObjects,
  facts: ClusterFacts,
  sources: PolicySource[],
  to: Pod | undefined,
  port: number,
  protocol: TraceProtocol,
): PolicyVerdict {
  const plugin = facts.networkPolicy || "none";
  const enforced = enforcedBy(plugin);
  const toPeer = to ? policyPeer(objects, to) : undefined;
  if (toPeer?.kind !== "pod")
    return {
      plugin,
      enforced,
      policyAllows: true,
      decidedBy: "host-network",
      reason: to
        ? "the destination is a host-network pod: NetworkPolicy does not apply to it"
        : "no pod behind this address: NetworkPolicy does not apply",
    };
  const results = sources.map((s) => {
    const r =
      s.peer.kind === "pod"
        ? evaluatePolicies({ from: s.peer, to: toPeer, port, protocol, policies: objects.policies })
        : evaluateIngress({ from: s.peer, to: toPeer, port, protocol, policies: objects.policies });
    return { s, r };
  });
  const denied = results.filter((x) => !x.r.allowed);
  const shown = denied[0] ?? results[0];
  return {
    plugin,
    enforced,
    policyAllows: denied.length === 0,
    decidedBy: shown?.r.decidedBy ?? "default",
    reason: shown?.r.reason ?? "no source",
    ...(denied.length && results.length > 1 ? { deniedFrom: denied.map((x) => x.s.label) } : {}),
  };
}

function describeTargetPort(sp: ServicePort, pod: Pod | undefined, resolved: number): string {
  const tp = sp.targetPort;
  if (tp === undefined) return `targetPort unset → the service port ${sp.port}`;
  if (typeof tp === "number" || /^\d+$/.test(tp)) return `targetPort ${tp}`;
  const c = pod?.spec?.containers?.find((x) => x.ports?.some((p) => p.name === tp));
  return `targetPort '${tp}' → container ${c?.name ?? "?"} port ${tp} = ${resolved}`;
}

/**
 * The Service port's backends as kube-proxy programs them: ready addresses of the Endpoints
 * subsets that carry this port (by the port's name), each with its resolved port and policy
 * verdict for `sources(address)`. Not-ready addresses are listed apart.
 */
export function serviceBackends(
  svc: Service,
  sp: ServicePort,
  objects: InClusterObjects,
  facts: ClusterFacts,
  sources: (a: EndpointAddress) => PolicySource[],
): { endpoints: EndpointHop[]; notReady: InClusterTrace["notReady"]; endpointsObject: boolean } {
  const ns = svc.metadata?.namespace ?? "default";
  const ep = objects.endpoints.find(
    (e) => e.metadata?.namespace === ns && e.metadata?.name === svc.metadata?.name,
  );
  const protocol = (sp.protocol ?? "TCP") as TraceProtocol;
  const endpoints: EndpointHop[] = [];
  const notReady: InClusterTrace["notReady"] = [];
  const podOf = (a: EndpointAddress) =>
    a.targetRef?.kind === "Pod"
      ? objects.pods.find(
          (p) =>
            p.metadata?.namespace === (a.targetRef?.namespace ?? ns) &&
            p.metadata?.name === a.targetRef?.name,
        )
      : undefined;
  for (const s of ep?.subsets ?? []) {
    const epPort =
      (s.ports ?? []).find((p) => (p.name ?? "") === (sp.name ?? "") && (p.protocol ?? "TCP") === protocol) ??
      ((s.ports ?? []).length === 1 && (svc.spec?.ports ?? []).length === 1 ? s.ports?.[0] : undefined);
    if (!epPort) continue;
    for (const a of s.addresses ?? []) {
      const pod = podOf(a);
      const policy = policyVerdict(objects, facts, sources(a), pod, epPort.port, protocol);
      endpoints.push({
        pod: a.targetRef ? key(a.targetRef.namespace ?? ns, a.targetRef.name) : "",
        ip: a.ip,
        ...(a.nodeName ? { node: a.nodeName } : {}),
        port: epPort.port,
        protocol,
        targetPort: describeTargetPort(sp, pod, epPort.port),
        policy,
        verdict: policy.enforced && !policy.policyAllows ? "Deny" : "Allow",
      });
    }
    for (const a of s.notReadyAddresses ?? [])
      notReady.push({
        pod: a.targetRef ? key(a.targetRef.namespace ?? ns, a.targetRef.name) : "",
        ip: a.ip,
        ...(a.nodeName ? { node: a.nodeName } : {}),
      });
  }
  return { endpoints, notReady, endpointsObject: ep !== undefined };
}

/** Why a Service has nothing to send to, in words. */
export function noEndpointsReason(svc: Service, notReady: number, endpointsObject: boolean): string {
  const sel = svc.spec?.selector;
  const name = key(svc.metadata?.namespace, svc.metadata?.name);
  if (!sel || !Object.keys(sel).length)
    return endpointsObject
      ? `Service ${name} has no selector and its Endpoints have no ready address for this port`
      : `Service ${name} has no selector and no Endpoints object: nothing to send to`;
  const s = Object.entries(sel)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return notReady
    ? `Service ${name} has no ready endpoints (${notReady} selected pod(s) not ready)`
    : `Service ${name} has no ready endpoints: no running pod matches ${s}`;
}

/** Picks the Service port a flow uses (or explains why it cannot). */
export function servicePortFor(
  svc: Service,
  port: number | undefined,
  protocol: TraceProtocol | undefined,
): ServicePort | undefined {
  const ports = svc.spec?.ports ?? [];
  if (port === undefined) {
    const candidates = protocol ? ports.filter((p) => (p.protocol ?? "TCP") === protocol) : ports;
    if (candidates.length === 1) return candidates[0];
    throw new TraceTargetError(
      `Service ${key(svc.metadata?.namespace, svc.metadata?.name)} has ${candidates.length ? `ports ${ports.map(portText).join(", ")}` : "no ports"}: name one as <host>:<port>/<protocol>.`,
    );
  }
  return ports.find((p) => p.port === port && (p.protocol ?? "TCP") === (protocol ?? "TCP"));
}

const portText = (p: ServicePort) => `${p.port}/${p.protocol ?? "TCP"}`;

// ---- the walk from a pod ---------------------------------------------------------------------------

function sourceOf(objects: InClusterObjects, from: Pod): PolicySource {
  return { label: key(from.metadata?.namespace, from.metadata?.name), peer: policyPeer(objects, from) };
}

function finish(r: Omit<InClusterTrace, "verdict" | "summary">): InClusterTrace {
  const allowed = r.endpoints.filter((e) => e.verdict === "Allow").length;
  const wouldDeny = r.endpoints.filter((e) => !e.policy.policyAllows).length;
  let verdict: InClusterVerdict = allowed ? "Allow" : "Deny";
  let summary: string;
  if (!r.endpoints.length) {
    verdict = "NoEndpoints";
    summary = "nothing to send to";
  } else if (allowed === r.endpoints.length) summary = `reaches all ${allowed} endpoint(s)`;
  else if (allowed)
    summary = `reaches ${allowed} of ${r.endpoints.length} endpoint(s); NetworkPolicy drops connections kube-proxy sends to the others`;
  else summary = `NetworkPolicy denies every endpoint (${r.endpoints.length}): connections time out`;
  if (!r.networkPolicy.enforced && wouldDeny)
    summary += `; ${wouldDeny} endpoint(s) would be denied by NetworkPolicy, which is not enforced (networkPolicy ${r.networkPolicy.plugin})`;
  return { ...r, verdict, summary };
}

function serviceWalk(
  base: Omit<InClusterTrace, "verdict" | "summary" | "endpoints" | "notReady">,
  from: Pod,
  svc: Service,
  via: (sp: ServicePort) => string,
  target: TraceTarget,
  objects: InClusterObjects,
  facts: ClusterFacts,
): InClusterTrace {
  const name = key(svc.metadata?.namespace, svc.metadata?.name);
  const sp = servicePortFor(svc, target.port, target.protocol);
  const clusterIPs = (
    svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : [svc.spec?.clusterIP ?? ""]
  ).filter(Boolean);
  const protocol = (sp?.protocol ?? target.protocol ?? "TCP") as TraceProtocol;
  if (!sp)
    return {
      ...base,
      protocol,
      steps: [
        ...base.steps,
        `Service ${name} has no port ${target.port}/${protocol} (its ports: ${(svc.spec?.ports ?? []).map(portText).join(", ") || "none"}): kube-proxy has no rule for it, the packet follows the default route and is dropped (the connection times out)`,
      ],
      endpoints: [],
      notReady: [],
      verdict: "NoSuchPort",
      summary: `no port ${target.port}/${protocol} on Service ${name}`,
    };
  const service: ServiceHop = {
    namespace: svc.metadata?.namespace ?? "default",
    name: svc.metadata?.name ?? "",
    type: svc.spec?.type ?? "ClusterIP",
    clusterIPs,
    port: {
      ...(sp.name ? { name: sp.name } : {}),
      port: sp.port,
      protocol,
      targetPort: sp.targetPort ?? sp.port,
      ...(sp.nodePort ? { nodePort: sp.nodePort } : {}),
    },
    via: via(sp),
    ...(svc.spec?.externalTrafficPolicy ? { externalTrafficPolicy: svc.spec.externalTrafficPolicy } : {}),
    ...(svc.spec?.sessionAffinity ? { sessionAffinity: svc.spec.sessionAffinity } : {}),
  };
  const src = sourceOf(objects, from);
  const { endpoints, notReady, endpointsObject } = serviceBackends(svc, sp, objects, facts, () => [src]);
  const steps = [
    ...base.steps,
    `${service.via} → Service ${name} port ${sp.name ? `'${sp.name}' ` : ""}${portText(sp)} (kube-proxy DNATs to one ready endpoint${svc.spec?.sessionAffinity === "ClientIP" ? ", the same one per client IP" : ", chosen at random"})`,
  ];
  if (!endpoints.length)
    steps.push(
      `${noEndpointsReason(svc, notReady.length, endpointsObject)}: kube-proxy rejects the connection (ICMP port unreachable: connection refused)`,
    );
  return finish({ ...base, protocol, port: sp.port, service, steps, endpoints, notReady });
}

function podWalk(
  base: Omit<InClusterTrace, "verdict" | "summary" | "endpoints" | "notReady">,
  from: Pod,
  targets: { ip: string; pod?: Pod }[],
  target: TraceTarget,
  objects: InClusterObjects,
  facts: ClusterFacts,
): InClusterTrace {
  if (target.port === undefined)
    throw new TraceTargetError(`Name the port for a pod destination: ${target.host}:<port>/<protocol>.`);
  const protocol = target.protocol ?? "TCP";
  const src = sourceOf(objects, from);
  const endpoints: EndpointHop[] = targets.map(({ ip, pod }) => {
    const policy = policyVerdict(objects, facts, [src], pod, target.port as number, protocol);
    return {
      pod: pod ? key(pod.metadata?.namespace, pod.metadata?.name) : "",
      ip,
      ...(pod?.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
      port: target.port as number,
      protocol,
      targetPort: "direct to the pod (no Service, no kube-proxy)",
      policy,
      verdict: policy.enforced && !policy.policyAllows ? "Deny" : "Allow",
    };
  });
  return finish({ ...base, protocol, port: target.port, endpoints, notReady: [] });
}

/**
 * Traces `from` → `target` when the target is inside the cluster; `undefined` when it is not (an
 * address no Service, load balancer ingress or pod holds, a name outside the cluster zone), so the
 * caller's next resolver (egress) takes it. Throws TraceTargetError for an ambiguous port.
 */
export function tracePodToCluster(
  from: Pod,
  target: TraceTarget,
  objects: InClusterObjects,
  facts: ClusterFacts,
  depth = 0,
): InClusterTrace | undefined {
  const plugin = facts.networkPolicy || "none";
  const ip = podIPs(from)[0];
  const base = {
    from: {
      pod: key(from.metadata?.namespace, from.metadata?.name),
      ...(ip ? { ip } : {}),
      ...(from.spec?.nodeName ? { node: from.spec.nodeName } : {}),
      hostNetwork: from.spec?.hostNetwork === true,
    },
    to: target.host,
    ...(target.port !== undefined ? { port: target.port } : {}),
    protocol: target.protocol ?? ("TCP" as TraceProtocol),
    steps: [] as string[],
    networkPolicy: { plugin, enforced: enforcedBy(plugin) },
  };
  const host = target.host.trim();
  const isIp = /^[\d.]+$/.test(host) || host.includes(":");
  if (isIp) {
    const svc = objects.services.find((s) =>
      (s.spec?.clusterIPs?.length ? s.spec.clusterIPs : [s.spec?.clusterIP]).includes(host),
    );
    if (svc)
      return serviceWalk(base, from, svc, (sp) => `ClusterIP ${host}:${sp.port}`, target, objects, facts);
    const lbSvc = objects.services.find(
      (s) =>
        (s.status?.loadBalancer?.ingress ?? []).some((i) => i.ip === host) ||
        (s.spec?.externalIPs ?? []).includes(host),
    );
    if (lbSvc)
      return serviceWalk(
        base,
        from,
        lbSvc,
        (sp) =>
          `${(lbSvc.spec?.externalIPs ?? []).includes(host) ? "external IP" : "LoadBalancer ingress"} ${host}:${sp.port} (kube-proxy catches it on the pod's node; the packet never reaches the Azure load balancer)`,
        target,
        objects,
        facts,
      );
    const pods = objects.pods.filter((p) => !p.spec?.hostNetwork && podIPs(p).includes(host));
    if (pods.length) {
      base.steps.push(
        `${host} is pod ${key(pods[0].metadata?.namespace, pods[0].metadata?.name)}: routed pod to pod`,
      );
      return podWalk(base, from, [{ ip: host, pod: pods[0] }], target, objects, facts);
    }
    return undefined;
  }
  // A name: the pod's resolver, then kube-dns.
  const dnsUse = usesClusterDns(from);
  const answer = resolveClusterName(host, objects, {
    pod: from,
    ...(facts.domain ? { domain: facts.domain } : {}),
    ...(facts.dnsServiceIP ? { dnsServiceIP: facts.dnsServiceIP } : {}),
  });
  if (answer.kind === "external") return undefined;
  if (!dnsUse.yes)
    return {
      ...base,
      dns: answer,
      steps: [`${host}: ${dnsUse.why}, which does not answer cluster names`],
      endpoints: [],
      notReady: [],
      verdict: "Unresolved",
      summary: `${host} does not resolve for this pod`,
    };
  const asked =
    `${host} → kube-dns ${facts.dnsServiceIP ?? ""} (${dnsUse.why}; tried ${answer.tried.join(", ")})`.replace(
      "  ",
      " ",
    );
  const withDns = { ...base, dns: answer };
  switch (answer.kind) {
    case "nxdomain":
      return {
        ...withDns,
        steps: [`${asked}: NXDOMAIN — ${answer.reason}`],
        endpoints: [],
        notReady: [],
        verdict: "Unresolved",
        summary: `${host} does not resolve: ${answer.reason}`,
      };
    case "clusterIP": {
      const svc = objects.services.find(
        (s) => s.metadata?.namespace === answer.service.namespace && s.metadata?.name === answer.service.name,
      ) as Service;
      withDns.steps.push(`${asked}: ${answer.fqdn} A ${answer.addresses.join(", ")}`);
      return serviceWalk(
        withDns,
        from,
        svc,
        (sp) => `ClusterIP ${answer.addresses[0]}:${sp.port}`,
        target,
        objects,
        facts,
      );
    }
    case "headless": {
      withDns.steps.push(
        `${asked}: ${answer.fqdn} is headless, A ${answer.addresses.join(", ")} (the pods themselves; no ClusterIP, no kube-proxy)`,
      );
      let t = target;
      if (t.port === undefined) {
        const svc = objects.services.find(
          (s) =>
            s.metadata?.namespace === answer.service.namespace && s.metadata?.name === answer.service.name,
        );
        const sp = svc ? servicePortFor(svc, undefined, target.protocol) : undefined;
        if (sp) t = { ...t, port: sp.port, protocol: (sp.protocol ?? "TCP") as TraceProtocol };
      }
      const targets = answer.addresses.map((a, i) => {
        const [ns, name] = answer.pods[i].split("/");
        return {
          ip: a,
          pod: objects.pods.find((p) => p.metadata?.namespace === ns && p.metadata?.name === name),
        };
      });
      return podWalk(withDns, from, targets, t, objects, facts);
    }
    case "externalName": {
      withDns.steps.push(`${asked}: ${answer.fqdn} CNAME ${answer.cname}`);
      const inner =
        depth < 4
          ? tracePodToCluster(
              from,
              { ...target, host: `${answer.cname.replace(/\.$/, "")}.` },
              objects,
              facts,
              depth + 1,
            )
          : undefined;
      if (inner)
        return {
          ...inner,
          to: target.host,
          dns: answer,
          externalName: answer.cname,
          steps: [...withDns.steps, ...inner.steps],
        };
      return {
        ...withDns,
        externalName: answer.cname,
        steps: [
          ...withDns.steps,
          `${answer.cname} is outside the cluster: the pod connects to it through the cluster's egress (no kube-proxy, no Service endpoints)`,
        ],
        endpoints: [],
        notReady: [],
        verdict: "LeavesCluster",
        summary: `ExternalName: the connection goes to ${answer.cname}, outside the cluster`,
      };
    }
    case "pod": {
      withDns.steps.push(`${asked}: ${answer.fqdn} A ${answer.addresses[0]}`);
      const pod = objects.pods.find((p) => !p.spec?.hostNetwork && podIPs(p).includes(answer.addresses[0]));
      return podWalk(
        withDns,
        from,
        [{ ip: answer.addresses[0], ...(pod ? { pod } : {}) }],
        target,
        objects,
        facts,
      );
    }
  }
}
