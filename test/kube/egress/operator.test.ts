// The pure halves of the add-on's bookkeeping: what a gateway node's GatewayStatus lists, and the
// pod trace's destination parsing.
import { describe, expect, it } from "vitest";
import { gatewayStatusSpec, operatorObjects } from "../../../src/kube/egress/operator.js";
import { parseDestination } from "../../../src/kube/trace/podTrace.js";

const spec = (sgc: string, key: string) => ({
  podIpAddress: "10.244.0.5/32",
  podPublicKey: key,
  staticGatewayConfiguration: sgc,
});

describe("gatewayStatusSpec", () => {
  it("lists the configurations of the node's pool (wg-<port>) and only their peers, sorted", () => {
    const s = gatewayStatusSpec(
      "gw",
      [
        { namespace: "b", name: "two", pool: "gw", port: 6001 },
        { namespace: "a", name: "one", pool: "GW", port: 6000 },
        { namespace: "a", name: "other-pool", pool: "gw2", port: 6000 },
      ],
      [
        { namespace: "b", name: "p2", spec: spec("two", "K2") },
        { namespace: "a", name: "p1", spec: spec("one", "K1") },
        { namespace: "b", name: "p0", spec: spec("one", "K0") }, // "one" is in namespace a only
        { namespace: "a", name: "p3", spec: spec("other-pool", "K3") },
        { namespace: "a", name: "nokey", spec: spec("one", "") },
      ],
    );
    expect(s).toEqual({
      readyGatewayConfigurations: [
        { interfaceName: "wg-6000", staticGatewayConfiguration: "a/one" },
        { interfaceName: "wg-6001", staticGatewayConfiguration: "b/two" },
      ],
      readyPeerConfigurations: [
        { interfaceName: "wg-6000", podEndpoint: "a/p1", publicKey: "K1" },
        { interfaceName: "wg-6001", podEndpoint: "b/p2", publicKey: "K2" },
      ],
    });
  });

  it("a node with no configuration lists nothing", () => {
    expect(gatewayStatusSpec("gw", [], [])).toEqual({
      readyGatewayConfigurations: [],
      readyPeerConfigurations: [],
    });
  });
});

describe("operatorObjects", () => {
  it("daemon on gateway nodes (selector + toleration), CNI manager elsewhere (no toleration), both host network", () => {
    const byName = new Map(
      operatorObjects().map((o) => [`${o.plural}/${o.object.metadata?.name}`, o.object]),
    );
    const daemon = byName.get("daemonsets/kube-egress-gateway-daemon-manager") as {
      spec: { template: { spec: { nodeSelector: unknown; tolerations: unknown[]; hostNetwork: boolean } } };
    };
    expect(daemon.spec.template.spec.nodeSelector).toEqual({ "kubeegressgateway.azure.com/mode": "true" });
    expect(daemon.spec.template.spec.tolerations).toHaveLength(1);
    const cni = byName.get("daemonsets/kube-egress-gateway-cni-manager") as {
      spec: { template: { spec: { nodeSelector: unknown; tolerations?: unknown[]; hostNetwork: boolean } } };
    };
    expect(cni.spec.template.spec.nodeSelector).toEqual({ "kubernetes.io/os": "linux" });
    expect(cni.spec.template.spec.tolerations).toBeUndefined();
    expect([daemon.spec.template.spec.hostNetwork, cni.spec.template.spec.hostNetwork]).toEqual([true, true]);
    expect([...byName.keys()].sort()).toEqual([
      "configmaps/cni-uninstall",
      "daemonsets/kube-egress-gateway-cni-manager",
      "daemonsets/kube-egress-gateway-daemon-manager",
      "deployments/kube-egress-gateway-controller-manager",
      "serviceaccounts/kube-egress-gateway-cni-manager",
      "serviceaccounts/kube-egress-gateway-controller-manager",
      "serviceaccounts/kube-egress-gateway-daemon-manager",
    ]);
  });
});

describe("parseDestination", () => {
  it("takes <ip|name>[:<port>/<proto>], the port from the port field otherwise", () => {
    expect(parseDestination("20.1.2.3:443/tcp", undefined)).toEqual({
      text: "20.1.2.3",
      ip: "20.1.2.3",
      protocol: "TCP",
      port: 443,
    });
    expect(parseDestination("[2001:db8::1]:53/UDP", undefined)).toEqual({
      text: "2001:db8::1",
      ip: "2001:db8::1",
      protocol: "UDP",
      port: 53,
    });
    expect(parseDestination("web.default.svc.cluster.local", "80/tcp")).toEqual({
      text: "web.default.svc.cluster.local",
      protocol: "TCP",
      port: 80,
    });
    expect(parseDestination("8.8.8.8", "icmp")).toEqual({ text: "8.8.8.8", ip: "8.8.8.8", protocol: "ICMP" });
  });

  it("refuses a missing or bad port and a bad name, naming the field", () => {
    expect(() => parseDestination("20.1.2.3", undefined)).toThrow(
      expect.objectContaining({ target: "port" }),
    );
    expect(() => parseDestination("20.1.2.3:0/tcp", undefined)).toThrow(
      expect.objectContaining({ target: "to" }),
    );
    expect(() => parseDestination("bad_name!", "80/tcp")).toThrow(expect.objectContaining({ target: "to" }));
  });
});
