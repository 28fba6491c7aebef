// Test oracle: a frozen copy of pruneUnknown (src/kube/schemas.ts) and applyDefaults
// (src/kube/defaults.ts) as they were before their fast paths, so the property test
// (fields-oracle.test.ts) can check the new code gives exactly the same results.
import { DEFAULTS, type DefaultRule } from "../../../src/kube/defaults.js";
import type { Schema } from "../../../src/kube/schemas.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

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
): unknown {
  const s = resolve(schema);
  if (!s || value === null || value === undefined) return value;
  if (s["x-kubernetes-preserve-unknown-fields"] === true && !s.properties) return value;
  if (s["x-kubernetes-int-or-string"]) return value;
  if (s.type === "object" || s.properties) {
    if (typeof value !== "object" || Array.isArray(value)) {
      mismatched.push(at);
      return value;
    }
    const o = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      const child = at ? `${at}.${k}` : k;
      if (s.properties && Object.hasOwn(s.properties, k)) {
        out[k] = pruneUnknown(v, s.properties[k], resolve, child, unknown, mismatched);
      } else if (s.additionalProperties && typeof s.additionalProperties === "object") {
        out[k] = pruneUnknown(v, s.additionalProperties, resolve, child, unknown, mismatched);
      } else if (s.additionalProperties === true || (!s.properties && !s.additionalProperties)) {
        out[k] = v;
      } else if (s["x-kubernetes-preserve-unknown-fields"] === true) {
        out[k] = v;
      } else {
        unknown.push(child);
      }
    }
    return out;
  }
  if (s.type === "array") {
    if (!Array.isArray(value)) {
      mismatched.push(at);
      return value;
    }
    return value.map((v, i) => pruneUnknown(v, s.items, resolve, `${at}[${i}]`, unknown, mismatched));
  }
  if (
    (s.type === "string" || s.type === "integer" || s.type === "boolean" || s.type === "number") &&
    typeof value === "object"
  )
    mismatched.push(at);
  return value;
}

function setIfAbsent(o: Obj, path: string, r: DefaultRule): void {
  const parts = path.split(".");
  let cur = o;
  for (const k of parts.slice(0, -1)) {
    if (cur[k] === undefined) cur[k] = {};
    if (!isObj(cur[k])) return;
    cur = cur[k] as Obj;
  }
  const last = parts[parts.length - 1];
  if (r.dropNull) {
    if (cur[last] === null) delete cur[last];
    return;
  }
  if (cur[last] !== undefined) return;
  const v = r.compute ? r.compute(o) : structuredClone(r.value);
  if (v !== undefined) cur[last] = v;
}

const refName = (s: Schema | undefined) => s?.$ref?.replace(/^#\/(definitions|components\/schemas)\//, "");

/**
 * Fills the defaults of `obj` (of definition `name`) in place, walking nested definitions.
 * `create`: also the admission rows of a new object.
 */
export function applyDefaults(
  obj: unknown,
  name: string,
  defs: ReadonlyMap<string, Schema>,
  create: boolean,
  top = true,
): void {
  if (!isObj(obj)) return;
  for (const r of DEFAULTS[name] ?? []) {
    if (r.onCreate && !(create && top)) continue;
    if (r.when && !r.when(obj)) continue;
    // A rule that adjusts in place is the rule itself, not the walk this oracle checks.
    if (r.adjust) r.adjust(obj);
    else setIfAbsent(obj, r.field, r);
  }
  const s = defs.get(name);
  for (const [k, ps] of Object.entries(s?.properties ?? {})) {
    const v = obj[k];
    if (v === undefined || v === null) continue;
    const direct = refName(ps);
    if (direct) applyDefaults(v, direct, defs, create, false);
    else if (ps.type === "array" && Array.isArray(v)) {
      const item = refName(ps.items);
      if (item) for (const x of v) applyDefaults(x, item, defs, create, false);
    } else if (isObj(v) && isObj(ps.additionalProperties)) {
      const item = refName(ps.additionalProperties as Schema);
      if (item) for (const x of Object.values(v)) applyDefaults(x, item, defs, create, false);
    }
  }
}
