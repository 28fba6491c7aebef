// The write path's shortcuts keep the store's guarantees: revisions counted inside the
// transaction stay strictly increasing and gap-free (multi-write transactions, refused writes,
// rollbacks), and this process's commits handed straight to the change feed still reach every
// watcher exactly once and in order when another process writes to the same database at the
// same time. The other process is a real child process running the built store (dist/).
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StoreConflictError, TooOldError } from "../../src/store/errors.js";
import type { ChangeRecord, KubeObjectRecord, Store } from "../../src/store/types.js";
import { backends, sharedStoreUrl } from "../helpers/stores.js";

const root = path.resolve(import.meta.dirname, "../..");
const distOpen = path.join(root, "dist/store/open.js");

const open: Store[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

const pod = (name: string, extra: Record<string, unknown> = {}): Omit<KubeObjectRecord, "revision"> => ({
  cluster: "c1",
  resource: "core/pods",
  namespace: "default",
  name,
  body: { kind: "Pod", metadata: { name, namespace: "default" }, ...extra },
});

function watchAll(store: Store, from: number) {
  const got: ChangeRecord[] = [];
  let error: Error | undefined;
  const handle = store.watch(
    from,
    {},
    (c) => got.push(c),
    (e) => {
      error = e;
    },
  );
  const until = async (n: number, ms = 20_000) => {
    const deadline = Date.now() + ms;
    while (got.length < n && !error && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return got;
  };
  return { got, handle, until, error: () => error };
}

/** Runs `writes` putObject in a child process on `url`, `perTx` per transaction. */
function childWriter(url: string, prefix: string, writes: number, perTx: number) {
  return childProcess(url, prefix, writes, perTx).done;
}

function childProcess(url: string, prefix: string, writes: number, perTx: number) {
  if (!fs.existsSync(distOpen)) throw new Error("dist/store/open.js is missing: build first (npm run build)");
  const script = `
    const { openStore } = await import(${JSON.stringify(distOpen)});
    const s = await openStore(${JSON.stringify(url)});
    for (let i = 0; i < ${writes}; i += ${perTx}) {
      await s.transaction(async (tx) => {
        for (let j = i; j < Math.min(${writes}, i + ${perTx}); j++)
          await tx.putObject({ cluster: "c1", resource: "core/pods", namespace: "default",
            name: ${JSON.stringify(prefix)} + j, body: { kind: "Pod", metadata: { name: ${JSON.stringify(prefix)} + j } } });
      });
      await new Promise((r) => setTimeout(r, 1));
    }
    await s.close();`;
  const proc = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  proc.stderr.on("data", (d) => {
    stderr += String(d);
  });
  const done = new Promise<void>((resolve, reject) =>
    proc.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`child writer exited ${code}: ${stderr}`)),
    ),
  );
  return { proc, done };
}

