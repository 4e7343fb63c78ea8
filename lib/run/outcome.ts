/**
 * The outcome policy: what one attempt's result means for its item. Reads top
 * to bottom, like the table in the design.
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import type { AttemptFailure } from "../http/attempt_failure.ts";
import { backoffDelay, type BackoffOptions } from "./backoff.ts";
import { parseRetryAfter } from "../rate/retry_after.ts";

/** Options of the outcome policy. */
export interface OutcomePolicy {
  /** Attempts (not counting throttled ones) before an item fails. @default 5 */
  maxAttempts?: number;
  /** Throttled answers (429) an item gets at most: the last fails it. @default 50 */
  maxThrottled?: number;
  /** Longest `Retry-After` honoured; longer ones are cut to this. @default 300_000 */
  maxRetryAfterMs?: number;
  /** Statuses retried with backoff. @default [408, 425, 500, 502, 503, 504] */
  retryStatuses?: readonly number[];
  /** Backoff between retries. @default { baseMs: 500, capMs: 60_000 } */
  backoff?: BackoffOptions;
}

/** What came back from one attempt. */
export interface Observation {
  status?: number;
  headers?: Headers;
  failure?: AttemptFailure;
}

/** What happens to the item next. */
export type Outcome =
  | { kind: "done" }
  | { kind: "failed"; reason: string }
  | { kind: "retry"; delayMs: number; reason: string }
  /**
   * Re-queued without spending an attempt, for the job's cooldown: `cooldownMs`
   * is the server's `Retry-After` (capped), absent when it gave none (the
   * limiter's backoff decides then).
   */
  | { kind: "throttled"; cooldownMs?: number; reason: string };

/**
 * Decides an attempt's outcome.
 *
 * @param observation The attempt's response status and headers, or its failure.
 * @param counts The item's attempts and throttled attempts *before* this one.
 * @param policy The policy.
 * @param now The current time (epoch ms), for `Retry-After` dates.
 *
 * @example Usage
 * ```ts
 * import { decideOutcome } from "./outcome.ts";
 * import assert from "node:assert/strict";
 * const counts = { attempts: 0, throttled: 0 };
 * assert.deepEqual(decideOutcome({ status: 200 }, counts, {}, 0), { kind: "done" });
 * assert.deepEqual(decideOutcome({ status: 404 }, counts, {}, 0), {
 *   kind: "failed",
 *   reason: "http 404",
 * });
 * const throttled = decideOutcome(
 *   { status: 429, headers: new Headers({ "retry-after": "2" }) },
 *   counts,
 *   {},
 *   0,
 * );
 * assert.deepEqual(throttled, { kind: "throttled", cooldownMs: 2000, reason: "http 429" });
 * ```
 */
export function decideOutcome(
  observation: Observation,
  counts: { attempts: number; throttled: number },
  policy: OutcomePolicy,
  now: number,
): Outcome {
  const {
    maxAttempts = DEFAULTS.maxAttempts,
    maxThrottled = DEFAULTS.maxThrottled,
    maxRetryAfterMs = DEFAULTS.maxRetryAfterMs,
    retryStatuses = DEFAULTS.retryStatuses,
    backoff = {},
  } = policy;
  const { status, headers, failure } = observation;
  const attempts = counts.attempts + 1;
  const retryOrFail = (reason: string): Outcome =>
    attempts < maxAttempts ? { kind: "retry", delayMs: backoffDelay(attempts, backoff), reason } : {
      kind: "failed",
      reason: `${reason} (after ${attempts} attempt${attempts === 1 ? "" : "s"})`,
    };

  if (failure) {
    if (failure.kind === "timeout" || failure.kind === "network") {
      return retryOrFail(failure.kind === "timeout" ? "timeout" : `network: ${failure.message}`);
    }
    return { kind: "failed", reason: failure.message };
  }
  if (status === undefined) return { kind: "failed", reason: "no response" };
  if (status >= 200 && status < 300) return { kind: "done" };

  const retryAfter = parseRetryAfter(headers?.get("retry-after"), now);
  if (status === 429 || (status === 503 && retryAfter !== undefined)) {
    // The maxThrottled-th 429 is the last an item gets, as maxAttempts counts attempts.
    if (counts.throttled + 1 >= maxThrottled) {
      return { kind: "failed", reason: `http ${status} (throttled ${counts.throttled + 1} times)` };
    }
    const reason = `http ${status}`;
    if (retryAfter === undefined) return { kind: "throttled", reason };
    return { kind: "throttled", cooldownMs: Math.min(retryAfter, maxRetryAfterMs), reason };
  }
  if (retryStatuses.includes(status)) return retryOrFail(`http ${status}`);
  return { kind: "failed", reason: `http ${status}` };
}
