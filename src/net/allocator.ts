/**
 * Pure allocation choices. The persistent store owns the rows of what is taken; these functions only
 * pick the next item given a snapshot of the taken set. All are deterministic: the same inputs always give
 * the same answer, and `undefined` means exhausted (never an exception for "full").
 *
 * Items in a taken set that lie outside the range being allocated from are ignored, so callers may pass a
 * broader set than strictly needed.
 */
import { type Cidr, compareCidr, formatCidr, lastAddress, NetError } from "./cidr.js";

export interface AddressAllocationOptions {
  /**
   * Skip the addresses Azure keeps in every subnet.
   * - IPv4 (exact Azure rule): the network address, the first three hosts (.1 gateway, .2/.3 DNS) and the
   *   broadcast address — 5 per subnet, so a /24 has 251 usable and a /29 has 3.
   * - IPv6 (our choice; Azure documents no broadcast for IPv6): the first four addresses (::0–::3) only.
   * Blocks too small to have any address left (IPv4 /30 and longer, IPv6 /127 and longer) have none.
   */
  reserveAzure?: boolean;
}

const AZURE_RESERVED_HEAD = 4n;

/** First and last allocatable address of `range`, or undefined when nothing is allocatable. */
export function usableRange(
  range: Cidr,
  opts: AddressAllocationOptions = {},
): { first: bigint; last: bigint } | undefined {
  let first = range.network;
  let last = lastAddress(range);
  if (opts.reserveAzure) {
    first += AZURE_RESERVED_HEAD;
    if (range.family === "IPv4") last -= 1n;
  }
  return first <= last ? { first, last } : undefined;
}

/** Number of allocatable addresses: 2^(32−len) − 5 for IPv4 with reserveAzure (floored at 0). */
export function usableAddressCount(range: Cidr, reserveAzure = false): bigint {
  const u = usableRange(range, { reserveAzure });
  return u === undefined ? 0n : u.last - u.first + 1n;
}

/**
 * Lowest allocatable address of `range` not in `taken`, or undefined when every allocatable address is
 * taken. O(|taken|): the answer is among the first |taken|+1 candidates, so even a /64 is cheap.
 */
export function lowestFreeAddress(
  range: Cidr,
  taken: ReadonlySet<bigint>,
  opts: AddressAllocationOptions = {},
): bigint | undefined {
  const u = usableRange(range, opts);
  if (u === undefined) return undefined;
  for (let a = u.first; a <= u.last; a++) {
    if (!taken.has(a)) return a;
  }
  return undefined;
}

/**
 * Lowest block of size /prefixLength, aligned inside `space`, that overlaps none of `takenRanges` (e.g. a
 * /28 public IP prefix out of an emulated 20.0.0.0/8 pool). Taken ranges may be any size, overlap each
 * other, or lie partly or wholly outside `space`; other families are ignored.
 *
 * Sort + sweep, O(n log n) in the number of taken ranges, independent of the size of `space`: walk the
 * taken ranges by start address with a candidate block; any range that hits the candidate pushes it to
 * the next aligned boundary past that range's end. Because starts are sorted, the first range that
 * begins after the candidate's end proves the candidate free.
 */
export function lowestFreeAlignedBlock(
  space: Cidr,
  prefixLength: number,
  takenRanges: readonly Cidr[],
): Cidr | undefined {
  if (!Number.isInteger(prefixLength) || prefixLength < space.prefixLength || prefixLength > space.bits) {
    throw new NetError(
      "PrefixLengthOutOfRange",
      `A /${prefixLength} block cannot be allocated from ${formatCidr(space)}; the prefix length must be ` +
        `between ${space.prefixLength} and ${space.bits}.`,
    );
  }
  const blockSize = 1n << BigInt(space.bits - prefixLength);
  const spaceLast = lastAddress(space);
  const relevant = takenRanges
    .filter((t) => t.family === space.family && t.network <= spaceLast && lastAddress(t) >= space.network)
    .sort(compareCidr);

  let candidate = space.network;
  for (const t of relevant) {
    const candidateLast = candidate + blockSize - 1n;
    if (t.network > candidateLast) break;
    const tLast = lastAddress(t);
    if (tLast < candidate) continue;
    // Overlap: jump to the first aligned boundary after the taken range (space.network is aligned too).
    candidate = ((tLast + 1n + blockSize - 1n) / blockSize) * blockSize;
    if (candidate > spaceLast) return undefined;
  }
  if (candidate + blockSize - 1n > spaceLast) return undefined;
  return { family: space.family, network: candidate, prefixLength, bits: space.bits };
}

/** Result of {@link nextFitBlockIndex}: the chosen block and where the next search starts. */
export interface NextFit {
  index: number;
  nextCursor: number;
}

/**
 * kube-controller-manager cidrset `AllocateNext`: next-fit, not lowest-free. Scan circularly from `cursor`
 * for the first index in [0, total) not in `taken`; the cursor then moves just past it. A block released
 * behind the cursor is therefore reused only after the scan wraps around, which keeps a deleted node's pod
 * CIDR from being handed straight to a new node while stale routes may still point at it.
 *
 * Block i of a pod CIDR is `nthSubnet(podCidr, nodeMask, i)` (10.244.0.0/16, /24 → 10.244.i.0/24).
 * Out-of-range cursors are taken modulo `total`. Returns undefined when all `total` blocks are taken.
 * Worst case O(total), as upstream.
 */
export function nextFitBlockIndex(
  total: number,
  taken: Pick<ReadonlySet<number>, "has">,
  cursor: number,
): NextFit | undefined {
  if (!Number.isSafeInteger(total) || total < 0) {
    throw new NetError("InvalidArgument", `Block count ${total} must be a non-negative integer.`);
  }
  if (!Number.isSafeInteger(cursor)) {
    throw new NetError("InvalidArgument", `Cursor ${cursor} must be an integer.`);
  }
  if (total === 0) return undefined;
  const start = ((cursor % total) + total) % total;
  for (let i = 0; i < total; i++) {
    const index = (start + i) % total;
    if (!taken.has(index)) return { index, nextCursor: (index + 1) % total };
  }
  return undefined;
}

function checkIntBounds(min: number, max: number): void {
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max)) {
    throw new NetError("InvalidArgument", `Bounds ${min}..${max} must be integers.`);
  }
}

/**
 * Lowest integer in [min, max] not in `taken` (ports; NSG allow-rule priorities scanning up from 500), or
 * undefined when all are taken or min > max. O(min(max − min, |taken|)).
 */
export function lowestFreeInt(min: number, max: number, taken: ReadonlySet<number>): number | undefined {
  checkIntBounds(min, max);
  for (let i = min; i <= max; i++) {
    if (!taken.has(i)) return i;
  }
  return undefined;
}

/**
 * Highest integer in [min, max] not in `taken` (cloud-provider-azure's deny-all rule scans down from 4095),
 * or undefined when all are taken or min > max.
 */
export function highestFreeInt(min: number, max: number, taken: ReadonlySet<number>): number | undefined {
  checkIntBounds(min, max);
  for (let i = max; i >= min; i--) {
    if (!taken.has(i)) return i;
  }
  return undefined;
}
