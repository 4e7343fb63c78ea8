/**
 * The user's own SQL over a database, for `sluice sql` and
 * `sluice export --table`: a client of its own (a database that is not
 * sluice's works too, and is not migrated), integers exact, and read-only
 * unless asked: the statements run in a transaction that is rolled back,
 * on a connection with `PRAGMA query_only`, so a write is refused rather
 * than silently undone. Every statement runs in the SQL sandbox
 * (sql_sandbox.ts): with `write`, it writes the user's tables only.
 *
 * @module
 */
import { type Client, createClient, type InStatement, type ResultSet } from "../deps.ts";
import { notADatabase } from "./not_a_database.ts";
import { InputError, StoreError } from "../errors.ts";
import { quoteName } from "./answer_statements.ts";
import { BUSY_TIMEOUT_MS } from "./connection.ts";
import { type SandboxedStatement, SqlSandbox } from "./sql_sandbox.ts";
import { foldName } from "./sql_tokens.ts";
import { sqliteMessage } from "./write_in_chunks.ts";

/** A value as read: integers as bigint when beyond 2^53, blobs as bytes. */
export type SqlValue = null | string | number | bigint | ArrayBuffer;

/** The rows of a statement. */
export interface SqlRows {
  /** Column names, in order. */
  columns: string[];
  /** Each row's values, in column order. */
  rows: SqlValue[][];
}

/** What {@linkcode SqlClient.query} returns: the last statement's rows, and rows changed. */
export interface SqlResult extends SqlRows {
  /** Rows inserted, updated or deleted by all the statements. */
  changes: number;
}

/** Options for {@linkcode SqlClient.query}. */
export interface QueryOptions {
  /** Let the statements change the database (committed). @default false */
  write?: boolean;
}

/** Options for {@linkcode openSqlClient}. */
export interface SqlClientOptions {
  /** Token for a libSQL server. @default LIBSQL_AUTH_TOKEN */
  authToken?: string;
}

/** Errors of a database's state, not of the SQL: reported as such. */
const DATABASE_FAULTS = /SQLITE_(BUSY|LOCKED|FULL|IOERR|CORRUPT|NOMEM|CANTOPEN|NOTADB)/;

/**
 * Opens a client of its own on `url`.
 *
 * @example Usage
 * ```ts
 * import { openSqlClient } from "./sql_client.ts";
 * import assert from "node:assert/strict";
 * const path = await Deno.makeTempFile({ suffix: ".db" });
 * const db = openSqlClient(`file:${path}`);
 * await db.query(["CREATE TABLE t (n INTEGER)", "INSERT INTO t VALUES (9007199254740993)"], {
 *   write: true,
 * });
 * assert.deepEqual((await db.query(["SELECT n FROM t"])).rows, [[9007199254740993n]]);
 * await assert.rejects(db.query(["DELETE FROM t"]), /read-only unless --write/);
 * await assert.rejects(db.query(["SELECT writefile('x', 'y')"], { write: true }), /allowed functions only/);
 * db.close();
 * await Deno.remove(path);
 * ```
 */
export function openSqlClient(url: string, options: SqlClientOptions = {}): SqlClient {
  const { authToken = Deno.env.get("LIBSQL_AUTH_TOKEN") } = options;
  const local = url === ":memory:" || url.startsWith("file:");
  try {
    const client = createClient(
      local
        ? { url, intMode: "bigint", concurrency: 1, timeout: BUSY_TIMEOUT_MS }
        : { url, intMode: "bigint", ...(authToken ? { authToken } : {}) },
    );
    return new SqlClient(client, url, local);
  } catch (cause) {
    throw new StoreError(`Cannot open database ${url}: ${String(cause)}`, { cause });
  }
}

/** A database, for the user's own SQL. */
export class SqlClient {
  readonly #client: Client;
  readonly #url: string;
  readonly #local: boolean;

  /** Use {@linkcode openSqlClient}. */
  constructor(client: Client, url: string, local: boolean) {
    this.#client = client;
    this.#url = url;
    this.#local = local;
  }

