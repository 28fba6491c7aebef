// `POST /_aksnet/trace` with the cluster's own objects: the ARM half (providers/views/reachability.ts:
// load balancer frontend → rule → backend nodes → NSGs) extended at both ends —
//   - a destination named by its cluster DNS name is resolved (kube/services/dns.ts) to the
//     Service's load balancer address, or refused with the reason (a ClusterIP is not reachable
//     from outside the cluster);
//   - behind a load balancer frontend, the Service it belongs to, its port's Endpoints and each
//     endpoint pod's NetworkPolicy verdict for the traffic as the pod sees it (the client's
//     address with externalTrafficPolicy Local; the forwarding node's, after kube-proxy's SNAT,
//     with Cluster).
// Reads only, in one store snapshot.
import type { Endpoints, Namespace, Pod, Service } from "kubernetes-types/core/v1.js";
import { type ClusterInternal, clusterIdOf } from "../../providers/containerservice/model.js";
import type { EmulatorSettings, Services } from "../../providers/context.js";
import { invalidRequestContent, resourceNotFound, subscriptionNotFound } from "../../providers/errors.js";
import type { LoadBalancerHop } from "../../providers/views/loadBalancerPath.js";
import {
  parseTraceRequest,
  runTraceWith,
  type TraceRequest,
  type TraceResult,
  traceReachability,
} from "../../providers/views/reachability.js";
import type { Tx } from "../../store/types.js";
import { AKS_POLICY_ENFORCED, type NetworkPolicy } from "../networkPolicy.js";
import { frontendName } from "../services/azureLoadBalancer.js";
import { type DnsAnswer, resolveClusterName } from "../services/dns.js";
import {
  type ClusterFacts,
  type EndpointHop,
  type InClusterObjects,
  type InClusterTrace,
  noEndpointsReason,
  type PolicySource,
  type ServiceHop,
  serviceBackends,
  type TraceProtocol,
} from "./podToService.js";

/** What a trace through a load balancer finds behind it: the Service and its pods. */
export interface ServiceBackendTrace {
  service: ServiceHop;
  endpoints: EndpointHop[];
  notReady: InClusterTrace["notReady"];
  networkPolicy: { plugin: string; enforced: boolean };
  steps: string[];
  verdict: "Allow" | "Deny" | "NoEndpoints";
  summary: string;
}

export interface ClusterTraceResult extends TraceResult {
  /** The destination's cluster DNS answer, when it was named. */
  dns?: DnsAnswer;
  /** Behind the load balancer frontend: the Service, its endpoints and their NetworkPolicy verdicts. */
  service?: ServiceBackendTrace;
}

export interface ClusterHandle {
  id: string;
  uid: string;
  internal: ClusterInternal;
  facts: ClusterFacts;
}

/** The managed cluster a trace names (404s as ARM words them). */
export async function clusterFor(
  tx: Tx,
  settings: EmulatorSettings,
  req: { subscriptionId?: string; resourceGroup: string; cluster: string },
): Promise<ClusterHandle> {
  const sub = req.subscriptionId
    ? settings.subscriptions.find((s) => s.subscriptionId.toLowerCase() === req.subscriptionId?.toLowerCase())
    : settings.subscriptions[0];
  if (!sub) throw subscriptionNotFound(String(req.subscriptionId));
  const rec = await tx.getResource(clusterIdOf(sub.subscriptionId, req.resourceGroup, req.cluster));
  const internal = rec?.internal as ClusterInternal | undefined;
  if (!rec || !internal?.spec)
    throw resourceNotFound("Microsoft.ContainerService/managedClusters", req.cluster, req.resourceGroup);
  return {
    id: rec.id,
    uid: internal.resourceUID,
    internal,
    facts: {
      networkPolicy: internal.spec.network.policy || "none",
      dnsServiceIP: internal.spec.network.dnsServiceIP,
    },
  };
}

/** The objects the in-cluster walk needs, from the store (one snapshot). */
export async function readClusterObjects(tx: Tx, uid: string): Promise<InClusterObjects> {
  const all = async <T>(resource: string) =>
    (await tx.listObjects({ cluster: uid, resource })).map((r) => r.body as T);
  return {
    services: await all<Service>("core/services"),
    endpoints: await all<Endpoints>("core/endpoints"),
    pods: await all<Pod>("core/pods"),
    policies: await all<NetworkPolicy>("networking.k8s.io/networkpolicies"),
    namespaces: await all<Namespace>("core/namespaces"),
  };
}

const isIp = (s: string) => /^[\d.]+$/.test(s) || s.includes(":");
const svcKey = (s: Service) => `${s.metadata?.namespace}/${s.metadata?.name}`;
/** An address standing for "a client on the Internet" when the trace names no address (TEST-NET-3). */
export const INTERNET_CLIENT = "203.0.113.10";
const AZURE_LB_PROBE_SOURCE = "168.63.129.16";

