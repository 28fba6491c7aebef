// ReplicationControllers with the machine's real kubectl: kube-controller-manager runs the
// ReplicaSet controller's code for them (pkg/controller/replication), so an RC makes its pods
// by its selector map, reports Desired/Current/Ready, scales with `kubectl scale rc`, records
// SuccessfulCreate/SuccessfulDelete from replication-controller, leaves its pods orphaned with
// --cascade=orphan and adopts them again, and takes them with it when deleted.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  type KubeCluster,
  kubectl,
  kubectlOk,
  manifestFile,
  startKubeEmulator,
} from "../kube/kube-helpers.js";
import { makeCluster, pods, until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;
beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await makeCluster(emu, "rc", { count: 2 });
});
afterAll(async () => {
  await emu?.close();
});

const RC = `apiVersion: v1
kind: ReplicationController
metadata: {name: web}
spec:
  replicas: 3
  selector: {app: web}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}]
`;

const live = async () => (await pods(c, "default", "app=web")).filter((p) => !p.metadata?.deletionTimestamp);
const row = async () => (await kubectlOk(c, ["get", "rc", "web", "--no-headers"])).trim().split(/\s+/);

describe("a ReplicationController", () => {
  it("creates its pods, owned by it, and reports them Ready", async () => {
    await kubectlOk(c, ["apply", "-f", manifestFile(RC)]);
    await until(async () => ((await row()).slice(1, 4).join(" ") === "3 3 3" ? true : undefined));
    const rc = JSON.parse(await kubectlOk(c, ["get", "rc", "web", "-o", "json"]));
    expect(rc.status).toMatchObject({
      replicas: 3,
      fullyLabeledReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      observedGeneration: 1,
    });
    const ps = await live();
    expect(ps).toHaveLength(3);
    for (const p of ps) {
      expect(p.metadata?.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(p.metadata?.ownerReferences).toEqual([
        {
          apiVersion: "v1",
          kind: "ReplicationController",
          name: "web",
          uid: rc.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    const described = await kubectlOk(c, ["describe", "rc", "web"]);
    expect(described).toMatch(/Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed/);
    expect(described).toMatch(/Normal\s+SuccessfulCreate\s+\S+\s+replication-controller\s+Created pod: web-/);
  });

  it("kubectl scale rc: down to 1 with SuccessfulDelete, then up again", async () => {
    expect(await kubectlOk(c, ["scale", "rc", "web", "--replicas=1"])).toContain(
      "replicationcontroller/web scaled",
    );
    await until(async () => ((await live()).length === 1 ? true : undefined));
    await until(async () => ((await row()).slice(1, 4).join(" ") === "1 1 1" ? true : undefined));
    const described = await kubectlOk(c, ["describe", "rc", "web"]);
    expect(described).toMatch(/Normal\s+SuccessfulDelete\s+\S+\s+replication-controller\s+Deleted pod: web-/);
    await kubectlOk(c, ["scale", "rc", "web", "--replicas=2"]);
    await until(async () => ((await row()).slice(1, 4).join(" ") === "2 2 2" ? true : undefined));
  });

  it("--cascade=orphan leaves the pods; a new RC with the selector adopts them without creating more", async () => {
    const before = (await live()).map((p) => p.metadata?.name).sort();
    await kubectlOk(c, ["delete", "rc", "web", "--cascade=orphan"]);
    await until(async () =>
      (await live()).every((p) => !p.metadata?.ownerReferences?.length) ? true : undefined,
    );
    await kubectlOk(c, ["apply", "-f", manifestFile(RC.replace("replicas: 3", "replicas: 2"))]);
    const rc = JSON.parse(await kubectlOk(c, ["get", "rc", "web", "-o", "json"]));
    await until(async () =>
      (await live()).every((p) => p.metadata?.ownerReferences?.[0]?.uid === rc.metadata.uid)
        ? true
        : undefined,
    );
    expect((await live()).map((p) => p.metadata?.name).sort()).toEqual(before);
    await until(async () => ((await row()).slice(1, 4).join(" ") === "2 2 2" ? true : undefined));
  });

  it("a create the quota refuses: ReplicaFailure on the RC and a FailedCreate warning, gone once it is not short", async () => {
    await kubectlOk(c, ["create", "namespace", "tight"]);
    await kubectlOk(c, ["create", "quota", "two", "-n", "tight", "--hard=pods=2"]);
    await until(async () =>
      JSON.parse(await kubectlOk(c, ["get", "quota", "two", "-n", "tight", "-o", "json"])).status?.hard
        ? true
        : undefined,
    );
    await kubectlOk(c, ["apply", "-n", "tight", "-f", manifestFile(RC)]);
    const cond = await until(async () => {
      const rc = JSON.parse(await kubectlOk(c, ["get", "rc", "web", "-n", "tight", "-o", "json"]));
      return rc.status?.conditions?.find((x: { type: string }) => x.type === "ReplicaFailure");
    });
    expect(cond).toMatchObject({ status: "True", reason: "FailedCreate" });
    // The quota plugin names the pod by its generateName: admission runs before the name is made.
    expect(cond.message).toMatch(
      /^pods "web-" is forbidden: exceeded quota: two, requested: pods=1, used: pods=2, limited: pods=2$/,
    );
    const described = await kubectlOk(c, ["describe", "rc", "web", "-n", "tight"]);
    expect(described).toMatch(
      /Warning\s+FailedCreate\s+.*replication-controller\s+Error creating: pods "web-/,
    );
    await kubectlOk(c, ["scale", "rc", "web", "-n", "tight", "--replicas=2"]);
    await until(async () => {
      const rc = JSON.parse(await kubectlOk(c, ["get", "rc", "web", "-n", "tight", "-o", "json"]));
      return rc.status?.replicas === 2 && !rc.status?.conditions ? true : undefined;
    });
  });

  it("deleting the RC takes its pods", async () => {
    await kubectlOk(c, ["delete", "rc", "web"]);
    await until(async () => ((await live()).length === 0 ? true : undefined));
    expect((await kubectl(c, ["get", "rc", "web"])).code).not.toBe(0);
  });
});
