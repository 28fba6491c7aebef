// Schemas of the built-in kinds (generated at build time from @kubernetes/client-node's
// models: scripts/gen-kube-schemas.mjs) plus the patch metadata of kinds.ts, exposed under
// kube-apiserver's definition names. Used by the OpenAPI documents, server-side field
// validation (unknown fields) and strategic merge patch.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  base64Error,
  goScalarType,
  goValueOf,
  INT32_SCHEMA,
  intOrStringFits,
  isQuantity,
  markQuantity,
  scalarFits,
} from "./goJson.js";
import { type KindSpec, PATCH_META } from "./kinds.js";
import { setOwn } from "./ownKeys.js";
import { canonicalQuantity, QuantityError } from "./workloads/quantity.js";

export type Schema = Record<string, unknown> & {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  $ref?: string;
  required?: string[];
  description?: string;
};

interface Generated {
  source: string;
  definitions: Record<string, Schema>;
}

let loaded: Generated | undefined;

/** generated/kube-schemas.json, found from this file upwards (src/kube or dist/kube). */
function load(): Generated {
  if (loaded) return loaded;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const f = path.join(dir, "generated", "kube-schemas.json");
    if (fs.existsSync(f)) {
      loaded = JSON.parse(fs.readFileSync(f, "utf8")) as Generated;
      return loaded;
    }
    dir = path.dirname(dir);
  }
  throw new Error(
    "generated/kube-schemas.json is missing: run `npm run build` (scripts/gen-kube-schemas.mjs)",
  );
}

export function schemaSource(): string {
  return load().source;
}

const META_TYPES = new Set([
  "V1ObjectMeta",
  "V1ListMeta",
  "V1OwnerReference",
  "V1ManagedFieldsEntry",
  "V1LabelSelector",
  "V1LabelSelectorRequirement",
  "V1Status",
  "V1StatusDetails",
  "V1StatusCause",
  "V1Condition",
  "V1DeleteOptions",
  "V1Preconditions",
  "V1WatchEvent",
]);

const GROUP_PKG: Record<string, string> = {
  "": "io.k8s.api.core",
  apps: "io.k8s.api.apps",
  batch: "io.k8s.api.batch",
  "discovery.k8s.io": "io.k8s.api.discovery",
  "networking.k8s.io": "io.k8s.api.networking",
  "coordination.k8s.io": "io.k8s.api.coordination",
  "events.k8s.io": "io.k8s.api.events",
  "apiextensions.k8s.io": "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions",
  autoscaling: "io.k8s.api.autoscaling",
  policy: "io.k8s.api.policy",
  "rbac.authorization.k8s.io": "io.k8s.api.rbac",
  "scheduling.k8s.io": "io.k8s.api.scheduling",
  "storage.k8s.io": "io.k8s.api.storage",
  "authentication.k8s.io": "io.k8s.api.authentication",
  "admissionregistration.k8s.io": "io.k8s.api.admissionregistration",
  "node.k8s.io": "io.k8s.api.node",
  "certificates.k8s.io": "io.k8s.api.certificates",
  "flowcontrol.apiserver.k8s.io": "io.k8s.api.flowcontrol",
};

/** The built-in kinds' schemas, renamed to kube-apiserver's definition names. */
export class BuiltinSchemas {
  /** class name → public definition name */
  readonly names = new Map<string, string>();
  /** public name → schema (with x-kubernetes-* extensions) */
  readonly defs = new Map<string, Schema>();
  /** public name of each kind's top-level schema, keyed `<group>/<version>/<Kind>` */
  readonly top = new Map<string, string>();

