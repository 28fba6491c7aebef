// Client-chosen keys named `__proto__` (or `constructor`) through the real HTTP API: create,
// merge patch, strategic merge patch, JSON patch and server-side apply. Kubernetes treats them
// as ordinary map keys (a ConfigMap data key `__proto__` is valid and stored; a label or
// annotation key `__proto__` is refused by ObjectMeta validation). The emulator runs in this
// process, so Object.prototype is checked here after every request.

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { toFieldsV1, trackUpdate } from "../../src/kube/fields.js";
import { BUILTIN_KINDS } from "../../src/kube/kinds.js";
import { builtinSchemas, type Schema } from "../../src/kube/schemas.js";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  createCluster,
  type KubeCluster,
  kube,
  kubectl,
  type Obj,
  startKubeEmulator,
} from "../kube/kube-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;
const protoNames = Object.getOwnPropertyNames(Object.prototype).sort();
beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await createCluster(emu, "protokeys", "1.33", "protokeys-rg");
});
afterAll(async () => {
  await emu?.close();
});
afterEach(() => untouched());

/** Object.prototype as it was: no new property, nothing reachable from a fresh object. */
function untouched(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoNames);
  expect(({} as Obj).polluted).toBeUndefined();
  expect(({} as Obj).x).toBeUndefined();
}

const CM = "/api/v1/namespaces/default/configmaps";
const ct = (t: string) => ({ "content-type": t });
const MERGE = ct("application/merge-patch+json");
const SMP = ct("application/strategic-merge-patch+json");
const JSONPATCH = ct("application/json-patch+json");
const APPLY = ct("application/apply-patch+yaml");

/** The object's data, with own keys in order (a lost `__proto__` key would be missing here). */
async function data(name: string): Promise<[string, unknown][]> {
  const r = await kube(c, "GET", `${CM}/${name}`);
  expect(r.status).toBe(200);
  const d = (r.body as Obj).data as Obj;
  expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
  return Object.entries(d);
}

const mfOf = (o: Obj) =>
  (o.metadata.managedFields as Obj[]).map((e) => [e.manager, e.operation, JSON.stringify(e.fieldsV1)]);

const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

