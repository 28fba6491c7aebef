// kube-controller-manager's replica calculator for resource metrics
// (pkg/controller/podautoscaler/replica_calculator.go: GetResourceReplicas for Utilization
// targets, GetRawResourceReplicas → calcPlainMetricReplicas for AverageValue targets) and the
// metrics client's view of metrics.k8s.io (metrics/client.go: a pod's value is the sum of its
// containers', or the named container's, in milli-units). Pure: pods, metrics and the clock
// are passed in. Tolerance 0.1, CPU initialization period 5 min and initial readiness delay
// 30 s are kube-controller-manager's defaults.
import type { Pod } from "kubernetes-types/core/v1.js";
import { milliValue } from "./quantity.js";

export const TOLERANCE = 0.1;
export const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
export const DELAY_OF_INITIAL_READINESS_STATUS_MS = 30_000;

/** One pod's metric as the metrics client returns it: milli-units, its sample's time and window. */
export interface PodMetric {
  value: number;
  timestamp: number;
  window: number;
}

export interface ResourceProposal {
  replicas: number;
  /** Utilization targets: the average utilization (percent of request). */
  utilization?: number;
  /** The raw average (milli-units). */
  rawAverage: number;
}

/** The calculator's failure: upstream's error text. */
export class CalculatorError extends Error {}

const startMs = (p: Pod) => (p.status?.startTime ? Date.parse(p.status.startTime) : undefined);
const readyCondition = (p: Pod) => p.status?.conditions?.find((c) => c.type === "Ready");

/** groupPods: ready count, and the unready, missing and ignored pods. */
function groupPods(
  pods: Pod[],
  metrics: Map<string, PodMetric>,
  resource: string,
  now: number,
): { ready: number; unready: Set<string>; missing: Set<string>; ignored: Set<string> } {
  const unready = new Set<string>();
  const missing = new Set<string>();
  const ignored = new Set<string>();
  let ready = 0;
  for (const pod of pods) {
    const name = pod.metadata?.name ?? "";
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === "Failed") {
      ignored.add(name);
      continue;
    }
    if (pod.status?.phase === "Pending") {
      unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      missing.add(name);
      continue;
    }
    if (resource === "cpu") {
      const cond = readyCondition(pod);
      const start = startMs(pod);
      let isUnready: boolean;
      if (!cond || start === undefined) isUnready = true;
      else {
        const transition = cond.lastTransitionTime ? Date.parse(cond.lastTransitionTime) : 0;
        if (start + CPU_INITIALIZATION_PERIOD_MS > now)
          // Still initializing: unready, or no whole window sampled since it became ready.
          isUnready = cond.status === "False" || metric.timestamp < transition + metric.window;
        // Unready and never ready since it started.
        else isUnready = cond.status === "False" && start + DELAY_OF_INITIAL_READINESS_STATUS_MS > transition;
      }
      if (isUnready) {
        unready.add(name);
        continue;
      }
    }
    ready++;
  }
  return { ready, unready, missing, ignored };
}

/** calculatePodRequests: the pods' requests of `resource` (milli), the named container's only when set. */
export function podRequests(pods: Pod[], container: string, resource: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    const containers = [
      ...(pod.spec?.containers ?? []),
      ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always"),
    ];
    let sum = 0;
    for (const c of containers) {
      if (container && container !== c.name) continue;
      const q = c.resources?.requests?.[resource];
      if (q === undefined)
        throw new CalculatorError(
          `missing request for ${resource} in container ${c.name} of Pod ${pod.metadata?.name ?? ""}`,
        );
      sum += milliValue(q);
    }
    out.set(pod.metadata?.name ?? "", sum);
  }
  return out;
}

/** GetResourceUtilizationRatio over the pods that have both a metric and a request. */
function utilizationRatio(
  metrics: Map<string, PodMetric>,
  requests: Map<string, number>,
  target: number,
): { ratio: number; utilization: number; raw: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let n = 0;
  for (const [name, m] of metrics) {
    const r = requests.get(name);
    if (r === undefined) continue;
    metricsTotal += m.value;
    requestsTotal += r;
    n++;
  }
  if (requestsTotal === 0) throw new CalculatorError("no metrics returned matched known pods");
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / target, utilization, raw: Math.trunc(metricsTotal / n) };
}

