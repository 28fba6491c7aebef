// kube-apiserver's defaulting of built-in kinds, as a table: for each schema definition, the
// fields it fills when absent (pkg/apis/{core,apps,batch,networking}/v1/defaults.go and the
// `+default` markers of k8s.io/api). `applyDefaults` walks an object along its schema and
// applies the rows of every definition it meets, parent before children, as the generated
// SetObjectDefaults_* functions do, so a PodSpec inside a Deployment's template gets the same
// defaults as a Pod's. Applied on every create and update, before validation and storage.
//
// A few rows are what admission plugins add to a new Pod (ServiceAccount,
// DefaultTolerationSeconds): marked `onCreate`, top-level only. (Priority needs the
// PriorityClasses: it is an admission step, controllers/priority.ts.)

import { badRequest } from "./errors.js";
import { goJsonKind } from "./goJson.js";
import { cloneJson } from "./json.js";
import { getOwn, setOwn, withMissing } from "./ownKeys.js";
import type { Schema } from "./schemas.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

export interface DefaultRule {
  /** Dotted path below the object of this definition. */
  field: string;
  /** The value when the field is absent (copied). */
  value?: unknown;
  /** Or a value computed from the object of this definition. */
  compute?: (o: Obj) => unknown;
  /** Only when this holds for the object. */
  when?: (o: Obj) => boolean;
  /** A `null` is dropped (Go decodes it as the zero value, which is omitted). */
  dropNull?: true;
  /** An empty list is dropped (a `len(x) == 0` default in Go takes it as absent). */
  dropEmpty?: true;
  /** Or a default that fills in items of a list already there, in place. */
  adjust?: (o: Obj) => void;
  /** Only on create (admission plugins' additions). */
  onCreate?: true;
}

/** ParseImageName's tag: "latest" when the reference names none (and has no digest). */
export function imageTag(image: string): string | undefined {
  if (image.includes("@")) return undefined;
  const last = image.slice(image.lastIndexOf("/") + 1);
  const colon = last.lastIndexOf(":");
  return colon < 0 ? "latest" : last.slice(colon + 1);
}

const get = (o: Obj, p: string): unknown => {
  let cur: unknown = o;
  for (const k of p.split(".")) cur = isObj(cur) ? cur[k] : undefined;
  return cur;
};
const strategyIs = (path: string, type: string) => (o: Obj) => get(o, path) === type;
const DEFAULT_MODE = 420; // 0644

const CORE = "io.k8s.api.core.v1";
const APPS = "io.k8s.api.apps.v1";
const BATCH = "io.k8s.api.batch.v1";
const NET = "io.k8s.api.networking.v1";
const ADMISSION = "io.k8s.api.admissionregistration.v1";
const FLOWCONTROL = "io.k8s.api.flowcontrol.v1";
const WEBHOOK_DEFAULTS: DefaultRule[] = [
  { field: "failurePolicy", value: "Fail" },
  { field: "matchPolicy", value: "Equivalent" },
  { field: "namespaceSelector", value: {} },
  { field: "objectSelector", value: {} },
  { field: "timeoutSeconds", value: 10 },
];
const HPA_V2 = "io.k8s.api.autoscaling.v2";

/** pkg/apis/autoscaling/v2/defaults.go: the CPU target an HPA without metrics gets, and behavior's rules. */
const DEFAULT_HPA_METRICS = [
  { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } },
];
const HPA_SCALE_UP_POLICIES = [
  { type: "Pods", value: 4, periodSeconds: 15 },
  { type: "Percent", value: 100, periodSeconds: 15 },
];
const HPA_SCALE_DOWN_POLICIES = [{ type: "Percent", value: 100, periodSeconds: 15 }];

/**
 * Decode-time folds of write-only fields (kube-apiserver's v1 → internal conversions), run on a
 * top-level object before its defaults: definition name → the fold, in place.
 */
