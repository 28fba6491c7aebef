/**
 * IPv4 / IPv6 address and CIDR arithmetic.
 *
 * Addresses are plain `bigint`s tagged with a family so IPv4 and IPv6 share one code path. Parsing and
 * formatting of the textual forms is delegated to ipaddr.js; everything else is integer math.
 *
 * Pure: no I/O, no knowledge of ARM, HTTP or Kubernetes. Every failure is a {@link NetError} whose
 * message is a human-readable sentence (the server layer copies it into Azure-shaped error bodies) and
 * whose `reason` is a stable code for programmatic handling.
 */
import ipaddr from "ipaddr.js";

export type IpFamily = "IPv4" | "IPv6";

/** A parsed address: `value` is the address as an unsigned integer of 32 or 128 bits. */
export interface IpAddress {
  readonly family: IpFamily;
  readonly value: bigint;
}

/**
 * A CIDR block. Invariant (enforced by every constructor in this module): `network` has no host bits
 * set, `0 <= prefixLength <= bits`, and `bits` matches `family`.
 */
export interface Cidr {
  readonly family: IpFamily;
  readonly network: bigint;
  readonly prefixLength: number;
  readonly bits: 32 | 128;
}

/** Stable machine-readable codes for {@link NetError}. */
export type NetErrorReason =
  | "InvalidAddress"
  | "InvalidCidr"
  | "PrefixLengthOutOfRange"
  | "HostBitsSet"
  | "AddressOutOfRange"
  | "IndexOutOfRange"
  | "InvalidArgument"
  | "EmptyEntry"
  | "MissingProtocol"
  | "InvalidProtocol"
  | "InvalidPortNumber"
  | "PortOutOfRange"
  | "InvalidPortRange"
  | "RangeNotAllowed";

/**
 * Error thrown by every function in `net/`. `message` is a complete, user-facing sentence; `reason` is a
 * stable code; `input` is the offending text when there is one; `canonical` is set for `HostBitsSet` so
 * callers can build Azure's "should be X" message without re-deriving it.
 */
export class NetError extends Error {
  override readonly name = "NetError";
  readonly reason: NetErrorReason;
  readonly input: string | undefined;
  readonly canonical: string | undefined;

  constructor(reason: NetErrorReason, message: string, opts: { input?: string; canonical?: string } = {}) {
    super(message);
    this.reason = reason;
    this.input = opts.input;
    this.canonical = opts.canonical;
  }
}

/** Number of address bits of a family. */
export function familyBits(family: IpFamily): 32 | 128 {
  return family === "IPv4" ? 32 : 128;
}

