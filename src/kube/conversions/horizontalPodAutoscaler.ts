// autoscaling/v1 HorizontalPodAutoscaler ⇄ autoscaling/v2 (the storage version), as
// kube-apiserver converts them (pkg/apis/autoscaling/v1/conversion.go): v1 carries one CPU
// utilization target; every other v2 field travels in the `autoscaling.alpha.kubernetes.io/*`
// annotations so that a read-modify-write through v1 keeps the v2-only parts. The annotations
// hold what upstream writes there: the other metric specs and current metrics in v1's
// (v2beta1-style) metric types, the conditions as v1 conditions, the behavior with Go field names.

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

export const METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/metrics";
export const CURRENT_METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/current-metrics";
export const CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions";
export const BEHAVIOR_ANNOTATION = "autoscaling.alpha.kubernetes.io/behavior";
const ROUND_TRIP = [
  METRICS_ANNOTATION,
  CURRENT_METRICS_ANNOTATION,
  CONDITIONS_ANNOTATION,
  BEHAVIOR_ANNOTATION,
];
/** autoscaling/v1 formerly defaulted this in the controller; the conversion makes it explicit. */
const DEFAULT_CPU_UTILIZATION = 80;

/** Copies `keys` of `from` that are set into `to`. */
function pick(to: Obj, from: Obj | undefined, keys: [string, string][]): Obj {
  for (const [src, dst] of keys) if (from?.[src] !== undefined) to[dst] = from[src];
  return to;
}
const identifier = (name: unknown, selector: unknown): Obj =>
  pick({ name }, { selector }, [["selector", "selector"]]);

// ---------------------------------------------------------------- metric specs

/** v2 target → v1 (v2beta1-style) `target*` fields. */
function targetToV1(target: Obj | undefined, utilization: boolean): Obj {
  const out: Obj = {};
  if (!target) return out;
  if (target.type === "Utilization" && utilization) out.targetAverageUtilization = target.averageUtilization;
  if (target.type === "Value") out.targetValue = target.value;
  if (target.type === "AverageValue") out.targetAverageValue = target.averageValue;
  return out;
}

function targetToV2(m: Obj): Obj {
  if (m.targetAverageUtilization !== undefined)
    return { type: "Utilization", averageUtilization: m.targetAverageUtilization };
  if (m.targetValue !== undefined) return { type: "Value", value: m.targetValue };
  if (m.targetAverageValue !== undefined) return { type: "AverageValue", averageValue: m.targetAverageValue };
  return {};
}

function metricSpecToV1(m: Obj): Obj {
  const type = m.type;
  const src = (k: string) => (isObj(m[k]) ? (m[k] as Obj) : {});
  switch (type) {
    case "Resource": {
      const r = src("resource");
      return { type, resource: { name: r.name, ...targetToV1(r.target as Obj, true) } };
    }
    case "ContainerResource": {
      const r = src("containerResource");
      return {
        type,
        containerResource: { name: r.name, container: r.container, ...targetToV1(r.target as Obj, true) },
      };
    }
    case "Pods": {
      const p = src("pods");
      const id = (p.metric ?? {}) as Obj;
      return {
        type,
        pods: pick({ metricName: id.name, ...targetToV1(p.target as Obj, false) }, id, [
          ["selector", "selector"],
        ]),
      };
    }
    case "Object": {
      const o = src("object");
      const id = (o.metric ?? {}) as Obj;
      const t = (o.target ?? {}) as Obj;
      const out: Obj = { target: o.describedObject, metricName: id.name };
      if (t.type === "Value") out.targetValue = t.value;
      if (t.type === "AverageValue") out.averageValue = t.averageValue;
      return { type, object: pick(out, id, [["selector", "selector"]]) };
    }
    case "External": {
      const e = src("external");
      const id = (e.metric ?? {}) as Obj;
      return {
        type,
        external: pick({ metricName: id.name, ...targetToV1(e.target as Obj, false) }, id, [
          ["selector", "metricSelector"],
        ]),
      };
    }
    default:
      return { ...m };
  }
}

