// The inspection face: `GET /` (one self-contained page, no build step, no external assets:
// the machine may be offline) and `GET /_aksnet/topology` (the JSON the page draws). Both are
// admin routes, unauthenticated like the rest of /_aksnet: the emulator binds to loopback.
import type { FastifyInstance } from "fastify";
import type { EmulatorSettings, Services } from "../../providers/context.js";
import { readTopology } from "../../providers/views/topology.js";
import type { Store } from "../../store/types.js";
import { PAGE_HTML } from "./page.js";

export interface WebDeps {
  store: Store;
  settings: EmulatorSettings;
  services: Services;
}

export function registerWebRoutes(app: FastifyInstance, deps: WebDeps): void {
  app.get("/_aksnet/topology", async (_req, reply) => {
    const topology = await deps.store.read((tx) => readTopology(tx, deps.settings, deps.services));
    return reply
      .header("cache-control", "no-store")
      .type("application/json; charset=utf-8")
      .send(JSON.stringify(topology));
  });
  app.get("/", async (_req, reply) =>
    reply.header("cache-control", "no-store").type("text/html; charset=utf-8").send(PAGE_HTML),
  );
}
