// Allowed host ports and application security groups (seed 003). When a pool lists allowed
// host ports, AKS creates a managed ASG for the pool in the node resource group, the pool's
// NICs join it (and any custom ASGs), and the cluster NSG gets one inbound allow rule per
// distinct range/protocol with that ASG as destination. The rules belong to the cluster
// (`managedBy`), so the Network API refuses to change them, and every reconcile replaces
// the pool's rule set: stale rules go first, so freed priorities are reused.
//
// Names: `aks-hostport-<pool>-<tcp|udp>-<start>[-<end>]`. Priorities: an existing rule keeps
// its own; a new one takes the lowest inbound priority ≥ HOST_PORT_RULE_PRIORITY_BASE that no
// rule of the NSG uses, so they never collide with user rules or LoadBalancer-service rules
// (cloud-provider-azure takes lowest free ≥ 500 the same way).
import type { PortRange } from "../../net/index.js";
import type { ArmContext } from "../context.js";
import {
  deleteNetworkResource,
  deleteSecurityRule,
  putApplicationSecurityGroup,
  putSecurityRule,
} from "../network/internal.js";
import { distinctPorts, type PoolNetworkSpec } from "./poolNetworkSpec.js";

export const HOST_PORT_RULE_PRIORITY_BASE = 200;
const RULE_TYPE = "Microsoft.Network/networkSecurityGroups/securityRules";

export function managedAsgId(nodeRgId: string, pool: string, hash: string): string {
  return `${nodeRgId}/providers/Microsoft.Network/applicationSecurityGroups/aks-${pool}-${hash}-asg`;
}

const rulePrefix = (pool: string) => `aks-hostport-${pool.toLowerCase()}-`;

export function hostPortRuleName(pool: string, r: PortRange): string {
  const ports = r.portStart === r.portEnd ? `${r.portStart}` : `${r.portStart}-${r.portEnd}`;
  return `${rulePrefix(pool)}${r.protocol.toLowerCase()}-${ports}`;
}

/** The ASGs the pool's NICs join: the managed one when ports are allowed, then the custom ones. */
export function poolAsgIds(nodeRgId: string, pool: string, hash: string, spec: PoolNetworkSpec): string[] {
  return [
    ...(spec.allowedHostPorts.length ? [managedAsgId(nodeRgId, pool, hash)] : []),
    ...spec.applicationSecurityGroups,
  ];
}

export interface HostPortContext {
  clusterId: string;
  nsgId: string;
  nodeRgId: string;
  location: string;
  tags: Record<string, string>;
  pool: string;
  hash: string;
}

/** This cluster's host-port rules of `pool` in the NSG: name → priority. */
async function poolRules(ctx: ArmContext, c: HostPortContext): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const r of await ctx.tx.listResources({ type: RULE_TYPE, parentId: c.nsgId })) {
    const name = String(r.body.name);
    if (!name.toLowerCase().startsWith(rulePrefix(c.pool))) continue;
    if (String(r.internal?.managedBy ?? "").toLowerCase() !== c.clusterId.toLowerCase()) continue;
    out.set(name, Number((r.body.properties as { priority?: number }).priority));
  }
  return out;
}

async function inboundPriorities(ctx: ArmContext, nsgId: string): Promise<Set<number>> {
  const taken = new Set<number>();
  for (const r of await ctx.tx.listResources({ type: RULE_TYPE, parentId: nsgId })) {
    const p = r.body.properties as { priority?: number; direction?: string };
    if (p.direction === "Inbound" && typeof p.priority === "number") taken.add(p.priority);
  }
  return taken;
}

/** Makes the NSG rules and the managed ASG match the pool's allowed host ports. */
export async function reconcileHostPorts(
  ctx: ArmContext,
  c: HostPortContext,
  spec: PoolNetworkSpec,
): Promise<void> {
  const ports = distinctPorts(spec.allowedHostPorts);
  const asgId = managedAsgId(c.nodeRgId, c.pool, c.hash);
  if (ports.length && !(await ctx.tx.getResource(asgId)))
    await putApplicationSecurityGroup(ctx, asgId, {
      location: c.location,
      tags: { ...c.tags, "aks-managed-poolName": c.pool },
    });
  const wanted = new Map(ports.map((r) => [hostPortRuleName(c.pool, r).toLowerCase(), r]));
  const existing = await poolRules(ctx, c);
  const kept = new Map<string, number>();
  for (const [name, priority] of existing) {
    if (wanted.has(name.toLowerCase())) kept.set(name.toLowerCase(), priority);
    else await deleteSecurityRule(ctx, c.nsgId, name);
  }
  const taken = await inboundPriorities(ctx, c.nsgId);
  let next = HOST_PORT_RULE_PRIORITY_BASE;
  for (const r of ports) {
    const name = hostPortRuleName(c.pool, r);
    let priority = kept.get(name.toLowerCase());
    if (priority === undefined) {
      while (taken.has(next)) next++;
      if (next > 4096) throw new Error("no free NSG priority for host-port rules");
      priority = next;
      taken.add(next);
    }
    await putSecurityRule(
      ctx,
      c.nsgId,
      name,
      {
        description: `Allowed host ports of agent pool '${c.pool}' (AKS managed).`,
        protocol: r.protocol === "TCP" ? "Tcp" : "Udp",
        sourcePortRange: "*",
        destinationPortRange: r.portStart === r.portEnd ? `${r.portStart}` : `${r.portStart}-${r.portEnd}`,
        sourceAddressPrefix: "*",
        destinationApplicationSecurityGroups: [{ id: asgId }],
        access: "Allow",
        priority,
        direction: "Inbound",
      },
      { managedBy: c.clusterId },
    );
  }
  if (!ports.length && (await ctx.tx.getResource(asgId))) await deleteNetworkResource(ctx, asgId);
}

/** Removes the pool's rules and managed ASG (pool or cluster delete). */
export async function releaseHostPorts(ctx: ArmContext, c: HostPortContext): Promise<void> {
  if (await ctx.tx.getResource(c.nsgId))
    for (const name of (await poolRules(ctx, c)).keys()) await deleteSecurityRule(ctx, c.nsgId, name);
  const asgId = managedAsgId(c.nodeRgId, c.pool, c.hash);
  if (await ctx.tx.getResource(asgId)) await deleteNetworkResource(ctx, asgId);
}
