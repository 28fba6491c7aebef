// Static egress gateway (seed 001). The cluster switch is
// `networkProfile.staticEgressGatewayProfile.enabled`; a `mode: Gateway` pool gets its own
// public IP prefix of `gatewayProfile.publicIPPrefixSize` (28–31) in the node resource group,
// one address per gateway node, so the node count is capped at 2^(32−size). Its scale set
// carries the tags kube-egress-gateway reads (`aks-managed-poolName`,
// `aks-managed-gatewayIPPrefixSize`) and its nodes the taint and labels that keep general
// workloads off them; the Kubernetes face reads those from the instances.
import { gatewayPrefixCapacity } from "../../net/index.js";
import { field } from "../common.js";
import type { ArmContext } from "../context.js";
import { deleteNetworkResource, putPublicIPPrefix } from "../network/internal.js";
import type { NetworkSpec } from "./model.js";

export const GATEWAY_TAINT = {
  key: "kubeegressgateway.azure.com/mode",
  value: "true",
  effect: "NoSchedule",
} as const;
export const GATEWAY_LABELS: Record<string, string> = {
  "kubeegressgateway.azure.com/mode": "true",
  "kubernetes.azure.com/mode": "gateway",
};
export const GATEWAY_PREFIX_SIZE_TAG = "aks-managed-gatewayIPPrefixSize";

export function gatewayPrefixId(nodeRgId: string, pool: string, hash: string): string {
  return `${nodeRgId}/providers/Microsoft.Network/publicIPPrefixes/aks-${pool}-${hash}-gateway-prefix`;
}

export function gatewayCapacity(prefixSize: number): number {
  return gatewayPrefixCapacity(prefixSize);
}

/**
 * `staticEgressGatewayProfile.enabled` from a network profile body; omitted keeps the
 * previous value (undefined when never set), like every other network-profile field.
 */
export function readStaticEgressGateway(
  np: Record<string, unknown>,
  prev: NetworkSpec | undefined,
): { staticEgressGateway?: boolean } {
  const p = field.object(np, "staticEgressGatewayProfile", "networkProfile.staticEgressGatewayProfile");
  const enabled = p
    ? field.bool(p, "enabled", "networkProfile.staticEgressGatewayProfile.enabled")
    : undefined;
  const v = enabled ?? prev?.staticEgressGateway;
  return v === undefined ? {} : { staticEgressGateway: v };
}

export interface GatewayContext {
  nodeRgId: string;
  location: string;
  tags: Record<string, string>;
  pool: string;
  hash: string;
}

/** Creates the pool's prefix (size is immutable, so an existing one is kept as it is). */
export async function ensureGatewayPrefix(ctx: ArmContext, c: GatewayContext, size: number): Promise<string> {
  const id = gatewayPrefixId(c.nodeRgId, c.pool, c.hash);
  if (!(await ctx.tx.getResource(id)))
    await putPublicIPPrefix(ctx, id, {
      location: c.location,
      prefixLength: size,
      tags: { ...c.tags, "aks-managed-poolName": c.pool, [GATEWAY_PREFIX_SIZE_TAG]: String(size) },
    });
  return id;
}

/** Deletes the pool's prefix, returning its block to the public address pool. */
export async function releaseGatewayPrefix(ctx: ArmContext, c: Omit<GatewayContext, "location" | "tags">) {
  const id = gatewayPrefixId(c.nodeRgId, c.pool, c.hash);
  if (await ctx.tx.getResource(id)) await deleteNetworkResource(ctx, id);
}
