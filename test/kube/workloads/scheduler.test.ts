import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import {
  matchesNodeAffinity,
  nodeInfos,
  podRequests,
  portsConflict,
  schedule,
  tolerates,
} from "../../../src/kube/workloads/index.js";

function node(
  name: string,
  opts: Partial<{
    labels: Record<string, string>;
    taints: Node["spec"] extends infer S ? (S extends { taints?: infer T } ? T : never) : never;
    unschedulable: boolean;
    cpu: string;
    memory: string;
    pods: string;
  }> = {},
): Node {
  return {
    metadata: {
      name,
      labels: { "kubernetes.io/os": "linux", "kubernetes.io/hostname": name, ...(opts.labels ?? {}) },
    },
    spec: {
      ...(opts.taints ? { taints: opts.taints } : {}),
      ...(opts.unschedulable ? { unschedulable: true } : {}),
    },
    status: {
      allocatable: { cpu: opts.cpu ?? "1900m", memory: opts.memory ?? "5402624Ki", pods: opts.pods ?? "110" },
    },
  };
}

function pod(name: string, extra: Partial<NonNullable<Pod["spec"]>> = {}, nodeName?: string): Pod {
  return {
    metadata: { name, namespace: "default" },
    spec: { containers: [{ name: "c", image: "nginx" }], ...extra, ...(nodeName ? { nodeName } : {}) },
    status: { phase: nodeName ? "Running" : "Pending" },
  };
}

const hostPortPod = (name: string, port: number, nodeName?: string, hostIP?: string, protocol = "TCP") =>
  pod(
    name,
    {
      containers: [
        {
          name: "c",
          image: "nginx",
          ports: [{ containerPort: 80, hostPort: port, protocol, ...(hostIP ? { hostIP } : {}) }],
        },
      ],
    },
    nodeName,
  );

const GATEWAY_TAINT = { key: "kubeegressgateway.azure.com/mode", value: "true", effect: "NoSchedule" };

describe("FailedScheduling wording", () => {
  const nodes = [
    node("aks-gw-1-vmss000000", { taints: [GATEWAY_TAINT] }),
    node("aks-np-1-vmss000000"),
    node("aks-np-1-vmss000001"),
  ];
  const bound = [
    hostPortPod("a", 46645, "aks-np-1-vmss000000"),
    hostPortPod("b", 46645, "aks-np-1-vmss000001"),
  ];
  const want = hostPortPod("c", 46645);

  it("kube-scheduler 1.33: taint named, reasons sorted, preemption sentence per node", () => {
    const r = schedule(want, nodeInfos(nodes, bound), "v1.33.5");
    expect(r.node).toBeUndefined();
    if (r.node !== undefined) return;
    expect(r.message).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {kubeegressgateway.azure.com/mode: true}, 2 node(s) didn't have free ports for the requested pod ports. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
    );
    expect(r.rejected.get("aks-gw-1-vmss000000")).toEqual([
      "node(s) had untolerated taint {kubeegressgateway.azure.com/mode: true}",
    ]);
  });

  it("before 1.30 the preemption sentence ends in two periods; before 1.24 there is none, and the taint is worded as then", () => {
    const m = (v: string) => {
      const r = schedule(want, nodeInfos(nodes, bound), v);
      return r.node === undefined ? r.message : "";
    };
    expect(m("v1.28.5")).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {kubeegressgateway.azure.com/mode: true}, 2 node(s) didn't have free ports for the requested pod ports. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod..",
    );
    expect(m("v1.30.0").endsWith("incoming pod.")).toBe(true);
    expect(m("v1.23.12")).toBe(
      "0/3 nodes are available: 1 node(s) had taint {kubeegressgateway.azure.com/mode: true}, that the pod didn't tolerate, 2 node(s) didn't have free ports for the requested pod ports.",
    );
  });

  it("1.34.1 adds the DRA post-filter; 1.34.2+ and 1.35 stop naming the taint", () => {
    const m = (v: string) => {
      const r = schedule(want, nodeInfos(nodes, bound), v);
      return r.node === undefined ? r.message : "";
    };
    expect(m("v1.34.1")).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {kubeegressgateway.azure.com/mode: true}, 2 node(s) didn't have free ports for the requested pod ports. no new claims to deallocate, preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
    );
    expect(m("v1.35.0")).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't have free ports for the requested pod ports. no new claims to deallocate, preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
    );
    expect(m("v1.34.2")).toContain("1 node(s) had untolerated taint(s),");
  });

  it("sorts '<count> <reason>' as strings (10 before 2) and says so with zero nodes", () => {
    const many = Array.from({ length: 12 }, (_, i) =>
      node(
        `n${String(i).padStart(2, "0")}`,
        i < 10 ? { labels: { "kubernetes.io/os": "windows" } } : { unschedulable: true },
      ),
    );
    const r = schedule(
      pod("x", { nodeSelector: { "kubernetes.io/os": "linux" } }),
      nodeInfos(many, []),
      "1.33.5",
    );
    expect(r.node === undefined && r.message).toBe(
      "0/12 nodes are available: 10 node(s) didn't match Pod's node affinity/selector, 2 node(s) were unschedulable. preemption: 0/12 nodes are available: 12 Preemption is not helpful for scheduling.",
    );
    const none = schedule(pod("x"), nodeInfos([], []), "1.33.5");
    expect(none.node === undefined && none.message).toBe("no nodes available to schedule pods");
  });

  it("resources: every insufficient resource counts; asking more than a node has is unresolvable", () => {
    const small = [node("a", { cpu: "1900m", pods: "2" }), node("b", { cpu: "1900m" })];
    const busy = [
      pod(
        "p1",
        { containers: [{ name: "c", resources: { requests: { cpu: "1500m", memory: "1Gi" } } }] },
        "a",
      ),
      pod("p2", {}, "a"),
      pod("p3", { containers: [{ name: "c", resources: { requests: { cpu: "1" } } }] }, "b"),
    ];
    const r = schedule(
      pod("x", { containers: [{ name: "c", resources: { requests: { cpu: "1", memory: "100Mi" } } }] }),
      nodeInfos(small, busy),
      "1.33.5",
    );
    expect(r.node === undefined && r.message).toBe(
      "0/2 nodes are available: 1 Too many pods, 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
    );
    const huge = schedule(
      pod("x", { containers: [{ name: "c", resources: { requests: { memory: "64Gi" } } }] }),
      nodeInfos(small, []),
      "1.33.5",
    );
    expect(huge.node === undefined && huge.message).toBe(
      "0/2 nodes are available: 2 Insufficient memory. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
    );
    const never = schedule(
      { ...hostPortPod("x", 80), spec: { ...hostPortPod("x", 80).spec!, preemptionPolicy: "Never" } },
      nodeInfos([node("a")], [hostPortPod("y", 80, "a")]),
      "1.33.5",
    );
    expect(never.node === undefined && never.message).toBe(
      "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: not eligible due to preemptionPolicy=Never.",
    );
  });
});