  constructor(kinds: KindSpec[]) {
    const gen = load().definitions;
    const extra: { cls: string; group: string; version: string; kind: string }[] = [
      { cls: "V1Scale", group: "autoscaling", version: "v1", kind: "Scale" },
      { cls: "V1Eviction", group: "policy", version: "v1", kind: "Eviction" },
      { cls: "V1Binding", group: "", version: "v1", kind: "Binding" },
      {
        cls: "AuthenticationV1TokenRequest",
        group: "authentication.k8s.io",
        version: "v1",
        kind: "TokenRequest",
      },
    ];
    const roots = [
      ...kinds.map((k) => ({ cls: k.schema, group: k.group, version: k.version, kind: k.kind })),
      ...extra,
    ];
    for (const r of roots) this.visit(gen, r.cls, r.group);
    for (const r of roots) {
      const pub = this.names.get(r.cls);
      if (!pub) continue;
      const s = this.defs.get(pub)!;
      s["x-kubernetes-group-version-kind"] = [{ group: r.group, version: r.version, kind: r.kind }];
      this.top.set(`${r.group}/${r.version}/${r.kind}`, pub);
      const list = this.names.get(`${r.cls}List`);
      if (list) {
        this.defs.get(list)!["x-kubernetes-group-version-kind"] = [
          { group: r.group, version: r.version, kind: `${r.kind}List` },
        ];
      }
    }
    for (const cls of ["V1Status", "V1DeleteOptions", "V1WatchEvent"]) this.visit(gen, cls, "");
  }

