// Read-only version answers of Microsoft.ContainerService, from the supported-version table
// (model.ts KUBERNETES_VERSIONS):
//   GET …/managedClusters/{c}/upgradeProfiles/default            (ManagedClusters_GetUpgradeProfile)
//   GET …/managedClusters/{c}/agentPools/{p}/upgradeProfiles/default (AgentPools_GetUpgradeProfile)
//   GET …/managedClusters/{c}/availableAgentPoolVersions         (AgentPools_GetAvailableAgentPoolVersions)
// AKS upgrades one minor at a time (versions.ts upgradesOf).
import { requireResourceGroup } from "../common.js";
import type { ArmContext } from "../context.js";
import { ArmError, resourceNotFound } from "../errors.js";
import { buildId, type ResourceRef } from "../ids.js";
import type { ResourceTypeHandler, Wire } from "../registry.js";
import {
  AKS_API_VERSIONS,
  CLUSTER_TYPE,
  DEFAULT_KUBERNETES_VERSION,
  KUBERNETES_VERSIONS,
  POOL_TYPE,
} from "./model.js";
import { type ClusterRecord, getCluster, listPools } from "./records.js";
import { currentOf, supportedVersions, upgradesOf } from "./versions.js";
import { NODE_IMAGE } from "./wire.js";

async function requireCluster(ctx: ArmContext, ref: ResourceRef): Promise<ClusterRecord> {
  await requireResourceGroup(ctx, ref);
  const id = buildId({ ...ref, types: ["managedClusters"], names: [ref.names[0]] });
  const c = await getCluster(ctx, id);
  if (!c) throw resourceNotFound(CLUSTER_TYPE, ref.names[0], ref.resourceGroup);
  return c;
}

function onlyDefault(ref: ResourceRef): void {
  if (ref.names[ref.names.length - 1].toLowerCase() !== "default")
    throw new ArmError(
      404,
      "NotFound",
      `The upgrade profile '${ref.names[ref.names.length - 1]}' does not exist; the only profile is 'default'.`,
    );
}

export const clusterUpgradeProfiles: ResourceTypeHandler = {
  type: `${CLUSTER_TYPE}/upgradeProfiles`,
  apiVersions: AKS_API_VERSIONS,
  scope: "resourceGroup",
  async get(ctx, ref) {
    onlyDefault(ref);
    const c = await requireCluster(ctx, ref);
    const current = c.internal.spec.currentKubernetesVersion;
    const pools = (await listPools(ctx, c.rec.id)).map((p) => p.internal.spec);
    return {
      id: `${c.rec.id}/upgradeprofiles/default`,
      name: "default",
      type: `${CLUSTER_TYPE}/upgradeprofiles`,
      properties: {
        controlPlaneProfile: {
          name: "master",
          kubernetesVersion: current,
          osType: "Linux",
          upgrades: upgradesOf(current),
        },
        agentPoolProfiles: pools.map((p) => {
          const v = currentOf(p.orchestratorVersion);
          return { name: p.name, kubernetesVersion: v, osType: p.osType, upgrades: upgradesOf(v) };
        }),
      },
    } satisfies Wire;
  },
};

export const poolUpgradeProfiles: ResourceTypeHandler = {
  type: `${POOL_TYPE}/upgradeProfiles`,
  apiVersions: AKS_API_VERSIONS,
  scope: "resourceGroup",
  async get(ctx, ref) {
    onlyDefault(ref);
    const c = await requireCluster(ctx, ref);
    const pool = (await listPools(ctx, c.rec.id)).find(
      (p) => p.internal.spec.name.toLowerCase() === ref.names[1].toLowerCase(),
    );
    if (!pool)
      throw new ArmError(
        404,
        "NotFound",
        `Could not find agent pool '${ref.names[1]}' in managed cluster '${ref.names[0]}' of resource group '${ref.resourceGroup}'.`,
      );
    const s = pool.internal.spec;
    const v = currentOf(s.orchestratorVersion);
    return {
      id: `${pool.rec.id}/upgradeprofiles/default`,
      name: "default",
      type: `${POOL_TYPE}/upgradeProfiles`,
      properties: {
        kubernetesVersion: v,
        osType: s.osType,
        upgrades: upgradesOf(v),
        latestNodeImageVersion: NODE_IMAGE[s.osType],
      },
    } satisfies Wire;
  },
};

/** `GET …/managedClusters/{c}/availableAgentPoolVersions`. */
export async function availableAgentPoolVersions(ctx: ArmContext, ref: ResourceRef): Promise<Wire> {
  const c = await requireCluster(ctx, ref);
  const dflt = KUBERNETES_VERSIONS[DEFAULT_KUBERNETES_VERSION];
  return {
    id: `${c.rec.id}/availableagentpoolversions`,
    name: "default",
    type: `${CLUSTER_TYPE}/availableAgentpoolVersions`,
    properties: {
      agentPoolVersions: supportedVersions().map((kubernetesVersion) => ({
        kubernetesVersion,
        ...(kubernetesVersion === dflt ? { default: true } : {}),
      })),
    },
  };
}
