// Issue #3 figures (build first: npm run build; then node bench/cluster-create.mjs):
//  1. A kubenet cluster with a BYO subnet and 3 nodes created through @azure/arm-containerservice,
//     LRO completion included: median over N runs, and its ratio to one authenticated GET
//     through the same SDK client on the same server.
//  2. An Azure CNI Overlay pool scaled 0 → 100 and 0 → 1,000 nodes (PUT + LRO): time and
//     store growth, so the two sizes show whether cost grows linearly.
import https from "node:https";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { NetworkManagementClient } from "@azure/arm-network";
import { ResourceManagementClient } from "@azure/arm-resources";
import { median, request, signIn, startEmulator, table, tempDir } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 30);

async function boot() {
  const emu = await startEmulator(tempDir(), ["--in-memory"]);
  const agent = new https.Agent({ ca: emu.ca, keepAlive: true });
  const token = await signIn(agent, emu.url, emu.info.tenantId);
  const credential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_000_000 }) };
  // The emulator's CA is trusted through the pipeline's TLS settings (no NODE_EXTRA_CA_CERTS needed).
  const opts = { endpoint: emu.url, tlsOptions: { ca: emu.ca.toString("utf8") } };
  const sub = emu.info.subscriptionId;
  const status = async () => (await request(agent, "GET", `${emu.url}/_aksnet/status`)).json();
  return {
    emu,
    agent,
    sub,
    status,
    aks: new ContainerServiceClient(credential, sub, opts),
    net: new NetworkManagementClient(credential, sub, opts),
    rm: new ResourceManagementClient(credential, sub, opts),
    close() {
      agent.destroy();
      emu.proc.kill("SIGTERM");
    },
  };
}

const kubenetCluster = (subnetId) => ({
  location: "eastus",
  identity: { type: "SystemAssigned" },
  dnsPrefix: "bench",
  agentPoolProfiles: [
    { name: "nodepool1", count: 3, vmSize: "Standard_DS2_v2", mode: "System", vnetSubnetID: subnetId },
  ],
  networkProfile: {
    networkPlugin: "kubenet",
    podCidr: "10.244.0.0/16",
    serviceCidr: "10.0.0.0/16",
    dnsServiceIP: "10.0.0.10",
  },
});

async function createFigures() {
  const b = await boot();
  await b.rm.resourceGroups.createOrUpdate("bench", { location: "eastus" });
  const creates = [];
  const gets = [];
  for (let i = 0; i < RUNS + 3; i++) {
    // A fresh subnet per cluster: a subnet hosts one kubenet cluster.
    const vnet = await b.net.virtualNetworks.beginCreateOrUpdateAndWait("bench", `vnet${i}`, {
      location: "eastus",
      addressSpace: { addressPrefixes: ["192.168.0.0/16"] },
      subnets: [{ name: "s", addressPrefix: "192.168.1.0/24" }],
    });
    const t0 = performance.now();
    const mc = await b.aks.managedClusters.createOrUpdate(
      "bench",
      `c${i}`,
      kubenetCluster(vnet.subnets[0].id),
    );
    const t1 = performance.now();
    if (mc.provisioningState !== "Succeeded") throw new Error(`cluster ${i}: ${mc.provisioningState}`);
    await b.rm.resourceGroups.get("bench");
    const t2 = performance.now();
    if (i >= 3) {
      // the first runs warm up JIT and connections
      creates.push(t1 - t0);
      gets.push(t2 - t1);
    }
  }
  const stat = await b.status();
  b.close();
  const c = median(creates);
  const g = median(gets);
  table(`Create a kubenet cluster, BYO subnet, 3 nodes, SDK incl. LRO (median of ${RUNS})`, [
    ["measure", "ms", "aim"],
    ["cluster create (PUT + poll + GET)", c.toFixed(1), "< 50"],
    ["authenticated GET (same client)", g.toFixed(2), ""],
    ["ratio create / GET", (c / g).toFixed(1), ""],
    ["store after all clusters (KiB)", (stat.storeBytes / 1024).toFixed(0), ""],
  ]);
  return { createMs: c, getMs: g };
}

async function scaleFigures(nodes) {
  const b = await boot();
  await b.rm.resourceGroups.createOrUpdate("scale", { location: "eastus" });
  await b.aks.managedClusters.createOrUpdate("scale", "ovl", {
    location: "eastus",
    identity: { type: "SystemAssigned" },
    dnsPrefix: "ovl",
    agentPoolProfiles: [{ name: "system", count: 1, vmSize: "Standard_DS2_v2", mode: "System" }],
    networkProfile: { networkPlugin: "azure", networkPluginMode: "overlay", podCidr: "10.128.0.0/14" },
  });
  await b.aks.agentPools.createOrUpdate("scale", "ovl", "user", { count: 0, mode: "User" });
  const before = await b.status();
  const t0 = performance.now();
  const pool = await b.aks.agentPools.createOrUpdate("scale", "ovl", "user", { count: nodes, mode: "User" });
  const ms = performance.now() - t0;
  if (pool.provisioningState !== "Succeeded" || pool.count !== nodes) throw new Error("scale failed");
  const after = await b.status();
  b.close();
  return {
    nodes,
    ms,
    bytes: after.storeBytes - before.storeBytes,
    resources: after.resources - before.resources,
  };
}

export async function run() {
  const create = await createFigures();
  const small = await scaleFigures(100);
  const big = await scaleFigures(1000);
  table("Scale an Azure CNI Overlay pool from 0 nodes (PUT + LRO, one emulator each)", [
    ["nodes", "ms", "ms/node", "store +KiB", "KiB/node", "resources +", "aim"],
    ...[small, big].map((r) => [
      String(r.nodes),
      r.ms.toFixed(0),
      (r.ms / r.nodes).toFixed(2),
      (r.bytes / 1024).toFixed(0),
      (r.bytes / 1024 / r.nodes).toFixed(2),
      String(r.resources),
      r.nodes === 1000 ? "< 2000 ms" : "",
    ]),
    [
      "1000 vs 100",
      `x${(big.ms / small.ms).toFixed(1)}`,
      "",
      `x${(big.bytes / small.bytes).toFixed(1)}`,
      "",
      "",
      "x10 = linear",
    ],
  ]);
  return { ...create, scale100Ms: small.ms, scale1000Ms: big.ms };
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
