// One emulator per data dir, held by the operating system: an exclusive SQLite lock on
// `<data-dir>/aksnet.lock` (fcntl locks underneath). A second `aksnet start` on the same dir gets
// SQLITE_BUSY at once — no check-then-write race — and the lock goes away with the process, however
// it dies (kill -9 included), so a stale lock never blocks the next start.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

/** Another process holds the data dir. */
export class DataDirInUse extends Error {}

export interface DataDirLock {
  release(): void;
}

/** The holder's pid as its aksnet.json says (for the message only; the lock itself is the truth). */
function holder(dataDir: string): string | undefined {
  try {
    const pid = (JSON.parse(fs.readFileSync(path.join(dataDir, "aksnet.json"), "utf8")) as { pid?: unknown })
      .pid;
    return typeof pid === "number" ? `pid ${pid}` : undefined;
  } catch {
    return undefined;
  }
}

export function lockDataDir(dataDir: string): DataDirLock {
  const file = path.join(dataDir, "aksnet.lock");
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE");
  } catch (e) {
    db.close();
    if (
      (e as { code?: string }).code === "SQLITE_BUSY" ||
      (e as { code?: string }).code === "SQLITE_LOCKED"
    ) {
      const who = holder(dataDir);
      throw new DataDirInUse(
        `another aksnet is already running with data dir ${dataDir}${who ? ` (${who})` : ""}; stop it first or use another --data-dir.`,
      );
    }
    throw e;
  }
  return {
    release() {
      try {
        db.exec("ROLLBACK");
      } catch {
        // already released
      }
      db.close();
    },
  };
}
