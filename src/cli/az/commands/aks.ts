// az aks create|show|list|update|delete|scale|get-credentials|get-versions (Microsoft.ContainerService).

import { join } from "node:path";
import {
  API,
  AVAILABILITY_ZONES,
  isResourceId,
  locationFlag,
  nameFlag,
  noWaitFlag,
  parseTags,
  providerPath,
  resolveLocation,
  rgFlag,
  tagsFlag,
  yesFlag,
} from "../common.js";
import { CliError } from "../io.js";
import { mergeIntoFile } from "../kubeconfig.js";
import type { Json } from "../output.js";
import { isObject } from "../output.js";
import type { FlagSpec, ParsedArgs } from "../parser.js";
import { flag } from "../parser.js";
import { listCommand } from "../resource.js";
import { resolveSshKey } from "../ssh.js";
import type { CommandTable, Ctx } from "../types.js";
import type { AgentPoolInput } from "./aks-body.js";
import {
  buildManagedCluster,
  commaList,
  loadBalancerProfile,
  natGatewayProfile,
  parseAllowedHostPorts,
  parseAsgIds,
  parseIpFamilies,
  parseKeyValues,
  parseNodePublicIpTags,
  validatePool,
} from "./aks-body.js";
import { resolveRoleId } from "./role.js";

const NS = "Microsoft.ContainerService";
type Obj = Record<string, unknown>;

export const clusterPath = (sub: string, rg: string, name: string) =>
  providerPath(sub, rg, NS, "managedClusters", name);
/** The cluster named by -g and -n. */
const cliClusterPath = async (ctx: Ctx) =>
  clusterPath(await ctx.subscription(), String(ctx.args.str("resourceGroup")), String(ctx.args.str("name")));
const propsOf = (o: Obj): Obj => (isObject(o.properties as Json) ? (o.properties as Obj) : {});

export const MODES = ["System", "User", "Gateway"] as const;
export const GATEWAY_PREFIX_SIZES = ["28", "29", "30", "31"] as const;
const NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7";

/** Node pool flags shared by `aks create` (with the `--nodepool-` spellings) and `aks nodepool add`. */
export function poolFlags(forCreate: boolean): FlagSpec[] {
  const G = forCreate ? { group: "Node Pool Arguments" } : {};
  return [
    flag("--node-count -c:int", "Number of nodes in the Kubernetes node pool.", { default: 3, ...G }),
    flag("--node-vm-size --vm-size -s", "Size of Virtual Machines to create as Kubernetes nodes.", {
      dest: "nodeVmSize",
      ...G,
    }),
    flag("--max-pods -m:int", "The maximum number of pods deployable to a node.", G),
    flag("--os-sku", "The OS SKU of the agent node pool.", {
      choices: ["AzureLinux", "CBLMariner", "Mariner", "Ubuntu", "Windows2019", "Windows2022"],
      ...G,
    }),
    flag("--vnet-subnet-id", "The ID of a subnet in an existing VNet into which to deploy the cluster.", G),
    flag(
      "--pod-subnet-id",
      "The ID of a subnet in an existing VNet into which to assign pods in the cluster (requires azure network-plugin).",
      G,
    ),
    flag("--enable-node-public-ip:bool", "Enable VMSS node public IP.", G),
    flag(
      "--node-public-ip-prefix-id --node-public-ip-prefix",
      "Public IP prefix ID used to assign public IPs to VMSS nodes.",
      {
        dest: "nodePublicIpPrefixId",
        ...G,
      },
    ),
    flag(
      "--node-public-ip-tags:list",
      "The ipTags of the node public IPs (space-separated TYPE=VALUE, e.g. RoutingPreference=Internet).",
      G,
    ),
    forCreate
      ? flag(
          "--nodepool-allowed-host-ports",
          "Expose host ports on the node pool, e.g. 80/tcp,443/tcp,53/udp,40000-60000/tcp.",
          {
            dest: "allowedHostPorts",
            ...G,
          },
        )
      : flag(
          "--allowed-host-ports",
          "Expose host ports on the node pool, e.g. 80/tcp,443/tcp,53/udp,40000-60000/tcp.",
        ),
    forCreate
      ? flag(
          "--nodepool-asg-ids",
          "The IDs of the application security groups to which the node pool's network interface should belong (comma-separated).",
          {
            dest: "asgIds",
            ...G,
          },
        )
      : flag(
          "--asg-ids",
          "The IDs of the application security groups to which the node pool's network interface should belong (comma-separated).",
        ),
    flag("--zones -z:list", "Space-separated list of availability zones where agent nodes will be placed.", {
      choices: AVAILABILITY_ZONES,
      ...G,
    }),
    forCreate
      ? flag(
          "--nodepool-labels:list",
          "The node labels for all node pools in this cluster (key=value ...).",
          { dest: "labels", ...G },
        )
      : flag("--labels:list", "The node labels for the node pool (key=value ...)."),
    forCreate
      ? flag("--nodepool-taints", "The node taints for all node pools in this cluster (comma-separated).", {
          dest: "nodeTaints",
          ...G,
        })
      : flag("--node-taints", "The node taints for the node pool (comma-separated key=value:effect)."),
    flag("--enable-cluster-autoscaler -e:bool", "Enable cluster autoscaler.", G),
    flag(
      "--min-count:int",
      'Minimum nodes count used for autoscaler, when "--enable-cluster-autoscaler" specified.',
      G,
    ),
    flag(
      "--max-count:int",
      'Maximum nodes count used for autoscaler, when "--enable-cluster-autoscaler" specified.',
      G,
    ),
  ];
}

