// The simulated kubelet + CNI of every node: advances bound pods one stage per run
// (Scheduled → ContainerCreating → Running, Completed for run-to-completion pods; events as
// `kubectl describe pod` shows them). The pod address is allocated in the store (pool
// `kube/<cluster>/podips`, one row per address, owner = the pod) before the status names it,
// so an address is never handed out twice; rows of pods that are gone or finished are
// released by `sweep`, which also frees the host ports admission allocated.
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { podSubnetBatch } from "../../providers/containerservice/model.js";
import { allocateSubnetAddressesBatch, subnetFreeAddressCount } from "../../providers/network/internal.js";
import { hostPortPool, podOwner } from "../admission.js";
import { nextStage, STAGES } from "../workloads/kubelet.js";
import { choosePodIp, cnsExhausted, nodeInternalIp, type PodNetwork } from "../workloads/podIPs.js";
import { armNodes, type PodSubnetNode } from "./arm.js";
import type { ControllerContext } from "./context.js";
import { type ClusterSource, clusterSource } from "./source.js";
import { armContext, egressSandboxBlock } from "./staticGatewayConfiguration.js";

export const podIpPool = (cluster: string) => `kube/${cluster}/podips`;

/** Per-node next-fit cursors (order only: losing them on restart changes no guarantee). */
const cursors = new Map<string, number>();
/** Pods whose FailedCreatePodSandBox was recorded (once per pod, as the kubelet backs off). */
const sandboxFailed = new Set<string>();

function podNetwork(c: ClusterSource, node: Node, reserved: Map<string, string[]>): PodNetwork | undefined {
  const name = node.metadata?.name ?? "";
  if (reserved.has(name)) return { plugin: "azure", addresses: reserved.get(name) ?? [] };
  if (!node.spec?.podCIDR) return undefined;
  if (c.platform === "hci") return { plugin: c.hci.body.primaryNetworkPlugin, podCidr: node.spec.podCIDR };
  const plugin = c.arm.internal.spec.network.plugin === "kubenet" ? "kubenet" : "azure-overlay";
  return { plugin, podCidr: node.spec.podCIDR };
}

/** The pod's address: the one it already holds, else a new allocation row. */
async function podIp(
  ctx: ControllerContext,
  cluster: string,
  subscriptionId: string,
  pod: Pod,
  net: PodNetwork,
  podSubnet?: PodSubnetNode,
): Promise<{ ip?: string; message?: string }> {
  const owner = podOwner(cluster, pod.metadata?.uid ?? "");
  const pool = podIpPool(cluster);
  const node = pod.spec?.nodeName ?? "";
  return ctx.store.transaction(async (tx) => {
    const held = (await tx.listAllocationsByOwner(owner)).find((a) => a.pool === pool);
    if (held) return { ip: held.item };
    // Claim the IPAM's choice; an address found taken is learned and the choice made again —
    // bounded by the node's range, where reading the whole cluster's pool per pod is not.
    const taken = new Set<string>();
    const cursor = cursors.get(`${cluster}/${node}`) ?? 0;
    let choice = choosePodIp(pod, net, taken, cursor);
    while (choice.ip !== undefined && !(await tx.allocate(pool, choice.ip, owner))) {
      taken.add(choice.ip);
      choice = choosePodIp(pod, net, taken, cursor);
    }
    if (choice.ip === undefined && podSubnet) {
      // Dynamic pod subnet: the node's batches are full, so CNS asks for another batch of the
      // pod subnet (no more than maxPods in all); none left there → SubnetFull.
      const arm = armContext(ctx.store, tx, subscriptionId);
      const mine = (await tx.listAllocationsByOwner(podSubnet.owner)).map((a) => a.item);
      const want = Math.min(podSubnetBatch(podSubnet.maxPods), podSubnet.maxPods - mine.length);
      const got = Math.min(want, await subnetFreeAddressCount(arm, podSubnet.subnetId));
      if (got <= 0) return { message: cnsExhausted(pod, want > 0 ? "SubnetFull" : "").message };
      const [more] = await allocateSubnetAddressesBatch(arm, podSubnet.subnetId, [
        { owner: podSubnet.owner, count: got },
      ]);
      const grown: PodNetwork = { plugin: "azure", addresses: [...mine, ...more] };
      choice = choosePodIp(pod, grown, taken, 0);
      while (choice.ip !== undefined && !(await tx.allocate(pool, choice.ip, owner))) {
        taken.add(choice.ip);
        choice = choosePodIp(pod, grown, taken, 0);
      }
    }
    if (choice.ip === undefined) return { message: choice.message };
    cursors.set(`${cluster}/${node}`, choice.nextCursor);
    return { ip: choice.ip };
  });
}

