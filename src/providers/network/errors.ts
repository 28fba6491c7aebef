// Microsoft.Network's error catalogue. Codes and messages follow what the real service
// returns where it is known from public reports (InvalidCIDRNotation, NetcfgSubnetRangesOverlap,
// InUseSubnetCannotBeDeleted, PublicIPAddressCannotBeDeleted, InUsePublicIpPrefixCannotBeDeleted,
// SecurityRuleConflict, InvalidResourceReference …); where Azure's code is not public the
// code is ours, named after the rule, and used consistently (marked "ours" below).
import { ArmError } from "../errors.js";

const bad = (code: string, message: string, target?: string) => new ArmError(400, code, message, target);

// ---- generic ---------------------------------------------------------------------------

/** Network's not-found for a resource or a child (`Resource … not found`). */
export const networkNotFound = (type: string, id: string) =>
  new ArmError(404, "NotFound", `Resource '${id}' of type '${type}' was not found.`);

export const invalidResourceReference = (referenced: string, by: string, target?: string) =>
  bad(
    "InvalidResourceReference",
    `Resource ${referenced} referenced by resource ${by} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`,
    target,
  );

export const linkedWrongType = (id: string, expected: string, target: string) =>
  bad(
    "InvalidResourceReference",
    `Resource ${id} referenced at '${target}' is not of type '${expected}'.`,
    target,
  );

export const propertyChangeNotAllowed = (property: string, id: string, from: string, to: string) =>
  bad(
    "PropertyChangeNotAllowed",
    `Changing property '${property}' of resource ${id} is not allowed (from '${from}' to '${to}').`,
    property,
  );

export const missingProperty = (path: string, what: string) =>
  bad("InvalidRequestFormat", `Cannot parse the request: ${what} '${path}' is required.`, path);

/** (ours) A resource a cluster owns (routes, rules AKS wrote) is changed through the Network API. */
export const managedByCluster = (
  kind: "Route" | "SecurityRule",
  name: string,
  parent: string,
  cluster: string,
) =>
  new ArmError(
    409,
    kind === "Route" ? "RouteManagedByCluster" : "SecurityRuleManagedByCluster",
    `${kind === "Route" ? "Route" : "Security rule"} '${name}' in ${parent} is managed by the Kubernetes cluster ${cluster} and cannot be changed or deleted. Add your own ${kind === "Route" ? "routes" : "rules"} under other names.`,
    name,
  );

// ---- address prefixes --------------------------------------------------------------------

export const invalidAddressPrefixFormat = (prefix: string, id: string, target: string) =>
  bad(
    "InvalidAddressPrefixFormat",
    `Address prefix ${prefix} of resource ${id} is not formatted correctly. It should follow CIDR notation, for example 10.0.0.0/24.`,
    target,
  );

export const invalidCidrNotation = (prefix: string, id: string, canonical: string, target: string) =>
  bad(
    "InvalidCIDRNotation",
    `The address prefix ${prefix} in resource ${id} has an invalid CIDR notation. For the given prefix length, the address prefix should be ${canonical}.`,
    target,
  );

// ---- virtual networks / subnets ------------------------------------------------------------

export const vnetAddressSpacesOverlap = (vnet: string, a: string, b: string, target: string) =>
  bad(
    "VnetAddressSpacesOverlap",
    `Cannot create or update virtual network ${vnet} because address spaces ${a} and ${b} overlap.`,
    target,
  );

export const subnetOutsideVnet = (subnet: string, vnet: string, target: string) =>
  bad(
    "NetcfgSubnetRangeOutsideVnet",
    `Subnet '${subnet}' is not valid because its IP address range is outside the IP address range of virtual network '${vnet}'.`,
    target,
  );

export const subnetRangesOverlap = (subnet: string, other: string, vnet: string, target: string) =>
  bad(
    "NetcfgSubnetRangesOverlap",
    `Subnet '${subnet}' is not valid because its IP address range overlaps with that of an existing subnet '${other}' in virtual network '${vnet}'.`,
    target,
  );

export const invalidSubnet = (subnet: string, vnet: string, why: string, target: string) =>
  bad("NetcfgInvalidSubnet", `Subnet '${subnet}' is not valid in virtual network '${vnet}'. ${why}`, target);

export const inUseSubnetCannotBeDeleted = (subnetId: string, users: string[]) =>
  bad(
    "InUseSubnetCannotBeDeleted",
    `Subnet ${lastSegment(subnetId)} is in use by ${users.slice(0, 5).join(", ")}${users.length > 5 ? ` and ${users.length - 5} more` : ""} and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet. See aka.ms/deletesubnet.`,
    subnetId,
  );

