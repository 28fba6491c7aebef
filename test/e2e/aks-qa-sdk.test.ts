// Adversarial QA through the official SDKs on inputs other than the seeds': plugin and CIDR
// variants, GET→modify→PUT round trips (the SDK sends read-only fields back), api-versions,
// credentials, ETags, deletes of absent resources.
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type Clients, clusterBody, errorOf, nodeRg, startClients, vnetWithSubnet } from "./aks-helpers.js";

let c: Clients;
const RG = "qa";

beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
});
afterAll(async () => c?.emu.close());

const armPath = (name: string, api = "2026-06-01") =>
  `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${name}?api-version=${api}`;

describe("plugins and CIDRs", () => {
  it("overlay with a custom pod CIDR", async () => {
    const mc = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "ov1",
      clusterBody({ plugin: "azure", overlay: true, podCidr: "192.168.0.0/16", count: 2 }),
    );
    expect(mc.networkProfile).toMatchObject({
      networkPlugin: "azure",
      networkPluginMode: "overlay",
      podCidr: "192.168.0.0/16",
      podCidrs: ["192.168.0.0/16"],
    });
    expect(mc.agentPoolProfiles?.[0].maxPods).toBe(250);
  });

  it("kubenet with 172.16.0.0/16 + 172.16.0.10", async () => {
    const mc = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "kn1",
      clusterBody({ serviceCidr: "172.16.0.0/16", dnsServiceIP: "172.16.0.10", count: 1 }),
    );
    expect(mc.networkProfile).toMatchObject({
      serviceCidr: "172.16.0.0/16",
      dnsServiceIP: "172.16.0.10",
      serviceCidrs: ["172.16.0.0/16"],
    });
  });

  it("azure CNI on a /27 and /28: capacity by 1 + maxPods", async () => {
    const ids = await vnetWithSubnet(c, RG, "cnv", "10.50.0.0/16", {
      s27: "10.50.1.0/27",
      s28: "10.50.2.0/28",
      s22: "10.50.4.0/22",
    });
    // /27: 32 - 5 = 27 usable; maxPods 10 → 11 per node → 2 nodes.
    const ok = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "cni27",
      clusterBody({ plugin: "azure", subnetId: ids.s27, maxPods: 10, count: 2 }),
    );
    expect(ok.provisioningState).toBe("Succeeded");
    expect(ok.agentPoolProfiles?.[0].vnetSubnetID).toBe(ids.s27);
    const e = await errorOf(
      c.aks.managedClusters.beginCreateOrUpdateAndWait(
        RG,
        "cni28",
        clusterBody({ plugin: "azure", subnetId: ids.s28, count: 1 }),
      ),
    );
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe("InsufficientSubnetSize");
    const big = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "cni22",
      clusterBody({ plugin: "azure", subnetId: ids.s22, count: 3 }),
    );
    expect(big.agentPoolProfiles?.[0].maxPods).toBe(30);
  });

  it("podSubnetID", async () => {
    const ids = await vnetWithSubnet(c, RG, "psv", "10.70.0.0/16", {
      nodes: "10.70.0.0/24",
      pods: "10.70.64.0/18",
    });
    const mc = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "pods1",
      clusterBody({ plugin: "azure", subnetId: ids.nodes, podSubnetId: ids.pods, count: 2 }),
    );
    expect(mc.agentPoolProfiles?.[0].podSubnetID).toBe(ids.pods);
    expect(mc.networkProfile?.podCidr).toBeUndefined();
  });

  it("refuses a pool or pod subnet in another virtual network, before anything is made", async () => {
    const a = await vnetWithSubnet(c, RG, "xva", "10.90.0.0/16", {
      a: "10.90.0.0/24",
      pods: "10.90.64.0/18",
    });
    const b = await vnetWithSubnet(c, RG, "xvb", "10.91.0.0/16", {
      b: "10.91.0.0/24",
      pods: "10.91.64.0/18",
    });
    const e = await errorOf(
      c.aks.managedClusters.beginCreateOrUpdateAndWait(
        RG,
        "xv1",
        clusterBody({
          plugin: "azure",
          subnetId: a.a,
          count: 1,
          pools: [{ name: "other", vnetSubnetID: b.b }],
        }),
      ),
    );
    expect({ status: e.statusCode, code: e.code }).toEqual({ status: 400, code: "InvalidParameter" });
    expect(e.message).toContain("same virtual network");
    expect((await errorOf(c.aks.managedClusters.get(RG, "xv1"))).statusCode).toBe(404);
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "xv1",
      clusterBody({ plugin: "azure", subnetId: a.a, podSubnetId: a.pods, count: 1 }),
    );
    const e2 = await errorOf(
      c.aks.agentPools.beginCreateOrUpdateAndWait(RG, "xv1", "other", { count: 1, vnetSubnetID: b.b }),
    );
    expect({ status: e2.statusCode, code: e2.code }).toEqual({ status: 400, code: "InvalidParameter" });
    const e3 = await errorOf(
      c.aks.agentPools.beginCreateOrUpdateAndWait(RG, "xv1", "other", {
        count: 1,
        vnetSubnetID: a.a,
        podSubnetID: b.pods,
      }),
    );
    expect({ status: e3.statusCode, code: e3.code }).toEqual({ status: 400, code: "InvalidParameter" });
    expect((await errorOf(c.aks.agentPools.get(RG, "xv1", "other"))).statusCode).toBe(404);
    const vmss: string[] = [];
    for await (const v of c.compute.virtualMachineScaleSets.list(nodeRg(RG, "xv1"))) vmss.push(v.name ?? "");
    expect(vmss).toHaveLength(1);
  });

  it("network policy combos", async () => {
    const calico = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "pol1", {
      ...clusterBody({ count: 1 }),
      networkProfile: { networkPlugin: "kubenet", networkPolicy: "calico" },
    });
    expect(calico.networkProfile?.networkPolicy).toBe("calico");
    const cil = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "pol2", {
      ...clusterBody({ count: 1 }),
      networkProfile: {
        networkPlugin: "azure",
        networkPluginMode: "overlay",
        networkPolicy: "cilium",
        networkDataplane: "cilium",
      },
    });
    expect(cil.networkProfile).toMatchObject({ networkPolicy: "cilium", networkDataplane: "cilium" });
    const e = await errorOf(
      c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "pol3", {
        ...clusterBody({ count: 1 }),
        networkProfile: { networkPlugin: "kubenet", networkPolicy: "azure" },
      }),
    );
    expect(e.statusCode).toBe(400);
  });

  it("dual-stack kubenet profile", async () => {
    const mc = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "ds1", {
      ...clusterBody({ count: 1 }),
      networkProfile: {
        networkPlugin: "kubenet",
        ipFamilies: ["IPv4", "IPv6"],
        podCidrs: ["10.244.0.0/16", "fd12:3456:789a::/64"],
        serviceCidrs: ["10.0.0.0/16", "fd12:3456:789a:1::/108"],
      },
    });
    expect(mc.networkProfile).toMatchObject({
      ipFamilies: ["IPv4", "IPv6"],
      podCidr: "10.244.0.0/16",
      serviceCidr: "10.0.0.0/16",
      podCidrs: ["10.244.0.0/16", "fd12:3456:789a::/64"],
      serviceCidrs: ["10.0.0.0/16", "fd12:3456:789a:1::/108"],
    });
  });

  it("dual-stack by ipFamilies alone gets AKS's IPv6 defaults; an update that omits the plural fields keeps them", async () => {
    const mc = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "ds2", {
      ...clusterBody({ count: 1 }),
      networkProfile: { networkPlugin: "azure", networkPluginMode: "overlay", ipFamilies: ["IPv4", "IPv6"] },
    });
    expect(mc.networkProfile).toMatchObject({
      ipFamilies: ["IPv4", "IPv6"],
      podCidrs: ["10.244.0.0/16", "fd12:3456:789a::/64"],
      serviceCidrs: ["10.0.0.0/16", "fd12:3456:789a:1::/108"],
    });
    // A fresh body with only the singular fields (what a hand-written update sends).
    const again = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "ds2", {
      ...clusterBody({ count: 2 }),
      networkProfile: {
        networkPlugin: "azure",
        networkPluginMode: "overlay",
        podCidr: "10.244.0.0/16",
        serviceCidr: "10.0.0.0/16",
      },
    });
    expect(again.agentPoolProfiles?.[0].count).toBe(2);
    expect(again.networkProfile).toMatchObject({
      ipFamilies: ["IPv4", "IPv6"],
      podCidrs: ["10.244.0.0/16", "fd12:3456:789a::/64"],
      serviceCidrs: ["10.0.0.0/16", "fd12:3456:789a:1::/108"],
    });
    // Flat Azure CNI has no pod CIDR: only the service ranges become dual-stack.
    const flat = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "ds3", {
      ...clusterBody({ count: 1 }),
      networkProfile: { networkPlugin: "azure", ipFamilies: ["IPv4", "IPv6"] },
    });
    expect(flat.networkProfile?.podCidrs).toBeUndefined();
    expect(flat.networkProfile?.serviceCidrs).toEqual(["10.0.0.0/16", "fd12:3456:789a:1::/108"]);
  });

  it("outboundType none and userDefinedRouting without a subnet", async () => {
    const none = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "ob1", {
      ...clusterBody({ count: 1 }),
      networkProfile: { networkPlugin: "kubenet", outboundType: "none" },
    });
    expect(none.networkProfile?.outboundType).toBe("none");
    const e = await errorOf(
      c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "ob2", {
        ...clusterBody({ count: 1 }),
        networkProfile: { networkPlugin: "kubenet", outboundType: "userDefinedRouting" },
      }),
    );
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe("InvalidParameter");
  });
});

