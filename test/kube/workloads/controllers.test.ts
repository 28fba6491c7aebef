import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from "kubernetes-types/apps/v1.js";
import type { Job } from "kubernetes-types/batch/v1.js";
import type { Event, Pod, PodTemplateSpec } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import {
  type Action,
  BURST_REPLICAS,
  deletionOrder,
  fenceposts,
  HASH_LABEL,
  jobDeadlineLeftMs,
  kubeDnsService,
  podTemplateHash,
  REVISION,
  REVISION_HISTORY,
  reconcileDaemonSet,
  reconcileDeployment,
  reconcileJob,
  reconcileReplicaSet,
  reconcileStatefulSet,
  seededRng,
  systemWorkloads,
} from "../../../src/kube/workloads/index.js";
import { Cluster, echoserverDeployment } from "./harness.js";

function web(
  replicas: number,
  image = "nginx:1.25",
  strategy?: NonNullable<Deployment["spec"]>["strategy"],
): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", uid: "d-uid", generation: 1 },
    spec: {
      replicas,
      progressDeadlineSeconds: 600, // as the API defaults it
      selector: { matchLabels: { app: "web" } },
      ...(strategy ? { strategy } : {}),
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image }] } },
    },
  };
}

const T = "2026-01-01T00:00:00Z";

const ops = (actions: Action[]) =>
  actions.map((a) =>
    a.op === "delete"
      ? `delete ${a.resource} ${a.name}`
      : a.resource === "core/events"
        ? `event ${(a.object as Event).reason}: ${(a.object as Event).message}`
        : `${a.op} ${a.resource} ${a.object.metadata?.name}`,
  );

