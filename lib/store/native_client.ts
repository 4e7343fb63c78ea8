/**
 * A local database (a file or `:memory:`) through libSQL's native driver
 * (`npm:libsql`, the driver under @libsql/client), with the part of
 * @libsql/client's interface that {@linkcode Connection} uses and the same
 * results and errors, but each statement prepared once per connection and
 * reused. @libsql/client prepares every statement again on every call and
 * finds out whether it returns rows by catching an exception: on the hot
 * path (a claim per page, a result write per group of answers) that was a
 * third of the time spent in libSQL.
 *
 * @module
 */
import { type InStatement, LibsqlError, type ResultSet, type TransactionMode } from "../deps.ts";
import { BEGIN, NativeConnection, runAll } from "./native_connection.ts";

/** The part of @libsql/client's `Transaction` that {@linkcode Connection} uses. */
export interface LocalTransaction {
  execute(statement: InStatement): Promise<ResultSet>;
  batch(statements: InStatement[]): Promise<ResultSet[]>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): void;
  readonly closed: boolean;
}

/** The part of @libsql/client's `Client` that {@linkcode Connection} uses. */
export interface LocalClient {
  execute(statement: InStatement): Promise<ResultSet>;
  batch(statements: InStatement[], mode?: TransactionMode): Promise<ResultSet[]>;
  transaction(mode?: TransactionMode): Promise<LocalTransaction>;
  close(): void;
}

/**
 * The path of a plain local URL (`:memory:`, `file:x.db`, `file:///abs/x.db`),
 * or undefined for anything else (a query string, escapes, a host), which is
 * left to @libsql/client.
 *
 * @example Usage
 * ```ts
 * import { localPath } from "./native_client.ts";
 * import assert from "node:assert/strict";
 * assert.equal(localPath("file:///tmp/a.db"), "/tmp/a.db");
 * assert.equal(localPath("file:a.db?mode=ro"), undefined);
 * ```
 */
export function localPath(url: string): string | undefined {
  if (url === ":memory:") return url;
  const match = /^file:(?:\/\/(?:localhost)?(?=\/))?(?!\/\/)([^?#%]+)$/.exec(url);
  return match?.[1];
}

/**
 * Opens a local database through the native driver: `path` from
 * {@linkcode localPath}, `timeoutMs` the busy timeout. Like @libsql/client,
 * a transaction has a connection of its own (a second one is opened for it,
 * and kept for the next); other calls share one connection, whose page cache
 * and prepared statements stay warm. `:memory:` has a single connection,
 * which an open transaction holds.
 *
 * @example Usage
 * ```ts
 * import { openNativeClient } from "./native_client.ts";
 * import assert from "node:assert/strict";
 * const client = openNativeClient(":memory:", 5000);
 * await client.batch(["CREATE TABLE t (n)", { sql: "INSERT INTO t VALUES (?)", args: [7] }]);
 * const rs = await client.execute("SELECT n FROM t");
 * assert.equal(rs.rows[0]!.n, 7);
 * client.close();
 * ```
 */
export function openNativeClient(path: string, timeoutMs: number): LocalClient {
  return new NativeClient(path, timeoutMs);
}

class NativeClient implements LocalClient {
  readonly #path: string;
  readonly #timeoutMs: number;
  readonly #main: NativeConnection;
  readonly #idle: NativeConnection[] = [];
  readonly #held = new Set<NativeConnection>();
  #closed = false;

  constructor(path: string, timeoutMs: number) {
    this.#path = path;
    this.#timeoutMs = timeoutMs;
    this.#main = new NativeConnection(path, timeoutMs);
    try {
      this.#main.run("SELECT 1 AS checkThatTheDatabaseCanBeOpened");
    } catch (error) {
      this.#main.close();
      throw error;
    }
  }

  execute(statement: InStatement): Promise<ResultSet> {
    try {
      return Promise.resolve(this.#shared().run(statement));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  batch(statements: InStatement[], mode: TransactionMode = "deferred"): Promise<ResultSet[]> {
    try {
      const connection = this.#shared();
      connection.run(BEGIN[mode]);
      try {
        const results = runAll(connection, statements, true);
        connection.run("COMMIT");
        return Promise.resolve(results);
      } finally {
        if (connection.inTransaction) connection.run("ROLLBACK");
      }
    } catch (error) {
      return Promise.reject(error);
    }
  }

  transaction(mode: TransactionMode = "write"): Promise<LocalTransaction> {
    try {
      this.#checkOpen();
      const memory = this.#path === ":memory:";
      if (memory) this.#shared();
      const connection = memory
        ? this.#main
        : this.#idle.pop() ?? new NativeConnection(this.#path, this.#timeoutMs);
      this.#held.add(connection);
      try {
        connection.run(BEGIN[mode]);
      } catch (error) {
        this.#release(connection);
        throw error;
      }
      return Promise.resolve(new NativeTransaction(connection, (c) => this.#release(c)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  close(): void {
    this.#closed = true;
    for (const connection of [this.#main, ...this.#idle, ...this.#held]) connection.close();
    this.#idle.length = 0;
    this.#held.clear();
  }

  #shared(): NativeConnection {
    this.#checkOpen();
    if (this.#held.has(this.#main)) {
      throw new LibsqlError(
        "This client has a single connection, which an open transaction is holding. " +
          "In-memory databases and embedded replicas cannot have more than one. " +
          "Commit or roll back the transaction before using the client again.",
        "TRANSACTION_ACTIVE",
      );
    }
    return this.#main;
  }

  #release(connection: NativeConnection): void {
    this.#held.delete(connection);
    if (connection.inTransaction) {
      try {
        connection.run("ROLLBACK");
      } catch {
        connection.close();
        return;
      }
    }
    if (this.#closed || !connection.db.open) connection.close();
    else if (connection !== this.#main) this.#idle.push(connection);
  }

  #checkOpen(): void {
    if (this.#closed) throw new LibsqlError("The client is closed", "CLIENT_CLOSED");
  }
}

/** An open transaction on a connection of its own, given back when it settles. */
class NativeTransaction implements LocalTransaction {
  #connection: NativeConnection | undefined;
  readonly #release: (connection: NativeConnection) => void;

  constructor(connection: NativeConnection, release: (connection: NativeConnection) => void) {
    this.#connection = connection;
    this.#release = release;
  }

  execute(statement: InStatement): Promise<ResultSet> {
    try {
      return Promise.resolve(this.#open().run(statement));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  batch(statements: InStatement[]): Promise<ResultSet[]> {
    try {
      return Promise.resolve(runAll(this.#open(), statements, false));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  commit(): Promise<void> {
    try {
      this.#open().run("COMMIT");
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    } finally {
      this.#settle();
    }
  }

  rollback(): Promise<void> {
    const connection = this.#connection;
    try {
      if (connection?.db.open) this.#open().run("ROLLBACK");
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    } finally {
      this.#settle();
    }
  }

  close(): void {
    this.#settle();
  }

  get closed(): boolean {
    const connection = this.#connection;
    return connection === undefined || !connection.db.open || !connection.inTransaction;
  }

  #open(): NativeConnection {
    if (this.closed) throw new LibsqlError("The transaction is closed", "TRANSACTION_CLOSED");
    return this.#connection!;
  }

  #settle(): void {
    const connection = this.#connection;
    if (connection === undefined) return;
    this.#connection = undefined;
    this.#release(connection);
  }
}
