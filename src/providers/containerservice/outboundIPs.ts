// loadBalancerProfile.outboundIPs: public IPs the user brings as the cluster's outbound SNAT
// addresses. They must exist in the cluster's subscription and region, be Standard and Static,
// and appear once each; the reconciler (nodeResourceGroup.ts) makes them the `kubernetes` LB's
// outbound frontends, which also keeps them from being deleted while the cluster uses them.
import type { ArmContext } from "../context.js";
import { isIdOfType } from "../ids.js";
import { NETWORK_TYPES } from "../network/internal.js";
import { invalidOutboundIP } from "./errors.js";
import type { ClusterInternal, ClusterSpec } from "./model.js";

const NOT_EXIST = "LoadBalancerProfileOutboundIPNotExist";

/** `others`: the subscription's other clusters, whose outbound IPs these cannot also be. */
export async function checkOutboundIPs(
  ctx: ArmContext,
  spec: ClusterSpec,
  others: { id: string; internal: ClusterInternal }[],
): Promise<void> {
  const ids = spec.network.outboundType === "loadBalancer" ? (spec.network.outboundIPs ?? []) : [];
  if (!ids.length) return;
  const usedBy = new Map<string, string>();
  for (const o of others)
    if (o.internal.spec.network.outboundType === "loadBalancer")
      for (const id of o.internal.spec.network.outboundIPs ?? []) usedBy.set(id.toLowerCase(), o.id);
  const seen = new Set<string>();
  for (const [i, id] of ids.entries()) {
    if (!isIdOfType(id, NETWORK_TYPES.pip))
      throw invalidOutboundIP(i, `${NOT_EXIST}: '${id}' is not a public IP address resource id.`);
    const sub = id.split("/")[2] ?? "";
    if (sub.toLowerCase() !== ctx.subscriptionId.toLowerCase())
      throw invalidOutboundIP(
        i,
        `${NOT_EXIST}: public IP ${id} is in subscription ${sub}, not the cluster's subscription ${ctx.subscriptionId}.`,
      );
    if (seen.has(id.toLowerCase())) throw invalidOutboundIP(i, `public IP ${id} is listed more than once.`);
    seen.add(id.toLowerCase());
    const other = usedBy.get(id.toLowerCase());
    if (other) throw invalidOutboundIP(i, `public IP ${id} is already an outbound IP of cluster ${other}.`);
    const pip = await ctx.tx.getResource(id);
    if (!pip) throw invalidOutboundIP(i, `${NOT_EXIST}: public IP ${id} was not found.`);
    const body = pip.body as {
      location?: string;
      sku?: { name?: string };
      properties?: Record<string, unknown>;
    };
    if ((body.sku?.name ?? "Standard") !== "Standard")
      throw invalidOutboundIP(
        i,
        `public IP ${id} has sku '${body.sku?.name}'; outbound IPs must be Standard.`,
      );
    if ((body.properties?.publicIPAllocationMethod ?? "Static") !== "Static")
      throw invalidOutboundIP(i, `public IP ${id} is not Static; outbound IPs must be Static.`);
    if (String(body.location ?? "").toLowerCase() !== spec.location.toLowerCase())
      throw invalidOutboundIP(
        i,
        `public IP ${id} is in location '${body.location}', not the cluster's location '${spec.location}'.`,
      );
  }
}
