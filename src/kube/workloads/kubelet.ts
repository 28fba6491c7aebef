// The simulated kubelet as data, in the style of kwok's stages: a pod moves
// Pending → Scheduled → ContainerCreating → Running, each stage a pure function from the pod
// (and what the node knows) to the status to write and the events `kubectl describe pod`
// shows, worded as the kubelet and kube-scheduler word them. No container runs; the
// addresses, ports, placement and timing fields are the real parts.
import { createHash } from "node:crypto";
import type {
  Container,
  ContainerStatus,
  EphemeralContainer,
  Event,
  Node,
  Pod,
  PodCondition,
  PodStatus,
} from "kubernetes-types/core/v1.js";
import { rfc3339 } from "../time.js";
import { makeEvent } from "./events.js";
import {
  type Allocatable,
  allocatableOf,
  type HostPortUse,
  matchesNodeAffinity,
  podFacts,
  portsConflict,
  scheduledMessage,
  untoleratedTaint,
} from "./scheduler.js";

export type StageName =
  | "Unschedulable"
  | "Scheduled"
  | "ContainerCreating"
  | "SandboxFailed"
  | "Running"
  | "Restarted"
  | "Completed"
  | "EphemeralStarted"
  | "DeadlineExceeded";

export interface StageInput {
  pod: Pod;
  /** Node the pod is bound to (Scheduled onwards). */
  node?: string;
  hostIP?: string;
  podIP?: string;
  /** Kubernetes version of the cluster (event wording changed in 1.35). */
  version: string;
  /** RFC 3339 "now"; timestamps are derived from it, never from the clock. */
  now: string;
  /** Images the node already holds (IfNotPresent pulls are skipped for these). */
  imagesOnNode?: ReadonlySet<string>;
  /** Unschedulable: the scheduler's message; SandboxFailed: the CNI's. */
  message?: string;
}

export interface StageOutput {
  status: PodStatus;
  events: Event[];
}

const hex = (...parts: string[]) => createHash("sha256").update(parts.join("\u0000")).digest("hex");

function minorOf(version: string): number {
  const m = /^v?1\.(\d+)/.exec(version);
  return m ? Number(m[1]) : 99;
}

/** docker.io/library/ for bare names and :latest when untagged, as containerd reports `image`. */
export function normalizeImage(image: string): string {
  let ref = image;
  const first = ref.split("/")[0];
  const hasRegistry =
    ref.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  if (!hasRegistry) ref = ref.includes("/") ? `docker.io/${ref}` : `docker.io/library/${ref}`;
  const lastPart = ref.slice(ref.lastIndexOf("/") + 1);
  if (!lastPart.includes(":") && !ref.includes("@")) ref += ":latest";
  return ref;
}

/** Image IDs already derived (a pure function of the reference; a rollout repeats one image). */
const imageIds = new Map<string, string>();

/** `repo@sha256:<digest>` (the digest is derived from the reference: stable, not a registry's). */
export function imageId(image: string): string {
  let id = imageIds.get(image);
  if (id === undefined) {
    if (imageIds.size >= 1024) imageIds.clear();
    id = deriveImageId(image);
    imageIds.set(image, id);
  }
  return id;
}

function deriveImageId(image: string): string {
  const n = normalizeImage(image);
  const at = n.indexOf("@");
  const repo = at >= 0 ? n.slice(0, at) : n.slice(0, n.lastIndexOf(":"));
  return `${repo}@sha256:${hex("image", n)}`;
}

/** PullAlways when the tag is latest or missing (the API's defaulting), else IfNotPresent. */
export function pullPolicy(c: Container): string {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  const n = normalizeImage(c.image ?? "");
  return n.endsWith(":latest") ? "Always" : "IfNotPresent";
}

/** Go's time.Duration String for whole milliseconds: "845ms", "1.562s", "2s". */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  return `${(ms / 1000).toString()}s`;
}

/** `now` + ms, formatted. A pass asks the same few (now is per second, offsets repeat): kept. */
const later = new Map<string, string>();
function addMs(now: string, ms: number): string {
  const key = `${now}+${ms}`;
  let at = later.get(key);
  if (at === undefined) {
    if (later.size >= 256) later.clear();
    at = rfc3339(Date.parse(now) + ms);
    later.set(key, at);
  }
  return at;
}

