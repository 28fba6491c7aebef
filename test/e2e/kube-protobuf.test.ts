// kubectl 1.33's typed commands (`create namespace|configmap|secret|deployment|job|service|
// ingress…`, `expose`) send `Content-Type: application/vnd.kubernetes.protobuf`; kubectl 1.28
// sends the same objects as JSON. The same commands against a 1.33 and a 1.28 cluster must
// store the same objects, and the 1.33 ones exactly what the command asked for.
import fs from "node:fs";
import path from "node:path";
import protobuf from "protobufjs/minimal.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import { createCluster, type KubeCluster, kube, kubectl, startKubeEmulator } from "../kube/kube-helpers.js";
import { until } from "../kube/workload-helpers.js";

type Obj = Record<string, unknown>;
let emu: TestEmulator;
const clusters: Record<string, KubeCluster> = {};
const ns = "pb";
const caDir = process.env.AKSNET_TEST_CA_DIR ?? "";
const cert = path.join(caDir, "ca.pem");
const key = path.join(caDir, "ca-key.pem");

beforeAll(async () => {
  emu = await startKubeEmulator();
  clusters["1.28"] = await createCluster(emu, "pb128", "1.28");
  clusters["1.33"] = await createCluster(emu, "pb133", "1.33");
}, 180_000);
afterAll(async () => {
  await emu?.close();
});

// [arguments, expected stdout, resource for `get`, or undefined when the kind may not be served]
const COMMANDS: [string[], string, string][] = [
  [
    ["create", "configmap", "cm", "--from-literal=a=1", "--from-literal=b=two"],
    "configmap/cm created",
    "configmap/cm",
  ],
  [
    ["create", "secret", "generic", "s", "--from-literal=user=admin", "--from-literal=empty="],
    "secret/s created",
    "secret/s",
  ],
  [["create", "secret", "tls", "t", `--cert=${cert}`, `--key=${key}`], "secret/t created", "secret/t"],
  [
    [
      "create",
      "secret",
      "docker-registry",
      "d",
      "--docker-server=r.io",
      "--docker-username=u",
      "--docker-password=p",
    ],
    "secret/d created",
    "secret/d",
  ],
  [
    ["create", "deployment", "x", "--image=nginx", "--replicas=0"],
    "deployment.apps/x created",
    "deployment/x",
  ],
  [
    ["create", "deployment", "y", "--image=nginx", "--image=busybox", "--port=8080", "--replicas=2"],
    "deployment.apps/y created",
    "deployment/y",
  ],
  [["create", "serviceaccount", "sa"], "serviceaccount/sa created", "serviceaccount/sa"],
  // (kube-helpers' kubectl appends --cache-dir, so no `-- command` here)
  [["create", "job", "j", "--image=busybox"], "job.batch/j created", "job/j"],
  [["create", "service", "clusterip", "sc", "--tcp=80:8080"], "service/sc created", "service/sc"],
  [
    ["create", "service", "nodeport", "sn", "--tcp=81:8081", "--node-port=30081"],
    "service/sn created",
    "service/sn",
  ],
  [["create", "service", "loadbalancer", "sl", "--tcp=82:8082"], "service/sl created", "service/sl"],
  [
    ["create", "service", "externalname", "se", "--external-name=example.com"],
    "service/se created",
    "service/se",
  ],
  [
    ["create", "ingress", "ing", "--rule=foo.com/bar=svc1:8080,tls=my-cert", "--class=nginx"],
    "ingress.networking.k8s.io/ing created",
    "ingress/ing",
  ],
  [
    ["expose", "deployment", "x", "--name=web", "--port=80", "--target-port=8080", "--type=LoadBalancer"],
    "service/web exposed",
    "service/web",
  ],
];

