// Read model of the HCI side for the page and `GET /_aksnet/topology`: each network with its
// prefix and pools, who holds each address (from the allocation rows, named through the
// records), the clusters on it, their load-balancer VMs and frontends, and VIP conflicts.
import { formatIp, parseIp } from "../net/index.js";
import type { Tx } from "../store/types.js";
import { freeNodeAddresses, freeVips } from "./addresses.js";
import { listClusters } from "./clusters.js";
import { API_SERVER_PORT } from "./haproxy.js";
import { getConfig } from "./host.js";
import {
  type ClusterBody,
  type HostConfigBody,
  type NetworkBody,
  nodePool,
  POD_CIDR,
  SERVICE_CIDR,
  sharedVipOwner,
  vipPool,
} from "./model.js";
import { listNetworks, networkRanges, nodeCapacity, rangeSize, rangeText } from "./networks.js";
import { PLUGIN_TABLE } from "./plugins.js";
import { listServices, type VipConflict, vipConflicts } from "./services.js";

export type HolderKind =
  | "host"
  | "controlplane"
  | "worker"
  | "loadbalancer"
  | "update"
  | "apiserver"
  | "service";

export interface AddressHolder {
  ip: string;
  kind: HolderKind;
  /** e.g. `mycluster/moc-l…`, `mycluster API server`, `c1 default/web :80/TCP`. */
  label: string;
  cluster?: string;
  conflict?: boolean;
}

export interface PoolView {
  range: string;
  size: number;
  free: number;
  holders: AddressHolder[];
}

export interface HciNetworkView {
  name: string;
  role: "host" | "cluster";
  ipAllocationMethod: "static" | "dhcp";
  vswitchName: string;
  vlanID: number;
  ipAddressPrefix?: string;
  gateway?: string;
  dnsServers?: string[];
  nodePool: PoolView;
  vipPool: PoolView;
  clusters: string[];
  conflicts: VipConflict[];
}

export interface FrontendView {
  bind: string;
  service?: string;
  backends: string[];
}

export interface HciClusterView {
  name: string;
  network: string;
  primaryNetworkPlugin: string;
  networkPolicy: boolean;
  kubernetesVersion: string;
  apiServerVip: string;
  podCidr: string;
  serviceCidr: string;
  loadBalancer: { sku: string; count: number; vmSize: string; vms: { name: string; ip: string }[] };
  nodes: { name: string; role: string; pool: string; ip: string; podCidr?: string }[];
  updateReserve: string[];
  frontends: FrontendView[];
  services: { namespace: string; name: string; vip: string | null; ports: string[]; conflict: boolean }[];
}

export interface HciView {
  installed: boolean;
  emulateKnownIssues: boolean;
  host?: { network: string; apiServerVip?: string; controlPlaneIp?: string; cloudServiceCidr?: string };
  networks: HciNetworkView[];
  clusters: HciClusterView[];
}

const byIp = (a: AddressHolder, b: AddressHolder) => Number(parseIp(a.ip).value - parseIp(b.ip).value);

function holdersOf(
  n: NetworkBody,
  host: HostConfigBody | undefined,
  clusters: ClusterBody[],
  services: Map<string, Awaited<ReturnType<typeof listServices>>>,
  conflicts: VipConflict[],
): { node: AddressHolder[]; vip: AddressHolder[] } {
  const node: AddressHolder[] = [];
  const vip: AddressHolder[] = [];
  if (host?.installed && host.network.toLowerCase() === n.name.toLowerCase()) {
    if (host.apiServerVip) vip.push({ ip: host.apiServerVip, kind: "host", label: "AKS host API server" });
    if (host.controlPlaneIp)
      node.push({ ip: host.controlPlaneIp, kind: "host", label: "AKS host control plane" });
    for (const ip of host.updateReserve ?? [])
      node.push({ ip, kind: "update", label: "AKS host: kept for updates" });
  }
  const conflicted = new Set(conflicts.map((c) => c.vip));
  for (const c of clusters) {
    vip.push({ ip: c.apiServerVip, kind: "apiserver", label: `${c.name} API server`, cluster: c.name });
    for (const v of c.vms)
      node.push({ ip: v.ip, kind: v.role, label: `${c.name}/${v.name}`, cluster: c.name });
    for (const ip of c.updateReserve)
      node.push({ ip, kind: "update", label: `${c.name}: kept for updates`, cluster: c.name });
    for (const s of services.get(c.name) ?? [])
      if (s.vip)
        vip.push({
          ip: s.vip,
          kind: "service",
          label: `${c.name} ${s.namespace}/${s.name} ${s.ports.map((p) => `:${p.port}/${p.protocol}`).join(" ")}`,
          cluster: c.name,
          ...(conflicted.has(s.vip) ? { conflict: true } : {}),
        });
  }
  return { node: node.sort(byIp), vip: vip.sort(byIp) };
}

