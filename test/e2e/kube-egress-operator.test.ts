// The static egress gateway add-on's own objects, with the real kubectl: the PodEndpoint and
// GatewayStatus CRDs and the operator's workloads in kube-system come with
// `staticEgressGatewayProfile.enabled` and go with it; the CNI manager's PodEndpoint per annotated
// pod (IP, pod public key, configuration; controlled by the pod) and the gateway daemon's
// GatewayStatus per gateway node (configurations served as wg-<port>, the peers on them).

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/emulator.js";
import { type KubeCluster, kubectl, manifestFile } from "../kube/kube-helpers.js";
import { until } from "../kube/workload-helpers.js";
import { type Clients, clusterBody, startClients } from "./aks-helpers.js";
import { pool, registerFeature } from "./aks-nodenet-helpers.js";

let c: Clients;
let k: KubeCluster;
const RG = "sgcop";
const NAME = "ego";
const GROUP = "egressgateway.kubernetes.azure.com";

const json = async <T>(...args: string[]): Promise<T> => {
  const r = await kubectl(k, [...args, "-o", "json"]);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
};

const OPERATOR = [
  "serviceaccount/kube-egress-gateway-cni-manager",
  "serviceaccount/kube-egress-gateway-controller-manager",
  "serviceaccount/kube-egress-gateway-daemon-manager",
  "configmap/cni-uninstall",
  "deployment.apps/kube-egress-gateway-controller-manager",
  "daemonset.apps/kube-egress-gateway-cni-manager",
  "daemonset.apps/kube-egress-gateway-daemon-manager",
];
const operatorObjects = async () => {
  const out: string[] = [];
  for (const kind of ["serviceaccount", "configmap", "deployment", "daemonset"]) {
    const r = await kubectl(k, ["get", kind, "-n", "kube-system", "-o", "name"]);
    out.push(
      ...r.stdout.split("\n").filter((l) => l.includes("egress-gateway") || l === "configmap/cni-uninstall"),
    );
  }
  return out;
};
const crds = async () =>
  (await kubectl(k, ["get", "crd", "-o", "name"])).stdout
    .split("\n")
    .filter((l) => l.endsWith(GROUP))
    .sort();

beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
  await registerFeature(c, "StaticEgressGatewayPreview");
  await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, NAME, clusterBody({ count: 1 }));
  const cred = await c.aks.managedClusters.listClusterUserCredentials(RG, NAME);
  const kubeconfig = Buffer.from(cred.kubeconfigs?.[0].value ?? new Uint8Array()).toString("utf8");
  const server = /server: (\S+)/.exec(kubeconfig)?.[1] ?? "";
  const token = /token: (\S+)/.exec(kubeconfig)?.[1] ?? "";
  const kubeconfigPath = path.join(tempDir("aksnet-kubeconfig-"), "config");
  fs.writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
  k = {
    name: NAME,
    uid: server.split("/clusters/")[1],
    server,
    token,
    adminToken: token,
    kubeconfig,
    kubeconfigPath,
  };
}, 120_000);
afterAll(async () => c?.emu.close());

interface GatewayStatus {
  metadata: {
    name: string;
    namespace: string;
    ownerReferences: { kind: string; name: string; controller?: boolean }[];
  };
  spec: {
    readyGatewayConfigurations?: { interfaceName: string; staticGatewayConfiguration: string }[];
    readyPeerConfigurations?: { interfaceName: string; podEndpoint: string; publicKey: string }[];
  };
}

