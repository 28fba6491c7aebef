// Garbage collection is store work (runtime item `kube-gc`, queued in the deleting
// transaction): a collection the process did not get to before it stopped runs after the
// next start.
import { expect, it } from "vitest";
import { GC_WORK } from "../../src/kube/api.js";
import { startTestEmulator, tempDir } from "../helpers/emulator.js";
import { createCluster, kube } from "../kube/kube-helpers.js";
import { until } from "../kube/workload-helpers.js";

it("a queued collection survives a restart and deletes the dependents of a gone owner", async () => {
  const dataDir = tempDir();
  let emu = await startTestEmulator({ dataDir, inMemory: false });
  const c = await createCluster(emu, "gcrestart", "1.33");
  const owner = await kube(c, "POST", "/api/v1/namespaces/default/configmaps", {
    metadata: { name: "owner" },
  });
  expect(owner.status).toBe(201);
  const uid = (owner.body as { metadata: { uid: string } }).metadata.uid;
  const dep = await kube(c, "POST", "/api/v1/namespaces/default/configmaps", {
    metadata: { name: "dep", ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid }] },
  });
  expect(dep.status).toBe(201);
  // The owner goes and the collection is queued, as a delete does, but due only after this
  // process has stopped (as if it were killed before the runtime ran it).
  await emu.store.transaction(async (tx) => {
    await tx.deleteObject(c.uid, "core/configmaps", "default", "owner");
    await tx.enqueueWork({ kind: GC_WORK, key: c.uid, notBefore: Date.now() + 1500 });
  });
  await emu.close();
  emu = await startTestEmulator({ dataDir, inMemory: false });
  // A new port; the token still opens the cluster (its key is in the store).
  const after = { ...c, server: `${emu.url}/clusters/${c.uid}` };
  try {
    const gone = await until(async () => {
      const r = await kube(after, "GET", "/api/v1/namespaces/default/configmaps/dep");
      return r.status === 404 ? r : undefined;
    });
    expect((gone.body as { reason: string }).reason).toBe("NotFound");
    expect(await emu.store.read((tx) => tx.getWork(GC_WORK, c.uid))).toBeUndefined();
  } finally {
    await emu.close();
  }
});
