// The TTL-after-finished controller with the machine's real kubectl: a finished Job with
// ttlSecondsAfterFinished is deleted (its pods with it) once its ttl has passed, at once for 0;
// a Job without one stays.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import { type KubeCluster, kubectl, kubectlOk, type Obj, startKubeEmulator } from "../kube/kube-helpers.js";
import { makeCluster, until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;

beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await makeCluster(emu, "ttl", { count: 1, version: "1.33" });
});
afterAll(async () => {
  await emu?.close();
});

const job = (name: string, ttl?: number) =>
  JSON.stringify({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: {
      ...(ttl !== undefined ? { ttlSecondsAfterFinished: ttl } : {}),
      template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox:1.36" }] } },
    },
  });

const gone = async (name: string) => {
  const r = await kubectl(c, ["get", "job", name, "-o", "json"]);
  return r.code !== 0 && r.stderr.includes("NotFound");
};
const completeAt = async (name: string): Promise<number> =>
  until(async () => {
    const r = await kubectl(c, ["get", "job", name, "-o", "json"]);
    if (r.code !== 0) return undefined;
    const cond = (JSON.parse(r.stdout) as Obj).status?.conditions?.find((x: Obj) => x.type === "Complete");
    return cond ? Date.parse(cond.lastTransitionTime) : undefined;
  });

describe("ttlSecondsAfterFinished", () => {
  it("ttl 0: the finished Job and its pods are deleted at once; no ttl: it stays", async () => {
    await kubectlOk(c, ["apply", "-f", "-"], job("keep"));
    await kubectlOk(c, ["apply", "-f", "-"], job("now", 0));
    await until(async () => ((await gone("now")) ? true : undefined), 20_000);
    await until(async () => {
      const left = await kubectlOk(c, ["get", "pods", "-l", "job-name=now", "-o", "name"]);
      return left.trim() ? undefined : true;
    });
    await completeAt("keep");
    expect(await gone("keep")).toBe(false);
  });

  it("ttl 3: kept until finish time + 3 s, then deleted", async () => {
    await kubectlOk(c, ["apply", "-f", "-"], job("later", 3));
    const done = await completeAt("later");
    // Still there a moment after it finished.
    if (Date.now() < done + 2000) expect(await gone("later")).toBe(false);
    await until(async () => ((await gone("later")) ? true : undefined), 20_000);
    expect(Date.now()).toBeGreaterThanOrEqual(done + 3000);
  });
});
