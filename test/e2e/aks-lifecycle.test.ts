// Managed cluster operations beyond create/delete, through @azure/arm-containerservice: stop and
// start (power state, the Kubernetes Nodes going and coming back with the same names and
// addresses, the NICs keeping theirs), upgrade profiles, available agent pool versions, the
// monitoring user credential (a kubeconfig that may read but not write), privateFQDN.
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_KUBERNETES_VERSION,
  KUBERNETES_VERSIONS,
} from "../../src/providers/containerservice/model.js";
import { type Clients, clusterBody, errorOf, nodeRg, startClients } from "./aks-helpers.js";

let c: Clients;
const RG = "life-rg";

beforeAll(async () => {
  c = await startClients();
  await c.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" });
  const body = clusterBody({ count: 2 });
  body.kubernetesVersion = "1.31";
  const mc = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "life", body);
  expect(mc.provisioningState).toBe("Succeeded");
});
afterAll(async () => c?.emu.close());

function kubeClient(kubeconfigB64: string | Uint8Array | undefined): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(Buffer.from(kubeconfigB64 ?? "").toString("utf8"));
  return kc;
}

const text = (v: string | Uint8Array | undefined) =>
  typeof v === "string" ? Buffer.from(v, "base64").toString("utf8") : Buffer.from(v ?? []).toString("utf8");

async function nodeNames(core: k8s.CoreV1Api): Promise<string[]> {
  return (await core.listNode()).items.map((n) => n.metadata?.name ?? "").sort();
}

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await f();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("stop and start", () => {
  it("stop: powerState Stopped, Nodes gone, addresses kept; start: the same Nodes come back", async () => {
    const creds = await c.aks.managedClusters.listClusterAdminCredentials(RG, "life");
    const kc = new k8s.KubeConfig();
    kc.loadFromString(text(creds.kubeconfigs?.[0]?.value));
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const before = await until(
      () => nodeNames(core),
      (n) => n.length === 2,
      "two nodes",
    );
    const addresses = async () => {
      const out: string[] = [];
      for await (const n of c.net.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(
        nodeRg(RG, "life"),
        "aks-nodepool1-" + (await hashOf()) + "-vmss",
      ))
        out.push(n.ipConfigurations?.[0]?.privateIPAddress ?? "");
      return out.sort();
    };
    const ipsBefore = await addresses();
    expect(ipsBefore).toHaveLength(2);

    await c.aks.managedClusters.beginStopAndWait(RG, "life");
    const stopped = await c.aks.managedClusters.get(RG, "life");
    expect(stopped.powerState?.code).toBe("Stopped");
    expect(stopped.provisioningState).toBe("Succeeded");
    expect(stopped.agentPoolProfiles?.map((p) => p.powerState?.code)).toEqual(["Stopped"]);
    expect((await c.aks.agentPools.get(RG, "life", "nodepool1")).powerState?.code).toBe("Stopped");
    await until(
      () => nodeNames(core),
      (n) => n.length === 0,
      "the nodes to go",
    );
    // Deallocated, not deleted: the instance NICs keep their addresses.
    expect(await addresses()).toEqual(ipsBefore);
    // Stopping a stopped cluster changes nothing and succeeds.
    await c.aks.managedClusters.beginStopAndWait(RG, "life");

    await c.aks.managedClusters.beginStartAndWait(RG, "life");
    const started = await c.aks.managedClusters.get(RG, "life");
    expect(started.powerState?.code).toBe("Running");
    expect(started.agentPoolProfiles?.map((p) => p.powerState?.code)).toEqual(["Running"]);
    expect(
      await until(
        () => nodeNames(core),
        (n) => n.length === 2,
        "the nodes to return",
      ),
    ).toEqual(before);
    const ips = (await core.listNode()).items
      .map((n) => n.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "")
      .sort();
    expect(ips).toEqual(ipsBefore);
  });

  it("a cluster that does not exist: 404 ResourceNotFound", async () => {
    const e = await errorOf(c.aks.managedClusters.beginStopAndWait(RG, "nope"));
    expect([e.statusCode, e.code]).toEqual([404, "ResourceNotFound"]);
  });

  it("a stopped cluster can only be started or deleted: PUTs and pool changes are refused, nothing changes", async () => {
    await c.aks.managedClusters.beginStopAndWait(RG, "life");
    const cur = await c.aks.managedClusters.get(RG, "life");
    const e1 = await errorOf(
      c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "life", { ...cur, tags: { k: "v" } }),
    );
    expect([e1.statusCode, e1.code]).toEqual([409, "OperationNotAllowed"]);
    expect(e1.message).toMatch(/stopped/);
    const e2 = await errorOf(
      c.aks.agentPools.beginCreateOrUpdateAndWait(RG, "life", "nodepool1", {
        count: 3,
        vmSize: "Standard_DS2_v2",
      }),
    );
    expect([e2.statusCode, e2.code]).toEqual([409, "OperationNotAllowed"]);
    const e3 = await errorOf(c.aks.agentPools.beginDeleteAndWait(RG, "life", "nodepool1"));
    expect([e3.statusCode, e3.code]).toEqual([409, "OperationNotAllowed"]);
    const after = await c.aks.managedClusters.get(RG, "life");
    expect([after.tags, after.agentPoolProfiles?.[0]?.count, after.powerState?.code]).toEqual([
      cur.tags,
      2,
      "Stopped",
    ]);
    await c.aks.managedClusters.beginStartAndWait(RG, "life");
  });
});

