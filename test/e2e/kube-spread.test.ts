// Pod topology spreading, driven with the machine's real kubectl against a running emulator: a
// Deployment's replicas land one per node as kube-scheduler's system default constraints place
// them (the node carrying kube-system add-ons included), and a DoNotSchedule constraint leaves
// exactly the pods it must Pending, with kube-scheduler's FailedScheduling event — by hostname
// with minDomains, and by the zones a zonal scale set gives its nodes. Invalid constraints are
// refused as kube-apiserver refuses them. Required pod affinity and anti-affinity place and
// refuse as kube-scheduler's InterPodAffinity does.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  type KubeCluster,
  kube,
  kubectl,
  manifestFile,
  type Obj,
  startKubeEmulator,
} from "../kube/kube-helpers.js";
import { makeCluster, pods, until, untilScheduled } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;

beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await makeCluster(emu, "spread", { count: 3, version: "1.33" });
  await until(async () => {
    const r = await kubectl(c, ["get", "nodes", "--no-headers"]);
    const rows = r.stdout.trim().split("\n").filter(Boolean);
    return rows.length === 3 && rows.every((l) => l.split(/\s+/)[1] === "Ready") ? true : undefined;
  });
});
afterAll(async () => {
  await emu?.close();
});

const deployment = (name: string, replicas: number, spec = "") => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:${spec}
      containers:
      - name: web
        image: nginx:1.27