function bytesToBigInt(bytes: number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function bigIntToBytes(value: bigint, byteCount: number): number[] {
  const out = new Array<number>(byteCount);
  for (let i = byteCount - 1; i >= 0; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

/** Mask with the low `bits - prefixLength` bits set (the host part). */
function hostMask(prefixLength: number, bits: number): bigint {
  return (1n << BigInt(bits - prefixLength)) - 1n;
}

/** Mask with the high `prefixLength` bits set (the network part). */
export function networkMask(prefixLength: number, bits: 32 | 128): bigint {
  return ((1n << BigInt(bits)) - 1n) ^ hostMask(prefixLength, bits);
}

/**
 * Parses a single IPv4 or IPv6 address.
 *
 * Deliberately stricter than ipaddr.js's lenient `parse`: IPv4 must be dotted-quad decimal (so
 * "10", "0x0a.0.0.1" and the octal-looking "010.0.0.1" are rejected, as Azure and Go's netip do), and IPv6
 * zone ids ("fe80::1%eth0") are rejected because they are meaningless in a VNet.
 */
export function parseIp(s: string): IpAddress {
  if (typeof s === "string") {
    if (ipaddr.IPv4.isValidFourPartDecimal(s)) {
      return { family: "IPv4", value: bytesToBigInt(ipaddr.IPv4.parse(s).toByteArray()) };
    }
    if (!s.includes("%") && ipaddr.IPv6.isValid(s)) {
      return { family: "IPv6", value: bytesToBigInt(ipaddr.IPv6.parse(s).toByteArray()) };
    }
  }
  throw new NetError("InvalidAddress", `'${String(s)}' is not a valid IPv4 or IPv6 address.`, {
    input: String(s),
  });
}

/** Formats an address value; IPv6 uses the RFC 5952 compressed lowercase form. */
export function formatIp(value: bigint, family: IpFamily): string {
  const bits = familyBits(family);
  if (value < 0n || value >= 1n << BigInt(bits)) {
    throw new NetError("AddressOutOfRange", `${value} is not a valid ${family} address value.`);
  }
  const bytes = bigIntToBytes(value, bits / 8);
  return family === "IPv4"
    ? new ipaddr.IPv4(bytes).toString()
    : new ipaddr.IPv6(toParts(bytes)).toRFC5952String();
}

function toParts(bytes: number[]): number[] {
  const parts: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) parts.push((bytes[i] << 8) | bytes[i + 1]);
  return parts;
}

/**
 * Builds a CIDR from any address inside it, clearing host bits (e.g. 10.0.0.7 /24 → 10.0.0.0/24).
 * Throws if the prefix length or value is out of range for the family.
 */
export function cidrOf(value: bigint, family: IpFamily, prefixLength: number): Cidr {
  const bits = familyBits(family);
  checkPrefixLength(prefixLength, family);
  if (value < 0n || value >= 1n << BigInt(bits)) {
    throw new NetError("AddressOutOfRange", `${value} is not a valid ${family} address value.`);
  }
  return { family, network: value & networkMask(prefixLength, bits), prefixLength, bits };
}

/** The single-address CIDR (/32 or /128) of an address. */
export function hostCidr(ip: IpAddress): Cidr {
  return cidrOf(ip.value, ip.family, familyBits(ip.family));
}

function checkPrefixLength(prefixLength: number, family: IpFamily): void {
  const bits = familyBits(family);
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > bits) {
    throw new NetError(
      "PrefixLengthOutOfRange",
      `Prefix length ${prefixLength} is out of range for ${family}; it must be between 0 and ${bits}.`,
    );
  }
}

export interface ParseCidrOptions {
  /** Reject input whose address has host bits set ("10.0.0.1/24"). Default false: host bits are cleared. */
  requireCanonical?: boolean;
}

/** Splits and validates "addr/len"; returns the address as written plus the prefix length. */
function parseCidrParts(s: string): { ip: IpAddress; prefixLength: number } {
  const text = String(s);
  const slash = text.indexOf("/");
  if (typeof s !== "string" || slash < 0) {
    throw new NetError(
      "InvalidCidr",
      `'${text}' is not a valid CIDR; expected an address followed by a prefix length, e.g. 10.0.0.0/16.`,
      { input: text },
    );
  }
  const addrText = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  let ip: IpAddress;
  try {
    ip = parseIp(addrText);
  } catch {
    throw new NetError(
      "InvalidCidr",
      `'${text}' is not a valid CIDR: '${addrText}' is not a valid IPv4 or IPv6 address.`,
      { input: text },
    );
  }
  const bits = familyBits(ip.family);
  // Decimal digits only, no sign, no leading zeros: "/024" or "/+8" are typos worth reporting.
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) {
    throw new NetError(
      "InvalidCidr",
      `'${text}' is not a valid CIDR: the prefix length '${lenText}' must be a whole number between 0 and ${bits}.`,
      { input: text },
    );
  }
  const prefixLength = Number(lenText);
  if (prefixLength > bits) {
    throw new NetError(
      "PrefixLengthOutOfRange",
      `'${text}' is not a valid CIDR: the prefix length ${prefixLength} is out of range for ${ip.family}; ` +
        `it must be between 0 and ${bits}.`,
      { input: text },
    );
  }
  return { ip, prefixLength };
}

/**
 * Parses "address/prefixLength" (IPv4 or IPv6). By default host bits are silently cleared, as most
 * Kubernetes code does; pass `requireCanonical` to reject them the way ARM does for VNet/subnet prefixes.
 */
export function parseCidr(s: string, opts: ParseCidrOptions = {}): Cidr {
  const { ip, prefixLength } = parseCidrParts(s);
  const cidr = cidrOf(ip.value, ip.family, prefixLength);
  if (opts.requireCanonical && cidr.network !== ip.value) {
    const canonical = formatCidr(cidr);
    throw new NetError(
      "HostBitsSet",
      `'${s}' is not a valid CIDR in canonical form: the address has host bits set for prefix length ` +
        `${prefixLength}; the canonical form is ${canonical}.`,
      { input: s, canonical },
    );
  }
  return cidr;
}

