// The CronJob controller with the machine's real kubectl. No test waits for a minute to turn:
// the schedule is hourly at a minute that has just passed, and the status subresource is told
// the last run was hours ago — the controller then owes exactly one run (the most recent time),
// and the next one is most of an hour away. Forbid/Replace, suspend and the deadline rules are
// pinned with an explicit clock in test/kube/workloads/cronjob.test.ts.
import type { Job } from "kubernetes-types/batch/v1.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  type KubeCluster,
  kube,
  kubectl,
  kubectlOk,
  type Obj,
  rows,
  startKubeEmulator,
} from "../kube/kube-helpers.js";
import { makeCluster, until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
let c: KubeCluster;

beforeAll(async () => {
  emu = await startKubeEmulator();
  c = await makeCluster(emu, "cron", { count: 1, version: "1.33" });
});
afterAll(async () => {
  await emu?.close();
});

const CJS = "/apis/batch/v1/namespaces/default/cronjobs";
const cronJob = (name: string, spec: Obj) => ({
  apiVersion: "batch/v1",
  kind: "CronJob",
  metadata: { name },
  spec: {
    jobTemplate: {
      spec: {
        template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox:1.36" }] } },
      },
    },
    ...spec,
  },
});

async function reasons(name: string): Promise<string[]> {
  const out = await kubectlOk(c, [
    "get",
    "events",
    "--field-selector",
    `involvedObject.kind=CronJob,involvedObject.name=${name}`,
    "-o",
    "jsonpath={range .items[*]}{.reason}{'\\n'}{end}",
  ]);
  return out.split("\n").filter(Boolean);
}

const jobsOf = async (owner: string): Promise<Job[]> =>
  (JSON.parse(await kubectlOk(c, ["get", "jobs", "-o", "json"])).items as Job[]).filter((j) =>
    j.metadata?.ownerReferences?.some((r) => r.kind === "CronJob" && r.name === owner),
  );

describe("CronJob validation, in kube-apiserver's words", () => {
  it("a schedule robfig/cron cannot read, an unknown time zone, a TZ prefix, a long name", async () => {
    const r = await kubectl(
      c,
      ["apply", "-f", "-"],
      JSON.stringify(cronJob("bad", { schedule: "61 * * * *" })),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'The CronJob "bad" is invalid: spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61',
    );
    const tz = await kube(c, "POST", CJS, cronJob("tz", { schedule: "@daily", timeZone: "Mars/Olympus" }));
    expect(tz.status).toBe(422);
    expect(tz.body).toMatchObject({
      kind: "Status",
      status: "Failure",
      reason: "Invalid",
      code: 422,
      message:
        'CronJob.batch "tz" is invalid: spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus',
      details: {
        name: "tz",
        group: "batch",
        kind: "CronJob",
        causes: [
          {
            reason: "FieldValueInvalid",
            field: "spec.timeZone",
            message: 'Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus',
          },
        ],
      },
    });
    const both = await kube(
      c,
      "POST",
      CJS,
      cronJob("x".repeat(53), { schedule: "TZ=UTC 0 * * * *", concurrencyPolicy: "Sometimes" }),
    );
    expect(both.status).toBe(422);
    expect((both.body as Obj).details.causes.map((x: Obj) => `${x.field}: ${x.message}`)).toEqual([
      'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
      `metadata.name: Invalid value: "${"x".repeat(53)}": must be no more than 52 characters`,
    ]);
    expect((await kube(c, "GET", `${CJS}/bad`)).status).toBe(404);
  });
});

describe("a CronJob runs its Jobs", () => {
  it("the owed run: a Job named by its minute, events, status, history, and kubectl's columns", async () => {
    const now = new Date();
    // Hourly, two minutes ago: the last time has passed, the next is ~58 minutes off.
    const minute = (now.getUTCMinutes() + 58) % 60;
    const spec = {
      schedule: `${minute} * * * *`,
      successfulJobsHistoryLimit: 1,
      jobTemplate: {
        metadata: { labels: { team: "batch" }, annotations: { "example.com/why": "nightly" } },
        spec: {
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox:1.36" }] } },
        },
      },
    };
    expect(await kubectlOk(c, ["apply", "-f", "-"], JSON.stringify(cronJob("tick", spec)))).toBe(
      "cronjob.batch/tick created\n",
    );
    // Created just now: nothing is owed yet.
    await new Promise((r) => setTimeout(r, 500));
    expect(await jobsOf("tick")).toEqual([]);
    // The last run was 200 hours ago (the status subresource is the user's too): more than 100
    // schedule times were missed — one warning, and only the most recent runs.
    const longAgo = new Date(now.getTime() - 200 * 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    await kubectlOk(c, [
      "patch",
      "cronjob",
      "tick",
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify({ status: { lastScheduleTime: longAgo } }),
    ]);
    const [job] = await until(async () => {
      const js = await jobsOf("tick");
      return js.length ? js : undefined;
    });
    const scheduled = new Date(now);
    scheduled.setUTCSeconds(0, 0);
    while (scheduled.getUTCMinutes() !== minute) scheduled.setTime(scheduled.getTime() - 60_000);
    const cj = JSON.parse(await kubectlOk(c, ["get", "cronjob", "tick", "-o", "json"]));
    expect(job.metadata?.name).toBe(`tick-${Math.floor(scheduled.getTime() / 60_000)}`);
    expect(job.metadata?.labels).toMatchObject({ team: "batch" });
    expect(job.metadata?.annotations).toEqual({
      "example.com/why": "nightly",
      "batch.kubernetes.io/cronjob-scheduled-timestamp": scheduled.toISOString().replace(/\.\d{3}Z$/, "Z"),
    });
    expect(job.metadata?.ownerReferences).toEqual([
      {
        apiVersion: "batch/v1",
        kind: "CronJob",
        name: "tick",
        uid: cj.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    // The Job runs to completion; the CronJob sees it finish.
    const done = await until(async () => {
      const x = JSON.parse(await kubectlOk(c, ["get", "cronjob", "tick", "-o", "json"]));
      return x.status?.lastSuccessfulTime ? x : undefined;
    });
    expect(done.status.lastScheduleTime).toBe(scheduled.toISOString().replace(/\.\d{3}Z$/, "Z"));
    expect(done.status.active).toBeUndefined();
    expect(await reasons("tick")).toEqual(["TooManyMissedTimes", "SuccessfulCreate", "SawCompletedJob"]);
    const described = await kubectlOk(c, ["describe", "cronjob", "tick"]);
    expect(described).toMatch(
      new RegExp(`SuccessfulCreate\\s+\\S+\\s+cronjob-controller\\s+Created job ${job.metadata?.name}`),
    );
    // printCronJob's row: schedule, no time zone, not suspended, none active, the last run's age.
    const [head, row] = rows(await kubectlOk(c, ["get", "cronjob", "tick"]));
    expect(head).toEqual(["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"]);
    expect(row.slice(0, 5)).toEqual(["tick", `${minute} * * * *`, "<none>", "False", "0"]);
    expect(row[5]).toMatch(/^\d+m(\d+s)?$/);

    // A Job made by hand from the CronJob (a second later, so it is the newer one): the controller
    // did not start it (UnexpectedJob) and, once it has finished too, the history limit of one
    // successful Job removes the older, scheduled one.
    await new Promise((r) => setTimeout(r, 1100));
    await kubectlOk(c, ["create", "job", "manual", "--from=cronjob/tick"]);
    const left = await until(async () => {
      const js = await jobsOf("tick");
      return js.length === 1 && js[0].metadata?.name === "manual" ? js : undefined;
    });
    expect(left[0].status?.succeeded).toBe(1);
    const seen = await reasons("tick");
    expect(seen).toContain("UnexpectedJob");
    expect(seen.at(-1)).toBe("SuccessfulDelete");
    const ev = JSON.parse(
      await kubectlOk(c, [
        "get",
        "events",
        "--field-selector",
        "reason=SuccessfulDelete,involvedObject.name=tick",
        "-o",
        "json",
      ]),
    ).items[0];
    expect([ev.type, ev.message, ev.source.component]).toEqual([
      "Normal",
      `Deleted job ${job.metadata?.name}`,
      "cronjob-controller",
    ]);
  });

  it("suspended, the owed run waits; resumed, it starts", async () => {
    const now = new Date();
    const minute = (now.getUTCMinutes() + 58) % 60;
    await kubectlOk(
      c,
      ["apply", "-f", "-"],
      JSON.stringify(cronJob("later", { schedule: `${minute} * * * *`, suspend: true })),
    );
    const ago = new Date(now.getTime() - 3 * 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    await kubectlOk(c, [
      "patch",
      "cronjob",
      "later",
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify({ status: { lastScheduleTime: ago } }),
    ]);
    await new Promise((r) => setTimeout(r, 700));
    expect(await jobsOf("later")).toEqual([]);
    expect(rows(await kubectlOk(c, ["get", "cronjob", "later", "--no-headers"]))[0][3]).toBe("True");
    await kubectlOk(c, ["patch", "cronjob", "later", "--type=merge", "-p", '{"spec":{"suspend":false}}']);
    const js = await until(async () => {
      const x = await jobsOf("later");
      return x.length ? x : undefined;
    });
    expect(js).toHaveLength(1);
    // Three hourly times were missed: a few, no warning.
    const seen = await reasons("later");
    expect(seen[0]).toBe("SuccessfulCreate");
    expect(seen).not.toContain("TooManyMissedTimes");
  });
});
