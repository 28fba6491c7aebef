// Shared fast-check generators for the net/ tests.
import fc from "fast-check";
import { type Cidr, cidrOf, type IpFamily } from "../../src/net/index.js";

export const MAX_V4 = 2n ** 32n - 1n;
export const MAX_V6 = 2n ** 128n - 1n;

export const familyArb: fc.Arbitrary<IpFamily> = fc.constantFrom("IPv4", "IPv6");

export const ipv4ValueArb = fc.bigInt({ min: 0n, max: MAX_V4 });
export const ipv6ValueArb = fc.bigInt({ min: 0n, max: MAX_V6 });

/** Any CIDR of either family. */
export const cidrArb: fc.Arbitrary<Cidr> = fc.oneof(
  fc.tuple(ipv4ValueArb, fc.integer({ min: 0, max: 32 })).map(([v, p]) => cidrOf(v, "IPv4", p)),
  fc.tuple(ipv6ValueArb, fc.integer({ min: 0, max: 128 })).map(([v, p]) => cidrOf(v, "IPv6", p)),
);

/** CIDRs crowded into 10.0.0.0/20 (prefix 20–32) so that overlaps are common. */
export const nearCidrArb: fc.Arbitrary<Cidr> = fc
  .tuple(fc.bigInt({ min: 0n, max: 2n ** 12n - 1n }), fc.integer({ min: 20, max: 32 }))
  .map(([v, p]) => cidrOf(0x0a000000n + v, "IPv4", p));
