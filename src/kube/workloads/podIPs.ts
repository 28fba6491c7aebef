// Pod addresses per network plugin, chosen the way the node's CNI IPAM chooses them:
// - kubenet (bridge + host-local) and Azure CNI Overlay: from the node's /24 of the pod CIDR.
//   host-local's range defaults to network+1 … broadcast−1 with the gateway (network+1, the
//   cbr0 bridge) skipped, and it allocates round-robin from the last reserved address (its
//   `last_reserved_ip` file), so the first pod gets .2 and a freed address comes back only
//   after a wrap — next-fit, the same as net/allocator's nextFitBlockIndex.
// - Azure CNI (flat) and Azure CNI with a pod subnet: from the addresses the ARM side reserved
//   for the node (its secondary ip configurations / its pod-subnet batches), lowest free first.
//   With a pod subnet the node's pool follows CNS's idempotent scaling both ways
//   (cnsTargetIpCount of its demand): it grows ahead of need and hands spare batches back.
// - AKS on HCI: Flannel's CNI delegates to bridge + host-local on the node's /24 (as kubenet);
//   calico-ipam hands out the node's affine /26 block by ordinal, lowest free first, with no
//   gateway address (Calico routes /32s), so the first pod gets the block's first address.
// - hostNetwork pods: the node's InternalIP.
// Exhaustion is not an exception: it is the FailedCreatePodSandBox event text the CNI gives.
import { createHash } from "node:crypto";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { formatIp, nextFitBlockIndex, nthAddress, parseCidr, parseIp } from "../../net/index.js";

export type PodNetwork =
  /** kubenet or Azure CNI Overlay: the node's pod CIDR block (spec.podCIDR). */
  | { plugin: "kubenet" | "azure-overlay" | "flannel" | "calico"; podCidr: string }
  /** Azure CNI (flat or pod subnet): the addresses reserved for this node. */
  | { plugin: "azure"; addresses: readonly string[] };

export type SandboxFailure = { ip?: undefined; reason: "FailedCreatePodSandBox"; message: string };
export type PodIpChoice = { ip: string; nextCursor: number } | SandboxFailure;

/** host-local's usable range of a node block: [network+1, broadcast−1]; index 0 is the gateway. */
function hostLocalRange(podCidr: string) {
  const c = parseCidr(podCidr);
  const first = nthAddress(c, 1);
  const last = nthAddress(c, -2);
  return { c, first, last, size: Number(last - first + 1n) };
}

/** The sandbox id containerd would print (64 hex), stable per pod uid and attempt. */
export function sandboxId(pod: Pod, attempt = 0): string {
  return createHash("sha256")
    .update(`${pod.metadata?.uid ?? pod.metadata?.name ?? ""}/${attempt}`)
    .digest("hex");
}

