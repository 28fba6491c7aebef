/**
 * Pure networking math for aksnet. No I/O and no knowledge of HTTP, ARM or Kubernetes; every failure is a
 * {@link NetError} with a human-readable `message` (safe to surface in ARM errors) and a stable `reason`.
 *
 * - cidr.ts      parse/format addresses and CIDRs (IPv4 + IPv6 as bigint), containment, overlap, subnetting.
 * - cidrIndex.ts overlap lookup against many blocks in O(prefix length) (a VNet's thousands of subnets).
 * - reserved.ts  AKS-reserved ranges (169.254/16, 172.30/16, 172.31/16, 192.0.2/24).
 * - allocator.ts choose the next free address / aligned block / cidrset block / integer from a taken set.
 * - portSpec.ts  `--allowed-host-ports` and container-port list syntax.
 * - capacity.ts  node and pod capacity formulas from the AKS docs.
 * - path.ts      NSG rule evaluation (subnet + NIC, Azure's order and defaults) with the reasons.
 *
 * Typical use:
 *   const subnet = parseCidr(body.addressPrefix, { requireCanonical: true });   // throws NetError
 *   const ip = lowestFreeAddress(subnet, takenIps, { reserveAzure: true });     // undefined = full
 *   const block = nextFitBlockIndex(256, takenBlocks, cursor);                  // pod CIDR i → nthSubnet(pod, 24, i)
 */
export * from "./allocator.js";
export * from "./capacity.js";
export * from "./cidr.js";
export * from "./cidrIndex.js";
export * from "./path.js";
export * from "./portSpec.js";
export * from "./reserved.js";
export * from "./routes.js";
