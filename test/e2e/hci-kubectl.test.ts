// kubectl against AKS-on-HCI workload clusters (issue 14): the kubeconfig `aksnet hci
// Get-AksHciCredential` writes, used by the machine's real kubectl. Nodes are the cluster's
// control-plane and node-pool VMs (names, node-pool addresses, Calico /26 or Flannel /24 pod
// blocks), kube-system runs the plugin's agents, Deployments get pods with addresses from the
// node blocks, LoadBalancer Services take VIPs from the cluster network's VIP pool (haproxy.cfg
// follows), and NetworkPolicy objects decide the HCI trace under Calico only.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { Node, Pod, Service } from "kubernetes-types/core/v1.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeInfoFile } from "../../scenarios/runner.js";
import { startTestEmulator, type TestEmulator, tempDir } from "../helpers/emulator.js";
import { type KubeCluster, kubectl } from "../kube/kube-helpers.js";
import { inCidr, until } from "../kube/workload-helpers.js";

const run = promisify(execFile);
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const bin = path.join(repo, "bin", "aksnet.js");

let emu: TestEmulator;
let home: string;
const clusters: Record<string, KubeCluster> = {};

async function hci(line: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? "", AKSNET_DATA_DIR: emu.dataDir, HOME: home };
  try {
    const p = run(process.execPath, [bin, "hci", line], { env, cwd: home });
    p.child.stdin?.end("");
    const r = await p;
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? 1, stdout: x.stdout ?? "", stderr: x.stderr ?? "" };
  }
}
async function ok(line: string): Promise<string> {
  const r = await hci(line);
  if (r.code !== 0) throw new Error(`${line}: ${r.stderr}`);
  return r.stdout;
}

interface HciView {
  uid: string;
  apiServerVip: string;
  kubernetesVersion: string;
  vms: { name: string; role: string; pool: string; ip: string; podCidr?: string }[];
}
const view = async (name: string) => (await emu.arm("GET", `/_aksnet/hci/clusters/${name}`)).body as HciView;

/** The kubeconfig Get-AksHciCredential writes, as a kubectl target. */
async function credential(name: string): Promise<KubeCluster> {
  const dir = tempDir("aksnet-hci-kc-");
  await ok(`Get-AksHciCredential -name ${name} -configPath ${dir}`);
  const kubeconfigPath = path.join(dir, "config");
  const kubeconfig = fs.readFileSync(kubeconfigPath, "utf8");
  const server = /server: (\S+)/.exec(kubeconfig)?.[1] ?? "";
  const token = /token: (\S+)/.exec(kubeconfig)?.[1] ?? "";
  return {
    name,
    uid: server.split("/clusters/")[1],
    server,
    token,
    adminToken: token,
    kubeconfig,
    kubeconfigPath,
  };
}

