// The network as a person wants to see it: per subscription, resource groups, VNets with
// their subnets and who holds each address, clusters down to their nodes, route tables,
// NSG rules and public IP prefixes. Read-only; it runs inside one store read, so the picture
// is consistent. Nothing here decides anything: every figure comes from the records and
// allocation rows the providers wrote, through their own read helpers, so the page can
// never show a rule the emulator does not apply.

import { type HciView, readHci } from "../../hci/view.js";
import {
  type Cidr,
  cidrSize,
  containsIp,
  formatCidr,
  formatIp,
  nthSubnet,
  parseCidr,
  parseIp,
  usableAddressCount,
  usableRange,
} from "../../net/index.js";
import type { ResourceRecord, Tx } from "../../store/types.js";
import { RESOURCE_GROUP_TYPE } from "../common.js";
import { VMSS_TYPE, VMSS_VM_TYPE } from "../compute/scaleSets.js";
import { CLUSTER_TYPE, type ClusterInternal, podBlockPool, usesPodCidr } from "../containerservice/model.js";
import { infraIds } from "../containerservice/nodeResourceGroup.js";
import { listNodes } from "../containerservice/nodes.js";
import type { NodeNetworking } from "../containerservice/poolNetworking.js";
import { readPoolNetworkSpec } from "../containerservice/poolNetworkSpec.js";
import { listPools } from "../containerservice/records.js";
import { type ArmContext, backgroundContext, type EmulatorSettings, type Services } from "../context.js";
import { parseResourceId } from "../ids.js";
import { allNsgUsers, defaultSecurityRules } from "../network/networkSecurityGroups.js";
import { holderOf } from "../network/publicIPAddresses.js";
import { prefixCidr } from "../network/publicIPPrefixes.js";
import { routeManagedBy } from "../network/routes.js";
import { clusterUsing, routeTableSubnets } from "../network/routeTables.js";
import { managedByOf } from "../network/securityRules.js";
import { nameOf, prefixPool, propsOf, refIdOf, subnetPool, TYPES } from "../network/shared.js";
import { freeAddressCount, subnetCidrs, vnetCidrs } from "../network/subnets.js";
import { slicer } from "../slices.js";
import { type ClusterPodsView, clusterPodsView } from "./pods.js";

// ---- the JSON shape ---------------------------------------------------------------------------

export interface Ref {
  id: string;
  name: string;
}

/** Who holds an address: a node's primary NIC, a pod (flat CNI / pod subnet), a NIC, an LB frontend. */
export type OwnerKind = "node" | "pod" | "nic" | "lb" | "other";

export interface Owner {
  kind: OwnerKind;
  /** Short human name: the node (computer name), NIC or `lb/frontend`. */
  label: string;
  /** The holder's ARM id (an ip configuration, a frontend). */
  id: string;
}

/** Consecutive addresses held by one owner (a pod subnet hands a node maxPods in a row). */
export interface AddressRun extends Owner {
  first: string;
  last: string;
  count: number;
  /** Which of the subnet's prefixes, and how far into it `first` lies (for drawing). */
  prefixIndex: number;
  offset: number;
}

export interface SubnetPrefixView {
  cidr: string;
  /** Index of the VNet address-space prefix holding it (-1 if none, which placement forbids). */
  space: number;
  /** Offset of the subnet inside that address-space prefix, and its size (addresses). */
  offset: number;
  size: number;
  /** Offsets (inside the subnet) of the first and last address Azure hands out. */
  usableFirst: number;
  usableLast: number;
}

export interface SubnetView extends Ref {
  prefixes: SubnetPrefixView[];
  /** Addresses Azure hands out (5 per IPv4 prefix are reserved), taken, free. */
  usable: number;
  used: number;
  free: number;
  routeTable?: Ref;
  networkSecurityGroup?: Ref;
  addresses: AddressRun[];
}

export interface VnetView extends Ref {
  resourceGroup: string;
  location: string;
  addressSpace: { cidr: string; size: number }[];
  subnets: SubnetView[];
}

export interface PublicIPView extends Ref {
  resourceGroup: string;
  ipAddress: string;
  prefix?: Ref;
  /** What the address is attached to. */
  holder?: Owner;
  /** `aks-managed-type` tag: node public IP, managed outbound IP … */
  aksManagedType?: string;
}

export interface NodeView {
  name: string;
  instanceId: number;
  privateIP: string;
  /** kubenet / overlay: the node's /24 of the pod CIDR. */
  podCidr?: string;
  /** kubenet: the route (in the cluster's route table) sending that block to the node. */
  route?: string;
  publicIP?: { id: string; name: string; ipAddress: string; prefix?: string };
  applicationSecurityGroups: Ref[];
  taints: string[];
}

export interface PoolView {
  name: string;
  mode: string;
  count: number;
  vmSize: string;
  osType: string;
  maxPods: number;
  state: string;
  subnet: Ref;
  podSubnet?: Ref;
  vmss: Ref;
  enableNodePublicIP: boolean;
  nodePublicIPPrefix?: Ref;
  gatewayPrefixSize?: number;
  nodes: NodeView[];
}

