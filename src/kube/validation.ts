// Validation rules of the built-in kinds that clients meet most (k8s.io/kubernetes
// pkg/apis/*/validation), with kube-apiserver's field paths and wording. Each rule is data:
// the kind it applies to and a check returning causes.
import { isIP } from "node:net";
import type { ResourceType } from "./catalog.js";
import { invalidOptions, type StatusCause } from "./errors.js";
import { GO_PRINTABLE } from "./fields.js";
import { goJsonKind } from "./goJson.js";
import { goJsonSyntaxError, goQuote } from "./goText.js";
import { sameUnordered } from "./json.js";
import { getOwn } from "./ownKeys.js";
import { labelSelectorRequirements, matchLabels } from "./selectors.js";
import { loadLocationError, parseStandard, ScheduleError } from "./workloads/cronSchedule.js";
import { parseQuantity } from "./workloads/quantity.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);
const required = (field: string): StatusCause => ({
  reason: "FieldValueRequired",
  field,
  message: "Required value",
});
const invalidValue = (field: string, value: unknown, msg: string): StatusCause => ({
  reason: "FieldValueInvalid",
  field,
  message: `Invalid value: ${typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value)}: ${msg}`,
});

const PORT_PROTOCOLS = ["SCTP", "TCP", "UDP"];
// Listed in upstream's order (NotSupported prints them as given).
const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];
const DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
const notSupported = (field: string, value: unknown, supported: string[]): StatusCause => ({
  reason: "FieldValueNotSupported",
  field,
  message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((v) => JSON.stringify(v)).join(", ")}`,
});
const duplicate = (field: string, value: string): StatusCause => ({
  reason: "FieldValueDuplicate",
  field,
  message: `Duplicate value: ${JSON.stringify(value)}`,
});
const oneOf = (field: string, value: unknown, supported: string[]): StatusCause[] =>
  value === undefined || supported.includes(String(value)) ? [] : [notSupported(field, value, supported)];
const portNumber = (field: string, v: unknown): StatusCause[] =>
  typeof v === "number" && v >= 1 && v <= 65535
    ? []
    : [invalidValue(field, v ?? 0, "must be between 1 and 65535, inclusive")];

/** validation.IsValidPortName: an IANA_SVC_NAME. */
export function portNameErrors(name: string): string[] {
  const out: string[] = [];
  if (name.length > 15) out.push("must be no more than 15 characters");
  if (!/^[-a-z0-9]+$/.test(name))
    out.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!/[a-z]/.test(name)) out.push("must contain at least one letter (a-z)");
  if (name.includes("--")) out.push("must not contain consecutive hyphens");
  if (name.startsWith("-") || name.endsWith("-")) out.push("must not begin or end with a hyphen");
  return out;
}

/** validateContainerPorts. */
function containerPorts(ports: unknown[], at: string): StatusCause[] {
  const out: StatusCause[] = [];
  const names = new Set<string>();
  ports.forEach((port, j) => {
    if (!isObj(port)) return;
    const p = `${at}[${j}]`;
    const name = typeof port.name === "string" ? port.name : "";
    if (name) {
      const errs = portNameErrors(name);
      for (const e of errs) out.push(invalidValue(`${p}.name`, name, e));
      if (!errs.length && names.has(name)) out.push(duplicate(`${p}.name`, name));
      names.add(name);
    }
    if (port.containerPort === undefined || port.containerPort === 0)
      out.push(required(`${p}.containerPort`));
    else out.push(...portNumber(`${p}.containerPort`, port.containerPort));
    if (port.hostPort !== undefined && port.hostPort !== 0)
      out.push(...portNumber(`${p}.hostPort`, port.hostPort));
    out.push(...oneOf(`${p}.protocol`, port.protocol, PORT_PROTOCOLS));
  });
  return out;
}

/** validateVolumes' names (a volume without a source was defaulted to emptyDir); returns them for the mounts. */
function volumes(list: unknown, at: string, out: StatusCause[]): Set<string> {
  const names = new Set<string>();
  (Array.isArray(list) ? list : []).forEach((v, i) => {
    if (!isObj(v)) return;
    const p = `${at}[${i}]`;
    const name = typeof v.name === "string" ? v.name : "";
    if (!name) out.push(required(`${p}.name`));
    else if (names.has(name)) out.push(duplicate(`${p}.name`, name));
    names.add(name);
  });
  return names;
}

/** validateVolumeMounts: each names a volume of the pod; mount paths unique per container. */
function volumeMounts(list: unknown, vols: Set<string>, at: string): StatusCause[] {
  const out: StatusCause[] = [];
  const paths = new Set<string>();
  (Array.isArray(list) ? list : []).forEach((m, i) => {
    if (!isObj(m)) return;
    const p = `${at}[${i}]`;
    const name = typeof m.name === "string" ? m.name : "";
    if (!name) out.push(required(`${p}.name`));
    if (!vols.has(name))
      out.push({
        reason: "FieldValueNotFound",
        field: `${p}.name`,
        message: `Not found: ${JSON.stringify(name)}`,
      });
    const path = typeof m.mountPath === "string" ? m.mountPath : "";
    if (!path) out.push(required(`${p}.mountPath`));
    if (paths.has(path)) out.push(invalidValue(`${p}.mountPath`, path, "must be unique"));
    paths.add(path);
  });
  return out;
}

/** ValidateResourceRequirements: a request never above its limit. */
function requestsWithinLimits(resources: unknown, at: string): StatusCause[] {
  if (!isObj(resources) || !isObj(resources.requests) || !isObj(resources.limits)) return [];
  const out: StatusCause[] = [];
  for (const [name, q] of Object.entries(resources.requests)) {
    const limit = resources.limits[name];
    if (limit === undefined || (typeof q !== "string" && typeof q !== "number")) continue;
    if (typeof limit !== "string" && typeof limit !== "number") continue;
    try {
      if (parseQuantity(q) > parseQuantity(limit))
        out.push(
          invalidValue(
            `${at}.requests[${name}]`,
            String(q),
            `must be less than or equal to ${name} limit of ${String(limit)}`,
          ),
        );
    } catch {
      // an unparsable quantity was refused by the decoder already
    }
  }
  return out;
}

/** validateContainers (+ checkHostPortConflicts across them), for containers or initContainers. */
function containers(list: unknown[], vols: Set<string>, at: string, hostPorts: Set<string>): StatusCause[] {
  const out: StatusCause[] = [];
  const seen = new Set<string>();
  list.forEach((c, i) => {
    const p = `${at}[${i}]`;
    if (!isObj(c)) return;
    if (!c.name) out.push(required(`${p}.name`));
    else if (seen.has(String(c.name))) out.push(duplicate(`${p}.name`, String(c.name)));
    seen.add(String(c.name));
    if (!c.image) out.push(required(`${p}.image`));
    out.push(...containerPorts(Array.isArray(c.ports) ? c.ports : [], `${p}.ports`));
    (Array.isArray(c.env) ? c.env : []).forEach((e, j) => {
      if (isObj(e) && !e.name) out.push(required(`${p}.env[${j}].name`));
    });
    out.push(...volumeMounts(c.volumeMounts, vols, `${p}.volumeMounts`));
    out.push(...requestsWithinLimits(c.resources, `${p}.resources`));
    out.push(...oneOf(`${p}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  });
  out.push(...uniqueHostPorts(list, at, hostPorts));
  return out;
}

/** AccumulateUniqueHostPorts: one hostIP/protocol/hostPort once in a list of containers. */
function uniqueHostPorts(list: unknown[], at: string, seen: Set<string>): StatusCause[] {
  const out: StatusCause[] = [];
  list.forEach((c, i) => {
    (isObj(c) && Array.isArray(c.ports) ? c.ports : []).forEach((port, j) => {
      if (!isObj(port) || !port.hostPort) return;
      const key = `${String(port.hostIP ?? "")}/${String(port.protocol ?? "TCP")}/${String(port.hostPort)}`;
      if (seen.has(key)) out.push(duplicate(`${at}[${i}].ports[${j}].hostPort`, key));
      seen.add(key);
    });
  });
  return out;
}

/**
 * The host-port part of pod validation, for a pod a mutating admission step gave host ports
 * (validation runs after mutation in kube-apiserver, so what the step made must pass it too).
 */
export function podHostPortCauses(spec: unknown): StatusCause[] {
  if (!isObj(spec)) return [];
  // Each list on its own, as validatePodSpec checks them.
  return [
    ...uniqueHostPorts(Array.isArray(spec.containers) ? spec.containers : [], "spec.containers", new Set()),
    ...uniqueHostPorts(
      Array.isArray(spec.initContainers) ? spec.initContainers : [],
      "spec.initContainers",
      new Set(),
    ),
  ];
}

