// How a node's traffic to one destination leaves: the route Azure picks on the node's subnet
// (system routes + the route table's user routes, longest prefix: net/routes.ts, the same answer
// as the NIC's effectiveRouteTable), then, for a
// destination on the Internet, who translates the source address — Azure's precedence: the subnet's
// NAT gateway, else the node's instance-level public IP, else the outbound rule of a load balancer
// whose backend pool holds the node, else default outbound access (when the subnet allows it).
// Read-only, through the store records the providers wrote; callers (`aksnet trace`, the pod egress
// leg) print `hops` and report `sourceAddress`.
import { type Cidr, firstAddress, formatIp, parseCidr, parseIp } from "../../net/cidr.js";
import { effectiveRoutes, routeFor } from "../../net/routes.js";
import type { ResourceRecord } from "../../store/types.js";
import { scaleSetSpecOf } from "../compute/scaleSetPublicIPs.js";
import { listInstances } from "../compute/scaleSets.js";
import { primaryIpConfigId } from "../containerservice/nodePublicIPs.js";
import type { NodeData } from "../containerservice/nodes.js";
import { getCluster, listPools } from "../containerservice/records.js";
import type { ArmContext } from "../context.js";
import { invalidRequestContent, resourceNotFound } from "../errors.js";
import { parseResourceId } from "../ids.js";
import { subnetContext } from "../network/effective.js";
import { getSubnet } from "../network/internal.js";
import { publicIPsHeldBy } from "../network/publicIPHolders.js";

export interface NodeEgressRequest {
  /** ARM id of the managed cluster. */
  clusterId: string;
  /** The node: its computer name (= the Kubernetes node name) or its private IP. */
  node: string;
  /** Destination address (IPv4 or IPv6). */
  destination: string;
  /**
   * The source address the packet carries when it leaves the node; default the node's private IP.
   * (Flat Azure CNI pods keep their own address inside the VNet.)
   */
  sourceIp?: string;
}

export type EgressVia =
  | "virtualNetwork"
  | "virtualAppliance"
  | "virtualNetworkGateway"
  | "natGateway"
  | "nodePublicIP"
  | "loadBalancer"
  | "defaultOutbound"
  | "azurePlatform"
  | "dropped";

export interface EgressHop {
  kind:
    | "node"
    | "azurePlatform"
    | "route"
    | "natGateway"
    | "nodePublicIP"
    | "loadBalancerOutboundRule"
    | "defaultOutbound"
    | "drop";
  /** One line a trace prints. */
  detail: string;
  /** The resource the hop is (route, NAT gateway, public IP, load balancer), when there is one. */
  resourceId?: string;
  /** route: the matched prefix, next hop and where the route comes from. */
  route?: {
    prefix: string;
    nextHopType: string;
    nextHopIpAddress?: string;
    source: "User" | "Default";
    name?: string;
    routeTableId?: string;
  };
  /** SNAT hops: the public addresses and prefixes the source is translated to. */
  publicIpAddresses?: string[];
  publicIpPrefixes?: string[];
  idleTimeoutInMinutes?: number;
  /** loadBalancerOutboundRule: ports per node (0 = Azure's default allocation by pool size). */
  allocatedOutboundPorts?: number;
}

export interface NodeEgress {
  node: string;
  pool: string;
  privateIp: string;
  subnetId: string;
  destination: string;
  outboundType: string;
  via: EgressVia;
  /**
   * The source address the destination sees: the private source inside the VNet, the SNAT
   * address on the Internet (the first of `sourceCandidates` when there are several — Azure picks
   * one per flow). Undefined when dropped, or when an appliance or default outbound access decides.
   */
  sourceAddress?: string;
  /** Every address or prefix the SNAT may use (empty when there is no SNAT). */
  sourceCandidates: string[];
  hops: EgressHop[];
}

type Obj = Record<string, unknown>;
const props = (o: unknown): Obj => (((o as Obj | undefined)?.properties as Obj | undefined) ?? {}) as Obj;
const refs = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.map((x) => (x as Obj | undefined)?.id).filter((x): x is string => typeof x === "string")
    : [];
