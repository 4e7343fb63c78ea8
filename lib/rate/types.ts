/**
 * The types of `./rate`: the `--rate` syntax, the limiter's options and
 * what it reports, and the clock it runs on. Re-exported by `./run`, so
 * that its docs link every name they show.
 *
 * @module
 */
export type { RateSpec, RateWindow } from "./rate_spec.ts";
export type {
  LimiterReport,
  RateLimiter,
  RateLimiterOptions,
  ResponseSignal,
} from "./rate_limiter.ts";
export type { RunLimiterOptions } from "./create_run_limiter.ts";
export type { AdaptiveRateOptions, AdaptiveRateSnapshot } from "./adaptive_rate.ts";
export type { CircuitBreakerOptions, CircuitState } from "./circuit_breaker.ts";
export type { BudgetStore, BudgetUse, RateBudget, RateBudgetOptions } from "./rate_budget.ts";
export type { QuotaState, ServerQuotaOptions } from "./server_quota.ts";
export type { Clock } from "../util/clock.ts";