// The kinds added with RBAC, PDBs, priority classes, cron jobs and HPAs (no ResourceQuota yet).
const MORE: [string[], string, string][] = [
  [
    ["create", "priorityclass", "pc-pb", "--value=1000", "--description=high"],
    "priorityclass.scheduling.k8s.io/pc-pb created",
    "priorityclass/pc-pb",
  ],
  [
    ["create", "poddisruptionbudget", "pdb", "--selector=app=x", "--min-available=1"],
    "poddisruptionbudget.policy/pdb created",
    "poddisruptionbudget/pdb",
  ],
  [
    ["create", "role", "r", "--verb=get", "--resource=pods"],
    "role.rbac.authorization.k8s.io/r created",
    "role/r",
  ],
  [
    ["create", "rolebinding", "rb", "--role=r", `--serviceaccount=${ns}:sa`],
    "rolebinding.rbac.authorization.k8s.io/rb created",
    "rolebinding/rb",
  ],
  [
    ["create", "clusterrole", "cr-pb", "--verb=get", "--resource=nodes"],
    "clusterrole.rbac.authorization.k8s.io/cr-pb created",
    "clusterrole/cr-pb",
  ],
  [
    ["create", "clusterrolebinding", "crb-pb", "--clusterrole=cr-pb", "--user=u"],
    "clusterrolebinding.rbac.authorization.k8s.io/crb-pb created",
    "clusterrolebinding/crb-pb",
  ],
  [
    ["create", "cronjob", "cj", "--image=busybox", "--schedule=5 4 1 1 *"],
    "cronjob.batch/cj created",
    "cronjob/cj",
  ],
];

/** What differs between two clusters by nature: identities, times, allocated addresses. */
function comparable(o: Obj): Obj {
  const c = structuredClone(o);
  const m = c.metadata as Obj;
  for (const k of ["uid", "resourceVersion", "creationTimestamp"]) delete m[k];
  // Status is the controllers' and words differ by version (a Job's conditions from 1.31).
  m.managedFields = ((m.managedFields as Obj[] | undefined) ?? []).filter(
    (mf) => mf.subresource !== "status",
  );
  for (const mf of m.managedFields as Obj[]) delete mf.time;
  for (const o of (m.ownerReferences as Obj[] | undefined) ?? []) delete o.uid;
  delete c.status;
  const spec = (c.spec ?? {}) as Obj;
  delete spec.clusterIP;
  delete spec.clusterIPs;
  const dropUid = (l: unknown) => {
    if (l && typeof l === "object")
      for (const k of Object.keys(l)) if (k.includes("controller-uid")) delete (l as Obj)[k];
  };
  dropUid(m.labels);
  dropUid((spec.selector as Obj | undefined)?.matchLabels);
  dropUid(((spec.template as Obj | undefined)?.metadata as Obj | undefined)?.labels);
  for (const p of (spec.ports as Obj[] | undefined) ?? []) if (p.nodePort !== 30081) delete p.nodePort;
  return c;
}

async function getJson(c: KubeCluster, what: string): Promise<Obj> {
  const r = await kubectl(c, ["get", what, "-n", ns, "-o", "json", "--show-managed-fields"]);
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout) as Obj;
}

