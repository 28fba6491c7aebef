// Fields the published Network examples show and clients read back, through @azure/arm-network:
// defaults Azure fills in (ddosSettings, flushConnection, service endpoint locations, delegation
// ids and states) and settings it echoes after validating them (flow timeout, encryption, BGP).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Clients, errorOf, startClients } from "./aks-helpers.js";

let c: Clients;
const RG = "fid-rg";

beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
});
afterAll(async () => c?.emu.close());

describe("public IP addresses", () => {
  it("ddosSettings defaults to VirtualNetworkInherited; a given mode and label scope are kept", async () => {
    const plain = await c.net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "pip1", {
      location: "eastus",
      sku: { name: "Standard" },
      publicIPAllocationMethod: "Static",
    });
    expect(plain.ddosSettings).toEqual({ protectionMode: "VirtualNetworkInherited" });
    const custom = await c.net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "pip2", {
      location: "eastus",
      sku: { name: "Standard" },
      publicIPAllocationMethod: "Static",
      ddosSettings: { protectionMode: "Disabled" },
      dnsSettings: { domainNameLabel: "fid", domainNameLabelScope: "TenantReuse" },
    });
    expect(custom.ddosSettings).toEqual({ protectionMode: "Disabled" });
    expect(custom.dnsSettings).toMatchObject({ domainNameLabel: "fid", domainNameLabelScope: "TenantReuse" });
    const e = await errorOf(
      c.emu
        .arm(
          "PUT",
          `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/publicIPAddresses/pip3?api-version=2026-01-01`,
          {
            location: "eastus",
            sku: { name: "Standard" },
            properties: { publicIPAllocationMethod: "Static", ddosSettings: { protectionMode: "Sometimes" } },
          },
        )
        .then((r) => {
          if (r.status >= 400) throw { statusCode: r.status, ...(r.body as { error: object }).error };
        }),
    );
    expect(e.statusCode).toBe(400);
    expect(e.message).toMatch(/protectionMode/);
  });
});

describe("virtual networks and subnets", () => {
  it("echoes flowTimeoutInMinutes, encryption and BGP communities (with the regional one)", async () => {
    const v = await c.net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "v1", {
      location: "eastus",
      addressSpace: { addressPrefixes: ["10.0.0.0/16"] },
      flowTimeoutInMinutes: 10,
      encryption: { enabled: true },
      bgpCommunities: { virtualNetworkCommunity: "12076:20000" },
    });
    expect(v.flowTimeoutInMinutes).toBe(10);
    expect(v.encryption).toEqual({ enabled: true, enforcement: "AllowUnencrypted" });
    expect(v.bgpCommunities).toEqual({
      virtualNetworkCommunity: "12076:20000",
      regionalCommunity: "12076:50004",
    });
    const e = await errorOf(
      c.net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "v2", {
        location: "eastus",
        addressSpace: { addressPrefixes: ["10.1.0.0/16"] },
        flowTimeoutInMinutes: 31,
      }),
    );
    expect([e.statusCode, e.code]).toEqual([400, "InvalidRequestContent"]);
    expect((await errorOf(c.net.virtualNetworks.get(RG, "v2"))).statusCode).toBe(404);
  });

  it("service endpoints get the VNet's region and a state; delegations an id, type, actions, state", async () => {
    await c.net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "v3", {
      location: "eastus",
      addressSpace: { addressPrefixes: ["10.3.0.0/16"] },
    });
    const s = await c.net.subnets.beginCreateOrUpdateAndWait(RG, "v3", "s1", {
      addressPrefix: "10.3.0.0/24",
      serviceEndpoints: [
        { service: "Microsoft.Storage" },
        { service: "Microsoft.Sql", locations: ["westus"] },
      ],
      delegations: [{ name: "d1", serviceName: "Microsoft.ContainerInstance/containerGroups" }],
    });
    expect(s.serviceEndpoints).toEqual([
      { service: "Microsoft.Storage", locations: ["eastus"], provisioningState: "Succeeded" },
      { service: "Microsoft.Sql", locations: ["westus"], provisioningState: "Succeeded" },
    ]);
    expect(s.delegations).toEqual([
      expect.objectContaining({
        name: "d1",
        id: `${s.id}/delegations/d1`,
        type: "Microsoft.Network/virtualNetworks/subnets/delegations",
        serviceName: "Microsoft.ContainerInstance/containerGroups",
        actions: [],
        provisioningState: "Succeeded",
      }),
    ]);
    const e = await errorOf(
      c.net.subnets.beginCreateOrUpdateAndWait(RG, "v3", "s2", {
        addressPrefix: "10.3.1.0/24",
        delegations: [{ name: "d2" }],
      }),
    );
    expect(e.statusCode).toBe(400);
    expect(e.message).toMatch(/serviceName/);
  });
});

describe("network security groups", () => {
  it("flushConnection defaults to false and keeps what the client sets", async () => {
    const a = await c.net.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, "n1", { location: "eastus" });
    expect(a.flushConnection).toBe(false);
    const b = await c.net.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, "n2", {
      location: "eastus",
      flushConnection: true,
    });
    expect(b.flushConnection).toBe(true);
  });
});

