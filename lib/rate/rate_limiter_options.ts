/**
 * The types at the limiter's edges: its options, what the runner tells it
 * about an answer, and what it reports.
 *
 * @module
 */
import type { AdaptiveRateOptions, AdaptiveRateSnapshot } from "./adaptive_rate.ts";
import type { CircuitBreakerOptions, CircuitState } from "./circuit_breaker.ts";
import type { CooldownReport, JobCooldownOptions } from "./job_cooldown.ts";
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
  /** Longest `Retry-After` honoured (and that may end the server's windows early). @default 300_000 */
  maxRetryAfterMs?: number;
  /**
   * Units other than requests each request costs (`tokens`), by name: each
   * has its windows, burst (1 when not given) and budget (its long windows
   * kept in a database) as requests have; a unit the server advertises is
   * paced by its quotas too, with or without an entry here.
   *
   * @default {}
   */
  units?: Readonly<
    Record<string, { windows?: RateWindow[]; burst?: number; budget?: RateBudget }>
  >;
  /**
   * The backoff of the job's cooldown after 429s and 503s without `Retry-After`.
   *
   * @default {}
   * @ignore
   */
  cooldown?: JobCooldownOptions;
}

/** What the runner tells the limiter about one answered attempt. */
export interface ResponseSignal {
  /** The HTTP status, or undefined for a network failure or timeout. */
  status: number | undefined;
  /** The response headers, when there was a response. */
  headers: Headers | undefined;
  /** When the answer arrived (clock time). */
  now: number;
  /**
   * What the request cost, by unit, as the answer reported it (`{ tokens: 812 }`):
   * it replaces the estimate the request reserved. Absent for a unit the answer
   * did not report: its estimate stays spent.
   */
  usage?: Readonly<Record<string, number>>;
}

/**
 * What one request is estimated to cost, by unit (`{ tokens: 900 }`); each
 * request is one of `requests`.
 */
export type Cost = Readonly<Record<string, number>>;

/** What the limiter has learnt, for the run summary and status. */
export interface LimiterReport {
  /** `--rate auto`: the discovered rate. */
  adaptive?: AdaptiveRateSnapshot;
  /** The circuit breaker's state and how often it opened. */
  breaker?: { state: CircuitState; opened: number };
  /** The server's quotas being paced against, of every unit. */
  quotas: QuotaState[];
  /**
   * Each unit besides requests: what it spent, the requests that reported
   * their usage, the estimate of a request that names no cost (the mean
   * usage), and each window's use now.
   *
   * @default {[]}
   */
  units?: {
    unit: string;
    spent: number;
    settled: number;
    estimate: number;
    windows: { limit: number; periodMs: number; used: number }[];
  }[];
  /**
   * The job's cooldowns so far: how many, how long, why.
   *
   * @ignore
   */
  cooldowns?: CooldownReport;
}
