// Issue #5 figures (build first: npm run build; then node bench/scenarios.mjs):
//  1. Every scenario in scenarios/ end to end — a fresh `aksnet start --in-memory` each, the
//     seed's command lines through `aksnet az` processes in one bash — all at once (the wall
//     time a user waits for the whole set) and one after another (per-scenario times).
//  2. Start-up of one `aksnet az group show` process against `node -e ''` (median of N,
//     alternating, ratio), both spawned the same way.
// Also the hand runner of the scenarios: failures are printed and make the exit status 1.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import { median, root, startEmulator, table, tempDir } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 15);

/**
 * The scenarios are TypeScript outside dist/ (tsconfig.json builds src/ only): transpile
 * them into a temporary directory, keeping the file names so their `./x.js` imports resolve.
 */
async function loadScenarios() {
  const src = path.join(root, "scenarios");
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "aksnet-bench-scenarios-"));
  for (const f of fs.readdirSync(src)) {
    if (!f.endsWith(".ts") || f.endsWith(".test.ts") || f === "vitest-scenario.ts") continue;
    const js = ts.transpileModule(fs.readFileSync(path.join(src, f), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023 },
      fileName: f,
    }).outputText;
    fs.writeFileSync(path.join(out, f.replace(/\.ts$/, ".js")), js);
  }
  // Transpiled ESM needs "type": "module" next to it to load as ESM.
  fs.writeFileSync(path.join(out, "package.json"), '{"type":"module"}\n');
  const { SCENARIOS } = await import(path.join(out, "index.js"));
  const runner = await import(path.join(out, "runner.js"));
  return { SCENARIOS, runner, cleanup: () => fs.rmSync(out, { recursive: true, force: true }) };
}

async function runOne(scenario, runner) {
  const dir = tempDir();
  const t0 = performance.now();
  const emu = await startEmulator(dir, ["--in-memory"]);
  try {
    const report = await runner.runScenario(scenario, {
      dataDir: dir,
      home: path.join(dir, "home"),
      repo: root,
    });
    return { ...report, wallMs: performance.now() - t0, bootMs: emu.startedMs };
  } finally {
    emu.proc.kill("SIGTERM");
    await new Promise((r) => emu.proc.once("exit", r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function spawnMs(args, env) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const FLOOR_SCRIPT = `import https from "node:https";
import fs from "node:fs";
const [url, ca] = process.argv.slice(2);
https.get(url, { ca: fs.readFileSync(ca) }, (res) => res.resume());
`;

async function startupFigures() {
  const dir = tempDir();
  const emu = await startEmulator(dir, ["--in-memory"]);
  try {
    const home = path.join(dir, "home");
    fs.mkdirSync(home);
    const env = { PATH: process.env.PATH, HOME: home, AKSNET_DATA_DIR: dir };
    const bin = path.join(root, "bin", "aksnet.js");
    const az = (...a) => spawnMs([bin, "az", ...a], env);
    az("group", "create", "-n", "bench", "-l", "eastus", "-o", "none"); // signs in, caches the token
    // The floor: a fresh Node process that only sends one HTTPS GET to the same endpoint
    // (loading TLS and OpenSSL is most of it) — what any HTTPS CLI in Node pays.
    const floorScript = path.join(dir, "floor.mjs");
    fs.writeFileSync(floorScript, FLOOR_SCRIPT);
    const floorArgs = [
      floorScript,
      `${emu.url}/subscriptions/${emu.info.subscriptionId}?api-version=2022-12-01`,
      emu.info.caFile,
    ];
    const base = [];
    const floor = [];
    const ours = [];
    spawnMs(["-e", ""], env); // warm the file cache for every side
    spawnMs(floorArgs, env);
    az("group", "show", "-n", "bench", "-o", "none");
    for (let i = 0; i < RUNS; i++) {
      base.push(spawnMs(["-e", ""], env));
      floor.push(spawnMs(floorArgs, env));
      ours.push(az("group", "show", "-n", "bench", "-o", "none"));
    }
    return { base: median(base), floor: median(floor), ours: median(ours) };
  } finally {
    emu.proc.kill("SIGTERM");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run() {
  const { SCENARIOS, runner, cleanup } = await loadScenarios();
  try {
    // All at once: what `npx vitest run scenarios` also does with its workers.
    const t0 = performance.now();
    const together = await Promise.all(SCENARIOS.map((s) => runOne(s, runner)));
    const allMs = performance.now() - t0;
    // One after another, for per-scenario times without contention.
    const alone = [];
    for (const s of SCENARIOS) alone.push(await runOne(s, runner));

    const steps = alone.reduce((a, r) => a + r.steps, 0);
    const calls = alone.reduce((a, r) => a + r.azCalls, 0);
    table("Scenarios end to end (fresh in-memory emulator each; az = one `aksnet az` process per call)", [
      ["scenario", "steps", "az calls", "failed", "emulator boot ms", "steps ms", "ms/az call"],
      ...alone.map((r) => [
        r.scenario,
        r.steps,
        r.azCalls,
        r.failures.length,
        r.bootMs.toFixed(0),
        r.ms.toFixed(0),
        (r.ms / r.azCalls).toFixed(0),
      ]),
      [
        "one after another (incl. boots)",
        steps,
        calls,
        "",
        "",
        alone.reduce((a, r) => a + r.wallMs, 0).toFixed(0),
        "",
      ],
      ["all at once, wall (incl. boots)", steps, calls, "", "", allMs.toFixed(0), "aim < 5000"],
    ]);

    const up = await startupFigures();
    table(`Start-up: one process, spawned and waited for (median of ${RUNS}, alternating)`, [
      ["process", "median ms", "ratio", "aim"],
      ["node -e ''", up.base.toFixed(0), "1.00", ""],
      ["node: one HTTPS GET, nothing else (floor)", up.floor.toFixed(0), (up.floor / up.base).toFixed(2), ""],
      ["aksnet az group show -o none", up.ours.toFixed(0), (up.ours / up.base).toFixed(2), "<= 3"],
    ]);

    const failures = [...together, ...alone].flatMap((r) => r.failures);
    for (const f of new Map(failures.map((f) => [f.message, f])).values())
      console.log(`\nFAILED ${f.message}`);
    if (failures.length) process.exitCode = 1;
    return { allMs, startupRatio: up.ours / up.base, failures: failures.length };
  } finally {
    cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
