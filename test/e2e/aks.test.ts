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
    expect(mc.eTag).toMatch(/\S/);
    expect((await c.aks.managedClusters.get(RG, "myAKSCluster")).eTag).toBe(mc.eTag);

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
    // The `kubernetes` load balancer with the outbound public IP, nodes in its backend pool.
    const lb = await c.net.loadBalancers.get(mc_, "kubernetes");
    const pipId = lb.frontendIPConfigurations?.[0]?.publicIPAddress?.id ?? "";
    expect(mc.networkProfile?.loadBalancerProfile?.effectiveOutboundIPs?.map((x) => x.id)).toEqual([pipId]);
    const pip = await c.net.publicIPAddresses.get(mc_, pipId.split("/").pop() ?? "");
    expect(pip.ipAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(lb.outboundRules?.[0]?.name).toBe("aksOutboundRule");
    expect(nic?.ipConfigurations?.[0]?.loadBalancerBackendAddressPools?.[0]?.id).toBe(
      lb.backendAddressPools?.[0]?.id,
    );
    // ARM grants nothing on a BYO subnet: that is the client's job (az, after the PUT).
    const grants: string[] = [];
    for await (const a of c.auth.roleAssignments.listForScope(subnetId, { filter: "atScope()" }))
      grants.push(`${a.principalId}:${a.roleDefinitionId?.split("/").pop()}`);
    expect(grants).toEqual([]);
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

describe("seed 002: user-assigned identity and your own route table", () => {
  const rg = "byo-rt";
  let subnetId: string;
  let vnetId: string;
  let identityId: string;
  let principalId: string;

  it("needs Network Contributor on the VNet before create, then uses the subnet's route table", async () => {
    await c.resources.resourceGroups.createOrUpdate(rg, { location: "eastus" });
    subnetId = (await vnetWithSubnet(c, rg, "vnet", "192.168.0.0/16", { aks: "192.168.1.0/24" })).aks;
    vnetId = subnetId.replace(/\/subnets\/aks$/, "");
    const id = await c.msi.userAssignedIdentities.createOrUpdate(rg, "myIdentity", { location: "eastus" });
    identityId = id.id ?? "";
    principalId = id.principalId ?? "";
    expect(id.clientId).toMatch(/^[0-9a-f-]{36}$/);
    // A custom route table with a user route (0.0.0.0/0 to a firewall), attached to the subnet.
    const rt = await c.net.routeTables.beginCreateOrUpdateAndWait(rg, "myRouteTable", {
      location: "eastus",
      routes: [
        {
          name: "to-firewall",
          addressPrefix: "0.0.0.0/0",
          nextHopType: "VirtualAppliance",
          nextHopIpAddress: "192.168.2.4",
        },
      ],
    });
    await c.net.subnets.beginCreateOrUpdateAndWait(rg, "vnet", "aks", {
      addressPrefix: "192.168.1.0/24",
      routeTable: { id: rt.id },
    });

    const denied = await errorOf(
      c.aks.managedClusters.createOrUpdate(rg, "uai", clusterBody({ subnetId, identityId })),
    );
    expect(denied.statusCode).toBe(400);
    expect(denied.code).toBe("ClusterIdentityMissingSubnetPermission");

    // az role assignment create --assignee <principal> --scope $VNET_ID --role "Network Contributor"
    const defs: string[] = [];
    for await (const d of c.auth.roleDefinitions.list(vnetId, {
      filter: "roleName eq 'Network Contributor'",
    }))
      defs.push(d.id ?? "");
    expect(defs).toHaveLength(1);
    await c.auth.roleAssignments.create(vnetId, "0b5f2a2c-8c4f-4c55-9a0e-3a1f0b6f2a01", {
      roleDefinitionId: defs[0],
      principalId,
      principalType: "ServicePrincipal",
    });

    const mc = await c.aks.managedClusters.createOrUpdate(rg, "uai", clusterBody({ subnetId, identityId }));
    expect(mc.provisioningState).toBe("Succeeded");
    expect(mc.identity?.type).toBe("UserAssigned");
    expect(mc.identity?.userAssignedIdentities?.[identityId]?.principalId).toBe(principalId);
    expect(mc.identityProfile?.kubeletidentity?.resourceId).toContain(
      `/resourceGroups/${nodeRg(rg, "uai")}/`,
    );
    // No route table of its own: the BYO table holds the user route and one route per node.
    const own: string[] = [];
    for await (const t of c.net.routeTables.list(nodeRg(rg, "uai"))) own.push(t.name ?? "");
    expect(own).toEqual([]);
    const routes = await routesOf(rg, "myRouteTable");
    expect(routes.map((r) => r.prefix)).toEqual([
      "0.0.0.0/0",
      "10.244.0.0/24",
      "10.244.1.0/24",
      "10.244.2.0/24",
    ]);
  });

  it("refuses changes to AKS routes through the Network API, allows user routes", async () => {
    const aksRoute = (await routesOf(rg, "myRouteTable"))[1].name;
    const change = await errorOf(
      c.net.routes.beginCreateOrUpdateAndWait(rg, "myRouteTable", aksRoute, {
        addressPrefix: "10.244.0.0/24",
        nextHopType: "None",
      }),
    );
    expect(change.code).toBe("RouteManagedByCluster");
    const del = await errorOf(c.net.routes.beginDeleteAndWait(rg, "myRouteTable", aksRoute));
    expect(del.code).toBe("RouteManagedByCluster");
    await c.net.routes.beginCreateOrUpdateAndWait(rg, "myRouteTable", "onprem", {
      addressPrefix: "172.16.0.0/12",
      nextHopType: "VirtualNetworkGateway",
    });
    expect((await routesOf(rg, "myRouteTable")).map((r) => r.name)).toContain("onprem");
  });

  it("refuses a second kubenet cluster on the subnet and a BYO route table with a system identity", async () => {
    const twice = await errorOf(
      c.aks.managedClusters.createOrUpdate(rg, "second", clusterBody({ subnetId, identityId })),
    );
    expect(twice.code).toBe("SubnetUsedByAnotherKubenetCluster");
    const s2 = (await vnetWithSubnet(c, rg, "vnet2", "192.169.0.0/16", { s: "192.169.1.0/24" })).s;
    const rt = await c.net.routeTables.beginCreateOrUpdateAndWait(rg, "rt2", { location: "eastus" });
    await c.net.subnets.beginCreateOrUpdateAndWait(rg, "vnet2", "s", {
      addressPrefix: "192.169.1.0/24",
      routeTable: { id: rt.id },
    });
    const sys = await errorOf(c.aks.managedClusters.createOrUpdate(rg, "sys", clusterBody({ subnetId: s2 })));
    expect(sys.code).toBe("CustomRouteTableWithUnsupportedMSIType");
    // The route table already serving a cluster cannot serve another (attached to a second subnet).
    const s3 = (await vnetWithSubnet(c, rg, "vnet3", "192.170.0.0/16", { s: "192.170.1.0/24" })).s;
    const first = await c.net.routeTables.get(rg, "myRouteTable");
    await c.net.subnets.beginCreateOrUpdateAndWait(rg, "vnet3", "s", {
      addressPrefix: "192.170.1.0/24",
      routeTable: { id: first.id },
    });
    await c.auth.roleAssignments.create(
      `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${rg}`,
      "0b5f2a2c-8c4f-4c55-9a0e-3a1f0b6f2a02",
      {
        roleDefinitionId: `/subscriptions/${c.emu.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${NETWORK_CONTRIBUTOR}`,
        principalId,
      },
    );
    const shared = await errorOf(
      c.aks.managedClusters.createOrUpdate(rg, "shared", clusterBody({ subnetId: s3, identityId })),
    );
    expect(shared.code).toBe("RouteTableUsedByAnotherCluster");
  });

  it("deleting the cluster removes its routes but keeps the BYO table, its user routes and association", async () => {
    await c.aks.managedClusters.delete(rg, "uai");
    expect((await routesOf(rg, "myRouteTable")).map((r) => r.name)).toEqual(["to-firewall", "onprem"]);
    const subnet = await c.net.subnets.get(rg, "vnet", "aks");
    expect(subnet.routeTable?.id).toContain("myRouteTable");
    expect(subnet.ipConfigurations ?? []).toHaveLength(0);
    // The table is free again: a new cluster may use it.
    const again = await c.aks.managedClusters.createOrUpdate(
      rg,
      "uai2",
      clusterBody({ subnetId, identityId, count: 1 }),
    );
    expect(again.provisioningState).toBe("Succeeded");
    await c.aks.managedClusters.delete(rg, "uai2");
  });
});

describe("network plugins", () => {
  const rg = "plugins";
  beforeAll(async () => {
    await c.resources.resourceGroups.createOrUpdate(rg, { location: "eastus" });
  });

  it("default: AKS creates aks-vnet-<n> 10.224.0.0/12 with aks-subnet, NSG and route table attached", async () => {
    const mc = await c.aks.managedClusters.createOrUpdate(rg, "default", clusterBody({ count: 2 }));
    const mc_ = nodeRg(rg, "default");
    const vnets: { name: string; space: string[] }[] = [];
    for await (const v of c.net.virtualNetworks.list(mc_))
      vnets.push({ name: v.name ?? "", space: v.addressSpace?.addressPrefixes ?? [] });
    expect(vnets).toHaveLength(1);
    expect(vnets[0].name).toMatch(/^aks-vnet-\d{8}$/);
    expect(vnets[0].space).toEqual(["10.224.0.0/12"]);
    const subnet = await c.net.subnets.get(mc_, vnets[0].name, "aks-subnet");
    expect(subnet.addressPrefix).toBe("10.224.0.0/16");
    expect(subnet.networkSecurityGroup?.id).toMatch(/aks-agentpool-\d{8}-nsg$/);
    expect(subnet.routeTable?.id).toMatch(/aks-agentpool-\d{8}-routetable$/);
    expect(subnet.ipConfigurations?.length).toBe(2);
    expect(mc.agentPoolProfiles?.[0]?.vnetSubnetID).toBeUndefined();
    const identities: string[] = [];
    for await (const i of c.msi.userAssignedIdentities.listByResourceGroup(mc_))
      identities.push(i.name ?? "");
    expect(identities).toEqual(["default-agentpool"]);
  });

  it("azure CNI: each node takes 1 + maxPods subnet addresses, no route table", async () => {
    const s = (await vnetWithSubnet(c, rg, "cni", "10.10.0.0/16", { nodes: "10.10.1.0/24" })).nodes;
    const mc = await c.aks.managedClusters.createOrUpdate(
      rg,
      "cni",
      clusterBody({ plugin: "azure", subnetId: s, count: 2 }),
    );
    expect(mc.agentPoolProfiles?.[0]?.maxPods).toBe(30);
    expect(mc.networkProfile?.podCidr).toBeUndefined();
    const subnet = await c.net.subnets.get(rg, "cni", "nodes");
    expect(subnet.ipConfigurations).toHaveLength(62);
    expect(subnet.routeTable).toBeUndefined();
    const tables: string[] = [];
    for await (const t of c.net.routeTables.list(nodeRg(rg, "cni"))) tables.push(t.name ?? "");
    expect(tables).toEqual([]);
    const vmss: string[] = [];
    for await (const v of c.compute.virtualMachineScaleSets.list(nodeRg(rg, "cni"))) vmss.push(v.name ?? "");
    const set = await c.compute.virtualMachineScaleSets.get(nodeRg(rg, "cni"), vmss[0]);
    expect(
      set.virtualMachineProfile?.networkProfile?.networkInterfaceConfigurations?.[0]?.ipConfigurations,
    ).toHaveLength(31);
  });

  it("azure CNI overlay: pods from the pod CIDR, only node addresses in the subnet", async () => {
    const s = (await vnetWithSubnet(c, rg, "ovl", "10.20.0.0/16", { nodes: "10.20.1.0/24" })).nodes;
    const mc = await c.aks.managedClusters.createOrUpdate(
      rg,
      "ovl",
      clusterBody({ plugin: "azure", overlay: true, subnetId: s, count: 3, podCidr: "192.168.0.0/16" }),
    );
    expect(mc.networkProfile).toMatchObject({
      networkPlugin: "azure",
      networkPluginMode: "overlay",
      podCidr: "192.168.0.0/16",
    });
    expect(mc.agentPoolProfiles?.[0]?.maxPods).toBe(250);
    const subnet = await c.net.subnets.get(rg, "ovl", "nodes");
    expect(subnet.ipConfigurations).toHaveLength(3);
    expect(subnet.routeTable).toBeUndefined();
  });

  it("azure CNI with a pod subnet: pod addresses from the pod subnet", async () => {
    const ids = await vnetWithSubnet(c, rg, "podsub", "10.30.0.0/16", {
      nodes: "10.30.1.0/24",
      pods: "10.30.2.0/24",
    });
    const mc = await c.aks.managedClusters.createOrUpdate(
      rg,
      "podsub",
      clusterBody({ plugin: "azure", subnetId: ids.nodes, podSubnetId: ids.pods, count: 2, maxPods: 50 }),
    );
    expect(mc.agentPoolProfiles?.[0]?.podSubnetID).toBe(ids.pods);
    expect((await c.net.subnets.get(rg, "podsub", "nodes")).ipConfigurations).toHaveLength(2);
    const pods = await c.emu.arm("GET", `${ids.pods}?api-version=2026-01-01`);
    expect(c.emu && pods.status).toBe(200);
    // Dynamic allocation: each node's pod ip configuration starts with a batch of 16 addresses
    // of the pod subnet (more come as its pods need them), so a new node needs 16 free.
    expect((await c.net.subnets.get(rg, "podsub", "pods")).ipConfigurations).toHaveLength(2);
    const free = 251 - 2 * 16;
    const more = await errorOf(
      c.aks.agentPools.createOrUpdate(rg, "podsub", "nodepool1", { count: 2 + Math.floor(free / 16) + 1 }),
    );
    expect(more.code).toBe("InsufficientSubnetSize");
  });
});

describe("lifecycle", () => {
  const rg = "life";
  beforeAll(async () => {
    await c.resources.resourceGroups.createOrUpdate(rg, { location: "eastus" });
  });

  it("adds and deletes pools; pool delete frees its addresses, pod blocks and routes", async () => {
    const s = (await vnetWithSubnet(c, rg, "v", "10.50.0.0/16", { s: "10.50.1.0/24" })).s;
    await c.aks.managedClusters.createOrUpdate(rg, "c1", clusterBody({ subnetId: s, count: 2 }));
    const pool = await c.aks.agentPools.createOrUpdate(rg, "c1", "user1", {
      count: 3,
      mode: "User",
      vmSize: "Standard_D4s_v5",
    });
    expect(pool.provisioningState).toBe("Succeeded");
    expect(pool.vnetSubnetID).toBe(s);
    expect(pool.maxPods).toBe(110);
    const names: string[] = [];
    for await (const p of c.aks.agentPools.list(rg, "c1")) names.push(p.name ?? "");
    expect(names).toEqual(["nodepool1", "user1"]);
    expect((await c.net.subnets.get(rg, "v", "s")).ipConfigurations).toHaveLength(5);
    const mc = await c.aks.managedClusters.get(rg, "c1");
    expect(mc.agentPoolProfiles?.map((p) => p.name)).toEqual(["nodepool1", "user1"]);
    const rt = mc.networkProfile && (await c.net.subnets.get(rg, "v", "s")).routeTable?.id?.split("/");
    const routes = await routesOf(rt?.[4] ?? "", rt?.[8] ?? "");
    expect(routes).toHaveLength(5);

    await c.aks.agentPools.delete(rg, "c1", "user1");
    expect((await c.net.subnets.get(rg, "v", "s")).ipConfigurations).toHaveLength(2);
    expect(await routesOf(rt?.[4] ?? "", rt?.[8] ?? "")).toHaveLength(2);
    const vmss: string[] = [];
    for await (const v of c.compute.virtualMachineScaleSets.list(nodeRg(rg, "c1"))) vmss.push(v.name ?? "");
    expect(vmss).toHaveLength(1);
    const last = await errorOf(c.aks.agentPools.delete(rg, "c1", "nodepool1"));
    expect({ status: last.statusCode, code: last.code, message: last.message }).toEqual({
      status: 400,
      code: "OperationNotAllowed",
      message: "There has to be at least one system agent pool.",
    });
    // nor may it become a User pool
    const system = await c.aks.agentPools.get(rg, "c1", "nodepool1");
    const toUser = await errorOf(
      c.aks.agentPools.createOrUpdate(rg, "c1", "nodepool1", { ...system, mode: "User" }),
    );
    expect({ code: toUser.code, message: toUser.message }).toEqual({
      code: "OperationNotAllowed",
      message: "There has to be at least one system agent pool.",
    });
  });

  it("lists, patches tags with new eTags, returns kubeconfigs", async () => {
    const before = await c.aks.managedClusters.get(rg, "c1");
    const poolBefore = await c.aks.agentPools.get(rg, "c1", "nodepool1");
    const tagged = await c.aks.managedClusters.updateTags(rg, "c1", { tags: { env: "test" } });
    expect(tagged.tags).toEqual({ env: "test" });
    expect(tagged.eTag).not.toBe(before.eTag);
    expect((await c.aks.agentPools.get(rg, "c1", "nodepool1")).eTag).not.toBe(poolBefore.eTag);
    // A pool operation changes only that pool's eTag.
    const poolNow = await c.aks.agentPools.get(rg, "c1", "nodepool1");
    await c.aks.agentPools.createOrUpdate(rg, "c1", "nodepool1", { count: 2 });
    expect((await c.aks.agentPools.get(rg, "c1", "nodepool1")).eTag).not.toBe(poolNow.eTag);
    expect((await c.aks.managedClusters.get(rg, "c1")).eTag).toBe(tagged.eTag);

    const inRg: string[] = [];
    for await (const m of c.aks.managedClusters.listByResourceGroup(rg)) inRg.push(m.name ?? "");
    expect(inRg).toEqual(["c1"]);
    const all: string[] = [];
    for await (const m of c.aks.managedClusters.list()) all.push(m.name ?? "");
    expect(all).toContain("c1");

    const cred = await c.aks.managedClusters.listClusterUserCredentials(rg, "c1");
    const kc = Buffer.from(cred.kubeconfigs?.[0]?.value ?? new Uint8Array()).toString("utf8");
    expect(cred.kubeconfigs?.[0]?.name).toBe("clusterUser");
    expect(kc).toContain(`server: ${c.emu.url}/clusters/${before.resourceUID}`);
    expect(kc).toContain("certificate-authority-data:");
    expect(kc).toMatch(/token: [0-9a-f]{64}/);
    const admin = await c.aks.managedClusters.listClusterAdminCredentials(rg, "c1");
    expect(Buffer.from(admin.kubeconfigs?.[0]?.value ?? new Uint8Array()).toString("utf8")).toContain(
      "clusterAdmin_life_c1",
    );
  });

  it("honours If-Match / If-None-Match on clusters and pools", async () => {
    const base = `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters`;
    const body = clusterBody({ count: 1 });
    const raw = {
      location: body.location,
      identity: body.identity,
      properties: { agentPoolProfiles: body.agentPoolProfiles, networkProfile: body.networkProfile },
    };
    const absent = await c.emu.arm("PUT", `${base}/etag1?api-version=2026-06-01`, raw, { "if-match": "*" });
    expect(absent.status).toBe(412);
    const created = await c.emu.arm("PUT", `${base}/etag1?api-version=2026-06-01`, raw, {
      "if-none-match": "*",
    });
    expect(created.status).toBe(201);
    expect((created.body as { properties: { provisioningState: string } }).properties.provisioningState).toBe(
      "Creating",
    );
    expect(created.headers.get("azure-asyncoperation")).toContain(
      "/providers/Microsoft.ContainerService/locations/eastus/operations/",
    );
    await c.emu.runtime.whenIdle();
    const again = await c.emu.arm("PUT", `${base}/etag1?api-version=2026-06-01`, raw, {
      "if-none-match": "*",
    });
    expect(again.status).toBe(412);
    const etag = (await c.emu.arm("GET", `${base}/etag1?api-version=2026-06-01`)).headers.get("etag") ?? "";
    const wrong = await c.emu.arm("PUT", `${base}/etag1?api-version=2026-06-01`, raw, { "if-match": "nope" });
    expect(wrong.status).toBe(412);
    const right = await c.emu.arm("PUT", `${base}/etag1?api-version=2022-11-01`, raw, { "if-match": etag });
    expect(right.status).toBe(200);
    await c.emu.runtime.whenIdle();
    const patchAbsent = await c.emu.arm(
      "PATCH",
      `${base}/nope?api-version=2026-06-01`,
      { tags: {} },
      { "if-match": "*" },
    );
    expect(patchAbsent.status).toBe(404);
    const delAbsent = await c.emu.arm("DELETE", `${base}/nope?api-version=2026-06-01`, undefined, {
      "if-match": "x",
    });
    expect(delAbsent.status).toBe(204);
    const poolWrong = await c.emu.arm(
      "PUT",
      `${base}/etag1/agentPools/nodepool1?api-version=2026-06-01`,
      { properties: { count: 2 } },
      { "if-match": "nope" },
    );
    expect(poolWrong.status).toBe(412);
  });

  it("aborts an operation still in progress, 409 when none is", async () => {
    const none = await errorOf(c.aks.managedClusters.abortLatestOperation(rg, "c1"));
    expect(none.statusCode).toBe(409);
  });

  it("deleting the cluster deletes the node resource group and every allocation", async () => {
    await c.aks.managedClusters.delete(rg, "c1");
    expect((await c.net.subnets.get(rg, "v", "s")).ipConfigurations ?? []).toHaveLength(0);
    expect((await errorOf(c.resources.resourceGroups.get(nodeRg(rg, "c1")))).statusCode).toBe(404);
    const left = await c.emu.store.transaction(async (tx) =>
      tx.listAllocations(
        `aks-podcidr:/subscriptions/${c.emu.subscriptionId}/resourcegroups/${rg}/providers/microsoft.containerservice/managedclusters/c1`,
      ),
    );
    expect(left).toEqual([]);
  });
});

describe("the requests az 2.45 sends (api-version 2022-11-01) and Microsoft.Compute reads", () => {
  const rg = "rg1";
  it("aks create with --vnet-subnet-id --assign-identity, get-credentials, nodepool add, vmss show", async () => {
    await c.emu.arm(
      "PUT",
      `/subscriptions/${c.emu.subscriptionId}/resourcegroups/${rg}?api-version=2021-04-01`,
      {
        location: "eastus",
      },
    );
    const subnetId = (await vnetWithSubnet(c, rg, "v", "192.168.0.0/16", { s: "192.168.1.0/24" })).s;
    const uami = await c.emu.arm(
      "PUT",
      `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1?api-version=2018-11-30`,
      { location: "eastus" },
    );
    const uamiId = (uami.body as { id: string }).id;
    const principal = (uami.body as { properties: { principalId: string } }).properties.principalId;
    const atScope = await c.emu.arm(
      "GET",
      `${subnetId}/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()&api-version=2020-04-01-preview`,
    );
    expect(atScope.status).toBe(200);
    await c.emu.arm(
      "PUT",
      `${subnetId}/providers/Microsoft.Authorization/roleAssignments/e0000000-0000-4000-8000-000000000001?api-version=2020-04-01-preview`,
      {
        properties: {
          roleDefinitionId: `/subscriptions/${c.emu.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${NETWORK_CONTRIBUTOR}`,
          principalId: principal,
        },
      },
    );
    const base = `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/c2`;
    const put = await c.emu.arm("PUT", `${base}?api-version=2022-11-01`, {
      location: "eastus",
      identity: { type: "UserAssigned", userAssignedIdentities: { [uamiId]: {} } },
      properties: {
        kubernetesVersion: "",
        dnsPrefix: "c2-rg1-000000",
        agentPoolProfiles: [
          {
            name: "nodepool1",
            count: 3,
            vmSize: "Standard_DS2_v2",
            osType: "Linux",
            type: "VirtualMachineScaleSets",
            mode: "System",
            vnetSubnetID: subnetId,
          },
        ],
        linuxProfile: { adminUsername: "azureuser", ssh: { publicKeys: [{ keyData: "ssh-rsa AAAA test" }] } },
        enableRBAC: true,
        networkProfile: {
          networkPlugin: "kubenet",
          podCidr: "10.244.0.0/16",
          serviceCidr: "10.0.0.0/16",
          dnsServiceIP: "10.0.0.10",
          outboundType: "loadBalancer",
          loadBalancerSku: "standard",
        },
      },
    });
    expect(put.status).toBe(201);
    await c.emu.runtime.whenIdle();
    const got = await c.emu.arm("GET", `${base}?api-version=2022-11-01`);
    const props = (got.body as { properties: Record<string, unknown> }).properties;
    expect(props.provisioningState).toBe("Succeeded");
    expect(props.linuxProfile).toEqual({
      adminUsername: "azureuser",
      ssh: { publicKeys: [{ keyData: "ssh-rsa AAAA test" }] },
    });
    expect(props.currentKubernetesVersion).toMatch(/^\d+\.\d+\.\d+$/);
    const cred = await c.emu.arm("POST", `${base}/listClusterUserCredential?api-version=2022-11-01`);
    expect((cred.body as { kubeconfigs: { name: string }[] }).kubeconfigs[0].name).toBe("clusterUser");
    const pools = await c.emu.arm("GET", `${base}/agentPools?api-version=2022-11-01`);
    expect((pools.body as { value: unknown[] }).value).toHaveLength(1);
    const np3 = await c.emu.arm("PUT", `${base}/agentPools/np3?api-version=2022-11-01`, {
      properties: { count: 3, vmSize: "Standard_DS2_v2", mode: "User" },
    });
    expect(np3.status).toBe(201);
    await c.emu.runtime.whenIdle();

    const mc_ = nodeRg(rg, "c2");
    const sets: string[] = [];
    for await (const s of c.compute.virtualMachineScaleSets.list(mc_)) sets.push(s.name ?? "");
    expect(sets).toHaveLength(2);
    expect(sets.every((s) => /^aks-(nodepool1|np3)-\d{8}-vmss$/.test(s))).toBe(true);
    const vm = await c.compute.virtualMachineScaleSetVMs.get(mc_, sets[0], "1");
    expect(vm.instanceId).toBe("1");
    expect(vm.osProfile?.computerName).toBe(`${sets[0]}000001`);
    expect(vm.networkProfile?.networkInterfaces?.[0]?.id).toBe(`${vm.id}/networkInterfaces/${sets[0]}`);
    const hybrid = await c.emu.arm(
      "GET",
      `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${mc_}/providers/Microsoft.Compute/virtualMachineScaleSets/${sets[0]}?api-version=2020-06-01`,
    );
    expect((hybrid.body as { properties: { orchestrationMode: string } }).properties.orchestrationMode).toBe(
      "Uniform",
    );
    const all: string[] = [];
    for await (const s of c.compute.virtualMachineScaleSets.listAll()) all.push(s.name ?? "");
    expect(all).toEqual(expect.arrayContaining(sets));
    // The subnet's ip configurations are the instances' NIC ip configurations.
    const subnet = await c.net.subnets.get(rg, "v", "s");
    expect(subnet.ipConfigurations?.[0]?.id).toContain("/virtualMachineScaleSets/aks-nodepool1-");
    expect(subnet.ipConfigurations).toHaveLength(6);
  });
});

describe("abort", () => {
  it("cancels an operation still in progress; the cluster reads Canceled", async () => {
    const slow = await startClients({ operationDelayMs: 60_000 });
    try {
      await slow.resources.resourceGroups.createOrUpdate("slow", { location: "eastus" });
      const base = `/subscriptions/${slow.emu.subscriptionId}/resourceGroups/slow/providers/Microsoft.ContainerService/managedClusters/c`;
      const b = clusterBody({ count: 1 });
      const put = await slow.emu.arm("PUT", `${base}?api-version=2026-06-01`, {
        location: "eastus",
        identity: b.identity,
        properties: { agentPoolProfiles: b.agentPoolProfiles, networkProfile: b.networkProfile },
      });
      expect(put.status).toBe(201);
      const busy = await slow.emu.arm("PUT", `${base}?api-version=2026-06-01`, {
        location: "eastus",
        properties: { agentPoolProfiles: b.agentPoolProfiles },
      });
      expect((busy.body as { error: { code: string } }).error.code).toBe("OperationNotAllowed");
      await slow.aks.managedClusters.abortLatestOperation("slow", "c");
      const mc = await slow.aks.managedClusters.get("slow", "c");
      expect(mc.provisioningState).toBe("Canceled");
      const op = await slow.emu.arm(
        "GET",
        new URL(put.headers.get("azure-asyncoperation") ?? "").pathname + "?api-version=2026-06-01",
      );
      expect((op.body as { status: string }).status).toBe("Canceled");
      expect((await errorOf(slow.aks.managedClusters.abortLatestOperation("slow", "c"))).statusCode).toBe(
        409,
      );
    } finally {
      await slow.emu.close();
    }
  });
});

describe("cascades", () => {
  it("deleting the cluster's resource group deletes the cluster, MC_ and frees a BYO subnet elsewhere", async () => {
    await c.resources.resourceGroups.createOrUpdate("netrg", { location: "eastus" });
    await c.resources.resourceGroups.createOrUpdate("apprg", { location: "eastus" });
    const s = (await vnetWithSubnet(c, "netrg", "v", "192.168.0.0/16", { s: "192.168.1.0/24" })).s;
    await c.aks.managedClusters.createOrUpdate("apprg", "gone", clusterBody({ subnetId: s, count: 2 }));
    expect((await c.net.subnets.get("netrg", "v", "s")).ipConfigurations).toHaveLength(2);
    await c.resources.resourceGroups.beginDeleteAndWait("apprg");
    expect((await errorOf(c.resources.resourceGroups.get(nodeRg("apprg", "gone")))).statusCode).toBe(404);
    const subnet = await c.net.subnets.get("netrg", "v", "s");
    expect(subnet.ipConfigurations ?? []).toHaveLength(0);
    expect(subnet.routeTable).toBeUndefined();
  });

  it("deleting the node resource group directly releases the nodes' addresses in a BYO subnet", async () => {
    await c.resources.resourceGroups.createOrUpdate("apprg2", { location: "eastus" });
    const s = (await vnetWithSubnet(c, "netrg", "v2", "192.169.0.0/16", { s: "192.169.1.0/24" })).s;
    await c.aks.managedClusters.createOrUpdate(
      "apprg2",
      "orphan",
      clusterBody({ plugin: "azure", subnetId: s, count: 2 }),
    );
    expect((await c.net.subnets.get("netrg", "v2", "s")).ipConfigurations).toHaveLength(62);
    await c.resources.resourceGroups.beginDeleteAndWait(nodeRg("apprg2", "orphan"));
    expect((await c.net.subnets.get("netrg", "v2", "s")).ipConfigurations ?? []).toHaveLength(0);
    // kubenet: AKS's route table sits on the BYO subnet, so Network refuses to delete MC_ (as Azure does).
    const k = (await vnetWithSubnet(c, "netrg", "v3", "192.170.0.0/16", { s: "192.170.1.0/24" })).s;
    await c.aks.managedClusters.createOrUpdate("apprg2", "kub", clusterBody({ subnetId: k, count: 1 }));
    const e = await errorOf(c.resources.resourceGroups.beginDeleteAndWait(nodeRg("apprg2", "kub")));
    expect(e.message).toContain("InUseRouteTableCannotBeDeleted");
  });
});
