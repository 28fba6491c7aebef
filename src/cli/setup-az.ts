// `aksnet setup az`: points a real Azure CLI at the running emulator in one command —
// registers the emulator as a cloud (every endpoint through --cloud-config, Graph included,
// and the API profile, which az only honours inside that JSON), writes a CA bundle (the
// system CAs + the emulator's CA) for REQUESTS_CA_BUNDLE, signs in with a service principal,
// selects the subscription, and prints what it did and the one `export` the shell needs.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { readInfo } from "./info.js";

const PROFILES = ["latest", "2020-09-01-hybrid", "2019-03-01-hybrid"] as const;

/** Where distributions keep the system CA bundle (Debian/Ubuntu, RHEL/Fedora, Alpine/macOS, SUSE). */
const SYSTEM_BUNDLES = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/cert.pem",
  "/etc/ssl/ca-bundle.pem",
];

interface Target {
  armEndpoint: string;
  caFile: string;
  tenantId: string;
  subscriptionId?: string;
  /** Where the CA bundle goes when no --config-dir is given. */
  bundleDir: string;
}

interface AzResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runAz(az: string, args: string[], env: NodeJS.ProcessEnv): Promise<AzResult> {
  return new Promise((resolve) => {
    execFile(az, args, { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 127) : 0;
      resolve({
        code,
        stdout: String(stdout),
        stderr: String(stderr || (err && !stdout ? err.message : "")),
      });
    });
  });
}

class SetupError extends Error {}

function findTarget(dataDirOpt: string | undefined, env: NodeJS.ProcessEnv): Target {
  if (!dataDirOpt && env.AKSNET_ENDPOINT && env.AKSNET_CA_FILE) {
    if (!env.AKSNET_TENANT_ID) throw new SetupError("AKSNET_ENDPOINT is set but AKSNET_TENANT_ID is not.");
    return {
      armEndpoint: env.AKSNET_ENDPOINT,
      caFile: env.AKSNET_CA_FILE,
      tenantId: env.AKSNET_TENANT_ID,
      subscriptionId: env.AKSNET_SUBSCRIPTION_ID,
      bundleDir: path.dirname(path.resolve(env.AKSNET_CA_FILE)),
    };
  }
  const dataDir = path.resolve(dataDirOpt ?? env.AKSNET_DATA_DIR ?? ".aksnet");
  const info = readInfo(dataDir);
  if (!info)
    throw new SetupError(
      `no emulator found in ${dataDir} (no aksnet.json): start one with 'aksnet start', or pass --data-dir`,
    );
  return {
    armEndpoint: info.armEndpoint,
    caFile: info.caFile,
    tenantId: info.tenantId,
    subscriptionId: info.subscriptionId,
    bundleDir: dataDir,
  };
}

function systemBundle(env: NodeJS.ProcessEnv): string | undefined {
  for (const f of [env.SSL_CERT_FILE, ...SYSTEM_BUNDLES]) {
    if (f && fs.existsSync(f)) return f;
  }
  return undefined;
}

/** The cloud definition: `--cloud-config` replaces every `--endpoint-*` flag, and carries the profile. */
export function cloudConfig(armEndpoint: string, profile: string): Record<string, unknown> {
  const b = armEndpoint.replace(/\/+$/, "");
  return {
    profile,
    endpoints: {
      // The ADFS-style authority: MSAL 1.21 skips its instance discovery at
      // login.microsoftonline.com for it, which it would otherwise run for any unknown host.
      activeDirectory: `${b}/adfs`,
      activeDirectoryResourceId: `${b}/`,
      activeDirectoryGraphResourceId: `${b}/`,
      microsoftGraphResourceId: `${b}/`,
      resourceManager: `${b}/`,
      management: `${b}/`,
      gallery: `${b}/`,
      sqlManagement: `${b}/`,
    },
    suffixes: {
      storageEndpoint: "core.windows.net",
      keyvaultDns: ".vault.azure.net",
      acrLoginServerEndpoint: ".azurecr.io",
      sqlServerHostname: ".database.windows.net",
    },
  };
}

