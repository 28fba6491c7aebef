// Issue #2 figures: GET of a virtual network through the whole emulator (TLS, auth, router,
// store) against a bare node:https server answering a fixed JSON body with the same
// certificate and the same client; and cold start to the first authenticated request.
import { spawn } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { median, request, signIn, startEmulator, table, tempDir, throughput } from "./lib.mjs";

const seconds = Number(process.env.BENCH_SECONDS ?? 2);

const BARE_SERVER = `
const fs = require("node:fs"), https = require("node:https");
const [key, cert, bodyFile] = process.argv.slice(1);
const body = fs.readFileSync(bodyFile);
const s = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
  req.resume();
  res.writeHead(200, { "content-type": "application/json" });
  res.end(body);
});
s.listen(0, "127.0.0.1", () => process.stdout.write(s.address().port + "\\n"));
`;

export async function run() {
  // Cold start: process spawn → endpoint printed → token → first authenticated GET.
  const colds = [];
  for (let i = 0; i < 3; i++) {
    const dir = tempDir();
    const t0 = performance.now();
    const emu = await startEmulator(dir, ["--in-memory"]);
    const agent = new https.Agent({ ca: emu.ca, keepAlive: true });
    const token = await signIn(agent, emu.url, emu.info.tenantId);
    const r = await request(
      agent,
      "GET",
      `${emu.url}/subscriptions/${emu.info.subscriptionId}/resourcegroups?api-version=2021-04-01`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    if (r.status !== 200) throw new Error(`first request failed: ${r.status}`);
    colds.push(performance.now() - t0);
    agent.destroy();
    emu.proc.kill("SIGTERM");
  }

  const dir = tempDir();
  const emu = await startEmulator(dir, ["--in-memory"]);
  const agent = new https.Agent({ ca: emu.ca, keepAlive: true, maxSockets: 64 });
  const token = await signIn(agent, emu.url, emu.info.tenantId);
  const auth = { authorization: `Bearer ${token}` };
  const sub = `/subscriptions/${emu.info.subscriptionId}`;
  await request(agent, "PUT", `${emu.url}${sub}/resourcegroups/bench?api-version=2021-04-01`, {
    headers: auth,
    body: { location: "eastus" },
  });
  const vnetPath = `${sub}/resourceGroups/bench/providers/Microsoft.Network/virtualNetworks/vnet1?api-version=2026-01-01`;
  const put = await request(agent, "PUT", emu.url + vnetPath, {
    headers: auth,
    body: {
      location: "eastus",
      properties: {
        addressSpace: { addressPrefixes: ["10.1.0.0/16"] },
        subnets: [{ name: "s1", properties: { addressPrefix: "10.1.0.0/24" } }],
      },
    },
  });
  if (put.status >= 300) throw new Error(`vnet PUT failed: ${put.status} ${put.text}`);
  const vnetBody = (await request(agent, "GET", emu.url + vnetPath, { headers: auth })).text;

  // Baseline: bare node:https in its own process (as the emulator is), same certificate,
  // same client, same body.
  const tls = path.join(dir, "tls");
  const bodyFile = path.join(dir, "bare-body.json");
  fs.writeFileSync(bodyFile, vnetBody);
  const bare = spawn(
    process.execPath,
    ["-e", BARE_SERVER, path.join(tls, "server-key.pem"), path.join(tls, "server.pem"), bodyFile],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const barePort = await new Promise((r) => bare.stdout.once("data", (c) => r(Number(String(c).trim()))));
  const bareUrl = `https://127.0.0.1:${barePort}${vnetPath}`;

  await throughput(() => request(agent, "GET", bareUrl, { headers: auth }), { seconds: 1 }); // warm-up
  await throughput(() => request(agent, "GET", emu.url + vnetPath, { headers: auth }), { seconds: 1 });
  // Alternate rounds so drift on a shared machine hits both sides alike.
  const baseRounds = [];
  const ourRounds = [];
  for (let i = 0; i < 3; i++) {
    baseRounds.push(await throughput(() => request(agent, "GET", bareUrl, { headers: auth }), { seconds }));
    ourRounds.push(
      await throughput(() => request(agent, "GET", emu.url + vnetPath, { headers: auth }), { seconds }),
    );
  }
  const base = {
    rps: median(baseRounds.map((r) => r.rps)),
    failures: baseRounds.reduce((a, r) => a + r.failures, 0),
  };
  const ours = {
    rps: median(ourRounds.map((r) => r.rps)),
    failures: ourRounds.reduce((a, r) => a + r.failures, 0),
  };

  table("ARM GET virtualNetwork (16 in flight, keep-alive TLS, median of 3 alternating rounds)", [
    ["server", "req/s", "failures", "ratio"],
    ["bare node:https, fixed body", base.rps.toFixed(0), base.failures, "1.00"],
    ["aksnet (auth + router + SQLite)", ours.rps.toFixed(0), ours.failures, (ours.rps / base.rps).toFixed(2)],
  ]);
  table("Cold start to first authenticated request (spawn → token → GET)", [
    ["runs", "median ms", "min ms", "aim"],
    [String(colds.length), median(colds).toFixed(0), Math.min(...colds).toFixed(0), "< 1000"],
  ]);
  agent.destroy();
  bare.kill();
  emu.proc.kill("SIGTERM");
  return { getRatio: ours.rps / base.rps, coldStartMs: median(colds) };
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
