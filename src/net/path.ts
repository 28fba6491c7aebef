/**
 * Network security group evaluation, Azure's way, with the reasons: which rule decides a flow and why
 * every rule before it did not match. Pure: the caller hands in the rules and the address space the
 * `VirtualNetwork` tag stands for; nothing here reads a store or knows ARM's wire shapes.
 *
 * Azure semantics modelled:
 * - Rules of the flow's direction are examined in priority order (lowest number first); the first rule
 *   whose protocol, source, source port, destination and destination port all match decides. Every NSG
 *   ends with Azure's default rules (65000…65500), so something always decides.
 * - Port and prefix fields are singular or plural (`*`, `80`, `40000-60000`; CIDR, IP, `*`, service tag);
 *   a plural field matches when any entry does. ASG fields match when the NIC is in any listed group.
 * - Service tags: `VirtualNetwork` = the VNet's address spaces, peered spaces, the host virtual IP
 *   168.63.129.16 and prefixes of user-defined routes (Azure documents all of these); `Internet` = every
 *   address outside `VirtualNetwork`; `AzureLoadBalancer` = 168.63.129.16. Other tags (Storage, …) are
 *   Azure-owned ranges the emulator does not model: they never match an address it is asked about.
 * - A flow's source may be a service tag instead of an address, meaning "some address of that class":
 *   a rule matches it only when its prefix covers the whole class (`*`, the same tag, 0.0.0.0/0), since a
 *   narrower prefix would match some such addresses and not others.
 * - ICMP has no ports: a rule for protocol Icmp ignores its port fields, a rule for `*` with ports
 *   other than `*` does not match ICMP (the portal forces `*` for ICMP for the same reason).
 * - Two levels: inbound traffic meets the subnet's NSG, then the NIC's; outbound the NIC's, then the
 *   subnet's. Each present NSG must allow; a level without an NSG does not filter.
 */
import {
  type Cidr,
  complementOf,
  contains,
  containsIp,
  formatCidr,
  type IpAddress,
  NetError,
  parseCidr,
  parseIp,
} from "./cidr.js";

export type Direction = "Inbound" | "Outbound";
export type FlowProtocol = "Tcp" | "Udp" | "Icmp";
export type Access = "Allow" | "Deny";

/** Azure's host virtual IP: the source of load balancer health probes (tag AzureLoadBalancer). */
export const AZURE_HOST_VIP = "168.63.129.16";

/** Service tags a flow's source may name instead of an address. */
export const SOURCE_TAGS = ["Internet", "VirtualNetwork", "AzureLoadBalancer"] as const;
export type SourceTag = (typeof SOURCE_TAGS)[number];

export interface Flow {
  direction: Direction;
  protocol: FlowProtocol;
  /** An IP address, or a {@link SourceTag} standing for "some address of that class". */
  source: string;
  /** Undefined: whatever ephemeral port the sender picks. */
  sourcePort?: number;
  /** An IP address (the NIC's private address: NSGs see traffic after the public IP is translated). */
  destination: string;
  /** Required for Tcp/Udp, ignored for Icmp. */
  destinationPort?: number;
  /** ASGs the source NIC is in (a source inside the VNet); none when absent. */
  sourceAsgIds?: readonly string[];
  /** ASGs the destination NIC is in. */
  destinationAsgIds?: readonly string[];
}

/** One security rule, with the singular and plural wire fields folded into lists. */
export interface SecurityRuleSpec {
  name: string;
  priority: number;
  direction: Direction;
  access: Access;
  /** Tcp | Udp | Icmp | Esp | Ah | `*`. */
  protocol: string;
  sourcePorts: readonly string[];
  destinationPorts: readonly string[];
  sourcePrefixes: readonly string[];
  destinationPrefixes: readonly string[];
  sourceAsgIds: readonly string[];
  destinationAsgIds: readonly string[];
  /** One of Azure's six default rules. */
  isDefault?: boolean;
}

/** An address range the `VirtualNetwork` tag stands for, with where it comes from (for explanations). */
export interface TaggedPrefix {
  prefix: string;
  origin: string;
}

export interface AddressContext {
  /** The VNet's address spaces, peered spaces, user-defined route prefixes (the host VIP is implied). */
  virtualNetwork: readonly TaggedPrefix[];
}

