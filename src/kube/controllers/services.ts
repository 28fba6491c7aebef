// The Service side of an emulated cluster, three controllers over the same objects:
//   - `services|<cluster>`: the `default/kubernetes` Service (the first service address), and
//     the sweep that releases what deleted Services still hold (services/admission.ts);
//   - `endpoints|<cluster>|<ns>|<name>`: Endpoints and the EndpointSlice of a Service with a
//     selector, from the ready (and not-ready) pods it selects — kube-controller-manager's
//     endpoints and endpointslice controllers;
//   - `service-lb|<cluster>`: cloud-provider-azure's service controller: every LoadBalancer
//     Service of the cluster, in creation order, handed to `applyServiceLoadBalancers` (a full
//     reconcile in one ARM transaction; a Service Azure refuses is left out with its error, so it
//     never blocks the others), then `status.loadBalancer.ingress` and the events
//     `EnsuringLoadBalancer` / `EnsuredLoadBalancer` / `SyncLoadBalancerFailed`.
import { createHash } from "node:crypto";
import type { Node, Pod, Service } from "kubernetes-types/core/v1.js";
import type { Store } from "../../store/types.js";
import type { Obj } from "../api.js";
import { KubeError } from "../errors.js";
import { sweepServiceAllocations } from "../services/admission.js";
import { applyEachServiceLoadBalancer, applyServiceLoadBalancers } from "../services/azureApply.js";
import {
  type DesiredServiceLoadBalancer,
  desiredServiceLoadBalancer,
  type ServiceLike,
} from "../services/azureLoadBalancer.js";
import { eventAction } from "../workloads/events.js";
import { clusterRecord } from "./arm.js";
import { armContext, hasArmDeps } from "./armContext.js";
import { type ControllerContext, W } from "./context.js";
import { syncHciServiceLoadBalancers } from "./hciServices.js";
import { clusterSource, serviceCidrStrings } from "./source.js";

// ---------------------------------------------------------------- kubernetes Service + sweep

export async function syncServices(ctx: ControllerContext, cluster: string): Promise<void> {
  const src = await ctx.store.read((tx) => clusterSource(tx, cluster));
  if (!src) return;
  if (!(await ctx.get(cluster, "core/services", "default", "kubernetes"))) {
    const cidr = serviceCidrStrings(src)[0];
    const first = firstServiceIP(cidr);
    await ctx.apply(cluster, [
      {
        op: "create",
        resource: "core/services",
        namespace: "default",
        object: {
          apiVersion: "v1",
          kind: "Service",
          metadata: {
            name: "kubernetes",
            namespace: "default",
            labels: { component: "apiserver", provider: "kubernetes" },
          },
          spec: {
            type: "ClusterIP",
            ...(first ? { clusterIP: first } : {}),
            ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 443 }],
            sessionAffinity: "None",
          },
        },
      },
    ]);
  }
  const live = new Set((await ctx.list<Service>(cluster, "core/services")).map((s) => s.metadata?.uid ?? ""));
  await ctx.store.transaction((tx) => sweepServiceAllocations(tx, cluster, live));
}

function firstServiceIP(cidr: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\//.exec(cidr);
  if (!m) return undefined;
  return `${m[1]}.${m[2]}.${m[3]}.${Number(m[4]) + 1}`;
}

// ---------------------------------------------------------------- endpoints

const isReady = (p: Pod) =>
  p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
const selects = (sel: Record<string, string>, p: Pod) =>
  Object.entries(sel).every(([k, v]) => p.metadata?.labels?.[k] === v);

function targetPort(p: Pod, tp: number | string | undefined, port: number): number | undefined {
  if (tp === undefined) return port;
  if (typeof tp === "number") return tp;
  if (/^\d+$/.test(tp)) return Number(tp);
  for (const c of p.spec?.containers ?? [])
    for (const cp of c.ports ?? []) if (cp.name === tp) return cp.containerPort;
  return undefined;
}

