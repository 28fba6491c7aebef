// az extension add|update|list|remove. Everything the preview extensions add is built into this
// front-end, so installing only records the extension (az scripts stay runnable verbatim).

import { join } from "node:path";
import { CliError } from "../io.js";
import { flag } from "../parser.js";
import { loadProfile, saveProfile } from "../profile.js";
import type { CommandTable, Ctx } from "../types.js";

const KNOWN: Record<string, string> = {
  "aks-preview": "19.0.0b1",
  "k8s-extension": "1.6.1",
  connectedk8s: "1.10.0",
  "azure-firewall": "1.2.0",
  "virtual-network-manager": "1.3.0",
};

const nameFlag = () => flag("--name -n", "Name of extension.", { required: true });

function entry(ctx: Ctx, name: string, version: string) {
  return {
    experimental: false,
    extensionType: "whl",
    name,
    path: join(ctx.io.home, ".azure", "cliextensions", name),
    preview: /preview|b\d+$/.test(`${name} ${version}`),
    version,
  };
}

export const COMMANDS: CommandTable = {
  "extension add": {
    summary: "Add an extension.",
    style: "raw",
    flags: [
      nameFlag(),
      flag("--source -s", "Filepath or URL to an extension."),
      flag("--version", "The specific version of an extension."),
      flag("--yes -y:bool", "Do not prompt for confirmation."),
      flag("--upgrade:bool", "Update the extension if already installed."),
      flag("--allow-preview:tri", "Include preview versions of extensions."),
      flag("--pip-extra-index-urls:list", "Space-separated list of extra URLs of package indexes to use."),
      flag("--pip-proxy", "Proxy for pip to use for extension dependencies."),
      flag("--system:bool", "Use a system directory for the extension."),
    ],
    run: async (ctx) => {
      const name = String(ctx.args.str("name"));
      const version = ctx.args.str("version") ?? KNOWN[name];
      if (!version)
        throw new CliError(`No matching extensions for '${name}'. Use --debug for more information.`);
      const profile = loadProfile(ctx.io);
      const list = profile.extensions ?? [];
      const existing = list.find((e) => e.name === name);
      if (existing && !ctx.args.bool("upgrade")) {
        ctx.warn(`Extension '${name}' is already installed.`);
        return undefined;
      }
      profile.extensions = [...list.filter((e) => e.name !== name), { name, version }];
      saveProfile(ctx.io, profile);
      if (/preview/.test(name)) ctx.warn(`The installed extension '${name}' is in preview.`);
      return undefined;
    },
  },
  "extension update": {
    summary: "Update an extension.",
    style: "raw",
    flags: [
      nameFlag(),
      flag("--allow-preview:tri", "Include preview versions of extensions."),
      flag("--pip-proxy", "Proxy for pip to use for extension dependencies."),
    ],
    run: async (ctx) => {
      const name = String(ctx.args.str("name"));
      const profile = loadProfile(ctx.io);
      const existing = profile.extensions?.find((e) => e.name === name);
      if (!existing) throw new CliError(`The extension ${name} is not installed.`);
      const latest = KNOWN[name] ?? existing.version;
      if (existing.version === latest) {
        ctx.warn(`Latest version of '${name}' is already installed.`);
        return undefined;
      }
      existing.version = latest;
      saveProfile(ctx.io, profile);
      return undefined;
    },
  },
  "extension list": {
    summary: "List the installed extensions.",
    style: "raw",
    flags: [],
    run: async (ctx) => (loadProfile(ctx.io).extensions ?? []).map((e) => entry(ctx, e.name, e.version)),
  },
  "extension remove": {
    summary: "Remove an extension.",
    style: "raw",
    flags: [nameFlag()],
    run: async (ctx) => {
      const name = String(ctx.args.str("name"));
      const profile = loadProfile(ctx.io);
      if (!profile.extensions?.some((e) => e.name === name))
        throw new CliError(`The extension ${name} is not installed.`);
      profile.extensions = profile.extensions.filter((e) => e.name !== name);
      saveProfile(ctx.io, profile);
      return undefined;
    },
  },
};
