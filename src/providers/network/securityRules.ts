// Microsoft.Network/networkSecurityGroups/securityRules: the rule grammar (required
// protocol/access/priority/direction, priority 100–4096 unique per direction, port and
// prefix syntax, singular-or-plural fields, application security group references) and
// cluster ownership: a rule written for a cluster (internal.managedBy) cannot be changed
// or deleted through the Network API.
import { parseCidr, parseIp } from "../../net/index.js";
import type { ResourceRecord } from "../../store/types.js";
import { asObject, field, propertiesOf } from "../common.js";
import type { ArmContext } from "../context.js";
import { invalidRequestContent } from "../errors.js";
import type { Wire } from "../registry.js";
import { slicer } from "../slices.js";
import {
  managedByCluster,
  missingProperty,
  networkNotFound,
  securityRuleAddressLimitReached,
  securityRuleConflict,
  securityRuleCountLimitReached,
  securityRuleInvalidAddressPrefix,
  securityRuleInvalidPortRange,
  securityRuleInvalidPriority,
  securityRuleParameterConflict,
} from "./errors.js";
import { NETWORK_LIMITS } from "./limits.js";
import {
  childBody,
  idOfType,
  makeHandler,
  nameOf,
  propsOf,
  readRefList,
  requireReferenced,
  saveRecord,
  TYPES,
} from "./shared.js";

export const PROTOCOLS = ["Tcp", "Udp", "Icmp", "Esp", "*", "Ah"] as const;

/** Service tags accepted in address prefixes (a regional suffix like `Storage.EastUS` is allowed). */
const SERVICE_TAGS = [
  "VirtualNetwork",
  "Internet",
  "AzureLoadBalancer",
  "AzureCloud",
  "AzureTrafficManager",
  "Storage",
  "Sql",
  "SqlManagement",
  "AzureCosmosDB",
  "AzureKeyVault",
  "AzureMonitor",
  "AzureActiveDirectory",
  "AzureContainerRegistry",
  "AzureFrontDoor.Backend",
  "AzureFrontDoor.Frontend",
  "GatewayManager",
  "ApiManagement",
  "AppService",
  "EventHub",
  "ServiceBus",
  "MicrosoftContainerRegistry",
  "AzureKubernetesService",
  "GuestAndHybridManagement",
  "AzurePlatformDNS",
  "AzurePlatformIMDS",
  "AzurePlatformLKM",
  // More of Azure's published service tags (learn.microsoft.com/azure/virtual-network/service-tags-overview).
  "ActionGroup",
  "AppConfiguration",
  "AppServiceManagement",
  "ApplicationInsightsAvailability",
  "AzureActiveDirectoryDomainServices",
  "AzureAdvancedThreatProtection",
  "AzureArcInfrastructure",
  "AzureAttestation",
  "AzureBackup",
  "AzureBotService",
  "AzureCognitiveSearch",
  "AzureConnectors",
  "AzureContainerAppsService",
  "AzureDatabricks",
  "AzureDataExplorerManagement",
  "AzureDataLake",
  "AzureDevOps",
  "AzureDevSpaces",
  "AzureDeviceUpdate",
  "AzureDigitalTwins",
  "AzureEventGrid",
  "AzureFrontDoor.FirstParty",
  "AzureHealthcareAPIs",
  "AzureInformationProtection",
  "AzureIoTHub",
  "AzureLoadTestingInstanceManagement",
  "AzureMachineLearning",
  "AzureManagedGrafana",
  "AzureOpenDatasets",
  "AzurePortal",
  "AzureResourceManager",
  "AzureSecurityCenter",
  "AzureSentinel",
  "AzureSignalR",
  "AzureSiteRecovery",
  "AzureSphere",
  "AzureSpringCloud",
  "AzureStack",
  "AzureUpdateDelivery",
  "AzureWebPubSub",
  "BatchNodeManagement",
  "ChaosStudio",
  "CognitiveServicesFrontend",
  "CognitiveServicesManagement",
  "DataFactory",
  "DataFactoryManagement",
  "Dynamics365BusinessCentral",
  "Dynamics365ForMarketingEmail",
  "EOPExternalPublishedIPs",
  "HDInsight",
  "KustoAnalytics",
  "LogicApps",
  "LogicAppsManagement",
  "M365ManagementActivityApi",
  "M365ManagementActivityApiWebhook",
  "Marketplace",
  "MicrosoftAzureFluidRelay",
  "MicrosoftCloudAppSecurity",
  "MicrosoftDefenderForEndpoint",
  "MicrosoftPurviewPolicyDistribution",
  "PowerBI",
  "PowerPlatformInfra",
  "PowerPlatformPlex",
  "PowerQueryOnline",
  "SCCservice",
  "Scuba",
  "SerialConsole",
  "ServiceFabric",
  "StorageMover",
  "StorageSyncService",
  "VideoIndexer",
  "WindowsAdminCenter",
  "WindowsVirtualDesktop",
];

