// client-go's event correlation (src/kube/workloads/eventCorrelator.ts): aggregation after 10
// similar events, counting of repeats, and the 25-event spam budget per source and object.
import type { Event } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import { EventCorrelator } from "../../../src/kube/workloads/eventCorrelator.js";
import { makeEvent } from "../../../src/kube/workloads/events.js";

const T0 = Date.parse("2026-12-01T10:00:00Z");
const rs = {
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: { name: "web-7d9", namespace: "default", uid: "rs-1" },
};
const created = (i: number, at = "2026-12-01T10:00:00Z"): Event =>
  makeEvent({
    involved: rs,
    reason: "SuccessfulCreate",
    message: `Created pod: web-7d9-${i}`,
    component: "replicaset-controller",
    at,
  });

describe("EventCorrelator", () => {
  it("a ReplicaSet creating 40 pods at once: 9 events, then one combined event counted up to 16, then nothing", () => {
    const c = new EventCorrelator();
    const out = Array.from({ length: 40 }, (_, i) => c.correlate(created(i), T0));
    expect(out.slice(0, 9).map((o) => o.op)).toEqual(Array(9).fill("create"));
    expect(out.slice(0, 9).map((o) => (o.op === "create" ? o.event.message : ""))).toEqual(
      Array.from({ length: 9 }, (_, i) => `Created pod: web-7d9-${i}`),
    );
    const combined = out[9];
    expect(combined.op).toBe("create");
    if (combined.op !== "create") return;
    expect(combined.event.message).toBe("(combined from similar events): Created pod: web-7d9-9");
    expect(combined.event.count).toBe(1);
    // Named by the recorder's clock, after the events it combines (their names sort before it).
    const suffix = (o: (typeof out)[number]) =>
      BigInt(`0x${(o.op === "skip" ? "" : (o.event.metadata?.name ?? "")).split(".")[1]}`);
    expect(combined.event.metadata?.name).toMatch(/^web-7d9\.[0-9a-f]+$/);
    expect(suffix(combined)).toBeGreaterThan(suffix(out[8]));
    expect(suffix(combined)).toBeGreaterThanOrEqual(BigInt(T0) * 1_000_000n);
    expect(combined.event.reportingComponent).toBeUndefined();
    // 25 tokens: 9 + 1 spent, 15 updates of the combined event, then the filter drops the rest.
    const updates = out.slice(10, 25);
    expect(
      updates.every((o) => o.op === "update" && o.event.metadata?.name === combined.event.metadata?.name),
    ).toBe(true);
    expect(updates.map((o) => (o.op === "update" ? o.event.count : 0))).toEqual(
      Array.from({ length: 15 }, (_, i) => i + 2),
    );
    expect(updates.at(-1)).toMatchObject({
      event: { message: "(combined from similar events): Created pod: web-7d9-24" },
    });
    expect(out.slice(25).map((o) => o.op)).toEqual(Array(15).fill("skip"));
    // One token back after 5 minutes: the combined event, counted through the dropped ones too.
    const later = c.correlate(created(40), T0 + 300_000);
    expect(later).toMatchObject({
      op: "update",
      event: { count: 32, firstTimestamp: "2026-12-01T10:00:00Z" },
    });
  });

  it("remembers the 4,096 most recently used keys: a key used again stays, the least recent is forgotten", () => {
    const c = new EventCorrelator();
    const onPod = (name: string) =>
      makeEvent({
        involved: {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name, namespace: "default", uid: `u-${name}` },
        },
        reason: "BackOff",
        message: "Back-off pulling image",
        component: "kubelet",
        host: "n1",
        at: "2026-12-01T10:00:00Z",
        type: "Warning",
      });
    expect(c.correlate(onPod("keep"), T0).op).toBe("create");
    expect(c.correlate(onPod("drop"), T0).op).toBe("create");
    for (let i = 0; i < 4000; i++) c.correlate(onPod(`other-${i}`), T0);
    expect(c.correlate(onPod("keep"), T0)).toMatchObject({ op: "update", event: { count: 2 } });
    for (let i = 4000; i < 4200; i++) c.correlate(onPod(`other-${i}`), T0);
    expect(c.correlate(onPod("keep"), T0)).toMatchObject({ op: "update", event: { count: 3 } });
    expect(c.correlate(onPod("drop"), T0)).toMatchObject({ op: "create", event: { count: 1 } });
    // The oldest of the flood went too; the newest is still counted.
    expect(c.correlate(onPod("other-0"), T0).op).toBe("create");
    expect(c.correlate(onPod("other-4199"), T0)).toMatchObject({ op: "update", event: { count: 2 } });
  });

  it("the same event again is counted on the stored one (first timestamp kept), not written anew", () => {
    const c = new EventCorrelator();
    const pulled = (at: string) =>
      makeEvent({
        involved: { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", uid: "u" } },
        reason: "BackOff",
        message: "Back-off pulling image",
        component: "kubelet",
        host: "n1",
        at,
        type: "Warning",
      });
    const a = c.correlate(pulled("2026-12-01T10:00:00Z"), T0);
    const b = c.correlate(pulled("2026-12-01T10:00:07Z"), T0 + 7000);
    expect(a.op).toBe("create");
    expect(b).toMatchObject({
      op: "update",
      event: { count: 2, firstTimestamp: "2026-12-01T10:00:00Z", lastTimestamp: "2026-12-01T10:00:07Z" },
    });
    if (a.op === "create" && b.op === "update") expect(b.event.metadata?.name).toBe(a.event.metadata?.name);
  });

  it("similar events more than 10 minutes apart start a new aggregate; other objects have their own budget", () => {
    const c = new EventCorrelator();
    for (let i = 0; i < 9; i++) c.correlate(created(i), T0);
    // The 10th similar event, 11 minutes later: a fresh record, written as it is.
    expect(c.correlate(created(9), T0 + 660_000)).toMatchObject({
      op: "create",
      event: { message: "Created pod: web-7d9-9" },
    });
    const other = { ...rs, metadata: { ...rs.metadata, name: "api-1", uid: "rs-2" } };
    const ops = Array.from(
      { length: 30 },
      (_, i) =>
        c.correlate(
          makeEvent({
            involved: other,
            reason: "SuccessfulDelete",
            message: `Deleted pod: api-1-${i}`,
            component: "replicaset-controller",
            at: "2026-12-01T10:00:00Z",
          }),
          T0,
        ).op,
    );
    expect(ops.filter((o) => o !== "skip")).toHaveLength(25);
  });
});