export interface PodCidrView {
  cidr: string;
  /** /24 blocks in the pod CIDR; each node takes one. */
  blocks: number;
  used: { index: number; cidr: string; node: string; pool: string }[];
}

export interface ClusterView extends Ref {
  resourceGroup: string;
  location: string;
  state: string;
  kubernetesVersion: string;
  networkPlugin: string;
  networkPluginMode?: string;
  networkPolicy: string;
  outboundType: string;
  podCidr?: string;
  serviceCidr: string;
  dnsServiceIP: string;
  nodeResourceGroup: string;
  managedVnet: boolean;
  networkSecurityGroup: Ref;
  routeTable?: Ref;
  outboundIPs: Ref[];
  podCidrBlocks?: PodCidrView;
  pools: PoolView[];
  /** The node resource group's load balancers (issue 12) and egress gateways (issue 13). */
  loadBalancers: LoadBalancerView[];
  /** The Kubernetes pods per node: addresses and host ports (issue 11; `pods.ts`). */
  pods: ClusterPodsView;
  egressGateways: EgressGatewayView[];
}

export interface RouteView {
  name: string;
  addressPrefix: string;
  nextHopType: string;
  nextHopIpAddress?: string;
  /** Cluster id when AKS wrote the route (the Network API refuses to change it). */
  managedByCluster?: string;
}

export interface RouteTableView extends Ref {
  resourceGroup: string;
  location: string;
  usedByCluster?: Ref;
  subnets: Ref[];
  routes: RouteView[];
}

export interface RuleView {
  name: string;
  priority: number;
  direction: string;
  access: string;
  protocol: string;
  /** Address prefixes, service tags, or `asg:<name>` for application security groups. */
  source: string[];
  sourcePorts: string[];
  destination: string[];
  destinationPorts: string[];
  description?: string;
  managedByCluster?: string;
  /** `k8s-azure-lb_*` rules: cloud-provider-azure's Service rules, and the frontends each opens. */
  serviceRule?: { frontends: { address: string; frontend: string; service?: string }[] };
}

export interface NsgView extends Ref {
  resourceGroup: string;
  location: string;
  subnets: Ref[];
  networkInterfaces: Ref[];
  /** Scale sets whose NIC template carries the NSG (AKS puts its NSG on the node NICs). */
  scaleSets: Ref[];
  /** The NSG's own rules, by direction then priority. */
  rules: RuleView[];
  /** Azure's six default rules (the page collapses them). */
  defaultRules: RuleView[];
}

export interface PrefixAddressView {
  ipAddress: string;
  publicIP?: Ref;
  holder?: Owner;
}

export interface PublicIPPrefixView extends Ref {
  resourceGroup: string;
  location: string;
  ipPrefix: string;
  prefixLength: number;
  size: number;
  used: number;
  addresses: PrefixAddressView[];
}

export interface ResourceGroupView {
  name: string;
  location: string;
  managedBy?: string;
}

export interface SubscriptionView {
  subscriptionId: string;
  displayName: string;
  resourceGroups: ResourceGroupView[];
  virtualNetworks: VnetView[];
  clusters: ClusterView[];
  routeTables: RouteTableView[];
  networkSecurityGroups: NsgView[];
  publicIPPrefixes: PublicIPPrefixView[];
  publicIPAddresses: PublicIPView[];
}

export interface Topology {
  publicIPv4Pool: string;
  subscriptions: SubscriptionView[];
  /** AKS on Azure Stack HCI (the AksHci face keeps it under the default subscription). */
  hci: HciView;
}

// ---- building it ------------------------------------------------------------------------------

const refOf = (id: string): Ref => ({ id, name: nameOf(id) });
const rgOf = (rec: ResourceRecord) => rec.resourceGroup ?? parseResourceId(rec.id).resourceGroup ?? "";
const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const byValue = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/** Computer names of every scale set instance, keyed by lower-cased instance id. */
type NodeNames = Map<string, string>;

const VMSS_IPCONFIG =
  /^(.*\/virtualmachinescalesets\/[^/]+\/virtualmachines\/\d+)\/networkinterfaces\/[^/]+\/ipconfigurations\/([^/]+)$/i;
const NIC_IPCONFIG = /\/networkinterfaces\/([^/]+)\/ipconfigurations\/([^/]+)$/i;
const LB_FRONTEND = /\/loadbalancers\/([^/]+)\/frontendipconfigurations\/([^/]+)$/i;

/**
 * Names the holder of an address from its id. A scale set instance's primary ip configuration
 * is the node's own address (nodes.ts names it ipconfig1); its other ip configurations hold
 * pod addresses (flat Azure CNI secondaries, or `podipconfig` on a pod subnet).
 */
export function ownerOf(id: string, nodes: NodeNames): Owner {
  const vm = VMSS_IPCONFIG.exec(id);
  if (vm) {
    const node = nodes.get(vm[1].toLowerCase()) ?? nameOf(vm[1]);
    const primary = vm[2].toLowerCase() === "ipconfig1";
    return { kind: primary ? "node" : "pod", label: primary ? node : `${node} pods`, id };
  }
  const nic = NIC_IPCONFIG.exec(id);
  if (nic) return { kind: "nic", label: nic[1], id };
  const lb = LB_FRONTEND.exec(id);
  if (lb) return { kind: "lb", label: `${lb[1]}/${lb[2]}`, id };
  return { kind: "other", label: id.split("/").pop() ?? id, id };
}

