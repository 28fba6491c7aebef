// Microsoft.Resources and Microsoft.Features calls the SDKs make that the basic suite does
// not: the generic resource list with $filter/$expand, resource-group $filter, HEAD on a
// resource id, deleting an absent group, feature-name casing, subscriptionFeatureRegistrations.
import { FeatureClient } from "@azure/arm-features";
import { NetworkManagementClient } from "@azure/arm-network";
import { ResourceManagementClient } from "@azure/arm-resources";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let emu: TestEmulator;
let net: NetworkManagementClient;
let res: ResourceManagementClient;
let feat: FeatureClient;

beforeAll(async () => {
  emu = await startTestEmulator({ pageSize: 2 });
  net = new NetworkManagementClient(emu.credential, emu.subscriptionId, emu.clientOptions);
  res = new ResourceManagementClient(emu.credential, emu.subscriptionId, emu.clientOptions);
  feat = new FeatureClient(emu.credential, emu.subscriptionId, emu.clientOptions);
});
afterAll(async () => emu?.close());

const all = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};
const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as { statusCode?: number; code?: string; message: string };
  }
  throw new Error("expected the call to fail");
};

describe("generic resource listing", () => {
  it("lists tracked resources of a group and of the subscription, filtered and paged", async () => {
    await res.resourceGroups.createOrUpdate("gen-a", { location: "westeurope" });
    await res.resourceGroups.createOrUpdate("gen-b", { location: "eastus" });
    await net.virtualNetworks.beginCreateOrUpdateAndWait("gen-a", "vnet-a", {
      location: "West Europe",
      addressSpace: { addressPrefixes: ["10.1.0.0/16"] },
      subnets: [{ name: "s", addressPrefix: "10.1.0.0/24" }],
      tags: { team: "blue" },
    });
    await net.networkSecurityGroups.beginCreateOrUpdateAndWait("gen-a", "nsg-a", {
      location: "westeurope",
      securityRules: [
        {
          name: "r",
          protocol: "Tcp",
          access: "Allow",
          direction: "Inbound",
          priority: 100,
          sourcePortRange: "*",
          destinationPortRange: "22",
          sourceAddressPrefix: "*",
          destinationAddressPrefix: "*",
        },
      ],
    });
    await net.routeTables.beginCreateOrUpdateAndWait("gen-a", "rt-a", { location: "westeurope" });
    await net.publicIPPrefixes.beginCreateOrUpdateAndWait("gen-b", "pfx-b", {
      location: "eastus",
      sku: { name: "Standard" },
      prefixLength: 31,
      tags: { team: "red" },
    });

    // Top-level resources only: no subnets, rules or default rules; paged by the server.
    const inA = await all(res.resources.listByResourceGroup("gen-a"));
    expect(inA.map((r) => r.name).sort()).toEqual(["nsg-a", "rt-a", "vnet-a"]);
    const vnet = inA.find((r) => r.name === "vnet-a");
    expect(vnet).toMatchObject({
      id: `/subscriptions/${emu.subscriptionId}/resourceGroups/gen-a/providers/Microsoft.Network/virtualNetworks/vnet-a`,
      type: "Microsoft.Network/virtualNetworks",
      location: "westeurope",
      tags: { team: "blue" },
    });

    const nsgs = await all(
      res.resources.listByResourceGroup("gen-a", {
        filter: "resourceType eq 'microsoft.network/networksecuritygroups'",
      }),
    );
    expect(nsgs.map((r) => r.name)).toEqual(["nsg-a"]);

    const everywhere = await all(res.resources.list());
    expect(everywhere.map((r) => r.name).sort()).toEqual(["nsg-a", "pfx-b", "rt-a", "vnet-a"]);
    const red = await all(res.resources.list({ filter: "tagName eq 'team' and tagValue eq 'red'" }));
    expect(red.map((r) => r.name)).toEqual(["pfx-b"]);
    const named = await all(res.resources.list({ filter: "substringof('-a', name)" }));
    expect(named.map((r) => r.name).sort()).toEqual(["nsg-a", "rt-a", "vnet-a"]);
    const expanded = await all(
      res.resources.list({ filter: "name eq 'pfx-b'", expand: "provisioningState" }),
    );
    expect(expanded[0].provisioningState).toBe("Succeeded");

    const missing = await errorOf(all(res.resources.listByResourceGroup("no-such-group")));
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe("ResourceGroupNotFound");
    const badFilter = await errorOf(all(res.resources.list({ filter: "colour eq 'blue'" })));
    expect(badFilter.statusCode).toBe(400);
  });

  it("filters resource groups by tag", async () => {
    await res.resourceGroups.createOrUpdate("tagged-1", { location: "eastus", tags: { env: "prod" } });
    await res.resourceGroups.createOrUpdate("tagged-2", { location: "eastus", tags: { env: "dev" } });
    await res.resourceGroups.createOrUpdate("tagged-3", { location: "eastus", tags: { Env: "Prod" } });
    const prod = await all(res.resourceGroups.list({ filter: "tagName eq 'env' and tagValue eq 'prod'" }));
    expect(prod.map((g) => g.name).sort()).toEqual(["tagged-1", "tagged-3"]);
    const anyEnv = await all(res.resourceGroups.list({ filter: "tagName eq 'env'" }));
    expect(anyEnv.map((g) => g.name).sort()).toEqual(["tagged-1", "tagged-2", "tagged-3"]);
  });

  it("HEAD on a resource id answers 204/404, deleting an absent group answers 404", async () => {
    const id = `/subscriptions/${emu.subscriptionId}/resourceGroups/gen-a/providers/Microsoft.Network/routeTables/rt-a`;
    expect(await res.resources.checkExistenceById(id, "2024-05-01")).toEqual({ body: true });
    expect(await res.resources.checkExistenceById(`${id}-nope`, "2024-05-01")).toEqual({ body: false });
    const e = await errorOf(res.resourceGroups.beginDeleteAndWait("never-existed"));
    expect(e.statusCode).toBe(404);
    expect(e.code).toBe("ResourceGroupNotFound");
  });
});

