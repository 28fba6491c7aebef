// kube/workloads: the pure semantics of what runs inside an emulated cluster — Nodes from
// the scale sets, the scheduler, pod addresses, host-port auto-assignment, the simulated
// kubelet, and the workload controllers. No I/O: each controller is
// `reconcile(desired, observed) → Action[]`; docs/ARCHITECTURE.md says how they are wired.
export * from "./actions.js";
export * from "./cronjob.js";
export * from "./cronSchedule.js";
export * from "./daemonset.js";
export * from "./deployment.js";
export * from "./events.js";
export * from "./history.js";
export * from "./hostports.js";
export * from "./interPodAffinity.js";
export * from "./job.js";
export * from "./kubelet.js";
export * from "./names.js";
export * from "./nodes.js";
export * from "./podIPs.js";
export * from "./pods.js";
export * from "./preemption.js";
export * from "./quantity.js";
export * from "./replicaset.js";
export * from "./replicationcontroller.js";
export * from "./scheduler.js";
export * from "./statefulset.js";
export * from "./system.js";
export * from "./topologySpread.js";
export * from "./ttlAfterFinished.js";
export * from "./vmSizes.js";
