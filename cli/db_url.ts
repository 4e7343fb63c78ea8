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

/**
 * The path of a local database file, read from its URL as libSQL reads it:
 * `file:rel.db`, `file:/abs.db`, `file:///abs.db` and `file://localhost/abs.db`,
 * percent-decoded, without `?query` or `#fragment`. `undefined` for a
 * database that is not a local file (a server, `:memory:`), and for a
 * `file:` URL naming another host or with a bad `%` escape, which libSQL
 * refuses with its own message.
 *
 * @example Usage
 * ```ts
 * import { dbFilePath } from "./db_url.ts";
 * import assert from "node:assert/strict";
 * assert.equal(dbFilePath("file:out.db"), "out.db");
 * assert.equal(dbFilePath("file:///srv/my%20data.db"), "/srv/my data.db");
 * assert.equal(dbFilePath("libsql://db.example.com"), undefined);
 * ```
 */
export function dbFilePath(url: string): string | undefined {
  const match = /^file:(?:\/\/([^/?#]*))?([^?#]*)/i.exec(url);
  if (!match) return undefined;
  const [, host, path = ""] = match;
  if (host !== undefined && host !== "" && host.toLowerCase() !== "localhost") return undefined;
  if (path === ":memory:") return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  // `file:///C:/data.db` names `C:/data.db` on Windows.
  return /^\/[A-Za-z]:\//.test(decoded) ? decoded.slice(1) : decoded;
}
