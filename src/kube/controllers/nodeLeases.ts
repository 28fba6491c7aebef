// The kubelets' node lease heartbeat: every NODE_LEASE_RENEW_MS (10 s) each live Node's Lease in
// kube-node-lease gets renewTime now. Cheap by construction: one pass per cluster (not a timer
// per node), every renewal in one transaction, armed on ControllerContext.later — an unref'd
// in-process timer, not a store work item, so an idle emulator wakes only for the lease writes
// themselves, which queue no controller. The chain ends when the cluster is gone (the manager
// skips its keys) or has no Node; node-lifecycle starts it again when Nodes come.
import type { Lease } from "kubernetes-types/coordination/v1.js";
import type { Node } from "kubernetes-types/core/v1.js";
import { NODE_LEASE_NS, NODE_LEASE_RENEW_MS, renewedLeases } from "../workloads/nodes.js";
import { type ControllerContext, KUBELET_W } from "./context.js";

export const nodeLeaseKey = (cluster: string): string => `node-leases|${cluster}`;

export async function renewNodeLeases(ctx: ControllerContext, cluster: string): Promise<void> {
  const nodes = await ctx.list<Node>(cluster, "core/nodes");
  if (!nodes.length) return;
  try {
    const leases = await ctx.list<Lease>(cluster, "coordination.k8s.io/leases", NODE_LEASE_NS);
    const renewed = renewedLeases(nodes, leases, Date.now());
    if (!renewed.length) return;
    const t = await ctx.type(cluster, "coordination.k8s.io/leases");
    // A lease deleted or rewritten meanwhile (a KubeError) is the next pass's.
    await ctx.batch(cluster, async (w) => {
      for (const l of renewed)
        await w.attempt(() =>
          ctx.api.updateTx(w.tx, cluster, t, NODE_LEASE_NS, l.metadata?.name ?? "", l, KUBELET_W),
        );
    });
  } finally {
    ctx.later(nodeLeaseKey(cluster), NODE_LEASE_RENEW_MS);
  }
}
