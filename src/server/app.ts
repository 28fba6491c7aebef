// Composition root: one process, one port, one Fastify plugin per face (sign-in in signin/,
// admin in admin/, ARM in arm/; Kubernetes joins later). Shared setup lives here; the routes
// live in the plugins. Order of work for every request:
//   1. rewriteUrl collapses duplicate slashes (az sends `//metadata/endpoints`);
//   2. bodies arrive as raw strings (our parser, so malformed JSON is an ARM error, not fastify's);
//   3. the face that owns the path checks its own credentials;
//   4. the ARM router runs the request in one store transaction;
//   5. the error handler turns typed errors into ARM's envelope — never a stack trace.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { GC_WORK, KubeApi } from "../kube/api.js";
import { startKubeControllers } from "../kube/controllers/index.js";
import { SWEEP_WORK, sweepSlice } from "../kube/sweep.js";
import { CLUSTER_OPERATION_KINDS } from "../providers/containerservice/reconcile.js";
import type { EmulatorSettings, Services } from "../providers/context.js";
import { ArmError, internalError } from "../providers/errors.js";
import { createRegistry } from "../providers/index.js";
import { adoptOrphanOperations, operationWork } from "../providers/operations.js";
import { RESOURCE_GROUP_OPERATION_KINDS } from "../providers/resources/resourceGroups.js";
import { Runtime } from "../runtime/runtime.js";
import { openStore, parseStoreUrl } from "../store/open.js";
import type { Store } from "../store/types.js";
import { AdminCredentials } from "./admin/credentials.js";
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
  storeUrl,
} from "./config.js";
import type { FaceDeps } from "./face.js";
import { graphPlugin } from "./graph/plugin.js";
import { hciPlugin } from "./hci/plugin.js";
import { kubePlugin } from "./kube/plugin.js";
import { type DataDirLock, lockDataDir } from "./lock.js";
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
  runtime: Runtime;
  settings: EmulatorSettings;
  /** What providers receive (store, registry, work kick): for in-process callers such as tests. */
  services: Services;
  logger: Logger;
  /** The CLI's admin credential (also in `<data-dir>/admin.token`). */
  adminSecret: string;
  /** A fresh one-time URL that opens a browser session on the page. */
  loginUrl(): string;
  close(): Promise<void>;
}

/** `write` receives each log line (default: stderr); `opts.logLevel`/`logFormat` shape them. */
export async function startEmulator(
  opts: ServerOptions,
  write?: (line: string) => void,
): Promise<RunningEmulator> {
  const logger = createLogger({ level: opts.logLevel, format: opts.logFormat, write });
  fs.mkdirSync(opts.dataDir, { recursive: true });
  // One process per data dir, taken before anything in it is touched (TLS, keys, the database).
  const lock = lockDataDir(opts.dataDir);
  try {
    return await serve(opts, logger, lock);
  } catch (e) {
    lock.release();
    throw e;
  }
}

