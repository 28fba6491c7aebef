// The store contract (src/store/types.ts), executed on every backend: SQLite in memory, a
// SQLite file, and PostgreSQL when AKSNET_TEST_PG_URL is set (test/helpers/stores.ts).
import { afterEach, describe, expect, it } from "vitest";
import { StoreConflictError, StoreTimeoutError, TooOldError } from "../../src/store/errors.js";
import type { ChangeRecord, KubeObjectRecord, ResourceRecord, Store } from "../../src/store/types.js";
import { backends } from "../helpers/stores.js";

const open: Store[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

const rg = (name: string, sub = "S1"): ResourceRecord => ({
  id: `/subscriptions/${sub}/resourceGroups/${name}`,
  type: "Microsoft.Resources/resourceGroups",
  subscriptionId: sub,
  body: { name, location: "eastus" },
  etag: "e1",
});

const pod = (
  name: string,
  ns = "default",
  extra: Record<string, unknown> = {},
): Omit<KubeObjectRecord, "revision"> => ({
  cluster: "c1",
  resource: "core/pods",
  namespace: ns,
  name,
  body: { kind: "Pod", metadata: { name, namespace: ns }, ...extra },
});

/** Collects changes until `n` arrived (or fails after 5 s). */
function collect(store: Store, from: number, filter: Parameters<Store["watch"]>[1] = {}) {
  const got: ChangeRecord[] = [];
  let error: Error | undefined;
  let wake: (() => void) | undefined;
  const handle = store.watch(
    from,
    filter,
    (c) => {
      got.push(c);
      wake?.();
    },
    (e) => {
      error = e;
      wake?.();
    },
  );
  const until = async (n: number) => {
    const deadline = Date.now() + 5000;
    while (got.length < n && !error && Date.now() < deadline)
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
    return got;
  };
  return { got, handle, until, error: () => error };
}

describe.each(backends())("store contract on $name", (backend) => {
  const fresh = async (shared?: string) => {
    const s = await backend.open(shared);
    open.push(s);
    return s;
  };

  it("ARM ids are case-insensitive, keep their PUT casing, and list in creation order", async () => {
    const s = await fresh();
    await s.transaction(async (tx) => {
      await tx.putResource(rg("Beta"));
      await tx.putResource(rg("alpha"));
      await tx.putResource({ ...rg("BETA"), body: { name: "Beta", location: "westus" }, etag: "e2" });
    });
    const got = await s.read((tx) => tx.getResource("/SUBSCRIPTIONS/s1/resourcegroups/beta"));
    expect(got?.id).toBe("/subscriptions/S1/resourceGroups/Beta");
    expect(got?.body).toEqual({ name: "Beta", location: "westus" });
    expect(got?.etag).toBe("e2");
    const list = await s.read((tx) =>
      tx.listResources({ type: "microsoft.resources/RESOURCEGROUPS", subscriptionId: "s1" }),
    );
    expect(list.map((r) => r.body.name)).toEqual(["Beta", "alpha"]);
    expect(await s.transaction((tx) => tx.deleteResource("/subscriptions/s1/resourcegroups/BETA"))).toBe(
      true,
    );
    expect(await s.transaction((tx) => tx.deleteResource("/subscriptions/s1/resourcegroups/BETA"))).toBe(
      false,
    );
  });

  it("Kubernetes names are case-sensitive; every write takes the next database-wide revision", async () => {
    const s = await fresh();
    const r0 = await s.currentRevision();
    const [a, b] = await s.transaction(async (tx) => [
      await tx.putObject(pod("Web")),
      await tx.putObject(pod("web")),
    ]);
    expect([a, b]).toEqual([r0 + 1, r0 + 2]);
    await s.transaction((tx) => tx.putResource(rg("x")));
    expect(await s.currentRevision()).toBe(r0 + 3);
    const upper = await s.read((tx) => tx.getObject("c1", "core/pods", "default", "Web"));
    const lowerCase = await s.read((tx) => tx.getObject("c1", "core/pods", "default", "web"));
    expect(upper?.revision).toBe(r0 + 1);
    expect(lowerCase?.revision).toBe(r0 + 2);
    expect(await s.read((tx) => tx.getObject("c1", "core/pods", "default", "WEB"))).toBeUndefined();
    const c = await s.transaction((tx) => tx.putObject(pod("Web", "default", { spec: { x: 1 } })));
    expect(c).toBe(r0 + 4);
    const again = (await s.read((tx) =>
      tx.getObject("c1", "core/pods", "default", "Web"),
    )) as KubeObjectRecord;
    expect(again).toEqual({ ...pod("Web", "default", { spec: { x: 1 } }), revision: r0 + 4 });
  });

  it("within a transaction, reads follow its own writes; peekObject shares one record until the object is written", async () => {
    const s = await fresh();
    await s.transaction((tx) => tx.putObject(pod("p")));
    await s.transaction(async (tx) => {
      const a = await tx.getObject("c1", "core/pods", "default", "p");
      const b = await tx.getObject("c1", "core/pods", "default", "p");
      expect(a).toEqual(b);
      expect(a).not.toBe(b); // getObject: each caller its own copy
      const p1 = await tx.peekObject("c1", "core/pods", "default", "p");
      expect(await tx.peekObject("c1", "core/pods", "default", "p")).toBe(p1);
      const rev = await tx.putObject(pod("p", "default", { spec: { x: 2 } }), {
        expectedRevision: p1?.revision,
      });
      const p2 = await tx.peekObject("c1", "core/pods", "default", "p");
      expect(p2).not.toBe(p1);
      expect(p2).toEqual({ ...pod("p", "default", { spec: { x: 2 } }), revision: rev });
      expect(await tx.getObject("c1", "core/pods", "default", "p")).toEqual(p2);
      await tx.deleteObject("c1", "core/pods", "default", "p");
      expect(await tx.peekObject("c1", "core/pods", "default", "p")).toBeUndefined();
      expect(await tx.getObject("c1", "core/pods", "default", "p")).toBeUndefined();
      const again = await tx.putObject(pod("p"), { create: true });
      expect((await tx.getObject("c1", "core/pods", "default", "p"))?.revision).toBe(again);
    });
  });

  it("deleteMetaPrefix removes the keys under a prefix only ('_' and '%' are plain characters)", async () => {
    const s = await fresh();
    await s.transaction(async (tx) => {
      for (const k of [
        "kube/a_1/crd-stamp",
        "kube/a_1/hostport-cursor",
        "kube/a%1/x",
        "kube/ab1/x",
        "kube/a_10/x",
      ])
        await tx.setMeta(k, "v");
    });
    expect(await s.transaction((tx) => tx.deleteMetaPrefix("kube/a_1/"))).toBe(2);
    const left = await s.read(async (tx) =>
      Promise.all(
        ["kube/a_1/crd-stamp", "kube/a%1/x", "kube/ab1/x", "kube/a_10/x"].map((k) => tx.getMeta(k)),
      ),
    );
    expect(left).toEqual([undefined, "v", "v", "v"]);
  });

  it("a rolled-back transaction leaves no revision, object or change behind", async () => {
    const s = await fresh();
    const r0 = await s.currentRevision();
    await expect(
      s.transaction(async (tx) => {
        await tx.putObject(pod("a"));
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await s.currentRevision()).toBe(r0);
    expect(await s.read((tx) => tx.getObject("c1", "core/pods", "default", "a"))).toBeUndefined();
    const next = await s.transaction((tx) => tx.putObject(pod("b")));
    expect(next).toBe(r0 + 1);
  });

  it("optimistic concurrency: expectedRevision and create-only answer StoreConflictError", async () => {
    const s = await fresh();
    const r1 = await s.transaction((tx) => tx.putObject(pod("a"), { create: true }));
    const dup = s.transaction((tx) => tx.putObject(pod("a"), { create: true }));
    await expect(dup).rejects.toBeInstanceOf(StoreConflictError);
    await expect(dup).rejects.toMatchObject({ currentRevision: r1 });
    await expect(
      s.transaction((tx) => tx.putObject(pod("a"), { expectedRevision: r1 - 1 })),
    ).rejects.toBeInstanceOf(StoreConflictError);
    await expect(
      s.transaction((tx) => tx.putObject(pod("zz"), { expectedRevision: 5 })),
    ).rejects.toBeInstanceOf(StoreConflictError);
    const r2 = await s.transaction((tx) => tx.putObject(pod("a"), { expectedRevision: r1 }));
    expect(r2).toBe(r1 + 1);
    await expect(
      s.transaction((tx) => tx.deleteObject("c1", "core/pods", "default", "a", { expectedRevision: r1 })),
    ).rejects.toBeInstanceOf(StoreConflictError);
    const r3 = await s.transaction((tx) =>
      tx.deleteObject("c1", "core/pods", "default", "a", { expectedRevision: r2 }),
    );
    expect(r3).toBe(r2 + 1);
    expect(await s.transaction((tx) => tx.deleteObject("c1", "core/pods", "default", "a"))).toBeUndefined();
  });

  it("listObjects orders by (namespace, name) in byte order and pages with a continue key", async () => {
    const s = await fresh();
    await s.transaction(async (tx) => {
      for (const [ns, name] of [
        ["kube-system", "b"],
        ["default", "b"],
        ["default", "B"],
        ["default", "a"],
        ["", "node-1"],
      ])
        await tx.putObject(pod(name, ns));
      await tx.putObject({ ...pod("other"), resource: "apps/deployments" });
      await tx.putObject({ ...pod("elsewhere"), cluster: "c2" });
    });
    const all = await s.read((tx) => tx.listObjects({ cluster: "c1", resource: "core/pods" }));
    expect(all.map((o) => `${o.namespace}/${o.name}`)).toEqual([
      "/node-1",
      "default/B",
      "default/a",
      "default/b",
      "kube-system/b",
    ]);
    const page1 = await s.read((tx) => tx.listObjects({ cluster: "c1", resource: "core/pods", limit: 2 }));
    expect(page1.map((o) => o.name)).toEqual(["node-1", "B"]);
    const page2 = await s.read((tx) =>
      tx.listObjects({ cluster: "c1", resource: "core/pods", after: "default/B", limit: 2 }),
    );
    expect(page2.map((o) => `${o.namespace}/${o.name}`)).toEqual(["default/a", "default/b"]);
    const inNs = await s.read((tx) =>
      tx.listObjects({ cluster: "c1", resource: "core/pods", namespace: "default" }),
    );
    expect(inNs.map((o) => o.name)).toEqual(["B", "a", "b"]);
  });

  it("a read transaction is one snapshot: list and currentRevision agree while writes commit", async () => {
    const s = await fresh();
    await s.transaction((tx) => tx.putObject(pod("a")));
    const seen = await s.read(async (tx) => {
      const before = await tx.listObjects({ cluster: "c1", resource: "core/pods" });
      const rev = await tx.currentRevision();
      // A write that commits while this snapshot is open (file and PostgreSQL backends).
      if (backend.name !== "sqlite-memory") await s.transaction((w) => w.putObject(pod("b")));
      const after = await tx.listObjects({ cluster: "c1", resource: "core/pods" });
      return { before: before.length, after: after.length, rev, rev2: await tx.currentRevision() };
    });
    expect(seen.before).toBe(1);
    expect(seen.after).toBe(1);
    expect(seen.rev2).toBe(seen.rev);
    await expect(s.read((tx) => tx.putObject(pod("c")))).rejects.toThrow(/cannot run inside Store.read/);
  });

  it("watch replays every later change in order, then live ones, with filters", async () => {
    const s = await fresh();
    const r0 = await s.currentRevision();
    await s.transaction(async (tx) => {
      await tx.putObject(pod("a"));
      await tx.putObject(pod("b", "kube-system"));
      await tx.putResource(rg("g"));
    });
    const everything = collect(s, r0);
    const kubeDefault = collect(s, r0, {
      kind: "kube",
      cluster: "c1",
      resource: "core/pods",
      namespace: "default",
    });
    const fromMiddle = collect(s, r0 + 1);
    await s.transaction(async (tx) => {
      await tx.putObject(pod("a", "default", { v: 2 }));
      await tx.deleteObject("c1", "core/pods", "default", "a");
      await tx.deleteResource(rg("g").id);
    });
    const all = await everything.until(6);
    expect(all.map((c) => [c.revision - r0, c.kind, c.type])).toEqual([
      [1, "kube", "ADDED"],
      [2, "kube", "ADDED"],
      [3, "arm", "ADDED"],
      [4, "kube", "MODIFIED"],
      [5, "kube", "DELETED"],
      [6, "arm", "DELETED"],
    ]);
    expect(all[0]).toMatchObject({
      key: "c1/core/pods/default/a",
      cluster: "c1",
      resource: "core/pods",
      namespace: "default",
    });
    expect(all[4].object).toEqual(pod("a", "default", { v: 2 }).body);
    expect(all[5]).toMatchObject({
      key: "/subscriptions/s1/resourcegroups/g",
      object: { name: "g", location: "eastus" },
    });
    const filtered = await kubeDefault.until(3);
    expect(filtered.map((c) => c.revision - r0)).toEqual([1, 4, 5]);
    expect((await fromMiddle.until(5)).map((c) => c.revision - r0)).toEqual([2, 3, 4, 5, 6]);
    await new Promise((r) => setTimeout(r, 100));
    expect(everything.got).toHaveLength(6); // no duplicates
    for (const w of [everything, kubeDefault, fromMiddle]) w.handle.close();
  });

  it("an owned body reaches live watchers as that very object (frozen under test); others get a parse of the text", async () => {
    const s = await fresh();
    const r0 = await s.currentRevision();
    const live = collect(s, r0);
    // Once the first change arrived the watch is live: later commits are handed over to it.
    await s.transaction((tx) => tx.putObject(pod("first")));
    await live.until(1);
    const owned = pod("o", "default", { spec: { x: [1] } });
    const copied = pod("c", "default", { spec: { x: [2] } });
    await s.transaction(async (tx) => {
      await tx.putObject(owned, { create: true, owned: true });
      await tx.putObject(copied, { create: true });
    });
    const [, a, b] = await live.until(3);
    expect(a.object).toBe(owned.body);
    // vitest.config.ts sets AKSNET_FREEZE_OWNED: a writer changing it afterwards fails loudly.
    expect(Object.isFrozen((owned.body as { spec: { x: number[] } }).spec.x)).toBe(true);
    expect(b.object).not.toBe(copied.body);
    expect(b.object).toEqual(copied.body);
    // A replay reads the log: the stored text, equal to the object handed over.
    const replay = collect(s, r0);
    const replayed = (await replay.until(3))[1].object;
    expect(replayed).toEqual(owned.body);
    expect(replayed).not.toBe(owned.body);
    for (const w of [live, replay]) w.handle.close();
  });

  it("a watch opened while writes stream in sees each revision exactly once", async () => {
    const s = await fresh();
    const r0 = await s.currentRevision();
    const writes = (async () => {
      for (let i = 0; i < 60; i++) await s.transaction((tx) => tx.putObject(pod(`p${i}`)));
    })();
    await new Promise((r) => setTimeout(r, 5));
    const w = collect(s, r0);
    await writes;
    const got = await w.until(60);
    expect(got.map((c) => c.revision)).toEqual(Array.from({ length: 60 }, (_, i) => r0 + i + 1));
    w.handle.close();
  });

  it("compaction: a watch from before the compaction point gets TooOldError with the revision", async () => {
    const s = await fresh();
    const r0 = await s.currentRevision();
    for (let i = 0; i < 5; i++) await s.transaction((tx) => tx.putObject(pod(`p${i}`)));
    await s.compact(r0 + 3);
    expect(await s.compactedRevision()).toBe(r0 + 3);
    const old = collect(s, r0 + 1);
    await old.until(1);
    expect(old.error()).toBeInstanceOf(TooOldError);
    expect((old.error() as TooOldError).compactedRevision).toBe(r0 + 3);
    expect(old.got).toHaveLength(0);
    const ok = collect(s, r0 + 3);
    expect((await ok.until(2)).map((c) => c.revision - r0)).toEqual([4, 5]);
    ok.handle.close();
  });

  it("compaction past every write keeps each live object whole: read, listed, updated and deleted with its last state", async () => {
    const s = await fresh();
    const ns = (name: string): Omit<KubeObjectRecord, "revision"> => ({
      cluster: "c1",
      resource: "core/namespaces",
      namespace: "",
      name,
      body: { kind: "Namespace", metadata: { name } },
    });
    await s.transaction(async (tx) => {
      for (const n of ["p0", "p1", "p2", "p3"]) await tx.putObject(pod(n));
      await tx.putObject(pod("p0", "other"));
      await tx.putObject(ns("team-a"));
    });
    await s.transaction(async (tx) => {
      await tx.putObject(pod("p0", "default", { spec: { v: 2 } }));
      await tx.deleteObject("c1", "core/pods", "default", "p1");
      await tx.deleteObject("c1", "core/pods", "default", "p2");
    });
    await s.transaction(async (tx) => {
      await tx.putObject(pod("p0", "default", { spec: { v: 3 } }));
      await tx.putObject(pod("p2", "default", { spec: { again: true } }), { create: true });
    });
    const top = await s.currentRevision();
    await s.compact(top);
    expect(await s.compactedRevision()).toBe(top);

    const listed = await s.read((tx) => tx.listObjects({ cluster: "c1", resource: "core/pods" }));
    expect(listed.map((o) => [o.namespace, o.name, o.body.spec])).toEqual([
      ["default", "p0", { v: 3 }],
      ["default", "p2", { again: true }],
      ["default", "p3", undefined],
      ["other", "p0", undefined],
    ]);
    expect(await s.read((tx) => tx.getObject("c1", "core/namespaces", "", "team-a"))).toMatchObject({
      body: { metadata: { name: "team-a" } },
    });
    const all = await s.read((tx) => tx.listClusterObjects("c1", { maxRevision: top, limit: 100 }));
    expect(all.map((o) => `${o.resource}/${o.namespace}/${o.name}`)).toEqual([
      "core/namespaces//team-a",
      "core/pods/default/p0",
      "core/pods/default/p2",
      "core/pods/default/p3",
      "core/pods/other/p0",
    ]);
    // A second compaction later still keeps them; a compare-and-set and a delete work on them.
    const p3 = listed[2];
    await s.transaction((tx) => tx.putObject(pod("x")));
    await s.compact(await s.currentRevision());
    const w = collect(s, await s.currentRevision());
    await s.transaction(async (tx) => {
      await tx.putObject(pod("p3", "default", { spec: { v: 9 } }), { expectedRevision: p3.revision });
      await tx.deleteObject("c1", "core/pods", "other", "p0");
    });
    const got = await w.until(2);
    expect(got.map((c) => [c.type, c.key, c.object.spec])).toEqual([
      ["MODIFIED", "c1/core/pods/default/p3", { v: 9 }],
      ["DELETED", "c1/core/pods/other/p0", undefined],
    ]);
    expect(got[1].object).toEqual({ kind: "Pod", metadata: { name: "p0", namespace: "other" } });
    w.handle.close();
    expect(await s.read((tx) => tx.getObject("c1", "core/pods", "default", "p3"))).toMatchObject({
      body: { spec: { v: 9 } },
    });
  });

  it("allocations are unique by (pool, item)", async () => {
    const s = await fresh();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        s.transaction((tx) => tx.allocate("pool", "10.0.0.4", `owner${i}`)),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const held = await s.read((tx) => tx.listAllocations("pool"));
    expect(held).toHaveLength(1);
    expect(await s.transaction((tx) => tx.releaseOwner(held[0].owner))).toBe(1);
  });

  it("a deleted cluster's leftovers: listClusterObjects spans resources up to a revision; releasePoolPrefix frees by prefix", async () => {
    const s = await fresh();
    const put = (cluster: string, resource: string, ns: string, name: string) =>
      s.transaction((tx) => tx.putObject({ cluster, resource, namespace: ns, name, body: { name } }));
    await put("c1", "core/pods", "default", "p1");
    await put("c1", "core/services", "default", "s1");
    const cut = await put("c1", "apps/deployments", "kube-system", "d1");
    await put("c2", "core/pods", "default", "other");
    await put("c1", "core/pods", "default", "p2");
    const keys = (objs: { resource: string; namespace: string; name: string }[]) =>
      objs.map((o) => `${o.resource}/${o.namespace}/${o.name}`);
    const upToCut = await s.read((tx) => tx.listClusterObjects("c1", { maxRevision: cut, limit: 10 }));
    expect(keys(upToCut)).toEqual([
      "apps/deployments/kube-system/d1",
      "core/pods/default/p1",
      "core/services/default/s1",
    ]);
    const all = await s.read((tx) =>
      tx.listClusterObjects("c1", { maxRevision: Number.MAX_SAFE_INTEGER, limit: 2 }),
    );
    expect(keys(all)).toEqual(["apps/deployments/kube-system/d1", "core/pods/default/p1"]);

    await s.transaction(async (tx) => {
      await tx.allocate("kube/c1/podips", "10.244.0.5", "kube/c1/pod/a");
      await tx.allocate("kube/c1/node-ports", "30001", "kube/c1/svc/b");
      await tx.allocate("kube/c1x/podips", "10.244.0.5", "kube/c1x/pod/a");
      await tx.allocate("kube/c_/podips", "10.244.0.6", "x");
    });
    expect(await s.transaction((tx) => tx.releasePoolPrefix("kube/c1/"))).toBe(2);
    expect(await s.read((tx) => tx.listAllocations("kube/c1/podips"))).toEqual([]);
    expect(await s.read((tx) => tx.listAllocations("kube/c1x/podips"))).toHaveLength(1);
    // A prefix is literal: '_' and '%' match only themselves.
    expect(await s.transaction((tx) => tx.releasePoolPrefix("kube/c%"))).toBe(0);
    expect(await s.transaction((tx) => tx.releasePoolPrefix("kube/c_/"))).toBe(1);
  });

  it("work items: claimed by one owner at a time, retried after backoff, taken over after lease expiry", async () => {
    const s = await fresh();
    await s.transaction((tx) => tx.enqueueWork({ kind: "k", key: "obj1", payload: { a: 1 } }));
    const [a, b] = await Promise.all([
      s.claimWork("p1", { leaseMs: 200, limit: 10 }),
      s.claimWork("p2", { leaseMs: 200, limit: 10 }),
    ]);
    expect(a.length + b.length).toBe(1);
    const [item] = [...a, ...b];
    const owner = a.length ? "p1" : "p2";
    const other = owner === "p1" ? "p2" : "p1";
    expect(item).toMatchObject({ kind: "k", key: "obj1", payload: { a: 1 }, attempts: 1, leaseOwner: owner });
    expect(await s.renewWork(owner, [item], 200)).toEqual(["obj1"]);
    expect(await s.renewWork(other, [item], 200)).toEqual([]);
    await s.retryWork("k", "obj1", owner, Date.now() + 100, "transient");
    expect(await s.claimWork(other, { leaseMs: 200, limit: 10 })).toEqual([]);
    await new Promise((r) => setTimeout(r, 120));
    const [second] = await s.claimWork(other, { leaseMs: 100, limit: 10 });
    expect(second).toMatchObject({ attempts: 2, leaseOwner: other, lastError: "transient" });
    // `other` dies holding it: after the lease runs out, the first owner takes it over.
    await new Promise((r) => setTimeout(r, 150));
    const [third] = await s.claimWork(owner, { leaseMs: 1000, limit: 10 });
    expect(third).toMatchObject({ attempts: 3, leaseOwner: owner });
    expect(await s.transaction((tx) => tx.finishWork("k", "obj1", other))).toBe(false);
    expect(await s.transaction((tx) => tx.finishWork("k", "obj1", owner))).toBe(true);
    expect(await s.read((tx) => tx.getWork("k", "obj1"))).toBeUndefined();
  });

  it("finished operation records are purged after retention; running ones never", async () => {
    const s = await fresh();
    const base = {
      subscriptionId: "s",
      namespace: "Microsoft.Network",
      location: "eastus",
      kind: "noop",
      target: "/x",
    };
    await s.transaction(async (tx) => {
      await tx.putOperation({
        ...base,
        id: "old",
        status: "Succeeded",
        startTime: "2020-01-01T00:00:00Z",
        endTime: "2020-01-01T00:00:01Z",
      });
      await tx.putOperation({
        ...base,
        id: "new",
        status: "Failed",
        startTime: new Date().toISOString(),
        endTime: new Date().toISOString(),
      });
      await tx.putOperation({ ...base, id: "run", status: "InProgress", startTime: "2020-01-01T00:00:00Z" });
    });
    expect(await s.purgeOperations(Date.now() - 60_000)).toBe(1);
    const left = await s.read(async (tx) => [
      await tx.getOperation("old"),
      await tx.getOperation("new"),
      await tx.getOperation("run"),
    ]);
    expect(left.map((o) => o?.id)).toEqual([undefined, "new", "run"]);
  });

  it("a transaction past its deadline rolls back, and its body can no longer write", async () => {
    const s = await fresh();
    let late: unknown;
    const stuck = s.transaction(
      async (tx) => {
        await tx.putObject(pod("half"));
        await new Promise((r) => setTimeout(r, 150));
        try {
          await tx.putObject(pod("late"));
        } catch (e) {
          late = e;
        }
      },
      { timeoutMs: 50 },
    );
    await expect(stuck).rejects.toBeInstanceOf(StoreTimeoutError);
    // the write lock is free again at once
    await s.transaction((tx) => tx.putObject(pod("after")));
    await new Promise((r) => setTimeout(r, 150));
    expect(late).toBeInstanceOf(Error);
    const names = (await s.read((tx) => tx.listObjects({ cluster: "c1", resource: "core/pods" }))).map(
      (o) => o.name,
    );
    expect(names).toEqual(["after"]);
  });

  it("initMeta keeps the first value; reset keeps install.* keys and tells old watches they are too old", async () => {
    const s = await fresh();
    expect(await s.transaction((tx) => tx.initMeta("install.tokenKey", "k1"))).toBe("k1");
    expect(await s.transaction((tx) => tx.initMeta("install.tokenKey", "k2"))).toBe("k1");
    await s.transaction(async (tx) => {
      await tx.setMeta("feature", "on");
      await tx.putObject(pod("a"));
    });
    const before = await s.currentRevision();
    await s.reset();
    expect(await s.read((tx) => tx.getMeta("install.tokenKey"))).toBe("k1");
    expect(await s.read((tx) => tx.getMeta("feature"))).toBeUndefined();
    expect(await s.read((tx) => tx.listObjects({ cluster: "c1", resource: "core/pods" }))).toEqual([]);
    // revisions never go back: a Kubernetes client's resourceVersion stays meaningful
    expect(await s.transaction((tx) => tx.putObject(pod("b")))).toBe(before + 1);
    const w = collect(s, before - 1);
    await w.until(1);
    expect(w.error()).toBeInstanceOf(TooOldError);
  });

  it("two handles on one database act as one store (revisions, visibility, watch)", async () => {
    if (backend.name === "sqlite-memory") return; // one connection by definition
    const shared = `two_${Date.now()}`;
    const one = await fresh(shared);
    const two = await fresh(shared);
    const r0 = await one.currentRevision();
    const w = collect(two, r0);
    const write = (i: number) => (i % 2 ? one : two).transaction((tx) => tx.putObject(pod(`p${i}`)));
    // Two SQLite handles in one process would block each other's event loop on the file lock,
    // so they take turns; PostgreSQL handles write concurrently.
    const revs: number[] = [];
    if (backend.name === "postgres")
      revs.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => write(i)))));
    else for (let i = 0; i < 10; i++) revs.push(await write(i));
    expect([...revs].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => r0 + i + 1));
    expect((await one.read((tx) => tx.listObjects({ cluster: "c1", resource: "core/pods" }))).length).toBe(
      10,
    );
    expect((await w.until(10)).map((c) => c.revision)).toEqual(
      Array.from({ length: 10 }, (_, i) => r0 + i + 1),
    );
    w.handle.close();
  });
});
