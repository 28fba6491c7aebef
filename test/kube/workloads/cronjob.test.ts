// The CronJob controller's pure step and the schedule grammar, with an explicit `now` (no test
// waits for a minute to turn): robfig/cron's wording, the schedule walk (names, the day rule,
// time zones, @every), and cronjob controller v2's decisions — which Job, when, what happens
// to the ones before it, and the events it says so with.
import type { CronJob, Job } from "kubernetes-types/batch/v1.js";
import type { Event } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import {
  type Action,
  type CronJobPlan,
  parseGoDuration,
  parseStandard,
  planCronJob,
  rfc3339In,
  SCHEDULED_TIMESTAMP,
  started,
} from "../../../src/kube/workloads/index.js";

const at = (s: string) => new Date(s);
const iso = (d: Date | undefined) => d?.toISOString();

function cronJob(spec: Partial<NonNullable<CronJob["spec"]>>, status: CronJob["status"] = {}): CronJob {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: {
      name: "tick",
      namespace: "ns",
      uid: "cj-uid",
      resourceVersion: "7",
      creationTimestamp: "2026-01-12T10:00:30Z",
    },
    spec: {
      schedule: "*/5 * * * *",
      concurrencyPolicy: "Allow",
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: {
        metadata: { labels: { team: "a" }, annotations: { note: "x" } },
        spec: {
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
        },
      },
      ...spec,
    },
    status,
  };
}

/** A Job the CronJob controls, finished or not. */
function job(name: string, o: { finished?: "Complete" | "Failed"; start?: string; done?: string } = {}): Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: "ns",
      uid: `uid-${name}`,
      ownerReferences: [
        { apiVersion: "batch/v1", kind: "CronJob", name: "tick", uid: "cj-uid", controller: true },
      ],
    },
    status: {
      ...(o.start ? { startTime: o.start } : {}),
      ...(o.done ? { completionTime: o.done } : {}),
      ...(o.finished ? { conditions: [{ type: o.finished, status: "True" }] } : {}),
    },
  };
}

const ref = (name: string) => ({
  kind: "Job",
  namespace: "ns",
  name,
  uid: `uid-${name}`,
  apiVersion: "batch/v1",
});
const events = (p: CronJobPlan) =>
  p.actions
    .filter((a): a is Extract<Action, { op: "create" }> => a.op === "create" && a.resource === "core/events")
    .map((a) => {
      const e = a.object as Event;
      return `${e.type} ${e.reason} ${e.message}`;
    });
const deletes = (p: CronJobPlan) => p.actions.flatMap((a) => (a.op === "delete" ? [a.name] : []));
const minutes = (s: string) => Math.floor(Date.parse(s) / 60000);

