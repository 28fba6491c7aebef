// Sign-in face: a small token issuer that `az login --service-principal` (ADFS-style
// authority, which MSAL does not instance-discover) and the SDK credentials can use, and
// the bearer-token check every ARM and Kubernetes request goes through. Tokens are JWTs
// signed with a key kept in the data dir, so they survive restarts.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { jwtVerify, SignJWT } from "jose";
import {
  authenticationFailed,
  expiredAuthenticationToken,
  invalidAuthenticationToken,
  invalidTokenAudience,
} from "../providers/errors.js";

export interface TokenClaims {
  tid: string;
  appid: string;
  oid: string;
  /** The resource the token was issued for (`aud`). */
  aud?: string;
}

export type VerifyResult =
  | { ok: true; claims: TokenClaims }
  | { ok: false; reason: string; expiredAt?: Date };

export class TokenService {
  /** Verified tokens until they expire: signature checks dominated request cost without it. */
  private readonly verified = new Map<string, { claims: TokenClaims; exp: number }>();

  private constructor(private readonly key: Uint8Array) {}

  /** Signing key from <dir>/token.key (created on first use); in-memory runs get a fresh one. */
  static open(dir: string | undefined): TokenService {
    if (!dir) return new TokenService(randomBytes(32));
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "token.key");
    if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600 });
    return new TokenService(Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64"));
  }

  async issue(claims: TokenClaims, audience: string, lifetimeSeconds = 3600): Promise<string> {
    return new SignJWT({ tid: claims.tid, appid: claims.appid, oid: claims.oid })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(`https://sts.windows.net/${claims.tid}/`)
      .setAudience(audience)
      .setSubject(claims.oid)
      .setIssuedAt()
      .setNotBefore("-5m")
      .setExpirationTime(Math.floor(Date.now() / 1000) + lifetimeSeconds)
      .sign(this.key);
  }

  /** The claims of a valid token, or a reason it is not valid. */
  async verify(token: string): Promise<VerifyResult> {
    const hit = this.verified.get(token);
    if (hit) {
      if (hit.exp * 1000 > Date.now()) return { ok: true, claims: hit.claims };
      this.verified.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ["HS256"] });
      if (typeof payload.tid !== "string") return { ok: false, reason: "The token has no tenant claim." };
      const claims: TokenClaims = {
        tid: payload.tid,
        appid: String(payload.appid ?? ""),
        oid: String(payload.oid ?? payload.sub ?? ""),
        aud: typeof payload.aud === "string" ? payload.aud : undefined,
      };
      if (this.verified.size > 10_000) this.verified.clear();
      this.verified.set(token, { claims, exp: payload.exp ?? 0 });
      return { ok: true, claims };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "ERR_JWT_EXPIRED") {
        const exp = (err as { payload?: { exp?: unknown } }).payload?.exp;
        return {
          ok: false,
          reason: "The access token expiry UTC time is earlier than current UTC time.",
          expiredAt: new Date(typeof exp === "number" ? exp * 1000 : 0),
        };
      }
      return { ok: false, reason: "The access token is invalid (it was not issued by this emulator)." };
    }
  }
}

/** Extracts the bearer token from an Authorization header. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return m ? m[1].trim() : undefined;
}

/** The audiences public ARM accepts, exactly as its refusal lists them. */
export const ARM_AUDIENCES = [
  "https://management.core.windows.net/",
  "https://management.core.windows.net",
  "https://management.azure.com/",
  "https://management.azure.com",
] as const;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "0.0.0.0", "[::]"]);

/**
 * Every audience ARM on this emulator accepts: public ARM's, and the emulator's own endpoint
 * (what az asks for with a registered cloud, `<endpoint>//.default`, and @azure/identity with
 * `<endpoint>/.default`) under each loopback name its certificate covers, with and without
 * the trailing slash.
 */
export function armAudiences(ownBaseUrl: string): string[] {
  const out: string[] = [...ARM_AUDIENCES];
  let own: URL;
  try {
    own = new URL(ownBaseUrl);
  } catch {
    return out;
  }
  const hosts = new Set([own.hostname]);
  if (LOOPBACK.has(own.hostname)) for (const h of ["127.0.0.1", "localhost", "[::1]"]) hosts.add(h);
  for (const h of hosts) {
    const origin = `${own.protocol}//${h}${own.port ? `:${own.port}` : ""}`;
    out.push(`${origin}/`, origin);
  }
  return out;
}

/**
 * The claims of the bearer token on an ARM request, or ARM's 401: missing header, a token not
 * ours, expired, or issued for another resource (a Graph token must not manage resources).
 */
export async function authenticateArm(
  tokens: TokenService,
  header: string | undefined,
  ownBaseUrl: string,
): Promise<TokenClaims> {
  if (!header) throw authenticationFailed("The 'Authorization' header is missing.");
  const token = bearerToken(header);
  if (!token) throw authenticationFailed("The 'Authorization' header is provided in an invalid format.");
  const result = await tokens.verify(token);
  if (!result.ok) {
    if (result.expiredAt) throw expiredAuthenticationToken(result.expiredAt, new Date());
    throw invalidAuthenticationToken();
  }
  const aud = result.claims.aud ?? "";
  const allowed = armAudiences(ownBaseUrl);
  if (!allowed.some((a) => a.toLowerCase() === aud.toLowerCase()))
    throw invalidTokenAudience(aud, ARM_AUDIENCES);
  return result.claims;
}