describe("Deployment", () => {
  it("a minReadySeconds change without a template change reaches the current ReplicaSet (getNewReplicaSet)", () => {
    const d = { ...web(2), spec: { ...web(2).spec!, minReadySeconds: 30 } };
    const rs = (reconcileDeployment(d, [], T)[0] as { object: ReplicaSet }).object;
    const current = { ...rs, metadata: { ...rs.metadata, uid: "rs-uid" } };
    expect(current.spec?.minReadySeconds).toBe(30);
    const shorter = { ...d, spec: { ...d.spec, minReadySeconds: 5 } };
    const updated = reconcileDeployment(shorter, [current], T).find(
      (a) => a.op === "update" && a.resource === "apps/replicasets",
    );
    expect((updated as { object: ReplicaSet } | undefined)?.object.spec?.minReadySeconds).toBe(5);
    // Back to none: the field goes (omitempty), the ReplicaSet stays the same one.
    const none = { ...d, spec: { ...d.spec, minReadySeconds: undefined } };
    const cleared = reconcileDeployment(none, [current], T).find(
      (a) => a.op === "update" && a.resource === "apps/replicasets",
    ) as { object: ReplicaSet } | undefined;
    expect(cleared?.object.metadata?.name).toBe(current.metadata?.name);
    expect(cleared?.object.spec).not.toHaveProperty("minReadySeconds");
    // Unchanged: no write.
    expect(reconcileDeployment(d, [current], T).some((a) => a.resource === "apps/replicasets")).toBe(false);
  });

  it("creates its ReplicaSet named <deployment>-<pod-template-hash> with revision 1", () => {
    const d = web(3);
    const actions = reconcileDeployment(d, [], "2026-01-01T00:00:00Z");
    const hash = podTemplateHash(d.spec?.template);
    expect(ops(actions)).toEqual([
      `create apps/replicasets web-${hash}`,
      `event ScalingReplicaSet: Scaled up replica set web-${hash} from 0 to 3`,
      "update apps/deployments web",
      "updateStatus apps/deployments web",
    ]);
    const rs = (actions[0] as { object: ReplicaSet }).object;
    expect(rs.spec?.replicas).toBe(3);
    expect(rs.spec?.selector.matchLabels).toEqual({ app: "web", [HASH_LABEL]: hash });
    expect(rs.spec?.template?.metadata?.labels).toEqual({ app: "web", [HASH_LABEL]: hash });
    expect(rs.metadata?.annotations).toEqual({
      "deployment.kubernetes.io/desired-replicas": "3",
      "deployment.kubernetes.io/max-replicas": "4",
      [REVISION]: "1",
    });
    expect(rs.metadata?.ownerReferences).toEqual([
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: "web",
        uid: "d-uid",
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    const status = (actions[3] as { object: Deployment }).object.status;
    expect(status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([
      ["Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."],
      ["Progressing", "True", "NewReplicaSetCreated", `Created new replica set "web-${hash}"`],
    ]);
  });

  it("fenceposts: percentages round surge up and unavailable down; never both zero", () => {
    expect(fenceposts(web(10))).toEqual({ surge: 3, unavailable: 2 });
    expect(fenceposts(web(1))).toEqual({ surge: 1, unavailable: 0 });
    expect(
      fenceposts(web(3, "x", { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } })),
    ).toEqual({ surge: 0, unavailable: 1 });
    expect(
      fenceposts(
        web(4, "x", { type: "RollingUpdate", rollingUpdate: { maxSurge: "50%", maxUnavailable: 1 } }),
      ),
    ).toEqual({ surge: 2, unavailable: 1 });
  });

  it("rolls 4 replicas within maxSurge 1 / maxUnavailable 0: never more than 5 pods, never fewer than 4 available", () => {
    const c = new Cluster("kubenet", [{ name: "np", count: 3, maxPods: 110 }]);
    const strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    c.create("apps/deployments", web(4, "nginx:1.25", strategy));
    c.settle();
    const key = "default/web";
    const d = c.deployments.get(key) as Deployment;
    c.deployments.set(key, {
      ...d,
      spec: {
        ...d.spec!,
        template: { ...d.spec!.template, spec: { containers: [{ name: "web", image: "nginx:1.26" }] } },
      },
    });
    for (let i = 0; i < 100; i++) {
      const live = c.livePods();
      expect(live.length).toBeLessThanOrEqual(5);
      expect(live.filter((p) => p.status?.phase === "Running").length).toBeGreaterThanOrEqual(4);
      if (!c.step()) break;
    }
    const pods = c.livePods();
    expect(pods).toHaveLength(4);
    expect(pods.every((p) => p.spec?.containers[0].image === "nginx:1.26")).toBe(true);
    const rss = [...c.replicaSets.values()].sort(
      (a, b) => Number(a.metadata?.annotations?.[REVISION]) - Number(b.metadata?.annotations?.[REVISION]),
    );
    expect(rss.map((r) => [r.metadata?.annotations?.[REVISION], r.spec?.replicas])).toEqual([
      ["1", 0],
      ["2", 4],
    ]);
    expect(c.deployments.get(key)?.metadata?.annotations?.[REVISION]).toBe("2");
    expect(c.deployments.get(key)?.status).toMatchObject({
      replicas: 4,
      updatedReplicas: 4,
      availableReplicas: 4,
    });
  });

  it("scales the old ReplicaSet down only as far as the new one's available pods allow", () => {
    const strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    const d = web(4, "nginx:1.26", strategy);
    const oldT = web(4, "nginx:1.25").spec?.template;
    const owner = [
      { apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "d-uid", controller: true },
    ];
    const rs = (
      name: string,
      tpl: typeof oldT,
      replicas: number,
      avail: number,
      rev: string,
    ): ReplicaSet => ({
      metadata: {
        name,
        namespace: "default",
        ownerReferences: owner,
        labels: { app: "web" }, // the template's, as the controller labels its ReplicaSets
        annotations: { [REVISION]: rev },
        creationTimestamp: `2026-01-0${rev}T00:00:00Z`,
      },
      spec: { replicas, selector: {}, template: tpl },
      status: { replicas, availableReplicas: avail },
    });
    const step = (newAvail: number, oldReplicas = 4) =>
      reconcileDeployment(
        d,
        [
          rs("web-old", oldT, oldReplicas, oldReplicas, "1"),
          rs("web-new", d.spec?.template, 1, newAvail, "2"),
        ],
        "2026-01-03T00:00:00Z",
      )
        .filter((a) => a.resource === "apps/replicasets")
        .map((a) =>
          a.op === "update" ? `${a.object.metadata?.name}=${(a.object as ReplicaSet).spec?.replicas}` : a.op,
        );
    expect(step(0)).toEqual([]);
    expect(step(1)).toEqual(["web-old=3"]);
    // With 3 old + 1 new, the surge room goes to the new ReplicaSet first.
    expect(step(1, 3)).toEqual(["web-new=2"]);
  });

  it("a Recreate Deployment is Available only with every replica available (MaxUnavailable is 0 for Recreate)", () => {
    const availability = (type: "Recreate" | "RollingUpdate") => {
      const d = web(4, "nginx:1.25", { type });
      const created = (reconcileDeployment(d, [], T)[0] as { object: ReplicaSet }).object;
      const rs: ReplicaSet = {
        ...created,
        metadata: { ...created.metadata, uid: "rs-uid", creationTimestamp: T },
        status: { replicas: 4, readyReplicas: 3, availableReplicas: 3 },
      };
      const status = reconcileDeployment(d, [rs], T).find((a) => a.op === "updateStatus") as
        | { object: Deployment }
        | undefined;
      return status?.object.status?.conditions?.find((c) => c.type === "Available")?.reason;
    };
    expect(availability("Recreate")).toBe("MinimumReplicasUnavailable");
    // The default 25% lets a rolling Deployment of 4 be Available with 3.
    expect(availability("RollingUpdate")).toBe("MinimumReplicasAvailable");
  });

  it("counts unavailable replicas against the ReplicaSets' wanted total, surge included (calculateStatus)", () => {
    const strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    const d = web(4, "nginx:1.26", strategy);
    const owner = [
      { apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "d-uid", controller: true },
    ];
    const rs = (name: string, image: string, replicas: number, avail: number, rev: string): ReplicaSet => ({
      metadata: {
        name,
        namespace: "default",
        ownerReferences: owner,
        labels: { app: "web" },
        annotations: { [REVISION]: rev },
        creationTimestamp: `2026-01-0${rev}T00:00:00Z`,
      },
      spec: { replicas, selector: {}, template: web(4, image).spec?.template },
      status: { replicas, availableReplicas: avail },
    });
    // Mid-rollout: 4 old (all available) + 1 surged new one not yet available: 5 wanted, 4 there.
    const actions = reconcileDeployment(
      d,
      [rs("web-old", "nginx:1.25", 4, 4, "1"), rs("web-new", "nginx:1.26", 1, 0, "2")],
      "2026-01-03T00:00:00Z",
    );
    const status = actions.find((a) => a.op === "updateStatus");
    expect((status as { object: Deployment }).object.status).toMatchObject({
      replicas: 5,
      availableReplicas: 4,
      unavailableReplicas: 1,
    });
  });

  it("scales with history present: straight to the replicas when only the new ReplicaSet is active", () => {
    const oldT = web(1, "nginx:1.25").spec?.template;
    const d = web(0, "nginx:1.26");
    const owner = [
      { apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "d-uid", controller: true },
    ];
    const rs = (name: string, tpl: typeof oldT, replicas: number, rev: string): ReplicaSet => ({
      metadata: {
        name,
        namespace: "default",
        ownerReferences: owner,
        labels: { app: "web" },
        annotations: { [REVISION]: rev },
      },
      spec: { replicas, selector: {}, template: tpl },
      status: { replicas, availableReplicas: replicas },
    });
    const acts = reconcileDeployment(
      d,
      [rs("web-old", oldT, 0, "1"), rs("web-new", d.spec?.template, 1, "2")],
      T,
    );
    expect(ops(acts).slice(0, 2)).toEqual([
      "update apps/replicasets web-new",
      "event ScalingReplicaSet: Scaled down replica set web-new from 1 to 0",
    ]);
  });

  // The tester's repro (kubectl create deploy --replicas=10; a template whose pods cannot be
  // scheduled; kubectl scale 20, then 5), through sync.go scale() by hand.
  const sized = (
    name: string,
    tpl: PodTemplateSpec | undefined,
    replicas: number,
    avail: number,
    rev: string,
    desired: number,
    max: number,
  ): ReplicaSet => ({
    metadata: {
      name,
      namespace: "default",
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "d-uid", controller: true },
      ],
      labels: { app: "web" },
      annotations: {
        [REVISION]: rev,
        "deployment.kubernetes.io/desired-replicas": String(desired),
        "deployment.kubernetes.io/max-replicas": String(max),
      },
      creationTimestamp: `2026-01-0${rev}T00:00:00Z`,
    },
    spec: { replicas, selector: {}, template: tpl },
    status: { replicas, availableReplicas: avail, readyReplicas: avail },
  });
  const rsWrites = (actions: Action[]) =>
    actions
      .filter((a) => a.op === "update" && a.resource === "apps/replicasets")
      .map((a) => {
        const rs = (a as { object: ReplicaSet }).object;
        const ann = rs.metadata?.annotations ?? {};
        return `${rs.metadata?.name}=${rs.spec?.replicas} (${ann["deployment.kubernetes.io/desired-replicas"]}/${ann["deployment.kubernetes.io/max-replicas"]})`;
      });
  const scalingEvents = (actions: Action[]) =>
    ops(actions).filter((x) => x.startsWith("event ScalingReplicaSet"));

  it("a scale mid-rollout is proportional: 10 → 20 → 5 keeps the old ReplicaSet's available pods (sync.go scale)", () => {
    const oldT = web(1, "nginx:1.25").spec?.template;
    const newT = web(1, "nginx:1.26").spec?.template;
    // Stuck at 8 old available + 5 new pending, both sized for 10 (max 13).
    const up = reconcileDeployment(
      web(20, "nginx:1.26"),
      [sized("web-old", oldT, 8, 8, "1", 10, 13), sized("web-new", newT, 5, 0, "2", 10, 13)],
      T,
    );
    // allowed 25, to add 12: old round(8·25/13) − 8 = 7, new the remaining 5; largest first.
    expect(rsWrites(up)).toEqual(["web-old=15 (20/25)", "web-new=10 (20/25)"]);
    expect(scalingEvents(up)).toEqual([
      "event ScalingReplicaSet: Scaled up replica set web-old from 8 to 15",
      "event ScalingReplicaSet: Scaled up replica set web-new from 5 to 10",
    ]);
    const down = reconcileDeployment(
      web(5, "nginx:1.26"),
      [sized("web-old", oldT, 15, 15, "1", 20, 25), sized("web-new", newT, 10, 0, "2", 20, 25)],
      T,
    );
    // allowed 7, to remove 18: old round(15·7/25) − 15 = −11, new round(10·7/25) − 10 = −7.
    expect(rsWrites(down)).toEqual(["web-old=4 (5/7)", "web-new=3 (5/7)"]);
    expect(scalingEvents(down)).toEqual([
      "event ScalingReplicaSet: Scaled down replica set web-old from 15 to 4",
      "event ScalingReplicaSet: Scaled down replica set web-new from 10 to 3",
    ]);
    // Once sized (annotations current) it is no scaling event: the rollout step leaves them be
    // while the new pods are unavailable.
    const after = reconcileDeployment(
      web(5, "nginx:1.26"),
      [sized("web-old", oldT, 4, 4, "1", 5, 7), sized("web-new", newT, 3, 0, "2", 5, 7)],
      T,
    );
    expect(rsWrites(after)).toEqual([]);
  });

  it("proportional ties: scaling up grows the newer ReplicaSet first, scaling down the rounding leftover comes from the older", () => {
    const oldT = web(1, "nginx:1.25").spec?.template;
    const newT = web(1, "nginx:1.26").spec?.template;
    const two = (desired: number, max: number) => [
      sized("web-old", oldT, 2, 2, "1", desired, max),
      sized("web-new", newT, 2, 0, "2", desired, max),
    ];
    // 3 → 4: allowed 5, to add 1; equal sizes, newer first: new round(2·5/4) − 2 = 1.
    expect(rsWrites(reconcileDeployment(web(4, "nginx:1.26"), two(3, 4), T))).toEqual([
      "web-new=3 (4/5)",
      "web-old=2 (4/5)",
    ]);
    // 3 → 2: allowed 3, to remove 1; each round(2·3/4) − 2 = 0, the leftover −1 from the
    // first, the older; the other still gets its annotations.
    expect(rsWrites(reconcileDeployment(web(2, "nginx:1.26"), two(3, 4), T))).toEqual([
      "web-old=1 (2/3)",
      "web-new=2 (2/3)",
    ]);
    // To zero: every active ReplicaSet goes.
    expect(rsWrites(reconcileDeployment(web(0, "nginx:1.26"), two(3, 4), T))).toEqual([
      "web-old=0 (0/0)",
      "web-new=0 (0/0)",
    ]);
  });

  it("a paused Deployment scales proportionally too, and starts no rollout", () => {
    const oldT = web(1, "nginx:1.25").spec?.template;
    const newT = web(1, "nginx:1.26").spec?.template;
    const d = { ...web(20, "nginx:1.26"), spec: { ...web(20, "nginx:1.26").spec!, paused: true } };
    const acts = reconcileDeployment(
      d,
      [sized("web-old", oldT, 8, 8, "1", 10, 13), sized("web-new", newT, 5, 5, "2", 10, 13)],
      T,
    );
    expect(rsWrites(acts)).toEqual(["web-old=15 (20/25)", "web-new=10 (20/25)"]);
    // Paused with a template no ReplicaSet has: the old one takes the new size, nothing is created.
    const paused = { ...web(6, "nginx:1.27"), spec: { ...web(6, "nginx:1.27").spec!, paused: true } };
    const only = reconcileDeployment(paused, [sized("web-old", oldT, 4, 4, "1", 4, 5)], T);
    expect(ops(only).filter((x) => !x.startsWith("updateStatus"))).toEqual([
      "update apps/replicasets web-old",
      "event ScalingReplicaSet: Scaled up replica set web-old from 4 to 6",
    ]);
  });

  it("kubectl scale during a stuck rollout never takes the old ReplicaSet's available pods (the tester's outage)", () => {
    const c = new Cluster("kubenet", [{ name: "np", count: 3, maxPods: 110 }]);
    c.create("apps/deployments", web(10));
    c.settle();
    const set = (f: (d: Deployment) => Deployment) =>
      c.deployments.set("default/web", f(c.deployments.get("default/web") as Deployment));
    set((d) => ({
      ...d,
      spec: {
        ...d.spec!,
        template: { ...d.spec!.template, spec: { ...d.spec!.template.spec!, nodeSelector: { nope: "x" } } },
      },
    }));
    c.settle();
    const state = () =>
      [...c.replicaSets.values()]
        .sort(
          (a, b) => Number(a.metadata?.annotations?.[REVISION]) - Number(b.metadata?.annotations?.[REVISION]),
        )
        .map((r) => r.spec?.replicas);
    const running = () => c.livePods().filter((p) => p.status?.phase === "Running").length;
    expect(state()).toEqual([8, 5]);
    expect(running()).toBe(8);
    for (const [replicas, want, run] of [
      [20, [15, 10], 15],
      [5, [4, 3], 4],
    ] as const) {
      set((d) => ({ ...d, spec: { ...d.spec!, replicas } }));
      c.settle();
      expect(state()).toEqual(want);
      expect(running()).toBe(run);
    }
  });

  it("rollback to the old template reuses its ReplicaSet (same hash) as revision 3", () => {
    const c = new Cluster("kubenet", [{ name: "np", count: 2, maxPods: 110 }]);
    c.create("apps/deployments", web(2, "nginx:1.25"));
    c.settle();
    const firstRs = [...c.replicaSets.keys()];
    const setImage = (image: string) => {
      const d = c.deployments.get("default/web") as Deployment;
      c.deployments.set("default/web", {
        ...d,
        spec: {
          ...d.spec!,
          template: { ...d.spec!.template, spec: { containers: [{ name: "web", image }] } },
        },
      });
      c.settle();
    };
    setImage("nginx:1.26");
    setImage("nginx:1.25");
    expect(c.replicaSets.size).toBe(2);
    // One write per ReplicaSet per step, even when the revision and the replicas both change.
    const d = c.deployments.get("default/web") as Deployment;
    const again = reconcileDeployment(
      { ...d, spec: { ...d.spec!, template: web(2, "nginx:1.26").spec!.template } },
      [...c.replicaSets.values()],
      T,
    );
    const updates = again.filter((a) => a.op === "update" && a.resource === "apps/replicasets");
    expect(new Set(updates.map((a) => (a.op === "update" ? a.object.metadata?.name : ""))).size).toBe(
      updates.length,
    );
    const back = c.replicaSets.get(firstRs[0]) as ReplicaSet;
    expect(back.spec?.replicas).toBe(2);
    expect(back.metadata?.annotations?.[REVISION]).toBe("3");
    expect(back.metadata?.annotations?.[REVISION_HISTORY]).toBe("1");
    expect(
      c.livePods().every((p) => p.metadata?.labels?.[HASH_LABEL] === back.metadata?.labels?.[HASH_LABEL]),
    ).toBe(true);
  });

  it("Recreate scales the old ReplicaSet to zero, and starts the new one only once no old pod is left, Terminating ones included", () => {
    const c = new Cluster("kubenet", [{ name: "np", count: 2, maxPods: 110 }], 1, true, 24, true);
    c.create("apps/deployments", web(3, "a:1", { type: "Recreate" }));
    c.settle();
    const d = c.deployments.get("default/web") as Deployment;
    c.deployments.set("default/web", {
      ...d,
      spec: {
        ...d.spec!,
        template: { ...d.spec!.template, spec: { containers: [{ name: "web", image: "a:2" }] } },
      },
    });
    let sawTerminating = false;
    for (let i = 0; i < 50; i++) {
      const images = new Set(c.livePods().map((p) => p.spec?.containers[0].image));
      expect(images.size).toBeLessThanOrEqual(1);
      sawTerminating ||= c.livePods().some((p) => p.metadata?.deletionTimestamp);
      if (!c.step()) break;
    }
    expect(sawTerminating).toBe(true);
    expect(c.livePods().map((p) => p.spec?.containers[0].image)).toEqual(["a:2", "a:2", "a:2"]);
  });

  it("Recreate: oldPodsRunning counts a Terminating pod of an old ReplicaSet, not a finished one (recreate.go)", () => {
    const d = web(3, "a:2", { type: "Recreate" });
    const oldRS: ReplicaSet = {
      metadata: {
        name: "web-old",
        namespace: "default",
        uid: "rs-old",
        labels: { app: "web" },
        annotations: { [REVISION]: "1" },
        ownerReferences: [
          { apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "d-uid", controller: true },
        ],
      },
      spec: { replicas: 0, selector: {}, template: web(3, "a:1").spec?.template },
      // The ReplicaSet no longer counts a terminating pod (FilterActivePods).
      status: { replicas: 0 },
    };
    const pod = (phase: string, terminating: boolean): Pod => ({
      metadata: {
        name: "web-old-abcde",
        namespace: "default",
        labels: { app: "web" },
        ownerReferences: [
          { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-old", uid: "rs-old", controller: true },
        ],
        ...(terminating ? { deletionTimestamp: T, deletionGracePeriodSeconds: 30 } : {}),
      },
      spec: { containers: [{ name: "web", image: "a:1" }] },
      status: { phase },
    });
    const created = (pods: Pod[]) =>
      ops(reconcileDeployment(d, [oldRS], T, pods)).filter((x) => !x.startsWith("update"));
    const hash = podTemplateHash(d.spec?.template);
    // Still stopping: nothing is created, the new ReplicaSet included.
    expect(created([pod("Running", true)])).toEqual([]);
    // Gone, or stopped (a terminal phase): the new ReplicaSet at full size, in one step.
    const start = [
      `create apps/replicasets web-${hash}`,
      `event ScalingReplicaSet: Scaled up replica set web-${hash} from 0 to 3`,
    ];
    expect(created([])).toEqual(start);
    expect(created([pod("Succeeded", true)])).toEqual(start);
  });

  it("a hash clash with someone else's ReplicaSet bumps collisionCount", () => {
    const d = web(1);
    const hash = podTemplateHash(d.spec?.template);
    const foreign: ReplicaSet = {
      metadata: { name: `web-${hash}`, namespace: "default" },
      spec: { selector: {}, template: { spec: { containers: [] } } },
    };
    const [a] = reconcileDeployment(d, [foreign], "2026-01-01T00:00:00Z");
    expect(a.op === "updateStatus" && (a.object as Deployment).status?.collisionCount).toBe(1);
    const [b] = reconcileDeployment(
      { ...d, status: { collisionCount: 1 } },
      [foreign],
      "2026-01-01T00:00:00Z",
    );
    expect(b.op === "create" && b.object.metadata?.name).toBe(`web-${podTemplateHash(d.spec?.template, 1)}`);
  });

  it("deleting the Deployment collects its ReplicaSets and pods (owner references)", () => {
    const c = new Cluster("kubenet", [{ name: "np", count: 1, maxPods: 110 }]);
    c.create("apps/deployments", web(2));
    c.settle();
    c.remove("apps/deployments", "default", "web");
    c.settle();
    expect(c.replicaSets.size).toBe(0);
    expect(c.livePods()).toHaveLength(0);
  });
});

describe("ReplicaSet", () => {
  const rs: ReplicaSet = {
    metadata: { name: "web-abc", namespace: "default", uid: "rs-uid" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c" }] } },
    },
  };
  const owned = (name: string, extra: Partial<Pod> = {}): Pod => ({
    metadata: {
      name,
      namespace: "default",
      labels: { app: "web" },
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-abc", uid: "rs-uid", controller: true },
      ],
      ...(extra.metadata ?? {}),
    },
    spec: { containers: [], ...(extra.spec ?? {}) },
    status: extra.status ?? { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
  });

  it("creates <rs>-<5 chars> pods deterministically under a seed, and adopts matching orphans", () => {
    const orphan: Pod = {
      metadata: { name: "stray", namespace: "default", labels: { app: "web" } },
      spec: { containers: [] },
    };
    const a = reconcileReplicaSet({ ...rs, spec: { ...rs.spec!, replicas: 3 } }, [orphan], seededRng(7), T);
    const b = reconcileReplicaSet({ ...rs, spec: { ...rs.spec!, replicas: 3 } }, [orphan], seededRng(7), T);
    expect(ops(a)).toEqual(ops(b));
    expect(ops(a)[0]).toBe("update core/pods stray");
    const created = a
      .filter((x) => x.op === "create" && x.resource === "core/pods")
      .map((x) => (x.op === "create" ? x.object.metadata?.name : ""));
    expect(created).toHaveLength(2);
    expect(ops(a).filter((x) => x.startsWith("event"))).toEqual(
      created.map((n) => `event SuccessfulCreate: Created pod: ${n}`),
    );
    for (const n of created) expect(n).toMatch(/^web-abc-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it("scales down in upstream's order: unbound, pending, not ready, then newest", () => {
    const pods = [
      owned("old-ready", {
        metadata: { creationTimestamp: "2026-01-01T00:00:00Z" },
        spec: { containers: [], nodeName: "n1" },
      }),
      owned("new-ready", {
        metadata: { creationTimestamp: "2026-01-02T00:00:00Z" },
        spec: { containers: [], nodeName: "n2" },
      }),
      owned("not-ready", { spec: { containers: [], nodeName: "n3" }, status: { phase: "Running" } }),
      owned("pending", { spec: { containers: [], nodeName: "n3" }, status: { phase: "Pending" } }),
      owned("unbound", { status: { phase: "Pending" } }),
    ];
    expect(deletionOrder(pods).map((p) => p.metadata?.name)).toEqual([
      "unbound",
      "pending",
      "not-ready",
      "new-ready",
      "old-ready",
    ]);
    const acts = reconcileReplicaSet({ ...rs, spec: { ...rs.spec!, replicas: 1 } }, pods, seededRng(1), T);
    expect(ops(acts).filter((x) => x.startsWith("delete"))).toEqual([
      "delete core/pods unbound",
      "delete core/pods pending",
      "delete core/pods not-ready",
      "delete core/pods new-ready",
    ]);
  });

  it("creates and deletes at most BurstReplicas (500) pods per sync, as upstream's manageReplicas", () => {
    const big = { ...rs, spec: { ...rs.spec!, replicas: 1200 } };
    const rng = seededRng(3);
    const pods: Pod[] = [];
    const created: number[] = [];
    for (let sync = 0; sync < 4; sync++) {
      const made = reconcileReplicaSet(big, pods, rng, T).flatMap((a) =>
        a.op === "create" && a.resource === "core/pods" ? [owned(a.object.metadata?.name ?? "")] : [],
      );
      created.push(made.length);
      pods.push(...made);
    }
    expect(BURST_REPLICAS).toBe(500);
    expect(created).toEqual([500, 500, 200, 0]);
    expect(new Set(pods.map((p) => p.metadata?.name)).size).toBe(1200);
    const down = reconcileReplicaSet({ ...rs, spec: { ...rs.spec!, replicas: 100 } }, pods, rng, T);
    expect(down.filter((a) => a.op === "delete")).toHaveLength(500);
  });
});

describe("DaemonSet", () => {
  const ds: DaemonSet = {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "kube-proxy", namespace: "kube-system" },
    spec: {
      selector: { matchLabels: { component: "kube-proxy" } },
      template: {
        metadata: { labels: { component: "kube-proxy" } },
        spec: {
          hostNetwork: true,
          containers: [{ name: "kube-proxy", image: "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.33.5" }],
        },
      },
    },
  };

  it("one pod per eligible node, following scale-out and scale-in; gateway nodes only when tolerated", () => {
    const c = new Cluster("kubenet", [
      { name: "np", count: 2, maxPods: 110 },
      { name: "gw", count: 2, mode: "Gateway" },
    ]);
    c.create("apps/daemonsets", ds);
    c.settle();
    const byNode = () =>
      c
        .livePods()
        .map((p) => p.spec?.nodeName)
        .sort();
    expect(byNode()).toEqual(["aks-np-12345678-vmss000000", "aks-np-12345678-vmss000001"]);
    for (const p of c.livePods()) {
      expect(p.status?.phase).toBe("Running");
      expect(p.status?.podIP).toBe(p.status?.hostIP);
    }
    c.setPool({ name: "np", count: 3, maxPods: 110 });
    c.settle();
    expect(byNode()).toHaveLength(3);
    c.setPool({ name: "np", count: 1, maxPods: 110 });
    c.settle();
    expect(byNode()).toEqual(["aks-np-12345678-vmss000000"]);
    expect(c.daemonSets.get("kube-system/kube-proxy")?.status).toMatchObject({
      desiredNumberScheduled: 1,
      currentNumberScheduled: 1,
      numberReady: 1,
    });
    // Tolerating everything (like cloud-node-manager) puts it on gateway nodes too.
    c.create("apps/daemonsets", {
      ...ds,
      metadata: { name: "cnm", namespace: "kube-system" },
      spec: {
        ...ds.spec!,
        template: {
          ...ds.spec!.template,
          spec: { ...ds.spec!.template.spec!, tolerations: [{ operator: "Exists" }] },
        },
      },
    });
    c.settle();
    expect(c.livePods().filter((p) => p.metadata?.name?.startsWith("cnm-")).length).toBe(3);
  });
});

describe("DaemonSet pods being replaced (podsShouldBeOnNode)", () => {
  const ds: DaemonSet = {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "agent", namespace: "kube-system", uid: "ds-uid" },
    spec: {
      selector: { matchLabels: { app: "agent" } },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      template: {
        metadata: { labels: { app: "agent" } },
        spec: { containers: [{ name: "agent", image: "agent:2" }] },
      },
    },
  };
  const node = (name: string) => ({ metadata: { name }, spec: {} });
  const pod = (
    name: string,
    nodeName: string,
    extra: Partial<Pod["metadata"]> = {},
    phase = "Running",
  ): Pod => ({
    metadata: {
      name,
      namespace: "kube-system",
      labels: { app: "agent", "controller-revision-hash": "old" },
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: "ds-uid", controller: true },
      ],
      creationTimestamp: T,
      ...extra,
    },
    spec: { nodeName, containers: [{ name: "agent", image: "agent:1" }] },
    status: {
      phase,
      conditions: [{ type: "Ready", status: phase === "Running" ? "True" : "False" }],
    },
  });
  const summary = (actions: Action[]) =>
    actions
      .filter((a) => a.resource === "core/pods" || a.resource === "core/events")
      .map((a) =>
        a.op === "create" && a.resource === "core/events"
          ? `event ${(a.object as Event).reason}`
          : a.op === "create"
            ? `create on ${(a.object as Pod).spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchFields?.[0]?.values?.[0]}`
            : `${a.op} ${"name" in a ? a.name : ""}`,
      );

  it("a node whose old pod is still terminating gets no new pod until it is gone (no overlap without surge)", () => {
    const nodes = [node("n1"), node("n2")];
    const terminating = pod("agent-old1", "n1", { deletionTimestamp: T });
    const other = pod("agent-old2", "n2");
    const acts = reconcileDaemonSet(ds, nodes, [terminating, other], seededRng(1), T, "new");
    // n1 is the one unavailable pod maxUnavailable allows: n2's old pod waits, and n1 gets nothing yet.
    expect(summary(acts)).toEqual([]);
    const gone = reconcileDaemonSet(ds, nodes, [other], seededRng(1), T, "new");
    expect(summary(gone)).toEqual(["create on n1", "event SuccessfulCreate"]);
  });

  it("a failed daemon pod is deleted with FailedDaemonPod; its replacement comes once it is gone", () => {
    const failed = pod("agent-f", "n1", {}, "Failed");
    const acts = reconcileDaemonSet(ds, [node("n1")], [failed], seededRng(1), T, "old");
    expect(summary(acts)).toEqual(["event FailedDaemonPod", "delete agent-f", "event SuccessfulDelete"]);
    const msg = acts.find((a) => a.op === "create" && (a.object as Event).reason === "FailedDaemonPod");
    expect((msg as { object: Event }).object.message).toBe(
      "Found failed daemon pod kube-system/agent-f on node n1, will try to kill it",
    );
  });
});

