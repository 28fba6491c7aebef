// autoscaling/v1 HorizontalPodAutoscalers with the machine's real kubectl: `kubectl autoscale`
// (1.28 posts autoscaling/v1, 1.33 autoscaling/v2), both versions read back converted from the
// one stored object (by full resource name: kubectl 1.33 drops the version of a short name such
// as `hpa.v1.autoscaling` and asks for the preferred one), and v2-only fields surviving a
// read-modify-write through v1 (they travel in the `autoscaling.alpha.kubernetes.io/*`
// annotations, as kube-apiserver's conversion does).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  createCluster,
  type KubeCluster,
  kube,
  kubectl,
  type Obj,
  rows,
  startKubeEmulator,
} from "../kube/kube-helpers.js";

let emu: TestEmulator;
let c128: KubeCluster;
let c133: KubeCluster;
beforeAll(async () => {
  emu = await startKubeEmulator();
  c128 = await createCluster(emu, "hpa128", "1.28", "hpa-rg");
  c133 = await createCluster(emu, "hpa133", "1.33", "hpa-rg");
});
afterAll(async () => {
  await emu?.close();
});

async function ok(c: KubeCluster, args: string[], input?: string): Promise<string> {
  const r = await kubectl(c, args, input);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return r.stdout;
}

const cpu = (n: number) => ({
  type: "Resource",
  resource: { name: "cpu", target: { type: "Utilization", averageUtilization: n } },
});
const ref = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };

/**
 * Waits for the HPA controller's passes over a new HPA (controllers/horizontalPodAutoscaler.ts)
 * until `done` holds, so later reads and read-modify-writes do not race its status writes.
 */
async function settled(c: KubeCluster, name: string, done: (h: Obj) => boolean): Promise<Obj> {
  for (let i = 0; i < 200; i++) {
    const h = (
      await kube(c, "GET", `/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/${name}`)
    ).body as Obj;
    if (h.status && done(h)) return h;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`HPA ${name} never settled`);
}
/** The controller read the target's scale (or failed to) and wrote its conditions. */
const looked = (h: Obj) => (h.status.conditions ?? []).length > 0;

