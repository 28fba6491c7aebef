#!/usr/bin/env node
// Generates the Kubernetes API schemas the Kubernetes face serves (OpenAPI v2/v3, `kubectl
// explain`, server-side field validation) from @kubernetes/client-node's generated models:
// their attributeTypeMap gives each field's type and format, their .d.ts gives descriptions
// and which fields are required. The upstream OpenAPI (v1.34) is what those models were
// generated from, so nothing here is hand-written. Output: generated/kube-schemas.json
// (git-ignored; `npm run build` and the test setup make it).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.join(root, "generated", "kube-schemas.json");

export async function generate() {
  const require = createRequire(path.join(root, "package.json"));
  const pkgDir = path.dirname(require.resolve("@kubernetes/client-node/package.json"));
  const modelsDir = path.join(pkgDir, "dist", "gen", "models");
  const files = fs.readdirSync(modelsDir).filter((f) => /^[A-Z]\w+\.js$/.test(f) && f !== "ObjectSerializer.js");
  const definitions = {};
  for (const f of files) {
    const cls = f.slice(0, -3);
    const mod = await import(pathToFileURL(path.join(modelsDir, f)).href);
    const C = mod[cls];
    if (!C || !Array.isArray(C.attributeTypeMap)) continue;
    const dts = fs.readFileSync(path.join(modelsDir, `${cls}.d.ts`), "utf8");
    const { description, fields } = parseDts(dts, cls);
    const properties = {};
    const required = [];
    for (const a of C.attributeTypeMap) {
      const s = typeSchema(a.type, a.format);
      const d = fields.get(a.name);
      if (d?.description) s.description = d.description;
      properties[a.baseName] = s;
      if (d && !d.optional) required.push(a.baseName);
    }
    definitions[cls] = {
      ...(description ? { description } : {}),
      type: "object",
      properties,
      ...(required.length ? { required } : {}),
    };
  }
  fillRefDescriptions(definitions, path.dirname(require.resolve("kubernetes-types/package.json")));
  const info = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
  return { source: `@kubernetes/client-node@${info.version}`, definitions };
}

/**
 * The models drop the description of a field whose type is another model (a $ref: a
 * container's `resources`, a strategy's `rollingUpdate`), which `kubectl explain` prints.
 * kubernetes-types' .d.ts (from the same upstream OpenAPI) keeps them: each such field takes
 * its description from the interface of the same name and version there.
 */
function fillRefDescriptions(definitions, typesDir) {
  const interfaces = new Map(); // `${version}/${name}` → [{ dir, fields }]
  for (const dir of fs.readdirSync(typesDir)) {
    const d = path.join(typesDir, dir);
    if (!fs.statSync(d).isDirectory()) continue;
    for (const f of fs.readdirSync(d).filter((x) => x.endsWith(".d.ts"))) {
      const version = f.slice(0, -".d.ts".length);
      const src = fs.readFileSync(path.join(d, f), "utf8");
      for (const block of src.split(/^export interface /m).slice(1)) {
        const name = /^(\w+)/.exec(block)?.[1];
        if (!name) continue;
        const body = block.slice(0, block.search(/^}/m) + 1);
        const fields = new Map();
        const re = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(\w+)\??:/g;
        for (let m = re.exec(body); m; m = re.exec(body)) fields.set(m[2], clean(m[1]));
        const k = `${version}/${name}`;
        interfaces.set(k, [...(interfaces.get(k) ?? []), { dir, fields }]);
      }
    }
  }
  for (const [cls, def] of Object.entries(definitions)) {
    const m = /^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)(.+)$/.exec(cls);
    if (!m) continue;
    const group = m[1]?.toLowerCase();
    const found = (interfaces.get(`${m[2].toLowerCase()}/${m[3]}`) ?? []).filter(
      (c) => !group || c.dir.startsWith(group),
    );
    for (const [field, s] of Object.entries(def.properties ?? {})) {
      if (s.description) continue;
      const d = found.map((c) => c.fields.get(field)).find(Boolean);
      if (d) s.description = d;
    }
  }
}

function typeSchema(type, format) {
  const t = type.trim();
  const arr = /^Array<(.+)>$/.exec(t);
  if (arr) return { type: "array", items: typeSchema(arr[1], format === "byte" ? "" : format) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(t);
  if (map) return { type: "object", additionalProperties: typeSchema(map[1], "") };
  switch (t) {
    case "string":
      return format === "byte" ? { type: "string", format: "byte" } : { type: "string" };
    case "number":
      return format === "double" || format === "float" ? { type: "number", format } : { type: "integer", format: format || "int64" };
    case "boolean":
      return { type: "boolean" };
    case "Date":
      return { type: "string", format: "date-time" };
    case "IntOrString":
      return { "x-kubernetes-int-or-string": true };
    case "any":
      return {};
    // The models type MicroTime as a class they do not ship; upstream it is a date-time string.
    case "V1MicroTime":
      return { type: "string", format: "date-time" };
    default:
      return { $ref: `#/definitions/${t}` };
  }
}

function clean(s) {
  return s
    .split("\n")
    .map((l) => l.replace(/^\s*\*\s?/, "").trim())
    .filter(Boolean)
    .join(" ")
    .replace(/\\(['"])/g, "$1")
    .trim();
}

function parseDts(src, cls) {
  const fields = new Map();
  let description;
  const head = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*export declare class ${cls}\\b`).exec(src);
  if (head) description = clean(head[1]);
  const body = src.slice(src.indexOf(`export declare class ${cls}`));
  const re = /(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*)?'([^']+)'(\?)?:/g;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    fields.set(m[2], { description: m[1] ? clean(m[1]) : undefined, optional: m[3] === "?" });
  }
  return { description, fields };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const doc = await generate();
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(doc));
  fs.renameSync(tmp, out);
  process.stdout.write(`kube schemas: ${Object.keys(doc.definitions).length} definitions from ${doc.source} -> ${path.relative(root, out)}\n`);
}
