// The inspection face: `GET /` (one self-contained page, no build step, no external assets:
// the machine may be offline) and `GET /_aksnet/topology` (the JSON the page draws). Both are
// admin routes: the admin face has authenticated the caller, and `settingsFor` narrows what an
// ARM tenant sees to its own subscriptions.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { addServiceViews } from "../../kube/services/view.js";
import type { EmulatorSettings, Services } from "../../providers/context.js";
import { readTopology } from "../../providers/views/topology.js";
import type { Store } from "../../store/types.js";
import { PAGE_HTML } from "./page.js";

export interface WebDeps {
  store: Store;
  settings: EmulatorSettings;
  services: Services;
  /** The settings as the caller may see them (its tenant's subscriptions). */
  settingsFor(req: FastifyRequest): EmulatorSettings;
}

export function registerWebRoutes(app: FastifyInstance, deps: WebDeps): void {
  app.get("/_aksnet/topology", async (req, reply) => {
    const settings = deps.settingsFor(req);
    // The ARM picture, then each cluster's Services from its Kubernetes objects (same snapshot).
    const topology = await deps.store.read(async (tx) =>
      addServiceViews(tx, await readTopology(tx, settings, deps.services)),
    );
    return reply
      .header("cache-control", "no-store")
      .type("application/json; charset=utf-8")
      .send(JSON.stringify(topology));
  });
  app.get("/", async (_req, reply) =>
    reply.header("cache-control", "no-store").type("text/html; charset=utf-8").send(PAGE_HTML),
  );
}
