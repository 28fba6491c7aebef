// Issue 14 figures: one AksHci network with 20 workload clusters and 500 LoadBalancer
// Services (25 per cluster): time to converge (every cluster and Service holding its
// addresses), the per-request cost of a Service VIP against an ARM GET, and regenerating one
// cluster's haproxy.cfg (25 frontends × every node) against the same ARM GET — all measured
// in this run, so the ratios hold on a noisy machine.
import https from "node:https";
import { median, request, signIn, startEmulator, table, tempDir } from "./lib.mjs";

const CLUSTERS = Number(process.env.BENCH_HCI_CLUSTERS ?? 20);
const SERVICES = Number(process.env.BENCH_HCI_SERVICES ?? 500);

async function timed(fn) {
  const t0 = performance.now();
  const r = await fn();
  return { ms: performance.now() - t0, r };
}

export async function run() {
  const emu = await startEmulator(tempDir(), ["--in-memory"]);
  const agent = new https.Agent({ ca: emu.ca, keepAlive: true });
  const token = await signIn(agent, emu.url, emu.info.tenantId);
  const headers = { authorization: `Bearer ${token}` };
  const hci = (method, path, body) =>
    request(agent, method, `${emu.url}/_aksnet/hci${path}`, { headers, body });
  const must = async (p) => {
    const r = await p;
    if (r.status >= 300) throw new Error(`${r.status} ${r.text}`);
    return r;
  };
  try {
    await must(
      hci("PUT", "/config", {
        vnet: {
          name: "benchnet",
          vswitchName: "sw",
          ipAddressPrefix: "10.50.0.0/16",
          gateway: "10.50.0.1",
          dnsServers: ["10.50.0.1"],
          k8sNodeIpPoolStart: "10.50.1.0",
          k8sNodeIpPoolEnd: "10.50.3.255",
          vipPoolStart: "10.50.8.0",
          vipPoolEnd: "10.50.11.255",
        },
        cloudServiceCidr: "10.50.0.10/16",
      }),
    );
    await must(hci("POST", "/install"));
    const t0 = performance.now();
    const clusterMs = [];
    for (let i = 0; i < CLUSTERS; i++) {
      const { ms } = await timed(() => must(hci("PUT", `/clusters/c${i}`, { linuxNodeCount: 3 })));
      clusterMs.push(ms);
    }
    const serviceMs = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < SERVICES) {
          const i = next++;
          const { ms } = await timed(() =>
            must(
              hci("PUT", `/clusters/c${i % CLUSTERS}/services/default/svc${i}`, {
                ports: [{ port: 80 + (i % 3), nodePort: 30000 + i }],
              }),
            ),
          );
          serviceMs.push(ms);
        }
      }),
    );
    const convergeMs = performance.now() - t0;
    const view = JSON.parse((await must(hci("GET", "/view"))).text);
    const vips = view.networks[0].vipPool.holders.map((h) => h.ip);
    if (new Set(vips).size !== vips.length || vips.length !== 1 + CLUSTERS + SERVICES)
      throw new Error(
        `expected ${1 + CLUSTERS + SERVICES} distinct VIPs, got ${vips.length} (${new Set(vips).size} distinct)`,
      );

    // Baseline: an ARM GET of a resource group through the same TLS, auth and store.
    await request(
      agent,
      "PUT",
      `${emu.url}/subscriptions/${emu.info.subscriptionId}/resourcegroups/bench?api-version=2021-04-01`,
      {
        headers,
        body: { location: "eastus" },
      },
    );
    const arm = [];
    const cfg = [];
    let cfgBytes = 0;
    for (let i = 0; i < 200; i++) {
      arm.push(
        (
          await timed(() =>
            must(
              request(
                agent,
                "GET",
                `${emu.url}/subscriptions/${emu.info.subscriptionId}/resourcegroups/bench?api-version=2021-04-01`,
                { headers },
              ),
            ),
          )
        ).ms,
      );
      const c = await timed(() => must(hci("GET", "/clusters/c0/haproxy.cfg")));
      cfg.push(c.ms);
      cfgBytes = c.r.text.length;
    }
    const base = median(arm);
    table(`AksHci: ${CLUSTERS} clusters, ${SERVICES} LoadBalancer Services on one network`, [
      ["measure", "median ms", "× ARM GET"],
      ["ARM GET resource group (baseline)", base.toFixed(2), "1.0"],
      [
        "New-AksHciCluster (3 workers + LB VM)",
        median(clusterMs).toFixed(2),
        (median(clusterMs) / base).toFixed(1),
      ],
      ["Service VIP (ensureServiceVip)", median(serviceMs).toFixed(2), (median(serviceMs) / base).toFixed(1)],
      [`haproxy.cfg of c0 (${cfgBytes} bytes)`, median(cfg).toFixed(2), (median(cfg) / base).toFixed(1)],
      ["converge: all clusters + Services (total)", convergeMs.toFixed(0), (convergeMs / base).toFixed(0)],
    ]);
  } finally {
    agent.destroy();
    emu.proc.kill("SIGTERM");
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
