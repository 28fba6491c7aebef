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
  // A node's path is rebuilt from its parents only when it matches: bodies with thousands
  // of entries (rules, subnets) are walked without building a string per node.
  interface Node {
    value: unknown;
    parent?: Node;
    key: string | number;
  }
  const pathOf = (n: Node): string => {
    const parts: string[] = [];
    for (let p: Node | undefined = n; p?.parent; p = p.parent)
      parts.push(typeof p.key === "number" ? `[${p.key}]` : `.${p.key}`);
    return parts
      .reverse()
      .map((x, i) => (i === 0 && x.startsWith(".") ? x.slice(1) : x))
      .join("");
  };
  const test = (s: string, at: () => string) => {
    if (s.charCodeAt(0) !== 47) return; // "/"
    const m = LINKED_SUB_RE.exec(s);
    if (m) out.push({ subscriptionId: m[1], path: at() });
  };
  const stack: Node[] = [{ value: body, key: "" }];
  while (stack.length) {
    const n = stack.pop() as Node;
    const v = n.value;
    if (typeof v === "string") test(v, () => pathOf(n));
    else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push({ value: v[i], parent: n, key: i });
    } else if (v && typeof v === "object") {
      for (const k of Object.keys(v)) {
        if (!n.parent && k === "tags") continue;
        test(k, () => pathOf({ value: undefined, parent: n, key: k }));
        stack.push({ value: (v as Record<string, unknown>)[k], parent: n, key: k });
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
