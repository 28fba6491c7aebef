import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  desiredServiceLoadBalancer,
  type ServiceLike,
} from "../../../src/kube/services/azureLoadBalancer.js";
import {
  allowRuleName,
  type ExistingRule,
  isManagedRule,
  planSecurityRules,
  type ServiceFrontends,
} from "../../../src/kube/services/securityRules.js";

function frontends(
  uid: string,
  ports: number[],
  address: string,
  spec: Partial<ServiceLike["spec"]> = {},
): ServiceFrontends {
  const r = desiredServiceLoadBalancer({
    metadata: { uid, namespace: "default", name: uid },
    spec: {
      type: "LoadBalancer",
      ports: ports.map((port, i) => ({ port, protocol: "TCP", nodePort: 30100 + i })),
      ...spec,
    },
  });
  if (!r.ok) throw new Error(r.message);
  return { lb: r.value, addresses: [address] };
}

describe("NSG rules for LoadBalancer Services (cloud-provider-azure securitygroup)", () => {
  it("names a rule by md5(protocol_sources_ports), shared by Services with the same ports and sources", () => {
    // md5("Tcp_Internet_443,80"), computed independently with md5sum.
    expect(allowRuleName("Tcp", "IPv4", ["Internet"], [80, 443])).toBe(
      "k8s-azure-lb_allow_IPv4_556f7044ec033071ec0dfcf7cd85bc93",
    );
    const plan = planSecurityRules(
      [],
      [
        frontends("a", [80, 443], "20.0.0.5"),
        frontends("b", [443, 80], "20.0.0.6"),
        frontends("c", [8080], "20.0.0.7"),
      ],
    );
    expect(plan.delete).toEqual([]);
    expect(plan.rules).toEqual([
      {
        name: "k8s-azure-lb_allow_IPv4_556f7044ec033071ec0dfcf7cd85bc93",
        priority: 500,
        protocol: "Tcp",
        access: "Allow",
        direction: "Inbound",
        sourceAddressPrefix: "Internet",
        sourcePortRange: "*",
        destinationAddressPrefixes: ["20.0.0.5", "20.0.0.6"],
        destinationPortRanges: ["443", "80"],
      },
      expect.objectContaining({
        priority: 501,
        destinationAddressPrefix: "20.0.0.7",
        destinationPortRanges: ["8080"],
      }),
    ]);
  });

  it("steps around priorities users hold; keeps a kept rule's priority; deletes rules no Service needs", () => {
    const user: ExistingRule[] = [
      { name: "allow-ssh", priority: 500 },
      { name: "k8s-azure-lb_allow_IPv4_stale", priority: 502 },
    ];
    const first = planSecurityRules(user, [frontends("a", [80], "20.0.0.5")]);
    expect(first.delete).toEqual(["k8s-azure-lb_allow_IPv4_stale"]);
    expect(first.rules.map((r) => r.priority)).toEqual([501]);
    const kept = [...user.slice(0, 1), ...first.rules.map((r) => ({ name: r.name, priority: r.priority }))];
    const second = planSecurityRules(kept, [
      frontends("b", [443], "20.0.0.9"),
      frontends("a", [80], "20.0.0.5"),
    ]);
    expect(second.rules.map((r) => [r.destinationPortRanges, r.priority])).toEqual([
      [["80"], 501],
      [["443"], 502],
    ]);
  });

  it("deny-all takes the highest free priority from 4095 down", () => {
    const f = frontends("a", [80], "20.0.0.5", { loadBalancerSourceRanges: ["1.2.3.0/24"] });
    f.lb.security.denyAllExceptSourceRanges = true;
    const plan = planSecurityRules([{ name: "user", priority: 4095 }], [f]);
    expect(plan.rules.map((r) => [r.name, r.priority, r.access])).toEqual([
      [allowRuleName("Tcp", "IPv4", ["1.2.3.0/24"], [80]), 500, "Allow"],
      ["k8s-azure-lb_deny-all_IPv4", 4094, "Deny"],
    ]);
  });

  it("property: after any sequence of Service sets, the managed rules are exactly what the Services need", () => {
    const serviceArb = fc.record({
      ports: fc.uniqueArray(fc.constantFrom(80, 443, 8080, 53, 9000), { minLength: 1, maxLength: 3 }),
      ranges: fc.option(fc.subarray(["1.2.3.0/24", "10.0.0.0/8", "0.0.0.0/0"], { minLength: 1 }), {
        nil: undefined,
      }),
    });
    const stateArb = fc.array(fc.dictionary(fc.constantFrom("s1", "s2", "s3", "s4", "s5"), serviceArb), {
      minLength: 1,
      maxLength: 6,
    });
    fc.assert(
      fc.property(stateArb, (states) => {
        let nsg: ExistingRule[] = [{ name: "user-rule", priority: 600 }];
        for (const state of states) {
          const services = Object.entries(state).map(([uid, s], i) =>
            frontends(uid, s.ports, `20.0.1.${i + 1}`, { loadBalancerSourceRanges: s.ranges }),
          );
          const plan = planSecurityRules(nsg, services);
          const deleted = new Set(plan.delete);
          const byName = new Map(plan.rules.map((r) => [r.name, r]));
          nsg = [...nsg.filter((r) => !deleted.has(r.name) && !byName.has(r.name)), ...plan.rules];
          // Priorities unique across the whole NSG; the user's rule untouched.
          expect(new Set(nsg.map((r) => r.priority)).size).toBe(nsg.length);
          expect(nsg).toContainEqual({ name: "user-rule", priority: 600 });
          // Every need is met by exactly the rule named for it, and nothing else is managed.
          const needed = new Set<string>();
          for (const s of services) {
            const { serviceTags, ipRanges, ports } = s.lb.security;
            const sourceSets = [...serviceTags.map((t) => [t]), ...(ipRanges.length ? [ipRanges] : [])];
            for (const sources of sourceSets) {
              const name = allowRuleName("Tcp", "IPv4", sources, ports.Tcp ?? []);
              needed.add(name);
              const rule = byName.get(name);
              expect(rule, name).toBeDefined();
              expect(rule?.destinationAddressPrefixes ?? [rule?.destinationAddressPrefix]).toContain(
                s.addresses[0],
              );
            }
          }
          const managed = nsg.filter(isManagedRule).map((r) => r.name);
          expect(new Set(managed)).toEqual(needed);
          // Planning again is a fixpoint: nothing to delete, nothing moves.
          const again = planSecurityRules(nsg, services);
          expect(again.delete).toEqual([]);
          expect(again.rules).toEqual(plan.rules);
        }
      }),
      { numRuns: 200 },
    );
  });
});
