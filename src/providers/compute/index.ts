// Microsoft.Compute handlers (read-only over HTTP; AKS's reconciler writes scale sets).
import type { ResourceTypeHandler } from "../registry.js";
import { scaleSetNetworkHandlers } from "./scaleSetPublicIPs.js";
import { virtualMachineScaleSets, virtualMachineScaleSetVMs } from "./scaleSets.js";

export const computeHandlers: ResourceTypeHandler[] = [
  virtualMachineScaleSets,
  virtualMachineScaleSetVMs,
  ...scaleSetNetworkHandlers,
];
