// A value of the wrong JSON type is refused as kube-apiserver's decoder refuses it, before
// admission or validation: 400 BadRequest, `<Kind> in version "v1" cannot be handled as a
// <Kind>: json: cannot unmarshal <what> into Go struct field <Struct>.<path> of type <Go type>`
// (the path without list indices or map keys; the struct the innermost field belongs to), for
// the first such value in the document, on creates, updates, patches and status writes alike.
// Quantities take numbers (`cpu: 1` in YAML), and a null is the zero value.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  createCluster,
  type KubeCluster,
  kube,
  kubectl,
  type Obj,
  startKubeEmulator,
} from "../kube/kube-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;
beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await createCluster(emu, "decode", "1.33", "decode-rg");
});
afterAll(async () => {
  await emu?.close();
});

const PODS = "/api/v1/namespaces/default/pods";
const pod = (name: string, container: Obj, spec: Obj = {}, meta: Obj = {}) => ({
  metadata: { name, ...meta },
  spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.9", ...container }], ...spec },
});
const DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments";
/** A Deployment of one container labelled `app: <name>`, with `spec` added. */
const deployment = (name: string, spec: Obj) => ({
  metadata: { name },
  spec: {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "x" }] } },
    ...spec,
  },
});
const refused = (r: { status: number; body: unknown }) => {
  const b = r.body as Obj;
  return [r.status, b.reason, b.message];
};
const podSays = (why: string) => [
  400,
  "BadRequest",
  `Pod in version "v1" cannot be handled as a Pod: ${why}`,
];