interface PodEventSpec {
  reason: string;
  message: string;
  type?: "Normal" | "Warning";
  component: "kubelet" | "default-scheduler";
  fieldPath?: string;
  at: string;
}

function event(pod: Pod, node: string | undefined, e: PodEventSpec): Event {
  return makeEvent({
    involved: { apiVersion: "v1", kind: "Pod", metadata: pod.metadata },
    reason: e.reason,
    message: e.message,
    component: e.component,
    at: e.at,
    ...(e.type ? { type: e.type } : {}),
    ...(e.fieldPath ? { fieldPath: e.fieldPath } : {}),
    ...(e.component === "kubelet" && node ? { host: node } : {}),
  });
}

function condition(
  type: string,
  status: "True" | "False",
  at: string,
  reason?: string,
  message?: string,
): PodCondition {
  return {
    type,
    status,
    lastTransitionTime: at,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

function allContainers(pod: Pod): { c: Container; init: boolean; index: number }[] {
  return [
    ...(pod.spec?.initContainers ?? []).map((c, index) => ({ c, init: true, index })),
    ...(pod.spec?.containers ?? []).map((c, index) => ({ c, init: false, index })),
  ];
}

function fieldPath(x: { c: Container; init: boolean; ephemeral?: boolean }): string {
  const list = x.ephemeral ? "spec.ephemeralContainers" : x.init ? "spec.initContainers" : "spec.containers";
  return `${list}{${x.c.name}}`;
}

/** A pull's time varies per pod; the image's size is the image's own, the same on every node. */
function pullFigures(pod: Pod, c: Container) {
  const h = (...parts: string[]) => Number.parseInt(hex(...parts).slice(0, 8), 16);
  const time = h("pull", pod.metadata?.uid ?? pod.metadata?.name ?? "", c.image ?? "");
  return {
    ms: 500 + (time % 2500),
    bytes: 5_000_000 + (h("size", normalizeImage(c.image ?? "")) % 95_000_000),
  };
}

function ips(input: StageInput) {
  return {
    ...(input.hostIP ? { hostIP: input.hostIP, hostIPs: [{ ip: input.hostIP }] } : {}),
    ...(input.podIP ? { podIP: input.podIP, podIPs: [{ ip: input.podIP }] } : {}),
  };
}

/** QoS class as the API computes it (requests == limits for all → Guaranteed, none → BestEffort). */
export function qosClass(pod: Pod): "Guaranteed" | "Burstable" | "BestEffort" {
  const cs = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  const any = cs.some(
    (c) => Object.keys(c.resources?.requests ?? {}).length || Object.keys(c.resources?.limits ?? {}).length,
  );
  if (!any) return "BestEffort";
  const guaranteed = cs.every((c) => {
    const l = c.resources?.limits ?? {};
    const r = c.resources?.requests ?? l;
    return ["cpu", "memory"].every((k) => l[k] !== undefined && String(r[k] ?? l[k]) === String(l[k]));
  });
  return guaranteed ? "Guaranteed" : "Burstable";
}

// ---- the stages ------------------------------------------------------------------------------

/** Pending with PodScheduled=False/Unschedulable and the FailedScheduling warning. */
function unschedulable(input: StageInput): StageOutput {
  const msg = input.message ?? "";
  return {
    status: {
      phase: "Pending",
      conditions: [condition("PodScheduled", "False", input.now, "Unschedulable", msg)],
      qosClass: qosClass(input.pod),
    },
    events: [
      event(input.pod, undefined, {
        reason: "FailedScheduling",
        message: msg,
        type: "Warning",
        component: "default-scheduler",
        at: input.now,
      }),
    ],
  };
}

/** Bound: PodScheduled=True and the Scheduled event. */
function scheduled(input: StageInput): StageOutput {
  return {
    status: {
      phase: "Pending",
      conditions: [condition("PodScheduled", "True", input.now)],
      qosClass: qosClass(input.pod),
    },
    events: [
      event(input.pod, input.node, {
        reason: "Scheduled",
        message: scheduledMessage(input.pod, input.node ?? ""),
        component: "default-scheduler",
        at: input.now,
      }),
    ],
  };
}

function waiting(pod: Pod, reason: string): ContainerStatus[] {
  return (pod.spec?.containers ?? []).map((c) => ({
    name: c.name,
    image: c.image ?? "",
    imageID: "",
    ready: false,
    started: false,
    restartCount: 0,
    state: { waiting: { reason } },
    lastState: {},
  }));
}

function pendingConditions(input: StageInput, sandboxReady: boolean): PodCondition[] {
  const initDone = (input.pod.spec?.initContainers ?? []).length === 0;
  const notReady =
    "containers with unready status: " +
    `[${(input.pod.spec?.containers ?? []).map((c) => c.name).join(" ")}]`;
  return [
    ...(minorOf(input.version) >= 29
      ? [condition("PodReadyToStartContainers", sandboxReady ? "True" : "False", input.now)]
      : []),
    condition(
      "Initialized",
      initDone ? "True" : "False",
      input.now,
      initDone ? undefined : "ContainersNotInitialized",
    ),
    condition("Ready", "False", input.now, "ContainersNotReady", notReady),
    condition("ContainersReady", "False", input.now, "ContainersNotReady", notReady),
    condition("PodScheduled", "True", input.now),
  ];
}

/** Sandbox being set up: ContainerCreating, startTime set, hostIP known. */
function containerCreating(input: StageInput): StageOutput {
  return {
    status: {
      phase: "Pending",
      conditions: pendingConditions(input, false),
      ...ips({ ...input, podIP: undefined }),
      startTime: input.now,
      containerStatuses: waiting(input.pod, "ContainerCreating"),
      qosClass: qosClass(input.pod),
    },
    events: [],
  };
}

/** The CNI could not give an address: still ContainerCreating, with the sandbox warning. */
function sandboxFailed(input: StageInput): StageOutput {
  const out = containerCreating(input);
  out.events = [
    event(input.pod, input.node, {
      reason: "FailedCreatePodSandBox",
      message: input.message ?? "",
      type: "Warning",
      component: "kubelet",
      at: input.now,
    }),
  ];
  return out;
}

/**
 * One container's start as the kubelet reports it — pulled (or already present), created,
 * started — from `t` ms after the stage's time; returns the time it started at.
 */
function startContainer(
  input: StageInput,
  x: { c: Container; init: boolean; ephemeral?: boolean },
  t0: number,
  present: Set<string>,
  events: Event[],
): number {
  const v = minorOf(input.version);
  const c = x.c;
  const image = c.image ?? "";
  let t = t0;
  const add = (reason: string, message: string) =>
    events.push(
      event(input.pod, input.node, {
        reason,
        message,
        component: "kubelet",
        fieldPath: fieldPath(x),
        at: addMs(input.now, t),
      }),
    );
  if (pullPolicy(c) !== "Always" && present.has(normalizeImage(image))) {
    add("Pulled", `Container image "${image}" already present on machine`);
  } else {
    const f = pullFigures(input.pod, c);
    add("Pulling", `Pulling image "${image}"`);
    t += f.ms;
    const waited = goDuration(f.ms);
    add(
      "Pulled",
      v >= 30
        ? `Successfully pulled image "${image}" in ${waited} (${waited} including waiting). Image size: ${f.bytes} bytes.`
        : `Successfully pulled image "${image}" in ${waited} (${waited} including waiting)`,
    );
    present.add(normalizeImage(image));
  }
  t += 100;
  // 1.33's kuberuntime (the one with the allocation manager) words it "Created container: <name>".
  add(
    "Created",
    v >= 35 ? "Container created" : v >= 33 ? `Created container: ${c.name}` : `Created container ${c.name}`,
  );
  t += 50;
  add("Started", v >= 35 ? "Container started" : `Started container ${c.name}`);
  return t;
}

/** Containers of a running pod whose image the spec has changed since they started. */
function changedContainers(pod: Pod): Container[] {
  const statuses = pod.status?.containerStatuses ?? [];
  return (pod.spec?.containers ?? []).filter((c) => {
    const st = statuses.find((s) => s.name === c.name);
    return st !== undefined && st.image !== normalizeImage(c.image ?? "");
  });
}

/**
 * A container whose image was changed in place (the one pod spec change allowed): the kubelet
 * kills it ("definition changed, will be restarted") and starts it from the new image —
 * restartCount + 1, the old run kept as lastState.
 */
function restarted(input: StageInput): StageOutput {
  const prev = input.pod.status ?? {};
  const events: Event[] = [];
  const present = new Set(input.imagesOnNode ?? []);
  const changed = new Set(changedContainers(input.pod).map((c) => c.name));
  let t = 0;
  const containerStatuses = (prev.containerStatuses ?? []).map((cs) => {
    const c = input.pod.spec?.containers.find((x) => x.name === cs.name);
    if (!c || !changed.has(cs.name)) return cs;
    const x = { c, init: false };
    events.push(
      event(input.pod, input.node, {
        reason: "Killing",
        message: `Container ${c.name} definition changed, will be restarted`,
        component: "kubelet",
        fieldPath: fieldPath(x),
        at: addMs(input.now, t),
      }),
    );
    t = startContainer(input, x, t + 100, present, events);
    const restartCount = (cs.restartCount ?? 0) + 1;
    const id = `containerd://${hex("container", input.pod.metadata?.uid ?? "", c.name, String(restartCount))}`;
    return {
      ...cs,
      image: normalizeImage(c.image ?? ""),
      imageID: imageId(c.image ?? ""),
      containerID: id,
      restartCount,
      started: true,
      ready: true,
      state: { running: { startedAt: addMs(input.now, t) } },
      lastState: {
        terminated: {
          exitCode: 0,
          reason: "Completed",
          startedAt: cs.state?.running?.startedAt ?? input.now,
          finishedAt: input.now,
          ...(cs.containerID ? { containerID: cs.containerID } : {}),
        },
      },
    };
  });
  return { status: { ...prev, containerStatuses }, events };
}

/** Ephemeral containers added to the pod (kubectl debug) that its kubelet has not started yet. */
function unstartedEphemeral(pod: Pod): EphemeralContainer[] {
  // Asked of every running pod on every kubelet pass: most have none.
  if (!pod.spec?.ephemeralContainers?.length) return [];
  const have = new Set((pod.status?.ephemeralContainerStatuses ?? []).map((s) => s.name));
  return (pod.spec?.ephemeralContainers ?? []).filter((c) => !have.has(c.name));
}

/**
 * The kubelet starts a running pod's new ephemeral containers — pulled, created, started, as any
 * container — and reports them in ephemeralContainerStatuses: running, never ready (no probes),
 * never restarted; the pod's own containers and conditions are untouched.
 */
function ephemeralStarted(input: StageInput): StageOutput {
  const prev = input.pod.status ?? {};
  const events: Event[] = [];
  const present = new Set(input.imagesOnNode ?? []);
  let t = 0;
  const added: ContainerStatus[] = unstartedEphemeral(input.pod).map((c) => {
    t = startContainer(input, { c, init: false, ephemeral: true }, t, present, events);
    const image = c.image ?? "";
    return {
      name: c.name,
      image: normalizeImage(image),
      imageID: imageId(image),
      containerID: `containerd://${hex("container", input.pod.metadata?.uid ?? input.pod.metadata?.name ?? "", c.name)}`,
      ready: false,
      restartCount: 0,
      state: { running: { startedAt: addMs(input.now, t) } },
      lastState: {},
    };
  });
  return {
    status: { ...prev, ephemeralContainerStatuses: [...(prev.ephemeralContainerStatuses ?? []), ...added] },
    events,
  };
}

/** Every container pulled, created, started: Running, Ready, with the kubelet's events. */
function running(input: StageInput): StageOutput {
  const v = minorOf(input.version);
  const events: Event[] = [];
  let t = 0;
  const statuses: ContainerStatus[] = [];
  const initStatuses: ContainerStatus[] = [];
  const present = new Set(input.imagesOnNode ?? []);
  for (const x of allContainers(input.pod)) {
    const c = x.c;
    const image = c.image ?? "";
    t = startContainer(input, x, t, present, events);
    const startedAt = addMs(input.now, t);
    const id = `containerd://${hex("container", input.pod.metadata?.uid ?? input.pod.metadata?.name ?? "", c.name)}`;
    const base = {
      name: c.name,
      image: normalizeImage(image),
      imageID: imageId(image),
      containerID: id,
      restartCount: 0,
    };
    if (x.init)
      initStatuses.push({
        ...base,
        ready: true,
        started: false,
        state: {
          terminated: { exitCode: 0, reason: "Completed", startedAt, finishedAt: startedAt, containerID: id },
        },
        lastState: {},
      });
    else
      statuses.push({
        ...base,
        ready: true,
        started: true,
        state: { running: { startedAt } },
        lastState: {},
      });
  }
  const ready = addMs(input.now, t);
  return {
    status: {
      phase: "Running",
      conditions: [
        ...(v >= 29 ? [condition("PodReadyToStartContainers", "True", input.now)] : []),
        condition("Initialized", "True", input.now),
        condition("Ready", "True", ready),
        condition("ContainersReady", "True", ready),
        condition("PodScheduled", "True", input.now),
      ],
      ...ips(input),
      startTime: input.now,
      ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
      containerStatuses: statuses,
      qosClass: qosClass(input.pod),
    },
    events,
  };
}

/** A container ended on its own or on the signal: exit 0 `Completed`, not ready, not started. */
function terminated(cs: ContainerStatus, at: string): ContainerStatus {
  return {
    ...cs,
    ready: false,
    started: false,
    state: {
      terminated: {
        exitCode: 0,
        reason: "Completed",
        startedAt: cs.state?.running?.startedAt ?? at,
        finishedAt: at,
        ...(cs.containerID ? { containerID: cs.containerID } : {}),
      },
    },
  };
}

/**
 * Containers of run-to-completion pods (restartPolicy Never/OnFailure, e.g. Jobs) exit 0:
 * Succeeded, containers terminated Completed, Ready False with reason PodCompleted.
 */
function completed(input: StageInput): StageOutput {
  const prev = input.pod.status ?? {};
  const at = input.now;
  const containerStatuses = (prev.containerStatuses ?? []).map((cs) => terminated(cs, at));
  return {
    status: {
      ...prev,
      phase: "Succeeded",
      conditions: [
        ...(minorOf(input.version) >= 29 ? [condition("PodReadyToStartContainers", "False", at)] : []),
        condition("Initialized", "True", at, "PodCompleted"),
        condition("Ready", "False", at, "PodCompleted"),
        condition("ContainersReady", "False", at, "PodCompleted"),
        condition("PodScheduled", "True", prev.startTime ?? at),
      ],
      containerStatuses,
    },
    events: [],
  };
}

/** The kubelet's activeDeadlineHandler: its reason and message (pkg/kubelet/active_deadline.go). */
export const ACTIVE_DEADLINE = {
  reason: "DeadlineExceeded",
  message: "Pod was active on the node longer than the specified deadline",
} as const;

/**
 * Milliseconds until a started pod's `spec.activeDeadlineSeconds` runs out (≤ 0: past it), from
 * its startTime as the handler counts; undefined when it has none, has not started, has
 * finished or is being deleted.
 */
export function activeDeadlineLeftMs(pod: Pod, nowMs: number): number | undefined {
  const ads = pod.spec?.activeDeadlineSeconds;
  const start = pod.status?.startTime;
  const phase = pod.status?.phase ?? "Pending";
  if (ads === undefined || ads === null || !start || pod.metadata?.deletionTimestamp) return undefined;
  if (phase !== "Pending" && phase !== "Running") return undefined;
  return Date.parse(start) + ads * 1000 - nowMs;
}

/**
 * Past its active deadline, the kubelet evicts the pod: Failed with the handler's reason and
 * message (its Normal event), its running containers killed ("Killing"; they exit on the
 * signal, as a graceful stop's do) and not ready.
 */
function deadlineExceeded(input: StageInput): StageOutput {
  const prev = input.pod.status ?? {};
  const at = input.now;
  const stop = (cs: ContainerStatus): ContainerStatus =>
    cs.state?.running ? terminated(cs, at) : { ...cs, ready: false };
  const containerStatuses = (prev.containerStatuses ?? []).map(stop);
  const notReady = `containers with unready status: [${(input.pod.spec?.containers ?? []).map((c) => c.name).join(" ")}]`;
  const initDone = (prev.conditions ?? []).find((c) => c.type === "Initialized")?.status === "True";
  return {
    status: {
      ...prev,
      phase: "Failed",
      reason: ACTIVE_DEADLINE.reason,
      message: ACTIVE_DEADLINE.message,
      conditions: [
        ...(minorOf(input.version) >= 29 ? [condition("PodReadyToStartContainers", "False", at)] : []),
        condition(
          "Initialized",
          initDone ? "True" : "False",
          at,
          initDone ? undefined : "ContainersNotInitialized",
        ),
        condition("Ready", "False", at, "ContainersNotReady", notReady),
        condition("ContainersReady", "False", at, "ContainersNotReady", notReady),
        condition("PodScheduled", "True", prev.startTime ?? at),
      ],
      ...(prev.initContainerStatuses ? { initContainerStatuses: prev.initContainerStatuses.map(stop) } : {}),
      containerStatuses,
    },
    events: [
      event(input.pod, input.node, { ...ACTIVE_DEADLINE, component: "kubelet", at }),
      ...stoppingEvents(input.pod, input.node ?? "", at),
    ],
  };
}

/** The stages, in order, kwok-style: which one applies is decided by `nextStage`. */
export const STAGES: Readonly<Record<StageName, (input: StageInput) => StageOutput>> = {
  Unschedulable: unschedulable,
  Scheduled: scheduled,
  ContainerCreating: containerCreating,
  SandboxFailed: sandboxFailed,
  Running: running,
  Restarted: restarted,
  Completed: completed,
  EphemeralStarted: ephemeralStarted,
  // Not `nextStage`'s: chosen by the kubelet's clock (activeDeadlineLeftMs).
  DeadlineExceeded: deadlineExceeded,
};

/**
 * The stage a pod is due for, from what it shows: not bound → the scheduler's business;
 * bound but not yet ContainerCreating → Scheduled; creating with an address → Running; a
 * finished or running pod → nothing.
 */
export function nextStage(pod: Pod, podIP: string | undefined): StageName | undefined {
  const phase = pod.status?.phase ?? "Pending";
  if (pod.metadata?.deletionTimestamp) return undefined;
  if (phase === "Running") {
    if ((pod.spec?.restartPolicy ?? "Always") !== "Always") return "Completed";
    if (changedContainers(pod).length) return "Restarted";
    return unstartedEphemeral(pod).length ? "EphemeralStarted" : undefined;
  }
  if (phase !== "Pending") return undefined;
  if (!pod.spec?.nodeName) return undefined;
  const scheduledCond = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduledCond?.status !== "True") return "Scheduled";
  if (!pod.status?.startTime) return "ContainerCreating";
  return podIP || pod.spec?.hostNetwork ? "Running" : "SandboxFailed";
}

/**
 * A pod being deleted gracefully, as its kubelet stops it: "Killing" for each container that
 * runs (kuberuntime's killContainer); then the kubelet deletes the pod with grace 0. The
 * simulated containers stop on the signal, so the grace period is not waited out.
 */
export function stoppingEvents(pod: Pod, node: string, now: string): Event[] {
  const out: Event[] = [];
  const lists: [boolean, boolean, ContainerStatus[] | undefined, Container[] | undefined][] = [
    [true, false, pod.status?.initContainerStatuses, pod.spec?.initContainers],
    [false, false, pod.status?.containerStatuses, pod.spec?.containers],
    [false, true, pod.status?.ephemeralContainerStatuses, pod.spec?.ephemeralContainers],
  ];
  for (const [init, ephemeral, statuses, specs] of lists)
    for (const cs of statuses ?? []) {
      const c = specs?.find((x) => x.name === cs.name);
      if (!c || !cs.state?.running) continue;
      out.push(
        event(pod, node, {
          reason: "Killing",
          message: `Stopping container ${c.name}`,
          component: "kubelet",
          fieldPath: fieldPath({ c, init, ephemeral }),
          at: now,
        }),
      );
    }
  return out;
}

/** Whether the kubelet has a gracefully deleted pod to stop (grace 0 is the API's own delete). */
export function isStopping(pod: Pod): boolean {
  return !!pod.metadata?.deletionTimestamp && (pod.metadata.deletionGracePeriodSeconds ?? 0) > 0;
}

// ---- the kubelet's admission (pkg/kubelet/lifecycle, predicateAdmitHandler) ---------------------

/** What the pods a kubelet has admitted hold on its node (or a part of them). */
export interface NodeUse {
  cpuMilli: number;
  memory: number;
  pods: number;
  /** Host ports held, by `<protocol>/<port>` (a conflict needs both equal). */
  ports: Map<string, HostPortUse[]>;
}

export const emptyUse = (): NodeUse => ({ cpuMilli: 0, memory: 0, pods: 0, ports: new Map() });

export function addUse(use: NodeUse, pod: Pod): void {
  const f = podFacts(pod);
  use.cpuMilli += f.req.cpuMilli;
  use.memory += f.req.memory;
  use.pods++;
  f.ports.forEach((u, k) => {
    const same = use.ports.get(f.portKeys[k]);
    if (same) same.push(u);
    else use.ports.set(f.portKeys[k], [u]);
  });
}

/** Adds `more` to `use` (a batch's admissions, once committed). */
export function mergeUse(use: NodeUse, more: NodeUse): void {
  use.cpuMilli += more.cpuMilli;
  use.memory += more.memory;
  use.pods += more.pods;
  for (const [k, list] of more.ports) use.ports.set(k, [...(use.ports.get(k) ?? []), ...list]);
}

/** The scheduler plugins' filter reasons the kubelet's admission quotes. */
const PREDICATE_REASONS = {
  NodeAffinity: "node(s) didn't match Pod's node affinity/selector",
  NodePorts: "node(s) didn't have free ports for the requested pod ports",
  TaintToleration: "node(s) had taints that the pod didn't tolerate",
} as const;

/** Each Node object's allocatable, parsed once (the informer cache hands out the same object). */
const allocBy = new WeakMap<Node, Allocatable>();

export interface Rejection {
  reason: string;
  message: string;
}

/**
 * Whether the node's kubelet refuses a pod bound to it (one that skipped the scheduler, by
 * spec.nodeName, or a lost race): the first failure of AdmissionCheck — resources (pods, cpu,
 * memory: InsufficientResourceError), NodeAffinity, NodePorts — then a NoExecute taint it does
 * not tolerate. Undefined: admitted.
 */
export function kubeletRejection(
  pod: Pod,
  node: Node,
  uses: readonly NodeUse[],
  version: string,
): Rejection | undefined {
  const use = emptyUse();
  for (const u of uses) {
    use.cpuMilli += u.cpuMilli;
    use.memory += u.memory;
    use.pods += u.pods;
  }
  const alloc = allocBy.get(node) ?? allocatableOf(node);
  allocBy.set(node, alloc);
  const f = podFacts(pod);
  const req = f.req;
  const short = (resource: string, requested: number, used: number, capacity: number): Rejection => ({
    reason: `OutOf${resource}`,
    message: `Node didn't have enough resource: ${resource}, requested: ${requested}, used: ${used}, capacity: ${capacity}`,
  });
  // PredicateFailureError names the filter's reason from 1.31 (kubernetes#125498).
  const failed = (predicate: keyof typeof PREDICATE_REASONS): Rejection => ({
    reason: predicate,
    message:
      minorOf(version) >= 31
        ? `Predicate ${predicate} failed: ${PREDICATE_REASONS[predicate]}`
        : `Predicate ${predicate} failed`,
  });
  if (use.pods + 1 > alloc.pods) return short("pods", 1, use.pods, alloc.pods);
  if (req.cpuMilli > 0 && req.cpuMilli > alloc.cpuMilli - use.cpuMilli)
    return short("cpu", req.cpuMilli, use.cpuMilli, alloc.cpuMilli);
  if (req.memory > 0 && req.memory > alloc.memory - use.memory)
    return short("memory", req.memory, use.memory, alloc.memory);
  if (!matchesNodeAffinity(pod, node)) return failed("NodeAffinity");
  const taken = f.ports.some((p, k) =>
    uses.some((u) => u.ports.get(f.portKeys[k])?.some((q) => portsConflict(p, q))),
  );
  if (taken) return failed("NodePorts");
  const noExecute = (node.spec?.taints ?? []).filter((t) => t.effect === "NoExecute");
  if (untoleratedTaint(noExecute, pod.spec?.tolerations ?? [])) return failed("TaintToleration");
  return undefined;
}

/** rejectPod: Failed with the reason, "Pod was rejected: …", and the reason as a Warning event. */
export function rejectedStage(input: StageInput, r: Rejection): StageOutput {
  return {
    status: {
      ...input.pod.status,
      phase: "Failed",
      reason: r.reason,
      message: `Pod was rejected: ${r.message}`,
      qosClass: qosClass(input.pod),
      // The status manager stamps startTime on the pod's first status, a rejection's too.
      startTime: input.pod.status?.startTime ?? input.now,
    },
    events: [
      event(input.pod, input.node, {
        reason: r.reason,
        message: r.message,
        type: "Warning",
        component: "kubelet",
        at: input.now,
      }),
    ],
  };
}

/** What `kubectl logs` answers for a simulated container: an honest explanation, at once. */
export function simulatedLogs(pod: Pod, container: string): string {
  return `aksnet: container "${container}" of pod ${pod.metadata?.namespace ?? "default"}/${pod.metadata?.name ?? ""} is simulated; no process runs, so there is no log output.\n`;
}
