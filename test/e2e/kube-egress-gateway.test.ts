// Seed 001's Kubernetes half with the real kubectl: the StaticGatewayConfiguration CRD follows
// `staticEgressGatewayProfile.enabled`, seed 001's YAML applied, the status (egress prefix,
// WireGuard server) filled by the controller, a wrong BYO prefix length reported as a
// ReconcileError event, hostNetwork pods refused, an annotated pod waiting for its prefix, and
// delete releasing the ILB rule, the node IPs and the automatic prefix (checked with the SDK).

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/emulator.js";
import { type KubeCluster, kubectl, manifestFile } from "../kube/kube-helpers.js";
import { until } from "../kube/workload-helpers.js";
import { type Clients, clusterBody, nodeRg, startClients } from "./aks-helpers.js";
import { pool, registerFeature } from "./aks-nodenet-helpers.js";

let c: Clients;
let k: KubeCluster;
const RG = "sgck";
const NAME = "egk";
const MC = nodeRg(RG, NAME);
const CRD = "staticgatewayconfigurations.egressgateway.kubernetes.azure.com";

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

const hasCrd = async () => (await kubectl(k, ["get", "crd", CRD, "-o", "name"])).code === 0;

describe("static egress gateway inside the cluster (seed 001)", () => {
  it("the CRD is absent until --enable-static-egress-gateway, then installed with its status subresource", async () => {
    expect(await hasCrd()).toBe(false);
    const mc = await c.aks.managedClusters.get(RG, NAME);
    mc.networkProfile = { ...mc.networkProfile, staticEgressGatewayProfile: { enabled: true } };
    await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, NAME, mc);
    await until(async () => ((await hasCrd()) ? true : undefined), 20_000);
    const crd = JSON.parse((await kubectl(k, ["get", "crd", CRD, "-o", "json"])).stdout) as {
      spec: { scope: string; versions: { name: string; subresources: unknown }[] };
    };
    expect(crd.spec.scope).toBe("Namespaced");
    expect(crd.spec.versions.map((v) => [v.name, v.subresources])).toEqual([["v1alpha1", { status: {} }]]);
    // A gateway pool of 2 nodes on a /31.
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
  }, 60_000);

  it("seed 001's YAML: status gets the egress prefix and the WireGuard server; describe shows them", async () => {
    await until(async () => {
      const r = await kubectl(k, [
        "api-resources",
        "--api-group=egressgateway.kubernetes.azure.com",
        "-o",
        "name",
      ]);
      return r.stdout.includes("staticgatewayconfigurations") ? true : undefined;
    }, 20_000);
    const applied = await kubectl(k, [
      "apply",
      "-f",
      manifestFile(`apiVersion: egressgateway.kubernetes.azure.com/v1alpha1
kind: StaticGatewayConfiguration
metadata:
  name: my-gateway
  namespace: default
spec:
  gatewayNodepoolName: gw
  excludeCidrs: # Optional
  - 10.0.0.0/8
  - 172.16.0.0/12
  - 169.254.169.254/32
`),
    ]);
    expect(applied.stderr).toBe("");
    expect(applied.stdout.trim()).toBe(
      "staticgatewayconfiguration.egressgateway.kubernetes.azure.com/my-gateway created",
    );
    type S = {
      metadata: { uid: string; finalizers?: string[] };
      spec: { provisionPublicIps: boolean; defaultRoute: string };
      status?: {
        egressIpPrefix?: string;
        gatewayServerProfile?: {
          ip: string;
          port: number;
          publicKey: string;
          privateKeySecretRef: { name: string; namespace: string };
        };
      };
    };
    const get = async () =>
      JSON.parse(
        (await kubectl(k, ["get", "staticgatewayconfiguration", "my-gateway", "-o", "json"])).stdout,
      ) as S;
    const s = await until(async () => {
      const o = await get();
      return o.status?.egressIpPrefix ? o : undefined;
    }, 15_000);
    expect(s.spec).toMatchObject({ provisionPublicIps: true, defaultRoute: "staticEgressGateway" });
    expect(s.metadata.finalizers).toEqual(["static-gateway-configuration-controller.microsoft.com"]);
    const uid = s.metadata.uid;
    const prefix = await c.net.publicIPPrefixes.get(MC, `egressgateway-${uid}`);
    expect(prefix.prefixLength).toBe(31);
    expect(s.status?.egressIpPrefix).toBe(prefix.ipPrefix);
    const ilb = await c.net.loadBalancers.get(MC, "kubeegressgateway-ilb");
    expect(ilb.loadBalancingRules?.map((r) => [r.name, r.protocol, r.frontendPort])).toEqual([
      [uid, "Udp", 6000],
    ]);
    const gsp = s.status?.gatewayServerProfile;
    expect(gsp?.ip).toBe(ilb.frontendIPConfigurations?.[0].privateIPAddress);
    expect(gsp?.port).toBe(6000);
    expect(gsp?.privateKeySecretRef).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      name: `sgw-${uid}`,
      namespace: "kube-system",
    });
    const secret = JSON.parse(
      (await kubectl(k, ["get", "secret", "-n", "kube-system", `sgw-${uid}`, "-o", "json"])).stdout,
    ) as { data: { PrivateKey: string; PublicKey: string } };
    expect(Buffer.from(secret.data.PublicKey, "base64").toString()).toBe(gsp?.publicKey);
    expect(Buffer.from(Buffer.from(secret.data.PrivateKey, "base64").toString(), "base64")).toHaveLength(32);

    const d = await kubectl(k, ["describe", "staticgatewayconfiguration", "my-gateway"]);
    expect(d.code).toBe(0);
    expect(d.stdout).toContain(`Egress Ip Prefix:  ${prefix.ipPrefix}`);
    expect(d.stdout).toMatch(new RegExp(`Ip:\\s+${gsp?.ip?.replace(/\./g, "\\.")}`));
    expect(d.stdout).toMatch(/Port:\s+6000/);
    expect(d.stdout).toMatch(new RegExp(`Public Key:\\s+${gsp?.publicKey?.replace(/[+/]/g, ".")}`));
    expect(d.stdout).toMatch(
      new RegExp(
        `Normal\\s+Reconciled\\s+.*StaticGatewayConfiguration provisioned with egress prefix ${prefix.ipPrefix?.replace(/\./g, "\\.")}`,
      ),
    );
  }, 60_000);

  it("a BYO prefix of the wrong length: ReconcileError event with the operator's message", async () => {
    const p28 = await c.net.publicIPPrefixes.beginCreateOrUpdateAndWait(RG, "byo28", {
      location: "eastus",
      prefixLength: 28,
      sku: { name: "Standard" },
    });
    const r = await kubectl(k, [
      "apply",
      "-f",
      manifestFile(`apiVersion: egressgateway.kubernetes.azure.com/v1alpha1
kind: StaticGatewayConfiguration
metadata: {name: byo, namespace: default}
spec:
  gatewayNodepoolName: gw
  publicIpPrefixId: ${p28.id}
`),
    ]);
    expect(r.code).toBe(0);
    const ev = await until(async () => {
      const e = await kubectl(k, [
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=byo,reason=ReconcileError",
        "-o",
        "jsonpath={.items[*].message}",
      ]);
      return e.stdout ? e.stdout : undefined;
    }, 15_000);
    expect(ev).toBe("provided public ip prefix has invalid length(28), required(31)");
    const s = JSON.parse(
      (await kubectl(k, ["get", "staticgatewayconfiguration", "byo", "-o", "json"])).stdout,
    ) as {
      status?: unknown;
    };
    expect(s.status).toBeUndefined();
  }, 30_000);

  it("an invalid spec gets an InvalidSpec event with the controller's words", async () => {
    await kubectl(k, [
      "apply",
      "-f",
      manifestFile(`apiVersion: egressgateway.kubernetes.azure.com/v1alpha1
kind: StaticGatewayConfiguration
metadata: {name: nopool, namespace: default}
spec: {provisionPublicIps: false, publicIpPrefixId: /x}
`),
    ]);
    const ev = await until(async () => {
      const e = await kubectl(k, [
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=nopool,reason=InvalidSpec",
        "-o",
        "jsonpath={.items[*].message}",
      ]);
      return e.stdout ? e.stdout : undefined;
    }, 15_000);
    expect(ev).toContain(
      'StaticGatewayConfiguration.egressgateway.kubernetes.azure.com "nopool" is invalid: [',
    );
    expect(ev).toContain("Either GatewayNodepoolName or GatewayVmssProfile must be provided");
    expect(ev).toContain("PublicIpPrefixId should be empty when ProvisionPublicIps is false");
  }, 30_000);

  it("hostNetwork pods with the annotation are refused; an annotated pod waits for its configuration", async () => {
    const host = await kubectl(k, [
      "apply",
      "-f",
      manifestFile(`apiVersion: v1
kind: Pod
metadata:
  name: hn
  annotations: {kubernetes.azure.com/static-gateway-configuration: my-gateway}
spec:
  hostNetwork: true
  containers: [{name: c, image: nginx}]
`),
    ]);
    expect(host.code).toBe(1);
    expect(host.stderr).toContain('Pod "hn" is invalid: spec.hostNetwork: Forbidden:');
    // In namespace other, "my-gateway" does not exist: the pod waits in ContainerCreating.
    const ns = await kubectl(k, [
      "apply",
      "-f",
      manifestFile("apiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n"),
    ]);
    expect(ns.stdout.trim()).toBe("namespace/other created");
    const w = await kubectl(k, [
      "apply",
      "-f",
      manifestFile(`apiVersion: v1
kind: Pod
metadata:
  name: waiting
  namespace: other
  annotations: {kubernetes.azure.com/static-gateway-configuration: my-gateway}
spec:
  containers: [{name: c, image: nginx}]
`),
    ]);
    expect(w.stderr).toBe("");
    const msg = await until(async () => {
      const e = await kubectl(k, [
        "get",
        "events",
        "-n",
        "other",
        "--field-selector",
        "involvedObject.name=waiting,reason=FailedCreatePodSandBox",
        "-o",
        "jsonpath={.items[*].message}",
      ]);
      return e.stdout ? e.stdout : undefined;
    }, 20_000).catch(async (e) => {
      console.log((await kubectl(k, ["get", "pod", "-n", "other", "waiting", "-o", "yaml"])).stdout);
      console.log((await kubectl(k, ["get", "events", "-n", "other"])).stdout);
      throw e;
    });
    expect(msg).toContain("the egress IP prefix is not ready yet.");
    const wait = JSON.parse(
      (await kubectl(k, ["get", "pod", "-n", "other", "waiting", "-o", "json"])).stdout,
    ) as {
      status: { phase: string; containerStatuses?: { state: { waiting?: { reason: string } } }[] };
    };
    expect(wait.status.phase).toBe("Pending");
    expect(wait.status.containerStatuses?.[0].state.waiting?.reason).toBe("ContainerCreating");
    // In default, where my-gateway is ready, the annotated pod runs.
    await kubectl(k, [
      "run",
      "ready",
      "--image=nginx",
      "--annotations=kubernetes.azure.com/static-gateway-configuration=my-gateway",
    ]);
    await until(async () => {
      const p = JSON.parse((await kubectl(k, ["get", "pod", "ready", "-o", "json"])).stdout) as {
        status: { phase: string };
      };
      return p.status.phase === "Running" ? true : undefined;
    }, 20_000);
  }, 60_000);

  it("delete releases the ILB rule, the node public IPs and the automatic prefix, then the object goes", async () => {
    const uid = (
      await kubectl(k, ["get", "staticgatewayconfiguration", "my-gateway", "-o", "jsonpath={.metadata.uid}"])
    ).stdout;
    const del = await kubectl(k, ["delete", "staticgatewayconfiguration", "my-gateway", "--timeout=20s"]);
    expect(del.stdout.trim()).toBe(
      'staticgatewayconfiguration.egressgateway.kubernetes.azure.com "my-gateway" deleted',
    );
    const gone = await kubectl(k, ["get", "staticgatewayconfiguration", "my-gateway"]);
    expect(gone.stderr).toContain("NotFound");
    await expect(c.net.publicIPPrefixes.get(MC, `egressgateway-${uid}`)).rejects.toMatchObject({
      statusCode: 404,
    });
    const pips = [];
    for await (const p of c.net.publicIPAddresses.list(MC)) pips.push(p.name ?? "");
    expect(pips.filter((n) => n.startsWith(`egressgateway-${uid}`))).toEqual([]);
    await expect(c.net.loadBalancers.get(MC, "kubeegressgateway-ilb")).rejects.toMatchObject({
      statusCode: 404,
    });
    const secret = await kubectl(k, ["get", "secret", "-n", "kube-system", `sgw-${uid}`]);
    expect(secret.stderr).toContain("NotFound");
  }, 60_000);
});
