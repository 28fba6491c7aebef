// The HPA controller's decisions without a metrics API (src/kube/workloads/horizontalPodAutoscaler.ts),
// against upstream's reconcileAutoscaler: bounds, scaling disabled at zero, unreadable metrics
// of each source type, a refused rescale, and when a condition's lastTransitionTime moves.
import type { HorizontalPodAutoscaler, MetricSpec } from "kubernetes-types/autoscaling/v2.js";
import { describe, expect, it } from "vitest";
import {
  planHorizontalPodAutoscaler,
  rescaled,
  rescaleFailed,
} from "../../../src/kube/workloads/horizontalPodAutoscaler.js";

const T0 = "2026-01-01T00:00:00Z";
const T1 = "2026-01-01T00:00:15Z";
const cpu: MetricSpec = {
  type: "Resource",
  resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
};
const hpa = (
  over: Partial<HorizontalPodAutoscaler["spec"]> = {},
  status?: HorizontalPodAutoscaler["status"],
) =>
  ({
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web", namespace: "shop", uid: "u1" },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
      minReplicas: 2,
      maxReplicas: 5,
      metrics: [cpu],
      ...over,
    },
    ...(status ? { status } : {}),
  }) as HorizontalPodAutoscaler;
const GOT = "the HPA controller was able to get the target's current scale";
const RESOURCE_API =
  "unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)";

