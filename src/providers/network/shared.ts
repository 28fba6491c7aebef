// What every Microsoft.Network resource file shares: type names, api-versions, record
// writes, CIDR field parsing with Network's error codes, references between resources,
// allocation pools, and one handler factory so each file holds only its own rules.
//
// Back-references (a subnet's ipConfigurations, a route table's subnets, a prefix's
// publicIPAddresses …) are never stored: they are derived at read time from allocation
// rows or from the records that hold the forward reference, so they cannot drift.
import { type Cidr, formatIp, NetError, parseCidr, parseIp, usableRange } from "../../net/index.js";
import type { ResourceRecord } from "../../store/types.js";
import {
  AVAILABILITY_ZONES,
  asObject,
  checkPreconditions,
  field,
  normalizeLocation,
  readTags,
  requireResourceGroup,
} from "../common.js";
import type { ArmContext } from "../context.js";
import {
  ArmError,
  conflict,
  invalidRequestContent,
  invalidResourceName,
  resourceNotFound,
} from "../errors.js";
import {
  buildId,
  type CollectionRef,
  fullType,
  newEtag,
  parentRef,
  parseResourceId,
  type ResourceRef,
  stableGuid,
} from "../ids.js";
import { completedOperation } from "../operations.js";
import type { ResourceTypeHandler, Wire } from "../registry.js";
import {
  invalidAddressPrefixFormat,
  invalidAvailabilityZone,
  invalidCidrNotation,
  invalidResourceReference,
  linkedWrongType,
  networkNotFound,
} from "./errors.js";

export const NS = "Microsoft.Network";

export const TYPES = {
  vnet: "Microsoft.Network/virtualNetworks",
  subnet: "Microsoft.Network/virtualNetworks/subnets",
  prefix: "Microsoft.Network/publicIPPrefixes",
  pip: "Microsoft.Network/publicIPAddresses",
  nsg: "Microsoft.Network/networkSecurityGroups",
  rule: "Microsoft.Network/networkSecurityGroups/securityRules",
  defaultRule: "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
  asg: "Microsoft.Network/applicationSecurityGroups",
  routeTable: "Microsoft.Network/routeTables",
  route: "Microsoft.Network/routeTables/routes",
  nic: "Microsoft.Network/networkInterfaces",
  lb: "Microsoft.Network/loadBalancers",
  natGateway: "Microsoft.Network/natGateways",
} as const;

/**
 * Real Microsoft.Network api-versions, 2018-11-01 … 2026-01-01: the JS SDK 39 sends
 * 2026-01-01, `az` 2.45 sends 2022-09-01/2022-01-01 for most commands, older tools older ones.
 */
export const NETWORK_API_VERSIONS = [
  "2026-01-01",
  "2025-07-01",
  "2025-05-01",
  "2025-03-01",
  "2025-01-01",
  "2024-10-01",
  "2024-07-01",
  "2024-05-01",
  "2024-03-01",
  "2024-01-01",
  "2023-11-01",
  "2023-09-01",
  "2023-06-01",
  "2023-05-01",
  "2023-04-01",
  "2023-02-01",
  "2022-11-01",
  "2022-09-01",
  "2022-07-01",
  "2022-05-01",
  "2022-01-01",
  "2021-08-01",
  "2021-05-01",
  "2021-03-01",
  "2021-02-01",
  "2020-11-01",
  "2020-08-01",
  "2020-07-01",
  "2020-06-01",
  "2020-05-01",
  "2020-04-01",
  "2020-03-01",
  "2019-12-01",
  "2019-11-01",
  "2019-09-01",
  "2019-08-01",
  "2019-07-01",
  "2019-06-01",
  "2019-04-01",
  "2019-02-01",
  "2018-12-01",
  "2018-11-01",
  "2018-10-01",
  "2018-08-01",
  "2018-07-01",
  "2018-06-01",
  "2018-04-01",
  "2018-02-01",
  "2018-01-01",
  "2017-11-01",
  "2017-10-01",
  "2017-09-01",
  "2017-08-01",
  "2017-06-01",
  "2017-03-01",
] as const;

// ---- allocation pools -------------------------------------------------------------------------

