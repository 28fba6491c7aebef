// Issue 8 item 13 (defect: nothing was logged): one line per request with method, path,
// status, duration, request id and error code; levels and formats; a 5xx logs its stack
// server-side only; no token or secret ever reaches the log.
import { spawn } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger, loggablePath } from "../../src/server/logging.js";
import { seedTestCa, startTestEmulator, type TestEmulator, tempDir } from "../helpers/emulator.js";

let emu: TestEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const ID = "5d7a8c33-1f2e-4b6a-9c0d-2e3f4a5b6c7d";

describe("request log", () => {
  it("logs every request as one aligned text line at info, with error codes and no secrets", async () => {
    const lines: string[] = [];
    emu = await startTestEmulator({ logLevel: "info" }, (l) => lines.push(l));
    const secret = "very-secret-value-123";
    const tokenRes = await fetch(`${emu.url}/${emu.tenantId}/oauth2/v2.0/token?client_secret=${secret}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `grant_type=client_credentials&client_id=log-app&client_secret=${secret}`,
    });
    const accessToken = ((await tokenRes.json()) as { access_token: string }).access_token;
    const sub = `/subscriptions/${emu.subscriptionId}`;
    await emu.arm(
      "PUT",
      `${sub}/resourcegroups/logs?api-version=2021-04-01`,
      { location: "eastus" },
      {
        "x-ms-client-request-id": ID,
      },
    );
    await emu.arm("GET", `${sub}/resourcegroups/missing?api-version=2021-04-01`);
    await fetch(`${emu.url}/_aksnet/health`);

    const text = lines.join("");
    expect(text).not.toContain(secret);
    expect(text).not.toContain(accessToken);
    expect(text).not.toMatch(/Bearer|authorization/i);
    const req = lines.filter((l) => / (PUT|GET|POST) /.test(l));
    const line = (needle: string) => {
      const found = req.find((l) => l.includes(needle));
      expect(found, needle).toBeDefined();
      return found as string;
    };
    expect(line("/oauth2/v2.0/token")).toMatch(
      /^\S+Z INFO {2}POST +200 +\d+\.\dms {2}[0-9a-f-]{36} {2}\/[0-9a-f-]+\/oauth2\/v2\.0\/token\?client_secret=\*\*\*\n$/,
    );
    expect(line("/resourcegroups/logs")).toMatch(
      new RegExp(
        `^\\S+Z INFO {2}PUT +201 +\\d+\\.\\dms {2}${ID} {2}${sub}/resourcegroups/logs\\?api-version=2021-04-01\\n$`,
      ),
    );
    expect(line("/resourcegroups/missing")).toMatch(
      /^\S+Z WARN {2}GET +404 .*\/resourcegroups\/missing\S* {2}ResourceGroupNotFound\n$/,
    );
    // Health polls are debug noise.
    expect(text).not.toContain("/_aksnet/health");
    // Columns line up: the path starts at the same offset on every request line.
    const offsets = new Set(req.map((l) => l.indexOf(" /")));
    expect(offsets.size).toBe(1);
  });

  it("writes JSON lines with --log-format json and filters by level", async () => {
    const lines: string[] = [];
    emu = await startTestEmulator({ logLevel: "warn", logFormat: "json" }, (l) => lines.push(l));
    const sub = `/subscriptions/${emu.subscriptionId}`;
    await emu.arm("PUT", `${sub}/resourcegroups/json?api-version=2021-04-01`, { location: "eastus" });
    await emu.arm("PUT", `${sub}/resourcegroups/json?api-version=2021-04-01`, '{"location":', {
      "x-ms-client-request-id": ID,
    });
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    // The 201 is info, below warn: only the refusal is there.
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      level: "warn",
      msg: "request",
      method: "PUT",
      path: `${sub}/resourcegroups/json?api-version=2021-04-01`,
      status: 400,
      requestId: ID,
      errorCode: "InvalidRequestContent",
    });
    expect(typeof entries[0].durationMs).toBe("number");
  });

  it("logs a 5xx with its stack on the server while the client sees only the request id", async () => {
    const lines: string[] = [];
    emu = await startTestEmulator({ logLevel: "error" }, (l) => lines.push(l));
    const token = await emu.token();
    await emu.store.close(); // every store access now throws: an internal failure
    const res = await fetch(
      `${emu.url}/subscriptions/${emu.subscriptionId}/resourcegroups/x?api-version=2021-04-01`,
      { headers: { authorization: `Bearer ${token}`, "x-ms-client-request-id": ID } },
    );
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(JSON.parse(body).error.code).toBe("InternalServerError");
    expect(body).toContain(ID);
    expect(body).not.toMatch(/\n\s+at |Error:/);
    const text = lines.join("");
    expect(text).toContain(`request ${ID} GET /subscriptions/${emu.subscriptionId}/resourcegroups/x failed`);
    expect(text).toMatch(/\n {4}\S*Error: .*\n {4}\s+at /);
    expect(text).toMatch(/ERROR GET +500 .*InternalServerError/);
    emu = undefined; // the store is closed already
  });
});

describe("logger and flags", () => {
  it("redacts secret-looking query values", () => {
    expect(loggablePath("/a?api-version=1&code=abc&client_secret=s&sig=x&token=t&$filter=x")).toBe(
      "/a?api-version=1&code=***&client_secret=***&sig=***&token=***&$filter=x",
    );
  });

  it("debug shows what info hides", () => {
    const out: string[] = [];
    const log = createLogger({ level: "debug", format: "text", write: (l) => out.push(l) });
    log.request({ method: "GET", path: "/_aksnet/health", status: 200, durationMs: 1.23, requestId: ID });
    expect(out[0]).toMatch(/ DEBUG GET +200 +1\.2ms/);
  });

  it("aksnet start takes --log-level/--log-format and AKSNET_LOG_*, and refuses unknown values", async () => {
    const bin = path.resolve("bin/aksnet.js");
    const run = (args: string[], env: Record<string, string> = {}) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const p = spawn(process.execPath, [bin, "start", "--in-memory", "--port", "0", "--quiet", ...args], {
          env: { ...process.env, ...env },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        p.stderr.on("data", (c) => {
          stderr += c;
        });
        p.stdout.on("data", async (c) => {
          const url = String(c).trim();
          await fetch(`${url}/metadata/endpoints?api-version=2015-01-01`).catch(() => undefined);
          setTimeout(() => p.kill("SIGTERM"), 100);
        });
        p.on("exit", (code) => resolve({ code, stderr }));
      });
    const dir = tempDir();
    seedTestCa(dir);
    const bad = await run(["--data-dir", dir, "--log-level", "loud"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("log level must be one of error|warn|info|debug (got 'loud')");
    const json = await run(["--data-dir", dir], { AKSNET_LOG_FORMAT: "json" });
    const entry = JSON.parse(json.stderr.trim().split("\n")[0]) as { path: string; status: number };
    expect(entry).toMatchObject({ path: "/metadata/endpoints?api-version=2015-01-01", status: 200 });
    const quiet = await run(["--data-dir", dir, "--log-level", "warn"]);
    expect(quiet.stderr).toBe("");
  });
});
