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
  subresources?: (
    | "status"
    | "scale"
    | "binding"
    | "eviction"
    | "log"
    | "exec"
    | "attach"
    | "portforward"
    | "token"
    | "ephemeralcontainers"
    | "approval"
  )[];
  /** Definition name in generated/kube-schemas.json. */
  schema: string;
  columns: PrinterColumn[];
  /** Fields that, when changed, do not bump metadata.generation (kube: status and metadata). */
  hasGeneration?: boolean;
  /**
   * Where `scale` reads and writes replicas; its status.selector from a LabelSelector
   * (`labelSelector`) or a label map (`selectorMap`: a ReplicationController's, as scaleFromRC).
   */
  scale?: { specReplicas: string; statusReplicas: string; labelSelector?: string; selectorMap?: string };
  /** Extra field selectors beyond metadata.name/metadata.namespace. */
  fieldSelectors?: string[];
  /**
   * A review kind (create-only, computed by kube/reviews.ts, never stored); `self` ones answer
   * for the caller's own credential, so the read-only monitoring credential may create them.
   */
  review?: "selfAccess" | "selfRules" | "access" | "self";
  /**
   * Served by conversion from the kind's storage version (kube/conversions.ts): objects are
   * stored in that version and converted on every read and write in this one.
   */
  storageVersion?: string;
  /**
   * Deprecated from this minor version on: every request gets kube-apiserver's deprecation
   * Warning, `<gv> <Kind> is deprecated in v1.<since>+; use <replacement>` (no `; use` part
   * when nothing replaces it: ComponentStatus).
   */
  deprecated?: { since: number; replacement?: string };
  /** A Warning every write gets: what the emulator stores but does not act on. */
  inert?: string;
  /**
   * Served by the simulated metrics-server (kube/metrics.ts: usage computed on request, never
   * stored, get/list only), and only while its APIService is there (see METRICS_KINDS).
   */
  metrics?: "nodes" | "pods";
}

/** The deprecation Warning a request on `k` gets on a cluster of Kubernetes `version` ("1.33.5"). */
export function deprecationWarning(k: KindSpec, version: string): string | undefined {
  const d = k.deprecated;
  const minor = Number(/^v?1\.(\d+)/.exec(version)?.[1] ?? 0);
  if (!d || minor < d.since) return undefined;
  const base = `${groupVersion(k)} ${k.kind} is deprecated in v1.${d.since}+`;
  return d.replacement ? `${base}; use ${d.replacement}` : base;
}

const age: PrinterColumn = { name: "Age", type: "string", cell: "age" };
const name: PrinterColumn = { name: "Name", type: "string", format: "name", cell: ".metadata.name" };
const wide = (c: Omit<PrinterColumn, "priority">): PrinterColumn => ({ ...c, priority: 1 });
const containers = (base: string): PrinterColumn[] => [
  wide({ name: "Containers", type: "string", cell: `containers:${base}` }),
  wide({ name: "Images", type: "string", cell: `images:${base}` }),
];
const selector = wide({ name: "Selector", type: "string", cell: "selector:.spec.selector" });

// The cells read the storage (v2) shape; tables.ts converts a v1 object before reading it.
// kube-aggregator's APIService table (registry/apiservice/etcd): SERVICE is `Local` or
// `<namespace>/<name>`, AVAILABLE the condition's status, with its reason unless True.
const apiServiceColumns: PrinterColumn[] = [
  name,
  { name: "Service", type: "string", cell: "apiService.service" },
  { name: "Available", type: "string", cell: "apiService.available" },
  age,
];

