// The store's write and change-feed path (build first: npm run build; then
// node bench/store-writes.mjs). N putObject of a realistic ~3 KB pod body, in transactions of 1
// and of 200, with one watcher attached that reads each change's object; the clock stops when
// the watcher has seen every write. Per-write cost as ratios against two baselines measured in
// the same run: JSON.stringify + JSON.parse of the same body, and a bare better-sqlite3 INSERT
// of it (in-memory, 200 per transaction). Each figure is the best of 3 runs (shared, noisy
// machines: the minimum is the least disturbed), plus this process's CPU time per write (user +
// system, so GC threads count; PostgreSQL's own work is not in it), steadier under load.
// Backends: SQLite in memory and on a file; PostgreSQL when AKSNET_BENCH_PG_URL (or
// AKSNET_TEST_PG_URL) is set. AKSNET_BENCH_DIST=<dir> measures another build (before/after).
import path from "node:path";
import Database from "better-sqlite3";
import { root, table, tempDir } from "./lib.mjs";

const dist = path.resolve(process.env.AKSNET_BENCH_DIST ?? path.join(root, "dist"));
const { openStore } = await import(path.join(dist, "store/open.js"));
const PG = process.env.AKSNET_BENCH_PG_URL ?? process.env.AKSNET_TEST_PG_URL;
const N = Number(process.env.AKSNET_BENCH_N ?? 5000);
const RUNS = 3;

async function best(fn) {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < RUNS; i++) min = Math.min(min, await fn());
  return min;
}

/** A pod as the controllers write it: labels, owner, two containers with ports and env, status. */
export function podBody(name) {
  const container = (n, port) => ({
    name: n,
    image: `mcr.microsoft.com/oss/kubernetes/${n}:v1.2.3`,
    ports: [
      { name: "http", containerPort: port, hostPort: 40000 + (port % 1000), protocol: "TCP" },
      { name: "metrics", containerPort: port + 1, protocol: "TCP" },
    ],
    env: [
      { name: "echoserver-hostport_PORT_8080_TCP_HOSTPORT", value: "46645" },
      { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
    ],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    imagePullPolicy: "IfNotPresent",
  });
  const cond = (type) => ({
    type,
    status: "True",
    lastProbeTime: null,
    lastTransitionTime: "2026-12-01T06:00:00Z",
  });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      generateName: "echoserver-hostport-7d9c5b8f6-",
      namespace: "default",
      uid: "0b8f2c1e-5d7a-4f3b-9a1e-2c4d6e8f0a1b",
      creationTimestamp: "2026-12-01T06:00:00Z",
      labels: { app: "echoserver-hostport", "pod-template-hash": "7d9c5b8f6" },
      annotations: { "kubernetes.azure.com/assign-hostports-for-containerports": "8080/tcp,8443/tcp" },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "echoserver-hostport-7d9c5b8f6",
          uid: "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      containers: [container("echoserver", 8080), container("sidecar", 8443)],
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      serviceAccountName: "default",
      nodeName: "aks-nodepool1-12345678-vmss000003",
      schedulerName: "default-scheduler",
      tolerations: [
        {
          key: "node.kubernetes.io/not-ready",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
        {
          key: "node.kubernetes.io/unreachable",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
      ],
      priority: 0,
      enableServiceLinks: true,
    },
    status: {
      phase: "Running",
      conditions: ["Initialized", "Ready", "ContainersReady", "PodScheduled"].map(cond),
      hostIP: "10.224.0.7",
      podIP: "10.244.3.17",
      podIPs: [{ ip: "10.244.3.17" }],
      startTime: "2026-12-01T06:00:00Z",
      qosClass: "Burstable",
      containerStatuses: ["echoserver", "sidecar"].map((n) => ({
        name: n,
        state: { running: { startedAt: "2026-12-01T06:00:01Z" } },
        ready: true,
        restartCount: 0,
        image: `mcr.microsoft.com/oss/kubernetes/${n}:v1.2.3`,
        imageID: `mcr.microsoft.com/oss/kubernetes/${n}@sha256:${"0".repeat(64)}`,
        containerID: `containerd://${"a".repeat(64)}`,
        started: true,
      })),
    },
  };
}

const template = podBody("echoserver-hostport-7d9c5b8f6-xxxxx");
const bodyOf = (i) => ({ ...template, metadata: { ...template.metadata, name: `p-${i}` } });

function baselineJson(n) {
  const t = performance.now();
  let sink = 0;
  for (let i = 0; i < n; i++) sink += JSON.parse(JSON.stringify(bodyOf(i))).metadata.name.length;
  if (sink === 0) throw new Error("unreachable");
  return performance.now() - t;
}

function baselineInsert(n) {
  const db = new Database(":memory:");
  db.exec("CREATE TABLE t (name TEXT PRIMARY KEY, body TEXT NOT NULL, revision INTEGER NOT NULL)");
  const ins = db.prepare("INSERT INTO t (name, body, revision) VALUES (?, ?, ?)");
  const t = performance.now();
  const batch = db.transaction((from, to) => {
    for (let i = from; i < to; i++) ins.run(`p-${i}`, JSON.stringify(bodyOf(i)), i);
  });
  for (let i = 0; i < n; i += 200) batch(i, Math.min(n, i + 200));
  const ms = performance.now() - t;
  db.close();
  return ms;
}

/** ms from the first write until the watcher has seen all `n`. */
/** CPU ms of the last `writes` run. */
let lastCpuMs = 0;

async function writes(url, n, perTx) {
  const s = await openStore(url);
  try {
    const from = await s.currentRevision();
    let seen = 0;
    let sink = 0;
    let done;
    const all = new Promise((r) => {
      done = r;
    });
    const h = s.watch(
      from,
      { kind: "kube" },
      (c) => {
        sink += c.object.metadata.name.length; // a watcher reads what it is given
        if (++seen === n) done();
      },
      (e) => {
        throw e;
      },
    );
    const t = performance.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i += perTx)
      await s.transaction(async (tx) => {
        for (let j = i; j < Math.min(n, i + perTx); j++)
          await tx.putObject(
            {
              cluster: "bench",
              resource: "core/pods",
              namespace: "default",
              name: `p-${j}`,
              body: bodyOf(j),
            },
            { create: true },
          );
      });
    await all;
    const ms = performance.now() - t;
    const cpu = process.cpuUsage(cpu0);
    lastCpuMs = (cpu.user + cpu.system) / 1000;
    if (sink === 0) throw new Error("the watcher saw no object");
    h.close();
    return ms;
  } finally {
    await s.close();
  }
}

