#!/usr/bin/env node
// Derives the wire facts the Kubernetes face needs to decode protobuf request bodies
// (`Content-Type: application/vnd.kubernetes.protobuf`, what kubectl ≥ 1.33's typed clients send)
// from the upstream sources, and writes them as a compact table to
// src/kube/proto/messages.generated.ts. A developer runs it when the served Kubernetes version
// moves; it is not part of the build or the tests. Nothing upstream is copied: the output is
// derived data (field numbers, JSON names, types and Go encoding flags).
//
//   node scripts/gen-kube-proto.mjs --api <k8s.io/api> --apimachinery <k8s.io/apimachinery> \
//     --apiextensions <k8s.io/apiextensions-apiserver> [--ref v0.33.13]
//
// Each source is a checkout of the repository (kubernetes/api, kubernetes/apimachinery,
// kubernetes/apiextensions-apiserver) or a bare git directory of it, read at --ref.
//
// Two sources per message, joined by field number: generated.proto gives the protobuf types
// (scalar kind, message type, repeated, map<k,v>); the Go struct in the same package gives
// what encoding/json does with the decoded value — the JSON name, omitempty, whether the field
// is a pointer (an explicit zero survives), and `json:",inline"` embedding.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const REF = opt("ref", "v0.33.13");
const SOURCES = {
  api: opt("api"),
  apimachinery: opt("apimachinery"),
  apiextensions: opt("apiextensions"),
};
for (const [k, v] of Object.entries(SOURCES))
  if (!v) {
    console.error(`missing --${k} <checkout or bare git dir>`);
    process.exit(2);
  }
const OUT = path.resolve(opt("out", "src/kube/proto/messages.generated.ts"));

/** Reads files from a checkout or (a bare git dir) at REF. */
function source(root) {
  const bare = fs.existsSync(path.join(root, "HEAD")) && fs.existsSync(path.join(root, "objects"));
  return {
    list(dir) {
      if (bare)
        return execFileSync("git", ["--git-dir", root, "ls-tree", "--name-only", `${REF}:${dir}`], {
          encoding: "utf8",
        })
          .split("\n")
          .filter(Boolean);
      return fs.readdirSync(path.join(root, dir));
    },
    read(file) {
      if (bare)
        return execFileSync("git", ["--git-dir", root, "show", `${REF}:${file}`], {
          encoding: "utf8",
          maxBuffer: 64 << 20,
        });
      return fs.readFileSync(path.join(root, file), "utf8");
    },
  };
}

// Proto package → (source, directory). Package names are the Go import paths with dots.
function locate(pkg) {
  if (pkg.startsWith("k8s.io.api.")) return ["api", pkg.slice("k8s.io.api.".length).replaceAll(".", "/")];
  if (pkg.startsWith("k8s.io.apimachinery."))
    return ["apimachinery", pkg.slice("k8s.io.apimachinery.".length).replaceAll(".", "/")];
  if (pkg.startsWith("k8s.io.apiextensions_apiserver."))
    return ["apiextensions", pkg.slice("k8s.io.apiextensions_apiserver.".length).replaceAll(".", "/")];
  throw new Error(`no source for proto package ${pkg}`);
}

/** The short name the table uses: the package path after its repository, then the message. */
function short(fq) {
  return fq
    .replace(/^k8s\.io\.api\./, "")
    .replace(/^k8s\.io\.apimachinery\.pkg\./, "")
    .replace(/^k8s\.io\.apiextensions_apiserver\.pkg\.apis\./, "");
}

