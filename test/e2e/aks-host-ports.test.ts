// Seed 003 "allowed host ports and application security groups" at API level: the ports
// 80/tcp,443/tcp,53/udp,40000-60000/tcp,40000-50000/udp become inbound allow rules in the
// cluster NSG aimed at the pool's managed ASG, the pool's NICs join the managed and custom
// ASGs, an update to 80/tcp leaves exactly one rule, and every malformed spec is refused.
import type { AgentPool, ManagedCluster, PortRange } from "@azure/arm-containerservice";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Clients, clusterBody, errorOf, nodeRg, startClients } from "./aks-helpers.js";
import { pool } from "./aks-nodenet-helpers.js";

let c: Clients;
const RG = "hostports";
const MC = nodeRg(RG, "hp");
let asg1 = "";
let asg2 = "";

beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
  asg1 =
    (await c.net.applicationSecurityGroups.beginCreateOrUpdateAndWait(RG, "asg1", { location: "eastus" }))
      .id ?? "";
  asg2 =
    (await c.net.applicationSecurityGroups.beginCreateOrUpdateAndWait(RG, "asg2", { location: "eastus" }))
      .id ?? "";
});
afterAll(async () => c?.emu.close());

const SEED_PORTS: PortRange[] = [
  { portStart: 80, portEnd: 80, protocol: "TCP" },
  { portStart: 443, portEnd: 443, protocol: "TCP" },
  { portStart: 53, portEnd: 53, protocol: "UDP" },
  { portStart: 40000, portEnd: 60000, protocol: "TCP" },
  { portStart: 40000, portEnd: 50000, protocol: "UDP" },
];

function withPorts(ports: PortRange[], asgs: string[] = [], version?: string): ManagedCluster {
  const b = clusterBody({ count: 2 });
  const p = b.agentPoolProfiles?.[0];
  if (!p) throw new Error("no pool");
  p.networkProfile = { allowedHostPorts: ports, applicationSecurityGroups: asgs };
  if (version) {
    b.kubernetesVersion = version;
    p.orchestratorVersion = version;
  }
  return b;
}

interface RuleView {
  name: string;
  priority: number;
  protocol: string;
  port: string;
  dest: string[];
}

async function nsgName(): Promise<string> {
  for await (const n of c.net.networkSecurityGroups.list(MC)) return n.name ?? "";
  throw new Error("no NSG");
}

async function rules(): Promise<RuleView[]> {
  const out: RuleView[] = [];
  for await (const r of c.net.securityRules.list(MC, await nsgName()))
    out.push({
      name: r.name ?? "",
      priority: r.priority ?? 0,
      protocol: r.protocol ?? "",
      port: r.destinationPortRange ?? "",
      dest: (r.destinationApplicationSecurityGroups ?? []).map((a) => a.id?.split("/").pop() ?? ""),
    });
  return out.sort((a, b) => a.priority - b.priority);
}

async function vmssAsgs(poolName: string): Promise<string[]> {
  for await (const v of c.compute.virtualMachineScaleSets.list(MC))
    if (v.name?.includes(`-${poolName}-`)) {
      const cfg =
        v.virtualMachineProfile?.networkProfile?.networkInterfaceConfigurations?.[0]?.ipConfigurations?.[0];
      return (cfg?.applicationSecurityGroups ?? []).map((a) => a.id ?? "");
    }
  return [];
}

async function asgNames(): Promise<string[]> {
  const out: string[] = [];
  for await (const a of c.net.applicationSecurityGroups.list(MC)) out.push(a.name ?? "");
  return out.sort();
}

