// The deleted-cluster sweep as store work: slices of SWEEP_SLICE objects per transaction, the
// item re-queuing itself under the next key, a killed attempt (rolled back, lease lost) redone by
// the next owner, and objects a racing controller wrote after the deletion swept too.
import { afterEach, describe, expect, it } from "vitest";
import { podIpPool } from "../../src/kube/controllers/kubelet.js";
import { queueClusterSweep, SWEEP_SLICE, SWEEP_WORK, sweepSlice } from "../../src/kube/sweep.js";
import type { Store } from "../../src/store/types.js";
import { backends } from "../helpers/stores.js";

const open: Store[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

const UID = "0123456789abcdef01234567";

async function seed(s: Store, n: number): Promise<void> {
  for (let i = 0; i < n; i += 100)
    await s.transaction(async (tx) => {
      for (let j = i; j < Math.min(n, i + 100); j++)
        await tx.putObject({
          cluster: UID,
          resource: j % 2 ? "core/pods" : "core/configmaps",
          namespace: "default",
          name: `o${j}`,
          body: {},
        });
    });
}

const count = (s: Store) =>
  s.read(
    async (tx) =>
      (await tx.listClusterObjects(UID, { maxRevision: Number.MAX_SAFE_INTEGER, limit: 10_000 })).length,
  );

/** One runtime attempt: lease, slice, finish — or a kill after the slice (rolled back). */
async function attempt(s: Store, owner: string, kill = false): Promise<string | undefined> {
  const [item] = await s.claimWork(owner, { leaseMs: 60_000, limit: 1, kinds: [SWEEP_WORK] });
  if (!item) return undefined;
  await s
    .transaction(async (tx) => {
      await sweepSlice(tx, item);
      if (kill) throw new Error("killed");
      expect(await tx.finishWork(item.kind, item.key, owner)).toBe(true);
    })
    .catch((e: Error) => expect(e.message).toBe("killed"));
  return item.key;
}

describe.each(backends())("cluster sweep on $name", (backend) => {
  it("deletes in slices, survives a killed attempt, and frees kube/<uid>/ allocations with the deletion", async () => {
    const s = await backend.open();
    open.push(s);
    const total = 2 * SWEEP_SLICE + 50;
    await seed(s, total);
    await s.transaction((tx) => tx.allocate(podIpPool(UID), "10.244.0.9", `kube/${UID}/pod/x`));
    await s.transaction((tx) => queueClusterSweep(tx, UID));
    expect(await s.read((tx) => tx.listAllocations(podIpPool(UID)))).toEqual([]);

    expect(await attempt(s, "a")).toBe(`${UID}#0`);
    expect(await count(s)).toBe(total - SWEEP_SLICE);
    // Killed mid-slice: nothing of it sticks; the lease frees (a restart) and the next owner redoes it.
    expect(await attempt(s, "a", true)).toBe(`${UID}#1`);
    expect(await count(s)).toBe(total - SWEEP_SLICE);
    await s.releaseLeases();
    expect(await attempt(s, "b")).toBe(`${UID}#1`);
    expect(await attempt(s, "b")).toBe(`${UID}#2`);
    expect(await count(s)).toBe(0);
    expect(await attempt(s, "b")).toBeUndefined();
  });

  it("while no cluster has the uid, objects written after the deletion (a racing controller pass) go too", async () => {
    const s = await backend.open();
    open.push(s);
    await seed(s, 3);
    await s.transaction((tx) => queueClusterSweep(tx, UID));
    await s.transaction((tx) =>
      tx.putObject({ cluster: UID, resource: "core/pods", namespace: "default", name: "late", body: {} }),
    );
    expect(await attempt(s, "a")).toBe(`${UID}#0`);
    expect(await count(s)).toBe(0);
  });
});
