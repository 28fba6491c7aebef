// The usage model of the simulated metrics-server (kube/metrics.ts).
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import {
  containerUsage,
  cpuQuantity,
  listMetrics,
  type MetricsSource,
  memoryQuantity,
  nodeMetrics,
} from "../../src/kube/metrics.js";

const pod = (
  name: string,
  annotations: Record<string, string>,
  requests: string[],
  phase = "Running",
): Pod => ({
  metadata: { name, namespace: "default", annotations, labels: { app: name } },
  spec: {
    nodeName: "n1",
    containers: requests.map((cpu, i) => ({ name: `c${i}`, resources: cpu ? { requests: { cpu } } : {} })),
  },
  status: { phase },
});
const node = (name: string, ready: boolean): Node => ({
  metadata: { name, labels: { pool: "a" } },
  status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});

describe("usage model", () => {
  it("an idle container uses 1m and 1Mi", () => {
    expect(containerUsage(pod("a", {}, ["100m"]))).toEqual([
      { name: "c0", cpu: 1_000_000, memory: 1_048_576 },
    ]);
  });
  it("the pod's annotation is shared by request, the remainder to the first; a container's own wins", () => {
    const u = containerUsage(
      pod("a", { "aksnet.io/cpu-usage": "1", "aksnet.io/memory-usage": "3" }, ["100m", "200m"]),
    );
    expect(u.map((x) => [x.cpu, x.memory])).toEqual([
      // cpu by request; memory (no memory requests) evenly, the remainder to the first.
      [333_333_334, 2],
      [666_666_666, 1],
    ]);
    const own = containerUsage(
      pod("a", { "aksnet.io/cpu-usage": "300m", "aksnet.io/cpu-usage.c1": "50m" }, ["100m", "100m"]),
    );
    expect(own.map((x) => x.cpu)).toEqual([250_000_000, 50_000_000]);
  });
  it("no requests: shared evenly; a malformed value is ignored", () => {
    expect(containerUsage(pod("a", { "aksnet.io/cpu-usage": "10m" }, ["", ""])).map((x) => x.cpu)).toEqual([
      5_000_000, 5_000_000,
    ]);
    expect(containerUsage(pod("a", { "aksnet.io/cpu-usage": "lots" }, [""]))[0].cpu).toBe(1_000_000);
  });
  it("quantities as metrics-server prints them", () => {
    expect(cpuQuantity(250_000_000)).toBe("250m");
    expect(cpuQuantity(1_234_567)).toBe("1234567n");
    expect(cpuQuantity(2_000_000_000)).toBe("2");
    expect(memoryQuantity(100 * 2 ** 20)).toBe("100Mi");
    expect(memoryQuantity(12_345 * 1024)).toBe("12345Ki");
    expect(memoryQuantity(1000)).toBe("1k");
    expect(memoryQuantity(0)).toBe("0");
  });
  it("a node's usage is its running pods' sum", () => {
    const pods = [
      pod("a", { "aksnet.io/cpu-usage": "200m" }, ["1"]),
      pod("b", {}, ["1"]),
      pod("c", {}, ["1"], "Pending"),
    ];
    expect(nodeMetrics(node("n1", true), pods, 0).usage).toEqual({ cpu: "201m", memory: "2Mi" });
  });
  it("only Running pods on Ready nodes have metrics; selectors apply", async () => {
    const nodes = [node("n1", true), node("n2", false)];
    const pods = [
      pod("a", {}, ["1"]),
      pod("b", {}, ["1"], "Pending"),
      { ...pod("c", {}, ["1"]), spec: { ...pod("c", {}, ["1"]).spec, nodeName: "n2" } } as Pod,
    ];
    const src: MetricsSource = {
      nodes: async () => nodes,
      node: async (n) => nodes.find((x) => x.metadata?.name === n),
      pods: async () => pods,
      pod: async (_ns, n) => pods.find((x) => x.metadata?.name === n),
    };
    const names = (l: Record<string, unknown>) =>
      (l.items as { metadata: { name: string } }[]).map((x) => x.metadata.name);
    expect(names(await listMetrics(src, "pods", "default", {}, 0))).toEqual(["a"]);
    expect(names(await listMetrics(src, "nodes", undefined, {}, 0))).toEqual(["n1"]);
    expect(names(await listMetrics(src, "pods", undefined, { labelSelector: "app=b" }, 0))).toEqual([]);
    expect(
      names(await listMetrics(src, "pods", undefined, { fieldSelector: "metadata.name!=a" }, 0)),
    ).toEqual([]);
  });
});