export const DECODE_FOLDS: Record<string, (o: Obj) => void> = {
  // Convert_v1_Secret_To_core_Secret: each stringData entry overwrites data's (as bytes, so
  // base64 on the wire); stringData itself is never stored or returned.
  [`${CORE}.Secret`]: (o) => {
    const sd = o.stringData;
    delete o.stringData;
    if (!isObj(sd) || !Object.keys(sd).length) return;
    const data = isObj(o.data) ? o.data : {};
    for (const k of Object.keys(sd)) {
      const v = getOwn(sd, k);
      // Go decodes a null as "" and refuses any other non-string.
      if (v !== null && typeof v !== "string")
        throw badRequest(
          `Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal ${goJsonKind(v)} into Go struct field Secret.stringData of type string`,
        );
      setOwn(data, k, Buffer.from(v ?? "", "utf8").toString("base64"));
    }
    o.data = data;
  },
};

/**
 * SetDefaults_Pod: a container that sets a limit but no request for a resource requests its limit
 * (on Pods only, not templates), keys in Go's map order.
 */
function requestsFromLimits(pod: Obj): void {
  const spec = isObj(pod.spec) ? pod.spec : {};
  for (const key of ["containers", "initContainers"]) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      const res = isObj(c) && isObj(c.resources) ? c.resources : undefined;
      if (!res || !isObj(res.limits)) continue;
      res.requests = withMissing(isObj(res.requests) ? res.requests : undefined, res.limits).merged;
    }
  }
}

/**
 * SetDefaults_LimitRangeItem (Container items): a default limit from max, then a default request
 * from the default limit, else from min.
 */
function limitRangeItemDefaults(item: Obj): void {
  const fill = (into: string, from: unknown) => {
    if (!isObj(from)) return;
    const { merged } = withMissing(isObj(item[into]) ? item[into] : undefined, from);
    if (Object.keys(merged).length) item[into] = merged;
  };
  fill("default", item.max);
  fill("defaultRequest", item.default);
  fill("defaultRequest", item.min);
}

function defaultHostNetworkPorts(spec: Obj): void {
  for (const key of ["containers", "initContainers"]) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    for (const c of list)
      for (const p of isObj(c) && Array.isArray(c.ports) ? c.ports : [])
        if (isObj(p) && (p.hostPort === undefined || p.hostPort === 0)) p.hostPort = p.containerPort;
  }
}