export async function readHci(tx: Tx, sub: string): Promise<HciView> {
  const host = await getConfig(tx, sub);
  const networks = await listNetworks(tx, sub);
  const clusters = await listClusters(tx, sub);
  const services = new Map<string, Awaited<ReturnType<typeof listServices>>>();
  for (const c of clusters) services.set(c.name, await listServices(tx, sub, c.name));
  const netViews: HciNetworkView[] = [];
  for (const n of networks) {
    const on = clusters.filter((c) => c.network.toLowerCase() === n.name.toLowerCase());
    const conflicts = await vipConflicts(tx, sub, n.name, clusters);
    const h = holdersOf(n, host, on, services, conflicts);
    const r = networkRanges(n);
    // Rows the records do not name (should not happen) still show, so the page never hides a taken address.
    for (const [pool, list] of [
      [nodePool(n.name), h.node],
      [vipPool(n.name), h.vip],
    ] as const)
      for (const row of await tx.listAllocations(pool))
        if (row.owner !== sharedVipOwner && !list.some((x) => x.ip === row.item))
          list.push({ ip: row.item, kind: "update", label: row.owner });
    netViews.push({
      name: n.name,
      role: n.role,
      ipAllocationMethod: n.ipAllocationMethod,
      vswitchName: n.vswitchName,
      vlanID: n.vlanID ?? 0,
      ...(n.ipAddressPrefix
        ? { ipAddressPrefix: n.ipAddressPrefix, gateway: n.gateway, dnsServers: n.dnsServers }
        : {}),
      nodePool: {
        range: rangeText(r.node),
        size: nodeCapacity(r),
        free: await freeNodeAddresses(tx, n),
        holders: h.node,
      },
      vipPool: {
        range: rangeText(r.vip),
        size: rangeSize(r.vip),
        free: await freeVips(tx, n),
        holders: h.vip,
      },
      clusters: on.map((c) => c.name),
      conflicts,
    });
  }
  const conflictVips = new Set(netViews.flatMap((n) => n.conflicts.map((c) => c.vip)));
  const clusterViews = clusters.map((c): HciClusterView => {
    const svcs = services.get(c.name) ?? [];
    const cp = c.vms.filter((v) => v.role === "controlplane").map((v) => v.ip);
    const nodes = c.vms.filter((v) => v.role !== "loadbalancer").map((v) => v.ip);
    const frontends: FrontendView[] = [
      { bind: `${c.apiServerVip}:${API_SERVER_PORT}`, backends: cp.map((ip) => `${ip}:${API_SERVER_PORT}`) },
    ];
    for (const s of svcs)
      if (s.vip)
        for (const p of s.ports)
          if (p.protocol === "TCP")
            frontends.push({
              bind: `${s.vip}:${p.port}`,
              service: `${s.namespace}/${s.name}`,
              backends: nodes.map((ip) => `${ip}:${p.nodePort}`),
            });
    return {
      name: c.name,
      network: c.network,
      primaryNetworkPlugin: c.primaryNetworkPlugin,
      networkPolicy: PLUGIN_TABLE[c.primaryNetworkPlugin].networkPolicy,
      kubernetesVersion: c.kubernetesVersion,
      apiServerVip: c.apiServerVip,
      podCidr: POD_CIDR,
      serviceCidr: SERVICE_CIDR,
      loadBalancer: {
        sku: c.loadBalancer.sku,
        count: c.loadBalancer.count,
        vmSize: c.loadBalancer.vmSize,
        vms: c.vms.filter((v) => v.role === "loadbalancer").map((v) => ({ name: v.name, ip: v.ip })),
      },
      nodes: c.vms
        .filter((v) => v.role !== "loadbalancer")
        .map((v) => ({
          name: v.name,
          role: v.role,
          pool: v.pool,
          ip: v.ip,
          ...(v.podCidr ? { podCidr: v.podCidr } : {}),
        })),
      updateReserve: c.updateReserve,
      frontends,
      services: svcs.map((s) => ({
        namespace: s.namespace,
        name: s.name,
        vip: s.vip ?? null,
        ports: s.ports.map((p) => `${p.port}:${p.nodePort}/${p.protocol}`),
        conflict: s.vip ? conflictVips.has(s.vip) : false,
      })),
    };
  });
  return {
    installed: host?.installed ?? false,
    emulateKnownIssues: host?.emulateKnownIssues ?? false,
    ...(host
      ? {
          host: {
            network: host.network,
            ...(host.apiServerVip ? { apiServerVip: host.apiServerVip } : {}),
            ...(host.controlPlaneIp ? { controlPlaneIp: host.controlPlaneIp } : {}),
            ...(host.cloudServiceCidr ? { cloudServiceCidr: host.cloudServiceCidr } : {}),
          },
        }
      : {}),
    networks: netViews,
    clusters: clusterViews,
  };
}

export const ipText = (v: bigint) => formatIp(v, "IPv4");
