// az configure --defaults group=<rg> location=<loc> | --list-defaults: the defaults az fills in
// for --resource-group/-g and --location/-l (also read from AZURE_DEFAULTS_GROUP / _LOCATION).

import { CliError } from "../io.js";
import { flag } from "../parser.js";
import { loadProfile, saveProfile } from "../profile.js";
import type { CommandTable } from "../types.js";

export const COMMANDS: CommandTable = {
  configure: {
    summary: "Manage Azure CLI configuration.",
    style: "raw",
    flags: [
      flag(
        "--defaults -d:list",
        "Space-separated 'name=value' pairs for common argument defaults, e.g. group=myRG location=eastus. Use '' to clear a default.",
      ),
      flag("--list-defaults -l:tri", "List all applicable defaults."),
      flag("--scope", "Scope of defaults.", { choices: ["global", "local"], default: "global" }),
    ],
    examples: [
      {
        title: "Set default resource group and location.",
        command: "az configure --defaults group=myRG location=eastus",
      },
    ],
    run: async (ctx) => {
      const profile = loadProfile(ctx.io);
      const defaults = { ...(profile.defaults ?? {}) };
      const pairs = ctx.args.list("defaults");
      if (pairs) {
        for (const p of pairs) {
          const eq = p.indexOf("=");
          if (eq <= 0)
            throw new CliError(`usage error: --defaults KEY=VALUE [KEY=VALUE ...] (got '${p}')`, 2);
          const key = p.slice(0, eq).trim().toLowerCase();
          const value = p.slice(eq + 1).trim();
          if (value) defaults[key] = value;
          else delete defaults[key];
        }
        profile.defaults = defaults;
        saveProfile(ctx.io, profile);
        return undefined;
      }
      if (ctx.args.tri("listDefaults")) {
        return Object.entries(defaults).map(([name, value]) => ({ name, source: "aksnet profile", value }));
      }
      return undefined;
    },
  },
};
