// `aksnet start` as a user runs it (the built bin/aksnet.js): flags, environment, refusals.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import tls from "node:tls";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TENANT } from "../../src/server/config.js";
import { createCa } from "../../src/server/tls.js";
import { cliToken, requireBuild, runCli, type Started, startCli, stopCli } from "../helpers/cli.js";
import { seedTestCa, tempDir } from "../helpers/emulator.js";

const TENANT_1 = "aaaaaaaa-1111-4111-8111-111111111111";
const TENANT_2 = "bbbbbbbb-2222-4222-8222-222222222222";
const SUB_A = "11111111-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const SUB_B = "22222222-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

let running: Started[] = [];
beforeAll(requireBuild);
afterEach(async () => {
  await Promise.all(running.map(stopCli));
  running = [];
});

async function start(extra: string[], env: Record<string, string> = {}): Promise<Started> {
  const dir = tempDir();
  seedTestCa(dir);
  const s = await startCli(dir, ["--in-memory", ...extra], env);
  running.push(s);
  return s;
}

/** GET /subscriptions/{sub} with a token of `tenant`: status and error code. */
async function getSubscription(url: string, sub: string, tenant: string) {
  const res = await fetch(`${url}/subscriptions/${sub}?api-version=2022-12-01`, {
    headers: { authorization: `Bearer ${await cliToken(url, tenant)}` },
  });
  const body = (await res.json()) as { subscriptionId?: string; tenantId?: string; error?: { code: string } };
  return { status: res.status, body };
}

describe("aksnet start --subscription (issue 8 item 11)", () => {
  it("does not crash with 'opts.extraSubscriptions.map is not a function'; a repeated flag serves each subscription to its own tenant", async () => {
    const s = await start([
      "--subscription",
      `${SUB_A}:${TENANT_1}`,
      "--subscription",
      `${SUB_B}:${TENANT_2}`,
    ]);
    const a = await getSubscription(s.url, SUB_A, TENANT_1);
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ subscriptionId: SUB_A, tenantId: TENANT_1 });
    const b = await getSubscription(s.url, SUB_B, TENANT_2);
    expect(b.status).toBe(200);
    expect(b.body).toMatchObject({ subscriptionId: SUB_B, tenantId: TENANT_2 });
    // each subscription admits only its own tenant's tokens
    const cross = await getSubscription(s.url, SUB_B, TENANT_1);
    expect(cross.status).toBe(401);
    expect(cross.body.error?.code).toBe("InvalidAuthenticationTokenTenant");
  });

  it("takes the same list from AKSNET_EXTRA_SUBSCRIPTIONS (comma-separated), tenant defaulting to the default tenant", async () => {
    const s = await start([], { AKSNET_EXTRA_SUBSCRIPTIONS: `${SUB_A}:${TENANT_1},${SUB_B}` });
    expect((await getSubscription(s.url, SUB_A, TENANT_1)).body).toMatchObject({ tenantId: TENANT_1 });
    const b = await getSubscription(s.url, SUB_B, DEFAULT_TENANT);
    expect(b.status).toBe(200);
    expect(b.body).toMatchObject({ subscriptionId: SUB_B, tenantId: DEFAULT_TENANT });
  });

  it("refuses a malformed --subscription with exit code 2 and a message naming the flag and the form", async () => {
    const dir = tempDir();
    const r = await runCli([
      "start",
      "--data-dir",
      dir,
      "--port",
      "0",
      "--in-memory",
      "--subscription",
      "not-a-guid:x",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--subscription 'not-a-guid:x' must be <subscription-guid>[:<tenant-guid>]");
  });
});

describe("one aksnet per data dir, and whole TLS material (issue 8 item 6)", () => {
  it("two `aksnet start` on one data dir at the same instant: exactly one runs, the other says why (5 tries)", async () => {
    for (let i = 0; i < 5; i++) {
      const dir = tempDir();
      seedTestCa(dir);
      const results = await Promise.allSettled([
        startCli(dir, ["--in-memory"]),
        startCli(dir, ["--in-memory"]),
      ]);
      const up = results.filter((r): r is PromiseFulfilledResult<Started> => r.status === "fulfilled");
      const down = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      running.push(...up.map((r) => r.value));
      expect(up).toHaveLength(1);
      expect(String(down[0].reason)).toMatch(
        // The OS lock refuses the loser; if it starts a moment late, the info file already names the winner.
        /exited with 1: aksnet( start)?: (another aksnet is already running with data dir|an emulator \(pid \d+\) already serves)/,
      );
      // The one that runs serves a certificate its ca.pem verifies.
      expect((await fetch(`${up[0].value.url}/_aksnet/health`)).status).toBe(200);
      await Promise.all(running.map(stopCli));
      running = [];
    }
  });

  it("the lock dies with its holder: after kill -9 the next start runs", async () => {
    const dir = tempDir();
    seedTestCa(dir);
    const first = await startCli(dir, ["--in-memory"]);
    const exited = new Promise((r) => first.proc.on("exit", r));
    first.proc.kill("SIGKILL");
    await exited;
    running.push(await startCli(dir, ["--in-memory"]));
  });

  it("a pid in aksnet.json that holds no lock (a killed emulator not yet reaped, a reused number) blocks nothing", async () => {
    const dir = tempDir();
    seedTestCa(dir);
    const first = await startCli(dir, ["--in-memory"]);
    const info = fs.readFileSync(path.join(dir, "aksnet.json"), "utf8");
    await stopCli(first);
    // A live process under the recorded pid that is not an emulator.
    const other = spawn("sleep", ["30"]);
    try {
      fs.writeFileSync(
        path.join(dir, "aksnet.json"),
        JSON.stringify({ ...JSON.parse(info), pid: other.pid }),
      );
      const st = await runCli(["status", "--data-dir", dir]);
      expect([st.code, st.stdout.split("\n")[0]]).toEqual([
        3,
        `aksnet is not running for ${dir} (start it with: aksnet start --data-dir ${dir})`,
      ]);
      running.push(await startCli(dir, ["--in-memory"]));
      expect((await runCli(["status", "--data-dir", dir])).stdout).toContain("aksnet is running");
    } finally {
      other.kill();
    }
  });

  it("a broken tls/ (a server certificate from another CA, a truncated key) is detected and made anew", async () => {
    const dir = tempDir();
    seedTestCa(dir);
    const first = await startCli(dir, ["--in-memory"]);
    await stopCli(first);
    // A certificate that does not chain to ca.pem: the CA of another install.
    const other = tempDir();
    await createCa(other);
    fs.copyFileSync(path.join(other, "ca.pem"), path.join(dir, "tls", "server.pem"));
    const second = await startCli(dir, ["--in-memory"]);
    running.push(second);
    expect(second.stderr()).toContain(
      "is broken: server.pem was not signed by ca.pem. Making a new server certificate",
    );
    const ca = fs.readFileSync(path.join(dir, "tls", "ca.pem"), "utf8");
    const served = await new Promise<string>((resolve, reject) => {
      const u = new URL(second.url);
      const s = tls.connect({ host: u.hostname, port: Number(u.port), ca, servername: "localhost" }, () => {
        resolve(s.authorized ? "verified" : String(s.authorizationError));
        s.end();
      });
      s.on("error", reject);
    });
    expect(served).toBe("verified");
    await stopCli(second);
    running = [];
    fs.writeFileSync(path.join(dir, "tls", "server-key.pem"), "-----BEGIN PRIVATE KEY-----\nMIG\n");
    const third = await startCli(dir, ["--in-memory"]);
    running.push(third);
    expect(third.stderr()).toContain("server.pem or server-key.pem cannot be read");
  });
});
