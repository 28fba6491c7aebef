// The built-in kinds of an AKS API server beyond workloads and RBAC, with the machine's real
// kubectl at the cluster's minor (1.29 and 1.33): CSIDriver (AKS's disk and file drivers from
// birth), CSINode (one per Node, kept by the csi-nodes controller), VolumeAttachment,
// RuntimeClass, CertificateSigningRequest, API Priority and Fairness (FlowSchema,
// PriorityLevelConfiguration and their bootstrap configuration), ValidatingAdmissionPolicy and
// its binding (stored, CEL not evaluated) and the deprecated, list-only ComponentStatus.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  createCluster,
  type KubeCluster,
  kube,
  kubectl,
  kubectlOk,
  type Obj,
  rows,
  startKubeEmulator,
} from "../kube/kube-helpers.js";

let emu: TestEmulator;
let c29: KubeCluster;
let c33: KubeCluster;
beforeAll(async () => {
  emu = await startKubeEmulator();
  c29 = await createCluster(emu, "more129", "1.29");
  c33 = await createCluster(emu, "more133", "1.33");
});
afterAll(async () => {
  await emu?.close();
});

/** A PEM CERTIFICATE REQUEST for CN=alice, base64 as spec.request takes it (openssl makes it). */
function csrRequest(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aksnet-csr-"));
  const out = path.join(dir, "a.csr");
  execFileSync(
    "openssl",
    [
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      path.join(dir, "a.key"),
      "-subj",
      "/CN=alice",
      "-out",
      out,
    ],
    { stdio: "ignore" },
  );
  return fs.readFileSync(out).toString("base64");
}

const until = async <T>(f: () => Promise<T | undefined>, ms = 10_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
};

const NEW_RESOURCES = [
  "componentstatuses cs v1 false ComponentStatus",
  "certificatesigningrequests csr certificates.k8s.io/v1 false CertificateSigningRequest",
  "flowschemas flowcontrol.apiserver.k8s.io/v1 false FlowSchema",
  "prioritylevelconfigurations flowcontrol.apiserver.k8s.io/v1 false PriorityLevelConfiguration",
  "runtimeclasses node.k8s.io/v1 false RuntimeClass",
  "csidrivers storage.k8s.io/v1 false CSIDriver",
  "csinodes storage.k8s.io/v1 false CSINode",
  "volumeattachments storage.k8s.io/v1 false VolumeAttachment",
  "validatingadmissionpolicies admissionregistration.k8s.io/v1 false ValidatingAdmissionPolicy",
  "validatingadmissionpolicybindings admissionregistration.k8s.io/v1 false ValidatingAdmissionPolicyBinding",
];

