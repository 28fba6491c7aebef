/**
 * Address ranges AKS refuses for VNet, subnet, service and pod CIDRs (AKS "Plan IP addressing" docs):
 * link-local, the two ranges Docker/AKS internals use, and TEST-NET-1.
 */
import { type Cidr, formatCidr, overlaps, parseCidr } from "./cidr.js";

/** The reserved ranges, in the order AKS documents them. */
export const AKS_RESERVED_RANGES: readonly string[] = Object.freeze([
  "169.254.0.0/16",
  "172.30.0.0/16",
  "172.31.0.0/16",
  "192.0.2.0/24",
]);

const RESERVED: readonly Cidr[] = AKS_RESERVED_RANGES.map((s) => parseCidr(s, { requireCanonical: true }));

/**
 * The first AKS-reserved range that `cidr` overlaps (as canonical text, e.g. "172.30.0.0/16"), or
 * undefined if none. Overlap counts in both directions: 172.0.0.0/8 is refused because it covers
 * 172.30.0.0/16. IPv6 blocks never overlap (the list is IPv4-only).
 */
export function reservedRangeOverlapping(cidr: Cidr): string | undefined {
  const hit = RESERVED.find((r) => overlaps(r, cidr));
  return hit === undefined ? undefined : formatCidr(hit);
}
