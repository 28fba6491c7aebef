// The PV controller's events for a claim of a WaitForFirstConsumer class: the wait is reported
// whether a pass met the claim before the scheduler chose its node or only after.
import type { PersistentVolumeClaim } from "kubernetes-types/core/v1.js";
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import { describe, expect, it } from "vitest";
import type { Action } from "../../../src/kube/workloads/actions.js";
import { reconcileVolumes, SELECTED_NODE } from "../../../src/kube/workloads/volumes.js";

const NOW = "2026-12-02T10:00:00Z";
const wffc: StorageClass = {
  metadata: { name: "default" },
  provisioner: "disk.csi.azure.com",
  volumeBindingMode: "WaitForFirstConsumer",
};
const claim = (annotations: Record<string, string> = {}): PersistentVolumeClaim => ({
  metadata: { name: "data", namespace: "default", uid: "u1", annotations },
  spec: {
    storageClassName: "default",
    accessModes: ["ReadWriteOnce"],
    resources: { requests: { storage: "1Gi" } },
  },
  status: { phase: "Pending" },
});
const reasons = (actions: Action[]) =>
  actions.flatMap((a) =>
    a.op === "create" && a.resource === "core/events" ? [(a.object as { reason?: string }).reason] : [],
  );
const world = (c: PersistentVolumeClaim) => ({
  claims: new Map([["default/data", c]]),
  volumes: new Map(),
  classes: new Map([["default", wffc]]),
});

describe("WaitForFirstConsumer", () => {
  it("is reported while the claim waits for a consumer, and nothing is provisioned", () => {
    const out = reconcileVolumes(world(claim()), [], new Map(), undefined, NOW);
    expect(reasons(out)).toEqual(["WaitForFirstConsumer"]);
  });

  it("is reported too when the node was chosen before any pass saw the claim waiting, before provisioning", () => {
    const out = reconcileVolumes(
      world(claim({ [SELECTED_NODE]: "aks-nodepool1-0" })),
      [],
      new Map(),
      undefined,
      NOW,
    );
    const r = reasons(out);
    expect(r[0]).toBe("WaitForFirstConsumer");
    expect(r).toContain("ExternalProvisioning");
  });
});
