// What a deleted cluster leaves in the store, removed as store work. The deletion's own
// transaction frees the cluster's `kube/<uid>/` allocations (one statement) and queues
// `SWEEP_WORK` keyed by the uid; the runtime then deletes its Kubernetes objects a slice per
// transaction (each deletion logged, so watch caches see it), the item re-queuing itself under
// the next key until none is left. A process killed meanwhile leaves the item for the next.
// While the cluster is gone every object of its uid goes (a controller pass racing the
// deletion included); once it exists again only objects written at or before the deletion do:
// an AKS uid derives from the ARM id, so a cluster re-created under the same name reuses it.
import type { Tx, WorkItem } from "../store/types.js";
import { clusterSource } from "./controllers/source.js";

export const SWEEP_WORK = "kube-sweep";
/** Objects deleted per transaction. */
export const SWEEP_SLICE = 200;

/** Frees the cluster's allocations and queues the sweep of its objects, inside the deletion's tx. */
export async function queueClusterSweep(tx: Tx, uid: string): Promise<void> {
  await tx.releasePoolPrefix(`kube/${uid}/`);
  // Its metadata rows too (the CRD stamp, the host-port cursor): nothing reads them again.
  await tx.deleteMetaPrefix(`kube/${uid}/`);
  const before = await tx.currentRevision();
  await tx.enqueueWork({ kind: SWEEP_WORK, key: `${uid}#0`, payload: { uid, before } });
}

/** One slice; queues the next while objects remain. */
export async function sweepSlice(tx: Tx, item: WorkItem, slice = SWEEP_SLICE): Promise<void> {
  const uid = String(item.payload?.uid ?? "");
  const before = Number(item.payload?.before ?? 0);
  if (!uid) return;
  const maxRevision = (await clusterSource(tx, uid)) ? before : Number.MAX_SAFE_INTEGER;
  const objs = await tx.listClusterObjects(uid, { maxRevision, limit: slice });
  for (const o of objs) await tx.deleteObject(o.cluster, o.resource, o.namespace, o.name);
  if (objs.length < slice) return;
  const n = Number(item.key.slice(item.key.lastIndexOf("#") + 1)) + 1;
  await tx.enqueueWork({ kind: SWEEP_WORK, key: `${uid}#${n}`, payload: { uid, before } });
}
