// `kubectl auth can-i` and `kubectl auth whoami` with the machine's real kubectl (1.28 JSON,
// 1.33 protobuf bodies): access reviews answer from the credential (RBAC not enforced: admin and
// user are cluster admins; the monitoring credential may only read), self subject reviews name
// AKS's users, and nothing is stored.

import fs from "node:fs";
import path from "node:path";
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
let c128: KubeCluster;
let c133: KubeCluster;
beforeAll(async () => {
  emu = await startKubeEmulator();
  c128 = await createCluster(emu, "auth128", "1.28", "auth-rg");
  c133 = await createCluster(emu, "auth133", "1.33", "auth-rg");
});
afterAll(async () => {
  await emu?.close();
});

/** The cluster with another of its kubeconfigs (Admin or Monitoring) in its own directory. */
async function withCredential(c: KubeCluster, kind: "Admin" | "MonitoringUser"): Promise<KubeCluster> {
  const id = `/subscriptions/${emu.subscriptionId}/resourceGroups/auth-rg/providers/Microsoft.ContainerService/managedClusters/${c.name}`;
  const r = await emu.arm("POST", `${id}/listCluster${kind}Credential?api-version=2024-05-01`);
  expect(r.status).toBe(200);
  const kubeconfig = Buffer.from((r.body as Obj).kubeconfigs[0].value, "base64").toString("utf8");
  const dir = path.join(path.dirname(c.kubeconfigPath), kind);
  fs.mkdirSync(dir, { recursive: true });
  const kubeconfigPath = path.join(dir, "config");
  fs.writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
  return { ...c, kubeconfig, kubeconfigPath, token: /token: (\S+)/.exec(kubeconfig)![1] };
}

/**
 * `kubectl auth can-i --list` as kubectl prints it: one row per resource or URL of each rule,
 * sorted by kubectl (by verbs first), so the read-only rules follow the `create` ones.
 */
/** Every signed-in user's discovery and health URLs (some granted by two default roles, so kubectl lists them twice). */
const DISCOVERY_URLS = [
  "                                                [/api/*]            []               [get]",
  "                                                [/api]              []               [get]",
  "                                                [/apis/*]           []               [get]",
  "                                                [/apis]             []               [get]",
  "                                                [/healthz]          []               [get]",
  "                                                [/healthz]          []               [get]",
  "                                                [/livez]            []               [get]",
  "                                                [/livez]            []               [get]",
  "                                                [/openapi/*]        []               [get]",
  "                                                [/openapi]          []               [get]",
  "                                                [/readyz]           []               [get]",
  "                                                [/readyz]           []               [get]",
  "                                                [/version/]         []               [get]",
  "                                                [/version/]         []               [get]",
  "                                                [/version]          []               [get]",
  "                                                [/version]          []               [get]",
];
const ADMIN_LIST = `${[
  "Resources                                       Non-Resource URLs   Resource Names   Verbs",
  "*.*                                             []                  []               [*]",
  "                                                [*]                 []               [*]",
  "selfsubjectreviews.authentication.k8s.io        []                  []               [create]",
  "selfsubjectaccessreviews.authorization.k8s.io   []                  []               [create]",
  "selfsubjectrulesreviews.authorization.k8s.io    []                  []               [create]",
  ...DISCOVERY_URLS,
].join("\n")}\n`;
const MONITORING_LIST = `${[
  "Resources                                       Non-Resource URLs   Resource Names   Verbs",
  "selfsubjectreviews.authentication.k8s.io        []                  []               [create]",
  "selfsubjectaccessreviews.authorization.k8s.io   []                  []               [create]",
  "selfsubjectrulesreviews.authorization.k8s.io    []                  []               [create]",
  "*.*                                             []                  []               [get list watch]",
  "                                                [*]                 []               [get]",
  ...DISCOVERY_URLS,
].join("\n")}\n`;

