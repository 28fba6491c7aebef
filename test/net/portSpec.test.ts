import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatPortSpec,
  NetError,
  type PortRange,
  parseContainerPortSpec,
  parsePortSpec,
} from "../../src/net/index.js";

function netError(fn: () => unknown): NetError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NetError);
    return e as NetError;
  }
  throw new Error("expected a NetError");
}

describe("parsePortSpec", () => {
  it("parses the documented example", () => {
    expect(parsePortSpec("80/tcp,443/tcp,53/udp,40000-60000/tcp")).toEqual([
      { portStart: 80, portEnd: 80, protocol: "TCP" },
      { portStart: 443, portEnd: 443, protocol: "TCP" },
      { portStart: 53, portEnd: 53, protocol: "UDP" },
      { portStart: 40000, portEnd: 60000, protocol: "TCP" },
    ]);
  });

  it("is case-insensitive, tolerates spaces around entries, keeps overlaps", () => {
    expect(parsePortSpec("80/TCP, 53/Udp ,1-65535/tcp,80/tcp")).toEqual([
      { portStart: 80, portEnd: 80, protocol: "TCP" },
      { portStart: 53, portEnd: 53, protocol: "UDP" },
      { portStart: 1, portEnd: 65535, protocol: "TCP" },
      { portStart: 80, portEnd: 80, protocol: "TCP" },
    ]);
    expect(parsePortSpec("100-100/udp")).toEqual([{ portStart: 100, portEnd: 100, protocol: "UDP" }]);
  });

  it("an empty spec means no ports", () => {
    expect(parsePortSpec("")).toEqual([]);
    expect(parsePortSpec("  ")).toEqual([]);
  });

  it.each([
    ["80", "MissingProtocol", "Invalid port entry '80': the protocol is missing"],
    ["80/icmp", "InvalidProtocol", "the protocol must be tcp or udp"],
    ["80/", "InvalidProtocol", "the protocol must be tcp or udp"],
    ["80/tcp/udp", "InvalidProtocol", "the protocol must be tcp or udp"],
    ["70000/tcp", "PortOutOfRange", "ports must be between 1 and 65535"],
    ["0/tcp", "PortOutOfRange", "ports must be between 1 and 65535"],
    ["1-70000/udp", "PortOutOfRange", "port 70000 is out of range"],
    ["90-80/tcp", "InvalidPortRange", "the start port 90 must be less than or equal to the end port 80"],
    ["abc/tcp", "InvalidPortNumber", "'abc' is not a number"],
    ["8o/tcp", "InvalidPortNumber", "'8o' is not a number"],
    ["-80/tcp", "InvalidPortNumber", "'' is not a number"],
    ["80-/tcp", "InvalidPortNumber", "'' is not a number"],
    ["1-2-3/tcp", "InvalidPortNumber", "'2-3' is not a number"],
    ["+80/tcp", "InvalidPortNumber", "'+80' is not a number"],
    ["80.5/tcp", "InvalidPortNumber", "'80.5' is not a number"],
    ["/tcp", "InvalidPortNumber", "'' is not a number"],
  ])("rejects %j (%s)", (spec, reason, text) => {
    const e = netError(() => parsePortSpec(spec));
    expect(e.reason).toBe(reason);
    expect(e.message).toContain(text);
    expect(e.message).toContain(`'${spec}'`);
  });

  it("names the bad entry inside a longer list", () => {
    const e = netError(() => parsePortSpec("80/tcp,443,53/udp"));
    expect(e.message).toBe(
      "Invalid port entry '443': the protocol is missing; expected <port>[-<port>]/<tcp|udp>, " +
        "e.g. 80/tcp or 40000-60000/udp.",
    );
  });

  it.each(["80/tcp,,53/udp", "80/tcp,", ",80/tcp", "80/tcp, ,53/udp"])(
    "rejects empty entries in %j",
    (spec) => {
      const e = netError(() => parsePortSpec(spec));
      expect(e.reason).toBe("EmptyEntry");
      expect(e.message).toMatch(/entry \d is empty/);
    },
  );

  const rangeArb: fc.Arbitrary<PortRange> = fc
    .tuple(
      fc.integer({ min: 1, max: 65535 }),
      fc.integer({ min: 1, max: 65535 }),
      fc.constantFrom("TCP", "UDP"),
    )
    .map(([a, b, protocol]) => ({
      portStart: Math.min(a, b),
      portEnd: Math.max(a, b),
      protocol: protocol as PortRange["protocol"],
    }));

  it("property: format/parse round trip", () => {
    fc.assert(
      fc.property(fc.array(rangeArb, { maxLength: 20 }), (ranges) => {
        const text = formatPortSpec(ranges);
        expect(parsePortSpec(text)).toEqual(ranges);
        expect(formatPortSpec(parsePortSpec(text))).toBe(text);
      }),
    );
  });

  it("property: protocol case does not matter", () => {
    fc.assert(
      fc.property(rangeArb, fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), (r, upper) => {
        const proto = [...r.protocol.toLowerCase()]
          .map((ch, i) => (upper[i] ? ch.toUpperCase() : ch))
          .join("");
        const ports = r.portStart === r.portEnd ? `${r.portStart}` : `${r.portStart}-${r.portEnd}`;
        expect(parsePortSpec(`${ports}/${proto}`)).toEqual([r]);
      }),
    );
  });

  it("formats single ports without a range", () => {
    expect(
      formatPortSpec([
        { portStart: 80, portEnd: 80, protocol: "TCP" },
        { portStart: 40000, portEnd: 60000, protocol: "UDP" },
      ]),
    ).toBe("80/tcp,40000-60000/udp");
    expect(formatPortSpec([])).toBe("");
  });
});

describe("parseContainerPortSpec", () => {
  it("parses single ports", () => {
    expect(parseContainerPortSpec("8080/tcp,8443/tcp")).toEqual([
      { port: 8080, protocol: "TCP" },
      { port: 8443, protocol: "TCP" },
    ]);
    expect(parseContainerPortSpec("53/UDP")).toEqual([{ port: 53, protocol: "UDP" }]);
    expect(parseContainerPortSpec("")).toEqual([]);
  });

  it("rejects ranges and the usual mistakes", () => {
    const e = netError(() => parseContainerPortSpec("8080-8090/tcp"));
    expect(e.reason).toBe("RangeNotAllowed");
    expect(e.message).toContain("'8080-8090/tcp'");
    const missing = netError(() => parseContainerPortSpec("8080"));
    expect(missing.reason).toBe("MissingProtocol");
    // Its hint offers no range, which this grammar refuses.
    expect(missing.message).toBe(
      "Invalid port entry '8080': the protocol is missing; expected <port>/<tcp|udp>, e.g. 8080/tcp.",
    );
    expect(netError(() => parseContainerPortSpec("8080/sctp")).reason).toBe("InvalidProtocol");
    expect(netError(() => parseContainerPortSpec("99999/tcp")).reason).toBe("PortOutOfRange");
    expect(netError(() => parseContainerPortSpec("8080/tcp,,8443/tcp")).reason).toBe("EmptyEntry");
  });
});
