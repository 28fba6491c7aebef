// PostgreSQL backend (`pg`): one database shared by several aksnet processes.
//  - Writes: SERIALIZABLE transactions, re-run from the start on a serialization failure
//    (40001) or deadlock (40P01). Within a process they take turns (a promise queue, like
//    SQLite), so conflicts only arise between processes.
//  - Revisions: the `revision` row is updated by every write that logs a change; its row
//    lock is held to commit, so revisions commit in order and the log has no gaps.
//  - Reads: REPEATABLE READ READ ONLY on their own connections: one MVCC snapshot, never
//    waiting behind a writer.
//  - Change feed: the log is the truth; `NOTIFY` (sent in the writing transaction, so it
//    arrives after commit) wakes the feed in every process, a 1 s poll backs it up.
//  - Work: claimed with `FOR UPDATE SKIP LOCKED`, so two processes never lease one item.
// `?schema=name` in the URL keeps the tables in their own schema (tests, several emulators
// on one database).
import { createHash, randomUUID } from "node:crypto";
import pg from "pg";
import { ChangeFeed } from "./feed.js";
import {
  CLAIM_CANDIDATES,
  COMPACT_SQL,
  type Exec,
  type LoggedChange,
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

type Log = (msg: string, err?: unknown) => void;

const numbered = new Map<string, string>();
/** `?` placeholders → `$1, $2 …` (our SQL has no `?` inside literals). */
function toPg(sql: string): string {
  let out = numbered.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    numbered.set(sql, out);
  }
  return out;
}

const names = new Map<string, string>();
/**
 * A named (prepared) statement: each connection parses and plans it once, later runs only
 * bind and execute. Names are per text, so one name never means two statements.
 */
function prepared(sql: string, values: unknown[]): pg.QueryConfig {
  let name = names.get(sql);
  if (name === undefined) {
    name = `aksnet_${names.size + 1}`;
    names.set(sql, name);
  }
  return { name, text: toPg(sql), values };
}

class PgExec implements Exec {
  readonly writableCte = true;
  constructor(private readonly client: pg.PoolClient | pg.Client) {}
  async all(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.client.query(prepared(sql, params))).rows as Row[];
  }
  async run(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.client.query(prepared(sql, params))).rowCount ?? 0;
  }
}

