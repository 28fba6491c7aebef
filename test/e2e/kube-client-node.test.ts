// @kubernetes/client-node 1.4 (the Node 20 line) against an emulated cluster, with the
// kubeconfig listClusterUserCredential returns: typed CRUD, the four patch types, custom
// objects, watch, and the errors it surfaces.
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import { createCluster, type KubeCluster, startKubeEmulator } from "../kube/kube-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;
let kc: k8s.KubeConfig;

beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await createCluster(emu, "cn", "1.30");
  kc = new k8s.KubeConfig();
  kc.loadFromString(c.kubeconfig);
});
afterAll(async () => {
  await emu?.close();
});

const deployment = (): k8s.V1Deployment => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "api", labels: { app: "api" } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: "api" } },
    template: {
      metadata: { labels: { app: "api" } },
      spec: {
        containers: [
          { name: "api", image: "nginx:1.27", env: [{ name: "A", value: "1" }] },
          { name: "log", image: "busybox:1.36" },
        ],
      },
    },
  },
});

describe("@kubernetes/client-node 1.4", () => {
  it("creates, reads and lists typed objects", async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const created = await apps.createNamespacedDeployment({ namespace: "default", body: deployment() });
    expect(created.metadata?.generation).toBe(1);
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    const read = await apps.readNamespacedDeployment({ name: "api", namespace: "default" });
    expect(read.spec?.template.spec?.containers.map((x) => x.name)).toEqual(["api", "log"]);
    const list = await apps.listNamespacedDeployment({ namespace: "default", labelSelector: "app=api" });
    expect(list.items.map((d) => d.metadata?.name)).toEqual(["api"]);
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThanOrEqual(
      Number(read.metadata?.resourceVersion),
    );
  });

  it("patches with strategic merge, merge, JSON patch and server-side apply", async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const smp = await apps.patchNamespacedDeployment(
      {
        name: "api",
        namespace: "default",
        body: {
          spec: { template: { spec: { containers: [{ name: "api", env: [{ name: "B", value: "2" }] }] } } },
        },
      },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
    );
    expect(smp.spec?.template.spec?.containers[0].env).toEqual([
      { name: "A", value: "1" },
      { name: "B", value: "2" },
    ]);
    expect(smp.spec?.template.spec?.containers.map((x) => x.name)).toEqual(["api", "log"]);
    expect(smp.metadata?.generation).toBe(2);
    const merge = await apps.patchNamespacedDeployment(
      { name: "api", namespace: "default", body: { metadata: { labels: { tier: "web" } } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    expect(merge.metadata?.labels).toEqual({ app: "api", tier: "web" });
    expect(merge.metadata?.generation).toBe(2);
    const json = await apps.patchNamespacedDeployment(
      { name: "api", namespace: "default", body: [{ op: "replace", path: "/spec/replicas", value: 4 }] },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
    );
    expect(json.spec?.replicas).toBe(4);
    const objs = k8s.KubernetesObjectApi.makeApiClient(kc);
    const applied = await objs.patch(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "ssa", namespace: "default" },
        data: { a: "1" },
      },
      undefined,
      undefined,
      "client-node",
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    expect((applied as k8s.V1ConfigMap).data).toEqual({ a: "1" });
    const entries = (applied as k8s.V1ConfigMap).metadata?.managedFields ?? [];
    expect(entries.map((m) => [m.manager, m.operation])).toEqual([["client-node", "Apply"]]);
  });

  it("surfaces kube-apiserver's errors", async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const err = await core
      .readNamespacedPod({ name: "web-1", namespace: "default" })
      .catch((e: unknown) => e);
    expect((err as k8s.ApiException<unknown>).code).toBe(404);
    expect(JSON.parse(String((err as k8s.ApiException<string>).body))).toMatchObject({
      kind: "Status",
      reason: "NotFound",
      message: 'pods "web-1" not found',
      details: { name: "web-1", kind: "pods" },
    });
    const cm = await core.readNamespacedConfigMap({ name: "ssa", namespace: "default" });
    await core.replaceNamespacedConfigMap({
      name: "ssa",
      namespace: "default",
      body: { ...cm, data: { a: "2" } },
    });
    const stale = await core
      .replaceNamespacedConfigMap({ name: "ssa", namespace: "default", body: { ...cm, data: { a: "3" } } })
      .catch((e: unknown) => e);
    expect((stale as k8s.ApiException<unknown>).code).toBe(409);
    expect(JSON.parse(String((stale as k8s.ApiException<string>).body)).message).toBe(
      'Operation cannot be fulfilled on configmaps "ssa": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it("custom objects through a CRD", async () => {
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: "staticgatewayconfigurations.egressgateway.kubernetes.azure.com" },
        spec: {
          group: "egressgateway.kubernetes.azure.com",
          scope: "Namespaced",
          names: {
            plural: "staticgatewayconfigurations",
            singular: "staticgatewayconfiguration",
            kind: "StaticGatewayConfiguration",
            shortNames: ["sgc"],
          },
          versions: [
            {
              name: "v1alpha1",
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: "object",
                  properties: {
                    spec: {
                      type: "object",
                      required: ["gatewayNodepoolName"],
                      properties: {
                        gatewayNodepoolName: { type: "string" },
                        excludeCidrs: { type: "array", items: { type: "string" } },
                      },
                    },
                    status: { type: "object", x_kubernetes_preserve_unknown_fields: true },
                  },
                },
              },
            },
          ],
        },
      },
    });
    const co = kc.makeApiClient(k8s.CustomObjectsApi);
    const g = "egressgateway.kubernetes.azure.com";
    await co.createNamespacedCustomObject({
      group: g,
      version: "v1alpha1",
      namespace: "default",
      plural: "staticgatewayconfigurations",
      body: {
        apiVersion: `${g}/v1alpha1`,
        kind: "StaticGatewayConfiguration",
        metadata: { name: "sgc1" },
        spec: { gatewayNodepoolName: "gw" },
      },
    });
    const list = (await co.listNamespacedCustomObject({
      group: g,
      version: "v1alpha1",
      namespace: "default",
      plural: "staticgatewayconfigurations",
    })) as {
      items: { metadata: { name: string }; spec: { gatewayNodepoolName: string } }[];
    };
    expect(list.items.map((i) => [i.metadata.name, i.spec.gatewayNodepoolName])).toEqual([["sgc1", "gw"]]);
    const bad = await co
      .createNamespacedCustomObject({
        group: g,
        version: "v1alpha1",
        namespace: "default",
        plural: "staticgatewayconfigurations",
        body: {
          apiVersion: `${g}/v1alpha1`,
          kind: "StaticGatewayConfiguration",
          metadata: { name: "sgc2" },
          spec: {},
        },
      })
      .catch((e: unknown) => e);
    expect((bad as k8s.ApiException<unknown>).code).toBe(422);
    expect(JSON.parse(String((bad as k8s.ApiException<string>).body)).message).toBe(
      'StaticGatewayConfiguration.egressgateway.kubernetes.azure.com "sgc2" is invalid: spec.gatewayNodepoolName: Required value',
    );
  });

  it("watches: ADDED for the current state, then changes in order", async () => {
    const w = new k8s.Watch(kc);
    const seen: string[] = [];
    const ac = await w.watch(
      "/api/v1/namespaces/default/configmaps",
      {},
      (type, obj: k8s.V1ConfigMap) => seen.push(`${type} ${obj.metadata?.name}`),
      () => undefined,
    );
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "w1" } } });
    await core.deleteNamespacedConfigMap({ name: "w1", namespace: "default" });
    for (let i = 0; i < 50 && seen.length < 4; i++) await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    expect(seen).toEqual(["ADDED kube-root-ca.crt", "ADDED ssa", "ADDED w1", "DELETED w1"]);
  });
});
