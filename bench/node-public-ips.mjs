// Issue #4 figures (build first: npm run build; then node bench/run.mjs nodeips):
//  1. A pool of 16 nodes with node public IPs from a /28 prefix, created through the ARM API
//     (PUT + polling the Azure-AsyncOperation URL to Succeeded), then deleted: median over N runs.
//  2. Listing those 16 IPs through the VMSS public-IP API that `az vmss list-instance-public-ips`
//     and @azure/arm-network call (…/virtualMachineScaleSets/{vmss}/publicipaddresses?api-version=2018-10-01):
//     median latency, and its ratio to a bare authenticated GET (the resource group) on the same server.
import https from "node:https";
import { median, request, signIn, startEmulator, table, tempDir } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const LISTS = Number(process.env.BENCH_LISTS ?? 300);
const AKS = "2026-06-01";
const NET = "2026-01-01";

async function call(agent, auth, method, url, body) {
  const r = await request(agent, method, url, { headers: auth, body });
  if (r.status >= 400) throw new Error(`${method} ${url}: ${r.status} ${r.text}`);
  return r;
}

/** Waits for a long-running operation the way the SDKs do (Azure-AsyncOperation, else Location). */
async function settle(agent, auth, res) {
  const op = res.headers["azure-asyncoperation"];
  const loc = res.headers.location;
  if (!op && !loc) return;
  for (;;) {
    const r = await call(agent, auth, "GET", op ?? loc);
    if (op) {
      const s = r.json().status;
      if (s === "Succeeded") return;
      if (s === "Failed" || s === "Canceled") throw new Error(`operation ${s}: ${r.text}`);
    } else if (r.status !== 202) return;
    await new Promise((res) => setTimeout(res, 1));
  }
}

export async function run() {
  const emu = await startEmulator(tempDir(), ["--in-memory"]);
  const agent = new https.Agent({ ca: emu.ca, keepAlive: true });
  const token = await signIn(agent, emu.url, emu.info.tenantId);
  const auth = { authorization: `Bearer ${token}` };
  const sub = `${emu.url}/subscriptions/${emu.info.subscriptionId}`;
  const rg = `${sub}/resourcegroups/bench`;
  await call(agent, auth, "PUT", `${rg}?api-version=2021-04-01`, { location: "eastus" });
  const prefix = await call(
    agent,
    auth,
    "PUT",
    `${rg}/providers/Microsoft.Network/publicIPPrefixes/p28?api-version=${NET}`,
    { location: "eastus", properties: { prefixLength: 28 } },
  );
  const prefixId = prefix.json().id;
  const cluster = `${rg}/providers/Microsoft.ContainerService/managedClusters/c1`;
  const created = await call(agent, auth, "PUT", `${cluster}?api-version=${AKS}`, {
    location: "eastus",
    identity: { type: "SystemAssigned" },
    properties: {
      dnsPrefix: "bench",
      agentPoolProfiles: [{ name: "system", count: 1, vmSize: "Standard_DS2_v2", mode: "System" }],
      networkProfile: { networkPlugin: "kubenet" },
    },
  });
  await settle(agent, auth, created);
  const nodeRg = (await call(agent, auth, "GET", `${cluster}?api-version=${AKS}`)).json().properties
    .nodeResourceGroup;

  const poolUrl = `${cluster}/agentPools/ips?api-version=${AKS}`;
  const poolBody = {
    properties: {
      count: 16,
      vmSize: "Standard_DS2_v2",
      mode: "User",
      enableNodePublicIP: true,
      nodePublicIPPrefixID: prefixId,
    },
  };
  const creates = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const t0 = performance.now();
    await settle(agent, auth, await call(agent, auth, "PUT", poolUrl, poolBody));
    const t1 = performance.now();
    if (i >= 2) creates.push(t1 - t0);
    if (i < RUNS + 1) await settle(agent, auth, await call(agent, auth, "DELETE", poolUrl));
  }

  const vmss = (
    await call(
      agent,
      auth,
      "GET",
      `${sub}/resourceGroups/${nodeRg}/providers/Microsoft.Compute/virtualMachineScaleSets?api-version=2024-07-01`,
    )
  )
    .json()
    .value.find((v) => v.tags["aks-managed-poolName"] === "ips").name;
  const listUrl = `${sub}/resourceGroups/${nodeRg}/providers/Microsoft.Compute/virtualMachineScaleSets/${vmss}/publicipaddresses?api-version=2018-10-01`;
  const getUrl = `${rg}?api-version=2021-04-01`;
  const first = (await call(agent, auth, "GET", listUrl)).json().value;
  const ips = new Set(first.map((p) => p.properties.ipAddress));
  if (first.length !== 16 || ips.size !== 16) throw new Error(`expected 16 unique IPs, got ${first.length}`);

  const lists = [];
  const gets = [];
  for (let i = 0; i < LISTS + 20; i++) {
    const t0 = performance.now();
    await call(agent, auth, "GET", listUrl);
    const t1 = performance.now();
    await call(agent, auth, "GET", getUrl);
    const t2 = performance.now();
    if (i >= 20) {
      lists.push(t1 - t0);
      gets.push(t2 - t1);
    }
  }

  const ms = (x) => x.toFixed(2);
  table(`Pool of 16 nodes with public IPs from a /28 (PUT + LRO, ${RUNS} runs)`, [
    ["step", "median ms", "min ms"],
    ["create pool (16 IPs from the prefix)", ms(median(creates)), ms(Math.min(...creates))],
  ]);
  table(`VMSS public-IP list, 16 entries (${LISTS} requests, one keep-alive client)`, [
    ["request", "median ms", "ratio"],
    ["GET resource group (bare authenticated GET)", ms(median(gets)), "1.00"],
    [
      "GET …/virtualMachineScaleSets/{vmss}/publicipaddresses",
      ms(median(lists)),
      (median(lists) / median(gets)).toFixed(2),
    ],
  ]);
  agent.destroy();
  emu.proc.kill("SIGTERM");
  return { createMs: median(creates), listMs: median(lists), listRatio: median(lists) / median(gets) };
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