const RETRYABLE = new Set(["40001", "40P01"]);
const MAX_ATTEMPTS = 30;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// BIGINT columns (revisions, epoch ms) come back as numbers: they stay below 2^53.
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === 20
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export class PostgresStore implements Store {
  readonly kind = "postgres" as const;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly feed: ChangeFeed;
  private listener: pg.Client | undefined;
  private closed = false;
  private readonly execs = new WeakMap<Tx, Exec>();
  /** Serialization failures seen (status, benchmarks). */
  retries = 0;
  /** Sent as the NOTIFY payload, so the listener can skip this store's own commits. */
  private readonly instance = randomUUID();

  private constructor(
    private readonly pool: pg.Pool,
    private readonly config: pg.ClientConfig,
    private readonly schema: string,
    private readonly channel: string,
    private readonly log: Log,
  ) {
    this.feed = new ChangeFeed(
      {
        readChanges: (after, upTo, filter, limit) =>
          this.read((tx) => readChanges(this.execOf(tx), after, upTo, filter, limit)),
        currentRevision: () => this.currentRevision(),
      },
      1000,
      log,
    );
  }

  static async open(url: string, log: Log = () => undefined): Promise<PostgresStore> {
    const u = new URL(url);
    const schema = u.searchParams.get("schema") ?? "public";
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
      throw new Error(`schema '${schema}' must be a lower-case SQL identifier (a-z, 0-9, _)`);
    u.searchParams.delete("schema");
    const config: pg.ClientConfig = {
      connectionString: u.toString(),
      types,
      options: `-c search_path=${schema}`,
      application_name: "aksnet",
    };
    const boot = new pg.Client({ ...config, options: undefined });
    await boot.connect();
    try {
      if (schema !== "public") await boot.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } catch (err) {
      // Another process created it at the same instant.
      if ((err as { code?: string }).code !== "23505") throw err;
    } finally {
      await boot.end();
    }
    const pool = new pg.Pool({ ...config, max: 12, idleTimeoutMillis: 10_000 });
    pool.on("error", (err) => log("postgres pool connection failed", err));
    const channel = `aksnet_${createHash("sha1").update(schema).digest("hex").slice(0, 16)}`;
    const store = new PostgresStore(pool, config, schema, channel, log);
    try {
      await store.migrate();
      await store.listen();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return store;
  }

  private execOf(tx: Tx): Exec {
    const e = this.execs.get(tx);
    if (!e) throw new Error("not a transaction of this store");
    return e;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    const lockKey = Number.parseInt(
      createHash("sha1").update(`migrate:${this.schema}`).digest("hex").slice(0, 12),
      16,
    );
    try {
      // Several processes may start at once: one migrates, the others wait and find it done.
      await client.query("SELECT pg_advisory_lock($1)", [lockKey]);
      await client.query("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
      const rows = (await client.query("SELECT version FROM schema_version")).rows as { version: number }[];
      let version = rows[0]?.version ?? 0;
      if (!rows[0]) await client.query("INSERT INTO schema_version (version) VALUES (0)");
      const steps = migrationSql("postgres");
      while (version < steps.length) {
        await client.query("BEGIN");
        try {
          for (const sql of steps[version]) await client.query(sql);
          await client.query("UPDATE schema_version SET version = $1", [version + 1]);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK");
          throw err;
        }
        version++;
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [lockKey]).catch(() => undefined);
      client.release();
    }
  }

  /** LISTEN on a dedicated connection; re-established after a failure. */
  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client(this.config);
    // Our own commits reach the feed directly (offer); a NOTIFY from us carries our id.
    client.on("notification", (m) => {
      if (m.payload !== this.instance) this.feed.poke();
    });
    client.on("error", (err) => {
      this.log("postgres LISTEN connection failed; reconnecting", err);
      client.end().catch(() => undefined);
      if (this.listener === client) this.listener = undefined;
      setTimeout(
        () => void this.listen().catch((e) => this.log("postgres LISTEN reconnect failed", e)),
        1000,
      ).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${this.channel}`);
    this.listener = client;
    this.feed.poke(); // anything committed while we were not listening
  }

  private enqueue<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Runs `body` in a serializable transaction on a pooled connection, re-running it on conflict.
   * `beforeCommit` (parameter-free SQL) travels with the COMMIT in one round trip.
   */
  private async serializable<T>(
    body: (exec: PgExec) => Promise<T>,
    beforeCommit: () => string = () => "",
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
        const result = await body(new PgExec(client));
        await client.query(`${beforeCommit()}COMMIT`);
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {
          broken = true;
        });
        const code = (err as { code?: string }).code;
        if (code && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) {
          this.retries++;
          await sleep(Math.min(100, 2 ** Math.min(attempt, 6)) * Math.random());
          continue;
        }
        throw err;
      } finally {
        client.release(broken);
      }
    }
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    return this.enqueue(async () => {
      let committed: readonly LoggedChange[] = [];
      const result = await this.serializable(
        async (exec) => {
          committed = [];
          const tx = new SqlTx(exec, false);
          this.execs.set(tx, exec);
          const value = await runBody(tx, fn, opts.timeoutMs);
          // Handed to this process's feed once the transaction has committed.
          committed = tx.takeChanges();
          return value;
        },
        // Delivered by PostgreSQL only if and when this transaction commits; the payload
        // lets this store's own listener skip it (it gets the records handed over).
        () => (committed.length > 0 ? `SELECT pg_notify('${this.channel}', '${this.instance}'); ` : ""),
      );
      this.feed.offer(committed);
      return result;
    });
  }

  async read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    const exec = new PgExec(client);
    const tx = new SqlTx(exec, true);
    this.execs.set(tx, exec);
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      return await fn(tx);
    } finally {
      tx.closed = true;
      await client.query("COMMIT").catch(() => {
        broken = true;
      });
      client.release(broken);
    }
  }

  async currentRevision(): Promise<number> {
    const rows = (await this.pool.query("SELECT value FROM revision WHERE id = 1")).rows as {
      value: number;
    }[];
    return rows[0]?.value ?? 0;
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
    await this.serializable(async (exec) => {
      const current = Number((await exec.all("SELECT value FROM compaction WHERE id = 1"))[0]?.value ?? 0);
      if (revision <= current) return;
      await exec.run(COMPACT_SQL, [revision]);
      await exec.run("UPDATE compaction SET value = ? WHERE id = 1", [revision]);
    });
    // Live watchers behind the compaction point hear TooOld at the next log read.
    this.feed.poke();
  }

  async compactedRevision(): Promise<number> {
    const rows = (await this.pool.query("SELECT value FROM compaction WHERE id = 1")).rows as {
      value: number;
    }[];
    return rows[0]?.value ?? 0;
  }

  async claimWork(
    owner: string,
    opts: { leaseMs: number; limit: number; kinds?: string[] },
  ): Promise<WorkItem[]> {
    const now = Date.now();
    const args: unknown[] = [owner, now + opts.leaseMs, now, now];
    let candidates = CLAIM_CANDIDATES;
    if (opts.kinds) {
      candidates += ` AND kind IN (${opts.kinds.map(() => "?").join(", ")})`;
      args.push(...opts.kinds);
    }
    args.push(opts.limit);
    const sql = `UPDATE work SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
      WHERE (kind, key) IN (${candidates} ORDER BY not_before LIMIT ? FOR UPDATE SKIP LOCKED)
      RETURNING *`;
    const rows = (await this.pool.query(toPg(sql), args)).rows as Row[];
    return rows.map(rowToWork);
  }

  async renewWork(owner: string, items: { kind: string; key: string }[], leaseMs: number): Promise<string[]> {
    const held: string[] = [];
    const until = Date.now() + leaseMs;
    for (const i of items) {
      const r = await this.pool.query(
        "UPDATE work SET lease_until = $1 WHERE kind = $2 AND key = $3 AND lease_owner = $4",
        [until, i.kind, i.key, owner],
      );
      if (r.rowCount === 1) held.push(i.key);
    }
    return held;
  }

  async retryWork(kind: string, key: string, owner: string, notBefore: number, error: string): Promise<void> {
    await this.pool.query(
      "UPDATE work SET lease_owner = NULL, lease_until = NULL, not_before = $1, last_error = $2 WHERE kind = $3 AND key = $4 AND lease_owner = $5",
      [notBefore, error, kind, key, owner],
    );
  }

  async releaseLeases(): Promise<number> {
    const r = await this.pool.query(
      "UPDATE work SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL",
    );
    return r.rowCount ?? 0;
  }

  async nextWorkAt(): Promise<number | undefined> {
    const rows = (
      await this.pool.query(
        "SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until > not_before THEN lease_until ELSE not_before END) AS t FROM work",
      )
    ).rows as { t: number | null }[];
    return rows[0]?.t ?? undefined;
  }

  async purgeOperations(before: number): Promise<number> {
    const r = await this.pool.query(
      "DELETE FROM operations WHERE status <> 'InProgress' AND end_at IS NOT NULL AND end_at < $1",
      [before],
    );
    return r.rowCount ?? 0;
  }

  async reset(): Promise<void> {
    await this.enqueue(() =>
      this.serializable(async (exec) => {
        for (const t of RESET_TABLES) await exec.run(`DELETE FROM ${t}`);
        await exec.run("DELETE FROM meta WHERE key NOT LIKE 'install.%'");
        await exec.run("DELETE FROM changes");
        await exec.run(
          "UPDATE compaction SET value = (SELECT value FROM revision WHERE id = 1) WHERE id = 1",
        );
        await exec.run("SELECT pg_notify(?, '')", [this.channel]);
      }),
    );
    this.feed.poke();
  }

  async sizeBytes(): Promise<number> {
    const rows = (
      await this.pool.query(
        `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint AS n FROM pg_class c
         JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1 AND c.relkind = 'r'`,
        [this.schema],
      )
    ).rows as { n: number }[];
    return rows[0]?.n ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.feed.stop();
    await this.queue;
    const l = this.listener;
    this.listener = undefined;
    await l?.end().catch(() => undefined);
    await this.pool.end();
  }
}
