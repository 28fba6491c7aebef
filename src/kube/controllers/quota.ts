// Resource quotas, both halves (a scoped quota — scopes, scopeSelector — covers only the pods in
// every one of its scopes):
// - the resourcequota controller (status): status.hard mirrors spec.hard and status.used sums
//   what the namespace's objects use, as kube-controller-manager's evaluators count it — object
//   counts (`pods`, `count/pods`, `services.loadbalancers`, `services.nodeports` …) and a pod's
//   compute requests and limits (`requests.cpu`, `cpu`, `limits.memory` …);
// - the ResourceQuota admission plugin (plugin/pkg/admission/resourcequota) on create and
//   update (charged what the update adds): a pod
//   that a quota tracking cpu or memory covers must name them (`failed quota: q: must specify
//   requests.cpu for: c`), and a create that would take a tracked resource past its hard limit
//   is refused (`exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1`); an
//   admitted create adds its usage to the quota's status.used in the same transaction, so the
//   next create sees it, as upstream's evaluator does.
import type { PersistentVolumeClaim, Pod, ResourceQuota, Service } from "kubernetes-types/core/v1.js";
import type { Tx } from "../../store/types.js";
import { type AdmissionStep, requestName } from "../admission.js";
import { admissionForbidden } from "../errors.js";
import { setOwn } from "../ownKeys.js";
import type { Resource } from "../workloads/actions.js";
import { qosClass } from "../workloads/kubelet.js";
import { canonicalQuantity, parseQuantity } from "../workloads/quantity.js";
import type { ControllerContext } from "./context.js";

type Obj = Record<string, unknown>;

/** An amount in thousandths of its unit, and whether it was written with a binary suffix. */
interface Amount {
  milli: number;
  binary: boolean;
}
type Usage = Map<string, Amount>;

const one = (): Amount => ({ milli: 1000, binary: false });

function amountOf(q: unknown): Amount | undefined {
  if (typeof q !== "string" && typeof q !== "number") return undefined;
  try {
    return { milli: Math.round(parseQuantity(q) * 1000), binary: typeof q === "string" && /i$/.test(q) };
  } catch {
    return undefined;
  }
}

/** quota.Add: the format of the first operand is kept, as Quantity.Add keeps it. */
function add(into: Usage, name: string, a: Amount): void {
  const cur = into.get(name);
  into.set(name, cur ? { milli: cur.milli + a.milli, binary: cur.binary } : { ...a });
}

/** How Quantity.String prints the amount (BinarySI when it came that way and divides evenly). */
function format(a: Amount): string {
  if (a.binary && a.milli % 1000 === 0) {
    let v = a.milli / 1000;
    const suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    let k = 0;
    while (v !== 0 && v % 1024 === 0 && k < suffixes.length - 1) {
      v /= 1024;
      k++;
    }
    if (k > 0) return `${v}${suffixes[k]}`;
  }
  return canonicalQuantity(`${a.milli}m`);
}

/** The compute resources a quota on cpu or memory makes every container name. */
const MUST_SPECIFY = ["cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"];
const COMPUTE = ["cpu", "memory", "ephemeral-storage"];

/** podComputeUsageHelper over requests and limits. */
function computeUsage(requests: Usage, limits: Usage): Usage {
  const u: Usage = new Map();
  for (const r of COMPUTE) {
    const req = requests.get(r);
    if (req) {
      u.set(r, req);
      u.set(`requests.${r}`, req);
    }
    const lim = limits.get(r);
    if (lim) u.set(`limits.${r}`, lim);
  }
  return u;
}

/** A container's requests and limits as amounts (unparsable values were refused on decode). */
function containerResources(c: unknown): { requests: Usage; limits: Usage } {
  const r = ((c as Obj | undefined)?.resources ?? {}) as Obj;
  const read = (list: unknown) => {
    const u: Usage = new Map();
    for (const [k, v] of Object.entries((list ?? {}) as Obj)) {
      const a = amountOf(v);
      if (a) u.set(k, a);
    }
    return u;
  };
  return { requests: read(r.requests), limits: read(r.limits) };
}

