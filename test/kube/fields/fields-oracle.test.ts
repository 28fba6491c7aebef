// The fast paths of managedFields tracking (src/kube/fields.ts) and of admission's prune and
// defaulting (pruneUnknown, applyDefaults) against frozen copies of the code before them
// (oracle-*.ts): thousands of random objects and updates, every result compared exactly —
// key order included (FieldsV1 is serialised as is) — except managedFields' `time`, which is
// the clock's. Seeded and replayable: FIELDS_SEED=<n> reruns one seed; a failure names its seed.
import { describe, expect, it } from "vitest";
import { applyDefaults } from "../../../src/kube/defaults.js";
import {
  fieldPaths,
  fromFieldsV1,
  serverSideApply,
  statusPaths,
  toFieldsV1,
  trackUpdate,
} from "../../../src/kube/fields.js";
import { BUILTIN_KINDS } from "../../../src/kube/kinds.js";
import { builtinSchemas, pruneUnknown, type Schema } from "../../../src/kube/schemas.js";
import * as oracleAdmit from "./oracle-admit.js";
import * as oracle from "./oracle-fields.js";

type Obj = Record<string, unknown>;
const schemas = builtinSchemas(BUILTIN_KINDS);
const resolve = (s: Schema | undefined) => schemas.resolve(s);
const SEP = "\u0000";

/** mulberry32 */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const chance = (p: number) => next() < p;
  const times = <T>(max: number, f: (i: number) => T): T[] =>
    Array.from({ length: int(max + 1) }, (_, i) => f(i));
  return { next, int, pick, chance, times };
}
type R = ReturnType<typeof rng>;
const isPlain = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

// Small pools, so names repeat (duplicate merge keys) and old/new objects overlap.
const NAMES = ["web", "side", "init", "a", "b", "MODE", "POD_IP", "x.y", "k8s.io/name", `we${SEP}ird`];
// Rarely, values only in-process objects hold (JSON would write them as null or drop them).
const unusual = (r: R): unknown => r.pick([undefined, Number.NaN, Number.POSITIVE_INFINITY, -0, new Date(0)]);
const scalar = (r: R): unknown =>
  r.chance(0.03)
    ? unusual(r)
    : r.pick([
        () => r.pick(NAMES),
        () => r.int(5),
        () => r.chance(0.5),
        () => null,
        () => "",
        () => r.int(70000),
      ])();
const labels = (r: R): Obj => Object.fromEntries(r.times(4, () => [r.pick(NAMES), String(r.pick(NAMES))]));

function junk(r: R, depth = 0): unknown {
  if (depth > 2 || r.chance(0.5)) return scalar(r);
  if (r.chance(0.5)) return r.times(3, () => junk(r, depth + 1));
  return Object.fromEntries(r.times(3, () => [r.pick(NAMES), junk(r, depth + 1)]));
}

