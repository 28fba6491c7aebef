// Adversarial QA of node networking through the SDKs: node public IPs from /29 /30 /31
// prefixes, overlapping allowed host port ranges, ASGs in another resource group, gateway
// pools of every size with scale and delete, preview flags, and round trips of all of it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Clients, clusterBody, errorOf, nodeRg, startClients } from "./aks-helpers.js";
import { auditPublicAddresses, pool, registerFeature, vmssPublicIPs } from "./aks-nodenet-helpers.js";

let c: Clients;
const RG = "qanet";
const OTHER = "qaother";

beforeAll(async () => {
  c = await startClients();
  for (const rg of [RG, OTHER]) await c.resources.resourceGroups.createOrUpdate(rg, { location: "eastus" });
});
afterAll(async () => c?.emu.close());

async function audit() {
  const a = await auditPublicAddresses(c);
  expect(a.problems).toEqual([]);
  return a;
}

async function vmssOf(cluster: string, poolName: string): Promise<string> {
  for await (const v of c.compute.virtualMachineScaleSets.list(nodeRg(RG, cluster)))
    if (v.name?.startsWith(`aks-${poolName}-`)) return v.name;
  throw new Error(`no scale set for ${poolName}`);
}

describe("node public IPs from small prefixes", () => {
  it("/29 /30 /31 prefixes take 8/4/2 nodes and refuse one more", async () => {
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "pip", clusterBody({ count: 1 }));
    for (const [len, n] of [
      [29, 8],
      [30, 4],
      [31, 2],
    ]) {
      const prefix = await c.net.publicIPPrefixes.beginCreateOrUpdateAndWait(RG, `p${len}`, {
        location: "eastus",
        prefixLength: len,
        sku: { name: "Standard" },
        publicIPAddressVersion: "IPv4",
      });
      const name = `pp${len}`;
      const e = await errorOf(
        c.aks.agentPools.beginCreateOrUpdateAndWait(
          RG,
          "pip",
          name,
          pool({ count: n + 1, enableNodePublicIP: true, nodePublicIPPrefixID: prefix.id }),
        ),
      );
      expect(e.statusCode, `/${len}`).toBe(400);
      await expect(c.aks.agentPools.get(RG, "pip", name)).rejects.toMatchObject({ statusCode: 404 });
      const ok = await c.aks.agentPools.beginCreateOrUpdateAndWait(
        RG,
        "pip",
        name,
        pool({ count: n, enableNodePublicIP: true, nodePublicIPPrefixID: prefix.id }),
      );
      expect(ok.count).toBe(n);
      const ips = await vmssPublicIPs(c, nodeRg(RG, "pip"), await vmssOf("pip", name));
      expect(ips).toHaveLength(n);
      expect(new Set(ips.map((i) => i.ip)).size).toBe(n);
      // GET → PUT of the pool as read (read-only fields included) changes nothing.
      const got = await c.aks.agentPools.get(RG, "pip", name);
      const again = await c.aks.agentPools.beginCreateOrUpdateAndWait(RG, "pip", name, got);
      expect(again.count).toBe(n);
      // scale up past the prefix refused, nothing changes
      const e2 = await errorOf(
        c.aks.agentPools.beginCreateOrUpdateAndWait(RG, "pip", name, { ...got, count: n + 1 }),
      );
      expect(e2.statusCode).toBe(400);
      expect((await c.aks.agentPools.get(RG, "pip", name)).count).toBe(n);
      await c.aks.agentPools.beginDeleteAndWait(RG, "pip", name);
      await c.net.publicIPPrefixes.beginDeleteAndWait(RG, `p${len}`);
    }
    await audit();
  });
});

