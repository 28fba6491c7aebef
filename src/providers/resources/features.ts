// Microsoft.Features: preview feature flags per subscription.
//   POST /subscriptions/{s}/providers/Microsoft.Features/providers/{ns}/features/{f}/register|unregister
//   GET  …/providers/{ns}/features/{f}, …/providers/{ns}/features, /subscriptions/{s}/providers/Microsoft.Features/features
// `register` answers Registering; the state reads Registered once the configured delay has
// passed (computed on read, so nothing needs a timer and restarts keep the schedule).
import type { ArmContext } from "../context.js";
import { ArmError } from "../errors.js";
import { buildId, type ResourceRef } from "../ids.js";
import type { ResourceTypeHandler, Wire } from "../registry.js";

export const FEATURE_TYPE = "Microsoft.Features/providers/features";
export const FEATURE_API_VERSIONS = ["2021-07-01", "2015-12-01", "2014-08-01-preview"] as const;

/** Preview flags the AKS documents name; listed even before anyone registers them. */
export const KNOWN_FEATURES: Record<string, string[]> = {
  "Microsoft.ContainerService": [
    "NodePublicIPTagsPreview",
    "PodHostPortAutoAssignPreview",
    "StaticEgressGatewayPreview",
    "NodePublicIPNSGControlPreview",
  ],
};

type State = "NotRegistered" | "Registering" | "Registered" | "Unregistering" | "Unregistered";

const featureId = (sub: string, ns: string, name: string) =>
  `/subscriptions/${sub}/providers/Microsoft.Features/providers/${ns}/features/${name}`;

function canonicalName(ns: string, name: string): string {
  return KNOWN_FEATURES[canonicalNs(ns)]?.find((f) => f.toLowerCase() === name.toLowerCase()) ?? name;
}

function canonicalNs(ns: string): string {
  return Object.keys(KNOWN_FEATURES).find((k) => k.toLowerCase() === ns.toLowerCase()) ?? ns;
}

/** Namespace and feature name as first registered (ids are case-insensitive, names keep their casing). */
async function storedNames(ctx: ArmContext, ref: ResourceRef): Promise<[string, string]> {
  const ns = canonicalNs(ref.names[0]);
  const name = canonicalName(ns, ref.names[1]);
  const rec = await ctx.tx.getResource(featureId(ctx.subscriptionId, ns, name));
  const stored = typeof rec?.body.name === "string" ? rec.body.name.split("/") : [];
  return stored.length === 2 ? [stored[0], stored[1]] : [ns, name];
}

function wire(sub: string, ns: string, name: string, state: State): Wire {
  return {
    id: featureId(sub, ns, name),
    name: `${ns}/${name}`,
    type: FEATURE_TYPE,
    properties: { state },
  };
}

interface FeatureInternal {
  state: "Registered" | "Unregistered";
  changedAt: number;
}

async function currentState(ctx: ArmContext, ns: string, name: string): Promise<State> {
  const rec = await ctx.tx.getResource(featureId(ctx.subscriptionId, ns, name));
  const internal = rec?.internal as FeatureInternal | undefined;
  if (!internal) return "NotRegistered";
  const settled = ctx.now.getTime() - internal.changedAt >= ctx.settings.featureRegistrationDelayMs;
  if (internal.state === "Registered") return settled ? "Registered" : "Registering";
  return settled ? "Unregistered" : "Unregistering";
}

/** True when the subscription's flag is Registered (what AKS checks before a preview setting). */
export async function isFeatureRegistered(ctx: ArmContext, ns: string, name: string): Promise<boolean> {
  return (await currentState(ctx, canonicalNs(ns), canonicalName(ns, name))) === "Registered";
}

/** The error AKS gives when a preview setting is used without its flag. */
/** `target` names the request field that needs the flag (the flag itself is in the message). */
export function featureNotRegistered(ns: string, name: string, what: string, target?: string): ArmError {
  return new ArmError(
    400,
    "PreviewFeatureNotRegistered",
    `${what} is a preview feature: register the feature flag '${ns}/${name}' on this subscription first ` +
      `('az feature register --namespace "${ns}" --name "${name}"', then 'az provider register --namespace ${ns}').`,
    target ?? name,
  );
}

async function setState(
  ctx: ArmContext,
  ref: ResourceRef,
  state: "Registered" | "Unregistered",
): Promise<Wire> {
  const [ns, name] = await storedNames(ctx, ref);
  const id = featureId(ctx.subscriptionId, ns, name);
  const before = await currentState(ctx, ns, name);
  const already =
    state === "Registered"
      ? before === "Registered" || before === "Registering"
      : before !== "Registered" && before !== "Registering";
  const internal: FeatureInternal = already
    ? (((await ctx.tx.getResource(id))?.internal as FeatureInternal | undefined) ?? {
        state,
        changedAt: ctx.now.getTime(),
      })
    : { state, changedAt: ctx.now.getTime() };
  await ctx.tx.putResource({
    id,
    type: FEATURE_TYPE,
    subscriptionId: ctx.subscriptionId,
    body: wire(ctx.subscriptionId, ns, name, state),
    internal: internal as unknown as Record<string, unknown>,
    etag: String(internal.changedAt),
  });
  if (already && before === state) return wire(ctx.subscriptionId, ns, name, before);
  return wire(ctx.subscriptionId, ns, name, state === "Registered" ? "Registering" : "Unregistering");
}

