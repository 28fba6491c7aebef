// NSG evaluation: Azure's order (lowest priority number first, first match wins), its default
// rules, plural fields, service tags, ASGs, and the two levels (subnet, then NIC, both must allow).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AddressContext,
  AZURE_DEFAULT_RULES,
  evaluateNsg,
  evaluatePath,
  type Flow,
  type SecurityRuleSpec,
  virtualNetworkEntryOf,
  withDefaultRules,
} from "../../src/net/index.js";
import { defaultSecurityRules } from "../../src/providers/network/networkSecurityGroups.js";
import { ruleFromWire } from "../../src/providers/views/reachability.js";

const VNET: AddressContext = { virtualNetwork: [{ prefix: "10.224.0.0/12", origin: "address space" }] };
const ASG =
  "/subscriptions/s/resourceGroups/MC/providers/Microsoft.Network/applicationSecurityGroups/aks-np-asg";

function r(name: string, priority: number, over: Partial<SecurityRuleSpec> = {}): SecurityRuleSpec {
  return {
    name,
    priority,
    direction: "Inbound",
    access: "Allow",
    protocol: "*",
    sourcePorts: ["*"],
    destinationPorts: ["*"],
    sourcePrefixes: ["*"],
    destinationPrefixes: ["*"],
    sourceAsgIds: [],
    destinationAsgIds: [],
    ...over,
  };
}

const flow = (over: Partial<Flow> = {}): Flow => ({
  direction: "Inbound",
  protocol: "Tcp",
  source: "Internet",
  destination: "10.224.0.4",
  destinationPort: 46645,
  destinationAsgIds: [ASG],
  ...over,
});

const hostPortRule = r("aks-hostport-np-tcp-40000-60000", 203, {
  protocol: "Tcp",
  destinationPorts: ["40000-60000"],
  destinationAsgIds: [ASG],
});

