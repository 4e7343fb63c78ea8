/**
 * The `Retry-After` header: how long a server asks to be left alone. Read
 * by the limiter (a cooldown for the whole job) and the outcome policy.
 *
 * @module
 */

/**
 * Parses a `Retry-After` value: delta seconds or an HTTP-date. Returns the
 * delay in milliseconds (never negative), or `undefined` when absent or malformed.
 *
 * @param value The header value.
 * @param now The current time (epoch ms), for the HTTP-date form.
 *
 * @example Usage
 * ```ts
 * import { parseRetryAfter } from "./retry_after.ts";
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
