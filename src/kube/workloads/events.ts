// core/v1 Events the controllers and the kubelet record, as `kubectl describe` shows them
// (Type, Reason, From = source.component, Message). Names are `<object>.<16 hex>` like the
// client-go recorder's, derived from the content and time so replays give the same names.
import { createHash } from "node:crypto";
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
  /** Disambiguates events recorded at the same instant. */
  seq?: number;
}

export function makeEvent(e: EventSpec): Event {
  const meta = e.involved.metadata ?? {};
  const ns = meta.namespace ?? "default";
  const name = meta.name ?? "";
  const suffix = createHash("sha256")
    .update([name, e.reason, e.fieldPath ?? "", e.message, e.at, String(e.seq ?? 0)].join("\u0000"))
    .digest("hex")
    .slice(0, 16);
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${name}.${suffix}`, namespace: ns },
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
