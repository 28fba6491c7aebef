// Every AKS validation rule through the SDK, with its code (docs/errors-containerservice.md),
// checked before anything is created; and the seeds' capacity arithmetic: kubenet on a /24
// holds 251 nodes (27,610 pods), Azure CNI on a /24 at maxPods 30 holds 8 (240 pods).
import type { ManagedCluster } from "@azure/arm-containerservice";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Clients,
  type ClusterOptions,
  clusterBody,
  errorOf,
  nodeRg,
  startClients,
  vnetWithSubnet,
} from "./aks-helpers.js";

let c: Clients;
const RG = "val";
let subnet24: string;
let cniSubnet24: string;
let vnetSubnet: string;

beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
  subnet24 = (await vnetWithSubnet(c, RG, "v24", "192.168.0.0/16", { s: "192.168.1.0/24" })).s;
  cniSubnet24 = (await vnetWithSubnet(c, RG, "cni24", "10.60.0.0/16", { s: "10.60.1.0/24" })).s;
  vnetSubnet = (await vnetWithSubnet(c, RG, "big", "10.100.0.0/16", { s: "10.100.0.0/22" })).s;
});
afterAll(async () => c?.emu.close());

/** Creates and expects a 400 with `code`; then checks nothing was left behind. */
async function refused(name: string, body: ManagedCluster, code: string, target?: string) {
  const e = await errorOf(c.aks.managedClusters.createOrUpdate(RG, name, body));
  expect({ status: e.statusCode, code: e.code }).toEqual({ status: 400, code });
  if (target) expect(await rawTarget(name, body)).toContain(target);
  expect((await errorOf(c.aks.managedClusters.get(RG, name))).statusCode).toBe(404);
  expect((await errorOf(c.resources.resourceGroups.get(nodeRg(RG, name)))).statusCode).toBe(404);
  return e;
}

/** The same request on the wire, for the error's `target` (the SDK error does not keep it). */
async function rawTarget(name: string, b: ManagedCluster): Promise<string> {
  const { location, identity, tags, ...props } = b;
  const res = await c.emu.arm(
    "PUT",
    `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${name}?api-version=2026-06-01`,
    { location, identity, tags, properties: props },
  );
  expect(res.status).toBe(400);
  return (res.body as { error: { target?: string } }).error.target ?? "";
}

const body = (o: ClusterOptions) => clusterBody({ count: 1, ...o });

describe("network profile", () => {
  it("refuses the reserved ranges in service, pod and VNet ranges", async () => {
    await refused(
      "r1",
      body({ serviceCidr: "169.254.0.0/16", dnsServiceIP: "169.254.0.10" }),
      "ReservedCidrOverlap",
    );
    await refused("r2", body({ podCidr: "172.30.0.0/16" }), "ReservedCidrOverlap");
    await refused(
      "r3",
      body({ serviceCidr: "192.0.2.0/24", dnsServiceIP: "192.0.2.10" }),
      "ReservedCidrOverlap",
    );
    await refused("r4", body({ podCidr: "172.0.0.0/8" }), "ReservedCidrOverlap");
    const reserved = (await vnetWithSubnet(c, RG, "res", "172.31.0.0/16", { s: "172.31.1.0/24" })).s;
    await refused("r5", body({ subnetId: reserved }), "ReservedCidrOverlap");
  });

  it("refuses unparsable CIDRs with CidrStringParseError", async () => {
    await refused(
      "p1",
      body({ serviceCidr: "10.0.0.0/33" }),
      "CidrStringParseError",
      "networkProfile.serviceCIDR",
    );
    await refused("p2", body({ podCidr: "not-a-cidr" }), "CidrStringParseError", "networkProfile.podCIDR");
  });

  it("refuses a DNS service IP outside the service CIDR or on its first addresses", async () => {
    await refused("d1", body({ dnsServiceIP: "10.1.0.10" }), "InvalidDNSServiceIP");
    await refused("d2", body({ dnsServiceIP: "10.0.0.1" }), "InvalidDNSServiceIP");
    await refused("d3", body({ dnsServiceIP: "10.0.0.0" }), "InvalidDNSServiceIP");
    await refused("d4", body({ dnsServiceIP: "ten" }), "InvalidDNSServiceIP");
  });

  it("refuses overlapping service, pod and VNet ranges", async () => {
    await refused("o1", body({ podCidr: "10.0.0.0/14" }), "PodCidrOverlapServiceCidr");
    await refused(
      "o2",
      body({ subnetId: subnet24, serviceCidr: "192.168.0.0/16", dnsServiceIP: "192.168.0.10" }),
      "ServiceCidrOverlapExistingSubnetsCidr",
    );
    await refused(
      "o3",
      body({ subnetId: subnet24, podCidr: "192.168.0.0/20" }),
      "NetworkProfileCIDROverlapVNET",
    );
    // Without a subnet of your own the managed VNet is 10.224.0.0/12.
    await refused(
      "o4",
      body({ serviceCidr: "10.224.0.0/16", dnsServiceIP: "10.224.0.10" }),
      "ServiceCidrOverlapExistingSubnetsCidr",
    );
  });

  it("refuses a pod CIDR too small for the nodes (a /24 per node)", async () => {
    await refused("pc1", body({ podCidr: "10.244.0.0/24", count: 2 }), "InsufficientPodCidrSize");
    await refused("pc2", body({ podCidr: "10.244.0.0/25" }), "InsufficientPodCidrSize");
    await refused(
      "pc3",
      body({ plugin: "azure", overlay: true, podCidr: "10.244.0.0/23", count: 3 }),
      "InsufficientPodCidrSize",
    );
  });

  it("refuses plugin combinations AKS does not support", async () => {
    const b = body({});
    (b.networkProfile as { networkPolicy?: string }).networkPolicy = "azure";
    await refused("np1", b, "NetworkPolicyNotSupported");
    await refused("np2", body({ overlay: true }), "InvalidParameter", "networkPluginMode");
    await refused("np3", body({ plugin: "azure", podCidr: "10.244.0.0/16" }), "InvalidParameter", "podCidr");
    await refused("np4", body({ podSubnetId: subnet24 }), "InvalidParameter", "podSubnetID");
  });
});

