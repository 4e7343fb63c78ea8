/**
 * SQL as the user gives it: the text itself, or `@file.sql`.
 *
 * @module
 */
import { resolve } from "node:path";
import { InputError } from "../errors.ts";

/**
 * SQL given as text, or as `@file.sql` (read from the working directory).
 *
 * @param value The text, or `@` and a file's path.
 * @param what What the SQL is, for the error (`--into`).
 * @throws {InputError} When the file cannot be read.
 *
 * @example Usage
 * ```ts
 * import { sqlText } from "./sql_text.ts";
 * import assert from "node:assert/strict";
 * assert.equal(sqlText("SELECT 1", "--into"), "SELECT 1");
 * assert.throws(() => sqlText("@no_such_file.sql", "--into"), /Cannot read --into from .*no_such_file\.sql/);
 * ```
 */
export function sqlText(value: string, what: string): string {
  if (!value.startsWith("@")) return value;
  const path = resolve(value.slice(1));
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "file not found" : String(error);
    throw new InputError(`Cannot read ${what} from ${path}: ${reason}`, undefined, {
      cause: error,
    });
  }
}
