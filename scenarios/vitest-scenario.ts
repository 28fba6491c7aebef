// Declares one vitest test per step of a scenario, run in order in one shell session against
// a fresh in-memory emulator; pending steps show as todo. Each scenario has its own test file
// so vitest's workers run scenarios side by side.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../test/helpers/emulator.js";
import { type Scenario, ScenarioRun, writeInfoFile } from "./runner.js";

export function describeScenario(scenario: Scenario): void {
  describe(`${scenario.name}: ${scenario.title}`, () => {
    let emu: TestEmulator | undefined;
    let run: ScenarioRun | undefined;

    beforeAll(async () => {
      emu = await startTestEmulator();
      writeInfoFile(emu.dataDir, emu);
      run = ScenarioRun.open(scenario, { dataDir: emu.dataDir, home: path.join(emu.dataDir, "home") });
    });

    afterAll(async () => {
      run?.close();
      await emu?.close();
      if (emu) fs.rmSync(emu.dataDir, { recursive: true, force: true });
    });

    for (const step of scenario.steps) {
      it(step.name, async () => {
        if (!run) throw new Error("the scenario's shell session did not start");
        await run.step(step);
      });
    }
    for (const p of scenario.pending) it.todo(`pending: ${p}`);
  });
}
