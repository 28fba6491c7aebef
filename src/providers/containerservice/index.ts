// Microsoft.ContainerService handlers (importing them also registers the reconcile workers).
import type { ResourceTypeHandler } from "../registry.js";
import { agentPools } from "./agentPools.js";
import { managedClusters } from "./managedClusters.js";
import { clusterUpgradeProfiles, locationVersions, poolUpgradeProfiles } from "./upgradeProfiles.js";

export const containerServiceHandlers: ResourceTypeHandler[] = [
  managedClusters,
  agentPools,
  clusterUpgradeProfiles,
  poolUpgradeProfiles,
  locationVersions,
];
