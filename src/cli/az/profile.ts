// The front-end's own "azureProfile.json + msal token cache": one JSON file holding, per ARM
// endpoint, the service principal used to log in, the cached bearer token, the known
// subscriptions and the current one, plus the installed (pretend) extensions.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Io } from "./io.js";

export interface SubscriptionEntry {
  id: string;
  name: string;
  state: string;
  tenantId: string;
}

export interface EndpointProfile {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  token?: { accessToken: string; expiresOn: number };
  subscriptions?: SubscriptionEntry[];
  currentSubscription?: string;
}

export interface ExtensionEntry {
  name: string;
  version: string;
}

export interface ProfileFile {
  endpoints: Record<string, EndpointProfile>;
  extensions?: ExtensionEntry[];
  /** `az configure --defaults`: group, location. */
  defaults?: Record<string, string>;
}

export function profileDir(io: Io): string {
  return io.env.AKSNET_AZ_CONFIG_DIR || join(io.home, ".aksnet", "az");
}

export function loadProfile(io: Io): ProfileFile {
  try {
    const parsed = JSON.parse(readFileSync(join(profileDir(io), "profile.json"), "utf8")) as ProfileFile;
    if (parsed && typeof parsed === "object" && parsed.endpoints) return parsed;
  } catch {
    // missing or corrupt: start afresh, like az with an empty config dir
  }
  return { endpoints: {} };
}

export function saveProfile(io: Io, profile: ProfileFile): void {
  const dir = profileDir(io);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, "profile.json");
    // Write-then-rename so concurrent invocations never read a half-written file.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // A read-only HOME only costs a token fetch per invocation.
  }
}

export function updateEndpoint(
  io: Io,
  endpoint: string,
  change: (p: EndpointProfile) => void,
): EndpointProfile {
  const profile = loadProfile(io);
  const entry = profile.endpoints[endpoint] ?? {};
  change(entry);
  profile.endpoints[endpoint] = entry;
  saveProfile(io, profile);
  return entry;
}