const refId = (v: unknown): string | undefined => {
  const id = (v as Obj | undefined)?.id;
  return typeof id === "string" ? id : undefined;
};
const eq = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
const last = (id: string) => id.split("/").pop() ?? id;

/** Azure's platform addresses a VM reaches on its host, whatever its routes say. */
const AZURE_PLATFORM: Record<string, string> = {
  "169.254.169.254": "the Instance Metadata Service (IMDS)",
  "168.63.129.16": "the Azure platform's wire server (DNS, DHCP, health probes)",
};

interface NodeFound {
  name: string;
  pool: string;
  privateIp: string;
  nicId: string;
  subnetId: string;
  backendPoolIds: string[];
}

async function findNode(ctx: ArmContext, clusterId: string, node: string): Promise<NodeFound> {
  const cluster = await getCluster(ctx, clusterId);
  const ref = parseResourceId(clusterId);
  if (!cluster)
    throw resourceNotFound("Microsoft.ContainerService/managedClusters", ref.names[0], ref.resourceGroup);
  for (const { internal: pool } of await listPools(ctx, clusterId)) {
    const ss = await scaleSetSpecOf(ctx, pool.vmssId);
    if (!ss) continue;
    const primary = ss.ipConfigurations.find((c) => c.primary) ?? ss.ipConfigurations[0];
    for (const inst of await listInstances(ctx, pool.vmssId)) {
      const data = (inst.data ?? {}) as Partial<NodeData>;
      if (!data.nodeIp || !(eq(inst.computerName, node) || data.nodeIp === node)) continue;
      return {
        name: inst.computerName,
        pool: pool.spec.name,
        privateIp: data.nodeIp,
        nicId: inst.nicIds[0] ?? "",
        subnetId: primary?.subnetId ?? pool.subnetId,
        backendPoolIds: primary?.loadBalancerBackendAddressPoolIds ?? [],
      };
    }
  }
  throw resourceNotFound(
    "Microsoft.Compute/virtualMachineScaleSets/virtualMachines",
    node,
    cluster.internal.spec.nodeResourceGroup,
  );
}

/** The route Azure picks on the subnet (the same evaluation as the NIC's effectiveRouteTable). */
async function routeOn(ctx: ArmContext, subnetId: string | undefined, destination: string) {
  const sc = subnetId ? await subnetContext(ctx, subnetId) : undefined;
  const route = routeFor(
    effectiveRoutes({
      vnetPrefixes: sc?.vnetPrefixes ?? [],
      peeredPrefixes: sc?.peeredPrefixes ?? [],
      userRoutes: sc?.routeTable?.routes ?? [],
    }),
    destination,
  );
  if (!route) return undefined;
  return {
    prefix: route.addressPrefix[0],
    nextHopType: route.nextHopType,
    ...(route.nextHopIpAddress[0] ? { nextHopIpAddress: route.nextHopIpAddress[0] } : {}),
    source: route.source,
    ...(route.name ? { name: route.name } : {}),
    ...(route.source === "User" && sc?.routeTable ? { routeTableId: sc.routeTable.id } : {}),
  };
}

async function ipOf(ctx: ArmContext, pipId: string): Promise<string | undefined> {
  const ip = props((await ctx.tx.getResource(pipId))?.body).ipAddress;
  return typeof ip === "string" ? ip : undefined;
}

async function prefixOf(ctx: ArmContext, prefixId: string): Promise<string | undefined> {
  const p = props((await ctx.tx.getResource(prefixId))?.body).ipPrefix;
  return typeof p === "string" ? p : undefined;
}

interface Snat {
  hop: EgressHop;
  via: EgressVia;
  candidates: string[];
}

