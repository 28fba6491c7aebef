// A CRD's life as kube-apiserver runs it: served by every API instance from the next request
// (no cache staleness), and deleting it deletes its custom objects first — the CRD carries the
// customresourcecleanup finalizer and a Terminating condition, refuses new objects, waits for
// objects with finalizers of their own, then goes.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeApi } from "../../src/kube/api.js";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  createCluster,
  type KubeCluster,
  kube,
  kubectl,
  type Obj,
  startKubeEmulator,
} from "../kube/kube-helpers.js";
import { until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;
beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await createCluster(emu, "crdlife", "1.33");
});
afterAll(async () => {
  await emu?.close();
});

const crd = (plural: string) => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `${plural}.example.com` },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { plural, singular: plural.slice(0, -1), kind: plural[0].toUpperCase() + plural.slice(1, -1) },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      },
    ],
  },
});

describe("CRD lifecycle", () => {
  it("a CRD written through one API instance is served by another at once", async () => {
    // A second instance over the same store, as the controller manager (or another process) has.
    const other = new KubeApi(emu.store);
    expect(await other.find(c.uid, "example.com", "v1", "gadgets")).toBeUndefined();
    const r = await kube(
      c,
      "POST",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      crd("gadgets"),
    );
    expect(r.status).toBe(201);
    const t = await other.find(c.uid, "example.com", "v1", "gadgets");
    expect(t?.kind).toBe("Gadget");
    const del = await kube(
      c,
      "DELETE",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.example.com",
    );
    expect(del.status).toBe(200);
    await until(async () => ((await other.find(c.uid, "example.com", "v1", "gadgets")) ? undefined : true));
  });

  it("deleting a CRD deletes its objects, refusing new ones while it terminates", async () => {
    expect(
      (await kube(c, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd("widgets")))
        .status,
    ).toBe(201);
    const base = "/apis/example.com/v1/namespaces/default/widgets";
    for (const name of ["a", "b"])
      expect(
        (await kube(c, "POST", base, { apiVersion: "example.com/v1", kind: "Widget", metadata: { name } }))
          .status,
      ).toBe(201);
    const held = await kube(c, "POST", base, {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "held", finalizers: ["example.com/hold"] },
    });
    expect(held.status).toBe(201);

    const del = await kubectl(c, ["delete", "crd", "widgets.example.com", "--wait=false"]);
    expect(del.stdout).toBe('customresourcedefinition.apiextensions.k8s.io "widgets.example.com" deleted\n');

    // The plain objects go; the held one waits, and so does the CRD.
    const left = await until(async () => {
      const l = await kube(c, "GET", base);
      const names = ((l.body as Obj).items as Obj[]).map((i) => i.metadata.name);
      return names.length === 1 ? names : undefined;
    });
    expect(left).toEqual(["held"]);
    const live = (
      await kube(c, "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")
    ).body as Obj;
    expect(live.metadata.finalizers).toEqual(["customresourcecleanup.apiextensions.k8s.io"]);
    expect(live.metadata.deletionTimestamp).toEqual(expect.any(String));
    const term = (live.status.conditions as Obj[]).find((x) => x.type === "Terminating");
    expect(term).toMatchObject({ status: "True", reason: "InstanceDeletionInProgress" });

    const refused = await kube(c, "POST", base, {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "late" },
    });
    expect(refused.status).toBe(405);
    expect((refused.body as Obj).reason).toBe("MethodNotAllowed");
    expect((refused.body as Obj).message).toBe(
      "create not allowed while custom resource definition is terminating",
    );

    // Its finalizer removed, the held object goes, then the CRD.
    const p = await kubectl(c, [
      "patch",
      "widget",
      "held",
      "--type=merge",
      "-p",
      '{"metadata":{"finalizers":null}}',
    ]);
    expect(p.code).toBe(0);
    await until(async () => {
      const g = await kube(
        c,
        "GET",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
      );
      return g.status === 404 ? true : undefined;
    });
    // Recreated, it starts empty.
    expect(
      (await kube(c, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd("widgets")))
        .status,
    ).toBe(201);
    const fresh = await kube(c, "GET", base);
    expect(fresh.status).toBe(200);
    expect((fresh.body as Obj).items).toEqual([]);
  });
});

describe("schema patterns are Go regular expressions", () => {
  const withPattern = (plural: string, pattern: string) => {
    const d = crd(plural);
    d.spec.versions[0].schema = {
      openAPIV3Schema: {
        type: "object",
        properties: { spec: { type: "object", properties: { name: { type: "string", pattern } } } },
      },
    } as unknown as (typeof d.spec.versions)[0]["schema"];
    return d;
  };

  it("a pattern Go's regexp does not compile is refused with the CRD, naming the field", async () => {
    for (const pattern of ["(?<=a)b[", "^(?=a)a$"]) {
      const r = await kube(
        c,
        "POST",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        withPattern("lookers", pattern),
      );
      expect(r.status).toBe(422);
      const cause = ((r.body as Obj).details.causes as Obj[])[0];
      expect(cause.field).toBe(
        "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[name].pattern",
      );
      expect(cause.message).toMatch(
        /^Invalid value: ".*": must be a valid regular expression, but isn't: error parsing regexp: /,
      );
    }
  });

  it("a backtracking-prone pattern is matched in linear time: the answer is prompt and the server stays responsive", async () => {
    const r = await kube(
      c,
      "POST",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      withPattern("nesteds", "^(a+)+$"),
    );
    expect(r.status).toBe(201);
    await until(async () =>
      (await kube(c, "GET", "/apis/example.com/v1/nesteds")).status === 200 ? true : undefined,
    );
    const [bad, good] = await Promise.all([
      kube(c, "POST", "/apis/example.com/v1/namespaces/default/nesteds", {
        apiVersion: "example.com/v1",
        kind: "Nested",
        metadata: { name: "evil" },
        spec: { name: `${"a".repeat(5000)}!` },
      }),
      kube(c, "POST", "/apis/example.com/v1/namespaces/default/nesteds", {
        apiVersion: "example.com/v1",
        kind: "Nested",
        metadata: { name: "fine" },
        spec: { name: "aaaa" },
      }),
    ]);
    // A backtracking engine needs about 2^5000 steps for the first: it would never answer (the
    // test's time limit fails it).
    expect([bad.status, good.status]).toEqual([422, 201]);
    expect((bad.body as Obj).message).toContain("spec.name in body should match '^(a+)+$'");
  });
});