function metricSpecToV2(m: Obj): Obj {
  const type = m.type;
  const src = (k: string) => (isObj(m[k]) ? (m[k] as Obj) : {});
  switch (type) {
    case "Resource": {
      const r = src("resource");
      return { type, resource: { name: r.name, target: targetToV2(r) } };
    }
    case "ContainerResource": {
      const r = src("containerResource");
      return { type, containerResource: { name: r.name, container: r.container, target: targetToV2(r) } };
    }
    case "Pods": {
      const p = src("pods");
      return { type, pods: { metric: identifier(p.metricName, p.selector), target: targetToV2(p) } };
    }
    case "Object": {
      const o = src("object");
      const target =
        o.averageValue !== undefined
          ? { type: "AverageValue", averageValue: o.averageValue }
          : { type: "Value", value: o.targetValue };
      return {
        type,
        object: { describedObject: o.target, metric: identifier(o.metricName, o.selector), target },
      };
    }
    case "External": {
      const e = src("external");
      return {
        type,
        external: { metric: identifier(e.metricName, e.metricSelector), target: targetToV2(e) },
      };
    }
    default:
      return { ...m };
  }
}

// ---------------------------------------------------------------- metric statuses

function currentToV1(cur: Obj | undefined, keys: [string, string][]): Obj {
  return pick({}, cur, keys);
}
const RESOURCE_CURRENT: [string, string][] = [
  ["averageUtilization", "currentAverageUtilization"],
  ["averageValue", "currentAverageValue"],
];

function metricStatusToV1(m: Obj): Obj {
  const type = m.type;
  const src = (k: string) => (isObj(m[k]) ? (m[k] as Obj) : {});
  switch (type) {
    case "Resource": {
      const r = src("resource");
      return { type, resource: { name: r.name, ...currentToV1(r.current as Obj, RESOURCE_CURRENT) } };
    }
    case "ContainerResource": {
      const r = src("containerResource");
      return {
        type,
        containerResource: {
          name: r.name,
          container: r.container,
          ...currentToV1(r.current as Obj, RESOURCE_CURRENT),
        },
      };
    }
    case "Pods": {
      const p = src("pods");
      const id = (p.metric ?? {}) as Obj;
      const out = {
        metricName: id.name,
        ...currentToV1(p.current as Obj, [["averageValue", "currentAverageValue"]]),
      };
      return { type, pods: pick(out, id, [["selector", "selector"]]) };
    }
    case "Object": {
      const o = src("object");
      const id = (o.metric ?? {}) as Obj;
      const out = {
        target: o.describedObject,
        metricName: id.name,
        ...currentToV1(o.current as Obj, [
          ["value", "currentValue"],
          ["averageValue", "averageValue"],
        ]),
      };
      return { type, object: pick(out, id, [["selector", "selector"]]) };
    }
    case "External": {
      const e = src("external");
      const id = (e.metric ?? {}) as Obj;
      const out = {
        metricName: id.name,
        ...currentToV1(e.current as Obj, [
          ["value", "currentValue"],
          ["averageValue", "currentAverageValue"],
        ]),
      };
      return { type, external: pick(out, id, [["selector", "metricSelector"]]) };
    }
    default:
      return { ...m };
  }
}

function metricStatusToV2(m: Obj): Obj {
  const type = m.type;
  const src = (k: string) => (isObj(m[k]) ? (m[k] as Obj) : {});
  const resourceCurrent = (r: Obj) =>
    pick({}, r, [
      ["currentAverageUtilization", "averageUtilization"],
      ["currentAverageValue", "averageValue"],
    ]);
  switch (type) {
    case "Resource": {
      const r = src("resource");
      return { type, resource: { name: r.name, current: resourceCurrent(r) } };
    }
    case "ContainerResource": {
      const r = src("containerResource");
      return {
        type,
        containerResource: { name: r.name, container: r.container, current: resourceCurrent(r) },
      };
    }
    case "Pods": {
      const p = src("pods");
      return {
        type,
        pods: {
          metric: identifier(p.metricName, p.selector),
          current: pick({}, p, [["currentAverageValue", "averageValue"]]),
        },
      };
    }
    case "Object": {
      const o = src("object");
      return {
        type,
        object: {
          describedObject: o.target,
          metric: identifier(o.metricName, o.selector),
          current: pick({}, o, [
            ["currentValue", "value"],
            ["averageValue", "averageValue"],
          ]),
        },
      };
    }
    case "External": {
      const e = src("external");
      return {
        type,
        external: {
          metric: identifier(e.metricName, e.metricSelector),
          current: pick({}, e, [
            ["currentValue", "value"],
            ["currentAverageValue", "averageValue"],
          ]),
        },
      };
    }
    default:
      return { ...m };
  }
}