// The kinds whose bodies may arrive as protobuf: every built-in kind the emulator serves
// (src/kube/kinds.ts), what kubectl's typed commands create, and the request-only kinds its
// typed clients send (DeleteOptions, Eviction, TokenRequest, access reviews).
const ROOTS = {
  "v1/Namespace": "k8s.io.api.core.v1.Namespace",
  "v1/Node": "k8s.io.api.core.v1.Node",
  "v1/Pod": "k8s.io.api.core.v1.Pod",
  "v1/Binding": "k8s.io.api.core.v1.Binding",
  "v1/Service": "k8s.io.api.core.v1.Service",
  "v1/Endpoints": "k8s.io.api.core.v1.Endpoints",
  "v1/ConfigMap": "k8s.io.api.core.v1.ConfigMap",
  "v1/Secret": "k8s.io.api.core.v1.Secret",
  "v1/ServiceAccount": "k8s.io.api.core.v1.ServiceAccount",
  "v1/Event": "k8s.io.api.core.v1.Event",
  "v1/ResourceQuota": "k8s.io.api.core.v1.ResourceQuota",
  "v1/LimitRange": "k8s.io.api.core.v1.LimitRange",
  "v1/PersistentVolume": "k8s.io.api.core.v1.PersistentVolume",
  "v1/PersistentVolumeClaim": "k8s.io.api.core.v1.PersistentVolumeClaim",
  "v1/ReplicationController": "k8s.io.api.core.v1.ReplicationController",
  "v1/PodTemplate": "k8s.io.api.core.v1.PodTemplate",
  "events.k8s.io/v1/Event": "k8s.io.api.events.v1.Event",
  "apps/v1/Deployment": "k8s.io.api.apps.v1.Deployment",
  "apps/v1/ReplicaSet": "k8s.io.api.apps.v1.ReplicaSet",
  "apps/v1/DaemonSet": "k8s.io.api.apps.v1.DaemonSet",
  "apps/v1/StatefulSet": "k8s.io.api.apps.v1.StatefulSet",
  "apps/v1/ControllerRevision": "k8s.io.api.apps.v1.ControllerRevision",
  "batch/v1/Job": "k8s.io.api.batch.v1.Job",
  "batch/v1/CronJob": "k8s.io.api.batch.v1.CronJob",
  "discovery.k8s.io/v1/EndpointSlice": "k8s.io.api.discovery.v1.EndpointSlice",
  "networking.k8s.io/v1/NetworkPolicy": "k8s.io.api.networking.v1.NetworkPolicy",
  "networking.k8s.io/v1/Ingress": "k8s.io.api.networking.v1.Ingress",
  "networking.k8s.io/v1/IngressClass": "k8s.io.api.networking.v1.IngressClass",
  "admissionregistration.k8s.io/v1/MutatingWebhookConfiguration":
    "k8s.io.api.admissionregistration.v1.MutatingWebhookConfiguration",
  "admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration":
    "k8s.io.api.admissionregistration.v1.ValidatingWebhookConfiguration",
  "coordination.k8s.io/v1/Lease": "k8s.io.api.coordination.v1.Lease",
  "apiextensions.k8s.io/v1/CustomResourceDefinition":
    "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition",
  "rbac.authorization.k8s.io/v1/Role": "k8s.io.api.rbac.v1.Role",
  "rbac.authorization.k8s.io/v1/RoleBinding": "k8s.io.api.rbac.v1.RoleBinding",
  "rbac.authorization.k8s.io/v1/ClusterRole": "k8s.io.api.rbac.v1.ClusterRole",
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": "k8s.io.api.rbac.v1.ClusterRoleBinding",
  "policy/v1/PodDisruptionBudget": "k8s.io.api.policy.v1.PodDisruptionBudget",
  "policy/v1/Eviction": "k8s.io.api.policy.v1.Eviction",
  "scheduling.k8s.io/v1/PriorityClass": "k8s.io.api.scheduling.v1.PriorityClass",
  "autoscaling/v1/HorizontalPodAutoscaler": "k8s.io.api.autoscaling.v1.HorizontalPodAutoscaler",
  "autoscaling/v1/Scale": "k8s.io.api.autoscaling.v1.Scale",
  "autoscaling/v2/HorizontalPodAutoscaler": "k8s.io.api.autoscaling.v2.HorizontalPodAutoscaler",
  "storage.k8s.io/v1/StorageClass": "k8s.io.api.storage.v1.StorageClass",
  "authentication.k8s.io/v1/TokenRequest": "k8s.io.api.authentication.v1.TokenRequest",
  "authorization.k8s.io/v1/SelfSubjectAccessReview": "k8s.io.api.authorization.v1.SelfSubjectAccessReview",
  "authorization.k8s.io/v1/SelfSubjectRulesReview": "k8s.io.api.authorization.v1.SelfSubjectRulesReview",
  "authorization.k8s.io/v1/SubjectAccessReview": "k8s.io.api.authorization.v1.SubjectAccessReview",
  "authentication.k8s.io/v1/SelfSubjectReview": "k8s.io.api.authentication.v1.SelfSubjectReview",
  "meta.k8s.io/v1/DeleteOptions": "k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions",
  "storage.k8s.io/v1/CSIDriver": "k8s.io.api.storage.v1.CSIDriver",
  "storage.k8s.io/v1/CSINode": "k8s.io.api.storage.v1.CSINode",
  "storage.k8s.io/v1/VolumeAttachment": "k8s.io.api.storage.v1.VolumeAttachment",
  "node.k8s.io/v1/RuntimeClass": "k8s.io.api.node.v1.RuntimeClass",
  "certificates.k8s.io/v1/CertificateSigningRequest": "k8s.io.api.certificates.v1.CertificateSigningRequest",
  "flowcontrol.apiserver.k8s.io/v1/FlowSchema": "k8s.io.api.flowcontrol.v1.FlowSchema",
  "flowcontrol.apiserver.k8s.io/v1/PriorityLevelConfiguration":
    "k8s.io.api.flowcontrol.v1.PriorityLevelConfiguration",
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy":
    "k8s.io.api.admissionregistration.v1.ValidatingAdmissionPolicy",
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding":
    "k8s.io.api.admissionregistration.v1.ValidatingAdmissionPolicyBinding",
  "v1/ComponentStatus": "k8s.io.api.core.v1.ComponentStatus",
};