describe("StatefulSet", () => {
  const sts: StatefulSet = {
    metadata: { name: "db", namespace: "default", uid: "sts-uid" },
    spec: {
      replicas: 3,
      serviceName: "db",
      selector: { matchLabels: { app: "db" } },
      template: {
        metadata: { labels: { app: "db" } },
        spec: { containers: [{ name: "db", image: "postgres:16" }] },
      },
    },
  };

  it("a rolling update deletes the highest stale pod once, then waits while it terminates", () => {
    const pods = [0, 1, 2].map((o) => {
      const p = (reconcileStatefulSet(sts, [], T, { updateRevision: "db-old" })[0] as { object: Pod }).object;
      const name = `db-${o}`;
      return {
        ...p,
        metadata: {
          ...p.metadata,
          name,
          labels: { ...p.metadata?.labels, "statefulset.kubernetes.io/pod-name": name },
        },
        status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
      } as Pod;
    });
    const deletes = (ps: Pod[]) =>
      ops(reconcileStatefulSet(sts, ps, T, { updateRevision: "db-new" })).filter(
        (x) => x.startsWith("delete") || x.includes("SuccessfulDelete"),
      );
    expect(deletes(pods)).toEqual([
      "delete core/pods db-2",
      "event SuccessfulDelete: delete Pod db-2 in StatefulSet db successful",
    ]);
    const terminating = { ...pods[2], metadata: { ...pods[2].metadata, deletionTimestamp: T } };
    expect(deletes([pods[0], pods[1], terminating])).toEqual([]);
  });

  it("OrderedReady: db-0 first, the next only once the previous is Running and Ready", () => {
    const first = reconcileStatefulSet(sts, [], T);
    expect(ops(first).filter((x) => x.startsWith("create"))).toEqual(["create core/pods db-0"]);
    const pod0 = (first[0] as { object: Pod }).object;
    expect(pod0.spec?.hostname).toBe("db-0");
    expect(pod0.spec?.subdomain).toBe("db");
    expect(pod0.metadata?.labels).toMatchObject({
      "statefulset.kubernetes.io/pod-name": "db-0",
      "apps.kubernetes.io/pod-index": "0",
    });
    expect(ops(reconcileStatefulSet(sts, [pod0], T)).filter((x) => x.startsWith("create"))).toEqual([]);
    const ready = { ...pod0, status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] } };
    expect(ops(reconcileStatefulSet(sts, [ready], T)).filter((x) => x.startsWith("create"))).toEqual([
      "create core/pods db-1",
    ]);
    const parallel = reconcileStatefulSet(
      { ...sts, spec: { ...sts.spec!, podManagementPolicy: "Parallel" } },
      [],
      T,
    );
    expect(ops(parallel).filter((x) => x.startsWith("create"))).toEqual([
      "create core/pods db-0",
      "create core/pods db-1",
      "create core/pods db-2",
    ]);
  });

  it("scales up in order and down from the highest ordinal", () => {
    const c = new Cluster("kubenet", [{ name: "np", count: 2, maxPods: 110 }]);
    c.create("apps/statefulsets", sts);
    c.settle();
    expect(
      c
        .livePods()
        .map((p) => p.metadata?.name)
        .sort(),
    ).toEqual(["db-0", "db-1", "db-2"]);
    const cur = c.statefulSets.get("default/db") as StatefulSet;
    c.statefulSets.set("default/db", { ...cur, spec: { ...cur.spec!, replicas: 1 } });
    const seen: string[][] = [];
    for (let i = 0; i < 20; i++) {
      seen.push(
        c
          .livePods()
          .map((p) => p.metadata?.name ?? "")
          .sort(),
      );
      if (!c.step()) break;
    }
    expect(seen.map((s) => s.join(","))).toContain("db-0,db-1");
    expect(c.livePods().map((p) => p.metadata?.name)).toEqual(["db-0"]);
  });
  it("a template change keeps status.currentRevision at the old revision until every pod runs the new one", () => {
    const c = new Cluster("kubenet", [{ name: "np", count: 2, maxPods: 110 }]);
    c.create("apps/statefulsets", sts);
    c.settle();
    const before = (c.statefulSets.get("default/db") as StatefulSet).status!;
    expect(before.currentRevision).toBe(before.updateRevision);
    const cur = c.statefulSets.get("default/db") as StatefulSet;
    const tpl = cur.spec!.template;
    c.statefulSets.set("default/db", {
      ...cur,
      metadata: { ...cur.metadata, generation: 2 },
      spec: {
        ...cur.spec!,
        template: { ...tpl, spec: { containers: [{ name: "db", image: "postgres:17" }] } },
      },
    });
    const seen: { current?: string; update?: string; updated?: number }[] = [];
    for (let i = 0; i < 60; i++) {
      const st = (c.statefulSets.get("default/db") as StatefulSet).status!;
      seen.push({ current: st.currentRevision, update: st.updateRevision, updated: st.updatedReplicas });
      if (!c.step()) break;
    }
    const after = (c.statefulSets.get("default/db") as StatefulSet).status!;
    expect(after.updateRevision).not.toBe(before.updateRevision);
    expect(after.currentRevision).toBe(after.updateRevision);
    expect(after.updatedReplicas).toBe(3);
    // Mid-roll: the new revision is the update revision while the old one is still current.
    expect(
      seen.some(
        (x) =>
          x.update === after.updateRevision && x.current === before.currentRevision && (x.updated ?? 0) < 3,
      ),
    ).toBe(true);
  });
});

