/**
 * The user's own tables beside sluice's: checking and running `--schema`,
 * checking `--into`, the columns a processor's rows go to, and processing
 * answers already stored again (`sluice process`).
 *
 * Every write here is one `batch()` (see write_in_chunks.ts for why); a
 * check is a batch that ends with a statement that always fails, so that
 * nothing it ran is kept. The user's statements run in the SQL sandbox
 * (sql_sandbox.ts): checked before they run, and kept to the schema they
 * were checked against while they run.
 *
 * @module
 */
import type { InStatement } from "../deps.ts";
import { StoreError } from "../errors.ts";
import { bodyOfColumn } from "../util/stored_body.ts";
import {
  type ProcessAnswer,
  type ProcessPlan,
  rowsInsertSql,
  type UserStatement,
} from "./answer_statements.ts";
import type { Executor } from "./connection.ts";
import { reprocessAnswers, type Reprocessed } from "./reprocess_answers.ts";
import { SLUICE_TABLES } from "./sluice_tables.ts";
import { checkAll, type ReadSql, type SandboxedStatement, SchemaPin } from "./sql_sandbox.ts";
import { sqliteMessage } from "./write_in_chunks.ts";

export type { Reprocessed } from "./reprocess_answers.ts";

export { SLUICE_TABLES } from "./sluice_tables.ts";

/** A statement the database refused when checked: which one, and SQLite's message. */
export interface RefusedStatement {
  /** The statement's name, e.g. `--into statement 2 (line 3)`. */
  label: string;
  /** The statement's text. */
  sql: string;
  /** SQLite's message. */
  message: string;
}

/** A stored answer to process again, from {@linkcode UserTableRepository.storedAnswers}. */
export interface StoredAnswer extends ProcessAnswer {
  /** The answer's kept headers, as JSON text. */
  headers: string | null;
}

/** The message of the statement that ends a check: it always fails, so the check is rolled back. */
const CHECK_END = "sluice: check done";
/** Errors of a statement that prepared and then met values it refuses (NULLs, in a check). */
const FAILS_ON_VALUES =
  /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG)|malformed JSON|JSON path|integer overflow/;

/**
 * The user's tables.
 *
 * @example Usage
 * ```ts
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const schema = [{ sql: "CREATE TABLE hits (key TEXT PRIMARY KEY)", label: "--schema", params: [] }];
 * const into = [{ sql: "INSERT INTO hitz VALUES (:key)", label: "--into", params: [":key"] }];
 * await assert.rejects(store.tables.check(schema, into), /--into: no such table: hitz/);
 * const spoil = [{ sql: "DELETE FROM responses", label: "--into", params: [] }];
 * await assert.rejects(store.tables.check(schema, spoil), /sluice's own table "responses"/);
 * assert.deepEqual(await store.tables.columns("hits"), []); // the checks changed nothing
 * await store.tables.applySchema(schema);
 * assert.deepEqual(await store.tables.columns("hits"), ["key"]);
 * store.close();
 * ```
 */
export class UserTableRepository {
  readonly #db: Executor;

  /** Runs its statements on `db`. */
  constructor(db: Executor) {
    this.#db = db;
  }

