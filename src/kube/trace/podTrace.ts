// `aksnet trace --from-pod <ns>/<pod> --to <ip|name>[:<port>/<proto>]`: how a packet from a pod
// travels, hop by hop. The pod (and its node) are read from the cluster's Kubernetes objects in the
// store; the destination is handed to the first resolver of DESTINATION_RESOLVERS that claims it
// (in-cluster classes — Service ClusterIPs, cluster DNS names, pod IPs — go before `external`,
// which takes every other address). Each hop says what it is, where, which object or rule decides,
// and the verdict. Read-only, inside one store read.
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { NetError, parseIp } from "../../net/index.js";
import { asObject, field } from "../../providers/common.js";
import { type ClusterInternal, clusterIdOf } from "../../providers/containerservice/model.js";
import { getCluster } from "../../providers/containerservice/records.js";
import type { ArmContext, EmulatorSettings, Services } from "../../providers/context.js";
import { ArmError, invalidRequestContent, resourceNotFound } from "../../providers/errors.js";
import { type EgressHop, nodeEgress } from "../../providers/views/nodeEgress.js";
import { runTraceWith, traceContext } from "../../providers/views/reachability.js";
import type { Tx } from "../../store/types.js";
import { gatewayEgressAddresses } from "../egress/azureApply.js";
import { egressDecision, type Flow } from "../egress/egressPath.js";
import {
  GATEWAY_ILB_NAME,
  SGC_GROUP,
  SGC_POD_ANNOTATION,
  type StaticGatewayConfigurationSpec,
  type StaticGatewayConfigurationStatus,
} from "../egress/staticGatewayConfiguration.js";
import { AKS_POLICY_ENFORCED, evaluatePolicies, type NetworkPolicy } from "../networkPolicy.js";
import { inClusterDestination } from "./inClusterResolver.js";

// ---- request -----------------------------------------------------------------------------------

export type TraceProtocol = "TCP" | "UDP" | "ICMP";

export interface PodTraceRequest {
  subscriptionId?: string;
  resourceGroup: string;
  cluster: string;
  /** `<namespace>/<pod>` (a bare name: namespace `default`). */
  fromPod: string;
  /** `<ip|name>[:<port>/<proto>]`. */
  to: string;
  /** `<port>/<proto>` or `icmp`, when `to` carries none. */
  port?: string;
}

/** The destination as the request names it. */
export interface Destination {
  /** What was asked for (address or name, without the port). */
  text: string;
  /** Set when `text` is an IPv4/IPv6 address. */
  ip?: string;
  protocol: TraceProtocol;
  port?: number;
}

const PORT_RE = /^(\d{1,5})\/(tcp|udp)$/i;

function parsePortSpec(text: string, fieldName: string): { protocol: TraceProtocol; port?: number } {
  const t = text.trim();
  if (/^icmp$/i.test(t)) return { protocol: "ICMP" };
  const m = PORT_RE.exec(t);
  const port = m ? Number(m[1]) : Number.NaN;
  if (!m || port < 1 || port > 65535)
    throw invalidRequestContent(
      `Invalid port '${text}': expected <port>/<tcp|udp> with a port between 1 and 65535 (e.g. 443/tcp), or icmp.`,
      fieldName,
    );
  return { protocol: m[2].toUpperCase() as TraceProtocol, port };
}

/** `<ip|name>[:<port>/<proto>]`, the port from `port` when `to` has none. */
export function parseDestination(to: string, port: string | undefined): Destination {
  const t = to.trim();
  const m = /^(.*):(\d{1,5}\/(?:tcp|udp))$/i.exec(t);
  const host = (m ? m[1] : t).replace(/^\[(.*)\]$/, "$1");
  if (!host)
    throw invalidRequestContent(`Invalid destination '${to}': expected <ip|name>[:<port>/<proto>].`, "to");
  const spec = m?.[2] ?? port;
  if (spec === undefined)
    throw invalidRequestContent(
      `The destination '${to}' names no port: give it as <ip|name>:<port>/<proto> (e.g. 20.1.2.3:443/tcp) or pass 'port'.`,
      "port",
    );
  const p = parsePortSpec(spec, m ? "to" : "port");
  let ip: string | undefined;
  try {
    parseIp(host);
    ip = host;
  } catch (e) {
    if (!(e instanceof NetError)) throw e;
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(host))
      throw invalidRequestContent(
        `Invalid destination '${to}': '${host}' is neither an IP address nor a DNS name.`,
        "to",
      );
  }
  return { text: host, ...(ip ? { ip } : {}), ...p };
}

