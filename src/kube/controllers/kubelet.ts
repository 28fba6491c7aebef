// The simulated kubelet + CNI of every node: advances bound pods one stage per run
// (Scheduled → ContainerCreating → Running, Completed for run-to-completion pods; events as
// `kubectl describe pod` shows them). The pod address is allocated in the store (pool
// `kube/<cluster>/podips`, one row per address, owner = the pod) before the status names it,
// so an address is never handed out twice; rows of pods that are gone or finished are
// released by `sweep`, which also frees the host ports admission allocated. A pod-subnet
// node's batches follow CNS's pool size both ways: grown here ahead of need, handed back there.
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { parseIp } from "../../net/cidr.js";
import { podSubnetBatch } from "../../providers/containerservice/model.js";
import { allocateSubnetAddressesBatch, subnetFreeAddressCount } from "../../providers/network/internal.js";
import type { Tx } from "../../store/types.js";
import { hostPortPool, podOwner } from "../admission.js";
import type { KubeError } from "../errors.js";
import type { Action } from "../workloads/actions.js";
import {
  activeDeadlineLeftMs,
  addUse,
  emptyUse,
  isStopping,
  kubeletRejection,
  mergeUse,
  type NodeUse,
  nextStage,
  rejectedStage,
  STAGES,
  stoppingEvents,
} from "../workloads/kubelet.js";
import {
  choosePodIp,
  cnsDemand,
  cnsExhausted,
  cnsGrowth,
  cnsTargetIpCount,
  nodeInternalIp,
  type PodNetwork,
  wantsPodAddress,
} from "../workloads/podIPs.js";
import { withDisruptionTarget } from "../workloads/pods.js";
import { occupiesNode } from "../workloads/scheduler.js";
import { armNodes, type PodSubnetNode } from "./arm.js";
import { armContext } from "./armContext.js";
import { recordOf } from "./cache.js";
import { BATCH_WRITES, type ControllerContext, KUBELET_W } from "./context.js";
import { type ClusterSource, clusterSource } from "./source.js";
import { egressSandboxBlock } from "./staticGatewayConfiguration.js";

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

/** A pod-subnet node as one kubelet transaction sees it (read once, then kept current there). */
interface PodSubnetPass {
  /** Its addresses (all its batches). */
  held: string[];
  /** Those found or made assigned to pods. */
  taken: Set<string>;
}

/** The pod's address: the one it already holds, else a new allocation row (in the batch's transaction). */
async function podIp(
  ctx: ControllerContext,
  tx: Tx,
  cluster: string,
  subscriptionId: string,
  pod: Pod,
  net: PodNetwork,
  podSubnet?: { node: PodSubnetNode; demand: number; passes: Map<string, PodSubnetPass> },
): Promise<{ ip?: string; message?: string }> {
  const owner = podOwner(cluster, pod.metadata?.uid ?? "");
  const pool = podIpPool(cluster);
  const node = pod.spec?.nodeName ?? "";
  {
    const held = (await tx.listAllocationsByOwner(owner)).find((a) => a.pool === pool);
    if (held) return { ip: held.item };
    if (podSubnet) return podSubnetIp(ctx, tx, subscriptionId, pod, owner, pool, podSubnet);
    // Claim the IPAM's choice; an address found taken is learned and the choice made again —
    // bounded by the node's range, where reading the whole cluster's pool per pod is not.
    const taken = new Set<string>();
    const cursor = cursors.get(`${cluster}/${node}`) ?? 0;
    let choice = choosePodIp(pod, net, taken, cursor);
    while (choice.ip !== undefined && !(await tx.allocate(pool, choice.ip, owner))) {
      taken.add(choice.ip);
      choice = choosePodIp(pod, net, taken, cursor);
    }
    if (choice.ip === undefined) return { message: choice.message };
    cursors.set(`${cluster}/${node}`, choice.nextCursor);
    return { ip: choice.ip };
  }
}

