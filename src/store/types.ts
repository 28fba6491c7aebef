// The store interface every backend implements. Providers see only this: a transaction
// handle with resource documents, allocations, operations and metadata. Keys are the
// lower-cased ARM ids, so look-ups are case-insensitive while ids keep their PUT casing.

/** One ARM resource as stored: the wire body plus indexing columns and private state. */
export interface ResourceRecord {
  /** ARM id with the casing of the PUT that created it. */
  id: string;
  /** Full type, e.g. `Microsoft.Network/virtualNetworks/subnets`. */
  type: string;
  subscriptionId: string;
  /** Resource group name (as created), or undefined for subscription-level resources. */
  resourceGroup?: string;
  /** Id of the parent resource for child types (subnets, routes, agent pools …). */
  parentId?: string;
  /** Wire JSON as GET returns it. */
  body: Record<string, unknown>;
  /** Private state the wire never shows (allocator cursors, owners …). */
  internal?: Record<string, unknown>;
  etag: string;
  /** Insertion order; lists come back in this order, as Azure lists are stable. */
  seq?: number;
}

export interface ListQuery {
  type: string;
  subscriptionId?: string;
  resourceGroup?: string;
  parentId?: string;
}

export interface AllocationRecord {
  pool: string;
  item: string;
  owner: string;
}

export type OperationStatus = "InProgress" | "Succeeded" | "Failed" | "Canceled";

export interface OperationRecord {
  id: string;
  subscriptionId: string;
  /** Namespace whose operation URLs serve it, e.g. `Microsoft.Network`. */
  namespace: string;
  location: string;
  /** Registered worker kind; `noop` for work finished synchronously. */
  kind: string;
  /** ARM id of the resource the operation acts on. */
  target: string;
  status: OperationStatus;
  payload?: Record<string, unknown>;
  /** `status` is the HTTP status the failure answers on the Location (result) URL. */
  error?: { code: string; message: string; target?: string; status?: number };
  /** HTTP status of the final result for Location polling (200 with body, 204 without). */
  resultStatus?: number;
  /**
   * What the finished operation's result URL answers with: the target resource (a PUT) or
   * nothing (a DELETE). Absent means "resource".
   */
  result?: "resource" | "empty";
  startTime: string;
  endTime?: string;
  /** Epoch ms before which the worker must not run it (test hook: simulate slow work). */
  notBefore?: number;
}

export interface Tx {
  getResource(id: string): Promise<ResourceRecord | undefined>;
  putResource(record: ResourceRecord): Promise<void>;
  deleteResource(id: string): Promise<boolean>;
  listResources(query: ListQuery): Promise<ResourceRecord[]>;
  /** Every resource whose id starts with `prefix` (case-insensitive), for cascades. */
  listResourcesUnder(prefix: string): Promise<ResourceRecord[]>;

  /** Take `item` in `pool` for `owner`; false when somebody already holds it. */
  allocate(pool: string, item: string, owner: string): Promise<boolean>;
  release(pool: string, item: string): Promise<void>;
  releaseOwner(owner: string): Promise<number>;
  listAllocations(pool: string): Promise<AllocationRecord[]>;
  listAllocationsByOwner(owner: string): Promise<AllocationRecord[]>;

  putOperation(op: OperationRecord): Promise<void>;
  getOperation(id: string): Promise<OperationRecord | undefined>;
  listOperations(status: OperationStatus): Promise<OperationRecord[]>;

  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
}

export interface Store {
  readonly kind: "sqlite" | "postgres";
  /** Runs `fn` in one transaction; everything it wrote commits together or not at all. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` for reading only (GET/HEAD): serialised with transactions, but without taking
   * the write lock. Writing inside it is a programming error.
   */
  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Removes all state (used by `aksnet reset` and the admin API). */
  reset(): Promise<void>;
  /** Bytes used on disk (0 in memory), for status and benchmarks. */
  sizeBytes(): Promise<number>;
  close(): Promise<void>;
}
