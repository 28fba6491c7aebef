// Shared benchmark helpers: start the built emulator, sign in, drive HTTPS load with one
// keep-alive client, and print aligned tables. Figures are ratios against a baseline
// measured in the same run, because these machines are shared and noisy.
import { spawn } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

export function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), "aksnet-bench-"));
}

/** Starts `aksnet start` as a child process; resolves when it prints its endpoint. */
export function startEmulator(dataDir, extra = [], env = {}) {
  const t0 = performance.now();
  const proc = spawn(
    process.execPath,
    [path.join(root, "bin/aksnet.js"), "start", "--port", "0", "--data-dir", dataDir, "--quiet", ...extra],
    {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, ...env },
    },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    proc.stdout.on("data", (c) => {
      out += c;
      if (out.includes("\n")) {
        const info = JSON.parse(fs.readFileSync(path.join(dataDir, "aksnet.json"), "utf8"));
        resolve({
          proc,
          url: out.split("\n")[0].trim(),
          info,
          startedMs: performance.now() - t0,
          ca: fs.readFileSync(info.caFile),
        });
      }
    });
    proc.on("exit", (c) => reject(new Error(`emulator exited ${c}`)));
  });
}

export function request(agent, method, url, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method, agent, headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) } },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) });
        });
      },
    );
    req.on("error", reject);
    if (body) req.write(typeof body === "string" ? body : JSON.stringify(body));
    req.end();
  });
}

export async function signIn(agent, url, tenantId) {
  const res = await request(agent, "POST", `${url}/${tenantId}/oauth2/v2.0/token`, {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials&client_id=bench&client_secret=bench&scope=https://management.azure.com/.default",
  });
  return res.json().access_token;
}

/** Requests per second over `seconds` with `concurrency` requests in flight. */
export async function throughput(fn, { seconds = 3, concurrency = 16 } = {}) {
  let count = 0;
  let failures = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const r = await fn();
        if (r.status >= 200 && r.status < 300) count++;
        else failures++;
      }
    }),
  );
  return { rps: count / seconds, failures };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function table(title, rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  console.log(`\n${title}`);
  rows.forEach((r, n) => {
    console.log(
      `  ${r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("   ")}`,
    );
    if (n === 0) console.log(`  ${widths.map((w) => "-".repeat(w)).join("   ")}`);
  });
}
