// The node resource group (MC_<rg>_<cluster>_<location>) and the cluster-wide network
// pieces in it, built through Microsoft.Network's internal API so each is a real, readable
// ARM resource: the managed VNet/subnet when no subnet was brought, the cluster NSG, the
// kubenet route table (or the BYO subnet's own), the outbound public IP(s), the kubelet
// identity, and the Network Contributor grant the CLI makes for a system-assigned identity.
import { grantRole } from "../authorization/permissions.js";
import { rgId } from "../common.js";
import type { ArmContext } from "../context.js";
import { ensureUserAssignedIdentity, type IdentityPrincipal } from "../identity/userAssignedIdentities.js";
import { parseResourceId, stableGuid } from "../ids.js";
import {
  deleteNetworkResource,
  deleteRoute,
  getSubnet,
  putLoadBalancer,
  putNetworkSecurityGroup,
  putPublicIPAddress,
  putRouteTable,
  putSubnet,
  putVirtualNetwork,
  setRouteTableUsedByCluster,
} from "../network/internal.js";
import { ensureResourceGroup, isManagedBy, purgeManagedGroup } from "../resources/resourceGroups.js";
import { nodeResourceGroupAlreadyExists } from "./errors.js";
import { type ClusterInternal, names, type PoolInternal } from "./model.js";
import { MANAGED_SUBNET_PREFIX, MANAGED_VNET_PREFIX } from "./validation.js";

export interface Infra {
  nodeRgId: string;
  nsgId: string;
  vnetId?: string;
  routeTableId?: string;
  outboundIpIds: string[];
  /** Backend pools of the `kubernetes` load balancer the nodes join. */
  lbBackendPoolIds: string[];
  kubelet: IdentityPrincipal;
}

export function nodeRgIdOf(ctx: ArmContext, internal: ClusterInternal): string {
  return rgId(ctx.subscriptionId, internal.spec.nodeResourceGroup);
}

const net = (nodeRgId: string, type: string, name: string) =>
  `${nodeRgId}/providers/Microsoft.Network/${type}/${name}`;

export function infraIds(ctx: ArmContext, clusterName: string, internal: ClusterInternal) {
  const nodeRgId = nodeRgIdOf(ctx, internal);
  const n = internal.spec.network;
  return {
    nodeRgId,
    nsgId: net(nodeRgId, "networkSecurityGroups", names.nsg(internal.hash)),
    vnetId: net(nodeRgId, "virtualNetworks", names.vnet(internal.hash)),
    ownRouteTableId: net(nodeRgId, "routeTables", names.routeTable(internal.hash)),
    lbId: net(nodeRgId, "loadBalancers", names.lb),
    outboundIpIds:
      n.outboundType === "loadBalancer"
        ? Array.from({ length: n.managedOutboundIPs }, (_, i) =>
            net(nodeRgId, "publicIPAddresses", stableGuid("aks-outbound-ip", nodeRgId, String(i))),
          )
        : [],
    kubeletIdentityId: `${nodeRgId}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${names.kubeletIdentity(clusterName)}`,
  };
}

async function subnetPrefix(ctx: ArmContext, subnetId: string): Promise<string> {
  const rec = await getSubnet(ctx, subnetId);
  const p = rec?.body.properties as { addressPrefix?: string; addressPrefixes?: string[] } | undefined;
  return p?.addressPrefix ?? p?.addressPrefixes?.[0] ?? "";
}

async function subnetRouteTable(ctx: ArmContext, subnetId: string): Promise<string | undefined> {
  const rec = await getSubnet(ctx, subnetId);
  return (rec?.body.properties as { routeTable?: { id?: string } } | undefined)?.routeTable?.id;
}

/**
 * Creates what the cluster needs before its nodes; idempotent, so every reconcile runs it.
 * Mutates `internal` (route table bookkeeping); the caller saves it.
 */
