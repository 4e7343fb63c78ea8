/**
 * `sluice sql`: runs SQL over a database and prints the rows, for a machine
 * with no sqlite3 shell. Read-only unless `--write`.
 *
 * @module
 */
import { resolve } from "node:path";
import type { Console } from "./console.ts";
import { dbFilePath } from "./db_url.ts";
import { BOM, csvOutput } from "./csv_output.ts";
import { EXIT } from "./exit_code.ts";
import { formatRows, type RowFormat } from "./format_rows.ts";
import { sqlText } from "../lib/process/sql_text.ts";
import { InputError } from "../lib/errors.ts";
import { splitSql } from "../lib/process/split_sql.ts";
import { openSqlClient } from "../lib/store/sql_client.ts";

/** Flags of `sluice sql`. */
export interface SqlFlags {
  /** The database's URL. */
  db: string;
  /** How rows are printed. @default "table" on a terminal, else "csv" */
  format?: RowFormat;
  /** Let the SQL change the database. @default false */
  write?: boolean;
  /** CSV: keep text that starts like a formula as it is (no `'` prefix). @default false */
  csvRaw?: boolean;
  /** CSV: start with a UTF-8 byte order mark, for spreadsheets that need one. @default false */
  bom?: boolean;
}

/** Where `sluice sql` writes, and whether that is a terminal. */
export interface SqlOutput {
  /** Writes bytes; may write fewer than given. @default Deno.stdout */
  write(p: Uint8Array): Promise<number>;
  /** True when a person reads it: rows print as a table. @default Deno.stdout.isTerminal() */
  isTerminal(): boolean;
}

/**
 * Runs `sql` (statements separated by `;`, or `@file.sql`) in one
 * transaction and prints the last statement's rows: an aligned table on a
 * terminal, CSV otherwise (or with `--bom`, `--csv-raw`), or `--format`. Without `--write` the transaction
 * is rolled back and a statement that writes is refused.
 *
 * @throws {InputError} For a database that does not exist, SQL SQLite
 * refuses, or a write without `--write`.
 *
 * @example Usage
 * ```ts
 * import { sqlCommand } from "./sql.ts";
 * import assert from "node:assert/strict";
 * const path = await Deno.makeTempFile({ suffix: ".db" });
 * let printed = "";
 * const output = {
 *   write: (p: Uint8Array) => (printed += new TextDecoder().decode(p), Promise.resolve(p.length)),
 *   isTerminal: () => false,
 * };
 * const io = { log: () => {}, error: () => {} };
 * await sqlCommand("SELECT 1 AS one, 'a,b' AS two", { db: `file:${path}` }, io, output);
 * assert.equal(printed, 'one,two\n1,"a,b"\n');
 * await assert.rejects(sqlCommand("CREATE TABLE t (a)", { db: `file:${path}` }, io, output), /read-only/);
 * await Deno.remove(path);
 * ```
 */
export async function sqlCommand(
  sql: string,
  flags: SqlFlags,
  io: Console,
  output: SqlOutput = Deno.stdout,
): Promise<number> {
  const statements = splitSql(sqlText(sql, "the SQL")).map((s) => s.sql);
  if (statements.length === 0) throw new InputError("No SQL statement given");
  const path = dbFilePath(flags.db);
  if (path !== undefined) {
    try {
      await Deno.stat(path);
    } catch {
      throw new InputError(`No database at ${resolve(path)}`);
    }
  }
  // --bom and --csv-raw are for CSV: they ask for it even on a terminal.
  const csvAsked = flags.bom || flags.csvRaw;
  const format = flags.format ?? (csvAsked || !output.isTerminal() ? "csv" : "table");
  const csv = csvOutput(format, flags);
  const client = openSqlClient(flags.db);
  try {
    const result = await client.query(statements, { write: flags.write ?? false });
    const encoder = new TextEncoder();
    const lines = result.columns.length > 0 ? formatRows(result, format, csv) : [];
    if (csv.bom) lines.unshift(BOM);
    for (let i = 0; i < lines.length; i += 1000) {
      await writeAll(output, encoder.encode(lines.slice(i, i + 1000).join("")));
    }
    if (format === "table" && result.columns.length > 0) {
      io.error(`(${result.rows.length} row${result.rows.length === 1 ? "" : "s"})`);
    }
    if (flags.write) io.error(`sluice: ${result.changes} rows changed`);
    return EXIT.ok;
  } finally {
    client.close();
  }
}

async function writeAll(output: SqlOutput, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length;) done += await output.write(bytes.subarray(done));
}
