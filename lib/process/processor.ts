/**
 * Processor modules: for logic SQL cannot express, a module whose default
 * export declares its tables and turns each 2xx answer into rows per table.
 * sluice writes the rows (`INSERT OR REPLACE`) in the transaction that
 * stores the answer and marks its item done.
 *
 * ```ts ignore
 * import type { Processor } from "sluice/lib/mod.ts";
 * export default {
 *   tables: {
 *     hits: { columns: { key: "TEXT", rank: "INTEGER", title: "TEXT" }, key: ["key", "rank"] },
 *   },
 *   process(answer) {
 *     const results = (answer.body as { results: { rank: number; title: string }[] }).results;
 *     return { hits: results.map((r) => ({ key: answer.key, rank: r.rank, title: r.title })) };
 *   },
 * } satisfies Processor;
 * ```
 *
 * @module
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { InputError } from "../errors.ts";
import type { NextRequest } from "../job/next_spec.ts";
import { protectedName } from "../store/sluice_tables.ts";
import { isRecord } from "../util/is_record.ts";

/** One 2xx answer, as a processor receives it. */
export interface ProcessorAnswer {
  /** The query's key (its `id`, or a hash of its fields). */
  key: string;
  /**
   * The page of the query's answers this is, from 1 (see `--next`); sluice
   * always gives it.
   *
   * @default {1}
   */
  page?: number;
  /** The HTTP status. */
  status: number;
  /**
   * The body parsed as JSON, or its text when it is not JSON, or its bytes (a
   * `Uint8Array`) when they are not text (not valid in the declared charset,
   * or holding a NUL).
   */
  body: unknown;
  /** The body as received, when it is text; null without a body or when `body` holds its bytes. */
  text: string | null;
  /** The kept response headers (pacing and content headers), lower-case names. */
  headers: Record<string, string>;
  /** The URL that answered, after redirects. */
  url: string | null;
  /** When the answer came (epoch ms). */
  at: number;
}

/** A table a processor writes: its columns and key, created if missing. */
export interface TableDeclaration {
  /** Column name → SQL type and constraints (`"TEXT NOT NULL"`), in order. */
  columns: Record<string, string>;
  /**
   * The primary key's columns. A row whose key is there already replaces
   * it, so processing an answer again adds nothing twice.
   *
   * @default {undefined} (no key: every processing of an answer adds its rows)
   */
  key?: string[];
}

/**
 * Rows per table: table name → rows, each an object of column → value.
 * With pages (`--next`), `next` (when it is not a list of rows) names the
 * query's next page instead of the spec: `{ url }`, `{ vars }` (over the
 * query's), `{ cursor }` (for `{{page.cursor}}`), or null for none.
 */
export type ProcessorRows = {
  [table: string]: Record<string, unknown>[] | NextRequest | null | undefined;
  next?: Record<string, unknown>[] | NextRequest | null;
};

/**
 * A processor module's default export. Values go into SQLite as they are:
 * strings, numbers, booleans (1 and 0), null; objects and arrays as JSON
 * text; bigints as integers, or beyond SQLite's 64 bits as their exact
 * digits in text (in an INTEGER, REAL or NUMERIC column, where SQLite would
 * make them a float, the item fails instead). A query's numbers beyond 2^53
 * come as `JSON.rawJSON` objects (their exact text).
 */
export interface Processor {
  /** The tables it writes, created if missing (`CREATE TABLE IF NOT EXISTS`). */
  tables?: Record<string, TableDeclaration>;
  /**
   * SQL run when the job starts, like `--schema`: for tables it creates
   * itself, whose columns are then read from the database.
   */
  schema?: string;
  /**
   * Turns one 2xx answer and its query into rows per table (nothing for
   * none). Throwing fails the item (class `process`, the error's message).
   */
  process(
    answer: ProcessorAnswer,
    query: Record<string, unknown>,
  ): ProcessorRows | undefined | Promise<ProcessorRows | undefined>;
}

/**
 * Loads a processor module (resolved from the working directory) and
 * checks its default export; a processor given as an object is checked.
 *
 * @throws {InputError} When the module does not load or its default export is not a processor.
 *
 * @example Usage
 * ```ts
 * import { loadProcessor } from "./processor.ts";
 * import assert from "node:assert/strict";
 * const processor = await loadProcessor({ tables: { t: { columns: { a: "TEXT" } } }, process: () => ({}) });
 * assert.deepEqual(Object.keys(processor.tables!), ["t"]);
 * await assert.rejects(loadProcessor("./no_such_processor.ts"), /Cannot load processor/);
 * ```
 */
export async function loadProcessor(processor: string | Processor): Promise<Processor> {
  if (typeof processor !== "string") return checkProcessor(processor, "processor");
  const url = pathToFileURL(resolve(processor)).href;
  let module: Record<string, unknown>;
  try {
    module = await import(url);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new InputError(`Cannot load processor ${processor}: ${reason}`, undefined, {
      cause: error,
    });
  }
  return checkProcessor(module.default, processor);
}

function checkProcessor(value: unknown, source: string): Processor {
  const bad = (what: string) => new InputError(`Cannot use processor ${source}: ${what}`);
  if (!isRecord(value) || typeof value.process !== "function") {
    throw bad("its default export needs a process(answer, query) function");
  }
  const { tables, schema } = value;
  if (schema !== undefined && typeof schema !== "string") throw bad("schema is not a string");
  if (tables === undefined && schema === undefined) {
    throw bad("it declares no tables (tables: { name: { columns: {...} } }) and no schema");
  }
  if (tables !== undefined && !isRecord(tables)) throw bad("tables is not an object");
  for (const [name, table] of Object.entries(tables ?? {})) {
    // SQLite takes "" as a name; a table no query can name well is a slip.
    if (name === "") throw bad('table "" has no name: name it (tables: { name: {...} })');
    // Compared as SQLite compares names: "ITEMS" is sluice's items.
    const own = protectedName(name);
    if (own) throw bad(`table "${name}" is the name of ${own}`);
    if (!isRecord(table) || !isRecord(table.columns)) {
      throw bad(`table "${name}" needs columns: { name: "TYPE", ... }`);
    }
    const columns = Object.entries(table.columns);
    if (columns.length === 0) throw bad(`table "${name}" has no columns`);
    for (const [column, type] of columns) {
      if (typeof type !== "string") throw bad(`column "${column}" of "${name}" has no SQL type`);
    }
    const key = table.key;
    if (key !== undefined) {
      if (!Array.isArray(key) || key.length === 0) throw bad(`key of "${name}" is not a list`);
      const missing = key.filter((k) => !Object.hasOwn(table.columns as object, String(k)));
      if (missing.length > 0) throw bad(`key of "${name}" names no column ${missing.join(", ")}`);
    }
  }
  return value as unknown as Processor;
}
