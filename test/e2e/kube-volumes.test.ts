// Claims and volumes with the machine's real kubectl: a StatefulSet's volumeClaimTemplates make
// Bound claims and its pods run (the tester's repro), AKS's default class waits for the first
// consumer and provisions in that node's zone, an Immediate class provisions at once, a missing
// class or claim leaves things Pending in the controllers' words, kube-apiserver's validation,
// and deletion through the protection finalizers and the reclaim policy.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  type KubeCluster,
  kubectl,
  kubectlOk,
  manifestFile,
  type Obj,
  rows,
  startKubeEmulator,
} from "../kube/kube-helpers.js";
import { makeCluster, until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;

beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await makeCluster(emu, "vol", { count: 2, version: "1.33" });
  await until(async () => {
    const r = await kubectl(c, ["get", "nodes", "--no-headers"]);
    const lines = r.stdout.trim().split("\n").filter(Boolean);
    return lines.length === 2 && lines.every((l) => l.split(/\s+/)[1] === "Ready") ? true : undefined;
  });
});
afterAll(async () => {
  await emu?.close();
});

const json = async (args: string[]): Promise<Obj> => JSON.parse(await kubectlOk(c, [...args, "-o", "json"]));

const STS = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: vol}
spec:
  serviceName: vol
  replicas: 2
  selector: {matchLabels: {app: vol}}
  template:
    metadata: {labels: {app: vol}}
    spec:
      containers:
      - name: app
        image: nginx:1.27
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`;

describe("a StatefulSet with volumeClaimTemplates", () => {
  it("reaches 2/2 Ready with claims data-vol-0 and data-vol-1 Bound", async () => {
    expect((await kubectlOk(c, ["apply", "-f", manifestFile(STS)])).trim()).toBe(
      "statefulset.apps/vol created",
    );
    const ready = await until(async () => {
      const sts = await json(["get", "sts", "vol"]);
      return sts.status?.readyReplicas === 2 ? sts : undefined;
    }, 60_000);
    expect(ready.status.replicas).toBe(2);
    const claims = await until(async () => {
      const l = await json(["get", "pvc", "-l", "app=vol"]);
      return l.items.length === 2 && l.items.every((x: Obj) => x.status?.phase === "Bound")
        ? l.items
        : undefined;
    });
    expect(claims.map((x: Obj) => x.metadata.name)).toEqual(["data-vol-0", "data-vol-1"]);
    for (const claim of claims) {
      // DefaultStorageClass, the defaults, the binder's annotations, no owner (Retain).
      expect(claim.spec.storageClassName).toBe("default");
      expect(claim.spec.volumeMode).toBe("Filesystem");
      expect(claim.spec.volumeName).toBe(`pvc-${claim.metadata.uid}`);
      expect(claim.metadata.labels).toEqual({ app: "vol" });
      expect(claim.metadata.ownerReferences).toBeUndefined();
      expect(claim.metadata.finalizers).toEqual(["kubernetes.io/pvc-protection"]);
      expect(claim.metadata.annotations).toMatchObject({
        "pv.kubernetes.io/bind-completed": "yes",
        "pv.kubernetes.io/bound-by-controller": "yes",
        "volume.beta.kubernetes.io/storage-provisioner": "disk.csi.azure.com",
        "volume.kubernetes.io/storage-provisioner": "disk.csi.azure.com",
        "volume.kubernetes.io/selected-node": expect.stringMatching(/^aks-nodepool1-\d{8}-vmss00000\d$/),
      });
      expect(claim.status).toEqual({
        phase: "Bound",
        accessModes: ["ReadWriteOnce"],
        capacity: { storage: "1Gi" },
      });
    }
    const pod = await json(["get", "pod", "vol-0"]);
    expect(pod.status.phase).toBe("Running");
    expect(pod.spec.volumes).toContainEqual({
      name: "data",
      persistentVolumeClaim: { claimName: "data-vol-0" },
    });
    // The claim's node is the pod's.
    expect(claims[0].metadata.annotations["volume.kubernetes.io/selected-node"]).toBe(pod.spec.nodeName);
  });

  it("the provisioned volume is an Azure disk in the node resource group, pinned to the node's zone", async () => {
    const claim = await json(["get", "pvc", "data-vol-0"]);
    const pv = await json(["get", "pv", claim.spec.volumeName]);
    expect(pv.spec.csi.driver).toBe("disk.csi.azure.com");
    expect(pv.spec.csi.volumeHandle).toMatch(
      new RegExp(
        `^/subscriptions/${emu.subscriptionId}/resourceGroups/MC_[^/]+/providers/Microsoft\\.Compute/disks/pvc-${claim.metadata.uid}$`,
      ),
    );
    expect(pv.spec.claimRef).toMatchObject({
      kind: "PersistentVolumeClaim",
      namespace: "default",
      name: "data-vol-0",
    });
    expect(pv.spec.persistentVolumeReclaimPolicy).toBe("Delete");
    expect(pv.spec.storageClassName).toBe("default");
    expect(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].key).toBe(
      "topology.disk.csi.azure.com/zone",
    );
    expect(pv.metadata.finalizers).toEqual(["kubernetes.io/pv-protection"]);
    expect(pv.status.phase).toBe("Bound");
  });

  it("kubectl get pvc,pv prints kube-apiserver's columns", async () => {
    const pvc = rows(await kubectlOk(c, ["get", "pvc", "data-vol-0"]));
    expect(pvc[0]).toEqual([
      "NAME",
      "STATUS",
      "VOLUME",
      "CAPACITY",
      "ACCESS MODES",
      "STORAGECLASS",
      "VOLUMEATTRIBUTESCLASS",
      "AGE",
    ]);
    expect(pvc[1].slice(0, 7)).toEqual([
      "data-vol-0",
      "Bound",
      expect.stringMatching(/^pvc-/),
      "1Gi",
      "RWO",
      "default",
      "<unset>",
    ]);
    const pv = rows(await kubectlOk(c, ["get", "pv"]));
    expect(pv[0]).toEqual([
      "NAME",
      "CAPACITY",
      "ACCESS MODES",
      "RECLAIM POLICY",
      "STATUS",
      "CLAIM",
      "STORAGECLASS",
      "VOLUMEATTRIBUTESCLASS",
      "REASON",
      "AGE",
    ]);
    const row = pv.find((r) => r[5] === "default/data-vol-0");
    // REASON is empty: kubectl prints nothing there, so the row has one cell fewer.
    expect(row?.slice(1, 8)).toEqual([
      "1Gi",
      "RWO",
      "Delete",
      "Bound",
      "default/data-vol-0",
      "default",
      "<unset>",
    ]);
    const wide = rows(await kubectlOk(c, ["get", "pvc", "data-vol-0", "-o", "wide"]));
    expect(wide[0].at(-1)).toBe("VOLUMEMODE");
    expect(wide[1].at(-1)).toBe("Filesystem");
  });

  it("describe pvc shows the provisioning events", async () => {
    const out = await kubectlOk(c, ["describe", "pvc", "data-vol-0"]);
    expect(out).toMatch(
      /WaitForFirstConsumer\s+.*persistentvolume-controller\s+waiting for first consumer to be created before binding/,
    );
    expect(out).toMatch(
      /ExternalProvisioning\s+.*Waiting for a volume to be created either by the external provisioner 'disk\.csi\.azure\.com' or manually by the system administrator/,
    );
    expect(out).toMatch(
      /Provisioning\s+.*External provisioner is provisioning volume for claim "default\/data-vol-0"/,
    );
    expect(out).toMatch(/ProvisioningSucceeded\s+.*Successfully provisioned volume pvc-/);
    const sts = await kubectlOk(c, ["describe", "sts", "vol"]);
    expect(sts).toContain("create Claim data-vol-0 Pod vol-0 in StatefulSet vol success");
  });

  it("scaling down keeps the claims (Retain)", async () => {
    await kubectlOk(c, ["scale", "sts", "vol", "--replicas=1"]);
    await until(async () => ((await json(["get", "sts", "vol"])).status?.replicas === 1 ? true : undefined));
    const l = await json(["get", "pvc", "-l", "app=vol"]);
    expect(l.items.map((x: Obj) => x.metadata.name)).toEqual(["data-vol-0", "data-vol-1"]);
  });
});

describe("a StatefulSet whose claims go with it (persistentVolumeClaimRetentionPolicy Delete/Delete)", () => {
  const GONE = STS.replace(/\bvol\b/g, "gone").replace(
    "  replicas: 2\n",
    "  replicas: 2\n  persistentVolumeClaimRetentionPolicy: {whenScaled: Delete, whenDeleted: Delete}\n",
  );
  const claims = async () =>
    ((await json(["get", "pvc", "-l", "app=gone"])).items as Obj[]).filter(
      (x) => !x.metadata.deletionTimestamp,
    );

  it("its claims are controlled by the set; scaled down, the condemned pod's claim and volume go after it", async () => {
    await kubectlOk(c, ["apply", "-f", manifestFile(GONE)]);
    await until(
      async () => ((await json(["get", "sts", "gone"])).status?.readyReplicas === 2 ? true : undefined),
      60_000,
    );
    const sts = await json(["get", "sts", "gone"]);
    const before = await until(async () => {
      const l = await claims();
      return l.length === 2 && l.every((x) => x.status?.phase === "Bound") ? l : undefined;
    });
    for (const claim of before)
      expect(claim.metadata.ownerReferences).toEqual([
        {
          apiVersion: "apps/v1",
          kind: "StatefulSet",
          name: "gone",
          uid: sts.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    const volume = before[1].spec.volumeName;
    await kubectlOk(c, ["scale", "sts", "gone", "--replicas=1"]);
    await until(async () => {
      const l = await claims();
      return l.length === 1 && l[0].metadata.name === "data-gone-0" ? true : undefined;
    }, 60_000);
    // The claim's volume (reclaim policy Delete) goes too; pod 0's claim keeps the set as owner.
    await until(
      async () => ((await kubectl(c, ["get", "pv", volume])).code !== 0 ? true : undefined),
      60_000,
    );
    expect((await claims())[0].metadata.ownerReferences.map((r: Obj) => r.kind)).toEqual(["StatefulSet"]);
  });

  it("deleting the set takes the remaining claim", async () => {
    await kubectlOk(c, ["delete", "sts", "gone"]);
    await until(async () => ((await claims()).length === 0 ? true : undefined), 60_000);
  });
});

describe("claims on their own", () => {
  it("an Immediate class (azurefile-csi) provisions at once; a Deployment mounts the claim", async () => {
    await kubectlOk(
      c,
      ["apply", "-f", "-"],
      `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: files}
