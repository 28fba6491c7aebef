// Issue #12 figures (build first: npm run build; then node bench/services.mjs):
//  1. 1,000 LoadBalancer Services reconciled onto a cluster's `kubernetes` load balancer and NSG in
//     one pass (the service controller's Azure half): time, and the NSG / LB sizes it leaves;
//  2. one Service update at that size (a full reconcile: every part rewritten once);
// each as a ratio to one authenticated ARM GET on the same in-process emulator;
//  3. the NSG half alone: K rules written one at a time (putSecurityRule per rule, what the
//     controller did before) against one write of the whole set (applySecurityRules), and the store
//     writes a reconcile that changes nothing costs each way.
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { ResourceManagementClient } from "@azure/arm-resources";
import { median, signIn, table } from "./lib.mjs";

const dist = new URL("../dist/", import.meta.url);
const { startEmulator } = await import(new URL("server/app.js", dist).href);
const { resolveOptions } = await import(new URL("server/config.js", dist).href);
const { backgroundContext } = await import(new URL("providers/context.js", dist).href);
const { desiredServiceLoadBalancer } = await import(new URL("kube/services/azureLoadBalancer.js", dist).href);
const { applyServiceLoadBalancers } = await import(new URL("kube/services/azureApply.js", dist).href);
const { applySecurityRules, deleteSecurityRule, putSecurityRule } = await import(
  new URL("providers/network/internal.js", dist).href
);

const N = Number(process.env.BENCH_SERVICES ?? 1000);

function service(i, ports) {
  const hex = i.toString(16).padStart(8, "0");
  const d = desiredServiceLoadBalancer({
    metadata: { uid: `${hex}-0000-4000-8000-000000000000`, namespace: "bench", name: `svc-${i}` },
    spec: {
      type: "LoadBalancer",
      ports: ports.map((port, k) => ({ port, protocol: "TCP", nodePort: 30000 + ((i * 2 + k) % 2768) })),
    },
  });
  if (!d.ok) throw new Error(d.message);
  return d.value;
}

