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
export { type Clock, FakeClock, systemClock } from "./clock.ts";
export { InputError, type InputLocation, StoreError } from "./errors.ts";
export {
  type InputSource,
  type JobSettings,
  openInput,
  type OpenInputOptions,
  type QueryRecord,
} from "./input.ts";
export { itemKey } from "./item_key.ts";
export {
  type CompiledTemplate,
  compileTemplate,
  type RenderedRequest,
  type RequestTemplate,
} from "./template.ts";
export {
  type ClaimedItem,
  type ItemUpdate,
  type JobCounts,
  type JobRow,
  openStore,
  Store,
  type StoreOptions,
} from "./store.ts";
export { type PreparedJob, prepareJob, type PrepareJobOptions } from "./job.ts";
export { DEFAULT_RATE, runJob, type RunJobOptions, type RunSummary } from "./runner.ts";
export {
  type LimiterReport,
  RateLimiter,
  type RateLimiterOptions,
  type ResponseSignal,
} from "./rate_limiter.ts";
export {
  parseRateLimitHeaders,
  type RateLimitInfo,
  type RateLimitQuota,
} from "./rate_limit_headers.ts";
export { AdaptiveRate, type AdaptiveRateOptions } from "./adaptive_rate.ts";
export { CircuitBreaker, type CircuitBreakerOptions } from "./circuit_breaker.ts";
export { RateBudget, type RateBudgetOptions } from "./rate_budget.ts";
export { createRunLimiter, type RunLimiterOptions } from "./run_limiter.ts";
export { fetchFollowing, type FetchFollowingOptions } from "./redirects.ts";
export { formatRate, parseRate, type RateSpec, type RateWindow } from "./rate.ts";
export { pooledMap } from "./pool.ts";
export { decideOutcome, type Outcome, type OutcomePolicy } from "./outcome.ts";
export { backoffDelay, type BackoffOptions, parseRetryAfter } from "./backoff.ts";
export { send, type SendOptions, type SendResult } from "./send.ts";
export { ResultWriter, type ResultWriterOptions } from "./result_writer.ts";
export { RunStats, type StatsSnapshot } from "./stats.ts";
export { createMockApi, type MockApi, type MockApiOptions } from "./mock_api.ts";
export { type MockServer, serveMockApi, type ServeMockOptions } from "./mock_server.ts";
export { parseDuration, parseSize } from "./duration.ts";
export { VERSION } from "./version.ts";
