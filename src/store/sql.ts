// The SQL both backends share: one `Tx` implementation over a minimal executor, so SQLite
// and PostgreSQL differ only in how they connect, lock and retry (sqlite.ts, postgres.ts).
// Placeholders are written `?`; the PostgreSQL executor numbers them.
import { StoreConflictError, StoreReadOnlyError, StoreTimeoutError } from "./errors.js";
import { type Dialect, MIGRATIONS } from "./migrations.js";
import type {
  AllocationRecord,
  ChangeRecord,
  ChangeType,
  KubeObjectRecord,
  ListQuery,
  ObjectQuery,
  OperationRecord,
  OperationStatus,
  ResourceRecord,
  Tx,
  WatchFilter,
  WorkItem,
} from "./types.js";

export type Row = Record<string, unknown>;

/** What a backend provides for one connection inside one transaction. */
export interface Exec {
  all(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a write; returns the number of rows changed. */
  run(sql: string, params?: unknown[]): Promise<number>;
  /**
   * PostgreSQL: a statement may write in a `WITH` clause, so an object write and its log
   * entry go in one round trip. (SQLite runs in-process: two statements cost no round trip.)
   */
  readonly writableCte?: boolean;
}

const LOG_COLUMNS = "(revision, kind, key, type, object, cluster, resource, namespace, at)";
/** An object's primary key as a WHERE clause, optionally on a table alias (`o.`). */
const objectPk = (alias = "") =>
  `${alias}cluster = ? AND ${alias}resource = ? AND ${alias}namespace = ? AND ${alias}name = ?`;
const OBJECT_PK = objectPk();
/**
 * An object's body is stored once: in the change-log entry of its last write, which
 * `objects.revision` names (compaction keeps those entries; see COMPACT_SQL). Half the bytes
 * of every write, against a join on the log's primary key for every read.
 */
const OBJECT_ROWS =
  "SELECT o.cluster, o.resource, o.namespace, o.name, o.revision, c.object AS body FROM objects o JOIN changes c ON c.revision = o.revision";
/**
 * Drops the log up to a revision, except each live object's last entry (its body). A kube
 * entry's name is its key after `cluster/resource/namespace/`.
 */
export const COMPACT_SQL = `DELETE FROM changes WHERE revision <= ? AND NOT EXISTS (
  SELECT 1 FROM objects o WHERE o.revision = changes.revision AND o.cluster = changes.cluster
    AND o.resource = changes.resource AND o.namespace = changes.namespace
    AND o.name = substr(changes.key, length(changes.cluster) + length(changes.resource) + length(changes.namespace) + 4))`;
/** PostgreSQL: create-only insert and its log entry; one row changed when it was created. */
const PG_CREATE = `WITH o AS (INSERT INTO objects (cluster, resource, namespace, name, revision)
  VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING revision)
  INSERT INTO changes ${LOG_COLUMNS} SELECT revision, 'kube', ?, 'ADDED', ?, ?, ?, ?, ? FROM o`;
/** PostgreSQL: compare-and-set update and its log entry; one row changed when it matched. */
const PG_CAS = `WITH o AS (UPDATE objects SET revision = ? WHERE ${OBJECT_PK} AND revision = ? RETURNING revision)
  INSERT INTO changes ${LOG_COLUMNS} SELECT revision, 'kube', ?, 'MODIFIED', ?, ?, ?, ?, ? FROM o`;

const lower = (s: string) => s.toLowerCase();
const num = (v: unknown): number => (typeof v === "number" ? v : Number(v));
const json = (v: unknown) => JSON.parse(String(v)) as Record<string, unknown>;

/**
 * A body handed over to watchers. Tests set AKSNET_FREEZE_OWNED so that a writer or watcher
 * that changes a shared object fails loudly instead of corrupting what others see.
 */
const FREEZE_OWNED = process.env.AKSNET_FREEZE_OWNED === "1";
function deepFreeze(v: unknown): void {
  if (!v || typeof v !== "object" || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const x of Object.values(v)) deepFreeze(x);
}
function ownedBody(body: Record<string, unknown>): Record<string, unknown> {
  if (FREEZE_OWNED) deepFreeze(body);
  return body;
}

export function migrationSql(dialect: Dialect): string[][] {
  return MIGRATIONS.map((steps) => steps.map((s) => (typeof s === "string" ? s : s[dialect])));
}

function rowToResource(row: Row): ResourceRecord {
  const body = json(row.body);
  const meta = (
    body as { __meta?: { type: string; subscriptionId: string; resourceGroup?: string; parentId?: string } }
  ).__meta;
  delete (body as { __meta?: unknown }).__meta;
  return {
    id: String(row.id),
    type: meta?.type ?? String(row.type_key),
    subscriptionId: meta?.subscriptionId ?? String(row.sub_key),
    resourceGroup: meta?.resourceGroup,
    parentId: meta?.parentId,
    body,
    internal: row.internal ? json(row.internal) : undefined,
    etag: String(row.etag),
    seq: num(row.seq),
  };
}

function rowToObject(row: Row): KubeObjectRecord {
  return {
    cluster: String(row.cluster),
    resource: String(row.resource),
    namespace: String(row.namespace),
    name: String(row.name),
    body: json(row.body),
    revision: num(row.revision),
  };
}

/**
 * A change-log entry as stored: the object still as its JSON text. The feed parses it only
 * when a watcher reads the change's object (`toChangeRecord`), once for every watcher. `object`
 * is the writer's own object when it handed it over (`putObject`'s `owned`): watchers then
 * share it instead of parsing the text again (5 KB of pod per write). (A plain object on
 * purpose: records kept until the feed runs must stay cheap for the garbage collector.)
 */
export interface LoggedChange {
  revision: number;
  kind: string;
  key: string;
  type: ChangeType;
  cluster: string | undefined;
  resource: string | undefined;
  namespace: string | undefined;
  text: string;
  /** The object the text was written from, when the writer promised never to change it. */
  object?: Record<string, unknown>;
}

export function toChangeRecord(l: LoggedChange): ChangeRecord {
  // Parsed on first read: a watcher that routes on the filter columns alone (the controller
  // manager and the thousands of events it never looks into) costs no parse and no garbage.
  let parsed = l.object;
  const text = l.text;
  const c: ChangeRecord = {
    revision: l.revision,
    kind: l.kind,
    key: l.key,
    type: l.type,
    get object() {
      parsed ??= json(text);
      return parsed;
    },
  };
  if (l.cluster !== undefined) c.cluster = l.cluster;
  if (l.resource !== undefined) c.resource = l.resource;
  if (l.namespace !== undefined) c.namespace = l.namespace;
  return c;
}

function rowToLogged(row: Row): LoggedChange {
  const opt = (v: unknown) => (v === null || v === undefined ? undefined : String(v));
  return {
    revision: num(row.revision),
    kind: String(row.kind),
    key: String(row.key),
    type: String(row.type) as ChangeType,
    cluster: opt(row.cluster),
    resource: opt(row.resource),
    namespace: opt(row.namespace),
    text: String(row.object),
  };
}

export function rowToWork(row: Row): WorkItem {
  const w: WorkItem = {
    kind: String(row.kind),
    key: String(row.key),
    attempts: num(row.attempts),
    notBefore: num(row.not_before),
  };
  if (row.payload) w.payload = json(row.payload);
  if (row.lease_owner) w.leaseOwner = String(row.lease_owner);
  if (row.lease_until !== null && row.lease_until !== undefined) w.leaseUntil = num(row.lease_until);
  if (row.last_error) w.lastError = String(row.last_error);
  return w;
}

/** SQL `WHERE` fragment and arguments for a change-log filter. */
export function changeFilterSql(filter: WatchFilter): { where: string; args: unknown[] } {
  const parts: string[] = [];
  const args: unknown[] = [];
  for (const col of ["kind", "cluster", "resource", "namespace"] as const) {
    const v = filter[col];
    if (v !== undefined) {
      parts.push(`${col} = ?`);
      args.push(v);
    }
  }
  return { where: parts.map((p) => ` AND ${p}`).join(""), args };
}

/**
 * Runs a write transaction's body under its optional time limit, then writes back what the
 * transaction kept in memory (the revision counter). The Tx is closed either way, so a body
 * still running after a timeout cannot write; the backend commits or rolls back after.
 */
export async function runBody<T>(tx: SqlTx, fn: (tx: Tx) => Promise<T>, timeoutMs?: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const body = fn(tx);
    const value = timeoutMs
      ? await Promise.race([
          body,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new StoreTimeoutError(timeoutMs)), timeoutMs);
          }),
        ])
      : await body;
    await tx.flush();
    return value;
  } finally {
    tx.closed = true;
    if (timer) clearTimeout(timer);
  }
}