export async function run() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "aksnet-bench-"));
  const emu = await startEmulator(
    resolveOptions({ port: 0, inMemory: true, quiet: true, dataDir }),
    () => undefined,
  );
  const ca = fs.readFileSync(emu.caFile, "utf8");
  const agent = new https.Agent({ ca, keepAlive: true });
  const token = await signIn(agent, emu.url, emu.tenantId);
  const credential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_000_000 }) };
  const opts = { endpoint: emu.url, tlsOptions: { ca } };
  const rm = new ResourceManagementClient(credential, emu.subscriptionId, opts);
  const aks = new ContainerServiceClient(credential, emu.subscriptionId, opts);
  await rm.resourceGroups.createOrUpdate("bench", { location: "eastus" });
  const mc = await aks.managedClusters.beginCreateOrUpdateAndWait("bench", "svc", {
    location: "eastus",
    identity: { type: "SystemAssigned" },
    dnsPrefix: "bench",
    agentPoolProfiles: [{ name: "nodepool1", count: 3, vmSize: "Standard_DS2_v2", mode: "System" }],
    networkProfile: { networkPlugin: "kubenet" },
  });

  const gets = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    await rm.resourceGroups.get("bench");
    gets.push(performance.now() - t);
  }
  const get = median(gets);

  const apply = (services) =>
    emu.store.transaction((tx) =>
      applyServiceLoadBalancers(
        backgroundContext(tx, emu.settings, emu.services, emu.subscriptionId),
        mc.id,
        services,
      ),
    );
  // Ten port sets shared by the Services, so rules are shared the way cloud-provider-azure shares them.
  const portSets = Array.from({ length: 10 }, (_, k) => [80 + k, 8000 + k]);
  const all = Array.from({ length: N }, (_, i) => service(i, portSets[i % 10]));
  let t = performance.now();
  const out = await apply(all);
  const full = performance.now() - t;
  const served = [...out.values()].filter((o) => o.ingressIP).length;

  const updates = [];
  for (let r = 0; r < 5; r++) {
    all[r] = service(r, [9000 + r]);
    t = performance.now();
    await apply(all);
    updates.push(performance.now() - t);
  }
  const update = median(updates);
  const nodeRg = `MC_bench_svc_eastus`;
  const sizes = await emu.store.read(async (tx) => {
    const rules = (
      await tx.listResourcesUnder(
        `/subscriptions/${emu.subscriptionId}/resourceGroups/${nodeRg}/providers/Microsoft.Network/networkSecurityGroups/`,
      )
    ).filter((r) => r.type.endsWith("securityRules"));
    const lb = await tx.getResource(
      `/subscriptions/${emu.subscriptionId}/resourceGroups/${nodeRg}/providers/Microsoft.Network/loadBalancers/kubernetes`,
    );
    return {
      rules: rules.length,
      frontends: lb.body.properties.frontendIPConfigurations.length,
      lbRules: lb.body.properties.loadBalancingRules.length,
    };
  });
  table(`LoadBalancer Services (N = ${N}, 3 nodes)`, [
    ["what", "ms", "× ARM GET"],
    ["ARM GET (baseline, median of 30)", get.toFixed(2), "1.0"],
    [`reconcile ${N} Services in one pass (${served} served)`, full.toFixed(0), (full / get).toFixed(0)],
    ["one Service updated at that size (median of 5)", update.toFixed(0), (update / get).toFixed(0)],
    [`NSG rules / LB frontends / LB rules`, `${sizes.rules} / ${sizes.frontends} / ${sizes.lbRules}`, ""],
  ]);

  // 3. The NSG write alone, on the cluster's NSG (already holding the Services' rules).
  const K = Number(process.env.BENCH_NSG_RULES ?? 400);
  const nsgId = await emu.store.read(async (tx) => {
    const nsgs = await tx.listResources({
      type: "Microsoft.Network/networkSecurityGroups",
      subscriptionId: emu.subscriptionId,
    });
    return nsgs.find((n) => n.id.toLowerCase().includes(`/resourcegroups/${nodeRg.toLowerCase()}/`)).id;
  });
  const rules = Array.from({ length: K }, (_, i) => ({
    name: `bench-${i}`,
    props: {
      protocol: "Tcp",
      access: "Allow",
      direction: "Inbound",
      priority: 1000 + i,
      sourceAddressPrefix: "Internet",
      sourcePortRange: "*",
      destinationAddressPrefix: `20.9.${i >> 8}.${i & 255}`,
      destinationPortRange: "80",
    },
  }));
  const inTx = (fn) =>
    emu.store.transaction((tx) => fn(backgroundContext(tx, emu.settings, emu.services, emu.subscriptionId)));
  const clear = () =>
    inTx(async (ctx) => {
      for (const r of rules) await deleteSecurityRule(ctx, nsgId, r.name);
    });
  const timed = async (fn) => {
    const rev = await emu.store.currentRevision();
    const t0 = performance.now();
    await fn();
    return { ms: performance.now() - t0, writes: (await emu.store.currentRevision()) - rev };
  };
  const oneByOne = () =>
    inTx(async (ctx) => {
      for (const r of rules) await putSecurityRule(ctx, nsgId, r.name, r.props);
    });
  const oneWrite = () => inTx((ctx) => applySecurityRules(ctx, nsgId, { put: rules, remove: [] }));
  const a = await timed(oneByOne);
  const aAgain = await timed(oneByOne);
  await clear();
  const b = await timed(oneWrite);
  const bAgain = await timed(oneWrite);
  await clear();
  table(`NSG rules written by a reconcile (K = ${K} rules)`, [
    ["what", "ms", "store writes", "× one write"],
    ["one write of the set (applySecurityRules)", b.ms.toFixed(0), String(b.writes), "1.0"],
    ["one rule at a time (putSecurityRule × K)", a.ms.toFixed(0), String(a.writes), (a.ms / b.ms).toFixed(1)],
    ["again, nothing changed: one write", bAgain.ms.toFixed(0), String(bAgain.writes), "1.0"],
    [
      "again, nothing changed: one at a time",
      aAgain.ms.toFixed(0),
      String(aAgain.writes),
      (aAgain.ms / bAgain.ms).toFixed(1),
    ],
  ]);
  agent.destroy();
  await emu.close();
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
