// Claims and volumes as pure steps: kube-controller-manager's PV controller (binding a claim to
// a matching volume, Released/Lost, the reclaim policy), the two CSI provisioners AKS runs
// (disk.csi.azure.com, file.csi.azure.com: a volume `pvc-<claim uid>` made and bound at once —
// on the claim's selected node's zone when its class waits for the first consumer), the
// pvc-/pv-protection controllers (a finalizer held while a pod uses the claim, or while the
// volume is Bound), and the scheduler's VolumeBinding plugin (which claims a pod waits for).
import type {
  Node,
  NodeSelectorTerm,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
} from "kubernetes-types/core/v1.js";
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import type { Action } from "./actions.js";
import { eventAction } from "./events.js";
import { parseQuantity } from "./quantity.js";
import { matchTerm } from "./scheduler.js";

export const CLAIM_PROTECTION = "kubernetes.io/pvc-protection";
export const VOLUME_PROTECTION = "kubernetes.io/pv-protection";
export const SELECTED_NODE = "volume.kubernetes.io/selected-node";
export const DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
const BETA_DEFAULT_CLASS_ANNOTATION = "storageclass.beta.kubernetes.io/is-default-class";
const BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class";
const PV_CONTROLLER = "persistentvolume-controller";
const DISK_ZONE = "topology.disk.csi.azure.com/zone";

/** The CSI drivers that run here; a class naming another provisioner waits for it forever. */
export const SIMULATED_PROVISIONERS: ReadonlySet<string> = new Set([
  "disk.csi.azure.com",
  "file.csi.azure.com",
]);

/** The cluster's claims (by `<ns>/<name>`), volumes and classes (by name). */
export interface VolumeWorld {
  claims: ReadonlyMap<string, PersistentVolumeClaim>;
  volumes: ReadonlyMap<string, PersistentVolume>;
  classes: ReadonlyMap<string, StorageClass>;
}

/** Where provisioned Azure resources live (the cluster's node resource group). */
export interface ProvisionTarget {
  subscriptionId: string;
  nodeResourceGroup: string;
}

/** GetDefaultClass: the classes marked default, the newest first (then by name). */
export function defaultClass(classes: Iterable<StorageClass>): StorageClass | undefined {
  const marked = [...classes].filter((c) => {
    const a = c.metadata?.annotations ?? {};
    return a[DEFAULT_CLASS_ANNOTATION] === "true" || a[BETA_DEFAULT_CLASS_ANNOTATION] === "true";
  });
  marked.sort(
    (a, b) =>
      (b.metadata?.creationTimestamp ?? "").localeCompare(a.metadata?.creationTimestamp ?? "") ||
      (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""),
  );
  return marked[0];
}

/** GetPersistentVolumeClaimClass: the beta annotation first, else spec.storageClassName. */
export function claimClass(c: PersistentVolumeClaim): string {
  return c.metadata?.annotations?.[BETA_CLASS_ANNOTATION] ?? c.spec?.storageClassName ?? "";
}

/** The claims a pod's volumes name, in order. */
export function claimNames(pod: Pod): string[] {
  return (pod.spec?.volumes ?? []).flatMap((v) =>
    v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : [],
  );
}

const key = (ns: string | undefined, name: string | undefined) => `${ns ?? "default"}/${name ?? ""}`;

/** Whether a claim's binding waits for its first consumer (its class says so). */
function delayed(c: PersistentVolumeClaim, w: VolumeWorld): boolean {
  return w.classes.get(claimClass(c))?.volumeBindingMode === "WaitForFirstConsumer";
}

/** A claim bound both ways (spec.volumeName, and the volume's claimRef naming it). */
function isBound(c: PersistentVolumeClaim, w: VolumeWorld): boolean {
  const v = c.spec?.volumeName ? w.volumes.get(c.spec.volumeName) : undefined;
  return !!v && v.spec?.claimRef?.uid === c.metadata?.uid;
}

