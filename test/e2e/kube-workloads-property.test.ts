// The workloads property through the real emulator: random deploy / scale / roll / delete /
// pool-resize sequences sent over the wire (Kubernetes API with the cluster's token, ARM for
// the pool) while the controller manager runs. After every step — not only once things
// settle — one consistent store read checks the pods against the allocation rows: every pod
// address and every auto-assigned host port is a row owned by exactly that pod, so none is
// ever shared; addresses lie where the plugin puts them; no node has a host port twice. At the
// end, deleting everything releases every row. AKSNET_PROP_SEED / AKSNET_PROP_RUNS replay.
import type { Pod } from "kubernetes-types/core/v1.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostPortPool, podOwner } from "../../src/kube/admission.js";
import { podIpPool } from "../../src/kube/controllers/kubelet.js";
import type { TestEmulator } from "../helpers/emulator.js";
import { type KubeCluster, kube, startKubeEmulator } from "../kube/kube-helpers.js";
import { inCidr, makeCluster, poolScale, registerFlag, until } from "../kube/workload-helpers.js";

const SEED = Number(process.env.AKSNET_PROP_SEED ?? Date.now() % 100000);
const STEPS = Number(process.env.AKSNET_PROP_RUNS ?? 14);
const MAX_PODS = 10;

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startKubeEmulator();
  await registerFlag(emu, "PodHostPortAutoAssignPreview");
}, 60_000);
afterAll(async () => {
  await emu?.close();
});

/** mulberry32: small, seeded, enough to replay a failing sequence. */
function rng(seed: number) {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const deployment = (name: string, replicas: number, autoPorts: boolean, fixedPort: boolean) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: {
        labels: { app: name },
        ...(autoPorts
          ? {
              annotations: {
                "kubernetes.azure.com/assign-hostports-for-containerports": "8080/tcp,8443/udp",
              },
            }
          : {}),
      },
      spec: {
        containers: [
          {
            name: "c",
            image: "k8s.gcr.io/echoserver:1.10",
            ports: [
              { containerPort: 8080, protocol: "TCP" },
              { containerPort: 8443, protocol: "UDP" },
              ...(fixedPort ? [{ containerPort: 9100, hostPort: 9100, protocol: "TCP" }] : []),
            ],
          },
        ],
      },
    },
  },
});

const DEPLOYS = "/apis/apps/v1/namespaces/default/deployments";
const MERGE = { "content-type": "application/merge-patch+json" };

interface Snapshot {
  pods: Pod[];
  podIps: { item: string; owner: string }[];
  hostPorts: { item: string; owner: string }[];
}

async function snapshot(c: KubeCluster): Promise<Snapshot> {
  return emu.store.read(async (tx) => ({
    pods: (await tx.listObjects({ cluster: c.uid, resource: "core/pods" })).map((r) => r.body as Pod),
    podIps: await tx.listAllocations(podIpPool(c.uid)),
    hostPorts: await tx.listAllocations(hostPortPool(c.uid)),
  }));
}

const terminal = (p: Pod) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";

async function check(c: KubeCluster, plugin: string, where: string): Promise<void> {
  const s = await snapshot(c);
  const ipRow = new Map(s.podIps.map((a) => [a.item, a.owner]));
  const portRow = new Map(s.hostPorts.map((a) => [a.item, a.owner]));
  const nodes = (await kube(c, "GET", "/api/v1/nodes")).body as {
    items: {
      metadata: { name: string };
      spec: { podCIDR?: string };
      status: { addresses: { address: string }[] };
    }[];
  };
  const nodeIps = new Set(nodes.items.flatMap((n) => n.status.addresses.map((a) => a.address)));
  const perNode = new Map<string, Set<string>>();
  const seenIps = new Set<string>();
  for (const p of s.pods) {
    const owner = podOwner(c.uid, p.metadata?.uid ?? "");
    const ip = p.status?.podIP;
    const what = `${where}: pod ${p.metadata?.namespace}/${p.metadata?.name}`;
    if (ip && !p.spec?.hostNetwork && !terminal(p)) {
      // The address is a store row owned by this very pod: nobody else can hold it.
      expect(ipRow.get(ip), `${what} ${ip}`).toBe(owner);
      expect(seenIps.has(ip), `${what} ${ip} shared`).toBe(false);
      seenIps.add(ip);
      expect(nodeIps.has(ip), `${what} has a node's address`).toBe(false);
      const node = nodes.items.find((n) => n.metadata.name === p.spec?.nodeName);
      if (plugin === "kubenet" && node) expect(inCidr(ip, node.spec.podCIDR ?? ""), what).toBe(true);
      if (plugin === "azure") expect(inCidr(ip, "10.224.0.0/16"), what).toBe(true);
    }
    for (const ct of p.spec?.containers ?? [])
      for (const port of ct.ports ?? []) {
        const hp = port.hostPort;
        if (!hp) continue;
        if (hp >= 40000 && hp <= 59999) expect(portRow.get(String(hp)), `${what} hostPort ${hp}`).toBe(owner);
        if (!p.spec?.nodeName || terminal(p)) continue;
        const used = perNode.get(p.spec.nodeName) ?? new Set<string>();
        const k = `${port.protocol ?? "TCP"}/${hp}`;
        expect(used.has(k), `${what} ${k} twice on ${p.spec.nodeName}`).toBe(false);
        used.add(k);
        perNode.set(p.spec.nodeName, used);
      }
  }
}

