// Node lifecycle: one Node per scale-set instance of every pool (from the ARM records, see
// arm.ts), created, relabelled and removed as pools are created, scaled, updated and deleted;
// then the pod garbage collector's rule: pods bound to a Node that is gone are deleted, and
// their controllers replace them.
import type { Lease } from "kubernetes-types/coordination/v1.js";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { HCI_NODE_NAME } from "../workloads/hciNodes.js";
import {
  NODE_LEASE_NS,
  NODE_LEASE_RENEW_MS,
  nodeLeases,
  reconcileNodeObjects,
  reconcileNodes,
  unschedulableTaints,
} from "../workloads/nodes.js";
import { armNodes } from "./arm.js";
import type { ControllerContext } from "./context.js";
import { nodeLeaseKey } from "./nodeLeases.js";
import { clusterSource, hciNodes } from "./source.js";

export async function syncNodes(ctx: ControllerContext, cluster: string): Promise<boolean> {
  const now = ctx.now();
  const found = await ctx.store.read(async (tx) => {
    const c = await clusterSource(tx, cluster);
    if (c?.platform === "aks") return { aks: (await armNodes(tx, c.arm, now)).sources };
    if (c?.platform === "hci") return { hci: hciNodes(c.hci, now) };
    return undefined;
  });
  if (!found) return false;
  await ctx.api.ensureCluster(cluster);
  const observed = await ctx.list<Node>(cluster, "core/nodes");
  await ctx.apply(
    cluster,
    found.aks
      ? reconcileNodes(found.aks, observed)
      : reconcileNodeObjects(found.hci, observed, HCI_NODE_NAME),
  );
  const live = new Set(
    found.aks
      ? found.aks.map((s) => s.instance.computerName.toLowerCase())
      : found.hci.map((n) => n.metadata?.name ?? ""),
  );
  const orphans = (await ctx.list<Pod>(cluster, "core/pods")).filter(
    (p) => p.spec?.nodeName && !live.has(p.spec.nodeName),
  );
  await ctx.apply(
    cluster,
    orphans.map((p) => ({
      op: "delete" as const,
      resource: "core/pods" as const,
      namespace: p.metadata?.namespace ?? "default",
      name: p.metadata?.name ?? "",
      // PodGC force-deletes: no kubelet is left to stop the pod gracefully.
      gracePeriodSeconds: 0,
    })),
  );
  return true;
}

/** The node lifecycle controller's part that follows the Nodes themselves: cordon taints; and the kubelets' node Leases. */
export async function syncNodeLifecycle(ctx: ControllerContext, cluster: string): Promise<void> {
  const nodes = await ctx.list<Node>(cluster, "core/nodes");
  await ctx.apply(cluster, unschedulableTaints(nodes, ctx.now()));
  const leases = await ctx.list<Lease>(cluster, "coordination.k8s.io/leases", NODE_LEASE_NS);
  await ctx.apply(cluster, nodeLeases(nodes, leases, ctx.now()));
  // The heartbeat runs while there are Nodes (renewNodeLeases re-arms itself).
  if (nodes.length) ctx.ensureLater(nodeLeaseKey(cluster), NODE_LEASE_RENEW_MS);
}
