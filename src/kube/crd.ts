// CustomResourceDefinitions: checking a CRD as apiextensions-apiserver does (names, versions,
// structural schema), and validating, pruning and defaulting custom resources against a
// version's openAPIV3Schema with apiextensions' error wording.
import { RE2JS } from "re2js";
import type { StatusCause } from "./errors.js";
import type { KindSpec, PrinterColumn } from "./kinds.js";
import { setOwn } from "./ownKeys.js";
import type { Schema } from "./schemas.js";
import { crdColumns } from "./tables.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

export interface CrdVersionInfo {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: Schema;
  columns: PrinterColumn[];
  status: boolean;
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  /** The CRD is being deleted: no new objects. */
  terminating?: boolean;
}

export interface CrdInfo {
  name: string;
  group: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  versions: CrdVersionInfo[];
  established: boolean;
  terminating: boolean;
}

export function crdInfo(body: Obj): CrdInfo | undefined {
  const spec = body.spec as Obj | undefined;
  if (!spec) return undefined;
  const names = (spec.names ?? {}) as Obj;
  const versions = Array.isArray(spec.versions) ? (spec.versions as Obj[]) : [];
  const meta = (body.metadata ?? {}) as Obj;
  return {
    name: String(meta.name ?? ""),
    group: String(spec.group ?? ""),
    kind: String(names.kind ?? ""),
    listKind: String(names.listKind ?? `${String(names.kind ?? "")}List`),
    plural: String(names.plural ?? ""),
    singular: String(names.singular ?? String(names.kind ?? "").toLowerCase()),
    shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(String) : [],
    categories: Array.isArray(names.categories) ? names.categories.map(String) : [],
    namespaced: spec.scope !== "Cluster",
    // Still served while terminating (its objects are being deleted), as kube-apiserver does.
    established: true,
    terminating: meta.deletionTimestamp !== undefined,
    versions: versions.map((v) => {
      const sub = (v.subresources ?? {}) as Obj;
      const scale = sub.scale as Obj | undefined;
      return {
        name: String(v.name),
        served: v.served !== false,
        storage: v.storage === true,
        schema: ((v.schema as Obj | undefined)?.openAPIV3Schema as Schema | undefined) ?? undefined,
        columns: crdColumns(v.additionalPrinterColumns as Obj[] | undefined),
        status: sub.status !== undefined,
        ...(scale
          ? {
              scale: {
                specReplicasPath: String(scale.specReplicasPath ?? ".spec.replicas"),
                statusReplicasPath: String(scale.statusReplicasPath ?? ".status.replicas"),
                ...(scale.labelSelectorPath ? { labelSelectorPath: String(scale.labelSelectorPath) } : {}),
              },
            }
          : {}),
      };
    }),
  };
}

export function crdKinds(info: CrdInfo): (KindSpec & { crd: CrdVersionInfo })[] {
  return info.versions
    .filter((v) => v.served)
    .map((v) => ({
      group: info.group,
      version: v.name,
      kind: info.kind,
      plural: info.plural,
      singular: info.singular,
      namespaced: info.namespaced,
      shortNames: info.shortNames,
      categories: info.categories,
      verbs: ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"],
      subresources: [...(v.status ? (["status"] as const) : []), ...(v.scale ? (["scale"] as const) : [])],
      schema: "",
      columns: v.columns,
      hasGeneration: true,
      ...(v.scale
        ? {
            scale: {
              specReplicas: v.scale.specReplicasPath,
              statusReplicas: v.scale.statusReplicasPath,
              ...(v.scale.labelSelectorPath ? { labelSelector: v.scale.labelSelectorPath } : {}),
            },
          }
        : {}),
      crd: { ...v, terminating: info.terminating },
    }));
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** apiextensions validation of a CRD (the subset clients meet in practice). */
export function validateCrd(body: Obj): StatusCause[] {
  const causes: StatusCause[] = [];
  const bad = (field: string, value: unknown, msg: string) =>
    causes.push({
      reason: "FieldValueInvalid",
      field,
      message: `Invalid value: ${JSON.stringify(value)}: ${msg}`,
    });
  const req = (field: string) =>
    causes.push({ reason: "FieldValueRequired", field, message: "Required value" });
  const spec = (body.spec ?? {}) as Obj;
  const names = (spec.names ?? {}) as Obj;
  const name = String((body.metadata as Obj | undefined)?.name ?? "");
  const group = String(spec.group ?? "");
  if (!group) req("spec.group");
  else if (!DNS_SUBDOMAIN.test(group) || !group.includes("."))
    bad("spec.group", group, "should be a domain with at least one dot");
  if (!names.plural) req("spec.names.plural");
  else if (!DNS_LABEL.test(String(names.plural)))
    bad(
      "spec.names.plural",
      names.plural,
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'",
    );
  if (!names.kind) req("spec.names.kind");
  if (names.plural && group && name !== `${String(names.plural)}.${group}`)
    bad("metadata.name", name, `must be spec.names.plural+"."+spec.group`);
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster") {
    if (spec.scope === undefined) req("spec.scope");
    else
      causes.push({
        reason: "FieldValueNotSupported",
        field: "spec.scope",
        message: `Unsupported value: ${JSON.stringify(spec.scope)}: supported values: "Cluster", "Namespaced"`,
      });
  }
  const versions = Array.isArray(spec.versions) ? (spec.versions as Obj[]) : [];
  if (!versions.length) req("spec.versions");
  const storage = versions.filter((v) => v.storage === true).length;
  if (versions.length && storage !== 1)
    bad(
      "spec.versions",
      versions.map((v) => v.name),
      "must have exactly one version marked as storage version",
    );
  versions.forEach((v, i) => {
    const s = (v.schema as Obj | undefined)?.openAPIV3Schema;
    if (!s) {
      req(`spec.versions[${i}].schema.openAPIV3Schema`);
      return;
    }
    structural(s as Schema, `spec.versions[${i}].schema.openAPIV3Schema`, causes, true);
  });
  return causes;
}

