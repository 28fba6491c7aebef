// Azure's route selection for one destination: the subnet's system routes plus its route table's
// user routes, longest prefix wins; on an equal prefix a user route beats a system route.
// Pure: callers pass the prefixes and routes they read.
import { type Cidr, containsIp, NetError, parseCidr, parseIp } from "./cidr.js";

export type NextHopType =
  | "VnetLocal"
  | "Internet"
  | "VirtualAppliance"
  | "VirtualNetworkGateway"
  | "VirtualApplianceEcmp"
  | "None";

export interface RouteEntry {
  /** Destination CIDR. Entries whose prefix is not a CIDR (service tags) never match. */
  prefix: string;
  nextHopType: string;
  nextHopIpAddress?: string;
  source: "User" | "Default";
  /** Route name (user routes) and the route table holding it. */
  name?: string;
  routeTableId?: string;
}

/**
 * Azure's default system routes of a subnet: each VNet address space is VnetLocal, the default
 * route goes to the Internet, and the private and shared ranges (RFC 1918, RFC 6598) go nowhere
 * unless a VNet space covers them.
 */
export function systemRoutes(vnetPrefixes: readonly string[]): RouteEntry[] {
  return [
    ...vnetPrefixes.map((prefix) => ({ prefix, nextHopType: "VnetLocal", source: "Default" as const })),
    { prefix: "0.0.0.0/0", nextHopType: "Internet", source: "Default" },
    { prefix: "::/0", nextHopType: "Internet", source: "Default" },
    ...["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"].map((prefix) => ({
      prefix,
      nextHopType: "None",
      source: "Default" as const,
    })),
  ];
}

function cidrOrUndefined(prefix: string): Cidr | undefined {
  try {
    return parseCidr(prefix);
  } catch (e) {
    if (e instanceof NetError) return undefined;
    throw e;
  }
}

/** The route `destination` (an address) takes among `routes`; undefined when none covers it. */
export function selectRoute(routes: readonly RouteEntry[], destination: string): RouteEntry | undefined {
  const ip = parseIp(destination);
  let best: { route: RouteEntry; length: number } | undefined;
  for (const route of routes) {
    const c = cidrOrUndefined(route.prefix);
    if (!c || !containsIp(c, ip)) continue;
    const better =
      !best ||
      c.prefixLength > best.length ||
      (c.prefixLength === best.length && route.source === "User" && best.route.source !== "User");
    if (better) best = { route, length: c.prefixLength };
  }
  return best?.route;
}
