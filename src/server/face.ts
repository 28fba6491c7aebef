// What every face plugin receives from the composition root (app.ts): the shared services,
// built once per process. A face registers its routes with these and nothing else.
import type { FastifyRequest } from "fastify";
import type { EmulatorSettings, Services } from "../providers/context.js";
import type { OperationRunner } from "../providers/operations.js";
import type { Store } from "../store/types.js";
import type { ArmRouter } from "./arm/router.js";
import type { TokenService } from "./auth.js";

export interface FaceDeps {
  store: Store;
  settings: EmulatorSettings;
  services: Services;
  runner: OperationRunner;
  tokens: TokenService;
  arm: ArmRouter;
  /** When set, only these client id → secret pairs may sign in. */
  clients: Record<string, string> | undefined;
  /** `https://host:port` for absolute URLs in responses. */
  baseUrl(req: FastifyRequest): string;
}
