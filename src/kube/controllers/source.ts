// Which emulated cluster a uid names, for the controllers and admission: an AKS managed
// cluster (ARM records, arm.ts) or an AKS-on-HCI workload cluster (AksHci records written by
// hci/clusters.ts). The shared machinery (controller manager, scheduler, kubelet, Service
// allocation) asks this; what only one platform has (Azure load balancers, static egress
// gateways, host-port auto-assignment) keeps asking arm.ts, which knows AKS clusters only.
import type { Node } from "kubernetes-types/core/v1.js";
import {
  CLUSTER_TYPE as HCI_CLUSTER_TYPE,
  SERVICE_CIDR as HCI_SERVICE_CIDR,
  type ClusterBody as HciClusterBody,
} from "../../hci/model.js";
import type { Tx } from "../../store/types.js";
import { buildHciNode } from "../workloads/hciNodes.js";
import { type ArmCluster, armClusters, clusterRecord } from "./arm.js";

export interface HciCluster {
  subscriptionId: string;
  body: HciClusterBody;
}

export type ClusterSource =
  | { platform: "aks"; uid: string; version: string; arm: ArmCluster }
  | { platform: "hci"; uid: string; version: string; hci: HciCluster };

/** `v1.20.7` / `1.33` → `1.33.0`-style full version. */
export function fullVersion(v: string): string {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  return m ? `${m[1]}.${m[2]}.${m[3] ?? "0"}` : "1.33.0";
}

/** Every AKS-on-HCI workload cluster (any subscription). */
export async function hciClusters(tx: Tx): Promise<HciCluster[]> {
  return (await tx.listResources({ type: HCI_CLUSTER_TYPE })).map((r) => ({
    subscriptionId: r.subscriptionId,
    body: r.body as unknown as HciClusterBody,
  }));
}

const hciSource = (h: HciCluster): ClusterSource => ({
  platform: "hci",
  uid: h.body.uid,
  version: fullVersion(h.body.kubernetesVersion),
  hci: h,
});

/** Every cluster with a Kubernetes face. */
export async function clusterSources(tx: Tx): Promise<ClusterSource[]> {
  const aks: ClusterSource[] = (await armClusters(tx)).map((arm) => ({
    platform: "aks",
    uid: arm.uid,
    version: arm.version,
    arm,
  }));
  return [...aks, ...(await hciClusters(tx)).map(hciSource)];
}

export async function clusterSource(tx: Tx, uid: string): Promise<ClusterSource | undefined> {
  const arm = await clusterRecord(tx, uid);
  if (arm) return { platform: "aks", uid, version: arm.version, arm };
  const h = (await hciClusters(tx)).find((x) => x.body.uid === uid);
  return h ? hciSource(h) : undefined;
}

/** The cluster's service CIDRs (first = primary family). */
export function serviceCidrStrings(c: ClusterSource): string[] {
  if (c.platform === "hci") return [HCI_SERVICE_CIDR];
  const net = c.arm.internal.spec.network;
  return net.serviceCidrs?.length ? net.serviceCidrs : [net.serviceCidr ?? "10.0.0.0/16"];
}

/** kube-dns's ClusterIP: AKS's networkProfile.dnsServiceIP; AksHci's is the 10th address (10.96.0.10). */
export function dnsServiceIP(c: ClusterSource): string {
  return c.platform === "hci" ? "10.96.0.10" : c.arm.internal.spec.network.dnsServiceIP;
}

/** The Nodes of an HCI cluster: control-plane and node-pool VMs (load-balancer VMs are not nodes). */
export function hciNodes(h: HciCluster, now: string): Node[] {
  const c = h.body;
  const out: Node[] = [];
  for (const vm of c.vms) {
    if (vm.role === "loadbalancer") continue;
    const pool = vm.role === "worker" ? c.nodePools.find((p) => p.name === vm.pool) : undefined;
    out.push(
      buildHciNode({
        clusterUid: c.uid,
        version: `v${fullVersion(c.kubernetesVersion)}`,
        plugin: c.primaryNetworkPlugin,
        vm: {
          name: vm.name,
          role: vm.role,
          pool: vm.pool,
          ip: vm.ip,
          ...(vm.podCidr ? { podCidr: vm.podCidr } : {}),
        },
        osType: pool?.osType ?? "Linux",
        vmSize: pool?.vmSize ?? c.controlPlaneVmSize,
        maxPods: pool?.maxPodCount ?? c.nodeMaxPodCount,
        taints: pool?.taints ?? [],
        now,
      }),
    );
  }
  return out;
}
