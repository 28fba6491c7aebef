// The ARM facts controllers need to act on Azure resources (the service LB controller, the
// static egress gateway, the kubelet's pod-subnet batches): settings and services, per store,
// registered once by the composition root (controllers/index.ts).
import type { ArmContext, EmulatorSettings, Services } from "../../providers/context.js";
import type { Store, Tx } from "../../store/types.js";

const armDeps = new WeakMap<Store, { settings: EmulatorSettings; services: Services }>();

export function registerArmDeps(store: Store, settings: EmulatorSettings, services: Services): void {
  armDeps.set(store, { settings, services });
}

/** Whether this store's controllers may act on ARM (an emulator registered them). */
export function hasArmDeps(store: Store): boolean {
  return armDeps.has(store);
}

/** An ARM context for a controller's write in `tx`, as a background worker of the subscription. */
export function armContext(store: Store, tx: Tx, subscriptionId: string): ArmContext {
  const deps = armDeps.get(store);
  if (!deps) throw new Error("controllers: ARM services not registered for this store");
  return {
    tx,
    subscriptionId,
    tenantId: deps.settings.tenantId,
    apiVersion: "",
    query: {},
    settings: deps.settings,
    services: deps.services,
    now: new Date(),
  };
}