  /**
   * Runs `statements` in one transaction, committed with `write`, else
   * rolled back; returns the last statement's rows.
   *
   * @throws {InputError} When SQLite refuses a statement, a statement
   * writes without `write`, or breaks a rule of the SQL sandbox (each is
   * checked before it runs, against the schema as the ones before left it).
   */
  async query(statements: readonly string[], options: QueryOptions = {}): Promise<SqlResult> {
    const { write = false } = options;
    const tx = await this.#guard(
      "begin",
      () => this.#client.transaction(write ? "write" : this.#local ? "deferred" : "read"),
    );
    let sandbox: SqlSandbox | undefined;
    try {
      if (!write && this.#local) await tx.execute("PRAGMA query_only = ON");
      sandbox = await SqlSandbox.open(
        (s) => this.#guard("read the schema", () => tx.execute(s)),
        this.#url,
      );
      let last: ResultSet | undefined;
      let changes = 0;
      for (const [i, sql] of statements.entries()) {
        const label = statements.length === 1 ? "sluice sql" : `sluice sql statement ${i + 1}`;
        this.#check(sandbox, { sql, label, use: write ? "write" : "read" });
        last = await this.#guard(sql, () => tx.execute(sql), write);
        changes += last.rowsAffected;
      }
      // A trigger or view the statements made that breaks a rule: refused, rolled back.
      sandbox.audit();
      if (!write && changes > 0) throw readOnly(statements.at(-1)!, "it changed rows");
      await this.#guard("commit", () => write ? tx.commit() : tx.rollback());
      return { ...rowsOf(last), changes };
    } finally {
      sandbox?.close();
      tx.close();
      if (!write && this.#local) await this.#client.execute("PRAGMA query_only = OFF");
    }
  }

  /** The tables and views of the database, by name. */
  async tables(): Promise<string[]> {
    const rs = await this.#guard("list tables", () =>
      this.#client.execute(
        "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') ORDER BY name",
      ));
    return rs.rows.map((r) => String(r[0]));
  }

  /**
   * Pages through a table or view: its columns first, then its rows
   * `pageSize` at a time (by rowid when it has one, else by offset).
   *
   * @throws {InputError} When there is no such table or view.
   */
  async *table(given: string, pageSize = 1000): AsyncGenerator<SqlRows> {
    const tables = await this.tables();
    // Named as SQLite names it: `Hits` is `hits`.
    const name = tables.find((t) => foldName(t) === foldName(given));
    if (name === undefined) {
      throw new InputError(
        `No table or view named "${given}" in ${this.#url} (there are: ${tables.join(", ")})`,
      );
    }
    const from = quoteName(name);
    // A view is the user's SQL too: what it calls is checked before it runs.
    const sandbox = await SqlSandbox.open(
      (s) => this.#guard("read the schema", () => this.#client.execute(s)),
      this.#url,
    );
    try {
      this.#check(sandbox, { sql: `SELECT * FROM ${from}`, label: `table ${name}`, use: "read" });
    } finally {
      sandbox.close();
    }
    let page = (after: bigint | number): InStatement => ({
      sql: `SELECT _rowid_ AS "sluice rowid", * FROM ${from} WHERE _rowid_ > ?
            ORDER BY _rowid_ LIMIT ?`,
      args: [after, pageSize],
    });
    let keyed = true;
    try {
      await this.#client.execute(page(0));
    } catch {
      // A view or a WITHOUT ROWID table: pages by offset.
      keyed = false;
      page = (offset) => ({
        sql: `SELECT * FROM ${from} LIMIT ? OFFSET ?`,
        args: [pageSize, offset],
      });
    }
    let position: bigint | number = keyed ? -(2n ** 63n) : 0;
    for (;;) {
      const rs = await this.#guard(`read ${name}`, () => this.#client.execute(page(position)));
      const rows = rowsOf(rs);
      if (keyed) {
        rows.columns.shift();
        position = rows.rows.at(-1)?.[0] as bigint ?? position;
        for (const row of rows.rows) row.shift();
      } else position = Number(position) + rows.rows.length;
      yield rows;
      if (rows.rows.length < pageSize) return;
    }
  }

  /** Closes the client. */
  close(): void {
    this.#client.close();
  }

  /** Checks a statement in the sandbox; SQLite's refusal of it is reported as when it runs. */
  #check(sandbox: SqlSandbox, statement: SandboxedStatement): void {
    try {
      sandbox.check(statement);
    } catch (error) {
      const cause = error instanceof InputError ? error.cause : undefined;
      if (!(cause instanceof Error)) throw error;
      throw new InputError(
        `${sqliteMessage(cause.message)} (in: ${statement.sql.replace(/\s+/g, " ")})`,
        undefined,
        { cause },
      );
    }
  }

  /** Runs `fn`; SQLite's refusals become InputErrors naming `what`, the database's trouble a StoreError. */
  async #guard<T>(what: string, fn: () => Promise<T>, write = true): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      const notDatabase = notADatabase(this.#url, cause);
      if (notDatabase) throw notDatabase;
      if (DATABASE_FAULTS.test(message)) {
        throw new StoreError(`Database ${this.#url} failed: ${message}`, { cause });
      }
      if (!write && /SQLITE_READONLY/.test(message)) throw readOnly(what, sqliteMessage(message));
      throw new InputError(
        `${sqliteMessage(message)} (in: ${what.replace(/\s+/g, " ")})`,
        undefined,
        {
          cause,
        },
      );
    }
  }
}

function readOnly(sql: string, why: string): InputError {
  return new InputError(
    `sluice sql is read-only unless --write: ${why} (in: ${sql.replace(/\s+/g, " ")})`,
  );
}

function rowsOf(rs: ResultSet | undefined): SqlRows {
  if (!rs) return { columns: [], rows: [] };
  return {
    columns: [...rs.columns],
    rows: rs.rows.map((row) =>
      Array.from({ length: rs.columns.length }, (_, i) => {
        const value = row[i] as SqlValue;
        // Exact as bigint only where a double would change it.
        return typeof value === "bigint" && value >= -(2n ** 53n) && value <= 2n ** 53n
          ? Number(value)
          : value;
      })
    ),
  };
}
