// The HorizontalPodAutoscaler on resource metrics with the machine's real kubectl: the simulated
// metrics-server reports what the pods' aksnet.io/cpu-usage annotations say, and the controller's
// replica calculator (tolerance 0.1, unready pods, requests per container) scales on it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  createCluster,
  type KubeCluster,
  kube,
  kubectlOk,
  type Obj,
  startKubeEmulator,
} from "../kube/kube-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;
beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await createCluster(emu, "hpamet", "1.33", "hpamet-rg");
});
afterAll(async () => {
  await emu?.close();
});

const ok = (args: string[], input?: string) => kubectlOk(c, args, input);
const HPAS = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers";
const hpa = async (name: string) => (await kube(c, "GET", `${HPAS}/${name}`)).body as Obj;
const replicasOf = async (name: string) =>
  ((await kube(c, "GET", `/apis/apps/v1/namespaces/default/deployments/${name}`)).body as Obj).spec.replicas;

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 120): Promise<T> {
  for (let i = 0; i < seconds * 4; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const eventsOf = async (name: string) =>
  (
    (
      (await kube(c, "GET", `/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3D${name}`))
        .body as Obj
    ).items as Obj[]
  ).map((e) => [e.type, e.reason, e.message]);

const deployment = (name: string, requests: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: nginx
        image: nginx
${requests}`;

const autoscaler = (name: string) => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: ${name}}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: ${name}}
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
  behavior:
    scaleDown: {stabilizationWindowSeconds: 0}
`;

const runningPods = async (app: string) =>
  (
    ((await kube(c, "GET", `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`)).body as Obj)
      .items as Obj[]
  )
    .filter((p) => p.status?.phase === "Running" && !p.metadata.deletionTimestamp)
    .map((p) => p.metadata.name as string);

describe("HorizontalPodAutoscaler on resource metrics", () => {
  it("pods at 90% of their CPU request against a 60% target: 2 → 3 replicas, then idle: 3 → 1", async () => {
    await ok(["apply", "-f", "-"], deployment("web", "        resources: {requests: {cpu: 100m}}\n"));
    const pods = await until("two running pods", async () => {
      const p = await runningPods("web");
      return p.length === 2 ? p : undefined;
    });
    // The load: 90m of 100m in both pods (the template stays idle, so a new pod uses 1m).
    await ok(["annotate", "pods", ...pods, "aksnet.io/cpu-usage=90m"]);
    await ok(["apply", "-f", "-"], autoscaler("web"));
    // 90% / 60% = 1.5 → ceil(1.5 × 2) = 3; then (90 + 90 + 1) / 300 = 60%: within tolerance, it stays.
    await until("the scale-up to 3", async () => ((await replicasOf("web")) === 3 ? true : undefined));
    expect(await eventsOf("web")).toContainEqual([
      "Normal",
      "SuccessfulRescale",
      "New size: 3; reason: cpu resource utilization (percentage of request) above target",
    ]);
    const up = await hpa("web");
    expect(up.status.desiredReplicas).toBe(3);
    expect(up.status.currentMetrics).toEqual([
      {
        type: "Resource",
        resource: { name: "cpu", current: { averageValue: "90m", averageUtilization: 90 } },
      },
    ]);
    expect((up.status.conditions as Obj[]).find((x) => x.type === "ScalingActive")).toMatchObject({
      status: "True",
      reason: "ValidMetricFound",
      message:
        "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
    });
    // Let the third pod run and count (15 s after it is ready), then look again: still 3.
    await until("three running pods", async () =>
      (await runningPods("web")).length === 3 ? true : undefined,
    );
    const steady = await until("the HPA to read all three pods", async () => {
      const h = await hpa("web");
      const cur = h.status?.currentMetrics?.[0]?.resource?.current;
      return cur?.averageUtilization === 60 ? h : undefined;
    });
    expect(steady.status.currentMetrics[0].resource.current).toEqual({
      averageValue: "60m",
      averageUtilization: 60,
    });
    expect(await replicasOf("web")).toBe(3);
    // The load goes: 1% of the request → minReplicas (no stabilization window in this HPA).
    await ok(["annotate", "pods", "-l", "app=web", "aksnet.io/cpu-usage-"]);
    await until("the scale-down to 1", async () => ((await replicasOf("web")) === 1 ? true : undefined));
    expect(await eventsOf("web")).toContainEqual([
      "Normal",
      "SuccessfulRescale",
      "New size: 1; reason: All metrics below target",
    ]);
  }, 240_000);

  it("a pod without a CPU request: FailedGetResourceMetric naming the container and the pod", async () => {
    await ok(["apply", "-f", "-"], deployment("bare", ""));
    const pods = await until("two running pods", async () => {
      const p = await runningPods("bare");
      return p.length === 2 ? p : undefined;
    });
    await ok(["apply", "-f", "-"], autoscaler("bare"));
    const h = await until("the HPA to fail on the request", async () => {
      const x = await hpa("bare");
      const cond = ((x.status?.conditions ?? []) as Obj[]).find((y) => y.type === "ScalingActive");
      return cond?.reason === "FailedGetResourceMetric" && /missing request/.test(cond.message)
        ? cond
        : undefined;
    });
    expect(pods).toContain(/of Pod (\S+)$/.exec(h.message)?.[1]);
    expect(h.message).toMatch(
      /^the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container nginx of Pod bare-[a-z0-9]+-[a-z0-9]+$/,
    );
    // Before the pods have counted for a whole window the calculator sees no ready pods; then the request.
    const warnings = (await eventsOf("bare")).filter(
      (e) => e[1] === "FailedGetResourceMetric" && /missing request/.test(e[2]),
    );
    expect(warnings[0]?.[2]).toMatch(
      /^failed to get cpu utilization: missing request for cpu in container nginx of Pod bare-/,
    );
    expect(await replicasOf("bare")).toBe(2);
  }, 240_000);
});
