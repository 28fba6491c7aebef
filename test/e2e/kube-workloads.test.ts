// The cluster comes alive (issue 11), driven with the machine's real kubectl: Nodes follow the
// scale sets, the seed 003 host-port Deployment gets its ports from admission, the scheduler
// refuses host-port conflicts the way kube-scheduler words it, pods get addresses per plugin.

import type { Pod } from "kubernetes-types/core/v1.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ECHOSERVER_HOSTPORT_YAML } from "../../scenarios/003-node-public-ips.js";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  type KubeCluster,
  kubectl,
  kubectlOk,
  manifestFile,
  startKubeEmulator,
} from "../kube/kube-helpers.js";
import {
  addGatewayPool,
  inCidr,
  makeCluster,
  pods,
  poolScale,
  until,
  untilScheduled,
} from "../kube/workload-helpers.js";

let emu: TestEmulator;

beforeAll(async () => {
  emu = await startKubeEmulator();
});
afterAll(async () => {
  await emu?.close();
});

// Seed 003, verbatim: the scenario's copy, the one place it is written.
const ECHOSERVER = ECHOSERVER_HOSTPORT_YAML;

const fixedHostPort = (name: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80, hostPort: 8088, protocol: TCP}]
`;

describe("seed 003: host-port auto-assignment with kubectl", () => {
  let c: KubeCluster;
  beforeAll(async () => {
    const sub = `/subscriptions/${emu.subscriptionId}`;
    const reg = await emu.arm(
      "POST",
      `${sub}/providers/Microsoft.Features/providers/Microsoft.ContainerService/features/PodHostPortAutoAssignPreview/register?api-version=2021-07-01`,
    );
    expect(reg.status).toBe(200);
    c = await makeCluster(emu, "hp", { count: 3, version: "1.33" });
  });

  it("three Ready nodes named after the scale set's instances", async () => {
    const nodes = await until(async () => {
      const r = await kubectl(c, ["get", "nodes", "--no-headers"]);
      const rows = r.stdout.trim().split("\n").filter(Boolean);
      return rows.length === 3 && rows.every((l) => l.split(/\s+/)[1] === "Ready") ? rows : undefined;
    });
    expect(nodes.map((l) => l.split(/\s+/)[0])).toEqual([
      expect.stringMatching(/^aks-nodepool1-\d{8}-vmss000000$/),
      expect.stringMatching(/^aks-nodepool1-\d{8}-vmss000001$/),
      expect.stringMatching(/^aks-nodepool1-\d{8}-vmss000002$/),
    ]);
  });

  it("the seed's Deployment: describe pod shows Host Ports and the _HOSTPORT variables", async () => {
    const applied = await kubectl(c, ["apply", "-f", manifestFile(ECHOSERVER)]);
    expect(applied.stderr).toBe("");
    expect(applied.stdout.trim()).toBe("deployment.apps/echoserver-hostport created");
    const running = await until(async () => {
      const ps = await pods(c, "default", "app=echoserver-hostport");
      return ps.length === 3 && ps.every((p) => p.status?.phase === "Running") ? ps : undefined;
    });
    const all = new Set<number>();
    const byNode = new Map<string, string[]>();
    for (const p of running) {
      const ports = p.spec?.containers[0].ports ?? [];
      const [h1, h2] = ports.map((x) => x.hostPort ?? 0);
      for (const h of [h1, h2]) {
        expect(h).toBeGreaterThanOrEqual(40000);
        expect(h).toBeLessThanOrEqual(59999);
        all.add(h);
      }
      const d = await kubectl(c, ["describe", "pod", p.metadata?.name ?? ""]);
      expect(d.code).toBe(0);
      expect(d.stdout).toContain(`    Host Ports:     ${h1}/TCP, ${h2}/TCP\n`);
      expect(d.stdout).toContain(`      echoserver-hostport_PORT_8080_TCP_HOSTPORT:  ${h1}\n`);
      expect(d.stdout).toContain(`      echoserver-hostport_PORT_8443_TCP_HOSTPORT:  ${h2}\n`);
      expect(d.stdout).toMatch(/\n\s+Ports:\s+8080\/TCP, 8443\/TCP\n/);
      expect(d.stdout).toMatch(/\n\s+State:\s+Running\n/);
      for (const reason of ["Scheduled", "Pulled", "Created", "Started"])
        expect(d.stdout).toMatch(new RegExp(`\\n\\s+Normal\\s+${reason}\\s`));
      // The first pod on a node pulls; the image then stays there (IfNotPresent).
      if (/already present on machine/.test(d.stdout)) expect(d.stdout).not.toMatch(/Normal\s+Pulling\s/);
      else
        expect(d.stdout).toMatch(
          /\n\s+Normal\s+Pulling\s+\S+\s+kubelet\s+Pulling image "k8s\.gcr\.io\/echoserver:1\.10"/,
        );
      byNode.set(p.spec?.nodeName ?? "", [...(byNode.get(p.spec?.nodeName ?? "") ?? []), d.stdout]);
    }
    // Per node, exactly one of its pods pulled the image.
    for (const [node, outs] of byNode)
      expect(outs.filter((o) => /Normal\s+Pulling\s/.test(o)).length, node).toBe(1);
    // Unique across the cluster: 3 pods × 2 ports.
    expect(all.size).toBe(6);
    // Who owns what, named as on AKS: the ReplicaSet controller made the pod, the kubelet
    // wrote its status (the binding adds no entry).
    const shown = await kubectl(c, [
      "get",
      "pod",
      running[0].metadata?.name ?? "",
      "-o",
      "json",
      "--show-managed-fields",
    ]);
    const managed = (
      JSON.parse(shown.stdout) as {
        metadata: {
          managedFields: {
            manager: string;
            operation: string;
            subresource?: string;
            fieldsV1: Record<string, unknown>;
          }[];
        };
      }
    ).metadata.managedFields;
    expect(managed.map((m) => [m.manager, m.operation, m.subresource ?? ""])).toEqual([
      ["kube-controller-manager", "Update", ""],
      ["kubelet", "Update", "status"],
    ]);
    expect(Object.keys(managed[0].fieldsV1).sort()).toEqual(["f:metadata", "f:spec"]);
    expect(Object.keys(managed[1].fieldsV1)).toEqual(["f:status"]);
    // Its Scheduled event is the scheduler's, the others the kubelet's.
    const evs = JSON.parse(
      (
        await kubectl(c, [
          "get",
          "events",
          "--field-selector",
          `involvedObject.name=${running[0].metadata?.name ?? ""}`,
          "-o",
          "json",
          "--show-managed-fields",
        ])
      ).stdout,
    ) as { items: { reason: string; metadata: { managedFields: { manager: string }[] } }[] };
    for (const e of evs.items)
      expect([e.reason, e.metadata.managedFields[0].manager]).toEqual([
        e.reason,
        e.reason === "Scheduled" ? "kube-scheduler" : "kubelet",
      ]);
    expect(evs.items.map((e) => e.reason)).toContain("Scheduled");
  });

  it("the annotation naming an undeclared port is refused with a clear message", async () => {
    const pod = `apiVersion: v1
