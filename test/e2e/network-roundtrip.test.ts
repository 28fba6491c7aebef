// Microsoft.Network as SDK users and az drive it beyond the basics: every type survives a
// GET → modify → PUT round trip (read-only fields echoed back, raw and through the SDK, on
// the SDK's and az's api-versions); NIC and load-balancer parts are readable through their
// own operation groups; IPv6 ip configurations on dual-stack subnets take IPv6 addresses;
// a group holding many resources deletes; out-of-range values are refused naming the field.
import { NetworkManagementClient } from "@azure/arm-network";
import { ResourceManagementClient } from "@azure/arm-resources";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let emu: TestEmulator;
let net: NetworkManagementClient;
let res: ResourceManagementClient;
const RG = "rt-rg";

beforeAll(async () => {
  emu = await startTestEmulator({ pageSize: 4 });
  net = new NetworkManagementClient(emu.credential, emu.subscriptionId, emu.clientOptions);
  res = new ResourceManagementClient(emu.credential, emu.subscriptionId, emu.clientOptions);
  await res.resourceGroups.createOrUpdate(RG, { location: "eastus" });
});
afterAll(async () => emu?.close());

const base = (rg = RG) =>
  `/subscriptions/${emu.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network`;
const all = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};
const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as { statusCode?: number; code?: string; message: string; details?: { target?: string } };
  }
  throw new Error("expected the call to fail");
};

async function buildEverything(rg: string) {
  const b = base(rg);
  await net.routeTables.beginCreateOrUpdateAndWait(rg, "rt", {
    location: "eastus",
    routes: [
      {
        name: "nva",
        addressPrefix: "0.0.0.0/0",
        nextHopType: "VirtualAppliance",
        nextHopIpAddress: "10.0.0.4",
      },
    ],
  });
  await net.applicationSecurityGroups.beginCreateOrUpdateAndWait(rg, "asg", { location: "eastus" });
  await net.networkSecurityGroups.beginCreateOrUpdateAndWait(rg, "nsg", {
    location: "eastus",
    securityRules: [
      {
        name: "web",
        protocol: "Tcp",
        access: "Allow",
        direction: "Inbound",
        priority: 100,
        sourcePortRange: "*",
        destinationPortRanges: ["80", "443"],
        sourceAddressPrefixes: ["10.0.0.0/8", "192.168.0.0/16"],
        destinationApplicationSecurityGroups: [{ id: `${b}/applicationSecurityGroups/asg` }],
      },
    ],
  });
  await net.virtualNetworks.beginCreateOrUpdateAndWait(rg, "vnet", {
    location: "East US",
    addressSpace: { addressPrefixes: ["10.0.0.0/16", "fd00:db8::/48"] },
    subnets: [
      {
        name: "dual",
        addressPrefixes: ["10.0.1.0/24", "fd00:db8:0:1::/64"],
        routeTable: { id: `${b}/routeTables/rt` },
        networkSecurityGroup: { id: `${b}/networkSecurityGroups/nsg` },
      },
    ],
  });
  await net.publicIPPrefixes.beginCreateOrUpdateAndWait(rg, "pfx", {
    location: "eastus",
    sku: { name: "Standard" },
    prefixLength: 30,
  });
  await net.publicIPPrefixes.beginCreateOrUpdateAndWait(rg, "pfx6", {
    location: "eastus",
    sku: { name: "Standard" },
    prefixLength: 126,
    publicIPAddressVersion: "IPv6",
  });
  await net.publicIPAddresses.beginCreateOrUpdateAndWait(rg, "pip", {
    location: "eastus",
    sku: { name: "Standard" },
    publicIPAllocationMethod: "Static",
    publicIPPrefix: { id: `${b}/publicIPPrefixes/pfx` },
  });
  await net.publicIPAddresses.beginCreateOrUpdateAndWait(rg, "lbpip", {
    location: "eastus",
    sku: { name: "Standard" },
    publicIPAllocationMethod: "Static",
  });
  await net.networkInterfaces.beginCreateOrUpdateAndWait(rg, "nic", {
    location: "eastus",
    ipConfigurations: [
      {
        name: "v4",
        primary: true,
        subnet: { id: `${b}/virtualNetworks/vnet/subnets/dual` },
        publicIPAddress: { id: `${b}/publicIPAddresses/pip` },
        applicationSecurityGroups: [{ id: `${b}/applicationSecurityGroups/asg` }],
      },
      {
        name: "v6",
        privateIPAddressVersion: "IPv6",
        subnet: { id: `${b}/virtualNetworks/vnet/subnets/dual` },
      },
    ],
  });
  const lb = `${b}/loadBalancers/lb`;
  await net.loadBalancers.beginCreateOrUpdateAndWait(rg, "lb", {
    location: "eastus",
    sku: { name: "Standard" },
    frontendIPConfigurations: [{ name: "fe", publicIPAddress: { id: `${b}/publicIPAddresses/lbpip` } }],
    backendAddressPools: [{ name: "be" }],
    probes: [{ name: "http", protocol: "Tcp", port: 80, intervalInSeconds: 5, numberOfProbes: 2 }],
    loadBalancingRules: [
      {
        name: "r80",
        protocol: "Tcp",
        frontendPort: 80,
        backendPort: 80,
        frontendIPConfiguration: { id: `${lb}/frontendIPConfigurations/fe` },
        backendAddressPool: { id: `${lb}/backendAddressPools/be` },
        probe: { id: `${lb}/probes/http` },
      },
    ],
  });
}

