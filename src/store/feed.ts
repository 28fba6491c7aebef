// The change feed: serves `Store.watch` from the change log. The log is the truth; a wake-up
// (a commit in this process, PostgreSQL NOTIFY from another, or a slow poll) only says "look
// again". One pump per store reads each new log entry once and hands it to every live
// watcher; a new watcher first catches up from its own revision to the pump's position, in
// the same serial loop, so no change is skipped or delivered twice.
import { TooOldError } from "./errors.js";
import type { ChangeRecord, WatchFilter, WatchHandle } from "./types.js";

export interface FeedSource {
  /** Changes in (after, upTo] matching `filter`, and the compaction point, read from one snapshot. */
  readChanges(
    after: number,
    upTo: number | undefined,
    filter: WatchFilter,
    limit: number,
  ): Promise<{ changes: ChangeRecord[]; compacted: number }>;
  currentRevision(): Promise<number>;
}

interface Watcher {
  cursor: number;
  filter: WatchFilter;
  onChange: (c: ChangeRecord) => void;
  onError?: (e: Error) => void;
  closed: boolean;
}

const BATCH = 1000;

function matches(f: WatchFilter, c: ChangeRecord): boolean {
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

  /** Something committed: look at the log again (cheap; coalesces). */
  poke(): void {
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
        this.head = -1;
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
        if (this.head < 0) this.head = await this.source.currentRevision();
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
        for (;;) {
          if (this.live.size === 0) break;
          const { changes, compacted } = await this.source.readChanges(this.head, undefined, {}, BATCH);
          if (this.head < compacted) {
            for (const w of [...this.live]) this.fail(w, new TooOldError(w.cursor, compacted));
            this.head = -1;
            break;
          }
          for (const c of changes) {
            for (const w of this.live) if (c.revision > w.cursor && matches(w.filter, c)) this.deliver(w, c);
            this.head = c.revision;
          }
          if (changes.length < BATCH) break;
        }
        if (this.live.size === 0 && this.pending.length === 0) this.head = -1;
      } while (this.again && !this.stopped);
    } catch (err) {
      this.log("change feed failed", err);
      const e = err instanceof Error ? err : new Error(String(err));
      for (const w of [...this.live, ...this.pending]) this.fail(w, e);
      this.pending.length = 0;
      this.head = -1;
    } finally {
      this.running = false;
      if (this.again && !this.stopped) this.poke();
    }
  }

  private async catchUp(w: Watcher): Promise<void> {
    for (;;) {
      if (w.closed || w.cursor >= this.head) return;
      const { changes, compacted } = await this.source.readChanges(w.cursor, this.head, w.filter, BATCH);
      if (w.cursor < compacted) {
        this.fail(w, new TooOldError(w.cursor, compacted));
        return;
      }
      for (const c of changes) this.deliver(w, c);
      if (changes.length < BATCH) {
        if (!w.closed) w.cursor = this.head;
        return;
      }
    }
  }
}
