// CronJob controller v2 (pkg/controller/cronjob: sync, cleanupFinishedJobs, syncCronJob and
// utils.go) as a pure step over the CronJob, the Jobs it controls and an explicit `now`: finished
// Jobs beyond the history limits deleted oldest first, finished or missing Jobs taken out of
// status.active, lastSuccessfulTime, then — unless deleting, suspended or its schedule or time
// zone is bad — the most recent unmet schedule time (none when more than startingDeadlineSeconds
// ago), concurrencyPolicy, and the Job to start (`<cronjob>-<minutes since the epoch>`). The Job
// itself is created by the caller, which alone learns its uid; `started` then adds it to the
// status. Events carry upstream's reasons and words.
import type { CronJob, CronJobStatus, Job, JobTemplateSpec } from "kubernetes-types/batch/v1.js";
import type { ObjectReference } from "kubernetes-types/core/v1.js";
import { goQuote } from "../goText.js";
import { rfc3339 } from "../time.js";
import { type Action, controllerRef } from "./actions.js";
import { loadLocationError, parseStandard, rfc3339In, type Schedule, ScheduleError } from "./cronSchedule.js";
import { eventAction } from "./events.js";

export const SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";
/** CronJobsScheduledAnnotation: beta (on) from 1.28. */
const SCHEDULED_ANNOTATION_SINCE = 28;
/** nextScheduleDelta: the requeue lands this long after the schedule time (NTP skew). */
const NEXT_SCHEDULE_DELTA_MS = 100;
const COMPONENT = "cronjob-controller";

export interface CronJobPlan {
  /** Deletions and events, in upstream's order (each event after the write it reports). */
  actions: Action[];
  /** The status after them (the caller writes it when it differs). */
  status: CronJobStatus;
  /** The Job to create now, and the schedule time it stands for. */
  start?: { job: Job; scheduledTime: Date };
  /** When to look again (ms from now): the next schedule time; none for a suspended or broken one. */
  requeueAfterMs?: number;
}

const finishedCondition = (j: Job): "Complete" | "Failed" | undefined => {
  for (const c of j.status?.conditions ?? [])
    if ((c.type === "Complete" || c.type === "Failed") && c.status === "True") return c.type;
  return undefined;
};

/** byJobStartTime: started before unstarted, earlier first, then by name. */
function byStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime;
  const sb = b.status?.startTime;
  if (!sa && sb) return 1;
  if (sa && !sb) return -1;
  if (sa === sb || (sa && sb && Date.parse(sa) === Date.parse(sb)))
    return (a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1;
  return Date.parse(sa ?? "") - Date.parse(sb ?? "");
}

/** formatSchedule: the schedule with the CronJob's time zone as robfig's `TZ=` prefix. */
function formatSchedule(cj: CronJob): string {
  const schedule = cj.spec?.schedule ?? "";
  if (schedule.includes("TZ")) return schedule;
  const tz = cj.spec?.timeZone;
  if (tz !== undefined && !loadLocationError(tz)) return `TZ=${tz} ${schedule}`;
  return schedule;
}

type Missed = "none" | "few" | "many";

/**
 * mostRecentScheduleTime: the earliest time considered (last schedule, else creation, raised
 * to now − startingDeadlineSeconds when asked), the most recent schedule time ≤ now after it,
 * and how many were missed (an estimate from the first two intervals, as upstream's).
 */
function mostRecentScheduleTime(
  cj: CronJob,
  now: Date,
  schedule: Schedule,
  withDeadline: boolean,
): { earliest: Date; mostRecent?: Date; missed: Missed; error?: string } {
  let earliest = new Date(
    Date.parse(cj.status?.lastScheduleTime ?? cj.metadata?.creationTimestamp ?? "") || 0,
  );
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (withDeadline && deadline !== undefined) {
    const limit = new Date(now.getTime() - deadline * 1000);
    if (limit.getTime() > earliest.getTime()) earliest = limit;
  }
  const t1 = schedule.next(earliest);
  const t2 = t1 && schedule.next(t1);
  // robfig answers a time it cannot find (Feb 30) with the zero time, twice: no interval.
  if (!t1 || !t2)
    return { earliest, missed: "none", error: "time difference between two schedules is less than 1 second" };
  if (now.getTime() < t1.getTime()) return { earliest, missed: "none" };
  if (now.getTime() < t2.getTime()) return { earliest, mostRecent: t1, missed: "none" };
  const between = Math.round((t2.getTime() - t1.getTime()) / 1000);
  if (between < 1)
    return { earliest, missed: "none", error: "time difference between two schedules is less than 1 second" };
  const elapsed = Math.trunc((now.getTime() - t1.getTime()) / 1000);
  const missedCount = Math.trunc(elapsed / between) + 1;
  // Back one interval more than the estimate, then walk forward to the last time ≤ now.
  let mostRecent: Date | undefined;
  const from = new Date(t1.getTime() + (missedCount - 2) * between * 1000);
  for (let t = schedule.next(from); t && t.getTime() <= now.getTime(); t = schedule.next(t)) mostRecent = t;
  const missed: Missed = missedCount > 100 ? "many" : missedCount > 0 ? "few" : "none";
  return { earliest, mostRecent, missed };
}

