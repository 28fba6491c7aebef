// az feature register|show|list|unregister (Microsoft.Features, preview flags).

import { API } from "../common.js";
import type { Json } from "../output.js";
import { isObject } from "../output.js";
import { flag } from "../parser.js";
import type { CommandTable, Ctx } from "../types.js";

const nsFlag = (required = true) =>
  flag("--namespace", "The resource namespace, aka 'provider'.", { required });
const nameFlag = () => flag("--name -n", "The feature name.", { required: true });

const featurePath = async (ctx: Ctx, action = "") =>
  `/subscriptions/${await ctx.subscription()}/providers/Microsoft.Features/providers/${ctx.args.str("namespace")}/features/${ctx.args.str("name")}${action}`;

const row = (r: Json): Json => {
  const o = isObject(r) ? r : {};
  const p = isObject(o.properties) ? o.properties : {};
  return { Name: o.name ?? null, RegistrationState: p.state ?? null };
};

/** POST …/register or …/unregister, then az's reminder that the provider must be re-registered. */
async function postRegistration(ctx: Ctx, action: "register" | "unregister"): Promise<unknown> {
  const arm = await ctx.arm();
  const res = await arm.request("POST", await featurePath(ctx, `/${action}`), {
    apiVersion: API.features,
  });
  ctx.warn(
    `Once the feature '${ctx.args.str("name")}' is ${action}ed, invoking 'az provider register -n ${ctx.args.str("namespace")}' is required to get the change propagated`,
  );
  return res.body;
}

export const COMMANDS: CommandTable = {
  "feature register": {
    summary: "Register a preview feature.",
    style: "raw",
    table: row,
    flags: [nsFlag(), nameFlag()],
    examples: [
      {
        title: "Register the preview feature.",
        command:
          'az feature register --namespace "Microsoft.ContainerService" --name "StaticEgressGatewayPreview"',
      },
    ],
    run: (ctx) => postRegistration(ctx, "register"),
  },
  "feature unregister": {
    summary: "Unregister a preview feature.",
    style: "raw",
    table: row,
    flags: [nsFlag(), nameFlag()],
    run: (ctx) => postRegistration(ctx, "unregister"),
  },
  "feature show": {
    summary: "Get the feature details.",
    style: "raw",
    table: row,
    flags: [nsFlag(), nameFlag()],
    run: async (ctx) => (await ctx.arm()).get(await featurePath(ctx), API.features),
  },
  "feature list": {
    summary: "List preview features.",
    style: "raw",
    table: (r) => (Array.isArray(r) ? r.map(row) : row(r)),
    flags: [nsFlag(false)],
    run: async (ctx) => {
      const arm = await ctx.arm();
      const sub = await ctx.subscription();
      const ns = ctx.args.str("namespace");
      const path = ns
        ? `/subscriptions/${sub}/providers/Microsoft.Features/providers/${ns}/features`
        : `/subscriptions/${sub}/providers/Microsoft.Features/features`;
      return arm.list(path, API.features);
    },
  },
};
