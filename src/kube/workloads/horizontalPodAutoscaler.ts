// The HorizontalPodAutoscaler controller's decisions (kube-controller-manager's
// pkg/controller/podautoscaler/horizontal.go, reconcileAutoscaler) for a cluster that serves no
// metrics API: the target's scale is read; replicas outside [minReplicas, maxReplicas] are
// brought inside ("Current number of replicas below Spec.MinReplicas"); a target at 0 replicas
// disables scaling; otherwise every metric fails to be read, as the controller reports it when
// metrics.k8s.io (or custom/external metrics) is not there, and nothing is scaled. Conditions,
// status and events are upstream's, word for word. Pure: no store, no clock.
import type {
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerCondition,
  HorizontalPodAutoscalerStatus,
  MetricSpec,
  MetricStatus,
} from "kubernetes-types/autoscaling/v2.js";

/** The target's scale subresource as the controller reads it, or why it could not be read. */
export type ScaleRead = { replicas: number; selector: string } | { error: string };

export interface HpaEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

export interface HpaPlan {
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

/** One metric's failure without a metrics source: [condition reason, its error, the wrapped error]. */
function metricFailure(m: MetricSpec, namespace: string): [string, string, string] {
  switch (m.type) {
    case "Resource": {
      const name = m.resource?.name ?? "";
      const what = m.resource?.target?.type === "AverageValue" ? "usage" : "utilization";
      const err = `failed to get ${name} ${what}: unable to get metrics for resource ${name}: ${NO_RESOURCE_METRICS}`;
      return ["FailedGetResourceMetric", err, `failed to get ${name} resource metric value: ${err}`];
    }
    case "ContainerResource": {
      const name = m.containerResource?.name ?? "";
      const what = m.containerResource?.target?.type === "AverageValue" ? "usage" : "utilization";
      const err = `failed to get ${name} ${what}: unable to get metrics for resource ${name}: ${NO_RESOURCE_METRICS}`;
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
  for (const m of metrics) {
    const f = metricFailure(m, ns);
    events.push({ type: "Warning", reason: f[0], message: f[1] });
    first ??= f;
  }
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
    message: `invalid metrics (${metrics.length} invalid out of ${metrics.length}), first error is: ${first?.[2] ?? ""}`,
  });
  // An unreadable metric's status is Go's zero MetricStatus: `{"type": ""}`.
  const statuses = metrics.map(() => ({ type: "" }));
  return { status: statusOf(hpa, conditions, current, desiredBefore, statuses), events };
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
    status: statusOf(hpa, conditions, plan.status.currentReplicas ?? 0, r.replicas, undefined, now),
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
