/**
 * Opening a database the report commands (status, export, retry, process,
 * dashboard) read: it must already exist, as they have nothing to create.
 *
 * @module
 */
import { resolve } from "node:path";
import { dbFilePath } from "./db_url.ts";
import { InputError } from "../lib/errors.ts";
import { openStore, type Store } from "../lib/store/store.ts";

/**
 * Opens a database that must exist already: a missing file is bad input,
 * not a new empty database, reported with the absolute path looked at.
 *
 * @throws {InputError} When a `file:` database does not exist.
 *
 * @example Usage
 * ```ts
 * import { openExisting } from "./open_existing.ts";
 * import { InputError } from "../lib/errors.ts";
 * import assert from "node:assert/strict";
 * await assert.rejects(openExisting("file:/nonexistent/sluice.db"), InputError);
 * ```
 */
export async function openExisting(db: string): Promise<Store> {
  const path = dbFilePath(db);
  if (path !== undefined) {
    try {
      await Deno.stat(path);
    } catch {
      throw new InputError(`No database at ${resolve(path)}`);
    }
  }
  return await openStore(db);
}
