// Kubernetes protobuf request bodies (`Content-Type: application/vnd.kubernetes.protobuf`, what
// kubectl ≥ 1.33's typed clients send for `create …`, `expose`, evictions, deletes) → the JSON
// object kube-apiserver's Go structs would marshal to, so the body then takes the same create /
// update path as a JSON one.
//
// Envelope (k8s.io/apimachinery runtime/serializer/protobuf): the 4 bytes `k8s\0`, then a
// `runtime.Unknown` {typeMeta(1){apiVersion(1), kind(2)}, raw(2), contentEncoding(3),
// contentType(4)} whose `raw` is the typed object's message. Field numbers, types and Go's JSON
// rules per field come from messages.generated.ts (scripts/gen-kube-proto.mjs). What Go's
// encoding/json would do is reproduced: non-pointer scalars are always on the wire, so their zero
// values are dropped when the field is omitempty and kept otherwise; pointers keep an explicit
// zero (`replicas: 0`); nil slices and maps are null unless omitempty; structs are never omitted
// (except omitzero); inlined structs merge into their parent; types with their own MarshalJSON
// (Quantity, IntOrString, Time, MicroTime, Duration, FieldsV1, RawExtension, JSON) are special.
// Unknown field numbers are skipped, as gogo-protobuf does. Malformed input is a 400.
import protobuf from "protobufjs/minimal.js";
import { badRequest } from "../errors.js";
import { KINDS, MESSAGES } from "./messages.generated.js";
import type { FieldRow, MessageDef, MessageTable } from "./types.js";

export const PROTOBUF_CT = "application/vnd.kubernetes.protobuf";
const MAGIC = [0x6b, 0x38, 0x73, 0x00];
/** Deeper nesting than any real object; bounds recursion on hostile input. */
const MAX_DEPTH = 200;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

interface Field {
  num: number;
  json: string;
  type: string;
  repeated: boolean;
  map: boolean;
  pointer: boolean;
  omitempty: boolean;
  omitzero: boolean;
  inline: boolean;
}

interface Message {
  name: string;
  special?: string;
  fields: Field[];
  byNum: Map<number, Field>;
  byName: Map<string, Field>;
}

const compiled = new Map<string, Message>();
let table: MessageTable = MESSAGES;

/** Tests may decode against a hand-made table; the default is the generated one. */
export function withTable<T>(t: MessageTable, fn: () => T): T {
  const before = table;
  table = t;
  compiled.clear();
  try {
    return fn();
  } finally {
    table = before;
    compiled.clear();
  }
}

function message(name: string): Message {
  let m = compiled.get(name);
  if (m) return m;
  const def: MessageDef | undefined = table[name];
  if (!def) throw new TableError(`protobuf table has no message ${name}`);
  const fields = (def.fields ?? []).map((r: FieldRow) => {
    const f = r[3];
    return {
      num: r[0],
      json: r[1],
      type: r[2],
      repeated: f.includes("r"),
      map: f.includes("m"),
      pointer: f.includes("p"),
      omitempty: f.includes("o"),
      omitzero: f.includes("z"),
      inline: f.includes("i"),
    };
  });
  m = {
    name,
    special: def.special,
    fields,
    byNum: new Map(fields.map((f) => [f.num, f])),
    byName: new Map(fields.map((f) => [f.json, f])),
  };
  compiled.set(name, m);
  return m;
}

const SCALAR_WIRE: Record<string, number> = {
  string: 2,
  bytes: 2,
  bool: 0,
  int32: 0,
  int64: 0,
  uint32: 0,
  uint64: 0,
  sint32: 0,
  sint64: 0,
  double: 1,
  fixed64: 1,
  float: 5,
  fixed32: 5,
};
const isScalar = (t: string) => t in SCALAR_WIRE;
const wireOf = (t: string) => SCALAR_WIRE[t] ?? 2;

/** Malformed input: a 400. */
class Fail extends Error {}
/** The generated table is inconsistent: a bug, not the client's fault. */
class TableError extends Error {}

/** Where the decoder is, for messages: `Deployment.spec.template.spec.containers`. */
type Path = string;

interface Gathered {
  scalar?: Json;
  parts?: Uint8Array[];
  list?: Json[];
  entries?: Map<string, Json>;
}

