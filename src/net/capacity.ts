/**
 * Capacity arithmetic stated by the AKS networking docs, as plain functions so providers and the CLI give
 * the same numbers the docs do. IPv4 only: the documented formulas are IPv4 formulas.
 *
 * Documented checkpoints reproduced by the tests:
 * - kubenet, /24 subnet: 251 nodes → 27,610 pods at 110 per node.
 * - Azure CNI, /24 subnet, maxPods 30: 8 nodes → 240 pods.
 * - kubenet pod CIDR /16: 256 node blocks of /24.
 * - Static egress gateway prefix /31 → 2 nodes … /28 → 16 nodes.
 */
import { NetError } from "./cidr.js";

/** Addresses Azure keeps in every IPv4 subnet: network, .1, .2, .3 and broadcast. */
export const AZURE_RESERVED_ADDRESSES_PER_SUBNET = 5;

/** A route table holds at most 400 routes and kubenet needs one per node, hence a 400-node cluster cap. */
export const KUBENET_MAX_NODES = 400;

/** kubenet hands each node a /24 of the pod CIDR (256 addresses, enough for the 250 maxPods ceiling). */
export const KUBENET_NODE_POD_PREFIX_LENGTH = 24;

export type NetworkPlugin = "kubenet" | "azure" | "azure-overlay";

/** AKS default maxPods per node for each plugin (kubenet 110, Azure CNI 30, Azure CNI Overlay 250). */
export const DEFAULT_MAX_PODS: Readonly<Record<NetworkPlugin, number>> = Object.freeze({
  kubenet: 110,
  azure: 30,
  "azure-overlay": 250,
});

function checkIpv4Prefix(prefixLength: number, what: string): void {
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32) {
    throw new NetError(
      "PrefixLengthOutOfRange",
      `The ${what} prefix length ${prefixLength} is out of range; it must be between 0 and 32.`,
    );
  }
}

function checkMaxPods(maxPods: number): void {
  if (!Number.isInteger(maxPods) || maxPods < 1) {
    throw new NetError("InvalidArgument", `maxPods ${maxPods} must be a positive whole number.`);
  }
}

/** Usable addresses of an IPv4 subnet: 2^(32 − len) − 5, never below 0 (/24 → 251, /29 → 3, /30 → 0). */
export function usableSubnetAddresses(subnetPrefixLength: number): number {
  checkIpv4Prefix(subnetPrefixLength, "subnet");
  return Math.max(0, 2 ** (32 - subnetPrefixLength) - AZURE_RESERVED_ADDRESSES_PER_SUBNET);
}

/**
 * kubenet nodes a subnet can hold: one subnet address per node (pods use the pod CIDR), so every usable
 * address (/24 → 251). Not capped at {@link KUBENET_MAX_NODES}; {@link planSubnet} applies that cap.
 */
export function kubenetNodeCapacity(subnetPrefixLength: number): number {
  return usableSubnetAddresses(subnetPrefixLength);
}

/**
 * Azure CNI (flat) nodes a subnet can hold: each node takes its own address plus one per pod, preallocated,
 * so floor(usable / (1 + maxPods)) (/24 with maxPods 30 → floor(251 / 31) = 8).
 */
export function azureCniNodeCapacity(subnetPrefixLength: number, maxPods: number): number {
  checkMaxPods(maxPods);
  return Math.floor(usableSubnetAddresses(subnetPrefixLength) / (1 + maxPods));
}

/**
 * Nodes a kubenet (or overlay) pod CIDR can serve: one /24 block per node, so 2^(24 − len)
 * (/16 → 256, /24 → 1). Pod CIDRs smaller than a /24 cannot give even one node its block and are refused.
 */
export function podCidrNodeCapacity(podCidrPrefixLength: number): number {
  checkIpv4Prefix(podCidrPrefixLength, "pod CIDR");
  if (podCidrPrefixLength > KUBENET_NODE_POD_PREFIX_LENGTH) {
    throw new NetError(
      "PrefixLengthOutOfRange",
      `The pod CIDR prefix length /${podCidrPrefixLength} is too small; each node needs a /24 block, so the ` +
        `pod CIDR must be /24 or larger.`,
    );
  }
  return 2 ** (KUBENET_NODE_POD_PREFIX_LENGTH - podCidrPrefixLength);
}

