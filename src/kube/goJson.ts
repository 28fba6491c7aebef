// What kube-apiserver's JSON decoder (encoding/json into the Go types) refuses before anything
// else looks at a body: a value of the wrong JSON type. The generated schemas say which type
// each field has, except for resource.Quantity, which the client models type as a string but
// which decodes numbers too (`cpu: 1` in YAML is a JSON number): those fields are listed here.
import type { Schema } from "./schemas.js";

/**
 * Fields of type resource.Quantity (or maps and lists of it), `<model class>.<field>`, from
 * k8s.io/api v1.34. A Quantity takes a string or a number.
 */
const QUANTITY_FIELDS = new Set([
  "V1ResourceRequirements.limits",
  "V1ResourceRequirements.requests",
  "V1VolumeResourceRequirements.limits",
  "V1VolumeResourceRequirements.requests",
  "V1EmptyDirVolumeSource.sizeLimit",
  "V1PodSpec.overhead",
  "V1ContainerStatus.allocatedResources",
  "V1NodeStatus.capacity",
  "V1NodeStatus.allocatable",
  "V1PersistentVolumeSpec.capacity",
  "V1PersistentVolumeClaimStatus.capacity",
  "V1PersistentVolumeClaimStatus.allocatedResources",
  "V1ResourceQuotaSpec.hard",
  "V1ResourceQuotaStatus.hard",
  "V1ResourceQuotaStatus.used",
  "V1LimitRangeItem.max",
  "V1LimitRangeItem.min",
  "V1LimitRangeItem.default",
  "V1LimitRangeItem.defaultRequest",
  "V1LimitRangeItem.maxLimitRequestRatio",
  "V1Overhead.podFixed",
  "V1CSIStorageCapacity.capacity",
  "V1CSIStorageCapacity.maximumVolumeSize",
  "V2MetricTarget.value",
  "V2MetricTarget.averageValue",
  "V2MetricValueStatus.value",
  "V2MetricValueStatus.averageValue",
]);

/**
 * Fields of Go type []byte (maps of it), which the generated schemas give as plain strings:
 * encoding/json takes only base64 text there. Their schemas get `format: byte`, as upstream's.
 */
const BYTES_FIELDS = new Set(["V1Secret.data", "V1ConfigMap.binaryData"]);

/** The scalar schemas that stand for a Quantity (filled as the built-in schemas are built). */
const quantities = new WeakSet<Schema>();

/** Marks a model field's schema when it is a Quantity or []byte (its values, for a map or a list). */
export function markQuantity(cls: string, field: string, s: Schema): void {
  const bytes = BYTES_FIELDS.has(`${cls}.${field}`);
  if (!bytes && !QUANTITY_FIELDS.has(`${cls}.${field}`)) return;
  const scalar =
    s.type === "object" && s.additionalProperties && typeof s.additionalProperties === "object"
      ? s.additionalProperties
      : s.type === "array" && s.items
        ? s.items
        : s;
  if (bytes) scalar.format = "byte";
  else quantities.add(scalar);
}

/** Whether a (resolved) scalar schema stands for a resource.Quantity. */
export function isQuantity(s: Schema): boolean {
  return quantities.has(s);
}

/** The JSON type as Go's decoder names it in an UnmarshalTypeError. */
export function goJsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  switch (typeof v) {
    case "string":
      return "string";
    case "boolean":
      return "bool";
    case "number":
      return "number";
    default:
      return "object";
  }
}

const INT32 = 2 ** 31;

/** Whether a non-null JSON value decodes into a scalar field of this (resolved) schema. */
export function scalarFits(v: unknown, s: Schema): boolean {
  switch (s.type) {
    case "string":
      return typeof v === "string" || (typeof v === "number" && quantities.has(s));
    case "boolean":
      return typeof v === "boolean";
    case "integer":
      // int64 past ±2^63 does not decode (2^63 itself is how JSON.parse reads the largest int64).
      return (
        typeof v === "number" &&
        Number.isInteger(v) &&
        (s.format !== "int32" ? Math.abs(v) <= 2 ** 63 : v >= -INT32 && v < INT32)
      );
    case "number":
      return typeof v === "number";
    default:
      return true;
  }
}

/** IntOrString.UnmarshalJSON: a string, or what decodes into an int32. */
export function intOrStringFits(v: unknown): boolean {
  return typeof v === "string" || scalarFits(v, INT32_SCHEMA);
}

/** The schema IntOrString decodes a non-string with. */
export const INT32_SCHEMA: Schema = { type: "integer", format: "int32" };

/** What the decoder says it found: a number that does not fit an integer field is quoted. */
export function goValueOf(v: unknown, s: Schema | undefined): string {
  const kind = goJsonKind(v);
  return kind === "number" && s?.type === "integer" ? `number ${String(v)}` : kind;
}

/** The Go type of a scalar schema, as reflect prints it. */
export function goScalarType(s: Schema): string {
  switch (s.type) {
    case "string":
      return quantities.has(s) ? "resource.Quantity" : s.format === "byte" ? "[]uint8" : "string";
    case "boolean":
      return "bool";
    case "integer":
      return s.format === "int32" ? "int32" : "int64";
    case "number":
      return "float64";
    default:
      return "interface {}";
  }
}

const BASE64 = /^[A-Za-z0-9+/]$/;

/**
 * Go's base64.StdEncoding decode error for a `[]byte` field's text (Secret data …), or
 * undefined when it decodes: encoding/base64's decodeQuantum, quantum by quantum, CR and LF
 * skipped, with its offsets (a short last quantum is reported at its start).
 */
export function base64Error(src: string): string | undefined {
  const corrupt = (at: number) => `illegal base64 data at input byte ${at}`;
  const newline = (c: string) => c === "\n" || c === "\r";
  let si = 0;
  while (si < src.length) {
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return undefined;
        return corrupt(si - j);
      }
      const c = src[si++];
      if (BASE64.test(c)) continue;
      if (newline(c)) {
        j--;
        continue;
      }
      if (c !== "=") return corrupt(si - 1);
      if (j < 2) return corrupt(si - 1);
      if (j === 2) {
        while (si < src.length && newline(src[si])) si++;
        if (si === src.length) return corrupt(src.length);
        if (src[si] !== "=") return corrupt(si - 1);
        si++;
      }
      while (si < src.length && newline(src[si])) si++;
      return si < src.length ? corrupt(si) : undefined;
    }
  }
  return undefined;
}