describe("load balancer outbound IPs", () => {
  it("managedOutboundIPs.count 1 → 3 → 2 reshapes the LB frontends and leaves no stray IP", async () => {
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "lbo", clusterBody({ count: 1 }));
    const MC = nodeRg(RG, "lbo");
    const state = async () => {
      const mc = await c.aks.managedClusters.get(RG, "lbo");
      const lb = await c.net.loadBalancers.get(MC, "kubernetes");
      const ips: string[] = [];
      for await (const p of c.net.publicIPAddresses.list(MC)) ips.push(p.id ?? "");
      return {
        effective: (mc.networkProfile?.loadBalancerProfile?.effectiveOutboundIPs ?? [])
          .map((e) => e.id)
          .sort(),
        frontends: (lb.frontendIPConfigurations ?? []).map((f) => f.publicIPAddress?.id).sort(),
        rule: (lb.outboundRules?.[0]?.frontendIPConfigurations ?? []).length,
        ips: ips.sort(),
      };
    };
    for (const n of [3, 2]) {
      const mc = await c.aks.managedClusters.get(RG, "lbo");
      mc.networkProfile!.loadBalancerProfile!.managedOutboundIPs = { count: n };
      await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "lbo", mc);
      const s = await state();
      expect(s.effective).toHaveLength(n);
      expect(s.frontends).toEqual(s.effective);
      expect(s.ips).toEqual(s.effective);
      expect(s.rule).toBe(n);
    }
  });
});

