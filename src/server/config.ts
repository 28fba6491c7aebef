// Emulator configuration: defaults, then environment (AKSNET_*), then command-line options.
import path from "node:path";
import { stableGuid } from "../providers/ids.js";
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from "./logging.js";

export interface ServerOptions {
  /**
   * Run the Kubernetes controller manager (default on). Tests that drive the controllers' Azure
   * halves directly turn it off so a live service controller does not reconcile under them.
   */
  kubeControllers?: boolean;
  host: string;
  /**
   * The address clients use (`https://host:port`), the only source of absolute URLs in
   * responses; the request's Host header is never reflected. Default: from host and bound port.
   */
  publicUrl?: string;
  /** 0 picks a free port. */
  port: number;
  dataDir: string;
  inMemory: boolean;
  /**
   * Store URL (`--store`, env AKSNET_STORE): `sqlite:<path>`, `sqlite::memory:` or
   * `postgresql://…`. Undefined: SQLite in <dataDir>/aksnet.db (or in memory with inMemory).
   */
  store?: string;
  /** How long finished operation records (and their URLs) stay readable (ms). */
  operationRetentionMs: number;
  http: boolean;
  tenantId: string;
  subscriptionId: string;
  /** Extra subscriptions `id[:tenant]` (tenant defaults to the default tenant); see parseSubscriptionSpec. */
  extraSubscriptions: string[];
  /** `id:secret` pairs; when given, only these may sign in. */
  clients: string[];
  publicIPv4Pool: string;
  publicIPv6Pool: string;
  featureRegistrationDelayMs: number;
  operationDelayMs: number;
  pageSize: number;
  /** AKS on HCI: reproduce the documented duplicate-VIP defect (`--emulate-known-issues`, env AKSNET_EMULATE_KNOWN_ISSUES=1). */
  emulateKnownIssues: boolean;
  quiet: boolean;
  /** Requests are logged at info (refusals warn, 5xx error, health polls debug). */
  logLevel: LogLevel;
  logFormat: LogFormat;
}

export const DEFAULT_TENANT = stableGuid("aksnet", "tenant");
export const DEFAULT_SUBSCRIPTION = stableGuid("aksnet", "subscription");

export const LOCATIONS = [
  "eastus",
  "eastus2",
  "westus",
  "westus2",
  "westus3",
  "centralus",
  "northcentralus",
  "southcentralus",
  "westcentralus",
  "canadacentral",
  "brazilsouth",
  "northeurope",
  "westeurope",
  "uksouth",
  "francecentral",
  "germanywestcentral",
  "swedencentral",
  "switzerlandnorth",
  "norwayeast",
  "eastasia",
  "southeastasia",
  "japaneast",
  "japanwest",
  "koreacentral",
  "australiaeast",
  "centralindia",
  "southafricanorth",
  "uaenorth",
] as const;

/** A configuration value that cannot work; the CLI prints the message and exits 2. */
export class ConfigError extends Error {}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `<subscription-guid>[:<tenant-guid>]` → the pair (tenant defaults to `defaultTenant`).
 * `source` names where the value came from, for the error message.
 */
export function parseSubscriptionSpec(
  spec: string,
  defaultTenant: string,
  source = "--subscription",
): { subscriptionId: string; tenantId: string } {
  const [subscriptionId, tenantId, ...rest] = spec.trim().split(":");
  if (rest.length || !GUID.test(subscriptionId ?? "") || (tenantId !== undefined && !GUID.test(tenantId)))
    throw new ConfigError(
      `${source} '${spec}' must be <subscription-guid>[:<tenant-guid>], e.g. 11111111-2222-4333-8444-555555555555:99999999-8888-4777-8666-555555555555.`,
    );
  return {
    subscriptionId: subscriptionId.toLowerCase(),
    tenantId: (tenantId ?? defaultTenant).toLowerCase(),
  };
}

/** A list given once (comma- or space-separated) or repeated: every entry, trimmed, non-empty. */
export function splitList(
  values: string | readonly string[] | undefined,
  separator: RegExp = /[\s,]+/,
): string[] {
  if (values === undefined) return [];
  return (typeof values === "string" ? [values] : values).flatMap((v) => v.split(separator)).filter(Boolean);
}

