// kube-scheduler's InterPodAffinity, as pure functions: the required terms filter (with
// FitError's wording per reason), existing pods' anti-affinity, the first pod of a self-affine
// series, namespaces, and the preferred terms' score.
import type { Node, Pod, PodAffinityTerm } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import { nodeInfos, schedule, scoreNodes } from "../../../src/kube/workloads/index.js";

const V = "v1.33.5";
const HOST = "kubernetes.io/hostname";
const ZONE = "topology.kubernetes.io/zone";

function node(name: string, zone?: string): Node {
  return {
    metadata: {
      name,
      labels: { "kubernetes.io/os": "linux", [HOST]: name, ...(zone ? { [ZONE]: zone } : {}) },
    },
    spec: {},
    status: { allocatable: { cpu: "4", memory: "16Gi", pods: "110" } },
  };
}

type Affinity = NonNullable<NonNullable<Pod["spec"]>["affinity"]>;

function pod(
  name: string,
  labels: Record<string, string>,
  opts: { affinity?: Affinity; node?: string; namespace?: string } = {},
): Pod {
  return {
    metadata: { name, namespace: opts.namespace ?? "default", labels, uid: name },
    spec: {
      containers: [{ name: "c", image: "nginx" }],
      ...(opts.affinity ? { affinity: opts.affinity } : {}),
      ...(opts.node ? { nodeName: opts.node } : {}),
    },
    status: { phase: opts.node ? "Running" : "Pending" },
  };
}

const term = (app: string, topologyKey = HOST, extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm => ({
  labelSelector: { matchLabels: { app } },
  topologyKey,
  ...extra,
});
const antiOn = (...terms: PodAffinityTerm[]): Affinity => ({
  podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms },
});
const preferring = (kind: "podAffinity" | "podAntiAffinity", weight: number, app: string): Affinity => ({
  [kind]: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight, podAffinityTerm: term(app) }] },
});
const withPods = (...terms: PodAffinityTerm[]): Affinity => ({
  podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms },
});

/** Schedules the pods one after another, binding each where it goes; returns nodes or messages. */
function place(nodes: Node[], bound: Pod[], pending: Pod[]): string[] {
  const infos = nodeInfos(nodes, bound);
  return pending.map((p) => {
    const r = schedule(p, infos, V);
    if (r.node === undefined) return r.message;
    infos.bind({ ...p, spec: { ...p.spec, containers: p.spec?.containers ?? [], nodeName: r.node } }, r.node);
    return r.node;
  });
}

