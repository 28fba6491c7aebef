// Issue 8 item 7: every defect the fuzzer found answered 500 (or a Fastify-shaped body);
// each now gets the face's own 4xx, and nothing is half-made.
import https from "node:https";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator({ clients: ["app 1:s3:cr%t", "app-2:x", "test-app:test-secret"] });
});
afterAll(async () => emu?.close());

const rg = (name: string) =>
  `/subscriptions/${emu.subscriptionId}/resourcegroups/${name}?api-version=2021-04-01`;
const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;

async function tokenWithBasic(authorization: string) {
  const res = await fetch(`${emu.url}/${emu.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { authorization, "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials&scope=https%3A%2F%2Fmanagement.azure.com%2F.default",
  });
  return { status: res.status, body: (await res.json()) as { error?: string; access_token?: string } };
}

describe("token endpoint Basic credentials (defect: malformed Basic answered 500 URIError)", () => {
  it("answers a malformed Authorization: Basic with OAuth2 401 invalid_client", async () => {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    for (const header of [
      `Basic ${b64("%E0%A4%A:x")}`, // broken percent-encoding in the id (the URIError)
      `Basic ${b64("app-2:%")}`, // …and in the secret
      `Basic ${b64("no-colon")}`,
      "Basic !!!not-base64!!!",
      "Basic",
    ]) {
      const res = await tokenWithBasic(header);
      expect(res.status, header).toBe(401);
      expect(res.body.error).toBe("invalid_client");
    }
  });

  it("accepts RFC 6749 form-encoded Basic credentials", async () => {
    const ok = await tokenWithBasic(`Basic ${Buffer.from("app+1:s3%3Acr%25t").toString("base64")}`);
    expect(ok.status).toBe(200);
    expect(ok.body.access_token).toBeTruthy();
    const wrong = await tokenWithBasic(`Basic ${Buffer.from("app+1:s3").toString("base64")}`);
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe("invalid_client");
  });
});

describe("request bodies", () => {
  it("answers Content-Type json, empty, a list or text/plain with 415 UnsupportedMediaType (defect: 500)", async () => {
    for (const ct of ["json", "", "application/json, text/plain", "text/plain", "application/xml"]) {
      const res = await emu.arm("PUT", rg("ct"), '{"location":"eastus"}', { "content-type": ct });
      expect(res.status, JSON.stringify(ct)).toBe(415);
      expect(errorOf(res.body)).toEqual({
        code: "UnsupportedMediaType",
        message: `The content media type '${ct}' is not supported. Only 'application/json' is supported.`,
      });
    }
    expect((await emu.arm("GET", rg("ct"))).status).toBe(404);
    for (const ct of [
      "application/json; charset=utf-8",
      "APPLICATION/JSON",
      "application/merge-patch+json",
      "text/json",
    ]) {
      const res = await emu.arm("PUT", rg("ct"), '{"location":"eastus"}', { "content-type": ct });
      expect(res.status, ct).toBeLessThan(300);
    }
  });

  it("answers a body over ARM's 4 MB with 413 RequestContentTooLarge (defect: 500)", async () => {
    const big = `{"location":"eastus","tags":{"a":"${"x".repeat(4 * 1024 * 1024)}"}}`;
    const res = await emu.arm("PUT", rg("big"), big);
    expect(res.status).toBe(413);
    expect(errorOf(res.body)).toEqual({
      code: "RequestContentTooLarge",
      message: "The request content size exceeds the maximum size of 4 MB.",
    });
    expect((await emu.arm("GET", rg("big"))).status).toBe(404);
  });

  it("answers JSON nested 5,000 deep in an unknown field with 400 InvalidRequestContent (defect: 500 RangeError)", async () => {
    const deepObj = `${'{"a":'.repeat(5000)}1${"}".repeat(5000)}`;
    const deepArr = `${"[".repeat(50_000)}${"]".repeat(50_000)}`;
    const vnet = `/subscriptions/${emu.subscriptionId}/resourceGroups/deep/providers/Microsoft.Network/virtualNetworks/v?api-version=2024-05-01`;
    expect((await emu.arm("PUT", rg("deep"), { location: "eastus" })).status).toBe(201);
    for (const [path, body] of [
      [rg("deep"), `{"location":"eastus","unknown":${deepObj}}`],
      [
        vnet,
        `{"location":"eastus","properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]},"x":${deepArr}}}`,
      ],
    ]) {
      const res = await emu.arm("PUT", path, body);
      expect(res.status).toBe(400);
      expect(errorOf(res.body).code).toBe("InvalidRequestContent");
      expect(errorOf(res.body).message).toContain("MaxDepth of 64");
    }
    expect((await emu.arm("GET", vnet)).status).toBe(404);
    // Brackets inside strings are text, not nesting.
    const res = await emu.arm("PUT", rg("deep"), `{"location":"eastus","tags":{"t":"${"[{".repeat(100)}"}}`);
    expect(res.status).toBe(200);
  });

  it("answers malformed JSON with 400 InvalidRequestContent", async () => {
    const res = await emu.arm("PUT", rg("bad-json"), '{"location":');
    expect(res.status).toBe(400);
    expect(errorOf(res.body).code).toBe("InvalidRequestContent");
  });
});

