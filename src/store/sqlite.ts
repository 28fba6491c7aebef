// SQLite backend (better-sqlite3, WAL). One connection per process; transactions are
// serialised by a promise queue because better-sqlite3 is synchronous and a transaction
// body may await. A file database survives kill -9: WAL commits are in the OS before
// the HTTP answer is sent.
import fs from "node:fs";
import Database from "better-sqlite3";
import { MIGRATIONS } from "./migrations.js";
import type {
  AllocationRecord,
  ListQuery,
  OperationRecord,
  OperationStatus,
  ResourceRecord,
  Store,
  Tx,
} from "./types.js";

type Row = {
  id: string;
  type_key: string;
  sub_key: string;
  rg_key: string | null;
  parent_key: string | null;
  body: string;
  internal: string | null;
  etag: string;
  seq: number;
};

const lower = (s: string) => s.toLowerCase();

function rowToRecord(row: Row): ResourceRecord {
  const body = JSON.parse(row.body) as Record<string, unknown>;
  const meta = (
    body as { __meta?: { type: string; subscriptionId: string; resourceGroup?: string; parentId?: string } }
  ).__meta;
  delete (body as { __meta?: unknown }).__meta;
  return {
    id: row.id,
    type: meta?.type ?? row.type_key,
    subscriptionId: meta?.subscriptionId ?? row.sub_key,
    resourceGroup: meta?.resourceGroup,
    parentId: meta?.parentId,
    body,
    internal: row.internal ? (JSON.parse(row.internal) as Record<string, unknown>) : undefined,
    etag: row.etag,
    seq: row.seq,
  };
}

