// What the page shows of each cluster's Services (issue 12): type, cluster IPs, external
// addresses, ports and backends (the Endpoints' pods) — and which Service each load balancer
// frontend serves. cloud-provider-azure tags only the public IP (`k8s-azure-service`); frontend IP
// configurations carry no tags, and the provider itself recognises a Service's frontend by its name
// prefix `a<uid>` (serviceOwnsFrontendIP), so internal frontends are named the same way here.
// Reads the store; pure otherwise.
import type { Endpoints, Service } from "kubernetes-types/core/v1.js";
import type { ClusterInternal } from "../../providers/containerservice/model.js";
import type { ClusterView, Topology } from "../../providers/views/topology.js";
import type { Tx } from "../../store/types.js";
import { defaultLoadBalancerName } from "./azureLoadBalancer.js";

export interface ServiceBackendView {
  pod?: string;
  ip: string;
  node?: string;
  ready: boolean;
}

export interface ServiceView {
  namespace: string;
  name: string;
  type: string;
  /** Cluster IPs, or ["None"] for a headless Service; empty for ExternalName. */
  clusterIPs: string[];
  /** Load balancer ingress addresses and spec.externalIPs. */
  externalIPs: string[];
  externalName?: string;
  internal: boolean;
  ports: { name?: string; port: number; protocol: string; targetPort: string | number; nodePort?: number }[];
  /** `k=v,…` of the selector; undefined when the Service has none. */
  selector?: string;
  backends: ServiceBackendView[];
  /** The load balancer frontend serving it (`a<uid>`, with `-<subnet>` for a named internal subnet). */
  frontend?: string;
}

export type ClusterWithServices = ClusterView & { services: ServiceView[] };

const INTERNAL = "service.beta.kubernetes.io/azure-load-balancer-internal";

/** Services of one cluster as the page lists them, by namespace then name. */
export function serviceViews(services: Service[], endpoints: Endpoints[]): ServiceView[] {
  const eps = new Map(endpoints.map((e) => [`${e.metadata?.namespace}/${e.metadata?.name}`, e]));
  return services.map((s) => {
    const ns = s.metadata?.namespace ?? "default";
    const name = s.metadata?.name ?? "";
    const type = s.spec?.type ?? "ClusterIP";
    const ep = eps.get(`${ns}/${name}`);
    const backends: ServiceBackendView[] = [];
    const seen = new Set<string>();
    for (const sub of ep?.subsets ?? [])
      for (const [list, ready] of [
        [sub.addresses ?? [], true],
        [sub.notReadyAddresses ?? [], false],
      ] as const)
        for (const a of list) {
          if (seen.has(a.ip)) continue;
          seen.add(a.ip);
          backends.push({
            ip: a.ip,
            ready,
            ...(a.targetRef?.name ? { pod: a.targetRef.name } : {}),
            ...(a.nodeName ? { node: a.nodeName } : {}),
          });
        }
    const sel = s.spec?.selector;
    const ingress = (s.status?.loadBalancer?.ingress ?? [])
      .map((i) => i.ip ?? i.hostname ?? "")
      .filter(Boolean);
    return {
      namespace: ns,
      name,
      type,
      clusterIPs:
        type === "ExternalName" ? [] : (s.spec?.clusterIPs ?? (s.spec?.clusterIP ? [s.spec.clusterIP] : [])),
      externalIPs: [...ingress, ...(s.spec?.externalIPs ?? [])],
      ...(s.spec?.externalName ? { externalName: s.spec.externalName } : {}),
      internal: type === "LoadBalancer" && s.metadata?.annotations?.[INTERNAL]?.toLowerCase() === "true",
      ports: (s.spec?.ports ?? []).map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        port: p.port,
        protocol: p.protocol ?? "TCP",
        targetPort: p.targetPort ?? p.port,
        ...(p.nodePort ? { nodePort: p.nodePort } : {}),
      })),
      ...(sel && Object.keys(sel).length
        ? {
            selector: Object.entries(sel)
              .map(([k, v]) => `${k}=${v}`)
              .join(","),
          }
        : {}),
      backends,
      ...(type === "LoadBalancer" && s.metadata?.uid
        ? { frontend: defaultLoadBalancerName(s.metadata.uid) }
        : {}),
    };
  });
}

/**
 * Adds `services` to every cluster of the topology and names the Service of each load balancer
 * frontend that its public IP's tag did not name (internal frontends), by the `a<uid>` prefix.
 */
export async function addServiceViews(tx: Tx, topology: Topology): Promise<Topology> {
  for (const sub of topology.subscriptions)
    for (const c of sub.clusters) {
      const uid = ((await tx.getResource(c.id))?.internal as ClusterInternal | undefined)?.resourceUID;
      const list = async <T>(resource: string) =>
        uid ? (await tx.listObjects({ cluster: uid, resource })).map((r) => r.body as T) : [];
      const services = serviceViews(
        await list<Service>("core/services"),
        await list<Endpoints>("core/endpoints"),
      );
      (c as ClusterWithServices).services = services;
      for (const lb of c.loadBalancers)
        for (const f of lb.frontends) {
          if (f.service) continue;
          const owner = services.find((s) => s.frontend && f.name.startsWith(s.frontend));
          if (owner) f.service = `${owner.namespace}/${owner.name}`;
        }
    }
  return topology;
}
