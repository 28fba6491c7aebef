// The Network internal API other providers call inside their transaction: subnet address
// allocation (all-or-nothing, SubnetIsFull), public IP prefixes and addresses, cluster-
// owned routes and rules, route table ownership, deletion with HTTP semantics, and
// property tests: no address is ever held twice, and the same script yields the same
// addresses.
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseResourceId } from "../../../src/providers/ids.js";
import * as net from "../../../src/providers/network/internal.js";
import { routes } from "../../../src/providers/network/routes.js";
import { routeTables } from "../../../src/providers/network/routeTables.js";
import { securityRules } from "../../../src/providers/network/securityRules.js";
import { failure, type Harness, harness, makeGroup, nid } from "./harness.js";

let h: Harness;
const VNET = () => nid("g", "virtualNetworks/v");
const SUBNET = () => `${VNET()}/subnets/s`;
const CLUSTER = "/subscriptions/x/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/c";

beforeEach(async () => {
  h = harness();
  await makeGroup(h, "g");
});
afterEach(async () => h.close());

async function vnet(prefix = "10.1.0.0/16", subnet = "10.1.0.0/29") {
  await h.run((ctx) =>
    net.putVirtualNetwork(ctx, VNET(), {
      location: "eastus",
      addressPrefixes: [prefix],
      subnets: [{ name: "s", addressPrefix: subnet }],
    }),
  );
}

describe("subnet allocation", () => {
  it("hands out the lowest free addresses after Azure's five reserved ones, all or nothing", async () => {
    await vnet();
    // /29 = 8 addresses − 5 reserved = 3 usable: .4, .5, .6
    expect(await h.run((ctx) => net.subnetFreeAddressCount(ctx, SUBNET()))).toBe(3);
    expect(await h.run((ctx) => net.allocateSubnetAddresses(ctx, SUBNET(), 2, "node-0"))).toEqual([
      "10.1.0.4",
      "10.1.0.5",
    ]);
    const e = await failure(h.run((ctx) => net.allocateSubnetAddresses(ctx, SUBNET(), 2, "node-1")));
    expect(e).toMatchObject({
      status: 400,
      code: "SubnetIsFull",
      message: "Subnet s does not have enough capacity for 2 IP addresses.",
      target: SUBNET(),
    });
    // nothing was taken by the failed call
    expect(await h.run((ctx) => net.subnetFreeAddressCount(ctx, SUBNET()))).toBe(1);
    await h.run((ctx) => net.releaseAddressesOf(ctx, "node-0"));
    expect(await h.run((ctx) => net.subnetFreeAddressCount(ctx, SUBNET()))).toBe(3);
    const sub = await h.run((ctx) => net.getSubnet(ctx, SUBNET()));
    expect(sub?.id).toBe(SUBNET());
  });

  it("shows holders as ipConfigurations and refuses to delete or shrink an in-use subnet", async () => {
    await vnet("10.1.0.0/16", "10.1.0.0/24");
    await h.run((ctx) => net.allocateSubnetAddresses(ctx, SUBNET(), 1, `${VNET()}/fake/ipConfigurations/a`));
    const wire = await h.run((ctx) => net.putSubnet(ctx, SUBNET(), { addressPrefix: "10.1.0.0/24" }));
    expect((wire.properties as { ipConfigurations: unknown }).ipConfigurations).toEqual([
      { id: `${VNET()}/fake/ipConfigurations/a` },
    ]);
    expect(await failure(h.run((ctx) => net.deleteNetworkResource(ctx, SUBNET())))).toMatchObject({
      status: 400,
      code: "InUseSubnetCannotBeDeleted",
    });
    expect(
      await failure(h.run((ctx) => net.putSubnet(ctx, SUBNET(), { addressPrefix: "10.1.1.0/24" }))),
    ).toMatchObject({ code: "InUsePrefixCannotBeDeleted" });
    // Even a smaller prefix that still holds the address: the in-use prefix itself may not go.
    expect(
      await failure(h.run((ctx) => net.putSubnet(ctx, SUBNET(), { addressPrefix: "10.1.0.0/25" }))),
    ).toMatchObject({
      code: "InUsePrefixCannotBeDeleted",
      message: "IpPrefix 10.1.0.0/24 on Subnet s has active allocations and cannot be deleted.",
    });

    expect(
      await failure(
        h.run((ctx) =>
          net.putVirtualNetwork(ctx, VNET(), {
            location: "eastus",
            addressPrefixes: ["10.1.0.0/16"],
            subnets: [],
          }),
        ),
      ),
    ).toMatchObject({ code: "InUseSubnetCannotBeDeleted" });
    // both refusals left the subnet exactly as it was
    const after = await h.run((ctx) => net.getSubnet(ctx, SUBNET()));
    expect((after?.body.properties as { addressPrefix?: string } | undefined)?.addressPrefix).toBe(
      "10.1.0.0/24",
    );
  });
});

