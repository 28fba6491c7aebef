// Issue 8 item 1: a cluster's nodeResourceGroup can neither be its own group (deleting it
// recursed forever) nor an existing group (adopted, then deleted with the user's resources).
// Refused at PUT with AKS's codes; and the purge itself is safe for data written before
// the refusal existed: only a group marked managedBy the cluster is purged, and a purge
// never re-enters a group already being purged.
import path from "node:path";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { NetworkManagementClient } from "@azure/arm-network";
import { ResourceManagementClient } from "@azure/arm-resources";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator, tempDir } from "../helpers/emulator.js";
import { type Clients, clusterBody, errorOf, startClients } from "./aks-helpers.js";

describe("nodeResourceGroup refused at PUT", () => {
  let c: Clients;
  beforeAll(async () => {
    c = await startClients();
    await c.resources.resourceGroups.createOrUpdate("rg", { location: "eastus" });
    await c.resources.resourceGroups.createOrUpdate("users", { location: "eastus" });
    await c.net.virtualNetworks.beginCreateOrUpdateAndWait("users", "keep-me", {
      location: "eastus",
      addressSpace: { addressPrefixes: ["10.50.0.0/16"] },
    });
  });
  afterAll(async () => c?.emu.close());

  it("a nodeResourceGroup naming the cluster's own group (delete recursed forever) → 400 NodeResourceGroupSameAsResourceGroup, nothing created", async () => {
    const e = await errorOf(
      c.aks.managedClusters.createOrUpdate("rg", "self", {
        ...clusterBody(),
        nodeResourceGroup: "RG",
      }),
    );
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe("NodeResourceGroupSameAsResourceGroup");
    expect(e.message).toBe(
      "Node resource group 'RG' is the same as ResourceGroup 'rg', which is not allowed, please provide a different node resource group.",
    );
    expect((await errorOf(c.aks.managedClusters.get("rg", "self"))).statusCode).toBe(404);
    expect((await c.resources.resourceGroups.get("rg")).managedBy).toBeUndefined();
  });

  it("a nodeResourceGroup naming an existing group (adopted, then deleted with the user's data) → 400 NodeResourceGroupAlreadyExists", async () => {
    const e = await errorOf(
      c.aks.managedClusters.createOrUpdate("rg", "adopt", {
        ...clusterBody(),
        nodeResourceGroup: "users",
      }),
    );
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe("NodeResourceGroupAlreadyExists");
    expect(e.message).toBe(
      `Node resource group 'users' under subscription '${c.emu.subscriptionId}' already exists, please provide a new one.`,
    );
    expect((await errorOf(c.aks.managedClusters.get("rg", "adopt"))).statusCode).toBe(404);
    const users = await c.resources.resourceGroups.get("users");
    expect(users.managedBy).toBeUndefined();
    expect((await c.net.virtualNetworks.get("users", "keep-me")).addressSpace?.addressPrefixes).toEqual([
      "10.50.0.0/16",
    ]);
  });

  it("a fresh nodeResourceGroup name is created, marked managedBy the cluster and removed with it", async () => {
    const mc = await c.aks.managedClusters.createOrUpdate("rg", "fresh", {
      ...clusterBody({ count: 1 }),
      nodeResourceGroup: "fresh-nodes",
    });
    expect(mc.provisioningState).toBe("Succeeded");
    expect((await c.resources.resourceGroups.get("fresh-nodes")).managedBy).toBe(mc.id);
    // A re-PUT of the same cluster keeps its own group (not "already exists").
    const again = await c.aks.managedClusters.createOrUpdate("rg", "fresh", {
      ...clusterBody({ count: 1 }),
      nodeResourceGroup: "fresh-nodes",
    });
    expect(again.provisioningState).toBe("Succeeded");
    await c.aks.managedClusters.delete("rg", "fresh");
    expect((await errorOf(c.resources.resourceGroups.get("fresh-nodes"))).statusCode).toBe(404);
  });
});

/**
 * Data written before the PUT refusal: the cluster record is rewritten in the data dir
 * while the emulator is stopped, then the emulator is started again on it.
 */
describe("purge is structurally safe for stored clusters", () => {
  const dataDir = tempDir();
  let emu: TestEmulator;
  let clusterId = "";

  const clients = (e: TestEmulator) => ({
    aks: new ContainerServiceClient(e.credential, e.subscriptionId, e.clientOptions),
    net: new NetworkManagementClient(e.credential, e.subscriptionId, e.clientOptions),
    resources: new ResourceManagementClient(e.credential, e.subscriptionId, e.clientOptions),
  });

  async function restartWith(edit: (db: Database.Database) => void): Promise<void> {
    await emu.close();
    const db = new Database(path.join(dataDir, "aksnet.db"));
    edit(db);
    db.close();
    emu = await startTestEmulator({ dataDir, inMemory: false });
  }

  const setJson = (db: Database.Database, id: string, column: "body" | "internal", p: string, v: string) =>
    db
      .prepare(`UPDATE resources SET ${column} = json_set(${column}, ?, ?) WHERE id_key = ?`)
      .run(p, v, id.toLowerCase());

  beforeAll(async () => {
    emu = await startTestEmulator({ dataDir, inMemory: false });
  });
  afterAll(async () => emu?.close());

  it("a stored cluster whose nodeResourceGroup adopted a user's group: deleting the cluster leaves that group and its resources", async () => {
    let c = clients(emu);
    await c.resources.resourceGroups.createOrUpdate("app", { location: "eastus" });
    await c.resources.resourceGroups.createOrUpdate("mine", { location: "eastus" });
    await c.net.virtualNetworks.beginCreateOrUpdateAndWait("mine", "precious", {
      location: "eastus",
      addressSpace: { addressPrefixes: ["10.60.0.0/16"] },
    });
    const mc = await c.aks.managedClusters.createOrUpdate("app", "legacy", clusterBody({ count: 1 }));
    clusterId = mc.id ?? "";
    await restartWith((db) => setJson(db, clusterId, "internal", "$.spec.nodeResourceGroup", "mine"));
    c = clients(emu);
    expect((await c.aks.managedClusters.get("app", "legacy")).nodeResourceGroup).toBe("mine");
    await c.aks.managedClusters.delete("app", "legacy");
    expect((await errorOf(c.aks.managedClusters.get("app", "legacy"))).statusCode).toBe(404);
    expect((await c.net.virtualNetworks.get("mine", "precious")).addressSpace?.addressPrefixes).toEqual([
      "10.60.0.0/16",
    ]);
  });

  it("a stored cluster whose nodeResourceGroup is its own group, even marked managedBy it (recursed forever): deleting the group finishes", async () => {
    let c = clients(emu);
    await c.resources.resourceGroups.createOrUpdate("loop", { location: "eastus" });
    const mc = await c.aks.managedClusters.createOrUpdate("loop", "cyc", clusterBody({ count: 1 }));
    const id = mc.id ?? "";
    const loopId = `/subscriptions/${emu.subscriptionId}/resourceGroups/loop`;
    await restartWith((db) => {
      setJson(db, id, "internal", "$.spec.nodeResourceGroup", "loop");
      setJson(db, loopId, "body", "$.managedBy", id);
    });
    c = clients(emu);
    await c.resources.resourceGroups.beginDeleteAndWait("loop");
    expect((await errorOf(c.resources.resourceGroups.get("loop"))).statusCode).toBe(404);
    expect((await errorOf(c.aks.managedClusters.get("loop", "cyc"))).statusCode).toBe(404);
    const health = await fetch(`${emu.url}/_aksnet/health`);
    expect(health.status).toBe(200);
  });
});
