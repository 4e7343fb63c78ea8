/**
 * The part of the native libSQL driver (`npm:libsql`, under @libsql/client)
 * that sluice uses, typed here: the package's own types pull in all of
 * `@types/node`.
 *
 * @module
 */

/** A column of a statement's result. */
export interface LibsqlColumn {
  /** Its name. */
  name: string;
  /** Its declared type, if any. */
  type: string | null;
}

/** A prepared statement. */
export interface LibsqlStatement {
  /** Rows as arrays rather than objects. */
  raw(toggle?: boolean): this;
  /** Integers as bigint. */
  safeIntegers(toggle?: boolean): this;
  /** Whether it returns rows. */
  readonly reader: boolean;
  /** The columns of its rows. */
  columns(): LibsqlColumn[];
  /** Runs it to the end; every row. */
  all(...params: unknown[]): unknown[];
  /** Runs it to its first row, then resets it. */
  get(...params: unknown[]): unknown;
  /** Runs it to the end, for its effect. */
  run(...params: unknown[]): unknown;
}

/** A connection to a database file or `:memory:`. */
export default class LibsqlDatabase {
  /** The driver's error: `code` (extended, as text) and `rawCode`. */
  static SqliteError: new (...args: never[]) => Error;
  /** Opens `path` (`:memory:` for a private in-memory database). */
  constructor(path: string, options?: Record<string, unknown>);
  /** Whether the connection is open. */
  readonly open: boolean;
  /** Whether a transaction is open. */
  readonly inTransaction: boolean;
  /** Compiles the first statement of `sql`. */
  prepare(sql: string): LibsqlStatement;
  /** Runs every statement of `sql`. */
  exec(sql: string): void;
  /** `fn` wrapped in BEGIN and COMMIT (ROLLBACK if it throws). */
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  /** Closes the connection. */
  close(): void;
}