  private visit(gen: Record<string, Schema>, cls: string, group: string): void {
    if (this.names.has(cls) || !gen[cls]) return;
    const m = /^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)(.+)$/.exec(cls);
    const version = m ? m[2].toLowerCase() : "v1";
    const rest = m ? m[3] : cls;
    const prefixGroup = m?.[1]?.toLowerCase();
    const pkg = META_TYPES.has(cls)
      ? "io.k8s.apimachinery.pkg.apis.meta"
      : prefixGroup === "core"
        ? GROUP_PKG[""]
        : prefixGroup === "events"
          ? GROUP_PKG["events.k8s.io"]
          : prefixGroup
            ? `io.k8s.api.${prefixGroup}`
            : (GROUP_PKG[group] ?? "io.k8s.api.core");
    const pub = `${pkg}.${version}.${rest}`;
    this.names.set(cls, pub);
    const copy = structuredClone(gen[cls]);
    this.defs.set(pub, copy);
    const refs: string[] = [];
    walkRefs(copy, (ref) => refs.push(ref));
    for (const r of refs) this.visit(gen, r, group);
    // Rewrite refs to public names, and add patch metadata.
    walkRefs(copy, (ref, holder) => {
      holder.$ref = `#/definitions/${this.names.get(ref) ?? ref}`;
    });
    for (const [field, s] of Object.entries(copy.properties ?? {})) {
      markQuantity(cls, field, s);
      const meta = PATCH_META[`${cls}.${field}`];
      if (meta?.strategy) s["x-kubernetes-patch-strategy"] = meta.strategy;
      if (meta?.key) s["x-kubernetes-patch-merge-key"] = meta.key;
      if (meta?.key && s.type === "array") {
        s["x-kubernetes-list-type"] = "map";
        s["x-kubernetes-list-map-keys"] = [meta.key];
      }
    }
  }

  topFor(group: string, version: string, kind: string): string | undefined {
    return this.top.get(`${group}/${version}/${kind}`);
  }

  /** Every definition reachable from `names`. */
  closure(names: string[]): Map<string, Schema> {
    const out = new Map<string, Schema>();
    const stack = [...names];
    while (stack.length) {
      const n = stack.pop()!;
      if (out.has(n)) continue;
      const s = this.defs.get(n);
      if (!s) continue;
      out.set(n, s);
      walkRefs(s, (ref) => stack.push(ref.replace(/^#\/definitions\//, "")));
    }
    return out;
  }

  resolve(s: Schema | undefined): Schema | undefined {
    let cur = s;
    for (let i = 0; cur?.$ref && i < 10; i++)
      cur = this.defs.get(cur.$ref.replace(/^#\/(definitions|components\/schemas)\//, ""));
    return cur;
  }
}

function walkRefs(s: unknown, fn: (ref: string, holder: Record<string, unknown>) => void): void {
  if (!s || typeof s !== "object") return;
  if (Array.isArray(s)) {
    for (const x of s) walkRefs(x, fn);
    return;
  }
  const o = s as Record<string, unknown>;
  if (typeof o.$ref === "string") fn(o.$ref.replace(/^#\/definitions\//, ""), o);
  for (const [k, v] of Object.entries(o)) if (k !== "$ref") walkRefs(v, fn);
}

let shared: BuiltinSchemas | undefined;
export function builtinSchemas(kinds: KindSpec[]): BuiltinSchemas {
  shared ??= new BuiltinSchemas(kinds);
  return shared;
}

/**
 * Drops fields a schema does not know (they would not decode in kube-apiserver) and reports
 * their paths, for fieldValidation=Strict (error) or Warn (warning). Also reports object vs
 * scalar mismatches, which kube-apiserver refuses whatever fieldValidation says.
 */
export function pruneUnknown(
  value: unknown,
  schema: Schema | undefined,
  resolve: (s: Schema | undefined) => Schema | undefined,
  at: string,
  unknown: string[],
  mismatched: string[],
  /**
   * Built-in kinds: decode as Go would — scalars of the wrong JSON type and malformed
   * Quantities also count as mismatched (decodeError words them); Quantities come out canonical.
   */
  decode = false,
): unknown {
  return prune(value, schema, { resolve, resolved: resolvedBy(resolve), unknown, mismatched, decode }, at);
}

/** What pruneUnknown does with a value of one (resolved) schema. */
enum Shape {
  /** Kept as it is (no schema, preserve-unknown-fields without properties, int-or-string). */
  Any,
  Object,
  Array,
  Scalar,
  Other,
}
const shapes = new WeakMap<Schema, Shape>();
function shapeOf(s: Schema): Shape {
  let shape = shapes.get(s);
  if (shape !== undefined) return shape;
  if (s["x-kubernetes-preserve-unknown-fields"] === true && !s.properties) shape = Shape.Any;
  else if (s["x-kubernetes-int-or-string"]) shape = Shape.Any;
  else if (s.type === "object" || s.properties) shape = Shape.Object;
  else if (s.type === "array") shape = Shape.Array;
  else if (s.type === "string" || s.type === "integer" || s.type === "boolean" || s.type === "number")
    shape = Shape.Scalar;
  else shape = Shape.Other;
  shapes.set(s, shape);
  return shape;
}

type Resolver = (s: Schema | undefined) => Schema | undefined;
/** resolve(s) per schema object and resolver (schemas never change once built). */
const resolvedByResolver = new WeakMap<Resolver, WeakMap<Schema, Schema | null>>();
function resolvedBy(resolve: Resolver): WeakMap<Schema, Schema | null> {
  let m = resolvedByResolver.get(resolve);
  if (!m) {
    m = new WeakMap();
    resolvedByResolver.set(resolve, m);
  }
  return m;
}

interface PruneCtx {
  resolve: Resolver;
  resolved: WeakMap<Schema, Schema | null>;
  unknown: string[];
  mismatched: string[];
  decode: boolean;
}

function resolveIn(schema: Schema | undefined, ctx: PruneCtx): Schema | undefined {
  if (!schema || typeof schema !== "object") return ctx.resolve(schema);
  const hit = ctx.resolved.get(schema);
  if (hit !== undefined) return hit ?? undefined;
  const s = ctx.resolve(schema);
  ctx.resolved.set(schema, s ?? null);
  return s;
}

function prune(value: unknown, schema: Schema | undefined, ctx: PruneCtx, at: string): unknown {
  const s = resolveIn(schema, ctx);
  if (!s || value === null || value === undefined) return value;
  const shape = shapeOf(s);
  if (shape === Shape.Any) return ctx.decode ? decodeScalar(value, s, ctx, at) : value;
  if (shape === Shape.Object) {
    if (typeof value !== "object" || Array.isArray(value)) {
      ctx.mismatched.push(at);
      return value;
    }
    const o = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    const props = s.properties;
    const extra = s.additionalProperties;
    for (const k of Object.keys(o)) {
      const v = o[k];
      // Map keys are the client's: `__proto__` must stay an ordinary own key (ownKeys.ts).
      if (props && Object.hasOwn(props, k)) {
        // Go decodes null into a field as its zero value, which the object then leaves out.
        if (v === null && ctx.decode) continue;
        const x = pruneChild(v, props[k], ctx, at, k);
        // An empty optional list or map is stored as nothing (protobuf has no empty repeated
        // field) and `omitempty` leaves it out: `labels: {}` reads back as no labels.
        if (ctx.decode && isEmptyCollection(x, props[k], ctx) && !s.required?.includes(k)) continue;
        out[k] = x;
      } else if (extra && typeof extra === "object")
        setOwn(out, k, v === null && ctx.decode ? zeroOf(extra, ctx) : pruneChild(v, extra, ctx, at, k));
      else if (extra === true || (!props && !extra)) setOwn(out, k, v);
      else if (s["x-kubernetes-preserve-unknown-fields"] === true) setOwn(out, k, v);
      else ctx.unknown.push(at ? `${at}.${k}` : k);
    }
    return out;
  }
  if (shape === Shape.Array) {
    if (!Array.isArray(value)) {
      ctx.mismatched.push(at);
      return value;
    }
    // Go decodes a null list item as the item type's zero value (an empty struct, "", 0).
    if (ctx.decode)
      return value.map((v, i) =>
        v === null ? itemZero(s.items, ctx) : prune(v, s.items, ctx, `${at}[${i}]`),
      );
    return value.map((v, i) => prune(v, s.items, ctx, `${at}[${i}]`));
  }
  if (shape === Shape.Scalar) {
    if (typeof value === "object") ctx.mismatched.push(at);
    else if (ctx.decode) return decodeScalar(value, s, ctx, at);
  }
  return value;
}

/** An empty list, or an empty map (additionalProperties, not a struct: `emptyDir: {}` stays). */
function isEmptyCollection(v: unknown, schema: Schema | undefined, ctx: PruneCtx): boolean {
  if (Array.isArray(v)) return v.length === 0;
  if (!v || typeof v !== "object") return false;
  for (const _ in v) return false;
  const s = resolveIn(schema, ctx);
  return !!s && !s.properties && typeof s.additionalProperties === "object";
}

/** A list item of null as Go decodes it: a struct's zero value is an empty object. */
function itemZero(schema: Schema | undefined, ctx: PruneCtx): unknown {
  const s = resolveIn(schema, ctx);
  if (s && shapeOf(s) === Shape.Object && s.properties) return {};
  return s ? zeroOf(s, ctx) : null;
}

/** A map value of null as Go decodes it: the element type's zero value (a Quantity's is "0"). */
function zeroOf(schema: Schema, ctx: PruneCtx): unknown {
  const s = resolveIn(schema, ctx);
  if (!s || shapeOf(s) !== Shape.Scalar) return null;
  if (isQuantity(s)) return "0";
  return s.type === "string" ? "" : s.type === "boolean" ? false : 0;
}

/**
 * A scalar (or an int-or-string) as the decoder reads it into a built-in type: a Quantity is
 * parsed and kept in its canonical form ("0.5" → "500m"); anything it refuses is noted.
 */
function decodeScalar(v: unknown, s: Schema, ctx: PruneCtx, at: string): unknown {
  // A []byte field takes base64 text only (decodeError words the refusal).
  if (s.format === "byte" && typeof v === "string" && base64Error(v) !== undefined) {
    ctx.mismatched.push(at);
    return v;
  }
  const fits = s["x-kubernetes-int-or-string"] ? intOrStringFits(v) : scalarFits(v, s);
  if (fits && !isQuantity(s)) return v;
  const canonical = fits ? quantityOf(v) : undefined;
  if (canonical === undefined) ctx.mismatched.push(at);
  return canonical ?? v;
}

/** The canonical Quantity, or undefined when ParseQuantity refuses the value. */
function quantityOf(v: unknown): string | undefined {
  try {
    return canonicalQuantity(typeof v === "string" || typeof v === "number" ? v : JSON.stringify(v));
  } catch (err) {
    if (!(err instanceof QuantityError)) throw err;
    return undefined;
  }
}

/** A property's value: scalars are kept without building their path unless they mismatch. */
function pruneChild(v: unknown, schema: Schema | undefined, ctx: PruneCtx, at: string, k: string): unknown {
  if (v !== null && typeof v === "object") return prune(v, schema, ctx, at ? `${at}.${k}` : k);
  if (v === null || v === undefined) return v;
  const s = resolveIn(schema, ctx);
  if (!s) return v;
  const shape = shapeOf(s);
  if (shape === Shape.Object || shape === Shape.Array) ctx.mismatched.push(at ? `${at}.${k}` : k);
  else if (ctx.decode && (shape === Shape.Scalar || shape === Shape.Any))
    return decodeScalar(v, s, ctx, at ? `${at}.${k}` : k);
  return v;
}

/**
 * The error kube-apiserver's decoder gives for the first value of the wrong JSON type in
 * `value` (document order), or undefined: `json: cannot unmarshal <what> into Go struct field
 * <Struct>.<path> of type <Go type>` — the path from the top without list indices or map keys,
 * the struct the innermost field belongs to. Only called once pruneUnknown found one, so it may
 * walk slowly. `struct`: the Go type holding `value` (the kind); `at`: its path ("" at the top).
 */
export function decodeError(
  value: unknown,
  schema: Schema | undefined,
  resolve: (s: Schema | undefined) => Schema | undefined,
  struct: string,
  at = "",
): string | undefined {
  const goType = (raw: Schema | undefined): string => {
    const ref = raw?.$ref;
    if (ref) {
      const parts = ref.slice(ref.lastIndexOf("/") + 1).split(".");
      const s = resolve(raw);
      if (s && shapeOf(s) !== Shape.Object) return goType(s);
      return parts.length > 1 ? `${parts[parts.length - 2]}.${parts[parts.length - 1]}` : parts[0];
    }
    const s = resolve(raw);
    if (!s) return "interface {}";
    if (s.type === "array") return `[]${goType(s.items)}`;
    if (s.additionalProperties && typeof s.additionalProperties === "object")
      return `map[string]${goType(s.additionalProperties)}`;
    if (shapeOf(s) === Shape.Scalar) return goScalarType(s);
    return s.type === "object" ? "map[string]interface {}" : "interface {}";
  };
  // A type error is kept and decoding goes on; a Quantity's own error stops it (Go's decoder
  // saves the first UnmarshalTypeError but returns an Unmarshaler's error at once).
  let first: string | undefined;
  const fail = (v: unknown, s: Schema | undefined, raw: Schema | undefined, owner: string, path: string) => {
    first ??= `json: cannot unmarshal ${goValueOf(v, s)} into Go struct field ${owner}.${path} of type ${goType(raw)}`;
    return undefined;
  };
  const walk = (v: unknown, raw: Schema | undefined, owner: string, path: string): string | undefined => {
    const s = resolve(raw);
    if (!s || v === null || v === undefined) return undefined;
    const shape = shapeOf(s);
    // IntOrString decodes a non-string as an int32, and its error stops the decoder there.
    if (s["x-kubernetes-int-or-string"])
      return intOrStringFits(v)
        ? undefined
        : `json: cannot unmarshal ${goValueOf(v, INT32_SCHEMA)} into Go struct field ${owner}.${path} of type int32`;
    if (shape === Shape.Any || shape === Shape.Other) return undefined;
    if (shape === Shape.Scalar && isQuantity(s)) {
      try {
        canonicalQuantity(typeof v === "string" || typeof v === "number" ? v : JSON.stringify(v));
        return undefined;
      } catch (err) {
        if (!(err instanceof QuantityError)) throw err;
        return err.message; // ParseQuantity's own words, which stop the decoder
      }
    }
    // encoding/json keeps a []byte field's base64 error like a type error: the first one wins.
    if (shape === Shape.Scalar && s.format === "byte" && typeof v === "string") {
      first ??= base64Error(v);
      return undefined;
    }
    if (shape === Shape.Scalar)
      return typeof v === "object" || !scalarFits(v, s) ? fail(v, s, raw, owner, path) : undefined;
    if (shape === Shape.Array) {
      if (!Array.isArray(v)) return fail(v, undefined, raw, owner, path);
      for (const x of v) {
        const e = walk(x, s.items, owner, path);
        if (e) return e;
      }
      return undefined;
    }
    if (typeof v !== "object" || Array.isArray(v)) return fail(v, undefined, raw, owner, path);
    // A named struct owns its fields; a map's values stay with the struct that holds the map.
    const ref = raw?.$ref;
    const inner = ref ? ref.slice(ref.lastIndexOf(".") + 1) : owner;
    const props = s.properties;
    const extra = s.additionalProperties;
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k];
      let e: string | undefined;
      if (props && Object.hasOwn(props, k)) e = walk(x, props[k], inner, path ? `${path}.${k}` : k);
      else if (extra && typeof extra === "object") e = walk(x, extra, owner, path);
      if (e) return e;
    }
    return undefined;
  };
  return walk(value, schema, struct, at) ?? first;
}
