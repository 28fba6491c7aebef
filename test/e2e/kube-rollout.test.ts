// Rollouts and built-in defaulting, driven with the machine's real kubectl against a server
// reporting 1.28 and one reporting 1.33: `rollout status` returns for Deployments, DaemonSets
// and StatefulSets, `wait --for=condition=Available`, `rollout undo` goes back to the old
// ReplicaSet (history 2, 3 as on a real cluster), and what kube-apiserver defaults is there
// without making re-applies or `kubectl diff` see changes.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import {
  type KubeCluster,
  kubectl,
  kubectlOk,
  manifestFile,
  startKubeEmulator,
} from "../kube/kube-helpers.js";
import { makeCluster, until } from "../kube/workload-helpers.js";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startKubeEmulator();
});
afterAll(async () => {
  await emu?.close();
});

const WORKLOADS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27", ports: [{containerPort: 80}]}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: c, image: busybox}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: c, image: "postgres:16"}]
`;

const HISTORY = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: logs}
spec:
  selector: {matchLabels: {app: logs}}
  template:
    metadata: {labels: {app: logs}}
    spec:
      containers: [{name: c, image: "busybox:1.35"}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: kv}
spec:
  replicas: 2
  serviceName: kv
  selector: {matchLabels: {app: kv}}
  template:
    metadata: {labels: {app: kv}}
    spec:
      containers: [{name: c, image: "redis:7.0"}]
`;

/** A safe-encoded hash (util/rand's alphabet). */
const SAFE = /^[bcdfghjklmnpqrstvwxz2456789]+$/;

const jp = async (c: KubeCluster, what: string, expr: string) => {
  const r = await kubectl(c, ["get", what, "-o", `jsonpath=${expr}`]);
  expect(r.stderr).toBe("");
  return r.stdout;
};

