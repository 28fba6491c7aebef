// Azure's documented Microsoft.Network limits (learn.microsoft.com, "Networking limits - Azure
// Resource Manager"), enforced with Azure's errors. They also bound the work one request can
// ask of the emulator.
export const NETWORK_LIMITS = {
  /** "NSG rules per NSG". */
  securityRulesPerNsg: 1000,
  /** "IP addresses and ranges specified for source or destination in a security group" (each side). */
  addressPrefixesPerNsgSide: 4000,
  /** "Subnets per virtual network". */
  subnetsPerVnet: 3000,
  /** "Private IP addresses per network interface" (one per IP configuration). */
  ipConfigurationsPerNic: 256,
  /** "User-defined routes per route table". */
  routesPerRouteTable: 400,
} as const;
