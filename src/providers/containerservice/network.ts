// What AKS reads from Microsoft.Network, in one place: subnets with their VNet, route table
// and neighbours. Writes go through Microsoft.Network's internal API (its rules, its errors).
import type { ArmContext } from "../context.js";
import { parseResourceId } from "../ids.js";
import { getSubnet } from "../network/internal.js";

export const SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets";

export interface SubnetInfo {
  id: string;
  name: string;
  prefixes: string[];
  vnetId: string;
  vnetPrefixes: string[];
  routeTableId?: string;
  networkSecurityGroupId?: string;
  natGatewayId?: string;
  /** Every subnet of the same VNet (this one included): id and prefixes. */
  siblings: { id: string; prefixes: string[] }[];
  /** False for the managed VNet the reconciler has yet to create. */
  exists: boolean;
}

function prefixesOf(props: Record<string, unknown> | undefined): string[] {
  if (!props) return [];
  const list = props.addressPrefixes;
  if (Array.isArray(list) && list.length) return list.map(String);
  return typeof props.addressPrefix === "string" ? [props.addressPrefix] : [];
}

const refId = (v: unknown): string | undefined =>
  v && typeof v === "object" && typeof (v as { id?: unknown }).id === "string"
    ? (v as { id: string }).id
    : undefined;

/** The subnet and its surroundings, or undefined when it does not exist (or is not a subnet). */
export async function readSubnet(ctx: ArmContext, subnetId: string): Promise<SubnetInfo | undefined> {
  let ref: ReturnType<typeof parseResourceId>;
  try {
    ref = parseResourceId(subnetId);
  } catch {
    return undefined;
  }
  if (`${ref.namespace}/${ref.types.join("/")}`.toLowerCase() !== SUBNET_TYPE.toLowerCase()) return undefined;
  const rec = await getSubnet(ctx, subnetId);
  if (!rec) return undefined;
  const vnetId = rec.id.replace(/\/subnets\/[^/]+$/i, "");
  const vnet = await ctx.tx.getResource(vnetId);
  const vnetProps = vnet?.body.properties as { addressSpace?: { addressPrefixes?: string[] } } | undefined;
  const siblings = (await ctx.tx.listResources({ type: SUBNET_TYPE, parentId: vnetId })).map((s) => ({
    id: s.id,
    prefixes: prefixesOf(s.body.properties as Record<string, unknown>),
  }));
  const props = rec.body.properties as Record<string, unknown>;
  return {
    id: rec.id,
    name: String(rec.body.name),
    prefixes: prefixesOf(props),
    vnetId: vnet?.id ?? vnetId,
    vnetPrefixes: vnetProps?.addressSpace?.addressPrefixes ?? [],
    routeTableId: refId(props.routeTable),
    networkSecurityGroupId: refId(props.networkSecurityGroup),
    natGatewayId: refId(props.natGateway),
    siblings,
    exists: true,
  };
}