/** `claims`: a StatefulSet's volumeClaimTemplates, which its pods' mounts may name too. */
function podSpec(spec: unknown, at: string, claims: string[] = []): StatusCause[] {
  const out: StatusCause[] = [];
  if (!isObj(spec)) return [required(at)];
  const vols = volumes(spec.volumes, `${at}.volumes`, out);
  for (const c of claims) vols.add(c);
  const cs = spec.containers;
  if (!Array.isArray(cs) || cs.length === 0) out.push(required(`${at}.containers`));
  else out.push(...containers(cs, vols, `${at}.containers`, new Set()));
  if (Array.isArray(spec.initContainers))
    out.push(...containers(spec.initContainers, vols, `${at}.initContainers`, new Set()));
  if (Array.isArray(spec.ephemeralContainers))
    out.push(...ephemeralContainers(spec, spec.ephemeralContainers, vols, `${at}.ephemeralContainers`));
  out.push(...oneOf(`${at}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  out.push(...oneOf(`${at}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  const ads = spec.activeDeadlineSeconds;
  if (typeof ads === "number" && (ads < 1 || ads > 2147483647))
    out.push(invalidValue(`${at}.activeDeadlineSeconds`, ads, "must be between 1 and 2147483647, inclusive"));
  // validateHostNetwork: on the host network a container listens on the node's port itself.
  if (spec.hostNetwork === true)
    (Array.isArray(cs) ? cs : []).forEach((c, i) => {
      (isObj(c) && Array.isArray(c.ports) ? c.ports : []).forEach((port, j) => {
        if (isObj(port) && port.hostPort !== port.containerPort)
          out.push(
            invalidValue(
              `${at}.containers[${i}].ports[${j}].containerPort`,
              port.containerPort,
              "must match `hostPort` when `hostNetwork` is true",
            ),
          );
      });
    });
  const affinity = isObj(spec.affinity) ? spec.affinity : {};
  for (const kind of ["podAffinity", "podAntiAffinity"])
    if (isObj(affinity[kind])) out.push(...podAffinity(affinity[kind], `${at}.affinity.${kind}`));
  if (Array.isArray(spec.topologySpreadConstraints))
    out.push(...topologySpreadConstraints(spec.topologySpreadConstraints, `${at}.topologySpreadConstraints`));
  return out;
}

/**
 * What an ephemeral container may not set (validateEphemeralContainers' allow list, inverted):
 * it is for debugging, never part of the workload, so it gets no ports, resources, probes or hooks.
 */
const EPHEMERAL_FORBIDDEN = [
  "ports",
  "resources",
  "resizePolicy",
  "restartPolicy",
  "livenessProbe",
  "readinessProbe",
  "startupProbe",
  "lifecycle",
];
const EPHEMERAL_ONLY = "cannot be set for an Ephemeral Container";

/** validateEphemeralContainers: names unique across every container, targets that exist, the allow list. */
function ephemeralContainers(spec: Obj, list: unknown[], vols: Set<string>, at: string): StatusCause[] {
  const out: StatusCause[] = [];
  const others = new Set<string>();
  for (const key of ["containers", "initContainers"])
    for (const c of Array.isArray(spec[key]) ? spec[key] : []) if (isObj(c)) others.add(String(c.name ?? ""));
  const all = new Set(others);
  list.forEach((c, i) => {
    const p = `${at}[${i}]`;
    if (!isObj(c)) return;
    const name = String(c.name ?? "");
    if (!name) out.push(required(`${p}.name`));
    if (!c.image) out.push(required(`${p}.image`));
    (Array.isArray(c.env) ? c.env : []).forEach((e, j) => {
      if (isObj(e) && !e.name) out.push(required(`${p}.env[${j}].name`));
    });
    out.push(...volumeMounts(c.volumeMounts, vols, `${p}.volumeMounts`));
    out.push(...oneOf(`${p}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
    if (name && all.has(name)) out.push(duplicate(`${p}.name`, name));
    all.add(name);
    const target = c.targetContainerName;
    if (typeof target === "string" && target !== "" && !others.has(target))
      out.push({
        reason: "FieldValueNotFound",
        field: `${p}.targetContainerName`,
        message: `Not found: ${JSON.stringify(target)}`,
      });
    // A zero value (absent, null, an empty struct) is not "set".
    for (const f of EPHEMERAL_FORBIDDEN) {
      const v = c[f];
      if (v !== undefined && v !== null && !(isObj(v) && Object.keys(v).length === 0))
        out.push(forbidden(`${p}.${f}`, EPHEMERAL_ONLY));
    }
    (Array.isArray(c.volumeMounts) ? c.volumeMounts : []).forEach((m, j) => {
      if (!isObj(m)) return;
      for (const f of ["subPath", "subPathExpr"])
        if (m[f]) out.push(forbidden(`${p}.volumeMounts[${j}].${f}`, EPHEMERAL_ONLY));
    });
  });
  return out;
}

/** ValidatePodCreate: ephemeral containers come only through pods/ephemeralcontainers. */
function noEphemeralOnCreate(o: Obj): StatusCause[] {
  const spec = isObj(o.spec) ? o.spec : {};
  return Array.isArray(spec.ephemeralContainers) && spec.ephemeralContainers.length
    ? [forbidden("spec.ephemeralContainers", "cannot be set on create")]
    : [];
}

/**
 * ValidatePodEphemeralContainersUpdate, on the pod the ephemeral-containers strategy made (the
 * stored pod with the request's spec.ephemeralContainers): the pod is valid, and containers
 * already added are neither removed nor changed — they can only be added to.
 */
export function validateEphemeralContainersUpdate(o: Obj, old: Obj): StatusCause[] {
  const out = podSpec(o.spec, "spec");
  const now = isObj(o.spec) && Array.isArray(o.spec.ephemeralContainers) ? o.spec.ephemeralContainers : [];
  const was =
    isObj(old.spec) && Array.isArray(old.spec.ephemeralContainers) ? old.spec.ephemeralContainers : [];
  const byName = new Map(now.filter(isObj).map((c) => [String(c.name ?? ""), c]));
  for (const c of was) {
    if (!isObj(c)) continue;
    const name = String(c.name ?? "");
    const next = byName.get(name);
    if (!next)
      out.push(
        forbidden(
          "spec.ephemeralContainers",
          `existing ephemeral containers ${JSON.stringify(name)} may not be removed\n`,
        ),
      );
    else if (!sameUnordered(next, c))
      out.push(
        forbidden(
          "spec.ephemeralContainers",
          `existing ephemeral containers ${JSON.stringify(name)} may not be changed\n`,
        ),
      );
  }
  return out;
}

/** validatePodAffinity: each term's topologyKey (a label name), each preferred term's weight. */
function podAffinity(a: Obj, at: string): StatusCause[] {
  const out: StatusCause[] = [];
  const term = (t: unknown, p: string) => {
    if (!isObj(t)) return;
    const key = typeof t.topologyKey === "string" ? t.topologyKey : "";
    if (!key) out.push({ ...required(`${p}.topologyKey`), message: "Required value: can not be empty" });
    for (const msg of qualifiedName(key)) out.push(invalidValue(`${p}.topologyKey`, key, msg));
  };
  const req = `${at}.requiredDuringSchedulingIgnoredDuringExecution`;
  const pref = `${at}.preferredDuringSchedulingIgnoredDuringExecution`;
  if (Array.isArray(a.requiredDuringSchedulingIgnoredDuringExecution))
    a.requiredDuringSchedulingIgnoredDuringExecution.forEach((t, i) => {
      term(t, `${req}[${i}]`);
    });
  if (Array.isArray(a.preferredDuringSchedulingIgnoredDuringExecution))
    a.preferredDuringSchedulingIgnoredDuringExecution.forEach((w, i) => {
      if (!isObj(w)) return;
      const weight = typeof w.weight === "number" ? w.weight : 0;
      if (weight <= 0 || weight > 100)
        out.push(invalidValue(`${pref}[${i}].weight`, weight, "must be in the range 1-100"));
      term(w.podAffinityTerm, `${pref}[${i}].podAffinityTerm`);
    });
  return out;
}

const WHEN_UNSATISFIABLE = ["DoNotSchedule", "ScheduleAnyway"];
const NODE_INCLUSION_POLICIES = ["Honor", "Ignore"];

/** validateTopologySpreadConstraints (pkg/apis/core/validation), in its order. */
function topologySpreadConstraints(list: unknown[], at: string): StatusCause[] {
  const out: StatusCause[] = [];
  list.forEach((raw, i) => {
    if (!isObj(raw)) return;
    const p = `${at}[${i}]`;
    const { maxSkew, topologyKey, whenUnsatisfiable: when, minDomains } = raw;
    if (typeof maxSkew !== "number" || maxSkew <= 0)
      out.push(invalidValue(`${p}.maxSkew`, maxSkew ?? 0, "must be greater than zero"));
    if (!topologyKey)
      out.push({ ...required(`${p}.topologyKey`), message: "Required value: can not be empty" });
    if (!WHEN_UNSATISFIABLE.includes(String(when)))
      out.push(notSupported(`${p}.whenUnsatisfiable`, when ?? "", WHEN_UNSATISFIABLE));
    const dup = list
      .slice(i + 1)
      .some((o) => isObj(o) && o.topologyKey === topologyKey && o.whenUnsatisfiable === when);
    if (dup)
      out.push({
        reason: "FieldValueDuplicate",
        field: `${p}.{topologyKey, whenUnsatisfiable}`,
        message: `Duplicate value: ${JSON.stringify(`{${topologyKey}, ${when}}`)}`,
      });
    if (minDomains !== undefined && minDomains !== null) {
      if (typeof minDomains !== "number" || minDomains <= 0)
        out.push(invalidValue(`${p}.minDomains`, minDomains, "must be greater than zero"));
      if (when !== "DoNotSchedule")
        out.push(
          invalidValue(
            `${p}.minDomains`,
            minDomains,
            `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${String(when ?? "")}`,
          ),
        );
    }
    for (const f of ["nodeAffinityPolicy", "nodeTaintsPolicy"])
      if (raw[f] !== undefined && raw[f] !== null && !NODE_INCLUSION_POLICIES.includes(String(raw[f])))
        out.push(notSupported(`${p}.${f}`, raw[f], NODE_INCLUSION_POLICIES));
    const keys = Array.isArray(raw.matchLabelKeys) ? raw.matchLabelKeys : [];
    if (keys.length) {
      const sel = raw.labelSelector;
      const selKeys = new Set<string>();
      if (isObj(sel)) {
        for (const k of Object.keys(isObj(sel.matchLabels) ? sel.matchLabels : {})) selKeys.add(k);
        for (const e of Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [])
          if (isObj(e)) selKeys.add(String(e.key));
      } else
        out.push({
          reason: "FieldValueForbidden",
          field: `${p}.matchLabelKeys`,
          message: "Forbidden: must not be specified when labelSelector is not set",
        });
      keys.forEach((k, j) => {
        if (selKeys.has(String(k)))
          out.push(
            invalidValue(`${p}.matchLabelKeys[${j}]`, k, "exists in both matchLabelKeys and labelSelector"),
          );
      });
    }
  });
  return out;
}

/**
 * Validate{Deployment,ReplicaSet,StatefulSet,DaemonSet}Spec's selector: strictly valid
 * (ValidateLabelSelector), not empty (upstream's words name `word`), convertible
 * (LabelSelectorAsSelector) and matching the template's labels; then the template's spec.
 */
function selectorMatchesTemplate(word: string) {
  return (o: Obj): StatusCause[] => {
    const spec = (o.spec ?? {}) as Obj;
    const out: StatusCause[] = [];
    const sel = spec.selector;
    const template = (spec.template ?? {}) as Obj;
    const labels = ((template.metadata as Obj | undefined)?.labels ?? {}) as Record<string, string>;
    if (!isObj(sel)) out.push(required("spec.selector"));
    else {
      const causes = labelSelectorCauses(sel, "spec.selector");
      out.push(...causes);
      const ml = isObj(sel.matchLabels) ? sel.matchLabels : {};
      const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
      if (!Object.keys(ml).length && !exprs.length)
        out.push({
          reason: "FieldValueInvalid",
          field: "spec.selector",
          message: `Invalid value: ${goSelector(sel)}: empty selector is invalid for ${word}`,
        });
      else if (causes.length)
        out.push({
          reason: "FieldValueInvalid",
          field: "spec.selector",
          message: `Invalid value: ${goSelector(sel)}: invalid label selector`,
        });
      else if (!matchLabels(labelSelectorRequirements(sel) ?? [], labels)) out.push(templateMismatch(labels));
    }
    const claims = (Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []).map((c) =>
      String(((c as Obj).metadata as Obj | undefined)?.name ?? ""),
    );
    out.push(...podSpec(template.spec, "spec.template.spec", claims));
    return out;
  };
}

/** The template's labels do not carry the selector's. */
const templateMismatch = (labels: Obj): StatusCause => ({
  reason: "FieldValueInvalid",
  field: "spec.template.metadata.labels",
  message: `Invalid value: map[string]string{${Object.entries(labels)
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join(", ")}}: \`selector\` does not match template \`labels\``,
});

/** The template's labels must carry the selector's map (`spec.template.metadata.labels`). */
function templateLabelsMatch(spec: Obj, matchLabels: Obj): StatusCause[] {
  const labels = (((spec.template as Obj | undefined)?.metadata as Obj | undefined)?.labels ?? {}) as Obj;
  if (!Object.entries(matchLabels).some(([k, v]) => getOwn(labels, k) !== v)) return [];
  return [templateMismatch(labels)];
}

/**
 * A ReplicationController's selector is a label map (after the defaults, the template's labels):
 * ValidateNonEmptySelector, and ValidatePodTemplateSpecForRC's label check after the replicas —
 * the controller would otherwise own every pod of the namespace, or none of its own.
 */
const rcSelectorMap = (o: Obj): Obj => {
  const sel = (o.spec as Obj | undefined)?.selector;
  return isObj(sel) ? sel : {};
};
const rcSelector = (o: Obj): StatusCause[] =>
  Object.keys(rcSelectorMap(o)).length ? [] : [required("spec.selector")];
const rcTemplateLabels = (o: Obj): StatusCause[] =>
  Object.keys(rcSelectorMap(o)).length ? templateLabelsMatch((o.spec ?? {}) as Obj, rcSelectorMap(o)) : [];

function replicas(o: Obj): StatusCause[] {
  const r = (o.spec as Obj | undefined)?.replicas;
  if (r !== undefined && (typeof r !== "number" || r < 0))
    return [invalidValue("spec.replicas", r, "must be greater than or equal to 0")];
  return [];
}

/** IsDNS1123Label's wording (a namespace name, a Service port's name). */
export const DNS1123_LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
export const DNS1123_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** How Go's %#v prints the internal ServicePort key of a duplicate (protocol, port) pair. */
const servicePortKey = (protocol: string, port: unknown) =>
  `core.ServicePort{Name:"", Protocol:"${protocol}", AppProtocol:(*string)(nil), Port:${String(port)}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`;

/** netutils.ParseCIDRSloppy's acceptance: an address, "/", a prefix length within its family. */
function sloppyCidr(v: string): boolean {
  const i = v.indexOf("/");
  const len = v.slice(i + 1);
  if (i < 0 || !/^\d{1,3}$/.test(len)) return false;
  const family = isIP(v.slice(0, i));
  return family !== 0 && Number(len) <= (family === 4 ? 32 : 128);
}

/**
 * ValidateService's type and ports (validateServicePort, then duplicate ports and node ports), the
 * external name, headless LoadBalancer/NodePort, externalTrafficPolicy and source ranges. On update
 * a value the Service already had is left to the registry's dropTypeDependentFields (admission).
 */
function service(o: Obj, old?: Obj): StatusCause[] {
  const spec = (o.spec ?? {}) as Obj;
  const oldSpec = (old?.spec ?? {}) as Obj;
  const out: StatusCause[] = [];
  const type = spec.type ?? "ClusterIP";
  if (!["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"].includes(String(type)))
    out.push(notSupported("spec.type", type, ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]));
  if (type === "ExternalName") {
    // A CNAME may end in a dot (fully qualified).
    const cname = String(spec.externalName ?? "").replace(/\.$/, "");
    if (!cname) out.push(required("spec.externalName"));
    else {
      if (cname.length > 253)
        out.push(invalidValue("spec.externalName", cname, "must be no more than 253 characters"));
      if (!SUBDOMAIN_RE.test(cname)) out.push(invalidValue("spec.externalName", cname, SUBDOMAIN_MESSAGE));
    }
  }
  const clusterIPs = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [];
  if ((type === "LoadBalancer" || type === "NodePort") && (spec.clusterIP ?? clusterIPs[0]) === "None")
    out.push(
      invalidValue("spec.clusterIPs[0]", "None", `may not be set to 'None' for ${String(type)} services`),
    );
  const externalIPs = Array.isArray(spec.externalIPs) ? spec.externalIPs : [];
  const externallyAccessible =
    type === "LoadBalancer" || type === "NodePort" || (type === "ClusterIP" && externalIPs.length > 0);
  if (
    !externallyAccessible &&
    spec.externalTrafficPolicy !== undefined &&
    spec.externalTrafficPolicy !== "" &&
    spec.externalTrafficPolicy !== oldSpec.externalTrafficPolicy
  )
    out.push(
      invalidValue(
        "spec.externalTrafficPolicy",
        spec.externalTrafficPolicy,
        "may only be set for externally-accessible services",
      ),
    );
  const ranges = Array.isArray(spec.loadBalancerSourceRanges) ? spec.loadBalancerSourceRanges : [];
  if (ranges.length > 0) {
    // The field path keeps its historical capital L.
    if (type !== "LoadBalancer")
      out.push({
        reason: "FieldValueForbidden",
        field: "spec.LoadBalancerSourceRanges",
        message: "Forbidden: may only be used when `type` is 'LoadBalancer'",
      });
    ranges.forEach((r, i) => {
      // Space-padded values are allowed (they came from an annotation once).
      const v = String(r).trim();
      if (!sloppyCidr(v))
        out.push(
          invalidValue(
            `spec.LoadBalancerSourceRanges[${i}]`,
            v,
            "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
          ),
        );
    });
  }
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  if (type !== "ExternalName" && spec.clusterIP !== "None" && ports.length === 0)
    out.push(required("spec.ports"));
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const at = `spec.ports[${i}]`;
    const port = isObj(p) ? p : {};
    const name = typeof port.name === "string" ? port.name : "";
    if (ports.length > 1 && !name) out.push(required(`${at}.name`));
    else if (name) {
      if (name.length > 63) out.push(invalidValue(`${at}.name`, name, "must be no more than 63 characters"));
      if (!DNS1123_LABEL_RE.test(name)) out.push(invalidValue(`${at}.name`, name, DNS1123_LABEL_MESSAGE));
      if (names.has(name)) out.push(duplicate(`${at}.name`, name));
      names.add(name);
    }
    out.push(...portNumber(`${at}.port`, port.port));
    out.push(...oneOf(`${at}.protocol`, port.protocol, PORT_PROTOCOLS));
    const target = port.targetPort;
    if (typeof target === "number") out.push(...portNumber(`${at}.targetPort`, target));
    else if (typeof target === "string")
      for (const msg of portNameErrors(target)) out.push(invalidValue(`${at}.targetPort`, target, msg));
  });
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!isObj(p) || !p.nodePort) return;
    const key = `${String(p.protocol ?? "TCP")}/${String(p.nodePort)}`;
    if (nodePorts.has(key))
      out.push({
        reason: "FieldValueDuplicate",
        field: `spec.ports[${i}].nodePort`,
        message: `Duplicate value: ${String(p.nodePort)}`,
      });
    nodePorts.add(key);
  });
  const pairs = new Set<string>();
  ports.forEach((p, i) => {
    if (!isObj(p)) return;
    const protocol = String(p.protocol ?? "TCP");
    const key = `${protocol}/${String(p.port)}`;
    if (pairs.has(key))
      out.push({
        reason: "FieldValueDuplicate",
        field: `spec.ports[${i}]`,
        message: `Duplicate value: ${servicePortKey(protocol, p.port)}`,
      });
    pairs.add(key);
  });
  return out;
}

