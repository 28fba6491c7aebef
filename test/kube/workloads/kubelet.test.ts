import type { Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import {
  activeDeadlineLeftMs,
  canonicalJson,
  fnv32a,
  formatCpu,
  formatKi,
  generateName,
  goDuration,
  imageId,
  milliValue,
  nextStage,
  normalizeImage,
  podTemplateHash,
  qosClass,
  STAGES,
  safeEncode,
  seededRng,
  simulatedLogs,
  unitValue,
} from "../../../src/kube/workloads/index.js";

const pod: Pod = {
  metadata: { name: "echoserver-hostport-75dc8d8855-4gjfc", namespace: "default", uid: "u-1" },
  spec: {
    nodeName: "aks-nodepool1-12345678-vmss000000",
    containers: [{ name: "echoserver-hostport", image: "k8s.gcr.io/echoserver:1.10" }],
  },
};
const base = {
  pod,
  node: "aks-nodepool1-12345678-vmss000000",
  hostIP: "10.224.0.4",
  podIP: "10.244.0.2",
  now: "2023-01-12T18:02:45Z",
};

describe("simulated kubelet stages", () => {
  it("Scheduled event as the scheduler words it", () => {
    const out = STAGES.Scheduled({ ...base, version: "v1.33.5" });
    expect(out.events.map((e) => [e.reason, e.message, e.source?.component])).toEqual([
      [
        "Scheduled",
        "Successfully assigned default/echoserver-hostport-75dc8d8855-4gjfc to aks-nodepool1-12345678-vmss000000",
        "default-scheduler",
      ],
    ]);
    expect(out.status.conditions?.map((c) => [c.type, c.status])).toEqual([["PodScheduled", "True"]]);
  });

  it("Running: Pulling/Pulled/Created/Started per container, 1.33 wording, conditions, statuses", () => {
    const out = STAGES.Running({ ...base, version: "v1.33.5" });
    const ev = out.events.map((e) => [e.reason, e.message, e.involvedObject.fieldPath, e.source?.host]);
    expect(ev[0]).toEqual([
      "Pulling",
      'Pulling image "k8s.gcr.io/echoserver:1.10"',
      "spec.containers{echoserver-hostport}",
      base.node,
    ]);
    expect(ev[1][1]).toMatch(
      /^Successfully pulled image "k8s\.gcr\.io\/echoserver:1\.10" in (\d+ms|\d+(\.\d+)?s) \(\1 including waiting\)\. Image size: \d+ bytes\.$/,
    );
    // The image's size is its own: another pod pulling it reports the same.
    const other = STAGES.Running({
      ...base,
      version: "v1.33.5",
      pod: { ...base.pod, metadata: { ...base.pod.metadata, name: "other", uid: "another-uid" } },
    });
    const size = (m: string) => /Image size: (\d+) bytes/.exec(m)?.[1];
    expect(size(other.events[1].message ?? "")).toBe(size(String(ev[1][1])));
    expect(ev.slice(2).map((e) => [e[0], e[1]])).toEqual([
      ["Created", "Created container: echoserver-hostport"],
      ["Started", "Started container echoserver-hostport"],
    ]);
    expect(out.status.phase).toBe("Running");
    expect(out.status.podIP).toBe("10.244.0.2");
    expect(out.status.podIPs).toEqual([{ ip: "10.244.0.2" }]);
    expect(out.status.hostIP).toBe("10.224.0.4");
    expect(out.status.startTime).toBe(base.now);
    expect(out.status.conditions?.map((c) => [c.type, c.status])).toEqual([
      ["PodReadyToStartContainers", "True"],
      ["Initialized", "True"],
      ["Ready", "True"],
      ["ContainersReady", "True"],
      ["PodScheduled", "True"],
    ]);
    const cs = out.status.containerStatuses?.[0];
    expect(cs).toMatchObject({
      name: "echoserver-hostport",
      ready: true,
      started: true,
      restartCount: 0,
      image: "k8s.gcr.io/echoserver:1.10",
    });
    expect(cs?.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(cs?.imageID).toMatch(/^k8s\.gcr\.io\/echoserver@sha256:[0-9a-f]{64}$/);
    expect(cs?.state?.running?.startedAt).toBeDefined();
  });

  it("1.35 wording, and images already on the node are not pulled again", () => {
    const out = STAGES.Running({
      ...base,
      version: "v1.35.0",
      imagesOnNode: new Set(["k8s.gcr.io/echoserver:1.10"]),
    });
    expect(out.events.map((e) => [e.reason, e.message])).toEqual([
      ["Pulled", 'Container image "k8s.gcr.io/echoserver:1.10" already present on machine'],
      ["Created", "Container created"],
      ["Started", "Container started"],
    ]);
  });

  it("before 1.33 the Created event has no colon", () => {
    const out = STAGES.Running({
      ...base,
      version: "v1.32.7",
      imagesOnNode: new Set(["k8s.gcr.io/echoserver:1.10"]),
    });
    expect(out.events.map((e) => e.message).slice(1)).toEqual([
      "Created container echoserver-hostport",
      "Started container echoserver-hostport",
    ]);
  });

  it("sandbox failure keeps the pod in ContainerCreating with the CNI's warning", () => {
    const out = STAGES.SandboxFailed({
      ...base,
      podIP: undefined,
      version: "v1.33.5",
      message: "Failed to create pod sandbox: x",
    });
    expect(out.status.phase).toBe("Pending");
    expect(out.status.podIP).toBeUndefined();
    expect(out.status.containerStatuses?.[0].state?.waiting?.reason).toBe("ContainerCreating");
    expect(out.events.map((e) => [e.type, e.reason, e.message])).toEqual([
      ["Warning", "FailedCreatePodSandBox", "Failed to create pod sandbox: x"],
    ]);
  });

  it("FailedScheduling keeps the pod Pending with PodScheduled=False/Unschedulable", () => {
    const out = STAGES.Unschedulable({
      pod: { ...pod, spec: { containers: [] } },
      version: "v1.33.5",
      now: base.now,
      message: "0/1 nodes are available: …",
    });
    expect(out.status.conditions).toEqual([
      {
        type: "PodScheduled",
        status: "False",
        lastTransitionTime: base.now,
        reason: "Unschedulable",
        message: "0/1 nodes are available: …",
      },
    ]);
    expect(out.events[0]).toMatchObject({
      type: "Warning",
      reason: "FailedScheduling",
      source: { component: "default-scheduler" },
    });
  });

  it("nextStage walks Scheduled → ContainerCreating → Running (→ Completed for run-to-completion pods)", () => {
    expect(nextStage({ ...pod, spec: { containers: [] } }, undefined)).toBeUndefined();
    expect(nextStage(pod, undefined)).toBe("Scheduled");
    const sched = { ...pod, status: STAGES.Scheduled({ ...base, version: "1.33" }).status };
    expect(nextStage(sched, undefined)).toBe("ContainerCreating");
    const creating = { ...pod, status: STAGES.ContainerCreating({ ...base, version: "1.33" }).status };
    expect(nextStage(creating, undefined)).toBe("SandboxFailed");
    expect(nextStage(creating, "10.244.0.2")).toBe("Running");
    const running = { ...pod, status: STAGES.Running({ ...base, version: "1.33" }).status };
    expect(nextStage(running, "10.244.0.2")).toBeUndefined();
    const job = {
      ...running,
      spec: { ...running.spec, containers: running.spec?.containers ?? [], restartPolicy: "Never" },
    };
    expect(nextStage(job, "10.244.0.2")).toBe("Completed");
    const done = STAGES.Completed({ ...base, pod: job, version: "1.33" }).status;
    expect(done.phase).toBe("Succeeded");
    expect(done.containerStatuses?.[0].state?.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
  });

  it("activeDeadlineSeconds: counted from startTime; past it the pod is Failed DeadlineExceeded, its containers killed", () => {
    const running = STAGES.Running({ ...base, version: "v1.33.5" });
    const p: Pod = { ...pod, spec: { ...pod.spec!, activeDeadlineSeconds: 30 }, status: running.status };
    const start = Date.parse(base.now);
    expect(activeDeadlineLeftMs(p, start + 10_000)).toBe(20_000);
    expect(activeDeadlineLeftMs(p, start + 30_000)).toBe(0);
    expect(activeDeadlineLeftMs({ ...p, spec: pod.spec }, start)).toBeUndefined();
    expect(
      activeDeadlineLeftMs({ ...p, status: { ...p.status, startTime: undefined } }, start),
    ).toBeUndefined();
    const out = STAGES.DeadlineExceeded({ ...base, pod: p, version: "v1.33.5", now: "2023-01-12T18:03:15Z" });
    expect(out.status).toMatchObject({
      phase: "Failed",
      reason: "DeadlineExceeded",
      message: "Pod was active on the node longer than the specified deadline",
      podIP: "10.244.0.2",
    });
    expect(out.status.containerStatuses?.[0]).toMatchObject({
      ready: false,
      state: { terminated: { exitCode: 0 } },
    });
    expect(out.status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ContainersNotReady",
      message: "containers with unready status: [echoserver-hostport]",
    });
    expect(out.events.map((e) => [e.type, e.reason, e.message, e.source?.component])).toEqual([
      [
        "Normal",
        "DeadlineExceeded",
        "Pod was active on the node longer than the specified deadline",
        "kubelet",
      ],
      ["Normal", "Killing", "Stopping container echoserver-hostport", "kubelet"],
    ]);
    // Finished: no deadline any more.
    expect(activeDeadlineLeftMs({ ...p, status: out.status }, start + 60_000)).toBeUndefined();
  });

  it("logs answer at once and say why they are empty; QoS classes", () => {
    expect(simulatedLogs(pod, "echoserver-hostport")).toContain("is simulated; no process runs");
    expect(qosClass(pod)).toBe("BestEffort");
    const g = { spec: { containers: [{ name: "a", resources: { limits: { cpu: "1", memory: "1Gi" } } }] } };
    expect(qosClass(g)).toBe("Guaranteed");
    const b = { spec: { containers: [{ name: "a", resources: { requests: { cpu: "1" } } }] } };
    expect(qosClass(b)).toBe("Burstable");
  });
});

describe("names, hashes, quantities", () => {
  it("FNV-32a test vectors and util/rand's safe encoding", () => {
    expect(fnv32a(new Uint8Array())).toBe(0x811c9dc5);
    expect(fnv32a(new TextEncoder().encode("a"))).toBe(0xe40c292c);
    expect(fnv32a(new TextEncoder().encode("foobar"))).toBe(0xbf9cf968);
    expect(safeEncode("0123456789")).toBe("456789bcdf");
  });

  it("pod-template-hash: stable, key-order blind, moved by any change or a collision count", () => {
    const t = { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } };
    const h = podTemplateHash(t);
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(podTemplateHash({ spec: t.spec, metadata: t.metadata })).toBe(h);
    expect(podTemplateHash({ ...t, spec: { containers: [{ name: "c", image: "nginx:2" }] } })).not.toBe(h);
    expect(podTemplateHash(t, 1)).not.toBe(h);
    expect(podTemplateHash(t, 1)).toBe(podTemplateHash(t, 1));
    expect(canonicalJson({ b: 1, a: [1, { d: undefined, c: 2 }] })).toBe('{"a":[1,{"c":2}],"b":1}');
  });

  it("generated names: base cut to 58, five safe characters, reproducible from the seed", () => {
    const a = generateName("web-7d4b9c8f5-", seededRng(42));
    expect(a).toMatch(/^web-7d4b9c8f5-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(generateName("web-7d4b9c8f5-", seededRng(42))).toBe(a);
    expect(generateName("x".repeat(70), seededRng(1))).toHaveLength(63);
  });

  it("quantities", () => {
    expect(milliValue("100m")).toBe(100);
    expect(milliValue("1.5")).toBe(1500);
    expect(milliValue(2)).toBe(2000);
    expect(milliValue("0.0001")).toBe(1);
    expect(unitValue("128Mi")).toBe(134217728);
    expect(unitValue("1G")).toBe(1e9);
    expect(unitValue("2e3")).toBe(2000);
    expect(unitValue("5402624Ki")).toBe(5402624 * 1024);
    expect(() => unitValue("12 apples")).toThrow("quantities must match the regular expression");
    expect(formatKi(7 * 2 ** 30)).toBe("7340032Ki");
    expect(formatCpu(1900)).toBe("1900m");
    expect(formatCpu(2000)).toBe("2");
    expect(goDuration(845)).toBe("845ms");
    expect(goDuration(1562)).toBe("1.562s");
    expect(goDuration(2000)).toBe("2s");
  });

  it("image references as containerd reports them", () => {
    expect(normalizeImage("nginx")).toBe("docker.io/library/nginx:latest");
    expect(normalizeImage("bitnami/redis:7")).toBe("docker.io/bitnami/redis:7");
    expect(normalizeImage("k8s.gcr.io/echoserver:1.10")).toBe("k8s.gcr.io/echoserver:1.10");
    expect(normalizeImage("localhost:5000/app")).toBe("localhost:5000/app:latest");
    expect(imageId("nginx")).toMatch(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
  });
});
