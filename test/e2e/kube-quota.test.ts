// ResourceQuotas and LimitRanges with the machine's real kubectl: 1.28's `create quota` sends
// JSON, 1.33's sends protobuf; the quota controller mirrors spec.hard into status.hard and sums
// what pods/services/configmaps/secrets use into status.used; the ResourceQuota admission plugin
// refuses what would pass a hard limit; the LimitRanger fills containers' defaults and refuses
// what is outside a LimitRange.

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

describe("quotas are enforced at admission (kubectl 1.33)", () => {
  const ns = "/api/v1/namespaces/limited";
  const create = (path: string, body: Obj) => kube(c133, "POST", `${ns}/${path}`, body);
  const pod = (name: string, resources?: Obj) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { containers: [{ name: "c", image: "nginx", ...(resources ? { resources } : {}) }] },
  });
  const quota = (name: string, hard: Obj) => ({
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: { name },
    spec: { hard },
  });
  const message = (r: { body: unknown }) => (r.body as Obj).message;

  beforeAll(async () => {
    expect((await kubectl(c133, ["create", "namespace", "limited"])).code).toBe(0);
  });

  it("a pod past the count is refused with the quota's numbers; a Deployment stops at the limit", async () => {
    // Right after its create, before the controller has counted: admission counts itself.
    expect((await create("resourcequotas", quota("qq", { pods: "2" }))).status).toBe(201);
    expect((await create("pods", pod("a"))).status).toBe(201);
    expect((await create("pods", pod("b"))).status).toBe(201);
    const third = await create("pods", pod("c"));
    expect([third.status, message(third)]).toEqual([
      403,
      'pods "c" is forbidden: exceeded quota: qq, requested: pods=1, used: pods=2, limited: pods=2',
    ]);
    const q = (await kube(c133, "GET", `${ns}/resourcequotas/qq`)).body as Obj;
    expect(q.status.used).toEqual({ pods: "2" });
    await kubectl(c133, ["delete", "pod", "b", "-n", "limited", "--wait=false"]);
    await until(
      async () => (await kube(c133, "GET", `${ns}/resourcequotas/qq`)).body as Obj,
      (o) => o.status?.used?.pods === "1",
    );
    await kubectl(c133, ["create", "deployment", "web", "-n", "limited", "--image=nginx", "--replicas=3"]);
    const ev = await until(
      async () =>
        JSON.parse(
          (
            await kubectl(c133, [
              "get",
              "events",
              "-n",
              "limited",
              "--field-selector",
              "reason=FailedCreate",
              "-o",
              "json",
            ])
          ).stdout,
        ).items as Obj[],
      (items) => items.length > 0,
    );
    expect(ev[0].message).toMatch(
      /^Error creating: pods "web-[a-z0-9]+-" is forbidden: exceeded quota: qq, requested: pods=1, used: pods=2, limited: pods=2$/,
    );
    const web = JSON.parse(
      (await kubectl(c133, ["get", "pods", "-n", "limited", "-l", "app=web", "-o", "json"])).stdout,
    );
    expect(web.items).toHaveLength(1);
    // The refusal stays on the ReplicaSet and the Deployment as ReplicaFailure (kubectl describe shows it).
    const failure = await until(
      async () =>
        (
          JSON.parse(
            (await kubectl(c133, ["get", "deploy", "web", "-n", "limited", "-o", "json"])).stdout,
          ) as Obj
        ).status?.conditions as Obj[] | undefined,
      (conds) => !!conds?.some((x) => x.type === "ReplicaFailure"),
    );
    expect(failure?.find((x) => x.type === "ReplicaFailure")).toMatchObject({
      status: "True",
      reason: "FailedCreate",
      message: expect.stringMatching(
        /^pods "web-[a-z0-9]+-" is forbidden: exceeded quota: qq, requested: pods=1/,
      ),
    });
    const rs = JSON.parse(
      (await kubectl(c133, ["get", "rs", "-n", "limited", "-l", "app=web", "-o", "json"])).stdout,
    );
    expect(rs.items[0].status.conditions[0]).toMatchObject({
      type: "ReplicaFailure",
      reason: "FailedCreate",
    });
    await kubectl(c133, ["delete", "deployment", "web", "-n", "limited"]);
    await kubectl(c133, ["delete", "quota", "qq", "-n", "limited"]);
  });

  it("a quota on cpu makes every container ask for it, and sums what they ask", async () => {
    expect(
      (await create("resourcequotas", quota("cq", { "requests.cpu": "1", "limits.memory": "1Gi" }))).status,
    ).toBe(201);
    const bare = await create("pods", pod("bare"));
    expect([bare.status, message(bare)]).toEqual([
      403,
      'pods "bare" is forbidden: failed quota: cq: must specify limits.memory for: c; requests.cpu for: c',
    ]);
    const res = { requests: { cpu: "600m" }, limits: { memory: "256Mi" } };
    expect((await create("pods", pod("p1", res))).status).toBe(201);
    const over = await create("pods", pod("p2", res));
    expect([over.status, message(over)]).toEqual([
      403,
      'pods "p2" is forbidden: exceeded quota: cq, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1',
    ]);
    // A container that sets only limits requests them (SetDefaults_Pod), so it names requests.cpu.
    const limitsOnly = await create("pods", pod("p3", { limits: { cpu: "300m", memory: "128Mi" } }));
    expect(limitsOnly.status).toBe(201);
    expect((limitsOnly.body as Obj).spec.containers[0].resources).toEqual({
      limits: { cpu: "300m", memory: "128Mi" },
      requests: { cpu: "300m", memory: "128Mi" },
    });
    const q = await until(
      async () => (await kube(c133, "GET", `${ns}/resourcequotas/cq`)).body as Obj,
      (o) => o.status?.used?.["limits.memory"] === "384Mi",
    );
    expect(q.status.used).toEqual({ "requests.cpu": "900m", "limits.memory": "384Mi" });
    const d = await kubectl(c133, ["describe", "quota", "cq", "-n", "limited"]);
    expect(d.stdout.split("\n").map((l) => l.trim().split(/\s+/))).toContainEqual([
      "requests.cpu",
      "900m",
      "1",
    ]);
  });

  it("a scoped quota covers only the pods in its scopes", async () => {
    const scoped = {
      ...quota("nbe", { pods: "1" }),
      spec: { hard: { pods: "1" }, scopes: ["NotBestEffort"] },
    };
    const sns = "/api/v1/namespaces/scoped";
    expect((await kubectl(c133, ["create", "namespace", "scoped"])).code).toBe(0);
    expect((await kube(c133, "POST", `${sns}/resourcequotas`, scoped)).status).toBe(201);
    const mk = (n: string, resources?: Obj) => kube(c133, "POST", `${sns}/pods`, pod(n, resources));
    // BestEffort pods are outside the scope: any number of them.
    expect((await mk("be1")).status).toBe(201);
    expect((await mk("be2")).status).toBe(201);
    expect((await mk("burst1", { requests: { cpu: "100m" } })).status).toBe(201);
    const second = await mk("burst2", { requests: { cpu: "100m" } });
    expect([second.status, message(second)]).toEqual([
      403,
      'pods "burst2" is forbidden: exceeded quota: nbe, requested: pods=1, used: pods=1, limited: pods=1',
    ]);
    const q = await until(
      async () => (await kube(c133, "GET", `${sns}/resourcequotas/nbe`)).body as Obj,
      (o) => o.status?.used?.pods !== undefined,
    );
    expect(q.status.used).toEqual({ pods: "1" });
  });

  it("services.loadbalancers and services.nodeports count Service types", async () => {
    expect((await create("resourcequotas", quota("sq", { "services.loadbalancers": "0" }))).status).toBe(201);
    const lb = await create("services", {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "edge" },
      spec: { type: "LoadBalancer", ports: [{ port: 80 }] },
    });
    expect([lb.status, message(lb)]).toEqual([
      403,
      'services "edge" is forbidden: exceeded quota: sq, requested: services.loadbalancers=1, used: services.loadbalancers=0, limited: services.loadbalancers=0',
    ]);
    const plain = await create("services", {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "inner" },
      spec: { ports: [{ port: 80 }] },
    });
    expect(plain.status).toBe(201);
    // An update is charged what it adds: turning it into a LoadBalancer asks for one.
    const turned = await kubectl(c133, [
      "patch",
      "svc",
      "inner",
      "-n",
      "limited",
      "-p",
      '{"spec":{"type":"LoadBalancer"}}',
    ]);
    expect(turned.code).toBe(1);
    expect(turned.stderr).toBe(
      'Error from server (Forbidden): services "inner" is forbidden: exceeded quota: sq, requested: services.loadbalancers=1, used: services.loadbalancers=0, limited: services.loadbalancers=0\n',
    );
  });
});