/** Addresses of a subnet: item = address, owner = ip configuration (or caller-chosen) id. */
export const subnetPool = (subnetId: string) => `subnet:${subnetId.toLowerCase()}`;
/** Addresses of a public IP prefix handed to public IPs: owner = public IP id. */
export const prefixPool = (prefixId: string) => `prefix:${prefixId.toLowerCase()}`;
/** The emulated public address space: owner = prefix id or stand-alone public IP id. */
export const publicPool = (family: "IPv4" | "IPv6") => `public:${family}`;
/** At most one holder per public IP (item "holder"): owner = NIC ipconfig / LB frontend id. */
export const attachPool = (pipId: string) => `pipattach:${pipId.toLowerCase()}`;
export const ATTACH_ITEM = "holder";
/** At most one NAT gateway per public IP prefix (item "holder"): owner = NAT gateway id. */
export const prefixAttachPool = (prefixId: string) => `prefixattach:${prefixId.toLowerCase()}`;

/** Distinct owners of a pool, ordered by their lowest address (stable, deterministic). */
export async function poolOwners(ctx: ArmContext, pool: string): Promise<string[]> {
  const rows = await ctx.tx.listAllocations(pool);
  const first = new Map<string, bigint>();
  for (const r of rows) {
    const v = addressValue(r.item);
    const cur = first.get(r.owner);
    if (cur === undefined || v < cur) first.set(r.owner, v);
  }
  return [...first.entries()].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)).map(([o]) => o);
}

function addressValue(item: string): bigint {
  try {
    return parseIp(item).value;
  } catch {
    return 0n;
  }
}

/**
 * The `count` lowest free addresses over `ranges` (in order), or undefined when fewer are
 * free. Walks each range once, so allocating n of m taken costs O(n + m).
 */
export function lowestFreeAddresses(
  ranges: readonly Cidr[],
  taken: ReadonlySet<bigint>,
  count: number,
  reserveAzure: boolean,
): bigint[] | undefined {
  const out: bigint[] = [];
  if (count <= 0) return out;
  for (const range of ranges) {
    const u = usableRange(range, { reserveAzure });
    if (!u) continue;
    for (let a = u.first; a <= u.last; a++) {
      if (taken.has(a)) continue;
      out.push(a);
      if (out.length === count) return out;
    }
  }
  return undefined;
}

/** Takes every item for `owner`; a row someone else holds is a retryable conflict (store race). */
export async function takeAll(ctx: ArmContext, pool: string, items: string[], owner: string): Promise<void> {
  for (const item of items) {
    if (!(await ctx.tx.allocate(pool, item, owner)))
      throw conflict(
        "AllocationConflict",
        `Address ${item} was taken by a concurrent request; retry the operation.`,
      );
  }
}

export const fmt = (v: bigint, c: Cidr) => formatIp(v, c.family);

// ---- record writes ---------------------------------------------------------------------------

export interface SaveInput {
  id: string;
  type: string;
  body: Wire;
  internal?: Record<string, unknown>;
}

/** Writes a record with a fresh ETag (also shown in the body, as Network does). */
export async function saveRecord(ctx: ArmContext, input: SaveInput, existing?: ResourceRecord) {
  const ref = parseResourceId(input.id);
  const parent = parentRef(ref);
  const etag = newEtag();
  const body: Wire = { ...input.body, etag };
  const record: ResourceRecord = {
    id: existing?.id ?? input.id,
    type: input.type,
    subscriptionId: ref.subscriptionId,
    resourceGroup: ref.resourceGroup,
    ...(parent ? { parentId: existing?.parentId ?? buildId(parent) } : {}),
    body,
    internal: input.internal ?? existing?.internal,
    etag,
  };
  if (existing?.seq !== undefined) record.seq = existing.seq;
  await ctx.tx.putResource(record);
  return record;
}

/** Top-level (tracked) resource body skeleton; `properties` first filled by the caller. */
export function trackedBody(
  id: string,
  type: string,
  location: string,
  tags: Record<string, string> | undefined,
  properties: Wire,
  extra: Wire = {},
): Wire {
  const ref = parseResourceId(id);
  return {
    name: ref.names[ref.names.length - 1],
    id,
    type,
    location,
    ...(tags ? { tags } : {}),
    ...extra,
    properties: { provisioningState: "Succeeded", resourceGuid: stableGuid(id), ...properties },
  };
}

