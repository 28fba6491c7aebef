// Node objects of an AKS-on-HCI workload cluster: one per control-plane and node-pool VM the
// AksHci records hold (hci/clusters.ts; load-balancer VMs are not nodes), named as MOC names
// the VMs, with the VM's node-pool address as InternalIP and its pod-CIDR block (Calico /26,
// Flannel /24) as podCIDR. Labels and taints as kubeadm and the module set them; the node-pool
// label is the choice docs/hci.md records. Pure: the wiring (controllers/source.ts) reads the
// records.
import type { Node, Taint } from "kubernetes-types/core/v1.js";
import { stableUid } from "./actions.js";
import { healthyConditions } from "./nodes.js";
import { formatCpu, formatKi } from "./quantity.js";
import { nodeResources } from "./vmSizes.js";

export interface HciNodeSource {
  clusterUid: string;
  /** `v1.20.7` */
  version: string;
  plugin: "calico" | "flannel";
  vm: { name: string; role: "controlplane" | "worker"; pool: string; ip: string; podCidr?: string };
  osType: "Linux" | "Windows";
  vmSize: string;
  maxPods: number;
  /** `key=value:Effect` strings of the pool (New-AksHciNodePool -taints). */
  taints: readonly string[];
  now: string;
}

/** MOC's VM names (hci/model.ts vmName): the Nodes reconcileNodeObjects may delete. */
export const HCI_NODE_NAME = /^moc-[lw][0-9a-z]{11}$/;
/** [I] the node-pool label (docs/hci.md). */
export const HCI_POOL_LABEL = "msft.microsoft/nodepool-name";

const IMAGE = {
  linux: { osImage: "CBL-Mariner/Linux", kernelVersion: "5.10.102.1-1.cm1", runtime: "containerd://1.4.12" },
  windows: {
    osImage: "Windows Server 2019 Datacenter",
    kernelVersion: "10.0.17763.2686",
    runtime: "containerd://1.6.1",
  },
} as const;

function parseTaint(s: string): Taint | undefined {
  const m = /^([^=:\s]+)(?:=([^:\s]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(s.trim());
  return m ? { key: m[1], ...(m[2] ? { value: m[2] } : {}), effect: m[3] } : undefined;
}

/** kubeadm's control-plane role label and taint: `master` before 1.24, `control-plane` from it. */
function controlPlaneRole(version: string): string {
  const minor = Number(/^v?1\.(\d+)/.exec(version)?.[1] ?? 0);
  return minor >= 24 ? "control-plane" : "master";
}

export function buildHciNode(src: HciNodeSource): Node {
  const os = src.osType === "Windows" ? "windows" : "linux";
  const name = src.vm.name;
  const cp = src.vm.role === "controlplane";
  const role = controlPlaneRole(src.version);
  const res = nodeResources(src.vmSize, src.maxPods, src.version, os);
  const list = (r: typeof res.capacity) => ({
    cpu: formatCpu(r.cpuMilli),
    "ephemeral-storage": formatKi(r.ephemeralBytes),
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
    memory: formatKi(r.memoryBytes),
    pods: String(r.pods),
  });
  const taints: Taint[] = cp
    ? [{ key: `node-role.kubernetes.io/${role}`, effect: "NoSchedule" }]
    : src.taints.map(parseTaint).filter((t): t is Taint => t !== undefined);
  const _at = { lastHeartbeatTime: src.now, lastTransitionTime: src.now };
  const img = IMAGE[os];
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/instance-type": src.vmSize,
        "beta.kubernetes.io/os": os,
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": os,
        [HCI_POOL_LABEL]: src.vm.pool,
        "node.kubernetes.io/instance-type": src.vmSize,
        ...(cp ? { [`node-role.kubernetes.io/${role}`]: "" } : {}),
      },
      annotations: {
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
        ...(src.plugin === "calico"
          ? { "projectcalico.org/IPv4Address": `${src.vm.ip}/32` }
          : {
              "flannel.alpha.coreos.com/backend-type": "vxlan",
              "flannel.alpha.coreos.com/public-ip": src.vm.ip,
            }),
      },
    },
    spec: {
      ...(src.vm.podCidr ? { podCIDR: src.vm.podCidr, podCIDRs: [src.vm.podCidr] } : {}),
      providerID: `moc://${name}`,
      ...(taints.length ? { taints } : {}),
    },
    status: {
      capacity: list(res.capacity),
      allocatable: list(res.allocatable),
      conditions: healthyConditions(src.now),
      addresses: [
        { type: "InternalIP", address: src.vm.ip },
        { type: "Hostname", address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: stableUid("machine", src.clusterUid, name).replaceAll("-", ""),
        systemUUID: stableUid("system", src.clusterUid, name),
        bootID: stableUid("boot", src.clusterUid, name),
        kernelVersion: img.kernelVersion,
        osImage: img.osImage,
        containerRuntimeVersion: img.runtime,
        kubeletVersion: src.version,
        kubeProxyVersion: src.version,
        operatingSystem: os,
        architecture: "amd64",
      },
    },
  };
}
