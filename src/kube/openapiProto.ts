// OpenAPI v2 in the protobuf form kubectl ≤ 1.28 asks for (`Accept:
// application/com.github.proto-openapi.spec.v2@v1.0+protobuf`): the gnostic `openapi.v2.Document`
// message, encoded by a small writer here. Only the parts kubectl reads are written: paths with
// their operations, parameters, responses and vendor extensions (x-kubernetes-group-version-kind
// tells kubectl which operations take fieldValidation), and definitions with their schemas and
// extensions (explain, patch merge keys). Field numbers follow gnostic's OpenAPIv2.proto.
import { stringify } from "yaml";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

class Writer {
  private readonly parts: Buffer[] = [];
  private size = 0;

  private push(b: Buffer) {
    this.parts.push(b);
    this.size += b.length;
  }

  private varint(n: number) {
    const bytes: number[] = [];
    let v = BigInt(n);
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) b |= 0x80;
      bytes.push(b);
    } while (v > 0n);
    this.push(Buffer.from(bytes));
  }

  string(field: number, s: string | undefined) {
    if (s === undefined || s === "") return this;
    const b = Buffer.from(s, "utf8");
    this.varint((field << 3) | 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  bool(field: number, v: boolean | undefined) {
    if (!v) return this;
    this.varint(field << 3);
    this.varint(1);
    return this;
  }

  int(field: number, v: number | undefined) {
    if (v === undefined || !Number.isInteger(v) || v <= 0) return this;
    this.varint(field << 3);
    this.varint(v);
    return this;
  }

  double(field: number, v: number | undefined) {
    if (typeof v !== "number") return this;
    this.varint((field << 3) | 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.push(b);
    return this;
  }

  message(field: number, w: Writer | undefined) {
    if (!w) return this;
    const b = w.finish();
    this.varint((field << 3) | 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts, this.size);
  }
}

const w = () => new Writer();
const anyYaml = (v: unknown) => w().string(2, stringify(v).trimEnd());
const namedAny = (name: string, v: unknown) => w().string(1, name).message(2, anyYaml(v));

function extensions(o: Obj, field: number, into: Writer): void {
  for (const [k, v] of Object.entries(o)) if (k.startsWith("x-")) into.message(field, namedAny(k, v));
}

function schema(s: Obj): Writer {
  const out = w();
  if (typeof s.$ref === "string") return out.string(1, s.$ref).string(4, s.description as string | undefined);
  const ios = s["x-kubernetes-int-or-string"] === true;
  out.string(2, ios ? "int-or-string" : (s.format as string | undefined));
  out.string(4, s.description as string | undefined);
  if (s.default !== undefined) out.message(5, anyYaml(s.default));
  out.double(7, s.maximum as number | undefined);
  out.bool(8, s.exclusiveMaximum as boolean | undefined);
  out.double(9, s.minimum as number | undefined);
  out.bool(10, s.exclusiveMinimum as boolean | undefined);
  out.int(11, s.maxLength as number | undefined);
  out.int(12, s.minLength as number | undefined);
  out.string(13, s.pattern as string | undefined);
  out.int(14, s.maxItems as number | undefined);
  out.int(15, s.minItems as number | undefined);
  for (const r of (s.required as string[] | undefined) ?? []) out.string(19, r);
  for (const e of (s.enum as unknown[] | undefined) ?? []) out.message(20, anyYaml(e));
  if (isObj(s.additionalProperties)) out.message(21, w().message(1, schema(s.additionalProperties)));
  else if (s.additionalProperties === true) out.message(21, w().bool(2, true));
  const type = ios ? "string" : (s.type as string | undefined);
  if (type) out.message(22, w().string(1, type));
  if (isObj(s.items)) out.message(23, w().message(1, schema(s.items)));
  for (const a of (s.allOf as Obj[] | undefined) ?? []) out.message(24, schema(a));
  if (isObj(s.properties)) {
    const props = w();
    for (const [k, v] of Object.entries(s.properties))
      if (isObj(v)) props.message(1, w().string(1, k).message(2, schema(v)));
    out.message(25, props);
  }
  extensions(s, 31, out);
  return out;
}

function parameter(p: Obj): Writer {
  if (p.in === "body") {
    const body = w()
      .string(1, p.description as string | undefined)
      .string(2, String(p.name))
      .string(3, "body")
      .bool(4, p.required === true);
    if (isObj(p.schema)) body.message(5, schema(p.schema));
    return w().message(1, w().message(1, body));
  }
  if (p.in === "path") {
    const sub = w()
      .bool(1, true)
      .string(2, "path")
      .string(3, p.description as string | undefined)
      .string(4, String(p.name))
      .string(5, String(p.type ?? "string"))
      .bool(19, p.uniqueItems === true);
    return w().message(1, w().message(2, w().message(4, sub)));
  }
  const sub = w()
    .bool(1, p.required === true)
    .string(2, "query")
    .string(3, p.description as string | undefined)
    .string(4, String(p.name))
    .string(6, String(p.type ?? "string"))
    .bool(20, p.uniqueItems === true);
  return w().message(1, w().message(2, w().message(3, sub)));
}

function operation(op: Obj): Writer {
  const out = w();
  for (const t of (op.tags as string[] | undefined) ?? []) out.string(1, t);
  out.string(3, op.description as string | undefined);
  out.string(5, op.operationId as string | undefined);
  for (const p of (op.parameters as Obj[] | undefined) ?? []) out.message(8, parameter(p));
  const responses = w();
  for (const [code, r] of Object.entries((op.responses as Obj | undefined) ?? {})) {
    if (!isObj(r)) continue;
    const resp = w().string(1, String(r.description ?? ""));
    if (isObj(r.schema)) resp.message(2, w().message(1, schema(r.schema)));
    responses.message(1, w().string(1, code).message(2, w().message(1, resp)));
  }
  out.message(9, responses);
  extensions(op, 13, out);
  return out;
}

const METHOD_FIELD: Record<string, number> = {
  get: 2,
  put: 3,
  post: 4,
  delete: 5,
  options: 6,
  head: 7,
  patch: 8,
};

/** Encodes an OpenAPI v2 (swagger) JSON document as gnostic's openapi.v2.Document. */
export function encodeOpenApiV2(doc: Obj): Buffer {
  const out = w().string(1, String(doc.swagger ?? "2.0"));
  const info = (doc.info ?? {}) as Obj;
  out.message(
    2,
    w()
      .string(1, info.title as string | undefined)
      .string(2, info.version as string | undefined),
  );
  const paths = w();
  for (const [p, item] of Object.entries((doc.paths ?? {}) as Obj)) {
    if (!isObj(item)) continue;
    const pi = w();
    for (const [m, op] of Object.entries(item)) {
      if (m === "parameters" && Array.isArray(op))
        for (const x of op) if (isObj(x)) pi.message(9, parameter(x));
      const f = METHOD_FIELD[m];
      if (f && isObj(op)) pi.message(f, operation(op));
    }
    paths.message(2, w().string(1, p).message(2, pi));
  }
  out.message(8, paths);
  const defs = w();
  for (const [name, s] of Object.entries((doc.definitions ?? {}) as Obj)) {
    if (isObj(s)) defs.message(1, w().string(1, name).message(2, schema(s)));
  }
  out.message(9, defs);
  return out.finish();
}

export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
