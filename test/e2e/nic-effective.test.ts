// Network Watcher-style answers through @azure/arm-network (2026-01-01): a NIC's effective
// routes (system routes, user routes overriding them, Invalid where overridden) and effective
// NSGs (subnet and NIC levels, tags expanded, ASG sides as member addresses); the same answers
// for an AKS node's scale set instance NIC, where kubenet's pod routes appear as user routes
// and the verdict `aksnet trace` gives is the one the listed rules imply.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TraceResult } from "../../src/providers/views/reachability.js";
import { type Clients, clusterBody, errorOf, nodeRg, startClients } from "./aks-helpers.js";

let c: Clients;
const RG = "eff-rg";
let vnetId = "";
let subnetId = "";
let nicId = "";
let subnetNsgId = "";
let nicNsgId = "";
let asgId = "";

beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
  const rt = await c.net.routeTables.beginCreateOrUpdateAndWait(RG, "rt1", {
    location: "eastus",
    disableBgpRoutePropagation: true,
    routes: [
      {
        name: "to-fw",
        addressPrefix: "0.0.0.0/0",
        nextHopType: "VirtualAppliance",
        nextHopIpAddress: "10.1.0.4",
      },
      { name: "blackhole", addressPrefix: "10.2.0.0/16", nextHopType: "None" },
      { name: "rfc-override", addressPrefix: "192.168.0.0/16", nextHopType: "VirtualNetworkGateway" },
    ],
  });
  const asg = await c.net.applicationSecurityGroups.beginCreateOrUpdateAndWait(RG, "web", {
    location: "eastus",
  });
  asgId = asg.id ?? "";
  const subnetNsg = await c.net.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, "subnet-nsg", {
    location: "eastus",
    securityRules: [
      {
        name: "web-in",
        priority: 100,
        direction: "Inbound",
        access: "Allow",
        protocol: "Tcp",
        sourcePortRange: "*",
        destinationPortRanges: ["80", "443"],
        sourceAddressPrefix: "Internet",
        destinationApplicationSecurityGroups: [{ id: asgId }],
      },
      {
        name: "deny-mgmt",
        priority: 200,
        direction: "Inbound",
        access: "Deny",
        protocol: "*",
        sourcePortRange: "*",
        destinationPortRange: "22",
        sourceAddressPrefixes: ["203.0.113.7", "198.51.100.0/24"],
        destinationAddressPrefix: "*",
      },
    ],
  });
  subnetNsgId = subnetNsg.id ?? "";
  const nicNsg = await c.net.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, "nic-nsg", {
    location: "eastus",
    securityRules: [
      {
        name: "udp-out",
        priority: 300,
        direction: "Outbound",
        access: "Deny",
        protocol: "Udp",
        sourcePortRange: "*",
        destinationPortRange: "53",
        sourceAddressPrefix: "VirtualNetwork",
        destinationAddressPrefix: "AzureLoadBalancer",
      },
    ],
  });
  nicNsgId = nicNsg.id ?? "";
  const vnet = await c.net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "vnet1", {
    location: "eastus",
    addressSpace: { addressPrefixes: ["10.1.0.0/16", "172.16.0.0/12"] },
    subnets: [
      {
        name: "s1",
        addressPrefix: "10.1.0.0/24",
        routeTable: { id: rt.id },
        networkSecurityGroup: { id: subnetNsgId },
      },
    ],
  });
  vnetId = vnet.id ?? "";
  subnetId = vnet.subnets?.[0]?.id ?? "";
  const nic = await c.net.networkInterfaces.beginCreateOrUpdateAndWait(RG, "nic1", {
    location: "eastus",
    networkSecurityGroup: { id: nicNsgId },
    ipConfigurations: [
      { name: "ipconfig1", subnet: { id: subnetId }, applicationSecurityGroups: [{ id: asgId }] },
    ],
  });
  nicId = nic.id ?? "";
});
afterAll(async () => c?.emu.close());

