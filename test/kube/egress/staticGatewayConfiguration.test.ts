import { createPrivateKey, createPublicKey, diffieHellman } from "node:crypto";
import { describe, expect, it } from "vitest";
import { egressDecision, type Flow, flowHash } from "../../../src/kube/egress/egressPath.js";
import {
  checkPrefixLength,
  chooseWireguardPort,
  reconcileEvent,
  staticGatewayConfigurationCrd,
  validateStaticGatewayConfiguration,
  wireguardKeyPair,
} from "../../../src/kube/egress/staticGatewayConfiguration.js";

describe("StaticGatewayConfiguration controller (pure parts)", () => {
  it("the CRD is namespaced v1alpha1 with a status subresource, the enum, defaults and 0..31 range", () => {
    const crd = staticGatewayConfigurationCrd() as {
      metadata: { name: string };
      spec: {
        scope: string;
        versions: Array<{
          name: string;
          subresources: unknown;
          schema: {
            openAPIV3Schema: {
              properties: {
                spec: { required: string[]; properties: Record<string, Record<string, unknown>> };
              };
            };
          };
        }>;
      };
    };
    expect(crd.metadata.name).toBe("staticgatewayconfigurations.egressgateway.kubernetes.azure.com");
    expect(crd.spec.scope).toBe("Namespaced");
    const v = crd.spec.versions[0];
    expect(v.name).toBe("v1alpha1");
    expect(v.subresources).toEqual({ status: {} });
    const spec = v.schema.openAPIV3Schema.properties.spec;
    expect(spec.required).toEqual(["provisionPublicIps"]);
    expect(spec.properties.defaultRoute).toMatchObject({
      default: "staticEgressGateway",
      enum: ["azureNetworking", "staticEgressGateway"],
    });
    expect(spec.properties.provisionPublicIps).toMatchObject({ type: "boolean", default: true });
    expect(spec.properties.gatewayVmssProfile).toMatchObject({
      properties: { publicIpPrefixSize: { minimum: 0, maximum: 31 } },
    });
  });

  it("validation speaks the controller's words", () => {
    expect(
      validateStaticGatewayConfiguration("gw", { gatewayNodepoolName: "gwpool", provisionPublicIps: true }),
    ).toBeUndefined();
    expect(validateStaticGatewayConfiguration("gw", { provisionPublicIps: true })).toBe(
      'StaticGatewayConfiguration.egressgateway.kubernetes.azure.com "gw" is invalid: spec.gatewaynodepoolname: Invalid value: "GatewayNodepoolName: , GatewayVmssProfile: v1alpha1.GatewayVmssProfile{VmssResourceGroup:\\"\\", VmssName:\\"\\", PublicIpPrefixSize:0}": Either GatewayNodepoolName or GatewayVmssProfile must be provided',
    );
    const two = validateStaticGatewayConfiguration("gw", {
      gatewayNodepoolName: "gwpool",
      provisionPublicIps: false,
      publicIpPrefixId: "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/publicIPPrefixes/p",
      gatewayVmssProfile: { vmssName: "v", publicIpPrefixSize: 40 },
    });
    expect(two).toContain("is invalid: [spec.gatewaynodepoolname: Invalid value:");
    expect(two).toContain("Only one of GatewayNodepoolName and GatewayVmssProfile should be provided");
    expect(two).toContain(
      'spec.gatewayvmssprofile.vmssresourcegroup: Invalid value: "": Gateway vmss resource group is empty',
    );
    expect(two).toContain(
      "spec.gatewayvmssprofile.publicipprefixsize: Invalid value: 40: Gateway vmss public ip prefix size should be between 0 and 31 inclusively",
    );
    expect(two).toContain("PublicIpPrefixId should be empty when ProvisionPublicIps is false]");
  });

  it("WireGuard keys are real Curve25519 pairs (both sides derive one shared secret)", () => {
    const a = wireguardKeyPair();
    const b = wireguardKeyPair();
    expect(Buffer.from(a.privateKey, "base64")).toHaveLength(32);
    expect(Buffer.from(a.publicKey, "base64")).toHaveLength(32);
    expect(a.publicKey).not.toBe(b.publicKey);
    const priv = (k: { privateKey: string; publicKey: string }) =>
      createPrivateKey({
        key: {
          kty: "OKP",
          crv: "X25519",
          d: Buffer.from(k.privateKey, "base64").toString("base64url"),
          x: Buffer.from(k.publicKey, "base64").toString("base64url"),
        },
        format: "jwk",
      });
    const pub = (k: { publicKey: string }) =>
      createPublicKey({
        key: { kty: "OKP", crv: "X25519", x: Buffer.from(k.publicKey, "base64").toString("base64url") },
        format: "jwk",
      });
    expect(diffieHellman({ privateKey: priv(a), publicKey: pub(b) })).toEqual(
      diffieHellman({ privateKey: priv(b), publicKey: pub(a) }),
    );
  });

  it("ports: lowest free in 6000-6999, at most 1,000 per pool", () => {
    expect(chooseWireguardPort(new Set())).toBe(6000);
    expect(chooseWireguardPort(new Set([6000, 6001, 6003]))).toBe(6002);
    const all = new Set(Array.from({ length: 1000 }, (_, i) => 6000 + i));
    expect(chooseWireguardPort(all)).toBeUndefined();
  });

  it("BYO prefix length and the progress events", () => {
    expect(checkPrefixLength(30, 30)).toBeUndefined();
    expect(checkPrefixLength(28, 30)).toBe("provided public ip prefix has invalid length(28), required(30)");
    expect(reconcileEvent({})).toEqual({
      reason: "Reconciling",
      message: "StaticGatewayConfiguration provisioned with egress prefix <pending>",
    });
    expect(reconcileEvent({ egressIpPrefix: "20.65.41.84/30" })).toEqual({
      reason: "Reconciled",
      message: "StaticGatewayConfiguration provisioned with egress prefix 20.65.41.84/30",
    });
  });
});

