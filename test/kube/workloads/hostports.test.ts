import type { Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import {
  assignHostPorts,
  chooseHostPorts,
  describeHostPorts,
  failedCreateMessage,
  HOST_PORT_AUTO_ASSIGN_ANNOTATION,
  HostPortAssignError,
  hostPortEnvName,
  hostPortRefusalStatus,
  workloadName,
} from "../../../src/kube/workloads/index.js";
import { Cluster, echoserverDeployment } from "./harness.js";

const ANN = HOST_PORT_AUTO_ASSIGN_ANNOTATION;

function seedPod(annotation = "8080/tcp,8443/tcp"): Pod {
  return {
    metadata: {
      name: "echoserver-hostport-75dc8d8855-4gjfc",
      namespace: "default",
      annotations: { [ANN]: annotation },
      labels: { app: "echoserver-hostport", "pod-template-hash": "75dc8d8855" },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "echoserver-hostport-75dc8d8855",
          uid: "u1",
          controller: true,
        },
      ],
    },
    spec: {
      containers: [
        {
          name: "echoserver-hostport",
          image: "k8s.gcr.io/echoserver:1.10",
          ports: [
            { name: "http", containerPort: 8080, protocol: "TCP" },
            { name: "https", containerPort: 8443, protocol: "TCP" },
          ],
        },
        { name: "sidecar", image: "busybox" },
      ],
    },
  };
}

const ctx = { featureRegistered: true, kubernetesVersion: "1.33.5", taken: new Set<number>(), cursor: 0 };

describe("host-port auto-assignment admission", () => {
  it("sets hostPort on each listed port and the env variables on every container (seed 003)", () => {
    const r = assignHostPorts(seedPod(), { ...ctx, taken: new Set([40000, 40002]), cursor: 0 });
    expect(r.changed).toBe(true);
    if (!r.changed) return;
    expect(r.ports).toEqual([
      { containerPort: 8080, protocol: "TCP", hostPort: 40001 },
      { containerPort: 8443, protocol: "TCP", hostPort: 40003 },
    ]);
    expect(r.nextCursor).toBe(4);
    const [main, side] = r.pod.spec?.containers ?? [];
    expect(describeHostPorts(main)).toBe("40001/TCP, 40003/TCP");
    const env = [
      { name: "echoserver-hostport_PORT_8080_TCP_HOSTPORT", value: "40001" },
      { name: "echoserver-hostport_PORT_8443_TCP_HOSTPORT", value: "40003" },
    ];
    expect(main.env).toEqual(env);
    expect(side.env).toEqual(env);
    expect(side.ports).toBeUndefined();
    // The input is not modified.
    expect(seedPod().spec?.containers[0].ports?.[0].hostPort).toBeUndefined();
  });

  it("does nothing without the flag, below 1.24, or without the annotation", () => {
    expect(assignHostPorts(seedPod(), { ...ctx, featureRegistered: false }).changed).toBe(false);
    expect(assignHostPorts(seedPod(), { ...ctx, kubernetesVersion: "1.23.12" }).changed).toBe(false);
    const plain = seedPod();
    delete plain.metadata?.annotations?.[ANN];
    expect(assignHostPorts(plain, ctx).changed).toBe(false);
    expect(assignHostPorts(seedPod(), { ...ctx, kubernetesVersion: "1.24.0" }).changed).toBe(true);
  });

  it.each([
    ["8080/tcp,9999/tcp", "port 9999/TCP is not declared by any container of the pod"],
    ["8080/sctp", "protocol 'sctp' is not supported; the protocol must be tcp or udp"],
    ["8080/udp", "port 8080/UDP is not declared by any container of the pod"],
    ["8080", "the protocol is missing"],
    ["8080/tcp,,8443/tcp", "entry 2 is empty"],
    ["8080-8090/tcp", "port ranges are not allowed here"],
    ["8080/tcp,8080/tcp", "port 8080/TCP is listed twice"],
    ["", "the list is empty"],
    ["70000/tcp", "port 70000 is out of range"],
  ])("refuses %j with a field error naming the annotation", (value, why) => {
    const run = () => assignHostPorts(seedPod(value), ctx);
    expect(run).toThrow(HostPortAssignError);
    try {
      run();
    } catch (e) {
      const err = e as HostPortAssignError;
      expect(err.field).toBe(`metadata.annotations[${ANN}]`);
      expect(
        err.message.startsWith(`metadata.annotations[${ANN}]: Invalid value: ${JSON.stringify(value)}: `),
      ).toBe(true);
      expect(err.message).toContain(why);
    }
  });

  it("refuses a listed port that already has a hostPort", () => {
    const pod = seedPod();
    const ports = pod.spec?.containers[0].ports ?? [];
    ports[0].hostPort = 8080;
    expect(() => assignHostPorts(pod, ctx)).toThrow("port 8080/TCP already sets hostPort 8080");
  });

  it("running out of ports is an error, never a duplicate", () => {
    const taken = new Set<number>();
    for (let p = 40000; p <= 59999; p++) if (p !== 51234) taken.add(p);
    expect(chooseHostPorts(1, taken, 0)).toEqual({ ports: [51234], nextCursor: 11235 });
    expect(chooseHostPorts(2, taken, 0)).toBeUndefined();
    expect(() => assignHostPorts(seedPod(), { ...ctx, taken })).toThrow(
      "no free host ports left in 40000-59999 for 2 port(s)",
    );
  });

  it("is next-fit: released ports come back only after the cursor wraps", () => {
    const a = chooseHostPorts(3, new Set(), 0);
    expect(a?.ports).toEqual([40000, 40001, 40002]);
    // 40000 released: the next choice continues after the cursor.
    expect(chooseHostPorts(1, new Set([40001, 40002]), a?.nextCursor ?? 0)?.ports).toEqual([40003]);
    expect(chooseHostPorts(2, new Set([59999]), 19998)?.ports).toEqual([59998, 40000]);
    // Ports outside the range in the taken set are ignored.
    expect(chooseHostPorts(1, new Set([80, 39999]), 0)?.ports).toEqual([40000]);
  });

  it("names variables after the Deployment (owner chain through the ReplicaSet)", () => {
    expect(workloadName(seedPod())).toBe("echoserver-hostport");
    expect(hostPortEnvName("echoserver-hostport", 8080, "tcp")).toBe(
      "echoserver-hostport_PORT_8080_TCP_HOSTPORT",
    );
    const sts: Pod = {
      metadata: {
        name: "db-0",
        ownerReferences: [
          { apiVersion: "apps/v1", kind: "StatefulSet", name: "db", uid: "x", controller: true },
        ],
      },
    };
    expect(workloadName(sts)).toBe("db");
    expect(workloadName({ metadata: { name: "bare" } })).toBe("bare");
  });
});

