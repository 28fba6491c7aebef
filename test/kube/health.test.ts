// The health endpoints' checks against a real store: a cluster without its bootstrap objects
// or a server shutting down is not ready, and the answer withholds why (as k8s.io/apiserver's
// healthz handler does); the kubectl side is in test/e2e/kube-raw.test.ts.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { health } from "../../src/kube/health.js";
import { SqliteStore } from "../../src/store/sqlite.js";

let store: SqliteStore;
beforeEach(() => {
  store = new SqliteStore(":memory:");
});
afterEach(async () => {
  await store.close();
});

const env = (stopping = false) => ({ store, cluster: "c1", stopping: () => stopping });

describe("health checks", () => {
  it("fail, verbosely and without the reason, while the cluster's bootstrap objects are missing", async () => {
    const a = await health(env(), "readyz", new URLSearchParams());
    expect(a.status).toBe(500);
    expect(a.text).toContain("[+]etcd ok\n");
    expect(a.text).toContain("[-]poststarthook/rbac/bootstrap-roles failed: reason withheld\n");
    expect(a.text).toContain("[-]poststarthook/start-system-namespaces-controller failed: reason withheld\n");
    expect(a.text.endsWith("readyz check failed\n")).toBe(true);
    expect(a.text).not.toContain("not yet created");
    expect(a.failures.join("\n")).toContain("core/namespaces kube-system");
    const one = await health(env(), "livez", new URLSearchParams(), "poststarthook/rbac/bootstrap-roles");
    expect(one.status).toBe(500);
    expect(one.text).toMatch(
      /^internal server error: not yet created: rbac.authorization.k8s.io\/clusterroles cluster-admin/,
    );
  });

  it("answers plain ok when every check passes, and fails readiness (not liveness) when shutting down", async () => {
    const q = new URLSearchParams(
      "exclude=poststarthook/rbac/bootstrap-roles&exclude=poststarthook/scheduling/bootstrap-system-priority-classes&exclude=poststarthook/start-system-namespaces-controller",
    );
    expect(await health(env(), "readyz", q)).toEqual({ status: 200, text: "ok", failures: [] });
    expect((await health(env(), "livez", q)).status).toBe(200);
    const down = await health(env(true), "readyz", q);
    expect(down.status).toBe(500);
    expect(down.text).toContain("[-]shutdown failed: reason withheld\n");
    expect((await health(env(true), "livez", q)).status).toBe(200);
    expect((await health(env(), "healthz", new URLSearchParams(), "nope")).status).toBe(404);
  });
});