async function upsert(
  ctx: ControllerContext,
  cluster: string,
  g: string,
  plural: string,
  ns: string,
  obj: Obj,
) {
  const t = await ctx.api.find(cluster, g, "v1", plural);
  if (!t) return;
  const name = String((obj.metadata as Obj).name);
  let cur: Obj | undefined;
  try {
    cur = await ctx.api.get(cluster, t, ns, name);
  } catch (e) {
    if (!(e instanceof KubeError && e.code === 404)) throw e;
  }
  if (!cur) {
    await ctx.api.create(cluster, t, ns, obj, W);
    return;
  }
  const { metadata: _m, ...body } = obj;
  const { metadata: cm, ...curBody } = cur;
  const strip = (o: Obj) => JSON.stringify({ ...o, apiVersion: undefined, kind: undefined });
  if (
    strip(body) === strip(curBody) &&
    JSON.stringify((cm as Obj).labels) === JSON.stringify((obj.metadata as Obj).labels)
  )
    return;
  await ctx.api.update(
    cluster,
    t,
    ns,
    name,
    { ...obj, metadata: { ...(cm as Obj), labels: (obj.metadata as Obj).labels } },
    W,
  );
}

async function remove(
  ctx: ControllerContext,
  cluster: string,
  g: string,
  plural: string,
  ns: string,
  name: string,
) {
  const t = await ctx.api.find(cluster, g, "v1", plural);
  if (!t) return;
  try {
    await ctx.api.delete(cluster, t, ns, name, {});
  } catch (e) {
    if (!(e instanceof KubeError && e.code === 404)) throw e;
  }
}

/** EndpointSlice name: `<service>-<5 characters>` like the controller's generateName, but stable. */
export const sliceName = (svc: Service) =>
  `${svc.metadata?.name ?? ""}-${createHash("sha256")
    .update(svc.metadata?.uid ?? "")
    .digest("hex")
    .slice(0, 5)}`;

