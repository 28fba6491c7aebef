// Field sets (managedFields' FieldsV1, sigs.k8s.io/structured-merge-diff) and server-side
// apply: who owns which field, conflicts between field managers, and the merge of an applied
// configuration into the live object. Lists with a merge key are associative (`k:{…}`),
// merged primitive lists are sets (`v:…`), other lists are atomic.
import { type ApplyConflict, applyConflict } from "./errors.js";
import { jsonEqual, sameJson as same } from "./json.js";
import { getOwn, setOwn } from "./ownKeys.js";
import type { SchemaResolver } from "./patch.js";
import type { Schema } from "./schemas.js";
import { nowRfc3339 } from "./time.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);
const SEP = "\u0000";

export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  /** Absent on entries written through the scale subresource (ScaleHandler.ToParent). */
  time?: string;
  fieldsType: "FieldsV1";
  fieldsV1: Obj;
  subresource?: string;
}

interface Ctx {
  resolve: SchemaResolver;
  /** child(s, k) per schema object (schemas never change once built). */
  kids: WeakMap<Schema, Kids>;
}

/**
 * A schema's children: its declared properties one by one, and one answer for every other
 * name (its additionalProperties, or none) — so map keys (labels, data) do not grow the cache.
 */
interface Kids {
  resolved: Schema | undefined;
  props: Map<string, Schema | undefined>;
  other?: { schema: Schema | undefined };
}
const kidsByResolver = new WeakMap<SchemaResolver, WeakMap<Schema, Kids>>();
function ctxOf(resolve: SchemaResolver): Ctx {
  let kids = kidsByResolver.get(resolve);
  if (!kids) {
    kids = new WeakMap();
    kidsByResolver.set(resolve, kids);
  }
  return { resolve, kids };
}

const listInfos = new WeakMap<Schema, { key?: string; set: boolean } | null>();
function listInfo(s: Schema | undefined): { key?: string; set: boolean } | undefined {
  if (s?.type !== "array") return undefined;
  const hit = listInfos.get(s);
  if (hit !== undefined) return hit ?? undefined;
  const strategy = String(s["x-kubernetes-patch-strategy"] ?? "");
  const key =
    (s["x-kubernetes-patch-merge-key"] as string | undefined) ??
    (Array.isArray(s["x-kubernetes-list-map-keys"])
      ? String((s["x-kubernetes-list-map-keys"] as string[])[0])
      : undefined);
  let info: { key?: string; set: boolean } | undefined;
  if (key && (strategy.includes("merge") || s["x-kubernetes-list-type"] === "map"))
    info = { key, set: false };
  else if (strategy.includes("merge") || s["x-kubernetes-list-type"] === "set") info = { set: true };
  listInfos.set(s, info ?? null);
  return info;
}

function child(s: Schema | undefined, k: string, ctx: Ctx): Schema | undefined {
  if (!s) return childOf(s, k, ctx);
  let m = ctx.kids.get(s);
  if (!m) {
    m = { resolved: ctx.resolve(s), props: new Map() };
    ctx.kids.set(s, m);
  }
  const hit = m.props.get(k);
  if (hit !== undefined || m.props.has(k)) return hit;
  const props = m.resolved?.properties;
  if (props && Object.hasOwn(props, k)) {
    const c = childOf(s, k, ctx);
    m.props.set(k, c);
    return c;
  }
  // An inherited name (`constructor`…) reads the prototype: not cached.
  if (props && k in props) return childOf(s, k, ctx);
  m.other ??= { schema: childOf(s, k, ctx) };
  return m.other.schema;
}

function childOf(s: Schema | undefined, k: string, ctx: Ctx): Schema | undefined {
  const r = ctx.resolve(s);
  return ctx.resolve(
    r?.properties?.[k] ?? (isObj(r?.additionalProperties) ? (r?.additionalProperties as Schema) : undefined),
  );
}

const METADATA_FIELDS = ["labels", "annotations", "finalizers", "ownerReferences"];

function mainPaths(value: Obj, schema: Schema | undefined, ctx: Ctx, out: Set<string>): void {
  for (const k of Object.keys(value)) {
    if (k === "apiVersion" || k === "kind" || k === "status") continue;
    const v = value[k];
    if (k === "metadata") {
      for (const mk of METADATA_FIELDS) {
        const mv = (v as Obj | undefined)?.[mk];
        if (mv !== undefined)
          walk(mv, child(child(schema, "metadata", ctx), mk, ctx), `f:metadata${SEP}f:${mk}`, out, ctx);
      }
      continue;
    }
    walk(v, child(schema, k, ctx), `f:${k}`, out, ctx);
  }
}

function subPaths(value: Obj, schema: Schema | undefined, ctx: Ctx, out: Set<string>): void {
  if (value.status !== undefined) walk(value.status, child(schema, "status", ctx), "f:status", out, ctx);
}

