// Runs the built CLI (bin/aksnet.js; build first: npx tsc -p tsconfig.json) as a user does:
// `aksnet start` as a child process, other commands to completion.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
export const bin = path.join(repo, "bin", "aksnet.js");

export function requireBuild(): void {
  if (!fs.existsSync(path.join(repo, "dist", "cli", "main.js")))
    throw new Error("dist/cli/main.js is missing: build first (npx tsc -p tsconfig.json)");
}

export interface Started {
  proc: ChildProcess;
  /** The first stdout line (`--quiet` prints only the endpoint). */
  url: string;
  stdout(): string;
  stderr(): string;
}

/** `aksnet start --port 0 --quiet …`; resolves once the endpoint is printed, rejects if it exits first. */
export function startCli(
  dataDir: string,
  extra: string[] = [],
  env: Record<string, string> = {},
  quiet = true,
): Promise<Started> {
  const proc = spawn(
    process.execPath,
    [bin, "start", "--port", "0", "--data-dir", dataDir, ...(quiet ? ["--quiet"] : []), ...extra],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } },
  );
  let out = "";
  let err = "";
  proc.stderr?.on("data", (c) => {
    err += c;
  });
  return new Promise((resolve, reject) => {
    proc.stdout?.on("data", (c) => {
      out += c;
      const ready = quiet ? out.includes("\n") : out.includes("Ctrl-C stops it.");
      if (ready) {
        const url = quiet ? out.split("\n")[0].trim() : (/ARM endpoint\s+(\S+)/.exec(out)?.[1] ?? "");
        resolve({ proc, url, stdout: () => out, stderr: () => err });
      }
    });
    proc.on("exit", (code) => reject(new Error(`aksnet start exited with ${code}: ${err}`)));
  });
}

export async function stopCli(s: Started | undefined): Promise<void> {
  if (!s || s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  const exited = new Promise((r) => s.proc.on("exit", r));
  s.proc.kill("SIGTERM");
  await exited;
}

/** Runs `aksnet <args>` to completion. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A client-credentials token for `tenant` from a running emulator. */
export async function cliToken(url: string, tenant: string): Promise<string> {
  const res = await fetch(`${url}/${tenant}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials&client_id=a&client_secret=b&scope=https://management.azure.com/.default",
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token for tenant ${tenant}: ${JSON.stringify(body)}`);
  return body.access_token;
}
