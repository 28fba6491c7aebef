// The kube-system add-ons AKS (or AKS on HCI) runs (workloads/system.ts): created once per cluster when it
// first has nodes; a user who deletes one gets it back on the next resync, as AKS's addon
// manager does.
import type { Service } from "kubernetes-types/core/v1.js";
import type { Action } from "../workloads/actions.js";
import {
  kubeDnsService,
  metricsServerService,
  type SystemInput,
  systemBudgets,
  systemWorkloads,
} from "../workloads/system.js";
import type { ControllerContext } from "./context.js";
import { clusterSource, dnsServiceIP } from "./source.js";

export async function syncSystem(ctx: ControllerContext, cluster: string): Promise<void> {
  const c = await ctx.store.read((tx) => clusterSource(tx, cluster));
  if (!c) return;
  let input: SystemInput;
  if (c.platform === "hci")
    input = {
      version: c.version,
      dnsServiceIP: dnsServiceIP(c),
      plugin: c.hci.body.primaryNetworkPlugin,
      platform: "hci",
    };
  else {
    const net = c.arm.internal.spec.network;
    input = {
      version: c.version,
      dnsServiceIP: net.dnsServiceIP,
      plugin: net.plugin === "kubenet" || net.plugin === "azure" ? net.plugin : "none",
      ...(net.pluginMode === "overlay" ? { pluginMode: "overlay" as const } : {}),
    };
  }
  const actions: Action[] = [];
  for (const w of systemWorkloads(input)) {
    const resource = w.kind === "DaemonSet" ? "apps/daemonsets" : "apps/deployments";
    if (!(await ctx.get(cluster, resource, "kube-system", w.metadata?.name ?? "")))
      actions.push({ op: "create", resource, namespace: "kube-system", object: w });
  }
  const services: Service[] = [kubeDnsService(input)];
  const metrics = metricsServerService(input);
  if (metrics) services.push(metrics);
  for (const svc of services)
    if (!(await ctx.get(cluster, "core/services", "kube-system", svc.metadata?.name ?? "")))
      actions.push({ op: "create", resource: "core/services", namespace: "kube-system", object: svc });
  for (const pdb of systemBudgets(input))
    if (!(await ctx.get(cluster, "policy/poddisruptionbudgets", "kube-system", pdb.metadata?.name ?? "")))
      actions.push({
        op: "create",
        resource: "policy/poddisruptionbudgets",
        namespace: "kube-system",
        object: pdb,
      });
  await ctx.apply(cluster, actions);
}