async function nodeNames(tx: Tx, subscriptionIds: string[]): Promise<NodeNames> {
  const out: NodeNames = new Map();
  for (const subscriptionId of subscriptionIds)
    for (const r of await tx.listResources({ type: VMSS_VM_TYPE, subscriptionId })) {
      const name = str((r.internal as { computerName?: unknown } | undefined)?.computerName);
      if (name) out.set(r.id.toLowerCase(), name);
    }
  return out;
}

async function subnetView(ctx: ArmContext, rec: ResourceRecord, space: Cidr[], nodes: NodeNames) {
  const cidrs = subnetCidrs(rec);
  const props = propsOf(rec);
  const prefixes: SubnetPrefixView[] = cidrs.map((c) => {
    const i = space.findIndex((s) => s.family === c.family && containsIp(s, c.network));
    const u = usableRange(c, { reserveAzure: true });
    return {
      cidr: formatCidr(c),
      space: i,
      offset: i < 0 ? 0 : Number(c.network - space[i].network),
      size: Number(cidrSize(c)),
      usableFirst: u ? Number(u.first - c.network) : 0,
      usableLast: u ? Number(u.last - c.network) : -1,
    };
  });
  const usable = cidrs.reduce((n, c) => n + Number(usableAddressCount(c, true)), 0);
  const free = await freeAddressCount(ctx, rec.id);
  const rows = (await ctx.tx.listAllocations(subnetPool(rec.id)))
    .map((r) => ({ ...r, value: parseIp(r.item).value }))
    .sort((a, b) => byValue(a.value, b.value));
  const addresses: AddressRun[] = [];
  let prev: { owner: string; value: bigint } | undefined;
  for (const r of rows) {
    const last = addresses[addresses.length - 1];
    if (last && prev && prev.owner === r.owner && r.value === prev.value + 1n) {
      last.last = r.item;
      last.count++;
    } else {
      const pi = cidrs.findIndex((c) => containsIp(c, r.value));
      addresses.push({
        ...ownerOf(r.owner, nodes),
        first: r.item,
        last: r.item,
        count: 1,
        prefixIndex: pi,
        offset: pi < 0 ? 0 : Number(r.value - cidrs[pi].network),
      });
    }
    prev = r;
  }
  const rt = refIdOf(props.routeTable);
  const nsg = refIdOf(props.networkSecurityGroup);
  const view: SubnetView = {
    ...refOf(rec.id),
    prefixes,
    usable,
    used: usable - free,
    free,
    ...(rt ? { routeTable: refOf(rt) } : {}),
    ...(nsg ? { networkSecurityGroup: refOf(nsg) } : {}),
    addresses,
  };
  return view;
}

async function vnetViews(ctx: ArmContext, nodes: NodeNames): Promise<VnetView[]> {
  const out: VnetView[] = [];
  const slice = slicer();
  for (const v of await ctx.tx.listResources({ type: TYPES.vnet, subscriptionId: ctx.subscriptionId })) {
    const space = vnetCidrs(v);
    const subnets: SubnetView[] = [];
    for (const s of await ctx.tx.listResources({ type: TYPES.subnet, parentId: v.id })) {
      subnets.push(await subnetView(ctx, s, space, nodes));
      await slice();
    }
    // Drawn left to right, so in address order rather than creation order.
    subnets.sort(
      (a, b) => a.prefixes[0].space - b.prefixes[0].space || a.prefixes[0].offset - b.prefixes[0].offset,
    );
    out.push({
      ...refOf(v.id),
      resourceGroup: rgOf(v),
      location: String(v.body.location ?? ""),
      addressSpace: space.map((c) => ({ cidr: formatCidr(c), size: Number(cidrSize(c)) })),
      subnets,
    });
  }
  return out;
}

async function publicIPView(ctx: ArmContext, rec: ResourceRecord, nodes: NodeNames): Promise<PublicIPView> {
  const props = propsOf(rec);
  const prefix = refIdOf(props.publicIPPrefix);
  const holder = await holderOf(ctx, rec.id);
  const managed = str((rec.body.tags as Record<string, unknown> | undefined)?.["aks-managed-type"]);
  return {
    ...refOf(rec.id),
    resourceGroup: rgOf(rec),
    ipAddress: String(props.ipAddress ?? ""),
    ...(prefix ? { prefix: refOf(prefix) } : {}),
    ...(holder ? { holder: ownerOf(holder, nodes) } : {}),
    ...(managed ? { aksManagedType: managed } : {}),
  };
}

