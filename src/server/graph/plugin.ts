// The Microsoft Graph face, as much of it as `az role assignment create --assignee`, `az ad sp
// show` and AKS tooling use: service principals by object id, by `(appId='…')`, listed with the
// `$filter` forms az sends, and `directoryObjects/getByIds`. Backed by the directory view
// (providers/views/directory.ts). Graph's own wire: `@odata.context`, `{error:{code,message,
// innerError}}`, and a bearer token whose audience is Graph's (`https://graph.microsoft.com`, or
// the emulator's own base URL, which `aksnet setup az` registers as the cloud's Graph resource).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { newGuid } from "../../providers/ids.js";
import { listServicePrincipals, type ServicePrincipal } from "../../providers/views/directory.js";
import { bearerToken } from "../auth.js";
import type { FaceDeps } from "../face.js";
import { GraphError, graphErrors } from "./errors.js";
import { matchFilter, parseFilter } from "./filter.js";

type GraphDeps = Pick<FaceDeps, "store" | "settings" | "tokens" | "signedIn">;

const GRAPH_AUDIENCES = ["https://graph.microsoft.com", "https://graph.windows.net"];
const METADATA = "https://graph.microsoft.com/v1.0/$metadata";
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function trimSlash(s: string): string {
  return s.replace(/\/+$/, "").toLowerCase();
}

export async function graphPlugin(app: FastifyInstance, deps: GraphDeps): Promise<void> {
  async function caller(req: FastifyRequest) {
    const token = bearerToken(req.headers.authorization);
    if (!token) throw graphErrors.noToken();
    const result = await deps.tokens.verify(token);
    if (!result.ok) throw graphErrors.invalidToken(result.reason);
    const aud = trimSlash(result.claims.aud ?? "");
    const own = [`https://${req.headers.host ?? ""}`, deps.settings.publicBaseUrl].map(trimSlash);
    if (!GRAPH_AUDIENCES.includes(aud) && !own.includes(aud)) throw graphErrors.invalidAudience();
    return result.claims;
  }

  async function principals(req: FastifyRequest): Promise<ServicePrincipal[]> {
    const claims = await caller(req);
    const clients = new Set(deps.signedIn);
    if (claims.appid) clients.add(claims.appid);
    return deps.store.read((tx) => listServicePrincipals(tx, deps.settings, claims.tid, clients));
  }

  const send = (reply: FastifyReply, status: number, body: unknown) =>
    reply.code(status).type("application/json; charset=utf-8").send(JSON.stringify(body));

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      const url = new URL(req.url, "https://x");
      const segs = url.pathname.split("/").filter(Boolean).slice(1); // drop "v1.0"
      const [collection, key, ...rest] = segs.map(decodeURIComponent);
      const lower = collection?.toLowerCase();
      if (lower === "serviceprincipals" || lower?.startsWith("serviceprincipals(")) {
        if (req.method !== "GET") throw graphErrors.methodNotAllowed();
        const all = await principals(req);
        const alt = /^servicePrincipals\(appId='([^']*)'\)$/i.exec(collection);
        if (alt || key !== undefined) {
          if (rest.length) throw graphErrors.segment(rest[0]);
          const sp = alt
            ? all.find((p) => p.appId.toLowerCase() === alt[1].toLowerCase())
            : all.find((p) => p.id.toLowerCase() === key.toLowerCase());
          if (!sp) throw graphErrors.notFound(alt ? alt[1] : key);
          return send(reply, 200, { "@odata.context": `${METADATA}#servicePrincipals/$entity`, ...sp });
        }
        const filter = url.searchParams.get("$filter");
        const pred = filter === null ? undefined : parseFilter(filter);
        let value = pred ? all.filter((p) => matchFilter(pred, p)) : all;
        const top = url.searchParams.get("$top");
        if (top !== null) {
          const n = Number(top);
          if (!Number.isInteger(n) || n < 1 || n > 999)
            throw graphErrors.badRequest(
              `Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.`,
            );
          value = value.slice(0, n);
        }
        return send(reply, 200, { "@odata.context": `${METADATA}#servicePrincipals`, value });
      }
      if (lower === "directoryobjects") {
        if (key?.toLowerCase() === "getbyids" && rest.length === 0) {
          if (req.method !== "POST") throw graphErrors.methodNotAllowed();
          const body = parseBody(req.body);
          const all = await principals(req);
          const types = body.types?.map((t) => t.toLowerCase());
          const wanted = !types || types.includes("serviceprincipal") || types.includes("directoryobject");
          const value = wanted
            ? body.ids.flatMap((id) => {
                const sp = all.find((p) => p.id.toLowerCase() === id.toLowerCase());
                return sp ? [{ "@odata.type": "#microsoft.graph.servicePrincipal", ...sp }] : [];
              })
            : [];
          return send(reply, 200, { "@odata.context": `${METADATA}#directoryObjects`, value });
        }
        if (key !== undefined && rest.length === 0) {
          if (req.method !== "GET") throw graphErrors.methodNotAllowed();
          const sp = (await principals(req)).find((p) => p.id.toLowerCase() === key.toLowerCase());
          if (!sp) throw graphErrors.notFound(key);
          return send(reply, 200, {
            "@odata.context": `${METADATA}#directoryObjects/$entity`,
            "@odata.type": "#microsoft.graph.servicePrincipal",
            ...sp,
          });
        }
      }
      await caller(req); // an unauthenticated caller learns nothing about the paths served
      throw graphErrors.segment(collection ?? "");
    } catch (err) {
      if (!(err instanceof GraphError)) throw err;
      const clientRequestId = req.headers["client-request-id"];
      return send(reply, err.status, {
        error: {
          code: err.code,
          message: err.message,
          innerError: {
            date: new Date().toISOString().replace(/\.\d+Z$/, ""),
            "request-id": String(reply.getHeader("x-ms-request-id") ?? newGuid()),
            "client-request-id":
              typeof clientRequestId === "string"
                ? clientRequestId
                : String(reply.getHeader("x-ms-request-id")),
          },
        },
      });
    }
  };
  app.all("/v1.0", handle);
  app.all("/v1.0/*", handle);
}

function parseBody(raw: unknown): { ids: string[]; types?: string[] } {
  let body: unknown;
  try {
    body = typeof raw === "string" && raw.trim() ? JSON.parse(raw) : undefined;
  } catch {
    throw graphErrors.badRequest(
      "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
    );
  }
  if (typeof body !== "object" || body === null || !Array.isArray((body as { ids?: unknown }).ids))
    throw graphErrors.badRequest("The request body must contain 'ids', an array of object ids.");
  const { ids, types } = body as { ids: unknown[]; types?: unknown };
  if (ids.length > 1000) throw graphErrors.badRequest("Too many ids: at most 1000 may be given.");
  for (const id of ids)
    if (typeof id !== "string" || !GUID_RE.test(id))
      throw graphErrors.badRequest(`Invalid object identifier '${String(id)}'.`);
  if (types !== undefined && (!Array.isArray(types) || types.some((t) => typeof t !== "string")))
    throw graphErrors.badRequest("'types' must be an array of strings.");
  return { ids: ids as string[], ...(types ? { types: types as string[] } : {}) };
}
