// The sign-in face: @azure/identity's ClientSecretCredential and az's ADFS-style login
// obtain tokens from the emulator; configured clients are enforced.
import { ResourceManagementClient } from "@azure/arm-resources";
import { ClientSecretCredential } from "@azure/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator({ clients: ["app-123:s3cret"] });
});
afterAll(async () => emu?.close());

const form = (o: Record<string, string>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(o),
});

describe("sign-in", () => {
  it("serves ClientSecretCredential (tenant authority) end to end", async () => {
    const cred = new ClientSecretCredential(emu.tenantId, "app-123", "s3cret", {
      authorityHost: emu.url,
      disableInstanceDiscovery: true,
    });
    const client = new ResourceManagementClient(cred, emu.subscriptionId, { endpoint: emu.url });
    const rg = await client.resourceGroups.createOrUpdate("signin", { location: "eastus" });
    expect(rg.id).toBe(`/subscriptions/${emu.subscriptionId}/resourceGroups/signin`);
  });

  it("answers the ADFS authority that az 2.45 uses", async () => {
    const oidc = (await (await fetch(`${emu.url}/adfs/.well-known/openid-configuration`)).json()) as {
      token_endpoint: string;
    };
    expect(oidc.token_endpoint).toBe(`${emu.url}/adfs/oauth2/v2.0/token`);
    const res = await fetch(
      oidc.token_endpoint,
      form({
        grant_type: "client_credentials",
        client_id: "app-123",
        client_secret: "s3cret",
        client_info: "1",
        scope: `${emu.url}//.default`,
      }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(body.token_type).toBe("Bearer");
    expect(body.expires_in).toBeGreaterThan(0);
    const subs = await fetch(`${emu.url}/subscriptions?api-version=2019-11-01`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(((await subs.json()) as { value: { subscriptionId: string }[] }).value[0].subscriptionId).toBe(
      emu.subscriptionId,
    );
  });

  it("refuses unknown clients, wrong secrets, other grants and unknown tenants with OAuth2 errors", async () => {
    const url = `${emu.url}/${emu.tenantId}/oauth2/v2.0/token`;
    const unknown = await fetch(
      url,
      form({ grant_type: "client_credentials", client_id: "nobody", client_secret: "x" }),
    );
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toBe("unauthorized_client");
    const wrong = await fetch(
      url,
      form({ grant_type: "client_credentials", client_id: "app-123", client_secret: "x" }),
    );
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: string }).error).toBe("invalid_client");
    const grant = await fetch(url, form({ grant_type: "password", client_id: "app-123" }));
    expect(((await grant.json()) as { error: string }).error).toBe("unsupported_grant_type");
    const tenant = await fetch(
      `${emu.url}/00000000-0000-4000-8000-000000000001/oauth2/v2.0/token`,
      form({ grant_type: "client_credentials", client_id: "app-123", client_secret: "s3cret" }),
    );
    expect(tenant.status).toBe(400);
    expect(((await tenant.json()) as { error_description: string }).error_description).toContain("not found");
  });

  it("resolves a domain-name tenant to the emulator's tenant (az login --tenant contoso.onmicrosoft.com)", async () => {
    // az 2.45 reads the GUID from the issuer's fourth `/` part of {activeDirectory}/{tenant}/.well-known/…
    const doc = await fetch(`${emu.url}/adfs/contoso.onmicrosoft.com/.well-known/openid-configuration`);
    expect(doc.status).toBe(200);
    const issuer = ((await doc.json()) as { issuer: string }).issuer;
    expect(issuer.split("/")[3]).toBe(emu.tenantId);
    const v2 = await fetch(`${emu.url}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`);
    expect(((await v2.json()) as { issuer: string }).issuer.split("/")[3]).toBe(emu.tenantId);
    const res = await fetch(
      `${emu.url}/contoso.onmicrosoft.com/oauth2/v2.0/token`,
      form({ grant_type: "client_credentials", client_id: "app-123", client_secret: "s3cret" }),
    );
    expect(res.status).toBe(200);
    const token = ((await res.json()) as { access_token: string }).access_token;
    const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
    expect(claims.tid).toBe(emu.tenantId);
    const unknown = await fetch(
      `${emu.url}/00000000-0000-4000-8000-000000000001/v2.0/.well-known/openid-configuration`,
    );
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: "invalid_tenant" });
  });
});
