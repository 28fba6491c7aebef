// The Kubernetes face's one error catalogue: `Status` objects with kube-apiserver's reasons,
// codes and wording (k8s.io/apimachinery/pkg/api/errors). Semantics throw these; the wire
// serialises `toStatus()` with `code` as the HTTP status.

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export class KubeError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** `pods` or `deployments.apps`: how kube-apiserver names a resource in messages. */
export interface Qualified {
  group: string;
  resource: string;
}
const qname = (q: Qualified) => (q.group ? `${q.resource}.${q.group}` : q.resource);
const det = (q: Qualified, name: string, extra?: Partial<StatusDetails>): StatusDetails => ({
  name,
  ...(q.group ? { group: q.group } : {}),
  kind: q.resource,
  ...extra,
});

export const notFound = (q: Qualified, name: string) =>
  new KubeError(404, "NotFound", `${qname(q)} "${name}" not found`, det(q, name));

export const alreadyExists = (q: Qualified, name: string) =>
  new KubeError(409, "AlreadyExists", `${qname(q)} "${name}" already exists`, det(q, name));

export const conflict = (q: Qualified, name: string, why: string) =>
  new KubeError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qname(q)} "${name}": ${why}`,
    det(q, name),
  );

export const MODIFIED =
  "the object has been modified; please apply your changes to the latest version and try again";

/** One field an apply conflicts on: the manager as kube-apiserver prints it, its identity, the field. */
export interface ApplyConflict {
  /** `"kubectl" with subresource "scale" using apps/v1` (printManager). */
  manager: string;
  /** The manager's identity (what upstream sorts the managers of a message by). */
  id: string;
  field: string;
}

/**
 * A server-side apply conflict, worded as kube-apiserver's NewConflictError: each cause names the
 * manager (the field in `field`); the message lists one conflict inline, several by manager.
 */
export const applyConflict = (conflicts: ApplyConflict[]) => {
  const causes: StatusCause[] = conflicts.map((c) => ({
    reason: "FieldManagerConflict",
    message: `conflict with ${c.manager}`,
    field: c.field,
  }));
  let message: string;
  if (conflicts.length === 1)
    message = `Apply failed with 1 conflict: conflict with ${conflicts[0].manager}: ${conflicts[0].field}`;
  else {
    const byId = new Map<string, ApplyConflict[]>();
    for (const c of conflicts) byId.set(c.id, [...(byId.get(c.id) ?? []), c]);
    const lines: string[] = [];
    for (const id of [...byId.keys()].sort()) {
      const list = byId.get(id) ?? [];
      lines.push(`conflicts with ${list[0].manager}:`, ...list.map((c) => `- ${c.field}`));
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
  }
  // NewApplyConflict: the details carry the causes only.
  return new KubeError(409, "Conflict", message, { causes });
};

export const invalid = (kind: string, group: string, name: string, causes: StatusCause[]) => {
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const list = parts.length === 1 ? parts[0] : `[${parts.join(", ")}]`;
  return new KubeError(422, "Invalid", `${kind}${group ? `.${group}` : ""} "${name}" is invalid: ${list}`, {
    name,
    ...(group ? { group } : {}),
    kind,
    causes,
  });
};

/**
 * Refused request options (`PatchOptions.meta.k8s.io "" is invalid: …`): NewInvalid with the
 * options' kind and no name, so details carry no name.
 */
export const invalidOptions = (kind: string, causes: StatusCause[]) => {
  const { message } = invalid(kind, "meta.k8s.io", "", causes);
  return new KubeError(422, "Invalid", message, { group: "meta.k8s.io", kind, causes });
};

export const badRequest = (message: string, causes?: StatusCause[]) =>
  new KubeError(400, "BadRequest", message, causes ? { causes } : undefined);

export const unauthorized = () => new KubeError(401, "Unauthorized", "Unauthorized");

export const forbidden = (user: string, verb: string, q: Qualified, name: string | undefined, why: string) =>
  new KubeError(
    403,
    "Forbidden",
    `${qname(q)}${name ? ` "${name}"` : ""} is forbidden: User "${user}" cannot ${verb} resource "${q.resource}" in API group "${q.group}"${why ? `: ${why}` : ""}`,
    det(q, name ?? ""),
  );

/** A write with listClusterMonitoringUserCredential's token, which may only read. */
export const readOnlyCredential = (method: string, path: string) =>
  new KubeError(
    403,
    "Forbidden",
    `forbidden: User "clusterMonitoringUser" cannot ${method.toLowerCase()} ${path}: the monitoring credential may only get, list and watch`,
  );

/** An admission plugin's refusal (admission.NewForbidden): `pods "x" is forbidden: <why>`. */
export const admissionForbidden = (q: Qualified, name: string, why: string) =>
  new KubeError(403, "Forbidden", `${qname(q)} "${name}" is forbidden: ${why}`, det(q, name));

export const forbiddenNamespaceTerminating = (q: Qualified, name: string, ns: string) =>
  new KubeError(
    403,
    "Forbidden",
    `${qname(q)} "${name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
    det(q, name, {
      causes: [
        {
          reason: "NamespaceTerminating",
          message: `namespace ${ns} is being terminated`,
          field: "metadata.namespace",
        },
      ],
    }),
  );

export const methodNotAllowed = (verb: string, q: Qualified) =>
  new KubeError(
    405,
    "MethodNotAllowed",
    `${verb} is not supported on resources of kind "${qname(q)}"`,
    det(q, "", {}),
  );

/** A path that exists but not with this HTTP method (kube-apiserver's router, no details). */
export const methodNotServed = () =>
  new KubeError(
    405,
    "MethodNotAllowed",
    "the server does not allow this method on the requested resource",
    {},
  );

/** A custom resource create while its CRD is being deleted (apiextensions-apiserver's wording). */
export const crdTerminating = (q: Qualified) =>
  new KubeError(
    405,
    "MethodNotAllowed",
    "create not allowed while custom resource definition is terminating",
    det(q, "", {}),
  );

export const notAcceptable = (accept: string) =>
  new KubeError(
    406,
    "NotAcceptable",
    `the server was unable to respond with a content type that the client supports (${accept})`,
  );

/** Patch media types by default; for create/update the object media types the endpoint reads. */
export const unsupportedMediaType = (
  ct: string,
  accepted = "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json",
) =>
  new KubeError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted} (got ${JSON.stringify(ct)})`,
  );

export const gone = (message: string) => new KubeError(410, "Expired", message);

/** storage.NewTooLargeResourceVersionError: a list at a revision the store has not reached. */
export const tooLargeResourceVersion = (rv: number, current: number) =>
  new KubeError(504, "Timeout", `Timeout: Too large resource version: ${rv}, current: ${current}`, {
    causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
    retryAfterSeconds: 1,
  });

export const tooOldResourceVersion = (rv: number | string, oldest: number | string) =>
  new KubeError(410, "Expired", `too old resource version: ${rv} (${oldest})`);

/** Details present but empty, as kube-apiserver sends them (kubectl debug reads details.name). */
export const pathNotFound = () =>
  new KubeError(404, "NotFound", "the server could not find the requested resource", {});

export const requestEntityTooLarge = () =>
  new KubeError(413, "RequestEntityTooLarge", "Request entity too large");

export const internalError = (message: string) =>
  new KubeError(500, "InternalError", `Internal error occurred: ${message}`);

export const tooManyRequests = (message: string) => new KubeError(429, "TooManyRequests", message);
