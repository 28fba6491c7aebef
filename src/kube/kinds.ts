// The built-in kinds every emulated cluster serves, as one data table: discovery, the
// OpenAPI documents, tables, patch merge keys and storage keys are all read from here.
// Printer columns and patch merge keys follow kube-apiserver 1.33 (pkg/printers/internalversion
// and the `patchStrategy`/`patchMergeKey` tags of k8s.io/api).

export type Verb = "create" | "delete" | "deletecollection" | "get" | "list" | "patch" | "update" | "watch";

export const ALL_VERBS: Verb[] = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
];

/** One table column: `cell` is a JSONPath-like field path (`.status.phase`) or a computed cell name. */
export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  format?: string;
  description?: string;
  priority?: number;
  cell: string;
}

export interface KindSpec {
  group: string; // "" for core
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs: Verb[];
  subresources?: ("status" | "scale" | "binding" | "eviction" | "log")[];
  /** Definition name in generated/kube-schemas.json. */
  schema: string;
  columns: PrinterColumn[];
  /** Fields that, when changed, do not bump metadata.generation (kube: status and metadata). */
  hasGeneration?: boolean;
  /** Where `scale` reads and writes replicas (apps kinds). */
  scale?: { specReplicas: string; statusReplicas: string; labelSelector?: string };
  /** Extra field selectors beyond metadata.name/metadata.namespace. */
  fieldSelectors?: string[];
}

const age: PrinterColumn = { name: "Age", type: "string", cell: "age" };
const name: PrinterColumn = { name: "Name", type: "string", format: "name", cell: ".metadata.name" };
const wide = (c: Omit<PrinterColumn, "priority">): PrinterColumn => ({ ...c, priority: 1 });
const containers = (base: string): PrinterColumn[] => [
  wide({ name: "Containers", type: "string", cell: `containers:${base}` }),
  wide({ name: "Images", type: "string", cell: `images:${base}` }),
];
const selector = wide({ name: "Selector", type: "string", cell: "selector:.spec.selector" });