/** GetMetricUsageRatio: the average over the pods with metrics, against the target. */
function usageRatio(metrics: Map<string, PodMetric>, target: number): { ratio: number; usage: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / target, usage };
}

const NO_PODS = "no pods returned by selector while calculating replica count";
const NO_READY_METRICS = "did not receive metrics for targeted pods (pods might be unready)";

/** GetResourceReplicas (Utilization targets). `metrics` is the metrics client's answer. */
export function resourceReplicas(
  current: number,
  target: number,
  resource: string,
  container: string,
  pods: Pod[],
  metricsIn: Map<string, PodMetric>,
  now: number,
): ResourceProposal {
  const metrics = new Map(metricsIn);
  if (!pods.length) throw new CalculatorError(NO_PODS);
  const g = groupPods(pods, metrics, resource, now);
  for (const n of [...g.ignored, ...g.unready]) metrics.delete(n);
  if (!metrics.size) throw new CalculatorError(NO_READY_METRICS);
  const requests = podRequests(pods, container, resource);
  const first = utilizationRatio(metrics, requests, target);
  const out = (replicas: number) => ({ replicas, utilization: first.utilization, rawAverage: first.raw });
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= TOLERANCE) return out(current);
    return out(Math.ceil(first.ratio * g.ready));
  }
  if (g.missing.size) {
    const fallback = Math.max(100, target);
    for (const n of g.missing)
      if (first.ratio < 1)
        metrics.set(n, {
          value: Math.trunc(((requests.get(n) ?? 0) * fallback) / 100),
          timestamp: 0,
          window: 0,
        });
      else if (first.ratio > 1) metrics.set(n, { value: 0, timestamp: 0, window: 0 });
  }
  if (scaleUpWithUnready) for (const n of g.unready) metrics.set(n, { value: 0, timestamp: 0, window: 0 });
  const next = utilizationRatio(metrics, requests, target).ratio;
  if (Math.abs(1 - next) <= TOLERANCE || (first.ratio < 1 && next > 1) || (first.ratio > 1 && next < 1))
    return out(current);
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > current) || (next > 1 && replicas < current)) return out(current);
  return out(replicas);
}

/** GetRawResourceReplicas → calcPlainMetricReplicas (AverageValue targets, milli-units). */
export function rawResourceReplicas(
  current: number,
  target: number,
  resource: string,
  pods: Pod[],
  metricsIn: Map<string, PodMetric>,
  now: number,
): ResourceProposal {
  const metrics = new Map(metricsIn);
  if (!pods.length) throw new CalculatorError(NO_PODS);
  const g = groupPods(pods, metrics, resource, now);
  for (const n of [...g.ignored, ...g.unready]) metrics.delete(n);
  if (!metrics.size) throw new CalculatorError(NO_READY_METRICS);
  const first = usageRatio(metrics, target);
  const out = (replicas: number) => ({ replicas, rawAverage: first.usage });
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= TOLERANCE) return out(current);
    return out(Math.ceil(first.ratio * g.ready));
  }
  if (g.missing.size)
    for (const n of g.missing)
      if (first.ratio < 1) metrics.set(n, { value: target, timestamp: 0, window: 0 });
      else if (first.ratio > 1) metrics.set(n, { value: 0, timestamp: 0, window: 0 });
  if (scaleUpWithUnready) for (const n of g.unready) metrics.set(n, { value: 0, timestamp: 0, window: 0 });
  const next = usageRatio(metrics, target).ratio;
  if (Math.abs(1 - next) <= TOLERANCE || (first.ratio < 1 && next > 1) || (first.ratio > 1 && next < 1))
    return out(current);
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > current) || (next > 1 && replicas < current)) return out(current);
  return out(replicas);
}