/** Structural schema rules: every node has a type unless int-or-string / preserve-unknown-fields. */
function structural(s: Schema, at: string, causes: StatusCause[], root: boolean): void {
  const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
  const ios = s["x-kubernetes-int-or-string"] === true;
  if (!s.type && !preserve && !ios && !root)
    causes.push({
      reason: "FieldValueRequired",
      field: `${at}.type`,
      message: "Required value: must not be empty for specified object fields",
    });
  if (root && s.type !== "object")
    causes.push({
      reason: "FieldValueInvalid",
      field: `${at}.type`,
      message: `Invalid value: ${JSON.stringify(s.type ?? "")}: must be object at the root`,
    });
  // Patterns are Go (RE2) regular expressions: compiled as apiextensions' validation compiles them.
  if (typeof s.pattern === "string") {
    const err = patternError(s.pattern);
    if (err)
      causes.push({
        reason: "FieldValueInvalid",
        field: `${at}.pattern`,
        message: `Invalid value: ${JSON.stringify(s.pattern)}: must be a valid regular expression, but isn't: ${err}`,
      });
  }
  for (const [k, v] of Object.entries(s.properties ?? {}))
    if (isObj(v)) structural(v as Schema, `${at}.properties[${k}]`, causes, false);
  if (isObj(s.items)) structural(s.items as Schema, `${at}.items`, causes, false);
  if (isObj(s.additionalProperties))
    structural(s.additionalProperties as Schema, `${at}.additionalProperties`, causes, false);
}

/**
 * Compiled patterns. RE2 (re2js), as Go's regexp: linear in the input whatever the pattern, so a
 * pattern such as `^(a+)+$` cannot hold the process (JavaScript's backtracking engine would).
 */
const patterns = new Map<string, RE2JS | string>();
function compiled(pattern: string): RE2JS | string {
  let p = patterns.get(pattern);
  if (p === undefined) {
    try {
      p = RE2JS.compile(pattern);
    } catch (err) {
      p = err instanceof Error ? err.message : String(err);
    }
    if (patterns.size >= 1000) patterns.clear();
    patterns.set(pattern, p);
  }
  return p;
}

/** Go's regexp.Compile error for a pattern, or undefined when it compiles. */
function patternError(pattern: string): string | undefined {
  const p = compiled(pattern);
  return typeof p === "string" ? p : undefined;
}

/** Whether `value` matches (a pattern that does not compile matches nothing). */
function patternMatches(pattern: string, value: string): boolean {
  const p = compiled(pattern);
  return typeof p !== "string" && p.matcher(value).find();
}