describe.each(backends())("write path and change feed hand-over on $name", (backend) => {
  const fresh = async (shared?: string) => {
    const s = await backend.open(shared);
    open.push(s);
    return s;
  };

  it("revisions stay strictly increasing and gap-free across multi-write, refused and rolled-back transactions", async () => {
    const s = await fresh();
    const r0 = await s.currentRevision();
    const w = watchAll(s, r0);
    // Three writes in one transaction: three consecutive revisions, visible inside it.
    const inTx = await s.transaction(async (tx) => {
      const a = await tx.putObject(pod("a"), { create: true });
      const b = await tx.putObject(pod("b"));
      const seen = await tx.currentRevision();
      const c = await tx.putObject(pod("a", { v: 2 }), { expectedRevision: a });
      return [a, b, seen, c];
    });
    expect(inTx).toEqual([r0 + 1, r0 + 2, r0 + 2, r0 + 3]);
    expect(await s.currentRevision()).toBe(r0 + 3);
    // A refused write inside a committed transaction takes no revision.
    const afterRefusal = await s.transaction(async (tx) => {
      await expect(tx.putObject(pod("a"), { create: true })).rejects.toBeInstanceOf(StoreConflictError);
      await expect(tx.putObject(pod("a"), { expectedRevision: r0 + 1 })).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      await expect(tx.putObject(pod("zz"), { expectedRevision: 1 })).rejects.toThrow("does not exist");
      await expect(
        tx.deleteObject("c1", "core/pods", "default", "a", { expectedRevision: r0 + 1 }),
      ).rejects.toThrow(`is at revision ${r0 + 3}, not ${r0 + 1}`);
      expect(await tx.deleteObject("c1", "core/pods", "default", "zz")).toBeUndefined();
      return tx.putObject(pod("d"), { create: true });
    });
    expect(afterRefusal).toBe(r0 + 4);
    // A transaction whose first write was refused and that wrote nothing commits no revision.
    await s.transaction(async (tx) => {
      await expect(tx.putObject(pod("d"), { create: true })).rejects.toBeInstanceOf(StoreConflictError);
    });
    expect(await s.currentRevision()).toBe(r0 + 4);
    // A rolled-back transaction of many writes leaves the counter where it was.
    await expect(
      s.transaction(async (tx) => {
        for (let i = 0; i < 5; i++) await tx.putObject(pod(`x${i}`));
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await s.currentRevision()).toBe(r0 + 4);
    expect(await s.transaction((tx) => tx.deleteObject("c1", "core/pods", "default", "b"))).toBe(r0 + 5);
    const got = await w.until(5);
    expect(w.error()).toBeUndefined();
    expect(got.map((c) => [c.revision - r0, c.type, c.object.metadata])).toEqual([
      [1, "ADDED", { name: "a", namespace: "default" }],
      [2, "ADDED", { name: "b", namespace: "default" }],
      [3, "MODIFIED", { name: "a", namespace: "default" }],
      [4, "ADDED", { name: "d", namespace: "default" }],
      [5, "DELETED", { name: "b", namespace: "default" }],
    ]);
    expect(got[2].object.v).toBe(2);
    w.handle.close();
  });

  it("ARM bodies are serialised once: empty bodies and a body's own __meta key round-trip as before", async () => {
    const s = await fresh();
    const r0 = await s.currentRevision();
    const w = watchAll(s, r0);
    const base = { subscriptionId: "S1", resourceGroup: "G", etag: "e1" };
    await s.transaction(async (tx) => {
      await tx.putResource({
        ...base,
        id: "/subscriptions/S1/resourceGroups/G/providers/A.B/x/Empty",
        type: "A.B/x",
        body: {},
      });
      await tx.putResource({
        ...base,
        id: "/subscriptions/S1/resourceGroups/G/providers/A.B/x/Meta",
        type: "A.B/x",
        parentId: "/subscriptions/S1/resourceGroups/G",
        body: { name: "Meta", __meta: { type: "spoofed" } },
      });
    });
    const [empty, meta] = await s.read((tx) =>
      Promise.all([
        tx.getResource("/subscriptions/s1/resourcegroups/g/providers/a.b/x/empty"),
        tx.getResource("/subscriptions/S1/resourceGroups/G/providers/A.B/x/Meta"),
      ]),
    );
    expect(empty?.body).toEqual({});
    expect(empty?.type).toBe("A.B/x");
    expect(meta?.body).toEqual({ name: "Meta" });
    expect([meta?.type, meta?.resourceGroup, meta?.parentId]).toEqual([
      "A.B/x",
      "G",
      "/subscriptions/S1/resourceGroups/G",
    ]);
    const got = await w.until(2);
    expect(got.map((c) => [c.type, c.object])).toEqual([
      ["ADDED", {}],
      ["ADDED", { name: "Meta", __meta: { type: "spoofed" } }],
    ]);
    w.handle.close();
  });

  it("a watcher sees what was stored, not the caller's object changed after the write", async () => {
    const s = await fresh();
    const r0 = await s.currentRevision();
    const w = watchAll(s, r0);
    const rec = pod("m", { spec: { replicas: 1 } });
    await s.transaction((tx) => tx.putObject(rec));
    (rec.body as { spec: { replicas: number } }).spec.replicas = 99;
    const [c] = await w.until(1);
    expect(c.object.spec).toEqual({ replicas: 1 });
    w.handle.close();
  });

  it("every revision exactly once, in order, while another process writes to the same database", async () => {
    if (backend.name === "sqlite-memory") return; // no other process can reach it
    const shared = `handover_${Date.now()}`;
    const s = await fresh(shared);
    const r0 = await s.currentRevision();
    const w = watchAll(s, r0);
    let childDone = false;
    const other = childWriter(sharedStoreUrl(backend.name, shared), "q", 200, 3).finally(() => {
      childDone = true;
    });
    // Ours, in transactions of 1 to 5 writes, for as long as the child writes (interleaved).
    let ours = 0;
    for (let i = 0; !childDone; i++) {
      const n = 1 + (i % 5);
      const base = ours;
      await s.transaction(async (tx) => {
        for (let j = 0; j < n; j++) await tx.putObject(pod(`p${base + j}`));
      });
      ours += n;
      await new Promise((r) => setTimeout(r, 2));
    }
    await other;
    const total = ours + 200;
    const got = await w.until(total);
    expect(w.error()).toBeUndefined();
    expect(got.map((c) => c.revision)).toEqual(Array.from({ length: total }, (_, i) => r0 + i + 1));
    const names = got.map((c) => (c.object.metadata as { name: string }).name);
    expect([...names].sort()).toEqual(
      [
        ...Array.from({ length: ours }, (_, i) => `p${i}`),
        ...Array.from({ length: 200 }, (_, i) => `q${i}`),
      ].sort(),
    );
    // They did interleave: some child write landed between two of ours.
    const firstQ = names.findIndex((n) => n.startsWith("q"));
    expect(names.slice(firstQ).some((n) => n.startsWith("p"))).toBe(true);
    await new Promise((r) => setTimeout(r, 600)); // a poll later: still nothing twice
    expect(got).toHaveLength(total);
    w.handle.close();
  });

  it("kill -9 of a writer mid-stream: whole transactions only, the counter at the last one, the log gap-free", async () => {
    if (backend.name === "sqlite-memory") return; // nothing outlives the process
    const shared = `kill_${Date.now()}`;
    const s = await fresh(shared);
    const r0 = await s.currentRevision();
    const child = childProcess(sharedStoreUrl(backend.name, shared), "k", 1_000_000, 50);
    const exited = child.done.catch(() => undefined);
    const deadline = Date.now() + 20_000;
    while ((await s.currentRevision()) < r0 + 400 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    child.proc.kill("SIGKILL");
    await exited;
    const rev = await s.currentRevision();
    expect(rev).toBeGreaterThanOrEqual(r0 + 400);
    expect((rev - r0) % 50).toBe(0); // transactions of 50: all or nothing
    const objects = await s.read((tx) => tx.listObjects({ cluster: "c1", resource: "core/pods" }));
    expect(objects).toHaveLength(rev - r0);
    expect(Math.max(...objects.map((o) => o.revision))).toBe(rev);
    const w = watchAll(s, r0);
    const got = await w.until(rev - r0);
    expect(got.map((c) => c.revision)).toEqual(Array.from({ length: rev - r0 }, (_, i) => r0 + i + 1));
    // The next write takes the next revision: nothing was counted twice or lost.
    expect(await s.transaction((tx) => tx.putObject(pod("after")))).toBe(rev + 1);
    w.handle.close();
  });

  it("a watch from before the compaction point gets TooOld even when later changes are handed over", async () => {
    const s = await fresh();
    const r0 = await s.currentRevision();
    for (let i = 0; i < 3; i++) await s.transaction((tx) => tx.putObject(pod(`c${i}`)));
    const w = watchAll(s, r0);
    await w.until(3);
    w.handle.close();
    // A fresh watch from before the compaction point, opened and then overtaken by writes.
    await s.compact(r0 + 2);
    const old = watchAll(s, r0 + 1);
    await s.transaction((tx) => tx.putObject(pod("c9")));
    await old.until(1, 3000);
    expect(old.error()).toBeInstanceOf(TooOldError);
    expect(old.got).toHaveLength(0);
  });
});
