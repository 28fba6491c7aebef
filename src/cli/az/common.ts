// Flags, paths and helpers shared by the command modules.

import { CliError } from "./io.js";
import type { FlagOptions, FlagSpec } from "./parser.js";
import { flag } from "./parser.js";
import type { Ctx } from "./types.js";

export const API = {
  resources: "2021-04-01",
  subscriptions: "2022-12-01",
  network: "2026-01-01",
  compute: "2024-07-01",
  vmssPublicIps: "2018-10-01",
  containerService: "2026-06-01",
  msi: "2023-01-31",
  authorization: "2022-04-01",
  features: "2021-07-01",
  providers: "2021-04-01",
} as const;

/** az's zone arguments take 1, 2 or 3 (`'4' is not a valid value for '--zone'`). */
export const AVAILABILITY_ZONES = ["1", "2", "3"] as const;

export const rgFlag = (opts: FlagOptions = { required: true }): FlagSpec =>
  flag(
    "--resource-group -g",
    "Name of resource group. You can configure the default group using `az configure --defaults group=<name>`.",
    opts,
  );
export const nameFlag = (help: string, opts: FlagOptions = { required: true }): FlagSpec =>
  flag("--name -n", help, opts);
export const locationFlag = (): FlagSpec =>
  flag(
    "--location -l",
    "Location. Values from: `az account list-locations`. If not specified, the location of the resource group will be used.",
  );
export const tagsFlag = (): FlagSpec =>
  flag("--tags:list", 'Space-separated tags: key[=value] [key[=value] ...]. Use "" to clear existing tags.', {
    minValues: 0,
  });
export const noWaitFlag = (): FlagSpec =>
  flag("--no-wait:bool", "Do not wait for the long-running operation to finish.");
export const yesFlag = (): FlagSpec => flag("--yes -y:bool", "Do not prompt for confirmation.");
export const idsFlag = (): FlagSpec =>
  flag(
    "--ids:list",
    "One or more resource IDs (space-delimited). It should be a complete resource ID containing all information of 'Resource Id' arguments. You should provide either --ids or other 'Resource Id' arguments.",
    { group: "Resource Id Arguments" },
  );

/** `--tags a=b c` → {a:"b", c:""}; `--tags ""` → {}. */
export function parseTags(values: string[] | undefined): Record<string, string> | undefined {
  if (values === undefined) return undefined;
  const tags: Record<string, string> = {};
  for (const v of values) {
    if (v === "") continue;
    const eq = v.indexOf("=");
    if (eq < 0) tags[v] = "";
    else tags[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return tags;
}

export interface ParsedId {
  subscription: string;
  resourceGroup?: string;
  namespace?: string;
  /** Type/name pairs after the namespace: [["virtualNetworks","v"],["subnets","s"]]. */
  segments: [string, string][];
}

export function parseResourceId(id: string): ParsedId | undefined {
  const parts = id.split("/").filter(Boolean);
  if (parts.length < 2 || parts[0].toLowerCase() !== "subscriptions") return undefined;
  const out: ParsedId = { subscription: parts[1], segments: [] };
  let i = 2;
  if (parts[i]?.toLowerCase() === "resourcegroups") {
    out.resourceGroup = parts[i + 1];
    i += 2;
  }
  if (parts[i]?.toLowerCase() === "providers") {
    out.namespace = parts[i + 1];
    i += 2;
    while (i + 1 < parts.length) {
      out.segments.push([parts[i], parts[i + 1]]);
      i += 2;
    }
    if (i < parts.length) return undefined;
  } else if (i < parts.length) {
    return undefined;
  }
  return out;
}

export function isResourceId(s: string): boolean {
  return /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/[^/]+\/[^/]+\/[^/]+/i.test(s);
}

export function rgPath(sub: string, rg: string): string {
  return `/subscriptions/${sub}/resourceGroups/${encodeURIComponent(rg)}`;
}

export function providerPath(sub: string, rg: string, namespace: string, ...typeNamePairs: string[]): string {
  const rest = typeNamePairs.map((p, i) => (i % 2 === 1 ? encodeURIComponent(p) : p)).join("/");
  return `${rgPath(sub, rg)}/providers/${namespace}/${rest}`;
}

/** az's validator: the resource group's location when --location is not given. */
export async function resolveLocation(ctx: Ctx, rg: string): Promise<string> {
  const given = ctx.args.str("location");
  if (given) return given.replace(/\s+/g, "").toLowerCase();
  const arm = await ctx.arm();
  const sub = await ctx.subscription();
  const group = await arm.get(rgPath(sub, rg), API.resources);
  return String(group.location);
}

/** A name or an id: a name is turned into an id of `type` in the same resource group. */
export function toResourceId(
  sub: string,
  rg: string,
  value: string,
  namespace: string,
  type: string,
  ...parent: string[]
): string {
  if (value.startsWith("/")) return value;
  return providerPath(sub, rg, namespace, ...parent, type, value);
}

/**
 * Resolves `--ids` or `-g/-n` (and parent names) for show/delete commands. `names` lists
 * the dests of the name flags from the outermost parent to the resource itself.
 */
export function targetsFromArgs(ctx: Ctx, names: string[]): { sub?: string; rg: string; names: string[] }[] {
  const ids = ctx.args.list("ids");
  if (ids && ids.length > 0) {
    return ids.map((id) => {
      const p = parseResourceId(id);
      if (!p?.resourceGroup || p.segments.length < names.length)
        throw new CliError(`Invalid resource ID: ${id}`);
      return {
        sub: p.subscription,
        rg: p.resourceGroup,
        names: p.segments.slice(p.segments.length - names.length).map(([, n]) => n),
      };
    });
  }
  const rg = ctx.args.str("resourceGroup");
  const values = names.map((n) => ctx.args.str(n));
  // azure-cli's required_values_validator for commands that also take --ids.
  const missing: string[] = [];
  if (!rg) missing.push("--resource-group");
  names.forEach((n, i) => {
    if (!values[i]) missing.push(`--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  });
  if (missing.length > 0) throw new CliError(`(${missing.join(" ")} | --ids) are required`, 2);
  return [{ rg: rg as string, names: values as string[] }];
}

/** Builds a `Required` flag set for show/delete that also accepts --ids. */
export function idFlags(nameHelp: string, parents: FlagSpec[] = []): FlagSpec[] {
  return [
    flag("--resource-group -g", "Name of resource group.", { group: "Resource Id Arguments" }),
    ...parents.map((p) => ({ ...p, required: false, group: "Resource Id Arguments" })),
    flag("--name -n", nameHelp, { group: "Resource Id Arguments" }),
    idsFlag(),
  ];
}
