// The kinds AKS users create beyond workloads, with the machine's real kubectl (1.28, whose
// typed generators send JSON; 1.33's send protobuf, see docs/ARCHITECTURE.md) and raw JSON:
// RBAC (stored, not enforced), PodDisruptionBudgets, PriorityClasses, HorizontalPodAutoscalers,
// StorageClasses, IngressClasses, CronJobs, ControllerRevisions, and service account tokens
// (TokenRequest) that open their own cluster only, while their service account lives.

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
let c: KubeCluster;
let other: KubeCluster;
beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await createCluster(emu, "kinds128", "1.28");
  other = await createCluster(emu, "kinds133", "1.33");
});
afterAll(async () => {
  await emu?.close();
});

describe("kinds beyond workloads", () => {
  it("api-resources lists them; discovery names the token subresource", async () => {
    const r = await kubectl(c, ["api-resources", "--no-headers"]);
    expect(r.code).toBe(0);
    const got = rows(r.stdout).map((x) => x.join(" "));
    for (const line of [
      "roles rbac.authorization.k8s.io/v1 true Role",
      "rolebindings rbac.authorization.k8s.io/v1 true RoleBinding",
      "clusterroles rbac.authorization.k8s.io/v1 false ClusterRole",
      "clusterrolebindings rbac.authorization.k8s.io/v1 false ClusterRoleBinding",
      "poddisruptionbudgets pdb policy/v1 true PodDisruptionBudget",
      "priorityclasses pc scheduling.k8s.io/v1 false PriorityClass",
      "horizontalpodautoscalers hpa autoscaling/v2 true HorizontalPodAutoscaler",
      "storageclasses sc storage.k8s.io/v1 false StorageClass",
      "ingressclasses networking.k8s.io/v1 false IngressClass",
      "cronjobs cj batch/v1 true CronJob",
      "controllerrevisions apps/v1 true ControllerRevision",
    ])
      expect(got).toContain(line);
    const core = (await kube(c, "GET", "/api/v1")).body as Obj;
    const token = (core.resources as Obj[]).find((x) => x.name === "serviceaccounts/token");
    expect(token).toMatchObject({
      kind: "TokenRequest",
      group: "authentication.k8s.io",
      version: "v1",
      verbs: ["create"],
    });
  });

  it("AKS's storage classes, system priority classes and default cluster roles are there from the start", async () => {
    const sc = await kubectl(c, ["get", "storageclass", "--no-headers"]);
    expect(rows(sc.stdout).map((x) => x.slice(0, 5).join(" "))).toEqual([
      "azurefile file.csi.azure.com Delete Immediate true",
      "azurefile-csi file.csi.azure.com Delete Immediate true",
      "azurefile-csi-premium file.csi.azure.com Delete Immediate true",
      "azurefile-premium file.csi.azure.com Delete Immediate true",
      "default (default) disk.csi.azure.com Delete WaitForFirstConsumer true",
      "managed disk.csi.azure.com Delete WaitForFirstConsumer true",
      "managed-csi disk.csi.azure.com Delete WaitForFirstConsumer true",
      "managed-csi-premium disk.csi.azure.com Delete WaitForFirstConsumer true",
      "managed-premium disk.csi.azure.com Delete WaitForFirstConsumer true",
    ]);
    const pc = await kubectl(c, ["get", "priorityclass", "--no-headers"]);
    expect(rows(pc.stdout).map((x) => [x[0], x[1], x[2], x[4]].join(" "))).toEqual([
      "system-cluster-critical 2000000000 false PreemptLowerPriority",
      "system-node-critical 2000001000 false PreemptLowerPriority",
    ]);
    const cr = await kubectl(c, ["get", "clusterroles", "-o", "name"]);
    expect(cr.stdout.trim().split("\n")).toEqual([
      "clusterrole.rbac.authorization.k8s.io/admin",
      "clusterrole.rbac.authorization.k8s.io/cluster-admin",
      "clusterrole.rbac.authorization.k8s.io/edit",
      "clusterrole.rbac.authorization.k8s.io/view",
    ]);
    const admin = (await kube(c, "GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/cluster-admin"))
      .body as Obj;
    expect(admin.rules).toEqual([
      { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
      { nonResourceURLs: ["*"], verbs: ["*"] },
    ]);
  });

  it("kubectl 1.28 create role / clusterrolebinding / pdb / priorityclass / cronjob, printed as a real cluster prints them", async () => {
    const out = async (args: string[]) => {
      const r = await kubectl(c, args);
      expect(r.stderr).toBe("");
      return r.stdout;
    };
    expect(await out(["create", "role", "pod-reader", "--verb=get,list", "--resource=pods"])).toBe(
      "role.rbac.authorization.k8s.io/pod-reader created\n",
    );
    const role = (
      await kube(c, "GET", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/pod-reader")
    ).body as Obj;
    expect(role.rules).toEqual([{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }]);
    expect(
      await out(["create", "clusterrolebinding", "devs-view", "--clusterrole=view", "--group=devs"]),
    ).toBe("clusterrolebinding.rbac.authorization.k8s.io/devs-view created\n");
    const crb = rows(await out(["get", "clusterrolebinding", "devs-view", "-o", "wide"]));
    expect(crb[0]).toEqual(["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"]);
    expect([crb[1][0], crb[1][1], crb[1][3]]).toEqual(["devs-view", "ClusterRole/view", "devs"]);
    expect(await out(["create", "pdb", "web-pdb", "--selector=app=web", "--min-available=2"])).toBe(
      "poddisruptionbudget.policy/web-pdb created\n",
    );
    const pdb = rows(await out(["get", "pdb", "web-pdb"]));
    expect(pdb[0]).toEqual(["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"]);
    expect(pdb[1].slice(0, 4)).toEqual(["web-pdb", "2", "N/A", "0"]);
    expect(await out(["create", "priorityclass", "high", "--value=1000", "--description=batch"])).toBe(
      "priorityclass.scheduling.k8s.io/high created\n",
    );
    expect(await out(["create", "cronjob", "tick", "--image=busybox:1.36", "--schedule=5 4 1 1 *"])).toBe(
      "cronjob.batch/tick created\n",
    );
    const cj = (await kube(c, "GET", "/apis/batch/v1/namespaces/default/cronjobs/tick")).body as Obj;
    // CronJob defaults (batch/v1 SetDefaults_CronJob).
    expect([
      cj.spec.concurrencyPolicy,
      cj.spec.suspend,
      cj.spec.successfulJobsHistoryLimit,
      cj.spec.failedJobsHistoryLimit,
    ]).toEqual(["Allow", false, 3, 1]);
    // printCronJob: LAST SCHEDULE is <none> until the first run.
    const row = (await kubectl(c, ["get", "cronjob", "tick", "--no-headers"])).stdout.trim().split(/\s{2,}/);
    expect(row.slice(0, 6)).toEqual(["tick", "5 4 1 1 *", "<none>", "False", "0", "<none>"]);
  });

  it("a RoleBinding and an HPA through JSON, with their columns", async () => {
    const rb = await kube(c, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "readers" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader" },
      subjects: [
        { kind: "User", name: "alice", apiGroup: "rbac.authorization.k8s.io" },
        { kind: "ServiceAccount", name: "default", namespace: "default" },
      ],
    });
    expect(rb.status).toBe(201);
    const rbRows = rows((await kubectl(c, ["get", "rolebinding", "readers", "-o", "wide"])).stdout);
    expect([rbRows[1][0], rbRows[1][1], rbRows[1][3], rbRows[1][4]]).toEqual([
      "readers",
      "Role/pod-reader",
      "alice",
      "default/default",
    ]);
    const hpa = await kube(c, "POST", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers", {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "web" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
          },
        ],
      },
    });
    expect(hpa.status).toBe(201);
    const h = rows((await kubectl(c, ["get", "hpa", "web"])).stdout);
    expect(h[0]).toEqual(["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]);
    expect(h[1].slice(0, 6)).toEqual(["web", "Deployment/web", "cpu: <unknown>/50%", "2", "5", "0"]);
  });

  it("kubectl create token: the token opens its cluster, not another, and not once its service account is gone", async () => {
    expect((await kubectl(c, ["create", "serviceaccount", "bot"])).stdout).toBe(
      "serviceaccount/bot created\n",
    );
    const t = await kubectl(c, ["create", "token", "bot", "--duration=20m"]);
    expect(t.stderr).toBe("");
    const token = t.stdout.trim();
    const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")) as Obj;
    expect(claims.sub).toBe("system:serviceaccount:default:bot");
    expect(claims.exp - claims.iat).toBe(1200);
    expect(claims["kubernetes.io"]).toMatchObject({ namespace: "default", serviceaccount: { name: "bot" } });
    const as = (k: KubeCluster, p: string) =>
      fetch(`${k.server}${p}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await as(c, "/api/v1/namespaces/default/pods")).toBe(200);
    expect(await as(other, "/api/v1/namespaces/default/pods")).toBe(401);
    const short = await kube(c, "POST", "/api/v1/namespaces/default/serviceaccounts/bot/token", {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: { expirationSeconds: 60 },
    });
    expect(short.status).toBe(422);
    expect((short.body as Obj).message).toBe(
      'TokenRequest.authentication.k8s.io "bot" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
    );
    const missing = await kube(c, "POST", "/api/v1/namespaces/default/serviceaccounts/nobody/token", {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: {},
    });
    expect(missing.status).toBe(404);
    expect((missing.body as Obj).message).toBe('serviceaccounts "nobody" not found');
    expect((await kubectl(c, ["delete", "serviceaccount", "bot"])).code).toBe(0);
    expect(await as(c, "/api/v1/namespaces/default/pods")).toBe(401);
  });

  it("kubectl 1.33 (protobuf bodies): create rolebinding / pdb / priorityclass, and create token", async () => {
    for (const [args, want] of [
      [
        ["create", "role", "r", "--verb=get", "--resource=pods"],
        "role.rbac.authorization.k8s.io/r created\n",
      ],
      [
        ["create", "rolebinding", "rb", "--role=r", "--user=alice"],
        "rolebinding.rbac.authorization.k8s.io/rb created\n",
      ],
      [
        ["create", "pdb", "p", "--selector=a=b", "--max-unavailable=1"],
        "poddisruptionbudget.policy/p created\n",
      ],
      [["create", "priorityclass", "low", "--value=10"], "priorityclass.scheduling.k8s.io/low created\n"],
      [["create", "serviceaccount", "robot"], "serviceaccount/robot created\n"],
    ] as const) {
      const r = await kubectl(other, [...args]);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe(want);
    }
    const t = await kubectl(other, ["create", "token", "robot"]);
    expect(t.stderr).toBe("");
    const token = t.stdout.trim();
    const r = await fetch(`${other.server}/api/v1/namespaces`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.status).toBe(200);
  });
});
