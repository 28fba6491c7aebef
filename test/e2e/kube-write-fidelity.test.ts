// What kube-apiserver records and keeps on a write, with the machine's real kubectl and raw
// requests: managedFields name the version the client wrote (an autoscaling/v1 HPA is stored
// as v2) and the scale subresource (`kubectl scale`, the HPA controller), and a write without
// fieldManager is its User-Agent's prefix; a Secret's
// write-only `stringData` is folded into `data`; custom resources' labels and annotations are
// validated with apimachinery's wording.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  createCluster,
  type KubeCluster,
  kube,
  kubectl,
  kubectlOk,
  manifestFile,
  type Obj,
  startKubeEmulator,
} from "../kube/kube-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;
beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await createCluster(emu, "writes", "1.33", "writes-rg");
});
afterAll(async () => {
  await emu?.close();
});

const ok = (args: string[], input?: string) => kubectlOk(c, args, input);

/** Polls `probe` every 100 ms until it returns something defined. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

type Entry = {
  manager: string;
  time?: string;
  operation: string;
  apiVersion: string;
  subresource?: string;
  fieldsV1?: Obj;
};
/** managedFields without their times, as [manager, operation, apiVersion, subresource]. */
const managers = (o: Obj) =>
  ((o.metadata.managedFields ?? []) as Entry[]).map((e) => [
    e.manager,
    e.operation,
    e.apiVersion,
    e.subresource ?? "",
  ]);
const entryOf = (o: Obj, manager: string, subresource = "") =>
  ((o.metadata.managedFields ?? []) as Entry[]).find(
    (e) => e.manager === manager && (e.subresource ?? "") === subresource,
  );

const HPA_V1 = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers";
const HPA_V2 = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers";
const DEPLOYS = "/apis/apps/v1/namespaces/default/deployments";
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

describe("managedFields of writes in a version served by conversion", () => {
  const v1 = (name: string, max: number) => ({
    apiVersion: "autoscaling/v1",
    kind: "HorizontalPodAutoscaler",
    metadata: { name },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "nothing-here" },
      minReplicas: 1,
      maxReplicas: max,
      targetCPUUtilizationPercentage: 50,
    },
  });

  it("an autoscaling/v1 create and update record autoscaling/v1, a v2 update autoscaling/v2", async () => {
    const created = await kube(c, "POST", `${HPA_V1}?fieldManager=v1-writer`, v1("h1", 3));
    expect(created.status).toBe(201);
    expect(entryOf(created.body as Obj, "v1-writer")).toMatchObject({
      operation: "Update",
      apiVersion: "autoscaling/v1",
    });
    // Read-modify-write through v1 by another manager.
    const cur = (await kube(c, "GET", `${HPA_V1}/h1`)).body as Obj;
    cur.spec.maxReplicas = 5;
    const put = await kube(c, "PUT", `${HPA_V1}/h1?fieldManager=v1-editor`, cur);
    expect(put.status).toBe(200);
    // The same record, read in v2: every entry names the version its writer used.
    const v2 = (await kube(c, "GET", `${HPA_V2}/h1`)).body as Obj;
    expect(v2.spec.maxReplicas).toBe(5);
    expect(managers(v2).filter((m) => m[0] !== "kube-controller-manager")).toEqual([
      ["v1-writer", "Update", "autoscaling/v1", ""],
      ["v1-editor", "Update", "autoscaling/v1", ""],
    ]);
    // A merge patch through v2 by the same editor: its entry now names autoscaling/v2.
    const patched = await kube(
      c,
      "PATCH",
      `${HPA_V2}/h1?fieldManager=v1-editor`,
      { spec: { maxReplicas: 6 } },
      { "content-type": "application/merge-patch+json" },
    );
    expect(patched.status).toBe(200);
    expect(entryOf(patched.body as Obj, "v1-editor")?.apiVersion).toBe("autoscaling/v2");
  });

  it("kubectl apply of an autoscaling/v1 manifest (client- and server-side) records autoscaling/v1", async () => {
    const yaml = (name: string, max: number) =>
      `apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: ${name}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: nothing-here}
  maxReplicas: ${max}
  targetCPUUtilizationPercentage: 60
`;
    expect(await ok(["apply", "-f", manifestFile(yaml("h2", 3))])).toBe(
      "horizontalpodautoscaler.autoscaling/h2 created\n",
    );
    expect(await ok(["apply", "--server-side", "-f", manifestFile(yaml("h3", 3))])).toBe(
      "horizontalpodautoscaler.autoscaling/h3 serverside-applied\n",
    );
    const h2 = (await kube(c, "GET", `${HPA_V1}/h2`)).body as Obj;
    expect(entryOf(h2, "kubectl-client-side-apply")).toMatchObject({
      operation: "Update",
      apiVersion: "autoscaling/v1",
    });
    const h3 = (await kube(c, "GET", `${HPA_V1}/h3`)).body as Obj;
    expect(entryOf(h3, "kubectl")).toMatchObject({ operation: "Apply", apiVersion: "autoscaling/v1" });
    // Applied again with a change: still the v1 manifest's version.
    expect(await ok(["apply", "--server-side", "-f", manifestFile(yaml("h3", 4))])).toBe(
      "horizontalpodautoscaler.autoscaling/h3 serverside-applied\n",
    );
    const again = (await kube(c, "GET", `${HPA_V2}/h3`)).body as Obj;
    expect(again.spec.maxReplicas).toBe(4);
    expect(entryOf(again, "kubectl")).toMatchObject({ operation: "Apply", apiVersion: "autoscaling/v1" });
  });
});