/** Every leaf path of `value` (object roots skip apiVersion/kind and metadata's system fields). */
export function fieldPaths(value: Obj, schema: Schema | undefined, resolve: SchemaResolver): Set<string> {
  const out = new Set<string>();
  mainPaths(value, schema, ctxOf(resolve), out);
  return out;
}

/** Leaf paths of the status part only (the status subresource's own managers). */
export function statusPaths(value: Obj, schema: Schema | undefined, resolve: SchemaResolver): Set<string> {
  const out = new Set<string>();
  subPaths(value, schema, ctxOf(resolve), out);
  return out;
}

function walk(v: unknown, s: Schema | undefined, at: string, out: Set<string>, ctx: Ctx): void {
  if (isObj(v) && !s?.["x-kubernetes-int-or-string"]) {
    const keys = Object.keys(v);
    if (keys.length > 0) {
      for (const k of keys) walk(v[k], child(s, k, ctx), `${at}${SEP}f:${k}`, out, ctx);
      return;
    }
  }
  if (Array.isArray(v)) {
    const r = ctx.resolve(s);
    const li = listInfo(r);
    if (li) {
      const items = li.set ? undefined : ctx.resolve(r?.items);
      for (const item of v) {
        if (li.set) out.add(`${at}${SEP}v:${JSON.stringify(item)}`);
        else if (isObj(item) && li.key && item[li.key] !== undefined) {
          const p = `${at}${SEP}k:${JSON.stringify({ [li.key]: item[li.key] })}`;
          out.add(`${p}${SEP}.`);
          for (const k of Object.keys(item))
            walk(item[k], child(items, k, ctx), `${p}${SEP}f:${k}`, out, ctx);
        }
      }
      return;
    }
  }
  out.add(at);
}

export function toFieldsV1(paths: Iterable<string>): Obj {
  const root: Obj = {};
  // Paths come in walk order: each shares leading elements with the one before, whose nodes
  // are reused instead of looked up again (the same nodes: a node, once set, never changes).
  let prev = "";
  const nodes: Obj[] = [root];
  const ends: number[] = [];
  for (const p of paths) {
    const n = Math.min(p.length, prev.length);
    let i = 0;
    while (i < n && p.charCodeAt(i) === prev.charCodeAt(i)) i++;
    let d = 0;
    while (d < ends.length && ends[d] <= i && (ends[d] === p.length || p.charCodeAt(ends[d]) === 0)) d++;
    ends.length = d;
    nodes.length = d + 1;
    prev = p;
    if (d > 0 && ends[d - 1] === p.length) continue;
    let cur = nodes[d];
    let pos = d > 0 ? ends[d - 1] + 1 : 0;
    for (;;) {
      const next = p.indexOf(SEP, pos);
      const end = next < 0 ? p.length : next;
      const el = p.slice(pos, end);
      // Elements are client data (a fieldsV1 key may be a bare `__proto__`): own keys only.
      let node = getOwn(cur, el) as Obj | undefined;
      if (node === undefined) {
        node = {};
        setOwn(cur, el, node);
      }
      cur = node;
      ends.push(end);
      nodes.push(cur);
      if (next < 0) break;
      pos = next + 1;
    }
  }
  return root;
}