export async function syncEndpoints(
  ctx: ControllerContext,
  cluster: string,
  ns: string,
  name: string,
): Promise<void> {
  const svc = await ctx.get<Service>(cluster, "core/services", ns, name);
  const sel = svc?.spec?.selector;
  if (!svc || !sel || svc.spec?.type === "ExternalName" || svc.metadata?.deletionTimestamp) {
    // Endpoints of a Service without a selector are the user's (kube leaves them alone).
    if (!svc) await remove(ctx, cluster, "", "endpoints", ns, name);
    const t = await ctx.api.find(cluster, "discovery.k8s.io", "v1", "endpointslices");
    if (t && (!svc || !sel)) {
      const { items } = await ctx.api.list(cluster, t, ns, {
        labelSelector: `kubernetes.io/service-name=${name}`,
      });
      for (const s of items)
        if (
          (s.metadata as Obj).labels &&
          ((s.metadata as Obj).labels as Obj)["endpointslice.kubernetes.io/managed-by"] ===
            "endpointslice-controller.k8s.io"
        )
          await remove(
            ctx,
            cluster,
            "discovery.k8s.io",
            "endpointslices",
            ns,
            String((s.metadata as Obj).name),
          );
    }
    return;
  }
  // ShouldPodBeInEndpoints: an address, not finished; a terminating pod only in the
  // EndpointSlice (its conditions say so) — in Endpoints only with publishNotReadyAddresses.
  const publish = svc.spec?.publishNotReadyAddresses === true;
  const selected = (await ctx.list<Pod>(cluster, "core/pods", ns))
    .filter((p) => selects(sel, p) && p.status?.podIP)
    .filter((p) => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed")
    .sort((a, b) => String(a.status?.podIP).localeCompare(String(b.status?.podIP), "en", { numeric: true }));
  const pods = selected.filter((p) => publish || !p.metadata?.deletionTimestamp);
  const ports = svc.spec?.ports ?? [];
  const ref = (p: Pod) => ({
    kind: "Pod",
    namespace: ns,
    name: p.metadata?.name ?? "",
    uid: p.metadata?.uid ?? "",
  });
  // Endpoints: one subset per distinct resolved port set (pods with the same named ports).
  const subsets = new Map<string, { addresses: Obj[]; notReadyAddresses: Obj[]; ports: Obj[] }>();
  for (const p of pods) {
    const resolved = ports.map((sp) => ({
      ...(sp.name ? { name: sp.name } : {}),
      port: targetPort(p, sp.targetPort, sp.port),
      protocol: sp.protocol ?? "TCP",
    }));
    if (resolved.some((r) => r.port === undefined)) continue;
    const key = JSON.stringify(resolved);
    let s = subsets.get(key);
    if (!s) {
      s = { addresses: [], notReadyAddresses: [], ports: resolved };
      subsets.set(key, s);
    }
    const addr = {
      ip: p.status?.podIP,
      ...(p.spec?.nodeName ? { nodeName: p.spec.nodeName } : {}),
      targetRef: ref(p),
    };
    (isReady(p) ? s.addresses : s.notReadyAddresses).push(addr);
  }
  const labels = { ...(svc.metadata?.labels ?? {}) };
  await upsert(ctx, cluster, "", "endpoints", ns, {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name, namespace: ns, labels },
    ...(subsets.size
      ? {
          subsets: [...subsets.values()].map((s) => ({
            ...(s.addresses.length ? { addresses: s.addresses } : {}),
            ...(s.notReadyAddresses.length ? { notReadyAddresses: s.notReadyAddresses } : {}),
            ports: s.ports,
          })),
        }
      : {}),
  });
  const first = selected[0];
  await upsert(ctx, cluster, "discovery.k8s.io", "endpointslices", ns, {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: sliceName(svc),
      namespace: ns,
      labels: {
        ...labels,
        "kubernetes.io/service-name": name,
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
      },
      ownerReferences: [
        {
          apiVersion: "v1",
          kind: "Service",
          name,
          uid: svc.metadata?.uid ?? "",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    addressType: svc.spec?.ipFamilies?.[0] === "IPv6" ? "IPv6" : "IPv4",
    endpoints: selected.map((p) => ({
      addresses: [p.status?.podIP],
      // podToEndpoint: a terminating pod is never ready (unless published), though it may serve.
      conditions: {
        ready: publish || (isReady(p) && !p.metadata?.deletionTimestamp),
        serving: isReady(p),
        terminating: !!p.metadata?.deletionTimestamp,
      },
      ...(p.spec?.nodeName ? { nodeName: p.spec.nodeName } : {}),
      targetRef: ref(p),
    })),
    // No endpoints: the controller's placeholder slice has no ports either (kubectl: <unset>).
    ports:
      first === undefined
        ? null
        : ports.map((sp) => ({
            ...(sp.name ? { name: sp.name } : { name: "" }),
            port: targetPort(first, sp.targetPort, sp.port),
            protocol: sp.protocol ?? "TCP",
          })),
  });
}

// ---------------------------------------------------------------- cloud-provider-azure's service controller

/** What was last ensured per Service uid (spec + annotations), so events follow changes only. */
const ensured = new WeakMap<Store, Map<string, string>>();

const COMPONENT = "service-controller";

/** The node names each cluster's load balancers were last synced with (UpdatedLoadBalancer). */
const hosts = new WeakMap<Store, Map<string, string>>();

function toLike(s: Service): ServiceLike {
  return {
    metadata: {
      uid: s.metadata?.uid ?? "",
      namespace: s.metadata?.namespace ?? "",
      name: s.metadata?.name ?? "",
      annotations: s.metadata?.annotations,
    },
    spec: structuredClone(s.spec ?? {}) as ServiceLike["spec"],
  };
}

export async function syncServiceLoadBalancers(ctx: ControllerContext, cluster: string): Promise<void> {
  const src = await ctx.store.read((tx) => clusterSource(tx, cluster));
  if (src?.platform === "hci") return syncHciServiceLoadBalancers(ctx, cluster, src.hci);
  if (!hasArmDeps(ctx.store)) return;
  const arm = await ctx.store.read((tx) => clusterRecord(tx, cluster));
  if (!arm) return;
  let seen = ensured.get(ctx.store);
  if (!seen) {
    seen = new Map();
    ensured.set(ctx.store, seen);
  }
  const all = (await ctx.list<Service>(cluster, "core/services"))
    .filter((s) => s.spec?.type === "LoadBalancer" && !s.metadata?.deletionTimestamp)
    .sort(
      (a, b) =>
        String(a.metadata?.creationTimestamp).localeCompare(String(b.metadata?.creationTimestamp)) ||
        String(a.metadata?.namespace).localeCompare(String(b.metadata?.namespace)) ||
        String(a.metadata?.name).localeCompare(String(b.metadata?.name)),
    );
  const key = (s: Service) => `${s.metadata?.namespace}/${s.metadata?.name}`;
  const fp = (s: Service) => JSON.stringify([s.spec, s.metadata?.annotations ?? {}]);
  const changed = all.filter((s) => seen.get(s.metadata?.uid ?? "") !== fp(s));
  const at = ctx.now();
  const events: ReturnType<typeof eventAction>[] = [];
  const event = (s: Service, type: "Normal" | "Warning", reason: string, message: string) =>
    events.push(
      eventAction({
        involved: { ...s, apiVersion: "v1", kind: "Service" },
        reason,
        message,
        component: COMPONENT,
        at,
        type,
      }),
    );
  for (const s of changed) event(s, "Normal", "EnsuringLoadBalancer", "Ensuring load balancer");
  // nodeSyncLoop: when the set of nodes changes, every load balancer already ensured gets its
  // new backend hosts, and says so once.
  let hostSets = hosts.get(ctx.store);
  if (!hostSets) {
    hostSets = new Map();
    hosts.set(ctx.store, hostSets);
  }
  const nodeSet = (await ctx.list<Node>(cluster, "core/nodes"))
    .map((n) => n.metadata?.name ?? "")
    .sort()
    .join(",");
  const before = hostSets.get(cluster);
  hostSets.set(cluster, nodeSet);
  const rehosted = before !== undefined && before !== nodeSet ? all.filter((s) => !changed.includes(s)) : [];

  const desired: DesiredServiceLoadBalancer[] = [];
  const failed = new Map<string, string>();
  for (const s of all) {
    const d = desiredServiceLoadBalancer(toLike(s));
    if (d.ok) desired.push(d.value);
    else failed.set(key(s), d.message);
  }
  // A trial (commit false) rolls its transaction back by throwing this after the write.
  const rollback = new Error("trial");
  const { result: outcome, refused } = await applyEachServiceLoadBalancer(desired, async (set, commit) => {
    try {
      return await ctx.store.transaction(async (tx) => {
        const out = await applyServiceLoadBalancers(
          armContext(ctx.store, tx, arm.subscriptionId),
          arm.id,
          set,
        );
        if (!commit) throw rollback;
        return out;
      });
    } catch (e) {
      if (e === rollback) return new Map();
      throw e;
    }
  });
  for (const [service, message] of refused) failed.set(service, message);
  for (const s of all) {
    const o = outcome.get(key(s));
    const err = failed.get(key(s)) ?? o?.error;
    const wasChanged = changed.includes(s);
    if (err) {
      if (wasChanged)
        event(
          s,
          "Warning",
          "SyncLoadBalancerFailed",
          `Error syncing load balancer: failed to ensure load balancer: ${err}`,
        );
    } else if (wasChanged) event(s, "Normal", "EnsuredLoadBalancer", "Ensured load balancer");
    else if (rehosted.includes(s))
      event(s, "Normal", "UpdatedLoadBalancer", "Updated load balancer with new hosts");
    const ingress = o?.ingressIP ? [{ ip: o.ingressIP, ipMode: "VIP" }] : undefined;
    const cur = s.status?.loadBalancer?.ingress;
    if (JSON.stringify(cur ?? null) !== JSON.stringify(ingress ?? null)) {
      try {
        await ctx.updateStatus(cluster, "core/services", {
          ...s,
          status: { ...(s.status ?? {}), loadBalancer: ingress ? { ingress } : {} },
        });
      } catch (e) {
        // Changed meanwhile: its own change event brings another pass.
        if (!(e instanceof KubeError && e.code === 409)) throw e;
        continue;
      }
    }
    seen.set(s.metadata?.uid ?? "", fp(s));
  }
  // A Service no longer of type LoadBalancer loses its ingress.
  for (const s of await ctx.list<Service>(cluster, "core/services"))
    if (s.spec?.type !== "LoadBalancer" && s.status?.loadBalancer?.ingress?.length)
      await ctx.updateStatus(cluster, "core/services", { ...s, status: { ...s.status, loadBalancer: {} } });
  const live = new Set(all.map((s) => s.metadata?.uid ?? ""));
  for (const uid of seen.keys()) if (!live.has(uid)) seen.delete(uid);
  await ctx.apply(cluster, events);
}