describe("agent pools", () => {
  it("checks maxPods against the plugin's range", async () => {
    await refused("m1", body({ maxPods: 251 }), "InvalidParameter", "agentPoolProfile.maxPods");
    await refused("m2", body({ maxPods: 9 }), "InvalidParameter", "agentPoolProfile.maxPods");
    await refused(
      "m3",
      body({ plugin: "azure", maxPods: 251 }),
      "InvalidParameter",
      "agentPoolProfile.maxPods",
    );
  });

  it("refuses a Windows pool on kubenet, long Windows names and bad pool names", async () => {
    const win = { name: "win", count: 1, osType: "Windows", mode: "User" };
    await refused("w1", body({ pools: [win] }), "WindowsPoolRequiresAzureCNI");
    await refused(
      "w2",
      body({ plugin: "azure", pools: [{ ...win, name: "winpool1" }] }),
      "InvalidParameter",
      "agentPoolProfile.name",
    );
    for (const [i, name] of ["Nodepool1", "1pool", "abcdefghijklm", "pool-1"].entries())
      await refused(
        `n${i}`,
        { ...body({}), agentPoolProfiles: [{ name, count: 1, mode: "System" }] },
        "InvalidParameter",
        "agentPoolProfile.name",
      );
  });

  it("checks counts: System 1-1000, User 0-1000, a System pool required", async () => {
    await refused("c1", body({ count: 0 }), "InvalidParameter", "agentPoolProfile.count");
    await refused(
      "c2",
      body({ count: 1001, subnetId: vnetSubnet }),
      "InvalidParameter",
      "agentPoolProfile.count",
    );
    const none = await refused(
      "c3",
      { ...body({}), agentPoolProfiles: [{ name: "user", count: 1, mode: "User" }] },
      "MustDefineAtLeastOneSystemPool",
    );
    expect(none.message).toBe("Must define at least one system pool.");
    const ok = await c.aks.managedClusters.createOrUpdate(
      RG,
      "c4",
      body({ pools: [{ name: "empty", count: 0, mode: "User" }] }),
    );
    expect(ok.agentPoolProfiles?.map((p) => [p.name, p.count])).toEqual([
      ["nodepool1", 1],
      ["empty", 0],
    ]);
    await c.aks.managedClusters.delete(RG, "c4");
  });

  it("checks the cluster autoscaler's counts: min and max given, min <= count <= max <= 1000", async () => {
    const auto = (o: { count: number; minCount?: number; maxCount?: number }) => ({
      ...body({}),
      agentPoolProfiles: [{ name: "nodepool1", mode: "System", enableAutoScaling: true, ...o }],
    });
    const cases: [string, ReturnType<typeof auto>, string, string][] = [
      [
        "a1",
        auto({ count: 1, maxCount: 3 }),
        "agentPoolProfile.minCount",
        "agentPoolProfile.minCount must be specified when enableAutoScaling is true.",
      ],
      [
        "a2",
        auto({ count: 1, minCount: 1 }),
        "agentPoolProfile.maxCount",
        "agentPoolProfile.maxCount must be specified when enableAutoScaling is true.",
      ],
      [
        "a3",
        auto({ count: 3, minCount: 3, maxCount: 2 }),
        "agentPoolProfile.minCount",
        "agentPoolProfile.minCount was 3. It must be less than or equal to maxCount:2.",
      ],
      [
        "a4",
        auto({ count: 1, minCount: 1, maxCount: 1001 }),
        "agentPoolProfile.maxCount",
        "agentPoolProfile.maxCount was 1001. It must be less than or equal to 1000.",
      ],
      [
        "a5",
        auto({ count: 5, minCount: 1, maxCount: 3 }),
        "agentPoolProfile.count",
        "agentPoolProfile.count was 5. It must be greater or equal to minCount:1 and less than or equal to maxCount:3.",
      ],
    ];
    for (const [name, b, target, message] of cases)
      expect((await refused(name, b, "InvalidParameter", target)).message).toBe(message);
    const ok = await c.aks.managedClusters.createOrUpdate(
      RG,
      "a6",
      auto({ count: 2, minCount: 1, maxCount: 3 }),
    );
    expect(ok.agentPoolProfiles?.[0]).toMatchObject({
      enableAutoScaling: true,
      minCount: 1,
      maxCount: 3,
      count: 2,
    });
    await c.aks.managedClusters.delete(RG, "a6");
  });

  it("refuses a System pool on a VM size below 2 vCPUs and 4 GiB, on create and on a change to System", async () => {
    const small = (vmSize: string) => ({
      ...body({}),
      agentPoolProfiles: [{ name: "np", count: 1, mode: "System", vmSize }],
    });
    for (const [i, size] of ["Standard_B1s", "Standard_B1ms", "Standard_B2ts_v2"].entries()) {
      const e = await refused(`sk${i}`, small(size), "SystemPoolSkuTooLow", "agentPoolProfile.vmSize");
      expect(e.message).toBe(
        "System node pool must use VM sku with more than 2 cores and 4GB memory. Nodepool name: np.",
      );
    }
    // 2 vCPUs and 4 GiB are enough; a size the emulator does not know is accepted
    for (const [name, size] of [
      ["sk3", "Standard_B2s"],
      ["sk4", "Standard_Unknown_v9"],
    ] as const) {
      await c.aks.managedClusters.createOrUpdate(RG, name, small(size));
      await c.aks.managedClusters.delete(RG, name);
    }
    await c.aks.managedClusters.createOrUpdate(RG, "sk5", body({}));
    const user = await c.aks.agentPools.createOrUpdate(RG, "sk5", "tiny", {
      count: 1,
      mode: "User",
      vmSize: "Standard_B1s",
    });
    const e = await errorOf(c.aks.agentPools.createOrUpdate(RG, "sk5", "tiny", { ...user, mode: "System" }));
    expect({ status: e.statusCode, code: e.code }).toEqual({ status: 400, code: "SystemPoolSkuTooLow" });
    expect((await c.aks.agentPools.get(RG, "sk5", "tiny")).mode).toBe("User");
    await c.aks.managedClusters.delete(RG, "sk5");
  });

  it("refuses a missing subnet or identity", async () => {
    await refused("s1", body({ subnetId: `${subnet24}x` }), "SubnetNotFound");
    await refused(
      "s2",
      body({
        identityId: `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/none`,
      }),
      "UserAssignedIdentityNotFound",
    );
  });
});

