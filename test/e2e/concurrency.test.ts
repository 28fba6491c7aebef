// Many clients at once: every address is handed out once, capacity errors are clean 4xx,
// and two clusters racing for one subnet cannot both win. Requests really overlap here —
// the SDK calls are all in flight before any answer arrives.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Clients, clusterBody, errorOf, nodeRg, startClients, vnetWithSubnet } from "./aks-helpers.js";

let c: Clients;
const RG = "race";

beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
});
afterAll(async () => c?.emu.close());

/** Settles every promise; returns the fulfilled values and the failures. */
async function settle<T>(ps: Promise<T>[]) {
  const results = await Promise.allSettled(ps);
  const ok = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = results.flatMap((r) =>
    r.status === "rejected" ? [r.reason as { statusCode?: number; code?: string }] : [],
  );
  return { ok, failed };
}

describe("parallel writers", () => {
  it("30 NICs racing for a /27 (27 usable): 27 unique addresses, 3 clean refusals", async () => {
    const subnets = await vnetWithSubnet(c, RG, "v1", "10.50.0.0/16", { small: "10.50.1.0/27" });
    const { ok, failed } = await settle(
      Array.from({ length: 30 }, (_, i) =>
        c.net.networkInterfaces.beginCreateOrUpdateAndWait(RG, `nic${i}`, {
          location: "eastus",
          ipConfigurations: [{ name: "ipconfig1", subnet: { id: subnets.small } }],
        }),
      ),
    );
    const addrs = ok.map((n) => n.ipConfigurations?.[0].privateIPAddress);
    expect(ok).toHaveLength(27);
    expect(new Set(addrs).size).toBe(27);
    for (const a of addrs) expect(a).toMatch(/^10\.50\.1\.([4-9]|[12]\d|30)$/);
    expect(failed).toHaveLength(3);
    for (const f of failed) {
      expect(f.statusCode).toBeGreaterThanOrEqual(400);
      expect(f.statusCode).toBeLessThan(500);
    }
    const subnet = await c.net.subnets.get(RG, "v1", "small");
    expect(subnet.ipConfigurations).toHaveLength(27);
  });

  it("20 public IPs racing for a /28 prefix: 16 unique addresses inside it, 4 clean refusals", async () => {
    const prefix = await c.net.publicIPPrefixes.beginCreateOrUpdateAndWait(RG, "p28", {
      location: "eastus",
      prefixLength: 28,
      sku: { name: "Standard" },
    });
    const { ok, failed } = await settle(
      Array.from({ length: 20 }, (_, i) =>
        c.net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, `pip${i}`, {
          location: "eastus",
          sku: { name: "Standard" },
          publicIPAllocationMethod: "Static",
          publicIPPrefix: { id: prefix.id },
        }),
      ),
    );
    expect(ok).toHaveLength(16);
    const addrs = ok.map((p) => p.ipAddress ?? "");
    expect(new Set(addrs).size).toBe(16);
    const base = prefix.ipPrefix!.split("/")[0].split(".").map(Number);
    for (const a of addrs) {
      const o = a.split(".").map(Number);
      expect(o.slice(0, 3)).toEqual(base.slice(0, 3));
      expect(o[3] - base[3]).toBeGreaterThanOrEqual(0);
      expect(o[3] - base[3]).toBeLessThan(16);
    }
    expect(failed).toHaveLength(4);
    for (const f of failed) expect(f.statusCode).toBe(400);
  });

  it("two kubenet clusters racing for one subnet: exactly one wins, the loser leaves nothing behind", async () => {
    const subnets = await vnetWithSubnet(c, RG, "v2", "10.60.0.0/16", { nodes: "10.60.1.0/24" });
    const { ok, failed } = await settle(
      ["a", "b"].map((n) =>
        c.aks.managedClusters.beginCreateOrUpdateAndWait(
          RG,
          `k${n}`,
          clusterBody({ count: 2, subnetId: subnets.nodes }),
        ),
      ),
    );
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(failed[0].statusCode).toBe(400);
    const loser = ok[0].name === "ka" ? "kb" : "ka";
    expect((await errorOf(c.aks.managedClusters.get(RG, loser))).statusCode).toBe(404);
    expect((await errorOf(c.resources.resourceGroups.get(nodeRg(RG, loser)))).statusCode).toBe(404);
    const subnet = await c.net.subnets.get(RG, "v2", "nodes");
    expect(subnet.ipConfigurations).toHaveLength(2);
  });

  it("three clusters created at once on their own subnets get disjoint node addresses and pod blocks", async () => {
    const subnets = await vnetWithSubnet(c, RG, "v3", "10.70.0.0/16", {
      s1: "10.70.1.0/24",
      s2: "10.70.2.0/24",
      s3: "10.70.3.0/24",
    });
    const { ok, failed } = await settle(
      ["s1", "s2", "s3"].map((s) =>
        c.aks.managedClusters.beginCreateOrUpdateAndWait(
          RG,
          `c${s}`,
          clusterBody({ count: 3, subnetId: subnets[s] }),
        ),
      ),
    );
    expect(failed).toEqual([]);
    expect(ok).toHaveLength(3);
    for (const s of ["s1", "s2", "s3"]) {
      const subnet = await c.net.subnets.get(RG, "v3", s);
      expect(subnet.ipConfigurations).toHaveLength(3);
    }
  });
});
