// The Kubernetes API's semantics for every kind (kube-apiserver's generic registry): CRUD,
// lists with selectors and pagination, optimistic concurrency on resourceVersion (= the
// store revision), generation, status/scale/binding/eviction subresources, the four patch
// types, dry-run, deletion with finalizers, propagation and owner-reference garbage
// collection, namespace termination, and watches over the store's change feed. No HTTP here:
// the wire (server/kube/) parses requests into these calls and serialises their results.
import { randomUUID } from "node:crypto";
import type { Pod } from "kubernetes-types/core/v1.js";
import { slicer } from "../providers/slices.js";
import type { ChangeRecord, KubeObjectRecord, Store, Tx } from "../store/types.js";
import { StoreConflictError, TooOldError } from "../store/types.js";
import { hasAdmission, runMutatingAdmission } from "./admission.js";
import { BOOTSTRAP } from "./bootstrap.js";
import { Catalog, CRD_KEY, crdStampKey, NAMESPACE_KEY, type ResourceType, storageTypeOf } from "./catalog.js";
import { conversionFor } from "./conversions/index.js";
import { crdInfo, validateCrd, validateCustom } from "./crd.js";
import { applyDefaults } from "./defaults.js";
import {
  alreadyExists,
  badRequest,
  conflict,
  crdTerminating,
  forbiddenNamespaceTerminating,
  gone,
  invalid,
  KubeError,
  MODIFIED,
  notFound,
  type Qualified,
  type StatusCause,
  tooLargeResourceVersion,
  unsupportedMediaType,
} from "./errors.js";
import { checkEviction } from "./eviction.js";
import { scaleManagedFields, scaleToParent, serverSideApply, trackUpdate, updateManager } from "./fields.js";
import { goInt64FieldError } from "./goText.js";
import { cloneJson, jsonEqual, sameUnordered } from "./json.js";
import { BUILTIN_KINDS, DEFAULT_NAMESPACES, groupVersion } from "./kinds.js";
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from "./patch.js";
import { type BuiltinSchemas, builtinSchemas, decodeError, pruneUnknown, type Schema } from "./schemas.js";
import { matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from "./selectors.js";
import { approvalOnly, ephemeralContainersOnly, PREPARE_FOR_CREATE } from "./strategies.js";
import { nowRfc3339, rfc3339 } from "./time.js";
import { DEFAULT_AUDIENCE, mintServiceAccountToken } from "./tokens.js";
import {
  DNS1123_LABEL_MESSAGE,
  DNS1123_LABEL_RE,
  validateBuiltin,
  validateCustomMeta,
  validateEphemeralContainersUpdate,
  validateWriteOptions,
} from "./validation.js";
import { randomNameSuffix } from "./workloads/names.js";

export type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);
function meta(o: Obj): Obj {
  if (!isObj(o.metadata)) o.metadata = {};
  return o.metadata as Obj;
}

export type FieldValidation = "Strict" | "Warn" | "Ignore";
export type PatchType = "json" | "merge" | "strategic" | "apply";

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: FieldValidation;
  force?: boolean;
  /**
   * Set by a write in a version served by conversion (viaStorage): the group/version the client
   * used, which managedFields record (kube-apiserver tracks fields in the request's version).
   */
  servedVersion?: string;
  /** The request's User-Agent: an Update without fieldManager is recorded under its prefix. */
  userAgent?: string;
  /** Set by patch(): the patch handler words a strict decoding error without the kind's prefix. */
  patching?: boolean;
}

export interface Result {
  status: number;
  body: Obj;
  warnings: string[];
}

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface DeleteOptions {
  dryRun?: boolean;
  gracePeriodSeconds?: number;
  propagationPolicy?: "Foreground" | "Background" | "Orphan";
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface WatchQuery extends ListQuery {
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  /** Bookmark period (ms); kube-apiserver's is about a minute. */
  bookmarkMs?: number;
}

export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: Obj;
}

const q = (t: ResourceType): Qualified => ({ group: t.group, resource: t.plural });
const gv = (t: ResourceType) => groupVersion(t);

/** DecodeManagedFields would accept it: entries of a manager, Apply or Update, with field sets. */
function decodableManagedFields(v: unknown): boolean {
  return (
    Array.isArray(v) &&
    v.length > 0 &&
    v.every(
      (e) =>
        isObj(e) &&
        typeof e.manager === "string" &&
        (e.operation === "Apply" || e.operation === "Update") &&
        (e.fieldsV1 === undefined || isObj(e.fieldsV1)),
    )
  );
}

/** The name rules of kube-apiserver's strategies: most kinds take a DNS-1123 subdomain. */
interface NameRule {
  re: RegExp;
  max: number;
  message: string;
}
const DNS1123_SUBDOMAIN: NameRule = {
  re: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  max: 253,
  message:
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
};
const NAME_RULES: Readonly<Record<string, NameRule>> = {
  [NAMESPACE_KEY]: { re: DNS1123_LABEL_RE, max: 63, message: DNS1123_LABEL_MESSAGE },
  // ValidateServiceName: a DNS-1035 label (it becomes a DNS name and environment variables).
  "core/services": {
    re: /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
    max: 63,
    message:
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
  },
  // ValidateAPIService: a path segment (`v1.` names the core group's), `<version>.<group>`.
  "apiregistration.k8s.io/apiservices": {
    re: /^(?!\.\.?$)[^/%]*$/,
    max: Number.MAX_SAFE_INTEGER,
    message: "may not contain '/' or '%', and may not be '.' or '..'",
  },
};

/** `[{}]`: the request clears managedFields altogether. */
function resetsManagedFields(v: unknown): boolean {
  return Array.isArray(v) && v.length > 0 && v.every((e) => isObj(e) && !Object.keys(e).length);
}

/** One cluster's API, bound to its uid. */
export class KubeApi {
  readonly catalog = new Catalog();
  readonly schemas: BuiltinSchemas;
  private readonly seeded = new Map<string, number>();

  constructor(
    readonly store: Store,
    private readonly log: (msg: string, err?: unknown) => void = () => undefined,
  ) {
    this.schemas = builtinSchemas(BUILTIN_KINDS);
  }

  resolve = (s: Schema | undefined): Schema | undefined => this.schemas.resolve(s);

  /** The default namespaces exist in every cluster from its first request on. */
  async ensureCluster(cluster: string): Promise<void> {
    const at = this.seeded.get(cluster);
    // Re-checked now and then: `aksnet reset` wipes the objects under a running process.
    if (at !== undefined && Date.now() - at < 5000) return;
    const missing = await this.store.read(async (tx) => {
      for (const ns of DEFAULT_NAMESPACES)
        if (!(await tx.getObject(cluster, NAMESPACE_KEY, "", ns))) return true;
      for (const b of BOOTSTRAP)
        if (!(await tx.getObject(cluster, b.resource, b.namespace, String(meta(b.body).name)))) return true;
      return false;
    });
    if (!missing) {
      this.seeded.set(cluster, Date.now());
      return;
    }
    await this.store.transaction(async (tx) => {
      for (const ns of DEFAULT_NAMESPACES) {
        if (await tx.getObject(cluster, NAMESPACE_KEY, "", ns)) continue;
        await tx.putObject(
          {
            cluster,
            resource: NAMESPACE_KEY,
            namespace: "",
            name: ns,
            body: {
              apiVersion: "v1",
              kind: "Namespace",
              metadata: {
                name: ns,
                uid: randomUUID(),
                creationTimestamp: nowRfc3339(),
                labels: { "kubernetes.io/metadata.name": ns },
              },
              spec: { finalizers: ["kubernetes"] },
              status: { phase: "Active" },
            },
          },
          { create: true },
        );
        // What a namespace is born with (its default ServiceAccount …), as for any other.
        await runMutatingAdmission(this.store, {
          tx,
          cluster,
          resource: NAMESPACE_KEY,
          namespace: "",
          operation: "CREATE",
          object: { metadata: { name: ns } },
        });
      }
      for (const b of BOOTSTRAP) {
        const name = String(meta(b.body).name);
        if (await tx.getObject(cluster, b.resource, b.namespace, name)) continue;
        const body = cloneJson(b.body);
        Object.assign(meta(body), { uid: randomUUID(), creationTimestamp: nowRfc3339() });
        await tx.putObject(
          { cluster, resource: b.resource, namespace: b.namespace, name, body },
          { create: true },
        );
      }
    });
    this.seeded.set(cluster, Date.now());
  }

  async types(cluster: string): Promise<ResourceType[]> {
    return this.store.read((tx) => this.catalog.types(tx, cluster));
  }

  async find(
    cluster: string,
    group: string,
    version: string,
    plural: string,
  ): Promise<ResourceType | undefined> {
    return this.store.read((tx) => this.catalog.find(tx, cluster, group, version, plural));
  }

  /** The schema of a type's objects: built-in definitions, or the CRD version's openAPIV3Schema. */
  schemaOf(t: ResourceType): Schema | undefined {
    if (t.crd) return t.crd.schema;
    const name = this.schemas.topFor(t.group, t.version, t.kind);
    return name ? this.schemas.defs.get(name) : undefined;
  }

  // ---------------------------------------------------------------- reads

  /** The object as served: apiVersion/kind of the request, resourceVersion = revision (a shallow copy; callers copy before mutating deeper). */
  serve(t: ResourceType, rec: KubeObjectRecord): Obj {
    const { apiVersion: _a, kind: _k, metadata, ...rest } = rec.body;
    const out = {
      apiVersion: gv(t),
      kind: t.kind,
      metadata: { ...(metadata as Obj), resourceVersion: String(rec.revision) },
      ...rest,
    };
    const c = t.storageVersion ? conversionFor(t) : undefined;
    return c ? c.fromStorage(out) : out;
  }

  /**
   * A write in a version served by conversion (kinds.ts `storageVersion`): the body is decoded
   * against this version's schema, converted, written in the storage version by `write`, and
   * answered in this version.
   */
  private async viaStorage(
    t: ResourceType,
    input: unknown,
    o: WriteOptions,
    write: (s: ResourceType, body: Obj, o: WriteOptions) => Promise<Result>,
    decode = true,
  ): Promise<Result> {
    if (!isObj(input)) throw badRequest("Object 'Kind' is missing in the request body");
    const c = conversionFor(t);
    if (!c) throw new Error(`no conversion for ${gv(t)} ${t.kind}`);
    const warnings: string[] = [];
    const body = decode
      ? this.admit(t, cloneJson(input), o.fieldValidation ?? "Ignore", warnings)
      : cloneJson(input);
    const res = await write(storageTypeOf(t), c.toStorage(body), { ...o, servedVersion: gv(t) });
    return {
      ...res,
      body: res.body.kind === t.kind ? c.fromStorage(res.body) : res.body,
      warnings: [...warnings, ...res.warnings],
    };
  }