function container(r: R): Obj {
  const c: Obj = {
    name: r.pick(NAMES.slice(0, 4)),
    image: r.pick(["nginx", "nginx:1.25", "busybox@sha256:ab"]),
  };
  if (r.chance(0.6))
    c.ports = r.times(3, () => ({
      containerPort: r.pick([80, 443, 8080]),
      ...(r.chance(0.5) ? { protocol: r.pick(["TCP", "UDP"]) } : {}),
      ...(r.chance(0.3) ? { hostPort: r.int(3) + 40000 } : {}),
      ...(r.chance(0.2) ? { name: r.pick(NAMES) } : {}),
    }));
  if (r.chance(0.6))
    c.env = r.times(4, () =>
      r.chance(0.7)
        ? { name: r.pick(NAMES.slice(4, 7)), value: String(r.int(3)) }
        : { name: r.pick(NAMES.slice(4, 7)), valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
    );
  if (r.chance(0.4)) c.args = r.times(3, () => r.pick(NAMES));
  if (r.chance(0.4))
    c.resources = r.chance(0.3)
      ? {}
      : { requests: { cpu: r.pick(["100m", "1"]) }, limits: { memory: "1Gi" } };
  if (r.chance(0.3))
    c.readinessProbe = r.chance(0.5)
      ? { httpGet: { port: r.pick([8080, "http"]), ...(r.chance(0.5) ? { path: "/h" } : {}) } }
      : { tcpSocket: { port: 80 }, periodSeconds: 5 };
  if (r.chance(0.2)) c.volumeMounts = r.times(2, () => ({ name: "v", mountPath: r.pick(["/a", "/b"]) }));
  if (r.chance(0.1)) c.bogus = junk(r);
  return c;
}

function podSpec(r: R): Obj {
  const s: Obj = { containers: r.times(3, () => container(r)) };
  if (r.chance(0.3)) s.initContainers = r.times(1, () => container(r));
  if (r.chance(0.4)) s.nodeSelector = labels(r);
  if (r.chance(0.3)) s.tolerations = r.times(2, () => ({ key: r.pick(NAMES), operator: "Exists" }));
  if (r.chance(0.3))
    s.volumes = r.times(2, () =>
      r.pick([
        () => ({ name: r.pick(["v", "w"]) }),
        () => ({ name: r.pick(["v", "w"]), configMap: { name: "cm" } }),
        () => ({ name: "v", secret: { secretName: "s", defaultMode: 256 } }),
        () => ({ name: "p", projected: { sources: [{ serviceAccountToken: { path: "t" } }] } }),
      ])(),
    );
  if (r.chance(0.2)) s.nodeName = r.pick(["n1", "n2"]);
  if (r.chance(0.1)) s.restartPolicy = "Never";
  if (r.chance(0.1)) s.securityContext = r.chance(0.5) ? {} : { runAsUser: 1000 };
  if (r.chance(0.05)) s.containers = r.pick(["oops", 5, { name: "x" }]);
  if (r.chance(0.1)) s[r.pick(NAMES)] = junk(r);
  return s;
}

function meta(r: R): Obj {
  const m: Obj = { name: r.pick(["p", "q"]), namespace: "default" };
  if (r.chance(0.8)) m.labels = labels(r);
  if (r.chance(0.5)) m.annotations = r.chance(0.1) ? {} : labels(r);
  if (r.chance(0.3)) m.finalizers = r.times(3, () => r.pick(["a/b", "c", "kubernetes"]));
  if (r.chance(0.4))
    m.ownerReferences = r.times(2, () => ({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      name: "rs",
      uid: r.pick(["u1", "u2"]),
      ...(r.chance(0.5) ? { controller: true } : {}),
    }));
  if (r.chance(0.2)) m.creationTimestamp = r.chance(0.5) ? null : "2026-01-01T00:00:00Z";
  if (r.chance(0.1)) m.uid = "u";
  if (r.chance(0.05)) m.labels = r.pick([5, "x", ["a"]]);
  return m;
}

const condition = (r: R) => ({
  type: r.pick(["Ready", "PodScheduled", "Available", "Progressing"]),
  status: r.pick(["True", "False"]),
  ...(r.chance(0.5) ? { lastTransitionTime: r.pick(["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"]) } : {}),
  ...(r.chance(0.3) ? { lastProbeTime: null } : {}),
});

const KINDS: { group: string; version: string; kind: string; make: (r: R) => Obj }[] = [
  {
    group: "",
    version: "v1",
    kind: "Pod",
    make: (r) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: meta(r),
      spec: podSpec(r),
      ...(r.chance(0.6)
        ? {
            status: {
              phase: r.pick(["Pending", "Running"]),
              ...(r.chance(0.5)
                ? { podIP: "10.0.0.1", podIPs: r.times(2, () => ({ ip: r.pick(["10.0.0.1", "fd::1"]) })) }
                : {}),
              conditions: r.times(4, () => condition(r)),
              ...(r.chance(0.5)
                ? {
                    containerStatuses: r.times(2, () => ({
                      name: r.pick(["web", "side"]),
                      ready: r.chance(0.5),
                      restartCount: r.int(2),
                      state: r.chance(0.5) ? { running: { startedAt: "t" } } : { waiting: { reason: "X" } },
                    })),
                  }
                : {}),
            },
          }
        : {}),
    }),
  },
  {
    group: "apps",
    version: "v1",
    kind: "Deployment",
    make: (r) => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta(r),
      spec: {
        ...(r.chance(0.5) ? { replicas: r.int(4) } : {}),
        selector: { matchLabels: labels(r) },
        ...(r.chance(0.3)
          ? {
              strategy: r.pick([
                { type: "Recreate" },
                { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } },
                {},
              ]),
            }
          : {}),
        template: { metadata: r.chance(0.8) ? { labels: labels(r) } : {}, spec: podSpec(r) },
      },
      ...(r.chance(0.5)
        ? {
            status: {
              replicas: r.int(3),
              conditions: r.times(2, () => condition(r)),
              observedGeneration: r.int(3),
            },
          }
        : {}),
    }),
  },
  {
    group: "",
    version: "v1",
    kind: "Event",
    make: (r) => ({
      apiVersion: "v1",
      kind: "Event",
      metadata: meta(r),
      involvedObject: { kind: "Pod", name: r.pick(["p", "q"]), namespace: "default" },
      reason: r.pick(["Scheduled", "Pulled", "FailedScheduling"]),
      message: r.pick(["0/3 nodes are available", "ok"]),
      count: r.int(5),
      source: r.chance(0.7) ? { component: "kubelet", host: "n1" } : {},
      firstTimestamp: r.chance(0.5) ? "2026-01-01T00:00:00Z" : null,
      type: "Normal",
      ...(r.chance(0.1) ? { series: junk(r) } : {}),
    }),
  },
  {
    group: "",
    version: "v1",
    kind: "Service",
    make: (r) => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(r),
      spec: {
        selector: labels(r),
        ports: r.times(3, () => ({
          port: r.pick([80, 443]),
          ...(r.chance(0.5) ? { targetPort: r.pick([8080, "http"]) } : {}),
          ...(r.chance(0.5) ? { protocol: "TCP" } : {}),
        })),
        ...(r.chance(0.3) ? { type: "LoadBalancer" } : {}),
      },
      ...(r.chance(0.3) ? { status: { loadBalancer: { ingress: [{ ip: "1.2.3.4" }] } } } : {}),
    }),
  },
];

