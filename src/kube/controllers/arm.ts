// What the Kubernetes controllers read from the ARM side of an emulated cluster: the managed
// cluster record behind a cluster uid, and per scale-set instance the NodeSource a Node is made
// from plus (Azure CNI) the subnet addresses the ARM side reserved for the node's pods. Read
// only; the ARM providers stay the single writer of these records.
import { VMSS_VM_TYPE } from "../../providers/compute/scaleSets.js";
import {
  CLUSTER_TYPE,
  type ClusterInternal,
  POOL_TYPE,
  type PoolInternal,
} from "../../providers/containerservice/model.js";
import type { Tx } from "../../store/types.js";
import { type NodeSource, nodeSourceFromArm } from "../workloads/nodes.js";

export interface ArmCluster {
  id: string;
  subscriptionId: string;
  uid: string;
  /** `1.33.5` */
  version: string;
  internal: ClusterInternal;
}

function fullVersion(v: string): string {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  return m ? `${m[1]}.${m[2]}.${m[3] ?? "0"}` : "1.33.0";
}

function toArmCluster(r: {
  id: string;
  subscriptionId: string;
  internal?: Record<string, unknown>;
}): ArmCluster | undefined {
  const internal = r.internal as ClusterInternal | undefined;
  if (!internal?.resourceUID || !internal.spec) return undefined;
  const v = internal.spec.currentKubernetesVersion || internal.spec.kubernetesVersion || "1.33";
  return {
    id: r.id,
    subscriptionId: r.subscriptionId,
    uid: internal.resourceUID,
    version: fullVersion(v),
    internal,
  };
}

/** Every managed cluster that has a Kubernetes face (a resourceUID). */
export async function armClusters(tx: Tx): Promise<ArmCluster[]> {
  const out: ArmCluster[] = [];
  for (const r of await tx.listResources({ type: CLUSTER_TYPE })) {
    const c = toArmCluster(r);
    if (c) out.push(c);
  }
  return out;
}

/** The managed cluster whose resourceUID is `uid`. */
export async function clusterRecord(tx: Tx, uid: string): Promise<ArmCluster | undefined> {
  return (await armClusters(tx)).find((c) => c.uid === uid);
}

export interface ArmNodes {
  sources: NodeSource[];
  /** Azure CNI (flat, or pod subnet): node name → the subnet addresses reserved for its pods. */
  reserved: Map<string, string[]>;
  /** Pod subnet (dynamic allocation): node name → where its next batch comes from. */
  podSubnets: Map<string, PodSubnetNode>;
}

export interface PodSubnetNode {
  subnetId: string;
  /** Allocation owner of the node's batches (its NIC's `podipconfig`). */
  owner: string;
  maxPods: number;
}

/** The instances of every pool of the cluster that is not being deleted (none while it is stopped). */
export async function armNodes(tx: Tx, c: ArmCluster, now: string): Promise<ArmNodes> {
  const sources: NodeSource[] = [];
  const reserved = new Map<string, string[]>();
  const podSubnets = new Map<string, PodSubnetNode>();
  // A stopped cluster's VMs are deallocated: no Nodes (their addresses stay with the instances).
  if (c.internal.powerState === "Stopped") return { sources, reserved, podSubnets };
  for (const p of await tx.listResources({ type: POOL_TYPE, parentId: c.id })) {
    const pi = p.internal as PoolInternal | undefined;
    if (!pi?.vmssId || pi.deleting) continue;
    for (const r of await tx.listResources({ type: VMSS_VM_TYPE, parentId: pi.vmssId })) {
      const ri = (r.internal ?? {}) as { computerName?: string; data?: Record<string, unknown> };
      if (!ri.computerName || !ri.data?.nodeIp) continue;
      const pipId = (ri.data.networking as { publicIPAddressId?: string } | undefined)?.publicIPAddressId;
      const pip = pipId ? await tx.getResource(pipId) : undefined;
      const publicIp = (pip?.body.properties as { ipAddress?: string } | undefined)?.ipAddress;
      sources.push(
        nodeSourceFromArm({
          subscriptionId: c.subscriptionId,
          cluster: c.internal,
          pool: pi,
          instance: { instanceId: Number(r.body.instanceId), computerName: ri.computerName, data: ri.data },
          ...(publicIp ? { publicIp } : {}),
          now,
        }),
      );
      // Flat Azure CNI: ipconfig1 is the node's own address, ipconfig2… are its pods'; with a
      // pod subnet, podipconfig holds the node's batches of pod-subnet addresses.
      const owners = ((ri.data.owners as string[] | undefined) ?? []).slice(1);
      const podOwner = owners.find((o) => /\/ipConfigurations\/podipconfig$/i.test(o));
      if (pi.spec.podSubnetID && podOwner)
        podSubnets.set(ri.computerName, {
          subnetId: pi.spec.podSubnetID,
          owner: podOwner,
          maxPods: pi.spec.maxPods,
        });
      if (owners.length) {
        const ips: string[] = [];
        for (const o of owners) for (const a of await tx.listAllocationsByOwner(o)) ips.push(a.item);
        reserved.set(ri.computerName, ips);
      }
    }
  }
  return { sources, reserved, podSubnets };
}
