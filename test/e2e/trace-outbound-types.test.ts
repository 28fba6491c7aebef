// `aksnet trace --from-pod` (POST /_aksnet/trace with fromPod) on clusters of each NAT / UDR outbound
// type, built with the SDKs and pods made with the real kubectl: the pod's normal egress leg is the
// node's egress (providers/views/nodeEgress.ts) — the managed NAT gateway's public IP, the user's NAT
// gateway's, or the route table's appliance (where the source the destination sees is the appliance's
// choice).
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PodTraceResult } from "../../src/kube/trace/podTrace.js";
import { tempDir } from "../helpers/emulator.js";
import { type KubeCluster, kubectl } from "../kube/kube-helpers.js";
import { until } from "../kube/workload-helpers.js";
import { type Clients, clusterBody, nodeRg, startClients, vnetWithSubnet } from "./aks-helpers.js";

let c: Clients;
const RG = "tracenat";
const LOC = "eastus";

async function kubeOf(name: string): Promise<KubeCluster> {
  const cred = await c.aks.managedClusters.listClusterUserCredentials(RG, name);
  const kubeconfig = Buffer.from(cred.kubeconfigs?.[0].value ?? new Uint8Array()).toString("utf8");
  const server = /server: (\S+)/.exec(kubeconfig)?.[1] ?? "";
  const token = /token: (\S+)/.exec(kubeconfig)?.[1] ?? "";
  const kubeconfigPath = path.join(tempDir("aksnet-kubeconfig-"), "config");
  fs.writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
  return {
    name,
    uid: server.split("/clusters/")[1],
    server,
    token,
    adminToken: token,
    kubeconfig,
    kubeconfigPath,
  };
}

const podJson = async (k: KubeCluster, name: string) =>
  JSON.parse((await kubectl(k, ["get", "pod", name, "-o", "json"])).stdout) as {
    status: { phase: string; podIP?: string; hostIP?: string };
  };

/** A running pod `p` in the cluster's default namespace; its status. */
async function runningPod(cluster: string) {
  const k = await kubeOf(cluster);
  const r = await kubectl(k, ["run", "p", "--image=nginx"]);
  expect(r.stderr).toBe("");
  return until(async () => {
    const p = await podJson(k, "p");
    return p.status.phase === "Running" ? p : undefined;
  }, 30_000);
}

async function trace(cluster: string, to: string): Promise<PodTraceResult> {
  const res = await fetch(`${c.emu.url}/_aksnet/trace`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await c.emu.token()}` },
    body: JSON.stringify({ resourceGroup: RG, cluster, fromPod: "default/p", to }),
  });
  const json = (await res.json()) as PodTraceResult;
  if (res.status !== 200) throw new Error(`trace answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** The hops other than routes to the Internet: [what, verdict, source]. */
const snatHops = (r: PodTraceResult) =>
  r.hops.filter((h) => h.what !== "route").map((h) => [h.what, h.verdict, h.source]);

beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate(RG, { location: LOC });
});
afterAll(async () => c?.emu.close());

describe("pod egress per outbound type", () => {
  it("managedNATGateway (kubenet): NAT to the node IP, then the managed NAT gateway's public IP", async () => {
    const b = clusterBody({ count: 1 });
    b.networkProfile = { ...b.networkProfile, outboundType: "managedNATGateway" };
    const mc = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "tn", b);
    const ipId = mc.networkProfile?.natGatewayProfile?.effectiveOutboundIPs?.[0]?.id ?? "";
    const natIp = (await c.net.publicIPAddresses.get(nodeRg(RG, "tn"), ipId.split("/").pop() ?? ""))
      .ipAddress;
    const pod = await runningPod("tn");
    const r = await trace("tn", "20.50.1.1:443/tcp");
    expect(r.verdict).toBe("Delivered");
    // (The default route hop to the Internet, when the trace shows it, is left out here.)
    expect(snatHops(r)).toEqual([
      ["NAT", "snat", pod.status.hostIP],
      ["NAT gateway", "snat", natIp],
    ]);
    expect(r.hops.find((h) => h.what === "NAT gateway")?.where).toMatch(/aks-natgw/);
    expect(r.egressIp).toBe(natIp);
    expect(r.summary).toContain(String(natIp));
  }, 60_000);

  it("userAssignedNATGateway and userDefinedRouting (Azure CNI, your subnet): the user's NAT gateway, then the appliance", async () => {
    const ip = await c.net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "ng-ip", {
      location: LOC,
      sku: { name: "Standard" },
    });
    const g = await c.net.natGateways.beginCreateOrUpdateAndWait(RG, "ng", {
      location: LOC,
      publicIpAddresses: [{ id: ip.id }],
    });
    const s = (await vnetWithSubnet(c, RG, "v", "10.93.0.0/16", { s: "10.93.0.0/22" })).s;
    await c.net.subnets.beginCreateOrUpdateAndWait(RG, "v", "s", {
      addressPrefix: "10.93.0.0/22",
      natGateway: { id: g.id },
    });
    const b = clusterBody({ count: 1, plugin: "azure", subnetId: s });
    b.networkProfile = { ...b.networkProfile, outboundType: "userAssignedNATGateway" };
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "tu", b);
    const pod = await runningPod("tu");
    const r = await trace("tu", "20.50.1.1:443/tcp");
    expect(snatHops(r)).toEqual([
      ["pod routing", "forward", pod.status.podIP],
      ["NAT gateway", "snat", ip.ipAddress],
    ]);
    expect(r.egressIp).toBe(ip.ipAddress);

    // → userDefinedRouting: the subnet's route table sends 0.0.0.0/0 to an appliance.
    const rt = await c.net.routeTables.beginCreateOrUpdateAndWait(RG, "rt", {
      location: LOC,
      routes: [
        {
          name: "fw",
          addressPrefix: "0.0.0.0/0",
          nextHopType: "VirtualAppliance",
          nextHopIpAddress: "10.93.8.4",
        },
      ],
    });
    await c.net.subnets.beginCreateOrUpdateAndWait(RG, "v", "s", {
      addressPrefix: "10.93.0.0/22",
      routeTable: { id: rt.id },
    });
    b.networkProfile = { ...b.networkProfile, outboundType: "userDefinedRouting" };
    const udr = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "tu", b);
    expect(udr.networkProfile?.outboundType).toBe("userDefinedRouting");
    const u = await trace("tu", "20.50.1.1:443/tcp");
    expect(u.verdict).toBe("Delivered");
    expect(u.hops.map((h) => h.what)).toEqual(["pod routing", "route"]);
    expect(u.hops[1].decidedBy).toContain("0.0.0.0/0 → VirtualAppliance 10.93.8.4");
    expect(u.egressIp).toBeUndefined();
    expect(u.summary).toContain("virtualAppliance");
  }, 90_000);
});