/** A cluster DNS name → the Service's load balancer address, or why it cannot be traced from outside. */
function destinationByName(
  name: string,
  objects: InClusterObjects,
  facts: ClusterFacts,
  port: string | undefined,
): { address: string; port?: string; dns: DnsAnswer } {
  const dns = resolveClusterName(
    name,
    objects,
    facts.dnsServiceIP ? { dnsServiceIP: facts.dnsServiceIP } : {},
  );
  const inside = "trace it from a pod (--from-pod <namespace>/<pod>)";
  if (dns.kind === "external")
    throw invalidRequestContent(`${name} is not a name in the cluster zone (and not an IP address).`, "to");
  if (dns.kind === "nxdomain") throw invalidRequestContent(`${name} does not resolve: ${dns.reason}.`, "to");
  if (dns.kind === "externalName")
    throw invalidRequestContent(
      `${dns.fqdn} is an ExternalName Service (CNAME ${dns.cname}): it has no address of its own; ${inside}.`,
      "to",
    );
  if (dns.kind === "pod")
    throw invalidRequestContent(
      `${dns.fqdn} is pod address ${dns.addresses[0]}: pod addresses are reached from inside the cluster; ${inside}.`,
      "to",
    );
  const svc = objects.services.find(
    (s) => s.metadata?.namespace === dns.service.namespace && s.metadata?.name === dns.service.name,
  ) as Service;
  const ingress = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((x): x is string => !!x);
  if (svc.spec?.type === "LoadBalancer" && ingress.length) {
    let p = port;
    if (!p && svc.spec.ports?.length === 1) {
      const sp = svc.spec.ports[0];
      p = `${sp.port}/${(sp.protocol ?? "TCP").toLowerCase()}`;
    }
    return { address: ingress[0], ...(p ? { port: p } : {}), dns };
  }
  const what =
    dns.kind === "headless"
      ? `a headless Service (pods ${dns.addresses.join(", ")})`
      : `ClusterIP ${dns.addresses.join(", ")} (Service ${svcKey(svc)}, type ${svc.spec?.type ?? "ClusterIP"})`;
  const nodePorts = (svc.spec?.ports ?? []).filter((p) => p.nodePort);
  const hint = nodePorts.length
    ? `; from outside, its node port${nodePorts.length > 1 ? "s" : ""} ${nodePorts.map((p) => `${p.nodePort}/${(p.protocol ?? "TCP").toLowerCase()}`).join(", ")} (--port, no --to)`
    : svc.spec?.type === "LoadBalancer"
      ? "; its load balancer has no address yet"
      : "";
  throw invalidRequestContent(
    `${dns.fqdn} resolves, inside the cluster only (kube-dns ${facts.dnsServiceIP ?? ""}), to ${what}, which is not reachable from outside the cluster; ${inside}${hint}.`,
    "to",
  );
}

/** The Service whose load balancer frontend the hop went through. */
function serviceOfHop(objects: InClusterObjects, hop: LoadBalancerHop): Service | undefined {
  return objects.services.find((s) => {
    if (s.spec?.type !== "LoadBalancer" || !s.metadata?.uid) return false;
    const name = frontendName({
      metadata: {
        name: s.metadata.name ?? "",
        namespace: s.metadata.namespace ?? "default",
        uid: s.metadata.uid,
        annotations: s.metadata.annotations ?? {},
      },
      spec: {},
    });
    return (
      name.toLowerCase() === hop.frontend.toLowerCase() ||
      (s.status?.loadBalancer?.ingress ?? []).some((i) => i.ip === hop.frontendIp)
    );
  });
}

