import type { Node } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import {
  buildNode,
  kubeReservedCpuMilli,
  memoryReservation,
  type NodeSource,
  nodeResources,
  parseTaint,
  reconcileNodeObjects,
  reconcileNodes,
  unschedulableTaints,
} from "../../../src/kube/workloads/index.js";
import { computerName } from "../../../src/providers/containerservice/model.js";
import { pool } from "./harness.js";

const VMSS =
  "/subscriptions/sub1/resourceGroups/MC_rg_aks1_eastus/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss";

function source(
  over: Partial<NodeSource["instance"]> = {},
  poolOver: Parameters<typeof pool>[0] = { name: "nodepool1", count: 1, mode: "System", maxPods: 110 },
  plugin: "kubenet" | "azure" = "kubenet",
): NodeSource {
  return {
    subscriptionId: "sub1",
    cluster: { location: "eastus", nodeResourceGroup: "MC_rg_aks1_eastus", network: { plugin } },
    pool: pool(poolOver),
    instance: {
      vmssId: VMSS,
      instanceId: 3,
      computerName: computerName("aks-nodepool1-12345678-vmss", 3),
      nodeIp: "10.224.0.7",
      podCidr: "10.244.3.0/24",
      ...over,
    },
    now: "2026-01-12T18:00:00Z",
  };
}

const MiB = 2 ** 20;

describe("capacity and allocatable (AKS reservations)", () => {
  it("Standard_DS2_v2, maxPods 110, 1.33: 2 cores − 100m, 7 GiB − min(2250Mi, 25%) − 100Mi", () => {
    const r = nodeResources("Standard_DS2_v2", 110, "v1.33.5");
    expect(r.capacity).toEqual({
      cpuMilli: 2000,
      memoryBytes: 7 * 1024 * MiB,
      pods: 110,
      ephemeralBytes: 128 * 1024 * MiB,
    });
    expect(r.allocatable.cpuMilli).toBe(1900);
    expect(r.allocatable.memoryBytes).toBe((7168 - 1792 - 100) * MiB);
  });

  it("the maxPods formula wins when it is below 25 %; the pre-1.29 regressive formula", () => {
    expect(memoryReservation(16 * 1024 * MiB, 30, "1.30.0")).toEqual({
      kubeReserved: 650 * MiB,
      eviction: 100 * MiB,
    });
    // 25% of 4 GiB + 20% of 4 GiB + 10% of 8 GiB = 1024 + 819.2 + 819.2 MiB for 16 GiB.
    expect(memoryReservation(16 * 1024 * MiB, 30, "1.28.9")).toEqual({
      kubeReserved: Math.floor(2662.4 * MiB),
      eviction: 750 * MiB,
    });
    expect([1, 2, 4, 8, 16, 32, 64].map(kubeReservedCpuMilli)).toEqual([60, 100, 140, 180, 260, 420, 740]);
  });
});