/** Validates `value` against a CR schema, applying defaults and pruning unknown fields. */
export function validateCustom(
  value: unknown,
  s: Schema | undefined,
  at: string,
  causes: StatusCause[],
  unknown: string[],
): unknown {
  if (!s) return value;
  if (value === null) {
    if (s.nullable === true) return value;
    if (!at) return value;
    causes.push({
      reason: "FieldValueTypeInvalid",
      field: at,
      message: `Invalid value: "null": ${at} in body must be of type ${s.type ?? "object"}: "null"`,
    });
    return value;
  }
  const ios = s["x-kubernetes-int-or-string"] === true;
  const type = s.type;
  const actual = Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
  const shown = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value);
  if (ios) {
    if (actual !== "integer" && actual !== "string")
      causes.push({
        reason: "FieldValueTypeInvalid",
        field: at,
        message: `Invalid value: ${JSON.stringify(actual)}: ${at} in body must be of type integer or string: ${JSON.stringify(actual)}`,
      });
  } else if (type) {
    const ok =
      type === actual ||
      (type === "number" && (actual === "integer" || actual === "number")) ||
      (type === "object" && actual === "object");
    if (!ok) {
      causes.push({
        reason: "FieldValueTypeInvalid",
        field: at,
        message: `Invalid value: ${JSON.stringify(actual)}: ${at} in body must be of type ${type}: ${JSON.stringify(actual)}`,
      });
      return value;
    }
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value)))
    causes.push({
      reason: "FieldValueNotSupported",
      field: at,
      message: `Unsupported value: ${shown}: supported values: ${s.enum.map((e) => JSON.stringify(e)).join(", ")}`,
    });
  if (typeof value === "number") {
    if (typeof s.maximum === "number" && (s.exclusiveMaximum ? value >= s.maximum : value > s.maximum))
      causes.push({
        reason: "FieldValueInvalid",
        field: at,
        message: `Invalid value: ${value}: ${at} in body should be less than ${s.exclusiveMaximum ? "" : "or equal to "}${s.maximum}`,
      });
    if (typeof s.minimum === "number" && (s.exclusiveMinimum ? value <= s.minimum : value < s.minimum))
      causes.push({
        reason: "FieldValueInvalid",
        field: at,
        message: `Invalid value: ${value}: ${at} in body should be greater than ${s.exclusiveMinimum ? "" : "or equal to "}${s.minimum}`,
      });
  }
  if (typeof value === "string") {
    if (typeof s.maxLength === "number" && [...value].length > s.maxLength)
      causes.push({
        reason: "FieldValueTooLong",
        field: at,
        message: `Too long: may not be longer than ${s.maxLength}`,
      });
    if (typeof s.minLength === "number" && [...value].length < s.minLength)
      causes.push({
        reason: "FieldValueInvalid",
        field: at,
        message: `Invalid value: ${shown}: ${at} in body should be at least ${s.minLength} chars long`,
      });
    if (typeof s.pattern === "string" && !patternMatches(s.pattern, value))
      causes.push({
        reason: "FieldValueInvalid",
        field: at,
        message: `Invalid value: ${shown}: ${at} in body should match '${s.pattern}'`,
      });
  }
  if (Array.isArray(value)) {
    if (typeof s.maxItems === "number" && value.length > s.maxItems)
      causes.push({
        reason: "FieldValueTooMany",
        field: at,
        message: `Too many: ${value.length}: must have at most ${s.maxItems} items`,
      });
    if (typeof s.minItems === "number" && value.length < s.minItems)
      causes.push({
        reason: "FieldValueInvalid",
        field: at,
        message: `Invalid value: ${value.length}: ${at} in body should have at least ${s.minItems} items`,
      });
    return value.map((v, i) =>
      validateCustom(v, s.items as Schema | undefined, `${at}[${i}]`, causes, unknown),
    );
  }
  if (isObj(value)) {
    const out: Obj = {};
    const props = s.properties ?? {};
    const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
    for (const [k, v] of Object.entries(value)) {
      const child = at ? `${at}.${k}` : k;
      if (at === "" && (k === "apiVersion" || k === "kind" || k === "metadata")) {
        setOwn(out, k, v);
        continue;
      }
      if (Object.hasOwn(props, k)) out[k] = validateCustom(v, props[k], child, causes, unknown);
      else if (isObj(s.additionalProperties))
        setOwn(out, k, validateCustom(v, s.additionalProperties as Schema, child, causes, unknown));
      else if (
        s.additionalProperties === true ||
        preserve ||
        (!s.properties && !s.additionalProperties && !type)
      )
        // A client's key (`__proto__` included) stays an ordinary key.
        setOwn(out, k, v);
      else unknown.push(child);
    }
    for (const [k, ps] of Object.entries(props)) {
      if (!Object.hasOwn(out, k) && ps && (ps as Schema).default !== undefined) {
        out[k] = validateCustom(
          structuredClone((ps as Schema).default),
          ps,
          at ? `${at}.${k}` : k,
          causes,
          unknown,
        );
      }
    }
    for (const r of s.required ?? []) {
      if (out[r] === undefined)
        causes.push({
          reason: "FieldValueRequired",
          field: at ? `${at}.${r}` : r,
          message: "Required value",
        });
    }
    if (typeof s.maxProperties === "number" && Object.keys(out).length > s.maxProperties)
      causes.push({
        reason: "FieldValueTooMany",
        field: at,
        message: `Too many: ${Object.keys(out).length}: must have at most ${s.maxProperties} items`,
      });
    return out;
  }
  return value;
}
