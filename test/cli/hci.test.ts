// `aksnet hci` as a user runs it: the built bin/aksnet.js against a real emulator, found
// through AKSNET_DATA_DIR/aksnet.json. LoadBalancer Services come in through the face's
// service hook (what the Kubernetes face will call), and the generated haproxy.cfg is
// checked by the real `haproxy -c`.
import { execFile, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { writeInfoFile } from "../../scenarios/runner.js";
import { startTestEmulator, type TestEmulator, tempDir } from "../helpers/emulator.js";

const run = promisify(execFile);
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const bin = path.join(repo, "bin", "aksnet.js");
const haproxy = ["/usr/sbin/haproxy", "/usr/bin/haproxy"].find((f) => fs.existsSync(f));

let emu: TestEmulator;
let home: string;

async function hci(
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? "", AKSNET_DATA_DIR: emu.dataDir, HOME: home };
  try {
    // Async (never spawnSync): the emulator answering the child runs in this process.
    const p = run(process.execPath, [bin, "hci", ...args], { env, cwd: home });
    p.child.stdin?.end(input ?? "");
    const r = await p;
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? 1, stdout: x.stdout ?? "", stderr: x.stderr ?? "" };
  }
}

const ok = async (line: string) => {
  const r = await hci([line]);
  expect(r.stderr, line).toBe("");
  expect(r.code, line).toBe(0);
  return r.stdout;
};

/** `Name : value` pairs of the first object in list output. */
function props(out: string): Record<string, string> {
  const o: Record<string, string> = {};
  for (const l of out.split("\n")) {
    const m = /^(\S+)\s+: ?(.*)$/.exec(l);
    if (m && !(m[1] in o)) o[m[1]] = m[2];
  }
  return o;
}

const svc = (cluster: string, ns: string, name: string, ports: { port: number; nodePort: number }[]) =>
  emu.arm("PUT", `/_aksnet/hci/clusters/${cluster}/services/${ns}/${name}`, { ports });

beforeAll(async () => {
  if (!fs.existsSync(path.join(repo, "dist", "cli", "hci", "index.js")))
    throw new Error("dist/cli/hci is missing: build first (npx tsc -p tsconfig.json)");
  emu = await startTestEmulator();
  writeInfoFile(emu.dataDir, emu);
  home = tempDir("aksnet-hci-home-");
});

