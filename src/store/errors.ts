// Typed store errors. Callers map them to their face: the kube layer turns TooOldError into
// 410 Gone and StoreConflictError into 409 Conflict; the runtime retries StoreTimeoutError.

/** The change log no longer holds the revisions a watch asked for (they were compacted). */
export class TooOldError extends Error {
  override readonly name = "TooOldError";
  constructor(
    readonly requestedRevision: number,
    /** The compaction point: watches must start at or after it. */
    readonly compactedRevision: number,
  ) {
    super(`revision ${requestedRevision} is older than the compacted revision ${compactedRevision}`);
  }
}

/** An optimistic-concurrency or create-only precondition failed. */
export class StoreConflictError extends Error {
  override readonly name = "StoreConflictError";
  constructor(
    message: string,
    /** The stored revision, when the object exists. */
    readonly currentRevision?: number,
  ) {
    super(message);
  }
}

/** A transaction ran past its deadline and was rolled back. */
export class StoreTimeoutError extends Error {
  override readonly name = "StoreTimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`the transaction ran longer than ${timeoutMs} ms and was rolled back`);
  }
}

/** A write was attempted inside a read-only snapshot. */
export class StoreReadOnlyError extends Error {
  override readonly name = "StoreReadOnlyError";
  constructor(method: string) {
    super(`${method} is a write and cannot run inside Store.read`);
  }
}