describe("public IPs", () => {
  it("allocates prefixes as lowest free aligned blocks and IPs as lowest free of the prefix", async () => {
    const p1 = await h.run((ctx) =>
      net.putPublicIPPrefix(ctx, nid("g", "publicIPPrefixes/p1"), { location: "eastus", prefixLength: 31 }),
    );
    const p2 = await h.run((ctx) =>
      net.putPublicIPPrefix(ctx, nid("g", "publicIPPrefixes/p2"), { location: "eastus", prefixLength: 28 }),
    );
    expect((p1.properties as { ipPrefix: string }).ipPrefix).toBe("20.0.0.0/31");
    expect((p2.properties as { ipPrefix: string }).ipPrefix).toBe("20.0.0.16/28");
    const ip1 = await h.run((ctx) =>
      net.putPublicIPAddress(ctx, nid("g", "publicIPAddresses/a"), {
        location: "eastus",
        publicIPPrefixId: nid("g", "publicIPPrefixes/p1"),
      }),
    );
    await h.run((ctx) =>
      net.putPublicIPAddress(ctx, nid("g", "publicIPAddresses/b"), {
        location: "eastus",
        publicIPPrefixId: nid("g", "publicIPPrefixes/p1"),
      }),
    );
    expect((ip1.properties as { ipAddress: string }).ipAddress).toBe("20.0.0.0");
    expect(await h.run((ctx) => net.publicIPPrefixFreeCount(ctx, nid("g", "publicIPPrefixes/p1")))).toBe(0);
    const e = await failure(
      h.run((ctx) =>
        net.putPublicIPAddress(ctx, nid("g", "publicIPAddresses/c"), {
          location: "eastus",
          publicIPPrefixId: nid("g", "publicIPPrefixes/p1"),
        }),
      ),
    );
    expect(e.code).toBe("PublicIpPrefixOutOfIpAddressesForPublicIp");
    expect(e.message).toContain(nid("g", "publicIPPrefixes/p1"));
    expect(await h.run((ctx) => ctx.tx.getResource(nid("g", "publicIPAddresses/c")))).toBeUndefined();
  });

  it("holds a public IP for one holder and refuses its deletion while held", async () => {
    const id = nid("g", "publicIPAddresses/a");
    await h.run((ctx) => net.putPublicIPAddress(ctx, id, { location: "eastus" }));
    await h.run((ctx) => net.attachPublicIPAddress(ctx, id, "holder-1"));
    expect(await failure(h.run((ctx) => net.attachPublicIPAddress(ctx, id, "holder-2")))).toMatchObject({
      code: "PublicIPAddressInUse",
    });
    expect(await failure(h.run((ctx) => net.deleteNetworkResource(ctx, id)))).toMatchObject({
      code: "PublicIPAddressCannotBeDeleted",
    });
    await h.run((ctx) => net.detachPublicIPAddresses(ctx, "holder-1"));
    await h.run((ctx) => net.deleteNetworkResource(ctx, id));
    expect(await h.run((ctx) => ctx.tx.getResource(id))).toBeUndefined();
  });
});