describe("writes through the scale subresource", () => {
  // kubectl 1.33 PATCHes deployments/web/scale without fieldManager: kube-apiserver records the
  // User-Agent's prefix ("kubectl/v1.33.1 (linux/amd64) …" → "kubectl").
  it("kubectl scale: an Update entry of kubectl (its User-Agent) with subresource scale owning spec.replicas", async () => {
    await ok(["create", "deployment", "web", "--image=nginx", "--replicas=1"]);
    expect(await ok(["scale", "deployment", "web", "--replicas=3"])).toBe("deployment.apps/web scaled\n");
    const d = (await kube(c, "GET", `${DEPLOYS}/web`)).body as Obj;
    expect(d.spec.replicas).toBe(3);
    expect(entryOf(d, "kubectl", "scale")).toMatchObject({
      operation: "Update",
      apiVersion: "apps/v1",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:spec": { "f:replicas": {} } },
    });
    // Written through the scale subresource: no time (ScaleHandler.ToParent takes times from
    // the parent's entries, and kubectl had none there).
    expect(entryOf(d, "kubectl", "scale")?.time).toBeUndefined();
    // The creator no longer owns the replicas it set.
    const creator = entryOf(d, "kubectl-create");
    expect(creator?.fieldsV1?.["f:spec"]?.["f:replicas"]).toBeUndefined();
    expect(creator?.fieldsV1?.["f:spec"]?.["f:template"]).toBeDefined();
    // An apply that sets replicas conflicts with the scale writer, named as kube-apiserver does.
    const r = await kube(
      c,
      "PATCH",
      `${DEPLOYS}/web?fieldManager=deployer`,
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web" },
        spec: { replicas: 5 },
      },
      { "content-type": "application/apply-patch+yaml" },
    );
    expect(r.status).toBe(409);
    const causes = ((r.body as Obj).details.causes as Obj[]).map((x) => [x.reason, x.field]);
    expect(causes).toEqual([["FieldManagerConflict", ".spec.replicas"]]);
    expect((r.body as Obj).message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas',
    );
  });

  it("a scale write by a raw merge patch records its manager under the scale subresource", async () => {
    const p = await kube(
      c,
      "PATCH",
      `${DEPLOYS}/web/scale?fieldManager=scaler`,
      { spec: { replicas: 2 } },
      { "content-type": "application/merge-patch+json" },
    );
    expect(p.status).toBe(200);
    expect((p.body as Obj).kind).toBe("Scale");
    expect((p.body as Obj).metadata.managedFields).toBeUndefined();
    const d = (await kube(c, "GET", `${DEPLOYS}/web`)).body as Obj;
    expect(entryOf(d, "scaler", "scale")?.fieldsV1).toEqual({ "f:spec": { "f:replicas": {} } });
    // kubectl lost spec.replicas to the newer writer: its entry is gone.
    expect(entryOf(d, "kubectl", "scale")).toBeUndefined();
    expect(entryOf(d, "scaler")).toBeUndefined();
  });

  it("a write without fieldManager is recorded under its User-Agent's prefix, unprintables left out", async () => {
    const ua = { "user-agent": "my\t-tool/2.0 (linux) extra" };
    const c1 = await kube(
      c,
      "POST",
      "/api/v1/namespaces/default/configmaps",
      { metadata: { name: "ua" }, data: { z: "0" } },
      ua,
    );
    expect(c1.status).toBe(201);
    expect(managers(c1.body as Obj)).toEqual([["my-tool", "Update", "v1", ""]]);
    const long = { "user-agent": `${"a".repeat(200)}/1` };
    const c2 = await kube(
      c,
      "PATCH",
      "/api/v1/namespaces/default/configmaps/ua",
      { data: { a: "1" } },
      {
        ...long,
        "content-type": "application/merge-patch+json",
      },
    );
    expect(c2.status).toBe(200);
    // Cut at 128 bytes (FieldManagerMaxLength).
    expect(managers(c2.body as Obj)[1]).toEqual(["a".repeat(128), "Update", "v1", ""]);
  });

  it("the HPA controller's rescale is kube-controller-manager's scale-subresource entry", async () => {
    await ok(["create", "deployment", "api", "--image=nginx", "--replicas=1"]);
    await ok(["autoscale", "deployment", "api", "--min=3", "--max=5", "--cpu-percent=50"]);
    const d = await until("the HPA's rescale", async () => {
      const x = (await kube(c, "GET", `${DEPLOYS}/api`)).body as Obj;
      return x.spec.replicas === 3 ? x : undefined;
    });
    expect(entryOf(d, "kube-controller-manager", "scale")).toMatchObject({
      operation: "Update",
      apiVersion: "apps/v1",
      fieldsV1: { "f:spec": { "f:replicas": {} } },
    });
  });
});