describe("immutable settings", () => {
  it("refuses changes to plugin, CIDRs, DNS IP, outbound type and a pool's subnet", async () => {
    const created = await c.aks.managedClusters.createOrUpdate(RG, "imm", body({ subnetId: subnet24 }));
    expect(created.provisioningState).toBe("Succeeded");
    const change = async (o: ClusterOptions, extra: (b: ManagedCluster) => void = () => {}) => {
      const b = body({ subnetId: subnet24, ...o });
      extra(b);
      const e = await errorOf(c.aks.managedClusters.createOrUpdate(RG, "imm", b));
      expect({ status: e.statusCode, code: e.code }).toEqual({
        status: 400,
        code: "PropertyChangeNotAllowed",
      });
      return e;
    };
    await change({ plugin: "azure" });
    await change({ serviceCidr: "10.1.0.0/16", dnsServiceIP: "10.1.0.10" });
    await change({ podCidr: "10.245.0.0/16" });
    await change({ dnsServiceIP: "10.0.0.11" });
    await change({}, (b) => {
      (b.networkProfile as { outboundType?: string }).outboundType = "none";
    });
    await change({ subnetId: cniSubnet24 });
    const pool = await errorOf(
      c.aks.agentPools.createOrUpdate(RG, "imm", "nodepool1", { count: 1, vnetSubnetID: cniSubnet24 }),
    );
    expect(pool.code).toBe("PropertyChangeNotAllowed");
    // The same settings again are fine (an update), and so is leaving them out.
    const same = await c.aks.managedClusters.createOrUpdate(
      RG,
      "imm",
      body({ subnetId: subnet24, count: 2 }),
    );
    expect(same.agentPoolProfiles?.[0]?.count).toBe(2);
    await c.aks.managedClusters.delete(RG, "imm");
  });
});