export type MatchField = "protocol" | "source" | "sourcePort" | "destination" | "destinationPort";

export interface RuleRef {
  name: string;
  priority: number;
  access: Access;
  isDefault: boolean;
}

/** The rule that decided, and why each of its fields matched. */
export interface RuleMatch extends RuleRef {
  why: string[];
}

/** A rule examined before the deciding one, and every field that did not match. */
export interface RuleMiss extends RuleRef {
  mismatches: { field: MatchField; reason: string }[];
}

export interface NsgDecision {
  verdict: Access;
  decidingRule: RuleMatch;
  /** Rules of the flow's direction examined before the deciding one, in priority order. */
  notMatched: RuleMiss[];
}

const any = (ports: readonly string[]) => ports.length === 0 || ports.includes("*");

function rule(
  name: string,
  priority: number,
  direction: Direction,
  access: Access,
  source: string,
  destination: string,
): SecurityRuleSpec {
  return {
    name,
    priority,
    direction,
    access,
    protocol: "*",
    sourcePorts: ["*"],
    destinationPorts: ["*"],
    sourcePrefixes: [source],
    destinationPrefixes: [destination],
    sourceAsgIds: [],
    destinationAsgIds: [],
    isDefault: true,
  };
}

/** Azure's six default rules, present in every NSG (the Network API shows them as defaultSecurityRules). */
export const AZURE_DEFAULT_RULES: readonly SecurityRuleSpec[] = [
  rule("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
  rule("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"),
  rule("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
  rule("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
  rule("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"),
  rule("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"),
];

// ---- address classes ------------------------------------------------------------------------------

const HOST_VIP_ENTRY: TaggedPrefix = { prefix: `${AZURE_HOST_VIP}/32`, origin: "Azure host VIP" };

type Endpoint = { kind: "ip"; ip: IpAddress; text: string } | { kind: "tag"; tag: SourceTag };

function sourceTagOf(v: string): SourceTag | undefined {
  return SOURCE_TAGS.find((t) => t.toLowerCase() === v.toLowerCase());
}

function endpointOf(v: string): Endpoint {
  const tag = sourceTagOf(v);
  // AzureLoadBalancer is one address, so it is classified like any other address.
  if (tag === "AzureLoadBalancer") return { kind: "ip", ip: parseIp(AZURE_HOST_VIP), text: AZURE_HOST_VIP };
  if (tag) return { kind: "tag", tag };
  return { kind: "ip", ip: parseIp(v), text: v };
}

const describe = (e: Endpoint) => (e.kind === "tag" ? e.tag : e.text);

interface Space {
  cidr: Cidr;
  entry: TaggedPrefix;
  /** The host VIP: in the tag, but not where a VM of the VNet lives. */
  implied?: boolean;
}

function vnetSpace(ctx: AddressContext): Space[] {
  const out: Space[] = [{ cidr: hostOf(AZURE_HOST_VIP), entry: HOST_VIP_ENTRY, implied: true }];
  for (const entry of ctx.virtualNetwork) {
    try {
      out.push({ cidr: entry.prefix.includes("/") ? parseCidr(entry.prefix) : hostOf(entry.prefix), entry });
    } catch {
      // A route prefix may be a service tag; such an entry adds no addresses the emulator knows.
    }
  }
  return out;
}

function hostOf(ip: string): Cidr {
  const a = parseIp(ip);
  return parseCidr(`${ip}/${a.family === "IPv4" ? 32 : 128}`);
}

function inVnet(ip: IpAddress, space: Space[]): TaggedPrefix | undefined {
  // Real ranges first, so an address is explained by its VNet rather than by the implied VIP.
  return (
    space.find((s) => !s.implied && containsIp(s.cidr, ip)) ?? space.find((s) => containsIp(s.cidr, ip))
  )?.entry;
}

/** The VirtualNetwork entry an address falls in (the host VIP counts), or undefined: it is Internet. */
export function virtualNetworkEntryOf(address: string, ctx: AddressContext): TaggedPrefix | undefined {
  return inVnet(parseIp(address), vnetSpace(ctx));
}

/** Does one address prefix of a rule cover the endpoint? `ok` with the reason either way. */
function prefixCovers(prefix: string, e: Endpoint, space: Space[]): { ok: boolean; reason: string } {
  const who = describe(e);
  if (prefix === "*") return { ok: true, reason: `* covers ${who}` };
  const lower = prefix.toLowerCase();
  if (lower === "virtualnetwork") {
    if (e.kind === "tag") return { ok: e.tag === "VirtualNetwork", reason: `${who} is not VirtualNetwork` };
    const hit = inVnet(e.ip, space);
    return hit
      ? { ok: true, reason: `${who} is in VirtualNetwork (${hit.prefix}, ${hit.origin})` }
      : { ok: false, reason: `${who} is outside VirtualNetwork` };
  }
  if (lower === "internet") {
    if (e.kind === "tag") return { ok: e.tag === "Internet", reason: `${who} is not Internet` };
    const hit = inVnet(e.ip, space);
    return hit
      ? {
          ok: false,
          reason: `${who} is not Internet: it is in VirtualNetwork (${hit.prefix}, ${hit.origin})`,
        }
      : { ok: true, reason: `${who} is Internet (outside VirtualNetwork)` };
  }
  if (lower === "azureloadbalancer") {
    const ok = e.kind === "ip" && e.text === AZURE_HOST_VIP;
    return ok
      ? { ok, reason: `${who} is AzureLoadBalancer` }
      : { ok, reason: `${who} is not AzureLoadBalancer (${AZURE_HOST_VIP})` };
  }
  let cidr: Cidr;
  try {
    cidr = prefix.includes("/") ? parseCidr(prefix) : hostOf(prefix);
  } catch {
    return { ok: false, reason: `service tag ${prefix} is not modelled by the emulator` };
  }
  if (e.kind === "ip")
    return containsIp(cidr, e.ip)
      ? { ok: true, reason: `${who} is in ${prefix}` }
      : { ok: false, reason: `${who} is not in ${prefix}` };
  if (cidr.prefixLength === 0 && e.tag === "Internet") return { ok: true, reason: `${prefix} covers ${who}` };
  if (e.tag === "VirtualNetwork") {
    const real = space.filter((s) => !s.implied && s.cidr.family === cidr.family);
    if (real.length && real.every((s) => contains(cidr, s.cidr)))
      return { ok: true, reason: `${prefix} covers all of VirtualNetwork` };
  }
  return {
    ok: false,
    reason: `${prefix} covers only part of ${who}; trace from a specific address to test it`,
  };
}

// ---- one rule -----------------------------------------------------------------------------------

const lastSegment = (id: string) => id.split("/").pop() ?? id;
const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function portCovers(ranges: readonly string[], port: number): string | undefined {
  for (const r of ranges) {
    if (r === "*") return r;
    const [a, b = a] = r.split("-").map((x) => Number(x.trim()));
    if (port >= a && port <= b) return r;
  }
  return undefined;
}

type Check = { field: MatchField; ok: boolean; reason: string };

function checkPorts(
  field: "sourcePort" | "destinationPort",
  r: SecurityRuleSpec,
  flow: Flow,
  port: number | undefined,
): Check {
  const ranges = field === "sourcePort" ? r.sourcePorts : r.destinationPorts;
  const what = field === "sourcePort" ? "source port" : "destination port";
  if (flow.protocol === "Icmp") {
    if (r.protocol.toLowerCase() === "icmp" || any(ranges))
      return { field, ok: true, reason: `ICMP has no ports` };
    return {
      field,
      ok: false,
      reason: `ICMP has no ports; the rule limits the ${what} to ${ranges.join(", ")}`,
    };
  }
  if (any(ranges)) return { field, ok: true, reason: `${what} *` };
  if (port === undefined)
    return {
      field,
      ok: false,
      reason: `the ${what} is any ephemeral port; the rule only covers ${ranges.join(", ")}`,
    };
  const hit = portCovers(ranges, port);
  return hit
    ? { field, ok: true, reason: `${what} ${port} is in ${hit}` }
    : { field, ok: false, reason: `${what} ${port} is not in ${ranges.join(", ")}` };
}

function checkSide(
  field: "source" | "destination",
  r: SecurityRuleSpec,
  e: Endpoint,
  nicAsgs: readonly string[] | undefined,
  space: Space[],
): Check {
  const asgs = field === "source" ? r.sourceAsgIds : r.destinationAsgIds;
  const nic = field === "source" ? "the source NIC" : "the destination NIC";
  if (asgs.length) {
    const hit = asgs.find((a) => (nicAsgs ?? []).some((m) => sameId(m, a)));
    if (hit) return { field, ok: true, reason: `${nic} is in ASG ${lastSegment(hit)}` };
    return {
      field,
      ok: false,
      reason: `${nic} is not in ASG ${asgs.map(lastSegment).join(", ")}${
        nicAsgs?.length ? ` (it is in ${nicAsgs.map(lastSegment).join(", ")})` : " (it is in no ASG)"
      }`,
    };
  }
  const prefixes = r[field === "source" ? "sourcePrefixes" : "destinationPrefixes"];
  const results = (prefixes.length ? prefixes : ["*"]).map((p) => prefixCovers(p, e, space));
  const hit = results.find((x) => x.ok);
  if (hit) return { field, ok: true, reason: `${field} ${hit.reason}` };
  return { field, ok: false, reason: `${field} ${results.map((x) => x.reason).join("; ")}` };
}

function checkProtocol(r: SecurityRuleSpec, flow: Flow): Check {
  if (r.protocol === "*")
    return { field: "protocol", ok: true, reason: `protocol * covers ${flow.protocol}` };
  const ok = r.protocol.toLowerCase() === flow.protocol.toLowerCase();
  return ok
    ? { field: "protocol", ok, reason: `protocol ${flow.protocol}` }
    : { field: "protocol", ok, reason: `protocol ${r.protocol} is not ${flow.protocol}` };
}

function ref(r: SecurityRuleSpec): RuleRef {
  return { name: r.name, priority: r.priority, access: r.access, isDefault: Boolean(r.isDefault) };
}

/** Every field of one rule against the flow. */
function checkRuleIn(flow: Flow, r: SecurityRuleSpec, space: Space[], src: Endpoint, dst: Endpoint): Check[] {
  return [
    checkProtocol(r, flow),
    checkSide("source", r, src, flow.sourceAsgIds, space),
    checkPorts("sourcePort", r, flow, flow.sourcePort),
    checkSide("destination", r, dst, flow.destinationAsgIds, space),
    checkPorts("destinationPort", r, flow, flow.destinationPort),
  ];
}

// ---- one NSG ------------------------------------------------------------------------------------

/** Rules in Azure's evaluation order: priority, then (for equal priorities in odd input) name. */
export function orderRules(rules: readonly SecurityRuleSpec[], direction: Direction): SecurityRuleSpec[] {
  return rules
    .filter((r) => r.direction === direction)
    .sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
}

/** The NSG's own rules plus Azure's defaults (unless the list already carries them). */
export function withDefaultRules(rules: readonly SecurityRuleSpec[]): SecurityRuleSpec[] {
  return rules.some((r) => r.isDefault) ? [...rules] : [...rules, ...AZURE_DEFAULT_RULES];
}

/** Throws NetError when the flow's source or destination is not an address or a source tag. */
export function validateFlow(flow: Flow): void {
  endpointOf(flow.source);
  parseIp(flow.destination);
  if (flow.protocol !== "Icmp") {
    const p = flow.destinationPort;
    if (p === undefined || !Number.isInteger(p) || p < 0 || p > 65535)
      throw new NetError(
        "PortOutOfRange",
        `The destination port ${String(p)} is not valid; it must be a whole number between 0 and 65535.`,
      );
  }
}

/**
 * Evaluates one NSG (its own rules; Azure's defaults are added) for the flow: the deciding rule and
 * the rules examined before it.
 */
export function evaluateNsg(
  flow: Flow,
  rules: readonly SecurityRuleSpec[],
  ctx: AddressContext,
): NsgDecision {
  validateFlow(flow);
  const space = vnetSpace(ctx);
  const src = endpointOf(flow.source);
  const dst = endpointOf(flow.destination);
  const notMatched: RuleMiss[] = [];
  for (const r of orderRules(withDefaultRules(rules), flow.direction)) {
    const checks = checkRuleIn(flow, r, space, src, dst);
    const failed = checks.filter((c) => !c.ok);
    if (failed.length === 0)
      return {
        verdict: r.access,
        decidingRule: { ...ref(r), why: checks.map((c) => c.reason) },
        notMatched,
      };
    notMatched.push({ ...ref(r), mismatches: failed.map(({ field, reason }) => ({ field, reason })) });
  }
  // Only reachable when a caller passes its own default rules without a catch-all deny.
  throw new RangeError(`no rule of direction ${flow.direction} matched and no catch-all default rule exists`);
}

// ---- subnet + NIC ---------------------------------------------------------------------------------

export type NsgLevel = "subnet" | "nic";

export interface NsgInput {
  /** Identifies the NSG in the answer (an ARM id, a name). */
  id: string;
  name: string;
  rules: readonly SecurityRuleSpec[];
}

export interface LevelResult {
  level: NsgLevel;
  /** Absent: no NSG at this level, traffic is not filtered here. */
  nsg?: { id: string; name: string };
  verdict: Access;
  /** False when an earlier level already dropped the traffic (evaluated anyway, for the explanation). */
  reached: boolean;
  decision?: NsgDecision;
}

export interface PathDecision {
  verdict: Access;
  /** The rule that settled it: the first deny on the way, else the allow of the last NSG passed. */
  decidedBy?: { level: NsgLevel; nsg: { id: string; name: string }; rule: RuleMatch };
  levels: LevelResult[];
}

/**
 * Both levels in Azure's order for the direction (inbound: subnet, then NIC; outbound: NIC, then
 * subnet). Every NSG present must allow.
 */
export function evaluatePath(
  flow: Flow,
  nsgs: { subnet?: NsgInput; nic?: NsgInput },
  ctx: AddressContext,
): PathDecision {
  validateFlow(flow);
  const order: NsgLevel[] = flow.direction === "Inbound" ? ["subnet", "nic"] : ["nic", "subnet"];
  const levels: LevelResult[] = [];
  let decidedBy: PathDecision["decidedBy"];
  let blocked = false;
  for (const level of order) {
    const nsg = nsgs[level];
    if (!nsg) {
      levels.push({ level, verdict: "Allow", reached: !blocked });
      continue;
    }
    const decision = evaluateNsg(flow, nsg.rules, ctx);
    const ref = { id: nsg.id, name: nsg.name };
    levels.push({ level, nsg: ref, verdict: decision.verdict, reached: !blocked, decision });
    if (blocked) continue;
    decidedBy = { level, nsg: ref, rule: decision.decidingRule };
    if (decision.verdict === "Deny") blocked = true;
  }
  return { verdict: blocked ? "Deny" : "Allow", ...(decidedBy ? { decidedBy } : {}), levels };
}

// ---- effective rules (Network Watcher's view of an NSG) ------------------------------------------

/** One rule as Azure's effectiveNetworkSecurityGroups lists it: ports as ranges, tags expanded. */
export interface EffectiveSecurityRule {
  /** `securityRules/<name>` or `defaultSecurityRules/<name>`. */
  name: string;
  /** `All` for `*`. */
  protocol: string;
  sourcePortRange?: string;
  sourcePortRanges?: string[];
  destinationPortRange?: string;
  destinationPortRanges?: string[];
  sourceAddressPrefix?: string;
  sourceAddressPrefixes?: string[];
  expandedSourceAddressPrefix?: string[];
  destinationAddressPrefix?: string;
  destinationAddressPrefixes?: string[];
  expandedDestinationAddressPrefix?: string[];
  access: Access;
  priority: number;
  direction: Direction;
}

/** The tags the emulator models, in Azure's spelling. */
const MODELLED_TAGS = ["VirtualNetwork", "AzureLoadBalancer", "Internet"] as const;

/**
 * What a service tag stands for on this subnet, as canonical prefixes — the same classes
 * {@link evaluateNsg} matches against: VirtualNetwork = the VNet spaces, peered spaces and user route
 * prefixes plus the host VIP; Internet = every IPv4 address outside VirtualNetwork; AzureLoadBalancer
 * = the host VIP. Undefined for a tag the emulator does not model (Storage, …).
 */
export function expandServiceTag(tag: string, ctx: AddressContext): string[] | undefined {
  const t = MODELLED_TAGS.find((x) => x.toLowerCase() === tag.toLowerCase());
  if (!t) return undefined;
  if (t === "AzureLoadBalancer") return [`${AZURE_HOST_VIP}/32`];
  const space = vnetSpace(ctx);
  if (t === "Internet")
    return complementOf(
      space.map((s) => s.cidr),
      "IPv4",
    ).map(formatCidr);
  const out: string[] = [];
  for (const s of [...space.filter((x) => !x.implied), ...space.filter((x) => x.implied)]) {
    const p = formatCidr(s.cidr);
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

function isTag(prefix: string): boolean {
  return prefix !== "*" && !/^[0-9a-f:.]+(\/\d+)?$/i.test(prefix);
}

/** `*` → 0.0.0.0/0, an address → its /32 (/128), a CIDR → canonical; tags stay as they are. */
function effectivePrefix(prefix: string): string {
  if (prefix === "*") return "0.0.0.0/0";
  if (isTag(prefix)) return prefix;
  try {
    return formatCidr(prefix.includes("/") ? parseCidr(prefix) : hostOf(prefix));
  } catch {
    return prefix;
  }
}

/** `*` → 0-65535, `80` → 80-80, ranges as written. */
function effectivePortRange(range: string): string {
  if (range === "*") return "0-65535";
  return range.includes("-") ? range.replace(/\s/g, "") : `${range.trim()}-${range.trim()}`;
}

/**
 * The rules of one NSG (its own, then Azure's defaults) as effectiveNetworkSecurityGroups shows them,
 * and the tag map: every tag the rules name → its prefixes. `asgMembers` gives the addresses of the
 * NICs in an application security group (by lower-cased id), which is what an ASG side expands to.
 */
export function effectiveSecurityRules(
  rules: readonly SecurityRuleSpec[],
  ctx: AddressContext,
  asgMembers: (asgId: string) => readonly string[] = () => [],
): { rules: EffectiveSecurityRule[]; tagMap: Record<string, string[]> } {
  const all = withDefaultRules(rules);
  const own = all
    .filter((r) => !r.isDefault)
    .sort(
      (a, b) =>
        (a.direction === b.direction ? 0 : a.direction === "Inbound" ? -1 : 1) ||
        a.priority - b.priority ||
        a.name.localeCompare(b.name),
    );
  const defaults = all.filter((r) => r.isDefault);
  const tagMap: Record<string, string[]> = {};
  const note = (prefixes: readonly string[]) => {
    const expanded: string[] = [];
    for (const p of prefixes) {
      if (!isTag(p)) continue;
      const e = expandServiceTag(p, ctx) ?? [];
      const key = MODELLED_TAGS.find((x) => x.toLowerCase() === p.toLowerCase()) ?? p;
      tagMap[key] = e;
      for (const x of e) if (!expanded.includes(x)) expanded.push(x);
    }
    return expanded;
  };
  const side = (r: SecurityRuleSpec, which: "source" | "destination"): Partial<EffectiveSecurityRule> => {
    const asgs = which === "source" ? r.sourceAsgIds : r.destinationAsgIds;
    const raw = asgs.length
      ? asgs.flatMap((a) => asgMembers(a.toLowerCase()))
      : (which === "source" ? r.sourcePrefixes : r.destinationPrefixes).length
        ? which === "source"
          ? r.sourcePrefixes
          : r.destinationPrefixes
        : ["*"];
    const prefixes = raw.map(effectivePrefix);
    const expanded = asgs.length ? [] : note(raw);
    const cap = which === "source" ? "Source" : "Destination";
    return {
      ...(prefixes.length === 1
        ? { [`${which}AddressPrefix`]: prefixes[0] }
        : { [`${which}AddressPrefixes`]: prefixes }),
      ...(expanded.length ? { [`expanded${cap}AddressPrefix`]: expanded } : {}),
    };
  };
  const ports = (list: readonly string[], which: "source" | "destination") => {
    const ranges = (list.length ? list : ["*"]).map(effectivePortRange);
    return ranges.length === 1 ? { [`${which}PortRange`]: ranges[0] } : { [`${which}PortRanges`]: ranges };
  };
  const out = [...own, ...defaults].map(
    (r): EffectiveSecurityRule => ({
      name: `${r.isDefault ? "defaultSecurityRules" : "securityRules"}/${r.name}`,
      protocol: r.protocol === "*" ? "All" : r.protocol,
      ...ports(r.sourcePorts, "source"),
      ...ports(r.destinationPorts, "destination"),
      ...side(r, "source"),
      ...side(r, "destination"),
      access: r.access,
      priority: r.priority,
      direction: r.direction,
    }),
  );
  return { rules: out, tagMap };
}