export const inUsePrefixCannotBeDeleted = (subnetId: string, prefix: string, target: string) =>
  bad(
    "InUsePrefixCannotBeDeleted",
    `IpPrefix ${prefix} on Subnet ${lastSegment(subnetId)} has active allocations and cannot be deleted.`,
    target,
  );

export const subnetIsFull = (subnetId: string, count: number) =>
  bad(
    "SubnetIsFull",
    `Subnet ${lastSegment(subnetId)} does not have enough capacity for ${count} IP addresses.`,
    subnetId,
  );

export const privateIpAddressInvalid = (address: string, subnetId: string, why: string, target: string) =>
  bad(
    "PrivateIPAddressNotInSubnet",
    `Private static IP address ${address} does not belong to the range of subnet ${subnetId}: ${why}`,
    target,
  );

export const privateIpAddressInUse = (address: string, subnetId: string, owner: string, target: string) =>
  bad(
    "PrivateIPAddressInUse",
    `IP configuration is using the private IP address ${address} which is already allocated to resource ${owner} in subnet ${subnetId}.`,
    target,
  );

/** Azure: "Public IP address … has invalid Idle Timeout. The value must be between 4 and 30." */
export const invalidIdleTimeout = (ipId: string, value: number) =>
  bad(
    "PublicIPAddressInvalidIdleTimeout",
    `Public IP address ${ipId} has invalid Idle Timeout ${value}. The value must be between 4 and 30.`,
    "properties.idleTimeoutInMinutes",
  );

/** (ours) An IPv6 ip configuration in a subnet without an IPv6 prefix (or the reverse). */
export const subnetHasNoPrefixOfVersion = (subnetId: string, version: string, target: string) =>
  bad(
    "SubnetHasNoAddressPrefixOfIpVersion",
    `Subnet ${subnetId} has no ${version} address prefix, so it cannot give an ${version} private IP address. Add an ${version} prefix to the subnet's 'addressPrefixes' or use the other privateIPAddressVersion.`,
    target,
  );

// ---- public IPs ------------------------------------------------------------------------------

export const invalidPublicIpPrefixLength = (length: number, version: string) =>
  bad(
    "InvalidPublicIpPrefixLength",
    `Prefix length ${length} is not valid for an ${version} public IP prefix. Allowed values are ${version === "IPv4" ? "28 to 31" : "124 to 127"}.`,
    "properties.prefixLength",
  );

export const publicIpPoolExhausted = (pool: string, what: string) =>
  bad(
    "PublicIPCountLimitReached",
    `The emulated public address pool ${pool} has no room left for ${what}.`,
    "properties",
  );

export const publicIpPrefixFull = (prefixId: string, ipId: string, count = 1) =>
  bad(
    "PublicIpPrefixOutOfIpAddressesForPublicIp",
    `Public IP prefix ${prefixId} does not have enough free IP addresses to allocate ${count === 1 ? `public IP ${ipId}` : `${count} public IPs`}.`,
    "properties.publicIPPrefix.id",
  );

export const inUsePublicIpPrefixCannotBeDeleted = (prefixId: string, users: string[]) =>
  bad(
    "InUsePublicIpPrefixCannotBeDeleted",
    `Public IP prefix ${prefixId} cannot be deleted because it is in use by ${users.join(", ")}.`,
    prefixId,
  );

export const publicIpCannotBeDeleted = (ipId: string, holder: string) =>
  bad(
    "PublicIPAddressCannotBeDeleted",
    `Public IP address ${ipId} can not be deleted since it is still allocated to resource ${holder}. In order to delete the public IP, disassociate/detach the Public IP address from the resource.  To learn how to do this, see aka.ms/deletepublicip.`,
    ipId,
  );

export const publicIpInUse = (ipId: string, holder: string, target: string) =>
  bad(
    "PublicIPAddressInUse",
    `Public IP address ${ipId} is already allocated to resource ${holder}.`,
    target,
  );

export const basicSkuRetired = () =>
  bad(
    "BasicSkuPublicIpCreationNotAllowed",
    "Basic SKU public IP addresses are retired and can no longer be created. Use sku 'Standard'.",
    "sku.name",
  );

export const standardMustBeStatic = () =>
  bad(
    "StandardSkuPublicIPAddressesMustBeStatic",
    "Standard sku public IP addresses must have publicIPAllocationMethod set to Static.",
    "properties.publicIPAllocationMethod",
  );

// ---- NSGs / rules ------------------------------------------------------------------------

export const securityRuleConflict = (rule: string, other: string, target: string) =>
  bad(
    "SecurityRuleConflict",
    `Security rule ${rule} conflicts with rule ${other}. Rules cannot have the same Priority and Direction.`,
    target,
  );

