// The Kubernetes face's per-write semantic pipeline, in process (build first: npm run build;
// then node bench/fields.mjs, or npm run bench fields). For a realistic pod (the shape the
// controller manager writes: owner reference, labels, annotations, two containers with ports,
// env and probes; a kubelet status with conditions and container statuses):
//  - trackUpdate of its create (managedFields of a new object),
//  - trackUpdate of a kubelet status update (status subresource, existing managers),
//  - trackUpdate of a main-resource update changing one spec field (spec.nodeName; the whole
//    spec compared, as for any controller's or kubectl's update),
//  - admit's prune of unknown fields + defaulting (pruneUnknown then applyDefaults),
// each as a ratio to `structuredClone(pod)` timed the same way in the same run.
import { median, table } from "./lib.mjs";

const dist = new URL("../dist/", import.meta.url);
const { trackUpdate } = await import(new URL("kube/fields.js", dist).href);
const { builtinSchemas, pruneUnknown } = await import(new URL("kube/schemas.js", dist).href);
const { applyDefaults } = await import(new URL("kube/defaults.js", dist).href);
const { BUILTIN_KINDS } = await import(new URL("kube/kinds.js", dist).href);

const ROUNDS = 7;
const N = Number(process.env.BENCH_N ?? 2000);

function pod(i) {
  const container = (name, port) => ({
    name,
    image: `mcr.microsoft.com/oss/kubernetes/${name}:v1.2.${i % 7}`,
    ports: [
      { name: "http", containerPort: port, protocol: "TCP", hostPort: 40000 + i },
      { name: "metrics", containerPort: port + 1, protocol: "TCP" },
    ],
    env: [
      { name: "MODE", value: "serve" },
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: `echoserver-hostport_PORT_${port}_TCP_HOSTPORT`, value: String(40000 + i) },
    ],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    readinessProbe: { httpGet: { path: "/healthz", port } },
    volumeMounts: [{ name: "config", mountPath: "/etc/config", readOnly: true }],
  });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `web-7d4b9c8f6-${i.toString(36)}`,
      generateName: "web-7d4b9c8f6-",
      namespace: "default",
      uid: `0b6c2d1e-0000-4000-8000-${String(i).padStart(12, "0")}`,
      labels: { app: "web", "pod-template-hash": "7d4b9c8f6", tier: "frontend" },
      annotations: { "kubernetes.azure.com/assign-hostports-for-containerports": "8080/tcp" },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "web-7d4b9c8f6",
          uid: "5f0e9a4c-1111-4000-8000-000000000001",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      containers: [container("web", 8080), container("sidecar", 9090)],
      volumes: [{ name: "config", configMap: { name: "web-config" } }],
      nodeSelector: { "kubernetes.io/os": "linux" },
      tolerations: [{ key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
    },
  };
}

function withStatus(p, phase) {
  const t = "2026-12-01T06:00:00Z";
  const ready = phase === "Running" ? "True" : "False";
  return {
    ...p,
    spec: { ...p.spec, nodeName: "aks-nodepool1-12345678-vmss000003" },
    status: {
      phase,
      hostIP: "10.224.0.7",
      podIP: phase === "Running" ? "10.244.3.17" : undefined,
      podIPs: phase === "Running" ? [{ ip: "10.244.3.17" }] : undefined,
      startTime: t,
      qosClass: "Burstable",
      conditions: ["PodScheduled", "Initialized", "ContainersReady", "Ready"].map((type) => ({
        type,
        status: type === "PodScheduled" ? "True" : ready,
        lastProbeTime: null,
        lastTransitionTime: t,
      })),
      containerStatuses: p.spec.containers.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: "",
        ready: phase === "Running",
        restartCount: 0,
        started: phase === "Running",
        state:
          phase === "Running" ? { running: { startedAt: t } } : { waiting: { reason: "ContainerCreating" } },
      })),
    },
  };
}

const schemas = builtinSchemas(BUILTIN_KINDS);
const resolve = (s) => schemas.resolve(s);
const podDef = schemas.topFor("", "v1", "Pod");
const podSchema = schemas.defs.get(podDef);

