import type { Node, Pod } from "kubernetes-types/core/v1.js";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js";
import { describe, expect, it } from "vitest";
import {
  type Candidate,
  Nominations,
  nodeInfos,
  Preemption,
  pickCandidate,
  preemptedEvent,
  queueOrder,
  schedule,
  splitByBudgets,
  victimStatus,
} from "../../../src/kube/workloads/index.js";

const V = "v1.33.5";
const NOW = Date.parse("2025-06-01T12:00:00Z");

function node(name: string, opts: { cpu?: string; taint?: boolean } = {}): Node {
  return {
    metadata: { name, labels: { "kubernetes.io/os": "linux", "kubernetes.io/hostname": name } },
    spec: opts.taint ? { taints: [{ key: "k", value: "v", effect: "NoSchedule" }] } : {},
    status: { allocatable: { cpu: opts.cpu ?? "1900m", memory: "5402624Ki", pods: "110" } },
  };
}

interface PodOpts {
  cpu?: string;
  priority?: number;
  node?: string;
  started?: string;
  labels?: Record<string, string>;
  policy?: "Never" | "PreemptLowerPriority";
  created?: string;
}

function pod(name: string, o: PodOpts = {}): Pod {
  return {
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.created ? { creationTimestamp: o.created } : {}),
    },
    spec: {
      containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: o.cpu ?? "100m" } } }],
      priority: o.priority ?? 0,
      ...(o.policy ? { preemptionPolicy: o.policy } : {}),
      ...(o.node ? { nodeName: o.node } : {}),
    },
    status: o.node
      ? { phase: "Running", startTime: o.started ?? "2025-06-01T10:00:00Z" }
      : { phase: "Pending" },
  };
}

/** One scheduling attempt with DefaultPreemption over `bound`, as the controller runs it. */
function attempt(
  want: Pod,
  nodes: Node[],
  bound: Pod[],
  opts: { budgets?: PodDisruptionBudget[]; version?: string; nominations?: Nominations } = {},
) {
  const version = opts.version ?? V;
  const postFilter = new Preemption(bound, opts.budgets ?? [], version, NOW);
  return schedule(want, nodeInfos(nodes, bound), version, undefined, {
    postFilter,
    nominations: opts.nominations,
  });
}

const names = (pods: readonly Pod[] | undefined) => (pods ?? []).map((p) => p.metadata?.name);

describe("PrioritySort", () => {
  it("higher priority first, then the oldest, then by name", () => {
    const pods = [
      pod("late-low", { priority: 0, created: "2025-06-01T10:00:02Z" }),
      pod("early-low", { priority: 0, created: "2025-06-01T10:00:01Z" }),
      pod("late-high", { priority: 1000, created: "2025-06-01T10:00:03Z" }),
      pod("b-same", { priority: 5, created: "2025-06-01T10:00:00Z" }),
      pod("a-same", { priority: 5, created: "2025-06-01T10:00:00Z" }),
      pod("negative", { priority: -10, created: "2025-06-01T09:00:00Z" }),
    ];
    expect(pods.sort(queueOrder).map((p) => p.metadata?.name)).toEqual([
      "late-high",
      "a-same",
      "b-same",
      "early-low",
      "late-low",
      "negative",
    ]);
  });
});