export const securityRuleInvalidPriority = (rule: string, value: number, target: string) =>
  bad(
    "SecurityRuleInvalidPriority",
    `Security rule ${rule} has invalid Priority. Value provided: ${value} Allowed values are from: 100 to 4096.`,
    target,
  );

export const securityRuleInvalidPortRange = (rule: string, value: string, target: string) =>
  bad(
    "SecurityRuleInvalidPortRange",
    `Security rule ${rule} has invalid Port range. Value provided: ${value}. Value should be an integer OR integer range with '-' delimiter. Valid range 0-65535.`,
    target,
  );

export const securityRuleInvalidAddressPrefix = (rule: string, value: string, target: string) =>
  bad(
    "SecurityRuleInvalidAddressPrefix",
    `Security rule ${rule} has invalid Address prefix. Value provided: ${value}. It must be a CIDR, an IP address, '*' or a service tag.`,
    target,
  );

/** (ours) singular and plural forms of one field together. */
export const securityRuleParameterConflict = (rule: string, single: string, plural: string, target: string) =>
  bad(
    "SecurityRuleParameterConflict",
    `Security rule ${rule}: parameters ${single} and ${plural} cannot be specified at the same time.`,
    target,
  );

export const inUseNsgCannotBeDeleted = (nsgId: string, users: string[]) =>
  bad(
    "InUseNetworkSecurityGroupCannotBeDeleted",
    `Network security group ${nsgId} cannot be deleted because it is in use by the following resources: ${users.join(", ")}. In order to delete the Network security group, remove the association with the resource(s).`,
    nsgId,
  );

export const inUseAsgCannotBeDeleted = (asgId: string, users: string[]) =>
  bad(
    "InUseApplicationSecurityGroupCannotBeDeleted",
    `Application security group ${asgId} cannot be deleted because it is in use by the following resources: ${users.join(", ")}.`,
    asgId,
  );

// ---- route tables / routes ---------------------------------------------------------------

export const nextHopIpRequired = (routeId: string, target: string) =>
  bad(
    "NextHopIpAddressRequired",
    `NextHopIpAddress cannot be Null or Empty in route ${routeId} when NextHopType is VirtualAppliance.`,
    target,
  );

export const invalidNextHopIp = (routeId: string, value: string, target: string) =>
  bad(
    "InvalidNextHopIpAddress",
    `Route ${routeId} has an invalid NextHopIpAddress '${value}': it must be an IPv4 or IPv6 address.`,
    target,
  );

export const nextHopIpNotAllowed = (routeId: string, type: string, target: string) =>
  bad(
    "NextHopIpAddressNotAllowed",
    `NextHopIpAddress is only allowed in route ${routeId} when NextHopType is VirtualAppliance, not ${type}.`,
    target,
  );

export const invalidRouteAddressPrefix = (routeId: string, value: string, target: string) =>
  bad(
    "InvalidRouteAddressPrefix",
    `Route ${routeId} has an invalid address prefix ${value}. It must be a CIDR or a service tag.`,
    target,
  );

/** Two routes of a table with one addressPrefix (Azure's wording, cloud-provider-azure#657). */
export const routeConflict = (route: string, other: string, target: string) =>
  bad(
    "RouteConflict",
    `Route: ${route} conflicts with Route: ${other}. Routes cannot have the same AddressPrefix.`,
    target,
  );

export const routeTableLimitReached = (tableId: string, limit: number, route: string) =>
  bad(
    "RouteTableLimitReached",
    `Route table ${tableId} has reached the limit of ${limit} routes; route '${route}' cannot be added.`,
    "properties.routes",
  );

export const inUseRouteTableCannotBeDeleted = (tableId: string, users: string[]) =>
  bad(
    "InUseRouteTableCannotBeDeleted",
    `Route table ${tableId} is in use by ${users.join(", ")} and cannot be deleted.`,
    tableId,
  );

/** (ours) the SPEC's "a route table cannot be shared by two clusters". */
export const routeTableUsedByOtherCluster = (tableId: string, cluster: string) =>
  new ArmError(
    409,
    "RouteTableInUseByAnotherCluster",
    `Route table ${tableId} is already used by the Kubernetes cluster ${cluster}; a route table cannot be shared by two clusters.`,
    tableId,
  );

function lastSegment(id: string): string {
  const parts = id.split("/");
  return parts[parts.length - 1];
}

// ---- documented limits (limits.ts) -----------------------------------------------------------

export const securityRuleCountLimitReached = (limit: number, target: string) =>
  bad(
    "SecurityRuleCountLimitReached",
    `A security group cannot have more than ${limit} security rules.`,
    target,
  );