describe("server-side apply through the scale subresource (ScaleHandler)", () => {
  const APPLY = { "content-type": "application/apply-patch+yaml" };
  const scaleOf = (name: string, replicas: number) => ({
    apiVersion: "autoscaling/v1",
    kind: "Scale",
    metadata: { name },
    spec: { replicas },
  });
  const deploy = (name: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      containers:
      - name: c
        image: nginx
`;
  const applyScale = (name: string, manager: string, replicas: number, force = false) =>
    kube(
      c,
      "PATCH",
      `${DEPLOYS}/${name}/scale?fieldManager=${manager}${force ? "&force=true" : ""}`,
      scaleOf(name, replicas),
      APPLY,
    );
  const get = async (name: string) => (await kube(c, "GET", `${DEPLOYS}/${name}`)).body as Obj;

  it("conflicts with the owner of the replicas, shares them at the same value, takes them with force", async () => {
    await ok(["apply", "--server-side", "--field-manager=deployer", "-f", "-"], deploy("ssa-scale", 2));
    const refused = await applyScale("ssa-scale", "autoscaler", 4);
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'Apply failed with 1 conflict: conflict with "deployer": .spec.replicas',
      reason: "Conflict",
      details: {
        causes: [
          { reason: "FieldManagerConflict", message: 'conflict with "deployer"', field: ".spec.replicas" },
        ],
      },
      code: 409,
    });
    expect((await get("ssa-scale")).spec.replicas).toBe(2);

    // The same value is no conflict: both managers own the replicas.
    const shared = await applyScale("ssa-scale", "autoscaler", 2);
    expect(shared.status).toBe(200);
    let d = await get("ssa-scale");
    expect(entryOf(d, "deployer")?.fieldsV1?.["f:spec"]?.["f:replicas"]).toEqual({});
    const mine = entryOf(d, "autoscaler", "scale");
    // The parent's version, the parent's replicas path, and no time (ScaleHandler.ToParent).
    expect(mine).toEqual({
      manager: "autoscaler",
      operation: "Apply",
      apiVersion: "apps/v1",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:spec": { "f:replicas": {} } },
      subresource: "scale",
    });

    const forced = await applyScale("ssa-scale", "autoscaler", 4, true);
    expect(forced.status).toBe(200);
    expect(forced.body).toMatchObject({
      apiVersion: "autoscaling/v1",
      kind: "Scale",
      metadata: { name: "ssa-scale", namespace: "default" },
      spec: { replicas: 4 },
    });
    expect((forced.body as Obj).metadata.managedFields).toBeUndefined();
    d = await get("ssa-scale");
    expect(d.spec.replicas).toBe(4);
    // The deployer lost the replicas, and only them.
    expect(entryOf(d, "deployer")?.fieldsV1?.["f:spec"]?.["f:replicas"]).toBeUndefined();
    expect(entryOf(d, "deployer")?.fieldsV1?.["f:spec"]?.["f:template"]).toBeDefined();
    expect(entryOf(d, "autoscaler", "scale")?.fieldsV1).toEqual({ "f:spec": { "f:replicas": {} } });

    // The deployer's next apply of other replicas meets the scale applier.
    const back = await kubectl(
      c,
      ["apply", "--server-side", "--field-manager=deployer", "-f", "-"],
      deploy("ssa-scale", 3),
    );
    expect(back.code).toBe(1);
    expect(back.stderr).toContain(
      'Apply failed with 1 conflict: conflict with "autoscaler" with subresource "scale": .spec.replicas',
    );
    expect((await get("ssa-scale")).spec.replicas).toBe(4);
  });

  it("a scale applier that stops applying the replicas gives them up; a dry run writes nothing", async () => {
    await ok(["create", "deployment", "ssa-drop", "--image=nginx", "--replicas=1"]);
    // kubectl create's Update entry owns the replicas: an apply of others conflicts with it.
    const conflicted = await applyScale("ssa-drop", "hpa-like", 5);
    expect(conflicted.status).toBe(409);
    expect((conflicted.body as Obj).message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-create" using apps/v1: .spec.replicas',
    );
    expect((await applyScale("ssa-drop", "hpa-like", 5, true)).status).toBe(200);
    const dry = await kube(
      c,
      "PATCH",
      `${DEPLOYS}/ssa-drop/scale?fieldManager=other&force=true&dryRun=All`,
      scaleOf("ssa-drop", 7),
      APPLY,
    );
    expect(dry.status).toBe(200);
    expect((dry.body as Obj).spec.replicas).toBe(7);
    let d = await get("ssa-drop");
    expect(d.spec.replicas).toBe(5);
    expect(entryOf(d, "other", "scale")).toBeUndefined();
    // kubectl create's Update entry lost the replicas to the scale applier.
    expect(entryOf(d, "kubectl-create")?.fieldsV1?.["f:spec"]?.["f:replicas"]).toBeUndefined();
    // An apply configuration without replicas: the Scale's int32 is left at 0.
    const none = await kube(
      c,
      "PATCH",
      `${DEPLOYS}/ssa-drop/scale?fieldManager=hpa-like`,
      { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "ssa-drop" } },
      APPLY,
    );
    expect(none.status).toBe(200);
    d = await get("ssa-drop");
    expect(d.spec.replicas).toBe(0);
    expect(d.metadata.labels).toEqual({ app: "ssa-drop" });
    expect(entryOf(d, "hpa-like", "scale")).toBeUndefined();
  });

  it("a custom resource's scale: the replicas path is the CRD's specReplicasPath", async () => {
    await ok(
      ["apply", "-f", "-"],
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: pools.scale.example.com
spec:
  group: scale.example.com
  scope: Namespaced
  names: { plural: pools, singular: pool, kind: Pool }
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      scale: { specReplicasPath: .spec.size, statusReplicasPath: .status.size }
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: { type: integer }
              flavour: { type: string }
          status:
            type: object
            properties:
              size: { type: integer }
`,
    );
    const POOLS = "/apis/scale.example.com/v1/namespaces/default/pools";
    const pool =
      "apiVersion: scale.example.com/v1\nkind: Pool\nmetadata:\n  name: p1\nspec:\n  size: 1\n  flavour: small\n";
    await until("the Pool kind is served", async () => {
      const r = await kubectl(c, ["apply", "--server-side", "--field-manager=owner", "-f", "-"], pool);
      return r.code === 0 ? true : undefined;
    });
    const scale = (n: number, force: boolean) =>
      kube(
        c,
        "PATCH",
        `${POOLS}/p1/scale?fieldManager=sizer${force ? "&force=true" : ""}`,
        scaleOf("p1", n),
        APPLY,
      );
    const refused = await scale(3, false);
    expect(refused.status).toBe(409);
    expect((refused.body as Obj).message).toBe(
      'Apply failed with 1 conflict: conflict with "owner": .spec.replicas',
    );
    const forced = await scale(3, true);
    expect(forced.status).toBe(200);
    expect((forced.body as Obj).spec).toEqual({ replicas: 3 });
    const p = (await kube(c, "GET", `${POOLS}/p1`)).body as Obj;
    expect(p.spec).toEqual({ size: 3, flavour: "small" });
    expect(entryOf(p, "sizer", "scale")).toEqual({
      manager: "sizer",
      operation: "Apply",
      apiVersion: "scale.example.com/v1",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:spec": { "f:size": {} } },
      subresource: "scale",
    });
    expect(entryOf(p, "owner")?.fieldsV1).toEqual({ "f:spec": { "f:flavour": {} } });
  });

  it("the apply configuration must be an autoscaling/v1 Scale of that name, of an object that exists", async () => {
    await ok(["create", "deployment", "ssa-bad", "--image=nginx", "--replicas=1"]);
    const wrong = await kube(
      c,
      "PATCH",
      `${DEPLOYS}/ssa-bad/scale?fieldManager=m`,
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "ssa-bad" }, spec: { replicas: 3 } },
      APPLY,
    );
    expect(wrong.status).toBe(400);
    expect((wrong.body as Obj).message).toBe(
      "Incorrect version specified in apply patch. Specified patch version: apps/v1, expected: autoscaling/v1",
    );
    // kubectl apply --subresource=scale sends the manifest it is given: a Deployment is refused so.
    const k = await kubectl(
      c,
      ["apply", "--server-side", "--subresource=scale", "-f", "-"],
      deploy("ssa-bad", 3),
    );
    expect(k.code).toBe(1);
    expect(k.stderr).toContain(
      "Incorrect version specified in apply patch. Specified patch version: apps/v1, expected: autoscaling/v1",
    );
    const other = await kube(c, "PATCH", `${DEPLOYS}/ssa-bad/scale?fieldManager=m`, scaleOf("x", 3), APPLY);
    expect(other.status).toBe(400);
    expect((other.body as Obj).message).toBe(
      "the name of the object (x) does not match the name on the URL (ssa-bad)",
    );
    const negative = await applyScale("ssa-bad", "m", -1, true);
    expect(negative.status).toBe(422);
    expect((negative.body as Obj).message).toBe(
      'Scale.autoscaling "ssa-bad" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    );
    const missing = await applyScale("nope", "m", 1);
    expect(missing.status).toBe(404);
    expect((missing.body as Obj).message).toBe('deployments.apps "nope" not found');
    expect((await get("ssa-bad")).spec.replicas).toBe(1);
  });
});

