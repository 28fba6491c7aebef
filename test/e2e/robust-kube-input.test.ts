// Hostile input on the Kubernetes face: requests a client can send on purpose or by mistake
// get kube-apiserver's answer — never a wider effect, a resolved path or a stuck stream.
import fs from "node:fs";
import https from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import { createCluster, type KubeCluster, kube, kubectlOk, startKubeEmulator } from "../kube/kube-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;
beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await createCluster(emu, "hostile", "1.33");
});
afterAll(async () => emu?.close());

/** A request with its path exactly as given (fetch would resolve `..` before sending). */
function raw(method: string, p: string): Promise<{ status: number; body: string }> {
  const u = new URL(c.server);
  return new Promise((resolve, reject) => {
    const r = https.request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path: u.pathname + p,
        headers: { authorization: `Bearer ${c.token}` },
        ca: fs.readFileSync(emu.caFile),
      },
      (res) => {
        let body = "";
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    r.on("error", reject);
    r.end();
  });
}

describe("the all-namespaces path (defect: DELETE /api/v1/configmaps emptied every namespace)", () => {
  it("serves list and watch only: DELETE there is 405 and deletes nothing", async () => {
    await kubectlOk(c, ["create", "configmap", "keep-me", "-n", "default"]);
    const res = await kube(c, "DELETE", "/api/v1/configmaps");
    expect(res.status).toBe(405);
    expect(res.body).toMatchObject({ kind: "Status", reason: "MethodNotAllowed" });
    expect(await kubectlOk(c, ["get", "configmap", "keep-me", "-o", "name"])).toContain("configmap/keep-me");
    expect(await kubectlOk(c, ["get", "configmap", "-n", "kube-system", "-o", "name"])).not.toBe("");
    // The namespaced path still deletes a collection.
    expect(
      (await kube(c, "DELETE", "/api/v1/namespaces/default/configmaps?labelSelector=none%3Dhere")).status,
    ).toBe(200);
  });
});

describe("`.` and `..` in the path (defect: resolved like a browser, so pods/.. read the namespace)", () => {
  it("are names kube-apiserver refuses: 400 naming the rule, after the credential check", async () => {
    for (const [p, seg] of [
      ["/api/v1/namespaces/default/pods/..", ".."],
      ["/api/v1/namespaces/default/pods/%2e%2e", ".."],
      ["/api/v1/namespaces/%2e%2e/pods", ".."],
      ["/api/v1/namespaces/default/configmaps/.", "."],
    ]) {
      const res = await raw("GET", p);
      expect(res.status, p).toBe(400);
      expect(JSON.parse(res.body), p).toMatchObject({
        kind: "Status",
        reason: "BadRequest",
        message: `Name parameter invalid: "${seg}": may not be '${seg}'`,
      });
    }
    expect((await raw("GET", "/api/v1/namespaces/default")).status).toBe(200);
  });
});

describe("watch timeoutSeconds (defect: a negative value held the stream for 30 minutes)", () => {
  it("a negative timeout has already expired: the watch ends at once", async () => {
    const t0 = Date.now();
    const res = await kube(c, "GET", "/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=-1");
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(5000);
  }, 15_000);
});

describe("YAML nested past the parser's stack (defect: the 400 quoted V8's 'Maximum call stack size exceeded')", () => {
  it("is refused as too deep, in the decoder's words, for a create and an apply", async () => {
    const deep = `${"[".repeat(50_000)}${"]".repeat(50_000)}`;
    const create = await kube(
      c,
      "POST",
      "/api/v1/namespaces/default/configmaps",
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\nx: ${deep}\n`,
      { "content-type": "application/yaml" },
    );
    const apply = await kube(
      c,
      "PATCH",
      "/api/v1/namespaces/default/configmaps/deep?fieldManager=t",
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\nx: ${deep}\n`,
      { "content-type": "application/apply-patch+yaml" },
    );
    for (const res of [create, apply]) {
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        kind: "Status",
        reason: "BadRequest",
        message: "error converting YAML to JSON: exceeded max depth 1000",
      });
    }
    expect((await kube(c, "GET", "/api/v1/namespaces/default/configmaps/deep")).status).toBe(404);
  }, 30_000);
});
