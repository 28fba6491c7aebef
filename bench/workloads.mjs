// Issue #11 figures for the pure workload controllers (build first: npm run build; then
// node bench/workloads.mjs). A 10,000-replica Deployment with auto-assigned host ports on 100
// kubenet nodes, driven through the same functions the wiring will call: Deployment →
// ReplicaSet → 10,000 pods → host-port admission (20,000 ports: the whole 40000–59999 range)
// → scheduler → pod address → kubelet stages to Running. No store and no HTTP: this is the
// semantic cost the wiring adds to. Figures are ratios to a baseline measured in the same run
// (structuredClone of the same 10,000 pods), plus the wall time and pods/s the issue asks for.
import v8 from "node:v8";
import vm from "node:vm";
import { median, table } from "./lib.mjs";

// A real gc() so the heap figure is what the Running pods retain, not collector timing.
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");

const dist = new URL("../dist/", import.meta.url);
const w = await import(new URL("kube/workloads/index.js", dist).href);

const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 10_000);
const NODES = Number(process.env.BENCH_NODES ?? 100);
const NOW = "2026-01-12T18:00:00Z";

function nodes() {
  const vmss =
    "/subscriptions/s/resourceGroups/MC_g_c_eastus/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss";
  const pool = {
    name: "nodepool1",
    count: NODES,
    vmSize: "Standard_D8s_v5",
    osType: "Linux",
    osSKU: "Ubuntu",
    mode: "User",
    maxPods: 110,
    orchestratorVersion: "1.33",
    passthrough: {},
  };
  return Array.from({ length: NODES }, (_, i) =>
    w.buildNode({
      subscriptionId: "s",
      cluster: { location: "eastus", nodeResourceGroup: "MC_g_c_eastus", network: { plugin: "kubenet" } },
      pool,
      instance: {
        vmssId: vmss,
        instanceId: i,
        computerName: `aks-nodepool1-12345678-vmss${i.toString(36).padStart(6, "0")}`,
        nodeIp: `10.224.${Math.floor(i / 250)}.${4 + (i % 250)}`,
        podCidr: `10.244.${i}.0/24`,
      },
      now: NOW,
    }),
  );
}

function deployment() {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "echoserver-hostport", namespace: "default", uid: "d-uid", generation: 1 },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: "echoserver-hostport" } },
      template: {
        metadata: {
          annotations: { "kubernetes.azure.com/assign-hostports-for-containerports": "8080/tcp,8443/tcp" },
          labels: { app: "echoserver-hostport" },
        },
        spec: {
          nodeSelector: { "kubernetes.io/os": "linux" },
          containers: [
            {
              name: "echoserver-hostport",
              image: "k8s.gcr.io/echoserver:1.10",
              resources: { requests: { cpu: "10m", memory: "16Mi" } },
              ports: [
                { name: "http", containerPort: 8080, protocol: "TCP" },
                { name: "https", containerPort: 8443, protocol: "TCP" },
              ],
            },
          ],
        },
      },
    },
  };
}