/** Reads the pool flags (either spelling) into the builder's input, validating the formats client-side. */
export function poolInputFromArgs(a: ParsedArgs, forCreate: boolean): AgentPoolInput {
  const hostPortsFlag = forCreate ? "--nodepool-allowed-host-ports" : "--allowed-host-ports";
  const asgFlag = forCreate ? "--nodepool-asg-ids" : "--asg-ids";
  const checkId = (v: string | undefined, flagName: string) => {
    if (v && !isResourceId(v)) throw new CliError(`${flagName} is not a valid Azure resource ID.`);
    return v;
  };
  const hostPorts = a.str("allowedHostPorts");
  const asgIds = a.str("asgIds");
  const tags = a.list("nodePublicIpTags");
  const taints = a.str("nodeTaints");
  const size = a.str("gatewayPrefixSize");
  return {
    count: a.int("nodeCount"),
    vmSize: a.str("nodeVmSize"),
    osType: a.str("osType"),
    osSku: a.str("osSku"),
    mode: a.str("mode"),
    kubernetesVersion: a.str("kubernetesVersion"),
    maxPods: a.int("maxPods"),
    vnetSubnetId: checkId(a.str("vnetSubnetId"), "--vnet-subnet-id"),
    podSubnetId: checkId(a.str("podSubnetId"), "--pod-subnet-id"),
    enableNodePublicIp: a.bool("enableNodePublicIp"),
    nodePublicIpPrefixId: checkId(a.str("nodePublicIpPrefixId"), "--node-public-ip-prefix-id"),
    nodePublicIpTags: tags ? parseNodePublicIpTags(tags, "--node-public-ip-tags") : undefined,
    allowedHostPorts: hostPorts !== undefined ? parseAllowedHostPorts(hostPorts, hostPortsFlag) : undefined,
    asgIds: asgIds !== undefined ? parseAsgIds(asgIds, asgFlag) : undefined,
    gatewayPrefixSize: size !== undefined ? Number(size) : undefined,
    zones: a.list("zones"),
    labels: parseKeyValues(a.list("labels")),
    taints:
      taints !== undefined
        ? taints
            .split(",")
            .map((t) => t.trim())
            .filter(Boolean)
        : undefined,
    enableClusterAutoscaler: a.bool("enableClusterAutoscaler"),
    minCount: a.int("minCount"),
    maxCount: a.int("maxCount"),
  };
}

/** az's table format for clusters. */
const clusterRow = (r: Json): Json => {
  const o = isObject(r) ? r : {};
  return {
    Name: o.name ?? null,
    Location: o.location ?? null,
    ResourceGroup: o.resourceGroup ?? null,
    KubernetesVersion: o.kubernetesVersion ?? null,
    CurrentKubernetesVersion: o.currentKubernetesVersion ?? null,
    ProvisioningState: o.provisioningState ?? null,
    Fqdn: o.fqdn ?? o.privateFqdn ?? null,
  };
};