kind: Pod
metadata:
  name: badports
  annotations: {kubernetes.azure.com/assign-hostports-for-containerports: 9999/tcp}
spec:
  containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]
`;
    const r = await kubectl(c, ["apply", "-f", manifestFile(pod)]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'The Pod "badports" is invalid: metadata.annotations[kubernetes.azure.com/assign-hostports-for-containerports]: Invalid value: "9999/tcp": port 9999/TCP is not declared by any container of the pod (spec.containers[*].ports[*].containerPort)',
    );
    const g = await kubectl(c, ["get", "pod", "badports"]);
    expect(g.stderr.trim()).toBe('Error from server (NotFound): pods "badports" not found');
  });

  it("an empty annotation is refused, and two containers declaring the port fail validation after assignment", async () => {
    const empty = await kubectl(c, [
      "apply",
      "-f",
      manifestFile(`apiVersion: v1
kind: Pod
metadata:
  name: emptyports
  annotations: {kubernetes.azure.com/assign-hostports-for-containerports: ""}
spec:
  containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]
`),
    ]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('Invalid value: "": the list is empty');
    const twice = await kubectl(c, [
      "apply",
      "-f",
      manifestFile(`apiVersion: v1
kind: Pod
metadata:
  name: twiceports
  annotations: {kubernetes.azure.com/assign-hostports-for-containerports: 8080/tcp}
spec:
  containers:
  - {name: a, image: nginx, ports: [{containerPort: 8080}]}
  - {name: b, image: nginx, ports: [{containerPort: 8080}]}
`),
    ]);
    expect(twice.code).toBe(1);
    expect(twice.stderr.trim()).toMatch(
      /^The Pod "twiceports" is invalid: spec\.containers\[1\]\.ports\[0\]\.hostPort: Duplicate value: "\/TCP\/\d+"$/,
    );
    expect((await kubectl(c, ["get", "pod", "twiceports"])).code).toBe(1);
  });

  it("pods bound by spec.nodeName pass the kubelet's admission or fail with its reason (OutOfcpu, NodePorts, NodeAffinity)", async () => {
    await kubectlOk(c, ["create", "namespace", "admit"]);
    const node = (await kubectlOk(c, ["get", "nodes", "-o", "jsonpath={.items[0].metadata.name}"])).trim();
    const alloc = (
      await kubectlOk(c, ["get", "node", node, "-o", "jsonpath={.status.allocatable.cpu}"])
    ).trim();
    const pod = (name: string, spec: string) =>
      manifestFile(`apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: admit}
