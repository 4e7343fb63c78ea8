/**
 * Full-jitter exponential backoff.
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";

/** Options for {@linkcode backoffDelay}. */
export interface BackoffOptions {
  /** Delay ceiling before jitter for the first retry. @default 500 */
  baseMs?: number;
  /** Upper bound of any delay. @default 60_000 */
  capMs?: number;
  /** Source of randomness in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * "Full jitter": a uniform random delay in [0, min(cap, base * 2^(attempt-1))).
 *
 * @param attempt 1 for the first retry.
 *
 * @example Usage
 * ```ts
 * import { backoffDelay } from "./backoff.ts";
 * import assert from "node:assert/strict";
 * assert.equal(backoffDelay(3, { baseMs: 500, random: () => 0.5 }), 1000);
 * assert.equal(backoffDelay(30, { capMs: 60_000, random: () => 0.999 }), 59_940);
 * ```
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const { baseMs = DEFAULTS.retryBaseMs, capMs = DEFAULTS.retryCapMs, random = Math.random } =
    options;
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