/**
 * az's aks_versions_table_format: one row per patch (flatten_version_table: isPreview and the
 * support plans from its minor), upgrades sorted as versions (or "None available"), rows newest first.
 */
const versionToTuple = (v: string) =>
  v
    .replace(/\(preview\)$/, "")
    .split(".")
    .map(Number);
const byVersion = (a: string, b: string) => {
  const x = versionToTuple(a);
  const y = versionToTuple(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d) return d;
  }
  return 0;
};
const versionRows = (r: Json): Json => {
  const values = isObject(r) && Array.isArray(r.values) ? r.values : [];
  const rows: { kubernetesVersion: string; isPreview: Json; upgrades: string; supportPlan: string }[] = [];
  for (const release of values) {
    if (!isObject(release)) continue;
    const caps = isObject(release.capabilities) ? release.capabilities : {};
    const plans = Array.isArray(caps.supportPlan) ? caps.supportPlan.map(String) : [];
    const patches = isObject(release.patchVersions) ? release.patchVersions : {};
    for (const [version, info] of Object.entries(patches)) {
      const ups = isObject(info) && Array.isArray(info.upgrades) ? info.upgrades.map(String) : [];
      const sorted = ups.some((u) => versionToTuple(u).some(Number.isNaN)) ? ups : [...ups].sort(byVersion);
      rows.push({
        kubernetesVersion: version,
        // az's dict keeps an unset isPreview as None, which the table leaves out.
        isPreview: release.isPreview ?? null,
        upgrades: (sorted.length ? sorted : ["None available"]).join(", "),
        supportPlan: plans.join(", "),
      });
    }
  }
  return rows.sort((a, b) => byVersion(b.kubernetesVersion, a.kubernetesVersion));
};

/** azure-cli's subnet_role_assignment_exists: Network Contributor assigned exactly at the subnet. */
async function subnetRoleAssignmentExists(ctx: Ctx, subnetId: string): Promise<boolean> {
  const arm = await ctx.arm();
  try {
    const items = await arm.list(
      `${subnetId}/providers/Microsoft.Authorization/roleAssignments`,
      API.authorization,
      {
        $filter: "atScope()",
      },
    );
    return items.some((i) => {
      const p = propsOf(i);
      return (
        String(p.scope ?? "").toLowerCase() === subnetId.toLowerCase() &&
        String(p.roleDefinitionId ?? "")
          .toLowerCase()
          .endsWith(NETWORK_CONTRIBUTOR)
      );
    });
  } catch {
    return false;
  }
}

/** azure-cli's _add_role_assignment("Network Contributor", principal, scope); false on failure. */
async function addNetworkContributor(ctx: Ctx, principalId: string, scope: string): Promise<boolean> {
  try {
    const arm = await ctx.arm();
    const roleDefinitionId = await resolveRoleId(ctx, "Network Contributor", scope);
    const { randomUUID } = await import("node:crypto");
    await arm.request("PUT", `${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`, {
      apiVersion: API.authorization,
      body: { properties: { roleDefinitionId, principalId, principalType: "ServicePrincipal" } },
    });
    return true;
  } catch (err) {
    // azure-cli counts an existing assignment as success.
    return (err as { body?: { code?: string } }).body?.code === "RoleAssignmentExists";
  }
}

const NETWORK_PLUGINS = ["azure", "kubenet", "none"] as const;

