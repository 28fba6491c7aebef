// ClusterIP and NodePort choices, as kube-apiserver's service REST storage makes them — pure: the
// taken sets come from the store (where uniqueness is enforced by constraint), the answers are
// deterministic. kube-apiserver picks at random; we pick the lowest free address of the same band
// it prefers, so the same script gives the same addresses (SPEC §5).
//
// Bands (ServiceIPStaticSubrange, ServiceNodePortStaticSubrange, both GA): the low band of a range
// is kept for addresses users request; dynamic allocation takes the upper band first and falls
// back to the low band only when the upper one is full.
import {
  type Cidr,
  cidrSize,
  containsIp,
  formatCidr,
  formatIp,
  lastAddress,
  NetError,
  parseIp,
} from "../../net/cidr.js";

export type AllocationFailure =
  | { ok: false; reason: "Invalid"; field: string; value: string | number; message: string }
  | { ok: false; reason: "Full"; message: string };
export type Allocation<T> = { ok: true; value: T } | AllocationFailure;

export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

/** Size of the low (static) band: min(max(16, size/16), 256) addresses for service IPs. */
export function serviceIPStaticBandSize(range: Cidr): bigint {
  const size = cidrSize(range);
  const sixteenth = size / 16n;
  const band = sixteenth < 16n ? 16n : sixteenth;
  return band > 256n ? 256n : band;
}

/** Size of the low (static) band of the node-port range: min(max(16, size/32), 128). */
export function nodePortStaticBandSize(
  min: number = NODE_PORT_RANGE.min,
  max: number = NODE_PORT_RANGE.max,
): number {
  const size = max - min + 1;
  return Math.min(Math.max(16, Math.floor(size / 32)), 128);
}

/** Allocatable addresses of a service CIDR: IPv4 skips the network and broadcast addresses, IPv6 the first. */
function allocatable(range: Cidr): { first: bigint; last: bigint } {
  const first = range.network + 1n;
  const last = range.family === "IPv4" ? lastAddress(range) - 1n : lastAddress(range);
  return { first, last };
}

/**
 * The next cluster IP of `range` for a Service that asked for none. `taken` holds every address in use
 * (any family; others are ignored). The `kubernetes` Service takes the first address before anything else.
 */
export function chooseClusterIP(range: Cidr, taken: ReadonlySet<string>): Allocation<string> {
  const { first, last } = allocatable(range);
  if (first > last) return full();
  const bandEnd = range.network + serviceIPStaticBandSize(range) - 1n;
  const upperStart = bandEnd + 1n > first ? bandEnd + 1n : first;
  const scan = (from: bigint, to: bigint): string | undefined => {
    for (let a = from; a <= to; a++) {
      const s = formatIp(a, range.family);
      if (!taken.has(s)) return s;
    }
    return undefined;
  };
  const ip = scan(upperStart, last) ?? scan(first, upperStart - 1n < last ? upperStart - 1n : last);
  return ip === undefined ? full() : { ok: true, value: ip };
}

function full(): AllocationFailure {
  return { ok: false, reason: "Full", message: "failed to allocate a serviceIP: range is full" };
}

/**
 * Checks a requested `spec.clusterIP(s)` entry: a valid address of this range's family, inside the range,
 * not the network/broadcast address, not taken. Wording as kube-apiserver's (`failed to allocate IP …`).
 */
export function requestClusterIP(
  range: Cidr,
  requested: string,
  taken: ReadonlySet<string>,
  field = "spec.clusterIPs",
): Allocation<string> {
  const invalid = (message: string): AllocationFailure => ({
    ok: false,
    reason: "Invalid",
    field,
    value: requested,
    message,
  });
  let ip: ReturnType<typeof parseIp>;
  try {
    ip = parseIp(requested);
  } catch (e) {
    if (e instanceof NetError)
      return invalid("must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
    throw e;
  }
  const canonical = formatIp(ip.value, ip.family);
  const { first, last } = allocatable(range);
  if (ip.family !== range.family || !containsIp(range, ip) || ip.value < first || ip.value > last) {
    return invalid(
      `failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${formatCidr(range)}`,
    );
  }
  if (taken.has(canonical))
    return invalid(`failed to allocate IP ${requested}: provided IP is already allocated`);
  return { ok: true, value: canonical };
}

/** The next node port for a port that asked for none: upper band first, then the low band. */
export function chooseNodePort(
  taken: ReadonlySet<number>,
  min: number = NODE_PORT_RANGE.min,
  max: number = NODE_PORT_RANGE.max,
): Allocation<number> {
  const upper = min + nodePortStaticBandSize(min, max);
  for (let p = upper; p <= max; p++) if (!taken.has(p)) return { ok: true, value: p };
  for (let p = min; p < upper && p <= max; p++) if (!taken.has(p)) return { ok: true, value: p };
  return { ok: false, reason: "Full", message: "failed to allocate a nodePort: range is full" };
}

/** Checks a requested `spec.ports[i].nodePort`. */
export function requestNodePort(
  requested: number,
  taken: ReadonlySet<number>,
  field: string,
  min: number = NODE_PORT_RANGE.min,
  max: number = NODE_PORT_RANGE.max,
): Allocation<number> {
  if (!Number.isInteger(requested) || requested < min || requested > max) {
    return {
      ok: false,
      reason: "Invalid",
      field,
      value: requested,
      message: `provided port is not in the valid range. The range of valid ports is ${min}-${max}`,
    };
  }
  if (taken.has(requested)) {
    return {
      ok: false,
      reason: "Invalid",
      field,
      value: requested,
      message: "provided port is already allocated",
    };
  }
  return { ok: true, value: requested };
}
