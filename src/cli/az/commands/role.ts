// az role assignment create|list|delete (Microsoft.Authorization). The emulator has no Graph,
// so --assignee is taken as the principal (object) id, as with --assignee-object-id.

import { randomUUID } from "node:crypto";
import { API, rgPath } from "../common.js";
import { CliError } from "../io.js";
import type { Json } from "../output.js";
import { isObject } from "../output.js";
import { flag } from "../parser.js";
import type { CommandTable, Ctx } from "../types.js";

const AUTH = "Microsoft.Authorization";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
type Obj = Record<string, unknown>;

const props = (o: Obj): Obj => (isObject(o.properties as Json) ? (o.properties as Obj) : o);

async function scopeOf(ctx: Ctx): Promise<string> {
  const scope = ctx.args.str("scope");
  const rg = ctx.args.str("resourceGroup");
  if (scope && rg) throw new CliError("Resource group cannot be specified together with --scope.", 2);
  const sub = await ctx.subscription();
  if (scope) return scope.replace(/\/+$/, "");
  return rg ? rgPath(sub, rg) : `/subscriptions/${sub}`;
}

/** A role given by name, GUID or id → the role definition id (az's _resolve_role_id). */
export async function resolveRoleId(ctx: Ctx, role: string, scope: string): Promise<string> {
  const sub = await ctx.subscription();
  if (role.startsWith("/")) return role;
  if (GUID.test(role)) return `/subscriptions/${sub}/providers/${AUTH}/roleDefinitions/${role}`;
  const arm = await ctx.arm();
  const defs = await arm.list(`${scope}/providers/${AUTH}/roleDefinitions`, API.authorization, {
    $filter: `roleName eq '${role}'`,
  });
  if (defs.length === 0) throw new CliError(`Role '${role}' doesn't exist.`);
  if (defs.length > 1) {
    throw new CliError(
      `More than one role matches the given name '${role}'. Please pick an id from '${defs.map((d) => d.id).join(", ")}'`,
    );
  }
  return String(defs[0].id);
}

const assigneeFlags = () => [
  flag(
    "--assignee",
    "Represent a user, group, or service principal. Supported format: object id (the emulator has no Graph).",
  ),
  flag("--assignee-object-id", "Use this parameter instead of '--assignee' to bypass Graph API invocation."),
  flag(
    "--assignee-principal-type",
    "Use with --assignee-object-id to avoid errors caused by propagation latency in Microsoft Graph.",
    {
      choices: ["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"],
    },
  ),
];
const scopeFlags = () => [
  flag("--scope", "Scope at which the role assignment or definition applies to."),
  flag(
    "--resource-group -g",
    "Use it only if the role or assignment was added at the level of a resource group.",
  ),
];

async function findAssignments(ctx: Ctx, opts: { all: boolean }): Promise<Obj[]> {
  const arm = await ctx.arm();
  const sub = await ctx.subscription();
  const a = ctx.args;
  const scopeGiven = Boolean(a.str("scope") || a.str("resourceGroup"));
  const scope = await scopeOf(ctx);
  const assignee = a.str("assignee") ?? a.str("assigneeObjectId");
  let items: Obj[];
  if (opts.all && !scopeGiven) {
    items = await arm.list(
      `/subscriptions/${sub}/providers/${AUTH}/roleAssignments`,
      API.authorization,
      assignee ? { $filter: `principalId eq '${assignee}'` } : undefined,
    );
  } else {
    items = await arm.list(`${scope}/providers/${AUTH}/roleAssignments`, API.authorization, {
      $filter: assignee ? `principalId eq '${assignee}'` : "atScope()",
    });
    if (!a.bool("includeInherited")) {
      items = items.filter((i) => String(props(i).scope ?? "").toLowerCase() === scope.toLowerCase());
    }
  }
  if (assignee)
    items = items.filter((i) => String(props(i).principalId ?? "").toLowerCase() === assignee.toLowerCase());
  const role = a.str("role");
  if (role) {
    const roleId = (await resolveRoleId(ctx, role, scope)).split("/").pop()?.toLowerCase() ?? "";
    items = items.filter((i) =>
      String(props(i).roleDefinitionId ?? "")
        .toLowerCase()
        .endsWith(roleId),
    );
  }
  return items;
}