describe("filters", () => {
  it("tolerations: Equal, Exists, empty key, effect", () => {
    const t = { key: "k", value: "v", effect: "NoSchedule" };
    expect(tolerates({ key: "k", operator: "Equal", value: "v", effect: "NoSchedule" }, t)).toBe(true);
    expect(tolerates({ key: "k", value: "v" }, t)).toBe(true);
    expect(tolerates({ key: "k", value: "w" }, t)).toBe(false);
    expect(tolerates({ key: "k", operator: "Exists" }, t)).toBe(true);
    expect(tolerates({ operator: "Exists" }, t)).toBe(true);
    expect(tolerates({ operator: "Exists", effect: "NoExecute" }, t)).toBe(false);
    expect(tolerates({ key: "other", operator: "Exists" }, t)).toBe(false);
    // PreferNoSchedule taints never filter.
    const soft = [node("a", { taints: [{ key: "k", effect: "PreferNoSchedule" }] })];
    expect(schedule(pod("x"), nodeInfos(soft, []), "1.33.5").node).toBe("a");
    // NoExecute filters like NoSchedule.
    const hard = [node("a", { taints: [{ key: "k", value: "v", effect: "NoExecute" }] })];
    expect(schedule(pod("x"), nodeInfos(hard, []), "1.33.5").node).toBeUndefined();
    expect(
      schedule(pod("x", { tolerations: [{ key: "k", operator: "Exists" }] }), nodeInfos(hard, []), "1.33.5")
        .node,
    ).toBe("a");
  });

  it("required node affinity: In, NotIn, Exists, DoesNotExist, Gt, Lt; terms ORed; matchFields", () => {
    const n = node("n1", { labels: { zone: "1", gen: "5", pool: "a" } });
    const aff = (...terms: object[]) =>
      pod("x", {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms as never },
          },
        },
      });
    const expr = (key: string, operator: string, values?: string[]) => ({
      matchExpressions: [{ key, operator, ...(values ? { values } : {}) }],
    });
    expect(matchesNodeAffinity(aff(expr("zone", "In", ["1", "2"])), n)).toBe(true);
    expect(matchesNodeAffinity(aff(expr("zone", "NotIn", ["1"])), n)).toBe(false);
    expect(matchesNodeAffinity(aff(expr("missing", "NotIn", ["1"])), n)).toBe(true);
    expect(matchesNodeAffinity(aff(expr("pool", "Exists")), n)).toBe(true);
    expect(matchesNodeAffinity(aff(expr("pool", "DoesNotExist")), n)).toBe(false);
    expect(matchesNodeAffinity(aff(expr("gen", "Gt", ["4"])), n)).toBe(true);
    expect(matchesNodeAffinity(aff(expr("gen", "Lt", ["5"])), n)).toBe(false);
    expect(matchesNodeAffinity(aff(expr("pool", "Gt", ["1"])), n)).toBe(false);
    expect(matchesNodeAffinity(aff(expr("zone", "In", ["9"]), expr("pool", "In", ["a"])), n)).toBe(true);
    expect(matchesNodeAffinity(aff({}), n)).toBe(false);
    expect(
      matchesNodeAffinity(
        aff({ matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] }),
        n,
      ),
    ).toBe(true);
    expect(matchesNodeAffinity(pod("x", { nodeSelector: { pool: "b" } }), n)).toBe(false);
  });

  it("host ports: port + protocol + hostIP, 0.0.0.0 overlaps everything", () => {
    const u = (hostIP: string, port = 80, protocol = "TCP") => ({ hostIP, port, protocol });
    expect(portsConflict(u("0.0.0.0"), u("10.0.0.4"))).toBe(true);
    expect(portsConflict(u("10.0.0.4"), u("10.0.0.5"))).toBe(false);
    expect(portsConflict(u("10.0.0.4"), u("10.0.0.4"))).toBe(true);
    expect(portsConflict(u("0.0.0.0", 80, "UDP"), u("0.0.0.0", 80, "TCP"))).toBe(false);
    expect(portsConflict(u("0.0.0.0", 81), u("0.0.0.0", 80))).toBe(false);
    const infos = nodeInfos([node("a")], [hostPortPod("y", 53, "a", undefined, "UDP")]);
    expect(schedule(hostPortPod("x", 53), infos, "1.33.5").node).toBe("a");
    expect(schedule(hostPortPod("x", 53, undefined, undefined, "UDP"), infos, "1.33.5").node).toBeUndefined();
  });

  it("hostNetwork pods hold their container ports on the node", () => {
    const hn = (name: string, nodeName?: string) =>
      pod(
        name,
        { hostNetwork: true, containers: [{ name: "c", ports: [{ containerPort: 10250 }] }] },
        nodeName,
      );
    const r = schedule(hn("x"), nodeInfos([node("a")], [hn("y", "a")]), "1.33.5");
    expect(r.node === undefined && r.message).toBe(
      "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
    );
  });

  it("finished pods free their node; requests sum containers and take the largest init container", () => {
    const done = { ...hostPortPod("y", 80, "a"), status: { phase: "Succeeded" } };
    expect(schedule(hostPortPod("x", 80), nodeInfos([node("a")], [done]), "1.33.5").node).toBe("a");
    const p = pod("x", {
      containers: [
        { name: "a", resources: { requests: { cpu: "250m", memory: "64Mi" } } },
        { name: "b", resources: { requests: { cpu: "0.5", memory: "1Gi" } } },
      ],
      initContainers: [{ name: "i", resources: { requests: { cpu: "2" } } }],
      overhead: { cpu: "10m" },
    });
    expect(podRequests(p)).toEqual({ cpuMilli: 2010, memory: 64 * 2 ** 20 + 2 ** 30 });
    expect(podRequests(pod("e"), true)).toEqual({ cpuMilli: 100, memory: 200 * 2 ** 20 });
  });
});