describe("protobuf request bodies (kubectl 1.33) store what JSON bodies (kubectl 1.28) store", () => {
  it("kubectl 1.33 sends protobuf and the namespace is created", async () => {
    const r = await kubectl(clusters["1.33"], ["create", "namespace", ns, "-v=9"]);
    expect(r.stdout.trim()).toBe(`namespace/${ns} created`);
    expect(r.stderr).toMatch(/curl -v -XPOST .*-H "Content-Type: application\/vnd\.kubernetes\.protobuf"/);
    expect(r.stderr).toMatch(
      /"Response" verb="POST" url="[^"]*\/api\/v1\/namespaces\?[^"]*" status="201 Created"/,
    );
    const old = await kubectl(clusters["1.28"], ["create", "namespace", ns]);
    expect(old.stdout.trim()).toBe(`namespace/${ns} created`);
    const a = await kubectl(clusters["1.33"], ["get", "namespace", ns, "-o", "json"]);
    const b = await kubectl(clusters["1.28"], ["get", "namespace", ns, "-o", "json"]);
    expect(comparable(JSON.parse(a.stdout) as Obj)).toEqual(comparable(JSON.parse(b.stdout) as Obj));
  }, 180_000);

  it("imperative create commands and expose: same stored objects from both kubectl versions", async () => {
    const all = [...COMMANDS, ...MORE];
    for (const v of ["1.33", "1.28"]) {
      for (const [args, out] of all) {
        const r = await kubectl(clusters[v], ["-n", ns, ...args]);
        expect(`${v} ${r.stdout.trim()} ${r.stderr.trim()}`).toBe(`${v} ${out} `);
      }
    }
    for (const [, , what] of all) {
      const [a, b] = [await getJson(clusters["1.33"], what), await getJson(clusters["1.28"], what)];
      expect(comparable(a), what).toEqual(comparable(b));
    }

    const c = clusters["1.33"];
    // TokenRequest goes as protobuf too; the token names the service account.
    const tok = await kubectl(c, ["create", "token", "sa", "-n", ns, "--duration=10m"]);
    expect(tok.stderr).toBe("");
    const parts = tok.stdout.trim().split(".");
    expect(parts).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as {
      sub: string;
      exp: number;
      iat: number;
    };
    expect(claims.sub).toBe(`system:serviceaccount:${ns}:sa`);
    expect(claims.exp - claims.iat).toBe(600);
    // kubectl 1.33 autoscale POSTs an autoscaling/v2 HPA as protobuf (1.28 sends autoscaling/v1,
    // which is not served yet).
    const hpa = await kubectl(c, ["autoscale", "deployment", "x", "-n", ns, "--max=3", "--cpu-percent=70"]);
    expect(hpa.stdout.trim()).toBe("horizontalpodautoscaler.autoscaling/x autoscaled");
    expect((await getJson(c, "horizontalpodautoscaler/x")).spec).toMatchObject({
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "x" },
      maxReplicas: 3,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
        },
      ],
    });
    // A Job from the CronJob (kubectl 1.33 sets controller but, unlike 1.28, not blockOwnerDeletion).
    const j2 = await kubectl(c, ["create", "job", "j2", "-n", ns, "--from=cronjob/cj"]);
    expect(j2.stdout.trim()).toBe("job.batch/j2 created");
    const cj = await getJson(c, "cronjob/cj");
    const fromCj = await getJson(c, "job/j2");
    const jm = fromCj.metadata as Obj;
    expect(jm.ownerReferences).toEqual([
      {
        apiVersion: "batch/v1",
        kind: "CronJob",
        name: "cj",
        uid: (cj.metadata as Obj).uid,
        controller: true,
      },
    ]);
    expect(jm.annotations).toEqual({ "cronjob.kubernetes.io/instantiate": "manual" });
    const cjTemplate = (cj.spec as { jobTemplate: { spec: { template: { spec: Obj } } } }).jobTemplate.spec
      .template.spec;
    const j2Template = (fromCj.spec as { template: { spec: Obj } }).template.spec;
    expect(j2Template.containers).toEqual(cjTemplate.containers);
    const x = await getJson(c, "deployment/x");
    expect((x.metadata as Obj).labels).toEqual({ app: "x" });
    const xs = x.spec as { replicas: number; selector: Obj; template: { spec: { containers: Obj[] } } };
    expect(xs.replicas).toBe(0);
    expect(xs.selector).toEqual({ matchLabels: { app: "x" } });
    expect(xs.template.spec.containers.map((k) => [k.name, k.image])).toEqual([["nginx", "nginx"]]);
    const y = await getJson(c, "deployment/y");
    const ys = y.spec as { replicas: number; template: { spec: { containers: Obj[] } } };
    expect(ys.replicas).toBe(2);
    // (Defaulting, e.g. protocol TCP, is the create path's business; the ports are as sent.)
    expect(
      ys.template.spec.containers.map((k) => [
        k.name,
        k.image,
        (k.ports as Obj[] | undefined)?.[0]?.containerPort,
      ]),
    ).toEqual([
      ["nginx", "nginx", 8080],
      ["busybox", "busybox", undefined],
    ]);

    expect((await getJson(c, "configmap/cm")).data).toEqual({ a: "1", b: "two" });
    const s = await getJson(c, "secret/s");
    // (type Opaque is kube-apiserver's defaulting; kubectl sends none)
    expect(s.data).toEqual({ empty: "", user: Buffer.from("admin").toString("base64") });
    const t = await getJson(c, "secret/t");
    expect(t.type).toBe("kubernetes.io/tls");
    const td = t.data as Record<string, string>;
    expect(Buffer.from(td["tls.crt"], "base64").toString("utf8")).toBe(fs.readFileSync(cert, "utf8"));
    expect(Buffer.from(td["tls.key"], "base64").toString("utf8")).toBe(fs.readFileSync(key, "utf8"));
    const d = await getJson(c, "secret/d");
    expect(d.type).toBe("kubernetes.io/dockerconfigjson");
    const auths = JSON.parse(
      Buffer.from((d.data as Record<string, string>)[".dockerconfigjson"], "base64").toString("utf8"),
    ) as { auths: Record<string, Obj> };
    expect(auths.auths["r.io"]).toMatchObject({ username: "u", password: "p" });

    const job = await getJson(c, "job/j");
    const jc = (job.spec as { template: { spec: { containers: Obj[]; restartPolicy: string } } }).template
      .spec;
    expect(jc.containers.map((k) => [k.name, k.image])).toEqual([["j", "busybox"]]);
    expect(jc.restartPolicy).toBe("Never");

    const sn = await getJson(c, "service/sn");
    expect((sn.spec as Obj).type).toBe("NodePort");
    expect((sn.spec as { ports: Obj[] }).ports).toMatchObject([
      { name: "81-8081", nodePort: 30081, port: 81, protocol: "TCP", targetPort: 8081 },
    ]);
    const se = await getJson(c, "service/se");
    expect(se.spec).toMatchObject({ type: "ExternalName", externalName: "example.com" });
    const ing = await getJson(c, "ingress/ing");
    expect(ing.spec).toEqual({
      ingressClassName: "nginx",
      rules: [
        {
          host: "foo.com",
          http: {
            paths: [
              {
                backend: { service: { name: "svc1", port: { number: 8080 } } },
                path: "/bar",
                pathType: "Exact",
              },
            ],
          },
        },
      ],
      tls: [{ hosts: ["foo.com"], secretName: "my-cert" }],
    });

    const web = await getJson(c, "service/web");
    const ws = web.spec as { type: string; selector: Obj; ports: Obj[] };
    expect(ws.type).toBe("LoadBalancer");
    expect(ws.selector).toEqual({ app: "x" });
    expect(ws.ports.map(({ nodePort: _n, ...p }) => p)).toEqual([
      { port: 80, protocol: "TCP", targetPort: 8080 },
    ]);
    const ip = await until(async () => {
      const r = await kubectl(c, [
        "get",
        "svc",
        "web",
        "-n",
        ns,
        "-o",
        "jsonpath={.status.loadBalancer.ingress[0].ip}",
      ]);
      return /^\d+\.\d+\.\d+\.\d+$/.test(r.stdout) ? r.stdout : undefined;
    }, 60_000);
    const row = await kubectl(c, ["get", "svc", "web", "-n", ns, "--no-headers"]);
    expect(row.stdout.split(/\s+/)[3]).toBe(ip);
  }, 600_000);

  it("malformed protobuf is a 400 Status; patches and custom resources refuse protobuf with 415", async () => {
    const c = clusters["1.33"];
    const pb = { "content-type": "application/vnd.kubernetes.protobuf" };
    const garbage = await kube(c, "POST", `/api/v1/namespaces/${ns}/configmaps`, "k8s\u0000\u0012\u00ff", pb);
    expect(garbage.status).toBe(400);
    expect(garbage.body).toMatchObject({ kind: "Status", reason: "BadRequest", code: 400 });
    const notPb = await kube(c, "POST", `/api/v1/namespaces/${ns}/configmaps`, '{"kind":"ConfigMap"}', pb);
    expect(notPb.status).toBe(400);
    expect((notPb.body as Obj).message).toBe(
      "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]",
    );
    // A ConfigMap written here by hand, with the envelope's type left empty: the endpoint's type fills it.
    const inner = protobuf.Writer.create();
    inner.uint32(10).fork().uint32(10).string("handmade").ldelim();
    inner.uint32(18).fork().uint32(10).string("k").uint32(18).string("v").ldelim();
    const env = protobuf.Writer.create().uint32(18).bytes(inner.finish()).finish();
    const ok = await fetch(`${c.server}/api/v1/namespaces/${ns}/configmaps`, {
      method: "POST",
      headers: { authorization: `Bearer ${c.token}`, ...pb, accept: "application/json" },
      body: Buffer.concat([Buffer.from("k8s\u0000", "latin1"), env]),
    });
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as Obj).data).toEqual({ k: "v" });
    // A typed client's DELETE carries DeleteOptions as protobuf: dryRun=All keeps the object,
    // then a real delete with preconditions naming another uid is a 409.
    const delBody = (w: protobuf.Writer) => {
      const e = protobuf.Writer.create();
      e.uint32(10).fork().uint32(10).string("v1").uint32(18).string("DeleteOptions").ldelim();
      e.uint32(18).bytes(w.finish());
      return Buffer.concat([Buffer.from("k8s\u0000", "latin1"), e.finish()]);
    };
    const del = (body: Buffer) =>
      fetch(`${c.server}/api/v1/namespaces/${ns}/configmaps/handmade`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${c.token}`, ...pb },
        body,
      });
    const dry = await del(delBody(protobuf.Writer.create().uint32(42).string("All")));
    expect(dry.status).toBe(200);
    expect((await kube(c, "GET", `/api/v1/namespaces/${ns}/configmaps/handmade`)).status).toBe(200);
    const pre = await del(
      delBody(
        protobuf.Writer.create()
          .uint32(18)
          .fork()
          .uint32(10)
          .string("00000000-0000-0000-0000-000000000000")
          .ldelim(),
      ),
    );
    expect(pre.status).toBe(409);
    expect((await kube(c, "GET", `/api/v1/namespaces/${ns}/configmaps/handmade`)).status).toBe(200);
    expect((await del(delBody(protobuf.Writer.create()))).status).toBe(200);
    expect((await kube(c, "GET", `/api/v1/namespaces/${ns}/configmaps/handmade`)).status).toBe(404);
    const patch = await kube(c, "PATCH", `/api/v1/namespaces/${ns}/configmaps/cm`, "k8s\u0000", pb);
    expect(patch.status).toBe(415);
    expect(patch.body).toMatchObject({ reason: "UnsupportedMediaType" });
    const plain = await kube(c, "POST", `/api/v1/namespaces/${ns}/configmaps`, "a: b", {
      "content-type": "text/plain",
    });
    expect(plain.status).toBe(415);
    expect((plain.body as Obj).message).toBe(
      'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got "text/plain")',
    );
    const crd = await kube(c, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "gadgets.example.com" },
      spec: {
        group: "example.com",
        scope: "Namespaced",
        names: { plural: "gadgets", singular: "gadget", kind: "Gadget" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
          },
        ],
      },
    });
    expect(crd.status).toBe(201);
    const cr = await until(async () => {
      const r = await kube(c, "POST", `/apis/example.com/v1/namespaces/${ns}/gadgets`, "k8s\u0000", pb);
      return r.status === 404 ? undefined : r;
    });
    expect(cr.status).toBe(415);
    expect((cr.body as Obj).message).toBe(
      'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got "application/vnd.kubernetes.protobuf")',
    );
  }, 180_000);
});
