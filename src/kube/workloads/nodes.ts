// Node objects mirroring the scale-set instances of every agent pool, as AKS's kubelet and
// cloud-node-manager would register them: the instance's computer name, the labels and taints
// AKS sets (plus the pool's nodeLabels / nodeTaints, and what the ARM side recorded for the
// Kubernetes face on the instance), the /24 the ARM side took from the pod CIDR (the block its
// route points at), the NIC and public addresses, capacity from the VM size, Ready.
// `desiredNodes` + `reconcileNodes` turn the ARM records into create/update/delete actions.
import type { Lease } from "kubernetes-types/coordination/v1.js";
import type { Node, NodeAddress, NodeCondition, Taint } from "kubernetes-types/core/v1.js";
import type { InstanceInfo } from "../../providers/compute/scaleSets.js";
import {
  type ClusterInternal,
  KUBERNETES_VERSIONS,
  type NetworkSpec,
  type PoolInternal,
  type PoolSpec,
  usesPodCidr,
} from "../../providers/containerservice/model.js";
import type { NodeData } from "../../providers/containerservice/nodes.js";
import type { NodeNetworking } from "../../providers/containerservice/poolNetworking.js";
import { nodeKubernetesMeta } from "../../providers/containerservice/poolNetworking.js";
import { setOwn } from "../ownKeys.js";
import { labelProblems } from "../validation.js";
import type { Action } from "./actions.js";
import { stableUid } from "./actions.js";
import { formatCpu, formatKi } from "./quantity.js";
import { nodeResources, vmSizeOf } from "./vmSizes.js";

/** The ARM facts one Node is made from (read by the wiring from the cluster, pool and instance records). */
export interface NodeSource {
  subscriptionId: string;
  cluster: {
    location: string;
    /** Node resource group name (MC_…); AKS labels nodes with it. */
    nodeResourceGroup: string;
    network: Pick<NetworkSpec, "plugin" | "pluginMode">;
  };
  pool: PoolSpec;
  instance: {
    vmssId: string;
    instanceId: number;
    computerName: string;
    /** NodeData.nodeIp: the NIC's primary address. */
    nodeIp: string;
    /** NodeData.podCidr: the /24 of the pod CIDR (kubenet, overlay). */
    podCidr?: string;
    /** The node public IP's address when the pool has node public IPs. */
    publicIp?: string;
    /** What poolNetworking.ts recorded for the Kubernetes face (labels, taints). */
    networking?: Pick<NodeNetworking, "labels" | "taints">;
  };
  /** RFC 3339 time used for condition timestamps. */
  now: string;
}

/**
 * The NodeSource of one instance, from the ARM records as the store holds them: the cluster's
 * and pool's `internal` state and the instance (its `data` is nodes.ts's NodeData plus the
 * `networking` poolNetworking.ts records). `publicIp` is the address of
 * `data.networking.publicIPAddressId`, which the caller reads from that resource.
 */
export function nodeSourceFromArm(input: {
  subscriptionId: string;
  cluster: Pick<ClusterInternal, "spec">;
  pool: Pick<PoolInternal, "spec" | "vmssId">;
  instance: Pick<InstanceInfo, "instanceId" | "computerName" | "data">;
  publicIp?: string;
  now: string;
}): NodeSource {
  const data = (input.instance.data ?? {}) as Partial<NodeData> & { networking?: NodeNetworking };
  return {
    subscriptionId: input.subscriptionId,
    cluster: {
      location: input.cluster.spec.location,
      nodeResourceGroup: input.cluster.spec.nodeResourceGroup,
      network: input.cluster.spec.network,
    },
    pool: input.pool.spec,
    instance: {
      vmssId: input.pool.vmssId,
      instanceId: input.instance.instanceId,
      computerName: input.instance.computerName,
      nodeIp: data.nodeIp ?? "",
      ...(data.podCidr ? { podCidr: data.podCidr } : {}),
      ...(input.publicIp ? { publicIp: input.publicIp } : {}),
      ...(data.networking ? { networking: data.networking } : {}),
    },
    now: input.now,
  };
}

