// Pod addresses run out (issue 11, item 6), seen with the real kubectl: Azure CNI with a pod
// subnet allocates dynamically — a node starts with a batch of 16 pod-subnet addresses and
// takes more as its pods need them — and when the pod subnet has none left the pod stays
// ContainerCreating with CNS's FailedCreatePodSandBox event (NC Status SubnetFull). A node
// grows ahead of need (CNS's idempotent pool scaling): half a batch always stays free.
import { NetworkManagementClient } from "@azure/arm-network";
import type { Pod } from "kubernetes-types/core/v1.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subnetPool } from "../../src/providers/network/shared.js";
import type { TestEmulator } from "../helpers/emulator.js";
import { type KubeCluster, kubectl, startKubeEmulator } from "../kube/kube-helpers.js";
import { inCidr, makeCluster, pods, until } from "../kube/workload-helpers.js";

const RG = "podaddr-rg";
const POD_SUBNET = "10.40.1.0/27"; // 32 − Azure's 5 reserved = 27 usable addresses
let emu: TestEmulator;
let c: KubeCluster;

const fill = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: fill}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: fill}}
  template:
    metadata: {labels: {app: fill}}
    spec:
      containers: [{name: c, image: nginx:1.27}]
`;

/** Pods that take a pod-subnet address (not hostNetwork), cluster-wide. */
const addressed = (ps: Pod[]) => ps.filter((p) => !p.spec?.hostNetwork);

beforeAll(async () => {
  emu = await startKubeEmulator();
  const sub = `/subscriptions/${emu.subscriptionId}`;
  await emu.arm("PUT", `${sub}/resourcegroups/${RG}?api-version=2021-04-01`, { location: "eastus" });
  const vnet = `${sub}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/v`;
  const put = await emu.arm("PUT", `${vnet}?api-version=2024-05-01`, {
    location: "eastus",
    properties: {
      addressSpace: { addressPrefixes: ["10.40.0.0/16"] },
      subnets: [
        { name: "nodes", properties: { addressPrefix: "10.40.0.0/24" } },
        { name: "pods", properties: { addressPrefix: POD_SUBNET } },
      ],
    },
  });
  expect(put.status).toBeLessThan(300);
  c = await makeCluster(emu, "podaddr", {
    rg: RG,
    plugin: "azure",
    count: 1,
    maxPods: 250,
    pool: { vnetSubnetID: `${vnet}/subnets/nodes`, podSubnetID: `${vnet}/subnets/pods` },
  });
}, 120_000);
afterAll(async () => {
  await emu?.close();
});

describe("pod subnet: dynamic allocation until the subnet is full", () => {
  let stuck: Pod[] = [];
  it("40 replicas on one node: the node grows past its first batch of 16 to all 27 addresses, the rest wait", async () => {
    const r = await kubectl(c, ["apply", "-f", "-"], fill(40));
    expect(r.stdout.trim()).toBe("deployment.apps/fill created");
    const settled = await until(async () => {
      const all = await pods(c);
      const fills = all.filter((p) => p.metadata?.labels?.app === "fill");
      if (fills.length !== 40) return undefined;
      const withIp = addressed(all).filter((p) => p.status?.podIP);
      const waiting = fills.filter(
        (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ContainerCreating",
      );
      return withIp.length === 27 && withIp.length + waiting.length === addressed(all).length
        ? { withIp, waiting }
        : undefined;
    }, 60_000);
    // Every address is the pod subnet's, none twice.
    const ips = settled.withIp.map((p) => p.status?.podIP ?? "");
    expect(ips.every((ip) => inCidr(ip, POD_SUBNET))).toBe(true);
    expect(new Set(ips).size).toBe(27);
    expect(settled.waiting.length).toBeGreaterThan(0);
    expect(settled.waiting.every((p) => p.status?.phase === "Pending" && !p.status.podIP)).toBe(true);
    stuck = settled.waiting;
  });

  it("kubectl shows the waiting pod ContainerCreating, and describe shows CNS's FailedCreatePodSandBox", async () => {
    const p = stuck[0];
    const name = p.metadata?.name ?? "";
    const get = await kubectl(c, ["get", "pod", name, "--no-headers"]);
    expect(get.stdout.trim().split(/\s+/).slice(1, 3)).toEqual(["0/1", "ContainerCreating"]);
    const d = await kubectl(c, ["describe", "pod", name]);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/\n {4}State: {10}Waiting\n {6}Reason: {7}ContainerCreating\n/);
    const sandbox = /failed to setup network for sandbox "([0-9a-f]{64})"/.exec(d.stdout)?.[1] ?? "";
    const line = d.stdout.split("\n").find((l) => l.startsWith("  Warning  FailedCreatePodSandBox  ")) ?? "";
    const [, type, reason, , from, message] = line.split(/ {2,}/);
    expect([type, reason, from]).toEqual(["Warning", "FailedCreatePodSandBox", "kubelet"]);
    expect(message).toBe(
      `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "${sandbox}": plugin type="azure-vnet" failed (add): IPAM Invoker Add failed with error: Failed to get IP address from CNS with error: %w: AllocateIPConfig failed: not enough IPs available for ${p.metadata?.uid}, waiting on Azure CNS to allocate more with NC Status: SubnetFull, IP config request is [IPConfigRequest: DesiredIPAddress , PodInterfaceID ${sandbox.slice(0, 8)}-eth0, InfraContainerID ${sandbox}, OrchestratorContext {"PodName":"${name}","PodNamespace":"default"}]`,
    );
  });

  it("scaling down frees addresses: the remaining pods all get one and run", async () => {
    const r = await kubectl(c, ["scale", "deployment", "fill", "--replicas=10"]);
    expect(r.code).toBe(0);
    const done = await until(async () => {
      const fills = (await pods(c, "default", "app=fill")).filter((p) => !p.metadata?.deletionTimestamp);
      return fills.length === 10 && fills.every((p) => p.status?.phase === "Running" && p.status.podIP)
        ? fills
        : undefined;
    }, 60_000);
    expect(done.every((p) => inCidr(p.status?.podIP ?? "", POD_SUBNET))).toBe(true);
  });

  it("a node hands spare batches back to the subnet: CNS keeps 16 × ⌈0.5 + used/16⌉ addresses", async () => {
    const held = () =>
      emu.store.read(async (tx) => (await tx.listAllocations(subnetPool(podSubnetId()))).length);
    expect(await held()).toBe(27); // 10 pods and the add-ons: 16 × ⌈0.5 + 13/16⌉ = 32, all 27 kept
    expect((await kubectl(c, ["scale", "deployment", "fill", "--replicas=0"])).code).toBe(0);
    await until(async () => ((await pods(c, "default", "app=fill")).length === 0 ? true : undefined), 30_000);
    // Only the add-ons' few pods left: 16 × ⌈0.5 + u/16⌉ = 16 for u ≤ 8; the other 11 go back.
    const addons = addressed(await pods(c, "kube-system")).length;
    expect(addons).toBeLessThanOrEqual(8);
    expect(await until(async () => ((await held()) === 16 ? 16 : undefined), 30_000)).toBe(16);
    // The add-ons keep theirs.
    const kept = addressed(await pods(c, "kube-system")).map((p) => p.status?.podIP);
    expect(kept.every((ip) => ip && inCidr(ip, POD_SUBNET))).toBe(true);
    const rows = await emu.store.read((tx) => tx.listAllocations(subnetPool(podSubnetId())));
    for (const ip of kept) expect(rows.map((r) => r.item)).toContain(ip);
  });
});

const podSubnetId = () =>
  `/subscriptions/${emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/v/subnets/pods`;

describe("pod subnet: a node grows ahead of need, keeping half a batch free (16 × ⌈0.5 + pods/16⌉)", () => {
  const RG2 = "podgrow-rg";
  const SUBNET = "10.41.1.0/26"; // 59 usable: room for 3 batches
  let g: KubeCluster;
  let net: NetworkManagementClient;
  let addons = 0;
  const grow = (replicas: number) => fill(replicas).replaceAll("fill", "grow");
  const subnetId = () =>
    `/subscriptions/${emu.subscriptionId}/resourceGroups/${RG2}/providers/Microsoft.Network/virtualNetworks/v2/subnets/pods`;
  /** Addresses the pod subnet has handed out, as ARM's usages report them. */
  const usage = async () => {
    for await (const u of net.virtualNetworks.listUsage(RG2, "v2"))
      if (u.id?.toLowerCase() === subnetId().toLowerCase()) return u.currentValue;
    return undefined;
  };
  const held = () => emu.store.read(async (tx) => (await tx.listAllocations(subnetPool(subnetId()))).length);
  /** Waits until the deployment's `n` pods run with pod-subnet addresses. */
  const running = (n: number) =>
    until(async () => {
      const ps = (await pods(g, "default", "app=grow")).filter((p) => !p.metadata?.deletionTimestamp);
      return ps.length === n && ps.every((p) => p.status?.phase === "Running" && p.status.podIP)
        ? ps
        : undefined;
    }, 60_000);

  beforeAll(async () => {
    net = new NetworkManagementClient(emu.credential, emu.subscriptionId, emu.clientOptions);
    const sub = `/subscriptions/${emu.subscriptionId}`;
    await emu.arm("PUT", `${sub}/resourcegroups/${RG2}?api-version=2021-04-01`, { location: "eastus" });
    const vnet = `${sub}/resourceGroups/${RG2}/providers/Microsoft.Network/virtualNetworks/v2`;
    const put = await emu.arm("PUT", `${vnet}?api-version=2024-05-01`, {
      location: "eastus",
      properties: {
        addressSpace: { addressPrefixes: ["10.41.0.0/16"] },
        subnets: [
          { name: "nodes", properties: { addressPrefix: "10.41.0.0/24" } },
          { name: "pods", properties: { addressPrefix: SUBNET } },
        ],
      },
    });
    expect(put.status).toBeLessThan(300);
    g = await makeCluster(emu, "podgrow", {
      rg: RG2,
      plugin: "azure",
      count: 1,
      maxPods: 250,
      pool: { vnetSubnetID: `${vnet}/subnets/nodes`, podSubnetID: `${vnet}/subnets/pods` },
    });
    // The add-ons that take a pod address, settled (they count in the node's demand too).
    addons = await until(async () => {
      const ks = addressed(await pods(g, "kube-system")).filter((p) => p.spec?.nodeName);
      return ks.length && ks.every((p) => p.status?.podIP) ? ks.length : undefined;
    }, 60_000);
    expect(addons).toBeLessThanOrEqual(7);
  }, 120_000);

  it("the first pod: the node holds its first batch of 16 (7 or more free)", async () => {
    expect((await kubectl(g, ["apply", "-f", "-"], grow(1))).stdout.trim()).toBe(
      "deployment.apps/grow created",
    );
    const [p] = await running(1);
    expect(inCidr(p.status?.podIP ?? "", SUBNET)).toBe(true);
    expect(await held()).toBe(16);
    expect(await usage()).toBe(16);
  });

  it("8 pods on the node: still 16 (8 free = half a batch); the 9th: the next batch, 32, before any runs short", async () => {
    expect((await kubectl(g, ["scale", "deployment", "grow", `--replicas=${8 - addons}`])).code).toBe(0);
    await running(8 - addons);
    expect(await held()).toBe(16);
    expect(await usage()).toBe(16);
    expect((await kubectl(g, ["scale", "deployment", "grow", `--replicas=${9 - addons}`])).code).toBe(0);
    const ps = await running(9 - addons);
    // 9 used of 16 would leave 7 free: CNS asks for 16 × ⌈0.5 + 9/16⌉ = 32.
    expect(await held()).toBe(32);
    expect(await usage()).toBe(32);
    // Every address is the subnet's, none twice, and all the node holds are rows of its NIC.
    const ips = [...ps, ...addressed(await pods(g, "kube-system"))].map((p) => p.status?.podIP ?? "");
    expect(new Set(ips).size).toBe(9);
    expect(ips.every((ip) => inCidr(ip, SUBNET))).toBe(true);
    const rows = await emu.store.read((tx) => tx.listAllocations(subnetPool(subnetId())));
    expect(new Set(rows.map((r) => r.owner)).size).toBe(1);
    expect(rows[0].owner).toMatch(/\/ipConfigurations\/podipconfig$/i);
    for (const ip of ips) expect(rows.map((r) => r.item)).toContain(ip);
  });

  it("24 pods: 32 (8 free); 25: 48 — and back to 8: the spare batches go back to the subnet", async () => {
    expect((await kubectl(g, ["scale", "deployment", "grow", `--replicas=${24 - addons}`])).code).toBe(0);
    await running(24 - addons);
    expect(await held()).toBe(32);
    expect((await kubectl(g, ["scale", "deployment", "grow", `--replicas=${25 - addons}`])).code).toBe(0);
    await running(25 - addons);
    expect(await held()).toBe(48);
    expect(await usage()).toBe(48);
    expect((await kubectl(g, ["scale", "deployment", "grow", `--replicas=${8 - addons}`])).code).toBe(0);
    await running(8 - addons);
    expect(await until(async () => ((await held()) === 16 ? 16 : undefined), 30_000)).toBe(16);
    expect(await usage()).toBe(16);
  });
});
