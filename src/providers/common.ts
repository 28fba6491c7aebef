// Checks and helpers every resource provider shares: request-body shape, resource group
// existence, locations, tags, ETag preconditions, listing. Keeping them here means each
// provider file holds only what is particular to its resource type.
import type { ResourceRecord } from "../store/types.js";
import type { ArmContext, Preconditions } from "./context.js";
import {
  ArmError,
  invalidLocation,
  invalidRequestContent,
  locationRequired,
  parentResourceNotFound,
  preconditionFailed,
  resourceGroupNotFound,
} from "./errors.js";
import { buildId, type CollectionRef, fullType, parentRef, type ResourceRef } from "./ids.js";

export const RESOURCE_GROUP_TYPE = "Microsoft.Resources/resourceGroups";

export function rgId(subscriptionId: string, rg: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${rg}`;
}

/** The resource group record, or ResourceGroupNotFound. */
export async function requireResourceGroup(
  ctx: ArmContext,
  ref: { subscriptionId: string; resourceGroup?: string },
) {
  if (!ref.resourceGroup) throw resourceGroupNotFound("");
  const rg = await ctx.tx.getResource(rgId(ref.subscriptionId, ref.resourceGroup));
  if (!rg) throw resourceGroupNotFound(ref.resourceGroup);
  return rg;
}

/** The body must be a JSON object. */
export function asObject(body: unknown, what = "request body"): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== "object" || Array.isArray(body)) {
    throw invalidRequestContent(
      `The ${what} must be a JSON object.`,
      what === "request body" ? undefined : what,
    );
  }
  return body as Record<string, unknown>;
}

/** `properties` of a body, checked to be an object when present. */
export function propertiesOf(body: Record<string, unknown>): Record<string, unknown> {
  const p = body.properties;
  if (p === undefined || p === null) return {};
  if (typeof p !== "object" || Array.isArray(p))
    throw invalidRequestContent("The 'properties' must be a JSON object.", "properties");
  return p as Record<string, unknown>;
}

const typeName = (v: unknown) => (Array.isArray(v) ? "array" : v === null ? "null" : typeof v);

/** Typed field readers: a wrong type is a 400 that names the field. */
export const field = {
  string(obj: Record<string, unknown>, key: string, path: string): string | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string")
      throw invalidRequestContent(
        `Invalid value for '${path}': expected a string, got ${typeName(v)}.`,
        path,
      );
    return v;
  },
  int(obj: Record<string, unknown>, key: string, path: string): number | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v))
      throw invalidRequestContent(
        `Invalid value for '${path}': expected an integer, got ${typeName(v)} ${JSON.stringify(v)}.`,
        path,
      );
    return v;
  },
  bool(obj: Record<string, unknown>, key: string, path: string): boolean | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "boolean")
      throw invalidRequestContent(
        `Invalid value for '${path}': expected a boolean, got ${typeName(v)}.`,
        path,
      );
    return v;
  },
  array(obj: Record<string, unknown>, key: string, path: string): unknown[] | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v))
      throw invalidRequestContent(
        `Invalid value for '${path}': expected an array, got ${typeName(v)}.`,
        path,
      );
    return v;
  },
  object(obj: Record<string, unknown>, key: string, path: string): Record<string, unknown> | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "object" || Array.isArray(v))
      throw invalidRequestContent(
        `Invalid value for '${path}': expected an object, got ${typeName(v)}.`,
        path,
      );
    return v as Record<string, unknown>;
  },
  /** `{id}` sub-resource reference. */
  ref(obj: Record<string, unknown>, key: string, path: string): string | undefined {
    const o = field.object(obj, key, path);
    if (!o) return undefined;
    const id = field.string(o, "id", `${path}.id`);
    if (!id) throw invalidRequestContent(`'${path}.id' is required.`, `${path}.id`);
    return id;
  },
  /** Case-insensitive enum; returns the canonical spelling. */
  enumOf<T extends string>(
    obj: Record<string, unknown>,
    key: string,
    path: string,
    allowed: readonly T[],
  ): T | undefined {
    const v = field.string(obj, key, path);
    if (v === undefined) return undefined;
    const hit = allowed.find((a) => a.toLowerCase() === v.toLowerCase());
    if (!hit)
      throw invalidRequestContent(
        `Invalid value '${v}' for '${path}'. Allowed values are: ${allowed.join(", ")}.`,
        path,
      );
    return hit;
  },
};

/** Canonical region name: "East US" → "eastus". Unknown regions are refused like ARM does. */
export function normalizeLocation(ctx: ArmContext, value: unknown, required = true): string | undefined {
  if (value === undefined || value === null || value === "") {
    if (required) throw locationRequired();
    return undefined;
  }
  if (typeof value !== "string") throw invalidRequestContent("The 'location' must be a string.", "location");
  const loc = value.replace(/\s+/g, "").toLowerCase();
  if (!ctx.settings.locations.includes(loc)) throw invalidLocation(value, ctx.settings.locations);
  return loc;
}

export function readTags(body: Record<string, unknown>): Record<string, string> | undefined {
  const tags = body.tags;
  if (tags === undefined || tags === null) return undefined;
  if (typeof tags !== "object" || Array.isArray(tags))
    throw invalidRequestContent("The 'tags' must be an object.", "tags");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) {
    if (typeof v !== "string") throw invalidRequestContent(`Tag '${k}' must have a string value.`, "tags");
    if (k.length > 512 || v.length > 256)
      throw invalidRequestContent(
        `Tag '${k}' is too long (names 512, values 256 characters at most).`,
        "tags",
      );
    out[k] = v;
  }
  if (Object.keys(out).length > 50)
    throw invalidRequestContent("At most 50 tags are allowed on a resource.", "tags");
  return out;
}

/**
 * ETag preconditions, checked inside the transaction so they are atomic with the write.
 * (Both headers at once is rejected earlier, by the protocol layer.)
 */
export function checkPreconditions(existing: { etag: string } | undefined, pre: Preconditions): void {
  const { ifMatch, ifNoneMatch } = pre;
  if (ifMatch !== undefined && ifMatch !== "") {
    if (!existing) throw preconditionFailed("The resource does not exist (If-Match).");
    if (ifMatch !== "*" && !etagMatches(ifMatch, existing.etag))
      throw preconditionFailed(`If-Match '${ifMatch}' does not match the current ETag '${existing.etag}'.`);
  }
  if (ifNoneMatch === "*" && existing)
    throw preconditionFailed("The resource already exists (If-None-Match: *).");
}

function etagMatches(header: string, etag: string): boolean {
  const strip = (s: string) => s.trim().replace(/^W\//, "").replace(/^"|"$/g, "");
  return header.split(",").some((h) => strip(h) === strip(etag));
}

/** Existing parent record of a child ref, or ParentResourceNotFound. */
export async function requireParent(ctx: ArmContext, ref: ResourceRef): Promise<ResourceRecord> {
  const parent = parentRef(ref);
  if (!parent) throw new ArmError(500, "InternalError", "requireParent on a top-level resource");
  const record = await ctx.tx.getResource(buildId(parent));
  if (!record)
    throw parentResourceNotFound(fullType(parent), parent.names[parent.names.length - 1], ref.resourceGroup);
  return record;
}

/** Records of one type in a collection scope (resource group, subscription or parent). */
export async function listRecords(ctx: ArmContext, coll: CollectionRef): Promise<ResourceRecord[]> {
  const type = fullType(coll);
  if (coll.names.length > 0) {
    const parentId = buildId({ ...coll, types: coll.types.slice(0, -1), names: coll.names });
    return ctx.tx.listResources({ type, parentId });
  }
  if (coll.resourceGroup) await requireResourceGroup(ctx, coll);
  return ctx.tx.listResources({
    type,
    subscriptionId: coll.subscriptionId,
    resourceGroup: coll.resourceGroup,
  });
}

/** The zones of a zonal Azure region: every one has three, named "1" to "3". */
export const AVAILABILITY_ZONES: readonly string[] = ["1", "2", "3"];