describe("Secret stringData", () => {
  const secret = (name: string) => kube(c, "GET", `/api/v1/namespaces/default/secrets/${name}`);

  it("kubectl create secret --from-literal is data", async () => {
    await ok(["create", "secret", "generic", "lit", "--from-literal=a=b"]);
    const s = JSON.parse(await ok(["get", "secret", "lit", "-o", "json"])) as Obj;
    expect(s.data).toEqual({ a: b64("b") });
    expect(s.stringData).toBeUndefined();
  });

  it("stringData is folded into data (winning over data's key) on create and update, and never returned", async () => {
    const yaml = (x: string) => `apiVersion: v1
kind: Secret
metadata:
  name: sd
data:
  a: ${b64("from-data")}
  keep: ${b64("kept")}
stringData:
  a: ${x}
  b: "hello world"
`;
    expect(await ok(["apply", "-f", manifestFile(yaml("first"))])).toBe("secret/sd created\n");
    const s = JSON.parse(await ok(["get", "secret", "sd", "-o", "json"])) as Obj;
    expect(s.data).toEqual({ a: b64("first"), keep: b64("kept"), b: b64("hello world") });
    expect(s.stringData).toBeUndefined();
    expect(s.type).toBe("Opaque");
    // Applied again with a new value: an update, folded the same way.
    await ok(["apply", "-f", manifestFile(yaml("second"))]);
    const s2 = JSON.parse(await ok(["get", "secret", "sd", "-o", "json"])) as Obj;
    expect(s2.data).toEqual({ a: b64("second"), keep: b64("kept"), b: b64("hello world") });
    expect(s2.stringData).toBeUndefined();
    // A raw PUT and a merge patch with stringData only: data keeps the other keys.
    const cur = (await secret("sd")).body as Obj;
    const put = await kube(c, "PUT", "/api/v1/namespaces/default/secrets/sd", {
      ...cur,
      stringData: { c: "ü✓" },
    });
    expect(put.status).toBe(200);
    expect((put.body as Obj).stringData).toBeUndefined();
    expect((put.body as Obj).data.c).toBe(b64("ü✓"));
    const patched = await kube(
      c,
      "PATCH",
      "/api/v1/namespaces/default/secrets/sd",
      { stringData: { keep: "changed" } },
      { "content-type": "application/merge-patch+json" },
    );
    expect(patched.status).toBe(200);
    const stored = (await secret("sd")).body as Obj;
    expect(stored.data).toEqual({
      a: b64("second"),
      keep: b64("changed"),
      b: b64("hello world"),
      c: b64("ü✓"),
    });
    expect(stored.stringData).toBeUndefined();
    // Nothing of stringData reaches managedFields of a plain create.
    const created = await kube(c, "POST", "/api/v1/namespaces/default/secrets?fieldManager=m", {
      metadata: { name: "only-string" },
      stringData: { x: "y" },
    });
    expect(created.status).toBe(201);
    expect((created.body as Obj).data).toEqual({ x: b64("y") });
    expect(JSON.stringify(entryOf(created.body as Obj, "m")?.fieldsV1)).not.toContain("stringData");
  });

  it("a dry run folds it too, and a bad stringData key is refused as a data key", async () => {
    const dry = await kube(c, "POST", "/api/v1/namespaces/default/secrets?dryRun=All", {
      metadata: { name: "dry" },
      stringData: { k: "v" },
    });
    expect(dry.status).toBe(201);
    expect((dry.body as Obj).data).toEqual({ k: b64("v") });
    expect((dry.body as Obj).stringData).toBeUndefined();
    expect((await secret("dry")).status).toBe(404);
    const bad = await kube(c, "POST", "/api/v1/namespaces/default/secrets", {
      metadata: { name: "bad" },
      stringData: { "a b": "v" },
    });
    expect(bad.status).toBe(422);
    expect(((bad.body as Obj).details.causes as Obj[]).map((x) => x.field)).toEqual(["data[a b]"]);
    const notString = await kube(c, "POST", "/api/v1/namespaces/default/secrets", {
      metadata: { name: "num" },
      stringData: { n: 1 },
    });
    expect([notString.status, (notString.body as Obj).reason, (notString.body as Obj).message]).toEqual([
      400,
      "BadRequest",
      'Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal number into Go struct field Secret.stringData of type string',
    ]);
    expect((await secret("num")).status).toBe(404);
    // A null is Go's zero value: an empty entry.
    const nul = await kube(c, "POST", "/api/v1/namespaces/default/secrets", {
      metadata: { name: "nul" },
      stringData: { e: null },
    });
    expect([nul.status, (nul.body as Obj).data]).toEqual([201, { e: "" }]);
  });
});