/** autoscaling ValidateHorizontalPodAutoscaler, on the storage (v2) shape as upstream's on the internal one. */
function horizontalPodAutoscaler(o: Obj): StatusCause[] {
  const spec = (o.spec ?? {}) as Obj;
  const out: StatusCause[] = [];
  const ref = isObj(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
  if (!ref.kind) out.push(required("spec.scaleTargetRef.kind"));
  if (!ref.name) out.push(required("spec.scaleTargetRef.name"));
  const min = spec.minReplicas;
  const max = typeof spec.maxReplicas === "number" ? spec.maxReplicas : 0;
  if (typeof min === "number" && min < 1)
    out.push(invalidValue("spec.minReplicas", min, "must be greater than or equal to 1"));
  if (max < 1) out.push(invalidValue("spec.maxReplicas", max, "must be greater than 0"));
  else if (typeof min === "number" && max < min)
    out.push(invalidValue("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`"));
  (Array.isArray(spec.metrics) ? spec.metrics : []).forEach((m, i) => {
    for (const src of ["resource", "containerResource"]) {
      const target = isObj(m) && isObj(m[src]) ? (m[src] as Obj).target : undefined;
      const u = isObj(target) ? target.averageUtilization : undefined;
      if (typeof u === "number" && u <= 0)
        out.push(
          invalidValue(`spec.metrics[${i}].${src}.target.averageUtilization`, u, "must be greater than 0"),
        );
    }
  });
  return out;
}

// apimachinery's IsQualifiedName / IsValidLabelValue / IsDNS1123Subdomain wording.
const QUALIFIED = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_RE = new RegExp(`^${QUALIFIED}$`);
const QUALIFIED_EG =
  "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '" + QUALIFIED + "')";
const SUBDOMAIN = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const SUBDOMAIN_RE = new RegExp(`^${SUBDOMAIN}$`);
const SUBDOMAIN_MESSAGE = `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${SUBDOMAIN}')`;
const LABEL_VALUE = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE}$`);

function qualifiedName(v: string): string[] {
  const parts = v.split("/");
  let name = parts[0];
  const out: string[] = [];
  if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (!prefix) out.push("prefix part must be non-empty");
    else {
      if (prefix.length > 253) out.push("prefix part must be no more than 253 characters");
      if (!SUBDOMAIN_RE.test(prefix))
        out.push(
          `prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${SUBDOMAIN}')`,
        );
    }
  } else if (parts.length > 2)
    return [
      `a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character ${QUALIFIED_EG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  if (!name) out.push("name part must be non-empty");
  else if (name.length > 63) out.push("name part must be no more than 63 characters");
  if (!QUALIFIED_RE.test(name))
    out.push(
      `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character ${QUALIFIED_EG}`,
    );
  return out;
}

/** A Secret's values as bytes once stringData is merged into data (a stringData key wins). */
function secretValues(o: Obj): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (isObj(o.data))
    for (const [k, v] of Object.entries(o.data))
      out.set(k, Buffer.from(typeof v === "string" ? v : "", "base64"));
  if (isObj(o.stringData))
    for (const [k, v] of Object.entries(o.stringData))
      out.set(k, Buffer.from(typeof v === "string" ? v : ""));
  return out;
}

/** json.Unmarshal into a map[string]interface{}: its error, or undefined. */
function jsonObjectError(b: Buffer): string | undefined {
  const text = b.toString("utf8");
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return goJsonSyntaxError(text) ?? "unexpected end of JSON input";
  }
  if (isObj(v) || v === null) return undefined;
  return `json: cannot unmarshal ${goJsonKind(v)} into Go value of type map[string]interface {}`;
}

/** ValidateSecret's rules per well-known type: the keys each one must carry. */
function secretType(o: Obj): StatusCause[] {
  const data = secretValues(o);
  const key = (k: string) => `data[${k}]`;
  const need = (k: string) => (data.has(k) ? [] : [required(key(k))]);
  const wellFormed = (k: string): StatusCause[] => {
    const b = data.get(k);
    if (!b) return [required(key(k))];
    const err = jsonObjectError(b);
    return err ? [invalidValue(key(k), "<secret contents redacted>", err)] : [];
  };
  switch (o.type) {
    case "kubernetes.io/service-account-token": {
      const a = isObj(o.metadata) && isObj(o.metadata.annotations) ? o.metadata.annotations : {};
      return a["kubernetes.io/service-account.name"]
        ? []
        : [required("metadata.annotations[kubernetes.io/service-account.name]")];
    }
    case "kubernetes.io/dockercfg":
      return wellFormed(".dockercfg");
    case "kubernetes.io/dockerconfigjson":
      return wellFormed(".dockerconfigjson");
    case "kubernetes.io/basic-auth":
      // Either may be empty, but one must be there.
      return data.has("username") || data.has("password") ? [] : [...need("username"), ...need("password")];
    case "kubernetes.io/ssh-auth":
      return data.get("ssh-privatekey")?.length ? [] : [required(key("ssh-privatekey"))];
    case "kubernetes.io/tls":
      return [...need("tls.crt"), ...need("tls.key")];
    default:
      return [];
  }
}

/** IsConfigMapKey for every key of a ConfigMap's or Secret's map (`__proto__` is a valid key). */
/** core.MaxSecretSize: the most a ConfigMap's or Secret's values may hold together, in bytes. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Each key's value size in bytes: text as UTF-8. */
function textBytes(m: unknown): Record<string, number> {
  if (!isObj(m)) return {};
  return Object.fromEntries(
    Object.entries(m).map(([k, v]) => [k, typeof v === "string" ? Buffer.byteLength(v) : 0]),
  );
}

/** Each key's value size in bytes once decoded from base64 (as Go holds a []byte). */
function base64Bytes(m: unknown): Record<string, number> {
  if (!isObj(m)) return {};
  return Object.fromEntries(
    Object.entries(m).map(([k, v]) => [k, typeof v === "string" ? Buffer.from(v, "base64").length : 0]),
  );
}

function tooLarge(field: string, sizes: Record<string, number>): StatusCause[] {
  let total = 0;
  for (const n of Object.values(sizes)) total += n;
  return total > MAX_CONFIG_BYTES
    ? [
        {
          reason: "FieldValueTooLong",
          field,
          message: `Too long: may not be more than ${MAX_CONFIG_BYTES} bytes`,
        },
      ]
    : [];
}

function configKeys(m: unknown, field: string): StatusCause[] {
  if (!isObj(m)) return [];
  const out: StatusCause[] = [];
  for (const k of Object.keys(m)) {
    const at = `${field}[${k}]`;
    if (k.length > 253) out.push(invalidValue(at, k, "must be no more than 253 characters"));
    if (!/^[-._a-zA-Z0-9]+$/.test(k))
      out.push(
        invalidValue(
          at,
          k,
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        ),
      );
    if (k === ".") out.push(invalidValue(at, k, "must not be '.'"));
    else if (k === "..") out.push(invalidValue(at, k, "must not be '..'"));
    else if (k.startsWith("..")) out.push(invalidValue(at, k, "must not start with '..'"));
  }
  return out;
}

/** ValidateLabels' messages for one label (exported: Nodes leave out a pool label that fails them). */
export function labelProblems(k: string, v: unknown): { value: string; message: string }[] {
  const out = qualifiedName(k).map((message) => ({ value: k, message }));
  if (typeof v !== "string") return out;
  if (v.length > 63) out.push({ value: v, message: "must be no more than 63 characters" });
  if (!LABEL_VALUE_RE.test(v))
    out.push({
      value: v,
      message: `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '${LABEL_VALUE}')`,
    });
  return out;
}

/** ValidateObjectMeta's label and annotation checks at `at` (keys such as `__proto__` are refused here). */
function labelsAndAnnotations(meta: unknown, at: string): StatusCause[] {
  const m = isObj(meta) ? meta : {};
  const out: StatusCause[] = [];
  if (isObj(m.labels))
    for (const [k, v] of Object.entries(m.labels))
      for (const p of labelProblems(k, v)) out.push(invalidValue(`${at}.labels`, p.value, p.message));
  if (isObj(m.annotations)) {
    let size = 0;
    for (const [k, v] of Object.entries(m.annotations)) {
      for (const msg of qualifiedName(k.toLowerCase())) out.push(invalidValue(`${at}.annotations`, k, msg));
      size += Buffer.byteLength(k) + (typeof v === "string" ? Buffer.byteLength(v) : 0);
    }
    // ValidateAnnotationsSize: keys and values together, in bytes.
    if (size > ANNOTATIONS_MAX)
      out.push({
        reason: "FieldValueTooLong",
        field: `${at}.annotations`,
        message: `Too long: may not be more than ${ANNOTATIONS_MAX} bytes`,
      });
  }
  return out;
}

/** TotalAnnotationSizeLimitB: 256 KiB of annotation keys and values on one object. */
const ANNOTATIONS_MAX = 256 * 1024;

/**
 * A custom resource's metadata labels and annotations (apiextensions' customResourceValidator
 * runs ValidateObjectMetaAccessor before the schema, so these causes come first).
 */
export function validateCustomMeta(metadata: unknown): StatusCause[] {
  return labelsAndAnnotations(metadata, "metadata");
}

/** The object's metadata, and its pod template's (and a CronJob's job template's) as upstream validates them. */
function objectMeta(o: Obj): StatusCause[] {
  const out = labelsAndAnnotations(o.metadata, "metadata");
  const spec = isObj(o.spec) ? o.spec : {};
  if (isObj(spec.template))
    out.push(...labelsAndAnnotations(spec.template.metadata, "spec.template.metadata"));
  if (isObj(spec.jobTemplate)) {
    const jt = spec.jobTemplate;
    out.push(...labelsAndAnnotations(jt.metadata, "spec.jobTemplate.metadata"));
    const js = isObj(jt.spec) ? jt.spec : {};
    if (isObj(js.template))
      out.push(...labelsAndAnnotations(js.template.metadata, "spec.jobTemplate.spec.template.metadata"));
  }
  return out;
}

/**
 * ValidateConfigMapUpdate / ValidateSecretUpdate: once `immutable: true`, it stays so and the
 * contents never change.
 */
function immutableContents(o: Obj, old: Obj, fields: string[]): StatusCause[] {
  if (old.immutable !== true) return [];
  const forbidden = (field: string): StatusCause => ({
    reason: "FieldValueForbidden",
    field,
    message: "Forbidden: field is immutable when `immutable` is set",
  });
  const out: StatusCause[] = [];
  if (o.immutable !== true) out.push(forbidden("immutable"));
  for (const f of fields) if (!sameUnordered(o[f] ?? {}, old[f] ?? {})) out.push(forbidden(f));
  return out;
}

/** ValidatePodUpdate's list of what an update may change in a pod's spec. */
const UPDATABLE_POD_SPEC =
  "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/**
 * ValidatePodUpdate: a pod's spec is fixed once created but for container images, a shorter
 * activeDeadlineSeconds, added tolerations, removed scheduling gates and a negative grace
 * period set to 1 — so a pod's host ports, node and addresses never change under it. (The
 * spec diff kube-apiserver appends to the message is Go's cmp.Diff; it is not reproduced.)
 */
function podUpdate(o: Obj, old: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const was = isObj(old.spec) ? old.spec : {};
  const munged: Obj = { ...(isObj(o.spec) ? o.spec : {}) };
  for (const key of ["containers", "initContainers"]) {
    const now = munged[key];
    const before = was[key];
    if (Array.isArray(now) && Array.isArray(before) && now.length === before.length)
      munged[key] = now.map((c, i) =>
        isObj(c) && isObj(before[i]) ? { ...c, image: (before[i] as Obj).image } : c,
      );
  }
  const ads = munged.activeDeadlineSeconds;
  const oldAds = was.activeDeadlineSeconds;
  if (typeof ads === "number") {
    if (ads < 0 || ads > 2147483647)
      out.push(
        invalidValue("spec.activeDeadlineSeconds", ads, "must be between 0 and 2147483647, inclusive"),
      );
    else if (typeof oldAds === "number" && oldAds < ads)
      out.push(
        invalidValue("spec.activeDeadlineSeconds", ads, "must be less than or equal to previous value"),
      );
  } else if (typeof oldAds === "number")
    out.push(
      invalidValue(
        "spec.activeDeadlineSeconds",
        null,
        "must not update from a positive integer to nil value",
      ),
    );
  if (out.length) return out;
  const sans = (t: unknown) => (isObj(t) ? { ...t, tolerationSeconds: undefined } : t);
  const tolerations = (Array.isArray(munged.tolerations) ? munged.tolerations : []).map(sans);
  const kept = (t: unknown) => tolerations.some((n) => sameUnordered(n, sans(t)));
  if (!(Array.isArray(was.tolerations) ? was.tolerations : []).every(kept))
    out.push({
      reason: "FieldValueForbidden",
      field: "spec.tolerations",
      message: "Forbidden: existing toleration can not be modified except its tolerationSeconds",
    });
  // What may change (checked above, or only shrink: scheduling gates) is taken from before.
  // Left out, priority and preemptionPolicy are the old ones: Priority admission (mutating, so
  // before validation upstream) puts them back.
  for (const key of ["priority", "preemptionPolicy"]) if (munged[key] === undefined) munged[key] = was[key];
  for (const key of ["activeDeadlineSeconds", "tolerations", "schedulingGates"]) {
    if (Object.hasOwn(was, key)) munged[key] = was[key];
    else delete munged[key];
  }
  const grace = was.terminationGracePeriodSeconds;
  if (typeof grace === "number" && grace < 0 && munged.terminationGracePeriodSeconds === 1)
    munged.terminationGracePeriodSeconds = grace;
  if (!sameUnordered(munged, was))
    out.push({
      reason: "FieldValueForbidden",
      field: "spec",
      message: `Forbidden: pod updates may not change fields other than ${UPDATABLE_POD_SPEC}`,
    });
  return out;
}

const templateSpec = (o: Obj): unknown => ((o.spec as Obj | undefined)?.template as Obj | undefined)?.spec;

/** ValidatePodTemplateSpecForReplicaSet (and its kin): the template's pods restart Always. */
const alwaysRestarts =
  (kind: string) =>
  (o: Obj): StatusCause[] => {
    const spec = templateSpec(o);
    if (!isObj(spec)) return [];
    const out = oneOf("spec.template.spec.restartPolicy", spec.restartPolicy ?? "Always", ["Always"]);
    if (spec.activeDeadlineSeconds !== undefined)
      out.push({
        reason: "FieldValueForbidden",
        field: "spec.template.spec.activeDeadlineSeconds",
        message: `Forbidden: activeDeadlineSeconds in ${kind} is not Supported`,
      });
    return out;
  };

/** validateJobSpec's restart rule: a Job's pods restart OnFailure or Never, never Always. */
function jobRestarts(spec: unknown, at: string): StatusCause[] {
  if (!isObj(spec)) return [];
  const policy = spec.restartPolicy ?? "";
  if (policy === "Always" || policy === "")
    return [
      { ...required(`${at}.restartPolicy`), message: 'Required value: valid values: "OnFailure", "Never"' },
    ];
  return oneOf(`${at}.restartPolicy`, policy, ["OnFailure", "Never"]);
}

const workloadTemplate = (o: Obj) => podSpec(templateSpec(o), "spec.template.spec");

/** ValidateImmutableField: `<path>: Invalid value: <new>: field is immutable`. */
function immutable(o: Obj, old: Obj | undefined, paths: string[]): StatusCause[] {
  if (!old) return [];
  const at = (x: Obj, path: string) =>
    path.split(".").reduce<unknown>((v, k) => (isObj(v) ? v[k] : undefined), x);
  return paths
    .filter((p) => !sameUnordered(at(o, p), at(old, p)))
    .map((p) => invalidValue(p, at(o, p) ?? null, "field is immutable"));
}

/** validTimeZoneCharacters: one part of an IANA zone name (digits and `+` kept for legacy names). */
const TIME_ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** validateTimeZone: a name Go's LoadLocation knows, never "Local". */
function timeZone(tz: unknown, at: string): StatusCause[] {
  if (tz === undefined || tz === null) return [];
  const v = String(tz);
  if (v === "") return [invalidValue(at, v, "timeZone must be nil or non-empty string")];
  for (const part of v.split("/"))
    if (part === "." || part === ".." || part.startsWith("-") || !TIME_ZONE_PART.test(part))
      return [invalidValue(at, v, `unknown time zone ${v}`)];
  const out: StatusCause[] = [];
  if (v.toLowerCase() === "local")
    out.push(
      invalidValue(
        at,
        v,
        "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
      ),
    );
  const err = loadLocationError(v);
  if (err) out.push(invalidValue(at, v, err));
  return out;
}

/** A metav1.LabelSelector as Go's `%#v` prints it (field errors print structs so). */
function goSelector(sel: Obj): string {
  const str = (v: unknown) => goQuote(String(v));
  const labels = isObj(sel.matchLabels)
    ? `map[string]string{${Object.keys(sel.matchLabels)
        .sort()
        .map((k) => `${str(k)}:${str((sel.matchLabels as Obj)[k])}`)
        .join(", ")}}`
    : "map[string]string(nil)";
  const reqs = Array.isArray(sel.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .filter(isObj)
        .map((r) => {
          const values = Array.isArray(r.values)
            ? `[]string{${r.values.map(str).join(", ")}}`
            : "[]string(nil)";
          return `v1.LabelSelectorRequirement{Key:${str(r.key ?? "")}, Operator:${str(r.operator ?? "")}, Values:${values}}`;
        })
        .join(", ")}}`
    : "[]v1.LabelSelectorRequirement(nil)";
  return `v1.LabelSelector{MatchLabels:${labels}, MatchExpressions:${reqs}}`;
}

/**
 * validateCronJobSpec: the schedule (robfig's words; no TZ prefix on a new one), a known time
 * zone, the policy, non-negative deadline and history limits, and the job template as a Job's
 * spec with the selector left to the Job's creation.
 */
function cronJobSpec(o: Obj, old?: Obj): StatusCause[] {
  const spec = isObj(o.spec) ? o.spec : {};
  const was = old && isObj(old.spec) ? old.spec : undefined;
  const out: StatusCause[] = [];
  const schedule = typeof spec.schedule === "string" ? spec.schedule : "";
  if (!schedule) out.push(required("spec.schedule"));
  else {
    try {
      parseStandard(schedule);
    } catch (e) {
      if (!(e instanceof ScheduleError)) throw e;
      out.push(invalidValue("spec.schedule", schedule, e.message));
    }
    const allowTZ = typeof was?.schedule === "string" && was.schedule.includes("TZ");
    if (allowTZ && schedule.includes("TZ") && spec.timeZone !== undefined && spec.timeZone !== null)
      out.push(
        invalidValue(
          "spec.schedule",
          schedule,
          "cannot use both timeZone field and TZ or CRON_TZ in schedule",
        ),
      );
    else if (!allowTZ && schedule.includes("TZ"))
      out.push(
        invalidValue(
          "spec.schedule",
          schedule,
          "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
        ),
      );
  }
  const nonNegative = (field: string) => {
    const v = spec[field];
    if (typeof v === "number" && v < 0)
      out.push(invalidValue(`spec.${field}`, v, "must be greater than or equal to 0"));
  };
  nonNegative("startingDeadlineSeconds");
  if (!was || !sameUnordered(was.timeZone ?? null, spec.timeZone ?? null))
    out.push(...timeZone(spec.timeZone, "spec.timeZone"));
  if (spec.concurrencyPolicy === "") out.push(required("spec.concurrencyPolicy"));
  else out.push(...oneOf("spec.concurrencyPolicy", spec.concurrencyPolicy, ["Allow", "Forbid", "Replace"]));
  const jt = isObj(spec.jobTemplate) ? spec.jobTemplate : {};
  const js = isObj(jt.spec) ? jt.spec : {};
  const podAt = "spec.jobTemplate.spec.template.spec";
  const pod = isObj(js.template) ? js.template.spec : undefined;
  out.push(...podSpec(pod, podAt), ...jobRestarts(pod, podAt));
  out.push(...oneOf("spec.jobTemplate.spec.completionMode", js.completionMode, ["Indexed", "NonIndexed"]));
  if (isObj(js.selector))
    out.push({
      reason: "FieldValueInvalid",
      field: "spec.jobTemplate.spec.selector",
      message: `Invalid value: ${goSelector(js.selector)}: \`selector\` will be auto-generated`,
    });
  if (js.manualSelector === true)
    out.push(notSupported("spec.jobTemplate.spec.manualSelector", true, ["nil", "false"]));
  nonNegative("successfulJobsHistoryLimit");
  nonNegative("failedJobsHistoryLimit");
  return out;
}