async function aksCreate(ctx: Ctx): Promise<unknown> {
  const a = ctx.args;
  const arm = await ctx.arm();
  const sub = await ctx.subscription();
  const rg = String(a.str("resourceGroup"));
  const name = String(a.str("name"));
  const pool: AgentPoolInput = {
    ...poolInputFromArgs(a, true),
    name: a.str("nodepoolName") ?? "nodepool1",
    mode: "System",
  };
  pool.kubernetesVersion = a.str("kubernetesVersion");
  validatePool(pool);
  const networkPlugin = a.str("networkPlugin");
  if (
    !networkPlugin &&
    (a.str("podCidr") || a.str("serviceCidr") || a.str("dnsServiceIp") || a.str("networkPolicy"))
  ) {
    throw new CliError("Please explicitly specify the network plugin type");
  }
  if (networkPlugin === "azure" && a.str("podCidr") && a.str("networkPluginMode") !== "overlay") {
    throw new CliError("Please use kubenet as the network plugin type when pod_cidr is specified");
  }
  // az checks this before sending anything (RequiredArgumentMissingError).
  const outboundType = a.str("outboundType");
  if (
    (outboundType === "userDefinedRouting" || outboundType === "userAssignedNATGateway") &&
    !pool.vnetSubnetId
  )
    throw new CliError(
      "--vnet-subnet-id must be specified for userDefinedRouting and it must be pre-configured with a route table with egress rules",
    );
  const assignIdentity = a.str("assignIdentity");
  if (assignIdentity && !isResourceId(assignIdentity))
    throw new CliError("--assign-identity is not a valid Azure resource ID.");
  if (a.bool("enableStaticEgressGateway") && a.bool("disableStaticEgressGateway")) {
    throw new CliError(
      "Cannot specify --enable-static-egress-gateway and --disable-static-egress-gateway at the same time.",
    );
  }

  const location = await resolveLocation(ctx, rg);
  const sshKey = a.bool("noSshKey")
    ? undefined
    : resolveSshKey(ctx.io.home, a.str("sshKeyValue"), a.bool("generateSshKeys"), ctx.warn);

  let identityPrincipal: string | undefined;
  if (assignIdentity) {
    // az reads the identity first (its clientId/principalId); a missing identity aborts here.
    const identity = await arm.get(assignIdentity, API.msi);
    identityPrincipal = propsOf(identity).principalId as string | undefined;
  }

  const body = buildManagedCluster({
    name,
    resourceGroup: rg,
    subscriptionId: sub,
    location,
    dnsNamePrefix: a.str("dnsNamePrefix"),
    kubernetesVersion: a.str("kubernetesVersion"),
    sshKey,
    adminUsername: a.str("adminUsername"),
    assignIdentity,
    nodeResourceGroup: a.str("nodeResourceGroup"),
    tags: parseTags(a.list("tags")),
    pool,
    network: {
      networkPlugin,
      networkPluginMode: a.str("networkPluginMode"),
      networkPolicy: a.str("networkPolicy"),
      networkDataplane: a.str("networkDataplane"),
      podCidr: a.str("podCidr"),
      serviceCidr: a.str("serviceCidr"),
      dnsServiceIp: a.str("dnsServiceIp"),
      podCidrs: commaList(a.str("podCidrs")),
      serviceCidrs: commaList(a.str("serviceCidrs")),
      ipFamilies: parseIpFamilies(a.str("ipFamilies")),
      outboundType: a.str("outboundType"),
      loadBalancerSku: a.str("loadBalancerSku"),
      enableStaticEgressGateway: a.bool("enableStaticEgressGateway"),
      natGatewayManagedOutboundIpCount: a.int("natGatewayManagedOutboundIpCount"),
      natGatewayIdleTimeout: a.int("natGatewayIdleTimeout"),
      loadBalancerManagedOutboundIpCount: a.int("loadBalancerManagedOutboundIpCount"),
      loadBalancerOutboundIps: a.str("loadBalancerOutboundIps"),
      loadBalancerOutboundIpPrefixes: a.str("loadBalancerOutboundIpPrefixes"),
    },
  });

  // Subnet permission, as azure-cli: a user-assigned identity is granted before the PUT, the
  // system-assigned one right after (which makes az wait even with --no-wait).
  let grantAfter = false;
  const subnet = pool.vnetSubnetId;
  if (subnet && !a.bool("skipSubnetRoleAssignment") && !(await subnetRoleAssignmentExists(ctx, subnet))) {
    if (assignIdentity) {
      if (!identityPrincipal || !(await addNetworkContributor(ctx, identityPrincipal, subnet))) {
        ctx.warn("Could not create a role assignment for subnet. Are you an Owner on this subscription?");
      }
    } else {
      grantAfter = true;
    }
  }
  const path = clusterPath(sub, rg, name);
  const result = await arm.lro("PUT", path, API.containerService, body, {
    noWait: a.bool("noWait") && !grantAfter,
  });
  if (grantAfter && subnet) {
    const identity = result?.identity;
    const principal = isObject(identity as Json)
      ? ((identity as Obj).principalId as string | undefined)
      : undefined;
    if (!principal || !(await addNetworkContributor(ctx, principal, subnet))) {
      ctx.warn("Could not create a role assignment for subnet. Are you an Owner on this subscription?");
    }
    if (a.bool("noWait")) return undefined;
  }
  return result;
}

