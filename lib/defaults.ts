/**
 * Every default of a run, in one place: the library's options, the CLI's
 * flags and the docs read them from here instead of repeating the numbers.
 *
 * @example Usage
 * ```ts
 * import { DEFAULTS } from "./defaults.ts";
 * import assert from "node:assert/strict";
 * assert.equal(DEFAULTS.timeoutMs, 30_000);
 * ```
 *
 * @module
 */
import { VERSION } from "./version.ts";

/** The defaults of a run's options (times in milliseconds, sizes in bytes). */
export const DEFAULTS = {
  /** The database a run keeps its jobs and answers in. */
  db: "file:sluice.db",
  /** Requests in flight at once. */
  concurrency: 16,
  /** Requests allowed at once above the steady rate. */
  burst: 1,
  /** Pacing when no rate is given: polite, and said so at start. */
  ratePerSecond: 10,
  /** Per-attempt timeout. */
  timeoutMs: 30_000,
  /** Largest response body accepted. */
  maxBodyBytes: 10_000_000,
  /** Attempts (not counting throttled ones) before an item fails. */
  maxAttempts: 5,
  /** Throttled attempts (429) before an item fails. */
  maxThrottled: 50,
  /** Longest `Retry-After` (or quota reset) honoured; longer ones are cut to this. */
  maxRetryAfterMs: 300_000,
  /**
   * Ceiling of the job's first cooldown after a 429 or 503 without `Retry-After`;
   * each one more in a row doubles it, up to {@linkcode DEFAULTS.cooldownCapMs}.
   */
  cooldownBaseMs: 1_000,
  /** Ceiling of any cooldown after 429s or 503s without `Retry-After` (a success resets the run). */
  cooldownCapMs: 10_000,
  /** Delay ceiling before jitter for the first retry. */
  retryBaseMs: 500,
  /** Upper bound of any retry delay. */
  retryCapMs: 60_000,
  /** Statuses retried with backoff. */
  retryStatuses: [408, 425, 500, 502, 503, 504] as readonly number[],
  /** Redirects followed per attempt; more fail the item. */
  maxRedirects: 10,
  /** Pages of one query followed at most (`--next`). */
  maxPages: 100,
  /** How long a claim is valid without renewal. */
  leaseMs: 60_000,
  /** After a stop is requested, how long in-flight requests may finish. */
  graceMs: 10_000,
  /** How long a processor may take over one answer before that item fails (`process: timed out`). */
  processorTimeoutMs: 30_000,
  /** Consecutive failures (5xx but 503, network, timeout) that open the circuit breaker (0 = off). */
  breakerThreshold: 10,
  /** First pause of an open breaker before one probe request. */
  breakerCooldownMs: 10_000,
  /** Longest pause of an open breaker: each failed probe doubles the pause up to this. */
  breakerMaxCooldownMs: 30_000,
  /** Result rows per transaction. */
  batchSize: 1000,
  /** Name of the idempotency header. */
  idempotencyHeader: "Idempotency-Key",
  /** The `User-Agent` header. */
  userAgent: `sluice/${VERSION}`,
  /** The dashboard's port (`sluice dashboard`, `sluice run --dashboard`). */
  dashboardPort: 8788,
  /** The mock API's port (`sluice mock`). */
  mockPort: 8787,
} as const;
