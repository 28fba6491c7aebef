// az aks nodepool add|show|list|update|scale|delete (managedClusters/agentPools).

import { API, noWaitFlag, parseTags, tagsFlag } from "../common.js";
import { CliError } from "../io.js";
import type { Json } from "../output.js";
import { isObject } from "../output.js";
import { flag } from "../parser.js";
import type { CommandTable, Ctx } from "../types.js";
import { clusterPath, GATEWAY_PREFIX_SIZES, MODES, poolFlags, poolInputFromArgs } from "./aks.js";
import {
  buildAgentPoolProperties,
  parseAllowedHostPorts,
  parseAsgIds,
  parseKeyValues,
  validatePool,
} from "./aks-body.js";

type Obj = Record<string, unknown>;

const rg = () => flag("--resource-group -g", "Name of resource group.", { required: true });
const cluster = () => flag("--cluster-name", "The cluster name.", { required: true });
const poolName = () =>
  flag("--name --nodepool-name -n", "The node pool name.", { required: true, dest: "name" });

function poolPath(ctx: Ctx, sub: string): string {
  const a = ctx.args;
  return `${clusterPath(sub, String(a.str("resourceGroup")), String(a.str("clusterName")))}/agentPools/${encodeURIComponent(String(a.str("name")))}`;
}

/**
 * az's aks_agentpool_list_table_format: `{name, osType, kubernetesVersion: orchestratorVersion,
 * vmSize, osDiskSizeGB: osDiskSizeGB, count, …}` over the todict'ed result, whose key is
 * `osDiskSizeGb`: the OsDiskSizeGB cell is always None, so knack drops the column.
 */
const poolRow = (r: Json): Json => {
  const o = isObject(r) ? r : {};
  return {
    Name: o.name ?? null,
    OsType: o.osType ?? null,
    KubernetesVersion: o.orchestratorVersion ?? null,
    VmSize: o.vmSize ?? null,
    OsDiskSizeGB: o.osDiskSizeGB ?? null,
    Count: o.count ?? null,
    MaxPods: o.maxPods ?? null,
    ProvisioningState: o.provisioningState ?? null,
    Mode: o.mode ?? null,
  };
};

// Read-only fields of an AgentPool that az does not send back on update.
const READ_ONLY = ["provisioningState", "currentOrchestratorVersion", "nodeImageVersion", "eTag"];

async function putPool(ctx: Ctx, path: string, properties: Obj): Promise<unknown> {
  const arm = await ctx.arm();
  for (const k of READ_ONLY) delete properties[k];
  return arm.lro("PUT", path, API.containerService, { properties }, { noWait: ctx.args.bool("noWait") });
}