/** SNAT through the subnet's NAT gateway, if it has one with at least one address. */
async function natGatewaySnat(ctx: ArmContext, subnet: ResourceRecord): Promise<Snat | undefined> {
  const natId = refId(props(subnet.body).natGateway);
  const nat = natId ? await ctx.tx.getResource(natId) : undefined;
  if (!nat) return undefined;
  const p = props(nat.body);
  const ips = (await Promise.all(refs(p.publicIpAddresses).map((id) => ipOf(ctx, id)))).filter(
    (x): x is string => !!x,
  );
  const prefixes = (await Promise.all(refs(p.publicIpPrefixes).map((id) => prefixOf(ctx, id)))).filter(
    (x): x is string => !!x,
  );
  if (!ips.length && !prefixes.length) return undefined;
  const idle = Number(p.idleTimeoutInMinutes ?? 4);
  return {
    via: "natGateway",
    candidates: [...ips, ...prefixes],
    hop: {
      kind: "natGateway",
      resourceId: nat.id,
      detail: `NAT gateway ${last(nat.id)} on the subnet translates the source to ${[...ips, ...prefixes].join(", ")} (idle timeout ${idle} min)`,
      publicIpAddresses: ips,
      publicIpPrefixes: prefixes,
      idleTimeoutInMinutes: idle,
    },
  };
}

/** SNAT through an outbound rule of a load balancer whose backend pool holds the node. */
async function outboundRuleSnat(ctx: ArmContext, backendPoolIds: string[]): Promise<Snat | undefined> {
  for (const poolId of backendPoolIds) {
    const lbId = poolId.replace(/\/backendAddressPools\/[^/]+$/i, "");
    const lb = await ctx.tx.getResource(lbId);
    if (!lb) continue;
    const p = props(lb.body);
    const rule = (Array.isArray(p.outboundRules) ? (p.outboundRules as Obj[]) : []).find((r) =>
      eq(refId(props(r).backendAddressPool), poolId),
    );
    if (!rule) continue;
    const rp = props(rule);
    const frontends = Array.isArray(p.frontendIPConfigurations) ? (p.frontendIPConfigurations as Obj[]) : [];
    const ips: string[] = [];
    const prefixes: string[] = [];
    for (const feId of refs(rp.frontendIPConfigurations)) {
      const fe = frontends.find((f) => eq(String(f.name), last(feId)));
      const fp = props(fe);
      const pip = refId(fp.publicIPAddress);
      const prefix = refId(fp.publicIPPrefix);
      const ip = pip ? await ipOf(ctx, pip) : undefined;
      const cidr = prefix ? await prefixOf(ctx, prefix) : undefined;
      if (ip) ips.push(ip);
      if (cidr) prefixes.push(cidr);
    }
    if (!ips.length && !prefixes.length) continue;
    const ports = Number(rp.allocatedOutboundPorts ?? 0);
    const idle = Number(rp.idleTimeoutInMinutes ?? 4);
    return {
      via: "loadBalancer",
      candidates: [...ips, ...prefixes],
      hop: {
        kind: "loadBalancerOutboundRule",
        resourceId: `${lb.id}/outboundRules/${String(rule.name)}`,
        detail:
          `outbound rule ${String(rule.name)} of load balancer ${last(lb.id)} translates the source to ${[...ips, ...prefixes].join(", ")}` +
          ` (${ports === 0 ? "default port allocation" : `${ports} ports per node`}, idle timeout ${idle} min)`,
        publicIpAddresses: ips,
        publicIpPrefixes: prefixes,
        idleTimeoutInMinutes: idle,
        allocatedOutboundPorts: ports,
      },
    };
  }
  return undefined;
}

/** A candidate (address or prefix) → one address: a prefix gives its first address. */
function firstOf(candidate: string): string {
  if (!candidate.includes("/")) return candidate;
  const c: Cidr = parseCidr(candidate);
  return formatIp(firstAddress(c), c.family);
}

/**
 * How `req.node`'s traffic to `req.destination` leaves. Errors: 404 for a missing cluster or node,
 * 400 InvalidRequestContent for a destination that is not an address.
 */