describe("schedule grammar (robfig/cron v3 ParseStandard)", () => {
  it.each([
    ["", "empty spec string"],
    ["foo", "expected exactly 5 fields, found 1: [foo]"],
    ["* * * *", "expected exactly 5 fields, found 4: [* * * *]"],
    ["* * * * * *", "expected exactly 5 fields, found 6: [* * * * * *]"],
    ["61 * * * *", "end of range (61) above maximum (59): 61"],
    ["* * 0 * *", "beginning of range (0) below minimum (1): 0"],
    ["5-3 * * * *", "beginning of range (5) beyond end of range (3): 5-3"],
    ["*/0 * * * *", "step of range should be a positive number: */0"],
    ["*/-2 * * * *", "negative number (-2) not allowed: -2"],
    ["1-2-3 * * * *", "too many hyphens: 1-2-3"],
    ["*/2/3 * * * *", "too many slashes: */2/3"],
    ["a * * * *", 'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax'],
    ["* * * * 7", "end of range (7) above maximum (6): 7"],
    ["* * * * L", 'failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax'],
    ["@fortnightly", "unrecognized descriptor: @fortnightly"],
    ["@every x", 'failed to parse duration @every x: time: invalid duration "x"'],
    ["@every 5", 'failed to parse duration @every 5: time: missing unit in duration "5"'],
    ["@every 5d", 'failed to parse duration @every 5d: time: unknown unit "d" in duration "5d"'],
    ["TZ=Mars/Olympus * * * * *", "provided bad location Mars/Olympus: unknown time zone Mars/Olympus"],
  ])("%j → %s", (spec, message) => {
    expect(() => parseStandard(spec)).toThrow(message);
  });

  it("Go durations", () => {
    expect(parseGoDuration("1h30m")).toBe(5400e9);
    expect(parseGoDuration("1.5s")).toBe(1.5e9);
    expect(parseGoDuration("-2m")).toBe(-120e9);
    expect(parseGoDuration("0")).toBe(0);
  });

  it("the next activation: strictly after, names, descriptors, @every", () => {
    const from = at("2026-01-12T10:02:00Z"); // a Monday
    expect(iso(parseStandard("*/5 * * * *").next(from))).toBe("2026-01-12T10:05:00.000Z");
    expect(iso(parseStandard("*/5 * * * *").next(at("2026-01-12T10:05:00Z")))).toBe(
      "2026-01-12T10:10:00.000Z",
    );
    expect(iso(parseStandard("0 9 * jan-FEB sat").next(from))).toBe("2026-01-17T09:00:00.000Z");
    expect(iso(parseStandard("@hourly").next(from))).toBe("2026-01-12T11:00:00.000Z");
    expect(iso(parseStandard("@weekly").next(from))).toBe("2026-01-18T00:00:00.000Z");
    expect(iso(parseStandard("@every 90s").next(at("2026-01-12T10:02:00.700Z")))).toBe(
      "2026-01-12T10:03:30.000Z",
    );
  });

  it("day of month and day of week: either when both are restricted, both when one is `*`", () => {
    const from = at("2026-01-01T00:00:00Z"); // a Thursday
    // The 13th or a Friday: Friday the 2nd comes first, then the 9th, then Tuesday the 13th.
    const either = parseStandard("0 0 13 * 5");
    const seq = [either.next(from)];
    for (let i = 0; i < 2; i++) seq.push(either.next(seq[seq.length - 1] as Date));
    expect(seq.map(iso)).toEqual([
      "2026-01-02T00:00:00.000Z",
      "2026-01-09T00:00:00.000Z",
      "2026-01-13T00:00:00.000Z",
    ]);
    // `*/2` is no `*` to robfig: odd days or Fridays.
    expect(iso(parseStandard("0 0 */2 * 5").next(at("2026-01-03T12:00:00Z")))).toBe(
      "2026-01-05T00:00:00.000Z",
    );
    // `?` is: only Fridays.
    expect(iso(parseStandard("0 0 ? * 5").next(from))).toBe("2026-01-02T00:00:00.000Z");
    // A date no month has never comes.
    expect(parseStandard("0 0 30 2 *").next(from)).toBeUndefined();
  });

  it("a time zone moves the wall clock, and the offset is written as Go's RFC 3339", () => {
    const ny = parseStandard("TZ=America/New_York 0 9 * * *");
    expect(iso(ny.next(at("2026-01-12T10:00:00Z")))).toBe("2026-01-12T14:00:00.000Z");
    expect(iso(ny.next(at("2026-07-12T10:00:00Z")))).toBe("2026-07-12T13:00:00.000Z");
    expect(rfc3339In(at("2026-01-12T14:00:00Z"), "America/New_York")).toBe("2026-01-12T09:00:00-05:00");
    expect(rfc3339In(at("2026-01-12T14:00:00Z"), "Asia/Kolkata")).toBe("2026-01-12T19:30:00+05:30");
    expect(rfc3339In(at("2026-01-12T14:00:00Z"), "")).toBe("2026-01-12T14:00:00Z");
    expect(rfc3339In(at("2026-01-12T14:00:00Z"), "Europe/London")).toBe("2026-01-12T14:00:00Z");
  });
});

