// Node public IPs (seeds 000/003, `--enable-node-public-ip`): every instance of the pool's
// scale set gets one Standard/Static public IP, a real Microsoft.Network resource in the node
// resource group named after the node (`<computer name>-pip`), taken from
// `nodePublicIPPrefixID` when given (lowest free address) and attached to the instance
// NIC's primary ip configuration. The reconciler diffs what exists against the instances,
// so scale-in, pool delete and cluster delete all return every address.
import { parseCidr } from "../../net/index.js";
import type { ArmContext } from "../context.js";
import { parseResourceId } from "../ids.js";
import {
  attachPublicIPAddress,
  deleteNetworkResource,
  detachPublicIPAddresses,
  putPublicIPAddress,
} from "../network/internal.js";
import type { Wire } from "../registry.js";
import type { PoolNetworkSpec } from "./poolNetworkSpec.js";

export const PIP_TYPE = "Microsoft.Network/publicIPAddresses";
/** Name of the scale set's instance-level public IP configuration (what AKS scale sets use). */
export const NODE_PIP_CONFIG_NAME = "pub1";
/** The NIC ip configuration a node's public IP is attached to (the primary one, see nodes.ts). */
export const PRIMARY_IPCONFIG = "ipconfig1";
export const NODE_PIP_TAG = "aks-node-public-ip";

export function nodePublicIPId(nodeRgId: string, computerName: string): string {
  return `${nodeRgId}/providers/Microsoft.Network/publicIPAddresses/${computerName}-pip`;
}

/** The ip configuration that holds a node's public IP. */
export function primaryIpConfigId(nicId: string): string {
  return `${nicId}/ipConfigurations/${PRIMARY_IPCONFIG}`;
}

/** `publicIPAddressConfiguration` of the scale set's NIC template (Compute's wire shape). */
export function publicIPAddressConfiguration(spec: PoolNetworkSpec): Wire {
  return {
    name: NODE_PIP_CONFIG_NAME,
    properties: {
      idleTimeoutInMinutes: 4,
      ipTags: spec.nodePublicIPTags,
      publicIPAddressVersion: "IPv4",
      ...(spec.nodePublicIPPrefixID ? { publicIPPrefix: { id: spec.nodePublicIPPrefixID } } : {}),
    },
    sku: { name: "Standard", tier: "Regional" },
  };
}

/** How many addresses a prefix holds (IPv4 and IPv6 alike), from its stored record. */
export async function prefixSize(ctx: ArmContext, prefixId: string): Promise<number | undefined> {
  const rec = await ctx.tx.getResource(prefixId);
  const ipPrefix = (rec?.body.properties as { ipPrefix?: string } | undefined)?.ipPrefix;
  if (!ipPrefix) return undefined;
  const c = parseCidr(ipPrefix);
  return 2 ** ((c.family === "IPv4" ? 32 : 128) - c.prefixLength);
}

export interface NodeRef {
  instanceId: number;
  computerName: string;
  nicIds: string[];
}

interface NodePipRecord {
  id: string;
  instanceId: number;
}

/** The node public IPs this scale set's nodes hold, from their tags. */
export async function nodePublicIPsOf(
  ctx: ArmContext,
  nodeRgName: string,
  vmssName: string,
): Promise<NodePipRecord[]> {
  const recs = await ctx.tx.listResources({
    type: PIP_TYPE,
    subscriptionId: ctx.subscriptionId,
    resourceGroup: nodeRgName,
  });
  const out: NodePipRecord[] = [];
  for (const r of recs) {
    const tags = (r.body.tags ?? {}) as Record<string, string>;
    if (tags["aks-managed-type"] !== NODE_PIP_TAG) continue;
    if ((tags["aks-managed-vmss"] ?? "").toLowerCase() !== vmssName.toLowerCase()) continue;
    out.push({ id: r.id, instanceId: Number(tags["aks-managed-instance-id"]) });
  }
  return out;
}

export interface NodePipContext {
  nodeRgId: string;
  location: string;
  clusterName: string;
  clusterRg: string;
  poolName: string;
  vmssId: string;
}

/**
 * Brings the pool's node public IPs in line with its instances: stale ones (scaled-in nodes,
 * or the setting off) are detached and deleted first, so their prefix addresses are free
 * again, then every node without one gets one. Returns instance id → public IP id.
 */
export async function reconcileNodePublicIPs(
  ctx: ArmContext,
  c: NodePipContext,
  spec: PoolNetworkSpec,
  nodes: NodeRef[],
): Promise<Map<number, string>> {
  const vmssRef = parseResourceId(c.vmssId);
  const vmssName = vmssRef.names[0];
  const nodeRgName = vmssRef.resourceGroup ?? "";
  const want = new Map(spec.enableNodePublicIP ? nodes.map((n) => [n.instanceId, n]) : []);
  const have = await nodePublicIPsOf(ctx, nodeRgName, vmssName);
  const out = new Map<number, string>();
  for (const pip of have) {
    const node = want.get(pip.instanceId);
    if (node && nodePublicIPId(c.nodeRgId, node.computerName).toLowerCase() === pip.id.toLowerCase()) {
      out.set(pip.instanceId, pip.id);
      continue;
    }
    await releaseNodePublicIP(ctx, c.vmssId, vmssName, pip);
  }
  for (const node of want.values()) {
    if (out.has(node.instanceId)) continue;
    const id = nodePublicIPId(c.nodeRgId, node.computerName);
    await putPublicIPAddress(ctx, id, {
      location: c.location,
      ...(spec.nodePublicIPPrefixID ? { publicIPPrefixId: spec.nodePublicIPPrefixID } : {}),
      ipTags: spec.nodePublicIPTags,
      tags: {
        "aks-managed-cluster-name": c.clusterName,
        "aks-managed-cluster-rg": c.clusterRg,
        "aks-managed-poolName": c.poolName,
        "aks-managed-type": NODE_PIP_TAG,
        "aks-managed-vmss": vmssName,
        "aks-managed-instance-id": String(node.instanceId),
      },
    });
    await attachPublicIPAddress(ctx, id, primaryIpConfigId(node.nicIds[0]));
    out.set(node.instanceId, id);
  }
  return out;
}

async function releaseNodePublicIP(
  ctx: ArmContext,
  vmssId: string,
  vmssName: string,
  pip: NodePipRecord,
): Promise<void> {
  // A removed node's ip configuration already let go of the IP; a live one must detach first.
  const holder = primaryIpConfigId(
    `${vmssId}/virtualMachines/${pip.instanceId}/networkInterfaces/${vmssName}`,
  );
  await detachPublicIPAddresses(ctx, holder);
  await deleteNetworkResource(ctx, pip.id);
}

/** Deletes every node public IP of the scale set (pool or cluster delete). */
export async function releaseNodePublicIPs(ctx: ArmContext, nodeRgId: string, vmssId: string): Promise<void> {
  const vmssName = parseResourceId(vmssId).names[0];
  const nodeRgName = parseResourceId(vmssId).resourceGroup ?? "";
  if (!(await ctx.tx.getResource(nodeRgId))) return;
  for (const pip of await nodePublicIPsOf(ctx, nodeRgName, vmssName))
    await releaseNodePublicIP(ctx, vmssId, vmssName, pip);
}
