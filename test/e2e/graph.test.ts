// The Microsoft Graph face over HTTPS: service principals of managed identities (user- and
// system-assigned) and sign-in clients, the $filter forms az sends, getByIds, Graph's errors
// and its audience check.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let emu: TestEmulator;
const RG = "graphrg";

async function tokenFor(scope: string, clientId = "graph-app"): Promise<string> {
  const res = await fetch(`${emu.url}/${emu.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: "s",
      scope,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

async function graph(method: string, path: string, token: string | undefined, body?: unknown) {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

let graphToken: string;
let ident: { id: string; principalId: string; clientId: string };

beforeAll(async () => {
  emu = await startTestEmulator();
  graphToken = await tokenFor("https://graph.microsoft.com/.default");
  expect(
    (
      await emu.arm(
        "PUT",
        `/subscriptions/${emu.subscriptionId}/resourcegroups/${RG}?api-version=2021-04-01`,
        { location: "eastus" },
      )
    ).status,
  ).toBe(201);
  const r = await emu.arm(
    "PUT",
    `/subscriptions/${emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1?api-version=2023-01-31`,
    { location: "eastus" },
  );
  const b = r.body as { id: string; properties: { principalId: string; clientId: string } };
  ident = { id: b.id, principalId: b.properties.principalId, clientId: b.properties.clientId };
});

afterAll(async () => {
  await emu?.close();
});

describe("Microsoft Graph face", () => {
  it("finds a user-assigned identity by object id, by (appId='…') and by az's $filter forms", async () => {
    const byId = await graph("GET", `/v1.0/servicePrincipals/${ident.principalId}`, graphToken);
    expect(byId.status).toBe(200);
    expect(byId.body).toEqual({
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals/$entity",
      id: ident.principalId,
      appId: ident.clientId,
      displayName: "id1",
      servicePrincipalType: "ManagedIdentity",
      servicePrincipalNames: [ident.clientId, expect.stringMatching(/^https:\/\/identity\.azure\.net\//)],
      alternativeNames: ["isExplicit=True", ident.id],
      appOwnerOrganizationId: emu.tenantId,
      accountEnabled: true,
      tags: [],
    });
    const alt = await graph("GET", `/v1.0/servicePrincipals(appId='${ident.clientId}')`, graphToken);
    expect(alt.body.id).toBe(ident.principalId);
    for (const filter of [
      `servicePrincipalNames/any(c:c eq '${ident.clientId}')`,
      `appId eq '${ident.clientId.toUpperCase()}'`,
      `startswith(displayName,'id') and servicePrincipalType eq 'ManagedIdentity'`,
      `appId in ('nope','${ident.clientId}')`,
    ]) {
      const r = await graph(
        "GET",
        `/v1.0/servicePrincipals?$filter=${encodeURIComponent(filter)}`,
        graphToken,
      );
      expect(r.status, filter).toBe(200);
      expect(
        (r.body.value as { id: string }[]).map((v) => v.id),
        filter,
      ).toEqual([ident.principalId]);
    }
    // A principal id is not a service principal name: az then falls back to getByIds.
    const none = await graph(
      "GET",
      `/v1.0/servicePrincipals?$filter=${encodeURIComponent(`servicePrincipalNames/any(c:c eq '${ident.principalId}')`)}`,
      graphToken,
    );
    expect(none.body.value).toEqual([]);
  });

  it("lists the calling client as an Application principal; getByIds answers typed objects", async () => {
    const mine = await graph(
      "GET",
      `/v1.0/servicePrincipals?$filter=${encodeURIComponent("appId eq 'graph-app'")}`,
      graphToken,
    );
    const me = (mine.body.value as { id: string; servicePrincipalType: string }[])[0];
    expect(me).toMatchObject({
      appId: "graph-app",
      servicePrincipalType: "Application",
      servicePrincipalNames: ["graph-app"],
    });
    const ids = await graph("POST", "/v1.0/directoryObjects/getByIds", graphToken, {
      ids: [ident.principalId, me.id, "00000000-0000-4000-8000-000000000000"],
      types: ["user", "group", "servicePrincipal", "directoryObjectPartnerReference"],
    });
    expect(ids.status).toBe(200);
    expect((ids.body.value as Record<string, unknown>[]).map((v) => [v["@odata.type"], v.id])).toEqual([
      ["#microsoft.graph.servicePrincipal", ident.principalId],
      ["#microsoft.graph.servicePrincipal", me.id],
    ]);
    const onlyUsers = await graph("POST", "/v1.0/directoryObjects/getByIds", graphToken, {
      ids: [me.id],
      types: ["user"],
    });
    expect(onlyUsers.body.value).toEqual([]);
  });

  it("answers Graph's errors: missing or wrong-audience token, unknown id, unsupported filter, bad body", async () => {
    const anon = await graph("GET", "/v1.0/servicePrincipals", undefined);
    expect(anon.status).toBe(401);
    expect(anon.body.error).toMatchObject({
      code: "InvalidAuthenticationToken",
      message: "Access token is empty.",
    });
    const other = await graph(
      "GET",
      "/v1.0/servicePrincipals",
      await tokenFor("https://vault.azure.net/.default"),
    );
    expect(other.status).toBe(401);
    expect(other.body.error).toMatchObject({ message: "Access token validation failure. Invalid audience." });
    // The emulator's own base URL is the Graph resource `aksnet setup az` registers.
    expect(
      (await graph("GET", "/v1.0/servicePrincipals", await tokenFor(`${emu.url}//.default`))).status,
    ).toBe(200);
    const missing = await graph(
      "GET",
      "/v1.0/servicePrincipals/00000000-0000-4000-8000-000000000000",
      graphToken,
    );
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: "Request_ResourceNotFound" });
    const bad = await graph(
      "GET",
      `/v1.0/servicePrincipals?$filter=${encodeURIComponent("appId ne 'x'")}`,
      graphToken,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({
      code: "Request_UnsupportedQuery",
      message: expect.stringContaining("operator 'ne'"),
    });
    const body = await graph("POST", "/v1.0/directoryObjects/getByIds", graphToken, { ids: ["not-a-guid"] });
    expect(body.status).toBe(400);
    expect(body.body.error).toMatchObject({
      code: "Request_BadRequest",
      message: "Invalid object identifier 'not-a-guid'.",
    });
    const seg = await graph("GET", "/v1.0/users", graphToken);
    expect(seg.status).toBe(400);
    expect(seg.body.error).toMatchObject({ message: "Resource not found for the segment 'users'." });
    expect((await graph("DELETE", `/v1.0/servicePrincipals/${ident.principalId}`, graphToken)).status).toBe(
      405,
    );
  });
});