  async get(cluster: string, t: ResourceType, ns: string, name: string): Promise<Obj> {
    const rec = await this.store.read((tx) => tx.getObject(cluster, t.key, ns, name));
    if (!rec) throw notFound(q(t), name);
    return this.serve(t, rec);
  }

  async list(
    cluster: string,
    t: ResourceType,
    ns: string | undefined,
    lq: ListQuery,
  ): Promise<{ items: Obj[]; meta: Obj }> {
    const labels = parseLabelSelector(lq.labelSelector);
    const fields = parseFieldSelector(lq.fieldSelector, t.fieldSelectors ?? []);
    const limit = lq.limit && lq.limit > 0 ? lq.limit : undefined;
    let after: string | undefined;
    if (lq.continue) after = decodeContinue(lq.continue);
    return this.store.read(async (tx) => {
      const rv = await tx.currentRevision();
      // The store serves its current state only: a revision ahead of it is too large; an exact
      // one behind it is gone (as a compacted one is).
      const want = lq.resourceVersion && !lq.continue ? Number(lq.resourceVersion) : Number.NaN;
      if (Number.isInteger(want) && want > 0) {
        if (want > rv) throw tooLargeResourceVersion(want, rv);
        if (lq.resourceVersionMatch === "Exact" && want < rv)
          throw gone("The resourceVersion for the provided list is too old.");
      }
      const items: Obj[] = [];
      // Pages of 500 with yields between items: a list of thousands never holds the event loop.
      const page = limit ? Math.max(limit, 500) : 500;
      const slice = slicer();
      let more = false;
      let lastKey = "";
      for (;;) {
        const batch = await tx.listObjects({
          cluster,
          resource: t.key,
          namespace: ns,
          after,
          limit: page + 1,
        });
        const hasNext = batch.length > page;
        for (const rec of batch.slice(0, page)) {
          after = `${rec.namespace}/${rec.name}`;
          if (!matchLabels(labels, (rec.body.metadata as Obj | undefined)?.labels as Record<string, string>))
            continue;
          if (
            fields.length &&
            !matchFields(fields, { ...rec.body, metadata: { ...meta(rec.body), namespace: rec.namespace } })
          )
            continue;
          if (limit && items.length === limit) {
            more = true;
            break;
          }
          items.push(this.serve(t, rec));
          lastKey = `${rec.namespace}/${rec.name}`;
          await slice();
        }
        if (more || !hasNext) break;
      }
      const m: Obj = { resourceVersion: String(rv) };
      if (more) {
        m.continue = encodeContinue(lastKey, rv);
        // The storage counts what is left only when nothing is filtered (etcd3's list).
        if (!labels.length && !fields.length)
          m.remainingItemCount = await tx.countObjects({
            cluster,
            resource: t.key,
            namespace: ns,
            after: lastKey,
          });
      }
      return { items, meta: m };
    });
  }

  // ---------------------------------------------------------------- writes

  private async namespaceCheck(
    tx: Tx,
    cluster: string,
    t: ResourceType,
    ns: string,
    name: string,
  ): Promise<void> {
    if (!t.namespaced) return;
    const rec = await tx.peekObject(cluster, NAMESPACE_KEY, "", ns);
    if (!rec) throw notFound({ group: "", resource: "namespaces" }, ns);
    if (meta(rec.body).deletionTimestamp) throw forbiddenNamespaceTerminating(q(t), name, ns);
  }

