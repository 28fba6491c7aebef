// ARM's linked access check: every resource a request body refers to must be readable by the
// caller. Here that means its subscription is one this emulator serves, in the caller's
// tenant (a token only reaches subscriptions of its own tenant, so a reference into another
// tenant's subscription is a reference the caller could not read). Checked once, for every
// write of every resource type (`Registry` wraps PUT, PATCH and POST actions), before the
// provider sees the body, so a refused request changes nothing.
import type { ArmContext } from "./context.js";
import { linkedAuthorizationFailed } from "./errors.js";

const LINKED_SUB_RE = /^\/subscriptions\/([^/]+)(?:\/|$)/i;

export interface LinkedReference {
  subscriptionId: string;
  /** Where in the body, e.g. `properties.ipConfigurations[0].properties.subnet.id`. */
  path: string;
}

/**
 * Every `/subscriptions/{id}/…` string in a body, in values and in keys (user-assigned
 * identities are keyed by resource id). Top-level `tags` are free text, not references.
 * Iterative, so any nesting depth is walked without growing the call stack.
 */
export function linkedReferences(body: unknown): LinkedReference[] {
  const out: LinkedReference[] = [];
  const stack: [unknown, string][] = [[body, ""]];
  const join = (base: string, key: string) => (base ? `${base}.${key}` : key);
  const test = (s: string, path: string) => {
    const m = LINKED_SUB_RE.exec(s);
    if (m) out.push({ subscriptionId: m[1], path });
  };
  while (stack.length) {
    const [v, path] = stack.pop() as [unknown, string];
    if (typeof v === "string") test(v, path);
    else if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) stack.push([x, `${path}[${i}]`]);
    } else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (path === "" && k === "tags") continue;
        test(k, join(path, k));
        stack.push([x, join(path, k)]);
      }
    }
  }
  return out;
}

/** Throws LinkedAuthorizationFailed for the first reference the caller cannot read. */
export function checkLinkedAccess(ctx: ArmContext, scope: string, action: string, body: unknown): void {
  const own = ctx.subscriptionId.toLowerCase();
  const tenant = ctx.tenantId.toLowerCase();
  const readable = new Set(
    ctx.settings.subscriptions
      .filter((s) => s.tenantId.toLowerCase() === tenant)
      .map((s) => s.subscriptionId.toLowerCase()),
  );
  const refs = linkedReferences(body);
  // Deterministic: the same body always names the same field.
  refs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const r of refs) {
    const sub = r.subscriptionId.toLowerCase();
    if (sub === own || readable.has(sub)) continue;
    throw linkedAuthorizationFailed(action, scope, ctx.tenantId, r.subscriptionId, r.path);
  }
}
