// HorizontalPodAutoscaler controller: per namespace (`hpa|<cluster>|<ns>`, every namespace when
// empty), each autoscaling/v2 HPA → its target's scale subresource (looked up by the
// scaleTargetRef's group and kind, as the controller's REST mapper does) →
// planHorizontalPodAutoscaler → the scale write, the status subresource, events from
// `horizontal-pod-autoscaler`. Queued by HPA changes and by changes of the kinds an HPA scales,
// so a target pushed outside the bounds is brought back at once (upstream notices on its 15 s
// resync), and every sync period while the namespace has HPAs, as upstream resyncs.
import type { HorizontalPodAutoscaler } from "kubernetes-types/autoscaling/v2.js";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import type { ResourceType } from "../catalog.js";
import { KubeError } from "../errors.js";
import { containerUsage, hasMetrics } from "../metrics.js";
import { matchLabels, parseLabelSelector } from "../selectors.js";
import { eventAction } from "../workloads/events.js";
import {
  type HpaEvent,
  type HpaHistory,
  type HpaPlan,
  newHistory,
  planHorizontalPodAutoscaler,
  type ResourceMetricsView,
  recordScaleEvent,
  rescaled,
  rescaleFailed,
  type ScaleRead,
} from "../workloads/horizontalPodAutoscaler.js";
import { type ControllerContext, W } from "./context.js";

export const HPA_KEY = "autoscaling/horizontalpodautoscalers";
/** Store kinds whose changes re-run their namespace's HPAs (the HPAs and what they scale). */
export const HPA_TRIGGERS: ReadonlySet<string> = new Set([
  HPA_KEY,
  "apps/deployments",
  "apps/replicasets",
  "apps/statefulsets",
  "core/replicationcontrollers",
]);

const COMPONENT = "horizontal-pod-autoscaler";
/** kube-controller-manager's --horizontal-pod-autoscaler-sync-period: how often a failing metric is reported again. */
const SYNC_PERIOD_MS = 15_000;

/**
 * Per process: what each HPA was last reconciled from (its spec and its target's scale) and
 * when. The same inputs within a sync period are not reconciled again — a status written by
 * this controller (or by a user) is left as it is until the spec or the target changes, or the
 * period has passed, as upstream's rate-limited queue does.
 */
const reconciled = new Map<string, { from: string; at: number }>();
/** Per process: each HPA's recommendations and scale events (upstream keeps them in memory too). */
const histories = new Map<string, HpaHistory>();
/** Per process: when an HPA's failing-metric warnings were last recorded. */
const warned = new Map<string, { at: number; text: string }>();

export async function syncHorizontalPodAutoscalers(
  ctx: ControllerContext,
  cluster: string,
  ns: string,
): Promise<void> {
  const t = await ctx.api.find(cluster, "autoscaling", "v2", "horizontalpodautoscalers");
  if (!t) return;
  const { items } = await ctx.api.list(cluster, t, ns || undefined, {});
  const hpas = items as HorizontalPodAutoscaler[];
  try {
    for (const hpa of hpas) {
      try {
        await syncOne(ctx, cluster, t, hpa);
      } catch (e) {
        // Deleted meanwhile: nothing to do. Anything else is the queue's (a conflict re-runs).
        if (!(e instanceof KubeError && e.code === 404)) throw e;
      }
    }
  } finally {
    // Upstream's resync: every HPA is looked at again each sync period (a namespace without
    // HPAs is not); a change of the namespace's HPAs or targets runs it sooner.
    for (const n of new Set(hpas.map((h) => h.metadata?.namespace ?? "default")))
      ctx.queue.add(`hpa|${cluster}|${n}`, SYNC_PERIOD_MS);
  }
}

async function syncOne(
  ctx: ControllerContext,
  cluster: string,
  t: ResourceType,
  hpa: HorizontalPodAutoscaler,
): Promise<void> {
  if (hpa.metadata?.deletionTimestamp) return;
  const ns = hpa.metadata?.namespace ?? "default";
  const now = ctx.now();
  const target = await targetOf(ctx, cluster, hpa);
  const uid = hpa.metadata?.uid ?? "";
  const from = JSON.stringify([hpa.metadata?.generation, hpa.spec, target.read]);
  const last = reconciled.get(uid);
  if (last && last.from === from && Date.now() - last.at < SYNC_PERIOD_MS) return;
  const view = "error" in target.read ? undefined : await metricsView(ctx, cluster, ns, target.read.selector);
  const history = histories.get(uid) ?? newHistory();
  let plan: HpaPlan = planHorizontalPodAutoscaler(hpa, target.read, now, view, history);
  if (plan.history) {
    if (histories.size > 10_000) histories.clear();
    histories.set(uid, plan.history);
  }
  if (plan.rescale && target.write) {
    try {
      await target.write(plan.rescale.replicas);
      if (!("error" in target.read))
        recordScaleEvent(
          plan.history ?? history,
          hpa,
          target.read.replicas,
          plan.rescale.replicas,
          Date.now(),
        );
      plan = rescaled(hpa, plan, now);
    } catch (e) {
      if (!(e instanceof KubeError) || e.code === 409) throw e;
      plan = rescaleFailed(hpa, plan, e.message, now);
    }
  }
  if (JSON.stringify(plan.status) !== JSON.stringify(hpa.status ?? {}))
    await ctx.api.update(
      cluster,
      t,
      ns,
      hpa.metadata?.name ?? "",
      { ...hpa, status: plan.status },
      W,
      "status",
    );
  await record(ctx, cluster, hpa, plan.events);
  // Only once done: a conflict above re-runs this reconcile in full.
  if (reconciled.size > 10_000) reconciled.clear();
  reconciled.set(uid, { from, at: Date.now() });
}

