// Address hand-out on shared AksHci networks, against the real store: random sequences of
// cluster and LoadBalancer Service creates and deletes never hand an address out twice in
// prevention mode, refusals change nothing, and every taken row is accounted for.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createCluster, getClusterOrNull, removeCluster } from "../../src/hci/clusters.js";
import { HciError } from "../../src/hci/errors.js";
import { install, setConfig } from "../../src/hci/host.js";
import { createClusterNetwork } from "../../src/hci/networks.js";
import { ensureServiceVip, removeServiceVip } from "../../src/hci/services.js";
import { readHci } from "../../src/hci/view.js";
import { SqliteStore } from "../../src/store/sqlite.js";

const SUB = "00000000-0000-0000-0000-000000000001";

async function fresh(defect = false): Promise<SqliteStore> {
  const store = new SqliteStore(":memory:");
  await store.transaction(async (tx) => {
    await setConfig(tx, SUB, {
      vnet: {
        name: "mgmt",
        vswitchName: "sw",
        ipAddressPrefix: "10.0.0.0/24",
        gateway: "10.0.0.1",
        dnsServers: ["10.0.0.1"],
        k8sNodeIpPoolStart: "10.0.0.10",
        k8sNodeIpPoolEnd: "10.0.0.60",
        vipPoolStart: "10.0.0.200",
        vipPoolEnd: "10.0.0.211",
      },
      cloudServiceCidr: "10.0.0.5/24",
      emulateKnownIssues: defect,
    });
    await install(tx, SUB);
    await createClusterNetwork(tx, SUB, {
      name: "shared",
      vswitchName: "sw",
      ipAddressPrefix: "10.1.0.0/24",
      gateway: "10.1.0.1",
      dnsServers: ["10.1.0.1"],
      k8sNodeIpPoolStart: "10.1.0.10",
      k8sNodeIpPoolEnd: "10.1.0.45",
      vipPoolStart: "10.1.0.100",
      vipPoolEnd: "10.1.0.107",
    });
  });
  return store;
}

type Op =
  | { op: "cluster"; name: string; net: string; nodes: number }
  | { op: "rmcluster"; name: string }
  | { op: "svc"; cluster: string; svc: string; port: number }
  | { op: "rmsvc"; cluster: string; svc: string };

const names = fc.constantFrom("a", "b", "c", "d");
const svcNames = fc.constantFrom("web", "api", "db");
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("cluster" as const),
    name: names,
    net: fc.constantFrom("mgmt", "shared"),
    nodes: fc.integer({ min: 0, max: 6 }),
  }),
  fc.record({ op: fc.constant("rmcluster" as const), name: names }),
  fc.record({
    op: fc.constant("svc" as const),
    cluster: names,
    svc: svcNames,
    port: fc.constantFrom(80, 443, 8080),
  }),
  fc.record({ op: fc.constant("rmsvc" as const), cluster: names, svc: svcNames }),
);

async function apply(store: SqliteStore, o: Op): Promise<void> {
  const before = await store.read((tx) => readHci(tx, SUB));
  try {
    await store.transaction(async (tx) => {
      if (o.op === "cluster")
        await createCluster(tx, SUB, { name: o.name, vnet: o.net, linuxNodeCount: o.nodes });
      else if (o.op === "rmcluster") await removeCluster(tx, SUB, o.name);
      else {
        const c = await getClusterOrNull(tx, SUB, o.cluster);
        if (!c) return;
        if (o.op === "svc")
          await ensureServiceVip(tx, SUB, c, {
            namespace: "default",
            name: o.svc,
            ports: [{ port: o.port, nodePort: 30000 + o.port }],
          });
        else await removeServiceVip(tx, SUB, c, "default", o.svc);
      }
    });
  } catch (e) {
    if (!(e instanceof HciError)) throw e;
    // A refusal leaves the state exactly as it was.
    expect(await store.read((tx) => readHci(tx, SUB))).toEqual(before);
  }
}

async function invariants(store: SqliteStore, defect: boolean): Promise<void> {
  const v = await store.read((tx) => readHci(tx, SUB));
  for (const n of v.networks) {
    const node = n.nodePool.holders.map((h) => h.ip);
    expect(new Set(node).size, `node addresses of ${n.name}`).toBe(node.length);
    expect(n.nodePool.free).toBe(n.nodePool.size - node.length);
    const vips = n.vipPool.holders.map((h) => h.ip);
    if (!defect) {
      expect(new Set(vips).size, `VIPs of ${n.name}: ${vips.join(" ")}`).toBe(vips.length);
      expect(n.conflicts).toEqual([]);
    } else {
      const exclusive = n.vipPool.holders.filter((h) => h.kind !== "service").map((h) => h.ip);
      expect(new Set(exclusive).size).toBe(exclusive.length);
      expect(vips.filter((ip) => exclusive.includes(ip)).length).toBe(exclusive.length);
    }
  }
  for (const c of v.clusters) {
    const blocks = c.nodes.map((x) => x.podCidr);
    expect(new Set(blocks).size).toBe(blocks.length);
  }
}

describe("AksHci address hand-out", () => {
  it("never hands out a node address or a VIP twice in prevention mode (random create/delete sequences)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const store = await fresh(false);
        try {
          for (const o of ops) {
            await apply(store, o);
            await invariants(store, false);
          }
          // Deleting everything gives every address back.
          for (const n of ["a", "b", "c", "d"]) await apply(store, { op: "rmcluster", name: n });
          const v = await store.read((tx) => readHci(tx, SUB));
          expect(v.networks.find((n) => n.name === "shared")?.vipPool.free).toBe(8);
          expect(v.networks.find((n) => n.name === "mgmt")?.nodePool.free).toBe(51 - 3);
        } finally {
          await store.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it("with the known defect on, only Services on different ports share, and only across clusters is it a conflict", async () => {
    const store = await fresh(true);
    await store.transaction(async (tx) => {
      await createCluster(tx, SUB, { name: "a", vnet: "shared" });
      await createCluster(tx, SUB, { name: "b", vnet: "shared" });
      const a = await getClusterOrNull(tx, SUB, "a");
      const b = await getClusterOrNull(tx, SUB, "b");
      if (!a || !b) throw new Error("no clusters");
      const s1 = await ensureServiceVip(tx, SUB, a, {
        namespace: "default",
        name: "web",
        ports: [{ port: 80, nodePort: 30080 }],
      });
      const s2 = await ensureServiceVip(tx, SUB, b, {
        namespace: "default",
        name: "api",
        ports: [{ port: 443, nodePort: 30443 }],
      });
      const s3 = await ensureServiceVip(tx, SUB, b, {
        namespace: "default",
        name: "web",
        ports: [{ port: 80, nodePort: 30081 }],
      });
      expect([s1.vip, s2.vip, s3.vip]).toEqual(["10.1.0.102", "10.1.0.102", "10.1.0.103"]);
    });
    const v = await store.read((tx) => readHci(tx, SUB));
    const conflicts = v.networks.find((n) => n.name === "shared")?.conflicts ?? [];
    expect(conflicts.map((c) => [c.vip, c.clusters])).toEqual([["10.1.0.102", ["a", "b"]]]);
    await store.close();
  });
});
