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
import { ArmError, internalError } from "../providers/errors.js";
import { createRegistry } from "../providers/index.js";
import { OperationRunner } from "../providers/operations.js";
import { runTrace } from "../providers/views/reachability.js";
import { SqliteStore } from "../store/sqlite.js";
import type { Store } from "../store/types.js";
import { ArmRouter } from "./arm/router.js";
import { authenticateArm, TokenService } from "./auth.js";
import { MAX_BODY_BYTES, parseJsonBody } from "./body.js";
import { LOCATIONS, type ServerOptions } from "./config.js";
import { createLogger, installRequestLogging, type Logger } from "./logging.js";
import { issueToken, metadataEndpoints, openIdConfiguration } from "./signin.js";
import { ensureTls } from "./tls.js";
import { registerWebRoutes } from "./web/routes.js";
import { clientErrorHandler, frameworkError, isSigninPath, oauthBody, requestIds } from "./wire.js";

export interface RunningEmulator {
  url: string;
  port: number;
  caFile: string;
  tenantId: string;
  subscriptionId: string;
  store: Store;
  runner: OperationRunner;
  settings: EmulatorSettings;
  logger: Logger;
  close(): Promise<void>;
}

/** `write` receives each log line (default: stderr); `opts.logLevel`/`logFormat` shape them. */
export async function startEmulator(
  opts: ServerOptions,
  write?: (line: string) => void,
): Promise<RunningEmulator> {
  const logger = createLogger({ level: opts.logLevel, format: opts.logFormat, write });
  const log = (msg: string, err?: unknown) => logger.error(msg, err);
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
    bodyLimit: MAX_BODY_BYTES,
    routerOptions: { maxParamLength: 8192 },
    rewriteUrl: (req) => (req.url ?? "/").replace(/\/{2,}/g, "/"),
    // Refusals from Fastify's router and Node's parser answer in ARM's shape too (wire.ts).
    frameworkErrors: (err, req, reply) => sendError(err, req, reply),
    clientErrorHandler: clientErrorHandler((what) => logger.warn(`refused a malformed request: ${what}`)),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => done(null, body));

  app.addHook("onRequest", async (req, reply) => {
    const { requestId, correlationId } = requestIds(req.headers);
    reply.header("x-ms-request-id", requestId);
    reply.header("x-ms-correlation-request-id", correlationId);
  });
  installRequestLogging(app, logger, (reply) => String(reply.getHeader("x-ms-request-id") ?? ""));

  // Typed errors become the face's envelope; anything else is a bug: logged with its stack,
  // answered 500 with only the request id.
  const sendError = (err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    if (!reply.getHeader("x-ms-request-id")) {
      const ids = requestIds(req.headers);
      reply.header("x-ms-request-id", ids.requestId).header("x-ms-correlation-request-id", ids.correlationId);
    }
    let armErr = err instanceof ArmError ? err : frameworkError(err, req.headers, req.url);
    if (!armErr) {
      const requestId = String(reply.getHeader("x-ms-request-id"));
      logger.error(`request ${requestId} ${req.method} ${req.url.split("?")[0]} failed`, err);
      armErr = internalError(requestId);
    }
    if (isSigninPath(req.url)) return reply.code(armErr.status).send(oauthBody(armErr));
    return sendArmError(reply, armErr);
  };
  app.setErrorHandler((err: unknown, req, reply) => sendError(err, req, reply));

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
  app.post("/_aksnet/trace", async (req) =>
    runTrace(store, settings, services, parseJsonBody(req.body, req.headers["content-type"])),
  );
  app.get("/_aksnet/status", async () => ({
    status: "ok",
    store: store.kind,
    storeBytes: await store.sizeBytes(),
    resources: await store.transaction(async (tx) => (await tx.listResourcesUnder("/subscriptions/")).length),
  }));
  registerWebRoutes(app, { store, settings, services }); // `/` and `/_aksnet/topology`

  // ---- ARM ----
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
    logger,
    async close() {
      runner.stop();
      await app.close();
      await store.close();
    },
  };
}

function sendArmError(reply: FastifyReply, err: ArmError) {
  if (err.headers) for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply.code(err.status).type("application/json; charset=utf-8").send(JSON.stringify(err.toBody()));
}