/** ValidateCronJobCreate: room for the Job name's `-<minutes>` suffix (not checked on update). */
function cronJobName(o: Obj, old?: Obj): StatusCause[] {
  const name = String((o.metadata as Obj | undefined)?.name ?? "");
  return !old && name.length > 52
    ? [invalidValue("metadata.name", name, "must be no more than 52 characters")]
    : [];
}

const PDB_EVICTION_POLICIES = ["AlwaysAllow", "IfHealthyBudget"];
const PERCENT_MESSAGE =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/** IntOrString values print through their String method: no quotes. */
const intOrPercentInvalid = (field: string, v: unknown, msg: string): StatusCause => ({
  reason: "FieldValueInvalid",
  field,
  message: `Invalid value: ${String(v)}: ${msg}`,
});

/** ValidatePositiveIntOrPercent + (unless `over100`) IsNotMoreThan100Percent. */
function positiveIntOrPercent(v: unknown, at: string, over100 = false): StatusCause[] {
  if (v === undefined) return [];
  if (typeof v === "number") return v < 0 ? [invalidValue(at, v, "must be greater than or equal to 0")] : [];
  const text = String(v);
  if (!/^[0-9]+%$/.test(text)) return [intOrPercentInvalid(at, text, PERCENT_MESSAGE)];
  return !over100 && Number(text.slice(0, -1)) > 100
    ? [intOrPercentInvalid(at, text, "must not be greater than 100%")]
    : [];
}

