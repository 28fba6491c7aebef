// Read side of public IP associations for holders that are not Network resources: the ip
// configurations of scale set instances. Microsoft.Network serves their public IPs under
// Microsoft.Compute paths (`…/virtualMachineScaleSets/{vmss}/publicipaddresses`, see
// compute/scaleSetPublicIPs.ts); this answers "which public IP does this holder hold".
import type { ArmContext } from "../context.js";
import type { Wire } from "../registry.js";
import { presentPublicIPAddress } from "./publicIPAddresses.js";
import { attachPool } from "./shared.js";

/** Public IPs (presented wire bodies) attached to `holderId`, in id order. */
export async function publicIPsHeldBy(ctx: ArmContext, holderId: string): Promise<Wire[]> {
  const out: Wire[] = [];
  for (const row of await ctx.tx.listAllocationsByOwner(holderId)) {
    if (!row.pool.startsWith("pipattach:")) continue;
    const pipId = row.pool.slice("pipattach:".length);
    if (attachPool(pipId) !== row.pool) continue;
    const rec = await ctx.tx.getResource(pipId);
    if (rec) out.push(await presentPublicIPAddress(ctx, rec));
  }
  return out.sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

/** Private addresses `holderId` holds in any subnet (the ip configuration's privateIPAddress). */
export async function subnetAddressesHeldBy(
  ctx: ArmContext,
  holderId: string,
): Promise<{ subnetId: string; address: string }[]> {
  return (await ctx.tx.listAllocationsByOwner(holderId))
    .filter((r) => r.pool.startsWith("subnet:"))
    .map((r) => ({ subnetId: r.pool.slice("subnet:".length), address: r.item }));
}