/** PodUsageFunc: count/pods always; pods and compute while the pod is not finished. */
function podUsage(pod: Pod): Usage {
  const u: Usage = new Map([["count/pods", one()]]);
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return u;
  u.set("pods", one());
  const requests: Usage = new Map();
  const limits: Usage = new Map();
  for (const c of pod.spec?.containers ?? []) {
    const r = containerResources(c);
    for (const [k, a] of r.requests) add(requests, k, a);
    for (const [k, a] of r.limits) add(limits, k, a);
  }
  // Init containers run one at a time: the largest counts against the app containers' sum.
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerResources(c);
    for (const [into, list] of [
      [requests, r.requests],
      [limits, r.limits],
    ] as const)
      for (const [k, a] of list) if (a.milli > (into.get(k)?.milli ?? -1)) into.set(k, a);
  }
  for (const [k, v] of computeUsage(requests, limits)) u.set(k, v);
  return u;
}

/** ServiceUsageFunc: the Service, its load balancer, its node ports. */
function serviceUsage(svc: Service): Usage {
  const u: Usage = new Map([
    ["count/services", one()],
    ["services", one()],
  ]);
  const ports = svc.spec?.ports?.length ?? 0;
  const n = (count: number): Amount => ({ milli: count * 1000, binary: false });
  if (svc.spec?.type === "NodePort") u.set("services.nodeports", n(ports));
  if (svc.spec?.type === "LoadBalancer") {
    u.set("services.loadbalancers", one());
    if (svc.spec.allocateLoadBalancerNodePorts !== false) u.set("services.nodeports", n(ports));
  }
  return u;
}

/**
 * PersistentVolumeClaim evaluator: the claim and its requested storage, also per storage class
 * (`<class>.storageclass.storage.k8s.io/requests.storage`).
 */
function claimUsage(pvc: PersistentVolumeClaim): Usage {
  const u: Usage = new Map([
    ["count/persistentvolumeclaims", one()],
    ["persistentvolumeclaims", one()],
  ]);
  const cls = pvc.spec?.storageClassName;
  const byClass = (k: string) => `${cls}.storageclass.storage.k8s.io/${k}`;
  if (cls) u.set(byClass("persistentvolumeclaims"), one());
  // The larger of what is asked and what a resize has already allocated (upstream takes both).
  const asked = amountOf(pvc.spec?.resources?.requests?.storage);
  const allocated = amountOf(pvc.status?.allocatedResources?.storage);
  const storage = asked && allocated && allocated.milli > asked.milli ? allocated : (asked ?? allocated);
  if (storage) {
    u.set("requests.storage", storage);
    if (cls) u.set(byClass("requests.storage"), storage);
  }
  return u;
}

/** The generic object-count evaluator: `count/<resource>[.<group>]` (and a legacy name). */
const counted =
  (...names: string[]) =>
  (): Usage =>
    new Map(names.map((n) => [n, one()]));

/** Each counted kind's usage function (the evaluators upstream registers). */
const USAGE: Partial<Record<Resource, (o: Obj) => Usage>> = {
  "core/persistentvolumeclaims": (o) => claimUsage(o as PersistentVolumeClaim),
  "core/replicationcontrollers": counted("count/replicationcontrollers", "replicationcontrollers"),
  "core/resourcequotas": counted("count/resourcequotas", "resourcequotas"),
  "apps/deployments": counted("count/deployments.apps"),
  "apps/replicasets": counted("count/replicasets.apps"),
  "apps/statefulsets": counted("count/statefulsets.apps"),
  "apps/daemonsets": counted("count/daemonsets.apps"),
  "batch/jobs": counted("count/jobs.batch"),
  "batch/cronjobs": counted("count/cronjobs.batch"),
  "core/pods": (o) => podUsage(o as Pod),
  "core/services": (o) => serviceUsage(o as Service),
  "core/configmaps": () =>
    new Map([
      ["count/configmaps", one()],
      ["configmaps", one()],
    ]),
  "core/secrets": () =>
    new Map([
      ["count/secrets", one()],
      ["secrets", one()],
    ]),
};

/** Store keys whose changes move some quota's `used`. */
export const QUOTA_COUNTED = new Set(Object.keys(USAGE) as Resource[]);

type Scope = { scopeName: string; operator: string; values?: string[] };

