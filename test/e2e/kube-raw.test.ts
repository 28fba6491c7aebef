// `kubectl get --raw` sends its path from the server's root (client-go's RequestURI drops the
// kubeconfig's /clusters/<uid>): the API's root paths answer for the cluster whose credential
// the request carries, with the real kubectl; without a credential they are refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import { type KubeCluster, kubectl, kubectlOk, startKubeEmulator } from "../kube/kube-helpers.js";
import { makeCluster } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let a: KubeCluster;
let b: KubeCluster;

beforeAll(async () => {
  emu = await startKubeEmulator();
  a = await makeCluster(emu, "rawa", { count: 1, version: "1.33" });
  b = await makeCluster(emu, "rawb", { count: 1, version: "1.32" });
});
afterAll(async () => {
  await emu?.close();
});

describe("kubectl get --raw", () => {
  it("answers for the credential's own cluster", async () => {
    expect(await kubectlOk(a, ["get", "--raw", "/healthz"])).toBe("ok");
    expect(JSON.parse(await kubectlOk(a, ["get", "--raw", "/version"])).gitVersion).toBe("v1.33.5");
    expect(JSON.parse(await kubectlOk(b, ["get", "--raw", "/version"])).gitVersion).toBe("v1.32.9");
    await kubectlOk(a, ["create", "configmap", "only-in-a"]);
    const list = JSON.parse(await kubectlOk(a, ["get", "--raw", "/api/v1/namespaces/default/configmaps"]));
    expect(list.items.map((x: { metadata: { name: string } }) => x.metadata.name)).toContain("only-in-a");
    const other = JSON.parse(await kubectlOk(b, ["get", "--raw", "/api/v1/namespaces/default/configmaps"]));
    expect(other.items.map((x: { metadata: { name: string } }) => x.metadata.name)).not.toContain(
      "only-in-a",
    );
  });

  it("refuses a root path without a cluster's credential", async () => {
    const base = a.server.slice(0, a.server.indexOf("/clusters/"));
    for (const auth of [undefined, "Bearer nope"]) {
      const r = await fetch(`${base}/api/v1/namespaces`, { headers: auth ? { authorization: auth } : {} });
      expect(r.status).toBe(401);
    }
    const bad = await kubectl(a, ["get", "--raw", "/api/v1/namespaces", "--token", "nope"]);
    expect(bad.code).toBe(1);
  });

  it("lists the health checks as kube-apiserver does (verbose, exclude, one check)", async () => {
    const ready = await kubectlOk(a, ["get", "--raw", "/readyz?verbose"]);
    const lines = ready.trimEnd().split("\n");
    expect(lines.slice(0, 4)).toEqual(["[+]ping ok", "[+]log ok", "[+]etcd ok", "[+]etcd-readiness ok"]);
    expect(lines).toContain("[+]poststarthook/rbac/bootstrap-roles ok");
    expect(lines.slice(-2)).toEqual(["[+]shutdown ok", "readyz check passed"]);
    // Liveness leaves out the readiness-only checks.
    const live = await kubectlOk(a, ["get", "--raw", "/livez?verbose"]);
    expect(live).not.toContain("etcd-readiness");
    expect(live).not.toContain("shutdown");
    expect(live.trimEnd().split("\n").at(-1)).toBe("livez check passed");
    const excluded = await kubectlOk(a, ["get", "--raw", "/readyz?verbose&exclude=etcd&exclude=nope"]);
    expect(excluded).toContain("[+]etcd excluded: ok\n");
    expect(excluded).toContain('warn: some health checks cannot be excluded: no matches for "nope"\n');
    expect(await kubectlOk(a, ["get", "--raw", "/readyz/etcd"])).toBe("ok");
    expect(await kubectlOk(a, ["get", "--raw", "/readyz/poststarthook/rbac/bootstrap-roles"])).toBe("ok");
    const unknown = await kubectl(a, ["get", "--raw", "/livez/etcd-readiness"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("NotFound");
  });
});
