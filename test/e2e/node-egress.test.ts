// providers/views/nodeEgress.ts against state the official SDKs built: which route a node's
// traffic takes and the source address the destination sees — the LB outbound rule's IP, the
// node's own public IP (it wins), the kubenet pod-CIDR route, a BYO route table's 0.0.0.0/0
// to an appliance, the private ranges Azure drops.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderEgress } from "../../src/cli/trace.js";
import { clusterIdOf } from "../../src/providers/containerservice/model.js";
import { type NodeEgress, type NodeEgressRequest, nodeEgress } from "../../src/providers/views/nodeEgress.js";
import type { NodeEgressTraceResult } from "../../src/providers/views/nodeEgressTrace.js";
import { inArmTransaction } from "../helpers/emulator.js";
import { type Clients, clusterBody, nodeRg, startClients, vnetWithSubnet } from "./aks-helpers.js";
import { pool, vmssPublicIPs } from "./aks-nodenet-helpers.js";

let c: Clients;
const RG = "egressrg";
const MC = nodeRg(RG, "lb");

const egress = (req: Omit<NodeEgressRequest, "clusterId">, cluster = "lb"): Promise<NodeEgress> =>
  inArmTransaction(c.emu, (ctx) =>
    nodeEgress(ctx, { clusterId: clusterIdOf(c.emu.subscriptionId, RG, cluster), ...req }),
  );

async function nodesOf(rg: string): Promise<Record<string, { name: string; ip: string }[]>> {
  const out: Record<string, { name: string; ip: string }[]> = {};
  for await (const ss of c.compute.virtualMachineScaleSets.list(rg)) {
    const list: { name: string; ip: string }[] = [];
    for await (const nic of c.net.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(
      rg,
      ss.name ?? "",
    ))
      list.push({
        name: (nic.virtualMachine?.id ?? "").split("/").pop() ?? "",
        ip: nic.ipConfigurations?.[0]?.privateIPAddress ?? "",
      });
    const vms: string[] = [];
    for await (const vm of c.compute.virtualMachineScaleSetVMs.list(rg, ss.name ?? ""))
      vms.push(vm.osProfile?.computerName ?? "");
    out[ss.name ?? ""] = list.map((n, i) => ({ name: vms[i] ?? n.name, ip: n.ip }));
  }
  return out;
}

let outboundIp = "";
let plain: { name: string; ip: string }[] = [];
let pub: { name: string; ip: string }[] = [];
let pubVmss = "";

beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
  const body = clusterBody({ count: 2 });
  body.agentPoolProfiles?.push({ ...pool({ count: 1, enableNodePublicIP: true }), name: "pub" });
  await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "lb", body);
  for await (const p of c.net.publicIPAddresses.list(MC))
    if (p.tags?.["aks-managed-type"] === "aks-slb-managed-outbound-ip") outboundIp = p.ipAddress ?? "";
  const nodes = await nodesOf(MC);
  for (const [vmss, list] of Object.entries(nodes)) {
    if (vmss.includes("-pub-")) {
      pub = list;
      pubVmss = vmss;
    } else plain = list;
  }
});
afterAll(async () => c?.emu.close());