/** The JSON body of `POST /_aksnet/trace` with `fromPod` → a request; 400 naming the field. */
export function parsePodTraceRequest(body: unknown): PodTraceRequest {
  const o = asObject(body);
  const str = (key: string) => field.string(o, key, key)?.trim() || undefined;
  const need = (key: "resourceGroup" | "cluster" | "fromPod" | "to") => {
    const v = str(key);
    if (!v) throw invalidRequestContent(`The request must name '${key}'.`, key);
    return v;
  };
  const req: PodTraceRequest = {
    resourceGroup: need("resourceGroup"),
    cluster: need("cluster"),
    fromPod: need("fromPod"),
    to: need("to"),
  };
  const sub = str("subscriptionId");
  if (sub) req.subscriptionId = sub;
  const port = str("port");
  if (port) req.port = port;
  if (!/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/.test(req.fromPod))
    throw invalidRequestContent(
      `Invalid pod '${req.fromPod}': expected <namespace>/<pod> (lower-case DNS names).`,
      "fromPod",
    );
  parseDestination(req.to, req.port);
  return req;
}

// ---- answer ------------------------------------------------------------------------------------

export type HopVerdict = "forward" | "snat" | "tunnel" | "deliver" | "drop" | "wait";

export interface Hop {
  /** What handles the packet here (`pod routing`, `WireGuard`, `SNAT`, …). */
  what: string;
  /** Where: the node, load balancer frontend, address … */
  where: string;
  /** The object or rule that decides (a StaticGatewayConfiguration, an LB rule, a route). */
  decidedBy: string;
  verdict: HopVerdict;
  /** The packet's source and destination leaving this hop. */
  source?: string;
  destination?: string;
  detail?: string;
}

export type PodTraceVerdict = "Delivered" | "Dropped" | "Pending";

export interface PodTraceResult {
  cluster: string;
  resourceGroup: string;
  subscriptionId: string;
  from: {
    namespace: string;
    pod: string;
    podIp?: string;
    node?: string;
    nodeIp?: string;
    /** The StaticGatewayConfiguration named by the pod's annotation. */
    staticGatewayConfiguration?: string;
  };
  to: Destination & { class: string };
  hops: Hop[];
  verdict: PodTraceVerdict;
  /** The source address the destination sees (when delivered). */
  egressIp?: string;
  summary: string;
  notes: string[];
}

/** What a destination resolver answers: the hops after the pod, the verdict and what the far end sees. */
export interface DestinationLeg {
  hops: Hop[];
  verdict: PodTraceVerdict;
  egressIp?: string;
  summary: string;
  notes?: string[];
}

/** Everything a resolver may look at: the pod, its node, the cluster, and read access to both faces. */
export interface PodTraceContext {
  arm: ArmContext;
  tx: Tx;
  cluster: { id: string; uid: string; name: string; resourceGroup: string; internal: ClusterInternal };
  pod: Pod;
  namespace: string;
  podName: string;
  podIp?: string;
  node?: Node;
  nodeIp?: string;
  nodePublicIp?: string;
  /** The node's agent pool (label kubernetes.azure.com/agentpool). */
  poolName?: string;
  /** A Kubernetes object of this cluster by `<group>/<plural>` (core group: `core`). */
  getObject<T = Record<string, unknown>>(
    resource: string,
    namespace: string,
    name: string,
  ): Promise<T | undefined>;
  listObjects<T = Record<string, unknown>>(resource: string, namespace?: string): Promise<T[]>;
}

export interface DestinationResolver {
  /** The destination class shown in the answer (`external`, `clusterIP`, `service-dns`, `pod`…). */
  kind: string;
  /** The leg to `dest` when it is of this class; undefined hands it to the next resolver. */
  resolve(t: PodTraceContext, dest: Destination): Promise<DestinationLeg | undefined>;
}

// ---- the leg out of the cluster ------------------------------------------------------------------