`;

describe("topology spreading with kubectl", () => {
  it("a 3-replica Deployment on 3 nodes: one replica per node, the add-on node included", async () => {
    // The add-ons (coredns, metrics-server, konnectivity…) load the nodes unequally, so
    // least-allocated alone would double up on the emptiest nodes.
    const system = await pods(c, "kube-system");
    const cpu = new Map<string, number>();
    for (const p of system)
      for (const k of p.spec?.containers ?? []) {
        const q = String(k.resources?.requests?.cpu ?? "0");
        const m = q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000;
        cpu.set(p.spec?.nodeName ?? "", (cpu.get(p.spec?.nodeName ?? "") ?? 0) + m);
      }
    expect(cpu.size).toBe(3);
    expect(new Set(cpu.values()).size).toBeGreaterThan(1);
    const r = await kubectl(c, ["apply", "-f", manifestFile(deployment("web", 3))]);
    expect(r.stderr).toBe("");
    const running = await until(async () => {
      const all = (await pods(c, "default", "app=web")).filter((p) => p.status?.phase === "Running");
      return all.length === 3 ? all : undefined;
    });
    const nodes = running.map((p) => p.spec?.nodeName).sort();
    expect(new Set(nodes).size).toBe(3);
    const all = JSON.parse((await kubectl(c, ["get", "nodes", "-o", "json"])).stdout) as {
      items: { metadata: { name: string } }[];
    };
    expect(nodes).toEqual(all.items.map((n) => n.metadata.name).sort());
  });

  it("DoNotSchedule with maxSkew 1 and minDomains 4 on 3 nodes: 3 Running, 2 Pending with FailedScheduling", async () => {
    const nsr = await kubectl(c, [
      "apply",
      "-f",
      manifestFile("apiVersion: v1\nkind: Namespace\nmetadata: {name: capped}\n"),
    ]);
    expect(nsr.stderr).toBe("");
    const spec = `
      topologySpreadConstraints:
      - maxSkew: 1
        minDomains: 4
        topologyKey: kubernetes.io/hostname
        whenUnsatisfiable: DoNotSchedule
        labelSelector: {matchLabels: {app: capped}}`;
    const r = await kubectl(c, ["apply", "-n", "capped", "-f", manifestFile(deployment("capped", 5, spec))]);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("deployment.apps/capped created");
    const ps = await untilScheduled(() => pods(c, "capped"), { total: 5, running: 3, unsched: 2 });
    expect(new Set(ps.running.map((p) => p.spec?.nodeName)).size).toBe(3);
    const want =
      "0/3 nodes are available: 3 node(s) didn't match pod topology spread constraints. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
    for (const p of ps.unsched) {
      expect(p.status?.phase).toBe("Pending");
      expect(p.spec?.nodeName).toBeUndefined();
      const ev = await until(async () => {
        const e = await kubectl(c, [
          "get",
          "events",
          "-n",
          "capped",
          "--field-selector",
          `involvedObject.name=${p.metadata?.name},reason=FailedScheduling`,
          "-o",
          "jsonpath={.items[*].message}",
        ]);
        return e.stdout || undefined;
      });
      expect(ev).toBe(want);
    }
    const d = await kubectl(c, ["describe", "pod", "-n", "capped", ps.unsched[0].metadata?.name ?? ""]);
    expect(d.stdout).toMatch(
      /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/3 nodes are available: 3 node\(s\) didn't match pod topology spread constraints\./,
    );
    // Scaling to 3 leaves one per node and nothing Pending.
    const s = await kubectl(c, ["scale", "-n", "capped", "deployment/capped", "--replicas=3"]);
    expect(s.stderr).toBe("");
    const after = await until(async () => {
      const all = await pods(c, "capped");
      return all.length === 3 && all.every((p) => p.status?.phase === "Running") ? all : undefined;
    });
    expect(new Set(after.map((p) => p.spec?.nodeName)).size).toBe(3);
  });

  it("invalid constraints are refused as kube-apiserver refuses them, and nothing is created", async () => {
    const spec = `
      topologySpreadConstraints:
      - maxSkew: 0
        topologyKey: zone
        whenUnsatisfiable: ScheduleAnyway
        minDomains: 2
        labelSelector: {matchLabels: {app: bad}}
      - maxSkew: 1
        topologyKey: zone
        whenUnsatisfiable: ScheduleAnyway
        nodeTaintsPolicy: Sometimes
        matchLabelKeys: [app]
        labelSelector: {matchLabels: {app: bad}}`;
    const r = await kubectl(c, ["apply", "-f", manifestFile(deployment("bad", 1, spec))]);
    expect(r.code).toBe(1);
    // kubectl lists the Status causes one per line.
    const at = "spec.template.spec.topologySpreadConstraints";
    expect(r.stderr.trim().split("\n")).toEqual([
      'The Deployment "bad" is invalid: ',
      `* ${at}[0].maxSkew: Invalid value: 0: must be greater than zero`,
      `* ${at}[0].{topologyKey, whenUnsatisfiable}: Duplicate value: "{zone, ScheduleAnyway}"`,
      `* ${at}[0].minDomains: Invalid value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway`,
      `* ${at}[1].nodeTaintsPolicy: Unsupported value: "Sometimes": supported values: "Honor", "Ignore"`,
      `* ${at}[1].matchLabelKeys[0]: Invalid value: "app": exists in both matchLabelKeys and labelSelector`,
    ]);
    const g = await kubectl(c, ["get", "deployment", "bad"]);
    expect(g.stderr.trim()).toBe('Error from server (NotFound): deployments.apps "bad" not found');
  });
});

describe("pod affinity and anti-affinity with kubectl", () => {
  const failedScheduling = (ns: string, pod: string) =>
    until(async () => {
      const e = await kubectl(c, [
        "get",
        "events",
        "-n",
        ns,
        "--field-selector",
        `involvedObject.name=${pod},reason=FailedScheduling`,
        "-o",
        "jsonpath={.items[*].message}",
      ]);
      return e.stdout || undefined;
    });
  const namespace = async (name: string) => {
    const r = await kubectl(c, ["create", "namespace", name]);
    expect(r.stderr).toBe("");
  };

  it("required anti-affinity on the hostname: one replica per node, the fourth Pending", async () => {
    await namespace("solo");
    const spec = `
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchExpressions: [{key: app, operator: In, values: [solo]}]}
            topologyKey: kubernetes.io/hostname`;
    const r = await kubectl(c, ["apply", "-n", "solo", "-f", manifestFile(deployment("solo", 4, spec))]);
    expect(r.stderr).toBe("");
    const ps = await untilScheduled(() => pods(c, "solo"), { total: 4, running: 3, unsched: 1 });
    expect(new Set(ps.running.map((p) => p.spec?.nodeName)).size).toBe(3);
    expect(await failedScheduling("solo", ps.unsched[0].metadata?.name ?? "")).toBe(
      "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
    );
    // A pod the replicas' term selects is kept off their nodes too (their anti-affinity, not its own).
    const loner = `apiVersion: v1