describe("Job", () => {
  it("runs completions with parallelism and ends Complete", () => {
    const job: Job = {
      metadata: { name: "pi", namespace: "default" },
      spec: {
        completions: 5,
        parallelism: 2,
        template: { spec: { restartPolicy: "Never", containers: [{ name: "pi", image: "perl:5.34" }] } },
      },
    };
    const c = new Cluster("kubenet", [{ name: "np", count: 1, maxPods: 110 }]);
    c.create("batch/jobs", job);
    let maxActive = 0;
    for (let i = 0; i < 100; i++) {
      maxActive = Math.max(maxActive, c.livePods().filter((p) => p.status?.phase !== "Succeeded").length);
      if (!c.step()) break;
    }
    expect(maxActive).toBe(2);
    const j = c.jobs.get("default/pi") as Job;
    // Zero counts are omitted, as JobStatus's omitempty int32s (only `ready` shows a 0).
    expect(j.status).toMatchObject({ succeeded: 5, ready: 0 });
    expect(j.status?.active).toBeUndefined();
    expect(j.status?.failed).toBeUndefined();
    // From 1.31 the controller sets SuccessCriteriaMet before Complete, both with the reason.
    expect(j.status?.conditions?.map((x) => [x.type, x.status, x.reason])).toEqual([
      ["SuccessCriteriaMet", "True", "CompletionsReached"],
      ["Complete", "True", "CompletionsReached"],
    ]);
    expect(c.livePods().every((p) => p.metadata?.labels?.["job-name"] === "pi")).toBe(true);
  });

  it("before 1.31 a finished Job has Complete alone, without reason or message; a failed one Failed alone", () => {
    const pods = (phase: string, n: number): Pod[] =>
      Array.from({ length: n }, (_, i) => ({
        metadata: {
          name: `old-${i}`,
          namespace: "default",
          ownerReferences: [
            { apiVersion: "batch/v1", kind: "Job", name: "old", uid: "u1", controller: true },
          ],
        },
        status: { phase },
      }));
    const job: Job = {
      metadata: { name: "old", namespace: "default", uid: "u1" },
      spec: { completions: 2, backoffLimit: 1, template: { spec: { containers: [] } } },
    };
    const conds = (ps: Pod[], minor: number) => {
      const up = reconcileJob(job, ps, seededRng(1), "2026-01-01T00:00:00Z", minor).find(
        (a) => a.op === "updateStatus",
      );
      return ((up as { object: Job } | undefined)?.object.status?.conditions ?? []).map((x) => [
        x.type,
        x.reason ?? "",
        x.message ?? "",
      ]);
    };
    expect(conds(pods("Succeeded", 2), 30)).toEqual([["Complete", "", ""]]);
    const backoff = ["BackoffLimitExceeded", "Job has reached the specified backoff limit"];
    expect(conds(pods("Failed", 2), 30)).toEqual([["Failed", ...backoff]]);
    expect(conds(pods("Failed", 2), 31)).toEqual([
      ["FailureTarget", ...backoff],
      ["Failed", ...backoff],
    ]);
  });
});