/** getIntOrPercentValue: a count, a valid percent's number, anything else 0 (IntValue of a string). */
const intOrPercentValue = (v: unknown): number =>
  typeof v === "number" ? v : /^[0-9]+%$/.test(String(v)) ? Number(String(v).slice(0, -1)) : 0;

/** ValidateDeploymentStrategy and ValidateRollingUpdateDeployment. */
function deploymentStrategy(o: Obj): StatusCause[] {
  const spec = isObj(o.spec) ? o.spec : {};
  const st = isObj(spec.strategy) ? spec.strategy : {};
  const at = "spec.strategy";
  const ru = st.rollingUpdate;
  if (st.type === "Recreate")
    return ru === undefined || ru === null
      ? []
      : [
          {
            reason: "FieldValueForbidden",
            field: `${at}.rollingUpdate`,
            message: "Forbidden: may not be specified when strategy `type` is 'Recreate'",
          },
        ];
  if (st.type === "RollingUpdate") {
    if (!isObj(ru))
      return [
        {
          ...required(`${at}.rollingUpdate`),
          message: "Required value: this should be defaulted and never be nil",
        },
      ];
    const out = [
      ...positiveIntOrPercent(ru.maxUnavailable, `${at}.rollingUpdate.maxUnavailable`, true),
      ...positiveIntOrPercent(ru.maxSurge, `${at}.rollingUpdate.maxSurge`, true),
    ];
    if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0)
      out.push(
        intOrPercentInvalid(
          `${at}.rollingUpdate.maxUnavailable`,
          ru.maxUnavailable ?? 0,
          "may not be 0 when `maxSurge` is 0",
        ),
      );
    // IsNotMoreThan100Percent: maxUnavailable only (a surge may double the set).
    const mu = ru.maxUnavailable;
    if (typeof mu === "string" && /^[0-9]+%$/.test(mu) && Number(mu.slice(0, -1)) > 100)
      out.push(
        intOrPercentInvalid(`${at}.rollingUpdate.maxUnavailable`, mu, "must not be greater than 100%"),
      );
    return out;
  }
  // NotSupported prints the strategy struct, its pointer as an address.
  const ptr = ru === undefined || ru === null ? "(nil)" : "(0xc000b8e3a0)";
  return [
    {
      reason: "FieldValueNotSupported",
      field: at,
      message: `Unsupported value: apps.DeploymentStrategy{Type:${goQuote(String(st.type ?? ""))}, RollingUpdate:(*apps.RollingUpdateDeployment)${ptr}}: supported values: "Recreate", "RollingUpdate"`,
    },
  ];
}

/** ValidatePodDisruptionBudgetSpec: one of minAvailable and maxUnavailable, each 0+ or 0–100%. */
function podDisruptionBudget(o: Obj): StatusCause[] {
  const spec = isObj(o.spec) ? o.spec : {};
  const out: StatusCause[] = [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined)
    out.push({
      reason: "FieldValueInvalid",
      field: "spec",
      // Go prints the spec struct with its pointers; the addresses are its own.
      message: `Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc000a1c2e0), Selector:(*v1.LabelSelector)(0xc000a1c300), MaxUnavailable:(*intstr.IntOrString)(0xc000a1c320), UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}: minAvailable and maxUnavailable cannot be both set`,
    });
  out.push(...positiveIntOrPercent(spec.minAvailable, "spec.minAvailable"));
  out.push(...positiveIntOrPercent(spec.maxUnavailable, "spec.maxUnavailable"));
  out.push(
    ...oneOf("spec.unhealthyPodEvictionPolicy", spec.unhealthyPodEvictionPolicy, PDB_EVICTION_POLICIES),
  );
  return out;
}

// ---------------------------------------------------------------- claims and volumes

const ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];
const VOLUME_MODES = ["Block", "Filesystem"];
const RECLAIM_POLICIES = ["Delete", "Recycle", "Retain"];
const forbidden = (field: string, msg: string): StatusCause => ({
  reason: "FieldValueForbidden",
  field,
  message: `Forbidden: ${msg}`,
});

/** The access-mode checks ValidatePersistentVolume(Claim)Spec share. */
function accessModes(modes: unknown, at: string, requiredMsg: string): StatusCause[] {
  const list = Array.isArray(modes) ? modes : [];
  if (!list.length)
    return [{ ...required(at), message: `Required value${requiredMsg ? `: ${requiredMsg}` : ""}` }];
  const out = list
    .filter((m) => !ACCESS_MODES.includes(String(m)))
    .map((m) => notSupported(at, m, ACCESS_MODES));
  const once = list.includes("ReadWriteOncePod");
  if (once && list.some((m) => m !== "ReadWriteOncePod" && ACCESS_MODES.includes(String(m))))
    out.push(forbidden(at, "may not use ReadWriteOncePod with other access modes"));
  return out;
}

/** ValidatePositiveQuantityValue. */
function positiveQuantity(q: unknown, at: string): StatusCause[] {
  try {
    return parseQuantity(q as string | number) > 0
      ? []
      : [invalidValue(at, String(q), "must be greater than zero")];
  } catch {
    return []; // an unparsable quantity was refused by the decoder already
  }
}

/** ValidatePersistentVolumeClaimSpec (also a StatefulSet's claim templates'). */
function claimSpec(spec: unknown, at: string): StatusCause[] {
  const s = isObj(spec) ? spec : {};
  const out = accessModes(s.accessModes, `${at}.accessModes`, "at least 1 access mode is required");
  const requests = isObj(s.resources) && isObj(s.resources.requests) ? s.resources.requests : {};
  const storage = getOwn(requests, "storage");
  if (storage === undefined) out.push(required(`${at}.resources[storage]`));
  else out.push(...positiveQuantity(storage, `${at}.resources[storage]`));
  if (typeof s.storageClassName === "string" && s.storageClassName && !SUBDOMAIN_RE.test(s.storageClassName))
    out.push(invalidValue(`${at}.storageClassName`, s.storageClassName, SUBDOMAIN_MESSAGE));
  out.push(...oneOf(`${at}.volumeMode`, s.volumeMode, VOLUME_MODES));
  return out;
}

/**
 * ValidatePersistentVolumeClaimUpdate: a claim's spec is fixed once created, but for its
 * volumeName (set once, by the binder) and, once Bound, its storage request, which may grow.
 * (The spec diff kube-apiserver appends to the message is Go's cmp.Diff; it is not reproduced.)
 */
function claimUpdate(o: Obj, old: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = isObj(o.spec) ? o.spec : {};
  const was = isObj(old.spec) ? old.spec : {};
  const munged: Obj = { ...spec };
  // volumeName may be set once (the binder's write).
  if (!was.volumeName) delete munged.volumeName;
  const storageOf = (x: Obj): unknown =>
    isObj(x.resources) && isObj(x.resources.requests) ? getOwn(x.resources.requests, "storage") : undefined;
  const status = isObj(o.status) ? o.status : isObj(old.status) ? old.status : {};
  if (status.phase === "Bound" && isObj(munged.resources) && isObj(munged.resources.requests))
    munged.resources = {
      ...munged.resources,
      requests: { ...munged.resources.requests, storage: storageOf(was) },
    };
  munged.volumeAttributesClassName = was.volumeAttributesClassName;
  if (munged.volumeAttributesClassName === undefined) delete munged.volumeAttributesClassName;
  if (!sameUnordered(munged, was))
    out.push(
      forbidden(
        "spec",
        "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
      ),
    );
  try {
    const size = (x: unknown) => (x === undefined ? 0 : parseQuantity(x as string | number));
    const capacity =
      isObj(old.status) && isObj(old.status.capacity) ? old.status.capacity.storage : undefined;
    // RecoverVolumeExpansionFailure: a request may go back down, never to the capacity or below.
    if (size(storageOf(spec)) < size(storageOf(was)) && size(storageOf(spec)) <= size(capacity))
      out.push(forbidden("spec.resources.requests.storage", "field can not be less than status.capacity"));
  } catch {
    // unparsable quantities were refused by the decoder
  }
  return out;
}

/** Volume sources a PersistentVolume may name (one of them). */
const PV_SOURCES = [
  "hostPath",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "glusterfs",
  "flocker",
  "nfs",
  "rbd",
  "quobyte",
  "cephfs",
  "iscsi",
  "cinder",
  "fc",
  "flexVolume",
  "azureFile",
  "vsphereVolume",
  "photonPersistentDisk",
  "portworxVolume",
  "azureDisk",
  "scaleIO",
  "local",
  "storageos",
  "csi",
];

/** ValidatePersistentVolumeSpec (the common parts), and ValidatePersistentVolumeUpdate. */
function persistentVolume(o: Obj, old?: Obj): StatusCause[] {
  const s = isObj(o.spec) ? o.spec : {};
  const out = accessModes(s.accessModes, "spec.accessModes", "");
  const capacity = isObj(s.capacity) ? s.capacity : {};
  if (!Object.keys(capacity).length) out.push(required("spec.capacity"));
  for (const k of Object.keys(capacity))
    out.push(...positiveQuantity(getOwn(capacity, k), `spec.capacity[${k}]`));
  out.push(...oneOf("spec.persistentVolumeReclaimPolicy", s.persistentVolumeReclaimPolicy, RECLAIM_POLICIES));
  const sources = PV_SOURCES.filter((k) => s[k] !== undefined && s[k] !== null);
  if (!sources.length)
    out.push({ ...required("spec"), message: "Required value: must specify a volume type" });
  for (const k of sources.slice(1))
    out.push(forbidden(`spec.${k}`, "may not specify more than 1 volume type"));
  if (typeof s.storageClassName === "string" && s.storageClassName && !SUBDOMAIN_RE.test(s.storageClassName))
    out.push(invalidValue("spec.storageClassName", s.storageClassName, SUBDOMAIN_MESSAGE));
  out.push(...oneOf("spec.volumeMode", s.volumeMode, VOLUME_MODES));
  if (old) {
    const was = isObj(old.spec) ? old.spec : {};
    if (PV_SOURCES.some((k) => !sameUnordered(s[k], was[k])))
      out.push(
        forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"),
      );
    out.push(...immutable(o, old, ["spec.volumeMode"]).map((c) => ({ ...c, field: "volumeMode" })));
  }
  return out;
}

