// What AKS runs in kube-system, as desired objects: CoreDNS behind Service kube-dns at the
// cluster's dnsServiceIP, kube-proxy, cloud-node-manager, azure-ip-masq-agent and the CSI node
// plugins as DaemonSets (host network: they report the node's IP), konnectivity-agent on the
// host network (seed 002: "system pods such as konnectivity use the node's IP"), and
// metrics-server. The controllers above place and address them like any other workload.
// Data, not code: one row per add-on.
import type { DaemonSet, Deployment } from "kubernetes-types/apps/v1.js";
import type { Container, PodSpec, Service, Toleration } from "kubernetes-types/core/v1.js";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js";

export interface SystemInput {
  /** Cluster Kubernetes version, e.g. "1.33.5". */
  version: string;
  /** networkProfile.dnsServiceIP (the kube-dns ClusterIP). */
  dnsServiceIP: string;
  plugin: "kubenet" | "azure" | "none" | "calico" | "flannel";
  pluginMode?: "overlay";
  /** AKS (default) or an AKS-on-HCI workload cluster, whose add-ons differ. */
  platform?: "aks" | "hci";
}

const aks = (i: SystemInput) => (i.platform ?? "aks") === "aks";

const NS = "kube-system";
const CRITICAL: Toleration = { key: "CriticalAddonsOnly", operator: "Exists" };
/** DaemonSets AKS ships tolerate every taint (they run on gateway and tainted nodes too). */
const EVERYTHING: Toleration = { operator: "Exists" };

interface AddOn {
  name: string;
  kind: "Deployment" | "DaemonSet";
  replicas?: number;
  image: (v: string) => string;
  hostNetwork: boolean;
  cpu: string;
  memory: string;
  priorityClassName: string;
  ports?: Container["ports"];
  labelKey?: string;
  /** Which clusters get it. */
  when?: (i: SystemInput) => boolean;
}

const ADD_ONS: readonly AddOn[] = [
  {
    name: "coredns",
    kind: "Deployment",
    replicas: 2,
    image: () => "mcr.microsoft.com/oss/v2/kubernetes/coredns:v1.12.1-1",
    hostNetwork: false,
    cpu: "100m",
    memory: "70Mi",
    priorityClassName: "system-node-critical",
    labelKey: "kube-dns",
    ports: [
      { name: "dns", containerPort: 53, protocol: "UDP" },
      { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
      { name: "metrics", containerPort: 9153, protocol: "TCP" },
    ],
  },
  {
    name: "coredns-autoscaler",
    when: aks,
    kind: "Deployment",
    replicas: 1,
    image: () => "mcr.microsoft.com/oss/v2/kubernetes/autoscaler/cluster-proportional-autoscaler:v1.9.0-1",
    hostNetwork: false,
    cpu: "20m",
    memory: "10Mi",
    priorityClassName: "system-node-critical",
  },
  {
    name: "konnectivity-agent",
    when: aks,
    kind: "Deployment",
    replicas: 2,
    image: () => "mcr.microsoft.com/oss/v2/kubernetes/apiserver-network-proxy/agent:v0.30.3-hotfix.20240819",
    hostNetwork: true,
    cpu: "20m",
    memory: "20Mi",
    priorityClassName: "system-cluster-critical",
  },
  {
    name: "metrics-server",
    when: aks,
    kind: "Deployment",
    replicas: 2,
    image: () => "mcr.microsoft.com/oss/v2/kubernetes/metrics-server:v0.7.2-1",
    hostNetwork: false,
    cpu: "150m",
    memory: "100Mi",
    priorityClassName: "system-cluster-critical",
    ports: [{ name: "https", containerPort: 4443, protocol: "TCP" }],
  },
  {
    name: "kube-proxy",
    kind: "DaemonSet",
    image: (v) => `mcr.microsoft.com/oss/kubernetes/kube-proxy:v${v}`,
    hostNetwork: true,
    cpu: "100m",
    memory: "0",
    priorityClassName: "system-node-critical",
    labelKey: "kube-proxy",
  },
  {
    name: "cloud-node-manager",
    when: aks,
    kind: "DaemonSet",
    image: (v) =>
      `mcr.microsoft.com/oss/kubernetes/azure-cloud-node-manager:v${v.replace(/^1\.(\d+)\..*$/, "1.$1.0")}`,
    hostNetwork: true,
    cpu: "50m",
    memory: "50Mi",
    priorityClassName: "system-node-critical",
  },
  {
    name: "azure-ip-masq-agent",
    kind: "DaemonSet",
    image: () => "mcr.microsoft.com/aks/ip-masq-agent-v2:v0.1.15",
    hostNetwork: true,
    cpu: "100m",
    memory: "50Mi",
    priorityClassName: "system-node-critical",
    when: (i) => aks(i) && i.plugin !== "none",
  },
  {
    name: "azure-cns",
    kind: "DaemonSet",
    image: () => "mcr.microsoft.com/containernetworking/azure-cns:v1.6.21",
    hostNetwork: true,
    cpu: "40m",
    memory: "250Mi",
    priorityClassName: "system-node-critical",
    when: (i) => aks(i) && i.plugin === "azure",
  },
  {
    name: "csi-azuredisk-node",
    when: aks,
    kind: "DaemonSet",
    image: () => "mcr.microsoft.com/oss/v2/kubernetes-csi/azuredisk-csi:v1.31.5",
    hostNetwork: true,
    cpu: "30m",
    memory: "60Mi",
    priorityClassName: "system-node-critical",
  },
  {
    name: "csi-azurefile-node",
    when: aks,
    kind: "DaemonSet",
    image: () => "mcr.microsoft.com/oss/v2/kubernetes-csi/azurefile-csi:v1.32.2",
    hostNetwork: true,
    cpu: "30m",
    memory: "60Mi",
    priorityClassName: "system-node-critical",
  },
  // AKS on Azure Stack HCI: the primary network plugin's agents (container-networking page:
  // "Linux: DaemonSet").
  {
    name: "calico-node",
    kind: "DaemonSet",
    image: () => "mcr.microsoft.com/oss/calico/node:v3.19.1",
    hostNetwork: true,
    cpu: "250m",
    memory: "0",
    priorityClassName: "system-node-critical",
    when: (i) => i.platform === "hci" && i.plugin === "calico",
  },
  {
    name: "calico-kube-controllers",
    kind: "Deployment",
    replicas: 1,
    image: () => "mcr.microsoft.com/oss/calico/kube-controllers:v3.19.1",
    hostNetwork: false,
    cpu: "10m",
    memory: "0",
    priorityClassName: "system-cluster-critical",
    when: (i) => i.platform === "hci" && i.plugin === "calico",
  },
  {
    name: "kube-flannel-ds",
    kind: "DaemonSet",
    image: () => "mcr.microsoft.com/oss/coreos/flannel:v0.14.0",
    hostNetwork: true,
    cpu: "100m",
    memory: "50Mi",
    priorityClassName: "system-node-critical",
    labelKey: "flannel",
    when: (i) => i.platform === "hci" && i.plugin === "flannel",
  },
];

function podSpec(a: AddOn, input: SystemInput): PodSpec {
  const daemon = a.kind === "DaemonSet";
  return {
    ...(a.hostNetwork ? { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" } : {}),
    priorityClassName: a.priorityClassName,
    nodeSelector: { "kubernetes.io/os": "linux" },
    ...(daemon
      ? {}
      : {
          affinity: {
            nodeAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  preference: {
                    matchExpressions: [
                      { key: "kubernetes.azure.com/mode", operator: "In", values: ["system"] },
                    ],
                  },
                },
              ],
            },
          },
        }),
    tolerations: daemon ? [EVERYTHING] : [CRITICAL],
    containers: [
      {
        name: a.name,
        image: a.image(input.version),
        imagePullPolicy: "IfNotPresent",
        resources: { requests: { cpu: a.cpu, ...(a.memory !== "0" ? { memory: a.memory } : {}) } },
        ...(a.ports
          ? { ports: a.ports.map((p) => ({ ...p, ...(a.hostNetwork ? { hostPort: p.containerPort } : {}) })) }
          : {}),
      },
    ],
  };
}