/** (ours) Azure's code for the per-NSG address limit is not public. */
export const securityRuleAddressLimitReached = (
  nsgId: string,
  side: "source" | "destination",
  count: number,
  limit: number,
  target: string,
) =>
  bad(
    "SecurityRuleAddressPrefixLimitReached",
    `Network security group ${nsgId} would have ${count} ${side} IP addresses and ranges across its security rules; at most ${limit} are allowed (the limit applies separately to source and destination).`,
    target,
  );

/** (ours) Azure's code for the subnets-per-VNet limit is not public. */
export const subnetCountLimitReached = (vnetId: string, count: number, limit: number, target: string) =>
  bad(
    "SubnetCountLimitReached",
    `Virtual network ${vnetId} cannot have more than ${limit} subnets; the request would make it ${count}.`,
    target,
  );

/** (ours) Azure's code for the IP-configurations-per-NIC limit is not public. */
export const ipConfigurationCountLimitReached = (nicId: string, count: number, limit: number) =>
  bad(
    "IpConfigurationCountLimitReached",
    `Network interface ${nicId} cannot have more than ${limit} IP configurations; the request has ${count}.`,
    "properties.ipConfigurations",
  );

// ---- NAT gateways ----------------------------------------------------------------------------

/** Network's wording when a NAT gateway still serves subnets. */
export const cannotDeleteNatGatewayAssociatedToSubnet = (natId: string, subnets: string[]) =>
  bad(
    "CannotDeleteNatGatewayAssociatedToSubnet",
    `NAT Gateway ${natId} is still configured on ${subnets.length} subnet${subnets.length === 1 ? "" : "s"} (${subnets.join(", ")}). Remove NAT Gateway from all referenced subnets and then delete NAT Gateway.`,
    natId,
  );

/** (ours: Azure's code is not public) idle timeout outside 4–120 minutes. */
export const natGatewayInvalidIdleTimeout = (natId: string, value: number) =>
  bad(
    "NatGatewayInvalidIdleTimeout",
    `NAT Gateway ${natId} has invalid idle timeout ${value}. The value must be between 4 and 120 minutes.`,
    "properties.idleTimeoutInMinutes",
  );

/** (ours) more than 16 addresses across public IPs and prefixes. */
export const natGatewayTooManyAddresses = (natId: string, count: number) =>
  bad(
    "NatGatewayPublicIpAddressLimitReached",
    `NAT Gateway ${natId} would use ${count} public IP addresses; a NAT gateway supports at most 16 (public IP addresses plus the addresses of public IP prefixes).`,
    "properties.publicIpAddresses",
  );

/** (ours) an IPv6 address or prefix in the IPv4 lists. */
export const natGatewayWrongIpVersion = (natId: string, ref: string, target: string) =>
  bad(
    "NatGatewayPublicIpVersionMismatch",
    `NAT Gateway ${natId} cannot use ${ref} in '${target}': it is IPv6, and '${target}' takes IPv4 resources only.`,
    target,
  );

/** (ours) a prefix another NAT gateway already uses. */
export const publicIpPrefixInUseByNatGateway = (prefixId: string, holder: string, target: string) =>
  bad(
    "PublicIpPrefixInUse",
    `Public IP prefix ${prefixId} is already used by NAT gateway ${holder}.`,
    target,
  );

/** (ours) zonal NAT gateways take one zone. */
export const natGatewayMultipleZones = (natId: string, zones: string[]) =>
  bad(
    "NatGatewayCannotHaveMultipleZones",
    `NAT Gateway ${natId} lists zones ${zones.join(", ")}; a NAT gateway is zonal in at most one zone.`,
    "zones",
  );

/** A zone the region does not have (InvalidAvailabilityZone, as NRP words it). */
export const invalidAvailabilityZone = (
  zones: string[],
  resource: string,
  location: string,
  supported: readonly string[],
) =>
  bad(
    "InvalidAvailabilityZone",
    `The zone(s) '${zones.join(",")}' for resource '${resource}' is not supported. The supported zones for location '${location}' are '${supported.join(",")}'`,
    "zones",
  );

/** Two load-balancing rules without floating IP on one pool, protocol and backend port (Azure's words). */
export const rulesUseSameBackendPortProtocolAndPool = (
  first: string,
  second: string,
  protocol: string,
  port: number,
  pool: string,
  target: string,
) =>
  bad(
    "RulesUseSameBackendPortProtocolAndPool",
    `Load balancing rules ${first} and ${second} with floating IP disabled use the same protocol ${protocol} and backend port ${port}, and must not be used with the same backend address pool ${pool}.`,
    target,
  );