async function listFeatures(ctx: ArmContext, nsFilter?: string): Promise<Wire[]> {
  const out = new Map<string, Wire>();
  for (const [ns, names] of Object.entries(KNOWN_FEATURES)) {
    if (nsFilter && ns.toLowerCase() !== nsFilter.toLowerCase()) continue;
    for (const n of names)
      out.set(`${ns}/${n}`.toLowerCase(), wire(ctx.subscriptionId, ns, n, await currentState(ctx, ns, n)));
  }
  for (const rec of await ctx.tx.listResources({ type: FEATURE_TYPE, subscriptionId: ctx.subscriptionId })) {
    const [ns, n] = String(rec.body.name).split("/");
    if (nsFilter && ns.toLowerCase() !== nsFilter.toLowerCase()) continue;
    out.set(`${ns}/${n}`.toLowerCase(), wire(ctx.subscriptionId, ns, n, await currentState(ctx, ns, n)));
  }
  return [...out.values()];
}

export const features: ResourceTypeHandler = {
  type: FEATURE_TYPE,
  apiVersions: FEATURE_API_VERSIONS,
  scope: "subscription",
  requiresRegistration: false,

  async get(ctx, ref) {
    const [ns, name] = await storedNames(ctx, ref);
    return wire(ctx.subscriptionId, ns, name, await currentState(ctx, ns, name));
  },

  async list(ctx, coll) {
    return listFeatures(ctx, coll.names[0]);
  },

  actions: {
    register: async (ctx, ref) => ({ status: 200, body: await setState(ctx, ref, "Registered") }),
    unregister: async (ctx, ref) => ({ status: 200, body: await setState(ctx, ref, "Unregistered") }),
  },
};

/** `/subscriptions/{s}/providers/Microsoft.Features/features`: every flag of the subscription. */
export const allFeatures: ResourceTypeHandler = {
  type: "Microsoft.Features/features",
  apiVersions: FEATURE_API_VERSIONS,
  scope: "subscription",
  requiresRegistration: false,
  async list(ctx) {
    return listFeatures(ctx);
  },
};

// ---- subscriptionFeatureRegistrations (the newer resource over the same flags) ----------------

export const SFR_TYPE = "Microsoft.Features/featureProviders/subscriptionFeatureRegistrations";

function registrationWire(ctx: ArmContext, feature: Wire): Wire {
  const [ns, name] = String(feature.name).split("/");
  const state = (feature.properties as { state: string }).state;
  return {
    id: `/subscriptions/${ctx.subscriptionId}/providers/Microsoft.Features/featureProviders/${ns}/subscriptionFeatureRegistrations/${name}`,
    name,
    type: SFR_TYPE,
    properties: {
      tenantId: ctx.tenantId,
      subscriptionId: ctx.subscriptionId,
      featureName: name,
      displayName: name,
      providerNamespace: ns,
      state,
      approvalType: "AutoApproval",
      shouldFeatureDisplayInPortal: false,
    },
  };
}

const featureRef = (ref: ResourceRef): ResourceRef => ({
  subscriptionId: ref.subscriptionId,
  namespace: "Microsoft.Features",
  types: ["providers", "features"],
  names: [ref.names[0], ref.names[1]],
});

/** `…/featureProviders/{ns}/subscriptionFeatureRegistrations/{f}`: PUT registers, DELETE unregisters. */
export const subscriptionFeatureRegistrations: ResourceTypeHandler = {
  type: SFR_TYPE,
  apiVersions: FEATURE_API_VERSIONS,
  scope: "subscription",
  requiresRegistration: false,
  async get(ctx, ref) {
    const [ns, name] = await storedNames(ctx, featureRef(ref));
    return registrationWire(ctx, wire(ctx.subscriptionId, ns, name, await currentState(ctx, ns, name)));
  },
  async list(ctx, coll) {
    return (await listFeatures(ctx, coll.names[0])).map((f) => registrationWire(ctx, f));
  },
  async put(ctx, ref) {
    // SubscriptionFeatureRegistrations_CreateOrUpdate answers 200 whether or not it existed.
    return {
      created: false,
      body: registrationWire(ctx, await setState(ctx, featureRef(ref), "Registered")),
    };
  },
  async delete(ctx, ref) {
    if (!(await ctx.tx.getResource(buildId(featureRef(ref))))) return { existed: false };
    await setState(ctx, featureRef(ref), "Unregistered");
    return { existed: true };
  },
};

/** `/subscriptions/{s}/providers/Microsoft.Features/subscriptionFeatureRegistrations`. */
export const allSubscriptionFeatureRegistrations: ResourceTypeHandler = {
  type: "Microsoft.Features/subscriptionFeatureRegistrations",
  apiVersions: FEATURE_API_VERSIONS,
  scope: "subscription",
  requiresRegistration: false,
  async list(ctx) {
    return (await listFeatures(ctx)).map((f) => registrationWire(ctx, f));
  },
};
