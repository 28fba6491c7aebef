// What one cluster serves: the built-in kinds of kinds.ts plus every established CRD's
// served versions. Resolves URL segments (group, version, plural) to a resource type.
import type { Tx } from "../store/types.js";
import { type CrdVersionInfo, crdInfo, crdKinds } from "./crd.js";
import { BUILTIN_KINDS, type KindSpec, METRICS_KINDS, resourceKey } from "./kinds.js";

export interface ResourceType extends KindSpec {
  /** The store's resource key, `<group>/<plural>`. */
  key: string;
  /** Present for custom resources. */
  crd?: CrdVersionInfo;
  /**
   * An aggregated API whose APIService is not Available: listed in discovery, every request
   * answered 503 as kube-aggregator does when the service behind it does not answer.
   */
  unavailable?: boolean;
}

export const CRD_KEY = "apiextensions.k8s.io/customresourcedefinitions";
export const NAMESPACE_KEY = "core/namespaces";

const builtins: ResourceType[] = BUILTIN_KINDS.map((k) => ({ ...k, key: resourceKey(k) }));

export function builtinTypes(): ResourceType[] {
  return builtins;
}

/** The type a version served by conversion (`storageVersion`) stores its objects as. */
export function storageTypeOf(t: ResourceType): ResourceType {
  const s = builtins.find((b) => b.group === t.group && b.kind === t.kind && b.version === t.storageVersion);
  if (!s) throw new Error(`no storage version ${String(t.storageVersion)} for ${t.group}/${t.kind}`);
  return s;
}

/** Meta key whose value changes in every transaction that writes a CRD of the cluster. */
export const crdStampKey = (cluster: string) => `kube/${cluster}/crd-stamp`;

/**
 * Meta key: whether the cluster's `v1beta1.metrics.k8s.io` APIService is there and Available
 * (`available` / `unavailable`; `none` or absent: not there). Written with a new CRD stamp by the
 * APIService controller, so reading it costs nothing per request.
 */
export const metricsApiKey = (cluster: string) => `kube/${cluster}/metrics-api`;

const metricsTypes: ResourceType[] = METRICS_KINDS.map((k) => ({ ...k, key: resourceKey(k) }));

/**
 * Per-cluster cache of the CRD-derived types. Valid while the cluster's CRD stamp (written in
 * the same transaction as any CRD change, by any process) is the one it was built at, so a
 * new CRD is served by the next request everywhere.
 */
export class Catalog {
  private readonly cache = new Map<string, { stamp: string; types: ResourceType[] }>();

  invalidate(cluster: string): void {
    this.cache.delete(cluster);
  }

  async types(tx: Tx, cluster: string): Promise<ResourceType[]> {
    const stamp = (await tx.getMeta(crdStampKey(cluster))) ?? "";
    const hit = this.cache.get(cluster);
    if (hit && hit.stamp === stamp) return hit.types;
    const crds = await tx.listObjects({ cluster, resource: CRD_KEY });
    const custom: ResourceType[] = [];
    for (const rec of crds) {
      const info = crdInfo(rec.body);
      if (!info?.established) continue;
      for (const k of crdKinds(info)) custom.push({ ...k, key: `${info.group}/${info.plural}` });
    }
    const metrics = await tx.getMeta(metricsApiKey(cluster));
    const aggregated =
      metrics === "available"
        ? metricsTypes
        : metrics === "unavailable"
          ? metricsTypes.map((t) => ({ ...t, unavailable: true }))
          : [];
    const types = [...builtins, ...custom, ...aggregated];
    this.cache.set(cluster, { stamp, types });
    return types;
  }

  async find(
    tx: Tx,
    cluster: string,
    group: string,
    version: string,
    plural: string,
  ): Promise<ResourceType | undefined> {
    return (await this.types(tx, cluster)).find(
      (t) => t.group === group && t.version === version && t.plural === plural,
    );
  }
}