describe("DefaultPreemption", () => {
  const nodes = [node("a"), node("b"), node("c")];
  // a: three 600m pods (one at priority 10), b: two 900m pods, c: one 1800m pod at the
  // preemptor's own priority — 100m free on each.
  const bound = [
    pod("a1", { cpu: "600m", node: "a", started: "2025-06-01T09:00:00Z" }),
    pod("a2", { cpu: "600m", node: "a", started: "2025-06-01T09:30:00Z" }),
    pod("a3", { cpu: "600m", node: "a", priority: 10 }),
    pod("b1", { cpu: "900m", node: "b", started: "2025-06-01T09:00:00Z" }),
    pod("b2", { cpu: "900m", node: "b", started: "2025-06-01T09:30:00Z" }),
    pod("c1", { cpu: "1800m", node: "c", priority: 1000 }),
  ];
  const high = pod("high", { cpu: "1000m", priority: 1000 });

  it("takes the fewest victims, most important reprieved first, and the node whose victims weigh least", () => {
    const r = attempt(high, nodes, bound);
    expect(r.node).toBeUndefined();
    if (r.node !== undefined) return;
    // On a, a3 (priority 10) is reprieved and both priority-0 pods must go; on b, b1 (started
    // first) stays and b2 goes: b's one victim sums lower than a's two.
    expect(r.nominatedNode).toBe("b");
    expect(names(r.victims)).toEqual(["b2"]);
    // A nomination adds nothing after the FitError (the PostFilter's status is Success).
    expect(r.message).toBe("0/3 nodes are available: 3 Insufficient cpu.");
  });

  it("no node offers room: the dry run's statuses per node after 'preemption:'", () => {
    const r = attempt(
      high,
      [node("a"), node("c"), node("t", { taint: true })],
      [
        pod("a-high", { cpu: "1200m", node: "a", priority: 2000 }),
        pod("a-low", { cpu: "600m", node: "a" }),
        pod("c1", { cpu: "1800m", node: "c", priority: 1000 }),
      ],
    );
    expect(r.node).toBeUndefined();
    if (r.node !== undefined) return;
    expect(r.message).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Insufficient cpu, 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
    );
    // No candidate clears a nomination; nobody is preempted.
    expect(r.nominatedNode).toBe("");
    expect(r.victims).toBeUndefined();
  });

  it("the wording of 1.29 (two periods) and 1.34 (the DRA post-filter first)", () => {
    const bound = [pod("c1", { cpu: "1800m", node: "c", priority: 1000 })];
    const old = attempt(high, [node("c")], bound, { version: "v1.29.9" });
    const dra = attempt(high, [node("c")], bound, { version: "v1.34.1" });
    if (old.node !== undefined || dra.node !== undefined) throw new Error("scheduled");
    expect(old.message).toBe(
      "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..",
    );
    expect(dra.message).toBe(
      "0/1 nodes are available: 1 Insufficient cpu. no new claims to deallocate, preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
    );
    // A successful preemption appends nothing in either.
    const ok = attempt(high, [node("b")], [pod("b1", { cpu: "1800m", node: "b" })], { version: "v1.34.1" });
    expect(ok).toMatchObject({ message: "0/1 nodes are available: 1 Insufficient cpu.", nominatedNode: "b" });
  });

  it("preemptionPolicy Never: not eligible, nothing preempted, the nomination kept", () => {
    const r = attempt(pod("calm", { cpu: "1000m", priority: 1000, policy: "Never" }), nodes, bound);
    expect(r).toEqual({
      message:
        "0/3 nodes are available: 3 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.",
      rejected: expect.any(Map),
    });
  });

  it("only strictly lower priorities are victims: equals stay", () => {
    const r = attempt(pod("peer", { cpu: "1000m", priority: 0 }), [node("b")], bound.slice(3, 5));
    expect(r).toMatchObject({
      message:
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
      nominatedNode: "",
    });
  });

  it("host ports and the pod count are freed by victims too", () => {
    const port = (name: string, o: PodOpts) => {
      const p = pod(name, o);
      (p.spec as NonNullable<Pod["spec"]>).containers[0].ports = [{ containerPort: 80, hostPort: 8080 }];
      return p;
    };
    const r = attempt(
      port("web", { priority: 100 }),
      [node("a")],
      [port("old-web", { node: "a" }), pod("other", { node: "a" })],
    );
    expect(r).toMatchObject({ nominatedNode: "a", victims: [{ metadata: { name: "old-web" } }] });
    const full = { ...node("b"), status: { allocatable: { cpu: "1900m", memory: "5402624Ki", pods: "2" } } };
    const two = attempt(
      pod("third", { priority: 100 }),
      [full],
      [pod("x", { node: "b", priority: 50 }), pod("y", { node: "b", priority: 0 })],
    );
    // Either victim frees a slot: the lower priority one goes.
    expect(two).toMatchObject({
      message: "0/1 nodes are available: 1 Too many pods.",
      nominatedNode: "b",
      victims: [{ metadata: { name: "y" } }],
    });
  });

  it("while its victims terminate on the nominated node, the preemptor waits (not eligible)", () => {
    const b2 = pod("b2", { cpu: "900m", node: "b" });
    const going: Pod = {
      ...b2,
      metadata: { ...b2.metadata, deletionTimestamp: "2025-06-01T11:59:50Z" },
      status: victimStatus(b2, high, "2025-06-01T11:59:50Z"),
    };
    const waiting = { ...high, status: { phase: "Pending", nominatedNodeName: "b" } };
    const r = attempt(waiting, nodes, [...bound.filter((p) => p.metadata?.name !== "b2"), going]);
    expect(r).toEqual({
      message:
        "0/3 nodes are available: 3 Insufficient cpu. preemption: not eligible due to a terminating pod on the nominated node.",
      rejected: expect.any(Map),
    });
    // A pod terminating for another reason does not hold it back.
    const deleted = { ...going, status: { phase: "Running", startTime: "2025-06-01T10:00:00Z" } };
    const again = attempt(waiting, nodes, [...bound.filter((p) => p.metadata?.name !== "b2"), deleted]);
    // b2 is already going: b again, and nobody new to delete.
    expect(again).toMatchObject({
      nominatedNode: "b",
      message: "0/3 nodes are available: 3 Insufficient cpu.",
    });
    expect((again as { victims?: Pod[] }).victims).toBeUndefined();
  });

  it("a victim picked earlier in the pass is not preempted twice, and counts as terminating", () => {
    const postFilter = new Preemption(bound, [], V, NOW);
    const infos = nodeInfos(nodes, bound);
    const first = schedule(high, infos, V, undefined, { postFilter });
    expect(first).toMatchObject({ nominatedNode: "b", victims: [{ metadata: { name: "b2" } }] });
    const nominated = { ...high, status: { phase: "Pending", nominatedNodeName: "b" } };
    expect(schedule(nominated, infos, V, undefined, { postFilter })).toMatchObject({
      message:
        "0/3 nodes are available: 3 Insufficient cpu. preemption: not eligible due to a terminating pod on the nominated node.",
    });
    // Another pod (not nominated) finds b2 already going: b is chosen again, nothing new to delete.
    const second = schedule(pod("high2", { cpu: "1000m", priority: 1000 }), infos, V, undefined, {
      postFilter,
    });
    expect(second).toMatchObject({ nominatedNode: "b" });
    expect(names((second as { victims?: Pod[] }).victims)).toEqual([]);
    // With the first one's nomination counted (as the controller keeps it), b's room is taken:
    // the second preempts on a, its two priority-0 pods.
    const nominations = new Nominations();
    nominations.set(high, "b");
    const third = schedule(pod("high3", { cpu: "1000m", priority: 1000 }), infos, V, undefined, {
      postFilter,
      nominations,
    });
    expect(third).toMatchObject({ nominatedNode: "a" });
    expect(names((third as { victims?: Pod[] }).victims)).toEqual(["a1", "a2"]);
  });
});

