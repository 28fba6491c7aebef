// The store contract every backend implements (sqlite.ts, postgres.ts; both share the SQL in
// sql.ts). Providers and the runtime see only this: a transaction handle (`Tx`) with ARM
// resources, Kubernetes objects, allocations, operations, work items and metadata, and the
// store-wide services (revisions, the change feed, work leases). `test/store/contract.test.ts`
// is the executable form of this file and runs on every backend.
//
// Keys per kind: ARM ids are case-insensitive (stored lower-cased, returned with the casing of
// the PUT that created them); Kubernetes names are case-sensitive (stored as given).
//
// Revisions: every committed write of a resource or object takes the next value of ONE
// database-wide counter (a row in the database, never process memory), and the same
// transaction appends (revision, kind, key, type, object) to the change log. The counter row
// is locked until commit, so revisions become visible in order and the log has no gaps.
export { StoreConflictError, StoreTimeoutError, TooOldError } from "./errors.js";

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
  /** Creation order (the revision of the write that created it); lists come back in this order. */
  seq?: number;
}

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

/** One Kubernetes object. Keys are case-sensitive. */
export interface KubeObjectRecord {
  /** Cluster uid (resourceUID of the managed cluster). */
  cluster: string;
  /** `<group>/<plural>`, the "" group as `core`: `core/pods`, `apps/deployments`. */
  resource: string;
  /** "" for cluster-scoped objects. */
  namespace: string;
  name: string;
  /** Full object as stored (the kube layer sets metadata.resourceVersion from `revision`). */
  body: Record<string, unknown>;
  /** Revision of the last write to this object (set by the store). */
  revision: number;
}

/** One entry of the change log. */
export interface ChangeRecord {
  revision: number;
  /** Family: `arm` (resources), `kube` (objects), `work` (work-queue wake-ups). */
  kind: "arm" | "kube" | string;
  /** arm: lower-cased id; kube: `${cluster}/${resource}/${namespace}/${name}`; work: `${kind}/${key}`. */
  key: string;
  type: ChangeType;
  /** arm: the resource body; kube: the object (for DELETED, its last state). */
  readonly object: Record<string, unknown>;
  /** Kubernetes filter columns. */
  cluster?: string;
  resource?: string;
  namespace?: string;
}

export interface WatchFilter {
  kind?: string;
  cluster?: string;
  resource?: string;
  namespace?: string;
}

export interface WatchHandle {
  close(): void;
}

/** One item of background work, held by at most one process at a time (a lease). */
export interface WorkItem {
  /** Registered work kind, e.g. `arm-operation`. */
  kind: string;
  /** The object it is about; (kind, key) is unique, so an object is queued at most once. */
  key: string;
  payload?: Record<string, unknown>;
  /** Attempts started so far (incremented when a process claims it). */
  attempts: number;
  /** Epoch ms before which it must not run (backoff, delays). */
  notBefore: number;
  /** Process holding it and until when (epoch ms); expired leases are taken over. */
  leaseOwner?: string;
  leaseUntil?: number;
  lastError?: string;
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
  /** A finished action's answer (e.g. an effective route table), served on the result URL. */
  resultBody?: unknown;
  startTime: string;
  endTime?: string;
  /** Epoch ms before which the worker must not run it (test hook: simulate slow work). */
  notBefore?: number;
}

/** A query over Kubernetes objects, ordered by (namespace, name). */
export interface ObjectQuery {
  cluster: string;
  resource: string;
  /** Omitted: every namespace. */
  namespace?: string;
  /** Continue key `namespace/name`: only objects strictly after it. */
  after?: string;
  limit?: number;
}

/**
 * One transaction. Every method sees the transaction's own writes. Inside `Store.read` the
 * handle is a consistent snapshot (every read, `currentRevision` included, sees the same
 * committed state) and the write methods throw.
 */
