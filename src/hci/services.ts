// LoadBalancer Services of HCI workload clusters: each gets a VIP from its cluster network's
// VIP pool and a frontend/backend pair in the cluster's haproxy.cfg. `ensureServiceVip` is
// what the Kubernetes face calls when a Service of type LoadBalancer is created or changed
// (and `removeServiceVip` when it goes); until that face exists the HCI face exposes it as an
// admin hook. By default a VIP is held by one Service alone; with the known defect switched
// on (Set-AksHciConfig -emulateKnownIssues) VIPs are unique only per (IP, port) across the
// shared network, which is how two clusters end up on one address (`vipConflicts`).
import type { Tx } from "../store/types.js";
import { releaseServiceVip, takeVip, takeVipByPort } from "./addresses.js";
import { HciError, invalidValue } from "./errors.js";
import { getConfig } from "./host.js";
import {
  type ClusterBody,
  clusterId,
  type NetworkBody,
  SERVICE_TYPE,
  type ServiceBody,
  type ServicePort,
  serviceId,
  serviceOwner,
} from "./model.js";
import { getNetwork } from "./networks.js";

export interface ServiceInput {
  namespace: string;
  name: string;
  ports: { name?: string; port: number; nodePort: number; protocol?: string }[];
  /** The Kubernetes Service's uid when the Kubernetes face's service controller calls. */
  kubeUid?: string;
}

export interface VipOptions {
  /** `aksnet start --emulate-known-issues`: the defect on whatever Set-AksHciConfig says. */
  emulateKnownIssues?: boolean;
}

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function validPorts(input: ServiceInput): ServicePort[] {
  if (!DNS1123.test(input.namespace ?? "") || !DNS1123.test(input.name ?? ""))
    throw invalidValue(
      "name",
      "Service namespace and name must be DNS-1123 labels (lowercase letters, digits, '-').",
    );
  if (!Array.isArray(input.ports) || input.ports.length === 0)
    throw invalidValue("ports", "A LoadBalancer Service needs at least one port.");
  const seen = new Set<string>();
  return input.ports.map((p, i) => {
    const protocol = String(p.protocol ?? "TCP").toUpperCase();
    if (protocol !== "TCP" && protocol !== "UDP")
      throw invalidValue(
        `ports[${i}].protocol`,
        `ports[${i}].protocol must be TCP or UDP; '${p.protocol}' was given.`,
      );
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535)
      throw invalidValue(
        `ports[${i}].port`,
        `ports[${i}].port must be between 1 and 65535; ${p.port} was given.`,
      );
    if (!Number.isInteger(p.nodePort) || p.nodePort < 30000 || p.nodePort > 32767)
      throw invalidValue(
        `ports[${i}].nodePort`,
        `ports[${i}].nodePort must be in the node port range 30000-32767; ${p.nodePort} was given.`,
      );
    const key = `${p.port}/${protocol}`;
    if (seen.has(key)) throw invalidValue(`ports[${i}].port`, `Duplicate port ${key}.`);
    seen.add(key);
    return {
      ...(p.name ? { name: p.name } : {}),
      port: p.port,
      nodePort: p.nodePort,
      protocol: protocol as "TCP" | "UDP",
    };
  });
}

export async function listServices(tx: Tx, sub: string, cluster: string): Promise<ServiceBody[]> {
  return (await tx.listResources({ type: SERVICE_TYPE, parentId: clusterId(sub, cluster) })).map(
    (r) => r.body as unknown as ServiceBody,
  );
}

const samePorts = (a: ServicePort[], b: ServicePort[]) =>
  a.length === b.length &&
  a.every((p, i) => p.port === b[i].port && p.protocol === b[i].protocol && p.nodePort === b[i].nodePort);

/**
 * Gives a LoadBalancer Service its VIP (or leaves it `<pending>` with load balancer SKU
 * `none`). Idempotent: the same Service with the same ports keeps its VIP.
 */