export const COMMANDS: CommandTable = {
  "aks nodepool add": {
    inferResourceGroupFromCluster: "clusterName",
    summary: "Add a node pool to the managed Kubernetes cluster.",
    table: poolRow,
    flags: [
      rg(),
      cluster(),
      poolName(),
      ...poolFlags(false),
      flag("--os-type", "The OS Type.", { choices: ["Linux", "Windows"], default: "Linux" }),
      flag("--mode", "The mode for a node pool which defines a node pool's primary function.", {
        choices: MODES,
        default: "User",
      }),
      flag("--gateway-prefix-size", "The size of the public IP prefix of a Gateway-mode node pool.", {
        choices: GATEWAY_PREFIX_SIZES,
      }),
      flag("--kubernetes-version -k", "Version of Kubernetes to use for creating the node pool."),
      flag(
        "--location -l",
        "Accepted for compatibility; the node pool is created in the cluster's location.",
        { hidden: true },
      ),
      tagsFlag(),
      noWaitFlag(),
    ],
    examples: [
      {
        title: "Create a node pool whose nodes have public IPs.",
        command:
          "az aks nodepool add -g MyResourceGroup --cluster-name MyManagedCluster -n nodepool2 --enable-node-public-ip",
      },
      {
        title: "Create a gateway node pool for static egress.",
        command:
          "az aks nodepool add -g MyResourceGroup --cluster-name MyManagedCluster -n gwpool --mode gateway --node-count 2 --gateway-prefix-size 30",
      },
    ],
    run: async (ctx) => {
      const a = ctx.args;
      const input = {
        ...poolInputFromArgs(a, false),
        mode: a.str("mode") ?? "User",
        osType: a.str("osType") ?? "Linux",
      };
      validatePool(input);
      const arm = await ctx.arm();
      const sub = await ctx.subscription();
      const name = String(a.str("name"));
      // az lists the pools first and refuses a duplicate name client-side.
      const existing = await arm.list(
        `${clusterPath(sub, String(a.str("resourceGroup")), String(a.str("clusterName")))}/agentPools`,
        API.containerService,
      );
      if (existing.some((p) => String(p.name).toLowerCase() === name.toLowerCase())) {
        throw new CliError(
          `Node pool ${name} already exists, please try a different name, use 'aks nodepool list' to get current list of node pool`,
        );
      }
      const props = buildAgentPoolProperties({ ...input, tags: parseTags(a.list("tags")) }, { mode: "User" });
      return putPool(ctx, poolPath(ctx, sub), props);
    },
  },
  "aks nodepool show": {
    inferResourceGroupFromCluster: "clusterName",
    summary: "Show the details for a node pool in the managed Kubernetes cluster.",
    table: poolRow,
    flags: [rg(), cluster(), poolName()],
    run: async (ctx) => (await ctx.arm()).get(poolPath(ctx, await ctx.subscription()), API.containerService),
  },
  "aks nodepool list": {
    inferResourceGroupFromCluster: "clusterName",
    summary: "List node pools in the managed Kubernetes cluster.",
    table: (r) => (Array.isArray(r) ? r.map(poolRow) : poolRow(r)),
    flags: [rg(), cluster()],
    run: async (ctx) => {
      const arm = await ctx.arm();
      const sub = await ctx.subscription();
      return arm.list(
        `${clusterPath(sub, String(ctx.args.str("resourceGroup")), String(ctx.args.str("clusterName")))}/agentPools`,
        API.containerService,
      );
    },
  },
  "aks nodepool update": {
    inferResourceGroupFromCluster: "clusterName",
    summary: "Update a node pool properties.",
    table: poolRow,
    flags: [
      rg(),
      cluster(),
      poolName(),
      flag(
        "--allowed-host-ports",
        'Expose host ports on the node pool, e.g. 80/tcp,443/tcp,53/udp,40000-60000/tcp. "" clears them.',
      ),
      flag(
        "--asg-ids",
        'The IDs of the application security groups to which the node pool\'s network interface should belong. "" clears them.',
      ),
      flag("--mode", "The mode for a node pool which defines a node pool's primary function.", {
        choices: MODES,
      }),
      flag("--labels:list", "The node labels for the node pool (key=value ...).", { minValues: 0 }),
      flag("--node-taints", 'The node taints for the node pool (comma-separated; "" clears them).'),
      flag("--enable-cluster-autoscaler -e:bool", "Enable cluster autoscaler."),
      flag("--disable-cluster-autoscaler -d:bool", "Disable cluster autoscaler."),
      flag("--update-cluster-autoscaler -u:bool", "Update min-count or max-count for cluster autoscaler."),
      flag(
        "--min-count:int",
        'Minimum nodes count used for autoscaler, when "--enable-cluster-autoscaler" specified.',
      ),
      flag(
        "--max-count:int",
        'Maximum nodes count used for autoscaler, when "--enable-cluster-autoscaler" specified.',
      ),
      tagsFlag(),
      noWaitFlag(),
    ],
    run: async (ctx) => {
      const a = ctx.args;
      const autoscaler = autoscalerUpdate(a);
      const changes = [
        "allowedHostPorts",
        "asgIds",
        "mode",
        "labels",
        "nodeTaints",
        "tags",
        "enableClusterAutoscaler",
        "disableClusterAutoscaler",
        "updateClusterAutoscaler",
      ].filter((d) => a.has(d));
      if (changes.length === 0) {
        throw new CliError(
          'Please specify one or more of "--enable-cluster-autoscaler" or "--disable-cluster-autoscaler" or "--update-cluster-autoscaler" or "--tags" or "--mode" or "--labels" or "--node-taints" or "--allowed-host-ports" or "--asg-ids".',
        );
      }
      const hostPorts = a.has("allowedHostPorts")
        ? parseAllowedHostPorts(a.str("allowedHostPorts") ?? "", "--allowed-host-ports")
        : undefined;
      const asgIds = a.has("asgIds") ? parseAsgIds(a.str("asgIds") ?? "", "--asg-ids") : undefined;
      const arm = await ctx.arm();
      const path = poolPath(ctx, await ctx.subscription());
      // az: GET the pool, change it, PUT it back.
      const pool = await arm.get(path, API.containerService);
      const props: Obj = isObject(pool.properties as Json) ? { ...(pool.properties as Obj) } : {};
      if (autoscaler) {
        // az 2.45's AKSAgentPoolUpdateDecorator: warnings and early exits, then the three fields.
        const enabled = props.enableAutoScaling === true;
        if (autoscaler.action === "enable" && enabled) {
          ctx.warn(
            'Cluster autoscaler is already enabled for this node pool.\nPlease run "az aks --update-cluster-autoscaler" if you want to update min-count or max-count.',
          );
          return undefined;
        }
        if (autoscaler.action === "update" && !enabled)
          throw new CliError(
            'Cluster autoscaler is not enabled for this node pool.\nRun "az aks nodepool update --enable-cluster-autoscaler" to enable cluster with min-count and max-count.',
          );
        if (autoscaler.action === "disable" && !enabled) {
          ctx.warn("Cluster autoscaler is already disabled for this node pool.");
          return undefined;
        }
        if (autoscaler.action === "disable") {
          props.enableAutoScaling = false;
          props.minCount = null;
          props.maxCount = null;
        } else {
          if (props.mode === "System" && (autoscaler.minCount ?? 0) < 1)
            throw new CliError(
              "Value of min-count should be greater than or equal to 1 for System node pools",
            );
          props.enableAutoScaling = true;
          props.minCount = autoscaler.minCount;
          props.maxCount = autoscaler.maxCount;
        }
      }
      if (hostPorts || asgIds) {
        const net: Obj = isObject(props.networkProfile as Json) ? { ...(props.networkProfile as Obj) } : {};
        if (hostPorts) net.allowedHostPorts = hostPorts;
        if (asgIds) net.applicationSecurityGroups = asgIds;
        props.networkProfile = net;
      }
      if (a.str("mode")) props.mode = a.str("mode");
      if (a.has("labels")) props.nodeLabels = parseKeyValues(a.list("labels")) ?? {};
      if (a.has("nodeTaints"))
        props.nodeTaints = (a.str("nodeTaints") ?? "")
          .split(",")
          .map((t) => t.trim())
          .filter(Boolean);
      if (a.has("tags")) props.tags = parseTags(a.list("tags")) ?? {};
      return putPool(ctx, path, props);
    },
  },
  "aks nodepool scale": {
    inferResourceGroupFromCluster: "clusterName",
    summary: "Scale the node pool in a managed Kubernetes cluster.",
    table: poolRow,
    flags: [
      rg(),
      cluster(),
      poolName(),
      flag("--node-count -c:int", "Number of nodes in the Kubernetes node pool.", { default: 3 }),
      noWaitFlag(),
    ],
    run: async (ctx) => {
      const arm = await ctx.arm();
      const path = poolPath(ctx, await ctx.subscription());
      const pool = await arm.get(path, API.containerService);
      const props: Obj = isObject(pool.properties as Json) ? { ...(pool.properties as Obj) } : {};
      const count = ctx.args.int("nodeCount");
      if (props.count === count)
        throw new CliError("The new node count is the same as the current node count.");
      if (props.enableAutoScaling) throw new CliError("Cannot scale cluster autoscaler enabled node pool.");
      props.count = count;
      return putPool(ctx, path, props);
    },
  },
  "aks nodepool delete": {
    inferResourceGroupFromCluster: "clusterName",
    summary: "Delete the agent pool in the managed Kubernetes cluster.",
    flags: [
      rg(),
      cluster(),
      poolName(),
      flag(
        "--ignore-pod-disruption-budget:bool",
        "Delete an AgentPool node pool without considering Pod Disruption Budget.",
      ),
      noWaitFlag(),
    ],
    run: async (ctx) => {
      const arm = await ctx.arm();
      let path = poolPath(ctx, await ctx.subscription());
      // aks_agentpool_delete lists the pools first and names a missing one itself.
      const name = String(ctx.args.str("name"));
      const pools = await arm.list(path.slice(0, path.lastIndexOf("/")), API.containerService);
      if (!pools.some((p) => String(p.name).toLowerCase() === name.toLowerCase()))
        throw new CliError(
          `Node pool ${name} doesnt exist, use 'aks nodepool list' to get current node pool list`,
        );
      if (ctx.args.bool("ignorePodDisruptionBudget")) path += "?ignore-pod-disruption-budget=true";
      await arm.lro("DELETE", path, API.containerService, undefined, { noWait: ctx.args.bool("noWait") });
      return undefined;
    },
  },
};

