// Job controller (pkg/controller/job), NonIndexed and Indexed completion, as a pure step:
// keep min(parallelism, completions − succeeded) pods active, count finished pods, and end
// with Complete (succeeded ≥ completions) or Failed (failures beyond backoffLimit, active
// pods removed). Pods carry the job-name / controller-uid labels the controller adds.
import type { Job, JobCondition, JobStatus } from "kubernetes-types/batch/v1.js";
import type { Pod, PodSpec } from "kubernetes-types/core/v1.js";
import { type Action, differs, isControlledBy } from "./actions.js";
import { eventAction } from "./events.js";
import { type Rng, uniqueGeneratedName } from "./names.js";
import { isActive, isReady, podFromTemplate } from "./pods.js";

const COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";

function condition(type: string, why: { reason?: string; message?: string }, now: string): JobCondition {
  return { type, status: "True", ...why, lastProbeTime: now, lastTransitionTime: now };
}

function finished(job: Job): boolean {
  return (job.status?.conditions ?? []).some(
    (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
  );
}

/**
 * From 1.31 (JobSuccessPolicy beta, and the terminal condition delayed since JobPodReplacementPolicy)
 * the controller first sets SuccessCriteriaMet / FailureTarget, then Complete / Failed, both
 * with the reason and message; before, Complete carried neither.
 */
const TARGET_CONDITIONS_SINCE = 31;

/**
 * What the job controller gives an Indexed Job's pod: the hostname `<job>-<index>` (unless the
 * template names one) and JOB_COMPLETION_INDEX, read from the index annotation, in every container.
 */
function indexedPodSpec(spec: PodSpec, job: string, index: number): void {
  spec.hostname ||= `${job}-${index}`;
  const env = {
    name: "JOB_COMPLETION_INDEX",
    valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } },
  };
  for (const c of [...(spec.initContainers ?? []), ...spec.containers])
    if (!c.env?.some((e) => e.name === env.name)) c.env = [...(c.env ?? []), env];
}

/** The indexes a completedIndexes text names (`0-3,5` → 0, 1, 2, 3, 5). */
function parseRanges(text: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (text ?? "").split(",").filter(Boolean)) {
    const [a, b = a] = part.split("-").map(Number);
    for (let i = a; i <= b && Number.isInteger(i); i++) out.push(i);
  }
  return out;
}

/**
 * status.completedIndexes: the succeeded indexes as ranges, `0-3,5` — those already recorded
 * included, as the controller never forgets a completed index (its pods may be deleted since).
 */
function indexRanges(succeeded: readonly Pod[], recorded?: string): string {
  const ix = [
    ...new Set([
      ...parseRanges(recorded),
      ...succeeded
        .map((p) => Number(p.metadata?.annotations?.[COMPLETION_INDEX]))
        .filter((n) => Number.isInteger(n) && n >= 0),
    ]),
  ].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < ix.length; ) {
    let j = i;
    while (j + 1 < ix.length && ix[j + 1] === ix[j] + 1) j++;
    out.push(i === j ? String(ix[i]) : `${ix[i]}-${ix[j]}`);
    i = j + 1;
  }
  return out.join(",");
}

