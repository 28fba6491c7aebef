// Past the load balancer: which source the endpoint pods' NetworkPolicy sees (the forwarding node
// after kube-proxy's SNAT with externalTrafficPolicy Cluster, the client with Local) and which
// endpoints a Local Service can reach (only those on nodes the NSG lets in).
import { describe, expect, it } from "vitest";
import type { NetworkPolicy } from "../../../src/kube/networkPolicy.js";
import { backendsBehind, INTERNET_CLIENT } from "../../../src/kube/trace/clusterTrace.js";
import type { NodeTrace, TraceResult } from "../../../src/providers/views/reachability.js";
import { objects } from "./fixtures.js";

const node = (name: string, ip: string, verdict: "Allow" | "Deny"): NodeTrace => ({
  node: name,
  pool: "nodepool1",
  privateIp: ip,
  nicId: "",
  subnetId: "",
  applicationSecurityGroups: [],
  verdict,
  notes: [],
  levels: [],
});

function lbTrace(from: string, nodes: NodeTrace[]): TraceResult {
  return {
    cluster: "c",
    resourceGroup: "rg",
    subscriptionId: "s",
    port: "80/tcp",
    protocol: "Tcp",
    destinationPort: 80,
    from,
    virtualNetwork: [],
    loadBalancer: {
      loadBalancer: "kubernetes",
      loadBalancerId: "lb",
      frontend: "a6",
      frontendIp: "20.1.2.3",
      rule: "a6-TCP-80",
      protocol: "Tcp",
      frontendPort: 80,
      backendPort: 80,
      floatingIP: true,
      backendPoolId: "pool",
    },
    nodes,
    summary: { allowed: 0, denied: 0 },
  };
}

/** web pods admit only the node 10.224.0.4 and the client range 198.51.100.0/24. */
const byAddress: NetworkPolicy = {
  metadata: { namespace: "default", name: "web-by-address" },
  spec: {
    podSelector: { matchLabels: { app: "web" } },
    policyTypes: ["Ingress"],
    ingress: [{ from: [{ ipBlock: { cidr: "10.224.0.4/32" } }, { ipBlock: { cidr: "198.51.100.0/24" } }] }],
  },
};

describe("load balancer → Service → endpoint pods", () => {
  const nodes = [
    node("aks-nodepool1-0", "10.224.0.4", "Allow"),
    node("aks-nodepool1-1", "10.224.0.5", "Allow"),
  ];

  it("Cluster: the pods see each forwarding node (SNAT); a node the policy does not admit is named", () => {
    const o = { ...objects(), policies: [byAddress] };
    const r = backendsBehind(lbTrace("Internet", nodes), o, { networkPolicy: "calico" });
    expect(r?.service).toMatchObject({
      namespace: "default",
      name: "front",
      port: { port: 80, targetPort: 8080, nodePort: 31000 },
    });
    expect(r?.endpoints.map((e) => [e.pod, e.port, e.verdict, e.policy.deniedFrom])).toEqual([
      ["default/web-1", 8080, "Deny", ["aks-nodepool1-1"]],
      ["default/web-2", 8080, "Deny", ["aks-nodepool1-1"]],
    ]);
    // With only the admitted node let in by the NSG, every endpoint is reached.
    const one = backendsBehind(lbTrace("Internet", [nodes[0], { ...nodes[1], verdict: "Deny" }]), o, {
      networkPolicy: "calico",
    });
    expect(one?.verdict).toBe("Allow");
    expect(one?.summary).toBe("reaches all 2 endpoint(s)");
  });

  it("Local: the client address is kept; only endpoints on NSG-allowed nodes are reachable", () => {
    const o = { ...objects(), policies: [byAddress] };
    const front = o.services.find((s) => s.metadata?.name === "front");
    if (front?.spec) front.spec.externalTrafficPolicy = "Local";
    const internet = backendsBehind(lbTrace("Internet", nodes), o, { networkPolicy: "cilium" });
    expect(internet?.steps[1]).toContain(`an Internet client, evaluated as ${INTERNET_CLIENT}`);
    expect(internet?.endpoints.map((e) => e.verdict)).toEqual(["Deny", "Deny"]);
    const client = backendsBehind(lbTrace("198.51.100.7", [nodes[0], { ...nodes[1], verdict: "Deny" }]), o, {
      networkPolicy: "cilium",
    });
    expect(client?.endpoints.map((e) => [e.pod, e.verdict])).toEqual([
      ["default/web-1", "Allow"],
      ["default/web-2", "Deny"],
    ]);
    expect(client?.endpoints[1].policy.reason).toMatch(
      /^node aks-nodepool1-1 does not let the traffic in \(NSG\)/,
    );
  });

  it("networkPolicy none: the policy's denials are reported, not enforced", () => {
    const o = { ...objects(), policies: [byAddress] };
    const r = backendsBehind(lbTrace("Internet", nodes), o, { networkPolicy: "none" });
    expect(r?.verdict).toBe("Allow");
    expect(r?.networkPolicy).toEqual({ plugin: "none", enforced: false });
    expect(r?.summary).toBe(
      "reaches all 2 endpoint(s); 2 would be denied by NetworkPolicy, which is not enforced (networkPolicy none)",
    );
  });
});