async function serve(opts: ServerOptions, logger: Logger, lock: DataDirLock): Promise<RunningEmulator> {
  const log = (msg: string, err?: unknown) => logger.error(msg, err);
  const configuredUrl = opts.publicUrl === undefined ? undefined : parsePublicUrl(opts.publicUrl, opts.http);
  const tls = await ensureTls(path.join(opts.dataDir, "tls"), (m) => logger.warn(m), [
    opts.host,
    ...(configuredUrl ? [new URL(configuredUrl).hostname.replace(/^\[|\]$/g, "")] : []),
  ]);
  const url0 = storeUrl(opts);
  const loc = parseStoreUrl(url0);
  const store: Store = await openStore(url0, log);
  // A SQLite file keeps the key file in the data dir (it survives `aksnet reset`); processes
  // sharing PostgreSQL share the first one's key through the store.
  const fileKeyDir = loc.kind === "sqlite" && loc.target !== ":memory:" ? opts.dataDir : undefined;
  const tokens = await TokenService.fromStore(store, TokenService.fileKey(fileKeyDir));
  const admin = new AdminCredentials(opts.dataDir);
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
    emulateKnownIssues: opts.emulateKnownIssues,
  };
  let runtime: Runtime | undefined;
  const services: Services = { store, registry, kickOperations: () => runtime?.kick() };
  runtime = new Runtime(store, settings, () => services, log);
  // Every kind of background work, registered here and nowhere else.
  runtime.register(operationWork([...CLUSTER_OPERATION_KINDS, ...RESOURCE_GROUP_OPERATION_KINDS], log));
  // Kubernetes garbage collection (owner references, namespaces, CRDs), queued by deletions.
  const gcApi = new KubeApi(store, log);
  runtime.register({ kind: GC_WORK, run: (ctx, item) => gcApi.collectIn(ctx.tx, item.key) });
  // A deleted cluster's Kubernetes objects, swept in slices (kube/sweep.ts).
  runtime.register({ kind: SWEEP_WORK, run: (ctx, item) => sweepSlice(ctx.tx, item) });
  // Finished operations expire as ARM's do; the change log keeps the last 100,000 revisions.
  const housekeeping = housekeeper(store, opts.operationRetentionMs, log);
  runtime.everyPoll(housekeeping);
  const arm = new ArmRouter(registry, settings, services);
  const clients = opts.clients.length
    ? Object.fromEntries(opts.clients.map((c) => [c.split(":")[0], c.split(":").slice(1).join(":")]))
    : undefined;

  const app: FastifyInstance = Fastify({
    ...(opts.http ? {} : { https: { key: tls.keyPem, cert: tls.certPem } }),
    logger: false,
    // On close, connections still open are cut: a watch (or any stream) whose client stopped
    // reading must not hold the shutdown forever.
    forceCloseConnections: true,
    bodyLimit: MAX_BODY_BYTES,
    routerOptions: { maxParamLength: 8192 },
    rewriteUrl: (req) => (req.url ?? "/").replace(/\/{2,}/g, "/"),
    // Refusals from Fastify's router and Node's parser answer in ARM's shape too (wire.ts).
    frameworkErrors: (err, req, reply) => sendError(err, req, reply),
    clientErrorHandler: clientErrorHandler((what) => logger.warn(`refused a malformed request: ${what}`)),
  });
  // Every method Node parses reaches a face (WebDAV's PROPFIND, MKCOL…), so each answers in its
  // own shape (a Status 405, ARM's 401/404) rather than Fastify's bare 404. CONNECT never
  // reaches the router (Node hands it to a 'connect' listener, or closes it).
  for (const m of http.METHODS)
    if (m !== "CONNECT" && !app.supportedMethods.includes(m)) app.addHttpMethod(m);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => done(null, body));

  app.addHook("onRequest", async (req, reply) => {
    const { requestId, correlationId } = requestIds(req.headers);
    reply.header("x-ms-request-id", requestId);
    reply.header("x-ms-correlation-request-id", correlationId);
  });
  // A body over the limit is refused before it is read. Closing the connection with the upload
  // still arriving resets it, and the client (still writing) gets EPIPE instead of the 413. Kept
  // open, Node reads the rest and discards it, so the refusal is what the client reads; a client
  // that asked to close does so once it has read the answer.
  app.addHook("onSend", async (req, reply) => {
    if (reply.statusCode !== 413 || req.raw.complete) return;
    reply.removeHeader("connection");
    reply.raw.shouldKeepAlive = true;
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
    runtime,
    tokens,
    admin,
    arm,
    clients,
    signedIn: new Set(Object.keys(clients ?? {})),
    baseUrl: () => settings.publicBaseUrl,
  };

  // The faces, in this order: the specific routes first, the ARM catch-all (`/*`) last.
  // A new face is one line here and one folder under server/.
  await app.register(signinPlugin, deps); // token, OpenID configuration, /metadata/endpoints
  await app.register(adminPlugin, deps); // /_aksnet/* and the web page at `/`
  await app.register(hciPlugin, { ...deps, prefix: "/_aksnet/hci" }); // AksHci face, bearer token required
  await app.register(graphPlugin, deps); // /v1.0/…: Microsoft Graph, Graph-audience token required
  await app.register(kubePlugin, { store, log }); // /clusters/<uid>/…: Kubernetes, Status errors
  await app.register(armPlugin, deps); // everything else: ARM, bearer token required

  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  const url = configuredUrl ?? defaultPublicUrl(opts.host, port, opts.http);
  settings.publicBaseUrl = url;
  // Resume what a previous run left: on a SQLite file this process is the only one (the data
  // dir is locked), so leases still recorded belong to a dead process.
  if (loc.kind === "sqlite") await store.releaseLeases();
  await adoptOrphanOperations(store);
  await runtime.start();
  await housekeeping();
  const controllers =
    opts.kubeControllers === false
      ? { stop: () => undefined }
      : await startKubeControllers({ store, settings, services, log }); // admission + controller manager

  return {
    url,
    port,
    caFile: tls.caFile,
    tenantId: opts.tenantId,
    subscriptionId: opts.subscriptionId,
    store,
    runtime,
    settings,
    services,
    logger,
    adminSecret: admin.secret,
    loginUrl: () => `${url}/?login=${admin.newLoginCode()}`,
    async close() {
      runtime.stop();
      controllers.stop();
      await app.close();
      await store.close();
      lock.release();
    },
  };
}

const CHANGE_LOG_KEEP = 100_000;

/** Purges expired operation records and compacts the change log, at most once a minute. */
function housekeeper(
  store: Store,
  retentionMs: number,
  log: (msg: string, err?: unknown) => void,
): () => Promise<void> {
  let last = 0;
  return async () => {
    const now = Date.now();
    if (now - last < Math.min(60_000, Math.max(1000, retentionMs / 10))) return;
    last = now;
    try {
      await store.purgeOperations(now - retentionMs);
      const rev = await store.currentRevision();
      if (rev - CHANGE_LOG_KEEP > (await store.compactedRevision()))
        await store.compact(rev - CHANGE_LOG_KEEP);
    } catch (err) {
      log("housekeeping failed", err);
    }
  };
}

function sendArmError(reply: FastifyReply, err: ArmError) {
  if (err.headers) for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply.code(err.status).type("application/json; charset=utf-8").send(JSON.stringify(err.toBody()));
}
