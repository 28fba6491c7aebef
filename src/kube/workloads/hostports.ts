// AKS host-port auto-assignment (preview `PodHostPortAutoAssignPreview`, Kubernetes ≥ 1.24;
// seeds 000/003, SPEC §1): a mutating admission step for pods whose template carries
// `kubernetes.azure.com/assign-hostports-for-containerports: 8080/tcp,8443/tcp`. Each listed
// container port gets a hostPort from 40000–59999 that no other pod of the cluster holds, and
// every container gets `<deployment name>_PORT_<port>_<PROTO>_HOSTPORT=<hostPort>`.
//
// Port policy (AKS's component is closed, so this is ours, documented): next-fit over the
// range from a per-cluster cursor, like kube-controller-manager's cidrset — deterministic,
// O(1) amortised, and a port released by a deleted pod is not handed straight to the next pod
// (clients that cached the old port keep failing loudly rather than reaching a stranger).
// Uniqueness itself is the store's job (one allocation row per port); this module only chooses.
import type { Container, Pod } from "kubernetes-types/core/v1.js";
import { type ContainerPort, NetError, nextFitBlockIndex, parseContainerPortSpec } from "../../net/index.js";
import {
  HOST_PORT_AUTO_ASSIGN_ANNOTATION,
  MIN_NODE_NETWORKING_VERSION,
  versionAtLeast,
} from "../../providers/containerservice/previewGates.js";

export { HOST_PORT_AUTO_ASSIGN_ANNOTATION };

export const HOST_PORT_MIN = 40000;
export const HOST_PORT_MAX = 59999;
const RANGE_SIZE = HOST_PORT_MAX - HOST_PORT_MIN + 1;

/** A refusal, worded as a Kubernetes field error (`<field>: Invalid value: "<v>": <why>`). */
export class HostPortAssignError extends Error {
  override readonly name = "HostPortAssignError";
  constructor(
    readonly field: string,
    readonly value: string,
    readonly detail: string,
    /** "Invalid" for bad input, "Exhausted" when the range is full. */
    readonly kind: "Invalid" | "Exhausted" = "Invalid",
  ) {
    super(
      `${field}: ${kind === "Invalid" ? "Invalid value" : "Forbidden"}: ${JSON.stringify(value)}: ${detail}`,
    );
  }
}

const FIELD = `metadata.annotations[${HOST_PORT_AUTO_ASSIGN_ANNOTATION}]`;

/** The annotation's entries, validated against the pod: declared, not duplicated, no hostPort yet. */
export function parseAssignAnnotation(pod: Pod): ContainerPort[] | undefined {
  const value = pod.metadata?.annotations?.[HOST_PORT_AUTO_ASSIGN_ANNOTATION];
  if (value === undefined) return undefined;
  let entries: ContainerPort[];
  try {
    entries = parseContainerPortSpec(value);
  } catch (e) {
    if (e instanceof NetError) throw new HostPortAssignError(FIELD, value, e.message);
    throw e;
  }
  if (entries.length === 0)
    throw new HostPortAssignError(FIELD, value, "the list is empty; give entries such as 8080/tcp,8443/udp");
  const seen = new Set<string>();
  for (const e of entries) {
    const k = `${e.port}/${e.protocol}`;
    if (seen.has(k)) throw new HostPortAssignError(FIELD, value, `port ${k} is listed twice`);
    seen.add(k);
    const declared = (pod.spec?.containers ?? []).flatMap((c) =>
      (c.ports ?? []).filter((p) => p.containerPort === e.port && (p.protocol ?? "TCP") === e.protocol),
    );
    if (declared.length === 0)
      throw new HostPortAssignError(
        FIELD,
        value,
        `port ${k} is not declared by any container of the pod (spec.containers[*].ports[*].containerPort)`,
      );
    if (declared.some((p) => p.hostPort))
      throw new HostPortAssignError(
        FIELD,
        value,
        `port ${k} already sets hostPort ${declared.find((p) => p.hostPort)?.hostPort}; remove it to have one assigned`,
      );
  }
  return entries;
}

/**
 * `count` free ports of 40000–59999, next-fit from `cursor` (an index into the range), or
 * undefined when fewer than `count` are free (never a port twice). Items of `taken` outside
 * the range are ignored.
 */
export function chooseHostPorts(
  count: number,
  taken: ReadonlySet<number>,
  cursor: number,
): { ports: number[]; nextCursor: number } | undefined {
  // A view of the taken ports as range indices (no copy: this runs once per pod).
  const chosen = new Set<number>();
  const used = { has: (i: number) => chosen.has(i) || taken.has(HOST_PORT_MIN + i) };
  const ports: number[] = [];
  let c = cursor;
  for (let i = 0; i < count; i++) {
    const pick = nextFitBlockIndex(RANGE_SIZE, used, c);
    if (!pick) return undefined;
    chosen.add(pick.index);
    ports.push(HOST_PORT_MIN + pick.index);
    c = pick.nextCursor;
  }
  return { ports, nextCursor: c };
}

