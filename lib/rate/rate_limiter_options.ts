/**
 * The types at the limiter's edges: its options, what the runner tells it
 * about an answer, and what it reports.
 *
 * @module
 */
import type { AdaptiveRateOptions, AdaptiveRateSnapshot } from "./adaptive_rate.ts";
import type { CircuitBreakerOptions, CircuitState } from "./circuit_breaker.ts";
import type { Clock } from "../util/clock.ts";
import type { RateWindow } from "./rate_spec.ts";
import type { RateBudget } from "./rate_budget.ts";
import type { QuotaState, ServerQuotaOptions } from "./server_quota.ts";

/** Options for `RateLimiter`. */
export interface RateLimiterOptions {
  /** Limits enforced at once; empty means no pacing of its own. @default [] */
  windows?: RateWindow[];
  /** Requests that may go at once above the steady rate of the shortest window. @default 1 */
  burst?: number;
  /** Source of time. @default systemClock */
  clock?: Clock;
  /** Pacing from the server's RateLimit headers; `false` ignores them. @default {} */
  serverQuota?: ServerQuotaOptions | false;
  /** Discover the rate by AIMD (`--rate auto`): a per-second window driven by 429s. @default undefined */
  adaptive?: AdaptiveRateOptions;
  /** Pause after a run of failures, then probe with one request. @default undefined (none) */
  breaker?: CircuitBreakerOptions;
  /** Long windows reserved from a database, such as a daily budget. @default undefined */
  budget?: RateBudget;
  /** Longest `Retry-After` that may end the server's windows early. @default 300_000 */
  maxRetryAfterMs?: number;
}

/** What the runner tells the limiter about one answered attempt. */
export interface ResponseSignal {
  /** The HTTP status, or undefined for a network failure or timeout. */
  status: number | undefined;
  /** The response headers, when there was a response. */
  headers: Headers | undefined;
  /** When the answer arrived (clock time). */
  now: number;
}

/** What the limiter has learnt, for the run summary and status. */
export interface LimiterReport {
  /** `--rate auto`: the discovered rate. */
  adaptive?: AdaptiveRateSnapshot;
  /** The circuit breaker's state and how often it opened. */
  breaker?: { state: CircuitState; opened: number };
  /** The server's quotas being paced against. */
  quotas: QuotaState[];
}