describe("custom resources' metadata", () => {
  const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
`;
  const NAME_PART =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  const WIDGETS = "/apis/example.com/v1/namespaces/default/widgets";

  it("a bad label key, label value or annotation key is 422 Invalid with apimachinery's wording", async () => {
    expect(await ok(["apply", "-f", manifestFile(crd)])).toBe(
      "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created\n",
    );
    await until("the CRD served", async () =>
      (await kube(c, "GET", WIDGETS)).status === 200 ? true : undefined,
    );
    const cr = `apiVersion: example.com/v1
kind: Widget
metadata:
  name: w1
  labels:
    "bad key!": x
spec: {size: 1}
`;
    const r = await kubectl(c, ["apply", "-f", manifestFile(cr)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `The Widget "w1" is invalid: metadata.labels: Invalid value: "bad key!": ${NAME_PART}`,
    );
    const raw = await kube(c, "POST", WIDGETS, {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: {
        name: "w2",
        labels: { ok: "bad value!" },
        annotations: { "example.com/fine": "1", "/nope": "2" },
      },
      spec: { size: "big" },
    });
    expect(raw.status).toBe(422);
    const body = raw.body as Obj;
    expect([body.kind, body.reason, body.details.kind, body.details.group]).toEqual([
      "Status",
      "Invalid",
      "Widget",
      "example.com",
    ]);
    // Metadata first, then the schema's causes (apiextensions' customResourceValidator order).
    expect((body.details.causes as Obj[]).map((x) => [x.reason, x.field, x.message])).toEqual([
      [
        "FieldValueInvalid",
        "metadata.labels",
        `Invalid value: "bad value!": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      ],
      ["FieldValueInvalid", "metadata.annotations", 'Invalid value: "/nope": prefix part must be non-empty'],
      [
        "FieldValueTypeInvalid",
        "spec.size",
        'Invalid value: "string": spec.size in body must be of type integer: "string"',
      ],
    ]);
    expect((await kube(c, "GET", `${WIDGETS}/w1`)).status).toBe(404);
    expect((await kube(c, "GET", `${WIDGETS}/w2`)).status).toBe(404);
  });

  it("good metadata is written; an update adding a bad label is refused and changes nothing", async () => {
    const made = await kube(c, "POST", WIDGETS, {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w3", labels: { "app.kubernetes.io/name": "w3" } },
      spec: { size: 1 },
    });
    expect(made.status).toBe(201);
    const r = await kubectl(c, ["label", "widget", "w3", "a/b/c=x"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('metadata.labels: Invalid value: "a/b/c"');
    const p = await kube(
      c,
      "PATCH",
      `${WIDGETS}/w3`,
      { metadata: { annotations: { "bad_prefix/x": "1" } } },
      { "content-type": "application/merge-patch+json" },
    );
    expect(p.status).toBe(422);
    expect(((p.body as Obj).details.causes as Obj[]).map((x) => x.field)).toEqual(["metadata.annotations"]);
    const w = (await kube(c, "GET", `${WIDGETS}/w3`)).body as Obj;
    expect(w.metadata.labels).toEqual({ "app.kubernetes.io/name": "w3" });
    expect(w.metadata.annotations).toBeUndefined();
    expect(w.metadata.resourceVersion).toBe((made.body as Obj).metadata.resourceVersion);
  });
});