spec:
  storageClassName: azurefile-csi
  accessModes: [ReadWriteMany]
  resources: {requests: {storage: 5Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1.27, volumeMounts: [{name: f, mountPath: /f}]}]
      volumes: [{name: f, persistentVolumeClaim: {claimName: files}}]
`,
    );
    const claim = await until(async () => {
      const x = await json(["get", "pvc", "files"]);
      return x.status?.phase === "Bound" ? x : undefined;
    });
    expect(claim.metadata.annotations["volume.kubernetes.io/selected-node"]).toBeUndefined();
    const pv = await json(["get", "pv", claim.spec.volumeName]);
    expect(pv.spec.csi.driver).toBe("file.csi.azure.com");
    expect(pv.spec.nodeAffinity).toBeUndefined();
    expect(pv.spec.accessModes).toEqual(["ReadWriteMany"]);
    await until(async () => {
      const d = await json(["get", "deploy", "web"]);
      return d.status?.readyReplicas === 2 ? true : undefined;
    });
  });

  it("a claim of an unknown class stays Pending with ProvisioningFailed", async () => {
    await kubectlOk(
      c,
      ["apply", "-f", "-"],
      `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: lost}
spec:
  storageClassName: x
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`,
    );
    const ev = await until(async () => {
      const l = await json(["get", "events", "--field-selector", "involvedObject.name=lost"]);
      return l.items.find((e: Obj) => e.reason === "ProvisioningFailed");
    });
    expect(ev.type).toBe("Warning");
    expect(ev.message).toBe('storageclass.storage.k8s.io "x" not found');
    expect(ev.source.component).toBe("persistentvolume-controller");
    expect((await json(["get", "pvc", "lost"])).status.phase).toBe("Pending");
    expect(rows(await kubectlOk(c, ["get", "pvc", "lost"]))[1].slice(0, 3)).toEqual(["lost", "Pending", "x"]);
  });

  it("a pod whose claim is missing stays Pending with the VolumeBinding plugin's words", async () => {
    await kubectlOk(c, [
      "run",
      "orphan",
      "--image=nginx:1.27",
      "--overrides",
      JSON.stringify({
        spec: {
          containers: [
            { name: "orphan", image: "nginx:1.27", volumeMounts: [{ name: "d", mountPath: "/d" }] },
          ],
          volumes: [{ name: "d", persistentVolumeClaim: { claimName: "nope" } }],
        },
      }),
    ]);
    const ev = await until(async () => {
      const l = await json([
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=orphan,reason=FailedScheduling",
      ]);
      return l.items[0];
    });
    expect(ev.message).toBe(
      '0/2 nodes are available: persistentvolumeclaim "nope" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
    expect((await json(["get", "pod", "orphan"])).status.phase).toBe("Pending");
  });

  it("a pod waiting on an unbound Immediate claim", async () => {
    await kubectlOk(c, [
      "run",
      "waiter",
      "--image=nginx:1.27",
      "--overrides",
      JSON.stringify({
        spec: {
          containers: [{ name: "waiter", image: "nginx:1.27" }],
          volumes: [{ name: "d", persistentVolumeClaim: { claimName: "lost" } }],
        },
      }),
    ]);
    const ev = await until(async () => {
      const l = await json([
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=waiter,reason=FailedScheduling",
      ]);
      return l.items[0];
    });
    expect(ev.message).toBe(
      "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
    );
  });

  it("validation in kube-apiserver's words", async () => {
    const refused = async (spec: string) => {
      const r = await kubectl(
        c,
        ["apply", "-f", "-"],
        `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: bad}
