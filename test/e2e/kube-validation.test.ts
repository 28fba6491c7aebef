// kube-apiserver's validation of what a networking user writes most — Service ports, container
// ports and host ports, volumes and mounts, restart and pull policies, requests within limits,
// the restart rules of workload templates — refused with its field paths and words (pkg/apis/core,
// apps and batch validation), through the real kubectl and the raw API.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  type KubeCluster,
  kube,
  kubectl,
  kubectlOk,
  type Obj,
  startKubeEmulator,
} from "../kube/kube-helpers.js";
import { makeCluster } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;

beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await makeCluster(emu, "valid", { count: 1, version: "1.33" });
});
afterAll(async () => {
  await emu?.close();
});

/** The 422's message for a POST of `body` to `path`. */
async function refused(path: string, body: Obj): Promise<string> {
  const r = await kube(c, "POST", path, body);
  expect(r.status).toBe(422);
  return (r.body as Obj).message;
}
const SVC = "/api/v1/namespaces/default/services";
const PODS = "/api/v1/namespaces/default/pods";
const svc = (name: string, ports: Obj[]) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name },
  spec: { ports },
});
const pod = (name: string, spec: Obj) => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec });

describe("Service ports", () => {
  it("protocol, names of a multi-port Service, duplicates, target port names", async () => {
    expect(await refused(SVC, svc("s1", [{ port: 80, protocol: "XTP" }]))).toBe(
      'Service "s1" is invalid: spec.ports[0].protocol: Unsupported value: "XTP": supported values: "SCTP", "TCP", "UDP"',
    );
    expect(await refused(SVC, svc("s2", [{ port: 80 }, { port: 443 }]))).toBe(
      'Service "s2" is invalid: [spec.ports[0].name: Required value, spec.ports[1].name: Required value]',
    );
    expect(
      await refused(
        SVC,
        svc("s3", [
          { name: "a", port: 80 },
          { name: "a", port: 81 },
        ]),
      ),
    ).toBe('Service "s3" is invalid: spec.ports[1].name: Duplicate value: "a"');
    expect(
      await refused(
        SVC,
        svc("s4", [
          { name: "a", port: 80 },
          { name: "b", port: 80 },
        ]),
      ),
    ).toBe(
      'Service "s4" is invalid: spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
    );
    expect(await refused(SVC, svc("s5", [{ port: 80, targetPort: "Web_Port" }]))).toBe(
      'Service "s5" is invalid: spec.ports[0].targetPort: Invalid value: "Web_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    );
    // The same port on another protocol is another port.
    const ok = await kube(
      c,
      "POST",
      SVC,
      svc("dns", [
        { name: "udp", port: 53, protocol: "UDP" },
        { name: "tcp", port: 53 },
      ]),
    );
    expect(ok.status).toBe(201);
  });

  it("kubectl prints the refusal", async () => {
    const r = await kubectl(
      c,
      ["create", "-f", "-"],
      JSON.stringify(svc("s6", [{ port: 80 }, { port: 81 }])),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'The Service "s6" is invalid: \n* spec.ports[0].name: Required value\n* spec.ports[1].name: Required value\n',
    );
  });
});

describe("pod specs", () => {
  const c1 = (extra: Obj = {}) => ({ name: "a", image: "nginx", ...extra });

  it("container ports: names, a port of 0, protocols, and one host port per pod", async () => {
    expect(
      await refused(
        PODS,
        pod("p1", {
          containers: [
            c1({ ports: [{ containerPort: 8080, hostPort: 8080 }] }),
            { name: "b", image: "nginx", ports: [{ containerPort: 9090, hostPort: 8080 }] },
          ],
        }),
      ),
    ).toBe('Pod "p1" is invalid: spec.containers[1].ports[0].hostPort: Duplicate value: "/TCP/8080"');
    expect(
      await refused(
        PODS,
        pod("p2", {
          containers: [
            c1({
              ports: [
                { name: "http", containerPort: 80 },
                { name: "http", containerPort: 81 },
                { name: "way-too-long-port-name", containerPort: 0, protocol: "ICMP" },
              ],
            }),
          ],
        }),
      ),
    ).toBe(
      'Pod "p2" is invalid: [spec.containers[0].ports[1].name: Duplicate value: "http", spec.containers[0].ports[2].name: Invalid value: "way-too-long-port-name": must be no more than 15 characters, spec.containers[0].ports[2].containerPort: Required value, spec.containers[0].ports[2].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"]',
    );
    // The same host port on UDP is another port.
    const ok = await kube(
      c,
      "POST",
      PODS,
      pod("dns", {
        containers: [
          c1({
            ports: [
              { containerPort: 53, hostPort: 53, protocol: "UDP" },
              { containerPort: 53, hostPort: 53 },
            ],
          }),
        ],
      }),
    );
    expect(ok.status).toBe(201);
  });

  it("activeDeadlineSeconds: 1 to 2^31-1 seconds, and an int64 that does not decode is a 400", async () => {
    expect(await refused(PODS, pod("dl", { activeDeadlineSeconds: -5, containers: [c1()] }))).toBe(
      'Pod "dl" is invalid: spec.activeDeadlineSeconds: Invalid value: -5: must be between 1 and 2147483647, inclusive',
    );
    const huge = await kube(c, "POST", PODS, pod("dl2", { activeDeadlineSeconds: 1e23, containers: [c1()] }));
    expect(huge.status).toBe(400);
    expect((huge.body as Obj).message).toContain(
      "into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64",
    );
  });

  it("volumes and mounts, policies, requests within limits", async () => {
    expect(
      await refused(
        PODS,
        pod("p3", {
          // A volume without a source is an emptyDir (v1 defaulting), not an error.
          volumes: [{ name: "data", emptyDir: {} }, { name: "data", emptyDir: {} }, { name: "bare" }],
          containers: [
            c1({
              volumeMounts: [
                { name: "data", mountPath: "/d" },
                { name: "cache", mountPath: "/d" },
              ],
            }),
          ],
        }),
      ),
    ).toBe(
      'Pod "p3" is invalid: [spec.volumes[1].name: Duplicate value: "data", spec.containers[0].volumeMounts[1].name: Not found: "cache", spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/d": must be unique]',
    );
    expect(
      await refused(
        PODS,
        pod("p4", {
          restartPolicy: "Sometimes",
          containers: [
            c1({
              imagePullPolicy: "Sometimes",
              env: [{ value: "x" }],
              resources: { requests: { cpu: "2" }, limits: { cpu: "1" } },
            }),
          ],
        }),
      ),
    ).toBe(
      'Pod "p4" is invalid: [spec.containers[0].env[0].name: Required value, spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1, spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never", spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"]',
    );
  });
});

describe("workload templates", () => {
  const template = (spec: Obj) => ({
    metadata: { labels: { app: "x" } },
    spec: { containers: [{ name: "a", image: "nginx" }], ...spec },
  });

  it("a Deployment's pods restart Always; a Job's OnFailure or Never", async () => {
    expect(
      await refused("/apis/apps/v1/namespaces/default/deployments", {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "d1" },
        spec: { selector: { matchLabels: { app: "x" } }, template: template({ restartPolicy: "Never" }) },
      }),
    ).toBe(
      'Deployment.apps "d1" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    );
    expect(
      await refused("/apis/batch/v1/namespaces/default/jobs", {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "j1" },
        spec: { template: template({}) },
      }),
    ).toBe(
      'Job.batch "j1" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    );
  });

  it("a StatefulSet's mounts may name its volume claim templates", async () => {
    const out = await kubectlOk(
      c,
      ["apply", "-f", "-"],
      `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: a, image: nginx, volumeMounts: [{name: data, mountPath: /data}]}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`,
    );
    expect(out).toBe("statefulset.apps/db created\n");
  });
});

describe("PodDisruptionBudgets and Job updates", () => {
  const PDBS = "/apis/policy/v1/namespaces/default/poddisruptionbudgets";
  const pdb = (name: string, spec: Obj) => ({
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name },
    spec: { selector: { matchLabels: { app: "x" } }, ...spec },
  });

  it("a budget sets one of minAvailable and maxUnavailable, each a count or 0–100%", async () => {
    expect(await refused(PDBS, pdb("b1", { minAvailable: 1, maxUnavailable: 1 }))).toMatch(
      /^PodDisruptionBudget\.policy "b1" is invalid: spec: Invalid value: policy\.PodDisruptionBudgetSpec\{.*\}: minAvailable and maxUnavailable cannot be both set$/,
    );
    expect(await refused(PDBS, pdb("b2", { minAvailable: "150%" }))).toBe(
      'PodDisruptionBudget.policy "b2" is invalid: spec.minAvailable: Invalid value: 150%: must not be greater than 100%',
    );
    expect(await refused(PDBS, pdb("b3", { maxUnavailable: -1 }))).toBe(
      'PodDisruptionBudget.policy "b3" is invalid: spec.maxUnavailable: Invalid value: -1: must be greater than or equal to 0',
    );
    expect(await refused(PDBS, pdb("b4", { minAvailable: "abc", unhealthyPodEvictionPolicy: "Never" }))).toBe(
      "PodDisruptionBudget.policy \"b4\" is invalid: [spec.minAvailable: Invalid value: abc: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%'), spec.unhealthyPodEvictionPolicy: Unsupported value: \"Never\": supported values: \"AlwaysAllow\", \"IfHealthyBudget\"]",
    );
    expect((await kube(c, "POST", PDBS, pdb("ok", { maxUnavailable: "25%" }))).status).toBe(201);
  });

  it("a Job's completions, template and mode are fixed once made; suspend is not", async () => {
    await kubectlOk(
      c,
      ["apply", "-f", "-"],
      `apiVersion: batch/v1
kind: Job
metadata: {name: fixed}
spec:
  suspend: true
  completions: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
`,
    );
    const r = await kubectl(c, ["patch", "job", "fixed", "--type=merge", "-p", '{"spec":{"completions":5}}']);
    expect(r.stderr).toBe(
      'The Job "fixed" is invalid: spec.completions: Invalid value: 5: field is immutable\n',
    );
    const img = await kubectl(c, ["set", "image", "job/fixed", "c=busybox:1.36"]);
    expect(img.stderr).toContain(
      'error: failed to patch image update to pod template: Job.batch "fixed" is invalid: spec.template: Invalid value:',
    );
    expect(img.stderr).toContain("field is immutable");
    expect(
      (await kubectl(c, ["patch", "job", "fixed", "--type=merge", "-p", '{"spec":{"suspend":false}}'])).code,
    ).toBe(0);
    const mode = await kube(c, "POST", "/apis/batch/v1/namespaces/default/jobs", {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "weird" },
      spec: {
        completionMode: "Weird",
        template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
      },
    });
    expect((mode.body as Obj).message).toBe(
      'Job.batch "weird" is invalid: spec.completionMode: Unsupported value: "Weird": supported values: "Indexed", "NonIndexed"',
    );
  });
});