/** The spec fields a StatefulSet update may change (ValidateStatefulSetUpdate). */
const STATEFULSET_MUTABLE = [
  "replicas",
  "ordinals",
  "template",
  "updateStrategy",
  "revisionHistoryLimit",
  "persistentVolumeClaimRetentionPolicy",
  "minReadySeconds",
];
/** ValidateStatefulSetUpdate: any other spec change (claims, serviceName, podManagementPolicy …) is refused. */
function statefulSetUpdate(o: Obj, old: Obj): StatusCause[] {
  const rest = (spec: unknown) =>
    Object.fromEntries(
      Object.entries(isObj(spec) ? spec : {}).filter(([k]) => !STATEFULSET_MUTABLE.includes(k)),
    );
  if (sameUnordered(rest(o.spec), rest(old.spec))) return [];
  return [
    {
      reason: "FieldValueForbidden",
      field: "spec",
      message:
        "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    },
  ];
}

// ---------------------------------------------------------------- admission webhooks

/** ValidateLabelSelector (metav1 validation): labels, operators and their values. */
function labelSelectorCauses(sel: unknown, at: string): StatusCause[] {
  if (!isObj(sel)) return [];
  const out: StatusCause[] = [];
  if (isObj(sel.matchLabels))
    for (const [k, v] of Object.entries(sel.matchLabels))
      for (const p of labelProblems(k, v)) out.push(invalidValue(`${at}.matchLabels`, p.value, p.message));
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
  exprs.forEach((e, i) => {
    if (!isObj(e)) return;
    const p = `${at}.matchExpressions[${i}]`;
    const values = Array.isArray(e.values) ? e.values : [];
    if (e.operator === "In" || e.operator === "NotIn") {
      if (!values.length)
        out.push({
          ...required(`${p}.values`),
          message: "Required value: must be specified when `operator` is 'In' or 'NotIn'",
        });
    } else if (e.operator === "Exists" || e.operator === "DoesNotExist") {
      if (values.length)
        out.push({
          reason: "FieldValueForbidden",
          field: `${p}.values`,
          message: "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        });
    } else out.push(invalidValue(`${p}.operator`, e.operator ?? "", "not a valid selector operator"));
    for (const msg of qualifiedName(String(e.key ?? "")))
      out.push(invalidValue(`${p}.key`, e.key ?? "", msg));
    values.forEach((v, j) => {
      for (const x of labelProblems("a", v)) out.push(invalidValue(`${p}.values[${j}]`, v, x.message));
    });
  });
  return out;
}

/** Go's %#v of a string slice, as field.Invalid prints a list it names. */
const goStrings = (type: string, v: unknown[]) => `${type}{${v.map((x) => goQuote(String(x))).join(", ")}}`;
const invalidList = (field: string, type: string, v: unknown[], msg: string): StatusCause => ({
  reason: "FieldValueInvalid",
  field,
  message: `Invalid value: ${goStrings(type, v)}: ${msg}`,
});
const DNS1035_RE = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/** IsDNS1123Subdomain's messages. */
function subdomainProblems(v: string): string[] {
  const out: string[] = [];
  if (v.length > 253) out.push("must be no more than 253 characters");
  if (!SUBDOMAIN_RE.test(v)) out.push(SUBDOMAIN_MESSAGE);
  return out;
}

/** utilvalidation.IsFullyQualifiedName: a subdomain of three or more segments (a final dot dropped). */
function fullyQualifiedName(at: string, raw: unknown): StatusCause[] {
  const name = typeof raw === "string" ? raw.replace(/\.$/, "") : "";
  if (!raw) return [required(at)];
  const errs = subdomainProblems(name);
  if (errs.length) return [invalidValue(at, name, errs.join(","))];
  if (name.split(".").length < 3)
    return [invalidValue(at, name, "should be a domain with at least three segments separated by dots")];
  return [];
}

const WEBHOOK_OPERATIONS = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"];
const NO_SIDE_EFFECTS = ["None", "NoneOnDryRun"];
const ALL_SIDE_EFFECTS = ["None", "NoneOnDryRun", "Some", "Unknown"];
const REVIEW_VERSIONS = ["v1", "v1beta1"];
const hasStar = (l: unknown[]) => l.includes("*");
const strings = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** validateResources: rules' resources, with their subresource wildcards. */
function webhookResources(resources: unknown[], at: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (!resources.length) out.push(required(at));
  const resWild = new Set<string>();
  const subWild = new Set<string>();
  let doubleWild = false;
  let singleWild = false;
  let plain = false;
  resources.forEach((r, i) => {
    const rs = String(r ?? "");
    if (!rs) {
      out.push(required(`${at}[${i}]`));
      return;
    }
    if (rs === "*/*") doubleWild = true;
    if (rs === "*") singleWild = true;
    const slash = rs.indexOf("/");
    if (slash < 0) {
      plain = rs !== "*";
      return;
    }
    const res = rs.slice(0, slash);
    const sub = rs.slice(slash + 1);
    if (resWild.has(res))
      out.push(invalidValue(`${at}[${i}]`, rs, `if '${res}/*' is present, must not specify ${rs}`));
    if (subWild.has(sub))
      out.push(invalidValue(`${at}[${i}]`, rs, `if '*/${sub}' is present, must not specify ${rs}`));
    if (sub === "*") resWild.add(res);
    if (res === "*") subWild.add(sub);
  });
  if (resources.length > 1 && doubleWild)
    out.push(invalidList(at, "[]string", resources, "if '*/*' is present, must not specify other resources"));
  if (singleWild && plain)
    out.push(
      invalidList(
        at,
        "[]string",
        resources,
        "if '*' is present, must not specify other resources without subresources",
      ),
    );
  return out;
}

/** validateRuleWithOperations. */
function webhookRule(rule: Obj, at: string): StatusCause[] {
  const out: StatusCause[] = [];
  const ops = strings(rule.operations);
  if (!ops.length) out.push(required(`${at}.operations`));
  if (ops.length > 1 && hasStar(ops))
    out.push(
      invalidList(
        `${at}.operations`,
        "[]admissionregistration.OperationType",
        ops,
        "if '*' is present, must not specify other operations",
      ),
    );
  for (const [i, op] of ops.entries()) out.push(...oneOf(`${at}.operations[${i}]`, op, WEBHOOK_OPERATIONS));
  const groups = strings(rule.apiGroups);
  if (!groups.length) out.push(required(`${at}.apiGroups`));
  if (groups.length > 1 && hasStar(groups))
    out.push(
      invalidList(
        `${at}.apiGroups`,
        "[]string",
        groups,
        "if '*' is present, must not specify other API groups",
      ),
    );
  const versions = strings(rule.apiVersions);
  if (!versions.length) out.push(required(`${at}.apiVersions`));
  if (versions.length > 1 && hasStar(versions))
    out.push(
      invalidList(
        `${at}.apiVersions`,
        "[]string",
        versions,
        "if '*' is present, must not specify other API versions",
      ),
    );
  versions.forEach((v, i) => {
    if (v === "" || v === null) out.push(required(`${at}.apiVersions[${i}]`));
  });
  out.push(...webhookResources(strings(rule.resources), `${at}.resources`));
  out.push(...oneOf(`${at}.scope`, rule.scope, ["*", "Cluster", "Namespaced"]));
  return out;
}

/** Go's url.Parse, as far as ValidateWebhookURL reads it: scheme, userinfo, host, query, fragment. */
function goUrl(raw: string): {
  scheme: string;
  user?: string;
  host: string;
  query: string;
  fragment: string;
} {
  let rest = raw;
  let fragment = "";
  const hash = rest.indexOf("#");
  if (hash >= 0) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest)?.[1] ?? "";
  if (scheme) rest = rest.slice(scheme.length + 1);
  let query = "";
  const qm = rest.indexOf("?");
  if (qm >= 0) {
    query = rest.slice(qm + 1);
    rest = rest.slice(0, qm);
  }
  if (!rest.startsWith("//")) return { scheme, host: "", query, fragment };
  const authority = rest.slice(2).split("/")[0];
  const at = authority.lastIndexOf("@");
  return at >= 0
    ? { scheme, user: authority.slice(0, at), host: authority.slice(at + 1), query, fragment }
    : { scheme, host: authority, query, fragment };
}

/** webhook.ValidateWebhookURL (https forced) and ValidateWebhookService. */
function webhookClientConfig(cc: unknown, at: string): StatusCause[] {
  const c = isObj(cc) ? cc : {};
  const hasUrl = typeof c.url === "string";
  const svc = isObj(c.service) ? c.service : undefined;
  if (hasUrl === !!svc)
    return [{ ...required(at), message: "Required value: exactly one of url or service is required" }];
  const out: StatusCause[] = [];
  if (hasUrl) {
    const form = "; desired format: https://host[/path]";
    const u = goUrl(String(c.url));
    const f = `${at}.url`;
    if (u.scheme !== "https")
      out.push(invalidValue(f, u.scheme, `'https' is the only allowed URL scheme${form}`));
    if (!u.host) out.push(invalidValue(f, u.host, `host must be specified${form}`));
    if (u.user !== undefined)
      out.push(invalidValue(f, u.user, "user information is not permitted in the URL"));
    if (u.fragment) out.push(invalidValue(f, u.fragment, "fragments are not permitted in the URL"));
    if (u.query) out.push(invalidValue(f, u.query, "query parameters are not permitted in the URL"));
    return out;
  }
  const s = svc ?? {};
  const f = `${at}.service`;
  // The caller hands over (name, namespace) to a function declared (namespace, name), so each
  // missing field is reported under the other's name (kubernetes#141353) — as the server says.
  if (!s.namespace) out.push(required(`${f}.name`));
  if (!s.name) out.push(required(`${f}.namespace`));
  const port = s.port;
  if (typeof port === "number" && (port < 1 || port > 65535))
    out.push(invalidValue(`${f}.port`, port, "port is not valid: must be between 1 and 65535, inclusive"));
  const path = typeof s.path === "string" ? s.path : "";
  if (path === "" || path === "/") return out;
  if (path === "//") return [...out, invalidValue(`${f}.path`, path, "segment[0] may not be empty")];
  if (!path.startsWith("/")) out.push(invalidValue(`${f}.path`, path, "must start with a '/'"));
  let check = path.slice(1);
  if (check.endsWith("/")) check = check.slice(0, -1);
  check.split("/").forEach((step, i) => {
    if (!step) {
      out.push(invalidValue(`${f}.path`, path, `segment[${i}] may not be empty`));
      return;
    }
    for (const m of subdomainProblems(step)) out.push(invalidValue(`${f}.path`, path, `segment[${i}]: ${m}`));
  });
  return out;
}

/** validateAdmissionReviewVersions. */
function reviewVersions(v: unknown, at: string, requireKnown: boolean): StatusCause[] {
  const list = strings(v);
  if (!list.length)
    return [
      { ...required(at), message: `Required value: must specify one of ${REVIEW_VERSIONS.join(", ")}` },
    ];
  const out: StatusCause[] = [];
  const seen = new Set<string>();
  list.forEach((x, i) => {
    const s = String(x);
    if (seen.has(s)) {
      out.push(invalidValue(`${at}[${i}]`, s, "duplicate version"));
      return;
    }
    seen.add(s);
    if (s.length > 63) out.push(invalidValue(`${at}[${i}]`, s, "must be no more than 63 characters"));
    if (!DNS1035_RE.test(s)) out.push(invalidValue(`${at}[${i}]`, s, DNS1035_MESSAGE));
  });
  if (requireKnown && !list.some((x) => REVIEW_VERSIONS.includes(String(x))))
    out.push(invalidList(at, "[]string", list, `must include at least one of ${REVIEW_VERSIONS.join(", ")}`));
  return out;
}

/**
 * Validate{Validating,Mutating}WebhookConfiguration(Update): on update, a rule the old object
 * already broke (side effects, review versions, duplicate names) is not enforced anew.
 */
function webhookConfiguration(mutating: boolean) {
  return (o: Obj, old?: Obj): StatusCause[] => {
    const hooks = strings(o.webhooks).map((h) => (isObj(h) ? h : {}));
    const before = old ? strings(old.webhooks).map((h) => (isObj(h) ? h : {})) : undefined;
    const noSideEffects = before
      ? before.every((h) => NO_SIDE_EFFECTS.includes(String(h.sideEffects)))
      : true;
    const knownVersions = before
      ? before.every((h) => {
          const v = strings(h.admissionReviewVersions);
          return !v.length || v.some((x) => REVIEW_VERSIONS.includes(String(x)));
        })
      : true;
    const uniqueNames = before ? new Set(before.map((h) => h.name)).size === before.length : true;
    const allowed = noSideEffects ? NO_SIDE_EFFECTS : ALL_SIDE_EFFECTS;
    const out: StatusCause[] = [];
    const names = new Set<unknown>();
    hooks.forEach((h, i) => {
      const at = `webhooks[${i}]`;
      out.push(...fullyQualifiedName(`${at}.name`, h.name));
      for (const [j, r] of strings(h.rules).entries())
        out.push(...webhookRule(isObj(r) ? r : {}, `${at}.rules[${j}]`));
      out.push(...oneOf(`${at}.failurePolicy`, h.failurePolicy, ["Fail", "Ignore"]));
      out.push(...oneOf(`${at}.matchPolicy`, h.matchPolicy, ["Equivalent", "Exact"]));
      if (h.sideEffects === undefined || h.sideEffects === null)
        out.push({
          ...required(`${at}.sideEffects`),
          message: `Required value: must specify one of ${allowed.join(", ")}`,
        });
      else out.push(...oneOf(`${at}.sideEffects`, h.sideEffects, allowed));
      const timeout = h.timeoutSeconds;
      if (typeof timeout === "number" && (timeout > 30 || timeout < 1))
        out.push(
          invalidValue(`${at}.timeoutSeconds`, timeout, "the timeout value must be between 1 and 30 seconds"),
        );
      out.push(...labelSelectorCauses(h.namespaceSelector, `${at}.namespaceSelector`));
      out.push(...labelSelectorCauses(h.objectSelector, `${at}.objectSelector`));
      if (mutating)
        out.push(...oneOf(`${at}.reinvocationPolicy`, h.reinvocationPolicy, ["IfNeeded", "Never"]));
      out.push(...webhookClientConfig(h.clientConfig, `${at}.clientConfig`));
      out.push(...reviewVersions(h.admissionReviewVersions, `${at}.admissionReviewVersions`, knownVersions));
      if (uniqueNames && h.name) {
        if (names.has(h.name)) out.push(duplicate(`${at}.name`, String(h.name)));
        names.add(h.name);
      }
    });
    return out;
  };
}

/** The system classes a `system-` name must be, with their value (scheduling.SystemPriorityClasses). */
const SYSTEM_PRIORITY_CLASSES: Record<string, number> = {
  "system-node-critical": 2000001000,
  "system-cluster-critical": 2000000000,
};
/** scheduling.HighestUserDefinablePriority. */
const HIGHEST_USER_PRIORITY = 1000000000;

/** ValidatePriorityClass(Update): reserved names, the user ceiling, the policy; value and policy fixed once made. */
function priorityClass(o: Obj, old?: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const name = String((o.metadata as Obj | undefined)?.name ?? "");
  const value = typeof o.value === "number" ? o.value : 0;
  const forbidden = (field: string, message: string): StatusCause => ({
    reason: "FieldValueForbidden",
    field,
    message: `Forbidden: ${message}`,
  });
  if (name.startsWith("system-")) {
    const known = SYSTEM_PRIORITY_CLASSES[name];
    const why =
      known === undefined
        ? `${name} is not a known system priority class`
        : value !== known
          ? `value of ${name} PriorityClass must be ${known}`
          : o.globalDefault === true
            ? `globalDefault of ${name} PriorityClass must be false`
            : undefined;
    if (why)
      out.push(
        forbidden(
          "metadata.name",
          `priority class names with 'system-' prefix are reserved for system use only. error: ${why}`,
        ),
      );
  } else if (value > HIGHEST_USER_PRIORITY)
    out.push(
      forbidden("value", `maximum allowed value of a user defined priority is ${HIGHEST_USER_PRIORITY}`),
    );
  out.push(...oneOf("preemptionPolicy", o.preemptionPolicy, ["PreemptLowerPriority", "Never"]));
  if (old) {
    if (value !== (typeof old.value === "number" ? old.value : 0))
      out.push(forbidden("value", "may not be changed in an update."));
    if (old.preemptionPolicy !== undefined && o.preemptionPolicy !== old.preemptionPolicy)
      out.push(invalidValue("preemptionPolicy", o.preemptionPolicy ?? null, "field is immutable"));
  }
  return out;
}

// ---------------------------------------------------------------- storage, node, certificates, flowcontrol

const requiredBecause = (field: string, detail: string): StatusCause => ({
  reason: "FieldValueRequired",
  field,
  message: `Required value: ${detail}`,
});
const specOf = (o: Obj): Obj => (isObj(o.spec) ? o.spec : {});

/** storage validation's CSI driver name (ValidateCSIDriverName). */
const CSI_DRIVER_NAME_RE = /^[a-zA-Z0-9][-a-zA-Z0-9_.]{0,61}[a-zA-Z-0-9]$/;
function csiDriverName(v: unknown, at: string): StatusCause[] {
  if (v === undefined || v === null || v === "") return [required(at)];
  const name = String(v);
  if (name.length > 63)
    return [{ reason: "FieldValueTooLong", field: at, message: `Too long: may not be more than 63 bytes` }];
  if (!CSI_DRIVER_NAME_RE.test(name))
    return [
      invalidValue(
        at,
        name,
        "a valid CSI driver name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-zA-Z0-9][-a-zA-Z0-9_.]{0,61}[a-zA-Z-0-9]')",
      ),
    ];
  return [];
}

/** ValidateCSIDriver(Update): the modes and policies it knows, token requests, fixed attach flags. */
function csiDriver(o: Obj, old?: Obj): StatusCause[] {
  const spec = specOf(o);
  const out = csiDriverName((o.metadata as Obj | undefined)?.name, "metadata.name");
  if (spec.attachRequired === undefined) out.push(required("spec.attachRequired"));
  if (spec.podInfoOnMount === undefined) out.push(required("spec.podInfoOnMount"));
  out.push(...oneOf("spec.fsGroupPolicy", spec.fsGroupPolicy, ["File", "None", "ReadWriteOnceWithFSType"]));
  strings(spec.volumeLifecycleModes).forEach((m, i) => {
    out.push(...oneOf(`spec.volumeLifecycleModes[${i}]`, m, ["Ephemeral", "Persistent"]));
  });
  const audiences = new Set<string>();
  (Array.isArray(spec.tokenRequests) ? spec.tokenRequests : []).forEach((t: unknown, i: number) => {
    const r = isObj(t) ? t : {};
    const a = String(r.audience ?? "");
    if (audiences.has(a)) out.push(duplicate(`spec.tokenRequests[${i}].audience`, a));
    audiences.add(a);
    const e = r.expirationSeconds;
    if (typeof e === "number" && e < 600)
      out.push(
        invalidValue(
          `spec.tokenRequests[${i}].expirationSeconds`,
          e,
          "may not specify a duration less than 10 minutes",
        ),
      );
    else if (typeof e === "number" && e > 2 ** 32)
      out.push(
        invalidValue(
          `spec.tokenRequests[${i}].expirationSeconds`,
          e,
          "may not specify a duration larger than 2^32 seconds",
        ),
      );
  });
  // attachRequired, fsGroupPolicy and the modes are fixed once made.
  out.push(...immutable(o, old, ["spec.attachRequired", "spec.fsGroupPolicy", "spec.volumeLifecycleModes"]));
  return out;
}

/** ValidateCSINode: each driver once, a valid name, a node ID, a non-negative allocatable count. */
function csiNode(o: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const seen = new Set<string>();
  (Array.isArray(specOf(o).drivers) ? (specOf(o).drivers as unknown[]) : []).forEach((d, i) => {
    const r = isObj(d) ? d : {};
    const at = `spec.drivers[${i}]`;
    out.push(...csiDriverName(r.name, `${at}.name`));
    if (seen.has(String(r.name))) out.push(duplicate(`${at}.name`, String(r.name)));
    seen.add(String(r.name));
    if (!r.nodeID) out.push(required(`${at}.nodeID`));
    const count = isObj(r.allocatable) ? r.allocatable.count : undefined;
    if (typeof count === "number" && count < 0)
      out.push(invalidValue(`${at}.allocatable.count`, count, "must be greater than or equal to 0"));
  });
  return out;
}

/** ValidateVolumeAttachment(Update): attacher, node and exactly one source; the spec fixed once made. */
function volumeAttachment(o: Obj, old?: Obj): StatusCause[] {
  const spec = specOf(o);
  const out = csiDriverName(spec.attacher, "spec.attacher");
  if (!spec.nodeName) out.push(required("spec.nodeName"));
  const src = isObj(spec.source) ? spec.source : {};
  const both = "must specify exactly one of inlineVolumeSpec and persistentVolumeName";
  if (src.inlineVolumeSpec === undefined && src.persistentVolumeName === undefined)
    out.push(requiredBecause("spec.source", both));
  else if (src.inlineVolumeSpec !== undefined && src.persistentVolumeName !== undefined)
    out.push({ reason: "FieldValueForbidden", field: "spec.source", message: `Forbidden: ${both}` });
  else if (src.persistentVolumeName === "")
    out.push(
      requiredBecause("spec.source.persistentVolumeName", "must specify non empty persistentVolumeName"),
    );
  if (old && !sameUnordered(o.spec, old.spec))
    out.push(invalidValue("spec", o.spec ?? null, "field is immutable"));
  return out;
}

/** ValidateRuntimeClass(Update): the handler is a DNS label, fixed once made. */
function runtimeClass(o: Obj, old?: Obj): StatusCause[] {
  const h = o.handler;
  if (h === undefined || h === null || h === "") return [required("handler")];
  const out: StatusCause[] = [];
  if (String(h).length > 63) out.push(invalidValue("handler", h, "must be no more than 63 characters"));
  if (!DNS1123_LABEL_RE.test(String(h))) out.push(invalidValue("handler", h, DNS1123_LABEL_MESSAGE));
  out.push(...immutable(o, old, ["handler"]));
  return out;
}

/** certificates/v1 KeyUsage values (ValidateCertificateSigningRequest's allowedUsages). */
const KEY_USAGES = [
  "signing",
  "digital signature",
  "content commitment",
  "key encipherment",
  "key agreement",
  "data encipherment",
  "cert sign",
  "crl sign",
  "encipher only",
  "decipher only",
  "any",
  "server auth",
  "client auth",
  "code signing",
  "email protection",
  "s/mime",
  "ipsec end system",
  "ipsec tunnel",
  "ipsec user",
  "timestamping",
  "ocsp signing",
  "microsoft sgc",
  "netscape sgc",
];

/** Go's %#v of a []byte, as field.Invalid prints a CSR's request. */
const goBytes = (b: Uint8Array): string =>
  `[]byte{${Array.from(b, (x) => `0x${x.toString(16)}`).join(", ")}}`;

/**
 * validateCSR's request check: the first PEM block must be a CERTIFICATE REQUEST whose body is
 * one DER SEQUENCE (the envelope x509.ParseCertificateRequest starts with).
 */
function csrRequestProblem(der: Buffer): string | undefined {
  const text = der.toString("latin1");
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (m?.[1] !== "CERTIFICATE REQUEST") return "PEM block type must be CERTIFICATE REQUEST";
  const body = Buffer.from(m[2].replace(/^[A-Za-z-]+:.*$/gm, "").replace(/\s+/g, ""), "base64");
  if (body.length < 2 || body[0] !== 0x30) return "asn1: structure error: tags don't match";
  let len = body[1];
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (body[2 + i] ?? 0);
    head = 2 + n;
  }
  if (head + len > body.length) return "asn1: syntax error: data truncated";
  if (head + len < body.length) return "x509: trailing data";
  return undefined;
}

/**
 * ValidateCertificateSigningRequestCreate: a parseable request, a qualified signer name, known
 * usages once each, a lifetime of at least ten minutes.
 */
function certificateSigningRequest(o: Obj, old?: Obj): StatusCause[] {
  const spec = specOf(o);
  const out: StatusCause[] = [];
  if (!old) {
    const req = typeof spec.request === "string" ? Buffer.from(spec.request, "base64") : undefined;
    if (!req || req.length === 0) out.push(required("spec.request"));
    else {
      const problem = csrRequestProblem(req);
      if (problem)
        out.push({
          reason: "FieldValueInvalid",
          field: "spec.request",
          message: `Invalid value: ${goBytes(req)}: ${problem}`,
        });
    }
  }
  const signer = spec.signerName;
  if (signer === undefined || signer === "") out.push(required("spec.signerName"));
  else if (!/^[^/]+\.[^/]+\/.+$/.test(String(signer)))
    out.push(
      invalidValue(
        "spec.signerName",
        signer,
        "must be a fully qualified domain and path of the form 'example.com/signer-name'",
      ),
    );
  const usages = strings(spec.usages);
  if (!usages.length) out.push(required("spec.usages"));
  const seen = new Set<string>();
  usages.forEach((u, i) => {
    out.push(...oneOf(`spec.usages[${i}]`, u, KEY_USAGES));
    if (seen.has(String(u))) out.push(duplicate(`spec.usages[${i}]`, String(u)));
    seen.add(String(u));
  });
  const exp = spec.expirationSeconds;
  if (typeof exp === "number" && exp < 600)
    out.push(
      invalidValue(
        "spec.expirationSeconds",
        exp,
        "may not specify a duration less than 600 seconds (10 minutes)",
      ),
    );
  // The spec is fixed once made (ValidateCertificateSigningRequestUpdate).
  if (old && !sameUnordered(o.spec, old.spec))
    out.push(invalidValue("spec", o.spec ?? null, "field is immutable"));
  // Approved and Denied exclude each other (validateConditions).
  const types = new Set(
    (isObj(o.status) && Array.isArray(o.status.conditions) ? o.status.conditions : []).map((c: unknown) =>
      isObj(c) ? c.type : undefined,
    ),
  );
  if (types.has("Approved") && types.has("Denied"))
    out.push(
      invalidValue("status.conditions", "Approved", "Approved and Denied conditions are mutually exclusive"),
    );
  return out;
}

/** ValidateValidatingAdmissionPolicy: something to check, where it applies, known failure policy. */
function validatingAdmissionPolicy(o: Obj): StatusCause[] {
  const spec = specOf(o);
  const out: StatusCause[] = [];
  const validations = Array.isArray(spec.validations) ? spec.validations : [];
  const audits = Array.isArray(spec.auditAnnotations) ? spec.auditAnnotations : [];
  if (!validations.length && !audits.length)
    out.push(
      requiredBecause("spec.validations", "validations or auditAnnotations must contain at least one item"),
    );
  validations.forEach((v: unknown, i: number) => {
    if (!isObj(v) || !v.expression) out.push(required(`spec.validations[${i}].expression`));
  });
  if (!isObj(spec.matchConstraints)) out.push(required("spec.matchConstraints"));
  else if (!Array.isArray(spec.matchConstraints.resourceRules) || !spec.matchConstraints.resourceRules.length)
    out.push(required("spec.matchConstraints.resourceRules"));
  out.push(...oneOf("spec.failurePolicy", spec.failurePolicy, ["Fail", "Ignore"]));
  if (isObj(spec.paramKind)) {
    if (!spec.paramKind.apiVersion) out.push(required("spec.paramKind.apiVersion"));
    if (!spec.paramKind.kind) out.push(required("spec.paramKind.kind"));
  }
  return out;
}

/** ValidateValidatingAdmissionPolicyBinding: a policy and at least one known action, once each. */
function validatingAdmissionPolicyBinding(o: Obj): StatusCause[] {
  const spec = specOf(o);
  const out: StatusCause[] = [];
  if (!spec.policyName) out.push(required("spec.policyName"));
  const actions = strings(spec.validationActions);
  if (!actions.length) out.push(required("spec.validationActions"));
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    out.push(...oneOf(`spec.validationActions[${i}]`, a, ["Audit", "Deny", "Warn"]));
    if (seen.has(String(a))) out.push(duplicate(`spec.validationActions[${i}]`, String(a)));
    seen.add(String(a));
  });
  return out;
}

