// `aksnet trace --from-pod` for destinations outside the cluster (issue 13 item 4), on a kubenet
// cluster built with the SDKs and pods made with the real kubectl: an annotated pod goes through
// WireGuard to a gateway node and leaves from that node's address in the egress prefix; an excluded
// destination, IMDS, or a pod without the annotation goes the normal way (kubenet NAT to the node's
// primary IP, then the cluster load balancer's outbound IP). Both the admin route and the built CLI.

import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PodTraceResult } from "../../src/kube/trace/podTrace.js";
import { tempDir } from "../helpers/emulator.js";
import { type KubeCluster, kubectl, manifestFile } from "../kube/kube-helpers.js";
import { until } from "../kube/workload-helpers.js";
import { type Clients, clusterBody, nodeRg, startClients } from "./aks-helpers.js";
import { pool, registerFeature } from "./aks-nodenet-helpers.js";

const run = promisify(execFile);
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const bin = path.join(repo, "bin", "aksnet.js");

let c: Clients;
let k: KubeCluster;
let dataDir: string;
const RG = "sgctrace";
const NAME = "egt";
const MC = nodeRg(RG, NAME);

async function raw(body: Record<string, unknown>): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${c.emu.url}/_aksnet/trace`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await c.emu.token()}` },
    body: JSON.stringify({ resourceGroup: RG, cluster: NAME, ...body }),
  });
  return { status: res.status, json: await res.json() };
}

async function trace(fromPod: string, to: string): Promise<PodTraceResult> {
  const r = await raw({ fromPod, to });
  if (r.status !== 200) throw new Error(`trace answered ${r.status}: ${JSON.stringify(r.json)}`);
  return r.json as PodTraceResult;
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [bin, "trace", ...args], {
      env: { PATH: process.env.PATH ?? "", AKSNET_DATA_DIR: dataDir },
      cwd: dataDir,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? 1, stdout: x.stdout ?? "", stderr: x.stderr ?? "" };
  }
}

const podJson = async (name: string) =>
  JSON.parse((await kubectl(k, ["get", "pod", name, "-o", "json"])).stdout) as {
    status: { phase: string; podIP?: string; hostIP?: string };
    spec: { nodeName: string };
  };

let uid = "";
/** Gateway node computer name → its egress address (the SDK's view of the public IPs). */
const egress = new Map<string, string>();
let outboundIp = "";

beforeAll(async () => {
  if (!fs.existsSync(path.join(repo, "dist", "cli", "trace.js")))
    throw new Error("dist/cli/trace.js is missing: build first (npx tsc -p tsconfig.json)");
  c = await startClients();
  dataDir = tempDir("aksnet-trace-pod-");
  fs.writeFileSync(
    path.join(dataDir, "aksnet.json"),
    JSON.stringify({
      armEndpoint: c.emu.url,
      caFile: c.emu.caFile,
      tenantId: c.emu.tenantId,
      subscriptionId: c.emu.subscriptionId,
      pid: process.pid,
      dataDir,
      inMemory: true,
    }),
  );
  fs.writeFileSync(path.join(dataDir, "admin.token"), `${c.emu.adminSecret}\n`, { mode: 0o600 });
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
  await registerFeature(c, "StaticEgressGatewayPreview");
  const body = clusterBody({ count: 1 });
  body.networkProfile = {
    ...body.networkProfile,
    networkPolicy: "calico",
    staticEgressGatewayProfile: { enabled: true },
  };
  await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, NAME, body);
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
  await until(async () => {
    const r = await kubectl(k, [
      "api-resources",
      "--api-group=egressgateway.kubernetes.azure.com",
      "-o",
      "name",
    ]);
    return r.stdout.includes("staticgatewayconfigurations") ? true : undefined;
  }, 30_000);
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
  excludeCidrs:
  - 10.0.0.0/8
  - 172.16.0.0/12
  - 169.254.169.254/32
---
apiVersion: v1
kind: Pod
metadata:
  name: annotated
  annotations: {kubernetes.azure.com/static-gateway-configuration: my-gateway}
spec:
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata:
  name: plain
spec:
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata:
  name: locked
  labels: {role: locked}
spec:
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata:
  name: locked-gw
  labels: {role: locked}
  annotations: {kubernetes.azure.com/static-gateway-configuration: my-gateway}
spec:
  containers: [{name: c, image: nginx}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress-lock, namespace: default}
spec:
  podSelector: {matchLabels: {role: locked}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 10.0.0.0/8}}]
    ports: [{protocol: TCP, port: 443}]
