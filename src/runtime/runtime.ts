// The controller runtime: runs background work items (store `work` table) with leases,
// retries, backoff and bounded attempts. Replaces the re-list operation runner.
//
//  - A work item is keyed (kind, key): one row per object, so an object is queued once.
//  - Wake-ups come from the change feed (`enqueueWork` logs a `work` change; commits in any
//    process reach every runtime), from `kick()` in this process, and from a slow poll that
//    also notices expired leases of dead processes.
//  - A claimed item is leased to this process (renewed while it runs); a process killed
//    mid-item loses its lease and another one takes the item over. Attempts are counted at
//    claim time, so an item that crashes its process every time still runs out of attempts.
//  - Each attempt runs in one store transaction with a deadline; it commits its effects and
//    the removal of the item together. A failure is retried with exponential backoff, unless
//    the kind says it is permanent; after the last attempt the kind's `giveUp` records the
//    failure (for ARM operations: `Failed` with an Azure-shaped error).
// Work kinds are registered explicitly by the composition root (server/app.ts).
import { randomBytes } from "node:crypto";
import os from "node:os";
import type { EmulatorSettings, Services } from "../providers/context.js";
import type { Store, Tx, WatchHandle, WorkItem } from "../store/types.js";

/** What a work attempt sees. Nothing here pretends to be a request. */
export interface WorkContext {
  tx: Tx;
  settings: EmulatorSettings;
  services: Services;
  now: Date;
  /** The attempt number (1 = first). */
  attempt: number;
  /**
   * Runs `fn` once the transaction has committed (a log line): the store may run a body again
   * (a PostgreSQL retry), so side effects inside it could happen twice.
   */
  afterCommit(fn: () => void): void;
}

export interface WorkKind {
  kind: string;
  /** One attempt, inside `ctx.tx`; throwing rolls its writes back. */
  run(ctx: WorkContext, item: WorkItem): Promise<void>;
  /** After the last attempt or a permanent error, in its own transaction: record the failure
   *  (through `ctx.tx` and `ctx.afterCommit` only: a store retry of that transaction may run it again). */
  giveUp?(ctx: WorkContext, item: WorkItem, error: Error): Promise<void>;
  /** false: fail at once (a deterministic error); default: every error is retried. */
  retryable?(error: Error): boolean;
  /** Epoch ms before which this process should not run it (it keeps the lease meanwhile). */
  readyAt?(item: WorkItem, deps: { settings: EmulatorSettings; store: Store }): Promise<number | undefined>;
}

export interface RuntimeOptions {
  maxAttempts: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** A lease lasts this long; it is renewed every third of it while the item is held. */
  leaseMs: number;
  /** Deadline of one attempt's transaction. */
  attemptTimeoutMs: number;
  pollMs: number;
}

export const DEFAULT_RUNTIME_OPTIONS: RuntimeOptions = {
  maxAttempts: 5,
  baseBackoffMs: 200,
  maxBackoffMs: 10_000,
  leaseMs: 6_000,
  attemptTimeoutMs: 30_000,
  pollMs: 1_000,
};

type Log = (msg: string, err?: unknown) => void;