function sandboxFailure(pod: Pod, plugin: string, error: string): SandboxFailure {
  return {
    reason: "FailedCreatePodSandBox",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "${sandboxId(pod)}": plugin type="${plugin}" failed (add): ${error}`,
  };
}

/**
 * The address for `pod` on a node with `net`, given the addresses its pods already hold and
 * the node's host-local cursor (an index into the range; unused for Azure CNI). Never returns
 * an address in `taken`.
 */
export function choosePodIp(pod: Pod, net: PodNetwork, taken: ReadonlySet<string>, cursor = 0): PodIpChoice {
  if (net.plugin === "azure") {
    const free = [...net.addresses]
      .map((a) => ({ a, v: parseIp(a).value }))
      .sort((x, y) => (x.v < y.v ? -1 : x.v > y.v ? 1 : 0))
      .find((x) => !taken.has(x.a));
    if (free) return { ip: free.a, nextCursor: cursor };
    return sandboxFailure(
      pod,
      "azure-vnet",
      "Failed to allocate pool: Failed to allocate address: No available addresses",
    );
  }
  if (net.plugin === "calico") {
    const c = parseCidr(net.podCidr);
    const size = Number(nthAddress(c, -1) - c.network + 1n);
    const used = new Set<number>();
    for (const t of taken) {
      const v = parseIp(t).value;
      if (v >= c.network && v < c.network + BigInt(size)) used.add(Number(v - c.network));
    }
    for (let i = 0; i < size; i++)
      if (!used.has(i)) return { ip: formatIp(c.network + BigInt(i), c.family), nextCursor: cursor };
    return sandboxFailure(
      pod,
      "calico",
      `error getting ClusterInformation: failed to request IPv4 addresses: no free addresses in block ${net.podCidr}`,
    );
  }
  const r = hostLocalRange(net.podCidr);
  const used = new Set<number>([0]); // the gateway (cbr0)
  for (const t of taken) {
    const v = parseIp(t).value;
    if (v >= r.first && v <= r.last) used.add(Number(v - r.first));
  }
  const pick = nextFitBlockIndex(r.size, used, cursor);
  if (pick) return { ip: formatIp(r.first + BigInt(pick.index), r.c.family), nextCursor: pick.nextCursor };
  const set = `${formatIp(r.first, r.c.family)}-${formatIp(r.last, r.c.family)}`;
  return sandboxFailure(
    pod,
    net.plugin === "kubenet" ? "bridge" : net.plugin === "flannel" ? "flannel" : "azure-vnet",
    `failed to allocate for range 0: no IP addresses available in range set: ${set}`,
  );
}

/** The node's InternalIP (what hostNetwork pods report as podIP). */
export function nodeInternalIp(node: Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
}

/** hostNetwork pods share the node's address and take nothing from the pod range. */
export function usesHostNetwork(pod: Pod): boolean {
  return pod.spec?.hostNetwork === true;
}

/**
 * Azure CNI with a pod subnet (dynamic allocation): CNS has no free address for the pod and
 * cannot get another batch — `SubnetFull` when the pod subnet is exhausted. Worded as CNS
 * answers azure-vnet's IPAM invoker.
 */
export function cnsExhausted(pod: Pod, ncStatus: string): SandboxFailure {
  const sandbox = sandboxId(pod);
  const context = JSON.stringify({
    PodName: pod.metadata?.name ?? "",
    PodNamespace: pod.metadata?.namespace ?? "default",
  });
  return sandboxFailure(
    pod,
    "azure-vnet",
    `IPAM Invoker Add failed with error: Failed to get IP address from CNS with error: %w: AllocateIPConfig failed: not enough IPs available for ${pod.metadata?.uid ?? ""}, waiting on Azure CNS to allocate more with NC Status: ${ncStatus}, IP config request is [IPConfigRequest: DesiredIPAddress , PodInterfaceID ${sandbox.slice(0, 8)}-eth0, InfraContainerID ${sandbox}, OrchestratorContext ${context}]`,
  );
}

/**
 * The pod-subnet addresses CNS keeps on a node for `used` addresses in use (or wanted) there:
 * B × ⌈0.5 + used / B⌉, at most maxPods — always at least half a batch free, so a node whose
 * pods went away hands whole batches back to the subnet (azure-container-networking's
 * idempotent pool scaling, minimum free fraction 0.5).
 */
export function cnsTargetIpCount(used: number, batch: number, maxPods: number): number {
  return Math.min(maxPods, batch * Math.ceil(0.5 + used / batch));
}

/**
 * CNS's demand on a node: its pods that take a pod address (bound there, not hostNetwork, not
 * finished) — what the v2 pool monitor counts from its Pod watcher. Growth and release both
 * size the node's pool from it, so they agree.
 */
export function wantsPodAddress(pod: Pod): boolean {
  const phase = pod.status?.phase ?? "Pending";
  return !!pod.spec?.nodeName && !usesHostNetwork(pod) && phase !== "Succeeded" && phase !== "Failed";
}

/** Per node, its pods that take a pod address (`wantsPodAddress`). */
export function cnsDemand(pods: Iterable<Pod>): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of pods)
    if (wantsPodAddress(p)) out.set(p.spec?.nodeName ?? "", (out.get(p.spec?.nodeName ?? "") ?? 0) + 1);
  return out;
}

/**
 * Addresses CNS asks the pod subnet for, on a node holding `held` with `demand` pods: up to
 * cnsTargetIpCount, so at least half a batch stays free (0 when it holds that many already).
 */
export function cnsGrowth(demand: number, held: number, batch: number, maxPods: number): number {
  return Math.max(0, cnsTargetIpCount(demand, batch, maxPods) - held);
}
