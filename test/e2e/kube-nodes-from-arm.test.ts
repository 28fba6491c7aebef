// Nodes built by kube/workloads from the records the ARM side really writes: clusters created
// through the SDK, then the cluster/pool/instance records read from the store and turned into
// Node objects. Their names, pod CIDRs, addresses, labels and taints must agree with what ARM
// shows for the same nodes (routes, NIC addresses, node public IPs, gateway taints).
import type { Node } from "kubernetes-types/core/v1.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildNode, nodeSourceFromArm } from "../../src/kube/workloads/index.js";
import {
  type ClusterInternal,
  POOL_TYPE,
  type PoolInternal,
} from "../../src/providers/containerservice/model.js";
import { type Clients, clusterBody, nodeRg, startClients } from "./aks-helpers.js";
import { pool, vmssPublicIPs } from "./aks-nodenet-helpers.js";

let c: Clients;
const RG = "kubenodes";

beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
});
afterAll(async () => {
  await c?.emu.close();
});

async function nodesOf(cluster: string): Promise<Node[]> {
  const clusterId = `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${cluster}`;
  return c.emu.store.transaction(async (tx) => {
    const rec = await tx.getResource(clusterId);
    const internal = rec?.internal as unknown as ClusterInternal;
    const pools = await tx.listResources({ type: POOL_TYPE, parentId: clusterId });
    const out: Node[] = [];
    for (const p of pools) {
      const pi = p.internal as unknown as PoolInternal;
      const insts = await tx.listResources({
        type: "Microsoft.Compute/virtualMachineScaleSets/virtualMachines",
        parentId: pi.vmssId,
      });
      for (const r of insts) {
        const ri = r.internal as { computerName: string; data?: Record<string, unknown> };
        const pipId = (ri.data?.networking as { publicIPAddressId?: string } | undefined)?.publicIPAddressId;
        const pip = pipId ? await tx.getResource(pipId) : undefined;
        const publicIp = (pip?.body.properties as { ipAddress?: string } | undefined)?.ipAddress;
        out.push(
          buildNode(
            nodeSourceFromArm({
              subscriptionId: c.emu.subscriptionId,
              cluster: internal,
              pool: pi,
              instance: {
                instanceId: Number(r.body.instanceId),
                computerName: ri.computerName,
                data: ri.data,
              },
              ...(publicIp ? { publicIp } : {}),
              now: "2026-01-12T18:00:00Z",
            }),
          ),
        );
      }
    }
    return out.sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
  });
}

describe("Nodes from the ARM records", () => {
  it("kubenet: names, pod CIDRs = the route table's routes, NIC and public addresses, pool labels and taints", async () => {
    const body = clusterBody({
      count: 2,
      pools: [{ ...pool({ count: 1, enableNodePublicIP: true }), name: "pubpool" }],
    });
    const extra = body.agentPoolProfiles?.[1];
    if (extra) {
      extra.nodeLabels = { team: "edge" };
      extra.nodeTaints = ["dedicated=edge:NoSchedule"];
    }
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "kn", body);
    const nodes = await nodesOf("kn");
    const MC = nodeRg(RG, "kn");
    expect(nodes.map((n) => n.metadata?.name)).toEqual([
      expect.stringMatching(/^aks-nodepool1-\d{8}-vmss000000$/),
      expect.stringMatching(/^aks-nodepool1-\d{8}-vmss000001$/),
      expect.stringMatching(/^aks-pubpool-\d{8}-vmss000000$/),
    ]);
    // Every node's podCIDR is the prefix of the route named after it, next hop its InternalIP.
    const tables: string[] = [];
    for await (const t of c.net.routeTables.list(MC)) tables.push(t.name ?? "");
    expect(tables).toHaveLength(1);
    const routes = new Map<string, { prefix?: string; hop?: string }>();
    for await (const r of c.net.routes.list(MC, tables[0]))
      routes.set(r.name ?? "", { prefix: r.addressPrefix, hop: r.nextHopIpAddress });
    for (const n of nodes) {
      const internal = n.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
      expect(routes.get(n.metadata?.name ?? "")).toEqual({ prefix: n.spec?.podCIDR, hop: internal });
      expect(n.spec?.podCIDRs).toEqual([n.spec?.podCIDR]);
      expect(n.status?.conditions?.find((x) => x.type === "Ready")?.status).toBe("True");
    }
    expect(new Set(nodes.map((n) => n.spec?.podCIDR)).size).toBe(3);
    // The public pool's node shows its node public IP as ExternalIP; the others have none.
    const vmssName = (nodes[2].metadata?.name ?? "").replace(/\w{6}$/, "");
    const pips = await vmssPublicIPs(c, MC, vmssName);
    expect(pips).toHaveLength(1);
    expect(nodes[2].status?.addresses?.find((a) => a.type === "ExternalIP")?.address).toBe(pips[0].ip);
    expect(nodes[0].status?.addresses?.some((a) => a.type === "ExternalIP")).toBe(false);
    expect(nodes[2].metadata?.labels).toMatchObject({
      team: "edge",
      agentpool: "pubpool",
      "kubernetes.azure.com/mode": "user",
    });
    expect(nodes[2].spec?.taints).toEqual([{ key: "dedicated", value: "edge", effect: "NoSchedule" }]);
    expect(nodes[0].metadata?.labels?.["kubernetes.azure.com/mode"]).toBe("system");
    expect(nodes[0].metadata?.labels?.["kubernetes.azure.com/cluster"]).toBe(MC);
  });

  it("Azure CNI: no pod CIDR; InternalIP is the NIC's primary address in the subnet", async () => {
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "cni",
      clusterBody({ plugin: "azure", count: 2, maxPods: 10 }),
    );
    const nodes = await nodesOf("cni");
    expect(nodes).toHaveLength(2);
    const MC = nodeRg(RG, "cni");
    const nicIps = new Set<string>();
    for await (const vmss of c.compute.virtualMachineScaleSets.list(MC))
      for await (const nic of c.net.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(
        MC,
        vmss.name ?? "",
      ))
        for (const ip of nic.ipConfigurations ?? []) if (ip.primary) nicIps.add(ip.privateIPAddress ?? "");
    for (const n of nodes) {
      expect(n.spec?.podCIDR).toBeUndefined();
      expect(nicIps.has(n.status?.addresses?.[0].address ?? "")).toBe(true);
      expect(n.status?.allocatable?.pods).toBe("10");
      expect(n.status?.conditions?.some((x) => x.type === "NetworkUnavailable")).toBe(false);
    }
  });
});
