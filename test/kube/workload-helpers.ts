// Helpers for the tests of the living cluster (controllers + admission): clusters with options,
// pods as objects via kubectl, polling, CIDR membership, pool scaling through ARM.
import fs from "node:fs";
import path from "node:path";
import type { Pod } from "kubernetes-types/core/v1.js";
import { containsIp, parseCidr, parseIp } from "../../src/net/index.js";
import type { TestEmulator } from "../helpers/emulator.js";
import { tempDir } from "../helpers/emulator.js";
import { type KubeCluster, kubectl } from "./kube-helpers.js";

export interface ClusterOptions {
  count?: number;
  version?: string;
  plugin?: "kubenet" | "azure";
  maxPods?: number;
  rg?: string;
  /** networkProfile.networkPolicy (calico, azure, cilium, none). */
  networkPolicy?: string;
  /** More agent pool properties (enableNodePublicIP, networkProfile.allowedHostPorts, …). */
  pool?: Record<string, unknown>;
  /** More networkProfile properties (networkPluginMode, podCidr, …). */
  network?: Record<string, unknown>;
}

const API = "api-version=2024-05-01";

export function clusterId(emu: TestEmulator, name: string, rg = "work-rg"): string {
  return `/subscriptions/${emu.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${name}`;
}

async function waitSucceeded(emu: TestEmulator, id: string): Promise<void> {
  await until(async () => {
    const r = await emu.arm("GET", `${id}?${API}`);
    const state = (r.body as { properties?: { provisioningState?: string } } | undefined)?.properties
      ?.provisioningState;
    if (state === "Failed") throw new Error(`${id} failed: ${r.text}`);
    return state === "Succeeded" ? true : undefined;
  }, 60_000);
}

