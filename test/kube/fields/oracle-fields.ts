// Test oracle: a frozen copy of src/kube/fields.ts before its fast paths (compared in
// fields-oracle.test.ts). Field sets (managedFields' FieldsV1, sigs.k8s.io/structured-merge-diff) and server-side
// apply: who owns which field, conflicts between field managers, and the merge of an applied
// configuration into the live object. Lists with a merge key are associative (`k:{…}`),
// merged primitive lists are sets (`v:…`), other lists are atomic.
// Changes since it was frozen: keys are own properties only (a field or element named
// `__proto__`, `toString`… is an ordinary key, never the prototype's; src/kube/ownKeys.ts), and
// a conflict names the other manager's subresource as kube-apiserver's printManager does.
import { type ApplyConflict, applyConflict } from "../../../src/kube/errors.js";
import { getOwn, setOwn } from "../../../src/kube/ownKeys.js";
import type { SchemaResolver } from "../../../src/kube/patch.js";
import type { Schema } from "../../../src/kube/schemas.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);
const SEP = "\u0000";

export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  fieldsType: "FieldsV1";
  fieldsV1: Obj;
  subresource?: string;
}

interface Ctx {
  resolve: SchemaResolver;
}

function listInfo(s: Schema | undefined): { key?: string; set: boolean } | undefined {
  if (s?.type !== "array") return undefined;
  const strategy = String(s["x-kubernetes-patch-strategy"] ?? "");
  const key =
    (s["x-kubernetes-patch-merge-key"] as string | undefined) ??
    (Array.isArray(s["x-kubernetes-list-map-keys"])
      ? String((s["x-kubernetes-list-map-keys"] as string[])[0])
      : undefined);
  if (key && (strategy.includes("merge") || s["x-kubernetes-list-type"] === "map"))
    return { key, set: false };
  if (strategy.includes("merge") || s["x-kubernetes-list-type"] === "set") return { set: true };
  return undefined;
}

const child = (s: Schema | undefined, k: string, ctx: Ctx): Schema | undefined => {
  const r = ctx.resolve(s);
  return ctx.resolve(
    r?.properties?.[k] ?? (isObj(r?.additionalProperties) ? (r?.additionalProperties as Schema) : undefined),
  );
};

/** Every leaf path of `value` (object roots skip apiVersion/kind and metadata's system fields). */
export function fieldPaths(value: Obj, schema: Schema | undefined, resolve: SchemaResolver): Set<string> {
  const out = new Set<string>();
  const ctx = { resolve };
  for (const [k, v] of Object.entries(value)) {
    if (k === "apiVersion" || k === "kind" || k === "status") continue;
    if (k === "metadata") {
      for (const mk of ["labels", "annotations", "finalizers", "ownerReferences"]) {
        const mv = (v as Obj | undefined)?.[mk];
        if (mv !== undefined)
          walk(mv, child(child(schema, "metadata", ctx), mk, ctx), [`f:metadata`, `f:${mk}`], out, ctx);
      }
      continue;
    }
    walk(v, child(schema, k, ctx), [`f:${k}`], out, ctx);
  }
  return out;
}

/** Leaf paths of the status part only (the status subresource's own managers). */
export function statusPaths(value: Obj, schema: Schema | undefined, resolve: SchemaResolver): Set<string> {
  const out = new Set<string>();
  const ctx = { resolve };
  if (value.status !== undefined) walk(value.status, child(schema, "status", ctx), ["f:status"], out, ctx);
  return out;
}

function walk(v: unknown, s: Schema | undefined, at: string[], out: Set<string>, ctx: Ctx): void {
  if (isObj(v) && Object.keys(v).length > 0 && !s?.["x-kubernetes-int-or-string"]) {
    for (const [k, x] of Object.entries(v)) walk(x, child(s, k, ctx), [...at, `f:${k}`], out, ctx);
    return;
  }
  const li = Array.isArray(v) ? listInfo(ctx.resolve(s)) : undefined;
  if (Array.isArray(v) && li) {
    const items = ctx.resolve(ctx.resolve(s)?.items);
    for (const item of v) {
      if (li.set) out.add([...at, `v:${JSON.stringify(item)}`].join(SEP));
      else if (isObj(item) && li.key && item[li.key] !== undefined) {
        const p = [...at, `k:${JSON.stringify({ [li.key]: item[li.key] })}`];
        out.add([...p, "."].join(SEP));
        for (const [k, x] of Object.entries(item)) walk(x, child(items, k, ctx), [...p, `f:${k}`], out, ctx);
      }
    }
    return;
  }
  out.add(at.join(SEP));
}

