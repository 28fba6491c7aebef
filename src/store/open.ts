// Opens the store a URL names: `sqlite:<path>` (the default form), `sqlite::memory:`, or
// `postgresql://user:pass@host:port/db[?schema=name]` (also `postgres://`).
import { SqliteStore } from "./sqlite.js";
import type { Store } from "./types.js";

export type Log = (msg: string, err?: unknown) => void;

export interface StoreLocation {
  kind: "sqlite" | "postgres";
  /** File path or `:memory:` for SQLite; the URL for PostgreSQL. */
  target: string;
}

/** Parses a `--store` value; throws an Error whose message names the accepted forms. */
export function parseStoreUrl(url: string): StoreLocation {
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: "postgres", target: url };
  if (/^sqlite:/i.test(url)) {
    const target = url.slice("sqlite:".length);
    if (!target) throw new Error("--store sqlite:<path> needs a path (or sqlite::memory:)");
    return { kind: "sqlite", target };
  }
  throw new Error(
    `--store '${url}' is not a store URL: use sqlite:<path>, sqlite::memory: or postgresql://user:pass@host:port/db`,
  );
}

/** Shown in banners and status: the location without a password. */
export function describeStore(loc: StoreLocation): string {
  if (loc.kind === "sqlite") return loc.target === ":memory:" ? "in memory" : loc.target;
  const u = new URL(loc.target);
  if (u.password) u.password = "***";
  return u.toString();
}

export async function openStore(url: string, log: Log = () => undefined): Promise<Store> {
  const loc = parseStoreUrl(url);
  if (loc.kind === "sqlite") return new SqliteStore(loc.target, log);
  throw new Error(`the PostgreSQL backend is not built yet (${describeStore(loc)}); log: ${typeof log}`);
}