const hpaColumns: PrinterColumn[] = [
  name,
  { name: "Reference", type: "string", cell: "hpa.reference" },
  { name: "Targets", type: "string", cell: "hpa.targets" },
  { name: "MinPods", type: "string", cell: "hpa.minPods" },
  { name: "MaxPods", type: "integer", cell: "int:.spec.maxReplicas" },
  { name: "Replicas", type: "integer", cell: "int:.status.currentReplicas" },
  age,
];

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
  // Answered, not stored by anyone: kube-apiserver's componentstatus REST probes the scheduler,
  // controller-manager and etcd; AKS's control plane is healthy, so bootstrap.ts keeps the three
  // rows kube-apiserver answers with. Get and list only.
  {
    group: "",
    version: "v1",
    kind: "ComponentStatus",
    plural: "componentstatuses",
    singular: "componentstatus",
    namespaced: false,
    shortNames: ["cs"],
    verbs: ["get", "list"],
    schema: "V1ComponentStatus",
    deprecated: { since: 19 },
    columns: [
      name,
      { name: "Status", type: "string", cell: "componentStatus.status" },
      { name: "Message", type: "string", cell: "componentStatus.message" },
      { name: "Error", type: "string", cell: "componentStatus.error" },
    ],
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
    subresources: [
      "status",
      "binding",
      "eviction",
      "log",
      "exec",
      "attach",
      "portforward",
      "ephemeralcontainers",
    ],
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
    fieldSelectors: ["spec.clusterIP", "spec.type"],
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
    // KEP-4974: Endpoints gives way to EndpointSlice.
    deprecated: { since: 33, replacement: "discovery.k8s.io/v1 EndpointSlice" },
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
    kind: "ResourceQuota",
    plural: "resourcequotas",
    singular: "resourcequota",
    namespaced: true,
    shortNames: ["quota"],
    verbs: ALL_VERBS,
    subresources: ["status"],
    schema: "V1ResourceQuota",
    columns: [
      name,
      age,
      { name: "Request", type: "string", cell: "quota.request" },
      { name: "Limit", type: "string", cell: "quota.limit" },
    ],
  },
  {
    group: "",
    version: "v1",
    kind: "LimitRange",
    plural: "limitranges",
    singular: "limitrange",
    namespaced: true,
    shortNames: ["limits"],
    verbs: ALL_VERBS,
    schema: "V1LimitRange",
    columns: [name, { name: "Created At", type: "date", cell: ".metadata.creationTimestamp" }],
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
    subresources: ["token"],
    schema: "V1ServiceAccount",
    columns: [name, { name: "Secrets", type: "string", cell: "len:.secrets" }, age],
  },
  // Storage: claims and volumes (the simulated provisioner is controllers/volumes.ts).
  {
    group: "",
    version: "v1",
    kind: "PersistentVolumeClaim",
    plural: "persistentvolumeclaims",
    singular: "persistentvolumeclaim",
    namespaced: true,
    shortNames: ["pvc"],
    verbs: ALL_VERBS,
    subresources: ["status"],
    schema: "V1PersistentVolumeClaim",
    columns: [
      name,
      { name: "Status", type: "string", cell: "volume.phase" },
      { name: "Volume", type: "string", cell: "text:.spec.volumeName" },
      { name: "Capacity", type: "string", cell: "pvc.bound:.status.capacity.storage" },
      { name: "Access Modes", type: "string", cell: "pvc.bound:accessModes" },
      { name: "StorageClass", type: "string", cell: "volume.class" },
      { name: "VolumeAttributesClass", type: "string", cell: "unset:.spec.volumeAttributesClassName" },
      age,
      wide({ name: "VolumeMode", type: "string", cell: "unset:.spec.volumeMode" }),
    ],
  },
  {
    group: "",
    version: "v1",
    kind: "PersistentVolume",
    plural: "persistentvolumes",
    singular: "persistentvolume",
    namespaced: false,
    shortNames: ["pv"],
    verbs: ALL_VERBS,
    subresources: ["status"],
    schema: "V1PersistentVolume",
    columns: [
      name,
      { name: "Capacity", type: "string", cell: "text:.spec.capacity.storage" },
      { name: "Access Modes", type: "string", cell: "accessModes:.spec.accessModes" },
      { name: "Reclaim Policy", type: "string", cell: "text:.spec.persistentVolumeReclaimPolicy" },
      { name: "Status", type: "string", cell: "volume.phase" },
      { name: "Claim", type: "string", cell: "pv.claim" },
      { name: "StorageClass", type: "string", cell: "volume.class" },
      { name: "VolumeAttributesClass", type: "string", cell: "unset:.spec.volumeAttributesClassName" },
      { name: "Reason", type: "string", cell: "text:.status.reason" },
      age,
      wide({ name: "VolumeMode", type: "string", cell: "unset:.spec.volumeMode" }),
    ],
  },
  // Acted on by the ReplicaSet controller's code (controllers/replicationcontroller.ts).
  {
    group: "",
    version: "v1",
    kind: "ReplicationController",
    plural: "replicationcontrollers",
    singular: "replicationcontroller",
    namespaced: true,
    shortNames: ["rc"],
    categories: ["all"],
    verbs: ALL_VERBS,
    subresources: ["status", "scale"],
    schema: "V1ReplicationController",
    hasGeneration: true,
    fieldSelectors: ["status.replicas"],
    scale: {
      specReplicas: ".spec.replicas",
      statusReplicas: ".status.replicas",
      selectorMap: ".spec.selector",
    },
    columns: [
      name,
      { name: "Desired", type: "integer", cell: "int:.spec.replicas" },
      { name: "Current", type: "integer", cell: "int:.status.replicas" },
      { name: "Ready", type: "integer", cell: "int:.status.readyReplicas" },
      age,
      ...containers(".spec.template.spec"),
      wide({ name: "Selector", type: "string", cell: "map:.spec.selector" }),
    ],
  },
  {
    group: "",
    version: "v1",
    kind: "PodTemplate",
    plural: "podtemplates",
    singular: "podtemplate",
    namespaced: true,
    verbs: ALL_VERBS,
    schema: "V1PodTemplate",
    columns: [
      name,
      { name: "Containers", type: "string", cell: "containers:.template.spec" },
      { name: "Images", type: "string", cell: "images:.template.spec" },
      { name: "Pod Labels", type: "string", cell: "map:.template.metadata.labels" },
    ],
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
    fieldSelectors: ["status.replicas"],
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
    fieldSelectors: ["status.successful"],
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
    group: "apps",
    version: "v1",
    kind: "ControllerRevision",
    plural: "controllerrevisions",
    singular: "controllerrevision",
    namespaced: true,
    verbs: ALL_VERBS,
    schema: "V1ControllerRevision",
    columns: [
      name,
      { name: "Controller", type: "string", cell: "controllerRevision.controller" },
      { name: "Revision", type: "integer", cell: "int:.revision" },
      age,
    ],
  },
  {
    group: "batch",
    version: "v1",
    kind: "CronJob",
    plural: "cronjobs",
    singular: "cronjob",
    namespaced: true,
    shortNames: ["cj"],
    categories: ["all"],
    verbs: ALL_VERBS,
    subresources: ["status"],
    schema: "V1CronJob",
    hasGeneration: true,
    columns: [
      name,
      { name: "Schedule", type: "string", cell: ".spec.schedule" },
      { name: "Timezone", type: "string", cell: ".spec.timeZone" },
      { name: "Suspend", type: "boolean", cell: "boolPtr:.spec.suspend" },
      { name: "Active", type: "integer", cell: "len:.status.active" },
      { name: "Last Schedule", type: "string", cell: "sinceOrNone:.status.lastScheduleTime" },
      age,
      ...containers(".spec.jobTemplate.spec.template.spec"),
      wide({ name: "Selector", type: "string", cell: "selector:.spec.jobTemplate.spec.selector" }),
    ],
  },
  {
    group: "autoscaling",
    version: "v2",
    kind: "HorizontalPodAutoscaler",
    plural: "horizontalpodautoscalers",
    singular: "horizontalpodautoscaler",
    namespaced: true,
    shortNames: ["hpa"],
    categories: ["all"],
    verbs: ALL_VERBS,
    subresources: ["status"],
    schema: "V2HorizontalPodAutoscaler",
    columns: hpaColumns,
  },
  {
    group: "autoscaling",
    version: "v1",
    kind: "HorizontalPodAutoscaler",
    plural: "horizontalpodautoscalers",
    singular: "horizontalpodautoscaler",
    namespaced: true,
    shortNames: ["hpa"],
    categories: ["all"],
    verbs: ALL_VERBS,
    subresources: ["status"],
    schema: "V1HorizontalPodAutoscaler",
    columns: hpaColumns,
    storageVersion: "v2",
  },
  {
    group: "policy",
    version: "v1",
    kind: "PodDisruptionBudget",
    plural: "poddisruptionbudgets",
    singular: "poddisruptionbudget",
    namespaced: true,
    shortNames: ["pdb"],
    verbs: ALL_VERBS,
    subresources: ["status"],
    schema: "V1PodDisruptionBudget",
    hasGeneration: true,
    columns: [
      name,
      { name: "Min Available", type: "string", cell: "orNA:.spec.minAvailable" },
      { name: "Max Unavailable", type: "string", cell: "orNA:.spec.maxUnavailable" },
      { name: "Allowed Disruptions", type: "integer", cell: "int:.status.disruptionsAllowed" },
      age,
    ],
  },
  {
    group: "scheduling.k8s.io",
    version: "v1",
    kind: "PriorityClass",
    plural: "priorityclasses",
    singular: "priorityclass",
    namespaced: false,
    shortNames: ["pc"],
    verbs: ALL_VERBS,
    schema: "V1PriorityClass",
    columns: [
      name,
      { name: "Value", type: "integer", cell: "int:.value" },
      { name: "Global-Default", type: "boolean", cell: "bool:.globalDefault" },
      age,
      { name: "PreemptionPolicy", type: "string", cell: ".preemptionPolicy" },
    ],
  },
  {
    group: "storage.k8s.io",
    version: "v1",
    kind: "CSIDriver",
    plural: "csidrivers",
    singular: "csidriver",
    namespaced: false,
    verbs: ALL_VERBS,
    schema: "V1CSIDriver",
    // printCSIDriver: an unset attachRequired prints true, the other flags false.
    columns: [
      name,
      { name: "AttachRequired", type: "boolean", cell: "boolOr:.spec.attachRequired,true" },
      { name: "PodInfoOnMount", type: "boolean", cell: "boolOr:.spec.podInfoOnMount,false" },
      { name: "StorageCapacity", type: "boolean", cell: "boolOr:.spec.storageCapacity,false" },
      { name: "TokenRequests", type: "string", cell: "csiDriver.tokenRequests" },
      { name: "RequiresRepublish", type: "boolean", cell: "boolOr:.spec.requiresRepublish,false" },
      { name: "Modes", type: "string", cell: "joinOrNone:.spec.volumeLifecycleModes" },
      age,
    ],
  },
  // One per Node, kept by controllers/csiNodes.ts (the kubelet's CSI plugin registration).
  {
    group: "storage.k8s.io",
    version: "v1",
    kind: "CSINode",
    plural: "csinodes",
    singular: "csinode",
    namespaced: false,
    verbs: ALL_VERBS,
    schema: "V1CSINode",
    columns: [name, { name: "Drivers", type: "integer", cell: "len:.spec.drivers" }, age],
  },
  {
    group: "storage.k8s.io",
    version: "v1",
    kind: "StorageClass",
    plural: "storageclasses",
    singular: "storageclass",
    namespaced: false,
    shortNames: ["sc"],
    verbs: ALL_VERBS,
    schema: "V1StorageClass",
    columns: [
      { ...name, cell: "storageClass.name" },
      { name: "Provisioner", type: "string", cell: ".provisioner" },
      { name: "ReclaimPolicy", type: "string", cell: ".reclaimPolicy" },
      { name: "VolumeBindingMode", type: "string", cell: ".volumeBindingMode" },
      { name: "AllowVolumeExpansion", type: "string", cell: "bool:.allowVolumeExpansion" },
      age,
    ],
  },
  // Served and validated; nothing attaches (the emulator's disks are records, not devices).
  {
    group: "storage.k8s.io",
    version: "v1",
    kind: "VolumeAttachment",
    plural: "volumeattachments",
    singular: "volumeattachment",
    namespaced: false,
    verbs: ALL_VERBS,
    subresources: ["status"],
    schema: "V1VolumeAttachment",
    columns: [
      name,
      { name: "Attacher", type: "string", format: "name", cell: ".spec.attacher" },
      { name: "PV", type: "string", cell: "text:.spec.source.persistentVolumeName" },
      { name: "Node", type: "string", cell: "text:.spec.nodeName" },
      { name: "Attached", type: "boolean", cell: "boolOr:.status.attached,false" },
      age,
    ],
  },
  {
    group: "networking.k8s.io",
    version: "v1",
    kind: "IngressClass",
    plural: "ingressclasses",
    singular: "ingressclass",
    namespaced: false,
    verbs: ALL_VERBS,
    schema: "V1IngressClass",
    columns: [
      name,
      { name: "Controller", type: "string", cell: ".spec.controller" },
      { name: "Parameters", type: "string", cell: "ingressClass.parameters" },
      age,
    ],
  },
  // Admission webhooks are stored and served, not called: no container runs to answer them
  // (the write says so in a warning). Charts that register one install as they do on AKS.
  ...(["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"] as const).map(
    (kind): KindSpec => ({
      group: "admissionregistration.k8s.io",
      version: "v1",
      kind,
      plural: `${kind.toLowerCase()}s`,
      singular: kind.toLowerCase(),
      namespaced: false,
      verbs: ALL_VERBS,
      schema: `V1${kind}`,
      columns: [name, { name: "Webhooks", type: "integer", cell: "len:.webhooks" }, age],
      inert: `aksnet stores ${kind}s but never calls their webhooks: no container runs to answer them`,
    }),
  ),
  // Stored and validated; their CEL is not evaluated (the write says so in a warning).
  {
    group: "admissionregistration.k8s.io",
    version: "v1",
    kind: "ValidatingAdmissionPolicy",
    plural: "validatingadmissionpolicies",
    singular: "validatingadmissionpolicy",
    namespaced: false,
    verbs: ALL_VERBS,
    subresources: ["status"],
    schema: "V1ValidatingAdmissionPolicy",
    hasGeneration: true,
    columns: [
      name,
      { name: "Validations", type: "integer", cell: "len:.spec.validations" },
      { name: "ParamKind", type: "string", cell: "admissionPolicy.paramKind" },
      age,
    ],
    inert: "aksnet stores ValidatingAdmissionPolicies but does not evaluate their CEL expressions",
  },
  {
    group: "admissionregistration.k8s.io",
    version: "v1",
    kind: "ValidatingAdmissionPolicyBinding",
    plural: "validatingadmissionpolicybindings",
    singular: "validatingadmissionpolicybinding",
    namespaced: false,
    verbs: ALL_VERBS,
    schema: "V1ValidatingAdmissionPolicyBinding",
    hasGeneration: true,
    columns: [
      name,
      { name: "PolicyName", type: "string", cell: ".spec.policyName" },
      { name: "ParamRef", type: "string", cell: "admissionPolicy.paramRef" },
      age,
    ],
    inert:
      "aksnet stores ValidatingAdmissionPolicyBindings but does not evaluate their policies' CEL expressions",
  },
  {
    group: "node.k8s.io",
    version: "v1",
    kind: "RuntimeClass",
    plural: "runtimeclasses",
    singular: "runtimeclass",
    namespaced: false,
    verbs: ALL_VERBS,
    schema: "V1RuntimeClass",
    columns: [name, { name: "Handler", type: "string", cell: ".handler" }, age],
  },
  // kubectl certificate approve|deny writes the approval subresource; the emulator signs nothing
  // (status.certificate stays empty), as a cluster whose signer has not answered yet.
  {
    group: "certificates.k8s.io",
    version: "v1",
    kind: "CertificateSigningRequest",
    plural: "certificatesigningrequests",
    singular: "certificatesigningrequest",
    namespaced: false,
    shortNames: ["csr"],
    verbs: ALL_VERBS,
    subresources: ["status", "approval"],
    schema: "V1CertificateSigningRequest",
    columns: [
      name,
      age,
      { name: "SignerName", type: "string", cell: ".spec.signerName" },
      { name: "Requestor", type: "string", cell: "text:.spec.username" },
      { name: "RequestedDuration", type: "string", cell: "csr.requestedDuration" },
      { name: "Condition", type: "string", cell: "csr.condition" },
    ],
  },
  // API Priority and Fairness objects: the apiserver's bootstrap configuration (bootstrap.ts),
  // stored and served; requests are not queued by them.
  {
    group: "flowcontrol.apiserver.k8s.io",
    version: "v1",
    kind: "FlowSchema",
    plural: "flowschemas",
    singular: "flowschema",
    namespaced: false,
    verbs: ALL_VERBS,
    subresources: ["status"],
    schema: "V1FlowSchema",
    hasGeneration: true,
    columns: [
      name,
      { name: "PriorityLevel", type: "string", cell: ".spec.priorityLevelConfiguration.name" },
      { name: "MatchingPrecedence", type: "string", cell: "int:.spec.matchingPrecedence" },
      { name: "DistinguisherMethod", type: "string", cell: ".spec.distinguisherMethod.type" },
      age,
      { name: "MissingPL", type: "string", cell: "flowSchema.missingPL" },
    ],
  },
  {
    group: "flowcontrol.apiserver.k8s.io",
    version: "v1",
    kind: "PriorityLevelConfiguration",
    plural: "prioritylevelconfigurations",
    singular: "prioritylevelconfiguration",
    namespaced: false,
    verbs: ALL_VERBS,
    subresources: ["status"],
    schema: "V1PriorityLevelConfiguration",
    hasGeneration: true,
    columns: [
      name,
      { name: "Type", type: "string", cell: ".spec.type" },
      { name: "NominalConcurrencyShares", type: "string", cell: "plc:nominalConcurrencyShares" },
      { name: "Queues", type: "string", cell: "plc:queues" },
      { name: "HandSize", type: "string", cell: "plc:handSize" },
      { name: "QueueLengthLimit", type: "string", cell: "plc:queueLengthLimit" },
      age,
    ],
  },
  // RBAC objects are stored and served, not enforced: both AKS credentials act as cluster admin.
  {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "Role",
    plural: "roles",
    singular: "role",
    namespaced: true,
    verbs: ALL_VERBS,
    schema: "V1Role",
    columns: [name, { name: "Created At", type: "date", cell: ".metadata.creationTimestamp" }],
  },
  {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "RoleBinding",
    plural: "rolebindings",
    singular: "rolebinding",
    namespaced: true,
    verbs: ALL_VERBS,
    schema: "V1RoleBinding",
    columns: [
      name,
      { name: "Role", type: "string", cell: "rbac.role" },
      age,
      wide({ name: "Users", type: "string", cell: "rbac.subjects:User" }),
      wide({ name: "Groups", type: "string", cell: "rbac.subjects:Group" }),
      wide({ name: "ServiceAccounts", type: "string", cell: "rbac.subjects:ServiceAccount" }),
    ],
  },
  {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "ClusterRole",
    plural: "clusterroles",
    singular: "clusterrole",
    namespaced: false,
    verbs: ALL_VERBS,
    schema: "V1ClusterRole",
    columns: [name, { name: "Created At", type: "date", cell: ".metadata.creationTimestamp" }],
  },
  {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "ClusterRoleBinding",
    plural: "clusterrolebindings",
    singular: "clusterrolebinding",
    namespaced: false,
    verbs: ALL_VERBS,
    schema: "V1ClusterRoleBinding",
    columns: [
      name,
      { name: "Role", type: "string", cell: "rbac.role" },
      age,
      wide({ name: "Users", type: "string", cell: "rbac.subjects:User" }),
      wide({ name: "Groups", type: "string", cell: "rbac.subjects:Group" }),
      wide({ name: "ServiceAccounts", type: "string", cell: "rbac.subjects:ServiceAccount" }),
    ],
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
  {
    group: "apiregistration.k8s.io",
    version: "v1",
    kind: "APIService",
    plural: "apiservices",
    singular: "apiservice",
    namespaced: false,
    categories: ["api-extensions"],
    verbs: ALL_VERBS,
    subresources: ["status"],
    schema: "V1APIService",
    columns: apiServiceColumns,
  },
  {
    group: "authorization.k8s.io",
    version: "v1",
    kind: "SelfSubjectAccessReview",
    plural: "selfsubjectaccessreviews",
    singular: "selfsubjectaccessreview",
    namespaced: false,
    verbs: ["create"],
    schema: "V1SelfSubjectAccessReview",
    columns: [],
    review: "selfAccess",
  },
  {
    group: "authorization.k8s.io",
    version: "v1",
    kind: "SelfSubjectRulesReview",
    plural: "selfsubjectrulesreviews",
    singular: "selfsubjectrulesreview",
    namespaced: false,
    verbs: ["create"],
    schema: "V1SelfSubjectRulesReview",
    columns: [],
    review: "selfRules",
  },
  {
    group: "authorization.k8s.io",
    version: "v1",
    kind: "SubjectAccessReview",
    plural: "subjectaccessreviews",
    singular: "subjectaccessreview",
    namespaced: false,
    verbs: ["create"],
    schema: "V1SubjectAccessReview",
    columns: [],
    review: "access",
  },
  {
    group: "authentication.k8s.io",
    version: "v1",
    kind: "SelfSubjectReview",
    plural: "selfsubjectreviews",
    singular: "selfsubjectreview",
    namespaced: false,
    verbs: ["create"],
    schema: "V1SelfSubjectReview",
    columns: [],
    review: "self",
  },
];