/**
 * One transaction's view. `closed` is set when the transaction ends (commit, rollback or
 * timeout); a body still running after that gets an error on its next call instead of
 * writing outside any transaction.
 */
export class SqlTx implements Tx {
  /** What this transaction appended to the change log, in revision order (see `takeChanges`). */
  private changes: LoggedChange[] = [];
  closed = false;
  /**
   * The revision counter. The first write of a transaction bumps the row (which locks it:
   * PostgreSQL's row lock; SQLite already holds the write lock from BEGIN IMMEDIATE) and
   * keeps it here; later writes count in memory and `flush()` writes the counter back once
   * before commit. Nobody else can take a revision meanwhile, as the lock is held to commit.
   * `stored`: the value the row holds in this transaction; `revision`: the last one taken.
   */
  private revision: number | undefined;
  private stored: number | undefined;
  /**
   * Object rows this transaction read or wrote, by key: a second read of the same object (the
   * namespace every create checks) costs no query. It holds what the database holds for this
   * transaction (its own writes update it), and every read parses the text again, so callers
   * never share an object.
   */
  private readonly rows = new Map<string, Row>();
  /** Records handed out by peekObject, by key; dropped with the row when the object is written. */
  private readonly peeked = new Map<string, KubeObjectRecord>();

  constructor(
    private readonly exec: Exec,
    private readonly readOnly: boolean,
  ) {}