describe("nominated pods", () => {
  it("hold their node against pods of lower priority, not against higher ones", () => {
    const nodes = [node("a")];
    const bound = [pod("busy", { cpu: "900m", node: "a", priority: 1000 })];
    const nominations = new Nominations();
    const waiting = pod("waiting", { cpu: "1000m", priority: 1000 });
    nominations.set(waiting, "a");
    const low = schedule(pod("low", { cpu: "500m" }), nodeInfos(nodes, bound), V, undefined, { nominations });
    expect(low).toMatchObject({
      message:
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
    });
    expect(
      schedule(pod("top", { cpu: "500m", priority: 2000 }), nodeInfos(nodes, bound), V, undefined, {
        nominations,
      }),
    ).toEqual({
      node: "a",
    });
    // The nominated pod itself is not counted twice.
    expect(schedule(waiting, nodeInfos(nodes, bound), V, undefined, { nominations })).toEqual({ node: "a" });
    nominations.delete(waiting);
    expect(nominations.size).toBe(0);
    expect(
      schedule(pod("low", { cpu: "500m" }), nodeInfos(nodes, bound), V, undefined, { nominations }),
    ).toEqual({
      node: "a",
    });
  });

  it("a nominated pod takes its node when it fits there, though another scores higher", () => {
    const nodes = [node("a"), node("b")];
    const bound = [pod("busy", { cpu: "900m", node: "a" })];
    const plain = pod("p", { cpu: "500m", priority: 1000 });
    expect(schedule(plain, nodeInfos(nodes, bound), V)).toEqual({ node: "b" });
    const nominated: Pod = { ...plain, status: { phase: "Pending", nominatedNodeName: "a" } };
    expect(schedule(nominated, nodeInfos(nodes, bound), V)).toEqual({ node: "a" });
    // It no longer fits there: the other nodes are tried as usual.
    const big: Pod = { ...pod("p", { cpu: "1500m", priority: 1000 }), status: nominated.status };
    expect(schedule(big, nodeInfos(nodes, bound), V)).toEqual({ node: "b" });
  });

  it("preemption makes room for the nominated pods of its priority or higher as well", () => {
    const nominations = new Nominations();
    nominations.set(pod("first", { cpu: "900m", priority: 1000 }), "a");
    const r = attempt(
      pod("second", { cpu: "900m", priority: 1000 }),
      [node("a")],
      [pod("l1", { cpu: "900m", node: "a" }), pod("l2", { cpu: "900m", node: "a" })],
      { nominations },
    );
    expect(r).toMatchObject({ nominatedNode: "a" });
    expect(names((r as { victims?: Pod[] }).victims).sort()).toEqual(["l1", "l2"]);
  });
});

