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
export { run, type RunOptions } from "./run/run.ts";
export type { RunHooks } from "./run/run_hooks.ts";
export type { RunSummary } from "./run/run_job.ts";
export type { RunSettings } from "./run/run_settings.ts";
export type { ItemResult } from "./run/item_result.ts";
export type { AttemptOutcome, DurationHistogram, StatsSnapshot } from "./run/run_stats.ts";
export type { RequestTemplate } from "./job/template.ts";
export { formatRate, parseRate, type RateSpec, type RateWindow } from "./rate/rate_spec.ts";
export type { LimiterReport } from "./rate/rate_limiter.ts";
export type { AdaptiveRateSnapshot } from "./rate/adaptive_rate.ts";
export type { CircuitState } from "./rate/circuit_breaker.ts";
export type { QuotaState } from "./rate/server_quota.ts";
export { DEFAULTS } from "./defaults.ts";
export type { Clock } from "./util/clock.ts";

// Read its results.
export { openStoreView as openStore } from "./store/open_store_view.ts";
export type { JobCounts, JobReader, JobRow, StoreOptions, StoreView } from "./store/store.ts";
export type { ExportRow, ReportReader } from "./store/reports.ts";
export type { FailureClass } from "./store/failure_class.ts";

// Write a processor.
export type {
  Processor,
  ProcessorAnswer,
  ProcessorRows,
  TableDeclaration,
} from "./process/processor.ts";
export type { NextRequest } from "./job/next_spec.ts";

// Handle errors.
export { InputError, type InputLocation, StoreError } from "./errors.ts";
export { VERSION } from "./version.ts";
