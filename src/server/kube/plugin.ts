// The Kubernetes face: one API server per emulated cluster at `/clusters/<uid>/…`, as one
// Fastify plugin with its own error handler (every error is a Kubernetes `Status`). This file
// is wire only: it authenticates, classifies the path, negotiates content types, streams
// watches, and calls src/kube/ (api.ts semantics, discovery.ts, openapi.ts, tables.ts).
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isMap, isScalar, isSeq, parseDocument } from "yaml";
import {
  type DeleteOptions,
  type FieldValidation,
  KubeApi,
  type Obj,
  type PatchType,
  type WriteOptions,
} from "../../kube/api.js";
import type { ResourceType } from "../../kube/catalog.js";
import { ClusterDirectory, type ClusterInfo } from "../../kube/clusters.js";
import {
  aggregated,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  groups,
} from "../../kube/discovery.js";
import {
  badRequest,
  internalError,
  invalidOptions,
  KubeError,
  methodNotAllowed,
  methodNotServed,
  notAcceptable,
  pathNotFound,
  readOnlyCredential,
  requestEntityTooLarge,
  type StatusCause,
  unauthorized,
  unsupportedMediaType,
} from "../../kube/errors.js";
import { goInt64FieldError, goJsonSyntaxError, goQuote } from "../../kube/goText.js";
import { health } from "../../kube/health.js";
import { BUILTIN_KINDS, deprecationWarning, type Verb } from "../../kube/kinds.js";
import { podConnect, podLog } from "../../kube/logs.js";
import { getMetrics, listMetrics, storeMetricsSource } from "../../kube/metrics.js";
import { hashDoc, openapiV2, openapiV3, openapiV3Index } from "../../kube/openapi.js";
import { encodeOpenApiV2, OPENAPI_V2_PROTOBUF } from "../../kube/openapiProto.js";
import { decodeKubeProtobuf, PROTOBUF_CT, type TypeMeta } from "../../kube/proto/decode.js";
import {
  type Identity,
  selfSubjectAccessReview,
  selfSubjectReview,
  selfSubjectRulesReview,
  subjectAccessReview,
} from "../../kube/reviews.js";
import { tableHead, tableRow } from "../../kube/tables.js";
import { validateWriteOptions, type WriteVerb } from "../../kube/validation.js";
import { slicer } from "../../providers/slices.js";
import type { Store } from "../../store/types.js";
import { bearerToken } from "../auth.js";

export interface KubePluginOptions {
  store: Store;
  log: (msg: string, err?: unknown) => void;
  /** Bookmark period for watches (ms). */
  bookmarkMs?: number;
}

const JSON_CT = "application/json";

interface Req {
  cluster: ClusterInfo;
  /** The credential's identity (undefined on the public paths). */
  who?: Identity;
  prefix: string;
  rest: string[];
  query: URLSearchParams;
  /** The install's kube token key (service account tokens). */
  tokenKey: () => Promise<Buffer>;
  /** True once the server has begun to close (readyz's shutdown check). */
  stopping: () => boolean;
}

export async function kubePlugin(app: FastifyInstance, opts: KubePluginOptions): Promise<void> {
  const api = new KubeApi(opts.store, opts.log);
  const clusters = new ClusterDirectory(opts.store);
  let stopping = false;
  app.addHook("preClose", async () => {
    stopping = true;
  });

  // Protobuf bodies are binary: keep them as bytes (the app's catch-all parser reads text).
  app.addContentTypeParser(PROTOBUF_CT, { parseAs: "buffer" }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: unknown, req, reply) => {
    if (err instanceof KubeError) return sendStatus(reply, err);
    const e = err as { statusCode?: number; code?: string };
    if (e?.code === "FST_ERR_CTP_BODY_TOO_LARGE" || e?.statusCode === 413)
      return sendStatus(reply, requestEntityTooLarge());
    if (typeof e?.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500)
      return sendStatus(reply, badRequest(String((err as Error).message ?? "bad request")));
    opts.log(`kube request ${req.method} ${req.url} failed`, err);
    return sendStatus(reply, internalError("an unexpected error happened; see the emulator log"));
  });

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const url = new URL(req.url, "https://x");
    const segs = pathSegments(req.url);
    const uid = segs[1] ?? "";
    const rest = segs.slice(2);
    const publicPath = rest.length === 1 && ["version", "healthz", "livez", "readyz"].includes(rest[0]);
    const cluster = await clusters.find(uid);
    const token = bearerToken(req.headers.authorization);
    if (!cluster) {
      // Same answer whether or not the cluster exists, so a probe learns nothing without a token.
      if (!token) throw unauthorized();
      throw unauthorized();
    }
    const who = token ? await clusters.verify(cluster.uid, token) : undefined;
    if (!who && !publicPath) throw unauthorized();
    return serve(req, reply, url, cluster, who, rest, `/clusters/${cluster.uid}`);
  };

  // `kubectl get --raw <path>` sends the path from the server's root (client-go's RequestURI
  // drops the kubeconfig's `/clusters/<uid>`): the API's root paths are served for the cluster
  // whose credential the request carries, and refused without one.
  const rootHandler = async (req: FastifyRequest, reply: FastifyReply) => {
    const url = new URL(req.url, "https://x");
    const token = bearerToken(req.headers.authorization);
    const found = token ? await clusters.findByToken(token) : undefined;
    if (!found) throw unauthorized();
    const rest = pathSegments(req.url);
    return serve(req, reply, url, found.info, found.who, rest, "");
  };

  const serve = async (
    req: FastifyRequest,
    reply: FastifyReply,
    url: URL,
    cluster: ClusterInfo,
    who: Identity | undefined,
    rest: string[],
    prefix: string,
  ) => {
    if (
      who?.kind === "monitoring" &&
      req.method !== "GET" &&
      req.method !== "HEAD" &&
      !(req.method === "POST" && SELF_REVIEW_PATHS.has(rest.join("/")))
    )
      throw readOnlyCredential(req.method, `/${rest.join("/")}`);
    // kube-apiserver's router takes `.` and `..` as names (IsValidPathSegmentName refuses them);
    // resolving them like a browser would make `pods/..` read the namespace.
    const dots = rest.find((s) => s === "." || s === "..");
    if (dots !== undefined) throw badRequest(`Name parameter invalid: "${dots}": may not be '${dots}'`);
    const r: Req = {
      cluster,
      who,
      prefix,
      rest,
      query: url.searchParams,
      tokenKey: () => clusters.tokenKey(),
      stopping: () => stopping,
    };
    await api.ensureCluster(cluster.uid);
    return route(api, r, req, reply, opts);
  };
  app.all("/clusters/:uid", handler);
  app.all("/clusters/:uid/*", handler);
  for (const root of ["/api", "/apis", "/version", "/healthz", "/livez", "/readyz", "/openapi"]) {
    app.all(root, rootHandler);
    app.all(`${root}/*`, rootHandler);
  }
}