const PATHS = [
  "routeTables/rt",
  "routeTables/rt/routes/nva",
  "applicationSecurityGroups/asg",
  "networkSecurityGroups/nsg",
  "networkSecurityGroups/nsg/securityRules/web",
  "virtualNetworks/vnet",
  "virtualNetworks/vnet/subnets/dual",
  "publicIPPrefixes/pfx",
  "publicIPPrefixes/pfx6",
  "publicIPAddresses/pip",
  "publicIPAddresses/lbpip",
  "networkInterfaces/nic",
  "loadBalancers/lb",
];

describe("GET → PUT round trips", () => {
  it("every type accepts its own GET body back unchanged (SDK and az api-versions) and stays the same", async () => {
    await buildEverything(RG);
    for (const p of PATHS) {
      for (const v of ["2026-01-01", "2022-09-01"]) {
        const url = `${base()}/${p}?api-version=${v}`;
        const before = await emu.arm("GET", url);
        expect(before.status, p).toBe(200);
        const put = await emu.arm("PUT", url, before.body);
        expect(put.status, `${p}@${v}: ${put.text}`).toBe(200);
        const after = await emu.arm("GET", url);
        const strip = (b: unknown) =>
          JSON.parse(JSON.stringify(b), (k, val) => (k === "etag" ? undefined : val));
        expect(strip(after.body), p).toEqual(strip(before.body));
      }
    }
  });

  it("an SDK get → change → createOrUpdate works for every type", async () => {
    const vnet = await net.virtualNetworks.get(RG, "vnet");
    vnet.tags = { touched: "yes" };
    expect((await net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "vnet", vnet)).tags).toEqual({
      touched: "yes",
    });
    const subnet = await net.subnets.get(RG, "vnet", "dual");
    expect(subnet.ipConfigurations?.length).toBe(2);
    await net.subnets.beginCreateOrUpdateAndWait(RG, "vnet", "dual", subnet);
    const nsg = await net.networkSecurityGroups.get(RG, "nsg");
    nsg.securityRules?.push({
      name: "ssh",
      protocol: "Tcp",
      access: "Deny",
      direction: "Inbound",
      priority: 200,
      sourcePortRange: "*",
      destinationPortRange: "22",
      sourceAddressPrefix: "Internet",
      destinationAddressPrefix: "*",
    });
    const nsg2 = await net.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, "nsg", nsg);
    expect(nsg2.securityRules?.map((r) => r.name)).toEqual(["web", "ssh"]);
    expect(nsg2.defaultSecurityRules).toHaveLength(6);
    const rt = await net.routeTables.get(RG, "rt");
    rt.disableBgpRoutePropagation = true;
    expect((await net.routeTables.beginCreateOrUpdateAndWait(RG, "rt", rt)).subnets?.length).toBe(1);
    const nic = await net.networkInterfaces.get(RG, "nic");
    nic.enableIPForwarding = true;
    const nic2 = await net.networkInterfaces.beginCreateOrUpdateAndWait(RG, "nic", nic);
    expect(nic2.ipConfigurations?.map((c) => c.privateIPAddress)).toEqual(
      nic.ipConfigurations?.map((c) => c.privateIPAddress),
    );
    const pip = await net.publicIPAddresses.get(RG, "pip");
    expect(pip.ipConfiguration?.id).toMatch(/networkInterfaces\/nic\/ipConfigurations\/v4$/);
    pip.tags = { a: "b" };
    const pip2 = await net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "pip", pip);
    expect(pip2.ipAddress).toBe(pip.ipAddress);
    const pfx = await net.publicIPPrefixes.get(RG, "pfx");
    expect(pfx.publicIPAddresses).toHaveLength(1);
    await net.publicIPPrefixes.beginCreateOrUpdateAndWait(RG, "pfx", pfx);
    const lb = await net.loadBalancers.get(RG, "lb");
    lb.tags = { lb: "1" };
    await net.loadBalancers.beginCreateOrUpdateAndWait(RG, "lb", lb);
    const asg = await net.applicationSecurityGroups.get(RG, "asg");
    await net.applicationSecurityGroups.beginCreateOrUpdateAndWait(RG, "asg", asg);
  });
});

