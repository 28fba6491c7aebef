/**
 * A NIC's effective routes, Azure's way (what Network Watcher's "effective routes" shows), and the
 * route a destination takes. Pure: the caller hands in the VNet's address spaces, peered spaces and the
 * subnet's user-defined routes.
 *
 * Azure semantics modelled (docs: "Virtual network traffic routing"):
 * - System routes (source `Default`): each VNet address space → `VnetLocal`; each peered VNet's space →
 *   `VNetPeering`; `0.0.0.0/0` → `Internet`; the reserved ranges 10.0.0.0/8, 172.16.0.0/12,
 *   192.168.0.0/16 (RFC 1918) and 100.64.0.0/10 (RFC 6598) → `None`. A VNet space equal to one of the
 *   reserved ranges replaces its None route; a narrower one sits beside it and wins by longest prefix.
 *   A VNet with IPv6 space also gets `::/0` → `Internet`.
 * - User routes (source `User`) of the subnet's route table. A user route with exactly the prefix of a
 *   system route overrides it: the system route is listed with state `Invalid`. Otherwise the most
 *   specific prefix wins when a packet is routed.
 */
import { type Cidr, containsIp, formatCidr, parseCidr, parseIp } from "./cidr.js";

export type RouteSource = "Default" | "User";
export type RouteState = "Active" | "Invalid";

export interface UserRoute {
  name: string;
  /** CIDR, or a service tag (not expanded: it matches no address the emulator knows). */
  addressPrefix: string;
  nextHopType: string;
  nextHopIpAddress?: string;
}

export interface RouteInputs {
  /** The NIC's VNet address spaces. */
  vnetPrefixes: readonly string[];
  /** Address spaces of peered VNets. */
  peeredPrefixes?: readonly string[];
  /** The subnet's route table routes, if it has one. */
  userRoutes?: readonly UserRoute[];
  /** The route table's `disableBgpRoutePropagation` (echoed on every entry, as Azure does). */
  disableBgpRoutePropagation?: boolean;
}

export interface EffectiveRoute {
  /** The user route's name; system routes have none. */
  name?: string;
  source: RouteSource;
  state: RouteState;
  addressPrefix: string[];
  nextHopType: string;
  nextHopIpAddress: string[];
  disableBgpRoutePropagation: boolean;
}

/** The ranges Azure routes to `None` unless a VNet or user route claims them. */
export const RESERVED_NONE_PREFIXES: readonly string[] = [
  "10.0.0.0/8",
  "100.64.0.0/10",
  "172.16.0.0/12",
  "192.168.0.0/16",
];

function canonical(prefix: string): string {
  try {
    return formatCidr(parseCidr(prefix));
  } catch {
    return prefix;
  }
}

/** Every route of the NIC in Azure's order: system routes, then user routes. */
export function effectiveRoutes(input: RouteInputs): EffectiveRoute[] {
  const bgp = input.disableBgpRoutePropagation ?? false;
  const system: EffectiveRoute[] = [];
  const add = (prefix: string, nextHopType: string) =>
    system.push({
      source: "Default",
      state: "Active",
      addressPrefix: [canonical(prefix)],
      nextHopType,
      nextHopIpAddress: [],
      disableBgpRoutePropagation: bgp,
    });
  const vnet = input.vnetPrefixes.map(canonical);
  for (const p of vnet) add(p, "VnetLocal");
  for (const p of input.peeredPrefixes ?? []) add(p, "VNetPeering");
  add("0.0.0.0/0", "Internet");
  for (const p of RESERVED_NONE_PREFIXES) if (!vnet.includes(p)) add(p, "None");
  if (vnet.some((p) => p.includes(":"))) add("::/0", "Internet");

  const user: EffectiveRoute[] = (input.userRoutes ?? []).map((r) => ({
    name: r.name,
    source: "User",
    state: "Active",
    addressPrefix: [canonical(r.addressPrefix)],
    nextHopType: r.nextHopType,
    nextHopIpAddress: r.nextHopIpAddress ? [r.nextHopIpAddress] : [],
    disableBgpRoutePropagation: bgp,
  }));
  const overridden = new Set(user.map((r) => r.addressPrefix[0].toLowerCase()));
  for (const r of system) if (overridden.has(r.addressPrefix[0].toLowerCase())) r.state = "Invalid";
  return [...system, ...user];
}

/**
 * The active route a packet to `destination` takes: the longest matching prefix; on equal prefixes a
 * user route beats a system route (the system one is Invalid anyway). Undefined when nothing matches
 * (an IPv6 destination in an IPv4-only VNet).
 */
export function routeFor(routes: readonly EffectiveRoute[], destination: string): EffectiveRoute | undefined {
  const ip = parseIp(destination);
  let best: { route: EffectiveRoute; cidr: Cidr } | undefined;
  for (const route of routes) {
    if (route.state !== "Active") continue;
    let cidr: Cidr;
    try {
      cidr = parseCidr(route.addressPrefix[0]);
    } catch {
      continue; // a service-tag prefix: no address the emulator knows falls in it
    }
    if (!containsIp(cidr, ip)) continue;
    if (
      !best ||
      cidr.prefixLength > best.cidr.prefixLength ||
      (cidr.prefixLength === best.cidr.prefixLength && route.source === "User")
    )
      best = { route, cidr };
  }
  return best?.route;
}