describe("planHorizontalPodAutoscaler", () => {
  it("below minReplicas: rescale to the minimum, then SucceededRescale and SuccessfulRescale", () => {
    const h = hpa();
    const p = planHorizontalPodAutoscaler(h, { replicas: 1, selector: "app=web" }, T0);
    expect(p.rescale).toEqual({ replicas: 2, reason: "Current number of replicas below Spec.MinReplicas" });
    expect(p.events).toEqual([]);
    const done = rescaled(h, p, T0);
    expect(done.status).toEqual({
      currentReplicas: 1,
      desiredReplicas: 2,
      lastScaleTime: T0,
      conditions: [
        {
          type: "AbleToScale",
          status: "True",
          lastTransitionTime: T0,
          reason: "SucceededRescale",
          message: "the HPA controller was able to update the target scale to 2",
        },
      ],
    });
    expect(done.events).toEqual([
      {
        type: "Normal",
        reason: "SuccessfulRescale",
        message: "New size: 2; reason: Current number of replicas below Spec.MinReplicas",
      },
    ]);
  });

  it("above maxReplicas: rescale to the maximum; a refused write is FailedUpdateScale + FailedRescale", () => {
    const h = hpa();
    const p = planHorizontalPodAutoscaler(h, { replicas: 9, selector: "app=web" }, T0);
    expect(p.rescale).toEqual({ replicas: 5, reason: "Current number of replicas above Spec.MaxReplicas" });
    const failed = rescaleFailed(h, p, 'deployments.apps "web" not found', T0);
    expect(failed.status).toEqual({
      desiredReplicas: 0,
      currentReplicas: 9,
      conditions: [
        {
          type: "AbleToScale",
          status: "False",
          lastTransitionTime: T0,
          reason: "FailedUpdateScale",
          message:
            'the HPA controller was unable to update the target scale: deployments.apps "web" not found',
        },
      ],
    });
    expect(failed.events).toEqual([
      {
        type: "Warning",
        reason: "FailedRescale",
        message:
          'New size: 5; reason: Current number of replicas above Spec.MaxReplicas; error: deployments.apps "web" not found',
      },
    ]);
  });

  it("a target at zero replicas disables scaling (and minReplicas defaults to 1)", () => {
    const p = planHorizontalPodAutoscaler(
      hpa({ minReplicas: undefined }),
      { replicas: 0, selector: "app=web" },
      T0,
    );
    expect(p.rescale).toBeUndefined();
    expect(p.status).toEqual({
      desiredReplicas: 0,
      conditions: [
        {
          type: "AbleToScale",
          status: "True",
          lastTransitionTime: T0,
          reason: "SucceededGetScale",
          message: GOT,
        },
        {
          type: "ScalingActive",
          status: "False",
          lastTransitionTime: T0,
          reason: "ScalingDisabled",
          message: "scaling is disabled since the replica count of the target is zero",
        },
      ],
    });
  });

  it("within bounds, every metric fails to be read: the first one's condition, one warning each, then FailedComputeMetricsReplicas", () => {
    const pods: MetricSpec = {
      type: "Pods",
      pods: { metric: { name: "rps" }, target: { type: "AverageValue", averageValue: "10" } },
    };
    const mem: MetricSpec = {
      type: "Resource",
      resource: { name: "memory", target: { type: "AverageValue", averageValue: "100Mi" } },
    };
    const p = planHorizontalPodAutoscaler(
      hpa({ metrics: [cpu, mem, pods] }, { desiredReplicas: 3 }),
      { replicas: 3, selector: "app=web" },
      T0,
    );
    const cpuErr = `failed to get cpu utilization: unable to get metrics for resource cpu: ${RESOURCE_API}`;
    expect(p.rescale).toBeUndefined();
    expect(p.status.currentReplicas).toBe(3);
    expect(p.status.desiredReplicas).toBe(3);
    expect(p.status.currentMetrics).toEqual([{ type: "" }, { type: "" }, { type: "" }]);
    expect(p.status.conditions?.[1]).toEqual({
      type: "ScalingActive",
      status: "False",
      lastTransitionTime: T0,
      reason: "FailedGetResourceMetric",
      message: `the HPA was unable to compute the replica count: ${cpuErr}`,
    });
    expect(p.events).toEqual([
      { type: "Warning", reason: "FailedGetResourceMetric", message: cpuErr },
      {
        type: "Warning",
        reason: "FailedGetResourceMetric",
        message: `failed to get memory usage: unable to get metrics for resource memory: ${RESOURCE_API}`,
      },
      {
        type: "Warning",
        reason: "FailedGetPodsMetric",
        message:
          "unable to get metric rps: unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered",
      },
      {
        type: "Warning",
        reason: "FailedComputeMetricsReplicas",
        message: `invalid metrics (3 invalid out of 3), first error is: failed to get cpu resource metric value: ${cpuErr}`,
      },
    ]);
  });

  it("a scale without a selector: SelectorRequired, InvalidSelector", () => {
    const p = planHorizontalPodAutoscaler(hpa(), { replicas: 3, selector: "" }, T0);
    expect(p.status.conditions?.[1]).toMatchObject({
      type: "ScalingActive",
      status: "False",
      reason: "InvalidSelector",
      message: "the HPA target's scale is missing a selector",
    });
    expect(p.events.map((e) => [e.reason, e.message])).toEqual([
      ["SelectorRequired", "selector is required"],
      ["FailedComputeMetricsReplicas", "selector is required"],
    ]);
  });

  it("an unreadable scale: AbleToScale False FailedGetScale; the rest of the status stays", () => {
    const before = { currentReplicas: 2, desiredReplicas: 2, lastScaleTime: T0 };
    const p = planHorizontalPodAutoscaler(hpa({}, before), { error: 'deployments.apps "web" not found' }, T1);
    expect(p.status).toEqual({
      ...before,
      conditions: [
        {
          type: "AbleToScale",
          status: "False",
          lastTransitionTime: T1,
          reason: "FailedGetScale",
          message: `the HPA controller was unable to get the target's current scale: deployments.apps "web" not found`,
        },
      ],
    });
    expect(p.events).toEqual([
      { type: "Warning", reason: "FailedGetScale", message: 'deployments.apps "web" not found' },
    ]);
  });

  it("lastTransitionTime moves only when a condition's status does", () => {
    const first = planHorizontalPodAutoscaler(hpa(), { replicas: 3, selector: "app=web" }, T0);
    const again = planHorizontalPodAutoscaler(
      hpa({}, first.status),
      { replicas: 3, selector: "app=web" },
      T1,
    );
    expect(again.status).toEqual(first.status);
    const lost = planHorizontalPodAutoscaler(hpa({}, first.status), { error: "gone" }, T1);
    expect(lost.status.conditions?.map((c) => [c.type, c.status, c.lastTransitionTime])).toEqual([
      ["AbleToScale", "False", T1],
      ["ScalingActive", "False", T0],
    ]);
  });
});
