// Issue #11 figures through the running emulator (build first: npm run build; then
// node bench/workloads-api.mjs, or npm run bench workloads-api). A cluster of 100 nodes made
// through ARM, the PodHostPortAutoAssignPreview flag registered, then ONE POST of a Deployment
// with 10,000 replicas and 2 auto-assigned host ports each (20,000 ports: the whole 40000–59999
// range) over HTTPS with the cluster's token — and the controller manager does the rest
// (ReplicaSet, 10,000 pod creates through admission, scheduler bindings, kubelet stages, pod
// addresses as store rows) until the Deployment reports 10,000 available. Figures: wall time,
// pods/s bound and Running, heap per pod after gc; as ratios to baselines from the same run
// (one authenticated ARM GET; a structuredClone of the 10,000 pods the store then holds).
// The replicas per node (fewest / most) show the default topology spreading. BENCH_REPLICAS /
// BENCH_NODES scale it down.
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { median, request, signIn, table } from "./lib.mjs";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");

const dist = new URL("../dist/", import.meta.url);
const { startEmulator } = await import(new URL("server/app.js", dist).href);
const { resolveOptions } = await import(new URL("server/config.js", dist).href);

const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 10_000);
const NODES = Number(process.env.BENCH_NODES ?? 100);
const API = "api-version=2024-05-01";
const youngMiB = () =>
  Math.round(
    (v8.getHeapSpaceStatistics().find((x) => x.space_name === "new_space")?.space_size ?? 0) / 1048576,
  );
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function run() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "aksnet-bench-"));
  const emu = await startEmulator(
    resolveOptions({ port: 0, inMemory: true, quiet: true, dataDir, logLevel: "error" }),
    () => undefined,
  );
  const agent = new https.Agent({ ca: fs.readFileSync(emu.caFile), keepAlive: true });
  const token = await signIn(agent, emu.url, emu.tenantId);
  const auth = { authorization: `Bearer ${token}` };
  const arm = async (method, p, body) => {
    const r = await request(agent, method, `${emu.url}${p}`, { headers: auth, body });
    if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${r.text}`);
    return r.text ? r.json() : undefined;
  };
  const sub = `/subscriptions/${emu.subscriptionId}`;
  await arm(
    "POST",
    `${sub}/providers/Microsoft.Features/providers/Microsoft.ContainerService/features/PodHostPortAutoAssignPreview/register?api-version=2021-07-01`,
  );
  await arm("PUT", `${sub}/resourcegroups/bench?api-version=2021-04-01`, { location: "eastus" });
  const id = `${sub}/resourceGroups/bench/providers/Microsoft.ContainerService/managedClusters/big`;
  await arm("PUT", `${id}?${API}`, {
    location: "eastus",
    identity: { type: "SystemAssigned" },
    properties: {
      kubernetesVersion: "1.33",
      dnsPrefix: "big",
      agentPoolProfiles: [
        {
          name: "nodepool1",
          count: NODES,
          vmSize: "Standard_D8s_v5",
          mode: "System",
          osType: "Linux",
          maxPods: 110,
        },
      ],
      networkProfile: { networkPlugin: "kubenet", podCidr: "10.244.0.0/16" },
    },
  });
  for (;;) {
    const mc = await arm("GET", `${id}?${API}`);
    if (mc.properties.provisioningState === "Succeeded") break;
    if (mc.properties.provisioningState === "Failed") throw new Error("cluster create failed");
    await sleep(200);
  }
  const cred = await arm("POST", `${id}/listClusterUserCredential?${API}`);
  const kubeconfig = Buffer.from(cred.kubeconfigs[0].value, "base64").toString("utf8");
  const server = /server: (\S+)/.exec(kubeconfig)[1];
  const kubeAuth = { authorization: `Bearer ${/token: (\S+)/.exec(kubeconfig)[1]}` };
  const uid = server.split("/clusters/")[1];
  const kube = (method, p, body) => request(agent, method, `${server}${p}`, { headers: kubeAuth, body });
  // Wait for every Node and the kube-system add-ons, so the figure is the Deployment's alone.
  for (;;) {
    const nodes = (await kube("GET", "/api/v1/nodes")).json().items.length;
    const sys = (await kube("GET", "/api/v1/namespaces/kube-system/pods")).json().items;
    if (nodes === NODES && sys.length > 0 && sys.every((p) => p.status?.phase === "Running")) break;
    await sleep(250);
  }

  const gets = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    await arm("GET", `${sub}/resourcegroups/bench?api-version=2021-04-01`);
    gets.push(performance.now() - t);
  }
  const get = median(gets);

  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const wall0 = Date.now();
  const cpu0 = process.cpuUsage();
  const created = await kube("POST", "/apis/apps/v1/namespaces/default/deployments", {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "echoserver-hostport" },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: "echoserver-hostport" } },
      template: {
        metadata: {
          annotations: { "kubernetes.azure.com/assign-hostports-for-containerports": "8080/tcp,8443/tcp" },
          labels: { app: "echoserver-hostport" },
        },
        spec: {
          nodeSelector: { "kubernetes.io/os": "linux" },
          containers: [
            {
              name: "echoserver-hostport",
              image: "k8s.gcr.io/echoserver:1.10",
              resources: { requests: { cpu: "10m", memory: "16Mi" } },
              ports: [
                { name: "http", containerPort: 8080, protocol: "TCP" },
                { name: "https", containerPort: 8443, protocol: "TCP" },
              ],
            },
          ],
        },
      },
    },
  });
  if (created.status !== 201) throw new Error(`deployment POST: ${created.status} ${created.text}`);
  // Progress from the Deployment's and ReplicaSet's status (two small GETs every 200 ms: reading
  // 10,000 pods a second would load the process being measured). When the pods were created and
  // bound is read afterwards from their creationTimestamp and PodScheduled transition time
  // (whole seconds, as the API keeps them: +0.5 s).
  let createdAt;
  let status = {};
  let rsReplicas = 0;
  const limit = t0 + Number(process.env.BENCH_TIMEOUT_S ?? 600) * 1000;
  const polls = [];
  for (;;) {
    const tp = performance.now();
    status =
      (await kube("GET", "/apis/apps/v1/namespaces/default/deployments/echoserver-hostport")).json().status ??
      {};
    polls.push(performance.now() - tp);
    const rss = (await kube("GET", "/apis/apps/v1/namespaces/default/replicasets")).json().items ?? [];
    rsReplicas = rss.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
    const now = performance.now();
    if (createdAt === undefined && rsReplicas >= REPLICAS) createdAt = now;
    if ((status.availableReplicas ?? 0) >= REPLICAS) break;
    if (now > limit) {
      console.log(`timed out: ${JSON.stringify(status)} replicaset replicas ${rsReplicas}`);
      break;
    }
    await sleep(200);
  }
  const total = performance.now() - t0;
  // CPU the process spent (user + system): less at the mercy of other load on the machine than wall time.
  const cpuUsed = process.cpuUsage(cpu0);
  const cpuMs = (cpuUsed.user + cpuUsed.system) / 1000;
  gc();
  const heapPerPod = (process.memoryUsage().heapUsed - heap0) / REPLICAS;
  const pods = await emu.store.read(async (tx) =>
    (await tx.listObjects({ cluster: uid, resource: "core/pods", namespace: "default" })).map((r) => r.body),
  );
  // The last create and the last bind, on the wall clock (the condition's second resolution rounds down: +0.5 s).
  const lastBind = Math.max(
    ...pods.map((p) =>
      Date.parse(p.status?.conditions?.find((c) => c.type === "PodScheduled")?.lastTransitionTime ?? ""),
    ),
  );
  const boundAt = Number.isFinite(lastBind) ? t0 + Math.max(0, lastBind + 500 - wall0) : undefined;
  const lastCreate = Math.max(...pods.map((p) => Date.parse(p.metadata?.creationTimestamp ?? "")));
  createdAt = Number.isFinite(lastCreate) ? t0 + Math.max(0, lastCreate + 500 - wall0) : createdAt;
  const clones = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    structuredClone(pods);
    clones.push(performance.now() - t);
  }
  const clone = median(clones);
  const ports = new Set(pods.flatMap((p) => p.spec.containers[0].ports.map((x) => x.hostPort)));
  const ips = new Set(pods.map((p) => p.status?.podIP));
  // Topology spreading: the system default constraints place the replicas evenly.
  const perNode = new Map();
  for (const p of pods) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  const s = (ms) => (ms === undefined ? "-" : (ms / 1000).toFixed(1));
  table(
    `Deployment of ${REPLICAS} replicas, 2 auto-assigned host ports each, ${NODES} nodes, through the API`,
    [
      ["what", "value", "× ARM GET", "× structuredClone(pods)"],
      ["ARM GET (baseline, median of 30), ms", get.toFixed(2), "1", ""],
      [
        `structuredClone of the ${pods.length} pods (baseline), ms`,
        clone.toFixed(0),
        (clone / get).toFixed(0),
        "1",
      ],
      [
        "all pods created, s",
        s(createdAt - t0),
        ((createdAt - t0) / get).toFixed(0),
        ((createdAt - t0) / clone).toFixed(1),
      ],
      [
        "all pods bound (scheduled), s",
        s(boundAt - t0),
        ((boundAt - t0) / get).toFixed(0),
        ((boundAt - t0) / clone).toFixed(1),
      ],
      [
        `available ${status.availableReplicas ?? 0}/${REPLICAS} (all Running), s`,
        s(total),
        (total / get).toFixed(0),
        (total / clone).toFixed(1),
      ],
      [
        "CPU used by the process until then, s",
        (cpuMs / 1000).toFixed(1),
        (cpuMs / get).toFixed(0),
        (cpuMs / clone).toFixed(1),
      ],
      [
        "scheduling throughput, pods/s",
        (REPLICAS / ((boundAt ?? total) / 1000 - t0 / 1000)).toFixed(0),
        "",
        "",
      ],
      ["end-to-end throughput (to Running), pods/s", (REPLICAS / (total / 1000)).toFixed(0), "", ""],
      [
        `slowest Deployment GET while it rolled out (of ${polls.length}), ms`,
        Math.max(...polls).toFixed(0),
        (Math.max(...polls) / get).toFixed(0),
        "",
      ],
      ["heap retained per pod (after gc), KiB", (heapPerPod / 1024).toFixed(1), "", ""],
      // `aksnet start` and `npm run bench` run node with --max-semi-space-size=64 (bin/aksnet.js).
      ["V8 new space, MiB (64 MiB semi-spaces under aksnet start)", String(youngMiB()), "", ""],
      ["distinct host ports / distinct pod IPs", `${ports.size} / ${ips.size}`, "", ""],
      [
        `replicas per node, fewest / most (${perNode.size} nodes)`,
        `${Math.min(...perNode.values())} / ${Math.max(...perNode.values())}`,
        "",
        "",
      ],
    ],
  );
  agent.destroy();
  await emu.close();
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