export function fromFieldsV1(f: unknown): Set<string> {
  const out = new Set<string>();
  const rec = (o: unknown, at: string, depth: number) => {
    if (!isObj(o)) return;
    const keys = Object.keys(o);
    if (keys.length === 0 && depth) out.add(at);
    for (const k of keys) rec(o[k], depth ? `${at}${SEP}${k}` : k, depth + 1);
  };
  rec(f, "", 0);
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

/** `k:{"name":"web"}` → ["name", JSON of "web"], as valueAt reads it; bounded. */
const parsedKeys = new Map<string, [string, string | undefined]>();
function parseKey(el: string): [string, string | undefined] {
  let hit = parsedKeys.get(el);
  if (!hit) {
    const [[k, v]] = Object.entries(JSON.parse(el.slice(2)) as Obj);
    hit = [k, JSON.stringify(v)];
    if (parsedKeys.size >= 10_000) parsedKeys.clear();
    parsedKeys.set(el, hit);
  }
  return hit;
}

/**
 * valueAt(obj, path).found for every leaf of a FieldsV1 tree at once: one step per tree node
 * instead of per path, list lookups indexed once per list.
 */
class Finder {
  private readonly byKey = new Map<unknown[], Map<string, Map<string | undefined, unknown>>>();
  private readonly sets = new Map<unknown[], Set<string | undefined>>();

  /** The state after `el` from `cur`: a value to go on from, or FOUND / MISSING (valueAt returned). */
  step(cur: unknown, el: string): unknown {
    if (el === ".") return cur !== undefined ? FOUND : MISSING;
    if (el.charCodeAt(0) === 102 && el.charCodeAt(1) === 58) {
      // "f:"
      if (!isObj(cur)) return MISSING;
      const name = fieldName(el);
      if (!Object.hasOwn(cur, name)) return MISSING;
      return cur[name];
    }
    if (el.startsWith("k:")) {
      const [k, want] = parseKey(el);
      if (!Array.isArray(cur)) return MISSING;
      let keyed = this.byKey.get(cur);
      if (!keyed) {
        keyed = new Map();
        this.byKey.set(cur, keyed);
      }
      let index = keyed.get(k);
      if (!index) {
        index = new Map();
        for (const x of cur) {
          if (!isObj(x)) continue;
          const j = JSON.stringify(getOwn(x, k));
          if (!index.has(j)) index.set(j, x);
        }
        keyed.set(k, index);
      }
      return index.has(want) ? index.get(want) : MISSING;
    }
    if (el.startsWith("v:")) {
      if (!Array.isArray(cur)) return MISSING;
      let set = this.sets.get(cur);
      if (!set) {
        set = new Set(cur.map((x) => JSON.stringify(x)));
        this.sets.set(cur, set);
      }
      return set.has(el.slice(2)) ? FOUND : MISSING;
    }
    return cur;
  }
}
const FOUND = Symbol("found");
const MISSING = Symbol("missing");

/** A FieldsV1 tree holds no field name the string form of its paths would not keep. */
class Unkeyable extends Error {}

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

/** `k:{"name":"web"}`: JSON.stringify({ [key]: value }), without the object for scalars. */
function keyElement(key: string, value: unknown): string {
  const t = typeof value;
  if (t === "string" || t === "number" || t === "boolean")
    return `k:{${JSON.stringify(key)}:${JSON.stringify(value)}}`;
  return `k:${JSON.stringify({ [key]: value })}`;
}

/** The name of an `f:<name>` element, one string per element (so property lookups hit interned names). */
const fieldNames = new Map<string, string>();
function fieldName(el: string): string {
  let name = fieldNames.get(el);
  if (name === undefined) {
    name = el.slice(2);
    if (fieldNames.size >= 50_000) fieldNames.clear();
    fieldNames.set(el, name);
  }
  return name;
}

/** `f:<name>`, one string per name (property names are then already interned). */
const fieldElements = new Map<string, string>();
function fieldElement(k: string): string {
  let el = fieldElements.get(k);
  if (el === undefined) {
    el = `f:${k}`;
    if (fieldElements.size >= 50_000) fieldElements.clear();
    fieldElements.set(k, el);
  }
  return el;
}

function entries(obj: Obj): ManagedFieldsEntry[] {
  const mf = (obj.metadata as Obj | undefined)?.managedFields;
  return Array.isArray(mf) ? (mf as ManagedFieldsEntry[]) : [];
}

function setEntries(obj: Obj, list: ManagedFieldsEntry[]): void {
  if (!isObj(obj.metadata)) obj.metadata = {};
  const meta = obj.metadata as Obj;
  const kept: ManagedFieldsEntry[] = [];
  for (const e of list) {
    if (Object.keys(e.fieldsV1).length === 0) continue;
    // A status entry names the object's own facts (addresses, times): it is rarely equal to
    // another's, so interning it would cost a stringify and a lookup per status write for nothing.
    const tree = e.subresource === "status" ? e.fieldsV1 : sharedTree(e.fieldsV1);
    kept.push(tree === e.fieldsV1 ? e : { ...e, fieldsV1: tree });
  }
  if (kept.length) meta.managedFields = kept;
  else delete meta.managedFields;
}

/**
 * FieldsV1 trees by their JSON: equal trees are one object. The pods of a template carry the
 * same trees (the controller's create entry is identical in all 10,000 of a rollout), and the
 * controllers' cache keeps every object's latest version; a tree is never changed once it is
 * set on an entry (every update builds new ones), so sharing is safe. Bounded: emptied when full.
 */
const trees = new Map<string, Obj>();
/** Trees already in (or once in) the table: an entry carried over unchanged costs nothing. */
const shared = new WeakSet<Obj>();
function sharedTree(tree: Obj): Obj {
  if (!isObj(tree) || shared.has(tree)) return tree;
  const key = JSON.stringify(tree);
  const have = trees.get(key);
  if (have) return have;
  if (trees.size >= 20_000) trees.clear();
  trees.set(key, tree);
  shared.add(tree);
  return tree;
}

function pathsOf(e: ManagedFieldsEntry): Set<string> {
  return fromFieldsV1(e.fieldsV1);
}

/**
 * The manager an Update is recorded under: the request's fieldManager, else its User-Agent up
 * to the first "/" with unprintable characters left out and cut at 128 bytes (kube-apiserver's
 * prefixFromUserAgent: `kubectl scale` sends no fieldManager and is recorded as "kubectl").
 */
export function updateManager(fieldManager: string | undefined, userAgent: string | undefined): string {
  if (fieldManager) return fieldManager;
  let out = "";
  let bytes = 0;
  for (const ch of (userAgent ?? "").split("/")[0]) {
    if (!GO_PRINTABLE.test(ch)) continue;
    const n = Buffer.byteLength(ch);
    if (bytes + n > 128) break;
    out += ch;
    bytes += n;
  }
  return out || "unknown";
}
/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

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
  const ctx = ctxOf(resolve);
  const status = subresource === "status";
  const { changed, removed, irregular } = delta(oldObj, newObj, status, schema, ctx);
  if (irregular) {
    trackByPaths(oldObj, newObj, manager, apiVersion, schema, ctx, subresource);
    return;
  }
  let gone: Set<string> | undefined;
  const list = entries(newObj).map((e) => ({ ...e }));
  const finder = new Finder();
  for (const e of list) {
    if (!isObj(e.fieldsV1)) continue;
    try {
      const { tree, dirty } = pruneTree(e.fieldsV1, newObj, changed, removed, finder);
      if (dirty) e.fieldsV1 = tree;
    } catch (err) {
      if (!(err instanceof Unkeyable)) throw err;
      gone ??= new Set([...fromFieldsV1(changed), ...fromFieldsV1(removed)]);
      dropPaths(e, newObj, gone);
    }
  }
  if (!changed) {
    setEntries(newObj, list);
    return;
  }
  const mine = ownEntry(list, manager, subresource);
  if (mine) {
    try {
      const base = isObj(mine.fieldsV1) ? (canonical(mine.fieldsV1) ?? {}) : {};
      mergeInto(base, changed);
      mine.fieldsV1 = base;
    } catch (err) {
      if (!(err instanceof Unkeyable)) throw err;
      const s = pathsOf(mine);
      for (const p of fromFieldsV1(changed)) s.add(p);
      mine.fieldsV1 = toFieldsV1(s);
    }
    touch(mine, apiVersion);
  } else list.push(newEntry(manager, apiVersion, changed, subresource));
  setEntries(newObj, list);
}

