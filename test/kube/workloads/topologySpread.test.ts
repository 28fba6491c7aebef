// PodTopologySpread in the scheduler's decision logic: explicit constraints (DoNotSchedule
// filters with kube-scheduler's wording, ScheduleAnyway scores), the system default
// constraints for pods of a ReplicaSet / StatefulSet / Service, and the counts kept current
// while a batch is placed.

import fc from "fast-check";
import type { ReplicaSet, StatefulSet } from "kubernetes-types/apps/v1.js";
import type { Node, Pod, Service, Taint, TopologySpreadConstraint } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import {
  defaultSelector,
  NO_OWNERS,
  type NodeInfos,
  nodeInfos,
  SCORE_WEIGHTS,
  type Selector,
  SpreadIndex,
  type SpreadOwners,
  schedule,
  scoreNodes,
} from "../../../src/kube/workloads/index.js";

const V = "v1.33.5";

function node(
  name: string,
  o: { zone?: string | null; labels?: Record<string, string>; taints?: Taint[]; pods?: string } = {},
): Node {
  const zone = o.zone === undefined ? "0" : o.zone;
  return {
    metadata: {
      name,
      labels: {
        "kubernetes.io/hostname": name,
        ...(zone === null ? {} : { "topology.kubernetes.io/zone": zone }),
        ...(o.labels ?? {}),
      },
    },
    spec: o.taints ? { taints: o.taints } : {},
    status: { allocatable: { cpu: "1900m", memory: "5402624Ki", pods: o.pods ?? "110" } },
  };
}

const RS_REF = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-5d8f", uid: "u1", controller: true };

