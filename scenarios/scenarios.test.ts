// The scenarios themselves (one test file each, *-*.test.ts) run against emulators; here:
// every seed step is verbatim in its seed, and the runner's shell semantics and messages.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { assert } from "./checks.js";
import { SCENARIOS } from "./index.js";
import {
  applyFill,
  normalizeCommand,
  repoRoot,
  type Scenario,
  ScenarioRun,
  StepFailure,
  verbatimProblems,
} from "./runner.js";

const seedsDir = process.env.AKSNET_SEEDS_DIR ?? path.resolve(repoRoot, "../shared/seeds");
const haveSeeds = fs.existsSync(seedsDir);

describe("seed steps are the seeds' command lines, verbatim", () => {
  for (const scenario of SCENARIOS) {
    it.skipIf(!haveSeeds)(scenario.name, () => {
      expect(verbatimProblems(scenario, seedsDir)).toEqual([]);
    });
  }

  it("every scenario quotes its seed and has seed steps", () => {
    for (const s of SCENARIOS) {
      // Seed 004 prints a single command line; the others print many.
      expect(s.steps.filter((x) => x.seed).length, s.name).toBeGreaterThan(s.seed === "004" ? 0 : 5);
      expect(s.name.startsWith(`${s.seed}-`), s.name).toBe(true);
    }
  });

  it.skipIf(!haveSeeds)("a line that is not in the seed is reported", () => {
    const bad: Scenario = {
      name: "003-bad",
      seed: "003",
      title: "",
      fill: {},
      pending: [],
      steps: [{ name: "made up", seed: "003", run: "az aks create --name not-in-the-seed" }],
    };
    expect(verbatimProblems(bad, seedsDir)).toEqual([
      'step "made up": not in seed 003: az aks create --name not-in-the-seed',
    ]);
  });
});

describe("placeholders and normalisation", () => {
  it("fills step values over scenario values, longest placeholder first", () => {
    expect(
      applyFill("az x -n <name> -g <rg> <name-suffix>", { "<name>": "a", "<rg>": "g" }, { "<name>": "b" }),
    ).toBe("az x -n b -g g <name-suffix>");
    expect(applyFill('"<asgId>,<asgId>"', { '"<asgId>,<asgId>"': '"$A,$B"', "<asgId>": "X" })).toBe(
      '"$A,$B"',
    );
  });

  it("treats `\\` continuations, flattened `\\ ` and runs of spaces alike", () => {
    expect(normalizeCommand("az aks create \\\n    --name x \\\n  -g y")).toBe("az aks create --name x -g y");
    expect(normalizeCommand("az aks create \\ --name x \\ -g y")).toBe("az aks create --name x -g y");
  });
});

describe("shell session", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const scenario: Scenario = {
    name: "000-shell",
    seed: "000",
    title: "shell semantics",
    fill: { "<who>": "world" },
    pending: [],
    steps: [
      { name: "assign from a command substitution", run: 'GREETING=$(printf "hello %s" "<who>")' },
      {
        name: "variables carry over; continuations join lines",
        run: 'echo "$GREETING" \\\n  again',
        check: (r) => assert.equal(r.stdout, "hello world again\n"),
      },
      { name: "exit status is reported", run: "false", expectExit: 1 },
      {
        name: "a wrong exit status fails the step",
        run: "echo oops >&2; exit_with() { return $1; }; exit_with 3",
      },
      {
        name: "vars and earlier results reach checks",
        run: "true",
        check: (r) => {
          assert.equal(r.vars.GREETING, "hello world");
          assert.equal(
            r.earlier("variables carry over; continuations join lines").stdout,
            "hello world again\n",
          );
        },
      },
    ],
  };

  it("runs steps in one bash, names scenario and step on failure", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "aksnet-scenario-test-"));
    dirs.push(dataDir);
    const run = ScenarioRun.open(scenario, { dataDir, home: path.join(dataDir, "home") });
    try {
      await run.step(scenario.steps[0]);
      await run.step(scenario.steps[1]);
      await run.step(scenario.steps[2]);
      const err = await run.step(scenario.steps[3]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StepFailure);
      expect((err as Error).message).toMatch(
        /^scenario 000-shell, step "a wrong exit status fails the step": expected exit 0, got 3\n/,
      );
      expect((err as Error).message).toMatch(/stderr: oops/);
      await run.step(scenario.steps[4]);
    } finally {
      run.close();
    }
  });
});
