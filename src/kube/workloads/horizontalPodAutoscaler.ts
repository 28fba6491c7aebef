// The HorizontalPodAutoscaler controller's decisions (kube-controller-manager's
// pkg/controller/podautoscaler/horizontal.go, reconcileAutoscaler): the target's scale is read;
// replicas outside [minReplicas, maxReplicas] are brought inside ("Current number of replicas
// below Spec.MinReplicas"); a target at 0 replicas disables scaling; otherwise each metric
// proposes a replica count — Resource and ContainerResource metrics through the replica
// calculator (replicaCalculator.ts) when metrics.k8s.io is served, every other metric (custom,
// external) failing as the controller reports a missing API —, the largest proposal wins, and
// it is normalized: without `behavior`, the 5-minute scale-down stabilization and the
// max(2×, 4) scale-up limit; with it, its stabilization windows and scaling policies.
// Conditions, status and events are upstream's, word for word. Pure: the clock and the
// controller's memory (recommendations, scale events) are passed in.
import type {
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerCondition,
  HorizontalPodAutoscalerStatus,
  HPAScalingRules,
  MetricSpec,
  MetricStatus,
} from "kubernetes-types/autoscaling/v2.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { canonicalQuantity, milliValue } from "./quantity.js";
import {
  CalculatorError,
  type PodMetric,
  rawResourceReplicas,
  resourceReplicas,
} from "./replicaCalculator.js";

/**
 * What the controller reads for resource metrics: whether metrics.k8s.io answers, the target's
 * pods (its selector, in the HPA's namespace) and, per pod that has metrics, its containers'
 * usage in milli-units (cpu millicores, memory milli-bytes, as Quantity.MilliValue()).
 */
export interface ResourceMetricsView {
  api: "absent" | "unavailable" | "available";
  pods: Pod[];
  usage: Map<
    string,
    { containers: { name: string; cpu: number; memory: number }[]; timestamp: number; window: number }
  >;
  /** The clock (ms). */
  now: number;
}

/** The controller's memory of one HPA (upstream keeps it per key, in memory). */
export interface HpaHistory {
  recommendations: { replicas: number; at: number }[];
  scaleUp: { change: number; at: number }[];
  scaleDown: { change: number; at: number }[];
}

export const newHistory = (): HpaHistory => ({ recommendations: [], scaleUp: [], scaleDown: [] });

/** --horizontal-pod-autoscaler-downscale-stabilization: 5 minutes. */
export const DOWNSCALE_STABILIZATION_MS = 5 * 60_000;

/** The target's scale subresource as the controller reads it, or why it could not be read. */
export type ScaleRead = { replicas: number; selector: string } | { error: string };

export interface HpaEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

export interface HpaPlan {
  /** The controller's memory after this reconcile (recommendations recorded). */
  history?: HpaHistory;
  /** The status to write when no rescale is asked for, or when the rescale succeeds (see rescaled). */
  status: HorizontalPodAutoscalerStatus;
  events: HpaEvent[];
  /** Write the target's scale to this many replicas, then call rescaled() or rescaleFailed(). */
  rescale?: { replicas: number; reason: string };
}

/** What the resource metrics API answers when it is not there (client-go's NotFound wording). */
const NO_RESOURCE_METRICS =
  "unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)";
const NO_CUSTOM_METRICS =
  "unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered";
const NO_EXTERNAL_METRICS =
  "unable to fetch metrics from external metrics API: no external metrics API (external.metrics.k8s.io) registered";

/** The condition list with one condition set (setConditionInList: the time moves only when the status does). */
function setCondition(
  list: HorizontalPodAutoscalerCondition[],
  type: string,
  status: "True" | "False",
  reason: string,
  message: string,
  now: string,
): HorizontalPodAutoscalerCondition[] {
  const out = list.map((c) => ({ ...c }));
  let c = out.find((x) => x.type === type);
  if (!c) {
    c = { type, status };
    out.push(c);
    c.lastTransitionTime = now;
  } else if (c.status !== status) c.lastTransitionTime = now;
  c.status = status;
  c.reason = reason;
  c.message = message;
  // Go's struct order: type, status, lastTransitionTime, reason, message.
  return out.map((x) => ({
    type: x.type,
    status: x.status,
    ...(x.lastTransitionTime ? { lastTransitionTime: x.lastTransitionTime } : {}),
    ...(x.reason !== undefined ? { reason: x.reason } : {}),
    ...(x.message !== undefined ? { message: x.message } : {}),
  }));
}