describe("NIC effectiveRouteTable", () => {
  it("lists system routes, then the subnet's user routes; an overridden system route is Invalid", async () => {
    const r = await c.net.networkInterfaces.getEffectiveRouteTable(RG, "nic1");
    const rows = (r.value ?? []).map((x) => [
      x.source,
      x.state,
      x.addressPrefix,
      x.nextHopType,
      x.nextHopIpAddress,
      x.name,
    ]);
    expect(rows).toEqual([
      ["Default", "Active", ["10.1.0.0/16"], "VnetLocal", [], undefined],
      // 172.16.0.0/12 is the VNet's own space: its None route is replaced, not listed twice.
      ["Default", "Active", ["172.16.0.0/12"], "VnetLocal", [], undefined],
      ["Default", "Invalid", ["0.0.0.0/0"], "Internet", [], undefined],
      ["Default", "Active", ["10.0.0.0/8"], "None", [], undefined],
      ["Default", "Active", ["100.64.0.0/10"], "None", [], undefined],
      ["Default", "Invalid", ["192.168.0.0/16"], "None", [], undefined],
      ["User", "Active", ["0.0.0.0/0"], "VirtualAppliance", ["10.1.0.4"], "to-fw"],
      ["User", "Active", ["10.2.0.0/16"], "None", [], "blackhole"],
      ["User", "Active", ["192.168.0.0/16"], "VirtualNetworkGateway", [], "rfc-override"],
    ]);
    expect(r.value?.every((x) => x.disableBgpRoutePropagation === true)).toBe(true);
  });

  it("answers 202 with Location; the result URL carries the list (final-state-via location)", async () => {
    const res = await c.emu.arm(
      "POST",
      `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/networkInterfaces/nic1/effectiveRouteTable?api-version=2026-01-01`,
    );
    expect(res.status).toBe(202);
    const loc = res.headers.get("location") ?? "";
    expect(loc).toMatch(/\/providers\/Microsoft\.Network\/locations\/eastus\/operationresults\//);
    const result = await c.emu.arm("GET", loc.replace(c.emu.url, ""));
    expect(result.status).toBe(200);
    expect((result.body as { value: unknown[] }).value).toHaveLength(9);
  });

  it("a subnet without a route table: only the system routes, all Active", async () => {
    const vnet = await c.net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "plain", {
      location: "eastus",
      addressSpace: { addressPrefixes: ["192.168.10.0/24"] },
      subnets: [{ name: "s", addressPrefix: "192.168.10.0/26" }],
    });
    await c.net.networkInterfaces.beginCreateOrUpdateAndWait(RG, "plain-nic", {
      location: "eastus",
      ipConfigurations: [{ name: "ip", subnet: { id: vnet.subnets?.[0]?.id } }],
    });
    const r = await c.net.networkInterfaces.getEffectiveRouteTable(RG, "plain-nic");
    expect((r.value ?? []).map((x) => `${x.state} ${x.addressPrefix?.[0]} ${x.nextHopType}`)).toEqual([
      "Active 192.168.10.0/24 VnetLocal",
      "Active 0.0.0.0/0 Internet",
      "Active 10.0.0.0/8 None",
      "Active 100.64.0.0/10 None",
      "Active 172.16.0.0/12 None",
      "Active 192.168.0.0/16 None",
    ]);
    const nsgs = await c.net.networkInterfaces.listEffectiveNetworkSecurityGroups(RG, "plain-nic");
    expect(nsgs.value).toEqual([]);
  });

  it("a NIC that does not exist: 404 ResourceNotFound, for both answers", async () => {
    const e1 = await errorOf(c.net.networkInterfaces.getEffectiveRouteTable(RG, "nope"));
    expect([e1.statusCode, e1.code]).toEqual([404, "ResourceNotFound"]);
    const e2 = await errorOf(c.net.networkInterfaces.listEffectiveNetworkSecurityGroups(RG, "nope"));
    expect([e2.statusCode, e2.code]).toEqual([404, "ResourceNotFound"]);
  });
});

