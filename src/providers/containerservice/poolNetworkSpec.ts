// A pool's node-networking settings, read from the property bag the request carried
// (`PoolSpec.passthrough`, so they echo on the wire exactly as sent): node public IPs and
// their prefix, IP tags, allowed host ports, application security groups, gateway profile.
// Reading validates shape and ranges; rules that need the store live in poolNetworking.ts.
import type { PortRange } from "../../net/index.js";
import { asObject, field } from "../common.js";
import type { PoolSpec } from "./model.js";
import { invalidPoolParameter } from "./nodeNetworkErrors.js";

export interface IpTag {
  ipTagType: string;
  tag: string;
}

export interface PoolNetworkSpec {
  enableNodePublicIP: boolean;
  nodePublicIPPrefixID?: string;
  nodePublicIPTags: IpTag[];
  allowedHostPorts: PortRange[];
  applicationSecurityGroups: string[];
  /** Gateway pools only: the prefix length of the pool's public IP prefix (28–31, default 31). */
  gatewayPrefixSize?: number;
  /** Whether the request set `gatewayProfile` at all (only allowed with mode Gateway). */
  gatewayProfileGiven: boolean;
  enableAutoScaling: boolean;
}

export const DEFAULT_GATEWAY_PREFIX_SIZE = 31;

function readPorts(np: Record<string, unknown>, path: string): PortRange[] {
  const list = field.array(np, "allowedHostPorts", `${path}.allowedHostPorts`) ?? [];
  return list.map((raw, i) => {
    const p = `${path}.allowedHostPorts[${i}]`;
    const o = asObject(raw, p);
    const portStart = field.int(o, "portStart", `${p}.portStart`);
    const portEnd = field.int(o, "portEnd", `${p}.portEnd`);
    const protocol = field.string(o, "protocol", `${p}.protocol`);
    for (const [k, v] of [
      ["portStart", portStart],
      ["portEnd", portEnd],
    ] as const) {
      if (v === undefined) throw invalidPoolParameter(`${p}.${k}`, `'${k}' is required.`);
      if (v < 1 || v > 65535)
        throw invalidPoolParameter(
          `${p}.${k}`,
          `Port ${v} is out of range; ports must be between 1 and 65535.`,
        );
    }
    if ((portStart as number) > (portEnd as number))
      throw invalidPoolParameter(
        `${p}.portStart`,
        `The start port ${portStart} must be less than or equal to the end port ${portEnd}.`,
      );
    const proto = protocol?.toUpperCase();
    if (proto !== "TCP" && proto !== "UDP")
      throw invalidPoolParameter(
        `${p}.protocol`,
        `Protocol '${protocol ?? ""}' is not supported; allowed values are TCP and UDP.`,
      );
    return { portStart: portStart as number, portEnd: portEnd as number, protocol: proto };
  });
}

function readIpTags(np: Record<string, unknown>, path: string): IpTag[] {
  const list = field.array(np, "nodePublicIPTags", `${path}.nodePublicIPTags`) ?? [];
  return list.map((raw, i) => {
    const p = `${path}.nodePublicIPTags[${i}]`;
    const o = asObject(raw, p);
    const ipTagType = field.string(o, "ipTagType", `${p}.ipTagType`);
    const tag = field.string(o, "tag", `${p}.tag`);
    if (!ipTagType || !tag) throw invalidPoolParameter(p, "Every IP tag needs both 'ipTagType' and 'tag'.");
    return { ipTagType, tag };
  });
}

/** The pool's node-networking settings; throws InvalidParameter/InvalidRequestContent on bad input. */
export function readPoolNetworkSpec(pool: PoolSpec, path = "agentPoolProfile"): PoolNetworkSpec {
  const b = pool.passthrough;
  const np = field.object(b, "networkProfile", `${path}.networkProfile`) ?? {};
  const npPath = `${path}.networkProfile`;
  const asgs = field.array(np, "applicationSecurityGroups", `${npPath}.applicationSecurityGroups`) ?? [];
  const applicationSecurityGroups = asgs.map((v, i) => {
    if (typeof v !== "string" || v === "")
      throw invalidPoolParameter(
        `${npPath}.applicationSecurityGroups[${i}]`,
        "Each entry must be an application security group resource id.",
      );
    return v;
  });
  const gw = field.object(b, "gatewayProfile", `${path}.gatewayProfile`);
  let gatewayPrefixSize: number | undefined;
  if (pool.mode === "Gateway") {
    gatewayPrefixSize =
      (gw ? field.int(gw, "publicIPPrefixSize", `${path}.gatewayProfile.publicIPPrefixSize`) : undefined) ??
      DEFAULT_GATEWAY_PREFIX_SIZE;
    if (gatewayPrefixSize < 28 || gatewayPrefixSize > 31)
      throw invalidPoolParameter(
        `${path}.gatewayProfile.publicIPPrefixSize`,
        `publicIPPrefixSize ${gatewayPrefixSize} is out of range; it must be between 28 and 31.`,
      );
  }
  const prefix = field.string(b, "nodePublicIPPrefixID", `${path}.nodePublicIPPrefixID`);
  return {
    enableNodePublicIP: field.bool(b, "enableNodePublicIP", `${path}.enableNodePublicIP`) ?? false,
    ...(prefix ? { nodePublicIPPrefixID: prefix } : {}),
    nodePublicIPTags: readIpTags(np, npPath),
    allowedHostPorts: readPorts(np, npPath),
    applicationSecurityGroups,
    ...(gatewayPrefixSize !== undefined ? { gatewayPrefixSize } : {}),
    gatewayProfileGiven: gw !== undefined,
    enableAutoScaling: field.bool(b, "enableAutoScaling", `${path}.enableAutoScaling`) ?? false,
  };
}

/** Allowed host ports without duplicates (the API allows repeats; one NSG rule each is enough). */
export function distinctPorts(ranges: readonly PortRange[]): PortRange[] {
  const seen = new Set<string>();
  const out: PortRange[] = [];
  for (const r of ranges) {
    const k = `${r.protocol}:${r.portStart}-${r.portEnd}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(r);
  }
  return out;
}