/** az adds roleDefinitionName to listed assignments. */
async function withRoleNames(ctx: Ctx, items: Obj[]): Promise<Obj[]> {
  const arm = await ctx.arm();
  const names = new Map<string, string | undefined>();
  for (const i of items) {
    const id = String(props(i).roleDefinitionId ?? "");
    if (!id || names.has(id.toLowerCase())) continue;
    const def = await arm.tryGet(id, API.authorization).catch(() => undefined);
    names.set(id.toLowerCase(), def ? (props(def).roleName as string | undefined) : undefined);
  }
  return items.map((i) => {
    const p = props(i);
    const name = names.get(String(p.roleDefinitionId ?? "").toLowerCase());
    return name ? { ...i, properties: { ...p, roleDefinitionName: name } } : i;
  });
}

export const COMMANDS: CommandTable = {
  "role assignment create": {
    summary: "Create a new role assignment for a user, group, or service principal.",
    style: "sdk",
    flags: [
      flag("--role", "Role name or id.", { required: true }),
      ...assigneeFlags(),
      ...scopeFlags(),
      flag("--description", "Description of role assignment."),
      flag("--condition", "Condition under which the user can be granted permission."),
      flag("--condition-version", "Version of the condition syntax.", { choices: ["2.0"] }),
    ],
    examples: [
      {
        title: "Create role assignment for an assignee.",
        command:
          'az role assignment create --assignee 00000000-0000-0000-0000-000000000000 --role "Network Contributor" --scope /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myRG',
      },
    ],
    run: async (ctx) => {
      const a = ctx.args;
      const assignee = a.str("assignee") ?? a.str("assigneeObjectId");
      if (!assignee) throw new CliError("usage error: --assignee STRING | --assignee-object-id GUID", 2);
      const scope = await scopeOf(ctx);
      const roleDefinitionId = await resolveRoleId(ctx, String(a.str("role")), scope);
      const p: Obj = {
        roleDefinitionId,
        principalId: assignee,
        principalType: a.str("assigneePrincipalType") ?? "ServicePrincipal",
      };
      if (a.str("description")) p.description = a.str("description");
      if (a.str("condition")) {
        p.condition = a.str("condition");
        p.conditionVersion = a.str("conditionVersion") ?? "2.0";
      }
      const arm = await ctx.arm();
      const path = `${scope}/providers/${AUTH}/roleAssignments/${randomUUID()}`;
      return (await arm.request("PUT", path, { apiVersion: API.authorization, body: { properties: p } }))
        .body;
    },
  },
  "role assignment list": {
    summary: "List role assignments.",
    long: "By default, only assignments scoped to subscription will be displayed. To view assignments scoped by resource or group, use `--all`.",
    style: "sdk",
    table: (r) =>
      (Array.isArray(r) ? r : []).map((x) => {
        const o = isObject(x) ? x : {};
        return {
          Principal: o.principalName ?? o.principalId ?? null,
          Role: o.roleDefinitionName ?? null,
          Scope: o.scope ?? null,
        };
      }),
    flags: [
      flag("--role", "Role name or id."),
      ...assigneeFlags(),
      ...scopeFlags(),
      flag("--all:bool", "Show all assignments under the current subscription."),
      flag("--include-inherited:bool", "Include assignments applied on parent scopes."),
      flag(
        "--include-groups:bool",
        "Include extra assignments to the groups of which the user is a member(transitively).",
      ),
      flag(
        "--include-classic-administrators:bool",
        "List default role assignments for subscription classic administrators.",
      ),
    ],
    run: async (ctx) => withRoleNames(ctx, await findAssignments(ctx, { all: ctx.args.bool("all") })),
  },
  "role assignment delete": {
    summary: "Delete role assignments.",
    style: "sdk",
    flags: [
      flag("--ids:list", "Space-separated role assignment ids."),
      flag("--role", "Role name or id."),
      ...assigneeFlags(),
      ...scopeFlags(),
      flag("--include-inherited:bool", "Include assignments applied on parent scopes."),
      flag("--yes -y:bool", "Currently no-op."),
    ],
    run: async (ctx) => {
      const a = ctx.args;
      const arm = await ctx.arm();
      const ids = a.list("ids");
      if (ids?.length) {
        for (const id of ids) await arm.request("DELETE", id, { apiVersion: API.authorization });
        return undefined;
      }
      if (
        !a.str("assignee") &&
        !a.str("assigneeObjectId") &&
        !a.str("role") &&
        !a.str("scope") &&
        !a.str("resourceGroup")
      ) {
        throw new CliError(
          "Please provide at least one of these arguments: --ids, --assignee, --role, --scope, --resource-group.",
          2,
        );
      }
      const found = await findAssignments(ctx, { all: false });
      if (found.length === 0) {
        ctx.warn("No matched assignments were found to delete");
        return undefined;
      }
      for (const f of found) await arm.request("DELETE", String(f.id), { apiVersion: API.authorization });
      return undefined;
    },
  },
};
