// Deletion that waits, with the real kubectl: a foreground owner stays (deletionTimestamp,
// foregroundDeletion) while a dependent that blocks owner deletion is held by a finalizer, and a
// terminating namespace says what it waits for in the namespace controller's conditions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  type KubeCluster,
  kube,
  kubectl,
  kubectlOk,
  manifestFile,
  type Obj,
  startKubeEmulator,
} from "../kube/kube-helpers.js";
import { makeCluster, until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;

beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await makeCluster(emu, "deletion", { count: 1, version: "1.33" });
});
afterAll(async () => {
  await emu?.close();
});

const HOLD = '{"metadata":{"finalizers":["example.com/hold"]}}';
const RELEASE = '{"metadata":{"finalizers":null}}';
const get = async (args: string[]) => {
  const r = await kubectl(c, [...args, "-o", "json"]);
  return r.code === 0 ? JSON.parse(r.stdout) : undefined;
};

describe("deletion that waits", () => {
  it("kubectl delete pod: Terminating with its grace period, then the kubelet stops it (Killing) and deletes it", async () => {
    await kubectlOk(c, ["run", "gr", "--image=nginx"]);
    await kubectlOk(c, ["wait", "--for=condition=Ready", "pod/gr", "--timeout=30s"]);
    // The watch sees the pod Terminating before it is gone: the delete waits for the watch's
    // first line (a fixed pause lost the race on a loaded machine: kubectl listed after the delete).
    let started: () => void = () => undefined;
    const listed = new Promise<void>((r) => {
      started = r;
    });
    const watch = kubectl(
      c,
      ["get", "pod", "gr", "--watch", "--output-watch-events", "--request-timeout=8s"],
      undefined,
      (chunk) => {
        if (/\bgr\b/.test(chunk)) started();
      },
    );
    await listed;
    await kubectlOk(c, ["delete", "pod", "gr"]);
    expect((await kubectl(c, ["get", "pod", "gr"])).code).toBe(1);
    const lines = (await watch).stdout.split("\n").filter((l) => /\bgr\b/.test(l));
    // Terminating, then terminal (its containers exited), then gone.
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(["ADDED", "MODIFIED", "MODIFIED", "DELETED"]);
    expect(lines[1]).toContain("Terminating");
    expect(lines[2]).toMatch(/0\/1\s+Terminating/);
    const events = await kubectlOk(c, [
      "get",
      "events",
      "--field-selector",
      "involvedObject.name=gr,reason=Killing",
      "-o",
      "jsonpath={.items[*].message}|{.items[*].source.component}",
    ]);
    expect(events).toBe("Stopping container gr|kubelet");
  });

  it("a stopped pod is terminal before it goes: a finalizer keeps it, Succeeded, its containers terminated", async () => {
    await kubectlOk(c, ["run", "held", "--image=nginx"]);
    await kubectlOk(c, ["wait", "--for=condition=Ready", "pod/held", "--timeout=30s"]);
    await kubectlOk(c, ["patch", "pod", "held", "--type=merge", "-p", HOLD]);
    await kubectlOk(c, ["delete", "pod", "held", "--wait=false"]);
    const stopped = await until(async () => {
      const p = await get(["get", "pod", "held"]);
      return p?.status?.phase === "Succeeded" ? p : undefined;
    });
    expect(stopped.metadata.deletionGracePeriodSeconds).toBe(0);
    expect(stopped.status.containerStatuses[0].state.terminated).toMatchObject({
      exitCode: 0,
      reason: "Completed",
    });
    expect(stopped.status.conditions.find((x: Obj) => x.type === "Ready").status).toBe("False");
    const row = (await kubectlOk(c, ["get", "pod", "held", "--no-headers"])).trim().split(/\s+/);
    expect(row.slice(0, 3)).toEqual(["held", "0/1", "Terminating"]);
    await kubectlOk(c, ["patch", "pod", "held", "--type=merge", "-p", RELEASE]);
    await until(async () => ((await kubectl(c, ["get", "pod", "held"])).code === 1 ? true : undefined));
  });

  it("a foreground-deleted Deployment stays until its pod, held by a finalizer, is gone", async () => {
    await kubectlOk(c, ["create", "deployment", "fz", "--image=nginx"]);
    const pod = await until(async () => (await get(["get", "pods", "-l", "app=fz"]))?.items?.[0]);
    const name = pod.metadata.name;
    await kubectlOk(c, ["patch", "pod", name, "--type=merge", "-p", HOLD]);
    await kubectlOk(c, ["delete", "deploy", "fz", "--cascade=foreground", "--wait=false"]);
    // The pod is terminating; the ReplicaSet and Deployment wait for it.
    await until(async () =>
      (await get(["get", "pod", name]))?.metadata?.deletionTimestamp ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 1000));
    const d = await get(["get", "deploy", "fz"]);
    expect(d?.metadata.deletionTimestamp).toBeDefined();
    expect(d?.metadata.finalizers).toEqual(["foregroundDeletion"]);
    expect((await get(["get", "rs", "-l", "app=fz"]))?.items).toHaveLength(1);
    await kubectlOk(c, ["patch", "pod", name, "--type=merge", "-p", RELEASE]);
    await until(async () => ((await kubectl(c, ["get", "deploy", "fz"])).code === 1 ? true : undefined));
    expect((await get(["get", "rs", "-l", "app=fz"]))?.items).toEqual([]);
  });

  it("a foreground cascade deletes the pods gracefully (no foregroundDeletion on a leaf); the owners wait for them", async () => {
    await kubectlOk(c, ["create", "deployment", "fgc", "--image=nginx", "--replicas=2"]);
    await kubectlOk(c, ["rollout", "status", "deployment/fgc", "--timeout=30s"]);
    await kubectlOk(c, ["delete", "deployment", "fgc", "--cascade=foreground", "--wait=false"]);
    const terminating = await until(async () => {
      const l = await get(["get", "pods", "-l", "app=fgc"]);
      const t = (l?.items ?? []).filter((p: Obj) => p.metadata.deletionTimestamp);
      return t.length === 2 ? t : undefined;
    });
    for (const p of terminating) {
      expect(p.metadata.finalizers).toBeUndefined();
      expect(p.metadata.deletionGracePeriodSeconds).toBe(30);
    }
    await until(async () => ((await kubectl(c, ["get", "deploy", "fgc"])).code === 1 ? true : undefined));
    const killed = await kubectlOk(c, [
      "get",
      "events",
      "--field-selector",
      "reason=Killing",
      "-o",
      "jsonpath={range .items[*]}{.involvedObject.name}{'\\n'}{end}",
    ]);
    for (const p of terminating) expect(killed).toContain(p.metadata.name);
  });

  it("a terminating namespace names the resources and finalizers it waits for", async () => {
    await kubectlOk(c, ["create", "namespace", "fin"]);
    await kubectlOk(c, ["create", "configmap", "kept", "-n", "fin", "--from-literal=a=b"]);
    await kubectlOk(c, ["patch", "configmap", "kept", "-n", "fin", "--type=merge", "-p", HOLD]);
    await kubectlOk(c, ["delete", "namespace", "fin", "--wait=false"]);
    const ns = await until(async () => {
      const n = await get(["get", "namespace", "fin"]);
      return n?.status?.conditions?.length === 5 ? n : undefined;
    });
    expect(ns.status.phase).toBe("Terminating");
    expect(
      ns.status.conditions.map((x: Record<string, string>) => [x.type, x.status, x.reason, x.message]),
    ).toEqual([
      [
        "NamespaceDeletionDiscoveryFailure",
        "False",
        "ResourcesDiscovered",
        "All resources successfully discovered",
      ],
      [
        "NamespaceDeletionGroupVersionParsingFailure",
        "False",
        "ParsedGroupVersions",
        "All legacy kube types successfully parsed",
      ],
      [
        "NamespaceDeletionContentFailure",
        "False",
        "ContentDeleted",
        "All content successfully deleted, may be waiting on finalization",
      ],
      [
        "NamespaceContentRemaining",
        "True",
        "SomeResourcesRemain",
        "Some resources are remaining: configmaps. has 1 resource instances",
      ],
      [
        "NamespaceFinalizersRemaining",
        "True",
        "SomeFinalizersRemain",
        "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances",
      ],
    ]);
    const described = await kubectlOk(c, ["describe", "namespace", "fin"]);
    expect(described).toContain("Status:       Terminating");
    await kubectlOk(c, ["patch", "configmap", "kept", "-n", "fin", "--type=merge", "-p", RELEASE]);
    await until(async () => ((await kubectl(c, ["get", "namespace", "fin"])).code === 1 ? true : undefined));
  });
});