/** The job controller's failure by activeDeadlineSeconds (JobReasonDeadlineExceeded). */
const DEADLINE = { reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" };

/**
 * Milliseconds until a running Job's `activeDeadlineSeconds` runs out, counted from
 * status.startTime (≤ 0: past it; pastActiveDeadline); undefined when it has none, has not
 * started, is suspended or has finished — the controller syncs it again then.
 */
export function jobDeadlineLeftMs(job: Job, nowMs: number): number | undefined {
  const ads = job.spec?.activeDeadlineSeconds;
  const start = job.status?.startTime;
  if (ads === undefined || ads === null || !start || job.spec?.suspend === true || finished(job))
    return undefined;
  return Date.parse(start) + ads * 1000 - nowMs;
}

/**
 * One sync of a Job over the namespace's pods; `now` stamps start/completion times and
 * conditions; `minor` is the cluster's Kubernetes minor version (the conditions it writes).
 */
export function reconcileJob(job: Job, pods: readonly Pod[], rng: Rng, now: string, minor = 99): Action[] {
  const ns = job.metadata?.namespace ?? "default";
  const name = job.metadata?.name ?? "";
  const uid = job.metadata?.uid ?? "";
  const self = { ...job, apiVersion: "batch/v1", kind: "Job" };
  if (job.metadata?.deletionTimestamp) return [];
  const actions: Action[] = [];
  const owned = pods.filter((p) => isControlledBy(p, self));
  const active = owned.filter(isActive);
  const succeeded = owned.filter((p) => p.status?.phase === "Succeeded");
  const failed = owned.filter((p) => p.status?.phase === "Failed");
  const parallelism = job.spec?.parallelism ?? 1;
  const completions = job.spec?.completions ?? (job.spec?.parallelism === undefined ? 1 : undefined);
  const backoffLimit = job.spec?.backoffLimit ?? 6;
  const indexed = job.spec?.completionMode === "Indexed";
  const conditions: JobCondition[] = [...(job.status?.conditions ?? [])];
  const note = (reason: string, message: string, type: "Normal" | "Warning" = "Normal") =>
    actions.push(
      eventAction({
        involved: self,
        reason,
        message,
        type,
        component: "job-controller",
        at: now,
      }),
    );
  let completionTime = job.status?.completionTime;
  const suspended = job.spec?.suspend === true && !finished(job);
  let startTime = job.status?.startTime ?? (suspended ? undefined : now);
  // ensureJobConditionStatus: Suspended True while suspended; False (JobResumed) once resumed,
  // which restarts the clock (activeDeadlineSeconds counts continuous activity).
  const suspendedCond = conditions.findIndex((c) => c.type === "Suspended");
  const setSuspended = (status: "True" | "False", reason: string, message: string) => {
    const cur = conditions[suspendedCond];
    if (cur?.status === status) return false;
    const next = { type: "Suspended", status, reason, message, lastProbeTime: now, lastTransitionTime: now };
    if (cur) conditions[suspendedCond] = next;
    else conditions.push(next);
    return true;
  };
  if (suspended) {
    for (const p of active)
      actions.push({ op: "delete", resource: "core/pods", namespace: ns, name: p.metadata?.name ?? "" });
    if (setSuspended("True", "JobSuspended", "Job suspended")) note("Suspended", "Job suspended");
  } else if (suspendedCond >= 0 && !finished(job) && setSuspended("False", "JobResumed", "Job resumed")) {
    note("Resumed", "Job resumed");
    startTime = now;
  }

  // Finished pods are counted once and stay counted when deleted (upstream tracks them with a
  // finalizer; here the recorded counts never go down).
  const succeededTotal = Math.max(succeeded.length, job.status?.succeeded ?? 0);
  let failedTotal = Math.max(failed.length, job.status?.failed ?? 0);
  const completedIndexes = indexed ? indexRanges(succeeded, job.status?.completedIndexes) : "";
  if (!finished(job) && !suspended) {
    // An Indexed Job completes when every index has succeeded once.
    const succeededCount = indexed ? parseRanges(completedIndexes).length : succeededTotal;
    const done =
      completions !== undefined ? succeededCount >= completions : succeeded.length > 0 && active.length === 0;
    // Backoff first, then the deadline, as syncJob checks them (a deadline counts from the
    // startTime this sync keeps: a resumed Job's clock restarts).
    const deadlineLeft = jobDeadlineLeftMs({ ...job, status: { startTime } }, Date.parse(now));
    const failure =
      failedTotal > backoffLimit
        ? { reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }
        : deadlineLeft !== undefined && deadlineLeft <= 0
          ? DEADLINE
          : undefined;
    if (failure) {
      for (const p of active)
        actions.push({ op: "delete", resource: "core/pods", namespace: ns, name: p.metadata?.name ?? "" });
      // A finished Job counts every pod not yet terminated as failed (trackJobStatusAndRemoveFinalizers).
      failedTotal += active.length;
      note(failure.reason, failure.message, "Warning");
      if (minor >= TARGET_CONDITIONS_SINCE) conditions.push(condition("FailureTarget", failure, now));
      conditions.push(condition("Failed", failure, now));
    } else if (done) {
      const why =
        minor >= TARGET_CONDITIONS_SINCE
          ? { reason: "CompletionsReached", message: "Reached expected number of succeeded pods" }
          : {};
      if (minor >= TARGET_CONDITIONS_SINCE) conditions.push(condition("SuccessCriteriaMet", why, now));
      conditions.push(condition("Complete", why, now));
      completionTime = now;
      note("Completed", "Job completed");
    } else {
      const remaining = completions !== undefined ? completions - succeededCount : parallelism;
      const want = Math.max(0, Math.min(parallelism, remaining) - active.length);
      const taken = new Set(pods.map((p) => p.metadata?.name ?? ""));
      const busy = new Set([
        ...[...active, ...succeeded].map((p) => p.metadata?.annotations?.[COMPLETION_INDEX]),
        ...parseRanges(completedIndexes).map(String),
      ]);
      let nextIndex = 0;
      for (let i = 0; i < want; i++) {
        const labels: Record<string, string> = {
          "batch.kubernetes.io/controller-uid": uid,
          "batch.kubernetes.io/job-name": name,
          "controller-uid": uid,
          "job-name": name,
        };
        let prefix = `${name}-`;
        let index: number | undefined;
        if (indexed) {
          while (busy.has(String(nextIndex))) nextIndex++;
          index = nextIndex++;
          labels[COMPLETION_INDEX] = String(index);
          prefix = `${name}-${index}-`;
        }
        const podName = uniqueGeneratedName(prefix, rng, taken);
        taken.add(podName);
        const pod = podFromTemplate(self, job.spec?.template, podName, labels, prefix);
        if (index !== undefined) {
          pod.metadata = {
            ...pod.metadata,
            annotations: { ...(pod.metadata?.annotations ?? {}), [COMPLETION_INDEX]: String(index) },
          };
          if (pod.spec) indexedPodSpec(pod.spec, name, index);
        }
        actions.push({ op: "create", resource: "core/pods", namespace: ns, object: pod });
        note("SuccessfulCreate", `Created pod: ${podName}`);
      }
    }
  }
  const ended = conditions.some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
  const status: JobStatus = {
    ...(startTime ? { startTime } : {}),
    ...(completedIndexes ? { completedIndexes } : {}),
    // int32 with omitempty (only the pointer `ready` shows a 0), as JobStatus encodes.
    ...(!ended && !suspended && active.length ? { active: active.length } : {}),
    ready: ended || suspended ? 0 : active.filter(isReady).length,
    ...(succeededTotal ? { succeeded: succeededTotal } : {}),
    ...(failedTotal ? { failed: failedTotal } : {}),
    ...(conditions.length ? { conditions } : {}),
    ...(completionTime ? { completionTime } : {}),
    uncountedTerminatedPods: {},
  };
  if (differs(status, job.status))
    actions.push({ op: "updateStatus", resource: "batch/jobs", namespace: ns, object: { ...job, status } });
  return actions;
}
