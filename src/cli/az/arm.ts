// ARM client of the az front-end: finds the running emulator, gets and caches a bearer token,
// sends JSON over HTTPS trusting the emulator's CA, and implements the ARM long-running
// operation and paging protocols the way azure-core does (Azure-AsyncOperation, Location,
// Retry-After, nextLink) — with polling capped, because the emulator answers in milliseconds.

import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { isAbsolute, join, resolve } from "node:path";
import type { Io } from "./io.js";
import { CliError } from "./io.js";
import { loadProfile, updateEndpoint } from "./profile.js";

export interface ArmTarget {
  endpoint: string;
  caFile?: string;
  tenantId?: string;
  subscriptionId?: string;
}

export const DEFAULT_CLIENT_ID = "aksnet-cli";
export const DEFAULT_CLIENT_SECRET = "aksnet";
/** What az asks for by default (the cloud's active_directory_resource_id + `/.default`). */
export const ARM_SCOPE = "https://management.azure.com/.default";

/** Where the emulator is: AKSNET_ENDPOINT, else `<data dir>/aksnet.json`. Throws a one-line CliError. */
export function resolveTarget(io: Io): ArmTarget {
  const env = io.env;
  if (env.AKSNET_ENDPOINT) {
    return {
      endpoint: env.AKSNET_ENDPOINT.replace(/\/+$/, ""),
      caFile: env.AKSNET_CA_FILE || undefined,
      tenantId: env.AKSNET_TENANT_ID || undefined,
      subscriptionId: env.AKSNET_SUBSCRIPTION_ID || undefined,
    };
  }
  const dataDir = resolve(io.cwd, env.AKSNET_DATA_DIR || ".aksnet");
  const file = join(dataDir, "aksnet.json");
  if (!existsSync(file)) {
    throw new CliError(
      `No running aksnet emulator found (no ${file}). Start one with 'aksnet start', or set AKSNET_ENDPOINT.`,
    );
  }
  let info: { armEndpoint?: string; caFile?: string; tenantId?: string; subscriptionId?: string };
  try {
    info = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new CliError(`Cannot read ${file}. Restart the emulator with 'aksnet start'.`);
  }
  if (!info.armEndpoint)
    throw new CliError(`${file} has no armEndpoint. Restart the emulator with 'aksnet start'.`);
  const caFile = info.caFile && !isAbsolute(info.caFile) ? resolve(dataDir, info.caFile) : info.caFile;
  return {
    endpoint: info.armEndpoint.replace(/\/+$/, ""),
    caFile,
    tenantId: info.tenantId,
    subscriptionId: info.subscriptionId,
  };
}

export interface ArmErrorBody {
  code: string;
  message: string;
  target?: string;
  details?: ArmErrorBody[];
}

/** An error answered by the server (or an LRO that ended Failed/Canceled). */
export class ArmHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: ArmErrorBody | undefined,
    fallback: string,
  ) {
    super(body ? `(${body.code}) ${body.message}` : fallback);
  }

  /** az exits 3 when the resource it was asked about does not exist. */
  get exitCode(): number {
    return this.status === 404 ? 3 : 1;
  }

  /** azure-core's ODataV4Format rendering, which az prints after `ERROR: `. */
  render(): string {
    const b = this.body;
    if (!b) return this.message;
    let s = `(${b.code}) ${b.message}\nCode: ${b.code}\nMessage: ${b.message}`;
    if (b.target) s += `\nTarget: ${b.target}`;
    if (b.details?.length) {
      s += "\nException Details:";
      for (const d of b.details) {
        s += `\t(${d.code}) ${d.message}\n\tCode: ${d.code}\n\tMessage: ${d.message}`;
        if (d.target) s += `\n\tTarget: ${d.target}`;
      }
    }
    return s;
  }
}

export interface ArmResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
  text: string;
}