/** The updating manager's own Update entry (per subresource), if it has one. */
function ownEntry(
  list: ManagedFieldsEntry[],
  manager: string,
  subresource: string | undefined,
): ManagedFieldsEntry | undefined {
  return list.find(
    (e) => e.manager === manager && e.operation === "Update" && (e.subresource ?? "") === (subresource ?? ""),
  );
}

/** An entry that gained fields: stamped now, in the request's apiVersion. */
function touch(e: ManagedFieldsEntry, apiVersion: string): void {
  e.time = nowRfc3339();
  e.apiVersion = apiVersion;
}

function newEntry(
  manager: string,
  apiVersion: string,
  fieldsV1: Obj,
  subresource: string | undefined,
): ManagedFieldsEntry {
  return {
    manager,
    operation: "Update",
    apiVersion,
    time: nowRfc3339(),
    fieldsType: "FieldsV1",
    fieldsV1,
    ...(subresource ? { subresource } : {}),
  };
}

/** Drops the `gone` paths and those `obj` no longer has from an entry, by their string form. */
function dropPaths(e: ManagedFieldsEntry, obj: Obj, gone: Set<string>): void {
  const s = pathsOf(e);
  let dirty = false;
  for (const p of gone) if (s.delete(p)) dirty = true;
  // A set the object no longer has (e.g. a spec the update dropped) stops being owned.
  for (const p of s) if (!valueAt(obj, p).found && s.delete(p)) dirty = true;
  if (dirty) e.fieldsV1 = toFieldsV1(s);
}

/**
 * trackUpdate by the string form of the paths, reading values back with valueAt: for
 * objects whose walk is irregular (duplicate merge keys, names holding the separator).
 */
function trackByPaths(
  oldObj: Obj | undefined,
  newObj: Obj,
  manager: string,
  apiVersion: string,
  schema: Schema | undefined,
  ctx: Ctx,
  subresource?: string,
): void {
  const pick = subresource === "status" ? subPaths : mainPaths;
  const after = new Set<string>();
  const before = new Set<string>();
  pick(newObj, schema, ctx, after);
  if (oldObj) pick(oldObj, schema, ctx, before);
  const changed = new Set<string>();
  for (const p of after)
    if (!before.has(p) || !same(valueAt(oldObj, p).value, valueAt(newObj, p).value)) changed.add(p);
  const gone = new Set(changed);
  for (const p of before) if (!after.has(p)) gone.add(p);
  const list = entries(newObj).map((e) => ({ ...e }));
  for (const e of list) dropPaths(e, newObj, gone);
  if (changed.size) {
    const mine = ownEntry(list, manager, subresource);
    if (mine) {
      const s = pathsOf(mine);
      for (const p of changed) s.add(p);
      mine.fieldsV1 = toFieldsV1(s);
      touch(mine, apiVersion);
    } else list.push(newEntry(manager, apiVersion, toFieldsV1(changed), subresource));
  }
  setEntries(newObj, list);
}

