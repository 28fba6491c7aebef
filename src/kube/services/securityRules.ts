// The cluster NSG rules cloud-provider-azure keeps for LoadBalancer Services — pure.
// pkg/provider/securitygroup: an allow rule is identified by (protocol, sorted sources, sorted
// destination ports) and named `k8s-azure-lb_allow_<IPv4|IPv6>_<md5 hex>`, so Services with the same
// protocol, sources and ports SHARE one rule whose destinations are all their frontend addresses.
// New allow rules take the lowest free priority from 500 up, the deny-all rule
// (`k8s-azure-lb_deny-all_<family>`) the highest free from 4095 down; a kept rule keeps its priority.
// A rule is the provider's when its name starts with `k8s-azure-lb` and its priority is in [500, 4096].
import { createHash } from "node:crypto";
import { highestFreeInt, lowestFreeInt } from "../../net/allocator.js";
import { type IpFamily, parseIp } from "../../net/cidr.js";
import type { DesiredServiceLoadBalancer, SecurityProtocol } from "./azureLoadBalancer.js";

export const SECURITY_RULE_PREFIX = "k8s-azure-lb";
export const MIN_PRIORITY = 500;
export const MAX_PRIORITY = 4096;

/** An NSG rule as the wire has it (only the fields this module reads or writes). */
export interface SecurityRuleLike {
  name: string;
  priority: number;
  protocol: SecurityProtocol;
  access: "Allow" | "Deny";
  direction: "Inbound";
  sourceAddressPrefix?: string;
  sourceAddressPrefixes?: string[];
  sourcePortRange: "*";
  destinationAddressPrefix?: string;
  destinationAddressPrefixes?: string[];
  destinationPortRange?: string;
  destinationPortRanges?: string[];
}

export interface ExistingRule {
  name: string;
  priority: number;
}

export interface ServiceFrontends {
  lb: DesiredServiceLoadBalancer;
  /** The addresses of the Service's frontends (public or private), once allocated. */
  addresses: string[];
}

export interface SecurityRulePlan {
  /** Every managed rule that must exist, in priority order. */
  rules: SecurityRuleLike[];
  /** Managed rules to remove. */
  delete: string[];
}

export class PriorityExhaustedError extends Error {
  constructor() {
    super("security rule priority exhausted");
  }
}

export function isManagedRule(r: ExistingRule): boolean {
  return r.name.startsWith(SECURITY_RULE_PREFIX) && r.priority >= MIN_PRIORITY && r.priority <= MAX_PRIORITY;
}

export function allowRuleName(
  protocol: SecurityProtocol,
  family: IpFamily,
  sources: readonly string[],
  ports: readonly number[],
): string {
  const src = [...sources].sort();
  const dst = ports.map(String).sort();
  const id = createHash("md5")
    .update([protocol, src.join(","), dst.join(",")].join("_"))
    .digest("hex");
  return [SECURITY_RULE_PREFIX, "allow", family, id].join("_");
}

export function denyAllRuleName(family: IpFamily): string {
  return [SECURITY_RULE_PREFIX, "deny-all", family].join("_");
}

const PROTOCOL_ORDER: SecurityProtocol[] = ["Tcp", "Udp", "*"];

interface Draft {
  name: string;
  protocol: SecurityProtocol;
  access: "Allow" | "Deny";
  sources: string[];
  ports?: string[];
  destinations: Set<string>;
  fromEnd: boolean;
}

function familyOf(address: string): IpFamily {
  return parseIp(address).family;
}

/**
 * The managed rules the NSG must hold for `services`, given what it holds now (`existing`: every rule of
 * the NSG, managed or not, for priorities). Deterministic: Services are taken in the given order.
 */
export function planSecurityRules(
  existing: readonly ExistingRule[],
  services: readonly ServiceFrontends[],
): SecurityRulePlan {
  const drafts = new Map<string, Draft>();
  const order: string[] = [];
  const draft = (d: Omit<Draft, "destinations">, destinations: string[]) => {
    let cur = drafts.get(d.name);
    if (!cur) {
      cur = { ...d, destinations: new Set() };
      drafts.set(d.name, cur);
      order.push(d.name);
    }
    for (const a of destinations) cur.destinations.add(a);
  };

  for (const { lb, addresses } of services) {
    const byFamily = new Map<IpFamily, string[]>();
    for (const a of addresses) {
      const f = familyOf(a);
      byFamily.set(f, [...(byFamily.get(f) ?? []), a]);
    }
    for (const protocol of PROTOCOL_ORDER) {
      const ports = lb.security.ports[protocol];
      if (!ports || ports.length === 0) continue;
      for (const [family, dsts] of byFamily) {
        for (const tag of lb.security.serviceTags) {
          draft(
            {
              name: allowRuleName(protocol, family, [tag], ports),
              protocol,
              access: "Allow",
              sources: [tag],
              ports: ports.map(String).sort(),
              fromEnd: false,
            },
            dsts,
          );
        }
        const ranges = lb.security.ipRanges.filter((r) => familyOf(r.split("/")[0]) === family);
        if (ranges.length > 0) {
          draft(
            {
              name: allowRuleName(protocol, family, ranges, ports),
              protocol,
              access: "Allow",
              sources: [...ranges].sort(),
              ports: ports.map(String).sort(),
              fromEnd: false,
            },
            dsts,
          );
        }
      }
    }
    if (lb.security.denyAllExceptSourceRanges) {
      for (const [family, dsts] of byFamily) {
        draft(
          { name: denyAllRuleName(family), protocol: "*", access: "Deny", sources: ["*"], fromEnd: true },
          dsts,
        );
      }
    }
  }

  const existingByName = new Map(existing.map((r) => [r.name, r]));
  const del = existing.filter((r) => isManagedRule(r) && !drafts.has(r.name)).map((r) => r.name);
  const deleted = new Set(del);
  const taken = new Set(existing.filter((r) => !deleted.has(r.name)).map((r) => r.priority));
  const rules: SecurityRuleLike[] = [];
  for (const name of order) {
    const d = drafts.get(name);
    if (!d) continue;
    let priority = existingByName.get(name)?.priority;
    if (priority === undefined || !isManagedRule({ name, priority })) {
      priority = d.fromEnd
        ? highestFreeInt(MIN_PRIORITY, MAX_PRIORITY - 1, taken)
        : lowestFreeInt(MIN_PRIORITY, MAX_PRIORITY - 1, taken);
      if (priority === undefined) throw new PriorityExhaustedError();
      taken.add(priority);
    }
    const dst = [...d.destinations].sort();
    const rule: SecurityRuleLike = {
      name,
      priority,
      protocol: d.protocol,
      access: d.access,
      direction: "Inbound",
      sourcePortRange: "*",
    };
    if (d.sources.length === 1) rule.sourceAddressPrefix = d.sources[0];
    else rule.sourceAddressPrefixes = d.sources;
    if (dst.length === 1) rule.destinationAddressPrefix = dst[0];
    else rule.destinationAddressPrefixes = dst;
    if (d.ports) rule.destinationPortRanges = d.ports;
    else rule.destinationPortRange = "*";
    rules.push(rule);
  }
  rules.sort((a, b) => a.priority - b.priority);
  return { rules, delete: del };
}
