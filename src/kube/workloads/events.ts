// core/v1 Events the controllers and the kubelet record, as `kubectl describe` shows them
// (Type, Reason, From = source.component, Message). Names are client-go's recorder's,
// `<object>.<hex of UnixNano>` (tools/record/event.go, makeEvent): the API lists an object's
// events in name order, and `kubectl describe` keeps that order among events of the same
// second, so names must grow with the recording order — Scheduled, Pulled, Created, Started.
import type { Event } from "kubernetes-types/core/v1.js";
import type { Action, ObjectWithMeta } from "./actions.js";

export interface EventSpec {
  /** The object the event is about (kind and apiVersion must be set). */
  involved: ObjectWithMeta;
  reason: string;
  message: string;
  component: string;
  at: string;
  type?: "Normal" | "Warning";
  fieldPath?: string;
  /** The node, for kubelet events. */
  host?: string;
  /** events.k8s.io's `related` object and `action` (the scheduler's preemption events). */
  related?: ObjectWithMeta;
  action?: string;
}

/** The last instant handed out (ns since the epoch). */
let lastNs = 0n;

/**
 * The recorder's clock in nanoseconds: the wall clock's millisecond with the monotonic clock's
 * sub-millisecond digits (Go's UnixNano has them too), strictly increasing within the process
 * (an instant already given moves on by 1 ns). So events recorded in one pass get distinct,
 * increasing names; a restarted process, its wall clock later, cannot repeat a name the
 * previous one gave; and two processes on one store would collide only on the same object in
 * the same nanosecond.
 */
export function eventNanos(nowMs: number = Date.now()): bigint {
  const wall = BigInt(Math.floor(nowMs)) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  lastNs = wall > lastNs ? wall : lastNs + 1n;
  return lastNs;
}

/** `<object>.<%x of UnixNano>`, the recorder's event name. */
export function eventName(objectName: string, nowMs?: number): string {
  return `${objectName}.${eventNanos(nowMs).toString(16)}`;
}

export function makeEvent(e: EventSpec): Event {
  const meta = e.involved.metadata ?? {};
  const ns = meta.namespace ?? "default";
  const name = meta.name ?? "";
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: eventName(name), namespace: ns },
    involvedObject: {
      apiVersion: e.involved.apiVersion ?? "v1",
      kind: e.involved.kind ?? "",
      namespace: ns,
      name,
      ...(meta.uid ? { uid: meta.uid } : {}),
      ...(e.fieldPath ? { fieldPath: e.fieldPath } : {}),
    },
    reason: e.reason,
    message: e.message,
    type: e.type ?? "Normal",
    ...(e.action ? { action: e.action } : {}),
    ...(e.related
      ? {
          related: {
            apiVersion: e.related.apiVersion ?? "v1",
            kind: e.related.kind ?? "",
            namespace: e.related.metadata?.namespace ?? "default",
            name: e.related.metadata?.name ?? "",
            ...(e.related.metadata?.uid ? { uid: e.related.metadata.uid } : {}),
          },
        }
      : {}),
    source: { component: e.component, ...(e.host ? { host: e.host } : {}) },
    reportingComponent: e.component,
    reportingInstance: e.host ?? "",
    firstTimestamp: e.at,
    lastTimestamp: e.at,
    count: 1,
  };
}

/** The Action that records an event. */
export function eventAction(e: EventSpec): Action {
  return {
    op: "create",
    resource: "core/events",
    namespace: e.involved.metadata?.namespace ?? "default",
    object: makeEvent(e),
  };
}