export function toFieldsV1(paths: Iterable<string>): Obj {
  const root: Obj = {};
  for (const p of paths) {
    let cur = root;
    for (const el of p.split(SEP)) {
      if (!Object.hasOwn(cur, el)) setOwn(cur, el, {});
      cur = cur[el] as Obj;
    }
  }
  return root;
}

export function fromFieldsV1(f: unknown): Set<string> {
  const out = new Set<string>();
  const rec = (o: unknown, at: string[]) => {
    if (!isObj(o)) return;
    const keys = Object.keys(o);
    if (keys.length === 0 && at.length) out.add(at.join(SEP));
    for (const k of keys) rec(o[k], [...at, k]);
  };
  rec(f, []);
  return out;
}

/** The value at a path, or undefined (`.` means the list item itself). */
function valueAt(obj: unknown, path: string): { found: boolean; value?: unknown } {
  let cur: unknown = obj;
  for (const el of path.split(SEP)) {
    if (el === ".") return { found: cur !== undefined, value: cur };
    if (el.startsWith("f:")) {
      if (!isObj(cur) || !Object.hasOwn(cur, el.slice(2))) return { found: false };
      cur = cur[el.slice(2)];
    } else if (el.startsWith("k:")) {
      const key = JSON.parse(el.slice(2)) as Obj;
      const [[k, v]] = Object.entries(key);
      if (!Array.isArray(cur)) return { found: false };
      cur = cur.find((x) => isObj(x) && JSON.stringify(getOwn(x, k)) === JSON.stringify(v));
      if (cur === undefined) return { found: false };
    } else if (el.startsWith("v:")) {
      if (!Array.isArray(cur)) return { found: false };
      const want = el.slice(2);
      const hit = cur.some((x) => JSON.stringify(x) === want);
      return hit ? { found: true, value: JSON.parse(want) } : { found: false };
    }
  }
  return { found: true, value: cur };
}

