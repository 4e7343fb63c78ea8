/**
 * The header families that count units besides requests, one
 * limit/remaining/reset trio per unit: OpenAI's
 * `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (resets as Go
 * durations: `6m0s`, `1.2s`, `20ms`, the time until the bucket is full) and
 * Anthropic's `anthropic-ratelimit-{unit}-{limit,remaining,reset}` (RFC 3339
 * resets). Both are buckets that refill evenly.
 *
 * @module
 */
import {
  anyReset,
  makeQuota,
  number,
  quotaInfo,
  quotaUnit,
  type RateLimitInfo,
  type RateLimitQuota,
} from "./_header_values.ts";

/** OpenAI's field of what is left of a unit, the unit last: `x-ratelimit-remaining-tokens`. */
export const OPENAI: RegExp = /^x-ratelimit-remaining-([a-z][a-z0-9_-]*)$/;
/** Anthropic's field of what is left of a unit, the unit first: `anthropic-ratelimit-tokens-remaining`. */
export const ANTHROPIC: RegExp = /^anthropic-ratelimit-([a-z][a-z0-9_-]*)-remaining$/;

/**
 * Reads OpenAI's and Anthropic's families, one limit/remaining/reset trio
 * per unit; undefined when the headers hold none.
 *
 * @example Usage
 * ```ts
 * import { parseUnitFamilies } from "./unit_header_families.ts";
 * import assert from "node:assert/strict";
 * const info = parseUnitFamilies(new Headers({
 *   "x-ratelimit-limit-tokens": "90000",
 *   "x-ratelimit-remaining-tokens": "45000",
 *   "x-ratelimit-reset-tokens": "30s",
 * }), 0)!;
 * assert.deepEqual(
 *   [info.family, info.binding.unit, info.binding.remaining, info.binding.resetAt],
 *   ["openai", "tokens", 45_000, 30_000],
 * );
 * ```
 */
export function parseUnitFamilies(headers: Headers, now: number): RateLimitInfo | undefined {
  const found: { family: "openai" | "anthropic"; unit: string; field: (f: string) => string }[] =
    [];
  headers.forEach((_value, name) => {
    const openai = OPENAI.exec(name)?.[1];
    if (openai) {
      found.push({
        family: "openai",
        unit: openai,
        field: (f) => `x-ratelimit-${f}-${openai}`,
      });
    }
    const anthropic = ANTHROPIC.exec(name)?.[1];
    if (anthropic) {
      found.push({
        family: "anthropic",
        unit: anthropic,
        field: (f) => `anthropic-ratelimit-${anthropic}-${f}`,
      });
    }
  });
  const quotas: RateLimitQuota[] = [];
  for (const { unit, field } of found) {
    const name = quotaUnit(unit);
    if (!name) continue;
    // `tokens-minute`, `requests-day` (as Cerebras and Mistral spell them): the unit, in a window.
    const { base, periodMs } = periodOf(name);
    const resetText = headers.get(field("reset"));
    const quota = makeQuota(
      name,
      headers.get(field("remaining")) ?? undefined,
      goReset(resetText, now) ?? anyReset(resetText, now) ??
        // No reset said: the window's length is the latest it can be.
        (periodMs !== undefined && resetText === null ? [now, now + periodMs] : undefined),
      { limit: number(headers.get(field("limit")) ?? undefined), windowMs: periodMs, unit: base },
    );
    // Both document a bucket replenished continuously, its reset the time it is full again;
    // a limit named by its window is taken as that window, nothing back before its reset.
    if (quota) quotas.push(periodMs === undefined ? { ...quota, refills: true } : quota);
  }
  return quotas.length > 0 ? quotaInfo(found[0]!.family, quotas) : undefined;
}

const PERIODS: Record<string, number> = {
  second: 1000,
  sec: 1000,
  minute: 60_000,
  min: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
  month: 2_592_000_000,
};

/** `tokens-minute` → tokens in a minute's window; `tokens` → tokens (no window said). */
function periodOf(name: string): { base: string; periodMs: number | undefined } {
  const match = /^(.+?)[-_](?:per[-_])?(second|sec|minute|min|hour|day|week|month)s?$/.exec(name);
  return match
    ? { base: match[1]!, periodMs: PERIODS[match[2]!] }
    : { base: name, periodMs: undefined };
}

const GO_UNITS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 1e-3,
  "µs": 1e-3,
  ns: 1e-6,
};

/**
 * A Go duration as OpenAI sends resets (`6m0s`, `1.2s`, `20ms`, `1h2m3.5s`);
 * one whose finest part is whole seconds is read as rounded up.
 */
function goReset(text: string | null, now: number): [number, number] | undefined {
  const t = text?.trim() ?? "";
  if (!/^(\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+$/.test(t)) return undefined;
  let ms = 0;
  let last = "";
  let whole = true;
  for (const [, value, , unit] of t.matchAll(/(\d+(\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) {
    ms += Number(value) * GO_UNITS[unit!]!;
    last = unit!;
    whole = Number.isInteger(Number(value));
  }
  const at = now + ms;
  return [last === "s" && whole ? Math.max(now, at - 1000) : at, at];
}
