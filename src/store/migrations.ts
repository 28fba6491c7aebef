// Versioned schema. Each entry runs once, in order, inside a transaction; the applied
// version is kept in `schema_version`. Statements are plain SQL that SQLite and
// PostgreSQL both accept, so one list serves every backend.

export const MIGRATIONS: readonly string[][] = [
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
];
