// The controllers' informer cache: one list, then the change feed. Changes seen while the first
// list is read are not lost; older revisions never overwrite newer ones; deletes remove; a cleared
// cache lists again; recordOf gives back the store record an object came from.
import { afterEach, describe, expect, it } from "vitest";
import { ObjectCache, recordOf } from "../../src/kube/controllers/cache.js";
import type { ChangeRecord, Store } from "../../src/store/types.js";
import { backends } from "../helpers/stores.js";

const open: Store[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

const C = "0123456789abcdef01234567";
const pod = (name: string, phase: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", uid: `uid-${name}` },
  status: { phase },
});

/** The cache fed by the store's own feed, as the controller manager feeds it. */
async function fed(s: Store) {
  const cache = new ObjectCache(s);
  let at = await s.currentRevision();
  const w = s.watch(at, {}, (c: ChangeRecord) => {
    cache.observe(c);
    at = c.revision;
  });
  const caughtUp = async () => {
    const rev = await s.currentRevision();
    for (let i = 0; i < 200 && at < rev; i++) await new Promise((r) => setTimeout(r, 5));
    expect(at).toBe(rev);
  };
  return { cache, caughtUp, close: () => w.close() };
}

const put = (s: Store, name: string, phase: string) =>
  s.transaction((tx) =>
    tx.putObject({ cluster: C, resource: "core/pods", namespace: "default", name, body: pod(name, phase) }),
  );

for (const b of backends()) {
  describe(`informer cache (${b.name})`, () => {
    it("lists once, then follows creates, updates and deletes in revision order", async () => {
      const s = await b.open();
      open.push(s);
      await put(s, "a", "Pending");
      const f = await fed(s);
      expect((await f.cache.list(C, "core/pods")).map((p) => p.metadata)).toEqual([
        expect.objectContaining({ name: "a" }),
      ]);
      const ra = await put(s, "a", "Running");
      await put(s, "b", "Pending");
      await f.caughtUp();
      const got = await f.cache.list(C, "core/pods", "default");
      expect(
        got.map((p) => [(p.metadata as { name: string }).name, (p.status as { phase: string }).phase]),
      ).toEqual([
        ["a", "Running"],
        ["b", "Pending"],
      ]);
      // resourceVersion is the store revision, as the API serves it.
      expect((got[0].metadata as { resourceVersion: string }).resourceVersion).toBe(String(ra));
      await s.transaction((tx) => tx.deleteObject(C, "core/pods", "default", "a"));
      await f.caughtUp();
      expect((await f.cache.list(C, "core/pods")).map((p) => (p.metadata as { name: string }).name)).toEqual([
        "b",
      ]);
      expect(await f.cache.get(C, "core/pods", "default", "a")).toBeUndefined();
      expect(await f.cache.list(C, "core/pods", "other")).toEqual([]);
      // A name that sorts first, after the order was read: lists stay in name order.
      await put(s, "0", "Pending");
      await put(s, "b", "Running");
      await f.caughtUp();
      expect((await f.cache.list(C, "core/pods")).map((p) => (p.metadata as { name: string }).name)).toEqual([
        "0",
        "b",
      ]);
      f.close();
    });

    it("a change committed while the first list is read is kept; an old revision never overwrites", async () => {
      const s = await b.open();
      open.push(s);
      const cache = new ObjectCache(s);
      await put(s, "a", "Pending");
      const listing = cache.list(C, "core/pods"); // reads at revision r
      const r2 = await put(s, "a", "Running");
      // The feed hands over both the old change (at or before the list) and the new one.
      const before: ChangeRecord = {
        revision: 1,
        kind: "kube",
        key: "x",
        type: "MODIFIED",
        cluster: C,
        resource: "core/pods",
        namespace: "default",
        object: pod("a", "Old"),
      };
      cache.observe(before);
      cache.observe({ ...before, revision: r2, object: pod("a", "Running") });
      await listing;
      const a = await cache.get(C, "core/pods", "default", "a");
      expect(a?.status).toEqual({ phase: "Running" });
      expect(a?.metadata).toMatchObject({ resourceVersion: String(r2) });
      cache.observe({ ...before, revision: r2 - 1, object: pod("a", "Stale") });
      expect((await cache.get(C, "core/pods", "default", "a"))?.status).toEqual({ phase: "Running" });
    });

    it("clear forgets everything: the next read lists the store again", async () => {
      const s = await b.open();
      open.push(s);
      const cache = new ObjectCache(s);
      await put(s, "a", "Pending");
      expect(await cache.list(C, "core/pods")).toHaveLength(1);
      await put(s, "b", "Pending"); // not observed: the cache does not know
      expect(await cache.list(C, "core/pods")).toHaveLength(1);
      cache.clear();
      expect(await cache.list(C, "core/pods")).toHaveLength(2);
    });

    it("recordOf gives back the record: a write from it conflicts once the store moved on", async () => {
      const s = await b.open();
      open.push(s);
      const rev = await put(s, "a", "Pending");
      const cache = new ObjectCache(s);
      const served = await cache.get(C, "core/pods", "default", "a");
      const rec = recordOf(C, "core/pods", served as object);
      expect(rec).toEqual({
        cluster: C,
        resource: "core/pods",
        namespace: "default",
        name: "a",
        body: pod("a", "Pending"),
        revision: rev,
      });
      expect(recordOf(C, "core/pods", { metadata: { name: "x" } })).toBeUndefined();
      await put(s, "a", "Running");
      await expect(
        s.transaction((tx) =>
          tx.putObject(
            { cluster: C, resource: "core/pods", namespace: "default", name: "a", body: pod("a", "Failed") },
            { expectedRevision: rev },
          ),
        ),
      ).rejects.toThrow(/revision/);
    });
  });
}