// ---------------------------------------------------------------- behavior (Go field names)

const RULE_KEYS: [string, string][] = [
  ["stabilizationWindowSeconds", "StabilizationWindowSeconds"],
  ["selectPolicy", "SelectPolicy"],
  ["tolerance", "Tolerance"],
];
const POLICY_KEYS: [string, string][] = [
  ["type", "Type"],
  ["value", "Value"],
  ["periodSeconds", "PeriodSeconds"],
];
const flip = (keys: [string, string][]): [string, string][] => keys.map(([a, b]) => [b, a]);

function rulesTo(
  r: unknown,
  keys: [string, string][],
  policy: [string, string][],
  policies: [string, string],
) {
  if (!isObj(r)) return undefined;
  const out = pick({}, r, keys);
  if (Array.isArray(r[policies[0]])) out[policies[1]] = arr(r[policies[0]]).map((p) => pick({}, p, policy));
  return out;
}

function behaviorToAnnotation(b: Obj): Obj {
  const out: Obj = {};
  const up = rulesTo(b.scaleUp, RULE_KEYS, POLICY_KEYS, ["policies", "Policies"]);
  const down = rulesTo(b.scaleDown, RULE_KEYS, POLICY_KEYS, ["policies", "Policies"]);
  if (up) out.ScaleUp = up;
  if (down) out.ScaleDown = down;
  return out;
}

function behaviorFromAnnotation(b: Obj): Obj {
  const out: Obj = {};
  const up = rulesTo(b.ScaleUp, flip(RULE_KEYS), flip(POLICY_KEYS), ["Policies", "policies"]);
  const down = rulesTo(b.ScaleDown, flip(RULE_KEYS), flip(POLICY_KEYS), ["Policies", "policies"]);
  if (up) out.scaleUp = up;
  if (down) out.scaleDown = down;
  return out;
}

// ---------------------------------------------------------------- objects

const isCpuUtilization = (m: Obj) =>
  m.type === "Resource" &&
  isObj(m.resource) &&
  m.resource.name === "cpu" &&
  isObj(m.resource.target) &&
  m.resource.target.type === "Utilization" &&
  m.resource.target.averageUtilization !== undefined;

function withoutRoundTrip(annotations: unknown): Obj {
  const out: Obj = isObj(annotations) ? { ...annotations } : {};
  for (const k of ROUND_TRIP) delete out[k];
  return out;
}

/** A served autoscaling/v2 object → autoscaling/v1. */
export function hpaV2ToV1(o: Obj): Obj {
  const { apiVersion: _a, kind: _k, metadata, spec, status, ...rest } = o;
  const m: Obj = isObj(metadata) ? { ...metadata } : {};
  const ann = withoutRoundTrip(m.annotations);
  const out: Obj = { apiVersion: "autoscaling/v1", kind: "HorizontalPodAutoscaler", metadata: m, ...rest };
  if (isObj(spec)) {
    const metrics = arr(spec.metrics);
    const cpu = metrics.find(isCpuUtilization);
    const others = metrics.filter((x) => !isCpuUtilization(x));
    const s = pick({}, spec, [
      ["maxReplicas", "maxReplicas"],
      ["minReplicas", "minReplicas"],
      ["scaleTargetRef", "scaleTargetRef"],
    ]);
    if (cpu) s.targetCPUUtilizationPercentage = ((cpu.resource as Obj).target as Obj).averageUtilization;
    if (others.length) ann[METRICS_ANNOTATION] = JSON.stringify(others.map(metricSpecToV1));
    if (isObj(spec.behavior)) ann[BEHAVIOR_ANNOTATION] = JSON.stringify(behaviorToAnnotation(spec.behavior));
    out.spec = s;
  }
  if (isObj(status)) {
    const current = arr(status.currentMetrics);
    const st = pick({}, status, [
      ["observedGeneration", "observedGeneration"],
      ["lastScaleTime", "lastScaleTime"],
      ["currentReplicas", "currentReplicas"],
      ["desiredReplicas", "desiredReplicas"],
    ]);
    for (const c of current) {
      const r = isObj(c.resource) ? c.resource : undefined;
      if (
        c.type === "Resource" &&
        r?.name === "cpu" &&
        isObj(r.current) &&
        r.current.averageUtilization !== undefined
      )
        st.currentCPUUtilizationPercentage = r.current.averageUtilization;
    }
    // Saved even when it maps to the CPU percentage: the raw value goes along.
    if (current.length) ann[CURRENT_METRICS_ANNOTATION] = JSON.stringify(current.map(metricStatusToV1));
    const conditions = arr(status.conditions);
    if (conditions.length) ann[CONDITIONS_ANNOTATION] = JSON.stringify(conditions);
    out.status = st;
  }
  if (Object.keys(ann).length) m.annotations = ann;
  else delete m.annotations;
  return out;
}

