// The machine's real kubectl (the dispatcher picks kubectl 1.28 or 1.33 from /version)
// against two emulated clusters, with the kubeconfig listClusterUserCredential returns.

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import { tempDir } from "../helpers/emulator.js";
import {
  createCluster,
  type KubeCluster,
  kube,
  kubectl,
  manifestFile,
  startKubeEmulator,
} from "../kube/kube-helpers.js";
import { until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
const clusters: Record<string, KubeCluster> = {};

beforeAll(async () => {
  emu = await startKubeEmulator();
  clusters["1.28"] = await createCluster(emu, "k128", "1.28");
  clusters["1.33"] = await createCluster(emu, "k133", "1.33");
});
afterAll(async () => {
  await emu?.close();
});

const deployment = (image: string, sidecar = true) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: ${image}
        ports: [{containerPort: 80}]
${sidecar ? "      - name: sidecar\n        image: busybox:1.36\n        command: [sleep, '3600']\n" : ""}`;

describe.each(["1.28", "1.33"])("kubectl against a cluster reporting %s", (v) => {
  const c = () => clusters[v];
  const ns = `t${v.replace(".", "")}`;

  it("picks the kubectl matching /version and lists the default namespaces", async () => {
    const ver = await kubectl(c(), ["version", "-o", "json"]);
    expect(ver.stderr).toBe("");
    const out = JSON.parse(ver.stdout) as {
      clientVersion: { minor: string };
      serverVersion: { gitVersion: string; minor: string };
    };
    expect(out.serverVersion.minor).toBe(v.split(".")[1]);
    expect(out.clientVersion.minor).toBe(v.split(".")[1]);
    const nsl = await kubectl(c(), ["get", "namespaces", "-o", "name"]);
    expect(nsl.stdout.trim().split("\n").sort()).toEqual([
      "namespace/default",
      "namespace/kube-node-lease",
      "namespace/kube-public",
      "namespace/kube-system",
    ]);
    const created = await kubectl(c(), [
      "apply",
      "-f",
      manifestFile(`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`),
    ]);
    expect(created.stdout.trim()).toBe(`namespace/${ns} created`);
  });

  it("api-resources lists every built-in kind with short names", async () => {
    // metrics.k8s.io is listed once metrics-server's APIService is Available (its pods run).
    await until(async () => {
      const a = await kube(c(), "GET", "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io");
      const conds =
        (a.body as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? [];
      return conds.some((x) => x.type === "Available" && x.status === "True") ? true : undefined;
    });
    const r = await kubectl(c(), ["api-resources", "--no-headers"]);
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split("\n")
      .map((l) => l.trim().split(/\s+/));
    const byName = (n: string, gv: string) => rows.find((x) => x[0] === n && x.includes(gv));
    expect(byName("pods", "v1")).toEqual(["pods", "po", "v1", "true", "Pod"]);
    expect(byName("deployments", "apps/v1")).toEqual([
      "deployments",
      "deploy",
      "apps/v1",
      "true",
      "Deployment",
    ]);
    expect(byName("customresourcedefinitions", "apiextensions.k8s.io/v1")).toEqual([
      "customresourcedefinitions",
      "crd,crds",
      "apiextensions.k8s.io/v1",
      "false",
      "CustomResourceDefinition",
    ]);
    // 37 stored kinds (claims, volumes, replication controllers, pod templates and the two
    // webhook configurations among them) +
    // resourcequotas, limitranges and the four review kinds (create-only); autoscaling/v1 HPAs
    // are not a row of their own (api-resources shows preferred versions).
    expect(byName("persistentvolumeclaims", "v1")).toEqual([
      "persistentvolumeclaims",
      "pvc",
      "v1",
      "true",
      "PersistentVolumeClaim",
    ]);
    expect(byName("persistentvolumes", "v1")).toEqual([
      "persistentvolumes",
      "pv",
      "v1",
      "false",
      "PersistentVolume",
    ]);
    expect(byName("replicationcontrollers", "v1")).toEqual([
      "replicationcontrollers",
      "rc",
      "v1",
      "true",
      "ReplicationController",
    ]);
    expect(byName("validatingwebhookconfigurations", "admissionregistration.k8s.io/v1")).toEqual([
      "validatingwebhookconfigurations",
      "admissionregistration.k8s.io/v1",
      "false",
      "ValidatingWebhookConfiguration",
    ]);
    // The aggregation layer's apiservices, and metrics-server's nodes and pods (no short names).
    expect(byName("apiservices", "apiregistration.k8s.io/v1")).toEqual([
      "apiservices",
      "apiregistration.k8s.io/v1",
      "false",
      "APIService",
    ]);
    expect(rows.filter((x) => x.includes("metrics.k8s.io/v1beta1"))).toEqual([
      ["nodes", "metrics.k8s.io/v1beta1", "false", "NodeMetrics"],
      ["pods", "metrics.k8s.io/v1beta1", "true", "PodMetrics"],
    ]);
    // + the storage, node, certificates, flowcontrol and admission-policy kinds and
    // componentstatuses (kube-more-kinds.test.ts).
    expect(byName("csidrivers", "storage.k8s.io/v1")).toEqual([
      "csidrivers",
      "storage.k8s.io/v1",
      "false",
      "CSIDriver",
    ]);
    expect(byName("componentstatuses", "v1")).toEqual([
      "componentstatuses",
      "cs",
      "v1",
      "false",
      "ComponentStatus",
    ]);
    expect(rows.length).toBe(56);
  });

  it("client-side apply with default validation, then a re-apply that changes one image keeps the other container", async () => {
    const first = await kubectl(c(), ["apply", "-n", ns, "-f", manifestFile(deployment("nginx:1.27"))]);
    expect(first.stderr).toBe("");
    expect(first.stdout.trim()).toBe("deployment.apps/web created");
    const again = await kubectl(c(), ["apply", "-n", ns, "-f", manifestFile(deployment("nginx:1.28"))]);
    expect(again.stdout.trim()).toBe("deployment.apps/web configured");
    const got = await kubectl(c(), [
      "get",
      "deploy",
      "web",
      "-n",
      ns,
      "-o",
      "jsonpath={.spec.template.spec.containers[*].image} {.metadata.generation}",
    ]);
    expect(got.stdout).toBe("nginx:1.28 busybox:1.36 2");
    const unchanged = await kubectl(c(), ["apply", "-n", ns, "-f", manifestFile(deployment("nginx:1.28"))]);
    expect(unchanged.stdout.trim()).toBe("deployment.apps/web unchanged");
    // Dropping the sidecar from the manifest removes it (the last-applied annotation says it was ours).
    await kubectl(c(), ["apply", "-n", ns, "-f", manifestFile(deployment("nginx:1.28", false))]);
    const one = await kubectl(c(), [
      "get",
      "deploy",
      "web",
      "-n",
      ns,
      "-o",
      "jsonpath={.spec.template.spec.containers[*].name}",
    ]);
    expect(one.stdout).toBe("web");
  });

  it("get prints the real columns (and -o wide more)", async () => {
    const r = await kubectl(c(), ["get", "deploy", "-n", ns]);
    expect(r.stdout.split("\n")[0].split(/\s+/)).toEqual(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
    // The controllers run the Deployment (issue 11): it becomes 2/2 available.
    const ready = await until(async () => {
      const row = (await kubectl(c(), ["get", "deploy", "-n", ns, "--no-headers"])).stdout
        .split(/\s+/)
        .slice(0, 4);
      return row[1] === "2/2" ? row : undefined;
    });
    expect(ready).toEqual(["web", "2/2", "2", "2"]);
    const w = await kubectl(c(), ["get", "deploy", "-n", ns, "-o", "wide"]);
    expect(w.stdout.split("\n")[0].split(/\s+/)).toEqual([
      "NAME",
      "READY",
      "UP-TO-DATE",
      "AVAILABLE",
      "AGE",
      "CONTAINERS",
      "IMAGES",
      "SELECTOR",
    ]);
    expect(w.stdout.split("\n")[1].split(/\s+/).slice(-3)).toEqual(["web", "nginx:1.28", "app=web"]);
    await kubectl(c(), ["run", "p1", "-n", ns, "--image=nginx", "--labels=tier=a"]);
    const pods = await kubectl(c(), ["get", "pods", "-n", ns, "-o", "wide"]);
    expect(pods.stdout.split("\n")[0].replace(/\s+/g, " ").trim()).toBe(
      "NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES",
    );
    expect(pods.stdout.split("\n")[1].split(/\s+/)[0]).toBe("p1");
    const running = await until(async () => {
      const row = (await kubectl(c(), ["get", "pod", "p1", "-n", ns, "--no-headers"])).stdout
        .split(/\s+/)
        .slice(0, 4);
      return row[2] === "Running" ? row : undefined;
    });
    expect(running).toEqual(["p1", "1/1", "Running", "0"]);
  });

  it("patch: strategic (default), merge, json", async () => {
    const smp = await kubectl(c(), [
      "patch",
      "deploy",
      "web",
      "-n",
      ns,
      "-p",
      '{"spec":{"template":{"spec":{"containers":[{"name":"extra","image":"redis:7"}]}}}}',
    ]);
    expect(smp.stdout.trim()).toBe("deployment.apps/web patched");
    const names = await kubectl(c(), [
      "get",
      "deploy",
      "web",
      "-n",
      ns,
      "-o",
      "jsonpath={.spec.template.spec.containers[*].name}",
    ]);
    expect(names.stdout).toBe("web extra");
    await kubectl(c(), [
      "patch",
      "deploy",
      "web",
      "-n",
      ns,
      "--type=merge",
      "-p",
      '{"metadata":{"labels":{"team":"blue"}}}',
    ]);
    await kubectl(c(), [
      "patch",
      "deploy",
      "web",
      "-n",
      ns,
      "--type=json",
      "-p",
      '[{"op":"replace","path":"/spec/replicas","value":3}]',
    ]);
    const g = await kubectl(c(), [
      "get",
      "deploy",
      "web",
      "-n",
      ns,
      "-o",
      "jsonpath={.metadata.labels.team} {.spec.replicas}",
    ]);
    expect(g.stdout).toBe("blue 3");
    const bad = await kubectl(c(), [
      "patch",
      "deploy",
      "web",
      "-n",
      ns,
      "--type=json",
      "-p",
      '[{"op":"test","path":"/spec/replicas","value":9}]',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("the server rejected our request due to an error in our request");
  });

  it("several conflicts are listed per manager, as kube-apiserver words them", async () => {
    const cm = (data: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa-many, namespace: ${ns}}\ndata: {${data}}\n`;
    const ssa = (manager: string, data: string) =>
      kubectl(c(), ["apply", "--server-side", `--field-manager=${manager}`, "-f", manifestFile(cm(data))]);
    expect((await ssa("alice", 'k1: "a", k2: "a"')).code).toBe(0);
    const patched = await kubectl(c(), [
      "patch",
      "cm",
      "ssa-many",
      "-n",
      ns,
      "--type=merge",
      "--field-manager=carol",
      "-p",
      '{"data":{"k3":"c"}}',
    ]);
    expect(patched.code).toBe(0);
    const d = await ssa("dave", 'k1: "d", k2: "d", k3: "d"');
    expect(d.code).toBe(1);
    expect(d.stderr).toContain(
      'Apply failed with 3 conflicts: conflicts with "alice":\n- .data.k1\n- .data.k2\nconflicts with "carol" using v1:\n- .data.k3',
    );
  });

  it("client-side apply, then server-side apply: kubectl moves the fields over, and a changed re-apply has no conflict", async () => {
    const cm = (v: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: moved, namespace: ${ns}}\ndata: {a: "${v}", b: "x"}\n`;
    expect((await kubectl(c(), ["apply", "-f", manifestFile(cm("1"))])).stdout.trim()).toBe(
      "configmap/moved created",
    );
    const first = await kubectl(c(), ["apply", "--server-side", "-f", manifestFile(cm("1"))]);
    expect([first.stderr, first.stdout.trim()]).toEqual(["", "configmap/moved serverside-applied"]);
    const changed = await kubectl(c(), ["apply", "--server-side", "-f", manifestFile(cm("2"))]);
    expect([changed.stderr, changed.stdout.trim()]).toEqual(["", "configmap/moved serverside-applied"]);
    const o = JSON.parse(
      (await kubectl(c(), ["get", "cm", "moved", "-n", ns, "-o", "json", "--show-managed-fields"])).stdout,
    );
    expect(o.data).toEqual({ a: "2", b: "x" });
    const managers = o.metadata.managedFields.map(
      (e: { manager: string; operation: string }) => `${e.manager}/${e.operation}`,
    );
    expect(managers).toContain("kubectl/Apply");
    expect(managers).not.toContain("kubectl-client-side-apply/Update");
    // [{}] clears managedFields altogether.
    const reset = await kubectl(c(), [
      "patch",
      "cm",
      "moved",
      "-n",
      ns,
      "--type=merge",
      "-p",
      '{"metadata":{"managedFields":[{}]}}',
    ]);
    expect(reset.stderr).toBe("");
    const after = JSON.parse(
      (await kubectl(c(), ["get", "cm", "moved", "-n", ns, "-o", "json", "--show-managed-fields"])).stdout,
    );
    expect(after.metadata.managedFields).toBeUndefined();
  });

  it("server-side apply owns fields, conflicts with another manager, and --force-conflicts takes them", async () => {
    const cm = (v: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: ${ns}}\ndata: {k: "${v}"}\n`;
    const a = await kubectl(c(), [
      "apply",
      "--server-side",
      "--field-manager=alice",
      "-f",
      manifestFile(cm("1")),
    ]);
    expect(a.stdout.trim()).toBe("configmap/ssa serverside-applied");
    const b = await kubectl(c(), [
      "apply",
      "--server-side",
      "--field-manager=bob",
      "-f",
      manifestFile(cm("2")),
    ]);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('conflict with "alice": .data.k');
    const f = await kubectl(c(), [
      "apply",
      "--server-side",
      "--field-manager=bob",
      "--force-conflicts",
      "-f",
      manifestFile(cm("2")),
    ]);
    expect(f.stdout.trim()).toBe("configmap/ssa serverside-applied");
    const got = await kubectl(c(), ["get", "cm", "ssa", "-n", ns, "-o", "json", "--show-managed-fields"]);
    const obj = JSON.parse(got.stdout) as {
      data: { k: string };
      metadata: { managedFields: { manager: string; operation: string; fieldsV1: unknown }[] };
    };
    expect(obj.data.k).toBe("2");
    const bob = obj.metadata.managedFields.find((m) => m.manager === "bob");
    expect(bob?.operation).toBe("Apply");
    expect(bob?.fieldsV1).toEqual({ "f:data": { "f:k": {} } });
    expect(obj.metadata.managedFields.find((m) => m.manager === "alice")).toBeUndefined();
  });

  it("label and field selectors, pagination", async () => {
    for (const n of ["p2", "p3", "p4"])
      await kubectl(c(), ["run", n, "-n", ns, "--image=nginx", `--labels=tier=${n === "p4" ? "b" : "a"}`]);
    const a = await kubectl(c(), ["get", "pods", "-n", ns, "-l", "tier=a", "-o", "name"]);
    expect(a.stdout.trim().split("\n")).toEqual(["pod/p1", "pod/p2", "pod/p3"]);
    const notin = await kubectl(c(), ["get", "pods", "-n", ns, "-l", "tier,tier notin (a)", "-o", "name"]);
    expect(notin.stdout.trim()).toBe("pod/p4");
    const f = await until(async () => {
      const r = await kubectl(c(), [
        "get",
        "pods",
        "-n",
        ns,
        "--field-selector",
        "metadata.name!=p1,status.phase=Running",
        "-o",
        "name",
      ]);
      const names = r.stdout
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("pod/p"));
      return names.length === 3 ? names : undefined;
    });
    expect(f).toEqual(["pod/p2", "pod/p3", "pod/p4"]);
    const paged = await kubectl(c(), [
      "get",
      "pods",
      "-n",
      ns,
      "-l",
      "tier",
      "--chunk-size=1",
      "-o",
      "name",
      "-v=6",
    ]);
    expect(paged.stdout.trim().split("\n")).toEqual(["pod/p1", "pod/p2", "pod/p3", "pod/p4"]);
    expect(paged.stderr.match(/continue=/g)?.length).toBe(3);
    const badSel = await kubectl(c(), ["get", "pods", "-n", ns, "--field-selector", "spec.foo=x"]);
    expect(badSel.stderr).toContain("field label not supported: spec.foo");
  });

  it("conflicts on a stale resourceVersion, with kube-apiserver's wording", async () => {
    const got = await kubectl(c(), ["get", "cm", "ssa", "-n", ns, "-o", "json"]);
    const obj = JSON.parse(got.stdout) as { metadata: { resourceVersion: string } };
    await kubectl(c(), ["label", "cm", "ssa", "-n", ns, "x=1"]);
    const stale = { ...JSON.parse(got.stdout), data: { k: "3" } };
    const r = await kubectl(c(), ["replace", "-f", "-"], JSON.stringify(stale));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'Operation cannot be fulfilled on configmaps "ssa": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect(obj.metadata.resourceVersion).toMatch(/^\d+$/);
    const nf = await kubectl(c(), ["get", "pod", "web-1", "-n", ns]);
    expect(nf.stderr.trim()).toBe('Error from server (NotFound): pods "web-1" not found');
  });

  it("describe pod shows the pod and its events (field selector on involvedObject.uid)", async () => {
    const pod = JSON.parse((await kubectl(c(), ["get", "pod", "p1", "-n", ns, "-o", "json"])).stdout) as {
      metadata: { uid: string };
    };
    const ev = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "p1.1", namespace: ns },
      involvedObject: { kind: "Pod", name: "p1", namespace: ns, uid: pod.metadata.uid },
      reason: "Scheduled",
      message: "Successfully assigned p1",
      type: "Normal",
      source: { component: "default-scheduler" },
      firstTimestamp: new Date().toISOString().replace(/\.\d+Z/, "Z"),
      lastTimestamp: new Date().toISOString().replace(/\.\d+Z/, "Z"),
      count: 1,
    };
    expect((await kube(c(), "POST", `/api/v1/namespaces/${ns}/events`, ev)).status).toBe(201);
    const d = await kubectl(c(), ["describe", "pod", "p1", "-n", ns]);
    expect(d.stdout).toMatch(/^Name:\s+p1$/m);
    expect(d.stdout).toMatch(/Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned p1/);
  });

  it("v1 Endpoints carry kube-apiserver's deprecation warning from 1.33 on", async () => {
    const r = await kubectl(c(), ["get", "endpoints", "kube-dns", "-n", "kube-system"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      v === "1.33"
        ? "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n"
        : "",
    );
    const slices = await kubectl(c(), ["get", "endpointslices", "-n", "kube-system"]);
    expect(slices.stderr).toBe("");
    // Every warning of a response is its own header: the deprecation and an unknown field's.
    const res = await fetch(`${c().server}/api/v1/namespaces/default/endpoints?fieldValidation=Warn`, {
      method: "POST",
      headers: { authorization: `Bearer ${c().token}`, "content-type": "application/json" },
      body: JSON.stringify({ metadata: { name: `warned-${ns}` }, bogus: 1 }),
    });
    expect(res.status).toBe(201);
    const warnings = res.headers.get("warning") ?? "";
    expect(warnings).toContain('299 - "unknown field \\"bogus\\""');
    expect(warnings.includes("v1 Endpoints is deprecated in v1.33+")).toBe(v === "1.33");
  });

  it("explain reads the served OpenAPI", async () => {
    const r = await kubectl(c(), ["explain", "pod.spec.containers.ports"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/containerPort\s+<integer>( -required-)?/);
    // A field whose type is another definition has its own description too (kubectl prints both).
    const res = await kubectl(c(), ["explain", "deployment.spec.strategy"]);
    expect(res.stdout).toMatch(/rollingUpdate\s+<RollingUpdateDeployment>\n\s+Rolling update config params/);
  });

  it("CRDs: established, served with printer columns and short names, schema refusal", async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Color, type: string, jsonPath: .spec.color}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1, maximum: 10}
              color: {type: string, enum: [red, blue], default: red}
          status:
            type: object
            properties:
              ok: {type: boolean}
`;
    const r = await kubectl(c(), ["apply", "-f", manifestFile(crd)]);
    expect(r.stdout.trim()).toBe("customresourcedefinition.apiextensions.k8s.io/widgets.example.com created");
    const w = await kubectl(c(), [
      "apply",
      "-n",
      ns,
      "-f",
      manifestFile("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3}\n"),
    ]);
    expect(w.stdout.trim()).toBe("widget.example.com/w1 created");
    const g = await kubectl(c(), ["get", "wd", "-n", ns]);
    expect(g.stdout.split("\n")[0].split(/\s+/)).toEqual(["NAME", "SIZE", "COLOR"]);
    expect(g.stdout.split("\n")[1].split(/\s+/)).toEqual(["w1", "3", "red"]);
    const bad = await kubectl(c(), [
      "apply",
      "-n",
      ns,
      "-f",
      manifestFile(
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w2}\nspec: {size: 30, color: green}\n",
      ),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('The Widget "w2" is invalid');
    expect(bad.stderr).toContain(
      "spec.size: Invalid value: 30: spec.size in body should be less than or equal to 10",
    );
    expect(bad.stderr).toContain('spec.color: Unsupported value: "green": supported values: "red", "blue"');
    const unknown = await kubectl(c(), [
      "apply",
      "-n",
      ns,
      "-f",
      manifestFile(
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w3}\nspec: {size: 3, shape: round}\n",
      ),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown field "spec.shape"');
    // Re-apply of a custom resource uses a merge patch.
    const re = await kubectl(c(), [
      "apply",
      "-n",
      ns,
      "-f",
      manifestFile(
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 4, color: blue}\n",
      ),
    ]);
    expect(re.stdout.trim()).toBe("widget.example.com/w1 configured");
  });

  /** `kubectl get … -w` running: what it printed so far, and a wait for a line to appear. */
  const watching = async (args: string[]) => {
    const home = path.dirname(c().kubeconfigPath);
    const { spawn } = await import("node:child_process");
    const child = spawn(
      "/usr/bin/kubectl",
      [...args, "-w", "--cache-dir", path.join(home, "home", "cache")],
      {
        env: { ...process.env, KUBECONFIG: c().kubeconfigPath, HOME: path.join(home, "home") },
      },
    );
    let out = "";
    child.stdout.on("data", (d) => {
      out += String(d);
    });
    const seen = (want: string | RegExp) => (typeof want === "string" ? out.includes(want) : want.test(out));
    return {
      out: () => out,
      waitFor: async (want: string | RegExp) => {
        for (let i = 0; i < 100 && !seen(want); i++) await new Promise((r) => setTimeout(r, 100));
        return seen(want);
      },
      stop: () => child.kill(),
    };
  };

  it("get -w streams changes", async () => {
    const w = await watching(["get", "cm", "-n", ns, "-o", "name"]);
    expect(await w.waitFor("configmap/ssa")).toBe(true);
    await kubectl(c(), [
      "create",
      "-f",
      manifestFile(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched, namespace: ${ns}}\n`),
    ]);
    expect(await w.waitFor("configmap/watched")).toBe(true);
    w.stop();
  });

  it("get -w prints every event as a row of the table, under one header", async () => {
    const w = await watching(["get", "cm", "-n", ns]);
    expect(await w.waitFor(/^ssa\s+\d+\s+\S+$/m)).toBe(true);
    await kubectl(c(), [
      "create",
      "-f",
      manifestFile(
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tabled, namespace: ${ns}}\ndata: {a: "1", b: "2"}\n`,
      ),
    ]);
    expect(await w.waitFor(/^tabled\s+2\s+\d+s$/m)).toBe(true);
    w.stop();
    const lines = w.out().trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+DATA\s+AGE$/);
    expect(lines.filter((l) => l.startsWith("NAME"))).toHaveLength(1);
    // On the wire: one-row Tables, column definitions only in the first event.
    const ctl = new AbortController();
    const res = await fetch(`${c().server}/api/v1/namespaces/${ns}/configmaps?watch=1`, {
      headers: {
        authorization: `Bearer ${c().token}`,
        accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
      },
      signal: ctl.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (text.split("\n").length < 3) text += new TextDecoder().decode((await reader.read()).value);
    ctl.abort();
    const [first, second] = text.split("\n").map((l) => (l ? JSON.parse(l) : undefined));
    expect([first.type, first.object.kind, first.object.apiVersion, first.object.rows.length]).toEqual([
      "ADDED",
      "Table",
      "meta.k8s.io/v1",
      1,
    ]);
    expect(first.object.columnDefinitions.map((col: { name: string }) => col.name)).toEqual([
      "Name",
      "Data",
      "Age",
    ]);
    expect(second.object.columnDefinitions).toBeNull();
    expect(second.object.metadata.resourceVersion).toBe(
      second.object.rows[0].object.metadata.resourceVersion,
    );
  });

  it("delete, and namespace termination removes everything inside", async () => {
    const d = await kubectl(c(), ["delete", "deploy", "web", "-n", ns]);
    expect(d.stdout.trim()).toBe('deployment.apps "web" deleted');
    const gone = await kubectl(c(), ["get", "deploy", "web", "-n", ns]);
    expect(gone.stderr.trim()).toBe('Error from server (NotFound): deployments.apps "web" not found');
    const del = await kubectl(c(), ["delete", "namespace", ns, "--wait=true", "--timeout=30s"]);
    expect(del.stdout.trim()).toBe(`namespace "${ns}" deleted`);
    const after = await kube(c(), "GET", `/api/v1/namespaces/${ns}/pods`);
    expect((after.body as { items: unknown[] }).items).toEqual([]);
    expect((await kube(c(), "GET", `/api/v1/namespaces/${ns}`)).status).toBe(404);
  });
});

describe("credentials", () => {
  it("a cluster's token opens no other cluster; no token is 401 as a Status", async () => {
    const a = clusters["1.28"];
    const b = clusters["1.33"];
    expect(a.token).not.toBe(b.token);
    expect(a.token).not.toBe(a.adminToken);
    const cross = await fetch(`${b.server}/api/v1/namespaces`, {
      headers: { authorization: `Bearer ${a.token}` },
    });
    expect(cross.status).toBe(401);
    expect(await cross.json()).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "Unauthorized",
      reason: "Unauthorized",
      code: 401,
    });
    const none = await fetch(`${a.server}/api/v1/namespaces`);
    expect(none.status).toBe(401);
    const admin = await fetch(`${a.server}/api/v1/namespaces`, {
      headers: { authorization: `Bearer ${a.adminToken}` },
    });
    expect(admin.status).toBe(200);
    const r = await kubectl(
      { ...b, kubeconfigPath: writeKubeconfig(b.kubeconfig.replace(b.token, a.token)) },
      ["get", "pods"],
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("You must be logged in to the server");
  });
});

function writeKubeconfig(text: string): string {
  const p = path.join(tempDir("aksnet-kubeconfig-"), "config");
  fs.writeFileSync(p, text, { mode: 0o600 });
  return p;
}