/** The path's segments as sent: WHATWG URL parsing would resolve `..` and `%2e%2e` away. */
const pathSegments = (url: string) => url.split("?")[0].split("/").filter(Boolean).map(decodeURIComponent);

/** Reviews that answer for the caller's own credential: read-only, so open to the monitoring one. */
const SELF_REVIEW_PATHS = new Set(
  BUILTIN_KINDS.filter(
    (k) => k.review === "selfAccess" || k.review === "selfRules" || k.review === "self",
  ).map((k) => `apis/${k.group}/${k.version}/${k.plural}`),
);

const gvOf = (t: ResourceType) => (t.group ? `${t.group}/${t.version}` : t.version);

function sendStatus(reply: FastifyReply, err: KubeError) {
  return reply.code(err.code).type(JSON_CT).send(JSON.stringify(err.toStatus()));
}

/** Adds Warning headers (one per message; reply.header alone would keep only the last). */
function addWarnings(reply: FastifyReply, warnings: readonly string[]): void {
  if (!warnings.length) return;
  const have = reply.getHeader("Warning");
  const list = have === undefined ? [] : Array.isArray(have) ? have.map(String) : [String(have)];
  reply.header("Warning", [...list, ...warnings.map((w) => `299 - ${JSON.stringify(w)}`)]);
}

function send(reply: FastifyReply, status: number, body: unknown, ct = JSON_CT, warnings: string[] = []) {
  addWarnings(reply, warnings);
  // Set as a raw header: reply.type() would quote the discovery media type's parameters.
  return reply
    .code(status)
    .header("content-type", ct)
    .send(Buffer.from(JSON.stringify(body)));
}