/** A quota's scopes, `scopes` and `scopeSelector` alike (all must match). */
function scopesOf(q: ResourceQuota): Scope[] {
  return [
    ...(q.spec?.scopes ?? []).map((scopeName) => ({ scopeName, operator: "Exists" })),
    ...((q.spec?.scopeSelector?.matchExpressions ?? []) as Scope[]),
  ];
}

/** The pod evaluator's scope functions (podMatchesScopeFunc). */
function podInScope(pod: Pod, s: Scope): boolean {
  const spec = pod.spec;
  switch (s.scopeName) {
    case "Terminating":
      return spec?.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds >= 0;
    case "NotTerminating":
      return spec?.activeDeadlineSeconds === undefined;
    case "BestEffort":
      return qosClass(pod) === "BestEffort";
    case "NotBestEffort":
      return qosClass(pod) !== "BestEffort";
    case "PriorityClass": {
      const name = spec?.priorityClassName ?? "";
      if (s.operator === "Exists") return name !== "";
      if (s.operator === "DoesNotExist") return name === "";
      const listed = (s.values ?? []).includes(name);
      return s.operator === "In" ? listed : !listed;
    }
    case "CrossNamespacePodAffinity": {
      const terms = [spec?.affinity?.podAffinity, spec?.affinity?.podAntiAffinity].flatMap((a) => [
        ...(a?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
        ...(a?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm),
      ]);
      return terms.some((t) => (t.namespaces?.length ?? 0) > 0 || t.namespaceSelector !== undefined);
    }
    default:
      return false;
  }
}

/** Whether a quota covers the object: unscoped, or a pod in every one of its scopes. */
function covers(q: ResourceQuota, resource: Resource, o: Obj): boolean {
  const scopes = scopesOf(q);
  if (!scopes.length) return true;
  return resource === "core/pods" && scopes.every((s) => podInScope(o as Pod, s));
}

/** What the namespace's objects of the kinds a quota tracks use, summed (those it covers). */
function sumUsage(objects: Iterable<[Resource, Obj]>, q?: ResourceQuota): Usage {
  const total: Usage = new Map();
  for (const [r, o] of objects) {
    if (q && !covers(q, r, o)) continue;
    for (const [k, v] of USAGE[r]?.(o) ?? []) add(total, k, v);
  }
  return total;
}

const hardOf = (q: ResourceQuota): Record<string, string> => ({ ...(q.status?.hard ?? q.spec?.hard ?? {}) });

export async function syncQuotas(ctx: ControllerContext, cluster: string, ns: string): Promise<void> {
  const quotas = await ctx.list<ResourceQuota>(cluster, "core/resourcequotas", ns);
  if (quotas.length === 0) return;
  const objects: [Resource, Obj][] = [];
  for (const r of QUOTA_COUNTED) for (const o of await ctx.list<Obj>(cluster, r, ns)) objects.push([r, o]);
  for (const q of quotas) {
    const total = sumUsage(objects, q);
    const hard = { ...(q.spec?.hard ?? {}) };
    const used: Record<string, string> = {};
    for (const k of Object.keys(hard)) {
      const a = total.get(k);
      setOwn(used, k, a ? format(a) : "0");
    }
    const status = { hard, used };
    if (JSON.stringify(status) === JSON.stringify({ hard: q.status?.hard ?? {}, used: q.status?.used ?? {} }))
      continue;
    await ctx.apply(cluster, [
      { op: "updateStatus", resource: "core/resourcequotas", namespace: ns, object: { ...q, status } },
    ]);
  }
}

/** PodEvaluator.Constraints: each container names every cpu/memory resource a quota tracks. */
function missingCompute(pod: Pod, tracked: string[]): string | undefined {
  const required = tracked.filter((r) => MUST_SPECIFY.includes(r));
  if (!required.length) return undefined;
  const missing = new Map<string, Set<string>>();
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const r = containerResources(c);
    const has = computeUsage(r.requests, r.limits);
    for (const need of required)
      if (!has.has(need)) missing.set(need, (missing.get(need) ?? new Set()).add(c.name));
  }
  if (!missing.size) return undefined;
  return `must specify ${[...missing.keys()]
    .sort()
    .map((r) => `${r} for: ${[...(missing.get(r) ?? [])].sort().join(",")}`)
    .join("; ")}`;
}