/** nextScheduleTimeDuration: how long until the next schedule time after the last one handled. */
export function nextScheduleDelay(cj: CronJob, now: Date, schedule: Schedule): number | undefined {
  const r = mostRecentScheduleTime(cj, now, schedule, false);
  let from: Date;
  if (r.error) from = now;
  else if (r.mostRecent) from = r.mostRecent;
  else from = r.missed === "none" ? r.earliest : now;
  const next = schedule.next(from);
  return next ? next.getTime() + NEXT_SCHEDULE_DELTA_MS - now.getTime() : undefined;
}

/** getJobFromTemplate2: the Job for one schedule time. */
export function jobFromTemplate(cj: CronJob, scheduledTime: Date, minor = 99): Job {
  const template: JobTemplateSpec = cj.spec?.jobTemplate ?? {};
  const annotations: Record<string, string> = { ...(template.metadata?.annotations ?? {}) };
  if (minor >= SCHEDULED_ANNOTATION_SINCE)
    annotations[SCHEDULED_TIMESTAMP] = rfc3339In(scheduledTime, cj.spec?.timeZone ?? "");
  const labels = template.metadata?.labels ?? {};
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: jobName(cj, scheduledTime),
      namespace: cj.metadata?.namespace,
      ...(Object.keys(labels).length ? { labels: { ...labels } } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ownerReferences: [controllerRef({ ...cj, apiVersion: "batch/v1", kind: "CronJob" })],
    },
    spec: structuredClone(template.spec ?? { template: {} }),
  };
}

/** getJobName: the schedule time in minutes since the epoch names the Job (one per time). */
export const jobName = (cj: CronJob, t: Date): string =>
  `${cj.metadata?.name ?? ""}-${Math.floor(t.getTime() / 60000)}`;

/** getRef: the reference status.active keeps for a Job. */
export function jobRef(job: Job): ObjectReference {
  return {
    kind: "Job",
    namespace: job.metadata?.namespace,
    name: job.metadata?.name,
    uid: job.metadata?.uid,
    apiVersion: "batch/v1",
    resourceVersion: job.metadata?.resourceVersion,
  };
}

/** The status once the planned Job exists (`created` as the API answered it). */
export function started(status: CronJobStatus, created: Job, scheduledTime: Date): CronJobStatus {
  return {
    ...status,
    active: [...(status.active ?? []), jobRef(created)],
    lastScheduleTime: rfc3339(scheduledTime.getTime()),
  };
}

/**
 * One sync of a CronJob over the Jobs of its namespace (those whose controller reference names
 * it are its own, as getJobsToBeReconciled reads them); `minor` is the cluster's Kubernetes minor.
 */
