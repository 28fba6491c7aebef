// Generic create / show / list / delete commands for ARM resources and their child resources.

import {
  API,
  idFlags,
  locationFlag,
  nameFlag,
  noWaitFlag,
  parseTags,
  providerPath,
  resolveLocation,
  rgFlag,
  tagsFlag,
  targetsFromArgs,
} from "./common.js";
import type { Json, OutputStyle } from "./output.js";
import type { FlagSpec, ParsedArgs } from "./parser.js";
import { flag } from "./parser.js";
import type { CommandDef, Ctx } from "./types.js";

export interface ResourceKind {
  namespace: string;
  /** Type names from the top-level resource down: ["routeTables", "routes"]. */
  types: string[];
  apiVersion: string;
  style: OutputStyle;
  /** What the resource is called in help texts ("route table"). */
  label: string;
  /** Help of show's and delete's `--name` (default: "Name of the <label>."). */
  nameHelp?: string;
  /** Flags naming the parents (e.g. `--route-table-name`), outermost first. */
  parentFlags?: FlagSpec[];
  /** Whether `list` may span the subscription when -g is not given. */
  listBySubscription?: boolean;
  table?: (r: Json) => Json;
}

export function resourcePath(kind: ResourceKind, sub: string, rg: string, names: string[]): string {
  const pairs: string[] = [];
  kind.types.forEach((t, i) => {
    pairs.push(t);
    if (i < names.length) pairs.push(names[i]);
  });
  return providerPath(sub, rg, kind.namespace, ...pairs);
}

const parentDests = (kind: ResourceKind) => (kind.parentFlags ?? []).map((f) => f.dest);
const idFlagsOf = (kind: ResourceKind) =>
  idFlags(kind.nameHelp ?? `Name of the ${kind.label}.`, kind.parentFlags);

/** Show's `--expand`, passed on as `$expand`. */
const expandFlag = () => flag("--expand", "Expand referenced resources.");

export async function showResource(ctx: Ctx, kind: ResourceKind): Promise<unknown> {
  const arm = await ctx.arm();
  const sub = await ctx.subscription();
  const expand = ctx.args.str("expand");
  const query = expand ? { $expand: expand } : undefined;
  const out = [];
  for (const t of targetsFromArgs(ctx, [...parentDests(kind), "name"])) {
    out.push(await arm.get(resourcePath(kind, t.sub ?? sub, t.rg, t.names), kind.apiVersion, query));
  }
  return (ctx.args.list("ids")?.length ?? 0) > 1 ? out : out[0];
}

export interface CreateSpec extends Pick<CommandDef, "summary" | "long" | "examples"> {
  /** Help of `--name`. */
  nameHelp: string;
  /** The command's own flags, listed between `--location` and `--tags`. */
  flags?: FlagSpec[];
  /** Adds `--no-wait` and honours it. */
  noWait?: boolean;
  /**
   * Body fields besides `location` and `tags` (sku, properties, zones …). Called after the
   * location is resolved; the body is `{location, ...these, tags}`.
   */
  body?: (a: ParsedArgs, sub: string, rg: string) => Record<string, unknown>;
  /** az's key around the created resource in its output (`{NewNSG: …}`). */
  wrap?: string;
  /** A plain PUT whose response body is the result (no long-running operation is awaited). */
  plainPut?: boolean;
}

/**
 * `create` of a tracked top-level resource: -g, -n, --location (default: the resource
 * group's), the command's flags, --tags, then a PUT of `{location, ...body, tags}`.
 */
export function createCommand(kind: ResourceKind, spec: CreateSpec): CommandDef {
  return {
    summary: spec.summary,
    ...(spec.long === undefined ? {} : { long: spec.long }),
    style: kind.style,
    flags: [
      rgFlag(),
      nameFlag(spec.nameHelp),
      locationFlag(),
      ...(spec.flags ?? []),
      tagsFlag(),
      ...(spec.noWait ? [noWaitFlag()] : []),
    ],
    examples: spec.examples,
    run: async (ctx) => {
      const a = ctx.args;
      const arm = await ctx.arm();
      const sub = await ctx.subscription();
      const rg = String(a.str("resourceGroup"));
      const body: Record<string, unknown> = {
        location: await resolveLocation(ctx, rg),
        ...spec.body?.(a, sub, rg),
      };
      const tags = parseTags(a.list("tags"));
      if (tags) body.tags = tags;
      const path = resourcePath(kind, sub, rg, [String(a.str("name"))]);
      if (spec.plainPut) return (await arm.request("PUT", path, { apiVersion: kind.apiVersion, body })).body;
      const res = await arm.lro(
        "PUT",
        path,
        kind.apiVersion,
        body,
        spec.noWait ? { noWait: a.bool("noWait") } : undefined,
      );
      return spec.wrap === undefined || res === undefined ? res : { [spec.wrap]: res };
    },
  };
}

export function showCommand(
  kind: ResourceKind,
  summary?: string,
  opts: { expand?: boolean } = {},
): CommandDef {
  return {
    summary: summary ?? `Get the details of a ${kind.label}.`,
    style: kind.style,
    table: kind.table,
    flags: [...idFlagsOf(kind), ...(opts.expand ? [expandFlag()] : [])],
    run: (ctx) => showResource(ctx, kind),
  };
}

export function listCommand(kind: ResourceKind, summary?: string): CommandDef {
  const parents = kind.parentFlags ?? [];
  return {
    summary: summary ?? `List ${kind.label}s.`,
    style: kind.style,
    table: kind.table ? (r) => (Array.isArray(r) ? r.map((x) => kind.table?.(x) ?? x) : r) : undefined,
    flags: [
      rgFlag(kind.listBySubscription ? {} : { required: true }),
      ...parents.map((p) => ({ ...p, required: true })),
    ],
    run: async (ctx) => {
      const arm = await ctx.arm();
      const sub = await ctx.subscription();
      const rg = ctx.args.str("resourceGroup");
      if (!rg)
        return arm.list(
          `/subscriptions/${sub}/providers/${kind.namespace}/${kind.types[0]}`,
          kind.apiVersion,
        );
      const names = parents.map((p) => String(ctx.args.str(p.dest)));
      return arm.list(resourcePath(kind, sub, rg, names), kind.apiVersion);
    },
  };
}

export function deleteCommand(
  kind: ResourceKind,
  opts: { noWait?: boolean; summary?: string } = {},
): CommandDef {
  return {
    summary: opts.summary ?? `Delete a ${kind.label}.`,
    style: kind.style,
    flags: [...idFlagsOf(kind), ...(opts.noWait === false ? [] : [noWaitFlag()])],
    run: async (ctx) => {
      const arm = await ctx.arm();
      const sub = await ctx.subscription();
      for (const t of targetsFromArgs(ctx, [...parentDests(kind), "name"])) {
        await arm.lro("DELETE", resourcePath(kind, t.sub ?? sub, t.rg, t.names), kind.apiVersion, undefined, {
          noWait: ctx.args.bool("noWait"),
        });
      }
      return undefined;
    },
  };
}

export const networkKind = (
  types: string[],
  label: string,
  extra: Partial<ResourceKind> = {},
): ResourceKind => ({
  namespace: "Microsoft.Network",
  types,
  apiVersion: API.network,
  style: "aaz",
  label,
  listBySubscription: types.length === 1,
  ...extra,
});
