// Sign-in face: token endpoints (tenant and ADFS forms, v1 and v2 paths), OpenID
// configuration and ARM's `/metadata/endpoints`. No token needed, by nature.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { FaceDeps } from "../face.js";
import {
  issueToken,
  metadataEndpoints,
  openIdConfiguration,
  resolveTenant,
  tenantNotFound,
} from "../signin.js";

export async function signinPlugin(app: FastifyInstance, deps: FaceDeps): Promise<void> {
  const { settings, tokens, clients, baseUrl } = deps;
  app.get("/metadata/endpoints", async () => metadataEndpoints(baseUrl()));
  app.get("/adfs/.well-known/openid-configuration", async () => openIdConfiguration(baseUrl(), "/adfs"));
  // A tenant's discovery document; `/adfs/{tenant}/…` is where az 2.45 looks up a domain-name tenant.
  const tenantDiscovery =
    (authority: (t: string) => string) => async (req: FastifyRequest, reply: FastifyReply) => {
      const tenant = (req.params as { tenant: string }).tenant;
      const tid = resolveTenant(settings, tenant);
      if (!tid) {
        const err = tenantNotFound(tenant, "invalid_tenant");
        return reply.code(err.status).send(err.body);
      }
      return openIdConfiguration(baseUrl(), authority(tenant), tid);
    };
  app.get(
    "/adfs/:tenant/.well-known/openid-configuration",
    tenantDiscovery(() => "/adfs"),
  );
  app.get(
    "/:tenant/v2.0/.well-known/openid-configuration",
    tenantDiscovery((t) => `/${t}`),
  );
  app.get(
    "/:tenant/.well-known/openid-configuration",
    tenantDiscovery((t) => `/${t}`),
  );
  const token = async (req: FastifyRequest, reply: FastifyReply) => {
    const tenant = (req.params as { tenant?: string }).tenant ?? "adfs";
    const form = Object.fromEntries(new URLSearchParams(typeof req.body === "string" ? req.body : ""));
    const out = await issueToken({ settings, tokens, clients }, tenant, form, req.headers.authorization);
    if (out.status === 200 && form.client_id && deps.signedIn.size < 10_000)
      deps.signedIn.add(form.client_id);
    return reply.code(out.status).send(out.body);
  };
  app.post("/adfs/oauth2/v2.0/token", token);
  app.post("/adfs/oauth2/token", token);
  app.post("/:tenant/oauth2/v2.0/token", token);
  app.post("/:tenant/oauth2/token", token);
}
