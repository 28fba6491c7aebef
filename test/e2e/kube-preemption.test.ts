// kube-scheduler's priority behaviour with the machine's real kubectl: a node full of
// priority-0 pods, a pod of a PriorityClass with preemptionPolicy Never that stays Pending, and
// a high-priority pod that preempts exactly one of them — DisruptionTarget, graceful delete, the
// `Preempted` event, status.nominatedNodeName — then runs there, while the ReplicaSet's
// replacement waits with no victim to take.
import { spawn } from "node:child_process";
import path from "node:path";
import type { Pod } from "kubernetes-types/core/v1.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import { type KubeCluster, kubectlOk, type Obj, startKubeEmulator } from "../kube/kube-helpers.js";
import { makeCluster, pods, until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;

beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await makeCluster(emu, "preempt", { count: 1, version: "1.33" });
});
afterAll(async () => {
  await emu?.close();
});

/** A cpu quantity in millicores ("250m", "1", "0.5"). */
const milli = (q: string | undefined) =>
  !q ? 0 : q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000;

/** The pod's cpu request as the scheduler counts it: its containers, or its largest init container. */
const podCpu = (p: Pod) =>
  Math.max(
    (p.spec?.containers ?? []).reduce((sum, ct) => sum + milli(ct.resources?.requests?.cpu as string), 0),
    ...(p.spec?.initContainers ?? []).map((ct) => milli(ct.resources?.requests?.cpu as string)),
  );

const pc = (name: string, value: number, extra: Obj = {}) =>
  JSON.stringify({
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name },
    value,
    ...extra,
  });

const podManifest = (name: string, cls: string, cpu: number) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      priorityClassName: cls,
      containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: `${cpu}m` } } }],
    },
  });

/** `kubectl get pods -w -o json` in default, running until stopped: every version it printed. */
function watchPods(): { ready: () => Promise<boolean>; stop: () => Promise<Pod[]> } {
  const home = path.join(path.dirname(c.kubeconfigPath), "home");
  const child = spawn(
    "/usr/bin/kubectl",
    ["get", "pods", "-n", "default", "-w", "-o", "json", "--cache-dir", path.join(home, "cache")],
    { env: { ...process.env, KUBECONFIG: c.kubeconfigPath, HOME: home } },
  );
  let out = "";
  child.stdout.on("data", (d) => {
    out += String(d);
  });
  return {
    // The initial list printed: the watch is on.
    ready: () => until(async () => (out.includes('"name": "calm"') ? true : undefined)),
    stop: async () => {
      // The last change printed before the watch goes.
      await new Promise((r) => setTimeout(r, 500));
      child.kill();
      // Each object is printed whole, its braces at the start of a line.
      return out
        .split(/\n(?=\{)/)
        .filter((s) => s.trim())
        .map((s) => JSON.parse(s) as Pod);
    },
  };
}

const events = async (reason: string, involved?: string): Promise<Obj[]> => {
  const sel = [`reason=${reason}`, ...(involved ? [`involvedObject.name=${involved}`] : [])].join(",");
  const out = JSON.parse(await kubectlOk(c, ["get", "events", "--field-selector", sel, "-o", "json"]));
  return (out.items as Obj[]).sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)));
};

