// Hostile durability probe: the emulator on a file store is killed with SIGKILL at random
// moments while clients race to create static public IPs (ARM) and host-port pods (Kubernetes).
// After every restart: each acknowledged (2xx) write is there, no address or host port is held
// twice, and nothing half-made (a pod bound to a node without a pod IP) is left. Seeded.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { seedTestCa, tempDir } from "../helpers/emulator.js";

const bin = path.resolve("bin/aksnet.js");
let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
});

async function start(dir: string, extra: string[] = []): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(
    process.execPath,
    [bin, "start", "--port", "0", "--data-dir", dir, "--quiet", ...extra],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child = proc;
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    let err = "";
    proc.stdout?.on("data", (c) => {
      out += c;
      if (out.includes("\n")) resolve(out.split("\n")[0].trim());
    });
    proc.stderr?.on("data", (c) => {
      err += c;
    });
    proc.on("exit", (code) => reject(new Error(`emulator exited with ${code}: ${err}`)));
  });
  return { url, proc };
}

interface Answer {
  status: number;
  body: string;
}

/** One HTTPS request on its own connection (no keep-alive: a kill must not poison a pool). */
function call(ca: Buffer, url: string, method: string, headers: Record<string, string>, body?: unknown) {
  return new Promise<Answer>((resolve) => {
    const r = https.request(url, { method, headers, ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on("error", () => resolve({ status: -1, body: "" }));
    });
    r.on("error", () => resolve({ status: -1, body: "" }));
    r.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Mulberry32, so a failing run replays from its seed. */
function rand(seed: number) {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.AKSNET_KILL_SEED ?? 20261202);
const ROUNDS = Number(process.env.AKSNET_KILL_ROUNDS ?? 10);

interface Emu {
  dir: string;
  ca: Buffer;
  url: string;
  proc: ChildProcess;
  arm: Record<string, string>;
  rg: string;
}

async function armToken(ca: Buffer, url: string, tenant: string): Promise<string> {
  const form =
    "grant_type=client_credentials&client_id=a&client_secret=b&scope=https://management.azure.com/.default";
  return new Promise<string>((resolve, reject) => {
    const r = https.request(
      `${url}/${tenant}/oauth2/v2.0/token`,
      { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, ca, agent: false },
      (res) => {
        let s = "";
        res.on("data", (c) => {
          s += c;
        });
        res.on("end", () => resolve((JSON.parse(s) as { access_token: string }).access_token));
      },
    );
    r.on("error", reject);
    r.end(form);
  });
}

async function boot(): Promise<Emu> {
  const dir = tempDir("aksnet-kill-");
  seedTestCa(dir);
  const { url, proc } = await start(dir);
  const info = JSON.parse(fs.readFileSync(path.join(dir, "aksnet.json"), "utf8")) as {
    tenantId: string;
    subscriptionId: string;
  };
  const ca = fs.readFileSync(path.join(dir, "tls", "ca.pem"));
  const arm = {
    authorization: `Bearer ${await armToken(ca, url, info.tenantId)}`,
    "content-type": "application/json",
  };
  const sub = `/subscriptions/${info.subscriptionId}`;
  const put = await call(ca, `${url}${sub}/resourcegroups/k?api-version=2021-04-01`, "PUT", arm, {
    location: "eastus",
  });
  expect(put.status).toBe(201);
  return { dir, ca, url, proc, arm, rg: `${sub}/resourceGroups/k` };
}

/**
 * Streams writes from `write` (four at a time) at a running emulator, kills it with SIGKILL at
 * a random moment, waits for every client to hear its answer (or the cut), and restarts it.
 */
async function killLoop(emu: Emu, rounds: number, write: (url: string, n: number) => Promise<void>) {
  const next = rand(SEED);
  let n = 0;
  for (let round = 0; round < rounds; round++) {
    let killed = false;
    const url = emu.url;
    const streams = Array.from({ length: 4 }, async () => {
      while (!killed) await write(url, n++);
    });
    await new Promise((r) => setTimeout(r, 150 + Math.floor(next() * 600)));
    emu.proc.kill("SIGKILL");
    await new Promise((r) => emu.proc.on("exit", r));
    killed = true;
    await Promise.all(streams);
    Object.assign(emu, await start(emu.dir));
  }
}

describe("kill -9 at random moments (SQLite file store)", () => {
  it(`${ROUNDS} kills during concurrent static public IP creates (seed ${SEED}): every acknowledged IP is there, each address once`, async () => {
    const emu = await boot();
    const acked: string[] = [];
    await killLoop(emu, ROUNDS, async (url, n) => {
      const ip = `${emu.rg}/providers/Microsoft.Network/publicIPAddresses/ip-${n}?api-version=2024-05-01`;
      const r = await call(emu.ca, url + ip, "PUT", emu.arm, {
        location: "eastus",
        sku: { name: "Standard" },
        properties: { publicIPAllocationMethod: "Static" },
      });
      if (r.status === 200 || r.status === 201) acked.push(ip);
      else if (r.status >= 0) expect.fail(`public IP PUT answered ${r.status}: ${r.body}`);
    });
    expect(acked.length).toBeGreaterThan(ROUNDS);
    for (const ip of acked) expect((await call(emu.ca, emu.url + ip, "GET", emu.arm)).status, ip).toBe(200);
    const list = await call(
      emu.ca,
      `${emu.url}${emu.rg}/providers/Microsoft.Network/publicIPAddresses?api-version=2024-05-01`,
      "GET",
      emu.arm,
    );
    const ips = (JSON.parse(list.body) as { value: { name: string; properties: { ipAddress?: string } }[] })
      .value;
    for (const p of ips) expect(p.properties.ipAddress, `${p.name} has no address`).toBeTruthy();
    const addrs = ips.map((p) => p.properties.ipAddress);
    expect(new Set(addrs).size, `addresses: ${addrs.join(" ")}`).toBe(addrs.length);
  }, 90_000);

  it("kill -9 during a cluster scale (az aks scale's PUT): the restarted emulator finishes it, each node address once", async () => {
    const emu = await boot();
    const mcId = `${emu.rg}/providers/Microsoft.ContainerService/managedClusters/c1`;
    const cluster = {
      location: "eastus",
      identity: { type: "SystemAssigned" },
      properties: {
        dnsPrefix: "c1",
        agentPoolProfiles: [{ name: "nodepool1", count: 2, vmSize: "Standard_DS2_v2", mode: "System" }],
        networkProfile: { networkPlugin: "kubenet" },
      },
    };
    expect(
      (await call(emu.ca, `${emu.url}${mcId}?api-version=2024-05-01`, "PUT", emu.arm, cluster)).status,
    ).toBe(201);
    const state = async () =>
      (
        JSON.parse((await call(emu.ca, `${emu.url}${mcId}?api-version=2024-05-01`, "GET", emu.arm)).body) as {
          properties: { provisioningState: string; nodeResourceGroup: string };
        }
      ).properties;
    for (const until = Date.now() + 20_000; (await state()).provisioningState !== "Succeeded"; )
      if (Date.now() > until) expect.fail("create did not finish");
    // Restart with long-running operations held back, so the kill lands inside the scale.
    emu.proc.kill("SIGKILL");
    await new Promise((r) => emu.proc.on("exit", r));
    Object.assign(emu, await start(emu.dir, ["--operation-delay", "60000"]));
    const pool = `${mcId}/agentPools/nodepool1?api-version=2024-05-01`;
    const bigger = structuredClone(cluster);
    bigger.properties.agentPoolProfiles[0].count = 5;
    const scaled = await call(emu.ca, `${emu.url}${mcId}?api-version=2024-05-01`, "PUT", emu.arm, bigger);
    expect(scaled.status, scaled.body).toBeLessThan(300);
    expect((await state()).provisioningState).not.toBe("Succeeded"); // held by the delay: the kill cuts it
    emu.proc.kill("SIGKILL");
    await new Promise((r) => emu.proc.on("exit", r));
    Object.assign(emu, await start(emu.dir));
    for (const until = Date.now() + 30_000; (await state()).provisioningState !== "Succeeded"; ) {
      if (Date.now() > until) expect.fail(`scale did not finish: ${(await state()).provisioningState}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const got = JSON.parse((await call(emu.ca, emu.url + pool, "GET", emu.arm)).body) as {
      properties: { count: number; provisioningState: string };
    };
    expect(got.properties).toMatchObject({ count: 5, provisioningState: "Succeeded" });
    const nics = JSON.parse(
      (
        await call(
          emu.ca,
          `${emu.url}${emu.rg.replace(/\/k$/, "")}/${(await state()).nodeResourceGroup}/providers/Microsoft.Compute/virtualMachineScaleSets?api-version=2024-07-01`,
          "GET",
          emu.arm,
        )
      ).body,
    ) as { value: { sku: { capacity: number } }[] };
    expect(nics.value.map((v) => v.sku.capacity)).toEqual([5]);
    const vnets = JSON.parse(
      (
        await call(
          emu.ca,
          `${emu.url}${emu.rg.replace(/\/k$/, "")}/${(await state()).nodeResourceGroup}/providers/Microsoft.Network/virtualNetworks?api-version=2024-05-01`,
          "GET",
          emu.arm,
        )
      ).body,
    ) as { value: { properties: { subnets: { properties: { ipConfigurations?: { id: string }[] } }[] } }[] };
    const holders = vnets.value[0].properties.subnets[0].properties.ipConfigurations ?? [];
    expect(holders).toHaveLength(5);
    expect(new Set(holders.map((h) => h.id.toLowerCase())).size).toBe(5);
  }, 90_000);

  it(`${ROUNDS} kills during concurrent host-port pod creates (seed ${SEED}): every acknowledged pod is there, no host port or pod IP held twice`, async () => {
    const emu = await boot();
    const mcId = `${emu.rg}/providers/Microsoft.ContainerService/managedClusters/c1`;
    const created = await call(emu.ca, `${emu.url}${mcId}?api-version=2024-05-01`, "PUT", emu.arm, {
      location: "eastus",
      identity: { type: "SystemAssigned" },
      properties: {
        dnsPrefix: "c1",
        agentPoolProfiles: [{ name: "nodepool1", count: 2, vmSize: "Standard_DS2_v2", mode: "System" }],
        networkProfile: { networkPlugin: "kubenet" },
      },
    });
    expect(created.status).toBe(201);
    const cred = await call(
      emu.ca,
      `${emu.url}${mcId}/listClusterUserCredential?api-version=2024-05-01`,
      "POST",
      emu.arm,
    );
    const kubeconfig = Buffer.from(
      (JSON.parse(cred.body) as { kubeconfigs: { value: string }[] }).kubeconfigs[0].value,
      "base64",
    ).toString();
    const clusterPath = /server: \S+?(\/clusters\/\w+)/.exec(kubeconfig)?.[1] ?? "";
    const kube = {
      authorization: `Bearer ${/token: (\S+)/.exec(kubeconfig)?.[1]}`,
      "content-type": "application/json",
    };
    const acked: string[] = [];
    await killLoop(emu, ROUNDS, async (url, n) => {
      const r = await call(emu.ca, `${url}${clusterPath}/api/v1/namespaces/default/pods`, "POST", kube, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: `pod-${n}` },
        spec: {
          containers: [
            { name: "c", image: "nginx", ports: [{ containerPort: 80, hostPort: 9000 + (n % 3) }] },
          ],
        },
      });
      if (r.status === 201) acked.push(`pod-${n}`);
      else if (r.status >= 0) expect.fail(`pod POST answered ${r.status}: ${r.body}`);
    });
    expect(acked.length).toBeGreaterThan(ROUNDS);
    // The controllers resume what the kills cut off (bindings, pod IPs) before the count.
    await new Promise((r) => setTimeout(r, 1500));
    const list = await call(emu.ca, `${emu.url}${clusterPath}/api/v1/pods`, "GET", kube);
    const pods = (
      JSON.parse(list.body) as {
        items: {
          metadata: { name: string };
          spec: {
            nodeName?: string;
            hostNetwork?: boolean;
            containers: { ports?: { hostPort?: number }[] }[];
          };
          status: { podIP?: string };
        }[];
      }
    ).items;
    const names = new Set(pods.map((p) => p.metadata.name));
    for (const p of acked) expect(names.has(p), `acknowledged pod ${p} is gone`).toBe(true);
    const ports = new Map<string, string>();
    const podIps = new Map<string, string>();
    let bound = 0;
    for (const p of pods) {
      if (!p.spec.nodeName || !p.metadata.name.startsWith("pod-")) continue;
      bound++;
      for (const c of p.spec.containers)
        for (const port of c.ports ?? []) {
          if (!port.hostPort) continue;
          const key = `${p.spec.nodeName}:${port.hostPort}`;
          expect(ports.get(key), `${key} held by ${ports.get(key)} and ${p.metadata.name}`).toBeUndefined();
          ports.set(key, p.metadata.name);
        }
    }
    for (const p of pods) {
      if (!p.spec.nodeName || p.spec.hostNetwork || !p.status.podIP) continue;
      const other = podIps.get(p.status.podIP);
      expect(other, `pod IP ${p.status.podIP} held by ${other} and ${p.metadata.name}`).toBeUndefined();
      podIps.set(p.status.podIP, p.metadata.name);
    }
    // Two nodes, three host ports: six racing pods run, the rest wait Pending.
    expect(bound).toBe(6);
  }, 90_000);
});