describe("ConfigMaps and Secrets", () => {
  it("hold at most 1 MiB of values together (core.MaxSecretSize), counted as stored bytes", async () => {
    const half = "x".repeat(600 * 1024);
    expect(
      await refused("/api/v1/namespaces/default/configmaps", {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "big" },
        data: { a: half },
        binaryData: { b: Buffer.from(half).toString("base64") },
      }),
    ).toBe('ConfigMap "big" is invalid: []: Too long: may not be more than 1048576 bytes');
    // Base64 is counted decoded: 900 KiB of bytes (1.2 MB as text) fits.
    const ok = await kube(c, "POST", "/api/v1/namespaces/default/secrets", {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "fits" },
      data: { a: Buffer.alloc(900 * 1024, 1).toString("base64") },
    });
    expect(ok.status).toBe(201);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cfg-")), "k");
    fs.writeFileSync(file, Buffer.alloc(1024 * 1024 + 1, 65));
    const r = await kubectl(c, ["create", "secret", "generic", "bigs", `--from-file=k=${file}`]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'error: failed to create secret Secret "bigs" is invalid: data: Too long: may not be more than 1048576 bytes',
    );
  });

  it("of a well-known type carry its keys (ValidateSecret), and keep their type", async () => {
    const tls = await kubectl(c, [
      "create",
      "secret",
      "generic",
      "t1",
      "--type=kubernetes.io/tls",
      "--from-literal=x=y",
    ]);
    expect(tls.stderr.trim()).toBe(
      'error: failed to create secret Secret "t1" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]',
    );
    const dcj = await kubectl(c, [
      "create",
      "secret",
      "generic",
      "t2",
      "--type=kubernetes.io/dockerconfigjson",
      "--from-literal=.dockerconfigjson={bad",
    ]);
    expect(dcj.stderr.trim()).toBe(
      'error: failed to create secret Secret "t2" is invalid: data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character \'b\' looking for beginning of object key string',
    );
    const basic = await kubectl(c, [
      "create",
      "secret",
      "generic",
      "t3",
      "--type=kubernetes.io/basic-auth",
      "--from-literal=x=y",
    ]);
    expect(basic.stderr).toContain("[data[username]: Required value, data[password]: Required value]");
    // An empty username is a username.
    await kubectlOk(c, [
      "create",
      "secret",
      "generic",
      "t4",
      "--type=kubernetes.io/basic-auth",
      "--from-literal=username=",
    ]);
    await kubectlOk(c, [
      "create",
      "secret",
      "docker-registry",
      "t5",
      "--docker-server=r",
      "--docker-username=u",
      "--docker-password=p",
    ]);
    await kubectlOk(c, ["create", "secret", "generic", "t6", "--from-literal=a=b"]);
    const retype = await kubectl(c, ["patch", "secret", "t6", "-p", '{"type":"kubernetes.io/ssh-auth"}']);
    expect(retype.stderr).toContain('type: Invalid value: "kubernetes.io/ssh-auth": field is immutable');
    expect(retype.stderr).toContain("data[ssh-privatekey]: Required value");
  });
});