/**
 * Dynamic pod subnet (CNS): the lowest free of the node's addresses; none free → another
 * batch (no more than maxPods in all; none left in the subnet → SubnetFull). Then the node's
 * pool grows to CNS's target for its demand (cnsGrowth: half a batch stays free), as CNS's
 * idempotent pool monitor requests on a demand change — there DNC-RC allocates a moment later,
 * here in the assignment's transaction, so growth and assignment commit (or not) together.
 */
async function podSubnetIp(
  ctx: ControllerContext,
  tx: Tx,
  subscriptionId: string,
  pod: Pod,
  owner: string,
  pool: string,
  ps: { node: PodSubnetNode; demand: number; passes: Map<string, PodSubnetPass> },
): Promise<{ ip?: string; message?: string }> {
  const { subnetId, maxPods } = ps.node;
  const batch = podSubnetBatch(maxPods);
  let pass = ps.passes.get(ps.node.owner);
  if (!pass) {
    pass = { held: (await tx.listAllocationsByOwner(ps.node.owner)).map((a) => a.item), taken: new Set() };
    ps.passes.set(ps.node.owner, pass);
  }
  const p = pass;
  const arm = armContext(ctx.store, tx, subscriptionId);
  const grow = async (count: number) => {
    const got = count > 0 ? Math.min(count, await subnetFreeAddressCount(arm, subnetId)) : 0;
    if (got <= 0) return 0;
    const [more] = await allocateSubnetAddressesBatch(arm, subnetId, [{ owner: ps.node.owner, count: got }]);
    p.held.push(...more);
    return got;
  };
  const claim = async () => {
    const net: PodNetwork = { plugin: "azure", addresses: p.held };
    let choice = choosePodIp(pod, net, p.taken, 0);
    while (choice.ip !== undefined && !(await tx.allocate(pool, choice.ip, owner))) {
      p.taken.add(choice.ip);
      choice = choosePodIp(pod, net, p.taken, 0);
    }
    if (choice.ip !== undefined) p.taken.add(choice.ip);
    return choice;
  };
  let choice = await claim();
  if (choice.ip === undefined) {
    const want = Math.min(batch, maxPods - p.held.length);
    if ((await grow(want)) === 0) return { message: cnsExhausted(pod, want > 0 ? "SubnetFull" : "").message };
    choice = await claim();
    if (choice.ip === undefined) return { message: choice.message };
  }
  await grow(cnsGrowth(ps.demand, p.held.length, batch, maxPods));
  return { ip: choice.ip };
}

/**
 * Pods per transaction (50): each writes a status and up to four events, so ~250 writes and
 * ~15 ms. Fewer, larger transactions cost less per commit (a 10,000-pod rollout 11.9 → 11.0 s
 * against 20 a transaction) and a GET meanwhile waited no longer (slowest ~40 ms either way).
 */