export interface Tx {
  // ---- ARM resources (keys: lower-cased id) ----
  /** The resource with this id (any casing), or undefined. */
  getResource(id: string): Promise<ResourceRecord | undefined>;
  /** Insert or replace; a new resource keeps the id casing given, an update keeps its `seq`. Logs ADDED/MODIFIED. */
  putResource(record: ResourceRecord): Promise<void>;
  /** Deletes it; false when there was none. Logs DELETED with the last body. */
  deleteResource(id: string): Promise<boolean>;
  /** Resources of one type (and scope), in creation order. */
  listResources(query: ListQuery): Promise<ResourceRecord[]>;
  /** Every resource whose id starts with `prefix` (case-insensitive), for cascades, in creation order. */
  listResourcesUnder(prefix: string): Promise<ResourceRecord[]>;

  // ---- Kubernetes objects (keys: case-sensitive) ----
  getObject(
    cluster: string,
    resource: string,
    namespace: string,
    name: string,
  ): Promise<KubeObjectRecord | undefined>;
  /**
   * getObject for checks that only read: repeated reads of an object in one transaction share
   * one parsed record (until the transaction writes that object), so the caller must not
   * change it.
   */
  peekObject(
    cluster: string,
    resource: string,
    namespace: string,
    name: string,
  ): Promise<Readonly<KubeObjectRecord> | undefined>;
  /**
   * Insert or replace; returns the new revision (also written to the change log in this tx).
   * `expectedRevision` → StoreConflictError when the stored revision differs (or the object is
   * missing); `create: true` → StoreConflictError when it exists. `owned: true` hands `body`
   * over: watchers get that very object instead of a parse of the text, so the caller (and
   * anyone it gave the object to) must never change it, or anything in it, afterwards.
   */
  putObject(
    rec: Omit<KubeObjectRecord, "revision">,
    opts?: { expectedRevision?: number; create?: boolean; owned?: boolean },
  ): Promise<number>;
  /** Deletes it and returns the revision of the deletion; undefined when there was none. */
  deleteObject(
    cluster: string,
    resource: string,
    namespace: string,
    name: string,
    opts?: { expectedRevision?: number },
  ): Promise<number | undefined>;
  /** Ordered by (namespace, name) in byte order; `after` = continue key "namespace/name". */
  listObjects(q: ObjectQuery): Promise<KubeObjectRecord[]>;
  /** How many objects `listObjects` would give without a limit (a list's remainingItemCount). */
  countObjects(q: Omit<ObjectQuery, "limit">): Promise<number>;
  /** Up to `limit` objects of a cluster, every resource, last written at or before `maxRevision` (a deleted cluster's sweep). */
  listClusterObjects(
    cluster: string,
    opts: { maxRevision: number; limit: number },
  ): Promise<KubeObjectRecord[]>;

  // ---- allocations (uniqueness by primary key (pool, item)) ----
  /** Take `item` in `pool` for `owner`; false when somebody already holds it. */
  allocate(pool: string, item: string, owner: string): Promise<boolean>;
  release(pool: string, item: string): Promise<void>;
  releaseOwner(owner: string): Promise<number>;
  /** Frees every allocation of every pool whose name starts with `prefix` (case-sensitive); returns how many. */
  releasePoolPrefix(prefix: string): Promise<number>;
  listAllocations(pool: string): Promise<AllocationRecord[]>;
  listAllocationsByOwner(owner: string): Promise<AllocationRecord[]>;

  // ---- ARM operation records ----
  /** Insert or replace. A finished record (status other than InProgress) starts its retention clock. */
  putOperation(op: OperationRecord): Promise<void>;
  getOperation(id: string): Promise<OperationRecord | undefined>;
  listOperations(status: OperationStatus): Promise<OperationRecord[]>;