/** A custom resource's inline schema: int-or-string, preserve-unknown, map and set lists. */
const CUSTOM: Schema = {
  type: "object",
  properties: {
    metadata: { $ref: "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" },
    spec: {
      type: "object",
      properties: {
        port: { "x-kubernetes-int-or-string": true },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        items: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["id", "zone"],
          items: { type: "object", properties: { id: { type: "string" }, v: { type: "integer" } } },
        },
        tags: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } },
        atomic: { type: "array", items: { type: "string" } },
        m: { type: "object", additionalProperties: { type: "string" } },
      },
    },
    status: { type: "object", additionalProperties: true },
  },
};
const custom = (r: R): Obj => ({
  metadata: meta(r),
  spec: {
    ...(r.chance(0.7) ? { port: r.pick([80, "http", { x: 1 }]) } : {}),
    ...(r.chance(0.5) ? { free: junk(r) } : {}),
    ...(r.chance(0.7)
      ? {
          items: r.times(3, () => ({
            id: r.pick(["a", "b", 7]),
            v: r.int(3),
            ...(r.chance(0.3) ? { zone: "z" } : {}),
          })),
        }
      : {}),
    ...(r.chance(0.6) ? { tags: r.times(3, () => r.pick(["x", "y", "z", 1, { o: 1 }])) } : {}),
    ...(r.chance(0.5) ? { atomic: r.times(3, () => r.pick(NAMES)) } : {}),
    ...(r.chance(0.5) ? { m: labels(r) } : {}),
    ...(r.chance(0.1) ? { extra: junk(r) } : {}),
  },
  ...(r.chance(0.5) ? { status: { s: junk(r), conditions: r.times(2, () => condition(r)) } } : {}),
});

/** Every (container, key) of a value, to edit at random. */
function holders(
  v: unknown,
  out: [Obj | unknown[], string | number][] = [],
): [Obj | unknown[], string | number][] {
  if (Array.isArray(v))
    for (const [i, x] of v.entries()) {
      out.push([v, i]);
      holders(x, out);
    }
  else if (v && typeof v === "object")
    for (const [k, x] of Object.entries(v)) {
      if (k === "managedFields") continue;
      out.push([v as Obj, k]);
      holders(x, out);
    }
  return out;
}