describe("delete options", () => {
  it("are validated as ValidateDeleteOptions does: one 422 naming each problem, nothing deleted", async () => {
    await kubectlOk(c, ["create", "configmap", "keep"]);
    const path = "/api/v1/namespaces/default/configmaps/keep";
    const r = await kube(c, "DELETE", `${path}?dryRun=Maybe&propagationPolicy=Foo`);
    expect([r.status, (r.body as { message?: string }).message]).toEqual([
      422,
      'DeleteOptions.meta.k8s.io "" is invalid: [propagationPolicy: Unsupported value: "Foo": supported values: "Foreground", "Background", "Orphan", "nil", dryRun: Unsupported value: []string{"Maybe"}: supported values: "All"]',
    ]);
    const both = await kube(c, "DELETE", path, { orphanDependents: true, propagationPolicy: "Orphan" });
    expect([both.status, (both.body as { message?: string }).message]).toEqual([
      422,
      'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set',
    ]);
    const coll = await kube(c, "DELETE", "/api/v1/namespaces/default/configmaps?dryRun=Maybe");
    expect(coll.status).toBe(422);
    expect((await kube(c, "GET", path)).status).toBe(200);
  });

  it("a grace period that is not an int64 is a 400 in Go's words, never a crash", async () => {
    await kubectlOk(c, ["run", "opts", "--image=nginx"]);
    const del = (q: string, body?: unknown) =>
      kube(c, "DELETE", `/api/v1/namespaces/default/pods/opts?dryRun=All${q}`, body);
    const cases: [Promise<{ status: number; body: unknown }>, string][] = [
      [del("&gracePeriodSeconds=abc"), 'strconv.ParseInt: parsing "abc": invalid syntax'],
      [
        del("&gracePeriodSeconds=99999999999999999999"),
        'strconv.ParseInt: parsing "99999999999999999999": value out of range',
      ],
      [
        del("", { gracePeriodSeconds: "x" }),
        "json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64",
      ],
      [
        del("", { gracePeriodSeconds: 1.5 }),
        "json: cannot unmarshal number 1.5 into Go struct field DeleteOptions.gracePeriodSeconds of type int64",
      ],
    ];
    for (const [r, message] of cases) {
      const got = await r;
      expect([got.status, (got.body as { message?: string }).message]).toEqual([400, message]);
    }
    // The largest int64 is a grace period too: the deadline is as late as a date goes. Only a
    // scheduled pod is deleted gracefully; an unscheduled one goes at once, stamped now.
    await kubectlOk(c, ["wait", "--for=condition=PodScheduled", "pod/opts", "--timeout=30s"]);
    const far = await del("&gracePeriodSeconds=9223372036854775807");
    expect(far.status).toBe(200);
    expect((far.body as { metadata: { deletionTimestamp: string } }).metadata.deletionTimestamp).toMatch(
      /^\+?\d{4,6}-/,
    );
  });
});

