// What every face plugin receives from the composition root (app.ts): the shared services,
// built once per process. A face registers its routes with these and nothing else.
import type { EmulatorSettings, Services } from "../providers/context.js";
import type { Runtime } from "../runtime/runtime.js";
import type { Store } from "../store/types.js";
import type { AdminCredentials } from "./admin/credentials.js";
import type { ArmRouter } from "./arm/router.js";
import type { TokenService } from "./auth.js";

export interface FaceDeps {
  store: Store;
  settings: EmulatorSettings;
  services: Services;
  runtime: Runtime;
  tokens: TokenService;
  /** The admin face's credentials: the CLI secret, login codes, browser sessions. */
  admin: AdminCredentials;
  arm: ArmRouter;
  /** When set, only these client id → secret pairs may sign in. */
  clients: Record<string, string> | undefined;
  /** Client ids configured or seen signing in since start (the Graph face lists them). */
  signedIn: Set<string>;
  /** The configured public address (`https://host:port`), the base of every absolute URL in a response. */
  baseUrl(): string;
}