describe("cluster-owned routes and rules", () => {
  const RT = () => nid("g", "routeTables/rt");
  const NSG = () => nid("g", "networkSecurityGroups/nsg");

  it("refuses a user's route with another route's addressPrefix (RouteConflict), never the cluster's own", async () => {
    await h.run((ctx) => net.putRouteTable(ctx, RT(), { location: "eastus" }));
    const user = (name: string, addressPrefix: string) =>
      h.run((ctx) =>
        routes.put!(
          ctx,
          parseResourceId(`${RT()}/routes/${name}`),
          { properties: { addressPrefix, nextHopType: "None" } },
          {},
        ),
      );
    await user("mine", "10.244.0.0/24");
    // the cluster's write of the same prefix goes through: a user's route never fails a scale-out
    await h.run((ctx) =>
      net.putRoute(
        ctx,
        RT(),
        "aks-nodepool1-12345678-vmss000000",
        { addressPrefix: "10.244.0.0/24", nextHopType: "VirtualAppliance", nextHopIpAddress: "10.1.0.4" },
        { managedBy: CLUSTER },
      ),
    );
    await user("mine", "10.244.0.0/24"); // re-putting a route is not a conflict with itself
    expect(await failure(user("other", "10.244.0.0/24"))).toMatchObject({
      status: 400,
      code: "RouteConflict",
      message: "Route: other conflicts with Route: mine. Routes cannot have the same AddressPrefix.",
    });
    // a GET echoed back as an inline PUT keeps both as they are
    const table = await h.run((ctx) => routeTables.get!(ctx, parseResourceId(RT())));
    await h.run((ctx) => routeTables.put!(ctx, parseResourceId(RT()), table, {}));
    await h.run((ctx) => net.deleteNetworkResource(ctx, `${RT()}/routes/mine`));
    expect(await failure(user("mine", "10.244.0.0/24"))).toMatchObject({
      code: "RouteConflict",
      message:
        "Route: mine conflicts with Route: aks-nodepool1-12345678-vmss000000. Routes cannot have the same AddressPrefix.",
    });
  });

  it("refuses duplicate prefixes within a route table PUT's routes", async () => {
    const put = (list: { name: string; addressPrefix: string }[]) =>
      h.run((ctx) =>
        routeTables.put!(
          ctx,
          parseResourceId(nid("g", "routeTables/inline")),
          {
            location: "eastus",
            properties: {
              routes: list.map((r) => ({
                name: r.name,
                properties: { addressPrefix: r.addressPrefix, nextHopType: "None" },
              })),
            },
          },
          {},
        ),
      );
    expect(
      await failure(
        put([
          { name: "a", addressPrefix: "10.1.0.0/24" },
          { name: "b", addressPrefix: "10.2.0.0/24" },
          { name: "c", addressPrefix: "10.1.0.0/24" },
        ]),
      ),
    ).toMatchObject({
      code: "RouteConflict",
      message: "Route: c conflicts with Route: a. Routes cannot have the same AddressPrefix.",
    });
    await put([
      { name: "a", addressPrefix: "10.1.0.0/24" },
      { name: "b", addressPrefix: "10.2.0.0/24" },
    ]);
    // swapping two routes' prefixes in one PUT is no conflict
    await put([
      { name: "a", addressPrefix: "10.2.0.0/24" },
      { name: "b", addressPrefix: "10.1.0.0/24" },
    ]);
  });

  it("refuses Network-API changes to a cluster's route but lets the cluster and users work", async () => {
    await h.run((ctx) => net.putRouteTable(ctx, RT(), { location: "eastus" }));
    await h.run((ctx) =>
      net.putRoute(
        ctx,
        RT(),
        "aks-node-0",
        { addressPrefix: "10.244.0.0/24", nextHopType: "VirtualAppliance", nextHopIpAddress: "10.1.0.4" },
        { managedBy: CLUSTER },
      ),
    );
    const ref = parseResourceId(`${RT()}/routes/aks-node-0`);
    const put = await failure(
      h.run((ctx) =>
        routes.put!(ctx, ref, { properties: { addressPrefix: "10.244.0.0/24", nextHopType: "None" } }, {}),
      ),
    );
    expect(put).toMatchObject({ status: 409, code: "RouteManagedByCluster" });
    expect(put.message).toContain(CLUSTER);
    expect(await failure(h.run((ctx) => routes.delete!(ctx, ref, {})))).toMatchObject({
      code: "RouteManagedByCluster",
    });
    // a user route next to it is fine
    await h.run((ctx) =>
      routes.put!(
        ctx,
        parseResourceId(`${RT()}/routes/fw`),
        {
          properties: {
            addressPrefix: "0.0.0.0/0",
            nextHopType: "VirtualAppliance",
            nextHopIpAddress: "10.9.0.4",
          },
        },
        {},
      ),
    );
    // the owner may update and delete its route
    await h.run((ctx) =>
      net.putRoute(
        ctx,
        RT(),
        "aks-node-0",
        { addressPrefix: "10.244.0.0/24", nextHopType: "VirtualAppliance", nextHopIpAddress: "10.1.0.5" },
        { managedBy: CLUSTER },
      ),
    );
    await h.run((ctx) => net.deleteRoute(ctx, RT(), "aks-node-0"));
    expect(await h.run((ctx) => ctx.tx.getResource(`${RT()}/routes/aks-node-0`))).toBeUndefined();
  });

  it("keeps a route table to one cluster", async () => {
    await h.run((ctx) => net.putRouteTable(ctx, RT(), { location: "eastus" }));
    // the recorded cluster must exist to block others: create a stand-in record
    await h.run((ctx) =>
      ctx.tx.putResource({
        id: CLUSTER,
        type: "Microsoft.ContainerService/managedClusters",
        subscriptionId: "x",
        body: {},
        etag: "1",
      }),
    );
    await h.run((ctx) => net.setRouteTableUsedByCluster(ctx, RT(), CLUSTER));
    expect(
      await failure(h.run((ctx) => net.setRouteTableUsedByCluster(ctx, RT(), `${CLUSTER}2`))),
    ).toMatchObject({
      status: 409,
      code: "RouteTableInUseByAnotherCluster",
    });
    expect(await failure(h.run((ctx) => net.deleteNetworkResource(ctx, RT())))).toMatchObject({
      code: "InUseRouteTableCannotBeDeleted",
    });
    expect(await h.run((ctx) => net.routeTableUsedByCluster(ctx, RT()))).toBe(CLUSTER);
  });

  it("protects a cluster's security rules the same way", async () => {
    await h.run((ctx) => net.putNetworkSecurityGroup(ctx, NSG(), { location: "eastus" }));
    const rule = {
      protocol: "Tcp",
      access: "Allow",
      priority: 500,
      direction: "Inbound",
      sourcePortRange: "*",
      destinationPortRange: "80",
      sourceAddressPrefix: "*",
      destinationAddressPrefix: "*",
    };
    await h.run((ctx) => net.putSecurityRule(ctx, NSG(), "aks-80", rule, { managedBy: CLUSTER }));
    const ref = parseResourceId(`${NSG()}/securityRules/aks-80`);
    expect(
      await failure(
        h.run((ctx) =>
          securityRules.put!(ctx, ref, { properties: { ...rule, destinationPortRange: "81" } }, {}),
        ),
      ),
    ).toMatchObject({ code: "SecurityRuleManagedByCluster" });
    expect(
      await failure(
        h.run((ctx) => net.putSecurityRule(ctx, NSG(), "user", { ...rule, destinationPortRange: "22" })),
      ),
    ).toMatchObject({ code: "SecurityRuleConflict", message: expect.stringContaining("aks-80") });
    expect((await h.run((ctx) => net.listSecurityRules(ctx, NSG()))).map((r) => r.name)).toEqual(["aks-80"]);
    expect(await failure(h.run((ctx) => net.deleteNetworkResource(ctx, NSG())))).toMatchObject({
      code: "SecurityRuleManagedByCluster",
    });
    await h.run((ctx) => net.deleteSecurityRule(ctx, NSG(), "aks-80"));
    expect(await h.run((ctx) => net.listSecurityRules(ctx, NSG()))).toEqual([]);
    await h.run((ctx) => net.putSecurityRule(ctx, NSG(), "aks-80", rule, { managedBy: CLUSTER }));
    await h.run((ctx) => net.deleteNetworkResource(ctx, NSG(), { managedBy: CLUSTER }));
    expect(await h.run((ctx) => ctx.tx.getResource(NSG()))).toBeUndefined();
  });
});

