// Microsoft.Network/networkSecurityGroups (+ read-only defaultSecurityRules). Inline
// `securityRules[]` in a PUT is reconciled like a VNet's subnets; Azure's six default rules
// are generated at read time; `subnets[]` and `networkInterfaces[]` are derived from the
// records that reference the NSG, and an NSG in use cannot be deleted.
import type { ResourceRecord } from "../../store/types.js";
import { field, normalizeLocation, propertiesOf, readTags } from "../common.js";
import type { ArmContext } from "../context.js";
import { notFound } from "../errors.js";
import { buildId, type CollectionRef, type ResourceRef } from "../ids.js";
import type { ResourceTypeHandler, Wire } from "../registry.js";
import { slicer } from "../slices.js";
import {
  inUseNsgCannotBeDeleted,
  managedByCluster,
  securityRuleConflict,
  securityRuleCountLimitReached,
} from "./errors.js";
import { NETWORK_LIMITS } from "./limits.js";
import { checkAddressLimits, managedByOf, normalizeRule, removeRule, storeRule } from "./securityRules.js";
import {
  checkSameLocation,
  idOfType,
  makeHandler,
  NETWORK_API_VERSIONS,
  nameOf,
  propsOf,
  readNamedEntries,
  refIdOf,
  saveRecord,
  TYPES,
  trackedBody,
} from "./shared.js";

export interface NsgSpec {
  location: string;
  tags?: Record<string, string>;
  /** Inline rules (wire properties); undefined leaves the existing rules alone. */
  rules?: { name: string; props: Record<string, unknown>; path: string }[];
  /** Whether flows are re-evaluated when rules change (kept; the emulator has no flows). */
  flushConnection?: boolean;
}

const DEFAULT_RULES: [string, string, string, string, string, number, "Inbound" | "Outbound"][] = [
  [
    "AllowVnetInBound",
    "Allow inbound traffic from all VMs in VNET",
    "VirtualNetwork",
    "VirtualNetwork",
    "Allow",
    65000,
    "Inbound",
  ],
  [
    "AllowAzureLoadBalancerInBound",
    "Allow inbound traffic from azure load balancer",
    "AzureLoadBalancer",
    "*",
    "Allow",
    65001,
    "Inbound",
  ],
  ["DenyAllInBound", "Deny all inbound traffic", "*", "*", "Deny", 65500, "Inbound"],
  [
    "AllowVnetOutBound",
    "Allow outbound traffic from all VMs to all VMs in VNET",
    "VirtualNetwork",
    "VirtualNetwork",
    "Allow",
    65000,
    "Outbound",
  ],
  [
    "AllowInternetOutBound",
    "Allow outbound traffic from all VMs to Internet",
    "*",
    "Internet",
    "Allow",
    65001,
    "Outbound",
  ],
  ["DenyAllOutBound", "Deny all outbound traffic", "*", "*", "Deny", 65500, "Outbound"],
];

/** Azure's default rules of an NSG, in Azure's order and shape. */
export function defaultSecurityRules(nsg: ResourceRecord): Wire[] {
  return DEFAULT_RULES.map(([name, description, src, dst, access, priority, direction]) => ({
    name,
    id: `${nsg.id}/defaultSecurityRules/${name}`,
    etag: nsg.etag,
    type: TYPES.defaultRule,
    properties: {
      provisioningState: "Succeeded",
      description,
      protocol: "*",
      sourcePortRange: "*",
      destinationPortRange: "*",
      sourceAddressPrefix: src,
      destinationAddressPrefix: dst,
      access,
      priority,
      direction,
      sourcePortRanges: [],
      destinationPortRanges: [],
      sourceAddressPrefixes: [],
      destinationAddressPrefixes: [],
    },
  }));
}

export async function writeNsg(
  ctx: ArmContext,
  id: string,
  spec: NsgSpec,
  existing?: ResourceRecord,
): Promise<ResourceRecord> {
  idOfType(id, TYPES.nsg, "id");
  checkSameLocation(existing, spec.location);
  const nsgId = existing?.id ?? id;
  const rec = await saveRecord(
    ctx,
    {
      id: nsgId,
      type: TYPES.nsg,
      body: trackedBody(nsgId, TYPES.nsg, spec.location, spec.tags ?? {}, {
        flushConnection: spec.flushConnection ?? false,
      }),
    },
    existing,
  );
  if (!spec.rules) return rec;
  const limit = NETWORK_LIMITS.securityRulesPerNsg;
  if (spec.rules.length > limit) throw securityRuleCountLimitReached(limit, "properties.securityRules");
  const slice = slicer();
  const normalized: { name: string; path: string; wire: Wire }[] = [];
  for (const r of spec.rules) {
    normalized.push({ name: r.name, path: r.path, wire: normalizeRule(r.name, r.props, r.path) });
    await slice();
  }
  // Priorities are unique per direction within the new set (each clash reported once, on the later rule).
  const byPriority = new Map<string, string>();
  for (const r of normalized) {
    const key = `${r.wire.direction}/${r.wire.priority}`;
    const other = byPriority.get(key);
    if (other !== undefined) throw securityRuleConflict(r.name, other, `${r.path}.priority`);
    byPriority.set(key, r.name);
  }
  checkAddressLimits(rec.id, normalized);
  const keep = new Set(normalized.map((r) => r.name.toLowerCase()));
  const current = await ctx.tx.listResources({ type: TYPES.rule, parentId: rec.id });
  const byName = new Map(current.map((k) => [nameOf(k.id).toLowerCase(), k]));
  for (const k of current) {
    if (!keep.has(nameOf(k.id).toLowerCase())) await removeRule(ctx, k);
    await slice();
  }
  for (const r of normalized) {
    await storeRule(ctx, rec, r.name, r.wire, r.path, {
      skipConflictCheck: true,
      existing: byName.get(r.name.toLowerCase()) ?? null,
    });
    await slice();
  }
  return rec;
}

