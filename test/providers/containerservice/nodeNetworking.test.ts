// Node-networking pieces without HTTP: the pool settings reader, version and preview gates,
// rule names, the scale set template and the cluster's static-egress switch.
import { describe, expect, it } from "vitest";
import type { ScaleSetSpec } from "../../../src/providers/compute/scaleSets.js";
import { hostPortRuleName, managedAsgId } from "../../../src/providers/containerservice/allowedHostPorts.js";
import { readStaticEgressGateway } from "../../../src/providers/containerservice/gatewayPools.js";
import type {
  ClusterInternal,
  PoolInternal,
  PoolSpec,
} from "../../../src/providers/containerservice/model.js";
import {
  nodeKubernetesMeta,
  withNodeNetworking,
} from "../../../src/providers/containerservice/poolNetworking.js";
import {
  distinctPorts,
  readPoolNetworkSpec,
} from "../../../src/providers/containerservice/poolNetworkSpec.js";
import {
  PREVIEW_FLAGS,
  requireHostPortAutoAssign,
  requireKubernetesVersion,
  requirePreviewFeature,
  versionAtLeast,
} from "../../../src/providers/containerservice/previewGates.js";
import { ArmError } from "../../../src/providers/errors.js";
import { features } from "../../../src/providers/resources/features.js";
import { harness, SUB } from "../network/harness.js";

const spec = (passthrough: Record<string, unknown>, extra: Partial<PoolSpec> = {}): PoolSpec => ({
  name: "np",
  count: 2,
  vmSize: "Standard_DS2_v2",
  osType: "Linux",
  osSKU: "Ubuntu",
  mode: "User",
  maxPods: 110,
  orchestratorVersion: "1.33",
  passthrough,
  ...extra,
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ArmError ? `${e.status} ${e.code} ${e.target}` : String(e);
  }
  return undefined;
}

describe("readPoolNetworkSpec", () => {
  it("reads the seed's settings and defaults", () => {
    const n = readPoolNetworkSpec(
      spec({
        enableNodePublicIP: true,
        networkProfile: {
          allowedHostPorts: [{ portStart: 80, portEnd: 80, protocol: "tcp" }],
          nodePublicIPTags: [{ ipTagType: "RoutingPreference", tag: "Internet" }],
          applicationSecurityGroups: [
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/applicationSecurityGroups/a",
          ],
        },
      }),
    );
    expect(n).toMatchObject({
      enableNodePublicIP: true,
      allowedHostPorts: [{ portStart: 80, portEnd: 80, protocol: "TCP" }],
      nodePublicIPTags: [{ ipTagType: "RoutingPreference", tag: "Internet" }],
      gatewayProfileGiven: false,
      enableAutoScaling: false,
    });
    expect(n.gatewayPrefixSize).toBeUndefined();
    expect(readPoolNetworkSpec(spec({}, { mode: "Gateway" })).gatewayPrefixSize).toBe(31);
    expect(
      readPoolNetworkSpec(spec({ gatewayProfile: { publicIPPrefixSize: 28 } }, { mode: "Gateway" }))
        .gatewayPrefixSize,
    ).toBe(28);
  });

  it("refuses bad ports, protocols, tags and prefix sizes with InvalidParameter naming the field", () => {
    const ports = (p: unknown) => () =>
      readPoolNetworkSpec(spec({ networkProfile: { allowedHostPorts: [p] } }));
    expect(codeOf(ports({ portStart: 0, portEnd: 1, protocol: "TCP" }))).toBe(
      "400 InvalidParameter agentPoolProfile.networkProfile.allowedHostPorts[0].portStart",
    );
    expect(codeOf(ports({ portStart: 1, portEnd: 65536, protocol: "TCP" }))).toContain("portEnd");
    expect(codeOf(ports({ portStart: 9, portEnd: 8, protocol: "UDP" }))).toContain("InvalidParameter");
    expect(codeOf(ports({ portStart: 8, portEnd: 8, protocol: "SCTP" }))).toContain("protocol");
    expect(codeOf(ports({ portStart: "8", portEnd: 8, protocol: "TCP" }))).toContain("InvalidRequestContent");
    expect(
      codeOf(() => readPoolNetworkSpec(spec({ networkProfile: { nodePublicIPTags: [{ tag: "x" }] } }))),
    ).toContain("InvalidParameter");
    for (const size of [27, 32])
      expect(
        codeOf(() =>
          readPoolNetworkSpec(spec({ gatewayProfile: { publicIPPrefixSize: size } }, { mode: "Gateway" })),
        ),
      ).toBe("400 InvalidParameter agentPoolProfile.gatewayProfile.publicIPPrefixSize");
  });

  it("keeps one rule per distinct range and names rules deterministically", () => {
    const r = { portStart: 40000, portEnd: 60000, protocol: "TCP" as const };
    expect(distinctPorts([r, { ...r }, { ...r, protocol: "UDP" }])).toHaveLength(2);
    expect(hostPortRuleName("np", r)).toBe("aks-hostport-np-tcp-40000-60000");
    expect(hostPortRuleName("np", { portStart: 53, portEnd: 53, protocol: "UDP" })).toBe(
      "aks-hostport-np-udp-53",
    );
    expect(managedAsgId("/subscriptions/s/resourceGroups/MC_x", "np", "12345678")).toBe(
      "/subscriptions/s/resourceGroups/MC_x/providers/Microsoft.Network/applicationSecurityGroups/aks-np-12345678-asg",
    );
  });
});