/** A managed cluster created through ARM (waited for), with its user kubeconfig on disk. */
export async function makeCluster(
  emu: TestEmulator,
  name: string,
  o: ClusterOptions = {},
): Promise<KubeCluster> {
  const rg = o.rg ?? "work-rg";
  const sub = `/subscriptions/${emu.subscriptionId}`;
  await emu.arm("PUT", `${sub}/resourcegroups/${rg}?api-version=2021-04-01`, { location: "eastus" });
  const id = clusterId(emu, name, rg);
  const put = await emu.arm("PUT", `${id}?${API}`, {
    location: "eastus",
    identity: { type: "SystemAssigned" },
    properties: {
      kubernetesVersion: o.version ?? "1.33",
      dnsPrefix: name,
      agentPoolProfiles: [
        {
          name: "nodepool1",
          count: o.count ?? 1,
          vmSize: "Standard_DS2_v2",
          mode: "System",
          osType: "Linux",
          ...(o.maxPods ? { maxPods: o.maxPods } : {}),
          ...o.pool,
        },
      ],
      networkProfile: {
        networkPlugin: o.plugin ?? "kubenet",
        ...(o.networkPolicy ? { networkPolicy: o.networkPolicy } : {}),
        ...o.network,
      },
    },
  });
  if (put.status >= 300) throw new Error(`cluster PUT failed: ${put.status} ${put.text}`);
  await waitSucceeded(emu, id);
  const r = await emu.arm("POST", `${id}/listClusterUserCredential?${API}`);
  if (r.status !== 200) throw new Error(`credential failed: ${r.status} ${r.text}`);
  const kubeconfig = Buffer.from(
    (r.body as { kubeconfigs: { value: string }[] }).kubeconfigs[0].value,
    "base64",
  ).toString("utf8");
  const server = /server: (\S+)/.exec(kubeconfig)?.[1] ?? "";
  const token = /token: (\S+)/.exec(kubeconfig)?.[1] ?? "";
  const kubeconfigPath = path.join(tempDir("aksnet-kubeconfig-"), "config");
  fs.writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
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

/** Scales a pool through ARM and waits for the operation. */
export async function poolScale(
  emu: TestEmulator,
  c: KubeCluster,
  pool: string,
  count: number,
  rg = "work-rg",
): Promise<void> {
  const id = `${clusterId(emu, c.name, rg)}/agentPools/${pool}`;
  const cur = await emu.arm("GET", `${id}?${API}`);
  const props = (cur.body as { properties: Record<string, unknown> }).properties;
  const put = await emu.arm("PUT", `${id}?${API}`, {
    properties: { ...props, count, provisioningState: undefined, powerState: undefined },
  });
  if (put.status >= 300) throw new Error(`pool PUT failed: ${put.status} ${put.text}`);
  await waitSucceeded(emu, id);
}

export async function pods(c: KubeCluster, ns?: string, selector?: string): Promise<Pod[]> {
  const args = [
    "get",
    "pods",
    "-o",
    "json",
    ...(ns ? ["-n", ns] : ["-A"]),
    ...(selector ? ["-l", selector] : []),
  ];
  const r = await kubectl(c, args);
  if (r.code !== 0) throw new Error(r.stderr);
  return (JSON.parse(r.stdout) as { items: Pod[] }).items;
}

/** Polls `fn` until it returns something other than undefined (or throws after `ms`). */
export async function until<T>(fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function inCidr(ip: string, cidr: string): boolean {
  if (!ip || !cidr) return false;
  return containsIp(parseCidr(cidr), parseIp(ip));
}

/** Registers a Microsoft.ContainerService preview flag on the emulator's subscription. */
export async function registerFlag(emu: TestEmulator, name: string): Promise<void> {
  const r = await emu.arm(
    "POST",
    `/subscriptions/${emu.subscriptionId}/providers/Microsoft.Features/providers/Microsoft.ContainerService/features/${name}/register?api-version=2021-07-01`,
  );
  if (r.status !== 200) throw new Error(`feature register failed: ${r.status} ${r.text}`);
}

/** Enables the static egress gateway on a cluster and adds a Gateway pool (seed 001's shape). */
export async function addGatewayPool(
  emu: TestEmulator,
  c: KubeCluster,
  pool: string,
  count: number,
  rg = "work-rg",
): Promise<void> {
  await registerFlag(emu, "StaticEgressGatewayPreview");
  const id = clusterId(emu, c.name, rg);
  const cur = (await emu.arm("GET", `${id}?${API}`)).body as {
    location: string;
    properties: Record<string, unknown>;
  };
  const np = cur.properties.networkProfile as Record<string, unknown>;
  const put = await emu.arm("PUT", `${id}?api-version=2026-10-02-preview`, {
    location: cur.location,
    identity: { type: "SystemAssigned" },
    properties: {
      ...cur.properties,
      networkProfile: { ...np, staticEgressGatewayProfile: { enabled: true } },
    },
  });
  if (put.status >= 300) throw new Error(`cluster PUT failed: ${put.status} ${put.text}`);
  await waitSucceeded(emu, id);
  const pid = `${id}/agentPools/${pool}`;
  const pp = await emu.arm("PUT", `${pid}?api-version=2026-10-02-preview`, {
    properties: {
      count,
      mode: "Gateway",
      vmSize: "Standard_D4s_v5",
      osType: "Linux",
      gatewayProfile: { publicIPPrefixSize: 30 },
    },
  });
  if (pp.status >= 300) throw new Error(`pool PUT failed: ${pp.status} ${pp.text}`);
  await waitSucceeded(emu, pid);
}

/**
 * Waits until `list()` gives exactly `total` pods, `running` of them Running and `unsched`
 * Pending with PodScheduled=False (the scheduler's verdict), and returns both groups.
 */
export async function untilScheduled(
  list: () => Promise<Pod[]>,
  want: { total: number; running: number; unsched: number },
): Promise<{ running: Pod[]; unsched: Pod[] }> {
  return until(async () => {
    const all = await list();
    const running = all.filter((p) => p.status?.phase === "Running");
    const unsched = all.filter((p) =>
      p.status?.conditions?.some((x) => x.type === "PodScheduled" && x.status === "False"),
    );
    return all.length === want.total && running.length === want.running && unsched.length === want.unsched
      ? { running, unsched }
      : undefined;
  });
}
