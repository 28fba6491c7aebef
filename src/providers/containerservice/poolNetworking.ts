// The node-networking settings of agent pools, end to end: the request-time rules (checked
// with everything else in validateCluster, so a refused request creates nothing), the scale
// set template (instance public IP configuration, ASG membership, gateway tags), and the
// reconcile/release steps the workers run after a pool's nodes are in place or gone.

import { scaleSetSpecOf } from "../compute/scaleSetPublicIPs.js";
import type { IpConfigTemplate, ScaleSetSpec } from "../compute/scaleSets.js";
import { listInstances, putInstance, putScaleSet } from "../compute/scaleSets.js";
import type { ArmContext } from "../context.js";
import { isIdOfType, parseResourceId } from "../ids.js";
import { publicIPPrefixFreeCount } from "../network/internal.js";
import { poolAsgIds, reconcileHostPorts, releaseHostPorts } from "./allowedHostPorts.js";
import { propertyChangeNotAllowed } from "./errors.js";
import {
  ensureGatewayPrefix,
  GATEWAY_LABELS,
  GATEWAY_PREFIX_SIZE_TAG,
  GATEWAY_TAINT,
  gatewayCapacity,
  releaseGatewayPrefix,
} from "./gatewayPools.js";
import type { ClusterInternal, PoolInternal, PoolSpec } from "./model.js";
import {
  applicationSecurityGroupNotFound,
  gatewayNodeCountExceedsPrefix,
  gatewayPoolNotSupported,
  invalidPoolParameter,
  prefixOutOfAddresses,
  publicIPPrefixNotFound,
  staticEgressGatewayInUse,
  staticEgressGatewayNotEnabled,
} from "./nodeNetworkErrors.js";
import {
  nodePublicIPId,
  PRIMARY_IPCONFIG,
  publicIPAddressConfiguration,
  reconcileNodePublicIPs,
  releaseNodePublicIPs,
} from "./nodePublicIPs.js";
import { infraIds } from "./nodeResourceGroup.js";
import { type PoolNetworkSpec, readPoolNetworkSpec } from "./poolNetworkSpec.js";
import { PREVIEW_FLAGS, requireKubernetesVersion, requirePreviewFeature } from "./previewGates.js";
import type { ValidationInput } from "./validation.js";

const PREFIX_TYPE = "Microsoft.Network/publicIPPrefixes";
const ASG_TYPE = "Microsoft.Network/applicationSecurityGroups";

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

// ---- request-time rules ---------------------------------------------------------------------

function checkImmutable(pool: PoolSpec, spec: PoolNetworkSpec, old: PoolSpec, was: PoolNetworkSpec): void {
  const pairs: [string, unknown, unknown][] = [
    ["agentPoolProfile.enableNodePublicIP", was.enableNodePublicIP, spec.enableNodePublicIP],
    [
      "agentPoolProfile.nodePublicIPPrefixID",
      was.nodePublicIPPrefixID ?? "",
      spec.nodePublicIPPrefixID ?? "",
    ],
    ["agentPoolProfile.mode", old.mode === "Gateway", pool.mode === "Gateway"],
    [
      "agentPoolProfile.gatewayProfile.publicIPPrefixSize",
      was.gatewayPrefixSize ?? "",
      spec.gatewayPrefixSize ?? "",
    ],
  ];
  for (const [p, x, y] of pairs)
    if (String(x).toLowerCase() !== String(y).toLowerCase())
      throw propertyChangeNotAllowed(
        p,
        p.endsWith(".mode") ? old.mode : x,
        p.endsWith(".mode") ? pool.mode : y,
      );
  // Azure public IPs cannot change their IP tags once created.
  if (!same(was.nodePublicIPTags, spec.nodePublicIPTags))
    throw propertyChangeNotAllowed(
      "agentPoolProfile.networkProfile.nodePublicIPTags",
      JSON.stringify(was.nodePublicIPTags),
      JSON.stringify(spec.nodePublicIPTags),
    );
}

async function checkAsgs(ctx: ArmContext, location: string, ids: string[]): Promise<void> {
  for (const [i, id] of ids.entries()) {
    const target = `agentPoolProfile.networkProfile.applicationSecurityGroups[${i}]`;
    if (!isIdOfType(id, ASG_TYPE))
      throw invalidPoolParameter(target, `'${id}' is not an application security group resource id.`);
    const rec = await ctx.tx.getResource(id);
    if (!rec) throw applicationSecurityGroupNotFound(id, target);
    if (rec.body.location !== location)
      throw invalidPoolParameter(
        target,
        `Application security group '${id}' is in '${String(rec.body.location)}'; it must be in the cluster's region '${location}'.`,
      );
  }
}