export async function ensureInfrastructure(
  ctx: ArmContext,
  clusterId: string,
  internal: ClusterInternal,
  pools: PoolInternal[],
): Promise<Infra> {
  const ref = parseResourceId(clusterId);
  const clusterName = ref.names[0];
  const spec = internal.spec;
  const ids = infraIds(ctx, clusterName, internal);
  const location = spec.location;
  await ensureResourceGroup(ctx, ctx.subscriptionId, spec.nodeResourceGroup, location, {
    managedBy: clusterId,
    onForeign: () => nodeResourceGroupAlreadyExists(spec.nodeResourceGroup, ctx.subscriptionId),
    tags: { "aks-managed-cluster-name": clusterName, "aks-managed-cluster-rg": ref.resourceGroup ?? "" },
  });
  const tags = { "aks-managed-cluster-name": clusterName, "aks-managed-cluster-rg": ref.resourceGroup ?? "" };
  if (!(await ctx.tx.getResource(ids.nsgId)))
    await putNetworkSecurityGroup(ctx, ids.nsgId, { location, tags });

  const kubenet = spec.network.plugin === "kubenet";
  // kubenet's route table: the BYO subnet's own, else one AKS creates (and attaches).
  if (kubenet && !internal.routeTableId) {
    const byo = internal.managedVnet ? undefined : await subnetRouteTable(ctx, internal.defaultSubnetId);
    if (byo) {
      internal.routeTableId = byo;
      internal.routeTableCreated = false;
    } else {
      await putRouteTable(ctx, ids.ownRouteTableId, { location, tags });
      internal.routeTableId = ids.ownRouteTableId;
      internal.routeTableCreated = true;
    }
  }
  if (kubenet && internal.routeTableId)
    await setRouteTableUsedByCluster(ctx, internal.routeTableId, clusterId);

  if (internal.managedVnet) {
    if (!(await ctx.tx.getResource(ids.vnetId)))
      await putVirtualNetwork(ctx, ids.vnetId, {
        location,
        addressPrefixes: [MANAGED_VNET_PREFIX],
        subnets: [{ name: names.subnet, addressPrefix: MANAGED_SUBNET_PREFIX }],
        tags,
      });
    // AKS associates its NSG (and for kubenet its route table) with the managed subnet.
    await putSubnet(ctx, internal.defaultSubnetId, {
      addressPrefix: MANAGED_SUBNET_PREFIX,
      networkSecurityGroupId: ids.nsgId,
      ...(kubenet ? { routeTableId: internal.routeTableId } : {}),
    });
  } else if (kubenet && internal.routeTableCreated) {
    // A BYO subnet without a route table gets AKS's; AKS never touches a BYO subnet's NSG.
    const subnets = new Set(pools.map((p) => p.subnetId.toLowerCase()));
    for (const p of pools) {
      if (!subnets.delete(p.subnetId.toLowerCase())) continue;
      if (await subnetRouteTable(ctx, p.subnetId)) continue;
      await putSubnet(ctx, p.subnetId, {
        addressPrefix: await subnetPrefix(ctx, p.subnetId),
        routeTableId: internal.routeTableId,
      });
      internal.attachedRouteTableTo = [...(internal.attachedRouteTableTo ?? []), p.subnetId];
    }
  }

  for (const id of ids.outboundIpIds)
    if (!(await ctx.tx.getResource(id)))
      await putPublicIPAddress(ctx, id, {
        location,
        tags: { ...tags, "aks-managed-type": "aks-slb-managed-outbound-ip" },
      });

  // outboundType loadBalancer: the `kubernetes` Standard LB, one frontend per outbound IP,
  // backend pool `kubernetes` (the nodes) and the outbound rule AKS writes. A changed
  // managedOutboundIPs.count reshapes the frontends and the rule, and drops the IPs let go.
  let lbBackendPoolIds: string[] = [];
  if (ids.outboundIpIds.length) {
    const fe = (pip: string) => pip.split("/").pop() as string;
    const backend = `${ids.lbId}/backendAddressPools/kubernetes`;
    const frontends = ids.outboundIpIds.map((pip) => ({
      name: fe(pip),
      properties: { publicIPAddress: { id: pip } },
    }));
    const outboundRule = {
      name: "aksOutboundRule",
      properties: {
        frontendIPConfigurations: ids.outboundIpIds.map((pip) => ({
          id: `${ids.lbId}/frontendIPConfigurations/${fe(pip)}`,
        })),
        backendAddressPool: { id: backend },
        protocol: "All",
        idleTimeoutInMinutes: 30,
        allocatedOutboundPorts: 0,
        enableTcpReset: true,
      },
    };
    const lb = await ctx.tx.getResource(ids.lbId);
    if (!lb) {
      await putLoadBalancer(ctx, ids.lbId, {
        location,
        tags,
        sku: { name: "Standard", tier: "Regional" },
        properties: {
          frontendIPConfigurations: frontends,
          backendAddressPools: [{ name: "kubernetes" }],
          outboundRules: [outboundRule],
        },
      });
    } else {
      await reshapeOutbound(ctx, lb.body, ids.lbId, ids.outboundIpIds, frontends, outboundRule, clusterId);
    }
    lbBackendPoolIds = [backend];
  }

  const kubelet = await ensureUserAssignedIdentity(ctx, ids.kubeletIdentityId, location, {
    managedBy: clusterId,
  });

  // The CLI grants a system-assigned identity Network Contributor on a BYO subnet.
  if (spec.identity.type === "SystemAssigned" && spec.identity.principalId && !internal.managedVnet) {
    const subnets = new Set<string>();
    for (const p of pools) {
      subnets.add(p.subnetId);
      if (p.spec.podSubnetID) subnets.add(p.spec.podSubnetID);
    }
    for (const s of subnets) await grantRole(ctx, s, spec.identity.principalId);
  }

  return {
    nodeRgId: ids.nodeRgId,
    nsgId: ids.nsgId,
    ...(internal.managedVnet ? { vnetId: ids.vnetId } : {}),
    ...(internal.routeTableId ? { routeTableId: internal.routeTableId } : {}),
    outboundIpIds: ids.outboundIpIds,
    lbBackendPoolIds,
    kubelet,
  };
}

