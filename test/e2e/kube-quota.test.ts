// ResourceQuotas and LimitRanges (stored, not enforced) with the machine's real kubectl: 1.28's
// `create quota` sends JSON, 1.33's sends protobuf; the quota controller mirrors spec.hard into
// status.hard and counts pods/services/configmaps/secrets into status.used.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  createCluster,
  type KubeCluster,
  kube,
  kubectl,
  type Obj,
  rows,
  startKubeEmulator,
} from "../kube/kube-helpers.js";

let emu: TestEmulator;
let c128: KubeCluster;
let c133: KubeCluster;
beforeAll(async () => {
  emu = await startKubeEmulator();
  c128 = await createCluster(emu, "quota128", "1.28");
  c133 = await createCluster(emu, "quota133", "1.33");
});
afterAll(async () => {
  await emu?.close();
});

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("resource quotas and limit ranges", () => {
  it("api-resources lists resourcequotas (quota) and limitranges (limits)", async () => {
    const r = await kubectl(c128, ["api-resources", "--no-headers"]);
    expect(r.code).toBe(0);
    const got = rows(r.stdout).map((x) => x.join(" "));
    expect(got).toContain("resourcequotas quota v1 true ResourceQuota");
    expect(got).toContain("limitranges limits v1 true LimitRange");
  });

  for (const v of ["1.28", "1.33"] as const) {
    it(`kubectl ${v} create quota; get/describe show hard and used; status follows the namespace`, async () => {
      const c = v === "1.28" ? c128 : c133;
      const cr = await kubectl(c, ["create", "quota", "q", "--hard=pods=10,services=5,configmaps=3", "-v=9"]);
      // 1.28 POSTs JSON, 1.33 protobuf.
      const ct = v === "1.28" ? "application\\/json" : "application\\/vnd\\.kubernetes\\.protobuf";
      expect(cr.stderr).toMatch(new RegExp(`curl -v -XPOST .*-H "Content-Type: ${ct}"`));
      expect(cr.stdout).toBe("resourcequota/q created\n");
      expect((await kubectl(c, ["create", "configmap", "one", "--from-literal=a=b"])).code).toBe(0);
      const q = await until(
        async () => (await kube(c, "GET", "/api/v1/namespaces/default/resourcequotas/q")).body as Obj,
        (o) => o.status?.used?.configmaps === "2",
      );
      expect(q.spec.hard).toEqual({ pods: "10", services: "5", configmaps: "3" });
      expect(q.status.hard).toEqual({ pods: "10", services: "5", configmaps: "3" });
      // default holds the `kubernetes` service, kube-root-ca.crt and the config map just made.
      expect(q.status.used).toEqual({ pods: "0", services: "1", configmaps: "2" });
      const get = await kubectl(c, ["get", "quota"]);
      expect(get.stderr).toBe("");
      const [head, row] = rows(get.stdout);
      expect(head).toEqual(["NAME", "AGE", "REQUEST", "LIMIT"]);
      expect(row[0]).toBe("q");
      expect(row[2]).toBe("configmaps: 2/3, pods: 0/10, services: 1/5");
      const d = await kubectl(c, ["describe", "quota", "q"]);
      expect(d.stderr).toBe("");
      const lines = d.stdout.split("\n").map((l) => l.trim().split(/\s+/));
      expect(lines).toContainEqual(["configmaps", "2", "3"]);
      expect(lines).toContainEqual(["pods", "0", "10"]);
      expect(lines).toContainEqual(["services", "1", "5"]);
      // spec changes show up in status.hard.
      const p = await kubectl(c, [
        "patch",
        "quota",
        "q",
        "--type=merge",
        "-p",
        '{"spec":{"hard":{"pods":"2"}}}',
      ]);
      expect(p.code).toBe(0);
      const after = await until(
        async () => (await kube(c, "GET", "/api/v1/namespaces/default/resourcequotas/q")).body as Obj,
        (o) => o.status?.hard?.pods === "2",
      );
      expect(after.status.hard).toEqual({ pods: "2", services: "5", configmaps: "3" });
    });
  }

  it("limit ranges are stored and listed with kubectl's columns", async () => {
    const lr = {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: { name: "lr" },
      spec: { limits: [{ type: "Container", default: { cpu: "500m" }, defaultRequest: { cpu: "250m" } }] },
    };
    const a = await kubectl(c133, ["apply", "-f", "-"], JSON.stringify(lr));
    expect(a.stderr).toBe("");
    expect(a.stdout).toBe("limitrange/lr created\n");
    const g = await kubectl(c133, ["get", "limits"]);
    const [head, row] = rows(g.stdout);
    expect(head).toEqual(["NAME", "CREATED AT"]);
    expect(row[0]).toBe("lr");
    expect(row[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const got = (await kube(c133, "GET", "/api/v1/namespaces/default/limitranges/lr")).body as Obj;
    expect(got.spec.limits[0].default).toEqual({ cpu: "500m" });
  });
});