describe("pools", () => {
  it("maxPods edges 10/250/251 and count 0", async () => {
    const ok = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "mp1",
      clusterBody({
        maxPods: 10,
        count: 1,
        pools: [{ name: "user0", count: 0, mode: "User", maxPods: 250 }],
      }),
    );
    expect(ok.agentPoolProfiles?.map((p) => [p.name, p.count, p.maxPods])).toEqual([
      ["nodepool1", 1, 10],
      ["user0", 0, 250],
    ]);
    const e = await errorOf(
      c.aks.agentPools.beginCreateOrUpdateAndWait(RG, "mp1", "big", { count: 1, maxPods: 251 }),
    );
    expect(e.statusCode).toBe(400);
    const e2 = await errorOf(
      c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "mp2", clusterBody({ count: 0 })),
    );
    expect(e2.statusCode).toBe(400);
    expect(e2.code).toBe("InvalidParameter");
  });

  it("pool names: uppercase and 13 chars refused, windows ≤6", async () => {
    for (const name of ["UserPool", "abcdefghijklm", "1pool"]) {
      const e = await errorOf(c.aks.agentPools.beginCreateOrUpdateAndWait(RG, "mp1", name, { count: 1 }));
      expect(e.statusCode, name).toBe(400);
    }
    const e = await errorOf(
      c.aks.managedClusters.beginCreateOrUpdateAndWait(
        RG,
        "win1",
        clusterBody({
          plugin: "azure",
          overlay: true,
          count: 1,
          pools: [{ name: "winpool", osType: "Windows" }],
        }),
      ),
    );
    expect(e.statusCode).toBe(400);
    const mc = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "win1",
      clusterBody({
        plugin: "azure",
        overlay: true,
        count: 1,
        pools: [{ name: "npwin", osType: "Windows", count: 1, mode: "User" }],
      }),
    );
    expect(mc.agentPoolProfiles?.[1]).toMatchObject({ name: "npwin", osType: "Windows" });
  });

  it("scale up/down through agentPools PUT, GET→PUT round trip of a pool", async () => {
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "sc1", clusterBody({ count: 2 }));
    const p = await c.aks.agentPools.get(RG, "sc1", "nodepool1");
    p.count = 4;
    const up = await c.aks.agentPools.beginCreateOrUpdateAndWait(RG, "sc1", "nodepool1", p);
    expect(up.count).toBe(4);
    const p2 = await c.aks.agentPools.get(RG, "sc1", "nodepool1");
    p2.count = 1;
    const down = await c.aks.agentPools.beginCreateOrUpdateAndWait(RG, "sc1", "nodepool1", p2);
    expect(down.count).toBe(1);
    const vmss: string[] = [];
    for await (const v of c.compute.virtualMachineScaleSetVMs.list(
      nodeRg(RG, "sc1"),
      (await c.aks.agentPools.get(RG, "sc1", "nodepool1")).name ? await vmssName("sc1") : "",
    ))
      vmss.push(v.name ?? "");
    expect(vmss.length).toBe(1);
  });

  it("GET→modify→PUT of the whole cluster (tags, count)", async () => {
    const ids = await vnetWithSubnet(c, RG, "rtv", "10.80.0.0/16", { s: "10.80.0.0/24" });
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "rt1",
      clusterBody({ plugin: "azure", subnetId: ids.s, count: 2 }),
    );
    const mc = await c.aks.managedClusters.get(RG, "rt1");
    mc.tags = { env: "qa" };
    mc.agentPoolProfiles![0].count = 3;
    const out = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "rt1", mc);
    expect(out.tags).toEqual({ env: "qa" });
    expect(out.agentPoolProfiles?.[0].count).toBe(3);
    // A pool added without vnetSubnetID lands in the cluster's subnet and GET shows it;
    // sending that GET back (scale) is no change of subnet.
    const added = await c.aks.agentPools.beginCreateOrUpdateAndWait(RG, "rt1", "extra", {
      count: 1,
      mode: "User",
    });
    expect(added.vnetSubnetID).toBe(ids.s);
    const got = await c.aks.agentPools.get(RG, "rt1", "extra");
    got.count = 2;
    expect((await c.aks.agentPools.beginCreateOrUpdateAndWait(RG, "rt1", "extra", got)).count).toBe(2);
    const whole = await c.aks.managedClusters.get(RG, "rt1");
    whole.agentPoolProfiles![1].count = 1;
    const back = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "rt1", whole);
    expect(back.agentPoolProfiles?.map((p) => [p.name, p.count, p.vnetSubnetID])).toEqual([
      ["nodepool1", 3, ids.s],
      ["extra", 1, ids.s],
    ]);
    // A real subnet change is still refused.
    const other = await vnetWithSubnet(c, RG, "rtv2", "10.81.0.0/16", { s: "10.81.0.0/24" });
    const moved = await c.aks.agentPools.get(RG, "rt1", "extra");
    moved.vnetSubnetID = other.s;
    const e = await errorOf(c.aks.agentPools.beginCreateOrUpdateAndWait(RG, "rt1", "extra", moved));
    expect({ status: e.statusCode, code: e.code }).toEqual({ status: 400, code: "PropertyChangeNotAllowed" });
    // and again for every flavour already created
    for await (const m of c.aks.managedClusters.listByResourceGroup(RG)) {
      const got = await c.aks.managedClusters.get(RG, m.name!);
      const again = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, m.name!, got);
      expect(again.provisioningState, m.name).toBe("Succeeded");
      expect(again.networkProfile, m.name).toEqual(got.networkProfile);
    }
  });
});

