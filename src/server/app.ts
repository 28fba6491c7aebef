// Composition root: one process, one port, three faces (ARM, sign-in, admin; Kubernetes
// joins later). Order of work for every request:
//   1. rewriteUrl collapses duplicate slashes (az sends `//metadata/endpoints`);
//   2. bodies arrive as raw strings (our parser, so malformed JSON is an ARM error, not fastify's);
//   3. sign-in, metadata and admin routes are public; everything else needs a bearer token;
//   4. the ARM router runs the request in one store transaction;
//   5. the error handler turns typed errors into ARM's envelope — never a stack trace.
import fs from "node:fs";
import path from "node:path";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { EmulatorSettings, Services } from "../providers/context.js";
import {
  ArmError,
  authenticationFailed,
  internalError,
  invalidJson,
  unsupportedMediaType,
} from "../providers/errors.js";
import { newGuid } from "../providers/ids.js";
import { createRegistry } from "../providers/index.js";
import { OperationRunner } from "../providers/operations.js";
import { runTrace } from "../providers/views/reachability.js";
import { SqliteStore } from "../store/sqlite.js";
import type { Store } from "../store/types.js";
import { ArmRouter } from "./arm/router.js";
import { bearerToken, TokenService } from "./auth.js";
import { LOCATIONS, type ServerOptions } from "./config.js";
import { kubePlugin } from "./kube/plugin.js";
import { issueToken, metadataEndpoints, openIdConfiguration } from "./signin.js";
import { ensureTls } from "./tls.js";
import { registerWebRoutes } from "./web/routes.js";

export interface RunningEmulator {
  url: string;
  port: number;
  caFile: string;
  tenantId: string;
  subscriptionId: string;
  store: Store;
  runner: OperationRunner;
  settings: EmulatorSettings;
  close(): Promise<void>;
}

type Log = (msg: string, err?: unknown) => void;