async function referencing(
  ctx: ArmContext,
  type: string,
  subscriptionId: string,
  test: (p: Wire) => boolean,
) {
  return (await ctx.tx.listResources({ type, subscriptionId }))
    .filter((r) => test(propsOf(r)))
    .map((r) => r.id);
}

export async function nsgUsers(ctx: ArmContext, nsg: ResourceRecord) {
  const isMe = (v: unknown) => (refIdOf(v) ?? "").toLowerCase() === nsg.id.toLowerCase();
  return {
    subnets: await referencing(ctx, TYPES.subnet, nsg.subscriptionId, (p) => isMe(p.networkSecurityGroup)),
    nics: await referencing(ctx, TYPES.nic, nsg.subscriptionId, (p) => isMe(p.networkSecurityGroup)),
  };
}

/**
 * Who references each NSG of a subscription, from one pass over its subnets and NICs (a
 * view of every NSG would otherwise read them all once per NSG).
 */
export async function allNsgUsers(
  ctx: ArmContext,
  subscriptionId: string,
): Promise<(nsgId: string) => { subnets: string[]; nics: string[] }> {
  const by = new Map<string, { subnets: string[]; nics: string[] }>();
  const entry = (id: string) => {
    const k = id.toLowerCase();
    let e = by.get(k);
    if (!e) {
      e = { subnets: [], nics: [] };
      by.set(k, e);
    }
    return e;
  };
  for (const [type, list] of [
    [TYPES.subnet, "subnets"],
    [TYPES.nic, "nics"],
  ] as const)
    for (const r of await ctx.tx.listResources({ type, subscriptionId })) {
      const nsg = refIdOf(propsOf(r).networkSecurityGroup);
      if (nsg) entry(nsg)[list].push(r.id);
    }
  return (nsgId) => by.get(nsgId.toLowerCase()) ?? { subnets: [], nics: [] };
}

export async function presentNsg(ctx: ArmContext, rec: ResourceRecord): Promise<Wire> {
  const body = structuredClone(rec.body);
  const props = body.properties as Wire;
  const rules = await ctx.tx.listResources({ type: TYPES.rule, parentId: rec.id });
  props.securityRules = rules.map((r) => structuredClone(r.body));
  props.defaultSecurityRules = defaultSecurityRules(rec);
  const users = await nsgUsers(ctx, rec);
  if (users.subnets.length) props.subnets = users.subnets.map((id) => ({ id }));
  if (users.nics.length) props.networkInterfaces = users.nics.map((id) => ({ id }));
  return body;
}

export async function removeNsg(
  ctx: ArmContext,
  rec: ResourceRecord,
  cascade: boolean,
  byCluster?: string,
): Promise<void> {
  const users = await nsgUsers(ctx, rec);
  const all = [...users.subnets, ...users.nics];
  if (all.length) throw inUseNsgCannotBeDeleted(rec.id, all);
  for (const k of await ctx.tx.listResources({ type: TYPES.rule, parentId: rec.id })) {
    // A cluster's rules go with the NSG only when the whole group is being removed.
    const owner = managedByOf(k);
    if (owner && !cascade && owner.toLowerCase() !== (byCluster ?? "").toLowerCase())
      throw managedByCluster("SecurityRule", nameOf(k.id), rec.id, owner);
    await ctx.tx.deleteResource(k.id);
  }
  await ctx.tx.deleteResource(rec.id);
}

export function nsgSpecFromWire(ctx: ArmContext, body: Record<string, unknown>): NsgSpec {
  const props = propertiesOf(body);
  return {
    location: normalizeLocation(ctx, body.location) as string,
    tags: readTags(body),
    rules: readNamedEntries(props, "securityRules", "properties.securityRules") ?? [],
    flushConnection: field.bool(props, "flushConnection", "properties.flushConnection"),
  };
}

export const networkSecurityGroups = makeHandler({
  type: TYPES.nsg,
  tracked: true,
  cascadeOrder: 400,
  async putWire(ctx, id, body, existing) {
    return writeNsg(ctx, id, nsgSpecFromWire(ctx, body), existing);
  },
  present: presentNsg,
  remove: removeNsg,
});

async function nsgOf(
  ctx: ArmContext,
  ref: { subscriptionId: string; resourceGroup?: string; namespace: string; names: string[] },
) {
  const id = buildId({ ...ref, types: ["networkSecurityGroups"], names: [ref.names[0]] } as ResourceRef);
  const rec = await ctx.tx.getResource(id);
  if (!rec) throw notFound(`Resource '${id}' of type '${TYPES.nsg}' was not found.`);
  return rec;
}

/** Read-only `…/defaultSecurityRules[/{name}]`. */
export const defaultSecurityRulesHandler: ResourceTypeHandler = {
  type: TYPES.defaultRule,
  apiVersions: NETWORK_API_VERSIONS,
  scope: "resourceGroup",
  async get(ctx, ref) {
    const nsg = await nsgOf(ctx, ref);
    const name = ref.names[ref.names.length - 1].toLowerCase();
    const hit = defaultSecurityRules(nsg).find((r) => String(r.name).toLowerCase() === name);
    if (!hit)
      throw notFound(
        `Default security rule '${ref.names[ref.names.length - 1]}' was not found in ${nsg.id}.`,
      );
    return hit;
  },
  async list(ctx, coll: CollectionRef) {
    return defaultSecurityRules(await nsgOf(ctx, coll));
  },
};
