// Field selectors each kind's ToSelectableFields offers beyond metadata, with the real kubectl:
// a Service's spec.type and spec.clusterIP, a ReplicaSet's status.replicas, a Job's
// status.successful (read from status.succeeded, 0 when absent); an unsupported one is refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import { type KubeCluster, kubectl, kubectlOk, startKubeEmulator } from "../kube/kube-helpers.js";
import { makeCluster, until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;

beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await makeCluster(emu, "fields", { count: 1, version: "1.33" });
});
afterAll(async () => {
  await emu?.close();
});

const names = async (args: string[]) =>
  (await kubectlOk(c, ["get", ...args, "-o", "name"])).trim().split("\n").filter(Boolean).sort();

describe("field selectors", () => {
  it("Services by spec.type and spec.clusterIP", async () => {
    await kubectlOk(c, ["create", "service", "clusterip", "inner", "--tcp=80:8080"]);
    await kubectlOk(c, ["create", "service", "nodeport", "edge", "--tcp=80:8080"]);
    await kubectlOk(c, ["create", "service", "clusterip", "headless", "--clusterip=None"]);
    expect(await names(["svc", "--field-selector", "spec.type=NodePort"])).toEqual(["service/edge"]);
    expect(await names(["svc", "--field-selector", "spec.type=ClusterIP,metadata.name!=kubernetes"])).toEqual(
      ["service/headless", "service/inner"],
    );
    expect(await names(["svc", "-A", "--field-selector", "spec.clusterIP=None"])).toEqual([
      "service/headless",
    ]);
    const ip = await kubectlOk(c, ["get", "svc", "inner", "-o", "jsonpath={.spec.clusterIP}"]);
    expect(await names(["svc", "--field-selector", `spec.clusterIP=${ip}`])).toEqual(["service/inner"]);
  });

  it("ReplicaSets by status.replicas, Jobs by status.successful", async () => {
    await kubectlOk(c, ["create", "deployment", "web", "--image=nginx", "--replicas=2"]);
    await until(async () =>
      (await names(["rs", "--field-selector", "status.replicas=2"])).length ? true : undefined,
    );
    expect(await names(["rs", "--field-selector", "status.replicas=0"])).toEqual([]);
    // One Job that completes, one whose pod can never be placed (no status.succeeded: 0).
    await kubectlOk(c, ["create", "job", "once", "--image=busybox"]);
    await kubectlOk(
      c,
      ["apply", "-f", "-"],
      `apiVersion: batch/v1
kind: Job
metadata: {name: stuck}
spec:
  template:
    spec:
      nodeSelector: {nowhere: "true"}
      restartPolicy: Never
      containers: [{name: a, image: busybox}]
`,
    );
    await until(async () =>
      (await names(["job", "--field-selector", "status.successful=1"])).length ? true : undefined,
    );
    expect(await names(["job", "--field-selector", "status.successful=1"])).toEqual(["job.batch/once"]);
    expect(await names(["job", "--field-selector", "status.successful=0"])).toEqual(["job.batch/stuck"]);
    expect(await names(["job", "--field-selector", "status.successful!=1"])).toEqual(["job.batch/stuck"]);
  });

  it("a field a kind does not offer is refused as kube-apiserver refuses it", async () => {
    const r = await kubectl(c, ["get", "svc", "--field-selector", "spec.ports=80"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Error from server (BadRequest): Unable to find "/v1, Resource=services" that match label selector "", field selector "spec.ports=80": field label not supported: spec.ports\n',
    );
  });
});
