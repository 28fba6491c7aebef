// What az does to a result before printing it, and its output formats.
//
// az commands return SDK model objects (or AAZ dicts), which `todict` turns into JSON: the
// ARM `properties` bag is flattened into the object (x-ms-client-flatten), SDK-based commands
// rename keys to camelCase of their Python attribute names (vnetSubnetID → vnetSubnetId), a
// global transform adds `resourceGroup` parsed from every `id`, and knack's formatters print
// json (sorted keys, 2-space indent), jsonc, yaml, tsv, table (tabulate "simple") or nothing.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * "aaz": flatten properties, keep wire names (network commands, which az generates from the REST spec).
 * "sdk": flatten properties and rename keys like the Python SDK models (aks, identity, role, vmss).
 * "raw": print the body as it is (resource groups, features, providers, subscriptions).
 */
export type OutputStyle = "aaz" | "sdk" | "raw";

// Types whose `properties` the SDK models keep nested.
const KEEP_PROPERTIES_TYPES = [/^microsoft\.resources\/resourcegroups$/i, /^microsoft\.features\//i];

// Free-form dictionaries: their keys are data, not attribute names.
const MAP_FIELDS = new Set([
  "tags",
  "userAssignedIdentities",
  "addonProfiles",
  "config",
  "nodeLabels",
  "identityProfile",
  "delegatedResources",
  "labels",
  "annotations",
  "customHeaders",
  "patchVersions",
]);

/** Autorest (modelerfour) snake_case of a wire name: managedOutboundIPs → managed_outbound_i_ps. */
export function sdkSnake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

/** azure-cli's to_camel_case on a Python attribute name. */
export function cliCamel(snake: string): string {
  return snake.replace(/[^0-9a-zA-Z_]+/g, "").replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function sdkKey(wire: string): string {
  return cliCamel(sdkSnake(wire));
}

function flattenObject(o: JsonObject): JsonObject {
  const props = o.properties;
  if (!isObject(props)) return o;
  const type = typeof o.type === "string" ? o.type : "";
  if (KEEP_PROPERTIES_TYPES.some((re) => re.test(type))) return o;
  // Only ARM resources and sub-resources carry a flattened bag.
  if (!("id" in o) && !("name" in o) && !("type" in o) && !("etag" in o)) return o;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) if (k !== "properties") out[k] = v;
  for (const [k, v] of Object.entries(props)) {
    // The SDK renames a flattened property that collides with a top-level one: type → typePropertiesType.
    const key = k in out ? `${k}Properties${k[0].toUpperCase()}${k.slice(1)}` : k;
    out[key] = v;
  }
  return out;
}

/** Applies az's model conversion for `style` and drops nulls (az's todict of absent attributes). */
export function toDict(value: unknown, style: OutputStyle, inMap = false): Json | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const out: Json[] = [];
    for (const v of value) {
      const c = toDict(v, style);
      if (c !== undefined) out.push(c);
    }
    return out;
  }
  if (typeof value === "object") {
    let o = value as JsonObject;
    if (style !== "raw" && !inMap) o = flattenObject(o);
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(o)) {
      const key = style === "sdk" && !inMap ? sdkKey(k) : k;
      const isMap = MAP_FIELDS.has(k);
      let c: Json | undefined;
      if (isMap && isObject(v)) {
        // Keys of a dictionary stay as they are; its values are models again.
        const m: JsonObject = {};
        for (const [mk, mv] of Object.entries(v)) {
          const cv = toDict(mv, style);
          if (cv !== undefined) m[mk] = cv;
        }
        c = m;
      } else {
        c = toDict(v, style);
      }
      if (c !== undefined) out[key] = c;
    }
    return out;
  }
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") return value;
  return String(value);
}

/** azure-cli's global transform: every object with an ARM id gets "resourceGroup". */
export function addResourceGroup(value: Json | undefined): void {
  if (Array.isArray(value)) {
    for (const v of value) addResourceGroup(v);
    return;
  }
  if (!isObject(value)) return;
  if (!("resourceGroup" in value) && typeof value.id === "string" && value.id) {
    const parts = value.id.split("/");
    // az's _parse_id also reads parts[8], so a bare resource-group id gets no resourceGroup.
    if (parts.length > 8 && parts[3]?.toLowerCase() === "resourcegroups") value.resourceGroup = parts[4];
  }
  for (const [k, v] of Object.entries(value)) if (k !== "sourceVault") addResourceGroup(v);
}

