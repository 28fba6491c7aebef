// Microsoft.ContainerService error catalogue. Azure's codes where they are public
// (CidrStringParseError, ServiceCidrOverlapExistingSubnetsCidr, NetworkProfileCIDROverlapVNET,
// InsufficientSubnetSize, PropertyChangeNotAllowed, InvalidParameter …); where they are not,
// ours, each listed with its rule in docs/errors-containerservice.md.
import { ArmError } from "../errors.js";

const bad = (code: string, message: string, target?: string) => new ArmError(400, code, message, target);

export const invalidParameter = (target: string, message: string) =>
  bad("InvalidParameter", `The value of parameter ${target} is invalid. ${message}`, target);

export const cidrParseError = (target: string, value: string) =>
  bad(
    "CidrStringParseError",
    `Cidr '${value}' is invalid: it must be an IP address followed by a prefix length, e.g. 10.0.0.0/16.`,
    target,
  );

export const invalidDnsServiceIP = (value: string, why: string) =>
  bad("InvalidDNSServiceIP", `DNSServiceIP '${value}' is invalid: ${why}`, "networkProfile.dnsServiceIP");

export const reservedRangeOverlap = (target: string, cidr: string, reserved: string) =>
  bad(
    "ReservedCidrOverlap",
    `The CIDR ${cidr} of ${target} overlaps with ${reserved}, which AKS reserves (169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16, 192.0.2.0/24 cannot be used for service, pod or virtual network ranges).`,
    target,
  );

export const serviceCidrOverlapsSubnet = (serviceCidr: string, subnetCidr: string, subnetId: string) =>
  bad(
    "ServiceCidrOverlapExistingSubnetsCidr",
    `The specified service CIDR ${serviceCidr} is conflicted with an existing subnet CIDR ${subnetCidr} (subnet '${subnetId}').`,
    "networkProfile.serviceCIDR",
  );

export const podCidrOverlapsVnet = (podCidr: string, vnetCidr: string) =>
  bad(
    "NetworkProfileCIDROverlapVNET",
    `NetworkProfile CIDR ${podCidr} overlaps with reserved VNET CIDR ${vnetCidr}.`,
    "networkProfile.podCIDR",
  );

export const podCidrOverlapsServiceCidr = (podCidr: string, serviceCidr: string) =>
  bad(
    "PodCidrOverlapServiceCidr",
    `The pod CIDR ${podCidr} overlaps with the service CIDR ${serviceCidr}; the two ranges must be disjoint.`,
    "networkProfile.podCIDR",
  );

export const insufficientPodCidr = (podCidr: string, blocks: number, nodes: number) =>
  bad(
    "InsufficientPodCidrSize",
    `The pod CIDR ${podCidr} holds ${blocks} node blocks of /24, but the cluster needs ${nodes} (one /24 per node).`,
    "networkProfile.podCIDR",
  );

export const insufficientSubnetSize = (detail: string) =>
  bad(
    "InsufficientSubnetSize",
    `${detail} See http://aka.ms/aks/insufficientsubnetsize.`,
    "agentPoolProfile.vnetSubnetID",
  );

export const kubenetNodeLimit = (nodes: number) =>
  bad(
    "KubenetNodeLimitExceeded",
    `A kubenet cluster can have at most 400 nodes (a route table holds at most 400 routes, one per node); this request needs ${nodes}.`,
    "agentPoolProfile.count",
  );

/** Cluster autoscaler counts out of order; Azure's wording ("agentPoolProfile.count was 0. It must be …"). */
export const autoscalerCount = (target: string, message: string) => bad("InvalidParameter", message, target);

/** A System pool on a VM size below 2 vCPUs / 4 GiB (Azure's wording). */
export const systemPoolSkuTooLow = (pool: string) =>
  bad(
    "SystemPoolSkuTooLow",
    `System node pool must use VM sku with more than 2 cores and 4GB memory. Nodepool name: ${pool}.`,
    "agentPoolProfile.vmSize",
  );

export const windowsRequiresAzureCni = (pool: string) =>
  bad(
    "WindowsPoolRequiresAzureCNI",
    `Windows agent pool '${pool}' is not supported with the kubenet network plugin; Windows Server node pools require Azure CNI (networkPlugin 'azure').`,
    "agentPoolProfile.osType",
  );

export const propertyChangeNotAllowed = (property: string, from: unknown, to: unknown) =>
  bad(
    "PropertyChangeNotAllowed",
    `Changing property '${property}' is not allowed (from '${String(from)}' to '${String(to)}'); it can only be set when the resource is created.`,
    property,
  );

export const subnetNotFound = (target: string, id: string) =>
  bad("SubnetNotFound", `The subnet '${id}' referenced by ${target} does not exist.`, target);

export const subnetUsedByKubenetCluster = (subnetId: string, other: string) =>
  bad(
    "SubnetUsedByAnotherKubenetCluster",
    `Subnet '${subnetId}' is already used by the kubenet cluster '${other}'; multiple kubenet clusters cannot share a subnet.`,
    "agentPoolProfile.vnetSubnetID",
  );

