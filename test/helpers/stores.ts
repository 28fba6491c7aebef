// The store backends a contract test runs on. SQLite (memory and file) always; PostgreSQL
// when AKSNET_TEST_PG_URL names a server (`.ci/run` starts one and sets it). Without it the
// PostgreSQL tests are skipped with a printed reason — except in CI (CI=true), where a
// missing server is a failure. Each PostgreSQL store gets a fresh schema, so test files
// running in parallel do not see each other.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";

export interface Backend {
  name: string;
  /** A fresh, empty store; `shared` names one that a second open() call should reach too. */
  open(shared?: string): Promise<Store>;
}

export const PG_URL = process.env.AKSNET_TEST_PG_URL;

let schemaCounter = 0;
const runId = `${process.pid}_${Date.now().toString(36)}`;

/** A URL for a fresh schema on the test server (same `name` → same schema). */
export function pgUrl(name?: string): string {
  if (!PG_URL) throw new Error("AKSNET_TEST_PG_URL is not set");
  const schema = `t_${runId}_${name ?? String(++schemaCounter)}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  const u = new URL(PG_URL);
  u.searchParams.set("schema", schema);
  return u.toString();
}

export function pgMissingReason(): string | undefined {
  if (PG_URL) return undefined;
  const reason =
    "AKSNET_TEST_PG_URL is not set: PostgreSQL tests skipped (see README: Running PostgreSQL locally)";
  if (process.env.CI === "true") throw new Error(`CI=true but ${reason}`);
  console.warn(reason);
  return reason;
}

const files = new Map<string, string>();

export function backends(): Backend[] {
  const list: Backend[] = [
    { name: "sqlite-memory", open: async () => openStore("sqlite::memory:") },
    {
      name: "sqlite-file",
      open: async (shared) => {
        let file = shared ? files.get(shared) : undefined;
        if (!file) {
          file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "aksnet-store-")), "aksnet.db");
          if (shared) files.set(shared, file);
        }
        return openStore(`sqlite:${file}`);
      },
    },
  ];
  if (!pgMissingReason()) list.push({ name: "postgres", open: async (shared) => openStore(pgUrl(shared)) });
  return list;
}

/** The store URL a `shared` name opened on this backend stands for (for a child process). */
export function sharedStoreUrl(backend: string, shared: string): string {
  if (backend === "postgres") return pgUrl(shared);
  const file = files.get(shared);
  if (backend !== "sqlite-file" || !file) throw new Error(`no shared ${backend} store named ${shared}`);
  return `sqlite:${file}`;
}