/** Definition name → rows. Service defaults live with its address allocation (services/admission.ts). */
export const DEFAULTS: Record<string, DefaultRule[]> = {
  "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": [{ field: "creationTimestamp", dropNull: true }],
  [`${CORE}.Pod`]: [
    { field: "spec", adjust: requestsFromLimits },
    { field: "spec.enableServiceLinks", value: true },
    // The deprecated serviceAccount names the account when serviceAccountName does not (v1 conversion).
    {
      field: "spec.serviceAccountName",
      compute: (o) => get(o, "spec.serviceAccount") || undefined,
      onCreate: true,
    },
    { field: "spec.serviceAccountName", value: "default", onCreate: true },
    { field: "spec.serviceAccount", compute: (o) => get(o, "spec.serviceAccountName"), onCreate: true },
    {
      field: "spec.tolerations",
      compute: (o) => defaultTolerations(get(o, "spec.tolerations")),
      onCreate: true,
    },
  ],
  [`${CORE}.PodSpec`]: [
    { field: "dnsPolicy", value: "ClusterFirst" },
    { field: "restartPolicy", value: "Always" },
    { field: "securityContext", value: {} },
    { field: "terminationGracePeriodSeconds", value: 30 },
    { field: "schedulerName", value: "default-scheduler" },
    // defaultHostNetworkPorts: on the host network a container port is also its host port.
    { field: "containers", adjust: defaultHostNetworkPorts, when: (o) => o.hostNetwork === true },
  ],
  [`${CORE}.Container`]: [
    {
      field: "imagePullPolicy",
      compute: (c) => (imageTag(String(c.image ?? "")) === "latest" ? "Always" : "IfNotPresent"),
    },
    { field: "terminationMessagePath", value: "/dev/termination-log" },
    { field: "terminationMessagePolicy", value: "File" },
    // A struct, not a pointer, in Go: always serialised.
    { field: "resources", value: {} },
  ],
  [`${CORE}.EphemeralContainer`]: [
    {
      field: "imagePullPolicy",
      compute: (c) => (imageTag(String(c.image ?? "")) === "latest" ? "Always" : "IfNotPresent"),
    },
    { field: "terminationMessagePath", value: "/dev/termination-log" },
    { field: "terminationMessagePolicy", value: "File" },
  ],
  [`${CORE}.ContainerPort`]: [{ field: "protocol", value: "TCP" }],
  [`${CORE}.LimitRangeItem`]: [
    { field: "default", adjust: limitRangeItemDefaults, when: (o) => o.type === "Container" },
  ],
  [`${CORE}.Probe`]: [
    { field: "timeoutSeconds", value: 1 },
    { field: "periodSeconds", value: 10 },
    { field: "successThreshold", value: 1 },
    { field: "failureThreshold", value: 3 },
  ],
  [`${CORE}.HTTPGetAction`]: [
    { field: "path", value: "/" },
    { field: "scheme", value: "HTTP" },
  ],
  [`${CORE}.Volume`]: [
    {
      field: "emptyDir",
      value: {},
      when: (v) => Object.keys(v).every((k) => k === "name"),
    },
  ],
  [`${CORE}.SecretVolumeSource`]: [{ field: "defaultMode", value: DEFAULT_MODE }],
  [`${CORE}.ConfigMapVolumeSource`]: [{ field: "defaultMode", value: DEFAULT_MODE }],
  [`${CORE}.DownwardAPIVolumeSource`]: [{ field: "defaultMode", value: DEFAULT_MODE }],
  [`${CORE}.ProjectedVolumeSource`]: [{ field: "defaultMode", value: DEFAULT_MODE }],
  [`${CORE}.ServiceAccountTokenProjection`]: [{ field: "expirationSeconds", value: 3600 }],
  [`${CORE}.HostPathVolumeSource`]: [{ field: "type", value: "" }],
  [`${CORE}.ObjectFieldSelector`]: [{ field: "apiVersion", value: "v1" }],
  [`${CORE}.Secret`]: [{ field: "type", value: "Opaque" }],
  // SetDefaults_PersistentVolume(Claim)(Spec): a claim's template in a StatefulSet gets them too.
  [`${CORE}.PersistentVolumeClaim`]: [{ field: "status.phase", value: "Pending" }],
  [`${CORE}.PersistentVolumeClaimSpec`]: [{ field: "volumeMode", value: "Filesystem" }],
  [`${CORE}.PersistentVolume`]: [{ field: "status.phase", value: "Pending" }],
  [`${CORE}.PersistentVolumeSpec`]: [
    { field: "persistentVolumeReclaimPolicy", value: "Retain" },
    { field: "volumeMode", value: "Filesystem" },
  ],
  // SetDefaults_ReplicationController: selector and labels from the template's labels.
  [`${CORE}.ReplicationController`]: [
    {
      field: "spec.selector",
      compute: (o) => get(o, "spec.template.metadata.labels"),
      when: (o) =>
        isObj(get(o, "spec.template.metadata.labels")) &&
        !Object.keys((get(o, "spec.selector") as Obj | undefined) ?? {}).length,
    },
    {
      field: "metadata.labels",
      compute: (o) => get(o, "spec.template.metadata.labels"),
      when: (o) =>
        isObj(get(o, "spec.template.metadata.labels")) &&
        !Object.keys((get(o, "metadata.labels") as Obj | undefined) ?? {}).length,
    },
  ],
  [`${CORE}.ReplicationControllerSpec`]: [{ field: "replicas", value: 1 }],
  [`${APPS}.DeploymentSpec`]: [
    { field: "replicas", value: 1 },
    { field: "strategy.type", value: "RollingUpdate" },
    {
      field: "strategy.rollingUpdate.maxUnavailable",
      value: "25%",
      when: strategyIs("strategy.type", "RollingUpdate"),
    },
    {
      field: "strategy.rollingUpdate.maxSurge",
      value: "25%",
      when: strategyIs("strategy.type", "RollingUpdate"),
    },
    { field: "revisionHistoryLimit", value: 10 },
    { field: "progressDeadlineSeconds", value: 600 },
  ],
  [`${APPS}.ReplicaSetSpec`]: [{ field: "replicas", value: 1 }],
  [`${APPS}.DaemonSetSpec`]: [
    { field: "updateStrategy.type", value: "RollingUpdate" },
    {
      field: "updateStrategy.rollingUpdate.maxUnavailable",
      value: 1,
      when: strategyIs("updateStrategy.type", "RollingUpdate"),
    },
    {
      field: "updateStrategy.rollingUpdate.maxSurge",
      value: 0,
      when: strategyIs("updateStrategy.type", "RollingUpdate"),
    },
    { field: "revisionHistoryLimit", value: 10 },
  ],
  [`${APPS}.StatefulSetSpec`]: [
    { field: "podManagementPolicy", value: "OrderedReady" },
    // A type left out becomes RollingUpdate with an (empty) rollingUpdate; a given type does not.
    {
      field: "updateStrategy.rollingUpdate",
      value: {},
      when: (o) => get(o, "updateStrategy.type") === undefined,
    },
    { field: "updateStrategy.type", value: "RollingUpdate" },
    {
      field: "updateStrategy.rollingUpdate.partition",
      value: 0,
      when: (o) =>
        get(o, "updateStrategy.type") === "RollingUpdate" && isObj(get(o, "updateStrategy.rollingUpdate")),
    },
    { field: "persistentVolumeClaimRetentionPolicy.whenDeleted", value: "Retain" },
    { field: "persistentVolumeClaimRetentionPolicy.whenScaled", value: "Retain" },
    { field: "replicas", value: 1 },
    { field: "revisionHistoryLimit", value: 10 },
  ],
  [`${BATCH}.Job`]: [
    {
      field: "metadata.labels",
      compute: (o) => get(o, "spec.template.metadata.labels"),
      when: (o) => !Object.keys((get(o, "metadata.labels") as Obj | undefined) ?? {}).length,
    },
  ],
  [`${BATCH}.JobSpec`]: [
    { field: "completions", value: 1, when: (o) => o.parallelism === undefined },
    { field: "parallelism", value: 1 },
    { field: "backoffLimit", value: 6 },
    { field: "completionMode", value: "NonIndexed" },
    { field: "suspend", value: false },
    {
      field: "podReplacementPolicy",
      compute: (o) => (o.podFailurePolicy ? "Failed" : "TerminatingOrFailed"),
    },
  ],
  [`${BATCH}.CronJobSpec`]: [
    { field: "concurrencyPolicy", value: "Allow" },
    { field: "suspend", value: false },
    { field: "successfulJobsHistoryLimit", value: 3 },
    { field: "failedJobsHistoryLimit", value: 1 },
  ],
  [`${NET}.NetworkPolicySpec`]: [
    {
      field: "policyTypes",
      compute: (o) => (Array.isArray(o.egress) && o.egress.length ? ["Ingress", "Egress"] : ["Ingress"]),
    },
  ],
  [`${NET}.NetworkPolicyPort`]: [{ field: "protocol", value: "TCP" }],
  // admissionregistration/v1 SetDefaults_{Validating,Mutating}Webhook, _Rule, _ServiceReference.
  [`${ADMISSION}.ValidatingWebhook`]: WEBHOOK_DEFAULTS,
  [`${ADMISSION}.MutatingWebhook`]: [...WEBHOOK_DEFAULTS, { field: "reinvocationPolicy", value: "Never" }],
  // pkg/apis/scheduling/v1/defaults.go: SetDefaults_PriorityClass.
  "io.k8s.api.scheduling.v1.PriorityClass": [{ field: "preemptionPolicy", value: "PreemptLowerPriority" }],
  // storage/v1 SetDefaults_CSIDriver (SELinuxMount is beta and on from 1.27).
  "io.k8s.api.storage.v1.CSIDriverSpec": [
    { field: "attachRequired", value: true },
    { field: "podInfoOnMount", value: false },
    { field: "storageCapacity", value: false },
    { field: "fsGroupPolicy", value: "ReadWriteOnceWithFSType" },
    { field: "volumeLifecycleModes", value: ["Persistent"] },
    { field: "requiresRepublish", value: false },
    { field: "seLinuxMount", value: false },
  ],
  // admissionregistration/v1 SetDefaults_ValidatingAdmissionPolicySpec, _MatchResources, _ParamRef.
  [`${ADMISSION}.ValidatingAdmissionPolicySpec`]: [{ field: "failurePolicy", value: "Fail" }],
  [`${ADMISSION}.MatchResources`]: [
    { field: "namespaceSelector", value: {} },
    { field: "objectSelector", value: {} },
    { field: "matchPolicy", value: "Equivalent" },
  ],
  [`${ADMISSION}.NamedRuleWithOperations`]: [{ field: "scope", value: "*" }],
  // flowcontrol/v1 SetDefaults_FlowSchemaSpec, _LimitedPriorityLevelConfiguration,
  // _ExemptPriorityLevelConfiguration, _QueuingConfiguration.
  [`${FLOWCONTROL}.FlowSchemaSpec`]: [{ field: "matchingPrecedence", value: 1000 }],
  [`${FLOWCONTROL}.LimitedPriorityLevelConfiguration`]: [
    { field: "nominalConcurrencyShares", value: 30 },
    { field: "lendablePercent", value: 0 },
  ],
  [`${FLOWCONTROL}.ExemptPriorityLevelConfiguration`]: [
    { field: "nominalConcurrencyShares", value: 0 },
    { field: "lendablePercent", value: 0 },
  ],
  [`${FLOWCONTROL}.QueuingConfiguration`]: [
    { field: "queues", value: 64 },
    { field: "handSize", value: 8 },
    { field: "queueLengthLimit", value: 50 },
  ],
  [`${ADMISSION}.RuleWithOperations`]: [{ field: "scope", value: "*" }],
  [`${ADMISSION}.ServiceReference`]: [{ field: "port", value: 443 }],
  ["io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec"]: [{ field: "minReplicas", value: 1 }],
  [`${HPA_V2}.HorizontalPodAutoscalerSpec`]: [
    { field: "minReplicas", value: 1 },
    { field: "metrics", dropEmpty: true },
    { field: "metrics", value: DEFAULT_HPA_METRICS },
  ],
  // Only a behavior that is there is filled (scale-down's stabilization window stays unset:
  // the controller's 300 s applies).
  [`${HPA_V2}.HorizontalPodAutoscalerBehavior`]: [
    { field: "scaleUp.stabilizationWindowSeconds", value: 0 },
    { field: "scaleUp.selectPolicy", value: "Max" },
    { field: "scaleUp.policies", value: HPA_SCALE_UP_POLICIES },
    { field: "scaleDown.selectPolicy", value: "Max" },
    { field: "scaleDown.policies", value: HPA_SCALE_DOWN_POLICIES },
  ],
};

