// Network Watcher-style answers for a NIC: `effectiveRouteTable` and
// `effectiveNetworkSecurityGroups` (POST, long-running with final-state-via location). Both are
// computed from what the store holds, with the evaluation `aksnet trace` uses: the subnet's
// context (VNet spaces, peerings, the route table's routes — also what the VirtualNetwork tag
// stands for) is read once here, rules are read as their GET shows them, and net/ does the
// math (net/routes.ts for routes, net/path.ts for tag expansion and rule evaluation).
import {
  type AddressContext,
  type EffectiveRoute,
  type EffectiveSecurityRule,
  effectiveRoutes,
  effectiveSecurityRules,
  type NsgInput,
  type SecurityRuleSpec,
  type TaggedPrefix,
  type UserRoute,
} from "../../net/index.js";
import type { ResourceRecord } from "../../store/types.js";
import type { ArmContext } from "../context.js";
import { completedActionOperation } from "../operations.js";
import type { ActionOutcome, Wire } from "../registry.js";
import { defaultSecurityRules } from "./networkSecurityGroups.js";
import { NS, nameOf, propsOf, refIdOf, TYPES } from "./shared.js";

/** What a subnet's NICs see: VNet spaces, peered spaces, the route table, the subnet NSG. */
export interface SubnetContext {
  subnetId: string;
  vnetId?: string;
  vnetPrefixes: string[];
  peeredPrefixes: string[];
  routeTable?: { id: string; disableBgpRoutePropagation: boolean; routes: UserRoute[] };
  nsgId?: string;
  /** What the VirtualNetwork tag stands for here (with where each entry comes from). */
  virtualNetwork: TaggedPrefix[];
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

/** The subnet's context, read once; a subnet that does not exist has an empty one. */
export async function subnetContext(ctx: ArmContext, subnetId: string): Promise<SubnetContext> {
  const rec = await ctx.tx.getResource(subnetId);
  const out: SubnetContext = { subnetId, vnetPrefixes: [], peeredPrefixes: [], virtualNetwork: [] };
  if (!rec || rec.type.toLowerCase() !== TYPES.subnet.toLowerCase()) return out;
  out.subnetId = rec.id;
  const props = propsOf(rec);
  const vnet = rec.parentId ? await ctx.tx.getResource(rec.parentId) : undefined;
  if (vnet) {
    out.vnetId = vnet.id;
    const vp = propsOf(vnet);
    out.vnetPrefixes = strings((vp.addressSpace as Wire | undefined)?.addressPrefixes);
    for (const p of out.vnetPrefixes)
      out.virtualNetwork.push({ prefix: p, origin: `address space of ${nameOf(vnet.id)}` });
    for (const peering of (vp.virtualNetworkPeerings as Wire[] | undefined) ?? []) {
      const pp = (peering.properties ?? {}) as Wire;
      const remote = strings((pp.remoteAddressSpace as Wire | undefined)?.addressPrefixes);
      out.peeredPrefixes.push(...remote);
      for (const p of remote)
        out.virtualNetwork.push({ prefix: p, origin: `peering ${String(peering.name ?? "")}` });
    }
  }
  const rtId = refIdOf(props.routeTable);
  const rt = rtId ? await ctx.tx.getResource(rtId) : undefined;
  if (rt) {
    const routes: UserRoute[] = [];
    for (const r of await ctx.tx.listResources({ type: TYPES.route, parentId: rt.id })) {
      const rp = propsOf(r);
      if (typeof rp.addressPrefix !== "string" || typeof rp.nextHopType !== "string") continue;
      routes.push({
        name: nameOf(r.id),
        addressPrefix: rp.addressPrefix,
        nextHopType: rp.nextHopType,
        ...(typeof rp.nextHopIpAddress === "string" ? { nextHopIpAddress: rp.nextHopIpAddress } : {}),
      });
      out.virtualNetwork.push({
        prefix: rp.addressPrefix,
        origin: `route ${nameOf(r.id)} of ${nameOf(rt.id)}`,
      });
    }
    out.routeTable = {
      id: rt.id,
      disableBgpRoutePropagation: propsOf(rt).disableBgpRoutePropagation === true,
      routes,
    };
  }
  const nsgId = refIdOf(props.networkSecurityGroup);
  if (nsgId) out.nsgId = nsgId;
  return out;
}

/** A rule's wire properties (as the Network API shows them) → the evaluator's shape. */
export function ruleFromWire(name: string, p: Wire, isDefault = false): SecurityRuleSpec {
  const one = (k: string) => (typeof p[k] === "string" ? [p[k] as string] : []);
  const both = (single: string, plural: string) => [...one(single), ...strings(p[plural])];
  const asgs = (k: string) =>
    Array.isArray(p[k])
      ? (p[k] as unknown[]).map(refIdOf).filter((x): x is string => typeof x === "string")
      : [];
  return {
    name,
    priority: Number(p.priority),
    direction: p.direction === "Outbound" ? "Outbound" : "Inbound",
    access: p.access === "Allow" ? "Allow" : "Deny",
    protocol: String(p.protocol ?? "*"),
    sourcePorts: both("sourcePortRange", "sourcePortRanges"),
    destinationPorts: both("destinationPortRange", "destinationPortRanges"),
    sourcePrefixes: both("sourceAddressPrefix", "sourceAddressPrefixes"),
    destinationPrefixes: both("destinationAddressPrefix", "destinationAddressPrefixes"),
    sourceAsgIds: asgs("sourceApplicationSecurityGroups"),
    destinationAsgIds: asgs("destinationApplicationSecurityGroups"),
    ...(isDefault ? { isDefault } : {}),
  };
}

/** An NSG's own rules and its default rules, exactly as its GET shows them. */
export async function nsgInput(ctx: ArmContext, nsgId: string): Promise<NsgInput | undefined> {
  const rec = await ctx.tx.getResource(nsgId);
  if (!rec || rec.type.toLowerCase() !== TYPES.nsg.toLowerCase()) return undefined;
  const own = (await ctx.tx.listResources({ type: TYPES.rule, parentId: rec.id })).map((r) =>
    ruleFromWire(nameOf(r.id), propsOf(r)),
  );
  const defaults = defaultSecurityRules(rec).map((w) =>
    ruleFromWire(String(w.name), (w.properties ?? {}) as Wire, true),
  );
  return { id: rec.id, name: nameOf(rec.id), rules: [...own, ...defaults] };
}

/** The NIC as these answers need it, whichever resource holds it (a NIC or a scale set instance). */
export interface NicView {
  nicId: string;
  /** The primary ip configuration's subnet. */
  subnetId: string;
  nsgId?: string;
}

/** A Microsoft.Network NIC record → its view (primary ip configuration's subnet, its NSG). */
export function nicViewOf(rec: ResourceRecord): NicView {
  const props = propsOf(rec);
  const configs = (props.ipConfigurations as Wire[] | undefined) ?? [];
  const primary =
    configs.find((c) => (c.properties as Wire | undefined)?.primary === true) ??
    (configs[0] as Wire | undefined);
  const subnetId = refIdOf((primary?.properties as Wire | undefined)?.subnet) ?? "";
  const nsgId = refIdOf(props.networkSecurityGroup);
  return { nicId: rec.id, subnetId, ...(nsgId ? { nsgId } : {}) };
}

/** `effectiveRouteTable`'s answer. */
export async function effectiveRouteTable(ctx: ArmContext, nic: NicView): Promise<{ value: Wire[] }> {
  const sc = await subnetContext(ctx, nic.subnetId);
  const routes = effectiveRoutes({
    vnetPrefixes: sc.vnetPrefixes,
    peeredPrefixes: sc.peeredPrefixes,
    userRoutes: sc.routeTable?.routes ?? [],
    disableBgpRoutePropagation: sc.routeTable?.disableBgpRoutePropagation ?? false,
  });
  return { value: routes.map((r: EffectiveRoute) => ({ ...r }) as Wire) };
}

/** Addresses of every NIC ip configuration in an ASG (what an ASG side of a rule expands to). */
async function asgMembers(ctx: ArmContext, subscriptionId: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const nic of await ctx.tx.listResources({ type: TYPES.nic, subscriptionId })) {
    for (const c of (propsOf(nic).ipConfigurations as Wire[] | undefined) ?? []) {
      const cp = (c.properties ?? {}) as Wire;
      if (typeof cp.privateIPAddress !== "string") continue;
      for (const a of (cp.applicationSecurityGroups as Wire[] | undefined) ?? []) {
        const id = refIdOf(a)?.toLowerCase();
        if (!id) continue;
        const list = out.get(id) ?? [];
        list.push(cp.privateIPAddress);
        out.set(id, list);
      }
    }
  }
  return out;
}