const PODS_PER_BATCH = Math.max(1, Math.floor(BATCH_WRITES / 2));

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
  const subscriptionId = found.c.platform === "aks" ? found.c.arm.subscriptionId : found.c.hci.subscriptionId;
  const nodes = new Map(
    (await ctx.list<Node>(cluster, "core/nodes")).map((n) => [n.metadata?.name ?? "", n]),
  );
  const pods = await ctx.list<Pod>(cluster, "core/pods");
  // Images each node holds: those its pods' containers started from (a pulled image stays, so
  // the next IfNotPresent container there is "already present on machine").
  const images = new Map<string, Set<string>>();
  const holds = (node: string) => {
    let set = images.get(node);
    if (!set) {
      set = new Set();
      images.set(node, set);
    }
    return set;
  };
  // Pods past spec.activeDeadlineSeconds (the activeDeadlineHandler), and when the next one is due.
  const nowMs = Date.now();
  const expired = new Set<Pod>();
  let wait: number | undefined;
  for (const p of pods) {
    const node = p.spec?.nodeName;
    if (!node) continue;
    for (const list of [
      p.status?.initContainerStatuses,
      p.status?.containerStatuses,
      p.status?.ephemeralContainerStatuses,
    ])
      for (const cs of list ?? []) if (cs.imageID) holds(node).add(cs.image);
    if (p.spec?.activeDeadlineSeconds === undefined || !nodes.has(node)) continue;
    const left = activeDeadlineLeftMs(p, nowMs);
    if (left === undefined) continue;
    if (left <= 0) expired.add(p);
    else wait = Math.min(wait ?? left, left);
  }
  await stopPods(
    ctx,
    cluster,
    version,
    pods.filter((p) => isStopping(p) && nodes.has(p.spec?.nodeName ?? "")),
  );
  const orphanWait = await collectOrphans(ctx, cluster, pods, nodes);
  if (orphanWait !== undefined) wait = Math.min(wait ?? orphanWait, orphanWait);
  // One timer per cluster (the latest call wins): the nearest of both.
  if (wait !== undefined) ctx.later(`kubelet|${cluster}`, wait);
  // Terminating on a node that is gone: no kubelet is left to stop it, so the pod garbage
  // collector force-deletes it (gcOrphaned), as it does the pods of a node as it goes.
  await ctx.apply(
    cluster,
    pods
      .filter((p) => isStopping(p) && !nodes.has(p.spec?.nodeName ?? ""))
      .map((p) => ({
        op: "delete" as const,
        resource: "core/pods" as const,
        namespace: p.metadata?.namespace ?? "default",
        name: p.metadata?.name ?? "",
        gracePeriodSeconds: 0,
        uid: p.metadata?.uid ?? "",
      })),
  );
  // Pods with something to do: bound to a known node and not settled (any address would do).
  const due = pods.filter(
    (p) =>
      expired.has(p) ||
      (p.spec?.nodeName && nodes.has(p.spec.nodeName) && nextStage(p, "0.0.0.0") !== undefined),
  );
  const podType = await ctx.type(cluster, "core/pods");
  // What each node's kubelet has admitted (pods it started), for the admission of the next.
  let uses: Map<string, NodeUse> | undefined;
  const useOf = (node: string): NodeUse => {
    if (!uses) {
      const built = new Map<string, NodeUse>();
      for (const p of pods)
        if (occupiesNode(p) && p.status?.startTime) {
          const n = p.spec?.nodeName ?? "";
          const u = built.get(n) ?? emptyUse();
          built.set(n, u);
          addUse(u, p);
        }
      uses = built;
    }
    const u = uses.get(node) ?? emptyUse();
    uses.set(node, u);
    return u;
  };
  // Only pod-subnet nodes grow by demand (a pass over every pod, so not for other clusters).
  const demand = found.podSubnets.size > 0 ? cnsDemand(pods) : new Map<string, number>();
  let conflict: KubeError | undefined;
  for (let i = 0; i < due.length; i += PODS_PER_BATCH) {
    const chunk = due.slice(i, i + PODS_PER_BATCH);
    // The static egress gateway's CNI check reads the API: before the transaction.
    const blocks = await Promise.all(
      chunk.map((p) =>
        !p.status?.podIP && p.status?.startTime && !p.metadata?.deletionTimestamp
          ? egressSandboxBlock(ctx, cluster, p)
          : undefined,
      ),
    );
    // Recorded once committed (the store may run a transaction body again).
    const marked: string[] = [];
    // Admitted in this batch, by node: folded into `useOf` once committed (a body run again starts over).
    let admitted = new Map<string, NodeUse>();
    const failed = await ctx.batch(cluster, async (w) => {
      marked.length = 0;
      admitted = new Map();
      const passes = new Map<string, PodSubnetPass>();
      let first: KubeError | undefined;
      for (const [j, p] of chunk.entries()) {
        const nodeName = p.spec?.nodeName ?? "";
        const node = nodes.get(nodeName) as Node;
        const hostIP = nodeInternalIp(node);
        let podIP = p.status?.podIP;
        let message: string | undefined;
        if (!podIP && p.status?.startTime && !p.metadata?.deletionTimestamp && !expired.has(p)) {
          if (p.spec?.hostNetwork) podIP = hostIP;
          else if (blocks[j]) message = blocks[j];
          else {
            const net = podNetwork(found.c, node, found.reserved);
            const ps = found.podSubnets.get(nodeName);
            const got = net
              ? await podIp(
                  ctx,
                  w.tx,
                  cluster,
                  subscriptionId,
                  p,
                  net,
                  ps && { node: ps, demand: demand.get(nodeName) ?? 0, passes },
                )
              : { message: "no pod network on this node" };
            podIP = got.ip;
            message = got.message;
          }
        }
        const stage = expired.has(p) ? "DeadlineExceeded" : nextStage(p, podIP);
        if (!stage) continue;
        const uid = p.metadata?.uid ?? "";
        if (stage === "SandboxFailed") {
          if (sandboxFailed.has(uid)) continue;
          marked.push(uid);
        } else sandboxFailed.delete(uid);
        const input = {
          pod: p,
          node: nodeName,
          hostIP,
          podIP,
          version,
          now,
          message,
          imagesOnNode: holds(nodeName),
        };
        // Not yet admitted by its node's kubelet (no startTime): admission first.
        let out: ReturnType<(typeof STAGES)[typeof stage]>;
        if ((stage === "Scheduled" || stage === "ContainerCreating") && !p.status?.startTime) {
          const mine = admitted.get(nodeName) ?? emptyUse();
          admitted.set(nodeName, mine);
          const refused = kubeletRejection(p, node, [useOf(nodeName), mine], version);
          if (refused) out = rejectedStage(input, refused);
          else {
            out = STAGES[stage](input);
            // Found bound without a PodScheduled condition, the pod skipped the scheduler
            // (spec.nodeName at create): the kubelet reports the condition; no Scheduled event.
            if (stage === "Scheduled") out = { ...out, events: [] };
            if (stage === "ContainerCreating") addUse(mine, p);
          }
        } else out = STAGES[stage](input);
        const ns = p.metadata?.namespace ?? "default";
        const wrote = await w.attempt(() =>
          ctx.api.updateTx(
            w.tx,
            cluster,
            podType,
            ns,
            p.metadata?.name ?? "",
            { ...p, status: out.status },
            KUBELET_W,
            "status",
            recordOf(cluster, "core/pods", p),
          ),
        );
        if (wrote instanceof Error) {
          first ??= wrote; // changed meanwhile: the next pass sees it (its address stays held)
          continue;
        }
        for (const cs of [
          ...(out.status.initContainerStatuses ?? []),
          ...(out.status.containerStatuses ?? []),
          ...(out.status.ephemeralContainerStatuses ?? []),
        ])
          if (cs.imageID) holds(nodeName).add(cs.image);
        for (const e of out.events) await ctx.recordEvent(w, cluster, e, KUBELET_W);
      }
      return first;
    });
    for (const uid of marked) sandboxFailed.add(uid);
    for (const [n, u] of admitted) mergeUse(useOf(n), u);
    conflict ??= failed;
  }
  if (conflict && conflict.code !== 404) throw conflict;
}

