// `aksnet az` against a real emulator: one emulator and one scratch home per test file, and
// command lines run as typed.
import fs from "node:fs";
import { afterAll, beforeAll } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import { startTestEmulator } from "../helpers/emulator.js";
import type { RunResult } from "./fake-arm.js";
import { runAz, scratchHome } from "./fake-arm.js";

export interface EmulatorAz {
  /** Set in beforeAll. */
  readonly emu: TestEmulator;
  /** The scratch home (`~/.azure`, `~/.kube`, `~/.ssh`); set in beforeAll. */
  readonly home: string;
  /** A command line as typed; "…" groups words as the shell would. */
  az(line: string): Promise<RunResult>;
  /** `az`, throwing with the line, exit code and stderr unless it exits 0. */
  ok(line: string): Promise<RunResult>;
}

/** Registers the file's beforeAll/afterAll: starts the emulator and makes the scratch home. */
export function useEmulatorAz(): EmulatorAz {
  let emu: TestEmulator;
  let home: string;

  beforeAll(async () => {
    emu = await startTestEmulator();
    home = scratchHome();
  });

  afterAll(async () => {
    await emu?.close();
    if (emu) fs.rmSync(emu.dataDir, { recursive: true, force: true });
  });

  const env = () => ({
    AKSNET_ENDPOINT: emu.url,
    AKSNET_CA_FILE: emu.caFile,
    AKSNET_TENANT_ID: emu.tenantId,
    AKSNET_SUBSCRIPTION_ID: emu.subscriptionId,
  });

  async function az(line: string): Promise<RunResult> {
    const words = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
    return runAz(words.slice(1), { home, env: env() });
  }

  async function ok(line: string): Promise<RunResult> {
    const r = await az(line);
    if (r.code !== 0) throw new Error(`${line}\nexit ${r.code}\n${r.stderr}`);
    return r;
  }

  return {
    get emu() {
      return emu;
    },
    get home() {
      return home;
    },
    az,
    ok,
  };
}