function versionInfo(v: string): Obj {
  const [major, minor] = v.split(".");
  return {
    major,
    minor,
    gitVersion: `v${v}`,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2025-01-01T00:00:00Z",
    goVersion: "go1.23.0",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

/** Which response form the Accept header asks for. */
function negotiate(accept: string | undefined): {
  as: "object" | "table" | "partial";
  tableVersion?: string;
} {
  const a = accept ?? "";
  if (!a || a === "*/*") return { as: "object" };
  for (const part of a.split(",")) {
    const p = part.trim();
    if (/as=Table/.test(p) && /g=meta\.k8s\.io/.test(p)) {
      const v = /v=(v1beta1|v1)/.exec(p)?.[1] ?? "v1";
      return { as: "table", tableVersion: v };
    }
    if (/as=PartialObjectMetadata/.test(p)) return { as: "partial" };
    if (
      /^application\/json(;|$)/.test(p) ||
      p === "*/*" ||
      p.startsWith("application/*") ||
      /^application\/yaml/.test(p)
    )
      return { as: "object" };
  }
  throw notAcceptable(a);
}

function aggregatedWanted(accept: string | undefined): "v2" | "v2beta1" | undefined {
  for (const part of (accept ?? "").split(",")) {
    if (!/as=APIGroupDiscoveryList/.test(part) || !/g=apidiscovery\.k8s\.io/.test(part)) continue;
    if (/v=v2beta1/.test(part)) return "v2beta1";
    if (/v=v2(;|$|\s)/.test(part)) return "v2";
  }
  return undefined;
}

/**
 * The request body as an object. `t` and `expect` (the kind the endpoint reads, e.g. Scale for
 * `…/scale`) let a protobuf body of a built-in kind be decoded; custom resources, like
 * kube-apiserver's, read only JSON and YAML.
 */
const PATCH_TYPES: Record<string, PatchType> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
  "application/apply-patch+cbor": "apply",
};

interface MediaType {
  ct: string;
  patchType?: PatchType;
}

/** A request body's media type, accepted or refused (415) before anything else is read. */
function mediaTypeOf(req: FastifyRequest, allowPatch: boolean, t?: ResourceType): MediaType {
  const ct = String(req.headers["content-type"] ?? "application/json")
    .split(";")[0]
    .trim()
    .toLowerCase();
  if (ct === PROTOBUF_CT && !allowPatch) {
    if (!t || t.crd) throw unsupportedMediaType(ct, "application/json, application/yaml");
    return { ct };
  }
  if (allowPatch) {
    const patchType = PATCH_TYPES[ct];
    if (!patchType || ct.endsWith("cbor")) throw unsupportedMediaType(ct);
    return { ct, patchType };
  }
  if (ct !== "application/json" && ct !== "application/yaml" && ct !== "*/*")
    throw unsupportedMediaType(
      ct,
      t && !t.crd
        ? `application/json, application/yaml, ${PROTOBUF_CT}`
        : "application/json, application/yaml",
    );
  return { ct };
}

function parseBody(
  req: FastifyRequest,
  allowPatch: boolean,
  t?: ResourceType,
  expect?: TypeMeta,
): { value: unknown; patchType?: PatchType } {
  return decodeBody(req, mediaTypeOf(req, allowPatch, t), t, expect);
}

/** The body of an accepted media type, decoded. */
function decodeBody(
  req: FastifyRequest,
  { ct, patchType }: MediaType,
  t?: ResourceType,
  expect?: TypeMeta,
): { value: unknown; patchType?: PatchType } {
  const raw = typeof req.body === "string" ? req.body : "";
  if (ct === PROTOBUF_CT && !patchType && t) {
    const buf = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    return { value: decodeKubeProtobuf(buf, expect ?? { apiVersion: gvOf(t), kind: t.kind }) };
  }
  if (!raw.trim()) throw badRequest("the body of the request is empty");
  let value: unknown;
  try {
    if (patchType === "apply" || ct === "application/yaml") value = yamlValue(raw);
    else value = JSON.parse(raw);
  } catch (e) {
    const yaml = patchType === "apply" || ct === "application/yaml";
    // A document nested past the parser's stack is refused as too deep, not with V8's words;
    // JSON is faulted in Go's words (kube-apiserver decodes with encoding/json's scanner).
    // The YAML parser rethrows V8's RangeError inside its own error: the words give it away.
    const tooDeep =
      e instanceof RangeError || /Maximum call stack size exceeded/.test(String((e as Error).message));
    const msg = tooDeep
      ? `exceeded max depth ${MAX_DEPTH}`
      : ((yaml ? undefined : goJsonError(raw)) ?? (e as Error).message.split("\n")[0]);
    if (yaml) throw badRequest(`error converting YAML to JSON: ${msg}`);
    // How each patch path words it (apiserver's patch.go): the strategic and JSON patch decoders'
    // error as it is; a merge patch's, decoded strictly first when fields are validated.
    if (patchType === "strategic" || patchType === "json") throw badRequest(msg);
    if (patchType === "merge") {
      const fv = new URL(req.url, "https://x").searchParams.get("fieldValidation") ?? "";
      throw badRequest(
        fv === "Strict" || fv === "Warn" ? `error decoding patch: ${msg}` : "Invalid JSON Patch",
      );
    }
    const base = `couldn't get version/kind; json parse error: ${msg}`;
    // transformDecodeError: the kind the endpoint wanted, and the start of what was sent.
    throw badRequest(
      t
        ? `the object provided is unrecognized (must be of type ${t.kind}): ${base} (${summarizeData(raw)})`
        : base,
    );
  }
  // The patch engines and validators recurse; refuse what would overflow them.
  if (depth(value) > MAX_DEPTH) throw badRequest(`json: exceeded max depth ${MAX_DEPTH}`);
  return { value, patchType };
}

const MAX_DEPTH = 1000;

/** apiserver's summarizeData: the first 30 bytes, as text when they open an object, else in hex. */
function summarizeData(raw: string, max = 30): string {
  const b = Buffer.from(raw, "utf8");
  if (!b.length) return "<empty>";
  const head = b.subarray(0, max);
  const more = b.length > max ? " ..." : "";
  return b[0] === 0x7b ? `${head.toString("latin1")}${more}` : `${head.toString("hex")}${more}`;
}

/**
 * A YAML body as a value. The parser's own unique-keys check compares every key of a mapping
 * with every other (a 4 MB ConfigMap of 100,000 keys held the process for minutes), so keys are
 * checked here, once each, with a set per mapping.
 */
function yamlValue(raw: string): unknown {
  const doc = parseDocument(raw, { uniqueKeys: false });
  if (doc.errors.length) throw doc.errors[0];
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key)) throw new Error("Map keys must be unique");
        seen.add(key);
        stack.push(pair.value);
      }
    } else if (isSeq(node)) for (const item of node.items) stack.push(item);
  }
  return doc.toJS({ maxAliasCount: 100 });
}

/** Nesting depth, walked iteratively (a recursive walk would overflow on hostile input). */
function depth(v: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[v, 1]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (!x || typeof x !== "object") continue;
    if (d > max) max = d;
    if (max > MAX_DEPTH) return max;
    for (const c of Object.values(x as Record<string, unknown>))
      if (c && typeof c === "object") stack.push([c, d + 1]);
  }
  return max;
}

function writeOptions(
  q: URLSearchParams,
  verb: WriteVerb,
  userAgent: string | undefined,
  patchType?: PatchType,
): WriteOptions {
  const dry = q.getAll("dryRun");
  const fv = q.get("fieldValidation") ?? "";
  // CreateOptions and UpdateOptions have no force: the parameter is ignored there.
  const force = verb === "patch" ? q.get("force") : null;
  validateWriteOptions(verb, {
    fieldManager: q.get("fieldManager") ?? undefined,
    dryRun: dry,
    fieldValidation: fv,
    force,
    patchType,
  });
  return {
    dryRun: dry.length > 0,
    fieldManager: q.get("fieldManager") ?? undefined,
    // An Update without fieldManager is recorded under the User-Agent's prefix (kube-apiserver).
    userAgent,
    // kube-apiserver's default is Warn (unknown fields reported as warnings).
    fieldValidation: (fv || "Warn") as FieldValidation,
    force: verb === "patch" && queryBool(q, "force") === true,
  };
}

