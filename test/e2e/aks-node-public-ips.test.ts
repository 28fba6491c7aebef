// Seeds 000/003 at API level through @azure/arm-containerservice + @azure/arm-network: node
// public IPs per instance (real public IPs in MC_, listed through the VMSS public-IP API),
// from a prefix (a /28 takes 16 nodes and refuses the 17th with nothing half-made), IP tags
// behind their preview flag, and every address returned on scale-in and delete.
import type { ManagedCluster } from "@azure/arm-containerservice";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Clients, clusterBody, errorOf, nodeRg, startClients } from "./aks-helpers.js";
import { auditPublicAddresses, pool, registerFeature, vmssPublicIPs } from "./aks-nodenet-helpers.js";

let c: Clients;

beforeAll(async () => {
  c = await startClients();
  for (const rg of ["myResourceGroup2", "myResourceGroup3", "tags"])
    await c.resources.resourceGroups.createOrUpdate(rg, { location: "eastus" });
});
afterAll(async () => c?.emu.close());

/** `az aks create --enable-node-public-ip [--node-public-ip-prefix P] [--node-count N]`. */
function publicIpCluster(o: { count?: number; prefix?: string; tags?: boolean; version?: string } = {}) {
  const b = clusterBody({ count: o.count ?? 3 });
  const p = b.agentPoolProfiles?.[0];
  if (!p) throw new Error("no pool");
  p.enableNodePublicIP = true;
  if (o.prefix) p.nodePublicIPPrefixID = o.prefix;
  if (o.tags) p.networkProfile = { nodePublicIPTags: [{ ipTagType: "RoutingPreference", tag: "Internet" }] };
  if (o.version) {
    b.kubernetesVersion = o.version;
    p.orchestratorVersion = o.version;
  }
  return b as ManagedCluster;
}

async function vmssNames(rg: string): Promise<string[]> {
  const out: string[] = [];
  for await (const v of c.compute.virtualMachineScaleSets.list(rg)) out.push(v.name ?? "");
  return out.sort();
}

async function audit() {
  const a = await auditPublicAddresses(c);
  expect(a.problems).toEqual([]);
  return a;
}

const inPrefix = (ip: string, prefix: string) => {
  const [base, len] = prefix.split("/");
  const toN = (s: string) => s.split(".").reduce((n, o) => n * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(len));
  return toN(ip) >= toN(base) && toN(ip) < toN(base) + size;
};