describe.each([
  ["1.29", () => c29],
  ["1.33", () => c33],
])("more built-in kinds on %s", (_v, cluster) => {
  it("api-resources lists them and kubectl explain reads their schemas", async () => {
    const c = cluster();
    const got = rows(await kubectlOk(c, ["api-resources", "--no-headers"])).map((x) => x.join(" "));
    for (const line of NEW_RESOURCES) expect(got).toContain(line);
    for (const [res, kind] of [
      ["csidrivers", "CSIDriver"],
      ["csinodes", "CSINode"],
      ["volumeattachments", "VolumeAttachment"],
      ["runtimeclasses", "RuntimeClass"],
      ["csr", "CertificateSigningRequest"],
      ["flowschemas", "FlowSchema"],
      ["prioritylevelconfigurations", "PriorityLevelConfiguration"],
      ["validatingadmissionpolicies", "ValidatingAdmissionPolicy"],
      ["validatingadmissionpolicybindings", "ValidatingAdmissionPolicyBinding"],
      ["componentstatuses", "ComponentStatus"],
    ]) {
      const out = await kubectlOk(c, ["explain", res]);
      expect(out, res).toContain(`KIND:       ${kind}`);
    }
    expect(await kubectlOk(c, ["explain", "csr.spec.usages"])).toContain("FIELD: usages <[]string>");
  });

  it("AKS's disk and file CSIDrivers are there from birth, printed as kube-apiserver prints them", async () => {
    const out = await kubectlOk(cluster(), ["get", "csidrivers"]);
    const r = rows(out);
    expect(r[0]).toEqual([
      "NAME",
      "ATTACHREQUIRED",
      "PODINFOONMOUNT",
      "STORAGECAPACITY",
      "TOKENREQUESTS",
      "REQUIRESREPUBLISH",
      "MODES",
      "AGE",
    ]);
    expect(r.slice(1).map((x) => x.slice(0, 7))).toEqual([
      ["disk.csi.azure.com", "true", "false", "false", "<unset>", "false", "Persistent"],
      [
        "file.csi.azure.com",
        "false",
        "true",
        "false",
        "api://AzureADTokenExchange",
        "false",
        "Persistent,Ephemeral",
      ],
    ]);
  });

  it("each Node has its CSINode, owned by it, with the Azure drivers", async () => {
    const c = cluster();
    const nodes = rows(await kubectlOk(c, ["get", "nodes", "--no-headers"])).map((x) => x[0]);
    const got = await until(async () => {
      const r = rows(await kubectlOk(c, ["get", "csinodes"]));
      return r.length - 1 === nodes.length ? r : undefined;
    });
    expect(got[0]).toEqual(["NAME", "DRIVERS", "AGE"]);
    expect(got.slice(1).map((x) => x.slice(0, 2))).toEqual(nodes.map((n) => [n, "2"]));
    const cn = JSON.parse(await kubectlOk(c, ["get", "csinode", nodes[0], "-o", "json"])) as Obj;
    expect(cn.metadata.ownerReferences).toEqual([
      expect.objectContaining({ apiVersion: "v1", kind: "Node", name: nodes[0] }),
    ]);
    // Standard_DS2_v2 takes 8 data disks.
    expect(cn.spec.drivers).toEqual([
      {
        name: "disk.csi.azure.com",
        nodeID: nodes[0],
        topologyKeys: ["topology.disk.csi.azure.com/zone", "topology.kubernetes.io/zone"],
        allocatable: { count: 8 },
      },
      { name: "file.csi.azure.com", nodeID: nodes[0] },
    ]);
    expect(await kubectlOk(c, ["describe", "csinode", nodes[0]])).toMatch(
      /disk\.csi\.azure\.com:[\s\S]*Count:\s+8/,
    );
    // Deleted, the kubelet registers it again.
    await kubectlOk(c, ["delete", "csinode", nodes[0]]);
    await until(async () => {
      const r = await kubectl(c, ["get", "csinode", nodes[0], "-o", "name"]);
      return r.code === 0 ? true : undefined;
    });
  });

  it("componentstatuses: the three healthy components, with kube-apiserver's deprecation warning", async () => {
    const r = await kubectl(cluster(), ["get", "cs"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Warning: v1 ComponentStatus is deprecated in v1.19+");
    const t = rows(r.stdout);
    expect(t[0]).toEqual(["NAME", "STATUS", "MESSAGE", "ERROR"]);
    expect(t.slice(1)).toEqual([
      ["controller-manager", "Healthy", "ok"],
      ["etcd-0", "Healthy", "ok"],
      ["scheduler", "Healthy", "ok"],
    ]);
  });

  it("API Priority and Fairness: the apiserver's bootstrap flow schemas and priority levels", async () => {
    const c = cluster();
    const fs_ = rows(await kubectlOk(c, ["get", "flowschemas"]));
    expect(fs_[0]).toEqual([
      "NAME",
      "PRIORITYLEVEL",
      "MATCHINGPRECEDENCE",
      "DISTINGUISHERMETHOD",
      "AGE",
      "MISSINGPL",
    ]);
    const byName = new Map(fs_.slice(1).map((x) => [x[0], x]));
    expect(byName.get("exempt")?.slice(1, 4)).toEqual(["exempt", "1", "<none>"]);
    expect(byName.get("catch-all")?.slice(1, 4)).toEqual(["catch-all", "10000", "ByUser"]);
    expect(byName.get("kube-system-service-accounts")?.slice(1, 4)).toEqual([
      "workload-high",
      "900",
      "ByNamespace",
    ]);
    expect(byName.get("global-default")?.at(-1)).toBe("False");
    expect(byName.size).toBe(12);
    const pl = rows(await kubectlOk(c, ["get", "prioritylevelconfigurations"]));
    expect(pl[0]).toEqual([
      "NAME",
      "TYPE",
      "NOMINALCONCURRENCYSHARES",
      "QUEUES",
      "HANDSIZE",
      "QUEUELENGTHLIMIT",
      "AGE",
    ]);
    expect(pl.slice(1).map((x) => x.slice(0, 6))).toEqual([
      ["catch-all", "Limited", "5", "<none>", "<none>", "<none>"],
      ["exempt", "Exempt", "<none>", "<none>", "<none>", "<none>"],
      ["global-default", "Limited", "20", "128", "6", "50"],
      ["leader-election", "Limited", "10", "16", "4", "50"],
      ["node-high", "Limited", "40", "64", "6", "50"],
      ["system", "Limited", "30", "64", "6", "50"],
      ["workload-high", "Limited", "40", "128", "6", "50"],
      ["workload-low", "Limited", "100", "128", "6", "50"],
    ]);
  });

  it("create -f, get, describe and delete each; the key validation rules refuse bad objects", async () => {
    const c = cluster();
    const name = `k${_v.replace(".", "")}`;
    const manifest = `
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: ${name}}
handler: kata
---
apiVersion: storage.k8s.io/v1
kind: CSIDriver
metadata: {name: ${name}.csi.example.com}
spec: {}
---
apiVersion: storage.k8s.io/v1
kind: VolumeAttachment
metadata: {name: ${name}}
spec:
  attacher: disk.csi.azure.com
  nodeName: n1
  source: {persistentVolumeName: pv1}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: ${name}}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}
  validations:
  - expression: "object.spec.replicas <= 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: ${name}}
spec:
  policyName: ${name}
  validationActions: [Deny]
---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: PriorityLevelConfiguration
metadata: {name: ${name}}
spec:
  type: Limited
  limited:
    nominalConcurrencyShares: 7
    limitResponse: {type: Queue, queuing: {queues: 10, handSize: 2, queueLengthLimit: 20}}
---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: FlowSchema
metadata: {name: ${name}}
spec:
  priorityLevelConfiguration: {name: ${name}}
  matchingPrecedence: 500
  rules:
  - subjects: [{kind: Group, group: {name: devs}}]
    resourceRules: [{verbs: ["*"], apiGroups: ["*"], resources: ["*"], namespaces: ["*"]}]
`;
    const created = await kubectl(c, ["create", "-f", "-"], manifest);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain("does not evaluate their CEL expressions");
    expect(created.stdout.trim().split("\n")).toHaveLength(7);
    expect(rows(await kubectlOk(c, ["get", "runtimeclass", name]))[1].slice(0, 2)).toEqual([name, "kata"]);
    // The CSIDriver's defaults, as SetDefaults_CSIDriver writes them.
    const d = JSON.parse(
      await kubectlOk(c, ["get", "csidriver", `${name}.csi.example.com`, "-o", "json"]),
    ) as Obj;
    expect(d.spec).toEqual({
      attachRequired: true,
      fsGroupPolicy: "ReadWriteOnceWithFSType",
      podInfoOnMount: false,
      requiresRepublish: false,
      seLinuxMount: false,
      storageCapacity: false,
      volumeLifecycleModes: ["Persistent"],
    });
    expect(rows(await kubectlOk(c, ["get", "volumeattachment", name]))[1].slice(0, 5)).toEqual([
      name,
      "disk.csi.azure.com",
      "pv1",
      "n1",
      "false",
    ]);
    expect(rows(await kubectlOk(c, ["get", "validatingadmissionpolicy", name]))).toEqual([
      ["NAME", "VALIDATIONS", "PARAMKIND", "AGE"],
      [name, "1", "<unset>", expect.any(String)],
    ]);
    const vap = JSON.parse(
      await kubectlOk(c, ["get", "validatingadmissionpolicy", name, "-o", "json"]),
    ) as Obj;
    expect(vap.spec.failurePolicy).toBe("Fail");
    expect(vap.spec.matchConstraints.matchPolicy).toBe("Equivalent");
    expect(
      rows(await kubectlOk(c, ["get", "validatingadmissionpolicybinding", name]))[1].slice(0, 3),
    ).toEqual([name, name, "<unset>"]);
    expect(rows(await kubectlOk(c, ["get", "prioritylevelconfiguration", name]))[1].slice(0, 6)).toEqual([
      name,
      "Limited",
      "7",
      "10",
      "2",
      "20",
    ]);
    expect(rows(await kubectlOk(c, ["get", "flowschema", name]))[1].slice(0, 4)).toEqual([
      name,
      name,
      "500",
      "<none>",
    ]);
    // APF's configuration controller: the level it names exists.
    await until(async () =>
      rows(await kubectlOk(c, ["get", "flowschema", name]))[1].at(-1) === "False" ? true : undefined,
    );
    expect(await kubectlOk(c, ["describe", "runtimeclass", name])).toMatch(/Handler:\s+kata/);
    const deleted = await kubectl(c, ["delete", "-f", "-"], manifest);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await kubectl(c, ["get", "runtimeclass", name])).stderr).toContain("NotFound");

    const bad = await kubectl(
      c,
      ["create", "-f", "-"],
      `
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: bad-${name}}
handler: Bad_Handler
---
apiVersion: storage.k8s.io/v1
kind: VolumeAttachment
metadata: {name: bad-${name}}
spec:
  attacher: disk.csi.azure.com
  source: {}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: bad-${name}}
spec:
  validationActions: [Block]
---
apiVersion: storage.k8s.io/v1
kind: CSIDriver
metadata: {name: bad-${name}.csi.example.com}
spec:
  fsGroupPolicy: Sometimes
`,
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(
      `RuntimeClass.node.k8s.io "bad-${name}" is invalid: handler: Invalid value: "Bad_Handler": a lowercase RFC 1123 label must consist of`,
    );
    expect(bad.stderr).toContain(
      `VolumeAttachment.storage.k8s.io "bad-${name}" is invalid: [spec.nodeName: Required value, spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName]`,
    );
    expect(bad.stderr).toContain(
      `ValidatingAdmissionPolicyBinding.admissionregistration.k8s.io "bad-${name}" is invalid: [spec.policyName: Required value, spec.validationActions[0]: Unsupported value: "Block": supported values: "Audit", "Deny", "Warn"]`,
    );
    expect(bad.stderr).toContain(
      `CSIDriver.storage.k8s.io "bad-${name}.csi.example.com" is invalid: spec.fsGroupPolicy: Unsupported value: "Sometimes": supported values: "File", "None", "ReadWriteOnceWithFSType"`,
    );
  });

  it("CertificateSigningRequest: created Pending with its requested duration, refused without a parseable request, a signer or known usages", async () => {
    const c = cluster();
    const name = `alice-${_v.replace(".", "")}`;
    const created = await kubectl(
      c,
      ["create", "-f", "-"],
      JSON.stringify({
        apiVersion: "certificates.k8s.io/v1",
        kind: "CertificateSigningRequest",
        metadata: { name },
        spec: {
          request: csrRequest(),
          signerName: "kubernetes.io/kube-apiserver-client",
          expirationSeconds: 86400,
          usages: ["client auth"],
        },
        // Whatever status a create sends is dropped.
        status: { conditions: [{ type: "Approved", status: "True" }] },
      }),
    );
    expect(created.code, created.stderr).toBe(0);
    const t = rows(await kubectlOk(c, ["get", "csr", name]));
    expect(t[0]).toEqual(["NAME", "AGE", "SIGNERNAME", "REQUESTOR", "REQUESTEDDURATION", "CONDITION"]);
    expect(t[1][0]).toBe(name);
    expect(t[1].slice(2)).toEqual(["kubernetes.io/kube-apiserver-client", "24h", "Pending"]);
    expect(await kubectlOk(c, ["describe", "csr", name])).toMatch(/Common Name:\s+alice/);
    // kubectl certificate approve writes the condition through the approval subresource.
    expect(await kubectlOk(c, ["certificate", "approve", name])).toBe(
      `certificatesigningrequest.certificates.k8s.io/${name} approved\n`,
    );
    const approved = (await kube(c, "GET", `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}`))
      .body as Obj;
    expect(approved.status.conditions).toMatchObject([
      { type: "Approved", status: "True", reason: "KubectlApprove" },
    ]);
    expect(approved.status.conditions[0].lastTransitionTime).toMatch(/Z$/);
    // Only the conditions: a spec sent along is not taken.
    const sneaky = await kube(
      c,
      "PUT",
      `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}/approval`,
      { ...approved, spec: { ...approved.spec, usages: ["server auth"] } },
    );
    expect(sneaky.status, sneaky.text).toBe(200);
    expect((sneaky.body as Obj).spec.usages).toEqual(["client auth"]);
    expect(rows(await kubectlOk(c, ["get", "csr", name]))[1].at(-1)).toBe("Approved");
    await kubectlOk(c, ["delete", "csr", name]);

    const bad = await kubectl(
      c,
      ["create", "-f", "-"],
      JSON.stringify({
        apiVersion: "certificates.k8s.io/v1",
        kind: "CertificateSigningRequest",
        metadata: { name: `bad-${name}` },
        spec: { request: Buffer.from("hi\n").toString("base64"), usages: ["client auth", "flying"] },
      }),
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(
      `"bad-${name}" is invalid: \n* spec.request: Invalid value: []byte{0x68, 0x69, 0xa}: PEM block type must be CERTIFICATE REQUEST\n* spec.signerName: Required value\n* spec.usages[1]: Unsupported value: "flying": supported values: "signing",`,
    );
  });
});
