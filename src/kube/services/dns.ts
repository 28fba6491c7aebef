// Cluster DNS as CoreDNS's kubernetes plugin answers it on AKS (zone `cluster.local`, `pods
// insecure`), for the explanation tools: a name is first expanded by the asking pod's resolv.conf
// (kubelet's ClusterFirst: `search <ns>.svc.cluster.local svc.cluster.local cluster.local`,
// `options ndots:5`, nameserver = the cluster's dnsServiceIP), then looked up in the zone:
//   <svc>.<ns>.svc            ClusterIP(s) — A/AAAA; headless → the ready endpoints' pod IPs;
//                             ExternalName → CNAME to spec.externalName
//   <host>.<svc>.<ns>.svc     a headless Service's pod with spec.hostname/subdomain (StatefulSets)
//   <a-b-c-d>.<ns>.pod        the address itself (`pods insecure`)
// Pure over the objects passed in.
import type { Endpoints, Pod, Service } from "kubernetes-types/core/v1.js";

export const CLUSTER_DOMAIN = "cluster.local";
/** kubelet's resolv.conf for ClusterFirst pods. */
export const NDOTS = 5;

export interface DnsObjects {
  services: Service[];
  endpoints: Endpoints[];
  pods: Pod[];
}

export interface DnsAsker {
  /** The asking pod: its namespace heads the search list; its dnsPolicy decides who answers. */
  pod?: Pod;
  /** Cluster domain (default cluster.local). */
  domain?: string;
  /** The cluster's dnsServiceIP (kube-dns), reported as the server that answered. */
  dnsServiceIP?: string;
}

export type DnsAnswer =
  | {
      /** A ClusterIP Service: its cluster IP(s). */
      kind: "clusterIP";
      query: string;
      fqdn: string;
      server?: string;
      service: { namespace: string; name: string };
      addresses: string[];
      tried: string[];
    }
  | {
      /** A headless Service (or one of its pods by hostname): the pods' own addresses. */
      kind: "headless";
      query: string;
      fqdn: string;
      server?: string;
      service: { namespace: string; name: string };
      addresses: string[];
      /** namespace/name of the pod behind each address, in the same order. */
      pods: string[];
      tried: string[];
    }
  | {
      kind: "externalName";
      query: string;
      fqdn: string;
      server?: string;
      service: { namespace: string; name: string };
      cname: string;
      tried: string[];
    }
  | { kind: "pod"; query: string; fqdn: string; server?: string; addresses: string[]; tried: string[] }
  | {
      /** Inside the cluster zone but nothing there (CoreDNS answers NXDOMAIN). */
      kind: "nxdomain";
      query: string;
      server?: string;
      tried: string[];
      reason: string;
    }
  | {
      /** Not a cluster name: CoreDNS forwards it to the node's resolver (Azure DNS). */
      kind: "external";
      query: string;
      server?: string;
      tried: string[];
      reason: string;
    };

const labelsOf = (name: string) => name.split(".").filter(Boolean);

/** The names a pod's resolver tries, in order (resolv.conf search with ndots). */
export function searchCandidates(name: string, asker: DnsAsker = {}): string[] {
  const domain = asker.domain ?? CLUSTER_DOMAIN;
  const q = name.trim().toLowerCase();
  if (q.endsWith(".")) return [q.slice(0, -1)];
  const ns = asker.pod?.metadata?.namespace;
  const search = ns ? [`${ns}.svc.${domain}`, `svc.${domain}`, domain] : [`svc.${domain}`, domain];
  const expanded = search.map((s) => `${q}.${s}`);
  const dots = q.split(".").length - 1;
  // ndots: a name with at least `ndots` dots is tried as given first, otherwise last.
  return dots >= NDOTS ? [q, ...expanded] : [...expanded, q];
}

/** Whether kubelet points this pod at kube-dns (dnsPolicy ClusterFirst, or …WithHostNet on host network). */
export function usesClusterDns(pod: Pod | undefined): { yes: boolean; why: string } {
  if (!pod) return { yes: true, why: "cluster DNS" };
  const policy = pod.spec?.dnsPolicy ?? "ClusterFirst";
  const host = pod.spec?.hostNetwork === true;
  if (policy === "ClusterFirstWithHostNet" || (policy === "ClusterFirst" && !host))
    return { yes: true, why: `dnsPolicy ${policy}` };
  if (policy === "None") {
    const ns = pod.spec?.dnsConfig?.nameservers ?? [];
    return { yes: false, why: `dnsPolicy None: the pod asks ${ns.join(", ") || "no nameserver"}` };
  }
  return {
    yes: false,
    why:
      policy === "ClusterFirst"
        ? "a hostNetwork pod with dnsPolicy ClusterFirst uses the node's resolver (ClusterFirstWithHostNet would use kube-dns)"
        : `dnsPolicy ${policy}: the pod uses the node's resolver, which does not know cluster names`,
  };
}

