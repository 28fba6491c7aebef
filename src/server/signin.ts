// Sign-in endpoints: OpenID configuration and the client-credentials token endpoint in
// both the ADFS form (`/adfs/...`, which az 2.45 can use without instance discovery) and
// the tenant form (`/{tenant}/oauth2/v2.0/token`, what @azure/identity calls), plus ARM's
// `/metadata/endpoints` so `az cloud register --endpoint-resource-manager` fills itself in.
import type { EmulatorSettings } from "../providers/context.js";
import { stableGuid } from "../providers/ids.js";
import type { TokenService } from "./auth.js";

export interface SigninOptions {
  settings: EmulatorSettings;
  tokens: TokenService;
  /** When set, only these client id → secret pairs may sign in. */
  clients?: Record<string, string>;
}

export interface OAuthError {
  status: number;
  body: { error: string; error_description: string; error_codes?: number[] };
}

export function openIdConfiguration(baseUrl: string, authorityPath: string) {
  const issuerBase = `${baseUrl}${authorityPath}`;
  return {
    issuer: issuerBase,
    authorization_endpoint: `${issuerBase}/oauth2/v2.0/authorize`,
    token_endpoint: `${issuerBase}/oauth2/v2.0/token`,
    device_authorization_endpoint: `${issuerBase}/oauth2/v2.0/devicecode`,
    jwks_uri: `${issuerBase}/discovery/v2.0/keys`,
    response_types_supported: ["code", "id_token", "token"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    tenant_region_scope: "NA",
    cloud_instance_name: "aksnet.local",
    msgraph_host: "graph.aksnet.local",
  };
}

export function metadataEndpoints(baseUrl: string) {
  return {
    galleryEndpoint: `${baseUrl}/`,
    graphEndpoint: `${baseUrl}/`,
    portalEndpoint: `${baseUrl}/`,
    graphAudience: `${baseUrl}/`,
    name: "aksnet",
    authentication: {
      loginEndpoint: `${baseUrl}/adfs`,
      audiences: [`${baseUrl}/`, "https://management.azure.com/"],
      tenant: "adfs",
      identityProvider: "ADFS",
    },
    resourceManager: `${baseUrl}/`,
    suffixes: { acrLoginServer: "azurecr.io", keyVaultDns: "vault.azure.net", storage: "core.windows.net" },
  };
}

/**
 * Client-credentials grant. `tenant` is the path segment (`adfs` means the default tenant).
 * Returns the token response or an OAuth2 error body.
 */
export async function issueToken(
  opts: SigninOptions,
  tenant: string,
  form: Record<string, string>,
  authorization: string | undefined,
): Promise<{ status: 200; body: Record<string, unknown> } | OAuthError> {
  let clientId = form.client_id;
  let secret = form.client_secret;
  if (authorization !== undefined && /^basic\b/i.test(authorization)) {
    const basic = basicCredentials(authorization);
    if (!basic)
      return oauthError(
        401,
        "invalid_client",
        "The client credentials in the 'Authorization: Basic' header are malformed: expected base64 of " +
          "form-encoded 'client_id:client_secret'.",
      );
    clientId ??= basic.id;
    secret ??= basic.secret;
  }
  const grant = form.grant_type;
  if (grant !== "client_credentials") {
    return oauthError(
      400,
      "unsupported_grant_type",
      `AADSTS70003: The grant type '${grant ?? ""}' is not supported; use client_credentials.`,
    );
  }
  if (!clientId)
    return oauthError(
      400,
      "invalid_request",
      "AADSTS900144: The request body must contain the parameter: 'client_id'.",
    );
  if (opts.clients) {
    const expected = opts.clients[clientId];
    if (expected === undefined)
      return oauthError(
        400,
        "unauthorized_client",
        `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.`,
      );
    if (expected !== secret)
      return oauthError(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.");
  }
  const known = new Set(opts.settings.subscriptions.map((s) => s.tenantId.toLowerCase()));
  const tid =
    tenant === "adfs" || tenant === "organizations" || tenant === "common"
      ? opts.settings.tenantId
      : tenant.toLowerCase();
  if (!known.has(tid)) {
    return oauthError(
      400,
      "invalid_request",
      `AADSTS90002: Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID.`,
    );
  }
  const audience = tokenAudience(form);
  const lifetime = 3600;
  const token = await opts.tokens.issue(
    { tid, appid: clientId, oid: stableGuid("sp", clientId) },
    audience,
    lifetime,
  );
  const now = Math.floor(Date.now() / 1000);
  return {
    status: 200,
    body: {
      token_type: "Bearer",
      expires_in: lifetime,
      ext_expires_in: lifetime,
      expires_on: now + lifetime,
      not_before: now,
      resource: audience,
      access_token: token,
    },
  };
}

/**
 * RFC 6749 §2.3.1: `Basic base64(urlencode(id) ":" urlencode(secret))`. Undefined when the
 * header is not that (bad base64, no colon, a broken percent-encoding).
 */
export function basicCredentials(header: string): { id: string; secret: string } | undefined {
  const b64 = header.replace(/^basic\s*/i, "").trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 === 1) return undefined;
  const decoded = Buffer.from(b64, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  const formDecode = (v: string) => {
    try {
      return decodeURIComponent(v.replace(/\+/g, " "));
    } catch {
      return undefined;
    }
  };
  const id = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  return id === undefined || secret === undefined ? undefined : { id, secret };
}

const OIDC_SCOPES = new Set(["openid", "profile", "offline_access", "email"]);

/**
 * The resource a token is for: v1's `resource=` as given, or v2's first resource scope without
 * its `/.default` (az on a registered cloud asks for `<endpoint>//.default`, leaving
 * `<endpoint>/`); MSAL may add OpenID scopes, which name no resource.
 */
export function tokenAudience(form: Record<string, string>): string {
  if (form.scope === undefined && form.resource) return form.resource;
  const scopes = (form.scope ?? "").split(/\s+/).filter((s) => s && !OIDC_SCOPES.has(s.toLowerCase()));
  const first = scopes[0] ?? "https://management.azure.com/.default";
  return first.replace(/\/\.default$/i, "").replace(/\.default$/i, "") || first;
}

function oauthError(status: number, error: string, description: string): OAuthError {
  return { status, body: { error, error_description: description } };
}