/** What the resource metrics API answers while its APIService is not Available (client-go's words). */
const UNAVAILABLE_RESOURCE_METRICS =
  "unable to fetch metrics from resource metrics API: the server is currently unable to handle the request (get pods.metrics.k8s.io)";

/** One metric's failure without a metrics source: [condition reason, its error, the wrapped error]. */
function metricFailure(
  m: MetricSpec,
  namespace: string,
  resourceApi = NO_RESOURCE_METRICS,
): [string, string, string] {
  switch (m.type) {
    case "Resource": {
      const name = m.resource?.name ?? "";
      const what = m.resource?.target?.type === "AverageValue" ? "usage" : "utilization";
      const err = `failed to get ${name} ${what}: unable to get metrics for resource ${name}: ${resourceApi}`;
      return ["FailedGetResourceMetric", err, `failed to get ${name} resource metric value: ${err}`];
    }
    case "ContainerResource": {
      const name = m.containerResource?.name ?? "";
      const what = m.containerResource?.target?.type === "AverageValue" ? "usage" : "utilization";
      const err = `failed to get ${name} ${what}: unable to get metrics for resource ${name}: ${resourceApi}`;
      return [
        "FailedGetContainerResourceMetric",
        err,
        `failed to get ${name} container metric value: ${err}`,
      ];
    }
    case "Pods": {
      const err = `unable to get metric ${m.pods?.metric?.name ?? ""}: ${NO_CUSTOM_METRICS}`;
      return ["FailedGetPodsMetric", err, `failed to get pods metric value: ${err}`];
    }
    case "Object": {
      const o = m.object?.describedObject;
      const err = `unable to get metric ${m.object?.metric?.name ?? ""}: ${o?.kind ?? ""} on ${namespace} ${o?.name ?? ""}/${NO_CUSTOM_METRICS}`;
      return ["FailedGetObjectMetric", err, `failed to get object metric value: ${err}`];
    }
    case "External": {
      const name = m.external?.metric?.name ?? "";
      const err = `unable to get external metric ${namespace}/${name}/nil: ${NO_EXTERNAL_METRICS}`;
      return ["FailedGetExternalMetric", err, `failed to get external metric ${name}: ${err}`];
    }
    default: {
      const err = `unknown metric source type "${String(m.type ?? "")}"`;
      return ["InvalidMetricSourceType", err, err];
    }
  }
}

/** The status with only these fields replaced (upstream's setStatus keeps lastScaleTime and conditions). */
function statusOf(
  hpa: HorizontalPodAutoscaler,
  conditions: HorizontalPodAutoscalerCondition[],
  currentReplicas: number,
  desiredReplicas: number,
  metrics: MetricStatus[] | undefined,
  lastScaleTime?: string,
): HorizontalPodAutoscalerStatus {
  const last = lastScaleTime ?? hpa.status?.lastScaleTime;
  return {
    ...(metrics ? { currentMetrics: metrics } : {}),
    ...(currentReplicas ? { currentReplicas } : {}),
    desiredReplicas,
    ...(last ? { lastScaleTime: last } : {}),
    ...(conditions.length ? { conditions } : {}),
  };
}