/** ValidateFlowSchema: a level, a precedence within 1…10000, a known distinguisher, rules with subjects. */
function flowSchema(o: Obj): StatusCause[] {
  const spec = specOf(o);
  const out: StatusCause[] = [];
  const pl = isObj(spec.priorityLevelConfiguration) ? spec.priorityLevelConfiguration.name : undefined;
  if (!pl) out.push(required("spec.priorityLevelConfiguration.name"));
  const p = spec.matchingPrecedence;
  if (typeof p === "number" && (p <= 0 || p > 10000))
    out.push(invalidValue("spec.matchingPrecedence", p, "must be a positive value no more than 10000"));
  if (isObj(spec.distinguisherMethod))
    out.push(
      ...oneOf("spec.distinguisherMethod.type", spec.distinguisherMethod.type, ["ByNamespace", "ByUser"]),
    );
  (Array.isArray(spec.rules) ? spec.rules : []).forEach((r: unknown, i: number) => {
    const rule = isObj(r) ? r : {};
    if (!strings(rule.subjects).length) out.push(required(`spec.rules[${i}].subjects`));
    if (!strings(rule.resourceRules).length && !strings(rule.nonResourceRules).length)
      out.push(
        requiredBecause(
          `spec.rules[${i}]`,
          "at least one of resourceRules and nonResourceRules has to be non-empty",
        ),
      );
  });
  return out;
}