/** PodGC's quarantine: a pod bound to a node that does not exist waits this long (ms). */
export const ORPHAN_QUARANTINE_MS = 40_000;
/** Pods bound to a missing node, by `<cluster>/<uid>`: since when (ms). */
const orphaned = new Map<string, number>();

/**
 * PodGC's gcOrphaned: a pod bound to a node that does not exist (spec.nodeName naming none)
 * is marked Failed with the DisruptionTarget condition and force-deleted once the quarantine
 * has passed — the node did not turn up meanwhile. Returns the ms until the next quarantine
 * ends (the caller arms the kubelet's one timer).
 */
async function collectOrphans(
  ctx: ControllerContext,
  cluster: string,
  pods: readonly Pod[],
  nodes: ReadonlyMap<string, Node>,
): Promise<number | undefined> {
  const nowMs = Date.now();
  const at = ctx.now();
  const seen = new Set<string>();
  const actions: Action[] = [];
  let wait: number | undefined;
  for (const p of pods) {
    const node = p.spec?.nodeName;
    if (!node || nodes.has(node) || p.metadata?.deletionTimestamp) continue;
    const k = `${cluster}/${p.metadata?.uid ?? ""}`;
    seen.add(k);
    const since = orphaned.get(k) ?? nowMs;
    orphaned.set(k, since);
    const left = since + ORPHAN_QUARANTINE_MS - nowMs;
    if (left > 0) {
      wait = Math.min(wait ?? left, left);
      continue;
    }
    const ns = p.metadata?.namespace ?? "default";
    const terminal = p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
    const status = withDisruptionTarget(p, "DeletionByPodGC", "PodGC: node no longer exists", at);
    actions.push(
      {
        op: "updateStatus",
        resource: "core/pods",
        namespace: ns,
        object: { ...p, status: terminal ? status : { ...status, phase: "Failed" } },
      },
      {
        op: "delete",
        resource: "core/pods",
        namespace: ns,
        name: p.metadata?.name ?? "",
        gracePeriodSeconds: 0,
        uid: p.metadata?.uid ?? "",
      },
    );
  }
  for (const k of orphaned.keys()) if (k.startsWith(`${cluster}/`) && !seen.has(k)) orphaned.delete(k);
  await ctx.apply(cluster, actions);
  return wait;
}