export async function ensureServiceVip(
  tx: Tx,
  sub: string,
  cluster: ClusterBody,
  input: ServiceInput,
  now = new Date(),
  opts: VipOptions = {},
): Promise<ServiceBody> {
  const ports = validPorts(input);
  const id = serviceId(sub, cluster.name, input.namespace, input.name);
  const existing = (await tx.getResource(id))?.body as unknown as ServiceBody | undefined;
  if (existing && samePorts(existing.ports, ports) && existing.kubeUid === input.kubeUid) return existing;
  const net = await getNetwork(tx, sub, cluster.network);
  const owner = serviceOwner(cluster.name, input.namespace, input.name);
  if (existing?.vip) await releaseServiceVip(tx, net, existing.vip, owner);
  const body: ServiceBody = {
    cluster: cluster.name,
    namespace: input.namespace,
    name: input.name,
    ports,
    ...(input.kubeUid ? { kubeUid: input.kubeUid } : {}),
    createdAt: existing?.createdAt ?? now.toISOString(),
  };
  if (cluster.loadBalancer.sku === "HAProxy") {
    const what = `Service ${input.namespace}/${input.name} of cluster '${cluster.name}'`;
    const defect = opts.emulateKnownIssues || ((await getConfig(tx, sub))?.emulateKnownIssues ?? false);
    if (defect) {
      body.vip = await takeVipByPort(tx, net, ports, owner, what);
      body.sharedByPort = true;
    } else body.vip = await takeVip(tx, net, owner, what);
  }
  await tx.putResource({
    id,
    type: SERVICE_TYPE,
    subscriptionId: sub,
    parentId: clusterId(sub, cluster.name),
    body: body as unknown as Record<string, unknown>,
    etag: now.toISOString(),
  });
  return body;
}

export async function removeServiceVip(
  tx: Tx,
  sub: string,
  cluster: ClusterBody,
  namespace: string,
  name: string,
) {
  const id = serviceId(sub, cluster.name, namespace, name);
  const s = (await tx.getResource(id))?.body as unknown as ServiceBody | undefined;
  if (!s)
    throw new HciError(
      "ObjectNotFound",
      "ServiceNotFound",
      `Service ${namespace}/${name} was not found in cluster '${cluster.name}'.`,
    );
  const net = await getNetwork(tx, sub, cluster.network);
  if (s.vip) await releaseServiceVip(tx, net, s.vip, serviceOwner(cluster.name, namespace, name));
  await tx.deleteResource(id);
}

export async function removeAllServices(
  tx: Tx,
  sub: string,
  c: ClusterBody,
  net: NetworkBody,
): Promise<void> {
  for (const s of await listServices(tx, sub, c.name)) {
    if (s.vip) await releaseServiceVip(tx, net, s.vip, serviceOwner(c.name, s.namespace, s.name));
    await tx.deleteResource(serviceId(sub, c.name, s.namespace, s.name));
  }
}

export interface VipConflict {
  vip: string;
  network: string;
  clusters: string[];
  holders: { cluster: string; service: string; ports: string[] }[];
  effect: string;
}

/**
 * Addresses that Services of two or more clusters hold at once (only possible with the known
 * defect on): each cluster's load-balancer VM runs keepalived for the VIP and answers ARP for
 * it, so connections land on whichever VM answered last.
 */
export async function vipConflicts(
  tx: Tx,
  sub: string,
  network: string,
  clusters: ClusterBody[],
): Promise<VipConflict[]> {
  const byVip = new Map<string, VipConflict["holders"]>();
  for (const c of clusters.filter((x) => x.network.toLowerCase() === network.toLowerCase())) {
    for (const s of await listServices(tx, sub, c.name)) {
      if (!s.vip) continue;
      const list = byVip.get(s.vip) ?? [];
      list.push({
        cluster: c.name,
        service: `${s.namespace}/${s.name}`,
        ports: s.ports.map((p) => `${p.port}/${p.protocol}`),
      });
      byVip.set(s.vip, list);
    }
  }
  const out: VipConflict[] = [];
  for (const [vip, holders] of byVip) {
    const names = [...new Set(holders.map((h) => h.cluster))];
    if (names.length < 2) continue;
    out.push({
      vip,
      network,
      clusters: names,
      holders,
      effect: `the load balancers of ${names.map((n) => `'${n}'`).join(" and ")} both claim ${vip} (keepalived gratuitous ARP on one L2 segment): connections to ${vip} reach whichever VM answered ARP last, so ${holders.map((h) => `${h.cluster}:${h.service}`).join(" and ")} see random connectivity failures. Workarounds: redeploy the workloads on the same port (each then gets its own VIP), or put the clusters on separate AksHciClusterNetwork objects.`,
    });
  }
  return out.sort((a, b) => a.vip.localeCompare(b.vip, "en", { numeric: true }));
}
