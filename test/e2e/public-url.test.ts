// Issue 8 item 9: absolute URLs in responses come from the configured public address
// (`--public-url`, default from --host/--port), never from the request's Host header.
import https from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePublicUrl } from "../../src/server/config.js";
import { type Clients, clusterBody, startClients } from "./aks-helpers.js";

const FORGED = "evil.example:666";

/** A request with a forged Host header (fetch will not send one), TLS checked against our CA. */
function forged(
  url: string,
  method: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = https.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        servername: "localhost",
        headers: { host: FORGED, ...headers },
      },
      (res) => {
        let text = "";
        res.on("data", (c) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("the Host header is never reflected (default public URL)", () => {
  let c: Clients;
  beforeAll(async () => {
    c = await startClients({ pageSize: 1 });
  });
  afterAll(async () => c?.emu.close());

  it("builds /metadata/endpoints and the OpenID configuration from the bound address, not a forged Host", async () => {
    const meta = await forged(`${c.emu.url}/metadata/endpoints`, "GET");
    expect(meta.status).toBe(200);
    expect(meta.text).not.toContain("evil.example");
    const m = JSON.parse(meta.text) as { resourceManager: string; authentication: { loginEndpoint: string } };
    expect(m.resourceManager).toBe(`${c.emu.url}/`);
    expect(m.authentication.loginEndpoint).toBe(`${c.emu.url}/adfs`);
    for (const p of [
      "/adfs/.well-known/openid-configuration",
      `/${c.emu.tenantId}/v2.0/.well-known/openid-configuration`,
    ]) {
      const oidc = await forged(`${c.emu.url}${p}`, "GET");
      expect(oidc.text).not.toContain("evil.example");
      expect((JSON.parse(oidc.text) as { token_endpoint: string }).token_endpoint.startsWith(c.emu.url)).toBe(
        true,
      );
    }
  });

  it("builds Azure-AsyncOperation, Location and nextLink from the bound address, not a forged Host", async () => {
    const auth = { authorization: `Bearer ${await c.emu.token()}`, "content-type": "application/json" };
    const sub = `${c.emu.url}/subscriptions/${c.emu.subscriptionId}`;
    for (const n of ["hostrg1", "hostrg2", "hostrg3"])
      expect(
        (
          await forged(
            `${sub}/resourcegroups/${n}?api-version=2021-04-01`,
            "PUT",
            auth,
            '{"location":"eastus"}',
          )
        ).status,
      ).toBe(201);
    const del = await forged(`${sub}/resourcegroups/hostrg1?api-version=2021-04-01`, "DELETE", auth);
    expect(del.status).toBe(202);
    const op = String(del.headers["azure-asyncoperation"] ?? del.headers.location);
    expect(String(del.headers.location).startsWith(`${c.emu.url}/subscriptions/`)).toBe(true);
    expect(op.startsWith(`${c.emu.url}/subscriptions/`)).toBe(true);
    const list = await forged(`${sub}/resourcegroups?api-version=2021-04-01`, "GET", auth);
    const next = (JSON.parse(list.text) as { nextLink?: string }).nextLink ?? "";
    expect(next.startsWith(`${c.emu.url}/subscriptions/`)).toBe(true);
  });
});

describe("--public-url", () => {
  let c: Clients;
  const PUBLIC = "https://aksnet.example:9443";
  beforeAll(async () => {
    c = await startClients({ publicUrl: `${PUBLIC}/` });
  });
  afterAll(async () => c?.emu.close());

  it("is the base of metadata, operation URLs and the kubeconfig server, whatever Host says", async () => {
    expect(c.emu.url).toBe(PUBLIC);
    const listen = `https://127.0.0.1:${c.emu.port}`;
    const meta = JSON.parse((await forged(`${listen}/metadata/endpoints`, "GET")).text) as {
      resourceManager: string;
    };
    expect(meta.resourceManager).toBe(`${PUBLIC}/`);
    const auth = {
      authorization: `Bearer ${await tokenAt(listen, c.emu.tenantId)}`,
      "content-type": "application/json",
    };
    const sub = `${listen}/subscriptions/${c.emu.subscriptionId}`;
    await forged(`${sub}/resourcegroups/pub?api-version=2021-04-01`, "PUT", auth, '{"location":"eastus"}');
    const body = clusterBody({ count: 1 });
    const put = await forged(
      `${sub}/resourceGroups/pub/providers/Microsoft.ContainerService/managedClusters/c1?api-version=2026-06-01`,
      "PUT",
      auth,
      JSON.stringify({
        location: body.location,
        identity: body.identity,
        properties: { agentPoolProfiles: body.agentPoolProfiles, networkProfile: body.networkProfile },
      }),
    );
    expect(put.status, put.text).toBe(201);
    expect(String(put.headers["azure-asyncoperation"]).startsWith(`${PUBLIC}/subscriptions/`)).toBe(true);
    // wait for the create to finish, then read the kubeconfig
    const opPath = new URL(String(put.headers["azure-asyncoperation"]));
    let status = "InProgress";
    for (let i = 0; i < 200 && status === "InProgress"; i++) {
      status = (
        JSON.parse((await forged(`${listen}${opPath.pathname}${opPath.search}`, "GET", auth)).text) as {
          status: string;
        }
      ).status;
      if (status === "InProgress") await new Promise((r) => setTimeout(r, 25));
    }
    expect(status).toBe("Succeeded");
    const cred = await forged(
      `${sub}/resourceGroups/pub/providers/Microsoft.ContainerService/managedClusters/c1/listClusterUserCredential?api-version=2026-06-01`,
      "POST",
      auth,
    );
    const kc = Buffer.from(
      (JSON.parse(cred.text) as { kubeconfigs: { value: string }[] }).kubeconfigs[0].value,
      "base64",
    ).toString("utf8");
    expect(kc).toMatch(new RegExp(`server: ${PUBLIC.replace(/\./g, "\\.")}/clusters/[0-9a-f]+`));
    expect(kc).not.toContain("evil.example");
  });

  it("refuses a public URL with a path, another scheme or no URL at all, naming the rule", () => {
    expect(() => parsePublicUrl("https://h:1/x", false)).toThrow("must be an origin only");
    expect(() => parsePublicUrl("http://h:1", false)).toThrow("must use https");
    expect(() => parsePublicUrl("not a url", false)).toThrow("is not a URL");
    expect(parsePublicUrl("HTTPS://Host.Example:443/", false)).toBe("https://host.example");
  });
});

async function tokenAt(url: string, tenant: string): Promise<string> {
  const res = await fetch(`${url}/${tenant}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials&client_id=a&client_secret=b&scope=https://management.azure.com/.default",
  });
  return ((await res.json()) as { access_token: string }).access_token;
}
