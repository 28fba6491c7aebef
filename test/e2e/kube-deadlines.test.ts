// activeDeadlineSeconds with the machine's real kubectl: a Job past it fails DeadlineExceeded
// and its pods go (the job controller's pastActiveDeadline); a pod past it is Failed by its
// kubelet (the activeDeadlineHandler). Both are brought back by a timer, not a poll.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import { type KubeCluster, kubectlOk, type Obj, startKubeEmulator } from "../kube/kube-helpers.js";
import { makeCluster, until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;

beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await makeCluster(emu, "deadlines", { count: 1, version: "1.33" });
});
afterAll(async () => {
  await emu?.close();
});

const events = async (kind: string, name: string): Promise<string[]> =>
  (
    await kubectlOk(c, [
      "get",
      "events",
      "--field-selector",
      `involvedObject.kind=${kind},involvedObject.name=${name}`,
      "-o",
      "jsonpath={range .items[*]}{.type} {.reason} {.message}{'\\n'}{end}",
    ])
  )
    .split("\n")
    .filter(Boolean);

describe("activeDeadlineSeconds", () => {
  it("a Job whose pod never gets to run fails DeadlineExceeded and its pod is deleted", async () => {
    // The pod cannot be placed (no node has the label), so only the deadline ends the Job.
    await kubectlOk(
      c,
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "stuck" },
        spec: {
          activeDeadlineSeconds: 3,
          template: {
            spec: {
              restartPolicy: "Never",
              nodeSelector: { nowhere: "true" },
              containers: [{ name: "c", image: "busybox:1.36" }],
            },
          },
        },
      }),
    );
    await until(async () => {
      const n = await kubectlOk(c, ["get", "pods", "-l", "job-name=stuck", "-o", "name"]);
      return n.trim() ? true : undefined;
    });
    const job = await until(async () => {
      const j = JSON.parse(await kubectlOk(c, ["get", "job", "stuck", "-o", "json"])) as Obj;
      return j.status?.conditions?.some((x: Obj) => x.type === "Failed") ? j : undefined;
    }, 20_000);
    expect(job.status.conditions.map((x: Obj) => [x.type, x.status, x.reason, x.message])).toEqual([
      ["FailureTarget", "True", "DeadlineExceeded", "Job was active longer than specified deadline"],
      ["Failed", "True", "DeadlineExceeded", "Job was active longer than specified deadline"],
    ]);
    expect(job.status.failed).toBe(1);
    expect(job.status.active).toBeUndefined();
    // Not before the deadline, counted from startTime.
    const failedAt = Date.parse(job.status.conditions[1].lastTransitionTime);
    expect(failedAt - Date.parse(job.status.startTime)).toBeGreaterThanOrEqual(3000);
    expect(await events("Job", "stuck")).toContain(
      "Warning DeadlineExceeded Job was active longer than specified deadline",
    );
    await until(async () => {
      const n = await kubectlOk(c, ["get", "pods", "-l", "job-name=stuck", "-o", "name"]);
      return n.trim() ? undefined : true;
    });
  });

  it("a running pod past its deadline is Failed by its kubelet, containers killed", async () => {
    await kubectlOk(c, [
      "run",
      "dl",
      "--image=nginx",
      "--overrides",
      JSON.stringify({ spec: { activeDeadlineSeconds: 3 } }),
    ]);
    await until(async () =>
      (await kubectlOk(c, ["get", "pod", "dl", "-o", "jsonpath={.status.phase}"])) === "Running"
        ? true
        : undefined,
    );
    const pod = await until(async () => {
      const p = JSON.parse(await kubectlOk(c, ["get", "pod", "dl", "-o", "json"])) as Obj;
      return p.status.phase === "Failed" ? p : undefined;
    }, 20_000);
    expect(pod.status.reason).toBe("DeadlineExceeded");
    expect(pod.status.message).toBe("Pod was active on the node longer than the specified deadline");
    expect(pod.status.containerStatuses[0].state.terminated).toBeDefined();
    expect(pod.status.containerStatuses[0].ready).toBe(false);
    const ev = await events("Pod", "dl");
    expect(ev).toContain(
      "Normal DeadlineExceeded Pod was active on the node longer than the specified deadline",
    );
    expect(ev).toContain("Normal Killing Stopping container dl");
  });
});