/**
 * Every rule of the node-networking settings, for the desired pools of a cluster PUT or a
 * pool PUT. Feature flags and version gates apply when a setting is newly set or changed, so
 * re-sending an unchanged cluster never fails on them.
 */
export async function validateNodeNetworking(ctx: ArmContext, input: ValidationInput): Promise<void> {
  const { spec, prev, pools, prevPools } = input;
  const active = (name: string) => {
    const p = prevPools.get(name.toLowerCase());
    return p && !p.deleting ? p : undefined;
  };
  const enabled = spec.network.staticEgressGateway === true;
  const wasEnabled = prev?.spec.network.staticEgressGateway === true;
  if (enabled && !wasEnabled)
    await requirePreviewFeature(
      ctx,
      PREVIEW_FLAGS.staticEgressGateway,
      "The static egress gateway (networkProfile.staticEgressGatewayProfile)",
      "properties.networkProfile.staticEgressGatewayProfile.enabled",
    );
  const gateways = pools.filter((p) => p.mode === "Gateway");
  if (!enabled && wasEnabled && gateways.some((p) => active(p.name)))
    throw staticEgressGatewayInUse(gateways.filter((p) => active(p.name)).map((p) => p.name));
  const podSubnet = pools.find((p) => p.podSubnetID);

  const need = new Map<string, { id: string; count: number }>();
  for (const pool of pools) {
    const nn = readPoolNetworkSpec(pool);
    const old = active(pool.name)?.spec;
    const was = old ? readPoolNetworkSpec(old) : undefined;
    if (old && was) checkImmutable(pool, nn, old, was);
    const version = pool.orchestratorVersion;

    if (nn.nodePublicIPPrefixID && !nn.enableNodePublicIP)
      throw invalidPoolParameter(
        "agentPoolProfile.nodePublicIPPrefixID",
        "nodePublicIPPrefixID can only be set when enableNodePublicIP is true.",
      );
    if (nn.nodePublicIPTags.length && !nn.enableNodePublicIP)
      throw invalidPoolParameter(
        "agentPoolProfile.networkProfile.nodePublicIPTags",
        "nodePublicIPTags can only be set when enableNodePublicIP is true.",
      );
    if (nn.nodePublicIPTags.length && !was) {
      await requirePreviewFeature(
        ctx,
        PREVIEW_FLAGS.nodePublicIPTags,
        "Node public IP tags (networkProfile.nodePublicIPTags)",
        "networkProfile.nodePublicIPTags",
      );
      requireKubernetesVersion(
        version,
        "Node public IP tags",
        "agentPoolProfile.networkProfile.nodePublicIPTags",
      );
    }
    const portsChanged = !was || !same(was.allowedHostPorts, nn.allowedHostPorts);
    const asgsChanged = !was || !same(was.applicationSecurityGroups, nn.applicationSecurityGroups);
    if (nn.allowedHostPorts.length && portsChanged)
      requireKubernetesVersion(
        version,
        "Allowed host ports",
        "agentPoolProfile.networkProfile.allowedHostPorts",
      );
    if (nn.applicationSecurityGroups.length && asgsChanged) {
      requireKubernetesVersion(
        version,
        "Application security groups",
        "agentPoolProfile.networkProfile.applicationSecurityGroups",
      );
      await checkAsgs(ctx, spec.location, nn.applicationSecurityGroups);
    }

    if (nn.gatewayProfileGiven && pool.mode !== "Gateway")
      throw invalidPoolParameter(
        "agentPoolProfile.gatewayProfile",
        `gatewayProfile is only allowed on agent pools with mode 'Gateway'; '${pool.name}' has mode '${pool.mode}'.`,
      );
    if (pool.mode === "Gateway") {
      if (!enabled) throw staticEgressGatewayNotEnabled(pool.name);
      if (!old)
        await requirePreviewFeature(
          ctx,
          PREVIEW_FLAGS.staticEgressGateway,
          "A gateway agent pool (mode 'Gateway')",
          "mode",
        );
      if (pool.osType === "Windows")
        throw gatewayPoolNotSupported(
          pool.name,
          "gateway pools cannot run Windows.",
          "agentPoolProfile.osType",
        );
      if (nn.enableAutoScaling)
        throw gatewayPoolNotSupported(
          pool.name,
          "gateway pools do not support autoscaling; scale them with their node count.",
          "agentPoolProfile.enableAutoScaling",
        );
      if (podSubnet)
        throw gatewayPoolNotSupported(
          pool.name,
          `the static egress gateway is not supported on clusters that use Azure CNI with a pod subnet (agent pool '${podSubnet.name}' sets podSubnetID).`,
          "agentPoolProfile.podSubnetID",
        );
      const size = nn.gatewayPrefixSize as number;
      if (pool.count > gatewayCapacity(size))
        throw gatewayNodeCountExceedsPrefix(pool.name, pool.count, size);
    }

    if (nn.enableNodePublicIP && nn.nodePublicIPPrefixID) {
      const id = nn.nodePublicIPPrefixID;
      if (!isIdOfType(id, PREFIX_TYPE))
        throw invalidPoolParameter(
          "agentPoolProfile.nodePublicIPPrefixID",
          `'${id}' is not a public IP prefix resource id.`,
        );
      const delta = pool.count - (old && was?.enableNodePublicIP ? old.count : 0);
      const key = id.toLowerCase();
      const cur = need.get(key) ?? { id, count: 0 };
      cur.count += Math.max(0, delta);
      need.set(key, cur);
    }
  }
  // A pool larger than what is free in its prefix fails here, before anything is created.
  for (const { id, count } of need.values()) {
    const rec = await ctx.tx.getResource(id);
    if (!rec || rec.type.toLowerCase() !== PREFIX_TYPE.toLowerCase()) throw publicIPPrefixNotFound(id);
    if (rec.body.location !== spec.location)
      throw invalidPoolParameter(
        "agentPoolProfile.nodePublicIPPrefixID",
        `Public IP prefix '${id}' is in '${String(rec.body.location)}'; it must be in the cluster's region '${spec.location}'.`,
      );
    if (count === 0) continue;
    const free = await publicIPPrefixFreeCount(ctx, rec.id);
    if (count > free) {
      const len = Number((rec.body.properties as { prefixLength?: number }).prefixLength);
      throw prefixOutOfAddresses(rec.id, 2 ** (32 - len), free, count);
    }
  }
}