/**
 * A boolean query parameter as kube-apiserver reads one (runtime.Convert_Slice_string_To_bool):
 * absent is undefined; "0" and any case of "false" are false; anything else — "abc", an empty
 * value — is true. (strings.EqualFold also folds the long s, U+017F.)
 */
export function queryBool(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  return !(v === "0" || /^[fF][aA][lL][sS\u017F][eE]$/u.test(v));
}

function deleteOptions(q: URLSearchParams, body: unknown): DeleteOptions {
  const b = (body && typeof body === "object" ? body : {}) as Obj;
  const policy = (q.get("propagationPolicy") ?? b.propagationPolicy) as string | undefined;
  const orphan = queryBool(q, "orphanDependents") ?? b.orphanDependents;
  const dryRuns = q.getAll("dryRun").length
    ? q.getAll("dryRun")
    : Array.isArray(b.dryRun)
      ? b.dryRun.map(String)
      : [];
  // ValidateDeleteOptions: one 422 naming every problem.
  const causes: StatusCause[] = [];
  if (orphan !== undefined && orphan !== null && policy !== undefined)
    causes.push({
      reason: "FieldValueInvalid",
      field: "propagationPolicy",
      message: `Invalid value: ${goQuote(policy)}: orphanDependents and deletionPropagation cannot be both set`,
    });
  if (policy !== undefined && !["Foreground", "Background", "Orphan"].includes(policy))
    causes.push({
      reason: "FieldValueNotSupported",
      field: "propagationPolicy",
      message: `Unsupported value: ${goQuote(String(policy))}: supported values: "Foreground", "Background", "Orphan", "nil"`,
    });
  if (dryRuns.some((d) => d !== "All"))
    causes.push({
      reason: "FieldValueNotSupported",
      field: "dryRun",
      message: `Unsupported value: []string{${dryRuns.map(goQuote).join(", ")}}: supported values: "All"`,
    });
  if (causes.length) throw invalidOptions("DeleteOptions", causes);
  const dry = dryRuns.length > 0;
  const grace = graceSeconds(q, b.gracePeriodSeconds);
  return {
    dryRun: dry,
    ...(grace !== undefined && grace !== null ? { gracePeriodSeconds: Number(grace) } : {}),
    ...(policy
      ? { propagationPolicy: policy as DeleteOptions["propagationPolicy"] }
      : orphan === true
        ? { propagationPolicy: "Orphan" }
        : {}),
    ...(b.preconditions && typeof b.preconditions === "object"
      ? { preconditions: b.preconditions as DeleteOptions["preconditions"] }
      : {}),
  };
}