describe("write options: fieldManager and force (ValidateCreate/Update/PatchOptions)", () => {
  const CMS = "/api/v1/namespaces/default/configmaps";
  const fm = (m: string) => `fieldManager=${encodeURIComponent(m)}`;
  const MERGE = { "content-type": "application/merge-patch+json" };
  const APPLY = { "content-type": "application/apply-patch+yaml" };
  const cm = (name: string) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name },
    data: { a: "1" },
  });
  /** The 422 kube-apiserver answers with NewInvalid(meta.k8s.io/<kind>, "", errs). */
  const refused = (kind: string, message: string, causes: Obj[]) => ({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: `${kind}.meta.k8s.io "" is invalid: ${message}`,
    reason: "Invalid",
    details: { group: "meta.k8s.io", kind, causes },
    code: 422,
  });
  const TOO_LONG = {
    reason: "FieldValueTooLong",
    message: "Too long: may not be more than 128 bytes",
    field: "fieldManager",
  };

  it("a create's fieldManager longer than 128 bytes is refused, and nothing is made", async () => {
    // 127 ASCII characters and a two-byte one: 128 characters but 129 bytes.
    const long = `${"m".repeat(127)}é`;
    const r = await kube(c, "POST", `${CMS}?${fm(long)}`, cm("fm-long"));
    expect(r.status).toBe(422);
    expect(r.body).toEqual(
      refused("CreateOptions", "fieldManager: Too long: may not be more than 128 bytes", [TOO_LONG]),
    );
    expect((await kube(c, "GET", `${CMS}/fm-long`)).status).toBe(404);
    // Exactly 128 bytes is fine, and is the manager recorded.
    const edge = `${"m".repeat(126)}é`;
    const ok = await kube(c, "POST", `${CMS}?${fm(edge)}`, cm("fm-long"));
    expect(ok.status).toBe(201);
    expect(managers(ok.body as Obj)).toEqual([[edge, "Update", "v1", ""]]);
  });

  it("an update's unprintable fieldManager character is named by code point and byte offset", async () => {
    await kube(c, "POST", CMS, cm("fm-print"));
    const r = await kube(c, "PUT", `${CMS}/fm-print?${fm("é\tx\u00a0")}`, cm("fm-print"));
    expect(r.status).toBe(422);
    // %q of the value; the tab is at byte 2 (after the two bytes of é), NBSP at byte 4.
    const tab = {
      reason: "FieldValueInvalid",
      message: 'Invalid value: "é\\tx\\u00a0": invalid character U+0009 (at position 2)',
      field: "fieldManager",
    };
    const nbsp = {
      reason: "FieldValueInvalid",
      message: 'Invalid value: "é\\tx\\u00a0": invalid character U+00A0 (at position 4)',
      field: "fieldManager",
    };
    expect(r.body).toEqual(
      refused("UpdateOptions", `[fieldManager: ${tab.message}, fieldManager: ${nbsp.message}]`, [tab, nbsp]),
    );
  });

  it("dryRun and fieldValidation are refused in the same answer, after fieldManager", async () => {
    const r = await kube(
      c,
      "POST",
      `${CMS}?dryRun=All&dryRun=Some&fieldValidation=Loose&${fm("a\u0001")}`,
      cm("fm-all"),
    );
    expect(r.status).toBe(422);
    const causes = [
      {
        reason: "FieldValueInvalid",
        message: 'Invalid value: "a\\x01": invalid character U+0001 (at position 1)',
        field: "fieldManager",
      },
      {
        reason: "FieldValueNotSupported",
        message: 'Unsupported value: []string{"All", "Some"}: supported values: "All"',
        field: "dryRun",
      },
      {
        reason: "FieldValueNotSupported",
        message: 'Unsupported value: "Loose": supported values: "", "Ignore", "Strict", "Warn"',
        field: "fieldValidation",
      },
    ];
    expect(r.body).toEqual(
      refused("CreateOptions", `[${causes.map((x) => `${x.field}: ${x.message}`).join(", ")}]`, causes),
    );
    // CreateOptions has no force: the parameter is ignored.
    const made = await kube(c, "POST", `${CMS}?force=true&dryRun=All`, cm("fm-all"));
    expect(made.status).toBe(201);
    expect((await kube(c, "GET", `${CMS}/fm-all`)).status).toBe(404);
  });

  it("a patch: apply needs a fieldManager, force is only for apply, every problem in one answer", async () => {
    await kube(c, "POST", CMS, cm("fm-patch"));
    const applied = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "fm-patch" }, data: { b: "2" } };
    const none = await kube(c, "PATCH", `${CMS}/fm-patch`, applied, APPLY);
    expect(none.status).toBe(422);
    expect(none.body).toEqual(
      refused("PatchOptions", "fieldManager: Required value: is required for apply patch", [
        {
          reason: "FieldValueRequired",
          message: "Required value: is required for apply patch",
          field: "fieldManager",
        },
      ]),
    );
    const forced = await kube(c, "PATCH", `${CMS}/fm-patch?force=false`, { data: { b: "2" } }, MERGE);
    expect(forced.status).toBe(422);
    const forbidden = {
      reason: "FieldValueForbidden",
      message: "Forbidden: may not be specified for non-apply patch",
      field: "force",
    };
    expect(forced.body).toEqual(
      refused("PatchOptions", "force: Forbidden: may not be specified for non-apply patch", [forbidden]),
    );
    // Both at once, in upstream's order; the options are refused before the body is read.
    const both = await kube(
      c,
      "PATCH",
      `${CMS}/fm-patch?force=true&${fm("x".repeat(129))}`,
      "{not json",
      MERGE,
    );
    expect(both.status).toBe(422);
    expect(both.body).toEqual(
      refused(
        "PatchOptions",
        "[force: Forbidden: may not be specified for non-apply patch, fieldManager: Too long: may not be more than 128 bytes]",
        [forbidden, TOO_LONG],
      ),
    );
    // The media type is refused before the options are read.
    const media = await kube(c, "PATCH", `${CMS}/fm-patch?${fm("x".repeat(129))}`, "{}", {
      "content-type": "text/plain",
    });
    expect(media.status).toBe(415);
    const created = await kube(c, "POST", `${CMS}?${fm("x".repeat(129))}`, "{}", {
      "content-type": "text/plain",
    });
    expect(created.status).toBe(415);
    const cur = (await kube(c, "GET", `${CMS}/fm-patch`)).body as Obj;
    expect(cur.data).toEqual({ a: "1" });
  });

  it("boolean parameters read as kube-apiserver reads them: only 0 and false (any case) are false", async () => {
    await kube(c, "POST", `${CMS}?${fm("alice")}`, { ...cm("fm-bool"), data: { a: "1" } });
    const apply = (force: string) =>
      kube(
        c,
        "PATCH",
        `${CMS}/fm-bool?${fm("bob")}&force=${force}`,
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "fm-bool" }, data: { a: "2" } },
        APPLY,
      );
    // Not forced: a conflict with alice over data.a.
    for (const no of ["false", "FALSE", "fAlSe", "0"]) expect((await apply(no)).status, no).toBe(409);
    // Anything else forces — even a value strconv.ParseBool would refuse, or none at all.
    for (const yes of ["abc", "", "f"]) {
      const r = await apply(yes);
      expect(r.status, yes).toBe(200);
      expect((r.body as Obj).data).toEqual({ a: "2" });
    }
    // watch=yes is a watch (the answer is a stream of events, not a list).
    const ac = new AbortController();
    const w = await fetch(`${c.server}${CMS}?watch=yes&resourceVersion=0`, {
      headers: { authorization: `Bearer ${c.token}` },
      signal: ac.signal,
    });
    const reader = (w.body as ReadableStream<Uint8Array>).getReader();
    const first = JSON.parse(new TextDecoder().decode((await reader.read()).value).split("\n")[0]) as Obj;
    await reader.cancel();
    ac.abort();
    expect(first.type).toBe("ADDED");
  });

  it("annotations may hold 256 KiB of keys and values in all, counted in bytes", async () => {
    // Two keys of 1 byte; values filling the limit exactly, the second one multi-byte (é: 2 bytes).
    const at = (extra: number) => ({
      ...cm("fm-annotations"),
      metadata: {
        name: "fm-annotations",
        annotations: { a: "x".repeat(131_071), b: "é".repeat(65_535) + "y".repeat(1 + extra) },
      },
    });
    const over = await kube(c, "POST", CMS, at(1));
    expect(over.status).toBe(422);
    expect(over.body).toMatchObject({
      reason: "Invalid",
      message:
        'ConfigMap "fm-annotations" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes',
      details: {
        causes: [
          {
            reason: "FieldValueTooLong",
            message: "Too long: may not be more than 262144 bytes",
            field: "metadata.annotations",
          },
        ],
      },
    });
    expect((await kube(c, "POST", CMS, at(0))).status).toBe(201);
  });

  it("kubectl's --field-manager gets the same answer", async () => {
    const r = await kubectl(c, ["create", "configmap", "fm-kubectl", `--field-manager=${"k".repeat(129)}`]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'error: failed to create configmap: CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes',
    );
    const a = await kubectl(
      c,
      ["apply", "--server-side", `--field-manager=bad\u0001manager`, "-f", "-"],
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fm-kubectl\n",
    );
    expect(a.code).toBe(1);
    expect(a.stderr.trim()).toBe(
      // kubectl words an Invalid Status with details as "The <kind> <name> is invalid".
      'The PatchOptions "" is invalid: fieldManager: Invalid value: "bad\\x01manager": invalid character U+0001 (at position 3)',
    );
    expect((await kube(c, "GET", `${CMS}/fm-kubectl`)).status).toBe(404);
  });
});