export function isServiceTag(v: string): boolean {
  const lower = v.toLowerCase();
  return SERVICE_TAGS.some((t) => {
    const l = t.toLowerCase();
    return lower === l || (lower.startsWith(`${l}.`) && /^[a-z0-9]+$/.test(lower.slice(l.length + 1)));
  });
}

const PORT_RE = /^(\d{1,5})(?:-(\d{1,5}))?$/;

export function validPortRange(v: string): boolean {
  if (v === "*") return true;
  const m = PORT_RE.exec(v);
  if (!m) return false;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  return a <= 65535 && b <= 65535 && a <= b;
}

export function validRulePrefix(v: string): boolean {
  if (v === "*" || isServiceTag(v)) return true;
  try {
    if (v.includes("/")) parseCidr(v);
    else parseIp(v);
    return true;
  } catch {
    return false;
  }
}

function strings(props: Record<string, unknown>, key: string, path: string): string[] | undefined {
  const arr = field.array(props, key, path);
  if (!arr) return undefined;
  return arr.map((v, i) => {
    if (typeof v !== "string")
      throw invalidRequestContent(`'${path}[${i}]' must be a string.`, `${path}[${i}]`);
    return v;
  });
}

/**
 * Validates a rule's wire properties and returns them in Azure's response shape (unused
 * plural fields as [], unused singular fields absent). Pure: references are checked by
 * the writer.
 */