for (const version of ["1.28", "1.33"]) {
  describe(`kubectl ${version}`, () => {
    let c: KubeCluster;
    let manifest: string;
    beforeAll(async () => {
      c = await makeCluster(emu, `roll${version.replace(".", "")}`, { count: 2, version });
      manifest = manifestFile(WORKLOADS);
    });

    it("apply, then rollout status returns for a Deployment, a DaemonSet and a StatefulSet", async () => {
      const a = await kubectl(c, ["apply", "-f", manifest]);
      expect(a.stderr).toBe("");
      expect(a.stdout).toBe(
        "deployment.apps/web created\ndaemonset.apps/agent created\nstatefulset.apps/db created\n",
      );
      const d = await kubectl(c, ["rollout", "status", "deployment/web", "--timeout=30s"]);
      expect(d.code).toBe(0);
      expect(d.stdout.trim().split("\n").at(-1)).toBe('deployment "web" successfully rolled out');
      const ds = await kubectl(c, ["rollout", "status", "daemonset/agent", "--timeout=30s"]);
      expect(ds.stderr).toBe("");
      expect(ds.code).toBe(0);
      expect(ds.stdout.trim().split("\n").at(-1)).toBe('daemon set "agent" successfully rolled out');
      const sts = await kubectl(c, ["rollout", "status", "statefulset/db", "--timeout=30s"]);
      expect(sts.stderr).toBe("");
      expect(sts.code).toBe(0);
      // partition defaults to 0, so kubectl reports the partitioned form, as against a real cluster.
      expect(sts.stdout.trim().split("\n").at(-1)).toBe(
        "partitioned roll out complete: 2 new pods have been updated...",
      );
      const w = await kubectl(c, ["wait", "--for=condition=Available", "deployment/web", "--timeout=30s"]);
      expect(w.code).toBe(0);
      expect(w.stdout).toBe("deployment.apps/web condition met\n");
    });

    it("kube-apiserver's defaults are stored: Deployment, pod template, DaemonSet, StatefulSet, Pod", async () => {
      expect(
        await jp(
          c,
          "deployment/web",
          "{.spec.strategy.type} {.spec.strategy.rollingUpdate.maxSurge} {.spec.strategy.rollingUpdate.maxUnavailable} {.spec.revisionHistoryLimit} {.spec.progressDeadlineSeconds}",
        ),
      ).toBe("RollingUpdate 25% 25% 10 600");
      const tpl = ".spec.template.spec";
      expect(
        await jp(
          c,
          "deployment/web",
          `{${tpl}.restartPolicy} {${tpl}.dnsPolicy} {${tpl}.schedulerName} {${tpl}.terminationGracePeriodSeconds} {${tpl}.securityContext} {${tpl}.containers[0].imagePullPolicy} {${tpl}.containers[0].terminationMessagePath} {${tpl}.containers[0].terminationMessagePolicy} {${tpl}.containers[0].ports[0].protocol}`,
        ),
      ).toBe("Always ClusterFirst default-scheduler 30 {} IfNotPresent /dev/termination-log File TCP");
      // No tag means :latest, which is pulled Always.
      expect(await jp(c, "daemonset/agent", `{${tpl}.containers[0].imagePullPolicy}`)).toBe("Always");
      expect(
        await jp(
          c,
          "daemonset/agent",
          "{.spec.updateStrategy.type} {.spec.updateStrategy.rollingUpdate.maxUnavailable} {.spec.updateStrategy.rollingUpdate.maxSurge} {.spec.revisionHistoryLimit}",
        ),
      ).toBe("RollingUpdate 1 0 10");
      expect(
        await jp(
          c,
          "statefulset/db",
          "{.spec.podManagementPolicy} {.spec.updateStrategy.type} {.spec.updateStrategy.rollingUpdate.partition} {.spec.persistentVolumeClaimRetentionPolicy.whenDeleted}",
        ),
      ).toBe("OrderedReady RollingUpdate 0 Retain");
      // A Pod (not a template) also gets what admission adds.
      const pod = await kubectl(c, ["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].spec}"]);
      const spec = JSON.parse(pod.stdout) as Record<string, unknown>;
      expect(spec.enableServiceLinks).toBe(true);
      expect(spec.serviceAccountName).toBe("default");
      expect(spec.priority).toBe(0);
      expect(spec.tolerations).toEqual([
        {
          key: "node.kubernetes.io/not-ready",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
        {
          key: "node.kubernetes.io/unreachable",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
      ]);
    });

    it("defaults make no change for a re-apply (client- and server-side) or kubectl diff", async () => {
      const again = await kubectl(c, ["apply", "-f", manifest]);
      expect(again.stdout).toBe(
        "deployment.apps/web unchanged\ndaemonset.apps/agent unchanged\nstatefulset.apps/db unchanged\n",
      );
      const diff = await kubectl(c, ["diff", "-f", manifest]);
      expect(diff.stdout).toBe("");
      expect(diff.code).toBe(0);
      const gen = await jp(c, "deployment/web", "{.metadata.generation}");
      for (let i = 0; i < 2; i++) {
        const ssa = await kubectl(c, ["apply", "--server-side", "--force-conflicts", "-f", manifest]);
        expect(ssa.stderr).toBe("");
        expect(ssa.code).toBe(0);
      }
      expect(await jp(c, "deployment/web", "{.metadata.generation}")).toBe(gen);
    });

    it("a rolling update, then rollout undo goes back to the first ReplicaSet (history 2, 3)", async () => {
      const set = await kubectl(c, ["set", "image", "deployment/web", "nginx=nginx:1.28"]);
      expect(set.stdout).toBe("deployment.apps/web image updated\n");
      const st = await kubectl(c, ["rollout", "status", "deployment/web", "--timeout=30s"]);
      expect(st.code).toBe(0);
      // The change-cause is copied to the newest ReplicaSet; undo puts back the first one's (none).
      const ann = await kubectl(c, ["annotate", "deployment/web", "kubernetes.io/change-cause=to 1.28"]);
      expect(ann.stdout).toBe("deployment.apps/web annotated\n");
      await until(async () => {
        const h = await kubectl(c, ["rollout", "history", "deployment/web"]);
        return h.stdout.includes("to 1.28") || undefined;
      });
      const undo = await kubectl(c, ["rollout", "undo", "deployment/web"]);
      expect(undo.stdout).toBe("deployment.apps/web rolled back\n");
      const st2 = await kubectl(c, ["rollout", "status", "deployment/web", "--timeout=30s"]);
      expect(st2.code).toBe(0);
      const rs = await kubectl(c, ["get", "rs", "-l", "app=web", "--no-headers"]);
      expect(rs.stdout.trim().split("\n")).toHaveLength(2);
      const h = await kubectl(c, ["rollout", "history", "deployment/web"]);
      expect(h.stdout.split("\n").filter((l) => /^\d/.test(l))).toEqual([
        "2         to 1.28",
        "3         <none>",
      ]);
      expect(await jp(c, "deployment/web", "{.metadata.annotations.kubernetes\\.io/change-cause}")).toBe("");
    });

    it("rollout status waits through a DaemonSet and a StatefulSet template change", async () => {
      expect((await kubectl(c, ["set", "image", "daemonset/agent", "c=busybox:1.37"])).code).toBe(0);
      const ds = await kubectl(c, ["rollout", "status", "daemonset/agent", "--timeout=30s"]);
      expect(ds.code).toBe(0);
      expect(ds.stdout.trim().split("\n").at(-1)).toBe('daemon set "agent" successfully rolled out');
      expect(
        await jp(c, "daemonset/agent", "{.status.updatedNumberScheduled}/{.status.desiredNumberScheduled}"),
      ).toBe("2/2");
      expect((await kubectl(c, ["set", "image", "statefulset/db", "c=postgres:17"])).code).toBe(0);
      const sts = await kubectl(c, ["rollout", "status", "statefulset/db", "--timeout=30s"]);
      expect(sts.code).toBe(0);
      const revs = await jp(
        c,
        "statefulset/db",
        "{.status.currentRevision} {.status.updateRevision} {.status.updatedReplicas}",
      );
      const [cur, upd, n] = revs.split(" ");
      expect(cur).toBe(upd);
      expect(n).toBe("2");
    });
  });
}

/** The lines of `kubectl rollout history` after its `<kind>/<name>` heading. */
const rows = (out: string) => out.split("\n").filter((l) => /^\d/.test(l));

for (const version of ["1.28", "1.33"]) {
  describe(`ControllerRevisions with kubectl ${version}`, () => {
    let c: KubeCluster;
    beforeAll(async () => {
      c = await makeCluster(emu, `hist${version.replace(".", "")}`, { count: 2, version });
      const a = await kubectl(c, ["apply", "-f", manifestFile(HISTORY)]);
      expect(a.stdout).toBe("daemonset.apps/logs created\nstatefulset.apps/kv created\n");
    });

    // kubectl's DescribePodTemplate (1.33 adds node selectors and tolerations).
    const described = (head: string, labels: string, image: string) =>
      `${head}\nPod Template:\n  Labels:\t${labels}\n  Containers:\n   c:\n    Image:\t${image}\n` +
      "    Port:\t<none>\n    Host Port:\t<none>\n    Environment:\t<none>\n    Mounts:\t<none>\n  Volumes:\t<none>\n" +
      (version === "1.33" ? "  Node-Selectors:\t<none>\n  Tolerations:\t<none>\n" : "") +
      "\n";

    const rolled = async (what: string) => {
      const r = await kubectl(c, ["rollout", "status", what, "--timeout=30s"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      // A finished rollout may still have old pods Terminating (deleted gracefully): wait them out.
      await until(async () => {
        const t = await kubectl(c, [
          "get",
          "pods",
          "-o",
          "jsonpath={.items[?(@.metadata.deletionTimestamp)].metadata.name}",
        ]);
        return t.stdout.trim() === "" ? true : undefined;
      });
    };

    /**
     * `set image` to `second`, then (with a change-cause) to `third`: `rollout history` lists
     * revisions 1, 2 and 3, the last with its cause.
     */
    const threeRevisions = async (what: string, second: string, third: string) => {
      const printed = what.replace("/", ".apps/");
      const cause = `to ${third.split(":")[1]}`;
      await rolled(what);
      expect((await kubectl(c, ["set", "image", what, `c=${second}`])).code).toBe(0);
      await rolled(what);
      const ann = await kubectl(c, ["annotate", what, `kubernetes.io/change-cause=${cause}`]);
      expect(ann.stdout).toBe(`${printed} annotated\n`);
      expect((await kubectl(c, ["set", "image", what, `c=${third}`])).code).toBe(0);
      await rolled(what);
      const h = await kubectl(c, ["rollout", "history", what]);
      expect(h.stderr).toBe("");
      expect(h.stdout).toBe(
        `${printed} \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n3         ${cause}\n\n`,
      );
    };

    /** The rows a jsonpath over controllerrevisions printed, split on spaces, by revision (column 2). */
    const byRevision = (out: string) =>
      out
        .trim()
        .split("\n")
        .map((l) => l.split(" "))
        .sort((a, b) => Number(a[1]) - Number(b[1]));

    it("a DaemonSet: set image twice → history 1, 2, 3; --revision=2; undo to 1; revisions listed and collected", async () => {
      await threeRevisions("daemonset/logs", "busybox:1.36", "busybox:1.37");
      const r2 = await kubectl(c, ["rollout", "history", "daemonset/logs", "--revision=2"]);
      expect(r2.stderr).toBe("");
      expect(r2.stdout).toBe(described("daemonset.apps/logs with revision #2", "app=logs", "busybox:1.36"));

      // Each revision is <owner>-<hash>; the pods carry the current one's hash.
      const revs = await jp(
        c,
        "controllerrevisions",
        '{range .items[?(@.metadata.ownerReferences[0].name=="logs")]}{.metadata.name} {.revision} {.metadata.labels.controller-revision-hash} {.metadata.ownerReferences[0].kind} {.data.spec.template.spec.containers[0].image}{"\\n"}{end}',
      );
      const table = byRevision(revs);
      expect(table.map((r) => [r[1], r[3], r[4]])).toEqual([
        ["1", "DaemonSet", "busybox:1.35"],
        ["2", "DaemonSet", "busybox:1.36"],
        ["3", "DaemonSet", "busybox:1.37"],
      ]);
      for (const [name, , hash] of table) {
        expect(hash).toMatch(SAFE);
        expect(name).toBe(`logs-${hash}`);
      }
      const podHashes = await kubectl(c, [
        "get",
        "pods",
        "-l",
        "app=logs",
        "-o",
        "jsonpath={.items[*].metadata.labels.controller-revision-hash}",
      ]);
      expect(podHashes.stdout).toBe(`${table[2][2]} ${table[2][2]}`);
      // The template generation kube-apiserver keeps: 3 after two template changes (not the
      // annotate); the pods' label and the revision's copied annotations follow it.
      expect(
        await jp(
          c,
          "daemonset/logs",
          "{.metadata.annotations.deprecated\\.daemonset\\.template\\.generation}",
        ),
      ).toBe("3");
      expect(
        (
          await kubectl(c, [
            "get",
            "pods",
            "-l",
            "app=logs",
            "-o",
            "jsonpath={.items[*].metadata.labels.pod-template-generation}",
          ])
        ).stdout,
      ).toBe("3 3");
      expect(
        await jp(
          c,
          `controllerrevision/${table[2][0]}`,
          "{.metadata.annotations.deprecated\\.daemonset\\.template\\.generation} {.metadata.annotations.kubernetes\\.io/change-cause}",
        ),
      ).toBe("3 to 1.37");
      const get = await kubectl(c, ["get", "controllerrevisions", "-l", "app=logs", "--no-headers"]);
      expect(
        get.stdout
          .trim()
          .split("\n")
          .map((l) => l.split(/\s+/).slice(0, 3).join(" "))
          .sort(),
      ).toEqual(table.map(([name, rev]) => `${name} daemonset.apps/logs ${rev}`).sort());

      // Undo to 1: the first template comes back, revision 1 becomes 4 (no new revision).
      const undo = await kubectl(c, ["rollout", "undo", "daemonset/logs", "--to-revision=1"]);
      expect(undo.stderr).toBe("");
      expect(undo.stdout).toBe("daemonset.apps/logs rolled back\n");
      await rolled("daemonset/logs");
      expect(
        (
          await kubectl(c, [
            "get",
            "pods",
            "-l",
            "app=logs",
            "-o",
            "jsonpath={.items[*].spec.containers[0].image}",
          ])
        ).stdout,
      ).toBe("busybox:1.35 busybox:1.35");
      expect(rows((await kubectl(c, ["rollout", "history", "daemonset/logs"])).stdout)).toEqual([
        "2         <none>",
        "3         to 1.37",
        "4         <none>",
      ]);
      expect(
        (
          await kubectl(c, [
            "get",
            "pods",
            "-l",
            "app=logs",
            "-o",
            "jsonpath={.items[*].metadata.labels.controller-revision-hash}",
          ])
        ).stdout,
      ).toBe(`${table[0][2]} ${table[0][2]}`);
      const again = await kubectl(c, ["rollout", "undo", "daemonset/logs", "--to-revision=4"]);
      expect(again.stdout).toBe(
        "daemonset.apps/logs skipped rollback (current template already matches revision 4)\n",
      );

      // Deleting the DaemonSet takes its revisions with it (garbage collection).
      expect((await kubectl(c, ["delete", "daemonset/logs", "--wait=true"])).code).toBe(0);
      await until(async () => {
        const left = await kubectl(c, ["get", "controllerrevisions", "-l", "app=logs", "-o", "name"]);
        return left.stdout === "" ? true : undefined;
      }, 30_000);
    });

    it("revisionHistoryLimit 1: once the pods have moved on, only the current revision and one old one stay", async () => {
      const m = manifestFile(`apiVersion: apps/v1
kind: DaemonSet
metadata: {name: trim}
spec:
  revisionHistoryLimit: 1
  selector: {matchLabels: {app: trim}}
  template:
    metadata: {labels: {app: trim}}
    spec:
      containers: [{name: c, image: "busybox:1.35"}]
`);
      expect((await kubectl(c, ["apply", "-f", m])).stdout).toBe("daemonset.apps/trim created\n");
      await rolled("daemonset/trim");
      for (const tag of ["1.36", "1.37", "1.38"]) {
        expect((await kubectl(c, ["set", "image", "daemonset/trim", `c=busybox:${tag}`])).code).toBe(0);
        await rolled("daemonset/trim");
      }
      const revs = await until(async () => {
        const r = await jp(
          c,
          "controllerrevisions",
          '{range .items[?(@.metadata.ownerReferences[0].name=="trim")]}{.revision}:{.data.spec.template.spec.containers[0].image} {end}',
        );
        const list = r.trim().split(" ").sort();
        return list.length === 2 ? list : undefined;
      });
      expect(revs).toEqual(["3:busybox:1.37", "4:busybox:1.38"]);
      expect(rows((await kubectl(c, ["rollout", "history", "daemonset/trim"])).stdout)).toEqual([
        "3         <none>",
        "4         <none>",
      ]);
      expect((await kubectl(c, ["delete", "daemonset/trim"])).code).toBe(0);
    });

    it("a partitioned StatefulSet rollout: a deleted pod below the partition comes back at the old revision", async () => {
      const m = manifestFile(`apiVersion: apps/v1
kind: StatefulSet
metadata: {name: part}
spec:
  replicas: 2
  serviceName: part
  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 1}}
  selector: {matchLabels: {app: part}}
  template:
    metadata: {labels: {app: part}}
    spec:
      containers: [{name: c, image: "redis:7.0"}]
`);
      expect((await kubectl(c, ["apply", "-f", m])).stdout).toBe("statefulset.apps/part created\n");
      await rolled("statefulset/part");
      expect((await kubectl(c, ["set", "image", "statefulset/part", "c=redis:7.2"])).code).toBe(0);
      const images = () =>
        kubectl(c, [
          "get",
          "pods",
          "-l",
          "app=part",
          "-o",
          "jsonpath={range .items[*]}{.metadata.name}={.spec.containers[0].image} {end}",
        ]).then((r) => r.stdout.trim());
      await until(async () => ((await images()) === "part-0=redis:7.0 part-1=redis:7.2" ? true : undefined));
      const [cur, upd] = (
        await jp(c, "statefulset/part", "{.status.currentRevision} {.status.updateRevision}")
      ).split(" ");
      expect(cur).not.toBe(upd);
      expect((await kubectl(c, ["delete", "pod", "part-0"])).code).toBe(0);
      await until(async () => {
        const r = await kubectl(c, ["get", "pod", "part-0", "-o", "jsonpath={.status.phase}"]);
        return r.stdout === "Running" ? true : undefined;
      });
      expect(await images()).toBe("part-0=redis:7.0 part-1=redis:7.2");
      expect(
        (
          await kubectl(c, [
            "get",
            "pod",
            "part-0",
            "-o",
            "jsonpath={.metadata.labels.controller-revision-hash}",
          ])
        ).stdout,
      ).toBe(cur);
      expect((await kubectl(c, ["delete", "statefulset/part"])).code).toBe(0);
    });

    it("a StatefulSet: set image twice → history 1, 2, 3; --revision=2; undo to 1; status names its revisions", async () => {
      await threeRevisions("statefulset/kv", "redis:7.2", "redis:7.4");
      const r2 = await kubectl(c, ["rollout", "history", "statefulset/kv", "--revision=2"]);
      expect(r2.stderr).toBe("");
      expect(r2.stdout).toBe(described("statefulset.apps/kv with revision #2", "app=kv", "redis:7.2"));

      const revs = await jp(
        c,
        "controllerrevisions",
        '{range .items[?(@.metadata.ownerReferences[0].name=="kv")]}{.metadata.name} {.revision} {.metadata.labels.controller\\.kubernetes\\.io/hash} {.data.spec.template.spec.containers[0].image}{"\\n"}{end}',
      );
      const table = byRevision(revs);
      expect(table.map((r) => [r[1], r[3]])).toEqual([
        ["1", "redis:7.0"],
        ["2", "redis:7.2"],
        ["3", "redis:7.4"],
      ]);
      for (const [name, , hash] of table) {
        expect(hash).toMatch(SAFE);
        expect(name).toBe(`kv-${hash}`);
      }
      expect(await jp(c, "statefulset/kv", "{.status.currentRevision} {.status.updateRevision}")).toBe(
        `${table[2][0]} ${table[2][0]}`,
      );
      expect(
        (
          await kubectl(c, [
            "get",
            "pods",
            "-l",
            "app=kv",
            "-o",
            "jsonpath={.items[*].metadata.labels.controller-revision-hash}",
          ])
        ).stdout,
      ).toBe(`${table[2][0]} ${table[2][0]}`);

      const undo = await kubectl(c, ["rollout", "undo", "statefulset/kv", "--to-revision=1"]);
      expect(undo.stderr).toBe("");
      expect(undo.stdout).toBe("statefulset.apps/kv rolled back\n");
      await rolled("statefulset/kv");
      expect(
        (
          await kubectl(c, [
            "get",
            "pods",
            "-l",
            "app=kv",
            "-o",
            "jsonpath={.items[*].spec.containers[0].image}",
          ])
        ).stdout,
      ).toBe("redis:7.0 redis:7.0");
      expect(await jp(c, "statefulset/kv", "{.status.currentRevision} {.status.updateRevision}")).toBe(
        `${table[0][0]} ${table[0][0]}`,
      );
      expect(rows((await kubectl(c, ["rollout", "history", "statefulset/kv"])).stdout)).toEqual([
        "2         <none>",
        "3         to 7.4",
        "4         <none>",
      ]);
      // All three stay (revisionHistoryLimit 10): revision 1 is now 4.
      expect(
        (await kubectl(c, ["get", "controllerrevisions", "-l", "app=kv", "--no-headers"])).stdout
          .trim()
          .split("\n")
          .map((l) => l.split(/\s+/).slice(0, 3).join(" "))
          .sort(),
      ).toEqual(table.map(([name, rev]) => `${name} statefulset.apps/kv ${rev === "1" ? "4" : rev}`).sort());

      expect((await kubectl(c, ["delete", "statefulset/kv", "--wait=true"])).code).toBe(0);
      await until(async () => {
        const left = await kubectl(c, ["get", "controllerrevisions", "-l", "app=kv", "-o", "name"]);
        return left.stdout === "" ? true : undefined;
      }, 30_000);
    });
  });
}

describe("the Progressing condition with kubectl 1.33", () => {
  let c: KubeCluster;
  beforeAll(async () => {
    c = await makeCluster(emu, "progress", { count: 1, version: "1.33" });
  });
  const progressing = async (name: string) => {
    const out = await kubectl(c, [
      "get",
      "deploy",
      name,
      "-o",
      'jsonpath={range .status.conditions[?(@.type=="Progressing")]}{.status} {.reason} {.message}{end}',
    ]);
    return out.stdout;
  };

  it("a rollout that makes no progress for progressDeadlineSeconds fails `rollout status`", async () => {
    const r = await kubectl(
      c,
      ["apply", "-f", "-"],
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: big}
spec:
  progressDeadlineSeconds: 2
  selector: {matchLabels: {app: big}}
  template:
    metadata: {labels: {app: big}}
    spec:
      containers: [{name: c, image: nginx, resources: {requests: {cpu: "500"}}}]
`,
    );
    expect(r.stdout).toBe("deployment.apps/big created\n");
    const stuck = await until(async () => {
      const p = await progressing("big");
      return p.includes("ProgressDeadlineExceeded") ? p : undefined;
    }, 20_000);
    expect(stuck).toMatch(
      /^False ProgressDeadlineExceeded ReplicaSet "big-[a-z0-9]+" has timed out progressing\.$/,
    );
    const status = await kubectl(c, ["rollout", "status", "deploy/big", "--timeout=20s"]);
    expect(status.code).toBe(1);
    expect(status.stderr).toBe('error: deployment "big" exceeded its progress deadline\n');
  });

  it("pause and resume are recorded on the condition; the rollout then completes", async () => {
    await kubectl(c, ["create", "deployment", "web", "--image=nginx"]);
    await until(async () =>
      (await progressing("web")).includes("NewReplicaSetAvailable") ? true : undefined,
    );
    expect((await kubectl(c, ["rollout", "pause", "deploy/web"])).stdout).toBe(
      "deployment.apps/web paused\n",
    );
    await until(async () =>
      (await progressing("web")) === "Unknown DeploymentPaused Deployment is paused" ? true : undefined,
    );
    await kubectl(c, ["set", "image", "deploy/web", "nginx=nginx:1.27"]);
    expect((await kubectl(c, ["rollout", "resume", "deploy/web"])).stdout).toBe(
      "deployment.apps/web resumed\n",
    );
    const status = await kubectl(c, ["rollout", "status", "deploy/web", "--timeout=30s"]);
    expect(status.stdout).toContain('deployment "web" successfully rolled out');
    expect(await progressing("web")).toMatch(
      /^True NewReplicaSetAvailable ReplicaSet "web-[a-z0-9]+" has successfully progressed\.$/,
    );
  });
});

describe("ownership follows the selector (ClaimPods, ClaimReplicaSets)", () => {
  let c: KubeCluster;
  beforeAll(async () => {
    c = await makeCluster(emu, "claims", { count: 1, version: "1.33" });
  });
  const json = async (args: string[]) => JSON.parse((await kubectl(c, [...args, "-o", "json"])).stdout);

  it("a pod relabelled out of its ReplicaSet is released and replaced", async () => {
    await kubectl(c, ["create", "deployment", "web", "--image=nginx", "--replicas=2"]);
    const two = await until(async () => {
      const items = (await json(["get", "pods", "-l", "app=web"])).items;
      return items.length === 2 &&
        items.every((p: { status: { phase: string } }) => p.status.phase === "Running")
        ? items
        : undefined;
    });
    const name = two[0].metadata.name;
    expect((await kubectl(c, ["label", "pod", name, "app-"])).stdout).toBe(`pod/${name} unlabeled\n`);
    const freed = await until(async () => {
      const p = await json(["get", "pod", name]);
      return p.metadata.ownerReferences === undefined ? p : undefined;
    });
    expect(freed.status.phase).toBe("Running");
    const replaced = await until(async () => {
      const items = (await json(["get", "pods", "-l", "app=web"])).items;
      return items.length === 2 &&
        !items.some((p: { metadata: { name: string } }) => p.metadata.name === name)
        ? items
        : undefined;
    });
    expect(replaced).toHaveLength(2);
  });

  it("a bare pod that a ReplicaSet's selector matches is adopted (and the surplus pod goes)", async () => {
    const before = (await json(["get", "pods", "-l", "app=web"])).items.length;
    expect(before).toBe(2);
    // A Deployment's ReplicaSet selects its pod-template-hash too.
    const hash = (await json(["get", "rs", "-l", "app=web"])).items[0].metadata.labels["pod-template-hash"];
    await kubectl(c, ["run", "stray", "--image=nginx", `--labels=app=web,pod-template-hash=${hash}`]);
    // Adopted, it is the surplus, and the least ready: the ReplicaSet deletes it (only its own).
    const deleted = await until(async () => {
      const ev = (await json(["get", "events", "--field-selector", "reason=SuccessfulDelete"])).items as {
        message: string;
        involvedObject: { kind: string; name: string };
      }[];
      return ev.find((e) => e.message === "Deleted pod: stray");
    });
    expect(deleted.involvedObject.kind).toBe("ReplicaSet");
    expect(deleted.involvedObject.name).toMatch(/^web-/);
    await until(async () =>
      (await json(["get", "pods", "-l", "app=web"])).items.length === 2 ? true : undefined,
    );
  });

  it("a Deployment deleted with --cascade=orphan and made again adopts its ReplicaSet", async () => {
    await kubectl(c, ["create", "deployment", "ad", "--image=nginx", "--replicas=2"]);
    await until(async () =>
      (await json(["get", "deploy", "ad"])).status?.availableReplicas === 2 ? true : undefined,
    );
    const rs = (await json(["get", "rs", "-l", "app=ad"])).items;
    expect(rs).toHaveLength(1);
    expect((await kubectl(c, ["delete", "deploy", "ad", "--cascade=orphan"])).stdout).toBe(
      'deployment.apps "ad" deleted\n',
    );
    await kubectl(c, ["create", "deployment", "ad", "--image=nginx", "--replicas=2"]);
    const back = await until(async () => {
      const items = (await json(["get", "rs", "-l", "app=ad"])).items;
      return items.length === 1 && items[0].metadata.ownerReferences?.[0]?.name === "ad" ? items : undefined;
    });
    expect(back[0].metadata.name).toBe(rs[0].metadata.name);
    await until(async () =>
      (await json(["get", "deploy", "ad"])).status?.availableReplicas === 2 ? true : undefined,
    );
    expect((await json(["get", "pods", "-l", "app=ad"])).items).toHaveLength(2);
    expect((await json(["get", "deploy", "ad"])).status.collisionCount).toBeUndefined();
  });
});

describe("minReadySeconds", () => {
  let c: KubeCluster;
  beforeAll(async () => {
    c = await makeCluster(emu, "minready", { count: 1, version: "1.33" });
  });
  const deploy = async () => JSON.parse((await kubectl(c, ["get", "deploy", "mr", "-o", "json"])).stdout);

  it("Ready pods of an hour's minReadySeconds are not available yet", async () => {
    await kubectl(
      c,
      ["apply", "-f", "-"],
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: slow}
spec:
  replicas: 2
  minReadySeconds: 3600
  selector: {matchLabels: {app: slow}}
  template:
    metadata: {labels: {app: slow}}
    spec:
      containers: [{name: c, image: nginx}]
`,
    );
    const get = async () => JSON.parse((await kubectl(c, ["get", "deploy", "slow", "-o", "json"])).stdout);
    const ready = await until(async () => {
      const d = await get();
      return d.status?.readyReplicas === 2 ? d : undefined;
    });
    expect(ready.status.availableReplicas ?? 0).toBe(0);
    // minReadySeconds is no template field: the same ReplicaSet takes the new value, as
    // getNewReplicaSet copies it, and its Ready pods are available at once.
    await kubectl(c, ["patch", "deploy", "slow", "--type=merge", "-p", '{"spec":{"minReadySeconds":0}}']);
    const available = await until(async () => {
      const d = await get();
      return d.status?.availableReplicas === 2 ? d : undefined;
    });
    expect(available.status.updatedReplicas).toBe(2);
    const rss = JSON.parse((await kubectl(c, ["get", "rs", "-l", "app=slow", "-o", "json"])).stdout).items;
    expect(rss).toHaveLength(1);
    expect(rss[0].spec.minReadySeconds).toBeUndefined();
  });

  it("a pod counts as available only once Ready for minReadySeconds; the rollout waits for it", async () => {
    await kubectl(
      c,
      ["apply", "-f", "-"],
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: mr}
spec:
  replicas: 2
  minReadySeconds: 3
  selector: {matchLabels: {app: mr}}
  template:
    metadata: {labels: {app: mr}}
    spec:
      containers: [{name: c, image: nginx}]
`,
    );
    const available = await until(async () => {
      const d = await deploy();
      return d.status?.availableReplicas === 2 ? d : undefined;
    });
    expect(available.status.conditions.find((x: { type: string }) => x.type === "Available").status).toBe(
      "True",
    );
    // A rolling update keeps the old pods until the new ones have been Ready for 3 s.
    await kubectl(c, ["set", "image", "deploy/mr", "c=nginx:1.27"]);
    const t0 = Date.now();
    const r = await kubectl(c, ["rollout", "status", "deploy/mr", "--timeout=60s"]);
    expect(r.stdout).toContain('deployment "mr" successfully rolled out');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3000);
  });
});

describe("scaling mid-rollout (sync.go scale) and Recreate (recreate.go) with kubectl 1.33", () => {
  let c: KubeCluster;
  beforeAll(async () => {
    c = await makeCluster(emu, "scaling", { count: 1, version: "1.33" });
  });
  const json = async (args: string[]) => JSON.parse(await kubectlOk(c, [...args, "-o", "json"]));
  /** spec.replicas of the Deployment's ReplicaSets, oldest revision first. */
  const sizes = async (app: string) =>
    (
      (await json(["get", "rs", "-l", `app=${app}`])).items as {
        metadata: { annotations: Record<string, string> };
        spec: { replicas: number };
      }[]
    )
      .sort(
        (a, b) =>
          Number(a.metadata.annotations["deployment.kubernetes.io/revision"]) -
          Number(b.metadata.annotations["deployment.kubernetes.io/revision"]),
      )
      .map((rs) => rs.spec.replicas);
  const settled = (app: string, want: number[], available: number) =>
    until(async () => {
      const d = await json(["get", "deploy", app]);
      return JSON.stringify(await sizes(app)) === JSON.stringify(want) &&
        (d.status?.availableReplicas ?? 0) === available
        ? true
        : undefined;
    }, 30_000);

  it("kubectl scale during a stuck rollout resizes every ReplicaSet in proportion; the old pods stay available", async () => {
    await kubectlOk(c, ["create", "deploy", "prop", "--image=nginx", "--replicas=10"]);
    await settled("prop", [10], 10);
    // The new pods cannot be scheduled: the rollout stops at 8 old available + 5 new pending.
    await kubectlOk(c, [
      "patch",
      "deploy",
      "prop",
      "-p",
      '{"spec":{"template":{"spec":{"nodeSelector":{"nope":"x"}}}}}',
    ]);
    await settled("prop", [8, 5], 8);
    await kubectlOk(c, ["scale", "deploy", "prop", "--replicas=20"]);
    // Upstream's numbers: to add 25 − 13 = 12; old round(8·25/13) − 8 = 7, new the other 5.
    await settled("prop", [15, 10], 15);
    await kubectlOk(c, ["scale", "deploy", "prop", "--replicas=5"]);
    // To remove 25 − 7 = 18: old round(15·7/25) − 15 = −11, new −7. Never zero available.
    await settled("prop", [4, 3], 4);
    const [oldName, newName] = (
      (await json(["get", "rs", "-l", "app=prop"])).items as {
        metadata: { name: string; annotations: Record<string, string> };
      }[]
    )
      .sort(
        (a, b) =>
          Number(a.metadata.annotations["deployment.kubernetes.io/revision"]) -
          Number(b.metadata.annotations["deployment.kubernetes.io/revision"]),
      )
      .map((rs) => rs.metadata.name);
    const events = (
      (await json(["get", "events", "--field-selector", "involvedObject.name=prop,reason=ScalingReplicaSet"]))
        .items as { message: string }[]
    ).map((e) => e.message);
    expect(events).toEqual(
      expect.arrayContaining([
        `Scaled up replica set ${oldName} from 8 to 15`,
        `Scaled up replica set ${newName} from 5 to 10`,
        `Scaled down replica set ${oldName} from 15 to 4`,
        `Scaled down replica set ${newName} from 10 to 3`,
      ]),
    );
    // Every ReplicaSet is annotated with the size it was scaled for.
    for (const rs of (await json(["get", "rs", "-l", "app=prop"])).items)
      expect([
        rs.metadata.annotations["deployment.kubernetes.io/desired-replicas"],
        rs.metadata.annotations["deployment.kubernetes.io/max-replicas"],
      ]).toEqual(["5", "7"]);
  });

  it("Recreate starts the new pods only once every old pod is gone, Terminating ones included", async () => {
    await kubectlOk(
      c,
      ["apply", "-f", "-"],
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: rc}
spec:
  replicas: 2
  strategy: {type: Recreate}
  selector: {matchLabels: {app: rc}}
  template:
    metadata: {labels: {app: rc}}
    spec:
      containers: [{name: c, image: "nginx:1.26"}]
`,
    );
    await settled("rc", [2], 2);
    const old = new Set(
      ((await json(["get", "pods", "-l", "app=rc"])).items as { metadata: { name: string } }[]).map(
        (p) => p.metadata.name,
      ),
    );
    const watch = kubectl(c, [
      "get",
      "pods",
      "-l",
      "app=rc",
      "--watch",
      "--output-watch-events",
      "--no-headers",
      "--request-timeout=15s",
    ]);
    await new Promise((r) => setTimeout(r, 500));
    await kubectlOk(c, ["set", "image", "deploy/rc", "c=nginx:1.27"]);
    const status = await kubectl(c, ["rollout", "status", "deploy/rc", "--timeout=60s"]);
    expect(status.stdout).toContain('deployment "rc" successfully rolled out');
    const seen = (await watch).stdout
      .trim()
      .split("\n")
      .map((l) => l.trim().split(/\s+/));
    const lastOldGone = seen.findLastIndex(([type, name]) => type === "DELETED" && old.has(name));
    const firstNew = seen.findIndex(([type, name]) => type === "ADDED" && !old.has(name));
    // The old pods were seen Terminating (graceful deletion), and gone before any new pod.
    expect(seen.some(([, name, , phase]) => old.has(name) && phase === "Terminating")).toBe(true);
    expect(lastOldGone).toBeGreaterThan(0);
    expect(firstNew).toBeGreaterThan(lastOldGone);
  });
});
