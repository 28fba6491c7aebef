import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  azureCniNodeCapacity,
  DEFAULT_MAX_PODS,
  gatewayPrefixCapacity,
  KUBENET_MAX_NODES,
  kubenetNodeCapacity,
  NetError,
  type NetworkPlugin,
  parseCidr,
  planSubnet,
  podCidrNodeCapacity,
  usableAddressCount,
  usableSubnetAddresses,
} from "../../src/net/index.js";

describe("capacity formulas (AKS docs)", () => {
  it("usable subnet addresses = 2^(32-len) - 5", () => {
    expect(usableSubnetAddresses(24)).toBe(251);
    expect(usableSubnetAddresses(27)).toBe(27);
    expect(usableSubnetAddresses(29)).toBe(3);
    expect(usableSubnetAddresses(30)).toBe(0);
    expect(usableSubnetAddresses(32)).toBe(0);
    expect(usableSubnetAddresses(16)).toBe(65531);
    expect(() => usableSubnetAddresses(33)).toThrow(NetError);
  });

  it("kubenet on a /24: 251 nodes, 27,610 pods at 110 per node", () => {
    expect(kubenetNodeCapacity(24)).toBe(251);
    const plan = planSubnet({ plugin: "kubenet", subnetPrefixLength: 24, maxPods: 110 });
    expect(plan).toMatchObject({ usableAddresses: 251, nodes: 251, pods: 27_610, limitedBy: "subnet" });
    expect(planSubnet({ plugin: "kubenet", subnetPrefixLength: 24 }).pods).toBe(27_610); // default 110
  });

  it("Azure CNI on a /24 with maxPods 30: 8 nodes, 240 pods", () => {
    expect(azureCniNodeCapacity(24, 30)).toBe(8);
    const plan = planSubnet({ plugin: "azure", subnetPrefixLength: 24, maxPods: 30 });
    expect(plan).toMatchObject({ addressesPerNode: 31, nodes: 8, pods: 240, clusterNodeCap: undefined });
    expect(planSubnet({ plugin: "azure", subnetPrefixLength: 24 }).pods).toBe(240); // default 30
  });

  it("kubenet on a /27: 27 addresses (docs: 20-25 nodes with upgrade headroom)", () => {
    expect(planSubnet({ plugin: "kubenet", subnetPrefixLength: 27 }).nodes).toBe(27);
  });

  it("kubenet is capped at 400 nodes by the route table", () => {
    expect(KUBENET_MAX_NODES).toBe(400);
    const plan = planSubnet({ plugin: "kubenet", subnetPrefixLength: 16 });
    expect(plan).toMatchObject({
      subnetNodeCapacity: 65531,
      nodes: 400,
      pods: 44_000,
      limitedBy: "routeTable",
    });
    expect(planSubnet({ plugin: "azure-overlay", subnetPrefixLength: 16 }).nodes).toBe(65531);
  });

  it("pod CIDR capacity: one /24 per node", () => {
    expect(podCidrNodeCapacity(16)).toBe(256);
    expect(podCidrNodeCapacity(24)).toBe(1);
    expect(podCidrNodeCapacity(8)).toBe(65536);
    const e = (() => {
      try {
        podCidrNodeCapacity(25);
      } catch (err) {
        return err as NetError;
      }
    })();
    expect(e).toBeInstanceOf(NetError);
    expect(e?.message).toContain("must be /24 or larger");
    const plan = planSubnet({ plugin: "kubenet", subnetPrefixLength: 16, podCidrPrefixLength: 22 });
    expect(plan).toMatchObject({ podCidrNodeCapacity: 4, nodes: 4, limitedBy: "podCidr" });
  });

  it("gateway prefix capacity 2^(32-size)", () => {
    expect([31, 30, 29, 28].map(gatewayPrefixCapacity)).toEqual([2, 4, 8, 16]);
  });

  it("defaults and validation", () => {
    expect(DEFAULT_MAX_PODS).toEqual({ kubenet: 110, azure: 30, "azure-overlay": 250 });
    expect(() => planSubnet({ plugin: "azure", subnetPrefixLength: 24, maxPods: 0 })).toThrow(NetError);
    expect(() => planSubnet({ plugin: "azure", subnetPrefixLength: 40 })).toThrow(NetError);
  });

  it("property: plans are internally consistent and agree with the address allocator", () => {
    const plugin = fc.constantFrom<NetworkPlugin>("kubenet", "azure", "azure-overlay");
    fc.assert(
      fc.property(
        plugin,
        fc.integer({ min: 8, max: 32 }),
        fc.integer({ min: 1, max: 250 }),
        (p, len, maxPods) => {
          const plan = planSubnet({ plugin: p, subnetPrefixLength: len, maxPods });
          expect(BigInt(plan.usableAddresses)).toBe(usableAddressCount(parseCidr(`10.0.0.0/${len}`), true));
          expect(plan.nodes * plan.addressesPerNode).toBeLessThanOrEqual(plan.usableAddresses);
          expect((plan.subnetNodeCapacity + 1) * plan.addressesPerNode).toBeGreaterThan(plan.usableAddresses);
          expect(plan.pods).toBe(plan.nodes * maxPods);
          if (p === "kubenet") expect(plan.nodes).toBeLessThanOrEqual(400);
          if (p === "azure") expect(plan.nodes).toBe(azureCniNodeCapacity(len, maxPods));
        },
      ),
    );
  });
});
