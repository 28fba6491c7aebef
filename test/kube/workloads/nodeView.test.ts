// The scheduler's node view kept between passes (NodeView) must account exactly what a view
// built afresh from the same nodes and pods (nodeInfos) does, whatever happened in between.
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import { labelSelectorRequirements } from "../../../src/kube/selectors.js";
import { type NodeInfos, NodeView, nodeInfos } from "../../../src/kube/workloads/scheduler.js";
import type { Selector } from "../../../src/kube/workloads/topologySpread.js";

function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  return { int: (n: number) => Math.floor(next() * n), chance: (p: number) => next() < p };
}

const nodeNamed = (name: string, pods = "110"): Node => ({
  metadata: { name, labels: { "kubernetes.io/hostname": name } },
  status: { allocatable: { cpu: "4", memory: "8Gi", pods } },
});

let uid = 0;
function newPod(r: ReturnType<typeof rng>): Pod {
  uid++;
  return {
    metadata: {
      name: `p${uid}`,
      namespace: r.chance(0.8) ? "default" : "other",
      uid: `u${uid}`,
      labels: { app: r.chance(0.5) ? "a" : "b" },
    },
    spec: {
      containers: [
        {
          name: "c",
          resources: r.chance(0.5)
            ? { requests: { cpu: `${1 + r.int(300)}m`, memory: `${1 + r.int(64)}Mi` } }
            : {},
          ports: r.chance(0.4)
            ? [{ containerPort: 80, hostPort: 40000 + r.int(20), protocol: r.chance(0.5) ? "TCP" : "UDP" }]
            : [],
        },
      ],
    },
  };
}

/** The accounting a pass reads, comparable across two views. */
function accounting(infos: NodeInfos) {
  const sel: Selector = {
    reqs: labelSelectorRequirements({ matchLabels: { app: "a" } }) ?? null,
    key: "app=a",
  };
  const perNode = infos.spread.perNode("default", sel);
  return [...infos].map(([name, i]) => ({
    name,
    pods: i.pods,
    requested: i.requested,
    nonZero: i.nonZeroRequested,
    ports: i.ports.map((u) => `${u.protocol}/${u.port}/${u.hostIP}`).sort(),
    holders: [...infos.portHolders]
      .filter(([, set]) => set.has(i))
      .map(([k]) => k)
      .sort(),
    spread: perNode.get(name) ?? 0,
  }));
}

describe("the scheduler's node view between passes", () => {
  it("accounts what a fresh view of the same nodes and pods accounts, through random histories", () => {
    let reused = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      let nodes = [nodeNamed("n1"), nodeNamed("n2"), nodeNamed("n3")];
      let pods: Pod[] = [];
      const view = new NodeView();
      for (let step = 0; step < 12; step++) {
        const before = view.current(nodes, pods);
        // A pass: some pending pods bound (in the view); most bindings land in the store.
        for (const p of pods.filter((x) => !x.spec?.nodeName)) {
          if (!r.chance(0.7)) continue;
          const node = `n${1 + r.int(3)}`;
          view.bind(p, node);
          if (r.chance(0.9))
            pods = pods.map((x) =>
              x === p
                ? { ...p, spec: { ...p.spec, containers: p.spec?.containers ?? [], nodeName: node } }
                : x,
            );
        }
        // Then the world moves on.
        for (let n = r.int(4); n > 0; n--) pods.push(newPod(r));
        const op = r.int(10);
        const i = pods.length ? r.int(pods.length) : -1;
        if (i >= 0 && op === 0) pods.splice(i, 1);
        else if (i >= 0 && op === 1) pods[i] = { ...pods[i], status: { phase: "Succeeded" } };
        else if (i >= 0 && op === 2)
          pods[i] = { ...pods[i], metadata: { ...pods[i].metadata, labels: { app: "a" } } };
        else if (i >= 0 && op === 3)
          pods[i] = {
            ...pods[i],
            metadata: { ...pods[i].metadata, deletionTimestamp: "2026-01-01T00:00:00Z" },
          };
        else if (op === 4) nodes = [...nodes.slice(0, 2), nodeNamed("n3", "3")];
        else if (i >= 0 && op === 5) pods[i] = { ...pods[i], status: { phase: "Running" } }; // a status write: nothing to rebuild
        const got = view.current(nodes, pods);
        if (got === before) reused++;
        expect(accounting(got), `seed ${seed} step ${step}`).toEqual(accounting(nodeInfos(nodes, pods)));
      }
    }
    // The point of the view: most passes extend the one before.
    expect(reused).toBeGreaterThan(1000);
  });
});
