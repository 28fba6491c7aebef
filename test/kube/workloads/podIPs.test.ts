import type { Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import {
  choosePodIp,
  cnsDemand,
  cnsGrowth,
  cnsTargetIpCount,
  sandboxId,
} from "../../../src/kube/workloads/index.js";

const pod: Pod = {
  metadata: { name: "web-1", namespace: "default", uid: "11111111-2222-4333-a444-555555555555" },
};

describe("pod addresses", () => {
  it("kubenet: host-local from .2 (gateway .1 skipped), next-fit, wraps to reuse", () => {
    const net = { plugin: "kubenet" as const, podCidr: "10.244.3.0/24" };
    const a = choosePodIp(pod, net, new Set(), 0);
    expect(a).toEqual({ ip: "10.244.3.2", nextCursor: 2 });
    const b = choosePodIp(pod, net, new Set(["10.244.3.2"]), 2);
    expect(b).toEqual({ ip: "10.244.3.3", nextCursor: 3 });
    // .2 was freed, but next-fit continues after the cursor.
    expect(choosePodIp(pod, net, new Set(["10.244.3.3"]), 3).ip).toBe("10.244.3.4");
    // At the end of the range (.254) it wraps and skips the gateway.
    expect(choosePodIp(pod, net, new Set(["10.244.3.254"]), 253)).toEqual({
      ip: "10.244.3.2",
      nextCursor: 2,
    });
  });

  it("kubenet exhaustion: FailedCreatePodSandBox worded as containerd + bridge/host-local", () => {
    const taken = new Set(Array.from({ length: 253 }, (_, i) => `10.244.3.${i + 2}`));
    const r = choosePodIp(pod, { plugin: "kubenet", podCidr: "10.244.3.0/24" }, taken, 17);
    expect(r).toEqual({
      reason: "FailedCreatePodSandBox",
      message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "${sandboxId(pod)}": plugin type="bridge" failed (add): failed to allocate for range 0: no IP addresses available in range set: 10.244.3.1-10.244.3.254`,
    });
    expect(sandboxId(pod)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("overlay: the node's block; exhaustion through azure-vnet", () => {
    const net = { plugin: "azure-overlay" as const, podCidr: "10.244.0.0/24" };
    expect(choosePodIp(pod, net, new Set(), 0).ip).toBe("10.244.0.2");
    const taken = new Set(Array.from({ length: 253 }, (_, i) => `10.244.0.${i + 2}`));
    const r = choosePodIp(pod, net, taken, 0);
    expect(r.ip === undefined && r.message).toContain(
      'plugin type="azure-vnet" failed (add): failed to allocate for range 0',
    );
  });

  it("Azure CNI: lowest free of the node's reserved addresses, never another's", () => {
    const net = { plugin: "azure" as const, addresses: ["10.224.0.10", "10.224.0.9", "10.224.0.35"] };
    expect(choosePodIp(pod, net, new Set(), 0).ip).toBe("10.224.0.9");
    expect(choosePodIp(pod, net, new Set(["10.224.0.9"]), 0).ip).toBe("10.224.0.10");
    const r = choosePodIp(pod, net, new Set(net.addresses), 0);
    expect(r).toEqual({
      reason: "FailedCreatePodSandBox",
      message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "${sandboxId(pod)}": plugin type="azure-vnet" failed (add): Failed to allocate pool: Failed to allocate address: No available addresses`,
    });
  });
});

describe("CNS pool size (dynamic pod subnet)", () => {
  it("keeps B × ⌈0.5 + used / B⌉ addresses, at most maxPods (the design's worked example: 25 used → 48)", () => {
    expect(cnsTargetIpCount(25, 16, 250)).toBe(48);
    expect([0, 7, 8, 9, 23, 24, 25].map((u) => cnsTargetIpCount(u, 16, 250))).toEqual([
      16, 16, 16, 32, 32, 32, 48,
    ]);
    expect(cnsTargetIpCount(30, 16, 30)).toBe(30);
    expect(cnsTargetIpCount(0, 10, 10)).toBe(10);
  });

  it("grows ahead of need: a node holding 16 takes the next batch when its 9th pod comes (free < B/2)", () => {
    // Pod by pod on a node that starts with one batch of 16: what CNS asks the subnet for.
    const steps = [];
    let held = 16;
    for (let used = 1; used <= 26; used++) {
      const more = cnsGrowth(used, held, 16, 250);
      held += more;
      steps.push(more);
      // Never fewer than half a batch free after the growth.
      expect(held - used).toBeGreaterThanOrEqual(8);
    }
    expect(steps.map((m, i) => (m ? `${i + 1}:+${m}` : "")).filter(Boolean)).toEqual(["9:+16", "25:+16"]);
    expect(held).toBe(48);
    // A jump in demand asks for several batches at once; holding more than the target asks none.
    expect(cnsGrowth(30, 16, 16, 250)).toBe(32);
    expect(cnsGrowth(3, 48, 16, 250)).toBe(0);
    // maxPods caps it: 30 pods at most, so 30 addresses at most.
    expect(cnsGrowth(29, 16, 16, 30)).toBe(14);
    expect(cnsGrowth(29, 30, 16, 30)).toBe(0);
  });

  it("demand: per node, the pods that take a pod address (not hostNetwork, not finished, bound)", () => {
    const p = (node: string | undefined, phase: string, hostNetwork = false): Pod => ({
      metadata: { name: "x" },
      spec: { containers: [], ...(node ? { nodeName: node } : {}), ...(hostNetwork ? { hostNetwork } : {}) },
      status: { phase },
    });
    const d = cnsDemand([
      p("n1", "Running"),
      p("n1", "Pending"),
      p("n1", "Running", true),
      p("n1", "Succeeded"),
      p("n2", "Failed"),
      p("n2", "Pending"),
      p(undefined, "Pending"),
    ]);
    expect([...d.entries()]).toEqual([
      ["n1", 2],
      ["n2", 1],
    ]);
  });
});