let schemaN = 0;
const pgSchema = () => {
  const u = new URL(PG);
  u.searchParams.set("schema", `bench_writes_${process.pid}_${++schemaN}`);
  return u.toString();
};

export async function run() {
  const size = JSON.stringify(bodyOf(0)).length;
  // Warm-up so the first measured case does not pay for JIT and module loading.
  baselineJson(500);
  baselineInsert(500);
  await writes("sqlite::memory:", 500, 200);
  const cases = [
    ["SQLite memory", () => "sqlite::memory:", N],
    ["SQLite file", () => `sqlite:${path.join(tempDir(), "bench.db")}`, N],
  ];
  if (PG) cases.push(["PostgreSQL", pgSchema, Math.min(N, 2000)]);
  const rows = [
    ["case", "µs / write", "÷ stringify+parse", "÷ bare INSERT", "CPU µs / write", "CPU ÷ stringify+parse"],
  ];
  for (const [name, url, n] of cases)
    for (const perTx of [1, 200]) {
      // The baselines again right before each case: the load on a shared machine drifts.
      const json = (await best(() => baselineJson(n))) / n;
      const insert = (await best(() => baselineInsert(n))) / n;
      let cpu = Number.POSITIVE_INFINITY;
      const per =
        (await best(async () => {
          const ms = await writes(url(), n, perTx);
          cpu = Math.min(cpu, lastCpuMs);
          return ms;
        })) / n;
      cpu /= n;
      rows.push([
        `${name}, ${perTx} per transaction (${n} writes)`,
        (per * 1000).toFixed(1),
        (per / json).toFixed(1),
        (per / insert).toFixed(1),
        (cpu * 1000).toFixed(1),
        (cpu / json).toFixed(1),
      ]);
    }
  table(
    `putObject of a ${size}-byte pod with a watcher attached, until the watcher saw every write (best of ${RUNS})`,
    rows,
  );
  if (!PG) console.log("  (PostgreSQL skipped: set AKSNET_BENCH_PG_URL or AKSNET_TEST_PG_URL)");
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
