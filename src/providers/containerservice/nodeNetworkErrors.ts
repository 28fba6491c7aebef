// Errors of the node-networking settings (node public IPs and their prefix, IP tags, allowed
// host ports and ASGs, gateway pools). Azure's code where it is public
// (PublicIpPrefixOutOfIpAddressesForVMScaleSet, PropertyChangeNotAllowed, InvalidParameter);
// otherwise ours, named after the rule. All are 400: the request is refused before anything
// is created.
import { ArmError } from "../errors.js";

const bad = (code: string, message: string, target?: string) => new ArmError(400, code, message, target);

export const invalidPoolParameter = (target: string, message: string) =>
  bad("InvalidParameter", `The value of parameter ${target} is invalid. ${message}`, target);

export const kubernetesVersionNotSupported = (what: string, version: string, min: string, target: string) =>
  bad(
    "KubernetesVersionNotSupported",
    `${what} requires Kubernetes version ${min} or later; the agent pool runs ${version}.`,
    target,
  );

export const prefixOutOfAddresses = (prefixId: string, size: number, free: number, requested: number) =>
  bad(
    "PublicIpPrefixOutOfIpAddressesForVMScaleSet",
    `IpPrefix ${prefixId} can provide ${size} public ips at maximum, ${size - free} of them are in use already ` +
      `(${free} free). Current request requires ${requested} more public ips for node public IPs. ` +
      "Use a larger prefix or fewer nodes; nothing was created.",
    "agentPoolProfile.nodePublicIPPrefixID",
  );

export const publicIPPrefixNotFound = (prefixId: string) =>
  bad(
    "PublicIPPrefixNotFound",
    `The public IP prefix '${prefixId}' referenced by nodePublicIPPrefixID does not exist.`,
    "agentPoolProfile.nodePublicIPPrefixID",
  );

export const applicationSecurityGroupNotFound = (asgId: string, target: string) =>
  bad(
    "ApplicationSecurityGroupNotFound",
    `The application security group '${asgId}' referenced by ${target} does not exist.`,
    target,
  );

export const staticEgressGatewayNotEnabled = (pool: string) =>
  bad(
    "StaticEgressGatewayNotEnabled",
    `Agent pool '${pool}' has mode 'Gateway', but the cluster's networkProfile.staticEgressGatewayProfile.enabled is not true; ` +
      "enable the static egress gateway on the cluster first ('az aks update --enable-static-egress-gateway').",
    "agentPoolProfile.mode",
  );

export const staticEgressGatewayInUse = (pools: string[]) =>
  bad(
    "StaticEgressGatewayInUse",
    `The static egress gateway cannot be disabled while gateway agent pools exist (${pools.join(", ")}); delete them first.`,
    "networkProfile.staticEgressGatewayProfile.enabled",
  );

export const gatewayNodeCountExceedsPrefix = (pool: string, count: number, size: number) =>
  bad(
    "GatewayNodeCountExceedsPrefixCapacity",
    `Gateway agent pool '${pool}' asks for ${count} nodes, but its /${size} public IP prefix holds ${2 ** (32 - size)} ` +
      `addresses, one per gateway node; use --gateway-prefix-size ${Math.max(28, 32 - Math.ceil(Math.log2(Math.max(count, 1))))} or fewer nodes.`,
    "agentPoolProfile.count",
  );

export const gatewayPoolNotSupported = (pool: string, why: string, target: string) =>
  bad("GatewayAgentPoolNotSupported", `Gateway agent pool '${pool}': ${why}`, target);