describe("values of the wrong JSON type", () => {
  it("are refused with the decoder's words, naming the Go struct, the field path and its Go type", async () => {
    const cases: [Obj, string][] = [
      [
        pod("a", { name: 5 }),
        "json: cannot unmarshal number into Go struct field Container.spec.containers.name of type string",
      ],
      [
        pod("b", { env: [{ name: "PORT", value: 8080 }] }),
        "json: cannot unmarshal number into Go struct field EnvVar.spec.containers.env.value of type string",
      ],
      [
        pod("c", { ports: [{ containerPort: "80" }] }),
        "json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32",
      ],
      [
        pod("d", {}, { hostNetwork: "true" }),
        "json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type bool",
      ],
      [
        pod("e", { args: ["ok", 2] }),
        "json: cannot unmarshal number into Go struct field Container.spec.containers.args of type string",
      ],
      [
        pod("f", {}, { nodeSelector: { disk: true } }),
        "json: cannot unmarshal bool into Go struct field PodSpec.spec.nodeSelector of type string",
      ],
      [
        pod("g", {}, {}, { labels: { tier: 1 } }),
        "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string",
      ],
      [
        pod("h", { ports: { containerPort: 80 } }),
        "json: cannot unmarshal object into Go struct field Container.spec.containers.ports of type []v1.ContainerPort",
      ],
      [
        { metadata: { name: "i" }, spec: "none" },
        "json: cannot unmarshal string into Go struct field Pod.spec of type v1.PodSpec",
      ],
      [
        pod("j", {}, { terminationGracePeriodSeconds: 1.5 }),
        "json: cannot unmarshal number 1.5 into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64",
      ],
      [
        pod("k", { ports: [{ containerPort: 2 ** 31 }] }),
        "json: cannot unmarshal number 2147483648 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32",
      ],
      // The first in document order: metadata comes before spec here.
      [
        { metadata: { name: "l", annotations: { a: false } }, spec: { containers: 1 } },
        "json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.annotations of type string",
      ],
      [
        { spec: { containers: 1 }, metadata: { name: "m", annotations: { a: false } } },
        "json: cannot unmarshal number into Go struct field PodSpec.spec.containers of type []v1.Container",
      ],
    ];
    for (const [body, why] of cases) {
      const r = await kube(c, "POST", PODS, body);
      expect(refused(r), why).toEqual(podSays(why));
    }
    // Nothing of them was made.
    const list = await kube(c, "GET", PODS);
    expect((list.body as Obj).items).toEqual([]);
    const cm = await kube(c, "POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "settings" },
      data: { region: "eastus", retries: 3 },
    });
    expect(refused(cm)).toEqual([
      400,
      "BadRequest",
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string',
    ]);
    const dep = await kube(c, "POST", DEPLOYMENTS, deployment("web", { replicas: "2" }));
    expect(refused(dep)).toEqual([
      400,
      "BadRequest",
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    ]);
  });

  it("quantities take numbers, a null is the zero value, and int-or-string takes both", async () => {
    const ok = await kube(
      c,
      "POST",
      PODS,
      pod(
        "sized",
        {
          resources: { limits: { cpu: 1, memory: "64Mi" }, requests: { cpu: 0.5 } },
          env: [{ name: "EMPTY", value: null }],
          readinessProbe: { httpGet: { port: 8080 } },
          livenessProbe: { httpGet: { port: "http" } },
        },
        { volumes: [{ name: "scratch", emptyDir: { sizeLimit: 1024 } }] },
      ),
    );
    expect(ok.status).toBe(201);
    const made = (ok.body as Obj).spec;
    expect(made.containers[0].resources).toEqual({
      limits: { cpu: "1", memory: "64Mi" },
      // A limit without a request is requested (SetDefaults_Pod).
      requests: { cpu: "500m", memory: "64Mi" },
    });
    expect([
      made.containers[0].readinessProbe.httpGet.port,
      made.containers[0].livenessProbe.httpGet.port,
    ]).toEqual([8080, "http"]);
    expect(made.volumes[0].emptyDir).toEqual({ sizeLimit: "1024" });
    // A null field is left out; a null map value is the element's zero value.
    expect(made.containers[0].env).toEqual([{ name: "EMPTY" }]);
    const nulls = await kube(
      c,
      "POST",
      PODS,
      pod(
        "nulls",
        { resources: { limits: { cpu: null, memory: "64Mi" } }, workingDir: null },
        { nodeSelector: null, hostname: null },
        { labels: { tier: null, app: "x" }, annotations: null },
      ),
    );
    expect(nulls.status).toBe(201);
    const n = nulls.body as Obj;
    expect([n.metadata.labels, "annotations" in n.metadata]).toEqual([{ tier: "", app: "x" }, false]);
    expect(["nodeSelector" in n.spec, "hostname" in n.spec, "workingDir" in n.spec.containers[0]]).toEqual([
      false,
      false,
      false,
    ]);
    expect(n.spec.containers[0].resources.limits).toEqual({ cpu: "0", memory: "64Mi" });
    // A Secret's data is []byte: base64 or Go's decode error.
    const secret = await kube(c, "POST", "/api/v1/namespaces/default/secrets", {
      metadata: { name: "b64" },
      data: { ok: "YWJj", bad: "!!!" },
    });
    expect([secret.status, (secret.body as Obj).message]).toEqual([
      400,
      'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0',
    ]);
    // A null list item is the item's zero value: an empty container, which validation refuses.
    const empty = await kube(c, "POST", PODS, {
      metadata: { name: "nullc" },
      spec: { containers: [null], tolerations: [null] },
    });
    expect([empty.status, (empty.body as Obj).message]).toEqual([
      422,
      'Pod "nullc" is invalid: [spec.containers[0].name: Required value, spec.containers[0].image: Required value]',
    ]);
    const quota = await kube(c, "POST", "/api/v1/namespaces/default/resourcequotas", {
      metadata: { name: "q" },
      spec: { hard: { pods: 10, "requests.cpu": 4 } },
    });
    expect([quota.status, (quota.body as Obj).spec.hard]).toEqual([201, { pods: "10", "requests.cpu": "4" }]);
    // Quotas are enforced: this one would make the later pods name a cpu request.
    expect((await kube(c, "DELETE", "/api/v1/namespaces/default/resourcequotas/q")).status).toBe(200);
  });

  it("quantities are stored and served in their canonical form, and a malformed one stops the decoder", async () => {
    const made = await kube(
      c,
      "POST",
      PODS,
      pod(
        "canonical",
        {
          resources: {
            // (a request may not exceed its limit: 1000m ≤ 1.5)
            limits: { cpu: 1.5, memory: "1.5Gi", "ephemeral-storage": "1024Ki" },
            requests: { cpu: "1000m", memory: 1000 },
          },
        },
        { volumes: [{ name: "scratch", emptyDir: { sizeLimit: "0.5Gi" } }] },
      ),
    );
    expect(made.status).toBe(201);
    const c0 = (made.body as Obj).spec.containers[0];
    expect(c0.resources).toEqual({
      limits: { cpu: "1500m", memory: "1536Mi", "ephemeral-storage": "1Mi" },
      requests: { cpu: "1", "ephemeral-storage": "1Mi", memory: "1k" },
    });
    expect((made.body as Obj).spec.volumes[0].emptyDir).toEqual({ sizeLimit: "512Mi" });
    const got = (await kube(c, "GET", `${PODS}/canonical`)).body as Obj;
    expect(got.spec.containers[0].resources).toEqual(c0.resources);
    // As ParseQuantity words it, and before any type error earlier in the body.
    const bad = await kube(
      c,
      "POST",
      PODS,
      pod("bad-quantity", { args: [1], resources: { limits: { cpu: "two" } } }),
    );
    expect(refused(bad)).toEqual(
      podSays("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"),
    );
    const suffix = await kube(
      c,
      "POST",
      PODS,
      pod("bad-suffix", { resources: { requests: { memory: "1e" } } }),
    );
    expect(refused(suffix)).toEqual(podSays("unable to parse quantity's suffix"));
    const quota = await kube(c, "POST", "/api/v1/namespaces/default/resourcequotas", {
      metadata: { name: "flags" },
      spec: { hard: { pods: true } },
    });
    expect(refused(quota)).toEqual([
      400,
      "BadRequest",
      `ResourceQuota in version "v1" cannot be handled as a ResourceQuota: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    ]);
  });

  it("int-or-string takes a string or an int32, and anything else stops the decoder as an int32", async () => {
    const svc = await kube(c, "POST", "/api/v1/namespaces/default/services", {
      metadata: { name: "web", labels: { tier: 1 } },
      spec: { ports: [{ port: 80, targetPort: true }] },
    });
    expect(refused(svc)).toEqual([
      400,
      "BadRequest",
      'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32',
    ]);
    const dep = await kube(
      c,
      "POST",
      DEPLOYMENTS,
      deployment("surge", { strategy: { rollingUpdate: { maxSurge: 1.5 } } }),
    );
    expect(refused(dep)).toEqual([
      400,
      "BadRequest",
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number 1.5 into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type int32',
    ]);
    const ok = await kube(c, "POST", "/api/v1/namespaces/default/services", {
      metadata: { name: "named" },
      spec: {
        ports: [
          { name: "a", port: 80, targetPort: "http" },
          { name: "b", port: 81, targetPort: 8081 },
        ],
      },
    });
    expect(ok.status).toBe(201);
  });

  it("updates, merge patches and status writes are decoded the same way, and change nothing", async () => {
    const made = await kube(c, "POST", PODS, pod("kept", {}));
    expect(made.status).toBe(201);
    const patch = await kube(
      c,
      "PATCH",
      `${PODS}/kept`,
      { metadata: { labels: { version: 2 } } },
      { "content-type": "application/merge-patch+json" },
    );
    expect(refused(patch)).toEqual(
      podSays("json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"),
    );
    const current = (await kube(c, "GET", `${PODS}/kept`)).body as Obj;
    const put = await kube(c, "PUT", `${PODS}/kept`, {
      ...current,
      spec: { ...current.spec, activeDeadlineSeconds: "60" },
    });
    expect(refused(put)).toEqual(
      podSays(
        "json: cannot unmarshal string into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64",
      ),
    );
    const status = await kube(c, "PUT", `${PODS}/kept/status`, {
      ...current,
      status: { ...current.status, podIP: 10 },
    });
    expect(refused(status)).toEqual(
      podSays("json: cannot unmarshal number into Go struct field PodStatus.status.podIP of type string"),
    );
    // The controllers go on writing the pod; none of the refused values reached it.
    const after = (await kube(c, "GET", `${PODS}/kept`)).body as Obj;
    expect(after.metadata.labels).toBeUndefined();
    expect(after.spec.activeDeadlineSeconds).toBeUndefined();
    expect(after.status?.podIP).not.toBe(10);
  });

  it("kubectl apply of a manifest with an unquoted env value shows the server's refusal", async () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata:
  name: unquoted
spec:
  containers:
  - name: app
    image: registry.k8s.io/pause:3.9
    env:
    - name: PORT
      value: 8080
`;
    const r = await kubectl(c, ["apply", "-f", "-"], manifest);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field EnvVar.spec.containers.env.value of type string',
    );
    expect((await kube(c, "GET", `${PODS}/unquoted`)).status).toBe(404);
  });
});