export function childBody(id: string, type: string, properties: Wire): Wire {
  const ref = parseResourceId(id);
  return {
    name: ref.names[ref.names.length - 1],
    id,
    type,
    properties: { provisioningState: "Succeeded", ...properties },
  };
}

export function propsOf(rec: { body: Wire }): Wire {
  return (rec.body.properties as Wire | undefined) ?? {};
}

export function refIdOf(v: unknown): string | undefined {
  if (v && typeof v === "object" && typeof (v as { id?: unknown }).id === "string")
    return (v as { id: string }).id;
  return undefined;
}

export function nameOf(id: string): string {
  const ref = parseResourceId(id);
  return ref.names[ref.names.length - 1];
}

// ---- names and ids ---------------------------------------------------------------------------

const NAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/;

export function checkName(name: string, type: string): void {
  if (!NAME_RE.test(name))
    throw invalidResourceName(
      name,
      type,
      "The name must be 1-80 characters: letters, digits, '_', '.', '-'; it must start with a letter or digit and end with a letter, digit or '_'.",
    );
}

/** Parses an id given to an internal call or a reference, checking its type. */
export function idOfType(id: string, type: string, target: string): ResourceRef {
  const ref = parseResourceId(id, target);
  if (fullType(ref).toLowerCase() !== type.toLowerCase()) throw linkedWrongType(id, type, target);
  return ref;
}

/** The referenced record, or InvalidResourceReference naming both ends. */
export async function requireReferenced(
  ctx: ArmContext,
  id: string,
  type: string,
  by: string,
  target: string,
): Promise<ResourceRecord> {
  idOfType(id, type, target);
  const rec = await ctx.tx.getResource(id);
  if (!rec) throw invalidResourceReference(id, by, target);
  return rec;
}

// ---- CIDR fields -----------------------------------------------------------------------------

/**
 * Parses a prefix the way Network does: canonical CIDR only. Garbage and out-of-range
 * lengths → InvalidAddressPrefixFormat; host bits set → InvalidCIDRNotation naming the
 * canonical form.
 */
export function parsePrefixField(value: unknown, resourceId: string, target: string): Cidr {
  if (typeof value !== "string" || value.length === 0)
    throw invalidAddressPrefixFormat(String(value), resourceId, target);
  try {
    return parseCidr(value, { requireCanonical: true });
  } catch (e) {
    if (e instanceof NetError && e.reason === "HostBitsSet" && e.canonical)
      throw invalidCidrNotation(value, resourceId, e.canonical, target);
    throw invalidAddressPrefixFormat(value, resourceId, target);
  }
}

// ---- handler factory --------------------------------------------------------------------------

export interface NetworkKind {
  type: string;
  cascadeOrder?: number;
  /** Validates the wire body and writes the resource (and its children); returns the record. */
  putWire(
    ctx: ArmContext,
    id: string,
    body: Record<string, unknown>,
    existing?: ResourceRecord,
  ): Promise<ResourceRecord>;
  /** Stored body plus everything derived at read time. */
  present(ctx: ArmContext, rec: ResourceRecord): Promise<Wire>;
  /**
   * Checks, releases and deletes (children too). `cascade` is set by purge; `byCluster`
   * by a cluster deleting what it owns through the internal API.
   */
  remove(ctx: ArmContext, rec: ResourceRecord, cascade: boolean, byCluster?: string): Promise<void>;
  /** Tags PATCH supported (top-level types). */
  tracked: boolean;
}

function notFoundFor(ref: ResourceRef): ArmError {
  const type = fullType(ref);
  if (ref.types.length === 1) return resourceNotFound(type, ref.names[0], ref.resourceGroup);
  return networkNotFound(type, buildId(ref));
}

async function requireScope(ctx: ArmContext, ref: { subscriptionId: string; resourceGroup?: string }) {
  await requireResourceGroup(ctx, ref);
}