describe("parts of NICs and load balancers", () => {
  it("reads ip configurations, frontends, pools, probes and rules through their operation groups", async () => {
    const cfgs = await all(net.networkInterfaceIPConfigurations.list(RG, "nic"));
    expect(cfgs.map((c) => [c.name, c.privateIPAddressVersion])).toEqual([
      ["v4", "IPv4"],
      ["v6", "IPv6"],
    ]);
    const v4 = await net.networkInterfaceIPConfigurations.get(RG, "nic", "V4");
    expect(v4.publicIPAddress?.id).toMatch(/publicIPAddresses\/pip$/);
    const fe = await net.loadBalancerFrontendIPConfigurations.get(RG, "lb", "fe");
    expect(fe.publicIPAddress?.id).toMatch(/publicIPAddresses\/lbpip$/);
    expect((await all(net.loadBalancerFrontendIPConfigurations.list(RG, "lb"))).map((f) => f.name)).toEqual([
      "fe",
    ]);
    expect((await all(net.loadBalancerBackendAddressPools.list(RG, "lb"))).map((p) => p.name)).toEqual([
      "be",
    ]);
    expect((await net.loadBalancerBackendAddressPools.get(RG, "lb", "be")).name).toBe("be");
    expect((await net.loadBalancerProbes.get(RG, "lb", "http")).port).toBe(80);
    expect((await all(net.loadBalancerLoadBalancingRules.list(RG, "lb"))).map((r) => r.frontendPort)).toEqual(
      [80],
    );
    expect(await all(net.loadBalancerOutboundRules.list(RG, "lb"))).toEqual([]);
    const missing = await errorOf(net.loadBalancerProbes.get(RG, "lb", "nope"));
    expect(missing.statusCode).toBe(404);
    const noLb = await errorOf(net.loadBalancerProbes.get(RG, "nolb", "http"));
    expect(noLb.statusCode).toBe(404);
    expect(noLb.code).toBe("ResourceNotFound");
  });
});

describe("IPv6 ip configurations", () => {
  it("take an address from the subnet's IPv6 prefix, and are refused on an IPv4-only subnet", async () => {
    const nic = await net.networkInterfaces.get(RG, "nic");
    const v6 = nic.ipConfigurations?.find((c) => c.name === "v6");
    expect(v6?.privateIPAddressVersion).toBe("IPv6");
    expect(v6?.privateIPAddress).toMatch(/^fd00:db8:0:1::/);
    await net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "v4only", {
      location: "eastus",
      addressSpace: { addressPrefixes: ["10.50.0.0/16"] },
      subnets: [{ name: "s", addressPrefix: "10.50.0.0/24" }],
    });
    const e = await errorOf(
      net.networkInterfaces.beginCreateOrUpdateAndWait(RG, "nic6", {
        location: "eastus",
        ipConfigurations: [
          { name: "a", primary: true, subnet: { id: `${base()}/virtualNetworks/v4only/subnets/s` } },
          {
            name: "b",
            privateIPAddressVersion: "IPv6",
            subnet: { id: `${base()}/virtualNetworks/v4only/subnets/s` },
          },
        ],
      }),
    );
    expect(e.statusCode).toBe(400);
    expect(e.message).toContain("IPv6");
    expect((await net.subnets.get(RG, "v4only", "s")).ipConfigurations ?? []).toEqual([]);
  });
});

describe("refusals naming the field", () => {
  it("public IP idle timeout outside 4–30 and a route's malformed next hop", async () => {
    for (const idle of [3, 31]) {
      const e = await errorOf(
        net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "idle", {
          location: "eastus",
          sku: { name: "Standard" },
          idleTimeoutInMinutes: idle,
        }),
      );
      expect(e.statusCode).toBe(400);
      expect(e.message).toContain("between 4 and 30");
    }
    expect(
      (
        await net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "idle", {
          location: "eastus",
          sku: { name: "Standard" },
          idleTimeoutInMinutes: 30,
        })
      ).idleTimeoutInMinutes,
    ).toBe(30);
    const hop = await errorOf(
      net.routes.beginCreateOrUpdateAndWait(RG, "rt", "bad", {
        addressPrefix: "10.9.0.0/16",
        nextHopType: "VirtualAppliance",
        nextHopIpAddress: "10.0.0.300",
      }),
    );
    expect(hop.statusCode).toBe(400);
    expect(hop.code).toBe("InvalidNextHopIpAddress");
  });
});

