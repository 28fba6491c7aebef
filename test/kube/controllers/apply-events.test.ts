// ControllerContext.apply records an action's event only when the write before it succeeded,
// as upstream controllers record after the API call returns (a conflict or a refused create
// leaves no event, so a re-run does not count it twice).
import type { Event, Pod } from "kubernetes-types/core/v1.js";
import { afterEach, expect, it } from "vitest";
import { KubeApi } from "../../../src/kube/api.js";
import { ControllerContext } from "../../../src/kube/controllers/context.js";
import { InProcessQueue } from "../../../src/kube/controllers/queue.js";
import { KubeError } from "../../../src/kube/errors.js";
import type { Action } from "../../../src/kube/workloads/actions.js";
import { eventAction, makeEvent } from "../../../src/kube/workloads/events.js";
import { openStore } from "../../../src/store/open.js";
import type { Store } from "../../../src/store/types.js";

const C = "c1";
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

const pod = (name: string, image?: string): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default" },
  spec: { containers: [{ name: "c", ...(image === undefined ? {} : { image }) }] },
});
const rs = {
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: { name: "web", namespace: "default", uid: "u1" },
};
const created = (name: string): Action =>
  eventAction({
    involved: rs,
    reason: "SuccessfulCreate",
    message: `Created pod: ${name}`,
    component: "replicaset-controller",
    at: "2026-01-01T00:00:00Z",
  });

it("an event follows its write: recorded after a create that succeeded, not after a refused one or a conflict", async () => {
  store = await openStore("sqlite::memory:");
  const api = new KubeApi(store);
  await api.ensureCluster(C);
  const ctx = new ControllerContext(api, store, new InProcessQueue(async () => undefined), () => undefined);
  const create = (p: ReturnType<typeof pod>): Action => ({
    op: "create",
    resource: "core/pods",
    namespace: "default",
    object: p,
  });
  const { refused } = await ctx.apply(C, [
    create(pod("ok", "nginx")),
    created("ok"),
    create(pod("bad")),
    created("bad"),
  ]);
  // The second pod has no image: admission refuses it, and no SuccessfulCreate names it.
  expect(refused.map((r) => [r.pod.metadata?.name, r.error.code])).toEqual([["bad", 422]]);
  const stale = {
    ...pod("ok", "nginx:2"),
    metadata: { name: "ok", namespace: "default", resourceVersion: "1" },
  };
  const update: Action = { op: "update", resource: "core/pods", namespace: "default", object: stale };
  const conflict = await ctx.apply(C, [update, created("after-conflict")]).catch((e: unknown) => e);
  expect(conflict).toBeInstanceOf(KubeError);
  expect((conflict as KubeError).code).toBe(409);
  const events = await ctx.list<Event>(C, "core/events", "default");
  expect(events.map((e) => e.message)).toEqual(["Created pod: ok"]);
});

it("an event whose name is taken is written once more under a fresh name, never lost", async () => {
  store = await openStore("sqlite::memory:");
  const api = new KubeApi(store);
  await api.ensureCluster(C);
  const ctx = new ControllerContext(api, store, new InProcessQueue(async () => undefined), () => undefined);
  const events = await ctx.type(C, "core/events");
  const ev = makeEvent({
    involved: rs,
    reason: "SuccessfulCreate",
    message: "Created pod: first",
    component: "replicaset-controller",
    at: "2026-01-01T00:00:00Z",
  });
  const taken = ev.metadata?.name ?? "";
  // Another recorder (a second process on this store) already wrote an event under the name.
  await api.create(C, events, "default", { ...ev, message: "the other recorder's" }, {});
  await ctx.apply(C, [{ op: "create", resource: "core/events", namespace: "default", object: ev }]);
  const list = (await api.list(C, events, "default", {})).items;
  expect(list.map((e) => e.message).sort()).toEqual(["Created pod: first", "the other recorder's"]);
  const mine = list.find((e) => e.message === "Created pod: first");
  const name = String((mine?.metadata as { name?: string } | undefined)?.name);
  expect(name).not.toBe(taken);
  // The recorder's name: `<object>.<hex of UnixNano>`, later than the taken one.
  expect(name).toMatch(/^web\.[0-9a-f]+$/);
  expect(BigInt(`0x${name.slice(4)}`) > BigInt(`0x${taken.slice(4)}`)).toBe(true);
  expect(mine?.involvedObject).toEqual(ev.involvedObject);
  // The stored event of the other recorder is left as it was.
  expect(list.find((e) => (e.metadata as { name?: string }).name === taken)?.message).toBe(
    "the other recorder's",
  );
  // A repeat counts on the event written under the fresh name, not the other recorder's.
  await ctx.apply(C, [{ op: "create", resource: "core/events", namespace: "default", object: ev }]);
  const after = await ctx.list<Event>(C, "core/events", "default");
  const byName = new Map(after.map((e) => [e.metadata?.name, e]));
  expect(byName.get(name)?.count).toBe(2);
  expect(byName.get(taken)?.message).toBe("the other recorder's");
  expect(byName.get(taken)?.count ?? 1).toBe(1);
});