/** The kube-system Deployments and DaemonSets of an AKS (or AKS-on-HCI) cluster. */
export function systemWorkloads(input: SystemInput): (Deployment | DaemonSet)[] {
  return ADD_ONS.filter((a) => a.when?.(input) ?? true).map((a) => {
    const labels = { "k8s-app": a.labelKey ?? a.name, "kubernetes.azure.com/managedby": "aks" };
    const selector = { matchLabels: { "k8s-app": a.labelKey ?? a.name } };
    const template = { metadata: { labels }, spec: podSpec(a, input) };
    const metadata = {
      name: a.name,
      namespace: NS,
      labels: { ...labels, "addonmanager.kubernetes.io/mode": "Reconcile" },
    };
    if (a.kind === "Deployment")
      return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata,
        spec: { replicas: a.replicas ?? 1, selector, template },
      } satisfies Deployment;
    return {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata,
      spec: {
        selector,
        template,
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
      },
    } satisfies DaemonSet;
  });
}

/** Service kube-dns: CoreDNS at the cluster's dnsServiceIP (ClusterIP fixed by AKS). */
export function kubeDnsService(input: SystemInput): Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: "kube-dns",
      namespace: NS,
      labels: {
        "k8s-app": "kube-dns",
        "kubernetes.io/cluster-service": "true",
        "kubernetes.io/name": "CoreDNS",
        "addonmanager.kubernetes.io/mode": "Reconcile",
      },
    },
    spec: {
      type: "ClusterIP",
      clusterIP: input.dnsServiceIP,
      clusterIPs: [input.dnsServiceIP],
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      selector: { "k8s-app": "kube-dns" },
      ports: [
        { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
        { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
      ],
      sessionAffinity: "None",
    },
  };
}

/** Service metrics-server: what the `v1beta1.metrics.k8s.io` APIService points at (AKS only). */
export function metricsServerService(input: SystemInput): Service | undefined {
  if (!aks(input)) return undefined;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: "metrics-server",
      namespace: NS,
      labels: {
        "k8s-app": "metrics-server",
        "kubernetes.io/cluster-service": "true",
        "addonmanager.kubernetes.io/mode": "Reconcile",
      },
    },
    spec: {
      type: "ClusterIP",
      selector: { "k8s-app": "metrics-server" },
      ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: "https" }],
      sessionAffinity: "None",
    },
  };
}

/**
 * The PodDisruptionBudgets AKS ships with its add-ons (AKS only): one replica of each stays up
 * through a `kubectl drain` or an upgrade — which is why draining the last node holding one waits.
 */
export function systemBudgets(input: SystemInput): PodDisruptionBudget[] {
  if (!aks(input)) return [];
  return [
    ["coredns-pdb", "kube-dns"],
    ["konnectivity-agent", "konnectivity-agent"],
    ["metrics-server-pdb", "metrics-server"],
  ].map(([name, app]) => ({
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: {
      name,
      namespace: NS,
      labels: { "k8s-app": app, "addonmanager.kubernetes.io/mode": "Reconcile" },
    },
    spec: { minAvailable: 1, selector: { matchLabels: { "k8s-app": app } } },
  }));
}