  private async all(sql: string, params: unknown[] = []): Promise<Row[]> {
    if (this.closed) throw new Error("the transaction has ended (rolled back or timed out)");
    return this.exec.all(sql, params);
  }

  private async run(method: string, sql: string, params: unknown[] = []): Promise<number> {
    if (this.closed) throw new Error("the transaction has ended (rolled back or timed out)");
    if (this.readOnly) throw new StoreReadOnlyError(method);
    return this.exec.run(sql, params);
  }

  /**
   * The revision the next write will take (not yet taken: a write refused after this leaves
   * no gap, as `flush()` puts the row back to the last revision taken).
   */
  private async peekRevision(method: string): Promise<number> {
    if (this.readOnly) throw new StoreReadOnlyError(method);
    if (this.revision === undefined) {
      // Bumped now, so a transaction of one write needs no write-back.
      const rows = await this.all("UPDATE revision SET value = value + 1 WHERE id = 1 RETURNING value");
      this.stored = num(rows[0].value);
      this.revision = this.stored - 1;
    }
    return this.revision + 1;
  }

  private takeRevision(revision: number): void {
    this.revision = revision;
  }

  /** Takes the next database-wide revision. */
  private async nextRevision(method: string): Promise<number> {
    const revision = await this.peekRevision(method);
    this.takeRevision(revision);
    return revision;
  }

  /**
   * The records logged so far, for the feed after commit; the transaction lets go of them
   * (it may stay reachable for a while, and they hold the objects' text).
   */
  takeChanges(): LoggedChange[] {
    const out = this.changes;
    this.changes = [];
    return out;
  }