/**
 * What the metrics client would read from metrics.k8s.io for the target's pods: whether the
 * API is served (its APIService there and Available), and each pod's usage in milli-units as
 * the simulated metrics-server reports it (kube/metrics.ts) — read from the informer cache.
 */
async function metricsView(
  ctx: ControllerContext,
  cluster: string,
  ns: string,
  selector: string,
): Promise<ResourceMetricsView> {
  const nowMs = Date.now();
  const t = (await ctx.api.types(cluster)).find((x) => x.metrics === "pods");
  const api = !t ? "absent" : t.unavailable ? "unavailable" : "available";
  let pods: Pod[] = [];
  const usage: ResourceMetricsView["usage"] = new Map();
  if (api === "available" && selector) {
    let reqs: ReturnType<typeof parseLabelSelector>;
    try {
      reqs = parseLabelSelector(selector);
    } catch {
      reqs = [];
    }
    pods = (await ctx.list<Pod>(cluster, "core/pods", ns)).filter((p) =>
      matchLabels(reqs, p.metadata?.labels),
    );
    const nodes = new Map(
      (await ctx.list<Node>(cluster, "core/nodes")).map((n) => [n.metadata?.name ?? "", n]),
    );
    // The metric's sample time as served (whole seconds); its window, metrics-server's 15 s.
    const timestamp = Math.floor(nowMs / 1000) * 1000;
    for (const p of pods)
      if (hasMetrics(p, nodes.get(p.spec?.nodeName ?? "")))
        usage.set(p.metadata?.name ?? "", {
          // Quantity.MilliValue(): nanocores rounded up to millicores; bytes × 1000.
          containers: containerUsage(p).map((c) => ({
            name: c.name,
            cpu: Math.ceil(c.cpu / 1e6),
            memory: c.memory * 1000,
          })),
          timestamp,
          window: 15_000,
        });
  }
  return { api, pods, usage, now: nowMs };
}

/** The target's scale (or the error the controller would report) and how to write it. */
async function targetOf(
  ctx: ControllerContext,
  cluster: string,
  hpa: HorizontalPodAutoscaler,
): Promise<{ read: ScaleRead; write?: (replicas: number) => Promise<void> }> {
  const ref = hpa.spec?.scaleTargetRef;
  const ns = hpa.metadata?.namespace ?? "default";
  const apiVersion = ref?.apiVersion ?? "";
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
  const kind = ref?.kind ?? "";
  // The REST mapper: the group's types of that kind, preferring the storage one.
  const types = (await ctx.api.types(cluster)).filter((x) => x.group === group && x.kind === kind);
  const t = types.find((x) => !x.storageVersion) ?? types[0];
  if (!t) return { read: { error: `no matches for kind "${kind}" in group "${group}"` } };
  if (!t.scale) return { read: { error: "the server could not find the requested resource" } };
  const name = ref?.name ?? "";
  let scale: { spec?: { replicas?: number }; status?: { selector?: string } };
  try {
    scale = await ctx.api.getScale(cluster, t, ns, name);
  } catch (e) {
    if (e instanceof KubeError && e.code < 500) return { read: { error: e.message } };
    throw e;
  }
  return {
    read: { replicas: scale.spec?.replicas ?? 0, selector: scale.status?.selector ?? "" },
    write: async (replicas) => {
      await ctx.api.update(cluster, t, ns, name, { ...scale, spec: { replicas } }, W, "scale");
    },
  };
}

/**
 * Records the plan's events (ctx.apply's recorder counts a repeat on the stored Event). A
 * rescale is always told; metric failures at most once per sync period unless their text changes.
 */
async function record(
  ctx: ControllerContext,
  cluster: string,
  hpa: HorizontalPodAutoscaler,
  events: HpaEvent[],
): Promise<void> {
  if (!events.length) return;
  const uid = hpa.metadata?.uid ?? "";
  const warnings = events.filter((e) => e.type === "Warning");
  const text = JSON.stringify(warnings);
  const last = warned.get(uid);
  const quiet = !!last && last.text === text && Date.now() - last.at < SYNC_PERIOD_MS;
  if (warnings.length && !quiet) warned.set(uid, { at: Date.now(), text });
  if (warned.size > 10_000) warned.clear();
  const involved = { ...hpa, apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" };
  const now = ctx.now();
  const actions = events
    .filter((e) => e.type !== "Warning" || !quiet)
    .map((e) =>
      eventAction({
        involved,
        reason: e.reason,
        type: e.type,
        message: e.message,
        component: COMPONENT,
        at: now,
      }),
    );
  if (actions.length) await ctx.apply(cluster, actions);
}