async function hashOf(): Promise<string> {
  const mc = await c.aks.managedClusters.get(RG, "life");
  return /aks-agentpool-(\d{8})-nsg/.exec(JSON.stringify(mc))?.[1] ?? (await nsgHash());
}

async function nsgHash(): Promise<string> {
  for await (const n of c.net.networkSecurityGroups.list(nodeRg(RG, "life")))
    return /aks-agentpool-(\d{8})-nsg/.exec(n.name ?? "")?.[1] ?? "";
  return "";
}

describe("versions", () => {
  it("the cluster's upgrade profile: one minor up, for the control plane and each pool", async () => {
    const p = await c.aks.managedClusters.getUpgradeProfile(RG, "life");
    expect(p.name).toBe("default");
    expect(p.controlPlaneProfile).toMatchObject({
      kubernetesVersion: "1.31.13",
      osType: "Linux",
      upgrades: [{ kubernetesVersion: "1.32.9" }],
    });
    expect(p.agentPoolProfiles).toEqual([
      expect.objectContaining({
        name: "nodepool1",
        kubernetesVersion: "1.31.13",
        osType: "Linux",
        upgrades: [{ kubernetesVersion: "1.32.9" }],
      }),
    ]);
  });

  it("the pool's upgrade profile and the available agent pool versions", async () => {
    const p = await c.aks.agentPools.getUpgradeProfile(RG, "life", "nodepool1");
    expect(p).toMatchObject({
      name: "default",
      kubernetesVersion: "1.31.13",
      osType: "Linux",
      upgrades: [{ kubernetesVersion: "1.32.9" }],
      latestNodeImageVersion: "AKSUbuntu-2204gen2containerd-202601.13.0",
    });
    const v = await c.aks.agentPools.getAvailableAgentPoolVersions(RG, "life");
    // Every supported patch, oldest first; the default version (1.33's patch) marked.
    expect(v.agentPoolVersions?.map((x) => [x.kubernetesVersion, x.default ?? false])).toEqual(
      Object.values(KUBERNETES_VERSIONS).map((x) => [
        x,
        x === KUBERNETES_VERSIONS[DEFAULT_KUBERNETES_VERSION],
      ]),
    );
    expect(v.agentPoolVersions?.slice(0, 4).map((x) => x.kubernetesVersion)).toEqual([
      "1.30.14",
      "1.31.13",
      "1.32.9",
      "1.33.5",
    ]);
    const e = await errorOf(c.aks.agentPools.getUpgradeProfile(RG, "life", "ghost"));
    expect(e.statusCode).toBe(404);
  });
});

