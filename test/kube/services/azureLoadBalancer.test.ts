import { describe, expect, it } from "vitest";
import { AZURE_LB_ANNOTATIONS as A } from "../../../src/kube/services/annotations.js";
import {
  defaultLoadBalancerName,
  desiredServiceLoadBalancer,
  type ServiceLike,
} from "../../../src/kube/services/azureLoadBalancer.js";

const UID = "3f1c9a2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b";
const svc = (over: Partial<ServiceLike["spec"]> = {}, annotations?: Record<string, string>): ServiceLike => ({
  metadata: { uid: UID, namespace: "default", name: "web", annotations },
  spec: {
    type: "LoadBalancer",
    ports: [
      { name: "http", protocol: "TCP", port: 80, nodePort: 31080 },
      { name: "dns", protocol: "UDP", port: 53, nodePort: 31053 },
    ],
    ...over,
  },
});

describe("LoadBalancer Service → Azure load balancer (cloud-provider-azure naming and defaults)", () => {
  it("names everything after 'a' + the UID without dashes, 32 characters", () => {
    expect(defaultLoadBalancerName(UID)).toBe("a3f1c9a2e5b7d4e8f9a0b1c2d3e4f5a6");
    const r = desiredServiceLoadBalancer(svc());
    if (!r.ok) throw new Error(r.message);
    expect(r.value).toMatchObject({
      service: "default/web",
      internal: false,
      loadBalancerName: "kubernetes",
      backendPoolName: "kubernetes",
      frontendName: "a3f1c9a2e5b7d4e8f9a0b1c2d3e4f5a6",
      publicIP: { name: "kubernetes-a3f1c9a2e5b7d4e8f9a0b1c2d3e4f5a6", userOwned: false },
    });
    expect(r.value.rules).toEqual([
      {
        name: "a3f1c9a2e5b7d4e8f9a0b1c2d3e4f5a6-TCP-80",
        protocol: "Tcp",
        frontendPort: 80,
        backendPort: 80,
        enableFloatingIP: true,
        idleTimeoutInMinutes: 4,
        enableTcpReset: true,
        loadDistribution: "Default",
        disableOutboundSnat: true,
        probe: "a3f1c9a2e5b7d4e8f9a0b1c2d3e4f5a6-TCP-80",
      },
      {
        name: "a3f1c9a2e5b7d4e8f9a0b1c2d3e4f5a6-UDP-53",
        protocol: "Udp",
        frontendPort: 53,
        backendPort: 53,
        enableFloatingIP: true,
        idleTimeoutInMinutes: 4,
        loadDistribution: "Default",
        disableOutboundSnat: true,
      },
    ]);
    // UDP ports get no probe; TCP ports a TCP probe on their node port.
    expect(r.value.probes).toEqual([
      {
        name: "a3f1c9a2e5b7d4e8f9a0b1c2d3e4f5a6-TCP-80",
        protocol: "Tcp",
        port: 31080,
        intervalInSeconds: 5,
        probeThreshold: 2,
      },
    ]);
    expect(r.value.security).toEqual({
      ports: { Tcp: [80], Udp: [53] },
      serviceTags: ["Internet"],
      ipRanges: [],
      denyAllExceptSourceRanges: false,
    });
  });

  it("externalTrafficPolicy Local: one HTTP probe on the health-check node port, shared by every rule", () => {
    const r = desiredServiceLoadBalancer(svc({ externalTrafficPolicy: "Local", healthCheckNodePort: 32100 }));
    if (!r.ok) throw new Error(r.message);
    expect(r.value.probes).toEqual([
      {
        name: "a3f1c9a2e5b7d4e8f9a0b1c2d3e4f5a6-TCP-32100",
        protocol: "Http",
        port: 32100,
        requestPath: "/healthz",
        intervalInSeconds: 5,
        probeThreshold: 2,
      },
    ]);
    expect(r.value.rules.map((x) => x.probe)).toEqual([
      "a3f1c9a2e5b7d4e8f9a0b1c2d3e4f5a6-TCP-32100",
      "a3f1c9a2e5b7d4e8f9a0b1c2d3e4f5a6-TCP-32100",
    ]);
  });

  it("no node ports (allocateLoadBalancerNodePorts: false): TCP ports use the shared kube-proxy probe", () => {
    const r = desiredServiceLoadBalancer(
      svc({
        ports: [
          { protocol: "TCP", port: 80 },
          { protocol: "TCP", port: 443 },
        ],
      }),
    );
    if (!r.ok) throw new Error(r.message);
    expect(r.value.probes).toEqual([
      {
        name: "cluster-service-shared-health-probe",
        protocol: "Http",
        port: 10256,
        requestPath: "/healthz",
        intervalInSeconds: 5,
        probeThreshold: 2,
      },
    ]);
    expect(r.value.rules.map((x) => x.probe)).toEqual([
      "cluster-service-shared-health-probe",
      "cluster-service-shared-health-probe",
    ]);
  });

  it("internal with a subnet: kubernetes-internal, subnet in frontend and rule names, no Internet source", () => {
    const r = desiredServiceLoadBalancer(svc({}, { [A.internal]: "true", [A.internalSubnet]: "apps" }));
    if (!r.ok) throw new Error(r.message);
    expect(r.value.loadBalancerName).toBe("kubernetes-internal");
    expect(r.value.frontendName).toBe("a3f1c9a2e5b7d4e8f9a0b1c2d3e4f5a6-apps");
    expect(r.value.rules[0].name).toBe("a3f1c9a2e5b7d4e8f9a0b1c2d3e4f5a6-apps-TCP-80");
    expect(r.value.privateIP).toEqual({ subnetName: "apps", requestedAddress: undefined });
    expect(r.value.publicIP).toBeUndefined();
    expect(r.value.security.serviceTags).toEqual([]);
  });

  it("user IPs, DNS label, session affinity, idle timeout, TCP reset and floating IP annotations", () => {
    const r = desiredServiceLoadBalancer(
      svc(
        { loadBalancerIP: "20.1.2.3", sessionAffinity: "ClientIP" },
        {
          [A.pipName]: "my-ip",
          [A.resourceGroup]: "netrg",
          [A.dnsLabelName]: "myapp",
          [A.idleTimeout]: "30",
          [A.disableTcpReset]: "true",
          [A.disableFloatingIP]: "true",
        },
      ),
    );
    if (!r.ok) throw new Error(r.message);
    expect(r.value.publicIP).toEqual({
      name: "my-ip",
      resourceGroup: "netrg",
      requestedAddress: "20.1.2.3",
      userOwned: true,
      dnsLabel: "myapp",
    });
    expect(r.value.rules[0]).toMatchObject({
      backendPort: 31080,
      enableFloatingIP: false,
      idleTimeoutInMinutes: 30,
      enableTcpReset: false,
      loadDistribution: "SourceIP",
    });
    // Without floating IP the NSG opens the node ports.
    expect(r.value.security.ports).toEqual({ Tcp: [31080], Udp: [31053] });
  });

  it("source ranges replace Internet; invalid ranges deny all; the annotation adds deny-all", () => {
    const ranged = desiredServiceLoadBalancer(
      svc({ loadBalancerSourceRanges: ["10.0.0.0/8", "10.1.0.0/16", "1.2.3.4/32"] }),
    );
    if (!ranged.ok) throw new Error(ranged.message);
    expect(ranged.value.security).toMatchObject({
      serviceTags: [],
      ipRanges: ["1.2.3.4/32", "10.0.0.0/8"],
      denyAllExceptSourceRanges: false,
    });
    const all = desiredServiceLoadBalancer(svc({ loadBalancerSourceRanges: ["0.0.0.0/0"] }));
    if (!all.ok) throw new Error(all.message);
    expect(all.value.security).toMatchObject({ serviceTags: [], ipRanges: ["0.0.0.0/0"] });
    const bad = desiredServiceLoadBalancer(svc({ loadBalancerSourceRanges: ["nope"] }));
    if (!bad.ok) throw new Error(bad.message);
    expect(bad.value.security).toMatchObject({
      serviceTags: [],
      ipRanges: [],
      denyAllExceptSourceRanges: true,
    });
    const deny = desiredServiceLoadBalancer(
      svc({ loadBalancerSourceRanges: ["1.2.3.0/24"] }, { [A.denyAllExceptSourceRanges]: "true" }),
    );
    if (!deny.ok) throw new Error(deny.message);
    expect(deny.value.security.denyAllExceptSourceRanges).toBe(true);
    const tags = desiredServiceLoadBalancer(
      svc({}, { [A.allowedServiceTags]: "AzureCloud, AzureFrontDoor.Backend" }),
    );
    if (!tags.ok) throw new Error(tags.message);
    expect(tags.value.security.serviceTags).toEqual(["AzureCloud", "AzureFrontDoor.Backend"]);
  });

  it("refuses what the provider refuses, with its words (SyncLoadBalancerFailed)", () => {
    expect(desiredServiceLoadBalancer(svc({}, { [A.idleTimeout]: "120" }))).toEqual({
      ok: false,
      message:
        "error parsing idle timeout key: service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout, err: idle timeout value must be a whole number representing minutes between 4 and 100, actual value: 120",
    });
    expect(
      desiredServiceLoadBalancer(svc({ ports: [{ protocol: "SCTP", port: 9, nodePort: 30009 }] })),
    ).toEqual({ ok: false, message: "SCTP is only supported on standard loadbalancer in internal mode" });
    expect(desiredServiceLoadBalancer(svc({}, { [A.probeInterval]: "3" }))).toMatchObject({
      ok: false,
      message: `failed to parse annotation ${A.probeInterval}: the minimum value of interval is 5`,
    });
  });
});
