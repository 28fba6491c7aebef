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
import { CLUSTER_OPERATION_KINDS } from "../providers/containerservice/reconcile.js";
import type { EmulatorSettings, Services } from "../providers/context.js";
import { ArmError, internalError } from "../providers/errors.js";
import { newGuid } from "../providers/ids.js";
import { createRegistry } from "../providers/index.js";
import { adoptOrphanOperations, operationWork } from "../providers/operations.js";
import { RESOURCE_GROUP_OPERATION_KINDS } from "../providers/resources/resourceGroups.js";
import { Runtime } from "../runtime/runtime.js";
import { openStore, parseStoreUrl } from "../store/open.js";
import type { Store } from "../store/types.js";
import { adminPlugin } from "./admin/plugin.js";
import { armPlugin } from "./arm/plugin.js";
import { ArmRouter } from "./arm/router.js";
import { TokenService } from "./auth.js";
import { LOCATIONS, type ServerOptions, storeUrl } from "./config.js";
import type { FaceDeps } from "./face.js";
import { signinPlugin } from "./signin/plugin.js";
import { ensureTls } from "./tls.js";

export interface RunningEmulator {
  url: string;
  port: number;
  caFile: string;
  tenantId: string;
  subscriptionId: string;
  store: Store;
  runtime: Runtime;
  settings: EmulatorSettings;
  close(): Promise<void>;
}

type Log = (msg: string, err?: unknown) => void;

export async function startEmulator(opts: ServerOptions, log: Log = defaultLog): Promise<RunningEmulator> {
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const tls = await ensureTls(path.join(opts.dataDir, "tls"), [opts.host]);
  const url0 = storeUrl(opts);
  const loc = parseStoreUrl(url0);
  const store: Store = await openStore(url0, log);
  // A SQLite file keeps the key file in the data dir (it survives `aksnet reset`); processes
  // sharing PostgreSQL share the first one's key through the store.
  const fileKeyDir = loc.kind === "sqlite" && loc.target !== ":memory:" ? opts.dataDir : undefined;
  const tokens = await TokenService.fromStore(store, TokenService.fileKey(fileKeyDir));
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
  let runtime: Runtime | undefined;
  const services: Services = { store, registry, kickOperations: () => runtime?.kick() };
  runtime = new Runtime(store, settings, () => services, log);
  // Every kind of background work, registered here and nowhere else.
  runtime.register(operationWork([...CLUSTER_OPERATION_KINDS, ...RESOURCE_GROUP_OPERATION_KINDS], log));
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
  const deps: FaceDeps = { store, settings, services, runtime, tokens, arm, clients, baseUrl: base };

  // The faces, in this order: the specific routes first, the ARM catch-all (`/*`) last.
  // A new face is one line here and one folder under server/.
  await app.register(signinPlugin, deps); // token, OpenID configuration, /metadata/endpoints
  await app.register(adminPlugin, deps); // /_aksnet/* and the web page at `/`
  await app.register(armPlugin, deps); // everything else: ARM, bearer token required

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
  // Resume what a previous run left: on a SQLite file this process is the only one (the data
  // dir is locked), so leases still recorded belong to a dead process.
  if (loc.kind === "sqlite") await store.releaseLeases();
  await adoptOrphanOperations(store);
  await runtime.start();
  await housekeeping();

  return {
    url,
    port,
    caFile: tls.caFile,
    tenantId: opts.tenantId,
    subscriptionId: opts.subscriptionId,
    store,
    runtime,
    settings,
    async close() {
      runtime.stop();
      await app.close();
      await store.close();
    },
  };
}

const CHANGE_LOG_KEEP = 100_000;

/** Purges expired operation records and compacts the change log, at most once a minute. */
function housekeeper(store: Store, retentionMs: number, log: Log): () => Promise<void> {
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

function defaultLog(msg: string, err?: unknown) {
  const detail = err instanceof Error ? (err.stack ?? err.message) : err !== undefined ? String(err) : "";
  process.stderr.write(`[aksnet] ${msg}${detail ? `: ${detail}` : ""}\n`);
}
