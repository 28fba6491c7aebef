// The three classic patch types kube-apiserver accepts: JSON patch (RFC 6902, through
// fast-json-patch), JSON merge patch (RFC 7386) and strategic merge patch, whose list
// semantics come from the schema's x-kubernetes-patch-strategy / -merge-key (kinds.ts
// PATCH_META) and whose directives are `$patch`, `$retainKeys`, `$setElementOrder/<list>`
// and `$deleteFromPrimitiveList/<list>` (k8s.io/apimachinery/pkg/util/strategicpatch).
import fastJsonPatch from "fast-json-patch";
import { badRequest, KubeError } from "./errors.js";
import { cloneJson } from "./json.js";
import type { Schema } from "./schemas.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

export function applyJsonPatch(doc: Obj, patch: unknown): Obj {
  if (!Array.isArray(patch))
    throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  const err = fastJsonPatch.validate(patch as fastJsonPatch.Operation[], doc);
  if (err)
    throw new KubeError(
      422,
      "Invalid",
      `the server rejected our request due to an error in our request: ${describe(err)}`,
    );
  try {
    return fastJsonPatch.applyPatch(cloneJson(doc), patch as fastJsonPatch.Operation[], true, false)
      .newDocument as Obj;
  } catch (e) {
    throw new KubeError(
      422,
      "Invalid",
      `the server rejected our request due to an error in our request: ${describe(e)}`,
    );
  }
}

function describe(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split("\n")[0];
}

export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return cloneJson(patch);
  const out: Obj = isObj(doc) ? { ...doc } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
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
      const cur = out[field];
      if (Array.isArray(cur))
        out[field] = cur.filter((x) => !v.some((d) => JSON.stringify(d) === JSON.stringify(x)));
      continue;
    }
    const fs =
      s?.properties?.[k] ??
      (isObj(s?.additionalProperties) ? (s?.additionalProperties as Schema) : undefined);
    if (v === null) {
      delete out[k];
      continue;
    }
    if (isObj(v)) {
      const merged = mergeMap(out[k], v, fs, ctx);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
      continue;
    }
    if (Array.isArray(v)) {
      out[k] = mergeList(out[k], v, fs, ctx);
      continue;
    }
    out[k] = v;
  }
  for (const [field, order] of orders) {
    const cur = out[field];
    if (!Array.isArray(cur)) continue;
    const fs = ctx.resolve(s?.properties?.[field]);
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
  const rank = new Map(order.map((o, i) => [id(o), i]));
  const listed = list.filter((x) => rank.has(id(x))).sort((a, b) => rank.get(id(a))! - rank.get(id(b))!);
  const others = list.filter((x) => !rank.has(id(x)));
  return [...listed, ...others];
}