describe("object-count and storage quotas (kubectl 1.33)", () => {
  beforeAll(async () => {
    expect((await kubectl(c133, ["create", "namespace", "counted"])).code).toBe(0);
  });

  it("count/deployments.apps and count/jobs.batch stop the next create; status.used counts them and follows deletes", async () => {
    const q = await kubectl(c133, [
      "create",
      "quota",
      "objects",
      "-n",
      "counted",
      "--hard=count/deployments.apps=1,count/jobs.batch=0,count/replicasets.apps=10",
    ]);
    expect(q.stderr).toBe("");
    expect(
      (await kubectl(c133, ["create", "deployment", "one", "--image=nginx", "-n", "counted"])).code,
    ).toBe(0);
    const two = await kubectl(c133, ["create", "deployment", "two", "--image=nginx", "-n", "counted"]);
    expect([two.code, two.stderr]).toEqual([
      1,
      'error: failed to create deployment: deployments.apps "two" is forbidden: exceeded quota: objects, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1\n',
    ]);
    const job = await kubectl(c133, ["create", "job", "j", "--image=busybox", "-n", "counted"]);
    expect(job.stderr).toContain(
      'jobs.batch "j" is forbidden: exceeded quota: objects, requested: count/jobs.batch=1',
    );
    // The controller counts the ReplicaSet the Deployment made.
    const used = await until(
      async () =>
        ((await kube(c133, "GET", "/api/v1/namespaces/counted/resourcequotas/objects")).body as Obj).status
          ?.used,
      (u) => u?.["count/replicasets.apps"] === "1",
    );
    expect(used).toEqual({
      "count/deployments.apps": "1",
      "count/jobs.batch": "0",
      "count/replicasets.apps": "1",
    });
    // A delete gives the count back.
    expect((await kubectl(c133, ["delete", "deployment", "one", "-n", "counted"])).code).toBe(0);
    const after = await until(
      async () =>
        ((await kube(c133, "GET", "/api/v1/namespaces/counted/resourcequotas/objects")).body as Obj).status
          ?.used,
      (u) => u?.["count/deployments.apps"] === "0",
    );
    expect(after["count/deployments.apps"]).toBe("0");
    expect(
      (await kubectl(c133, ["create", "deployment", "two", "--image=nginx", "-n", "counted"])).code,
    ).toBe(0);
  });

  it("persistentvolumeclaims and requests.storage, overall and per storage class", async () => {
    const q = await kubectl(c133, [
      "create",
      "quota",
      "storage",
      "-n",
      "counted",
      "--hard=persistentvolumeclaims=2,requests.storage=5Gi,managed-csi.storageclass.storage.k8s.io/requests.storage=1Gi",
    ]);
    expect(q.stderr).toBe("");
    const claim = (name: string, size: string, cls: string) => ({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name },
      spec: {
        accessModes: ["ReadWriteOnce"],
        storageClassName: cls,
        resources: { requests: { storage: size } },
      },
    });
    const post = (b: Obj) => kube(c133, "POST", "/api/v1/namespaces/counted/persistentvolumeclaims", b);
    const big = await post(claim("big", "2Gi", "managed-csi"));
    expect([big.status, (big.body as Obj).message]).toEqual([
      403,
      'persistentvolumeclaims "big" is forbidden: exceeded quota: storage, requested: managed-csi.storageclass.storage.k8s.io/requests.storage=2Gi, used: managed-csi.storageclass.storage.k8s.io/requests.storage=0, limited: managed-csi.storageclass.storage.k8s.io/requests.storage=1Gi',
    ]);
    expect((await post(claim("files", "4Gi", "azurefile-csi"))).status).toBe(201);
    const more = await post(claim("more", "2Gi", "azurefile-csi"));
    expect([more.status, (more.body as Obj).message]).toEqual([
      403,
      'persistentvolumeclaims "more" is forbidden: exceeded quota: storage, requested: requests.storage=2Gi, used: requests.storage=4Gi, limited: requests.storage=5Gi',
    ]);
  });
});

