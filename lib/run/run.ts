/**
 * The whole job in one call: open the database, import the queries, send
 * them through the rate limiter, store every answer, and hand each committed
 * result to `onResult`.
 *
 * @module
 */
import { InputError } from "../errors.ts";
import { DEFAULTS } from "../defaults.ts";
import { type InputSource, openInput } from "../job/input.ts";
import { inputIdentity } from "../job/input_identity.ts";
import type { RequestTemplate } from "../job/template.ts";
import { parseRate, type RateSpec } from "../rate/rate_spec.ts";
import { Store, type StoreView } from "../store/store.ts";
import { assembleRun } from "./assemble_run.ts";
import type { RunSummary } from "./run_job.ts";
import type { RunHooks } from "./run_hooks.ts";
import { RUN_SETTINGS, type RunSettings } from "./run_settings.ts";

/** Options for {@linkcode run}: what to send, where to keep it, how fast. */
export interface RunOptions extends Omit<Partial<RunSettings>, "rate">, RunHooks {
  /**
   * A queries file: JSONL, CSV, a JSON array or a job file. Give this or
   * `queries`; neither resumes the job named `job` from the database. The
   * same file given again resumes its job.
   *
   * @default {undefined}
   */
  input?: string;
  /**
   * The queries themselves, one object each; given again, the queries the
   * job has (by key) are skipped and new ones added.
   *
   * @default {undefined}
   */
  queries?: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>;
  /**
   * The request template: `{{field}}` from each query, `{{env.NAME}}` from
   * the environment. A job being resumed keeps its own: another one is
   * refused unless `replaceRequest`.
   *
   * @default {the job file's, or the one the job was created with}
   */
  request?: RequestTemplate;
  /**
   * The database: a URL (`file:sluice.db`, `:memory:`, `libsql://…`) or a
   * store opened by `openStore` (left open at the end).
   *
   * @default {"file:sluice.db"}
   */
  db?: string | StoreView;
  /**
   * The job's name; running again with the same name resumes it, with the
   * settings it saved (options given again change them, recorded in the job).
   *
   * @default {the input's base name, or "queries"}
   */
  job?: string;
  /**
   * Client-side pacing: `"50/s"`, `"3000/min"`, `"20/s,1000/min"`, `"auto"`,
   * `"none"`; windows of other units a request costs: `"500/min,tokens=90000/min"`.
   *
   * @default {"10/s"}
   */
  rate?: string | RateSpec;
  /**
   * Resume a job with another request or idempotency header; the job
   * records the change.
   *
   * @default {false}
   */
  replaceRequest?: boolean;
}

/**
 * Runs a whole job and resolves with its summary once no item is pending or
 * in flight (or once `signal` stopped it).
 *
 * @throws {InputError} On bad input, a bad request template, bad `schema`/`into` SQL or a
 * processor that does not load, before anything is sent.
 *
 * @example A small job against the built-in mock API
 * ```ts
 * import { run } from "./run.ts";
 * import { serveMockApi } from "../mock/mock_server.ts";
 * import assert from "node:assert/strict";
 * const mock = serveMockApi();
 * const titles: string[] = [];
 * const summary = await run({
 *   queries: [{ id: 1, q: "deno" }, { id: 2, q: "sqlite" }],
 *   request: { url: `http://127.0.0.1:${mock.port}/search`, body: '{"q":"{{q}}"}' },
 *   db: ":memory:",
 *   rate: "none",
 *   onResult: (result) => {
 *     // A body is its text, or its bytes (a Uint8Array) when they are not text.
 *     if (typeof result.body === "string") titles.push(JSON.parse(result.body).results[0].title);
 *   },
 * });
 * await mock.shutdown();
 * assert.equal(summary.counts.done, 2);
 * assert.equal(titles.length, 2);
 * assert.equal(mock.api.stats.requests, 2);
 * ```
 *
 * @example Each answer's results into a table of your own, in the same transaction
 * ```ts
 * import { run } from "./run.ts";
 * import { openSqlClient } from "../store/sql_client.ts";
 * import { serveMockApi } from "../mock/mock_server.ts";
 * import assert from "node:assert/strict";
 * const mock = serveMockApi();
 * const db = `file:${await Deno.makeTempDir()}/hits.db`;
 * const summary = await run({
 *   queries: [{ id: 1, q: "deno" }, { id: 2, q: "sqlite" }],
 *   request: { url: `http://127.0.0.1:${mock.port}/search`, body: '{"q":"{{q}}"}' },
 *   db,
 *   rate: "none",
 *   schema: "CREATE TABLE IF NOT EXISTS hits (key TEXT, rank INTEGER, title TEXT, PRIMARY KEY (key, rank))",
 *   into: `INSERT OR REPLACE INTO hits SELECT :key, j.value ->> '$.rank', j.value ->> '$.title'
 *          FROM json_each(:body, '$.results') AS j`,
 * });
 * await mock.shutdown();
 * assert.equal(summary.counts.done, 2);
 * const sql = openSqlClient(db);
 * const { rows } = await sql.query([
 *   "SELECT (SELECT count(*) FROM hits), (SELECT sum(json_array_length(body, '$.results')) FROM responses)",
 * ]);
 * sql.close();
 * assert.equal(rows[0]![0], rows[0]![1]); // one row per result of each answer
 * ```
 */
export async function run(options: RunOptions): Promise<RunSummary> {
  const {
    input,
    queries,
    request,
    db = DEFAULTS.db,
    job,
    rate,
    replaceRequest = false,
    ...rest
  } = options;
  if (input !== undefined && queries !== undefined) {
    throw new TypeError("Cannot run with both input and queries: give one of them");
  }
  if (typeof db !== "string" && !(db instanceof Store)) {
    throw new TypeError("Cannot run on db: it is neither a URL nor a store opened by openStore");
  }
  const source = input !== undefined
    ? await openInput(input)
    : queries !== undefined
    ? querySource(queries)
    : undefined;
  // The settings among the options, typed; the rest is what the run reports to and is stopped by.
  const settings: Record<string, unknown> = {};
  const runtime: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(rest)) {
    (Object.hasOwn(RUN_SETTINGS, name) ? settings : runtime)[name] = value;
  }
  if (rate !== undefined) settings.rate = typeof rate === "string" ? parseRate(rate) : rate;
  const { summary } = await assembleRun({
    ...runtime as Omit<RunOptions, keyof RunSettings>,
    db,
    ...(job !== undefined ? { job } : {}),
    ...(source ? { source } : {}),
    ...(input !== undefined ? { inputId: await inputIdentity(input) } : {}),
    // Queries given as objects have no file to tell apart: given again, they are added.
    append: queries !== undefined,
    request: (base) => {
      const chosen = request ?? base;
      if (!chosen) throw new InputError("No request to send: give request, or a job file as input");
      return chosen;
    },
    settings: [{ from: "options", values: settings }],
    replaceRequest,
  });
  return summary;
}

/** Queries given as objects, read as an input with line numbers counted from 1. */
function querySource(
  queries: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>,
): InputSource {
  async function* records() {
    let line = 0;
    for await (const vars of queries) {
      line++;
      if (typeof vars !== "object" || vars === null || Array.isArray(vars)) {
        throw new InputError("query is not an object", { file: "queries", line });
      }
      yield { vars, line };
    }
  }
  return { file: "queries", format: "json", settings: {}, queries: records() };
}