async function clusterViews(ctx: ArmContext): Promise<ClusterView[]> {
  const out: ClusterView[] = [];
  for (const rec of await ctx.tx.listResources({ type: CLUSTER_TYPE, subscriptionId: ctx.subscriptionId })) {
    const internal = rec.internal as unknown as ClusterInternal | undefined;
    if (!internal?.spec) continue;
    const name = nameOf(rec.id);
    const spec = internal.spec;
    const net = spec.network;
    const ids = infraIds(ctx, name, internal);
    const pools = await listPools(ctx, rec.id);
    const nodes = await listNodes(
      ctx,
      pools.map((p) => p.internal),
    );
    const poolViews: PoolView[] = [];
    for (const p of pools) {
      const ps = p.internal.spec;
      const nn = readPoolNetworkSpec(ps);
      const nodeViews: NodeView[] = [];
      for (const n of nodes.filter((x) => x.pool === ps.name)) {
        const instanceId = `${p.internal.vmssId}/virtualMachines/${n.instanceId}`;
        const inst = await ctx.tx.getResource(instanceId);
        const data = (inst?.internal as { data?: { networking?: NodeNetworking } } | undefined)?.data;
        const networking = data?.networking;
        let publicIP: NodeView["publicIP"];
        const pipRec = networking?.publicIPAddressId
          ? await ctx.tx.getResource(networking.publicIPAddressId)
          : undefined;
        if (pipRec) {
          const pp = propsOf(pipRec);
          const prefix = refIdOf(pp.publicIPPrefix);
          publicIP = {
            id: pipRec.id,
            name: nameOf(pipRec.id),
            ipAddress: String(pp.ipAddress ?? ""),
            ...(prefix ? { prefix: nameOf(prefix) } : {}),
          };
        }
        nodeViews.push({
          name: n.name,
          instanceId: n.instanceId,
          privateIP: n.data?.nodeIp ?? "",
          ...(n.data?.podCidr ? { podCidr: n.data.podCidr } : {}),
          ...(n.data?.route ? { route: n.data.route } : {}),
          ...(publicIP ? { publicIP } : {}),
          applicationSecurityGroups: (networking?.applicationSecurityGroupIds ?? []).map(refOf),
          taints: (networking?.taints ?? []).map((t) => `${t.key}=${t.value}:${t.effect}`),
        });
      }
      poolViews.push({
        name: ps.name,
        mode: ps.mode,
        count: ps.count,
        vmSize: ps.vmSize,
        osType: ps.osType,
        maxPods: ps.maxPods,
        state: p.internal.state,
        subnet: refOf(p.internal.subnetId),
        ...(ps.podSubnetID ? { podSubnet: refOf(ps.podSubnetID) } : {}),
        vmss: refOf(p.internal.vmssId),
        enableNodePublicIP: nn.enableNodePublicIP,
        ...(nn.nodePublicIPPrefixID ? { nodePublicIPPrefix: refOf(nn.nodePublicIPPrefixID) } : {}),
        ...(nn.gatewayPrefixSize !== undefined ? { gatewayPrefixSize: nn.gatewayPrefixSize } : {}),
        nodes: nodeViews,
      });
    }
    let podCidrBlocks: PodCidrView | undefined;
    if (usesPodCidr(net) && net.podCidr) {
      const pod = parseCidr(net.podCidr);
      // The same /24 split nodes.ts hands out (kube-controller-manager's cidrset).
      const blocks = 2 ** Math.max(0, 24 - pod.prefixLength);
      const vmssOf = new Map(pools.map((p) => [p.internal.spec.name, p.internal.vmssId]));
      // Block owners are instance ids (model.ts nodeOwner), lower-cased.
      const byOwner = new Map(
        nodes.map((n) => [`${vmssOf.get(n.pool)}/virtualMachines/${n.instanceId}`.toLowerCase(), n]),
      );
      const used = (await ctx.tx.listAllocations(podBlockPool(rec.id)))
        .map((a) => {
          const index = Number(a.item);
          const node = byOwner.get(a.owner.toLowerCase());
          return {
            index,
            cidr: formatCidr(nthSubnet(pod, 24, index)),
            node: node?.name ?? nameOf(a.owner),
            pool: node?.pool ?? "",
          };
        })
        .sort((a, b) => a.index - b.index);
      podCidrBlocks = { cidr: net.podCidr, blocks, used };
    }
    const pods = await clusterPodsView(ctx.tx, internal.resourceUID);
    const loadBalancers = await loadBalancerViews(ctx, ids.nodeRgId, poolViews);
    const egressGateways = await egressGatewayViews(ctx, ids.nodeRgId, loadBalancers, poolViews);
    for (const g of egressGateways)
      g.pods = pods.nodes.flatMap((n) =>
        n.pods
          .filter((p) => `${p.namespace}/${p.staticGatewayConfiguration}` === g.configuration)
          .map((p) => `${p.namespace}/${p.name}`),
      );
    const outboundIPs: Ref[] = [];
    for (const id of ids.outboundIpIds) if (await ctx.tx.getResource(id)) outboundIPs.push(refOf(id));
    out.push({
      ...refOf(rec.id),
      resourceGroup: rgOf(rec),
      location: spec.location,
      state: internal.state,
      kubernetesVersion: spec.currentKubernetesVersion,
      networkPlugin: net.plugin,
      ...(net.pluginMode ? { networkPluginMode: net.pluginMode } : {}),
      networkPolicy: net.policy,
      outboundType: net.outboundType,
      ...(net.podCidr ? { podCidr: net.podCidr } : {}),
      serviceCidr: net.serviceCidr,
      dnsServiceIP: net.dnsServiceIP,
      nodeResourceGroup: spec.nodeResourceGroup,
      managedVnet: internal.managedVnet,
      networkSecurityGroup: refOf(ids.nsgId),
      ...(internal.routeTableId ? { routeTable: refOf(internal.routeTableId) } : {}),
      outboundIPs,
      ...(podCidrBlocks ? { podCidrBlocks } : {}),
      pools: poolViews,
      loadBalancers,
      egressGateways,
      pods,
    });
  }
  return out;
}

