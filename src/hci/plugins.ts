// Calico vs Flannel as the container-networking page's table says, as data, and a pure
// answer to "can this pod reach that pod / that VM" that names the row or rule that decided.
// NetworkPolicy evaluation itself lives in kube/networkPolicy.ts (shared with AKS clusters);
// Calico enforces it, Flannel stores the objects and enforces nothing.
import {
  evaluatePolicies,
  type NetworkPolicy,
  type PodEndpoint,
  type VmEndpoint,
} from "../kube/networkPolicy.js";
import type { NetworkPlugin } from "./model.js";

export {
  AKS_POLICY_ENFORCED,
  evaluatePolicies,
  type LabelSelector,
  matchesSelector,
  type NetworkPolicy,
  type PodEndpoint,
  type PolicyPeer,
  type PolicyPort,
  type VmEndpoint,
} from "../kube/networkPolicy.js";

export interface PluginCapabilities {
  networkPolicy: boolean;
  ipv6: boolean;
  layers: string;
  existingOrNewVnet: boolean;
  windows: boolean;
  podToPod: boolean;
  podToVmSameNetwork: boolean;
  podToVmOtherNetwork: boolean;
  services: boolean;
  exposeViaLoadBalancer: boolean;
  networks: string;
  deployment: string;
  commandLine: string;
  /** Pod-CIDR block each node gets out of 10.244.0.0/16. */
  podBlockPrefix: number;
}

export const PLUGIN_TABLE: Readonly<Record<NetworkPlugin, PluginCapabilities>> = Object.freeze({
  flannel: {
    networkPolicy: false,
    ipv6: false,
    layers: "L2 (VXLAN)",
    existingOrNewVnet: true,
    windows: true,
    podToPod: true,
    podToVmSameNetwork: false,
    podToVmOtherNetwork: true,
    services: true,
    exposeViaLoadBalancer: true,
    networks: "Many per cluster (multi-daemon)",
    deployment: "Linux: DaemonSet; Windows: Service",
    commandLine: "none",
    podBlockPrefix: 24,
  },
  calico: {
    networkPolicy: true,
    ipv6: true,
    layers: "L2 (VXLAN)",
    existingOrNewVnet: true,
    windows: true,
    podToPod: true,
    podToVmSameNetwork: true,
    podToVmOtherNetwork: true,
    services: true,
    exposeViaLoadBalancer: true,
    networks: "Many per cluster",
    deployment: "Linux: DaemonSet; Windows: Service",
    commandLine: "calicoctl",
    podBlockPrefix: 26,
  },
});

export const podBlockPrefix = (p: NetworkPlugin) => PLUGIN_TABLE[p].podBlockPrefix;

export interface ReachQuery {
  plugin: NetworkPlugin;
  from: PodEndpoint;
  to: PodEndpoint | VmEndpoint;
  port: number;
  protocol?: "TCP" | "UDP" | "SCTP";
  policies?: NetworkPolicy[];
}

export interface ReachAnswer {
  allowed: boolean;
  /** `plugin:<row>` (a limitation from the table), `policy:<ns>/<name>` (a rule that allowed),
   *  `isolation:<ns>/<names>` (selected, nothing allowed) or `default` (no policy applies). */
  decidedBy: string;
  reason: string;
  /** Policies that would have changed the answer but are not enforced (Flannel). */
  notEnforced: string[];
}

/** Pod → pod / VM by the plugin's table first, then (where enforced) NetworkPolicy. */
export function canReach(q: ReachQuery): ReachAnswer {
  const caps = PLUGIN_TABLE[q.plugin];
  const v6 = [q.from.ip, q.to.ip].some((x) => x?.includes(":"));
  if (v6 && !caps.ipv6)
    return {
      allowed: false,
      decidedBy: "plugin:ipv6",
      reason: `${q.plugin} has no IPv6 support (container-networking table: IPv6 — Flannel: No)`,
      notEnforced: [],
    };
  if (q.to.kind === "vm" && q.to.sameNetwork && !caps.podToVmSameNetwork)
    return {
      allowed: false,
      decidedBy: "plugin:podToVmSameNetwork",
      reason: `${q.plugin} cannot connect a pod to a VM in the cluster's own network (table: Pod–VM connection, VM in the same network — Flannel: No); a VM in a different network is reachable`,
      notEnforced: [],
    };
  const verdict = evaluatePolicies(q);
  if (!caps.networkPolicy) {
    return {
      allowed: true,
      decidedBy: q.to.kind === "vm" ? "plugin:podToVmOtherNetwork" : "plugin:podToPod",
      reason: `${q.plugin} connects ${q.to.kind === "vm" ? "pods to VMs in other networks" : "pods to pods"}; it does not enforce NetworkPolicy (table: Network policies — Flannel: No)`,
      notEnforced: verdict.allowed ? [] : [verdict.decidedBy.replace(/^isolation:/, "")],
    };
  }
  return { ...verdict, notEnforced: [] };
}