spec:
  nodeName: ${node}
${spec}`);
    const port = "  containers: [{name: c, image: nginx, ports: [{containerPort: 80, hostPort: 9177}]}]\n";
    await kubectlOk(c, ["apply", "-f", pod("port-a", port)]);
    await kubectlOk(c, ["wait", "-n", "admit", "--for=condition=Ready", "pod/port-a", "--timeout=30s"]);
    await kubectlOk(c, ["apply", "-f", pod("port-b", port)]);
    await kubectlOk(c, [
      "apply",
      "-f",
      pod("huge", '  containers: [{name: c, image: nginx, resources: {requests: {cpu: "500"}}}]\n'),
    ]);
    await kubectlOk(c, [
      "apply",
      "-f",
      pod("picky", "  nodeSelector: {disk: none}\n  containers: [{name: c, image: nginx}]\n"),
    ]);
    const status = async (name: string) =>
      (
        await kubectlOk(c, [
          "get",
          "pod",
          name,
          "-n",
          "admit",
          "-o",
          "jsonpath={.status.phase}|{.status.reason}|{.status.message}",
        ])
      ).trim();
    const failed = (name: string) =>
      until(async () => {
        const s = await status(name);
        return s.startsWith("Failed|") ? s : undefined;
      });
    // 1.31+ name the filter's reason (kubernetes#125498).
    expect(await failed("port-b")).toBe(
      "Failed|NodePorts|Pod was rejected: Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports",
    );
    expect(await failed("picky")).toBe(
      "Failed|NodeAffinity|Pod was rejected: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector",
    );
    const huge = await failed("huge");
    expect(huge).toMatch(
      new RegExp(
        `^Failed\\|OutOfcpu\\|Pod was rejected: Node didn't have enough resource: cpu, requested: 500000, used: \\d+, capacity: ${Number.parseInt(alloc, 10)}$`,
      ),
    );
    const rows = await kubectlOk(c, ["get", "pods", "-n", "admit", "--no-headers"]);
    expect(rows).toMatch(/^huge\s+0\/1\s+OutOfcpu\s/m);
    const events = await kubectlOk(c, [
      "get",
      "events",
      "-n",
      "admit",
      "--field-selector",
      "type=Warning",
      "-o",
      "jsonpath={range .items[*]}{.reason}/{.source.component}: {.message}{'\\n'}{end}",
    ]);
    expect(events).toContain(
      "NodePorts/kubelet: Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports\n",
    );
    // The scheduler never saw these pods: none has a Scheduled event.
    const scheduled = await kubectlOk(c, [
      "get",
      "events",
      "-n",
      "admit",
      "--field-selector",
      "reason=Scheduled",
      "-o",
      "name",
    ]);
    expect(scheduled.trim()).toBe("");
    await kubectlOk(c, ["delete", "namespace", "admit"]);
  });

  it("a fixed hostPort on 3 nodes: 4 replicas → exactly one Pending with kube-scheduler's FailedScheduling", async () => {
    // (apply, not `kubectl create`: imperative create sends protobuf, which the face does not speak yet)
    const nsr = await kubectl(c, [
      "apply",
      "-f",
      manifestFile("apiVersion: v1\nkind: Namespace\nmetadata: {name: conflict}\n"),
    ]);
    expect(nsr.stderr).toBe("");
    const r = await kubectl(c, ["apply", "-n", "conflict", "-f", manifestFile(fixedHostPort("fixed", 4))]);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("deployment.apps/fixed created");
    const ps = await untilScheduled(() => pods(c, "conflict"), { total: 4, running: 3, unsched: 1 });
    expect(new Set(ps.running.map((p) => p.spec?.nodeName)).size).toBe(3);
    const name = ps.unsched[0].metadata?.name ?? "";
    const ev = await until(async () => {
      const e = await kubectl(c, [
        "get",
        "events",
        "-n",
        "conflict",
        "--field-selector",
        `involvedObject.name=${name},reason=FailedScheduling`,
        "-o",
        "jsonpath={.items[*].message}",
      ]);
      return e.stdout || undefined;
    });
    expect(ev).toBe(
      "0/3 nodes are available: 3 node(s) didn't have free ports for the requested pod ports. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
    );
    const d = await kubectl(c, ["describe", "pod", "-n", "conflict", name]);
    expect(d.stdout).toMatch(/Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/3 nodes are available/);
  });

  it("kubenet: every pod address lies in its node's podCIDR and none repeats", async () => {
    const nodes = JSON.parse((await kubectl(c, ["get", "nodes", "-o", "json"])).stdout) as {
      items: { metadata: { name: string }; spec: { podCIDR: string } }[];
    };
    const cidr = new Map(nodes.items.map((n) => [n.metadata.name, n.spec.podCIDR]));
    const all = (await pods(c)).filter((p) => p.status?.podIP && !p.spec?.hostNetwork);
    expect(all.length).toBeGreaterThanOrEqual(6);
    for (const p of all)
      expect(inCidr(p.status?.podIP ?? "", cidr.get(p.spec?.nodeName ?? "") ?? "")).toBe(true);
    expect(new Set(all.map((p) => p.status?.podIP)).size).toBe(all.length);
  });

  it("a ReplicaSet creating 40 pods records events as client-go does: 9, then one combined event counted to 16", async () => {
    expect((await kubectl(c, ["create", "namespace", "burst"])).code).toBe(0);
    const made = await kubectl(c, [
      "-n",
      "burst",
      "create",
      "deployment",
      "burst",
      "--image=nginx:1.27",
      "--replicas=40",
    ]);
    expect(made.stdout.trim()).toBe("deployment.apps/burst created");
    await until(async () => ((await pods(c, "burst", "app=burst")).length === 40 ? true : undefined));
    const d = await kubectl(c, ["-n", "burst", "describe", "rs", "-l", "app=burst"]);
    const lines = d.stdout.split("\n").filter((l) => /\sSuccessfulCreate\s/.test(l));
    expect(lines.filter((l) => /replicaset-controller\s+Created pod: burst-/.test(l))).toHaveLength(9);
    const combined = lines.filter((l) => /\(combined from similar events\): Created pod: burst-/.test(l));
    expect(combined).toHaveLength(1);
    expect(combined[0]).toMatch(
      /\(x16 over \S+\)\s+replicaset-controller\s+\(combined from similar events\)/,
    );
    expect(lines).toHaveLength(10);
    // What the API holds: 10 events about the ReplicaSet, not 40.
    const ev = await kubectl(c, [
      "-n",
      "burst",
      "get",
      "events",
      "--field-selector",
      "reason=SuccessfulCreate",
      "-o",
      "name",
    ]);
    expect(ev.stdout.trim().split("\n")).toHaveLength(10);
  });

  it("describe pod lists a fresh pod's events in the order they happened: Scheduled, Pulled, Created, Started", async () => {
    // The kubelet records Pulled, Created and Started within a second, often in the second the
    // pod was scheduled: kubectl sorts by lastTimestamp (whole seconds) and keeps the API's
    // order — event names, client-go's `<pod>.<hex UnixNano>` — among equal ones.
    expect((await kubectl(c, ["create", "namespace", "order"])).code).toBe(0);
    const made = await kubectl(c, [
      "-n",
      "order",
      "create",
      "deployment",
      "order",
      "--image=nginx:1.27",
      "--replicas=6",
    ]);
    expect(made.stdout.trim()).toBe("deployment.apps/order created");
    const running = await until(async () => {
      const ps = await pods(c, "order", "app=order");
      return ps.length === 6 && ps.every((p) => p.status?.phase === "Running") ? ps : undefined;
    });
    const lifecycle = new Set(["Scheduled", "Pulling", "Pulled", "Created", "Started"]);
    for (const p of running) {
      const d = await kubectl(c, ["-n", "order", "describe", "pod", p.metadata?.name ?? ""]);
      expect(d.code).toBe(0);
      const rows = d.stdout
        .slice(d.stdout.indexOf("\nEvents:\n"))
        .split("\n")
        .map((l) => l.split(/ {2,}/))
        .filter((f) => f[1] === "Normal" && lifecycle.has(f[2]));
      const reasons = rows.map((f) => f[2]).filter((r) => r !== "Pulling");
      expect(reasons, p.metadata?.name).toEqual(["Scheduled", "Pulled", "Created", "Started"]);
      expect(rows.map((f) => f[4])).toEqual(
        rows.map((f) => (f[2] === "Scheduled" ? "default-scheduler" : "kubelet")),
      );
    }
    // The API lists them in name order, which is the order they were recorded in.
    const listed = JSON.parse(
      (
        await kubectl(c, [
          "-n",
          "order",
          "get",
          "events",
          "--field-selector",
          `involvedObject.name=${running[0].metadata?.name ?? ""}`,
          "-o",
          "json",
        ])
      ).stdout,
    ) as { items: { reason: string; metadata: { name: string } }[] };
    const names = listed.items.map((e) => e.metadata.name);
    expect(names.every((n) => new RegExp(`^${running[0].metadata?.name}\\.[0-9a-f]{16}$`).test(n))).toBe(
      true,
    );
    expect(listed.items.map((e) => e.reason).filter((r) => lifecycle.has(r) && r !== "Pulling")).toEqual([
      "Scheduled",
      "Pulled",
      "Created",
      "Started",
    ]);
  });

  it("kube-system: kube-proxy on every node with the node's IP, kube-dns at the dnsServiceIP", async () => {
    const kp = await until(async () => {
      const ps = await pods(c, "kube-system", "k8s-app=kube-proxy");
      return ps.length === 3 && ps.every((p) => p.status?.phase === "Running") ? ps : undefined;
    });
    for (const p of kp) expect(p.status?.podIP).toBe(p.status?.hostIP);
    const svc = await kubectl(c, [
      "get",
      "svc",
      "-n",
      "kube-system",
      "kube-dns",
      "-o",
      "jsonpath={.spec.clusterIP}",
    ]);
    expect(svc.stdout).toBe("10.0.0.10");
  });

  it("kubectl logs answers at once, honestly", async () => {
    const p = (await pods(c, "default", "app=echoserver-hostport"))[0];
    const r = await kubectl(c, ["logs", p.metadata?.name ?? ""]);
    expect(r.stdout).toMatch(/simulated; no process runs/);
  });

  it("exec, attach, port-forward and debug end at once with a reason, never a hang or a panic", async () => {
    const p = (await pods(c, "default", "app=echoserver-hostport"))[0].metadata?.name ?? "";
    const why = `pod "${p}" is simulated by aksnet: its containers run no process, so`;
    const exec = await kubectl(c, ["exec", p, "--", "ls"]);
    expect([exec.code, exec.stderr]).toEqual([
      1,
      `Error from server (BadRequest): ${why} there is nothing to exec into\n`,
    ]);
    const attach = await kubectl(c, ["attach", p]);
    expect(attach.code).toBe(1);
    expect(attach.stderr).toContain(`Error from server (BadRequest): ${why} there is nothing to attach to\n`);
    const pf = await kubectl(c, ["port-forward", `pod/${p}`, "0:8080"]);
    expect([pf.code, pf.stderr]).toEqual([
      1,
      `error: error upgrading connection: ${why} nothing listens on its ports to forward to\n`,
    ]);
    const wrong = await kubectl(c, ["exec", p, "-c", "nope", "--", "ls"]);
    expect(wrong.stderr).toBe(`Error from server (BadRequest): container nope is not valid for pod ${p}\n`);
    // kubectl debug adds an ephemeral container (pods/ephemeralcontainers; see kube-debug.test.ts).
    const debug = await kubectl(c, ["debug", p, "--image=busybox", "--profile=general", "--", "sh"]);
    expect(debug.code).toBe(0);
    expect(`${debug.stdout}${debug.stderr}`).toMatch(/Defaulting debug container name to debugger-/);
    expect(debug.stderr).not.toContain("panic");
  });

  it("a pod's spec is fixed once created: its host port cannot be patched; its image and tolerations can", async () => {
    const p = (await pods(c, "default", "app=echoserver-hostport"))[0];
    const name = p.metadata?.name ?? "";
    const held = p.spec?.containers[0].ports?.[0].hostPort;
    const forbidden =
      "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";
    const port = await kubectl(c, [
      "patch",
      "pod",
      name,
      "--type=json",
      "-p",
      // (a port the pod's other container port does not hold: that would be a Duplicate value too)
      '[{"op":"replace","path":"/spec/containers/0/ports/0/hostPort","value":45999}]',
    ]);
    expect(port.code).toBe(1);
    expect(port.stderr).toContain(`The Pod "${name}" is invalid: ${forbidden}`);
    const node = await kubectl(c, [
      "patch",
      "pod",
      name,
      "--type=merge",
      "-p",
      '{"spec":{"nodeName":"elsewhere"}}',
    ]);
    expect(node.stderr).toContain(forbidden);
    const image = await kubectl(c, [
      "set",
      "image",
      `pod/${name}`,
      "echoserver-hostport=k8s.gcr.io/echoserver:1.11",
    ]);
    expect([image.stderr, image.stdout]).toEqual(["", `pod/${name} image updated\n`]);
    const tol = await kubectl(c, [
      "patch",
      "pod",
      name,
      "--type=json",
      "-p",
      '[{"op":"add","path":"/spec/tolerations/-","value":{"key":"x","operator":"Exists","effect":"NoSchedule"}}]',
    ]);
    expect(tol.stderr).toBe("");
    const drop = await kubectl(c, [
      "patch",
      "pod",
      name,
      "--type=json",
      "-p",
      '[{"op":"remove","path":"/spec/tolerations/0"}]',
    ]);
    expect(drop.stderr).toContain(
      "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds",
    );
    const after = (await pods(c, "default", "app=echoserver-hostport")).find(
      (x) => x.metadata?.name === name,
    );
    expect(after?.spec?.containers[0].ports?.[0].hostPort).toBe(held);
  });

  it("kubectl create job: a generated selector and labels, so logs and describe find the Job's own pod", async () => {
    const r = await kubectl(c, ["create", "job", "once", "--image=busybox:1.36", "--", "echo", "hi"]);
    expect(r.stdout.trim()).toBe("job.batch/once created");
    const job = JSON.parse((await kubectl(c, ["get", "job", "once", "-o", "json"])).stdout);
    const uid = job.metadata.uid;
    const want = {
      "batch.kubernetes.io/controller-uid": uid,
      "batch.kubernetes.io/job-name": "once",
      "controller-uid": uid,
      "job-name": "once",
    };
    expect(job.spec.selector).toEqual({ matchLabels: { "batch.kubernetes.io/controller-uid": uid } });
    expect(job.spec.template.metadata.labels).toEqual(want);
    expect(job.metadata.labels).toEqual(want);
    // Generated by the strategy after the field manager ran: nobody owns them.
    const created = JSON.parse(
      (await kubectl(c, ["get", "job", "once", "-o", "json", "--show-managed-fields"])).stdout,
    ).metadata.managedFields[0].fieldsV1;
    expect([created["f:metadata"], created["f:spec"]["f:selector"]]).toEqual([undefined, undefined]);
    const done = await until(async () => {
      const j = JSON.parse((await kubectl(c, ["get", "job", "once", "-o", "json"])).stdout);
      return j.status?.succeeded === 1 && j.status.conditions?.length === 2 ? j : undefined;
    });
    expect(done.status.conditions.map((x: { type: string; reason: string }) => [x.type, x.reason])).toEqual([
      ["SuccessCriteriaMet", "CompletionsReached"],
      ["Complete", "CompletionsReached"],
    ]);
    const wide = await kubectl(c, ["get", "job", "once", "-o", "wide", "--no-headers"]);
    expect(wide.stdout).toContain(`batch.kubernetes.io/controller-uid=${uid}`);
    // With other pods in the namespace, logs picks the Job's pod by its selector.
    const logs = await kubectl(c, ["logs", "job/once"]);
    expect(logs.stderr).not.toMatch(/Found \d+ pods/);
    const own = (await pods(c, "default", `job-name=once`)).map((p) => p.metadata?.name);
    expect(own).toHaveLength(1);
  });

  it("an image changed in place restarts the container: Killing, then the new image's start", async () => {
    expect((await kubectl(c, ["run", "img", "--image=nginx:1.25"])).stdout).toBe("pod/img created\n");
    const get = async () => JSON.parse((await kubectl(c, ["get", "pod", "img", "-o", "json"])).stdout) as Pod;
    const before = await until(async () => {
      const p = await get();
      return p.status?.phase === "Running" ? p : undefined;
    });
    const was = before.status?.containerStatuses?.[0];
    expect((await kubectl(c, ["set", "image", "pod/img", "img=nginx:1.27"])).stdout).toBe(
      "pod/img image updated\n",
    );
    const after = await until(async () => {
      const p = await get();
      return p.status?.containerStatuses?.[0].restartCount === 1 ? p : undefined;
    });
    const now = after.status?.containerStatuses?.[0];
    expect(now?.image).toBe("docker.io/library/nginx:1.27");
    expect(now?.containerID).not.toBe(was?.containerID);
    expect(now?.state?.running?.startedAt).toBeDefined();
    expect(now?.lastState?.terminated).toMatchObject({
      exitCode: 0,
      reason: "Completed",
      containerID: was?.containerID,
    });
    expect(after.status?.phase).toBe("Running");
    const events = JSON.parse(
      (await kubectl(c, ["get", "events", "--field-selector", "involvedObject.name=img", "-o", "json"]))
        .stdout,
    ).items as { reason: string; message: string }[];
    expect(events.map((e) => [e.reason, e.message])).toContainEqual([
      "Killing",
      "Container img definition changed, will be restarted",
    ]);
    // Pulled (or already on the node from an earlier test), then started again.
    expect(events.some((e) => e.reason === "Pulled" && e.message.includes('"nginx:1.27"'))).toBe(true);
    const described = (await kubectl(c, ["describe", "pod", "img"])).stdout;
    expect(described).toMatch(/Restart Count:\s+1/);
    expect(described).toMatch(/Last State:\s+Terminated/);
  });

  it("an Indexed Job: each pod's hostname and JOB_COMPLETION_INDEX, completedIndexes as ranges", async () => {
    await kubectl(
      c,
      ["apply", "-f", "-"],
      `apiVersion: batch/v1
kind: Job
metadata: {name: idx}
spec:
  completionMode: Indexed
  completions: 4
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox:1.36}]
`,
    );
    const job = await until(async () => {
      const j = JSON.parse((await kubectl(c, ["get", "job", "idx", "-o", "json"])).stdout);
      return j.status?.succeeded === 4 ? j : undefined;
    });
    expect(job.status.completedIndexes).toBe("0-3");
    const pods = JSON.parse(
      (await kubectl(c, ["get", "pods", "-l", "job-name=idx", "-o", "json"])).stdout,
    ).items;
    expect(pods.map((p: Pod) => p.spec?.hostname).sort()).toEqual(["idx-0", "idx-1", "idx-2", "idx-3"]);
    for (const p of pods as Pod[]) {
      expect(p.metadata?.generateName).toBe(
        `idx-${p.metadata?.annotations?.["batch.kubernetes.io/job-completion-index"]}-`,
      );
      expect(p.spec?.containers[0].env).toEqual([
        {
          name: "JOB_COMPLETION_INDEX",
          valueFrom: {
            fieldRef: {
              apiVersion: "v1",
              fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']",
            },
          },
        },
      ]);
    }
    const described = (await kubectl(c, ["describe", "job", "idx"])).stdout;
    expect(described).toMatch(/Completed Indexes:\s+0-3/);
    // The counts stay when the finished pods go (kubectl delete pods, a drain …).
    await kubectl(c, ["delete", "pods", "-l", "job-name=idx"]);
    await new Promise((r) => setTimeout(r, 500));
    const kept = JSON.parse((await kubectl(c, ["get", "job", "idx", "-o", "json"])).stdout);
    expect([kept.status.succeeded, kept.status.completedIndexes]).toEqual([4, "0-3"]);
    const row = (await kubectl(c, ["get", "job", "idx", "--no-headers"])).stdout.trim().split(/\s+/);
    expect(row.slice(0, 3)).toEqual(["idx", "Complete", "4/4"]);
  });

  it("a suspended Job creates no pods until resumed; resuming restarts its clock", async () => {
    const r = await kubectl(
      c,
      ["apply", "-f", "-"],
      `apiVersion: batch/v1
kind: Job
metadata: {name: later}
spec:
  suspend: true
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox:1.36}]
`,
    );
    expect(r.stdout).toBe("job.batch/later created\n");
    const suspended = await until(async () => {
      const j = JSON.parse((await kubectl(c, ["get", "job", "later", "-o", "json"])).stdout);
      return j.status?.conditions?.some((x: { type: string }) => x.type === "Suspended") ? j : undefined;
    });
    expect(suspended.status.startTime).toBeUndefined();
    expect(suspended.status.conditions).toEqual([
      expect.objectContaining({
        type: "Suspended",
        status: "True",
        reason: "JobSuspended",
        message: "Job suspended",
      }),
    ]);
    const row = (await kubectl(c, ["get", "job", "later", "--no-headers"])).stdout.trim().split(/\s+/);
    expect(row.slice(0, 3)).toEqual(["later", "Suspended", "0/1"]);
    expect((await kubectl(c, ["get", "pods", "-l", "job-name=later", "-o", "name"])).stdout).toBe("");
    await kubectl(c, ["patch", "job", "later", "--type=merge", "-p", '{"spec":{"suspend":false}}']);
    const done = await until(async () => {
      const j = JSON.parse((await kubectl(c, ["get", "job", "later", "-o", "json"])).stdout);
      return j.status?.succeeded === 1 ? j : undefined;
    });
    expect(done.status.startTime).toBeDefined();
    expect(done.status.conditions[0]).toMatchObject({
      type: "Suspended",
      status: "False",
      reason: "JobResumed",
    });
    const events = (
      await kubectl(c, [
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=later",
        "-o",
        "jsonpath={.items[*].reason}",
      ])
    ).stdout;
    expect(events.split(" ")).toEqual(
      expect.arrayContaining(["Suspended", "Resumed", "SuccessfulCreate", "Completed"]),
    );
  });

  it("scale-in removes the nodes; their pods are replaced; the DaemonSet follows", async () => {
    await poolScale(emu, c, "nodepool1", 2);
    const nodes = await until(async () => {
      const r = await kubectl(c, ["get", "nodes", "-o", "name"]);
      const n = r.stdout.trim().split("\n").filter(Boolean);
      return n.length === 2 ? n : undefined;
    });
    const live = new Set(nodes.map((n) => n.replace("node/", "")));
    // Auto-assigned host ports never conflict: all three echoservers run on the two nodes left.
    await until(async () => {
      const ps = await pods(c, "default", "app=echoserver-hostport");
      return ps.length === 3 &&
        ps.every((p) => live.has(p.spec?.nodeName ?? "") && p.status?.phase === "Running")
        ? ps
        : undefined;
    });
    // The fixed hostPort 8088 fits once per node: now 2 Running, 2 Pending, with the new count.
    const fixed = await until(async () => {
      const ps = await pods(c, "conflict");
      const running = ps.filter((p) => p.status?.phase === "Running" && live.has(p.spec?.nodeName ?? ""));
      const msgs = ps
        .filter((p) => !p.spec?.nodeName)
        .map((p) => p.status?.conditions?.find((x) => x.type === "PodScheduled")?.message);
      return ps.length === 4 &&
        running.length === 2 &&
        msgs.length === 2 &&
        msgs.every((m) => m?.startsWith("0/2 "))
        ? msgs
        : undefined;
    });
    expect(fixed[0]).toBe(
      "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
    );
    const kp = await until(async () => {
      const ps = await pods(c, "kube-system", "k8s-app=kube-proxy");
      return ps.length === 2 ? ps : undefined;
    });
    expect(new Set(kp.map((p) => p.spec?.nodeName))).toEqual(live);
    // Each node's heartbeat Lease, owned by its Node, goes with it.
    const leases = await until(async () => {
      const r = await kubectl(c, [
        "get",
        "leases",
        "-n",
        "kube-node-lease",
        "-o",
        "jsonpath={range .items[*]}{.metadata.name} {.spec.holderIdentity} {.metadata.ownerReferences[0].kind}{'\\n'}{end}",
      ]);
      const l = r.stdout.trim().split("\n").filter(Boolean);
      return l.length === 2 ? l : undefined;
    });
    expect(leases.sort()).toEqual([...live].sort().map((n) => `${n} ${n} Node`));
    const described = await kubectl(c, ["describe", "node", [...live][0]]);
    expect(described.stdout).toMatch(new RegExp(`Lease:\\s+HolderIdentity:\\s+${[...live][0]}\\n`));
    // A Lease deleted is written again (the kubelet's next heartbeat).
    await kubectlOk(c, ["delete", "lease", "-n", "kube-node-lease", [...live][0]]);
    await until(async () =>
      (await kubectl(c, ["get", "lease", "-n", "kube-node-lease", [...live][0]])).code === 0
        ? true
        : undefined,
    );
  });
});

