/**
 * The names the user's SQL may read but never write: sluice's own tables
 * and indexes, read from the migrations themselves (a table a later
 * migration adds is protected without anyone listing it), and SQLite's
 * `sqlite_*` tables.
 *
 * @module
 */
import { MIGRATIONS } from "./migrations.ts";
import { foldName, sqlTokens } from "./sql_tokens.ts";

/** The objects every `CREATE TABLE` or `CREATE INDEX` of the migrations makes, by kind. */
function created(kind: "TABLE" | "INDEX"): string[] {
  const names: string[] = [];
  for (const sql of MIGRATIONS.flat()) {
    const words = sqlTokens(sql);
    const at = words.findIndex((t) => t.kind === "word" && t.value.toUpperCase() === kind);
    if (at < 0 || words[0]?.value.toUpperCase() !== "CREATE") continue;
    let i = at + 1;
    if (words[i]?.value.toUpperCase() === "IF") i += 3; // IF NOT EXISTS
    names.push(foldName(words[i]!.value));
  }
  return names;
}

/** sluice's own tables, which the user's SQL and processors never write. */
export const SLUICE_TABLES: readonly string[] = created("TABLE");

/** sluice's own indexes. */
export const SLUICE_INDEXES: readonly string[] = created("INDEX");

/**
 * Why the user's SQL may not write or create an object named `name`
 * (compared as SQLite compares names), or undefined when it may.
 *
 * @example Usage
 * ```ts
 * import { protectedName } from "./sluice_tables.ts";
 * import assert from "node:assert/strict";
 * assert.equal(protectedName("ITEMS"), `sluice's own table "items"`);
 * assert.equal(protectedName("sqlite_master"), `SQLite's own table "sqlite_master"`);
 * assert.equal(protectedName("hits"), undefined);
 * ```
 */
export function protectedName(name: string): string | undefined {
  const folded = foldName(name);
  if (SLUICE_TABLES.includes(folded)) return `sluice's own table "${folded}"`;
  if (SLUICE_INDEXES.includes(folded)) return `sluice's own index "${folded}"`;
  if (folded.startsWith("sqlite_")) return `SQLite's own table "${folded}"`;
  return undefined;
}
