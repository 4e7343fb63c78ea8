/**
 * The part of the native libSQL driver (`npm:libsql`, under @libsql/client)
 * that sluice uses, typed here: the package's own types pull in all of
 * `@types/node`.
 *
 * @module
 */

/** A prepared statement. */
export interface LibsqlStatement {
  /** Rows as arrays rather than objects. */
  raw(toggle?: boolean): this;
  /** Runs it to the end; every row. */
  all(...params: unknown[]): unknown[];
  /** Runs it to its first row, then resets it. */
  get(...params: unknown[]): unknown;
  /** Runs it to the end, for its effect. */
  run(...params: unknown[]): unknown;
}

/** A connection to a database file or `:memory:`. */
export default class LibsqlDatabase {
  /** Opens `path` (`:memory:` for a private in-memory database). */
  constructor(path: string, options?: Record<string, unknown>);
  /** Compiles the first statement of `sql`. */
  prepare(sql: string): LibsqlStatement;
  /** Closes the connection. */
  close(): void;
}
