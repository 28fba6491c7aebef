// Objects every AKS cluster has from birth, as data: what kube-apiserver bootstraps itself
// (the system priority classes, the user-facing cluster roles and cluster-admin's binding —
// RBAC is stored, not enforced here) and the storage classes AKS's addon manager installs
// (disk and file CSI drivers, `default` marked as the default class). `KubeApi.ensureCluster`
// creates whichever is missing.

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
];