// Messages whose Go types marshal to JSON by hand (MarshalJSON); the decoder knows each.
const SPECIAL = {
  "k8s.io.apimachinery.pkg.api.resource.Quantity": "quantity",
  "k8s.io.apimachinery.pkg.util.intstr.IntOrString": "intOrString",
  "k8s.io.apimachinery.pkg.apis.meta.v1.Time": "time",
  "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime": "microTime",
  "k8s.io.apimachinery.pkg.apis.meta.v1.Duration": "duration",
  "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1": "rawJson",
  "k8s.io.apimachinery.pkg.runtime.RawExtension": "rawExtension",
  "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON": "rawJson",
  "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray": "schemaOrArray",
  "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool": "schemaOrBool",
  "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray":
    "schemaOrStringArray",
};

const SCALARS = new Set([
  "string",
  "bytes",
  "bool",
  "int32",
  "int64",
  "uint32",
  "uint64",
  "sint32",
  "sint64",
  "double",
  "float",
  "fixed32",
  "fixed64",
]);

// ---- generated.proto ----------------------------------------------------------------------

const protoCache = new Map();
function protoPackage(pkg) {
  if (protoCache.has(pkg)) return protoCache.get(pkg);
  const [src, dir] = locate(pkg);
  const text = source(SOURCES[src]).read(`${dir}/generated.proto`);
  const messages = new Map();
  const lines = text.split("\n");
  let comments = [];
  let cur;
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith("//")) {
      comments.push(line);
      continue;
    }
    const m = /^message (\w+) \{$/.exec(line);
    if (m) {
      cur = { name: m[1], fields: [], nullable: comments.some((c) => c.includes("+protobuf.nullable=true")) };
      messages.set(m[1], cur);
    } else if (line === "}") cur = undefined;
    else if (cur && line) {
      const f =
        /^(optional|repeated) ([.\w]+) (\w+) = (\d+);$/.exec(line) ??
        /^(map)<(\w+), ([.\w]+)> (\w+) = (\d+);$/.exec(line);
      if (!f) throw new Error(`${pkg}.${cur.name}: cannot read ${line}`);
      if (f[1] === "map")
        cur.fields.push({ label: "map", key: f[2], type: qualify(pkg, f[3]), name: f[4], num: Number(f[5]) });
      else cur.fields.push({ label: f[1], type: qualify(pkg, f[2]), name: f[3], num: Number(f[4]) });
    }
    comments = [];
  }
  protoCache.set(pkg, messages);
  return messages;
}

function qualify(pkg, t) {
  if (SCALARS.has(t)) return t;
  if (t.startsWith(".")) return t.slice(1);
  return `${pkg}.${t}`;
}

function splitFq(fq) {
  const i = fq.lastIndexOf(".");
  return [fq.slice(0, i), fq.slice(i + 1)];
}

// ---- Go structs -----------------------------------------------------------------------------