async function route(
  api: KubeApi,
  r: Req,
  req: FastifyRequest,
  reply: FastifyReply,
  opts: KubePluginOptions,
) {
  const [first, ...tail] = r.rest;
  const method = req.method;
  const version = r.cluster.version;
  if (r.rest.length === 0)
    return send(reply, 200, {
      paths: [
        "/api",
        "/api/v1",
        "/apis",
        "/healthz",
        "/livez",
        "/openapi/v2",
        "/openapi/v3",
        "/readyz",
        "/version",
      ],
    });
  if (first === "version" && tail.length === 0) return send(reply, 200, versionInfo(version));
  if (
    (first === "healthz" || first === "livez" || first === "readyz") &&
    (method === "GET" || method === "HEAD")
  ) {
    const env = { store: opts.store, cluster: r.cluster.uid, stopping: r.stopping };
    const a = await health(env, first, r.query, tail.length ? tail.join("/") : undefined);
    for (const f of a.failures) opts.log(`kube /${first} of cluster ${r.cluster.uid}: ${f}`);
    return reply
      .code(a.status)
      .type("text/plain; charset=utf-8")
      .header("x-content-type-options", "nosniff")
      .send(a.text);
  }
  if (first === "openapi") return openapi(api, r, req, reply, tail);
  if (first !== "api" && first !== "apis") throw pathNotFound();
  const types = await api.types(r.cluster.uid);
  // ---- discovery
  if (first === "api" && tail.length === 0) {
    const agg = aggregatedWanted(req.headers.accept);
    if (agg)
      return send(
        reply,
        200,
        aggregated(types, true, agg),
        `application/json;g=apidiscovery.k8s.io;v=${agg};as=APIGroupDiscoveryList`,
      );
    return send(reply, 200, apiVersions(String(req.headers.host ?? "")));
  }
  if (first === "apis" && tail.length === 0) {
    const agg = aggregatedWanted(req.headers.accept);
    if (agg)
      return send(
        reply,
        200,
        aggregated(types, false, agg),
        `application/json;g=apidiscovery.k8s.io;v=${agg};as=APIGroupDiscoveryList`,
      );
    return send(reply, 200, apiGroupList(types));
  }
  let group: string;
  let ver: string;
  let segs: string[];
  if (first === "api") {
    group = "";
    ver = tail[0];
    segs = tail.slice(1);
  } else {
    group = tail[0];
    ver = tail[1];
    segs = tail.slice(2);
    if (ver === undefined) {
      const g = groups(types).find((x) => x.name === group);
      if (!g) throw pathNotFound();
      return send(reply, 200, apiGroup(g.name, g.versions));
    }
  }
  if (!types.some((t) => t.group === group && t.version === ver)) throw pathNotFound();
  if (segs.length === 0) return send(reply, 200, apiResourceList(types, group, ver));
  // ---- resources
  let ns: string | undefined;
  let plural: string;
  let name: string | undefined;
  let sub: string | undefined;
  if (
    segs[0] === "namespaces" &&
    segs.length >= 3 &&
    !(segs.length === 3 && (segs[2] === "status" || segs[2] === "finalize"))
  ) {
    ns = segs[1];
    [plural, name, sub] = segs.slice(2);
    if (segs.length > 5) throw pathNotFound();
  } else {
    [plural, name, sub] = segs;
    if (segs.length > 3) throw pathNotFound();
  }
  const t = types.find((x) => x.group === group && x.version === ver && x.plural === plural);
  if (!t) throw pathNotFound();
  if (t.namespaced === false && ns !== undefined) throw pathNotFound();
  if (
    sub !== undefined &&
    !(t.subresources ?? []).includes(sub as "status") &&
    !(t.key === "core/namespaces" && sub === "finalize")
  )
    throw pathNotFound();
  // Each subresource is served for its own verbs only (pods/binding is create-only, pods/log get-only).
  if (sub !== undefined && !(SUBRESOURCE_METHODS[sub] ?? []).includes(method === "HEAD" ? "GET" : method))
    throw methodNotServed();
  // A kind is served for its own verbs only (componentstatuses: get and list): no route, 405.
  const verb =
    sub === undefined ? verbOf(method, name !== undefined, queryBool(r.query, "watch") === true) : undefined;
  if (verb && !t.review && !t.metrics && !t.verbs.includes(verb)) throw methodNotServed();
  const deprecation = deprecationWarning(t, r.cluster.version);
  if (deprecation) addWarnings(reply, [deprecation]);
  if (t.review) return review(t, r, req, reply);
  if (t.metrics) return metricsRequest(opts.store, t, r, req, reply, ns, name);
  const cluster = r.cluster.uid;
  const q = r.query;
  const wo = (verb: WriteVerb, patchType?: PatchType) =>
    writeOptions(q, verb, req.headers["user-agent"], patchType);
  /** A write's body and options in kube-apiserver's order: media type (415), options (422), body. */
  const writeRequest = (verb: WriteVerb, expect?: TypeMeta) => {
    const mt = verb === "patch" ? mediaTypeOf(req, true) : mediaTypeOf(req, false, t);
    const o = wo(verb, mt.patchType);
    return { ...decodeBody(req, mt, verb === "patch" ? undefined : t, expect), o };
  };
  const nsArg = t.namespaced ? (ns ?? "") : "";
  if (t.namespaced && name !== undefined && ns === undefined) throw pathNotFound();

  if (name === undefined) {
    if (method === "GET") {
      if (queryBool(q, "watch")) return watch(api, t, ns, r, req, reply, opts);
      const neg = negotiate(req.headers.accept);
      const lq = listQuery(q);
      const out = await api.list(cluster, t, t.namespaced ? ns : undefined, lq);
      if (neg.as === "table") {
        const { head, row } = tableParts(t, out.meta, q, neg.tableVersion);
        return sendList(reply, head, "rows", out.items, row);
      }
      if (neg.as === "partial")
        return sendList(reply, partialList([], out.meta), "items", out.items, partialItem);
      return sendList(
        reply,
        {
          apiVersion: t.group ? `${t.group}/${t.version}` : t.version,
          kind: `${t.kind}List`,
          metadata: out.meta,
        },
        "items",
        out.items,
      );
    }
    if (method === "POST") {
      if (t.namespaced && ns === undefined)
        throw methodNotAllowed("create", { group: t.group, resource: t.plural });
      const { value, o } = writeRequest("create");
      const res = await api.create(cluster, t, nsArg, value, o);
      return send(reply, res.status, res.body, JSON_CT, res.warnings);
    }
    if (method === "DELETE") {
      // The all-namespaces path serves list and watch only: a DELETE there must not empty every
      // namespace. (Kinds without deletecollection were refused by the verb check above.)
      if (t.namespaced && ns === undefined) throw methodNotServed();
      const body = deleteBody(req);
      const res = await api.deleteCollection(
        cluster,
        t,
        t.namespaced ? ns : undefined,
        listQuery(q),
        deleteOptions(q, body),
      );
      return send(reply, res.status, res.body);
    }
    throw methodNotAllowed(method.toLowerCase(), { group: t.group, resource: t.plural });
  }

  // Streams to a container: the pod must exist, then kube/logs.ts explains why none opens.
  if (sub === "exec" || sub === "attach" || sub === "portforward")
    podConnect(await api.get(cluster, t, nsArg, name), sub, q.get("container") ?? undefined);
  if (method === "GET") {
    const neg = negotiate(req.headers.accept);
    if (sub === "scale") return send(reply, 200, await api.getScale(cluster, t, nsArg, name));
    // pods/log: simulated containers have no output; kube/logs.ts says so (i11).
    if (sub === "log")
      return reply
        .code(200)
        .type("text/plain")
        .send(podLog(await api.get(cluster, t, nsArg, name), q.get("container") ?? undefined));
    const obj = await api.get(cluster, t, nsArg, name);
    if (neg.as === "table")
      return send(
        reply,
        200,
        table(t, [obj], { resourceVersion: (obj.metadata as Obj).resourceVersion }, q, neg.tableVersion),
      );
    if (neg.as === "partial")
      return send(reply, 200, {
        kind: "PartialObjectMetadata",
        apiVersion: "meta.k8s.io/v1",
        metadata: obj.metadata,
      });
    return send(reply, 200, obj);
  }
  if (method === "PUT") {
    const { value, o } = writeRequest(
      "update",
      sub === "scale" ? { apiVersion: "autoscaling/v1", kind: "Scale" } : undefined,
    );
    const res = await api.update(cluster, t, nsArg, name, value, o, sub);
    return send(reply, res.status, res.body, JSON_CT, res.warnings);
  }
  if (method === "PATCH") {
    const { value, patchType, o } = writeRequest("patch");
    const res = await api.patch(cluster, t, nsArg, name, patchType!, value, o, sub);
    return send(reply, res.status, res.body, JSON_CT, res.warnings);
  }
  if (method === "DELETE") {
    if (sub) throw methodNotAllowed("delete", { group: t.group, resource: `${t.plural}/${sub}` });
    const body = deleteBody(req);
    const res = await api.delete(cluster, t, nsArg, name, deleteOptions(q, body));
    return send(reply, res.status, res.body);
  }
  if (method === "POST" && sub === "binding") {
    const { value } = parseBody(req, false, t, { apiVersion: "v1", kind: "Binding" });
    const res = await api.bind(cluster, t, nsArg, name, value, wo("create"));
    return send(reply, res.status, res.body);
  }
  if (method === "POST" && sub === "token") {
    const { value } = parseBody(req, false, t, {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
    });
    const res = await api.createToken(cluster, t, nsArg, name, value, await r.tokenKey());
    return send(reply, res.status, res.body);
  }
  if (method === "POST" && sub === "eviction") {
    const { value } = parseBody(req, false, t, { apiVersion: "policy/v1", kind: "Eviction" });
    const res = await api.evict(cluster, t, nsArg, name, value, wo("create"));
    return send(reply, res.status, res.body);
  }
  throw methodNotAllowed(method.toLowerCase(), { group: t.group, resource: t.plural });
}