describe("a `__proto__` key is an ordinary key", () => {
  it("create stores and returns a ConfigMap data key `__proto__`; managedFields name it", async () => {
    const r = await kube(
      c,
      "POST",
      `${CM}?fieldManager=alice`,
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p1"},"data":{"__proto__":"y","constructor":"c","k":"v"}}',
    );
    expect(r.status).toBe(201);
    expect(r.text).toContain('"data":{"__proto__":"y","constructor":"c","k":"v"}');
    expect(mfOf(r.body as Obj)).toEqual([
      ["alice", "Update", '{"f:data":{"f:__proto__":{},"f:constructor":{},"f:k":{}}}'],
    ]);
    expect(await data("p1")).toEqual([
      ["__proto__", "y"],
      ["constructor", "c"],
      ["k", "v"],
    ]);
  });

  it("a label or annotation key `__proto__` is refused as kube-apiserver refuses it", async () => {
    for (const [field, body] of [
      ["metadata.labels", '{"metadata":{"name":"p2","labels":{"__proto__":"x"}}}'],
      ["metadata.annotations", '{"metadata":{"name":"p2","annotations":{"__proto__":"x"}}}'],
    ] as const) {
      const r = await kube(c, "POST", CM, body);
      expect(r.status).toBe(422);
      expect((r.body as Obj).message).toBe(
        `ConfigMap "p2" is invalid: ${field}: Invalid value: "__proto__": ${NAME_PART}`,
      );
      expect((r.body as Obj).details.causes).toEqual([
        { reason: "FieldValueInvalid", field, message: `Invalid value: "__proto__": ${NAME_PART}` },
      ]);
    }
    // A pod template's labels too (the ReplicaSet and pods would carry them).
    const d = await kube(
      c,
      "POST",
      "/apis/apps/v1/namespaces/default/deployments",
      '{"metadata":{"name":"d1"},"spec":{"selector":{"matchLabels":{"app":"d1"}},"template":{"metadata":{"labels":{"app":"d1","__proto__":"x"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}',
    );
    expect(d.status).toBe(422);
    expect((d.body as Obj).details.causes).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "spec.template.metadata.labels",
        message: `Invalid value: "__proto__": ${NAME_PART}`,
      },
    ]);
    // A nested object under `__proto__` neither pollutes nor is stored.
    const r = await kube(
      c,
      "POST",
      CM,
      '{"metadata":{"name":"p2","annotations":{"__proto__":{"polluted":"yes"}}}}',
    );
    expect(r.status).toBe(400);
    expect((await kube(c, "GET", `${CM}/p2`)).status).toBe(404);
  });

  it("ConfigMap and Secret keys follow IsConfigMapKey: `__proto__` passes, `..x` and `a/b` do not", async () => {
    const r = await kube(c, "POST", CM, '{"metadata":{"name":"keys"},"data":{"..x":"1","a/b":"2"}}');
    expect(r.status).toBe(422);
    expect((r.body as Obj).details.causes).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "data[..x]",
        message: `Invalid value: "..x": must not start with '..'`,
      },
      {
        reason: "FieldValueInvalid",
        field: "data[a/b]",
        message: `Invalid value: "a/b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
      },
    ]);
    const s = await kube(
      c,
      "POST",
      "/api/v1/namespaces/default/secrets",
      '{"metadata":{"name":"sk"},"data":{"__proto__":"eA=="},"stringData":{"bad key":"y"}}',
    );
    expect(s.status).toBe(422);
    expect((s.body as Obj).details.causes.map((x: Obj) => x.field)).toEqual(["data[bad key]"]);
    const ok = await kube(
      c,
      "POST",
      "/api/v1/namespaces/default/secrets",
      '{"metadata":{"name":"sk"},"data":{"__proto__":"eA=="}}',
    );
    expect(ok.status).toBe(201);
    expect(ok.text).toContain('"data":{"__proto__":"eA=="}');
  });

  it("merge patch sets, keeps and deletes a data key `__proto__`", async () => {
    await kube(c, "POST", CM, '{"metadata":{"name":"p3"},"data":{"a":"1"}}');
    let r = await kube(c, "PATCH", `${CM}/p3?fieldManager=bob`, '{"data":{"__proto__":"m"}}', MERGE);
    expect(r.status).toBe(200);
    expect(await data("p3")).toEqual([
      ["a", "1"],
      ["__proto__", "m"],
    ]);
    expect(mfOf(r.body as Obj)[1]).toEqual(["bob", "Update", '{"f:data":{"f:__proto__":{}}}']);
    r = await kube(c, "PATCH", `${CM}/p3`, '{"data":{"__proto__":"n","b":"2"}}', MERGE);
    expect(await data("p3")).toEqual([
      ["a", "1"],
      ["__proto__", "n"],
      ["b", "2"],
    ]);
    // An object where a string belongs is a decode error, and reaches no prototype.
    r = await kube(c, "PATCH", `${CM}/p3`, '{"data":{"__proto__":{"polluted":"yes"}}}', MERGE);
    expect(r.status).toBe(400);
    r = await kube(
      c,
      "PATCH",
      `${CM}/p3`,
      '{"__proto__":{"polluted":"yes"},"metadata":{"__proto__":{"x":"1"}}}',
      MERGE,
    );
    expect(r.status).toBe(200);
    r = await kube(c, "PATCH", `${CM}/p3`, '{"data":{"__proto__":null}}', MERGE);
    expect(r.status).toBe(200);
    expect(await data("p3")).toEqual([
      ["a", "1"],
      ["b", "2"],
    ]);
  });

  it("strategic merge patch sets a data key `__proto__` and `$retainKeys`/directives keep it ordinary", async () => {
    await kube(c, "POST", CM, '{"metadata":{"name":"p4"},"data":{"a":"1"}}');
    let r = await kube(c, "PATCH", `${CM}/p4?fieldManager=carol`, '{"data":{"__proto__":"s"}}', SMP);
    expect(r.status).toBe(200);
    expect(mfOf(r.body as Obj)[1]).toEqual(["carol", "Update", '{"f:data":{"f:__proto__":{}}}']);
    expect(await data("p4")).toEqual([
      ["a", "1"],
      ["__proto__", "s"],
    ]);
    r = await kube(
      c,
      "PATCH",
      `${CM}/p4`,
      '{"metadata":{"__proto__":{"polluted":"yes"}},"$deleteFromPrimitiveList/__proto__":["x"],"$setElementOrder/__proto__":[]}',
      SMP,
    );
    expect(r.status).toBe(200);
    r = await kube(c, "PATCH", `${CM}/p4`, '{"data":{"__proto__":"t"}}', SMP);
    expect(await data("p4")).toEqual([
      ["a", "1"],
      ["__proto__", "t"],
    ]);
  });

  it("JSON patch adds, replaces, tests and removes `/data/__proto__`; paths through a prototype are missing", async () => {
    await kube(c, "POST", CM, '{"metadata":{"name":"p5"},"data":{"a":"1"}}');
    let r = await kube(
      c,
      "PATCH",
      `${CM}/p5?fieldManager=dave`,
      '[{"op":"add","path":"/data/__proto__","value":"j"},{"op":"copy","from":"/data/a","path":"/data/constructor"}]',
      JSONPATCH,
    );
    expect(r.status).toBe(200);
    expect(mfOf(r.body as Obj)[1]).toEqual([
      "dave",
      "Update",
      '{"f:data":{"f:__proto__":{},"f:constructor":{}}}',
    ]);
    expect(await data("p5")).toEqual([
      ["a", "1"],
      ["__proto__", "j"],
      ["constructor", "1"],
    ]);
    r = await kube(
      c,
      "PATCH",
      `${CM}/p5`,
      '[{"op":"test","path":"/data/__proto__","value":"j"},{"op":"replace","path":"/data/__proto__","value":"k"}]',
      JSONPATCH,
    );
    expect(r.status).toBe(200);
    expect((await data("p5"))[1]).toEqual(["__proto__", "k"]);
    for (const [patch, message] of [
      [
        '[{"op":"add","path":"/metadata/__proto__/polluted","value":"yes"}]',
        'add operation does not apply: doc is missing path: "/metadata/__proto__/polluted": missing value',
      ],
      [
        '[{"op":"add","path":"/metadata/constructor/prototype/polluted","value":"yes"}]',
        'add operation does not apply: doc is missing path: "/metadata/constructor/prototype/polluted": missing value',
      ],
      [
        '[{"op":"replace","path":"/metadata/__proto__","value":{"polluted":"yes"}}]',
        "replace operation does not apply: doc is missing key: /metadata/__proto__: missing value",
      ],
      [
        '[{"op":"test","path":"/data/__proto__","value":"j"}]',
        "testing value /data/__proto__ failed: test failed",
      ],
    ] as const) {
      r = await kube(c, "PATCH", `${CM}/p5`, patch, JSONPATCH);
      expect(r.status).toBe(422);
      expect((r.body as Obj).message).toBe(
        `the server rejected our request due to an error in our request: ${message}`,
      );
    }
    r = await kube(c, "PATCH", `${CM}/p5`, '[{"op":"remove","path":"/data/__proto__"}]', JSONPATCH);
    expect(r.status).toBe(200);
    expect(await data("p5")).toEqual([
      ["a", "1"],
      ["constructor", "1"],
    ]);
  });

  it("server-side apply owns `.data.__proto__`, conflicts on it, and hands it over on force", async () => {
    const cfg = (v: string) =>
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p6"},"data":{"__proto__":"${v}"}}`;
    let r = await kube(c, "PATCH", `${CM}/p6?fieldManager=erin`, cfg("a1"), APPLY);
    expect(r.status).toBe(201);
    expect(mfOf(r.body as Obj)).toEqual([["erin", "Apply", '{"f:data":{"f:__proto__":{}}}']]);
    expect(await data("p6")).toEqual([["__proto__", "a1"]]);
    r = await kube(c, "PATCH", `${CM}/p6?fieldManager=frank`, cfg("b1"), APPLY);
    expect(r.status).toBe(409);
    expect((r.body as Obj).message).toBe(
      'Apply failed with 1 conflict: conflict with "erin": .data.__proto__',
    );
    r = await kube(c, "PATCH", `${CM}/p6?fieldManager=frank&force=true`, cfg("b1"), APPLY);
    expect(r.status).toBe(200);
    expect(mfOf(r.body as Obj)).toEqual([["frank", "Apply", '{"f:data":{"f:__proto__":{}}}']]);
    expect(await data("p6")).toEqual([["__proto__", "b1"]]);
    // An Update by another manager takes it over; applying without it then leaves it alone.
    r = await kube(c, "PATCH", `${CM}/p6?fieldManager=gina`, '{"data":{"__proto__":"g","z":"1"}}', MERGE);
    expect(mfOf(r.body as Obj)).toEqual([["gina", "Update", '{"f:data":{"f:__proto__":{},"f:z":{}}}']]);
    r = await kube(
      c,
      "PATCH",
      `${CM}/p6?fieldManager=frank`,
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p6"},"data":{"w":"1"}}',
      APPLY,
    );
    expect(r.status).toBe(200);
    expect(await data("p6")).toEqual([
      ["__proto__", "g"],
      ["z", "1"],
      ["w", "1"],
    ]);
  });
});

