// kube-scheduler: every unbound pod, oldest first, against the Nodes and what is bound to them
// (workloads/scheduler.ts filters and scores). A fit is bound through the binding subresource
// and gets the `Scheduled` event; no fit leaves the pod Pending with PodScheduled=False and a
// `FailedScheduling` event, written once per distinct message (kube-scheduler de-duplicates too).
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { STAGES } from "../workloads/kubelet.js";
import { addPod, nodeInfos, schedule } from "../workloads/scheduler.js";
import { type ControllerContext, FIELD_MANAGER } from "./context.js";
import { clusterSource } from "./source.js";

export async function syncScheduler(ctx: ControllerContext, cluster: string): Promise<void> {
  const c = await ctx.store.read((tx) => clusterSource(tx, cluster));
  if (!c) return;
  const version = `v${c.version}`;
  const nodes = await ctx.list<Node>(cluster, "core/nodes");
  const pods = await ctx.list<Pod>(cluster, "core/pods");
  const infos = nodeInfos(
    nodes,
    pods.filter((p) => p.spec?.nodeName),
  );
  const pending = pods
    .filter(
      (p) =>
        !p.spec?.nodeName && !p.metadata?.deletionTimestamp && (p.status?.phase ?? "Pending") === "Pending",
    )
    .sort(
      (a, b) =>
        (a.metadata?.creationTimestamp ?? "").localeCompare(b.metadata?.creationTimestamp ?? "") ||
        (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""),
    );
  const podType = await ctx.type(cluster, "core/pods");
  for (const p of pending) {
    const now = ctx.now();
    const r = schedule(p, infos, version);
    const ns = p.metadata?.namespace ?? "default";
    const name = p.metadata?.name ?? "";
    if (r.node === undefined) {
      const cond = p.status?.conditions?.find((x) => x.type === "PodScheduled");
      if (cond?.status === "False" && cond.message === r.message) continue;
      const out = STAGES.Unschedulable({ pod: p, version, now, message: r.message });
      await ctx.updateStatus(cluster, "core/pods", { ...p, status: out.status });
      await ctx.apply(cluster, eventActions(ns, out.events));
      continue;
    }
    await ctx.api.bind(
      cluster,
      podType,
      ns,
      name,
      { target: { kind: "Node", name: r.node } },
      { fieldManager: FIELD_MANAGER },
    );
    const bound = await ctx.get<Pod>(cluster, "core/pods", ns, name);
    if (!bound) continue;
    const info = infos.get(r.node);
    if (info) addPod(info, bound);
    const out = STAGES.Scheduled({ pod: bound, node: r.node, version, now });
    await ctx.updateStatus(cluster, "core/pods", { ...bound, status: out.status });
    await ctx.apply(cluster, eventActions(ns, out.events));
  }
}

/** Create actions for a stage's events, in the pod's namespace. */
function eventActions(namespace: string, events: readonly object[]) {
  return events.map((object) => ({
    op: "create" as const,
    resource: "core/events" as const,
    namespace,
    object,
  }));
}
