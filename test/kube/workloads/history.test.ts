// ControllerRevision history of DaemonSets and StatefulSets as pure steps: the revision data
// byte for byte, FNV-32 hashing, one revision per template, bumps on return, dedup and trim.
import type { ControllerRevision, DaemonSet, StatefulSet } from "kubernetes-types/apps/v1.js";
import type { Pod, PodTemplateSpec } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import {
  type Action,
  controllerRevisionName,
  daemonSetHistory,
  fnv32,
  hashControllerRevision,
  podTemplateHash,
  reconcileStatefulSet,
  revisionPatch,
  safeEncode,
  statefulSetHistory,
  templateGenerationAnnotations,
} from "../../../src/kube/workloads/index.js";

const tpl = (image: string, app = "x"): PodTemplateSpec => ({
  metadata: { labels: { app } },
  spec: { containers: [{ name: "c", image }] },
});

const ops = (actions: Action[]) =>
  actions.map((a) =>
    a.op === "delete"
      ? `delete ${a.resource} ${a.name}`
      : `${a.op} ${a.resource} ${a.object.metadata?.name} ${(a.object as ControllerRevision).revision ?? ""}`.trim(),
  );

describe("revision data and hashes", () => {
  it("the patch is Go's encoding/json of the template: sorted keys, creationTimestamp null, HTML escaped", () => {
    expect(
      revisionPatch({
        spec: { containers: [{ name: "c", image: "a<b>&c" }], restartPolicy: "Always" },
        metadata: { labels: { z: "1", app: "x" } },
      }),
    ).toBe(
      '{"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null,"labels":{"app":"x","z":"1"}},' +
        '"spec":{"containers":[{"image":"a\\u003cb\\u003e\\u0026c","name":"c"}],"restartPolicy":"Always"}}}}',
    );
    expect(revisionPatch(undefined)).toBe(
      '{"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null}}}}',
    );
  });

  it("FNV-1 (not 1a), 32 bit: the reference vectors", () => {
    const b = (s: string) => new TextEncoder().encode(s);
    expect(fnv32(b(""))).toBe(0x811c9dc5);
    expect(fnv32(b("a"))).toBe(0x050c5d7e);
    expect(fnv32(b("foobar"))).toBe(0x31f0b262);
  });

  it("HashControllerRevision: data then the probe in decimal, safe-encoded; names cut the prefix to 223", () => {
    const data = revisionPatch(tpl("redis:7"));
    const h0 = hashControllerRevision(data, 0);
    expect(h0).toBe(safeEncode(String(fnv32(new TextEncoder().encode(`${data}0`)))));
    expect(hashControllerRevision(data, 1)).not.toBe(h0);
    expect(hashControllerRevision(data)).toBe(safeEncode(String(fnv32(new TextEncoder().encode(data)))));
    expect(controllerRevisionName("a".repeat(300), "xyz")).toBe(`${"a".repeat(223)}-xyz`);
  });
});

const DS_UID = "ds-uid";
function ds(image: string, extra: Partial<NonNullable<DaemonSet["spec"]>> = {}): DaemonSet {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "agent", namespace: "default", uid: DS_UID, annotations: { note: "n" } },
    spec: { selector: { matchLabels: { app: "x" } }, template: tpl(image), ...extra },
  };
}
const owner = (kind: string, uid: string, name: string) => [
  { apiVersion: "apps/v1", kind, name, uid, controller: true, blockOwnerDeletion: true },
];
function dsRevision(image: string, revision: number, name?: string): ControllerRevision {
  const hash = name ?? podTemplateHash(tpl(image));
  return {
    metadata: {
      name: `agent-${hash}`,
      namespace: "default",
      labels: { app: "x", "controller-revision-hash": hash },
      ownerReferences: owner("DaemonSet", DS_UID, "agent"),
      creationTimestamp: `2026-01-01T00:00:0${revision}Z`,
    },
    data: JSON.parse(revisionPatch(tpl(image))),
    revision,
  };
}
const pod = (hash: string, name = `p-${hash}`): Pod => ({
  metadata: { name, namespace: "default", labels: { app: "x", "controller-revision-hash": hash } },
});