interface Sgc {
  metadata?: { name?: string; uid?: string; deletionTimestamp?: string };
  spec?: StaticGatewayConfigurationSpec;
  status?: StaticGatewayConfigurationStatus;
}

const HOP_WORDS: Record<EgressHop["kind"], { what: string; verdict: HopVerdict }> = {
  node: { what: "node", verdict: "forward" },
  azurePlatform: { what: "Azure platform", verdict: "deliver" },
  route: { what: "route", verdict: "forward" },
  natGateway: { what: "NAT gateway", verdict: "snat" },
  nodePublicIP: { what: "node public IP", verdict: "snat" },
  loadBalancerOutboundRule: { what: "outbound rule", verdict: "snat" },
  defaultOutbound: { what: "default outbound access", verdict: "snat" },
  drop: { what: "drop", verdict: "drop" },
};

/**
 * The cluster's outbound for a packet that leaves `t`'s node with `source`: the subnet's route,
 * then whoever translates the source (providers/views/nodeEgress.ts, every outboundType).
 */
async function clusterOutbound(
  t: PodTraceContext,
  source: string,
  dest: Destination,
): Promise<DestinationLeg> {
  const ip = dest.ip ?? dest.text;
  const to = `${ip}${dest.port ? `:${dest.port}` : ""}`;
  const e = await nodeEgress(t.arm, {
    clusterId: t.cluster.id,
    node: t.node?.metadata?.name ?? t.nodeIp ?? "",
    destination: ip,
    sourceIp: source,
  });
  const hops: Hop[] = [];
  let current = source;
  for (const h of e.hops) {
    if (h.kind === "node") continue; // the pod's hops already name the node and the source
    const words = HOP_WORDS[h.kind];
    if (words.verdict === "snat") current = h.publicIpAddresses?.[0] ?? e.sourceAddress ?? current;
    hops.push({
      what: words.what,
      where: h.resourceId
        ? (h.resourceId.split("/").slice(-3).join("/") ?? h.resourceId)
        : `node ${e.node}'s subnet`,
      decidedBy: h.detail,
      verdict: words.verdict,
      ...(words.verdict === "drop" ? {} : { source: current, destination: to }),
    });
  }
  if (e.via === "dropped")
    return { hops, verdict: "Dropped", summary: e.hops[e.hops.length - 1]?.detail ?? "dropped" };
  const summary =
    e.via === "virtualNetwork"
      ? `delivered inside the virtual network from ${e.sourceAddress ?? source}`
      : e.sourceAddress
        ? `leaves through ${HOP_WORDS[e.hops[e.hops.length - 1].kind].what} ${e.sourceAddress} (outboundType ${e.outboundType})`
        : `leaves through ${e.via} (outboundType ${e.outboundType})`;
  return { hops, verdict: "Delivered", ...(e.sourceAddress ? { egressIp: e.sourceAddress } : {}), summary };
}

/**
 * The pod's egress NetworkPolicies toward an address outside the cluster, when the cluster's
 * networkPolicy enforces them (they do on the normal way out, not on the gateway leg): a hop that
 * forwards or drops, or undefined when nothing is enforced or nothing selects the pod.
 */
export async function egressPolicyHop(t: PodTraceContext, dest: Destination): Promise<Hop | undefined> {
  const engine = t.cluster.internal.spec.network.policy;
  if (!AKS_POLICY_ENFORCED[engine] || !dest.ip || dest.port === undefined || dest.protocol === "ICMP")
    return undefined;
  const policies = await t.listObjects<NetworkPolicy>("networking.k8s.io/networkpolicies", t.namespace);
  const ns = await t.getObject<{ metadata?: { labels?: Record<string, string> } }>(
    "core/namespaces",
    "",
    t.namespace,
  );
  const v = evaluatePolicies({
    from: {
      kind: "pod",
      namespace: t.namespace,
      labels: t.pod.metadata?.labels ?? {},
      ...(ns?.metadata?.labels ? { namespaceLabels: ns.metadata.labels } : {}),
      ...(t.podIp ? { ip: t.podIp } : {}),
    },
    to: { kind: "vm", ip: dest.ip, sameNetwork: false },
    port: dest.port,
    protocol: dest.protocol,
    policies,
  });
  if (v.decidedBy === "default") return undefined;
  return {
    what: "NetworkPolicy",
    where: `pod ${t.namespace}/${t.podName} (${engine})`,
    decidedBy: v.decidedBy.replace(/^(policy|isolation):/, "NetworkPolicy "),
    verdict: v.allowed ? "forward" : "drop",
    detail: v.reason,
  };
}

