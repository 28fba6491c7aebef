// Objects of a small cluster for the pure trace and DNS tests: a web Deployment's pods behind a
// ClusterIP Service with a named targetPort, a headless StatefulSet Service, an ExternalName, a
// LoadBalancer Service, a client pod in another namespace, and NetworkPolicies.
import type { Endpoints, Namespace, Pod, Service } from "kubernetes-types/core/v1.js";
import type { NetworkPolicy } from "../../../src/kube/networkPolicy.js";
import type { InClusterObjects } from "../../../src/kube/trace/podToService.js";

const ready = [{ type: "Ready", status: "True" }];
export function pod(
  ns: string,
  name: string,
  ip: string,
  labels: Record<string, string>,
  extra: Partial<Pod["spec"]> = {},
): Pod {
  return {
    metadata: { namespace: ns, name, labels, uid: `uid-${name}` },
    spec: {
      nodeName: "aks-nodepool1-0",
      containers: [{ name: "main", image: "nginx", ports: [{ name: "http", containerPort: 8080 }] }],
      ...extra,
    },
    status: { phase: "Running", podIP: ip, podIPs: [{ ip }], conditions: ready },
  };
}
const ref = (ns: string, name: string) => ({ kind: "Pod", namespace: ns, name, uid: `uid-${name}` });

export function objects(): InClusterObjects {
  const services: Service[] = [
    {
      metadata: { namespace: "default", name: "web", uid: "s1" },
      spec: {
        type: "ClusterIP",
        clusterIP: "10.0.12.34",
        clusterIPs: ["10.0.12.34"],
        selector: { app: "web" },
        ports: [{ name: "http", port: 80, protocol: "TCP", targetPort: "http" }],
      },
    },
    {
      metadata: { namespace: "default", name: "db", uid: "s2" },
      spec: {
        clusterIP: "None",
        selector: { app: "db" },
        ports: [{ port: 5432, protocol: "TCP", targetPort: 5432 }],
      },
    },
    {
      metadata: { namespace: "default", name: "ext", uid: "s3" },
      spec: { type: "ExternalName", externalName: "example.com" },
    },
    {
      metadata: { namespace: "default", name: "alias", uid: "s4" },
      spec: { type: "ExternalName", externalName: "web.default.svc.cluster.local" },
    },
    {
      metadata: { namespace: "default", name: "empty", uid: "s5" },
      spec: {
        clusterIP: "10.0.99.1",
        selector: { app: "none" },
        ports: [{ port: 80, protocol: "TCP", targetPort: 80 }],
      },
    },
    {
      metadata: { namespace: "default", name: "front", uid: "s6" },
      spec: {
        type: "LoadBalancer",
        clusterIP: "10.0.50.5",
        selector: { app: "web" },
        externalTrafficPolicy: "Cluster",
        ports: [{ port: 80, protocol: "TCP", targetPort: 8080, nodePort: 31000 }],
      },
      status: { loadBalancer: { ingress: [{ ip: "20.1.2.3" }] } },
    },
    {
      metadata: { namespace: "kube-system", name: "kube-dns", uid: "s7" },
      spec: {
        clusterIP: "10.0.0.10",
        selector: { "k8s-app": "kube-dns" },
        ports: [
          { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
          { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
        ],
      },
    },
  ];
  const pods: Pod[] = [
    pod("default", "web-1", "10.244.0.11", { app: "web" }),
    pod("default", "web-2", "10.244.1.12", { app: "web" }, { nodeName: "aks-nodepool1-1" }),
    pod("default", "db-0", "10.244.0.20", { app: "db" }, { hostname: "db-0", subdomain: "db" }),
    pod("default", "db-1", "10.244.1.21", { app: "db" }, { hostname: "db-1", subdomain: "db" }),
    pod("shop", "client", "10.244.0.30", { app: "client" }),
    pod("default", "hostnet", "10.224.0.4", { app: "hostnet" }, { hostNetwork: true }),
  ];
  const web3 = pod("default", "web-3", "10.244.1.13", { app: "web" });
  pods.push({ ...web3, status: { ...web3.status, conditions: [{ type: "Ready", status: "False" }] } });
  const endpoints: Endpoints[] = [
    {
      metadata: { namespace: "default", name: "web" },
      subsets: [
        {
          addresses: [
            { ip: "10.244.0.11", nodeName: "aks-nodepool1-0", targetRef: ref("default", "web-1") },
            { ip: "10.244.1.12", nodeName: "aks-nodepool1-1", targetRef: ref("default", "web-2") },
          ],
          notReadyAddresses: [
            { ip: "10.244.1.13", nodeName: "aks-nodepool1-1", targetRef: ref("default", "web-3") },
          ],
          ports: [{ name: "http", port: 8080, protocol: "TCP" }],
        },
      ],
    },
    {
      metadata: { namespace: "default", name: "front" },
      subsets: [
        {
          addresses: [
            { ip: "10.244.0.11", nodeName: "aks-nodepool1-0", targetRef: ref("default", "web-1") },
            { ip: "10.244.1.12", nodeName: "aks-nodepool1-1", targetRef: ref("default", "web-2") },
          ],
          ports: [{ port: 8080, protocol: "TCP" }],
        },
      ],
    },
    {
      metadata: { namespace: "default", name: "db" },
      subsets: [
        {
          addresses: [
            { ip: "10.244.0.20", targetRef: ref("default", "db-0") },
            { ip: "10.244.1.21", targetRef: ref("default", "db-1") },
          ],
          ports: [{ port: 5432, protocol: "TCP" }],
        },
      ],
    },
    { metadata: { namespace: "default", name: "empty" } },
  ];
  const namespaces: Namespace[] = [
    { metadata: { name: "default", labels: { "kubernetes.io/metadata.name": "default" } } },
    { metadata: { name: "shop", labels: { "kubernetes.io/metadata.name": "shop", team: "shop" } } },
  ];
  return { services, pods, endpoints, namespaces, policies: [] };
}

/** Only pods labelled role=frontend (in any namespace labelled team=shop) may reach web on `http`. */
export const webPolicy: NetworkPolicy = {
  metadata: { namespace: "default", name: "web-allow-frontend" },
  spec: {
    podSelector: { matchLabels: { app: "web" } },
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [
          {
            namespaceSelector: { matchLabels: { team: "shop" } },
            podSelector: { matchLabels: { role: "frontend" } },
          },
        ],
        ports: [{ protocol: "TCP", port: "http" }],
      },
    ],
  },
};
