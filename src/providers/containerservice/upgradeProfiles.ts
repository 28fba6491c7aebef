// Read-only version answers of Microsoft.ContainerService, from the supported-version table
// (model.ts KUBERNETES_VERSIONS):
//   GET …/managedClusters/{c}/upgradeProfiles/default            (ManagedClusters_GetUpgradeProfile)
//   GET …/managedClusters/{c}/agentPools/{p}/upgradeProfiles/default (AgentPools_GetUpgradeProfile)
//   GET …/managedClusters/{c}/availableAgentPoolVersions         (AgentPools_GetAvailableAgentPoolVersions)
//   GET …/providers/Microsoft.ContainerService/locations/{loc}/kubernetesVersions | orchestrators
// AKS upgrades one minor at a time (versions.ts upgradesOf).
import { normalizeLocation, requireResourceGroup } from "../common.js";
import type { ArmContext } from "../context.js";
import { ArmError, resourceNotFound } from "../errors.js";
import { buildId, type ResourceRef } from "../ids.js";
import type { ResourceTypeHandler, Wire } from "../registry.js";
import {
  AKS_API_VERSIONS,
  CLUSTER_TYPE,
  DEFAULT_KUBERNETES_VERSION,
  KUBERNETES_VERSIONS,
  NS,
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

/** `GET …/providers/Microsoft.ContainerService/locations/{loc}/kubernetesVersions` (ManagedClusters_ListKubernetesVersions). */
async function kubernetesVersions(ctx: ArmContext, ref: ResourceRef): Promise<Wire> {
  normalizeLocation(ctx, ref.names[0]);
  const byMinor = new Map<string, string[]>();
  for (const v of supportedVersions()) {
    const minor = v.split(".").slice(0, 2).join(".");
    byMinor.set(minor, [...(byMinor.get(minor) ?? []), v]);
  }
  return {
    values: [...byMinor].map(([version, patches]) => ({
      version,
      ...(version === DEFAULT_KUBERNETES_VERSION ? { isDefault: true } : {}),
      capabilities: { supportPlan: ["KubernetesOfficial"] },
      patchVersions: Object.fromEntries(
        patches.map((p) => [p, { upgrades: upgradesOf(p).map((u) => u.kubernetesVersion) }]),
      ),
    })),
  };
}

/**
 * `GET …/locations/{loc}/orchestrators?resource-type=managedClusters` (ContainerServices_ListOrchestrators,
 * what az before 2.50 calls for `aks get-versions`): one entry per supported patch.
 */
async function orchestrators(ctx: ArmContext, ref: ResourceRef): Promise<Wire> {
  normalizeLocation(ctx, ref.names[0]);
  const dflt = KUBERNETES_VERSIONS[DEFAULT_KUBERNETES_VERSION];
  return {
    id: `/subscriptions/${ctx.subscriptionId}/providers/${NS}/locations/${ref.names[0]}/orchestrators`,
    name: "default",
    type: `${NS}/locations/orchestrators`,
    properties: {
      orchestrators: supportedVersions().map((v) => {
        const upgrades = upgradesOf(v).map((u) => ({
          orchestratorType: "Kubernetes",
          orchestratorVersion: u.kubernetesVersion,
        }));
        return {
          orchestratorType: "Kubernetes",
          orchestratorVersion: v,
          ...(v === dflt ? { default: true } : {}),
          ...(upgrades.length ? { upgrades } : {}),
        };
      }),
    },
  };
}

/** The region-level version lists, GET actions on `locations/{loc}`. */
export const locationVersions: ResourceTypeHandler = {
  type: `${NS}/locations`,
  apiVersions: AKS_API_VERSIONS,
  scope: "subscription",
  readActions: { kubernetesversions: kubernetesVersions, orchestrators },
};