describe("egress path of a pod", () => {
  const flow = (destinationIp: string, sourcePort = 40000): Flow => ({
    sourceIp: "10.244.1.5",
    sourcePort,
    destinationIp,
    destinationPort: 443,
    protocol: "TCP",
  });
  const nodes = [
    { name: "aks-gw-12345678-vmss000001", egressAddress: "20.65.41.85" },
    { name: "aks-gw-12345678-vmss000000", egressAddress: "20.65.41.84" },
  ];
  const sgc = {
    name: "myconfig",
    spec: { gatewayNodepoolName: "gw", excludeCidrs: ["10.0.0.0/8"] },
    status: { egressIpPrefix: "20.65.41.84/31" },
  };

  it("annotated pod to the Internet leaves through a gateway node from the egress prefix; same flow, same node", () => {
    const d = egressDecision(flow("93.184.216.34"), sgc, nodes);
    expect(d.via).toBe("gateway");
    if (d.via !== "gateway") return;
    expect(["20.65.41.84", "20.65.41.85"]).toContain(d.snatAddress);
    expect(nodes.find((n) => n.name === d.gatewayNode)?.egressAddress).toBe(d.snatAddress);
    expect(egressDecision(flow("93.184.216.34"), sgc, [...nodes].reverse())).toEqual(d);
    // Different flows spread over both nodes.
    const used = new Set(
      Array.from({ length: 64 }, (_, i) => {
        const x = egressDecision(flow("93.184.216.34", 40000 + i), sgc, nodes);
        return x.via === "gateway" ? x.gatewayNode : "";
      }),
    );
    expect(used.size).toBe(2);
    expect(flowHash(flow("1.1.1.1"))).toBe(flowHash(flow("1.1.1.1")));
  });

  it("excluded destinations, IMDS, plain pods and unready configurations", () => {
    expect(egressDecision(flow("10.1.2.3"), sgc, nodes)).toEqual({
      via: "normal",
      reason: "destination is inside excludeCidrs entry 10.0.0.0/8",
    });
    expect(egressDecision(flow("169.254.169.254"), sgc, nodes)).toMatchObject({ via: "normal" });
    expect(egressDecision(flow("93.184.216.34"), undefined, nodes)).toMatchObject({ via: "normal" });
    expect(egressDecision(flow("93.184.216.34"), { ...sgc, status: {} }, nodes)).toMatchObject({
      via: "blocked",
    });
    const inverted = { ...sgc, spec: { ...sgc.spec, defaultRoute: "azureNetworking" as const } };
    expect(egressDecision(flow("93.184.216.34"), inverted, nodes)).toMatchObject({ via: "normal" });
    expect(egressDecision(flow("10.1.2.3"), inverted, nodes)).toMatchObject({ via: "gateway" });
  });
});