/**
 * The Deployment a pod belongs to: its controller ReplicaSet's name minus the
 * `-<pod-template-hash>` suffix; for other owners their name; for bare pods the pod's name.
 */
export function workloadName(pod: Pod): string {
  const ref = pod.metadata?.ownerReferences?.find((r) => r.controller) ?? pod.metadata?.ownerReferences?.[0];
  if (!ref) return pod.metadata?.name ?? pod.metadata?.generateName?.replace(/-$/, "") ?? "";
  const hash = pod.metadata?.labels?.["pod-template-hash"];
  if (ref.kind === "ReplicaSet" && hash && ref.name.endsWith(`-${hash}`))
    return ref.name.slice(0, -(hash.length + 1));
  return ref.name;
}

export function hostPortEnvName(workload: string, port: number, protocol: string): string {
  return `${workload}_PORT_${port}_${protocol.toUpperCase()}_HOSTPORT`;
}

export interface AssignContext {
  /** `PodHostPortAutoAssignPreview` is Registered on the cluster's subscription. */
  featureRegistered: boolean;
  kubernetesVersion: string;
  /** Host ports of 40000–59999 already held anywhere in the cluster. */
  taken: ReadonlySet<number>;
  /** The cluster's next-fit cursor (index into the range). */
  cursor: number;
}

export type AssignResult =
  /** Nothing to do: no annotation, flag not registered or Kubernetes < 1.24 (as on AKS). */
  | { changed: false; pod: Pod }
  | {
      changed: true;
      pod: Pod;
      ports: { containerPort: number; protocol: string; hostPort: number }[];
      nextCursor: number;
    };

/**
 * The admission step. Returns the pod with `hostPort` set on each listed container port and
 * the environment variables added to every container; throws HostPortAssignError for a
 * malformed annotation or a full range. The input pod is not modified.
 */
export function assignHostPorts(pod: Pod, ctx: AssignContext): AssignResult {
  if (!ctx.featureRegistered || !versionAtLeast(ctx.kubernetesVersion, MIN_NODE_NETWORKING_VERSION))
    return { changed: false, pod };
  const entries = parseAssignAnnotation(pod);
  if (!entries) return { changed: false, pod };
  const choice = chooseHostPorts(entries.length, ctx.taken, ctx.cursor);
  if (!choice)
    throw new HostPortAssignError(
      FIELD,
      pod.metadata?.annotations?.[HOST_PORT_AUTO_ASSIGN_ANNOTATION] ?? "",
      `no free host ports left in ${HOST_PORT_MIN}-${HOST_PORT_MAX} for ${entries.length} port(s); every port of the range is assigned to a pod of this cluster`,
      "Exhausted",
    );
  const assigned = entries.map((e, i) => ({
    containerPort: e.port,
    protocol: e.protocol,
    hostPort: choice.ports[i],
  }));
  const workload = workloadName(pod);
  const env = assigned.map((a) => ({
    name: hostPortEnvName(workload, a.containerPort, a.protocol),
    value: String(a.hostPort),
  }));
  const patchContainer = (c: Container): Container => ({
    ...c,
    ports: c.ports?.map((p) => {
      const a = assigned.find(
        (x) => x.containerPort === p.containerPort && x.protocol === (p.protocol ?? "TCP"),
      );
      return a ? { ...p, hostPort: a.hostPort } : p;
    }),
    env: [...(c.env ?? []).filter((v) => !env.some((n) => n.name === v.name)), ...env],
  });
  const spec = pod.spec ?? { containers: [] };
  return {
    changed: true,
    pod: { ...pod, spec: { ...spec, containers: spec.containers.map(patchContainer) } },
    ports: assigned,
    nextCursor: choice.nextCursor,
  };
}

/** `Host Ports: 46645/TCP, 49482/TCP` as kubectl describe prints a container's host ports. */
export function describeHostPorts(c: Container): string {
  return (c.ports ?? [])
    .filter((p) => p.hostPort)
    .map((p) => `${p.hostPort}/${p.protocol ?? "TCP"}`)
    .join(", ");
}

/** The Kubernetes Status the API answers when this admission step refuses a pod. */
export function hostPortRefusalStatus(err: HostPortAssignError, podName: string) {
  const invalid = err.kind === "Invalid";
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: invalid
      ? `Pod "${podName}" is invalid: ${err.message}`
      : `pods "${podName}" is forbidden: ${err.message}`,
    reason: invalid ? "Invalid" : "Forbidden",
    details: {
      name: podName,
      kind: "pods",
      ...(invalid
        ? {
            causes: [
              {
                reason: "FieldValueInvalid",
                message: err.message.slice(err.field.length + 2),
                field: err.field,
              },
            ],
          }
        : {}),
    },
    code: invalid ? 422 : 403,
  };
}
