// `POST /_aksnet/trace` against a real emulator whose state the official SDKs built: seed 003's
// allowed host ports open 46645/tcp to the pool's ASG and nothing else gets past DenyAllInBound;
// a user's deny rule at a lower priority number wins; a BYO subnet's own NSG must allow too.
import type { ManagedCluster, PortRange } from "@azure/arm-containerservice";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeTrace, TraceResult } from "../../src/providers/views/reachability.js";
import { type Clients, clusterBody, nodeRg, startClients, vnetWithSubnet } from "./aks-helpers.js";
import { pool } from "./aks-nodenet-helpers.js";

let c: Clients;
const RG = "tracerg";
const MC = nodeRg(RG, "tc");

const SEED_PORTS: PortRange[] = [
  { portStart: 80, portEnd: 80, protocol: "TCP" },
  { portStart: 443, portEnd: 443, protocol: "TCP" },
  { portStart: 53, portEnd: 53, protocol: "UDP" },
  { portStart: 40000, portEnd: 60000, protocol: "TCP" },
  { portStart: 40000, portEnd: 50000, protocol: "UDP" },
];

function cluster(subnetId?: string): ManagedCluster {
  const b = clusterBody({ count: 2, ...(subnetId ? { subnetId } : {}) });
  const first = b.agentPoolProfiles?.[0];
  if (!first) throw new Error("no pool");
  first.enableNodePublicIP = true;
  b.agentPoolProfiles?.push({
    ...pool({ count: 2, enableNodePublicIP: true, networkProfile: { allowedHostPorts: SEED_PORTS } }),
    name: "hp",
    ...(subnetId ? { vnetSubnetID: subnetId } : {}),
  });
  return b;
}