describe("Node object", () => {
  it("names, labels, spec and status as AKS shows them (kubenet, system pool)", () => {
    const n = buildNode(
      source(
        { publicIp: "20.1.2.3" },
        { name: "nodepool1", count: 1, mode: "System", maxPods: 110, nodeLabels: { team: "a" } },
      ),
    );
    expect(n.metadata?.name).toBe("aks-nodepool1-12345678-vmss000003");
    expect(n.metadata?.labels).toMatchObject({
      agentpool: "nodepool1",
      team: "a",
      "kubernetes.azure.com/agentpool": "nodepool1",
      "kubernetes.azure.com/mode": "system",
      "kubernetes.azure.com/cluster": "MC_rg_aks1_eastus",
      "node.kubernetes.io/instance-type": "Standard_DS2_v2",
      "beta.kubernetes.io/instance-type": "Standard_DS2_v2",
      "beta.kubernetes.io/os": "linux",
      "beta.kubernetes.io/arch": "amd64",
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      "kubernetes.io/hostname": "aks-nodepool1-12345678-vmss000003",
      "topology.kubernetes.io/region": "eastus",
      "topology.kubernetes.io/zone": "0",
    });
    expect(n.spec).toEqual({
      podCIDR: "10.244.3.0/24",
      podCIDRs: ["10.244.3.0/24"],
      providerID:
        "azure:///subscriptions/sub1/resourceGroups/mc_rg_aks1_eastus/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss/virtualMachines/3",
    });
    expect(n.status?.addresses).toEqual([
      { type: "InternalIP", address: "10.224.0.7" },
      { type: "Hostname", address: "aks-nodepool1-12345678-vmss000003" },
      { type: "ExternalIP", address: "20.1.2.3" },
    ]);
    expect(n.status?.capacity).toEqual({
      cpu: "2",
      "ephemeral-storage": "134217728Ki",
      "hugepages-1Gi": "0",
      "hugepages-2Mi": "0",
      memory: "7340032Ki",
      pods: "110",
    });
    expect(n.status?.allocatable).toMatchObject({ cpu: "1900m", memory: "5402624Ki", pods: "110" });
    expect(n.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["NetworkUnavailable", "False", "RouteCreated"],
      ["MemoryPressure", "False", "KubeletHasSufficientMemory"],
      ["DiskPressure", "False", "KubeletHasNoDiskPressure"],
      ["PIDPressure", "False", "KubeletHasSufficientPID"],
      ["Ready", "True", "KubeletReady"],
    ]);
    expect(n.status?.nodeInfo).toMatchObject({
      kubeletVersion: "v1.33.5",
      kubeProxyVersion: "",
      containerRuntimeVersion: "containerd://1.7.25-1",
      osImage: "Ubuntu 22.04.5 LTS",
      operatingSystem: "linux",
      architecture: "amd64",
    });
  });

  it("gateway pools carry the kube-egress-gateway taint and labels; nodeTaints are parsed", () => {
    const gw = buildNode(
      source(
        {},
        {
          name: "gwpool",
          count: 2,
          mode: "Gateway",
          maxPods: 30,
          nodeTaints: ["dedicated=egress:NoExecute", "spot:PreferNoSchedule"],
        },
      ),
    );
    expect(gw.spec?.taints).toEqual([
      { key: "dedicated", value: "egress", effect: "NoExecute" },
      { key: "spot", effect: "PreferNoSchedule" },
      { key: "kubeegressgateway.azure.com/mode", value: "true", effect: "NoSchedule" },
    ]);
    expect(gw.metadata?.labels?.["kubernetes.azure.com/mode"]).toBe("gateway");
    expect(gw.metadata?.labels?.["kubeegressgateway.azure.com/mode"]).toBe("true");
    expect(() => parseTaint("bad")).toThrow("invalid taint 'bad'");
  });

  it("Azure CNI nodes have no podCIDR and no NetworkUnavailable; arm64 and zones come from the pool", () => {
    const n = buildNode(
      source({}, { name: "arm", count: 1, vmSize: "Standard_D4ps_v5", maxPods: 30 }, "azure"),
    );
    expect(n.spec?.podCIDR).toBeUndefined();
    expect(n.status?.conditions?.[0].type).toBe("MemoryPressure");
    expect(n.metadata?.labels?.["kubernetes.io/arch"]).toBe("arm64");
    const z = source();
    z.pool.passthrough.availabilityZones = ["1", "2", "3"];
    expect(buildNode(z).metadata?.labels?.["topology.kubernetes.io/zone"]).toBe("eastus-1");
  });
});

