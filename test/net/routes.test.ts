import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { complementOf, containsIp, parseCidr, rangeToCidrs } from "../../src/net/cidr.js";
import { effectiveRoutes, routeFor } from "../../src/net/routes.js";

describe("effective routes", () => {
  const routes = effectiveRoutes({
    vnetPrefixes: ["10.1.0.0/16"],
    userRoutes: [
      {
        name: "fw",
        addressPrefix: "0.0.0.0/0",
        nextHopType: "VirtualAppliance",
        nextHopIpAddress: "10.1.0.4",
      },
      {
        name: "pods",
        addressPrefix: "10.244.1.0/24",
        nextHopType: "VirtualAppliance",
        nextHopIpAddress: "10.1.0.5",
      },
    ],
  });

  it("marks the overridden system route Invalid and keeps the others", () => {
    expect(routes.filter((r) => r.state === "Invalid").map((r) => r.addressPrefix[0])).toEqual(["0.0.0.0/0"]);
    expect(routes.filter((r) => r.source === "Default").map((r) => r.nextHopType)).toEqual([
      "VnetLocal",
      "Internet",
      "None",
      "None",
      "None",
      "None",
    ]);
  });

  it("routes by longest prefix among active routes", () => {
    expect(routeFor(routes, "10.1.2.3")?.nextHopType).toBe("VnetLocal");
    expect(routeFor(routes, "10.244.1.9")?.name).toBe("pods");
    expect(routeFor(routes, "10.9.9.9")?.nextHopType).toBe("None"); // 10.0.0.0/8 beats 0.0.0.0/0
    expect(routeFor(routes, "8.8.8.8")?.name).toBe("fw"); // the Invalid Internet route is skipped
    expect(routeFor(routes, "2001:db8::1")).toBeUndefined();
  });
});

describe("complementOf / rangeToCidrs", () => {
  it("covers exactly the addresses outside the blocks", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 4, max: 32 })), {
          maxLength: 5,
        }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (blocks, probe) => {
          const cidrs = blocks.map(([a, len]) =>
            parseCidr(`${[a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join(".")}/${len}`),
          );
          const comp = complementOf(cidrs, "IPv4");
          const inBlocks = cidrs.some((c) => containsIp(c, BigInt(probe)));
          const inComp = comp.some((c) => containsIp(c, BigInt(probe)));
          expect(inComp).toBe(!inBlocks);
        },
      ),
    );
  });

  it("splits a range into the fewest aligned blocks", () => {
    expect(rangeToCidrs(1n, 6n, "IPv4").map((c) => `${c.network}/${c.prefixLength}`)).toEqual([
      "1/32",
      "2/31",
      "4/31",
      "6/32",
    ]);
    expect(complementOf([parseCidr("0.0.0.0/1")], "IPv4").map((c) => c.prefixLength)).toEqual([1]);
  });
});
