// The three classic patch types kube-apiserver accepts: JSON patch (RFC 6902, as
// evanphx/json-patch applies it), JSON merge patch (RFC 7386) and strategic merge patch, whose
// list semantics come from the schema's x-kubernetes-patch-strategy / -merge-key (kinds.ts
// PATCH_META) and whose directives are `$patch`, `$retainKeys`, `$setElementOrder/<list>`
// and `$deleteFromPrimitiveList/<list>` (k8s.io/apimachinery/pkg/util/strategicpatch).
// Every key a patch names is an ordinary map key, as in Go: read and written as an own
// property only (ownKeys.ts), so `__proto__` or `constructor` neither get lost nor reach a prototype.
import { badRequest, KubeError } from "./errors.js";
import { cloneJson } from "./json.js";
import { getOwn, setOwn } from "./ownKeys.js";
import type { Schema } from "./schemas.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

const rejected = (m: string) =>
  new KubeError(422, "Invalid", `the server rejected our request due to an error in our request: ${m}`);

/** RFC 6901 pointer → its reference tokens. */
function tokens(p: unknown, what: string): string[] {
  if (typeof p !== "string") throw rejected(`${what} operation has no path`);
  if (p === "") return [];
  if (!p.startsWith("/")) throw rejected(`JSON pointer must be empty or start with a "/": ${p}`);
  return p
    .slice(1)
    .split("/")
    .map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** The container the pointer's last token lives in, or undefined when the path is missing. */
function parentOf(doc: unknown, toks: string[]): unknown {
  let cur = doc;
  for (const t of toks.slice(0, -1)) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9][0-9]*)$/.test(t) || Number(t) >= cur.length) return undefined;
      cur = cur[Number(t)];
    } else if (isObj(cur)) {
      if (!Object.hasOwn(cur, t)) return undefined;
      cur = cur[t];
    } else return undefined;
  }
  return cur;
}

const arrayIndex = (t: string, len: number, add: boolean): number | undefined => {
  if (add && t === "-") return len;
  if (!/^(0|[1-9][0-9]*)$/.test(t)) return undefined;
  const i = Number(t);
  return i < len || (add && i === len) ? i : undefined;
};

function getAt(doc: unknown, toks: string[]): { found: boolean; value?: unknown } {
  if (!toks.length) return { found: true, value: doc };
  const parent = parentOf(doc, toks);
  const last = toks[toks.length - 1];
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, false);
    return i === undefined ? { found: false } : { found: true, value: parent[i] };
  }
  if (isObj(parent) && Object.hasOwn(parent, last)) return { found: true, value: parent[last] };
  return { found: false };
}

