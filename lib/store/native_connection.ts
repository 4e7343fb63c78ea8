/**
 * One connection of the native driver (lib/store/native_client.ts), its
 * statements prepared once and reused, each run as @libsql/client's
 * `executeStmt` runs it.
 *
 * @module
 */
import {
  type InStatement,
  LibsqlBatchError,
  LibsqlDatabase,
  LibsqlError,
  type ResultSet,
  type TransactionMode,
} from "../deps.ts";
import { libsqlError, named, resultSet, toRow, toSql } from "./_native_values.ts";

type Database = InstanceType<typeof LibsqlDatabase>;
type Statement = ReturnType<Database["prepare"]>;

/** The statements kept prepared per connection; the oldest is dropped past this. */
const CACHED_STATEMENTS = 64;

/** One native connection and its prepared statements. */
export class NativeConnection {
  readonly db: Database;
  // Each statement prepared, and whether it returns rows (asking is a call into the driver).
  readonly #statements = new Map<string, { prepared: Statement; reader: boolean }>();

  constructor(path: string, timeoutMs: number) {
    try {
      this.db = new LibsqlDatabase(path, { timeout: timeoutMs });
    } catch (error) {
      throw libsqlError(error);
    }
  }

  /** Runs one statement as @libsql/client's `executeStmt` does; errors as it maps them. */
  run(statement: InStatement | string): ResultSet {
    const { sql, args } = typeof statement === "string"
      ? { sql: statement, args: [] }
      : { sql: statement.sql, args: statement.args ?? [] };
    const bound = Array.isArray(args) ? args.map(toSql) : named(args);
    try {
      const { prepared, reader } = this.#prepare(sql);
      if (!reader) {
        const info = prepared.run(bound) as { changes: number; lastInsertRowid: number | bigint };
        return resultSet([], [], [], info.changes, BigInt(info.lastInsertRowid));
      }
      const columns = prepared.columns();
      const names = columns.map((column) => column.name);
      const rows = (prepared.all(bound) as unknown[][]).map((values) => toRow(values, names));
      return resultSet(names, columns.map((column) => column.type ?? ""), rows, 0, undefined);
    } catch (error) {
      throw libsqlError(error);
    }
  }

  /** Whether a transaction is open on the connection. */
  get inTransaction(): boolean {
    return this.db.open && this.db.inTransaction;
  }

  close(): void {
    this.#statements.clear();
    if (this.db.open) this.db.close();
  }

  #prepare(sql: string): { prepared: Statement; reader: boolean } {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      const prepared = this.db.prepare(sql);
      prepared.safeIntegers(true);
      const reader = prepared.reader;
      if (reader) prepared.raw(true);
      if (this.#statements.size >= CACHED_STATEMENTS) {
        this.#statements.delete(this.#statements.keys().next().value!);
      }
      statement = { prepared, reader };
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

export const BEGIN: Record<TransactionMode, string> = {
  write: "BEGIN IMMEDIATE",
  read: "BEGIN TRANSACTION READONLY",
  deferred: "BEGIN DEFERRED",
};

function statementOf(statement: InStatement | [string, unknown[]?]): InStatement {
  return Array.isArray(statement)
    ? {
      sql: statement[0],
      args: (statement[1] ?? []) as InStatement extends { args?: infer A } ? A : never,
    }
    : statement as InStatement;
}

/**
 * Runs `statements` on `connection`, a failure named by its index as
 * @libsql/client does; `inBatch`: each only while the batch's transaction is open.
 */
export function runAll(
  connection: NativeConnection,
  statements: InStatement[],
  inBatch: boolean,
): ResultSet[] {
  const results: ResultSet[] = [];
  for (let i = 0; i < statements.length; i++) {
    try {
      if (inBatch && !connection.inTransaction) {
        throw new LibsqlBatchError("The transaction has been rolled back", i, "TRANSACTION_CLOSED");
      }
      results.push(connection.run(statementOf(statements[i]!)));
    } catch (error) {
      if (error instanceof LibsqlBatchError || !(error instanceof LibsqlError)) throw error;
      throw new LibsqlBatchError(
        error.message,
        i,
        error.code,
        error.extendedCode,
        error.rawCode,
        error.cause instanceof Error ? error.cause : undefined,
      );
    }
  }
  return results;
}
