/**
 * sluice as a library: push many queries through a rate-limited API, keep
 * every answer in libSQL, resume after a kill.
 *
 * One call does the whole job: {@linkcode run}; run again with the same
 * input (or job name), it resumes, with the settings the job saved. Then
 * read what it stored ({@linkcode openStore}), turn answers into rows of
 * your own tables (a {@linkcode Processor}), and tell bad input
 * ({@linkcode InputError}) from a database in trouble
 * ({@linkcode StoreError}). The building blocks live behind their own
 * paths: `./run` (`runJob`, which runs one job already prepared, the table
 * of run settings, statistics), `./job` (inputs, templates, import),
 * `./store` (the database's repositories and rows, a SQL client), `./rate`
 * (the rate limiter), `./process` (processing stored answers), `./mock`
 * (the built-in mock API) and `./testing` (a fake clock).
 *
 * @example The whole job in one call
 * ```ts
 * import { run } from "./mod.ts";
 * import { serveMockApi } from "./mock/mod.ts";
 * import assert from "node:assert/strict";
 * const mock = serveMockApi();
 * const statuses: number[] = [];
 * const summary = await run({
 *   queries: [{ q: "deno" }, { q: "libsql" }, { q: "hono" }],
 *   request: { url: `http://127.0.0.1:${mock.port}/search`, body: '{"q":"{{q}}"}' },
 *   db: ":memory:",
 *   rate: "50/s",
 *   concurrency: 4,
 *   onResult: (result) => void statuses.push(result.status ?? 0),
 * });
 * await mock.shutdown();
 * assert.equal(summary.counts.done, 3);
 * assert.deepEqual(statuses, [200, 200, 200]);
 * ```
 *
 * @module
 */

// Run a job.
export {
  type AttemptOutcome,
  type DurationHistogram,
  type ItemResult,
  run,
  type RunHooks,
  type RunOptions,
  type RunSettings,
  type RunSummary,
  type StatsSnapshot,
} from "./run/mod.ts";
export type { RequestTemplate } from "./job/mod.ts";
export {
  type AdaptiveRateSnapshot,
  type CircuitState,
  formatRate,
  type LimiterReport,
  parseRate,
  type QuotaState,
  type RateSpec,
  type RateWindow,
} from "./rate/mod.ts";
export { DEFAULTS } from "./defaults.ts";
export type { Clock } from "./testing/mod.ts";

// Read its results.
export { openStoreView as openStore } from "./store/open_store_view.ts";
export type {
  ExportRow,
  FailureClass,
  JobCounts,
  JobReader,
  JobRow,
  ReportReader,
  StoreOptions,
  StoreView,
} from "./store/mod.ts";

// Write a processor.
export type {
  NextRequest,
  Processor,
  ProcessorAnswer,
  ProcessorRows,
  TableDeclaration,
} from "./process/mod.ts";

// Handle errors.
export { InputError, type InputLocation, StoreError } from "./errors.ts";
export { VERSION } from "./version.ts";
