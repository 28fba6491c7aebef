// Starts a real emulator (HTTPS, real store) on a free port for one test file, and gives
// the official SDKs a credential that signs in against it like any Azure credential.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { type ArmContext, backgroundContext } from "../../src/providers/context.js";
import { type RunningEmulator, startEmulator } from "../../src/server/app.js";
import { resolveOptions, type ServerOptions } from "../../src/server/config.js";
import { pgUrl } from "./stores.js";

export interface TestEmulator extends RunningEmulator {
  dataDir: string;
  credential: TokenCredential;
  /** Options for SDK clients: `{ endpoint }`. */
  clientOptions: { endpoint: string };
  /** Fetches a token for `tenant` (default: the emulator's tenant). */
  token(tenant?: string): Promise<string>;
  /** Raw ARM call with a valid token; returns status, headers and parsed body. */
  arm(
    method: string,
    pathAndQuery: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<RawResponse>;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

/** Copies the shared test CA into a data dir so the emulator's certificate chains to it. */
export function seedTestCa(dataDir: string): void {
  const caDir = process.env.AKSNET_TEST_CA_DIR;
  if (!caDir) throw new Error("AKSNET_TEST_CA_DIR is not set: run tests through vitest.config.ts");
  fs.mkdirSync(path.join(dataDir, "tls"), { recursive: true });
  for (const f of ["ca.pem", "ca-key.pem"])
    fs.copyFileSync(path.join(caDir, f), path.join(dataDir, "tls", f));
}

export function tempDir(prefix = "aksnet-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** `write` receives the emulator's log lines; by default only errors reach stderr. */
export async function startTestEmulator(
  overrides: Partial<ServerOptions> = {},
  write?: (line: string) => void,
): Promise<TestEmulator> {
  const dataDir = overrides.dataDir ?? tempDir();
  seedTestCa(dataDir);
  // AKSNET_TEST_STORE=postgres runs the end-to-end tests on PostgreSQL (a fresh schema each).
  const store = overrides.store ?? (process.env.AKSNET_TEST_STORE === "postgres" ? pgUrl() : undefined);
  const opts = resolveOptions({
    port: 0,
    inMemory: true,
    quiet: true,
    // AKSNET_TEST_LOG=1 prints the emulator's whole log (background work, controllers) while debugging.
    logLevel: process.env.AKSNET_TEST_LOG ? "debug" : "error",
    ...overrides,
    dataDir,
    store,
  });
  const emu = await startEmulator(opts, write);
  const tokens = new Map<string, AccessToken>();
  const token = async (tenant = emu.tenantId) => {
    const cached = tokens.get(tenant);
    if (cached && cached.expiresOnTimestamp > Date.now() + 60_000) return cached.token;
    const res = await fetch(`${emu.url}/${tenant}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: "test-app",
        client_secret: "test-secret",
        scope: "https://management.azure.com/.default",
      }),
    });
    const body = (await res.json()) as { access_token: string; expires_in: number };
    if (!res.ok) throw new Error(`token request failed: ${JSON.stringify(body)}`);
    tokens.set(tenant, { token: body.access_token, expiresOnTimestamp: Date.now() + body.expires_in * 1000 });
    return body.access_token;
  };
  const credential: TokenCredential = {
    async getToken() {
      const t = await token();
      return { token: t, expiresOnTimestamp: Date.now() + 3_000_000 };
    },
  };
  const arm = async (
    method: string,
    pathAndQuery: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${emu.url}${pathAndQuery}`, {
      method,
      headers: {
        authorization: `Bearer ${await token()}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  return { ...emu, dataDir, credential, clientOptions: { endpoint: emu.url }, token, arm };
}

/** Runs `fn` in one store transaction with a background ARM context of the emulator's subscription. */
export function inArmTransaction<T>(emu: RunningEmulator, fn: (ctx: ArmContext) => Promise<T>): Promise<T> {
  return emu.store.transaction((tx) =>
    fn(backgroundContext(tx, emu.settings, emu.services, emu.subscriptionId)),
  );
}