export interface RequestOptions {
  apiVersion?: string;
  body?: unknown;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** Do not throw on status >= 400. */
  raw?: boolean;
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function parseErrorBody(body: unknown): ArmErrorBody | undefined {
  if (!isObject(body)) return undefined;
  const e = isObject(body.error) ? body.error : body;
  if (typeof e.code !== "string" && typeof e.message !== "string") return undefined;
  const details = Array.isArray(e.details)
    ? e.details.map(parseErrorBody).filter((d) => d !== undefined)
    : [];
  return {
    code: typeof e.code === "string" ? e.code : "Unknown",
    message: typeof e.message === "string" ? e.message : "",
    target: typeof e.target === "string" ? e.target : undefined,
    details: details.length ? details : undefined,
  };
}

const TERMINAL = new Set(["succeeded", "failed", "canceled", "cancelled"]);
const RETRIABLE = new Set([408, 429, 500, 502, 503, 504]);

export interface ArmClientOptions {
  debug?: (line: string) => void;
  /** Called while a long-running operation is polled (progress indicator). */
  onPoll?: () => void;
}

export class ArmClient {
  private agent: unknown;
  private tokenValue: string | undefined;

  constructor(
    readonly target: ArmTarget,
    private readonly io: Io,
    private readonly opts: ArmClientOptions = {},
  ) {}

  /**
   * Key of this emulator in the profile file. It includes the emulator's default subscription,
   * so a fresh emulator on the same port does not inherit a stale token or current subscription.
   */
  get profileKey(): string {
    return this.target.subscriptionId
      ? `${this.target.endpoint}#${this.target.subscriptionId}`
      : this.target.endpoint;
  }

  get tenantId(): string {
    return this.target.tenantId ?? loadProfile(this.io).endpoints[this.profileKey]?.tenantId ?? "common";
  }

  private pollCapMs(): number {
    const v = Number(this.io.env.AKSNET_POLL_MAX_MS);
    return Number.isFinite(v) && v >= 0 ? v : 300;
  }

  private async transport(): Promise<{
    request: typeof import("node:https").request;
    agent: unknown;
  }> {
    const url = new URL(this.target.endpoint);
    if (url.protocol === "http:") {
      const http = await import("node:http");
      return { request: http.request as typeof import("node:https").request, agent: undefined };
    }
    const https = await import("node:https");
    if (!this.agent) {
      let ca: Buffer | undefined;
      if (this.target.caFile) {
        try {
          ca = readFileSync(this.target.caFile);
        } catch {
          throw new CliError(`Cannot read the emulator CA certificate ${this.target.caFile}.`);
        }
      }
      // Trust exactly the emulator's CA (plus the system store when none is given); never skip verification.
      this.agent = new https.Agent({ ca, keepAlive: true });
    }
    return { request: https.request, agent: this.agent };
  }

  /** Rebases absolute URLs from the server (nextLink, polling URLs) onto the endpoint we talk to. */
  private absolute(pathOrUrl: string): URL {
    const base = new URL(this.target.endpoint);
    if (/^https?:\/\//i.test(pathOrUrl)) {
      const u = new URL(pathOrUrl);
      u.protocol = base.protocol;
      u.host = base.host;
      return u;
    }
    const basePath = base.pathname.replace(/\/+$/, "");
    return new URL(`${base.origin}${basePath}${pathOrUrl.startsWith("/") ? "" : "/"}${pathOrUrl}`);
  }