/**
 * How long a stopped container takes to exit and the kubelet to delete its pod (a process that
 * ends on SIGTERM: about a second, as on a real node). It also keeps `kubectl delete` honest:
 * kubectl reads the pod, then lists and watches it by name until it is deleted — a pod gone and
 * recreated under the same name (a StatefulSet's) within that gap would leave it waiting.
 */
export const STOP_MS = 1000;
/** Pods whose containers this process stopped, by uid: when (ms). */
const stopped = new Map<string, number>();

/**
 * Pods deleted gracefully on this kubelet's nodes: their containers are stopped ("Killing"
 * events), and STOP_MS later the pod is deleted with grace 0 — on the condition that it is
 * still the pod that was stopped (its uid), as the kubelet's status manager deletes it.
 */
async function stopPods(
  ctx: ControllerContext,
  cluster: string,
  version: string,
  pods: Pod[],
): Promise<void> {
  const key = (p: Pod) => `${cluster}/${p.metadata?.uid ?? ""}`;
  // Forget pods no longer stopping here (deleted by someone else meanwhile).
  const live = new Set(pods.map(key));
  for (const k of stopped.keys()) if (k.startsWith(`${cluster}/`) && !live.has(k)) stopped.delete(k);
  if (!pods.length) return;
  const podType = await ctx.type(cluster, "core/pods");
  const now = ctx.now();
  const nowMs = Date.now();
  let wait: number | undefined;
  for (let i = 0; i < pods.length; i += PODS_PER_BATCH) {
    const chunk = pods.slice(i, i + PODS_PER_BATCH);
    // Recorded once committed (the store may run a transaction body again).
    const began: string[] = [];
    const ended: string[] = [];
    await ctx.batch(cluster, async (w) => {
      began.length = 0;
      ended.length = 0;
      for (const p of chunk) {
        const since = stopped.get(key(p));
        if (since === undefined) {
          for (const e of stoppingEvents(p, p.spec?.nodeName ?? "", now))
            await ctx.recordEvent(w, cluster, e, KUBELET_W);
          began.push(key(p));
          wait = Math.min(wait ?? STOP_MS, STOP_MS);
          continue;
        }
        if (nowMs - since < STOP_MS) {
          wait = Math.min(wait ?? STOP_MS, STOP_MS - (nowMs - since));
          continue;
        }
        // Its containers have exited (on SIGTERM, code 0): the terminal status first, as the
        // kubelet's status manager writes it before the grace-0 delete (finalizers may keep
        // the pod, Succeeded, a while longer).
        if (p.status?.phase === "Running") {
          const out = STAGES.Completed({ pod: p, node: p.spec?.nodeName, version, now });
          const wrote = await w.attempt(() =>
            ctx.api.updateTx(
              w.tx,
              cluster,
              podType,
              p.metadata?.namespace ?? "default",
              p.metadata?.name ?? "",
              { ...p, status: out.status },
              KUBELET_W,
              "status",
              recordOf(cluster, "core/pods", p),
            ),
          );
          if (wrote instanceof Error) continue; // changed meanwhile: the next pass sees it
        }
        // Already gone, or replaced by a pod of the same name: nothing of this one is left.
        await w.attempt(() =>
          ctx.api.deleteTx(
            w.tx,
            cluster,
            podType,
            p.metadata?.namespace ?? "default",
            p.metadata?.name ?? "",
            {
              gracePeriodSeconds: 0,
              preconditions: { uid: p.metadata?.uid ?? "" },
            },
          ),
        );
        ended.push(key(p));
      }
    });
    for (const k of began) stopped.set(k, nowMs);
    for (const k of ended) stopped.delete(k);
  }
  if (wait !== undefined) ctx.soon(`kubelet|${cluster}`, wait);
}

