/**
 * sluice as a library: push many queries through a rate-limited API, keep
 * every answer in libSQL, resume after a kill.
 *
 * One call does the whole job: {@linkcode run}. The building blocks it is
 * made of are here too, for scripts that compose their own: the store
 * ({@linkcode openStore}), inputs and templates, the rate limiter and its
 * rate syntax ({@linkcode parseRate}), bounded concurrency
 * ({@linkcode pooledMap}), and the run of one prepared job
 * ({@linkcode runJob}). The built-in mock API is the `./mock` export; a fake
 * clock for tests is the `./testing` export.
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
export { run, type RunOptions } from "./run/run.ts";
export { runJob, type RunJobOptions, type RunStore, type RunSummary } from "./run/run_job.ts";
export type { RunSettings } from "./run/run_settings.ts";
export type { ItemResult } from "./run/item_result.ts";
export type { FailureClass, FailureGroup } from "./store/failure_class.ts";
export type { OutcomePolicy } from "./run/outcome.ts";
export type { BackoffOptions } from "./run/backoff.ts";
export {
  type AttemptOutcome,
  type DurationHistogram,
  RunStats,
  type StatsSnapshot,
} from "./run/run_stats.ts";
export { DEFAULTS } from "./defaults.ts";
export type { Clock } from "./util/clock.ts";

export { openInput, type OpenInputOptions } from "./job/input.ts";
export type { InputSource, JobSettings, QueryRecord } from "./job/input.ts";
export {
  type CompiledTemplate,
  compileTemplate,
  type RenderedRequest,
  type RenderOptions,
  type RequestTemplate,
  type SchemeSource,
} from "./job/template.ts";
export { type PreparedJob, prepareJob, type PrepareJobOptions } from "./job/prepare_job.ts";
export type { DuplicateKey, DuplicateReport, KeptItem } from "./job/duplicate_keys.ts";

export { openStore, Store, type StoreOptions, type StoreView } from "./store/store.ts";
export type {
  AttemptRow,
  ClaimedItem,
  ExportRow,
  FailedItem,
  FailedItemsOptions,
  HistoryReader,
  ItemDetail,
  ItemUpdate,
  JobChanges,
  JobCounts,
  JobReader,
  JobRow,
  NewJob,
  Readiness,
  RequeueFilter,
  ResponseRow,
  ResultStore,
  SnapshotRow,
  UnitUse,
  WorkerInfo,
  WorkerRow,
  WriteResultsOptions,
  WrittenResults,
} from "./store/store.ts";
export type { BudgetRepository } from "./store/budget.ts";
export type { HistoryRepository } from "./store/history.ts";
export type { JobRepository } from "./store/jobs.ts";
export type { LeaseRepository } from "./store/leases.ts";
export type { QueueRepository } from "./store/queue.ts";
export type { ReportRepository } from "./store/reports.ts";
export type { ResultRepository } from "./store/results.ts";
export type { WorkerProgress, WorkerRepository } from "./store/workers.ts";
export type {
  RefusedStatement,
  Reprocessed,
  StoredAnswer,
  UserTableRepository,
} from "./store/user_tables.ts";
export type { AnswerProcessing } from "./store/item_update.ts";
export {
  openSqlClient,
  type QueryOptions,
  SqlClient,
  type SqlClientOptions,
  type SqlResult,
  type SqlRows,
  type SqlValue,
} from "./store/sql_client.ts";
export type {
  ProcessAnswer,
  ProcessPlan,
  TableRows,
  UserStatement,
} from "./store/answer_statements.ts";

export {
  prepareProcessing,
  Processing,
  type ProcessingOptions,
  type QueryOf,
} from "./process/processing.ts";
export {
  type ProcessProgress,
  processStored,
  type ProcessStoredOptions,
  type ProcessStoredSummary,
} from "./process/process_stored.ts";
export type {
  Processor,
  ProcessorAnswer,
  ProcessorRows,
  TableDeclaration,
} from "./process/processor.ts";
export type { NextRequest } from "./job/next_spec.ts";

export { formatRate, parseRate, type RateSpec, type RateWindow } from "./rate/rate_spec.ts";
export {
  type LimiterReport,
  RateLimiter,
  type RateLimiterOptions,
  type ResponseSignal,
} from "./rate/rate_limiter.ts";
export type { RunLimiterOptions } from "./rate/create_run_limiter.ts";
export type { AdaptiveRateOptions, AdaptiveRateSnapshot } from "./rate/adaptive_rate.ts";
export type { CircuitBreakerOptions, CircuitState } from "./rate/circuit_breaker.ts";
export type { BudgetStore, BudgetUse, RateBudget, RateBudgetOptions } from "./rate/rate_budget.ts";
export type { QuotaState, ServerQuotaOptions } from "./rate/server_quota.ts";
export { pooledMap } from "./run/pool.ts";

export { InputError, type InputLocation, StoreError } from "./errors.ts";
export { VERSION } from "./version.ts";
