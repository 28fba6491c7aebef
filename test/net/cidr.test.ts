import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Cidr,
  canonicalize,
  cidrEquals,
  cidrOf,
  cidrSize,
  compareCidr,
  contains,
  containsIp,
  firstAddress,
  firstOverlap,
  formatCidr,
  formatIp,
  hostCidr,
  isCanonical,
  lastAddress,
  NetError,
  nthAddress,
  nthSubnet,
  overlaps,
  parseCidr,
  parseIp,
  subdivide,
  subnetCount,
  subnetIndex,
} from "../../src/net/index.js";
import { cidrArb, ipv4ValueArb, ipv6ValueArb, nearCidrArb } from "./arbitraries.js";

function netError(fn: () => unknown): NetError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NetError);
    return e as NetError;
  }
  throw new Error("expected a NetError");
}

const v4 = (s: string) => parseIp(s).value;

describe("parseIp / formatIp", () => {
  it("parses IPv4 dotted quads", () => {
    expect(parseIp("10.0.0.1")).toEqual({ family: "IPv4", value: 0x0a000001n });
    expect(parseIp("0.0.0.0")).toEqual({ family: "IPv4", value: 0n });
    expect(parseIp("255.255.255.255")).toEqual({ family: "IPv4", value: 0xffffffffn });
  });

  it("parses IPv6 in any spelling", () => {
    expect(parseIp("::")).toEqual({ family: "IPv6", value: 0n });
    expect(parseIp("::1").value).toBe(1n);
    expect(parseIp("2001:DB8:0:0::1")).toEqual({ family: "IPv6", value: (0x20010db8n << 96n) | 1n });
    expect(parseIp("::ffff:10.0.0.1")).toEqual({ family: "IPv6", value: (0xffffn << 32n) | 0x0a000001n });
  });

  it.each([
    "",
    "abc",
    "10",
    "10.0.0",
    "10.0.0.256",
    "010.0.0.1",
    "0x0a.0.0.1",
    " 10.0.0.1",
    "10.0.0.1/32",
    "fe80::1%eth0",
    "2001:db8:::1",
    "1:2:3:4:5:6:7:8:9",
  ])("rejects %j", (s) => {
    const e = netError(() => parseIp(s));
    expect(e.reason).toBe("InvalidAddress");
    expect(e.message).toContain("is not a valid IPv4 or IPv6 address");
  });

  it("formats IPv6 in RFC 5952 form", () => {
    expect(formatIp((0x20010db8n << 96n) | 1n, "IPv6")).toBe("2001:db8::1");
    expect(formatIp(0n, "IPv6")).toBe("::");
    expect(formatIp(0x0a000001n, "IPv4")).toBe("10.0.0.1");
  });

  it("refuses values outside the family", () => {
    expect(netError(() => formatIp(2n ** 32n, "IPv4")).reason).toBe("AddressOutOfRange");
    expect(netError(() => formatIp(-1n, "IPv6")).reason).toBe("AddressOutOfRange");
  });

  it("round-trips IPv4 values and text", () => {
    fc.assert(fc.property(ipv4ValueArb, (v) => parseIp(formatIp(v, "IPv4")).value === v));
    fc.assert(fc.property(fc.ipV4(), (s) => formatIp(parseIp(s).value, "IPv4") === s));
  });

  it("round-trips IPv6 values and text", () => {
    fc.assert(
      fc.property(ipv6ValueArb, (v) => {
        const ip = parseIp(formatIp(v, "IPv6"));
        return ip.family === "IPv6" && ip.value === v;
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), (s) => {
        const ip = parseIp(s);
        const text = formatIp(ip.value, "IPv6");
        return (
          ip.family === "IPv6" &&
          parseIp(text).value === ip.value &&
          formatIp(parseIp(text).value, "IPv6") === text
        );
      }),
    );
  });
});