describe("kubectl auth", () => {
  for (const v of ["1.28", "1.33"] as const) {
    it(`kubectl ${v} auth can-i: yes for the user and admin credentials, read-only for monitoring`, async () => {
      const c = v === "1.28" ? c128 : c133;
      const mon = await withCredential(c, "MonitoringUser");
      const admin = await withCredential(c, "Admin");
      for (const [who, args, out, code] of [
        [c, ["create", "pods"], "yes", 0],
        [c, ["delete", "nodes"], "yes", 0],
        [admin, ["create", "deployments.apps", "-n", "kube-system"], "yes", 0],
        [mon, ["create", "pods"], "no", 1],
        [mon, ["delete", "services"], "no", 1],
        [mon, ["get", "pods"], "yes", 0],
        [mon, ["list", "nodes"], "yes", 0],
      ] as const) {
        const r = await kubectl(who, ["auth", "can-i", ...args]);
        expect(r.stdout.trim()).toBe(out);
        expect(r.code).toBe(code);
      }
      // The monitoring credential still cannot write.
      const w = await kubectl(mon, ["create", "configmap", "x"]);
      expect(w.code).not.toBe(0);
      expect(w.stderr).toContain('forbidden: User "clusterMonitoringUser" cannot post');
    });

    it(`kubectl ${v} auth can-i --list: every rule for the user and admin credentials, reads for monitoring`, async () => {
      const c = v === "1.28" ? c128 : c133;
      const mon = await withCredential(c, "MonitoringUser");
      const admin = await withCredential(c, "Admin");
      for (const [who, want] of [
        [c, ADMIN_LIST],
        [admin, ADMIN_LIST],
        [mon, MONITORING_LIST],
      ] as const) {
        const r = await kubectl(who, ["auth", "can-i", "--list"]);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.stdout).toBe(want);
        // The same in another namespace.
        expect((await kubectl(who, ["auth", "can-i", "--list", "-n", "kube-system"])).stdout).toBe(want);
      }
      // can-i agrees with the list: the monitoring credential may create its own reviews.
      const self = await kubectl(mon, [
        "auth",
        "can-i",
        "create",
        "selfsubjectrulesreviews.authorization.k8s.io",
      ]);
      expect(self.stdout.trim()).toBe("yes");
      const ro = await kubectl(mon, ["auth", "can-i", "get", "/healthz"]);
      expect(ro.stdout.trim()).toBe("yes");
      const post = await kubectl(mon, ["auth", "can-i", "post", "/healthz"]);
      expect(post.stdout.trim()).toBe("no");
    });

    it(`kubectl ${v} auth whoami names AKS's users`, async () => {
      const c = v === "1.28" ? c128 : c133;
      const mon = await withCredential(c, "MonitoringUser");
      const admin = await withCredential(c, "Admin");
      for (const [who, user, groups] of [
        [c, "clusterUser", ["system:masters", "system:authenticated"]],
        [admin, "clusterAdmin", ["system:masters", "system:authenticated"]],
        [mon, "clusterMonitoringUser", ["system:authenticated"]],
      ] as const) {
        const r = await kubectl(who, ["auth", "whoami", "-o", "json"]);
        expect(r.stderr).toBe("");
        const o = JSON.parse(r.stdout) as Obj;
        expect(o.kind).toBe("SelfSubjectReview");
        expect(o.status.userInfo).toEqual({ username: user, groups });
      }
    });
  }

  it("a service account token is itself in whoami; reviews are create-only and validated", async () => {
    expect((await kubectl(c128, ["create", "serviceaccount", "bot"])).code).toBe(0);
    const token = (await kubectl(c128, ["create", "token", "bot"])).stdout.trim();
    const who = await kubectl(c128, ["auth", "whoami", "-o", "json", "--token", token]);
    expect(who.stderr).toBe("");
    const info = (JSON.parse(who.stdout) as Obj).status.userInfo;
    expect(info.username).toBe("system:serviceaccount:default:bot");
    expect(info.groups).toEqual([
      "system:serviceaccounts",
      "system:serviceaccounts:default",
      "system:authenticated",
    ]);
    const list = await kube(c128, "GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews");
    expect(list.status).toBe(405);
    const bad = await kube(c128, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectAccessReview",
      spec: {},
    });
    expect(bad.status).toBe(422);
    expect((bad.body as Obj).message).toContain(
      "exactly one of nonResourceAttributes or resourceAttributes must be specified",
    );
    const sar = await kube(c128, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: { user: "clusterMonitoringUser", resourceAttributes: { verb: "create", resource: "pods" } },
    });
    expect(sar.status).toBe(201);
    expect((sar.body as Obj).status.allowed).toBe(false);
    const noUser = await kube(c128, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
      spec: { resourceAttributes: { verb: "get", resource: "pods" } },
    });
    expect(noUser.status).toBe(422);
    const noNs = await kube(c128, "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectRulesReview",
      spec: {},
    });
    expect(noNs.status).toBe(400);
    expect((noNs.body as Obj).message).toBe("no namespace on request");
    const rules = await kube(c128, "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectRulesReview",
      spec: { namespace: "default" },
    });
    expect(rules.status).toBe(201);
    const rb = rules.body as Obj;
    expect([rb.apiVersion, rb.kind, rb.status.incomplete]).toEqual([
      "authorization.k8s.io/v1",
      "SelfSubjectRulesReview",
      false,
    ]);
    expect(rb.status.resourceRules[0]).toEqual({ verbs: ["*"], apiGroups: ["*"], resources: ["*"] });
    expect(rb.status.nonResourceRules[0]).toEqual({ verbs: ["*"], nonResourceURLs: ["*"] });
    const r = await kubectl(c128, ["api-resources", "--no-headers", "--api-group=authorization.k8s.io"]);
    const names = r.stdout
      .trim()
      .split("\n")
      .map((l) => l.trim().split(/\s+/)[0]);
    expect(names).toEqual(["selfsubjectaccessreviews", "selfsubjectrulesreviews", "subjectaccessreviews"]);
  });
});

describe("kubectl 1.33 sends these bodies as protobuf", () => {
  it("auth can-i (also --list) and auth whoami POST protobuf and are answered", async () => {
    const PB = /curl -v -XPOST .*-H "Content-Type: application\/vnd\.kubernetes\.protobuf"/;
    const can = await kubectl(c133, ["auth", "can-i", "create", "pods", "-v=9"]);
    expect(can.stderr).toMatch(PB);
    expect(can.stdout.trim()).toBe("yes");
    const list = await kubectl(c133, ["auth", "can-i", "--list", "-v=9"]);
    expect(list.stderr).toMatch(PB);
    expect(list.stdout).toBe(ADMIN_LIST);
    const who = await kubectl(c133, ["auth", "whoami", "-o", "json", "-v=9"]);
    expect(who.stderr).toMatch(PB);
    expect((JSON.parse(who.stdout) as Obj).status.userInfo.username).toBe("clusterUser");
  });
});