function removeAt(obj: Obj, path: string): void {
  const els = path.split(SEP).filter((e) => e !== ".");
  const last = els.pop();
  if (!last) return;
  let cur: unknown = obj;
  for (const el of els) {
    if (el.startsWith("f:")) cur = isObj(cur) ? getOwn(cur, el.slice(2)) : undefined;
    else if (el.startsWith("k:")) {
      const [[k, v]] = Object.entries(JSON.parse(el.slice(2)) as Obj);
      cur = Array.isArray(cur)
        ? cur.find((x) => isObj(x) && JSON.stringify(getOwn(x, k)) === JSON.stringify(v))
        : undefined;
    }
    if (cur === undefined) return;
  }
  if (last.startsWith("f:") && isObj(cur)) delete cur[last.slice(2)];
  else if (last.startsWith("k:") && Array.isArray(cur)) {
    const [[k, v]] = Object.entries(JSON.parse(last.slice(2)) as Obj);
    const i = cur.findIndex((x) => isObj(x) && JSON.stringify(getOwn(x, k)) === JSON.stringify(v));
    if (i >= 0) cur.splice(i, 1);
  } else if (last.startsWith("v:") && Array.isArray(cur)) {
    const i = cur.findIndex((x) => JSON.stringify(x) === last.slice(2));
    if (i >= 0) cur.splice(i, 1);
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const nowTime = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

function entries(obj: Obj): ManagedFieldsEntry[] {
  const mf = (obj.metadata as Obj | undefined)?.managedFields;
  return Array.isArray(mf) ? (mf as ManagedFieldsEntry[]) : [];
}

function setEntries(obj: Obj, list: ManagedFieldsEntry[]): void {
  if (!isObj(obj.metadata)) obj.metadata = {};
  const meta = obj.metadata as Obj;
  const kept = list.filter((e) => Object.keys(e.fieldsV1).length > 0);
  if (kept.length) meta.managedFields = kept;
  else delete meta.managedFields;
}

function pathsOf(e: ManagedFieldsEntry): Set<string> {
  return fromFieldsV1(e.fieldsV1);
}

/**
 * Records an Update by `manager`: fields it set or changed become its own and leave other
 * managers; removed fields leave everybody.
 */
export function trackUpdate(
  oldObj: Obj | undefined,
  newObj: Obj,
  manager: string,
  apiVersion: string,
  schema: Schema | undefined,
  resolve: SchemaResolver,
  subresource?: string,
): void {
  const pick = subresource === "status" ? statusPaths : fieldPaths;
  const after = pick(newObj, schema, resolve);
  const before = oldObj ? pick(oldObj, schema, resolve) : new Set<string>();
  const changed = new Set<string>();
  for (const p of after)
    if (!before.has(p) || !same(valueAt(oldObj, p).value, valueAt(newObj, p).value)) changed.add(p);
  const removed = [...before].filter((p) => !after.has(p));
  const list = entries(newObj).map((e) => ({ ...e }));
  for (const e of list) {
    const s = pathsOf(e);
    let dirty = false;
    for (const p of [...changed, ...removed]) if (s.delete(p)) dirty = true;
    // A set the object no longer has (e.g. a spec the update dropped) stops being owned.
    for (const p of s) if (!valueAt(newObj, p).found && s.delete(p)) dirty = true;
    if (dirty) e.fieldsV1 = toFieldsV1(s);
  }
  if (changed.size) {
    const mine = list.find(
      (e) =>
        e.manager === manager && e.operation === "Update" && (e.subresource ?? "") === (subresource ?? ""),
    );
    if (mine) {
      const s = pathsOf(mine);
      for (const p of changed) s.add(p);
      mine.fieldsV1 = toFieldsV1(s);
      mine.time = nowTime();
      mine.apiVersion = apiVersion;
    } else {
      list.push({
        manager,
        operation: "Update",
        apiVersion,
        time: nowTime(),
        fieldsType: "FieldsV1",
        fieldsV1: toFieldsV1(changed),
        ...(subresource ? { subresource } : {}),
      });
    }
  }
  setEntries(newObj, list);
}

/** Merges an applied configuration into `live` (associative lists by key, atomic lists replaced). */
function mergeApplied(live: unknown, applied: unknown, s: Schema | undefined, ctx: Ctx): unknown {
  if (isObj(applied)) {
    if (Object.keys(applied).length === 0) return isObj(live) ? live : {};
    const out: Obj = isObj(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(applied))
      setOwn(out, k, mergeApplied(getOwn(out, k), v, child(s, k, ctx), ctx));
    return out;
  }
  if (Array.isArray(applied)) {
    const li = listInfo(ctx.resolve(s));
    if (!li) return structuredClone(applied);
    const cur = Array.isArray(live) ? [...live] : [];
    if (li.set) {
      for (const x of applied) if (!cur.some((y) => same(x, y))) cur.push(x);
      return cur;
    }
    const items = ctx.resolve(s)?.items;
    for (const item of applied) {
      if (!isObj(item) || !li.key) continue;
      const i = cur.findIndex((x) => isObj(x) && same(x[li.key!], item[li.key!]));
      if (i >= 0) cur[i] = mergeApplied(cur[i], item, items, ctx);
      else cur.push(mergeApplied(undefined, item, items, ctx));
    }
    return cur;
  }
  return applied;
}

export interface ApplyInput {
  live: Obj | undefined;
  applied: Obj;
  manager: string;
  force: boolean;
  apiVersion: string;
  schema: Schema | undefined;
  resolve: SchemaResolver;
  subresource?: string;
}

/** A manager as kube-apiserver's printManager words it in a conflict. */
function printManager(e: ManagedFieldsEntry): string {
  const sub = e.subresource ? ` with subresource "${e.subresource}"` : "";
  return `"${e.manager}"${sub}${e.operation === "Update" ? ` using ${e.apiVersion}` : ""}`;
}

/** The manager's identity as structured-merge-diff keys it (JSON; no apiVersion for appliers). */
function managerId(e: ManagedFieldsEntry): string {
  return JSON.stringify({
    manager: e.manager,
    operation: e.operation,
    ...(e.operation === "Update" && e.apiVersion ? { apiVersion: e.apiVersion } : {}),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  });
}

/** Server-side apply: conflicts (409 unless force), removal of fields the manager stopped applying, merge, ownership. */
export function serverSideApply(i: ApplyInput): Obj {
  const ctx = { resolve: i.resolve };
  const pick = i.subresource === "status" ? statusPaths : fieldPaths;
  const appliedPaths = pick(i.applied, i.schema, i.resolve);
  const live = i.live ? structuredClone(i.live) : { metadata: {} };
  const list = entries(live).map((e) => ({ ...e }));
  const conflicts: ApplyConflict[] = [];
  for (const e of list) {
    if (e.manager === i.manager && e.operation === "Apply" && (e.subresource ?? "") === (i.subresource ?? ""))
      continue;
    const s = pathsOf(e);
    for (const p of appliedPaths) {
      if (!s.has(p)) continue;
      const a = valueAt(i.applied, p);
      const l = valueAt(live, p);
      if (p.endsWith(`${SEP}.`) || same(a.value, l.value)) continue;
      conflicts.push({ manager: printManager(e), id: managerId(e), field: dotted(p) });
      if (i.force) s.delete(p);
    }
    if (i.force) e.fieldsV1 = toFieldsV1(s);
  }
  if (conflicts.length && !i.force) throw applyConflict(conflicts);
  // Fields this manager applied before and no longer applies go, unless someone else owns them.
  const mine = list.find(
    (e) =>
      e.manager === i.manager && e.operation === "Apply" && (e.subresource ?? "") === (i.subresource ?? ""),
  );
  if (mine) {
    const others = new Set<string>();
    for (const e of list) if (e !== mine) for (const p of pathsOf(e)) others.add(p);
    const dropped = [...pathsOf(mine)].filter((p) => !appliedPaths.has(p) && !others.has(p));
    // Remove deepest first so list items go after their fields.
    for (const p of dropped.sort((a, b) => b.split(SEP).length - a.split(SEP).length)) removeAt(live, p);
  }
  const merged = mergeApplied(live, stripForMerge(i.applied), i.schema, ctx) as Obj;
  const entry: ManagedFieldsEntry = {
    manager: i.manager,
    operation: "Apply",
    apiVersion: i.apiVersion,
    time: nowTime(),
    fieldsType: "FieldsV1",
    fieldsV1: toFieldsV1(appliedPaths),
    ...(i.subresource ? { subresource: i.subresource } : {}),
  };
  const rest = list.filter((e) => e !== mine);
  setEntries(merged, mine ? list.map((e) => (e === mine ? entry : e)) : [...rest, entry]);
  return merged;
}

function stripForMerge(applied: Obj): Obj {
  const { metadata, ...rest } = applied;
  const m = (metadata ?? {}) as Obj;
  const keep: Obj = {};
  for (const k of [
    "labels",
    "annotations",
    "finalizers",
    "ownerReferences",
    "name",
    "namespace",
    "generateName",
  ])
    if (m[k] !== undefined) keep[k] = m[k];
  return { ...rest, metadata: keep };
}

/** `.spec.containers[name="web"].image`, as kube-apiserver names fields in conflicts. */
function dotted(p: string): string {
  let out = "";
  for (const el of p.split(SEP)) {
    if (el === ".") continue;
    if (el.startsWith("f:")) out += `.${el.slice(2)}`;
    else if (el.startsWith("k:")) {
      const [[k, v]] = Object.entries(JSON.parse(el.slice(2)) as Obj);
      out += `[${k}=${JSON.stringify(v)}]`;
    } else if (el.startsWith("v:")) out += `[=${el.slice(2)}]`;
  }
  return out;
}
