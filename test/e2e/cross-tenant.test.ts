// Issue 8 item 5: a body may only refer to resources the caller can read. A tenant-2 caller
// linking to tenant 1's public IP prefix, subnet or identity gets ARM's 403
// LinkedAuthorizationFailed and nothing is created; the same references from tenant 1 work.

import { ContainerServiceClient } from "@azure/arm-containerservice";
import { NetworkManagementClient } from "@azure/arm-network";
import { ResourceManagementClient } from "@azure/arm-resources";
import type { TokenCredential } from "@azure/core-auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { clusterBody, errorOf } from "./aks-helpers.js";

const SUB2 = "22222222-3333-4444-8555-666666666666";
const TENANT2 = "77777777-8888-4999-8aaa-bbbbbbbbbbbb";

let emu: TestEmulator;
let t1: { net: NetworkManagementClient; resources: ResourceManagementClient };
let t2: { net: NetworkManagementClient; resources: ResourceManagementClient; aks: ContainerServiceClient };
let prefixId = "";
let subnetId = "";
let identityKey = "";

beforeAll(async () => {
  emu = await startTestEmulator({ extraSubscriptions: [`${SUB2}:${TENANT2}`] });
  const cred2: TokenCredential = {
    async getToken() {
      return { token: await emu.token(TENANT2), expiresOnTimestamp: Date.now() + 3_000_000 };
    },
  };
  const o = emu.clientOptions;
  t1 = {
    net: new NetworkManagementClient(emu.credential, emu.subscriptionId, o),
    resources: new ResourceManagementClient(emu.credential, emu.subscriptionId, o),
  };
  t2 = {
    net: new NetworkManagementClient(cred2, SUB2, o),
    resources: new ResourceManagementClient(cred2, SUB2, o),
    aks: new ContainerServiceClient(cred2, SUB2, o),
  };
  await t1.resources.resourceGroups.createOrUpdate("one", { location: "eastus" });
  const prefix = await t1.net.publicIPPrefixes.beginCreateOrUpdateAndWait("one", "pfx", {
    location: "eastus",
    sku: { name: "Standard" },
    prefixLength: 30,
    publicIPAddressVersion: "IPv4",
  });
  prefixId = prefix.id ?? "";
  const vnet = await t1.net.virtualNetworks.beginCreateOrUpdateAndWait("one", "vnet", {
    location: "eastus",
    addressSpace: { addressPrefixes: ["10.1.0.0/16"] },
    subnets: [{ name: "s", addressPrefix: "10.1.0.0/24" }],
  });
  subnetId = vnet.subnets?.[0]?.id ?? "";
  identityKey = `/subscriptions/${emu.subscriptionId}/resourceGroups/one/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1`;
  await t2.resources.resourceGroups.createOrUpdate("two", { location: "eastus" });
});
afterAll(async () => emu?.close());

const linked = (action: string, scope: string) =>
  `The client has permission to perform action '${action}' on scope '${scope}', however the current tenant '${TENANT2}' is not authorized to access linked subscription '${emu.subscriptionId}'.`;

describe("cross-tenant references (worked before: a tenant could use another tenant's resources)", () => {
  it("a public IP from another tenant's prefix → 403 LinkedAuthorizationFailed, no address taken", async () => {
    const e = await errorOf(
      t2.net.publicIPAddresses.beginCreateOrUpdateAndWait("two", "stolen", {
        location: "eastus",
        sku: { name: "Standard" },
        publicIPAllocationMethod: "Static",
        publicIPPrefix: { id: prefixId },
      }),
    );
    expect(e.statusCode).toBe(403);
    expect(e.code).toBe("LinkedAuthorizationFailed");
    expect(e.message).toBe(
      linked(
        "Microsoft.Network/publicIPAddresses/write",
        `/subscriptions/${SUB2}/resourceGroups/two/providers/Microsoft.Network/publicIPAddresses/stolen`,
      ),
    );
    expect((await errorOf(t2.net.publicIPAddresses.get("two", "stolen"))).statusCode).toBe(404);
    expect((await t1.net.publicIPPrefixes.get("one", "pfx")).publicIPAddresses ?? []).toEqual([]);
  });

  it("a NIC in another tenant's subnet → 403 LinkedAuthorizationFailed, the subnet keeps no ip configuration", async () => {
    const e = await errorOf(
      t2.net.networkInterfaces.beginCreateOrUpdateAndWait("two", "nic", {
        location: "eastus",
        ipConfigurations: [{ name: "ipc", subnet: { id: subnetId } }],
      }),
    );
    expect(e.statusCode).toBe(403);
    expect(e.code).toBe("LinkedAuthorizationFailed");
    expect(e.message).toContain(`linked subscription '${emu.subscriptionId}'`);
    expect((await errorOf(t2.net.networkInterfaces.get("two", "nic"))).statusCode).toBe(404);
    expect((await t1.net.subnets.get("one", "vnet", "s")).ipConfigurations ?? []).toEqual([]);
  });

  it("an AKS cluster in another tenant's subnet, or with its identity → 403 LinkedAuthorizationFailed, no cluster, no node resource group", async () => {
    const e = await errorOf(t2.aks.managedClusters.createOrUpdate("two", "aks", clusterBody({ subnetId })));
    expect(e.statusCode).toBe(403);
    expect(e.code).toBe("LinkedAuthorizationFailed");
    expect(e.message).toBe(
      linked(
        "Microsoft.ContainerService/managedClusters/write",
        `/subscriptions/${SUB2}/resourceGroups/two/providers/Microsoft.ContainerService/managedClusters/aks`,
      ),
    );
    const byId = await errorOf(
      t2.aks.managedClusters.createOrUpdate("two", "aks", clusterBody({ identityId: identityKey })),
    );
    expect(byId.statusCode).toBe(403);
    expect(byId.code).toBe("LinkedAuthorizationFailed");
    expect((await errorOf(t2.aks.managedClusters.get("two", "aks"))).statusCode).toBe(404);
    expect((await errorOf(t2.resources.resourceGroups.get("MC_two_aks_eastus"))).statusCode).toBe(404);
    expect((await t1.net.subnets.get("one", "vnet", "s")).ipConfigurations ?? []).toEqual([]);
  });

  it("the same references from the owning tenant still work", async () => {
    const pip = await t1.net.publicIPAddresses.beginCreateOrUpdateAndWait("one", "mine", {
      location: "eastus",
      sku: { name: "Standard" },
      publicIPAllocationMethod: "Static",
      publicIPPrefix: { id: prefixId },
    });
    expect(pip.publicIPPrefix?.id).toBe(prefixId);
    const nic = await t1.net.networkInterfaces.beginCreateOrUpdateAndWait("one", "nic", {
      location: "eastus",
      ipConfigurations: [{ name: "ipc", subnet: { id: subnetId } }],
    });
    expect(nic.ipConfigurations?.[0]?.privateIPAddress).toBe("10.1.0.4");
  });
});
