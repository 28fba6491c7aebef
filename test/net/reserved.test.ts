import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AKS_RESERVED_RANGES,
  cidrOf,
  lastAddress,
  parseCidr,
  reservedRangeOverlapping,
} from "../../src/net/index.js";
import { cidrArb, ipv4ValueArb } from "./arbitraries.js";

describe("reservedRangeOverlapping", () => {
  it.each([
    ["169.254.0.0/16", "169.254.0.0/16"],
    ["169.254.10.0/24", "169.254.0.0/16"],
    ["172.30.0.0/16", "172.30.0.0/16"],
    ["172.31.255.255/32", "172.31.0.0/16"],
    ["192.0.2.128/25", "192.0.2.0/24"],
    ["172.0.0.0/8", "172.30.0.0/16"],
    ["192.0.0.0/16", "192.0.2.0/24"],
    ["0.0.0.0/0", "169.254.0.0/16"],
  ])("%s overlaps %s", (cidr, reserved) => {
    expect(reservedRangeOverlapping(parseCidr(cidr))).toBe(reserved);
  });

  it.each([
    "10.0.0.0/8",
    "10.244.0.0/16",
    "169.253.0.0/16",
    "169.255.0.0/16",
    "172.29.0.0/16",
    "172.32.0.0/16",
    "192.0.1.0/24",
    "192.0.3.0/24",
    "172.16.0.0/13",
    "fd00::/8",
    "::/0",
  ])("%s is allowed", (cidr) => {
    expect(reservedRangeOverlapping(parseCidr(cidr))).toBeUndefined();
  });

  it("property: defined exactly when the block intersects a reserved range", () => {
    const ranges = AKS_RESERVED_RANGES.map((s) => parseCidr(s));
    const nearReserved = fc
      .tuple(
        fc.constantFrom(...ranges),
        fc.bigInt({ min: -70000n, max: 70000n }),
        fc.integer({ min: 8, max: 32 }),
      )
      .map(([r, d, p]) => cidrOf((r.network + d + 2n ** 32n) % 2n ** 32n, "IPv4", p));
    const anyV4 = fc
      .tuple(ipv4ValueArb, fc.integer({ min: 0, max: 32 }))
      .map(([v, p]) => cidrOf(v, "IPv4", p));
    fc.assert(
      fc.property(fc.oneof(nearReserved, anyV4, cidrArb), (c) => {
        const hit = ranges.find(
          (r) => r.family === c.family && r.network <= lastAddress(c) && c.network <= lastAddress(r),
        );
        const got = reservedRangeOverlapping(c);
        expect(got).toBe(hit === undefined ? undefined : AKS_RESERVED_RANGES[ranges.indexOf(hit)]);
      }),
    );
  });
});