async function kc(name: string, args: string[], input?: string): Promise<string> {
  const r = await kubectl(clusters[name], args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}
const json = async <T>(name: string, args: string[]) =>
  JSON.parse(await kc(name, [...args, "-o", "json"])) as T;

const deployment = (name: string, replicas: number, labels = `{app: ${name}}`) =>
  `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: ${labels}}
  template:
    metadata: {labels: ${labels}}
    spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]}
`;

beforeAll(async () => {
  emu = await startTestEmulator();
  writeInfoFile(emu.dataDir, emu);
  home = tempDir("aksnet-hci-kubectl-home-");
  await ok(
    `$vnet = New-AksHciNetworkSetting -name mgmtvnet -vswitchName "extSwitch" -k8sNodeIpPoolStart "172.16.10.1" -k8sNodeIpPoolEnd "172.16.10.60" -vipPoolStart "172.16.255.0" -vipPoolEnd "172.16.255.9" -ipAddressPrefix "172.16.0.0/16" -gateway "172.16.0.1" -dnsServers "172.16.0.1"; Set-AksHciConfig -vnet $vnet -cloudServiceCidr "172.16.10.100/16"; Install-AksHci`,
  );
  await ok("New-AksHciCluster -name calicocl -nodePoolName pool1 -nodeCount 2 -osType linux");
  await ok("New-AksHciCluster -name flannelcl -primaryNetworkPlugin flannel -kubernetesVersion v1.28.5");
  clusters.calicocl = await credential("calicocl");
  clusters.flannelcl = await credential("flannelcl");
}, 120_000);

afterAll(async () => {
  await emu?.close();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

describe("kubectl on an AKS-on-HCI workload cluster", () => {
  it("answers /version with the cluster's Kubernetes version and refuses another cluster's token", async () => {
    const v = JSON.parse(await kc("calicocl", ["version", "-o", "json"])) as {
      serverVersion: { gitVersion: string };
    };
    expect(v.serverVersion.gitVersion).toBe("v1.20.7");
    const f = JSON.parse(await kc("flannelcl", ["version", "-o", "json"])) as {
      serverVersion: { gitVersion: string };
    };
    expect(f.serverVersion.gitVersion).toBe("v1.28.5");
    const wrong = await kubectl({ ...clusters.calicocl, kubeconfigPath: clusters.calicocl.kubeconfigPath }, [
      "get",
      "nodes",
      "--server",
      clusters.flannelcl.server,
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("error: You must be logged in to the server");
  });

  it("lists the control-plane and node-pool VMs as Nodes with their addresses and pod blocks", async () => {
    for (const name of ["calicocl", "flannelcl"]) {
      const v = await view(name);
      const want = v.vms.filter((m) => m.role !== "loadbalancer");
      const nodes = await until(async () => {
        const l = (await json<{ items: Node[] }>(name, ["get", "nodes"])).items;
        return l.length === want.length ? l : undefined;
      });
      const byName = new Map(nodes.map((n) => [n.metadata?.name, n]));
      for (const vm of want) {
        const n = byName.get(vm.name);
        expect(n, vm.name).toBeDefined();
        expect(n?.status?.addresses?.find((a) => a.type === "InternalIP")?.address).toBe(vm.ip);
        expect(n?.spec?.podCIDR).toBe(vm.podCidr);
        expect(n?.metadata?.labels?.["msft.microsoft/nodepool-name"]).toBe(vm.pool);
        expect(n?.status?.nodeInfo?.kubeletVersion).toBe(v.kubernetesVersion);
      }
      const prefix = name === "calicocl" ? "/26" : "/24";
      for (const vm of want) expect(vm.podCidr?.endsWith(prefix)).toBe(true);
      const cp = nodes.filter((n) => n.spec?.taints?.some((t) => t.effect === "NoSchedule"));
      expect(cp.map((n) => n.metadata?.name)).toEqual(
        want.filter((m) => m.role === "controlplane").map((m) => m.name),
      );
    }
    // The load-balancer VM is not a node.
    const lb = (await view("calicocl")).vms.find((m) => m.role === "loadbalancer");
    expect((await kubectl(clusters.calicocl, ["get", "node", lb?.name ?? "x"])).code).toBe(1);
  });

  it("runs the plugin's agents in kube-system, not AKS's Azure add-ons", async () => {
    const names = async (name: string) =>
      (
        await json<{ items: { metadata: { name: string } }[] }>(name, ["get", "ds", "-n", "kube-system"])
      ).items
        .map((d) => d.metadata.name)
        .sort();
    expect(
      await until(async () => ((await names("calicocl")).length === 2 ? names("calicocl") : undefined)),
    ).toEqual(["calico-node", "kube-proxy"]);
    expect(
      await until(async () => ((await names("flannelcl")).length === 2 ? names("flannelcl") : undefined)),
    ).toEqual(["kube-flannel-ds", "kube-proxy"]);
    const dns = await json<Service>("calicocl", ["get", "svc", "kube-dns", "-n", "kube-system"]);
    expect(dns.spec?.clusterIP).toBe("10.96.0.10");
    const k = await json<Service>("calicocl", ["get", "svc", "kubernetes"]);
    expect(k.spec?.clusterIP).toBe("10.96.0.1");
    // calico-node pods run on every node (host network: the node's address).
    const v = await view("calicocl");
    const ips = await until(async () => {
      const pods = (
        await json<{ items: Pod[] }>("calicocl", [
          "get",
          "pods",
          "-n",
          "kube-system",
          "-l",
          "k8s-app=calico-node",
        ])
      ).items;
      const got = pods.map((p) => p.status?.podIP).filter(Boolean);
      return got.length === 3 ? got.sort() : undefined;
    });
    expect(ips).toEqual(
      v.vms
        .filter((m) => m.role !== "loadbalancer")
        .map((m) => m.ip)
        .sort(),
    );
  });

  it("runs Deployments: pods get addresses from their node's block (Calico /26 from .0, Flannel /24 from .2)", async () => {
    for (const name of ["calicocl", "flannelcl"]) {
      await kc(name, ["apply", "-f", "-"], deployment("web", 3));
      const pods = await until(async () => {
        const l = (await json<{ items: Pod[] }>(name, ["get", "pods", "-l", "app=web"])).items;
        return l.length === 3 && l.every((p) => p.status?.phase === "Running" && p.status.podIP)
          ? l
          : undefined;
      });
      const nodes = new Map(
        (await json<{ items: Node[] }>(name, ["get", "nodes"])).items.map((n) => [n.metadata?.name, n]),
      );
      for (const p of pods) {
        const block = nodes.get(p.spec?.nodeName)?.spec?.podCIDR ?? "";
        expect(inCidr(p.status?.podIP ?? "", block), `${p.status?.podIP} in ${block}`).toBe(true);
        const last = Number((p.status?.podIP ?? "").split(".")[3]);
        const base = Number(block.split("/")[0].split(".")[3]);
        if (name === "flannelcl") expect(last - base).toBeGreaterThanOrEqual(2);
      }
      expect(new Set(pods.map((p) => p.status?.podIP)).size).toBe(3);
    }
  });
});