describe("parseCidr", () => {
  it("parses IPv4 and IPv6 CIDRs", () => {
    expect(parseCidr("10.0.0.0/16")).toEqual({
      family: "IPv4",
      network: 0x0a000000n,
      prefixLength: 16,
      bits: 32,
    });
    expect(parseCidr("0.0.0.0/0")).toEqual({ family: "IPv4", network: 0n, prefixLength: 0, bits: 32 });
    expect(parseCidr("2001:db8::/32")).toEqual({
      family: "IPv6",
      network: 0x20010db8n << 96n,
      prefixLength: 32,
      bits: 128,
    });
    expect(parseCidr("::/0").prefixLength).toBe(0);
    expect(parseCidr("::1/128").network).toBe(1n);
  });

  it("clears host bits unless requireCanonical", () => {
    expect(formatCidr(parseCidr("10.0.0.1/24"))).toBe("10.0.0.0/24");
    expect(formatCidr(parseCidr("2001:db8::1/64"))).toBe("2001:db8::/64");
  });

  it.each(["10.0.0.0/33", "10.0.0.0/99", "2001:db8::/129"])("%s: prefix length out of range", (s) => {
    const e = netError(() => parseCidr(s));
    expect(e.reason).toBe("PrefixLengthOutOfRange");
    expect(e.message).toContain(`'${s}' is not a valid CIDR`);
    expect(e.message).toMatch(/out of range for IPv[46]; it must be between 0 and (32|128)/);
    expect(e.input).toBe(s);
  });

  it.each([
    "abc",
    "10.0.0.0",
    "",
    "/24",
    "10.0.0.0/",
    "10.0.0.0/-1",
    "10.0.0.0/+8",
    "10.0.0.0/024",
    "10.0.0.0/8/8",
    "10.0.0.0/1e1",
    "10.0.0.0/ 8",
    "10.0.0/8",
    "abc/8",
    "fe80::%eth0/64",
  ])("%j is not a CIDR", (s) => {
    const e = netError(() => parseCidr(s));
    expect(e.reason).toBe("InvalidCidr");
    expect(e.message).toContain("is not a valid CIDR");
  });

  it("explains missing prefix lengths with an example", () => {
    expect(netError(() => parseCidr("10.0.0.0")).message).toBe(
      "'10.0.0.0' is not a valid CIDR; expected an address followed by a prefix length, e.g. 10.0.0.0/16.",
    );
  });

  it("rejects host bits with the canonical form when requireCanonical", () => {
    const e = netError(() => parseCidr("10.0.0.1/24", { requireCanonical: true }));
    expect(e.reason).toBe("HostBitsSet");
    expect(e.canonical).toBe("10.0.0.0/24");
    expect(e.message).toContain("the canonical form is 10.0.0.0/24");
    expect(netError(() => parseCidr("2001:db8::1/64", { requireCanonical: true })).canonical).toBe(
      "2001:db8::/64",
    );
    expect(formatCidr(parseCidr("10.0.0.0/24", { requireCanonical: true }))).toBe("10.0.0.0/24");
  });

  it("isCanonical and canonicalize", () => {
    expect(isCanonical("10.0.0.0/24")).toBe(true);
    expect(isCanonical("10.0.0.1/24")).toBe(false);
    expect(isCanonical("10.0.0.1/32")).toBe(true);
    expect(isCanonical("2001:DB8:0::/32")).toBe(true);
    expect(() => isCanonical("abc")).toThrow(NetError);
    expect(canonicalize("10.0.0.1/24")).toBe("10.0.0.0/24");
    expect(canonicalize("2001:DB8:0:0:1::/32")).toBe("2001:db8::/32");
  });

  it("round-trips any CIDR through text", () => {
    fc.assert(
      fc.property(cidrArb, (c) => {
        const text = formatCidr(c);
        expect(parseCidr(text, { requireCanonical: true })).toEqual(c);
        expect(isCanonical(text)).toBe(true);
        expect(canonicalize(text)).toBe(text);
      }),
    );
  });

  it("canonicalize is idempotent and agrees with isCanonical", () => {
    fc.assert(
      fc.property(ipv4ValueArb, fc.integer({ min: 0, max: 32 }), (v, p) => {
        const text = `${formatIp(v, "IPv4")}/${p}`;
        const canon = canonicalize(text);
        expect(canonicalize(canon)).toBe(canon);
        expect(isCanonical(text)).toBe(canon === text);
      }),
    );
  });
});

