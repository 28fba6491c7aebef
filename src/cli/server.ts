// `aksnet start | status | reset`.
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { startEmulator } from "../server/app.js";
import {
  ConfigError,
  parseSubscriptionSpec,
  resolveOptions,
  type ServerOptions,
  storeUrl,
} from "../server/config.js";
import { writeFileAtomic } from "../server/files.js";
import { DataDirInUse } from "../server/lock.js";
import { describeStore, parseStoreUrl } from "../store/open.js";
import { type InfoFile, infoPath, readAdminToken, readInfo, running } from "./info.js";

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be a non-negative integer");
  return n;
};

const collect = (v: string, previous: string[] | undefined) => [...(previous ?? []), v];

export async function runServerCommand(
  command: "start" | "reset" | "status",
  args: string[],
): Promise<number> {
  const program = new Command(`aksnet ${command}`).exitOverride().configureOutput({
    writeErr: (s) => process.stderr.write(s),
  });
  program.option("--data-dir <dir>", "where state, certificates and aksnet.json live (default ./.aksnet)");
  if (command === "start") {
    program
      // Defaults live in resolveOptions so AKSNET_* environment variables can supply them.
      .option("--host <host>", "address to listen on (default 127.0.0.1, env AKSNET_HOST)")
      .option("--port <port>", "port, 0 picks a free one (default 8443, env AKSNET_PORT)", int)
      .option(
        "--public-url <url>",
        "the address clients use, base of every URL the emulator returns (default from --host/--port, env AKSNET_PUBLIC_URL)",
      )
      .option("--in-memory", "keep state in memory only (CI)")
      .option(
        "--store <url>",
        "sqlite:<path> (default <data-dir>/aksnet.db) or postgresql://user:pass@host:port/db, shared by several emulators (env AKSNET_STORE)",
      )
      .option(
        "--operation-retention <ms>",
        "how long finished operation records stay readable (default 24 h)",
        int,
      )
      .option("--http", "serve plain HTTP (clients will not send tokens over it)")
      .option("--tenant-id <guid>", "default tenant")
      .option("--subscription-id <guid>", "default subscription")
      // Repeatable; commander's variadic syntax cannot spell `[:tenant]`, so collect by hand.
      .option(
        "--subscription <id:tenant>",
        "an extra subscription, `<guid>[:<tenant-guid>]`; repeat for more (env AKSNET_EXTRA_SUBSCRIPTIONS, comma-separated)",
        collect,
      )
      .option("--client <id:secret>", "only these service principals may sign in; repeatable", collect)
      .option("--public-ipv4-pool <cidr>", "emulated public IPv4 space (default 20.0.0.0/8)")
      .option("--feature-registration-delay <ms>", "how long a feature flag stays Registering", int)
      .option("--operation-delay <ms>", "delay before long-running operations run (testing)", int)
      .option("--page-size <n>", "list page size before nextLink", int)
      .option(
        "--emulate-known-issues",
        "AKS on HCI: reproduce the documented duplicate load-balancer VIP defect (env AKSNET_EMULATE_KNOWN_ISSUES=1)",
      )
      .option("--quiet", "print only the endpoint line")
      .option("--log-level <level>", "error|warn|info|debug (default info, env AKSNET_LOG_LEVEL)")
      .option("--log-format <format>", "text|json (default text, env AKSNET_LOG_FORMAT)");
  }
  try {
    program.parse(args, { from: "user" });
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  const o = program.opts();
  let opts: ServerOptions;
  try {
    opts = resolveOptions({
      dataDir: o.dataDir,
      host: o.host,
      publicUrl: o.publicUrl,
      port: o.port,
      inMemory: o.inMemory,
      store: o.store,
      operationRetentionMs: o.operationRetention,
      http: o.http,
      tenantId: o.tenantId,
      subscriptionId: o.subscriptionId,
      extraSubscriptions: o.subscription,
      clients: o.client,
      publicIPv4Pool: o.publicIpv4Pool,
      featureRegistrationDelayMs: o.featureRegistrationDelay,
      operationDelayMs: o.operationDelay,
      pageSize: o.pageSize,
      emulateKnownIssues: o.emulateKnownIssues,
      quiet: o.quiet,
      logLevel: o.logLevel,
      logFormat: o.logFormat,
    });
    if (command === "start")
      for (const spec of opts.extraSubscriptions)
        parseSubscriptionSpec(
          spec,
          opts.tenantId,
          o.subscription ? "--subscription" : "AKSNET_EXTRA_SUBSCRIPTIONS",
        );
  } catch (err) {
    process.stderr.write(`aksnet ${command}: ${(err as Error).message}\n`);
    return 2;
  }
  if (command === "start") return start(opts);
  if (command === "status") return status(opts.dataDir);
  return reset(opts.dataDir);
}

async function start(opts: ServerOptions): Promise<number> {
  const t0 = performance.now();
  let emu: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emu = await startEmulator(opts);
  } catch (err) {
    // The data dir's lock decides (a pid in aksnet.json may be a killed process not yet reaped).
    if (err instanceof DataDirInUse) {
      const previous = readInfo(opts.dataDir);
      process.stderr.write(
        previous
          ? `aksnet: an emulator (pid ${previous.pid}) already serves ${opts.dataDir} at ${previous.armEndpoint}; stop it first or use another --data-dir.\n`
          : `aksnet start: ${err.message}\n`,
      );
      return 1;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`aksnet start: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`aksnet: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const info: InfoFile = {
    armEndpoint: emu.url,
    caFile: emu.caFile,
    tenantId: emu.tenantId,
    subscriptionId: emu.subscriptionId,
    pid: process.pid,
    dataDir: opts.dataDir,
    inMemory: opts.inMemory,
  };
  writeFileAtomic(infoPath(opts.dataDir), `${JSON.stringify(info, null, 2)}\n`);
  if (!isLoopback(opts.host))
    process.stderr.write(
      `aksnet: WARNING: listening on ${opts.host}, not loopback. Anyone who can reach this address can sign in to ARM ` +
        `(any client id/secret unless --client is set) and use the Kubernetes API with a cluster's credentials; ` +
        `the admin API and the page still need the admin credential or a login URL.\n`,
    );
  const ms = (performance.now() - t0).toFixed(0);
  if (opts.quiet) {
    process.stdout.write(`${emu.url}\n`);
  } else {
    const rows: [string, string][] = [
      ["ARM endpoint", emu.url],
      ["Tenant", emu.tenantId],
      ["Subscription", emu.subscriptionId],
      ["Store", describeStore(parseStoreUrl(storeUrl(opts)))],
      ["CA certificate", emu.caFile],
      ["Info file", infoPath(opts.dataDir)],
      ["Page (one-time login)", emu.loginUrl()],
    ];
    const w = Math.max(...rows.map(([k]) => k.length));
    process.stdout.write(`aksnet is running (ready in ${ms} ms)\n\n`);
    for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(w)}  ${v}\n`);
    process.stdout.write(
      `\nTrust the CA:\n  export NODE_EXTRA_CA_CERTS=${emu.caFile}      # Node.js / Azure SDK for JS\n` +
        `  export REQUESTS_CA_BUNDLE=<system bundle + ${emu.caFile}>  # az / Python\n` +
        `Use it:\n  aksnet az group create --name demo --location eastus\n\nCtrl-C stops it.\n`,
    );
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await emu.close();
    const now = readInfo(opts.dataDir);
    if (now?.pid === process.pid) fs.rmSync(infoPath(opts.dataDir), { force: true });
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  return new Promise<number>(() => {
    // runs until a signal stops it
  });
}

async function status(dataDir: string): Promise<number> {
  const info = readInfo(dataDir);
  if (!info || !running(dataDir)) {
    process.stdout.write(
      `aksnet is not running for ${dataDir} (start it with: aksnet start --data-dir ${dataDir})\n`,
    );
    return 3;
  }
  const token = readAdminToken(dataDir);
  const body = await request("GET", `${info.armEndpoint}/_aksnet/status`, info.caFile, token).catch(
    (e: Error) => ({
      error: e.message,
    }),
  );
  const login = (await request("POST", `${info.armEndpoint}/_aksnet/login`, info.caFile, token).catch(
    () => ({}),
  )) as {
    url?: string;
  };
  const rows: [string, string][] = [
    ["ARM endpoint", info.armEndpoint],
    ["PID", String(info.pid)],
    ["Tenant", info.tenantId],
    ["Subscription", info.subscriptionId],
    ["Store", info.inMemory ? "in memory" : path.join(info.dataDir, "aksnet.db")],
  ];
  const b = body as { resources?: number; storeBytes?: number; error?: string };
  if (b.error) rows.push(["Health", `unreachable: ${b.error}`]);
  else
    rows.push(
      ["Resources", String(b.resources)],
      ["Store size", `${((b.storeBytes ?? 0) / 1024).toFixed(0)} KiB`],
      ...(login.url ? ([["Page (one-time login)", login.url]] as [string, string][]) : []),
    );
  const w = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write("aksnet is running\n\n");
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(w)}  ${v}\n`);
  return b.error ? 1 : 0;
}

async function reset(dataDir: string): Promise<number> {
  const info = readInfo(dataDir);
  if (info && running(dataDir)) {
    const res = (await request(
      "POST",
      `${info.armEndpoint}/_aksnet/reset`,
      info.caFile,
      readAdminToken(dataDir),
    )) as {
      error?: { message?: string };
    };
    if (res.error) {
      process.stderr.write(`aksnet reset: ${res.error.message ?? "refused"}\n`);
      return 1;
    }
    process.stdout.write(`Reset the running emulator at ${info.armEndpoint}.\n`);
    return 0;
  }
  for (const f of ["aksnet.db", "aksnet.db-wal", "aksnet.db-shm"])
    fs.rmSync(path.join(dataDir, f), { force: true });
  process.stdout.write(`Removed the emulator state in ${dataDir} (certificates kept).\n`);
  return 0;
}

function request(method: string, url: string, caFile: string, adminToken?: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const headers = adminToken ? { authorization: `Bearer ${adminToken}` } : undefined;
    const req = https.request(url, { method, ca: fs.readFileSync(caFile), timeout: 5000, headers }, (res) => {
      let data = "";
      res.on("data", (c) => {
        data += c;
      });
      res.on("end", () => {
        try {
          resolve(data ? JSON.parse(data) : {});
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on("error", reject);
    req.end();
  });
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}