`),
  ]);
  expect(applied.stderr).toBe("");
  await until(async () => {
    const phases = await Promise.all(["annotated", "plain", "locked", "locked-gw"].map(podJson));
    return phases.every((p) => p.status.phase === "Running") ? true : undefined;
  }, 30_000);
  uid = (
    await kubectl(k, ["get", "staticgatewayconfiguration", "my-gateway", "-o", "jsonpath={.metadata.uid}"])
  ).stdout;
  const computerName = new Map<string, string>();
  for await (const vmss of c.compute.virtualMachineScaleSets.list(MC))
    for await (const vm of c.compute.virtualMachineScaleSetVMs.list(MC, vmss.name ?? ""))
      computerName.set(`${vmss.name}/${vm.instanceId}`, vm.osProfile?.computerName ?? "");
  for await (const p of c.net.publicIPAddresses.list(MC)) {
    const name = p.name ?? "";
    if (name.startsWith(`egressgateway-${uid}-`)) {
      const instanceId = name.slice(`egressgateway-${uid}-`.length);
      const vmss = [...computerName.keys()].find(
        (key) => key.endsWith(`/${instanceId}`) && key.includes("gw"),
      );
      egress.set(computerName.get(vmss ?? "") ?? "", p.ipAddress ?? "");
    }
    if (p.tags?.["aks-managed-type"] === "aks-slb-managed-outbound-ip") outboundIp = p.ipAddress ?? "";
  }
}, 180_000);
afterAll(async () => c?.emu.close());

describe("aksnet trace --from-pod to destinations outside the cluster", () => {
  it("an annotated pod to the internet: WireGuard to a gateway node, SNAT to that node's prefix address", async () => {
    expect(egress.size).toBe(2);
    const prefix = (
      await kubectl(k, [
        "get",
        "staticgatewayconfiguration",
        "my-gateway",
        "-o",
        "jsonpath={.status.egressIpPrefix}",
      ])
    ).stdout;
    const ilb = await c.net.loadBalancers.get(MC, "kubeegressgateway-ilb");
    const rule = ilb.loadBalancingRules?.find((r) => r.name === uid);
    const frontendIp = ilb.frontendIPConfigurations?.[0].privateIPAddress;
    const pod = await podJson("annotated");
    const r = await trace("default/annotated", "20.50.1.1:443/tcp");
    expect(r.verdict).toBe("Delivered");
    expect(r.to).toEqual({
      text: "20.50.1.1",
      ip: "20.50.1.1",
      protocol: "TCP",
      port: 443,
      class: "external",
    });
    expect(r.from).toMatchObject({
      namespace: "default",
      pod: "annotated",
      podIp: pod.status.podIP,
      node: pod.spec.nodeName,
      staticGatewayConfiguration: "my-gateway",
    });
    expect(r.hops.map((h) => [h.what, h.verdict])).toEqual([
      ["pod routing", "tunnel"],
      ["WireGuard", "forward"],
      ["SNAT", "snat"],
    ]);
    expect(r.hops[1].destination).toBe(`${frontendIp}:${rule?.frontendPort}/udp`);
    expect(r.hops[1].where).toBe(`kubeegressgateway-ilb frontend ${frontendIp}:${rule?.frontendPort}/udp`);
    const gatewayNode = /^gateway node (\S+)$/.exec(r.hops[2].where)?.[1] ?? "";
    expect(egress.has(gatewayNode)).toBe(true);
    expect(r.egressIp).toBe(egress.get(gatewayNode));
    expect(r.hops[2].source).toBe(egress.get(gatewayNode));
    expect(r.hops[2].decidedBy).toBe(
      `ip configuration egressgateway-${uid}: address of egress prefix ${prefix}`,
    );
    expect(r.summary).toBe(`through gateway node ${gatewayNode}, SNAT to ${r.egressIp} of ${prefix}`);
    expect(r.notes.join(" ")).toContain("Network policies do not apply to the gateway leg");
    // The same flow always takes the same gateway node.
    expect((await trace("default/annotated", "20.50.1.1:443/tcp")).egressIp).toBe(r.egressIp);
  }, 60_000);

  it("an excluded CIDR, IMDS and a pod without the annotation: kubenet NAT to the node IP, then the subnet's route and the cluster's outbound", async () => {
    expect(outboundIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const excluded =
      "StaticGatewayConfiguration default/my-gateway: destination is inside excludeCidrs entry";
    for (const [from, to, why] of [
      [
        "default/plain",
        "20.50.1.1:443/tcp",
        "the pod is not annotated with kubernetes.azure.com/static-gateway-configuration",
      ],
    ] as const) {
      const pod = await podJson(from.split("/")[1]);
      const r = await trace(from, to);
      expect(r.verdict).toBe("Delivered");
      expect(r.hops.map((h) => [h.what, h.verdict, h.source])).toEqual([
        ["NAT", "snat", pod.status.hostIP],
        ["route", "forward", pod.status.hostIP],
        ["outbound rule", "snat", outboundIp],
      ]);
      expect(r.hops[0].detail).toBe(why);
      expect(r.hops[0].decidedBy).toMatch(
        /^kubenet: ip-masq-agent masquerades pod CIDR 10\.244\.0\.0\/16 to the node's primary IP$/,
      );
      expect(r.hops[1].decidedBy).toBe("system route: 0.0.0.0/0 → Internet");
      expect(r.hops[2].decidedBy).toMatch(
        new RegExp(
          `^outbound rule aksOutboundRule of load balancer kubernetes translates the source to ${outboundIp.replace(/\./g, "\\.")} `,
        ),
      );
      expect(r.egressIp).toBe(outboundIp);
      expect(r.notes).toEqual([]);
    }
    // Inside the VNet (and excluded): the node's address, no outbound.
    const pod = await podJson("annotated");
    const inVnet = await trace("default/annotated", "10.224.0.200:443/tcp");
    expect(inVnet.verdict).toBe("Delivered");
    expect(inVnet.hops.map((h) => [h.what, h.verdict, h.decidedBy])).toEqual([
      ["NAT", "snat", expect.stringMatching(/^kubenet: /)],
      ["route", "forward", "system route: 10.224.0.0/12 → VnetLocal"],
    ]);
    expect(inVnet.hops[0].detail).toBe(`${excluded} 10.0.0.0/8`);
    expect(inVnet.egressIp).toBe(pod.status.hostIP);
    // Excluded but outside the VNet, in RFC 1918 space: Azure's system route drops it.
    const none = await trace("default/annotated", "10.1.2.3:443/tcp");
    expect(none.verdict).toBe("Dropped");
    expect(none.hops.map((h) => [h.what, h.verdict])).toEqual([
      ["NAT", "snat"],
      ["route", "forward"],
      ["drop", "drop"],
    ]);
    expect(none.hops[1].decidedBy).toBe("system route: 10.0.0.0/8 → None");
    expect(none.summary).toBe("next hop None: Azure drops traffic to 10.1.2.3");
  }, 60_000);

  it("egress NetworkPolicies (calico) decide on the normal way out and do not apply to the gateway leg", async () => {
    const dropped = await trace("default/locked", "20.50.1.1:443/tcp");
    expect(dropped.verdict).toBe("Dropped");
    expect(dropped.hops.map((h) => [h.what, h.verdict, h.decidedBy])).toEqual([
      ["NetworkPolicy", "drop", "NetworkPolicy default/egress-lock"],
    ]);
    expect(dropped.egressIp).toBeUndefined();
    const allowed = await trace("default/locked", "10.224.0.200:443/tcp");
    expect(allowed.verdict).toBe("Delivered");
    expect(allowed.hops.map((h) => [h.what, h.verdict])).toEqual([
      ["NetworkPolicy", "forward"],
      ["NAT", "snat"],
      ["route", "forward"],
    ]);
    expect(allowed.hops[0].decidedBy).toBe("NetworkPolicy default/egress-lock");
    const viaGateway = await trace("default/locked-gw", "20.50.1.1:443/tcp");
    expect(viaGateway.verdict).toBe("Delivered");
    expect(viaGateway.hops.map((h) => h.what)).toEqual(["pod routing", "WireGuard", "SNAT"]);
    expect([...egress.values()]).toContain(viaGateway.egressIp);
    expect(viaGateway.notes[1]).toMatch(
      /^NetworkPolicy default\/egress-lock would drop this flow on the normal way out \(.*\); through the gateway it does not apply\.$/,
    );
  }, 60_000);

  it("the CLI prints the hops as a table, or the same answer as JSON; -p is not needed with --to <ip>:<port>/<proto>", async () => {
    const json = await cli(
      "-g",
      RG,
      "-c",
      NAME,
      "--from-pod",
      "default/annotated",
      "--to",
      "20.50.1.1:443/tcp",
      "-o",
      "json",
    );
    expect(json.stderr).toBe("");
    expect(json.code).toBe(0);
    const r = JSON.parse(json.stdout) as PodTraceResult;
    expect(r.egressIp).toBe((await trace("default/annotated", "20.50.1.1:443/tcp")).egressIp);
    const t = await cli("-g", RG, "-c", NAME, "--from-pod", "default/annotated", "--to", "20.50.1.1:443/tcp");
    expect(t.code).toBe(0);
    const lines = t.stdout.split("\n");
    expect(lines[0]).toBe(
      `Trace from pod default/annotated (${r.from.podIp} on ${r.from.node}) to 20.50.1.1:443/tcp [external]`,
    );
    const header = lines.find((l) => l.startsWith("#  HOP"));
    expect(header).toMatch(/^# {2}HOP +WHERE +VERDICT +SOURCE → DESTINATION +DECIDED BY$/);
    const rows = lines.filter((l) => /^\d {2}/.test(l));
    expect(rows.map((l) => l.split(/ {2,}/)[1])).toEqual(["pod routing", "WireGuard", "SNAT"]);
    // Columns line up: every row's VERDICT starts where the header's does.
    const col = header?.indexOf("VERDICT") ?? -1;
    expect(rows.map((l) => l.slice(col).split(" ")[0])).toEqual(["tunnel", "forward", "snat"]);
    expect(t.stdout).toContain(`Delivered: ${r.summary} (source seen: ${r.egressIp})`);
    expect(t.stdout).toContain("Network policies do not apply to the gateway leg");
    const noDest = await cli("-g", RG, "-c", NAME, "--from-pod", "default/plain");
    expect(noDest.code).toBe(2);
    expect(noDest.stderr).toBe("aksnet trace: --from-pod needs --to <ip|name>[:<port>/<proto>]\n");
  }, 60_000);

  it("bad input: a missing pod is 404, a destination without a port or with a bad one is 400 naming the field", async () => {
    const missing = await raw({ fromPod: "default/nope", to: "20.50.1.1:443/tcp" });
    expect(missing).toEqual({
      status: 404,
      json: {
        error: {
          code: "PodNotFound",
          message: 'pods "nope" not found in namespace "default"',
          target: "fromPod",
        },
      },
    });
    const noPort = await raw({ fromPod: "default/plain", to: "20.50.1.1" });
    expect(noPort.status).toBe(400);
    expect(noPort.json).toMatchObject({ error: { code: "InvalidRequestContent", target: "port" } });
    const badPort = await raw({ fromPod: "default/plain", to: "20.50.1.1:70000/tcp" });
    expect(badPort.status).toBe(400);
    expect(badPort.json).toMatchObject({ error: { code: "InvalidRequestContent", target: "to" } });
    const badPod = await raw({ fromPod: "Default/x y", to: "20.50.1.1:443/tcp" });
    expect(badPod.status).toBe(400);
    expect(badPod.json).toMatchObject({ error: { code: "InvalidRequestContent", target: "fromPod" } });
    const withPortField = await raw({ fromPod: "default/plain", to: "20.50.1.1", port: "53/udp" });
    expect(withPortField.status).toBe(200);
    expect((withPortField.json as PodTraceResult).to).toMatchObject({ protocol: "UDP", port: 53 });
  }, 30_000);

  it("the gateway pool scales: a removed node releases its egress ip configuration and public IP, a new one gets them", async () => {
    const mine = async () => {
      const pips: string[] = [];
      for await (const p of c.net.publicIPAddresses.list(MC))
        if ((p.name ?? "").startsWith(`egressgateway-${uid}-`)) pips.push(p.ipAddress ?? "");
      const held: string[] = [];
      for await (const v of c.net.virtualNetworks.list(MC))
        for (const sn of v.subnets ?? [])
          for (const ipc of (await c.net.subnets.get(MC, v.name ?? "", sn.name ?? "")).ipConfigurations ?? [])
            if ((ipc.id ?? "").toLowerCase().endsWith(`/ipconfigurations/egressgateway-${uid}`))
              held.push(ipc.id ?? "");
      return { pips: pips.sort(), held: held.length };
    };
    // A second configuration without public IPs: its nodes hold only private addresses.
    await kubectl(k, [
      "apply",
      "-f",
      manifestFile(`apiVersion: egressgateway.kubernetes.azure.com/v1alpha1