export interface PodVolumeCheck {
  /** VolumeBinding's PreFilter refusal (every node), when there is one. */
  preFilter?: string;
  /** VolumeBinding's Filter: why one node does not do. */
  nodeReason: (node: Node) => string | undefined;
  /** Claims waiting for this pod's node (the scheduler annotates them with it). */
  waiting: PersistentVolumeClaim[];
}

export const VOLUME_REASON = {
  conflict: "node(s) had volume node affinity conflict",
  bind: "node(s) didn't find available persistent volumes to bind",
  immediate: "pod has unbound immediate PersistentVolumeClaims",
} as const;

/** The scheduler's VolumeBinding plugin for one pod; undefined when it names no claim. */
export function podVolumeCheck(pod: Pod, w: VolumeWorld): PodVolumeCheck | undefined {
  const names = claimNames(pod);
  if (!names.length) return undefined;
  const bound: PersistentVolume[] = [];
  const waiting: PersistentVolumeClaim[] = [];
  let unboundImmediate = false;
  let unprovisionable = false;
  for (const name of names) {
    const c = w.claims.get(key(pod.metadata?.namespace, name));
    // podHasPVCs' errors, in its words.
    if (!c) return refuse(`persistentvolumeclaim "${name}" not found`);
    if (c.status?.phase === "Lost")
      return refuse(
        `persistentvolumeclaim "${name}" bound to non-existent persistentvolume "${c.spec?.volumeName ?? ""}"`,
      );
    if (c.metadata?.deletionTimestamp) return refuse(`persistentvolumeclaim "${name}" is being deleted`);
    if (isBound(c, w)) {
      const v = w.volumes.get(c.spec?.volumeName ?? "");
      if (v) bound.push(v);
    } else if (!delayed(c, w)) unboundImmediate = true;
    else {
      waiting.push(c);
      const provisioner = w.classes.get(claimClass(c))?.provisioner ?? "";
      if (!SIMULATED_PROVISIONERS.has(provisioner) && !staticMatch(c, w)) unprovisionable = true;
    }
  }
  if (unboundImmediate) return refuse(VOLUME_REASON.immediate);
  return {
    waiting,
    nodeReason: (node) => {
      for (const v of bound) {
        const terms: NodeSelectorTerm[] = v.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
        if (terms.length && !terms.some((t) => matchTerm(t, node))) return VOLUME_REASON.conflict;
      }
      return unprovisionable ? VOLUME_REASON.bind : undefined;
    },
  };
}

function refuse(preFilter: string): PodVolumeCheck {
  return { preFilter, nodeReason: () => undefined, waiting: [] };
}

const storageOf = (q: unknown): number => {
  try {
    return q === undefined ? 0 : parseQuantity(q as string | number);
  } catch {
    return 0;
  }
};

/** findMatchingVolume, simply: an Available volume of the claim's class, modes and size. */
function staticMatch(c: PersistentVolumeClaim, w: VolumeWorld): PersistentVolume | undefined {
  const want = storageOf(c.spec?.resources?.requests?.storage);
  const modes = c.spec?.accessModes ?? [];
  let best: PersistentVolume | undefined;
  for (const v of w.volumes.values()) {
    if (v.metadata?.deletionTimestamp || (v.status?.phase ?? "Pending") === "Bound") continue;
    const ref = v.spec?.claimRef;
    if (ref && (ref.name !== c.metadata?.name || ref.namespace !== c.metadata?.namespace)) continue;
    if (ref?.uid && ref.uid !== c.metadata?.uid) continue;
    if ((v.spec?.storageClassName ?? "") !== claimClass(c)) continue;
    if ((v.spec?.volumeMode ?? "Filesystem") !== (c.spec?.volumeMode ?? "Filesystem")) continue;
    if (!modes.every((m) => v.spec?.accessModes?.includes(m))) continue;
    const size = storageOf(v.spec?.capacity?.storage);
    if (size < want) continue;
    if (!best || size < storageOf(best.spec?.capacity?.storage)) best = v;
  }
  return best;
}

