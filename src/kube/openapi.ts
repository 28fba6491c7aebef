// OpenAPI documents of one cluster: v3 (an index plus one document per group-version) and v2
// (everything), with the built-in kinds' generated schemas and CRD versions' schemas, each
// top-level schema tagged x-kubernetes-group-version-kind, and per-kind paths whose write
// operations take `fieldValidation` (kubectl looks for it before sending fieldValidation=Strict).
import { createHash } from "node:crypto";
import type { ResourceType } from "./catalog.js";
import { groupVersion } from "./kinds.js";
import type { BuiltinSchemas, Schema } from "./schemas.js";

type Obj = Record<string, unknown>;
const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

function crdName(t: ResourceType): string {
  const rev = t.group.split(".").reverse().join(".");
  return `${rev}.${t.version}.${t.kind}`;
}

/** Definitions (v2 naming, `#/definitions/…` refs) of the given types. */
function definitions(
  types: ResourceType[],
  s: BuiltinSchemas,
): { defs: Map<string, Schema>; top: Map<ResourceType, string> } {
  const top = new Map<ResourceType, string>();
  const roots: string[] = [
    `${META}.Status`,
    `${META}.DeleteOptions`,
    `${META}.ObjectMeta`,
    `${META}.ListMeta`,
  ];
  const custom = new Map<string, Schema>();
  for (const t of types) {
    if (t.crd) {
      const name = crdName(t);
      const base = structuredClone(
        t.crd.schema ?? { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      ) as Schema;
      base.properties = {
        apiVersion: {
          type: "string",
          description: "APIVersion defines the versioned schema of this representation of an object.",
        },
        kind: {
          type: "string",
          description: "Kind is a string value representing the REST resource this object represents.",
        },
        metadata: { $ref: `#/definitions/${META}.ObjectMeta`, description: "Standard object's metadata." },
        ...(base.properties ?? {}),
      };
      if (base.properties.metadata && !("$ref" in base.properties.metadata))
        base.properties.metadata = { $ref: `#/definitions/${META}.ObjectMeta` };
      base["x-kubernetes-group-version-kind"] = [{ group: t.group, version: t.version, kind: t.kind }];
      custom.set(name, base);
      top.set(t, name);
      continue;
    }
    const n = s.topFor(t.group, t.version, t.kind);
    if (n) {
      top.set(t, n);
      roots.push(n);
      const list = s.defs.has(`${n}List`) ? `${n}List` : undefined;
      if (list) roots.push(list);
    }
    if (t.scale) roots.push(s.topFor("autoscaling", "v1", "Scale") ?? "");
  }
  const defs = s.closure(roots.filter(Boolean));
  for (const [k, v] of custom) defs.set(k, v);
  return { defs, top };
}

/** Custom resources take no strategic merge patch: kubectl 1.29+ reads this to choose its patch type. */
const patchTypes = (t: ResourceType) => [
  "application/json-patch+json",
  "application/merge-patch+json",
  ...(t.crd ? [] : ["application/strategic-merge-patch+json"]),
  "application/apply-patch+yaml",
];

const param = (name: string, where: "query" | "path", v3: boolean, description = ""): Obj =>
  v3
    ? {
        name,
        in: where,
        description,
        ...(where === "path" ? { required: true } : {}),
        schema: { type: "string", uniqueItems: true },
      }
    : {
        name,
        in: where,
        description,
        type: "string",
        uniqueItems: true,
        ...(where === "path" ? { required: true } : {}),
      };

function paths(
  types: ResourceType[],
  top: Map<ResourceType, string>,
  v3: boolean,
  ref: (n: string) => string,
): Obj {
  const out: Obj = {};
  for (const t of types) {
    const schema = top.get(t);
    if (!schema) continue;
    const base = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
    const coll = t.namespaced ? `${base}/namespaces/{namespace}/${t.plural}` : `${base}/${t.plural}`;
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const body = (n: string) =>
      v3
        ? { requestBody: { content: { "*/*": { schema: { $ref: ref(n) } } }, required: true } }
        : { parameters: [{ name: "body", in: "body", required: true, schema: { $ref: ref(n) } }] };
    const resp = (n: string) =>
      v3
        ? {
            responses: {
              "200": { description: "OK", content: { "application/json": { schema: { $ref: ref(n) } } } },
            },
          }
        : { responses: { "200": { description: "OK", schema: { $ref: ref(n) } } } };
    const write = [
      param("dryRun", "query", v3),
      param("fieldManager", "query", v3),
      param("fieldValidation", "query", v3),
    ];
    const op = (action: string, id: string, extra: Obj, params: Obj[] = []) => {
      const b = extra.parameters as Obj[] | undefined;
      return {
        tags: [`${t.group || "core"}_${t.version}`],
        operationId: `${action}${t.kind}`.replace(/^./, (c) => c.toLowerCase()) + id,
        ...extra,
        parameters: [...(b ?? []), ...params],
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk,
      };
    };
    const pathParams = t.namespaced ? [param("namespace", "path", v3)] : [];
    const listName = `${schema}List`;
    out[coll] = {
      get: op("list", "", resp(listName)),
      post: op("post", "", { ...body(schema), ...resp(schema) }, write),
      delete: op("deletecollection", "", resp(`${META}.Status`)),
      parameters: pathParams,
    };
    out[`${coll}/{name}`] = {
      get: op("get", "", resp(schema)),
      put: op("put", "", { ...body(schema), ...resp(schema) }, write),
      patch: op(
        "patch",
        "",
        {
          ...(v3
            ? {
                requestBody: {
                  content: Object.fromEntries(
                    patchTypes(t).map((ct) => [ct, { schema: { type: "object" } }]),
                  ),
                  required: true,
                },
              }
            : { parameters: [{ name: "body", in: "body", required: true, schema: { type: "object" } }] }),
          ...resp(schema),
        },
        [...write, param("force", "query", v3)],
      ),
      delete: op("delete", "", resp(`${META}.Status`)),
      parameters: [param("name", "path", v3), ...pathParams],
    };
    if (t.namespaced) out[`${base}/${t.plural}`] = { get: op("list", "ForAllNamespaces", resp(listName)) };
    for (const s of t.subresources ?? []) {
      if (s !== "status" && s !== "scale" && s !== "ephemeralcontainers") continue;
      const n = s === "scale" ? "io.k8s.api.autoscaling.v1.Scale" : schema;
      out[`${coll}/{name}/${s}`] = {
        get: op("get", s, resp(n)),
        put: op("put", s, { ...body(n), ...resp(n) }, write),
        patch: op("patch", s, resp(n), [...write, param("force", "query", v3)]),
        parameters: [param("name", "path", v3), ...pathParams],
      };
    }
  }
  return out;
}

function rewriteRefs(v: unknown, to: string): unknown {
  if (Array.isArray(v)) return v.map((x) => rewriteRefs(x, to));
  if (!v || typeof v !== "object") return v;
  const o: Obj = {};
  for (const [k, x] of Object.entries(v as Obj)) {
    if (k === "$ref" && typeof x === "string") o[k] = x.replace("#/definitions/", to);
    else o[k] = rewriteRefs(x, to);
  }
  // OpenAPI v3 does not allow siblings next to $ref: kube-apiserver wraps them in allOf.
  if (to === "#/components/schemas/" && typeof o.$ref === "string" && Object.keys(o).length > 1) {
    const { $ref, ...rest } = o;
    return { ...rest, allOf: [{ $ref }] };
  }
  return o;
}

export function openapiV3(
  types: ResourceType[],
  s: BuiltinSchemas,
  version: string,
  gvPath: string,
): Obj | undefined {
  const mine = types.filter(
    (t) => (t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`) === gvPath,
  );
  if (!mine.length) return undefined;
  const { defs, top } = definitions(mine, s);
  const schemas: Obj = {};
  for (const [k, v] of defs) schemas[k] = rewriteRefs(v, "#/components/schemas/");
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: `v${version}` },
    paths: rewriteRefs(
      paths(mine, top, true, (n) => `#/definitions/${n}`),
      "#/components/schemas/",
    ),
    components: { schemas },
  };
}

export function openapiV3Index(
  types: ResourceType[],
  prefix: string,
  hashOf: (gvPath: string) => string,
): Obj {
  const gvs = new Set<string>();
  for (const t of types) gvs.add(t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`);
  const out: Obj = {};
  for (const g of gvs) out[g] = { serverRelativeURL: `${prefix}/openapi/v3/${g}?hash=${hashOf(g)}` };
  return { paths: out };
}

export function openapiV2(types: ResourceType[], s: BuiltinSchemas, version: string): Obj {
  const { defs, top } = definitions(types, s);
  return {
    swagger: "2.0",
    info: { title: "Kubernetes", version: `v${version}` },
    paths: paths(types, top, false, (n) => `#/definitions/${n}`),
    definitions: Object.fromEntries(defs),
  };
}

export function hashDoc(doc: unknown): string {
  return createHash("sha512").update(JSON.stringify(doc)).digest("hex").toUpperCase().slice(0, 128);
}

export { groupVersion };
