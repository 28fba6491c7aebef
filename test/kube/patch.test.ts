// Strategic merge patch, merge patch and selectors against the upstream semantics they copy.
import { describe, expect, it } from "vitest";
import { BUILTIN_KINDS } from "../../src/kube/kinds.js";
import { applyMergePatch, applyStrategicMergePatch } from "../../src/kube/patch.js";
import { builtinSchemas } from "../../src/kube/schemas.js";
import { matchLabels, parseFieldSelector, parseLabelSelector } from "../../src/kube/selectors.js";

const s = builtinSchemas(BUILTIN_KINDS);
const podSchema = s.defs.get(s.topFor("", "v1", "Pod")!);
const smp = (doc: Record<string, unknown>, patch: unknown) =>
  applyStrategicMergePatch(doc, patch, podSchema, (x) => s.resolve(x));

describe("strategic merge patch", () => {
  const pod = {
    metadata: { labels: { a: "1" }, finalizers: ["x", "y"] },
    spec: {
      containers: [
        { name: "web", image: "nginx:1", ports: [{ containerPort: 80 }], env: [{ name: "A", value: "1" }] },
        { name: "side", image: "busybox" },
      ],
      tolerations: [{ key: "k1" }],
    },
  };

  it("merges lists by their merge key and keeps unnamed items", () => {
    const out = smp(pod, {
      spec: { containers: [{ name: "web", image: "nginx:2", env: [{ name: "B", value: "2" }] }] },
    }) as typeof pod;
    expect(out.spec.containers.map((c) => `${c.name}:${c.image}`)).toEqual(["web:nginx:2", "side:busybox"]);
    expect(out.spec.containers[0].env).toEqual([
      { name: "A", value: "1" },
      { name: "B", value: "2" },
    ]);
    expect(out.spec.containers[0].ports).toEqual([{ containerPort: 80 }]);
  });

  it("$setElementOrder naming a key twice keeps the first place (kubectl debug reusing a name)", () => {
    const out = smp(pod, {
      spec: {
        "$setElementOrder/containers": [{ name: "web" }, { name: "side" }, { name: "web" }],
        containers: [{ name: "web", image: "nginx:1" }],
      },
    }) as typeof pod;
    expect(out.spec.containers.map((c) => c.name)).toEqual(["web", "side"]);
  });

  it("replaces lists without a patch strategy (tolerations) and merges primitive merge lists (finalizers)", () => {
    const out = smp(pod, {
      metadata: { finalizers: ["z"] },
      spec: { tolerations: [{ key: "k2" }] },
    }) as typeof pod;
    expect(out.spec.tolerations).toEqual([{ key: "k2" }]);
    expect(out.metadata.finalizers).toEqual(["x", "y", "z"]);
  });

  it("honours $patch: replace on a list and on a map, null deletes a key", () => {
    const out = smp(pod, {
      metadata: { labels: { $patch: "replace", b: "2" } },
      spec: { containers: [{ $patch: "replace" }, { name: "only", image: "i" }] },
    }) as typeof pod;
    expect(out.metadata.labels).toEqual({ b: "2" });
    expect(out.spec.containers).toEqual([{ name: "only", image: "i" }]);
    const del = smp(pod, { metadata: { labels: { a: null } } }) as typeof pod;
    expect(del.metadata.labels).toEqual({});
  });

  it("$retainKeys drops the keys a patch does not keep", () => {
    const out = smp(
      { spec: { volumes: [{ name: "v", emptyDir: {} }] } },
      {
        spec: { volumes: [{ name: "v", $retainKeys: ["name", "hostPath"], hostPath: { path: "/x" } }] },
      },
    ) as { spec: { volumes: unknown[] } };
    expect(out.spec.volumes).toEqual([{ name: "v", hostPath: { path: "/x" } }]);
  });

  it("refuses a merge-keyed item without its key, with kube's wording", () => {
    expect(() => smp(pod, { spec: { containers: [{ image: "x" }] } })).toThrow(
      'map: {"image":"x"} does not contain declared merge key: name',
    );
  });
});

describe("merge patch (RFC 7386)", () => {
  it("replaces arrays and deletes with null", () => {
    expect(applyMergePatch({ a: [1, 2], b: { c: 1, d: 2 } }, { a: [3], b: { c: null } })).toEqual({
      a: [3],
      b: { d: 2 },
    });
  });
});

describe("selectors", () => {
  it("parses and matches set-based label selectors", () => {
    const r = parseLabelSelector("env in (prod,staging),tier!=db,!legacy,app");
    expect(matchLabels(r, { env: "prod", app: "x" })).toBe(true);
    expect(matchLabels(r, { env: "dev", app: "x" })).toBe(false);
    expect(matchLabels(r, { env: "prod", app: "x", legacy: "1" })).toBe(false);
    expect(() => parseLabelSelector("a in b")).toThrow("unable to parse requirement");
  });

  it("field selectors accept metadata.* and the kind's own fields only", () => {
    expect(parseFieldSelector("metadata.name=x,status.phase!=Running", ["status.phase"])).toEqual([
      { field: "metadata.name", op: "=", value: "x" },
      { field: "status.phase", op: "!=", value: "Running" },
    ]);
    expect(() => parseFieldSelector("spec.foo=1", ["status.phase"])).toThrow(
      "field label not supported: spec.foo",
    );
  });
});
