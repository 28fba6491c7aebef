// Shapes shared by the command modules.

import type { ArmClient } from "./arm.js";
import type { Io } from "./io.js";
import type { Json, OutputStyle } from "./output.js";
import type { FlagSpec, ParsedArgs } from "./parser.js";

export interface Ctx {
  args: ParsedArgs;
  io: Io;
  /** The ARM client (resolves the emulator and token on first use). */
  arm(): Promise<ArmClient>;
  /** Subscription id: --subscription, else the profile's current one, else the emulator's. */
  subscription(): Promise<string>;
  /** `WARNING: …` on stderr (suppressed by --only-show-errors). */
  warn(message: string): void;
  /** y/n prompt; throws az's "no tty" error when stdin is not a terminal. */
  confirm(message: string): Promise<boolean>;
}

export interface CommandDef {
  summary: string;
  flags: FlagSpec[];
  run(ctx: Ctx): Promise<unknown>;
  /** How the result is turned into az's JSON (default "sdk"). */
  style?: OutputStyle;
  /** az's table_transformer for `-o table`. */
  table?: (result: Json) => Json;
  /** Extra help lines (az's long-summary). */
  long?: string;
  examples?: { title: string; command: string }[];
  preview?: boolean;
  /**
   * When -g is absent (and no default is configured), take the resource group of the one
   * managed cluster whose name is in this flag — so seed lines that omit -g still run.
   */
  inferResourceGroupFromCluster?: string;
}

/** Commands of one module, keyed by full path ("network vnet create"). */
export type CommandTable = Record<string, CommandDef>;