export async function nodeEgress(ctx: ArmContext, req: NodeEgressRequest): Promise<NodeEgress> {
  try {
    parseIp(req.destination);
  } catch {
    throw invalidRequestContent(
      `Invalid destination '${req.destination}': expected an IP address.`,
      "destination",
    );
  }
  const node = await findNode(ctx, req.clusterId, req.node);
  const cluster = await getCluster(ctx, req.clusterId);
  const outboundType = cluster?.internal.spec.network.outboundType ?? "loadBalancer";
  const source = req.sourceIp ?? node.privateIp;
  const subnet = await getSubnet(ctx, node.subnetId);
  const hops: EgressHop[] = [
    {
      kind: "node",
      resourceId: node.nicId,
      detail: `node ${node.name} (${node.privateIp}) sends from ${source} on subnet ${last(node.subnetId)}`,
    },
  ];
  const base = {
    node: node.name,
    pool: node.pool,
    privateIp: node.privateIp,
    subnetId: node.subnetId,
    destination: req.destination,
    outboundType,
  };
  const done = (
    via: EgressVia,
    sourceAddress: string | undefined,
    candidates: string[] = [],
  ): NodeEgress => ({
    ...base,
    via,
    ...(sourceAddress ? { sourceAddress } : {}),
    sourceCandidates: candidates,
    hops,
  });
  // IMDS and the wire server answer on the host: no route, no SNAT.
  const platform = AZURE_PLATFORM[req.destination];
  if (platform) {
    hops.push({
      kind: "azurePlatform",
      detail: `${req.destination} is ${platform}, answered on the node's host`,
    });
    return done("azurePlatform", source);
  }
  const route = await routeOn(ctx, subnet?.id, req.destination);
  if (!route) {
    hops.push({ kind: "drop", detail: `no route covers ${req.destination}: dropped` });
    return done("dropped", undefined);
  }
  const origin =
    route.source === "User" ? `route ${route.name} of ${last(route.routeTableId ?? "")}` : "system route";
  hops.push({
    kind: "route",
    ...(route.source === "User" && route.routeTableId
      ? { resourceId: `${route.routeTableId}/routes/${route.name}` }
      : {}),
    detail: `${origin}: ${route.prefix} → ${route.nextHopType}${route.nextHopIpAddress ? ` ${route.nextHopIpAddress}` : ""}`,
    route,
  });
  switch (route.nextHopType) {
    case "VnetLocal":
      return done("virtualNetwork", source);
    case "VirtualNetworkGateway":
      return done("virtualNetworkGateway", source);
    case "VirtualAppliance":
    case "VirtualApplianceEcmp":
      // The appliance forwards (and may translate) as it is configured; Azure does not know.
      return done("virtualAppliance", undefined);
    case "None":
      hops.push({ kind: "drop", detail: `next hop None: Azure drops traffic to ${req.destination}` });
      return done("dropped", undefined);
    default:
      break;
  }
  // Next hop Internet: who translates the private source.
  const nat = subnet ? await natGatewaySnat(ctx, subnet) : undefined;
  if (nat) {
    hops.push(nat.hop);
    return done(nat.via, firstOf(nat.candidates[0]), nat.candidates);
  }
  const pip = (await publicIPsHeldBy(ctx, primaryIpConfigId(node.nicId)))
    .map((w) => ({ id: String(w.id), ip: props(w).ipAddress }))
    .find((x): x is { id: string; ip: string } => typeof x.ip === "string");
  if (pip) {
    hops.push({
      kind: "nodePublicIP",
      resourceId: pip.id,
      detail: `the node's instance-level public IP ${pip.ip} is its source on the Internet`,
      publicIpAddresses: [pip.ip],
    });
    return done("nodePublicIP", pip.ip, [pip.ip]);
  }
  const lb = await outboundRuleSnat(ctx, node.backendPoolIds);
  if (lb) {
    hops.push(lb.hop);
    return done(lb.via, firstOf(lb.candidates[0]), lb.candidates);
  }
  if (props(subnet?.body).defaultOutboundAccess === false) {
    hops.push({
      kind: "drop",
      detail: `no NAT gateway, public IP or outbound rule, and the subnet has defaultOutboundAccess false: dropped`,
    });
    return done("dropped", undefined);
  }
  hops.push({
    kind: "defaultOutbound",
    detail:
      "no NAT gateway, public IP or outbound rule: Azure's default outbound access (an address Azure picks)",
  });
  return done("defaultOutbound", undefined);
}