export const routeTableUsedByOtherCluster = (routeTableId: string, other: string) =>
  bad(
    "RouteTableUsedByAnotherCluster",
    `Route table '${routeTableId}' already serves cluster '${other}'; a route table cannot be shared by two clusters.`,
    "agentPoolProfile.vnetSubnetID",
  );

export const routeTableRequiredForUdr = (subnetId: string) =>
  bad(
    "ExistingRouteTableNotAssociatedWithSubnet",
    `An existing route table has not been associated with subnet '${subnetId}'; outboundType 'userDefinedRouting' needs one (with a default route to your egress device).`,
    "agentPoolProfile.vnetSubnetID",
  );

export const customRouteTableNeedsUserAssignedIdentity = (routeTableId: string) =>
  bad(
    "CustomRouteTableWithUnsupportedMSIType",
    `Clusters using managed identity type SystemAssigned do not support bringing your own route table ('${routeTableId}'); use a user-assigned identity that holds the required permissions. See https://aka.ms/aks/customrt.`,
    "identity.type",
  );

export const identityMissingSubnetPermission = (
  identityId: string,
  principalId: string,
  subnetId: string,
  missing: string[],
) =>
  bad(
    "ClusterIdentityMissingSubnetPermission",
    `The cluster identity '${identityId}' (principal ${principalId}) lacks ${missing.join(" and ")} on subnet '${subnetId}'. ` +
      "Assign it 'Network Contributor' (or a role with Microsoft.Network/virtualNetworks/subnets/join/action and " +
      "Microsoft.Network/virtualNetworks/subnets/read) on the subnet, its virtual network, resource group or subscription.",
    "identity.userAssignedIdentities",
  );

export const userAssignedIdentityNotFound = (id: string) =>
  bad(
    "UserAssignedIdentityNotFound",
    `The user-assigned identity '${id}' does not exist.`,
    "identity.userAssignedIdentities",
  );

export const networkPolicyNotSupported = (policy: string, plugin: string) =>
  bad(
    "NetworkPolicyNotSupported",
    `Network policy '${policy}' is not supported with network plugin '${plugin}' (kubenet supports calico; cilium requires networkDataplane cilium).`,
    "networkProfile.networkPolicy",
  );

/** A cluster whose pools are all User mode (Azure/AKS#1568). */
export const mustDefineSystemPool = () =>
  bad("MustDefineAtLeastOneSystemPool", "Must define at least one system pool.", "agentPoolProfile.mode");

/** Deleting the last System pool, or making it a User pool (cluster-api-provider-azure#1355). */
export const lastSystemPool = () =>
  bad("OperationNotAllowed", "There has to be at least one system agent pool.", "agentPoolProfile.mode");

// ---- Kubernetes versions (Azure's codes and wording, as real clusters answer) ------------------

const versionNotSupported = (code: string, version: string, target: string) =>
  bad(
    code,
    `Version ${version} is not supported in this region. Please use [az aks get-versions] command to get the supported version list in this region. For more information, please check https://aka.ms/supported-version-list`,
    target,
  );

/** A cluster's kubernetesVersion outside the accepted versions. */
export const k8sVersionNotSupported = (version: string) =>
  versionNotSupported("K8sVersionNotSupported", version, "properties.kubernetesVersion");

/** A pool's orchestratorVersion outside the accepted versions. */
export const agentPoolK8sVersionNotSupported = (version: string, target: string) =>
  versionNotSupported("AgentPoolK8sVersionNotSupported", version, target);

/** Go's %v of a string slice: `[1.29.7 1.29.6]`. */
const goList = (items: string[]) => `[${items.join(" ")}]`;

/** A cluster version change AKS refuses: a downgrade, or an upgrade that skips a minor. */
export const versionChangeNotAllowed = (
  kind: "downgrade" | "skip",
  from: string,
  to: string,
  upgrades: string[],
) =>
  bad(
    "OperationNotAllowed",
    `${kind === "downgrade" ? "Downgrading" : "Upgrading"} Kubernetes version ${from} to ${to} is not allowed. Available upgrades: ${goList(upgrades)}. Please see https://aka.ms/aks-supported-k8s-ver for version details.`,
    "properties.kubernetesVersion",
  );

/** A pool whose minor is newer than the control plane's (version skew policy). */
export const nodePoolMcVersionIncompatible = (pool: string, cp: string, target: string) =>
  bad(
    "NodePoolMcVersionIncompatible",
    `Node pool version ${pool} and control plane version ${cp} are incompatible. Minor version of node pool version ${pool.split(".")[1]} is bigger than control plane version ${cp.split(".")[1]}. For more information, please check https://aka.ms/version-skew-policy`,
    target,
  );

export const operationInProgress = (what: string) =>
  new ArmError(
    409,
    "OperationNotAllowed",
    `Operation is not allowed because there's an in progress operation on ${what}; wait for it to finish or abort it.`,
  );