describe("az aks create --nodepool-allowed-host-ports … --nodepool-asg-ids …", () => {
  let managed = "";

  it("writes one allow rule per range/protocol aimed at the pool's managed ASG", async () => {
    const mc = await c.aks.managedClusters.createOrUpdate(RG, "hp", withPorts(SEED_PORTS, [asg1, asg2]));
    expect(mc.provisioningState).toBe("Succeeded");
    expect(mc.agentPoolProfiles?.[0]?.networkProfile?.allowedHostPorts).toEqual(SEED_PORTS);
    const names = await asgNames();
    expect(names).toEqual([expect.stringMatching(/^aks-nodepool1-\d{8}-asg$/)]);
    managed = names[0];
    expect(await rules()).toEqual([
      { name: "aks-hostport-nodepool1-tcp-80", priority: 200, protocol: "Tcp", port: "80", dest: [managed] },
      {
        name: "aks-hostport-nodepool1-tcp-443",
        priority: 201,
        protocol: "Tcp",
        port: "443",
        dest: [managed],
      },
      { name: "aks-hostport-nodepool1-udp-53", priority: 202, protocol: "Udp", port: "53", dest: [managed] },
      {
        name: "aks-hostport-nodepool1-tcp-40000-60000",
        priority: 203,
        protocol: "Tcp",
        port: "40000-60000",
        dest: [managed],
      },
      {
        name: "aks-hostport-nodepool1-udp-40000-50000",
        priority: 204,
        protocol: "Udp",
        port: "40000-50000",
        dest: [managed],
      },
    ]);
    const rule = await c.net.securityRules.get(MC, await nsgName(), "aks-hostport-nodepool1-tcp-80");
    expect(rule).toMatchObject({
      access: "Allow",
      direction: "Inbound",
      sourceAddressPrefix: "*",
      sourcePortRange: "*",
    });
  });

  it("the pool's NICs join the managed ASG and the custom ones", async () => {
    const ids = await vmssAsgs("nodepool1");
    expect(ids.map((i) => i.split("/").pop())).toEqual([managed, "asg1", "asg2"]);
    const vmss = await (async () => {
      for await (const v of c.compute.virtualMachineScaleSets.list(MC)) return v.name ?? "";
      return "";
    })();
    for await (const nic of c.net.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(MC, vmss))
      expect(nic.ipConfigurations?.[0]?.applicationSecurityGroups?.map((a) => a.id)).toEqual(ids);
  });

  it("the rules belong to the cluster: the Network API cannot change or delete them", async () => {
    const nsg = await nsgName();
    const del = await errorOf(
      c.net.securityRules.beginDeleteAndWait(MC, nsg, "aks-hostport-nodepool1-tcp-80"),
    );
    expect({ status: del.statusCode, code: del.code }).toEqual({
      status: 409,
      code: "SecurityRuleManagedByCluster",
    });
    // A user rule may sit in between: new AKS rules step around it.
    await c.net.securityRules.beginCreateOrUpdateAndWait(MC, nsg, "user-rule", {
      protocol: "Tcp",
      access: "Deny",
      direction: "Inbound",
      priority: 205,
      sourceAddressPrefix: "*",
      sourcePortRange: "*",
      destinationAddressPrefix: "*",
      destinationPortRange: "22",
    });
  });

  it("az aks nodepool add --allowed-host-ports --asg-ids: its own ASG, rules at free priorities", async () => {
    await c.aks.agentPools.createOrUpdate(
      RG,
      "hp",
      "gamepool",
      pool({
        count: 1,
        networkProfile: {
          allowedHostPorts: [
            { portStart: 7777, portEnd: 7777, protocol: "UDP" },
            { portStart: 7777, portEnd: 7777, protocol: "UDP" },
          ],
          applicationSecurityGroups: [asg1],
        },
      }),
    );
    const r = (await rules()).filter((x) => x.name.includes("gamepool"));
    expect(r).toEqual([
      {
        name: "aks-hostport-gamepool-udp-7777",
        priority: 206,
        protocol: "Udp",
        port: "7777",
        dest: [expect.stringMatching(/^aks-gamepool-\d{8}-asg$/)],
      },
    ]);
    expect((await vmssAsgs("gamepool")).map((i) => i.split("/").pop())).toEqual([r[0].dest[0], "asg1"]);
  });

  it("az aks nodepool update --allowed-host-ports 80/tcp leaves exactly one rule", async () => {
    const p = await c.aks.agentPools.get(RG, "hp", "nodepool1");
    await c.aks.agentPools.createOrUpdate(RG, "hp", "nodepool1", {
      ...p,
      networkProfile: {
        allowedHostPorts: [{ portStart: 80, portEnd: 80, protocol: "TCP" }],
        applicationSecurityGroups: [asg1],
      },
    } as AgentPool);
    const mine = (await rules()).filter((x) => x.name.includes("nodepool1"));
    expect(mine).toEqual([
      { name: "aks-hostport-nodepool1-tcp-80", priority: 200, protocol: "Tcp", port: "80", dest: [managed] },
    ]);
    expect((await vmssAsgs("nodepool1")).map((i) => i.split("/").pop())).toEqual([managed, "asg1"]);
    // Freed priorities are reused by the next pool change.
    await c.aks.agentPools.createOrUpdate(
      RG,
      "hp",
      "gamepool",
      pool({
        count: 1,
        networkProfile: {
          allowedHostPorts: [
            { portStart: 7777, portEnd: 7777, protocol: "UDP" },
            { portStart: 27015, portEnd: 27015, protocol: "TCP" },
          ],
        },
      }),
    );
    expect((await rules()).map((x) => [x.name, x.priority])).toEqual([
      ["aks-hostport-nodepool1-tcp-80", 200],
      ["aks-hostport-gamepool-tcp-27015", 201],
      ["user-rule", 205],
      ["aks-hostport-gamepool-udp-7777", 206],
    ]);
  });

  it("clearing the ports removes the rules and the managed ASG; pool delete removes its own", async () => {
    const p = await c.aks.agentPools.get(RG, "hp", "nodepool1");
    await c.aks.agentPools.createOrUpdate(RG, "hp", "nodepool1", {
      ...p,
      networkProfile: { allowedHostPorts: [], applicationSecurityGroups: [] },
    } as AgentPool);
    expect((await rules()).filter((x) => x.name.includes("nodepool1"))).toEqual([]);
    expect(await asgNames()).toEqual([expect.stringMatching(/^aks-gamepool-/)]);
    expect(await vmssAsgs("nodepool1")).toEqual([]);
    await c.aks.agentPools.delete(RG, "hp", "gamepool");
    expect((await rules()).map((x) => x.name)).toEqual(["user-rule"]);
    expect(await asgNames()).toEqual([]);
  });
});