/**
 * True when the CIDR text has no host bits set ("10.0.0.0/24" yes, "10.0.0.1/24" no). Textual spelling
 * (IPv6 case, zero compression) is not considered. Throws {@link NetError} if `s` is not a CIDR at all, so
 * "not canonical" and "garbage" are never confused.
 */
export function isCanonical(s: string): boolean {
  const { ip, prefixLength } = parseCidrParts(s);
  return cidrOf(ip.value, ip.family, prefixLength).network === ip.value;
}

/** Canonical text of a CIDR: host bits cleared, IPv6 in RFC 5952 form ("10.0.0.1/24" → "10.0.0.0/24"). */
export function canonicalize(s: string): string {
  return formatCidr(parseCidr(s));
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.network, c.family)}/${c.prefixLength}`;
}

/** Number of addresses in the block (2^(bits − prefixLength)). */
export function cidrSize(c: Cidr): bigint {
  return 1n << BigInt(c.bits - c.prefixLength);
}

export function firstAddress(c: Cidr): bigint {
  return c.network;
}

/** Last address of the block (the IPv4 broadcast address). */
export function lastAddress(c: Cidr): bigint {
  return c.network + cidrSize(c) - 1n;
}

/** True when `inner` lies entirely within `outer` (equal blocks contain each other). Families must match. */
export function contains(outer: Cidr, inner: Cidr): boolean {
  return (
    outer.family === inner.family &&
    outer.prefixLength <= inner.prefixLength &&
    (inner.network & networkMask(outer.prefixLength, outer.bits)) === outer.network
  );
}

/**
 * True when the address lies in the block. A bare `bigint` is taken to be of the CIDR's family; pass an
 * {@link IpAddress} to have a family mismatch answer false.
 */
export function containsIp(cidr: Cidr, ip: bigint | IpAddress): boolean {
  if (typeof ip !== "bigint") {
    if (ip.family !== cidr.family) return false;
    ip = ip.value;
  }
  return ip >= cidr.network && ip <= lastAddress(cidr);
}

/** True when the blocks share at least one address. Aligned blocks overlap iff one contains the other. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b) || contains(b, a);
}

/**
 * Indices [i, j] (i < j) of some two entries of `list` that overlap, or undefined if all are disjoint —
 * e.g. a VNet's address spaces, or a cluster's service / pod / VNet ranges, which must not overlap.
 * Sort + sweep, O(n log n). When several pairs overlap, which pair is reported is unspecified but
 * deterministic.
 */
export function firstOverlap(list: readonly Cidr[]): [number, number] | undefined {
  const order = list.map((_, i) => i).sort((x, y) => compareCidr(list[x], list[y]) || x - y);
  let reach = -1; // index in `list` of the earlier entry (same family) that ends furthest
  for (const i of order) {
    const c = list[i];
    if (reach >= 0 && list[reach].family === c.family && c.network <= lastAddress(list[reach])) {
      return reach < i ? [reach, i] : [i, reach];
    }
    if (reach < 0 || list[reach].family !== c.family || lastAddress(c) > lastAddress(list[reach])) reach = i;
  }
  return undefined;
}

/** Orders by family (IPv4 first), then network address, then prefix length (wider first). */
export function compareCidr(a: Cidr, b: Cidr): number {
  if (a.family !== b.family) return a.family === "IPv4" ? -1 : 1;
  if (a.network !== b.network) return a.network < b.network ? -1 : 1;
  return a.prefixLength - b.prefixLength;
}

export function cidrEquals(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.network === b.network && a.prefixLength === b.prefixLength;
}

/**
 * The n-th address of the block (0 = network address). Negative n counts from the end (−1 = last/
 * broadcast), matching Terraform's `cidrhost`. Throws `IndexOutOfRange` outside the block.
 */
export function nthAddress(c: Cidr, n: bigint | number): bigint {
  const i = toBigIndex(n);
  const size = cidrSize(c);
  const offset = i < 0n ? size + i : i;
  if (offset < 0n || offset >= size) {
    throw new NetError(
      "IndexOutOfRange",
      `Address index ${n} is outside ${formatCidr(c)}, which has ${size} addresses.`,
    );
  }
  return c.network + offset;
}

function toBigIndex(n: bigint | number): bigint {
  if (typeof n === "number" && !Number.isSafeInteger(n)) {
    throw new NetError("InvalidArgument", `Index ${n} must be an integer.`);
  }
  return BigInt(n);
}

function checkSubPrefix(c: Cidr, newPrefix: number): void {
  checkPrefixLength(newPrefix, c.family);
  if (newPrefix < c.prefixLength) {
    throw new NetError(
      "PrefixLengthOutOfRange",
      `A /${newPrefix} block cannot be carved out of ${formatCidr(c)}; the prefix length must be between ` +
        `${c.prefixLength} and ${c.bits}.`,
    );
  }
}

/** How many /newPrefix blocks fit in `c` (2^(newPrefix − prefixLength)). */
export function subnetCount(c: Cidr, newPrefix: number): bigint {
  checkSubPrefix(c, newPrefix);
  return 1n << BigInt(newPrefix - c.prefixLength);
}

/**
 * The index-th /newPrefix block of `c`, in address order; e.g. nthSubnet(10.244.0.0/16, 24, 3) is
 * 10.244.3.0/24 (kube-controller-manager's `clusterIP | i << (32 − nodeMask)`).
 */
export function nthSubnet(c: Cidr, newPrefix: number, index: bigint | number): Cidr {
  const count = subnetCount(c, newPrefix);
  const i = toBigIndex(index);
  if (i < 0n || i >= count) {
    throw new NetError(
      "IndexOutOfRange",
      `Subnet index ${index} is outside ${formatCidr(c)}, which holds ${count} /${newPrefix} blocks.`,
    );
  }
  return {
    family: c.family,
    network: c.network + (i << BigInt(c.bits - newPrefix)),
    prefixLength: newPrefix,
    bits: c.bits,
  };
}

/** Inverse of {@link nthSubnet}: the index of `sub` among the /sub.prefixLength blocks of `c`. */
export function subnetIndex(c: Cidr, sub: Cidr): bigint {
  if (!contains(c, sub)) {
    throw new NetError("AddressOutOfRange", `${formatCidr(sub)} is not inside ${formatCidr(c)}.`);
  }
  return (sub.network - c.network) >> BigInt(c.bits - sub.prefixLength);
}

/**
 * Lazily yields every /newPrefix block of `c` in address order. Lazy because a /8 split into /32s is 16M
 * blocks; take what you need or spread it for small splits.
 */
export function* subdivide(c: Cidr, newPrefix: number): Generator<Cidr, void, undefined> {
  const count = subnetCount(c, newPrefix);
  const step = 1n << BigInt(c.bits - newPrefix);
  for (let i = 0n; i < count; i++) {
    yield { family: c.family, network: c.network + i * step, prefixLength: newPrefix, bits: c.bits };
  }
}

/** The fewest aligned blocks that cover exactly the addresses first…last (inclusive). */
export function rangeToCidrs(first: bigint, last: bigint, family: IpFamily): Cidr[] {
  const bits = familyBits(family);
  const out: Cidr[] = [];
  let at = first;
  while (at <= last) {
    // The largest block that starts at `at` (alignment) and does not run past `last`.
    let len: number = bits;
    while (len > 0) {
      const wider = len - 1;
      const size = 1n << BigInt(bits - wider);
      if (at % size !== 0n || at + size - 1n > last) break;
      len = wider;
    }
    const c = cidrOf(at, family, len);
    out.push(c);
    at = lastAddress(c) + 1n;
  }
  return out;
}

/**
 * Every address of the family outside the given blocks, as the fewest aligned blocks in address
 * order (e.g. what the `Internet` service tag stands for: everything outside `VirtualNetwork`).
 */
export function complementOf(blocks: readonly Cidr[], family: IpFamily): Cidr[] {
  const sorted = blocks.filter((b) => b.family === family).sort(compareCidr);
  const end = (1n << BigInt(familyBits(family))) - 1n;
  const out: Cidr[] = [];
  let next = 0n;
  for (const b of sorted) {
    if (b.network > next) out.push(...rangeToCidrs(next, b.network - 1n, family));
    const after = lastAddress(b) + 1n;
    if (after > next) next = after;
  }
  if (next <= end) out.push(...rangeToCidrs(next, end, family));
  return out;
}