export function transformResult(value: unknown, style: OutputStyle): Json | undefined {
  const out = toDict(value, style);
  addResourceGroup(out);
  return out;
}

// ---- formatting ----------------------------------------------------------------------------

export type OutputFormat = "json" | "jsonc" | "yaml" | "yamlc" | "table" | "tsv" | "none";
export const OUTPUT_FORMATS: readonly OutputFormat[] = [
  "json",
  "jsonc",
  "none",
  "table",
  "tsv",
  "yaml",
  "yamlc",
];

function sortDeep(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v).sort(pyCompare)) out[k] = sortDeep(v[k]);
    return out;
  }
  return v;
}

/** Python's default string ordering (code points), which sort_keys uses. */
function pyCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function formatJson(v: Json): string {
  return `${JSON.stringify(sortDeep(v), null, 2)}\n`;
}

export function formatJsonColor(v: Json): string {
  // pygments' JsonLexer + TerminalFormatter: keys blue, strings/numbers/literals coloured.
  const plain = formatJson(v);
  return plain.replace(
    /("(?:[^"\\]|\\.)*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/g,
    (
      m,
      str: string | undefined,
      colon: string | undefined,
      lit: string | undefined,
      num: string | undefined,
    ) => {
      if (str !== undefined)
        return colon ? `\x1b[94m${str}\x1b[39;49;00m${colon}` : `\x1b[33m${str}\x1b[39;49;00m`;
      if (lit !== undefined) return `\x1b[36m${lit}\x1b[39;49;00m`;
      if (num !== undefined) return `\x1b[34m${num}\x1b[39;49;00m`;
      return m;
    },
  );
}

export async function formatYaml(v: Json): Promise<string> {
  const YAML = await import("yaml");
  // PyYAML safe_dump(default_flow_style=False): sorted keys, block style, unindented sequences.
  return YAML.stringify(v, { sortMapEntries: true, indentSeq: false, singleQuote: true, lineWidth: 80 });
}

function tsvObj(v: Json | undefined): string {
  if (Array.isArray(v)) return String(v.length);
  if (isObject(v)) return "";
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  return String(v);
}

/** knack's _TsvOutput. `ordered` marks objects built by a --query (their key order is kept). */
export function formatTsv(result: Json, ordered: ReadonlySet<object> = new Set()): string {
  const rows = Array.isArray(result) ? result : [result];
  let out = "";
  for (const row of rows) {
    if (isObject(row)) {
      const keys = ordered.has(row) ? Object.keys(row) : Object.keys(row).sort(pyCompare);
      out += keys.map((k) => tsvObj(row[k])).join("\t");
    } else if (Array.isArray(row)) {
      out += row.map((x) => tsvObj(x)).join("\t");
    } else if (typeof row === "boolean") {
      out += row ? "true" : "false";
    } else {
      out += tsvObj(row);
    }
    out += "\n";
  }
  return out;
}

const TABLE_SKIP = new Set(["id", "type", "etag"]);

function tableCell(v: Json | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "boolean") return v ? "True" : "False";
  return String(v);
}

/**
 * knack's _TableOutput + tabulate(tablefmt="simple", disable_numparse=True): scalar columns
 * (id/type/etag skipped), first letter capitalised, columns at least header+2 wide, all left-aligned.
 */
