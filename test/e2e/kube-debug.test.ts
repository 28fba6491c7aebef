// `kubectl debug` with the machine's real kubectl: ephemeral containers through the
// pods/ephemeralcontainers subresource (added, validated as kube-apiserver validates them,
// started by the simulated kubelet with its events) and the refusals a simulated pod gives.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  createCluster,
  type KubeCluster,
  kube,
  kubectl,
  kubectlOk,
  type Obj,
  startKubeEmulator,
} from "../kube/kube-helpers.js";
import { until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;
beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await createCluster(emu, "debug", "1.31", "debug-rg");
  await kubectlOk(c, ["run", "web", "--image=nginx:1.27"]);
  await until(async () => {
    const p = (await kube(c, "GET", "/api/v1/namespaces/default/pods/web")).body as Obj;
    return p.status?.phase === "Running" ? true : undefined;
  });
});
afterAll(async () => {
  await emu?.close();
});

const pod = async (name = "web") =>
  (await kube(c, "GET", `/api/v1/namespaces/default/pods/${name}`)).body as Obj;
const ecPath = "/api/v1/namespaces/default/pods/web/ephemeralcontainers";
const smp = { "content-type": "application/strategic-merge-patch+json" };

describe("kubectl debug: ephemeral containers", () => {
  it("is served: discovery lists pods/ephemeralcontainers (get, patch, update)", async () => {
    const list = (await kube(c, "GET", "/api/v1")).body as Obj;
    const sub = (list.resources as Obj[]).find((r) => r.name === "pods/ephemeralcontainers");
    expect(sub).toMatchObject({ kind: "Pod", namespaced: true, verbs: ["get", "patch", "update"] });
    // Its own verbs only: no POST, no DELETE.
    expect((await kube(c, "POST", ecPath, {})).status).toBe(405);
    expect((await kube(c, "DELETE", ecPath)).status).toBe(405);
  });

  it("adds a debug container that the kubelet starts, with its events and describe section", async () => {
    const r = await kubectl(c, [
      "debug",
      "web",
      "--image=busybox:1.36",
      "--container=dbg",
      "--profile=general",
    ]);
    expect(r.code).toBe(0);
    const p = await until(async () => {
      const x = await pod();
      return x.status?.ephemeralContainerStatuses?.length ? x : undefined;
    });
    expect(p.spec.ephemeralContainers.map((e: Obj) => e.name)).toEqual(["dbg"]);
    // The pod's own containers are untouched; the new one runs, never ready (no probes).
    expect(p.spec.containers.map((x: Obj) => x.name)).toEqual(["web"]);
    const st = p.status.ephemeralContainerStatuses[0];
    expect(st).toMatchObject({
      name: "dbg",
      image: "docker.io/library/busybox:1.36",
      ready: false,
      restartCount: 0,
    });
    expect(st.state.running.startedAt).toMatch(/Z$/);
    expect(p.status.containerStatuses[0].ready).toBe(true);
    // The write is the subresource's own in managedFields.
    expect(
      (p.metadata.managedFields as Obj[]).some(
        (m) => m.subresource === "ephemeralcontainers" && m.fieldsV1["f:spec"]["f:ephemeralContainers"],
      ),
    ).toBe(true);
    const described = await kubectlOk(c, ["describe", "pod", "web"]);
    expect(described).toMatch(/Ephemeral Containers:\n\s+dbg:\n/);
    expect(described).toMatch(/Started container:? dbg/);
    const events = (await kube(c, "GET", "/api/v1/namespaces/default/events")).body as Obj;
    const paths = (events.items as Obj[]).map((e) => `${e.reason} ${e.involvedObject.fieldPath ?? ""}`);
    expect(paths).toContain("Started spec.ephemeralContainers{dbg}");
    // kubectl logs names it among the pod's containers; a simulated container has no output.
    expect(await kubectlOk(c, ["logs", "web", "-c", "dbg"])).toMatch(/simulated; no process runs/);
  });

  it("keeps the order kubectl asks for when a second one is added", async () => {
    await kubectlOk(c, ["debug", "web", "--image=busybox:1.36", "--container=dbg2", "--profile=general"]);
    const p = await pod();
    expect(p.spec.ephemeralContainers.map((e: Obj) => e.name)).toEqual(["dbg", "dbg2"]);
  });

  it("refuses an attach with the reason, not a hang", async () => {
    const r = await kubectl(c, [
      "debug",
      "web",
      "-it",
      "--image=busybox:1.36",
      "--container=dbg3",
      "--profile=general",
    ]);
    expect(`${r.stdout}${r.stderr}`).toMatch(/simulated by aksnet.*nothing to attach to/);
  });

  it("validates as kube-apiserver does: targets, forbidden fields, no removal or change, not on create", async () => {
    const target = await kubectl(c, [
      "debug",
      "web",
      "--image=busybox",
      "--target=nope",
      "--profile=general",
    ]);
    expect(target.code).not.toBe(0);
    expect(target.stderr).toMatch(/spec\.ephemeralContainers\[\d\]\.targetContainerName: Not found: "nope"/);

    const bad = await kube(
      c,
      "PATCH",
      ecPath,
      {
        spec: {
          ephemeralContainers: [
            {
              name: "p",
              image: "busybox",
              ports: [{ containerPort: 80 }],
              resources: { limits: { cpu: "1" } },
            },
          ],
        },
      },
      smp,
    );
    expect(bad.status).toBe(422);
    const causes = ((bad.body as Obj).details.causes as Obj[]).map((x) => `${x.field}: ${x.message}`);
    expect(causes).toContain(
      "spec.ephemeralContainers[3].ports: Forbidden: cannot be set for an Ephemeral Container",
    );
    expect(causes).toContain(
      "spec.ephemeralContainers[3].resources: Forbidden: cannot be set for an Ephemeral Container",
    );
    const dup = await kube(
      c,
      "PATCH",
      ecPath,
      { spec: { ephemeralContainers: [{ name: "web", image: "busybox" }] } },
      smp,
    );
    expect(dup.status).toBe(422);
    expect((dup.body as Obj).message).toContain('spec.ephemeralContainers[3].name: Duplicate value: "web"');

    // (kubectl patch --subresource takes status and scale only: the raw API.)
    const jsonPatch = { "content-type": "application/json-patch+json" };
    const removed = await kube(
      c,
      "PATCH",
      ecPath,
      [{ op: "remove", path: "/spec/ephemeralContainers/0" }],
      jsonPatch,
    );
    expect(removed.status).toBe(422);
    expect((removed.body as Obj).message).toContain('existing ephemeral containers "dbg" may not be removed');
    const changed = await kube(
      c,
      "PATCH",
      ecPath,
      [{ op: "replace", path: "/spec/ephemeralContainers/0/image", value: "alpine" }],
      jsonPatch,
    );
    expect(changed.status).toBe(422);
    expect((changed.body as Obj).message).toContain('existing ephemeral containers "dbg" may not be changed');
    // Through the pod itself they are part of the fixed spec.
    const viaPod = await kubectl(c, [
      "patch",
      "pod",
      "web",
      "--type=json",
      "-p",
      '[{"op":"remove","path":"/spec/ephemeralContainers/0"}]',
    ]);
    expect(viaPod.stderr).toContain("pod updates may not change fields other than");
    const created = await kubectl(c, [
      "run",
      "born-with-one",
      "--image=nginx",
      '--overrides={"spec":{"ephemeralContainers":[{"name":"e","image":"busybox"}]}}',
    ]);
    expect(created.stderr).toContain("spec.ephemeralContainers: Forbidden: cannot be set on create");
    // Nothing else of the request is taken: a label sent along is not written.
    const before = await pod();
    const sneaky = await kube(
      c,
      "PATCH",
      ecPath,
      { metadata: { labels: { sneaky: "yes" } }, spec: { containers: [{ name: "web", image: "alpine" }] } },
      smp,
    );
    expect(sneaky.status).toBe(200);
    const after = await pod();
    expect(after.metadata.labels.sneaky).toBeUndefined();
    expect(after.spec.containers[0].image).toBe(before.spec.containers[0].image);
  });
});
