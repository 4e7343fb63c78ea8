/**
 * sluice's rate limiter, for scripts that pace their own requests: the
 * `--rate` syntax ({@linkcode parseRate}), the {@linkcode RateLimiter}
 * (windows, burst, server quota from RateLimit headers, `--rate auto`,
 * circuit breaker, a budget kept in the database) and what it reports.
 *
 * @example Pace at 2 requests a second
 * ```ts
 * import { parseRate, RateLimiter } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const spec = parseRate("2/s");
 * const limiter = new RateLimiter({ windows: spec.kind === "windows" ? spec.windows : [] });
 * assert.equal(typeof (await limiter.acquire()), "number");
 * await limiter.close();
 * ```
 *
 * @module
 */
export { formatRate, parseRate, type RateSpec, type RateWindow } from "./rate_spec.ts";
export {
  type LimiterReport,
  RateLimiter,
  type RateLimiterOptions,
  type ResponseSignal,
} from "./rate_limiter.ts";
export type { RunLimiterOptions } from "./create_run_limiter.ts";
export type { AdaptiveRateOptions, AdaptiveRateSnapshot } from "./adaptive_rate.ts";
export type { CircuitBreakerOptions, CircuitState } from "./circuit_breaker.ts";
export type { BudgetStore, BudgetUse, RateBudget, RateBudgetOptions } from "./rate_budget.ts";
export type { QuotaState, ServerQuotaOptions } from "./server_quota.ts";
export type { Clock } from "../util/clock.ts";