function mutate(r: R, o: Obj, regen: () => Obj): Obj {
  if (r.chance(0.1)) return { ...regen(), metadata: o.metadata };
  const x = structuredClone(o);
  for (let n = r.int(4); n >= 0; n--) {
    const hs = holders(x);
    if (!hs.length) break;
    const [h, k] = r.pick(hs);
    const op = r.int(7);
    if (Array.isArray(h)) {
      const i = k as number;
      if (op === 0) h.splice(i, 1);
      else if (op === 1) h.push(structuredClone(h[i]));
      else if (op === 2) h.reverse();
      else if (op === 3 && h[i] && typeof h[i] === "object")
        (h[i] as Obj)[r.pick(["name", "type", "uid", "containerPort", "ip"])] = scalar(r);
      else if (op === 4 && isPlain(h[i]))
        // Same content, new key order.
        h[i] = Object.fromEntries(Object.entries(h[i] as Obj).reverse());
      else h[i] = r.chance(0.5) ? scalar(r) : junk(r);
    } else {
      if (op === 0 || op === 1) delete h[k];
      else if (op === 2) h[r.pick(NAMES)] = junk(r);
      else if (op === 3) h[k] = {};
      else if (op === 4 && typeof h[k] === "object" && h[k]) {
        // Same content, new key order.
        const e = Object.entries(h[k] as Obj).reverse();
        h[k] = Array.isArray(h[k]) ? (h[k] as unknown[]).slice().reverse() : Object.fromEntries(e);
      } else h[k] = scalar(r);
    }
  }
  return x;
}

/** FieldsV1 trees as clients may send them: real paths, stale ones, multi-key keys, junk. */
function junkFields(r: R, from: Obj, schema: Schema | undefined): Obj {
  const paths = [...oracle.fieldPaths(from, schema, resolve), ...oracle.statusPaths(from, schema, resolve)];
  const picked = paths.filter(() => r.chance(0.5));
  const extra = [
    `f:spec${SEP}f:nothere`,
    `f:spec${SEP}f:containers${SEP}k:{"name":"zz"}${SEP}.`,
    `f:spec${SEP}f:containers${SEP}k:{"name":"web"}${SEP}f:ports${SEP}k:{"containerPort":80,"protocol":"TCP"}${SEP}.`,
    `f:spec${SEP}f:containers${SEP}k:{"name":"web"}${SEP}f:ports${SEP}k:{"containerPort":80,"protocol":"TCP"}${SEP}f:hostPort`,
    `f:metadata${SEP}f:finalizers${SEP}v:"c"`,
    `f:metadata${SEP}f:finalizers${SEP}v:"gone"`,
    `f:metadata${SEP}f:labels${SEP}f:toString`,
    `f:metadata${SEP}f:labels`,
    `f:spec${SEP}i:3${SEP}f:containers`,
    `f:spec${SEP}f:containers${SEP}k:{"name":"web"}${SEP}.${SEP}f:after-dot`,
    `f:status${SEP}f:conditions${SEP}k:{"type":"Ready"}${SEP}f:status`,
    `f:spec${SEP}f:items${SEP}k:{"id":"a","zone":"z"}${SEP}f:v`,
    `f:spec${SEP}f:tags${SEP}v:1`,
    `.${SEP}f:spec`,
  ];
  const tree = oracle.toFieldsV1([...picked, ...extra.filter(() => r.chance(0.3))]);
  if (r.chance(0.2)) (tree as Obj)["f:spec"] = { ...((tree as Obj)["f:spec"] as Obj), "f:flag": true };
  // A raw field name holding the path separator (toFieldsV1 never makes one).
  if (r.chance(0.3))
    (tree as Obj)["f:metadata"] = {
      ...((tree as Obj)["f:metadata"] as Obj),
      "f:labels": { [`f:${r.pick(NAMES)}`]: {}, [`f:we${SEP}ird`]: {}, [`f:we${SEP}f:ird`]: {} },
    };
  return tree;
}