describe("bodies that do not decode", () => {
  it("are refused in Go's encoding/json words, as each path of kube-apiserver words them", async () => {
    await kubectlOk(c, ["create", "configmap", "pj", "--from-literal=a=b"]);
    const smp = await kubectl(c, ["patch", "configmap", "pj", "-p", "{bad json"]);
    expect(smp.stderr.trim()).toBe(
      "Error from server (BadRequest): invalid character 'b' looking for beginning of object key string",
    );
    const merge = await kubectl(c, ["patch", "configmap", "pj", "--type=merge", "-p", "{bad json"]);
    expect(merge.stderr.trim()).toBe("Error from server (BadRequest): Invalid JSON Patch");
    const strict = await kube(
      c,
      "PATCH",
      "/api/v1/namespaces/default/configmaps/pj?fieldValidation=Strict",
      '{"data":{"a":"b"} "x"}',
      { "content-type": "application/merge-patch+json" },
    );
    expect([strict.status, (strict.body as Obj).message]).toEqual([
      400,
      `error decoding patch: invalid character '"' after object key:value pair`,
    ]);
    const create = await kube(c, "POST", "/api/v1/namespaces/default/configmaps", '{"apiVersion":"v1",');
    expect([create.status, (create.body as Obj).message]).toEqual([
      400,
      'the object provided is unrecognized (must be of type ConfigMap): couldn\'t get version/kind; json parse error: unexpected end of JSON input ({"apiVersion":"v1",)',
    ]);
  });
});