/** One reconcile of an HPA against its target's scale. */
export function planHorizontalPodAutoscaler(
  hpa: HorizontalPodAutoscaler,
  scale: ScaleRead,
  now: string,
  view?: ResourceMetricsView,
  history?: HpaHistory,
): HpaPlan {
  const spec = hpa.spec;
  const ns = hpa.metadata?.namespace ?? "default";
  let conditions = hpa.status?.conditions ?? [];
  const desiredBefore = hpa.status?.desiredReplicas ?? 0;
  const events: HpaEvent[] = [];
  if ("error" in scale) {
    events.push({ type: "Warning", reason: "FailedGetScale", message: scale.error });
    conditions = setCondition(
      conditions,
      "AbleToScale",
      "False",
      "FailedGetScale",
      `the HPA controller was unable to get the target's current scale: ${scale.error}`,
      now,
    );
    return { status: { ...(hpa.status ?? { desiredReplicas: 0 }), conditions }, events };
  }
  conditions = setCondition(
    conditions,
    "AbleToScale",
    "True",
    "SucceededGetScale",
    "the HPA controller was able to get the target's current scale",
    now,
  );
  const current = scale.replicas;
  const min = spec?.minReplicas ?? 1;
  const max = spec?.maxReplicas ?? 0;
  if (current === 0 && min !== 0) {
    conditions = setCondition(
      conditions,
      "ScalingActive",
      "False",
      "ScalingDisabled",
      "scaling is disabled since the replica count of the target is zero",
      now,
    );
    return { status: statusOf(hpa, conditions, 0, 0, undefined), events };
  }
  let rescale: { replicas: number; reason: string } | undefined;
  if (current > max) rescale = { replicas: max, reason: "Current number of replicas above Spec.MaxReplicas" };
  else if (current < min)
    rescale = { replicas: min, reason: "Current number of replicas below Spec.MinReplicas" };
  if (rescale)
    return { status: statusOf(hpa, conditions, current, rescale.replicas, undefined), events, rescale };

  // Within bounds: the metrics decide, and none can be read.
  if (!scale.selector) {
    events.push({ type: "Warning", reason: "SelectorRequired", message: "selector is required" });
    conditions = setCondition(
      conditions,
      "ScalingActive",
      "False",
      "InvalidSelector",
      "the HPA target's scale is missing a selector",
      now,
    );
    events.push({ type: "Warning", reason: "FailedComputeMetricsReplicas", message: "selector is required" });
    return { status: statusOf(hpa, conditions, current, desiredBefore, undefined), events };
  }
  const metrics = spec?.metrics?.length ? spec.metrics : [];
  let first: [string, string, string] | undefined;
  const statuses: MetricStatus[] = [];
  let invalid = 0;
  let best = 0;
  let bestName = "";
  const resourceApi =
    view?.api === "unavailable"
      ? UNAVAILABLE_RESOURCE_METRICS
      : view?.api === "available"
        ? ""
        : NO_RESOURCE_METRICS;
  for (const m of metrics) {
    const r =
      view && resourceApi === "" && (m.type === "Resource" || m.type === "ContainerResource")
        ? resourceMetric(m, current, view)
        : metricFailure(m, ns, resourceApi || NO_RESOURCE_METRICS);
    if (Array.isArray(r)) {
      events.push({ type: "Warning", reason: r[0], message: r[1] });
      first ??= r;
      invalid++;
      // An unreadable metric's status is Go's zero MetricStatus: `{"type": ""}`.
      statuses.push({ type: "" });
      continue;
    }
    statuses.push(r.status);
    if (best === 0 || r.replicas > best) {
      best = r.replicas;
      bestName = r.name;
    }
  }
  if (invalid >= metrics.length || (invalid > 0 && best < current)) {
    if (first)
      conditions = setCondition(
        conditions,
        "ScalingActive",
        "False",
        first[0],
        `the HPA was unable to compute the replica count: ${first[1]}`,
        now,
      );
    events.push({
      type: "Warning",
      reason: "FailedComputeMetricsReplicas",
      message: `invalid metrics (${invalid} invalid out of ${metrics.length}), first error is: ${first?.[2] ?? ""}`,
    });
    return { status: statusOf(hpa, conditions, current, desiredBefore, statuses), events };
  }
  conditions = setCondition(
    conditions,
    "ScalingActive",
    "True",
    "ValidMetricFound",
    `the HPA was able to successfully calculate a replica count from ${bestName}`,
    now,
  );
  const reason =
    best > current ? `${bestName} above target` : best < current ? "All metrics below target" : "";
  const h = cloneHistory(history ?? newHistory());
  const at = view?.now ?? Date.parse(now);
  const n = spec?.behavior
    ? normalizeWithBehaviors(hpa, h, current, best, min, max, at)
    : normalize(h, current, best, min, max, at);
  conditions = setCondition(conditions, "AbleToScale", "True", n.able[0], n.able[1], now);
  conditions = setCondition(
    conditions,
    "ScalingLimited",
    n.limited ? "True" : "False",
    n.limit[0],
    n.limit[1],
    now,
  );
  const status = statusOf(hpa, conditions, current, n.replicas, statuses);
  if (n.replicas === current) return { status, events, history: h };
  return { status, events, history: h, rescale: { replicas: n.replicas, reason } };
}

type Proposal = { replicas: number; name: string; status: MetricStatus };

