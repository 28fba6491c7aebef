// The LimitRanger admission plugin (plugin/pkg/admission/limitranger) on pod create, first in
// the chain as upstream orders it: each LimitRange of the namespace with a `Container` item
// fills the containers' missing limits (`default`) and requests (`defaultRequest`) — recorded in
// the `kubernetes.io/limit-ranger` annotation — then refuses a container outside `min`/`max` or
// past `maxLimitRequestRatio`, in the plugin's words. (LimitRange's own defaulting — default
// from max, defaultRequest from default or min — is kube/defaults.ts.)
import type { Container, LimitRange, Pod } from "kubernetes-types/core/v1.js";
import { type AdmissionStep, requestName } from "../admission.js";
import { admissionForbidden } from "../errors.js";
import { withMissing } from "../ownKeys.js";
import { parseQuantity } from "../workloads/quantity.js";

type Quantities = Record<string, string | number>;
const ANNOTATION = "kubernetes.io/limit-ranger";

const amount = (q: string | number | undefined): number | undefined => {
  if (q === undefined) return undefined;
  try {
    return parseQuantity(q);
  } catch {
    return undefined;
  }
};

/** mergeContainerResources: the item's defaults where the container names none; what was set. */
function mergeDefaults(c: Container, limits: Quantities, requests: Quantities, prefix: string): string[] {
  c.resources ??= {};
  const res = c.resources;
  const set = (into: "limits" | "requests", from: Quantities) => {
    const { merged, added } = withMissing(res[into], from);
    if (added.length) res[into] = merged as NonNullable<Container["resources"]>["limits"];
    return added;
  };
  const limitsSet = set("limits", limits);
  const requestsSet = set("requests", requests);
  const notes: string[] = [];
  if (requestsSet.length) notes.push(`${requestsSet.join(", ")} request for ${prefix} ${c.name}`);
  if (limitsSet.length) notes.push(`${limitsSet.join(", ")} limit for ${prefix} ${c.name}`);
  return notes;
}

/** PodValidateLimitFunc for one Container item: min, max and the limit/request ratio. */
function violations(c: Container, item: NonNullable<LimitRange["spec"]>["limits"][number]): string[] {
  const out: string[] = [];
  const req = (c.resources?.requests ?? {}) as Quantities;
  const lim = (c.resources?.limits ?? {}) as Quantities;
  for (const [k, q] of Object.entries((item.min ?? {}) as Quantities)) {
    const r = amount(req[k]);
    if (r === undefined) out.push(`minimum ${k} usage per Container is ${q}.  No request is specified`);
    else if (r < (amount(q) ?? 0))
      out.push(`minimum ${k} usage per Container is ${q}, but request is ${req[k]}`);
  }
  for (const [k, q] of Object.entries((item.max ?? {}) as Quantities)) {
    const l = amount(lim[k]);
    if (l === undefined) out.push(`maximum ${k} usage per Container is ${q}.  No limit is specified`);
    else if (l > (amount(q) ?? 0))
      out.push(`maximum ${k} usage per Container is ${q}, but limit is ${lim[k]}`);
  }
  for (const [k, q] of Object.entries((item.maxLimitRequestRatio ?? {}) as Quantities)) {
    const l = amount(lim[k]);
    const r = amount(req[k]);
    if (l === undefined || r === undefined || r === 0) continue;
    const ratio = l / r;
    if (ratio > (amount(q) ?? 0))
      out.push(
        `${k} max limit to request ratio per Container is ${q}, but provided ratio is ${ratio.toFixed(6)}`,
      );
  }
  return out;
}

export function limitRangerAdmission(): AdmissionStep {
  return async (req) => {
    if (req.operation !== "CREATE") return req.object;
    const ranges = await req.tx.listObjects({
      cluster: req.cluster,
      resource: "core/limitranges",
      namespace: req.namespace,
    });
    if (!ranges.length) return req.object;
    const pod = req.object as Pod;
    const spec = pod.spec;
    if (!spec) return req.object;
    const notes: string[] = [];
    const errors: string[] = [];
    for (const rec of ranges) {
      for (const item of (rec.body as LimitRange).spec?.limits ?? []) {
        if (item.type !== "Container") continue;
        const limits = (item.default ?? {}) as Quantities;
        const requests = (item.defaultRequest ?? {}) as Quantities;
        for (const c of spec.containers) notes.push(...mergeDefaults(c, limits, requests, "container"));
        for (const c of spec.initContainers ?? [])
          notes.push(...mergeDefaults(c, limits, requests, "init container"));
        for (const c of [...spec.containers, ...(spec.initContainers ?? [])])
          errors.push(...violations(c, item));
      }
    }
    if (errors.length)
      throw admissionForbidden(
        { group: "", resource: "pods" },
        requestName(req.object),
        errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`,
      );
    if (notes.length)
      pod.metadata = {
        ...pod.metadata,
        annotations: {
          ...pod.metadata?.annotations,
          [ANNOTATION]: `LimitRanger plugin set: ${notes.join("; ")}`,
        },
      };
    return req.object;
  };
}