describe("capacity (seed 002 arithmetic)", () => {
  it("kubenet on a /24: 252 nodes fail, 251 succeed (27,610 pods at 110)", async () => {
    const e = await refused("k252", body({ subnetId: subnet24, count: 252 }), "InsufficientSubnetSize");
    expect(e.message).toContain("Pre-allocated IPs 252 exceeds IPs available 251");
    expect(e.message).toContain("251 nodes with kubenet (27,610 pods at 110 pods per node)");
    const mc = await c.aks.managedClusters.createOrUpdate(
      RG,
      "k251",
      body({ subnetId: subnet24, count: 251 }),
    );
    expect(mc.provisioningState).toBe("Succeeded");
    const raw = await c.emu.arm("GET", `${mc.id}?api-version=2026-06-01`);
    expect(
      (raw.body as { properties: { networkCapacity: unknown } }).properties.networkCapacity,
    ).toMatchObject({
      plugin: "kubenet",
      subnetPrefix: "192.168.1.0/24",
      maxNodes: 251,
      maxPodsPerNode: 110,
      maxPods: 27610,
    });
    expect((await c.net.subnets.get(RG, "v24", "s")).ipConfigurations).toHaveLength(251);
    const more = await errorOf(c.aks.agentPools.createOrUpdate(RG, "k251", "nodepool1", { count: 252 }));
    expect(more.code).toBe("InsufficientSubnetSize");
    await c.aks.managedClusters.delete(RG, "k251");
    expect((await c.net.subnets.get(RG, "v24", "s")).ipConfigurations ?? []).toHaveLength(0);
  });

  it("Azure CNI on a /24 at maxPods 30: 9 nodes fail, 8 succeed (240 pods)", async () => {
    const e = await refused(
      "a9",
      body({ plugin: "azure", subnetId: cniSubnet24, count: 9, maxPods: 30 }),
      "InsufficientSubnetSize",
    );
    expect(e.message).toContain("Pre-allocated IPs 279 exceeds IPs available 251");
    expect(e.message).toContain("8 nodes with Azure CNI (240 pods at 30 pods per node)");
    const mc = await c.aks.managedClusters.createOrUpdate(
      RG,
      "a8",
      body({ plugin: "azure", subnetId: cniSubnet24, count: 8, maxPods: 30 }),
    );
    const raw = await c.emu.arm("GET", `${mc.id}?api-version=2026-06-01`);
    expect(
      (raw.body as { properties: { networkCapacity: unknown } }).properties.networkCapacity,
    ).toMatchObject({
      plugin: "azure",
      maxNodes: 8,
      maxPods: 240,
    });
    expect((await c.net.subnets.get(RG, "cni24", "s")).ipConfigurations).toHaveLength(248);
    await c.aks.managedClusters.delete(RG, "a8");
  });

  it("kubenet stops at 400 nodes (one route each in a 400-route table)", async () => {
    await refused(
      "k401",
      body({ subnetId: vnetSubnet, count: 401, podCidr: "10.240.0.0/15" }),
      "KubenetNodeLimitExceeded",
    );
  });
});

