// Discovery documents built from the cluster's catalog: legacy (APIVersions, APIGroupList,
// APIResourceList) and aggregated (apidiscovery.k8s.io v2 / v2beta1 APIGroupDiscoveryList).
import type { ResourceType } from "./catalog.js";
import { groupVersion } from "./kinds.js";

type Obj = Record<string, unknown>;

interface Sub {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

/** How discovery lists each subresource (kind `undefined`: the parent's kind). */
const SUBRESOURCE_DISCOVERY: Readonly<
  Record<NonNullable<ResourceType["subresources"]>[number], Omit<Sub, "name" | "kind"> & { kind?: string }>
> = {
  status: { verbs: ["get", "patch", "update"] },
  scale: { kind: "Scale", group: "autoscaling", version: "v1", verbs: ["get", "patch", "update"] },
  binding: { kind: "Binding", verbs: ["create"] },
  eviction: { kind: "Eviction", group: "policy", version: "v1", verbs: ["create"] },
  log: { kind: "Pod", verbs: ["get"] },
  exec: { kind: "PodExecOptions", verbs: ["create", "get"] },
  attach: { kind: "PodAttachOptions", verbs: ["create", "get"] },
  portforward: { kind: "PodPortForwardOptions", verbs: ["create", "get"] },
  token: { kind: "TokenRequest", group: "authentication.k8s.io", version: "v1", verbs: ["create"] },
  ephemeralcontainers: { verbs: ["get", "patch", "update"] },
  approval: { verbs: ["get", "patch", "update"] },
};

function subresources(t: ResourceType): Sub[] {
  return (t.subresources ?? []).map((s) => {
    const d = SUBRESOURCE_DISCOVERY[s];
    return { ...d, name: s, kind: d.kind ?? t.kind };
  });
}

/** Groups in discovery order: core first, then built-in groups, then CRD groups by name. */
export function groups(types: ResourceType[]): { name: string; versions: string[] }[] {
  const out: { name: string; versions: string[] }[] = [];
  for (const t of types) {
    let g = out.find((x) => x.name === t.group);
    if (!g) {
      g = { name: t.group, versions: [] };
      out.push(g);
    }
    if (!g.versions.includes(t.version)) g.versions.push(t.version);
  }
  for (const g of out) g.versions.sort(compareVersions);
  return out;
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first. */
export function compareVersions(a: string, b: string): number {
  const rank = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    return [m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [x, y] = [rank(a), rank(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return y[i] - x[i];
  return a.localeCompare(b);
}

export function apiVersions(serverAddress: string): Obj {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

export function apiGroupList(types: ResourceType[]): Obj {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: groups(types)
      .filter((g) => g.name !== "")
      .map((g) => apiGroup(g.name, g.versions)),
  };
}

export function apiGroup(name: string, versions: string[]): Obj {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { kind: "APIGroup", apiVersion: "v1", name, versions: vs, preferredVersion: vs[0] };
}

export function apiResourceList(types: ResourceType[], group: string, version: string): Obj {
  const resources: Obj[] = [];
  for (const t of types.filter((x) => x.group === group && x.version === version)) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames?.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories?.length ? { categories: t.categories } : {}),
    });
    for (const s of subresources(t)) {
      resources.push({
        name: `${t.plural}/${s.name}`,
        singularName: "",
        namespaced: t.namespaced,
        ...(s.group !== undefined ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: groupVersion({ group, version }),
    resources,
  };
}

/** Aggregated discovery for `/api` (core) or `/apis` (every other group). */
export function aggregated(types: ResourceType[], core: boolean, version: "v2" | "v2beta1"): Obj {
  const items = groups(types)
    .filter((g) => (g.name === "") === core)
    .map((g) => ({
      metadata: { name: g.name, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: types
          .filter((t) => t.group === g.name && t.version === v)
          .map((t) => ({
            resource: t.plural,
            responseKind: { group: t.group, version: t.version, kind: t.kind },
            scope: t.namespaced ? "Namespaced" : "Cluster",
            singularResource: t.singular,
            verbs: t.verbs,
            ...(t.shortNames?.length ? { shortNames: t.shortNames } : {}),
            ...(t.categories?.length ? { categories: t.categories } : {}),
            ...(subresources(t).length
              ? {
                  subresources: subresources(t).map((s) => ({
                    subresource: s.name,
                    responseKind: {
                      group: s.group ?? t.group,
                      version: s.version ?? t.version,
                      kind: s.kind,
                    },
                    verbs: s.verbs,
                  })),
                }
              : {}),
          })),
        freshness: "Current",
      })),
    }));
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items,
  };
}
