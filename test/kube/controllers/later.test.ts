// ControllerContext.later with a delay past setTimeout's limit (2^31 − 1 ms): Node would fire
// it at once, and a yearly CronJob's requeue would run the controller in a tight loop. The key
// must wait the longest delay a timer takes instead (and arm itself again then).
import { afterEach, expect, it, vi } from "vitest";
import { KubeApi } from "../../../src/kube/api.js";
import { ControllerContext } from "../../../src/kube/controllers/context.js";
import type { WorkQueue } from "../../../src/kube/controllers/queue.js";
import { openStore } from "../../../src/store/open.js";
import type { Store } from "../../../src/store/types.js";

let store: Store | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await store?.close();
  store = undefined;
});

it("a deadline 40 days ahead is not queued at once, but after the longest timer", async () => {
  store = await openStore("sqlite::memory:");
  const added: string[] = [];
  const queue: WorkQueue = { add: (k) => added.push(k), idle: async () => undefined, stop: () => undefined };
  const ctx = new ControllerContext(new KubeApi(store), store, queue, () => undefined);
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  ctx.later("cronjob|c|ns|yearly", 40 * 86_400_000);
  vi.advanceTimersByTime(1000);
  expect(added).toEqual([]);
  vi.advanceTimersByTime(2 ** 31 - 1);
  expect(added).toEqual(["cronjob|c|ns|yearly"]);
});
