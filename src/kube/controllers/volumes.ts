// Storage, wired: the admission plugins a claim or volume meets on create (DefaultStorageClass,
// StorageObjectInUseProtection), and `volumes|<cluster>` — one pass of the PV controller, the
// simulated Azure CSI provisioners and the protection controllers (workloads/volumes.ts) over
// the cluster's claims, volumes, classes and pods. Each distinct event is recorded once per
// claim and process (the real controllers repeat them on every resync; kubectl shows one).
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import type { AdmissionStep } from "../admission.js";
import type { Action } from "../workloads/actions.js";
import {
  CLAIM_PROTECTION,
  claimNames,
  defaultClass,
  type ProvisionTarget,
  reconcileVolumes,
  VOLUME_PROTECTION,
  type VolumeWorld,
} from "../workloads/volumes.js";
import type { ControllerContext } from "./context.js";
import { clusterSource } from "./source.js";

export const VOLUME_KINDS: ReadonlySet<string> = new Set([
  "core/persistentvolumeclaims",
  "core/persistentvolumes",
]);

/** Whether a pod's change matters to claims (it names one). */
export function podUsesClaims(pod: unknown): boolean {
  return claimNames(pod as Pod).length > 0;
}

/**
 * DefaultStorageClass and StorageObjectInUseProtection on create: a claim that names no class
 * (nil, not "") gets the default one, and claims and volumes get their protection finalizer.
 */
export function storageAdmission(): AdmissionStep {
  return async (req) => {
    if (req.operation !== "CREATE") return req.object;
    const o = req.object as PersistentVolumeClaim | PersistentVolume;
    const claim = req.resource === "core/persistentvolumeclaims";
    if (claim) {
      const pvc = o as PersistentVolumeClaim;
      if (
        pvc.spec &&
        pvc.spec.storageClassName === undefined &&
        pvc.metadata?.annotations?.["volume.beta.kubernetes.io/storage-class"] === undefined
      ) {
        const classes = await req.tx.listObjects({
          cluster: req.cluster,
          resource: "storage.k8s.io/storageclasses",
          namespace: "",
        });
        const d = defaultClass(classes.map((r) => r.body).filter(isStorageClass));
        if (d?.metadata?.name) pvc.spec.storageClassName = d.metadata.name;
      }
    }
    const finalizer = claim ? CLAIM_PROTECTION : VOLUME_PROTECTION;
    o.metadata ??= {};
    const m = o.metadata;
    if (!m.finalizers?.includes(finalizer)) m.finalizers = [...(m.finalizers ?? []), finalizer];
    return req.object;
  };
}

const isStorageClass = (b: Record<string, unknown>): b is Record<string, unknown> & StorageClass =>
  typeof b.provisioner === "string";

/** Per controller manager: the events already recorded, `<claim uid>|<reason>|<message>`. */
const announced = new WeakMap<ControllerContext, Set<string>>();

export async function syncVolumes(ctx: ControllerContext, cluster: string): Promise<void> {
  const src = await ctx.store.read((tx) => clusterSource(tx, cluster));
  if (!src) return;
  const target: ProvisionTarget | undefined =
    src.platform === "aks"
      ? { subscriptionId: src.arm.subscriptionId, nodeResourceGroup: src.arm.internal.spec.nodeResourceGroup }
      : undefined;
  const claims = await ctx.list<PersistentVolumeClaim>(cluster, "core/persistentvolumeclaims");
  const volumes = await ctx.list<PersistentVolume>(cluster, "core/persistentvolumes");
  if (!claims.length && !volumes.length) return;
  const classes = await ctx.list<StorageClass>(cluster, "storage.k8s.io/storageclasses");
  const world: VolumeWorld = {
    claims: new Map(claims.map((c) => [`${c.metadata?.namespace}/${c.metadata?.name}`, c])),
    volumes: new Map(volumes.map((v) => [v.metadata?.name ?? "", v])),
    classes: new Map(classes.map((c) => [c.metadata?.name ?? "", c])),
  };
  const pods = await ctx.list<Pod>(cluster, "core/pods");
  const nodes = new Map(
    (await ctx.list<Node>(cluster, "core/nodes")).map((n) => [n.metadata?.name ?? "", n]),
  );
  let seen = announced.get(ctx);
  if (!seen) {
    seen = new Set();
    announced.set(ctx, seen);
  }
  const once = seen;
  const fresh: string[] = [];
  const actions = reconcileVolumes(world, pods, nodes, target, ctx.now()).filter((a: Action) => {
    if (a.op !== "create" || a.resource !== "core/events") return true;
    const e = a.object as { involvedObject?: { uid?: string }; reason?: string; message?: string };
    const k = `${e.involvedObject?.uid ?? ""}|${e.reason ?? ""}|${e.message ?? ""}`;
    if (once.has(k) || fresh.includes(k)) return false;
    fresh.push(k);
    return true;
  });
  if (!actions.length) return;
  try {
    await ctx.apply(cluster, actions);
  } finally {
    // A conflict is thrown after its batch committed: what it announced stays announced.
    for (const k of fresh) once.add(k);
  }
}
