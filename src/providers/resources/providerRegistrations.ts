// Resource provider registration: GET /subscriptions/{s}/providers[/{ns}], POST …/{ns}/register
// and /unregister. Every namespace the emulator serves starts Registered (as common ones are
// in a new subscription); an unregistered namespace answers 409 MissingSubscriptionRegistration.
import type { ArmContext } from "../context.js";
import { invalidResourceNamespace } from "../errors.js";
import type { Registry, Wire } from "../registry.js";

const metaKey = (sub: string, ns: string) => `provider:${sub.toLowerCase()}:${ns.toLowerCase()}`;

export type RegistrationState = "Registered" | "NotRegistered" | "Registering" | "Unregistering";

export async function registrationState(ctx: ArmContext, namespace: string): Promise<RegistrationState> {
  const v = await ctx.tx.getMeta(metaKey(ctx.subscriptionId, namespace));
  return (v as RegistrationState | undefined) ?? "Registered";
}

function providerWire(
  ctx: ArmContext,
  registry: Registry,
  namespace: string,
  state: RegistrationState,
): Wire {
  const types = registry
    .all()
    .filter((h) => h.type.split("/")[0].toLowerCase() === namespace.toLowerCase())
    .map((h) => ({
      resourceType: h.type.split("/").slice(1).join("/"),
      locations: ctx.settings.locations.map(displayLocation),
      apiVersions: [...h.apiVersions],
    }));
  return {
    id: `/subscriptions/${ctx.subscriptionId}/providers/${namespace}`,
    namespace,
    registrationState: state,
    registrationPolicy: "RegistrationRequired",
    resourceTypes: types,
  };
}

/** "eastus" → "East US" for the display lists ARM returns. */
export function displayLocation(loc: string): string {
  const words: Record<string, string> = { us: "US", uk: "UK", uae: "UAE" };
  return loc
    .replace(/(east|west|north|south|central)/g, " $1 ")
    .replace(
      /(us|uk|europe|asia|japan|australia|brazil|canada|india|korea|france|germany|norway|switzerland|uae|africa)/g,
      " $1 ",
    )
    .replace(/(\d+)/g, " $1")
    .trim()
    .split(/\s+/)
    .map((w) => words[w] ?? w.charAt(0).toUpperCase() + w.slice(1))
    .join(" ");
}

function canonicalNamespace(registry: Registry, ns: string): string {
  const hit = registry.namespace(ns);
  if (!hit) throw invalidResourceNamespace(ns);
  return hit;
}

export const providerRegistrations = {
  async list(ctx: ArmContext, registry: Registry): Promise<Wire[]> {
    const namespaces = [...new Set(registry.all().map((h) => h.type.split("/")[0]))].sort();
    const out: Wire[] = [];
    for (const ns of namespaces) out.push(providerWire(ctx, registry, ns, await registrationState(ctx, ns)));
    return out;
  },

  async get(ctx: ArmContext, registry: Registry, ns: string): Promise<Wire> {
    const namespace = canonicalNamespace(registry, ns);
    return providerWire(ctx, registry, namespace, await registrationState(ctx, namespace));
  },

  async register(ctx: ArmContext, registry: Registry, ns: string): Promise<Wire> {
    const namespace = canonicalNamespace(registry, ns);
    await ctx.tx.setMeta(metaKey(ctx.subscriptionId, namespace), "Registered");
    return providerWire(ctx, registry, namespace, "Registered");
  },

  async unregister(ctx: ArmContext, registry: Registry, ns: string): Promise<Wire> {
    const namespace = canonicalNamespace(registry, ns);
    await ctx.tx.setMeta(metaKey(ctx.subscriptionId, namespace), "NotRegistered");
    return providerWire(ctx, registry, namespace, "NotRegistered");
  },
};
