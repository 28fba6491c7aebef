// CidrIndex replaces the O(n²) pairwise subnet overlap check (issue 8: a 3,000-subnet VNet
// froze the emulator). It must agree with the pairwise check exactly: same yes/no answer for
// every query, and a returned tag that really overlaps.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Cidr, CidrIndex, cidrOf, overlaps, parseCidr } from "../../src/net/index.js";
import { cidrArb, nearCidrArb } from "./arbitraries.js";

/** IPv6 blocks crowded into one /116 so that overlaps are common. */
const nearV6Arb: fc.Arbitrary<Cidr> = fc
  .tuple(fc.bigInt({ min: 0n, max: 2n ** 12n - 1n }), fc.integer({ min: 116, max: 128 }))
  .map(([v, p]) => cidrOf((0xfd00n << 112n) + v, "IPv6", p));

function agrees(stored: Cidr[], queries: Cidr[]) {
  const index = new CidrIndex<number>();
  for (const [i, c] of stored.entries()) index.add(c, i);
  for (const q of queries) {
    const hit = index.overlapping(q);
    const expected = stored.some((s) => overlaps(s, q));
    expect(hit !== undefined).toBe(expected);
    if (hit !== undefined) expect(overlaps(stored[hit], q)).toBe(true);
  }
}

describe("CidrIndex (linear overlap check for thousands of subnets)", () => {
  it("answers like the pairwise check, IPv4 crowded", () => {
    fc.assert(
      fc.property(fc.array(nearCidrArb, { maxLength: 40 }), fc.array(nearCidrArb, { maxLength: 40 }), agrees),
      { numRuns: 300 },
    );
  });

  it("answers like the pairwise check, IPv6 crowded and any family mixed", () => {
    fc.assert(
      fc.property(fc.array(nearV6Arb, { maxLength: 30 }), fc.array(nearV6Arb, { maxLength: 30 }), agrees),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.array(cidrArb, { maxLength: 20 }), fc.array(cidrArb, { maxLength: 20 }), agrees),
      { numRuns: 200 },
    );
  });

  it("never mixes families, and handles /0 and host routes", () => {
    const index = new CidrIndex<string>();
    index.add(parseCidr("0.0.0.0/0"), "all-v4");
    expect(index.overlapping(parseCidr("fd00::/8"))).toBeUndefined();
    expect(index.overlapping(parseCidr("10.1.2.3/32"))).toBe("all-v4");
    const v6 = new CidrIndex<string>();
    v6.add(parseCidr("fd00::1/128"), "host");
    expect(v6.overlapping(parseCidr("::/0"))).toBe("host");
    expect(v6.overlapping(parseCidr("fd00::2/128"))).toBeUndefined();
  });

  it("at scale: 3,000 disjoint /28s, then every /24 they cover and every gap", () => {
    const index = new CidrIndex<number>();
    const blocks = Array.from({ length: 3000 }, (_, i) =>
      parseCidr(`10.0.${Math.floor(i / 16)}.${(i % 16) * 16}/28`),
    );
    blocks.forEach((c, i) => {
      expect(index.overlapping(c)).toBeUndefined();
      index.add(c, i);
    });
    for (let third = 0; third < 256; third++) {
      const hit = index.overlapping(parseCidr(`10.0.${third}.0/24`));
      if (third * 16 < 3000) expect(hit).toBe(third * 16);
      else expect(hit).toBeUndefined();
    }
    expect(index.overlapping(parseCidr("10.0.187.120/32"))).toBe(2999);
    expect(index.overlapping(parseCidr("10.0.187.128/28"))).toBeUndefined();
  });
});
