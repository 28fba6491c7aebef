// Graceful pod deletion as kube-apiserver does it (rest.BeforeDelete with the pod strategy's
// CheckGracefulDelete), on the API alone — no kubelet runs here, so the Terminating pod stays
// and each step can be seen: the grace period and where it comes from, a second delete that
// may only shorten it, grace 0 that removes the pod, and the pods deleted at once.
import type { Pod } from "kubernetes-types/core/v1.js";
import { afterEach, expect, it } from "vitest";
import { KubeApi } from "../../src/kube/api.js";
import type { ResourceType } from "../../src/kube/catalog.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";

const C = "c1";
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function setup() {
  store = await openStore("sqlite::memory:");
  const api = new KubeApi(store);
  await api.ensureCluster(C);
  const t = (await api.types(C)).find((x) => x.key === "core/pods") as ResourceType;
  const pod = async (name: string, extra: Partial<Pod["spec"]> = {}, phase = "Running") => {
    const body: Pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default" },
      spec: { containers: [{ name: "c", image: "nginx" }], ...extra },
    };
    await api.create(C, t, "default", body, {});
    // What the scheduler and kubelet would have written.
    const cur = (await api.get(C, t, "default", name)) as Pod;
    await api.update(C, t, "default", name, { ...cur, status: { phase } }, {}, "status");
  };
  const get = async (name: string) =>
    (await api.get(C, t, "default", name).catch(() => undefined)) as Pod | undefined;
  return { api, t, pod, get };
}

it("a pod on a node stays Terminating for its grace period; a second delete may only shorten it", async () => {
  const { api, t, pod, get } = await setup();
  await pod("web", { nodeName: "n1", terminationGracePeriodSeconds: 45 });
  const before = Date.now();
  const r = await api.delete(C, t, "default", "web", {});
  expect(r.status).toBe(200);
  const m = (r.body as Pod).metadata ?? {};
  expect(m.deletionGracePeriodSeconds).toBe(45);
  const at = Date.parse(m.deletionTimestamp ?? "");
  expect(at).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 45_000);
  expect(at).toBeLessThanOrEqual(Date.now() + 45_000);
  expect((await get("web"))?.metadata?.deletionTimestamp).toBe(m.deletionTimestamp);

  // Longer, or unspecified: the pending deletion answers as it is.
  await api.delete(C, t, "default", "web", { gracePeriodSeconds: 100 });
  await api.delete(C, t, "default", "web", {});
  expect((await get("web"))?.metadata?.deletionGracePeriodSeconds).toBe(45);
  // Shorter: the deadline moves by the difference.
  await api.delete(C, t, "default", "web", { gracePeriodSeconds: 5 });
  const short = (await get("web"))?.metadata ?? {};
  expect(short.deletionGracePeriodSeconds).toBe(5);
  expect(Date.parse(short.deletionTimestamp ?? "")).toBe(at - 40_000);
  // An update does not end it (ShouldDeleteDuringUpdate: a grace period still runs).
  await api.patch(C, t, "default", "web", "merge", { metadata: { labels: { a: "b" } } }, {});
  expect((await get("web"))?.metadata?.labels).toEqual({ a: "b" });
  // Grace 0 (the kubelet's, or --force): gone.
  await api.delete(C, t, "default", "web", { gracePeriodSeconds: 0 });
  expect(await get("web")).toBeUndefined();
});

it("the default grace period is 30 s; unscheduled and finished pods, and grace 0, go at once", async () => {
  const { api, t, pod, get } = await setup();
  await pod("plain", { nodeName: "n1" });
  const r = await api.delete(C, t, "default", "plain", {});
  expect((r.body as Pod).metadata?.deletionGracePeriodSeconds).toBe(30);

  await pod("pending", {}, "Pending");
  const gone = await api.delete(C, t, "default", "pending", {});
  expect(await get("pending")).toBeUndefined();
  // It answers as the registry last wrote it: stamped now, grace 0.
  const gm = (gone.body as Pod).metadata;
  expect(gm?.deletionGracePeriodSeconds).toBe(0);
  expect(Math.abs(Date.parse(gm?.deletionTimestamp ?? "") - Date.now())).toBeLessThan(5_000);
  await pod("done", { nodeName: "n1" }, "Succeeded");
  await api.delete(C, t, "default", "done", {});
  expect(await get("done")).toBeUndefined();
  await pod("forced", { nodeName: "n1" });
  await api.delete(C, t, "default", "forced", { gracePeriodSeconds: 0 });
  expect(await get("forced")).toBeUndefined();
  // A dry run shows the Terminating pod and leaves it running.
  await pod("dry", { nodeName: "n1" });
  const dry = await api.delete(C, t, "default", "dry", { dryRun: true });
  expect((dry.body as Pod).metadata?.deletionTimestamp).toBeDefined();
  expect((await get("dry"))?.metadata?.deletionTimestamp).toBeUndefined();
});