/** The normal way out: the pod's own address or the node's (kubenet / overlay NAT), then the outbound. */
async function normalLeg(t: PodTraceContext, dest: Destination, why: string): Promise<DestinationLeg> {
  const net = t.cluster.internal.spec.network;
  const ip = dest.ip ?? dest.text;
  const to = `${ip}${dest.port ? `:${dest.port}` : ""}`;
  const flat = net.plugin === "azure" && net.pluginMode !== "overlay";
  const hostNet = t.pod.spec?.hostNetwork === true;
  const hops: Hop[] = [];
  const policy = hostNet ? undefined : await egressPolicyHop(t, dest);
  if (policy) {
    hops.push({ ...policy, source: t.podIp ?? "", destination: to });
    if (policy.verdict === "drop")
      return { hops, verdict: "Dropped", summary: `dropped by ${policy.decidedBy}: ${policy.detail ?? ""}` };
  }
  let source = t.podIp ?? "";
  if (hostNet) {
    source = t.nodeIp ?? source;
    hops.push({
      what: "host network",
      where: `node ${t.node?.metadata?.name}`,
      decidedBy: "pod spec.hostNetwork",
      verdict: "forward",
      source,
      destination: to,
      detail: "the pod uses the node's own address",
    });
  } else if (flat) {
    hops.push({
      what: "pod routing",
      where: `node ${t.node?.metadata?.name}`,
      decidedBy: `Azure CNI: the pod IP ${t.podIp} is a VNet address`,
      verdict: "forward",
      source,
      destination: to,
      detail: why,
    });
  } else {
    source = t.nodeIp ?? source;
    hops.push({
      what: "NAT",
      where: `node ${t.node?.metadata?.name}`,
      decidedBy: `${net.plugin === "kubenet" ? "kubenet" : "Azure CNI overlay"}: ip-masq-agent masquerades pod CIDR ${net.podCidr ?? ""} to the node's primary IP`,
      verdict: "snat",
      source,
      destination: to,
      detail: why,
    });
  }
  const out = await clusterOutbound(t, source, dest);
  return { ...out, hops: [...hops, ...out.hops] };
}

