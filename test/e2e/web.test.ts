// The inspection face: `GET /_aksnet/topology` draws exactly what the SDK built (a kubenet
// cluster on a BYO subnet with node public IPs from a prefix), and `GET /` is one
// self-contained page that reads it. Everything is asserted literally: allocation is
// deterministic, so the same script always yields the same picture.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyGatewayConfiguration } from "../../src/kube/egress/azureApply.js";
import { AZURE_LB_ANNOTATIONS } from "../../src/kube/services/annotations.js";
import { applyServiceLoadBalancers } from "../../src/kube/services/azureApply.js";
import { desiredServiceLoadBalancer, type ServiceLike } from "../../src/kube/services/azureLoadBalancer.js";
import type { ArmContext } from "../../src/providers/context.js";
import type { Topology } from "../../src/providers/views/topology.js";
import { inArmTransaction } from "../helpers/emulator.js";
import { type Clients, clusterBody, nodeRg, startClients, vnetWithSubnet } from "./aks-helpers.js";
import { pool, registerFeature } from "./aks-nodenet-helpers.js";

let c: Clients;
const RG = "web";
const MC = nodeRg(RG, "aks1");

async function topology(): Promise<Topology> {
  // An ARM token sees its own tenant's subscriptions (the admin face's rule).
  const res = await fetch(`${c.emu.url}/_aksnet/topology`, {
    headers: { authorization: `Bearer ${await c.emu.token()}` },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return (await res.json()) as Topology;
}

beforeAll(async () => {
  // The page tests hand the Services to the Azure half directly: no live controller underneath.
  c = await startClients({ kubeControllers: false });
});
afterAll(async () => c?.emu.close());

describe("GET /_aksnet/topology", () => {
  it("shows every subscription, each empty, before anything is created", async () => {
    const t = await topology();
    expect(t.publicIPv4Pool).toBe("20.0.0.0/8");
    expect(t.subscriptions.map((s) => s.subscriptionId)).toEqual([c.emu.subscriptionId]);
    expect(t.subscriptions[0]).toMatchObject({
      resourceGroups: [],
      virtualNetworks: [],
      clusters: [],
      routeTables: [],
      networkSecurityGroups: [],
      publicIPPrefixes: [],
      publicIPAddresses: [],
    });
  });

  it("draws a kubenet cluster on a BYO subnet with node public IPs from a prefix", async () => {
    const sub = c.emu.subscriptionId;
    await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
    const asg = await c.net.applicationSecurityGroups.beginCreateOrUpdateAndWait(RG, "web-asg", {
      location: "eastus",
    });
    await c.net.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, "web-nsg", {
      location: "eastus",
      securityRules: [
        {
          name: "allow-https",
          protocol: "Tcp",
          access: "Allow",
          direction: "Inbound",
          priority: 100,
          sourceAddressPrefix: "Internet",
          sourcePortRange: "*",
          destinationApplicationSecurityGroups: [{ id: asg.id }],
          destinationPortRanges: ["443", "8443"],
        },
        {
          name: "deny-ssh",
          protocol: "Tcp",
          access: "Deny",
          direction: "Inbound",
          priority: 200,
          sourceAddressPrefixes: ["10.0.0.0/8", "192.168.0.0/16"],
          sourcePortRange: "*",
          destinationAddressPrefix: "*",
          destinationPortRange: "22",
        },
      ],
    });
    const subnets = await vnetWithSubnet(c, RG, "vnet1", "10.240.0.0/16", {
      nodes: "10.240.0.0/24",
      other: "10.240.8.0/22",
    });
    const prefix = await c.net.publicIPPrefixes.beginCreateOrUpdateAndWait(RG, "nodeips", {
      location: "eastus",
      sku: { name: "Standard" },
      prefixLength: 30,
    });
    const body = clusterBody({ subnetId: subnets.nodes, count: 3 });
    const pool = body.agentPoolProfiles?.[0];
    if (!pool) throw new Error("no pool");
    pool.enableNodePublicIP = true;
    pool.nodePublicIPPrefixID = prefix.id;
    const mc = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "aks1", body);
    expect(mc.provisioningState).toBe("Succeeded");

    const vmss: string[] = [];
    for await (const v of c.compute.virtualMachineScaleSets.list(MC)) vmss.push(v.name ?? "");
    expect(vmss).toHaveLength(1);
    const hash = vmss[0].split("-")[2];
    const node = (i: number) => `${vmss[0]}00000${i}`;
    const clusterId = `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/aks1`;
    const mcId = `/subscriptions/${sub}/resourceGroups/${MC}`;
    const rtId = `${mcId}/providers/Microsoft.Network/routeTables/aks-agentpool-${hash}-routetable`;
    const nsgId = `${mcId}/providers/Microsoft.Network/networkSecurityGroups/aks-agentpool-${hash}-nsg`;
    const vmssId = `${mcId}/providers/Microsoft.Compute/virtualMachineScaleSets/${vmss[0]}`;
    const ipconfig = (i: number) =>
      `${vmssId}/virtualMachines/${i}/networkInterfaces/${vmss[0]}/ipConfigurations/ipconfig1`;
    const pipId = (i: number) => `${mcId}/providers/Microsoft.Network/publicIPAddresses/${node(i)}-pip`;

    const [s] = (await topology()).subscriptions;
    expect(s.resourceGroups).toEqual([
      { name: RG, location: "eastus" },
      { name: MC, location: "eastus", managedBy: clusterId },
    ]);

    // VNet: the address map, subnets in address order, node addresses lowest-free after .0–.3.
    expect(s.virtualNetworks).toHaveLength(1);
    const vnet = s.virtualNetworks[0];
    expect(vnet).toMatchObject({
      name: "vnet1",
      resourceGroup: RG,
      addressSpace: [{ cidr: "10.240.0.0/16", size: 65536 }],
    });
    expect(vnet.subnets.map((x) => [x.name, x.prefixes])).toEqual([
      ["nodes", [{ cidr: "10.240.0.0/24", space: 0, offset: 0, size: 256, usableFirst: 4, usableLast: 254 }]],
      [
        "other",
        [{ cidr: "10.240.8.0/22", space: 0, offset: 2048, size: 1024, usableFirst: 4, usableLast: 1022 }],
      ],
    ]);
    const nodes = vnet.subnets[0];
    expect(nodes).toMatchObject({ usable: 251, used: 3, free: 248, routeTable: { id: rtId } });
    expect(nodes.networkSecurityGroup).toBeUndefined();
    expect(nodes.addresses).toEqual(
      [0, 1, 2].map((i) => ({
        kind: "node",
        label: node(i),
        id: ipconfig(i),
        first: `10.240.0.${4 + i}`,
        last: `10.240.0.${4 + i}`,
        count: 1,
        prefixIndex: 0,
        offset: 4 + i,
      })),
    );
    expect(vnet.subnets[1]).toMatchObject({ usable: 1019, used: 0, free: 1019, addresses: [] });

    // Cluster → pool → nodes, with the pod CIDR blocks (next-fit /24s) and node public IPs.
    expect(s.clusters).toHaveLength(1);
    const cl = s.clusters[0];
    expect(cl).toMatchObject({
      id: clusterId,
      name: "aks1",
      state: "Succeeded",
      networkPlugin: "kubenet",
      outboundType: "loadBalancer",
      podCidr: "10.244.0.0/16",
      serviceCidr: "10.0.0.0/16",
      dnsServiceIP: "10.0.0.10",
      nodeResourceGroup: MC,
      managedVnet: false,
      networkSecurityGroup: { id: nsgId, name: `aks-agentpool-${hash}-nsg` },
      routeTable: { id: rtId, name: `aks-agentpool-${hash}-routetable` },
    });
    expect(cl.outboundIPs).toHaveLength(1);
    expect(cl.podCidrBlocks).toEqual({
      cidr: "10.244.0.0/16",
      blocks: 256,
      used: [0, 1, 2].map((i) => ({ index: i, cidr: `10.244.${i}.0/24`, node: node(i), pool: "nodepool1" })),
    });
    expect(cl.pools).toHaveLength(1);
    const p = cl.pools[0];
    expect(p).toMatchObject({
      name: "nodepool1",
      mode: "System",
      count: 3,
      subnet: { id: subnets.nodes, name: "nodes" },
      vmss: { id: vmssId, name: vmss[0] },
      enableNodePublicIP: true,
      nodePublicIPPrefix: { id: prefix.id, name: "nodeips" },
    });
    expect(p.nodes).toEqual(
      [0, 1, 2].map((i) => ({
        name: node(i),
        instanceId: i,
        privateIP: `10.240.0.${4 + i}`,
        podCidr: `10.244.${i}.0/24`,
        route: node(i),
        publicIP: { id: pipId(i), name: `${node(i)}-pip`, ipAddress: `20.0.0.${i}`, prefix: "nodeips" },
        applicationSecurityGroups: [],
        taints: [],
      })),
    );

    // kubenet's route table: one AKS-owned route per node, pod block → node IP.
    const rt = s.routeTables.find((r) => r.id === rtId);
    expect(rt).toMatchObject({
      resourceGroup: MC,
      usedByCluster: { id: clusterId, name: "aks1" },
      subnets: [{ id: subnets.nodes, name: "nodes" }],
    });
    expect(rt?.routes).toEqual(
      [0, 1, 2].map((i) => ({
        name: node(i),
        addressPrefix: `10.244.${i}.0/24`,
        nextHopType: "VirtualAppliance",
        nextHopIpAddress: `10.240.0.${4 + i}`,
        managedByCluster: clusterId,
      })),
    );

    // NSG rules with ASGs by name, plural prefixes and ports, defaults kept apart.
    const nsg = s.networkSecurityGroups.find((n) => n.name === "web-nsg");
    expect(nsg?.rules).toEqual([
      {
        name: "allow-https",
        priority: 100,
        direction: "Inbound",
        access: "Allow",
        protocol: "Tcp",
        source: ["Internet"],
        sourcePorts: ["*"],
        destination: ["asg:web-asg"],
        destinationPorts: ["443", "8443"],
      },
      {
        name: "deny-ssh",
        priority: 200,
        direction: "Inbound",
        access: "Deny",
        protocol: "Tcp",
        source: ["10.0.0.0/8", "192.168.0.0/16"],
        sourcePorts: ["*"],
        destination: ["*"],
        destinationPorts: ["22"],
      },
    ]);
    expect(nsg?.defaultRules.map((r) => `${r.direction} ${r.priority} ${r.name} ${r.access}`)).toEqual([
      "Inbound 65000 AllowVnetInBound Allow",
      "Inbound 65001 AllowAzureLoadBalancerInBound Allow",
      "Inbound 65500 DenyAllInBound Deny",
      "Outbound 65000 AllowVnetOutBound Allow",
      "Outbound 65001 AllowInternetOutBound Allow",
      "Outbound 65500 DenyAllOutBound Deny",
    ]);
    expect(s.networkSecurityGroups.find((n) => n.id === nsgId)).toMatchObject({ subnets: [], rules: [] });

    // The prefix: three addresses used by the nodes' public IPs, the fourth free.
    expect(s.publicIPPrefixes).toEqual([
      {
        id: prefix.id,
        name: "nodeips",
        resourceGroup: RG,
        location: "eastus",
        ipPrefix: "20.0.0.0/30",
        prefixLength: 30,
        size: 4,
        used: 3,
        addresses: [
          ...[0, 1, 2].map((i) => ({
            ipAddress: `20.0.0.${i}`,
            publicIP: { id: pipId(i), name: `${node(i)}-pip` },
            holder: { kind: "node", label: node(i), id: ipconfig(i) },
          })),
          { ipAddress: "20.0.0.3" },
        ],
      },
    ]);
    const outbound = s.publicIPAddresses.find((x) => x.aksManagedType === "aks-slb-managed-outbound-ip");
    expect(outbound).toMatchObject({
      resourceGroup: MC,
      holder: { kind: "lb", label: expect.stringMatching(/^kubernetes\//) },
    });
    expect(s.publicIPAddresses.filter((x) => x.aksManagedType === "aks-node-public-ip")).toHaveLength(3);
  });

  it("shows a scale-in at once: the node, its address, block, route and public IP are gone", async () => {
    await c.aks.agentPools.beginCreateOrUpdateAndWait(RG, "aks1", "nodepool1", {
      count: 2,
      vmSize: "Standard_DS2_v2",
      osType: "Linux",
      mode: "System",
    });
    const [s] = (await topology()).subscriptions;
    const cl = s.clusters[0];
    expect(cl.pools[0].nodes.map((n) => n.privateIP)).toEqual(["10.240.0.4", "10.240.0.5"]);
    expect(cl.podCidrBlocks?.used.map((u) => u.cidr)).toEqual(["10.244.0.0/24", "10.244.1.0/24"]);
    expect(s.virtualNetworks[0].subnets[0]).toMatchObject({ used: 2, free: 249 });
    expect(s.routeTables.find((r) => r.id === cl.routeTable?.id)?.routes).toHaveLength(2);
    expect(s.publicIPPrefixes[0]).toMatchObject({ used: 2 });
    expect(s.publicIPPrefixes[0].addresses.map((a) => a.publicIP !== undefined)).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

describe("GET /_aksnet/topology: node networking", () => {
  it("marks gateway nodes' taints, host-port ASGs and the cluster's own NSG rules", async () => {
    const rg = "web2";
    const sub = c.emu.subscriptionId;
    await c.resources.resourceGroups.createOrUpdate(rg, { location: "eastus" });
    await registerFeature(c, "StaticEgressGatewayPreview");
    const body = clusterBody({ count: 1 });
    body.networkProfile = { ...body.networkProfile, staticEgressGatewayProfile: { enabled: true } };
    const first = body.agentPoolProfiles?.[0];
    if (!first) throw new Error("no pool");
    first.networkProfile = { allowedHostPorts: [{ portStart: 80, portEnd: 80, protocol: "TCP" }] };
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(rg, "gw", body);
    await c.aks.agentPools.beginCreateOrUpdateAndWait(
      rg,
      "gw",
      "gw",
      pool({
        count: 2,
        mode: "Gateway",
        vmSize: "Standard_D4s_v5",
        gatewayProfile: { publicIPPrefixSize: 30 },
      }),
    );
    const mcRg = nodeRg(rg, "gw");
    const clusterId = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/gw`;
    const [s] = (await topology()).subscriptions;
    const cl = s.clusters.find((x) => x.id === clusterId);
    if (!cl) throw new Error("cluster gw not drawn");
    const hash = cl.networkSecurityGroup.name.split("-")[2];
    const asg = `aks-nodepool1-${hash}-asg`;
    expect(cl.managedVnet).toBe(true);
    expect(cl.pools.map((p) => [p.name, p.mode, p.gatewayPrefixSize])).toEqual([
      ["nodepool1", "System", undefined],
      ["gw", "Gateway", 30],
    ]);
    expect(
      cl.pools[0].nodes.map((n) => [
        n.name,
        n.privateIP,
        n.applicationSecurityGroups.map((a) => a.name),
        n.taints,
      ]),
    ).toEqual([[`aks-nodepool1-${hash}-vmss000000`, "10.224.0.4", [asg], []]]);
    expect(cl.pools[1].nodes.map((n) => [n.name, n.privateIP, n.podCidr, n.taints])).toEqual([
      [
        `aks-gw-${hash}-vmss000000`,
        "10.224.0.5",
        "10.244.1.0/24",
        ["kubeegressgateway.azure.com/mode=true:NoSchedule"],
      ],
      [
        `aks-gw-${hash}-vmss000001`,
        "10.224.0.6",
        "10.244.2.0/24",
        ["kubeegressgateway.azure.com/mode=true:NoSchedule"],
      ],
    ]);

    // The managed VNet in the node resource group, its subnet carrying AKS's NSG and route table.
    const vnet = s.virtualNetworks.find((v) => v.resourceGroup === mcRg);
    expect(vnet?.addressSpace).toEqual([{ cidr: "10.224.0.0/12", size: 1048576 }]);
    expect(
      vnet?.subnets.map((x) => [
        x.name,
        x.prefixes[0].cidr,
        x.used,
        x.networkSecurityGroup?.name,
        x.routeTable?.name,
      ]),
    ).toEqual([
      ["aks-subnet", "10.224.0.0/16", 3, `aks-agentpool-${hash}-nsg`, `aks-agentpool-${hash}-routetable`],
    ]);

    const nsg = s.networkSecurityGroups.find((n) => n.id === cl.networkSecurityGroup.id);
    expect(nsg?.subnets.map((x) => x.name)).toEqual(["aks-subnet"]);
    expect(nsg?.scaleSets.map((x) => x.name)).toEqual([`aks-nodepool1-${hash}-vmss`, `aks-gw-${hash}-vmss`]);
    expect(nsg?.rules).toEqual([
      {
        name: "aks-hostport-nodepool1-tcp-80",
        priority: 200,
        direction: "Inbound",
        access: "Allow",
        protocol: "Tcp",
        source: ["*"],
        sourcePorts: ["*"],
        destination: [`asg:${asg}`],
        destinationPorts: ["80"],
        description: "Allowed host ports of agent pool 'nodepool1' (AKS managed).",
        managedByCluster: clusterId,
      },
    ]);
    expect(s.publicIPPrefixes.find((p) => p.name === `aks-gw-${hash}-gateway-prefix`)).toMatchObject({
      resourceGroup: mcRg,
      prefixLength: 30,
      size: 4,
      used: 0,
    });
  });
});

// The Azure side of issues 12 and 13, made the way the controllers make it (in a store
// transaction on the running emulator), then read back through the topology.
function inTx<T>(fn: (ctx: ArmContext) => Promise<T>): Promise<T> {
  return inArmTransaction(c.emu, fn);
}

const service = (uid: string, name: string, port: number, internal: boolean): ServiceLike => ({
  metadata: {
    uid,
    namespace: "default",
    name,
    annotations: internal ? { [AZURE_LB_ANNOTATIONS.internal]: "true" } : undefined,
  },
  spec: { type: "LoadBalancer", ports: [{ port, protocol: "TCP", nodePort: 30080 }] },
});

describe("GET /_aksnet/topology: load balancers and egress gateways", () => {
  it("draws Service frontends → rules → backend pool → nodes, Service NSG rules and a gateway", async () => {
    const rg = "web3";
    const sub = c.emu.subscriptionId;
    await c.resources.resourceGroups.createOrUpdate(rg, { location: "eastus" });
    await registerFeature(c, "StaticEgressGatewayPreview");
    const body = clusterBody({ count: 1 });
    body.networkProfile = { ...body.networkProfile, staticEgressGatewayProfile: { enabled: true } };
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(rg, "lbc", body);
    await c.aks.agentPools.beginCreateOrUpdateAndWait(
      rg,
      "lbc",
      "gw",
      pool({
        count: 2,
        mode: "Gateway",
        vmSize: "Standard_D4s_v5",
        gatewayProfile: { publicIPPrefixSize: 31 },
      }),
    );
    const clusterId = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/lbc`;
    const U1 = "11111111-2222-3333-4444-555555555555";
    const U2 = "66666666-7777-8888-9999-aaaaaaaaaaaa";
    const G1 = "aaaaaaaa-0000-4000-8000-000000000001";
    await inTx((ctx) =>
      applyServiceLoadBalancers(
        ctx,
        clusterId,
        [service(U1, "web", 80, false), service(U2, "api", 8080, true)].map((x) => {
          const d = desiredServiceLoadBalancer(x);
          if (!d.ok) throw new Error(d.message);
          return d.value;
        }),
      ),
    );
    const gw = await inTx((ctx) =>
      applyGatewayConfiguration(ctx, clusterId, {
        uid: G1,
        key: "default/egress1",
        gatewayNodepoolName: "gw",
        provisionPublicIps: true,
      }),
    );
    if (!gw.ok) throw new Error(gw.error);
    const [s] = (await topology()).subscriptions;
    const cl = s.clusters.find((x) => x.id === clusterId);
    if (!cl) throw new Error("cluster lbc not drawn");
    const mcRg = nodeRg(rg, "lbc");
    const hash = cl.networkSecurityGroup.name.split("-")[2];
    const net = `/subscriptions/${sub}/resourceGroups/${mcRg}/providers/Microsoft.Network`;
    const ref = (type: string, name: string) => ({ id: `${net}/${type}/${name}`, name });
    const subnet = ref(`virtualNetworks/aks-vnet-${hash}/subnets`, "aks-subnet");
    const outbound = cl.outboundIPs[0].name;
    const fe1 = "a1111111122223333444455555555555";
    const fe2 = "a66666666777788889999aaaaaaaaaaa";
    const part = cl.loadBalancers[2]?.frontends[0]?.name ?? "";
    const node = (pool: string, i: number) => `aks-${pool}-${hash}-vmss00000${i}`;
    // Public addresses depend on what earlier tests took from the pool: read them back by name.
    const addressOf = (name: string) => s.publicIPAddresses.find((x) => x.name === name)?.ipAddress ?? "";
    const outboundIp = addressOf(outbound);
    const webIp = addressOf(`kubernetes-${fe1}`);
    expect([outboundIp, webIp].every((a) => /^20\.255\.255\.\d+$/.test(a))).toBe(true);
    expect(cl.loadBalancers).toEqual([
      {
        ...ref("loadBalancers", "kubernetes"),
        frontends: [
          { name: outbound, address: outboundIp, publicIP: ref("publicIPAddresses", outbound) },
          {
            name: fe1,
            address: webIp,
            publicIP: ref("publicIPAddresses", `kubernetes-${fe1}`),
            service: "default/web",
          },
        ],
        rules: [
          {
            name: `${fe1}-TCP-80`,
            protocol: "Tcp",
            frontend: fe1,
            frontendPort: 80,
            backendPort: 80,
            enableFloatingIP: true,
            backendPool: "kubernetes",
            probe: `${fe1}-TCP-80: Tcp 30080`,
          },
        ],
        backendPools: [{ name: "kubernetes", nodes: [node("nodepool1", 0), node("gw", 0), node("gw", 1)] }],
        outboundRules: [
          {
            name: "aksOutboundRule",
            protocol: "All",
            frontends: [outbound],
            backendPool: "kubernetes",
            allocatedOutboundPorts: 0,
          },
        ],
      },
      {
        ...ref("loadBalancers", "kubernetes-internal"),
        frontends: [{ name: fe2, address: "10.224.0.7", subnet }],
        rules: [
          {
            name: `${fe2}-TCP-8080`,
            protocol: "Tcp",
            frontend: fe2,
            frontendPort: 8080,
            backendPort: 8080,
            enableFloatingIP: true,
            backendPool: "kubernetes",
            probe: `${fe2}-TCP-8080: Tcp 30080`,
          },
        ],
        // No scale set joins the internal pool yet: the page shows what the emulator holds.
        backendPools: [{ name: "kubernetes", nodes: [] }],
        outboundRules: [],
      },
      {
        ...ref("loadBalancers", "kubeegressgateway-ilb"),
        frontends: [{ name: part, address: "10.224.0.10", subnet }],
        rules: [
          {
            name: G1,
            protocol: "Udp",
            frontend: part,
            frontendPort: 6000,
            backendPort: 6000,
            enableFloatingIP: true,
            backendPool: part,
            probe: `${G1}: Http 8082 /gw/${G1}`,
          },
        ],
        backendPools: [{ name: part, nodes: [] }],
        outboundRules: [],
      },
    ]);
    expect(part).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    const egress = gw.status.egressIpPrefix ?? "";
    expect(egress).toMatch(/^20\.0\.\d+\.\d+\/31$/);
    const [net24, first] = egress.split("/")[0].split(/\.(?=\d+$)/);
    expect(cl.egressGateways).toEqual([
      {
        uid: G1,
        configuration: "default/egress1",
        pool: "gw",
        prefix: { ...ref("publicIPPrefixes", `egressgateway-${G1}`), ipPrefix: egress, byo: false },
        ilb: { rule: G1, frontendIP: "10.224.0.10", port: 6000 },
        nodes: [0, 1].map((i) => ({
          node: node("gw", i),
          publicIP: ref("publicIPAddresses", `egressgateway-${G1}-${i}`),
          ipAddress: `${net24}.${Number(first) + i}`,
        })),
        pods: [],
      },
    ]);
    // A pod that opts in is listed with the configuration it egresses through.
    await inTx(async (ctx) => {
      const rec = await ctx.tx.getResource(clusterId);
      const uid = (rec?.internal as { resourceUID?: string } | undefined)?.resourceUID ?? "";
      await ctx.tx.putObject({
        cluster: uid,
        resource: "core/pods",
        namespace: "default",
        name: "egress-user",
        body: {
          apiVersion: "v1",
          kind: "Pod",
          metadata: {
            name: "egress-user",
            namespace: "default",
            annotations: { "kubernetes.azure.com/static-gateway-configuration": "egress1" },
          },
          spec: { nodeName: node("nodepool1", 0), containers: [{ name: "c", image: "nginx" }] },
          status: { phase: "Running", podIP: "10.244.0.9" },
        },
      });
    });
    const again = (await topology()).subscriptions[0].clusters.find((x) => x.id === clusterId);
    expect(again?.egressGateways.map((g) => g.pods)).toEqual([["default/egress-user"]]);
    const nsg = s.networkSecurityGroups.find((n) => n.id === cl.networkSecurityGroup.id);
    expect(nsg?.rules.filter((r) => r.serviceRule)).toEqual([
      {
        name: expect.stringMatching(/^k8s-azure-lb_allow_IPv4_[0-9a-f]{32}$/),
        priority: 500,
        direction: "Inbound",
        access: "Allow",
        protocol: "Tcp",
        source: ["Internet"],
        sourcePorts: ["*"],
        destination: [webIp],
        destinationPorts: ["80"],
        serviceRule: {
          frontends: [{ address: webIp, frontend: `kubernetes/${fe1}`, service: "default/web" }],
        },
      },
    ]);
  });
});

describe("GET /", () => {
  it("is one self-contained HTML page that draws the topology JSON", async () => {
    const login = await fetch(c.emu.loginUrl(), { redirect: "manual" });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
    const res = await fetch(`${c.emu.url}/`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain("<title>aksnet — network</title>");
    for (const id of ['id="main"', 'id="nav"', 'id="refresh"', 'id="auto"', 'id="tip"'])
      expect(html).toContain(id);
    expect(html).toContain('fetch("/_aksnet/topology"');
    // Offline machine: nothing is loaded from anywhere else, no build artefacts.
    expect(html).not.toMatch(/\s(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+stylesheet/);
    // The template string survived: the inline script parses.
    const script = html.slice(html.indexOf("<script>") + 8, html.lastIndexOf("</script>"));
    expect(() => new Function(script)).not.toThrow();
    expect(script).toContain('"\\n"');
    // Issues 12 and 13: the load balancer flow, the gateway table, the Service NSG rules.
    for (const path of [
      "function lbFlow(lb)",
      "function egressTable(gws)",
      "clusterEdges(c)",
      "r.serviceRule",
    ])
      expect(script).toContain(path);
    expect(script).toContain('"Service rules (cloud-provider-azure)"');
  });

  it("without a session it explains how to sign in (401), whatever bearer token comes along", async () => {
    const res = await fetch(`${c.emu.url}/`, { headers: { authorization: "Bearer nonsense" } });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("one-time login URL");
  });
});