/** computeStatusForResourceMetric / ContainerResourceMetric over the metrics.k8s.io view. */
function resourceMetric(
  m: MetricSpec,
  current: number,
  view: ResourceMetricsView,
): Proposal | [string, string, string] {
  const container = m.type === "ContainerResource";
  const src = container ? m.containerResource : m.resource;
  const resource = src?.name ?? "";
  const containerName = m.containerResource?.container ?? "";
  const target = src?.target;
  const byValue = target?.averageValue !== undefined;
  const what = byValue ? "usage" : "utilization";
  const fail = (why: string): [string, string, string] => {
    const err = `failed to get ${resource} ${what}: ${why}`;
    return container
      ? ["FailedGetContainerResourceMetric", err, `failed to get ${resource} container metric value: ${err}`]
      : ["FailedGetResourceMetric", err, `failed to get ${resource} resource metric value: ${err}`];
  };
  if (!byValue && target?.averageUtilization === undefined) {
    const err =
      "invalid resource metric source: neither an average utilization target nor an average value (usage) target was set";
    return container
      ? ["FailedGetContainerResourceMetric", err, `failed to get ${resource} container metric value: ${err}`]
      : ["FailedGetResourceMetric", err, `failed to get ${resource} resource metric value: ${err}`];
  }
  // The metrics client (metrics/client.go: GetResourceMetric).
  const podsWithMetrics = view.pods.filter((p) => view.usage.has(p.metadata?.name ?? ""));
  if (!podsWithMetrics.length)
    return fail(
      `unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`,
    );
  const values = new Map<string, PodMetric>();
  for (const p of podsWithMetrics) {
    const name = p.metadata?.name ?? "";
    const u = view.usage.get(name)!;
    const pick = (c: { cpu: number; memory: number }) =>
      resource === "cpu" ? c.cpu : resource === "memory" ? c.memory : undefined;
    if (containerName) {
      const c = u.containers.find((x) => x.name === containerName);
      if (!c)
        return fail(
          `unable to get metrics for resource ${resource}: failed to get container metrics: container ${containerName} not present in metrics for pod ${p.metadata?.namespace ?? ""}/${name}`,
        );
      const v = pick(c);
      if (v !== undefined) values.set(name, { value: v, timestamp: u.timestamp, window: u.window });
    } else {
      let sum = 0;
      let missing = u.containers.length === 0;
      for (const c of u.containers) {
        const v = pick(c);
        if (v === undefined) {
          missing = true;
          break;
        }
        sum += v;
      }
      if (!missing) values.set(name, { value: sum, timestamp: u.timestamp, window: u.window });
    }
  }
  try {
    if (byValue) {
      const r = rawResourceReplicas(
        current,
        milliValue(target?.averageValue ?? 0),
        resource,
        view.pods,
        values,
        view.now,
      );
      const current_ = { averageValue: canonicalQuantity(`${r.rawAverage}m`) };
      return {
        replicas: r.replicas,
        name: `${resource} resource`,
        status: container
          ? {
              type: "ContainerResource",
              containerResource: { name: resource, container: containerName, current: current_ },
            }
          : { type: "Resource", resource: { name: resource, current: current_ } },
      };
    }
    const r = resourceReplicas(
      current,
      target?.averageUtilization ?? 0,
      resource,
      containerName,
      view.pods,
      values,
      view.now,
    );
    const current_ = {
      averageValue: canonicalQuantity(`${r.rawAverage}m`),
      averageUtilization: r.utilization ?? 0,
    };
    return {
      replicas: r.replicas,
      name: container
        ? `${resource} container resource utilization (percentage of request)`
        : `${resource} resource utilization (percentage of request)`,
      status: container
        ? {
            type: "ContainerResource",
            containerResource: { name: resource, container: containerName, current: current_ },
          }
        : { type: "Resource", resource: { name: resource, current: current_ } },
    };
  } catch (e) {
    if (!(e instanceof CalculatorError)) throw e;
    return fail(e.message);
  }
}

function cloneHistory(h: HpaHistory): HpaHistory {
  return { recommendations: [...h.recommendations], scaleUp: [...h.scaleUp], scaleDown: [...h.scaleDown] };
}

interface Normalized {
  replicas: number;
  able: [string, string];
  limited: boolean;
  limit: [string, string];
}