/** From the load balancer frontend to the pods: the Service port, its endpoints and their verdicts. */
export function backendsBehind(
  result: TraceResult,
  objects: InClusterObjects,
  facts: ClusterFacts,
): ServiceBackendTrace | undefined {
  const hop = result.loadBalancer;
  if (!hop) return undefined;
  const svc = serviceOfHop(objects, hop);
  if (!svc) return undefined;
  const protocol: TraceProtocol = result.protocol === "Udp" ? "UDP" : "TCP";
  const sp = (svc.spec?.ports ?? []).find(
    (p) => p.port === hop.frontendPort && (p.protocol ?? "TCP") === protocol,
  );
  if (!sp) return undefined;
  const local = svc.spec?.externalTrafficPolicy === "Local";
  const allowedNodes = result.nodes.filter((n) => n.verdict === "Allow");
  const clientIp =
    result.from === "Internet"
      ? INTERNET_CLIENT
      : result.from === "AzureLoadBalancer"
        ? AZURE_LB_PROBE_SOURCE
        : result.from;
  const client: PolicySource = {
    label: result.from,
    peer: { kind: "vm", sameNetwork: false, ...(result.from === "VirtualNetwork" ? {} : { ip: clientIp }) },
  };
  // Cluster: kube-proxy on the receiving node SNATs to the node's address before forwarding;
  // Local: the client's address arrives unchanged, and only nodes with a local endpoint answer the probe.
  const sources = () =>
    local
      ? [client]
      : allowedNodes.map((n) => ({
          label: n.node,
          peer: { kind: "vm" as const, ip: n.privateIp, sameNetwork: true },
        }));
  const { endpoints, notReady, endpointsObject } = serviceBackends(svc, sp, objects, facts, sources);
  const nodeAllowed = new Set(allowedNodes.map((n) => n.node));
  const steps = [
    `frontend ${hop.frontend} belongs to Service ${svcKey(svc)} (type LoadBalancer, port ${sp.port}/${protocol}${sp.nodePort ? `, node port ${sp.nodePort}` : ""})`,
    local
      ? `externalTrafficPolicy Local: the client address (${client.label === "Internet" ? `an Internet client, evaluated as ${INTERNET_CLIENT}` : client.label}) is kept; only nodes with a ready local endpoint pass the health probe${svc.spec?.healthCheckNodePort ? ` (healthCheckNodePort ${svc.spec.healthCheckNodePort})` : ""}`
      : "externalTrafficPolicy Cluster: kube-proxy on the receiving node forwards to any ready endpoint, SNAT to the node's address (NetworkPolicy sees the node)",
  ];
  for (const e of endpoints) {
    if (local && (!e.node || !nodeAllowed.has(e.node))) {
      e.verdict = "Deny";
      e.policy = {
        ...e.policy,
        reason: `${e.node ? `node ${e.node}` : "its node"} does not let the traffic in (NSG): the load balancer cannot reach this endpoint; ${e.policy.reason}`,
      };
    }
    if (!local && !allowedNodes.length) e.verdict = "Deny";
  }
  if (!local && !allowedNodes.length)
    steps.push("no node lets the traffic in (NSG): nothing reaches the endpoints");
  const plugin = facts.networkPolicy || "none";
  const networkPolicy = { plugin, enforced: AKS_POLICY_ENFORCED[plugin.toLowerCase()] ?? false };
  const service: ServiceHop = {
    namespace: svc.metadata?.namespace ?? "default",
    name: svc.metadata?.name ?? "",
    type: "LoadBalancer",
    clusterIPs: svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : []),
    port: {
      ...(sp.name ? { name: sp.name } : {}),
      port: sp.port,
      protocol,
      targetPort: sp.targetPort ?? sp.port,
      ...(sp.nodePort ? { nodePort: sp.nodePort } : {}),
    },
    via: `load balancer frontend ${hop.frontendIp}:${hop.frontendPort}`,
    ...(svc.spec?.externalTrafficPolicy ? { externalTrafficPolicy: svc.spec.externalTrafficPolicy } : {}),
  };
  if (!endpoints.length) {
    steps.push(
      `${noEndpointsReason(svc, notReady.length, endpointsObject)}: kube-proxy rejects the connection`,
    );
    return {
      service,
      endpoints,
      notReady,
      networkPolicy,
      steps,
      verdict: "NoEndpoints",
      summary: "no ready endpoints",
    };
  }
  const allowed = endpoints.filter((e) => e.verdict === "Allow").length;
  const wouldDeny = endpoints.filter((e) => !e.policy.policyAllows).length;
  let summary =
    allowed === endpoints.length
      ? `reaches all ${allowed} endpoint(s)`
      : allowed
        ? `reaches ${allowed} of ${endpoints.length} endpoint(s)`
        : `reaches none of the ${endpoints.length} endpoint(s)`;
  if (!networkPolicy.enforced && wouldDeny)
    summary += `; ${wouldDeny} would be denied by NetworkPolicy, which is not enforced (networkPolicy ${plugin})`;
  return { service, endpoints, notReady, networkPolicy, steps, verdict: allowed ? "Allow" : "Deny", summary };
}

/** The node/load-balancer trace with the cluster's names and pods at its ends. */
export async function traceCluster(
  tx: Tx,
  settings: EmulatorSettings,
  services: Services,
  req: TraceRequest,
): Promise<ClusterTraceResult> {
  const cluster = await clusterFor(tx, settings, req);
  const objects = await readClusterObjects(tx, cluster.uid);
  let dns: DnsAnswer | undefined;
  let armReq = req;
  if (req.to && !isIp(req.to)) {
    const d = destinationByName(req.to, objects, cluster.facts, req.port);
    dns = d.dns;
    armReq = { ...req, to: d.address, ...(d.port ? { port: d.port } : {}) };
  }
  const result = await traceReachability(tx, settings, services, armReq);
  const service = backendsBehind(result, objects, cluster.facts);
  return { ...result, ...(dns ? { dns } : {}), ...(service ? { service } : {}) };
}

/** `POST /_aksnet/trace`: parse the body, then trace inside one consistent store read. */
export async function runClusterTrace(
  store: { read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> },
  settings: EmulatorSettings,
  services: Services,
  body: unknown,
): Promise<ClusterTraceResult> {
  return runTraceWith(store, body, parseTraceRequest, (tx, req) => traceCluster(tx, settings, services, req));
}
