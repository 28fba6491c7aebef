// The change feed: serves `Store.watch` from the change log. The log is the truth; a wake-up
// (PostgreSQL NOTIFY from another process, or a slow poll) only says "look again". One pump
// per store reads each new log entry once and hands it to every live watcher; a new watcher
// first catches up from its own revision to the pump's position, in the same serial loop, so
// no change is skipped or delivered twice.
// Commits of this process hand their log records over (`offer`) instead of the pump reading
// them back: a handed-over record is used only when its revision is exactly the pump's
// position + 1 (revisions commit in order, so nothing can come between). Any gap — another
// process committed in between — and any outside wake-up, compaction or reset make the pump
// read the log, which then also answers TooOld as before.
import { TooOldError } from "./errors.js";
import { type LoggedChange, toChangeRecord } from "./sql.js";
import type { ChangeRecord, WatchFilter, WatchHandle } from "./types.js";

export interface FeedSource {
  /** Changes in (after, upTo] matching `filter`, and the compaction point, read from one snapshot. */
  readChanges(
    after: number,
    upTo: number | undefined,
    filter: WatchFilter,
    limit: number,
  ): Promise<{ changes: LoggedChange[]; compacted: number }>;
  currentRevision(): Promise<number>;
}

interface Watcher {
  cursor: number;
  filter: WatchFilter;
  onChange: (c: ChangeRecord) => void;
  onError?: (e: Error) => void;
  closed: boolean;
}

const BATCH = 2000;

function matches(f: WatchFilter, c: LoggedChange): boolean {
  return (
    (f.kind === undefined || f.kind === c.kind) &&
    (f.cluster === undefined || f.cluster === c.cluster) &&
    (f.resource === undefined || f.resource === c.resource) &&
    (f.namespace === undefined || f.namespace === c.namespace)
  );
}

export class ChangeFeed {
  private head = -1;
  private readonly pending: Watcher[] = [];
  private readonly live = new Set<Watcher>();
  private running = false;
  private again = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Records this process committed, in revision order; `offered[taken]` is the next unused. */
  private offered: LoggedChange[] = [];
  private taken = 0;
  /** The log must be read before handed-over records are used again. */
  private mustRead = true;
  /** The next handed-over record is beyond head + 1 (someone else's commit comes first). */
  private gap = false;

  constructor(
    private readonly source: FeedSource,
    /** Fallback poll while anyone watches (ms): catches writers no wake-up reaches. */
    private readonly pollMs: number,
    private readonly log: (msg: string, err?: unknown) => void = () => undefined,
  ) {}

  watch(
    fromRevision: number,
    filter: WatchFilter,
    onChange: (c: ChangeRecord) => void,
    onError?: (e: Error) => void,
  ): WatchHandle {
    const w: Watcher = { cursor: fromRevision, filter: { ...filter }, onChange, onError, closed: false };
    this.pending.push(w);
    this.ensurePoll();
    this.poke();
    return {
      close: () => {
        w.closed = true;
        this.live.delete(w);
      },
    };
  }

  /** Something committed elsewhere (or the log changed under us): read the log again (coalesces). */
  poke(): void {
    this.mustRead = true;
    this.wake();
  }

