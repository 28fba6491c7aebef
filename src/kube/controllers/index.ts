// Starts what makes an emulated cluster alive, once per emulator: the mutating admission
// chain (built-in plugins, host-port auto-assignment …) for the store, and the controller manager.
import type { EmulatorSettings, Services } from "../../providers/context.js";
import type { Store } from "../../store/types.js";
import { hostPortAdmission, registerAdmission } from "../admission.js";
import { serviceAllocationAdmission } from "../services/admission.js";
import { registerArmDeps } from "./armContext.js";
import { daemonSetTemplateGenerationAdmission } from "./daemonset.js";
import { registerHciKubeOptions } from "./hciServices.js";
import { limitRangerAdmission } from "./limitRanger.js";
import { ControllerManager } from "./manager.js";
import { PRIORITY_CLASS_KEY, priorityAdmission } from "./priority.js";
import { QUOTA_COUNTED, quotaAdmission } from "./quota.js";
import { namespaceDefaultsAdmission, registerRootCa, serviceAccountAdmission } from "./serviceAccounts.js";
import { egressPodAdmission } from "./staticGatewayConfiguration.js";
import { storageAdmission, VOLUME_KINDS } from "./volumes.js";

export { ControllerManager } from "./manager.js";

export async function startKubeControllers(deps: {
  store: Store;
  settings: EmulatorSettings;
  services: Services;
  log: (msg: string, err?: unknown) => void;
}): Promise<ControllerManager> {
  registerRootCa(deps.store, deps.settings.caCertPem);
  registerAdmission(deps.store, [
    // Built-in plugins first (LimitRanger, ServiceAccount, Priority), then the webhooks', as kube-apiserver orders them.
    { resources: ["core/pods"], step: limitRangerAdmission() },
    { resources: ["core/namespaces"], step: namespaceDefaultsAdmission(deps.store) },
    { resources: ["core/pods"], step: serviceAccountAdmission() },
    { resources: ["core/pods", PRIORITY_CLASS_KEY], step: priorityAdmission() },
    { resources: ["core/pods"], step: hostPortAdmission(deps.settings, deps.services) },
    { resources: ["core/services"], step: serviceAllocationAdmission() },
    // DefaultStorageClass, StorageObjectInUseProtection.
    { resources: [...VOLUME_KINDS], step: storageAdmission() },
    { resources: ["core/pods"], step: egressPodAdmission() },
    { resources: ["apps/daemonsets"], step: daemonSetTemplateGenerationAdmission() },
    // ResourceQuota last, as upstream orders it: it sees what every step before made.
    { resources: [...QUOTA_COUNTED], step: quotaAdmission() },
  ]);
  registerArmDeps(deps.store, deps.settings, deps.services);
  registerHciKubeOptions(deps.store, { emulateKnownIssues: deps.settings.emulateKnownIssues ?? false });
  const m = new ControllerManager(deps.store, deps.log);
  await m.start();
  return m;
}