function readScalar(r: protobuf.Reader, type: string): Json {
  switch (type) {
    case "string":
      return r.string();
    case "bytes":
      return Buffer.from(r.bytes()).toString("base64");
    case "bool":
      return r.bool();
    case "int32":
      return r.int32();
    case "uint32":
      return r.uint32();
    case "sint32":
      return r.sint32();
    case "int64":
      return longNumber(r.int64());
    case "uint64":
      return longNumber(r.uint64());
    case "sint64":
      return longNumber(r.sint64());
    case "double":
      return r.double();
    case "float":
      return r.float();
    case "fixed32":
      return r.fixed32();
    case "fixed64":
      return longNumber(r.fixed64());
    default:
      throw new TableError(`unknown scalar type ${type}`);
  }
}

/** A 64-bit value as a JSON number (the reader hands out {low, high} halves). */
function longNumber(v: protobuf.Long | number): number {
  if (typeof v === "number") return v;
  const bits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return Number(v.unsigned ? bits : BigInt.asIntN(64, bits));
}

function zeroScalar(type: string): Json {
  if (type === "string") return "";
  if (type === "bool") return false;
  if (type === "bytes") return null;
  return 0;
}

const isZeroScalar = (v: Json) => v === "" || v === 0 || v === false || v === null;

function concat(parts: Uint8Array[] | undefined): Uint8Array {
  if (!parts || parts.length === 0) return new Uint8Array(0);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/** Reads every field of one message, grouped by field number (proto merge semantics). */
function gather(m: Message, buf: Uint8Array, path: Path, depth: number): Map<number, Gathered> {
  if (depth > MAX_DEPTH) throw new Fail(`${path}: nesting deeper than ${MAX_DEPTH} levels`);
  const r = protobuf.Reader.create(buf);
  const got = new Map<number, Gathered>();
  while (r.pos < r.len) {
    const tag = r.uint32();
    const num = tag >>> 3;
    const wire = tag & 7;
    if (num === 0) throw new Fail(`proto: ${m.name}: illegal tag 0 (wire type ${wire})`);
    const f = m.byNum.get(num);
    if (!f) {
      r.skipType(wire);
      continue;
    }
    const g = got.get(num) ?? {};
    got.set(num, g);
    const want = f.map ? 2 : wireOf(f.type);
    const packed = f.repeated && isScalar(f.type) && want !== 2 && wire === 2;
    if (wire !== want && !packed)
      throw new Fail(`proto: ${m.name}: wrong wireType = ${wire} for field ${f.json || f.type}`);
    const where = `${path}.${f.json || f.type}`;
    if (f.map) {
      const [k, v] = mapEntry(r.bytes(), f, where, depth);
      g.entries ??= new Map();
      g.entries.set(k, v);
    } else if (packed) {
      const end = r.uint32() + r.pos;
      if (end > r.len) throw new RangeError("packed field overruns its message");
      g.list ??= [];
      while (r.pos < end) g.list.push(readScalar(r, f.type));
    } else if (f.repeated) {
      g.list ??= [];
      g.list.push(isScalar(f.type) ? readScalar(r, f.type) : decode(f.type, r.bytes(), where, depth + 1));
    } else if (isScalar(f.type)) g.scalar = readScalar(r, f.type);
    else {
      g.parts ??= [];
      g.parts.push(r.bytes());
    }
  }
  return got;
}

/** One map entry message {key = 1, value = 2}; a missing value is the value type's zero. */
function mapEntry(buf: Uint8Array, f: Field, path: Path, depth: number): [string, Json] {
  const r = protobuf.Reader.create(buf);
  let key = "";
  let value: Json | undefined;
  const valueParts: Uint8Array[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    const num = tag >>> 3;
    const wire = tag & 7;
    if (num === 1) {
      if (wire !== 2) throw new Fail(`proto: ${path}: wrong wireType = ${wire} for map key`);
      key = r.string();
    } else if (num === 2) {
      if (wire !== wireOf(f.type)) throw new Fail(`proto: ${path}: wrong wireType = ${wire} for map value`);
      if (isScalar(f.type)) value = readScalar(r, f.type);
      else valueParts.push(r.bytes());
    } else r.skipType(wire);
  }
  if (!isScalar(f.type))
    value = decode(f.type, concat(valueParts), `${path}[${JSON.stringify(key)}]`, depth + 1);
  // Go map values of []byte decode to an empty, non-nil slice: "" in JSON.
  return [key, value ?? (f.type === "bytes" ? "" : zeroScalar(f.type))];
}

/** One message's bytes → its JSON value. */
function decode(name: string, buf: Uint8Array, path: Path, depth: number): Json {
  const m = message(name);
  const got = gather(m, buf, path, depth);
  if (m.special) return special(m, got, buf, path, depth);
  const out: Obj = {};
  for (const f of m.fields) {
    const g = got.get(f.num);
    if (f.inline) {
      const inner = decode(f.type, concat(g?.parts), path, depth + 1);
      if (inner && typeof inner === "object" && !Array.isArray(inner)) Object.assign(out, inner);
      continue;
    }
    if (f.repeated || f.map) {
      const v = f.map
        ? g?.entries?.size
          ? Object.fromEntries([...g.entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
          : undefined
        : g?.list?.length
          ? g.list
          : undefined;
      if (v !== undefined) out[f.json] = v;
      else if (!f.omitempty) out[f.json] = null;
      continue;
    }
    if (f.pointer) {
      if (g) out[f.json] = isScalar(f.type) ? (g.scalar ?? zeroScalar(f.type)) : value(f, g, path, depth);
      else if (!f.omitempty) out[f.json] = null;
      continue;
    }
    if (isScalar(f.type)) {
      // A non-nil empty []byte marshals as "", nil as null.
      const v = g?.scalar ?? zeroScalar(f.type);
      if ((f.omitempty || f.omitzero) && isZeroScalar(v)) continue;
      out[f.json] = v;
      continue;
    }
    // A struct value: encoding/json never omits it for omitempty; omitzero drops the zero value.
    const v = value(f, g, path, depth);
    if (f.omitzero && isZeroValue(f.type, v)) continue;
    out[f.json] = v;
  }
  return out;
}

function value(f: Field, g: Gathered | undefined, path: Path, depth: number): Json {
  return decode(f.type, concat(g?.parts), `${path}.${f.json}`, depth + 1);
}

function isZeroValue(type: string, v: Json): boolean {
  return JSON.stringify(v) === JSON.stringify(decode(type, new Uint8Array(0), type, 0));
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** RFC 3339 in UTC, as metav1.Time (seconds) and MicroTime (6 fraction digits) marshal. */
function rfc3339(seconds: number, micros?: number): string {
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) throw new Fail(`timestamp ${seconds} out of range`);
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) throw new Fail(`timestamp ${seconds} out of range`);
  const base = `${pad(y, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return micros === undefined ? `${base}Z` : `${base}.${pad(micros, 6)}Z`;
}

/** Go's time.Duration.String() for a nanosecond count. */
export function goDuration(ns: bigint): string {
  if (ns === 0n) return "0s";
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  const frac = (v: bigint, digits: number): [string, bigint] => {
    let s = "";
    let print = false;
    for (let i = 0; i < digits; i++) {
      const d = v % 10n;
      print ||= d !== 0n;
      if (print) s = `${d}${s}`;
      v /= 10n;
    }
    return [print ? `.${s}` : "", v];
  };
  let out: string;
  if (u < 1_000_000_000n) {
    if (u < 1000n) out = `${u}ns`;
    else if (u < 1_000_000n) {
      const [f, w] = frac(u, 3);
      out = `${w}${f}µs`;
    } else {
      const [f, w] = frac(u, 6);
      out = `${w}${f}ms`;
    }
  } else {
    const [f, w] = frac(u, 9);
    u = w;
    out = `${u % 60n}${f}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

function parseEmbeddedJson(b64: Json, path: Path): Json {
  const raw = Buffer.from(String(b64), "base64");
  try {
    return JSON.parse(raw.toString("utf8")) as Json;
  } catch (e) {
    throw new Fail(`${path}: embedded JSON is invalid: ${(e as Error).message}`);
  }
}

function special(m: Message, got: Map<number, Gathered>, buf: Uint8Array, path: Path, depth: number): Json {
  const field = (name: string) => {
    const f = m.byName.get(name);
    return f ? got.get(f.num) : undefined;
  };
  const scalar = (name: string) => field(name)?.scalar;
  const sub = (name: string) => {
    const f = m.byName.get(name)!;
    const g = got.get(f.num);
    return g?.parts ? decode(f.type, concat(g.parts), `${path}.${name}`, depth + 1) : undefined;
  };
  switch (m.special) {
    case "quantity":
      return (scalar("string") as string | undefined) || "0";
    case "intOrString":
      return scalar("type") === 1
        ? ((scalar("strVal") as string | undefined) ?? "")
        : ((scalar("intVal") as number) ?? 0);
    case "time":
      // An empty message is Go's zero time (null); seconds only, as metav1.Time keeps.
      return buf.length === 0 ? null : rfc3339(Number(scalar("seconds") ?? 0));
    case "microTime": {
      if (buf.length === 0) return null;
      const nanos = Number(scalar("nanos") ?? 0);
      if (nanos < 0 || nanos > 999_999_999) throw new Fail(`${path}: nanos ${nanos} out of range`);
      return rfc3339(Number(scalar("seconds") ?? 0), Math.floor(nanos / 1000));
    }
    case "duration":
      return goDuration(BigInt(Number(scalar("duration") ?? 0)));
    case "rawJson": {
      const raw = scalar("raw") ?? scalar("Raw");
      return raw ? parseEmbeddedJson(raw, path) : null;
    }
    case "rawExtension": {
      const raw = scalar("raw") as string | undefined;
      if (!raw) return null;
      const bytes = Buffer.from(raw, "base64");
      if (MAGIC.every((b, i) => bytes[i] === b)) return decodeEnvelope(bytes, undefined, depth + 1);
      return parseEmbeddedJson(raw, path);
    }
    case "schemaOrArray": {
      const arr = field("jSONSchemas")?.list;
      if (arr?.length) return arr;
      return sub("schema") ?? null;
    }
    case "schemaOrBool": {
      const s = sub("schema");
      if (s !== undefined) return s;
      return scalar("allows") === true;
    }
    case "schemaOrStringArray": {
      const arr = field("property")?.list;
      if (arr?.length) return arr;
      return sub("schema") ?? null;
    }
    case "items":
      return field("items")?.list ?? null;
    default:
      throw new TableError(`no decoder for ${m.special}`);
  }
}

export interface TypeMeta {
  apiVersion: string;
  kind: string;
}

/** The message that carries a kind; DeleteOptions is registered in every group version. */
export function messageFor(apiVersion: string, kind: string): string | undefined {
  if (kind === "DeleteOptions") return KINDS["meta.k8s.io/v1/DeleteOptions"];
  return KINDS[`${apiVersion}/${kind}`];
}

function decodeEnvelope(body: Uint8Array, defaults: TypeMeta | undefined, depth: number): Obj {
  if (body.length === 0) throw new Fail("empty data");
  if (body.length < MAGIC.length || !MAGIC.every((b, i) => body[i] === b))
    throw new Fail(
      `provided data does not appear to be a protobuf message, expected prefix [${MAGIC.join(" ")}]`,
    );
  if (body.length === MAGIC.length) throw new Fail("empty body");
  const r = protobuf.Reader.create(body.subarray(MAGIC.length));
  let apiVersion = "";
  let kind = "";
  let raw: Uint8Array = new Uint8Array(0);
  let encoding = "";
  while (r.pos < r.len) {
    const tag = r.uint32();
    const num = tag >>> 3;
    const wire = tag & 7;
    if (num >= 1 && num <= 4 && wire !== 2)
      throw new Fail(`proto: Unknown: wrong wireType = ${wire} for field ${num}`);
    if (num === 1) {
      const t = protobuf.Reader.create(r.bytes());
      while (t.pos < t.len) {
        const tt = t.uint32();
        if (tt >>> 3 === 1 && (tt & 7) === 2) apiVersion = t.string();
        else if (tt >>> 3 === 2 && (tt & 7) === 2) kind = t.string();
        else t.skipType(tt & 7);
      }
    } else if (num === 2) raw = r.bytes();
    else if (num === 3) encoding = r.string();
    else if (num === 4) r.string();
    else r.skipType(wire);
  }
  if (encoding) throw new Fail(`unsupported content encoding ${JSON.stringify(encoding)}`);
  // Missing parts of the type come from the endpoint, as the serializer's copyKindDefaults does.
  apiVersion ||= defaults?.apiVersion ?? "";
  kind ||= defaults?.kind ?? "";
  if (!kind) throw new Fail(`Object 'Kind' is missing in '${JSON.stringify({ apiVersion, kind })}'`);
  const name = messageFor(apiVersion, kind);
  if (!name)
    throw new Fail(`no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(apiVersion)}`);
  const obj = decode(name, raw, kind, depth) as Obj;
  return { apiVersion, kind, ...obj };
}

/**
 * Decodes a Kubernetes protobuf body into the JSON object it stands for. `defaults` is the
 * endpoint's type, used when the envelope leaves apiVersion or kind empty. Malformed input
 * (wrong prefix, truncation, wrong wire types, bad embedded JSON) throws a 400 BadRequest.
 */
export function decodeKubeProtobuf(body: Uint8Array, defaults?: TypeMeta): Record<string, unknown> {
  try {
    return decodeEnvelope(body, defaults, 0);
  } catch (e) {
    if (e instanceof Fail) throw badRequest(e.message);
    if (e instanceof TableError) throw e;
    // protobufjs reports truncation, bad wire types and tags as RangeError / Error.
    throw badRequest(`unable to decode the protobuf body: ${e instanceof Error ? e.message : String(e)}`);
  }
}
