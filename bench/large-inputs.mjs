// Issue #8 item 8 figures: large inputs must not freeze the process. While one client
// writes a big resource (an NSG with 1,000 rules, a VNet with 3,000 subnets), reads the
// topology, or deletes the group holding them, a second client keeps asking for
// `/_aksnet/health` and a plain ARM GET. Reported: how long the big request took, and the
// slowest probe answered meanwhile, each as a ratio to a plain ARM GET measured in the
// same run (the baseline: median of 50 sequential GETs on an idle emulator).
import https from "node:https";
import { median, request, signIn, startEmulator, table, tempDir } from "./lib.mjs";

const NSG_RULES = Number(process.env.BENCH_NSG_RULES ?? 1000);
const SUBNETS = Number(process.env.BENCH_SUBNETS ?? 3000);
const PIPS = Number(process.env.BENCH_PIPS ?? 300);
const ENV_VARS = Number(process.env.BENCH_ENV_VARS ?? 12000);

function nsgBody(n) {
  const securityRules = Array.from({ length: n }, (_, i) => ({
    name: `r${i}`,
    properties: {
      protocol: "Tcp",
      access: i % 2 ? "Deny" : "Allow",
      direction: i % 3 ? "Inbound" : "Outbound",
      priority: 100 + Math.floor(i / 3) * 3 + (i % 3),
      sourceAddressPrefix: `10.${(i >> 8) & 255}.${i & 255}.0/24`,
      sourcePortRange: "*",
      destinationAddressPrefix: "*",
      destinationPortRange: String(1000 + i),
    },
  }));
  return { location: "eastus", properties: { securityRules } };
}

function vnetBody(n) {
  const subnets = Array.from({ length: n }, (_, i) => ({
    name: `s${i}`,
    properties: { addressPrefix: `10.${(i >> 8) & 255}.${i & 255}.0/28`.replace(/^10\./, "10.") },
  }));
  // /28s laid out 16 per /24: 10.0.0.0/16 holds 4,096 of them.
  subnets.forEach((s, i) => {
    s.properties.addressPrefix = `10.0.${Math.floor(i / 16)}.${(i % 16) * 16}/28`;
  });
  return { location: "eastus", properties: { addressSpace: { addressPrefixes: ["10.0.0.0/16"] }, subnets } };
}