function pod(
  name: string,
  o: {
    labels?: Record<string, string>;
    owner?: typeof RS_REF | null;
    spread?: TopologySpreadConstraint[];
    nodeSelector?: Record<string, string>;
    cpu?: string;
    ns?: string;
  } = {},
  nodeName?: string,
): Pod {
  return {
    metadata: {
      name,
      namespace: o.ns ?? "default",
      labels: o.labels ?? { app: "web", "pod-template-hash": "5d8f" },
      ...(o.owner === null ? {} : { ownerReferences: [o.owner ?? RS_REF] }),
    },
    spec: {
      containers: [
        { name: "c", image: "nginx", ...(o.cpu ? { resources: { requests: { cpu: o.cpu } } } : {}) },
      ],
      ...(o.spread ? { topologySpreadConstraints: o.spread } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(nodeName ? { nodeName } : {}),
    },
    status: { phase: nodeName ? "Running" : "Pending" },
  };
}

const RS: ReplicaSet = {
  metadata: { name: "web-5d8f", namespace: "default" },
  spec: { selector: { matchLabels: { app: "web", "pod-template-hash": "5d8f" } }, template: {} },
};

function owners(
  o: { services?: Service[]; rs?: ReplicaSet[]; ss?: StatefulSet[] } = { rs: [RS] },
): SpreadOwners {
  return {
    services: (ns) => (o.services ?? []).filter((s) => (s.metadata?.namespace ?? "default") === ns),
    replicaSet: (ns, name) => o.rs?.find((r) => r.metadata?.name === name && r.metadata?.namespace === ns),
    statefulSet: (ns, name) => o.ss?.find((r) => r.metadata?.name === name && r.metadata?.namespace === ns),
    replicationController: () => undefined,
  };
}

/** Schedules pods one after another as the controller does: each bind seen by the next. */
function place(infos: NodeInfos, pods: Pod[], version = V) {
  const placed: string[] = [];
  const pending: string[] = [];
  for (const p of pods) {
    const r = schedule(p, infos, version);
    if (r.node === undefined) pending.push(r.message);
    else {
      infos.bind(
        { ...p, spec: { ...p.spec, containers: p.spec?.containers ?? [], nodeName: r.node } },
        r.node,
      );
      placed.push(r.node);
    }
  }
  return { placed, pending };
}

const replicas = (n: number, o: Parameters<typeof pod>[1] = {}) =>
  Array.from({ length: n }, (_, i) => pod(`web-5d8f-${i}`, o));

const hard = (
  topologyKey: string,
  extra: Partial<TopologySpreadConstraint> = {},
): TopologySpreadConstraint => ({
  maxSkew: 1,
  topologyKey,
  whenUnsatisfiable: "DoNotSchedule",
  labelSelector: { matchLabels: { app: "web" } },
  ...extra,
});

describe("system default constraints (scoring only)", () => {
  // The node carrying kube-system add-ons (more requested) is the one least-allocated avoids.
  const addons = [
    pod("coredns", { labels: { k8s: "dns" }, owner: null, cpu: "100m", ns: "kube-system" }, "a"),
    pod("metrics", { labels: { k8s: "ms" }, owner: null, cpu: "150m", ns: "kube-system" }, "a"),
  ];
  const nodes = [node("a"), node("b"), node("c")];

  it("3 replicas of a ReplicaSet on 3 nodes: one per node, the add-on node included", () => {
    expect(place(nodeInfos(nodes, addons, owners()), replicas(3)).placed).toEqual(["b", "c", "a"]);
    // 6 replicas: two per node.
    const six = place(nodeInfos(nodes, addons, owners()), replicas(6)).placed;
    expect(["a", "b", "c"].map((n) => six.filter((x) => x === n).length)).toEqual([2, 2, 2]);
  });

  it("without a selector to spread by (no owner, no Service) least-allocated alone decides", () => {
    // What the scheduler did before: the third replica doubles up instead of joining the add-ons.
    expect(place(nodeInfos(nodes, addons, owners()), replicas(3, { owner: null })).placed).toEqual([
      "b",
      "c",
      "b",
    ]);
  });

  it("a Service matching the pods supplies the selector; a StatefulSet's selector too", () => {
    const svc: Service = {
      metadata: { name: "web", namespace: "default" },
      spec: { selector: { app: "web" } },
    };
    expect(
      place(nodeInfos(nodes, addons, owners({ services: [svc] })), replicas(3, { owner: null })).placed,
    ).toEqual(["b", "c", "a"]);
    const ss: StatefulSet = {
      metadata: { name: "db", namespace: "default" },
      spec: { selector: { matchLabels: { app: "db" } }, serviceName: "db", template: {} },
    };
    const ssRef = { apiVersion: "apps/v1", kind: "StatefulSet", name: "db", uid: "s1", controller: true };
    const dbPods = [0, 1, 2].map((i) => pod(`db-${i}`, { labels: { app: "db" }, owner: ssRef }));
    expect(place(nodeInfos(nodes, addons, owners({ ss: [ss] })), dbPods).placed).toEqual(["b", "c", "a"]);
    expect(defaultSelector(dbPods[0], owners({ ss: [ss], services: [svc] }))?.reqs).toEqual([
      { key: "app", op: "=", values: ["db"] },
    ]);
    expect(defaultSelector(pod("x", { owner: null }), NO_OWNERS)).toBeUndefined();
  });

  it("scores exactly as upstream: ln(domains+2) weights, rounding, 100·(max+min−s)/max, weight 2", () => {
    const infos = nodeInfos(nodes, [pod("web-5d8f-0", {}, "a")], owners());
    const feasible = [...infos.values()];
    // a: round(1·ln5 + 2 + 1·ln3 + 4) = 9, b/c: round(2 + ln3 + 4) = 7 → a 77, b/c 100.
    // LeastAllocated a 90, b/c 95; balanced 100; TaintToleration 100·3.
    expect(SCORE_WEIGHTS.PodTopologySpread).toBe(2);
    expect(Object.fromEntries(scoreNodes(pod("web-5d8f-1"), feasible, infos, V))).toEqual({
      a: 90 + 100 + 300 + 2 * 77,
      b: 95 + 100 + 300 + 2 * 100,
      c: 95 + 100 + 300 + 2 * 100,
    });
  });

  it("zones weigh by their own count: ln(2 zones + 2), the pod's zone counted over its nodes", () => {
    const zoned = [node("a", { zone: "z1" }), node("b", { zone: "z1" }), node("c", { zone: "z2" })];
    const infos = nodeInfos(zoned, [pod("web-5d8f-0", {}, "c")], owners());
    // a/b: round(2 + 4) = 6; c: round(ln5 + 2 + ln4 + 4) = 9 → a/b 100, c floor(100·6/9) = 66.
    expect(Object.fromEntries(scoreNodes(pod("web-5d8f-1"), [...infos.values()], infos, V))).toEqual({
      a: 95 + 100 + 300 + 2 * 100,
      b: 95 + 100 + 300 + 2 * 100,
      c: 90 + 100 + 300 + 2 * 66,
    });
  });

  it("a pod's own ScheduleAnyway constraint: nodes lacking the key score 0 for the plugin", () => {
    const racks = [node("a", { labels: { rack: "r1" } }), node("b", { labels: { rack: "r2" } }), node("c")];
    const infos = nodeInfos(racks, [pod("web-5d8f-0", {}, "a")], owners());
    const soft = pod("web-5d8f-1", {
      spread: [{ ...hard("rack"), whenUnsatisfiable: "ScheduleAnyway" }],
    });
    // a: round(1·ln4) = 1, b: 0 → a 100·(1+0−1)/1 = 0, b 100; c ignored → 0.
    expect(Object.fromEntries(scoreNodes(soft, [...infos.values()], infos, V))).toEqual({
      a: 90 + 100 + 300 + 0,
      b: 95 + 100 + 300 + 2 * 100,
      c: 95 + 100 + 300 + 0,
    });
  });

  it("nodes without a zone label still spread by hostname", () => {
    const zoneless = [node("a", { zone: null }), node("b", { zone: null }), node("c", { zone: null })];
    expect(place(nodeInfos(zoneless, addons, owners()), replicas(3)).placed).toEqual(["b", "c", "a"]);
  });
});

describe("DoNotSchedule", () => {
  const zonal = [
    node("a", { zone: "eastus-1" }),
    node("b", { zone: "eastus-2" }),
    node("c", { zone: "eastus-3", pods: "1" }),
  ];
  const other = pod("other", { labels: { app: "other" }, owner: null }, "c");

  it("maxSkew 1 across zones, one zone full: 2 placed, 3 Pending with kube-scheduler's message", () => {
    const r = place(
      nodeInfos(zonal, [other], owners()),
      replicas(5, { spread: [hard("topology.kubernetes.io/zone")] }),
    );
    expect(r.placed).toEqual(["a", "b"]);
    expect(r.pending).toEqual(
      Array(3).fill(
        "0/3 nodes are available: 1 Too many pods, 2 node(s) didn't match pod topology spread constraints. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
      ),
    );
  });

  it("a node without the topology key: missing required label, preemption not helpful", () => {
    const nodes = [
      node("a", { labels: { rack: "r1" } }),
      node("b"),
      node("c", { labels: { rack: "r2" }, pods: "1" }),
    ];
    const r = place(
      nodeInfos(nodes, [pod("other", { labels: { app: "other" }, owner: null }, "c")], owners()),
      replicas(2, { spread: [hard("rack")] }),
    );
    expect(r.placed).toEqual(["a"]);
    expect(r.pending).toEqual([
      "0/3 nodes are available: 1 Too many pods, 1 node(s) didn't match pod topology spread constraints, 1 node(s) didn't match pod topology spread constraints (missing required label). preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
    ]);
  });

  it("minDomains above the domains counted makes the global minimum 0 (from 1.27)", () => {
    const nodes = [node("a"), node("b")];
    const spread = [hard("kubernetes.io/hostname", { minDomains: 3 })];
    const r = place(nodeInfos(nodes, [], owners()), replicas(3, { spread }));
    expect(r.placed).toEqual(["a", "b"]);
    expect(r.pending).toEqual([
      "0/2 nodes are available: 2 node(s) didn't match pod topology spread constraints. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
    ]);
    // 1.26's scheduler ignores minDomains (feature off by default).
    expect(place(nodeInfos(nodes, [], owners()), replicas(3, { spread }), "v1.26.3").placed).toEqual([
      "a",
      "b",
      "a",
    ]);
  });

  it("nodeAffinityPolicy: Honor (default) leaves other nodes out of the count; Ignore counts them", () => {
    const nodes = [node("a", { labels: { tier: "web" } }), node("b", { labels: { tier: "web" } }), node("c")];
    const o = { nodeSelector: { tier: "web" } };
    const honor = place(
      nodeInfos(nodes, [], owners()),
      replicas(4, { ...o, spread: [hard("kubernetes.io/hostname")] }),
    );
    expect(honor).toEqual({ placed: ["a", "b", "a", "b"], pending: [] });
    const ignore = place(
      nodeInfos(nodes, [], owners()),
      replicas(3, { ...o, spread: [hard("kubernetes.io/hostname", { nodeAffinityPolicy: "Ignore" })] }),
    );
    expect(ignore.placed).toEqual(["a", "b"]);
    expect(ignore.pending).toEqual([
      "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) didn't match pod topology spread constraints. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
    ]);
  });

  it("nodeTaintsPolicy: Ignore (default) counts a tainted node's empty domain; Honor leaves it out", () => {
    const gw: Taint = { key: "kubeegressgateway.azure.com/mode", value: "true", effect: "NoSchedule" };
    const nodes = [node("a"), node("b"), node("gw", { taints: [gw] })];
    const ignore = place(
      nodeInfos(nodes, [], owners()),
      replicas(3, { spread: [hard("kubernetes.io/hostname")] }),
    );
    expect(ignore.placed).toEqual(["a", "b"]);
    expect(ignore.pending).toEqual([
      "0/3 nodes are available: 1 node(s) had untolerated taint {kubeegressgateway.azure.com/mode: true}, 2 node(s) didn't match pod topology spread constraints. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
    ]);
    const honor = place(
      nodeInfos(nodes, [], owners()),
      replicas(3, { spread: [hard("kubernetes.io/hostname", { nodeTaintsPolicy: "Honor" })] }),
    );
    expect(honor).toEqual({ placed: ["a", "b", "a"], pending: [] });
  });

  it("matchLabelKeys: only the pod's own revision is counted", () => {
    const old = [0, 1].map((i) =>
      pod(`web-old-${i}`, { labels: { app: "web", "pod-template-hash": "old" } }, "a"),
    );
    const gw: Taint = { key: "k", value: "v", effect: "NoSchedule" };
    const nodes = [node("a"), node("b", { taints: [gw] })];
    const without = place(
      nodeInfos(nodes, old, owners()),
      replicas(1, { spread: [hard("kubernetes.io/hostname")] }),
    );
    expect(without.placed).toEqual([]);
    const withKeys = place(
      nodeInfos(nodes, old, owners()),
      replicas(1, { spread: [hard("kubernetes.io/hostname", { matchLabelKeys: ["pod-template-hash"] })] }),
    );
    expect(withKeys.placed).toEqual(["a"]);
  });

  it("only pods of the same namespace and not terminating count; a pod outside the selector skews nothing", () => {
    const nodes = [node("a"), node("b")];
    const elsewhere = pod("web-x", { ns: "other" }, "a");
    const leaving = {
      ...pod("web-y", {}, "a"),
      metadata: { ...pod("web-y", {}, "a").metadata, deletionTimestamp: "2026-01-01T00:00:00Z" },
    };
    const spread = [hard("kubernetes.io/hostname")];
    const r = place(nodeInfos(nodes, [elsewhere, leaving], owners()), replicas(2, { spread }));
    expect(r).toEqual({ placed: ["b", "a"], pending: [] });
    // A pod the selector does not match places freely (selfMatch 0), and is not counted.
    const foreign = place(nodeInfos(nodes, [], owners()), [
      ...replicas(3, { labels: { app: "api" }, spread }),
    ]);
    expect(foreign.pending).toEqual([]);
  });
});

describe("SpreadIndex: incremental tallies equal a recount", () => {
  it("per node and per domain, whenever a tally was first asked for", () => {
    const label = fc.constantFrom("web", "api", "db");
    const op = fc.oneof(
      fc.record({
        add: fc.record({ app: label, ns: fc.constantFrom("a", "b"), node: fc.integer({ min: 0, max: 5 }) }),
      }),
      fc.record({ ask: fc.record({ app: label, ns: fc.constantFrom("a", "b"), zoneOnly: fc.boolean() }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const nodes = Array.from({ length: 6 }, (_, i) =>
          node(`n${i}`, { zone: i === 5 ? null : `z${i % 3}` }),
        );
        const index = new SpreadIndex();
        const added: { app: string; ns: string; node: number }[] = [];
        const asked: { app: string; ns: string; zoneOnly: boolean }[] = [];
        const sel = (app: string): Selector => ({
          reqs: [{ key: "app", op: "=", values: [app] }],
          key: `app=${app}`,
        });
        const check = (q: { app: string; ns: string; zoneOnly: boolean }) => {
          const mine = added.filter((p) => p.app === q.app && p.ns === q.ns);
          const perNode = index.perNode(q.ns, sel(q.app));
          for (let i = 0; i < 6; i++)
            expect(perNode.get(`n${i}`) ?? 0).toBe(mine.filter((p) => p.node === i).length);
          const d = index.domains(
            q.ns,
            sel(q.app),
            "topology.kubernetes.io/zone",
            String(q.zoneOnly),
            nodes,
            (n) => (q.zoneOnly ? n.metadata?.labels?.["topology.kubernetes.io/zone"] !== undefined : true),
          );
          const want = new Map<string, number>();
          for (let i = 0; i < 6; i++) {
            const z = nodes[i].metadata?.labels?.["topology.kubernetes.io/zone"];
            if (q.zoneOnly && z === undefined) continue;
            want.set(z ?? "", (want.get(z ?? "") ?? 0) + mine.filter((p) => p.node === i).length);
          }
          expect(Object.fromEntries(d.counts)).toEqual(Object.fromEntries(want));
        };
        for (const o of ops) {
          if ("add" in o) {
            added.push(o.add);
            index.add(
              pod(`p${added.length}`, { labels: { app: o.add.app }, ns: o.add.ns }, `n${o.add.node}`),
              `n${o.add.node}`,
            );
          } else {
            asked.push(o.ask);
            check(o.ask);
          }
        }
        for (const q of asked) check(q);
      }),
      { numRuns: 200 },
    );
  });
});