const pretty = (u: Map<string, string>) =>
  [...u.keys()]
    .sort()
    .map((k) => `${k}=${u.get(k)}`)
    .join(",");

/** The ResourceQuota admission plugin, on create and update of the kinds quotas count. */
export function quotaAdmission(): AdmissionStep {
  return async (req) => {
    const usageOf = USAGE[req.resource as Resource];
    if (!usageOf || (req.operation === "UPDATE" && !req.oldObject)) return req.object;
    const quotas = await req.tx.listObjects({
      cluster: req.cluster,
      resource: "core/resourcequotas",
      namespace: req.namespace,
    });
    if (!quotas.length) return req.object;
    // An update is charged what it adds (a Service turned LoadBalancer: one load balancer more).
    const delta = usageOf(req.object);
    if (req.operation === "UPDATE" && req.oldObject)
      for (const [k, a] of usageOf(req.oldObject)) {
        const now = delta.get(k);
        if (now) delta.set(k, { ...now, milli: Math.max(0, now.milli - a.milli) });
      }
    const plural = req.resource.slice(req.resource.indexOf("/") + 1);
    const prefix = req.resource.slice(0, req.resource.indexOf("/"));
    const group = prefix === "core" ? "" : prefix;
    const name = requestName(req.object);
    const writes: { rec: (typeof quotas)[number]; used: Record<string, string> }[] = [];
    for (const rec of quotas) {
      const q = rec.body as ResourceQuota;
      if (!covers(q, req.resource as Resource, req.object)) continue;
      const hard = hardOf(q);
      const tracked = Object.keys(hard);
      if (req.resource === "core/pods" && req.operation === "CREATE") {
        const why = missingCompute(req.object as Pod, tracked);
        if (why)
          throw admissionForbidden(
            { group, resource: plural },
            name,
            `failed quota: ${q.metadata?.name}: ${why}`,
          );
      }
      const requested = tracked.filter((k) => (delta.get(k)?.milli ?? 0) > 0);
      if (!requested.length) continue;
      // status.used, or (a quota the controller has not counted yet) what the namespace holds now.
      const usedOf = async (k: string): Promise<Amount> => {
        const s = amountOf(q.status?.used?.[k]);
        if (s) return s;
        live ??= await liveUsage(req.tx, req.cluster, req.namespace, q);
        return live.get(k) ?? { milli: 0, binary: false };
      };
      let live: Usage | undefined;
      const exceeded = new Map<string, [Amount, Amount, Amount]>();
      const used: Record<string, string> = { ...(q.status?.used ?? {}) };
      for (const k of requested) {
        const was = await usedOf(k);
        const want = delta.get(k) as Amount;
        const limit = amountOf(hard[k]) ?? { milli: 0, binary: false };
        if (was.milli + want.milli > limit.milli) exceeded.set(k, [want, was, limit]);
        setOwn(used, k, format({ milli: was.milli + want.milli, binary: was.binary || want.binary }));
      }
      if (exceeded.size) {
        const part = (i: 0 | 1 | 2) => pretty(new Map([...exceeded].map(([k, v]) => [k, format(v[i])])));
        throw admissionForbidden(
          { group, resource: plural },
          name,
          `exceeded quota: ${q.metadata?.name}, requested: ${part(0)}, used: ${part(1)}, limited: ${part(2)}`,
        );
      }
      writes.push({ rec, used });
    }
    if (req.dryRun) return req.object;
    for (const { rec, used } of writes) {
      const q = rec.body as ResourceQuota;
      const { cluster, resource, namespace, name: quotaName } = rec;
      await req.tx.putObject(
        { cluster, resource, namespace, name: quotaName, body: { ...q, status: { hard: hardOf(q), used } } },
        { expectedRevision: rec.revision },
      );
    }
    return req.object;
  };
}

async function liveUsage(tx: Tx, cluster: string, namespace: string, q: ResourceQuota): Promise<Usage> {
  const objects: [Resource, Obj][] = [];
  for (const r of QUOTA_COUNTED)
    for (const rec of await tx.listObjects({ cluster, resource: r, namespace })) objects.push([r, rec.body]);
  return sumUsage(objects, q);
}