export const BUILTIN_KINDS: KindSpec[] = [
  {
    group: "",
    version: "v1",
    kind: "Namespace",
    plural: "namespaces",
    singular: "namespace",
    namespaced: false,
    shortNames: ["ns"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    subresources: ["status"],
    schema: "V1Namespace",
    columns: [name, { name: "Status", type: "string", cell: ".status.phase" }, age],
    fieldSelectors: ["status.phase"],
  },
  {
    group: "",
    version: "v1",
    kind: "Node",
    plural: "nodes",
    singular: "node",
    namespaced: false,
    shortNames: ["no"],
    verbs: ALL_VERBS,
    subresources: ["status"],
    schema: "V1Node",
    columns: [
      name,
      { name: "Status", type: "string", cell: "node.status" },
      { name: "Roles", type: "string", cell: "node.roles" },
      age,
      { name: "Version", type: "string", cell: ".status.nodeInfo.kubeletVersion" },
      wide({ name: "Internal-IP", type: "string", cell: "node.address:InternalIP" }),
      wide({ name: "External-IP", type: "string", cell: "node.address:ExternalIP" }),
      wide({ name: "OS-Image", type: "string", cell: ".status.nodeInfo.osImage" }),
      wide({ name: "Kernel-Version", type: "string", cell: ".status.nodeInfo.kernelVersion" }),
      wide({ name: "Container-Runtime", type: "string", cell: ".status.nodeInfo.containerRuntimeVersion" }),
    ],
    fieldSelectors: ["spec.unschedulable"],
  },
  {
    group: "",
    version: "v1",
    kind: "Pod",
    plural: "pods",
    singular: "pod",
    namespaced: true,
    shortNames: ["po"],
    categories: ["all"],
    verbs: ALL_VERBS,
    subresources: ["status", "binding", "eviction", "log"],
    schema: "V1Pod",
    columns: [
      name,
      { name: "Ready", type: "string", cell: "pod.ready" },
      { name: "Status", type: "string", cell: "pod.status" },
      { name: "Restarts", type: "string", cell: "pod.restarts" },
      age,
      wide({ name: "IP", type: "string", cell: ".status.podIP" }),
      wide({ name: "Node", type: "string", cell: ".spec.nodeName" }),
      wide({ name: "Nominated Node", type: "string", cell: ".status.nominatedNodeName" }),
      wide({ name: "Readiness Gates", type: "string", cell: "pod.readinessGates" }),
    ],
    fieldSelectors: [
      "spec.nodeName",
      "spec.restartPolicy",
      "spec.schedulerName",
      "spec.serviceAccountName",
      "spec.hostNetwork",
      "status.phase",
      "status.podIP",
      "status.nominatedNodeName",
    ],
  },
  {
    group: "",
    version: "v1",
    kind: "Service",
    plural: "services",
    singular: "service",
    namespaced: true,
    shortNames: ["svc"],
    categories: ["all"],
    verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
    subresources: ["status"],
    schema: "V1Service",
    columns: [
      name,
      { name: "Type", type: "string", cell: ".spec.type" },
      { name: "Cluster-IP", type: "string", cell: "service.clusterIP" },
      { name: "External-IP", type: "string", cell: "service.externalIP" },
      { name: "Port(s)", type: "string", cell: "service.ports" },
      age,
      wide({ name: "Selector", type: "string", cell: "map:.spec.selector" }),
    ],
  },
  {
    group: "",
    version: "v1",
    kind: "Endpoints",
    plural: "endpoints",
    singular: "endpoints",
    namespaced: true,
    shortNames: ["ep"],
    verbs: ALL_VERBS,
    schema: "V1Endpoints",
    columns: [name, { name: "Endpoints", type: "string", cell: "endpoints.list" }, age],
  },
  {
    group: "",
    version: "v1",
    kind: "ConfigMap",
    plural: "configmaps",
    singular: "configmap",
    namespaced: true,
    shortNames: ["cm"],
    verbs: ALL_VERBS,
    schema: "V1ConfigMap",
    columns: [name, { name: "Data", type: "integer", cell: "count:.data,.binaryData" }, age],
  },
  {
    group: "",
    version: "v1",
    kind: "Secret",
    plural: "secrets",
    singular: "secret",
    namespaced: true,
    verbs: ALL_VERBS,
    schema: "V1Secret",
    columns: [
      name,
      { name: "Type", type: "string", cell: ".type" },
      { name: "Data", type: "integer", cell: "count:.data" },
      age,
    ],
    fieldSelectors: ["type"],
  },
  {
    group: "",
    version: "v1",
    kind: "ServiceAccount",
    plural: "serviceaccounts",
    singular: "serviceaccount",
    namespaced: true,
    shortNames: ["sa"],
    verbs: ALL_VERBS,
    schema: "V1ServiceAccount",
    columns: [name, { name: "Secrets", type: "string", cell: "len:.secrets" }, age],
  },
  {
    group: "",
    version: "v1",
    kind: "Event",
    plural: "events",
    singular: "event",
    namespaced: true,
    shortNames: ["ev"],
    verbs: ALL_VERBS,
    schema: "CoreV1Event",
    columns: [
      { name: "Last Seen", type: "string", cell: "event.lastSeen" },
      { name: "Type", type: "string", cell: ".type" },
      { name: "Reason", type: "string", cell: ".reason" },
      { name: "Object", type: "string", cell: "event.object" },
      wide({ name: "Subobject", type: "string", cell: ".involvedObject.fieldPath" }),
      wide({ name: "Source", type: "string", cell: "event.source" }),
      { name: "Message", type: "string", cell: ".message" },
      wide({ name: "First Seen", type: "string", cell: "since:.firstTimestamp" }),
      wide({ name: "Count", type: "string", cell: ".count" }),
      wide({ name: "Name", type: "string", cell: ".metadata.name" }),
    ],
    fieldSelectors: [
      "involvedObject.kind",
      "involvedObject.namespace",
      "involvedObject.name",
      "involvedObject.uid",
      "involvedObject.apiVersion",
      "involvedObject.resourceVersion",
      "involvedObject.fieldPath",
      "reason",
      "reportingComponent",
      "source",
      "type",
    ],
  },
  {
    group: "events.k8s.io",
    version: "v1",
    kind: "Event",
    plural: "events",
    singular: "event",
    namespaced: true,
    shortNames: ["ev"],
    verbs: ALL_VERBS,
    schema: "EventsV1Event",
    columns: [
      { name: "Last Seen", type: "string", cell: "since:.eventTime" },
      { name: "Type", type: "string", cell: ".type" },
      { name: "Reason", type: "string", cell: ".reason" },
      { name: "Object", type: "string", cell: "event.regarding" },
      { name: "Message", type: "string", cell: ".note" },
    ],
  },
  {
    group: "apps",
    version: "v1",
    kind: "Deployment",
    plural: "deployments",
    singular: "deployment",
    namespaced: true,
    shortNames: ["deploy"],
    categories: ["all"],
    verbs: ALL_VERBS,
    subresources: ["status", "scale"],
    schema: "V1Deployment",
    hasGeneration: true,
    scale: {
      specReplicas: ".spec.replicas",
      statusReplicas: ".status.replicas",
      labelSelector: ".spec.selector",
    },
    columns: [
      name,
      { name: "Ready", type: "string", cell: "ratio:.status.readyReplicas,.spec.replicas" },
      { name: "Up-to-date", type: "integer", cell: "int:.status.updatedReplicas" },
      { name: "Available", type: "integer", cell: "int:.status.availableReplicas" },
      age,
      ...containers(".spec.template.spec"),
      selector,
    ],
  },
  {
    group: "apps",
    version: "v1",
    kind: "ReplicaSet",
    plural: "replicasets",
    singular: "replicaset",
    namespaced: true,
    shortNames: ["rs"],
    categories: ["all"],
    verbs: ALL_VERBS,
    subresources: ["status", "scale"],
    schema: "V1ReplicaSet",
    hasGeneration: true,
    scale: {
      specReplicas: ".spec.replicas",
      statusReplicas: ".status.replicas",
      labelSelector: ".spec.selector",
    },
    columns: [
      name,
      { name: "Desired", type: "integer", cell: "int:.spec.replicas" },
      { name: "Current", type: "integer", cell: "int:.status.replicas" },
      { name: "Ready", type: "integer", cell: "int:.status.readyReplicas" },
      age,
      ...containers(".spec.template.spec"),
      selector,
    ],
  },
  {
    group: "apps",
    version: "v1",
    kind: "DaemonSet",
    plural: "daemonsets",
    singular: "daemonset",
    namespaced: true,
    shortNames: ["ds"],
    categories: ["all"],
    verbs: ALL_VERBS,
    subresources: ["status"],
    schema: "V1DaemonSet",
    hasGeneration: true,
    columns: [
      name,
      { name: "Desired", type: "integer", cell: "int:.status.desiredNumberScheduled" },
      { name: "Current", type: "integer", cell: "int:.status.currentNumberScheduled" },
      { name: "Ready", type: "integer", cell: "int:.status.numberReady" },
      { name: "Up-to-date", type: "integer", cell: "int:.status.updatedNumberScheduled" },
      { name: "Available", type: "integer", cell: "int:.status.numberAvailable" },
      { name: "Node Selector", type: "string", cell: "map:.spec.template.spec.nodeSelector" },
      age,
      ...containers(".spec.template.spec"),
      selector,
    ],
  },
  {
    group: "apps",
    version: "v1",
    kind: "StatefulSet",
    plural: "statefulsets",
    singular: "statefulset",
    namespaced: true,
    shortNames: ["sts"],
    categories: ["all"],
    verbs: ALL_VERBS,
    subresources: ["status", "scale"],
    schema: "V1StatefulSet",
    hasGeneration: true,
    scale: {
      specReplicas: ".spec.replicas",
      statusReplicas: ".status.replicas",
      labelSelector: ".spec.selector",
    },
    columns: [
      name,
      { name: "Ready", type: "string", cell: "ratio:.status.readyReplicas,.spec.replicas" },
      age,
      ...containers(".spec.template.spec"),
    ],
  },
  {
    group: "batch",
    version: "v1",
    kind: "Job",
    plural: "jobs",
    singular: "job",
    namespaced: true,
    categories: ["all"],
    verbs: ALL_VERBS,
    subresources: ["status"],
    schema: "V1Job",
    hasGeneration: true,
    columns: [
      name,
      { name: "Status", type: "string", cell: "job.status" },
      { name: "Completions", type: "string", cell: "ratio:.status.succeeded,.spec.completions" },
      { name: "Duration", type: "string", cell: "job.duration" },
      age,
      ...containers(".spec.template.spec"),
      selector,
    ],
  },
  {
    group: "discovery.k8s.io",
    version: "v1",
    kind: "EndpointSlice",
    plural: "endpointslices",
    singular: "endpointslice",
    namespaced: true,
    verbs: ALL_VERBS,
    schema: "V1EndpointSlice",
    columns: [
      name,
      { name: "AddressType", type: "string", cell: ".addressType" },
      { name: "Ports", type: "string", cell: "slice.ports" },
      { name: "Endpoints", type: "string", cell: "slice.endpoints" },
      age,
    ],
  },
  {
    group: "networking.k8s.io",
    version: "v1",
    kind: "NetworkPolicy",
    plural: "networkpolicies",
    singular: "networkpolicy",
    namespaced: true,
    shortNames: ["netpol"],
    verbs: ALL_VERBS,
    schema: "V1NetworkPolicy",
    hasGeneration: true,
    columns: [name, { name: "Pod-Selector", type: "string", cell: "labelSelector:.spec.podSelector" }, age],
  },
  {
    group: "networking.k8s.io",
    version: "v1",
    kind: "Ingress",
    plural: "ingresses",
    singular: "ingress",
    namespaced: true,
    shortNames: ["ing"],
    verbs: ALL_VERBS,
    subresources: ["status"],
    schema: "V1Ingress",
    hasGeneration: true,
    columns: [
      name,
      { name: "Class", type: "string", cell: ".spec.ingressClassName" },
      { name: "Hosts", type: "string", cell: "ingress.hosts" },
      { name: "Address", type: "string", cell: "ingress.address" },
      { name: "Ports", type: "string", cell: "ingress.ports" },
      age,
    ],
  },
  {
    group: "coordination.k8s.io",
    version: "v1",
    kind: "Lease",
    plural: "leases",
    singular: "lease",
    namespaced: true,
    verbs: ALL_VERBS,
    schema: "V1Lease",
    columns: [name, { name: "Holder", type: "string", cell: ".spec.holderIdentity" }, age],
  },
  {
    group: "apiextensions.k8s.io",
    version: "v1",
    kind: "CustomResourceDefinition",
    plural: "customresourcedefinitions",
    singular: "customresourcedefinition",
    namespaced: false,
    shortNames: ["crd", "crds"],
    categories: ["api-extensions"],
    verbs: ALL_VERBS,
    subresources: ["status"],
    schema: "V1CustomResourceDefinition",
    hasGeneration: true,
    columns: [name, { name: "Created At", type: "date", cell: ".metadata.creationTimestamp" }],
  },
];

/**
 * Strategic-merge-patch metadata of the upstream types (`patchStrategy`/`patchMergeKey` tags),
 * keyed `<definition>.<field>`. Also published as `x-kubernetes-patch-*` in the OpenAPI.
 */
export const PATCH_META: Record<string, { strategy: string; key?: string }> = {
  "V1ObjectMeta.finalizers": { strategy: "merge" },
  "V1ObjectMeta.ownerReferences": { strategy: "merge", key: "uid" },
  "V1PodSpec.containers": { strategy: "merge", key: "name" },
  "V1PodSpec.initContainers": { strategy: "merge", key: "name" },
  "V1PodSpec.ephemeralContainers": { strategy: "merge", key: "name" },
  "V1PodSpec.volumes": { strategy: "merge,retainKeys", key: "name" },
  "V1PodSpec.imagePullSecrets": { strategy: "merge", key: "name" },
  "V1PodSpec.hostAliases": { strategy: "merge", key: "ip" },
  "V1PodSpec.topologySpreadConstraints": { strategy: "merge", key: "topologyKey" },
  "V1PodSpec.schedulingGates": { strategy: "merge", key: "name" },
  "V1PodSpec.resourceClaims": { strategy: "merge,retainKeys", key: "name" },
  "V1Container.env": { strategy: "merge", key: "name" },
  "V1Container.ports": { strategy: "merge", key: "containerPort" },
  "V1Container.volumeMounts": { strategy: "merge", key: "mountPath" },
  "V1Container.volumeDevices": { strategy: "merge", key: "devicePath" },
  "V1EphemeralContainer.env": { strategy: "merge", key: "name" },
  "V1EphemeralContainer.volumeMounts": { strategy: "merge", key: "mountPath" },
  "V1EphemeralContainer.volumeDevices": { strategy: "merge", key: "devicePath" },
  "V1PodStatus.conditions": { strategy: "merge", key: "type" },
  "V1PodStatus.podIPs": { strategy: "merge", key: "ip" },
  "V1PodStatus.hostIPs": { strategy: "merge", key: "ip" },
  "V1PodStatus.resourceClaimStatuses": { strategy: "merge,retainKeys", key: "name" },
  "V1NodeSpec.podCIDRs": { strategy: "merge" },
  "V1NodeStatus.conditions": { strategy: "merge", key: "type" },
  "V1NodeStatus.addresses": { strategy: "merge", key: "type" },
  "V1NamespaceStatus.conditions": { strategy: "merge", key: "type" },
  "V1ServiceSpec.ports": { strategy: "merge", key: "port" },
  "V1ServiceStatus.conditions": { strategy: "merge", key: "type" },
  "V1DeploymentSpec.strategy": { strategy: "retainKeys" },
  "V1DeploymentStatus.conditions": { strategy: "merge", key: "type" },
  "V1ReplicaSetStatus.conditions": { strategy: "merge", key: "type" },
  "V1DaemonSetStatus.conditions": { strategy: "merge", key: "type" },
  "V1StatefulSetStatus.conditions": { strategy: "merge", key: "type" },
  "V1JobStatus.conditions": { strategy: "merge", key: "type" },
  "V1IngressLoadBalancerStatus.ingress": { strategy: "atomic" },
};

export function groupVersion(k: Pick<KindSpec, "group" | "version">): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

/** The store's resource key: `<group>/<plural>`, core group spelled `core`. */
export function resourceKey(k: Pick<KindSpec, "group" | "plural">): string {
  return `${k.group || "core"}/${k.plural}`;
}

export const DEFAULT_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];
