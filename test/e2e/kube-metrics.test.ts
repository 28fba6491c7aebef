// The resource metrics API (metrics.k8s.io/v1beta1) and `kubectl top` with the machine's real
// kubectl: APIServices as a cluster lists them, metrics-server's NodeMetrics/PodMetrics computed
// from the pods (idle 1m / 1Mi per container, or the aksnet.io/*-usage annotations), and what
// kubectl prints from them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { milliValue, unitValue } from "../../src/kube/workloads/quantity.js";
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
  c = await createCluster(emu, "metrics", "1.33", "metrics-rg");
});
afterAll(async () => {
  await emu?.close();
});

const ok = (args: string[], input?: string) => kubectlOk(c, args, input);

async function until<T>(what: string, probe: () => Promise<T | undefined>, tries = 300): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const metricsAvailable = () =>
  until("the metrics APIService to be Available", async () => {
    const r = await kube(c, "GET", "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io");
    const cond = ((r.body as Obj).status?.conditions ?? []) as Obj[];
    return cond.some((x) => x.type === "Available" && x.status === "True") ? true : undefined;
  });

const LOADED = `apiVersion: v1
kind: Pod
metadata:
  name: loaded
  labels: {app: loaded}
  annotations:
    aksnet.io/cpu-usage: 300m
    aksnet.io/memory-usage: 100Mi
    aksnet.io/cpu-usage.sidecar: 50m
spec:
  containers:
  - name: web
    image: nginx
    resources: {requests: {cpu: 200m, memory: 64Mi}}
  - name: sidecar
    image: busybox
    resources: {requests: {cpu: 100m}}
`;