async function routeTableViews(ctx: ArmContext): Promise<RouteTableView[]> {
  const out: RouteTableView[] = [];
  for (const rec of await ctx.tx.listResources({
    type: TYPES.routeTable,
    subscriptionId: ctx.subscriptionId,
  })) {
    const routes: RouteView[] = (await ctx.tx.listResources({ type: TYPES.route, parentId: rec.id })).map(
      (r) => {
        const p = propsOf(r);
        const managed = routeManagedBy(r);
        const hop = str(p.nextHopIpAddress);
        return {
          name: nameOf(r.id),
          addressPrefix: String(p.addressPrefix ?? ""),
          nextHopType: String(p.nextHopType ?? ""),
          ...(hop ? { nextHopIpAddress: hop } : {}),
          ...(managed ? { managedByCluster: managed } : {}),
        };
      },
    );
    const cluster = await clusterUsing(ctx, rec);
    out.push({
      ...refOf(rec.id),
      resourceGroup: rgOf(rec),
      location: String(rec.body.location ?? ""),
      ...(cluster ? { usedByCluster: refOf(cluster) } : {}),
      subnets: (await routeTableSubnets(ctx, rec)).map(refOf),
      routes,
    });
  }
  return out;
}

function endpoints(p: Record<string, unknown>, side: "source" | "destination"): string[] {
  const asgs = (p[`${side}ApplicationSecurityGroups`] as unknown[] | undefined) ?? [];
  const plural = (p[`${side}AddressPrefixes`] as unknown[] | undefined) ?? [];
  const single = str(p[`${side}AddressPrefix`]);
  return [
    ...(single !== undefined ? [single] : []),
    ...plural.map(String),
    ...asgs.map((a) => `asg:${nameOf(refIdOf(a) ?? "")}`),
  ];
}

function ports(p: Record<string, unknown>, side: "source" | "destination"): string[] {
  const single = str(p[`${side}PortRange`]);
  return [
    ...(single !== undefined ? [single] : []),
    ...((p[`${side}PortRanges`] as unknown[]) ?? []).map(String),
  ];
}

function ruleView(body: Record<string, unknown>, managedBy?: string): RuleView {
  const p = (body.properties ?? {}) as Record<string, unknown>;
  const description = str(p.description);
  return {
    name: String(body.name ?? ""),
    priority: Number(p.priority),
    direction: String(p.direction ?? ""),
    access: String(p.access ?? ""),
    protocol: String(p.protocol ?? ""),
    source: endpoints(p, "source"),
    sourcePorts: ports(p, "source"),
    destination: endpoints(p, "destination"),
    destinationPorts: ports(p, "destination"),
    ...(description ? { description } : {}),
    ...(managedBy ? { managedByCluster: managedBy } : {}),
  };
}

const ruleOrder = (a: RuleView, b: RuleView) =>
  (a.direction === b.direction ? 0 : a.direction === "Inbound" ? -1 : 1) || a.priority - b.priority;

/** NSG id (lower-cased) → scale sets whose NIC configurations reference it. */
async function nsgScaleSets(ctx: ArmContext): Promise<Map<string, Ref[]>> {
  const out = new Map<string, Ref[]>();
  for (const r of await ctx.tx.listResources({ type: VMSS_TYPE, subscriptionId: ctx.subscriptionId })) {
    const profile = (propsOf(r).virtualMachineProfile ?? {}) as Record<string, unknown>;
    const network = (profile.networkProfile ?? {}) as { networkInterfaceConfigurations?: unknown[] };
    const seen = new Set<string>();
    for (const nic of network.networkInterfaceConfigurations ?? []) {
      const nsg = refIdOf((nic as { properties?: Record<string, unknown> }).properties?.networkSecurityGroup);
      if (!nsg || seen.has(nsg.toLowerCase())) continue;
      seen.add(nsg.toLowerCase());
      out.set(nsg.toLowerCase(), [...(out.get(nsg.toLowerCase()) ?? []), refOf(r.id)]);
    }
  }
  return out;
}

async function nsgViews(ctx: ArmContext): Promise<NsgView[]> {
  const out: NsgView[] = [];
  const scaleSets = await nsgScaleSets(ctx);
  const usersOf = await allNsgUsers(ctx, ctx.subscriptionId);
  const slice = slicer();
  for (const rec of await ctx.tx.listResources({ type: TYPES.nsg, subscriptionId: ctx.subscriptionId })) {
    const rules: ReturnType<typeof ruleView>[] = [];
    for (const r of await ctx.tx.listResources({ type: TYPES.rule, parentId: rec.id })) {
      rules.push(ruleView(r.body, managedByOf(r)));
      await slice();
    }
    rules.sort(ruleOrder);
    const users = usersOf(rec.id);
    out.push({
      ...refOf(rec.id),
      resourceGroup: rgOf(rec),
      location: String(rec.body.location ?? ""),
      subnets: users.subnets.map(refOf),
      networkInterfaces: users.nics.map(refOf),
      scaleSets: scaleSets.get(rec.id.toLowerCase()) ?? [],
      rules,
      defaultRules: defaultSecurityRules(rec).map((r) => ruleView(r)),
    });
  }
  return out;
}