export async function syncKubelet(ctx: ControllerContext, cluster: string): Promise<void> {
  const now = ctx.now();
  const found = await ctx.store.read(async (tx) => {
    const c = await clusterSource(tx, cluster);
    if (!c) return undefined;
    if (c.platform !== "aks")
      return { c, reserved: new Map<string, string[]>(), podSubnets: new Map<string, PodSubnetNode>() };
    const { reserved, podSubnets } = await armNodes(tx, c.arm, now);
    return { c, reserved, podSubnets };
  });
  if (!found) return;
  const version = `v${found.c.version}`;
  const nodes = new Map(
    (await ctx.list<Node>(cluster, "core/nodes")).map((n) => [n.metadata?.name ?? "", n]),
  );
  for (const p of await ctx.list<Pod>(cluster, "core/pods")) {
    const nodeName = p.spec?.nodeName;
    const node = nodeName ? nodes.get(nodeName) : undefined;
    if (!node || !nodeName) continue;
    const hostIP = nodeInternalIp(node);
    let podIP = p.status?.podIP;
    let message: string | undefined;
    if (!podIP && p.status?.startTime && !p.metadata?.deletionTimestamp) {
      const blocked = await egressSandboxBlock(ctx, cluster, p); // static egress gateway (CNI)
      if (p.spec?.hostNetwork) podIP = hostIP;
      else if (blocked) message = blocked;
      else {
        const net = podNetwork(found.c, node, found.reserved);
        const got = net
          ? await podIp(
              ctx,
              cluster,
              found.c.platform === "aks" ? found.c.arm.subscriptionId : found.c.hci.subscriptionId,
              p,
              net,
              found.podSubnets.get(nodeName),
            )
          : { message: "no pod network on this node" };
        podIP = got.ip;
        message = got.message;
      }
    }
    const stage = nextStage(p, podIP);
    if (!stage) continue;
    const uid = p.metadata?.uid ?? "";
    if (stage === "SandboxFailed") {
      if (sandboxFailed.has(uid)) continue;
      sandboxFailed.add(uid);
    } else sandboxFailed.delete(uid);
    const out = STAGES[stage]({ pod: p, node: nodeName, hostIP, podIP, version, now, message });
    await ctx.updateStatus(cluster, "core/pods", { ...p, status: out.status });
    await ctx.apply(
      cluster,
      out.events.map((e) => ({
        op: "create" as const,
        resource: "core/events" as const,
        namespace: p.metadata?.namespace ?? "default",
        object: e,
      })),
    );
  }
}

/**
 * Releases what pods no longer hold, in one transaction against the pods it sees: addresses
 * of pods gone or finished (their sandbox is gone), host ports of pods gone.
 */
export async function sweep(ctx: ControllerContext, cluster: string): Promise<number> {
  return ctx.store.transaction(async (tx) => {
    const live = new Map<string, string>();
    for (const r of await tx.listObjects({ cluster, resource: "core/pods" })) {
      const m = (r.body.metadata ?? {}) as { uid?: string };
      const phase = String(((r.body.status ?? {}) as { phase?: string }).phase ?? "Pending");
      if (m.uid) live.set(podOwner(cluster, m.uid), phase);
    }
    let n = 0;
    for (const a of await tx.listAllocations(podIpPool(cluster))) {
      const phase = live.get(a.owner);
      if (phase === undefined || phase === "Succeeded" || phase === "Failed") {
        await tx.release(a.pool, a.item);
        n++;
      }
    }
    for (const a of await tx.listAllocations(hostPortPool(cluster))) {
      if (!live.has(a.owner)) {
        await tx.release(a.pool, a.item);
        n++;
      }
    }
    return n;
  });
}
