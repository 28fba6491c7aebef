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
import { hostPortPool } from "../../src/kube/admission.js";
import { podIpPool } from "../../src/kube/controllers/kubelet.js";
import { clusterIPPool, nodePortPool } from "../../src/kube/services/admission.js";
import { startTestEmulator, type TestEmulator, tempDir } from "../helpers/emulator.js";
import { type KubeCluster, kubectl } from "../kube/kube-helpers.js";
import { inCidr, until } from "../kube/workload-helpers.js";

const run = promisify(execFile);
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const bin = path.join(repo, "bin", "aksnet.js");

let emu: TestEmulator;
let home: string;
const clusters: Record<string, KubeCluster> = {};

async function hci(line: string, on = emu): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? "", AKSNET_DATA_DIR: on.dataDir, HOME: home };
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
async function ok(line: string, on = emu): Promise<string> {
  const r = await hci(line, on);
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
async function credential(name: string, on = emu): Promise<KubeCluster> {
  const dir = tempDir("aksnet-hci-kc-");
  await ok(`Get-AksHciCredential -name ${name} -configPath ${dir}`, on);
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

const HOST_SETUP = `$vnet = New-AksHciNetworkSetting -name mgmtvnet -vswitchName "extSwitch" -k8sNodeIpPoolStart "172.16.10.1" -k8sNodeIpPoolEnd "172.16.10.60" -vipPoolStart "172.16.255.0" -vipPoolEnd "172.16.255.9" -ipAddressPrefix "172.16.0.0/16" -gateway "172.16.0.1" -dnsServers "172.16.0.1"; Set-AksHciConfig -vnet $vnet -cloudServiceCidr "172.16.10.100/16"; Install-AksHci`;

const lbService = (name: string, port: number, app = "web") =>
  `apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec: {type: LoadBalancer, selector: {app: ${app}}, ports: [{port: ${port}, targetPort: 80}]}
`;

beforeAll(async () => {
  emu = await startTestEmulator();
  writeInfoFile(emu.dataDir, emu);
  home = tempDir("aksnet-hci-kubectl-home-");
  await ok(HOST_SETUP);
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

interface HciService {
  namespace: string;
  name: string;
  vip?: string;
  kubeUid?: string;
  ports: { port: number; nodePort: number; protocol: string }[];
}
const hciServices = async (cluster: string, on = emu) =>
  (await on.arm("GET", `/_aksnet/hci/clusters/${cluster}/services`)).body as HciService[];
const ingressOf = (name: string, svc: string) =>
  until(async () => {
    const s = await json<Service>(name, ["get", "svc", svc]);
    return s.status?.loadBalancer?.ingress?.[0]?.ip ? s : undefined;
  });

describe("LoadBalancer Services created with kubectl on an HCI cluster", () => {
  it("take a VIP from the cluster network's VIP pool, show it as EXTERNAL-IP and in haproxy.cfg", async () => {
    await kc("calicocl", ["apply", "-f", "-"], lbService("web", 8080));
    const s = await ingressOf("calicocl", "web");
    const ip = s.status?.loadBalancer?.ingress?.[0]?.ip ?? "";
    // Host API VIP .0, the two clusters' API VIPs .1 and .2: the Service takes the next, .3.
    expect(ip).toBe("172.16.255.3");
    expect(inCidr(s.spec?.clusterIP ?? "", "10.96.0.0/12")).toBe(true);
    const nodePort = s.spec?.ports?.[0]?.nodePort ?? 0;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect(nodePort).toBeLessThanOrEqual(32767);
    const rec = (await hciServices("calicocl")).find((x) => x.name === "web");
    expect(rec).toMatchObject({ namespace: "default", vip: ip, kubeUid: s.metadata?.uid });
    expect(rec?.ports).toEqual([{ port: 8080, nodePort, protocol: "TCP" }]);
    const table = await kc("calicocl", ["get", "svc", "web"]);
    expect(table).toMatch(
      new RegExp(
        `^web\\s+LoadBalancer\\s+${s.spec?.clusterIP}\\s+${ip.replaceAll(".", "\\.")}\\s+8080:${nodePort}/TCP`,
        "m",
      ),
    );
    const cfg = (await emu.arm("GET", "/_aksnet/hci/clusters/calicocl/haproxy.cfg")).text;
    expect(cfg).toContain(`${ip}:8080`);
    const workers = (await view("calicocl")).vms.filter((m) => m.role !== "loadbalancer");
    for (const w of workers) expect(cfg).toContain(`${w.ip}:${nodePort}`);
    const haproxy = ["/usr/sbin/haproxy", "/usr/bin/haproxy"].find((f) => fs.existsSync(f));
    if (haproxy) {
      const f = path.join(tempDir("aksnet-haproxy-"), "haproxy.cfg");
      fs.writeFileSync(f, cfg);
      const r = await run(haproxy, ["-c", "-f", f]);
      expect(r.stdout).toContain("Configuration file is valid");
    }
    const events = await kc("calicocl", ["get", "events", "--field-selector", "involvedObject.name=web"]);
    expect(events).toContain("EnsuredLoadBalancer");
  });

  it("never shares a VIP between clusters on one network (prevention), and releases it on delete", async () => {
    await kc("flannelcl", ["apply", "-f", "-"], lbService("api", 9090));
    const s = await ingressOf("flannelcl", "api");
    expect(s.status?.loadBalancer?.ingress?.[0]?.ip).toBe("172.16.255.4");
    await kc("calicocl", ["delete", "svc", "web"]);
    await until(async () =>
      (await hciServices("calicocl")).some((x) => x.name === "web") ? undefined : true,
    );
    expect((await emu.arm("GET", "/_aksnet/hci/clusters/calicocl/haproxy.cfg")).text).not.toContain(
      "172.16.255.3:8080",
    );
    // The freed VIP is the lowest free again: the next Service gets it.
    await kc("calicocl", ["apply", "-f", "-"], lbService("web2", 80));
    expect((await ingressOf("calicocl", "web2")).status?.loadBalancer?.ingress?.[0]?.ip).toBe("172.16.255.3");
    // A Service changed to ClusterIP loses its VIP and its ingress.
    await kc("calicocl", ["patch", "svc", "web2", "-p", '{"spec":{"type":"ClusterIP"}}']);
    await until(async () =>
      (await hciServices("calicocl")).some((x) => x.name === "web2") ? undefined : true,
    );
    const after = await until(async () => {
      const x = await json<Service>("calicocl", ["get", "svc", "web2"]);
      return x.status?.loadBalancer?.ingress ? undefined : x;
    });
    expect(after.spec?.type).toBe("ClusterIP");
  });

  it("stay <pending> on a cluster with load balancer SKU none", async () => {
    await ok(
      "New-AksHciCluster -name nolb -loadBalancerSettings (New-AksHciLoadBalancerSetting -name nolb -loadBalancerSku none)",
    );
    clusters.nolb = await credential("nolb");
    await kc("nolb", ["apply", "-f", "-"], lbService("web", 80));
    await until(async () => ((await hciServices("nolb")).some((x) => x.name === "web") ? true : undefined));
    expect((await hciServices("nolb")).find((x) => x.name === "web")?.vip).toBeUndefined();
    const table = await kc("nolb", ["get", "svc", "web"]);
    expect(table).toMatch(/^web\s+LoadBalancer\s+\S+\s+<pending>\s+80:3\d{4}\/TCP/m);
  });
});

describe("the duplicate-VIP defect switched on at start (aksnet start --emulate-known-issues)", () => {
  let defect: TestEmulator;
  beforeAll(async () => {
    defect = await startTestEmulator({ emulateKnownIssues: true });
    writeInfoFile(defect.dataDir, defect);
    await ok(HOST_SETUP, defect);
    await ok("New-AksHciCluster -name one", defect);
    await ok("New-AksHciCluster -name two", defect);
    clusters.one = await credential("one", defect);
    clusters.two = await credential("two", defect);
  }, 120_000);
  afterAll(async () => {
    await defect?.close();
  });

  it("gives Services of two clusters on different ports one VIP and shows the conflict; same port clears it", async () => {
    await kc("one", ["apply", "-f", "-"], lbService("a", 80));
    await kc("two", ["apply", "-f", "-"], lbService("b", 443));
    const a = (await ingressOf("one", "a")).status?.loadBalancer?.ingress?.[0]?.ip;
    const b = (await ingressOf("two", "b")).status?.loadBalancer?.ingress?.[0]?.ip;
    expect(a).toBe("172.16.255.3");
    expect(b).toBe(a);
    const out = await ok("Get-AksHciCluster -name one", defect);
    expect(out).toContain("VipConflicts");
    expect(out).toContain("172.16.255.3");
    // The documented workaround: redeploy on the same port — each then gets its own VIP.
    await kc("two", ["apply", "-f", "-"], lbService("b", 80));
    const b2 = await until(async () => {
      const s = await json<Service>("two", ["get", "svc", "b"]);
      const ip = s.status?.loadBalancer?.ingress?.[0]?.ip;
      return ip && ip !== a ? ip : undefined;
    });
    expect(b2).toBe("172.16.255.4");
    expect(await ok("Get-AksHciCluster -name one", defect)).not.toContain("VipConflicts");
  });
});

describe("NetworkPolicy objects created with kubectl decide the HCI trace (Calico enforces, Flannel does not)", () => {
  async function trace(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = { PATH: process.env.PATH ?? "", AKSNET_DATA_DIR: emu.dataDir, HOME: home };
    try {
      const p = run(process.execPath, [bin, "trace", ...args], { env, cwd: home });
      p.child.stdin?.end("");
      const r = await p;
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const x = e as { code?: number; stdout?: string; stderr?: string };
      return { code: x.code ?? 1, stdout: x.stdout ?? "", stderr: x.stderr ?? "" };
    }
  }
  const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-frontend}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {matchLabels: {role: frontend}}}], ports: [{port: 80}]}]
`;
  const podNames = async (name: string, app: string) => {
    const l = await until(async () => {
      const items = (await json<{ items: Pod[] }>(name, ["get", "pods", "-l", `app=${app}`])).items;
      return items.length && items.every((p) => p.status?.podIP) ? items : undefined;
    });
    return l.map((p) => `default/${p.metadata?.name}`);
  };

  it("Calico: a pod the policy does not admit is denied, naming the policy; an admitted one is allowed by it", async () => {
    await kc("calicocl", ["apply", "-f", "-"], deployment("client", 1));
    await kc("calicocl", ["apply", "-f", "-"], deployment("front", 1, "{app: front, role: frontend}"));
    await kc("calicocl", ["apply", "-f", "-"], policy);
    const [web] = await podNames("calicocl", "web");
    const [client] = await podNames("calicocl", "client");
    const [front] = await podNames("calicocl", "front");
    const denied = await trace([
      "--hci-cluster",
      "calicocl",
      "--from",
      client,
      "--to",
      web,
      "-p",
      "80/tcp",
      "-o",
      "json",
    ]);
    expect(denied.stderr).toBe("");
    expect(JSON.parse(denied.stdout)).toMatchObject({
      allowed: false,
      decidedBy: "isolation:default/web-from-frontend",
      plugin: "calico",
      policies: ["default/web-from-frontend"],
      notEnforced: [],
    });
    const allowed = JSON.parse(
      (await trace(["--hci-cluster", "calicocl", "--from", front, "--to", web, "-p", "80/tcp", "-o", "json"]))
        .stdout,
    );
    expect(allowed).toMatchObject({ allowed: true, decidedBy: "policy:default/web-from-frontend" });
    expect(allowed.to.ip).toMatch(/^10\.244\./);
    // Another port is not in the rule.
    const other = JSON.parse(
      (
        await trace([
          "--hci-cluster",
          "calicocl",
          "--from",
          front,
          "--to",
          web,
          "-p",
          "8080/tcp",
          "-o",
          "json",
        ])
      ).stdout,
    );
    expect(other.allowed).toBe(false);
    const table = await trace(["--hci-cluster", "calicocl", "--from", client, "--to", web, "-p", "80/tcp"]);
    expect(table.stdout).toContain("DENIED  decided by isolation:default/web-from-frontend");
  });

  it("Flannel: the same policy is stored but not enforced, and a VM in the cluster's network is unreachable", async () => {
    await kc("flannelcl", ["apply", "-f", "-"], deployment("client", 1));
    await kc("flannelcl", ["apply", "-f", "-"], policy);
    const [web] = await podNames("flannelcl", "web");
    const [client] = await podNames("flannelcl", "client");
    const r = JSON.parse(
      (
        await trace([
          "--hci-cluster",
          "flannelcl",
          "--from",
          client,
          "--to",
          web,
          "-p",
          "80/tcp",
          "-o",
          "json",
        ])
      ).stdout,
    );
    expect(r).toMatchObject({
      allowed: true,
      decidedBy: "plugin:podToPod",
      plugin: "flannel",
      notEnforced: ["default/web-from-frontend"],
    });
    const vm = JSON.parse(
      (
        await trace([
          "--hci-cluster",
          "flannelcl",
          "--from",
          client,
          "--to",
          "172.16.10.50",
          "-p",
          "22/tcp",
          "-o",
          "json",
        ])
      ).stdout,
    );
    expect(vm).toMatchObject({
      allowed: false,
      decidedBy: "plugin:podToVmSameNetwork",
      to: { sameNetwork: true },
    });
    const missing = await trace([
      "--hci-cluster",
      "flannelcl",
      "--from",
      "default/nope",
      "--to",
      web,
      "-p",
      "80/tcp",
    ]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("Pod default/nope (from) was not found in cluster 'flannelcl'.");
  });
});

describe("Nodes follow the HCI node pools", () => {
  it("Set-AksHciNodePool -count adds and removes Nodes; pods of a removed node are replaced", async () => {
    const count = async () => (await json<{ items: Node[] }>("calicocl", ["get", "nodes"])).items.length;
    await ok("Set-AksHciNodePool -clusterName calicocl -name pool1 -count 3");
    expect(await until(async () => ((await count()) === 4 ? 4 : undefined))).toBe(4);
    const v = await view("calicocl");
    const ips = (await json<{ items: Node[] }>("calicocl", ["get", "nodes"])).items
      .map((n) => n.status?.addresses?.find((a) => a.type === "InternalIP")?.address)
      .sort();
    expect(ips).toEqual(
      v.vms
        .filter((m) => m.role !== "loadbalancer")
        .map((m) => m.ip)
        .sort(),
    );
    await ok("Set-AksHciNodePool -clusterName calicocl -name pool1 -count 1");
    expect(await until(async () => ((await count()) === 2 ? 2 : undefined))).toBe(2);
    const live = new Set(
      (await json<{ items: Node[] }>("calicocl", ["get", "nodes"])).items.map((n) => n.metadata?.name),
    );
    const pods = await until(async () => {
      const l = (await json<{ items: Pod[] }>("calicocl", ["get", "pods", "-l", "app=web"])).items;
      return l.length === 3 &&
        l.every((p) => p.spec?.nodeName && live.has(p.spec.nodeName) && p.status?.podIP)
        ? l
        : undefined;
    });
    expect(pods).toHaveLength(3);
  });
});

describe("Remove-AksHciCluster sweeps the cluster's Kubernetes side (kube/sweep.ts)", () => {
  it("zero objects and zero kube/<uid>/ allocations remain; its kubeconfig is refused; the name re-created starts empty", async () => {
    const old = clusters.nolb;
    const uid = old.uid;
    const left = () =>
      emu.store.read(async (tx) => {
        const objects = await tx.listClusterObjects(uid, {
          maxRevision: Number.MAX_SAFE_INTEGER,
          limit: 100_000,
        });
        let allocations = 0;
        for (const pool of [podIpPool(uid), hostPortPool(uid), clusterIPPool(uid), nodePortPool(uid)])
          allocations += (await tx.listAllocations(pool)).length;
        return { objects: objects.length, allocations };
      });
    const before = await left();
    expect(before.objects).toBeGreaterThan(5);
    expect(before.allocations).toBeGreaterThanOrEqual(2); // web's service IP and node port at least
    await ok("Remove-AksHciCluster -name nolb");
    expect((await left()).allocations).toBe(0);
    await until(async () => ((await left()).objects === 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 1500));
    expect(await left()).toEqual({ objects: 0, allocations: 0 });
    const refused = await kubectl(old, ["get", "pods"]);
    expect(refused.code).toBe(1);

    await ok("New-AksHciCluster -name nolb");
    clusters.nolb = await credential("nolb");
    expect(clusters.nolb.uid).not.toBe(uid);
    expect((await kc("nolb", ["get", "services", "-n", "default", "-o", "name"])).trim()).toBe(
      "service/kubernetes",
    );
  });
});
