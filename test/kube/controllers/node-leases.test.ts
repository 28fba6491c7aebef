// The kubelets' node Lease heartbeat: one pass per cluster every 10 s renews the Lease of each
// Node still there (renewTime as a MicroTime), all in one transaction, armed on an in-process
// timer; the writes are the only changes and queue no controller; no Node, no timer.
import type { Lease } from "kubernetes-types/coordination/v1.js";
import type { Node } from "kubernetes-types/core/v1.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { KubeApi } from "../../../src/kube/api.js";
import type { ResourceType } from "../../../src/kube/catalog.js";
import { ControllerContext } from "../../../src/kube/controllers/context.js";
import { ControllerManager } from "../../../src/kube/controllers/manager.js";
import { nodeLeaseKey, renewNodeLeases } from "../../../src/kube/controllers/nodeLeases.js";
import type { WorkQueue } from "../../../src/kube/controllers/queue.js";
import { NODE_LEASE_RENEW_MS, renewedLeases } from "../../../src/kube/workloads/index.js";
import { openStore } from "../../../src/store/open.js";
import type { Store } from "../../../src/store/types.js";

const C = "c1";
let store: Store | undefined;
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await store?.close();
  store = undefined;
});

const lease = (name: string, uid: string, renewTime = "2026-01-01T00:00:00.000000Z"): Lease => ({
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  metadata: {
    name,
    namespace: "kube-node-lease",
    ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid }],
  },
  spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime },
});

describe("renewedLeases", () => {
  it("renews the Lease of each live Node (by uid) with a MicroTime; not an earlier Node's, not a deleting one's", () => {
    const nodes: Node[] = [
      { metadata: { name: "a", uid: "ua" } },
      { metadata: { name: "b", uid: "ub" } },
      { metadata: { name: "c", uid: "uc", deletionTimestamp: "2026-01-01T00:00:00Z" } },
    ];
    const out = renewedLeases(
      nodes,
      [lease("a", "ua"), lease("b", "old-b"), lease("c", "uc"), lease("x", "ux")],
      Date.parse("2026-03-04T05:06:07.089Z"),
    );
    expect(out.map((l) => [l.metadata?.name, l.spec?.renewTime])).toEqual([
      ["a", "2026-03-04T05:06:07.089000Z"],
    ]);
    expect(out[0].spec).toMatchObject({ holderIdentity: "a", leaseDurationSeconds: 40 });
  });
});

async function setup() {
  store = await openStore("sqlite::memory:");
  const api = new KubeApi(store);
  await api.ensureCluster(C);
  const added: string[] = [];
  const queue: WorkQueue = { add: (k) => added.push(k), idle: async () => undefined, stop: () => undefined };
  const ctx = new ControllerContext(api, store, queue, () => undefined);
  const type = async (plural: string) =>
    (await api.types(C)).find((t) => t.plural === plural) as ResourceType;
  const [nodes, leases] = [await type("nodes"), await type("leases")];
  const node = async (name: string) =>
    (
      (await api.create(C, nodes, "", { apiVersion: "v1", kind: "Node", metadata: { name } }, {}))
        .body as Node
    ).metadata?.uid ?? "";
  const renewTimes = async () =>
    Object.fromEntries(
      ((await api.list(C, leases, "kube-node-lease", {})).items as Lease[]).map((l) => [
        l.metadata?.name,
        l.spec?.renewTime,
      ]),
    );
  return { api, ctx, added, nodes, leases, node, renewTimes };
}

describe("renewNodeLeases", () => {
  it("one transaction for the whole cluster, nothing else written, and again 10 s later", async () => {
    const { api, ctx, added, leases, node, renewTimes } = await setup();
    for (const n of ["n1", "n2", "n3"])
      await api.create(C, leases, "kube-node-lease", lease(n, await node(n)), {});
    await api.create(C, leases, "kube-node-lease", lease("gone", "no-such-node"), {});
    const s = store as Store;
    const from = await s.currentRevision();
    const tx = vi.spyOn(s, "transaction");
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    await renewNodeLeases(ctx, C);
    expect(tx).toHaveBeenCalledTimes(1);
    expect((await s.currentRevision()) - from).toBe(3);
    const times = await renewTimes();
    expect(times.gone).toBe("2026-01-01T00:00:00.000000Z");
    for (const n of ["n1", "n2", "n3"]) expect(times[n]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(times.n1).not.toBe("2026-01-01T00:00:00.000000Z");
    // The kubelet writes the renewals.
    const l = (await api.get(C, leases, "kube-node-lease", "n1")) as Lease;
    expect(l.metadata?.managedFields?.map((m) => m.manager)).toContain("kubelet");
    // The next pass is a timer, not pending work.
    expect(added).toEqual([]);
    vi.advanceTimersByTime(NODE_LEASE_RENEW_MS - 1);
    expect(added).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(added).toEqual([nodeLeaseKey(C)]);
  });

  it("no Node: nothing written and no timer (node-lifecycle starts it again); a pending heartbeat is not pushed back", async () => {
    const { ctx, added } = await setup();
    const s = store as Store;
    const from = await s.currentRevision();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    await renewNodeLeases(ctx, C);
    expect(await s.currentRevision()).toBe(from);
    vi.advanceTimersByTime(10 * NODE_LEASE_RENEW_MS);
    expect(added).toEqual([]);
    ctx.ensureLater(nodeLeaseKey(C), NODE_LEASE_RENEW_MS);
    vi.advanceTimersByTime(NODE_LEASE_RENEW_MS / 2);
    ctx.ensureLater(nodeLeaseKey(C), NODE_LEASE_RENEW_MS);
    vi.advanceTimersByTime(NODE_LEASE_RENEW_MS / 2);
    expect(added).toEqual([nodeLeaseKey(C)]);
  });

  it("a renewal wakes no controller: the manager queues nothing for a Lease update", async () => {
    const { api, leases, node } = await setup();
    const s = store as Store;
    await api.create(C, leases, "kube-node-lease", lease("n1", await node("n1")), {});
    const added: string[] = [];
    const queue: WorkQueue = {
      add: (k) => added.push(k),
      idle: async () => undefined,
      stop: () => undefined,
    };
    const m = new ControllerManager(s, () => undefined, queue);
    await m.start();
    added.length = 0;
    const cur = (await api.get(C, leases, "kube-node-lease", "n1")) as Lease;
    await api.update(
      C,
      leases,
      "kube-node-lease",
      "n1",
      { ...cur, spec: { ...cur.spec, renewTime: "2026-01-02T00:00:00.000000Z" } },
      {},
    );
    // A namespace written after it queues its defaults: once that key is in, the feed has handed
    // the Lease's change over too, and it queued nothing.
    const ns = (await api.types(C)).find((t) => t.plural === "namespaces") as ResourceType;
    await api.create(C, ns, "", { apiVersion: "v1", kind: "Namespace", metadata: { name: "marker" } }, {});
    for (let i = 0; i < 400 && !added.length; i++) await new Promise((r) => setTimeout(r, 5));
    m.stop();
    expect(added).toEqual([`ns-defaults|${C}|marker`]);
  });
});