describe("pods bound to a node that does not exist (PodGC)", () => {
  it("a delete completes at once; left alone, the pod is failed and removed after the 40 s quarantine", async () => {
    const ghost = (name: string) =>
      manifestFile(`apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  nodeName: no-such-node
  containers: [{name: c, image: nginx}]
`);
    await kubectlOk(c, ["apply", "-f", ghost("ghost-a")]);
    await kubectlOk(c, ["apply", "-f", ghost("ghost-b")]);
    const t0 = Date.now();
    const watch = kubectl(c, ["get", "pod", "ghost-b", "--watch", "-o", "json", "--request-timeout=50s"]);
    await kubectlOk(c, ["delete", "pod", "ghost-a", "--wait=false"]);
    await until(
      async () => ((await kubectl(c, ["get", "pod", "ghost-a"])).code === 1 ? true : undefined),
      30_000,
    );
    expect(Date.now() - t0).toBeLessThan(30_000);
    await new Promise((r) => setTimeout(r, 15_000));
    expect((await kubectl(c, ["get", "pod", "ghost-b"])).code).toBe(0);
    await until(
      async () => ((await kubectl(c, ["get", "pod", "ghost-b"])).code === 1 ? true : undefined),
      60_000,
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40_000);
    const seen = (await watch).stdout;
    expect(seen).toContain('"reason": "DeletionByPodGC"');
    expect(seen).toContain('"message": "PodGC: node no longer exists"');
  }, 120_000);
});

