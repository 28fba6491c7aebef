// ARM face: the catch-all. Every path no other face claimed is an ARM request: it needs a
// bearer token, its body is JSON, and router.ts runs it in one store transaction.
import type { FastifyInstance } from "fastify";
import { authenticateArm } from "../auth.js";
import { parseJsonBody } from "../body.js";
import type { FaceDeps } from "../face.js";

export async function armPlugin(app: FastifyInstance, deps: FaceDeps): Promise<void> {
  const { tokens, arm, baseUrl, settings } = deps;
  app.all("/*", async (req, reply) => {
    const url = new URL(req.url, "https://x");
    const claims = await authenticateArm(tokens, req.headers.authorization, settings.publicBaseUrl);
    const body = parseJsonBody(req.body, req.headers["content-type"]);
    const res = await arm.handle({
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers as Record<string, string | undefined>,
      body,
      tenantId: claims.tid,
      baseUrl: baseUrl(),
    });
    reply.code(res.status);
    for (const [k, v] of Object.entries(res.headers)) reply.header(k, v);
    if (res.body === undefined) return reply.send();
    return reply.type("application/json; charset=utf-8").send(JSON.stringify(res.body));
  });
}
