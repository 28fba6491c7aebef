// Microsoft.Network/natGateways through the official SDK: public IPs and prefixes held by one
// NAT gateway at a time, back-references on the IP, the prefix and (from subnets) the gateway,
// idle timeout and address-count bounds, zones, tags PATCH, list, and deletion refused while a
// subnet uses it — each refusal leaves nothing behind.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Clients, errorOf, startClients, vnetWithSubnet } from "./aks-helpers.js";

let c: Clients;
const RG = "natrg";
const LOC = "eastus";

const pip = async (name: string, extra: Record<string, unknown> = {}) =>
  c.net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, name, {
    location: LOC,
    sku: { name: "Standard" },
    publicIPAllocationMethod: "Static",
    ...extra,
  });
const prefix = (name: string, prefixLength: number) =>
  c.net.publicIPPrefixes.beginCreateOrUpdateAndWait(RG, name, { location: LOC, prefixLength });
const nat = (name: string, body: Record<string, unknown>) =>
  c.net.natGateways.beginCreateOrUpdateAndWait(RG, name, {
    location: LOC,
    sku: { name: "Standard" },
    ...body,
  });

beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate(RG, { location: LOC });
});
afterAll(async () => c?.emu.close());

describe("NAT gateways", () => {
  it("creates with public IPs, a prefix, idle timeout and a zone; the IP and prefix name it back", async () => {
    const ip = await pip("ng1-ip");
    const pf = await prefix("ng1-pf", 31);
    const g = await nat("ng1", {
      idleTimeoutInMinutes: 10,
      zones: ["1"],
      publicIpAddresses: [{ id: ip.id }],
      publicIpPrefixes: [{ id: pf.id }],
      tags: { team: "net" },
    });
    expect(g).toMatchObject({
      name: "ng1",
      type: "Microsoft.Network/natGateways",
      location: LOC,
      sku: { name: "Standard" },
      zones: ["1"],
      idleTimeoutInMinutes: 10,
      publicIpAddresses: [{ id: ip.id }],
      publicIpPrefixes: [{ id: pf.id }],
      provisioningState: "Succeeded",
      tags: { team: "net" },
    });
    expect(g.resourceGuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(g.etag).toBeTruthy();
    expect(g.subnets).toBeUndefined();
    expect((await c.net.publicIPAddresses.get(RG, "ng1-ip")).natGateway?.id).toBe(g.id);
    expect((await c.net.publicIPAddresses.get(RG, "ng1-ip")).ipConfiguration).toBeUndefined();
    expect((await c.net.publicIPPrefixes.get(RG, "ng1-pf")).natGateway?.id).toBe(g.id);
    // A held IP or prefix cannot be deleted.
    const del = await errorOf(c.net.publicIPAddresses.beginDeleteAndWait(RG, "ng1-ip"));
    expect([del.statusCode, del.code]).toEqual([400, "PublicIPAddressCannotBeDeleted"]);
    const delp = await errorOf(c.net.publicIPPrefixes.beginDeleteAndWait(RG, "ng1-pf"));
    expect([delp.statusCode, delp.code]).toEqual([400, "InUsePublicIpPrefixCannotBeDeleted"]);
  });

  it("defaults: sku Standard, idle timeout 4; tags PATCH; list and list all", async () => {
    const g = await c.net.natGateways.beginCreateOrUpdateAndWait(RG, "ng2", { location: LOC });
    expect(g).toMatchObject({ sku: { name: "Standard" }, idleTimeoutInMinutes: 4 });
    expect(g.publicIpAddresses ?? []).toEqual([]);
    const t = await c.net.natGateways.updateTags(RG, "ng2", { tags: { a: "b" } });
    expect(t.tags).toEqual({ a: "b" });
    expect(t.idleTimeoutInMinutes).toBe(4);
    const names: string[] = [];
    for await (const x of c.net.natGateways.list(RG)) names.push(x.name ?? "");
    expect(names.sort()).toEqual(["ng1", "ng2"]);
    const all: string[] = [];
    for await (const x of c.net.natGateways.listAll()) all.push(x.name ?? "");
    expect(all.sort()).toEqual(["ng1", "ng2"]);
    await c.net.natGateways.beginDeleteAndWait(RG, "ng2");
    expect((await errorOf(c.net.natGateways.get(RG, "ng2"))).statusCode).toBe(404);
  });

  it("refuses bad input with the field named, and leaves nothing behind", async () => {
    const ip = await pip("bad-ip");
    const v6 = await pip("bad-v6", { publicIPAddressVersion: "IPv6" });
    const big = await prefix("bad-pf", 28);
    const held = (await c.net.publicIPAddresses.get(RG, "ng1-ip")).id;
    const heldPrefix = (await c.net.publicIPPrefixes.get(RG, "ng1-pf")).id;
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{ idleTimeoutInMinutes: 3 }, 400, "NatGatewayInvalidIdleTimeout", "properties.idleTimeoutInMinutes"],
      [{ idleTimeoutInMinutes: 121 }, 400, "NatGatewayInvalidIdleTimeout", "properties.idleTimeoutInMinutes"],
      [
        { publicIpAddresses: [{ id: held }] },
        400,
        "PublicIPAddressInUse",
        "properties.publicIpAddresses[0].id",
      ],
      [
        { publicIpPrefixes: [{ id: heldPrefix }] },
        400,
        "PublicIpPrefixInUse",
        "properties.publicIpPrefixes[0].id",
      ],
      [
        { publicIpAddresses: [{ id: v6.id }] },
        400,
        "NatGatewayPublicIpVersionMismatch",
        "properties.publicIpAddresses",
      ],
      [
        { publicIpAddresses: [{ id: ip.id }], publicIpPrefixes: [{ id: big.id }] },
        400,
        "NatGatewayPublicIpAddressLimitReached",
        "properties.publicIpAddresses",
      ],
      [
        { publicIpAddresses: [{ id: `${ip.id}-missing` }] },
        400,
        "InvalidResourceReference",
        "properties.publicIpAddresses[0].id",
      ],
      [{ zones: ["1", "2"] }, 400, "NatGatewayCannotHaveMultipleZones", "zones"],
      [{ sku: { name: "Basic" } }, 400, "InvalidRequestContent", "sku.name"],
    ];
    for (const [body, status, code, target] of cases) {
      const e = await errorOf(nat("bad", body));
      expect([e.statusCode, e.code], JSON.stringify(body)).toEqual([status, code]);
      // The SDK error does not keep `target`: the same request on the wire does.
      const { sku, zones, ...props } = body;
      const raw = await c.emu.arm(
        "PUT",
        `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/natGateways/bad?api-version=2026-01-01`,
        { location: LOC, ...(sku ? { sku } : {}), ...(zones ? { zones } : {}), properties: props },
      );
      expect([raw.status, (raw.body as { error: { target?: string } }).error.target]).toEqual([
        status,
        target,
      ]);
      expect((await errorOf(c.net.natGateways.get(RG, "bad"))).statusCode).toBe(404);
    }
    // The refused requests attached nothing: the free IP and the big prefix are still free.
    expect((await c.net.publicIPAddresses.get(RG, "bad-ip")).natGateway).toBeUndefined();
    expect((await c.net.publicIPPrefixes.get(RG, "bad-pf")).natGateway).toBeUndefined();
    const ok = await nat("bad", { publicIpPrefixes: [{ id: big.id }] });
    expect(ok.publicIpPrefixes).toEqual([{ id: big.id }]);
    // Dropping an IP from the body lets it go: another NAT gateway can take it.
    const other = await nat("taker", { publicIpAddresses: [{ id: ip.id }] });
    await nat("taker", { publicIpAddresses: [] });
    const taken = await nat("bad", { publicIpAddresses: [{ id: ip.id }] });
    expect(taken.publicIpAddresses).toEqual([{ id: ip.id }]);
    expect(taken.publicIpPrefixes ?? []).toEqual([]);
    expect((await c.net.publicIPPrefixes.get(RG, "bad-pf")).natGateway).toBeUndefined();
    expect(other.id).toMatch(/natGateways\/taker$/);
  });

  it("a subnet names it: `subnets` shows the subnet; delete refused until the subnet lets go", async () => {
    const ids = await vnetWithSubnet(c, RG, "nv", "10.60.0.0/16", { a: "10.60.0.0/24", b: "10.60.1.0/24" });
    const g = await c.net.natGateways.get(RG, "ng1");
    await c.net.subnets.beginCreateOrUpdateAndWait(RG, "nv", "a", {
      addressPrefix: "10.60.0.0/24",
      natGateway: { id: g.id },
    });
    // Inline in a VNet PUT as well.
    await c.net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "nv", {
      location: LOC,
      addressSpace: { addressPrefixes: ["10.60.0.0/16"] },
      subnets: [
        { name: "a", addressPrefix: "10.60.0.0/24", natGateway: { id: g.id } },
        { name: "b", addressPrefix: "10.60.1.0/24", natGateway: { id: g.id } },
      ],
    });
    expect((await c.net.subnets.get(RG, "nv", "a")).natGateway?.id).toBe(g.id);
    const seen = await c.net.natGateways.get(RG, "ng1");
    expect((seen.subnets ?? []).map((s) => s.id).sort()).toEqual([ids.a, ids.b].sort());
    const e = await errorOf(c.net.natGateways.beginDeleteAndWait(RG, "ng1"));
    expect([e.statusCode, e.code]).toEqual([400, "CannotDeleteNatGatewayAssociatedToSubnet"]);
    expect(e.message).toContain("is still configured on 2 subnets");
    const missing = await errorOf(
      c.net.subnets.beginCreateOrUpdateAndWait(RG, "nv", "b", {
        addressPrefix: "10.60.1.0/24",
        natGateway: { id: `${g.id}x` },
      }),
    );
    expect([missing.statusCode, missing.code]).toEqual([400, "InvalidResourceReference"]);
    await c.net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "nv", {
      location: LOC,
      addressSpace: { addressPrefixes: ["10.60.0.0/16"] },
      subnets: [
        { name: "a", addressPrefix: "10.60.0.0/24" },
        { name: "b", addressPrefix: "10.60.1.0/24" },
      ],
    });
    expect((await c.net.natGateways.get(RG, "ng1")).subnets).toBeUndefined();
    await c.net.natGateways.beginDeleteAndWait(RG, "ng1");
    // Its IP and prefix are free again.
    expect((await c.net.publicIPAddresses.get(RG, "ng1-ip")).natGateway).toBeUndefined();
    await c.net.publicIPAddresses.beginDeleteAndWait(RG, "ng1-ip");
    await c.net.publicIPPrefixes.beginDeleteAndWait(RG, "ng1-pf");
  });

  it("a resource group delete takes the NAT gateway, its subnets' VNet and its IPs together", async () => {
    await c.resources.resourceGroups.createOrUpdate("natgone", { location: LOC });
    const ip = await c.net.publicIPAddresses.beginCreateOrUpdateAndWait("natgone", "ip", {
      location: LOC,
      sku: { name: "Standard" },
    });
    const g = await c.net.natGateways.beginCreateOrUpdateAndWait("natgone", "g", {
      location: LOC,
      publicIpAddresses: [{ id: ip.id }],
    });
    await c.net.virtualNetworks.beginCreateOrUpdateAndWait("natgone", "v", {
      location: LOC,
      addressSpace: { addressPrefixes: ["10.70.0.0/16"] },
      subnets: [{ name: "s", addressPrefix: "10.70.0.0/24", natGateway: { id: g.id } }],
    });
    await c.resources.resourceGroups.beginDeleteAndWait("natgone");
    expect((await errorOf(c.resources.resourceGroups.get("natgone"))).statusCode).toBe(404);
  });
});