/** Debian's azure-cli 2.45 crashes client-side in `az network`/`az vmss` on the latest profile. */
function autoProfile(azVersion: string | undefined): { profile: string; why: string } {
  if (azVersion && /^2\.45\./.test(azVersion))
    return {
      profile: "2020-09-01-hybrid",
      why: `az ${azVersion}: its latest profile crashes in az network / az vmss`,
    };
  return { profile: "latest", why: azVersion ? `az ${azVersion}` : "az version unknown" };
}

export async function runSetupCommand(
  args: string[],
  out = process.stdout,
  err = process.stderr,
): Promise<number> {
  const [what, ...rest] = args;
  if (what !== "az") {
    err.write(
      what === undefined || what === "-h" || what === "--help"
        ? "Usage: aksnet setup az [--config-dir DIR] [--profile P] [--data-dir DIR]\n"
        : `aksnet setup: unknown target '${what}' (only 'az' is supported)\n`,
    );
    return what === "-h" || what === "--help" ? 0 : 2;
  }
  const program = new Command("aksnet setup az")
    .exitOverride()
    .configureOutput({ writeErr: (s) => err.write(s), writeOut: (s) => out.write(s) })
    .description("Register the running emulator as a cloud in the Azure CLI (az) and sign in.")
    .option("--config-dir <dir>", "az configuration directory to use (AZURE_CONFIG_DIR); default: az's own")
    .option("--data-dir <dir>", "the emulator's data dir (default ./.aksnet, env AKSNET_DATA_DIR)")
    .option("--cloud-name <name>", "name of the cloud to register", "aksnet")
    .option(
      "--profile <profile>",
      `API profile: ${PROFILES.join(", ")} (default: 2020-09-01-hybrid for az 2.45, else latest)`,
      (v: string) => {
        if (!(PROFILES as readonly string[]).includes(v))
          throw new InvalidArgumentError(`must be one of ${PROFILES.join(", ")}`);
        return v;
      },
    )
    .option("--client-id <id>", "service principal to sign in as", "aksnet-cli")
    .option(
      "--client-secret <secret>",
      "its secret (any, unless the emulator was started with --client)",
      "aksnet",
    )
    .option("--az <path>", "the az executable (env AKSNET_AZ)");
  try {
    program.parse(rest, { from: "user" });
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  const o = program.opts<{
    configDir?: string;
    dataDir?: string;
    cloudName: string;
    profile?: string;
    clientId: string;
    clientSecret: string;
    az?: string;
  }>();
  try {
    return await setup(o, out);
  } catch (e) {
    if (e instanceof SetupError) {
      err.write(`aksnet setup az: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

async function setup(
  o: {
    configDir?: string;
    dataDir?: string;
    cloudName: string;
    profile?: string;
    clientId: string;
    clientSecret: string;
    az?: string;
  },
  out: NodeJS.WritableStream,
): Promise<number> {
  const target = findTarget(o.dataDir, process.env);
  const az = o.az ?? process.env.AKSNET_AZ ?? "az";

  // 1. CA bundle: az's requests/MSAL verify against REQUESTS_CA_BUNDLE only, so it must hold
  //    the system CAs as well as the emulator's.
  const configDir = o.configDir ? path.resolve(o.configDir) : undefined;
  if (configDir) fs.mkdirSync(configDir, { recursive: true });
  const bundle = path.join(
    configDir ?? target.bundleDir,
    configDir ? "aksnet-ca-bundle.pem" : "az-ca-bundle.pem",
  );
  let emulatorCa: string;
  try {
    emulatorCa = fs.readFileSync(target.caFile, "utf8");
  } catch {
    throw new SetupError(`cannot read the emulator's CA certificate ${target.caFile}`);
  }
  const system = systemBundle(process.env);
  const systemPem = system ? fs.readFileSync(system, "utf8") : "";
  fs.writeFileSync(bundle, `${systemPem.trimEnd()}${systemPem ? "\n" : ""}${emulatorCa.trimEnd()}\n`);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REQUESTS_CA_BUNDLE: bundle,
    ...(configDir ? { AZURE_CONFIG_DIR: configDir } : {}),
  };
  const step = async (what: string, args: string[]): Promise<AzResult> => {
    const r = await runAz(az, args, env);
    if (r.code === 127 && !r.stdout)
      throw new SetupError(
        `cannot run '${az}': ${r.stderr.trim()} (install the Azure CLI, e.g. apt-get install azure-cli)`,
      );
    if (r.code !== 0)
      throw new SetupError(
        `${what} failed (az ${args[0]} ${args[1] ?? ""}, exit ${r.code}):\n${r.stderr.trim()}`,
      );
    return r;
  };

  // 2. Which profile.
  let azVersion: string | undefined;
  const v = await step("reading az's version", ["version", "-o", "json"]);
  try {
    azVersion = (JSON.parse(v.stdout) as Record<string, string>)["azure-cli"];
  } catch {
    azVersion = undefined;
  }
  const chosen = o.profile ? { profile: o.profile, why: "--profile" } : autoProfile(azVersion);

  // 3. The cloud: register, or update when a previous run registered it.
  const config = JSON.stringify(cloudConfig(target.armEndpoint, chosen.profile));
  const exists = (await runAz(az, ["cloud", "show", "-n", o.cloudName, "-o", "none"], env)).code === 0;
  await step(exists ? "updating the cloud" : "registering the cloud", [
    "cloud",
    exists ? "update" : "register",
    "-n",
    o.cloudName,
    "--cloud-config",
    config,
    "-o",
    "none",
  ]);
  await step("selecting the cloud", ["cloud", "set", "-n", o.cloudName, "-o", "none"]);

  // 4. Sign in and pick the subscription.
  const login = await step("signing in", [
    "login",
    "--service-principal",
    `--username=${o.clientId}`,
    `--password=${o.clientSecret}`,
    `--tenant=${target.tenantId}`,
    "-o",
    "json",
  ]);
  let subs: { id: string; name: string }[] = [];
  try {
    subs = JSON.parse(login.stdout) as { id: string; name: string }[];
  } catch {
    subs = [];
  }
  const sub = subs.find((s) => s.id === target.subscriptionId) ?? subs[0];
  if (!sub) throw new SetupError("signed in, but the emulator listed no subscription for this tenant");
  await step("selecting the subscription", ["account", "set", "--subscription", sub.id, "-o", "none"]);

  const base = target.armEndpoint.replace(/\/+$/, "");
  const rows: [string, string][] = [
    ["Cloud", `${o.cloudName} (${exists ? "updated" : "registered"}, now active)`],
    ["Profile", `${chosen.profile} (${chosen.why})`],
    ["Resource Manager", `${base}/`],
    ["Sign-in", `${base}/adfs`],
    ["Microsoft Graph", `${base}/v1.0`],
    ["Signed in as", `service principal ${o.clientId}, tenant ${target.tenantId}`],
    ["Subscription", `${sub.id} (${sub.name})`],
    ["CA bundle", `${bundle} (${system ? `${system} + ` : ""}${target.caFile})`],
    ...(configDir ? [["az config dir", configDir] as [string, string]] : []),
  ];
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  const exportLine = `export REQUESTS_CA_BUNDLE=${shellQuote(bundle)}${configDir ? ` AZURE_CONFIG_DIR=${shellQuote(configDir)}` : ""}`;
  out.write(
    [
      "az is set up for aksnet",
      "",
      ...rows.map(([k, val]) => `  ${k.padEnd(width)}${val}`),
      "",
      "Run this in your shell, then use az as usual:",
      `  ${exportLine}`,
      "",
    ].join("\n"),
  );
  if (!system) out.write("note: no system CA bundle found; the bundle holds only the emulator's CA\n");
  return 0;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
