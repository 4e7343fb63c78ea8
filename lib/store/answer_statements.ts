/**
 * What processing one answer runs in the database: the user's `--into`
 * statements with the answer's named parameters, and a processor's rows as
 * `INSERT OR REPLACE` statements into the declared tables. Plain data in,
 * statements out; nothing here runs them.
 *
 * @module
 */
import type { InStatement } from "../deps.ts";

/** A statement of the user's SQL (`--schema`, `--into`), named for messages. */
export interface UserStatement {
  /** One statement, without its `;`. */
  sql: string;
  /** How messages name it, e.g. `--into statement 2 (line 3)`. */
  label: string;
  /** The named parameters it uses, as written (`:key`, `$body`). */
  params: readonly string[];
}

/** Rows a processor returns for one answer: table name → rows, each a column → value object. */
export type TableRows = Record<string, readonly Record<string, unknown>[]>;

/** How a job's answers are processed into the user's tables, as the store runs it. */
export interface ProcessPlan {
  /** The job's name: the `:job` parameter. */
  job: string;
  /** Run for each answer, in order, with its parameters. */
  into: readonly UserStatement[];
  /** The tables a processor's rows may go to, each with its columns in order. */
  tables: ReadonlyMap<string, readonly string[]>;
  /**
   * Of those tables, the columns of INTEGER, REAL or NUMERIC affinity, which
   * SQLite turns digits beyond 64 bits into a float in: a bigint beyond 64
   * bits for one fails its answer instead.
   *
   * @default {undefined} (none known)
   */
  numeric?: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * The check of `into` and of the rows' statements, kept while they run
   * (`SchemaPin` in sql_sandbox.ts): a statement that fails with "malformed
   * JSON" unless the schema is the one checked, to begin each write with,
   * and the check again once it failed.
   *
   * @default {undefined} (statements a caller checked itself)
   */
  pin?: { statement(): { sql: string; args: number[] }; refresh(): Promise<void> };
}

/** One 2xx answer to process, with what its item knows. */
export interface ProcessAnswer {
  /** The item's row id. */
  id: number;
  /** The query's key: `:key`. */
  key: string;
  /** The page of the query's answers (`--next`): `:page`. @default {1} */
  page?: number;
  /** The query's variables as JSON text: `:vars`. */
  vars: string;
  /** The answer's HTTP status: `:status`. */
  status: number | null;
  /** The URL that answered, after redirects: `:url`. */
  url: string | null;
  /** When it was answered (epoch ms): `:at`. */
  at: number;
  /** The answer's body: `:body`, TEXT, or a BLOB when its bytes are not text. */
  body: string | Uint8Array | null;
  /** The rows a processor returned for it. */
  rows?: TableRows;
  /** Why the processor failed for it: the item fails with class `process`. */
  error?: string;
}

/** The named parameters `--into` may use, and where each comes from. */
export const ANSWER_PARAMS = ["key", "page", "job", "status", "url", "at", "vars", "body"] as const;

/** The statements of one answer and, in the same order, how messages name each. */
export interface AnswerStatements {
  /** The statements, in the order they run. */
  statements: InStatement[];
  /** Each statement's name for messages. */
  labels: string[];
  /**
   * How many of the statements, at the end, write a processor's rows: each
   * a {@linkcode rowsInsertSql} whose one argument is the rows as JSON, so
   * that the rows of many answers can go in one statement per table.
   */
  inserts: number;
}

/**
 * The statements that process `answer` under `plan`.
 *
 * @throws {Error} When a processor's rows name a table or column the plan does not have.
 *
 * @example Usage
 * ```ts
 * import { answerStatements } from "./answer_statements.ts";
 * import assert from "node:assert/strict";
 * const plan = {
 *   job: "j",
 *   into: [{ sql: "INSERT INTO seen VALUES (:key, :job)", label: "--into", params: [":key", ":job"] }],
 *   tables: new Map([["hits", ["key", "title"]]]),
 * };
 * const answer = {
 *   id: 1, key: "a", vars: "{}", status: 200, url: null, at: 0, body: "{}",
 *   rows: { hits: [{ key: "a", title: "t" }] },
 * };
 * const { statements } = answerStatements(plan, answer);
 * assert.deepEqual(statements[0], {
 *   sql: "INSERT INTO seen VALUES (:key, :job)",
 *   args: { ":key": "a", ":job": "j" },
 * });
 * assert.deepEqual((statements[1] as { args: unknown[] }).args, ['[["a","t"]]']);
 * ```
 */