/** DefaultTolerationSeconds: not-ready and unreachable tolerated for 300 s unless the pod says otherwise. */
function defaultTolerations(have: unknown): unknown {
  const list = Array.isArray(have) ? (have as Obj[]) : [];
  const out = [...list];
  for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
    const covered = list.some(
      (t) =>
        (t.key === key || (t.key === undefined && t.operator === "Exists")) &&
        (t.effect === undefined || t.effect === "" || t.effect === "NoExecute"),
    );
    if (!covered) out.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
  }
  return out;
}

const splitFields = new Map<string, string[]>();
function setIfAbsent(o: Obj, path: string, r: DefaultRule): void {
  let parts = splitFields.get(path);
  if (!parts) {
    parts = path.split(".");
    splitFields.set(path, parts);
  }
  let cur = o;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i];
    if (cur[k] === undefined) cur[k] = {};
    if (!isObj(cur[k])) return;
    cur = cur[k] as Obj;
  }
  const last = parts[parts.length - 1];
  if (r.dropNull) {
    if (cur[last] === null) delete cur[last];
    return;
  }
  if (r.dropEmpty) {
    const v = cur[last];
    if (Array.isArray(v) && v.length === 0) delete cur[last];
    return;
  }
  if (cur[last] !== undefined) return;
  const v = r.compute ? r.compute(o) : typeof r.value === "object" ? cloneJson(r.value) : r.value;
  if (v !== undefined) cur[last] = v;
}