kind: Pod
metadata: {name: intruder, labels: {app: solo}}
spec:
  containers: [{name: c, image: nginx:1.27}]
`;
    expect((await kubectl(c, ["apply", "-n", "solo", "-f", manifestFile(loner)])).stderr).toBe("");
    expect(await failedScheduling("solo", "intruder")).toBe(
      "0/3 nodes are available: 3 node(s) didn't satisfy existing pods anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
    );
  });

  it("a pod for another scheduler waits for it; the default scheduler leaves it alone", async () => {
    const pod = (name: string, scheduler?: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:${scheduler ? `\n  schedulerName: ${scheduler}` : ""}
  containers: [{name: c, image: nginx:1.27}]
`;
    expect((await kubectl(c, ["apply", "-f", manifestFile(pod("elsewhere", "my-scheduler"))])).stderr).toBe(
      "",
    );
    expect((await kubectl(c, ["apply", "-f", manifestFile(pod("here"))])).stderr).toBe("");
    await until(async () => {
      const here = (await pods(c, "default")).find((p) => p.metadata?.name === "here");
      return here?.status?.phase === "Running" || undefined;
    });
    const other = (await pods(c, "default")).find((p) => p.metadata?.name === "elsewhere");
    expect([other?.spec?.nodeName, other?.status?.phase, other?.status?.conditions]).toEqual([
      undefined,
      "Pending",
      undefined,
    ]);
  });

  it("terms without a topology key and weights outside 1-100 are refused as kube-apiserver refuses them", async () => {
    const spec = `
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: x}}
            topologyKey: ""
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 101
            podAffinityTerm: {labelSelector: {matchLabels: {app: x}}, topologyKey: "bad key"}`;
    const r = await kubectl(c, ["apply", "-f", manifestFile(deployment("badaff", 1, spec))]);
    expect(r.code).toBe(1);
    const at = "spec.template.spec.affinity.podAntiAffinity";
    const name =
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    expect(r.stderr.trim().split("\n")).toEqual([
      'The Deployment "badaff" is invalid: ',
      `* ${at}.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty`,
      `* ${at}.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Invalid value: "": name part must be non-empty`,
      `* ${at}.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Invalid value: "": ${name}`,
      `* ${at}.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 101: must be in the range 1-100`,
      `* ${at}.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: Invalid value: "bad key": ${name}`,
    ]);
  });

  it("required affinity: replicas follow the pod they select; with none to follow they stay Pending", async () => {
    await namespace("near");
    expect((await kubectl(c, ["apply", "-n", "near", "-f", manifestFile(deployment("db", 1))])).stderr).toBe(
      "",
    );
    const [db] = await until(async () => {
      const all = (await pods(c, "near", "app=db")).filter((p) => p.status?.phase === "Running");
      return all.length === 1 ? all : undefined;
    });
    const spec = (app: string) => `
      affinity:
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: ${app}}}
            topologyKey: kubernetes.io/hostname`;
    const r = await kubectl(c, ["apply", "-n", "near", "-f", manifestFile(deployment("api", 3, spec("db")))]);
    expect(r.stderr).toBe("");
    const api = await until(async () => {
      const all = (await pods(c, "near", "app=api")).filter((p) => p.status?.phase === "Running");
      return all.length === 3 ? all : undefined;
    });
    expect(api.map((p) => p.spec?.nodeName)).toEqual([
      db.spec?.nodeName,
      db.spec?.nodeName,
      db.spec?.nodeName,
    ]);
    const lost = await kubectl(c, [
      "apply",
      "-n",
      "near",
      "-f",
      manifestFile(deployment("lost", 1, spec("nothing"))),
    ]);
    expect(lost.stderr).toBe("");
    const ps = await untilScheduled(() => pods(c, "near", "app=lost"), { total: 1, running: 0, unsched: 1 });
    expect(await failedScheduling("near", ps.unsched[0].metadata?.name ?? "")).toBe(
      "0/3 nodes are available: 3 node(s) didn't match pod affinity rules. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
  });
});

