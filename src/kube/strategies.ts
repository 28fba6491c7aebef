// What kube-apiserver's registry strategies do to a new object of some kinds before it is
// stored (PrepareForCreate), once it has its uid, as a table by resource.
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

function child(o: Obj, key: string): Obj {
  if (!isObj(o[key])) o[key] = {};
  return o[key] as Obj;
}

/**
 * The Job strategy's generateSelector (unless spec.manualSelector): the template gets the
 * job-name and controller-uid labels (legacy and batch.kubernetes.io/ forms, where absent) and
 * the selector matches batch.kubernetes.io/controller-uid. A Job without labels of its own then
 * has the template's (SetDefaults_Job, applied again when the stored object is read back).
 */
function generateJobSelector(job: Obj): void {
  const spec = child(job, "spec");
  if (spec.manualSelector === true) return;
  const meta = child(job, "metadata");
  const name = String(meta.name ?? "");
  const uid = String(meta.uid ?? "");
  const template = child(child(child(spec, "template"), "metadata"), "labels");
  for (const key of ["job-name", "batch.kubernetes.io/job-name"])
    if (!Object.hasOwn(template, key)) template[key] = name;
  for (const key of ["controller-uid", "batch.kubernetes.io/controller-uid"])
    if (!Object.hasOwn(template, key)) template[key] = uid;
  const match = child(child(spec, "selector"), "matchLabels");
  if (!Object.hasOwn(match, "batch.kubernetes.io/controller-uid"))
    match["batch.kubernetes.io/controller-uid"] = uid;
  if (!isObj(meta.labels) || Object.keys(meta.labels).length === 0) meta.labels = { ...template };
}

/** The claim and volume strategies start a new object's status over; SetDefaults makes it Pending. */
function pendingStatus(o: Obj): void {
  o.status = { phase: "Pending" };
}

export const PREPARE_FOR_CREATE: Readonly<Record<string, (body: Obj) => void>> = {
  "batch/jobs": generateJobSelector,
  "core/persistentvolumeclaims": pendingStatus,
  "core/persistentvolumes": pendingStatus,
};

/** Metadata a status-like write keeps from the request (ResetObjectMetaForStatus keeps these). */
const KEPT_META = ["name", "namespace", "uid", "resourceVersion", "managedFields"];

/** ResetObjectMetaForStatus: the stored metadata, but for what the request may carry (KEPT_META). */
function resetMetaForStatus(next: Obj, old: Obj): Obj {
  const metadata: Obj = { ...(isObj(old.metadata) ? old.metadata : {}) };
  const sent = isObj(next.metadata) ? next.metadata : {};
  for (const k of KEPT_META) {
    if (sent[k] !== undefined) metadata[k] = sent[k];
    else delete metadata[k];
  }
  return metadata;
}

/**
 * pods/ephemeralcontainers' PrepareForUpdate (dropNonEphemeralContainerUpdates): the stored
 * pod, its metadata reset as for a status write, with the request's spec.ephemeralContainers
 * and nothing else of the request.
 */
export function ephemeralContainersOnly(next: Obj, old: Obj): Obj {
  const spec: Obj = { ...(isObj(old.spec) ? old.spec : {}) };
  const wanted = isObj(next.spec) ? next.spec.ephemeralContainers : undefined;
  if (wanted === undefined || wanted === null) delete spec.ephemeralContainers;
  else spec.ephemeralContainers = wanted;
  return { ...old, spec, metadata: resetMetaForStatus(next, old) };
}

/**
 * certificatesigningrequests/approval's PrepareForUpdate: only status.conditions change (the
 * spec and the rest of the status are the stored ones); a condition without times gets now.
 */
export function approvalOnly(next: Obj, old: Obj, now: string): Obj {
  const was = isObj(old.status) ? old.status : {};
  const sent =
    isObj(next.status) && Array.isArray(next.status.conditions) ? next.status.conditions : undefined;
  const before = Array.isArray(was.conditions) ? was.conditions.filter(isObj) : [];
  const conditions = sent?.filter(isObj).map((c) => {
    const prior = before.find((b) => b.type === c.type);
    const changed = !prior || prior.status !== c.status;
    return {
      ...c,
      lastUpdateTime: c.lastUpdateTime ?? now,
      lastTransitionTime: c.lastTransitionTime ?? (changed ? now : (prior?.lastTransitionTime ?? now)),
    };
  });
  const status: Obj = { ...was };
  if (conditions) status.conditions = conditions;
  else delete status.conditions;
  return { ...old, metadata: resetMetaForStatus(next, old), status };
}
