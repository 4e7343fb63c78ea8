/**
 * A file given as the database that is not one (`--db queries.jsonl`):
 * bad input, the same on every try, not a database failure to retry.
 *
 * @module
 */
import { InputError } from "../errors.ts";

/**
 * The error to report when `error` says the file at `url` is not a SQLite
 * database; `undefined` for any other error.
 *
 * @example Usage
 * ```ts
 * import { notADatabase } from "./not_a_database.ts";
 * import assert from "node:assert/strict";
 * const error = notADatabase("file:q.jsonl", new Error("SQLITE_NOTADB: file is not a database"));
 * assert.match(error!.message, /^Cannot use file:q.jsonl as the database: the file is not a SQLite database/);
 * assert.equal(notADatabase("file:q.db", new Error("SQLITE_BUSY")), undefined);
 * ```
 */
export function notADatabase(url: string, error: unknown): InputError | undefined {
  if (!/SQLITE_NOTADB/.test(error instanceof Error ? error.message : String(error))) {
    return undefined;
  }
  return new InputError(
    `Cannot use ${url} as the database: the file is not a SQLite database (SQLITE_NOTADB)`,
    undefined,
    { cause: error },
  );
}