/** Applies one JSON patch (RFC 6902) to a copy of `doc`; evanphx/json-patch's error wording. */
export function applyJsonPatch(doc: Obj, patch: unknown): Obj {
  if (!Array.isArray(patch))
    throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  let root: unknown = cloneJson(doc);
  for (const raw of patch) {
    if (!isObj(raw)) throw rejected("json: cannot unmarshal operation: not an object");
    const op = raw.op;
    const path = raw.path;
    const add = (toks: string[], value: unknown, verb: string) => {
      if (!toks.length) {
        root = value;
        return;
      }
      const parent = parentOf(root, toks);
      const last = toks[toks.length - 1];
      if (Array.isArray(parent)) {
        const i = arrayIndex(last, parent.length, true);
        if (i === undefined)
          throw rejected(`${verb} operation does not apply: doc is missing path: "${path}": missing value`);
        parent.splice(i, 0, value);
      } else if (isObj(parent)) setOwn(parent, last, value);
      else throw rejected(`${verb} operation does not apply: doc is missing path: "${path}": missing value`);
    };
    const remove = (toks: string[], verb: string, p: unknown) => {
      const parent = parentOf(root, toks);
      const last = toks[toks.length - 1];
      if (Array.isArray(parent)) {
        const i = arrayIndex(last, parent.length, false);
        if (i !== undefined) return parent.splice(i, 1)[0];
      } else if (toks.length && isObj(parent) && Object.hasOwn(parent, last)) {
        const v = parent[last];
        delete parent[last];
        return v;
      }
      throw rejected(`${verb} operation does not apply: doc is missing path: "${String(p)}": missing value`);
    };
    switch (op) {
      case "add":
        if (!Object.hasOwn(raw, "value")) throw rejected("add operation missing value");
        add(tokens(path, "add"), cloneJson(raw.value), "add");
        break;
      case "remove":
        remove(tokens(path, "remove"), "remove", path);
        break;
      case "replace": {
        if (!Object.hasOwn(raw, "value")) throw rejected("replace operation missing value");
        const toks = tokens(path, "replace");
        if (!getAt(root, toks).found)
          throw rejected(
            `replace operation does not apply: doc is missing key: ${String(path)}: missing value`,
          );
        const value = cloneJson(raw.value);
        const parent = parentOf(root, toks);
        const last = toks[toks.length - 1];
        // In place: a replaced key keeps its position.
        if (!toks.length) root = value;
        else if (Array.isArray(parent)) parent[Number(last)] = value;
        else setOwn(parent as Obj, last, value);
        break;
      }
      case "move": {
        const from = tokens(raw.from, "move");
        const to = tokens(path, "move");
        if (!getAt(root, from).found)
          throw rejected(
            `move operation does not apply: doc is missing from path: ${String(raw.from)}: missing value`,
          );
        const v = from.length ? remove(from, "move", raw.from) : root;
        add(to, v, "move");
        break;
      }
      case "copy": {
        const got = getAt(root, tokens(raw.from, "copy"));
        if (!got.found)
          throw rejected(
            `copy operation does not apply: doc is missing from path: ${String(raw.from)}: missing value`,
          );
        add(tokens(path, "copy"), cloneJson(got.value), "copy");
        break;
      }
      case "test": {
        const got = getAt(root, tokens(path, "test"));
        if (!got.found || !deepEqual(got.value, raw.value))
          throw rejected(`testing value ${String(path)} failed: test failed`);
        break;
      }
      default:
        throw rejected(`Unexpected kind: ${String(op)}`);
    }
  }
  if (!isObj(root)) throw rejected("the patched document is not an object");
  return root;
}

/** JSON equality, object keys in any order. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    return (
      ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
    );
  }
  return false;
}

export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return cloneJson(patch);
  const out: Obj = isObj(doc) ? { ...doc } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else setOwn(out, k, applyMergePatch(getOwn(out, k), v));
  }
  return out;
}

export type SchemaResolver = (s: Schema | undefined) => Schema | undefined;

interface Ctx {
  resolve: SchemaResolver;
}

/** Applies a strategic merge patch to `doc` with the patch metadata found in `schema`. */
export function applyStrategicMergePatch(
  doc: Obj,
  patch: unknown,
  schema: Schema | undefined,
  resolve: SchemaResolver,
): Obj {
  if (!isObj(patch))
    throw badRequest("json: cannot unmarshal array into Go value of type map[string]interface {}");
  const out = mergeMap(doc, patch, schema, { resolve });
  return isObj(out) ? out : {};
}

