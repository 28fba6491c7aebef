// Random scale / deploy / roll / delete / pool-resize sequences, applied through the pure
// controllers, scheduler, host-port admission, IPAM and kubelet (via the harness), never
// share a pod address or a host port — checked after every single controller round, not only
// once things settle. Node pod blocks are /29 here (5 usable addresses for maxPods 6) so
// host-local's next-fit wraps around, reuses freed addresses, and sometimes runs out
// (FailedCreatePodSandBox) within a run.
import fc from "fast-check";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import { describe, expect, it } from "vitest";
import { hostPortsOf } from "../../../src/kube/workloads/index.js";
import { containsIp, parseCidr, parseIp } from "../../../src/net/index.js";
import { Cluster, echoserverDeployment, type Plugin } from "./harness.js";

type Op =
  | { kind: "deploy"; app: number; replicas: number; autoPorts: boolean; fixedPort: boolean }
  | { kind: "scale"; app: number; replicas: number }
  | { kind: "roll"; app: number }
  | { kind: "delete"; app: number }
  | { kind: "pool"; count: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("deploy" as const),
    app: fc.integer({ min: 0, max: 3 }),
    replicas: fc.integer({ min: 0, max: 8 }),
    autoPorts: fc.boolean(),
    fixedPort: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("scale" as const),
    app: fc.integer({ min: 0, max: 3 }),
    replicas: fc.integer({ min: 0, max: 10 }),
  }),
  fc.record({ kind: fc.constant("roll" as const), app: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant("delete" as const), app: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant("pool" as const), count: fc.integer({ min: 1, max: 4 }) }),
);

function deployment(op: Extract<Op, { kind: "deploy" }>): Deployment {
  const name = `app${op.app}`;
  const d = echoserverDeployment(op.replicas, name);
  const tpl = d.spec?.template;
  if (!op.autoPorts && tpl?.metadata) tpl.metadata.annotations = {};
  if (op.fixedPort)
    tpl?.spec?.containers[0].ports?.push({
      name: "metrics",
      containerPort: 9100,
      hostPort: 9100,
      protocol: "TCP",
    });
  return d;
}

function apply(c: Cluster, op: Op, version: { n: number }): void {
  const key = `default/app${"app" in op ? op.app : 0}`;
  const d = c.deployments.get(key);
  switch (op.kind) {
    case "deploy":
      if (!d) c.create("apps/deployments", deployment(op));
      return;
    case "scale":
      if (d)
        c.deployments.set(key, {
          ...d,
          spec: { ...(d.spec as NonNullable<Deployment["spec"]>), replicas: op.replicas },
        });
      return;
    case "roll":
      if (d?.spec) {
        const tpl = structuredClone(d.spec.template);
        if (tpl.spec) tpl.spec.containers[0].image = `k8s.gcr.io/echoserver:1.${++version.n}`;
        c.deployments.set(key, { ...d, spec: { ...d.spec, template: tpl } });
      }
      return;
    case "delete":
      c.remove("apps/deployments", "default", `app${op.app}`);
      return;
    case "pool":
      c.setPool({ name: "np", count: op.count, maxPods: 6 });
  }
}

function checkInvariants(c: Cluster, plugin: Plugin): void {
  const pods = c.livePods();
  // 1. No two pods share an address; no pod has a node's address (none here use hostNetwork).
  const nodeIps = new Set(
    [...c.nodes.values()].flatMap((n) => n.status?.addresses?.map((a) => a.address) ?? []),
  );
  const ips = pods.map((p) => p.status?.podIP).filter((ip): ip is string => !!ip);
  expect(new Set(ips).size).toBe(ips.length);
  for (const ip of ips) expect(nodeIps.has(ip)).toBe(false);
  // 2. Auto-assigned host ports are unique across the cluster.
  const auto = pods.flatMap((p) =>
    hostPortsOf(p)
      .filter((u) => u.port >= 40000 && u.port <= 59999)
      .map((u) => u.port),
  );
  expect(new Set(auto).size).toBe(auto.length);
  // 3. On each node, no two bound pods hold the same host port + protocol.
  const perNode = new Map<string, Set<string>>();
  for (const p of pods) {
    const n = p.spec?.nodeName;
    if (!n) continue;
    const used = perNode.get(n) ?? new Set<string>();
    for (const u of hostPortsOf(p)) {
      const k = `${u.protocol}/${u.port}`;
      expect(used.has(k)).toBe(false);
      used.add(k);
    }
    perNode.set(n, used);
  }
  // 4. Addresses come from the right place; nothing runs on the gateway pool.
  for (const p of pods) {
    const node = c.nodes.get(p.spec?.nodeName ?? "");
    if (p.spec?.nodeName) expect(node).toBeDefined();
    expect(node?.metadata?.labels?.["kubernetes.azure.com/mode"]).not.toBe("gateway");
    const ip = p.status?.podIP;
    if (!ip || !node) continue;
    if (plugin === "azure") expect(ip.startsWith("10.240.")).toBe(true);
    else expect(containsIp(parseCidr(node.spec?.podCIDR ?? ""), parseIp(ip))).toBe(true);
    // Every bound pod respects maxPods (6).
  }
  for (const [n] of perNode) expect(pods.filter((p) => p.spec?.nodeName === n).length).toBeLessThanOrEqual(6);
}

describe("property: scale/deploy/delete sequences never share an address or a host port", () => {
  for (const plugin of ["kubenet", "azure", "azure-overlay"] as const) {
    it(`${plugin}`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(opArb, fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 12 }),
          fc.integer(),
          (ops, seed) => {
            const c = new Cluster(
              plugin,
              [
                { name: "np", count: 2, maxPods: 6 },
                { name: "gw", count: 1, mode: "Gateway", maxPods: 6 },
              ],
              seed,
              true,
              29,
            );
            const version = { n: 10 };
            for (const [op, rounds] of ops) {
              apply(c, op, version);
              for (let i = 0; i < rounds; i++) {
                c.step();
                checkInvariants(c, plugin);
              }
            }
            c.settle();
            checkInvariants(c, plugin);
            // Settled with room to spare: every Deployment has exactly its replicas, all Running.
            // (With an unschedulable pod a rollout may stall, as it does on a real cluster
            // when maxUnavailable is 0 and the surge pod has nowhere to go.)
            if (c.livePods().some((p) => p.status?.phase === "Pending")) return;
            for (const p of c.livePods()) expect(p.status?.phase).toBe("Running");
            for (const d of c.deployments.values()) {
              const want = d.spec?.replicas ?? 1;
              const mine = c.livePods().filter((p) => p.metadata?.labels?.app === d.metadata?.name);
              expect(mine.length).toBe(want);
            }
          },
        ),
        { numRuns: Number(process.env.PROPERTY_RUNS ?? 40) },
      );
    });
  }
});
