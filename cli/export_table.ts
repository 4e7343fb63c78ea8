/**
 * `sluice export --table NAME`: any table or view of the database, as JSON
 * lines or CSV, page by page.
 *
 * @module
 */
import { csvLines, type CsvOptions, jsonLines } from "./format_rows.ts";
import { openSqlClient } from "../lib/store/sql_client.ts";

/**
 * Writes every row of table or view `table` of database `db` through
 * `write`, as `format` (CSV with a header row, its fields as `csv` says).
 *
 * @throws {InputError} When there is no such table or view.
 *
 * @example Usage
 * ```ts
 * import { exportTable } from "./export_table.ts";
 * import { openSqlClient } from "../lib/store/sql_client.ts";
 * import assert from "node:assert/strict";
 * const path = await Deno.makeTempFile({ suffix: ".db" });
 * const db = openSqlClient(`file:${path}`);
 * await db.query(["CREATE TABLE hits (key TEXT, n INTEGER)", "INSERT INTO hits VALUES ('a', 1)"], {
 *   write: true,
 * });
 * db.close();
 * let text = "";
 * await exportTable(`file:${path}`, "hits", "csv", (t) => void (text += t));
 * assert.equal(text, "key,n\na,1\n");
 * await Deno.remove(path);
 * ```
 */
export async function exportTable(
  db: string,
  table: string,
  format: "jsonl" | "csv",
  write: (text: string) => void | Promise<void>,
  csv: CsvOptions = {},
): Promise<void> {
  const client = openSqlClient(db);
  try {
    let first = true;
    for await (const page of client.table(table)) {
      await write((format === "csv" ? csvLines(page, first, csv) : jsonLines(page)).join(""));
      first = false;
    }
  } finally {
    client.close();
  }
}