describe("reconcileNodes", () => {
  it("creates missing nodes, deletes nodes of removed instances, leaves foreign nodes alone", () => {
    const a = source({ instanceId: 0, computerName: computerName("aks-nodepool1-12345678-vmss", 0) });
    const b = source({ instanceId: 1, computerName: computerName("aks-nodepool1-12345678-vmss", 1) });
    const first = reconcileNodes([a, b], []);
    expect(first.map((x) => [x.op, x.op === "delete" ? x.name : x.object.metadata?.name])).toEqual([
      ["create", "aks-nodepool1-12345678-vmss000000"],
      ["create", "aks-nodepool1-12345678-vmss000001"],
    ]);
    const observed = first.map((x) => (x.op === "create" ? (x.object as Node) : {}));
    expect(reconcileNodes([a, b], observed)).toEqual([]);
    const foreign: Node = { metadata: { name: "virtual-node-aci-linux" } };
    expect(reconcileNodes([a], [...observed, foreign])).toEqual([
      { op: "delete", resource: "core/nodes", namespace: "", name: "aks-nodepool1-12345678-vmss000001" },
    ]);
  });

  it("relabels when the pool's labels change and keeps what others set (cordon)", () => {
    const s = source();
    const [created] = reconcileNodes([s], []);
    const cur = created.op === "create" ? (created.object as Node) : {};
    const cordoned = { ...cur, spec: { ...cur.spec, unschedulable: true } };
    expect(reconcileNodes([s], [cordoned])).toEqual([]);
    const relabelled = source(
      {},
      { name: "nodepool1", count: 1, mode: "System", maxPods: 110, nodeLabels: { env: "prod" } },
    );
    const [upd] = reconcileNodes([relabelled], [cordoned]);
    expect(upd.op).toBe("update");
    if (upd.op !== "update") return;
    const n = upd.object as Node;
    expect(n.metadata?.labels?.env).toBe("prod");
    expect(n.spec?.unschedulable).toBe(true);
  });

  it("a pool label Kubernetes would refuse (`__proto__`, a space) is left off; the Node is still made", () => {
    const s = source(
      {},
      {
        name: "nodepool1",
        count: 1,
        mode: "System",
        maxPods: 110,
        nodeLabels: JSON.parse('{"__proto__":"x","bad key":"y","team":"not ok!","env":"prod"}'),
      },
    );
    const [created] = reconcileNodes([s], []);
    expect(created.op).toBe("create");
    const labels = (created.op === "create" ? (created.object as Node) : {}).metadata?.labels ?? {};
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(labels.env).toBe("prod");
    for (const k of ["__proto__", "bad key", "team"]) expect(Object.hasOwn(labels, k)).toBe(false);
  });
});

describe("Windows nodes", () => {
  it("keep another 2 GiB for system processes", () => {
    const l = nodeResources("Standard_D4s_v3", 30, "1.33.5");
    const w = nodeResources("Standard_D4s_v3", 30, "1.33.5", "windows");
    expect(l.allocatable.memoryBytes - w.allocatable.memoryBytes).toBe(2 * 1024 * MiB);
    expect(l.allocatable.memoryBytes).toBe((16 * 1024 - 650 - 100) * MiB);
  });
});

describe("cordon (node lifecycle controller)", () => {
  const node = (name: string, spec: Node["spec"] = {}): Node => ({
    metadata: { name, labels: {} },
    spec,
    status: {},
  });
  const TAINT = {
    key: "node.kubernetes.io/unschedulable",
    effect: "NoSchedule",
    timeAdded: "2026-01-01T00:00:00Z",
  };

  it("taints a cordoned node, untaints an uncordoned one, leaves the rest", () => {
    const actions = unschedulableTaints(
      [
        node("a", { unschedulable: true }),
        node("b", { taints: [TAINT] }),
        node("c"),
        node("d", { unschedulable: true, taints: [TAINT] }),
      ],
      "2026-02-02T00:00:00Z",
    );
    expect(
      actions.map((a) =>
        a.op === "update" ? [a.object.metadata?.name, (a.object as Node).spec?.taints] : a.op,
      ),
    ).toEqual([
      [
        "a",
        [
          {
            key: "node.kubernetes.io/unschedulable",
            effect: "NoSchedule",
            timeAdded: "2026-02-02T00:00:00Z",
          },
        ],
      ],
      ["b", undefined],
    ]);
  });

  it("the scale-set sync keeps the cordon taint next to the pool's taints", () => {
    const built = node("a", { taints: [{ key: "pool", value: "x", effect: "NoSchedule" }] });
    const cur = node("a", {
      unschedulable: true,
      taints: [{ key: "pool", value: "x", effect: "NoSchedule" }, TAINT],
    });
    expect(reconcileNodeObjects([built], [cur], /^a$/)).toEqual([]);
    const relabelled = { ...built, metadata: { name: "a", labels: { new: "1" } } };
    const [update] = reconcileNodeObjects([relabelled], [cur], /^a$/);
    expect(update.op === "update" && (update.object as Node).spec?.taints).toEqual([
      { key: "pool", value: "x", effect: "NoSchedule" },
      TAINT,
    ]);
  });
});