/** The field paths an update set or changed, and those it removed, as FieldsV1 trees. */
interface Delta {
  changed: Obj | undefined;
  removed: Obj | undefined;
  /**
   * The trees cannot stand for the string paths (a duplicate merge key: valueAt reads the
   * first item; a field name holding the separator): use trackByPaths.
   */
  irregular: boolean;
}

/**
 * The changed and removed leaf paths of an update (what comparing the walks of both objects
 * gives: new paths, paths whose values differ as JSON, paths gone), found by walking both
 * objects side by side; each tree in its own object's walk order, as toFieldsV1 would build it.
 */
function delta(
  oldObj: Obj | undefined,
  newObj: Obj,
  status: boolean,
  schema: Schema | undefined,
  ctx: Ctx,
): Delta {
  const d: Delta = { changed: undefined, removed: undefined, irregular: false };
  if (status) {
    const s = child(schema, "status", ctx);
    const nv = newObj.status;
    const ov = oldObj?.status;
    let c: Obj | undefined;
    let r: Obj | undefined;
    if (nv !== undefined && ov !== undefined) {
      const x = pair(nv, ov, s, ctx, d);
      c = x?.c;
      r = x?.r;
    } else if (nv !== undefined) c = full(nv, s, ctx, d);
    else if (ov !== undefined) r = full(ov, s, ctx, d);
    if (c) d.changed = { "f:status": c };
    if (r) d.removed = { "f:status": r };
    return d;
  }
  const x = fields(newObj, oldObj ?? {}, schema, ctx, d, true);
  d.changed = x?.c;
  d.removed = x?.r;
  return d;
}

interface Pair {
  c?: Obj;
  r?: Obj;
}

const enumerable = (o: Obj, k: string) => Object.prototype.propertyIsEnumerable.call(o, k);

/** What the walk makes of a value: an object it descends into, a merged list, or a leaf. */
function shapeIn(v: unknown, s: Schema | undefined, ctx: Ctx): "object" | "list" | "leaf" {
  if (isObj(v) && !s?.["x-kubernetes-int-or-string"] && !isEmpty(v)) return "object";
  if (Array.isArray(v) && listInfo(ctx.resolve(s))) return "list";
  return "leaf";
}

/** Both objects have a value at this path. */
function pair(nv: unknown, ov: unknown, s: Schema | undefined, ctx: Ctx, d: Delta): Pair | undefined {
  const ns = shapeIn(nv, s, ctx);
  const os = shapeIn(ov, s, ctx);
  if (ns === "object" && os === "object") return fields(nv as Obj, ov as Obj, s, ctx, d, false);
  if (ns === "list" && os === "list") return lists(nv as unknown[], ov as unknown[], s, ctx, d);
  if (ns === "leaf" && os === "leaf") return jsonEqual(nv, ov) ? undefined : { c: {} };
  const c = ns === "leaf" ? {} : full(nv, s, ctx, d);
  const r = os === "leaf" ? {} : full(ov, s, ctx, d);
  return c || r ? { c, r } : undefined;
}

/** The fields of two objects (or, `top`, two whole objects: metadata's fields, no status). */
function fields(nv: Obj, ov: Obj, s: Schema | undefined, ctx: Ctx, d: Delta, top: boolean): Pair | undefined {
  let c: Obj | undefined;
  let shared: Map<string, Obj> | undefined;
  for (const k of Object.keys(nv)) {
    if (top && (k === "apiVersion" || k === "kind" || k === "status")) continue;
    let x: Pair | undefined;
    if (top && k === "metadata") x = metadata(nv.metadata, enumerable(ov, k), ov.metadata, s, ctx, d);
    else {
      if (k.includes(SEP)) d.irregular = true;
      const cs = child(s, k, ctx);
      x = enumerable(ov, k) ? pair(nv[k], ov[k], cs, ctx, d) : { c: full(nv[k], cs, ctx, d) };
    }
    if (x?.c) {
      c ??= {};
      c[fieldElement(k)] = x.c;
    }
    if (x?.r) {
      shared ??= new Map();
      shared.set(k, x.r);
    }
  }
  let r: Obj | undefined;
  for (const k of Object.keys(ov)) {
    if (top && (k === "apiVersion" || k === "kind" || k === "status")) continue;
    let gone: Obj | undefined;
    if (enumerable(nv, k)) gone = shared?.get(k);
    else if (top && k === "metadata")
      gone = metadata(undefined, false, undefined, s, ctx, d, ov.metadata ?? null)?.r;
    else {
      if (k.includes(SEP)) d.irregular = true;
      gone = full(ov[k], child(s, k, ctx), ctx, d);
    }
    if (!gone) continue;
    r ??= {};
    r[`f:${k}`] = gone;
  }
  return c || r ? { c, r } : undefined;
}

