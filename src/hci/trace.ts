// `aksnet trace --hci-cluster`: can pod A of an HCI workload cluster reach pod B (or a VM) on a
// port — answered by the cluster's plugin (plugins.ts `canReach`: the Calico/Flannel table,
// then NetworkPolicy where Calico enforces it) over what the cluster's Kubernetes API holds:
// the pods (labels, address, named ports), the namespaces' labels and every NetworkPolicy
// object created with kubectl. A VM is "in the same network" when its address lies in the
// cluster network's prefix (static) or its node/VIP ranges (DHCP).

import { containsIp, parseCidr, parseIp } from "../net/index.js";
import type { Tx } from "../store/types.js";
import { getClusterOrNull } from "./clusters.js";
import { clusterNotFound, HciError, invalidValue } from "./errors.js";
import type { ClusterBody } from "./model.js";
import { getNetwork, networkRanges } from "./networks.js";
import {
  canReach,
  type NetworkPolicy,
  type PodEndpoint,
  type ReachAnswer,
  type VmEndpoint,
} from "./plugins.js";

export interface PodTraceInput {
  cluster: string;
  /** `namespace/name` (or `name` in `default`). */
  from: string;
  /** `namespace/name` of a pod, or an IPv4 address (a VM). */
  to: string;
  port: number;
  protocol?: "TCP" | "UDP" | "SCTP";
}

export interface PodTraceResult extends ReachAnswer {
  cluster: string;
  plugin: ClusterBody["primaryNetworkPlugin"];
  from: { pod: string; ip?: string; node?: string };
  to: { pod?: string; vm?: string; ip?: string; node?: string; sameNetwork?: boolean };
  port: number;
  protocol: string;
  /** Every NetworkPolicy of the cluster, `namespace/name`, whether or not it applied. */
  policies: string[];
}

interface PodObject {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: { nodeName?: string; containers?: { ports?: { name?: string; containerPort?: number }[] }[] };
  status?: { podIP?: string };
}

const ref = (s: string) => {
  const [ns, name] = s.includes("/") ? s.split("/", 2) : ["default", s];
  return { ns: ns || "default", name: name ?? "" };
};

async function podEndpoint(tx: Tx, c: ClusterBody, which: string, text: string) {
  const { ns, name } = ref(text);
  const rec = await tx.getObject(c.uid, "core/pods", ns, name);
  if (!rec)
    throw new HciError(
      "ObjectNotFound",
      "PodNotFound",
      `Pod ${ns}/${name} (${which}) was not found in cluster '${c.name}'.`,
      which,
    );
  const pod = rec.body as PodObject;
  const nsRec = await tx.getObject(c.uid, "core/namespaces", "", ns);
  const namedPorts: Record<string, number> = {};
  for (const ct of pod.spec?.containers ?? [])
    for (const p of ct.ports ?? []) if (p.name && p.containerPort) namedPorts[p.name] = p.containerPort;
  const ep: PodEndpoint = {
    kind: "pod",
    namespace: ns,
    labels: pod.metadata?.labels ?? {},
    namespaceLabels: {
      "kubernetes.io/metadata.name": ns,
      ...(((nsRec?.body.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {}) as Record<
        string,
        string
      >),
    },
    ...(pod.status?.podIP ? { ip: pod.status.podIP } : {}),
    namedPorts,
  };
  return { ep, label: `${ns}/${name}`, node: pod.spec?.nodeName };
}

export async function tracePods(tx: Tx, sub: string, input: PodTraceInput): Promise<PodTraceResult> {
  const c = await getClusterOrNull(tx, sub, input.cluster);
  if (!c) throw clusterNotFound(input.cluster);
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535)
    throw invalidValue("port", `port must be between 1 and 65535; ${input.port} was given.`);
  const protocol = input.protocol ?? "TCP";
  const from = await podEndpoint(tx, c, "from", input.from);
  let to: PodEndpoint | VmEndpoint;
  let shown: PodTraceResult["to"];
  if (/^\d+\.\d+\.\d+\.\d+$/.test(input.to)) {
    let ip: bigint;
    try {
      ip = parseIp(input.to).value;
    } catch {
      throw invalidValue("to", `'${input.to}' is not an IPv4 address or a namespace/name pod reference.`);
    }
    const net = await getNetwork(tx, sub, c.network);
    const r = networkRanges(net);
    const inRange = (x: { first: bigint; last: bigint }) => ip >= x.first && ip <= x.last;
    const sameNetwork = net.ipAddressPrefix
      ? containsIp(parseCidr(net.ipAddressPrefix), parseIp(input.to))
      : inRange(r.node) || inRange(r.vip);
    to = { kind: "vm", ip: input.to, sameNetwork };
    shown = { vm: input.to, ip: input.to, sameNetwork };
  } else {
    const p = await podEndpoint(tx, c, "to", input.to);
    to = p.ep;
    shown = { pod: p.label, ...(p.ep.ip ? { ip: p.ep.ip } : {}), ...(p.node ? { node: p.node } : {}) };
  }
  const policies = (
    await tx.listObjects({ cluster: c.uid, resource: "networking.k8s.io/networkpolicies" })
  ).map((r) => r.body as unknown as NetworkPolicy);
  const answer = canReach({
    plugin: c.primaryNetworkPlugin,
    from: from.ep,
    to,
    port: input.port,
    protocol,
    policies,
  });
  return {
    ...answer,
    cluster: c.name,
    plugin: c.primaryNetworkPlugin,
    from: {
      pod: from.label,
      ...(from.ep.ip ? { ip: from.ep.ip } : {}),
      ...(from.node ? { node: from.node } : {}),
    },
    to: shown,
    port: input.port,
    protocol,
    policies: policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
  };
}
