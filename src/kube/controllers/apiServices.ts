// APIServices (`apiservices|<cluster>`): kube-apiserver's autoregister controller (one Local
// APIService per served group/version, CRD groups included, removed when no longer served),
// AKS's addon manager for `v1beta1.metrics.k8s.io` (put back when deleted), and the
// availability controller (each one's Available condition, through the status subresource).
// Queued by APIService and CRD changes, by kube-system Services and Endpoints changing, and by
// the system add-ons' sync. When the metrics APIService's presence or availability changes it
// records that in meta `kube/<cluster>/metrics-api` with a new CRD stamp, so every process's
// catalog serves (or stops serving) metrics.k8s.io at its next request.
import { randomUUID } from "node:crypto";
import type { Endpoints, Service } from "kubernetes-types/core/v1.js";
import type { Tx } from "../../store/types.js";
import { crdStampKey, metricsApiKey } from "../catalog.js";
import { KubeError } from "../errors.js";
import {
  type APIService,
  AUTOMANAGED_LABEL,
  availability,
  localApiService,
  METRICS_API_SERVICE,
  metricsApiService,
  withAvailable,
} from "../workloads/apiServices.js";
import { type ControllerContext, W } from "./context.js";
import { clusterSource } from "./source.js";

export const APISERVICE_KEY = "apiregistration.k8s.io/apiservices";

export async function syncApiServices(ctx: ControllerContext, cluster: string): Promise<void> {
  const source = await ctx.store.read((tx) => clusterSource(tx, cluster));
  if (!source) return;
  const t = await ctx.api.find(cluster, "apiregistration.k8s.io", "v1", "apiservices");
  if (!t) return;
  const types = (await ctx.api.types(cluster)).filter((x) => !x.metrics);
  const desired = new Map<string, APIService>();
  for (const x of types) {
    const a = localApiService(x.group, x.version, !!x.crd);
    desired.set(a.metadata?.name ?? "", a);
  }
  // metrics-server is an AKS add-on (workloads/system.ts); AKS on HCI clusters have none.
  if (source.platform !== "hci") desired.set(METRICS_API_SERVICE, metricsApiService());
  const have = new Map(
    ((await ctx.api.list(cluster, t, undefined, {})).items as APIService[]).map((a) => [
      a.metadata?.name ?? "",
      a,
    ]),
  );
  const ignoreGone = (e: unknown) => {
    if (!(e instanceof KubeError && (e.code === 404 || e.code === 409))) throw e;
  };
  for (const [name, a] of desired)
    if (!have.has(name)) {
      try {
        const res = await ctx.api.create(cluster, t, "", a, W);
        have.set(name, res.body as APIService);
      } catch (e) {
        ignoreGone(e);
      }
    }
  for (const [name, a] of have)
    if (!desired.has(name) && a.metadata?.labels?.[AUTOMANAGED_LABEL] && !a.spec?.service) {
      try {
        await ctx.api.delete(cluster, t, "", name, {});
      } catch (e) {
        ignoreGone(e);
      }
      have.delete(name);
    }
  const now = ctx.now();
  const endpointsType = await ctx.api.find(cluster, "", "v1", "endpoints");
  const endpointsOf = async (ns: string, name: string) => {
    if (!endpointsType) return undefined;
    try {
      return (await ctx.api.get(cluster, endpointsType, ns, name)) as Endpoints;
    } catch (e) {
      ignoreGone(e);
      return undefined;
    }
  };
  let metrics = "none";
  for (const [name, a] of have) {
    const ref = a.spec?.service;
    const service = ref
      ? await ctx.get<Service>(cluster, "core/services", ref.namespace ?? "", ref.name ?? "")
      : undefined;
    const endpoints = ref ? await endpointsOf(ref.namespace ?? "", ref.name ?? "") : undefined;
    const c = availability(a, service, endpoints);
    if (name === METRICS_API_SERVICE && a.spec?.group === "metrics.k8s.io" && a.spec.version === "v1beta1")
      metrics = c.status === "True" ? "available" : "unavailable";
    const status = withAvailable(a, c, now);
    if (JSON.stringify(status) === JSON.stringify(a.status ?? {})) continue;
    try {
      await ctx.api.update(cluster, t, "", name, { ...a, status }, W, "status");
    } catch (e) {
      ignoreGone(e);
    }
  }
  const was = async (tx: Tx) => (await tx.getMeta(metricsApiKey(cluster))) ?? "none";
  if ((await ctx.store.read(was)) === metrics) return;
  await ctx.store.transaction(async (tx) => {
    if ((await was(tx)) === metrics) return;
    await tx.setMeta(metricsApiKey(cluster), metrics);
    await tx.setMeta(crdStampKey(cluster), randomUUID());
  });
}