describe("evaluateNsg", () => {
  it("no user rules: Internet ends at DenyAllInBound, after the two allows that did not match", () => {
    const d = evaluateNsg(flow(), [], VNET);
    expect(d.verdict).toBe("Deny");
    expect(d.decidingRule).toMatchObject({ name: "DenyAllInBound", priority: 65500, isDefault: true });
    expect(d.notMatched.map((m) => [m.name, m.mismatches.map((x) => x.field)])).toEqual([
      ["AllowVnetInBound", ["source"]],
      ["AllowAzureLoadBalancerInBound", ["source"]],
    ]);
    expect(d.notMatched[0].mismatches[0].reason).toBe("source Internet is not VirtualNetwork");
  });

  it("the host-port rule allows a port inside its range to a NIC in its ASG, and says why", () => {
    const d = evaluateNsg(flow(), [hostPortRule], VNET);
    expect(d.verdict).toBe("Allow");
    expect(d.decidingRule.name).toBe("aks-hostport-np-tcp-40000-60000");
    expect(d.decidingRule.why).toEqual([
      "protocol Tcp",
      "source * covers Internet",
      "source port *",
      "the destination NIC is in ASG aks-np-asg",
      "destination port 46645 is in 40000-60000",
    ]);
    expect(d.notMatched).toEqual([]);
  });

  it("reports port, protocol and ASG mismatches", () => {
    const d = evaluateNsg(flow({ destinationPort: 8080 }), [hostPortRule], VNET);
    expect(d.decidingRule.name).toBe("DenyAllInBound");
    expect(d.notMatched[0].mismatches).toEqual([
      { field: "destinationPort", reason: "destination port 8080 is not in 40000-60000" },
    ]);
    const udp = evaluateNsg(flow({ protocol: "Udp" }), [hostPortRule], VNET);
    expect(udp.notMatched[0].mismatches).toEqual([{ field: "protocol", reason: "protocol Tcp is not Udp" }]);
    const other = evaluateNsg(flow({ destinationAsgIds: [] }), [hostPortRule], VNET);
    expect(other.notMatched[0].mismatches).toEqual([
      { field: "destination", reason: "the destination NIC is not in ASG aks-np-asg (it is in no ASG)" },
    ]);
  });

  it("a lower priority number wins whatever the input order", () => {
    const deny = r("deny-46645", 100, { access: "Deny", destinationPorts: ["46645"] });
    for (const rules of [
      [hostPortRule, deny],
      [deny, hostPortRule],
    ]) {
      const d = evaluateNsg(flow(), rules, VNET);
      expect(d.verdict).toBe("Deny");
      expect(d.decidingRule).toMatchObject({ name: "deny-46645", priority: 100 });
    }
  });

  it("plural port and prefix fields match when any entry does", () => {
    const rule = r("multi", 300, {
      destinationPorts: ["80", "443", "8000-8100"],
      sourcePrefixes: ["192.0.2.0/24", "198.51.100.7"],
    });
    expect(evaluateNsg(flow({ source: "198.51.100.7", destinationPort: 8080 }), [rule], VNET).verdict).toBe(
      "Allow",
    );
    const miss = evaluateNsg(flow({ source: "203.0.113.1", destinationPort: 8080 }), [rule], VNET);
    expect(miss.notMatched[0].mismatches).toEqual([
      {
        field: "source",
        reason: "source 203.0.113.1 is not in 192.0.2.0/24; 203.0.113.1 is not in 198.51.100.7",
      },
    ]);
  });

  it("service tags: VirtualNetwork = the VNet (and the host VIP), Internet = outside, AzureLoadBalancer = 168.63.129.16", () => {
    expect(evaluateNsg(flow({ source: "10.224.0.9" }), [], VNET).decidingRule.name).toBe("AllowVnetInBound");
    expect(evaluateNsg(flow({ source: "VirtualNetwork" }), [], VNET).decidingRule.name).toBe(
      "AllowVnetInBound",
    );
    // The host VIP is part of the VirtualNetwork tag, so AllowVnetInBound already admits it.
    expect(evaluateNsg(flow({ source: "AzureLoadBalancer" }), [], VNET).decidingRule.name).toBe(
      "AllowVnetInBound",
    );
    const internetOnly = r("internet", 400, { sourcePrefixes: ["Internet"], access: "Deny" });
    expect(evaluateNsg(flow({ source: "10.224.0.9" }), [internetOnly], VNET).decidingRule.name).toBe(
      "AllowVnetInBound",
    );
    expect(evaluateNsg(flow({ source: "203.0.113.9" }), [internetOnly], VNET).decidingRule.name).toBe(
      "internet",
    );
    expect(virtualNetworkEntryOf("10.230.1.1", VNET)?.origin).toBe("address space");
    expect(virtualNetworkEntryOf("20.1.2.3", VNET)).toBeUndefined();
  });

  it("a tag source matches a CIDR only when the CIDR covers the whole class", () => {
    const part = r("part", 100, { sourcePrefixes: ["203.0.113.0/24"], access: "Deny" });
    const d = evaluateNsg(flow(), [part, hostPortRule], VNET);
    expect(d.decidingRule.name).toBe("aks-hostport-np-tcp-40000-60000");
    expect(d.notMatched[0].mismatches[0].reason).toMatch(/covers only part of Internet/);
    const all = r("all", 100, { sourcePrefixes: ["0.0.0.0/0"], access: "Deny" });
    expect(evaluateNsg(flow(), [all], VNET).decidingRule.name).toBe("all");
  });

  it("ICMP has no ports: Icmp rules ignore them, * rules with ports do not match", () => {
    const icmp = flow({ protocol: "Icmp", destinationPort: undefined });
    expect(
      evaluateNsg(icmp, [r("ping", 100, { protocol: "Icmp", destinationPorts: ["80"] })], VNET).verdict,
    ).toBe("Allow");
    expect(evaluateNsg(icmp, [r("web", 100, { destinationPorts: ["80"] })], VNET).verdict).toBe("Deny");
  });

  it("a restricted source port does not match an unspecified (ephemeral) one", () => {
    const d = evaluateNsg(flow(), [r("sp", 100, { sourcePorts: ["1024-2048"] })], VNET);
    expect(d.verdict).toBe("Deny");
    expect(d.notMatched[0].mismatches[0].field).toBe("sourcePort");
    expect(
      evaluateNsg(flow({ sourcePort: 1500 }), [r("sp", 100, { sourcePorts: ["1024-2048"] })], VNET).verdict,
    ).toBe("Allow");
  });

  it("the default rules are the ones the Network API shows", () => {
    const nsg = { id: "/x/networkSecurityGroups/n", etag: "e" } as Parameters<typeof defaultSecurityRules>[0];
    const wire = defaultSecurityRules(nsg).map((w) =>
      ruleFromWire(String(w.name), w.properties as never, true),
    );
    expect(wire).toEqual(AZURE_DEFAULT_RULES);
  });
});

