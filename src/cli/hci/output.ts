// PowerShell values as `aksnet hci` holds them, and how the console shows them: objects in
// the property-list form (`Name : value`, names padded to the longest), `Format-Table`
// columns with dashed underlines, collections as `{a, b}`, hashtables by their keys, and
// errors with their position, CategoryInfo and FullyQualifiedErrorId lines.
import type { Pos } from "./parser.js";

export interface PsObject {
  typeName: string;
  props: Record<string, PsValue>;
  /** Shown as `{key1, key2}` (a hashtable's keys), as the module's LoadBalancer/Status fields print. */
  hashtable?: boolean;
}

export type PsValue = string | number | boolean | null | PsValue[] | PsObject;

export const isObject = (v: PsValue): v is PsObject =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export function obj(typeName: string, props: Record<string, PsValue>, hashtable = false): PsObject {
  return { typeName, props, ...(hashtable ? { hashtable } : {}) };
}

/** A scalar or collection as the console prints it inside a list or table cell. */
export function cell(v: PsValue): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number" || typeof v === "string") return String(v);
  if (Array.isArray(v)) return `{${v.map(cell).join(", ")}}`;
  if (v.hashtable) return `{${Object.keys(v.props).join(", ")}}`;
  return `@{${Object.entries(v.props)
    .map(([k, x]) => `${k}=${cell(x)}`)
    .join("; ")}}`;
}

export function formatList(items: PsObject[]): string {
  if (!items.length) return "";
  const blocks = items.map((o) => {
    const keys = Object.keys(o.props);
    const w = Math.max(...keys.map((k) => k.length));
    return keys
      .map((k) => {
        const lines = cell(o.props[k]).split("\n");
        return [
          `${k.padEnd(w)} : ${lines[0]}`,
          ...lines.slice(1).map((l) => `${" ".repeat(w + 3)}${l}`),
        ].join("\n");
      })
      .join("\n");
  });
  return `\n${blocks.join("\n\n")}\n\n\n`;
}

export function formatTable(items: PsObject[], columns?: string[]): string {
  if (!items.length) return "";
  const cols = columns?.length
    ? columns.map((c) => Object.keys(items[0].props).find((k) => k.toLowerCase() === c.toLowerCase()) ?? c)
    : Object.keys(items[0].props);
  const rows = items.map((o) => cols.map((c) => cell(o.props[c] ?? null)));
  const numeric = cols.map((c) => items.every((o) => typeof o.props[c] === "number"));
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const pad = (s: string, i: number) => (numeric[i] ? s.padStart(widths[i]) : s.padEnd(widths[i]));
  const line = (r: string[]) => r.map(pad).join(" ").trimEnd();
  return `\n${[line(cols), line(cols.map((c) => "-".repeat(c.length))), ...rows.map(line)].join("\n")}\n\n\n`;
}

/** Nested arrays as one list (PowerShell enumerates collections in output). */
export function flatten(values: readonly PsValue[]): PsValue[] {
  const out: PsValue[] = [];
  for (const v of values)
    if (Array.isArray(v)) out.push(...flatten(v));
    else out.push(v);
  return out;
}

/** Default output of a pipeline's values: objects in list form, anything else one per line. */
export function formatDefault(values: PsValue[]): string {
  let out = "";
  let run: PsObject[] = [];
  const flush = () => {
    out += formatList(run);
    run = [];
  };
  for (const v of flatten(values)) {
    if (isObject(v)) run.push(v);
    else {
      flush();
      if (v !== null) out += `${cell(v)}\n`;
    }
  }
  flush();
  return out;
}

export interface PsErrorRecord {
  /** The command the error is about (`New-AksHciCluster`), or undefined for parse errors. */
  command?: string;
  message: string;
  category: string;
  /** Reason in CategoryInfo: the exception type. */
  reason: string;
  errorId: string;
  pos: Pos;
  /** Target shown inside `(… :String)` for CommandNotFound. */
  target?: string;
}

/** The console's rendering of an error record, as `$ErrorView = 'NormalView'` prints it. */
export function formatError(e: PsErrorRecord, source: string, origin: string): string {
  const lines = source.split("\n");
  const text = (lines[e.pos.line - 1] ?? "").replace(/\r$/, "");
  const under = Math.max(1, Math.min(e.pos.length, text.length - e.pos.col + 1));
  const where =
    origin === "line"
      ? `At line:${e.pos.line} char:${e.pos.col}`
      : `At ${origin}:${e.pos.line} char:${e.pos.col}`;
  const head = e.command ? `${e.command} : ${e.message}` : e.message;
  const fq = e.command && e.target === undefined ? `${e.errorId},${e.command}` : e.errorId;
  const target = e.target !== undefined ? `(${e.target}:String)` : "(:)";
  const owner = e.command && e.category !== "ObjectNotFound" ? `[${e.command}]` : "[]";
  return [
    head,
    where,
    `+ ${text}`,
    `+ ${" ".repeat(e.pos.col - 1)}${"~".repeat(under)}`,
    `    + CategoryInfo          : ${e.category}: ${target} ${e.target !== undefined ? "[]" : owner}, ${e.reason}`,
    `    + FullyQualifiedErrorId : ${fq}`,
    "",
    "",
  ].join("\n");
}
