// `az aks get-credentials` kubeconfig merge, following azure-cli's
// merge_kubernetes_configurations / _handle_merge: entries are matched by name; an identical
// entry or --overwrite-existing replaces, a different one is an error (no TTY) or a prompt.

import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { CliError } from "./io.js";

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

async function handleMerge(
  existing: Obj,
  addition: Obj,
  key: "clusters" | "users" | "contexts",
  replace: boolean,
  confirm: (msg: string) => Promise<boolean>,
): Promise<void> {
  const add = addition[key];
  if (!Array.isArray(add) || add.length === 0) return;
  if (!Array.isArray(existing[key]) || (existing[key] as unknown[]).length === 0) {
    existing[key] = add;
    return;
  }
  const list = existing[key] as Obj[];
  for (const i of add as Obj[]) {
    for (const j of [...list]) {
      if (!i?.name || !j?.name) continue;
      if (i.name !== j.name) continue;
      if (replace || deepEqual(i, j)) {
        list.splice(list.indexOf(j), 1);
        continue;
      }
      let overwrite = false;
      try {
        overwrite = await confirm(
          `A different object named ${i.name} already exists in your kubeconfig file.\nOverwrite?`,
        );
      } catch {
        overwrite = false;
      }
      if (!overwrite)
        throw new CliError(
          `A different object named ${i.name} already exists in ${key} in your kubeconfig file.`,
        );
      list.splice(list.indexOf(j), 1);
    }
    list.push(i);
  }
}

export interface MergeOptions {
  overwriteExisting: boolean;
  contextName?: string;
  confirm: (msg: string) => Promise<boolean>;
  warn: (msg: string) => void;
}

/** Pure merge of two parsed kubeconfigs; returns the merged document and the new current context. */
export async function mergeKubeconfigs(
  existing: Obj | null | undefined,
  addition: Obj,
  opts: Pick<MergeOptions, "overwriteExisting" | "contextName" | "confirm">,
): Promise<{ merged: Obj; currentContext: string }> {
  const contexts = Array.isArray(addition.contexts) ? (addition.contexts as Obj[]) : [];
  const clusters = Array.isArray(addition.clusters) ? (addition.clusters as Obj[]) : [];
  if (opts.contextName !== undefined && contexts[0]) {
    contexts[0].name = opts.contextName;
    if (isObj(contexts[0].context)) contexts[0].context.cluster = opts.contextName;
    if (clusters[0]) clusters[0].name = opts.contextName;
    addition["current-context"] = opts.contextName;
  }
  // Rename the admin context so it does not overwrite the user context.
  for (const ctx of contexts) {
    const user = isObj(ctx.context) ? ctx.context.user : undefined;
    if (typeof user === "string" && user.startsWith("clusterAdmin")) {
      const adminName = `${ctx.name}-admin`;
      ctx.name = adminName;
      addition["current-context"] = adminName;
      break;
    }
  }
  let merged: Obj;
  if (!existing) {
    merged = addition;
  } else {
    merged = existing;
    await handleMerge(merged, addition, "clusters", opts.overwriteExisting, opts.confirm);
    await handleMerge(merged, addition, "users", opts.overwriteExisting, opts.confirm);
    await handleMerge(merged, addition, "contexts", opts.overwriteExisting, opts.confirm);
    merged["current-context"] = addition["current-context"];
  }
  return { merged, currentContext: String(addition["current-context"] ?? "UNKNOWN") };
}

/** PyYAML safe_dump(default_flow_style=False) look: sorted keys, unindented sequences. */
export async function dumpYaml(doc: unknown): Promise<string> {
  const YAML = await import("yaml");
  return YAML.stringify(doc, { sortMapEntries: true, indentSeq: false, singleQuote: true, lineWidth: 0 });
}

/** Merges `kubeconfig` (YAML text) into the file at `path`, creating it (mode 600) if needed. */
export async function mergeIntoFile(path: string, kubeconfig: string, opts: MergeOptions): Promise<void> {
  const YAML = await import("yaml");
  mkdirSync(dirname(path), { recursive: true });
  if (!existsSync(path)) writeFileSync(path, "", { mode: 0o600 });
  let existing: unknown;
  let addition: unknown;
  try {
    existing = YAML.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new CliError(`Error parsing ${path} (${(e as Error).message})`);
  }
  try {
    addition = YAML.parse(kubeconfig);
  } catch (e) {
    throw new CliError(`failed to load additional configuration (${(e as Error).message})`);
  }
  if (!isObj(addition))
    throw new CliError("failed to load additional configuration from the cluster credentials");
  const { merged, currentContext } = await mergeKubeconfigs(
    isObj(existing) ? existing : null,
    addition,
    opts,
  );
  const mode = (lstatSync(path).mode & 0o777).toString(8);
  if (!mode.endsWith("600")) {
    opts.warn(`${path} has permissions "${mode}".\nIt should be readable and writable only by its owner.`);
  }
  writeFileSync(path, await dumpYaml(merged));
  opts.warn(`Merged "${currentContext}" as current context in ${path}`);
}