kind: StaticGatewayConfiguration
metadata: {name: private-gw, namespace: default}
spec:
  gatewayNodepoolName: gw
  provisionPublicIps: false
`),
    ]);
    const privateUid = (
      await kubectl(k, ["get", "staticgatewayconfiguration", "private-gw", "-o", "jsonpath={.metadata.uid}"])
    ).stdout.trim();
    const privateHeld = async () => {
      let n = 0;
      for await (const v of c.net.virtualNetworks.list(MC))
        for (const sn of v.subnets ?? [])
          for (const ipc of (await c.net.subnets.get(MC, v.name ?? "", sn.name ?? "")).ipConfigurations ?? [])
            if ((ipc.id ?? "").toLowerCase().endsWith(`/ipconfigurations/egressgateway-${privateUid}`)) n++;
      return n;
    };
    await until(async () => ((await privateHeld()) === 2 ? true : undefined), 20_000);
    const before = await mine();
    expect(before.pips).toEqual([...egress.values()].sort());
    expect(before.held).toBe(2);
    await c.aks.agentPools.beginCreateOrUpdateAndWait(
      RG,
      NAME,
      "gw",
      pool({
        count: 1,
        mode: "Gateway",
        vmSize: "Standard_D4s_v5",
        gatewayProfile: { publicIPPrefixSize: 31 },
      }),
    );
    const one = await until(async () => {
      const m = await mine();
      return m.pips.length === 1 && m.held === 1 ? m : undefined;
    }, 20_000);
    expect(before.pips).toContain(one.pips[0]);
    // The lost node's private address of the configuration without public IPs is released too.
    await until(async () => ((await privateHeld()) === 1 ? true : undefined), 20_000);
    // Every flow now leaves from the one node left.
    for (const to of ["20.50.1.1:443/tcp", "20.50.1.2:443/tcp", "8.8.8.8:53/udp"])
      expect((await trace("default/annotated", to)).egressIp).toBe(one.pips[0]);
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
    const two = await until(async () => {
      const m = await mine();
      return m.pips.length === 2 && m.held === 2 ? m : undefined;
    }, 20_000);
    // The /31 holds exactly these two addresses again.
    expect(two.pips).toEqual(before.pips);
    const seen = new Set<string>();
    for (let i = 1; i <= 16; i++)
      seen.add((await trace("default/annotated", `20.50.1.${i}:443/tcp`)).egressIp ?? "");
    expect([...seen].sort()).toEqual(two.pips);
  }, 120_000);
});
