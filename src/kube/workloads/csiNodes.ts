// What each Node's kubelet registers with the API server once its CSI node plugins are up: a
// CSINode named like the Node, owned by it, listing the drivers (kubelet's nodeinfomanager).
// On AKS those are the azuredisk and azurefile node plugins; azuredisk reports the VM size's
// data-disk limit as its allocatable volume count (its getMaxDataDiskCount, Azure's published
// figures). Pure: the controller (controllers/csiNodes.ts) reads and writes.
import type { Node } from "kubernetes-types/core/v1.js";
import type { CSINode, CSINodeDriver } from "kubernetes-types/storage/v1.js";

/** Max data disks per VM size (learn.microsoft.com/azure/virtual-machines/sizes), the sizes vmSizes.ts knows. */
export const MAX_DATA_DISKS: Readonly<Record<string, number>> = {
  Standard_B1s: 2,
  Standard_B1ms: 2,
  Standard_B2ts_v2: 4,
  Standard_A1_v2: 2,
  Standard_B2s: 4,
  Standard_B2ms: 4,
  Standard_B4ms: 8,
  Standard_D2_v2: 8,
  Standard_DS2_v2: 8,
  Standard_DS3_v2: 16,
  Standard_DS4_v2: 32,
  Standard_D2s_v3: 4,
  Standard_D4s_v3: 8,
  Standard_D8s_v3: 16,
  Standard_D16s_v3: 32,
  Standard_D2s_v4: 4,
  Standard_D4s_v4: 8,
  Standard_D2s_v5: 4,
  Standard_D4s_v5: 8,
  Standard_D8s_v5: 16,
  Standard_D16s_v5: 32,
  Standard_D32s_v5: 32,
  Standard_D2ds_v5: 4,
  Standard_D4ds_v5: 8,
  Standard_D8ds_v5: 16,
  Standard_D2as_v5: 4,
  Standard_D4as_v5: 8,
  Standard_D2ps_v5: 4,
  Standard_D4ps_v5: 8,
  Standard_D2pds_v5: 4,
  Standard_D4pds_v5: 8,
  Standard_E2s_v3: 4,
  Standard_E4s_v3: 8,
  Standard_E8s_v3: 16,
  Standard_E4s_v5: 8,
  Standard_F2s_v2: 4,
  Standard_F4s_v2: 8,
  Standard_F8s_v2: 16,
  Standard_F16s_v2: 32,
  Standard_NC6s_v3: 12,
};

/** azuredisk's defaultAzureVolumeLimit: what a size it does not know gets. */
export const DEFAULT_DATA_DISKS = 16;

/** The size's data-disk limit, case-insensitively (as azuredisk compares instance types). */
export function maxDataDisks(vmSize: string): number {
  const key = Object.keys(MAX_DATA_DISKS).find((k) => k.toLowerCase() === vmSize.toLowerCase());
  return key ? MAX_DATA_DISKS[key] : DEFAULT_DATA_DISKS;
}

export type CsiPlatform = "aks" | "hci";

/** The drivers a Node of the platform registers, in the order the kubelet lists them (by name). */
export function nodeDrivers(node: Node, platform: CsiPlatform): CSINodeDriver[] {
  // AKS on Azure Stack HCI runs its own CSI drivers; no Azure node plugin registers there.
  if (platform !== "aks") return [];
  const name = node.metadata?.name ?? "";
  const size = node.metadata?.labels?.["node.kubernetes.io/instance-type"] ?? "";
  return [
    {
      name: "disk.csi.azure.com",
      nodeID: name,
      topologyKeys: ["topology.disk.csi.azure.com/zone", "topology.kubernetes.io/zone"],
      allocatable: { count: maxDataDisks(size) },
    },
    { name: "file.csi.azure.com", nodeID: name },
  ];
}

export type CsiNodeChange =
  | { op: "create"; object: CSINode }
  /** `uid`: delete only the object the controller saw. */
  | { op: "delete"; name: string; uid?: string };

/**
 * What makes the CSINodes follow the Nodes: one per live Node owned by it (a CSINode left by an
 * earlier Node of the same name is replaced), none for a Node that is gone.
 */
export function planCsiNodes(
  nodes: readonly Node[],
  csiNodes: readonly CSINode[],
  platform: CsiPlatform,
): CsiNodeChange[] {
  const have = new Map(csiNodes.map((c) => [c.metadata?.name ?? "", c]));
  const live = new Set<string>();
  const out: CsiNodeChange[] = [];
  for (const n of nodes) {
    const name = n.metadata?.name ?? "";
    const uid = n.metadata?.uid;
    if (!uid || n.metadata?.deletionTimestamp) continue;
    live.add(name);
    const c = have.get(name);
    if (c?.metadata?.ownerReferences?.some((r) => r.uid === uid)) continue;
    if (c) out.push({ op: "delete", name, uid: c.metadata?.uid });
    out.push({
      op: "create",
      object: {
        apiVersion: "storage.k8s.io/v1",
        kind: "CSINode",
        metadata: { name, ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid }] },
        spec: { drivers: nodeDrivers(n, platform) },
      },
    });
  }
  for (const [name, c] of have)
    if (!live.has(name) && !c.metadata?.deletionTimestamp)
      out.push({ op: "delete", name, uid: c.metadata?.uid });
  return out;
}