  // ---- work queue ----
  /**
   * Queue (kind, key) to run at `notBefore` (default now). Already queued: payload and
   * notBefore are replaced, attempts are kept. Wakes the runtime in every process at commit.
   */
  enqueueWork(item: {
    kind: string;
    key: string;
    payload?: Record<string, unknown>;
    notBefore?: number;
  }): Promise<void>;
  getWork(kind: string, key: string): Promise<WorkItem | undefined>;
  /** Removes the item if `owner` still holds its lease; false when the lease was lost. */
  finishWork(kind: string, key: string, owner: string): Promise<boolean>;

  // ---- metadata ----
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  /** Sets it only when absent; returns the stored value (shared key material across processes). */
  initMeta(key: string, value: string): Promise<string>;
  /** Removes every key that starts with `prefix` (a deleted cluster's `kube/<uid>/…`); returns how many. */
  deleteMetaPrefix(prefix: string): Promise<number>;

  /** The revision of the last committed write as this transaction sees it. */
  currentRevision(): Promise<number>;
}

export interface TransactionOptions {
  /**
   * Abandon the transaction after this long: it rolls back, the caller gets
   * StoreTimeoutError, and further calls on its Tx throw (so a runaway body cannot hold the
   * write lock for ever).
   */
  timeoutMs?: number;
}

export interface Store {
  readonly kind: "sqlite" | "postgres";
  /**
   * Runs `fn` in one serializable write transaction; everything it wrote commits together or
   * not at all. A serialization conflict (PostgreSQL 40001/40P01) re-runs `fn` from the start,
   * so `fn` must have no effects outside `tx` that a second run would repeat wrongly.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  /**
   * Runs `fn` on a consistent read-only snapshot. Never waits behind a write transaction
   * (SQLite: a separate WAL read connection; PostgreSQL: REPEATABLE READ READ ONLY).
   */
  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** The revision of the last committed write. */
  currentRevision(): Promise<number>;
  /**
   * Every change with revision > fromRevision matching the filter, in order, no gap, no
   * duplicate, whichever process wrote it; then live changes as they commit. When
   * fromRevision is below the compaction point, `onError` receives a TooOldError (with the
   * compaction revision) and nothing else is delivered. `onError` also receives backend
   * failures; the watch is closed after any error.
   */
  watch(
    fromRevision: number,
    filter: WatchFilter,
    onChange: (c: ChangeRecord) => void,
    onError?: (e: Error) => void,
  ): WatchHandle;
  /** Drops change-log entries with revision <= `revision`; later watches from before it are TooOld. */
  compact(revision: number): Promise<void>;
  /** The highest compacted revision (0 when nothing was compacted). */
  compactedRevision(): Promise<number>;
  /**
   * Leases up to `limit` runnable work items (notBefore <= now, no live lease) to `owner`
   * for `leaseMs`, incrementing their attempts. Two processes never get the same item while
   * a lease is live (SQLite: the write lock; PostgreSQL: FOR UPDATE SKIP LOCKED).
   */
  claimWork(owner: string, opts: { leaseMs: number; limit: number; kinds?: string[] }): Promise<WorkItem[]>;
  /** Extends the leases `owner` still holds on these items; returns the keys still held. */
  renewWork(owner: string, items: { kind: string; key: string }[], leaseMs: number): Promise<string[]>;
  /** Gives an item back for a later attempt (backoff) and records why the last one failed. */
  retryWork(kind: string, key: string, owner: string, notBefore: number, error: string): Promise<void>;
  /**
   * Frees every lease. Only for a store no other process can be using (a SQLite file under
   * the data-dir lock): the leases left belong to a dead process.
   */
  releaseLeases(): Promise<number>;
  /** Epoch ms of the earliest time any queued item becomes runnable (lease expiry included). */
  nextWorkAt(): Promise<number | undefined>;
  /** Deletes finished operation records that ended before `before` (epoch ms); returns how many. */
  purgeOperations(before: number): Promise<number>;
  /** Removes all state except install-wide secrets (meta keys starting `install.`). */
  reset(): Promise<void>;
  /** Bytes used (file size, or database size on PostgreSQL), for status and benchmarks. */
  sizeBytes(): Promise<number>;
  close(): Promise<void>;
}
