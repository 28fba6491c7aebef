// The Priority admission plugin (plugin/pkg/admission/priority), after ServiceAccount as
// kube-apiserver orders it:
// - a pod created naming a PriorityClass gets its value as `spec.priority` and its
//   `preemptionPolicy`; naming none, the globalDefault class (the lowest value if several) and
//   its name, else priority 0 and PreemptLowerPriority; an unknown class is 403 `no
//   PriorityClass with name x was found`, a priority or policy the pod set that differs is 403
//   in the plugin's words;
// - an update keeps what the create resolved (a replace that omits them);
// - a PriorityClass marked globalDefault while another one is refused.
import type { Pod } from "kubernetes-types/core/v1.js";
import type { PriorityClass } from "kubernetes-types/scheduling/v1.js";
import type { Tx } from "../../store/types.js";
import { type AdmissionStep, requestName } from "../admission.js";
import { admissionForbidden } from "../errors.js";

/** A stored class as read (a stored object is not typed: every field may be missing). */
type Class = Partial<PriorityClass>;

export const PRIORITY_CLASS_KEY = "scheduling.k8s.io/priorityclasses";
/** DefaultPriorityWhenNoDefaultClassExists. */
const NO_DEFAULT_PRIORITY = 0;
const PREEMPT_LOWER = "PreemptLowerPriority";

/** The lowest-valued globalDefault class (upstream's pick when a race made several). */
function defaultClass(classes: Iterable<Class>): Class | undefined {
  let best: Class | undefined;
  for (const pc of classes) if (pc.globalDefault && (!best || (best.value ?? 0) > (pc.value ?? 0))) best = pc;
  return best;
}

export function priorityAdmission(): AdmissionStep {
  // Per transaction and cluster, the classes by name: a controller's batch creates up to a
  // hundred pods in one transaction, and this step runs for every one of them.
  const seen = new WeakMap<Tx, Map<string, Map<string, Class>>>();
  const classesOf = async (tx: Tx, cluster: string) => {
    let perTx = seen.get(tx);
    let classes = perTx?.get(cluster);
    if (classes) return classes;
    const recs = await tx.listObjects({ cluster, resource: PRIORITY_CLASS_KEY, namespace: "" });
    classes = new Map(recs.map((r) => [r.name, r.body as Class]));
    if (!perTx) {
      perTx = new Map();
      seen.set(tx, perTx);
    }
    perTx.set(cluster, classes);
    return classes;
  };
  return async (req) => {
    if (req.resource === PRIORITY_CLASS_KEY) {
      // The transaction's class list is stale once a class is written in it.
      seen.get(req.tx)?.delete(req.cluster);
      const pc = req.object as Class;
      if (!pc.globalDefault) return req.object;
      const recs = await req.tx.listObjects({
        cluster: req.cluster,
        resource: PRIORITY_CLASS_KEY,
        namespace: "",
      });
      const dpc = defaultClass(recs.map((r) => r.body as Class));
      const name = pc.metadata?.name ?? "";
      if (dpc && (req.operation === "CREATE" || dpc.metadata?.name !== name))
        throw admissionForbidden(
          { group: "scheduling.k8s.io", resource: "priorityclasses" },
          requestName(req.object),
          `PriorityClass ${dpc.metadata?.name} is already marked as default. Only one default can exist`,
        );
      return req.object;
    }
    if (req.resource !== "core/pods") return req.object;
    const pod = req.object as Pod;
    const spec = pod.spec;
    if (!spec) return req.object;
    if (req.operation === "UPDATE") {
      // API validation forbids changing them; a write that leaves them out keeps the create's.
      const old = (req.oldObject as Pod | undefined)?.spec;
      if (spec.priority === undefined && old?.priority !== undefined) spec.priority = old.priority;
      if (spec.preemptionPolicy === undefined && old?.preemptionPolicy !== undefined)
        spec.preemptionPolicy = old.preemptionPolicy;
      return req.object;
    }
    const forbid = (why: string) =>
      admissionForbidden({ group: "", resource: "pods" }, requestName(req.object), why);
    const classes = await classesOf(req.tx, req.cluster);
    let priority: number;
    let policy: string | undefined;
    if (!spec.priorityClassName) {
      const dpc = defaultClass(classes.values());
      priority = dpc ? (dpc.value ?? 0) : NO_DEFAULT_PRIORITY;
      policy = dpc ? dpc.preemptionPolicy : PREEMPT_LOWER;
      // An empty name is Go's zero value: omitted, as when no default exists.
      if (dpc?.metadata?.name) spec.priorityClassName = dpc.metadata.name;
      else delete spec.priorityClassName;
    } else {
      const pc = classes.get(spec.priorityClassName);
      if (!pc) throw forbid(`no PriorityClass with name ${spec.priorityClassName} was found`);
      priority = pc.value ?? 0;
      policy = pc.preemptionPolicy;
    }
    if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority)
      throw forbid(
        `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
      );
    spec.priority = priority;
    if (policy !== undefined) {
      if (
        spec.preemptionPolicy !== undefined &&
        spec.preemptionPolicy !== null &&
        spec.preemptionPolicy !== policy
      )
        throw forbid(
          `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
        );
      spec.preemptionPolicy = policy;
    }
    return req.object;
  };
}