function clusterFlags(): FlagSpec[] {
  return [rgFlag(), nameFlag("Name of the managed cluster.")];
}

/** The load balancer's outbound IP flags of `aks create` and `aks update` (az's wording). */
function loadBalancerOutboundFlags(): FlagSpec[] {
  return [
    flag(
      "--load-balancer-managed-outbound-ip-count:int",
      "Load balancer managed outbound IP count. Desired number of managed outbound IPs for load balancer outbound connection.",
      { group: "Network Arguments" },
    ),
    flag(
      "--load-balancer-outbound-ips",
      "Load balancer outbound IP resource IDs. Comma-separated public IP resource IDs for load balancer outbound connection.",
      { group: "Network Arguments" },
    ),
    flag(
      "--load-balancer-outbound-ip-prefixes",
      "Load balancer outbound IP prefix resource IDs. Comma-separated public IP prefix resource IDs for load balancer outbound connection.",
      { group: "Network Arguments" },
    ),
  ];
}

export const COMMANDS: CommandTable = {
  "aks create": {
    summary: "Create a new managed Kubernetes cluster.",
    table: clusterRow,
    flags: [
      ...clusterFlags(),
      locationFlag(),
      flag("--nodepool-name", "Node pool name, up to 12 alphanumeric characters.", {
        default: "nodepool1",
        group: "Node Pool Arguments",
      }),
      flag("--os-type", "The OS type of the first (system) node pool; system pools must be Linux.", {
        choices: ["Linux", "Windows"],
        hidden: true,
      }),
      ...poolFlags(true),
      flag(
        "--kubernetes-version -k",
        'Version of Kubernetes to use for creating the cluster, such as "1.29.7".',
      ),
      flag(
        "--dns-name-prefix -p",
        "Prefix for hostnames that are created. If not specified, generate a hostname using the managed cluster and resource group names.",
      ),
      flag(
        "--node-resource-group",
        "The node resource group is the resource group where all customer's resources will be created in, such as virtual machines.",
      ),
      flag("--admin-username -u", "User account to create on node VMs for SSH access.", {
        default: "azureuser",
      }),
      flag("--ssh-key-value", "Public key path or key contents to install on node VMs for SSH access.", {
        default: "~/.ssh/id_rsa.pub",
      }),
      flag(
        "--generate-ssh-keys:bool",
        "Generate SSH public and private key files if missing. The keys will be stored in the ~/.ssh directory.",
      ),
      flag("--no-ssh-key -x:bool", "Do not use or create a local SSH key."),
      flag(
        "--assign-identity",
        "Specify an existing user assigned identity for control plane's usage in order to manage cluster resource group.",
      ),
      flag(
        "--enable-managed-identity:bool",
        "Using a system assigned managed identity to manage cluster resource group.",
      ),
      flag("--skip-subnet-role-assignment:bool", "Skip role assignment for subnet (advanced networking)."),
      flag("--network-plugin", "The Kubernetes network plugin to use.", {
        choices: NETWORK_PLUGINS,
        group: "Network Arguments",
      }),
      flag("--network-plugin-mode", "The network plugin mode to use.", {
        choices: ["overlay"],
        group: "Network Arguments",
      }),
      flag("--network-policy", "The Kubernetes network policy to use.", {
        choices: ["azure", "calico", "cilium", "none"],
        group: "Network Arguments",
      }),
      flag("--network-dataplane", "The network dataplane to use.", {
        choices: ["azure", "cilium"],
        group: "Network Arguments",
      }),
      flag("--pod-cidr", "A CIDR notation IP range from which to assign pod IPs when kubenet is used.", {
        group: "Network Arguments",
      }),
      flag("--service-cidr", "A CIDR notation IP range from which to assign service cluster IPs.", {
        group: "Network Arguments",
      }),
      flag("--dns-service-ip", "An IP address assigned to the Kubernetes DNS service.", {
        group: "Network Arguments",
      }),
      flag(
        "--pod-cidrs",
        "A comma-separated list of CIDR notation IP ranges from which to assign pod IPs when kubenet is used.",
        { group: "Network Arguments" },
      ),
      flag(
        "--service-cidrs",
        "A comma-separated list of CIDR notation IP ranges from which to assign service cluster IPs.",
        { group: "Network Arguments" },
      ),
      flag("--ip-families", "A comma-separated list of IP versions to use for cluster networking.", {
        group: "Network Arguments",
      }),
      flag("--outbound-type", "How outbound traffic will be configured for a cluster.", {
        choices: [
          "loadBalancer",
          "userDefinedRouting",
          "managedNATGateway",
          "userAssignedNATGateway",
          "none",
        ],
        group: "Network Arguments",
      }),
      flag("--load-balancer-sku", "Azure Load Balancer SKU selection for your cluster.", {
        choices: ["basic", "standard"],
        group: "Network Arguments",
      }),
      flag("--enable-static-egress-gateway:bool", "Enable Static Egress Gateway addon to the cluster.", {
        group: "Network Arguments",
      }),
      flag("--disable-static-egress-gateway:bool", "Disable Static Egress Gateway addon to the cluster.", {
        hidden: true,
      }),
      flag(
        "--nat-gateway-managed-outbound-ip-count:int",
        "NAT gateway managed outbound IP count (1-16), outbound type managedNATGateway only.",
        { group: "Network Arguments" },
      ),
      flag("--nat-gateway-idle-timeout:int", "NAT gateway idle timeout in minutes (4-120).", {
        group: "Network Arguments",
      }),
      ...loadBalancerOutboundFlags(),
      tagsFlag(),
      noWaitFlag(),
      yesFlag(),
    ],
    examples: [
      {
        title: "Create a Kubernetes cluster with an existing SSH public key.",
        command: "az aks create -g MyResourceGroup -n MyManagedCluster --ssh-key-value /path/to/publickey",
      },
      {
        title: "Create a cluster whose nodes have public IPs.",
        command:
          "az aks create -g MyResourceGroup -n MyManagedCluster --enable-node-public-ip --generate-ssh-keys",
      },
    ],
    run: aksCreate,
  },
  "aks show": {
    inferResourceGroupFromCluster: "name",
    summary: "Show the details for a managed Kubernetes cluster.",
    table: clusterRow,
    flags: clusterFlags(),
    run: async (ctx) => {
      const arm = await ctx.arm();
      return arm.get(await cliClusterPath(ctx), API.containerService);
    },
  },
  "aks list": listCommand(
    {
      namespace: NS,
      types: ["managedClusters"],
      apiVersion: API.containerService,
      style: "sdk",
      label: "managed Kubernetes cluster",
      listBySubscription: true,
      table: clusterRow,
    },
    "List managed Kubernetes clusters.",
  ),
  "aks delete": {
    inferResourceGroupFromCluster: "name",
    summary: "Delete a managed Kubernetes cluster.",
    flags: [...clusterFlags(), noWaitFlag(), yesFlag()],
    run: async (ctx) => {
      if (!ctx.args.bool("yes") && !(await ctx.confirm("Are you sure you want to perform this operation?")))
        return undefined;
      const arm = await ctx.arm();
      const path = await cliClusterPath(ctx);
      await arm.lro("DELETE", path, API.containerService, undefined, { noWait: ctx.args.bool("noWait") });
      return undefined;
    },
  },
  "aks update": {
    inferResourceGroupFromCluster: "name",
    summary: "Update a managed Kubernetes cluster.",
    table: clusterRow,
    flags: [
      ...clusterFlags(),
      flag("--enable-static-egress-gateway:bool", "Enable Static Egress Gateway addon to the cluster."),
      flag("--disable-static-egress-gateway:bool", "Disable Static Egress Gateway addon to the cluster."),
      flag("--outbound-type", "How outbound traffic will be configured for a cluster.", {
        choices: [
          "loadBalancer",
          "userDefinedRouting",
          "managedNATGateway",
          "userAssignedNATGateway",
          "none",
        ],
      }),
      flag(
        "--nat-gateway-managed-outbound-ip-count:int",
        "NAT gateway managed outbound IP count (1-16), outbound type managedNATGateway only.",
        { group: "Network Arguments" },
      ),
      flag("--nat-gateway-idle-timeout:int", "NAT gateway idle timeout in minutes (4-120).", {
        group: "Network Arguments",
      }),
      ...loadBalancerOutboundFlags(),
      tagsFlag(),
      noWaitFlag(),
      yesFlag(),
    ],
    run: async (ctx) => {
      const a = ctx.args;
      const enable = a.bool("enableStaticEgressGateway");
      const disable = a.bool("disableStaticEgressGateway");
      if (enable && disable) {
        throw new CliError(
          "Cannot specify --enable-static-egress-gateway and --disable-static-egress-gateway at the same time.",
        );
      }
      const outbound = a.str("outboundType");
      const ngp = natGatewayProfile(
        a.int("natGatewayManagedOutboundIpCount"),
        a.int("natGatewayIdleTimeout"),
      );
      const lbFlags = [
        a.int("loadBalancerManagedOutboundIpCount"),
        a.str("loadBalancerOutboundIps"),
        a.str("loadBalancerOutboundIpPrefixes"),
      ] as const;
      const lbGiven = loadBalancerProfile(...lbFlags) !== undefined;
      if (!enable && !disable && !a.has("tags") && !outbound && !ngp && !lbGiven) {
        throw new CliError(
          'Please specify one or more of "--enable-static-egress-gateway" or "--disable-static-egress-gateway" or "--outbound-type" or "--nat-gateway-managed-outbound-ip-count" or "--nat-gateway-idle-timeout" or "--load-balancer-managed-outbound-ip-count" or "--load-balancer-outbound-ips" or "--load-balancer-outbound-ip-prefixes" or "--tags".',
        );
      }
      const arm = await ctx.arm();
      const path = await cliClusterPath(ctx);
      // az's update decorator: GET the cluster, change it, PUT it back.
      const mc = await arm.get(path, API.containerService);
      const props = propsOf(mc);
      if (enable || disable) {
        const net = isObject(props.networkProfile as Json) ? (props.networkProfile as Obj) : {};
        net.staticEgressGatewayProfile = { enabled: enable };
        props.networkProfile = net;
      }
      if (outbound || ngp) {
        const net = isObject(props.networkProfile as Json) ? (props.networkProfile as Obj) : {};
        if (outbound && outbound !== net.outboundType) {
          net.outboundType = outbound;
          // az drops the other type's profile when the outbound type changes.
          if (outbound !== "loadBalancer") delete net.loadBalancerProfile;
          if (outbound !== "managedNATGateway") delete net.natGatewayProfile;
        }
        if (ngp) {
          const cur = isObject(net.natGatewayProfile as Json) ? (net.natGatewayProfile as Obj) : {};
          net.natGatewayProfile = { ...cur, ...ngp };
        }
        props.networkProfile = net;
      }
      if (lbGiven) {
        const net = isObject(props.networkProfile as Json) ? (props.networkProfile as Obj) : {};
        const cur = isObject(net.loadBalancerProfile as Json) ? (net.loadBalancerProfile as Obj) : {};
        net.loadBalancerProfile = loadBalancerProfile(...lbFlags, cur);
        props.networkProfile = net;
      }
      if (a.has("tags")) mc.tags = parseTags(a.list("tags")) ?? {};
      mc.properties = props;
      return arm.lro("PUT", path, API.containerService, mc, { noWait: a.bool("noWait") });
    },
  },
  "aks scale": {
    inferResourceGroupFromCluster: "name",
    summary: "Scale the node pool in a managed Kubernetes cluster.",
    table: clusterRow,
    flags: [
      ...clusterFlags(),
      flag("--node-count -c:int", "Number of nodes in the Kubernetes node pool.", { required: true }),
      flag("--nodepool-name", "Node pool name, up to 12 alphanumeric characters."),
      noWaitFlag(),
    ],
    run: async (ctx) => {
      const a = ctx.args;
      const arm = await ctx.arm();
      const path = await cliClusterPath(ctx);
      const mc = await arm.get(path, API.containerService);
      const props = propsOf(mc);
      const pools = (Array.isArray(props.agentPoolProfiles) ? props.agentPoolProfiles : []) as Obj[];
      const wanted = a.str("nodepoolName");
      if (!wanted && pools.length > 1) {
        throw new CliError(
          "There are more than one node pool in the cluster. Please specify nodepool name or use az aks nodepool command to scale node pool",
        );
      }
      const pool = wanted
        ? pools.find((p) => String(p.name).toLowerCase() === wanted.toLowerCase())
        : pools[0];
      if (!pool) throw new CliError(`The nodepool "${wanted}" was not found.`);
      if (pool.enableAutoScaling) throw new CliError("Cannot scale cluster autoscaler enabled node pool.");
      pool.count = a.int("nodeCount");
      return arm.lro("PUT", path, API.containerService, mc, { noWait: a.bool("noWait") });
    },
  },
  "aks get-versions": {
    summary: "Get the versions available for creating a managed Kubernetes cluster.",
    table: versionRows,
    flags: [flag("--location -l", "Location. Values from: `az account list-locations`.", { required: true })],
    run: async (ctx) => {
      const arm = await ctx.arm();
      const location = encodeURIComponent(String(ctx.args.str("location")));
      return arm.get(
        `/subscriptions/${await ctx.subscription()}/providers/${NS}/locations/${location}/kubernetesVersions`,
        API.containerService,
      );
    },
  },
  "aks get-credentials": {
    inferResourceGroupFromCluster: "name",
    summary: "Get access credentials for a managed Kubernetes cluster.",
    style: "raw",
    flags: [
      ...clusterFlags(),
      flag("--admin -a:bool", "Get cluster administrator credentials. Default: cluster user credentials."),
      flag("--file -f", 'Kubernetes configuration file to update. Use "-" to print YAML to stdout instead.', {
        default: "~/.kube/config",
      }),
      flag("--overwrite-existing:bool", "Overwrite any existing cluster entry with the same name."),
      flag("--context", "If specified, overwrite the default context name."),
      flag("--public-fqdn:bool", "Get private cluster credential with server address to be public fqdn."),
      flag("--format", "Specify the format of the returned credential.", { choices: ["azure", "exec"] }),
    ],
    run: async (ctx) => {
      const a = ctx.args;
      const arm = await ctx.arm();
      const path = await cliClusterPath(ctx);
      const action = a.bool("admin") ? "listClusterAdminCredential" : "listClusterUserCredential";
      const query: Record<string, string> = {};
      if (!a.bool("admin") && a.str("format")) query.format = a.str("format") as string;
      if (a.bool("publicFqdn")) query["server-fqdn"] = "public";
      const res = await arm.request("POST", `${path}/${action}`, { apiVersion: API.containerService, query });
      const kubeconfigs = (res.body as { kubeconfigs?: { name?: string; value?: string }[] } | undefined)
        ?.kubeconfigs;
      const value = kubeconfigs?.[0]?.value;
      if (!value) throw new CliError("No Kubernetes credentials found.");
      const kubeconfig = Buffer.from(value, "base64").toString("utf8");
      const file = a.str("file") ?? "~/.kube/config";
      if (file === "-") {
        // az print()s the document, adding a newline.
        ctx.io.stdout(`${kubeconfig}\n`);
        return undefined;
      }
      const target = file.startsWith("~") ? join(ctx.io.home, file.slice(1)) : file;
      await mergeIntoFile(target.startsWith("/") ? target : join(ctx.io.cwd, target), kubeconfig, {
        overwriteExisting: a.bool("overwriteExisting"),
        contextName: a.str("context"),
        confirm: ctx.confirm,
        warn: ctx.warn,
      });
      return undefined;
    },
  },
};
