// What a resource provider receives for one request: the transaction, who is calling,
// the api-version, the emulator's settings, and the services other providers offer.
// Nothing here is HTTP: the server layer builds it from the request.
import type { Store, Tx } from "../store/types.js";
import type { Registry } from "./registry.js";

export interface EmulatorSettings {
  tenantId: string;
  /** Every subscription the emulator serves, with its tenant. */
  subscriptions: { subscriptionId: string; tenantId: string; displayName: string }[];
  /** Regions accepted in `location`. */
  locations: readonly string[];
  /** CIDRs the emulated public IPv4/IPv6 addresses come from. */
  publicIPv4Pool: string;
  publicIPv6Pool: string;
  /** How long a feature stays `Registering` after `register` (ms). */
  featureRegistrationDelayMs: number;
  /** Items per page before `nextLink` appears. */
  pageSize: number;
  /** Test hook: long-running operations wait this long before they run (ms). */
  operationDelayMs: number;
  /** Base URL of the Kubernetes face (`https://host:port`), used in kubeconfigs. */
  publicBaseUrl: string;
  /** PEM of the CA that signed the server certificate (embedded in kubeconfigs). */
  caCertPem: string;
  /** AKS on HCI: the documented duplicate-VIP defect on for every network (`aksnet start --emulate-known-issues`). */
  emulateKnownIssues?: boolean;
}

export interface Services {
  store: Store;
  registry: Registry;
  /** Queue a long-running operation for the worker (after the current transaction commits). */
  kickOperations(): void;
}

/**
 * The caller of provider code: a request (with the api-version it asked for) or background
 * work acting in a subscription (`backgroundContext`: no api-version, no query — nothing
 * faked). Code that needs the api-version runs only for requests.
 */
export interface ArmContext {
  tx: Tx;
  subscriptionId: string;
  tenantId: string;
  /** The request's api-version; absent for background work. */
  apiVersion?: string;
  /** Query parameters other than api-version, keys as sent. */
  query: Record<string, string>;
  settings: EmulatorSettings;
  services: Services;
  now: Date;
}

export interface Preconditions {
  ifMatch?: string;
  ifNoneMatch?: string;
}

/** A context for work no request drives (workers, read models): the subscription's tenant, empty query. */
export function backgroundContext(
  tx: Tx,
  settings: EmulatorSettings,
  services: Services,
  subscriptionId: string,
): ArmContext {
  const sub = settings.subscriptions.find(
    (s) => s.subscriptionId.toLowerCase() === subscriptionId.toLowerCase(),
  );
  return {
    tx,
    subscriptionId,
    tenantId: sub?.tenantId ?? settings.tenantId,
    query: {},
    settings,
    services,
    now: new Date(),
  };
}
