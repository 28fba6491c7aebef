// The pods of an emulated cluster as the read-only views need them: where each runs, its
// address and the node ports it holds (`hostPort`s, or every container port of a hostNetwork
// pod). Read straight from the store's Kubernetes rows inside the caller's read, so the trace
// and the page see the same state the API serves.
import type { Container, Pod } from "kubernetes-types/core/v1.js";
import type { Tx } from "../../store/types.js";

export type PortProtocol = "TCP" | "UDP" | "SCTP";

export interface PodHostPort {
  container: string;
  containerPort: number;
  hostPort: number;
  protocol: PortProtocol;
  /** Only when the pod binds one node address (`hostIP`), not all of them. */
  hostIP?: string;
}

export interface PodView {
  namespace: string;
  name: string;
  node?: string;
  podIP?: string;
  phase: string;
  hostNetwork: boolean;
  /** The node ports this pod holds on its node. */
  hostPorts: PodHostPort[];
  /** The StaticGatewayConfiguration (in the pod's namespace) the pod egresses through. */
  staticGatewayConfiguration?: string;
}

/** The static egress gateway opt-in (kube/egress names it too; views do not import kube/). */
const SGC_POD_ANNOTATION = "kubernetes.azure.com/static-gateway-configuration";

const protocolOf = (p: string | undefined): PortProtocol =>
  p === "UDP" ? "UDP" : p === "SCTP" ? "SCTP" : "TCP";

function hostPortsOf(pod: Pod): PodHostPort[] {
  const hostNetwork = pod.spec?.hostNetwork === true;
  const containers: Container[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const out: PodHostPort[] = [];
  for (const c of containers)
    for (const p of c.ports ?? []) {
      // kube-apiserver defaults hostPort to containerPort for hostNetwork pods.
      const hostPort = p.hostPort ?? (hostNetwork ? p.containerPort : undefined);
      if (!hostPort) continue;
      out.push({
        container: c.name,
        containerPort: p.containerPort,
        hostPort,
        protocol: protocolOf(p.protocol),
        ...(p.hostIP && p.hostIP !== "0.0.0.0" ? { hostIP: p.hostIP } : {}),
      });
    }
  return out;
}

export function podView(pod: Pod): PodView {
  return {
    namespace: pod.metadata?.namespace ?? "default",
    name: pod.metadata?.name ?? "",
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
    ...(pod.status?.podIP ? { podIP: pod.status.podIP } : {}),
    phase: pod.status?.phase ?? "Pending",
    hostNetwork: pod.spec?.hostNetwork === true,
    hostPorts: hostPortsOf(pod),
    ...(pod.metadata?.annotations?.[SGC_POD_ANNOTATION]
      ? { staticGatewayConfiguration: pod.metadata.annotations[SGC_POD_ANNOTATION] }
      : {}),
  };
}

/** Every pod of the cluster (by its resourceUID), in the store's (namespace, name) order. */
export async function clusterPods(tx: Tx, clusterUid: string): Promise<PodView[]> {
  const rows = await tx.listObjects({ cluster: clusterUid, resource: "core/pods" });
  return rows.map((r) => podView(r.body as Pod));
}

/** Pods by node name; unscheduled pods are left out. */
export function podsByNode(pods: readonly PodView[]): Map<string, PodView[]> {
  const out = new Map<string, PodView[]>();
  for (const p of pods) {
    if (!p.node) continue;
    const list = out.get(p.node);
    if (list) list.push(p);
    else out.set(p.node, [p]);
  }
  return out;
}

export interface HostPortListener {
  namespace: string;
  name: string;
  container: string;
  containerPort: number;
  hostPort: number;
  protocol: PortProtocol;
  podIP?: string;
  phase: string;
  hostNetwork: boolean;
}

/**
 * The pod that receives `port/protocol` arriving at `address` on a node: a pod holding it as
 * hostPort (on every node address, or on that one through `hostIP`). Finished pods hold nothing.
 */
export function hostPortListener(
  podsOnNode: readonly PodView[],
  port: number,
  protocol: PortProtocol,
  address?: string,
): HostPortListener | undefined {
  for (const p of podsOnNode) {
    if (p.phase === "Succeeded" || p.phase === "Failed") continue;
    const hp = p.hostPorts.find(
      (h) =>
        h.hostPort === port &&
        h.protocol === protocol &&
        (h.hostIP === undefined || address === undefined || h.hostIP === address),
    );
    if (hp)
      return {
        namespace: p.namespace,
        name: p.name,
        container: hp.container,
        containerPort: hp.containerPort,
        hostPort: hp.hostPort,
        protocol: hp.protocol,
        ...(p.podIP ? { podIP: p.podIP } : {}),
        phase: p.phase,
        hostNetwork: p.hostNetwork,
      };
  }
  return undefined;
}

/** The page's per-cluster pods: per node (in node-name order) its pods, plus the unscheduled count. */
export interface ClusterPodsView {
  total: number;
  /** Pods no node has taken yet (Pending with PodScheduled=False, or not yet bound). */
  unscheduled: number;
  nodes: { node: string; pods: Omit<PodView, "node">[] }[];
}

export async function clusterPodsView(tx: Tx, clusterUid: string): Promise<ClusterPodsView> {
  const all = await clusterPods(tx, clusterUid);
  const byNode = podsByNode(all);
  return {
    total: all.length,
    unscheduled: all.filter((p) => !p.node).length,
    nodes: [...byNode.keys()].sort().map((node) => ({
      node,
      pods: (byNode.get(node) ?? []).map(({ node: _, ...rest }) => rest),
    })),
  };
}
