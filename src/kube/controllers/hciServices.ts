// The service controller of an AKS-on-HCI workload cluster (`service-lb|<cluster>` when the
// cluster is an HCI one): every LoadBalancer Service gets a VIP from its cluster network's VIP
// pool through hci/services.ts `ensureServiceVip` (so prevention, the known defect and
// haproxy.cfg behave as for the face's hook), one store transaction per Service (a refusal
// leaves nothing half-made); `status.loadBalancer.ingress` follows the VIP (none with SKU
// `none`: `<pending>`), and the VIPs of Services gone or no longer LoadBalancers are released.
// Events as the service controller records them: EnsuringLoadBalancer, EnsuredLoadBalancer,
// SyncLoadBalancerFailed — on changes of a Service's spec only.
import type { Service } from "kubernetes-types/core/v1.js";
import { getClusterOrNull } from "../../hci/clusters.js";
import { HciError } from "../../hci/errors.js";
import { ensureServiceVip, listServices, removeServiceVip } from "../../hci/services.js";
import type { Store } from "../../store/types.js";
import { KubeError } from "../errors.js";
import { eventAction } from "../workloads/events.js";
import type { ControllerContext } from "./context.js";
import type { HciCluster } from "./source.js";

/** Emulator-wide switches the HCI half needs (registered by the composition root). */
export interface HciKubeOptions {
  emulateKnownIssues?: boolean;
}
const options = new WeakMap<Store, HciKubeOptions>();
export function registerHciKubeOptions(store: Store, o: HciKubeOptions): void {
  options.set(store, o);
}

/** What was last ensured per `<cluster>|<Service uid>`, so events follow changes only. */
const ensured = new WeakMap<Store, Map<string, string>>();

export async function syncHciServiceLoadBalancers(
  ctx: ControllerContext,
  cluster: string,
  hci: HciCluster,
): Promise<void> {
  const sub = hci.subscriptionId;
  const name = hci.body.name;
  const opts = options.get(ctx.store) ?? {};
  let seen = ensured.get(ctx.store);
  if (!seen) {
    seen = new Map();
    ensured.set(ctx.store, seen);
  }
  const services = await ctx.list<Service>(cluster, "core/services");
  const lbs = services
    .filter((s) => s.spec?.type === "LoadBalancer" && !s.metadata?.deletionTimestamp)
    .sort(
      (a, b) =>
        String(a.metadata?.creationTimestamp).localeCompare(String(b.metadata?.creationTimestamp)) ||
        `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(
          `${b.metadata?.namespace}/${b.metadata?.name}`,
        ),
    );
  const at = ctx.now();
  const events: ReturnType<typeof eventAction>[] = [];
  const event = (s: Service, type: "Normal" | "Warning", reason: string, message: string) =>
    events.push(
      eventAction({
        involved: { ...s, apiVersion: "v1", kind: "Service" },
        reason,
        message,
        component: "service-controller",
        at,
        type,
      }),
    );

  // Released first, so a VIP freed by a deleted Service can go to a new one in this pass.
  const live = new Set(lbs.map((s) => s.metadata?.uid ?? ""));
  await ctx.store.transaction(async (tx) => {
    const c = await getClusterOrNull(tx, sub, name);
    if (!c) return;
    for (const r of await listServices(tx, sub, name))
      if (r.kubeUid && !live.has(r.kubeUid)) await removeServiceVip(tx, sub, c, r.namespace, r.name);
  });

  for (const s of lbs) {
    const uid = s.metadata?.uid ?? "";
    const fp = JSON.stringify(s.spec);
    const changed = seen.get(`${cluster}|${uid}`) !== fp;
    if (changed) event(s, "Normal", "EnsuringLoadBalancer", "Ensuring load balancer");
    let vip: string | undefined;
    let error: string | undefined;
    const missing = (s.spec?.ports ?? []).findIndex((p) => p.nodePort === undefined);
    if (missing >= 0)
      error = `the HAProxy load balancer forwards to node ports: spec.ports[${missing}] has none (allocateLoadBalancerNodePorts is false)`;
    else
      try {
        vip = await ctx.store.transaction(async (tx) => {
          const c = await getClusterOrNull(tx, sub, name);
          if (!c) return undefined;
          const body = await ensureServiceVip(
            tx,
            sub,
            c,
            {
              namespace: s.metadata?.namespace ?? "default",
              name: s.metadata?.name ?? "",
              kubeUid: uid,
              ports: (s.spec?.ports ?? []).map((p) => ({
                ...(p.name ? { name: p.name } : {}),
                port: p.port,
                nodePort: p.nodePort ?? 0,
                protocol: p.protocol ?? "TCP",
              })),
            },
            new Date(),
            opts,
          );
          return body.vip;
        });
      } catch (e) {
        if (!(e instanceof HciError)) throw e;
        error = e.message;
      }
    if (error !== undefined) {
      if (changed)
        event(
          s,
          "Warning",
          "SyncLoadBalancerFailed",
          `Error syncing load balancer: failed to ensure load balancer: ${error}`,
        );
    } else if (changed) event(s, "Normal", "EnsuredLoadBalancer", "Ensured load balancer");
    const ingress = vip ? [{ ip: vip }] : undefined;
    if (JSON.stringify(s.status?.loadBalancer?.ingress ?? null) !== JSON.stringify(ingress ?? null)) {
      try {
        await ctx.updateStatus(cluster, "core/services", {
          ...s,
          status: { ...(s.status ?? {}), loadBalancer: ingress ? { ingress } : {} },
        });
      } catch (e) {
        if (!(e instanceof KubeError && e.code === 409)) throw e;
        continue; // changed meanwhile: its own change event brings another pass
      }
    }
    seen.set(`${cluster}|${uid}`, fp);
  }
  for (const s of services)
    if (s.spec?.type !== "LoadBalancer" && s.status?.loadBalancer?.ingress?.length)
      await ctx.updateStatus(cluster, "core/services", { ...s, status: { ...s.status, loadBalancer: {} } });
  for (const k of seen.keys())
    if (k.startsWith(`${cluster}|`) && !live.has(k.slice(cluster.length + 1))) seen.delete(k);
  await ctx.apply(cluster, events);
}