describe("preemption", () => {
  it("a high-priority pod preempts the fewest lower-priority pods; a Never pod waits", async () => {
    // The system add-ons placed first: what is left on the one node is shared by three fillers.
    const nodeName = await kubectlOk(c, ["get", "nodes", "-o", "jsonpath={.items[0].metadata.name}"]);
    const allocatable = milli(
      await kubectlOk(c, ["get", "node", nodeName, "-o", "jsonpath={.status.allocatable.cpu}"]),
    );
    const system = await until(async () => {
      const list = await pods(c);
      return list.length && list.every((p) => p.spec?.nodeName === nodeName) ? list : undefined;
    }, 60_000);
    const free = allocatable - system.reduce((sum, p) => sum + podCpu(p), 0);
    const share = Math.floor(free / 3);
    expect(share).toBeGreaterThan(100);
    await kubectlOk(
      c,
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "filler" },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: "filler" } },
          template: {
            metadata: { labels: { app: "filler" } },
            spec: {
              terminationGracePeriodSeconds: 5,
              containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: `${share}m` } } }],
            },
          },
        },
      }),
    );
    const fillers = await until(async () => {
      const list = await pods(c, "default", "app=filler");
      return list.length === 3 && list.every((p) => p.status?.phase === "Running") ? list : undefined;
    });
    expect(fillers.map((p) => p.spec?.priority)).toEqual([0, 0, 0]);

    await kubectlOk(c, ["apply", "-f", "-"], pc("urgent", 1000000));
    await kubectlOk(c, ["apply", "-f", "-"], pc("urgent-polite", 1000000, { preemptionPolicy: "Never" }));

    // preemptionPolicy Never: Pending with the plugin's reason, and nobody is preempted.
    await kubectlOk(c, ["create", "-f", "-"], podManifest("calm", "urgent-polite", share));
    const neverMsg =
      "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.";
    await until(async () => {
      const e = await events("FailedScheduling", "calm");
      return e.length ? e : undefined;
    });
    expect((await events("FailedScheduling", "calm")).map((e) => e.message)).toEqual([neverMsg]);
    expect(await events("Preempted")).toEqual([]);

    // The high-priority pod: one filler must go (any one frees `share`), and only one. The
    // simulated containers stop a second after the signal: a watch sees every step.
    const watch = watchPods();
    await watch.ready();
    await kubectlOk(c, ["create", "-f", "-"], podManifest("urgent", "urgent", share));
    const uid = await kubectlOk(c, ["get", "pod", "urgent", "-o", "jsonpath={.metadata.uid}"]);
    // Once the victim is gone the preemptor runs on that node.
    const running = await until(async () => {
      const p = JSON.parse(await kubectlOk(c, ["get", "pod", "urgent", "-o", "json"])) as Pod;
      return p.status?.phase === "Running" ? p : undefined;
    }, 45_000);
    expect(running.spec?.nodeName).toBe(nodeName);
    const seen = await watch.stop();
    // Before binding, it waited nominated to the node its victim was leaving.
    const nominated = seen.filter((p) => p.metadata?.name === "urgent" && p.status?.nominatedNodeName);
    expect(nominated.length).toBeGreaterThan(0);
    expect(nominated[0].status?.nominatedNodeName).toBe(nodeName);
    expect(nominated[0].spec?.nodeName).toBeUndefined();
    const going = seen.filter((p) => p.metadata?.labels?.app === "filler" && p.metadata?.deletionTimestamp);
    const victims = [...new Set(going.map((p) => p.metadata?.name))];
    expect(victims).toHaveLength(1);
    const victim = victims[0] ?? "";
    expect(fillers.map((p) => p.metadata?.name)).toContain(victim);
    // It was marked before it went: DisruptionTarget, then a graceful delete (grace 5 s).
    expect(going[0].metadata?.deletionGracePeriodSeconds).toBe(5);
    expect(going[0].status?.conditions?.find((x) => x.type === "DisruptionTarget")).toMatchObject({
      status: "True",
      reason: "PreemptionByScheduler",
      message: "default-scheduler: preempting to accommodate a higher priority pod",
    });

    const preempted = await events("Preempted");
    expect(preempted.map((e) => [e.involvedObject.name, e.type, e.message])).toEqual([
      [victim, "Normal", `Preempted by pod ${uid} on node ${nodeName}`],
    ]);
    // First the preemption's attempt (nothing appended: it nominated a node), then the waits
    // while the victim terminated.
    expect((await events("FailedScheduling", "urgent")).map((e) => e.message)).toEqual([
      "0/1 nodes are available: 1 Insufficient cpu.",
      "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to a terminating pod on the nominated node.",
    ]);
    expect((await events("Scheduled", "urgent")).map((e) => e.message)).toEqual([
      `Successfully assigned default/urgent to ${nodeName}`,
    ]);

    // The two other fillers were left alone; the victim's replacement finds no room and no
    // victim, and the Never pod still waits — the room went to the nominated pod.
    const after = await until(async () => {
      const list = await pods(c, "default", "app=filler");
      const pending = list.filter((p) => p.status?.phase === "Pending");
      const msg = pending[0]?.status?.conditions?.find((x) => x.type === "PodScheduled")?.message;
      return list.length === 3 && pending.length === 1 && msg ? list : undefined;
    });
    const survivors = after.filter((p) => p.status?.phase === "Running").map((p) => p.metadata?.name);
    expect(survivors.sort()).toEqual(
      fillers
        .map((p) => p.metadata?.name)
        .filter((n) => n !== victim)
        .sort(),
    );
    const replacement = after.find((p) => p.status?.phase === "Pending");
    expect(replacement?.status?.conditions?.find((x) => x.type === "PodScheduled")?.message).toBe(
      "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
    );
    const calm = JSON.parse(await kubectlOk(c, ["get", "pod", "calm", "-o", "json"])) as Pod;
    expect(calm.status?.phase).toBe("Pending");
    expect(calm.spec?.nodeName).toBeUndefined();
    expect(calm.status?.nominatedNodeName).toBeUndefined();
    expect(calm.status?.conditions?.find((x) => x.type === "PodScheduled")?.message).toBe(neverMsg);
    expect(await events("Preempted")).toHaveLength(1);
  }, 120_000);
});