describe("YAML bodies", () => {
  const APPLY = { "content-type": "application/apply-patch+yaml" };
  const path = (name: string) => `/api/v1/namespaces/default/configmaps/${name}?fieldManager=yaml-test`;

  it("a YAML body of 100,000 keys is read in one pass (each key checked once), and answered", async () => {
    let doc = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\ndata:\n";
    for (let i = 0; i < 100_000; i++) doc += `  k${i}: v${i}\n`;
    const r = await kube(c, "PATCH", path("wide"), doc, APPLY);
    expect(r.status).toBe(201);
    expect(Object.keys((r.body as Obj).data)).toHaveLength(100_000);
  });

  it("a key given twice in one mapping is refused, as before", async () => {
    const doc =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: twice\ndata:\n  a: '1'\n  b: '2'\n  a: '3'\n";
    const r = await kube(c, "PATCH", path("twice"), doc, APPLY);
    expect([r.status, (r.body as Obj).message]).toEqual([
      400,
      "error converting YAML to JSON: Map keys must be unique",
    ]);
    const nested = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: twice\n  labels: {x: a, x: b}\n";
    expect((await kube(c, "PATCH", path("twice"), nested, APPLY)).status).toBe(400);
  });
});

describe("empty lists and maps, as protobuf storage and omitempty keep them", () => {
  it("an empty optional map or list is stored as nothing; an empty struct stays", async () => {
    await ok(["create", "configmap", "empties", "--from-literal=a=b"]);
    // Nothing to store: kubectl says so, and `kubectl diff` of the same object finds no labels: {}.
    expect(
      await ok(["patch", "configmap", "empties", "-p", '{"metadata":{"annotations":{},"labels":{}}}']),
    ).toBe("configmap/empties patched (no change)\n");
    const cm = (await kube(c, "GET", "/api/v1/namespaces/default/configmaps/empties")).body as Obj;
    expect(Object.keys(cm.metadata)).not.toContain("labels");
    expect(Object.keys(cm.metadata)).not.toContain("annotations");
    const pod = await kube(c, "POST", "/api/v1/namespaces/default/pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "empties", labels: {}, finalizers: [] },
      spec: {
        nodeSelector: {},
        tolerations: [],
        volumes: [{ name: "scratch", emptyDir: {} }],
        containers: [{ name: "c", image: "nginx", args: [], resources: {} }],
      },
    });
    expect(pod.status).toBe(201);
    const p = pod.body as Obj;
    expect(p.metadata.labels).toBeUndefined();
    expect(p.metadata.finalizers).toBeUndefined();
    expect(p.spec.nodeSelector).toBeUndefined();
    expect(p.spec.containers[0].args).toBeUndefined();
    // Structs are not omitted when empty: emptyDir {} is the volume's source; resources {} stays.
    expect(p.spec.volumes[0]).toEqual({ name: "scratch", emptyDir: {} });
    expect(p.spec.containers[0].resources).toEqual({});
  });
});
