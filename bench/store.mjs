// Issue #9 figures (build first: npm run build; then node bench/store.mjs). Needs a
// PostgreSQL URL in AKSNET_BENCH_PG_URL (or AKSNET_TEST_PG_URL; `.ci/postgres start` gives one).
//  1. ARM GET latency and a 3-node cluster create (PUT + LRO) through the emulator on
//     PostgreSQL vs SQLite (file): medians and the ratio.
//  2. Change-feed delivery latency (write start → watcher callback) p50/p99: within one
//     process, and across two (the writer is a child process), on each backend.
//  3. 100 watchers on 10,000 writes: time until every watcher has seen every write, as a
//     ratio to the same writes with no watcher.
import { spawn } from "node:child_process";
import https from "node:https";
import path from "node:path";
import { median, request, root, signIn, startEmulator, table, tempDir } from "./lib.mjs";

const PG = process.env.AKSNET_BENCH_PG_URL ?? process.env.AKSNET_TEST_PG_URL;
const { openStore } = await import(path.join(root, "dist/store/open.js"));
const now = () => performance.timeOrigin + performance.now();
let schemaN = 0;
const pgSchema = () => {
  const u = new URL(PG);
  u.searchParams.set("schema", `bench_${process.pid}_${++schemaN}`);
  return u.toString();
};
const sqliteFile = () => `sqlite:${path.join(tempDir(), "bench.db")}`;
const pct = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

async function armFigures(storeUrl) {
  const emu = await startEmulator(tempDir(), ["--store", storeUrl]);
  const agent = new https.Agent({ ca: emu.ca, keepAlive: true });
  try {
    const token = await signIn(agent, emu.url, emu.info.tenantId);
    const h = { authorization: `Bearer ${token}` };
    const sub = `${emu.url}/subscriptions/${emu.info.subscriptionId}`;
    await request(agent, "PUT", `${sub}/resourcegroups/b?api-version=2021-04-01`, {
      headers: h,
      body: { location: "eastus" },
    });
    const gets = [];
    for (let i = 0; i < 400; i++) {
      const t = performance.now();
      const r = await request(agent, "GET", `${sub}/resourcegroups/b?api-version=2021-04-01`, { headers: h });
      if (r.status !== 200) throw new Error(`GET ${r.status}`);
      gets.push(performance.now() - t);
    }
    const creates = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const r = await request(
        agent,
        "PUT",
        `${sub}/resourceGroups/b/providers/Microsoft.ContainerService/managedClusters/c${i}?api-version=2026-06-01`,
        {
          headers: h,
          body: {
            location: "eastus",
            identity: { type: "SystemAssigned" },
            properties: {
              dnsPrefix: `c${i}`,
              agentPoolProfiles: [{ name: "nodepool1", count: 3, vmSize: "Standard_DS2_v2", mode: "System" }],
              networkProfile: { networkPlugin: "kubenet" },
            },
          },
        },
      );
      if (r.status !== 201) throw new Error(`cluster PUT ${r.status} ${r.text}`);
      const op = r.headers["azure-asyncoperation"];
      for (;;) {
        const s = (await request(agent, "GET", op, { headers: h })).json();
        if (s.status !== "InProgress") {
          if (s.status !== "Succeeded") throw new Error(`cluster create ${s.status}`);
          break;
        }
        await new Promise((res) => setTimeout(res, 5));
      }
      creates.push(performance.now() - t);
    }
    return { get: median(gets), create: median(creates) };
  } finally {
    agent.destroy();
    emu.proc.kill("SIGTERM");
  }
}

const pod = (i, extra = {}) => ({
  cluster: "bench",
  resource: "core/pods",
  namespace: "default",
  name: `p${i}`,
  body: { metadata: { name: `p${i}` }, ...extra },
});

/** Latency of N single-write transactions seen by a watcher on `watchStore`. */
async function feedLatency(writeStore, watchStore, n = 300) {
  const lat = [];
  const from = await watchStore.currentRevision();
  let done;
  const all = new Promise((r) => {
    done = r;
  });
  const h = watchStore.watch(from, { kind: "kube" }, (c) => {
    lat.push(now() - c.object.t);
    if (lat.length === n) done();
  });
  for (let i = 0; i < n; i++) {
    await writeStore.transaction((tx) => tx.putObject(pod(i, { t: now() })));
    await new Promise((r) => setTimeout(r, 2));
  }
  await all;
  h.close();
  return { p50: pct(lat, 50), p99: pct(lat, 99) };
}

