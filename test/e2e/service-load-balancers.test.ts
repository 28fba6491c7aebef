// The service controller's Azure half against a real emulator: Services in, and the node resource
// group seen through ARM (the SDK) must match them — frontends, rules, probes, public IPs, NSG rules —
// through creates, updates and deletes. The Kubernetes side (watching Services) wires in later; here
// the desired state is handed over directly.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { render } from "../../src/cli/trace.js";
import { AZURE_LB_ANNOTATIONS as A } from "../../src/kube/services/annotations.js";
import { applyServiceLoadBalancers } from "../../src/kube/services/azureApply.js";
import { desiredServiceLoadBalancer, type ServiceLike } from "../../src/kube/services/azureLoadBalancer.js";
import { applySecurityRules } from "../../src/providers/network/internal.js";
import { traceReachability } from "../../src/providers/views/reachability.js";
import { inArmTransaction } from "../helpers/emulator.js";
import { type Clients, clusterBody, nodeRg, startClients } from "./aks-helpers.js";

let c: Clients;
const RG = "svc-rg";
const MC = nodeRg(RG, "svc");
let clusterId = "";

beforeAll(async () => {
  // The Azure halves are driven directly here: no live controller may reconcile under the test.
  c = await startClients({ kubeControllers: false });
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
  const mc = await c.aks.managedClusters.createOrUpdate(RG, "svc", clusterBody({ count: 2 }));
  clusterId = mc.id ?? "";
});
afterAll(async () => c?.emu.close());

const svc = (
  uid: string,
  name: string,
  ports: number[],
  extra: Partial<ServiceLike["spec"]> = {},
  annotations?: Record<string, string>,
): ServiceLike => ({
  metadata: { uid, namespace: "default", name, annotations },
  spec: {
    type: "LoadBalancer",
    ports: ports.map((port, i) => ({ port, protocol: "TCP", nodePort: 30100 + i })),
    ...extra,
  },
});

async function apply(services: ServiceLike[]) {
  const desired = services.map((s) => {
    const d = desiredServiceLoadBalancer(s);
    if (!d.ok) throw new Error(d.message);
    return d.value;
  });
  return inArmTransaction(c.emu, (ctx) => applyServiceLoadBalancers(ctx, clusterId, desired));
}

async function state() {
  const lb = await c.net.loadBalancers.get(MC, "kubernetes");
  const rules: { name: string; priority: number; ports: string[]; dst: string[]; src: string }[] = [];
  const nsgs = [];
  for await (const n of c.net.networkSecurityGroups.list(MC)) nsgs.push(n);
  for await (const r of c.net.securityRules.list(MC, nsgs[0].name ?? ""))
    if (r.name?.startsWith("k8s-azure-lb"))
      rules.push({
        name: r.name,
        priority: r.priority ?? 0,
        ports: r.destinationPortRanges ?? [],
        dst: r.destinationAddressPrefixes?.length
          ? r.destinationAddressPrefixes
          : [r.destinationAddressPrefix ?? ""],
        src: r.sourceAddressPrefix ?? (r.sourceAddressPrefixes ?? []).join(","),
      });
  const pips: { name: string; ip: string; svc?: string; fqdn?: string }[] = [];
  for await (const p of c.net.publicIPAddresses.list(MC))
    pips.push({
      name: p.name ?? "",
      ip: p.ipAddress ?? "",
      svc: p.tags?.["k8s-azure-service"],
      fqdn: p.dnsSettings?.fqdn,
    });
  return { lb, rules, pips };
}

const U1 = "11111111-2222-3333-4444-555555555555";
const U2 = "66666666-7777-8888-9999-aaaaaaaaaaaa";

