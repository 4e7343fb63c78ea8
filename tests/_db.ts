/**
 * Test helpers for looking into a database beside the store. The store's
 * libSQL client is private, so a test builds the store over a connection it
 * holds itself and runs its inspection SQL there (the same connection: a
 * `:memory:` database cannot be shared with another one); or it writes a
 * database file through a client of its own, e.g. at an old schema version.
 *
 * @module
 */
import { createClient, type InStatement } from "@libsql/client";
import { type Connection, openConnection } from "../lib/store/connection.ts";
import { Store } from "../lib/store/store.ts";

/** A store with SQL for inspection; dispose to close it. */
export interface TestDb extends Disposable {
  /** The store. */
  store: Store;
  /** The connection under the store. */
  connection: Connection;
  /** The rows of a statement, as objects by column name. */
  rows(statement: InStatement): Promise<Record<string, unknown>[]>;
  /** The first column of the first row of a statement, as a number. */
  count(statement: InStatement): Promise<number>;
}

/**
 * Opens a store (in memory unless `url` says otherwise) and SQL on its connection.
 *
 * @example Usage
 * ```ts
 * import { testDb } from "./_db.ts";
 * import assert from "node:assert/strict";
 * using db = await testDb();
 * await db.store.jobs.create({ name: "j", request: { url: "" }, options: {}, now: 0 });
 * assert.equal(await db.count("SELECT count(*) FROM jobs"), 1);
 * ```
 */
export async function testDb(url = ":memory:"): Promise<TestDb> {
  const connection = await openConnection(url);
  const rows = async (statement: InStatement) => {
    const rs = await connection.execute(statement, "inspect");
    return rs.rows.map((r) => Object.fromEntries(rs.columns.map((c, i) => [c, r[i]])));
  };
  return {
    store: new Store(connection),
    connection,
    rows,
    count: async (statement) => {
      const rs = await connection.execute(statement, "inspect");
      return Number(rs.rows[0]![0]);
    },
    [Symbol.dispose]() {
      connection.close();
    },
  };
}

/** Runs statements on a database file through a client of its own, e.g. to build an old schema. */
export async function execute(url: string, statements: InStatement[]): Promise<void> {
  const client = createClient({ url, timeout: 5000, concurrency: 1 });
  try {
    for (const statement of statements) await client.execute(statement);
  } finally {
    client.close();
  }
}