describe("request ids (defect: an 8,000-character x-ms-client-request-id was echoed into two headers)", () => {
  it("never echoes an oversized or non-GUID client request id; a Node client with the default 16 KiB header limit still reads the answer", async () => {
    const long = "x".repeat(8000);
    const token = await emu.token();
    const { status, headers } = await new Promise<{ status: number; headers: Record<string, unknown> }>(
      (resolve, reject) => {
        const req = https.request(
          `${emu.url}${rg("ids")}`,
          {
            headers: {
              authorization: `Bearer ${token}`,
              "x-ms-client-request-id": long,
              "x-ms-correlation-request-id": long.slice(0, 3000),
            },
          },
          (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, headers: res.headers });
          },
        );
        req.on("error", reject);
        req.end();
      },
    );
    expect(status).toBe(404);
    const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect(headers["x-ms-request-id"]).toMatch(GUID);
    expect(headers["x-ms-correlation-request-id"]).toMatch(GUID);
    expect(JSON.stringify(headers)).not.toContain("xxxxxxxx");
  });

  it("uses a GUID client request id and correlation id as given", async () => {
    const id = "9c4d50ee-2d56-4cd3-8152-34347dc9f2b0";
    const corr = "0e9b5c53-9a43-4c9b-a5b5-7f0b6e0bd0a4";
    const res = await emu.arm("GET", rg("ids"), undefined, {
      "x-ms-client-request-id": id,
      "x-ms-correlation-request-id": corr,
    });
    expect(res.headers.get("x-ms-request-id")).toBe(id);
    expect(res.headers.get("x-ms-correlation-request-id")).toBe(corr);
  });
});

/** Sends raw bytes over TLS and returns the response text (the connection closes after it). */
function rawRequest(bytes: string): Promise<string> {
  const url = new URL(emu.url);
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: url.hostname, port: Number(url.port), servername: "localhost" }, () =>
      sock.write(bytes),
    );
    let out = "";
    sock.on("data", (c) => {
      out += c;
    });
    sock.on("end", () => resolve(out));
    sock.on("close", () => resolve(out));
    sock.on("error", reject);
  });
}

describe("HTTP-level refusals are ARM-shaped (defect: Fastify/Node bodies or 500)", () => {
  it("a malformed percent-encoding in the URL is 400 BadRequest", async () => {
    const res = await emu.arm("GET", "/subscriptions/%zz?api-version=2021-04-01");
    expect(res.status).toBe(400);
    expect(errorOf(res.body).code).toBe("BadRequest");
  });

  it("an invalid header character and oversized headers get ARM-shaped 400 and 431", async () => {
    const bad = await rawRequest("GET /_aksnet/health HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n");
    expect(bad).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(bad.slice(bad.indexOf("\r\n\r\n") + 4)).error.code).toBe("BadRequest");
    const huge = await rawRequest(
      `GET /_aksnet/health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    );
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(huge.slice(huge.indexOf("\r\n\r\n") + 4)).error.code).toBe(
      "RequestHeaderFieldsTooLarge",
    );
  });

  it("a method no face serves (WebDAV's PROPFIND, MKCOL) is refused in the face's shape, credentials first (defect: Fastify's bare 404)", async () => {
    const call = async (method: string, p: string, auth = true) => {
      const res = await fetch(`${emu.url}${p}`, {
        method,
        headers: auth ? { authorization: `Bearer ${await emu.token()}` } : {},
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    for (const method of ["PROPFIND", "MKCOL"]) {
      const armed = await call(method, rg("webdav"));
      expect([armed.status, errorOf(armed.body).code], method).toEqual([405, "MethodNotAllowed"]);
      expect(errorOf(armed.body).message).toBe(
        `The requested resource does not support http method '${method}'.`,
      );
      const anon = await call(method, rg("webdav"), false);
      expect([anon.status, errorOf(anon.body).code]).toEqual([401, "AuthenticationFailed"]);
      const kube = await call(method, "/clusters/0123456789abcdef/api/v1/pods", false);
      expect([kube.status, kube.body.kind, kube.body.reason]).toEqual([401, "Status", "Unauthorized"]);
    }
  });

  it("the token endpoint answers a bad media type in OAuth2's shape", async () => {
    const res = await fetch(`${emu.url}/${emu.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "json" },
      body: "grant_type=client_credentials",
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: string }).error).toBe("invalid_request");
  });
});