async function requireParentOf(ctx: ArmContext, ref: ResourceRef): Promise<void> {
  const parent = parentRef(ref);
  if (!parent) return;
  if (!(await ctx.tx.getResource(buildId(parent)))) throw notFoundFor(parent);
}

const KINDS = new Map<string, NetworkKind>();

/** The kind behind a Network type (for deleteNetworkResource), once its module is loaded. */
export function networkKindOf(type: string): NetworkKind | undefined {
  return KINDS.get(type.toLowerCase());
}

export function makeHandler(kind: NetworkKind): ResourceTypeHandler {
  KINDS.set(kind.type.toLowerCase(), kind);
  const location = async (ctx: ArmContext, rec: ResourceRecord) => {
    if (typeof rec.body.location === "string") return rec.body.location;
    const top = parseResourceId(rec.id);
    const parent = await ctx.tx.getResource(
      buildId({ ...top, types: top.types.slice(0, 1), names: top.names.slice(0, 1) }),
    );
    return typeof parent?.body.location === "string" ? parent.body.location : ctx.settings.locations[0];
  };
  return {
    type: kind.type,
    apiVersions: NETWORK_API_VERSIONS,
    scope: "resourceGroup",
    cascadeOrder: kind.cascadeOrder,

    async get(ctx, ref) {
      await requireScope(ctx, ref);
      await requireParentOf(ctx, ref);
      const rec = await ctx.tx.getResource(buildId(ref));
      if (!rec) throw notFoundFor(ref);
      return kind.present(ctx, rec);
    },

    async list(ctx, coll: CollectionRef) {
      if (coll.resourceGroup) await requireScope(ctx, coll);
      let recs: ResourceRecord[];
      if (coll.names.length > 0) {
        const parentId = buildId({ ...coll, types: coll.types.slice(0, -1), names: coll.names });
        if (!(await ctx.tx.getResource(parentId)))
          throw notFoundFor({ ...coll, types: coll.types.slice(0, -1), names: coll.names });
        recs = await ctx.tx.listResources({ type: kind.type, parentId });
      } else {
        recs = await ctx.tx.listResources({
          type: kind.type,
          subscriptionId: coll.subscriptionId,
          resourceGroup: coll.resourceGroup,
        });
      }
      const out: Wire[] = [];
      for (const r of recs) out.push(await kind.present(ctx, r));
      return out;
    },

    async put(ctx, ref, raw, pre) {
      await requireScope(ctx, ref);
      await requireParentOf(ctx, ref);
      checkName(ref.names[ref.names.length - 1], kind.type);
      const id = buildId(ref);
      const existing = await ctx.tx.getResource(id);
      checkPreconditions(existing, pre);
      const input = asObject(raw);
      // ARM checks a tracked resource's location before the resource provider sees the body.
      if (kind.tracked) normalizeLocation(ctx, input.location);
      const rec = await kind.putWire(ctx, id, input, existing);
      const body = await kind.present(ctx, rec);
      const operation = await completedOperation(ctx, {
        namespace: NS,
        location: await location(ctx, rec),
        target: rec.id,
      });
      return { created: !existing, body, operation };
    },

    ...(kind.tracked
      ? {
          async patch(ctx: ArmContext, ref: ResourceRef, raw: unknown, pre) {
            await requireScope(ctx, ref);
            const existing = await ctx.tx.getResource(buildId(ref));
            if (!existing) throw notFoundFor(ref);
            checkPreconditions(existing, pre);
            const body = asObject(raw);
            const tags = readTags(body);
            const next = { ...existing.body };
            if (tags !== undefined) next.tags = tags;
            const rec = await saveRecord(ctx, { id: existing.id, type: kind.type, body: next }, existing);
            return { created: false, body: await kind.present(ctx, rec) };
          },
        }
      : {}),

    async delete(ctx, ref, pre) {
      await requireScope(ctx, ref);
      const rec = await ctx.tx.getResource(buildId(ref));
      if (!rec) return { existed: false };
      checkPreconditions(rec, pre);
      const loc = await location(ctx, rec);
      await kind.remove(ctx, rec, false);
      const operation = await completedOperation(
        ctx,
        { namespace: NS, location: loc, target: rec.id, result: "empty" },
        204,
      );
      return { existed: true, operation };
    },

    async purge(ctx, ref) {
      const rec = await ctx.tx.getResource(buildId(ref));
      if (rec) await kind.remove(ctx, rec, true);
    },
  };
}