const READY: [string, string] = ["ReadyForNewScale", "recommended size matches current size"];
const WITHIN: [string, string] = ["DesiredWithinRange", "the desired count is within the acceptable range"];

/** Records the recommendation (replacing the oldest one past the cutoff, as upstream). */
function record(h: HpaHistory, replicas: number, at: number, old: (x: { at: number }) => boolean): void {
  const i = h.recommendations.findLastIndex(old);
  if (i >= 0) h.recommendations[i] = { replicas, at };
  else h.recommendations.push({ replicas, at });
}

/** normalizeDesiredReplicas: no behavior — stabilizeRecommendation, then convertDesiredReplicasWithRules. */
function normalize(
  h: HpaHistory,
  current: number,
  desired: number,
  min: number,
  max: number,
  at: number,
): Normalized {
  const cutoff = at - DOWNSCALE_STABILIZATION_MS;
  let stabilized = desired;
  for (const r of h.recommendations) if (r.at >= cutoff && r.replicas > stabilized) stabilized = r.replicas;
  record(h, desired, at, (r) => r.at < cutoff);
  const able: [string, string] =
    stabilized !== desired
      ? [
          "ScaleDownStabilized",
          "recent recommendations were higher than current one, applying the highest recent recommendation",
        ]
      : READY;
  const scaleUpLimit = Math.max(2 * current, 4);
  let maxAllowed: number;
  let limit: [string, string];
  if (max > scaleUpLimit) {
    maxAllowed = scaleUpLimit;
    limit = ["ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"];
  } else {
    maxAllowed = max;
    limit = ["TooManyReplicas", "the desired replica count is more than the maximum replica count"];
  }
  let replicas = stabilized;
  if (stabilized < min) {
    replicas = min;
    limit = ["TooFewReplicas", "the desired replica count is less than the minimum replica count"];
  } else if (stabilized > maxAllowed) replicas = maxAllowed;
  else limit = WITHIN;
  return { replicas, able, limited: replicas !== stabilized, limit };
}

/** getReplicasChangePerPeriod: the changes within the last `periodSeconds`. */
function changeIn(events: { change: number; at: number }[], periodSeconds: number, at: number): number {
  const cutoff = at - periodSeconds * 1000;
  return events.reduce((s, e) => (e.at > cutoff ? s + e.change : s), 0);
}

/** normalizeDesiredReplicasWithBehaviors: stabilization windows, then the scaling policies' rate. */
function normalizeWithBehaviors(
  hpa: HorizontalPodAutoscaler,
  h: HpaHistory,
  current: number,
  desired: number,
  min: number,
  max: number,
  at: number,
): Normalized {
  const up: HPAScalingRules = hpa.spec?.behavior?.scaleUp ?? {};
  const down: HPAScalingRules = hpa.spec?.behavior?.scaleDown ?? {};
  const upCutoff = at - (up.stabilizationWindowSeconds ?? 0) * 1000;
  // maybeInitScaleDownStabilizationWindow: unset means the controller's 5 minutes.
  const downCutoff = at - (down.stabilizationWindowSeconds ?? DOWNSCALE_STABILIZATION_MS / 1000) * 1000;
  let upRec = desired;
  let downRec = desired;
  for (const r of h.recommendations) {
    if (r.at > upCutoff) upRec = Math.min(r.replicas, upRec);
    if (r.at > downCutoff) downRec = Math.max(r.replicas, downRec);
  }
  let stabilized = current;
  if (stabilized < upRec) stabilized = upRec;
  if (stabilized > downRec) stabilized = downRec;
  record(h, desired, at, (r) => r.at < upCutoff && r.at < downCutoff);
  const able: [string, string] =
    stabilized === desired
      ? READY
      : desired >= current
        ? [
            "ScaleUpStabilized",
            "recent recommendations were lower than current one, applying the lowest recent recommendation",
          ]
        : [
            "ScaleDownStabilized",
            "recent recommendations were higher than current one, applying the highest recent recommendation",
          ];
  let replicas = stabilized;
  let limit: [string, string] = WITHIN;
  if (stabilized > current) {
    let scaleUpLimit = current;
    if (up.selectPolicy !== "Disabled") {
      const minChange = up.selectPolicy === "Min";
      let result = minChange ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
      for (const p of up.policies ?? []) {
        const start =
          current - changeIn(h.scaleUp, p.periodSeconds, at) + changeIn(h.scaleDown, p.periodSeconds, at);
        const proposed = p.type === "Pods" ? start + p.value : Math.ceil(start * (1 + p.value / 100));
        result = minChange ? Math.min(result, proposed) : Math.max(result, proposed);
      }
      scaleUpLimit = Math.max(result, current);
    }
    let maxAllowed = max;
    let why: [string, string] = [
      "TooManyReplicas",
      "the desired replica count is more than the maximum replica count",
    ];
    if (max > scaleUpLimit) {
      maxAllowed = scaleUpLimit;
      why = ["ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"];
    }
    if (stabilized > maxAllowed) [replicas, limit] = [maxAllowed, why];
  } else if (stabilized < current) {
    let scaleDownLimit = current;
    if (down.selectPolicy !== "Disabled") {
      const minChange = down.selectPolicy === "Min";
      let result = minChange ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
      for (const p of down.policies ?? []) {
        const start =
          current - changeIn(h.scaleUp, p.periodSeconds, at) + changeIn(h.scaleDown, p.periodSeconds, at);
        const proposed = p.type === "Pods" ? start - p.value : Math.trunc(start * (1 - p.value / 100));
        result = minChange ? Math.max(result, proposed) : Math.min(result, proposed);
      }
      scaleDownLimit = Math.min(result, current);
    }
    let minAllowed = min;
    let why: [string, string] = [
      "TooFewReplicas",
      "the desired replica count is less than the minimum replica count",
    ];
    if (min < scaleDownLimit) {
      minAllowed = scaleDownLimit;
      why = ["ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate"];
    }
    if (stabilized < minAllowed) [replicas, limit] = [minAllowed, why];
  }
  return { replicas, able, limited: replicas !== stabilized, limit };
}