/** `aks nodepool update`'s autoscaler flags, checked as az does before it reads the pool. */
function autoscalerUpdate(
  a: Ctx["args"],
): { action: "enable" | "update" | "disable"; minCount?: number; maxCount?: number } | undefined {
  const enable = a.bool("enableClusterAutoscaler") === true;
  const update = a.bool("updateClusterAutoscaler") === true;
  const disable = a.bool("disableClusterAutoscaler") === true;
  if (Number(enable) + Number(update) + Number(disable) > 1)
    throw new CliError(
      "Can only specify one of --enable-cluster-autoscaler, --update-cluster-autoscaler and --disable-cluster-autoscaler",
    );
  const minCount = a.int("minCount");
  const maxCount = a.int("maxCount");
  if (enable || update) {
    if (minCount === undefined || maxCount === undefined)
      throw new CliError(
        "Please specify both min-count and max-count when --enable-cluster-autoscaler enabled",
      );
    if (minCount > maxCount)
      throw new CliError("Value of min-count should be less than or equal to value of max-count");
  } else if (minCount !== undefined || maxCount !== undefined) {
    throw new CliError(
      "min-count and max-count are required for --enable-cluster-autoscaler or --update-cluster-autoscaler, please use the flag",
    );
  }
  if (enable) return { action: "enable", minCount, maxCount };
  if (update) return { action: "update", minCount, maxCount };
  if (disable) return { action: "disable" };
  return undefined;
}
