// Several `aksnet start --store postgresql://…` processes act as one emulator: writes are
// visible on all at once, tokens from one work on the other, allocations never collide, an
// operation whose process is killed is finished by another, a watch sees every write.
// Needs a PostgreSQL server (AKSNET_TEST_PG_URL; `.ci/run` provides one).
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.js";
import type { ChangeRecord } from "../../src/store/types.js";
import { seedTestCa, tempDir } from "../helpers/emulator.js";
import { pgMissingReason, pgUrl } from "../helpers/stores.js";

const bin = path.resolve("bin/aksnet.js");
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
});

async function start(store: string, extra: string[] = []): Promise<{ url: string; proc: ChildProcess }> {
  const dir = tempDir();
  seedTestCa(dir);
  const proc = spawn(
    process.execPath,
    [bin, "start", "--port", "0", "--data-dir", dir, "--quiet", "--store", store, ...extra],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  children.push(proc);
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

async function token(url: string): Promise<string> {
  const res = await fetch(`${url}/adfs/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials&client_id=a&client_secret=b&scope=https://management.azure.com/.default",
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

const skip = pgMissingReason();

describe.skipIf(skip !== undefined)("two processes on one PostgreSQL", () => {
  it("share writes, tokens and allocations (64 concurrent public IPs on one /28 prefix: 16 addresses, each once)", async () => {
    const store = pgUrl("mp_alloc");
    const [a, b] = await Promise.all([start(store), start(store)]);
    const t = await token(a.url);
    const sub = (await (
      await fetch(`${b.url}/subscriptions?api-version=2022-12-01`, {
        headers: { authorization: `Bearer ${t}` },
      })
    ).json()) as { value: { id: string }[] };
    const subPath = sub.value[0].id;
    const h = { authorization: `Bearer ${t}`, "content-type": "application/json" };
    const put = (url: string, p: string, body: unknown) =>
      fetch(`${url}${subPath}${p}`, { method: "PUT", headers: h, body: JSON.stringify(body) });
    expect(
      (await put(a.url, "/resourcegroups/mp?api-version=2021-04-01", { location: "eastus" })).status,
    ).toBe(201);
    // written through A, read through B with A's token
    const got = await fetch(`${b.url}${subPath}/resourcegroups/mp?api-version=2021-04-01`, { headers: h });
    expect(got.status).toBe(200);
    const net = "/resourceGroups/mp/providers/Microsoft.Network";
    const prefix = await put(a.url, `${net}/publicIPPrefixes/pfx?api-version=2024-05-01`, {
      location: "eastus",
      sku: { name: "Standard" },
      properties: { prefixLength: 28 },
    });
    expect([200, 201]).toContain(prefix.status);
    const prefixBody = (await prefix.json()) as { id: string; properties: { ipPrefix: string } };
    const results = await Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        const res = await put(
          i % 2 ? a.url : b.url,
          `${net}/publicIPAddresses/ip${i}?api-version=2024-05-01`,
          {
            location: "eastus",
            sku: { name: "Standard" },
            properties: { publicIPAllocationMethod: "Static", publicIPPrefix: { id: prefixBody.id } },
          },
        );
        return { status: res.status, body: (await res.json()) as { properties: { ipAddress: string } } };
      }),
    );
    // Azure's largest IPv4 prefix is /28: 16 creates win an address, 48 are refused.
    const won = results.filter((r) => r.status === 201);
    const lost = results.filter((r) => r.status !== 201);
    expect(won).toHaveLength(16);
    expect(lost.map((r) => r.status)).toEqual(Array(48).fill(400));
    expect(new Set(lost.map((r) => (r.body as unknown as { error: { code: string } }).error.code))).toEqual(
      new Set(["PublicIpPrefixOutOfIpAddressesForPublicIp"]),
    );
    const addresses = won.map((r) => r.body.properties.ipAddress);
    const base = prefixBody.properties.ipPrefix.split("/")[0].split(".").map(Number);
    const expected = Array.from({ length: 16 }, (_, i) => [...base.slice(0, 3), base[3] + i].join("."));
    expect([...addresses].sort()).toEqual([...expected].sort());
    // Both processes see the same 16 holders on the prefix.
    for (const u of [a.url, b.url]) {
      const p = (await (
        await fetch(`${u}${subPath}${net}/publicIPPrefixes/pfx?api-version=2024-05-01`, { headers: h })
      ).json()) as {
        properties: { publicIPAddresses: { id: string }[] };
      };
      expect(p.properties.publicIPAddresses).toHaveLength(16);
    }
  }, 120_000);

  it("a watch on the shared store sees writes made through either process, in revision order", async () => {
    const url = pgUrl("mp_watch");
    const [a, b] = await Promise.all([start(url), start(url)]);
    const watcher = await openStore(url);
    try {
      const from = await watcher.currentRevision();
      const seen: ChangeRecord[] = [];
      const handle = watcher.watch(from, { kind: "arm" }, (c) => seen.push(c));
      const t = await token(b.url);
      const h = { authorization: `Bearer ${t}`, "content-type": "application/json" };
      const subs = (await (
        await fetch(`${a.url}/subscriptions?api-version=2022-12-01`, { headers: h })
      ).json()) as {
        value: { id: string }[];
      };
      const subPath = subs.value[0].id;
      for (const [i, u] of [a.url, b.url, a.url, b.url].entries())
        expect(
          (
            await fetch(`${u}${subPath}/resourcegroups/w${i}?api-version=2021-04-01`, {
              method: "PUT",
              headers: h,
              body: '{"location":"eastus"}',
            })
          ).status,
        ).toBe(201);
      const deadline = Date.now() + 5000;
      while (seen.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      handle.close();
      expect(seen.map((c) => c.key)).toEqual(
        [0, 1, 2, 3].map((i) => `${subPath}/resourcegroups/w${i}`.toLowerCase()),
      );
      expect(seen.map((c) => c.type)).toEqual(["ADDED", "ADDED", "ADDED", "ADDED"]);
      const revs = seen.map((c) => c.revision);
      expect([...revs].sort((x, y) => x - y)).toEqual(revs);
    } finally {
      await watcher.close();
    }
  }, 60_000);

  it("kill -9 of the process running a cluster create: the other one finishes it", async () => {
    const url = pgUrl("mp_kill");
    // A holds the operation (its test delay keeps it waiting with the lease); B has no delay.
    const a = await start(url, ["--operation-delay", "60000"]);
    const t = await token(a.url);
    const h = { authorization: `Bearer ${t}`, "content-type": "application/json" };
    const subs = (await (
      await fetch(`${a.url}/subscriptions?api-version=2022-12-01`, { headers: h })
    ).json()) as {
      value: { id: string }[];
    };
    const subPath = subs.value[0].id;
    const put = (u: string, p: string, body: unknown) =>
      fetch(`${u}${subPath}${p}`, { method: "PUT", headers: h, body: JSON.stringify(body) });
    expect(
      (await put(a.url, "/resourcegroups/k?api-version=2021-04-01", { location: "eastus" })).status,
    ).toBe(201);
    const cluster =
      "/resourceGroups/k/providers/Microsoft.ContainerService/managedClusters/c1?api-version=2026-06-01";
    const created = await put(a.url, cluster, {
      location: "eastus",
      identity: { type: "SystemAssigned" },
      properties: {
        dnsPrefix: "c1",
        agentPoolProfiles: [{ name: "nodepool1", count: 3, vmSize: "Standard_DS2_v2", mode: "System" }],
        networkProfile: { networkPlugin: "kubenet" },
      },
    });
    expect(created.status).toBe(201);
    const statusUrl = created.headers.get("azure-asyncoperation") as string;
    // A claims it at once and keeps renewing the lease; B, started now, must not run it meanwhile.
    await new Promise((r) => setTimeout(r, 300));
    const b = await start(url);
    await new Promise((r) => setTimeout(r, 1500));
    const mid = (await (await fetch(statusUrl.replace(a.url, b.url), { headers: h })).json()) as {
      status: string;
    };
    expect(mid.status).toBe("InProgress");
    a.proc.kill("SIGKILL");
    await new Promise((r) => a.proc.on("exit", r));
    let status = "InProgress";
    const deadline = Date.now() + 60_000;
    while (status === "InProgress" && Date.now() < deadline) {
      status = (
        (await (await fetch(statusUrl.replace(a.url, b.url), { headers: h })).json()) as { status: string }
      ).status;
      if (status === "InProgress") await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe("Succeeded");
    const got = (await (await fetch(`${b.url}${subPath}${cluster}`, { headers: h })).json()) as {
      properties: { provisioningState: string };
    };
    expect(got.properties.provisioningState).toBe("Succeeded");
  }, 150_000);
});
