// `aksnet trace` for a pod's host port (issue 11, item 8): Internet → the node's public
// IP:hostPort → the NSG verdict (the pool's allowed host ports) → the pod that holds the port on
// that node, or nobody. The pods come from seed 003's Deployment applied with the real kubectl;
// the CLI runs as a user runs it (bin/aksnet.js against the emulator's aksnet.json).
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { Pod } from "kubernetes-types/core/v1.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ECHOSERVER_HOSTPORT_YAML } from "../../scenarios/003-node-public-ips.js";
import type { TraceResult } from "../../src/providers/views/reachability.js";
import type { Topology } from "../../src/providers/views/topology.js";
import type { TestEmulator } from "../helpers/emulator.js";
import { tempDir } from "../helpers/emulator.js";
import { type KubeCluster, kubectl, startKubeEmulator } from "../kube/kube-helpers.js";
import { inCidr, makeCluster, pods, until } from "../kube/workload-helpers.js";

const execFileP = promisify(execFile);
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const RG = "trace-hp-rg";
const CHROMIUM = "/usr/bin/chromium";

let emu: TestEmulator;
let c: KubeCluster;
let dataDir: string;
let running: Pod[];

async function trace(body: Record<string, unknown>): Promise<{ status: number; json: TraceResult }> {
  const res = await fetch(`${emu.url}/_aksnet/trace`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await emu.token()}` },
    body: JSON.stringify({ resourceGroup: RG, cluster: "hpt", ...body }),
  });
  return { status: res.status, json: (await res.json()) as TraceResult };
}

const hostPortOf = (p: Pod, containerPort: number) =>
  p.spec?.containers[0].ports?.find((x) => x.containerPort === containerPort)?.hostPort ?? 0;

beforeAll(async () => {
  emu = await startKubeEmulator();
  const sub = `/subscriptions/${emu.subscriptionId}`;
  const reg = await emu.arm(
    "POST",
    `${sub}/providers/Microsoft.Features/providers/Microsoft.ContainerService/features/PodHostPortAutoAssignPreview/register?api-version=2021-07-01`,
  );
  expect(reg.status).toBe(200);
  c = await makeCluster(emu, "hpt", {
    rg: RG,
    count: 2,
    pool: {
      enableNodePublicIP: true,
      networkProfile: { allowedHostPorts: [{ portStart: 40000, portEnd: 60000, protocol: "TCP" }] },
    },
  });
  const applied = await kubectl(c, ["apply", "-f", "-"], ECHOSERVER_HOSTPORT_YAML);
  expect(applied.stdout.trim()).toBe("deployment.apps/echoserver-hostport created");
  running = await until(async () => {
    const ps = await pods(c, "default", "app=echoserver-hostport");
    return ps.length === 3 && ps.every((p) => p.status?.phase === "Running" && p.status.podIP)
      ? ps
      : undefined;
  });
  dataDir = tempDir("aksnet-hp-trace-");
  fs.writeFileSync(
    path.join(dataDir, "aksnet.json"),
    JSON.stringify({
      armEndpoint: emu.url,
      caFile: emu.caFile,
      tenantId: emu.tenantId,
      subscriptionId: emu.subscriptionId,
      pid: process.pid,
      dataDir,
      inMemory: true,
    }),
  );
  fs.writeFileSync(path.join(dataDir, "admin.token"), `${emu.adminSecret}\n`, { mode: 0o600 });
}, 120_000);
afterAll(async () => {
  await emu?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("the page's pods per node (GET /_aksnet/topology → cluster.pods)", () => {
  it("every pod of the cluster under its node, with its pod IP and host ports, as kubectl lists them", async () => {
    const res = await fetch(`${emu.url}/_aksnet/topology`, {
      headers: { authorization: `Bearer ${await emu.token()}` },
    });
    expect(res.status).toBe(200);
    const t = (await res.json()) as Topology;
    const cl = t.subscriptions[0].clusters.find((x) => x.name === "hpt");
    if (!cl) throw new Error("no cluster hpt in the topology");
    const all = await pods(c);
    expect(cl.pods.total).toBe(all.length);
    expect(cl.pods.unscheduled).toBe(0);
    const nodes = cl.pools[0].nodes.map((n) => n.name);
    expect(cl.pods.nodes.map((n) => n.node)).toEqual(nodes);
    // Each node lists exactly the pods kubectl places there, with kubectl's address and phase.
    for (const n of cl.pods.nodes) {
      const mine = all.filter((p) => p.spec?.nodeName === n.node);
      expect(n.pods.map((p) => `${p.namespace}/${p.name} ${p.podIP} ${p.phase}`).sort()).toEqual(
        mine
          .map((p) => `${p.metadata?.namespace}/${p.metadata?.name} ${p.status?.podIP} ${p.status?.phase}`)
          .sort(),
      );
    }
    for (const p of running) {
      const shown = cl.pods.nodes
        .find((n) => n.node === p.spec?.nodeName)
        ?.pods.find((x) => x.name === p.metadata?.name);
      expect(shown).toEqual({
        namespace: "default",
        name: p.metadata?.name,
        podIP: p.status?.podIP,
        phase: "Running",
        hostNetwork: false,
        hostPorts: [
          {
            container: "echoserver-hostport",
            containerPort: 8080,
            hostPort: hostPortOf(p, 8080),
            protocol: "TCP",
          },
          {
            container: "echoserver-hostport",
            containerPort: 8443,
            hostPort: hostPortOf(p, 8443),
            protocol: "TCP",
          },
        ],
      });
      // kubenet: the pod address is inside its node's pod CIDR block.
      const block = cl.pools[0].nodes.find((n) => n.name === p.spec?.nodeName)?.podCidr ?? "";
      expect(inCidr(p.status?.podIP ?? "", block)).toBe(true);
    }
    // hostNetwork pods (kube-proxy) report the node's address and hold their ports on the node.
    const proxy = cl.pods.nodes[0].pods.find((p) => p.name.startsWith("kube-proxy-"));
    expect(proxy).toMatchObject({
      namespace: "kube-system",
      hostNetwork: true,
      podIP: cl.pools[0].nodes[0].privateIP,
    });
  });

  it("the page draws that section: podsSection(c) in each cluster card, the script still parses", async () => {
    const login = await fetch(emu.loginUrl(), { redirect: "manual" });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
    const html = await (await fetch(`${emu.url}/`, { headers: { cookie } })).text();
    const script = html.slice(html.indexOf("<script>") + 8, html.lastIndexOf("</script>"));
    expect(() => new Function(script)).not.toThrow();
    expect(script).toContain("function podsSection(c)");
    expect(script).toMatch(/nodeTable\(p\)\);\s+\}\),\s+podsSection\(c\),/);
    expect(html).toContain(".pods table.pod-table td.hostports");
  });

  // A real browser, when the machine has one: the drawn DOM holds each pod row under its node.
  it.skipIf(!fs.existsSync(CHROMIUM))(
    "headless chromium draws each echoserver pod with its IP and host ports",
    async () => {
      const r = await execFileP(
        CHROMIUM,
        [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--ignore-certificate-errors",
          `--user-data-dir=${tempDir("aksnet-chromium-")}`,
          "--virtual-time-budget=10000",
          "--dump-dom",
          emu.loginUrl(),
        ],
        { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
      );
      for (const p of running) {
        const row = new RegExp(
          `<tr data-pod="default/${p.metadata?.name}"><td class="mono">default/${p.metadata?.name}</td><td class="mono">${p.status?.podIP}</td><td class="hostports">${hostPortOf(p, 8080)}/TCP → 8080, ${hostPortOf(p, 8443)}/TCP → 8443</td><td class="phase-Running">Running</td></tr>`,
        );
        expect(r.stdout).toMatch(row);
      }
      expect(r.stdout).toMatch(/<summary>Pods: \d+ pods on 2 nodes<\/summary>/);
    },
    120_000,
  );
});

describe("aksnet trace: a pod's host port", () => {
  it("Internet → node public IP:hostPort → the pool's allowed-host-ports rule → the pod holding it", async () => {
    const p = running[0];
    const node = p.spec?.nodeName ?? "";
    const h = hostPortOf(p, 8080);
    const { status, json } = await trace({ node, port: `${h}/tcp` });
    expect(status).toBe(200);
    expect(json.nodes).toHaveLength(1);
    const n = json.nodes[0];
    expect(n.node).toBe(node);
    expect(n.publicIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect([n.verdict, n.decidingRule?.name]).toEqual(["Allow", "aks-hostport-nodepool1-tcp-40000-60000"]);
    expect(n.receiver?.pod).toEqual({
      namespace: "default",
      name: p.metadata?.name,
      container: "echoserver-hostport",
      containerPort: 8080,
      hostPort: h,
      protocol: "TCP",
      podIP: p.status?.podIP,
      phase: "Running",
      hostNetwork: false,
    });
    expect(n.path).toEqual([
      "Internet",
      `${n.publicIp}:${h} (node public IP)`,
      `NSG: Allow by aks-hostport-nodepool1-tcp-40000-60000 (200, nic NSG ${n.decidingRule?.nsgName})`,
      `pod default/${p.metadata?.name}, container echoserver-hostport, containerPort 8080/TCP (pod IP ${p.status?.podIP}:8080)`,
    ]);
  });

  it("the same port on a node where no pod holds it, or over the other protocol: nobody listens", async () => {
    const p = running[0];
    const h = hostPortOf(p, 8443);
    const all = await trace({ port: `${h}/tcp` });
    expect(all.json.nodes).toHaveLength(2);
    for (const n of all.json.nodes) {
      if (n.node === p.spec?.nodeName) expect(n.receiver?.pod?.name).toBe(p.metadata?.name);
      else {
        expect(n.receiver).toEqual({ text: `no pod listens on ${h}/tcp on this node` });
        expect(n.path?.[3]).toBe(`no pod listens on ${h}/tcp on this node`);
      }
    }
    const udp = await trace({ node: p.spec?.nodeName, port: `${h}/udp` });
    expect(udp.json.nodes[0].verdict).toBe("Deny");
    expect(udp.json.nodes[0].receiver).toEqual({ text: `no pod listens on ${h}/udp on this node` });
  });

  it("--to the node's public IP picks that node; from VirtualNetwork the hop is the private IP", async () => {
    const p = running[1];
    const h = hostPortOf(p, 8080);
    const one = await trace({ node: p.spec?.nodeName, port: `${h}/tcp` });
    const pip = one.json.nodes[0].publicIp ?? "";
    const to = await trace({ to: pip, port: `${h}/tcp` });
    expect(to.status).toBe(200);
    expect(to.json.nodes.map((n) => [n.node, n.receiver?.pod?.name])).toEqual([
      [p.spec?.nodeName, p.metadata?.name],
    ]);
    const vnet = await trace({ node: p.spec?.nodeName, port: `${h}/tcp`, from: "VirtualNetwork" });
    const n = vnet.json.nodes[0];
    expect(n.path?.slice(0, 3)).toEqual([
      "VirtualNetwork",
      `${n.privateIp}:${h} (node private IP)`,
      `NSG: Allow by aks-hostport-nodepool1-tcp-40000-60000 (200, nic NSG ${n.decidingRule?.nsgName})`,
    ]);
    expect(n.receiver?.pod?.podIP).toBe(p.status?.podIP);
    const nowhere = await trace({ to: "9.9.9.9", port: `${h}/tcp` });
    expect(nowhere.status).toBe(400);
  });

  it("the CLI prints the pod column and the path", async () => {
    const p = running[0];
    const h = hostPortOf(p, 8080);
    const r = await execFileP(
      process.execPath,
      [
        path.join(repo, "bin", "aksnet.js"),
        "trace",
        "-g",
        RG,
        "-c",
        "hpt",
        "--node",
        p.spec?.nodeName ?? "",
        "-p",
        `${h}/tcp`,
      ],
      { env: { PATH: process.env.PATH ?? "", AKSNET_DATA_DIR: dataDir }, cwd: dataDir },
    );
    const lines = r.stdout.split("\n");
    expect(lines[2]).toMatch(/ +NSG +POD$/);
    expect(lines[3].split(/ {2,}/).at(-1)).toBe(`default/${p.metadata?.name}`);
    expect(r.stdout).toMatch(
      new RegExp(
        `\\n {2}${p.spec?.nodeName}: Internet → [\\d.]+:${h} \\(node public IP\\) → NSG: Allow by aks-hostport-nodepool1-tcp-40000-60000 \\(200, nic NSG [^)]+\\) → pod default/${p.metadata?.name}, container echoserver-hostport, containerPort 8080/TCP \\(pod IP ${p.status?.podIP?.replaceAll(".", "\\.")}:8080\\)\\n`,
      ),
    );
  });

  it("once the pods are gone, nobody listens on the port any more", async () => {
    const p = running[0];
    const h = hostPortOf(p, 8080);
    const del = await kubectl(c, ["delete", "deployment", "echoserver-hostport", "--wait=false"]);
    expect(del.code).toBe(0);
    const gone = await until(async () => {
      const r = await trace({ node: p.spec?.nodeName, port: `${h}/tcp` });
      return r.json.nodes[0].receiver?.pod ? undefined : r.json.nodes[0];
    });
    expect(gone.receiver?.text).toBe(`no pod listens on ${h}/tcp on this node`);
  });
});

describe("host-port admission claims ports in the store without reading the whole pool", () => {
  const pod = (name: string, spec: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  annotations: {kubernetes.azure.com/assign-hostports-for-containerports: "${spec}"}
spec:
  containers: [{name: c, image: nginx, ports: [{containerPort: 8080}, {containerPort: 9090, protocol: UDP}]}]
`;
  const pool = () => `kube/${c.uid}/hostports`;
  // Rows need a live owner, or the kubelet's sweep releases them: a plain pod holds them.
  let other = "";
  beforeAll(async () => {
    const r = await kubectl(c, ["run", "holder", "--image=nginx", "--restart=Never"]);
    expect(r.code).toBe(0);
    const uid = (await pods(c, "default")).find((p) => p.metadata?.name === "holder")?.metadata?.uid;
    other = `kube/${c.uid}/pod/${uid}`;
  });

  it("next-fit skips ports someone already holds at the cursor", async () => {
    const cursor = Number(await emu.store.read((tx) => tx.getMeta(`kube/${c.uid}/hostport-cursor`)));
    await emu.store.transaction(async (tx) => {
      for (let i = 0; i < 10; i++) await tx.allocate(pool(), String(40000 + ((cursor + i) % 20000)), other);
    });
    const r = await kubectl(c, ["apply", "-f", "-"], pod("skips", "8080/tcp"));
    expect(r.stdout.trim()).toBe("pod/skips created");
    const got = (await pods(c, "default")).find((p) => p.metadata?.name === "skips");
    expect(got?.spec?.containers[0].ports?.[0].hostPort).toBe(40000 + ((cursor + 10) % 20000));
  });

  it("a full range is refused (403) and claims nothing", async () => {
    await emu.store.transaction(async (tx) => {
      for (let p = 40000; p <= 59999; p++) await tx.allocate(pool(), String(p), other);
    });
    const skips = (await pods(c, "default")).find((p) => p.metadata?.name === "skips");
    const held = skips?.spec?.containers[0].ports?.[0].hostPort ?? 0;
    // One port free: not enough for two.
    const free = held === 59999 ? 40000 : held + 1;
    await emu.store.transaction(async (tx) => {
      await tx.release(pool(), String(free));
    });
    const r = await kubectl(c, ["apply", "-f", "-"], pod("full", "8080/tcp,9090/udp"));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'pods "full" is forbidden: metadata.annotations[kubernetes.azure.com/assign-hostports-for-containerports]: ',
    );
    expect(r.stderr).toContain("no free host ports left in 40000-59999 for 2 port(s)");
    const rows = await emu.store.read((tx) => tx.listAllocations(pool()));
    expect(rows.length).toBe(19999);
    expect(rows.filter((a) => a.owner !== other).length).toBeLessThanOrEqual(1);
    expect(rows.some((a) => a.item === String(free))).toBe(false);
  });
});
