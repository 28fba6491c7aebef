// The review kinds kubectl's `auth can-i` (also `--list`) and `auth whoami` create: computed
// answers, never stored. RBAC is not enforced: the admin and user credentials (and service
// account tokens) are cluster admins, as AKS local accounts are; the monitoring credential may
// only read (the wire refuses its writes with 403, all but its own reviews), so its reviews
// allow read verbs only. Both answers come from one table of rules per credential.
import type { CredentialKind } from "../providers/containerservice/kubeconfig.js";
import { badRequest, invalid } from "./errors.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

/** Who a request's credential stands for. */
export interface Identity {
  kind: CredentialKind;
  serviceAccount?: { namespace: string; name: string; uid: string };
}

/** AKS's user names per credential (as in their kubeconfigs) and the groups they carry. */
const USERS: Record<CredentialKind, { username: string; groups: string[] }> = {
  admin: { username: "clusterAdmin", groups: ["system:masters", "system:authenticated"] },
  user: { username: "clusterUser", groups: ["system:masters", "system:authenticated"] },
  monitoring: { username: "clusterMonitoringUser", groups: ["system:authenticated"] },
};

interface ResourceRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
}
interface NonResourceRule {
  verbs: string[];
  nonResourceURLs: string[];
}
interface Rules {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
}

/**
 * What every authenticated user may do in any cluster: kube-apiserver's default cluster roles
 * bound to system:authenticated (system:basic-user, system:discovery,
 * system:public-info-viewer), in the order the rule resolver lists them.
 */
const AUTHENTICATED: Rules = {
  resourceRules: [
    { verbs: ["create"], apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"] },
    {
      verbs: ["create"],
      apiGroups: ["authorization.k8s.io"],
      resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
    },
  ],
  nonResourceRules: [
    {
      verbs: ["get"],
      nonResourceURLs: [
        "/api",
        "/api/*",
        "/apis",
        "/apis/*",
        "/healthz",
        "/livez",
        "/openapi",
        "/openapi/*",
        "/readyz",
        "/version",
        "/version/",
      ],
    },
    { verbs: ["get"], nonResourceURLs: ["/healthz", "/livez", "/readyz", "/version", "/version/"] },
  ],
};

/** Cluster admin (the `cluster-admin` role AKS binds its admin and user accounts to). */
const ADMIN: Rules = {
  resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }, ...AUTHENTICATED.resourceRules],
  nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }, ...AUTHENTICATED.nonResourceRules],
};

/** The monitoring credential: reads everything, writes nothing but its own reviews. */
const READ_ONLY: Rules = {
  resourceRules: [
    { verbs: ["get", "list", "watch"], apiGroups: ["*"], resources: ["*"] },
    ...AUTHENTICATED.resourceRules,
  ],
  nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["*"] }, ...AUTHENTICATED.nonResourceRules],
};

const rulesOf = (readOnly: boolean): Rules => (readOnly ? READ_ONLY : ADMIN);
const has = (list: string[], v: string) => list.includes("*") || list.includes(v);
/** RBAC's non-resource URL match: exact, or a trailing `*` as a prefix. */
const urlMatches = (pattern: string, url: string) =>
  pattern === "*" || pattern === url || (pattern.endsWith("*") && url.startsWith(pattern.slice(0, -1)));

function allows(rules: Rules, spec: Obj, verb: string): boolean {
  const ra = spec.resourceAttributes;
  if (isObj(ra)) {
    const resource = ra.subresource
      ? `${String(ra.resource ?? "")}/${String(ra.subresource)}`
      : String(ra.resource ?? "");
    const group = String(ra.group ?? "");
    return rules.resourceRules.some(
      (r) =>
        has(r.verbs, verb) &&
        has(r.apiGroups, group) &&
        (has(r.resources, resource) || r.resources.includes(`${String(ra.resource ?? "")}/*`)),
    );
  }
  const path = String((spec.nonResourceAttributes as Obj).path ?? "");
  return rules.nonResourceRules.some(
    (r) => has(r.verbs, verb) && r.nonResourceURLs.some((u) => urlMatches(u, path)),
  );
}

