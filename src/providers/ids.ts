// ARM resource ids: parsing and building. An id is
//   /subscriptions/{s}[/resourceGroups/{rg}]/providers/{ns}/{type}/{name}[/{type}/{name}…]
// Comparisons are case-insensitive; ids keep the casing they were created with.
import { createHash, randomUUID } from "node:crypto";
import { badRequest } from "./errors.js";

export interface ResourceRef {
  /** For extension resources (e.g. a role assignment on a VNet): the id they are attached to. */
  scope?: string;
  subscriptionId: string;
  resourceGroup?: string;
  namespace: string;
  /** Type segments below the namespace, e.g. ["virtualNetworks", "subnets"]. */
  types: string[];
  /** One name per type segment. */
  names: string[];
}

/** A collection: like a ref, but the last type segment has no name (a list). */
export interface CollectionRef {
  scope?: string;
  subscriptionId: string;
  resourceGroup?: string;
  namespace: string;
  types: string[];
  /** Names of the parents: types.length - 1 entries. */
  names: string[];
}

export function fullType(ref: { namespace: string; types: string[] }): string {
  return [ref.namespace, ...ref.types].join("/");
}

export function scopePrefix(ref: { scope?: string; subscriptionId: string; resourceGroup?: string }): string {
  if (ref.scope) return ref.scope;
  return ref.resourceGroup
    ? `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}`
    : `/subscriptions/${ref.subscriptionId}`;
}

export function buildId(ref: ResourceRef): string {
  let id = `${scopePrefix(ref)}/providers/${ref.namespace}`;
  ref.types.forEach((t, i) => {
    id += `/${t}/${ref.names[i]}`;
  });
  return id;
}

export function parentRef(ref: ResourceRef): ResourceRef | undefined {
  if (ref.types.length < 2) return undefined;
  return { ...ref, types: ref.types.slice(0, -1), names: ref.names.slice(0, -1) };
}

export function lastName(ref: { names: string[] }): string {
  return ref.names[ref.names.length - 1];
}

/** Parses a full resource id; throws LinkedInvalidPropertyId naming `field` when it is not one. */
export function parseResourceId(id: string, field = "id"): ResourceRef {
  const segs = id.split("/").filter((s) => s.length > 0);
  const fail = () =>
    badRequest(
      "LinkedInvalidPropertyId",
      `Property id '${id}' at path '${field}' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'.`,
      field,
    );
  if (segs.length < 2 || segs[0].toLowerCase() !== "subscriptions") throw fail();
  const subscriptionId = segs[1];
  let i = 2;
  let resourceGroup: string | undefined;
  if (segs[i]?.toLowerCase() === "resourcegroups") {
    resourceGroup = segs[i + 1];
    if (!resourceGroup) throw fail();
    i += 2;
  }
  if (segs[i]?.toLowerCase() !== "providers" || !segs[i + 1]) throw fail();
  // Extension resources repeat `/providers/{ns}/…` after a full resource id: the part
  // before the last such repetition is their scope.
  let scope: string | undefined;
  let k = i;
  // (At least one type/name pair must stand between, which keeps Microsoft.Features'
  // own `providers/{ns}/features/{f}` type chain intact.)
  for (let j = i + 4; j < segs.length; j += 2) {
    if (segs[j].toLowerCase() === "providers" && j + 1 < segs.length && j >= k + 4) {
      scope = `/${segs.slice(0, j).join("/")}`;
      k = j;
    }
  }
  const namespace = segs[k + 1];
  const rest = segs.slice(k + 2);
  if (rest.length === 0 || rest.length % 2 !== 0) throw fail();
  const types: string[] = [];
  const names: string[] = [];
  for (let j = 0; j < rest.length; j += 2) {
    types.push(rest[j]);
    names.push(rest[j + 1]);
  }
  if (scope) return { scope, subscriptionId, resourceGroup, namespace, types, names };
  return { subscriptionId, resourceGroup, namespace, types, names };
}

/** True when the id parses and has the expected full type (case-insensitive). */
export function isIdOfType(id: string, type: string): boolean {
  try {
    return fullType(parseResourceId(id)).toLowerCase() === type.toLowerCase();
  } catch {
    return false;
  }
}

export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** Deterministic GUID from a seed: the same script yields the same ids run after run. */
export function stableGuid(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("\u0000").toLowerCase()).digest("hex");
  // Version-4 shape (random-looking), variant bits set, so clients that validate GUIDs accept it.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((Number.parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function newGuid(): string {
  return randomUUID();
}

/** Network-style weak ETag. */
export function newEtag(): string {
  return `W/"${randomUUID()}"`;
}