/** The API verb of a request to a kind's own path (undefined: no verb of the table's). */
function verbOf(method: string, named: boolean, watch: boolean): Verb | undefined {
  switch (method) {
    case "GET":
    case "HEAD":
      return watch ? "watch" : named ? "get" : "list";
    case "POST":
      return named ? undefined : "create";
    case "PUT":
      return named ? "update" : undefined;
    case "PATCH":
      return named ? "patch" : undefined;
    case "DELETE":
      return named ? "delete" : "deletecollection";
    default:
      return undefined;
  }
}

/** The HTTP methods kube-apiserver registers for each subresource. */
const SUBRESOURCE_METHODS: Readonly<Record<string, readonly string[]>> = {
  status: ["GET", "PUT", "PATCH"],
  scale: ["GET", "PUT", "PATCH"],
  binding: ["POST"],
  eviction: ["POST"],
  token: ["POST"],
  log: ["GET"],
  exec: ["GET", "POST"],
  attach: ["GET", "POST"],
  portforward: ["GET", "POST"],
  ephemeralcontainers: ["GET", "PUT", "PATCH"],
  approval: ["GET", "PUT", "PATCH"],
  finalize: ["PUT"],
};

/** DeleteOptions from a DELETE body: JSON, or protobuf from typed clients. */
function deleteBody(req: FastifyRequest): unknown {
  if (Buffer.isBuffer(req.body))
    return req.body.length
      ? decodeKubeProtobuf(req.body, { apiVersion: "meta.k8s.io/v1", kind: "DeleteOptions" })
      : undefined;
  return typeof req.body === "string" && req.body.trim() ? safeJson(req.body) : undefined;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch (e) {
    throw badRequest(`json parse error: ${goJsonError(s) ?? (e as Error).message}`);
  }
}

/** Go's words for a JSON fault (undefined: none found, or nested too deep to look). */
function goJsonError(s: string): string | undefined {
  try {
    return goJsonSyntaxError(s);
  } catch {
    return undefined;
  }
}

/**
 * DeleteOptions.gracePeriodSeconds: from the query as the parameter codec converts it
 * (strconv.ParseInt's error), else from the body as encoding/json decodes an int64.
 */
function graceSeconds(q: URLSearchParams, body: unknown): number | undefined {
  // The parameter codec's error is strconv's alone (no "invalid <name>:" as lists say).
  const n = int64Param(q, "gracePeriodSeconds", "");
  if (n !== undefined) return Number(n);
  const refused = goInt64FieldError(body, "DeleteOptions.gracePeriodSeconds");
  if (refused) throw badRequest(refused);
  return typeof body === "number" ? body : undefined;
}