export function userInfo(who: Identity): { username: string; uid?: string; groups: string[] } {
  const sa = who.serviceAccount;
  if (sa)
    return {
      username: `system:serviceaccount:${sa.namespace}:${sa.name}`,
      uid: sa.uid,
      groups: ["system:serviceaccounts", `system:serviceaccounts:${sa.namespace}`, "system:authenticated"],
    };
  return USERS[who.kind];
}

function decide(readOnly: boolean, spec: Obj, verb: string): { allowed: boolean; reason?: string } {
  // A denial carries no reason, as RBAC's: kubectl prints a plain "no".
  if (!allows(rulesOf(readOnly), spec, verb)) return { allowed: false };
  return {
    allowed: true,
    reason:
      "RBAC is not enforced by aksnet: the cluster's credentials are cluster admins, as AKS local accounts",
  };
}

/** The verb of a review spec, after checking it names exactly one kind of attributes. */
function attributesVerb(kind: string, spec: Obj): string {
  const ra = spec.resourceAttributes;
  const nra = spec.nonResourceAttributes;
  if (isObj(ra) === isObj(nra))
    throw invalid(kind, "authorization.k8s.io", "", [
      {
        reason: "FieldValueRequired",
        field: "spec.resourceAttributes",
        message: `Invalid value: ${JSON.stringify(spec)}: exactly one of nonResourceAttributes or resourceAttributes must be specified`,
      },
    ]);
  return String((isObj(ra) ? ra.verb : (nra as Obj).verb) ?? "");
}

const specOf = (body: unknown): Obj => (isObj(body) && isObj(body.spec) ? body.spec : {});
const metaOf = (body: unknown): Obj => (isObj(body) && isObj(body.metadata) ? body.metadata : {});

/** POST selfsubjectaccessreviews: may this request's credential do it? */
export function selfSubjectAccessReview(who: Identity, body: unknown): Obj {
  const spec = specOf(body);
  const verb = attributesVerb("SelfSubjectAccessReview", spec);
  return {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SelfSubjectAccessReview",
    metadata: { ...metaOf(body), creationTimestamp: null },
    spec,
    status: decide(readOnlyIdentity(who), spec, verb),
  };
}

/** POST subjectaccessreviews: may the named user do it? Only the monitoring user may not write. */
export function subjectAccessReview(body: unknown): Obj {
  const spec = specOf(body);
  const verb = attributesVerb("SubjectAccessReview", spec);
  const groups = Array.isArray(spec.groups) ? spec.groups : [];
  if (!spec.user && groups.length === 0)
    throw invalid("SubjectAccessReview", "authorization.k8s.io", "", [
      {
        reason: "FieldValueInvalid",
        field: "spec.user",
        message: 'Invalid value: "": at least one of user or group must be specified',
      },
    ]);
  return {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SubjectAccessReview",
    metadata: { ...metaOf(body), creationTimestamp: null },
    spec,
    status: decide(spec.user === USERS.monitoring.username, spec, verb),
  };
}

const readOnlyIdentity = (who: Identity) => who.kind === "monitoring" && !who.serviceAccount;

/** POST selfsubjectrulesreviews: what this request's credential may do in a namespace (`kubectl auth can-i --list`). */
export function selfSubjectRulesReview(who: Identity, body: unknown): Obj {
  const ns = specOf(body).namespace;
  if (typeof ns !== "string" || ns === "") throw badRequest("no namespace on request");
  const rules = rulesOf(readOnlyIdentity(who));
  return {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SelfSubjectRulesReview",
    metadata: { creationTimestamp: null },
    spec: {},
    status: {
      resourceRules: structuredClone(rules.resourceRules),
      nonResourceRules: structuredClone(rules.nonResourceRules),
      incomplete: false,
    },
  };
}

/** POST selfsubjectreviews: the user the credential stands for (`kubectl auth whoami`). */
export function selfSubjectReview(who: Identity, body: unknown): Obj {
  return {
    apiVersion: "authentication.k8s.io/v1",
    kind: "SelfSubjectReview",
    metadata: { ...metaOf(body), creationTimestamp: null },
    status: { userInfo: userInfo(who) },
  };
}