/** AKS: a stopped cluster can only be started or deleted. */
export const clusterStopped = (name: string) =>
  new ArmError(
    409,
    "OperationNotAllowed",
    `Managed cluster '${name}' is stopped: only start and delete are allowed on a stopped cluster. Start the cluster first.`,
  );

export const nothingToAbort = (what: string) =>
  new ArmError(409, "OperationNotAllowed", `There is no in progress operation on ${what} to abort.`);

/** A dnsPrefix outside 1-54 letters, digits and hyphens starting and ending alphanumeric (AKS's naming-rules wording). */
export const invalidDnsPrefix = () =>
  bad(
    "InvalidParameter",
    "The value of parameter dnsPrefix is invalid. Please see https://aka.ms/aks-naming-rules for more details.",
    "properties.dnsPrefix",
  );

export const nodeResourceGroupSameAsResourceGroup = (nodeRg: string, rg: string) =>
  bad(
    "NodeResourceGroupSameAsResourceGroup",
    `Node resource group '${nodeRg}' is the same as ResourceGroup '${rg}', which is not allowed, please provide a different node resource group.`,
    "properties.nodeResourceGroup",
  );

export const nodeResourceGroupAlreadyExists = (nodeRg: string, subscriptionId: string) =>
  bad(
    "NodeResourceGroupAlreadyExists",
    `Node resource group '${nodeRg}' under subscription '${subscriptionId}' already exists, please provide a new one.`,
    "properties.nodeResourceGroup",
  );

// ---- outbound types ----------------------------------------------------------------------------

/** (ours) userAssignedNATGateway and a pool subnet without a NAT gateway that has addresses. */
export const natGatewayRequiredForUserAssignedNat = (subnetId: string, why: string) =>
  bad(
    "ExistingNatGatewayNotAssociatedWithSubnet",
    `Subnet '${subnetId}' ${why}; outboundType 'userAssignedNATGateway' needs the subnet to be associated with a NAT gateway with outbound public IPs or IP prefixes.`,
    "agentPoolProfile.vnetSubnetID",
  );

/** (ours) userDefinedRouting and a route table with no 0.0.0.0/0 route. */
export const defaultRouteRequiredForUdr = (subnetId: string, routeTableId: string) =>
  bad(
    "ExistingRouteTableHasNoDefaultRoute",
    `Route table '${routeTableId}' of subnet '${subnetId}' has no route for 0.0.0.0/0; outboundType 'userDefinedRouting' needs a default route to your egress device (next hop VirtualAppliance, VirtualNetworkGateway or Internet).`,
    "agentPoolProfile.vnetSubnetID",
  );

/** (ours) an outboundType change AKS does not support for the cluster's kind of VNet. */
export const outboundTypeMigrationNotSupported = (from: string, to: string, managedVnet: boolean) =>
  bad(
    "OutboundTypeMigrationNotSupported",
    `Updating outboundType from '${from}' to '${to}' is not supported for a cluster with ${managedVnet ? "the AKS-managed virtual network" : "a virtual network of your own (BYO)"}.`,
    "networkProfile.outboundType",
  );

/** A pool zone the region does not have (AvailabilityZoneNotSupported, as AKS words it). */
export const availabilityZoneNotSupported = (
  zones: string[],
  pool: string,
  location: string,
  supported: readonly string[],
) =>
  bad(
    "AvailabilityZoneNotSupported",
    `The zone(s) '${zones.join(",")}' for resource '${pool}' is not supported. The supported zones for location '${location}' are '${supported.join(",")}'.`,
    "agentPoolProfile.availabilityZones",
  );

/** More than one of managedOutboundIPs / outboundIPs / outboundIPPrefixes (AKS's code and wording). */
export const loadBalancerProfileConflict = (given: string[]) =>
  bad(
    "InvalidLoadBalancerProfile",
    `Load balancer profile must specify one of ManagedOutboundIPs, OutboundIPPrefixes and OutboundIPs, not ${given.join(" and ")}.`,
    "networkProfile.loadBalancerProfile",
  );

/**
 * A BYO outbound public IP AKS cannot use: AKS's code and message; `detail` is AKS's token
 * (LoadBalancerProfileOutboundIPNotExist for a missing one) or, where none is public, why.
 */
export const invalidOutboundIP = (index: number, detail: string) =>
  bad(
    "InvalidLoadBalancerProfileOutboundIPs",
    `Error in validating load balancer profile outbound IPs, error details: ${detail}`,
    `networkProfile.loadBalancerProfile.outboundIPs.publicIPs[${index}].id`,
  );

/** Basic load balancers are retired on AKS (no new clusters since 31 March 2025, retired 30 September 2025). */
export const basicLoadBalancerRetired = () =>
  invalidParameter(
    "networkProfile.loadBalancerSku",
    "The Basic load balancer SKU is retired and can no longer be used for AKS clusters. Use loadBalancerSku 'standard'.",
  );
