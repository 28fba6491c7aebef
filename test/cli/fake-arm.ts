// A scripted in-process ARM stub (plain HTTP) for testing what `aksnet az` sends and how it
// follows the protocol; plus an in-process runner of `main` with captured output.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { main } from "../../src/cli/az/index.js";
import type { Io } from "../../src/cli/az/io.js";

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: http.IncomingHttpHeaders;
}

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: Recorded, base: string) => Reply | undefined;

export interface FakeArm {
  url: string;
  requests: Recorded[];
  /** Requests other than the token call. */
  calls(): Recorded[];
  on(handler: Handler): void;
  close(): Promise<void>;
}

export const SUB = "12345678-1234-1234-1234-123456789012";
export const TENANT = "87654321-4321-4321-4321-210987654321";

export async function startFakeArm(): Promise<FakeArm> {
  const requests: Recorded[] = [];
  const handlers: Handler[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const text = Buffer.concat(chunks).toString();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // form bodies stay text
      }
      const rec: Recorded = {
        method: req.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        body,
        headers: req.headers,
      };
      requests.push(rec);
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      let reply: Reply | undefined;
      if (rec.path.endsWith("/oauth2/v2.0/token")) {
        reply = { body: { access_token: "tok-1", token_type: "Bearer", expires_in: 3600 } };
      }
      for (const h of [...handlers].reverse()) {
        if (reply) break;
        reply = h(rec, base);
      }
      reply ??= {
        status: 404,
        body: { error: { code: "NotFound", message: `No route for ${rec.method} ${rec.path}` } },
      };
      res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
      res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    calls: () => requests.filter((r) => !r.path.endsWith("/oauth2/v2.0/token")),
    on: (h) => handlers.push(h),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

let scratchRoot: string | undefined;

/** A fresh HOME under one per-file directory, removed after the file's tests. */
export function scratchHome(): string {
  if (!scratchRoot) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "aksnet-az-test-"));
    scratchRoot = root;
  }
  return fs.mkdtempSync(path.join(scratchRoot, "home-"));
}

// Registered while the importing test file is collected, so it runs after that file's tests.
afterAll(() => {
  if (scratchRoot) fs.rmSync(scratchRoot, { recursive: true, force: true });
  scratchRoot = undefined;
});

/** Runs `aksnet az <args>` in-process against `endpoint` with a scratch HOME. */
export async function runAz(
  args: string[],
  opts: {
    endpoint?: string;
    home?: string;
    env?: Record<string, string>;
    tty?: boolean;
    answer?: string;
  } = {},
): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  const home = opts.home ?? scratchHome();
  const io: Io = {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    env: {
      AKSNET_AZ_CONFIG_DIR: path.join(home, ".aksnet", "az"),
      AKSNET_POLL_MAX_MS: "5",
      ...(opts.endpoint
        ? { AKSNET_ENDPOINT: opts.endpoint, AKSNET_TENANT_ID: TENANT, AKSNET_SUBSCRIPTION_ID: SUB }
        : { AKSNET_DATA_DIR: path.join(home, "no-emulator") }),
      ...opts.env,
    },
    cwd: home,
    home,
    stdoutIsTTY: Boolean(opts.tty),
    stderrIsTTY: Boolean(opts.tty),
    readLine: opts.answer !== undefined ? async () => opts.answer as string : undefined,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}