describe("Job activeDeadlineSeconds", () => {
  const owned = (name: string, phase: string): Pod => ({
    metadata: {
      name,
      namespace: "default",
      ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "slow", uid: "u2", controller: true }],
    },
    status: { phase },
  });
  const job: Job = {
    metadata: { name: "slow", namespace: "default", uid: "u2" },
    spec: { activeDeadlineSeconds: 30, template: { spec: { containers: [] } } },
    status: { startTime: "2026-01-01T00:00:00Z", active: 1 },
  };
  it("counts from startTime; past it the Job fails DeadlineExceeded and its active pods go, counted failed", () => {
    const start = Date.parse("2026-01-01T00:00:00Z");
    expect(jobDeadlineLeftMs(job, start + 12_000)).toBe(18_000);
    expect(jobDeadlineLeftMs({ ...job, spec: { ...job.spec!, suspend: true } }, start)).toBeUndefined();
    expect(jobDeadlineLeftMs({ ...job, status: {} }, start)).toBeUndefined();
    // Before the deadline: nothing happens to the running pod.
    const early = reconcileJob(job, [owned("slow-a", "Running")], seededRng(1), "2026-01-01T00:00:29Z");
    expect(early.some((a) => a.op === "delete")).toBe(false);
    const late = reconcileJob(job, [owned("slow-a", "Running")], seededRng(1), "2026-01-01T00:00:30Z");
    expect(late.filter((a) => a.op === "delete").map((a) => (a as { name: string }).name)).toEqual([
      "slow-a",
    ]);
    const ev = late.find((a) => a.op === "create" && a.resource === "core/events") as { object: Event };
    expect([ev.object.type, ev.object.reason, ev.object.message]).toEqual([
      "Warning",
      "DeadlineExceeded",
      "Job was active longer than specified deadline",
    ]);
    const st = (late.find((a) => a.op === "updateStatus") as { object: Job }).object.status;
    expect(st?.failed).toBe(1);
    expect(st?.active).toBeUndefined();
    expect(st?.conditions?.map((x) => [x.type, x.reason, x.message])).toEqual([
      ["FailureTarget", "DeadlineExceeded", "Job was active longer than specified deadline"],
      ["Failed", "DeadlineExceeded", "Job was active longer than specified deadline"],
    ]);
    // Failed: no deadline, no new pods.
    const failed = { ...job, status: st };
    expect(jobDeadlineLeftMs(failed, start + 60_000)).toBeUndefined();
    expect(
      reconcileJob(failed, [], seededRng(1), "2026-01-01T00:01:00Z").some((a) => a.op === "create"),
    ).toBe(false);
  });
});

