// `aksnet az <group> <command> [flags]`: an Azure CLI look-alike that drives the emulator's
// ARM endpoint. Resolves the command path, loads only that command's module, parses flags
// with az's rules, runs, and prints the result the way az does.

import { ArmClient, ArmHttpError, resolveTarget } from "./arm.js";
import { API } from "./common.js";
import { commandHelp, groupHelp } from "./help.js";
import type { Io } from "./io.js";
import { CliError, processIo } from "./io.js";
import type { OutputFormat } from "./output.js";
import { loadJmespath, OUTPUT_FORMATS, render, TableUnavailable, transformResult } from "./output.js";
import type { FlagSpec } from "./parser.js";
import { flag, InvalidChoiceError, parseArgs, UsageError } from "./parser.js";
import { loadProfile } from "./profile.js";
import { GROUPS, ROOT_COMMANDS } from "./registry.js";
import { resolveSubscription } from "./subscriptions.js";
import type { CommandDef, CommandTable, Ctx } from "./types.js";

export const GLOBAL_FLAGS: FlagSpec[] = [
  flag("--debug:bool", "Increase logging verbosity to show all debug logs."),
  flag("--only-show-errors:bool", "Only show errors, suppressing warnings."),
  flag("--output -o", "Output format.", { choices: OUTPUT_FORMATS }),
  flag("--query", "JMESPath query string. See http://jmespath.org/ for more information and examples."),
  flag(
    "--subscription",
    "Name or ID of subscription. You can configure the default subscription using `az account set -s NAME_OR_ID`.",
  ),
  flag("--verbose:bool", "Increase logging verbosity. Use --debug for full debug logs."),
  flag("--help -h:bool", "Show this help message and exit."),
];

interface Resolved {
  kind: "group" | "command";
  path: string;
  def?: CommandDef;
  rest: string[];
}

/** Splits the command path off the arguments and finds the group or command it names. */
export async function resolveCommand(argv: readonly string[]): Promise<Resolved> {
  let i = 0;
  let group = "";
  while (i < argv.length && !argv[i].startsWith("-")) {
    const next = group ? `${group} ${argv[i]}` : argv[i];
    if (!GROUPS[next]) break;
    group = next;
    i++;
  }
  if (i >= argv.length || argv[i].startsWith("-")) return { kind: "group", path: group, rest: argv.slice(i) };
  const word = argv[i];
  const full = group ? `${group} ${word}` : word;
  const loader = group ? GROUPS[group].load : ROOT_COMMANDS[word]?.load;
  const table: CommandTable | undefined = loader ? (await loader()).COMMANDS : undefined;
  const def = table?.[full];
  if (!def) throw new UsageError(`'${word}' is misspelled or not recognized by the system.`);
  return { kind: "command", path: full, def, rest: argv.slice(i + 1) };
}

async function helpForGroup(path: string): Promise<string> {
  const prefix = path ? `${path} ` : "";
  const subgroups = Object.entries(GROUPS)
    .filter(([k]) => k.startsWith(prefix) && !k.slice(prefix.length).includes(" ") && k !== path)
    .map(([k, g]) => ({ name: k.slice(prefix.length), summary: g.summary }));
  const commands: { name: string; summary: string; preview?: boolean }[] = [];
  const table: CommandTable = {};
  if (path && GROUPS[path]?.load) Object.assign(table, (await GROUPS[path].load?.())?.COMMANDS);
  if (!path) for (const r of Object.values(ROOT_COMMANDS)) Object.assign(table, (await r.load()).COMMANDS);
  for (const [k, def] of Object.entries(table)) {
    if (!k.startsWith(prefix)) continue;
    const rest = k.slice(prefix.length);
    if (rest.includes(" ")) continue;
    commands.push({ name: rest, summary: def.summary, preview: def.preview });
  }
  commands.sort((a, b) => a.name.localeCompare(b.name));
  subgroups.sort((a, b) => a.name.localeCompare(b.name));
  return groupHelp(path, path ? (GROUPS[path]?.summary ?? "") : "", subgroups, commands);
}