function withManagers(r: R, o: Obj, schema: Schema | undefined): Obj {
  const x = structuredClone(o);
  const list: Obj[] = [];
  for (const m of r.times(3, () => r.pick(["kubectl", "kube-controller-manager", "kubelet", "helm"])))
    list.push({
      manager: m,
      operation: r.pick(["Update", "Apply"]),
      apiVersion: "v1",
      time: "2026-01-01T00:00:00Z",
      fieldsType: "FieldsV1",
      fieldsV1: junkFields(r, o, schema),
      ...(r.chance(0.3) ? { subresource: "status" } : {}),
    });
  if (r.chance(0.05)) list.push({ manager: "odd", operation: "Update", fieldsV1: r.pick([null, 5, "x"]) });
  if (!list.length) return x;
  x.metadata ??= {};
  (x.metadata as Obj).managedFields = list;
  return x;
}

const normalised = (o: unknown): string =>
  JSON.stringify(o, (k, v) => (k === "time" && typeof v === "string" ? "T" : v));

function outcome(f: () => unknown): unknown {
  try {
    return { ok: f() };
  } catch (e) {
    return { threw: String(e), body: (e as { body?: unknown }).body };
  }
}

const SEEDS = process.env.FIELDS_SEED
  ? [Number(process.env.FIELDS_SEED)]
  : Array.from({ length: 4000 }, (_, i) => i + 1);

function kindFor(seed: number) {
  const r = rng(seed);
  const i = r.int(KINDS.length + 1);
  if (i === KINDS.length) return { r, schema: CUSTOM, make: custom, def: undefined };
  const k = KINDS[i];
  const def = schemas.topFor(k.group, k.version, k.kind)!;
  return { r, schema: schemas.defs.get(def), make: k.make, def };
}