export class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  private readonly db: Database.Database;
  private queue: Promise<unknown> = Promise.resolve();
  private seq = 0;
  private readonly stmts;

  constructor(private readonly file: string | ":memory:") {
    this.db = new Database(file);
    if (file !== ":memory:") {
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
    }
    this.db.pragma("busy_timeout = 5000");
    this.migrate();
    this.seq = (this.db.prepare("SELECT COALESCE(MAX(seq), 0) AS s FROM resources").get() as { s: number }).s;
    const db = this.db;
    this.stmts = {
      getResource: db.prepare("SELECT * FROM resources WHERE id_key = ?"),
      upsertResource: db.prepare(
        `INSERT INTO resources (id_key, id, type_key, sub_key, rg_key, parent_key, body, internal, etag, seq)
         VALUES (@id_key, @id, @type_key, @sub_key, @rg_key, @parent_key, @body, @internal, @etag, @seq)
         ON CONFLICT (id_key) DO UPDATE SET body = excluded.body, internal = excluded.internal, etag = excluded.etag`,
      ),
      deleteResource: db.prepare("DELETE FROM resources WHERE id_key = ?"),
      listUnder: db.prepare("SELECT * FROM resources WHERE id_key LIKE ? ESCAPE '\\' ORDER BY seq"),
      allocate: db.prepare(
        "INSERT INTO allocations (pool, item, owner) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
      ),
      release: db.prepare("DELETE FROM allocations WHERE pool = ? AND item = ?"),
      releaseOwner: db.prepare("DELETE FROM allocations WHERE owner = ?"),
      listAllocations: db.prepare("SELECT pool, item, owner FROM allocations WHERE pool = ?"),
      listByOwner: db.prepare("SELECT pool, item, owner FROM allocations WHERE owner = ?"),
      putOperation: db.prepare(
        "INSERT INTO operations (id, status, doc) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET status = excluded.status, doc = excluded.doc",
      ),
      getOperation: db.prepare("SELECT doc FROM operations WHERE id = ?"),
      listOperations: db.prepare("SELECT doc FROM operations WHERE status = ? ORDER BY rowid"),
      getMeta: db.prepare("SELECT value FROM meta WHERE key = ?"),
      setMeta: db.prepare(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ),
    };
  }

  private readonly statementCache = new Map<string, Database.Statement>();

  /** Statements for the few dynamic queries, prepared once. */
  private prepared(sql: string): Database.Statement {
    let st = this.statementCache.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statementCache.set(sql, st);
    }
    return st;
  }

  private migrate(): void {
    this.db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    const row = this.db.prepare("SELECT version FROM schema_version").get() as
      | { version: number }
      | undefined;
    let version = row?.version ?? 0;
    if (!row) this.db.prepare("INSERT INTO schema_version (version) VALUES (0)").run();
    while (version < MIGRATIONS.length) {
      const steps = MIGRATIONS[version];
      this.db.transaction(() => {
        for (const sql of steps) this.db.exec(sql);
        this.db.prepare("UPDATE schema_version SET version = ?").run(version + 1);
      })();
      version++;
    }
  }

  private readonly tx: Tx = {
    getResource: async (id) => {
      const row = this.stmts.getResource.get(lower(id)) as Row | undefined;
      return row ? rowToRecord(row) : undefined;
    },
    putResource: async (r) => {
      const body = {
        ...r.body,
        __meta: {
          type: r.type,
          subscriptionId: r.subscriptionId,
          resourceGroup: r.resourceGroup,
          parentId: r.parentId,
        },
      };
      this.stmts.upsertResource.run({
        id_key: lower(r.id),
        id: r.id,
        type_key: lower(r.type),
        sub_key: lower(r.subscriptionId),
        rg_key: r.resourceGroup ? lower(r.resourceGroup) : null,
        parent_key: r.parentId ? lower(r.parentId) : null,
        body: JSON.stringify(body),
        internal: r.internal ? JSON.stringify(r.internal) : null,
        etag: r.etag,
        seq: ++this.seq,
      });
    },
    deleteResource: async (id) => this.stmts.deleteResource.run(lower(id)).changes > 0,
    listResources: async (q: ListQuery) => {
      const where = ["type_key = ?"];
      const args: string[] = [lower(q.type)];
      if (q.subscriptionId) {
        where.push("sub_key = ?");
        args.push(lower(q.subscriptionId));
      }
      if (q.resourceGroup) {
        where.push("rg_key = ?");
        args.push(lower(q.resourceGroup));
      }
      if (q.parentId) {
        where.push("parent_key = ?");
        args.push(lower(q.parentId));
      }
      const rows = this.prepared(`SELECT * FROM resources WHERE ${where.join(" AND ")} ORDER BY seq`).all(
        ...args,
      );
      return (rows as Row[]).map(rowToRecord);
    },
    listResourcesUnder: async (prefix) => {
      const escaped = lower(prefix).replace(/[\\%_]/g, (c) => `\\${c}`);
      return (this.stmts.listUnder.all(`${escaped}%`) as Row[]).map(rowToRecord);
    },
    allocate: async (pool, item, owner) => this.stmts.allocate.run(pool, item, owner).changes === 1,
    release: async (pool, item) => {
      this.stmts.release.run(pool, item);
    },
    releaseOwner: async (owner) => this.stmts.releaseOwner.run(owner).changes,
    listAllocations: async (pool) => this.stmts.listAllocations.all(pool) as AllocationRecord[],
    listAllocationsByOwner: async (owner) => this.stmts.listByOwner.all(owner) as AllocationRecord[],
    putOperation: async (op: OperationRecord) => {
      this.stmts.putOperation.run(op.id, op.status, JSON.stringify(op));
    },
    getOperation: async (id) => {
      const row = this.stmts.getOperation.get(id) as { doc: string } | undefined;
      return row ? (JSON.parse(row.doc) as OperationRecord) : undefined;
    },
    listOperations: async (status: OperationStatus) =>
      (this.stmts.listOperations.all(status) as { doc: string }[]).map(
        (r) => JSON.parse(r.doc) as OperationRecord,
      ),
    getMeta: async (key) => (this.stmts.getMeta.get(key) as { value: string } | undefined)?.value,
    setMeta: async (key, value) => {
      this.stmts.setMeta.run(key, value);
    },
  };

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const seqBefore = this.seq;
      this.db.exec("BEGIN IMMEDIATE");
      try {
        const result = await fn(this.tx);
        this.db.exec("COMMIT");
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec("ROLLBACK");
        this.seq = seqBefore;
        throw err;
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const run = () => fn(this.tx);
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async reset(): Promise<void> {
    await this.transaction(async () => {
      for (const t of ["resources", "allocations", "operations", "meta"]) this.db.exec(`DELETE FROM ${t}`);
    });
    this.seq = 0;
  }

  async sizeBytes(): Promise<number> {
    if (this.file === ":memory:") {
      const pages = this.db.pragma("page_count", { simple: true }) as number;
      const size = this.db.pragma("page_size", { simple: true }) as number;
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
    await this.queue;
    this.db.close();
  }
}