/**
 * Median microseconds per call of each `fns[name](i)`, and its median ratio to `fns.base`:
 * ROUNDS rounds of N calls each, the functions interleaved within a round so that load on
 * the shared machine hits them alike.
 */
function time(fns) {
  const names = Object.keys(fns);
  for (const n of names) for (let i = 0; i < N; i++) fns[n](i); // warm-up
  const us = Object.fromEntries(names.map((n) => [n, []]));
  const ratio = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const round = {};
    for (const n of names) {
      const t = performance.now();
      for (let i = 0; i < N; i++) fns[n](i);
      round[n] = ((performance.now() - t) * 1000) / N;
      us[n].push(round[n]);
    }
    for (const n of names) ratio[n].push(round[n] / round.base);
  }
  return Object.fromEntries(names.map((n) => [n, { us: median(us[n]), ratio: median(ratio[n]) }]));
}

export async function run() {
  const pods = Array.from({ length: 64 }, (_, i) => pod(i));
  // The stored pod after create + the kubelet's Pending status; the next write makes it Running.
  const pending = pods.map((p) => {
    const o = withStatus(structuredClone(p), "Pending");
    trackUpdate(undefined, o, "kube-controller-manager", "v1", podSchema, resolve);
    const prev = structuredClone(o);
    trackUpdate(prev, o, "kubelet", "v1", podSchema, resolve, "status");
    return JSON.parse(JSON.stringify(o));
  });
  const running = pending.map((o) => {
    const r = withStatus(structuredClone(o), "Running");
    return JSON.parse(JSON.stringify(r));
  });
  const runningMf = running.map((o) => o.metadata.managedFields);
  // A main-resource update changing one field of the spec (the created pod gets a nodeName).
  const created = pods.map((p) => {
    const o = structuredClone(p);
    trackUpdate(undefined, o, "kube-controller-manager", "v1", podSchema, resolve);
    return o;
  });
  const bound = created.map((o) => {
    const b = structuredClone(o);
    b.spec.nodeName = "aks-n-3";
    return b;
  });
  const boundMf = bound.map((o) => o.metadata.managedFields);

  const f = time({
    base: (i) => structuredClone(pods[i & 63]),
    create: (i) => {
      const p = pods[i & 63];
      delete p.metadata.managedFields;
      trackUpdate(undefined, p, "kube-controller-manager", "v1", podSchema, resolve);
    },
    status: (i) => {
      const k = i & 63;
      running[k].metadata.managedFields = runningMf[k];
      trackUpdate(pending[k], running[k], "kubelet", "v1", podSchema, resolve, "status");
    },
    bind: function bind(i) {
      const k = i & 63;
      bound[k].metadata.managedFields = boundMf[k];
      trackUpdate(created[k], bound[k], "kubectl-edit", "v1", podSchema, resolve);
    },
    admit: function admit(i) {
      const p = pods[i & 63];
      delete p.metadata.managedFields;
      const out = pruneUnknown(p, podSchema, resolve, "", [], []);
      applyDefaults(out, podDef, schemas.defs, true);
    },
    admitRunning: (i) => {
      const out = pruneUnknown(running[i & 63], podSchema, resolve, "", [], []);
      applyDefaults(out, podDef, schemas.defs, false);
    },
  });
  const row = (name, x) => [name, x.us.toFixed(1), x.ratio.toFixed(2)];
  table(`Per-write pipeline of a pod (medians of ${ROUNDS} interleaved rounds of ${N})`, [
    ["step", "µs/op", "× structuredClone(pod)"],
    row("structuredClone(pod) (baseline)", f.base),
    row("trackUpdate: create", f.create),
    row("trackUpdate: kubelet status update", f.status),
    row("trackUpdate: update of one spec field (spec.nodeName)", f.bind),
    row("admit: pruneUnknown + applyDefaults (create)", f.admit),
    row("admit: pruneUnknown + applyDefaults (update, with status)", f.admitRunning),
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