describe("LimitRanges are applied at admission (kubectl 1.33)", () => {
  const ns = "/api/v1/namespaces/ranged";
  beforeAll(async () => {
    expect((await kubectl(c133, ["create", "namespace", "ranged"])).code).toBe(0);
    const lr = {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: { name: "lr" },
      spec: {
        limits: [{ type: "Container", max: { cpu: "1" }, default: { cpu: "500m" }, min: { memory: "64Mi" } }],
      },
    };
    expect((await kube(c133, "POST", `${ns}/limitranges`, lr)).status).toBe(201);
  });
  const pod = (name: string, resources?: Obj) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { containers: [{ name: "c", image: "nginx", ...(resources ? { resources } : {}) }] },
  });

  it("a LimitRange is defaulted as the API does: defaultRequest from default, then from min", async () => {
    const got = (await kube(c133, "GET", `${ns}/limitranges/lr`)).body as Obj;
    expect(got.spec.limits[0]).toEqual({
      type: "Container",
      max: { cpu: "1" },
      min: { memory: "64Mi" },
      default: { cpu: "500m" },
      defaultRequest: { cpu: "500m", memory: "64Mi" },
    });
  });

  it("a container without requests or limits gets the defaults, noted in an annotation", async () => {
    const r = await kube(c133, "POST", `${ns}/pods`, pod("plain"));
    expect(r.status).toBe(201);
    const body = r.body as Obj;
    expect(body.spec.containers[0].resources).toEqual({
      limits: { cpu: "500m" },
      requests: { cpu: "500m", memory: "64Mi" },
    });
    expect(body.metadata.annotations["kubernetes.io/limit-ranger"]).toBe(
      "LimitRanger plugin set: cpu, memory request for container c; cpu limit for container c",
    );
  });

  it("a container past max or under min is refused in the plugin's words", async () => {
    const r = await kube(
      c133,
      "POST",
      `${ns}/pods`,
      pod("big", { limits: { cpu: "2" }, requests: { memory: "32Mi" } }),
    );
    expect([r.status, (r.body as Obj).message]).toEqual([
      403,
      'pods "big" is forbidden: [minimum memory usage per Container is 64Mi, but request is 32Mi, maximum cpu usage per Container is 1, but limit is 2]',
    ]);
  });
});
