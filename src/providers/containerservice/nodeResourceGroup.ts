// The node resource group (MC_<rg>_<cluster>_<location>) and the cluster-wide network
// pieces in it, built through Microsoft.Network's internal API so each is a real, readable
// ARM resource: the managed VNet/subnet when no subnet was brought, the cluster NSG, the
// kubenet route table (or the BYO subnet's own), the outbound public IP(s), the kubelet
// identity.
import { rgId } from "../common.js";
import type { ArmContext } from "../context.js";
import { ensureUserAssignedIdentity, type IdentityPrincipal } from "../identity/userAssignedIdentities.js";
import { parseResourceId, stableGuid } from "../ids.js";
import {
  deleteNetworkResource,
  deleteRoute,
  getSubnet,
  putLoadBalancer,
  putNatGateway,
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
    /** The outbound LB's public IPs: the user's own (outboundIPs) or the managed ones. */
    outboundIpIds:
      n.outboundType !== "loadBalancer"
        ? []
        : n.outboundIPs
          ? [...n.outboundIPs]
          : Array.from({ length: n.managedOutboundIPs }, (_, i) =>
              net(nodeRgId, "publicIPAddresses", stableGuid("aks-outbound-ip", nodeRgId, String(i))),
            ),
    natGatewayId: net(nodeRgId, "natGateways", names.natGateway),
    natOutboundIpIds:
      n.outboundType === "managedNATGateway"
        ? Array.from({ length: n.natManagedOutboundIPs ?? 1 }, (_, i) =>
            net(nodeRgId, "publicIPAddresses", stableGuid("aks-natgw-outbound-ip", nodeRgId, String(i))),
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

  // Managed outbound IPs are created here; the user's own were checked to exist (outboundIPs.ts).
  if (!spec.network.outboundIPs)
    for (const id of ids.outboundIpIds)
      if (!(await ctx.tx.getResource(id)))
        await putPublicIPAddress(ctx, id, {
          location,
          tags: { ...tags, "aks-managed-type": "aks-slb-managed-outbound-ip" },
        });

  // outboundType loadBalancer: the `kubernetes` Standard LB, one frontend per outbound IP,
  // backend pool `kubernetes` (the nodes) and the outbound rule AKS writes. A changed
  // managedOutboundIPs.count or outboundIPs list reshapes the frontends and the rule, and drops
  // the managed IPs let go (the user's own are only detached).
  let lbBackendPoolIds: string[] = [];
  if (ids.outboundIpIds.length) {
    // A managed IP's name is already a GUID; the user's own IPs may share a name across groups.
    const fe = (pip: string) =>
      spec.network.outboundIPs
        ? stableGuid("aks-outbound-frontend", pip.toLowerCase())
        : (pip.split("/").pop() as string);
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
        idleTimeoutInMinutes: spec.network.lbIdleTimeoutInMinutes ?? 30,
        allocatedOutboundPorts: spec.network.allocatedOutboundPorts ?? 0,
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
  } else {
    // Another outbound type (or a migration away from loadBalancer): no outbound rule, no managed IPs.
    const lb = await ctx.tx.getResource(ids.lbId);
    if (lb) await dropOutbound(ctx, lb.body, ids.lbId, clusterId);
  }
  await ensureManagedNatGateway(ctx, clusterId, internal, ids, tags);

  const kubelet = await ensureUserAssignedIdentity(ctx, ids.kubeletIdentityId, location, {
    managedBy: clusterId,
  });

  // No role grant here: ARM never grants the cluster identity anything on a BYO subnet;
  // az (and `aksnet az aks create`) does that client-side right after the PUT.

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
const NAT_IP_TAG = "aks-natgw-managed-outbound-ip";

/** Public IPs of the node resource group that AKS tagged as its `tag` kind. */
async function taggedIps(ctx: ArmContext, resourceGroup: string, tag: string): Promise<string[]> {
  return (
    await ctx.tx.listResources({
      type: "Microsoft.Network/publicIPAddresses",
      subscriptionId: ctx.subscriptionId,
      resourceGroup,
    })
  )
    .filter((r) => (r.body.tags as Record<string, string> | undefined)?.["aks-managed-type"] === tag)
    .map((r) => r.id);
}

/**
 * outboundType managedNATGateway: `aks-natgw` in the node resource group with
 * `natGatewayProfile.managedOutboundIPProfile.count` public IPs and the profile's idle timeout,
 * associated with the managed subnet; a changed count adds or drops IPs. Any other type: a NAT
 * gateway left from a migration is dissociated and deleted with its IPs.
 */
async function ensureManagedNatGateway(
  ctx: ArmContext,
  clusterId: string,
  internal: ClusterInternal,
  ids: ReturnType<typeof infraIds>,
  tags: Record<string, string>,
): Promise<void> {
  const n = internal.spec.network;
  const location = internal.spec.location;
  const existing = await ctx.tx.getResource(ids.natGatewayId);
  if (n.outboundType !== "managedNATGateway") {
    if (!existing) return;
    if (internal.managedVnet && (await getSubnet(ctx, internal.defaultSubnetId)))
      await putSubnet(ctx, internal.defaultSubnetId, {
        addressPrefix: MANAGED_SUBNET_PREFIX,
        natGatewayId: null,
      });
    await deleteNetworkResource(ctx, ids.natGatewayId, { managedBy: clusterId });
    for (const id of await taggedIps(ctx, internal.spec.nodeResourceGroup, NAT_IP_TAG))
      await deleteNetworkResource(ctx, id, { managedBy: clusterId });
    return;
  }
  for (const id of ids.natOutboundIpIds)
    if (!(await ctx.tx.getResource(id)))
      await putPublicIPAddress(ctx, id, { location, tags: { ...tags, "aks-managed-type": NAT_IP_TAG } });
  const idle = n.natIdleTimeoutInMinutes ?? 4;
  const p = (existing?.body.properties ?? {}) as {
    idleTimeoutInMinutes?: number;
    publicIpAddresses?: { id: string }[];
  };
  const have = (p.publicIpAddresses ?? []).map((r) => r.id.toLowerCase()).sort();
  const want = ids.natOutboundIpIds.map((x) => x.toLowerCase()).sort();
  if (!existing || p.idleTimeoutInMinutes !== idle || have.join() !== want.join())
    await putNatGateway(ctx, ids.natGatewayId, {
      location,
      tags,
      idleTimeoutInMinutes: idle,
      publicIpAddressIds: ids.natOutboundIpIds,
    });
  const keep = new Set(want);
  for (const id of await taggedIps(ctx, internal.spec.nodeResourceGroup, NAT_IP_TAG))
    if (!keep.has(id.toLowerCase())) await deleteNetworkResource(ctx, id, { managedBy: clusterId });
  const subnet = await getSubnet(ctx, internal.defaultSubnetId);
  const assoc = (
    (subnet?.body.properties as { natGateway?: { id?: string } } | undefined)?.natGateway?.id ?? ""
  ).toLowerCase();
  if (internal.managedVnet && subnet && assoc !== ids.natGatewayId.toLowerCase())
    await putSubnet(ctx, internal.defaultSubnetId, {
      addressPrefix: MANAGED_SUBNET_PREFIX,
      natGatewayId: ids.natGatewayId,
    });
}

/** Names (lower-cased) of the frontends the `aksOutboundRule` of an LB body uses. */
function outboundRuleFrontends(props: Obj): Set<string> {
  const rule = ((props.outboundRules ?? []) as Obj[]).find((r) => r.name === "aksOutboundRule");
  const refs = ((rule?.properties as Obj | undefined)?.frontendIPConfigurations ?? []) as Obj[];
  return new Set(
    refs.map(
      (r) =>
        String(r.id ?? "")
          .split("/")
          .pop()
          ?.toLowerCase() ?? "",
    ),
  );
}

/**
 * AKS's outbound frontends on the LB: those holding a managed outbound IP, and those the outbound
 * rule uses (the user's own outbound IPs). Service frontends are neither.
 */
async function outboundFrontendTest(lbId: string, props: Obj, ctx: ArmContext) {
  const managed = (await taggedIps(ctx, parseResourceId(lbId).resourceGroup ?? "", OUTBOUND_IP_TAG)).map(
    (x) => x.toLowerCase(),
  );
  const ruleFrontends = outboundRuleFrontends(props);
  const isOutbound = (f: Obj) => {
    const pip = ((f.properties as Obj | undefined)?.publicIPAddress as Obj | undefined)?.id;
    return (
      ruleFrontends.has(String(f.name).toLowerCase()) ||
      (typeof pip === "string" && managed.includes(pip.toLowerCase()))
    );
  };
  return { managed, isOutbound };
}

/** Removes AKS's outbound rule and outbound frontends from the LB and deletes the managed IPs. */
async function dropOutbound(ctx: ArmContext, body: Obj, lbId: string, clusterId: string): Promise<void> {
  const props = (body.properties ?? {}) as Obj;
  const { managed, isOutbound } = await outboundFrontendTest(lbId, props, ctx);
  const frontends = (props.frontendIPConfigurations ?? []) as Obj[];
  const rules = (props.outboundRules ?? []) as Obj[];
  if (!rules.some((r) => r.name === "aksOutboundRule") && !frontends.some(isOutbound) && !managed.length)
    return;
  await putLoadBalancer(ctx, lbId, {
    ...body,
    properties: {
      ...props,
      frontendIPConfigurations: frontends.filter((f) => !isOutbound(f)),
      outboundRules: rules.filter((r) => r.name !== "aksOutboundRule"),
    },
  });
  for (const id of managed) await deleteNetworkResource(ctx, id, { managedBy: clusterId });
}

/** Brings an existing `kubernetes` LB to the wanted outbound IPs; deletes the managed ones let go. */
async function reshapeOutbound(
  ctx: ArmContext,
  body: Obj,
  lbId: string,
  wanted: string[],
  frontends: Obj[],
  outboundRule: Obj,
  clusterId: string,
): Promise<void> {
  const props = (body.properties ?? {}) as Obj;
  const { managed, isOutbound } = await outboundFrontendTest(lbId, props, ctx);
  const current = (props.frontendIPConfigurations ?? []) as Obj[];
  const have = current.filter(isOutbound).map((f) => String(f.name).toLowerCase());
  const want = frontends.map((f) => String(f.name).toLowerCase());
  const rule = ((props.outboundRules ?? []) as Obj[]).find((r) => r.name === "aksOutboundRule");
  const ruleProps = (rule?.properties ?? {}) as Obj;
  const wantProps = outboundRule.properties as Obj;
  const sameRule =
    ruleProps.allocatedOutboundPorts === wantProps.allocatedOutboundPorts &&
    ruleProps.idleTimeoutInMinutes === wantProps.idleTimeoutInMinutes;
  if (sameRule && have.length === want.length && want.every((n) => have.includes(n))) return;
  const rules = ((props.outboundRules ?? []) as Obj[]).filter((r) => r.name !== "aksOutboundRule");
  await putLoadBalancer(ctx, lbId, {
    ...body,
    properties: {
      ...props,
      frontendIPConfigurations: [...current.filter((f) => !isOutbound(f)), ...frontends],
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
        natGatewayId: null,
      });
    }
    await purgeManagedGroup(ctx, ctx.subscriptionId, internal.spec.nodeResourceGroup, clusterId);
  }
}
