// The kubelets' CSINode registration: one CSINode per live Node, named like it and owned by it,
// listing AKS's azuredisk (allocatable = the VM size's data-disk limit) and azurefile node
// plugins; a CSINode of a Node that went, or of an earlier Node of the same name, is removed or
// replaced; AKS on HCI registers no Azure driver.
import type { Node } from "kubernetes-types/core/v1.js";
import type { CSINode } from "kubernetes-types/storage/v1.js";
import { afterEach, describe, expect, it } from "vitest";
import { KubeApi } from "../../../src/kube/api.js";
import type { ResourceType } from "../../../src/kube/catalog.js";
import { ControllerContext } from "../../../src/kube/controllers/context.js";
import { syncCsiNodes } from "../../../src/kube/controllers/csiNodes.js";
import type { WorkQueue } from "../../../src/kube/controllers/queue.js";
import { DEFAULT_DATA_DISKS, maxDataDisks, planCsiNodes } from "../../../src/kube/workloads/csiNodes.js";
import { openStore } from "../../../src/store/open.js";
import type { Store } from "../../../src/store/types.js";

const C = "c1";
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

const node = (name: string, uid: string, size = "Standard_DS2_v2"): Node => ({
  metadata: { name, uid, labels: { "node.kubernetes.io/instance-type": size } },
});
const csiNode = (name: string, ownerUid: string): CSINode => ({
  metadata: {
    name,
    uid: `csi-${name}`,
    ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid: ownerUid }],
  },
  spec: { drivers: [] },
});

describe("planCsiNodes", () => {
  it("creates one per live Node with the Azure drivers, replaces an earlier Node's, removes a gone Node's", () => {
    const out = planCsiNodes(
      [
        node("a", "ua", "Standard_D8s_v3"),
        node("b", "ub"),
        node("c", "uc"),
        { metadata: { name: "d", uid: "ud", deletionTimestamp: "2026-01-01T00:00:00Z" } },
      ],
      [csiNode("b", "ub"), csiNode("c", "old-c"), csiNode("gone", "ugone")],
      "aks",
    );
    expect(
      out.map((c) => (c.op === "create" ? `create ${c.object.metadata?.name}` : `delete ${c.name}`)),
    ).toEqual(["create a", "delete c", "create c", "delete gone"]);
    const a = out[0].op === "create" ? out[0].object : undefined;
    expect(a?.metadata?.ownerReferences).toEqual([{ apiVersion: "v1", kind: "Node", name: "a", uid: "ua" }]);
    expect(a?.spec?.drivers).toEqual([
      {
        name: "disk.csi.azure.com",
        nodeID: "a",
        topologyKeys: ["topology.disk.csi.azure.com/zone", "topology.kubernetes.io/zone"],
        allocatable: { count: 16 },
      },
      { name: "file.csi.azure.com", nodeID: "a" },
    ]);
    // A delete names the uid it saw.
    expect(out[1]).toEqual({ op: "delete", name: "c", uid: "csi-c" });
  });

  it("data-disk limits by VM size, case-insensitively; azuredisk's default for a size it does not know", () => {
    expect(maxDataDisks("Standard_DS2_v2")).toBe(8);
    expect(maxDataDisks("standard_d2s_v5")).toBe(4);
    expect(maxDataDisks("Standard_Unknown_v9")).toBe(DEFAULT_DATA_DISKS);
  });

  it("AKS on HCI: the CSINode is there, without Azure drivers", () => {
    const out = planCsiNodes([node("h", "uh")], [], "hci");
    expect(out).toHaveLength(1);
    expect(out[0].op === "create" && out[0].object.spec?.drivers).toEqual([]);
  });
});

async function setup() {
  store = await openStore("sqlite::memory:");
  const api = new KubeApi(store);
  await api.ensureCluster(C);
  const queue: WorkQueue = { add: () => undefined, idle: async () => undefined, stop: () => undefined };
  // A fresh context per pass: without the manager's feed the informer cache would not see changes.
  const ctx = () => new ControllerContext(api, store as Store, queue, () => undefined);
  const type = async (plural: string) =>
    (await api.types(C)).find((t) => t.plural === plural) as ResourceType;
  const [nodes, csiNodes] = [await type("nodes"), await type("csinodes")];
  const addNode = async (name: string) =>
    (
      (
        await api.create(
          C,
          nodes,
          "",
          {
            apiVersion: "v1",
            kind: "Node",
            metadata: { name, labels: { "node.kubernetes.io/instance-type": "Standard_D4s_v3" } },
          },
          {},
        )
      ).body as Node
    ).metadata?.uid ?? "";
  const list = async () =>
    (await api.list(C, csiNodes, undefined, {})).items.map((o) => ({
      metadata: o.metadata as CSINode["metadata"],
      spec: o.spec as CSINode["spec"],
    }));
  return { api, ctx, nodes, csiNodes, addNode, list };
}

describe("syncCsiNodes", () => {
  it("registers each Node's CSINode as the kubelet, idempotently, and removes a gone Node's", async () => {
    const { api, ctx, nodes, addNode, list } = await setup();
    const u1 = await addNode("n1");
    await addNode("n2");
    await syncCsiNodes(ctx(), C, "aks");
    const got = await list();
    expect(got.map((c) => c.metadata?.name)).toEqual(["n1", "n2"]);
    expect(got[0].metadata?.ownerReferences?.[0]).toMatchObject({ kind: "Node", name: "n1", uid: u1 });
    expect(got[0].spec?.drivers.map((d) => [d.name, d.allocatable?.count])).toEqual([
      ["disk.csi.azure.com", 8],
      ["file.csi.azure.com", undefined],
    ]);
    expect(got[0].metadata?.managedFields?.map((m) => m.manager)).toEqual(["kubelet"]);
    // A second pass writes nothing.
    const s = store as Store;
    const rev = await s.currentRevision();
    await syncCsiNodes(ctx(), C, "aks");
    expect(await s.currentRevision()).toBe(rev);
    // The Node goes (Orphan: the garbage collector is not what removes it here).
    await api.delete(C, nodes, "", "n2", { propagationPolicy: "Orphan" });
    await syncCsiNodes(ctx(), C, "aks");
    expect((await list()).map((c) => c.metadata?.name)).toEqual(["n1"]);
  });
});
