// Issue 8 item 3: ARM accepts only tokens issued for ARM's audience (public ARM's four
// spellings, or this emulator's own endpoint as az and @azure/identity ask for it), and
// /tenants shows a caller only its own tenant.
import { ResourceManagementClient } from "@azure/arm-resources";
import { ClientSecretCredential } from "@azure/identity";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenService } from "../../src/server/auth.js";
import { startTestEmulator, type TestEmulator, tempDir } from "../helpers/emulator.js";

const TENANT2 = "22222222-3333-4444-8555-666666666666";
const SUB2 = "33333333-4444-4555-8666-777777777777";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator({ extraSubscriptions: [`${SUB2}:${TENANT2}`] });
});
afterAll(async () => emu?.close());

async function tokenFor(form: Record<string, string>, tenant = emu.tenantId): Promise<string> {
  const res = await fetch(`${emu.url}/${tenant}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: "app",
      client_secret: "s",
      ...form,
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function listGroups(token: string) {
  const res = await fetch(
    `${emu.url}/subscriptions/${emu.subscriptionId}/resourcegroups?api-version=2021-04-01`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  );
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

describe("token audience (defect: a Microsoft Graph token was accepted by ARM)", () => {
  it("accepts every audience the real clients ask ARM tokens for", async () => {
    const port = new URL(emu.url).port;
    const accepted: Record<string, string>[] = [
      { scope: "https://management.azure.com/.default" }, // @azure/identity, public cloud
      { scope: "https://management.core.windows.net//.default" }, // az (AzureCloud) via MSAL
      { scope: `${emu.url}/.default` }, // @azure/identity with the emulator as endpoint
      { scope: `${emu.url}//.default` }, // az 2.45, cloud registered with a trailing slash
      { scope: `https://localhost:${port}/.default` }, // another name the certificate covers
      { scope: "https://management.azure.com/.default offline_access openid profile" },
      { resource: "https://management.core.windows.net/" }, // v1 form (ADAL, az resource=)
      { resource: "https://management.azure.com/" },
      { resource: `${emu.url}/` },
      { resource: emu.url },
    ];
    for (const form of accepted) {
      const res = await listGroups(await tokenFor(form));
      expect(res.status, JSON.stringify(form)).toBe(200);
    }
  });

  it("refuses tokens for Graph, Key Vault and look-alike resources with 401 InvalidAuthenticationToken", async () => {
    const refused: [Record<string, string>, string][] = [
      [{ scope: "https://graph.microsoft.com/.default" }, "https://graph.microsoft.com"],
      [{ resource: "https://graph.windows.net/" }, "https://graph.windows.net/"],
      [{ scope: "https://vault.azure.net/.default" }, "https://vault.azure.net"],
      [
        { scope: "https://management.azure.com.evil.example/.default" },
        "https://management.azure.com.evil.example",
      ],
      [
        { resource: "https://management.azure.com/subscriptions" },
        "https://management.azure.com/subscriptions",
      ],
      [{ resource: "https://127.0.0.1:1/" }, "https://127.0.0.1:1/"],
    ];
    for (const [form, aud] of refused) {
      const res = await listGroups(await tokenFor(form));
      expect(res.status, aud).toBe(401);
      expect(res.body.error?.code).toBe("InvalidAuthenticationToken");
      expect(res.body.error?.message).toBe(
        `The access token has been obtained for wrong audience or resource '${aud}'. It should exactly match ` +
          "with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net'," +
          "'https://management.azure.com/','https://management.azure.com'.",
      );
    }
  });

  it("the Azure SDK works with its default scope (https://management.azure.com/.default) and fails with a Graph scope", async () => {
    const cred = new ClientSecretCredential(emu.tenantId, "sdk-app", "sdk-secret", {
      authorityHost: emu.url,
      disableInstanceDiscovery: true,
    });
    const ok = new ResourceManagementClient(cred, emu.subscriptionId, { endpoint: emu.url });
    expect((await ok.resourceGroups.createOrUpdate("aud-ok", { location: "eastus" })).name).toBe("aud-ok");
    const graph = new ResourceManagementClient(cred, emu.subscriptionId, {
      endpoint: emu.url,
      credentials: { scopes: ["https://graph.microsoft.com/.default"] },
    });
    const err = (await graph.resourceGroups.get("aud-ok").catch((e: unknown) => e)) as {
      statusCode?: number;
      code?: string;
    };
    expect(err.statusCode).toBe(401);
    expect(err.code).toBe("InvalidAuthenticationToken");
  });

  it("refuses forged and expired tokens with ARM's codes", async () => {
    const forged = await new SignJWT({ tid: emu.tenantId, appid: "x", oid: "x" })
      .setProtectedHeader({ alg: "HS256" })
      .setAudience("https://management.azure.com")
      .setExpirationTime("1h")
      .sign(new Uint8Array(32));
    const bad = await listGroups(forged);
    expect(bad.status).toBe(401);
    expect(bad.body.error).toEqual({
      code: "InvalidAuthenticationToken",
      message: "The access token is invalid.",
    });

    const dir = tempDir();
    const persistent = await startTestEmulator({ inMemory: false, dataDir: dir });
    try {
      const expired = await TokenService.open(dir).issue(
        { tid: persistent.tenantId, appid: "a", oid: "o" },
        "https://management.azure.com",
        -600,
      );
      const res = await fetch(
        `${persistent.url}/subscriptions/${persistent.subscriptionId}/resourcegroups?api-version=2021-04-01`,
        { headers: { authorization: `Bearer ${expired}` } },
      );
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("ExpiredAuthenticationToken");
      expect(body.error.message).toMatch(
        /^The access token expiry UTC time '.+' is earlier than current UTC time/,
      );
    } finally {
      await persistent.close();
    }
  });

  it("answers a missing or non-bearer Authorization header with AuthenticationFailed", async () => {
    const url = `${emu.url}/subscriptions/${emu.subscriptionId}/resourcegroups?api-version=2021-04-01`;
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { message: string } }).error.message).toBe(
      "Authentication failed. The 'Authorization' header is missing.",
    );
    const basic = await fetch(url, { headers: { authorization: "Basic YTpi" } });
    expect(basic.status).toBe(401);
    expect(((await basic.json()) as { error: { code: string } }).error.code).toBe("AuthenticationFailed");
  });
});

describe("/tenants (defect: listed every tenant of the emulator to anyone)", () => {
  it("lists only the caller's own tenant", async () => {
    for (const tenant of [emu.tenantId, TENANT2]) {
      const t = await tokenFor({ scope: "https://management.azure.com/.default" }, tenant);
      const res = await fetch(`${emu.url}/tenants?api-version=2022-12-01`, {
        headers: { authorization: `Bearer ${t}` },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { value: { tenantId: string; id: string }[] };
      expect(body.value.map((v) => v.tenantId)).toEqual([tenant]);
      expect(body.value[0].id).toBe(`/tenants/${tenant}`);
    }
  });
});