describe("managedFields tracking equals the oracle", () => {
  it("fieldPaths, statusPaths and trackUpdate on random objects and updates", () => {
    for (const seed of SEEDS) {
      const { r, schema, make } = kindFor(seed);
      // Managers from a few real updates, then maybe junk entries from clients.
      let live: Obj | undefined;
      for (let n = r.int(3); n >= 0; n--) {
        const next = live && r.chance(0.7) ? mutate(r, live, () => make(r)) : make(r);
        const sub = r.chance(0.3) ? "status" : undefined;
        oracle.trackUpdate(live, next, r.pick(["a", "b", "kubelet"]), "v1", schema, resolve, sub);
        live = next;
      }
      const old = r.chance(0.3) ? withManagers(r, live!, schema) : live!;
      const neu = mutate(r, old, () => make(r));
      if (r.chance(0.1)) delete (neu.metadata as Obj | undefined)?.managedFields;
      const label = `seed ${seed}`;
      expect([...fieldPaths(neu, schema, resolve)], label).toEqual([
        ...oracle.fieldPaths(neu, schema, resolve),
      ]);
      expect([...statusPaths(neu, schema, resolve)], label).toEqual([
        ...oracle.statusPaths(neu, schema, resolve),
      ]);
      const sub = r.chance(0.4) ? "status" : undefined;
      const create = r.chance(0.15);
      const mgr = r.pick(["a", "b", "kubelet", "kubectl"]);
      const want = structuredClone(neu);
      const got = structuredClone(neu);
      const w = outcome(() =>
        oracle.trackUpdate(create ? undefined : structuredClone(old), want, mgr, "v1", schema, resolve, sub),
      );
      const g = outcome(() =>
        trackUpdate(create ? undefined : structuredClone(old), got, mgr, "v1", schema, resolve, sub),
      );
      expect(normalised(g), label).toBe(normalised(w));
      expect(normalised(got), label).toBe(normalised(want));
      expect(JSON.parse(normalised(got)), label).toStrictEqual(JSON.parse(normalised(want)));
    }
  });

  it("an updating manager's own entry holding odd field names (separator, prototype names)", () => {
    const schema = schemas.defs.get(schemas.topFor("", "v1", "Pod")!);
    for (const odd of [`f:we${SEP}ird`, "toString", "__proto__", "f:ok"]) {
      for (const sub of [undefined, "status"]) {
        const fieldsV1 = JSON.parse(
          `{"f:metadata":{"f:labels":{"f:a":{},${JSON.stringify(odd)}:{}}},"f:status":{"f:phase":{}}}`,
        );
        const old: Obj = {
          metadata: {
            labels: { a: "1", [odd.slice(2)]: "x" },
            managedFields: [
              {
                manager: "m",
                operation: "Update",
                apiVersion: "v1",
                time: "t",
                fieldsType: "FieldsV1",
                fieldsV1,
                ...(sub ? { subresource: sub } : {}),
              },
            ],
          },
          spec: { containers: [{ name: "c", image: "i" }] },
          status: { phase: "Pending" },
        };
        const neu = structuredClone(old);
        ((neu.metadata as Obj).labels as Obj).b = "2";
        (neu.status as Obj).phase = "Running";
        const want = structuredClone(neu);
        const got = structuredClone(neu);
        oracle.trackUpdate(structuredClone(old), want, "m", "v1", schema, resolve, sub);
        trackUpdate(structuredClone(old), got, "m", "v1", schema, resolve, sub);
        expect(normalised(got), `${odd} ${sub}`).toBe(normalised(want));
      }
    }
  });

  it("toFieldsV1 and fromFieldsV1 on random path lists (shared prefixes, repeats, any order)", () => {
    const els = ["f:a", "f:b", 'k:{"name":"x"}', ".", "v:1", "", "f:__proto__", "f:constructor"];
    for (const seed of SEEDS.slice(0, 2000)) {
      const r = rng(seed + 300_000);
      const paths = r.times(12, () => r.times(4, () => r.pick(els)).join(SEP));
      const want = oracle.toFieldsV1(paths);
      const got = toFieldsV1(paths);
      expect(JSON.stringify(got), `seed ${seed}`).toBe(JSON.stringify(want));
      expect([...fromFieldsV1(want)], `seed ${seed}`).toEqual([...oracle.fromFieldsV1(want)]);
    }
  });

  it("status writes sharing every other part with the version before, as the API's do", () => {
    // The pruning walk remembers parts it found whole against the very same value: a history of
    // such writes (and ordinary updates between them) must still equal the oracle's.
    for (const seed of SEEDS.slice(0, 1500)) {
      const { r, schema, make } = kindFor(seed + 200_000);
      let live = make(r);
      trackUpdate(undefined, live, "a", "v1", schema, resolve);
      for (let n = 0; n < 5; n++) {
        const mgr = r.pick(["a", "b", "kubelet"]);
        const changed = mutate(r, live, () => make(r));
        let next: Obj;
        let sub: string | undefined;
        if (r.chance(0.7)) {
          next = { ...live, metadata: { ...(live.metadata as Obj) } };
          if (changed.status !== undefined) next.status = changed.status;
          else delete next.status;
          sub = "status";
        } else next = changed;
        const want = structuredClone(next);
        oracle.trackUpdate(structuredClone(live), want, mgr, "v1", schema, resolve, sub);
        trackUpdate(live, next, mgr, "v1", schema, resolve, sub);
        expect(normalised(next), `seed ${seed} write ${n}`).toBe(normalised(want));
        live = next;
      }
    }
  });

  it("server-side apply (conflicts, dropped fields, merge) on random objects", () => {
    for (const seed of SEEDS.slice(0, 1500)) {
      const { r, schema, make } = kindFor(seed + 100_000);
      const live = r.chance(0.2) ? undefined : withManagers(r, make(r), schema);
      const applied = live && r.chance(0.5) ? mutate(r, live, () => make(r)) : make(r);
      delete (applied.metadata as Obj | undefined)?.managedFields;
      const input = {
        live,
        applied,
        manager: r.pick(["kubectl", "helm", "a"]),
        force: r.chance(0.3),
        apiVersion: "v1",
        schema,
        resolve,
        ...(r.chance(0.3) ? { subresource: "status" } : {}),
      };
      const copy = () => ({ ...input, live: structuredClone(live), applied: structuredClone(applied) });
      const w = outcome(() => oracle.serverSideApply(copy()));
      const g = outcome(() => serverSideApply(copy()));
      expect(normalised(g), `seed ${seed}`).toBe(normalised(w));
    }
  });
});

