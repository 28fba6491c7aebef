// A body far over the limit (10–50 MB) must come back as the face's 413, read by the client —
// not a connection reset while the client is still sending (EPIPE / ECONNRESET). The emulator
// runs as its own process: in-process, client and server take turns on one event loop and the
// race does not show.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedTestCa, tempDir } from "../helpers/emulator.js";

let proc: ChildProcess;
let url: string;
let ca: Buffer;
let info: { tenantId: string; subscriptionId: string };
beforeAll(async () => {
  const dir = tempDir("aksnet-big-");
  seedTestCa(dir);
  proc = spawn(
    process.execPath,
    [path.resolve("bin/aksnet.js"), "start", "--port", "0", "--data-dir", dir, "--quiet"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout?.on("data", (c) => {
      out += c;
      if (out.includes("\n")) resolve(out.split("\n")[0].trim());
    });
    proc.on("exit", (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  info = JSON.parse(fs.readFileSync(path.join(dir, "aksnet.json"), "utf8"));
  ca = fs.readFileSync(path.join(dir, "tls", "ca.pem"));
});
afterAll(() => {
  proc?.kill("SIGKILL");
});

function send(
  method: string,
  target: string,
  headers: Record<string, string>,
  body: string | Buffer,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const r = https.request(target, { method, agent: false, ca, headers }, (res) => {
      let s = "";
      res.on("data", (d) => {
        s += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: s }));
    });
    r.on("error", (e) => resolve({ status: -1, body: String(e) }));
    r.end(body);
  });
}

describe("oversized bodies (defect: the client got EPIPE instead of the 413)", () => {
  it("the ARM face answers each 10–50 MB PUT with a readable RequestContentTooLarge", async () => {
    const tok = await send(
      "POST",
      `${url}/${info.tenantId}/oauth2/v2.0/token`,
      { "content-type": "application/x-www-form-urlencoded" },
      "grant_type=client_credentials&client_id=a&client_secret=b&scope=https://management.azure.com/.default",
    );
    const headers = {
      authorization: `Bearer ${(JSON.parse(tok.body) as { access_token: string }).access_token}`,
      "content-type": "application/json",
    };
    const rg = `${url}/subscriptions/${info.subscriptionId}/resourcegroups/big?api-version=2021-04-01`;
    for (const mb of [10, 20, 50, 10]) {
      const body = Buffer.from(`{"location":"eastus","tags":{"a":"${"x".repeat(mb * 1024 * 1024)}"}}`);
      const res = await send("PUT", rg, headers, body);
      expect(res.status, `${mb} MB: ${res.body}`).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: "RequestContentTooLarge" } });
    }
    expect((await send("GET", rg, headers, "")).status).toBe(404);
  }, 60_000);
});
