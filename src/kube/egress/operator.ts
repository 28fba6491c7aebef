// What the static egress gateway add-on installs besides the StaticGatewayConfiguration CRD, as
// data (after kube-egress-gateway's helm chart): the CRDs PodEndpoint and GatewayStatus
// (v1alpha1, namespaced, status subresource, the chart's schemas), and in kube-system the
// controller manager Deployment, the gateway daemon DaemonSet (gateway nodes only: node selector
// and toleration of the gateway taint, host network), the CNI manager DaemonSet (every other Linux
// node: no toleration; host network), their ServiceAccounts and the CNI manager's `cni-uninstall` ConfigMap.
// And the pure halves of who writes PodEndpoint (the CNI manager, per annotated pod) and
// GatewayStatus (the gateway daemon, per gateway node). No I/O.
import type { DaemonSet, Deployment } from "kubernetes-types/apps/v1.js";
import type { ConfigMap, ServiceAccount } from "kubernetes-types/core/v1.js";
import { SGC_GROUP, SGC_VERSION } from "./staticGatewayConfiguration.js";

export const OPERATOR_NAMESPACE = "kube-system";
/** The label every object of the chart's workloads carries (and selects by). */
export const CONTROL_PLANE_LABEL = "kube-egress-gateway-control-plane";
/** The gateway daemon's interface per configuration: `wg-<port>` (its fwmark is the port). */
export const wireguardInterface = (port: number) => `wg-${port}`;

const str = (description: string) => ({ type: "string", description });

