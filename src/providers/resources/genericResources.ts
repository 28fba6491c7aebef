// Microsoft.Resources' generic listing: `GET /subscriptions/{s}/resources` and
// `GET /subscriptions/{s}/resourceGroups/{rg}/resources` (ResourceManagementClient
// `resources.list` / `listByResourceGroup`, `az resource list`). ARM lists the tracked
// (top-level) resources inside resource groups — not child resources, not extension
// resources, not the groups themselves — as GenericResourceExpanded, and filters them with
// an OData-like `$filter`; resource groups' list takes `tagName`/`tagValue` filters too.
import type { ResourceRecord } from "../../store/types.js";
import { requireResourceGroup } from "../common.js";
import type { ArmContext } from "../context.js";
import { badRequest } from "../errors.js";
import { parseResourceId } from "../ids.js";
import type { Wire } from "../registry.js";

type Clause =
  | { kind: "eq"; field: string; value: string }
  | { kind: "substringof"; field: string; value: string }
  | { kind: "startswith"; field: string; value: string };

const invalidFilter = (filter: string, why: string) =>
  badRequest(
    "InvalidFilterInQueryString",
    `Invalid $filter '${filter}' specified in the query string: ${why}`,
    "$filter",
  );

const quoted = "'((?:[^']|'')*)'";
const EQ_RE = new RegExp(String.raw`^([A-Za-z]+)\s+eq\s+${quoted}$`, "i");
const SUBSTRINGOF_RE = new RegExp(String.raw`^substringof\(\s*${quoted}\s*,\s*([A-Za-z]+)\s*\)$`, "i");
const STARTSWITH_RE = new RegExp(String.raw`^startswith\(\s*([A-Za-z]+)\s*,\s*${quoted}\s*\)$`, "i");

/** Parses `a eq 'x' and substringof('y', name) and startswith(tagName, 'z')`. */
export function parseFilter(filter: string | undefined, fields: readonly string[]): Clause[] {
  if (filter === undefined || filter.trim() === "") return [];
  const unquote = (s: string) => s.replace(/''/g, "'");
  const parts = filter.trim().split(/\s+and\s+(?=(?:[^']*'[^']*')*[^']*$)/i);
  return parts.map((raw) => {
    const p = raw
      .trim()
      .replace(/^\((.*)\)$/, "$1")
      .trim();
    const eqM = EQ_RE.exec(p);
    const subM = SUBSTRINGOF_RE.exec(p);
    const startM = STARTSWITH_RE.exec(p);
    const c: Clause | undefined = eqM
      ? { kind: "eq", field: eqM[1], value: unquote(eqM[2]) }
      : subM
        ? { kind: "substringof", field: subM[2], value: unquote(subM[1]) }
        : startM
          ? { kind: "startswith", field: startM[1], value: unquote(startM[2]) }
          : undefined;
    if (!c) throw invalidFilter(filter, `the expression '${p}' is not supported.`);
    const known = fields.find((f) => f.toLowerCase() === c.field.toLowerCase());
    if (!known)
      throw invalidFilter(
        filter,
        `'${c.field}' is not a supported property; use one of ${fields.join(", ")}.`,
      );
    return { ...c, field: known };
  });
}

const tagsOf = (body: Wire): Record<string, string> =>
  body.tags && typeof body.tags === "object" ? (body.tags as Record<string, string>) : {};

/**
 * Whether a body passes every clause. `tagName` with `tagValue` match one tag together;
 * the other fields compare case-insensitively (`location` ignores spaces, as ARM does).
 */
export function matches(body: Wire, clauses: Clause[], extra: Record<string, string> = {}): boolean {
  const tagName = clauses.find((c) => c.field === "tagName");
  const tagValue = clauses.find((c) => c.field === "tagValue");
  const tags = tagsOf(body);
  if (tagName || tagValue) {
    const hit = Object.entries(tags).some(([k, v]) => {
      const kl = k.toLowerCase();
      const nameOk =
        !tagName ||
        (tagName.kind === "startswith"
          ? kl.startsWith(tagName.value.toLowerCase())
          : tagName.kind === "substringof"
            ? kl.includes(tagName.value.toLowerCase())
            : kl === tagName.value.toLowerCase());
      const valueOk =
        !tagValue ||
        (tagValue.kind === "startswith"
          ? v.toLowerCase().startsWith(tagValue.value.toLowerCase())
          : tagValue.kind === "substringof"
            ? v.toLowerCase().includes(tagValue.value.toLowerCase())
            : v.toLowerCase() === tagValue.value.toLowerCase());
      return nameOk && valueOk;
    });
    if (!hit) return false;
  }
  for (const c of clauses) {
    if (c.field === "tagName" || c.field === "tagValue") continue;
    const norm = (s: string) => (c.field === "location" ? s.replace(/\s+/g, "") : s).toLowerCase();
    const actual = norm(String(extra[c.field] ?? body[c.field] ?? ""));
    const want = norm(c.value);
    const ok =
      c.kind === "eq"
        ? actual === want
        : c.kind === "startswith"
          ? actual.startsWith(want)
          : actual.includes(want);
    if (!ok) return false;
  }
  return true;
}

const RESOURCE_FIELDS = ["resourceType", "name", "location", "resourceGroup", "tagName", "tagValue"] as const;
export const GROUP_FIELDS = ["tagName", "tagValue", "name", "location"] as const;

/** GenericResourceExpanded: what ARM's resource list shows of a tracked resource. */
function genericWire(rec: ResourceRecord, expand: string[]): Wire {
  const b = rec.body;
  const out: Wire = {
    id: rec.id,
    name: b.name ?? parseResourceId(rec.id).names[0],
    type: b.type ?? rec.type,
  };
  for (const k of ["sku", "kind", "location", "extendedLocation", "managedBy", "plan", "identity", "tags"])
    if (b[k] !== undefined && b[k] !== null) out[k] = b[k];
  if (expand.includes("provisioningstate")) {
    const state = (b.properties as { provisioningState?: unknown } | undefined)?.provisioningState;
    out.provisioningState = typeof state === "string" ? state : "Succeeded";
  }
  return out;
}

/** Tracked resources in a subscription or one of its groups, filtered as `$filter` asks. */
export async function listGenericResources(ctx: ArmContext, resourceGroup?: string): Promise<Wire[]> {
  const clauses = parseFilter(ctx.query.$filter, RESOURCE_FIELDS);
  const expand = (ctx.query.$expand ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  let prefix = `/subscriptions/${ctx.subscriptionId}/resourceGroups/`;
  if (resourceGroup !== undefined) {
    const rg = await requireResourceGroup(ctx, { subscriptionId: ctx.subscriptionId, resourceGroup });
    prefix = `${rg.id}/providers/`;
  }
  const out: Wire[] = [];
  for (const rec of await ctx.tx.listResourcesUnder(prefix)) {
    if (rec.parentId || !rec.resourceGroup) continue;
    let ref: ReturnType<typeof parseResourceId>;
    try {
      ref = parseResourceId(rec.id);
    } catch {
      continue;
    }
    if (ref.scope || ref.types.length !== 1) continue;
    const extra = { resourceType: rec.type, resourceGroup: rec.resourceGroup };
    if (!matches(rec.body, clauses, extra)) continue;
    out.push(genericWire(rec, expand));
  }
  return out;
}