describe("allowed host ports and ASGs", () => {
  let asgOther = "";
  it("overlapping ranges and an ASG in another resource group", async () => {
    asgOther =
      (
        await c.net.applicationSecurityGroups.beginCreateOrUpdateAndWait(OTHER, "asgx", {
          location: "eastus",
        })
      ).id ?? "";
    const b = clusterBody({ count: 2 });
    b.agentPoolProfiles![0].networkProfile = {
      allowedHostPorts: [
        { portStart: 8000, portEnd: 9000, protocol: "TCP" },
        { portStart: 8500, portEnd: 9500, protocol: "TCP" },
        { portStart: 8000, portEnd: 9000, protocol: "UDP" },
      ],
      applicationSecurityGroups: [asgOther],
    };
    const mc = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "hp", b);
    expect(mc.provisioningState).toBe("Succeeded");
    expect(mc.agentPoolProfiles?.[0].networkProfile?.applicationSecurityGroups).toEqual([asgOther]);
    const rules: { name: string; prio: number; port: string }[] = [];
    let nsg = "";
    for await (const n of c.net.networkSecurityGroups.list(nodeRg(RG, "hp"))) nsg = n.name ?? "";
    for await (const r of c.net.securityRules.list(nodeRg(RG, "hp"), nsg))
      rules.push({ name: r.name ?? "", prio: r.priority ?? 0, port: r.destinationPortRange ?? "" });
    expect(rules.map((r) => r.port).sort()).toEqual(["8000-9000", "8000-9000", "8500-9500"]);
    expect(new Set(rules.map((r) => r.prio)).size).toBe(3);
    // GET → PUT of the whole cluster keeps everything.
    const got = await c.aks.managedClusters.get(RG, "hp");
    const again = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "hp", got);
    expect(again.agentPoolProfiles?.[0].networkProfile).toEqual(got.agentPoolProfiles?.[0].networkProfile);
  });

  it("a single-port range equal start/end and the extremes 1 and 65535", async () => {
    const p = await c.aks.agentPools.beginCreateOrUpdateAndWait(
      RG,
      "hp",
      "edges",
      pool({
        networkProfile: {
          allowedHostPorts: [
            { portStart: 1, portEnd: 1, protocol: "UDP" },
            { portStart: 65535, portEnd: 65535, protocol: "TCP" },
          ],
        },
      }),
    );
    expect(p.provisioningState).toBe("Succeeded");
    const bad = await errorOf(
      c.aks.agentPools.beginCreateOrUpdateAndWait(
        RG,
        "hp",
        "bad",
        pool({ networkProfile: { allowedHostPorts: [{ portStart: 0, portEnd: 10, protocol: "TCP" }] } }),
      ),
    );
    expect(bad.statusCode).toBe(400);
  });
});

describe("gateway pools", () => {
  it("preview flag unregistered → error names the flag", async () => {
    const b = clusterBody({ count: 1 });
    b.networkProfile = { ...b.networkProfile, staticEgressGatewayProfile: { enabled: true } };
    const e = await errorOf(c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "gw", b));
    expect(e.statusCode).toBe(400);
    expect(e.message).toContain("StaticEgressGatewayPreview");
  });

  it("/28 /29 /31 with scale and delete", async () => {
    await registerFeature(c, "StaticEgressGatewayPreview");
    const b = clusterBody({ count: 1 });
    b.networkProfile = { ...b.networkProfile, staticEgressGatewayProfile: { enabled: true } };
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "gw", b);
    for (const [size, n] of [
      [28, 16],
      [29, 8],
      [31, 2],
    ]) {
      const name = `gw${size}`;
      const gp = (count: number) =>
        pool({ count, mode: "Gateway", gatewayProfile: { publicIPPrefixSize: size } });
      expect(
        (await errorOf(c.aks.agentPools.beginCreateOrUpdateAndWait(RG, "gw", name, gp(n + 1)))).statusCode,
      ).toBe(400);
      const created = await c.aks.agentPools.beginCreateOrUpdateAndWait(RG, "gw", name, gp(1));
      expect(created.gatewayProfile?.publicIPPrefixSize).toBe(size);
      const got = await c.aks.agentPools.get(RG, "gw", name);
      got.count = n;
      expect((await c.aks.agentPools.beginCreateOrUpdateAndWait(RG, "gw", name, got)).count).toBe(n);
      got.count = n + 1;
      expect(
        (await errorOf(c.aks.agentPools.beginCreateOrUpdateAndWait(RG, "gw", name, got))).statusCode,
      ).toBe(400);
    }
    // The whole cluster round-trips with its gateway pools.
    const mc = await c.aks.managedClusters.get(RG, "gw");
    const again = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "gw", mc);
    expect(again.agentPoolProfiles?.length).toBe(4);
    for (const size of [28, 29, 31]) await c.aks.agentPools.beginDeleteAndWait(RG, "gw", `gw${size}`);
    const left: string[] = [];
    for await (const p of c.net.publicIPPrefixes.list(nodeRg(RG, "gw"))) left.push(p.name ?? "");
    expect(left).toEqual([]);
    await audit();
  });
});