describe("Azure CNI and gateway pools", () => {
  it("pod addresses come from the node's reserved subnet addresses, never a node's", async () => {
    const c = await makeCluster(emu, "cni", { count: 2, plugin: "azure", maxPods: 30, version: "1.33" });
    const r = await kubectl(c, [
      "apply",
      "-f",
      manifestFile(fixedHostPort("web", 6).replace(", hostPort: 8088", "")),
    ]);
    expect(r.stdout.trim()).toBe("deployment.apps/web created");
    const ps = await until(async () => {
      const all = await pods(c, "default", "app=web");
      return all.length === 6 && all.every((p) => p.status?.phase === "Running") ? all : undefined;
    });
    const nodes = JSON.parse((await kubectl(c, ["get", "nodes", "-o", "json"])).stdout) as {
      items: { status: { addresses: { type: string; address: string }[] } }[];
    };
    const nodeIps = new Set(
      nodes.items.map((n) => n.status.addresses.find((a) => a.type === "InternalIP")?.address),
    );
    for (const p of ps) {
      expect(inCidr(p.status?.podIP ?? "", "10.224.0.0/16")).toBe(true);
      expect(nodeIps.has(p.status?.podIP)).toBe(false);
    }
    expect(new Set(ps.map((p) => p.status?.podIP)).size).toBe(6);
  });

  it("nothing lands on a gateway pool; the DaemonSets that tolerate everything do", async () => {
    const c = await makeCluster(emu, "gwc", { count: 2, version: "1.33" });
    await addGatewayPool(emu, c, "gw", 2);
    const nodes = await until(async () => {
      const r = JSON.parse((await kubectl(c, ["get", "nodes", "-o", "json"])).stdout) as {
        items: {
          metadata: { name: string };
          spec: { taints?: { key: string; value?: string; effect: string }[] };
        }[];
      };
      return r.items.length === 4 ? r.items : undefined;
    });
    const gw = new Set(
      nodes
        .filter((n) =>
          n.spec.taints?.some(
            (t) => t.key === "kubeegressgateway.azure.com/mode" && t.effect === "NoSchedule",
          ),
        )
        .map((n) => n.metadata.name),
    );
    expect(gw.size).toBe(2);
    const r = await kubectl(c, [
      "apply",
      "-f",
      manifestFile(fixedHostPort("spread", 8).replace(", hostPort: 8088", "")),
    ]);
    expect(r.stdout.trim()).toBe("deployment.apps/spread created");
    const ps = await until(async () => {
      const all = await pods(c, "default", "app=spread");
      return all.length === 8 && all.every((p) => p.status?.phase === "Running") ? all : undefined;
    });
    for (const p of ps) expect(gw.has(p.spec?.nodeName ?? "")).toBe(false);
    const kp = await until(async () => {
      const all = await pods(c, "kube-system", "k8s-app=kube-proxy");
      return all.length === 4 ? all : undefined;
    });
    expect(kp.filter((p) => gw.has(p.spec?.nodeName ?? "")).length).toBe(2);
  });
});