async function vmssName(cluster: string): Promise<string> {
  for await (const v of c.compute.virtualMachineScaleSets.list(nodeRg(RG, cluster))) return v.name ?? "";
  return "";
}

describe("api-versions, credentials, tags, ETags, deletes", () => {
  it("SDK clients pinned to other api-versions", async () => {
    for (const apiVersion of ["2026-08-01", "2025-10-01", "2024-09-01", "2022-11-01"]) {
      const aks = new ContainerServiceClient(c.emu.credential, c.emu.subscriptionId, {
        ...c.emu.clientOptions,
        apiVersion,
      });
      const name = `av${apiVersion.replace(/-/g, "")}`;
      const mc = await aks.managedClusters.beginCreateOrUpdateAndWait(RG, name, clusterBody({ count: 1 }));
      expect(mc.provisioningState, apiVersion).toBe("Succeeded");
      const pools: string[] = [];
      for await (const p of aks.agentPools.list(RG, name)) pools.push(p.name ?? "");
      expect(pools).toEqual(["nodepool1"]);
      await aks.managedClusters.beginDeleteAndWait(RG, name);
    }
  });

  it("listClusterUserCredential kubeconfig", async () => {
    const creds = await c.aks.managedClusters.listClusterUserCredentials(RG, "kn1");
    expect(creds.kubeconfigs?.[0].name).toBe("clusterUser");
    const text = Buffer.from(creds.kubeconfigs![0].value!).toString("utf8");
    const kc = parseYaml(text);
    const mc = await c.aks.managedClusters.get(RG, "kn1");
    expect(kc.clusters[0].cluster.server).toBe(`${c.emu.url}/clusters/${mc.resourceUID}`);
    expect(Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64").toString()).toContain(
      "BEGIN CERTIFICATE",
    );
    expect(kc.users[0].user.token).toMatch(/^[0-9a-f]{64}$/);
    expect(kc["current-context"]).toBe("kn1");
    const admin = await c.aks.managedClusters.listClusterAdminCredentials(RG, "kn1");
    expect(admin.kubeconfigs?.[0].name).toBe("clusterAdmin");
    const akc = parseYaml(Buffer.from(admin.kubeconfigs![0].value!).toString("utf8"));
    // AKS names the admin context after the cluster too; az appends "-admin" when merging.
    expect(akc["current-context"]).toBe("kn1");
    expect(akc.contexts[0]).toEqual({
      name: "kn1",
      context: { cluster: "kn1", user: "clusterAdmin_qa_kn1" },
    });
  });

  it("updateTags", async () => {
    const mc = await c.aks.managedClusters.beginUpdateTagsAndWait(RG, "kn1", { tags: { a: "1", b: "2" } });
    expect(mc.tags).toEqual({ a: "1", b: "2" });
    expect((await c.aks.managedClusters.get(RG, "kn1")).tags).toEqual({ a: "1", b: "2" });
  });

  it("delete of absent cluster/pool", async () => {
    await c.aks.managedClusters.beginDeleteAndWait(RG, "nope");
    await c.aks.agentPools.beginDeleteAndWait(RG, "kn1", "nope");
    const r = await c.emu.arm("DELETE", armPath("nope"));
    expect(r.status).toBe(204);
  });

  it("ETag If-Match on cluster and pool", async () => {
    const mc = await c.aks.managedClusters.get(RG, "kn1");
    const e = await errorOf(
      c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "kn1", mc, { ifMatch: '"bogus"' }),
    );
    expect(e.statusCode).toBe(412);
    const ok = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "kn1", mc, { ifMatch: mc.eTag });
    expect(ok.provisioningState).toBe("Succeeded");
    const p = await c.aks.agentPools.get(RG, "kn1", "nodepool1");
    const e2 = await errorOf(
      c.aks.agentPools.beginCreateOrUpdateAndWait(RG, "kn1", "nodepool1", p, { ifMatch: "nope" }),
    );
    expect(e2.statusCode).toBe(412);
    const ok2 = await c.aks.agentPools.beginCreateOrUpdateAndWait(RG, "kn1", "nodepool1", p, {
      ifMatch: p.eTag,
    });
    expect(ok2.provisioningState).toBe("Succeeded");
    const e3 = await errorOf(
      c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "kn1", mc, { ifNoneMatch: "*" }),
    );
    expect(e3.statusCode).toBe(412);
  });
});

