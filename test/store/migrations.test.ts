// Upgrading a SQLite file made by an older build: migration 4 rebuilds the change log so its
// revision is the rowid (`INTEGER PRIMARY KEY`; the old `BIGINT PRIMARY KEY` kept a second
// b-tree written on every change), keeping every logged change and the watch/read paths.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { migrationSql } from "../../src/store/sql.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import type { ChangeRecord } from "../../src/store/types.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A SQLite file as the build that had applied the first `version` migrations left it. */
function databaseAt(version: number): { file: string; old: Database.Database; steps: string[][] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aksnet-migrate-"));
  dirs.push(dir);
  const file = path.join(dir, "old.db");
  const old = new Database(file);
  old.exec("CREATE TABLE schema_version (version INTEGER NOT NULL)");
  const steps = migrationSql("sqlite");
  for (const step of steps.slice(0, version)) for (const sql of step) old.exec(sql);
  old.prepare("INSERT INTO schema_version (version) VALUES (?)").run(version);
  return { file, old, steps };
}

describe("SQLite migrations", () => {
  it("a change log keyed by BIGINT is rebuilt keyed by the rowid, and keeps its changes", async () => {
    // The database as the build before migration 4 left it, with two logged changes.
    const { file, old, steps } = databaseAt(3);
    for (const [rev, name] of [
      [1, "a"],
      [2, "b"],
    ] as const) {
      const body = JSON.stringify({ kind: "Pod", metadata: { name } });
      old
        .prepare(
          "INSERT INTO objects (cluster, resource, namespace, name, body, revision) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .run("c1", "core/pods", "default", name, body, rev);
      old
        .prepare(
          "INSERT INTO changes (revision, kind, key, type, object, cluster, resource, namespace, at) VALUES (?, 'kube', ?, 'ADDED', ?, 'c1', 'core/pods', 'default', 0)",
        )
        .run(rev, `c1/core/pods/default/${name}`, body);
    }
    old.prepare("UPDATE revision SET value = 2 WHERE id = 1").run();
    expect(
      old
        .prepare("SELECT count(*) AS n FROM sqlite_master WHERE tbl_name = 'changes' AND type = 'index'")
        .get(),
    ).toEqual({ n: 1 }); // the BIGINT key's own index
    old.close();

    const store = new SqliteStore(file);
    try {
      const db = new Database(file, { readonly: true });
      const table = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'changes'").get() as {
        sql: string;
      };
      expect(table.sql).toMatch(/revision INTEGER PRIMARY KEY/);
      expect(
        db
          .prepare("SELECT count(*) AS n FROM sqlite_master WHERE tbl_name = 'changes' AND type = 'index'")
          .get(),
      ).toEqual({ n: 0 });
      expect(db.prepare("SELECT version FROM schema_version").get()).toEqual({ version: steps.length });
      db.close();
      // The old changes replay to a watch from 0, then a new write continues the log.
      const got: ChangeRecord[] = [];
      const h = store.watch(0, {}, (c) => got.push(c));
      await store.transaction((tx) =>
        tx.putObject({
          cluster: "c1",
          resource: "core/pods",
          namespace: "default",
          name: "c",
          body: { kind: "Pod" },
        }),
      );
      const deadline = Date.now() + 5000;
      while (got.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      h.close();
      expect(
        got.map((c) => [
          c.revision,
          c.type,
          c.key,
          (c.object.metadata as { name?: string } | undefined)?.name,
        ]),
      ).toEqual([
        [1, "ADDED", "c1/core/pods/default/a", "a"],
        [2, "ADDED", "c1/core/pods/default/b", "b"],
        [3, "ADDED", "c1/core/pods/default/c", undefined],
      ]);
    } finally {
      await store.close();
    }
  });

  it("objects lose their body column: each body lives in its last log entry, put back where compaction had dropped it", async () => {
    // The database as the build before migration 5 left it: `a` written at 1, `b` at 2 and 3,
    // and the log compacted at 2, so only b's last entry is left.
    const { file, old } = databaseAt(4);
    const body = (name: string, v: number) =>
      JSON.stringify({ kind: "Pod", metadata: { name }, spec: { v } });
    const put = old.prepare(
      "INSERT INTO objects (cluster, resource, namespace, name, body, revision) VALUES ('c1', 'core/pods', 'default', ?, ?, ?)",
    );
    put.run("a", body("a", 1), 1);
    put.run("b", body("b", 3), 3);
    old
      .prepare(
        "INSERT INTO changes (revision, kind, key, type, object, cluster, resource, namespace, at) VALUES (3, 'kube', 'c1/core/pods/default/b', 'MODIFIED', ?, 'c1', 'core/pods', 'default', 0)",
      )
      .run(body("b", 3));
    old.prepare("UPDATE revision SET value = 3 WHERE id = 1").run();
    old.prepare("UPDATE compaction SET value = 2 WHERE id = 1").run();
    old.close();

    const store = new SqliteStore(file);
    try {
      const db = new Database(file, { readonly: true });
      const columns = db.prepare("SELECT name FROM pragma_table_info('objects')").all();
      expect(columns.map((c) => (c as { name: string }).name)).toEqual([
        "cluster",
        "resource",
        "namespace",
        "name",
        "revision",
      ]);
      expect(db.prepare("SELECT revision, type FROM changes ORDER BY revision").all()).toEqual([
        { revision: 1, type: "MODIFIED" },
        { revision: 3, type: "MODIFIED" },
      ]);
      db.close();
      const listed = await store.read((tx) => tx.listObjects({ cluster: "c1", resource: "core/pods" }));
      expect(listed.map((o) => [o.name, o.revision, o.body.spec])).toEqual([
        ["a", 1, { v: 1 }],
        ["b", 3, { v: 3 }],
      ]);
      // A watch from the compaction point sees only what is written after it, and the delete
      // of `a` carries its last state.
      const got: ChangeRecord[] = [];
      const h = store.watch(3, {}, (c) => got.push(c));
      await store.transaction((tx) => tx.deleteObject("c1", "core/pods", "default", "a"));
      const deadline = Date.now() + 5000;
      while (got.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      h.close();
      expect(got.map((c) => [c.revision, c.type, c.object.spec])).toEqual([[4, "DELETED", { v: 1 }]]);
    } finally {
      await store.close();
    }
  });
});