  /** This process committed these records (revision order, one transaction): deliver them. */
  offer(records: readonly LoggedChange[]): void {
    if (this.stopped || records.length === 0) return;
    // Nobody watching: the next watcher starts from the log (head is reset with it).
    if (this.live.size === 0 && this.pending.length === 0) return;
    for (const r of records) this.offered.push(r);
    this.wake();
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.live.size === 0 && this.pending.length === 0) return;
    this.running = true;
    queueMicrotask(() => void this.pump());
  }

  stop(): void {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    for (const w of this.live) w.closed = true;
    this.live.clear();
    this.pending.length = 0;
    this.dropOffered();
  }

  private dropOffered(): void {
    this.offered = [];
    this.taken = 0;
  }

  /** Number of open watches (status, tests). */
  get size(): number {
    return this.live.size + this.pending.length;
  }

  private ensurePoll(): void {
    if (this.pollTimer || this.pollMs <= 0) return;
    this.pollTimer = setInterval(() => {
      if (this.live.size === 0 && this.pending.length === 0) {
        clearInterval(this.pollTimer);
        this.pollTimer = undefined;
        if (!this.running) {
          this.head = -1;
          this.dropOffered();
        }
        return;
      }
      this.poke();
    }, this.pollMs);
    this.pollTimer.unref();
  }

  private fail(w: Watcher, err: Error): void {
    if (w.closed) return;
    w.closed = true;
    this.live.delete(w);
    try {
      w.onError?.(err);
    } catch (e) {
      this.log("watch error handler threw", e);
    }
  }

  private deliver(w: Watcher, c: ChangeRecord): void {
    if (w.closed) return;
    w.cursor = c.revision;
    try {
      w.onChange(c);
    } catch (e) {
      this.fail(w, e instanceof Error ? e : new Error(String(e)));
    }
  }

  private async pump(): Promise<void> {
    try {
      do {
        this.again = false;
        if (this.stopped) return;
        if (this.head < 0) {
          this.mustRead = true;
          this.head = await this.source.currentRevision();
        }
        // 1. New watchers catch up to the pump's position, each from its own revision.
        while (this.pending.length > 0) {
          const w = this.pending.shift() as Watcher;
          if (w.closed) continue;
          await this.catchUp(w);
          if (!w.closed) {
            if (w.cursor < this.head) w.cursor = this.head;
            this.live.add(w);
          }
        }
        // 2. Everything committed since, once, to every live watcher.
        for (let readAll = false; ; ) {
          if (this.live.size === 0) break;
          if (this.useOffered()) {
            readAll = false;
            continue;
          }
          if (this.gap && readAll) {
            // The records came in while the log was being read (from a snapshot before them):
            // their offer set `again`, so the next round reads the log again. Never spin here.
            this.mustRead = true;
            break;
          }
          if (!this.mustRead) break;
          this.mustRead = false;
          const { changes, compacted } = await this.source.readChanges(this.head, undefined, {}, BATCH);
          if (this.head < compacted) {
            for (const w of [...this.live]) this.fail(w, new TooOldError(w.cursor, compacted));
            this.head = -1;
            this.dropOffered();
            break;
          }
          for (const c of changes) this.publish(c);
          readAll = changes.length < BATCH;
          if (!readAll) this.mustRead = true;
        }
        if (this.live.size === 0 && this.pending.length === 0) {
          this.head = -1;
          this.dropOffered();
        }
      } while (this.again && !this.stopped);
    } catch (err) {
      this.log("change feed failed", err);
      const e = err instanceof Error ? err : new Error(String(err));
      for (const w of [...this.live, ...this.pending]) this.fail(w, e);
      this.pending.length = 0;
      this.head = -1;
      this.dropOffered();
    } finally {
      this.running = false;
      if (this.again && !this.stopped) this.wake();
    }
  }

  /** One change to every live watcher it concerns (parsed once, shared by them). */
  private publish(l: LoggedChange): void {
    let c: ChangeRecord | undefined;
    for (const w of this.live)
      if (l.revision > w.cursor && matches(w.filter, l)) {
        c ??= toChangeRecord(l);
        this.deliver(w, c);
      }
    this.head = l.revision;
  }

  /**
   * Delivers handed-over records that continue the log exactly at head + 1; true when it
   * delivered any. Records at or below head (already read from the log) are dropped; a gap
   * sets `mustRead` (another process's commit is in the log, not here).
   */
  private useOffered(): boolean {
    const list = this.offered;
    while (this.taken < list.length && list[this.taken].revision <= this.head) this.taken++;
    let used = false;
    if (!this.mustRead) {
      while (this.taken < list.length && list[this.taken].revision === this.head + 1 && this.live.size > 0) {
        this.publish(list[this.taken++]);
        used = true;
      }
    }
    this.gap = !used && this.taken < list.length && list[this.taken].revision > this.head + 1;
    if (this.gap) this.mustRead = true;
    if (this.taken === list.length) this.dropOffered();
    else if (this.taken > 4096) {
      this.offered = list.slice(this.taken);
      this.taken = 0;
    }
    return used;
  }

  private async catchUp(w: Watcher): Promise<void> {
    for (;;) {
      if (w.closed || w.cursor >= this.head) return;
      const { changes, compacted } = await this.source.readChanges(w.cursor, this.head, w.filter, BATCH);
      if (w.cursor < compacted) {
        this.fail(w, new TooOldError(w.cursor, compacted));
        return;
      }
      for (const c of changes) this.deliver(w, toChangeRecord(c));
      if (changes.length < BATCH) {
        if (!w.closed) w.cursor = this.head;
        return;
      }
    }
  }
}