describe("agent pool operations", () => {
  it("upgradeNodeImageVersion: accepted and finished at once with the pool (already on the newest image)", async () => {
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "img1", clusterBody({ count: 1 }));
    const before = await c.aks.agentPools.get(RG, "img1", "nodepool1");
    await c.aks.agentPools.beginUpgradeNodeImageVersionAndWait(RG, "img1", "nodepool1");
    const after = await c.aks.agentPools.get(RG, "img1", "nodepool1");
    expect(after.nodeImageVersion).toBe(before.nodeImageVersion);
    expect(after.provisioningState).toBe("Succeeded");
    const missing = await errorOf(c.aks.agentPools.beginUpgradeNodeImageVersionAndWait(RG, "img1", "nope"));
    expect(missing.statusCode).toBe(404);
  });
});

describe("outbound network dependencies", () => {
  it("lists the egress a cluster needs by category; no Windows or GPU category without such a pool", async () => {
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "deps1", clusterBody({ count: 1 }));
    const cats: {
      category?: string;
      endpoints?: { domainName?: string; endpointDetails?: { port?: number }[] }[];
    }[] = [];
    for await (const x of c.aks.managedClusters.listOutboundNetworkDependenciesEndpoints(RG, "deps1"))
      cats.push(x);
    expect(cats.map((x) => x.category)).toEqual([
      "azure-resource-management",
      "images",
      "artifacts",
      "time-sync",
      "ubuntu-optional",
      "apiserver",
      "tunnel-classic",
    ]);
    const images = cats.find((x) => x.category === "images");
    expect(images?.endpoints?.map((e) => e.domainName)).toEqual([
      "mcr.microsoft.com",
      "*.data.mcr.microsoft.com",
    ]);
    expect(cats.find((x) => x.category === "tunnel-classic")?.endpoints?.[0].endpointDetails?.[0].port).toBe(
      9000,
    );
    const missing = await errorOf(
      (async () => {
        for await (const _ of c.aks.managedClusters.listOutboundNetworkDependenciesEndpoints(RG, "nope"))
          break;
      })(),
    );
    expect(missing.statusCode).toBe(404);
  });
});