export function normalizeRule(rule: string, raw: Record<string, unknown>, path: string): Wire {
  const protocol = field.enumOf(raw, "protocol", `${path}.protocol`, PROTOCOLS);
  if (!protocol) throw missingProperty(`${path}.protocol`, "the security rule property");
  const access = field.enumOf(raw, "access", `${path}.access`, ["Allow", "Deny"] as const);
  if (!access) throw missingProperty(`${path}.access`, "the security rule property");
  const direction = field.enumOf(raw, "direction", `${path}.direction`, ["Inbound", "Outbound"] as const);
  if (!direction) throw missingProperty(`${path}.direction`, "the security rule property");
  const priority = field.int(raw, "priority", `${path}.priority`);
  if (priority === undefined) throw missingProperty(`${path}.priority`, "the security rule property");
  if (priority < 100 || priority > 4096)
    throw securityRuleInvalidPriority(rule, priority, `${path}.priority`);
  const description = field.string(raw, "description", `${path}.description`);
  if (description !== undefined && description.length > 140)
    throw invalidRequestContent(
      `'${path}.description' is longer than 140 characters.`,
      `${path}.description`,
    );

  const out: Wire = { protocol };
  for (const side of ["source", "destination"] as const) {
    const single = field.string(raw, `${side}PortRange`, `${path}.${side}PortRange`);
    const plural = strings(raw, `${side}PortRanges`, `${path}.${side}PortRanges`) ?? [];
    if (single !== undefined && plural.length)
      throw securityRuleParameterConflict(
        rule,
        `${side}PortRange`,
        `${side}PortRanges`,
        `${path}.${side}PortRanges`,
      );
    if (single === undefined && plural.length === 0)
      throw securityRuleInvalidPortRange(rule, "(none)", `${path}.${side}PortRange`);
    if (single !== undefined) {
      if (!validPortRange(single))
        throw securityRuleInvalidPortRange(rule, single, `${path}.${side}PortRange`);
      out[`${side}PortRange`] = single;
    }
    plural.forEach((p, i) => {
      if (p === "*" || !validPortRange(p))
        throw securityRuleInvalidPortRange(rule, p, `${path}.${side}PortRanges[${i}]`);
    });
  }
  for (const side of ["source", "destination"] as const) {
    const single = field.string(raw, `${side}AddressPrefix`, `${path}.${side}AddressPrefix`);
    const plural = strings(raw, `${side}AddressPrefixes`, `${path}.${side}AddressPrefixes`) ?? [];
    const asgs = readRefList(
      raw,
      `${side}ApplicationSecurityGroups`,
      `${path}.${side}ApplicationSecurityGroups`,
    );
    if (single !== undefined && plural.length)
      throw securityRuleParameterConflict(
        rule,
        `${side}AddressPrefix`,
        `${side}AddressPrefixes`,
        `${path}.${side}AddressPrefixes`,
      );
    if ((single !== undefined || plural.length) && asgs.length)
      throw securityRuleParameterConflict(
        rule,
        `${side}AddressPrefix(es)`,
        `${side}ApplicationSecurityGroups`,
        `${path}.${side}ApplicationSecurityGroups`,
      );
    if (single === undefined && plural.length === 0 && asgs.length === 0)
      throw securityRuleInvalidAddressPrefix(rule, "(none)", `${path}.${side}AddressPrefix`);
    if (single !== undefined) {
      if (!validRulePrefix(single))
        throw securityRuleInvalidAddressPrefix(rule, single, `${path}.${side}AddressPrefix`);
      out[`${side}AddressPrefix`] = single;
    }
    plural.forEach((p, i) => {
      if (p === "*" || isServiceTag(p) || !validRulePrefix(p))
        throw securityRuleInvalidAddressPrefix(rule, p, `${path}.${side}AddressPrefixes[${i}]`);
    });
    if (asgs.length) out[`${side}ApplicationSecurityGroups`] = asgs.map((id) => ({ id }));
  }
  out.access = access;
  out.priority = priority;
  out.direction = direction;
  out.sourcePortRanges = strings(raw, "sourcePortRanges", "") ?? [];
  out.destinationPortRanges = strings(raw, "destinationPortRanges", "") ?? [];
  out.sourceAddressPrefixes = strings(raw, "sourceAddressPrefixes", "") ?? [];
  out.destinationAddressPrefixes = strings(raw, "destinationAddressPrefixes", "") ?? [];
  if (description !== undefined) out.description = description;
  return out;
}

/** What identifies a rule's behaviour (for "unchanged" comparisons of managed rules). */
function fingerprint(p: Wire): string {
  const { provisioningState: _ps, ...rest } = p;
  return JSON.stringify(
    Object.keys(rest)
      .sort()
      .map((k) => [k, rest[k]]),
  );
}

export function managedByOf(rec: ResourceRecord): string | undefined {
  const m = rec.internal?.managedBy;
  return typeof m === "string" ? m : undefined;
}

export interface RuleWriteOptions {
  /** Cluster id when a cluster writes its own rule (internal API). */
  managedBy?: string;
  /** Skip the per-direction priority check (the NSG PUT checks the whole set itself). */
  skipConflictCheck?: boolean;
  /**
   * The rule's current record (null: none) when the caller already listed the NSG's rules;
   * with it (and skipConflictCheck) a rule is written without reading all its siblings.
   */
  existing?: ResourceRecord | null;
}

/** Rules with their wire properties (normalizeRule's output), for the per-NSG limits. */
interface RuleProps {
  path: string;
  wire: Wire;
}