describe("NoExecute taints (the taint eviction controller)", () => {
  it("evict the pods that do not tolerate them, after tolerationSeconds those that do for a while, never those that do for good", async () => {
    await kubectlOk(c, ["create", "namespace", "taints"]);
    const pod = (name: string, toleration?: string) =>
      manifestFile(`apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: taints}
spec:
  containers: [{name: c, image: nginx}]
${toleration ? `  tolerations: [${toleration}]\n` : ""}`);
    await kubectlOk(c, ["apply", "-f", pod("plain")]);
    await kubectlOk(c, [
      "apply",
      "-f",
      pod("brief", "{key: drain, operator: Exists, effect: NoExecute, tolerationSeconds: 2}"),
    ]);
    await kubectlOk(c, [
      "apply",
      "-f",
      pod("patient", "{key: drain, operator: Exists, effect: NoExecute, tolerationSeconds: 3600}"),
    ]);
    await kubectlOk(c, ["apply", "-f", pod("forever", "{key: drain, operator: Exists, effect: NoExecute}")]);
    await kubectlOk(c, ["wait", "-n", "taints", "--for=condition=Ready", "pod", "--all", "--timeout=30s"]);
    const node = (await kubectlOk(c, ["get", "nodes", "-o", "jsonpath={.items[0].metadata.name}"])).trim();
    const names = async () =>
      (
        await kubectlOk(c, ["get", "pods", "-n", "taints", "-o", "jsonpath={.items[*].metadata.name}"])
      ).trim();
    try {
      await kubectlOk(c, ["taint", "node", node, "drain=now:NoExecute"]);
      await until(async () => ((await names()) === "brief forever patient" ? true : undefined));
      const plainEvents = await kubectlOk(c, [
        "get",
        "events",
        "-n",
        "taints",
        "--field-selector",
        "involvedObject.name=plain",
        "-o",
        "jsonpath={range .items[*]}{.reason}/{.source.component}: {.message}{'\\n'}{end}",
      ]);
      expect(plainEvents).toContain(
        "TaintManagerEviction/taint-eviction-controller: Marking for deletion Pod taints/plain\n",
      );
      expect(plainEvents).toContain("Killing/kubelet: Stopping container c\n");
      // Tolerating for 2 s: gone after them.
      await until(async () => ((await names()) === "forever patient" ? true : undefined));
      // The taint goes: the booked eviction of the patient pod is cancelled.
      await kubectlOk(c, ["taint", "node", node, "drain-"]);
      const cancelled = await until(async () => {
        const r = await kubectlOk(c, [
          "get",
          "events",
          "-n",
          "taints",
          "--field-selector",
          "involvedObject.name=patient,reason=TaintManagerEviction",
          "-o",
          "jsonpath={.items[*].message}",
        ]);
        return r.includes("Cancelling") ? r : undefined;
      });
      expect(cancelled).toBe("Cancelling deletion of Pod taints/patient");
      expect(await names()).toBe("forever patient");
    } finally {
      await kubectl(c, ["taint", "node", node, "drain-"]);
    }
  });
});