  /** Writes the counter back; the backend calls it just before COMMIT. */
  async flush(): Promise<void> {
    if (this.revision === undefined || this.stored === this.revision) return;
    await this.run("flush", "UPDATE revision SET value = ? WHERE id = 1", [this.revision]);
    this.stored = this.revision;
  }

  /** Appends to the change log; `text` is the object's JSON exactly as stored. */
  private async logChange(
    revision: number,
    c: Omit<ChangeRecord, "revision" | "object">,
    text: string,
    object?: Record<string, unknown>,
  ) {
    await this.run(
      "logChange",
      "INSERT INTO changes (revision, kind, key, type, object, cluster, resource, namespace, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      [
        revision,
        c.kind,
        c.key,
        c.type,
        text,
        c.cluster ?? null,
        c.resource ?? null,
        c.namespace ?? null,
        Date.now(),
      ],
    );
    this.recordChange(revision, c, text, object);
  }

  private recordChange(
    revision: number,
    c: Omit<ChangeRecord, "revision" | "object">,
    text: string,
    object?: Record<string, unknown>,
  ): void {
    const l: LoggedChange = {
      revision,
      kind: c.kind,
      key: c.key,
      type: c.type,
      cluster: c.cluster,
      resource: c.resource,
      namespace: c.namespace,
      text,
    };
    if (object) l.object = object;
    this.changes.push(l);
  }

  // ---- ARM resources ----

  async getResource(id: string): Promise<ResourceRecord | undefined> {
    const rows = await this.all("SELECT * FROM resources WHERE id_key = ?", [lower(id)]);
    return rows[0] ? rowToResource(rows[0]) : undefined;
  }

  async putResource(r: ResourceRecord): Promise<void> {
    if (this.readOnly) throw new StoreReadOnlyError("putResource");
    const key = lower(r.id);
    const existed = (await this.all("SELECT seq FROM resources WHERE id_key = ?", [key]))[0];
    const revision = await this.nextRevision("putResource");
    // The body is serialised once: the log gets it as is, the row gets it with `__meta`
    // appended as the last key (so it wins over any `__meta` of the body, as a spread would).
    const text = JSON.stringify(r.body);
    const meta = JSON.stringify({
      type: r.type,
      subscriptionId: r.subscriptionId,
      resourceGroup: r.resourceGroup,
      parentId: r.parentId,
    });
    const stored = `${text.slice(0, -1)}${text === "{}" ? "" : ","}"__meta":${meta}}`;
    await this.run(
      "putResource",
      `INSERT INTO resources (id_key, id, type_key, sub_key, rg_key, parent_key, body, internal, etag, seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id_key) DO UPDATE SET body = excluded.body, internal = excluded.internal, etag = excluded.etag`,
      [
        key,
        r.id,
        lower(r.type),
        lower(r.subscriptionId),
        r.resourceGroup ? lower(r.resourceGroup) : null,
        r.parentId ? lower(r.parentId) : null,
        stored,
        r.internal ? JSON.stringify(r.internal) : null,
        r.etag,
        revision,
      ],
    );
    await this.logChange(revision, { kind: "arm", key, type: existed ? "MODIFIED" : "ADDED" }, text);
  }

  async deleteResource(id: string): Promise<boolean> {
    if (this.readOnly) throw new StoreReadOnlyError("deleteResource");
    const key = lower(id);
    const rows = await this.all("SELECT body FROM resources WHERE id_key = ?", [key]);
    if (!rows[0]) return false;
    const body = json(rows[0].body);
    delete (body as { __meta?: unknown }).__meta;
    const revision = await this.nextRevision("deleteResource");
    await this.run("deleteResource", "DELETE FROM resources WHERE id_key = ?", [key]);
    await this.logChange(revision, { kind: "arm", key, type: "DELETED" }, JSON.stringify(body));
    return true;
  }

  async listResources(q: ListQuery): Promise<ResourceRecord[]> {
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
    const rows = await this.all(`SELECT * FROM resources WHERE ${where.join(" AND ")} ORDER BY seq`, args);
    return rows.map(rowToResource);
  }

  async listResourcesUnder(prefix: string): Promise<ResourceRecord[]> {
    const escaped = lower(prefix).replace(/[\\%_]/g, (c) => `\\${c}`);
    const rows = await this.all("SELECT * FROM resources WHERE id_key LIKE ? ESCAPE '\\' ORDER BY seq", [
      `${escaped}%`,
    ]);
    return rows.map(rowToResource);
  }

  // ---- Kubernetes objects ----

  async getObject(
    cluster: string,
    resource: string,
    namespace: string,
    name: string,
  ): Promise<KubeObjectRecord | undefined> {
    const key = objectKey({ cluster, resource, namespace, name });
    let row = this.rows.get(key);
    if (!row) {
      [row] = await this.all(`${OBJECT_ROWS} WHERE ${objectPk("o.")}`, [cluster, resource, namespace, name]);
      if (row) this.rows.set(key, row);
    }
    return row ? rowToObject(row) : undefined;
  }

  async peekObject(
    cluster: string,
    resource: string,
    namespace: string,
    name: string,
  ): Promise<Readonly<KubeObjectRecord> | undefined> {
    const key = objectKey({ cluster, resource, namespace, name });
    const have = this.peeked.get(key);
    if (have) return have;
    const rec = await this.getObject(cluster, resource, namespace, name);
    if (rec) this.peeked.set(key, rec);
    return rec;
  }

  /** The stored revision of an object, or undefined (for conflict answers). */
  private async objectRevision(pk: unknown[]): Promise<number | undefined> {
    const rows = await this.all(
      "SELECT revision FROM objects WHERE cluster = ? AND resource = ? AND namespace = ? AND name = ?",
      pk,
    );
    return rows[0] ? num(rows[0].revision) : undefined;
  }

  async putObject(
    rec: Omit<KubeObjectRecord, "revision">,
    opts: { expectedRevision?: number; create?: boolean; owned?: boolean } = {},
  ): Promise<number> {
    if (this.readOnly) throw new StoreReadOnlyError("putObject");
    const object = opts.owned ? ownedBody(rec.body) : undefined;
    const key = objectKey(rec);
    const pk = [rec.cluster, rec.resource, rec.namespace, rec.name];
    const revision = await this.peekRevision("putObject");
    // Serialised once: the same text goes to the row, the log and (parsed lazily) the feed.
    const text = JSON.stringify(rec.body);
    const expected = opts.expectedRevision;
    const createOnly = opts.create === true && expected === undefined;
    const casOnly = opts.create !== true && expected !== undefined;
    let type: ChangeType;
    if (this.exec.writableCte && (createOnly || casOnly)) {
      const n = createOnly
        ? await this.run("putObject", PG_CREATE, [...pk, revision, key, text, ...pk.slice(0, 3), Date.now()])
        : await this.run("putObject", PG_CAS, [
            revision,
            ...pk,
            expected,
            key,
            text,
            ...pk.slice(0, 3),
            Date.now(),
          ]);
      if (n === 0) {
        const current = await this.objectRevision(pk);
        throw new StoreConflictError(
          createOnly
            ? `${key} already exists`
            : current === undefined
              ? `${key} does not exist`
              : `${key} is at revision ${current}, not ${expected}`,
          current,
        );
      }
      this.takeRevision(revision);
      this.rows.set(key, { ...rec, body: text, revision });
      this.peeked.delete(key);
      this.recordChange(
        revision,
        {
          kind: "kube",
          key,
          type: createOnly ? "ADDED" : "MODIFIED",
          cluster: rec.cluster,
          resource: rec.resource,
          namespace: rec.namespace,
        },
        text,
        object,
      );
      return revision;
    }
    if (createOnly) {
      // Create-only: the insert itself is the existence check.
      const n = await this.run(
        "putObject",
        "INSERT INTO objects (cluster, resource, namespace, name, revision) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [...pk, revision],
      );
      if (n === 0) throw new StoreConflictError(`${key} already exists`, await this.objectRevision(pk));
      type = "ADDED";
    } else if (casOnly) {
      // Compare-and-set: the update matches only the expected revision.
      const n = await this.run(
        "putObject",
        `UPDATE objects SET revision = ? WHERE ${OBJECT_PK} AND revision = ?`,
        [revision, ...pk, expected],
      );
      if (n === 0) {
        const current = await this.objectRevision(pk);
        throw new StoreConflictError(
          current === undefined
            ? `${key} does not exist`
            : `${key} is at revision ${current}, not ${expected}`,
          current,
        );
      }
      type = "MODIFIED";
    } else {
      const current = await this.objectRevision(pk);
      if (opts.create && current !== undefined)
        throw new StoreConflictError(`${key} already exists`, current);
      if (expected !== undefined && current !== expected)
        throw new StoreConflictError(
          current === undefined
            ? `${key} does not exist`
            : `${key} is at revision ${current}, not ${expected}`,
          current,
        );
      await this.run(
        "putObject",
        `INSERT INTO objects (cluster, resource, namespace, name, revision) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (cluster, resource, namespace, name) DO UPDATE SET revision = excluded.revision`,
        [...pk, revision],
      );
      type = current === undefined ? "ADDED" : "MODIFIED";
    }
    this.takeRevision(revision);
    this.rows.set(key, { ...rec, body: text, revision });
    this.peeked.delete(key);
    await this.logChange(
      revision,
      { kind: "kube", key, type, cluster: rec.cluster, resource: rec.resource, namespace: rec.namespace },
      text,
      object,
    );
    return revision;
  }

  async deleteObject(
    cluster: string,
    resource: string,
    namespace: string,
    name: string,
    opts: { expectedRevision?: number } = {},
  ): Promise<number | undefined> {
    if (this.readOnly) throw new StoreReadOnlyError("deleteObject");
    const pk = [cluster, resource, namespace, name];
    const key = objectKey({ cluster, resource, namespace, name });
    this.rows.delete(key);
    this.peeked.delete(key);
    const expected = opts.expectedRevision;
    // The delete itself is the existence (and revision) check; it names the last state.
    const rows =
      expected === undefined
        ? await this.all(`DELETE FROM objects WHERE ${OBJECT_PK} RETURNING revision`, pk)
        : await this.all(`DELETE FROM objects WHERE ${OBJECT_PK} AND revision = ? RETURNING revision`, [
            ...pk,
            expected,
          ]);
    if (!rows[0]) {
      if (expected === undefined) return undefined;
      const current = await this.objectRevision(pk);
      throw new StoreConflictError(
        current === undefined ? `${key} does not exist` : `${key} is at revision ${current}, not ${expected}`,
        current,
      );
    }
    const [last] = await this.all("SELECT object FROM changes WHERE revision = ?", [rows[0].revision]);
    if (!last) throw new Error(`the change log lost ${key}'s last state (revision ${rows[0].revision})`);
    const revision = await this.nextRevision("deleteObject");
    // The last state, as stored.
    await this.logChange(
      revision,
      { kind: "kube", key, type: "DELETED", cluster, resource, namespace },
      String(last.object),
    );
    return revision;
  }

  /** The WHERE clause of an object query (without its limit). */
  private objectWhere(q: ObjectQuery): { where: string; args: unknown[] } {
    const where = ["o.cluster = ?", "o.resource = ?"];
    const args: unknown[] = [q.cluster, q.resource];
    if (q.namespace !== undefined) {
      where.push("o.namespace = ?");
      args.push(q.namespace);
    }
    if (q.after !== undefined) {
      const slash = q.after.indexOf("/");
      const ns = slash < 0 ? "" : q.after.slice(0, slash);
      const name = slash < 0 ? q.after : q.after.slice(slash + 1);
      // Forms both SQLite and PostgreSQL answer by seeking the primary key (an OR of the two
      // would scan every row of the resource for each page).
      if (q.namespace !== undefined && ns === q.namespace) {
        where.push("o.name > ?");
        args.push(name);
      } else if (q.namespace !== undefined) {
        where.push(ns < q.namespace ? "1 = 1" : "1 = 0");
      } else {
        where.push("(o.namespace, o.name) > (?, ?)");
        args.push(ns, name);
      }
    }
    return { where: where.join(" AND "), args };
  }

  async listObjects(q: ObjectQuery): Promise<KubeObjectRecord[]> {
    const { where, args } = this.objectWhere(q);
    let sql = `${OBJECT_ROWS} WHERE ${where} ORDER BY o.namespace, o.name`;
    if (q.limit !== undefined) {
      sql += " LIMIT ?";
      args.push(q.limit);
    }
    return (await this.all(sql, args)).map(rowToObject);
  }

  async countObjects(q: Omit<ObjectQuery, "limit">): Promise<number> {
    const { where, args } = this.objectWhere(q);
    const rows = await this.all(`SELECT COUNT(*) AS n FROM objects o WHERE ${where}`, args);
    return num(rows[0]?.n ?? 0);
  }

  async listClusterObjects(
    cluster: string,
    opts: { maxRevision: number; limit: number },
  ): Promise<KubeObjectRecord[]> {
    const rows = await this.all(
      `${OBJECT_ROWS} WHERE o.cluster = ? AND o.revision <= ? ORDER BY o.resource, o.namespace, o.name LIMIT ?`,
      [cluster, opts.maxRevision, opts.limit],
    );
    return rows.map(rowToObject);
  }

  // ---- allocations ----

  async allocate(pool: string, item: string, owner: string): Promise<boolean> {
    return (
      (await this.run(
        "allocate",
        "INSERT INTO allocations (pool, item, owner) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        [pool, item, owner],
      )) === 1
    );
  }

  async release(pool: string, item: string): Promise<void> {
    await this.run("release", "DELETE FROM allocations WHERE pool = ? AND item = ?", [pool, item]);
  }

  async releaseOwner(owner: string): Promise<number> {
    return this.run("releaseOwner", "DELETE FROM allocations WHERE owner = ?", [owner]);
  }

  async releasePoolPrefix(prefix: string): Promise<number> {
    // substr, not LIKE: pool names may hold '_' and '%', and PostgreSQL's LIKE follows the collation.
    return this.run("releasePoolPrefix", "DELETE FROM allocations WHERE substr(pool, 1, ?) = ?", [
      prefix.length,
      prefix,
    ]);
  }

  async listAllocations(pool: string): Promise<AllocationRecord[]> {
    const rows = await this.all("SELECT pool, item, owner FROM allocations WHERE pool = ?", [pool]);
    return rows.map((r) => ({ pool: String(r.pool), item: String(r.item), owner: String(r.owner) }));
  }

  async listAllocationsByOwner(owner: string): Promise<AllocationRecord[]> {
    const rows = await this.all("SELECT pool, item, owner FROM allocations WHERE owner = ?", [owner]);
    return rows.map((r) => ({ pool: String(r.pool), item: String(r.item), owner: String(r.owner) }));
  }

  // ---- operations ----

  async putOperation(op: OperationRecord): Promise<void> {
    const endAt = op.status === "InProgress" ? null : op.endTime ? Date.parse(op.endTime) : Date.now();
    await this.run(
      "putOperation",
      `INSERT INTO operations (id, status, doc, end_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, doc = excluded.doc, end_at = excluded.end_at`,
      [op.id, op.status, JSON.stringify(op), Number.isFinite(endAt) ? endAt : Date.now()],
    );
  }

  async getOperation(id: string): Promise<OperationRecord | undefined> {
    const rows = await this.all("SELECT doc FROM operations WHERE id = ?", [id]);
    return rows[0] ? (json(rows[0].doc) as unknown as OperationRecord) : undefined;
  }

  async listOperations(status: OperationStatus): Promise<OperationRecord[]> {
    const rows = await this.all("SELECT doc FROM operations WHERE status = ? ORDER BY id", [status]);
    return rows.map((r) => json(r.doc) as unknown as OperationRecord);
  }

  // ---- work queue ----

  async enqueueWork(item: {
    kind: string;
    key: string;
    payload?: Record<string, unknown>;
    notBefore?: number;
  }): Promise<void> {
    const notBefore = item.notBefore ?? Date.now();
    await this.run(
      "enqueueWork",
      `INSERT INTO work (kind, key, payload, attempts, not_before) VALUES (?, ?, ?, 0, ?)
       ON CONFLICT (kind, key) DO UPDATE SET payload = excluded.payload, not_before = excluded.not_before`,
      [item.kind, item.key, item.payload ? JSON.stringify(item.payload) : null, notBefore],
    );
    // The wake-up for runtimes in every process travels on the change feed.
    const revision = await this.nextRevision("enqueueWork");
    await this.logChange(
      revision,
      { kind: "work", key: `${item.kind}/${item.key}`, type: "ADDED" },
      JSON.stringify({ kind: item.kind, key: item.key, notBefore }),
    );
  }

  async getWork(kind: string, key: string): Promise<WorkItem | undefined> {
    const rows = await this.all("SELECT * FROM work WHERE kind = ? AND key = ?", [kind, key]);
    return rows[0] ? rowToWork(rows[0]) : undefined;
  }

  async finishWork(kind: string, key: string, owner: string): Promise<boolean> {
    return (
      (await this.run("finishWork", "DELETE FROM work WHERE kind = ? AND key = ? AND lease_owner = ?", [
        kind,
        key,
        owner,
      ])) === 1
    );
  }

  // ---- metadata ----

  async getMeta(key: string): Promise<string | undefined> {
    const rows = await this.all("SELECT value FROM meta WHERE key = ?", [key]);
    return rows[0] ? String(rows[0].value) : undefined;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.run(
      "setMeta",
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [key, value],
    );
  }

  async deleteMetaPrefix(prefix: string): Promise<number> {
    // substr, not LIKE, as releasePoolPrefix.
    return this.run("deleteMetaPrefix", "DELETE FROM meta WHERE substr(key, 1, ?) = ?", [
      prefix.length,
      prefix,
    ]);
  }

  async initMeta(key: string, value: string): Promise<string> {
    await this.run("initMeta", "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING", [
      key,
      value,
    ]);
    return (await this.getMeta(key)) ?? value;
  }

  async currentRevision(): Promise<number> {
    if (this.revision !== undefined) return this.revision;
    const rows = await this.all("SELECT value FROM revision WHERE id = 1");
    return rows[0] ? num(rows[0].value) : 0;
  }
}