async function prefixViews(
  ctx: ArmContext,
  pips: Map<string, PublicIPView>,
  nodes: NodeNames,
): Promise<PublicIPPrefixView[]> {
  const out: PublicIPPrefixView[] = [];
  for (const rec of await ctx.tx.listResources({ type: TYPES.prefix, subscriptionId: ctx.subscriptionId })) {
    const cidr = prefixCidr(rec);
    const taken = new Map((await ctx.tx.listAllocations(prefixPool(rec.id))).map((r) => [r.item, r.owner]));
    const addresses: PrefixAddressView[] = [];
    // Prefixes are /28 … /31 (IPv6 /124 … /127): at most 16 addresses, all listed.
    for (let a = cidr.network, n = cidrSize(cidr); n > 0n; a++, n--) {
      const ip = formatIp(a, cidr.family);
      const owner = taken.get(ip);
      const pip = owner ? pips.get(owner.toLowerCase()) : undefined;
      let holder = pip?.holder;
      if (owner && !pip) {
        const h = await holderOf(ctx, owner);
        if (h) holder = ownerOf(h, nodes);
      }
      addresses.push({
        ipAddress: ip,
        ...(owner ? { publicIP: refOf(owner) } : {}),
        ...(holder ? { holder } : {}),
      });
    }
    const p = propsOf(rec);
    out.push({
      ...refOf(rec.id),
      resourceGroup: rgOf(rec),
      location: String(rec.body.location ?? ""),
      ipPrefix: formatCidr(cidr),
      prefixLength: Number(p.prefixLength ?? cidr.prefixLength),
      size: addresses.length,
      used: taken.size,
      addresses,
    });
  }
  return out;
}

// ---- load balancers and static egress gateways (issues 12 and 13) ----------------------------

export interface LbFrontendView {
  name: string;
  /** The public IP's address, or the private IP on a subnet. */
  address: string;
  publicIP?: Ref;
  subnet?: Ref;
  /** `<namespace>/<name>` of the Service a frontend `a<uid>` belongs to (public IP tag). */
  service?: string;
}

export interface LbRuleView {
  name: string;
  protocol: string;
  frontend: string;
  frontendPort: number;
  backendPort: number;
  enableFloatingIP: boolean;
  backendPool: string;
  /** `name: Protocol port [path]` of the rule's health probe. */
  probe?: string;
}

export interface LbBackendPoolView {
  name: string;
  /** Nodes whose scale set ip configurations join the pool. */
  nodes: string[];
}

export interface LbOutboundRuleView {
  name: string;
  protocol: string;
  frontends: string[];
  backendPool: string;
  allocatedOutboundPorts?: number;
}

export interface LoadBalancerView extends Ref {
  frontends: LbFrontendView[];
  rules: LbRuleView[];
  backendPools: LbBackendPoolView[];
  outboundRules: LbOutboundRuleView[];
}

export interface EgressGatewayView {
  uid: string;
  /** `<namespace>/<name>` of the StaticGatewayConfiguration (tag `aks-managed-staticgatewayconfiguration`). */
  configuration?: string;
  pool?: string;
  /** The egress prefix: `egressgateway-<uid>` made for it, or the user's (byo). */
  prefix?: Ref & { ipPrefix: string; byo: boolean };
  /** The kubeegressgateway-ilb rule: frontend address and UDP port. */
  ilb?: { rule: string; frontendIP: string; port: number };
  nodes: { node: string; publicIP: Ref; ipAddress: string }[];
  /** `<namespace>/<name>` of the scheduled pods annotated with this configuration. */
  pods: string[];
}

const SERVICE_FRONTEND = /^a[0-9a-f]{31}$/i;
const GATEWAY_ILB = "kubeegressgateway-ilb";
const SGC_TAG = "aks-managed-staticgatewayconfiguration";
const tagsOf = (rec: ResourceRecord | undefined) => (rec?.body.tags ?? {}) as Record<string, unknown>;
const partsOf = (p: Record<string, unknown>, key: string) =>
  (Array.isArray(p[key]) ? p[key] : []) as { name?: string; properties?: Record<string, unknown> }[];

/** Backend pool id (lower-cased) → scale set ids whose ip configurations join it. */
async function backendMembers(ctx: ArmContext, nodeRgId: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const resourceGroup = nodeRgId.split("/").pop();
  for (const r of await ctx.tx.listResources({ type: VMSS_TYPE, subscriptionId: ctx.subscriptionId })) {
    if (rgOf(r).toLowerCase() !== (resourceGroup ?? "").toLowerCase()) continue;
    const profile = (propsOf(r).virtualMachineProfile ?? {}) as Record<string, unknown>;
    const network = (profile.networkProfile ?? {}) as Record<string, unknown>;
    for (const nic of partsOf(network, "networkInterfaceConfigurations"))
      for (const ipc of partsOf(nic.properties ?? {}, "ipConfigurations"))
        for (const pool of (ipc.properties?.loadBalancerBackendAddressPools as unknown[] | undefined) ?? []) {
          const id = refIdOf(pool)?.toLowerCase();
          if (id && !out.get(id)?.includes(r.id.toLowerCase()))
            out.set(id, [...(out.get(id) ?? []), r.id.toLowerCase()]);
        }
  }
  return out;
}