  private async send(
    method: string,
    url: URL,
    body: string | undefined,
    headers: Record<string, string>,
  ): Promise<ArmResponse> {
    const { request, agent } = await this.transport();
    this.opts.debug?.(`Request URL: '${url.toString()}'\nRequest method: '${method}'`);
    return new Promise<ArmResponse>((resolveP, reject) => {
      const req = request(
        url,
        {
          method,
          agent: agent as import("node:https").Agent | undefined,
          headers: {
            ...headers,
            ...(body !== undefined ? { "content-length": Buffer.byteLength(body) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown;
            if (text.trim()) {
              try {
                parsed = JSON.parse(text);
              } catch {
                parsed = undefined;
              }
            }
            this.opts.debug?.(`Response status: ${res.statusCode}`);
            resolveP({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, text });
          });
          res.on("error", reject);
        },
      );
      req.on("error", (err: NodeJS.ErrnoException) => {
        const code = err.code ?? err.message;
        if (
          code === "ECONNREFUSED" ||
          code === "ECONNRESET" ||
          code === "ENOTFOUND" ||
          code === "EHOSTUNREACH"
        ) {
          reject(
            new CliError(
              `Cannot reach the aksnet emulator at ${this.target.endpoint} (${code}). Start it with 'aksnet start'.`,
            ),
          );
        } else {
          reject(new CliError(`Request to ${url.origin} failed: ${err.message}`));
        }
      });
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** Fetches (or reuses) the bearer token; `az login` forces a fresh one. */
  async token(force = false): Promise<string> {
    if (this.tokenValue && !force) return this.tokenValue;
    const key = this.profileKey;
    const saved = loadProfile(this.io).endpoints[key] ?? {};
    if (!force && saved.token && saved.token.expiresOn > Date.now() + 60_000) {
      this.tokenValue = saved.token.accessToken;
      return this.tokenValue;
    }
    const got = await this.fetchToken(ARM_SCOPE);
    this.tokenValue = got.accessToken;
    updateEndpoint(this.io, key, (p) => {
      p.token = got;
      p.tenantId ??= this.target.tenantId;
    });
    return this.tokenValue;
  }

  /** The token as saved (ARM's audience) or, for another scope, a fresh one (not saved). */
  async tokenFor(scope: string): Promise<{ accessToken: string; expiresOn: number }> {
    if (scope === ARM_SCOPE) {
      await this.token();
      const t = loadProfile(this.io).endpoints[this.profileKey]?.token;
      if (t) return t;
    }
    return this.fetchToken(scope);
  }

  private async fetchToken(scope: string): Promise<{ accessToken: string; expiresOn: number }> {
    const saved = loadProfile(this.io).endpoints[this.profileKey] ?? {};
    const tenant = this.target.tenantId ?? saved.tenantId ?? "common";
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      // Without `az login`, the usual CI variables, else a built-in principal the emulator accepts by default.
      client_id: saved.clientId ?? this.io.env.AZURE_CLIENT_ID ?? DEFAULT_CLIENT_ID,
      client_secret: saved.clientSecret ?? this.io.env.AZURE_CLIENT_SECRET ?? DEFAULT_CLIENT_SECRET,
      scope,
    }).toString();
    const res = await this.send(
      "POST",
      this.absolute(`/${encodeURIComponent(tenant)}/oauth2/v2.0/token`),
      form,
      {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
    );
    const b = res.body as { access_token?: string; expires_in?: number | string; error_description?: string };
    if (res.status >= 400 || !b?.access_token) {
      const err = parseErrorBody(res.body);
      const why = b?.error_description ?? err?.message ?? `status ${res.status}`;
      throw new CliError(
        `Authentication with the aksnet emulator failed: ${why} ` +
          "Run 'az login --service-principal -u <app-id> -p <secret> --tenant <tenant>'.",
      );
    }
    const expiresIn = Number(b.expires_in ?? 3600);
    return { accessToken: b.access_token, expiresOn: Date.now() + expiresIn * 1000 };
  }

  async request(method: string, pathOrUrl: string, opts: RequestOptions = {}): Promise<ArmResponse> {
    const url = this.absolute(pathOrUrl);
    if (opts.apiVersion && !url.searchParams.has("api-version"))
      url.searchParams.set("api-version", opts.apiVersion);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers = (token: string): Record<string, string> => ({
      authorization: `Bearer ${token}`,
      accept: "application/json",
      "user-agent": "AZURECLI/2.45.0 (aksnet)",
      "x-ms-client-request-id": randomUUID(),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...opts.headers,
    });
    let res = await this.send(method, url, body, headers(await this.token()));
    if (res.status === 401) {
      // The emulator may have restarted with fresh state: retry once with a new token.
      res = await this.send(method, url, body, headers(await this.token(true)));
    }
    // azure-core's retry policy: throttling and transient server errors, up to 3 more tries.
    for (let attempt = 0; attempt < 3 && RETRIABLE.has(res.status); attempt++) {
      await this.sleep(res);
      res = await this.send(method, url, body, headers(await this.token()));
    }
    if (res.status >= 400 && !opts.raw) throw this.errorFrom(res);
    return res;
  }

  errorFrom(res: ArmResponse): ArmHttpError {
    const { STATUS_CODES } = httpStatus;
    return new ArmHttpError(
      res.status,
      parseErrorBody(res.body),
      `Operation returned an invalid status '${STATUS_CODES[res.status] ?? res.status}'`,
    );
  }

  async get(path: string, apiVersion: string, query?: Record<string, string>): Promise<JsonObject> {
    return (await this.request("GET", path, { apiVersion, query })).body as JsonObject;
  }

  /** GET, or undefined on 404. */
  async tryGet(path: string, apiVersion: string): Promise<JsonObject | undefined> {
    const res = await this.request("GET", path, { apiVersion, raw: true });
    if (res.status === 404) return undefined;
    if (res.status >= 400) throw this.errorFrom(res);
    return res.body as JsonObject;
  }

  /** All items of a pageable list, following nextLink. */
  async list(path: string, apiVersion: string, query?: Record<string, string>): Promise<JsonObject[]> {
    const out: JsonObject[] = [];
    let res = await this.request("GET", path, { apiVersion, query });
    for (let page = 0; page < 10_000; page++) {
      const b = res.body as { value?: JsonObject[]; nextLink?: string | null } | undefined;
      if (Array.isArray(b?.value)) out.push(...b.value);
      if (!b?.nextLink) break;
      res = await this.request("GET", b.nextLink);
    }
    return out;
  }

  private async sleep(res: ArmResponse): Promise<void> {
    const ra = Number(res.headers["retry-after"]);
    const wanted = Number.isFinite(ra) && ra >= 0 ? ra * 1000 : 100;
    this.opts.onPoll?.();
    await new Promise((r) => setTimeout(r, Math.min(wanted, this.pollCapMs())));
  }

  /**
   * Sends a long-running operation and waits for it unless `noWait`. Returns the final
   * resource (PUT/PATCH: a GET of `path`; POST: the result body) or undefined (DELETE, --no-wait).
   */
  async lro(
    method: "PUT" | "PATCH" | "POST" | "DELETE",
    path: string,
    apiVersion: string,
    body?: unknown,
    opts: { noWait?: boolean } = {},
  ): Promise<JsonObject | undefined> {
    const first = await this.request(method, path, { apiVersion, body });
    if (opts.noWait) return undefined;
    const asyncUrl = header(first, "azure-asyncoperation");
    const location = header(first, "location");
    let result: ArmResponse | undefined;
    if (asyncUrl) {
      let res = first;
      for (;;) {
        const op = await this.request("GET", asyncUrl);
        const status = String((op.body as JsonObject | undefined)?.status ?? "Succeeded");
        if (TERMINAL.has(status.toLowerCase())) {
          if (status.toLowerCase() !== "succeeded") throw this.lroFailure(op.body, status);
          break;
        }
        res = op;
        await this.sleep(res);
      }
      if (method === "POST" && location) result = await this.pollLocation(location, first);
    } else if (location && first.status === 202) {
      result = await this.pollLocation(location, first);
    } else if (method === "PUT" || method === "PATCH") {
      let res = first;
      while (isObject(res.body) && !TERMINAL.has(provisioningState(res.body).toLowerCase())) {
        await this.sleep(res);
        res = await this.request("GET", path, { apiVersion });
      }
      if (provisioningState(res.body).toLowerCase() === "failed") throw this.lroFailure(res.body, "Failed");
      return res.body as JsonObject;
    } else {
      result = first;
    }
    if (method === "DELETE") return undefined;
    if (method === "PUT" || method === "PATCH") return this.get(path, apiVersion);
    return result?.body as JsonObject | undefined;
  }

  private async pollLocation(location: string, first: ArmResponse): Promise<ArmResponse> {
    let res = first;
    for (;;) {
      await this.sleep(res);
      res = await this.request("GET", location, { raw: true });
      if (res.status >= 400) throw this.errorFrom(res);
      if (res.status !== 202) return res;
    }
  }

  private lroFailure(body: unknown, status: string): ArmHttpError {
    const b = isObject(body) ? body : {};
    const props = isObject(b.properties) ? b.properties : {};
    const err = parseErrorBody(b.error ?? props.error ?? b);
    return new ArmHttpError(
      500,
      err ?? { code: status, message: `The operation ended with status '${status}'.` },
      `Operation ended with status '${status}'`,
    );
  }
}

function header(res: ArmResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function provisioningState(body: unknown): string {
  if (!isObject(body)) return "Succeeded";
  const props = isObject(body.properties) ? body.properties : body;
  return typeof props.provisioningState === "string" ? props.provisioningState : "Succeeded";
}

// node:http's STATUS_CODES without importing node:http eagerly.
const httpStatus = {
  STATUS_CODES: {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    412: "Precondition Failed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
  } as Record<number, string>,
};