/** Addresses and ranges a rule names on one side (service tags and `*` count as one). */
function addressCount(p: Wire, side: "source" | "destination"): number {
  const plural = p[`${side}AddressPrefixes`];
  if (Array.isArray(plural) && plural.length) return plural.length;
  return typeof p[`${side}AddressPrefix`] === "string" ? 1 : 0;
}

/** Azure's per-NSG limit on source (and, separately, destination) addresses and ranges. */
export function checkAddressLimits(nsgId: string, rules: RuleProps[]): void {
  const limit = NETWORK_LIMITS.addressPrefixesPerNsgSide;
  for (const side of ["source", "destination"] as const) {
    let total = 0;
    for (const r of rules) {
      total += addressCount(r.wire, side);
      if (total > limit)
        throw securityRuleAddressLimitReached(nsgId, side, total, limit, `${r.path}.${side}AddressPrefixes`);
    }
  }
}

/** Writes one rule of an NSG after normalizeRule; checks ownership, conflicts, ASGs. */
export async function storeRule(
  ctx: ArmContext,
  nsg: ResourceRecord,
  name: string,
  props: Wire,
  path: string,
  opts: RuleWriteOptions = {},
): Promise<ResourceRecord> {
  const preloaded = opts.existing !== undefined && opts.skipConflictCheck;
  const kids = preloaded ? [] : await ctx.tx.listResources({ type: TYPES.rule, parentId: nsg.id });
  const existing = preloaded
    ? (opts.existing ?? undefined)
    : kids.find((k) => nameOf(k.id).toLowerCase() === name.toLowerCase());
  const id = existing?.id ?? `${nsg.id}/securityRules/${name}`;
  const owner = existing ? managedByOf(existing) : undefined;
  if (owner && owner.toLowerCase() !== (opts.managedBy ?? "").toLowerCase()) {
    if (fingerprint(propsOf(existing as ResourceRecord)) === fingerprint(props))
      return existing as ResourceRecord;
    throw managedByCluster("SecurityRule", nameOf(id), nsg.id, owner);
  }
  if (!opts.skipConflictCheck) {
    const others = kids.filter((k) => k !== existing);
    const limit = NETWORK_LIMITS.securityRulesPerNsg;
    if (others.length + 1 > limit) throw securityRuleCountLimitReached(limit, path);
    for (const k of others) {
      const p = propsOf(k);
      if (p.direction === props.direction && p.priority === props.priority)
        throw securityRuleConflict(name, nameOf(k.id), `${path}.priority`);
    }
    checkAddressLimits(nsg.id, [...others.map((k) => ({ path, wire: propsOf(k) })), { path, wire: props }]);
  }
  for (const side of ["source", "destination"] as const) {
    const asgs = props[`${side}ApplicationSecurityGroups`] as { id: string }[] | undefined;
    for (const [i, a] of (asgs ?? []).entries()) {
      const rec = await requireReferenced(
        ctx,
        a.id,
        TYPES.asg,
        id,
        `${path}.${side}ApplicationSecurityGroups[${i}].id`,
      );
      a.id = rec.id;
    }
  }
  const internal = opts.managedBy ? { managedBy: opts.managedBy } : existing && !owner ? {} : undefined;
  return saveRecord(
    ctx,
    { id, type: TYPES.rule, body: childBody(id, TYPES.rule, props), internal },
    existing,
  );
}

/**
 * A cluster's change to many rules of one NSG as one write (what cloud-provider-azure sends as one
 * NSG PUT): the NSG's rules are listed once, the resulting set is checked once (count, priority per
 * direction, address limits), rules named in `remove` go, and only rules whose properties change are
 * written — an unchanged rule keeps its record and revision. Linear in the NSG's size.
 */