const isIPv4 = (s: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(s);
const ready = (e: Endpoints | undefined, publishNotReady: boolean) =>
  (e?.subsets ?? []).flatMap((s) => [
    ...(s.addresses ?? []),
    ...(publishNotReady ? (s.notReadyAddresses ?? []) : []),
  ]);

type Hit<T = DnsAnswer> = T extends { kind: "clusterIP" | "headless" | "externalName" | "pod" }
  ? Omit<T, "query" | "tried" | "server">
  : never;

/** Looks one fully qualified name up in the zone; undefined = not in the zone. */
function lookup(
  fqdn: string,
  domain: string,
  objects: DnsObjects,
):
  | {
      kind: "hit";
      answer: Hit;
    }
  | { kind: "nxdomain"; reason: string; specific?: boolean }
  | undefined {
  const suffix = `.${domain}`;
  if (!fqdn.endsWith(suffix)) return undefined;
  const rel = labelsOf(fqdn.slice(0, -suffix.length));
  const last = rel[rel.length - 1];
  if (last === "pod" && rel.length === 3) {
    const ip = rel[0].replaceAll("-", ".");
    if (isIPv4(ip)) return { kind: "hit", answer: { kind: "pod", fqdn, addresses: [ip] } };
    return {
      kind: "nxdomain",
      reason: `'${rel[0]}' is not a dashed IPv4 address (<a-b-c-d>.<namespace>.pod)`,
      specific: true,
    };
  }
  if (last !== "svc" || (rel.length !== 3 && rel.length !== 4))
    return { kind: "nxdomain", reason: `no record ${fqdn}: names are <service>.<namespace>.svc.${domain}` };
  const [host, svcName, ns] = rel.length === 4 ? rel : [undefined, rel[0], rel[1]];
  const svc = objects.services.find((s) => s.metadata?.namespace === ns && s.metadata?.name === svcName);
  if (!svc) return { kind: "nxdomain", reason: `no Service ${svcName} in namespace ${ns}`, specific: true };
  const service = { namespace: ns, name: svcName };
  const type = svc.spec?.type ?? "ClusterIP";
  if (type === "ExternalName") {
    if (host)
      return {
        kind: "nxdomain",
        reason: `${svcName} is an ExternalName Service: it has no pod records`,
        specific: true,
      };
    return {
      kind: "hit",
      answer: { kind: "externalName", fqdn, service, cname: String(svc.spec?.externalName ?? "") },
    };
  }
  const headless = svc.spec?.clusterIP === "None";
  if (!headless) {
    if (host)
      return {
        kind: "nxdomain",
        reason: `${svcName} is not headless: only headless Services have pod records`,
        specific: true,
      };
    const ips = svc.spec?.clusterIPs?.length
      ? svc.spec.clusterIPs
      : svc.spec?.clusterIP
        ? [svc.spec.clusterIP]
        : [];
    return { kind: "hit", answer: { kind: "clusterIP", fqdn, service, addresses: ips } };
  }
  const ep = objects.endpoints.find((e) => e.metadata?.namespace === ns && e.metadata?.name === svcName);
  let addrs = ready(ep, svc.spec?.publishNotReadyAddresses === true);
  if (host) {
    // <hostname>.<subdomain>: the pod whose spec.hostname/subdomain are these, among the endpoints.
    const pod = objects.pods.find(
      (p) =>
        p.metadata?.namespace === ns &&
        (p.spec?.hostname ?? p.metadata?.name) === host &&
        p.spec?.subdomain === svcName,
    );
    addrs = addrs.filter(
      (a) => (a.hostname ?? "") === host || (pod !== undefined && a.targetRef?.name === pod.metadata?.name),
    );
    if (!addrs.length)
      return {
        kind: "nxdomain",
        reason: `no ready pod with hostname ${host} and subdomain ${svcName} in ${ns}`,
        specific: true,
      };
  }
  if (!addrs.length)
    return {
      kind: "nxdomain",
      reason: `headless Service ${ns}/${svcName} has no ready endpoints: no records`,
      specific: true,
    };
  return {
    kind: "hit",
    answer: {
      kind: "headless",
      fqdn,
      service,
      addresses: addrs.map((a) => a.ip),
      pods: addrs.map((a) => (a.targetRef ? `${a.targetRef.namespace ?? ns}/${a.targetRef.name}` : "")),
    },
  };
}

/**
 * Resolves `name` as the asking pod would through kube-dns: each search candidate in order, the
 * first one the zone answers wins (NXDOMAIN goes on to the next, as glibc/musl do).
 */
export function resolveClusterName(name: string, objects: DnsObjects, asker: DnsAsker = {}): DnsAnswer {
  const domain = (asker.domain ?? CLUSTER_DOMAIN).toLowerCase();
  const query = name.trim();
  const server = asker.dnsServiceIP;
  const base = { query, ...(server ? { server } : {}) };
  const tried: string[] = [];
  let reason: string | undefined;
  let specific: string | undefined;
  for (const c of searchCandidates(query, asker)) {
    tried.push(c);
    const r = lookup(c, domain, objects);
    if (!r) continue;
    if (r.kind === "hit") return { ...r.answer, ...base, tried } as DnsAnswer;
    reason ??= r.reason;
    if (r.specific) specific ??= r.reason;
  }
  const q = query.toLowerCase().replace(/\.$/, "");
  if (q === domain || q.endsWith(`.${domain}`))
    return { kind: "nxdomain", ...base, tried, reason: specific ?? reason ?? `no record ${q}` };
  return {
    kind: "external",
    ...base,
    tried,
    reason: `${query} is not in the cluster zone ${domain}: CoreDNS forwards it to the node's resolver`,
  };
}
