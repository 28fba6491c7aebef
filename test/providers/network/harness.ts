// A provider-level harness: a real store (SQLite in memory) and the real registry, with
// an ArmContext per transaction, so the Network internal API and handlers run exactly as
// the router runs them — without HTTP.
import type { ArmContext, EmulatorSettings } from "../../../src/providers/context.js";
import { createRegistry } from "../../../src/providers/index.js";
import { resourceGroups } from "../../../src/providers/resources/resourceGroups.js";
import { SqliteStore } from "../../../src/store/sqlite.js";
import type { Store } from "../../../src/store/types.js";

export const SUB = "00000000-1111-4222-8333-444444444444";
export const TENANT = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

export interface Harness {
  store: Store;
  settings: EmulatorSettings;
  /** Runs `fn` in one transaction (rolled back when it throws). */
  run<T>(fn: (ctx: ArmContext) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function harness(overrides: Partial<EmulatorSettings> = {}): Harness {
  const store = new SqliteStore(":memory:");
  const registry = createRegistry();
  const settings: EmulatorSettings = {
    tenantId: TENANT,
    subscriptions: [{ subscriptionId: SUB, tenantId: TENANT, displayName: "test" }],
    locations: ["eastus", "westus"],
    publicIPv4Pool: "20.0.0.0/8",
    publicIPv6Pool: "2603:1030::/32",
    featureRegistrationDelayMs: 0,
    pageSize: 100,
    operationDelayMs: 0,
    publicBaseUrl: "",
    caCertPem: "",
    ...overrides,
  };
  const services = { store, registry, kickOperations: () => undefined };
  const run = <T>(fn: (ctx: ArmContext) => Promise<T>) =>
    store.transaction((tx) =>
      fn({
        tx,
        subscriptionId: SUB,
        tenantId: TENANT,
        apiVersion: "2026-01-01",
        query: {},
        settings,
        services,
        now: new Date(),
      }),
    );
  return { store, settings, run, close: () => store.close() };
}

export const rg = (name: string) => `/subscriptions/${SUB}/resourceGroups/${name}`;
export const nid = (group: string, path: string) => `${rg(group)}/providers/Microsoft.Network/${path}`;

/** Creates a resource group through its handler. */
export async function makeGroup(h: Harness, name: string, location = "eastus"): Promise<void> {
  await h.run((ctx) =>
    resourceGroups.put!(
      ctx,
      { subscriptionId: SUB, namespace: "Microsoft.Resources", types: ["resourceGroups"], names: [name] },
      { location },
      {},
    ),
  );
}

export async function failure(
  p: Promise<unknown>,
): Promise<{ status: number; code: string; message: string; target?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { status: number; code: string; message: string; target?: string };
  }
  throw new Error("expected failure");
}