// ---- scale set template ------------------------------------------------------------------------

/** What AKS puts on the pool's scale set for its node-networking settings. */
export function withNodeNetworking(
  spec: ScaleSetSpec,
  internal: ClusterInternal,
  pool: PoolInternal,
  nodeRgId: string,
): ScaleSetSpec {
  const nn = readPoolNetworkSpec(pool.spec);
  const asgs = poolAsgIds(nodeRgId, pool.spec.name, internal.hash, nn);
  const ipConfigurations: IpConfigTemplate[] = spec.ipConfigurations.map((c) =>
    c.name !== PRIMARY_IPCONFIG
      ? c
      : {
          ...c,
          ...(nn.enableNodePublicIP
            ? { publicIPAddressConfiguration: publicIPAddressConfiguration(nn) }
            : {}),
          ...(asgs.length ? { applicationSecurityGroupIds: asgs } : {}),
        },
  );
  const tags =
    pool.spec.mode === "Gateway"
      ? { ...spec.tags, [GATEWAY_PREFIX_SIZE_TAG]: String(nn.gatewayPrefixSize) }
      : spec.tags;
  return { ...spec, tags, ipConfigurations };
}

// ---- reconcile / release -------------------------------------------------------------------------

/** What a node carries for the Kubernetes face (labels, taints) and what it holds (public IP). */
export interface NodeNetworking {
  publicIPAddressId?: string;
  labels: Record<string, string>;
  taints: { key: string; value: string; effect: string }[];
  applicationSecurityGroupIds: string[];
}

export function nodeKubernetesMeta(pool: PoolSpec): Pick<NodeNetworking, "labels" | "taints"> {
  const labels: Record<string, string> = {
    "kubernetes.azure.com/agentpool": pool.name,
    "kubernetes.azure.com/mode": pool.mode.toLowerCase(),
  };
  if (pool.mode !== "Gateway") return { labels, taints: [] };
  return { labels: { ...labels, ...GATEWAY_LABELS }, taints: [{ ...GATEWAY_TAINT }] };
}