/**
 * metadata's tracked fields (labels, annotations, finalizers, ownerReferences): `nm` the new
 * object's metadata, `inOld`/`om` the old one's; `onlyOld`: the old object's, the new one having none.
 */
function metadata(
  nm: unknown,
  inOld: boolean,
  om: unknown,
  schema: Schema | undefined,
  ctx: Ctx,
  d: Delta,
  onlyOld?: unknown,
): Pair | undefined {
  const ms = child(schema, "metadata", ctx);
  let c: Obj | undefined;
  let r: Obj | undefined;
  for (const mk of METADATA_FIELDS) {
    const s = child(ms, mk, ctx);
    const el = `f:${mk}`;
    if (onlyOld !== undefined) {
      const ov = (onlyOld as Obj | undefined)?.[mk];
      const gone = ov === undefined ? undefined : full(ov, s, ctx, d);
      if (gone) {
        r ??= {};
        r[el] = gone;
      }
      continue;
    }
    const nv = (nm as Obj | undefined)?.[mk];
    const ov = inOld ? (om as Obj | undefined)?.[mk] : undefined;
    let x: Pair | undefined;
    if (nv !== undefined && ov !== undefined) x = pair(nv, ov, s, ctx, d);
    else if (nv !== undefined) x = { c: full(nv, s, ctx, d) };
    else if (ov !== undefined) x = { r: full(ov, s, ctx, d) };
    if (x?.c) {
      c ??= {};
      c[el] = x.c;
    }
    if (x?.r) {
      r ??= {};
      r[el] = x.r;
    }
  }
  return c || r ? { c, r } : undefined;
}

/** Two merged lists (same schema): sets by item, associative lists by key. */
function lists(nv: unknown[], ov: unknown[], s: Schema | undefined, ctx: Ctx, d: Delta): Pair | undefined {
  const r0 = ctx.resolve(s);
  const li = listInfo(r0)!;
  let c: Obj | undefined;
  let r: Obj | undefined;
  if (li.set) {
    const olds = new Set(ov.map((x) => `v:${JSON.stringify(x)}`));
    const news = new Set(nv.map((x) => `v:${JSON.stringify(x)}`));
    for (const el of news)
      if (!olds.has(el)) {
        c ??= {};
        c[el] = {};
      }
    for (const el of olds)
      if (!news.has(el)) {
        r ??= {};
        r[el] = {};
      }
    return c || r ? { c, r } : undefined;
  }
  const key = li.key!;
  const items = ctx.resolve(r0?.items);
  const index = (xs: unknown[]) => {
    const m = new Map<string, Obj>();
    for (const x of xs) {
      if (!isObj(x) || x[key] === undefined) continue;
      const el = keyElement(key, x[key]);
      if (m.has(el)) d.irregular = true;
      else m.set(el, x);
    }
    return m;
  };
  const ni = index(nv);
  const oi = index(ov);
  let shared: Map<string, Obj> | undefined;
  for (const [el, x] of ni) {
    const y = oi.get(el);
    let sub: Pair | undefined;
    if (!y) sub = { c: full(x, undefined, ctx, d, items, key) };
    else {
      const f = fields(x, y, items, ctx, d, false);
      sub = jsonEqual(x, y) ? f : { c: { ".": {}, ...f?.c }, r: f?.r };
    }
    if (sub?.c) {
      c ??= {};
      c[el] = sub.c;
    }
    if (sub?.r) {
      shared ??= new Map();
      shared.set(el, sub.r);
    }
  }
  for (const [el, y] of oi) {
    const gone = ni.has(el) ? shared?.get(el) : full(y, undefined, ctx, d, items, key);
    if (!gone) continue;
    r ??= {};
    r[el] = gone;
  }
  return c || r ? { c, r } : undefined;
}

/**
 * Every leaf path of `v` as a tree (undefined when none): walk's paths. With `item`, `v` is
 * an associative list's item of that schema: its `.` and its fields.
 */
