// Runs a seed walkthrough as a user would type it: one long-lived bash per scenario (so
// `SUBNET_ID=$(az …)`, variables and `\` continuations work exactly as in the article), in a
// scratch HOME, where `az` is a shell function calling `node <repo>/bin/aksnet.js az "$@"` and
// finds the emulator through AKSNET_DATA_DIR/aksnet.json like a user's `aksnet az` does.
// Plain Node (node:assert, no vitest) so bench/scenarios.mjs can run the same scenarios.

import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface StepResult {
  stdout: string;
  stderr: string;
  exit: number;
  /** Upper-case shell variables after the step (every name any step of the scenario assigns). */
  vars: Record<string, string>;
  /** Wall time of the step in milliseconds. */
  ms: number;
  /** stdout parsed as JSON; throws a readable error when it is not JSON. */
  json<T = unknown>(): T;
  /** The result of an earlier step of the same scenario, by name. */
  earlier(name: string): StepResult;
}

export interface Step {
  /** Says what the step does; for steps that are not the seed's, also why they are there. */
  name: string;
  /**
   * Shell text. For seed steps, exactly as the seed prints it, `<placeholders>` included:
   * they are replaced from `fill` (step, then scenario) just before the text runs.
   */
  run: string;
  /**
   * The seed the text comes from ("003", "000", …), checked verbatim against that seed by
   * `verbatimProblems`. Absent for setup and inspection steps a user adds around the seed.
   */
  seed?: string;
  /**
   * When the seed's text lost part of the command (e.g. the first line of a code block),
   * the part it does print: `run` must end with it, and only it is checked against the seed.
   */
  seedText?: string;
  /** Placeholder values for this step (over the scenario's). */
  fill?: Fill;
  /** Expected exit status (default 0). */
  expectExit?: number;
  /** Assertions on the documented outcome; throw (node:assert) when it differs. */
  check?: (r: StepResult) => void;
}

export type Fill = Record<string, string>;

export interface Scenario {
  /** `<seed>-<topic>`, also the file name. */
  name: string;
  /** The seed walkthrough this scenario follows (its file name starts with this). */
  seed: string;
  title: string;
  fill: Fill;
  steps: Step[];
  /** Documented steps not run yet, each with the issue that brings what they need. */
  pending: string[];
}

/** A step whose exit status or check did not match; the message names scenario and step. */
export class StepFailure extends Error {
  constructor(
    readonly scenario: string,
    readonly step: string,
    readonly detail: string,
    readonly result?: StepResult,
  ) {
    super(`scenario ${scenario}, step "${step}": ${detail}`);
    this.name = "StepFailure";
  }
}

export const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

/** Replaces every placeholder of the fills in `text` (later fills override earlier ones). */
export function applyFill(text: string, ...fills: (Fill | undefined)[]): string {
  const merged: Fill = Object.assign({}, ...fills.filter(Boolean));
  // Longest keys first, so a placeholder that contains another is replaced whole.
  for (const key of Object.keys(merged).sort((a, b) => b.length - a.length)) {
    text = text.replaceAll(key, merged[key]);
  }
  return text;
}

