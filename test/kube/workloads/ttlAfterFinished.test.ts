import type { Job } from "kubernetes-types/batch/v1.js";
import { describe, expect, it } from "vitest";
import { planTtlCleanup } from "../../../src/kube/workloads/index.js";

const T = Date.parse("2026-01-01T00:00:00Z");
const job = (ttl: number | undefined, type?: string): Job => ({
  metadata: { name: "j", namespace: "ns", uid: "u1" },
  spec: {
    ...(ttl !== undefined ? { ttlSecondsAfterFinished: ttl } : {}),
    template: { spec: { containers: [] } },
  },
  status: type
    ? { conditions: [{ type, status: "True", lastTransitionTime: "2026-01-01T00:00:00Z" }] }
    : { active: 1 },
});

describe("TTL after finished", () => {
  it("a finished Job goes Foreground, on its uid, once finish time + ttl has passed", () => {
    expect(planTtlCleanup(job(10, "Complete"), T + 4000)).toEqual({ afterMs: 6000 });
    expect(planTtlCleanup(job(10, "Failed"), T + 10_000).delete).toEqual({
      op: "delete",
      resource: "batch/jobs",
      namespace: "ns",
      name: "j",
      uid: "u1",
      propagationPolicy: "Foreground",
    });
    // ttl 0: at once.
    expect(planTtlCleanup(job(0, "Complete"), T).delete).toBeDefined();
  });

  it("nothing for a Job without ttl, not finished, or already being deleted", () => {
    expect(planTtlCleanup(job(undefined, "Complete"), T + 1e9)).toEqual({});
    expect(planTtlCleanup(job(0), T + 1e9)).toEqual({});
    expect(planTtlCleanup(job(10, "SuccessCriteriaMet"), T + 1e9)).toEqual({});
    const deleting = job(0, "Complete");
    deleting.metadata = { ...deleting.metadata, deletionTimestamp: "2026-01-01T00:00:01Z" };
    expect(planTtlCleanup(deleting, T + 1e9)).toEqual({});
  });
});