describe("NIC effectiveNetworkSecurityGroups", () => {
  it("the subnet's NSG then the NIC's, with associations, expanded prefixes and the tag map", async () => {
    const r = await c.net.networkInterfaces.listEffectiveNetworkSecurityGroups(RG, "nic1");
    expect(r.value?.map((g) => [g.networkSecurityGroup?.id, g.association])).toEqual([
      [subnetNsgId, { subnet: { id: subnetId } }],
      [nicNsgId, { networkInterface: { id: nicId } }],
    ]);
    const [subnetLevel, nicLevel] = r.value ?? [];
    const nicAddress = (await c.net.networkInterfaces.get(RG, "nic1")).ipConfigurations?.[0]
      ?.privateIPAddress;
    const rules = subnetLevel.effectiveSecurityRules ?? [];
    expect(rules.map((x) => x.name)).toEqual([
      "securityRules/web-in",
      "securityRules/deny-mgmt",
      "defaultSecurityRules/AllowVnetInBound",
      "defaultSecurityRules/AllowAzureLoadBalancerInBound",
      "defaultSecurityRules/DenyAllInBound",
      "defaultSecurityRules/AllowVnetOutBound",
      "defaultSecurityRules/AllowInternetOutBound",
      "defaultSecurityRules/DenyAllOutBound",
    ]);
    // The ASG side is the addresses of the NICs in it; Internet is everything outside VirtualNetwork.
    expect(rules[0]).toMatchObject({
      protocol: "Tcp",
      sourcePortRange: "0-65535",
      destinationPortRanges: ["80-80", "443-443"],
      sourceAddressPrefix: "Internet",
      destinationAddressPrefix: `${nicAddress}/32`,
      access: "Allow",
      priority: 100,
      direction: "Inbound",
    });
    // The subnet's 0.0.0.0/0 user route puts every address in VirtualNetwork (Azure documents UDR
    // prefixes as part of the tag), so Internet is empty here — forced tunnelling's known effect.
    expect(rules[0].expandedSourceAddressPrefix).toBeUndefined();
    expect((subnetLevel.tagMap as unknown as Record<string, string[]>).Internet).toEqual([]);
    expect(rules[1]).toMatchObject({
      protocol: "All",
      destinationPortRange: "22-22",
      sourceAddressPrefixes: ["203.0.113.7/32", "198.51.100.0/24"],
      destinationAddressPrefix: "0.0.0.0/0",
      access: "Deny",
    });
    expect(rules[1].expandedSourceAddressPrefix).toBeUndefined();
    // VirtualNetwork here: the VNet's spaces, the subnet's user route prefixes, the host VIP.
    const vnetTag = [
      "10.1.0.0/16",
      "172.16.0.0/12",
      "0.0.0.0/0",
      "10.2.0.0/16",
      "192.168.0.0/16",
      "168.63.129.16/32",
    ];
    expect(rules[2]).toMatchObject({
      sourceAddressPrefix: "VirtualNetwork",
      expandedSourceAddressPrefix: vnetTag,
      expandedDestinationAddressPrefix: vnetTag,
    });
    expect(rules[3].expandedSourceAddressPrefix).toEqual(["168.63.129.16/32"]);
    expect(Object.keys(subnetLevel.tagMap as unknown as object).sort()).toEqual([
      "AzureLoadBalancer",
      "Internet",
      "VirtualNetwork",
    ]);
    expect(nicLevel.effectiveSecurityRules?.[0]).toMatchObject({
      name: "securityRules/udp-out",
      protocol: "Udp",
      destinationPortRange: "53-53",
      sourceAddressPrefix: "VirtualNetwork",
      destinationAddressPrefix: "AzureLoadBalancer",
      expandedDestinationAddressPrefix: ["168.63.129.16/32"],
      direction: "Outbound",
    });
  });

  it("a rule added later shows at once (the answer is computed from the stored rules)", async () => {
    await c.net.securityRules.beginCreateOrUpdateAndWait(RG, "nic-nsg", "ssh", {
      priority: 110,
      direction: "Inbound",
      access: "Allow",
      protocol: "Tcp",
      sourcePortRange: "*",
      destinationPortRange: "22",
      sourceAddressPrefix: "10.1.0.0/24",
      destinationAddressPrefix: "*",
    });
    const r = await c.net.networkInterfaces.listEffectiveNetworkSecurityGroups(RG, "nic1");
    expect(r.value?.[1].effectiveSecurityRules?.[0]).toMatchObject({
      name: "securityRules/ssh",
      sourceAddressPrefix: "10.1.0.0/24",
      destinationPortRange: "22-22",
      priority: 110,
    });
  });
});

