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
}

export interface Services {
  store: Store;
  registry: Registry;
  /** Queue a long-running operation for the worker (after the current transaction commits). */
  kickOperations(): void;
}

export interface ArmContext {
  tx: Tx;
  subscriptionId: string;
  tenantId: string;
  apiVersion: string;
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