const ASSIGNED = /(?:^|[\s;&|(])([A-Z_][A-Z0-9_]*)=/gm;

/** The upper-case variable names a scenario's steps assign, to report them to checks. */
function assignedNames(steps: readonly Step[]): string[] {
  const names = new Set<string>();
  for (const s of steps) for (const m of s.run.matchAll(ASSIGNED)) names.add(m[1]);
  return [...names];
}

export interface SessionOptions {
  /** The emulator's data dir (holds aksnet.json); becomes AKSNET_DATA_DIR. */
  dataDir: string;
  /** Scratch HOME (~/.ssh, ~/.kube, the front-end's profile); created when absent. */
  home?: string;
  /** Where bin/aksnet.js is (default: this repository). */
  repo?: string;
  /** Per-step time limit (default 30 s). */
  stepTimeoutMs?: number;
}

const DONE = "@@aksnet-scenario-step-done";

/** One bash process that keeps its variables from step to step, like a terminal session. */
export class ShellSession {
  private out = "";
  private waiting: (() => void) | undefined;
  private exited: number | null = null;
  readonly dir: string;

  private constructor(
    private readonly proc: ChildProcessWithoutNullStreams,
    readonly home: string,
    private readonly names: string[],
    private readonly timeoutMs: number,
    /** Removed on close when the session made it. */
    private readonly ownHome: boolean,
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "aksnet-scenario-io-"));
    proc.stdout.setEncoding("utf8");
    proc.stdout.on("data", (c: string) => {
      this.out += c;
      this.waiting?.();
    });
    proc.stderr.resume();
    proc.on("exit", (code) => {
      this.exited = code ?? 1;
      this.waiting?.();
    });
  }

  static open(opts: SessionOptions, steps: readonly Step[]): ShellSession {
    const repo = opts.repo ?? repoRoot;
    const home = opts.home ?? fs.mkdtempSync(path.join(os.tmpdir(), "aksnet-scenario-home-"));
    const ownHome = opts.home === undefined;
    fs.mkdirSync(home, { recursive: true });
    // A clean environment: nothing from the caller's az/aksnet settings (AZURE_DEFAULTS_*,
    // AKSNET_ENDPOINT, NODE_OPTIONS of a test runner) may change what the seed lines do.
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      LANG: "C.UTF-8",
      AKSNET_DATA_DIR: opts.dataDir,
      AKSNET_BIN: path.join(repo, "bin", "aksnet.js"),
      AKSNET_NODE: process.execPath,
    };
    const proc = spawn("bash", ["--noprofile", "--norc"], { cwd: home, env, stdio: "pipe" });
    const session = new ShellSession(proc, home, assignedNames(steps), opts.stepTimeoutMs ?? 30_000, ownHome);
    // Each call appends one byte to a file (a counter variable would not survive `$(az …)`
    // subshells), so reports can say how many az processes a scenario starts.
    const calls = path.join(session.dir, "az-calls");
    proc.stdin.write(`az() { printf . >>'${calls}'; "$AKSNET_NODE" "$AKSNET_BIN" az "$@"; }\n`);
    // `aksnet trace …` (and the other aksnet commands) the way a user with the package installed types them.
    proc.stdin.write(`aksnet() { "$AKSNET_NODE" "$AKSNET_BIN" "$@"; }\n`);
    return session;
  }

  /** Runs shell text in the session; resolves with its output, exit status and variables. */
  async exec(text: string): Promise<Omit<StepResult, "json" | "earlier">> {
    if (this.exited !== null) throw new Error(`bash exited (${this.exited})`);
    const out = path.join(this.dir, "out");
    const err = path.join(this.dir, "err");
    const vars = path.join(this.dir, "vars");
    const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
    // The step's own stdin is /dev/null so no command can swallow the script bash reads.
    const script =
      `{\n${text}\n} >${q(out)} 2>${q(err)} </dev/null\n__aksnet_rc=$?\n` +
      `{ for __n in ${this.names.join(" ")}; do printf '%s\\0%s\\0' "$__n" "\${!__n-}"; done; } >${q(vars)}\n` +
      `printf '\\n${DONE} %s\\n' "$__aksnet_rc"\n`;
    const t0 = performance.now();
    this.out = "";
    this.proc.stdin.write(script);
    const rc = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`no answer from bash within ${this.timeoutMs} ms (unbalanced quote?)`));
      }, this.timeoutMs);
      this.waiting = () => {
        const m = new RegExp(`${DONE} (\\d+)\\n`).exec(this.out);
        if (m || this.exited !== null) {
          clearTimeout(timer);
          this.waiting = undefined;
          if (m) resolve(Number(m[1]));
          else reject(new Error(`bash exited (${this.exited})`));
        }
      };
      this.waiting();
    });
    const ms = performance.now() - t0;
    const fields = fs.readFileSync(vars, "utf8").split("\0");
    const values: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i]] = fields[i + 1];
    return {
      stdout: fs.readFileSync(out, "utf8"),
      stderr: fs.readFileSync(err, "utf8"),
      exit: rc,
      vars: values,
      ms,
    };
  }

  /** How many `az` processes the session has started. */
  azCalls(): number {
    try {
      return fs.statSync(path.join(this.dir, "az-calls")).size;
    } catch {
      return 0;
    }
  }

  close(): void {
    if (this.exited === null) {
      this.proc.stdin.end("exit\n");
      this.proc.kill("SIGTERM");
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (this.ownHome) fs.rmSync(this.home, { recursive: true, force: true });
  }
}