describe("an AKS node's NIC (scale set instance path)", () => {
  it("kubenet pod routes are user routes; the node NSG's answer agrees with aksnet trace", async () => {
    await c.resources.resourceGroups.createOrUpdate("eff-aks", { location: "eastus" });
    const mc = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      "eff-aks",
      "k1",
      clusterBody({ count: 2, podCidr: "10.244.0.0/16" }),
    );
    expect(mc.provisioningState).toBe("Succeeded");
    const nrg = nodeRg("eff-aks", "k1");
    const vmss: string[] = [];
    for await (const s of c.compute.virtualMachineScaleSets.list(nrg)) vmss.push(s.name ?? "");
    expect(vmss).toHaveLength(1);
    const nics: { id: string; ip: string }[] = [];
    for await (const n of c.net.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(nrg, vmss[0]))
      nics.push({ id: n.id ?? "", ip: n.ipConfigurations?.[0]?.privateIPAddress ?? "" });
    expect(nics).toHaveLength(2);
    const post = async (what: string) => {
      const res = await c.emu.arm("POST", `${nics[0].id}/${what}?api-version=2018-10-01`);
      expect(res.status).toBe(202);
      const out = await c.emu.arm("GET", (res.headers.get("location") ?? "").replace(c.emu.url, ""));
      expect(out.status).toBe(200);
      return out.body as { value: Record<string, unknown>[] };
    };
    const routes = (await post("effectiveRouteTable")).value;
    const user = routes.filter((r) => r.source === "User");
    // One route per node: its pod CIDR block → the node's address.
    expect(user).toHaveLength(2);
    expect(user.map((r) => (r.nextHopIpAddress as string[])[0]).sort()).toEqual(nics.map((n) => n.ip).sort());
    for (const r of user) {
      expect(r.nextHopType).toBe("VirtualAppliance");
      expect((r.addressPrefix as string[])[0]).toMatch(/^10\.244\.\d+\.0\/24$/);
    }
    expect(routes.find((r) => r.nextHopType === "VnetLocal")?.addressPrefix).toEqual(["10.224.0.0/12"]);

    const nsgs = (await post("effectiveNetworkSecurityGroups")).value;
    // The managed subnet and the node NIC both carry the cluster's NSG: two levels, one NSG.
    expect(nsgs.map((g) => g.association)).toEqual([
      { subnet: { id: expect.stringMatching(/\/subnets\/aks-subnet$/) } },
      { networkInterface: { id: nics[0].id } },
    ]);
    expect((nsgs[0].networkSecurityGroup as { id: string }).id).toBe(
      (nsgs[1].networkSecurityGroup as { id: string }).id,
    );
    const inbound = (nsgs[0].effectiveSecurityRules as Record<string, unknown>[]).filter(
      (r) => r.direction === "Inbound",
    );
    expect(inbound.map((r) => r.name)).toEqual([
      "defaultSecurityRules/AllowVnetInBound",
      "defaultSecurityRules/AllowAzureLoadBalancerInBound",
      "defaultSecurityRules/DenyAllInBound",
    ]);
    // Internet: every IPv4 address outside VirtualNetwork (VNet space, pod routes, host VIP).
    const out = (nsgs[0].effectiveSecurityRules as Record<string, unknown>[]).find(
      (r) => r.name === "defaultSecurityRules/AllowInternetOutBound",
    );
    const internet = out?.expandedDestinationAddressPrefix as string[];
    expect(internet).toContain("11.0.0.0/8");
    expect(internet).toContain("0.0.0.0/5");
    expect(internet).toContain("10.0.0.0/9");
    expect(internet).toContain("168.63.129.17/32");
    // Around the two nodes' pod blocks (10.244.0.0/24, 10.244.1.0/24) and the VNet's 10.224.0.0/12.
    expect(internet).toContain("10.244.2.0/23");
    expect(internet).toContain("10.240.0.0/14");
    expect(internet.some((p) => p.startsWith("10.224.") || /^10\.244\.[01]\./.test(p))).toBe(false);
    // The trace of 8080/tcp from the Internet ends at the same rule the list says decides it.
    const res = await fetch(`${c.emu.url}/_aksnet/trace`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await c.emu.token()}` },
      body: JSON.stringify({ resourceGroup: "eff-aks", cluster: "k1", port: "8080/tcp" }),
    });
    const t = (await res.json()) as TraceResult;
    expect(t.nodes.map((n) => `defaultSecurityRules/${n.decidingRule?.name}`)).toEqual([
      inbound[2].name,
      inbound[2].name,
    ]);
    expect(t.virtualNetwork.map((v) => v.prefix)).toEqual(
      (inbound[0].expandedSourceAddressPrefix as string[]).filter((p) => p !== "168.63.129.16/32"),
    );

    const missing = await c.emu.arm(
      "POST",
      `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${nrg}/providers/Microsoft.Compute/virtualMachineScaleSets/${vmss[0]}/virtualMachines/99/networkInterfaces/x/effectiveRouteTable?api-version=2018-10-01`,
    );
    expect(missing.status).toBe(404);
    expect(vnetId).toMatch(/vnet1$/);
  });
});

describe("NIC ip configurations, load balancers, subnet network policies", () => {
  it("a secondary ip configuration shares the subnet and takes an aligned /28 block", async () => {
    const vnet = await c.net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "blocks", {
      location: "eastus",
      addressSpace: { addressPrefixes: ["10.50.0.0/24"] },
      subnets: [{ name: "s", addressPrefix: "10.50.0.0/24" }],
    });
    const nic = await c.net.networkInterfaces.beginCreateOrUpdateAndWait(RG, "block-nic", {
      location: "eastus",
      disableTcpStateTracking: true,
      ipConfigurations: [
        { name: "ip1", subnet: { id: vnet.subnets?.[0]?.id } },
        { name: "ip2", privateIPAddressPrefixLength: 28 },
      ],
    });
    expect(nic.disableTcpStateTracking).toBe(true);
    expect(nic.ipConfigurations?.map((x) => [x.name, x.privateIPAddress, x.subnet?.id])).toEqual([
      ["ip1", "10.50.0.4", vnet.subnets?.[0]?.id],
      // .0–.3 are Azure's and .4 is ip1's: the first free aligned /28 is .16/28.
      ["ip2", "10.50.0.16/28", vnet.subnets?.[0]?.id],
    ]);
    expect(nic.ipConfigurations?.[1]?.privateIPAddressPrefixLength).toBe(28);
    // The block's 16 addresses are held: the next /28 request gets .32/28.
    const other = await c.net.networkInterfaces.beginCreateOrUpdateAndWait(RG, "block-nic2", {
      location: "eastus",
      ipConfigurations: [
        { name: "a", subnet: { id: vnet.subnets?.[0]?.id }, privateIPAddressPrefixLength: 28 },
      ],
    });
    expect(other.ipConfigurations?.[0]?.privateIPAddress).toBe("10.50.0.32/28");
    // A re-PUT keeps the block.
    const again = await c.net.networkInterfaces.beginCreateOrUpdateAndWait(RG, "block-nic", {
      location: "eastus",
      ipConfigurations: [
        { name: "ip1", subnet: { id: vnet.subnets?.[0]?.id } },
        { name: "ip2", privateIPAddressPrefixLength: 28 },
      ],
    });
    expect(again.ipConfigurations?.[1]?.privateIPAddress).toBe("10.50.0.16/28");
    const bad = await errorOf(
      c.net.networkInterfaces.beginCreateOrUpdateAndWait(RG, "block-bad", {
        location: "eastus",
        ipConfigurations: [
          { name: "a", subnet: { id: vnet.subnets?.[0]?.id }, privateIPAddressPrefixLength: 0 },
        ],
      }),
    );
    expect([bad.statusCode, bad.code]).toEqual([400, "InvalidRequestContent"]);
  });

  it("lists the load balancers whose backend pools a NIC joins", async () => {
    const lb = await c.net.loadBalancers.beginCreateOrUpdateAndWait(RG, "ilb", {
      location: "eastus",
      sku: { name: "Standard" },
      frontendIPConfigurations: [{ name: "fe", subnet: { id: subnetId } }],
      backendAddressPools: [{ name: "be" }],
    });
    const poolId = lb.backendAddressPools?.[0]?.id ?? "";
    const nic = await c.net.networkInterfaces.beginCreateOrUpdateAndWait(RG, "lb-nic", {
      location: "eastus",
      ipConfigurations: [
        { name: "ip", subnet: { id: subnetId }, loadBalancerBackendAddressPools: [{ id: poolId }] },
      ],
    });
    expect(nic.ipConfigurations?.[0]?.loadBalancerBackendAddressPools).toEqual([{ id: poolId }]);
    const listed: string[] = [];
    for await (const x of c.net.networkInterfaceLoadBalancers.list(RG, "lb-nic")) listed.push(x.id ?? "");
    expect(listed).toEqual([lb.id]);
    const none: string[] = [];
    for await (const x of c.net.networkInterfaceLoadBalancers.list(RG, "nic1")) none.push(x.id ?? "");
    expect(none).toEqual([]);
    const e = await errorOf(
      c.net.networkInterfaces.beginCreateOrUpdateAndWait(RG, "lb-nic2", {
        location: "eastus",
        ipConfigurations: [
          {
            name: "ip",
            subnet: { id: subnetId },
            loadBalancerBackendAddressPools: [{ id: `${lb.id}/backendAddressPools/nope` }],
          },
        ],
      }),
    );
    expect([e.statusCode, e.code]).toEqual([400, "InvalidResourceReference"]);
  });

  it("PrepareNetworkPolicies / UnprepareNetworkPolicies need the subnet and a serviceName", async () => {
    await c.net.subnets.prepareNetworkPolicies(RG, "vnet1", "s1", {
      serviceName: "Microsoft.Sql/managedInstances",
    });
    await c.net.subnets.unprepareNetworkPolicies(RG, "vnet1", "s1", {
      serviceName: "Microsoft.Sql/managedInstances",
    });
    const e1 = await errorOf(c.net.subnets.prepareNetworkPolicies(RG, "vnet1", "nope", { serviceName: "x" }));
    expect(e1.statusCode).toBe(404);
    const e2 = await c.emu.arm("POST", `${subnetId}/PrepareNetworkPolicies?api-version=2026-01-01`, {});
    expect(e2.status).toBe(400);
    expect((e2.body as { error: { code: string; target?: string } }).error).toMatchObject({
      target: "serviceName",
    });
  });
});
