// Write-only fields: secrets a client sends that Azure keeps but never returns (not in GET,
// list, the PUT/PATCH echo or an operation's result). One table per resource type; providers
// keep the values in their internal state where they need them, and every rendered body
// passes through `withoutWriteOnly`. Sources: the REST examples (request has the field,
// 200/201 responses lack it) and the swagger's `x-ms-secret` properties.
import type { Wire } from "./registry.js";

export const WRITE_ONLY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  "Microsoft.ContainerService/managedClusters": [
    "properties.windowsProfile.adminPassword",
    "properties.servicePrincipalProfile.secret",
    "properties.aadProfile.serverAppSecret",
  ],
  "Microsoft.Compute/virtualMachineScaleSets": [
    "properties.virtualMachineProfile.osProfile.adminPassword",
    "properties.virtualMachineProfile.osProfile.customData",
  ],
  "Microsoft.Compute/virtualMachineScaleSets/virtualMachines": [
    "properties.osProfile.adminPassword",
    "properties.osProfile.customData",
  ],
};

const byType = new Map(
  Object.entries(WRITE_ONLY_FIELDS).map(([t, paths]) => [t.toLowerCase(), paths.map((p) => p.split("."))]),
);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Copies only the objects on the way to a removed field; the input is never changed. */
function without(o: Obj, path: readonly string[]): Obj {
  const [head, ...rest] = path;
  if (!(head in o)) return o;
  if (rest.length === 0) {
    const { [head]: _dropped, ...kept } = o;
    return kept;
  }
  const child = o[head];
  if (!isObj(child)) return o;
  const next = without(child, rest);
  return next === child ? o : { ...o, [head]: next };
}

/** The body as a client may see it: every write-only field of `type` removed. */
export function withoutWriteOnly<T extends Wire>(type: string, body: T): T {
  const paths = byType.get(type.toLowerCase());
  if (!paths || !isObj(body)) return body;
  let out: Obj = body;
  for (const p of paths) out = without(out, p);
  return out as T;
}