function clip(s: string, max = 1500): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length - max} more characters)` : s;
}

/** Runs a scenario step by step in one session; keeps earlier results for later checks. */
export class ScenarioRun {
  readonly results = new Map<string, StepResult>();
  private constructor(
    readonly scenario: Scenario,
    readonly session: ShellSession,
  ) {}

  static open(scenario: Scenario, opts: SessionOptions): ScenarioRun {
    const names = scenario.steps.map((s) => s.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new Error(`scenario ${scenario.name}: two steps are named "${dup}"`);
    return new ScenarioRun(scenario, ShellSession.open(opts, scenario.steps));
  }

  /** Runs one step; throws StepFailure when its exit status or its check differs. */
  async step(step: Step): Promise<StepResult> {
    const text = applyFill(step.run, this.scenario.fill, step.fill);
    const fail = (detail: string, r?: StepResult): never => {
      throw new StepFailure(this.scenario.name, step.name, detail, r);
    };
    let raw: Awaited<ReturnType<ShellSession["exec"]>>;
    try {
      raw = await this.session.exec(text);
    } catch (e) {
      return fail(`${(e as Error).message}\n  ran: ${text}`);
    }
    const results = this.results;
    const scenario = this.scenario.name;
    const r: StepResult = {
      ...raw,
      json<T>(): T {
        try {
          return JSON.parse(raw.stdout) as T;
        } catch {
          throw new Error(`stdout is not JSON: ${clip(raw.stdout, 300)}`);
        }
      },
      earlier(name: string): StepResult {
        const e = results.get(name);
        if (!e) throw new Error(`scenario ${scenario}: no result for earlier step "${name}"`);
        return e;
      },
    };
    this.results.set(step.name, r);
    const shown = `\n  ran: ${text}\n  exit: ${r.exit}\n  stderr: ${clip(r.stderr.trim()) || "(empty)"}`;
    const want = step.expectExit ?? 0;
    if (r.exit !== want) fail(`expected exit ${want}, got ${r.exit}${shown}\n  stdout: ${clip(r.stdout)}`, r);
    try {
      step.check?.(r);
    } catch (e) {
      fail(`${(e as Error).message}${shown}`, r);
    }
    return r;
  }

  close(): void {
    this.session.close();
  }
}

export interface ScenarioReport {
  scenario: string;
  steps: number;
  azCalls: number;
  ms: number;
  failures: StepFailure[];
}

/** Runs every step (continuing after failures, so one run reports all of them). */
export async function runScenario(scenario: Scenario, opts: SessionOptions): Promise<ScenarioReport> {
  const t0 = performance.now();
  const run = ScenarioRun.open(scenario, opts);
  const failures: StepFailure[] = [];
  let azCalls = 0;
  try {
    for (const step of scenario.steps) {
      try {
        await run.step(step);
      } catch (e) {
        if (e instanceof StepFailure) failures.push(e);
        else throw e;
      }
    }
    azCalls = run.session.azCalls();
  } finally {
    run.close();
  }
  return {
    scenario: scenario.name,
    steps: scenario.steps.length,
    azCalls,
    ms: performance.now() - t0,
    failures,
  };
}

/**
 * The in-process test emulator writes no aksnet.json (only `aksnet start` does); write one
 * with the same fields so the front-end finds it through AKSNET_DATA_DIR as it would.
 */
export function writeInfoFile(
  dataDir: string,
  info: { url: string; caFile: string; tenantId: string; subscriptionId: string },
): void {
  const file = path.join(dataDir, "aksnet.json");
  const body = {
    armEndpoint: info.url,
    caFile: info.caFile,
    tenantId: info.tenantId,
    subscriptionId: info.subscriptionId,
    pid: process.pid,
    dataDir,
    inMemory: true,
  };
  fs.writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
}

/** Collapses what the seeds' text extraction and `\` continuations do to whitespace. */
export function normalizeCommand(s: string): string {
  return s
    .replace(/\\\r?\n/g, " ")
    .replace(/\\ /g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Seed steps whose text is not in their seed file; [] when every seed line is verbatim. */
export function verbatimProblems(scenario: Scenario, seedsDir: string): string[] {
  const problems: string[] = [];
  const texts = new Map<string, string>();
  const seedText = (id: string): string => {
    let t = texts.get(id);
    if (t === undefined) {
      const file = fs.readdirSync(seedsDir).find((f) => f.startsWith(`${id}_`));
      if (!file) throw new Error(`no seed ${id}_* in ${seedsDir}`);
      t = normalizeCommand(fs.readFileSync(path.join(seedsDir, file), "utf8"));
      texts.set(id, t);
    }
    return t;
  };
  for (const step of scenario.steps) {
    if (!step.seed) continue;
    const own = normalizeCommand(step.run);
    const quoted = step.seedText === undefined ? own : normalizeCommand(step.seedText);
    if (!own.endsWith(quoted)) problems.push(`step "${step.name}": run does not end with its seedText`);
    if (!seedText(step.seed).includes(quoted))
      problems.push(`step "${step.name}": not in seed ${step.seed}: ${quoted}`);
  }
  return problems;
}