/**
 * metrics.k8s.io/v1beta1 as metrics-server registers it (pkg/api/install.go: NodeMetrics and
 * PodMetrics, get and list only, no short names). Not built in: a cluster serves them while its
 * `v1beta1.metrics.k8s.io` APIService is there (catalog.ts).
 */
// metrics-server's ConvertToTable (pkg/api/table.go): the usage's names sorted, then Window.
const metricsColumns: PrinterColumn[] = [
  name,
  { name: "cpu", type: "string", format: "quantity", cell: "metrics.usage:cpu" },
  { name: "memory", type: "string", format: "quantity", cell: "metrics.usage:memory" },
  { name: "Window", type: "string", format: "duration", cell: ".window" },
];

export const METRICS_KINDS: KindSpec[] = [
  {
    group: "metrics.k8s.io",
    version: "v1beta1",
    kind: "NodeMetrics",
    plural: "nodes",
    singular: "",
    namespaced: false,
    verbs: ["get", "list"],
    schema: "",
    columns: metricsColumns,
    metrics: "nodes",
  },
  {
    group: "metrics.k8s.io",
    version: "v1beta1",
    kind: "PodMetrics",
    plural: "pods",
    singular: "",
    namespaced: true,
    verbs: ["get", "list"],
    schema: "",
    columns: metricsColumns,
    metrics: "pods",
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
  "V1MutatingWebhookConfiguration.webhooks": { strategy: "merge", key: "name" },
  "V1ValidatingWebhookConfiguration.webhooks": { strategy: "merge", key: "name" },
};

export function groupVersion(k: Pick<KindSpec, "group" | "version">): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

/** The store's resource key: `<group>/<plural>`, core group spelled `core`. */
export function resourceKey(k: Pick<KindSpec, "group" | "plural">): string {
  return `${k.group || "core"}/${k.plural}`;
}

export const DEFAULT_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];