async function run(plugin: "kubenet" | "azure", seed: number): Promise<void> {
  const rand = rng(seed);
  const c = await makeCluster(emu, `prop-${plugin}`, {
    rg: `prop-${plugin}`,
    plugin,
    count: 2,
    maxPods: MAX_PODS,
  });
  const live = new Set<string>();
  let image = 10;
  for (let step = 0; step < STEPS; step++) {
    const name = `app${rand(3)}`;
    const kind = ["deploy", "deploy", "scale", "roll", "delete", "pool"][rand(6)];
    const where = `seed ${seed} step ${step} ${kind} ${name}`;
    if (kind === "deploy" && !live.has(name)) {
      const r = await kube(c, "POST", DEPLOYS, deployment(name, rand(7), rand(3) > 0, rand(4) === 0));
      expect(r.status, `${where}: ${r.text}`).toBe(201);
      live.add(name);
    } else if (kind === "scale" && live.has(name)) {
      const r = await kube(c, "PATCH", `${DEPLOYS}/${name}`, { spec: { replicas: rand(9) } }, MERGE);
      expect(r.status, where).toBe(200);
    } else if (kind === "roll" && live.has(name)) {
      const patch = {
        spec: {
          template: { spec: { containers: [{ name: "c", image: `k8s.gcr.io/echoserver:1.${++image}` }] } },
        },
      };
      const r = await kube(c, "PATCH", `${DEPLOYS}/${name}`, patch, {
        "content-type": "application/strategic-merge-patch+json",
      });
      expect(r.status, where).toBe(200);
    } else if (kind === "delete" && live.has(name)) {
      const r = await kube(c, "DELETE", `${DEPLOYS}/${name}`);
      expect(r.status, where).toBe(200);
      live.delete(name);
    } else if (kind === "pool") await poolScale(emu, c, "nodepool1", 1 + rand(3), `prop-${plugin}`);
    // Mid-flight, twice: right after the request and a moment later, while controllers work.
    await check(c, plugin, where);
    await new Promise((r) => setTimeout(r, 60 + rand(200)));
    await check(c, plugin, `${where} (+later)`);
  }
  // Everything deleted → every workload row released (system pods keep theirs).
  for (const name of live) await kube(c, "DELETE", `${DEPLOYS}/${name}`);
  const settled = await until(async () => {
    const s = await snapshot(c);
    const apps = s.pods.filter((p) => p.metadata?.namespace === "default");
    const owners = new Set(s.pods.map((p) => podOwner(c.uid, p.metadata?.uid ?? "")));
    return apps.length === 0 && s.hostPorts.length === 0 && s.podIps.every((a) => owners.has(a.owner))
      ? s
      : undefined;
  }, 60_000);
  expect(settled.podIps.length).toBe(
    settled.pods.filter((p) => p.status?.podIP && !p.spec?.hostNetwork && !terminal(p)).length,
  );
  await check(c, plugin, `seed ${seed} settled`);
}

describe("property over the wire: deploy/scale/roll/delete/pool resize never share a pod address or host port", () => {
  it("kubenet", { timeout: 240_000 }, async () => {
    await run("kubenet", SEED);
  });
  it("azure CNI (flat)", { timeout: 240_000 }, async () => {
    await run("azure", SEED + 1);
  });
});