describe("cordon", () => {
  it("a cordoned node is tainted node.kubernetes.io/unschedulable:NoSchedule until it is uncordoned", async () => {
    const node = JSON.parse((await kubectl(c, ["get", "nodes", "-o", "json"])).stdout).items[0].metadata.name;
    expect((await kubectl(c, ["cordon", node])).stdout).toBe(`node/${node} cordoned\n`);
    const taint = await until(async () => {
      const n = JSON.parse((await kubectl(c, ["get", "node", node, "-o", "json"])).stdout);
      return n.spec.taints?.find((t: { key: string }) => t.key === "node.kubernetes.io/unschedulable");
    });
    expect(taint).toMatchObject({ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" });
    expect(Number.isNaN(Date.parse(taint.timeAdded))).toBe(false);
    const d = await kubectl(c, ["describe", "node", node]);
    expect(d.stdout).toMatch(/Taints:\s+node\.kubernetes\.io\/unschedulable:NoSchedule/);
    expect(d.stdout).toMatch(/Unschedulable:\s+true/);
    expect((await kubectl(c, ["uncordon", node])).stdout).toBe(`node/${node} uncordoned\n`);
    await until(async () => {
      const n = JSON.parse((await kubectl(c, ["get", "node", node, "-o", "json"])).stdout);
      return (
        (n.spec.taints ?? []).every((t: { key: string }) => t.key !== "node.kubernetes.io/unschedulable") ||
        undefined
      );
    });
  });
});

describe("evictions and PodDisruptionBudgets", () => {
  it("an eviction the budget cannot afford is 429 with the budget's numbers; one it can is 201", async () => {
    const ns = "budget";
    expect((await kubectl(c, ["create", "namespace", ns])).stderr).toBe("");
    expect((await kubectl(c, ["apply", "-n", ns, "-f", manifestFile(deployment("guarded", 3))])).stderr).toBe(
      "",
    );
    const ready = await until(async () => {
      const all = (await pods(c, ns)).filter((p) =>
        p.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True"),
      );
      return all.length === 3 ? all : undefined;
    });
    const pdb = await kubectl(c, [
      "create",
      "pdb",
      "guard",
      "-n",
      ns,
      "--selector=app=guarded",
      "--min-available=3",
    ]);
    expect(pdb.stderr).toBe("");
    // The disruption controller's status: kubectl get pdb shows ALLOWED DISRUPTIONS from it.
    const status = await until(async () => {
      const b = (await kube(c, "GET", `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/guard`))
        .body as Obj;
      return b.status?.expectedPods === 3 ? b.status : undefined;
    });
    expect(status).toMatchObject({
      observedGeneration: 1,
      disruptionsAllowed: 0,
      currentHealthy: 3,
      desiredHealthy: 3,
      expectedPods: 3,
      conditions: [
        {
          type: "DisruptionAllowed",
          status: "False",
          reason: "InsufficientPods",
          message: "",
          observedGeneration: 1,
        },
      ],
    });
    const row = (await kubectl(c, ["get", "pdb", "guard", "-n", ns, "--no-headers"])).stdout
      .trim()
      .split(/\s+/);
    expect(row.slice(0, 4)).toEqual(["guard", "3", "N/A", "0"]);
    const evict = (pod: string, body: object) =>
      kube(c, "POST", `/api/v1/namespaces/${ns}/pods/${pod}/eviction`, body);
    const victim = ready[0].metadata?.name ?? "";
    const eviction = { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: victim, namespace: ns } };
    const refused = await evict(victim, eviction);
    expect([refused.status, (refused.body as Obj).reason, (refused.body as Obj).message]).toEqual([
      429,
      "TooManyRequests",
      "Cannot evict pod as it would violate the pod's disruption budget.",
    ]);
    expect((refused.body as Obj).details.causes).toEqual([
      {
        reason: "DisruptionBudget",
        message: "The disruption budget guard needs 3 healthy pods and has 3 currently",
      },
    ]);
    const other = await evict(ready[1].metadata?.name ?? "", eviction);
    expect([other.status, (other.body as Obj).message]).toEqual([
      400,
      "name in URL does not match name in Eviction object",
    ]);
    // Verbs the subresource does not serve.
    for (const [method, sub] of [
      ["GET", "eviction"],
      ["PATCH", "eviction"],
      ["GET", "binding"],
      ["PUT", "binding"],
      ["PATCH", "log"],
    ]) {
      const body = method === "GET" ? undefined : { metadata: { labels: { x: "1" } } };
      const r = await kube(c, method, `/api/v1/namespaces/${ns}/pods/${victim}/${sub}`, body, {
        "content-type": "application/merge-patch+json",
      });
      expect([method, sub, r.status, (r.body as Obj).reason]).toEqual([method, sub, 405, "MethodNotAllowed"]);
    }
    expect((await pods(c, ns)).find((p) => p.metadata?.name === victim)?.metadata?.labels?.x).toBeUndefined();
    // With room in the budget, kubectl's eviction goes through.
    expect(
      (
        await kubectl(c, [
          "patch",
          "pdb",
          "guard",
          "-n",
          ns,
          "--type=merge",
          "-p",
          '{"spec":{"minAvailable":2}}',
        ])
      ).stderr,
    ).toBe("");
    await until(async () => {
      const b = (await kube(c, "GET", `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/guard`))
        .body as Obj;
      return b.status?.disruptionsAllowed === 1 && b.status.conditions[0].reason === "SufficientPods"
        ? true
        : undefined;
    });
    const ok = await evict(victim, eviction);
    expect(ok.status).toBe(201);
    // An eviction is a graceful delete: Terminating first, then gone once its kubelet stopped it.
    const after = await kube(c, "GET", `/api/v1/namespaces/${ns}/pods/${victim}`);
    expect([after.status, (after.body as Obj).metadata?.deletionGracePeriodSeconds]).toEqual([200, 30]);
    await until(async () =>
      (await kube(c, "GET", `/api/v1/namespaces/${ns}/pods/${victim}`)).status === 404 ? true : undefined,
    );
  });
});

describe("zones from the scale set's availability zones", () => {
  let z: KubeCluster;
  beforeAll(async () => {
    z = await makeCluster(emu, "zonal", {
      count: 3,
      version: "1.33",
      pool: { availabilityZones: ["1", "2", "3"] },
    });
  });

  it("DoNotSchedule across zones with nodeAffinityPolicy Ignore: the excluded zone still counts", async () => {
    const nodes = await until(async () => {
      const r = await kubectl(z, ["get", "nodes", "-L", "topology.kubernetes.io/zone", "--no-headers"]);
      const rows = r.stdout.trim().split("\n").filter(Boolean);
      return rows.length === 3 && rows.every((l) => l.split(/\s+/)[1] === "Ready") ? rows : undefined;
    });
    expect(nodes.map((l) => l.split(/\s+/).at(-1)).sort()).toEqual(["eastus-1", "eastus-2", "eastus-3"]);
    const spec = `
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions: [{key: topology.kubernetes.io/zone, operator: NotIn, values: [eastus-3]}]
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: DoNotSchedule
        nodeAffinityPolicy: Ignore
        labelSelector: {matchLabels: {app: zoned}}`;
    const r = await kubectl(z, ["apply", "-f", manifestFile(deployment("zoned", 4, spec))]);
    expect(r.stderr).toBe("");
    const ps = await untilScheduled(() => pods(z, "default", "app=zoned"), {
      total: 4,
      running: 2,
      unsched: 2,
    });
    const zoneOf = new Map(nodes.map((l) => [l.split(/\s+/)[0], l.split(/\s+/).at(-1)]));
    expect(ps.running.map((p) => zoneOf.get(p.spec?.nodeName ?? "")).sort()).toEqual([
      "eastus-1",
      "eastus-2",
    ]);
    const ev = await until(async () => {
      const e = await kubectl(z, [
        "get",
        "events",
        "--field-selector",
        `involvedObject.name=${ps.unsched[0].metadata?.name},reason=FailedScheduling`,
        "-o",
        "jsonpath={.items[*].message}",
      ]);
      return e.stdout || undefined;
    });
    expect(ev).toBe(
      "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) didn't match pod topology spread constraints. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
    );
  });
});