function mergeMap(orig: unknown, patch: Obj, schema: Schema | undefined, ctx: Ctx): unknown {
  const s = ctx.resolve(schema);
  const directive = patch.$patch;
  if (directive === "replace") {
    const { $patch: _, ...rest } = patch;
    return stripDirectives(rest);
  }
  if (directive === "delete") return undefined;
  if (directive !== undefined && directive !== "merge")
    throw badRequest(`Unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);
  let out: Obj = isObj(orig) ? { ...orig } : {};
  const retain = patch.$retainKeys;
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw badRequest("invalid $retainKeys directive: must be a list of keys");
    const keep = new Set(retain.map(String));
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
  }
  const orders: [string, unknown[]][] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k === "$patch" || k === "$retainKeys") continue;
    if (k.startsWith("$setElementOrder/")) {
      if (!Array.isArray(v)) throw badRequest(`invalid ${k}: must be a list`);
      orders.push([k.slice("$setElementOrder/".length), v]);
      continue;
    }
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const field = k.slice("$deleteFromPrimitiveList/".length);
      if (!Array.isArray(v)) throw badRequest(`invalid ${k}: must be a list`);
      const cur = getOwn(out, field);
      if (Array.isArray(cur))
        out[field] = cur.filter((x) => !v.some((d) => JSON.stringify(d) === JSON.stringify(x)));
      continue;
    }
    const fs =
      (s?.properties && Object.hasOwn(s.properties, k) ? s.properties[k] : undefined) ??
      (isObj(s?.additionalProperties) ? (s?.additionalProperties as Schema) : undefined);
    if (v === null) {
      delete out[k];
      continue;
    }
    if (isObj(v)) {
      const merged = mergeMap(getOwn(out, k), v, fs, ctx);
      if (merged === undefined) delete out[k];
      else setOwn(out, k, merged);
      continue;
    }
    if (Array.isArray(v)) {
      setOwn(out, k, mergeList(getOwn(out, k), v, fs, ctx));
      continue;
    }
    setOwn(out, k, v);
  }
  for (const [field, order] of orders) {
    const cur = getOwn(out, field);
    if (!Array.isArray(cur)) continue;
    const fs = ctx.resolve(
      s?.properties && Object.hasOwn(s.properties, field) ? s.properties[field] : undefined,
    );
    out[field] = reorder(cur, order, fs?.["x-kubernetes-patch-merge-key"] as string | undefined);
  }
  return out;
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObj(v)) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => !k.startsWith("$"))
      .map(([k, x]) => [k, stripDirectives(x)]),
  );
}

function mergeList(orig: unknown, patch: unknown[], schema: Schema | undefined, ctx: Ctx): unknown[] {
  const s = ctx.resolve(schema);
  const strategy = String(s?.["x-kubernetes-patch-strategy"] ?? "");
  const key = s?.["x-kubernetes-patch-merge-key"] as string | undefined;
  const cur = Array.isArray(orig) ? [...orig] : [];
  // `[{"$patch":"replace"}, …]` replaces the list whatever its strategy.
  if (patch.some((p) => isObj(p) && p.$patch === "replace"))
    return patch.filter((p) => !(isObj(p) && p.$patch === "replace")).map(stripDirectives);
  if (!strategy.split(",").includes("merge")) return patch.map(stripDirectives);
  if (!key) {
    // A merged list of primitives: union, patch order for new values.
    const out = [...cur];
    for (const p of patch) if (!out.some((x) => JSON.stringify(x) === JSON.stringify(p))) out.push(p);
    return out;
  }
  const itemSchema = s?.items;
  for (const p of patch) {
    if (!isObj(p))
      throw badRequest(`strategic merge patch: list item ${JSON.stringify(p)} has no merge key ${key}`);
    if (!(key in p))
      throw badRequest(`map: ${JSON.stringify(p)} does not contain declared merge key: ${key}`);
    const idx = cur.findIndex((x) => isObj(x) && JSON.stringify(x[key]) === JSON.stringify(p[key]));
    if (p.$patch === "delete") {
      if (idx >= 0) cur.splice(idx, 1);
      continue;
    }
    if (idx >= 0) cur[idx] = mergeMap(cur[idx], p, itemSchema, ctx);
    else cur.push(mergeMap(undefined, p, itemSchema, ctx));
  }
  return cur.filter((x) => x !== undefined);
}

/** `$setElementOrder`: listed elements take the listed order; others keep their relative place after them. */
function reorder(list: unknown[], order: unknown[], key: string | undefined): unknown[] {
  const id = (x: unknown) => JSON.stringify(key && isObj(x) ? x[key] : x);
  // A key listed twice (kubectl debug reusing a container's name) keeps its first place.
  const rank = new Map<string, number>();
  order.forEach((o, i) => {
    if (!rank.has(id(o))) rank.set(id(o), i);
  });
  const listed = list.filter((x) => rank.has(id(x))).sort((a, b) => rank.get(id(a))! - rank.get(id(b))!);
  const others = list.filter((x) => !rank.has(id(x)));
  return [...listed, ...others];
}