describe("with the real kubectl", () => {
  it("kubectl create configmap (protobuf) and apply --server-side (YAML) keep `__proto__` data keys", async () => {
    const created = await kubectl(c, [
      "create",
      "configmap",
      "k1",
      "--from-literal=__proto__=p",
      "--from-literal=constructor=c",
    ]);
    expect([created.code, created.stdout, created.stderr]).toEqual([0, "configmap/k1 created\n", ""]);
    expect(await data("k1")).toEqual([
      ["__proto__", "p"],
      ["constructor", "c"],
    ]);
    const manifest = (v: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: k2\ndata:\n  __proto__: "${v}"\n  toString: t\n`;
    for (const [v, word] of [
      ["1", "serverside-applied"],
      ["2", "serverside-applied"],
    ]) {
      const r = await kubectl(c, ["apply", "--server-side", "--field-manager=ops", "-f", "-"], manifest(v));
      expect([r.code, r.stdout, r.stderr]).toEqual([0, `configmap/k2 ${word}\n`, ""]);
      expect(await data("k2")).toEqual([
        ["__proto__", v],
        ["toString", "t"],
      ]);
    }
    const got = (await kube(c, "GET", `${CM}/k2`)).body as Obj;
    const [entry] = got.metadata.managedFields as Obj[];
    expect([entry.manager, entry.operation]).toEqual(["ops", "Apply"]);
    // (kube-apiserver also lists the map itself, `.`; the field names are what matters here.)
    expect(Object.keys(entry.fieldsV1["f:data"]).filter((k) => k !== ".")).toEqual([
      "f:__proto__",
      "f:toString",
    ]);
  });
});

describe("managedFields trees with a bare `__proto__` element (the string-path fallback)", () => {
  const schemas = builtinSchemas(BUILTIN_KINDS);
  const resolve = (s: Schema | undefined) => schemas.resolve(s);
  const cmSchema = { $ref: "#/definitions/io.k8s.api.core.v1.ConfigMap" } as Schema;

  it("toFieldsV1 keeps `__proto__` as an own key and writes nothing to Object.prototype", () => {
    const f = toFieldsV1(["__proto__\u0000polluted", "f:data\u0000f:__proto__"]);
    expect(Object.keys(f)).toEqual(["__proto__", "f:data"]);
    expect(JSON.stringify(f)).toBe('{"__proto__":{"polluted":{}},"f:data":{"f:__proto__":{}}}');
  });

  it("trackUpdate over an entry holding `__proto__` drops what changed, pollutes nothing", () => {
    const entry = JSON.parse(
      '{"manager":"old","operation":"Update","apiVersion":"v1","time":"2026-01-01T00:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"__proto__":{"polluted":{}},"f:data":{"f:a":{},"f:b":{}}}}',
    ) as Obj;
    const before = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data: { a: "1", b: "2" } };
    const after = structuredClone(before) as Obj;
    after.metadata.managedFields = [entry];
    after.data.a = "3";
    trackUpdate(before, after, "new", "v1", cmSchema, resolve);
    const mf = after.metadata.managedFields as Obj[];
    expect(mf.map((e) => [e.manager, JSON.stringify(e.fieldsV1)])).toEqual([
      ["old", '{"__proto__":{"polluted":{}},"f:data":{"f:b":{}}}'],
      ["new", '{"f:data":{"f:a":{}}}'],
    ]);
  });
});