// ---- small wire readers ----------------------------------------------------------------------

export function readIpTags(
  props: Record<string, unknown>,
  path: string,
): { ipTagType: string; tag: string }[] {
  const arr = field.array(props, "ipTags", path) ?? [];
  return arr.map((t, i) => {
    const o = asObject(t, `${path}[${i}]`);
    const ipTagType = field.string(o, "ipTagType", `${path}[${i}].ipTagType`);
    const tag = field.string(o, "tag", `${path}[${i}].tag`);
    if (!ipTagType || !tag)
      throw invalidRequestContent(`'${path}[${i}]' needs both 'ipTagType' and 'tag'.`, `${path}[${i}]`);
    return { ipTagType, tag };
  });
}

/** `[{id}]` list of references. */
export function readRefList(obj: Record<string, unknown>, key: string, path: string): string[] {
  const arr = field.array(obj, key, path) ?? [];
  return arr.map((v, i) => {
    const o = asObject(v, `${path}[${i}]`);
    const id = field.string(o, "id", `${path}[${i}].id`);
    if (!id) throw invalidRequestContent(`'${path}[${i}].id' is required.`, `${path}[${i}].id`);
    return id;
  });
}

/** Named sub-resource entries (`[{name, properties}]`) of a body, e.g. inline subnets. */
export function readNamedEntries(
  props: Record<string, unknown>,
  key: string,
  path: string,
): { name: string; props: Record<string, unknown>; path: string }[] | undefined {
  const arr = field.array(props, key, path);
  if (!arr) return undefined;
  const seen = new Set<string>();
  return arr.map((v, i) => {
    const o = asObject(v, `${path}[${i}]`);
    const name = field.string(o, "name", `${path}[${i}].name`);
    if (!name) throw invalidRequestContent(`'${path}[${i}].name' is required.`, `${path}[${i}].name`);
    if (seen.has(name.toLowerCase()))
      throw invalidRequestContent(`'${path}' names '${name}' twice.`, `${path}[${i}].name`);
    seen.add(name.toLowerCase());
    const p = o.properties;
    const properties = p === undefined || p === null ? {} : asObject(p, `${path}[${i}].properties`);
    return { name, props: properties, path: `${path}[${i}].properties` };
  });
}

/** Internal error for impossible states (never user input). */
export const internal = (msg: string) => new ArmError(500, "InternalError", msg);

/** A zonal resource's `zones` must name zones its region has. */
export function checkZones(id: string, zones: readonly string[] | undefined, location: string): void {
  const unknown = (zones ?? []).filter((z) => !AVAILABILITY_ZONES.includes(z));
  if (unknown.length === 0) return;
  const ref = parseResourceId(id);
  const resource = `${fullType(ref)}/${ref.names[ref.names.length - 1]}`;
  throw invalidAvailabilityZone(unknown, resource, location, AVAILABILITY_ZONES);
}

/** A tracked resource keeps its region; ARM refuses a PUT that moves it. */
export function checkSameLocation(existing: ResourceRecord | undefined, location: string): void {
  if (existing && typeof existing.body.location === "string" && existing.body.location !== location) {
    const ref = parseResourceId(existing.id);
    throw new ArmError(
      409,
      "InvalidResourceLocation",
      `The resource '${ref.names[ref.names.length - 1]}' already exists in location '${existing.body.location}' in resource group '${ref.resourceGroup}'. A resource with the same name cannot be created in location '${location}'. Please select a new resource name.`,
      "location",
    );
  }
}

/** Referenced resources must live in the same region as the resource referring to them. */
export function checkSameRegion(
  referenced: ResourceRecord,
  location: string,
  by: string,
  target: string,
): void {
  const loc = referenced.body.location;
  if (typeof loc === "string" && loc !== location) throw invalidResourceReference(referenced.id, by, target);
}
