// `<data-dir>/aksnet.json`: what `aksnet start` writes so that `status`, `reset` and `trace` find
// the running emulator. Kept apart from server.ts so `aksnet trace` does not load the server.
import fs from "node:fs";
import path from "node:path";

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

/** Whether a process with this pid exists (signal 0 only checks). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
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