/** An int64 query parameter as Go's strconv.ParseInt reads it (beyond int64: out of range). */
function int64Param(q: URLSearchParams, name: string, prefix = `invalid ${name}: `): bigint | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  if (!/^[-+]?\d+$/.test(v))
    throw badRequest(`${prefix}strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  const n = BigInt(v);
  if (n > 9223372036854775807n || n < -9223372036854775808n)
    throw badRequest(`${prefix}strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`);
  return n;
}

const MAX_WATCH_S = BigInt(Math.floor(2147483647 / 1000));

/** More than any store holds: a larger limit (up to int64) lists everything, as it would. */
const LIMIT_CAP = 1_000_000_000;

function listQuery(q: URLSearchParams, watching = false) {
  const limit = int64Param(q, "limit");
  if (limit !== undefined && limit < 0n) throw badRequest(`invalid limit: ${q.get("limit")}`);
  const rv = q.get("resourceVersion") ?? "";
  const match = q.get("resourceVersionMatch") ?? "";
  const cont = q.get("continue") ?? "";
  // ValidateListOptions: one 422 naming each problem.
  const causes: StatusCause[] = [];
  const forbid = (message: string) =>
    causes.push({
      reason: "FieldValueForbidden",
      field: "resourceVersionMatch",
      message: `Forbidden: ${message}`,
    });
  if (match) {
    if (watching) forbid("resourceVersionMatch is forbidden for watch");
    if (!rv) forbid("resourceVersionMatch is forbidden unless resourceVersion is provided");
    if (cont) forbid("resourceVersionMatch is forbidden when continue is provided");
    if (match !== "Exact" && match !== "NotOlderThan")
      causes.push({
        reason: "FieldValueNotSupported",
        field: "resourceVersionMatch",
        message: `Unsupported value: ${goQuote(match)}: supported values: "Exact", "NotOlderThan", ""`,
      });
    if (match === "Exact" && rv === "0")
      forbid('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
  }
  if (causes.length) throw invalidOptions("ListOptions", causes);
  return {
    labelSelector: q.get("labelSelector") ?? undefined,
    fieldSelector: q.get("fieldSelector") ?? undefined,
    limit: limit ? Number(limit > BigInt(LIMIT_CAP) ? BigInt(LIMIT_CAP) : limit) : undefined,
    continue: cont || undefined,
    ...(rv ? { resourceVersion: rv } : {}),
    ...(match ? { resourceVersionMatch: match } : {}),
  };
}

function table(t: ResourceType, items: Obj[], meta: Obj, q: URLSearchParams, v = "v1") {
  const { head, row } = tableParts(t, meta, q, v);
  return { ...head, rows: items.map(row) };
}

function tableParts(t: ResourceType, meta: Obj, q: URLSearchParams, v = "v1") {
  const inc = q.get("includeObject") ?? "Metadata";
  if (!["None", "Metadata", "Object"].includes(inc))
    throw badRequest(`includeObject: Unsupported value: ${JSON.stringify(inc)}`);
  const opts = { includeObject: inc as "None" | "Metadata" | "Object" };
  const now = Date.now();
  return {
    head: { ...tableHead(t.columns, meta), apiVersion: `meta.k8s.io/${v}` },
    row: (o: Obj) => tableRow(t.columns, o, opts, now),
  };
}

const partialItem = (o: Obj) => ({
  kind: "PartialObjectMetadata",
  apiVersion: "meta.k8s.io/v1",
  metadata: o.metadata,
});

function partialList(items: Obj[], meta: Obj) {
  return {
    kind: "PartialObjectMetadataList",
    apiVersion: "meta.k8s.io/v1",
    metadata: meta,
    items: items.map(partialItem),
  };
}

/** Lists longer than this are serialised in slices and streamed. */
const STREAM_ITEMS = 500;

/**
 * A list answer `head` + `{key: items.map(each)}`. Long lists are serialised item by item,
 * yielding the event loop every few milliseconds (slices.ts), and streamed in 64 KiB chunks.
 */
function sendList(
  reply: FastifyReply,
  head: Obj,
  key: string,
  items: Obj[],
  each: (o: Obj) => unknown = (o) => o,
) {
  if (items.length <= STREAM_ITEMS) return send(reply, 200, { ...head, [key]: items.map(each) });
  async function* chunks() {
    const slice = slicer();
    const h = JSON.stringify(head);
    let buf = `${h.slice(0, -1)}${h === "{}" ? "" : ","}${JSON.stringify(key)}:[`;
    for (let i = 0; i < items.length; i++) {
      buf += (i ? "," : "") + JSON.stringify(each(items[i]));
      if (buf.length >= 65536) {
        yield Buffer.from(buf);
        buf = "";
      }
      await slice();
    }
    yield Buffer.from(`${buf}]}`);
  }
  return reply.code(200).header("content-type", JSON_CT).send(Readable.from(chunks()));
}

async function openapi(api: KubeApi, r: Req, req: FastifyRequest, reply: FastifyReply, tail: string[]) {
  // The metrics API's schemas are metrics-server's to publish; it has none we generate.
  const types = (await api.types(r.cluster.uid)).filter((t) => !t.metrics);
  const version = r.cluster.version;
  if (tail[0] === "v2" && tail.length === 1) {
    const acc = req.headers.accept ?? "";
    const doc = openapiV2(types, api.schemas, version);
    reply.header("Etag", `"${hashDoc(doc)}"`);
    // kubectl up to 1.28 asks for the protobuf form only.
    if (acc.includes(OPENAPI_V2_PROTOBUF) && !/application\/json/.test(acc.split(OPENAPI_V2_PROTOBUF)[0]))
      return reply.code(200).type(OPENAPI_V2_PROTOBUF).send(encodeOpenApiV2(doc));
    if (acc && !/application\/json|\*\/\*/.test(acc)) throw notAcceptable(acc);
    return send(reply, 200, doc);
  }
  if (tail[0] === "v3") {
    if (tail.length === 1) {
      const hashOf = (gv: string) => hashDoc(openapiV3(types, api.schemas, version, gv));
      return send(reply, 200, openapiV3Index(types, r.prefix, hashOf));
    }
    const gv = tail.slice(1).join("/");
    const doc = openapiV3(types, api.schemas, version, gv);
    if (!doc) throw pathNotFound();
    reply.header("Etag", `"${hashDoc(doc)}"`);
    if (r.query.get("hash")) reply.header("Cache-Control", "public, immutable");
    return send(reply, 200, doc);
  }
  throw pathNotFound();
}

/**
 * Each watch event's object in the form the Accept header asked for: a one-row Table (column
 * definitions on the first event only, as kube-apiserver's watch encoder sets NoHeaders after
 * it, so `kubectl get -w` keeps its columns) or PartialObjectMetadata. BOOKMARK and ERROR
 * events keep their own objects.
 */
function watchShape(
  t: ResourceType,
  q: URLSearchParams,
  neg: ReturnType<typeof negotiate>,
): (e: { type: string; object: Obj }) => unknown {
  if (neg.as === "object") return (e) => e;
  const rows = (e: { type: string }) => e.type === "ADDED" || e.type === "MODIFIED" || e.type === "DELETED";
  if (neg.as === "partial") return (e) => (rows(e) ? { type: e.type, object: partialItem(e.object) } : e);
  let headers = true;
  tableParts(t, {}, q, neg.tableVersion); // refuses a bad includeObject before the stream starts
  return (e) => {
    if (!rows(e)) return e;
    const rv = (e.object.metadata as Obj | undefined)?.resourceVersion;
    const meta = rv === undefined ? {} : { resourceVersion: rv };
    const { head, row } = tableParts(t, meta, q, neg.tableVersion); // AGE as of the event
    const table: Obj = { ...head, rows: [row(e.object)] };
    if (!headers) table.columnDefinitions = null;
    headers = false;
    return { type: e.type, object: table };
  };
}

async function watch(
  api: KubeApi,
  t: ResourceType,
  ns: string | undefined,
  r: Req,
  req: FastifyRequest,
  reply: FastifyReply,
  opts: KubePluginOptions,
) {
  const q = r.query;
  const timeout = int64Param(q, "timeoutSeconds");
  const lq = listQuery(q, true);
  const shape = watchShape(t, q, negotiate(req.headers.accept));
  reply.hijack();
  const res = reply.raw;
  let started = false;
  const begin = () => {
    if (started) return;
    started = true;
    const warning = reply.getHeader("Warning");
    res.writeHead(200, {
      "Content-Type": JSON_CT,
      "Transfer-Encoding": "chunked",
      "Cache-Control": "no-cache, private",
      ...(warning === undefined ? {} : { Warning: warning }),
    });
    // Clients wait for the headers before they read events; an idle watch must still send them.
    res.flushHeaders();
  };
  try {
    const h = await api.watch(
      r.cluster.uid,
      t,
      t.namespaced ? ns : undefined,
      {
        ...lq,
        resourceVersion: q.get("resourceVersion") ?? undefined,
        allowWatchBookmarks: queryBool(q, "allowWatchBookmarks") === true,
        // A timer holds at most 2^31−1 ms (~24 days); a longer watch ends then instead of at once.
        timeoutSeconds: timeout ? Number(timeout > MAX_WATCH_S ? MAX_WATCH_S : timeout) : undefined,
        bookmarkMs: opts.bookmarkMs,
      },
      (e) => {
        begin();
        res.write(`${JSON.stringify(shape(e))}\n`);
      },
      () => {
        begin();
        res.end();
      },
    );
    begin();
    req.raw.on("close", () => h.close());
    res.on("close", () => h.close());
  } catch (e) {
    const err = e instanceof KubeError ? e : internalError("the watch could not start");
    if (!(e instanceof KubeError)) opts.log("kube watch failed to start", e);
    if (!started) {
      res.writeHead(err.code, { "Content-Type": JSON_CT });
      res.end(JSON.stringify(err.toStatus()));
    } else res.end();
  }
}

/**
 * metrics.k8s.io: what metrics-server answers, computed from the store's nodes and pods at the
 * time of the request. Read-only (get/list): a watch is MethodNotSupported, any other method has
 * no route (405). While its APIService is not Available, kube-aggregator's 503.
 */
async function metricsRequest(
  store: Store,
  t: ResourceType,
  r: Req,
  req: FastifyRequest,
  reply: FastifyReply,
  ns: string | undefined,
  name: string | undefined,
) {
  if (req.method !== "GET" && req.method !== "HEAD") throw methodNotServed();
  // kube-aggregator's proxyError: http.Error's plain text, which client-go words as "the server
  // is currently unable to handle the request (get nodes.metrics.k8s.io)".
  if (t.unavailable)
    return reply
      .code(503)
      .type("text/plain; charset=utf-8")
      .header("x-content-type-options", "nosniff")
      .send("service unavailable\n");
  const which = t.metrics!;
  const cluster = r.cluster.uid;
  const q = r.query;
  const src = storeMetricsSource(store, cluster);
  const now = Date.now();
  const neg = negotiate(req.headers.accept);
  if (name === undefined) {
    if (queryBool(q, "watch")) throw methodNotAllowed("watch", { group: t.group, resource: t.plural });
    const list = await listMetrics(
      src,
      which,
      t.namespaced ? ns : undefined,
      {
        labelSelector: q.get("labelSelector") ?? undefined,
        fieldSelector: q.get("fieldSelector") ?? undefined,
      },
      now,
    );
    if (neg.as === "table") return send(reply, 200, table(t, list.items as Obj[], {}, q, neg.tableVersion));
    return send(reply, 200, list);
  }
  const one = await getMetrics(src, which, ns ?? "", name, now);
  if (neg.as === "table") return send(reply, 200, table(t, [one], {}, q, neg.tableVersion));
  return send(reply, 200, one);
}

/** POST of a review kind: answered from the caller's identity, never stored (kube/reviews.ts). */
function review(t: ResourceType, r: Req, req: FastifyRequest, reply: FastifyReply) {
  const [, , , , name] = r.rest;
  if (req.method !== "POST" || name !== undefined || !r.who)
    throw methodNotAllowed(req.method.toLowerCase(), { group: t.group, resource: t.plural });
  const body = parseBody(req, false, t).value;
  const out =
    t.review === "selfAccess"
      ? selfSubjectAccessReview(r.who, body)
      : t.review === "selfRules"
        ? selfSubjectRulesReview(r.who, body)
        : t.review === "access"
          ? subjectAccessReview(body)
          : selfSubjectReview(r.who, body);
  return send(reply, 201, out);
}
