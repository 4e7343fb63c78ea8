/**
 * Pacing the run's limiter would refuse when it starts, found while the
 * flags are read: reported as bad input before anything is imported or sent.
 *
 * @module
 */
import { asInputError } from "../util/as_input_error.ts";
import { InputError } from "../errors.ts";
import { CircuitBreaker, type CircuitBreakerOptions } from "./circuit_breaker.ts";
import { persistedWindows } from "./rate_budget.ts";
import type { RateSpec } from "./rate_spec.ts";

/**
 * Checks the rate and breaker a run would start its limiter with.
 *
 * @throws {InputError} For a breaker cooldown beyond the breaker's longest
 * pause, or a long window (kept in the database as a budget) that allows
 * less than one request.
 *
 * @example Usage
 * ```ts
 * import { checkPacing } from "./check_pacing.ts";
 * import { parseRate } from "./rate_spec.ts";
 * import assert from "node:assert/strict";
 * checkPacing(parseRate("20/s,50000/day"), { threshold: 10, cooldownMs: 10_000 });
 * assert.throws(() => checkPacing(parseRate("0.5/day"), false), {
 *   name: "InputError",
 *   message: "Cannot keep a budget without a limit of at least 1 per window: current value is '0.5'",
 * });
 * ```
 */
export function checkPacing(rate: RateSpec, breaker: CircuitBreakerOptions | false): void {
  // The breaker checks its own options when built; building one here runs that check early.
  if (breaker) asInputError(() => new CircuitBreaker(breaker));
  // The budget of a long window counts whole requests, one chunk at a time.
  const long = rate.kind === "windows" ? persistedWindows(rate.windows) : [];
  const smallest = Math.min(...long.map((w) => w.limit));
  if (long.length > 0 && !(smallest >= 1)) {
    throw new InputError(
      `Cannot keep a budget without a limit of at least 1 per window: current value is '${smallest}'`,
    );
  }
}
