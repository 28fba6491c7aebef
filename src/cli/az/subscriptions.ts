// Subscriptions: listing them from the emulator and choosing the one a command runs against.

import type { ArmClient } from "./arm.js";
import type { Io } from "./io.js";
import { CliError } from "./io.js";
import { loadProfile, updateEndpoint } from "./profile.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface SubscriptionBody {
  subscriptionId?: string;
  displayName?: string;
  state?: string;
  tenantId?: string;
}

/** Lists the subscriptions the emulator offers and stores them in the profile. */
export async function refreshSubscriptions(client: ArmClient, io: Io) {
  const items = (await client.list("/subscriptions", "2022-12-01")) as SubscriptionBody[];
  const subs = items
    .filter((s) => s.subscriptionId)
    .map((s) => ({
      id: String(s.subscriptionId),
      name: s.displayName ?? String(s.subscriptionId),
      state: s.state ?? "Enabled",
      tenantId: s.tenantId ?? client.tenantId,
    }));
  updateEndpoint(io, client.profileKey, (p) => {
    p.subscriptions = subs;
    if (!p.currentSubscription || !subs.some((s) => s.id === p.currentSubscription)) {
      p.currentSubscription = client.target.subscriptionId ?? subs[0]?.id;
    }
  });
  return subs;
}

export async function resolveSubscription(
  client: ArmClient,
  io: Io,
  given: string | undefined,
): Promise<string> {
  const entry = loadProfile(io).endpoints[client.profileKey];
  if (given) {
    if (GUID.test(given)) return given;
    let subs = entry?.subscriptions ?? [];
    if (!subs.some((s) => s.name.toLowerCase() === given.toLowerCase()))
      subs = await refreshSubscriptions(client, io);
    const hit = subs.find((s) => s.name.toLowerCase() === given.toLowerCase() || s.id === given);
    if (!hit)
      throw new CliError(`Subscription '${given}' not found. Check the spelling and casing and try again.`);
    return hit.id;
  }
  if (entry?.currentSubscription) return entry.currentSubscription;
  if (client.target.subscriptionId) return client.target.subscriptionId;
  const subs = await refreshSubscriptions(client, io);
  if (!subs[0]) throw new CliError("No subscriptions found. Please run 'az login' to setup account.");
  return subs[0].id;
}
