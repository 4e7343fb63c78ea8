/**
 * `--db` as the user types it and as libSQL reads it, and the databases a
 * command refuses because they keep nothing once sluice exits.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { InputError } from "../lib/errors.ts";

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

/**
 * Why a database URL keeps nothing once sluice exits, as libSQL (and SQLite
 * under it) would open it: an empty path (`--db ""` from an unset variable,
 * `file:`, `file://`) is a temporary file deleted on close; `:memory:`,
 * `file::memory:` (any case, percent-encoded or not) and a SQLite URI with
 * `mode=memory` or `vfs=memdb` live in memory. A path with a NUL byte is
 * refused too: libSQL aborts the process on it. `undefined` for a database
 * that keeps its data (a file, a server).
 *
 * @example Usage
 * ```ts
 * import { throwawayReason } from "./db_url.ts";
 * import assert from "node:assert/strict";
 * assert.equal(throwawayReason("file:sluice.db"), undefined);
 * assert.equal(throwawayReason("libsql://db.example.com"), undefined);
 * assert.match(throwawayReason("file:")!, /temporary/);
 * assert.match(throwawayReason(":memory:")!, /in memory/);
 * ```
 */
export function throwawayReason(url: string): string | undefined {
  if (url === ":memory:") return MEMORY;
  const match = /^file:(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?/i.exec(url);
  if (!match) return undefined;
  const [, host, encoded = "", query = ""] = match;
  // Another host is not a local file: libSQL refuses it with its own message.
  if (host !== undefined && host !== "" && host.toLowerCase() !== "localhost") return undefined;
  let path: string;
  try {
    path = decodeURIComponent(encoded);
  } catch {
    return undefined; // a bad escape: libSQL's message says so
  }
  if (path.includes("\0")) return "a path with a NUL byte cannot name a file";
  const params = new URLSearchParams(query);
  if (path === ":memory:" || params.get("mode") === "memory" || params.get("vfs") === "memdb") {
    return MEMORY;
  }
  if (path === "") return TEMPORARY;
  // A path that is itself a `file:` URI is read by SQLite as one.
  return /^file:/i.test(path) ? throwawayReason(path) : undefined;
}

const MEMORY = "a database in memory is gone when sluice exits";
const TEMPORARY =
  "an empty path is a temporary database, deleted when sluice exits (is a variable unset?)";

/**
 * The `--db` flag's converter for the commands that keep or read a
 * database: {@linkcode dbUrl}, refusing a database that keeps nothing
 * ({@linkcode throwawayReason}): a run on one would send every request and
 * lose every answer; a report over one would report nothing. Refused too:
 * one libSQL cannot open ({@linkcode unopenableReason}), and a name with
 * white space around it, surely a typo (libSQL would make a file so named).
 *
 * @throws {InputError} Naming `--db`, the value and why.
 *
 * @example Usage
 * ```ts
 * import { keptDbUrl } from "./db_url.ts";
 * import assert from "node:assert/strict";
 * assert.equal(keptDbUrl("out.db"), "file:out.db");
 * assert.throws(() => keptDbUrl(""), /^InputError: Cannot use --db '' as the database: an empty path/);
 * assert.throws(() => keptDbUrl("out.db "), /^InputError: Cannot use --db 'out.db ' as the database: it begins or ends with white space/);
 * ```
 */
export function keptDbUrl(value: string): string {
  const url = dbUrl(value);
  refuseDb(value, spacedReason(value, url) ?? throwawayReason(url) ?? unopenableReason(url));
  return url;
}

/**
 * The `--db` of `sluice demo`: {@linkcode dbUrl}, refusing only the slips of
 * white space {@linkcode keptDbUrl} refuses (a demo may run on `:memory:`).
 *
 * @throws {InputError} When `value` is only white space or begins or ends with it.
 *
 * @example Usage
 * ```ts
 * import { demoDbUrl } from "./db_url.ts";
 * import assert from "node:assert/strict";
 * assert.equal(demoDbUrl(":memory:"), ":memory:");
 * assert.throws(() => demoDbUrl(" "), /^InputError: Cannot use --db ' ' as the database: it is only white space/);
 * ```
 */
export function demoDbUrl(value: string): string {
  const url = dbUrl(value);
  refuseDb(value, spacedReason(value, url));
  return url;
}

function refuseDb(value: string, reason: string | undefined): void {
  if (reason === undefined) return;
  throw new InputError(
    `Cannot use --db '${value}' as the database: ${reason}; ` +
      "name a file (--db file:sluice.db) or a libSQL server",
  );
}

/**
 * Why a `--db` is surely a slip: only white space (`--db " "`, an unset
 * variable in quotes with a space), or a name or file path that begins or
 * ends with it (`--db "out.db "`, `--db "file: out.db"`). libSQL would make a
 * file of that name.
 */
function spacedReason(value: string, url: string): string | undefined {
  if (value.trim() === "" && value !== "") return "it is only white space (is a variable unset?)";
  const path = dbFilePath(url) ?? "";
  if (value !== value.trim() || path !== path.trim()) {
    return "it begins or ends with white space (a typo?)";
  }
  return undefined;
}

/** The URL schemes libSQL's client opens. */
const LIBSQL_SCHEMES = ["file:", "libsql:", "http:", "https:", "ws:", "wss:"];

/**
 * Why libSQL cannot open a database URL, found before it tries (its own
 * messages say `ConnectionFailed(... 14)` or `Invalid URL`): a scheme it does
 * not speak (`postgres://`), a server URL with no host, a file path that is
 * a folder or in a folder that does not exist. `undefined` when it may open.
 *
 * @example Usage
 * ```ts
 * import { unopenableReason } from "./db_url.ts";
 * import assert from "node:assert/strict";
 * assert.equal(unopenableReason("file:sluice.db"), undefined);
 * assert.match(unopenableReason("file:/")!, /is a folder/);
 * assert.match(unopenableReason("file:/no/such/folder/x.db")!, /there is no folder \/no\/such\/folder/);
 * assert.match(unopenableReason("postgres://db.example.com/x")!, /libSQL opens/);
 * ```
 */
export function unopenableReason(url: string): string | undefined {
  const path = dbFilePath(url);
  if (path !== undefined) return fileProblem(path);
  if (url === ":memory:" || /^file:/i.test(url)) return undefined; // libSQL's own message
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0].toLowerCase() ?? "";
  if (!LIBSQL_SCHEMES.includes(scheme)) {
    return `libSQL opens ${LIBSQL_SCHEMES.join(", ")} URLs, not ${scheme}`;
  }
  if (!URL.canParse(url) || new URL(url).host === "") return `${url} names no server`;
  return undefined;
}

/** Why a database file cannot be at `path`: a folder there, or no folder for it. */
function fileProblem(path: string): string | undefined {
  const stat = (p: string) => {
    try {
      return Deno.statSync(p);
    } catch {
      return undefined;
    }
  };
  const found = stat(path);
  if (found) return found.isDirectory ? `${resolve(path)} is a folder` : undefined;
  const folder = stat(dirname(resolve(path)));
  if (folder === undefined) return `there is no folder ${dirname(resolve(path))}`;
  return folder.isDirectory ? undefined : `${dirname(resolve(path))} is not a folder`;
}