describe("block arithmetic", () => {
  it("sizes and bounds", () => {
    const c = parseCidr("10.0.0.0/24");
    expect(cidrSize(c)).toBe(256n);
    expect(formatIp(firstAddress(c), "IPv4")).toBe("10.0.0.0");
    expect(formatIp(lastAddress(c), "IPv4")).toBe("10.0.0.255");
    expect(cidrSize(parseCidr("::/0"))).toBe(2n ** 128n);
    expect(cidrSize(parseCidr("10.0.0.5/32"))).toBe(1n);
    expect(formatIp(lastAddress(parseCidr("2001:db8::/64")), "IPv6")).toBe("2001:db8::ffff:ffff:ffff:ffff");
  });

  it("contains / containsIp / overlaps examples", () => {
    const a = parseCidr("10.0.0.0/16");
    const b = parseCidr("10.0.5.0/24");
    const c = parseCidr("10.1.0.0/16");
    expect(contains(a, b)).toBe(true);
    expect(contains(b, a)).toBe(false);
    expect(contains(a, a)).toBe(true);
    expect(contains(a, c)).toBe(false);
    expect(overlaps(a, b)).toBe(true);
    expect(overlaps(b, a)).toBe(true);
    expect(overlaps(a, c)).toBe(false);
    expect(overlaps(parseCidr("0.0.0.0/0"), parseCidr("::/0"))).toBe(false);
    expect(containsIp(a, v4("10.0.255.255"))).toBe(true);
    expect(containsIp(a, v4("10.1.0.0"))).toBe(false);
    expect(containsIp(a, parseIp("10.0.0.10"))).toBe(true);
    expect(containsIp(parseCidr("::/0"), parseIp("10.0.0.10"))).toBe(false);
  });

  it("nthAddress, with negative indexes from the end", () => {
    const c = parseCidr("10.0.0.0/16");
    expect(formatIp(nthAddress(c, 10), "IPv4")).toBe("10.0.0.10");
    expect(formatIp(nthAddress(c, 256n), "IPv4")).toBe("10.0.1.0");
    expect(formatIp(nthAddress(c, -1), "IPv4")).toBe("10.0.255.255");
    expect(nthAddress(c, -65536)).toBe(c.network);
    expect(netError(() => nthAddress(c, 65536)).reason).toBe("IndexOutOfRange");
    expect(netError(() => nthAddress(c, -65537)).reason).toBe("IndexOutOfRange");
    expect(netError(() => nthAddress(c, 1.5)).reason).toBe("InvalidArgument");
  });

  it("nthSubnet / subnetIndex / subdivide", () => {
    const pod = parseCidr("10.244.0.0/16");
    expect(formatCidr(nthSubnet(pod, 24, 0))).toBe("10.244.0.0/24");
    expect(formatCidr(nthSubnet(pod, 24, 3))).toBe("10.244.3.0/24");
    expect(formatCidr(nthSubnet(pod, 24, 255))).toBe("10.244.255.0/24");
    expect(subnetCount(pod, 24)).toBe(256n);
    expect(subnetIndex(pod, parseCidr("10.244.7.0/24"))).toBe(7n);
    expect(netError(() => nthSubnet(pod, 24, 256)).reason).toBe("IndexOutOfRange");
    expect(netError(() => nthSubnet(pod, 8, 0)).reason).toBe("PrefixLengthOutOfRange");
    expect(netError(() => nthSubnet(pod, 33, 0)).reason).toBe("PrefixLengthOutOfRange");
    expect(netError(() => subnetIndex(pod, parseCidr("10.245.0.0/24"))).reason).toBe("AddressOutOfRange");
    expect([...subdivide(parseCidr("10.0.0.0/24"), 26)].map(formatCidr)).toEqual([
      "10.0.0.0/26",
      "10.0.0.64/26",
      "10.0.0.128/26",
      "10.0.0.192/26",
    ]);
    expect(formatCidr(nthSubnet(parseCidr("fd00::/48"), 64, 0xffff))).toBe("fd00:0:0:ffff::/64");
    // Lazy: the first of 2^24 blocks comes back without enumerating the rest.
    expect(formatCidr(subdivide(parseCidr("10.0.0.0/8"), 32).next().value as Cidr)).toBe("10.0.0.0/32");
  });

  it("cidrOf / hostCidr", () => {
    expect(formatCidr(cidrOf(v4("10.1.2.3"), "IPv4", 8))).toBe("10.0.0.0/8");
    expect(formatCidr(hostCidr(parseIp("10.1.2.3")))).toBe("10.1.2.3/32");
    expect(formatCidr(hostCidr(parseIp("::1")))).toBe("::1/128");
    expect(netError(() => cidrOf(0n, "IPv4", 33)).reason).toBe("PrefixLengthOutOfRange");
  });

  it("firstOverlap examples", () => {
    const list = ["10.0.0.0/16", "10.1.0.0/16", "fd00::/64", "10.0.128.0/17"].map((s) => parseCidr(s));
    expect(firstOverlap(list)).toEqual([0, 3]);
    expect(firstOverlap(list.slice(0, 3))).toBeUndefined();
    expect(firstOverlap([])).toBeUndefined();
    expect(firstOverlap([parseCidr("0.0.0.0/0"), parseCidr("::/0")])).toBeUndefined();
    expect(firstOverlap([parseCidr("10.0.0.0/24"), parseCidr("10.0.0.0/24")])).toEqual([0, 1]);
  });

  it("property: firstOverlap finds a pair exactly when one exists", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(nearCidrArb, cidrArb), { maxLength: 12 }), (list) => {
        const got = firstOverlap(list);
        const any = list.some((a, i) => list.some((b, j) => i < j && overlaps(a, b)));
        expect(got !== undefined).toBe(any);
        if (got) {
          expect(got[0]).toBeLessThan(got[1]);
          expect(overlaps(list[got[0]], list[got[1]])).toBe(true);
        }
        expect(firstOverlap(list)).toEqual(got);
      }),
    );
  });

  it("property: overlaps agrees with interval intersection and is symmetric", () => {
    fc.assert(
      fc.property(fc.oneof(nearCidrArb, cidrArb), fc.oneof(nearCidrArb, cidrArb), (a, b) => {
        const interval = a.family === b.family && a.network <= lastAddress(b) && b.network <= lastAddress(a);
        expect(overlaps(a, b)).toBe(interval);
        expect(overlaps(b, a)).toBe(interval);
        const inside = a.family === b.family && b.network >= a.network && lastAddress(b) <= lastAddress(a);
        expect(contains(a, b)).toBe(inside);
      }),
    );
  });

  it("property: nthSubnet lands inside, is aligned, and subnetIndex inverts it", () => {
    fc.assert(
      fc.property(
        cidrArb,
        fc.integer({ min: 0, max: 16 }),
        fc.bigInt({ min: 0n, max: 2n ** 16n }),
        (c, extra, rawIndex) => {
          const newPrefix = Math.min(c.bits, c.prefixLength + extra);
          const index = rawIndex % subnetCount(c, newPrefix);
          const sub = nthSubnet(c, newPrefix, index);
          expect(contains(c, sub)).toBe(true);
          expect(sub.prefixLength).toBe(newPrefix);
          expect(cidrEquals(cidrOf(sub.network, sub.family, newPrefix), sub)).toBe(true);
          expect(subnetIndex(c, sub)).toBe(index);
        },
      ),
    );
  });

  it("property: subdivide tiles the block exactly, in order", () => {
    fc.assert(
      fc.property(cidrArb, fc.integer({ min: 0, max: 6 }), (c, extra) => {
        const newPrefix = Math.min(c.bits, c.prefixLength + extra);
        const parts = [...subdivide(c, newPrefix)];
        expect(BigInt(parts.length)).toBe(subnetCount(c, newPrefix));
        expect(parts[0].network).toBe(c.network);
        expect(lastAddress(parts[parts.length - 1])).toBe(lastAddress(c));
        for (let i = 1; i < parts.length; i++) {
          expect(parts[i].network).toBe(lastAddress(parts[i - 1]) + 1n);
          expect(compareCidr(parts[i - 1], parts[i])).toBeLessThan(0);
        }
      }),
    );
  });

  it("property: nthAddress stays inside and containsIp agrees", () => {
    fc.assert(
      fc.property(cidrArb, fc.bigInt({ min: 0n, max: 2n ** 40n }), (c, raw) => {
        const n = raw % cidrSize(c);
        const a = nthAddress(c, n);
        expect(a).toBe(c.network + n);
        expect(containsIp(c, a)).toBe(true);
        expect(nthAddress(c, n - cidrSize(c))).toBe(a);
      }),
    );
  });
});
