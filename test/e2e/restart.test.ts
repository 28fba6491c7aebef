// Durability: the emulator as a separate process on a file store. State survives a clean
// stop, and a long-running operation cut off by kill -9 finishes after the next start.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { seedTestCa, tempDir } from "../helpers/emulator.js";
import { PG_URL, pgUrl } from "../helpers/stores.js";

const bin = path.resolve("bin/aksnet.js");
let child: ChildProcess | undefined;

afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
});

// The same file runs on SQLite and, when a server is configured, on PostgreSQL (one schema
// per data dir, so a restart finds its state again).
let backendArgs: (dataDir: string) => string[] = () => [];
const pgSchemas = new Map<string, string>();

async function start(dataDir: string, extra: string[] = []): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(
    process.execPath,
    [bin, "start", "--port", "0", "--data-dir", dataDir, "--quiet", ...backendArgs(dataDir), ...extra],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child = proc;
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    let err = "";
    proc.stdout!.on("data", (c) => {
      out += c;
      const line = out.split("\n")[0];
      if (out.includes("\n")) resolve(line.trim());
    });
    proc.stderr!.on("data", (c) => {
      err += c;
    });
    proc.on("exit", (code) => reject(new Error(`emulator exited with ${code}: ${err}`)));
  });
  return { url, proc };
}