  /** Decode-time checks: apiVersion/kind, unknown fields per fieldValidation, schema (CRs), kind rules. */
  private admit(
    t: ResourceType,
    body: Obj,
    fv: FieldValidation,
    warnings: string[],
    old?: Obj,
    sub?: string,
    patching = false,
  ): Obj {
    if (body.apiVersion !== undefined && body.apiVersion !== gv(t))
      throw badRequest(
        `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${gv(t)})`,
      );
    if (body.kind !== undefined && body.kind !== t.kind)
      throw badRequest(
        `the kind in the data (${String(body.kind)}) does not match the expected kind (${t.kind})`,
      );
    const unknown: string[] = [];
    let out: Obj;
    const name = String(meta(body).name ?? meta(body).generateName ?? "");
    if (t.crd) {
      const { metadata, ...rest } = body;
      const causes: StatusCause[] = validateCustomMeta(metadata);
      const checked = validateCustom(rest, t.crd.schema, "", causes, unknown) as Obj;
      // metadata is always the standard ObjectMeta.
      const mUnknown: string[] = [];
      const mm = pruneUnknown(
        metadata ?? {},
        { $ref: "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" },
        this.resolve,
        "metadata",
        mUnknown,
        [],
      );
      unknown.push(...mUnknown);
      out = { ...checked, metadata: mm };
      if (causes.length) throw invalid(t.kind, t.group, name, causes);
    } else if (
      sub === "status" &&
      fv === "Ignore" &&
      old !== undefined &&
      t.subresources?.includes("status")
    ) {
      // A status write keeps only the status (updateWith takes everything else from the stored
      // object, as the status strategies do): only that part is pruned and defaulted, and the
      // spec is not validated again. (Strict or Warn field validation reads the whole body.)
      const mismatched: string[] = [];
      const statusSchema = this.resolve(this.schemaOf(t))?.properties?.status;
      const status = pruneUnknown(
        body.status,
        statusSchema,
        this.resolve,
        "status",
        unknown,
        mismatched,
        true,
      );
      if (mismatched.length) this.undecodable(t, body.status, statusSchema, "status");
      const ref = (statusSchema as { $ref?: string } | undefined)?.$ref;
      if (ref) applyDefaults(status, ref.slice(ref.lastIndexOf("/") + 1), this.schemas.defs, false, false);
      out = { ...body, status };
      if (status === undefined) delete out.status;
    } else {
      const mismatched: string[] = [];
      out = pruneUnknown(body, this.schemaOf(t), this.resolve, "", unknown, mismatched, true) as Obj;
      if (mismatched.length) this.undecodable(t, body, this.schemaOf(t), "");
      const def = this.schemas.topFor(t.group, t.version, t.kind);
      if (def) applyDefaults(out, def, this.schemas.defs, old === undefined);
      // pods/ephemeralcontainers: only the ephemeral containers change, and by their own rules.
      const ephemeral = sub === "ephemeralcontainers" && old !== undefined;
      if (ephemeral) out = ephemeralContainersOnly(out, old);
      if (sub === "approval" && old !== undefined) out = approvalOnly(out, old, nowRfc3339());
      const causes = ephemeral ? validateEphemeralContainersUpdate(out, old) : validateBuiltin(t, out, old);
      if (t.key === CRD_KEY) causes.push(...validateCrd(out));
      if (causes.length) throw invalid(t.kind, t.group, name, causes);
      if (t.inert) warnings.push(t.inert);
    }
    if (unknown.length) {
      const msgs = unknown.map((u) => `unknown field "${u}"`);
      // The create and update handlers pass it through transformDecodeError; patch.go does not.
      if (fv === "Strict")
        throw badRequest(
          `${patching ? "" : `${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: `}strict decoding error: ${msgs.join(", ")}`,
        );
      if (fv === "Warn") warnings.push(...msgs);
    }
    return out;
  }

  private nameCheck(t: ResourceType, name: string): StatusCause[] {
    const rule = NAME_RULES[t.key] ?? DNS1123_SUBDOMAIN;
    const out: StatusCause[] = [];
    const bad = (msg: string) =>
      out.push({
        reason: "FieldValueInvalid",
        field: "metadata.name",
        message: `Invalid value: ${JSON.stringify(name)}: ${msg}`,
      });
    if (name.length > rule.max) bad(`must be no more than ${rule.max} characters`);
    if (!rule.re.test(name)) bad(rule.message);
    return out;
  }

  private statusOnCreate(t: ResourceType, body: Obj): void {
    if (t.key === NAMESPACE_KEY) {
      body.status = { phase: "Active" };
      body.spec = { finalizers: ["kubernetes"] };
      meta(body).labels = {
        ...((meta(body).labels as Obj) ?? {}),
        "kubernetes.io/metadata.name": meta(body).name,
      };
      return;
    }
    if (t.key === "core/pods") {
      body.status = { phase: "Pending", qosClass: qosClass(body) };
      return;
    }
    if (t.key === "core/services") body.status = { loadBalancer: {} };
    else if (t.subresources?.includes("status")) delete body.status;
  }

  async create(
    cluster: string,
    t: ResourceType,
    ns: string,
    input: unknown,
    o: WriteOptions,
  ): Promise<Result> {
    if (t.storageVersion)
      return this.viaStorage(t, input, o, (s, b, so) => this.create(cluster, s, ns, b, so));
    if (!isObj(input)) throw badRequest("Object 'Kind' is missing in the request body");
    if (t.crd?.terminating) throw crdTerminating(q(t));
    await this.ensureCluster(cluster);
    const warnings: string[] = [];
    const res = await this.store.transaction((tx) => this.createTx(tx, cluster, t, ns, input, o, warnings));
    if (t.key === CRD_KEY) this.catalog.invalidate(cluster);
    return { ...res, warnings };
  }

  /**
   * Create inside the caller's transaction (the controllers' batches: many writes, one commit).
   * The caller has called ensureCluster; CRDs are not written this way (the catalog would not
   * learn of them).
   */
  async createTx(
    tx: Tx,
    cluster: string,
    t: ResourceType,
    ns: string,
    input: object,
    o: WriteOptions,
    warnings: string[] = [],
  ): Promise<Result> {
    const body = this.admit(t, cloneJson(input) as Obj, o.fieldValidation ?? "Ignore", warnings);
    const m = meta(body);
    if (t.namespaced) {
      if (m.namespace !== undefined && m.namespace !== "" && m.namespace !== ns)
        throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
    } else delete m.namespace;
    let name = String(m.name ?? "");
    if (!name && m.generateName) name = `${String(m.generateName)}${randomNameSuffix()}`;
    if (!name)
      throw invalid(t.kind, t.group, "", [
        {
          reason: "FieldValueRequired",
          field: "metadata.name",
          message: "Required value: name or generateName is required",
        },
      ]);
    const nameCauses = this.nameCheck(t, name);
    if (nameCauses.length) throw invalid(t.kind, t.group, name, nameCauses);
    await this.namespaceCheck(tx, cluster, t, ns, name);
    // The write itself refuses an existing name (commit); checked first only where something
    // would act before it: admission steps (they allocate) or a dry run (it writes nothing).
    if (
      (o.dryRun || hasAdmission(this.store, t.key)) &&
      (await tx.getObject(cluster, t.key, t.namespaced ? ns : "", name))
    )
      throw alreadyExists(q(t), name);
    m.name = name;
    if (t.namespaced) m.namespace = ns;
    m.uid = randomUUID();
    m.creationTimestamp = nowRfc3339();
    delete m.resourceVersion;
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    delete m.managedFields;
    if (t.hasGeneration || t.crd) m.generation = 1;
    else delete m.generation;
    // The field manager before admission, as kube-apiserver's create handler runs them: what
    // admission adds (a pod's token volume, AKS's host ports) is nobody's — and a pod's
    // managedFields tree stays the one its template's pods share.
    await this.admitCreate(tx, cluster, t, ns, body, o, () => this.track(t, undefined, body, o));
    // After the field manager, as in kube-apiserver: what the strategy generates is nobody's.
    PREPARE_FOR_CREATE[t.key]?.(body);
    return this.commit(tx, cluster, t, t.namespaced ? ns : "", name, body, undefined, o, 201);
  }

  /**
   * The last steps before a new object is written, shared by create and server-side-apply create:
   * status reset, `track` (create's field manager), mutating admission (kube/admission.ts: the
   * ServiceAccount plugin, AKS's host-port webhook …) in this transaction, CRD acceptance, and
   * the served apiVersion/kind.
   */
  private async admitCreate(
    tx: Tx,
    cluster: string,
    t: ResourceType,
    ns: string,
    body: Obj,
    o: WriteOptions,
    track?: () => void,
  ) {
    this.statusOnCreate(t, body);
    track?.();
    await runMutatingAdmission(this.store, {
      tx,
      cluster,
      resource: t.key,
      namespace: ns,
      operation: "CREATE",
      object: body,
      dryRun: o.dryRun,
    });
    if (t.key === CRD_KEY) acceptCrd(body);
    body.apiVersion = gv(t);
    body.kind = t.kind;
  }

  /** Writes (or, dry-run, pretends to) and returns the served object. */
  private async commit(
    tx: Tx,
    cluster: string,
    t: ResourceType,
    ns: string,
    name: string,
    body: Obj,
    old: KubeObjectRecord | undefined,
    o: WriteOptions,
    status: number,
  ): Promise<Result> {
    // A copy rather than `delete`: the stored body stays with the watchers' cache, and V8 keeps
    // an object a key was deleted from in (larger, slower) dictionary mode.
    const { resourceVersion: _rv, ...m } = meta(body);
    body.metadata = m;
    if (o.dryRun) {
      return {
        status,
        body: this.serve(t, {
          cluster,
          resource: t.key,
          namespace: ns,
          name,
          body,
          revision: old?.revision ?? 0,
        }),
        warnings: [],
      };
    }
    let revision: number;
    try {
      revision = await tx.putObject(
        { cluster, resource: t.key, namespace: ns, name, body },
        // The body is the store's from here: watchers (the controllers' cache) share it.
        old ? { expectedRevision: old.revision, owned: true } : { create: true, owned: true },
      );
      if (t.key === CRD_KEY) await crdsChanged(tx, cluster);
    } catch (e) {
      if (e instanceof StoreConflictError)
        throw old ? conflict(q(t), name, MODIFIED) : alreadyExists(q(t), name);
      throw e;
    }
    // Served when read: the controllers' in-transaction writes never read it (a copy per write).
    let served: Obj | undefined;
    const serve = () => this.serve(t, { cluster, resource: t.key, namespace: ns, name, body, revision });
    return {
      status,
      get body(): Obj {
        served ??= serve();
        return served;
      },
      warnings: [],
    };
  }

  /**
   * Records an Update in `next`'s managedFields: by the request's field manager (else its
   * User-Agent's prefix), in the version the client wrote.
   */
  private track(t: ResourceType, prev: Obj | undefined, next: Obj, o: WriteOptions, sub?: string): void {
    const manager = updateManager(o.fieldManager, o.userAgent);
    trackUpdate(prev, next, manager, o.servedVersion ?? gv(t), this.schemaOf(t), this.resolve, sub);
  }

  /** Shared by PUT and PATCH: the new object replaces the old under kube's update rules. */
  private async updateWith(
    tx: Tx,
    cluster: string,
    t: ResourceType,
    ns: string,
    name: string,
    old: KubeObjectRecord,
    next: Obj,
    o: WriteOptions,
    sub: string | undefined,
    warnings: string[],
    tracked = false,
  ): Promise<Result> {
    const prev = old.body;
    const pm = meta(prev);
    // Preconditions first: storage's update refuses a stale write before the strategy validates
    // it — but after the handler decoded the body, so a body it cannot decode is still a 400.
    const sent = isObj(next.metadata) ? next.metadata : {};
    // The UID is a storage precondition (checked before the update function runs), so it is
    // answered before a stale resourceVersion.
    const wrongUid = sent.uid !== undefined && sent.uid !== "" && sent.uid !== pm.uid;
    const stale =
      sent.resourceVersion !== undefined &&
      sent.resourceVersion !== "" &&
      String(sent.resourceVersion) !== String(old.revision);
    if (wrongUid || stale) {
      try {
        this.admit(t, cloneJson(next), o.fieldValidation ?? "Ignore", [], prev, sub, o.patching);
      } catch (e) {
        if (e instanceof KubeError && e.code === 400) throw e;
      }
      if (wrongUid)
        throw conflict(
          q(t),
          name,
          `Precondition failed: UID in precondition: ${String(sent.uid)}, UID in object meta: ${String(pm.uid)}`,
        );
      throw conflict(q(t), name, MODIFIED);
    }
    const body = this.admit(t, next, o.fieldValidation ?? "Ignore", warnings, prev, sub, o.patching);
    const m = meta(body);
    // checkName: a body (or a patch's result) without the name does not match it either.
    if ((m.name ?? "") !== name)
      throw badRequest(
        `the name of the object (${String(m.name ?? "")}) does not match the name on the URL (${name})`,
      );
    if (t.namespaced && m.namespace !== undefined && m.namespace !== "" && m.namespace !== ns)
      throw badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    // System fields are the server's.
    m.name = name;
    if (t.namespaced) m.namespace = ns;
    else delete m.namespace;
    m.uid = pm.uid;
    m.creationTimestamp = pm.creationTimestamp;
    for (const k of ["deletionTimestamp", "deletionGracePeriodSeconds"]) {
      if (pm[k] !== undefined) m[k] = pm[k];
      else delete m[k];
    }
    // The field manager's Update: managedFields the request sets are taken as they are (how
    // kubectl moves client-side apply's fields to server-side apply), `[{}]` clears them all, and
    // a request without valid ones (or a subresource's) keeps the live ones.
    const reset = !tracked && sub === undefined && resetsManagedFields(m.managedFields);
    if (reset) delete m.managedFields;
    else if (!tracked && !(sub === undefined && decodableManagedFields(m.managedFields)))
      m.managedFields = pm.managedFields;
    let result: Obj = body;
    if (sub === "status") {
      result = { ...prev, status: body.status, metadata: { ...pm, managedFields: m.managedFields } };
      if (body.status === undefined) delete result.status;
    } else if (
      t.subresources?.includes("status") &&
      !(t.key === NAMESPACE_KEY && sub === "finalize") &&
      sub !== "approval"
    ) {
      if (prev.status !== undefined) result.status = prev.status;
      else delete result.status;
    }
    if (t.key === NAMESPACE_KEY && sub !== "finalize") result.spec = prev.spec;
    if (pm.deletionTimestamp) {
      // No new finalizers on an object being deleted.
      const before = new Set(((pm.finalizers as string[] | undefined) ?? []).map(String));
      const added = (((meta(result).finalizers as string[] | undefined) ?? []) as string[]).filter(
        (f) => !before.has(f),
      );
      if (added.length)
        throw invalid(t.kind, t.group, name, [
          {
            reason: "FieldValueForbidden",
            field: "metadata.finalizers",
            message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(", ")}}`,
          },
        ]);
    }
    // generation: spec (everything but metadata and status) changes only.
    if (t.hasGeneration || t.crd) {
      // Key order is no change (a field removed and defaulted again comes back last).
      const strip = (x: Obj): Obj => ({
        ...x,
        metadata: undefined,
        status: undefined,
        apiVersion: undefined,
        kind: undefined,
      });
      const g = Number(pm.generation ?? 1);
      meta(result).generation = sub !== "status" && !sameUnordered(strip(result), strip(prev)) ? g + 1 : g;
    }
    if (sub === undefined && !pm.deletionTimestamp)
      await runMutatingAdmission(this.store, {
        tx,
        cluster,
        resource: t.key,
        namespace: ns,
        operation: "UPDATE",
        object: result,
        oldObject: prev,
        dryRun: o.dryRun,
      });
    if (t.key === CRD_KEY) acceptCrd(result);
    result.apiVersion = gv(t);
    result.kind = t.kind;
    if (!tracked && !reset) this.track(t, prev, result, o, sub);
    // Finalizers all gone on an object being deleted: it goes now — unless a grace period is
    // still running (a Terminating pod; its kubelet deletes it): ShouldDeleteDuringUpdate.
    if (
      pm.deletionTimestamp &&
      !((pm.deletionGracePeriodSeconds as number | undefined) ?? 0) &&
      !((meta(result).finalizers as unknown[] | undefined) ?? []).length &&
      sub !== "status"
    ) {
      if (!o.dryRun) {
        await tx.deleteObject(cluster, t.key, ns, name);
        if (t.key === CRD_KEY) await crdsChanged(tx, cluster);
        await this.queueGc(tx, cluster);
      }
      return { status: 200, body: this.serve(t, { ...old, body: result }), warnings };
    }
    // A status write changes nothing but the status (and managedFields): comparing that is enough.
    const unchanged =
      sub === "status" && prev.apiVersion === gv(t) && prev.kind === t.kind
        ? jsonEqual(result.status, prev.status)
        : JSON.stringify({ ...result, metadata: { ...meta(result), managedFields: undefined } }) ===
          JSON.stringify({
            ...prev,
            apiVersion: gv(t),
            kind: t.kind,
            metadata: { ...pm, managedFields: undefined, resourceVersion: undefined },
          });
    if (unchanged && jsonEqual(meta(result).managedFields, pm.managedFields))
      return { status: 200, body: this.serve(t, old), warnings };
    const res = await this.commit(tx, cluster, t, ns, name, result, old, o, 200);
    res.warnings = warnings; // not a spread: that would read (serve) the body
    return res;
  }

  async update(
    cluster: string,
    t: ResourceType,
    ns: string,
    name: string,
    input: unknown,
    o: WriteOptions,
    sub?: string,
  ): Promise<Result> {
    if (t.storageVersion)
      return this.viaStorage(t, input, o, (s, b, so) => this.update(cluster, s, ns, name, b, so, sub));
    if (!isObj(input)) throw badRequest("Object 'Kind' is missing in the request body");
    if (sub === "scale") return this.updateScale(cluster, t, ns, name, input, o);
    const res = await this.store.transaction((tx) => this.updateTx(tx, cluster, t, ns, name, input, o, sub));
    if (t.key === CRD_KEY) this.catalog.invalidate(cluster);
    return res;
  }

  /** Update (or status update) inside the caller's transaction (see createTx). */
  async updateTx(
    tx: Tx,
    cluster: string,
    t: ResourceType,
    ns: string,
    name: string,
    input: object,
    o: WriteOptions,
    sub?: string,
    known?: KubeObjectRecord,
  ): Promise<Result> {
    // A status write may start from the object as the caller last read it (the controllers'
    // cache) instead of reading it again: the write still expects that revision, so a newer
    // stored one fails it with a conflict.
    const old =
      sub === "status" && known ? known : await tx.getObject(cluster, t.key, t.namespaced ? ns : "", name);
    if (!old) throw notFound(q(t), name);
    return this.updateWith(
      tx,
      cluster,
      t,
      t.namespaced ? ns : "",
      name,
      old,
      this.writable(t, input, sub, o),
      o,
      sub,
      [],
    );
  }

  /** kube-apiserver's 400 for a body its decoder refuses (a value of the wrong JSON type). */
  private undecodable(t: ResourceType, value: unknown, schema: Schema | undefined, at: string): never {
    const why =
      decodeError(value, schema, this.resolve, t.kind, at) ??
      `json: cannot unmarshal into Go value of type ${t.kind}`;
    throw badRequest(`${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: ${why}`);
  }

  /**
   * The caller's object, copied before admission changes it. A built-in kind's status write
   * keeps only metadata and status (admit and updateWith take the rest from the stored object),
   * so only those are copied.
   */
  private writable(t: ResourceType, input: object, sub: string | undefined, o: WriteOptions): Obj {
    const i = input as Obj;
    if (
      sub !== "status" ||
      t.crd ||
      !t.subresources?.includes("status") ||
      (o.fieldValidation ?? "Ignore") !== "Ignore"
    )
      return cloneJson(i);
    const out: Obj = { metadata: isObj(i.metadata) ? { ...i.metadata } : i.metadata };
    if (i.apiVersion !== undefined) out.apiVersion = i.apiVersion;
    if (i.kind !== undefined) out.kind = i.kind;
    if (i.status !== undefined) out.status = cloneJson(i.status);
    return out;
  }

  async patch(
    cluster: string,
    t: ResourceType,
    ns: string,
    name: string,
    type: PatchType,
    patch: unknown,
    o: WriteOptions,
    sub?: string,
  ): Promise<Result> {
    if (type === "strategic" && t.crd) throw unsupportedMediaType("application/strategic-merge-patch+json");
    if (t.storageVersion) return this.patchViaStorage(cluster, t, ns, name, type, patch, o, sub);
    if (sub === "scale") {
      if (type === "apply") {
        validateWriteOptions("patch", { fieldManager: o.fieldManager, patchType: "apply" });
        const applied = this.appliedScale(patch, name);
        return this.writeScale(cluster, t, ns, name, o, (cur) => ({
          scale: serverSideApply({
            live: cur,
            applied: cloneJson(applied),
            manager: o.fieldManager!,
            force: o.force === true,
            apiVersion: "autoscaling/v1",
            schema: this.scaleSchema(),
            resolve: this.resolve,
            subresource: "scale",
          }),
          tracked: true,
        }));
      }
      return this.writeScale(cluster, t, ns, name, o, (cur) => {
        const next = this.patched(cur, type, patch, this.scaleSchema());
        if (
          isObj(next.metadata) &&
          next.metadata.resourceVersion === (cur.metadata as Obj).resourceVersion &&
          !patchSetsRv(patch)
        )
          delete next.metadata.resourceVersion;
        return { scale: next, tracked: false };
      });
    }
    if (type === "apply") {
      // The wire validated the options; this is for callers inside the emulator.
      validateWriteOptions("patch", { fieldManager: o.fieldManager, patchType: "apply" });
      if (!isObj(patch)) throw badRequest("error decoding YAML: the applied configuration is not an object");
    }
    const warnings: string[] = [];
    const k = t.namespaced ? ns : "";
    const res = await this.store.transaction(async (tx) => {
      const old = await tx.getObject(cluster, t.key, k, name);
      if (type === "apply") {
        const applied = patch as Obj;
        if (applied.apiVersion !== gv(t) || applied.kind !== t.kind) {
          if (applied.apiVersion === undefined || applied.kind === undefined)
            throw badRequest(
              `${applied.kind === undefined ? "Object 'Kind' is missing" : "Object 'apiVersion' is missing"} in '${JSON.stringify(applied).slice(0, 200)}'`,
            );
        }
        const am = isObj(applied.metadata) ? applied.metadata : {};
        if (am.name !== undefined && am.name !== name)
          throw badRequest(
            `the name of the object (${String(am.name)}) does not match the name on the URL (${name})`,
          );
        if (!old) {
          if (sub) throw notFound(q(t), name);
          if (t.crd?.terminating) throw crdTerminating(q(t));
          const merged = serverSideApply({
            live: undefined,
            applied: cloneJson(applied),
            manager: o.fieldManager!,
            force: true,
            apiVersion: o.servedVersion ?? gv(t),
            schema: this.schemaOf(t),
            resolve: this.resolve,
          });
          meta(merged).name = name;
          const mf = meta(merged).managedFields;
          const created = await this.createIn(tx, cluster, t, k, merged, o, warnings);
          void mf;
          return created;
        }
        const live = this.serve(t, old);
        const merged = serverSideApply({
          live,
          applied: cloneJson(applied),
          manager: o.fieldManager!,
          force: o.force === true,
          apiVersion: o.servedVersion ?? gv(t),
          schema: this.schemaOf(t),
          resolve: this.resolve,
          subresource: sub,
        });
        delete meta(merged).resourceVersion;
        return this.updateWith(tx, cluster, t, k, name, old, merged, o, sub, warnings, true);
      }
      if (!old) throw notFound(q(t), name);
      const cur = this.serve(t, old);
      const next = this.patched(cur, type, patch, this.schemaOf(t));
      // A patch never carries the object's own resourceVersion unless the caller put it there.
      if (
        isObj(next.metadata) &&
        next.metadata.resourceVersion === String(old.revision) &&
        !patchSetsRv(patch)
      )
        delete next.metadata.resourceVersion;
      return this.updateWith(tx, cluster, t, k, name, old, next, { ...o, patching: true }, sub, warnings);
    });
    if (t.key === CRD_KEY) this.catalog.invalidate(cluster);
    return res;
  }

  /**
   * A patch in a version served by conversion: applied to the object as this version shows it,
   * then written in the storage version in the same transaction. An apply configuration is
   * converted as it is and applied in the storage version.
   */
  private async patchViaStorage(
    cluster: string,
    t: ResourceType,
    ns: string,
    name: string,
    type: PatchType,
    patch: unknown,
    o: WriteOptions,
    sub?: string,
  ): Promise<Result> {
    // An apply configuration without apiVersion or kind gets the storage write's refusal as is.
    if (type === "apply" && isObj(patch) && patch.apiVersion !== undefined && patch.kind !== undefined)
      return this.viaStorage(
        t,
        patch,
        o,
        (s, b, so) => this.patch(cluster, s, ns, name, "apply", b, so, sub),
        false,
      );
    if (type === "apply") return this.patch(cluster, storageTypeOf(t), ns, name, type, patch, o, sub);
    const k = t.namespaced ? ns : "";
    return this.store.transaction(async (tx) => {
      const old = await tx.getObject(cluster, t.key, k, name);
      if (!old) throw notFound(q(t), name);
      const next = this.patched(this.serve(t, old), type, patch, this.schemaOf(t));
      if (
        isObj(next.metadata) &&
        next.metadata.resourceVersion === String(old.revision) &&
        !patchSetsRv(patch)
      )
        delete next.metadata.resourceVersion;
      return this.viaStorage(t, next, o, (s, b, so) => this.updateTx(tx, cluster, s, ns, name, b, so, sub));
    });
  }

  /** Create inside an open transaction (server-side apply of a new object). */
  private async createIn(
    tx: Tx,
    cluster: string,
    t: ResourceType,
    ns: string,
    input: Obj,
    o: WriteOptions,
    warnings: string[],
  ): Promise<Result> {
    const mf = meta(input).managedFields;
    const body = this.admit(t, input, o.fieldValidation ?? "Ignore", warnings);
    const m = meta(body);
    const name = String(m.name);
    const nameCauses = this.nameCheck(t, name);
    if (nameCauses.length) throw invalid(t.kind, t.group, name, nameCauses);
    await this.namespaceCheck(tx, cluster, t, ns, name);
    if (t.namespaced) m.namespace = ns;
    m.uid = randomUUID();
    m.creationTimestamp = nowRfc3339();
    if (t.hasGeneration || t.crd) m.generation = 1;
    await this.admitCreate(tx, cluster, t, ns, body, o);
    PREPARE_FOR_CREATE[t.key]?.(body);
    m.managedFields = mf;
    return this.commit(tx, cluster, t, ns, name, body, undefined, o, 201);
  }

  private patched(cur: Obj, type: PatchType, patch: unknown, schema: Schema | undefined): Obj {
    switch (type) {
      case "json":
        return applyJsonPatch(cur, patch);
      case "merge": {
        if (!isObj(patch))
          throw badRequest("json: cannot unmarshal array into Go value of type map[string]interface {}");
        return applyMergePatch(cur, patch) as Obj;
      }
      case "strategic":
        return applyStrategicMergePatch(cur, patch, schema, this.resolve);
      default:
        throw badRequest(`unsupported patch type ${type}`);
    }
  }

  // ---------------------------------------------------------------- scale, binding, eviction

  async getScale(cluster: string, t: ResourceType, ns: string, name: string): Promise<Obj> {
    const obj = await this.get(cluster, t, ns, name);
    return toScale(t, obj);
  }

  private scaleSchema(): Schema | undefined {
    return this.schemas.defs.get(this.schemas.topFor("autoscaling", "v1", "Scale") ?? "");
  }

  /**
   * An apply configuration of the scale subresource: a Scale of autoscaling/v1 (the
   * subresource's field manager refuses any other version as upstream's does).
   */
  private appliedScale(patch: unknown, name: string): Obj {
    if (!isObj(patch)) throw badRequest("error decoding YAML: the applied configuration is not an object");
    if (patch.apiVersion === undefined || patch.kind === undefined)
      throw badRequest(
        `${patch.kind === undefined ? "Object 'Kind' is missing" : "Object 'apiVersion' is missing"} in '${JSON.stringify(patch).slice(0, 200)}'`,
      );
    if (patch.apiVersion !== "autoscaling/v1")
      throw badRequest(
        `Incorrect version specified in apply patch. Specified patch version: ${String(patch.apiVersion)}, expected: autoscaling/v1`,
      );
    const am = isObj(patch.metadata) ? patch.metadata : {};
    if (am.name !== undefined && am.name !== name)
      throw badRequest(
        `the name of the object (${String(am.name)}) does not match the name on the URL (${name})`,
      );
    return patch;
  }

  private updateScale(
    cluster: string,
    t: ResourceType,
    ns: string,
    name: string,
    input: Obj,
    o: WriteOptions,
  ): Promise<Result> {
    return this.writeScale(cluster, t, ns, name, o, () => ({ scale: cloneJson(input), tracked: false }));
  }

  /**
   * A write through the scale subresource (kube-apiserver's scaleUpdatedObjectInfo with its
   * ScaleHandler): the Scale, with the parent's owners of the replicas as its managedFields, is
   * changed by `change` (an update, a patch or an apply, conflicts included; `tracked` when the
   * change recorded its manager itself, as an apply does), its replicas go to the parent's
   * replicas path, and its managedFields back into the parent's.
   */
  private async writeScale(
    cluster: string,
    t: ResourceType,
    ns: string,
    name: string,
    o: WriteOptions,
    change: (cur: Obj) => { scale: Obj; tracked: boolean },
  ): Promise<Result> {
    const sr = t.scale;
    if (!sr) throw notFound(q(t), name);
    const res = await this.store.transaction(async (tx) => {
      const old = await tx.getObject(cluster, t.key, ns, name);
      if (!old) throw notFound(q(t), name);
      const live = this.serve(t, old);
      const cur = toScale(t, live);
      const owners = scaleManagedFields(live, sr.specReplicas);
      if (owners.length) meta(cur).managedFields = owners;
      const { scale, tracked } = change(cloneJson(cur));
      // A Go Scale's replicas is a plain int32: an apply that stops applying them leaves 0.
      const replicas = tracked
        ? (((scale.spec as Obj | undefined)?.replicas ?? 0) as unknown)
        : (scale.spec as Obj | undefined)?.replicas;
      if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0)
        throw invalid("Scale", "autoscaling", name, [
          {
            reason: "FieldValueInvalid",
            field: "spec.replicas",
            message: `Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`,
          },
        ]);
      const rv = (scale.metadata as Obj | undefined)?.resourceVersion;
      if (!tracked && rv !== undefined && rv !== "" && String(rv) !== String(old.revision))
        throw conflict(q(t), name, MODIFIED);
      if (!tracked) {
        // An update without managedFields keeps the live ones (upstream's field manager).
        const given = meta(scale).managedFields;
        if (!Array.isArray(given) || !given.length) {
          if (owners.length) meta(scale).managedFields = owners;
          else delete meta(scale).managedFields;
        }
        trackUpdate(
          cur,
          scale,
          updateManager(o.fieldManager, o.userAgent),
          gv(t),
          this.scaleSchema(),
          this.resolve,
          "scale",
        );
      }
      const next = cloneJson(old.body);
      setPath(next, sr.specReplicas, replicas);
      const mf = scaleToParent(live, scale, sr.specReplicas, gv(t));
      if (mf.length) meta(next).managedFields = mf;
      else delete meta(next).managedFields;
      return this.updateWith(tx, cluster, t, ns, name, old, next, o, "scale", [], true);
    });
    return { ...res, body: toScale(t, res.body) };
  }

  async bind(
    cluster: string,
    t: ResourceType,
    ns: string,
    name: string,
    binding: unknown,
    o: WriteOptions,
  ): Promise<Result> {
    const target = isObj(binding) && isObj(binding.target) ? String(binding.target.name ?? "") : "";
    if (!target)
      throw invalid("Binding", "", name, [
        { reason: "FieldValueRequired", field: "target.name", message: "Required value" },
      ]);
    return this.store.transaction((tx) => this.bindTx(tx, cluster, t, ns, name, target, o));
  }

  /** Binding inside the caller's transaction (the scheduler's batches). */
  async bindTx(
    tx: Tx,
    cluster: string,
    t: ResourceType,
    ns: string,
    name: string,
    target: string,
    o: WriteOptions,
    known?: KubeObjectRecord,
  ): Promise<Result> {
    // `known`: the pod as the caller last read it (the scheduler's cache); the write expects
    // its revision, so a pod changed since is a conflict, as a stale binding is upstream.
    const old = known ?? (await tx.getObject(cluster, t.key, ns, name));
    if (!old) throw notFound(q(t), name);
    const spec = (old.body.spec ?? {}) as Obj;
    if (spec.nodeName)
      throw conflict(q(t), name, `pod ${name} is already assigned to node "${String(spec.nodeName)}"`);
    // The binding writes storage directly, as kube-apiserver's assignPod does: no field manager
    // sees it, so managedFields stay as they are. `old` is not changed (it may be shared).
    const status = isObj(old.body.status) ? old.body.status : {};
    const conds = Array.isArray(status.conditions)
      ? (status.conditions as Obj[]).filter((c) => c.type !== "PodScheduled")
      : [];
    const { resourceVersion: _rv, ...m } = meta(old.body);
    const next: Obj = {
      ...old.body,
      metadata: m,
      spec: { ...spec, nodeName: target },
      status: {
        ...status,
        conditions: [
          ...conds,
          { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: nowRfc3339() },
        ],
      },
    };
    if (!o.dryRun)
      try {
        await tx.putObject(
          { cluster, resource: t.key, namespace: ns, name, body: next },
          { expectedRevision: old.revision, owned: true },
        );
      } catch (e) {
        if (e instanceof StoreConflictError) throw conflict(q(t), name, MODIFIED);
        throw e;
      }
    return { status: 201, body: successStatus(), warnings: [] };
  }

  /** serviceaccounts/<name>/token: a TokenRequest answered with a bound token (kube/tokens.ts). */
  async createToken(
    cluster: string,
    t: ResourceType,
    ns: string,
    name: string,
    input: unknown,
    installKey: Buffer,
  ): Promise<Result> {
    if (!isObj(input)) throw badRequest("Object 'Kind' is missing in the request body");
    const spec = isObj(input.spec) ? input.spec : {};
    const audiences =
      Array.isArray(spec.audiences) && spec.audiences.length
        ? spec.audiences.map(String)
        : [DEFAULT_AUDIENCE];
    const exp = spec.expirationSeconds ?? 3600;
    if (typeof exp !== "number" || !Number.isInteger(exp) || exp < 600 || exp > 2 ** 32)
      throw invalid("TokenRequest", "authentication.k8s.io", name, [
        {
          reason: "FieldValueInvalid",
          field: "spec.expirationSeconds",
          message:
            typeof exp === "number" && exp < 600
              ? `Invalid value: ${exp}: may not specify a duration less than 10 minutes`
              : `Invalid value: ${JSON.stringify(exp)}: may not specify a duration larger than 2^32 seconds`,
        },
      ]);
    const sa = await this.get(cluster, t, ns, name);
    const uid = String(meta(sa).uid);
    const { token, expires } = await mintServiceAccountToken(
      installKey,
      cluster,
      { namespace: ns, name, uid },
      audiences,
      exp,
    );
    return {
      status: 201,
      body: {
        kind: "TokenRequest",
        apiVersion: "authentication.k8s.io/v1",
        metadata: { name, namespace: ns, creationTimestamp: null },
        spec: { audiences, expirationSeconds: exp, boundObjectRef: spec.boundObjectRef ?? null },
        status: { token, expirationTimestamp: rfc3339(expires.getTime()) },
      },
      warnings: [],
    };
  }

  /**
   * pods/eviction: the Eviction body names the pod; the pod's PodDisruptionBudget must allow it
   * (eviction.ts: 429 otherwise, which kubectl drain retries); then it is deleted.
   */
  async evict(
    cluster: string,
    t: ResourceType,
    ns: string,
    name: string,
    body: unknown,
    o: WriteOptions,
  ): Promise<Result> {
    if (!isObj(body)) throw badRequest("the body of the request must be an Eviction");
    const named = isObj(body.metadata) ? body.metadata.name : undefined;
    if (named !== undefined && named !== "" && named !== name)
      throw badRequest("name in URL does not match name in Eviction object");
    const opts = isObj(body.deleteOptions) ? body.deleteOptions : {};
    await this.store.transaction(async (tx) => {
      const pod = await tx.getObject(cluster, t.key, ns, name);
      if (!pod) throw notFound(q(t), name);
      const budgets = await tx.listObjects({
        cluster,
        resource: "policy/poddisruptionbudgets",
        namespace: ns,
      });
      if (budgets.length) {
        const pods = await tx.listObjects({ cluster, resource: t.key, namespace: ns });
        checkEviction(
          pod.body,
          budgets.map((b) => b.body),
          pods.map((p) => p.body),
        );
      }
      const grace = opts.gracePeriodSeconds;
      const refused = goInt64FieldError(grace, "DeleteOptions.deleteOptions.gracePeriodSeconds");
      if (refused) throw badRequest(refused);
      await this.deleteTx(tx, cluster, t, ns, name, {
        dryRun: o.dryRun,
        ...(typeof grace === "number" ? { gracePeriodSeconds: grace } : {}),
      });
    });
    return { status: 201, body: successStatus(), warnings: [] };
  }

  // ---------------------------------------------------------------- deletion

  async delete(
    cluster: string,
    t: ResourceType,
    ns: string,
    name: string,
    d: DeleteOptions,
  ): Promise<Result> {
    const res = await this.store.transaction((tx) => this.deleteTx(tx, cluster, t, ns, name, d));
    if (t.key === CRD_KEY) this.catalog.invalidate(cluster);
    return res;
  }

  /** Delete inside the caller's transaction (see createTx). */
  async deleteTx(
    tx: Tx,
    cluster: string,
    t: ResourceType,
    ns: string,
    name: string,
    d: DeleteOptions,
  ): Promise<Result> {
    const old = await tx.getObject(cluster, t.key, t.namespaced ? ns : "", name);
    if (!old) throw notFound(q(t), name);
    const r = await this.deleteIn(tx, cluster, t, old, d);
    if (!d.dryRun) await this.queueGc(tx, cluster);
    return r;
  }

  /**
   * A pod on a node is deleted gracefully (rest.BeforeDelete with the pod strategy's
   * CheckGracefulDelete): it stays, Terminating, with deletionTimestamp = now + the grace period
   * (the request's, else terminationGracePeriodSeconds, else 30), until its kubelet has stopped
   * its containers and deletes it with grace 0. An unscheduled or finished pod, or grace 0, goes
   * at once. A pending graceful deletion can only be shortened; otherwise it answers the pod as
   * it is. Undefined: delete now (the caller's finalizer and removal steps).
   */
  private async gracefulPodDelete(
    tx: Tx,
    cluster: string,
    t: ResourceType,
    old: KubeObjectRecord,
    next: Obj,
    finalizers: string[],
    d: DeleteOptions,
  ): Promise<Result | undefined> {
    const pod = old.body as Pod;
    const nm = meta(next);
    const phase = pod.status?.phase;
    let grace = d.gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    if (!pod.spec?.nodeName || phase === "Succeeded" || phase === "Failed") grace = 0;
    if (grace < 0) grace = 1;
    const pending = pod.metadata?.deletionGracePeriodSeconds;
    if (pod.metadata?.deletionTimestamp) {
      if (pending === undefined || pending === 0) return undefined;
      if (d.gracePeriodSeconds === undefined || grace >= pending)
        return { status: 200, body: this.serve(t, old), warnings: [] };
      nm.deletionTimestamp = graceDeadline(
        Date.parse(pod.metadata.deletionTimestamp) - pending * 1000,
        grace,
      );
    } else {
      if (grace === 0) return undefined;
      nm.deletionTimestamp = graceDeadline(Date.now(), grace);
      if (finalizers.length) nm.finalizers = finalizers;
    }
    nm.deletionGracePeriodSeconds = grace;
    if (grace === 0 && !finalizers.length) return undefined;
    if (d.dryRun) return { status: 200, body: this.serve(t, { ...old, body: next }), warnings: [] };
    const rev = await tx.putObject(
      { cluster, resource: t.key, namespace: old.namespace, name: old.name, body: next },
      { expectedRevision: old.revision },
    );
    return { status: 200, body: this.serve(t, { ...old, body: next, revision: rev }), warnings: [] };
  }

  private async deleteIn(
    tx: Tx,
    cluster: string,
    t: ResourceType,
    old: KubeObjectRecord,
    d: DeleteOptions,
  ): Promise<Result> {
    const name = old.name;
    const m = meta(old.body);
    if (d.preconditions?.uid && d.preconditions.uid !== m.uid)
      throw conflict(
        q(t),
        name,
        `Precondition failed: UID in precondition: ${d.preconditions.uid}, UID in object meta: ${String(m.uid)}`,
      );
    if (d.preconditions?.resourceVersion && d.preconditions.resourceVersion !== String(old.revision))
      throw conflict(
        q(t),
        name,
        `Precondition failed: ResourceVersion in precondition: ${d.preconditions.resourceVersion}, ResourceVersion in meta: ${old.revision}`,
      );
    if (t.key === NAMESPACE_KEY && ["default", "kube-system", "kube-public"].includes(name))
      throw new KubeError(
        403,
        "Forbidden",
        `namespaces "${name}" is forbidden: this namespace may not be deleted`,
        {
          name,
          kind: "namespaces",
        },
      );
    const next = cloneJson(old.body);
    const nm = meta(next);
    let finalizers = ((nm.finalizers as string[] | undefined) ?? []).map(String);
    const policy =
      d.propagationPolicy ??
      (t.crd || t.group === "apps" || t.group === "batch" ? "Background" : "Background");
    if (policy === "Orphan") {
      await this.orphanDependents(tx, cluster, String(m.uid));
    }
    if (policy === "Foreground" && !finalizers.includes("foregroundDeletion"))
      finalizers = [...finalizers, "foregroundDeletion"];
    if (t.key === "core/pods") {
      const graceful = await this.gracefulPodDelete(tx, cluster, t, old, next, finalizers, d);
      if (graceful) return graceful;
    }
    if (t.key === CRD_KEY && !nm.deletionTimestamp) {
      // kube-apiserver: the CRD waits, Terminating, while its custom objects are deleted (collect).
      if (!finalizers.includes(CRD_CLEANUP)) finalizers = [...finalizers, CRD_CLEANUP];
      setCrdCondition(
        next,
        "Terminating",
        "InstanceDeletionPending",
        "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon",
      );
    }
    if (t.key === NAMESPACE_KEY) {
      // Namespaces terminate: contents go first (in the background), then the namespace.
      if (!nm.deletionTimestamp) {
        nm.deletionTimestamp = nowRfc3339();
        nm.deletionGracePeriodSeconds = 0;
        next.status = { ...(next.status as Obj), phase: "Terminating" };
        if (d.dryRun) return { status: 200, body: this.serve(t, { ...old, body: next }), warnings: [] };
        const rev = await tx.putObject(
          { cluster, resource: t.key, namespace: "", name, body: next },
          { expectedRevision: old.revision },
        );
        return { status: 200, body: this.serve(t, { ...old, body: next, revision: rev }), warnings: [] };
      }
      return { status: 200, body: this.serve(t, old), warnings: [] };
    }
    if (finalizers.length) {
      if (!nm.deletionTimestamp) {
        nm.deletionTimestamp = nowRfc3339();
        nm.deletionGracePeriodSeconds = 0;
      }
      nm.finalizers = finalizers;
      if (d.dryRun) return { status: 200, body: this.serve(t, { ...old, body: next }), warnings: [] };
      const rev = await tx.putObject(
        { cluster, resource: t.key, namespace: old.namespace, name, body: next },
        { expectedRevision: old.revision },
      );
      if (t.key === CRD_KEY) await crdsChanged(tx, cluster);
      return { status: 200, body: this.serve(t, { ...old, body: next, revision: rev }), warnings: [] };
    }
    if (!d.dryRun) {
      await tx.deleteObject(cluster, t.key, old.namespace, name);
      if (t.key === CRD_KEY) await crdsChanged(tx, cluster);
    }
    // Pods and custom resources answer with the object; other kinds with a Status. A pod deleted
    // at once answers as the registry last wrote it: stamped now, grace 0 (BeforeDelete).
    if (t.key === "core/pods") {
      if (!nm.deletionTimestamp) nm.deletionTimestamp = nowRfc3339();
      nm.deletionGracePeriodSeconds = 0;
      return { status: 200, body: this.serve(t, { ...old, body: next }), warnings: [] };
    }
    if (t.crd) return { status: 200, body: this.serve(t, old), warnings: [] };
    return {
      status: 200,
      body: successStatus({
        name,
        ...(t.group ? { group: t.group } : {}),
        kind: t.plural,
        uid: String(m.uid),
      }),
      warnings: [],
    };
  }

  async deleteCollection(
    cluster: string,
    t: ResourceType,
    ns: string | undefined,
    lq: ListQuery,
    d: DeleteOptions,
  ): Promise<Result> {
    const { items, meta: lm } = await this.list(cluster, t, ns, {
      ...lq,
      limit: undefined,
      continue: undefined,
    });
    const out: Obj[] = [];
    for (const it of items) {
      const m = meta(it);
      try {
        const r = await this.delete(cluster, t, String(m.namespace ?? ""), String(m.name), d);
        if (r.body.kind === t.kind) out.push(r.body);
        else out.push(it);
      } catch (e) {
        if (!(e instanceof KubeError && e.code === 404)) throw e;
      }
    }
    return {
      status: 200,
      body: { apiVersion: gv(t), kind: `${t.kind}List`, metadata: lm, items: out },
      warnings: [],
    };
  }

  private async orphanDependents(tx: Tx, cluster: string, uid: string): Promise<void> {
    for (const t of await this.catalog.types(tx, cluster)) {
      if ((t.crd && t.crd.storage === false) || t.storageVersion || t.metrics) continue;
      for (const rec of await tx.listObjects({ cluster, resource: t.key })) {
        const refs = meta(rec.body).ownerReferences;
        if (!Array.isArray(refs) || !refs.some((r) => isObj(r) && r.uid === uid)) continue;
        const next = cloneJson(rec.body);
        const kept = (refs as Obj[]).filter((r) => r.uid !== uid);
        if (kept.length) meta(next).ownerReferences = kept;
        else delete meta(next).ownerReferences;
        await tx.putObject(
          { cluster, resource: t.key, namespace: rec.namespace, name: rec.name, body: next },
          { expectedRevision: rec.revision },
        );
      }
    }
  }

  // ---------------------------------------------------------------- garbage collection

  /**
   * Queues the collector for a cluster as store work (`GC_WORK`, one item per cluster), in the
   * transaction of the deletion that calls for it: the runtime runs it (dependents of gone
   * owners, foreground owners, terminating namespaces and CRDs), and a process killed before
   * or during the collection leaves the item for the next one.
   */
  async queueGc(tx: Tx, cluster: string): Promise<void> {
    await tx.enqueueWork({ kind: GC_WORK, key: cluster });
  }

  /** The collector in its own transaction (tests, callers without a runtime). */
  async collect(cluster: string): Promise<void> {
    await this.store.transaction((tx) => this.collectIn(tx, cluster));
  }

  /** Collection rounds inside `tx` until one changes nothing (at most 20). */
  async collectIn(tx: Tx, cluster: string): Promise<void> {
    for (let round = 0; round < 20; round++) {
      const changed = await (async () => {
        const types = (await this.catalog.types(tx, cluster)).filter(
          (t) => (!t.crd || t.crd.storage) && !t.storageVersion && !t.metrics,
        );
        const all: { t: ResourceType; rec: KubeObjectRecord }[] = [];
        for (const t of types)
          for (const rec of await tx.listObjects({ cluster, resource: t.key })) all.push({ t, rec });
        const uids = new Map<string, { t: ResourceType; rec: KubeObjectRecord }>();
        for (const x of all) uids.set(String(meta(x.rec.body).uid), x);
        const terminating = new Set(
          all
            .filter((x) => x.t.key === NAMESPACE_KEY && meta(x.rec.body).deletionTimestamp)
            .map((x) => x.rec.name),
        );
        let n = 0;
        for (const x of all) {
          const m = meta(x.rec.body);
          if (!uids.has(String(m.uid))) continue;
          // 1. contents of terminating namespaces
          if (x.t.namespaced && terminating.has(x.rec.namespace)) {
            if (!m.deletionTimestamp) {
              await this.deleteIn(tx, cluster, x.t, x.rec, {});
              n++;
            }
            continue;
          }
          // 2. dependents whose owners are all gone
          const refs = Array.isArray(m.ownerReferences) ? (m.ownerReferences as Obj[]) : [];
          if (refs.length && !m.deletionTimestamp) {
            const live = refs.filter((r) => uids.has(String(r.uid)));
            const ownersDeleting = live.filter((r) => {
              const om = meta(uids.get(String(r.uid))!.rec.body);
              return (
                om.deletionTimestamp &&
                ((om.finalizers as string[] | undefined) ?? []).includes("foregroundDeletion")
              );
            });
            if (live.length === 0 || (ownersDeleting.length && ownersDeleting.length === live.length)) {
              // attemptToDeleteItem: in the foreground only what has dependents of its own to
              // wait for; a leaf (a pod) goes in the background, gracefully.
              const uid = String(m.uid);
              const hasDependents = all.some((y) =>
                ((meta(y.rec.body).ownerReferences as Obj[] | undefined) ?? []).some((r) => r.uid === uid),
              );
              await this.deleteIn(tx, cluster, x.t, x.rec, {
                propagationPolicy: ownersDeleting.length && hasDependents ? "Foreground" : "Background",
              });
              // Still there (finalizers, or dependents of its own to wait for): it still blocks
              // a foreground owner.
              if (!(await tx.getObject(cluster, x.t.key, x.rec.namespace, x.rec.name)))
                uids.delete(String(m.uid));
              n++;
              continue;
            }
          }
          // 3. foreground owners whose dependents are gone
          const fins = ((m.finalizers as string[] | undefined) ?? []).map(String);
          if (m.deletionTimestamp && fins.includes("foregroundDeletion")) {
            const uid = String(m.uid);
            // Only dependents whose reference blocks owner deletion hold the owner back.
            const deps = all.filter(
              (y) =>
                uids.has(String(meta(y.rec.body).uid)) &&
                ((meta(y.rec.body).ownerReferences as Obj[] | undefined) ?? []).some(
                  (r) => r.uid === uid && r.blockOwnerDeletion === true,
                ),
            );
            if (!deps.length) {
              const next = cloneJson(x.rec.body);
              const left = fins.filter((f) => f !== "foregroundDeletion");
              // A grace period still running (a Terminating pod) keeps it too: its kubelet deletes it.
              const grace = (m.deletionGracePeriodSeconds as number | undefined) ?? 0;
              if (left.length || grace > 0) {
                // Other finalizers hold it: it stays, and still blocks its own owners.
                if (left.length) meta(next).finalizers = left;
                else delete meta(next).finalizers;
                await tx.putObject(
                  { cluster, resource: x.t.key, namespace: x.rec.namespace, name: x.rec.name, body: next },
                  { expectedRevision: x.rec.revision },
                );
              } else {
                await tx.deleteObject(cluster, x.t.key, x.rec.namespace, x.rec.name);
                uids.delete(uid);
              }
              n++;
            }
          }
        }
        // 4. custom objects of terminating CRDs, then the CRDs (customresourcecleanup finalizer)
        for (const x of all) {
          if (x.t.key !== CRD_KEY) continue;
          const m = meta(x.rec.body);
          const fins = ((m.finalizers as string[] | undefined) ?? []).map(String);
          if (!m.deletionTimestamp || !fins.includes(CRD_CLEANUP)) continue;
          const info = crdInfo(x.rec.body);
          const key = info ? `${info.group}/${info.plural}` : "";
          const instances = key ? await tx.listObjects({ cluster, resource: key }) : [];
          const it = types.find((y) => y.key === key);
          if (instances.length && it) {
            for (const rec of instances) {
              if (meta(rec.body).deletionTimestamp) continue;
              await this.deleteIn(tx, cluster, it, rec, {});
              n++;
            }
            if (!String(JSON.stringify(x.rec.body.status)).includes("InstanceDeletionInProgress")) {
              const next = cloneJson(x.rec.body);
              setCrdCondition(
                next,
                "Terminating",
                "InstanceDeletionInProgress",
                "CustomResource deletion is in progress",
              );
              await tx.putObject(
                { cluster, resource: CRD_KEY, namespace: "", name: x.rec.name, body: next },
                { expectedRevision: x.rec.revision },
              );
              n++;
            }
            continue;
          }
          // All gone (objects with finalizers of their own are waited for): drop the finalizer.
          if (instances.length) continue;
          const left = fins.filter((f) => f !== CRD_CLEANUP);
          if (left.length) {
            const next = cloneJson(x.rec.body);
            meta(next).finalizers = left;
            setCrdCondition(next, "Terminating", "InstanceDeletionCompleted", "removed all instances");
            await tx.putObject(
              { cluster, resource: CRD_KEY, namespace: "", name: x.rec.name, body: next },
              { expectedRevision: x.rec.revision },
            );
          } else await tx.deleteObject(cluster, CRD_KEY, "", x.rec.name);
          await crdsChanged(tx, cluster);
          n++;
        }
        // 5. terminating namespaces that are empty
        for (const ns of terminating) {
          const left = all.filter(
            (x) => x.t.namespaced && x.rec.namespace === ns && uids.has(String(meta(x.rec.body).uid)),
          );
          if (left.length) {
            if (await this.namespaceDeletionConditions(tx, cluster, ns, left)) n++;
            continue;
          }
          const rec = await tx.getObject(cluster, NAMESPACE_KEY, "", ns);
          if (rec) {
            await tx.deleteObject(cluster, NAMESPACE_KEY, "", ns);
            n++;
          }
        }
        return n;
      })();
      if (!changed) return;
    }
  }

  /**
   * The namespace controller's conditions on a terminating namespace whose content is not gone
   * yet (namespaced_resources_deleter.go): what remains per resource and per finalizer, and the
   * three deletion steps as done. Returns whether the namespace changed.
   */
  private async namespaceDeletionConditions(
    tx: Tx,
    cluster: string,
    ns: string,
    left: { t: ResourceType; rec: KubeObjectRecord }[],
  ): Promise<boolean> {
    const rec = await tx.getObject(cluster, NAMESPACE_KEY, "", ns);
    if (!rec) return false;
    const byResource = new Map<string, number>();
    const byFinalizer = new Map<string, number>();
    for (const x of left) {
      const k = `${x.t.plural}.${x.t.group}`;
      byResource.set(k, (byResource.get(k) ?? 0) + 1);
      for (const f of (meta(x.rec.body).finalizers as string[] | undefined) ?? [])
        byFinalizer.set(f, (byFinalizer.get(f) ?? 0) + 1);
    }
    const list = (m: Map<string, number>, f: (k: string, n: number) => string) =>
      [...m]
        .map(([k, n]) => f(k, n))
        .sort()
        .join(", ");
    const wanted: [string, string, string, string][] = [
      [
        "NamespaceDeletionDiscoveryFailure",
        "False",
        "ResourcesDiscovered",
        "All resources successfully discovered",
      ],
      [
        "NamespaceDeletionGroupVersionParsingFailure",
        "False",
        "ParsedGroupVersions",
        "All legacy kube types successfully parsed",
      ],
      [
        "NamespaceDeletionContentFailure",
        "False",
        "ContentDeleted",
        "All content successfully deleted, may be waiting on finalization",
      ],
      [
        "NamespaceContentRemaining",
        "True",
        "SomeResourcesRemain",
        `Some resources are remaining: ${list(byResource, (k, n) => `${k} has ${n} resource instances`)}`,
      ],
      byFinalizer.size
        ? [
            "NamespaceFinalizersRemaining",
            "True",
            "SomeFinalizersRemain",
            `Some content in the namespace has finalizers remaining: ${list(byFinalizer, (k, n) => `${k} in ${n} resource instances`)}`,
          ]
        : [
            "NamespaceFinalizersRemaining",
            "False",
            "ContentHasNoFinalizers",
            "All content-preserving finalizers finished",
          ],
    ];
    const status = (rec.body.status ?? {}) as Obj;
    const have = (Array.isArray(status.conditions) ? status.conditions : []) as Obj[];
    const now = nowRfc3339();
    const conditions = wanted.map(([type, st, reason, message]) => {
      const cur = have.find((c) => c.type === type);
      const same = cur?.status === st && cur.reason === reason && cur.message === message;
      return same ? cur : { type, status: st, lastTransitionTime: now, reason, message };
    });
    if (conditions.every((c, i) => c === have[i]) && have.length === conditions.length) return false;
    await tx.putObject(
      {
        cluster,
        resource: NAMESPACE_KEY,
        namespace: "",
        name: ns,
        body: { ...rec.body, status: { ...status, conditions } },
      },
      { expectedRevision: rec.revision },
    );
    return true;
  }

  // ---------------------------------------------------------------- watch

  /**
   * Streams events to `send` until closed: synthetic ADDED for the current state when no
   * resourceVersion (or "0") is given, then every change after it from the store's feed.
   */
  async watch(
    cluster: string,
    t: ResourceType,
    ns: string | undefined,
    wq: WatchQuery,
    send: (e: WatchEvent) => void,
    end: () => void,
  ): Promise<{ close(): void }> {
    const labels = parseLabelSelector(wq.labelSelector);
    const fields = parseFieldSelector(wq.fieldSelector, t.fieldSelectors ?? []);
    const selective = labels.length > 0 || fields.length > 0;
    const matches = (o: Obj) =>
      matchLabels(labels, meta(o).labels as Record<string, string>) && matchFields(fields, o);
    let from: number;
    // What the client holds of a selective watch (the objects that match), as of `seeded`.
    const visible = new Set<string>();
    let seeded = 0;
    const rv = wq.resourceVersion;
    if (rv !== undefined && rv !== "" && rv !== "0") {
      from = Number(rv);
      if (!Number.isInteger(from) || from < 0) throw badRequest(`invalid resource version: ${rv}`);
      if (selective) {
        const { items, meta: lm } = await this.list(cluster, t, ns, {
          labelSelector: wq.labelSelector,
          fieldSelector: wq.fieldSelector,
        });
        seeded = Number(lm.resourceVersion);
        for (const it of items) visible.add(`${String(meta(it).namespace ?? "")}/${String(meta(it).name)}`);
      }
    } else {
      const { items, meta: lm } = await this.list(cluster, t, ns, {
        labelSelector: wq.labelSelector,
        fieldSelector: wq.fieldSelector,
      });
      from = Number(lm.resourceVersion);
      for (const it of items) {
        visible.add(`${String(meta(it).namespace ?? "")}/${String(meta(it).name)}`);
        send({ type: "ADDED", object: it });
      }
    }
    let last = from;
    /** Keys a change at or before `seeded` already settled (later ones go by `visible`). */
    const settled = new Set<string>();
    let closed = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      if (closed) return;
      closed = true;
      for (const x of timers) clearTimeout(x);
      handle.close();
      end();
    };
    const handle = this.store.watch(
      from,
      { kind: "kube", cluster, resource: t.key, ...(ns !== undefined ? { namespace: ns } : {}) },
      (c: ChangeRecord) => {
        if (closed) return;
        last = c.revision;
        // Every watcher gets the same change record: copy only what is changed here.
        const obj = this.serve(t, {
          cluster,
          resource: t.key,
          namespace: c.namespace ?? "",
          name: "",
          body: c.object,
          revision: c.revision,
        });
        const key = `${c.namespace ?? ""}/${String(meta(obj).name)}`;
        if (!selective) {
          send({ type: c.type, object: obj });
          return;
        }
        const now = c.type !== "DELETED" && matches(obj);
        let was: boolean;
        if (c.revision <= seeded && !settled.has(key)) {
          // A change made before the list that seeded `visible`: that list shows the object as
          // it is after this change, not as the client (which listed at `from`) has it. What was
          // there before is known from the change itself, as the watch cache's prevObject: a
          // new object was not there; a deleted one was as it last was (the DELETED a waiting
          // `kubectl delete` needs); a modification is taken as keeping it on its side of
          // the selector.
          settled.add(key);
          was = c.type !== "ADDED" && matches(obj);
        } else was = visible.has(key);
        if (now) visible.add(key);
        else visible.delete(key);
        if (now) send({ type: was ? "MODIFIED" : "ADDED", object: obj });
        else if (was) send({ type: "DELETED", object: obj });
      },
      (e: Error) => {
        if (closed) return;
        if (e instanceof TooOldError) {
          send({
            type: "ERROR",
            object: gone(`too old resource version: ${from} (${e.compactedRevision})`).toStatus(),
          });
        } else {
          this.log("kube watch failed", e);
          send({
            type: "ERROR",
            object: new KubeError(
              500,
              "InternalError",
              "Internal error occurred: the watch ended",
            ).toStatus(),
          });
        }
        finish();
      },
    );
    if (wq.allowWatchBookmarks) {
      const period = wq.bookmarkMs ?? 60_000;
      const tick = () => {
        if (closed) return;
        send({
          type: "BOOKMARK",
          object: { kind: t.kind, apiVersion: gv(t), metadata: { resourceVersion: String(last) } },
        });
        timers.push(setTimeout(tick, period));
      };
      timers.push(setTimeout(tick, period));
    }
    // kube-apiserver arms its timer with the value as given: a negative one has already fired.
    const timeout = wq.timeoutSeconds ? Math.max(0, wq.timeoutSeconds * 1000) : 1_800_000;
    timers.push(setTimeout(finish, timeout));
    return { close: finish };
  }
}

function successStatus(details?: Obj): Obj {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    ...(details ? { details } : {}),
  };
}

function patchSetsRv(patch: unknown): boolean {
  if (Array.isArray(patch))
    return patch.some((op) => isObj(op) && String(op.path ?? "").startsWith("/metadata/resourceVersion"));
  return isObj(patch) && isObj(patch.metadata) && "resourceVersion" in patch.metadata;
}

export function encodeContinue(key: string, rv: number): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv, start: `${key}\u0000` })).toString(
    "base64url",
  );
}

function decodeContinue(token: string): string {
  try {
    const o = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { v?: string; start?: string };
    if (o.v !== "meta.k8s.io/v1" || typeof o.start !== "string") throw new Error("bad");
    return o.start.replace(/\u0000$/, "");
  } catch {
    throw badRequest(`continue key is not valid: illegal base64 data or unknown version`);
  }
}

function setPath(o: Obj, p: string, v: unknown): void {
  const parts = p.replace(/^\./, "").split(".");
  let cur = o;
  for (const k of parts.slice(0, -1)) {
    if (!isObj(cur[k])) cur[k] = {};
    cur = cur[k] as Obj;
  }
  cur[parts[parts.length - 1]] = v;
}

function getPathValue(o: Obj, p: string): unknown {
  let cur: unknown = o;
  for (const k of p.replace(/^\./, "").split(".")) cur = isObj(cur) ? cur[k] : undefined;
  return cur;
}

function toScale(t: ResourceType, obj: Obj): Obj {
  const m = meta(obj);
  const sel = t.scale?.labelSelector ? getPathValue(obj, t.scale.labelSelector) : undefined;
  const map = t.scale?.selectorMap ? getPathValue(obj, t.scale.selectorMap) : undefined;
  let selector = "";
  // labels.SelectorFromSet(…).String(): the pairs in key order.
  if (isObj(map))
    selector = Object.keys(map)
      .sort()
      .map((k) => `${k}=${String(map[k])}`)
      .join(",");
  else if (isObj(sel)) {
    const ml = (sel.matchLabels ?? {}) as Obj;
    selector = Object.entries(ml)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(",");
  } else if (typeof sel === "string") selector = sel;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: m.name,
      ...(m.namespace ? { namespace: m.namespace } : {}),
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: Number(getPathValue(obj, t.scale?.specReplicas ?? ".spec.replicas") ?? 0) },
    status: {
      replicas: Number(getPathValue(obj, t.scale?.statusReplicas ?? ".status.replicas") ?? 0),
      ...(selector ? { selector } : {}),
    },
  };
}

function qosClass(pod: Obj): string {
  const cs = (((pod.spec as Obj | undefined)?.containers as Obj[] | undefined) ?? []).filter(isObj);
  let any = false;
  let guaranteed = cs.length > 0;
  for (const c of cs) {
    const r = (c.resources ?? {}) as Obj;
    const lim = (r.limits ?? {}) as Obj;
    const req = (r.requests ?? {}) as Obj;
    if (Object.keys(lim).length || Object.keys(req).length) any = true;
    for (const k of ["cpu", "memory"]) {
      if (lim[k] === undefined || (req[k] !== undefined && String(req[k]) !== String(lim[k])))
        guaranteed = false;
    }
  }
  return guaranteed ? "Guaranteed" : any ? "Burstable" : "BestEffort";
}

/** A CRD is accepted at once: names accepted, established. */
function acceptCrd(body: Obj): void {
  const info = crdInfo(body);
  if (!info) return;
  const spec = body.spec as Obj;
  const names = (spec.names ?? {}) as Obj;
  names.singular ??= info.singular;
  names.listKind ??= info.listKind;
  const now = nowRfc3339();
  body.status = {
    acceptedNames: { ...names },
    conditions: [
      {
        type: "NamesAccepted",
        status: "True",
        lastTransitionTime: now,
        reason: "NoConflicts",
        message: "no conflicts found",
      },
      {
        type: "Established",
        status: "True",
        lastTransitionTime: now,
        reason: "InitialNamesAccepted",
        message: "the initial names have been accepted",
      },
    ],
    storedVersions: ((spec.versions as Obj[] | undefined) ?? [])
      .filter((v) => v.storage === true)
      .map((v) => String(v.name)),
  };
}

export const CRD_CLEANUP = "customresourcecleanup.apiextensions.k8s.io";

/** The runtime work kind of the garbage collector (key: the cluster uid). */
export const GC_WORK = "kube-gc";

function setCrdCondition(crd: Obj, type: string, reason: string, message: string): void {
  const st = isObj(crd.status) ? crd.status : {};
  crd.status = st;
  const conds = Array.isArray(st.conditions) ? (st.conditions as Obj[]).filter((c) => c.type !== type) : [];
  conds.push({ type, status: "True", lastTransitionTime: nowRfc3339(), reason, message });
  st.conditions = conds;
}

/** Every process's catalog compares this stamp (in the store) with the one it cached. */
async function crdsChanged(tx: Tx, cluster: string): Promise<void> {
  await tx.setMeta(crdStampKey(cluster), randomUUID());
}

/**
 * `from` + `grace` seconds as a metav1.Time; a grace period past what a date can hold (int64
 * seconds are allowed) ends at the latest date JavaScript writes, not in an exception.
 */
function graceDeadline(from: number, grace: number): string {
  const LATEST = 8_640_000_000_000_000;
  const at = from + grace * 1000;
  return rfc3339(Number.isFinite(at) ? Math.max(-LATEST, Math.min(LATEST, at)) : LATEST);
}
