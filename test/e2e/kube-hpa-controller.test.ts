// The HorizontalPodAutoscaler controller with the machine's real kubectl, on pods it cannot
// compute a utilization for (just started, then without CPU requests): it keeps the target within
// [minReplicas, maxReplicas], disables itself at 0 replicas, and reports the metric as
// unreadable with upstream's conditions and events. (Scaling on metrics: kube-hpa-metrics.test.ts.)

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  createCluster,
  type KubeCluster,
  kube,
  kubectlOk,
  type Obj,
  rows,
  startKubeEmulator,
} from "../kube/kube-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;
beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await createCluster(emu, "hpactl", "1.33", "hpactl-rg");
});
afterAll(async () => {
  await emu?.close();
});

const ok = (args: string[], input?: string) => kubectlOk(c, args, input);

const HPAS = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers";
const hpa = async (name: string) => (await kube(c, "GET", `${HPAS}/${name}`)).body as Obj;
const replicasOf = async (name: string) =>
  ((await kube(c, "GET", `/apis/apps/v1/namespaces/default/deployments/${name}`)).body as Obj).spec.replicas;

/** Polls `probe` every 100 ms until it returns something defined (`tries` times at most). */
async function until<T>(what: string, probe: () => Promise<T | undefined>, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const conditionsOf = (h: Obj) =>
  ((h.status?.conditions ?? []) as Obj[]).map((x) => [x.type, x.status, x.reason, x.message]);

/** `kubectl describe`'s section under `title` (its lines up to the next unindented one). */
function section(text: string, title: string): string[] {
  const lines = text.split("\n");
  const i = lines.findIndex((l) => l.startsWith(title));
  const out: string[] = [];
  for (const l of lines.slice(i + 1)) {
    if (l && !l.startsWith(" ")) break;
    if (l.trim()) out.push(l);
  }
  return out;
}

// The pods are seconds old: none has been ready for a whole metrics window (15 s) yet.
const NO_METRICS =
  "failed to get cpu utilization: did not receive metrics for targeted pods (pods might be unready)";
// Later they count, and `kubectl create deployment` asks for no CPU.
const UNREADABLE =
  /^the HPA was unable to compute the replica count: failed to get cpu utilization: (did not receive metrics for targeted pods \(pods might be unready\)|missing request for cpu in container nginx of Pod web-[a-z0-9]+-[a-z0-9]+)$/;
const GOT_SCALE = "the HPA controller was able to get the target's current scale";

describe("HorizontalPodAutoscaler controller (no usable metric)", () => {
  it("kubectl autoscale --min=3 --max=5 scales a 1-replica Deployment to 3; describe shows upstream's conditions and events", async () => {
    expect(await ok(["create", "deployment", "web", "--image=nginx"])).toBe("deployment.apps/web created\n");
    expect(await replicasOf("web")).toBe(1);
    expect(await ok(["autoscale", "deploy", "web", "--cpu-percent=70", "--min=3", "--max=5"])).toBe(
      "horizontalpodautoscaler.autoscaling/web autoscaled\n",
    );
    // Bounds first (the Deployment goes to 3), then the metrics, which cannot be read.
    const settled = await until("the HPA to report its metrics", async () => {
      const h = await hpa("web");
      return h.status?.currentReplicas === 3 && conditionsOf(h).length === 2 ? h : undefined;
    });
    expect(await replicasOf("web")).toBe(3);
    expect(conditionsOf(settled)).toEqual([
      ["AbleToScale", "True", "SucceededGetScale", GOT_SCALE],
      [
        "ScalingActive",
        "False",
        "FailedGetResourceMetric",
        `the HPA was unable to compute the replica count: ${NO_METRICS}`,
      ],
    ]);
    expect(settled.status.desiredReplicas).toBe(3);
    expect(settled.status.currentMetrics).toEqual([{ type: "" }]);
    expect(settled.status.lastScaleTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const t = rows(await ok(["get", "hpa", "web"]));
    expect(t[0]).toEqual(["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]);
    expect(t[1].slice(0, 6)).toEqual(["web", "Deployment/web", "cpu: <unknown>/70%", "3", "5", "3"]);

    const d = await ok(["describe", "hpa", "web"]);
    expect(section(d, "Conditions:").map((l) => l.trim().split(/\s{2,}/))).toEqual([
      ["Type", "Status", "Reason", "Message"],
      ["----", "------", "------", "-------"],
      ["AbleToScale", "True", "SucceededGetScale", GOT_SCALE],
      [
        "ScalingActive",
        "False",
        "FailedGetResourceMetric",
        `the HPA was unable to compute the replica count: ${NO_METRICS}`,
      ],
    ]);
    const events = section(d, "Events:")
      .slice(2)
      .map((l) => l.trim().split(/\s{2,}/))
      .map(([type, reason, , from, message]) => [type, reason, from, message])
      // Events of the same second list in no particular order.
      .sort((x, y) => x[1].localeCompare(y[1]));
    expect(events).toEqual([
      [
        "Warning",
        "FailedComputeMetricsReplicas",
        "horizontal-pod-autoscaler",
        `invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: ${NO_METRICS}`,
      ],
      ["Warning", "FailedGetResourceMetric", "horizontal-pod-autoscaler", NO_METRICS],
      [
        "Normal",
        "SuccessfulRescale",
        "horizontal-pod-autoscaler",
        "New size: 3; reason: Current number of replicas below Spec.MinReplicas",
      ],
    ]);
    expect(d).toContain("Deployment pods:                                       3 current / 3 desired");
  });

  it("a target scaled above maxReplicas is scaled back; at 0 replicas scaling is disabled", async () => {
    expect(await ok(["scale", "deploy", "web", "--replicas=9"])).toBe("deployment.apps/web scaled\n");
    await until("the Deployment back at 5", async () => ((await replicasOf("web")) === 5 ? true : undefined));
    // Rescaled (SucceededRescale), then the next pass reads the scale within bounds again.
    const h = await until("the HPA settled at 5", async () => {
      const x = await hpa("web");
      return x.status?.currentReplicas === 5 && conditionsOf(x)[0]?.[2] === "SucceededGetScale"
        ? x
        : undefined;
    });
    expect(h.status.desiredReplicas).toBe(5);
    expect(conditionsOf(h)[1]).toEqual([
      "ScalingActive",
      "False",
      "FailedGetResourceMetric",
      expect.stringMatching(UNREADABLE),
    ]);
    const ev = (
      await kube(c, "GET", "/api/v1/namespaces/default/events?fieldSelector=reason%3DSuccessfulRescale")
    ).body as Obj;
    expect((ev.items as Obj[]).map((e) => e.message).sort()).toEqual([
      "New size: 3; reason: Current number of replicas below Spec.MinReplicas",
      "New size: 5; reason: Current number of replicas above Spec.MaxReplicas",
    ]);

    expect(await ok(["scale", "deploy", "web", "--replicas=0"])).toBe("deployment.apps/web scaled\n");
    const off = await until("scaling disabled", async () => {
      const x = await hpa("web");
      return conditionsOf(x).some((k) => k[2] === "ScalingDisabled") ? x : undefined;
    });
    expect(conditionsOf(off)).toEqual([
      ["AbleToScale", "True", "SucceededGetScale", GOT_SCALE],
      [
        "ScalingActive",
        "False",
        "ScalingDisabled",
        "scaling is disabled since the replica count of the target is zero",
      ],
    ]);
    expect(off.status.desiredReplicas).toBe(0);
    expect(off.status.currentReplicas).toBeUndefined();
    expect(await replicasOf("web")).toBe(0);
  });

  it("a missing target: AbleToScale False FailedGetScale, a FailedGetScale warning, nothing created", async () => {
    expect(await ok(["autoscale", "deploy", "web", "--name=ghost", "--min=2", "--max=4"])).toBe(
      "horizontalpodautoscaler.autoscaling/ghost autoscaled\n",
    );
    const patched = await kube(
      c,
      "PATCH",
      `${HPAS}/ghost`,
      { spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "nope" } } },
      { "content-type": "application/merge-patch+json" },
    );
    expect(patched.status).toBe(200);
    const h = await until("FailedGetScale", async () => {
      const x = await hpa("ghost");
      return conditionsOf(x).some((k) => k[2] === "FailedGetScale") ? x : undefined;
    });
    expect(conditionsOf(h)[0]).toEqual([
      "AbleToScale",
      "False",
      "FailedGetScale",
      `the HPA controller was unable to get the target's current scale: deployments.apps "nope" not found`,
    ]);
    const ev = (
      await kube(c, "GET", "/api/v1/namespaces/default/events?fieldSelector=reason%3DFailedGetScale")
    ).body as Obj;
    expect((ev.items as Obj[]).map((e) => [e.type, e.involvedObject.name, e.message])).toEqual([
      ["Warning", "ghost", 'deployments.apps "nope" not found'],
    ]);
    expect((await kube(c, "GET", "/apis/apps/v1/namespaces/default/deployments/nope")).status).toBe(404);
    // A kind the REST mapper does not know.
    await kube(
      c,
      "PATCH",
      `${HPAS}/ghost`,
      { spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Widget", name: "w" } } },
      { "content-type": "application/merge-patch+json" },
    );
    const unknown = await until("the unknown kind", async () => {
      const x = await hpa("ghost");
      return conditionsOf(x)[0]?.[3]?.includes("Widget") ? x : undefined;
    });
    expect(conditionsOf(unknown)[0]).toEqual([
      "AbleToScale",
      "False",
      "FailedGetScale",
      `the HPA controller was unable to get the target's current scale: no matches for kind "Widget" in group "apps"`,
    ]);
    await ok(["delete", "hpa", "ghost"]);
  });

  it("every 15 s sync period the HPA is looked at again: the same warning is counted on one Event", async () => {
    expect(
      (
        await kube(c, "POST", HPAS, {
          apiVersion: "autoscaling/v2",
          kind: "HorizontalPodAutoscaler",
          metadata: { name: "resync" },
          spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "absent" },
            maxReplicas: 2,
          },
        })
      ).status,
    ).toBe(201);
    const warnings = async () =>
      (
        (await kube(c, "GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dresync"))
          .body as Obj
      ).items as Obj[];
    const counted = await until(
      "a second count",
      async () => {
        const w = await warnings();
        return w.length === 1 && w[0].count === 2 ? w[0] : undefined;
      },
      250,
    );
    expect([counted.type, counted.reason, counted.message]).toEqual([
      "Warning",
      "FailedGetScale",
      'deployments.apps "absent" not found',
    ]);
    expect(Date.parse(counted.lastTimestamp) - Date.parse(counted.firstTimestamp)).toBeGreaterThanOrEqual(
      14_000,
    );
    await ok(["delete", "hpa", "resync"]);
  });

  it("autoscaling/v2 defaults: minReplicas 1, the 80% CPU metric, behavior's rules", async () => {
    const r = await kube(c, "POST", HPAS, {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "defaults" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        maxReplicas: 4,
        metrics: [],
        behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
      },
    });
    expect(r.status).toBe(201);
    const spec = (r.body as Obj).spec;
    expect(spec.minReplicas).toBe(1);
    expect(spec.metrics).toEqual([
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
      },
    ]);
    expect(spec.behavior).toEqual({
      scaleDown: {
        stabilizationWindowSeconds: 60,
        selectPolicy: "Max",
        policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
      },
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: "Max",
        policies: [
          { type: "Pods", value: 4, periodSeconds: 15 },
          { type: "Percent", value: 100, periodSeconds: 15 },
        ],
      },
    });
    // Without behavior, none is made up.
    const y = YAML.parse(
      await ok(
        ["create", "-f", "-", "--dry-run=server", "-o", "yaml"],
        [
          "apiVersion: autoscaling/v2",
          "kind: HorizontalPodAutoscaler",
          "metadata: {name: plain}",
          "spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, maxReplicas: 2}",
        ].join("\n"),
      ),
    ) as Obj;
    expect(y.spec).toEqual({
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
      minReplicas: 1,
      maxReplicas: 2,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
        },
      ],
    });
  });
});
