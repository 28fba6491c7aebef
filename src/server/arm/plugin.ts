// ARM face: the catch-all. Every path no other face claimed is an ARM request: it needs a
// bearer token, its body is JSON, and router.ts runs it in one store transaction.
import type { FastifyInstance } from "fastify";
import { authenticationFailed, invalidJson, unsupportedMediaType } from "../../providers/errors.js";
import { bearerToken, type TokenService } from "../auth.js";
import type { FaceDeps } from "../face.js";

export async function armPlugin(app: FastifyInstance, deps: FaceDeps): Promise<void> {
  const { tokens, arm, baseUrl } = deps;
  app.all("/*", async (req, reply) => {
    const url = new URL(req.url, "https://x");
    const claims = await authenticate(tokens, req.headers.authorization);
    let body: unknown;
    if (typeof req.body === "string" && req.body.trim().length > 0) {
      const ct = String(req.headers["content-type"] ?? "application/json");
      if (!/json/i.test(ct)) throw unsupportedMediaType(ct);
      try {
        body = JSON.parse(req.body);
      } catch (e) {
        throw invalidJson((e as Error).message);
      }
    }
    const res = await arm.handle({
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers as Record<string, string | undefined>,
      body,
      tenantId: claims.tid,
      baseUrl: baseUrl(req),
    });
    reply.code(res.status);
    for (const [k, v] of Object.entries(res.headers)) reply.header(k, v);
    if (res.body === undefined) return reply.send();
    return reply.type("application/json; charset=utf-8").send(JSON.stringify(res.body));
  });
}

async function authenticate(tokens: TokenService, header: string | undefined) {
  const token = bearerToken(header);
  if (!token) throw authenticationFailed("The 'Authorization' header is missing or is not a Bearer token.");
  const result = await tokens.verify(token);
  if (!result.ok) throw authenticationFailed(result.reason);
  return result.claims;
}