export async function startEmulator(opts: ServerOptions, log: Log = defaultLog): Promise<RunningEmulator> {
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const tls = await ensureTls(path.join(opts.dataDir, "tls"), [opts.host]);
  const store: Store = new SqliteStore(opts.inMemory ? ":memory:" : path.join(opts.dataDir, "aksnet.db"));
  const tokens = TokenService.open(opts.inMemory ? undefined : opts.dataDir);
  const registry = createRegistry();

  const subscriptions = [
    { subscriptionId: opts.subscriptionId, tenantId: opts.tenantId, displayName: "aksnet subscription" },
    ...opts.extraSubscriptions.map((s, i) => {
      const [subscriptionId, tenantId] = s.split(":");
      return {
        subscriptionId,
        tenantId: tenantId || opts.tenantId,
        displayName: `aksnet subscription ${i + 2}`,
      };
    }),
  ];
  const settings: EmulatorSettings = {
    tenantId: opts.tenantId,
    subscriptions,
    locations: LOCATIONS,
    publicIPv4Pool: opts.publicIPv4Pool,
    publicIPv6Pool: opts.publicIPv6Pool,
    featureRegistrationDelayMs: opts.featureRegistrationDelayMs,
    pageSize: opts.pageSize,
    operationDelayMs: opts.operationDelayMs,
    publicBaseUrl: "",
    caCertPem: tls.caCertPem,
  };
  let runner: OperationRunner;
  const services: Services = { store, registry, kickOperations: () => runner?.kick() };
  runner = new OperationRunner(store, settings, () => services, log);
  const arm = new ArmRouter(registry, settings, services);
  const clients = opts.clients.length
    ? Object.fromEntries(opts.clients.map((c) => [c.split(":")[0], c.split(":").slice(1).join(":")]))
    : undefined;

  const app: FastifyInstance = Fastify({
    ...(opts.http ? {} : { https: { key: tls.keyPem, cert: tls.certPem } }),
    logger: false,
    bodyLimit: 16 * 1024 * 1024,
    routerOptions: { maxParamLength: 2000 },
    rewriteUrl: (req) => (req.url ?? "/").replace(/\/{2,}/g, "/"),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => done(null, body));

  app.addHook("onRequest", async (req, reply) => {
    const id = (req.headers["x-ms-client-request-id"] as string | undefined) ?? newGuid();
    reply.header("x-ms-request-id", id);
    reply.header(
      "x-ms-correlation-request-id",
      (req.headers["x-ms-correlation-request-id"] as string | undefined) ?? id,
    );
  });

  app.setErrorHandler((err: unknown, req, reply) => {
    if (err instanceof ArmError) return sendArmError(reply, err);
    const requestId = String(reply.getHeader("x-ms-request-id") ?? "");
    log(`request ${requestId} ${req.method} ${req.url} failed`, err);
    return sendArmError(reply, internalError(requestId));
  });

  const base = (req: FastifyRequest) =>
    `${opts.http ? "http" : "https"}://${req.headers.host ?? `${opts.host}:${port}`}`;

  // ---- sign-in and metadata (no token needed) ----
  app.get("/metadata/endpoints", async (req) => metadataEndpoints(base(req)));
  app.get("/adfs/.well-known/openid-configuration", async (req) => openIdConfiguration(base(req), "/adfs"));
  app.get("/:tenant/v2.0/.well-known/openid-configuration", async (req) =>
    openIdConfiguration(base(req), `/${(req.params as { tenant: string }).tenant}`),
  );
  app.get("/:tenant/.well-known/openid-configuration", async (req) =>
    openIdConfiguration(base(req), `/${(req.params as { tenant: string }).tenant}`),
  );
  const token = async (req: FastifyRequest, reply: FastifyReply) => {
    const tenant = (req.params as { tenant?: string }).tenant ?? "adfs";
    const form = Object.fromEntries(new URLSearchParams(typeof req.body === "string" ? req.body : ""));
    const out = await issueToken({ settings, tokens, clients }, tenant, form, req.headers.authorization);
    return reply.code(out.status).send(out.body);
  };
  app.post("/adfs/oauth2/v2.0/token", token);
  app.post("/adfs/oauth2/token", token);
  app.post("/:tenant/oauth2/v2.0/token", token);
  app.post("/:tenant/oauth2/token", token);

  // ---- admin ----
  app.get("/_aksnet/health", async () => ({ status: "ok", store: store.kind }));
  app.post("/_aksnet/reset", async () => {
    await runner.whenIdle();
    await store.reset();
    return { status: "reset" };
  });
  // Why a node port is (not) reachable: JSON in and out, ARM-shaped errors (providers/views/reachability.ts).
  app.post("/_aksnet/trace", async (req) => runTrace(store, settings, services, req.body));
  app.get("/_aksnet/status", async () => ({
    status: "ok",
    store: store.kind,
    storeBytes: await store.sizeBytes(),
    resources: await store.transaction(async (tx) => (await tx.listResourcesUnder("/subscriptions/")).length),
  }));
  registerWebRoutes(app, { store, settings, services }); // `/` and `/_aksnet/topology`

  // ---- Kubernetes: /clusters/<uid>/… (own plugin, own Status error handler) ----
  await app.register(kubePlugin, { store, log });

  // ---- ARM ----
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
      baseUrl: base(req),
    });
    reply.code(res.status);
    for (const [k, v] of Object.entries(res.headers)) reply.header(k, v);
    if (res.body === undefined) return reply.send();
    return reply.type("application/json; charset=utf-8").send(JSON.stringify(res.body));
  });

  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  const hostForUrl = opts.host.includes(":")
    ? `[${opts.host}]`
    : opts.host === "0.0.0.0"
      ? "127.0.0.1"
      : opts.host;
  const url = `${opts.http ? "http" : "https"}://${hostForUrl}:${port}`;
  settings.publicBaseUrl = url;
  runner.kick(); // resume operations a previous run left unfinished

  return {
    url,
    port,
    caFile: tls.caFile,
    tenantId: opts.tenantId,
    subscriptionId: opts.subscriptionId,
    store,
    runner,
    settings,
    async close() {
      runner.stop();
      await app.close();
      await store.close();
    },
  };
}

async function authenticate(tokens: TokenService, header: string | undefined) {
  const token = bearerToken(header);
  if (!token) throw authenticationFailed("The 'Authorization' header is missing or is not a Bearer token.");
  const result = await tokens.verify(token);
  if (!result.ok) throw authenticationFailed(result.reason);
  return result.claims;
}

function sendArmError(reply: FastifyReply, err: ArmError) {
  if (err.headers) for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply.code(err.status).type("application/json; charset=utf-8").send(JSON.stringify(err.toBody()));
}

function defaultLog(msg: string, err?: unknown) {
  const detail = err instanceof Error ? (err.stack ?? err.message) : err !== undefined ? String(err) : "";
  process.stderr.write(`[aksnet] ${msg}${detail ? `: ${detail}` : ""}\n`);
}
