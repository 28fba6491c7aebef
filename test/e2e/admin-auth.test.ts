// Issue 8 item 2: the admin face (`/_aksnet/*` but health, and the page at `/`) is closed to anyone
// without credentials: the CLI's admin secret, a browser session from a one-time login URL, or an
// ARM token — which sees only its own tenant and may not reset. Cross-site state changes are refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

const TENANT_2 = "bbbbbbbb-2222-4222-8222-222222222222";
const SUB_2 = "22222222-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator({ extraSubscriptions: [`${SUB_2}:${TENANT_2}`] });
  // Something to lose: a resource group in each tenant.
  for (const [sub, tenant] of [
    [emu.subscriptionId, undefined],
    [SUB_2, TENANT_2],
  ] as const) {
    const res = await fetch(`${emu.url}/subscriptions/${sub}/resourcegroups/keep?api-version=2022-09-01`, {
      method: "PUT",
      headers: { authorization: `Bearer ${await emu.token(tenant)}`, "content-type": "application/json" },
      body: JSON.stringify({ location: "eastus" }),
    });
    expect(res.status).toBe(201);
  }
});
afterAll(async () => emu?.close());

const groups = async () =>
  emu.store.read(
    async (tx) =>
      (await tx.listResourcesUnder("/subscriptions/")).filter(
        (r) => r.type === "Microsoft.Resources/resourceGroups",
      ).length,
  );
const admin = () => ({ authorization: `Bearer ${emu.adminSecret}` });

describe("spellings of the admin paths", () => {
  it("percent-encoded and case-varied spellings that route to an admin path are refused without credentials", async () => {
    const before = await groups();
    const tries: [string, string][] = [
      ["GET", "/%5Faksnet/status"],
      ["GET", "/%5faksnet/topology"],
      ["GET", "/_aksnet%2Fstatus"],
      ["GET", "/%5F%61ksnet/status"],
      ["POST", "/%5Faksnet/reset"],
      ["POST", "/%5Faksnet/login"],
      ["POST", "/%5Faksnet/trace"],
    ];
    for (const [method, p] of tries) {
      const res = await fetch(`${emu.url}${p}`, {
        method,
        headers: { "content-type": "application/json" },
        body: method === "POST" ? "{}" : undefined,
      });
      expect([p, res.status === 401 || res.status === 404]).toEqual([p, true]);
      expect(await res.text()).not.toMatch(/storeBytes|revision|subscriptionId/);
    }
    expect(await groups()).toBe(before);
  });
});

async function session(): Promise<string> {
  const res = await fetch(emu.loginUrl(), { redirect: "manual" });
  expect(res.status).toBe(303);
  return (res.headers.get("set-cookie") ?? "").split(";")[0];
}

describe("the admin face needs credentials (issue 8 item 2)", () => {
  it("POST /_aksnet/reset without any token is refused and wipes nothing — also as a cross-site text/plain POST", async () => {
    const bare = await fetch(`${emu.url}/_aksnet/reset`, { method: "POST" });
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as { error: { code: string } }).error.code).toBe("AuthenticationFailed");
    const csrf = await fetch(`${emu.url}/_aksnet/reset`, {
      method: "POST",
      headers: { "content-type": "text/plain", origin: "https://evil.example", cookie: await session() },
      body: "x",
    });
    expect(csrf.status).toBe(403);
    expect(await groups()).toBe(2);
  });

  it("topology, status, trace and the page answer nobody without credentials", async () => {
    for (const [method, path] of [
      ["GET", "/_aksnet/topology"],
      ["GET", "/_aksnet/status"],
      ["POST", "/_aksnet/trace"],
      ["POST", "/_aksnet/login"],
      ["GET", "/"],
    ] as const) {
      const res = await fetch(`${emu.url}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
    // Health says it is up and nothing else.
    const health = await fetch(`${emu.url}/_aksnet/health`);
    expect(await health.json()).toEqual({ status: "ok" });
  });

  it("the login URL is one-time and opens an HttpOnly, SameSite=Strict, Secure session", async () => {
    const url = emu.loginUrl();
    const first = await fetch(url, { redirect: "manual" });
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe("/");
    const setCookie = first.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^aksnet_session=[\w-]{40,}; HttpOnly; SameSite=Strict; Path=\/; Secure$/);
    const cookie = setCookie.split(";")[0];
    expect((await fetch(`${emu.url}/`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${emu.url}/_aksnet/topology`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(url, { redirect: "manual" })).status).toBe(401);
    expect((await fetch(`${emu.url}/`, { headers: { cookie: "aksnet_session=guess" } })).status).toBe(401);
  });

  it("an ARM token sees only its tenant, and may not reset", async () => {
    const t2 = { authorization: `Bearer ${await emu.token(TENANT_2)}` };
    const topo = (await (await fetch(`${emu.url}/_aksnet/topology`, { headers: t2 })).json()) as {
      subscriptions: { subscriptionId: string }[];
    };
    expect(topo.subscriptions.map((s) => s.subscriptionId)).toEqual([SUB_2]);
    const status = (await (await fetch(`${emu.url}/_aksnet/status`, { headers: t2 })).json()) as {
      resources: number;
    };
    expect(status.resources).toBe(1);
    const trace = await fetch(`${emu.url}/_aksnet/trace`, {
      method: "POST",
      headers: { ...t2, "content-type": "application/json" },
      body: JSON.stringify({
        subscriptionId: emu.subscriptionId,
        resourceGroup: "keep",
        cluster: "x",
        port: "80/tcp",
      }),
    });
    expect(trace.status).toBe(404);
    const reset = await fetch(`${emu.url}/_aksnet/reset`, { method: "POST", headers: t2 });
    expect(reset.status).toBe(403);
    expect(await groups()).toBe(2);
    // A Graph-audience token is no ARM token.
    const graph = await fetch(`${emu.url}/_aksnet/status`, {
      headers: { authorization: "Bearer not.a.token" },
    });
    expect(graph.status).toBe(401);
  });

  it("the owner's credential (what the aksnet CLI sends) sees everything and may reset", async () => {
    const all = (await (await fetch(`${emu.url}/_aksnet/status`, { headers: admin() })).json()) as {
      resources: number;
    };
    expect(all.resources).toBe(2);
    const login = (await (
      await fetch(`${emu.url}/_aksnet/login`, { method: "POST", headers: admin() })
    ).json()) as {
      url: string;
    };
    expect(login.url).toMatch(new RegExp(`^${emu.url}/\\?login=[\\w-]{20,}$`));
    expect((await fetch(`${emu.url}/_aksnet/reset`, { method: "POST", headers: admin() })).status).toBe(200);
    expect(await groups()).toBe(0);
  });
});
