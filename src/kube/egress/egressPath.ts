// How a packet from a pod leaves the cluster when static egress gateways exist — pure.
// kube-egress-gateway's CNI plugin routes an annotated pod's traffic into wg0 unless the destination
// is excluded (defaultRoute staticEgressGateway: excludeCidrs + the helm defaults go via eth0;
// azureNetworking: the reverse, only excludeCidrs go into wg0). Through wg0 the packet reaches the ILB,
// one gateway node chosen by flow hash, and is SNATed to that node's address in the egress prefix.
import { type Cidr, containsIp, NetError, parseCidr, parseIp } from "../../net/cidr.js";
import type {
  StaticGatewayConfigurationSpec,
  StaticGatewayConfigurationStatus,
} from "./staticGatewayConfiguration.js";

/** Exclusions the add-on's helm chart always applies in staticEgressGateway mode: IMDS and node-local DNS. */
export const DEFAULT_EXCLUDED_CIDRS = ["169.254.169.254/32", "169.254.10.11/32"] as const;

export interface GatewayNode {
  name: string;
  /** The node's public address in the configuration's egress prefix. */
  egressAddress: string;
}

export interface Flow {
  sourceIp: string;
  sourcePort: number;
  destinationIp: string;
  destinationPort: number;
  protocol: "TCP" | "UDP";
}

export type EgressDecision =
  | { via: "gateway"; gatewayNode: string; snatAddress: string; egressPrefix: string; reason: string }
  | { via: "normal"; reason: string }
  | { via: "blocked"; reason: string };

/** The first entry of `list` (CIDR strings; malformed ones never match) that holds `ip`. */
function firstContaining(list: readonly string[], ip: ReturnType<typeof parseIp>): string | undefined {
  return list.find((s) => {
    try {
      const c: Cidr = parseCidr(s);
      return containsIp(c, ip);
    } catch (e) {
      if (e instanceof NetError) return false;
      throw e;
    }
  });
}

/** FNV-1a over the 5-tuple: a stable stand-in for the ILB's flow hash, so the same flow takes the same node. */
export function flowHash(f: Flow): number {
  let h = 0x811c9dc5;
  const s = `${f.protocol}|${f.sourceIp}|${f.sourcePort}|${f.destinationIp}|${f.destinationPort}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The way out for `flow` from a pod annotated with configuration `sgc` (undefined: not annotated).
 * `nodes` are the gateway pool's ready nodes with their egress addresses.
 */
export function egressDecision(
  flow: Flow,
  sgc:
    | { name: string; spec: StaticGatewayConfigurationSpec; status?: StaticGatewayConfigurationStatus }
    | undefined,
  nodes: readonly GatewayNode[],
): EgressDecision {
  if (!sgc)
    return {
      via: "normal",
      reason: "the pod is not annotated with kubernetes.azure.com/static-gateway-configuration",
    };
  const prefix = sgc.status?.egressIpPrefix;
  if (!prefix) {
    return {
      via: "blocked",
      reason: `StaticGatewayConfiguration ${sgc.name} has no egress IP prefix yet: the pod waits in ContainerCreating`,
    };
  }
  const dst = parseIp(flow.destinationIp);
  const excluded = firstContaining(sgc.spec.excludeCidrs ?? [], dst);
  const mode = sgc.spec.defaultRoute ?? "staticEgressGateway";
  if (mode === "azureNetworking") {
    if (!excluded)
      return {
        via: "normal",
        reason: "defaultRoute azureNetworking: only excludeCidrs go through the gateway",
      };
  } else {
    if (excluded) return { via: "normal", reason: `destination is inside excludeCidrs entry ${excluded}` };
    const builtin = firstContaining(DEFAULT_EXCLUDED_CIDRS, dst);
    if (builtin)
      return {
        via: "normal",
        reason: `destination is inside ${builtin}, which the add-on always excludes (IMDS / node-local DNS)`,
      };
  }
  if (nodes.length === 0)
    return { via: "blocked", reason: "the gateway pool has no ready node behind kubeegressgateway-ilb" };
  const sorted = [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const node = sorted[flowHash(flow) % sorted.length];
  return {
    via: "gateway",
    gatewayNode: node.name,
    snatAddress: node.egressAddress,
    egressPrefix: prefix,
    reason: `WireGuard to ${node.name} through kubeegressgateway-ilb, SNAT to ${node.egressAddress} of ${prefix}`,
  };
}
