// Microsoft.Network/applicationSecurityGroups: a named group NIC ip configurations join
// and security rules refer to. It has no state of its own beyond tags; it cannot be
// deleted while a NIC or a rule refers to it.
import type { ResourceRecord } from "../../store/types.js";
import { normalizeLocation, readTags } from "../common.js";
import type { ArmContext } from "../context.js";
import { inUseAsgCannotBeDeleted } from "./errors.js";
import {
  checkSameLocation,
  idOfType,
  makeHandler,
  propsOf,
  saveRecord,
  TYPES,
  trackedBody,
} from "./shared.js";

export interface AsgSpec {
  location: string;
  tags?: Record<string, string>;
}

export async function writeAsg(
  ctx: ArmContext,
  id: string,
  spec: AsgSpec,
  existing?: ResourceRecord,
): Promise<ResourceRecord> {
  idOfType(id, TYPES.asg, "id");
  checkSameLocation(existing, spec.location);
  const asgId = existing?.id ?? id;
  return saveRecord(
    ctx,
    { id: asgId, type: TYPES.asg, body: trackedBody(asgId, TYPES.asg, spec.location, spec.tags ?? {}, {}) },
    existing,
  );
}

const refsAsg = (list: unknown, asgId: string) =>
  Array.isArray(list) &&
  list.some((a) => typeof a?.id === "string" && (a.id as string).toLowerCase() === asgId.toLowerCase());

/** NIC ip configurations and security rules that refer to the ASG. */
export async function asgUsers(ctx: ArmContext, rec: ResourceRecord): Promise<string[]> {
  const users: string[] = [];
  for (const nic of await ctx.tx.listResources({ type: TYPES.nic, subscriptionId: rec.subscriptionId })) {
    const cfgs =
      (propsOf(nic).ipConfigurations as {
        id: string;
        properties?: { applicationSecurityGroups?: unknown };
      }[]) ?? [];
    for (const c of cfgs) if (refsAsg(c.properties?.applicationSecurityGroups, rec.id)) users.push(c.id);
  }
  for (const rule of await ctx.tx.listResources({ type: TYPES.rule, subscriptionId: rec.subscriptionId })) {
    const p = propsOf(rule);
    if (
      refsAsg(p.sourceApplicationSecurityGroups, rec.id) ||
      refsAsg(p.destinationApplicationSecurityGroups, rec.id)
    )
      users.push(rule.id);
  }
  return users;
}

export const applicationSecurityGroups = makeHandler({
  type: TYPES.asg,
  tracked: true,
  // After NSGs (400): their rules may refer to the ASG.
  cascadeOrder: 410,
  async putWire(ctx, id, body, existing) {
    return writeAsg(
      ctx,
      id,
      { location: normalizeLocation(ctx, body.location) as string, tags: readTags(body) },
      existing,
    );
  },
  async present(_ctx, rec) {
    return structuredClone(rec.body);
  },
  async remove(ctx, rec) {
    const users = await asgUsers(ctx, rec);
    if (users.length) throw inUseAsgCannotBeDeleted(rec.id, users);
    await ctx.tx.deleteResource(rec.id);
  },
});
