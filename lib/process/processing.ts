/**
 * A job's processing of its answers into the user's tables, ready to run:
 * the `--schema`, `--into` and processor of a job compiled, loaded and
 * checked against the database (in a transaction that is rolled back), so
 * that bad SQL or a processor that does not load is bad input before
 * anything is sent.
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import { InputError } from "../errors.ts";
import { parseExactJson } from "../job/exact_json.ts";
import {
  type ProcessAnswer,
  type ProcessPlan,
  quoteName,
  type TableRows,
  type UserStatement,
} from "../store/answer_statements.ts";
import type { AnswerProcessing, ItemUpdate } from "../store/item_update.ts";
import { tableCreatedBy } from "../store/sql_rules.ts";
import { foldName } from "../store/sql_tokens.ts";
import type { UserTableRepository } from "../store/user_tables.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { isRecord } from "../util/is_record.ts";
import { withoutBom } from "../util/stored_body.ts";
import { abbreviate, compileSql } from "./compile_sql.ts";
import { loadProcessor, type Processor, type ProcessorAnswer } from "./processor.ts";
import { dropsBefore, withRebuildHint } from "./rebuild_tables.ts";

/** What a job processes its answers with; every field optional. */
export interface ProcessingOptions {
  /** SQL run once when the job starts, e.g. `CREATE TABLE IF NOT EXISTS ...`. */
  schema?: string;
  /** SQL run for each 2xx answer, with `:key :page :job :status :url :at :vars :body`. */
  into?: string;
  /** A processor module's path (from the working directory), or the processor itself. */
  processor?: string | Processor;
  /**
   * How long the processor may take over one answer: one that has not
   * settled by then fails its item (`process: timed out`), and the job goes
   * on (the processor's work itself cannot be cancelled: it is left behind).
   *
   * @default {DEFAULTS.processorTimeoutMs} (30 s)
   */
  processorTimeoutMs?: number;
  /** Source of time for the processor's time limit. @default systemClock */
  clock?: Clock;
  /**
   * Drop the tables the schema (or the processor) creates before it runs,
   * so they are made again as it says now (`sluice process --rebuild`).
   *
   * @default {false}
   */
  rebuild?: boolean;
}

/**
 * Compiles, loads and checks a job's processing; undefined when it has
 * none. The check runs the schema and prepares every statement in a
 * transaction that is rolled back: the database is left as it was.
 *
 * @throws {InputError} For bad SQL (naming the statement and SQLite's
 * message), an unknown parameter, `into` with `processor`, or a processor
 * that does not load.
 *
 * @example Usage
 * ```ts
 * import { openStore } from "../store/store.ts";
 * import { prepareProcessing } from "./processing.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * await assert.rejects(
 *   prepareProcessing(store.tables, "j", { into: "INSERT INTO nowhere VALUES (:key)" }),
 *   /--into: no such table: nowhere/,
 * );
 * const processing = await prepareProcessing(store.tables, "j", {
 *   schema: "CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY)",
 *   into: "INSERT OR REPLACE INTO seen VALUES (:key)",
 * });
 * await processing!.applySchema();
 * assert.deepEqual(await store.tables.columns("seen"), ["key"]);
 * store.close();
 * ```
 */
export async function prepareProcessing(
  tables: UserTableRepository,
  job: string,
  options: ProcessingOptions,
): Promise<Processing | undefined> {
  const {
    schema,
    into,
    processor,
    processorTimeoutMs = DEFAULTS.processorTimeoutMs,
    clock = systemClock,
    rebuild = false,
  } = options;
  if (!(processorTimeoutMs > 0)) {
    throw new RangeError(
      `Cannot use processorTimeoutMs as a positive number: current value is '${processorTimeoutMs}'`,
    );
  }
  if (schema === undefined && into === undefined && processor === undefined) return undefined;
  if (into !== undefined && processor !== undefined) {
    throw new InputError("Cannot use --into and --processor together: pick one");
  }
  const loaded = processor === undefined ? undefined : await loadProcessor(processor);
  const statements = [
    ...(schema === undefined ? [] : compileSql(schema, "--schema")),
    ...(loaded?.schema === undefined ? [] : compileSql(loaded.schema, "the processor's schema")),
  ];
  const declared = new Map<string, string[]>();
  for (const [name, table] of Object.entries(loaded?.tables ?? {})) {
    const columns = Object.keys(table.columns);
    declared.set(name, columns);
    const defs = Object.entries(table.columns).map(([c, type]) => `${quoteName(c)} ${type}`);
    if (table.key) defs.push(`PRIMARY KEY (${table.key.map(quoteName).join(", ")})`);
    statements.push({
      sql: `CREATE TABLE IF NOT EXISTS ${quoteName(name)} (${defs.join(", ")})`,
      label: `the processor's table "${name}"`,
      params: [],
    });
  }
  if (rebuild) statements.unshift(...dropsBefore(statements));
  const intoStatements = into === undefined ? [] : compileSql(into, "--into", { perAnswer: true });
  const refused = await tables.check(statements, intoStatements, declared).catch((error) => {
    throw withRebuildHint(error);
  });
  if (refused) {
    throw withRebuildHint(
      new InputError(`${refused.label}: ${refused.message}\n  in: ${abbreviate(refused.sql)}`),
    );
  }
  return new Processing(tables, job, statements, intoStatements, declared, loaded, {
    timeoutMs: processorTimeoutMs,
    clock,
  });
}