describe("equal FieldsV1 trees are one object", () => {
  it("two pods of one template share the creating manager's tree; a later update builds its own", () => {
    const schema = schemas.defs.get(schemas.topFor("", "v1", "Pod")!);
    const pod = (name: string, ip?: string): Obj => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, labels: { app: "web" } },
      spec: { containers: [{ name: "c", image: "nginx", ports: [{ containerPort: 80 }] }] },
      ...(ip ? { status: { podIP: ip, podIPs: [{ ip }] } } : {}),
    });
    const a = pod("a");
    const b = pod("b");
    trackUpdate(undefined, a, "kube-controller-manager", "v1", schema, resolve);
    trackUpdate(undefined, b, "kube-controller-manager", "v1", schema, resolve);
    const tree = (o: Obj, i = 0) => ((o.metadata as Obj).managedFields as { fieldsV1: Obj }[])[i].fieldsV1;
    expect(tree(a)).toBe(tree(b));
    const fresh = pod("c");
    oracle.trackUpdate(undefined, fresh, "kube-controller-manager", "v1", schema, resolve);
    expect(tree(a)).toStrictEqual(tree(fresh));
    // Status writes of different addresses: different trees; the shared one is left as it was.
    const before = JSON.stringify(tree(a));
    const a2 = { ...pod("a", "10.0.0.1"), metadata: structuredClone(a.metadata) };
    const b2 = { ...pod("b", "10.0.0.2"), metadata: structuredClone(b.metadata) };
    trackUpdate(a, a2, "kubelet", "v1", schema, resolve, "status");
    trackUpdate(b, b2, "kubelet", "v1", schema, resolve, "status");
    expect(tree(a2, 1)).not.toBe(tree(b2, 1));
    expect(JSON.stringify(tree(a))).toBe(before);
    expect(tree(a2, 0)).toBe(tree(b2, 0));
  });
});

describe("admission's prune and defaults equal the oracle", () => {
  it("pruneUnknown and applyDefaults on random objects, create and update", () => {
    let statusOnly = 0;
    for (const seed of SEEDS) {
      const { r, schema, make, def } = kindFor(seed + 200_000);
      const o = make(r);
      const at = r.chance(0.2) ? "x" : "";
      const wu: string[] = [];
      const wm: string[] = [];
      const gu: string[] = [];
      const gm: string[] = [];
      const want = oracleAdmit.pruneUnknown(structuredClone(o), schema, resolve, at, wu, wm);
      const got = pruneUnknown(structuredClone(o), schema, resolve, at, gu, gm);
      const label = `seed ${seed}`;
      expect(JSON.stringify(got), label).toBe(JSON.stringify(want));
      expect(got, label).toStrictEqual(want);
      expect([gu, gm], label).toEqual([wu, wm]);
      if (!def) continue;
      // A status-only write: the status alone, pruned and defaulted below the top.
      const statusSchema = resolve(schema)?.properties?.status;
      const ref = statusSchema?.$ref;
      if (o.status !== undefined && ref) {
        statusOnly++;
        const su: string[][] = [[], [], [], []];
        const ws = oracleAdmit.pruneUnknown(
          structuredClone(o.status),
          statusSchema,
          resolve,
          "status",
          su[0],
          su[1],
        );
        const gs = pruneUnknown(structuredClone(o.status), statusSchema, resolve, "status", su[2], su[3]);
        expect(JSON.stringify(gs), label).toBe(JSON.stringify(ws));
        expect([su[2], su[3]], label).toEqual([su[0], su[1]]);
        const sdef = ref.slice(ref.lastIndexOf("/") + 1);
        oracleAdmit.applyDefaults(ws, sdef, schemas.defs, false, false);
        applyDefaults(gs, sdef, schemas.defs, false, false);
        expect(JSON.stringify(gs), label).toBe(JSON.stringify(ws));
      }
      const create = r.chance(0.5);
      const a = structuredClone(want);
      const b = structuredClone(want);
      const top = r.chance(0.8);
      oracleAdmit.applyDefaults(a, def, schemas.defs, create, top);
      applyDefaults(b, def, schemas.defs, create, top);
      expect(JSON.stringify(b), label).toBe(JSON.stringify(a));
      expect(b, label).toStrictEqual(a);
    }
    if (SEEDS.length > 100) expect(statusOnly).toBeGreaterThan(100);
  });
});
