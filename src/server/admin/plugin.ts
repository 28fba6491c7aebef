// Admin face: `/_aksnet/health|status|reset|trace|topology|login` and the web page at `/`.
// Everything but health needs credentials (credentials.ts): the CLI's admin secret, a browser
// session opened by a one-time login URL, or an ARM bearer token — which sees its own tenant only
// and may not reset (a reset wipes every tenant). State-changing calls also refuse cross-site
// requests (Origin / Sec-Fetch-Site), so a page elsewhere cannot POST here even with a cookie.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { runClusterTrace } from "../../kube/trace/clusterTrace.js";
import { isPodTraceBody, runPodTrace } from "../../kube/trace/podTrace.js";
import type { EmulatorSettings } from "../../providers/context.js";
import { ArmError, authenticationFailed } from "../../providers/errors.js";
import { isNodeEgressBody, runNodeEgressTrace } from "../../providers/views/nodeEgressTrace.js";
import { authenticateArm, bearerToken } from "../auth.js";
import { parseJsonBody } from "../body.js";
import type { FaceDeps } from "../face.js";
import { registerWebRoutes } from "../web/routes.js";
import { cookieValue, SESSION_COOKIE } from "./credentials.js";

/** Who is calling: the local owner (CLI secret or browser session) or an ARM tenant. */
export type AdminPrincipal = { kind: "owner" } | { kind: "tenant"; tenantId: string };

const forbidden = (message: string) => new ArmError(403, "AuthorizationFailed", message);

/** The emulator's settings as one tenant sees them: only its subscriptions. */
export function settingsFor(settings: EmulatorSettings, who: AdminPrincipal): EmulatorSettings {
  if (who.kind === "owner") return settings;
  return {
    ...settings,
    subscriptions: settings.subscriptions.filter(
      (s) => s.tenantId.toLowerCase() === who.tenantId.toLowerCase(),
    ),
  };
}

const NOT_SIGNED_IN_PAGE = `<!doctype html><meta charset="utf-8"><title>aksnet</title>
<body style="font:15px system-ui;margin:3em;max-width:40em">
<h1>aksnet: sign in</h1>
<p>The page shows everything the emulator holds, so it needs a login. Open the one-time login URL
that <code>aksnet start</code> printed, or run <code>aksnet status</code> for a fresh one.</p></body>`;

export async function adminPlugin(app: FastifyInstance, deps: FaceDeps): Promise<void> {
  const { store, settings, services, runtime, tokens, admin } = deps;

  const principal = async (req: FastifyRequest): Promise<AdminPrincipal | undefined> => {
    if (admin.isSession(cookieValue(req.headers.cookie, SESSION_COOKIE))) return { kind: "owner" };
    const header = req.headers.authorization;
    if (!header) return undefined;
    if (admin.isAdminSecret(bearerToken(header))) return { kind: "owner" };
    const claims = await authenticateArm(tokens, header, deps.baseUrl());
    return { kind: "tenant", tenantId: claims.tid };
  };

  /** A browser on another site must not drive a state change, whatever cookie it carries. */
  const sameOrigin = (req: FastifyRequest) => {
    const site = req.headers["sec-fetch-site"];
    if (site === "cross-site" || site === "same-site") return false;
    const origin = req.headers.origin;
    return origin === undefined || origin === new URL(deps.baseUrl()).origin;
  };

  const who = new WeakMap<FastifyRequest, AdminPrincipal>();
  app.addHook("onRequest", async (req: FastifyRequest, reply: FastifyReply) => {
    // The route that matched, not the raw URL: `/%5Faksnet/status` is routed to
    // `/_aksnet/status` and must be authenticated as it.
    const p = req.routeOptions.url ?? req.url.split("?")[0];
    const isPage = p === "/";
    if (!isPage && !(p.startsWith("/_aksnet/") && p !== "/_aksnet/health")) return;
    if (isPage) {
      const code = new URL(req.url, "https://x").searchParams.get("login");
      if (code !== null) {
        const session = admin.redeem(code);
        if (!session) return reply.code(401).type("text/html; charset=utf-8").send(NOT_SIGNED_IN_PAGE);
        const secure = deps.baseUrl().startsWith("https:") ? "; Secure" : "";
        return reply
          .code(303)
          .header("set-cookie", `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/${secure}`)
          .header("location", "/")
          .header("cache-control", "no-store")
          .send();
      }
    }
    // The page answers a bad or foreign token with its sign-in explanation, not ARM's 401 JSON.
    const found = isPage ? await principal(req).catch(() => undefined) : await principal(req);
    if (!found) {
      if (isPage) return reply.code(401).type("text/html; charset=utf-8").send(NOT_SIGNED_IN_PAGE);
      throw authenticationFailed(
        "The admin API needs the emulator's admin credential (<data-dir>/admin.token, used by the aksnet CLI), a browser session from the login URL, or an ARM bearer token.",
      );
    }
    if (req.method !== "GET" && req.method !== "HEAD" && !sameOrigin(req))
      throw forbidden("Cross-site requests may not change the emulator's state.");
    who.set(req, found);
  });
  // Fails closed: a route reached without a principal is refused, never served as nobody.
  const whoIs = (req: FastifyRequest): AdminPrincipal => {
    const found = who.get(req);
    if (!found) throw authenticationFailed("The admin API needs the emulator's admin credential.");
    return found;
  };

  // Liveness for scripts and probes: says only that it is up.
  app.get("/_aksnet/health", async () => ({ status: "ok" }));
  app.post("/_aksnet/reset", async (req) => {
    if (whoIs(req).kind !== "owner")
      throw forbidden(
        "A reset wipes every tenant's state: it needs the emulator's admin credential (aksnet reset) or a browser session, not an ARM token.",
      );
    await runtime.whenIdle();
    await store.reset();
    return { status: "reset" };
  });
  // A fresh one-time login URL for the page (the CLI prints it).
  app.post("/_aksnet/login", async (req) => {
    if (whoIs(req).kind !== "owner") throw forbidden("Only the emulator's owner may open browser sessions.");
    return { url: `${deps.baseUrl()}/?login=${admin.newLoginCode()}` };
  });
  // Why a node port is (not) reachable, through a load balancer to the Service's pods
  // (kube/trace/clusterTrace.ts over providers/views/reachability.ts), with `fromPod` how a pod's
  // packet travels (kube/trace/podTrace.ts), with `egressTo` how the nodes' traffic leaves
  // (providers/views/nodeEgressTrace.ts): JSON in and out, ARM-shaped errors.
  app.post("/_aksnet/trace", async (req) => {
    const body = parseJsonBody(req.body, req.headers["content-type"]);
    const visible = settingsFor(settings, whoIs(req));
    if (isPodTraceBody(body)) return runPodTrace(store, visible, services, body);
    if (isNodeEgressBody(body)) return runNodeEgressTrace(store, visible, services, body);
    return runClusterTrace(store, visible, services, body);
  });
  app.get("/_aksnet/status", async (req) => {
    const visible = settingsFor(settings, whoIs(req)).subscriptions;
    const resources = await store.read(async (tx) => {
      let n = 0;
      for (const s of visible)
        n += (await tx.listResourcesUnder(`/subscriptions/${s.subscriptionId}/`)).length;
      return n;
    });
    return {
      status: "ok",
      store: store.kind,
      storeBytes: await store.sizeBytes(),
      resources,
      revision: await store.currentRevision(),
      work: runtime.counters,
    };
  });
  registerWebRoutes(app, {
    store,
    settings,
    services,
    settingsFor: (req) => settingsFor(settings, whoIs(req)),
  }); // `/` and `/_aksnet/topology`
}