describe("identity permissions on a BYO subnet", () => {
  it("accepts a custom role with subnets/join/action + subnets/read", async () => {
    const sub = (await vnetWithSubnet(c, RG, "perm", "10.70.0.0/16", { s: "10.70.1.0/24" })).s;
    const id = await c.msi.userAssignedIdentities.createOrUpdate(RG, "permid", { location: "eastus" });
    const b = body({ subnetId: sub, identityId: id.id });
    const denied = await refused("perm1", b, "ClusterIdentityMissingSubnetPermission");
    expect(denied.message).toContain("subnets/join/action");
    const roleId = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a00";
    const role = await c.auth.roleDefinitions.createOrUpdate(
      `/subscriptions/${c.emu.subscriptionId}`,
      roleId,
      {
        roleName: "AKS subnet joiner",
        permissions: [
          {
            actions: [
              "Microsoft.Network/virtualNetworks/subnets/join/action",
              "Microsoft.Network/virtualNetworks/subnets/read",
            ],
          },
        ],
        assignableScopes: [`/subscriptions/${c.emu.subscriptionId}`],
      },
    );
    // Only read is not enough.
    const readOnly = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a01";
    await c.auth.roleAssignments.create(sub, "2b5f2a2c-8c4f-4c55-9a0e-3a1f0b6f2a03", {
      roleDefinitionId: `/subscriptions/${c.emu.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`,
      principalId: id.principalId ?? "",
    });
    void readOnly;
    await refused("perm2", b, "ClusterIdentityMissingSubnetPermission");
    await c.auth.roleAssignments.create(sub, "2b5f2a2c-8c4f-4c55-9a0e-3a1f0b6f2a04", {
      roleDefinitionId: role.id ?? "",
      principalId: id.principalId ?? "",
    });
    const ok = await c.aks.managedClusters.createOrUpdate(RG, "perm3", b);
    expect(ok.provisioningState).toBe("Succeeded");
    await c.aks.managedClusters.delete(RG, "perm3");
  });
});

describe("outbound types", () => {
  it("userDefinedRouting needs your own subnet with a route table; no load balancer then", async () => {
    const udr = (o: ClusterOptions) => {
      const b = body(o);
      (b.networkProfile as { outboundType?: string }).outboundType = "userDefinedRouting";
      return b;
    };
    await refused("u1", udr({}), "InvalidParameter", "networkProfile.outboundType");
    const s = (await vnetWithSubnet(c, RG, "udr", "10.80.0.0/16", { s: "10.80.1.0/24" })).s;
    await refused("u2", udr({ plugin: "azure", subnetId: s }), "ExistingRouteTableNotAssociatedWithSubnet");
    const rt = await c.net.routeTables.beginCreateOrUpdateAndWait(RG, "udr-rt", {
      location: "eastus",
      routes: [
        {
          name: "default",
          addressPrefix: "0.0.0.0/0",
          nextHopType: "VirtualAppliance",
          nextHopIpAddress: "10.80.2.4",
        },
      ],
    });
    await c.net.subnets.beginCreateOrUpdateAndWait(RG, "udr", "s", {
      addressPrefix: "10.80.1.0/24",
      routeTable: { id: rt.id },
    });
    const mc = await c.aks.managedClusters.createOrUpdate(RG, "u3", udr({ plugin: "azure", subnetId: s }));
    expect(mc.networkProfile?.outboundType).toBe("userDefinedRouting");
    expect(mc.networkProfile?.loadBalancerProfile).toBeUndefined();
    const lbs: string[] = [];
    for await (const lb of c.net.loadBalancers.list(nodeRg(RG, "u3"))) lbs.push(lb.name ?? "");
    expect(lbs).toEqual([]);
    await c.aks.managedClusters.delete(RG, "u3");
  });
});

describe("dnsPrefix", () => {
  it("is 1-54 letters, digits and hyphens, starting and ending with a letter or digit", async () => {
    for (const [i, p] of ["-aks", "aks-", "my_aks", "a.b", "a".repeat(55)].entries()) {
      const e = await refused(
        `dp${i}`,
        { ...body({}), dnsPrefix: p },
        "InvalidParameter",
        "properties.dnsPrefix",
      );
      expect(e.message).toBe(
        "The value of parameter dnsPrefix is invalid. Please see https://aka.ms/aks-naming-rules for more details.",
      );
    }
    for (const [name, p] of [
      ["dpa", "a"],
      ["dpb", `1${"a-".repeat(26)}z`],
    ] as const) {
      const mc = await c.aks.managedClusters.createOrUpdate(RG, name, { ...body({}), dnsPrefix: p });
      expect(mc.dnsPrefix).toBe(p);
      await c.aks.managedClusters.delete(RG, name);
    }
  });
});

