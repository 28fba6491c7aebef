// Microsoft.Network through @azure/arm-network (api-version 2026-01-01) over HTTPS: VNets
// and subnets, public IP prefixes and addresses, NSGs and rules, ASGs, route tables and
// routes; every documented refusal with its code and status, and proof nothing changed.
import { NetworkManagementClient } from "@azure/arm-network";
import { ResourceManagementClient } from "@azure/arm-resources";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let emu: TestEmulator;
let net: NetworkManagementClient;
let resources: ResourceManagementClient;
const RG = "net-rg";

beforeAll(async () => {
  emu = await startTestEmulator({ pageSize: 50 });
  net = new NetworkManagementClient(emu.credential, emu.subscriptionId, emu.clientOptions);
  resources = new ResourceManagementClient(emu.credential, emu.subscriptionId, emu.clientOptions);
  await resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
});
afterAll(async () => emu?.close());

const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as { statusCode?: number; code?: string; message: string; details?: unknown };
  }
  throw new Error("expected the call to fail");
};

const rgId = () => `/subscriptions/${emu.subscriptionId}/resourceGroups/${RG}`;

describe("virtual networks and subnets", () => {
  it("creates a VNet with an inline subnet, reads, lists, updates and deletes it", async () => {
    const vnet = await net.virtualNetworks.beginCreateOrUpdateAndWait(RG, "vnet1", {
      location: "eastus",
      addressSpace: { addressPrefixes: ["192.168.0.0/16"] },
      subnets: [{ name: "s1", addressPrefix: "192.168.1.0/24" }],
      tags: { a: "1" },
    });
    expect(vnet.id).toBe(`${rgId()}/providers/Microsoft.Network/virtualNetworks/vnet1`);
    expect(vnet.provisioningState).toBe("Succeeded");
    expect(vnet.subnets?.map((s) => [s.name, s.addressPrefix])).toEqual([["s1", "192.168.1.0/24"]]);
    const sub = await net.subnets.get(RG, "vnet1", "s1");
    expect(sub.id).toBe(`${vnet.id}/subnets/s1`);
    const list: string[] = [];
    for await (const v of net.virtualNetworks.list(RG)) list.push(v.name ?? "");
    expect(list).toEqual(["vnet1"]);
    const all: string[] = [];
    for await (const v of net.virtualNetworks.listAll()) all.push(v.name ?? "");
    expect(all).toContain("vnet1");
    const tagged = await net.virtualNetworks.updateTags(RG, "vnet1", { tags: { b: "2" } });
    expect(tagged.tags).toEqual({ b: "2" });
    await net.virtualNetworks.beginDeleteAndWait(RG, "vnet1");
    const e = await errorOf(net.virtualNetworks.get(RG, "vnet1"));
    expect(e.statusCode).toBe(404);
  });
});