export function objectKey(o: { cluster: string; resource: string; namespace: string; name: string }): string {
  return `${o.cluster}/${o.resource}/${o.namespace}/${o.name}`;
}

// ---- store-level statements shared by both backends ----

/** Changes in (after, upTo] matching the filter, and the compaction point, from one snapshot. */
export async function readChanges(
  exec: Exec,
  after: number,
  upTo: number | undefined,
  filter: WatchFilter,
  limit: number,
): Promise<{ changes: LoggedChange[]; compacted: number }> {
  const f = changeFilterSql(filter);
  const args: unknown[] = [after];
  let sql = "SELECT * FROM changes WHERE revision > ?";
  if (upTo !== undefined) {
    sql += " AND revision <= ?";
    args.push(upTo);
  }
  sql += `${f.where} ORDER BY revision LIMIT ?`;
  const rows = await exec.all(sql, [...args, ...f.args, limit]);
  const compacted = num((await exec.all("SELECT value FROM compaction WHERE id = 1"))[0]?.value ?? 0);
  return { changes: rows.map(rowToLogged), compacted };
}

export const CLAIM_CANDIDATES =
  "SELECT kind, key FROM work WHERE not_before <= ? AND (lease_until IS NULL OR lease_until < ?)";

export const RESET_TABLES = ["resources", "objects", "allocations", "operations", "work"] as const;