/**
 * Releases what pods no longer hold, in one transaction against the pods it sees: addresses
 * of pods gone or finished (their sandbox is gone), host ports of pods gone.
 */
export async function sweep(ctx: ControllerContext, cluster: string): Promise<number> {
  const now = ctx.now();
  return ctx.store.transaction(async (tx) => {
    const live = new Map<string, string>();
    /** Per node, its pods that take a pod address (held or still wanted). */
    const wanting = new Map<string, number>();
    for (const r of await tx.listObjects({ cluster, resource: "core/pods" })) {
      const pod = r.body as Pod;
      const phase = pod.status?.phase ?? "Pending";
      if (pod.metadata?.uid) live.set(podOwner(cluster, pod.metadata.uid), phase);
      const node = pod.spec?.nodeName;
      if (node && wantsPodAddress(pod)) wanting.set(node, (wanting.get(node) ?? 0) + 1);
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
    return n + (await releasePodSubnetBatches(tx, cluster, now, wanting));
  });
}

/**
 * Dynamic pod subnets: each node keeps CNS's target count of its addresses (cnsTargetIpCount
 * of the pods there) and hands the rest back to the subnet, the highest unassigned first.
 */
async function releasePodSubnetBatches(
  tx: Tx,
  cluster: string,
  now: string,
  wanting: ReadonlyMap<string, number>,
): Promise<number> {
  const c = await clusterSource(tx, cluster);
  if (c?.platform !== "aks") return 0;
  const { podSubnets } = await armNodes(tx, c.arm, now);
  if (podSubnets.size === 0) return 0;
  const assigned = new Set((await tx.listAllocations(podIpPool(cluster))).map((a) => a.item));
  let n = 0;
  for (const [node, ps] of podSubnets) {
    const held = await tx.listAllocationsByOwner(ps.owner);
    const target = cnsTargetIpCount(wanting.get(node) ?? 0, podSubnetBatch(ps.maxPods), ps.maxPods);
    const spare = held
      .filter((a) => !assigned.has(a.item))
      .sort((a, b) => {
        const d = parseIp(b.item).value - parseIp(a.item).value;
        return d > 0n ? 1 : d < 0n ? -1 : 0;
      })
      .slice(0, Math.max(0, held.length - target));
    for (const a of spare) await tx.release(a.pool, a.item);
    n += spare.length;
  }
  return n;
}
