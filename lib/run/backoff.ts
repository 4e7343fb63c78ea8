/**
 * Full-jitter exponential backoff and `Retry-After` parsing.
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

/**
 * Parses a `Retry-After` value: delta seconds or an HTTP-date. Returns the
 * delay in milliseconds (never negative), or `undefined` when absent or malformed.
 *
 * @param value The header value.
 * @param now The current time (epoch ms), for the HTTP-date form.
 *
 * @example Usage
 * ```ts
 * import { parseRetryAfter } from "./backoff.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseRetryAfter("3", 0), 3000);
 * const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
 * assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:28:05 GMT", now), 5000);
 * assert.equal(parseRetryAfter("soon", now), undefined);
 * ```
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
