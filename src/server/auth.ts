// Sign-in face: a small token issuer that `az login --service-principal` (ADFS-style
// authority, which MSAL does not instance-discover) and the SDK credentials can use, and
// the bearer-token check every ARM and Kubernetes request goes through. Tokens are JWTs
// signed with a key kept in the data dir, so they survive restarts.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { jwtVerify, SignJWT } from "jose";
import type { Store } from "../store/types.js";

export interface TokenClaims {
  tid: string;
  appid: string;
  oid: string;
}

export class TokenService {
  /** Verified tokens until they expire: signature checks dominated request cost without it. */
  private readonly verified = new Map<string, { claims: TokenClaims; exp: number }>();

  private constructor(private readonly key: Uint8Array) {}

  /** Signing key from <dir>/token.key (created on first use); in-memory runs get a fresh one. */
  static open(dir: string | undefined): TokenService {
    return new TokenService(TokenService.fileKey(dir));
  }

  /** The key bytes open() would use (read or created in <dir>/token.key, or fresh). */
  static fileKey(dir: string | undefined): Buffer {
    if (!dir) return randomBytes(32);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "token.key");
    if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600 });
    return Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
  }

  /**
   * The key shared by every process on one store (meta `install.tokenKey`): the first
   * process's `candidate` wins, so tokens from any of them verify in all.
   */
  static async fromStore(store: Store, candidate: Buffer): Promise<TokenService> {
    const b64 = await store.transaction((tx) =>
      tx.initMeta("install.tokenKey", candidate.toString("base64")),
    );
    return new TokenService(Buffer.from(b64, "base64"));
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
  async verify(token: string): Promise<{ ok: true; claims: TokenClaims } | { ok: false; reason: string }> {
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
      };
      if (this.verified.size > 10_000) this.verified.clear();
      this.verified.set(token, { claims, exp: payload.exp ?? 0 });
      return { ok: true, claims };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "ERR_JWT_EXPIRED")
        return { ok: false, reason: "The access token expiry UTC time is earlier than current UTC time." };
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