spec: ${spec}
`,
      );
      expect(r.code).not.toBe(0);
      return r.stderr.trim();
    };
    expect(await refused("{resources: {requests: {storage: 1Gi}}}")).toBe(
      'The PersistentVolumeClaim "bad" is invalid: spec.accessModes: Required value: at least 1 access mode is required',
    );
    expect(await refused("{accessModes: [ReadWriteOnce]}")).toBe(
      'The PersistentVolumeClaim "bad" is invalid: spec.resources[storage]: Required value',
    );
    expect(await refused("{accessModes: [Sometimes], resources: {requests: {storage: 0}}}")).toBe(
      'The PersistentVolumeClaim "bad" is invalid: \n* spec.accessModes: Unsupported value: "Sometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"\n* spec.resources[storage]: Invalid value: "0": must be greater than zero',
    );
    // A bound claim's spec is fixed, but for a larger request.
    const r = await kubectl(c, [
      "patch",
      "pvc",
      "files",
      "--type=merge",
      "-p",
      '{"spec":{"accessModes":["ReadWriteOnce"]}}',
    ]);
    expect(r.stderr).toContain(
      'The PersistentVolumeClaim "files" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    );
    const pv = await kubectl(
      c,
      ["apply", "-f", "-"],
      `apiVersion: v1
