// The in-cluster destination class of `aksnet trace --from-pod` (kube/trace/podTrace.ts's
// resolver table): a Service by ClusterIP, load balancer ingress or external IP, a cluster DNS
// name, or a pod IP. The walk itself is podToService.ts (pure); this reads the cluster's objects
// and words each step as a hop: kube-dns, kube-proxy, then one hop per endpoint pod with its
// NetworkPolicy verdict.
import type { Endpoints, Namespace, Pod, Service } from "kubernetes-types/core/v1.js";
import { invalidRequestContent } from "../../providers/errors.js";
import type { NetworkPolicy } from "../networkPolicy.js";
import { type InClusterTrace, TraceTargetError, tracePodToCluster } from "./podToService.js";
import type { Destination, DestinationLeg, DestinationResolver, Hop, PodTraceContext } from "./podTrace.js";

/** InClusterTrace → the hops and verdict of the pod trace's answer. */
export function legOf(r: InClusterTrace, podIp: string | undefined): DestinationLeg {
  const hops: Hop[] = [];
  const src = r.from.ip ?? podIp ?? "";
  const dns = r.dns;
  if (dns) {
    const server = `kube-dns ${dns.server ?? ""}`.trim();
    const tried = `tried ${dns.tried.join(", ")}`;
    if (dns.kind === "nxdomain")
      hops.push({
        what: "cluster DNS",
        where: server,
        decidedBy: tried,
        verdict: "drop",
        detail: `NXDOMAIN: ${dns.reason}`,
      });
    else if (dns.kind === "clusterIP" || dns.kind === "headless" || dns.kind === "pod")
      hops.push({
        what: "cluster DNS",
        where: server,
        decidedBy: tried,
        verdict: "forward",
        detail: `${dns.fqdn} A ${dns.addresses.join(", ")}${dns.kind === "headless" ? " (headless: the pods themselves)" : ""}`,
      });
    else if (dns.kind === "externalName")
      hops.push({
        what: "cluster DNS",
        where: server,
        decidedBy: tried,
        verdict: "forward",
        detail: `${dns.fqdn} CNAME ${dns.cname}`,
      });
  } else if (r.verdict === "Unresolved") {
    hops.push({
      what: "DNS",
      where: `pod ${r.from.pod}`,
      decidedBy: "dnsPolicy",
      verdict: "drop",
      detail: r.steps[0],
    });
  }
  const s = r.service;
  if (s) {
    const vip = `${s.clusterIPs[0] ?? ""}:${s.port.port}`;
    hops.push({
      what: "kube-proxy",
      where: r.from.node ? `node ${r.from.node}` : "the pod's node",
      decidedBy: `Service ${s.namespace}/${s.name} port ${s.port.name ? `'${s.port.name}' ` : ""}${s.port.port}/${s.port.protocol} → targetPort ${s.port.targetPort}`,
      verdict: r.endpoints.length ? "forward" : "drop",
      source: src,
      destination: vip,
      detail: r.endpoints.length
        ? `${s.via}; DNAT to one of ${r.endpoints.length} ready endpoint(s)${s.sessionAffinity === "ClientIP" ? " (ClientIP affinity)" : ""}`
        : (r.steps.at(-1) ?? "no ready endpoints"),
    });
  } else if (r.verdict === "NoSuchPort") {
    hops.push({
      what: "kube-proxy",
      where: r.from.node ? `node ${r.from.node}` : "the pod's node",
      decidedBy: "no Service port",
      verdict: "drop",
      detail: r.steps.at(-1) ?? "",
    });
  }
  for (const e of r.endpoints)
    hops.push({
      what: "endpoint",
      where: `pod ${e.pod || "(no pod)"}${e.node ? ` on ${e.node}` : ""}`,
      decidedBy: e.policy.decidedBy === "default" ? "no NetworkPolicy selects it" : e.policy.decidedBy,
      verdict: e.verdict === "Allow" ? "deliver" : "drop",
      source: src,
      destination: `${e.ip}:${e.port}`,
      detail: `${e.targetPort}; NetworkPolicy (${e.policy.plugin}, ${e.policy.enforced ? "enforced" : "not enforced"}): ${e.policy.enforced || e.policy.policyAllows ? e.policy.reason : `would deny — ${e.policy.reason}`}`,
    });
  if (r.verdict === "LeavesCluster")
    hops.push({
      what: "ExternalName",
      where: `pod ${r.from.pod}`,
      decidedBy: `CNAME ${r.externalName ?? ""}`,
      verdict: "forward",
      detail: r.steps.at(-1) ?? "",
    });
  const notes = r.notReady.map((n) => `not ready, kube-proxy sends nothing there: ${n.pod || n.ip} ${n.ip}`);
  if (r.verdict === "LeavesCluster")
    notes.push(
      `Trace the address ${r.externalName ?? "the name"} resolves to with --to <ip>:<port>/<proto>.`,
    );
  return {
    hops,
    verdict: r.verdict === "Allow" ? "Delivered" : r.verdict === "LeavesCluster" ? "Pending" : "Dropped",
    summary: r.summary,
    ...(notes.length ? { notes } : {}),
  };
}

export const inClusterDestination: DestinationResolver = {
  kind: "in-cluster",
  async resolve(t: PodTraceContext, dest: Destination) {
    const net = t.cluster.internal.spec.network;
    const objects = {
      services: await t.listObjects<Service>("core/services"),
      endpoints: await t.listObjects<Endpoints>("core/endpoints"),
      pods: await t.listObjects<Pod>("core/pods"),
      policies: await t.listObjects<NetworkPolicy>("networking.k8s.io/networkpolicies"),
      namespaces: await t.listObjects<Namespace>("core/namespaces"),
    };
    if (dest.protocol === "ICMP") {
      const probe = tracePodToCluster(t.pod, { host: dest.ip ?? dest.text, port: 1 }, objects, {
        networkPolicy: net.policy,
      });
      if (!probe) return undefined;
      throw invalidRequestContent(
        `${dest.text} is inside the cluster: name a TCP or UDP port (<host>:<port>/<proto>); a ClusterIP answers only its Service's ports.`,
        "to",
      );
    }
    try {
      const r = tracePodToCluster(
        t.pod,
        {
          host: dest.ip ?? dest.text,
          ...(dest.port !== undefined ? { port: dest.port } : {}),
          protocol: dest.protocol,
        },
        objects,
        { networkPolicy: net.policy || "none", dnsServiceIP: net.dnsServiceIP },
      );
      return r ? legOf(r, t.podIp) : undefined;
    } catch (e) {
      if (e instanceof TraceTargetError) throw invalidRequestContent(e.message, e.field);
      throw e;
    }
  },
};