describe("seed 003 end to end through the controllers", () => {
  it("three echoserver pods, cluster-unique host ports, env variables, Running", () => {
    const c = new Cluster("kubenet", [{ name: "nodepool1", count: 3, mode: "System", maxPods: 110 }]);
    c.create("apps/deployments", echoserverDeployment(3));
    c.settle();
    const pods = c.livePods();
    expect(pods).toHaveLength(3);
    const ports = pods.flatMap((p) => p.spec?.containers[0].ports?.map((x) => x.hostPort) ?? []);
    expect(new Set(ports).size).toBe(6);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(40000);
    for (const p of pods) {
      expect(p.status?.phase).toBe("Running");
      expect(p.metadata?.name).toMatch(
        /^echoserver-hostport-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/,
      );
      const c0 = p.spec?.containers[0];
      const hp = c0?.ports?.map((x) => x.hostPort);
      expect(c0?.env).toEqual([
        { name: "echoserver-hostport_PORT_8080_TCP_HOSTPORT", value: String(hp?.[0]) },
        { name: "echoserver-hostport_PORT_8443_TCP_HOSTPORT", value: String(hp?.[1]) },
      ]);
    }
    const d = [...c.deployments.values()][0];
    expect(d.status?.availableReplicas).toBe(3);
    expect(d.status?.conditions?.map((x) => [x.type, x.reason])).toEqual([
      ["Available", "MinimumReplicasAvailable"],
      ["Progressing", "NewReplicaSetAvailable"],
    ]);
  });

  it("without the flag the annotation does nothing", () => {
    const c = new Cluster("kubenet", [{ name: "nodepool1", count: 1, maxPods: 110 }], 1, false);
    c.create("apps/deployments", echoserverDeployment(2));
    c.settle();
    for (const p of c.livePods()) {
      expect(p.spec?.containers[0].ports?.every((x) => x.hostPort === undefined)).toBe(true);
      expect(p.spec?.containers[0].env).toBeUndefined();
    }
  });
});

describe("refusal as the API answers it", () => {
  it("Invalid (422) names the field; exhaustion is Forbidden (403); the ReplicaSet's FailedCreate quotes it", () => {
    let err: HostPortAssignError | undefined;
    try {
      assignHostPorts(seedPod("8080/tcp,9999/tcp"), ctx);
    } catch (e) {
      err = e as HostPortAssignError;
    }
    const st = hostPortRefusalStatus(err as HostPortAssignError, "echoserver-hostport-75dc8d8855-");
    expect(st).toMatchObject({ kind: "Status", status: "Failure", reason: "Invalid", code: 422 });
    expect(st.message).toBe(
      `Pod "echoserver-hostport-75dc8d8855-" is invalid: metadata.annotations[${ANN}]: Invalid value: "8080/tcp,9999/tcp": port 9999/TCP is not declared by any container of the pod (spec.containers[*].ports[*].containerPort)`,
    );
    expect(st.details.causes?.[0]).toEqual({
      reason: "FieldValueInvalid",
      field: `metadata.annotations[${ANN}]`,
      message: `Invalid value: "8080/tcp,9999/tcp": port 9999/TCP is not declared by any container of the pod (spec.containers[*].ports[*].containerPort)`,
    });
    expect(failedCreateMessage(st.message)).toBe(`Error creating: ${st.message}`);
    const full = new Set<number>();
    for (let p = 40000; p <= 59999; p++) full.add(p);
    try {
      assignHostPorts(seedPod(), { ...ctx, taken: full });
    } catch (e) {
      const ex = hostPortRefusalStatus(e as HostPortAssignError, "x");
      expect(ex).toMatchObject({ reason: "Forbidden", code: 403 });
      expect(
        ex.message.startsWith(
          `pods "x" is forbidden: metadata.annotations[${ANN}]: Forbidden: "8080/tcp,8443/tcp": no free host ports left`,
        ),
      ).toBe(true);
    }
  });
});
