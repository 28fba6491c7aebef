// Client-chosen keys (ConfigMap data, annotations, map-typed fields, FieldsV1 elements) are
// ordinary map keys in Kubernetes — Go maps have no prototype. In JavaScript `o[k] = v` with
// k = "__proto__" sets the prototype instead (the key is lost), and reading a key the object
// does not own can reach Object.prototype (a nested write then pollutes every object). Code
// that builds objects from such keys goes through these two.
type Obj = Record<string, unknown>;

/** `o[k] = v` as an own, enumerable property, whatever `k` is. */
export function setOwn(o: Obj, k: string, v: unknown): void {
  if (k === "__proto__")
    Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

/** `o[k]` when `o` owns `k` (never a value inherited from the prototype). */
export function getOwn(o: Obj, k: string): unknown {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

/**
 * `have` with every key of `from` it lacks, keys sorted as Go writes a map (defaults into a
 * ResourceList: requests from limits, LimitRange defaults), and the keys that were added.
 */
export function withMissing(have: Obj | undefined, from: Obj): { merged: Obj; added: string[] } {
  const base = have ?? {};
  const added = Object.keys(from)
    .filter((k) => getOwn(base, k) === undefined)
    .sort();
  const all: Obj = { ...base };
  for (const k of added) setOwn(all, k, from[k]);
  const merged: Obj = {};
  for (const k of Object.keys(all).sort()) setOwn(merged, k, all[k]);
  return { merged, added };
}
