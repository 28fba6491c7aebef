// Objects every AKS cluster has from birth, as data: what kube-apiserver bootstraps itself
// (the system priority classes, the user-facing cluster roles and cluster-admin's binding —
// RBAC is stored, not enforced here) and the storage classes AKS's addon manager installs
// (disk and file CSI drivers, `default` marked as the default class) with the drivers' CSIDriver
// objects, API Priority and Fairness's mandatory and suggested configuration (the apiserver's
// flowcontrol bootstrap), and the three component statuses kube-apiserver answers with.
// `KubeApi.ensureCluster` creates whichever is missing.

type Obj = Record<string, unknown>;

export interface BootstrapObject {
  /** Store key, `<group>/<plural>`. */
  resource: string;
  namespace: string;
  body: Obj;
}

const RBAC = "rbac.authorization.k8s.io/v1";
const rbacMeta = (name: string, labels: Record<string, string> = {}) => ({
  name,
  annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" },
  labels: { "kubernetes.io/bootstrapping": "rbac-defaults", ...labels },
});

const READ = ["get", "list", "watch"];
const WRITE = ["create", "delete", "deletecollection", "patch", "update"];
const viewRules = [
  {
    apiGroups: [""],
    resources: [
      "configmaps",
      "endpoints",
      "persistentvolumeclaims",
      "pods",
      "replicationcontrollers",
      "serviceaccounts",
      "services",
      "events",
      "limitranges",
      "namespaces",
      "resourcequotas",
    ],
    verbs: READ,
  },
  {
    apiGroups: ["apps"],
    resources: ["controllerrevisions", "daemonsets", "deployments", "replicasets", "statefulsets"],
    verbs: READ,
  },
  { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: READ },
  { apiGroups: ["batch"], resources: ["cronjobs", "jobs"], verbs: READ },
  { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: READ },
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses", "networkpolicies"], verbs: READ },
  { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: READ },
];
const editRules = [
  ...viewRules.map((r) => ({ ...r, verbs: [...WRITE, ...READ] })),
  { apiGroups: [""], resources: ["secrets"], verbs: [...WRITE, ...READ] },
  { apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] },
];
const adminRules = [
  ...editRules,
  {
    apiGroups: ["rbac.authorization.k8s.io"],
    resources: ["rolebindings", "roles"],
    verbs: [...WRITE, ...READ],
  },
];
const aggregated = (name: string, rules: Obj[], to: string[]): Obj => ({
  apiVersion: RBAC,
  kind: "ClusterRole",
  metadata: rbacMeta(
    name,
    Object.fromEntries(to.map((t) => [`rbac.authorization.k8s.io/aggregate-to-${t}`, "true"])),
  ),
  aggregationRule: {
    clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${name}`]: "true" } }],
  },
  rules,
});

const priorityClass = (name: string, value: number, description: string): Obj => ({
  apiVersion: "scheduling.k8s.io/v1",
  kind: "PriorityClass",
  metadata: { name },
  value,
  globalDefault: false,
  description,
  preemptionPolicy: "PreemptLowerPriority",
});

const storageClass = (
  name: string,
  provisioner: "disk.csi.azure.com" | "file.csi.azure.com",
  parameters: Record<string, string>,
  isDefault = false,
): Obj => ({
  apiVersion: "storage.k8s.io/v1",
  kind: "StorageClass",
  metadata: {
    name,
    labels: { "addonmanager.kubernetes.io/mode": "EnsureExists", "kubernetes.io/cluster-service": "true" },
    ...(isDefault ? { annotations: { "storageclass.kubernetes.io/is-default-class": "true" } } : {}),
  },
  provisioner,
  parameters,
  reclaimPolicy: "Delete",
  volumeBindingMode: provisioner === "disk.csi.azure.com" ? "WaitForFirstConsumer" : "Immediate",
  allowVolumeExpansion: true,
  ...(provisioner === "file.csi.azure.com"
    ? { mountOptions: ["mfsymlinks", "actimeo=30", "nosharesock"] }
    : {}),
});

const addonLabels = {
  "addonmanager.kubernetes.io/mode": "Reconcile",
  "kubernetes.io/cluster-service": "true",
};

// The CSIDriver objects of AKS's azuredisk and azurefile drivers (their charts' csi-*-driver.yaml
// as AKS deploys them), with the fields the API server defaults written out.
const csiDrivers: Obj[] = [
  {
    apiVersion: "storage.k8s.io/v1",
    kind: "CSIDriver",
    metadata: { name: "disk.csi.azure.com", labels: addonLabels },
    spec: {
      attachRequired: true,
      fsGroupPolicy: "File",
      podInfoOnMount: false,
      requiresRepublish: false,
      seLinuxMount: false,
      storageCapacity: false,
      volumeLifecycleModes: ["Persistent"],
    },
  },
  {
    apiVersion: "storage.k8s.io/v1",
    kind: "CSIDriver",
    metadata: { name: "file.csi.azure.com", labels: addonLabels },
    spec: {
      attachRequired: false,
      fsGroupPolicy: "None",
      podInfoOnMount: true,
      requiresRepublish: false,
      seLinuxMount: false,
      storageCapacity: false,
      // Workload identity: the driver mounts with a token for Entra ID's token exchange.
      tokenRequests: [{ audience: "api://AzureADTokenExchange" }],
      volumeLifecycleModes: ["Persistent", "Ephemeral"],
    },
  },
];

// kube-apiserver's componentstatus REST: every probe of AKS's managed control plane answers.
const componentStatus = (name: string): Obj => ({
  apiVersion: "v1",
  kind: "ComponentStatus",
  metadata: { name },
  conditions: [{ type: "Healthy", status: "True", message: "ok", error: "" }],
});

// API Priority and Fairness bootstrap (apiserver/pkg/apis/flowcontrol/bootstrap/default.go),
// in flowcontrol v1's shape: mandatory `exempt` and `catch-all`, and the suggested levels and
// schemas, each marked for auto-update.
const FLOWCONTROL = "flowcontrol.apiserver.k8s.io/v1";
const autoUpdate = { "apf.kubernetes.io/autoupdate-spec": "true" };
const ALL_RESOURCES = {
  verbs: ["*"],
  apiGroups: ["*"],
  resources: ["*"],
  clusterScope: true,
  namespaces: ["*"],
};
const ALL_NON_RESOURCES = { verbs: ["*"], nonResourceURLs: ["*"] };
const group = (name: string) => ({ kind: "Group", group: { name } });
const user = (name: string) => ({ kind: "User", user: { name } });
const kubeSystemAccounts = {
  kind: "ServiceAccount",
  serviceAccount: { namespace: "kube-system", name: "*" },
};
const everyone = [group("system:unauthenticated"), group("system:authenticated")];

const queued = (
  name: string,
  shares: number,
  lendablePercent: number,
  queues: number,
  handSize: number,
): Obj => ({
  apiVersion: FLOWCONTROL,
  kind: "PriorityLevelConfiguration",
  metadata: { name, annotations: autoUpdate },
  spec: {
    type: "Limited",
    limited: {
      nominalConcurrencyShares: shares,
      lendablePercent,
      limitResponse: { type: "Queue", queuing: { queues, handSize, queueLengthLimit: 50 } },
    },
  },
});

const priorityLevels: Obj[] = [
  {
    apiVersion: FLOWCONTROL,
    kind: "PriorityLevelConfiguration",
    metadata: { name: "exempt", annotations: autoUpdate },
    spec: { type: "Exempt", exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } },
  },
  {
    apiVersion: FLOWCONTROL,
    kind: "PriorityLevelConfiguration",
    metadata: { name: "catch-all", annotations: autoUpdate },
    spec: {
      type: "Limited",
      limited: { nominalConcurrencyShares: 5, lendablePercent: 0, limitResponse: { type: "Reject" } },
    },
  },
  queued("system", 30, 33, 64, 6),
  queued("node-high", 40, 25, 64, 6),
  queued("leader-election", 10, 0, 16, 4),
  queued("workload-high", 40, 50, 128, 6),
  queued("workload-low", 100, 90, 128, 6),
  queued("global-default", 20, 50, 128, 6),
];

const flowSchema = (
  name: string,
  level: string,
  precedence: number,
  distinguisher: "ByUser" | "ByNamespace" | undefined,
  rules: Obj,
): Obj => ({
  apiVersion: FLOWCONTROL,
  kind: "FlowSchema",
  metadata: { name, annotations: autoUpdate },
  spec: {
    priorityLevelConfiguration: { name: level },
    matchingPrecedence: precedence,
    ...(distinguisher ? { distinguisherMethod: { type: distinguisher } } : {}),
    rules: [rules],
  },
  // The configuration controller's Dangling condition: every level named here exists.
  status: {
    conditions: [
      {
        type: "Dangling",
        status: "False",
        reason: "Found",
        message: `This FlowSchema references the PriorityLevelConfiguration object named "${level}" and it exists`,
      },
    ],
  },
});

const everything = (subjects: Obj[]): Obj => ({
  subjects,
  resourceRules: [ALL_RESOURCES],
  nonResourceRules: [ALL_NON_RESOURCES],
});
const electionRules = (namespaces: string[]) => [
  {
    verbs: ["get", "create", "update"],
    apiGroups: [""],
    resources: ["endpoints", "configmaps"],
    namespaces,
  },
  {
    verbs: ["get", "create", "update"],
    apiGroups: ["coordination.k8s.io"],
    resources: ["leases"],
    namespaces: ["*"],
  },
];

const flowSchemas: Obj[] = [
  flowSchema("exempt", "exempt", 1, undefined, everything([group("system:masters")])),
  flowSchema("probes", "exempt", 2, undefined, {
    subjects: everyone,
    nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["/healthz", "/readyz", "/livez"] }],
  }),
  flowSchema("system-leader-election", "leader-election", 100, "ByUser", {
    subjects: [user("system:kube-controller-manager"), user("system:kube-scheduler"), kubeSystemAccounts],
    resourceRules: electionRules(["kube-system"]),
  }),
  flowSchema("workload-leader-election", "leader-election", 200, "ByUser", {
    subjects: [kubeSystemAccounts],
    resourceRules: electionRules(["*"]),
  }),
  flowSchema("system-node-high", "node-high", 400, "ByUser", {
    subjects: [group("system:nodes")],
    resourceRules: [
      {
        verbs: ["*"],
        apiGroups: [""],
        resources: ["nodes", "nodes/status"],
        clusterScope: true,
        namespaces: ["*"],
      },
      { verbs: ["*"], apiGroups: ["coordination.k8s.io"], resources: ["leases"], namespaces: ["*"] },
    ],
  }),
  flowSchema("system-nodes", "system", 500, "ByUser", everything([group("system:nodes")])),
  flowSchema(
    "kube-controller-manager",
    "workload-high",
    800,
    "ByNamespace",
    everything([user("system:kube-controller-manager")]),
  ),
  flowSchema(
    "kube-scheduler",
    "workload-high",
    800,
    "ByNamespace",
    everything([user("system:kube-scheduler")]),
  ),
  flowSchema(
    "kube-system-service-accounts",
    "workload-high",
    900,
    "ByNamespace",
    everything([kubeSystemAccounts]),
  ),
  flowSchema(
    "service-accounts",
    "workload-low",
    9000,
    "ByUser",
    everything([group("system:serviceaccounts")]),
  ),
  flowSchema("global-default", "global-default", 9900, "ByUser", everything(everyone)),
  flowSchema("catch-all", "catch-all", 10000, "ByUser", everything(everyone)),
];

export const BOOTSTRAP: BootstrapObject[] = [
  ...[
    priorityClass(
      "system-cluster-critical",
      2000000000,
      "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
    ),
    priorityClass(
      "system-node-critical",
      2000001000,
      "Used for system critical pods that must not be moved from their current node.",
    ),
  ].map((body) => ({ resource: "scheduling.k8s.io/priorityclasses", namespace: "", body })),
  ...[
    {
      apiVersion: RBAC,
      kind: "ClusterRole",
      metadata: rbacMeta("cluster-admin"),
      rules: [
        { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
        { nonResourceURLs: ["*"], verbs: ["*"] },
      ],
    },
    aggregated("admin", adminRules, []),
    aggregated("edit", editRules, ["admin"]),
    aggregated("view", viewRules, ["edit"]),
  ].map((body) => ({ resource: "rbac.authorization.k8s.io/clusterroles", namespace: "", body })),
  {
    resource: "rbac.authorization.k8s.io/clusterrolebindings",
    namespace: "",
    body: {
      apiVersion: RBAC,
      kind: "ClusterRoleBinding",
      metadata: rbacMeta("cluster-admin"),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:masters" }],
    },
  },
  ...[
    storageClass("default", "disk.csi.azure.com", { skuname: "StandardSSD_LRS" }, true),
    storageClass("managed-csi", "disk.csi.azure.com", { skuname: "StandardSSD_LRS" }),
    storageClass("managed-csi-premium", "disk.csi.azure.com", { skuname: "Premium_LRS" }),
    storageClass("managed", "disk.csi.azure.com", {
      cachingmode: "ReadOnly",
      kind: "Managed",
      storageaccounttype: "StandardSSD_LRS",
    }),
    storageClass("managed-premium", "disk.csi.azure.com", {
      cachingmode: "ReadOnly",
      kind: "Managed",
      storageaccounttype: "Premium_LRS",
    }),
    storageClass("azurefile-csi", "file.csi.azure.com", { skuName: "Standard_LRS" }),
    storageClass("azurefile-csi-premium", "file.csi.azure.com", { skuName: "Premium_LRS" }),
    storageClass("azurefile", "file.csi.azure.com", { skuName: "Standard_LRS" }),
    storageClass("azurefile-premium", "file.csi.azure.com", { skuName: "Premium_LRS" }),
  ].map((body) => ({ resource: "storage.k8s.io/storageclasses", namespace: "", body })),
  ...csiDrivers.map((body) => ({ resource: "storage.k8s.io/csidrivers", namespace: "", body })),
  ...["scheduler", "controller-manager", "etcd-0"].map((name) => ({
    resource: "core/componentstatuses",
    namespace: "",
    body: componentStatus(name),
  })),
  ...priorityLevels.map((body) => ({
    resource: "flowcontrol.apiserver.k8s.io/prioritylevelconfigurations",
    namespace: "",
    body,
  })),
  ...flowSchemas.map((body) => ({
    resource: "flowcontrol.apiserver.k8s.io/flowschemas",
    namespace: "",
    body,
  })),
];
