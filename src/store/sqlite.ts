// SQLite backend (better-sqlite3, WAL): the embedded default, a file or `:memory:`.
// Writes go through one connection, one transaction at a time (a promise queue, because a
// transaction body may await; BEGIN IMMEDIATE also excludes other processes). Reads of a
// file database use separate read-only connections, each inside a deferred transaction, so
// they see one committed snapshot and never wait behind a write. An in-memory database has
// only one connection, so its reads are queued with the writes (still one snapshot each).
// A file database survives kill -9: WAL commits are in the OS before the answer is sent.
import fs from "node:fs";
import Database from "better-sqlite3";
import { ChangeFeed } from "./feed.js";
import {
  CLAIM_CANDIDATES,
  COMPACT_SQL,
  type Exec,
  migrationSql,
  RESET_TABLES,
  type Row,
  readChanges,
  rowToWork,
  runBody,
  SqlTx,
} from "./sql.js";
import type {
  ChangeRecord,
  Store,
  TransactionOptions,
  Tx,
  WatchFilter,
  WatchHandle,
  WorkItem,
} from "./types.js";

class Conn implements Exec {
  private readonly cache = new Map<string, Database.Statement>();
  constructor(readonly db: Database.Database) {}

  private stmt(sql: string): Database.Statement {
    let st = this.cache.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.cache.set(sql, st);
    }
    return st;
  }

  async all(sql: string, params: unknown[] = []): Promise<Row[]> {
    return this.allSync(sql, params);
  }

  allSync(sql: string, params: unknown[] = []): Row[] {
    const st = this.stmt(sql);
    if (st.reader) return st.all(...params) as Row[];
    st.run(...params);
    return [];
  }

  async run(sql: string, params: unknown[] = []): Promise<number> {
    return this.stmt(sql).run(...params).changes;
  }
}

const READERS = 4;