/** A job's checked processing: its schema to run, its plan for the store, its processor. */
export class Processing {
  readonly #tables: UserTableRepository;
  readonly #schema: readonly UserStatement[];
  readonly #declared: ReadonlyMap<string, string[]>;
  readonly #processor: Processor | undefined;
  readonly #limit: ProcessorLimit;
  /** The plan the store runs for each answer; its tables are filled by {@linkcode applySchema}. */
  readonly plan: ProcessPlan;

  /** Use {@linkcode prepareProcessing}, which checks everything first. */
  constructor(
    tables: UserTableRepository,
    job: string,
    schema: readonly UserStatement[],
    into: readonly UserStatement[],
    declared: ReadonlyMap<string, string[]>,
    processor: Processor | undefined,
    limit: ProcessorLimit = { timeoutMs: DEFAULTS.processorTimeoutMs, clock: systemClock },
  ) {
    this.#limit = limit;
    this.#tables = tables;
    this.#schema = schema;
    this.#declared = declared;
    this.#processor = processor;
    this.plan = { job, into, tables: new Map() };
  }

  /**
   * The tables its schema and processor create, by SQLite's name for them
   * (lower case): the tables `--rebuild` drops and makes again.
   */
  get tablesMade(): string[] {
    return this.#schema.flatMap((s) => {
      const table = tableCreatedBy(s.sql);
      return table === undefined ? [] : [foldName(table)];
    });
  }

  /**
   * Runs the schema (and creates the processor's tables), then learns the
   * columns of every table a processor may write, and checks what runs for
   * each answer against the schema now, a check kept while they run.
   *
   * @throws {InputError} When a statement breaks a rule of the SQL sandbox.
   */
  async applySchema(): Promise<void> {
    await this.#tables.applySchema(this.#schema);
    if (this.#processor) {
      // A schema-only processor writes any table of the user's, with the columns it has.
      const tables = this.#processor.schema === undefined
        ? new Map(this.#declared)
        : new Map([...await this.#tables.userTables(), ...this.#declared]);
      this.plan.tables = tables;
      this.plan.numeric = await this.#tables.numericColumns(tables.keys());
    }
    this.plan.pin = await this.#tables.pin(this.plan.into, this.plan.tables);
  }

  /**
   * Adds to a done update what processing its answer needs: the query's key
   * and variables, and the processor's rows (or why it failed: it threw, it
   * did not settle within its time limit, or `signal` abandoned it). Anything
   * else is left as it is.
   */
  async annotate(update: ItemUpdate, query: QueryOf, signal?: AbortSignal): Promise<void> {
    const r = update.response;
    // Annotated already (a page's, as it was answered): the processor runs once.
    if (update.status !== "done" || !r || update.processing) return;
    const processing: AnswerProcessing = { key: query.key, vars: JSON.stringify(query.vars) };
    if (query.page !== undefined) processing.page = query.page;
    if (this.#processor) {
      const answer: ProcessAnswer = {
        id: update.id,
        key: query.key,
        page: query.page ?? 1,
        vars: processing.vars,
        status: r.status,
        url: r.url,
        at: r.at,
        body: r.body,
      };
      Object.assign(processing, await this.#rows(answer, r.headers, query.vars, signal));
    }
    update.processing = processing;
  }

  /** True when a processor makes the rows (it may name the next page too). */
  get hasProcessor(): boolean {
    return this.#processor !== undefined;
  }

  /** A stored answer with the processor's rows (or why it failed) added; see {@linkcode annotate}. */
  async withRows(
    answer: ProcessAnswer & { headers: string | null },
    signal?: AbortSignal,
  ): Promise<ProcessAnswer> {
    if (!this.#processor) return answer;
    const query = parseExactJson(answer.vars) as Record<string, unknown>;
    const { rows, error } = await this.#rows(answer, answer.headers, query, signal);
    return { ...answer, ...(rows ? { rows } : {}), ...(error !== undefined ? { error } : {}) };
  }

  async #rows(
    answer: ProcessAnswer,
    headers: string | null,
    query: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ): Promise<Pick<ProcessAnswer, "rows" | "error"> & { next?: unknown }> {
    const given: ProcessorAnswer = {
      key: answer.key,
      page: answer.page ?? 1,
      status: answer.status ?? 0,
      body: parseBody(answer.body),
      text: typeof answer.body === "string" ? answer.body : null,
      headers: headers ? JSON.parse(headers) : {},
      url: answer.url,
      at: answer.at,
    };
    try {
      const rows = await withinLimit(
        Promise.resolve().then(() => this.#processor!.process(given, query)),
        this.#limit,
        signal,
      );
      if (rows === TIMED_OUT) return { error: "timed out" };
      if (rows === ABANDONED) return { error: "abandoned: the run stopped before it settled" };
      if (rows === undefined || rows === null) return { rows: {} };
      if (!isRecord(rows)) {
        return { error: "the processor returned something other than rows per table" };
      }
      // `next` that is not a list of rows names the query's next page (`--next`).
      if (Object.hasOwn(rows, "next") && !Array.isArray(rows.next)) {
        const { next, ...tables } = rows;
        return { rows: tables as TableRows, next: next ?? null };
      }
      return { rows: rows as TableRows };
    } catch (error) {
      return { error: thrownMessage(error) };
    }
  }
}

/**
 * What a processor threw, as its item's error: the message, or what the
 * value is when it has no message to read (`throw Object.create(null)`, a
 * `message` getter that throws). Never throws itself: an error here would
 * leave the item claimed forever and the run waiting for it.
 */
function thrownMessage(error: unknown): string {
  try {
    const message = error instanceof Error ? error.message : error;
    return typeof message === "string" ? message : String(message);
  } catch {
    try {
      const name = (error as { constructor?: { name?: unknown } }).constructor?.name;
      if (typeof name === "string" && name !== "" && name !== "Object") return `threw ${name}`;
      return `threw ${Object.prototype.toString.call(error)}`;
    } catch {
      return "threw a value that cannot be read";
    }
  }
}

/** The item an answer belongs to: its key, page and variables. */
export interface QueryOf {
  /** The query's key. */
  key: string;
  /** The page of the query's answers (`--next`). @default {1} */
  page?: number;
  /** The query's variables. */
  vars: Record<string, unknown>;
}

/** A processor's time limit, and the clock it is measured on. */
interface ProcessorLimit {
  timeoutMs: number;
  clock: Clock;
}

const TIMED_OUT: unique symbol = Symbol("timed out");
const ABANDONED: unique symbol = Symbol("abandoned");

/** What `work` settles to, or which came first: its time limit, or `signal`. */
async function withinLimit<T>(
  work: Promise<T>,
  limit: ProcessorLimit,
  signal: AbortSignal | undefined,
): Promise<T | typeof TIMED_OUT | typeof ABANDONED> {
  const done = new AbortController();
  const never = new Promise<never>(() => {});
  let onAbort = () => {};
  const abandoned = new Promise<typeof ABANDONED>((resolve) => {
    onAbort = () => resolve(ABANDONED);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([
      work,
      limit.clock.sleep(limit.timeoutMs, done.signal).then(
        (): typeof TIMED_OUT => TIMED_OUT,
        () => never,
      ),
      abandoned,
    ]);
  } finally {
    done.abort();
    signal?.removeEventListener("abort", onAbort);
  }
}

function parseBody(body: string | Uint8Array | null): unknown {
  if (body === null || body instanceof Uint8Array) return body;
  try {
    return JSON.parse(withoutBom(body));
  } catch {
    return body;
  }
}