/** `--public-url`: an origin only (scheme, host, optional port); returned without a trailing slash. */
export function parsePublicUrl(value: string, http: boolean): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ConfigError(`--public-url '${value}' is not a URL; give e.g. https://aksnet.example:8443.`);
  }
  const scheme = http ? "http:" : "https:";
  if (u.protocol !== scheme)
    throw new ConfigError(
      `--public-url '${value}' must use ${scheme.slice(0, -1)} (the emulator serves ${scheme.slice(0, -1)}).`,
    );
  if (u.username || u.password || (u.pathname !== "/" && u.pathname !== "") || u.search || u.hash)
    throw new ConfigError(
      `--public-url '${value}' must be an origin only (scheme://host[:port]), without a path, query or credentials.`,
    );
  return u.origin;
}

/** The URL clients reach a listener at when no public URL is configured. */
export function defaultPublicUrl(host: string, port: number, http: boolean): string {
  const h =
    host === "0.0.0.0" || host === ""
      ? "127.0.0.1"
      : host === "::"
        ? "[::1]"
        : host.includes(":")
          ? `[${host}]`
          : host;
  return `${http ? "http" : "https"}://${h}:${port}`;
}

function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined || value === "") return undefined;
  const v = value.toLowerCase();
  if (!(allowed as readonly string[]).includes(v))
    throw new Error(`${name} must be one of ${allowed.join("|")} (got '${value}')`);
  return v as T;
}

function envInt(name: string): number | undefined {
  const v = process.env[name];
  return v === undefined || v === "" ? undefined : Number(v);
}

export function resolveOptions(cli: Partial<ServerOptions>): ServerOptions {
  const env = process.env;
  return {
    kubeControllers: cli.kubeControllers ?? true,
    host: cli.host ?? env.AKSNET_HOST ?? "127.0.0.1",
    publicUrl: cli.publicUrl ?? (env.AKSNET_PUBLIC_URL || undefined),
    port: cli.port ?? envInt("AKSNET_PORT") ?? 8443,
    dataDir: path.resolve(cli.dataDir ?? env.AKSNET_DATA_DIR ?? ".aksnet"),
    inMemory: cli.inMemory ?? env.AKSNET_IN_MEMORY === "1",
    store: cli.store ?? (env.AKSNET_STORE || undefined),
    operationRetentionMs:
      cli.operationRetentionMs ?? envInt("AKSNET_OPERATION_RETENTION_MS") ?? 24 * 3600_000,
    http: cli.http ?? false,
    tenantId: cli.tenantId ?? env.AKSNET_TENANT_ID ?? DEFAULT_TENANT,
    subscriptionId: cli.subscriptionId ?? env.AKSNET_SUBSCRIPTION_ID ?? DEFAULT_SUBSCRIPTION,
    extraSubscriptions: splitList(cli.extraSubscriptions ?? env.AKSNET_EXTRA_SUBSCRIPTIONS),
    // Client ids and secrets may hold spaces (RFC 6749 form-encodes them): only commas separate.
    clients: splitList(cli.clients ?? env.AKSNET_CLIENTS, /,/),
    publicIPv4Pool: cli.publicIPv4Pool ?? env.AKSNET_PUBLIC_IPV4_POOL ?? "20.0.0.0/8",
    publicIPv6Pool: cli.publicIPv6Pool ?? env.AKSNET_PUBLIC_IPV6_POOL ?? "2603:1030::/32",
    featureRegistrationDelayMs: cli.featureRegistrationDelayMs ?? envInt("AKSNET_FEATURE_DELAY_MS") ?? 0,
    operationDelayMs: cli.operationDelayMs ?? envInt("AKSNET_OPERATION_DELAY_MS") ?? 0,
    pageSize: cli.pageSize ?? envInt("AKSNET_PAGE_SIZE") ?? 100,
    emulateKnownIssues: cli.emulateKnownIssues ?? env.AKSNET_EMULATE_KNOWN_ISSUES === "1",
    quiet: cli.quiet ?? false,
    logLevel: oneOf("log level", cli.logLevel ?? env.AKSNET_LOG_LEVEL, LOG_LEVELS) ?? "info",
    logFormat: oneOf("log format", cli.logFormat ?? env.AKSNET_LOG_FORMAT, LOG_FORMATS) ?? "text",
  };
}

/** The store URL these options select. */
export function storeUrl(opts: Pick<ServerOptions, "store" | "inMemory" | "dataDir">): string {
  if (opts.store) return opts.store;
  return opts.inMemory ? "sqlite::memory:" : `sqlite:${path.join(opts.dataDir, "aksnet.db")}`;
}
