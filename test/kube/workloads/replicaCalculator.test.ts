// The replica calculator (replica_calculator.go) and the HPA's use of it.
import type {
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerBehavior,
} from "kubernetes-types/autoscaling/v2.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import {
  newHistory,
  planHorizontalPodAutoscaler,
  type ResourceMetricsView,
} from "../../../src/kube/workloads/horizontalPodAutoscaler.js";
import {
  CalculatorError,
  type PodMetric,
  podRequests,
  rawResourceReplicas,
  resourceReplicas,
} from "../../../src/kube/workloads/replicaCalculator.js";

const NOW = Date.parse("2026-01-01T00:10:00Z");
const LONG_AGO = "2026-01-01T00:00:00Z";
const pod = (name: string, cpu?: string, extra: Partial<Pod["status"]> = {}): Pod => ({
  metadata: { name, namespace: "default", labels: { app: "web" } },
  spec: { nodeName: "n1", containers: [{ name: "c", resources: cpu ? { requests: { cpu } } : {} }] },
  status: {
    phase: "Running",
    startTime: LONG_AGO,
    conditions: [{ type: "Ready", status: "True", lastTransitionTime: LONG_AGO }],
    ...extra,
  },
});
const m = (value: number): PodMetric => ({ value, timestamp: NOW, window: 15_000 });

describe("replica calculator", () => {
  it("utilization: ceil(ratio × ready pods), the current count within the 0.1 tolerance", () => {
    const pods = [pod("a", "100m"), pod("b", "100m")];
    const metrics = new Map([
      ["a", m(90)],
      ["b", m(90)],
    ]);
    expect(resourceReplicas(2, 60, "cpu", "", pods, metrics, NOW)).toEqual({
      replicas: 3,
      utilization: 90,
      rawAverage: 90,
    });
    expect(resourceReplicas(2, 85, "cpu", "", pods, metrics, NOW).replicas).toBe(2);
  });
  it("scale-up with an unready pod counts it at 0; a missing pod at 0 on scale-up, at its request on scale-down", () => {
    const pods = [pod("a", "100m"), pod("b", "100m"), pod("c", "100m", { phase: "Pending" })];
    const metrics = new Map([
      ["a", m(90)],
      ["b", m(90)],
    ]);
    // (90 + 90 + 0) / 300 = 60% against 50%: 1.2 → ceil(1.2 × 3) = 4.
    expect(resourceReplicas(3, 50, "cpu", "", pods, metrics, NOW).replicas).toBe(4);
    const missing = [pod("a", "100m"), pod("b", "100m"), pod("d", "100m")];
    // 10% against 50%: the missing pod at 100% → (10 + 10 + 100) / 300 = 40% → ceil(0.8 × 3) = 3 = current.
    const low = new Map([
      ["a", m(10)],
      ["b", m(10)],
    ]);
    expect(resourceReplicas(3, 50, "cpu", "", missing, low, NOW).replicas).toBe(3);
  });
  it("a freshly ready pod's CPU sample is ignored until a whole window has passed since it became ready", () => {
    const fresh = pod("a", "100m", {
      startTime: new Date(NOW - 10_000).toISOString(),
      conditions: [
        { type: "Ready", status: "True", lastTransitionTime: new Date(NOW - 5_000).toISOString() },
      ],
    });
    expect(() => resourceReplicas(1, 50, "cpu", "", [fresh], new Map([["a", m(90)]]), NOW)).toThrow(
      "did not receive metrics for targeted pods (pods might be unready)",
    );
  });
  it("requests: per container, the named one only, upstream's missing-request error", () => {
    expect(podRequests([pod("a", "250m")], "", "cpu")).toEqual(new Map([["a", 250]]));
    expect(() => podRequests([pod("a")], "", "cpu")).toThrow(
      new CalculatorError("missing request for cpu in container c of Pod a"),
    );
  });
  it("average value: the pods' average against the target", () => {
    const pods = [pod("a"), pod("b")];
    const metrics = new Map([
      ["a", m(300)],
      ["b", m(100)],
    ]);
    expect(rawResourceReplicas(2, 100, "cpu", pods, metrics, NOW)).toEqual({ replicas: 4, rawAverage: 200 });
  });
});

describe("HPA plan with metrics", () => {
  const hpa = (behavior?: HorizontalPodAutoscalerBehavior): HorizontalPodAutoscaler => ({
    metadata: { name: "web", namespace: "default" },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } },
        },
      ],
      ...(behavior ? { behavior } : {}),
    },
  });
  const view = (cpu: number): ResourceMetricsView => ({
    api: "available",
    pods: [pod("a", "100m"), pod("b", "100m")],
    usage: new Map(
      ["a", "b"].map((n) => [
        n,
        { containers: [{ name: "c", cpu, memory: 0 }], timestamp: NOW, window: 15_000 },
      ]),
    ),
    now: NOW,
  });
  const T = "2026-01-01T00:10:00Z";
  it("scales up with upstream's reason and conditions", () => {
    const p = planHorizontalPodAutoscaler(
      hpa(),
      { replicas: 2, selector: "app=web" },
      T,
      view(90),
      newHistory(),
    );
    expect(p.rescale).toEqual({
      replicas: 3,
      reason: "cpu resource utilization (percentage of request) above target",
    });
    expect(p.status.currentMetrics).toEqual([
      {
        type: "Resource",
        resource: { name: "cpu", current: { averageValue: "90m", averageUtilization: 90 } },
      },
    ]);
    expect(p.status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["AbleToScale", "True", "ReadyForNewScale"],
      ["ScalingActive", "True", "ValidMetricFound"],
      ["ScalingLimited", "False", "DesiredWithinRange"],
    ]);
  });
  it("without behavior, a scale-down waits for the highest recommendation of the last 5 minutes", () => {
    const h = newHistory();
    h.recommendations.push({ replicas: 2, at: NOW - 60_000 });
    const p = planHorizontalPodAutoscaler(hpa(), { replicas: 2, selector: "app=web" }, T, view(1), h);
    expect(p.rescale).toBeUndefined();
    expect(p.status.conditions?.find((c) => c.type === "AbleToScale")?.reason).toBe("ScaleDownStabilized");
    const q = planHorizontalPodAutoscaler(
      hpa({
        scaleDown: {
          stabilizationWindowSeconds: 0,
          policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
        },
      }),
      { replicas: 2, selector: "app=web" },
      T,
      view(1),
      h,
    );
    expect(q.rescale).toEqual({ replicas: 1, reason: "All metrics below target" });
  });
  it("a scale-up policy of 1 pod per minute limits the step (ScalingLimited ScaleUpLimit)", () => {
    const p = planHorizontalPodAutoscaler(
      hpa({
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: "Max",
          policies: [{ type: "Pods", value: 1, periodSeconds: 60 }],
        },
      }),
      { replicas: 2, selector: "app=web" },
      T,
      view(300),
      newHistory(),
    );
    expect(p.rescale?.replicas).toBe(3);
    expect(p.status.conditions?.find((c) => c.type === "ScalingLimited")).toMatchObject({
      status: "True",
      reason: "ScaleUpLimit",
    });
  });
});