export async function run() {
  const dir = tempDir();
  const emu = await startEmulator(dir, ["--in-memory"]);
  const agent = new https.Agent({ ca: emu.ca, keepAlive: true, maxSockets: 16 });
  const token = await signIn(agent, emu.url, emu.info.tenantId);
  const auth = { authorization: `Bearer ${token}` };
  const sub = `/subscriptions/${emu.info.subscriptionId}`;
  const net = (rg, rest) =>
    `${emu.url}${sub}/resourceGroups/${rg}/providers/Microsoft.Network/${rest}?api-version=2026-01-01`;
  const must = async (p, what) => {
    const r = await p;
    if (r.status >= 300) throw new Error(`${what} failed: ${r.status} ${r.text.slice(0, 300)}`);
    return r;
  };
  for (const rg of ["probe", "big"])
    await must(
      request(agent, "PUT", `${emu.url}${sub}/resourcegroups/${rg}?api-version=2021-04-01`, {
        headers: auth,
        body: { location: "eastus" },
      }),
      `group ${rg}`,
    );
  const probeUrl = net("probe", "virtualNetworks/small");
  await must(
    request(agent, "PUT", probeUrl, {
      headers: auth,
      body: {
        location: "eastus",
        properties: {
          addressSpace: { addressPrefixes: ["10.9.0.0/16"] },
          subnets: [{ name: "a", properties: { addressPrefix: "10.9.0.0/24" } }],
        },
      },
    }),
    "probe vnet",
  );

  // Baseline: a plain ARM GET on an idle emulator.
  const base = [];
  for (let i = 0; i < 50; i++) {
    const t0 = performance.now();
    await must(request(agent, "GET", probeUrl, { headers: auth }), "baseline GET");
    base.push(performance.now() - t0);
  }
  const baseMs = median(base);

  // Runs `big` while a second client probes health and the ARM GET back to back.
  async function underLoad(what, big) {
    const probes = { health: [], arm: [] };
    let done = false;
    const prober = (kind, url) =>
      (async () => {
        while (!done) {
          const t0 = performance.now();
          const r = await request(agent, "GET", url, { headers: auth });
          if (r.status !== 200) throw new Error(`${kind} probe failed: ${r.status}`);
          probes[kind].push(performance.now() - t0);
        }
      })();
    const running = [prober("health", `${emu.url}/_aksnet/health`), prober("arm", probeUrl)];
    await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    const r = await big();
    const bigMs = performance.now() - t0;
    done = true;
    await Promise.all(running);
    if (r.status >= 300) throw new Error(`${what} failed: ${r.status} ${r.text.slice(0, 300)}`);
    return {
      what,
      bigMs,
      health: Math.max(...probes.health),
      arm: Math.max(...probes.arm),
      n: probes.health.length + probes.arm.length,
    };
  }

  const rows = [];
  rows.push(
    await underLoad(`PUT NSG with ${NSG_RULES} rules`, () =>
      request(agent, "PUT", net("big", "networkSecurityGroups/nsg"), {
        headers: auth,
        body: nsgBody(NSG_RULES),
      }),
    ),
  );
  rows.push(
    await underLoad(`PUT VNet with ${SUBNETS} subnets`, () =>
      request(agent, "PUT", net("big", "virtualNetworks/vnet"), { headers: auth, body: vnetBody(SUBNETS) }),
    ),
  );
  rows.push(
    await underLoad("GET /_aksnet/topology", () =>
      request(agent, "GET", `${emu.url}/_aksnet/topology`, { headers: auth }),
    ),
  );
  // The cascade also has many top-level resources to remove (it listed the group once per resource).
  for (let i = 0; i < PIPS; i++)
    await must(
      request(agent, "PUT", net("big", `publicIPAddresses/pip${i}`), {
        headers: auth,
        body: {
          location: "eastus",
          sku: { name: "Standard" },
          properties: { publicIPAllocationMethod: "Static" },
        },
      }),
      `public IP ${i}`,
    );
  rows.push(
    await underLoad(`DELETE the group (cascade, ${PIPS + 2} resources)`, async () => {
      const del = await request(
        agent,
        "DELETE",
        `${emu.url}${sub}/resourcegroups/big?api-version=2021-04-01`,
        {
          headers: auth,
        },
      );
      if (del.status !== 202) return del;
      // The cascade runs in the background: poll until the group is gone.
      for (;;) {
        const g = await request(agent, "GET", `${emu.url}${sub}/resourcegroups/big?api-version=2021-04-01`, {
          headers: auth,
        });
        if (g.status === 404) return { status: 200, text: "" };
        await new Promise((r) => setTimeout(r, 20));
      }
    }),
  );

  // The Kubernetes face: a Deployment of ~1.5 MB (12,000 env variables, as an attacker or a
  // generated chart sends), from the POST until it is Available — the controllers hash its
  // template, copy it into a ReplicaSet and a pod and write each several times.
  const id = `${sub}/resourceGroups/probe/providers/Microsoft.ContainerService/managedClusters/kb`;
  await must(
    request(agent, "PUT", `${emu.url}${id}?api-version=2024-05-01`, {
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
    }),
    "cluster",
  );
  const cred = await must(
    request(agent, "POST", `${emu.url}${id}/listClusterUserCredential?api-version=2024-05-01`, {
      headers: auth,
    }),
    "credentials",
  );
  const kubeconfig = Buffer.from(cred.json().kubeconfigs[0].value, "base64").toString("utf8");
  const server = /server: (\S+)/.exec(kubeconfig)[1];
  const kauth = { authorization: `Bearer ${/token: (\S+)/.exec(kubeconfig)[1]}` };
  const env = Array.from({ length: ENV_VARS }, (_, i) => ({
    name: `VAR_${i}_${"x".repeat(40)}`,
    value: "v".repeat(60),
  }));
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "big" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "big" } },
      template: {
        metadata: { labels: { app: "big" } },
        spec: { containers: [{ name: "c", image: "nginx", env }] },
      },
    },
  };
  const mib = (JSON.stringify(deployment).length / 1048576).toFixed(1);
  rows.push(
    await underLoad(`Deployment of ${mib} MB (${ENV_VARS} env vars) to Available`, async () => {
      const created = await request(agent, "POST", `${server}/apis/apps/v1/namespaces/default/deployments`, {
        headers: kauth,
        body: deployment,
      });
      if (created.status !== 201) return created;
      for (;;) {
        const d = await request(agent, "GET", `${server}/apis/apps/v1/namespaces/default/deployments/big`, {
          headers: kauth,
        });
        if (d.json().status?.availableReplicas === 1) return d;
        await new Promise((r) => setTimeout(r, 20));
      }
    }),
  );

  const x = (ms) => (ms / baseMs).toFixed(1);
  table(
    `Large inputs: slowest probe answered while the big request runs (baseline: plain ARM GET, median ${baseMs.toFixed(1)} ms)`,
    [
      [
        "big request",
        "its ms",
        "× GET",
        "slowest health ms",
        "× GET",
        "slowest ARM GET ms",
        "× GET",
        "probes",
      ],
      ...rows.map((r) => [
        r.what,
        r.bigMs.toFixed(0),
        x(r.bigMs),
        r.health.toFixed(0),
        x(r.health),
        r.arm.toFixed(0),
        x(r.arm),
        String(r.n),
      ]),
    ],
  );
  agent.destroy();
  emu.proc.kill("SIGTERM");
  return {
    baselineGetMs: baseMs,
    nsgSlowestProbeRatio: Math.max(rows[0].health, rows[0].arm) / baseMs,
    nsgHealthRatio: rows[0].health / baseMs,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