describe("gates", () => {
  it("compare Kubernetes minors", () => {
    expect(versionAtLeast("1.24", "1.24")).toBe(true);
    expect(versionAtLeast("1.24.9", "1.24")).toBe(true);
    expect(versionAtLeast("1.23.12", "1.24")).toBe(false);
    expect(versionAtLeast("2.0", "1.24")).toBe(true);
    expect(codeOf(() => requireKubernetesVersion("1.23", "X", "t"))).toBe(
      "400 KubernetesVersionNotSupported t",
    );
  });

  it("refuse a preview setting until its flag is registered (and host-port auto-assignment)", async () => {
    const h = harness();
    try {
      const err = await h.run((ctx) =>
        requirePreviewFeature(ctx, PREVIEW_FLAGS.podHostPortAutoAssign, "Y").catch((e) => e),
      );
      expect(err).toBeInstanceOf(ArmError);
      expect(err.code).toBe("PreviewFeatureNotRegistered");
      expect(err.message).toContain("Microsoft.ContainerService/PodHostPortAutoAssignPreview");
      await h.run(async (ctx) => {
        await features.actions?.register(
          ctx,
          {
            subscriptionId: SUB,
            namespace: "Microsoft.Features",
            types: ["providers", "features"],
            names: ["Microsoft.ContainerService", "PodHostPortAutoAssignPreview"],
          },
          {},
        );
      });
      await h.run((ctx) => requireHostPortAutoAssign(ctx, "1.30"));
      const old = await h.run((ctx) => requireHostPortAutoAssign(ctx, "1.23").catch((e) => e));
      expect(old.code).toBe("KubernetesVersionNotSupported");
    } finally {
      await h.close();
    }
  });
});

describe("scale set template and node metadata", () => {
  const base: ScaleSetSpec = {
    id: "/subscriptions/s/resourceGroups/MC_x/providers/Microsoft.Compute/virtualMachineScaleSets/aks-gw-1-vmss",
    location: "eastus",
    tags: { "aks-managed-poolName": "gw" },
    vmSize: "Standard_D4s_v5",
    capacity: 2,
    osType: "Linux",
    computerNamePrefix: "aks-gw-1-vmss",
    adminUsername: "azureuser",
    nicName: "aks-gw-1-vmss",
    enableIPForwarding: true,
    ipConfigurations: [
      { name: "ipconfig1", primary: true, subnetId: "s1" },
      { name: "ipconfig2", primary: false, subnetId: "s1" },
    ],
  };
  const cluster = { hash: "12345678" } as ClusterInternal;

  it("adds the instance public IP configuration and ASGs to the primary ip configuration only", () => {
    const p = {
      spec: spec({
        enableNodePublicIP: true,
        nodePublicIPPrefixID: "/p",
        networkProfile: {
          allowedHostPorts: [{ portStart: 80, portEnd: 80, protocol: "TCP" }],
          applicationSecurityGroups: ["/a"],
        },
      }),
    } as PoolInternal;
    const out = withNodeNetworking(base, cluster, p, "/subscriptions/s/resourceGroups/MC_x");
    expect(out.ipConfigurations[0].publicIPAddressConfiguration).toMatchObject({
      name: "pub1",
      properties: { publicIPPrefix: { id: "/p" } },
    });
    expect(out.ipConfigurations[0].applicationSecurityGroupIds).toEqual([
      "/subscriptions/s/resourceGroups/MC_x/providers/Microsoft.Network/applicationSecurityGroups/aks-np-12345678-asg",
      "/a",
    ]);
    expect(out.ipConfigurations[1]).toEqual(base.ipConfigurations[1]);
    expect(withNodeNetworking(out, cluster, p, "/subscriptions/s/resourceGroups/MC_x")).toEqual(out);
  });

  it("tags gateway scale sets with the prefix size and taints gateway nodes", () => {
    const gw = {
      spec: spec({ gatewayProfile: { publicIPPrefixSize: 29 } }, { name: "gw", mode: "Gateway" }),
    } as PoolInternal;
    const out = withNodeNetworking(base, cluster, gw, "/x");
    expect(out.tags).toEqual({ "aks-managed-poolName": "gw", "aks-managed-gatewayIPPrefixSize": "29" });
    expect(nodeKubernetesMeta(gw.spec).taints).toEqual([
      { key: "kubeegressgateway.azure.com/mode", value: "true", effect: "NoSchedule" },
    ]);
    expect(nodeKubernetesMeta(spec({})).taints).toEqual([]);
  });

  it("reads the cluster's static egress switch, keeping the previous value when omitted", () => {
    expect(readStaticEgressGateway({ staticEgressGatewayProfile: { enabled: true } }, undefined)).toEqual({
      staticEgressGateway: true,
    });
    expect(readStaticEgressGateway({}, undefined)).toEqual({});
    const prev = { staticEgressGateway: true } as Parameters<typeof readStaticEgressGateway>[1];
    expect(readStaticEgressGateway({}, prev)).toEqual({ staticEgressGateway: true });
  });
});