describe("region versions (az aks get-versions)", () => {
  it("kubernetesVersions: each supported minor with its patches and their upgrades, the default flagged", async () => {
    const r = await c.aks.managedClusters.listKubernetesVersions("eastus");
    expect(r.values?.map((v) => [v.version, v.isDefault ?? false])).toEqual([
      ["1.30", false],
      ["1.31", false],
      ["1.32", false],
      ["1.33", true],
      ["1.34", false],
    ]);
    expect(r.values?.[1]).toEqual({
      version: "1.31",
      capabilities: { supportPlan: ["KubernetesOfficial"] },
      patchVersions: { "1.31.13": { upgrades: ["1.32.9"] } },
    });
    expect((await errorOf(c.aks.managedClusters.listKubernetesVersions("nowhere"))).statusCode).toBe(400);
  });

  it("orchestrators?resource-type=managedClusters (az before 2.50): one entry per patch", async () => {
    const sub = c.emu.subscriptionId;
    const res = await c.emu.arm(
      "GET",
      `/subscriptions/${sub}/providers/Microsoft.ContainerService/locations/eastus/orchestrators?api-version=2022-11-01&resource-type=managedClusters`,
    );
    expect(res.status).toBe(200);
    const b = res.body as {
      id: string;
      name: string;
      type: string;
      properties: { orchestrators: unknown[] };
    };
    expect([b.id, b.name, b.type]).toEqual([
      `/subscriptions/${sub}/providers/Microsoft.ContainerService/locations/eastus/orchestrators`,
      "default",
      "Microsoft.ContainerService/locations/orchestrators",
    ]);
    expect(b.properties.orchestrators.slice(2)).toEqual([
      {
        orchestratorType: "Kubernetes",
        orchestratorVersion: "1.32.9",
        upgrades: [{ orchestratorType: "Kubernetes", orchestratorVersion: "1.33.5" }],
      },
      {
        orchestratorType: "Kubernetes",
        orchestratorVersion: "1.33.5",
        default: true,
        upgrades: [{ orchestratorType: "Kubernetes", orchestratorVersion: "1.34.1" }],
      },
      { orchestratorType: "Kubernetes", orchestratorVersion: "1.34.1" },
    ]);
  });
});

describe("credentials and names", () => {
  it("the monitoring user's kubeconfig reads but cannot write", async () => {
    const m = await c.aks.managedClusters.listClusterMonitoringUserCredentials(RG, "life");
    expect(m.kubeconfigs?.map((k) => k.name)).toEqual(["clusterMonitoringUser"]);
    const kc = kubeClient(text(m.kubeconfigs?.[0]?.value));
    expect(kc.getCurrentUser()?.name).toBe("clusterMonitoringUser_life-rg_life");
    const core = kc.makeApiClient(k8s.CoreV1Api);
    expect((await core.listNamespace()).items.map((n) => n.metadata?.name)).toContain("kube-system");
    const err = await errorOf(core.createNamespace({ body: { metadata: { name: "nope" } } }));
    expect((err as unknown as { code?: number }).code).toBe(403);
    const admin = await c.aks.managedClusters.listClusterAdminCredentials(RG, "life");
    expect(text(admin.kubeconfigs?.[0]?.value)).not.toContain(
      /token: (\S+)/.exec(text(m.kubeconfigs?.[0]?.value))?.[1] ?? "x",
    );
  });

  it("a private cluster has a privateFQDN in the system zone and privateDNSZone 'system'", async () => {
    const body = clusterBody({ count: 1 });
    body.apiServerAccessProfile = { enablePrivateCluster: true };
    const mc = await c.aks.managedClusters.beginCreateOrUpdateAndWait(RG, "priv", body);
    expect(mc.privateFqdn).toMatch(
      /^aks-[0-9a-f]{8}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.privatelink\.eastus\.azmk8s\.io$/,
    );
    expect(mc.apiServerAccessProfile?.privateDNSZone).toBe("system");
    const pub = await c.aks.managedClusters.get(RG, "life");
    expect(pub.privateFqdn).toBeUndefined();
  });
});
