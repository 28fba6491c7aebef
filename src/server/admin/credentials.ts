// Who may use the admin face (`/_aksnet/*` but health, and the page at `/`):
//   - the local CLI (`aksnet status|reset|trace`): a secret made at each start and written to
//     `<data-dir>/admin.token` (mode 0600) — whoever can read the data dir owns the emulator;
//   - a browser: a one-time login code (`/?login=…`, printed by `aksnet start` and `aksnet status`)
//     opens a session cookie (HttpOnly, SameSite=Strict, Secure over HTTPS);
//   - ARM callers: a valid ARM bearer token, which sees only its own tenant.
import { randomBytes, timingSafeEqual } from "node:crypto";
import path from "node:path";
import { writeFileAtomic } from "../files.js";

export const SESSION_COOKIE = "aksnet_session";
const LOGIN_CODE_TTL_MS = 24 * 3600_000;

export function adminTokenPath(dataDir: string): string {
  return path.join(dataDir, "admin.token");
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class AdminCredentials {
  readonly secret = randomBytes(32).toString("hex");
  private readonly loginCodes = new Map<string, number>();
  private readonly sessions = new Set<string>();

  constructor(dataDir: string) {
    writeFileAtomic(adminTokenPath(dataDir), `${this.secret}\n`, 0o600);
  }

  isAdminSecret(token: string | undefined): boolean {
    return token !== undefined && same(token, this.secret);
  }

  /** A fresh one-time code for `/?login=<code>`. */
  newLoginCode(): string {
    const code = randomBytes(24).toString("base64url");
    this.loginCodes.set(code, Date.now() + LOGIN_CODE_TTL_MS);
    return code;
  }

  /** Spends a login code; the session id it opens, or undefined when the code is unknown, used or old. */
  redeem(code: string): string | undefined {
    const until = this.loginCodes.get(code);
    this.loginCodes.delete(code);
    if (until === undefined || until < Date.now()) return undefined;
    const session = randomBytes(32).toString("base64url");
    this.sessions.add(session);
    return session;
  }

  isSession(id: string | undefined): boolean {
    return id !== undefined && this.sessions.has(id);
  }
}

/** The value of one cookie from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return undefined;
}