async function token(url: string, tenant: string): Promise<string> {
  const res = await fetch(`${url}/${tenant}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials&client_id=a&client_secret=b&scope=https://management.azure.com/.default",
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

function info(dataDir: string) {
  return JSON.parse(fs.readFileSync(path.join(dataDir, "aksnet.json"), "utf8")) as {
    armEndpoint: string;
    tenantId: string;
    subscriptionId: string;
    caFile: string;
    pid: number;
  };
}

const BACKENDS: { name: string; args: (dataDir: string) => string[] }[] = [
  { name: "sqlite", args: () => [] },
];
if (PG_URL)
  BACKENDS.push({
    name: "postgres",
    args: (dir) => {
      if (!pgSchemas.has(dir)) pgSchemas.set(dir, pgUrl());
      return ["--store", pgSchemas.get(dir) as string];
    },
  });

describe.each(BACKENDS)("aksnet start on a $name store", (backend) => {
  beforeAll(() => {
    backendArgs = backend.args;
  });

  it("writes aksnet.json, keeps state across a clean stop, and refuses a second emulator on the same dir", async () => {
    const dir = tempDir();
    seedTestCa(dir);
    const first = await start(dir);
    const i = info(dir);
    expect(i.armEndpoint).toBe(first.url);
    expect(i.pid).toBe(first.proc.pid);
    expect(fs.existsSync(i.caFile)).toBe(true);
    const t = await token(first.url, i.tenantId);
    const rg = `${first.url}/subscriptions/${i.subscriptionId}/resourcegroups/keep?api-version=2021-04-01`;
    const put = await fetch(rg, {
      method: "PUT",
      headers: { authorization: `Bearer ${t}`, "content-type": "application/json" },
      body: JSON.stringify({ location: "eastus" }),
    });
    expect(put.status).toBe(201);

    const second = spawn(process.execPath, [bin, "start", "--port", "0", "--data-dir", dir], {
      stdio: "pipe",
    });
    const code = await new Promise<number | null>((r) => second.on("exit", r));
    expect(code).toBe(1);

    first.proc.kill("SIGTERM");
    await new Promise((r) => first.proc.on("exit", r));
    expect(fs.existsSync(path.join(dir, "aksnet.json"))).toBe(false);

    const again = await start(dir);
    // the token signing key lives in the data dir, so the old token still works
    const get = await fetch(rg.replace(first.url, again.url), { headers: { authorization: `Bearer ${t}` } });
    expect(get.status).toBe(200);
    expect(((await get.json()) as { name: string }).name).toBe("keep");
  });

  it("finishes a long-running delete that a kill -9 cut off", async () => {
    const dir = tempDir();
    seedTestCa(dir);
    const slow = await start(dir, ["--operation-delay", "60000"]);
    const i = info(dir);
    const t = await token(slow.url, i.tenantId);
    const auth = { authorization: `Bearer ${t}`, "content-type": "application/json" };
    const rg = `/subscriptions/${i.subscriptionId}/resourcegroups/doomed?api-version=2021-04-01`;
    expect(
      (await fetch(slow.url + rg, { method: "PUT", headers: auth, body: '{"location":"eastus"}' })).status,
    ).toBe(201);
    const del = await fetch(slow.url + rg, { method: "DELETE", headers: auth });
    expect(del.status).toBe(202);
    const statusUrl = del.headers.get("azure-asyncoperation")!;
    expect(statusUrl).toMatch(/^https:\/\//);
    const during = (await (await fetch(statusUrl, { headers: auth })).json()) as { status: string };
    expect(during.status).toBe("InProgress");
    slow.proc.kill("SIGKILL");
    await new Promise((r) => slow.proc.on("exit", r));

    const fast = await start(dir);
    const url = statusUrl.replace(slow.url, fast.url);
    let status = "InProgress";
    for (const until = Date.now() + 20_000; status === "InProgress" && Date.now() < until; ) {
      status = ((await (await fetch(url, { headers: auth })).json()) as { status: string }).status;
      if (status === "InProgress") await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe("Succeeded");
    expect((await fetch(fast.url + rg, { headers: auth })).status).toBe(404);
  });

  it("finishes a cluster create that a kill -9 cut off, with every node address handed out once", async () => {
    const dir = tempDir();
    seedTestCa(dir);
    const slow = await start(dir, ["--operation-delay", "60000"]);
    const i = info(dir);
    const t = await token(slow.url, i.tenantId);
    const auth = { authorization: `Bearer ${t}`, "content-type": "application/json" };
    const sub = `/subscriptions/${i.subscriptionId}`;
    const put = (url: string, path: string, body: unknown) =>
      fetch(url + path, { method: "PUT", headers: auth, body: JSON.stringify(body) });
    expect(
      (await put(slow.url, `${sub}/resourcegroups/k?api-version=2021-04-01`, { location: "eastus" })).status,
    ).toBe(201);
    const cluster = `${sub}/resourceGroups/k/providers/Microsoft.ContainerService/managedClusters/c1?api-version=2026-06-01`;
    const created = await put(slow.url, cluster, {
      location: "eastus",
      identity: { type: "SystemAssigned" },
      properties: {
        dnsPrefix: "c1",
        agentPoolProfiles: [{ name: "nodepool1", count: 3, vmSize: "Standard_DS2_v2", mode: "System" }],
        networkProfile: { networkPlugin: "kubenet" },
      },
    });
    expect(created.status).toBe(201);
    expect(
      ((await created.json()) as { properties: { provisioningState: string } }).properties.provisioningState,
    ).toBe("Creating");
    const statusUrl = created.headers.get("azure-asyncoperation")!;
    slow.proc.kill("SIGKILL");
    await new Promise((r) => slow.proc.on("exit", r));

    const fast = await start(dir);
    let status = "InProgress";
    for (const until = Date.now() + 20_000; status === "InProgress" && Date.now() < until; ) {
      const res = await fetch(statusUrl.replace(slow.url, fast.url), { headers: auth });
      status = ((await res.json()) as { status: string }).status;
      if (status === "InProgress") await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe("Succeeded");
    const got = (await (await fetch(fast.url + cluster, { headers: auth })).json()) as {
      properties: { provisioningState: string; nodeResourceGroup: string };
    };
    expect(got.properties.provisioningState).toBe("Succeeded");
    const mc = got.properties.nodeResourceGroup;
    const vnets = (await (
      await fetch(
        `${fast.url}${sub}/resourceGroups/${mc}/providers/Microsoft.Network/virtualNetworks?api-version=2026-01-01`,
        {
          headers: auth,
        },
      )
    ).json()) as {
      value: { properties: { subnets: { properties: { ipConfigurations?: { id: string }[] } }[] } }[];
    };
    const holders = vnets.value[0].properties.subnets[0].properties.ipConfigurations ?? [];
    expect(holders).toHaveLength(3);
    expect(new Set(holders.map((h) => h.id.toLowerCase())).size).toBe(3);
  });
});