export function answerStatements(plan: ProcessPlan, answer: ProcessAnswer): AnswerStatements {
  const statements: InStatement[] = [];
  const labels: string[] = [];
  for (const statement of plan.into) {
    const args: Record<string, string | number | Uint8Array | null> = {};
    for (const param of statement.params) args[param] = paramValue(plan, answer, param.slice(1));
    statements.push({ sql: statement.sql, args });
    labels.push(statement.label);
  }
  for (const [table, rows] of Object.entries(answer.rows ?? {})) {
    const columns = plan.tables.get(table);
    if (!columns) {
      throw new Error(
        `rows for table "${table}", which the processor does not declare ` +
          `(tables: ${[...plan.tables.keys()].join(", ") || "none"})`,
      );
    }
    if (!Array.isArray(rows)) throw new Error(`rows for table "${table}" are not an array`);
    if (rows.length === 0) continue;
    statements.push({
      sql: rowsInsertSql(table, columns),
      args: [JSON.stringify(rows.map((row) => rowTuple(table, columns, row, plan.numeric)))],
    });
    labels.push(`rows for table "${table}"`);
  }
  return { statements, labels, inserts: statements.length - plan.into.length };
}

/**
 * The statement that writes rows into `table`: its one parameter is a JSON
 * array of rows, each an array of values in the order of `columns`. A row
 * whose key is there already replaces it, so writing an answer's rows again
 * adds nothing twice when the table has a key.
 *
 * @example Usage
 * ```ts
 * import { rowsInsertSql } from "./answer_statements.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   rowsInsertSql("hits", ["key", "title"]),
 *   'INSERT OR REPLACE INTO "hits" ("key", "title") SELECT value ->> 0, value ->> 1 FROM json_each(?)',
 * );
 * ```
 */
export function rowsInsertSql(table: string, columns: readonly string[]): string {
  return `INSERT OR REPLACE INTO ${quoteName(table)} (${columns.map(quoteName).join(", ")}) ` +
    `SELECT ${columns.map((_, i) => `value ->> ${i}`).join(", ")} FROM json_each(?)`;
}

/**
 * A name quoted for SQL: `"name"`, inner quotes doubled.
 *
 * @example Usage
 * ```ts
 * import { quoteName } from "./answer_statements.ts";
 * import assert from "node:assert/strict";
 * assert.equal(quoteName('my "hits"'), '"my ""hits"""');
 * ```
 */
export function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function paramValue(plan: ProcessPlan, answer: ProcessAnswer, name: string) {
  switch (name) {
    case "key":
      return answer.key;
    case "page":
      return answer.page ?? 1;
    case "job":
      return plan.job;
    case "status":
      return answer.status;
    case "url":
      return answer.url;
    case "at":
      return answer.at;
    case "vars":
      return answer.vars;
    case "body":
      return answer.body;
  }
  // Checked before anything ran (see lib/process/answer_sql.ts); a bug if seen here.
  throw new TypeError(`Cannot bind parameter :${name}: it is not an answer's field`);
}

/** SQLite's INTEGER range. */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** `JSON.rawJSON`, which V8 has and TypeScript's library does not declare yet. */
const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** A row as a JSON array in column order: `->>` reads each value back as SQLite's own. */
function rowTuple(
  table: string,
  columns: readonly string[],
  row: unknown,
  numeric: ProcessPlan["numeric"],
): unknown[] {
  if (typeof row !== "object" || row === null || Array.isArray(row)) {
    throw new Error(`a row for table "${table}" is not an object: ${JSON.stringify(row)}`);
  }
  const values = row as Record<string, unknown>;
  for (const name of Object.keys(values)) {
    if (!columns.includes(name)) {
      throw new Error(
        `a row for table "${table}" has column "${name}", which the table does not have ` +
          `(columns: ${columns.join(", ")})`,
      );
    }
  }
  return columns.map((name) => {
    const value = values[name];
    if (value === undefined) return null;
    if (typeof value === "bigint") {
      // JSON has no 64-bit integers: the digits go as they are, ->> reads an INTEGER.
      if (value >= INT64_MIN && value <= INT64_MAX) return rawJson(value.toString());
      // Beyond SQLite's 64 bits ->> would read a float: the digits go as text.
      if (numeric?.get(table)?.has(name)) {
        throw new Error(
          `column "${name}" of table "${table}" is ${value}, beyond SQLite's 64-bit integers, ` +
            `and its type would store it as a float: declare the column TEXT to keep its digits`,
        );
      }
      return value.toString();
    }
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new Error(`column "${name}" of table "${table}" is ${value}, which SQL cannot store`);
    }
    if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
      throw new Error(`column "${name}" of table "${table}" is binary; store it as text`);
    }
    return value;
  });
}
