// A set of CIDR blocks answering "which stored block overlaps this one?" without comparing
// against every block: aligned blocks overlap only when one contains the other, so a block
// overlaps a stored one iff a stored block is one of its ancestors (itself included), or
// it is an ancestor of a stored block. Both are hash lookups per prefix length: O(bits) per
// query and per insert, instead of O(n) per query (O(n²) for a VNet's subnets).
import type { Cidr } from "./cidr.js";

/**
 * Key of the length-`length` ancestor of `c`. IPv4 keys are plain numbers (the prefix bits
 * and the length packed below 2^53); IPv6 keys are strings built from the bigint.
 */
function keyOf(c: Cidr, length: number): number | string {
  if (c.bits === 32) return Math.floor(Number(c.network) / 2 ** (32 - length)) * 64 + length;
  return `${length}/${(c.network >> BigInt(128 - length)).toString(16)}`;
}

export class CidrIndex<T> {
  /** Stored blocks → tag. */
  private readonly blocks = new Map<number | string, T>();
  /** Every ancestor (itself included) of a stored block → the tag of the first such block. */
  private readonly covered = new Map<number | string, T>();

  add(c: Cidr, tag: T): void {
    const own = keyOf(c, c.prefixLength);
    if (!this.blocks.has(own)) this.blocks.set(own, tag);
    for (let len = 0; len <= c.prefixLength; len++) {
      const k = keyOf(c, len);
      if (!this.covered.has(k)) this.covered.set(k, tag);
    }
  }

  /** The tag of a stored block overlapping `c` (the widest containing one first), if any. */
  overlapping(c: Cidr): T | undefined {
    for (let len = 0; len <= c.prefixLength; len++) {
      const hit = this.blocks.get(keyOf(c, len));
      if (hit !== undefined) return hit;
    }
    return this.covered.get(keyOf(c, c.prefixLength));
  }
}