function once() {
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const t = { start: performance.now() };
  const ns = nodes();
  const [createRs] = w.reconcileDeployment(deployment(), [], NOW);
  const rs = { ...createRs.object, metadata: { ...createRs.object.metadata, uid: "rs-uid" } };
  // The ReplicaSet controller creates at most BURST_REPLICAS pods per sync: sync until all are.
  const rng = w.seededRng(1);
  const creates = [];
  while (creates.length < REPLICAS) {
    const more = w
      .reconcileReplicaSet(
        rs,
        creates.map((a) => a.object),
        rng,
        NOW,
      )
      .filter((a) => a.op === "create" && a.resource === "core/pods");
    if (!more.length) throw new Error(`the ReplicaSet stopped at ${creates.length} pods`);
    creates.push(...more);
  }
  t.controllers = performance.now();

  const taken = new Set();
  let cursor = 0;
  const pods = creates.map((a, i) => {
    const r = w.assignHostPorts(
      { ...a.object, metadata: { ...a.object.metadata, uid: `pod-${i}` } },
      { featureRegistered: true, kubernetesVersion: "1.33.5", taken, cursor },
    );
    if (!r.changed) throw new Error("admission did not assign");
    for (const p of r.ports) taken.add(p.hostPort);
    cursor = r.nextCursor;
    return r.pod;
  });
  t.admission = performance.now();

  // The ReplicaSet is what DefaultSelector reads: replicas spread by the system default
  // topology constraints, as kube-scheduler spreads them.
  const owners = {
    services: () => [],
    replicaSet: (_ns, name) => (name === rs.metadata.name ? rs : undefined),
    statefulSet: () => undefined,
    replicationController: () => undefined,
  };
  const infos = w.nodeInfos(ns, [], owners);
  for (const [i, p] of pods.entries()) {
    const r = w.schedule(p, infos, "v1.33.5");
    if (r.node === undefined) throw new Error(r.message);
    const bound = { ...p, spec: { ...p.spec, nodeName: r.node } };
    infos.bind(bound, r.node);
    pods[i] = bound;
  }
  t.scheduler = performance.now();
  const spread = new Map();
  for (const p of pods) spread.set(p.spec.nodeName, (spread.get(p.spec.nodeName) ?? 0) + 1);

  const perNode = new Map();
  const byName = new Map(ns.map((n) => [n.metadata.name, n]));
  for (const [i, p] of pods.entries()) {
    const node = byName.get(p.spec.nodeName);
    const st = perNode.get(node.metadata.name) ?? { taken: new Set(), cursor: 0 };
    const c = w.choosePodIp(p, { plugin: "kubenet", podCidr: node.spec.podCIDR }, st.taken, st.cursor);
    if (c.ip === undefined) throw new Error(c.message);
    st.taken.add(c.ip);
    st.cursor = c.nextCursor;
    perNode.set(node.metadata.name, st);
    const hostIP = w.nodeInternalIp(node);
    let pod = {
      ...p,
      status: w.STAGES.Scheduled({ pod: p, node: node.metadata.name, version: "1.33.5", now: NOW }).status,
    };
    pod = {
      ...pod,
      status: w.STAGES.ContainerCreating({
        pod,
        node: node.metadata.name,
        hostIP,
        version: "1.33.5",
        now: NOW,
      }).status,
    };
    pod = {
      ...pod,
      status: w.STAGES.Running({
        pod,
        node: node.metadata.name,
        hostIP,
        podIP: c.ip,
        version: "1.33.5",
        now: NOW,
      }).status,
    };
    pods[i] = pod;
  }
  t.kubelet = performance.now();
  gc();
  const heap1 = process.memoryUsage().heapUsed;
  if (pods.some((p) => p.status.phase !== "Running")) throw new Error("not all Running");
  if (taken.size !== REPLICAS * 2) throw new Error(`host ports: ${taken.size}`);

  const b0 = performance.now();
  const copy = structuredClone(pods);
  const baseline = performance.now() - b0;
  if (copy.length !== pods.length) throw new Error("copy");

  // The spreading's cost: the same 10,000 decisions with and without a selector to spread by
  // (no owners), alternating which goes first — the first pass after the pipeline pays for
  // its garbage, so order alone would skew a single pair.
  const pass = (o) => {
    const infos = w.nodeInfos(ns, [], o);
    const t0 = performance.now();
    for (const p of pods) {
      const r = w.schedule(p, infos, "v1.33.5");
      if (r.node === undefined) throw new Error(r.message);
      infos.bind(p, r.node);
    }
    return performance.now() - t0;
  };
  const passes = { spread: 0, plain: 0 };
  for (const order of [
    ["spread", "plain"],
    ["plain", "spread"],
  ])
    for (const v of order) passes[v] += pass(v === "spread" ? owners : undefined);
  return {
    total: t.kubelet - t.start,
    controllers: t.controllers - t.start,
    admission: t.admission - t.controllers,
    scheduler: t.scheduler - t.admission,
    spreadPasses: passes.spread,
    plainPasses: passes.plain,
    fewest: Math.min(...spread.values()),
    most: Math.max(...spread.values()),
    kubelet: t.kubelet - t.scheduler,
    baseline,
    bytesPerPod: (heap1 - heap0) / REPLICAS,
  };
}

export async function run() {
  const runs = Array.from({ length: 3 }, once);
  const m = (k) => median(runs.map((r) => r[k]));
  const base = m("baseline");
  const row = (name, k) => [name, `${m(k).toFixed(0)} ms`, `${(m(k) / base).toFixed(1)}×`];
  table(`workloads: ${REPLICAS} replicas, 2 auto host ports each, ${NODES} nodes (median of 3)`, [
    ["step", "time", "vs structuredClone(pods)"],
    row("all Running (total)", "total"),
    row("  deployment + replicaset", "controllers"),
    row("  host-port admission", "admission"),
    row("  scheduler", "scheduler"),
    row("  pod IP + kubelet stages", "kubelet"),
    ["baseline: structuredClone(pods)", `${base.toFixed(0)} ms`, "1.0×"],
  ]);
  table("workloads: rates", [
    ["figure", "value"],
    ["scheduling throughput", `${Math.round(REPLICAS / (m("scheduler") / 1000))} pods/s`],
    [
      "scheduling with / without topology spreading (same pods, no owner to spread by)",
      `${(m("spreadPasses") / m("plainPasses")).toFixed(2)}×`,
    ],
    ["replicas per node, fewest / most", `${m("fewest")} / ${m("most")}`],
    ["end-to-end throughput", `${Math.round(REPLICAS / (m("total") / 1000))} pods/s`],
    ["heap per Running pod", `${(m("bytesPerPod") / 1024).toFixed(1)} KiB`],
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