/** RoundUpToGiB, at least 1 GiB: both Azure drivers provision whole GiB. */
function provisionedSize(request: unknown): string {
  const gib = Math.max(1, Math.ceil(storageOf(request) / 2 ** 30));
  return `${gib}Gi`;
}

/** A short, stable hex of a uid (a storage account name's tail). */
function hexOf(uid: string): string {
  return uid.replace(/-/g, "").slice(0, 24);
}

/** The volume a simulated CSI driver provisions for `c` (claimRef set: bound at once). */
export function provisionedVolume(
  c: PersistentVolumeClaim,
  sc: StorageClass,
  node: Node | undefined,
  target: ProvisionTarget | undefined,
): PersistentVolume {
  const uid = c.metadata?.uid ?? "";
  const ns = c.metadata?.namespace ?? "default";
  const name = `pvc-${uid}`;
  const disk = sc.provisioner === "disk.csi.azure.com";
  const rg = target?.nodeResourceGroup ?? "";
  const handle = disk
    ? `/subscriptions/${target?.subscriptionId ?? ""}/resourceGroups/${rg}/providers/Microsoft.Compute/disks/${name}`
    : `${rg}#f${hexOf(uid)}#${name}###${ns}`;
  const size = provisionedSize(c.spec?.resources?.requests?.storage);
  const zone = node?.metadata?.labels?.[DISK_ZONE] ?? "";
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: {
      name,
      annotations: {
        "pv.kubernetes.io/provisioned-by": sc.provisioner,
        "volume.kubernetes.io/provisioner-deletion-secret-name": "",
        "volume.kubernetes.io/provisioner-deletion-secret-namespace": "",
      },
    },
    spec: {
      accessModes: c.spec?.accessModes ?? ["ReadWriteOnce"],
      capacity: { storage: size },
      claimRef: {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        namespace: ns,
        name: c.metadata?.name ?? "",
        uid,
        resourceVersion: c.metadata?.resourceVersion ?? "",
      },
      csi: {
        driver: sc.provisioner,
        volumeHandle: handle,
        ...(disk
          ? { fsType: sc.parameters?.fsType ?? sc.parameters?.["csi.storage.k8s.io/fstype"] ?? "ext4" }
          : {}),
        volumeAttributes: {
          ...(sc.parameters ?? {}),
          "csi.storage.k8s.io/pv/name": name,
          "csi.storage.k8s.io/pvc/name": c.metadata?.name ?? "",
          "csi.storage.k8s.io/pvc/namespace": ns,
          ...(disk ? { requestedsizegib: size.slice(0, -2) } : {}),
        },
      },
      ...(sc.mountOptions?.length ? { mountOptions: sc.mountOptions } : {}),
      ...(disk
        ? {
            nodeAffinity: {
              required: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: DISK_ZONE, operator: "In", values: [zone] }] },
                ],
              },
            },
          }
        : {}),
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? "Delete",
      storageClassName: sc.metadata?.name ?? "",
      volumeMode: c.spec?.volumeMode ?? "Filesystem",
    },
    status: { phase: "Bound" },
  };
}

/** The claim once bound to `v` (spec, annotations and status in one object). */
function boundClaim(
  c: PersistentVolumeClaim,
  v: PersistentVolume,
  provisioner?: string,
): PersistentVolumeClaim {
  return {
    ...c,
    metadata: {
      ...c.metadata,
      annotations: {
        ...c.metadata?.annotations,
        "pv.kubernetes.io/bind-completed": "yes",
        "pv.kubernetes.io/bound-by-controller": "yes",
        ...(provisioner
          ? {
              "volume.beta.kubernetes.io/storage-provisioner": provisioner,
              "volume.kubernetes.io/storage-provisioner": provisioner,
            }
          : {}),
      },
    },
    spec: { ...c.spec, volumeName: v.metadata?.name ?? "" },
    status: {
      ...c.status,
      phase: "Bound",
      accessModes: v.spec?.accessModes ?? [],
      capacity: { ...v.spec?.capacity },
    },
  };
}