describe("properties", () => {
  type Op = { kind: "alloc"; owner: number; count: number } | { kind: "release"; owner: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant("alloc" as const),
      owner: fc.integer({ min: 0, max: 5 }),
      count: fc.integer({ min: 1, max: 20 }),
    }),
    fc.record({ kind: fc.constant("release" as const), owner: fc.integer({ min: 0, max: 5 }) }),
  );

  /** Runs ops in concurrent batches (each op its own transaction, batches via Promise.all). */
  async function play(ops: Op[][]): Promise<string[]> {
    const log: string[] = [];
    for (const batch of ops) {
      const results = await Promise.all(
        batch.map((op) =>
          h
            .run(async (ctx) => {
              if (op.kind === "release") {
                await net.releaseAddressesOf(ctx, `owner-${op.owner}`);
                return "released";
              }
              return (await net.allocateSubnetAddresses(ctx, SUBNET(), op.count, `owner-${op.owner}`)).join(
                ",",
              );
            })
            .catch((e: { code?: string }) => `error:${e.code}`),
        ),
      );
      log.push(...results);
      // invariant after every batch: each address held once, capacity accounted for
      const rows = await h.run((ctx) => ctx.tx.listAllocations(`subnet:${SUBNET().toLowerCase()}`));
      expect(new Set(rows.map((r) => r.item)).size).toBe(rows.length);
      const free = await h.run((ctx) => net.subnetFreeAddressCount(ctx, SUBNET()));
      expect(free + rows.length).toBe(64 - 5);
    }
    return log;
  }

  it("never hands one address to two owners and is deterministic", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(opArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }),
        async (ops) => {
          await h.close();
          h = harness();
          await makeGroup(h, "g");
          await vnet("10.1.0.0/16", "10.1.0.0/26");
          const first = await play(ops);
          await h.close();
          h = harness();
          await makeGroup(h, "g");
          await vnet("10.1.0.0/16", "10.1.0.0/26");
          expect(await play(ops)).toEqual(first);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("never hands one public address to two prefixes or IPs", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.integer({ min: 28, max: 31 }), fc.constant(0)), { minLength: 1, maxLength: 15 }),
        async (lengths) => {
          await h.close();
          h = harness({ publicIPv4Pool: "20.0.0.0/26" });
          await makeGroup(h, "g");
          await Promise.all(
            lengths.map((len, i) =>
              h
                .run((ctx) =>
                  len === 0
                    ? net.putPublicIPAddress(ctx, nid("g", `publicIPAddresses/ip${i}`), {
                        location: "eastus",
                      })
                    : net.putPublicIPPrefix(ctx, nid("g", `publicIPPrefixes/p${i}`), {
                        location: "eastus",
                        prefixLength: len,
                      }),
                )
                .catch(() => undefined),
            ),
          );
          const rows = await h.run((ctx) => ctx.tx.listAllocations("public:IPv4"));
          expect(new Set(rows.map((r) => r.item)).size).toBe(rows.length);
          const prefixes = await h.run((ctx) =>
            ctx.tx.listResources({
              type: "Microsoft.Network/publicIPPrefixes",
              resourceGroup: "g",
              subscriptionId: ctx.subscriptionId,
            }),
          );
          for (const p of prefixes) {
            const { ipPrefix, prefixLength } = p.body.properties as {
              ipPrefix: string;
              prefixLength: number;
            };
            const owned = rows.filter((r) => r.owner === p.id).length;
            expect(owned).toBe(2 ** (32 - prefixLength));
            const last = Number(ipPrefix.split("/")[0].split(".")[3]);
            expect(last % 2 ** (32 - prefixLength)).toBe(0); // aligned
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