describe("seed 003: az aks create --enable-node-public-ip", () => {
  const RG = "myResourceGroup2";
  const MC = nodeRg(RG, "MyManagedCluster");

  it("gives every node its own public IP, listed by az vmss list-instance-public-ips", async () => {
    const mc = await c.aks.managedClusters.createOrUpdate(RG, "MyManagedCluster", publicIpCluster());
    expect(mc.provisioningState).toBe("Succeeded");
    expect(mc.agentPoolProfiles?.[0]?.enableNodePublicIP).toBe(true);
    const [vmss] = await vmssNames(MC);
    // The scale set GET az sends first (2020-06-01 among others) shows the instance-level configuration.
    const res = await c.emu.arm(
      "GET",
      `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${MC}/providers/Microsoft.Compute/virtualMachineScaleSets/${vmss}?api-version=2020-06-01`,
    );
    expect(res.status).toBe(200);
    const model = await c.compute.virtualMachineScaleSets.get(MC, vmss);
    const ipcfg =
      model.virtualMachineProfile?.networkProfile?.networkInterfaceConfigurations?.[0]?.ipConfigurations?.[0];
    expect(ipcfg?.publicIPAddressConfiguration?.name).toBe("pub1");

    const ips = await vmssPublicIPs(c, MC, vmss);
    expect(ips).toHaveLength(3);
    expect(new Set(ips.map((i) => i.ip)).size).toBe(3);
    for (const [i, ip] of ips.entries()) {
      expect(ip.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(ip.id).toBe(
        `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${MC}/providers/Microsoft.Compute/virtualMachineScaleSets/${vmss}/virtualMachines/${i}/networkInterfaces/${vmss}/ipConfigurations/ipconfig1/publicIPAddresses/pub1`,
      );
      expect(ip.holder).toBe(ip.id.replace(/\/publicIPAddresses\/pub1$/, ""));
    }
    // Each is a real Standard/Static public IP in the node resource group, attached to the NIC.
    const real: string[] = [];
    for await (const p of c.net.publicIPAddresses.list(MC)) {
      if (p.tags?.["aks-managed-type"] !== "aks-node-public-ip") continue;
      expect(p.sku?.name).toBe("Standard");
      expect(p.publicIPAllocationMethod).toBe("Static");
      expect(p.ipConfiguration?.id).toMatch(
        /\/virtualMachines\/\d+\/networkInterfaces\/.*\/ipConfigurations\/ipconfig1$/,
      );
      real.push(p.ipAddress ?? "");
    }
    expect(real.sort()).toEqual(ips.map((i) => i.ip).sort());
    // Per-instance variants and the instance NIC.
    const one: string[] = [];
    for await (const p of c.net.publicIPAddresses.listVirtualMachineScaleSetVMPublicIPAddresses(
      MC,
      vmss,
      "1",
      vmss,
      "ipconfig1",
    ))
      one.push(p.ipAddress ?? "");
    expect(one).toEqual([ips[1].ip]);
    const got = await c.net.publicIPAddresses.getVirtualMachineScaleSetPublicIPAddress(
      MC,
      vmss,
      "2",
      vmss,
      "ipconfig1",
      "pub1",
    );
    expect(got.ipAddress).toBe(ips[2].ip);
    const nic = await c.net.networkInterfaces.getVirtualMachineScaleSetNetworkInterface(MC, vmss, "0", vmss);
    expect(nic.ipConfigurations?.[0]?.publicIPAddress?.id).toBe(ips[0].id);
    expect(nic.ipConfigurations?.[0]?.privateIPAddress).toMatch(/^10\.224\.0\.\d+$/);
    const missing = await errorOf(
      c.net.publicIPAddresses.getVirtualMachineScaleSetPublicIPAddress(
        MC,
        vmss,
        "9",
        vmss,
        "ipconfig1",
        "pub1",
      ),
    );
    expect(missing.statusCode).toBe(404);
    await audit();
  });

  it("az aks nodepool add --enable-node-public-ip: a new pool with its own unique IPs", async () => {
    await c.aks.agentPools.createOrUpdate(
      RG,
      "MyManagedCluster",
      "nodepool2",
      pool({ count: 2, enableNodePublicIP: true }),
    );
    const all: string[] = [];
    for (const v of await vmssNames(MC)) all.push(...(await vmssPublicIPs(c, MC, v)).map((i) => i.ip));
    expect(all).toHaveLength(5);
    expect(new Set(all).size).toBe(5);
    await audit();
  });

  it("scale-in and pool delete return the addresses; the setting cannot change on a pool", async () => {
    await c.aks.agentPools.createOrUpdate(
      RG,
      "MyManagedCluster",
      "nodepool2",
      pool({ count: 1, enableNodePublicIP: true }),
    );
    const vmss2 = (await vmssNames(MC)).find((n) => n.includes("nodepool2")) ?? "";
    expect(await vmssPublicIPs(c, MC, vmss2)).toHaveLength(1);
    const flip = await errorOf(
      c.aks.agentPools.createOrUpdate(
        RG,
        "MyManagedCluster",
        "nodepool2",
        pool({ count: 1, enableNodePublicIP: false }),
      ),
    );
    expect({ status: flip.statusCode, code: flip.code }).toEqual({
      status: 400,
      code: "PropertyChangeNotAllowed",
    });
    await c.aks.agentPools.delete(RG, "MyManagedCluster", "nodepool2");
    expect((await audit()).nodePips).toBe(3);
    // Plain pools get none.
    await c.aks.agentPools.createOrUpdate(RG, "MyManagedCluster", "plain", pool({ count: 2 }));
    const vmss3 = (await vmssNames(MC)).find((n) => n.includes("plain")) ?? "";
    expect(await vmssPublicIPs(c, MC, vmss3)).toEqual([]);
    expect((await audit()).nodePips).toBe(3);
  });
});

describe("seed 003: --node-public-ip-prefix", () => {
  const RG = "myResourceGroup3";
  const MC = nodeRg(RG, "MyManagedCluster");
  let prefixId = "";
  let cidr = "";

  it("az network public-ip prefix create --length 28; nodes take its lowest addresses", async () => {
    const p = await c.net.publicIPPrefixes.beginCreateOrUpdateAndWait(RG, "MyPublicIPPrefix", {
      location: "eastus",
      prefixLength: 28,
    });
    prefixId = p.id ?? "";
    cidr = p.ipPrefix ?? "";
    // The seed passes the id with a lower-cased 'resourcegroups'.
    const mc = await c.aks.managedClusters.createOrUpdate(
      RG,
      "MyManagedCluster",
      publicIpCluster({ count: 3, prefix: prefixId.replace("/resourceGroups/", "/resourcegroups/") }),
    );
    expect(mc.provisioningState).toBe("Succeeded");
    const [vmss] = await vmssNames(MC);
    const ips = await vmssPublicIPs(c, MC, vmss);
    expect(ips).toHaveLength(3);
    const base = cidr.split("/")[0].split(".").map(Number);
    expect(ips.map((i) => i.ip)).toEqual([0, 1, 2].map((k) => [...base.slice(0, 3), base[3] + k].join(".")));
    for (const ip of ips) {
      expect(inPrefix(ip.ip, cidr)).toBe(true);
      expect(ip.prefix?.toLowerCase()).toBe(prefixId.toLowerCase());
    }
    const got = await c.net.publicIPPrefixes.get(RG, "MyPublicIPPrefix");
    expect(got.publicIPAddresses).toHaveLength(3);
    await audit();
  });

  it("a /28 takes 16 nodes and refuses the 17th before anything is created", async () => {
    await c.aks.agentPools.createOrUpdate(
      RG,
      "MyManagedCluster",
      "more",
      pool({ count: 13, enableNodePublicIP: true, nodePublicIPPrefixID: prefixId }),
    );
    const before = await audit();
    expect(before.prefixRows).toBe(16);
    const names = await vmssNames(MC);
    const add = await errorOf(
      c.aks.agentPools.createOrUpdate(
        RG,
        "MyManagedCluster",
        "extra",
        pool({ count: 1, enableNodePublicIP: true, nodePublicIPPrefixID: prefixId }),
      ),
    );
    expect({ status: add.statusCode, code: add.code }).toEqual({
      status: 400,
      code: "PublicIpPrefixOutOfIpAddressesForVMScaleSet",
    });
    expect(add.message).toContain(prefixId);
    expect(add.message).toContain("16 public ips at maximum");
    expect(add.message).toContain("(0 free)");
    expect(add.message).toContain("requires 1 more");
    const scale = await errorOf(
      c.aks.agentPools.createOrUpdate(
        RG,
        "MyManagedCluster",
        "more",
        pool({ count: 14, enableNodePublicIP: true, nodePublicIPPrefixID: prefixId }),
      ),
    );
    expect(scale.code).toBe("PublicIpPrefixOutOfIpAddressesForVMScaleSet");
    // Nothing half-made: no new pool, scale set, public IP or allocation.
    expect((await errorOf(c.aks.agentPools.get(RG, "MyManagedCluster", "extra"))).statusCode).toBe(404);
    expect((await c.aks.agentPools.get(RG, "MyManagedCluster", "more")).count).toBe(13);
    expect(await vmssNames(MC)).toEqual(names);
    const after = await audit();
    expect(after).toEqual(before);
  });

  it("the prefix cannot be deleted while nodes use it; scale-in and delete give addresses back", async () => {
    const del = await errorOf(c.net.publicIPPrefixes.beginDeleteAndWait(RG, "MyPublicIPPrefix"));
    expect(del.code).toBe("InUsePublicIpPrefixCannotBeDeleted");
    await c.aks.agentPools.createOrUpdate(
      RG,
      "MyManagedCluster",
      "more",
      pool({ count: 10, enableNodePublicIP: true, nodePublicIPPrefixID: prefixId }),
    );
    expect((await audit()).prefixRows).toBe(13);
    await c.aks.agentPools.delete(RG, "MyManagedCluster", "more");
    expect((await audit()).prefixRows).toBe(3);
    await c.aks.managedClusters.delete(RG, "MyManagedCluster");
    const a = await audit();
    expect(a.prefixRows).toBe(0);
    expect(a.nodePips).toBe(3); // the seed-003 cluster of the other group is still there
    expect((await c.net.publicIPPrefixes.get(RG, "MyPublicIPPrefix")).publicIPAddresses ?? []).toEqual([]);
    await c.net.publicIPPrefixes.beginDeleteAndWait(RG, "MyPublicIPPrefix");
  });

  it("refuses a prefix id without node public IPs, a missing prefix and one in another region", async () => {
    const other = await c.net.publicIPPrefixes.beginCreateOrUpdateAndWait(RG, "west", {
      location: "westus",
      prefixLength: 30,
    });
    const b1 = publicIpCluster({ prefix: other.id });
    const p1 = b1.agentPoolProfiles?.[0];
    if (p1) p1.enableNodePublicIP = false;
    const e1 = await errorOf(c.aks.managedClusters.createOrUpdate(RG, "bad1", b1));
    expect({ status: e1.statusCode, code: e1.code }).toEqual({ status: 400, code: "InvalidParameter" });
    const e2 = await errorOf(
      c.aks.managedClusters.createOrUpdate(RG, "bad2", publicIpCluster({ prefix: `${other.id}-nope` })),
    );
    expect(e2.code).toBe("PublicIPPrefixNotFound");
    const e3 = await errorOf(
      c.aks.managedClusters.createOrUpdate(RG, "bad3", publicIpCluster({ prefix: other.id })),
    );
    expect(e3.code).toBe("InvalidParameter");
    expect(e3.message).toContain("westus");
    for (const n of ["bad1", "bad2", "bad3"])
      expect((await errorOf(c.resources.resourceGroups.get(nodeRg(RG, n)))).statusCode).toBe(404);
  });
});

describe("node public IP tags (preview NodePublicIPTagsPreview, Kubernetes ≥ 1.24)", () => {
  const RG = "tags";

  it("needs the feature flag, then a Kubernetes version of at least 1.24", async () => {
    const e = await errorOf(c.aks.managedClusters.createOrUpdate(RG, "t", publicIpCluster({ tags: true })));
    expect({ status: e.statusCode, code: e.code }).toEqual({
      status: 400,
      code: "PreviewFeatureNotRegistered",
    });
    expect(e.message).toContain("Microsoft.ContainerService/NodePublicIPTagsPreview");
    await registerFeature(c, "NodePublicIPTagsPreview");
    const old = await errorOf(
      c.aks.managedClusters.createOrUpdate(RG, "t", publicIpCluster({ tags: true, version: "1.23" })),
    );
    expect(old.code).toBe("KubernetesVersionNotSupported");
    expect(old.message).toContain("1.24");
    const noPip = publicIpCluster({ tags: true });
    const p = noPip.agentPoolProfiles?.[0];
    if (p) p.enableNodePublicIP = false;
    expect((await errorOf(c.aks.managedClusters.createOrUpdate(RG, "t", noPip))).code).toBe(
      "InvalidParameter",
    );
  });

  it("puts RoutingPreference=Internet on every node public IP (create and nodepool add)", async () => {
    await c.aks.managedClusters.createOrUpdate(RG, "t", publicIpCluster({ count: 2, tags: true }));
    await c.aks.agentPools.createOrUpdate(
      RG,
      "t",
      "tagged2",
      pool({
        count: 2,
        enableNodePublicIP: true,
        networkProfile: { nodePublicIPTags: [{ ipTagType: "RoutingPreference", tag: "Internet" }] },
      }),
    );
    const MC = nodeRg(RG, "t");
    let n = 0;
    for (const v of await vmssNames(MC))
      for (const ip of await vmssPublicIPs(c, MC, v)) {
        expect(ip.tags).toEqual([{ ipTagType: "RoutingPreference", tag: "Internet" }]);
        n++;
      }
    expect(n).toBe(4);
    for await (const p of c.net.publicIPAddresses.list(MC))
      if (p.tags?.["aks-managed-type"] === "aks-node-public-ip")
        expect(p.ipTags).toEqual([{ ipTagType: "RoutingPreference", tag: "Internet" }]);
    const change = await errorOf(
      c.aks.agentPools.createOrUpdate(
        RG,
        "t",
        "tagged2",
        pool({ count: 2, enableNodePublicIP: true, networkProfile: { nodePublicIPTags: [] } }),
      ),
    );
    expect(change.code).toBe("PropertyChangeNotAllowed");
    await audit();
  });
});

describe("property: random create/scale/delete sequences keep every address owned exactly once", () => {
  const RG = "prop";
  type Op = { kind: "put"; pool: string; count: number; prefix: boolean } | { kind: "delete"; pool: string };

  it("never leaves a public IP or prefix address owned by nothing or by two", async () => {
    await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
    const prefix = await c.net.publicIPPrefixes.beginCreateOrUpdateAndWait(RG, "p28", {
      location: "eastus",
      prefixLength: 28,
    });
    const prefixId = prefix.id ?? "";
    await c.aks.managedClusters.createOrUpdate(RG, "prop", publicIpCluster({ count: 1, prefix: prefixId }));
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("put" as const),
        pool: fc.constantFrom("a", "b", "c"),
        count: fc.integer({ min: 0, max: 9 }),
        prefix: fc.boolean(),
      }),
      fc.record({ kind: fc.constant("delete" as const), pool: fc.constantFrom("a", "b", "c") }),
    );
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 8 }), async (ops: Op[]) => {
        runs++;
        for (const o of ops) {
          const existing = await c.aks.agentPools.get(RG, "prop", o.pool).catch(() => undefined);
          const before = await auditPublicAddresses(c);
          if (o.kind === "delete") {
            if (existing) await c.aks.agentPools.delete(RG, "prop", o.pool);
          } else {
            // A pool keeps its prefix choice (immutable); new pools pick at random.
            const usePrefix = existing ? Boolean(existing.nodePublicIPPrefixID) : o.prefix;
            const body = pool({
              count: o.count,
              enableNodePublicIP: true,
              ...(usePrefix ? { nodePublicIPPrefixID: prefixId } : {}),
            });
            const res = await c.aks.agentPools.createOrUpdate(RG, "prop", o.pool, body).then(
              () => undefined,
              (e: { code?: string }) => e,
            );
            if (res) {
              // Only the prefix running out may refuse, and then nothing changed.
              expect(res.code).toBe("PublicIpPrefixOutOfIpAddressesForVMScaleSet");
              expect(await auditPublicAddresses(c)).toEqual(before);
            }
          }
          const a = await auditPublicAddresses(c);
          expect(a.problems).toEqual([]);
          expect(a.prefixRows).toBeLessThanOrEqual(16);
        }
      }),
      { numRuns: 25, seed: 4242 },
    );
    expect(runs).toBe(25);
    // Deleting the cluster returns every address of the prefix.
    await c.aks.managedClusters.delete(RG, "prop");
    expect((await auditPublicAddresses(c)).problems).toEqual([]);
    expect((await c.net.publicIPPrefixes.get(RG, "p28")).publicIPAddresses ?? []).toEqual([]);
  });
});