/** Same, with the writer in a child process (its clock: performance.timeOrigin + now()). */
async function feedLatencyAcross(url, n = 300) {
  const watcher = await openStore(url);
  const lat = [];
  const from = await watcher.currentRevision();
  let done;
  const all = new Promise((r) => {
    done = r;
  });
  const h = watcher.watch(from, { kind: "kube" }, (c) => {
    lat.push(now() - c.object.t);
    if (lat.length === n) done();
  });
  const script = `
    const { openStore } = await import(${JSON.stringify(path.join(root, "dist/store/open.js"))});
    const s = await openStore(${JSON.stringify(url)});
    const now = () => performance.timeOrigin + performance.now();
    for (let i = 0; i < ${n}; i++) {
      await s.transaction((tx) => tx.putObject({ cluster: "bench", resource: "core/pods", namespace: "x", name: "q" + i, body: { t: now() } }));
      await new Promise((r) => setTimeout(r, 2));
    }
    await s.close();`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "inherit" });
  await all;
  await new Promise((r) => child.on("exit", r));
  h.close();
  await watcher.close();
  return { p50: pct(lat, 50), p99: pct(lat, 99) };
}

async function fanOut(url, watchers = 100, writes = 10_000, perTx = 100) {
  const write = async (s, base) => {
    for (let i = 0; i < writes; i += perTx)
      await s.transaction(async (tx) => {
        for (let j = i; j < i + perTx; j++) await tx.putObject(pod(base + j));
      });
  };
  const s = await openStore(url);
  try {
    let t = performance.now();
    await write(s, 0);
    const alone = performance.now() - t;
    const from = await s.currentRevision();
    let finished = 0;
    let allDone;
    const all = new Promise((r) => {
      allDone = r;
    });
    const handles = [];
    for (let w = 0; w < watchers; w++) {
      let seen = 0;
      handles.push(
        s.watch(from, { kind: "kube" }, () => {
          if (++seen === writes && ++finished === watchers) allDone();
        }),
      );
    }
    t = performance.now();
    await write(s, writes);
    await all;
    const watched = performance.now() - t;
    for (const h of handles) h.close();
    return { alone, watched };
  } finally {
    await s.close();
  }
}

export async function run() {
  if (!PG) {
    console.log("bench/store.mjs: set AKSNET_BENCH_PG_URL (or AKSNET_TEST_PG_URL) to a PostgreSQL URL");
    return;
  }
  const sq = await armFigures(sqliteFile());
  const pg = await armFigures(pgSchema());
  table("ARM on PostgreSQL vs SQLite (file), medians", [
    ["measure", "SQLite ms", "PostgreSQL ms", "PG / SQLite"],
    ["GET resource group", sq.get.toFixed(2), pg.get.toFixed(2), (pg.get / sq.get).toFixed(2)],
    [
      "3-node cluster create (PUT + LRO)",
      sq.create.toFixed(1),
      pg.create.toFixed(1),
      (pg.create / sq.create).toFixed(2),
    ],
  ]);

  const rows = [["change feed delivery", "p50 ms", "p99 ms"]];
  for (const [name, url] of [
    ["SQLite file", sqliteFile()],
    ["PostgreSQL", pgSchema()],
  ]) {
    const s = await openStore(url);
    const one = await feedLatency(s, s);
    await s.close();
    rows.push([`${name}, one process`, one.p50.toFixed(2), one.p99.toFixed(2)]);
  }
  const across = await feedLatencyAcross(pgSchema());
  rows.push(["PostgreSQL, writer in another process", across.p50.toFixed(2), across.p99.toFixed(2)]);
  table("Change feed: write start → watcher callback (300 single-write transactions)", rows);

  const fan = [["backend", "10,000 writes alone ms", "with 100 watchers ms", "ratio"]];
  for (const [name, url] of [
    ["SQLite memory", "sqlite::memory:"],
    ["SQLite file", sqliteFile()],
    ["PostgreSQL", pgSchema()],
  ]) {
    const f = await fanOut(url);
    fan.push([name, f.alone.toFixed(0), f.watched.toFixed(0), (f.watched / f.alone).toFixed(2)]);
  }
  table("100 watchers on 10,000 writes (100 per transaction), until every watcher saw every write", fan);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
