// Versioned schema. Each entry runs once, in order, inside a transaction; the applied
// version is kept in `schema_version`. A statement is plain SQL both backends accept, or a
// pair when the dialects differ (PostgreSQL needs COLLATE "C" for byte-ordered names).

export type Dialect = "sqlite" | "postgres";
export type MigrationStatement = string | Record<Dialect, string>;

export const MIGRATIONS: readonly MigrationStatement[][] = [
  [
    `CREATE TABLE IF NOT EXISTS resources (
       id_key TEXT PRIMARY KEY,
       id TEXT NOT NULL,
       type_key TEXT NOT NULL,
       sub_key TEXT NOT NULL,
       rg_key TEXT,
       parent_key TEXT,
       body TEXT NOT NULL,
       internal TEXT,
       etag TEXT NOT NULL,
       seq BIGINT NOT NULL
     )`,
    "CREATE INDEX IF NOT EXISTS resources_by_type ON resources (type_key, sub_key, rg_key)",
    "CREATE INDEX IF NOT EXISTS resources_by_parent ON resources (parent_key)",
    // One row per allocated item (an address, a port, a block index …). The primary key is
    // what makes an allocation unique: two writers can never both hold the same item.
    `CREATE TABLE IF NOT EXISTS allocations (
       pool TEXT NOT NULL,
       item TEXT NOT NULL,
       owner TEXT NOT NULL,
       PRIMARY KEY (pool, item)
     )`,
    "CREATE INDEX IF NOT EXISTS allocations_by_owner ON allocations (owner)",
    `CREATE TABLE IF NOT EXISTS operations (
       id TEXT PRIMARY KEY,
       status TEXT NOT NULL,
       doc TEXT NOT NULL
     )`,
    "CREATE INDEX IF NOT EXISTS operations_by_status ON operations (status)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
  ],
  [
    // The database-wide revision counter: one row, locked by the writer that bumps it until
    // commit, so revisions commit in order. Starts after the old per-process `seq` values.
    "CREATE TABLE IF NOT EXISTS revision (id INTEGER PRIMARY KEY, value BIGINT NOT NULL)",
    "INSERT INTO revision (id, value) SELECT 1, COALESCE(MAX(seq), 0) FROM resources",
    "CREATE TABLE IF NOT EXISTS compaction (id INTEGER PRIMARY KEY, value BIGINT NOT NULL)",
    "INSERT INTO compaction (id, value) VALUES (1, 0)",
    {
      sqlite: `CREATE TABLE IF NOT EXISTS objects (
         cluster TEXT NOT NULL,
         resource TEXT NOT NULL,
         namespace TEXT NOT NULL,
         name TEXT NOT NULL,
         body TEXT NOT NULL,
         revision BIGINT NOT NULL,
         PRIMARY KEY (cluster, resource, namespace, name)
       )`,
      postgres: `CREATE TABLE IF NOT EXISTS objects (
         cluster TEXT COLLATE "C" NOT NULL,
         resource TEXT COLLATE "C" NOT NULL,
         namespace TEXT COLLATE "C" NOT NULL,
         name TEXT COLLATE "C" NOT NULL,
         body TEXT NOT NULL,
         revision BIGINT NOT NULL,
         PRIMARY KEY (cluster, resource, namespace, name)
       )`,
    },
    // The change log: written in the same transaction as the change it records.
    `CREATE TABLE IF NOT EXISTS changes (
       revision BIGINT PRIMARY KEY,
       kind TEXT NOT NULL,
       key TEXT NOT NULL,
       type TEXT NOT NULL,
       object TEXT NOT NULL,
       cluster TEXT,
       resource TEXT,
       namespace TEXT,
       at BIGINT NOT NULL
     )`,
    "CREATE INDEX IF NOT EXISTS changes_by_at ON changes (at)",
    // Background work: one row per (kind, key); a lease (owner, until) says who runs it.
    `CREATE TABLE IF NOT EXISTS work (
       kind TEXT NOT NULL,
       key TEXT NOT NULL,
       payload TEXT,
       attempts INTEGER NOT NULL,
       not_before BIGINT NOT NULL,
       lease_owner TEXT,
       lease_until BIGINT,
       last_error TEXT,
       PRIMARY KEY (kind, key)
     )`,
    "CREATE INDEX IF NOT EXISTS work_by_time ON work (not_before)",
    // Finished operation records expire: end_at is when they finished (epoch ms).
    "ALTER TABLE operations ADD COLUMN end_at BIGINT",
    "CREATE INDEX IF NOT EXISTS operations_by_end ON operations (end_at)",
    {
      sqlite:
        "UPDATE operations SET end_at = CAST(strftime('%s','now') AS INTEGER) * 1000 WHERE status <> 'InProgress'",
      postgres:
        "UPDATE operations SET end_at = CAST(EXTRACT(EPOCH FROM now()) * 1000 AS BIGINT) WHERE status <> 'InProgress'",
    },
  ],
  [
    // No query reads the log by time (compaction goes by revision): the index only cost a
    // write per change.
    "DROP INDEX IF EXISTS changes_by_at",
  ],
  [
    // SQLite: only `INTEGER PRIMARY KEY` makes the revision the rowid; `BIGINT PRIMARY KEY`
    // kept a second b-tree, written on every change. The log is rebuilt once with the alias.
    {
      sqlite: `CREATE TABLE changes_by_revision (
         revision INTEGER PRIMARY KEY,
         kind TEXT NOT NULL,
         key TEXT NOT NULL,
         type TEXT NOT NULL,
         object TEXT NOT NULL,
         cluster TEXT,
         resource TEXT,
         namespace TEXT,
         at BIGINT NOT NULL
       )`,
      postgres: "SELECT 1",
    },
    {
      sqlite: `INSERT INTO changes_by_revision (revision, kind, key, type, object, cluster, resource, namespace, at)
         SELECT revision, kind, key, type, object, cluster, resource, namespace, at FROM changes`,
      postgres: "SELECT 1",
    },
    { sqlite: "DROP TABLE changes", postgres: "SELECT 1" },
    { sqlite: "ALTER TABLE changes_by_revision RENAME TO changes", postgres: "SELECT 1" },
  ],
  [
    // An object's body is stored once, in the log entry of its last write (which compaction
    // now keeps). Entries already compacted away are put back from the objects' own copy.
    `INSERT INTO changes (revision, kind, key, type, object, cluster, resource, namespace, at)
       SELECT o.revision, 'kube', o.cluster || '/' || o.resource || '/' || o.namespace || '/' || o.name,
              'MODIFIED', o.body, o.cluster, o.resource, o.namespace, 0
       FROM objects o WHERE NOT EXISTS (SELECT 1 FROM changes c WHERE c.revision = o.revision)`,
    {
      // SQLite: without the body the row is its key, so the table is keyed by it (WITHOUT
      // ROWID): one b-tree written per object write instead of a rowid table and its key index.
      sqlite: `CREATE TABLE objects_by_key (
         cluster TEXT NOT NULL,
         resource TEXT NOT NULL,
         namespace TEXT NOT NULL,
         name TEXT NOT NULL,
         revision BIGINT NOT NULL,
         PRIMARY KEY (cluster, resource, namespace, name)
       ) WITHOUT ROWID`,
      postgres: "ALTER TABLE objects DROP COLUMN body",
    },
    {
      sqlite: `INSERT INTO objects_by_key (cluster, resource, namespace, name, revision)
         SELECT cluster, resource, namespace, name, revision FROM objects`,
      postgres: "SELECT 1",
    },
    { sqlite: "DROP TABLE objects", postgres: "SELECT 1" },
    { sqlite: "ALTER TABLE objects_by_key RENAME TO objects", postgres: "SELECT 1" },
  ],
];