describe("the egress gateway add-on's objects", () => {
  it("enabling installs the PodEndpoint and GatewayStatus CRDs and the operator's workloads in kube-system", async () => {
    expect(await crds()).toEqual([]);
    expect(await operatorObjects()).toEqual([]);
    const mc = await c.aks.managedClusters.get(RG, NAME);
    mc.networkProfile = { ...mc.networkProfile, staticEgressGatewayProfile: { enabled: true } };
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, NAME, mc);
    await c.aks.agentPools.beginCreateOrUpdateAndWait(
      RG,
      NAME,
      "gw",
      pool({
        count: 2,
        mode: "Gateway",
        vmSize: "Standard_D4s_v5",
        gatewayProfile: { publicIPPrefixSize: 31 },
      }),
    );
    await until(async () => ((await crds()).length === 3 ? true : undefined), 20_000);
    expect(await crds()).toEqual([
      `customresourcedefinition.apiextensions.k8s.io/gatewaystatuses.${GROUP}`,
      `customresourcedefinition.apiextensions.k8s.io/podendpoints.${GROUP}`,
      `customresourcedefinition.apiextensions.k8s.io/staticgatewayconfigurations.${GROUP}`,
    ]);
    const pe = await json<{
      spec: {
        scope: string;
        names: { kind: string };
        versions: {
          name: string;
          subresources: unknown;
          schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, unknown> } } } };
        }[];
      };
    }>("get", "crd", `podendpoints.${GROUP}`);
    expect(pe.spec.scope).toBe("Namespaced");
    expect(pe.spec.names.kind).toBe("PodEndpoint");
    expect(pe.spec.versions.map((v) => [v.name, v.subresources])).toEqual([["v1alpha1", { status: {} }]]);
    expect(Object.keys(pe.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties).sort()).toEqual(
      ["podIpAddress", "podPublicKey", "staticGatewayConfiguration"],
    );
    await until(
      async () => ((await operatorObjects()).length === OPERATOR.length ? true : undefined),
      20_000,
    );
    expect((await operatorObjects()).sort()).toEqual([...OPERATOR].sort());
    // The daemon runs on the two gateway nodes only, the CNI manager on the other (one) node.
    type Ds = {
      status: { desiredNumberScheduled: number };
      spec: { template: { spec: { nodeSelector: Record<string, string> } } };
    };
    const ds = await until(async () => {
      const d = await json<Ds>("get", "daemonset", "-n", "kube-system", "kube-egress-gateway-daemon-manager");
      const n = await json<Ds>("get", "daemonset", "-n", "kube-system", "kube-egress-gateway-cni-manager");
      return d.status.desiredNumberScheduled === 2 && n.status.desiredNumberScheduled === 1 ? d : undefined;
    }, 20_000);
    expect(ds.spec.template.spec.nodeSelector).toEqual({ "kubeegressgateway.azure.com/mode": "true" });
    const cm = await json<{ data: Record<string, string> }>(
      "get",
      "configmap",
      "-n",
      "kube-system",
      "cni-uninstall",
    );
    expect(cm.data).toEqual({ uninstall: "false" });
  }, 120_000);

  it("an annotated pod gets a PodEndpoint; every gateway node's GatewayStatus lists the configuration and the peer", async () => {
    await kubectl(k, [
      "apply",
      "-f",
      manifestFile(`apiVersion: ${GROUP}/v1alpha1
kind: StaticGatewayConfiguration
metadata: {name: my-gateway, namespace: default}
spec: {gatewayNodepoolName: gw}
---
apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations: {kubernetes.azure.com/static-gateway-configuration: my-gateway}
spec:
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata: {name: plain}
spec:
  containers: [{name: c, image: nginx}]
`),
    ]);
    const pod = await until(async () => {
      const p = await json<{ metadata: { uid: string }; status: { phase: string; podIP?: string } }>(
        "get",
        "pod",
        "app",
      );
      return p.status.phase === "Running" ? p : undefined;
    }, 30_000);
    type Pe = {
      metadata: { ownerReferences: { kind: string; name: string; uid: string; controller: boolean }[] };
      spec: { podIpAddress: string; podPublicKey: string; staticGatewayConfiguration: string };
    };
    const pe = await until(async () => {
      const r = await kubectl(k, ["get", "podendpoints", "-o", "json"]);
      const items = (JSON.parse(r.stdout) as { items: (Pe & { metadata: { name: string } })[] }).items;
      return items.length ? items : undefined;
    }, 20_000);
    expect(pe.map((p) => p.metadata.name)).toEqual(["app"]); // the plain pod has none
    expect(pe[0].spec.podIpAddress).toBe(`${pod.status.podIP}/32`);
    expect(pe[0].spec.staticGatewayConfiguration).toBe("my-gateway");
    expect(Buffer.from(pe[0].spec.podPublicKey, "base64")).toHaveLength(32);
    expect(pe[0].metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "Pod", name: "app", uid: pod.metadata.uid, controller: true }),
    ]);
    const port = (
      await kubectl(k, [
        "get",
        "staticgatewayconfiguration",
        "my-gateway",
        "-o",
        "jsonpath={.status.gatewayServerProfile.port}",
      ])
    ).stdout;
    expect(port).toBe("6000");
    const gwNodes = (
      await kubectl(k, ["get", "nodes", "-l", "kubeegressgateway.azure.com/mode=true", "-o", "name"])
    ).stdout
      .trim()
      .split("\n")
      .map((n) => n.replace("node/", ""))
      .sort();
    expect(gwNodes).toHaveLength(2);
    const statuses = await until(async () => {
      const l = await json<{ items: GatewayStatus[] }>("get", "gatewaystatuses", "-n", "kube-system");
      return l.items.length === 2 && l.items.every((s) => s.spec.readyPeerConfigurations?.length)
        ? l.items
        : undefined;
    }, 20_000);
    expect(statuses.map((s) => s.metadata.name).sort()).toEqual(gwNodes);
    for (const s of statuses) {
      expect(s.metadata.ownerReferences).toEqual([
        expect.objectContaining({ kind: "Node", name: s.metadata.name }),
      ]);
      expect(s.metadata.ownerReferences[0].controller).toBeUndefined();
      expect(s.spec).toEqual({
        readyGatewayConfigurations: [
          { interfaceName: "wg-6000", staticGatewayConfiguration: "default/my-gateway" },
        ],
        readyPeerConfigurations: [
          { interfaceName: "wg-6000", podEndpoint: "default/app", publicKey: pe[0].spec.podPublicKey },
        ],
      });
    }
  }, 90_000);

  it("deleting the pod removes its PodEndpoint and the peer; disabling the feature removes the add-on", async () => {
    const del = await kubectl(k, ["delete", "pod", "app", "--wait=true"]);
    expect(del.stdout.trim()).toBe('pod "app" deleted');
    await until(async () => {
      const r = await kubectl(k, ["get", "podendpoints", "-o", "name"]);
      return r.stdout.trim() === "" ? true : undefined;
    }, 20_000);
    const statuses = await until(async () => {
      const l = await json<{ items: GatewayStatus[] }>("get", "gatewaystatuses", "-n", "kube-system");
      return l.items.every((s) => (s.spec.readyPeerConfigurations ?? []).length === 0) ? l.items : undefined;
    }, 20_000);
    expect(statuses.map((s) => s.spec.readyGatewayConfigurations)).toEqual([
      [{ interfaceName: "wg-6000", staticGatewayConfiguration: "default/my-gateway" }],
      [{ interfaceName: "wg-6000", staticGatewayConfiguration: "default/my-gateway" }],
    ]);
    await kubectl(k, ["delete", "staticgatewayconfiguration", "my-gateway", "--timeout=30s"]);
    await c.aks.agentPools.beginDeleteAndWait(RG, NAME, "gw");
    const mc = await c.aks.managedClusters.get(RG, NAME);
    mc.networkProfile = { ...mc.networkProfile, staticEgressGatewayProfile: { enabled: false } };
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, NAME, mc);
    await until(
      async () => ((await crds()).length === 0 && (await operatorObjects()).length === 0 ? true : undefined),
      30_000,
    );
    // Their pods go gracefully (Terminating until their kubelet stopped them).
    await until(async () =>
      (await kubectl(k, ["get", "pods", "-n", "kube-system", "-o", "name"])).stdout.includes("egress-gateway")
        ? undefined
        : true,
    );
  }, 120_000);
});