/** Any address that no in-cluster resolver claimed: out of the cluster, through the gateway or not. */
export const externalDestination: DestinationResolver = {
  kind: "external",
  async resolve(t, dest) {
    if (!dest.ip) return undefined;
    const sgcName = t.pod.metadata?.annotations?.[SGC_POD_ANNOTATION];
    if (!sgcName) return normalLeg(t, dest, "the pod is not annotated with " + SGC_POD_ANNOTATION);
    const sgc = await t.getObject<Sgc>(`${SGC_GROUP}/staticgatewayconfigurations`, t.namespace, sgcName);
    const to = `${dest.ip}${dest.port ? `:${dest.port}` : ""}`;
    if (!sgc)
      return {
        hops: [
          {
            what: "pod sandbox",
            where: `node ${t.node?.metadata?.name ?? "-"}`,
            decidedBy: `annotation ${SGC_POD_ANNOTATION}=${sgcName}`,
            verdict: "wait",
            detail: `no StaticGatewayConfiguration ${sgcName} in namespace ${t.namespace}: the CNI plugin cannot set up the pod's network`,
          },
        ],
        verdict: "Pending",
        summary: `StaticGatewayConfiguration ${t.namespace}/${sgcName} does not exist`,
      };
    const spec = sgc.spec ?? {};
    const gwNodes = await gatewayEgressAddresses(t.arm, t.cluster.id, {
      uid: sgc.metadata?.uid ?? "",
      gatewayNodepoolName: spec.gatewayNodepoolName ?? "",
    });
    // The ILB hashes the 5-tuple; the trace has no source port, so it hashes (pod IP, 0, destination).
    const flow: Flow = {
      sourceIp: t.podIp ?? "",
      sourcePort: 0,
      destinationIp: dest.ip,
      destinationPort: dest.port ?? 0,
      protocol: dest.protocol === "UDP" ? "UDP" : "TCP",
    };
    const d = egressDecision(
      flow,
      { name: sgcName, spec, ...(sgc.status ? { status: sgc.status } : {}) },
      gwNodes,
    );
    const ref = `StaticGatewayConfiguration ${t.namespace}/${sgcName}`;
    if (d.via === "normal") return normalLeg(t, dest, `${ref}: ${d.reason}`);
    if (d.via === "blocked")
      return {
        hops: [
          {
            what: "pod routing",
            where: `pod ${t.namespace}/${t.podName}`,
            decidedBy: ref,
            verdict: t.podIp ? "drop" : "wait",
            detail: d.reason,
          },
        ],
        verdict: t.podIp ? "Dropped" : "Pending",
        summary: d.reason,
      };
    const bypassed = await egressPolicyHop(t, dest);
    const gsp = sgc.status?.gatewayServerProfile ?? {};
    const tunnel = `${gsp.ip ?? "?"}:${gsp.port ?? "?"}/udp`;
    const excluded = spec.excludeCidrs?.length ? spec.excludeCidrs.join(", ") : "none";
    return {
      hops: [
        {
          what: "pod routing",
          where: `pod ${t.namespace}/${t.podName} (${t.podIp})`,
          decidedBy: `${ref}: default route through wg0 (excludeCidrs: ${excluded})`,
          verdict: "tunnel",
          source: t.podIp ?? "",
          destination: to,
        },
        {
          what: "WireGuard",
          where: `${GATEWAY_ILB_NAME} frontend ${tunnel}`,
          decidedBy: `load balancing rule ${sgc.metadata?.uid ?? ""} (flow hash over ${gwNodes.length} gateway node${gwNodes.length === 1 ? "" : "s"})`,
          verdict: "forward",
          source: t.nodeIp ?? "",
          destination: tunnel,
          detail: `to gateway node ${d.gatewayNode}`,
        },
        {
          what: "SNAT",
          where: `gateway node ${d.gatewayNode}`,
          decidedBy: `ip configuration egressgateway-${sgc.metadata?.uid ?? ""}: address of egress prefix ${d.egressPrefix}`,
          verdict: "snat",
          source: d.snatAddress,
          destination: to,
        },
      ],
      verdict: "Delivered",
      egressIp: d.snatAddress,
      summary: `through gateway node ${d.gatewayNode}, SNAT to ${d.snatAddress} of ${d.egressPrefix}`,
      notes: [
        "Network policies do not apply to the gateway leg: the packet is inside the WireGuard tunnel from the pod to the gateway node, and the gateway node (not a pod) makes the SNAT.",
        ...(bypassed?.verdict === "drop"
          ? [
              `${bypassed.decidedBy} would drop this flow on the normal way out (${bypassed.detail}); through the gateway it does not apply.`,
            ]
          : []),
      ],
    };
  },
};

/**
 * Destination classes, first match wins. In-cluster classes (ClusterIP, `<svc>.<ns>.svc.cluster.local`,
 * pod IPs) are added ABOVE `externalDestination`, one line each.
 */
export const DESTINATION_RESOLVERS: DestinationResolver[] = [inClusterDestination, externalDestination];

// ---- dispatch ------------------------------------------------------------------------------------

const _eq = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