  /**
   * Checks `schema`, `into` and the statements of a processor's rows into
   * `tables` in the SQL sandbox, on a copy of the schema; then runs
   * `schema`, each of `into` with every parameter NULL and an empty row
   * list into each of `tables`, and rolls it all back. Resolves with the
   * first statement the database refused, or undefined when every one is
   * fine. A statement that prepares but fails on NULLs (a NOT NULL
   * constraint...) is fine: only answers can tell.
   *
   * @throws {InputError} When a statement breaks a rule of the sandbox or
   * does not compile against the schema.
   */
  async check(
    schema: readonly UserStatement[],
    into: readonly UserStatement[],
    tables: ReadonlyMap<string, readonly string[]> = new Map(),
  ): Promise<RefusedStatement | undefined> {
    await checkAll(this.#read, this.#db.url, [
      ...sandboxed(schema, "write"),
      ...sandboxed([...into, ...rowStatements(tables)], "per_answer"),
    ]);
    let statements: (UserStatement & { args: Exclude<InStatement, string>["args"] })[] = [
      ...into.map((s) => ({ ...s, args: Object.fromEntries(s.params.map((p) => [p, null])) })),
      ...[...tables].map(([name, columns]) => ({
        sql: rowsInsertSql(name, columns),
        label: `the processor's rows for "${name}"`,
        params: [],
        args: ["[]"],
      })),
    ];
    for (;;) {
      const batch: InStatement[] = [
        ...schema.map((s) => s.sql),
        ...statements.map(({ sql, args }) => ({ sql, args })),
        `SELECT json('${CHECK_END}')`,
      ];
      try {
        await this.#db.batch(batch, "check the processing SQL");
      } catch (error) {
        const cause = error instanceof StoreError ? error.cause : error;
        const { statementIndex, code, message } = (cause ?? {}) as Record<string, unknown>;
        if (typeof statementIndex !== "number") throw error;
        if (statementIndex === batch.length - 1) return undefined; // everything before it ran
        const text = sqliteMessage(String(message));
        const k = statementIndex - schema.length;
        if (k >= 0 && FAILS_ON_VALUES.test(`${code} ${text}`)) {
          statements = statements.slice(k + 1); // it prepared; the ones after it are left
          continue;
        }
        const refused = k < 0 ? schema[statementIndex]! : statements[k]!;
        return { label: refused.label, sql: refused.sql, message: text };
      }
      throw new StoreError(`Database ${this.#db.url} committed a check that must roll back`);
    }
  }

  /**
   * Runs `schema` in one transaction, checked in the SQL sandbox against
   * the schema it runs on.
   *
   * @throws {InputError} When a statement breaks a rule of the sandbox.
   */
  async applySchema(schema: readonly UserStatement[]): Promise<void> {
    if (schema.length === 0) return;
    const pin = await SchemaPin.create(this.#read, this.#db.url, sandboxed(schema, "write"));
    for (let attempt = 1;; attempt++) {
      try {
        await this.#db.batch([pin.statement(), ...schema.map((s) => s.sql)], "run --schema");
        return;
      } catch (error) {
        // Another connection changed the schema since the check: checked again.
        const cause = error instanceof StoreError ? error.cause : error;
        if ((cause as { statementIndex?: unknown })?.statementIndex !== 0 || attempt > 3) {
          throw error;
        }
        await pin.refresh();
      }
    }
  }

  /**
   * The check of `into` and of a processor's rows into `tables` in the SQL
   * sandbox, kept while they run (see {@linkcode SchemaPin}).
   *
   * @throws {InputError} When a statement breaks a rule of the sandbox.
   */
  pin(
    into: readonly UserStatement[],
    tables: ReadonlyMap<string, readonly string[]>,
  ): Promise<NonNullable<ProcessPlan["pin"]>> {
    return SchemaPin.create(
      this.#read,
      this.#db.url,
      sandboxed([...into, ...rowStatements(tables)], "per_answer"),
    );
  }

  /** Reads the schema, for the sandbox. */
  readonly #read: ReadSql = (statement) => this.#db.execute(statement, "read the schema");

  /** The columns of a table or view, in order; none when there is no such table. */
  async columns(table: string): Promise<string[]> {
    const rs = await this.#db.execute(
      { sql: "SELECT name FROM pragma_table_info(?) ORDER BY cid", args: [table] },
      "read a table's columns",
    );
    return rs.rows.map((r) => String(r[0]));
  }

  /**
   * Of `tables`, the columns whose declared type gives them INTEGER, REAL or
   * NUMERIC affinity, by SQLite's rules in their order: INT in the type;
   * else not CHAR, CLOB, TEXT, BLOB, nor an empty type.
   */
  async numericColumns(tables: Iterable<string>): Promise<Map<string, Set<string>>> {
    const rs = await this.#db.execute({
      sql: `SELECT t.value, p.name FROM json_each(?) t, pragma_table_info(t.value) p
            WHERE CASE WHEN upper(p.type) LIKE '%INT%' THEN 1
                       WHEN upper(p.type) LIKE '%CHAR%' OR upper(p.type) LIKE '%CLOB%'
                         OR upper(p.type) LIKE '%TEXT%' OR upper(p.type) LIKE '%BLOB%'
                         OR p.type = '' THEN 0
                       ELSE 1 END`,
      args: [JSON.stringify([...tables])],
    }, "read column types");
    const numeric = new Map<string, Set<string>>();
    for (const [table, column] of rs.rows.map((r) => [String(r[0]), String(r[1])] as const)) {
      numeric.set(table, (numeric.get(table) ?? new Set()).add(column));
    }
    return numeric;
  }

  /** Every table that is not sluice's own, with its columns. */
  async userTables(): Promise<Map<string, string[]>> {
    const rs = await this.#db.execute({
      sql:
        `SELECT m.name, json_group_array(p.name) FROM sqlite_schema m, pragma_table_info(m.name) p
            WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%'
              AND m.name NOT IN (SELECT value FROM json_each(?))
            GROUP BY m.name ORDER BY m.name`,
      args: [JSON.stringify(SLUICE_TABLES)],
    }, "list tables");
    return new Map(rs.rows.map((r) => [String(r[0]), JSON.parse(String(r[1])) as string[]]));
  }

  /**
   * The fields of a job's queries, as `sluice export --format csv` makes
   * columns of them: nested objects' fields dotted (`filter.lang`), arrays
   * whole, in the order they first appear.
   */
  async queryFields(jobId: number): Promise<string[]> {
    const rs = await this.#db.execute({
      sql: `SELECT j.fullkey FROM items i, json_tree(i.vars) j
            WHERE i.job = ? AND j.type != 'object' AND j.parent IS NOT NULL
              AND typeof(j.key) != 'integer' AND j.path NOT LIKE '%[%'
            GROUP BY j.fullkey ORDER BY min(i.id), min(j.id)`,
      args: [jobId],
    }, "list query fields");
    const names = rs.rows.map((r) =>
      [...String(r[0]).matchAll(/\.(?:"([^"]*)"|([^."[]+))/g)].map((m) => m[1] ?? m[2]).join(".")
    );
    return [...new Set(names)];
  }

  /**
   * A page of a job's stored 2xx answers to process again, after item id
   * `after`: items done, or failed because processing failed, each with its
   * final response.
   */
  async storedAnswers(jobId: number, after: number, limit: number): Promise<StoredAnswer[]> {
    const rs = await this.#db.execute({
      sql: `SELECT i.id, i.key, i.vars, r.status, r.url, r.at, r.body, r.headers, i.page
            FROM items i JOIN responses r ON r.item = i.id AND r.attempt =
              (SELECT max(attempt) FROM responses WHERE item = i.id)
            WHERE i.job = ? AND i.id > ?
              AND (i.status = 'done' OR (i.status = 'failed' AND i.error_class = 'process'))
              AND r.status BETWEEN 200 AND 299
            ORDER BY i.id LIMIT ?`,
      args: [jobId, after, limit],
    }, "read stored answers");
    return rs.rows.map((r) => ({
      id: Number(r[0]),
      key: String(r[1]),
      vars: String(r[2]),
      status: Number(r[3]),
      url: r[4] === null ? null : String(r[4]),
      at: Number(r[5]),
      body: bodyOfColumn(r[6]),
      headers: r[7] === null ? null : String(r[7]),
      page: Number(r[8]),
    }));
  }

  /** How many stored answers {@linkcode storedAnswers} pages through. */
  async countStoredAnswers(jobId: number): Promise<number> {
    const rs = await this.#db.execute({
      sql: `SELECT count(*) FROM items i
            WHERE i.job = ?
              AND (i.status = 'done' OR (i.status = 'failed' AND i.error_class = 'process'))`,
      args: [jobId],
    }, "count stored answers");
    return Number(rs.rows[0]?.[0] ?? 0);
  }

  /**
   * Processes stored answers again under `plan`: each item's rows and its
   * new state in one transaction. An item whose answer now processes is
   * done (a `process` failure cleared); one whose processing fails is failed
   * with class `process`. Items that changed meanwhile (re-queued by
   * `retry`) are left alone. See {@linkcode reprocessAnswers}.
   */
  reprocess(
    answers: readonly ProcessAnswer[],
    plan: ProcessPlan,
    now: number,
  ): Promise<Reprocessed> {
    return reprocessAnswers(this.#db, answers, plan, now);
  }
}

/** The statements that write a processor's rows into `tables`. */
function rowStatements(tables: ReadonlyMap<string, readonly string[]>): UserStatement[] {
  return [...tables].map(([name, columns]) => ({
    sql: rowsInsertSql(name, columns),
    label: `the processor's rows for "${name}"`,
    params: [],
  }));
}

function sandboxed(
  statements: readonly UserStatement[],
  use: SandboxedStatement["use"],
): SandboxedStatement[] {
  return statements.map(({ sql, label }) => ({ sql, label, use }));
}
