// What every face plugin receives from the composition root (app.ts): the shared services,
// built once per process. A face registers its routes with these and nothing else.
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
  /** The configured public address (`https://host:port`), the base of every absolute URL in a response. */
  baseUrl(): string;
}
