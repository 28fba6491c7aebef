// az login / logout / account show|list|set, kept in the front-end's profile file.

import { ARM_SCOPE, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from "../arm.js";
import { CliError } from "../io.js";
import { flag } from "../parser.js";
import type { EndpointProfile } from "../profile.js";
import { loadProfile, updateEndpoint } from "../profile.js";
import { refreshSubscriptions } from "../subscriptions.js";
import type { CommandTable, Ctx } from "../types.js";

function accountEntries(p: EndpointProfile, cloudKey: "cloudName" | "environmentName") {
  const user = { name: p.clientId ?? DEFAULT_CLIENT_ID, type: "servicePrincipal" };
  return (p.subscriptions ?? []).map((s) => ({
    [cloudKey]: "AzureCloud",
    homeTenantId: s.tenantId,
    id: s.id,
    isDefault: s.id === p.currentSubscription,
    managedByTenants: [],
    name: s.name,
    state: s.state,
    tenantId: s.tenantId,
    user,
  }));
}

async function ensureSubscriptions(ctx: Ctx): Promise<EndpointProfile> {
  const arm = await ctx.arm();
  const entry = loadProfile(ctx.io).endpoints[arm.profileKey];
  if (!entry?.subscriptions?.length) await refreshSubscriptions(arm, ctx.io);
  return loadProfile(ctx.io).endpoints[arm.profileKey] ?? {};
}

/** `--resource-type` values az knows, as the resource each stands for. */
const RESOURCE_TYPES: Record<string, string> = {
  arm: "https://management.core.windows.net/",
  "ms-graph": "https://graph.microsoft.com/",
  "aad-graph": "https://graph.windows.net/",
};

/** azure.cli.core.auth.util.resource_to_scopes. */
const resourceToScope = (r: string) => `${r.endsWith("/") ? r : `${r}/`}.default`;

/** az prints expiresOn in local time, microseconds included: `2026-12-02 14:51:33.000000`. */
function localTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.000000`
  );
}

export const COMMANDS: CommandTable = {
  login: {
    summary: "Log in to Azure.",
    long: "The emulator accepts any service principal; the token is cached per endpoint.",
    style: "raw",
    flags: [
      flag("--service-principal:bool", "The credential representing a service principal."),
      flag("--username -u", "Service principal (application) ID."),
      flag("--password -p", "Client secret of the service principal."),
      flag("--tenant -t", "The AAD tenant."),
      flag("--allow-no-subscriptions:bool", "Support access tenants without subscriptions."),
      flag("--identity -i:bool", "Log in using the Virtual Machine's identity."),
      flag("--use-device-code:bool", "Use CLI's old authentication flow based on device code."),
    ],
    run: async (ctx) => {
      const arm = await ctx.arm();
      const a = ctx.args;
      if (a.bool("servicePrincipal") && (!a.str("username") || !a.str("password") || !a.str("tenant"))) {
        throw new CliError(
          "usage error: --service-principal --username NAME --password SECRET --tenant TENANT",
          2,
        );
      }
      updateEndpoint(ctx.io, arm.profileKey, (p) => {
        p.clientId = a.str("username") ?? DEFAULT_CLIENT_ID;
        p.clientSecret = a.str("password") ?? DEFAULT_CLIENT_SECRET;
        if (a.str("tenant")) p.tenantId = a.str("tenant");
        p.token = undefined;
      });
      if (a.str("tenant") && !arm.target.tenantId) arm.target.tenantId = a.str("tenant");
      await arm.token(true);
      await refreshSubscriptions(arm, ctx.io);
      const entry = loadProfile(ctx.io).endpoints[arm.profileKey] ?? {};
      return accountEntries(entry, "cloudName");
    },
  },
  logout: {
    summary: "Log out to remove access to Azure subscriptions.",
    style: "raw",
    flags: [flag("--username", "Account user, if missing, logout the current active account.")],
    run: async (ctx) => {
      const arm = await ctx.arm();
      updateEndpoint(ctx.io, arm.profileKey, (p) => {
        p.token = undefined;
        p.clientId = undefined;
        p.clientSecret = undefined;
      });
      return undefined;
    },
  },
  "account show": {
    summary: "Get the details of a subscription.",
    style: "raw",
    flags: [flag("--name -n", "Name or ID of subscription.")],
    run: async (ctx) => {
      const p = await ensureSubscriptions(ctx);
      const want = ctx.args.str("name") ?? ctx.args.str("subscription");
      const id = want ? await ctx.subscription() : (p.currentSubscription ?? (await ctx.subscription()));
      const hit = accountEntries(p, "environmentName").find((s) => s.id === id);
      if (!hit)
        throw new CliError(
          `Subscription '${want ?? id}' not found. Check the spelling and casing and try again.`,
        );
      return hit;
    },
  },
  "account list": {
    summary: "Get a list of subscriptions for the logged in account.",
    style: "raw",
    flags: [
      flag("--all:bool", "List all subscriptions from all clouds, rather than just 'Enabled' ones."),
      flag("--refresh:bool", "Retrieve up-to-date subscriptions from server."),
    ],
    table: (r) =>
      (Array.isArray(r) ? r : []).map((s) => {
        const o = s as Record<string, unknown>;
        return {
          Name: o.name as string,
          CloudName: o.cloudName as string,
          SubscriptionId: o.id as string,
          TenantId: o.tenantId as string,
          State: o.state as string,
          IsDefault: o.isDefault as boolean,
        };
      }),
    run: async (ctx) => {
      if (ctx.args.bool("refresh")) await refreshSubscriptions(await ctx.arm(), ctx.io);
      const p = await ensureSubscriptions(ctx);
      return accountEntries(p, "cloudName");
    },
  },
  "account get-access-token": {
    summary: "Get a token for utilities to access Azure.",
    long: "The token is the emulator's: it is accepted by this emulator only.",
    style: "raw",
    flags: [
      flag("--resource", "Azure resource endpoints in AAD v1.0."),
      flag("--resource-type", "Type of well-known resource.", { choices: Object.keys(RESOURCE_TYPES) }),
      flag("--scope", "Space-separated AAD scopes in AAD v2.0. Default to Azure Resource Manager."),
      flag("--tenant -t", "Tenant ID for which the token is acquired."),
    ],
    run: async (ctx) => {
      const a = ctx.args;
      const given = ["resource", "resourceType", "scope"].filter((k) => a.str(k) !== undefined);
      if (given.length > 1) throw new CliError("usage error: --resource/--resource-type/--scope", 2);
      const resource = a.str("resource") ?? RESOURCE_TYPES[a.str("resourceType") ?? ""];
      const scope = a.str("scope") ?? (resource ? resourceToScope(resource) : ARM_SCOPE);
      const arm = await ctx.arm();
      const tenant = a.str("tenant");
      if (tenant && !arm.target.tenantId) arm.target.tenantId = tenant;
      const t = await arm.tokenFor(scope);
      const out: Record<string, unknown> = {
        accessToken: t.accessToken,
        expiresOn: localTime(t.expiresOn),
        expires_on: Math.floor(t.expiresOn / 1000),
      };
      // With --tenant, az gets a token for the tenant alone: no subscription in the output.
      if (!tenant) out.subscription = await ctx.subscription();
      const p = await ensureSubscriptions(ctx);
      out.tenant = tenant ?? p.subscriptions?.find((s) => s.id === out.subscription)?.tenantId ?? p.tenantId;
      out.tokenType = "Bearer";
      return out;
    },
  },
  "account set": {
    summary: "Set a subscription to be the current active subscription.",
    style: "raw",
    flags: [
      flag("--subscription -s --name -n", "Name or ID of subscription.", {
        required: true,
        dest: "subscription",
      }),
    ],
    run: async (ctx) => {
      const arm = await ctx.arm();
      await ensureSubscriptions(ctx);
      const id = await ctx.subscription();
      const p = loadProfile(ctx.io).endpoints[arm.profileKey];
      if (!p?.subscriptions?.some((s) => s.id === id)) {
        throw new CliError(
          `The subscription of '${ctx.args.str("subscription")}' doesn't exist in cloud 'AzureCloud'.`,
        );
      }
      updateEndpoint(ctx.io, arm.profileKey, (e) => {
        e.currentSubscription = id;
      });
      return undefined;
    },
  },
};