describe("resource group delete", () => {
  it("removes a group holding dozens of resources, in dependency order", async () => {
    const rg = "many-rg";
    await res.resourceGroups.createOrUpdate(rg, { location: "eastus" });
    await buildEverything(rg);
    await net.publicIPPrefixes.beginCreateOrUpdateAndWait(rg, "p28", {
      location: "eastus",
      sku: { name: "Standard" },
      prefixLength: 28,
    });
    for (let i = 0; i < 16; i++)
      await net.publicIPAddresses.beginCreateOrUpdateAndWait(rg, `ip${i}`, {
        location: "eastus",
        sku: { name: "Standard" },
        publicIPPrefix: { id: `${base(rg)}/publicIPPrefixes/p28` },
      });
    expect((await all(res.resources.listByResourceGroup(rg))).length).toBeGreaterThan(20);
    await res.resourceGroups.beginDeleteAndWait(rg);
    expect(await res.resourceGroups.checkExistence(rg)).toEqual({ body: false });
    const left = (await all(net.publicIPAddresses.listAll())).filter((p) => p.id?.includes(`/${rg}/`));
    expect(left).toEqual([]);
  });
});

describe("virtual network GET actions and more service tags", () => {
  it("checkIPAddressAvailability and listUsage answer from the subnet's allocations", async () => {
    const nic = await net.networkInterfaces.get(RG, "nic");
    const held = nic.ipConfigurations?.find((c) => c.name === "v4")?.privateIPAddress as string;
    const taken = await net.virtualNetworks.checkIPAddressAvailability(RG, "vnet", held);
    expect(taken.available).toBe(false);
    expect(taken.availableIPAddresses?.length).toBe(5);
    expect(taken.availableIPAddresses).not.toContain(held);
    expect((await net.virtualNetworks.checkIPAddressAvailability(RG, "vnet", "10.0.1.200")).available).toBe(
      true,
    );
    const reserved = await net.virtualNetworks.checkIPAddressAvailability(RG, "vnet", "10.0.1.1");
    expect(reserved).toMatchObject({ available: false, isPlatformReserved: true });
    const outside = await errorOf(net.virtualNetworks.checkIPAddressAvailability(RG, "vnet", "10.0.9.9"));
    expect(outside.statusCode).toBe(400);
    const usage = await all(net.virtualNetworks.listUsage(RG, "vnet"));
    const dual = usage.find((u) => u.id?.endsWith("/subnets/dual"));
    expect(dual?.currentValue).toBe(2);
    expect(dual?.unit).toBe("Count");
    expect(dual?.limit).toBeGreaterThan(251);
  });

  it("accepts documented service tags such as AzureDevOps and AzureResourceManager in rules", async () => {
    for (const [name, priority, tag] of [
      ["devops", 300, "AzureDevOps"],
      ["arm", 310, "AzureResourceManager"],
      ["monitor", 320, "AzureMonitor.EastUS"],
    ] as const) {
      const rule = await net.securityRules.beginCreateOrUpdateAndWait(RG, "nsg", name, {
        protocol: "Tcp",
        access: "Allow",
        direction: "Outbound",
        priority,
        sourcePortRange: "*",
        destinationPortRange: "443",
        sourceAddressPrefix: "VirtualNetwork",
        destinationAddressPrefix: tag,
      });
      expect(rule.destinationAddressPrefix).toBe(tag);
    }
  });
});

describe("body shape errors", () => {
  it("names the location first and the offending array entry", async () => {
    const url = `${base()}/virtualNetworks/shape?api-version=2026-01-01`;
    const noLocation = await emu.arm("PUT", url, { properties: {} });
    expect(noLocation.status).toBe(400);
    expect(noLocation.body).toMatchObject({ error: { code: "LocationRequired", target: "location" } });
    const badEntry = await emu.arm("PUT", url, {
      location: "eastus",
      properties: { addressSpace: { addressPrefixes: ["10.0.0.0/16"] }, subnets: [1] },
    });
    expect(badEntry.status).toBe(400);
    expect(badEntry.body).toMatchObject({
      error: { code: "InvalidRequestContent", target: "properties.subnets[0]" },
    });
    expect((await emu.arm("GET", url)).status).toBe(404);
  });
});