export class Runtime {
  readonly owner = `${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  private readonly kinds = new Map<string, WorkKind>();
  private readonly opts: RuntimeOptions;
  /** Items this process holds a lease on (running or waiting for readyAt). */
  private readonly held = new Map<string, WorkItem>();
  private running = false;
  private again = false;
  private stopped = true;
  private pollTimer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly readyTimers = new Map<string, NodeJS.Timeout>();
  private watchHandle: WatchHandle | undefined;
  private idleWaiters: (() => void)[] = [];
  private hooks: { everyPoll: (() => Promise<void>)[] } = { everyPoll: [] };
  /** Attempts run, retries scheduled, items given up (status, tests). */
  readonly counters = { attempts: 0, retries: 0, givenUp: 0, succeeded: 0 };

  constructor(
    private readonly store: Store,
    private readonly settings: EmulatorSettings,
    private readonly services: () => Services,
    private readonly log: Log,
    opts: Partial<RuntimeOptions> = {},
  ) {
    this.opts = { ...DEFAULT_RUNTIME_OPTIONS, ...opts };
  }

  /** Registers a kind of work; the composition root does this for every kind before start(). */
  register(kind: WorkKind): void {
    if (this.kinds.has(kind.kind)) throw new Error(`work kind '${kind.kind}' registered twice`);
    this.kinds.set(kind.kind, kind);
  }

  /** Periodic housekeeping (expiry, compaction) on the poll timer. */
  everyPoll(fn: () => Promise<void>): void {
    this.hooks.everyPoll.push(fn);
  }

  async start(): Promise<void> {
    this.stopped = false;
    const from = await this.store.currentRevision();
    this.watchHandle = this.store.watch(
      from,
      { kind: "work" },
      () => this.kick(),
      (err) => {
        this.log("runtime change-feed watch ended; polling only", err);
        this.watchHandle = undefined;
      },
    );
    this.pollTimer = setInterval(() => {
      this.kick();
      for (const fn of this.hooks.everyPoll) fn().catch((e) => this.log("runtime housekeeping failed", e));
    }, this.opts.pollMs);
    this.pollTimer.unref();
    this.renewTimer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.opts.leaseMs / 3)));
    this.renewTimer.unref();
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    this.watchHandle?.close();
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.renewTimer) clearInterval(this.renewTimer);
    for (const t of this.readyTimers.values()) clearTimeout(t);
    this.readyTimers.clear();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Look for work now (cheap; coalesces). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    setImmediate(() => void this.drain());
  }

  /** Resolves once a pass finds nothing runnable (items waiting for their time do not count). */
  whenIdle(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const p = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.kick();
    return p;
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        if (this.stopped) return;
        const kinds = [...this.kinds.keys()];
        if (kinds.length === 0) break;
        const claimed = await this.store.claimWork(this.owner, {
          leaseMs: this.opts.leaseMs,
          limit: 16,
          kinds,
        });
        for (const item of claimed) {
          if (this.stopped) return;
          await this.consider(item);
        }
        if (claimed.length > 0) this.again = true;
      } while (this.again && !this.stopped);
    } catch (err) {
      if (!this.stopped) this.log("runtime pass failed", err);
    } finally {
      this.running = false;
      if (!this.again) for (const w of this.idleWaiters.splice(0)) w();
      else this.kick();
    }
  }

  private static id(item: { kind: string; key: string }): string {
    return `${item.kind}\u0000${item.key}`;
  }

  /** Runs it now, or holds the lease until the kind says it is ready. */
  private async consider(item: WorkItem): Promise<void> {
    const kind = this.kinds.get(item.kind) as WorkKind;
    const id = Runtime.id(item);
    this.held.set(id, item);
    const readyAt = await kind.readyAt?.(item, { settings: this.settings, store: this.store });
    if (readyAt !== undefined && readyAt > Date.now()) {
      if (!this.readyTimers.has(id)) {
        const t = setTimeout(
          () => {
            this.readyTimers.delete(id);
            void this.attempt(kind, item).then(() => this.kick());
          },
          Math.max(1, readyAt - Date.now()),
        );
        t.unref();
        this.readyTimers.set(id, t);
      }
      return;
    }
    await this.attempt(kind, item);
  }

  private async renew(): Promise<void> {
    if (this.stopped || this.held.size === 0) return;
    const items = [...this.held.values()];
    try {
      const still = new Set(await this.store.renewWork(this.owner, items, this.opts.leaseMs));
      for (const i of items)
        if (!still.has(i.key)) {
          // Lost (expired while this process stalled): another process owns it now.
          const id = Runtime.id(i);
          this.held.delete(id);
          const t = this.readyTimers.get(id);
          if (t) clearTimeout(t);
          this.readyTimers.delete(id);
        }
    } catch (err) {
      if (!this.stopped) this.log("lease renewal failed", err);
    }
  }

  /** A context for one run of a transaction body; `after` collects its after-commit steps. */
  private context(tx: Tx, item: WorkItem, after: (() => void)[]): WorkContext {
    after.length = 0;
    return {
      tx,
      settings: this.settings,
      services: this.services(),
      now: new Date(),
      attempt: item.attempts,
      afterCommit: (fn) => after.push(fn),
    };
  }

  private runAfter(after: (() => void)[]): void {
    for (const fn of after.splice(0))
      try {
        fn();
      } catch (e) {
        this.log("an after-commit step failed", e);
      }
  }

  private async attempt(kind: WorkKind, item: WorkItem): Promise<void> {
    const id = Runtime.id(item);
    if (this.stopped || !this.held.has(id)) return;
    this.counters.attempts++;
    try {
      if (item.attempts > this.opts.maxAttempts) {
        // Every attempt so far ended without a verdict (e.g. its process died): stop here.
        throw new AttemptsExhausted(item, this.opts.maxAttempts);
      }
      const after: (() => void)[] = [];
      await this.store.transaction(
        async (tx) => {
          await kind.run(this.context(tx, item, after), item);
          if (!(await tx.finishWork(item.kind, item.key, this.owner))) throw new LeaseLost(item);
        },
        { timeoutMs: this.opts.attemptTimeoutMs },
      );
      this.runAfter(after);
      this.counters.succeeded++;
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      if (err instanceof LeaseLost) return;
      const permanent = err instanceof AttemptsExhausted || kind.retryable?.(err) === false;
      if (!permanent && item.attempts < this.opts.maxAttempts) {
        const backoff = Math.min(this.opts.maxBackoffMs, this.opts.baseBackoffMs * 2 ** (item.attempts - 1));
        const jitter = backoff * (0.5 + Math.random() / 2);
        this.counters.retries++;
        this.log(
          `work ${item.kind}/${item.key} attempt ${item.attempts} failed; retrying in ${Math.round(jitter)} ms`,
          err,
        );
        await this.store
          .retryWork(item.kind, item.key, this.owner, Date.now() + jitter, err.message)
          .catch((re) => this.log("could not reschedule work", re));
        const t = setTimeout(() => this.kick(), jitter + 5);
        t.unref();
        return;
      }
      this.counters.givenUp++;
      const after: (() => void)[] = [];
      await this.store
        .transaction(
          async (tx) => {
            await kind.giveUp?.(this.context(tx, item, after), item, err);
            await tx.finishWork(item.kind, item.key, this.owner);
          },
          { timeoutMs: this.opts.attemptTimeoutMs },
        )
        .then(() => this.runAfter(after))
        .catch((ge) => this.log(`work ${item.kind}/${item.key}: recording the failure failed`, ge));
    } finally {
      this.held.delete(id);
    }
  }
}

/** The item's lease passed to another process; its work was rolled back. */
export class LeaseLost extends Error {
  override readonly name = "LeaseLost";
  constructor(item: { kind: string; key: string }) {
    super(`lease on ${item.kind}/${item.key} was lost`);
  }
}

/** The item used up its attempts. */
export class AttemptsExhausted extends Error {
  override readonly name = "AttemptsExhausted";
  constructor(
    item: WorkItem,
    readonly maxAttempts: number,
  ) {
    super(
      `gave up after ${maxAttempts} attempts${item.lastError ? `; the last one failed: ${item.lastError}` : ""}`,
    );
  }
}