describe("InterPodAffinity filter", () => {
  const two = [node("a"), node("b")];

  it("required anti-affinity on the hostname: one replica per node, the third stays Pending", () => {
    const web = (i: number) => pod(`web-${i}`, { app: "web" }, { affinity: antiOn(term("web")) });
    const out = place(two, [], [web(0), web(1), web(2)]);
    expect(out.slice(0, 2).sort()).toEqual(["a", "b"]);
    expect(out[2]).toBe(
      "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
    );
  });

  it("a placed pod's anti-affinity keeps matching pods off its topology domain", () => {
    const zoned = [node("a", "eastus-1"), node("b", "eastus-1"), node("c", "eastus-2")];
    const loner = pod("loner", { app: "loner" }, { affinity: antiOn(term("web", ZONE)), node: "a" });
    expect(place(zoned, [loner], [pod("web-0", { app: "web" })])).toEqual(["c"]);
    const full = [node("a", "eastus-1"), node("b", "eastus-1")];
    expect(place(full, [loner], [pod("web-0", { app: "web" })])).toEqual([
      "0/2 nodes are available: 2 node(s) didn't satisfy existing pods anti-affinity rules. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
    ]);
    // A pod the term does not select goes anywhere.
    expect(place(full, [loner], [pod("db-0", { app: "db" })])).toEqual(["b"]);
  });

  it("required affinity follows the matching pods' domain; none anywhere is unresolvable", () => {
    const zoned = [node("a", "eastus-1"), node("b", "eastus-2"), node("c", "eastus-2")];
    const db = pod("db-0", { app: "db" }, { node: "b" });
    const app = pod("app-0", { app: "app" }, { affinity: withPods(term("db", ZONE)) });
    const [where] = place(zoned, [db], [app]);
    expect(["b", "c"]).toContain(where);
    expect(place(zoned, [], [app])).toEqual([
      "0/3 nodes are available: 3 node(s) didn't match pod affinity rules. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    ]);
  });

  it("the first pod of a series with affinity to itself may start it (if the node has the key)", () => {
    const mixed = [
      node("a"),
      { ...node("b"), metadata: { name: "b", labels: { "kubernetes.io/os": "linux" } } },
    ];
    const cache = (i: number) =>
      pod(`cache-${i}`, { app: "cache" }, { affinity: withPods(term("cache", ZONE)) });
    const zoned = [node("a", "eastus-1"), node("b", "eastus-2")];
    const out = place(zoned, [], [cache(0), cache(1), cache(2)]);
    expect(new Set(out).size).toBe(1);
    // Nodes without the topology key never pass a required affinity term.
    expect(
      place(mixed, [], [pod("x", { app: "cache" }, { affinity: withPods(term("cache", ZONE)) })])[0],
    ).toMatch(/^0\/2 nodes are available: 2 node\(s\) didn't match pod affinity rules\./);
  });

  it("terms look in the pod's own namespace unless they name others or select them by label", () => {
    const other = pod("web-x", { app: "web" }, { node: "a", namespace: "shop" });
    const mine = (affinity: Affinity) => pod("web-0", { app: "web" }, { affinity });
    expect(place([node("a")], [other], [mine(antiOn(term("web")))])).toEqual(["a"]);
    expect(
      place([node("a")], [other], [mine(antiOn(term("web", HOST, { namespaces: ["shop"] })))])[0],
    ).toMatch(/didn't match pod anti-affinity rules/);
    const infos = nodeInfos([node("a")], [other]);
    infos.namespaces = new Map([
      ["default", undefined],
      ["shop", { team: "retail" }],
    ]);
    const bySelector = mine(
      antiOn(term("web", HOST, { namespaceSelector: { matchLabels: { team: "retail" } } })),
    );
    const r = schedule(bySelector, infos, V);
    expect(r.node === undefined && r.message).toMatch(/1 node\(s\) didn't match pod anti-affinity rules/);
    const everywhere = mine(antiOn(term("web", HOST, { namespaceSelector: {} })));
    expect(schedule(everywhere, infos, V).node).toBeUndefined();
  });
});

describe("InterPodAffinity score", () => {
  const two = [node("a"), node("b")];

  it("preferred affinity outweighs the emptier node; preferred anti-affinity the fuller one", () => {
    const cache = pod("cache-0", { app: "cache" }, { node: "b" });
    const near = pod("app-0", { app: "app" }, { affinity: preferring("podAffinity", 50, "cache") });
    const infos = nodeInfos(two, [cache]);
    const feasible = [...infos.values()];
    const s = Object.fromEntries(scoreNodes(near, feasible, infos, V));
    const plain = Object.fromEntries(scoreNodes(pod("p", {}), feasible, infos, V));
    // The same pod without affinity: node a, emptier, scores higher; with it, b gains 2 × 100.
    expect(plain.a).toBeGreaterThan(plain.b);
    expect(s.b - plain.b).toBe(200);
    expect(s.a - plain.a).toBe(0);
    expect(schedule(near, infos, V)).toEqual({ node: "b" });
    const away = pod("app-1", { app: "app" }, { affinity: preferring("podAntiAffinity", 10, "cache") });
    expect(schedule(away, nodeInfos(two, [cache, pod("busy", {}, { node: "a" })]), V)).toEqual({ node: "a" });
  });

  it("a placed pod's required affinity draws the pods it selects (hard pod affinity weight 1)", () => {
    const follower = pod("f-0", { app: "f" }, { node: "b", affinity: withPods(term("leader")) });
    const infos = nodeInfos(two, [follower]);
    const s = Object.fromEntries(scoreNodes(pod("l-0", { app: "leader" }), [...infos.values()], infos, V));
    const plain = Object.fromEntries(scoreNodes(pod("x", { app: "other" }), [...infos.values()], infos, V));
    expect(s.b - plain.b).toBe(200);
    expect(s.a - plain.a).toBe(0);
  });
});
