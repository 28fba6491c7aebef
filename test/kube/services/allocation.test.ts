import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  chooseClusterIP,
  chooseNodePort,
  nodePortStaticBandSize,
  requestClusterIP,
  requestNodePort,
  serviceIPStaticBandSize,
} from "../../../src/kube/services/allocation.js";
import { parseCidr } from "../../../src/net/cidr.js";

describe("cluster IPs", () => {
  const range = parseCidr("10.0.0.0/16");

  it("dynamic IPs come from above the static band (256 addresses of a /16), lowest first", () => {
    expect(serviceIPStaticBandSize(range)).toBe(256n);
    expect(serviceIPStaticBandSize(parseCidr("10.0.0.0/24"))).toBe(16n);
    expect(chooseClusterIP(range, new Set())).toEqual({ ok: true, value: "10.0.1.0" });
    expect(chooseClusterIP(range, new Set(["10.0.1.0", "10.0.1.1"]))).toEqual({
      ok: true,
      value: "10.0.1.2",
    });
  });

  it("falls back to the static band when the upper band is full, never network or broadcast", () => {
    const small = parseCidr("10.0.0.0/28"); // band 16 = the whole range: everything is the low band
    const taken = new Set<string>();
    const got: string[] = [];
    for (;;) {
      const r = chooseClusterIP(small, taken);
      if (!r.ok) {
        expect(r).toEqual({
          ok: false,
          reason: "Full",
          message: "failed to allocate a serviceIP: range is full",
        });
        break;
      }
      got.push(r.value);
      taken.add(r.value);
    }
    expect(got).toHaveLength(14);
    expect(got).not.toContain("10.0.0.0");
    expect(got).not.toContain("10.0.0.15");
  });

  it("a requested IP is honoured or refused with kube-apiserver's words", () => {
    const taken = new Set(["10.0.0.10"]);
    expect(requestClusterIP(range, "10.0.0.20", taken)).toEqual({ ok: true, value: "10.0.0.20" });
    expect(requestClusterIP(range, "10.0.0.10", taken)).toEqual({
      ok: false,
      reason: "Invalid",
      field: "spec.clusterIPs",
      value: "10.0.0.10",
      message: "failed to allocate IP 10.0.0.10: provided IP is already allocated",
    });
    expect(requestClusterIP(range, "10.1.0.5", taken)).toMatchObject({
      ok: false,
      message:
        "failed to allocate IP 10.1.0.5: the provided IP (10.1.0.5) is not in the valid range. The range of valid IPs is 10.0.0.0/16",
    });
    expect(requestClusterIP(range, "10.0.255.255", taken)).toMatchObject({ ok: false, reason: "Invalid" });
    expect(requestClusterIP(range, "not-an-ip", taken)).toMatchObject({
      ok: false,
      message: "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
    });
  });

  it("property: chosen IPs are always inside the range, never taken, never repeated", () => {
    fc.assert(
      fc.property(fc.integer({ min: 24, max: 29 }), fc.integer({ min: 1, max: 300 }), (len, n) => {
        const r = parseCidr(`10.0.0.0/${len}`);
        const taken = new Set<string>();
        for (let i = 0; i < n; i++) {
          const c = chooseClusterIP(r, taken);
          if (!c.ok) break;
          expect(taken.has(c.value)).toBe(false);
          expect(requestClusterIP(r, c.value, taken).ok).toBe(true);
          taken.add(c.value);
        }
      }),
    );
  });
});

describe("node ports", () => {
  it("dynamic ports start above the static band (86 ports of 30000-32767)", () => {
    expect(nodePortStaticBandSize()).toBe(86);
    expect(chooseNodePort(new Set())).toEqual({ ok: true, value: 30086 });
    expect(chooseNodePort(new Set([30086]))).toEqual({ ok: true, value: 30087 });
  });

  it("requested ports: range and uniqueness, with kube-apiserver's words", () => {
    expect(requestNodePort(30080, new Set(), "spec.ports[0].nodePort")).toEqual({ ok: true, value: 30080 });
    expect(requestNodePort(30080, new Set([30080]), "spec.ports[0].nodePort")).toEqual({
      ok: false,
      reason: "Invalid",
      field: "spec.ports[0].nodePort",
      value: 30080,
      message: "provided port is already allocated",
    });
    expect(requestNodePort(40000, new Set(), "spec.ports[1].nodePort")).toMatchObject({
      ok: false,
      field: "spec.ports[1].nodePort",
      message: "provided port is not in the valid range. The range of valid ports is 30000-32767",
    });
  });

  it("the whole range is handed out once, then it is full", () => {
    const taken = new Set<number>();
    for (let i = 0; i < 2768; i++) {
      const r = chooseNodePort(taken);
      if (!r.ok) throw new Error(`full after ${i}`);
      taken.add(r.value);
    }
    expect(taken.size).toBe(2768);
    expect(chooseNodePort(taken)).toEqual({
      ok: false,
      reason: "Full",
      message: "failed to allocate a nodePort: range is full",
    });
  });
});