describe("choice", () => {
  it("least allocated wins, ties go to the smallest name, pods spread as they are added", () => {
    const nodes = [node("c"), node("a"), node("b")];
    const infos = nodeInfos(nodes, [pod("p", {}, "a")]);
    expect(schedule(pod("x"), infos, "1.33.5").node).toBe("b");
    const empty = nodeInfos(nodes, []);
    expect(schedule(pod("x"), empty, "1.33.5").node).toBe("a");
  });

  it("preferred node affinity and PreferNoSchedule taints steer the choice", () => {
    const nodes = [
      node("a", { taints: [{ key: "k", effect: "PreferNoSchedule" }] }),
      node("b", { labels: { disk: "ssd" } }),
      node("c"),
    ];
    expect(schedule(pod("x"), nodeInfos(nodes, []), "1.33.5").node).toBe("b");
    const pref = pod("x", {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 50,
              preference: { matchExpressions: [{ key: "disk", operator: "In", values: ["ssd"] }] },
            },
          ],
        },
      },
    });
    expect(
      schedule(
        pref,
        nodeInfos(
          [node("b", { labels: { disk: "ssd" } }), node("a")],
          [pod("p", {}, "b"), pod("q", {}, "b")],
        ),
        "1.33.5",
      ).node,
    ).toBe("b");
  });
});