export class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  private readonly writer: Conn;
  private readonly idleReaders: Conn[] = [];
  private readerCount = 0;
  private readerWaiters: ((c: Conn) => void)[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly feed: ChangeFeed;
  private closed = false;

  constructor(
    private readonly file: string | ":memory:",
    log: (msg: string, err?: unknown) => void = () => undefined,
  ) {
    const db = new Database(file);
    // Takes effect on a new database only (before its first table): a pod with its
    // managedFields is ~5 KB, which at the default 4 KB pages always spills into overflow pages.
    db.pragma("page_size = 16384");
    if (file !== ":memory:") {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
    }
    db.pragma("busy_timeout = 5000");
    // Temporary tables in memory: each `RETURNING` (the revision counter, taken once per write
    // transaction) collects its rows in one, and the default temp file cost ~250 µs a statement.
    db.pragma("temp_store = MEMORY");
    this.writer = new Conn(db);
    this.migrate();
    // Another process on the same file (not the usual set-up) is seen by the slow poll.
    this.feed = new ChangeFeed(
      {
        readChanges: (after, upTo, filter, limit) =>
          this.read((tx) => readChanges(this.execOf(tx), after, upTo, filter, limit)),
        currentRevision: () => this.currentRevision(),
      },
      file === ":memory:" ? 0 : 500,
      log,
    );
  }

  private readonly execs = new WeakMap<Tx, Exec>();
  private execOf(tx: Tx): Exec {
    const e = this.execs.get(tx);
    if (!e) throw new Error("not a transaction of this store");
    return e;
  }

  private migrate(): void {
    const db = this.writer.db;
    db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    const row = db.prepare("SELECT version FROM schema_version").get() as { version: number } | undefined;
    let version = row?.version ?? 0;
    if (!row) db.prepare("INSERT INTO schema_version (version) VALUES (0)").run();
    const steps = migrationSql("sqlite");
    while (version < steps.length) {
      const step = steps[version];
      db.transaction(() => {
        for (const sql of step) db.exec(sql);
        db.prepare("UPDATE schema_version SET version = ?").run(version + 1);
      })();
      version++;
    }
  }

  private enqueue<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    return this.enqueue(async () => {
      const db = this.writer.db;
      db.exec("BEGIN IMMEDIATE");
      const tx = new SqlTx(this.writer, false);
      this.execs.set(tx, this.writer);
      try {
        const result = await runBody(tx, fn, opts.timeoutMs);
        db.exec("COMMIT");
        this.feed.offer(tx.takeChanges());
        return result;
      } catch (err) {
        if (db.inTransaction) db.exec("ROLLBACK");
        throw err;
      }
    });
  }

  private acquireReader(): Promise<Conn> {
    const idle = this.idleReaders.pop();
    if (idle) return Promise.resolve(idle);
    if (this.readerCount < READERS) {
      this.readerCount++;
      const db = new Database(this.file, { readonly: true, fileMustExist: true });
      db.pragma("busy_timeout = 5000");
      db.pragma("temp_store = MEMORY");
      return Promise.resolve(new Conn(db));
    }
    return new Promise((resolve) => this.readerWaiters.push(resolve));
  }

  private releaseReader(c: Conn): void {
    const waiter = this.readerWaiters.shift();
    if (waiter) waiter(c);
    else this.idleReaders.push(c);
  }

  async read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.file === ":memory:") {
      return this.enqueue(async () => {
        const tx = new SqlTx(this.writer, true);
        this.execs.set(tx, this.writer);
        try {
          return await fn(tx);
        } finally {
          tx.closed = true;
        }
      });
    }
    const conn = await this.acquireReader();
    const tx = new SqlTx(conn, true);
    this.execs.set(tx, conn);
    // BEGIN is deferred: the snapshot is taken by the first read and kept until COMMIT.
    conn.db.exec("BEGIN");
    try {
      return await fn(tx);
    } finally {
      tx.closed = true;
      conn.db.exec("COMMIT");
      this.releaseReader(conn);
    }
  }

  async currentRevision(): Promise<number> {
    return this.read((tx) => tx.currentRevision());
  }

  watch(
    fromRevision: number,
    filter: WatchFilter,
    onChange: (c: ChangeRecord) => void,
    onError?: (e: Error) => void,
  ): WatchHandle {
    return this.feed.watch(fromRevision, filter, onChange, onError);
  }

  async compact(revision: number): Promise<void> {
    await this.enqueue(async () => {
      const db = this.writer.db;
      db.transaction(() => {
        const current = (db.prepare("SELECT value FROM compaction WHERE id = 1").get() as { value: number })
          .value;
        if (revision <= current) return;
        db.prepare(COMPACT_SQL).run(revision);
        db.prepare("UPDATE compaction SET value = ? WHERE id = 1").run(revision);
      })();
      // Before any later commit hands records over: live watchers behind it hear TooOld.
      this.feed.poke();
    });
  }

  async compactedRevision(): Promise<number> {
    return this.read(async (tx) =>
      Number((await this.execOf(tx).all("SELECT value FROM compaction WHERE id = 1"))[0]?.value ?? 0),
    );
  }

  async claimWork(
    owner: string,
    opts: { leaseMs: number; limit: number; kinds?: string[] },
  ): Promise<WorkItem[]> {
    return this.enqueue(async () => {
      const db = this.writer.db;
      const now = Date.now();
      return db.transaction(() => {
        let sql = CLAIM_CANDIDATES;
        const args: unknown[] = [now, now];
        if (opts.kinds) {
          sql += ` AND kind IN (${opts.kinds.map(() => "?").join(", ")})`;
          args.push(...opts.kinds);
        }
        sql += " ORDER BY not_before LIMIT ?";
        args.push(opts.limit);
        const out: WorkItem[] = [];
        for (const c of this.writer.allSync(sql, args)) {
          const rows = this.writer.allSync(
            "UPDATE work SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE kind = ? AND key = ? RETURNING *",
            [owner, now + opts.leaseMs, c.kind, c.key],
          );
          if (rows[0]) out.push(rowToWork(rows[0]));
        }
        return out;
      })();
    });
  }

  async renewWork(owner: string, items: { kind: string; key: string }[], leaseMs: number): Promise<string[]> {
    return this.enqueue(async () => {
      const until = Date.now() + leaseMs;
      const held: string[] = [];
      this.writer.db.transaction(() => {
        for (const i of items) {
          const n = this.writer.db
            .prepare("UPDATE work SET lease_until = ? WHERE kind = ? AND key = ? AND lease_owner = ?")
            .run(until, i.kind, i.key, owner).changes;
          if (n === 1) held.push(i.key);
        }
      })();
      return held;
    });
  }

  async retryWork(kind: string, key: string, owner: string, notBefore: number, error: string): Promise<void> {
    await this.enqueue(async () => {
      this.writer.db
        .prepare(
          "UPDATE work SET lease_owner = NULL, lease_until = NULL, not_before = ?, last_error = ? WHERE kind = ? AND key = ? AND lease_owner = ?",
        )
        .run(notBefore, error, kind, key, owner);
    });
  }

  async releaseLeases(): Promise<number> {
    return this.enqueue(
      async () =>
        this.writer.db
          .prepare("UPDATE work SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL")
          .run().changes,
    );
  }

  async nextWorkAt(): Promise<number | undefined> {
    return this.read(async (tx) => {
      const rows = await this.execOf(tx).all(
        "SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until > not_before THEN lease_until ELSE not_before END) AS t FROM work",
      );
      const t = rows[0]?.t;
      return t === null || t === undefined ? undefined : Number(t);
    });
  }

  async purgeOperations(before: number): Promise<number> {
    return this.enqueue(
      async () =>
        this.writer.db
          .prepare(
            "DELETE FROM operations WHERE status <> 'InProgress' AND end_at IS NOT NULL AND end_at < ?",
          )
          .run(before).changes,
    );
  }

  async reset(): Promise<void> {
    await this.enqueue(async () => {
      const db = this.writer.db;
      db.transaction(() => {
        for (const t of RESET_TABLES) db.exec(`DELETE FROM ${t}`);
        db.exec("DELETE FROM meta WHERE key NOT LIKE 'install.%'");
        // Every earlier revision is gone: watches from before the reset are told so.
        db.exec("DELETE FROM changes");
        db.exec("UPDATE compaction SET value = (SELECT value FROM revision WHERE id = 1) WHERE id = 1");
      })();
      this.feed.poke();
    });
  }

  async sizeBytes(): Promise<number> {
    if (this.file === ":memory:") {
      const pages = this.writer.db.pragma("page_count", { simple: true }) as number;
      const size = this.writer.db.pragma("page_size", { simple: true }) as number;
      return pages * size;
    }
    let total = 0;
    for (const f of [this.file, `${this.file}-wal`]) {
      try {
        total += fs.statSync(f).size;
      } catch {
        // the WAL file may not exist yet
      }
    }
    return total;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.feed.stop();
    await this.queue;
    for (const r of this.idleReaders) r.db.close();
    this.writer.db.close();
  }
}