describe("feature flags", () => {
  it("keeps a feature's name as first registered, whatever casing later calls use", async () => {
    await feat.features.register("Microsoft.ContainerService", "MyCustomPreview");
    const f = await feat.features.get("microsoft.containerservice", "mycustompreview");
    expect(f.name).toBe("Microsoft.ContainerService/MyCustomPreview");
    expect(f.id).toBe(
      `/subscriptions/${emu.subscriptionId}/providers/Microsoft.Features/providers/Microsoft.ContainerService/features/MyCustomPreview`,
    );
    const again = await feat.features.register("MICROSOFT.CONTAINERSERVICE", "MYCUSTOMPREVIEW");
    expect(again.name).toBe("Microsoft.ContainerService/MyCustomPreview");
    const listed = await all(feat.features.list("Microsoft.ContainerService"));
    expect(listed.filter((x) => x.name?.toLowerCase().endsWith("/mycustompreview"))).toHaveLength(1);
  });

  it("serves subscriptionFeatureRegistrations over the same flags", async () => {
    const put = await feat.subscriptionFeatureRegistrations.createOrUpdate(
      "Microsoft.ContainerService",
      "StaticEgressGatewayPreview",
      { subscriptionFeatureRegistrationType: { properties: {} } },
    );
    expect(put.name).toBe("StaticEgressGatewayPreview");
    expect(put.properties?.providerNamespace).toBe("Microsoft.ContainerService");
    expect(["Registering", "Registered"]).toContain(put.properties?.state);
    const flag = await feat.features.get("Microsoft.ContainerService", "StaticEgressGatewayPreview");
    expect(flag.properties?.state).toBe("Registered");
    const got = await feat.subscriptionFeatureRegistrations.get(
      "Microsoft.ContainerService",
      "staticegressgatewaypreview",
    );
    expect(got.properties?.state).toBe("Registered");
    const byNs = await all(
      feat.subscriptionFeatureRegistrations.listBySubscription("Microsoft.ContainerService"),
    );
    expect(byNs.map((r) => r.name)).toContain("StaticEgressGatewayPreview");
    const every = await all(feat.subscriptionFeatureRegistrations.listAllBySubscription());
    expect(every.length).toBeGreaterThanOrEqual(byNs.length);
    await feat.subscriptionFeatureRegistrations.delete(
      "Microsoft.ContainerService",
      "StaticEgressGatewayPreview",
    );
    const after = await feat.features.get("Microsoft.ContainerService", "StaticEgressGatewayPreview");
    expect(after.properties?.state).toBe("Unregistered");
  });
});
