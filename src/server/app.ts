// Composition root: one process, one port, one Fastify plugin per face (sign-in in signin/,
// admin in admin/, ARM in arm/; Kubernetes joins later). Shared setup lives here; the routes
// live in the plugins. Order of work for every request:
//   1. rewriteUrl collapses duplicate slashes (az sends `//metadata/endpoints`);
//   2. bodies arrive as raw strings (our parser, so malformed JSON is an ARM error, not fastify's);
//   3. the face that owns the path checks its own credentials;
//   4. the ARM router runs the request in one store transaction;
//   5. the error handler turns typed errors into ARM's envelope — never a stack trace.
import fs from "node:fs";
import path from "node:path";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { startKubeControllers } from "../kube/controllers/index.js";
import type { EmulatorSettings, Services } from "../providers/context.js";
import { ArmError, internalError } from "../providers/errors.js";
import { createRegistry } from "../providers/index.js";
import { OperationRunner } from "../providers/operations.js";
import { SqliteStore } from "../store/sqlite.js";
import type { Store } from "../store/types.js";
import { adminPlugin } from "./admin/plugin.js";
import { armPlugin } from "./arm/plugin.js";
import { ArmRouter } from "./arm/router.js";
import { TokenService } from "./auth.js";
import { MAX_BODY_BYTES } from "./body.js";
import {
  ConfigError,
  defaultPublicUrl,
  LOCATIONS,
  parsePublicUrl,
  parseSubscriptionSpec,
  type ServerOptions,
} from "./config.js";
import type { FaceDeps } from "./face.js";
import { kubePlugin } from "./kube/plugin.js";
import { createLogger, installRequestLogging, type Logger } from "./logging.js";
import { signinPlugin } from "./signin/plugin.js";
import { ensureTls } from "./tls.js";
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
  const configuredUrl = opts.publicUrl === undefined ? undefined : parsePublicUrl(opts.publicUrl, opts.http);
  const tls = await ensureTls(path.join(opts.dataDir, "tls"), [
    opts.host,
    ...(configuredUrl ? [new URL(configuredUrl).hostname.replace(/^\[|\]$/g, "")] : []),
  ]);
  const store: Store = new SqliteStore(opts.inMemory ? ":memory:" : path.join(opts.dataDir, "aksnet.db"));
  const tokens = TokenService.open(opts.inMemory ? undefined : opts.dataDir);
  const registry = createRegistry();

  const subscriptions = [
    { subscriptionId: opts.subscriptionId, tenantId: opts.tenantId, displayName: "aksnet subscription" },
    ...opts.extraSubscriptions.map((spec, i) => ({
      ...parseSubscriptionSpec(spec, opts.tenantId),
      displayName: `aksnet subscription ${i + 2}`,
    })),
  ];
  const seen = new Set<string>();
  for (const s of subscriptions) {
    if (seen.has(s.subscriptionId.toLowerCase()))
      throw new ConfigError(`Subscription '${s.subscriptionId}' is configured twice.`);
    seen.add(s.subscriptionId.toLowerCase());
  }
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

  // Absolute URLs come from the configured address only, never from the Host header.
  const deps: FaceDeps = {
    store,
    settings,
    services,
    runner,
    tokens,
    arm,
    clients,
    baseUrl: () => settings.publicBaseUrl,
  };

  // The faces, in this order: the specific routes first, the ARM catch-all (`/*`) last.
  // A new face is one line here and one folder under server/.
  await app.register(signinPlugin, deps); // token, OpenID configuration, /metadata/endpoints
  await app.register(adminPlugin, deps); // /_aksnet/* and the web page at `/`
  await app.register(kubePlugin, { store, log }); // /clusters/<uid>/…: Kubernetes, Status errors
  await app.register(armPlugin, deps); // everything else: ARM, bearer token required

  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  const url = configuredUrl ?? defaultPublicUrl(opts.host, port, opts.http);
  settings.publicBaseUrl = url;
  runner.kick(); // resume operations a previous run left unfinished
  const controllers = await startKubeControllers({ store, settings, services, log }); // admission + controller manager

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
      controllers.stop();
      await app.close();
      await store.close();
    },
  };
}

function sendArmError(reply: FastifyReply, err: ArmError) {
  if (err.headers) for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply.code(err.status).type("application/json; charset=utf-8").send(JSON.stringify(err.toBody()));
}