describe("autoscaling/v1 HorizontalPodAutoscaler", () => {
  it("discovery serves autoscaling v2 (preferred) and v1", async () => {
    const g = (await kube(c133, "GET", "/apis/autoscaling")).body as Obj;
    expect(g.versions).toEqual([
      { groupVersion: "autoscaling/v2", version: "v2" },
      { groupVersion: "autoscaling/v1", version: "v1" },
    ]);
    expect(g.preferredVersion).toEqual({ groupVersion: "autoscaling/v2", version: "v2" });
    const v1 = (await kube(c133, "GET", "/apis/autoscaling/v1")).body as Obj;
    expect((v1.resources as Obj[]).map((r) => r.name)).toEqual([
      "horizontalpodautoscalers",
      "horizontalpodautoscalers/status",
    ]);
    for (const c of [c128, c133]) {
      const versions = (await ok(c, ["api-versions"])).split("\n");
      expect(versions.filter((l) => l.startsWith("autoscaling/"))).toEqual([
        "autoscaling/v1",
        "autoscaling/v2",
      ]);
    }
    const ar = rows(await ok(c128, ["api-resources", "--api-group=autoscaling", "--no-headers"]));
    expect(ar).toEqual([
      ["horizontalpodautoscalers", "hpa", "autoscaling/v2", "true", "HorizontalPodAutoscaler"],
    ]);
  });

  for (const v of ["1.28", "1.33"] as const) {
    it(`kubectl ${v} autoscale, then get in v1 and v2 and as a table`, async () => {
      const c = v === "1.28" ? c128 : c133;
      expect(await ok(c, ["create", "deployment", "web", "--image=nginx"])).toBe(
        "deployment.apps/web created\n",
      );
      expect(await ok(c, ["autoscale", "deployment", "web", "--min=2", "--max=5", "--cpu-percent=80"])).toBe(
        "horizontalpodautoscaler.autoscaling/web autoscaled\n",
      );
      // The controller scales the 1-replica Deployment to 2, then finds no metrics to read.
      await settled(c, "web", (h) => h.status.currentReplicas === 2 && h.status.conditions?.length === 2);
      const v1 = YAML.parse(
        await ok(c, ["get", "horizontalpodautoscalers.v1.autoscaling", "web", "-o", "yaml"]),
      ) as Obj;
      expect(v1.apiVersion).toBe("autoscaling/v1");
      expect(v1.kind).toBe("HorizontalPodAutoscaler");
      expect(v1.spec).toEqual({
        scaleTargetRef: ref,
        minReplicas: 2,
        maxReplicas: 5,
        targetCPUUtilizationPercentage: 80,
      });
      // Only the v2 status the controller wrote travels in annotations.
      expect(Object.keys(v1.metadata.annotations)).toEqual([
        "autoscaling.alpha.kubernetes.io/conditions",
        "autoscaling.alpha.kubernetes.io/current-metrics",
      ]);
      const v2 = YAML.parse(
        await ok(c, [
          "get",
          "horizontalpodautoscalers.v2.autoscaling",
          "web",
          "-o",
          "yaml",
          "--show-managed-fields",
        ]),
      ) as Obj;
      expect(v2.apiVersion).toBe("autoscaling/v2");
      expect(v2.spec.metrics).toEqual([cpu(80)]);
      expect(v2.spec.minReplicas).toBe(2);
      expect(v2.spec.maxReplicas).toBe(5);
      expect(v2.metadata.uid).toBe(v1.metadata.uid);
      expect(v2.metadata.resourceVersion).toBe(v1.metadata.resourceVersion);
      // The object was written once, in whichever version this kubectl sent.
      const manager = v2.metadata.managedFields[0];
      expect(manager.manager).toBe("kubectl-autoscale");
      for (const res of [
        "hpa",
        "horizontalpodautoscalers.v1.autoscaling",
        "horizontalpodautoscalers.v2.autoscaling",
      ]) {
        const t = rows(await ok(c, ["get", res, "web"]));
        expect(t[0]).toEqual(["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]);
        expect(t[1].slice(0, 6)).toEqual(["web", "Deployment/web", "cpu: <unknown>/80%", "2", "5", "2"]);
      }
      // The `all` category names it once (discovery's preferred version only).
      const all = (await ok(c, ["get", "all", "-o", "name"])).split("\n");
      expect(all.filter((l) => l.startsWith("horizontalpodautoscaler"))).toEqual([
        "horizontalpodautoscaler.autoscaling/web",
      ]);
      expect(await ok(c, ["delete", "horizontalpodautoscalers.v1.autoscaling", "web"])).toBe(
        'horizontalpodautoscaler.autoscaling "web" deleted\n',
      );
      await ok(c, ["delete", "deployment", "web"]);
    });
  }

  it("v2-only fields survive a read-modify-write through v1 (replace, merge patch, JSON patch)", async () => {
    const c = c133;
    const memory = {
      type: "Resource",
      resource: { name: "memory", target: { type: "AverageValue", averageValue: "100Mi" } },
    };
    const pods = {
      type: "Pods",
      pods: { metric: { name: "requests" }, target: { type: "AverageValue", averageValue: "10" } },
    };
    const behavior = {
      scaleDown: {
        stabilizationWindowSeconds: 120,
        selectPolicy: "Min",
        policies: [{ type: "Pods", value: 2, periodSeconds: 60 }],
      },
    };
    // As stored: the rules left out are defaulted (autoscaling/v2 defaults.go).
    const defaulted = {
      ...behavior,
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: "Max",
        policies: [
          { type: "Pods", value: 4, periodSeconds: 15 },
          { type: "Percent", value: 100, periodSeconds: 15 },
        ],
      },
    };
    const created = await kube(
      c,
      "POST",
      "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers",
      {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: { name: "rt", annotations: { team: "a" } },
        spec: {
          scaleTargetRef: ref,
          minReplicas: 1,
          maxReplicas: 4,
          metrics: [cpu(70), memory, pods],
          behavior,
        },
      },
    );
    expect(created.status).toBe(201);
    await settled(c, "rt", looked);

    const v1 = JSON.parse(
      await ok(c, ["get", "horizontalpodautoscalers.v1.autoscaling", "rt", "-o", "json"]),
    ) as Obj;
    expect(v1.spec.targetCPUUtilizationPercentage).toBe(70);
    expect(v1.metadata.annotations.team).toBe("a");
    expect(JSON.parse(v1.metadata.annotations["autoscaling.alpha.kubernetes.io/metrics"])).toEqual([
      { type: "Resource", resource: { name: "memory", targetAverageValue: "100Mi" } },
      { type: "Pods", pods: { metricName: "requests", targetAverageValue: "10" } },
    ]);
    // Behavior's unset rules are defaulted (autoscaling/v2 defaults.go).
    expect(JSON.parse(v1.metadata.annotations["autoscaling.alpha.kubernetes.io/behavior"])).toEqual({
      ScaleUp: {
        StabilizationWindowSeconds: 0,
        SelectPolicy: "Max",
        Policies: [
          { Type: "Pods", Value: 4, PeriodSeconds: 15 },
          { Type: "Percent", Value: 100, PeriodSeconds: 15 },
        ],
      },
      ScaleDown: {
        StabilizationWindowSeconds: 120,
        SelectPolicy: "Min",
        Policies: [{ Type: "Pods", Value: 2, PeriodSeconds: 60 }],
      },
    });

    // Replace in v1 with a new maximum: the metrics and behavior stay.
    v1.spec.maxReplicas = 9;
    expect(await ok(c, ["replace", "-f", "-"], JSON.stringify(v1))).toBe(
      "horizontalpodautoscaler.autoscaling/rt replaced\n",
    );
    let v2 = (await kube(c, "GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/rt"))
      .body as Obj;
    expect(v2.spec).toEqual({
      scaleTargetRef: ref,
      minReplicas: 1,
      maxReplicas: 9,
      metrics: [cpu(70), memory, pods],
      behavior: defaulted,
    });
    expect(v2.metadata.annotations).toEqual({ team: "a" });

    // A merge patch in v1 changes the CPU target only.
    expect(
      await ok(c, [
        "patch",
        "horizontalpodautoscalers.v1.autoscaling",
        "rt",
        "--type=merge",
        "-p",
        '{"spec":{"targetCPUUtilizationPercentage":55}}',
      ]),
    ).toBe("horizontalpodautoscaler.autoscaling/rt patched\n");
    v2 = (await kube(c, "GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/rt"))
      .body as Obj;
    expect(v2.spec.metrics).toEqual([cpu(55), memory, pods]);
    expect(v2.spec.behavior).toEqual(defaulted);

    // A JSON patch that drops the CPU target leaves the other metrics.
    const jp = await kube(
      c,
      "PATCH",
      "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/rt",
      [{ op: "remove", path: "/spec/targetCPUUtilizationPercentage" }],
      { "content-type": "application/json-patch+json" },
    );
    expect(jp.status).toBe(200);
    expect((jp.body as Obj).apiVersion).toBe("autoscaling/v1");
    expect((jp.body as Obj).spec.targetCPUUtilizationPercentage).toBeUndefined();
    v2 = (await kube(c, "GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/rt"))
      .body as Obj;
    expect(v2.spec.metrics).toEqual([memory, pods]);

    // A stale resourceVersion through v1 is a conflict, as in v2.
    const stale = await kube(
      c,
      "PUT",
      "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/rt",
      v1,
    );
    expect(stale.status).toBe(409);
    expect((stale.body as Obj).message).toBe(
      'Operation cannot be fulfilled on horizontalpodautoscalers.autoscaling "rt": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it("status written in v2 reads back in v1; LIST and WATCH in v1 answer v1 objects", async () => {
    const c = c128;
    const base = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers";
    expect(
      (
        await kube(c, "POST", base, {
          apiVersion: "autoscaling/v2",
          kind: "HorizontalPodAutoscaler",
          metadata: { name: "st" },
          spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 3, metrics: [cpu(60)] },
        })
      ).status,
    ).toBe(201);
    const cur = await settled(c, "st", looked);
    const condition = {
      type: "AbleToScale",
      status: "True",
      lastTransitionTime: "2026-01-01T00:00:00Z",
      reason: "SucceededGetScale",
      message: "the HPA controller was able to get the target's current scale",
    };
    cur.status = {
      currentReplicas: 2,
      desiredReplicas: 2,
      currentMetrics: [
        {
          type: "Resource",
          resource: { name: "cpu", current: { averageUtilization: 41, averageValue: "20m" } },
        },
      ],
      conditions: [condition],
    };
    expect((await kube(c, "PUT", `${base}/st/status`, cur)).status).toBe(200);

    const v1 = (await kube(c, "GET", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/st"))
      .body as Obj;
    expect(v1.status).toEqual({
      currentReplicas: 2,
      desiredReplicas: 2,
      currentCPUUtilizationPercentage: 41,
    });
    expect(JSON.parse(v1.metadata.annotations["autoscaling.alpha.kubernetes.io/current-metrics"])).toEqual([
      {
        type: "Resource",
        resource: { name: "cpu", currentAverageUtilization: 41, currentAverageValue: "20m" },
      },
    ]);
    expect(JSON.parse(v1.metadata.annotations["autoscaling.alpha.kubernetes.io/conditions"])).toEqual([
      condition,
    ]);
    const t = rows(await ok(c, ["get", "horizontalpodautoscalers.v1.autoscaling", "st"]));
    expect(t[1].slice(0, 6)).toEqual(["st", "Deployment/web", "cpu: 41%/60%", "1", "3", "2"]);

    // A v1 update of the object as read keeps the status annotations out of the stored object.
    v1.spec.maxReplicas = 4;
    const put = await kube(
      c,
      "PUT",
      "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/st",
      v1,
    );
    expect(put.status).toBe(200);
    expect((put.body as Obj).spec.maxReplicas).toBe(4);
    expect(
      JSON.parse((put.body as Obj).metadata.annotations["autoscaling.alpha.kubernetes.io/conditions"]),
    ).toEqual([condition]);
    const v2 = (await kube(c, "GET", `${base}/st`)).body as Obj;
    expect(v2.metadata.annotations).toBeUndefined();
    expect(v2.spec.maxReplicas).toBe(4);

    const list = (await kube(c, "GET", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers"))
      .body as Obj;
    expect(list.apiVersion).toBe("autoscaling/v1");
    expect(list.kind).toBe("HorizontalPodAutoscalerList");
    expect(
      (list.items as Obj[]).map((i) => [
        i.apiVersion,
        i.metadata.name,
        i.spec.targetCPUUtilizationPercentage,
      ]),
    ).toEqual([["autoscaling/v1", "st", 60]]);
    // From before the status write: every event's object is in v1.
    const w = await kube(
      c,
      "GET",
      `/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers?watch=1&resourceVersion=${String(cur.metadata.resourceVersion)}&timeoutSeconds=1`,
    );
    expect(w.status).toBe(200);
    const events = w.text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Obj);
    const seen = events.map((e) => [e.type, e.object.apiVersion, e.object.spec.maxReplicas]);
    expect(seen.slice(0, 2)).toEqual([
      ["MODIFIED", "autoscaling/v1", 3],
      ["MODIFIED", "autoscaling/v1", 4],
    ]);
    // Then, perhaps, the controller's status write for the new spec (its target does not exist).
    for (const e of seen.slice(2)) expect(e).toEqual(["MODIFIED", "autoscaling/v1", 4]);
    await kube(c, "DELETE", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/st");
  });

  for (const v of ["1.28", "1.33"] as const)
    it(`kubectl ${v} apply (client and server side) and explain with an autoscaling/v1 manifest`, async () => {
      const c = v === "1.28" ? c128 : c133;
      const manifest = (max: number) =>
        YAML.stringify({
          apiVersion: "autoscaling/v1",
          kind: "HorizontalPodAutoscaler",
          metadata: { name: "applied" },
          spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: max, targetCPUUtilizationPercentage: 65 },
        });
      expect(await ok(c, ["apply", "-f", "-"], manifest(3))).toBe(
        "horizontalpodautoscaler.autoscaling/applied created\n",
      );
      expect(await ok(c, ["apply", "-f", "-"], manifest(6))).toBe(
        "horizontalpodautoscaler.autoscaling/applied configured\n",
      );
      let v2 = (
        await kube(c, "GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/applied")
      ).body as Obj;
      expect([v2.spec.maxReplicas, v2.spec.metrics]).toEqual([6, [cpu(65)]]);
      // Server-side apply over kubectl's client-side apply: the changed field is the other manager's.
      const conflict = await kubectl(c, ["apply", "--server-side", "-f", "-"], manifest(7));
      expect(conflict.code).toBe(1);
      expect(conflict.stderr).toContain(
        'error: Apply failed with 1 conflict: conflict with "kubectl-client-side-apply"',
      );
      expect(conflict.stderr).toContain(": .spec.maxReplicas\n");
      expect(await ok(c, ["apply", "--server-side", "--force-conflicts", "-f", "-"], manifest(7))).toBe(
        "horizontalpodautoscaler.autoscaling/applied serverside-applied\n",
      );
      v2 = (await kube(c, "GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/applied"))
        .body as Obj;
      expect([v2.spec.maxReplicas, v2.spec.metrics]).toEqual([7, [cpu(65)]]);
      const explain = await ok(c, [
        "explain",
        "horizontalpodautoscalers.spec.targetCPUUtilizationPercentage",
        "--api-version=autoscaling/v1",
      ]);
      expect(explain).toContain("VERSION:    v1");
      expect(explain).toContain("targetCPUUtilizationPercentage");
      await ok(c, ["delete", "horizontalpodautoscalers.v1.autoscaling", "applied"]);
    });

  it("v1 input is decoded against the v1 schema (unknown fields refused under Strict) and validated once converted", async () => {
    const r = await kube(
      c133,
      "POST",
      "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers?fieldValidation=Strict",
      {
        apiVersion: "autoscaling/v1",
        kind: "HorizontalPodAutoscaler",
        metadata: { name: "strict" },
        spec: { scaleTargetRef: ref, maxReplicas: 3, metrics: [cpu(10)] },
      },
    );
    expect(r.status).toBe(400);
    expect((r.body as Obj).message).toBe(
      'HorizontalPodAutoscaler in version "v1" cannot be handled as a HorizontalPodAutoscaler: strict decoding error: unknown field "spec.metrics"',
    );
    // Validated once converted, as kube-apiserver validates the internal object: v2 field paths.
    const bad = await kube(c133, "POST", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers", {
      apiVersion: "autoscaling/v1",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "bad" },
      spec: {
        scaleTargetRef: { kind: "Deployment" },
        minReplicas: 5,
        maxReplicas: 2,
        targetCPUUtilizationPercentage: 0,
      },
    });
    expect(bad.status).toBe(422);
    expect((bad.body as Obj).reason).toBe("Invalid");
    expect((bad.body as Obj).details.causes).toEqual([
      { reason: "FieldValueRequired", field: "spec.scaleTargetRef.name", message: "Required value" },
      {
        reason: "FieldValueInvalid",
        field: "spec.maxReplicas",
        message: "Invalid value: 2: must be greater than or equal to `minReplicas`",
      },
      {
        reason: "FieldValueInvalid",
        field: "spec.metrics[0].resource.target.averageUtilization",
        message: "Invalid value: 0: must be greater than 0",
      },
    ]);
    const wrong = await kube(
      c133,
      "POST",
      "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers",
      {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: { name: "wrong" },
        spec: { scaleTargetRef: ref, maxReplicas: 3 },
      },
    );
    expect(wrong.status).toBe(400);
    const noKind = await kube(
      c133,
      "PATCH",
      "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/nokind?fieldManager=t",
      { apiVersion: "autoscaling/v1", metadata: { name: "nokind" } },
      { "content-type": "application/apply-patch+yaml" },
    );
    expect(noKind.status).toBe(400);
    expect((noKind.body as Obj).message).toMatch(/^Object 'Kind' is missing in '/);
    expect((wrong.body as Obj).message).toBe(
      "the API version in the data (autoscaling/v2) does not match the expected API version (autoscaling/v1)",
    );
  });
});
