// A selective watch (a label or field selector) from a resourceVersion, on the API alone: the
// changes between that revision and the watch's start reach the client as kube-apiserver's
// watch cache sends them (judged by the object before and after each change), even though the
// API learns what matches from a list made when the watch starts — after those changes.
// `kubectl delete` waits that way (list, then watch from the list's revision with
// metadata.name=<it>): a finalizer removed in between must still end in DELETED.
import type { ConfigMap } from "kubernetes-types/core/v1.js";
import { afterEach, expect, it } from "vitest";
import { KubeApi, type WatchEvent } from "../../src/kube/api.js";
import type { ResourceType } from "../../src/kube/catalog.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";

const C = "c1";
let store: Store | undefined;
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) c();
  await store?.close();
  store = undefined;
});

async function setup() {
  store = await openStore("sqlite::memory:");
  const api = new KubeApi(store);
  await api.ensureCluster(C);
  const t = (await api.types(C)).find((x) => x.key === "core/configmaps") as ResourceType;
  const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}) =>
    api.create(
      C,
      t,
      "default",
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels }, data },
      {},
    );
  const revision = async () => String((await api.list(C, t, "default", {})).meta.resourceVersion);
  const watch = async (q: { fieldSelector?: string; labelSelector?: string; resourceVersion: string }) => {
    const events: WatchEvent[] = [];
    const w = await api.watch(
      C,
      t,
      "default",
      q,
      (e) => events.push(e),
      () => undefined,
    );
    closers.push(() => w.close());
    return events;
  };
  return { api, t, cm, revision, watch };
}

const seen = (events: WatchEvent[]) =>
  events.map((e) => `${e.type} ${String((e.object.metadata as ConfigMap["metadata"])?.name)}`);

async function until(f: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!f()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

it("an object deleted between the client's list and its field-selected watch is DELETED on that watch", async () => {
  const { api, t, cm, revision, watch } = await setup();
  await cm("early");
  const listed = await revision(); // kubectl's list: `early` is there
  await api.delete(C, t, "default", "early", {}); // the pvc-protection finalizer went meanwhile
  const events = await watch({ fieldSelector: "metadata.name=early", resourceVersion: listed });
  // Made again once the watch runs: what the client sees ends with it.
  await cm("early");
  await until(() => seen(events).includes("ADDED early"));
  expect(seen(events)).toEqual(["DELETED early", "ADDED early"]);
});

it("changes before the watch's own list go by each object's state before and after the change", async () => {
  const { api, t, cm, revision, watch } = await setup();
  await cm("kept", { app: "x" });
  await cm("leaving", { app: "x" });
  await cm("stranger", { app: "y" });
  const listed = await revision();
  // Between the client's list and its watch:
  await api.patch(C, t, "default", "kept", "merge", { data: { a: "1" } }, {}); // still matches
  await cm("joined", { app: "x" }); // new, matches
  await cm("outside", { app: "y" }); // new, does not
  await api.patch(C, t, "default", "stranger", "merge", { data: { a: "1" } }, {}); // never matched
  await api.delete(C, t, "default", "leaving", {}); // matched to the end
  const events = await watch({ labelSelector: "app=x", resourceVersion: listed });
  await cm("last", { app: "x" });
  await until(() => seen(events).includes("ADDED last"));
  expect(seen(events)).toEqual(["MODIFIED kept", "ADDED joined", "DELETED leaving", "ADDED last"]);
});

it("after the watch's list, an object follows the selector as before", async () => {
  const { api, t, cm, revision, watch } = await setup();
  await cm("a", { app: "x" });
  const listed = await revision();
  const events = await watch({ labelSelector: "app=x", resourceVersion: listed });
  await api.patch(C, t, "default", "a", "merge", { metadata: { labels: { app: "y" } } }, {});
  await api.patch(C, t, "default", "a", "merge", { metadata: { labels: { app: "x" } } }, {});
  await api.delete(C, t, "default", "a", {});
  await until(() => events.length >= 3);
  expect(seen(events)).toEqual(["DELETED a", "ADDED a", "DELETED a"]);
});
