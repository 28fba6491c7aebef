// The review kinds kubectl's `auth can-i` and `auth whoami` create: computed answers, never
// stored. RBAC is not enforced: the admin and user credentials (and service account tokens)
// are cluster admins, as AKS local accounts are; the monitoring credential may only read (the
// wire refuses its writes with 403), so its reviews allow read verbs only.
import type { CredentialKind } from "../providers/containerservice/kubeconfig.js";
import { invalid } from "./errors.js";

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

const READ_VERBS = new Set(["get", "list", "watch", "head"]);

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

function decide(readOnly: boolean, verb: string): { allowed: boolean; reason?: string } {
  // A denial carries no reason, as RBAC's: kubectl prints a plain "no".
  if (readOnly && !READ_VERBS.has(verb)) return { allowed: false };
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
    status: decide(who.kind === "monitoring" && !who.serviceAccount, verb),
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
    status: decide(spec.user === USERS.monitoring.username, verb),
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
