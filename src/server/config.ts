// Emulator configuration: defaults, then environment (AKSNET_*), then command-line options.
import path from "node:path";
import { stableGuid } from "../providers/ids.js";
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from "./logging.js";

export interface ServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  dataDir: string;
  inMemory: boolean;
  http: boolean;
  tenantId: string;
  subscriptionId: string;
  /** Extra subscriptions `id[:tenant]` (tenant defaults to the default tenant). */
  extraSubscriptions: string[];
  /** `id:secret` pairs; when given, only these may sign in. */
  clients: string[];
  publicIPv4Pool: string;
  publicIPv6Pool: string;
  featureRegistrationDelayMs: number;
  operationDelayMs: number;
  pageSize: number;
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
    host: cli.host ?? env.AKSNET_HOST ?? "127.0.0.1",
    port: cli.port ?? envInt("AKSNET_PORT") ?? 8443,
    dataDir: path.resolve(cli.dataDir ?? env.AKSNET_DATA_DIR ?? ".aksnet"),
    inMemory: cli.inMemory ?? env.AKSNET_IN_MEMORY === "1",
    http: cli.http ?? false,
    tenantId: cli.tenantId ?? env.AKSNET_TENANT_ID ?? DEFAULT_TENANT,
    subscriptionId: cli.subscriptionId ?? env.AKSNET_SUBSCRIPTION_ID ?? DEFAULT_SUBSCRIPTION,
    extraSubscriptions:
      cli.extraSubscriptions ?? env.AKSNET_EXTRA_SUBSCRIPTIONS?.split(",").filter(Boolean) ?? [],
    clients: cli.clients ?? env.AKSNET_CLIENTS?.split(",").filter(Boolean) ?? [],
    publicIPv4Pool: cli.publicIPv4Pool ?? env.AKSNET_PUBLIC_IPV4_POOL ?? "20.0.0.0/8",
    publicIPv6Pool: cli.publicIPv6Pool ?? env.AKSNET_PUBLIC_IPV6_POOL ?? "2603:1030::/32",
    featureRegistrationDelayMs: cli.featureRegistrationDelayMs ?? envInt("AKSNET_FEATURE_DELAY_MS") ?? 0,
    operationDelayMs: cli.operationDelayMs ?? envInt("AKSNET_OPERATION_DELAY_MS") ?? 0,
    pageSize: cli.pageSize ?? envInt("AKSNET_PAGE_SIZE") ?? 100,
    quiet: cli.quiet ?? false,
    logLevel: oneOf("log level", cli.logLevel ?? env.AKSNET_LOG_LEVEL, LOG_LEVELS) ?? "info",
    logFormat: oneOf("log format", cli.logFormat ?? env.AKSNET_LOG_FORMAT, LOG_FORMATS) ?? "text",
  };
}