/** AKS node image naming (Ubuntu 22.04, containerd); the version is the image's release. */
const NODE_IMAGE = {
  linux: {
    osImage: "Ubuntu 22.04.5 LTS",
    kernelVersion: "5.15.0-1079-azure",
    containerRuntimeVersion: "containerd://1.7.25-1",
    imageVersion: "AKSUbuntu-2204gen2containerd-202501.12.0",
  },
  windows: {
    osImage: "Windows Server 2022 Datacenter",
    kernelVersion: "10.0.20348.3091",
    containerRuntimeVersion: "containerd://1.7.20+azure",
    imageVersion: "AKSWindows-2022-containerd-20348.3091.250115",
  },
} as const;

/** The kubelet version a pool runs: its orchestratorVersion resolved to a patch. */
export function kubeletVersion(pool: PoolSpec): string {
  const v = pool.orchestratorVersion;
  const patch = /^\d+\.\d+$/.test(v) ? (KUBERNETES_VERSIONS[v] ?? `${v}.0`) : v;
  return `v${patch}`;
}

/** A taint string of `--node-taints` / `nodeTaints[]`: key[=value]:Effect. */
export function parseTaint(s: string): Taint {
  const m = /^([^=:\s]+)(?:=([^:\s]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(s.trim());
  if (!m) throw new Error(`invalid taint '${s}': expected key[=value]:NoSchedule|PreferNoSchedule|NoExecute`);
  return { key: m[1], ...(m[2] !== undefined && m[2] !== "" ? { value: m[2] } : {}), effect: m[3] };
}

function poolLabels(pool: PoolSpec): Record<string, string> {
  const raw = pool.passthrough.nodeLabels;
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return {};
  const out: Record<string, string> = {};
  // AKS refuses such labels at its API; one that got this far is left off rather than failing the Node.
  for (const [k, v] of Object.entries(raw as Record<string, unknown>))
    if (typeof v === "string" && !labelProblems(k, v).length) setOwn(out, k, v);
  return out;
}

function poolTaints(pool: PoolSpec): Taint[] {
  const raw = pool.passthrough.nodeTaints;
  return Array.isArray(raw) ? raw.filter((t): t is string => typeof t === "string").map(parseTaint) : [];
}

function zoneOf(src: NodeSource): { zone: string; csiZone: string } {
  const zones = src.pool.passthrough.availabilityZones;
  if (Array.isArray(zones) && zones.length > 0) {
    const z = `${src.cluster.location}-${String(zones[src.instance.instanceId % zones.length])}`;
    return { zone: z, csiZone: z };
  }
  // Non-zonal scale sets have one fault domain: AKS reports zone "0" and no CSI zone.
  return { zone: "0", csiZone: "" };
}

/** Labels AKS puts on a node; the pool's own nodeLabels cannot override the system ones. */
export function nodeLabels(src: NodeSource): Record<string, string> {
  const { pool, instance, cluster } = src;
  const os = pool.osType === "Windows" ? "windows" : "linux";
  const arch = vmSizeOf(pool.vmSize).arch;
  const { zone, csiZone } = zoneOf(src);
  const meta = instance.networking ?? nodeKubernetesMeta(pool);
  const overlay = cluster.network.plugin === "azure" && cluster.network.pluginMode === "overlay";
  return {
    ...poolLabels(pool),
    agentpool: pool.name,
    "beta.kubernetes.io/arch": arch,
    "beta.kubernetes.io/instance-type": pool.vmSize,
    "beta.kubernetes.io/os": os,
    "failure-domain.beta.kubernetes.io/region": cluster.location,
    "failure-domain.beta.kubernetes.io/zone": zone,
    "kubernetes.azure.com/agentpool": pool.name,
    "kubernetes.azure.com/cluster": cluster.nodeResourceGroup,
    "kubernetes.azure.com/mode": pool.mode.toLowerCase(),
    "kubernetes.azure.com/node-image-version": NODE_IMAGE[os].imageVersion,
    "kubernetes.azure.com/nodepool-type": "VirtualMachineScaleSets",
    "kubernetes.azure.com/os-sku": pool.osSKU,
    "kubernetes.azure.com/role": "agent",
    "kubernetes.azure.com/storageprofile": "managed",
    "kubernetes.azure.com/storagetier": "Premium_LRS",
    ...(overlay
      ? {
          "kubernetes.azure.com/azure-cni-overlay": "true",
          "kubernetes.azure.com/podnetwork-type": "overlay",
        }
      : {}),
    "kubernetes.io/arch": arch,
    "kubernetes.io/hostname": instance.computerName.toLowerCase(),
    "kubernetes.io/os": os,
    "kubernetes.io/role": "agent",
    "node-role.kubernetes.io/agent": "",
    "node.kubernetes.io/instance-type": pool.vmSize,
    storageprofile: "managed",
    storagetier: "Premium_LRS",
    "topology.disk.csi.azure.com/zone": csiZone,
    "topology.kubernetes.io/region": cluster.location,
    "topology.kubernetes.io/zone": zone,
    ...meta.labels,
  };
}

/** The pool's nodeTaints plus the ones the ARM side recorded (gateway pools). */
export function nodeTaints(src: NodeSource): Taint[] {
  const meta = src.instance.networking ?? nodeKubernetesMeta(src.pool);
  const out: Taint[] = [];
  const seen = new Set<string>();
  for (const t of [...poolTaints(src.pool), ...meta.taints.map((t) => ({ ...t }) as Taint)]) {
    const k = `${t.key}:${t.effect}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(t);
  }
  return out;
}

/** What a healthy kubelet reports (memory, disk, PID, Ready), stamped `now`. */
export function healthyConditions(now: string): NodeCondition[] {
  const at = { lastHeartbeatTime: now, lastTransitionTime: now };
  return [
    {
      type: "MemoryPressure",
      status: "False",
      reason: "KubeletHasSufficientMemory",
      message: "kubelet has sufficient memory available",
      ...at,
    },
    {
      type: "DiskPressure",
      status: "False",
      reason: "KubeletHasNoDiskPressure",
      message: "kubelet has no disk pressure",
      ...at,
    },
    {
      type: "PIDPressure",
      status: "False",
      reason: "KubeletHasSufficientPID",
      message: "kubelet has sufficient PID available",
      ...at,
    },
    {
      type: "Ready",
      status: "True",
      reason: "KubeletReady",
      message: "kubelet is posting ready status",
      ...at,
    },
  ];
}

function conditions(src: NodeSource): NodeCondition[] {
  const at = { lastHeartbeatTime: src.now, lastTransitionTime: src.now };
  const list: NodeCondition[] = [];
  // kubenet needs the route controller's route; cloud-controller-manager reports it.
  if (src.cluster.network.plugin === "kubenet")
    list.push({
      type: "NetworkUnavailable",
      status: src.instance.podCidr ? "False" : "True",
      reason: src.instance.podCidr ? "RouteCreated" : "NoRouteCreated",
      message: src.instance.podCidr
        ? "RouteController created a route"
        : "RouteController failed to create a route",
      ...at,
    });
  list.push(...healthyConditions(src.now));
  return list;
}

function addresses(src: NodeSource): NodeAddress[] {
  const out: NodeAddress[] = [
    { type: "InternalIP", address: src.instance.nodeIp },
    { type: "Hostname", address: src.instance.computerName.toLowerCase() },
  ];
  if (src.instance.publicIp) out.push({ type: "ExternalIP", address: src.instance.publicIp });
  return out;
}

/** `azure:///subscriptions/…/resourceGroups/<mc rg, lower case>/…/virtualMachines/<n>`, as cloud-provider-azure writes it. */
export function providerId(src: NodeSource): string {
  const m = /\/resourceGroups\/([^/]+)\//i.exec(src.instance.vmssId);
  const id = m
    ? src.instance.vmssId.replace(m[0], `/resourceGroups/${m[1].toLowerCase()}/`)
    : src.instance.vmssId;
  return `azure://${id}/virtualMachines/${src.instance.instanceId}`;
}

/** The Node object of one instance (without uid/resourceVersion/creationTimestamp: the API sets those). */
export function buildNode(src: NodeSource): Node {
  const { pool, instance, cluster } = src;
  const name = instance.computerName.toLowerCase();
  const version = kubeletVersion(pool);
  const os = pool.osType === "Windows" ? "windows" : "linux";
  const res = nodeResources(pool.vmSize, pool.maxPods, version, os);
  const taints = nodeTaints(src);
  const podCidr = usesPodCidr(cluster.network as NetworkSpec) ? instance.podCidr : undefined;
  const list = (r: typeof res.capacity) => ({
    cpu: formatCpu(r.cpuMilli),
    "ephemeral-storage": formatKi(r.ephemeralBytes),
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
    memory: formatKi(r.memoryBytes),
    pods: String(r.pods),
  });
  const img = NODE_IMAGE[os];
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: nodeLabels(src),
      annotations: {
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      },
    },
    spec: {
      ...(podCidr ? { podCIDR: podCidr, podCIDRs: [podCidr] } : {}),
      providerID: providerId(src),
      ...(taints.length ? { taints } : {}),
    },
    status: {
      capacity: list(res.capacity),
      allocatable: list(res.allocatable),
      conditions: conditions(src),
      addresses: addresses(src),
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: stableUid("machine", instance.vmssId, String(instance.instanceId)).replaceAll("-", ""),
        systemUUID: stableUid("system", instance.vmssId, String(instance.instanceId)),
        bootID: stableUid("boot", instance.vmssId, String(instance.instanceId)),
        kernelVersion: img.kernelVersion,
        osImage: img.osImage,
        containerRuntimeVersion: img.containerRuntimeVersion,
        kubeletVersion: version,
        // KEP-4004: from 1.33 the kubelet leaves the deprecated field empty.
        kubeProxyVersion: Number(/^v1\.(\d+)/.exec(version)?.[1] ?? 0) >= 33 ? "" : version,
        operatingSystem: os,
        architecture: vmSizeOf(pool.vmSize).arch,
      },
    },
  };
}

/** Node names that belong to AKS pools (what reconcileNodes may delete). */
const AKS_NODE_NAME = /^aks-.+-\d{8}-vmss[0-9a-z]{6}$/;

/**
 * Create, update or delete Nodes so the API holds exactly one per instance. `observed` is
 * what the API lists; only nodes named like AKS pool nodes are ever deleted, and an update is
 * emitted only when labels, taints, spec or addresses/capacity differ (status heartbeats are
 * the kubelet's job, not a reason to write).
 */
export function reconcileNodes(sources: readonly NodeSource[], observed: readonly Node[]): Action[] {
  return reconcileNodeObjects(sources.map(buildNode), observed, AKS_NODE_NAME);
}

/** The taint the node lifecycle controller puts on a cordoned (unschedulable) node. */
export const UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable";

/**
 * The node lifecycle controller's TaintNodesByCondition for `spec.unschedulable`: a cordoned
 * node gets `node.kubernetes.io/unschedulable:NoSchedule` (stamped with when it was added, as
 * SwapNodeControllerTaint does), an uncordoned one loses it.
 */
export function unschedulableTaints(nodes: readonly Node[], now: string): Action[] {
  const actions: Action[] = [];
  for (const n of nodes) {
    const taints = n.spec?.taints ?? [];
    const has = taints.some((t) => t.key === UNSCHEDULABLE_TAINT && t.effect === "NoSchedule");
    const want = n.spec?.unschedulable === true;
    if (has === want) continue;
    const next = want
      ? [...taints, { key: UNSCHEDULABLE_TAINT, effect: "NoSchedule", timeAdded: now }]
      : taints.filter((t) => !(t.key === UNSCHEDULABLE_TAINT && t.effect === "NoSchedule"));
    const spec = { ...n.spec, taints: next.length ? next : undefined };
    actions.push({ op: "update", resource: "core/nodes", namespace: "", object: { ...n, spec } });
  }
  return actions;
}

/** Where each kubelet keeps its heartbeat Lease. */
export const NODE_LEASE_NS = "kube-node-lease";

/**
 * The node lease controller's part of each kubelet: a Lease named for its Node in
 * kube-node-lease, held by the node (40 s, the kubelet's default), owned by the Node so it goes
 * with it. Written when the Node appears; `renewedLeases` keeps it fresh.
 */
export function nodeLeases(nodes: readonly Node[], leases: readonly Lease[], now: string): Action[] {
  const have = new Map(leases.map((l) => [l.metadata?.name ?? "", l]));
  const out: Action[] = [];
  for (const n of nodes) {
    const name = n.metadata?.name ?? "";
    const uid = n.metadata?.uid;
    if (!uid || n.metadata?.deletionTimestamp) continue;
    const l = have.get(name);
    if (l?.metadata?.ownerReferences?.some((r) => r.uid === uid)) continue;
    const lease: Lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name,
        namespace: NODE_LEASE_NS,
        ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid }],
      },
      spec: {
        holderIdentity: name,
        leaseDurationSeconds: 40,
        renewTime: now.replace("Z", ".000000Z"),
      },
    };
    // A Lease left by an earlier Node of this name is replaced.
    if (l) out.push({ op: "delete", resource: "coordination.k8s.io/leases", namespace: NODE_LEASE_NS, name });
    out.push({
      op: "create",
      resource: "coordination.k8s.io/leases",
      namespace: NODE_LEASE_NS,
      object: lease,
    });
  }
  return out;
}