describe("PodDisruptionBudgets", () => {
  const pdb = (
    name: string,
    app: string,
    allowed: number,
    disrupted: string[] = [],
  ): PodDisruptionBudget => ({
    metadata: { name, namespace: "default" },
    spec: { selector: { matchLabels: { app } } },
    status: {
      disruptionsAllowed: allowed,
      currentHealthy: 0,
      desiredHealthy: 0,
      expectedPods: 0,
      disruptedPods: Object.fromEntries(disrupted.map((n) => [n, "2025-06-01T11:00:00Z"])),
    },
  });

  it("each pod takes one from its budgets in order; past zero it violates", () => {
    const pods = ["w1", "w2", "w3"].map((n) => pod(n, { labels: { app: "web" }, node: "a" }));
    const other = pod("o", { labels: { app: "db" }, node: "a" });
    const bare = pod("bare", { node: "a" });
    const split = splitByBudgets([...pods, other, bare], [pdb("web", "web", 1, ["w2"])]);
    // w1 takes the one allowed disruption, w2 is already disrupted, w3 violates.
    expect(names(split.violating)).toEqual(["w3"]);
    expect(names(split.nonViolating)).toEqual(["w1", "w2", "o", "bare"]);
    const empty: PodDisruptionBudget = {
      metadata: { name: "all", namespace: "default" },
      spec: { selector: {} },
    };
    expect(splitByBudgets(pods, [empty]).violating).toEqual([]);
  });

  it("the budget's pods are reprieved first, and a node without violations is preferred", () => {
    const nodes = [node("a")];
    const bound = [
      pod("x", { cpu: "900m", node: "a", labels: { app: "x" }, started: "2025-06-01T11:00:00Z" }),
      pod("y", { cpu: "900m", node: "a", started: "2025-06-01T09:00:00Z" }),
    ];
    const want = pod("p", { cpu: "1000m", priority: 1000 });
    // Without a budget y (started first) is the more important and stays.
    expect(names((attempt(want, nodes, bound) as { victims?: Pod[] }).victims)).toEqual(["x"]);
    // x's budget allows nothing: x is reprieved first, y goes.
    expect(
      names((attempt(want, nodes, bound, { budgets: [pdb("x", "x", 0)] }) as { victims?: Pod[] }).victims),
    ).toEqual(["y"]);
    // Two nodes, each needing one victim: the one whose victim has no budget wins, though it
    // comes second.
    const two = attempt(
      want,
      [node("a"), node("b")],
      [pod("ax", { cpu: "1800m", node: "a", labels: { app: "x" } }), pod("by", { cpu: "1800m", node: "b" })],
      { budgets: [pdb("x", "x", 0)] },
    );
    expect(two).toMatchObject({ nominatedNode: "b", victims: [{ metadata: { name: "by" } }] });
  });
});