/** `effectiveNetworkSecurityGroups`' answer: the subnet's NSG, then the NIC's, each expanded. */
export async function effectiveNetworkSecurityGroups(
  ctx: ArmContext,
  nic: NicView,
  extraAsgMembers?: Map<string, string[]>,
): Promise<{ value: Wire[] }> {
  const sc = await subnetContext(ctx, nic.subnetId);
  const addressCtx: AddressContext = { virtualNetwork: sc.virtualNetwork };
  const members = await asgMembers(ctx, ctx.subscriptionId);
  for (const [k, v] of extraAsgMembers ?? []) members.set(k, [...(members.get(k) ?? []), ...v]);
  const value: Wire[] = [];
  const levels: [string | undefined, Wire][] = [
    [sc.nsgId, { subnet: { id: sc.subnetId } }],
    [nic.nsgId, { networkInterface: { id: nic.nicId } }],
  ];
  for (const [nsgId, association] of levels) {
    if (!nsgId) continue;
    const nsg = await nsgInput(ctx, nsgId);
    if (!nsg) continue;
    const { rules, tagMap } = effectiveSecurityRules(nsg.rules, addressCtx, (id) => members.get(id) ?? []);
    value.push({
      networkSecurityGroup: { id: nsg.id },
      association,
      effectiveSecurityRules: rules.map((r: EffectiveSecurityRule) => ({ ...r }) as Wire),
      tagMap,
    });
  }
  return { value };
}

/**
 * A Network Watcher-style answer as Azure gives it: 202 with Location, the answer on the result
 * URL (final-state-via location). It is computed now, inside this request's read of the store.
 */
export async function nicAnswer(
  ctx: ArmContext,
  nic: NicView,
  location: string,
  compute: (ctx: ArmContext, nic: NicView) => Promise<unknown>,
): Promise<ActionOutcome> {
  const body = await compute(ctx, nic);
  const operation = await completedActionOperation(ctx, { namespace: NS, location, target: nic.nicId }, body);
  return { status: 202, operation };
}