describe("admission webhook configurations", () => {
  const VWC = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations";
  const MWC = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations";
  const hook = (extra: Obj) => ({
    name: "validate.nginx.ingress.kubernetes.io",
    rules: [
      {
        apiGroups: ["networking.k8s.io"],
        apiVersions: ["v1"],
        operations: ["CREATE"],
        resources: ["ingresses"],
      },
    ],
    sideEffects: "None",
    admissionReviewVersions: ["v1"],
    clientConfig: { service: { namespace: "ingress-nginx", name: "admission" } },
    ...extra,
  });
  const config = (kind: string, name: string, webhooks: Obj[]) => ({
    apiVersion: "admissionregistration.k8s.io/v1",
    kind,
    metadata: { name },
    webhooks,
  });

  it("a chart's webhook installs with upstream's defaults and columns, and the write warns it is never called", async () => {
    const file = path.join(os.tmpdir(), `vwc-${process.pid}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify(config("ValidatingWebhookConfiguration", "ingress-nginx-admission", [hook({})])),
    );
    const applied = await kubectl(c, ["apply", "-f", file]);
    expect(applied.stdout.trim()).toBe(
      "validatingwebhookconfiguration.admissionregistration.k8s.io/ingress-nginx-admission created",
    );
    expect(applied.stderr).toContain(
      "Warning: aksnet stores ValidatingWebhookConfigurations but never calls their webhooks: no container runs to answer them",
    );
    const got = JSON.parse(
      await kubectlOk(c, ["get", "validatingwebhookconfiguration", "ingress-nginx-admission", "-o", "json"]),
    );
    expect(got.webhooks[0]).toMatchObject({
      failurePolicy: "Fail",
      matchPolicy: "Equivalent",
      namespaceSelector: {},
      objectSelector: {},
      timeoutSeconds: 10,
      clientConfig: { service: { port: 443 } },
      rules: [{ scope: "*" }],
    });
    expect(got.webhooks[0].reinvocationPolicy).toBeUndefined();
    const table = await kubectlOk(c, ["get", "validatingwebhookconfigurations"]);
    expect(table.split("\n")[0].split(/\s+/)).toEqual(["NAME", "WEBHOOKS", "AGE"]);
    expect(table).toMatch(/ingress-nginx-admission\s+1\s+\d+s/);
    const m = await kube(
      c,
      "POST",
      MWC,
      config("MutatingWebhookConfiguration", "m", [hook({ name: "a.b.c" })]),
    );
    expect(m.status).toBe(201);
    expect((m.body as Obj).webhooks[0].reinvocationPolicy).toBe("Never");
  });

  it("refuses what ValidateValidatingWebhookConfiguration refuses, in its words and order", async () => {
    const r = await kube(
      c,
      "POST",
      VWC,
      config("ValidatingWebhookConfiguration", "bad", [
        hook({
          name: "two.parts",
          rules: [
            {
              apiGroups: ["*", "apps"],
              apiVersions: [],
              operations: ["CREATE", "*"],
              resources: ["*", "pods"],
            },
          ],
          sideEffects: "Some",
          timeoutSeconds: 31,
          admissionReviewVersions: ["v2"],
          clientConfig: { url: "http://x.example.com/hook?a=b" },
        }),
        hook({ name: "two.parts", sideEffects: undefined, clientConfig: {} }),
      ]),
    );
    expect(r.status).toBe(422);
    expect((r.body as Obj).message).toBe(
      'ValidatingWebhookConfiguration.admissionregistration.k8s.io "bad" is invalid: [' +
        [
          'webhooks[0].name: Invalid value: "two.parts": should be a domain with at least three segments separated by dots',
          'webhooks[0].rules[0].operations: Invalid value: []admissionregistration.OperationType{"CREATE", "*"}: if \'*\' is present, must not specify other operations',
          'webhooks[0].rules[0].apiGroups: Invalid value: []string{"*", "apps"}: if \'*\' is present, must not specify other API groups',
          "webhooks[0].rules[0].apiVersions: Required value",
          'webhooks[0].rules[0].resources: Invalid value: []string{"*", "pods"}: if \'*\' is present, must not specify other resources without subresources',
          'webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"',
          "webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds",
          "webhooks[0].clientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL scheme; desired format: https://host[/path]",
          'webhooks[0].clientConfig.url: Invalid value: "a=b": query parameters are not permitted in the URL',
          'webhooks[0].admissionReviewVersions: Invalid value: []string{"v2"}: must include at least one of v1, v1beta1',
          'webhooks[1].name: Invalid value: "two.parts": should be a domain with at least three segments separated by dots',
          "webhooks[1].sideEffects: Required value: must specify one of None, NoneOnDryRun",
          "webhooks[1].clientConfig: Required value: exactly one of url or service is required",
          'webhooks[1].name: Duplicate value: "two.parts"',
        ].join(", ") +
        "]",
    );
    // On update the rules hold as on create while the stored webhooks kept them (no side effects).
    const ok = await kube(
      c,
      "POST",
      VWC,
      config("ValidatingWebhookConfiguration", "fx", [hook({ name: "a.b.c" })]),
    );
    expect(ok.status).toBe(201);
    const some = await kube(c, "PUT", `${VWC}/fx`, {
      ...(ok.body as Obj),
      webhooks: [hook({ name: "a.b.c", sideEffects: "Some" })],
    });
    expect([some.status, (some.body as Obj).message]).toEqual([
      422,
      'ValidatingWebhookConfiguration.admissionregistration.k8s.io "fx" is invalid: webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"',
    ]);
  });
});

describe("workload selectors, strategies and updates", () => {
  const DEPLOY = "/apis/apps/v1/namespaces/default/deployments";
  const deploy = (name: string, spec: Obj) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      template: { metadata: { labels: { a: "c" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
      ...spec,
    },
  });

  it("a selector with an unknown operator is refused — it once made pods without end", async () => {
    expect(
      await refused(
        DEPLOY,
        deploy("dsb", { selector: { matchExpressions: [{ key: "a", operator: "Foo", values: ["c"] }] } }),
      ),
    ).toBe(
      'Deployment.apps "dsb" is invalid: [spec.selector.matchExpressions[0].operator: Invalid value: "Foo": not a valid selector operator, spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"a", Operator:"Foo", Values:[]string{"c"}}}}: invalid label selector]',
    );
    expect(await refused(DEPLOY, deploy("empty", { selector: {} }))).toBe(
      'Deployment.apps "empty" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    );
    // Expressions count in the template match, not only matchLabels.
    expect(
      await refused(
        DEPLOY,
        deploy("miss", { selector: { matchExpressions: [{ key: "a", operator: "In", values: ["d"] }] } }),
      ),
    ).toBe(
      'Deployment.apps "miss" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"a":"c"}: `selector` does not match template `labels`',
    );
    const ok = await kube(
      c,
      "POST",
      DEPLOY,
      deploy("expr", { selector: { matchExpressions: [{ key: "a", operator: "In", values: ["c"] }] } }),
    );
    expect(ok.status).toBe(201);
  });

  it("a Deployment's strategy: a known type, counts or percents, not both zero", async () => {
    const sel = { selector: { matchLabels: { a: "c" } } };
    expect(
      await refused(
        DEPLOY,
        deploy("s1", { ...sel, strategy: { type: "Rolling", rollingUpdate: { maxSurge: "abc%" } } }),
      ),
    ).toBe(
      'Deployment.apps "s1" is invalid: spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"Rolling", RollingUpdate:(*apps.RollingUpdateDeployment)(0xc000b8e3a0)}: supported values: "Recreate", "RollingUpdate"',
    );
    expect(
      await refused(
        DEPLOY,
        deploy("s2", {
          ...sel,
          strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } },
        }),
      ),
    ).toBe(
      'Deployment.apps "s2" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0',
    );
    expect(
      await refused(
        DEPLOY,
        deploy("s3", {
          ...sel,
          strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "abc%", maxUnavailable: "150%" } },
        }),
      ),
    ).toBe(
      `Deployment.apps "s3" is invalid: [spec.strategy.rollingUpdate.maxSurge: Invalid value: abc%: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%'), spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 150%: must not be greater than 100%]`,
    );
    expect(
      await refused(
        DEPLOY,
        deploy("s4", { ...sel, strategy: { type: "Recreate", rollingUpdate: { maxSurge: 1 } } }),
      ),
    ).toBe(
      "Deployment.apps \"s4\" is invalid: spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    );
    // A surge over 100% is allowed (IsNotMoreThan100Percent checks maxUnavailable only).
    const big = await kube(
      c,
      "POST",
      DEPLOY,
      deploy("s5", { ...sel, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "200%" } } }),
    );
    expect(big.status).toBe(201);
  });

  it("a StatefulSet's spec beyond its mutable fields is fixed once made", async () => {
    const sts = {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "fixed" },
      spec: {
        serviceName: "fixed",
        selector: { matchLabels: { a: "c" } },
        template: { metadata: { labels: { a: "c" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
      },
    };
    const made = await kube(c, "POST", "/apis/apps/v1/namespaces/default/statefulsets", sts);
    expect(made.status).toBe(201);
    const path = "/apis/apps/v1/namespaces/default/statefulsets/fixed";
    const merge = { "content-type": "application/merge-patch+json" };
    const bad = await kube(
      c,
      "PATCH",
      path,
      { spec: { serviceName: "other", podManagementPolicy: "Parallel" } },
      merge,
    );
    expect([bad.status, (bad.body as Obj).message]).toEqual([
      422,
      "StatefulSet.apps \"fixed\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
    const fine = await kube(c, "PATCH", path, { spec: { replicas: 3, minReadySeconds: 5 } }, merge);
    expect(fine.status).toBe(200);
    // A whole replace that sends the same spec in another key order is no change.
    const cur = (await kube(c, "GET", path)).body as Obj;
    // Without its resourceVersion: the controller's status writes may move it in between.
    const reordered = {
      ...cur,
      metadata: { ...(cur.metadata as Obj), resourceVersion: undefined },
      spec: Object.fromEntries(Object.entries(cur.spec as Obj).reverse()),
    };
    expect((await kube(c, "PUT", path, reordered)).status).toBe(200);
  });
});

describe("PriorityClasses", () => {
  const PC = "/apis/scheduling.k8s.io/v1/priorityclasses";
  const pc = (name: string, value: number, extra: Obj = {}) => ({
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name },
    value,
    ...extra,
  });
  it("system- names are reserved, user values stop at 1e9, value and policy are fixed once made", async () => {
    expect(await refused(PC, pc("system-mine", 5))).toBe(
      "PriorityClass.scheduling.k8s.io \"system-mine\" is invalid: metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
    );
    expect(await refused(PC, pc("huge", 1000000001, { preemptionPolicy: "Sometimes" }))).toBe(
      'PriorityClass.scheduling.k8s.io "huge" is invalid: [value: Forbidden: maximum allowed value of a user defined priority is 1000000000, preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"]',
    );
    const made = await kube(c, "POST", PC, pc("mid", 1000));
    expect([made.status, (made.body as Obj).preemptionPolicy]).toEqual([201, "PreemptLowerPriority"]);
    const changed = await kube(
      c,
      "PATCH",
      `${PC}/mid`,
      { value: 2000, preemptionPolicy: "Never" },
      {
        "content-type": "application/merge-patch+json",
      },
    );
    expect([changed.status, (changed.body as Obj).message]).toEqual([
      422,
      'PriorityClass.scheduling.k8s.io "mid" is invalid: [value: Forbidden: may not be changed in an update., preemptionPolicy: Invalid value: "Never": field is immutable]',
    ]);
  });
});
