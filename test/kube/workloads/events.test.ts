// Event names (src/kube/workloads/events.ts): client-go's `<object>.<%x of UnixNano>`, from a
// clock that only moves forward in the process, so the API's name order is the recording order.
import type { Event, Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import { eventNanos, makeEvent } from "../../../src/kube/workloads/events.js";
import { STAGES } from "../../../src/kube/workloads/kubelet.js";

const pod: Pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web-0", namespace: "default", uid: "u-1" },
  spec: { nodeName: "n1", containers: [{ name: "c", image: "nginx:1.27" }] },
};
const suffix = (e: Event) => BigInt(`0x${(e.metadata?.name ?? "").slice("web-0.".length)}`);

describe("event names", () => {
  it("1000 events in one millisecond: distinct, increasing, within or just after that millisecond", () => {
    const ms = Date.now() + 60_000; // ahead of anything recorded so far in this process
    const ns = Array.from({ length: 1000 }, () => eventNanos(ms));
    expect(ns[0] >= BigInt(ms) * 1_000_000n && ns[0] < BigInt(ms + 1) * 1_000_000n).toBe(true);
    expect(ns.every((v, i) => i === 0 || v > ns[i - 1])).toBe(true);
    expect(new Set(ns).size).toBe(1000);
    // A later millisecond starts from its own nanoseconds (or just past the last, never before).
    const next = eventNanos(ms + 2);
    expect(next > (ns.at(-1) as bigint) && next >= BigInt(ms + 2) * 1_000_000n).toBe(true);
    expect(next < BigInt(ms + 3) * 1_000_000n).toBe(true);
    // A wall clock that steps back does not give an instant twice.
    expect(eventNanos(ms - 5_000)).toBe(next + 1n);
  });

  it("names are `<object>.<lowercase hex, no padding>` and sort as they were made", () => {
    const made = Array.from({ length: 50 }, (_, i) =>
      makeEvent({
        involved: pod,
        reason: "Same",
        message: "same content every time",
        component: "kubelet",
        at: "2026-12-01T10:00:00Z",
        host: `n${i % 2}`,
      }),
    );
    const names = made.map((e) => e.metadata?.name ?? "");
    expect(names.every((n) => /^web-0\.[1-9a-f][0-9a-f]{15}$/.test(n))).toBe(true);
    expect(new Set(names).size).toBe(50);
    expect([...names].sort()).toEqual(names);
    expect(suffix(made[0])).toBeGreaterThanOrEqual(BigInt(Date.now() - 60_000) * 1_000_000n);
  });

  it("a pod's kubelet events are named in the order `kubectl describe` must show them", () => {
    const now = "2026-12-01T10:00:00Z";
    const scheduled = STAGES.Scheduled({ pod, node: "n1", version: "v1.33.0", now }).events;
    const running = STAGES.Running({ pod, node: "n1", version: "v1.33.0", now, podIP: "10.0.0.5" }).events;
    const all = [...scheduled, ...running];
    expect(all.map((e) => e.reason)).toEqual(["Scheduled", "Pulling", "Pulled", "Created", "Started"]);
    const byName = [...all].sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
    expect(byName.map((e) => e.reason)).toEqual(["Scheduled", "Pulling", "Pulled", "Created", "Started"]);
    // The same stage twice (a re-run) records new events, not the old names again.
    const again = STAGES.Running({ pod, node: "n1", version: "v1.33.0", now, podIP: "10.0.0.5" }).events;
    expect(suffix(again[0])).toBeGreaterThan(suffix(running.at(-1) as Event));
  });
});