export async function storeRuleSet(
  ctx: ArmContext,
  nsg: ResourceRecord,
  put: { name: string; props: Wire }[],
  remove: string[],
  opts: { managedBy?: string } = {},
): Promise<{ written: number; removed: number }> {
  const slice = slicer();
  const current = await ctx.tx.listResources({ type: TYPES.rule, parentId: nsg.id });
  const byName = new Map(current.map((k) => [nameOf(k.id).toLowerCase(), k]));
  const gone = new Set(remove.map((n) => n.toLowerCase()));
  const wanted = new Map<string, { name: string; path: string; wire: Wire }>();
  for (const r of put) {
    wanted.set(r.name.toLowerCase(), {
      name: r.name,
      path: "properties",
      wire: normalizeRule(r.name, r.props, "properties"),
    });
    gone.delete(r.name.toLowerCase());
    await slice();
  }
  // The set after the change: kept rules, then the written ones.
  const after: { name: string; path: string; wire: Wire }[] = [];
  for (const k of current) {
    const key = nameOf(k.id).toLowerCase();
    if (!gone.has(key) && !wanted.has(key))
      after.push({ name: nameOf(k.id), path: "properties", wire: propsOf(k) });
  }
  after.push(...wanted.values());
  const limit = NETWORK_LIMITS.securityRulesPerNsg;
  if (after.length > limit) throw securityRuleCountLimitReached(limit, "properties");
  const byPriority = new Map<string, string>();
  for (const r of after) {
    const key = `${r.wire.direction}/${r.wire.priority}`;
    const other = byPriority.get(key);
    if (other !== undefined) throw securityRuleConflict(r.name, other, `${r.path}.priority`);
    byPriority.set(key, r.name);
  }
  checkAddressLimits(nsg.id, after);
  let removed = 0;
  for (const key of gone) {
    const rec = byName.get(key);
    if (!rec) continue;
    await removeRule(ctx, rec, managedByOf(rec)); // the internal API is the owner's path
    removed++;
    await slice();
  }
  let written = 0;
  for (const [key, r] of wanted) {
    const existing = byName.get(key) ?? null;
    if (
      existing &&
      fingerprint(propsOf(existing)) === fingerprint(r.wire) &&
      (managedByOf(existing) ?? "").toLowerCase() === (opts.managedBy ?? "").toLowerCase()
    )
      continue;
    await storeRule(ctx, nsg, r.name, r.wire, r.path, {
      skipConflictCheck: true,
      existing,
      ...(opts.managedBy ? { managedBy: opts.managedBy } : {}),
    });
    written++;
    await slice();
  }
  return { written, removed };
}

/** Deletes a rule; a cluster's rule only by that cluster (internal API passes `managedBy`). */
export async function removeRule(ctx: ArmContext, rec: ResourceRecord, byCluster?: string): Promise<void> {
  const owner = managedByOf(rec);
  if (owner && owner.toLowerCase() !== (byCluster ?? "").toLowerCase()) {
    const parent = rec.id.slice(0, rec.id.toLowerCase().lastIndexOf("/securityrules/"));
    throw managedByCluster("SecurityRule", nameOf(rec.id), parent, owner);
  }
  await ctx.tx.deleteResource(rec.id);
}

export async function requireNsg(ctx: ArmContext, nsgId: string): Promise<ResourceRecord> {
  idOfType(nsgId, TYPES.nsg, "networkSecurityGroupId");
  const rec = await ctx.tx.getResource(nsgId);
  if (!rec) throw networkNotFound(TYPES.nsg, nsgId);
  return rec;
}

export const securityRules = makeHandler({
  type: TYPES.rule,
  tracked: false,
  async putWire(ctx, id, body) {
    const nsgId = id.slice(0, id.toLowerCase().lastIndexOf("/securityrules/"));
    const nsg = await requireNsg(ctx, nsgId);
    const name = nameOf(id);
    const props = normalizeRule(name, propertiesOf(asObject(body)), "properties");
    return storeRule(ctx, nsg, name, props, "properties");
  },
  async present(_ctx, rec) {
    return structuredClone(rec.body);
  },
  async remove(ctx, rec, cascade, byCluster) {
    if (cascade) await ctx.tx.deleteResource(rec.id);
    else await removeRule(ctx, rec, byCluster);
  },
});