type Obj = Record<string, unknown>;
const OUTBOUND_IP_TAG = "aks-slb-managed-outbound-ip";

/** Brings an existing `kubernetes` LB to the wanted managed outbound IPs; deletes the others. */
async function reshapeOutbound(
  ctx: ArmContext,
  body: Obj,
  lbId: string,
  wanted: string[],
  frontends: Obj[],
  outboundRule: Obj,
  clusterId: string,
): Promise<void> {
  const rgOf = parseResourceId(lbId).resourceGroup;
  const managed = (
    await ctx.tx.listResources({
      type: "Microsoft.Network/publicIPAddresses",
      subscriptionId: ctx.subscriptionId,
      ...(rgOf ? { resourceGroup: rgOf } : {}),
    })
  )
    .filter(
      (r) => (r.body.tags as Record<string, string> | undefined)?.["aks-managed-type"] === OUTBOUND_IP_TAG,
    )
    .map((r) => r.id.toLowerCase());
  const isManaged = (f: Obj) => {
    const pip = ((f.properties as Obj | undefined)?.publicIPAddress as Obj | undefined)?.id;
    return typeof pip === "string" && managed.includes(pip.toLowerCase());
  };
  const props = (body.properties ?? {}) as Obj;
  const current = (props.frontendIPConfigurations ?? []) as Obj[];
  const have = current.filter(isManaged).map((f) => String(f.name).toLowerCase());
  const want = frontends.map((f) => String(f.name).toLowerCase());
  if (have.length === want.length && want.every((n) => have.includes(n))) return;
  const rules = ((props.outboundRules ?? []) as Obj[]).filter((r) => r.name !== "aksOutboundRule");
  await putLoadBalancer(ctx, lbId, {
    ...body,
    properties: {
      ...props,
      frontendIPConfigurations: [...current.filter((f) => !isManaged(f)), ...frontends],
      outboundRules: [...rules, outboundRule],
    },
  });
  const keep = new Set(wanted.map((w) => w.toLowerCase()));
  for (const id of managed) if (!keep.has(id)) await deleteNetworkResource(ctx, id, { managedBy: clusterId });
}

/**
 * Undoes what the cluster did outside its node resource group (route-table association and
 * usage mark on BYO resources), then deletes the node resource group with everything in it.
 */
export async function removeInfrastructure(
  ctx: ArmContext,
  clusterId: string,
  internal: ClusterInternal,
  routeNames: string[],
): Promise<void> {
  if (internal.routeTableId && (await ctx.tx.getResource(internal.routeTableId))) {
    for (const n of routeNames) await deleteRoute(ctx, internal.routeTableId, n);
    await setRouteTableUsedByCluster(ctx, internal.routeTableId, undefined);
  }
  for (const subnetId of internal.attachedRouteTableTo ?? []) {
    if (!(await getSubnet(ctx, subnetId))) continue;
    await putSubnet(ctx, subnetId, { addressPrefix: await subnetPrefix(ctx, subnetId), routeTableId: null });
  }
  const nodeRg = await ctx.tx.getResource(nodeRgIdOf(ctx, internal));
  // Only a group this cluster created (managedBy = the cluster) goes with it.
  if (nodeRg && isManagedBy(nodeRg, clusterId)) {
    // The managed subnet holds the NSG/route-table associations: drop the VNet first.
    const ids = infraIds(ctx, parseResourceId(clusterId).names[0], internal);
    if (internal.managedVnet && (await ctx.tx.getResource(ids.vnetId))) {
      await putSubnet(ctx, internal.defaultSubnetId, {
        addressPrefix: MANAGED_SUBNET_PREFIX,
        networkSecurityGroupId: null,
        routeTableId: null,
      });
    }
    await purgeManagedGroup(ctx, ctx.subscriptionId, internal.spec.nodeResourceGroup, clusterId);
  }
}