describe("DaemonSet history", () => {
  it("a first sync creates <ds>-<hash> at revision 1, with the template's labels, the DaemonSet's annotations and a controller reference", () => {
    const h = daemonSetHistory(ds("busybox:1"), [], []);
    const hash = podTemplateHash(tpl("busybox:1"));
    expect(h.hash).toBe(hash);
    expect(h.actions).toEqual([
      {
        op: "create",
        resource: "apps/controllerrevisions",
        namespace: "default",
        object: {
          apiVersion: "apps/v1",
          kind: "ControllerRevision",
          metadata: {
            name: `agent-${hash}`,
            namespace: "default",
            labels: { app: "x", "controller-revision-hash": hash },
            annotations: { note: "n" },
            ownerReferences: owner("DaemonSet", DS_UID, "agent"),
          },
          data: JSON.parse(revisionPatch(tpl("busybox:1"))),
          revision: 1,
        },
      },
    ]);
  });

  it("nothing to do when the current template's revision is the newest; a return to an old template bumps it", () => {
    const r1 = dsRevision("busybox:1", 1);
    const r2 = dsRevision("busybox:2", 2);
    expect(daemonSetHistory(ds("busybox:2"), [r1, r2], []).actions).toEqual([]);
    const back = daemonSetHistory(ds("busybox:1"), [r1, r2], []);
    expect(ops(back.actions)).toEqual([
      `update apps/controllerrevisions agent-${podTemplateHash(tpl("busybox:1"))} 3`,
    ]);
    expect(back.hash).toBe(podTemplateHash(tpl("busybox:1")));
  });

  it("revisions of another owner are not its history", () => {
    const other = {
      ...dsRevision("busybox:2", 7, "zzz"),
      metadata: {
        ...dsRevision("busybox:2", 7, "zzz").metadata,
        ownerReferences: owner("DaemonSet", "other", "agent"),
      },
    };
    expect(ops(daemonSetHistory(ds("busybox:1"), [other], []).actions)).toEqual([
      `create apps/controllerrevisions agent-${podTemplateHash(tpl("busybox:1"))} 1`,
    ]);
  });

  it("adopts orphans its selector matches (a DaemonSet deleted with --cascade=orphan and created again)", () => {
    const orphan = dsRevision("busybox:1", 1);
    delete orphan.metadata?.ownerReferences;
    const old = dsRevision("busybox:0", 2);
    delete old.metadata?.ownerReferences;
    const h = daemonSetHistory(ds("busybox:1"), [orphan, old], []);
    const name = `agent-${podTemplateHash(tpl("busybox:1"))}`;
    expect(ops(h.actions)).toEqual([
      `update apps/controllerrevisions ${name} 1`,
      `update apps/controllerrevisions agent-${podTemplateHash(tpl("busybox:0"))} 2`,
      `update apps/controllerrevisions ${name} 3`,
    ]);
    const bumped = (h.actions[2] as { object: ControllerRevision }).object;
    expect(bumped.metadata?.ownerReferences).toEqual(owner("DaemonSet", DS_UID, "agent"));
  });

  it("duplicates of the current template: the highest revision stays, pods move to its hash, the others go", () => {
    const keep = dsRevision("busybox:1", 3);
    const dup = dsRevision("busybox:1", 1, "dupdup");
    const h = daemonSetHistory(
      ds("busybox:1"),
      [dup, dsRevision("busybox:2", 2), keep],
      [pod("dupdup", "p1")],
    );
    expect(ops(h.actions)).toEqual(["update core/pods p1", "delete apps/controllerrevisions agent-dupdup"]);
    const relabeled = (h.actions[0] as { object: Pod }).object;
    expect(relabeled.metadata?.labels?.["controller-revision-hash"]).toBe(podTemplateHash(tpl("busybox:1")));
  });

  it("old revisions beyond revisionHistoryLimit go oldest first, except those a pod still runs", () => {
    const old = [1, 2, 3, 4].map((i) => dsRevision(`busybox:${i}`, i));
    const cur = dsRevision("busybox:5", 5);
    const h = daemonSetHistory(
      ds("busybox:5", { revisionHistoryLimit: 2 }),
      [...old, cur],
      [pod(podTemplateHash(tpl("busybox:1")))],
    );
    expect(ops(h.actions)).toEqual([
      `delete apps/controllerrevisions agent-${podTemplateHash(tpl("busybox:2"))}`,
      `delete apps/controllerrevisions agent-${podTemplateHash(tpl("busybox:3"))}`,
    ]);
    // Default limit 10: four old revisions stay.
    expect(daemonSetHistory(ds("busybox:5"), [...old, cur], []).actions).toEqual([]);
  });

  it("a name held by another template: the collision count goes up and nothing is written", () => {
    const squatter = {
      ...dsRevision("busybox:9", 1),
      metadata: {
        ...dsRevision("busybox:9", 1).metadata,
        name: `agent-${podTemplateHash(tpl("busybox:1"))}`,
      },
    };
    const h = daemonSetHistory(ds("busybox:1"), [squatter], []);
    expect(h).toEqual({ actions: [], hash: podTemplateHash(tpl("busybox:1")), collisionCount: 1 });
  });

  it("the template generation annotation: 1 on create (a given value ≥ 1 kept), +1 on a template change only", () => {
    const a = ds("busybox:1");
    expect(templateGenerationAnnotations(a)).toEqual({
      note: "n",
      "deprecated.daemonset.template.generation": "1",
    });
    const stored = { ...a, metadata: { ...a.metadata, annotations: templateGenerationAnnotations(a) } };
    expect(
      templateGenerationAnnotations(
        { ...stored, metadata: { ...stored.metadata, annotations: { note: "m" } } },
        stored,
      ),
    ).toEqual({
      note: "m",
      "deprecated.daemonset.template.generation": "1",
    });
    expect(templateGenerationAnnotations({ ...ds("busybox:2"), metadata: stored.metadata }, stored)).toEqual({
      note: "n",
      "deprecated.daemonset.template.generation": "2",
    });
  });
});