afterAll(async () => {
  await emu?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

describe("aksnet hci", () => {
  it("refuses cluster cmdlets before Install-AksHci, and the face needs a token", async () => {
    const r = await hci(["Get-AksHciCluster"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Get-AksHciCluster : AksHci is not installed");
    expect(r.stderr).toContain("FullyQualifiedErrorId : AksHciNotInstalled,Get-AksHciCluster");
    const anon = await fetch(`${emu.url}/_aksnet/hci/clusters`);
    expect(anon.status).toBe(401);
  });

  it("validates network objects locally with the rule in the message", async () => {
    const cases: [string, string][] = [
      [
        "New-AksHciNetworkSetting -name BadName -vswitchName s -vipPoolStart 10.0.0.10 -vipPoolEnd 10.0.0.20",
        "use lowercase letters and digits only",
      ],
      [
        "New-AksHciNetworkSetting -name n1 -vswitchName s -vipPoolStart 10.0.0.20 -vipPoolEnd 10.0.0.10",
        "the start must not be greater than the end",
      ],
      [
        "New-AksHciNetworkSetting -name n1 -vswitchName s -vipPoolStart 10.0.1.10 -vipPoolEnd 10.0.1.20 -k8sNodeIpPoolStart 10.0.0.30 -k8sNodeIpPoolEnd 10.0.0.40 -ipAddressPrefix 10.0.0.0/24 -gateway 10.0.0.1 -dnsServers 10.0.0.1",
        "10.0.1.10 (-vipPoolStart) is outside the network's address prefix 10.0.0.0/24",
      ],
      [
        "New-AksHciNetworkSetting -name n1 -vswitchName s -vipPoolStart 10.0.0.35 -vipPoolEnd 10.0.0.50 -k8sNodeIpPoolStart 10.0.0.30 -k8sNodeIpPoolEnd 10.0.0.40 -ipAddressPrefix 10.0.0.0/24 -gateway 10.0.0.1 -dnsServers 10.0.0.1",
        "overlaps the k8s node IP pool",
      ],
      [
        "New-AksHciNetworkSetting -name n1 -vswitchName s -vipPoolStart 10.0.0.60 -vipPoolEnd 10.0.0.70 -k8sNodeIpPoolStart 10.0.0.30 -k8sNodeIpPoolEnd 10.0.0.40 -ipAddressPrefix 10.0.0.0/24 -gateway 10.0.0.1 -dnsServers 10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4",
        "-dnsServers takes 1 to 3 addresses; 4 were given",
      ],
    ];
    for (const [line, text] of cases) {
      const r = await hci([line]);
      expect(r.code, line).toBe(1);
      expect(r.stderr, line).toContain(text);
      expect(r.stderr).toMatch(/^New-AksHciNetworkSetting : /);
      expect(r.stderr).toContain("FullyQualifiedErrorId : InvalidParameterValue,New-AksHciNetworkSetting");
    }
  });

  it("names the parameter in binding errors, PowerShell's wording, exit 1", async () => {
    let r = await hci(["New-AksHciCluster", "-name", "x", "-primaryNetworkPlugin", "cilium"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Cannot validate argument on parameter 'primaryNetworkPlugin'. The argument "cilium" does not belong to the set "calico,flannel" specified by the ValidateSet attribute.`,
    );
    expect(r.stderr).toContain(
      "At line:1 char:27\n+ New-AksHciCluster -name x -primaryNetworkPlugin cilium\n+                           ~~~~~~~~~~~~~~~~~~~~~\n",
    );
    r = await hci(["New-AksHciCluster -n x"]);
    expect(r.stderr).toContain(
      "the parameter name 'n' is ambiguous. Possible matches include: -name -nodePoolName -nodeCount",
    );
    expect(r.stderr).toContain("FullyQualifiedErrorId : AmbiguousParameter,New-AksHciCluster");
    r = await hci(["New-AksHciCluster -nodeCount 2"]);
    expect(r.stderr).toContain("missing mandatory parameters: name.");
    r = await hci(["New-AksHciCluster -name x -frobnicate 2"]);
    expect(r.stderr).toContain("A parameter cannot be found that matches parameter name 'frobnicate'.");
    r = await hci(["New-AksHciCluster -name x -nodeMaxPodCount lots"]);
    expect(r.stderr).toContain(`Cannot convert value "lots" to type "System.Int32".`);
    r = await hci(["New-AksHciCluster -name"]);
    expect(r.stderr).toContain(
      "Missing an argument for parameter 'name'. Specify a parameter of type 'System.String' and try again.",
    );
    r = await hci(["New-AksHciCluster -name x -vnet notanobject"]);
    expect(r.stderr).toContain(
      `Cannot convert the "notanobject" value of type "System.String" to type "VirtualNetwork".`,
    );
    r = await hci(["Get-AksHciThing"]);
    expect(r.stderr).toContain("The term 'Get-AksHciThing' is not recognized as the name of a cmdlet");
    expect(r.code).toBe(1);
  });

  it("walks through host config, install, networks, clusters and node pools (script file)", async () => {
    const script = path.join(home, "setup.ps1");
    fs.writeFileSync(
      script,
      `<# the AKS host on a static network #>
$vnet = New-AksHciNetworkSetting -name mgmtvnet -vswitchName "extSwitch" -k8sNodeIpPoolStart "172.16.10.1" \`
    -k8sNodeIpPoolEnd "172.16.10.40" -vipPoolStart "172.16.255.0" -vipPoolEnd "172.16.255.5" \`
    -ipAddressPrefix "172.16.0.0/16" -gateway "172.16.0.1" -dnsServers "172.16.0.1","172.16.0.2"
Set-AksHciConfig -vnet $vnet -cloudServiceCidr "172.16.10.100/16"   # the cloud agent
Install-AksHci
$name = 'calicocl'
New-AksHciCluster -name "$name" -controlPlaneNodeCount 1 -linuxNodeCount 2
`,
    );
    const r = await hci(["-f", script]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const c = props(r.stdout);
    expect(c).toMatchObject({
      ProvisioningState: "provisioned",
      Name: "calicocl",
      LinuxNodeCount: "2",
      NodePools: "{calicocl-linux, calicocl-windows}",
    });

    const get = props(await ok("Get-AksHciCluster -name calicocl"));
    expect(get.PrimaryNetworkPlugin).toBe("calico");
    // The host took .0 (vipPoolStart), so the cluster's API server gets the next VIP.
    expect(get.ApiServerVip).toBe("172.16.255.1");
    expect(get.Network).toBe("mgmtvnet");

    // Node pools: 1 host CP + 2 host update, then the cluster: CP, LB VM, 2 workers, 5 update.
    const view = (await emu.arm("GET", "/_aksnet/hci/view")).body as {
      networks: { name: string; nodePool: { free: number; holders: { ip: string; kind: string }[] } }[];
      clusters: {
        name: string;
        nodes: { ip: string; podCidr: string }[];
        loadBalancer: { vms: { ip: string }[] };
      }[];
    };
    const net = view.networks.find((n) => n.name === "mgmtvnet");
    expect(net?.nodePool.free).toBe(40 - 3 - 9);
    const cl = view.clusters.find((x) => x.name === "calicocl");
    expect(cl?.nodes.map((n) => n.ip)).toEqual(["172.16.10.4", "172.16.10.6", "172.16.10.7"]);
    expect(cl?.loadBalancer.vms.map((v) => v.ip)).toEqual(["172.16.10.5"]);
    // Calico hands each node a /26 of 10.244.0.0/16.
    expect(cl?.nodes.map((n) => n.podCidr)).toEqual(["10.244.0.0/26", "10.244.0.64/26", "10.244.0.128/26"]);

    // Node pools: add, scale, list as a table, remove.
    await ok("New-AksHciNodePool -clusterName calicocl -name extra -count 2 -osType Windows");
    await ok("Set-AksHciNodePool -clusterName calicocl -name extra -count 3");
    const table = await ok("Get-AksHciNodePool -clusterName calicocl | Format-Table");
    expect(table).toContain(
      "ClusterName NodePoolName     Version OsType  NodeCount VmSize           Phase    AutoScalerEnabled",
    );
    expect(table).toContain(
      "----------- ------------     ------- ------  --------- ------           -----    -----------------",
    );
    expect(table).toMatch(/^calicocl {4}extra {12}v1\.20\.7 Windows {9}3 Standard_K8S3_v1 Deployed False$/m);
    await ok("Remove-AksHciNodePool -clusterName calicocl -name extra");
    const after = (await emu.arm("GET", "/_aksnet/hci/view")).body as typeof view;
    expect(after.networks.find((n) => n.name === "mgmtvnet")?.nodePool.free).toBe(28);
  });

  it("seed 004: Flannel, chosen at creation, /24 per node, and immutable", async () => {
    const out = props(await ok("New-AksHciCluster -name MyCluster -primaryNetworkPlugin 'flannel'"));
    expect(out.Name).toBe("MyCluster");
    const view = (await emu.arm("GET", "/_aksnet/hci/view")).body as {
      clusters: {
        name: string;
        primaryNetworkPlugin: string;
        networkPolicy: boolean;
        nodes: { podCidr: string }[];
      }[];
    };
    const c = view.clusters.find((x) => x.name === "MyCluster");
    expect(c?.primaryNetworkPlugin).toBe("flannel");
    expect(c?.networkPolicy).toBe(false);
    expect(c?.nodes.map((n) => n.podCidr)).toEqual(["10.244.0.0/24", "10.244.1.0/24"]);
    const r = await hci(["Set-AksHciCluster -name MyCluster -primaryNetworkPlugin calico"]);
    expect(r.stderr).toContain(
      "A parameter cannot be found that matches parameter name 'primaryNetworkPlugin'.",
    );
    const patch = await emu.arm("PATCH", "/_aksnet/hci/clusters/MyCluster", {
      primaryNetworkPlugin: "calico",
    });
    expect(patch.status).toBe(409);
    expect((patch.body as { error: { code: string } }).error.code).toBe("ImmutableParameter");
  });

  it("refuses a cluster or a scale that does not fit, saying needed and free, and makes nothing", async () => {
    const before = await emu.arm("GET", "/_aksnet/hci/view");
    const r = await hci(["New-AksHciCluster -name toobig -linuxNodeCount 30"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "Cluster 'toobig' (1 control plane + 30 worker + 1 load balancer + 5 for updates) needs 37 addresses from the k8s node IP pool of network 'mgmtvnet' (172.16.10.1-172.16.10.40), but only 20 are free.",
    );
    expect(r.stderr).toContain("FullyQualifiedErrorId : OutOfCapacity,New-AksHciCluster");
    const s = await hci(["Set-AksHciNodePool -clusterName MyCluster -name MyCluster-linux -count 25"]);
    expect(s.stderr).toContain("needs 24 addresses");
    expect(s.stderr).toContain("but only 20 are free");
    expect((await emu.arm("GET", "/_aksnet/hci/view")).text).toBe(before.text);
  });

  it("cluster networks: parenthesised Get as -vnet, overlap refused, DHCP model, remove refused while in use", async () => {
    await ok(
      "New-AksHciClusterNetwork -name net2 -vswitchName extSwitch -k8sNodeIpPoolStart 10.20.0.10 -k8sNodeIpPoolEnd 10.20.0.60 -vipPoolStart 10.20.0.100 -vipPoolEnd 10.20.0.110 -ipAddressPrefix 10.20.0.0/24 -gateway 10.20.0.1 -dnsServers 10.20.0.1",
    );
    const overlap = await hci([
      "New-AksHciClusterNetwork -name net3 -vswitchName extSwitch -k8sNodeIpPoolStart 10.20.0.50 -k8sNodeIpPoolEnd 10.20.0.70 -vipPoolStart 10.20.0.120 -vipPoolEnd 10.20.0.130 -ipAddressPrefix 10.20.0.0/24 -gateway 10.20.0.1 -dnsServers 10.20.0.1",
    ]);
    expect(overlap.stderr).toContain(
      "The k8s node IP pool 10.20.0.50-10.20.0.70 of network 'net3' overlaps the k8s node IP pool 10.20.0.10-10.20.0.60 of network 'net2'",
    );
    const dhcp = props(
      await ok(
        "New-AksHciClusterNetwork -name dhcpnet -vnetName extSwitch -vipPoolStart 192.168.5.200 -vipPoolEnd 192.168.5.210 -vlanID 12",
      ),
    );
    expect(dhcp).toMatchObject({
      Name: "dhcpnet",
      VswitchName: "extSwitch",
      Vlanid: "12",
      K8snodeIPPoolStart: "",
    });
    await ok("New-AksHciCluster -name onnet2 -vnet (Get-AksHciClusterNetwork -name net2)");
    await ok("New-AksHciCluster -name ondhcp -vnet (Get-AksHciClusterNetwork -name dhcpnet)");
    const view = (await emu.arm("GET", "/_aksnet/hci/view")).body as {
      clusters: { name: string; apiServerVip: string; nodes: { ip: string }[] }[];
    };
    const d = view.clusters.find((c) => c.name === "ondhcp");
    expect(d?.apiServerVip).toBe("192.168.5.200");
    expect(d?.nodes[0].ip).toBe("192.168.5.2"); // simulated DHCP lease
    expect(view.clusters.find((c) => c.name === "onnet2")?.apiServerVip).toBe("10.20.0.100");
    const used = await hci(["Remove-AksHciClusterNetwork -name net2"]);
    expect(used.stderr).toContain(
      "The cluster network 'net2' cannot be removed: it is In Use by cluster 'onnet2'.",
    );
    const list = await ok("Get-AksHciClusterNetwork | Format-Table Name,VipPoolStart");
    expect(list).toContain(
      "Name    VipPoolStart\n----    ------------\nnet2    10.20.0.100\ndhcpnet 192.168.5.200",
    );
    await ok("Remove-AksHciCluster -name ondhcp");
    await ok("Remove-AksHciClusterNetwork -name dhcpnet");
    expect((await hci(["Get-AksHciClusterNetwork -name dhcpnet"])).stderr).toContain("was not found");
  });

  it("haproxy.cfg: API VIP to the control plane, each Service VIP:port to every node's NodePort, haproxy -c accepts it", async () => {
    const a = await svc("calicocl", "default", "web", [{ port: 80, nodePort: 30942 }]);
    expect(a.status).toBe(200);
    expect((a.body as { vip: string }).vip).toBe("172.16.255.3");
    const cfg = await ok("Get-AksHciLoadBalancerConfig -name calicocl");
    expect(cfg).toContain(
      "frontend frontend_172.16.255.3_80\n    bind 172.16.255.3:80\n    mode tcp\n    default_backend backend_172.16.255.3_80\n\nbackend backend_172.16.255.3_80\n    mode tcp\n    balance roundrobin\n    server tcp0 172.16.10.4:30942 check\n    server tcp1 172.16.10.6:30942 check\n    server tcp2 172.16.10.7:30942 check",
    );
    expect(cfg).toContain("bind 172.16.255.1:6443");
    expect(cfg).toContain("server tcp0 172.16.10.4:6443 check");
    // CI installs Debian's haproxy (.ci/run); elsewhere the check runs when it is there.
    if (!haproxy && process.env.CI) throw new Error("haproxy is not installed: apt-get install -y haproxy");
    if (haproxy) {
      const file = path.join(home, "haproxy.cfg");
      fs.writeFileSync(file, cfg);
      const r = spawnSync(haproxy, ["-c", "-f", file], { encoding: "utf8" });
      expect(`${r.stdout}${r.stderr}`, `${r.stdout}${r.stderr}`).toMatch(/Configuration file is valid/);
      expect(r.status).toBe(0);
    }
    const bad = await svc("calicocl", "default", "bad", [{ port: 80, nodePort: 1234 }]);
    expect(bad.status).toBe(400);
    expect((bad.body as { error: { message: string } }).error.message).toContain(
      "nodePort must be in the node port range 30000-32767",
    );
  });

  it("prevents the duplicate-VIP defect by default; reproduces it with -emulateKnownIssues; the workarounds clear it", async () => {
    // Default: two clusters on one network, different ports: distinct VIPs.
    const b1 = await svc("MyCluster", "default", "api", [{ port: 443, nodePort: 31000 }]);
    expect((b1.body as { vip: string }).vip).toBe("172.16.255.4");
    await emu.arm("DELETE", "/_aksnet/hci/clusters/MyCluster/services/default/api");

    await ok("Set-AksHciConfig -emulateKnownIssues");
    const b2 = await svc("MyCluster", "default", "api", [{ port: 443, nodePort: 31000 }]);
    expect((b2.body as { vip: string }).vip).toBe("172.16.255.4");
    const c2 = await svc("calicocl", "default", "db", [{ port: 5432, nodePort: 31500 }]);
    expect((c2.body as { vip: string }).vip).toBe("172.16.255.4"); // same IP, different port: the defect
    const shown = props(await ok("Get-AksHciCluster -name MyCluster"));
    expect(shown.VipConflicts).toContain("172.16.255.4 shared with calicocl");
    expect(shown.VipConflicts).toContain("random connectivity failures");
    const net = props(await ok("Get-AksHciClusterNetwork -name mgmtvnet"));
    expect(net.VipConflicts).toBe("{172.16.255.4 (calicocl, MyCluster)}");

    // Workaround 1: redeploy on the same port: (IP, port) is taken, so a VIP of its own.
    await emu.arm("DELETE", "/_aksnet/hci/clusters/calicocl/services/default/db");
    const same = await svc("calicocl", "default", "db", [{ port: 443, nodePort: 31500 }]);
    expect((same.body as { vip: string }).vip).toBe("172.16.255.5");
    expect(props(await ok("Get-AksHciCluster -name MyCluster")).VipConflicts).toBeUndefined();

    // Workaround 2: separate networks never share.
    const other = await svc("onnet2", "default", "db", [{ port: 5432, nodePort: 31501 }]);
    expect((other.body as { vip: string }).vip).toBe("10.20.0.101");
    await ok("Set-AksHciConfig -emulateKnownIssues:$false");
  });

  it("Get-AksHciCredential writes a kubeconfig for the cluster's Kubernetes endpoint", async () => {
    const cfgDir = path.join(home, "kc");
    fs.mkdirSync(cfgDir);
    await ok(`Get-AksHciCredential -name MyCluster -configPath ${cfgDir}`);
    const kc = parseYaml(fs.readFileSync(path.join(cfgDir, "config"), "utf8")) as {
      clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
      users: { user: { token: string } }[];
      "current-context": string;
    };
    const view = (await emu.arm("GET", "/_aksnet/hci/clusters/MyCluster")).body as { uid: string };
    expect(kc.clusters[0].cluster.server).toBe(`${emu.url}/clusters/${view.uid}`);
    expect(Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64").toString()).toContain(
      "BEGIN CERTIFICATE",
    );
    expect(kc.users[0].user.token).toMatch(/^[0-9a-f]{64}$/);
    expect(kc["current-context"]).toBe("MyCluster");
    await ok("Get-AksHciCredential -name MyCluster");
    expect(fs.existsSync(path.join(home, ".kube", "config"))).toBe(true);
  });

  it("reads scripts from stdin, expands variables, and removes clusters releasing their addresses", async () => {
    // The 6-address VIP pool is full now (host, 2 API servers, 3 Services): a VIP is refused first.
    const full = await hci(["New-AksHciCluster -name tmpcl"]);
    expect(full.stderr).toContain(
      "needs 1 address from the VIP pool of network 'mgmtvnet' (172.16.255.0-172.16.255.5), but only 0 are free.",
    );
    expect((await emu.arm("DELETE", "/_aksnet/hci/clusters/calicocl/services/default/web")).status).toBe(204);
    const r = await hci(
      [],
      `$n = "tmpcl"  # a comment
New-AksHciCluster -name $n -nodePoolName pool1 -nodeCount 1 -osType linux | Format-List Name,NodePools
Remove-AksHciCluster -name "$n"; Get-AksHciCluster | Format-Table Name,PrimaryNetworkPlugin
`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Name      : tmpcl\nNodePools : {pool1}");
    expect(r.stdout).toContain(
      "Name      PrimaryNetworkPlugin\n----      --------------------\ncalicocl  calico",
    );
    expect(r.stdout).not.toMatch(/^tmpcl /m);
  });
});
