// The controllers' work queue: keys (one per object or per cluster-wide pass), deduplicated
// while waiting, run one at a time, retried with exponential backoff up to a bounded number
// of attempts. In-process on purpose: controllers keep no state between runs (every run
// re-reads the API), so a lost queue is rebuilt by the resync at start. The interface is
// what the manager uses, so the store's leased work queue can replace it.
export interface WorkQueue {
  /** Queue `key` to run after `delayMs` (an already-queued key keeps the earlier time). */
  add(key: string, delayMs?: number): void;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
  stop(): void;
}

export type Handler = (key: string) => Promise<void>;

export interface QueueOptions {
  /** Attempts before a key is dropped (and logged). */
  maxAttempts?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  log?: (msg: string, err?: unknown) => void;
  /** An error worth retrying (conflicts, races); others drop the key at once. */
  retryable?: (e: unknown) => boolean;
}

export class InProcessQueue implements WorkQueue {
  private readonly due = new Map<string, number>();
  private readonly attempts = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly handler: Handler,
    private readonly opts: QueueOptions = {},
  ) {}

  add(key: string, delayMs = 0): void {
    if (this.stopped) return;
    const at = Date.now() + delayMs;
    const cur = this.due.get(key);
    if (cur === undefined || at < cur) this.due.set(key, at);
    this.schedule();
  }

  idle(): Promise<void> {
    if (!this.running && this.due.size === 0) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.due.clear();
    this.wake();
  }

  get size(): number {
    return this.due.size;
  }

  private wake(): void {
    if (this.running || this.due.size) return;
    for (const w of this.waiters.splice(0)) w();
  }

  private schedule(): void {
    if (this.running || this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    let next = Number.POSITIVE_INFINITY;
    for (const at of this.due.values()) next = Math.min(next, at);
    if (next === Number.POSITIVE_INFINITY) {
      this.wake();
      return;
    }
    this.timer = setTimeout(() => void this.run(), Math.max(0, next - Date.now()));
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      // Take every due key (earliest first); each run yields to the event loop between keys.
      for (;;) {
        const now = Date.now();
        let pick: string | undefined;
        let pickAt = Number.POSITIVE_INFINITY;
        for (const [k, at] of this.due) if (at <= now && at < pickAt) [pick, pickAt] = [k, at];
        if (pick === undefined || this.stopped) break;
        this.due.delete(pick);
        await this.runOne(pick);
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  private async runOne(key: string): Promise<void> {
    try {
      await this.handler(key);
      this.attempts.delete(key);
    } catch (e) {
      const n = (this.attempts.get(key) ?? 0) + 1;
      const max = this.opts.maxAttempts ?? 12;
      const retry = (this.opts.retryable?.(e) ?? true) && n < max;
      if (!retry) {
        this.attempts.delete(key);
        this.opts.log?.(`controller work ${key} dropped after ${n} attempt(s)`, e);
        return;
      }
      this.attempts.set(key, n);
      const base = this.opts.baseBackoffMs ?? 20;
      const delay = Math.min(this.opts.maxBackoffMs ?? 2000, base * 2 ** (n - 1));
      if (!this.due.has(key)) this.due.set(key, Date.now() + delay);
    }
  }
}