function full(
  v: unknown,
  s: Schema | undefined,
  ctx: Ctx,
  d: Delta,
  item?: Schema | undefined,
  key?: string,
): Obj | undefined {
  if (key !== undefined) {
    const n: Obj = { ".": {} };
    for (const k of Object.keys(v as Obj)) {
      if (k.includes(SEP)) d.irregular = true;
      const sub = full((v as Obj)[k], child(item, k, ctx), ctx, d);
      if (sub) n[fieldElement(k)] = sub;
    }
    return n;
  }
  if (isObj(v) && !s?.["x-kubernetes-int-or-string"]) {
    const keys = Object.keys(v);
    if (keys.length > 0) {
      let out: Obj | undefined;
      for (const k of keys) {
        if (k.includes(SEP)) d.irregular = true;
        const sub = full(v[k], child(s, k, ctx), ctx, d);
        if (!sub) continue;
        out ??= {};
        out[fieldElement(k)] = sub;
      }
      return out;
    }
  }
  if (Array.isArray(v)) {
    const r = ctx.resolve(s);
    const li = listInfo(r);
    if (li) {
      const items = li.set ? undefined : ctx.resolve(r?.items);
      let out: Obj | undefined;
      for (const x of v) {
        if (li.set) {
          out ??= {};
          out[`v:${JSON.stringify(x)}`] = {};
        } else if (isObj(x) && li.key && x[li.key] !== undefined) {
          const el = keyElement(li.key, x[li.key]);
          out ??= {};
          if (out[el] !== undefined) d.irregular = true;
          out[el] = full(x, undefined, ctx, d, items, li.key);
        }
      }
      return out;
    }
  }
  return {};
}

const own = (o: Obj | undefined, k: string): Obj | undefined =>
  o && Object.hasOwn(o, k) ? (o[k] as Obj) : undefined;

const isLeaf = (n: Obj | undefined): boolean => !!n && isEmpty(n);

/**
 * No keys, without the array Object.keys makes (asked for every node of every tree walked).
 * Trees and bodies are plain JSON data (JSON.parse, object literals), so for…in sees exactly
 * their own keys; the same holds for the walks below that use it.
 */
function isEmpty(o: Obj): boolean {
  for (const _ in o) return false;
  return true;
}

/**
 * Pairs (part of a FieldsV1 tree, the object's value at that part) found to lose nothing when
 * nothing was changed or removed under it: the answer depends on those two alone, and neither
 * changes once written — trees are never edited in place (updates build new ones), and a
 * written body is the store's (owned: frozen under test). A pod's status writes share the spec
 * object with the version before, so the creating controller's spec tree is walked once per
 * spec, not once per write.
 */
const keeps = new WeakMap<Obj, WeakSet<Obj>>();

/**
 * An entry's FieldsV1 less the paths changed or removed and those `obj` no longer has (what
 * toFieldsV1 of fromFieldsV1(f) less those gives), and whether anything was dropped.
 */
function pruneTree(
  f: Obj,
  obj: Obj,
  changed: Obj | undefined,
  removed: Obj | undefined,
  finder: Finder,
): { tree: Obj; dirty: boolean } {
  let dirty = false;
  const rec = (
    o: Obj,
    depth: number,
    state: unknown,
    c: Obj | undefined,
    r: Obj | undefined,
  ): Obj | undefined => {
    if (isEmpty(o)) {
      if (!depth) return undefined;
      if (state === MISSING || isLeaf(c) || isLeaf(r)) {
        dirty = true;
        return undefined;
      }
      return {};
    }
    let out: Obj | undefined;
    for (const k in o) {
      const x = o[k];
      if (!isObj(x)) continue;
      if (k.includes(SEP) || k === "__proto__") throw new Unkeyable();
      const next = state === FOUND || state === MISSING ? state : finder.step(state, k);
      const sub = rec(x, depth + 1, next, own(c, k), own(r, k));
      if (!sub) continue;
      out ??= {};
      out[k] = sub;
    }
    return out;
  };
  // Most entries lose nothing: find that out without building their copy.
  const drops = (o: Obj, depth: number, state: unknown, c: Obj | undefined, r: Obj | undefined): boolean => {
    const keys = Object.keys(o);
    if (keys.length === 0) return depth > 0 && (state === MISSING || isLeaf(c) || isLeaf(r));
    for (const k of keys) {
      const x = o[k];
      if (!isObj(x)) continue;
      if (k.includes(SEP) || k === "__proto__") throw new Unkeyable();
      const next = state === FOUND || state === MISSING ? state : finder.step(state, k);
      const ck = own(c, k);
      const rk = own(r, k);
      // A top-level part the update did not touch (a status write: spec, metadata) loses nothing
      // when it lost nothing against this very value before (see `keeps`).
      if (depth === 0 && !ck && !rk && isObj(next)) {
        if (keeps.get(x)?.has(next)) continue;
        if (drops(x, 1, next, undefined, undefined)) return true;
        let seen = keeps.get(x);
        if (!seen) {
          seen = new WeakSet();
          keeps.set(x, seen);
        }
        seen.add(next);
        continue;
      }
      if (drops(x, depth + 1, next, ck, rk)) return true;
    }
    return false;
  };
  if (!drops(f, 0, obj, changed, removed)) return { tree: f, dirty: false };
  const tree = rec(f, 0, obj, changed, removed) ?? {};
  return { tree, dirty };
}