export async function tracePod(
  tx: Tx,
  settings: EmulatorSettings,
  services: Services,
  req: PodTraceRequest,
  resolvers: readonly DestinationResolver[] = DESTINATION_RESOLVERS,
): Promise<PodTraceResult> {
  const arm = traceContext(tx, settings, services, req.subscriptionId);
  const clusterId = clusterIdOf(arm.subscriptionId, req.resourceGroup, req.cluster);
  const cluster = await getCluster(arm, clusterId);
  const uid = (cluster?.internal as { resourceUID?: string } | undefined)?.resourceUID;
  if (!cluster || !uid)
    throw resourceNotFound("Microsoft.ContainerService/managedClusters", req.cluster, req.resourceGroup);
  const [namespace, podName] = req.fromPod.includes("/") ? req.fromPod.split("/") : ["default", req.fromPod];
  const getObject = async <T>(resource: string, ns: string, name: string) =>
    (await tx.getObject(uid, resource, ns, name))?.body as T | undefined;
  const listObjects = async <T>(resource: string, ns?: string) =>
    (await tx.listObjects({ cluster: uid, resource, ...(ns !== undefined ? { namespace: ns } : {}) })).map(
      (r) => r.body as T,
    );
  const pod = await getObject<Pod>("core/pods", namespace, podName);
  if (!pod) throw podNotFound(namespace, podName);
  const nodeName = pod.spec?.nodeName;
  const node = nodeName ? await getObject<Node>("core/nodes", "", nodeName) : undefined;
  const addr = (type: string) => node?.status?.addresses?.find((a) => a.type === type)?.address;
  const podIp = pod.status?.podIP;
  const nodeIp = addr("InternalIP");
  const nodePublicIp = addr("ExternalIP");
  const poolName = node?.metadata?.labels?.["kubernetes.azure.com/agentpool"];
  const t: PodTraceContext = {
    arm,
    tx,
    cluster: {
      id: cluster.rec.id,
      uid,
      name: req.cluster,
      resourceGroup: req.resourceGroup,
      internal: cluster.internal,
    },
    pod,
    namespace,
    podName,
    ...(podIp ? { podIp } : {}),
    ...(node ? { node } : {}),
    ...(nodeIp ? { nodeIp } : {}),
    ...(nodePublicIp ? { nodePublicIp } : {}),
    ...(poolName ? { poolName } : {}),
    getObject,
    listObjects,
  };
  const dest = parseDestination(req.to, req.port);
  const sgc = pod.metadata?.annotations?.[SGC_POD_ANNOTATION];
  const from: PodTraceResult["from"] = {
    namespace,
    pod: podName,
    ...(podIp ? { podIp } : {}),
    ...(nodeName ? { node: nodeName } : {}),
    ...(nodeIp ? { nodeIp } : {}),
    ...(sgc ? { staticGatewayConfiguration: sgc } : {}),
  };
  const base = {
    cluster: cluster.rec.id,
    resourceGroup: req.resourceGroup,
    subscriptionId: arm.subscriptionId,
    from,
  };
  // A pod with no address yet sends nothing: say why instead of tracing a packet that cannot exist.
  if (!podIp && pod.spec?.hostNetwork !== true) {
    const phase = pod.status?.phase ?? "Pending";
    const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting?.reason;
    return {
      ...base,
      to: { ...dest, class: "unresolved" },
      hops: [
        {
          what: "pod sandbox",
          where: nodeName ? `node ${nodeName}` : "not scheduled",
          decidedBy: nodeName ? "kubelet / CNI" : "kube-scheduler",
          verdict: "wait",
          detail: `the pod has no IP yet (phase ${phase}${waiting ? `, ${waiting}` : ""})`,
        },
      ],
      verdict: "Pending",
      summary: `pod ${namespace}/${podName} has no IP yet (phase ${phase})`,
      notes: [],
    };
  }
  for (const r of resolvers) {
    const leg = await r.resolve(t, dest);
    if (!leg) continue;
    return {
      ...base,
      to: { ...dest, class: r.kind },
      hops: leg.hops,
      verdict: leg.verdict,
      ...(leg.egressIp ? { egressIp: leg.egressIp } : {}),
      summary: leg.summary,
      notes: leg.notes ?? [],
    };
  }
  throw invalidRequestContent(
    `Cannot resolve destination '${dest.text}': it is not an IP address or a name the cluster's DNS answers.`,
    "to",
  );
}

const podNotFound = (namespace: string, name: string) =>
  new ArmError(404, "PodNotFound", `pods "${name}" not found in namespace "${namespace}"`, "fromPod");

/** `POST /_aksnet/trace` with `fromPod` (body: raw JSON text or parsed): parse, trace in one store read. */
export async function runPodTrace(
  store: { read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> },
  settings: EmulatorSettings,
  services: Services,
  body: unknown,
): Promise<PodTraceResult> {
  return runTraceWith(store, body, parsePodTraceRequest, (tx, req) => tracePod(tx, settings, services, req));
}

/** Whether a trace body asks for the pod trace (has `fromPod`). */
export function isPodTraceBody(body: unknown): boolean {
  let o = body;
  if (typeof body === "string") {
    try {
      o = JSON.parse(body);
    } catch {
      return false;
    }
  }
  return typeof o === "object" && o !== null && "fromPod" in o;
}