describe("pickOneNodeForPreemption's order", () => {
  const c = (node: string, violations: number, ...victims: [number, string?][]): Candidate => ({
    node,
    violations,
    victims: victims.map(([priority, started], i) =>
      pod(`${node}${i}`, { priority, node, ...(started ? { started } : {}) }),
    ),
  });
  it("fewest violations, lowest top priority, smallest sum, fewest victims, latest start, first", () => {
    expect(pickCandidate([c("a", 1, [0]), c("b", 0, [100])], NOW)?.node).toBe("b");
    expect(pickCandidate([c("a", 0, [100]), c("b", 0, [50], [50])], NOW)?.node).toBe("b");
    expect(pickCandidate([c("a", 0, [50], [40]), c("b", 0, [50], [10])], NOW)?.node).toBe("b");
    // Negative priorities: the offset makes two victims weigh more than one.
    expect(pickCandidate([c("a", 0, [-5], [-5]), c("b", 0, [-5])], NOW)?.node).toBe("b");
    expect(
      pickCandidate([c("a", 0, [0, "2025-06-01T09:00:00Z"]), c("b", 0, [0, "2025-06-01T11:00:00Z"])], NOW)
        ?.node,
    ).toBe("b");
    expect(pickCandidate([c("a", 0, [0]), c("b", 0, [0])], NOW)?.node).toBe("a");
    expect(pickCandidate([], NOW)).toBeUndefined();
  });
});

describe("what a victim gets", () => {
  const victim = pod("v", { node: "n1" });
  const preemptor = pod("p", { priority: 1000 });
  it("DisruptionTarget for PreemptionByScheduler in the scheduler's words", () => {
    const st = victimStatus(victim, preemptor, "2025-06-01T12:00:00Z");
    expect(st.conditions).toEqual([
      {
        type: "DisruptionTarget",
        status: "True",
        lastTransitionTime: "2025-06-01T12:00:00Z",
        reason: "PreemptionByScheduler",
        message: "default-scheduler: preempting to accommodate a higher priority pod",
      },
    ]);
    expect(st.phase).toBe("Running");
  });

  it("the Preempted event names the preemptor's uid from 1.29, nobody before", () => {
    const e = preemptedEvent(victim, preemptor, "n1", "v1.33.5", "2025-06-01T12:00:00Z");
    expect(e).toMatchObject({
      type: "Normal",
      reason: "Preempted",
      action: "Preempting",
      message: "Preempted by pod uid-p on node n1",
      involvedObject: { kind: "Pod", name: "v", namespace: "default", uid: "uid-v" },
      related: { kind: "Pod", name: "p", namespace: "default", uid: "uid-p" },
      source: { component: "default-scheduler" },
    });
    expect(preemptedEvent(victim, preemptor, "n1", "v1.28.3", "2025-06-01T12:00:00Z").message).toBe(
      "Preempted by a pod on node n1",
    );
  });
});
