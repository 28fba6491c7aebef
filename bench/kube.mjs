// Issue #10 figures for the Kubernetes face, as ratios against baselines measured in the same
// run: a LIST of 10,000 pods vs an ARM GET; watch delivery latency (p99) with 100 watchers vs
// an ARM GET; one `kubectl get pods` process vs `kubectl version --client`.
// Run after `npm run build`: node bench/kube.mjs (BENCH_PODS to change the pod count).
import { execFile } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { promisify } from "node:util";
import { median, request, signIn, startEmulator, table, tempDir } from "./lib.mjs";

const run_ = promisify(execFile);
const PODS = Number(process.env.BENCH_PODS ?? 10_000);
const WATCHERS = 100;

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function timed(n, fn) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

export async function run() {
  const dir = tempDir();
  // The API face alone: with the controller manager, every pod create re-runs the scheduler over
  // all pods, which measures the scheduler, not the API.
  const emu = await startEmulator(dir, ["--in-memory", "--log-level", "error"], {
    AKSNET_KUBE_CONTROLLERS: "0",
  });
  const agent = new https.Agent({ ca: emu.ca, keepAlive: true, maxSockets: 256 });
  try {
    const token = await signIn(agent, emu.url, emu.info.tenantId);
    const auth = { authorization: `Bearer ${token}` };
    const sub = `/subscriptions/${emu.info.subscriptionId}`;
    await request(agent, "PUT", `${emu.url}${sub}/resourcegroups/bench?api-version=2021-04-01`, {
      headers: auth,
      body: { location: "eastus" },
    });
    const id = `${sub}/resourceGroups/bench/providers/Microsoft.ContainerService/managedClusters/kb`;
    const put = await request(agent, "PUT", `${emu.url}${id}?api-version=2024-05-01`, {
      headers: auth,
      body: {
        location: "eastus",
        identity: { type: "SystemAssigned" },
        properties: {
          kubernetesVersion: "1.33",
          dnsPrefix: "kb",
          agentPoolProfiles: [
            { name: "nodepool1", count: 1, vmSize: "Standard_DS2_v2", mode: "System", osType: "Linux" },
          ],
        },
      },
    });
    if (put.status >= 300) throw new Error(`cluster PUT: ${put.status} ${put.text}`);
    const cred = await request(
      agent,
      "POST",
      `${emu.url}${id}/listClusterUserCredential?api-version=2024-05-01`,
      { headers: auth },
    );
    const kubeconfig = Buffer.from(cred.json().kubeconfigs[0].value, "base64").toString("utf8");
    const server = /server: (\S+)/.exec(kubeconfig)[1];
    const kauth = { authorization: `Bearer ${/token: (\S+)/.exec(kubeconfig)[1]}` };
    const armGet = () =>
      request(agent, "GET", `${emu.url}${sub}/resourcegroups/bench?api-version=2021-04-01`, {
        headers: auth,
      });

    // ---- 10,000 pods
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < PODS) {
          const i = next++;
          const r = await request(agent, "POST", `${server}/api/v1/namespaces/default/pods`, {
            headers: kauth,
            body: {
              metadata: { name: `p-${i}`, labels: { app: `a${i % 10}` } },
              spec: { containers: [{ name: "c", image: "nginx" }] },
            },
          });
          if (r.status !== 201) throw new Error(`pod create: ${r.status} ${r.text}`);
        }
      }),
    );
    const createMs = performance.now() - t0;
    for (let i = 0; i < 20; i++) await armGet();
    const arm = median(await timed(50, armGet));
    const list = median(
      await timed(5, async () => {
        const r = await request(agent, "GET", `${server}/api/v1/namespaces/default/pods`, { headers: kauth });
        if (r.json().items.length !== PODS) throw new Error("short list");
      }),
    );
    const page = median(
      await timed(10, () =>
        request(agent, "GET", `${server}/api/v1/namespaces/default/pods?limit=500`, { headers: kauth }),
      ),
    );
    const selected = median(
      await timed(5, () =>
        request(agent, "GET", `${server}/api/v1/namespaces/default/pods?labelSelector=app%3Da3`, {
          headers: kauth,
        }),
      ),
    );

    // ---- the event loop while 10,000 pods are listed (JSON and kubectl's Table): the slowest
    // /healthz (no store) and ARM GET answered meanwhile, as multiples of idle ones.
    const health = () => request(agent, "GET", `${server}/healthz`);
    for (let i = 0; i < 20; i++) await health();
    const idleHealth = median(await timed(50, health));
    const during = { health: [], arm: [] };
    let busy = true;
    const probe = async (fn, out) => {
      while (busy) {
        const t = performance.now();
        await fn();
        out.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 1));
      }
    };
    const probes = [probe(health, during.health), probe(armGet, during.arm)];
    const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    for (let i = 0; i < 3; i++) {
      await request(agent, "GET", `${server}/api/v1/namespaces/default/pods`, { headers: kauth });
      await request(agent, "GET", `${server}/api/v1/namespaces/default/pods`, {
        headers: { ...kauth, accept: TABLE },
      });
    }
    busy = false;
    await Promise.all(probes);
    const worstHealth = Math.max(...during.health);
    const worstArm = Math.max(...during.arm);

    // ---- watch delivery with 100 watchers
    await request(agent, "POST", `${server}/api/v1/namespaces`, {
      headers: kauth,
      body: { metadata: { name: "w" } },
    });
    const sent = new Map();
    const lat = [];
    const watchers = [];
    await Promise.all(
      Array.from(
        { length: WATCHERS },
        () =>
          new Promise((resolve, reject) => {
            const req = https.request(
              `${server}/api/v1/namespaces/w/configmaps?watch=true`,
              { agent: new https.Agent({ ca: emu.ca }), headers: kauth },
              (res) => {
                let buf = "";
                res.on("data", (c) => {
                  buf += c;
                  let i = buf.indexOf("\n");
                  while (i >= 0) {
                    const ev = JSON.parse(buf.slice(0, i));
                    buf = buf.slice(i + 1);
                    const at = sent.get(ev.object?.metadata?.name);
                    if (at !== undefined) lat.push(performance.now() - at);
                    i = buf.indexOf("\n");
                  }
                });
                resolve();
              },
            );
            req.on("error", reject);
            req.end();
            watchers.push(req);
          }),
      ),
    );
    const EVENTS = 50;
    for (let i = 0; i < EVENTS; i++) {
      const name = `cm-${i}`;
      sent.set(name, performance.now());
      await request(agent, "POST", `${server}/api/v1/namespaces/w/configmaps`, {
        headers: kauth,
        body: { metadata: { name } },
      });
    }
    for (let i = 0; i < 100 && lat.length < EVENTS * WATCHERS; i++)
      await new Promise((r) => setTimeout(r, 50));
    for (const w of watchers) w.destroy();
    const p50 = pct(lat, 50);
    const p99 = pct(lat, 99);

    // ---- kubectl
    const kdir = tempDir();
    fs.writeFileSync(path.join(kdir, "config"), kubeconfig, { mode: 0o600 });
    await request(agent, "POST", `${server}/api/v1/namespaces`, {
      headers: kauth,
      body: { metadata: { name: "small" } },
    });
    for (let i = 0; i < 10; i++)
      await request(agent, "POST", `${server}/api/v1/namespaces/small/pods`, {
        headers: kauth,
        body: { metadata: { name: `s-${i}` }, spec: { containers: [{ name: "c", image: "nginx" }] } },
      });
    const env = { ...process.env, KUBECONFIG: path.join(kdir, "config"), HOME: kdir };
    const cache = ["--cache-dir", path.join(kdir, "cache")];
    await run_("/usr/bin/kubectl", ["get", "pods", "-n", "small", ...cache], { env }); // warm the discovery cache
    const getPods = median(
      await timed(5, () => run_("/usr/bin/kubectl", ["get", "pods", "-n", "small", ...cache], { env })),
    );
    const clientVersion = median(
      await timed(5, () => run_("/usr/bin/kubectl", ["version", "--client", ...cache], { env })),
    );

    table(`Kubernetes face (${PODS} pods created in ${(createMs / 1000).toFixed(1)} s)`, [
      ["measure", "ms", "ratio", "baseline"],
      ["ARM GET resource group (median)", arm.toFixed(2), "1.0", "-"],
      [`LIST ${PODS} pods, one response (median)`, list.toFixed(1), (list / arm).toFixed(1), "ARM GET"],
      ["LIST 500 pods (limit=500, kubectl's page)", page.toFixed(1), (page / arm).toFixed(1), "ARM GET"],
      [
        `LIST with labelSelector (${PODS / 10} match)`,
        selected.toFixed(1),
        (selected / arm).toFixed(1),
        "ARM GET",
      ],
      ["/healthz idle (median)", idleHealth.toFixed(2), "1.0", "-"],
      [
        `slowest /healthz during ${PODS}-pod LISTs`,
        worstHealth.toFixed(1),
        (worstHealth / idleHealth).toFixed(1),
        "/healthz idle",
      ],
      [
        `slowest ARM GET during ${PODS}-pod LISTs`,
        worstArm.toFixed(1),
        (worstArm / arm).toFixed(1),
        "ARM GET",
      ],
      [`watch delivery p50, ${WATCHERS} watchers`, p50.toFixed(2), (p50 / arm).toFixed(1), "ARM GET"],
      [`watch delivery p99, ${WATCHERS} watchers`, p99.toFixed(2), (p99 / arm).toFixed(1), "ARM GET"],
      ["kubectl version --client (process)", clientVersion.toFixed(0), "1.0", "-"],
      [
        "kubectl get pods (process, 10 pods)",
        getPods.toFixed(0),
        (getPods / clientVersion).toFixed(2),
        "kubectl version --client",
      ],
    ]);
    if (lat.length < EVENTS * WATCHERS)
      console.log(`  (only ${lat.length} of ${EVENTS * WATCHERS} watch deliveries arrived)`);
  } finally {
    agent.destroy();
    emu.proc.kill("SIGTERM");
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