const goCache = new Map();
function goPackage(pkg) {
  if (goCache.has(pkg)) return goCache.get(pkg);
  const [src, dir] = locate(pkg);
  const s = source(SOURCES[src]);
  const structs = new Map();
  for (const file of s.list(dir)) {
    if (!file.endsWith(".go") || file.endsWith("_test.go") || file.startsWith("zz_generated")) continue;
    if (file === "generated.pb.go" || file.includes("swagger_doc")) continue;
    const text = s.read(`${dir}/${file}`);
    const re = /^type (\w+) struct \{\n([\s\S]*?)^\}/gm;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const fields = [];
      for (const raw of m[2].split("\n")) {
        const line = raw.trim();
        if (!line || line.startsWith("//")) continue;
        const f = /^(?:(\w+)\s+)?(\*?[\w.[\]*]+)\s+`([^`]*)`/.exec(line);
        if (!f) continue;
        const tags = Object.fromEntries([...f[3].matchAll(/(\w+):"([^"]*)"/g)].map((t) => [t[1], t[2]]));
        const json = (tags.json ?? "").split(",");
        const pb = tags.protobuf ? tags.protobuf.split(",") : undefined;
        fields.push({
          goName: f[1] ?? f[2].replace(/^\*/, "").split(".").pop(),
          goType: f[2],
          pointer: f[2].startsWith("*"),
          json: json[0],
          omitempty: json.includes("omitempty"),
          omitzero: json.includes("omitzero"),
          inline: json.includes("inline"),
          num: pb ? Number(pb[1]) : undefined,
        });
      }
      structs.set(m[1], fields);
    }
    for (const e of text.matchAll(/^type (\w+) struct ?\{\}/gm)) structs.set(e[1], []);
  }
  goCache.set(pkg, structs);
  return structs;
}

// ---- join -----------------------------------------------------------------------------------

const out = new Map();
const warnings = [];
const queue = [...new Set(Object.values(ROOTS))];
while (queue.length) {
  const fq = queue.shift();
  if (out.has(short(fq))) continue;
  const [pkg, name] = splitFq(fq);
  const msg = protoPackage(pkg).get(name);
  if (!msg) throw new Error(`no message ${fq}`);
  if (SPECIAL[fq]) {
    // Hand-marshalled in Go: the decoder reads these by their protobuf field names.
    const fields = msg.fields.map((p) => {
      if (!SCALARS.has(p.type)) queue.push(p.type);
      return [p.num, p.name, SCALARS.has(p.type) ? p.type : short(p.type), p.label === "repeated" ? "r" : ""];
    });
    out.set(short(fq), { special: SPECIAL[fq], fields });
    continue;
  }
  if (msg.nullable) {
    // A Go slice or map type (`type ExtraValue []string`): JSON is its `items`.
    const items = msg.fields.find((f) => f.name === "items");
    if (!items || msg.fields.length !== 1) throw new Error(`${fq}: nullable message without one items field`);
    const type = SCALARS.has(items.type) ? items.type : short(items.type);
    if (!SCALARS.has(items.type)) queue.push(items.type);
    out.set(short(fq), { special: "items", fields: [[items.num, "items", type, items.label === "map" ? "m" : "r"]] });
    continue;
  }
  const goFields = goPackage(pkg).get(name);
  if (!goFields) throw new Error(`no Go struct for ${fq}`);
  const byNum = new Map(msg.fields.map((f) => [f.num, f]));
  const fields = [];
  for (const g of goFields) {
    if (g.num === undefined || g.json === "-") {
      if (g.num === undefined && g.json !== "-" && !(g.inline && /TypeMeta$/.test(g.goType)))
        warnings.push(`${fq}.${g.goName}: no protobuf tag, left out`);
      continue;
    }
    const p = byNum.get(g.num);
    if (!p) throw new Error(`${fq}.${g.goName}: protobuf field ${g.num} not in generated.proto`);
    byNum.delete(g.num);
    if (!SCALARS.has(p.type)) queue.push(p.type);
    const flags =
      (p.label === "repeated" ? "r" : "") +
      (p.label === "map" ? "m" : "") +
      (g.pointer ? "p" : "") +
      (g.omitempty ? "o" : "") +
      (g.omitzero ? "z" : "") +
      (g.inline ? "i" : "");
    const type = SCALARS.has(p.type) ? p.type : short(p.type);
    const row = [g.num, g.inline ? "" : g.json || g.goName, type, flags];
    if (p.label === "map") row.push(p.key);
    fields.push(row);
  }
  for (const p of byNum.values()) warnings.push(`${fq}: protobuf field ${p.num} (${p.name}) has no Go field`);
  out.set(short(fq), { fields });
}

const kinds = Object.fromEntries(Object.entries(ROOTS).map(([k, v]) => [k, short(v)]));
const sorted = Object.fromEntries([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const body = [
  "// Generated by scripts/gen-kube-proto.mjs from k8s.io/api, k8s.io/apimachinery and",
  `// k8s.io/apiextensions-apiserver ${REF}. Do not edit; re-run the script.`,
  "// A field is [number, JSON name (\"\" when inlined), type, flags, map key type?]; flags:",
  "// r repeated, m map, p Go pointer, o omitempty, z omitzero, i json inline.",
  'import type { MessageTable } from "./types.js";',
  "",
  `export const SOURCE_REF = ${JSON.stringify(REF)};`,
  "",
  "/** apiVersion/kind → message. */",
  `export const KINDS: Record<string, string> = ${JSON.stringify(kinds, null, 1)};`,
  "",
  "export const MESSAGES: MessageTable = {",
  ...Object.entries(sorted).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)},`),
  "};",
  "",
].join("\n");
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, body);
// Formatted as the repository's linter wants it, so `biome check` stays clean.
execFileSync(path.resolve("node_modules/.bin/biome"), ["format", "--write", OUT], { stdio: "ignore" });
for (const w of warnings) console.warn(`warning: ${w}`);
console.log(`${out.size} messages, ${Object.keys(kinds).length} kinds → ${path.relative(process.cwd(), OUT)}`);