describe("validation: every malformed port, ASG and version refused with its code", () => {
  const cases: [string, PortRange[], string][] = [
    ["port 0", [{ portStart: 0, portEnd: 80, protocol: "TCP" }], "InvalidParameter"],
    ["port 70000", [{ portStart: 70000, portEnd: 70000, protocol: "TCP" }], "InvalidParameter"],
    ["start > end", [{ portStart: 90, portEnd: 80, protocol: "TCP" }], "InvalidParameter"],
    ["icmp", [{ portStart: 80, portEnd: 80, protocol: "ICMP" }], "InvalidParameter"],
    ["no protocol", [{ portStart: 80, portEnd: 80 } as PortRange], "InvalidParameter"],
  ];
  for (const [what, ports, code] of cases)
    it(`refuses ${what} on create and on nodepool add`, async () => {
      const e = await errorOf(c.aks.managedClusters.createOrUpdate(RG, "bad", withPorts(ports)));
      expect({ status: e.statusCode, code: e.code }).toEqual({ status: 400, code });
      expect((await errorOf(c.resources.resourceGroups.get(nodeRg(RG, "bad")))).statusCode).toBe(404);
    });

  it("refuses missing or mistyped ASGs and Kubernetes < 1.24", async () => {
    await c.aks.managedClusters.createOrUpdate(RG, "ok", clusterBody({ count: 1 }));
    const add = (np: AgentPool["networkProfile"], version?: string) =>
      errorOf(
        c.aks.agentPools.createOrUpdate(
          RG,
          "ok",
          "p2",
          pool({ networkProfile: np, ...(version ? { orchestratorVersion: version } : {}) }),
        ),
      );
    expect((await add({ applicationSecurityGroups: [`${asg1}-missing`] })).code).toBe(
      "ApplicationSecurityGroupNotFound",
    );
    expect(
      (
        await add({
          applicationSecurityGroups: [asg1.replace("applicationSecurityGroups", "networkSecurityGroups")],
        })
      ).code,
    ).toBe("InvalidParameter");
    const old = await add({ allowedHostPorts: [SEED_PORTS[0]] }, "1.23");
    expect({ code: old.code, status: old.statusCode }).toEqual({
      code: "KubernetesVersionNotSupported",
      status: 400,
    });
    expect((await add({ applicationSecurityGroups: [asg2] }, "1.23.8")).code).toBe(
      "KubernetesVersionNotSupported",
    );
    const e = await errorOf(
      c.aks.managedClusters.createOrUpdate(RG, "old", withPorts(SEED_PORTS, [], "1.23")),
    );
    expect(e.code).toBe("KubernetesVersionNotSupported");
    expect((await errorOf(c.aks.agentPools.get(RG, "ok", "p2"))).statusCode).toBe(404);
  });

  it("deleting the cluster removes its rules and ASGs; the custom ASGs are free to delete", async () => {
    await c.aks.managedClusters.delete(RG, "hp");
    expect((await errorOf(c.resources.resourceGroups.get(MC))).statusCode).toBe(404);
    await c.net.applicationSecurityGroups.beginDeleteAndWait(RG, "asg1");
    await c.net.applicationSecurityGroups.beginDeleteAndWait(RG, "asg2");
  });
});