describe("finished pods give their address back", () => {
  it("a 12-completion Job runs to Complete on a node block of 5 addresses", () => {
    const c = new Cluster("kubenet", [{ name: "np", count: 1, maxPods: 6 }], 1, true, 29);
    c.create("batch/jobs", {
      metadata: { name: "many", namespace: "default" },
      spec: {
        completions: 12,
        parallelism: 3,
        template: { spec: { restartPolicy: "Never", containers: [{ name: "x", image: "busybox:1.36" }] } },
      },
    });
    c.settle();
    expect(c.jobs.get("default/many")?.status).toMatchObject({ succeeded: 12 });
    expect(c.jobs.get("default/many")?.status?.failed).toBeUndefined();
    expect(c.events.some((e) => e.reason === "FailedCreatePodSandBox")).toBe(false);
    expect(c.events.filter((e) => e.reason === "Completed").map((e) => e.message)).toEqual(["Job completed"]);
  });
});

describe("scheduling through the controllers", () => {
  it("explicit hostPort wider than the cluster: exactly the surplus stays Pending with FailedScheduling", () => {
    const c = new Cluster("kubenet", [
      { name: "np", count: 2, maxPods: 110 },
      { name: "gw", count: 1, mode: "Gateway" },
    ]);
    const d = web(4);
    d.spec!.template.spec!.containers[0].ports = [{ containerPort: 80, hostPort: 8080 }];
    c.create("apps/deployments", d);
    c.settle();
    const pending = c.livePods().filter((p) => !p.spec?.nodeName);
    expect(pending).toHaveLength(2);
    for (const p of pending) {
      expect(p.status?.conditions?.[0]).toMatchObject({
        type: "PodScheduled",
        status: "False",
        reason: "Unschedulable",
      });
      expect(p.status?.conditions?.[0].message).toBe(
        "0/3 nodes are available: 1 node(s) had untolerated taint {kubeegressgateway.azure.com/mode: true}, 2 node(s) didn't have free ports for the requested pod ports. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
      );
    }
    expect(c.events.filter((e) => e.reason === "FailedScheduling")).toHaveLength(2);
    expect(c.livePods().some((p) => p.spec?.nodeName?.startsWith("aks-gw-"))).toBe(false);
  });

  it("scale-in of a pool removes its nodes and the pods are rescheduled elsewhere", () => {
    const c = new Cluster("kubenet", [
      { name: "np", count: 3, maxPods: 110 },
      { name: "np2", count: 1, maxPods: 110 },
    ]);
    c.create("apps/deployments", echoserverDeployment(6));
    c.settle();
    expect(new Set(c.livePods().map((p) => p.spec?.nodeName)).size).toBe(4);
    c.deletePool("np");
    c.settle();
    const pods = c.livePods();
    expect(pods).toHaveLength(6);
    expect(
      pods.every((p) => p.spec?.nodeName === "aks-np2-12345678-vmss000000" && p.status?.phase === "Running"),
    ).toBe(true);
  });

  it("kubenet pod IPs lie in their node's podCIDR; Azure CNI pod IPs in the node's reserved set, never a node IP", () => {
    const k = new Cluster("kubenet", [{ name: "np", count: 2, maxPods: 110 }]);
    k.create("apps/deployments", web(6));
    k.settle();
    for (const p of k.livePods()) {
      const cidr = k.nodes.get(p.spec?.nodeName ?? "")?.spec?.podCIDR ?? "";
      expect(p.status?.podIP?.startsWith(cidr.replace(/0\/24$/, ""))).toBe(true);
    }
    const a = new Cluster("azure", [{ name: "np", count: 2, maxPods: 4 }]);
    a.create("apps/deployments", web(10));
    a.settle();
    const nodeIps = new Set(
      [...a.nodes.values()].flatMap((n) => n.status?.addresses?.map((x) => x.address) ?? []),
    );
    const running = a.livePods().filter((p) => p.status?.podIP);
    expect(running).toHaveLength(8);
    for (const p of running) expect(nodeIps.has(p.status?.podIP ?? "")).toBe(false);
    // maxPods 4 per node: the last two pods cannot be scheduled at all.
    const pending = a.livePods().filter((p) => !p.spec?.nodeName);
    expect(pending).toHaveLength(2);
    expect(pending[0].status?.conditions?.[0].message).toBe(
      "0/2 nodes are available: 2 Too many pods. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
    );
  });
});