/**
 * Gateway nodes a static egress gateway public IP prefix supports: one address per node, 2^(32 − size)
 * (/31 → 2, /30 → 4, /29 → 8, /28 → 16). Azure public IP prefixes are /28–/31 for IPv4; other lengths are
 * computed the same way and left to the caller to refuse.
 */
export function gatewayPrefixCapacity(prefixLength: number): number {
  checkIpv4Prefix(prefixLength, "gateway public IP prefix");
  return 2 ** (32 - prefixLength);
}

export interface PlanSubnetInput {
  plugin: NetworkPlugin;
  subnetPrefixLength: number;
  /** Defaults to {@link DEFAULT_MAX_PODS} for the plugin. */
  maxPods?: number;
  /** kubenet / overlay only: also bound nodes by the pod CIDR's /24 blocks. */
  podCidrPrefixLength?: number;
}

/** What bounded {@link SubnetPlan.nodes}. */
export type CapacityLimit = "subnet" | "routeTable" | "podCidr";

export interface SubnetPlan {
  plugin: NetworkPlugin;
  subnetPrefixLength: number;
  maxPods: number;
  /** 2^(32 − len). */
  totalAddresses: number;
  /** totalAddresses − 5, floored at 0. */
  usableAddresses: number;
  /** Subnet addresses each node consumes: 1 for kubenet/overlay, 1 + maxPods for Azure CNI. */
  addressesPerNode: number;
  /** Nodes the subnet alone can hold. */
  subnetNodeCapacity: number;
  /** kubenet's route-table cap (400); undefined for plugins without one. */
  clusterNodeCap: number | undefined;
  /** Nodes the pod CIDR can serve, when `podCidrPrefixLength` was given (kubenet / overlay). */
  podCidrNodeCapacity: number | undefined;
  /** Effective maximum nodes: the minimum of the bounds above. */
  nodes: number;
  /** nodes × maxPods. */
  pods: number;
  /** The bound that set `nodes` (ties go to the subnet). */
  limitedBy: CapacityLimit;
}

/**
 * Capacity summary of one subnet under one plugin.
 * planSubnet({ plugin: "kubenet", subnetPrefixLength: 24 }) → 251 nodes, 27,610 pods;
 * planSubnet({ plugin: "azure", subnetPrefixLength: 24, maxPods: 30 }) → 8 nodes, 240 pods.
 */
export function planSubnet(input: PlanSubnetInput): SubnetPlan {
  const { plugin, subnetPrefixLength } = input;
  const maxPods = input.maxPods ?? DEFAULT_MAX_PODS[plugin];
  checkMaxPods(maxPods);
  checkIpv4Prefix(subnetPrefixLength, "subnet");
  const usableAddresses = usableSubnetAddresses(subnetPrefixLength);
  const addressesPerNode = plugin === "azure" ? 1 + maxPods : 1;
  const subnetNodeCapacity = Math.floor(usableAddresses / addressesPerNode);
  const clusterNodeCap = plugin === "kubenet" ? KUBENET_MAX_NODES : undefined;
  const podCidrCap =
    plugin !== "azure" && input.podCidrPrefixLength !== undefined
      ? podCidrNodeCapacity(input.podCidrPrefixLength)
      : undefined;

  let nodes = subnetNodeCapacity;
  let limitedBy: CapacityLimit = "subnet";
  if (clusterNodeCap !== undefined && clusterNodeCap < nodes) {
    nodes = clusterNodeCap;
    limitedBy = "routeTable";
  }
  if (podCidrCap !== undefined && podCidrCap < nodes) {
    nodes = podCidrCap;
    limitedBy = "podCidr";
  }
  return {
    plugin,
    subnetPrefixLength,
    maxPods,
    totalAddresses: 2 ** (32 - subnetPrefixLength),
    usableAddresses,
    addressesPerNode,
    subnetNodeCapacity,
    clusterNodeCap,
    podCidrNodeCapacity: podCidrCap,
    nodes,
    pods: nodes * maxPods,
    limitedBy,
  };
}