export function planCronJob(cj: CronJob, jobs: readonly Job[], now: Date, minor = 99): CronJobPlan {
  const ns = cj.metadata?.namespace ?? "default";
  const self = { ...cj, apiVersion: "batch/v1", kind: "CronJob" };
  const at = rfc3339(now.getTime());
  const actions: Action[] = [];
  const note = (reason: string, message: string, type: "Normal" | "Warning" = "Normal") =>
    actions.push(eventAction({ involved: self, reason, message, type, component: COMPONENT, at }));
  const status: CronJobStatus = { ...(cj.status ?? {}) };
  const active = () => status.active ?? [];
  const dropActive = (uid: string | undefined) => {
    status.active = active().filter((r) => r.uid !== uid);
  };
  const owned = jobs.filter((j) => {
    const ref = j.metadata?.ownerReferences?.find((r) => r.controller);
    return ref?.name === cj.metadata?.name;
  });

  // cleanupFinishedJobs: the oldest finished Jobs beyond each history limit.
  const prune = (done: Job[], limit: number | undefined) => {
    if (limit === undefined) return;
    const sorted = [...done].sort(byStartTime);
    for (const j of sorted.slice(0, Math.max(0, sorted.length - limit))) {
      const name = j.metadata?.name ?? "";
      actions.push({ op: "delete", resource: "batch/jobs", namespace: ns, name });
      dropActive(j.metadata?.uid);
      note("SuccessfulDelete", `Deleted job ${name}`);
    }
  };
  prune(
    owned.filter((j) => finishedCondition(j) === "Complete"),
    cj.spec?.successfulJobsHistoryLimit,
  );
  prune(
    owned.filter((j) => finishedCondition(j) === "Failed"),
    cj.spec?.failedJobsHistoryLimit,
  );

  // syncCronJob: what the Jobs say about the active list.
  const inActive = (uid: string | undefined) => active().some((r) => r.uid === uid);
  const children = new Set<string>();
  for (const j of owned) {
    const uid = j.metadata?.uid;
    if (uid) children.add(uid);
    const name = j.metadata?.name ?? "";
    const finished = finishedCondition(j);
    if (!inActive(uid) && !finished) {
      note("UnexpectedJob", `Saw a job that the controller did not create or forgot: ${name}`, "Warning");
    } else if (finished) {
      if (inActive(uid)) {
        dropActive(uid);
        note("SawCompletedJob", `Saw completed job: ${name}, condition: ${finished}`);
      }
      const completed = j.status?.completionTime;
      if (finished === "Complete" && completed) {
        const last = status.lastSuccessfulTime;
        if (!last || Date.parse(completed) > Date.parse(last)) status.lastSuccessfulTime = completed;
      }
    }
  }
  for (const r of [...active()]) {
    if (r.uid && children.has(r.uid)) continue;
    note("MissingJob", `Active job went missing: ${r.name ?? ""}`);
    dropActive(r.uid);
  }
  if (status.active?.length === 0) delete status.active;
  const plan = (more: Partial<CronJobPlan> = {}): CronJobPlan => ({ actions, status, ...more });

  if (cj.metadata?.deletionTimestamp) return plan();
  const tz = cj.spec?.timeZone;
  if (tz !== undefined) {
    const err = loadLocationError(tz);
    if (err) {
      note("UnknownTimeZone", `invalid timeZone: ${goQuote(tz)}: ${err}`, "Warning");
      return plan();
    }
  }
  if (cj.spec?.suspend) return plan();
  const spec = cj.spec?.schedule ?? "";
  if (spec.includes("TZ"))
    note(
      "UnsupportedSchedule",
      `CRON_TZ or TZ used in schedule ${goQuote(spec)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
      "Warning",
    );
  let schedule: Schedule;
  try {
    schedule = parseStandard(formatSchedule(cj));
  } catch (e) {
    if (!(e instanceof ScheduleError)) throw e;
    note("UnparseableSchedule", `unparseable schedule: ${goQuote(spec)} : ${e.message}`, "Warning");
    return plan();
  }
  // Once the Job of this schedule time exists, the next look is from it.
  const requeue = (s: CronJobStatus = status) => nextScheduleDelay({ ...cj, status: s }, now, schedule);

  // nextScheduleTime: the most recent unmet time, the deadline taken into account.
  const recent = mostRecentScheduleTime({ ...cj, status }, now, schedule, true);
  if (recent.error) {
    note("InvalidSchedule", `invalid schedule: ${spec} : ${recent.error}`, "Warning");
    return plan();
  }
  const scheduledTime =
    recent.mostRecent && recent.mostRecent.getTime() <= now.getTime() ? recent.mostRecent : undefined;
  if (!scheduledTime) return plan({ requeueAfterMs: requeue() });
  if (recent.missed === "many")
    note(
      "TooManyMissedTimes",
      "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
      "Warning",
    );

  const deadline = cj.spec?.startingDeadlineSeconds;
  if (deadline !== undefined && scheduledTime.getTime() + deadline * 1000 < now.getTime()) {
    note("MissSchedule", `Missed scheduled time to start a job: ${rfc1123z(scheduledTime)}`, "Warning");
    return plan({ requeueAfterMs: requeue() });
  }
  const name = jobName(cj, scheduledTime);
  const last = status.lastScheduleTime;
  if (
    active().some((r) => r.name === name && r.namespace === ns) ||
    (last && Date.parse(last) === scheduledTime.getTime())
  )
    return plan({ requeueAfterMs: requeue() });
  if (cj.spec?.concurrencyPolicy === "Forbid" && active().length > 0) {
    note(
      "JobAlreadyActive",
      "Not starting job because prior execution is running and concurrency policy is Forbid",
    );
    return plan({ requeueAfterMs: requeue() });
  }
  if (cj.spec?.concurrencyPolicy === "Replace")
    for (const r of [...active()]) {
      actions.push({
        op: "delete",
        resource: "batch/jobs",
        namespace: r.namespace ?? ns,
        name: r.name ?? "",
      });
      dropActive(r.uid);
      note("SuccessfulDelete", `Deleted job ${r.name ?? ""}`);
    }
  if (status.active?.length === 0) delete status.active;
  const job = jobFromTemplate(cj, scheduledTime, minor);
  const after: CronJobStatus = { ...status, lastScheduleTime: rfc3339(scheduledTime.getTime()) };
  return plan({ start: { job, scheduledTime }, requeueAfterMs: requeue(after) });
}

/** Go's time.RFC1123Z in UTC: `Mon, 02 Jan 2006 15:04:05 +0000`. */
function rfc1123z(t: Date): string {
  return t.toUTCString().replace(/GMT$/, "+0000");
}