kind: PersistentVolume
metadata: {name: bare}
spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce]}
`,
    );
    expect(pv.stderr.trim()).toBe(
      'The PersistentVolume "bare" is invalid: spec: Required value: must specify a volume type',
    );
  });

  it("api-resources lists claims, volumes, replication controllers and pod templates", async () => {
    const out = await kubectlOk(c, ["api-resources", "--api-group="]);
    const names = rows(out).map((r) => r[0]);
    for (const n of ["persistentvolumeclaims", "persistentvolumes", "replicationcontrollers", "podtemplates"])
      expect(names).toContain(n);
    const rc = await kubectl(c, ["get", "rc"]);
    expect([rc.code, rc.stderr.trim()]).toEqual([0, "No resources found in default namespace."]);
  });

  it("a claim in use stays Terminating until its pods are gone; then its volume goes (Delete)", async () => {
    const claim = await json(["get", "pvc", "files"]);
    const volume = claim.spec.volumeName;
    await kubectlOk(c, ["delete", "pvc", "files", "--wait=false"]);
    await new Promise((r) => setTimeout(r, 500));
    const held = await json(["get", "pvc", "files"]);
    expect(held.metadata.deletionTimestamp).toBeDefined();
    expect(rows(await kubectlOk(c, ["get", "pvc", "files"]))[1][1]).toBe("Terminating");
    await kubectlOk(c, ["delete", "deploy", "web"]);
    await until(async () => {
      const r = await kubectl(c, ["get", "pvc", "files"]);
      return r.code !== 0 ? true : undefined;
    });
    await until(async () => {
      const r = await kubectl(c, ["get", "pv", volume]);
      return r.code !== 0 && r.stderr.includes("NotFound") ? true : undefined;
    });
  });

  it("a volume deleted while bound waits for its claim; once the claim goes it is Released and goes too", async () => {
    await kubectlOk(c, [
      "apply",
      "-f",
      manifestFile(`apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: early}
spec:
  accessModes: [ReadWriteMany]
  storageClassName: azurefile-csi
  resources: {requests: {storage: 1Gi}}
`),
    ]);
    const volume = await until(async () => {
      const cl = await json(["get", "pvc", "early"]);
      return cl.status?.phase === "Bound" ? (cl.spec.volumeName as string) : undefined;
    });
    await kubectlOk(c, ["delete", "pv", volume, "--wait=false"]);
    await new Promise((r) => setTimeout(r, 500));
    expect((await json(["get", "pv", volume])).status.phase).toBe("Bound");
    await kubectlOk(c, ["delete", "pvc", "early"]);
    await until(async () => {
      const r = await kubectl(c, ["get", "pv", volume]);
      return r.code !== 0 && r.stderr.includes("NotFound") ? true : undefined;
    });
  });
});
