// Deep copies of JSON values: what `JSON.parse(JSON.stringify(v))` gives, at a fraction of its
// cost (4× cheaper than structuredClone on a stored pod, faster than parsing its text). The API
// copies every object it is given with it. As in JSON: object keys whose value is undefined, a
// function or a symbol are left out, the same in arrays become null, non-finite numbers become
// null and -0 becomes 0. An own "__proto__" key (JSON.parse makes one) stays an ordinary key:
// assigning it would set the copy's prototype instead. Anything else (a Date, an object with
// toJSON) goes through JSON itself.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function copy(v: unknown): Json | undefined {
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      return Number.isFinite(v) ? v + 0 : null; // -0 + 0 is 0, as JSON writes it
    case "object": {
      if (v === null) return null;
      if (Array.isArray(v)) {
        const out: Json[] = new Array(v.length);
        for (let i = 0; i < v.length; i++) out[i] = copy(v[i]) ?? null;
        return out;
      }
      const proto = Object.getPrototypeOf(v);
      if (
        (proto !== Object.prototype && proto !== null) ||
        typeof (v as { toJSON?: unknown }).toJSON === "function"
      )
        return JSON.parse(JSON.stringify(v)) as Json;
      const src = v as Record<string, unknown>;
      const out: { [k: string]: Json } = {};
      for (const k of Object.keys(src)) {
        const x = copy(src[k]);
        if (x === undefined) continue;
        if (k === "__proto__")
          Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
        else out[k] = x;
      }
      return out;
    }
    default:
      return undefined; // undefined, function, symbol, bigint (JSON throws on bigint; never stored)
  }
}

export function cloneJson<T>(v: T): T {
  return copy(v) as T;
}

/** Equal as JSON texts (what jsonEqual falls back to where JSON's own rules decide). */
export const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** JSON.stringify(a) === JSON.stringify(b), without the strings for plain JSON data. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const r = eq(a, b);
  return r === UNSURE ? sameJson(a, b) : r;
}
const UNSURE = 2;
const odd = (x: unknown) => x === undefined || typeof x === "function" || typeof x === "symbol";
const plain = (o: object) => {
  const p = Object.getPrototypeOf(o);
  return (p === Object.prototype || p === null) && !("toJSON" in o);
};
/** true/false when sure; UNSURE where JSON's own rules would decide (undefined, toJSON, NaN…). */
function eq(a: unknown, b: unknown): boolean | typeof UNSURE {
  if (a === b) return typeof a === "bigint" ? UNSURE : true;
  const t = typeof a;
  if (t !== typeof b) return UNSURE;
  if (t === "string" || t === "boolean") return false;
  if (t === "number") return Number.isFinite(a) && Number.isFinite(b) ? false : UNSURE;
  if (t !== "object" || a === null || b === null) return UNSURE;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || "toJSON" in a || "toJSON" in b) return UNSURE;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (odd(a[i]) || odd(b[i])) return UNSURE;
      const r = eq(a[i], b[i]);
      if (r !== true) return r;
    }
    return true;
  }
  if (Array.isArray(b) || !plain(a as object) || !plain(b as object)) return UNSURE;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  if (kx.length !== ky.length) {
    for (const k of kx) if (odd(x[k])) return UNSURE;
    for (const k of ky) if (odd(y[k])) return UNSURE;
    return false;
  }
  let verdict: boolean | typeof UNSURE = true;
  for (let i = 0; i < kx.length; i++) {
    const u = x[kx[i]];
    const v = y[ky[i]];
    if (odd(u) || odd(v)) return UNSURE;
    if (verdict !== true) continue;
    if (kx[i] !== ky[i]) verdict = false;
    else verdict = eq(u, v);
    if (verdict === UNSURE) return UNSURE;
  }
  return verdict;
}

/** Equal as JSON values with object keys in any order (Go's DeepEqual of decoded objects). */
export function sameUnordered(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameUnordered(x, b[i]));
  if (!a || !b || typeof a !== "object" || typeof b !== "object" || Array.isArray(b)) return jsonEqual(a, b);
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const kx = Object.keys(x).filter((k) => x[k] !== undefined);
  const ky = Object.keys(y).filter((k) => y[k] !== undefined);
  return kx.length === ky.length && kx.every((k) => Object.hasOwn(y, k) && sameUnordered(x[k], y[k]));
}