export async function main(argv: string[], ioIn?: Io): Promise<number> {
  const io = ioIn ?? (await processIo());
  // knack shows level names only without colour; colour needs both streams on a terminal.
  const color = io.stdoutIsTTY && io.stderrIsTTY && !io.env.AZURE_CORE_NO_COLOR;
  const onlyErrors = argv.includes("--only-show-errors");
  const printError = (msg: string) => io.stderr(color ? `\x1b[91m${msg}\x1b[0m\n` : `ERROR: ${msg}\n`);
  const warn = (msg: string) => {
    if (!onlyErrors) io.stderr(color ? `\x1b[33m${msg}\x1b[0m\n` : `WARNING: ${msg}\n`);
  };
  let progressShown = false;
  let commandPath = "";
  try {
    if (argv.length === 1 && argv[0] === "--version") {
      io.stdout("azure-cli                         2.45.0 (aksnet)\n");
      return 0;
    }
    const resolved = await resolveCommand(argv);
    commandPath = resolved.path;
    if (resolved.kind === "group") {
      const bad = resolved.rest.filter((t) => t !== "-h" && t !== "--help");
      if (bad.length > 0 && !resolved.rest.includes("-h") && !resolved.rest.includes("--help")) {
        throw new UsageError(`unrecognized arguments: ${bad.join(" ")}`);
      }
      io.stdout(await helpForGroup(resolved.path));
      return 0;
    }
    const def = resolved.def as CommandDef;
    const inferGroup = def.inferResourceGroupFromCluster;
    const specs = withConfiguredDefaults(
      [...def.flags, ...GLOBAL_FLAGS.filter((g) => !def.flags.some((f) => f.dest === g.dest))],
      io,
    ).map((s) => (inferGroup && s.dest === "resourceGroup" ? { ...s, required: false } : s));
    const parsed = parseArgs(resolved.rest, specs);
    if (parsed.help) {
      io.stdout(commandHelp(resolved.path, def, GLOBAL_FLAGS));
      return 0;
    }
    const args = parsed.args;
    const query = args.str("query");
    if (query) {
      const jmespath = await loadJmespath();
      try {
        jmespath.compile(query);
      } catch {
        throw new UsageError(`argument --query: invalid jmespath_type value: '${query}'`);
      }
    }
    const format = (args.str("output") ?? io.env.AZURE_CORE_OUTPUT ?? "json").toLowerCase() as OutputFormat;
    const debug = args.bool("debug") ? (line: string) => io.stderr(`DEBUG: ${line}\n`) : undefined;

    let client: ArmClient | undefined;
    // humanfriendly's spinner as az shows it while a long-running operation is polled.
    const spinner = ["-", "\\", "|", "/"];
    let tick = 0;
    const arm = async (): Promise<ArmClient> => {
      client ??= new ArmClient(resolveTarget(io), io, {
        debug,
        onPoll: () => {
          if (!io.stderrIsTTY) return;
          progressShown = true;
          io.stderr(`\r ${spinner[tick++ % spinner.length]} Running ..`);
        },
      });
      return client;
    };
    let subscriptionId: string | undefined;
    const ctx: Ctx = {
      args,
      io,
      arm,
      warn,
      subscription: async () => {
        subscriptionId ??= await resolveSubscription(await arm(), io, args.str("subscription"));
        return subscriptionId;
      },
      confirm: async (message) => {
        if (!io.readLine)
          throw new CliError("Unable to prompt for confirmation as no tty available. Use --yes.");
        io.stderr(`${message} (y/n): `);
        const answer = (await io.readLine()).trim().toLowerCase();
        return answer === "y" || answer === "yes";
      },
    };
    if (inferGroup && args.str("resourceGroup") === undefined) {
      args.values.resourceGroup = await clusterResourceGroup(ctx, String(args.str(inferGroup)));
    }
    const result = await def.run(ctx);
    if (progressShown) io.stderr("\r\x1b[K");
    const value = transformResult(result, def.style ?? "sdk");
    io.stdout(await render(value, { format, query, tableTransform: def.table, color }));
    return 0;
  } catch (err) {
    if (progressShown) io.stderr("\r\x1b[K");
    if (err instanceof InvalidChoiceError) {
      printError(`az${commandPath ? ` ${commandPath}` : ""}: ${err.message}`);
      if (err.suggestion) io.stderr(`Did you mean '${err.suggestion}' ?\n`);
      return 2;
    }
    if (err instanceof UsageError) {
      printError(err.message);
      return 2;
    }
    if (err instanceof ArmHttpError) {
      printError(err.render());
      return err.exitCode;
    }
    if (err instanceof CliError) {
      printError(err.message);
      return err.exitCode;
    }
    if (err instanceof TableUnavailable) {
      printError(err.message);
      return 1;
    }
    const e = err as Error;
    printError(
      `The command failed with an unexpected error. Here is the traceback:\n${e?.stack ?? String(err)}`,
    );
    return 1;
  }
}

/**
 * The resource group of the only managed cluster called `name` in the subscription. az
 * itself would demand -g; a walkthrough line without it (seed 001's `nodepool scale` and
 * `nodepool delete`) then still does what the document says. Anything ambiguous gets az's
 * own "required" error.
 */
async function clusterResourceGroup(ctx: Ctx, name: string): Promise<string> {
  const required = new UsageError("the following arguments are required: --resource-group/-g");
  if (!name || name === "undefined") throw required;
  let clusters: { id?: string; name?: string }[];
  try {
    const arm = await ctx.arm();
    const sub = await ctx.subscription();
    clusters = (await arm.list(
      `/subscriptions/${sub}/providers/Microsoft.ContainerService/managedClusters`,
      API.containerService,
    )) as { id?: string; name?: string }[];
  } catch {
    throw required;
  }
  const hits = clusters.filter((c) => c.name?.toLowerCase() === name.toLowerCase());
  const rg = hits.length === 1 ? /\/resourcegroups\/([^/]+)/i.exec(hits[0].id ?? "")?.[1] : undefined;
  if (!rg) throw required;
  ctx.warn(
    `--resource-group not given: using '${rg}', the resource group of the only cluster named '${name}'.`,
  );
  return rg;
}

/**
 * az's configured defaults (`az configure --defaults group=… location=…`, or the
 * AZURE_DEFAULTS_GROUP / AZURE_DEFAULTS_LOCATION variables) fill --resource-group and
 * --location, which then stop being required.
 */
export function withConfiguredDefaults(specs: FlagSpec[], io: Io): FlagSpec[] {
  const saved = loadProfile(io).defaults ?? {};
  const group = io.env.AZURE_DEFAULTS_GROUP || saved.group;
  const location = io.env.AZURE_DEFAULTS_LOCATION || saved.location;
  if (!group && !location) return specs;
  return specs.map((s) => {
    const value = s.dest === "resourceGroup" ? group : s.dest === "location" ? location : undefined;
    return value ? { ...s, required: false, default: value } : s;
  });
}