describe("node egress, outboundType loadBalancer", () => {
  it("to the Internet: the system default route, then the kubernetes LB's outbound rule and its public IP", async () => {
    expect(outboundIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const e = await egress({ node: plain[0].name, destination: "8.8.8.8" });
    expect(e).toMatchObject({
      node: plain[0].name,
      pool: "nodepool1",
      privateIp: plain[0].ip,
      outboundType: "loadBalancer",
      via: "loadBalancer",
      sourceAddress: outboundIp,
      sourceCandidates: [outboundIp],
    });
    expect(e.hops.map((h) => h.kind)).toEqual(["node", "route", "loadBalancerOutboundRule"]);
    expect(e.hops[1].route).toEqual({ prefix: "0.0.0.0/0", nextHopType: "Internet", source: "Default" });
    expect(e.hops[2]).toMatchObject({
      publicIpAddresses: [outboundIp],
      allocatedOutboundPorts: 0,
      idleTimeoutInMinutes: 30,
    });
    expect(e.hops[2].resourceId).toMatch(/\/loadBalancers\/kubernetes\/outboundRules\/aksOutboundRule$/);
    // The node can be named by its private IP as well.
    const byIp = await egress({ node: plain[0].ip, destination: "8.8.8.8" });
    expect(byIp.node).toBe(plain[0].name);
  });

  it("a node with its own public IP leaves from that IP, not the outbound rule's", async () => {
    const pips = await vmssPublicIPs(c, MC, pubVmss);
    expect(pips).toHaveLength(1);
    const e = await egress({ node: pub[0].name, destination: "1.1.1.1" });
    expect(e).toMatchObject({
      via: "nodePublicIP",
      sourceAddress: pips[0].ip,
      sourceCandidates: [pips[0].ip],
    });
    expect(e.sourceAddress).not.toBe(outboundIp);
    expect(e.hops.map((h) => h.kind)).toEqual(["node", "route", "nodePublicIP"]);
  });

  it("inside the VNet the destination sees the node's private address; other private ranges are dropped", async () => {
    const e = await egress({ node: plain[0].name, destination: plain[1].ip });
    expect(e).toMatchObject({ via: "virtualNetwork", sourceAddress: plain[0].ip, sourceCandidates: [] });
    expect(e.hops[1].route).toEqual({ prefix: "10.224.0.0/12", nextHopType: "VnetLocal", source: "Default" });
    const d = await egress({ node: plain[0].name, destination: "192.168.7.7" });
    expect(d.via).toBe("dropped");
    expect(d.sourceAddress).toBeUndefined();
    expect(d.hops[1].route).toEqual({ prefix: "192.168.0.0/16", nextHopType: "None", source: "Default" });
    expect(d.hops.at(-1)?.kind).toBe("drop");
    // IMDS and the wire server answer on the host, whatever the routes say.
    for (const platform of ["169.254.169.254", "168.63.129.16"]) {
      const p = await egress({ node: plain[0].name, destination: platform });
      expect(p).toMatchObject({ via: "azurePlatform", sourceAddress: plain[0].ip, sourceCandidates: [] });
      expect(p.hops.map((h) => h.kind)).toEqual(["node", "azurePlatform"]);
    }
  });

  it("kubenet: another node's pod block goes by AKS's route to that node (a longer prefix than the default)", async () => {
    const routes: { prefix: string; hop: string; name: string }[] = [];
    for await (const rt of c.net.routeTables.list(MC))
      for (const r of rt.routes ?? [])
        routes.push({ prefix: r.addressPrefix ?? "", hop: r.nextHopIpAddress ?? "", name: r.name ?? "" });
    const other = routes.find((r) => r.hop === plain[1].ip);
    expect(other).toBeDefined();
    const podIp = other?.prefix.replace(/0\/24$/, "7") ?? "";
    const e = await egress({ node: plain[0].name, destination: podIp, sourceIp: "10.244.9.9" });
    expect(e.via).toBe("virtualAppliance");
    expect(e.sourceAddress).toBeUndefined();
    expect(e.hops[0].detail).toContain("sends from 10.244.9.9");
    expect(e.hops[1].route).toMatchObject({
      prefix: other?.prefix,
      nextHopType: "VirtualAppliance",
      nextHopIpAddress: plain[1].ip,
      source: "User",
      name: other?.name,
    });
  });

  it("a BYO subnet whose route table sends 0.0.0.0/0 to an appliance: the user route beats the system one", async () => {
    await c.net.routeTables.beginCreateOrUpdateAndWait(RG, "fw-rt", {
      location: "eastus",
      routes: [
        {
          name: "to-fw",
          addressPrefix: "0.0.0.0/0",
          nextHopType: "VirtualAppliance",
          nextHopIpAddress: "10.50.1.4",
        },
        { name: "blackhole", addressPrefix: "203.0.113.0/24", nextHopType: "None" },
      ],
    });
    const ids = await vnetWithSubnet(c, RG, "byo", "10.50.0.0/16", { nodes: "10.50.0.0/24" });
    const rt = await c.net.routeTables.get(RG, "fw-rt");
    await c.net.subnets.beginCreateOrUpdateAndWait(RG, "byo", "nodes", {
      addressPrefix: "10.50.0.0/24",
      routeTable: { id: rt.id },
    });
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "byo",
      clusterBody({ count: 1, plugin: "azure", subnetId: ids.nodes }),
    );
    const vmss = Object.values(await nodesOf(nodeRg(RG, "byo")))[0];
    const e = await egress({ node: vmss[0].name, destination: "8.8.8.8" }, "byo");
    expect(e.via).toBe("virtualAppliance");
    expect(e.hops[1].route).toMatchObject({
      prefix: "0.0.0.0/0",
      nextHopType: "VirtualAppliance",
      nextHopIpAddress: "10.50.1.4",
      source: "User",
      name: "to-fw",
    });
    expect(e.hops[1].resourceId).toBe(`${rt.id}/routes/to-fw`);
    const b = await egress({ node: vmss[0].name, destination: "203.0.113.9" }, "byo");
    expect(b.via).toBe("dropped");
    expect(b.hops[1].route?.name).toBe("blackhole");
  });

  it("a NAT gateway on the subnet wins over the outbound rule and over the node's own public IP", async () => {
    const ip = await c.net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "nat-ip", {
      location: "eastus",
      sku: { name: "Standard" },
    });
    const pf = await c.net.publicIPPrefixes.beginCreateOrUpdateAndWait(RG, "nat-pf", {
      location: "eastus",
      prefixLength: 30,
    });
    const g = await c.net.natGateways.beginCreateOrUpdateAndWait(RG, "nat", {
      location: "eastus",
      idleTimeoutInMinutes: 7,
      publicIpAddresses: [{ id: ip.id }],
      publicIpPrefixes: [{ id: pf.id }],
    });
    const ids = await vnetWithSubnet(c, RG, "natv", "10.80.0.0/16", { nodes: "10.80.0.0/22" });
    await c.net.subnets.beginCreateOrUpdateAndWait(RG, "natv", "nodes", {
      addressPrefix: "10.80.0.0/22",
      natGateway: { id: g.id },
    });
    const body = clusterBody({ count: 1, plugin: "azure", subnetId: ids.nodes });
    body.agentPoolProfiles?.push({
      ...pool({ count: 1, enableNodePublicIP: true }),
      name: "pub",
      vnetSubnetID: ids.nodes,
    });
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "natc", body);
    for (const list of Object.values(await nodesOf(nodeRg(RG, "natc")))) {
      const e = await egress({ node: list[0].name, destination: "8.8.4.4" }, "natc");
      expect(e).toMatchObject({
        via: "natGateway",
        sourceAddress: ip.ipAddress,
        sourceCandidates: [ip.ipAddress, pf.ipPrefix],
      });
      expect(e.hops[2]).toMatchObject({
        kind: "natGateway",
        resourceId: g.id,
        publicIpAddresses: [ip.ipAddress],
        publicIpPrefixes: [pf.ipPrefix],
        idleTimeoutInMinutes: 7,
      });
    }
  });

  it("POST /_aksnet/trace with egressTo answers every node (aksnet trace --egress); the CLI renders it", async () => {
    const post = async (body: Record<string, unknown>) => {
      const res = await fetch(`${c.emu.url}/_aksnet/trace`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${await c.emu.token()}` },
        body: JSON.stringify({ resourceGroup: RG, cluster: "lb", ...body }),
      });
      return {
        status: res.status,
        json: (await res.json()) as NodeEgressTraceResult & { error?: { code: string; target?: string } },
      };
    };
    const all = await post({ egressTo: "8.8.8.8" });
    expect(all.status).toBe(200);
    expect(all.json.outboundType).toBe("loadBalancer");
    expect(all.json.nodes.map((n) => [n.node, n.via, n.sourceAddress]).sort()).toEqual(
      [
        ...plain.map((n) => [n.name, "loadBalancer", outboundIp]),
        [pub[0].name, "nodePublicIP", (await vmssPublicIPs(c, MC, pubVmss))[0].ip],
      ].sort(),
    );
    const one = await post({ egressTo: "8.8.8.8", nodepool: "pub" });
    expect(one.json.nodes.map((n) => n.pool)).toEqual(["pub"]);
    const text = renderEgress(all.json);
    expect(text.split("\n")[0]).toBe(
      `Egress from the nodes of lb (${RG}) to 8.8.8.8 (outboundType loadBalancer)`,
    );
    expect(text).toContain(`${plain[0].name}:\n  1. node: node ${plain[0].name} (${plain[0].ip})`);
    expect(text).toMatch(
      / {2}3\. loadBalancerOutboundRule: outbound rule aksOutboundRule of load balancer kubernetes/,
    );
    const bad = await post({ egressTo: "nope" });
    expect([bad.status, bad.json.error?.code, bad.json.error?.target]).toEqual([
      400,
      "InvalidRequestContent",
      "egressTo",
    ]);
    const missing = await post({ egressTo: "8.8.8.8", node: "aks-x-000000" });
    expect(missing.status).toBe(404);
  });

  it("refuses an unknown node (404) and a destination that is not an address (400)", async () => {
    await expect(egress({ node: "aks-nope-000000", destination: "8.8.8.8" })).rejects.toMatchObject({
      status: 404,
      code: "ResourceNotFound",
    });
    await expect(egress({ node: plain[0].name, destination: "example.com" })).rejects.toMatchObject({
      status: 400,
      code: "InvalidRequestContent",
    });
    await expect(egress({ node: plain[0].name, destination: "8.8.8.8" }, "missing")).rejects.toMatchObject({
      status: 404,
    });
  });
});