async function loadBalancerViews(
  ctx: ArmContext,
  nodeRgId: string,
  pools: PoolView[],
): Promise<LoadBalancerView[]> {
  const members = await backendMembers(ctx, nodeRgId);
  const nodesOf = (vmssId: string) =>
    pools.find((p) => p.vmss.id.toLowerCase() === vmssId)?.nodes.map((n) => n.name) ?? [];
  const out: LoadBalancerView[] = [];
  const resourceGroup = nodeRgId.split("/").pop();
  for (const rec of await ctx.tx.listResources({ type: TYPES.lb, subscriptionId: ctx.subscriptionId })) {
    if (rgOf(rec).toLowerCase() !== (resourceGroup ?? "").toLowerCase()) continue;
    const p = propsOf(rec);
    const frontends: LbFrontendView[] = [];
    for (const f of partsOf(p, "frontendIPConfigurations")) {
      const fp = f.properties ?? {};
      const pipId = refIdOf(fp.publicIPAddress);
      const subnet = refIdOf(fp.subnet);
      const pip = pipId ? await ctx.tx.getResource(pipId) : undefined;
      const service = SERVICE_FRONTEND.test(f.name ?? "") ? str(tagsOf(pip)["k8s-azure-service"]) : undefined;
      frontends.push({
        name: String(f.name ?? ""),
        address: String((pip ? propsOf(pip).ipAddress : fp.privateIPAddress) ?? ""),
        ...(pipId ? { publicIP: refOf(pipId) } : {}),
        ...(subnet ? { subnet: refOf(subnet) } : {}),
        ...(service ? { service } : {}),
      });
    }
    const probes = new Map(
      partsOf(p, "probes").map((x) => {
        const pp = x.properties ?? {};
        const path = str(pp.requestPath);
        return [String(x.name), `${x.name}: ${pp.protocol} ${pp.port}${path ? ` ${path}` : ""}`];
      }),
    );
    const rules: LbRuleView[] = partsOf(p, "loadBalancingRules").map((r) => {
      const rp = r.properties ?? {};
      const probe = probes.get(nameOf(refIdOf(rp.probe) ?? ""));
      return {
        name: String(r.name ?? ""),
        protocol: String(rp.protocol ?? ""),
        frontend: nameOf(refIdOf(rp.frontendIPConfiguration) ?? ""),
        frontendPort: Number(rp.frontendPort),
        backendPort: Number(rp.backendPort),
        enableFloatingIP: rp.enableFloatingIP === true,
        backendPool: nameOf(refIdOf(rp.backendAddressPool) ?? ""),
        ...(probe ? { probe } : {}),
      };
    });
    const backendPools = partsOf(p, "backendAddressPools").map((b) => ({
      name: String(b.name ?? ""),
      nodes: (members.get(`${rec.id}/backendAddressPools/${b.name}`.toLowerCase()) ?? []).flatMap(nodesOf),
    }));
    const outboundRules = partsOf(p, "outboundRules").map((o) => {
      const op = o.properties ?? {};
      const ports = op.allocatedOutboundPorts;
      return {
        name: String(o.name ?? ""),
        protocol: String(op.protocol ?? ""),
        frontends: ((op.frontendIPConfigurations as unknown[] | undefined) ?? []).map((f) =>
          nameOf(refIdOf(f) ?? ""),
        ),
        backendPool: nameOf(refIdOf(op.backendAddressPool) ?? ""),
        ...(typeof ports === "number" ? { allocatedOutboundPorts: ports } : {}),
      };
    });
    out.push({ ...refOf(rec.id), frontends, rules, backendPools, outboundRules });
  }
  return out;
}