/** storeScaleEvent: a rescale the behavior's policies count (only HPAs with a behavior keep them). */
export function recordScaleEvent(
  h: HpaHistory,
  hpa: HorizontalPodAutoscaler,
  from: number,
  to: number,
  at: number,
): void {
  const b = hpa.spec?.behavior;
  if (!b) return;
  const longest = (r: HPAScalingRules | undefined) =>
    Math.max(0, ...(r?.policies ?? []).map((p) => p.periodSeconds));
  if (to > from) {
    h.scaleUp = h.scaleUp.filter((e) => e.at > at - longest(b.scaleUp) * 1000);
    h.scaleUp.push({ change: to - from, at });
  } else if (to < from) {
    h.scaleDown = h.scaleDown.filter((e) => e.at > at - longest(b.scaleDown) * 1000);
    h.scaleDown.push({ change: from - to, at });
  }
}

/** The plan's rescale was written. */
export function rescaled(hpa: HorizontalPodAutoscaler, plan: HpaPlan, now: string): HpaPlan {
  const r = plan.rescale!;
  const conditions = setCondition(
    plan.status.conditions ?? [],
    "AbleToScale",
    "True",
    "SucceededRescale",
    `the HPA controller was able to update the target scale to ${r.replicas}`,
    now,
  );
  return {
    status: statusOf(
      hpa,
      conditions,
      plan.status.currentReplicas ?? 0,
      r.replicas,
      plan.status.currentMetrics,
      now,
    ),
    events: [
      ...plan.events,
      {
        type: "Normal",
        reason: "SuccessfulRescale",
        message: `New size: ${r.replicas}; reason: ${r.reason}`,
      },
    ],
  };
}

/** The plan's rescale was refused with `error`. */
export function rescaleFailed(
  hpa: HorizontalPodAutoscaler,
  plan: HpaPlan,
  error: string,
  now: string,
): HpaPlan {
  const r = plan.rescale!;
  const conditions = setCondition(
    plan.status.conditions ?? [],
    "AbleToScale",
    "False",
    "FailedUpdateScale",
    `the HPA controller was unable to update the target scale: ${error}`,
    now,
  );
  const current = plan.status.currentReplicas ?? 0;
  return {
    status: {
      ...(hpa.status ?? { desiredReplicas: 0 }),
      ...(current ? { currentReplicas: current } : {}),
      conditions,
    },
    events: [
      ...plan.events,
      {
        type: "Warning",
        reason: "FailedRescale",
        message: `New size: ${r.replicas}; reason: ${r.reason}; error: ${error}`,
      },
    ],
  };
}
