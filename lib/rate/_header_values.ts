/**
 * The values rate-limit headers are made of, read forgivingly: numbers,
 * resets (a delta, Unix seconds or ms, an HTTP or RFC 3339 date), quota
 * units, and one quota assembled from them. Private helpers of the header
 * parsers (rate_limit_headers.ts, unit_header_families.ts).
 *
 * @module
 */
import { REQUESTS, unitName } from "./rate_spec.ts";

/** One quota the server reported, in absolute clock time. */
export interface RateLimitQuota {
  /** The policy's name; `"default"` when the server gives none, the unit's for OpenAI and Anthropic. */
  name: string;
  /** What the quota counts: `requests`, `tokens`, `input-tokens`, ... */
  unit: string;
  /** Requests (or units) still allowed before the quota resets. */
  remaining: number;
  /**
   * Latest time (epoch ms) the quota can reset. Whole seconds are taken as
   * rounded up, so this is an upper bound.
   */
  resetAt: number;
  /** Earliest time (epoch ms) the quota can have reset (`resetAt` minus the rounding). */
  resetFrom: number;
  /** The policy's full quota, when the server says it. */
  limit?: number;
  /** The policy's window in ms, when the server says it. */
  windowMs?: number;
  /**
   * The quota refills evenly until `resetAt`, when it is full again (a token
   * bucket, as OpenAI's and Anthropic's are), rather than all at once then.
   */
  refills?: true;
}

/** Everything a response said about rate limits. */
export interface RateLimitInfo {
  /** Which header family carried it (the first, when several did). */
  family: "ietf" | "legacy" | "x" | "openai" | "anthropic";
  /** Every valid quota, in header order. */
  quotas: RateLimitQuota[];
  /** The most restrictive quota: least remaining, then latest reset. */
  binding: RateLimitQuota;
}

// A reset value from this point up is a Unix time, not a delta: a delta of
// 10^9 s would be 31 years, and a Unix time below it predates 2001.
export const EPOCH_SECONDS_FROM = 1e9;
export const EPOCH_MS_FROM = 1e12;

/** The quotas read, with the most restrictive; undefined when none. */
export function quotaInfo(
  family: RateLimitInfo["family"],
  quotas: RateLimitQuota[],
): RateLimitInfo | undefined {
  let binding: RateLimitQuota | undefined;
  for (const q of quotas) {
    if (
      !binding || q.remaining < binding.remaining ||
      (q.remaining === binding.remaining && q.resetAt > binding.resetAt)
    ) binding = q;
  }
  return binding ? { family, quotas, binding } : undefined;
}

/** One quota from its parts; undefined when `remaining` or the reset is not usable. */
export function makeQuota(
  name: string,
  remainingText: string | undefined,
  reset: [from: number, at: number] | undefined,
  extra: { limit: number | undefined; windowMs: number | undefined; unit: string },
): RateLimitQuota | undefined {
  const remaining = number(remainingText);
  if (remaining === undefined || remaining < 0 || !Number.isInteger(remaining) || !reset) {
    return undefined;
  }
  const quota: RateLimitQuota = {
    name,
    unit: extra.unit,
    remaining,
    resetAt: reset[1],
    resetFrom: reset[0],
  };
  if (extra.limit !== undefined && extra.limit > 0) quota.limit = extra.limit;
  if (extra.windowMs !== undefined && extra.windowMs > 0) quota.windowMs = extra.windowMs;
  return quota;
}

/** A delta in seconds; whole seconds are read as rounded up. */
export function deltaReset(text: string | undefined, now: number): [number, number] | undefined {
  const s = number(text);
  if (s === undefined || s < 0) return undefined;
  const at = now + s * 1000;
  return [Number.isInteger(s) ? Math.max(now, at - 1000) : at, at];
}

/** A delta in seconds, Unix seconds, Unix ms, or an HTTP date, told apart by size. */
export function anyReset(text: string | null, now: number): [number, number] | undefined {
  if (text === null) return undefined;
  const v = number(text);
  if (v === undefined) {
    const date = /[a-z]/i.test(text) ? Date.parse(text) : NaN;
    return Number.isNaN(date) ? undefined : [Math.max(now, date - 1000), Math.max(now, date)];
  }
  if (v >= EPOCH_MS_FROM) return [Math.max(now, v), Math.max(now, v)];
  if (v >= EPOCH_SECONDS_FROM) {
    const at = v * 1000;
    return [Math.max(now, Number.isInteger(v) ? at - 1000 : at), Math.max(now, at)];
  }
  return deltaReset(text, now);
}

/** A non-negative decimal number, or undefined. */
export function number(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^\d+(\.\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** Whether `text` is a non-negative decimal number. */
export function isNumber(text: string): boolean {
  return number(text) !== undefined;
}

/** A quota's unit as sluice names it (`requests` when none); undefined for a bad name. */
export function quotaUnit(text: string | undefined): string | undefined {
  if (text === undefined) return REQUESTS;
  try {
    return unitName(text, "quota");
  } catch {
    return undefined;
  }
}
