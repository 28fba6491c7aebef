// Issue 8 item 8: large inputs froze the process (a 1,000-rule NSG PUT blocked every request
// for 5.9 s, 2,000 rules for 23 s, a 3,000-subnet VNet 7–11 s). Azure's documented limits
// are now enforced with Azure's errors, the quadratic checks are gone and long loops yield.
// These tests pin the limits and the correctness of the new overlap check at scale; the
// timings are in bench/large-inputs.mjs.
import { NetworkManagementClient } from "@azure/arm-network";
import { ResourceManagementClient } from "@azure/arm-resources";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let emu: TestEmulator;
let net: NetworkManagementClient;
const RG = "big";

beforeAll(async () => {
  emu = await startTestEmulator({ pageSize: 5000 });
  net = new NetworkManagementClient(emu.credential, emu.subscriptionId, emu.clientOptions);
  const resources = new ResourceManagementClient(emu.credential, emu.subscriptionId, emu.clientOptions);
  await resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
});
afterAll(async () => emu?.close());

const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as { statusCode?: number; code?: string; message: string };
  }
  throw new Error("expected the call to fail");
};

const rule = (i: number, extra: Record<string, unknown> = {}) => ({
  name: `r${i}`,
  protocol: "Tcp",
  access: "Allow",
  direction: i % 2 ? "Inbound" : "Outbound",
  priority: 100 + Math.floor(i / 2),
  sourceAddressPrefix: `10.${(i >> 8) & 255}.${i & 255}.0/24`,
  sourcePortRange: "*",
  destinationAddressPrefix: "*",
  destinationPortRange: String(1000 + i),
  ...extra,
});

/** /28 number i of 10.0.0.0/16 (4,096 of them). */
const slash28 = (i: number) => `10.0.${Math.floor(i / 16)}.${(i % 16) * 16}/28`;
const subnets = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `s${i}`, addressPrefix: slash28(i) }));
const vnet = (list: { name: string; addressPrefix: string }[]) => ({
  location: "eastus",
  addressSpace: { addressPrefixes: ["10.0.0.0/16"] },
  subnets: list,
});

describe("network security groups at Azure's limits (a 1,000-rule PUT froze the emulator)", () => {
  it("accepts 1,000 rules and returns them all", async () => {
    const nsg = await net.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, "nsg1000", {
      location: "eastus",
      securityRules: Array.from({ length: 1000 }, (_, i) => rule(i)),
    });
    expect(nsg.securityRules).toHaveLength(1000);
    const got = await net.networkSecurityGroups.get(RG, "nsg1000");
    expect(got.securityRules).toHaveLength(1000);
    expect(got.securityRules?.find((r) => r.name === "r999")?.destinationPortRange).toBe("1999");
  });

  it("refuses rule 1,001 (inline or as a child PUT) with SecurityRuleCountLimitReached, nothing changed", async () => {
    const e = await errorOf(
      net.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, "nsg1001", {
        location: "eastus",
        securityRules: Array.from({ length: 1001 }, (_, i) => rule(i)),
      }),
    );
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe("SecurityRuleCountLimitReached");
    expect(e.message).toBe("A security group cannot have more than 1000 security rules.");
    expect((await errorOf(net.networkSecurityGroups.get(RG, "nsg1001"))).statusCode).toBe(404);

    const child = await errorOf(
      net.securityRules.beginCreateOrUpdateAndWait(RG, "nsg1000", "one-more", {
        protocol: "Tcp",
        access: "Deny",
        direction: "Inbound",
        priority: 4000,
        sourceAddressPrefix: "*",
        sourcePortRange: "*",
        destinationAddressPrefix: "*",
        destinationPortRange: "22",
      }),
    );
    expect(child.statusCode).toBe(400);
    expect(child.code).toBe("SecurityRuleCountLimitReached");
    expect((await errorOf(net.securityRules.get(RG, "nsg1000", "one-more"))).statusCode).toBe(404);
  });

  it("refuses more than 4,000 source addresses across an NSG's rules with SecurityRuleAddressPrefixLimitReached", async () => {
    const many = (base: number) =>
      Array.from({ length: 1500 }, (_, i) => `10.${base}.${Math.floor(i / 256)}.${i % 256}`);
    const e = await errorOf(
      net.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, "wide", {
        location: "eastus",
        securityRules: [0, 1, 2].map((i) =>
          rule(i, { sourceAddressPrefix: undefined, sourceAddressPrefixes: many(100 + i) }),
        ),
      }),
    );
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe("SecurityRuleAddressPrefixLimitReached");
    expect(e.message).toContain("would have 4500 source IP addresses and ranges");
    expect((await errorOf(net.networkSecurityGroups.get(RG, "wide"))).statusCode).toBe(404);
  });
});