describe("Kubernetes versions", () => {
  const NOT_SUPPORTED = (v: string) =>
    `Version ${v} is not supported in this region. Please use [az aks get-versions] command to get the supported version list in this region. For more information, please check https://aka.ms/supported-version-list`;

  it("refuses versions AKS does not serve, for the cluster and for a pool", async () => {
    for (const [i, v] of ["1.99", "1.5", "1.35", "1.33.99", "2.0", "latest"].entries()) {
      const e = await refused(
        `kv${i}`,
        { ...body({}), kubernetesVersion: v },
        "K8sVersionNotSupported",
        "properties.kubernetesVersion",
      );
      expect(e.message).toBe(NOT_SUPPORTED(v));
    }
    const e = await refused(
      "kvp",
      {
        ...body({}),
        agentPoolProfiles: [{ name: "np", count: 1, mode: "System", orchestratorVersion: "1.34.9" }],
      },
      "AgentPoolK8sVersionNotSupported",
      "agentPoolProfile.orchestratorVersion",
    );
    expect(e.message).toBe(NOT_SUPPORTED("1.34.9"));
  });

  it("accepts the supported patches and any patch of the older minors (1.19-1.29)", async () => {
    for (const [name, v, current] of [
      ["ka", "1.34.1", "1.34.1"],
      ["kb", "1.29.99", "1.29.99"],
      ["kc", "1.19", "1.19.0"],
    ] as const) {
      const mc = await c.aks.managedClusters.createOrUpdate(RG, name, { ...body({}), kubernetesVersion: v });
      expect([mc.kubernetesVersion, mc.currentKubernetesVersion]).toEqual([v, current]);
      await c.aks.managedClusters.delete(RG, name);
    }
  });

  it("upgrades one minor at a time, never down; a pool is no newer a minor than the control plane", async () => {
    const mc = await c.aks.managedClusters.createOrUpdate(RG, "kup", {
      ...body({}),
      kubernetesVersion: "1.31",
    });
    expect(mc.currentKubernetesVersion).toBe("1.31.13");
    const skip = await errorOf(
      c.aks.managedClusters.createOrUpdate(RG, "kup", { ...mc, kubernetesVersion: "1.33" }),
    );
    expect({ status: skip.statusCode, code: skip.code, message: skip.message }).toEqual({
      status: 400,
      code: "OperationNotAllowed",
      message:
        "Upgrading Kubernetes version 1.31.13 to 1.33.5 is not allowed. Available upgrades: [1.32.9]. Please see https://aka.ms/aks-supported-k8s-ver for version details.",
    });
    const down = await errorOf(
      c.aks.managedClusters.createOrUpdate(RG, "kup", { ...mc, kubernetesVersion: "1.30.14" }),
    );
    expect({ code: down.code, message: down.message }).toEqual({
      code: "OperationNotAllowed",
      message:
        "Downgrading Kubernetes version 1.31.13 to 1.30.14 is not allowed. Available upgrades: [1.32.9]. Please see https://aka.ms/aks-supported-k8s-ver for version details.",
    });
    const ahead = await errorOf(
      c.aks.agentPools.createOrUpdate(RG, "kup", "ahead", {
        count: 1,
        mode: "User",
        orchestratorVersion: "1.32",
      }),
    );
    expect({ code: ahead.code, message: ahead.message }).toEqual({
      code: "NodePoolMcVersionIncompatible",
      message:
        "Node pool version 1.32.9 and control plane version 1.31.13 are incompatible. Minor version of node pool version 32 is bigger than control plane version 31. For more information, please check https://aka.ms/version-skew-policy",
    });
    const up = await c.aks.managedClusters.createOrUpdate(RG, "kup", { ...mc, kubernetesVersion: "1.32" });
    expect(up.currentKubernetesVersion).toBe("1.32.9");
    const pool = await c.aks.agentPools.createOrUpdate(RG, "kup", "ahead", {
      count: 1,
      mode: "User",
      orchestratorVersion: "1.32",
    });
    expect(pool.currentOrchestratorVersion).toBe("1.32.9");
    await c.aks.managedClusters.delete(RG, "kup");
  });
});
