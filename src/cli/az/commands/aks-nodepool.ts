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
      tagsFlag(),
      noWaitFlag(),
    ],
    run: async (ctx) => {
      const a = ctx.args;
      const changes = ["allowedHostPorts", "asgIds", "mode", "labels", "nodeTaints", "tags"].filter((d) =>
        a.has(d),
      );
      if (changes.length === 0) {
        throw new CliError(
          'Please specify one or more of "--tags" or "--mode" or "--labels" or "--node-taints" or "--allowed-host-ports" or "--asg-ids".',
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
