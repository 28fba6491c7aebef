// kube-apiserver's health endpoints (/healthz, /livez, /readyz) as a table of checks, each
// answered from what the emulator really holds: the store answers a read (etcd), the cluster's
// bootstrap objects are there (the post-start hooks that write them), the server is not
// shutting down. Only checks that stand for something here are listed — kube-apiserver's
// other post-start hooks start components the emulator does not have.
// The answer's wording is k8s.io/apiserver's healthz handler (see server/kube/plugin.ts).

import type { Store } from "../store/types.js";
import { BOOTSTRAP } from "./bootstrap.js";
import { DEFAULT_NAMESPACES } from "./kinds.js";

export type HealthEndpoint = "healthz" | "livez" | "readyz";

export interface HealthEnv {
  store: Store;
  cluster: string;
  /** True once the server has begun to close. */
  stopping: () => boolean;
}

interface HealthCheck {
  name: string;
  /** The endpoints that run it: readiness-only checks are not liveness checks. */
  on: readonly HealthEndpoint[];
  /** Undefined when healthy, else why not (for the log; the public answer withholds it). */
  check: (env: HealthEnv) => Promise<string | undefined>;
}

const ALL: readonly HealthEndpoint[] = ["healthz", "livez", "readyz"];
const READY: readonly HealthEndpoint[] = ["readyz"];

/** Which of `wanted` (resource, namespace, name) the cluster lacks. */
async function missing(env: HealthEnv, wanted: [string, string, string][]): Promise<string | undefined> {
  const absent = await env.store.read(async (tx) => {
    const out: string[] = [];
    for (const [resource, ns, name] of wanted)
      if (!(await tx.peekObject(env.cluster, resource, ns, name))) out.push(`${resource} ${name}`);
    return out;
  });
  return absent.length ? `not yet created: ${absent.join(", ")}` : undefined;
}

const bootstrapped = (resource: string) => (env: HealthEnv) =>
  missing(
    env,
    BOOTSTRAP.filter((b) => b.resource === resource).map((b) => [
      b.resource,
      b.namespace,
      String((b.body.metadata as { name?: unknown } | undefined)?.name ?? ""),
    ]),
  );

const storeAnswers = async (env: HealthEnv) => {
  try {
    await env.store.read((tx) => tx.peekObject(env.cluster, "core/namespaces", "", "default"));
    return undefined;
  } catch (e) {
    return `the store did not answer: ${(e as Error).message}`;
  }
};

/** In kube-apiserver's order. */
export const HEALTH_CHECKS: readonly HealthCheck[] = [
  { name: "ping", on: ALL, check: async () => undefined },
  { name: "log", on: ALL, check: async () => undefined },
  { name: "etcd", on: ALL, check: storeAnswers },
  { name: "etcd-readiness", on: READY, check: storeAnswers },
  {
    name: "poststarthook/rbac/bootstrap-roles",
    on: ALL,
    check: async (env) =>
      (await bootstrapped("rbac.authorization.k8s.io/clusterroles")(env)) ??
      bootstrapped("rbac.authorization.k8s.io/clusterrolebindings")(env),
  },
  {
    name: "poststarthook/scheduling/bootstrap-system-priority-classes",
    on: ALL,
    check: bootstrapped("scheduling.k8s.io/priorityclasses"),
  },
  {
    name: "poststarthook/start-system-namespaces-controller",
    on: ALL,
    check: (env) =>
      missing(
        env,
        DEFAULT_NAMESPACES.map((n) => ["core/namespaces", "", n]),
      ),
  },
  {
    name: "shutdown",
    on: READY,
    check: async (env) => (env.stopping() ? "the server is shutting down" : undefined),
  },
];

export interface HealthAnswer {
  status: 200 | 404 | 500;
  text: string;
  /** The failed checks' reasons, for the log. */
  failures: string[];
}

/**
 * One endpoint's answer (healthz.go handleRootHealthz): `checkName` asks for one check (its own
 * path), `exclude` skips checks by name, `verbose` lists every check. A failure is always verbose
 * and withholds its reason.
 */
export async function health(
  env: HealthEnv,
  endpoint: HealthEndpoint,
  query: URLSearchParams,
  checkName?: string,
): Promise<HealthAnswer> {
  const checks = HEALTH_CHECKS.filter((c) => c.on.includes(endpoint));
  if (checkName !== undefined) {
    const c = checks.find((x) => x.name === checkName);
    if (!c) return { status: 404, text: "404 page not found\n", failures: [] };
    const why = await c.check(env);
    return why
      ? { status: 500, text: `internal server error: ${why}\n`, failures: [`${c.name}: ${why}`] }
      : { status: 200, text: "ok", failures: [] };
  }
  const excluded = new Set(query.getAll("exclude"));
  const lines: string[] = [];
  const failures: string[] = [];
  for (const c of checks) {
    if (excluded.delete(c.name)) {
      lines.push(`[+]${c.name} excluded: ok`);
      continue;
    }
    const why = await c.check(env);
    if (why) {
      lines.push(`[-]${c.name} failed: reason withheld`);
      failures.push(`${c.name}: ${why}`);
    } else lines.push(`[+]${c.name} ok`);
  }
  if (excluded.size)
    lines.push(
      `warn: some health checks cannot be excluded: no matches for ${[...excluded]
        .sort()
        .map((n) => JSON.stringify(n))
        .join(",")}`,
    );
  const body = lines.map((l) => `${l}\n`).join("");
  if (failures.length) return { status: 500, text: `${body}${endpoint} check failed\n`, failures };
  if (!query.has("verbose")) return { status: 200, text: "ok", failures };
  return { status: 200, text: `${body}${endpoint} check passed\n`, failures };
}