describe("evaluatePath (subnet NSG, then NIC NSG)", () => {
  const allow = { id: "nic-nsg", name: "cluster-nsg", rules: [hostPortRule] };
  const bare = { id: "subnet-nsg", name: "byo-nsg", rules: [] };

  it("both must allow: a subnet NSG without an allow blocks even when the NIC's allows", () => {
    const d = evaluatePath(flow(), { subnet: bare, nic: allow }, VNET);
    expect(d.verdict).toBe("Deny");
    expect(d.decidedBy).toMatchObject({
      level: "subnet",
      nsg: { name: "byo-nsg" },
      rule: { name: "DenyAllInBound" },
    });
    expect(d.levels.map((l) => [l.level, l.verdict, l.reached])).toEqual([
      ["subnet", "Deny", true],
      ["nic", "Allow", false],
    ]);
  });

  it("all allow: the last NSG passed decides; a level without an NSG does not filter", () => {
    const d = evaluatePath(flow(), { nic: allow }, VNET);
    expect(d.verdict).toBe("Allow");
    expect(d.decidedBy).toMatchObject({ level: "nic", rule: { name: "aks-hostport-np-tcp-40000-60000" } });
    expect(d.levels[0]).toEqual({ level: "subnet", verdict: "Allow", reached: true });
    expect(evaluatePath(flow(), {}, VNET)).toEqual({
      verdict: "Allow",
      levels: [
        { level: "subnet", verdict: "Allow", reached: true },
        { level: "nic", verdict: "Allow", reached: true },
      ],
    });
  });

  it("outbound meets the NIC's NSG first", () => {
    const d = evaluatePath(
      flow({ direction: "Outbound", source: "10.224.0.4", destination: "20.1.2.3" }),
      { subnet: bare, nic: { ...bare, id: "n2", name: "nic" } },
      VNET,
    );
    expect(d.levels.map((l) => l.level)).toEqual(["nic", "subnet"]);
    expect(d.decidedBy?.rule.name).toBe("AllowInternetOutBound");
  });
});

// ---- properties ----------------------------------------------------------------------------------

const portRange = fc
  .tuple(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 2000 }))
  .map(([a, w]) => (w === 0 ? `${a}` : `${a}-${Math.min(65535, a + w)}`));
const ports = fc.oneof(fc.constant(["*"]), fc.array(portRange, { minLength: 1, maxLength: 3 }));
const prefix = fc.constantFrom(
  "*",
  "Internet",
  "VirtualNetwork",
  "AzureLoadBalancer",
  "10.0.0.0/8",
  "203.0.113.0/24",
);

function ruleArb(access: fc.Arbitrary<"Allow" | "Deny">, source = prefix): fc.Arbitrary<SecurityRuleSpec> {
  return fc
    .record({
      priority: fc.integer({ min: 100, max: 4096 }),
      access,
      protocol: fc.constantFrom("*", "Tcp", "Udp", "Icmp"),
      destinationPorts: ports,
      source,
      asg: fc.boolean(),
    })
    .map((x) =>
      r(`rule-${x.priority}`, x.priority, {
        access: x.access,
        protocol: x.protocol,
        destinationPorts: x.destinationPorts,
        sourcePrefixes: [x.source],
        destinationAsgIds: x.asg ? [ASG] : [],
      }),
    );
}