describe("planCronJob (cronjob controller v2)", () => {
  it("a schedule time that has come: the Job named by its minute, from the template, owned by the CronJob", () => {
    const now = at("2026-01-12T10:05:00.250Z");
    const p = planCronJob(cronJob({}), [], now);
    expect(p.start?.scheduledTime.toISOString()).toBe("2026-01-12T10:05:00.000Z");
    const j = p.start?.job as Job;
    expect(j.metadata?.name).toBe(`tick-${minutes("2026-01-12T10:05:00Z")}`);
    expect(j.metadata?.labels).toEqual({ team: "a" });
    expect(j.metadata?.annotations).toEqual({ note: "x", [SCHEDULED_TIMESTAMP]: "2026-01-12T10:05:00Z" });
    expect(j.metadata?.ownerReferences).toEqual([
      {
        apiVersion: "batch/v1",
        kind: "CronJob",
        name: "tick",
        uid: "cj-uid",
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(j.spec?.template.spec?.containers[0].image).toBe("busybox");
    // The next look: the next schedule time, 100 ms late.
    expect(p.requeueAfterMs).toBe(Date.parse("2026-01-12T10:10:00.100Z") - now.getTime());
    expect(events(p)).toEqual([]);
    // Once created, the status names it.
    const s = started(
      p.status,
      { ...j, metadata: { ...j.metadata, uid: "u1", resourceVersion: "9" } },
      p.start!.scheduledTime,
    );
    expect(s).toEqual({
      active: [
        {
          kind: "Job",
          namespace: "ns",
          name: j.metadata?.name,
          uid: "u1",
          apiVersion: "batch/v1",
          resourceVersion: "9",
        },
      ],
      lastScheduleTime: "2026-01-12T10:05:00Z",
    });
  });

  it("before 1.28 the Job carries no scheduled-timestamp annotation; a time zone writes the local offset", () => {
    const now = at("2026-01-12T14:00:10Z");
    expect(planCronJob(cronJob({}), [], now, 27).start?.job.metadata?.annotations).toEqual({ note: "x" });
    const ny = planCronJob(
      cronJob(
        { schedule: "0 9 * * *", timeZone: "America/New_York" },
        { lastScheduleTime: "2026-01-11T14:00:00Z" },
      ),
      [],
      now,
    );
    expect(ny.start?.job.metadata?.annotations?.[SCHEDULED_TIMESTAMP]).toBe("2026-01-12T09:00:00-05:00");
  });

  it("nothing due: no Job, a look again at the next time; the time already handled is not run twice", () => {
    const p = planCronJob(cronJob({}), [], at("2026-01-12T10:03:00Z"));
    expect(p.start).toBeUndefined();
    expect(p.requeueAfterMs).toBe(2 * 60_000 + 100);
    const done = planCronJob(
      cronJob({}, { lastScheduleTime: "2026-01-12T10:05:00Z" }),
      [],
      at("2026-01-12T10:06:00Z"),
    );
    expect(done.start).toBeUndefined();
    expect(done.requeueAfterMs).toBe(4 * 60_000 + 100);
  });

  it("suspended: nothing, and nothing to wait for", () => {
    const p = planCronJob(cronJob({ suspend: true }), [], at("2026-01-12T10:05:01Z"));
    expect([p.start, p.requeueAfterMs, p.actions]).toEqual([undefined, undefined, []]);
  });

  it("concurrencyPolicy: Allow runs beside, Forbid waits, Replace deletes the running one", () => {
    const now = at("2026-01-12T10:10:01Z");
    const status = { active: [ref("tick-1")], lastScheduleTime: "2026-01-12T10:05:00Z" };
    const running = [job("tick-1")];
    const allow = planCronJob(cronJob({}, status), running, now);
    expect(allow.start).toBeDefined();
    expect(allow.status.active).toEqual([ref("tick-1")]);
    const forbid = planCronJob(cronJob({ concurrencyPolicy: "Forbid" }, status), running, now);
    expect(forbid.start).toBeUndefined();
    expect(events(forbid)).toEqual([
      "Normal JobAlreadyActive Not starting job because prior execution is running and concurrency policy is Forbid",
    ]);
    const replace = planCronJob(cronJob({ concurrencyPolicy: "Replace" }, status), running, now);
    expect(deletes(replace)).toEqual(["tick-1"]);
    expect(events(replace)).toEqual(["Normal SuccessfulDelete Deleted job tick-1"]);
    expect(replace.status.active).toBeUndefined();
    expect(replace.start).toBeDefined();
  });

  it("a finished Job leaves the active list (SawCompletedJob) and sets lastSuccessfulTime; a vanished one is MissingJob", () => {
    const status = { active: [ref("tick-1"), ref("tick-2")], lastScheduleTime: "2026-01-12T10:05:00Z" };
    const p = planCronJob(
      cronJob({}, status),
      [job("tick-1", { finished: "Complete", start: "2026-01-12T10:00:01Z", done: "2026-01-12T10:00:09Z" })],
      at("2026-01-12T10:06:00Z"),
    );
    expect(events(p)).toEqual([
      "Normal SawCompletedJob Saw completed job: tick-1, condition: Complete",
      "Normal MissingJob Active job went missing: tick-2",
    ]);
    expect(p.status).toEqual({
      lastScheduleTime: "2026-01-12T10:05:00Z",
      lastSuccessfulTime: "2026-01-12T10:00:09Z",
    });
  });

  it("a running Job it did not start (kubectl create job --from) is UnexpectedJob, each sync", () => {
    const p = planCronJob(
      cronJob({}, { lastScheduleTime: "2026-01-12T10:05:00Z" }),
      [job("manual")],
      at("2026-01-12T10:06:00Z"),
    );
    expect(events(p)).toEqual([
      "Warning UnexpectedJob Saw a job that the controller did not create or forgot: manual",
    ]);
  });

  it("history limits: the oldest finished Jobs beyond them are deleted, unstarted ones count as newest", () => {
    const jobs = [
      job("ok-3", { finished: "Complete", start: "2026-01-12T09:03:00Z" }),
      job("ok-1", { finished: "Complete", start: "2026-01-12T09:01:00Z" }),
      job("ok-x", { finished: "Complete" }),
      job("ok-2", { finished: "Complete", start: "2026-01-12T09:02:00Z" }),
      job("bad-1", { finished: "Failed", start: "2026-01-12T09:01:00Z" }),
      job("bad-2", { finished: "Failed", start: "2026-01-12T09:02:00Z" }),
      job("run", { start: "2026-01-12T09:04:00Z" }),
    ];
    const p = planCronJob(
      cronJob(
        { successfulJobsHistoryLimit: 2 },
        { active: [ref("run")], lastScheduleTime: "2026-01-12T10:05:00Z" },
      ),
      jobs,
      at("2026-01-12T10:06:00Z"),
    );
    expect(deletes(p)).toEqual(["ok-1", "ok-2", "bad-1"]);
    expect(events(p)).toEqual([
      "Normal SuccessfulDelete Deleted job ok-1",
      "Normal SuccessfulDelete Deleted job ok-2",
      "Normal SuccessfulDelete Deleted job bad-1",
    ]);
    // Each delete is followed by its event (recorded only when the delete succeeded).
    expect(p.actions.map((a) => a.op)).toEqual(["delete", "create", "delete", "create", "delete", "create"]);
  });

  it("more than 100 missed times: TooManyMissedTimes, and only the most recent one runs", () => {
    const cj = cronJob({ schedule: "* * * * *" });
    const now = at("2026-01-12T13:00:30Z"); // three hours after creation
    const p = planCronJob(cj, [], now);
    expect(events(p)).toEqual([
      "Warning TooManyMissedTimes too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
    ]);
    expect(p.start?.scheduledTime.toISOString()).toBe("2026-01-12T13:00:00.000Z");
    // A starting deadline looks back no further than it: a few missed, no warning.
    const late = planCronJob(cronJob({ schedule: "* * * * *", startingDeadlineSeconds: 200 }), [], now);
    expect(events(late)).toEqual([]);
    expect(late.start?.scheduledTime.toISOString()).toBe("2026-01-12T13:00:00.000Z");
    // An hourly schedule whose time passed longer ago than the deadline is not run.
    const missed = planCronJob(
      cronJob({ schedule: "0 * * * *", startingDeadlineSeconds: 10 }),
      [],
      at("2026-01-12T13:00:30Z"),
    );
    expect(missed.start).toBeUndefined();
    expect(missed.requeueAfterMs).toBe(
      Date.parse("2026-01-12T14:00:00.100Z") - Date.parse("2026-01-12T13:00:30Z"),
    );
  });

  it("a broken schedule or time zone is an event, not a retry", () => {
    const bad = planCronJob(cronJob({ schedule: "0 0 30 2 *" }), [], at("2026-01-12T10:06:00Z"));
    expect(events(bad)).toEqual([
      "Warning InvalidSchedule invalid schedule: 0 0 30 2 * : time difference between two schedules is less than 1 second",
    ]);
    expect(bad.requeueAfterMs).toBeUndefined();
    const tz = planCronJob(cronJob({ timeZone: "Mars/Olympus" }), [], at("2026-01-12T10:06:00Z"));
    expect(events(tz)).toEqual([
      'Warning UnknownTimeZone invalid timeZone: "Mars/Olympus": unknown time zone Mars/Olympus',
    ]);
    const unparsed = planCronJob(cronJob({ schedule: "nope" }), [], at("2026-01-12T10:06:00Z"));
    expect(events(unparsed)).toEqual([
      'Warning UnparseableSchedule unparseable schedule: "nope" : expected exactly 5 fields, found 1: [nope]',
    ]);
  });

  it("a CronJob being deleted only tidies its status", () => {
    const cj = cronJob({}, { active: [ref("gone")] });
    cj.metadata = { ...cj.metadata, deletionTimestamp: "2026-01-12T10:05:30Z" };
    const p = planCronJob(cj, [], at("2026-01-12T10:06:00Z"));
    expect(p.start).toBeUndefined();
    expect(p.status).toEqual({});
  });
});
