// Label and field selectors as kube-apiserver parses them (k8s.io/apimachinery/pkg/labels,
// pkg/fields): `a=b,c!=d,e in (x,y),f notin (z),g,!h` and `metadata.name=x,status.phase!=Running`.
import { badRequest } from "./errors.js";

type Op = "=" | "!=" | "in" | "notin" | "exists" | "!";
export interface Requirement {
  key: string;
  op: Op;
  values: string[];
}

/** Splits on commas outside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x.length > 0);
}

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]{0,61}[a-z0-9A-Z])?$/;

export function parseLabelSelector(s: string | undefined): Requirement[] {
  if (!s) return [];
  return splitTop(s).map((part) => {
    let m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (m) return checkKey({ key: m[1], op: m[2] as Op, values: m[3].split(",").map((v) => v.trim()) }, part);
    m = /^!\s*(\S+)$/.exec(part);
    if (m) return checkKey({ key: m[1], op: "!", values: [] }, part);
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (m) return checkKey({ key: m[1], op: m[2] === "!=" ? "!=" : "=", values: [m[3]] }, part);
    if (/^[^=!\s()]+$/.test(part)) return checkKey({ key: part, op: "exists", values: [] }, part);
    throw badRequest(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt`);
  });
}

function checkKey(r: Requirement, part: string): Requirement {
  if (!KEY.test(r.key))
    throw badRequest(
      `unable to parse requirement: invalid label key "${r.key}": name part must consist of alphanumeric characters, '-', '_' or '.' (in "${part}")`,
    );
  return r;
}

export function matchLabels(reqs: Requirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.hasOwn(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case "=":
        return has && v === r.values[0];
      case "!=":
        return !has || v !== r.values[0];
      case "in":
        return has && r.values.includes(v);
      case "notin":
        return !has || !r.values.includes(v);
      case "exists":
        return has;
      case "!":
        return !has;
    }
    return false;
  });
}

/** A LabelSelector object (matchLabels + matchExpressions) as requirements. */
export function labelSelectorRequirements(sel: unknown): Requirement[] | undefined {
  if (!sel || typeof sel !== "object") return undefined;
  const s = sel as {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  };
  const out: Requirement[] = [];
  for (const [k, v] of Object.entries(s.matchLabels ?? {}))
    out.push({ key: k, op: "=", values: [String(v)] });
  for (const e of s.matchExpressions ?? []) {
    const op = ({ In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!" } as Record<string, Op>)[
      e.operator
    ];
    if (op) out.push({ key: e.key, op, values: e.values ?? [] });
  }
  return out;
}

export function formatLabelSelector(sel: unknown): string {
  const reqs = labelSelectorRequirements(sel);
  if (!reqs) return "<none>";
  if (reqs.length === 0) return "<none>";
  return reqs
    .map((r) =>
      r.op === "="
        ? `${r.key}=${r.values[0]}`
        : r.op === "exists"
          ? r.key
          : r.op === "!"
            ? `!${r.key}`
            : `${r.key} ${r.op} (${r.values.join(",")})`,
    )
    .join(",");
}

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

export function parseFieldSelector(s: string | undefined, supported: string[]): FieldRequirement[] {
  if (!s) return [];
  return splitTop(s).map((part) => {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const field = m[1].trim();
    if (!["metadata.name", "metadata.namespace", ...supported].includes(field))
      throw badRequest(`field label not supported: ${field}`);
    return { field, op: m[2] === "!=" ? "!=" : "=", value: m[3].trim() };
  });
}

/**
 * Selectable fields that are not read at their own path (`status.successful` is a Job's
 * `status.succeeded`, an Event's `source` its component) or whose absent value prints as Go's
 * zero value (a bool `false`, an int `0`), as each kind's ToSelectableFields builds them.
 */
const FIELD_READS: Readonly<Record<string, { path?: string; zero?: string }>> = {
  source: { path: "source.component" },
  "spec.unschedulable": { zero: "false" },
  "spec.hostNetwork": { zero: "false" },
  "status.replicas": { zero: "0" },
  "status.successful": { path: "status.succeeded", zero: "0" },
};

export function fieldValue(obj: Record<string, unknown>, field: string): string {
  const read = FIELD_READS[field];
  let cur: unknown = obj;
  for (const p of (read?.path ?? field).split(".")) {
    if (!cur || typeof cur !== "object") return read?.zero ?? "";
    cur = (cur as Record<string, unknown>)[p];
  }
  if (cur === undefined || cur === null) return read?.zero ?? "";
  return String(cur);
}

export function matchFields(reqs: FieldRequirement[], obj: Record<string, unknown>): boolean {
  return reqs.every((r) => (fieldValue(obj, r.field) === r.value) === (r.op === "="));
}
