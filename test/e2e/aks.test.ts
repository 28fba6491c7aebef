// Microsoft.ContainerService end to end through the official SDKs: the seed-002 walkthrough
// (kubenet with your own subnet; system- and user-assigned identity; BYO route table), each
// network plugin, scale out/in, pool and cluster delete releasing every allocation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Clients,
  clusterBody,
  errorOf,
  NETWORK_CONTRIBUTOR,
  nodeRg,
  startClients,
  vnetWithSubnet,
} from "./aks-helpers.js";

let c: Clients;
const RG = "myResourceGroup";

beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
});
afterAll(async () => c?.emu.close());

async function routesOf(rg: string, table: string) {
  const out: { name: string; prefix: string; hop: string; type: string }[] = [];
  for await (const r of c.net.routes.list(rg, table))
    out.push({
      name: r.name ?? "",
      prefix: r.addressPrefix ?? "",
      hop: r.nextHopIpAddress ?? "",
      type: r.nextHopType ?? "",
    });
  return out;
}

async function instancesOf(rg: string, vmss: string) {
  const out: string[] = [];
  for await (const vm of c.compute.virtualMachineScaleSetVMs.list(rg, vmss))
    out.push(vm.osProfile?.computerName ?? "");
  return out;
}

describe("seed 002: kubenet with your own subnet, system-assigned identity", () => {
  let subnetId: string;

  it("creates the cluster with nodes in the subnet, pod /24s and one route per node", async () => {
    const ids = await vnetWithSubnet(c, RG, "myAKSVnet", "192.168.0.0/16", { myAKSSubnet: "192.168.1.0/24" });
    subnetId = ids.myAKSSubnet;
    const mc = await c.aks.managedClusters.createOrUpdate(
      RG,
      "myAKSCluster",
      clusterBody({
        subnetId,
        serviceCidr: "10.0.0.0/16",
        dnsServiceIP: "10.0.0.10",
        podCidr: "10.244.0.0/16",
      }),
    );
    expect(mc.provisioningState).toBe("Succeeded");
    expect(mc.nodeResourceGroup).toBe(nodeRg(RG, "myAKSCluster"));
    expect(mc.fqdn).toMatch(/^aks-[0-9a-f]{8}\.hcp\.eastus\.azmk8s\.io$/);
    expect(mc.networkProfile).toMatchObject({
      networkPlugin: "kubenet",
      podCidr: "10.244.0.0/16",
      serviceCidr: "10.0.0.0/16",
      dnsServiceIP: "10.0.0.10",
      outboundType: "loadBalancer",
      loadBalancerSku: "standard",
      podCidrs: ["10.244.0.0/16"],
      serviceCidrs: ["10.0.0.0/16"],
      ipFamilies: ["IPv4"],
    });
    expect(mc.identity?.type).toBe("SystemAssigned");
    expect(mc.identity?.principalId).toMatch(/^[0-9a-f-]{36}$/);
    expect(mc.agentPoolProfiles?.[0]).toMatchObject({
      name: "nodepool1",
      count: 3,
      maxPods: 110,
      vnetSubnetID: subnetId,
    });
    expect(mc.eTag).toBeTruthy();

    const mc_ = nodeRg(RG, "myAKSCluster");
    const tables: string[] = [];
    for await (const t of c.net.routeTables.list(mc_)) tables.push(t.name ?? "");
    expect(tables).toHaveLength(1);
    expect(tables[0]).toMatch(/^aks-agentpool-\d{8}-routetable$/);
    const subnet = await c.net.subnets.get(RG, "myAKSVnet", "myAKSSubnet");
    expect(subnet.routeTable?.id?.toLowerCase()).toContain(tables[0].toLowerCase());
    expect(subnet.networkSecurityGroup).toBeUndefined();
    const routes = await routesOf(mc_, tables[0]);
    const vmssName = tables[0].replace("agentpool", "nodepool1").replace("-routetable", "-vmss");
    expect(routes).toEqual([
      { name: `${vmssName}000000`, prefix: "10.244.0.0/24", hop: "192.168.1.4", type: "VirtualAppliance" },
      { name: `${vmssName}000001`, prefix: "10.244.1.0/24", hop: "192.168.1.5", type: "VirtualAppliance" },
      { name: `${vmssName}000002`, prefix: "10.244.2.0/24", hop: "192.168.1.6", type: "VirtualAppliance" },
    ]);
    expect(await instancesOf(mc_, vmssName)).toEqual([
      `${vmssName}000000`,
      `${vmssName}000001`,
      `${vmssName}000002`,
    ]);
    const vmss = await c.compute.virtualMachineScaleSets.get(mc_, vmssName);
    expect(vmss.sku?.capacity).toBe(3);
    const nic = vmss.virtualMachineProfile?.networkProfile?.networkInterfaceConfigurations?.[0];
    expect(nic?.ipConfigurations?.[0]?.subnet?.id).toBe(subnetId);
    expect(nic?.networkSecurityGroup?.id).toMatch(/aks-agentpool-\d{8}-nsg$/);
    // The CLI's grant: Network Contributor on the subnet for the cluster identity.
    const grants: string[] = [];
    for await (const a of c.auth.roleAssignments.listForScope(subnetId, { filter: "atScope()" }))
      grants.push(`${a.principalId}:${a.roleDefinitionId?.split("/").pop()}`);
    expect(grants).toContain(`${mc.identity?.principalId}:${NETWORK_CONTRIBUTOR}`);
  });

  it("scales out with new pod blocks and routes, and in by removing the highest nodes", async () => {
    const mc_ = nodeRg(RG, "myAKSCluster");
    await c.aks.agentPools.createOrUpdate(RG, "myAKSCluster", "nodepool1", { count: 5 });
    const tables: string[] = [];
    for await (const t of c.net.routeTables.list(mc_)) tables.push(t.name ?? "");
    let routes = await routesOf(mc_, tables[0]);
    expect(routes.map((r) => [r.prefix, r.hop])).toEqual([
      ["10.244.0.0/24", "192.168.1.4"],
      ["10.244.1.0/24", "192.168.1.5"],
      ["10.244.2.0/24", "192.168.1.6"],
      ["10.244.3.0/24", "192.168.1.7"],
      ["10.244.4.0/24", "192.168.1.8"],
    ]);
    await c.aks.agentPools.createOrUpdate(RG, "myAKSCluster", "nodepool1", { count: 2 });
    routes = await routesOf(mc_, tables[0]);
    expect(routes.map((r) => r.name.slice(-6))).toEqual(["000000", "000001"]);
    // Next-fit: the next node gets a new block (10.244.5.0/24), not a freed one; instance ids never repeat.
    await c.aks.agentPools.createOrUpdate(RG, "myAKSCluster", "nodepool1", { count: 3 });
    routes = await routesOf(mc_, tables[0]);
    expect(routes.map((r) => [r.name.slice(-6), r.prefix, r.hop])).toEqual([
      ["000000", "10.244.0.0/24", "192.168.1.4"],
      ["000001", "10.244.1.0/24", "192.168.1.5"],
      ["000005", "10.244.5.0/24", "192.168.1.6"],
    ]);
    const subnet = await c.net.subnets.get(RG, "myAKSVnet", "myAKSSubnet");
    expect(subnet.ipConfigurations).toHaveLength(3);
  });

  it("deleting the cluster frees the subnet, detaches the route table and removes MC_", async () => {
    await c.aks.managedClusters.delete(RG, "myAKSCluster");
    const e = await errorOf(c.aks.managedClusters.get(RG, "myAKSCluster"));
    expect(e.statusCode).toBe(404);
    const g = await errorOf(c.resources.resourceGroups.get(nodeRg(RG, "myAKSCluster")));
    expect(g.statusCode).toBe(404);
    const subnet = await c.net.subnets.get(RG, "myAKSVnet", "myAKSSubnet");
    expect(subnet.ipConfigurations ?? []).toHaveLength(0);
    expect(subnet.routeTable).toBeUndefined();
  });
});