const claimRefOf = (c: PersistentVolumeClaim) => ({ ...c, apiVersion: "v1", kind: "PersistentVolumeClaim" });

/** Whether a pod still uses a claim (pvc-protection's podUsesPVC: any pod not terminated). */
function inUse(c: PersistentVolumeClaim, pods: readonly Pod[]): boolean {
  return pods.some(
    (p) =>
      p.metadata?.namespace === c.metadata?.namespace &&
      p.status?.phase !== "Succeeded" &&
      p.status?.phase !== "Failed" &&
      claimNames(p).includes(c.metadata?.name ?? ""),
  );
}

const without = <T extends { metadata?: { finalizers?: string[] } }>(o: T, f: string): T => ({
  ...o,
  metadata: { ...o.metadata, finalizers: (o.metadata?.finalizers ?? []).filter((x) => x !== f) },
});

/**
 * One pass of the PV controller, the provisioners and the protection controllers over the
 * cluster's claims and volumes. Events are returned every time they apply (the caller
 * announces each distinct one once, as a resync would repeat them).
 */
export function reconcileVolumes(
  w: VolumeWorld,
  pods: readonly Pod[],
  nodes: ReadonlyMap<string, Node>,
  target: ProvisionTarget | undefined,
  now: string,
): Action[] {
  const actions: Action[] = [];
  const claimEvent = (
    c: PersistentVolumeClaim,
    reason: string,
    message: string,
    component = PV_CONTROLLER,
    type: "Normal" | "Warning" = "Normal",
  ) => actions.push(eventAction({ involved: claimRefOf(c), reason, message, component, at: now, type }));
  const claimsByUid = new Map([...w.claims.values()].map((c) => [c.metadata?.uid ?? "", c]));

  for (const c of w.claims.values()) {
    const ns = c.metadata?.namespace ?? "default";
    const name = c.metadata?.name ?? "";
    if (c.metadata?.deletionTimestamp) {
      // pvc-protection: the finalizer goes once no pod uses the claim.
      if (c.metadata.finalizers?.includes(CLAIM_PROTECTION) && !inUse(c, pods))
        actions.push({
          op: "update",
          resource: "core/persistentvolumeclaims",
          namespace: ns,
          object: without(c, CLAIM_PROTECTION),
        });
      continue;
    }
    if (c.spec?.volumeName) {
      const v = w.volumes.get(c.spec.volumeName);
      if (!v && c.status?.phase === "Bound") {
        actions.push({
          op: "updateStatus",
          resource: "core/persistentvolumeclaims",
          namespace: ns,
          object: { ...c, status: { ...c.status, phase: "Lost" } },
        });
        claimEvent(
          c,
          "ClaimLost",
          "Bound claim has lost its PersistentVolume. Data on the volume is lost!",
          PV_CONTROLLER,
          "Warning",
        );
      }
      continue;
    }
    const className = claimClass(c);
    const sc = className ? w.classes.get(className) : undefined;
    const selected = c.metadata?.annotations?.[SELECTED_NODE];
    const waits = sc?.volumeBindingMode === "WaitForFirstConsumer" && !selected;
    const match = waits ? undefined : staticMatch(c, w);
    if (match) {
      const v: PersistentVolume = {
        ...match,
        metadata: {
          ...match.metadata,
          annotations: { ...match.metadata?.annotations, "pv.kubernetes.io/bound-by-controller": "yes" },
        },
        spec: {
          ...match.spec,
          claimRef: {
            apiVersion: "v1",
            kind: "PersistentVolumeClaim",
            namespace: ns,
            name,
            uid: c.metadata?.uid ?? "",
            resourceVersion: c.metadata?.resourceVersion ?? "",
          },
        },
        status: { ...match.status, phase: "Bound" },
      };
      actions.push({ op: "update", resource: "core/persistentvolumes", namespace: "", object: v });
      actions.push({
        op: "update",
        resource: "core/persistentvolumeclaims",
        namespace: ns,
        object: boundClaim(c, v),
      });
      continue;
    }
    if (!className) continue; // no class, no matching volume: Pending, silently (upstream: FailedBinding)
    if (!sc) {
      claimEvent(
        c,
        "ProvisioningFailed",
        `storageclass.storage.k8s.io "${className}" not found`,
        PV_CONTROLLER,
        "Warning",
      );
      continue;
    }
    // Also when a node was chosen before any pass saw the claim waiting (the controllers take
    // turns here; upstream the PV controller meets a claim the moment it is created, long
    // before its pod is scheduled): the wait is reported either way, once (the caller dedups).
    if (sc.volumeBindingMode === "WaitForFirstConsumer")
      claimEvent(c, "WaitForFirstConsumer", "waiting for first consumer to be created before binding");
    if (waits) continue;
    claimEvent(
      c,
      "ExternalProvisioning",
      `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
    );
    if (!SIMULATED_PROVISIONERS.has(sc.provisioner)) continue;
    // The external-provisioner's identity: <driver>_<controller pod>_<uuid>, as AKS shows it.
    const component = `${sc.provisioner}_csi-${sc.provisioner.startsWith("disk") ? "azuredisk" : "azurefile"}-controller`;
    claimEvent(
      c,
      "Provisioning",
      `External provisioner is provisioning volume for claim "${ns}/${name}"`,
      component,
    );
    const v = provisionedVolume(c, sc, selected ? nodes.get(selected) : undefined, target);
    actions.push({ op: "create", resource: "core/persistentvolumes", namespace: "", object: v });
    claimEvent(
      c,
      "ProvisioningSucceeded",
      `Successfully provisioned volume ${v.metadata?.name ?? ""}`,
      component,
    );
    actions.push({
      op: "update",
      resource: "core/persistentvolumeclaims",
      namespace: ns,
      object: boundClaim(c, v, sc.provisioner),
    });
  }

  for (const v of w.volumes.values()) {
    const phase = v.status?.phase ?? "Pending";
    if (v.metadata?.deletionTimestamp) {
      // Still synced while being deleted: a Bound volume whose claim is gone is Released…
      const gone = v.spec?.claimRef?.uid;
      if (phase === "Bound" && gone && !claimsByUid.get(gone)) {
        actions.push({
          op: "updateStatus",
          resource: "core/persistentvolumes",
          namespace: "",
          object: { ...v, status: { ...v.status, phase: "Released" } },
        });
        continue;
      }
      // …and pv-protection lets it go once no claim is bound to it.
      if (v.metadata.finalizers?.includes(VOLUME_PROTECTION) && phase !== "Bound")
        actions.push({
          op: "update",
          resource: "core/persistentvolumes",
          namespace: "",
          object: without(v, VOLUME_PROTECTION),
        });
      continue;
    }
    const ref = v.spec?.claimRef;
    if (!ref) {
      if (phase === "Pending")
        actions.push({
          op: "updateStatus",
          resource: "core/persistentvolumes",
          namespace: "",
          object: { ...v, status: { ...v.status, phase: "Available" } },
        });
      continue;
    }
    const claim = ref.uid ? claimsByUid.get(ref.uid) : w.claims.get(key(ref.namespace, ref.name));
    if (claim || phase === "Released" || phase === "Failed") {
      if (phase === "Released" && v.spec?.persistentVolumeReclaimPolicy === "Delete")
        actions.push({
          op: "delete",
          resource: "core/persistentvolumes",
          namespace: "",
          name: v.metadata?.name ?? "",
        });
      continue;
    }
    if (!ref.uid) continue; // pre-bound to a claim not made yet
    // The claim is gone: Released, then the reclaim policy (the driver deletes the disk).
    actions.push({
      op: "updateStatus",
      resource: "core/persistentvolumes",
      namespace: "",
      object: { ...v, status: { ...v.status, phase: "Released" } },
    });
    if (v.spec?.persistentVolumeReclaimPolicy === "Delete")
      actions.push({
        op: "delete",
        resource: "core/persistentvolumes",
        namespace: "",
        name: v.metadata?.name ?? "",
      });
  }
  return actions;
}