/** How often a kubelet renews its Lease: leaseDurationSeconds 40 × renewIntervalFraction 0.25. */
export const NODE_LEASE_RENEW_MS = 10_000;

/** metav1.MicroTime as the API writes it: RFC 3339 in UTC with six fraction digits. */
export const microTime = (ms: number): string => new Date(ms).toISOString().replace(/Z$/, "000Z");

/**
 * One renewal pass of every kubelet's node lease controller: the Lease of each Node still
 * there (owned by that very Node, by uid) with renewTime `nowMs`; others are left as they are —
 * a Lease whose Node went is the collector's.
 */
export function renewedLeases(nodes: readonly Node[], leases: readonly Lease[], nowMs: number): Lease[] {
  const live = new Map<string, string>();
  for (const n of nodes)
    if (n.metadata?.uid && !n.metadata.deletionTimestamp) live.set(n.metadata.name ?? "", n.metadata.uid);
  const renewTime = microTime(nowMs);
  const out: Lease[] = [];
  for (const l of leases) {
    const uid = live.get(l.metadata?.name ?? "");
    if (!uid || !l.metadata?.ownerReferences?.some((r) => r.uid === uid)) continue;
    out.push({ ...l, spec: { ...l.spec, renewTime } });
  }
  return out;
}

/** reconcileNodes over built Nodes (AKS or AKS-on-HCI); only names matching `ours` are deleted. */
export function reconcileNodeObjects(
  built: readonly Node[],
  observed: readonly Node[],
  ours: RegExp,
): Action[] {
  const want = new Map(built.map((n) => [n.metadata?.name ?? "", n]));
  const have = new Map(observed.map((n) => [n.metadata?.name ?? "", n]));
  const actions: Action[] = [];
  for (const [name, node] of [...want].sort(([a], [b]) => a.localeCompare(b))) {
    const cur = have.get(name);
    if (!cur) {
      actions.push({ op: "create", resource: "core/nodes", namespace: "", object: node });
      continue;
    }
    // The node lifecycle controller's taint of a cordoned node stays (syncNodeLifecycle's).
    const taints = [
      ...(node.spec?.taints ?? []),
      ...(cur.spec?.taints ?? []).filter((t) => t.key === UNSCHEDULABLE_TAINT),
    ];
    const owned = (n: Node, ts: readonly Taint[]) =>
      JSON.stringify([n.spec?.podCIDR, n.spec?.podCIDRs, n.spec?.providerID, ts]);
    const same =
      JSON.stringify(cur.metadata?.labels ?? {}) === JSON.stringify(node.metadata?.labels) &&
      owned(cur, cur.spec?.taints ?? []) === owned(node, taints) &&
      JSON.stringify(cur.status?.addresses) === JSON.stringify(node.status?.addresses) &&
      JSON.stringify(cur.status?.allocatable) === JSON.stringify(node.status?.allocatable);
    if (!same) {
      const updated: Node = {
        ...cur,
        metadata: { ...cur.metadata, labels: node.metadata?.labels },
        spec: { ...cur.spec, ...node.spec, taints: taints.length ? taints : undefined },
        status: { ...cur.status, ...node.status },
      };
      actions.push({ op: "update", resource: "core/nodes", namespace: "", object: updated });
    }
  }
  for (const [name] of [...have].sort(([a], [b]) => a.localeCompare(b)))
    if (!want.has(name) && ours.test(name))
      actions.push({ op: "delete", resource: "core/nodes", namespace: "", name });
  return actions;
}