/** Rules with distinct priorities, as Azure requires per direction. */
const rulesArb = (access: fc.Arbitrary<"Allow" | "Deny">, source = prefix) =>
  fc.uniqueArray(ruleArb(access, source), { selector: (x) => x.priority, maxLength: 12 });

const internetFlow = fc
  .record({
    protocol: fc.constantFrom("Tcp", "Udp"),
    port: fc.integer({ min: 1, max: 65535 }),
    inAsg: fc.boolean(),
  })
  .map(({ protocol, port, inAsg }) =>
    flow({
      protocol: protocol as "Tcp" | "Udp",
      destinationPort: port,
      destinationAsgIds: inAsg ? [ASG] : [],
    }),
  );

describe("properties", () => {
  it("without an allow rule, an Internet flow is denied, by a user deny or DenyAllInBound", () => {
    fc.assert(
      fc.property(rulesArb(fc.constant("Deny")), internetFlow, (rules, f) => {
        const d = evaluateNsg(f, rules, VNET);
        expect(d.verdict).toBe("Deny");
        if (!rules.some((x) => x.name === d.decidingRule.name))
          expect(d.decidingRule.name).toBe("DenyAllInBound");
      }),
    );
  });

  it("allow rules whose source excludes the Internet never let an Internet flow in", () => {
    const inside = fc.constantFrom("VirtualNetwork", "AzureLoadBalancer", "10.0.0.0/8");
    fc.assert(
      fc.property(rulesArb(fc.constant("Allow"), inside), internetFlow, (rules, f) => {
        expect(evaluateNsg(f, rules, VNET).decidingRule.name).toBe("DenyAllInBound");
      }),
    );
  });

  it("priority order: the deciding rule is the lowest-numbered match; everything before it was examined and missed", () => {
    fc.assert(
      fc.property(rulesArb(fc.constantFrom("Allow", "Deny")), internetFlow, (rules, f) => {
        const d = evaluateNsg(f, rules, VNET);
        const all = withDefaultRules(rules).filter((x) => x.direction === "Inbound");
        const before = all
          .filter((x) => x.priority < d.decidingRule.priority)
          .sort((a, b) => a.priority - b.priority);
        expect(d.notMatched.map((m) => m.name)).toEqual(before.map((x) => x.name));
        expect(d.notMatched.every((m) => m.mismatches.length > 0)).toBe(true);
        expect(d.verdict).toBe(d.decidingRule.access);
        // A rule of higher number than the deciding one never changes the answer.
        const later = r("later", d.decidingRule.priority + 1, {
          access: d.verdict === "Allow" ? "Deny" : "Allow",
        });
        if (d.decidingRule.priority < 4096) expect(evaluateNsg(f, [...rules, later], VNET)).toEqual(d);
      }),
    );
  });

  it("the answer does not depend on the order the rules are given in", () => {
    fc.assert(
      fc.property(
        rulesArb(fc.constantFrom("Allow", "Deny")),
        internetFlow,
        fc.integer(),
        (rules, f, seed) => {
          const shuffled = [...rules].sort(
            (a, b) => ((a.priority * 31 + seed) % 97) - ((b.priority * 31 + seed) % 97),
          );
          expect(evaluateNsg(f, shuffled, VNET)).toEqual(evaluateNsg(f, rules, VNET));
        },
      ),
    );
  });

  it("two levels allow exactly when each NSG alone allows", () => {
    fc.assert(
      fc.property(
        rulesArb(fc.constantFrom("Allow", "Deny")),
        rulesArb(fc.constantFrom("Allow", "Deny")),
        internetFlow,
        (a, b, f) => {
          const subnet = { id: "s", name: "s", rules: a };
          const nic = { id: "n", name: "n", rules: b };
          const both =
            evaluateNsg(f, a, VNET).verdict === "Allow" && evaluateNsg(f, b, VNET).verdict === "Allow";
          expect(evaluatePath(f, { subnet, nic }, VNET).verdict).toBe(both ? "Allow" : "Deny");
        },
      ),
    );
  });
});