/** toFieldsV1(fromFieldsV1(f)): leaves kept, nodes without leaves below dropped. */
function canonical(f: Obj): Obj | undefined {
  let out: Obj | undefined;
  for (const k in f) {
    const x = f[k];
    if (!isObj(x)) continue;
    // toFieldsV1 would split these, or find the prototype's properties.
    if (k.includes(SEP) || k in Object.prototype) throw new Unkeyable();
    const sub = isEmpty(x) ? {} : canonical(x);
    if (!sub) continue;
    out ??= {};
    out[k] = sub;
  }
  return out;
}

/** Adds the paths of `add` to `into` as toFieldsV1 would, after the ones it has. */
function mergeInto(into: Obj, add: Obj): void {
  for (const k of Object.keys(add)) {
    let next = getOwn(into, k) as Obj | undefined;
    if (next === undefined) {
      next = {};
      setOwn(into, k, next);
    }
    mergeInto(next, add[k] as Obj);
  }
}

/** Merges an applied configuration into `live` (associative lists by key, atomic lists replaced). */
function mergeApplied(live: unknown, applied: unknown, s: Schema | undefined, ctx: Ctx): unknown {
  if (isObj(applied)) {
    if (Object.keys(applied).length === 0) return isObj(live) ? live : {};
    const out: Obj = isObj(live) ? { ...live } : {};
    // Keys are the client's (`data: {__proto__: …}` is an ordinary key): own properties only.
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
      const i = cur.findIndex((x) => isObj(x) && same(getOwn(x, li.key!), getOwn(item, li.key!)));
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
  const ctx = ctxOf(i.resolve);
  const pick = i.subresource === "status" ? statusPaths : fieldPaths;
  const appliedPaths = pick(i.applied, i.schema, i.resolve);
  const live = i.live ? structuredClone(i.live) : { metadata: {} };
  const list = entries(live).map((e) => ({ ...e }));
  const conflicts: ApplyConflict[] = [];
  for (const e of list) {
    // The applier's own entry (its identity includes the subresource) never conflicts.
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
    time: nowRfc3339(),
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

// ---------------------------------------------------------------- the scale subresource

/** The Scale's replicas, the one field its managers can own (autoscaling/v1 spec.replicas). */
const SCALE_REPLICAS = `f:spec${SEP}f:replicas`;

/** `.spec.replicas` (a CRD's specReplicasPath) as a field path. */
function replicasPath(dottedPath: string): string {
  return dottedPath
    .split(".")
    .filter(Boolean)
    .map((k) => `f:${k}`)
    .join(SEP);
}

/**
 * kube-apiserver's ScaleHandler.ToSubresource: the Scale's managedFields are the parent's
 * entries that own its replicas, each now owning the Scale's spec.replicas. Entries keep their
 * identity (the parent's apiVersion), so a conflict names the manager as the parent records it.
 */
export function scaleManagedFields(parent: Obj, specReplicasPath: string): ManagedFieldsEntry[] {
  const path = replicasPath(specReplicasPath);
  return entries(parent)
    .filter((e) => pathsOf(e).has(path))
    .map((e) => ({ ...e, fieldsV1: toFieldsV1([SCALE_REPLICAS]) }));
}

/**
 * ScaleHandler.ToParent: the parent's managedFields after a write through the scale
 * subresource. A parent entry owning the replicas keeps them while its manager still owns the
 * Scale's spec.replicas, and loses them (the entry goes when nothing is left) otherwise; a
 * manager new to the replicas gets an entry in the parent's version owning them, without a
 * time (upstream takes times from the parent's entries, where it has none).
 */
export function scaleToParent(
  parent: Obj,
  scale: Obj,
  specReplicasPath: string,
  apiVersion: string,
): ManagedFieldsEntry[] {
  const path = replicasPath(specReplicasPath);
  const owners = new Map<string, ManagedFieldsEntry>();
  for (const e of entries(scale))
    if (isObj(e.fieldsV1) && Object.keys(e.fieldsV1).length) owners.set(managerId(e), e);
  const out: ManagedFieldsEntry[] = [];
  for (const e of entries(parent)) {
    const s = pathsOf(e);
    if (!s.has(path)) out.push(e);
    else if (owners.delete(managerId(e))) out.push(e);
    else {
      s.delete(path);
      if (s.size) out.push({ ...e, fieldsV1: toFieldsV1(s) });
    }
  }
  for (const e of owners.values()) {
    if (!pathsOf(e).has(SCALE_REPLICAS)) continue;
    const { time: _time, ...rest } = e;
    out.push({ ...rest, apiVersion, fieldsV1: toFieldsV1([path]) });
  }
  return out;
}
