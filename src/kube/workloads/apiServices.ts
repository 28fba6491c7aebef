// APIService objects (apiregistration.k8s.io/v1) as a cluster lists them: kube-apiserver's
// autoregister controller keeps one `Local` APIService per group/version it serves (built-in:
// label `kube-aggregator.kubernetes.io/automanaged: onstart`; CRD groups: `true`), AKS's addon
// manager keeps `v1beta1.metrics.k8s.io` → `kube-system/metrics-server`, and the availability
// controller writes each one's Available condition. Pure: the desired objects and conditions.
import type { Endpoints, Service } from "kubernetes-types/core/v1.js";

export interface APIService {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; labels?: Record<string, string>; resourceVersion?: string; uid?: string };
  spec?: {
    service?: { namespace?: string; name?: string; port?: number };
    group?: string;
    version?: string;
    insecureSkipTLSVerify?: boolean;
    groupPriorityMinimum?: number;
    versionPriority?: number;
  };
  status?: { conditions?: APIServiceCondition[] };
}

export interface APIServiceCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export const AUTOMANAGED_LABEL = "kube-aggregator.kubernetes.io/automanaged";
export const METRICS_API_SERVICE = "v1beta1.metrics.k8s.io";

/**
 * kube-apiserver's apiVersionPriorities (pkg/controlplane/apiserver/aggregator.go) for the
 * groups served here; a CRD group gets crdregistration's 1000 / 100.
 */
const PRIORITIES: Readonly<Record<string, [number, number]>> = {
  "/v1": [18000, 1],
  "apiregistration.k8s.io/v1": [18000, 15],
  "apps/v1": [17800, 15],
  "events.k8s.io/v1": [17750, 15],
  "authentication.k8s.io/v1": [17700, 15],
  "authorization.k8s.io/v1": [17600, 15],
  "autoscaling/v1": [17500, 15],
  "autoscaling/v2": [17500, 30],
  "batch/v1": [17400, 15],
  "networking.k8s.io/v1": [17200, 15],
  "policy/v1": [17100, 15],
  "rbac.authorization.k8s.io/v1": [17000, 15],
  "storage.k8s.io/v1": [16800, 15],
  "apiextensions.k8s.io/v1": [16700, 15],
  "admissionregistration.k8s.io/v1": [16700, 15],
  "scheduling.k8s.io/v1": [16600, 15],
  "coordination.k8s.io/v1": [16500, 15],
  "discovery.k8s.io/v1": [16200, 15],
};

/** The Local APIService of one group/version (`v1.` for the core group). */
export function localApiService(group: string, version: string, crd: boolean): APIService {
  const [g, v] = PRIORITIES[`${group}/${version}`] ?? [1000, 100];
  return {
    apiVersion: "apiregistration.k8s.io/v1",
    kind: "APIService",
    metadata: { name: `${version}.${group}`, labels: { [AUTOMANAGED_LABEL]: crd ? "true" : "onstart" } },
    spec: { group, version, groupPriorityMinimum: g, versionPriority: v },
  };
}

/** metrics-server's APIService as AKS installs it. */
export function metricsApiService(): APIService {
  return {
    apiVersion: "apiregistration.k8s.io/v1",
    kind: "APIService",
    metadata: {
      name: METRICS_API_SERVICE,
      labels: {
        "addonmanager.kubernetes.io/mode": "Reconcile",
        "k8s-app": "metrics-server",
        "kubernetes.io/cluster-service": "true",
      },
    },
    spec: {
      service: { namespace: "kube-system", name: "metrics-server", port: 443 },
      group: "metrics.k8s.io",
      version: "v1beta1",
      insecureSkipTLSVerify: true,
      groupPriorityMinimum: 100,
      versionPriority: 100,
    },
  };
}

/**
 * The Available condition as kube-aggregator's availability controller sets it: Local ones
 * always; a service-backed one needs its Service and an endpoint address on the service port.
 */
export function availability(
  a: APIService,
  service: Service | undefined,
  endpoints: Endpoints | undefined,
): Pick<APIServiceCondition, "status" | "reason" | "message"> {
  const ref = a.spec?.service;
  if (!ref) return { status: "True", reason: "Local", message: "Local APIServices are always available" };
  const where = `service/${ref.name ?? ""} in "${ref.namespace ?? ""}"`;
  if (!service) return { status: "False", reason: "ServiceNotFound", message: `${where} is not present` };
  const port = (service.spec?.ports ?? []).find((p) => p.port === (ref.port ?? 443));
  if (!port)
    return {
      status: "False",
      reason: "ServicePortError",
      message: `${where} is not listening on port ${ref.port ?? 443}`,
    };
  const ready = (endpoints?.subsets ?? []).some(
    (s) =>
      (s.addresses ?? []).length > 0 && (s.ports ?? []).some((p) => (p.name ?? "") === (port.name ?? "")),
  );
  if (!ready)
    return {
      status: "False",
      reason: "MissingEndpoints",
      message: `endpoints for ${where} have no addresses with port name "${port.name ?? ""}"`,
    };
  return { status: "True", reason: "Passed", message: "all checks passed" };
}

/** The status with the Available condition set (the time moves only when the status does). */
export function withAvailable(
  a: APIService,
  c: Pick<APIServiceCondition, "status" | "reason" | "message">,
  now: string,
): APIService["status"] {
  const old = (a.status?.conditions ?? []).find((x) => x.type === "Available");
  const at = old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now;
  const rest = (a.status?.conditions ?? []).filter((x) => x.type !== "Available");
  return {
    conditions: [
      ...rest,
      { type: "Available", status: c.status, lastTransitionTime: at, reason: c.reason, message: c.message },
    ],
  };
}
