// Names and defaults AKS derives, independent of HTTP.
import { describe, expect, it } from "vitest";
import {
  clusterHash,
  computerName,
  defaultNodeResourceGroup,
  resourceUID,
} from "../../../src/providers/containerservice/model.js";
import { parseNetwork } from "../../../src/providers/containerservice/parse.js";

describe("AKS names", () => {
  it("are deterministic and shaped like Azure's", () => {
    const h = clusterHash("sub", "rg", "c1");
    expect(h).toMatch(/^\d{8}$/);
    expect(clusterHash("SUB", "RG", "C1")).toBe(h);
    expect(clusterHash("sub", "rg", "c2")).not.toBe(h);
    expect(computerName(`aks-nodepool1-${h}-vmss`, 0)).toBe(`aks-nodepool1-${h}-vmss000000`);
    expect(computerName("x", 36)).toBe("x000010");
    expect(defaultNodeResourceGroup("myResourceGroup", "myAKSCluster", "eastus")).toBe(
      "MC_myResourceGroup_myAKSCluster_eastus",
    );
    expect(resourceUID("/subscriptions/s/resourceGroups/r/providers/x/y/z")).toMatch(/^[0-9a-f]{24}$/);
  });
});

describe("network profile defaults", () => {
  it("fills Azure's defaults, singular and plural fields", () => {
    expect(parseNetwork(undefined, undefined)).toMatchObject({
      plugin: "kubenet",
      podCidr: "10.244.0.0/16",
      serviceCidr: "10.0.0.0/16",
      dnsServiceIP: "10.0.0.10",
      outboundType: "loadBalancer",
      loadBalancerSku: "standard",
      podCidrs: ["10.244.0.0/16"],
      serviceCidrs: ["10.0.0.0/16"],
      ipFamilies: ["IPv4"],
      policy: "none",
    });
    const azure = parseNetwork({ networkPlugin: "azure" }, undefined);
    expect(azure.podCidr).toBeUndefined();
    expect(azure.dataplane).toBe("azure");
    const dual = parseNetwork(
      {
        networkPlugin: "kubenet",
        podCidrs: ["10.244.0.0/16", "fd11:1234::/64"],
        serviceCidrs: ["10.0.0.0/16", "fd00:1234::/108"],
      },
      undefined,
    );
    expect(dual).toMatchObject({
      podCidr: "10.244.0.0/16",
      serviceCidr: "10.0.0.0/16",
      ipFamilies: ["IPv4", "IPv6"],
    });
  });

  it("keeps the current values of fields an update leaves out", () => {
    const first = parseNetwork(
      { networkPlugin: "azure", networkPluginMode: "overlay", podCidr: "192.168.0.0/16" },
      undefined,
    );
    const next = parseNetwork({}, first);
    expect(next).toEqual(first);
  });
});
