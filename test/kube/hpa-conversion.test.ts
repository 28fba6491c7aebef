// autoscaling/v2 ⇄ v1 HorizontalPodAutoscaler conversion (kube/conversions): every metric source
// and status type goes through the v1 annotations in upstream's v1 (v2beta1-style) shape and
// comes back unchanged; v1-only input gets the CPU metric, or the default 80 % when it has none.
import { describe, expect, it } from "vitest";
import { hpaV1ToV2, hpaV2ToV1 } from "../../src/kube/conversions/horizontalPodAutoscaler.js";
import { conversionFor, inStorageShape } from "../../src/kube/conversions/index.js";

type Obj = Record<string, unknown>;

const ref = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };
const sel = { matchLabels: { app: "web" } };
const v2: Obj = {
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  metadata: { name: "h", namespace: "default", annotations: { keep: "me" }, resourceVersion: "7" },
  spec: {
    scaleTargetRef: ref,
    minReplicas: 2,
    maxReplicas: 10,
    metrics: [
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 75 } },
      },
      {
        type: "Resource",
        resource: { name: "memory", target: { type: "Utilization", averageUtilization: 60 } },
      },
      {
        type: "ContainerResource",
        containerResource: {
          name: "cpu",
          container: "app",
          target: { type: "AverageValue", averageValue: "500m" },
        },
      },
      {
        type: "Pods",
        pods: {
          metric: { name: "qps", selector: sel },
          target: { type: "AverageValue", averageValue: "1k" },
        },
      },
      {
        type: "Object",
        object: {
          describedObject: { apiVersion: "networking.k8s.io/v1", kind: "Ingress", name: "main" },
          metric: { name: "rps" },
          target: { type: "Value", value: "10k" },
        },
      },
      {
        type: "External",
        external: {
          metric: { name: "queue", selector: sel },
          target: { type: "AverageValue", averageValue: "30" },
        },
      },
    ],
    behavior: {
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: "Max",
        policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
      },
      scaleDown: { stabilizationWindowSeconds: 300 },
    },
  },
  status: {
    observedGeneration: 3,
    currentReplicas: 4,
    desiredReplicas: 5,
    currentMetrics: [
      {
        type: "Resource",
        resource: { name: "cpu", current: { averageUtilization: 90, averageValue: "450m" } },
      },
      { type: "External", external: { metric: { name: "queue" }, current: { value: "12" } } },
    ],
    conditions: [{ type: "ScalingActive", status: "True", reason: "ValidMetricFound", message: "ok" }],
  },
};

describe("HorizontalPodAutoscaler v2 ⇄ v1", () => {
  it("v2 → v1 keeps the CPU target as the percentage and everything else in upstream's annotations", () => {
    const v1 = hpaV2ToV1(structuredClone(v2));
    expect(v1.apiVersion).toBe("autoscaling/v1");
    expect(v1.spec).toEqual({
      scaleTargetRef: ref,
      minReplicas: 2,
      maxReplicas: 10,
      targetCPUUtilizationPercentage: 75,
    });
    expect(v1.status).toEqual({
      observedGeneration: 3,
      currentReplicas: 4,
      desiredReplicas: 5,
      currentCPUUtilizationPercentage: 90,
    });
    const ann = (v1.metadata as Obj).annotations as Record<string, string>;
    expect(ann.keep).toBe("me");
    expect(JSON.parse(ann["autoscaling.alpha.kubernetes.io/metrics"])).toEqual([
      { type: "Resource", resource: { name: "memory", targetAverageUtilization: 60 } },
      {
        type: "ContainerResource",
        containerResource: { name: "cpu", container: "app", targetAverageValue: "500m" },
      },
      { type: "Pods", pods: { metricName: "qps", selector: sel, targetAverageValue: "1k" } },
      {
        type: "Object",
        object: {
          target: { apiVersion: "networking.k8s.io/v1", kind: "Ingress", name: "main" },
          metricName: "rps",
          targetValue: "10k",
        },
      },
      { type: "External", external: { metricName: "queue", metricSelector: sel, targetAverageValue: "30" } },
    ]);
    expect(JSON.parse(ann["autoscaling.alpha.kubernetes.io/current-metrics"])).toEqual([
      {
        type: "Resource",
        resource: { name: "cpu", currentAverageUtilization: 90, currentAverageValue: "450m" },
      },
      { type: "External", external: { metricName: "queue", currentValue: "12" } },
    ]);
    expect(JSON.parse(ann["autoscaling.alpha.kubernetes.io/behavior"])).toEqual({
      ScaleUp: {
        StabilizationWindowSeconds: 0,
        SelectPolicy: "Max",
        Policies: [{ Type: "Percent", Value: 100, PeriodSeconds: 15 }],
      },
      ScaleDown: { StabilizationWindowSeconds: 300 },
    });
    expect(JSON.parse(ann["autoscaling.alpha.kubernetes.io/conditions"])).toEqual(
      (v2.status as Obj).conditions,
    );
  });

  it("v2 → v1 → v2 is the identity", () => {
    expect(hpaV1ToV2(hpaV2ToV1(structuredClone(v2)))).toEqual(v2);
  });

  it("v1 without a CPU target gets upstream's default; annotations from another version are not stored", () => {
    const back = hpaV1ToV2({
      apiVersion: "autoscaling/v1",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "h", annotations: { "autoscaling.alpha.kubernetes.io/metrics": "not json" } },
      spec: { scaleTargetRef: ref, maxReplicas: 3 },
    });
    expect(back.spec).toEqual({
      scaleTargetRef: ref,
      maxReplicas: 3,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
        },
      ],
    });
    expect(back.metadata).toEqual({ name: "h" });
  });

  it("the table knows the converted versions only", () => {
    expect(
      conversionFor({ group: "autoscaling", version: "v1", kind: "HorizontalPodAutoscaler" }),
    ).toBeDefined();
    expect(
      conversionFor({ group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler" }),
    ).toBeUndefined();
    const v1 = hpaV2ToV1(structuredClone(v2));
    expect(inStorageShape(v1)).toEqual(v2);
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" } };
    expect(inStorageShape(pod)).toBe(pod);
  });
});