const refName = (s: Schema | undefined) => s?.$ref?.replace(/^#\/(definitions|components\/schemas)\//, "");

/**
 * How applyDefaults descends into one property (the original's branches, in order): a
 * definition; else, for an array schema and an array value, each item's; else, for an object
 * value, each map value's. Names without rows below are left out.
 */
interface Descent {
  field: string;
  ref?: string;
  array: boolean;
  items?: string;
  values?: string;
}
interface Plan {
  rows: DefaultRule[];
  /** Only the properties under which some definition has rows, in schema order. */
  descents: Descent[];
}

function descents(s: Schema | undefined): Descent[] {
  const out: Descent[] = [];
  for (const [field, ps] of Object.entries(s?.properties ?? {})) {
    const ref = refName(ps);
    const items = ps.type === "array" ? refName(ps.items) : undefined;
    const values = isObj(ps.additionalProperties) ? refName(ps.additionalProperties as Schema) : undefined;
    if (ref || items || values) out.push({ field, ref, array: ps.type === "array", items, values });
  }
  return out;
}

/**
 * Per definition: its rows and the properties worth descending into — those leading to a
 * definition with rows (a fixed point over the definitions, which may be recursive).
 */
const plans = new WeakMap<ReadonlyMap<string, Schema>, Map<string, Plan>>();
function plansFor(defs: ReadonlyMap<string, Schema>): Map<string, Plan> {
  let out = plans.get(defs);
  if (out) return out;
  const all = new Map<string, Descent[]>();
  for (const [name, s] of defs) all.set(name, descents(s));
  const useful = new Set(Object.keys(DEFAULTS).filter((n) => DEFAULTS[n].length));
  const leads = (n: string | undefined) => n !== undefined && useful.has(n);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [name, ds] of all)
      if (!useful.has(name) && ds.some((d) => leads(d.ref) || leads(d.items) || leads(d.values))) {
        useful.add(name);
        grew = true;
      }
  }
  out = new Map();
  for (const name of new Set([...all.keys(), ...Object.keys(DEFAULTS)])) {
    const ds: Descent[] = [];
    for (const d of all.get(name) ?? []) {
      // A ref always takes its branch, useful or not; the others only their own value shapes.
      if (d.ref) {
        if (leads(d.ref)) ds.push({ field: d.field, ref: d.ref, array: false });
        continue;
      }
      const items = leads(d.items) ? d.items : undefined;
      const values = leads(d.values) ? d.values : undefined;
      if (items || values) ds.push({ field: d.field, array: d.array, items, values });
    }
    out.set(name, { rows: DEFAULTS[name] ?? [], descents: ds });
  }
  plans.set(defs, out);
  return out;
}
const NO_PLAN: Plan = { rows: [], descents: [] };

