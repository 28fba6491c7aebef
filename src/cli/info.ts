// `<data-dir>/aksnet.json`: what `aksnet start` writes so that `status`, `reset` and `trace` find
// the running emulator. Kept apart from server.ts so `aksnet trace` does not load the server.
import fs from "node:fs";
import path from "node:path";
import { DataDirInUse, lockDataDir } from "../server/lock.js";

export interface InfoFile {
  armEndpoint: string;
  caFile: string;
  tenantId: string;
  subscriptionId: string;
  pid: number;
  dataDir: string;
  inMemory: boolean;
}

export function infoPath(dataDir: string): string {
  return path.join(dataDir, "aksnet.json");
}

export function readInfo(dataDir: string): InfoFile | undefined {
  try {
    return JSON.parse(fs.readFileSync(infoPath(dataDir), "utf8")) as InfoFile;
  } catch {
    return undefined;
  }
}

/**
 * Whether an emulator runs on this data dir: whether its lock is held (server/lock.ts). The
 * operating system drops the lock when the process dies, however it dies; a pid would still
 * answer while the killed process waits to be reaped, or once the number is reused.
 */
export function running(dataDir: string): boolean {
  // Every emulator makes the lock file; a dir without one (written by hand, or by a test for an
  // emulator it runs itself) has only its info file's pid to go by.
  if (!fs.existsSync(path.join(dataDir, "aksnet.lock"))) {
    const pid = readInfo(dataDir)?.pid;
    if (pid === undefined) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  try {
    lockDataDir(dataDir).release();
    return false;
  } catch (e) {
    if (e instanceof DataDirInUse) return true;
    throw e;
  }
}

/** The running emulator's admin credential (`<data-dir>/admin.token`, mode 0600), for the CLI's admin calls. */
export function readAdminToken(dataDir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dataDir, "admin.token"), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}
