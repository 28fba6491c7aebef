// Mutating admission: steps that change (or refuse) an object on its way into the store, inside
// the write transaction of the create, after kube-apiserver's decoding and defaulting and
// before the write — where a mutating webhook sits. AKS runs host-port auto-assignment
// (`PodHostPortAutoAssignPreview`) as such a webhook, so `kubectl get pod -o yaml` shows the
// `hostPort` right after create.
//
// The chain is registered per store by the composition root (server/app.ts), because the
// steps need ARM facts (feature flags, the cluster's version) that the Kubernetes semantics
// in api.ts do not carry; api.ts calls `runMutatingAdmission` and knows nothing else.
import type { Pod } from "kubernetes-types/core/v1.js";
import { AKS_NS, PREVIEW_FLAGS } from "../providers/containerservice/previewGates.js";
import type { EmulatorSettings, Services } from "../providers/context.js";
import { isFeatureRegistered } from "../providers/resources/features.js";
import type { Store, Tx } from "../store/types.js";
import { type ArmCluster, clusterRecord } from "./controllers/arm.js";
import { invalid, KubeError, type StatusDetails } from "./errors.js";
import { podHostPortCauses } from "./validation.js";
import { assignHostPorts, HostPortAssignError, hostPortRefusalStatus } from "./workloads/hostports.js";

export type Obj = Record<string, unknown>;

export interface AdmissionRequest {
  tx: Tx;
  cluster: string;
  /** Store key of the type, `core/pods`. */
  resource: string;
  namespace: string;
  operation: "CREATE" | "UPDATE";
  /** UPDATE: the object as stored before. */
  oldObject?: Obj;
  /** Dry run: mutate, but allocate nothing. */
  dryRun?: boolean;
  /** The object as it will be written (name and uid already set); a step may change it. */
  object: Obj;
}

/**
 * The name an admission refusal gives (`pods "<name>" is forbidden`): upstream admission runs
 * before the name is generated, so an object made from generateName is named by its prefix.
 */
export function requestName(o: Obj): string {
  const m = (o.metadata ?? {}) as { name?: string; generateName?: string };
  const base = m.generateName?.slice(0, 58);
  if (base && m.name?.startsWith(base) && m.name.length === base.length + 5) return m.generateName ?? "";
  return m.name ?? "";
}

/** One step: returns the (possibly changed) object or throws a KubeError. */
export type AdmissionStep = (req: AdmissionRequest) => Promise<Obj>;

/** A step and the kinds (store keys) it is registered for, as a webhook's rules name them. */
export interface AdmissionHook {
  resources: readonly string[];
  step: AdmissionStep;
}

const chains = new WeakMap<Store, Map<string, AdmissionStep[]>>();

/** Installs the chain for one store (one emulator). */
export function registerAdmission(store: Store, hooks: AdmissionHook[]): void {
  const byResource = new Map<string, AdmissionStep[]>();
  for (const h of hooks)
    for (const r of h.resources) byResource.set(r, [...(byResource.get(r) ?? []), h.step]);
  chains.set(store, byResource);
}

/**
 * Whether a write of this kind passes through any step (steps may allocate in the write's
 * transaction, so a create that would fail anyway is refused before them).
 */
export function hasAdmission(store: Store, resource: string): boolean {
  return (chains.get(store)?.get(resource)?.length ?? 0) > 0;
}

/**
 * Runs the store's chain for the kind in order and writes the result into `req.object` (in
 * place, so the caller's object is the admitted one); no chain registered → unchanged.
 */
export async function runMutatingAdmission(store: Store, req: AdmissionRequest): Promise<void> {
  let obj = req.object;
  for (const step of chains.get(store)?.get(req.resource) ?? []) obj = await step({ ...req, object: obj });
  if (obj === req.object) return;
  for (const k of Object.keys(req.object)) if (!(k in obj)) delete req.object[k];
  Object.assign(req.object, obj);
}

// ---------------------------------------------------------------- host ports

/** Allocation pool of a cluster's auto-assigned host ports (one row per port, owner = the pod). */
export const hostPortPool = (cluster: string) => `kube/${cluster}/hostports`;
/** Allocation owner of everything a pod holds (host ports, its address). */
export const podOwner = (cluster: string, uid: string) => `kube/${cluster}/pod/${uid}`;
const cursorKey = (cluster: string) => `kube/${cluster}/hostport-cursor`;