/** ValidatePriorityLevelConfiguration: a known type, its limited/queuing part when it needs one. */
function priorityLevelConfiguration(o: Obj): StatusCause[] {
  const spec = specOf(o);
  const out = oneOf("spec.type", spec.type, ["Exempt", "Limited"]);
  if (spec.type === undefined) out.push(required("spec.type"));
  if (spec.type === "Limited") {
    if (!isObj(spec.limited))
      out.push(requiredBecause("spec.limited", "must not be empty when type is Limited"));
    else {
      const lr = isObj(spec.limited.limitResponse) ? spec.limited.limitResponse : {};
      out.push(...oneOf("spec.limited.limitResponse.type", lr.type, ["Queue", "Reject"]));
      if (lr.type === "Queue" && !isObj(lr.queuing))
        out.push(
          requiredBecause(
            "spec.limited.limitResponse.queuing",
            "must not be empty if limited.limitResponse.type is Queue",
          ),
        );
    }
  } else if (spec.type === "Exempt" && spec.limited !== undefined)
    out.push({
      reason: "FieldValueForbidden",
      field: "spec.limited",
      message: "Forbidden: must be nil if the type is not Limited",
    });
  return out;
}

const RULES: Record<string, ((o: Obj, old?: Obj) => StatusCause[])[]> = {
  "scheduling.k8s.io/priorityclasses": [priorityClass],
  "storage.k8s.io/csidrivers": [csiDriver],
  "storage.k8s.io/csinodes": [csiNode],
  "storage.k8s.io/volumeattachments": [volumeAttachment],
  "node.k8s.io/runtimeclasses": [runtimeClass],
  "certificates.k8s.io/certificatesigningrequests": [certificateSigningRequest],
  "admissionregistration.k8s.io/validatingadmissionpolicies": [validatingAdmissionPolicy],
  "admissionregistration.k8s.io/validatingadmissionpolicybindings": [validatingAdmissionPolicyBinding],
  "flowcontrol.apiserver.k8s.io/flowschemas": [flowSchema],
  "flowcontrol.apiserver.k8s.io/prioritylevelconfigurations": [priorityLevelConfiguration],
  "admissionregistration.k8s.io/mutatingwebhookconfigurations": [webhookConfiguration(true)],
  "admissionregistration.k8s.io/validatingwebhookconfigurations": [webhookConfiguration(false)],
  "autoscaling/horizontalpodautoscalers": [horizontalPodAutoscaler],
  "core/pods": [
    (o) => podSpec(o.spec, "spec"),
    (o, old) => (old ? podUpdate(o, old) : noEphemeralOnCreate(o)),
  ],
  // Deployments share ReplicaSet's template rule (ValidatePodTemplateSpecForReplicaSet), words and all.
  "apps/deployments": [
    replicas,
    selectorMatchesTemplate("deployment"),
    alwaysRestarts("ReplicaSet"),
    deploymentStrategy,
  ],
  // ValidateReplicaSetSpec says "deployment" too (upstream's words).
  "apps/replicasets": [replicas, selectorMatchesTemplate("deployment"), alwaysRestarts("ReplicaSet")],
  "apps/statefulsets": [
    replicas,
    selectorMatchesTemplate("statefulset"),
    alwaysRestarts("StatefulSet"),
    (o, old) => (old ? statefulSetUpdate(o, old) : []),
  ],
  "apps/daemonsets": [selectorMatchesTemplate("daemonset"), alwaysRestarts("DaemonSet")],
  "batch/jobs": [
    workloadTemplate,
    (o) => jobRestarts(templateSpec(o), "spec.template.spec"),
    (o) =>
      oneOf("spec.completionMode", (o.spec as Obj | undefined)?.completionMode, ["Indexed", "NonIndexed"]),
    // ValidateJobSpecUpdate (a suspended Job's scheduling fields may change upstream; not here).
    (o, old) =>
      immutable(o, old, [
        "spec.completions",
        "spec.selector",
        "spec.template",
        "spec.completionMode",
        "spec.podFailurePolicy",
        "spec.backoffLimitPerIndex",
      ]),
  ],
  "batch/cronjobs": [cronJobSpec, cronJobName],
  "core/persistentvolumeclaims": [
    (o) => claimSpec(o.spec, "spec"),
    (o, old) => (old ? claimUpdate(o, old) : []),
  ],
  "core/persistentvolumes": [persistentVolume],
  "core/replicationcontrollers": [
    rcSelector,
    replicas,
    rcTemplateLabels,
    (o) => podSpec(templateSpec(o), "spec.template.spec"),
    alwaysRestarts("ReplicationController"),
  ],
  "core/podtemplates": [(o) => podSpec((o.template as Obj | undefined)?.spec, "template.spec")],
  "policy/poddisruptionbudgets": [podDisruptionBudget],
  "core/services": [service],
  "core/configmaps": [
    (o) => [...configKeys(o.data, "data"), ...configKeys(o.binaryData, "binaryData")],
    // ValidateConfigMap: data and binaryData together; the cause names the whole object.
    (o) => tooLarge("[]", { ...textBytes(o.data), ...base64Bytes(o.binaryData) }),
    (o, old) => (old ? immutableContents(o, old, ["data", "binaryData"]) : []),
  ],
  "core/secrets": [
    // ValidateSecretUpdate: the type first, then ValidateSecret.
    (o, old) => immutable(o, old, ["type"]),
    (o) => [...configKeys(o.data, "data"), ...configKeys(o.stringData, "data")],
    secretType,
    // ValidateSecret, after stringData is merged into data (a stringData key wins).
    (o) => tooLarge("data", { ...base64Bytes(o.data), ...textBytes(o.stringData) }),
    (o, old) => (old ? immutableContents(o, old, ["data"]) : []),
  ],
};

export function validateBuiltin(t: ResourceType, o: Obj, old?: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  // A version served by conversion is validated once converted, by its storage type's write.
  if (t.storageVersion) return out;
  out.push(...objectMeta(o));
  for (const rule of RULES[t.key] ?? []) out.push(...rule(o, old));
  // Selectors of apps kinds are immutable (apps/v1).
  if (
    old &&
    t.group === "apps" &&
    JSON.stringify((o.spec as Obj | undefined)?.selector) !==
      JSON.stringify((old.spec as Obj | undefined)?.selector)
  )
    out.push({
      reason: "FieldValueInvalid",
      field: "spec.selector",
      message: `Invalid value: ${JSON.stringify((o.spec as Obj | undefined)?.selector ?? null)}: field is immutable`,
    });
  return out;
}

// ---------------------------------------------------------------- write options

/** apimachinery's FieldManagerMaxLength, in bytes. */
const FIELD_MANAGER_MAX = 128;

/**
 * ValidateFieldManager (apimachinery meta/v1/validation): at most 128 bytes, and only
 * characters Go's unicode.IsPrint accepts, each refused one named by code point and byte offset.
 */
export function fieldManagerCauses(fieldManager: string, at = "fieldManager"): StatusCause[] {
  const out: StatusCause[] = [];
  if (Buffer.byteLength(fieldManager) > FIELD_MANAGER_MAX)
    out.push({
      reason: "FieldValueTooLong",
      field: at,
      message: `Too long: may not be more than ${FIELD_MANAGER_MAX} bytes`,
    });
  let offset = 0;
  for (const ch of fieldManager) {
    if (!GO_PRINTABLE.test(ch)) {
      const r = ch.codePointAt(0)!;
      out.push({
        reason: "FieldValueInvalid",
        field: at,
        message: `Invalid value: ${goQuote(fieldManager)}: invalid character U+${r.toString(16).toUpperCase().padStart(4, "0")} (at position ${offset})`,
      });
    }
    offset += Buffer.byteLength(ch);
  }
  return out;
}

export type WriteVerb = "create" | "update" | "patch";

/** The query parameters of a write that its options' validation reads. */
export interface WriteOptionsQuery {
  fieldManager?: string;
  /** Every `dryRun` parameter given. */
  dryRun?: string[];
  fieldValidation?: string;
  /** The raw `force` parameter: set at all (even "false") counts. */
  force?: string | null;
  /** A patch's type (its media type's short name). */
  patchType?: string;
}

/**
 * kube-apiserver's Validate{Create,Update,Patch}Options: force only with apply, fieldManager
 * (required for apply), dryRun and fieldValidation, in that order — one 422 naming every
 * problem, as the handlers answer before the body is decoded.
 */
export function validateWriteOptions(verb: WriteVerb, o: WriteOptionsQuery): void {
  const causes: StatusCause[] = [];
  if (verb === "patch") {
    if (o.patchType !== "apply") {
      if (o.force !== undefined && o.force !== null)
        causes.push({
          reason: "FieldValueForbidden",
          field: "force",
          message: "Forbidden: may not be specified for non-apply patch",
        });
    } else if (!o.fieldManager)
      // kubectl defaults it; controllers must set it.
      causes.push({
        reason: "FieldValueRequired",
        field: "fieldManager",
        message: "Required value: is required for apply patch",
      });
  }
  causes.push(...fieldManagerCauses(o.fieldManager ?? ""));
  const dry = o.dryRun ?? [];
  if (dry.some((d) => d !== "All"))
    causes.push({
      reason: "FieldValueNotSupported",
      field: "dryRun",
      // NotSupported prints a []string with %#v.
      message: `Unsupported value: []string{${dry.map(goQuote).join(", ")}}: supported values: "All"`,
    });
  const fv = o.fieldValidation ?? "";
  if (!["", "Ignore", "Strict", "Warn"].includes(fv))
    causes.push({
      reason: "FieldValueNotSupported",
      field: "fieldValidation",
      message: `Unsupported value: ${goQuote(fv)}: supported values: "", "Ignore", "Strict", "Warn"`,
    });
  if (causes.length) throw invalidOptions(OPTIONS_KIND[verb], causes);
}
const OPTIONS_KIND: Record<WriteVerb, string> = {
  create: "CreateOptions",
  update: "UpdateOptions",
  patch: "PatchOptions",
};
