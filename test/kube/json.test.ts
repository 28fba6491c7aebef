// cloneJson (src/kube/json.ts) must give exactly what JSON.parse(JSON.stringify(v)) gives — the
// API copies every input with it, and the store keeps the JSON text — key order included, and
// must keep a "__proto__" key as data without touching any prototype.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cloneJson, jsonEqual } from "../../src/kube/json.js";

const viaJson = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

describe("cloneJson", () => {
  it("equals a JSON round trip on random values, and shares nothing with its input", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const c = cloneJson(v);
        expect(JSON.stringify(c)).toBe(JSON.stringify(viaJson(v)));
        expect(c).toStrictEqual(viaJson(v));
        if (v !== null && typeof v === "object") expect(c).not.toBe(v);
      }),
      { numRuns: 2000 },
    );
  });

  it("drops what JSON drops and turns what JSON turns", () => {
    const date = new Date(Date.UTC(2026, 11, 1));
    const input = {
      u: undefined,
      f: () => 1,
      n: Number.NaN,
      i: Number.POSITIVE_INFINITY,
      a: [undefined, () => 1, Number.NaN, 1],
      d: date,
      t: { toJSON: () => "custom" },
      nested: { keep: "x", drop: undefined },
    };
    const c = cloneJson(input);
    expect(c).toStrictEqual(viaJson(input));
    expect(Object.keys(c)).toEqual(["n", "i", "a", "d", "t", "nested"]);
    expect(c.a).toEqual([null, null, null, 1]);
    expect(c.d).toBe("2026-12-01T00:00:00.000Z");
  });

  it('keeps "__proto__" as an ordinary key and pollutes nothing', () => {
    const parsed = JSON.parse(
      '{"metadata":{"annotations":{"__proto__":{"polluted":"yes"}}},"list":[{"__proto__":1}]}',
    );
    const c = cloneJson(parsed) as { metadata: { annotations: Record<string, unknown> }; list: object[] };
    expect(Object.keys(c.metadata.annotations)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(c.metadata.annotations)).toBe(Object.prototype);
    expect(JSON.stringify(c)).toBe(JSON.stringify(parsed));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(c.list[0])).toEqual(["__proto__"]);
  });
});

describe("jsonEqual", () => {
  const sameText = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  it("agrees with comparing the JSON texts, on random pairs and on near copies", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        expect(jsonEqual(a, b)).toBe(sameText(a, b));
        const c = cloneJson(a);
        expect(jsonEqual(a, c)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("follows JSON where values are not plain data (undefined, NaN, toJSON, key order)", () => {
    const cases: [unknown, unknown][] = [
      [{ a: 1, b: undefined }, { a: 1 }],
      [[undefined], [null]],
      [Number.NaN, null],
      [
        { a: 1, b: 2 },
        { b: 2, a: 1 },
      ],
      [{ t: { toJSON: () => "x" } }, { t: "x" }],
      [{ d: new Date(0) }, { d: "1970-01-01T00:00:00.000Z" }],
      [-0, 0],
    ];
    for (const [a, b] of cases) expect(jsonEqual(a, b)).toBe(sameText(a, b));
  });
});