export interface Where {
  clusterId: string;
  clusterName: string;
  internal: ClusterInternal;
  nodeRgId: string;
  nsgId: string;
}

/** Where a cluster's pools live (node resource group, cluster NSG). */
export function whereOf(ctx: ArmContext, clusterId: string, internal: ClusterInternal): Where {
  const clusterName = parseResourceId(clusterId).names[0];
  const ids = infraIds(ctx, clusterName, internal);
  return { clusterId, clusterName, internal, nodeRgId: ids.nodeRgId, nsgId: ids.nsgId };
}

function clusterTags(w: Where): Record<string, string> {
  return {
    "aks-managed-cluster-name": w.clusterName,
    "aks-managed-cluster-rg": parseResourceId(w.clusterId).resourceGroup ?? "",
  };
}

/** Runs after the pool's nodes are in place: ASG and rules, gateway prefix, node public IPs. */
export async function reconcilePoolNetworking(ctx: ArmContext, w: Where, pool: PoolInternal): Promise<void> {
  const nn = readPoolNetworkSpec(pool.spec);
  const location = w.internal.spec.location;
  const tags = clusterTags(w);
  const name = pool.spec.name;
  // The scale set's template shows the instance public IP configuration, ASGs and gateway tags.
  const ss = await scaleSetSpecOf(ctx, pool.vmssId);
  if (ss) {
    const decorated = withNodeNetworking(ss, w.internal, pool, w.nodeRgId);
    if (!same(decorated, ss)) await putScaleSet(ctx, decorated, w.clusterId);
  }
  await reconcileHostPorts(
    ctx,
    {
      clusterId: w.clusterId,
      nsgId: w.nsgId,
      nodeRgId: w.nodeRgId,
      location,
      tags,
      pool: name,
      hash: w.internal.hash,
    },
    nn,
  );
  if (pool.spec.mode === "Gateway")
    await ensureGatewayPrefix(
      ctx,
      { nodeRgId: w.nodeRgId, location, tags, pool: name, hash: w.internal.hash },
      nn.gatewayPrefixSize as number,
    );
  const instances = await listInstances(ctx, pool.vmssId);
  const pips = await reconcileNodePublicIPs(
    ctx,
    {
      nodeRgId: w.nodeRgId,
      location,
      clusterName: w.clusterName,
      clusterRg: tags["aks-managed-cluster-rg"],
      poolName: name,
      vmssId: pool.vmssId,
    },
    nn,
    instances,
  );
  // Record on each instance what the Kubernetes face reads; re-write only what changed.
  const meta = nodeKubernetesMeta(pool.spec);
  const asgs = poolAsgIds(w.nodeRgId, name, w.internal.hash, nn);
  for (const inst of instances) {
    const pip = pips.get(inst.instanceId);
    const want: NodeNetworking = {
      ...(pip ? { publicIPAddressId: pip } : {}),
      ...meta,
      applicationSecurityGroupIds: asgs,
    };
    const data = inst.data ?? {};
    if (same(data.networking, want)) continue;
    await putInstance(ctx, pool.vmssId, {
      instanceId: inst.instanceId,
      computerName: inst.computerName,
      nicIds: inst.nicIds,
      data: { ...data, networking: want },
    });
  }
}

/** Runs after the pool's nodes are gone: node public IPs, rules and ASG, gateway prefix. */
export async function releasePoolNetworking(ctx: ArmContext, w: Where, pool: PoolInternal): Promise<void> {
  const name = pool.spec.name;
  await releaseNodePublicIPs(ctx, w.nodeRgId, pool.vmssId);
  await releaseHostPorts(ctx, {
    clusterId: w.clusterId,
    nsgId: w.nsgId,
    nodeRgId: w.nodeRgId,
    location: w.internal.spec.location,
    tags: {},
    pool: name,
    hash: w.internal.hash,
  });
  await releaseGatewayPrefix(ctx, { nodeRgId: w.nodeRgId, pool: name, hash: w.internal.hash });
}

// ---- wire -----------------------------------------------------------------------------------------

/** Pool properties AKS fills in for these settings (the gateway prefix size default). */
export function poolNetworkingWire(pool: PoolSpec): Record<string, unknown> {
  if (pool.mode !== "Gateway") return {};
  const nn = readPoolNetworkSpec(pool);
  return { gatewayProfile: { publicIPPrefixSize: nn.gatewayPrefixSize } };
}

export { nodePublicIPId };
