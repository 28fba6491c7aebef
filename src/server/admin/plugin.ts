// Admin face: `/_aksnet/health|status|reset|trace|topology` and the web page at `/`.
import type { FastifyInstance } from "fastify";
import { runTrace } from "../../providers/views/reachability.js";
import { parseJsonBody } from "../body.js";
import type { FaceDeps } from "../face.js";
import { registerWebRoutes } from "../web/routes.js";

export async function adminPlugin(app: FastifyInstance, deps: FaceDeps): Promise<void> {
  const { store, settings, services, runner } = deps;
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
}