export function formatTable(
  result: Json,
  sortKeys: boolean,
  ordered: ReadonlySet<object> = new Set(),
): string {
  const items = Array.isArray(result) ? result : [result];
  const rows: Map<string, Json>[] = [];
  for (const item of items) {
    const row = new Map<string, Json>();
    if (isObject(item)) {
      const keys = sortKeys && !ordered.has(item) ? Object.keys(item).sort(pyCompare) : Object.keys(item);
      for (const k of keys) {
        if (TABLE_SKIP.has(k)) continue;
        const v = item[k];
        if (v !== null && v !== undefined && typeof v !== "object")
          row.set(k ? k[0].toUpperCase() + k.slice(1) : k, v);
      }
    } else if (Array.isArray(item)) {
      item.forEach((v, i) => {
        row.set(`Column${i + 1}`, v);
      });
    } else {
      row.set("Result", item);
    }
    rows.push(row);
  }
  const headers: string[] = [];
  for (const r of rows) for (const k of r.keys()) if (!headers.includes(k)) headers.push(k);
  if (headers.length === 0) {
    if (rows.length === 0) return "\n";
    throw new TableUnavailable();
  }
  const cells = rows.map((r) => headers.map((h) => tableCell(r.get(h))));
  const widths = headers.map((h, i) => Math.max(h.length + 2, ...cells.map((c) => strWidth(c[i]))));
  // tabulate's _build_simple_row strips trailing whitespace from every line.
  const line = (cols: string[]) =>
    cols
      .map((c, i) => c + " ".repeat(Math.max(0, widths[i] - strWidth(c))))
      .join("  ")
      .trimEnd();
  const out = [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)];
  return `${out.join("\n")}\n`;
}

export class TableUnavailable extends Error {
  constructor() {
    super(
      "Table output unavailable. Use the --query option to specify an appropriate query. Use --debug for more info.",
    );
  }
}

function strWidth(s: string): number {
  // Wide (CJK) characters take two columns, as tabulate measures with wcwidth.
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    w +=
      cp >= 0x1100 &&
      /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(
        ch,
      )
        ? 2
        : 1;
  }
  return w;
}

export interface RenderOptions {
  format: OutputFormat;
  query?: string;
  /** Table transformer of the command (az's table_transformer), used only without --query. */
  tableTransform?: (r: Json) => Json;
  color: boolean;
}

/** Collects object identities of `root` (to tell objects a --query built from the originals). */
function collectObjects(root: Json | undefined, into: Set<object>): void {
  if (Array.isArray(root)) {
    into.add(root);
    for (const v of root) collectObjects(v, into);
  } else if (isObject(root)) {
    into.add(root);
    for (const v of Object.values(root)) collectObjects(v, into);
  }
}

interface JmesPath {
  search(doc: unknown, query: string): unknown;
  compile(query: string): unknown;
}

/** The jmespath package (CommonJS; its typings omit compile), loaded only when --query is used. */
export async function loadJmespath(): Promise<JmesPath> {
  const mod = (await import("jmespath")) as unknown as JmesPath & { default?: JmesPath };
  return mod.default ?? mod;
}

export async function applyQuery(
  result: Json,
  query: string,
): Promise<{ value: Json; ordered: Set<object> }> {
  const jmespath = await loadJmespath();
  const originals = new Set<object>();
  collectObjects(result, originals);
  const value = jmespath.search(result, query) as Json;
  const ordered = new Set<object>();
  const created = new Set<object>();
  collectObjects(value, created);
  for (const o of created) if (!originals.has(o)) ordered.add(o);
  return { value: value === undefined ? null : value, ordered };
}

/** Renders a transformed command result as az would print it ("" when az prints nothing). */
export async function render(result: Json | undefined, opts: RenderOptions): Promise<string> {
  if (result === undefined) return "";
  let value: Json = result;
  let ordered: ReadonlySet<object> = new Set();
  if (opts.query) {
    const q = await applyQuery(value, opts.query);
    value = q.value;
    ordered = q.ordered;
    // knack prints nothing for a query that selects nothing.
    if (value === null) return "";
  }
  switch (opts.format) {
    case "none":
      return "";
    case "json":
      return formatJson(value);
    case "jsonc":
      return opts.color ? formatJsonColor(value) : formatJson(value);
    case "yaml":
    case "yamlc":
      return formatYaml(value);
    case "tsv":
      return formatTsv(value, ordered);
    case "table": {
      const useTransform = opts.tableTransform && !opts.query;
      const data = useTransform && opts.tableTransform ? opts.tableTransform(value) : value;
      if (useTransform) {
        const ord = new Set<object>();
        collectObjects(data, ord);
        return formatTable(data, false, ord);
      }
      return formatTable(data, !opts.query, ordered);
    }
  }
}
