// Deleting a managed cluster takes its Kubernetes side with it (kube/sweep.ts): its objects are
// swept as store work and its `kube/<uid>/` allocations (pod IPs, host ports, service IPs, node
// ports) freed; its kubeconfig stops working; the same name re-created is a new cluster (new
// uid) that starts empty.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostPortPool } from "../../src/kube/admission.js";
import { podIpPool } from "../../src/kube/controllers/kubelet.js";
import { clusterIPPool, nodePortPool } from "../../src/kube/services/admission.js";
import type { TestEmulator } from "../helpers/emulator.js";
import { type KubeCluster, kubectl, manifestFile, startKubeEmulator } from "../kube/kube-helpers.js";
import { clusterId, makeCluster, pods, until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startKubeEmulator();
});
afterAll(async () => {
  await emu?.close();
});

const WORKLOAD = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80, hostPort: 8088}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
`;

async function leftovers(uid: string) {
  return emu.store.read(async (tx) => {
    const objects = await tx.listClusterObjects(uid, {
      maxRevision: Number.MAX_SAFE_INTEGER,
      limit: 100_000,
    });
    let allocations = 0;
    for (const pool of [podIpPool(uid), hostPortPool(uid), clusterIPPool(uid), nodePortPool(uid)])
      allocations += (await tx.listAllocations(pool)).length;
    return { objects, allocations };
  });
}

/** The cluster's metadata rows that exist (the CRD stamp, the host-port cursor). */
async function metaKeys(uid: string): Promise<string[]> {
  const keys = [`kube/${uid}/crd-stamp`, `kube/${uid}/hostport-cursor`];
  const found = await emu.store.read(async (tx) => Promise.all(keys.map((k) => tx.getMeta(k))));
  return keys.filter((_, i) => found[i] !== undefined);
}

async function deleteCluster(name: string): Promise<void> {
  const id = `${clusterId(emu, name)}?api-version=2024-05-01`;
  const del = await emu.arm("DELETE", id);
  expect(del.status).toBe(202);
  await until(async () => ((await emu.arm("GET", id)).status === 404 ? true : undefined), 60_000);
}

describe("deleting a managed cluster sweeps its Kubernetes objects and allocations", () => {
  let c: KubeCluster;
  beforeAll(async () => {
    c = await makeCluster(emu, "swept", { count: 3 });
    const applied = await kubectl(c, ["apply", "-f", manifestFile(WORKLOAD)]);
    expect(applied.stderr).toBe("");
    await until(async () => {
      const ps = await pods(c, "default", "app=web");
      return ps.length === 3 && ps.every((x) => x.status?.phase === "Running" && x.status.podIP)
        ? ps
        : undefined;
    });
  });

  it("before: objects and allocations of all four kinds exist under the cluster's uid", async () => {
    const before = await leftovers(c.uid);
    expect(before.objects.length).toBeGreaterThan(10);
    const held = await emu.store.read(async (tx) => ({
      podIPs: (await tx.listAllocations(podIpPool(c.uid))).length,
      nodePorts: (await tx.listAllocations(nodePortPool(c.uid))).length,
      serviceIPs: (await tx.listAllocations(clusterIPPool(c.uid))).length,
    }));
    expect(held.podIPs).toBeGreaterThanOrEqual(3);
    expect(held.nodePorts).toBe(1);
    expect(held.serviceIPs).toBeGreaterThanOrEqual(2); // kubernetes, kube-dns …, web
    // A CRD stamps the cluster's metadata row (which other processes' catalogs watch).
    const crd = manifestFile(
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`,
      "crd.yaml",
    );
    expect((await kubectl(c, ["apply", "-f", crd])).code).toBe(0);
    expect(await metaKeys(c.uid)).toEqual([`kube/${c.uid}/crd-stamp`]);
  });

  it("after DELETE: zero objects and zero kube/<uid>/ allocations; the old kubeconfig is refused", async () => {
    await deleteCluster("swept");
    // Freed in the deletion's own transaction.
    expect((await leftovers(c.uid)).allocations).toBe(0);
    await until(async () => ((await leftovers(c.uid)).objects.length === 0 ? true : undefined), 30_000);
    // The controllers do not bring anything back.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await leftovers(c.uid)).toEqual({ objects: [], allocations: 0 });
    expect(await metaKeys(c.uid)).toEqual([]);
    expect(await emu.store.read((tx) => tx.getWork("kube-sweep", `${c.uid}#0`))).toBeUndefined();
    const r = await kubectl(c, ["get", "pods"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
  });

  it("the same name re-created gets a new uid, starts empty, and the old kubeconfig stays refused", async () => {
    const again = await makeCluster(emu, "swept", { count: 1 });
    expect(again.uid).toMatch(/^[0-9a-f]{24}$/);
    expect(again.uid).not.toBe(c.uid);
    const old = await kubectl(c, ["get", "pods"]);
    expect(old.code).toBe(1);
    const deploys = await kubectl(again, ["get", "deployments", "-n", "default", "-o", "name"]);
    expect(deploys.stderr).toBe("");
    expect(deploys.code).toBe(0);
    expect(deploys.stdout.trim()).toBe("");
    const svcs = await kubectl(again, ["get", "services", "-n", "default", "-o", "name"]);
    expect(svcs.stdout.trim()).toBe("service/kubernetes");
    const now = await leftovers(again.uid);
    expect(now.objects.filter((o) => o.namespace === "default" && o.name.startsWith("web"))).toEqual([]);
    expect(
      await emu.store.read(async (tx) => (await tx.listAllocations(hostPortPool(again.uid))).length),
    ).toBe(0);
    expect(
      await emu.store.read(async (tx) => (await tx.listAllocations(nodePortPool(again.uid))).length),
    ).toBe(0);
  });
});