describe("kube-system", () => {
  it("CoreDNS behind kube-dns at dnsServiceIP; host-network add-ons on every node with the node's IP", () => {
    const input = { version: "1.33.5", dnsServiceIP: "10.0.0.10", plugin: "kubenet" as const };
    expect(kubeDnsService(input).spec).toMatchObject({
      clusterIP: "10.0.0.10",
      selector: { "k8s-app": "kube-dns" },
      ports: [
        { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
        { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
      ],
    });
    const objs = systemWorkloads(input);
    expect(objs.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      "Deployment/coredns",
      "Deployment/coredns-autoscaler",
      "Deployment/konnectivity-agent",
      "Deployment/metrics-server",
      "DaemonSet/kube-proxy",
      "DaemonSet/cloud-node-manager",
      "DaemonSet/azure-ip-masq-agent",
      "DaemonSet/csi-azuredisk-node",
      "DaemonSet/csi-azurefile-node",
    ]);
    expect(systemWorkloads({ ...input, plugin: "azure" }).some((o) => o.metadata?.name === "azure-cns")).toBe(
      true,
    );
    const c = new Cluster("kubenet", [
      { name: "nodepool1", count: 2, mode: "System", maxPods: 110 },
      { name: "gw", count: 1, mode: "Gateway" },
    ]);
    for (const o of objs) c.create(o.kind === "Deployment" ? "apps/deployments" : "apps/daemonsets", o);
    c.settle();
    const pods = c.livePods();
    expect(pods.every((p) => p.status?.phase === "Running")).toBe(true);
    const proxies = pods.filter((p) => p.metadata?.labels?.["k8s-app"] === "kube-proxy");
    expect(proxies.map((p) => p.spec?.nodeName).sort()).toEqual([
      "aks-gw-12345678-vmss000000",
      "aks-nodepool1-12345678-vmss000000",
      "aks-nodepool1-12345678-vmss000001",
    ]);
    for (const p of proxies) expect(p.status?.podIP).toBe(p.status?.hostIP);
    const dns = pods.filter((p) => p.metadata?.labels?.["k8s-app"] === "kube-dns");
    expect(dns).toHaveLength(2);
    for (const p of dns) {
      expect(p.spec?.nodeName?.startsWith("aks-nodepool1-")).toBe(true);
      expect(p.status?.podIP?.startsWith("10.244.")).toBe(true);
    }
    const konn = pods.filter((p) => p.metadata?.labels?.["k8s-app"] === "konnectivity-agent");
    expect(konn).toHaveLength(2);
    for (const p of konn) expect(p.status?.podIP).toBe(p.status?.hostIP);
  });
});