describe("LoadBalancer Services → the cluster's Azure resources", () => {
  it("a public Service gets an IP, a frontend, a rule and probe per port, and one Internet allow rule", async () => {
    const out = await apply([svc(U1, "web", [80, 443], {}, { [A.dnsLabelName]: "myweb" })]);
    const ip = out.get("default/web")?.ingressIP;
    expect(ip).toMatch(/^20\./);
    const { lb, rules, pips } = await state();
    const fe = lb.frontendIPConfigurations?.find((f) => f.name === "a1111111122223333444455555555555");
    expect(fe?.publicIPAddress?.id).toContain(
      "/publicIPAddresses/kubernetes-a1111111122223333444455555555555",
    );
    expect(
      lb.loadBalancingRules?.map((r) => [
        r.name,
        r.frontendPort,
        r.backendPort,
        r.enableFloatingIP,
        r.probe?.id?.split("/").pop(),
      ]),
    ).toEqual([
      ["a1111111122223333444455555555555-TCP-80", 80, 80, true, "a1111111122223333444455555555555-TCP-80"],
      [
        "a1111111122223333444455555555555-TCP-443",
        443,
        443,
        true,
        "a1111111122223333444455555555555-TCP-443",
      ],
    ]);
    expect(lb.probes?.map((p) => [p.name, p.port])).toEqual([
      ["a1111111122223333444455555555555-TCP-80", 30100],
      ["a1111111122223333444455555555555-TCP-443", 30101],
    ]);
    // AKS's outbound frontend and rule are left alone.
    expect(lb.outboundRules?.map((r) => r.name)).toEqual(["aksOutboundRule"]);
    expect(rules).toEqual([
      {
        name: expect.stringMatching(/^k8s-azure-lb_allow_IPv4_[0-9a-f]{32}$/),
        priority: 500,
        ports: ["443", "80"],
        dst: [ip],
        src: "Internet",
      },
    ]);
    expect(pips.find((p) => p.svc === "default/web")).toEqual({
      name: "kubernetes-a1111111122223333444455555555555",
      ip,
      svc: "default/web",
      fqdn: "myweb.eastus.cloudapp.azure.com",
    });
  });

  it("a second Service with the same ports shares the NSG rule; source ranges get their own", async () => {
    const out = await apply([
      svc(U1, "web", [80, 443]),
      svc(U2, "api", [443, 80]),
      svc("abcdefab-cdef-abcd-efab-cdefabcdefab", "admin", [8443], {
        loadBalancerSourceRanges: ["1.2.3.0/24"],
      }),
    ]);
    const ips = ["default/web", "default/api", "default/admin"].map((k) => out.get(k)?.ingressIP ?? "");
    expect(new Set(ips).size).toBe(3);
    const { rules } = await state();
    expect(rules.map((r) => [r.priority, r.ports, r.dst, r.src])).toEqual([
      [500, ["443", "80"], [ips[0], ips[1]].sort(), "Internet"],
      [501, ["8443"], [ips[2]], "1.2.3.0/24"],
    ]);
  });

  it("deleting every Service removes its parts, its IP and its rules; the outbound side stays", async () => {
    await apply([svc(U2, "api", [443, 80])]);
    let s = await state();
    expect(s.lb.frontendIPConfigurations?.map((f) => f.name).filter((n) => n?.startsWith("a"))).toEqual([
      "a66666666777788889999aaaaaaaaaaa",
    ]);
    expect(s.pips.filter((p) => p.svc).map((p) => p.svc)).toEqual(["default/api"]);
    expect(s.rules).toHaveLength(1);
    await apply([]);
    s = await state();
    expect(s.lb.loadBalancingRules).toEqual([]);
    expect(s.lb.probes).toEqual([]);
    expect(s.pips.filter((p) => p.svc)).toEqual([]);
    expect(s.rules).toEqual([]);
    expect(s.lb.outboundRules?.map((r) => r.name)).toEqual(["aksOutboundRule"]);
  });

  it("internal Services go to kubernetes-internal with a private frontend; it disappears with them", async () => {
    const out = await apply([svc(U1, "int", [80], {}, { [A.internal]: "true" })]);
    const ip = out.get("default/int")?.ingressIP ?? "";
    expect(ip).toMatch(/^10\./);
    const ilb = await c.net.loadBalancers.get(MC, "kubernetes-internal");
    expect(ilb.frontendIPConfigurations?.[0]).toMatchObject({
      name: "a1111111122223333444455555555555",
      privateIPAddress: ip,
    });
    await apply([]);
    await expect(c.net.loadBalancers.get(MC, "kubernetes-internal")).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it("a user's IP by address: used and never deleted; a missing one is the provider's error", async () => {
    const pip = await c.net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, "my-static", {
      location: "eastus",
      sku: { name: "Standard" },
      publicIPAllocationMethod: "Static",
    });
    const missing = await apply([svc(U1, "web", [80], { loadBalancerIP: "1.1.1.1" })]);
    expect(missing.get("default/web")).toEqual({
      error: `user supplied IP address 1.1.1.1 was not found in resource group ${MC}`,
    });
    // In another resource group the cluster identity needs rights there.
    const noRole = await apply([
      svc(U1, "web", [80], { loadBalancerIP: pip.ipAddress }, { [A.resourceGroup]: RG }),
    ]);
    expect(noRole.get("default/web")?.error).toContain("LinkedAuthorizationFailed");
    const mc = await c.aks.managedClusters.get(RG, "svc");
    await c.auth.roleAssignments.create(
      `/subscriptions/${c.emu.subscriptionId}/resourceGroups/${RG}`,
      "0b0b0b0b-0000-4000-8000-000000000001",
      {
        roleDefinitionId: `/subscriptions/${c.emu.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7`,
        principalId: mc.identity?.principalId ?? "",
      },
    );
    const ok = await apply([
      svc(U1, "web", [80], { loadBalancerIP: pip.ipAddress }, { [A.resourceGroup]: RG }),
    ]);
    expect(ok.get("default/web")).toEqual({ ingressIP: pip.ipAddress });
    await apply([]);
    expect((await c.net.publicIPAddresses.get(RG, "my-static")).ipAddress).toBe(pip.ipAddress);
  });
});

describe("the NSG half writes the rule set once per reconcile", () => {
  const etags = async () => {
    const nsgs = [];
    for await (const n of c.net.networkSecurityGroups.list(MC)) nsgs.push(n);
    const out = new Map<string, string>();
    for await (const r of c.net.securityRules.list(MC, nsgs[0].name ?? ""))
      if (r.name?.startsWith("k8s-azure-lb")) out.set(r.name, r.etag ?? "");
    return { nsg: nsgs[0].id ?? "", rules: out };
  };

  it("a reconcile that changes nothing rewrites no rule; a change rewrites only the rules it touches", async () => {
    await apply([
      svc(U1, "web", [80]),
      svc(U2, "admin", [443], { loadBalancerSourceRanges: ["1.2.3.0/24"] }),
    ]);
    const first = await etags();
    expect(first.rules.size).toBe(2);
    await apply([
      svc(U1, "web", [80]),
      svc(U2, "admin", [443], { loadBalancerSourceRanges: ["1.2.3.0/24"] }),
    ]);
    expect((await etags()).rules).toEqual(first.rules);
    await apply([
      svc(U1, "web", [80]),
      svc(U2, "admin", [443], { loadBalancerSourceRanges: ["5.6.7.0/24"] }),
    ]);
    const after = await etags();
    const same = [...after.rules].filter(([n, e]) => first.rules.get(n) === e).map(([n]) => n);
    expect(same).toHaveLength(1); // web's Internet rule kept its record; admin's source-range rule is new
    await apply([]);
  });

  it("the whole set is checked before anything is written: a priority clash refuses every rule", async () => {
    const { nsg } = await etags();
    const rule = (name: string, dst: string) => ({
      name,
      props: {
        protocol: "Tcp",
        access: "Allow",
        direction: "Inbound",
        priority: 3000,
        sourceAddressPrefix: "Internet",
        sourcePortRange: "*",
        destinationAddressPrefix: dst,
        destinationPortRange: "80",
      },
    });
    await expect(
      inArmTransaction(c.emu, (ctx) =>
        applySecurityRules(ctx, nsg, { put: [rule("x-a", "20.9.0.1"), rule("x-b", "20.9.0.2")], remove: [] }),
      ),
    ).rejects.toMatchObject({ code: "SecurityRuleConflict" });
    const names = [];
    for await (const r of c.net.securityRules.list(MC, nsg.split("/").pop() ?? "")) names.push(r.name);
    expect(names.filter((n) => n?.startsWith("x-"))).toEqual([]);
  });
});

describe("aksnet trace through a Service's load balancer", () => {
  const trace = async (body: Record<string, unknown>) =>
    c.emu.store.read((tx) =>
      traceReachability(tx, c.emu.settings, c.emu.services, {
        resourceGroup: RG,
        cluster: "svc",
        port: "80/tcp",
        ...body,
      }),
    );

  it("Internet → frontend → rule → every backend node, let in by the shared k8s-azure-lb rule", async () => {
    const out = await apply([
      svc(U1, "web", [80]),
      svc(U2, "admin", [443], { loadBalancerSourceRanges: ["1.2.3.0/24"] }),
    ]);
    const web = out.get("default/web")?.ingressIP ?? "";
    const r = await trace({ to: web });
    expect(r.loadBalancer).toMatchObject({
      loadBalancer: "kubernetes",
      frontend: "a1111111122223333444455555555555",
      rule: "a1111111122223333444455555555555-TCP-80",
      floatingIP: true,
      frontendPort: 80,
      probe: { protocol: "Tcp", port: 30100 },
    });
    expect(r.nodes).toHaveLength(2);
    const printed = render(r).split("\n");
    expect(printed.slice(2, 5)).toEqual([
      `Internet → ${web}:80 = frontend a1111111122223333444455555555555 of kubernetes`,
      "  → rule a1111111122223333444455555555555-TCP-80 (Tcp, probe Tcp 30100, floating IP on: nodes see the frontend address)",
      "  → backend pool kubernetes: the nodes below",
    ]);
    for (const n of r.nodes) {
      expect(n.verdict).toBe("Allow");
      expect(n.decidingRule?.name).toMatch(/^k8s-azure-lb_allow_IPv4_/);
    }
  });

  it("source ranges: Internet is denied, an address in the range is allowed", async () => {
    const admin = (
      await apply([
        svc(U1, "web", [80]),
        svc(U2, "admin", [443], { loadBalancerSourceRanges: ["1.2.3.0/24"] }),
      ])
    ).get("default/admin")?.ingressIP;
    const denied = await trace({ to: admin, port: "443/tcp" });
    expect(denied.nodes.map((n) => [n.verdict, n.decidingRule?.name])).toEqual([
      ["Deny", "DenyAllInBound"],
      ["Deny", "DenyAllInBound"],
    ]);
    const allowed = await trace({ to: admin, port: "443/tcp", from: "1.2.3.4" });
    expect(allowed.summary).toEqual({ allowed: 2, denied: 0 });
  });

  it("a port the frontend has no rule for, or an address that is no frontend, is said plainly", async () => {
    const web = (await apply([svc(U1, "web", [80])])).get("default/web")?.ingressIP ?? "";
    await expect(trace({ to: web, port: "8080/tcp" })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining("has no load-balancing rule for 8080/tcp (its rules serve 80/tcp)"),
    });
    await expect(trace({ to: "9.9.9.9" })).rejects.toMatchObject({
      status: 400,
      message: `9.9.9.9 is not a frontend address of any load balancer in ${MC}, nor an address of the cluster's nodes.`,
    });
    await apply([]);
  });
});