describe("metrics API and kubectl top", () => {
  it("kubectl get apiservices: one Local per served group/version and v1beta1.metrics.k8s.io → kube-system/metrics-server", async () => {
    await metricsAvailable();
    const r = rows(await ok(["get", "apiservices"]));
    expect(r[0]).toEqual(["NAME", "SERVICE", "AVAILABLE", "AGE"]);
    const byName = new Map(r.slice(1).map((x) => [x[0], x.slice(1, 3)]));
    expect(byName.get("v1.")).toEqual(["Local", "True"]);
    expect(byName.get("v1.apps")).toEqual(["Local", "True"]);
    expect(byName.get("v2.autoscaling")).toEqual(["Local", "True"]);
    expect(byName.get("v1beta1.metrics.k8s.io")).toEqual(["kube-system/metrics-server", "True"]);
    // certificates.k8s.io, node.k8s.io and flowcontrol.apiserver.k8s.io among them.
    expect(byName.get("v1.flowcontrol.apiserver.k8s.io")).toEqual(["Local", "True"]);
    expect(r.length - 1).toBe(22);
    const m = (await kube(c, "GET", "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io"))
      .body as Obj;
    expect(m.spec).toEqual({
      service: { namespace: "kube-system", name: "metrics-server", port: 443 },
      group: "metrics.k8s.io",
      version: "v1beta1",
      insecureSkipTLSVerify: true,
      groupPriorityMinimum: 100,
      versionPriority: 100,
    });
    expect((m.status.conditions as Obj[]).map((x) => [x.type, x.status, x.reason, x.message])).toEqual([
      ["Available", "True", "Passed", "all checks passed"],
    ]);
  });

  it("discovery lists metrics.k8s.io/v1beta1 nodes and pods, get/list only; writes and watches are refused", async () => {
    const rl = (await kube(c, "GET", "/apis/metrics.k8s.io/v1beta1")).body as Obj;
    expect(rl.resources).toEqual([
      { name: "nodes", singularName: "", namespaced: false, kind: "NodeMetrics", verbs: ["get", "list"] },
      { name: "pods", singularName: "", namespaced: true, kind: "PodMetrics", verbs: ["get", "list"] },
    ]);
    const post = await kube(c, "POST", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", {
      metadata: { name: "x" },
    });
    expect([post.status, (post.body as Obj).reason, (post.body as Obj).message]).toEqual([
      405,
      "MethodNotAllowed",
      "the server does not allow this method on the requested resource",
    ]);
    const w = await kube(c, "GET", "/apis/metrics.k8s.io/v1beta1/nodes?watch=true");
    expect([w.status, (w.body as Obj).message]).toEqual([
      405,
      'watch is not supported on resources of kind "nodes.metrics.k8s.io"',
    ]);
    const bad = await kube(c, "GET", "/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=spec.nodeName%3Dx");
    expect([bad.status, (bad.body as Obj).message]).toEqual([
      400,
      "field label not supported: spec.nodeName",
    ]);
    const gone = await kube(c, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope");
    expect([gone.status, (gone.body as Obj).message]).toEqual([404, 'pods "nope" not found']);
  });

  it("an annotated pod's usage: kubectl top pod --containers, PodMetrics, and the node's sum in kubectl top node", async () => {
    await metricsAvailable();
    await ok(["apply", "-f", "-"], LOADED);
    await until("the pod to run", async () => {
      const p = (await kube(c, "GET", "/api/v1/namespaces/default/pods/loaded")).body as Obj;
      return p.status?.phase === "Running" ? true : undefined;
    });
    // 300m for the pod: the sidecar's own 50m, the 250m left to web; memory by request (web only).
    expect(rows(await ok(["top", "pod", "loaded", "--containers"]))).toEqual([
      ["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"],
      ["loaded", "sidecar", "50m", "0Mi"],
      ["loaded", "web", "250m", "100Mi"],
    ]);
    expect(rows(await ok(["top", "pod", "-l", "app=loaded"]))).toEqual([
      ["NAME", "CPU(cores)", "MEMORY(bytes)"],
      ["loaded", "300m", "100Mi"],
    ]);
    const pm = (await kube(c, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/loaded"))
      .body as Obj;
    expect(pm.kind).toBe("PodMetrics");
    expect(pm.metadata.labels).toEqual({ app: "loaded" });
    expect(pm.window).toBe("15s");
    expect(pm.containers).toEqual([
      { name: "web", usage: { cpu: "250m", memory: "100Mi" } },
      { name: "sidecar", usage: { cpu: "50m", memory: "0" } },
    ]);
    const byField = (
      await kube(c, "GET", "/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.name%3Dloaded")
    ).body as Obj;
    expect((byField.items as Obj[]).map((x) => `${x.metadata.namespace}/${x.metadata.name}`)).toEqual([
      "default/loaded",
    ]);
    // The node: 12 idle system containers (1m, 1Mi each) + the pod's 300m and 100Mi.
    const nodes = (await kube(c, "GET", "/api/v1/nodes")).body as Obj;
    const node = nodes.items[0] as Obj;
    const systemPods = ((await kube(c, "GET", "/api/v1/namespaces/kube-system/pods")).body as Obj).items
      .length;
    const cpuMilli = 300 + systemPods;
    const memMi = 100 + systemPods;
    const alloc = node.status.allocatable as Obj;
    const allocMilli = milliValue(alloc.cpu);
    const allocMi = unitValue(alloc.memory) / 2 ** 20;
    const top = rows(await ok(["top", "node", "--sort-by=cpu"]));
    expect(top).toEqual([
      ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"],
      [
        node.metadata.name,
        `${cpuMilli}m`,
        `${Math.floor((cpuMilli * 100) / allocMilli)}%`,
        `${memMi}Mi`,
        `${Math.floor((memMi * 100) / allocMi)}%`,
      ],
    ]);
    const nm = (await kube(c, "GET", `/apis/metrics.k8s.io/v1beta1/nodes/${node.metadata.name}`)).body as Obj;
    expect(nm.usage).toEqual({ cpu: `${cpuMilli}m`, memory: `${memMi}Mi` });
    expect(nm.metadata.labels["kubernetes.io/hostname"]).toBe(node.metadata.name);
  });

  it("kubectl get nodes.metrics.k8s.io prints metrics-server's table", async () => {
    const r = rows(await ok(["get", "pods.metrics.k8s.io", "loaded"]));
    expect(r).toEqual([
      ["NAME", "CPU", "MEMORY", "WINDOW"],
      ["loaded", "300m", "100Mi", "15s"],
    ]);
  });
});