/**
 * Fills the defaults of `obj` (of definition `name`) in place, walking nested definitions.
 * `create`: also the admission rows of a new object.
 */
export function applyDefaults(
  obj: unknown,
  name: string,
  defs: ReadonlyMap<string, Schema>,
  create: boolean,
  top = true,
): void {
  if (top && isObj(obj)) DECODE_FOLDS[name]?.(obj);
  fill(obj, name, plansFor(defs), create, top);
}

function fill(obj: unknown, name: string, plans: Map<string, Plan>, create: boolean, top: boolean): void {
  if (!isObj(obj)) return;
  const plan = plans.get(name) ?? NO_PLAN;
  for (const r of plan.rows) {
    if (r.onCreate && !(create && top)) continue;
    if (r.when && !r.when(obj)) continue;
    if (r.adjust) r.adjust(obj);
    else setIfAbsent(obj, r.field, r);
  }
  for (const d of plan.descents) {
    const v = obj[d.field];
    if (v === undefined || v === null) continue;
    if (d.ref) fill(v, d.ref, plans, create, false);
    else if (d.array && Array.isArray(v)) {
      if (d.items) for (const x of v) fill(x, d.items, plans, create, false);
    } else if (isObj(v) && d.values)
      for (const x of Object.values(v)) fill(x, d.values, plans, create, false);
  }
}