async function trace(body: Record<string, unknown>): Promise<TraceResult> {
  const res = await fetch(`${c.emu.url}/_aksnet/trace`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await c.emu.token()}` },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as TraceResult;
  if (res.status !== 200) throw new Error(`trace answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

async function raw(
  body: string,
): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  const res = await fetch(`${c.emu.url}/_aksnet/trace`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await c.emu.token()}` },
    body,
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

/** pool → [verdict, rule, priority, NSG level] of each node. */
const verdicts = (r: TraceResult) =>
  r.nodes.map((n: NodeTrace) => [
    n.pool,
    n.verdict,
    n.decidingRule?.name,
    n.decidingRule?.priority,
    n.decidingRule?.level,
  ]);

let nsgName = "";

beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
  const mc = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "tc", cluster());
  expect(mc.provisioningState).toBe("Succeeded");
  for await (const n of c.net.networkSecurityGroups.list(MC)) nsgName = n.name ?? "";
});
afterAll(async () => c?.emu.close());

describe("seed 003: allowed host ports on a cluster with node public IPs", () => {
  it("46645/tcp: allowed by the host-port rule on the pool that lists the range, DenyAllInBound elsewhere", async () => {
    const r = await trace({ resourceGroup: RG, cluster: "tc", port: "46645/tcp" });
    expect(r).toMatchObject({ port: "46645/tcp", protocol: "Tcp", destinationPort: 46645, from: "Internet" });
    expect(verdicts(r)).toEqual([
      ["nodepool1", "Deny", "DenyAllInBound", 65500, "subnet"],
      ["nodepool1", "Deny", "DenyAllInBound", 65500, "subnet"],
      ["hp", "Allow", "aks-hostport-hp-tcp-40000-60000", 203, "nic"],
      ["hp", "Allow", "aks-hostport-hp-tcp-40000-60000", 203, "nic"],
    ]);
    expect(r.summary).toEqual({ allowed: 2, denied: 2 });
    const hp = r.nodes[2];
    expect(hp.decidingRule).toMatchObject({ access: "Allow", isDefault: false, nsgName });
    expect(hp.decidingRule?.why).toContain("destination port 46645 is in 40000-60000");
    expect(hp.decidingRule?.why.join(" ")).toMatch(/destination NIC is in ASG aks-hp-\d{8}-asg/);
    expect(hp.publicIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(hp.privateIp).toMatch(/^10\.224\.0\.\d+$/);
    expect(hp.notes).toEqual([]);
    // The managed subnet carries the cluster NSG as well: two levels, the same rules.
    expect(hp.levels.map((l) => [l.level, l.nsg?.name, l.verdict])).toEqual([
      ["subnet", nsgName, "Allow"],
      ["nic", nsgName, "Allow"],
    ]);
    // The rules before the host-port rule missed on the port (the 80/443 rules) or the protocol.
    const misses = hp.levels[1].decision?.notMatched.map((m) => [m.name, m.mismatches.map((x) => x.field)]);
    expect(misses).toEqual([
      ["aks-hostport-hp-tcp-80", ["destinationPort"]],
      ["aks-hostport-hp-tcp-443", ["destinationPort"]],
      ["aks-hostport-hp-udp-53", ["protocol", "destinationPort"]],
    ]);
    // nodepool1's NIC is in no ASG: every host-port rule misses on that, the 80 rule on the port too.
    const np1 = r.nodes[0].levels[0].decision?.notMatched.map((m) => [
      m.name,
      m.mismatches.map((x) => x.reason),
    ]);
    expect(np1?.[0]).toEqual([
      "aks-hostport-hp-tcp-80",
      [
        expect.stringMatching(/^the destination NIC is not in ASG aks-hp-\d{8}-asg \(it is in no ASG\)$/),
        "destination port 46645 is not in 80",
      ],
    ]);
    expect(np1?.find(([n]) => n === "aks-hostport-hp-tcp-40000-60000")?.[1]).toHaveLength(1);
  });

  it("8080/tcp is denied by DenyAllInBound everywhere; 53/udp is allowed on hp by its own rule", async () => {
    const r = await trace({ resourceGroup: RG, cluster: "tc", port: "8080/tcp" });
    expect(r.nodes.map((n) => [n.verdict, n.decidingRule?.name])).toEqual(
      Array(4).fill(["Deny", "DenyAllInBound"]),
    );
    const dns = await trace({ resourceGroup: RG, cluster: "tc", nodepool: "HP", port: "53/udp" });
    expect(verdicts(dns)).toEqual([
      ["hp", "Allow", "aks-hostport-hp-udp-53", 202, "nic"],
      ["hp", "Allow", "aks-hostport-hp-udp-53", 202, "nic"],
    ]);
  });

  it("one node, by its public IP; from inside the VNet AllowVnetInBound admits it", async () => {
    const all = await trace({ resourceGroup: RG, cluster: "tc", port: "8080/tcp" });
    const target = all.nodes[1];
    const one = await trace({
      resourceGroup: RG,
      cluster: "tc",
      node: target.publicIp,
      port: "8080/tcp",
      from: "10.224.0.200",
    });
    expect(one.nodes.map((n) => n.node)).toEqual([target.node]);
    expect(verdicts(one)).toEqual([["nodepool1", "Allow", "AllowVnetInBound", 65000, "nic"]]);
    expect(one.nodes[0].decidingRule?.why).toContain(
      "source 10.224.0.200 is in VirtualNetwork (10.224.0.0/12, address space of " +
        `${one.virtualNetwork[0].origin.split(" ").pop()})`,
    );
  });

  it("a user's deny rule at a lower priority number wins over the host-port rule", async () => {
    await c.net.securityRules.beginCreateOrUpdateAndWait(MC, nsgName, "deny-46645", {
      protocol: "Tcp",
      access: "Deny",
      direction: "Inbound",
      priority: 100,
      sourceAddressPrefix: "*",
      sourcePortRange: "*",
      destinationAddressPrefix: "*",
      destinationPortRange: "46645",
    });
    try {
      const r = await trace({ resourceGroup: RG, cluster: "tc", nodepool: "hp", port: "46645/tcp" });
      expect(verdicts(r)).toEqual([
        ["hp", "Deny", "deny-46645", 100, "subnet"],
        ["hp", "Deny", "deny-46645", 100, "subnet"],
      ]);
      // The neighbour port in the same range is still open.
      const next = await trace({ resourceGroup: RG, cluster: "tc", nodepool: "hp", port: "46646/tcp" });
      expect(next.nodes.map((n) => n.decidingRule?.name)).toEqual(
        Array(2).fill("aks-hostport-hp-tcp-40000-60000"),
      );
    } finally {
      await c.net.securityRules.beginDeleteAndWait(MC, nsgName, "deny-46645");
    }
  });
});

describe("bring-your-own subnet with its own NSG", () => {
  const BYO_RG = "tracebyo";
  let subnetNsg = "";

  beforeAll(async () => {
    await c.resources.resourceGroups.createOrUpdate(BYO_RG, { location: "eastus" });
    subnetNsg =
      (
        await c.net.networkSecurityGroups.beginCreateOrUpdateAndWait(BYO_RG, "byo-nsg", {
          location: "eastus",
        })
      ).id ?? "";
    const ids = await vnetWithSubnet(c, BYO_RG, "byo-vnet", "10.10.0.0/16", { nodes: "10.10.1.0/24" });
    await c.net.subnets.beginCreateOrUpdateAndWait(BYO_RG, "byo-vnet", "nodes", {
      addressPrefix: "10.10.1.0/24",
      networkSecurityGroup: { id: subnetNsg },
    });
    const mc = await c.aks.managedClusters.beginCreateOrUpdateAndWait(BYO_RG, "byo", cluster(ids.nodes));
    expect(mc.provisioningState).toBe("Succeeded");
  });

  it("a subnet NSG without an allow rule blocks even though the cluster NSG allows", async () => {
    const r = await trace({ resourceGroup: BYO_RG, cluster: "byo", nodepool: "hp", port: "46645/tcp" });
    expect(verdicts(r)).toEqual([
      ["hp", "Deny", "DenyAllInBound", 65500, "subnet"],
      ["hp", "Deny", "DenyAllInBound", 65500, "subnet"],
    ]);
    const n = r.nodes[0];
    expect(n.decidingRule?.nsgName).toBe("byo-nsg");
    expect(
      n.levels.map((l) => [l.level, l.nsg?.name, l.verdict, l.reached, l.decision?.decidingRule.name]),
    ).toEqual([
      ["subnet", "byo-nsg", "Deny", true, "DenyAllInBound"],
      [
        "nic",
        expect.stringMatching(/^aks-agentpool-\d{8}-nsg$/),
        "Allow",
        false,
        "aks-hostport-hp-tcp-40000-60000",
      ],
    ]);
    // VirtualNetwork also covers the prefixes of the subnet's user-defined routes (kubenet's pod /24s).
    expect(r.virtualNetwork[0]).toEqual({ prefix: "10.10.0.0/16", origin: "address space of byo-vnet" });
    expect(r.virtualNetwork.slice(1)).toEqual(
      [0, 1, 2, 3].map((i) => ({
        prefix: `10.244.${i}.0/24`,
        origin: expect.stringMatching(
          /^route aks-(nodepool1|hp)-\d{8}-vmss00000[01] of aks-agentpool-\d{8}-routetable$/,
        ),
      })),
    );
  });

  it("an allow rule for the pool's ASG on the subnet NSG opens it (the seed's advice)", async () => {
    let asg = "";
    for await (const a of c.net.applicationSecurityGroups.list(nodeRg(BYO_RG, "byo")))
      if (a.name?.includes("-hp-")) asg = a.id ?? "";
    await c.net.securityRules.beginCreateOrUpdateAndWait(BYO_RG, "byo-nsg", "allow-hp-hostports", {
      protocol: "Tcp",
      access: "Allow",
      direction: "Inbound",
      priority: 300,
      sourceAddressPrefix: "Internet",
      sourcePortRange: "*",
      destinationApplicationSecurityGroups: [{ id: asg }],
      destinationPortRange: "40000-59999",
    });
    const r = await trace({ resourceGroup: BYO_RG, cluster: "byo", port: "46645/tcp" });
    expect(verdicts(r)).toEqual([
      ["nodepool1", "Deny", "DenyAllInBound", 65500, "subnet"],
      ["nodepool1", "Deny", "DenyAllInBound", 65500, "subnet"],
      ["hp", "Allow", "aks-hostport-hp-tcp-40000-60000", 203, "nic"],
      ["hp", "Allow", "aks-hostport-hp-tcp-40000-60000", 203, "nic"],
    ]);
    expect(r.nodes[2].levels[0].decision?.decidingRule).toMatchObject({
      name: "allow-hp-hostports",
      priority: 300,
    });
    expect(r.nodes[0].levels[0].decision?.notMatched[0].mismatches[0].reason).toMatch(
      /destination NIC is not in ASG aks-hp-\d{8}-asg/,
    );
  });
});

describe("bad input is an ARM-shaped 4xx, never a 500", () => {
  it.each([
    ["{}", 400, "InvalidRequestContent", /'resourceGroup'/],
    [JSON.stringify({ resourceGroup: RG, cluster: "tc" }), 400, "InvalidRequestContent", /'port'/],
    [
      JSON.stringify({ resourceGroup: RG, cluster: "tc", port: "80/icmp" }),
      400,
      "InvalidRequestContent",
      /80\/icmp/,
    ],
    [
      JSON.stringify({ resourceGroup: RG, cluster: "tc", port: "70000/tcp" }),
      400,
      "InvalidRequestContent",
      /70000/,
    ],
    [
      JSON.stringify({ resourceGroup: RG, cluster: "tc", port: "80/tcp", from: "the moon" }),
      400,
      "InvalidRequestContent",
      /the moon/,
    ],
    [
      JSON.stringify({ resourceGroup: RG, cluster: 7, port: "80/tcp" }),
      400,
      "InvalidRequestContent",
      /cluster/,
    ],
    ["[1,2]", 400, "InvalidRequestContent", /JSON object/],
    ["{not json", 400, "InvalidRequestContent", /could not be deserialized/],
    [JSON.stringify({ resourceGroup: RG, cluster: "nope", port: "80/tcp" }), 404, "ResourceNotFound", /nope/],
    [
      JSON.stringify({ resourceGroup: RG, cluster: "tc", nodepool: "ghost", port: "80/tcp" }),
      404,
      "ResourceNotFound",
      /ghost/,
    ],
    [
      JSON.stringify({ resourceGroup: RG, cluster: "tc", node: "1.2.3.4", port: "80/tcp" }),
      404,
      "ResourceNotFound",
      /1\.2\.3\.4/,
    ],
    [
      JSON.stringify({
        subscriptionId: "00000000-0000-0000-0000-000000000009",
        resourceGroup: RG,
        cluster: "tc",
        port: "80/tcp",
      }),
      404,
      "SubscriptionNotFound",
      /00000000/,
    ],
  ])("%s → %i %s", async (body, status, code, message) => {
    const r = await raw(body);
    expect(r.status).toBe(status);
    expect(r.body.error?.code).toBe(code);
    expect(r.body.error?.message).toMatch(message);
  });
});