describe("virtual networks at Azure's limits (a 3,000-subnet PUT froze the emulator)", () => {
  it("accepts 3,000 subnets; subnet 3,001 (inline or as a child PUT) → SubnetCountLimitReached", async () => {
    const v = await net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "v3000", vnet(subnets(3000)));
    expect(v.subnets).toHaveLength(3000);
    expect(v.subnets?.[2999]?.addressPrefix).toBe(slash28(2999));

    const e = await errorOf(net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "v3001", vnet(subnets(3001))));
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe("SubnetCountLimitReached");
    expect((await errorOf(net.virtualNetworks.get(RG, "v3001"))).statusCode).toBe(404);

    const child = await errorOf(
      net.subnets.beginCreateOrUpdateAndWait(RG, "v3000", "s3000", { addressPrefix: slash28(3000) }),
    );
    expect(child.statusCode).toBe(400);
    expect(child.code).toBe("SubnetCountLimitReached");
    expect((await errorOf(net.subnets.get(RG, "v3000", "s3000"))).statusCode).toBe(404);
  });

  it("still finds an overlap at scale: a wide subnet over earlier ones, and a narrow one inside an earlier wide one", async () => {
    // s0…s2998 as /28s, then a /24 that covers s1600…s1615.
    const covering = await errorOf(
      net.virtualNetworks.beginCreateOrUpdateAndWait(
        RG,
        "ov1",
        vnet([...subnets(2999), { name: "wide", addressPrefix: "10.0.100.0/24" }]),
      ),
    );
    expect(covering.statusCode).toBe(400);
    expect(covering.code).toBe("NetcfgSubnetRangesOverlap");
    expect(covering.message).toContain("'wide'");
    expect(covering.message).toContain("'s1600'");
    // A /24 first, then 2,999 /28s elsewhere, the last one inside the /24.
    const inside = await errorOf(
      net.virtualNetworks.beginCreateOrUpdateAndWait(
        RG,
        "ov2",
        vnet([
          { name: "first", addressPrefix: "10.0.255.0/24" },
          ...subnets(2998),
          { name: "late", addressPrefix: "10.0.255.32/28" },
        ]),
      ),
    );
    expect(inside.statusCode).toBe(400);
    expect(inside.code).toBe("NetcfgSubnetRangesOverlap");
    expect(inside.message).toContain("'late'");
    expect(inside.message).toContain("'first'");
    for (const name of ["ov1", "ov2"])
      expect((await errorOf(net.virtualNetworks.get(RG, name))).statusCode).toBe(404);
  });
});

describe("network interfaces at Azure's limit", () => {
  it("refuses 257 IP configurations with IpConfigurationCountLimitReached", async () => {
    const v = await net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "nicnet", {
      location: "eastus",
      addressSpace: { addressPrefixes: ["10.8.0.0/16"] },
      subnets: [{ name: "s", addressPrefix: "10.8.0.0/22" }],
    });
    const subnet = { id: v.subnets?.[0]?.id ?? "" };
    const e = await errorOf(
      net.networkInterfaces.beginCreateOrUpdateAndWait(RG, "nic", {
        location: "eastus",
        ipConfigurations: Array.from({ length: 257 }, (_, i) => ({
          name: `c${i}`,
          primary: i === 0,
          subnet,
        })),
      }),
    );
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe("IpConfigurationCountLimitReached");
    expect((await net.subnets.get(RG, "nicnet", "s")).ipConfigurations ?? []).toEqual([]);
  });
});
