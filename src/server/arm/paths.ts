// Classifies an ARM request path. ARM routing is generic: after the subscription and the
// optional resource group comes `providers/{namespace}` and then alternating type/name
// segments; an odd tail is either a child collection or a POST action.
import type { CollectionRef, ResourceRef } from "../../providers/ids.js";
import type { Registry } from "../../providers/registry.js";

export type ArmRoute =
  | { kind: "subscriptions" }
  | { kind: "subscription"; subscriptionId: string }
  | { kind: "tenants" }
  | { kind: "providers"; subscriptionId: string }
  | { kind: "provider"; subscriptionId: string; namespace: string; action?: string }
  | {
      kind: "operation";
      subscriptionId: string;
      namespace: string;
      location: string;
      flavour: "status" | "result";
      operationId: string;
    }
  | { kind: "resourceGroups"; subscriptionId: string }
  /** `…/resources`: the generic list of tracked resources (subscription or one group). */
  | { kind: "resources"; subscriptionId: string; resourceGroup?: string }
  | { kind: "item"; ref: ResourceRef }
  | { kind: "collection"; coll: CollectionRef }
  | { kind: "action"; ref: ResourceRef; action: string }
  | { kind: "unknown" };

const eq = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b;

export function splitPath(pathname: string): string[] {
  return pathname
    .split("/")
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

export function classify(segs: string[], registry: Registry): ArmRoute {
  if (segs.length === 1 && eq(segs[0], "tenants")) return { kind: "tenants" };
  if (!eq(segs[0], "subscriptions")) return { kind: "unknown" };
  if (segs.length === 1) return { kind: "subscriptions" };
  const subscriptionId = segs[1];
  if (segs.length === 2) return { kind: "subscription", subscriptionId };
  if (segs.length === 3 && eq(segs[2], "resources")) return { kind: "resources", subscriptionId };
  let i = 2;
  let resourceGroup: string | undefined;
  if (eq(segs[i], "resourcegroups")) {
    if (segs.length === 3) return { kind: "resourceGroups", subscriptionId };
    resourceGroup = segs[3];
    if (segs.length === 4) {
      return {
        kind: "item",
        ref: {
          subscriptionId,
          namespace: "Microsoft.Resources",
          types: ["resourceGroups"],
          names: [resourceGroup],
        },
      };
    }
    if (segs.length === 5 && eq(segs[4], "resources"))
      return { kind: "resources", subscriptionId, resourceGroup };
    i = 4;
  }
  if (!eq(segs[i], "providers")) return { kind: "unknown" };
  if (!resourceGroup) {
    if (segs.length === i + 1) return { kind: "providers", subscriptionId };
    if (segs.length === i + 2) return { kind: "provider", subscriptionId, namespace: segs[i + 1] };
    if (segs.length === i + 3 && (eq(segs[i + 2], "register") || eq(segs[i + 2], "unregister")))
      return { kind: "provider", subscriptionId, namespace: segs[i + 1], action: segs[i + 2].toLowerCase() };
    // Operation status / result URLs we hand out: …/providers/{ns}/locations/{loc}/operations|operationresults/{id}
    if (segs.length === i + 6 && eq(segs[i + 2], "locations")) {
      const what = segs[i + 4].toLowerCase();
      if (
        what === "operations" ||
        what === "asyncoperations" ||
        what === "operationresults" ||
        what === "operationstatuses"
      ) {
        return {
          kind: "operation",
          subscriptionId,
          namespace: segs[i + 1],
          location: segs[i + 3],
          flavour: what === "operationresults" ? "result" : "status",
          operationId: segs[i + 5],
        };
      }
    }
  }
  if (segs.length === i + 1) return { kind: "unknown" };
  // Extension resources: a second `providers/{ns}` after at least one type/name pair.
  let scope: string | undefined;
  let k = i;
  for (let j = i + 4; j + 1 < segs.length; j += 2) {
    if (eq(segs[j], "providers") && j >= k + 4) {
      scope = `/${segs.slice(0, j).join("/")}`;
      k = j;
    }
  }
  const namespace = registry.namespace(segs[k + 1]) ?? segs[k + 1];
  const tail = segs.slice(k + 2);
  const types: string[] = [];
  const names: string[] = [];
  for (let j = 0; j + 1 < tail.length; j += 2) {
    types.push(tail[j]);
    names.push(tail[j + 1]);
  }
  const base = { subscriptionId, resourceGroup, namespace, ...(scope ? { scope } : {}) };
  if (tail.length === 0) return { kind: "unknown" };
  if (tail.length % 2 === 0) return { kind: "item", ref: { ...base, types, names } };
  const last = tail[tail.length - 1];
  const childType = [namespace, ...types, last].join("/");
  if (types.length > 0 && !registry.find(childType) && registry.find([namespace, ...types].join("/"))) {
    return { kind: "action", ref: { ...base, types, names }, action: last.toLowerCase() };
  }
  return { kind: "collection", coll: { ...base, types: [...types, last], names } };
}
