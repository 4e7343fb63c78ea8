/**
 * `--db` as the user types it and as libSQL reads it.
 *
 * @module
 */

/**
 * The `--db` flag's converter: a URL is kept, a plain file path becomes a
 * `file:` URL (`out.db` means `file:out.db`).
 *
 * @example Usage
 * ```ts
 * import { dbUrl } from "./db_url.ts";
 * import assert from "node:assert/strict";
 * assert.equal(dbUrl("out.db"), "file:out.db");
 * assert.equal(dbUrl("libsql://db.example.com"), "libsql://db.example.com");
 * assert.equal(dbUrl(":memory:"), ":memory:");
 * ```
 */
export function dbUrl(value: string): string {
  return value === ":memory:" || /^[a-z][a-z0-9+.-]+:/i.test(value) ? value : `file:${value}`;
}
