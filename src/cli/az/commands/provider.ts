// az provider register|show (resource provider registration).

import { API } from "../common.js";
import type { Json } from "../output.js";
import { isObject } from "../output.js";
import { flag } from "../parser.js";
import type { CommandTable } from "../types.js";

const nsFlag = () => flag("--namespace -n", "The resource namespace, aka 'provider'.", { required: true });

export const COMMANDS: CommandTable = {
  "provider register": {
    summary: "Register a provider.",
    style: "raw",
    flags: [
      nsFlag(),
      flag("--wait:bool", "Wait for the registration to finish."),
      flag("--consent-to-permissions:bool", "A value indicating whether authorization is consented or not."),
      flag("--accept-terms:bool", "Accept market place terms and RP terms for RPaaS."),
      flag("--management-group-id -m", "The Management Group Id to register."),
    ],
    examples: [
      {
        title: "Register a provider.",
        command: "az provider register --namespace Microsoft.ContainerService",
      },
    ],
    run: async (ctx) => {
      const arm = await ctx.arm();
      const ns = String(ctx.args.str("namespace"));
      const base = `/subscriptions/${await ctx.subscription()}/providers/${ns}`;
      const res = await arm.request("POST", `${base}/register`, { apiVersion: API.providers });
      let state = String((res.body as Record<string, unknown> | undefined)?.registrationState ?? "");
      if (ctx.args.bool("wait")) {
        for (let i = 0; i < 600 && state !== "Registered"; i++) {
          await new Promise((r) => setTimeout(r, 100));
          state = String((await arm.get(base, API.providers)).registrationState ?? "");
        }
      } else if (state !== "Registered") {
        ctx.warn(`Registering is still on-going. You can monitor using 'az provider show -n ${ns}'`);
      }
      return undefined;
    },
  },
  "provider show": {
    summary: "Gets the specified resource provider.",
    style: "raw",
    table: (r: Json): Json => {
      const o = isObject(r) ? r : {};
      return {
        Namespace: o.namespace ?? null,
        RegistrationPolicy: o.registrationPolicy ?? null,
        RegistrationState: o.registrationState ?? null,
      };
    },
    flags: [nsFlag(), flag("--expand", "Comma-separated properties to be expanded under resourceTypes.")],
    run: async (ctx) => {
      const arm = await ctx.arm();
      const expand = ctx.args.str("expand");
      return arm.get(
        `/subscriptions/${await ctx.subscription()}/providers/${ctx.args.str("namespace")}`,
        API.providers,
        expand ? { $expand: expand } : undefined,
      );
    },
  },
};
