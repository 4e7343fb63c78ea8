/**
 * The limiter a job runs with: the configured rate (or `auto`), pacing from
 * the server's RateLimit headers after a first answer, a circuit breaker, and
 * the windows of an hour or more kept in the database as a budget.
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import type { AdaptiveRateOptions } from "./adaptive_rate.ts";
import type { CircuitBreakerOptions } from "./circuit_breaker.ts";
import type { JobCooldownOptions } from "./job_cooldown.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { burstOf, type RateSpec, REQUESTS } from "./rate_spec.ts";
import { budgetScope, type BudgetStore, persistedWindows, RateBudget } from "./rate_budget.ts";
import { type LimiterReport, RateLimiter } from "./rate_limiter.ts";

/** Options for {@linkcode createRunLimiter}. */
export interface RunLimiterOptions {
  /** The pacing asked for. @default 10/s */
  rate?: RateSpec;
  /** Requests (and units, by name: `{ requests: 5, tokens: 4000 }`) allowed at once above the steady rate. @default 1 */
  burst?: number | Readonly<Record<string, number>>;
  /** Source of time. @default systemClock */
  clock?: Clock;
  /** Circuit breaker over consecutive 5xx (but 503)/network failures; `false` for none. @default {} */
  breaker?: CircuitBreakerOptions | false;
  /**
   * The backoff of the job's cooldown after 429s and 503s without `Retry-After`.
   *
   * @default {}
   * @ignore
   */
  cooldown?: JobCooldownOptions;
  /** Tuning of `--rate auto`, e.g. the ceiling an earlier run found. @default {} */
  adaptive?: AdaptiveRateOptions;
  /** Longest `Retry-After`, or wait for a server quota's reset, honoured. @default 300_000 */
  maxRetryAfterMs?: number;
  /** Per-attempt timeout: an unanswered grant stops counting as in flight after twice this. @default 30_000 */
  timeoutMs?: number;
  /** What the budget of long windows is counted under. @default {the URL's origin, else the job} */
  budgetScope?: string;
}

/**
 * Builds the limiter for one run of `job`.
 *
 * @example Usage
 * ```ts
 * import { createRunLimiter } from "./create_run_limiter.ts";
 * import { openStore } from "../store/store.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const job = { name: "j", request: { url: "http://127.0.0.1:1/" } };
 * const limiter = createRunLimiter(store.budget, job, { rate: { kind: "auto" } });
 * assert.equal(limiter.report().adaptive?.rate, 10);
 * await limiter.close();
 * store.close();
 * ```
 */
export function createRunLimiter(
  store: BudgetStore,
  job: { name: string; request: { url?: unknown } },
  options: RunLimiterOptions = {},
): RateLimiter {
  const {
    rate = { kind: "windows", windows: [{ limit: DEFAULTS.ratePerSecond, periodMs: 1000 }] },
    burst = DEFAULTS.burst,
    clock = systemClock,
    breaker = {},
    adaptive = {},
    maxRetryAfterMs = DEFAULTS.maxRetryAfterMs,
    timeoutMs = DEFAULTS.timeoutMs,
  } = options;
  const windows = rate.kind === "windows" ? rate.windows : [];
  const long = persistedWindows(windows);
  // Without a URL, the budget is the job's own.
  const scope = options.budgetScope ?? budgetScope(String(job.request.url ?? ""), job.name);
  const units = Object.entries(rate.units ?? {}).map(([unit, windows]) => {
    const long = persistedWindows(windows);
    const budget = long.length > 0 ? new RateBudget(store, scope, long, { unit }) : undefined;
    return [unit, { windows, burst: burstOf(burst, unit), ...(budget ? { budget } : {}) }];
  });
  return new RateLimiter({
    windows,
    burst: burstOf(burst, REQUESTS),
    ...(units.length > 0 ? { units: Object.fromEntries(units) } : {}),
    clock,
    serverQuota: {
      learnFirst: true,
      inflightTtlMs: 2 * timeoutMs + 1000,
      maxResetMs: maxRetryAfterMs,
    },
    ...(rate.kind === "auto" ? { adaptive } : {}),
    ...(breaker ? { breaker } : {}),
    ...(long.length > 0 ? { budget: new RateBudget(store, scope, long) } : {}),
    ...(options.cooldown ? { cooldown: options.cooldown } : {}),
    maxRetryAfterMs,
  });
}

/** One line about what the limiter learnt, for the end of a run; empty when nothing. */
export function describeLimiter(report: LimiterReport): string {
  const parts: string[] = [];
  const a = report.adaptive;
  if (a) {
    parts.push(
      `auto rate ${a.rate.toFixed(1)}/s (${a.phase}` +
        (a.ceiling !== undefined ? `; 429s from ${a.ceiling.toFixed(1)}/s` : "") + ")",
    );
  }
  if (report.breaker?.opened) parts.push(`circuit breaker opened ${report.breaker.opened} times`);
  return parts.join("; ");
}
