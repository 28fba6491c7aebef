// The Priority admission plugin with the machine's real kubectl: a pod's priority and
// preemption policy come from its PriorityClass (or the globalDefault one), an unknown class or
// a priority of the pod's own is refused in the plugin's words, the system add-ons run at their
// classes' priorities, and the scheduler places pods of any priority.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import { type KubeCluster, kubectl, kubectlOk, type Obj, startKubeEmulator } from "../kube/kube-helpers.js";
import { makeCluster, until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;

beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await makeCluster(emu, "prio", { count: 1, version: "1.33" });
});
afterAll(async () => {
  await emu?.close();
});

const pc = (name: string, value: number, extra: Obj = {}) =>
  JSON.stringify({
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name },
    value,
    ...extra,
  });

const spec = async (name: string, ns = "default"): Promise<Obj> =>
  JSON.parse(await kubectlOk(c, ["get", "pod", name, "-n", ns, "-o", "jsonpath={.spec}"]));

describe("Priority admission", () => {
  it("an unknown class is refused; a known one gives its value and policy, and the pod runs", async () => {
    const bad = await kubectl(c, [
      "run",
      "hp2",
      "--image=nginx",
      "--overrides",
      JSON.stringify({ spec: { priorityClassName: "nonexist" } }),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(
      'Error from server (Forbidden): pods "hp2" is forbidden: no PriorityClass with name nonexist was found',
    );
    // Applied without preemptionPolicy: the API defaults it (SetDefaults_PriorityClass).
    await kubectlOk(c, ["apply", "-f", "-"], pc("high", 1000000));
    await kubectlOk(c, ["apply", "-f", "-"], pc("calm", 500, { preemptionPolicy: "Never" }));
    expect(await kubectlOk(c, ["get", "priorityclass", "high", "-o", "jsonpath={.preemptionPolicy}"])).toBe(
      "PreemptLowerPriority",
    );
    await kubectlOk(c, [
      "run",
      "hp",
      "--image=nginx",
      "--overrides",
      JSON.stringify({ spec: { priorityClassName: "high" } }),
    ]);
    await kubectlOk(c, [
      "run",
      "calm",
      "--image=nginx",
      "--overrides",
      JSON.stringify({ spec: { priorityClassName: "calm" } }),
    ]);
    expect(await spec("hp")).toMatchObject({
      priorityClassName: "high",
      priority: 1000000,
      preemptionPolicy: "PreemptLowerPriority",
    });
    expect(await spec("calm")).toMatchObject({ priority: 500, preemptionPolicy: "Never" });
    // A plain pod: no class, no default class → 0.
    await kubectlOk(c, ["run", "plain", "--image=nginx"]);
    const plain = await spec("plain");
    expect(plain.priority).toBe(0);
    expect(plain.preemptionPolicy).toBe("PreemptLowerPriority");
    expect(plain.priorityClassName).toBeUndefined();
    // The scheduler and kubelet take pods of any priority.
    await until(async () => {
      const phases = await kubectlOk(c, [
        "get",
        "pods",
        "hp",
        "calm",
        "plain",
        "-o",
        "jsonpath={.items[*].status.phase}",
      ]);
      return phases === "Running Running Running" ? true : undefined;
    });
  });

  it("a priority or preemption policy of the pod's own that differs from the class's is refused", async () => {
    const withSpec = (name: string, extra: Obj) =>
      JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name },
        spec: { priorityClassName: "high", containers: [{ name: "c", image: "nginx" }], ...extra },
      });
    const p = await kubectl(c, ["create", "-f", "-"], withSpec("own-prio", { priority: 5 }));
    expect(p.code).toBe(1);
    expect(p.stderr.trim()).toBe(
      'Error from server (Forbidden): error when creating "STDIN": pods "own-prio" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000000 from the given PriorityClass name',
    );
    const pol = await kubectl(c, ["create", "-f", "-"], withSpec("own-pol", { preemptionPolicy: "Never" }));
    expect(pol.code).toBe(1);
    expect(pol.stderr).toContain(
      'pods "own-pol" is forbidden: the string value of PreemptionPolicy (Never) must not be provided in pod spec; priority admission controller computed PreemptLowerPriority from the given PriorityClass name',
    );
    // The same values as the class's are fine.
    await kubectlOk(c, ["create", "-f", "-"], withSpec("same", { priority: 1000000 }));
    // A replace that leaves them out keeps them (the plugin restores them on update).
    const pod = JSON.parse(await kubectlOk(c, ["get", "pod", "same", "-o", "json"]));
    delete pod.spec.priority;
    delete pod.spec.preemptionPolicy;
    pod.metadata.labels = { replaced: "yes" };
    await kubectlOk(c, ["replace", "-f", "-"], JSON.stringify(pod));
    expect(await spec("same")).toMatchObject({ priority: 1000000, preemptionPolicy: "PreemptLowerPriority" });
  });

  it("the system add-ons run at their classes' priorities", async () => {
    const rows = await until(async () => {
      const out = await kubectlOk(c, [
        "get",
        "pods",
        "-n",
        "kube-system",
        "-o",
        "jsonpath={range .items[*]}{.metadata.name} {.spec.priorityClassName} {.spec.priority} {.status.phase}{'\\n'}{end}",
      ]);
      const lines = out.split("\n").filter(Boolean);
      return lines.length && lines.every((l) => l.endsWith(" Running")) ? lines : undefined;
    }, 60_000);
    const value: Record<string, string> = {
      "system-node-critical": "2000001000",
      "system-cluster-critical": "2000000000",
    };
    for (const line of rows) {
      const [, cls, prio] = line.split(" ");
      expect(prio, line).toBe(value[cls]);
    }
    expect(rows.some((l) => l.startsWith("coredns-") && l.includes(" 2000001000 "))).toBe(true);
    expect(rows.some((l) => l.startsWith("kube-proxy-"))).toBe(true);
  });

  it("the add-ons keep one replica up through a drain: AKS's PodDisruptionBudgets", async () => {
    const pdbs = await until(async () => {
      const out = await kubectlOk(c, [
        "get",
        "pdb",
        "-n",
        "kube-system",
        "-o",
        "jsonpath={range .items[*]}{.metadata.name} {.spec.minAvailable} {.status.disruptionsAllowed}{'\\n'}{end}",
      ]);
      const lines = out.split("\n").filter(Boolean).sort();
      // The disruption controller counts each add-on's two healthy replicas: one may go.
      return lines.length === 3 && lines.every((l) => l.endsWith(" 1 1")) ? lines : undefined;
    }, 60_000);
    expect(pdbs).toEqual(["coredns-pdb 1 1", "konnectivity-agent 1 1", "metrics-server-pdb 1 1"]);
  });

  it("a globalDefault class is every classless pod's, and only one may exist", async () => {
    await kubectlOk(c, ["apply", "-f", "-"], pc("dflt", 100, { globalDefault: true }));
    const second = await kubectl(c, ["apply", "-f", "-"], pc("dflt2", 200, { globalDefault: true }));
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(
      'priorityclasses.scheduling.k8s.io "dflt2" is forbidden: PriorityClass dflt is already marked as default. Only one default can exist',
    );
    await kubectlOk(c, ["run", "classless", "--image=nginx"]);
    expect(await spec("classless")).toMatchObject({
      priorityClassName: "dflt",
      priority: 100,
      preemptionPolicy: "PreemptLowerPriority",
    });
    // The default class may be updated (it is the default itself).
    await kubectlOk(c, ["apply", "-f", "-"], pc("dflt", 100, { globalDefault: true, description: "d" }));
    await kubectlOk(c, ["delete", "priorityclass", "dflt"]);
  });
});