describe("load balancers", () => {
  it("parts carry their type and defaults; frontends, pools and probes list the rules using them; NAT rules kept", async () => {
    const v = await c.net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "lbv", {
      location: "eastus",
      addressSpace: { addressPrefixes: ["10.9.0.0/16"] },
      subnets: [{ name: "s", addressPrefix: "10.9.0.0/24" }],
    });
    const id = `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/loadBalancers/lb1`;
    const lb = await c.net.loadBalancers.beginCreateOrUpdateAndWait(RG, "lb1", {
      location: "eastus",
      sku: { name: "Standard" },
      frontendIPConfigurations: [{ name: "fe", subnet: { id: v.subnets?.[0]?.id } }],
      backendAddressPools: [{ name: "be" }],
      probes: [{ name: "p", protocol: "Tcp", port: 80 }],
      loadBalancingRules: [
        {
          name: "r",
          frontendIPConfiguration: { id: `${id}/frontendIPConfigurations/fe` },
          backendAddressPool: { id: `${id}/backendAddressPools/be` },
          probe: { id: `${id}/probes/p` },
          protocol: "Tcp",
          frontendPort: 80,
          backendPort: 80,
        },
      ],
      inboundNatRules: [
        {
          name: "rdp",
          frontendIPConfiguration: { id: `${id}/frontendIPConfigurations/fe` },
          protocol: "Tcp",
          frontendPort: 3389,
          backendPort: 3389,
          enableFloatingIP: true,
          idleTimeoutInMinutes: 15,
        },
        {
          name: "ssh-range",
          frontendIPConfiguration: { id: `${id}/frontendIPConfigurations/fe` },
          backendAddressPool: { id: `${id}/backendAddressPools/be` },
          protocol: "Tcp",
          frontendPortRangeStart: 50000,
          frontendPortRangeEnd: 50099,
          backendPort: 22,
        },
      ],
    });
    const fe = lb.frontendIPConfigurations?.[0];
    expect(fe?.type).toBe("Microsoft.Network/loadBalancers/frontendIPConfigurations");
    expect(fe?.privateIPAddressVersion).toBe("IPv4");
    expect(fe?.loadBalancingRules).toEqual([{ id: `${id}/loadBalancingRules/r` }]);
    expect(fe?.inboundNatRules).toEqual([
      { id: `${id}/inboundNatRules/rdp` },
      { id: `${id}/inboundNatRules/ssh-range` },
    ]);
    expect(lb.backendAddressPools?.[0]?.loadBalancingRules).toEqual([{ id: `${id}/loadBalancingRules/r` }]);
    expect(lb.probes?.[0]).toMatchObject({
      type: "Microsoft.Network/loadBalancers/probes",
      probeThreshold: 1,
      loadBalancingRules: [{ id: `${id}/loadBalancingRules/r` }],
    });
    expect(lb.loadBalancingRules?.[0]).toMatchObject({
      type: "Microsoft.Network/loadBalancers/loadBalancingRules",
      loadDistribution: "Default",
      enableTcpReset: false,
    });
    expect(
      lb.inboundNatRules?.map((n) => [
        n.name,
        n.type,
        n.frontendPort,
        n.frontendPortRangeStart,
        n.backendPort,
      ]),
    ).toEqual([
      ["rdp", "Microsoft.Network/loadBalancers/inboundNatRules", 3389, undefined, 3389],
      ["ssh-range", "Microsoft.Network/loadBalancers/inboundNatRules", undefined, 50000, 22],
    ]);
    const got = await c.net.inboundNatRules.get(RG, "lb1", "rdp");
    expect([got.enableFloatingIP, got.idleTimeoutInMinutes]).toEqual([true, 15]);
    const e = await errorOf(
      c.net.loadBalancers.beginCreateOrUpdateAndWait(RG, "lb2", {
        location: "eastus",
        sku: { name: "Standard" },
        frontendIPConfigurations: [{ name: "fe", subnet: { id: v.subnets?.[0]?.id } }],
        inboundNatRules: [{ name: "x", protocol: "Tcp", frontendPort: 1, backendPort: 1 }],
      }),
    );
    expect(e.statusCode).toBe(400);
    expect(e.message).toMatch(/frontendIPConfiguration/);
  });

  it("two rules without floating IP may not share a pool, protocol and backend port; with it they may", async () => {
    const v = await c.net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "lbv3", {
      location: "eastus",
      addressSpace: { addressPrefixes: ["10.19.0.0/16"] },
      subnets: [{ name: "s", addressPrefix: "10.19.0.0/24" }],
    });
    const id = `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/loadBalancers/lb3`;
    const rule = (name: string, frontendPort: number, enableFloatingIP = false) => ({
      name,
      frontendIPConfiguration: { id: `${id}/frontendIPConfigurations/fe` },
      backendAddressPool: { id: `${id}/backendAddressPools/be` },
      protocol: "Tcp",
      frontendPort,
      backendPort: 8080,
      enableFloatingIP,
    });
    const body = (rules: ReturnType<typeof rule>[]) => ({
      location: "eastus",
      sku: { name: "Standard" },
      frontendIPConfigurations: [{ name: "fe", subnet: { id: v.subnets?.[0]?.id } }],
      backendAddressPools: [{ name: "be" }],
      loadBalancingRules: rules,
    });
    const e = await errorOf(
      c.net.loadBalancers.beginCreateOrUpdateAndWait(RG, "lb3", body([rule("r80", 80), rule("r81", 81)])),
    );
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe("RulesUseSameBackendPortProtocolAndPool");
    expect(e.message).toBe(
      `Load balancing rules ${id}/loadBalancingRules/r80 and ${id}/loadBalancingRules/r81 with floating IP disabled use the same protocol Tcp and backend port 8080, and must not be used with the same backend address pool ${id}/backendAddressPools/be.`,
    );
    const ok = await c.net.loadBalancers.beginCreateOrUpdateAndWait(
      RG,
      "lb3",
      body([rule("r80", 80, true), rule("r81", 81, true)]),
    );
    expect(ok.loadBalancingRules?.length).toBe(2);
  });
});