/**
 * The AKS host-port webhook: for pods annotated `kubernetes.azure.com/assign-hostports-for-
 * containerports`, on clusters whose subscription has the flag Registered and Kubernetes ≥ 1.24.
 * Each chosen port becomes an allocation row in this transaction, so two pods never get the
 * same port even if two creates race; the rows go with the pod (controllers/kubelet.ts).
 */
export function hostPortAdmission(settings: EmulatorSettings, services: Services): AdmissionStep {
  /** What a transaction already read about a cluster (admission writes neither). */
  const seen = new WeakMap<Tx, Map<string, { arm?: ArmCluster; featureRegistered: boolean }>>();
  return async (req) => {
    if (req.resource !== "core/pods" || req.operation !== "CREATE") return req.object;
    const pod = req.object as Pod;
    // An empty value is a request too (refused: the list is empty), not the annotation's absence.
    if (pod.metadata?.annotations?.["kubernetes.azure.com/assign-hostports-for-containerports"] === undefined)
      return req.object;
    // Once per transaction and cluster: a controller's batch creates hundreds of pods in one.
    let facts = seen.get(req.tx)?.get(req.cluster);
    if (!facts) {
      const arm = await clusterRecord(req.tx, req.cluster);
      facts = {
        arm,
        featureRegistered: arm
          ? await isFeatureRegistered(
              {
                tx: req.tx,
                subscriptionId: arm.subscriptionId,
                tenantId: settings.tenantId,
                apiVersion: "",
                query: {},
                settings,
                services,
                now: new Date(),
              },
              AKS_NS,
              PREVIEW_FLAGS.podHostPortAutoAssign,
            )
          : false,
      };
      const perTx = seen.get(req.tx) ?? new Map();
      perTx.set(req.cluster, facts);
      seen.set(req.tx, perTx);
    }
    const { arm, featureRegistered } = facts;
    if (!arm) return req.object;
    const pool = hostPortPool(req.cluster);
    const cursor = Number((await req.tx.getMeta(cursorKey(req.cluster))) ?? "0");
    const owner = podOwner(req.cluster, pod.metadata?.uid ?? "");
    // Next-fit from the cursor rarely meets a taken port, so rather than reading the whole pool
    // (20,000 rows at the range's end, per pod) the choice is made against the ports learned
    // taken so far and its ports are claimed; a refused claim adds that port and chooses
    // again. After a few refusals (a wrapped, crowded range) the pool is read once instead.
    const assign = (taken: ReadonlySet<number>) => {
      try {
        const r = assignHostPorts(pod, { featureRegistered, kubernetesVersion: arm.version, taken, cursor });
        // Validation follows mutation: two containers declaring one port both got its host port.
        const causes = r.changed ? podHostPortCauses(r.pod.spec) : [];
        if (causes.length) throw invalid("Pod", "", pod.metadata?.name ?? "", causes);
        return r;
      } catch (e) {
        if (!(e instanceof HostPortAssignError)) throw e;
        const name = pod.metadata?.name ?? "";
        if (e.kind === "Invalid")
          throw invalid("Pod", "", name, [
            { reason: "FieldValueInvalid", field: e.field, message: e.message.slice(e.field.length + 2) },
          ]);
        const s = hostPortRefusalStatus(e, name);
        throw new KubeError(s.code, s.reason, s.message, s.details as StatusDetails);
      }
    };
    const whole = async () => new Set((await req.tx.listAllocations(pool)).map((a) => Number(a.item)));
    // Dry run allocates nothing: the choice against the pool as it stands.
    if (req.dryRun) return assign(await whole()).pod as Obj;
    const taken = new Set<number>();
    let refusals = 0;
    let result: ReturnType<typeof assignHostPorts>;
    for (;;) {
      result = assign(taken);
      if (!result.changed) return result.pod as Obj;
      const claimed: number[] = [];
      let refused: number | undefined;
      for (const p of result.ports) {
        if (await req.tx.allocate(pool, String(p.hostPort), owner)) claimed.push(p.hostPort);
        else {
          refused = p.hostPort;
          break;
        }
      }
      if (refused === undefined) break;
      for (const p of claimed) await req.tx.release(pool, String(p));
      taken.add(refused);
      if (++refusals === 8) for (const t of await whole()) taken.add(t);
    }
    await req.tx.setMeta(cursorKey(req.cluster), String(result.nextCursor));
    return result.pod as Obj;
  };
}