/** Per StaticGatewayConfiguration (one kubeegressgateway-ilb rule each): prefix, node IPs, port. */
async function egressGatewayViews(
  ctx: ArmContext,
  nodeRgId: string,
  lbs: LoadBalancerView[],
  pools: PoolView[],
): Promise<EgressGatewayView[]> {
  const ilb = lbs.find((l) => l.name.toLowerCase() === GATEWAY_ILB);
  if (!ilb) return [];
  const resourceGroup = nodeRgId.split("/").pop();
  const pips = (await ctx.tx.listResources({ type: TYPES.pip, subscriptionId: ctx.subscriptionId })).filter(
    (r) => rgOf(r).toLowerCase() === (resourceGroup ?? "").toLowerCase(),
  );
  const out: EgressGatewayView[] = [];
  for (const rule of ilb.rules) {
    const uid = rule.name;
    const mine = pips.filter((r) => nameOf(r.id).toLowerCase().startsWith(`egressgateway-${uid}-`));
    // Each public IP is held by a gateway node's `egressgateway-<uid>` ip configuration.
    let pool: PoolView | undefined;
    const nodes: EgressGatewayView["nodes"] = [];
    for (const r of mine) {
      const holder = VMSS_IPCONFIG.exec((await holderOf(ctx, r.id)) ?? "");
      const vmssId = holder?.[1].split(/\/virtualmachines\//i)[0].toLowerCase();
      const instanceId = Number(holder?.[1].split("/").pop());
      const pv = pools.find((x) => x.vmss.id.toLowerCase() === vmssId);
      pool ??= pv;
      const node = pv?.nodes.find((n) => n.instanceId === instanceId)?.name ?? nameOf(r.id);
      nodes.push({ node, publicIP: refOf(r.id), ipAddress: String(propsOf(r).ipAddress ?? "") });
    }
    const auto = `${nodeRgId}/providers/Microsoft.Network/publicIPPrefixes/egressgateway-${uid}`;
    const prefixId = mine.map((r) => refIdOf(propsOf(r).publicIPPrefix)).find(Boolean) ?? auto;
    const prefixRec = await ctx.tx.getResource(prefixId);
    const configuration = str(tagsOf(mine[0] ?? prefixRec)[SGC_TAG]);
    out.push({
      uid,
      pods: [], // filled by the caller, which has the cluster's pods
      ...(configuration ? { configuration } : {}),
      ...(pool ? { pool: pool.name } : {}),
      ...(prefixRec
        ? {
            prefix: {
              ...refOf(prefixRec.id),
              ipPrefix: String(propsOf(prefixRec).ipPrefix ?? ""),
              byo: prefixRec.id.toLowerCase() !== auto.toLowerCase(),
            },
          }
        : {}),
      ilb: {
        rule: rule.name,
        frontendIP: ilb.frontends.find((f) => f.name === rule.frontend)?.address ?? "",
        port: rule.frontendPort,
      },
      nodes,
    });
  }
  return out;
}

/** Marks the cluster NSGs' `k8s-azure-lb_*` rules with the Service frontends they open. */
function markServiceRules(nsgs: NsgView[], clusters: ClusterView[]): void {
  const byAddress = new Map<string, { address: string; frontend: string; service?: string }>();
  for (const c of clusters)
    for (const lb of c.loadBalancers)
      for (const f of lb.frontends)
        if (f.address)
          byAddress.set(f.address, {
            address: f.address,
            frontend: `${lb.name}/${f.name}`,
            ...(f.service ? { service: f.service } : {}),
          });
  for (const nsg of nsgs)
    for (const r of nsg.rules) {
      if (!r.name.startsWith("k8s-azure-lb_")) continue;
      const frontends = r.destination.flatMap((d) => {
        const hit = byAddress.get(d.replace(/\/(32|128)$/, ""));
        return hit ? [hit] : [];
      });
      r.serviceRule = { frontends };
    }
}

async function subscriptionView(
  ctx: ArmContext,
  displayName: string,
  nodes: NodeNames,
): Promise<SubscriptionView> {
  const sub = ctx.subscriptionId;
  const resourceGroups = (await ctx.tx.listResources({ type: RESOURCE_GROUP_TYPE, subscriptionId: sub })).map(
    (r) => {
      const managedBy = str(r.body.managedBy);
      return {
        name: String(r.body.name ?? nameOf(r.id)),
        location: String(r.body.location ?? ""),
        ...(managedBy ? { managedBy } : {}),
      };
    },
  );
  const pipList: PublicIPView[] = [];
  const slice = slicer();
  for (const r of await ctx.tx.listResources({ type: TYPES.pip, subscriptionId: sub })) {
    pipList.push(await publicIPView(ctx, r, nodes));
    await slice();
  }
  const pips = new Map(pipList.map((p) => [p.id.toLowerCase(), p]));
  const virtualNetworks = await vnetViews(ctx, nodes);
  const clusters = await clusterViews(ctx);
  const networkSecurityGroups = await nsgViews(ctx);
  markServiceRules(networkSecurityGroups, clusters);
  return {
    subscriptionId: sub,
    displayName,
    resourceGroups,
    virtualNetworks,
    clusters,
    routeTables: await routeTableViews(ctx),
    networkSecurityGroups,
    publicIPPrefixes: await prefixViews(ctx, pips, nodes),
    publicIPAddresses: pipList,
  };
}

/**
 * The whole picture, one subscription after another. `services` only completes the context
 * the provider read helpers take; nothing here writes or queues work.
 */
export async function readTopology(
  tx: Tx,
  settings: EmulatorSettings,
  services: Services,
): Promise<Topology> {
  const nodes = await nodeNames(
    tx,
    settings.subscriptions.map((s) => s.subscriptionId),
  );
  const subscriptions: SubscriptionView[] = [];
  for (const s of settings.subscriptions) {
    const ctx = backgroundContext(tx, settings, services, s.subscriptionId);
    subscriptions.push(await subscriptionView(ctx, s.displayName, nodes));
  }
  const hci = await readHci(tx, settings.subscriptions[0].subscriptionId);
  return { publicIPv4Pool: settings.publicIPv4Pool, subscriptions, hci };
}
