/**
 * sluice as a library: the pieces the CLI is made of.
 *
 * @example Run a job from a script
 * ```ts ignore
 * import { compileTemplate, openInput, openStore, prepareJob, runJob } from "./mod.ts";
 * const store = await openStore("file:sluice.db");
 * const request = { url: "http://127.0.0.1:8787/search", body: '{"q":"{{q}}"}' };
 * const template = compileTemplate(request);
 * const input = await openInput("queries.jsonl");
 * const { job } = await prepareJob(store, template, { name: "queries", input, request });
 * const summary = await runJob(store, job, template, {
 *   rate: { kind: "windows", windows: [{ limit: 50, periodMs: 1000 }] },
 *   concurrency: 16,
 * });
 * console.log(summary.counts);
 * store.close();
 * ```
 *
 * @module
 */
export { type Clock, FakeClock, systemClock } from "./util/clock.ts";
export { InputError, type InputLocation, StoreError } from "./errors.ts";
export {
  type InputSource,
  type JobSettings,
  openInput,
  type OpenInputOptions,
  type QueryRecord,
} from "./job/input.ts";
export { itemKey } from "./job/item_key.ts";
export {
  type CompiledTemplate,
  compileTemplate,
  type RenderedRequest,
  type RequestTemplate,
} from "./job/template.ts";
export {
  type ClaimedItem,
  type ItemUpdate,
  type JobCounts,
  type JobRow,
  openStore,
  Store,
  type StoreOptions,
} from "./store/store.ts";
export { type PreparedJob, prepareJob, type PrepareJobOptions } from "./job/prepare_job.ts";
export { DEFAULT_RATE, runJob, type RunJobOptions, type RunSummary } from "./run/run_job.ts";
export {
  type LimiterReport,
  RateLimiter,
  type RateLimiterOptions,
  type ResponseSignal,
} from "./rate/rate_limiter.ts";
export {
  parseRateLimitHeaders,
  type RateLimitInfo,
  type RateLimitQuota,
} from "./rate/rate_limit_headers.ts";
export { AdaptiveRate, type AdaptiveRateOptions } from "./rate/adaptive_rate.ts";
export { CircuitBreaker, type CircuitBreakerOptions } from "./rate/circuit_breaker.ts";
export { RateBudget, type RateBudgetOptions } from "./rate/rate_budget.ts";
export { createRunLimiter, type RunLimiterOptions } from "./rate/create_run_limiter.ts";
export { fetchFollowing, type FetchFollowingOptions } from "./http/fetch_following.ts";
export { formatRate, parseRate, type RateSpec, type RateWindow } from "./rate/rate_spec.ts";
export { pooledMap } from "./run/pool.ts";
export { decideOutcome, type Outcome, type OutcomePolicy } from "./run/outcome.ts";
export { backoffDelay, type BackoffOptions, parseRetryAfter } from "./run/backoff.ts";
export { send, type SendOptions, type SendResult } from "./http/send.ts";
export { ResultWriter, type ResultWriterOptions } from "./run/result_writer.ts";
export { RunStats, type StatsSnapshot } from "./run/run_stats.ts";
export { createMockApi, type MockApi, type MockApiOptions } from "./mock/mock_api.ts";
export { type MockServer, serveMockApi, type ServeMockOptions } from "./mock/mock_server.ts";
export { parseDuration, parseSize } from "./util/units.ts";
export { VERSION } from "./version.ts";