function parseAnnotation(ann: Obj, key: string): unknown {
  const raw = ann[key];
  if (typeof raw !== "string") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    // kube-apiserver rejects such an object at decode; here an unreadable annotation is dropped.
    return undefined;
  }
}

/** An autoscaling/v1 object (possibly partial, as an apply configuration is) → autoscaling/v2. */
export function hpaV1ToV2(o: Obj): Obj {
  const { apiVersion: _a, kind: _k, metadata, spec, status, ...rest } = o;
  const m: Obj | undefined = isObj(metadata) ? { ...metadata } : undefined;
  const given: Obj = isObj(m?.annotations) ? m.annotations : {};
  const out: Obj = { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", ...rest };
  if (m) {
    out.metadata = m;
    const ann = withoutRoundTrip(m.annotations);
    if (Object.keys(ann).length) m.annotations = ann;
    else delete m.annotations;
  }
  if (isObj(spec)) {
    const s = pick({}, spec, [
      ["maxReplicas", "maxReplicas"],
      ["minReplicas", "minReplicas"],
      ["scaleTargetRef", "scaleTargetRef"],
    ]);
    const metrics: Obj[] = [];
    if (spec.targetCPUUtilizationPercentage !== undefined && spec.targetCPUUtilizationPercentage !== null)
      metrics.push({
        type: "Resource",
        resource: {
          name: "cpu",
          target: { type: "Utilization", averageUtilization: spec.targetCPUUtilizationPercentage },
        },
      });
    metrics.push(...arr(parseAnnotation(given, METRICS_ANNOTATION)).map(metricSpecToV2));
    if (!metrics.length)
      metrics.push({
        type: "Resource",
        resource: {
          name: "cpu",
          target: { type: "Utilization", averageUtilization: DEFAULT_CPU_UTILIZATION },
        },
      });
    s.metrics = metrics;
    const behavior = parseAnnotation(given, BEHAVIOR_ANNOTATION);
    if (isObj(behavior)) s.behavior = behaviorFromAnnotation(behavior);
    out.spec = s;
  }
  if (isObj(status)) {
    const st = pick({}, status, [
      ["observedGeneration", "observedGeneration"],
      ["lastScaleTime", "lastScaleTime"],
      ["currentReplicas", "currentReplicas"],
      ["desiredReplicas", "desiredReplicas"],
    ]);
    const saved = parseAnnotation(given, CURRENT_METRICS_ANNOTATION);
    // The annotation has more than the percentage: it wins over currentCPUUtilizationPercentage.
    if (Array.isArray(saved)) st.currentMetrics = arr(saved).map(metricStatusToV2);
    else if (
      status.currentCPUUtilizationPercentage !== undefined &&
      status.currentCPUUtilizationPercentage !== null
    )
      st.currentMetrics = [
        {
          type: "Resource",
          resource: { name: "cpu", current: { averageUtilization: status.currentCPUUtilizationPercentage } },
        },
      ];
    const conditions = parseAnnotation(given, CONDITIONS_ANNOTATION);
    if (Array.isArray(conditions)) st.conditions = arr(conditions);
    out.status = st;
  }
  return out;
}