const STS_UID = "sts-uid";
function sts(image: string, status?: StatefulSet["status"], limit?: number): StatefulSet {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "db", namespace: "default", uid: STS_UID },
    spec: {
      serviceName: "db",
      selector: { matchLabels: { app: "x" } },
      template: tpl(image),
      ...(limit !== undefined ? { revisionHistoryLimit: limit } : {}),
    },
    ...(status ? { status } : {}),
  };
}
const stsName = (image: string, probe = 0) =>
  `db-${hashControllerRevision(revisionPatch(tpl(image)), probe)}`;
function stsRevision(
  image: string,
  revision: number,
  ownerRefs = owner("StatefulSet", STS_UID, "db"),
): ControllerRevision {
  return {
    metadata: {
      name: stsName(image),
      namespace: "default",
      labels: { app: "x", "controller.kubernetes.io/hash": stsName(image).slice(3) },
      ...(ownerRefs.length ? { ownerReferences: ownerRefs } : {}),
    },
    data: JSON.parse(revisionPatch(tpl(image))),
    revision,
  };
}
const st = (current: string, update = current) => ({
  replicas: 0,
  currentRevision: current,
  updateRevision: update,
});

describe("StatefulSet history", () => {
  it("a first sync creates <set>-<FNV-32 of the data and the collision count> at revision 1", () => {
    const h = statefulSetHistory(sts("redis:7"), [], []);
    const name = stsName("redis:7");
    expect(h).toMatchObject({ currentRevision: name, updateRevision: name, collisionCount: 0 });
    expect(ops(h.actions)).toEqual([`create apps/controllerrevisions ${name} 1`]);
    const created = (h.actions[0] as { object: ControllerRevision }).object;
    expect(created.metadata?.labels).toEqual({ app: "x", "controller.kubernetes.io/hash": name.slice(3) });
    expect(created.metadata?.ownerReferences).toEqual(owner("StatefulSet", STS_UID, "db"));
  });

  it("an unchanged template writes nothing; a return to an old template bumps that revision, current stays", () => {
    const r1 = stsRevision("redis:7", 1);
    const r2 = stsRevision("redis:8", 2);
    const same = statefulSetHistory(sts("redis:8", st(r2.metadata!.name!)), [r1, r2], []);
    expect(same.actions).toEqual([]);
    const back = statefulSetHistory(sts("redis:7", st(r2.metadata!.name!)), [r1, r2], []);
    expect(ops(back.actions)).toEqual([`update apps/controllerrevisions ${stsName("redis:7")} 3`]);
    expect(back).toMatchObject({ currentRevision: stsName("redis:8"), updateRevision: stsName("redis:7") });
  });

  it("trims non-live revisions beyond the limit, oldest first (status revisions and pods' revisions are live)", () => {
    const revs = ["redis:1", "redis:2", "redis:3", "redis:4"].map((img, i) => stsRevision(img, i + 1));
    const h = statefulSetHistory(sts("redis:4", st(stsName("redis:4")), 1), revs, [pod(stsName("redis:2"))]);
    expect(ops(h.actions)).toEqual([`delete apps/controllerrevisions ${stsName("redis:1")}`]);
  });

  it("adopts an orphan revision its selector matches; ignores one another set controls", () => {
    const orphan = stsRevision("redis:7", 1, []);
    const h = statefulSetHistory(sts("redis:7"), [orphan], []);
    expect(ops(h.actions)).toEqual([`update apps/controllerrevisions ${stsName("redis:7")} 1`]);
    const adopted = (h.actions[0] as { object: ControllerRevision }).object;
    expect(adopted.metadata?.ownerReferences).toEqual(owner("StatefulSet", STS_UID, "db"));
    const foreign = stsRevision("redis:6", 4, owner("StatefulSet", "other", "db"));
    expect(ops(statefulSetHistory(sts("redis:7"), [foreign], []).actions)).toEqual([
      `create apps/controllerrevisions ${stsName("redis:7")} 1`,
    ]);
  });

  it("a name held by other data: the collision count goes up until the name is free", () => {
    const squatter = { ...stsRevision("redis:9", 1, owner("StatefulSet", "other", "db")) };
    squatter.metadata = { ...squatter.metadata, name: stsName("redis:7") };
    const h = statefulSetHistory(sts("redis:7"), [squatter], []);
    expect(h.collisionCount).toBe(1);
    expect(ops(h.actions)).toEqual([`create apps/controllerrevisions ${stsName("redis:7", 1)} 1`]);
  });

  it("mid-rollout, pods below the partition come back at the current revision, from its data", () => {
    const r1 = stsRevision("redis:7", 1);
    const r2 = stsRevision("redis:8", 2);
    const base = sts("redis:8", st(stsName("redis:7"), stsName("redis:8")));
    const set: StatefulSet = {
      ...base,
      spec: {
        ...base.spec!,
        replicas: 2,
        podManagementPolicy: "Parallel",
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 1 } },
      },
    };
    const h = statefulSetHistory(set, [r1, r2], []);
    expect(h.currentTemplate).toEqual(tpl("redis:7"));
    const created = reconcileStatefulSet(set, [], "2026-01-01T00:00:00Z", h)
      .filter((a) => a.op === "create" && a.resource === "core/pods")
      .map((a) => (a as { object: Pod }).object)
      .map(
        (p) =>
          `${p.metadata?.name} ${p.spec?.containers[0].image} ${p.metadata?.labels?.["controller-revision-hash"]}`,
      );
    expect(created).toEqual([`db-0 redis:7 ${stsName("redis:7")}`, `db-1 redis:8 ${stsName("redis:8")}`]);
    // Rollout done (current = update): no current template to restore.
    expect(
      statefulSetHistory(sts("redis:8", st(stsName("redis:8"))), [r1, r2], []).currentTemplate,
    ).toBeUndefined();
  });
});
