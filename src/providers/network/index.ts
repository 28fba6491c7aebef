// Every Microsoft.Network handler, for the registry (src/providers/index.ts).

import { asObject, field, requireResourceGroup } from "../common.js";
import type { ArmContext } from "../context.js";
import { resourceNotFound } from "../errors.js";
import { buildId, type ResourceRef } from "../ids.js";
import type { ActionOutcome, ResourceTypeHandler, Wire } from "../registry.js";
import { applicationSecurityGroups } from "./applicationSecurityGroups.js";
import { effectiveNetworkSecurityGroups, effectiveRouteTable, nicAnswer, nicViewOf } from "./effective.js";
import { missingProperty } from "./errors.js";
import { loadBalancers } from "./loadBalancers.js";
import { natGateways } from "./natGateways.js";
import { networkInterfaces } from "./networkInterfaces.js";
import { defaultSecurityRulesHandler, networkSecurityGroups } from "./networkSecurityGroups.js";
import { publicIPAddresses } from "./publicIPAddresses.js";
import { publicIPPrefixes } from "./publicIPPrefixes.js";
import { routes } from "./routes.js";
import { routeTables } from "./routeTables.js";
import { securityRules } from "./securityRules.js";
import { networkKindOf, propsOf, TYPES } from "./shared.js";
import { subnets } from "./subnets.js";
import { subResourceHandlers } from "./subResources.js";
import { virtualNetworks } from "./virtualNetworks.js";

async function requireNic(ctx: ArmContext, ref: ResourceRef) {
  await requireResourceGroup(ctx, ref);
  const rec = await ctx.tx.getResource(buildId(ref));
  if (!rec) throw resourceNotFound(TYPES.nic, ref.names[0], ref.resourceGroup);
  return rec;
}

networkInterfaces.actions = {
  async effectiveroutetable(ctx, ref) {
    const rec = await requireNic(ctx, ref);
    return nicAnswer(ctx, nicViewOf(rec), String(rec.body.location), effectiveRouteTable);
  },
  async effectivenetworksecuritygroups(ctx, ref) {
    const rec = await requireNic(ctx, ref);
    return nicAnswer(ctx, nicViewOf(rec), String(rec.body.location), (c, n) =>
      effectiveNetworkSecurityGroups(c, n),
    );
  },
};

/** Load balancers whose backend pools hold any of the given ip configurations' pool references. */
export async function loadBalancersOfPools(ctx: ArmContext, poolIds: readonly string[]): Promise<Wire[]> {
  const wanted = new Set(poolIds.map((p) => p.toLowerCase().replace(/\/backendaddresspools\/[^/]+$/, "")));
  const out: Wire[] = [];
  const kind = networkKindOf(TYPES.lb);
  for (const lb of await ctx.tx.listResources({ type: TYPES.lb, subscriptionId: ctx.subscriptionId }))
    if (wanted.has(lb.id.toLowerCase()) && kind) out.push(await kind.present(ctx, lb));
  return out;
}

/**
 * `POST …/subnets/{s}/PrepareNetworkPolicies` and `…/UnprepareNetworkPolicies` (what SQL Managed
 * Instance's deployment calls): the subnet must exist and the body must name `serviceName`; the
 * emulator keeps no network intent policies, so a valid request changes nothing and answers 200.
 */
async function networkPolicies(ctx: ArmContext, ref: ResourceRef, body: unknown): Promise<ActionOutcome> {
  await requireResourceGroup(ctx, ref);
  const rec = await ctx.tx.getResource(buildId(ref));
  if (!rec) throw resourceNotFound(TYPES.subnet, `${ref.names[0]}/${ref.names[1]}`, ref.resourceGroup);
  const o = asObject(body);
  const service = field.string(o, "serviceName", "serviceName");
  if (!service?.trim()) throw missingProperty("serviceName", "the property");
  return { status: 200 };
}

subnets.actions = {
  preparenetworkpolicies: networkPolicies,
  unpreparenetworkpolicies: networkPolicies,
};

networkInterfaces.readActions = {
  /** `GET …/networkInterfaces/{nic}/loadBalancers`. */
  async loadbalancers(ctx, ref) {
    const rec = await requireNic(ctx, ref);
    const pools: string[] = [];
    for (const c of (propsOf(rec).ipConfigurations as Wire[] | undefined) ?? [])
      for (const p of ((c.properties as Wire | undefined)?.loadBalancerBackendAddressPools as Wire[]) ?? [])
        if (typeof p.id === "string") pools.push(p.id);
    return { value: await loadBalancersOfPools(ctx, pools) };
  },
};

export const networkHandlers: ResourceTypeHandler[] = [
  virtualNetworks,
  subnets,
  publicIPPrefixes,
  publicIPAddresses,
  networkSecurityGroups,
  securityRules,
  defaultSecurityRulesHandler,
  applicationSecurityGroups,
  routeTables,
  routes,
  networkInterfaces,
  loadBalancers,
  natGateways,
  ...subResourceHandlers,
];