function crd(
  kind: string,
  plural: string,
  description: string,
  spec: Record<string, unknown>,
): Record<string, unknown> {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${SGC_GROUP}` },
    spec: {
      group: SGC_GROUP,
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
      scope: "Namespaced",
      versions: [
        {
          name: SGC_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: "object",
              description,
              properties: {
                apiVersion: str(
                  "APIVersion defines the versioned schema of this representation of an object.",
                ),
                kind: str("Kind is a string value representing the REST resource this object represents."),
                metadata: { type: "object" },
                spec: {
                  type: "object",
                  description: `${kind}Spec defines the desired state of ${kind}`,
                  properties: spec,
                },
                status: {
                  type: "object",
                  description: `${kind}Status defines the observed state of ${kind}`,
                },
              },
            },
          },
        },
      ],
    },
  };
}

export function podEndpointCrd(): Record<string, unknown> {
  return crd("PodEndpoint", "podendpoints", "PodEndpoint is the Schema for the podendpoints API", {
    podIpAddress: str("IPv4 address assigned to the pod."),
    podPublicKey: str("public key on pod side."),
    staticGatewayConfiguration: str("Name of StaticGatewayConfiguration the pod uses."),
  });
}

export function gatewayStatusCrd(): Record<string, unknown> {
  const list = (description: string, properties: Record<string, unknown>) => ({
    type: "array",
    description,
    items: { type: "object", properties },
  });
  return crd("GatewayStatus", "gatewaystatuses", "GatewayStatus is the Schema for the gatewaystatuses API", {
    readyGatewayConfigurations: list("List of ready gateway configurations", {
      interfaceName: str("Network interface name"),
      staticGatewayConfiguration: str("StaticGatewayConfiguration in <namespace>/<name> pattern"),
    }),
    readyPeerConfigurations: list("List of ready peer configurations", {
      interfaceName: str("Network interface name"),
      podEndpoint: str("PodEndpoint in <namespace>/<name> pattern"),
      publicKey: str("Public Key"),
    }),
  });
}

/** The add-on's CRDs besides StaticGatewayConfiguration (store keys `<group>/<plural>`). */
export const INTERNAL_CRDS = [
  { plural: "podendpoints", make: podEndpointCrd },
  { plural: "gatewaystatuses", make: gatewayStatusCrd },
] as const;

// ---- the operator's objects in kube-system --------------------------------------------------------

export type OperatorObject =
  | { group: ""; plural: "serviceaccounts"; object: ServiceAccount }
  | { group: ""; plural: "configmaps"; object: ConfigMap }
  | { group: "apps"; plural: "deployments"; object: Deployment }
  | { group: "apps"; plural: "daemonsets"; object: DaemonSet };

const meta = (name: string, component?: string) => ({
  name,
  namespace: OPERATOR_NAMESPACE,
  ...(component ? { labels: { [CONTROL_PLANE_LABEL]: component } } : {}),
});

const IMAGE = "mcr.microsoft.com/aks/kube-egress-gateway";
const VERSION = "v0.1.0";

/** The chart's workloads (images and probes kept to what `kubectl describe` shows usefully). */
export function operatorObjects(): OperatorObject[] {
  const sa = (name: string): OperatorObject => ({
    group: "",
    plural: "serviceaccounts",
    object: { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(name) },
  });
  const template = (component: string, container: string) => ({
    metadata: {
      annotations: { "kubectl.kubernetes.io/default-container": container },
      labels: { [CONTROL_PLANE_LABEL]: component },
    },
  });
  return [
    sa("kube-egress-gateway-controller-manager"),
    sa("kube-egress-gateway-daemon-manager"),
    sa("kube-egress-gateway-cni-manager"),
    {
      group: "",
      plural: "configmaps",
      object: {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: meta("cni-uninstall"),
        data: { uninstall: "false" },
      },
    },
    {
      group: "apps",
      plural: "deployments",
      object: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta("kube-egress-gateway-controller-manager", "controller-manager"),
        spec: {
          replicas: 1,
          selector: { matchLabels: { [CONTROL_PLANE_LABEL]: "controller-manager" } },
          template: {
            ...template("controller-manager", "manager"),
            spec: {
              serviceAccountName: "kube-egress-gateway-controller-manager",
              containers: [
                {
                  name: "manager",
                  image: `${IMAGE}-controller:${VERSION}`,
                  command: ["/kube-egress-gateway-controller"],
                  args: [
                    "--cloud-config=/azure/config/azure-cloud-config.json",
                    "--leader-elect=true",
                    `--leader-election-namespace=${OPERATOR_NAMESPACE}`,
                    `--secret-namespace=${OPERATOR_NAMESPACE}`,
                    "--gateway-lb-probe-port=8082",
                  ],
                  resources: {
                    limits: { cpu: "500m", memory: "128Mi" },
                    requests: { cpu: "10m", memory: "64Mi" },
                  },
                },
              ],
            },
          },
        },
      },
    },
    {
      group: "apps",
      plural: "daemonsets",
      object: {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: meta("kube-egress-gateway-daemon-manager", "daemon-manager"),
        spec: {
          selector: { matchLabels: { [CONTROL_PLANE_LABEL]: "daemon-manager" } },
          template: {
            ...template("daemon-manager", "daemon"),
            spec: {
              hostNetwork: true,
              nodeSelector: { "kubeegressgateway.azure.com/mode": "true" },
              serviceAccountName: "kube-egress-gateway-daemon-manager",
              tolerations: [
                {
                  effect: "NoSchedule",
                  key: "kubeegressgateway.azure.com/mode",
                  operator: "Equal",
                  value: "true",
                },
              ],
              containers: [
                {
                  name: "daemon",
                  image: `${IMAGE}-daemon:${VERSION}`,
                  resources: { requests: { cpu: "10m", memory: "64Mi" } },
                },
              ],
            },
          },
        },
      },
    },
    {
      group: "apps",
      plural: "daemonsets",
      object: {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: meta("kube-egress-gateway-cni-manager", "cni-manager"),
        spec: {
          selector: { matchLabels: { [CONTROL_PLANE_LABEL]: "cni-manager" } },
          template: {
            ...template("cni-manager", "cnimanager"),
            spec: {
              hostNetwork: true,
              nodeSelector: { "kubernetes.io/os": "linux" },
              serviceAccountName: "kube-egress-gateway-cni-manager",
              containers: [
                {
                  name: "cnimanager",
                  image: `${IMAGE}-cnimanager:${VERSION}`,
                  args: [
                    "serve",
                    "--grpc-server-port=50051",
                    "--exception-cidrs=169.254.169.254/32,169.254.10.11/32",
                    "--cni-conf-file=01-egressgateway.conflist",
                    "--cni-uninstall-configmap-name=cni-uninstall",
                  ],
                  resources: { requests: { cpu: "10m", memory: "64Mi" } },
                },
              ],
            },
          },
        },
      },
    },
  ];
}

// ---- PodEndpoint and GatewayStatus contents -------------------------------------------------------

export interface PodEndpointSpec {
  podIpAddress: string;
  podPublicKey: string;
  staticGatewayConfiguration: string;
}

export interface GatewayStatusSpec {
  readyGatewayConfigurations: { interfaceName: string; staticGatewayConfiguration: string }[];
  readyPeerConfigurations: { interfaceName: string; podEndpoint: string; publicKey: string }[];
}

/** A configuration as the daemon sees it: where it is served (pool, port) once it has a status. */
export interface ReadyConfiguration {
  namespace: string;
  name: string;
  pool: string;
  port: number;
}

export interface EndpointRef {
  namespace: string;
  name: string;
  spec: PodEndpointSpec;
}

/**
 * What one gateway node's daemon records: every configuration served on its pool (one WireGuard
 * interface each) and every PodEndpoint of those configurations (a peer on that interface).
 * Sorted, so the same inputs give the same object.
 */
export function gatewayStatusSpec(
  pool: string,
  configurations: readonly ReadyConfiguration[],
  endpoints: readonly EndpointRef[],
): GatewayStatusSpec {
  const mine = configurations
    .filter((c) => c.pool.toLowerCase() === pool.toLowerCase())
    .sort((a, b) => a.port - b.port);
  const byKey = new Map(mine.map((c) => [`${c.namespace}/${c.name}`, c]));
  const peers: GatewayStatusSpec["readyPeerConfigurations"] = [];
  for (const e of endpoints) {
    const c = byKey.get(`${e.namespace}/${e.spec.staticGatewayConfiguration}`);
    if (!c || !e.spec.podPublicKey) continue;
    peers.push({
      interfaceName: wireguardInterface(c.port),
      podEndpoint: `${e.namespace}/${e.name}`,
      publicKey: e.spec.podPublicKey,
    });
  }
  peers.sort((a, b) =>
    a.interfaceName === b.interfaceName
      ? a.podEndpoint < b.podEndpoint
        ? -1
        : a.podEndpoint > b.podEndpoint
          ? 1
          : 0
      : a.interfaceName < b.interfaceName
        ? -1
        : 1,
  );
  return {
    readyGatewayConfigurations: mine.map((c) => ({
      interfaceName: wireguardInterface(c.port),
      staticGatewayConfiguration: `${c.namespace}/${c.name}`,
    })),
    readyPeerConfigurations: peers,
  };
}
