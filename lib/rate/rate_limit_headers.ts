/**
 * Reads what a server says about its rate limits: the IETF `RateLimit` +
 * `RateLimit-Policy` fields (httpapi draft, both the list form
 * `"default";r=50;t=30` and the older dictionary form `limit=100, remaining=50,
 * reset=30`), the older `RateLimit-Limit/-Remaining/-Reset` headers, and
 * `X-RateLimit-*` (also `X-Rate-Limit-*`). Anything malformed is ignored; the
 * parser never throws.
 *
 * @module
 */

/** One quota the server reported, in absolute clock time. */
export interface RateLimitQuota {
  /** The policy's name; `"default"` when the server gives none. */
  name: string;
  /** Requests still allowed before the quota resets. */
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
}

/** Everything a response said about rate limits. */
export interface RateLimitInfo {
  /** Which header family carried it. */
  family: "ietf" | "legacy" | "x";
  /** Every valid quota, in header order. */
  quotas: RateLimitQuota[];
  /** The most restrictive quota: least remaining, then latest reset. */
  binding: RateLimitQuota;
}

interface Member {
  item: string | undefined;
  params: Map<string, string>;
}

// A reset value from this point up is a Unix time, not a delta: a delta of
// 10^9 s would be 31 years, and a Unix time below it predates 2001.
const EPOCH_SECONDS_FROM = 1e9;
const EPOCH_MS_FROM = 1e12;

/**
 * Parses the rate-limit headers of a response. Returns `undefined` when there
 * are none or none is usable.
 *
 * @param headers The response headers.
 * @param now When the response arrived (epoch ms): deltas count from here.
 *
 * @example IETF fields, several policies
 * ```ts
 * import { parseRateLimitHeaders } from "./rate_limit_headers.ts";
 * import assert from "node:assert/strict";
 * const headers = new Headers({
 *   "RateLimit-Policy": '"second";q=50;w=1, "hour";q=1000;w=3600',
 *   "RateLimit": '"second";r=40;t=1, "hour";r=7;t=1800',
 * });
 * const info = parseRateLimitHeaders(headers, 0)!;
 * assert.equal(info.quotas.length, 2);
 * assert.deepEqual(info.binding, {
 *   name: "hour",
 *   remaining: 7,
 *   resetAt: 1_800_000,
 *   resetFrom: 1_799_000,
 *   limit: 1000,
 *   windowMs: 3_600_000,
 * });
 * ```
 *
 * @example X-RateLimit with an epoch reset, and a malformed header
 * ```ts
 * import { parseRateLimitHeaders } from "./rate_limit_headers.ts";
 * import assert from "node:assert/strict";
 * const now = 1_700_000_000_000;
 * const info = parseRateLimitHeaders(
 *   new Headers({ "X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "1700000030" }),
 *   now,
 * )!;
 * assert.equal(info.binding.resetAt - now, 30_000);
 * assert.equal(parseRateLimitHeaders(new Headers({ "RateLimit": "r=oops" }), now), undefined);
 * ```
 */
export function parseRateLimitHeaders(
  headers: Headers | undefined,
  now: number,
): RateLimitInfo | undefined {
  // Most servers send none of these: a few lookups, not a parse, answer for them
  // (each family below needs one of these fields to yield anything).
  if (!headers || !mentionsRateLimit(headers)) return undefined;
  try {
    return parseIetf(headers, now) ?? parseTrio(headers, now);
  } catch {
    return undefined; // belt and braces: a server's typo must never stop a run
  }
}

function parseIetf(headers: Headers, now: number): RateLimitInfo | undefined {
  const value = headers.get("ratelimit");
  if (value === null) return undefined;
  const policies = new Map<string, { limit: number; windowMs?: number }>();
  for (const m of parseList(headers.get("ratelimit-policy") ?? "")) {
    // New form: "name";q=100;w=60. Older form: 100;w=60 (the item is the quota).
    const name = m.item !== undefined && !isNumber(m.item) ? m.item : "default";
    const limit = number(m.params.get("q") ?? (m.item !== undefined ? m.item : undefined));
    const w = number(m.params.get("w"));
    if (limit === undefined || !(limit > 0) || policies.has(name)) continue;
    policies.set(name, { limit, ...(w !== undefined && w > 0 ? { windowMs: w * 1000 } : {}) });
  }
  const members = parseList(value);
  const quotas: RateLimitQuota[] = [];
  // The older draft's dictionary: limit=100, remaining=50, reset=30.
  const dict = new Map<string, string>();
  for (const m of members) if (m.item?.includes("=")) dict.set(...splitPair(m.item));
  if (dict.has("remaining")) {
    const quota = makeQuota("default", dict.get("remaining"), deltaReset(dict.get("reset"), now), {
      limit: number(dict.get("limit")),
      windowMs: policies.values().next().value?.windowMs,
    });
    if (quota) quotas.push(quota);
  }
  for (const m of members) {
    if (!m.params.has("r")) continue;
    const name = m.item !== undefined && !m.item.includes("=") ? m.item : "default";
    const policy = policies.get(name);
    const quota = makeQuota(name, m.params.get("r"), deltaReset(m.params.get("t") ?? "0", now), {
      limit: policy?.limit,
      windowMs: policy?.windowMs,
    });
    if (quota) quotas.push(quota);
  }
  return result("ietf", quotas);
}

// The families of a limit/remaining/reset trio, by their prefix, in the order they are tried.
const TRIOS = [
  ["legacy", "ratelimit-"],
  ["x", "x-ratelimit-"],
  ["x", "x-rate-limit-"],
] as const;
// The fields a family needs to yield anything: `RateLimit`, or a trio's `-Remaining`.
const NEEDED = new Set(["ratelimit", ...TRIOS.map(([, prefix]) => `${prefix}remaining`)]);

/**
 * Whether `headers` has a field any family is read from. One pass over the
 * fields (names come lower-cased) costs less than a lookup per name.
 */
function mentionsRateLimit(headers: Headers): boolean {
  let found = false;
  headers.forEach((_value, name) => {
    if (NEEDED.has(name)) found = true;
  });
  return found;
}

function parseTrio(headers: Headers, now: number): RateLimitInfo | undefined {
  for (const [family, prefix] of TRIOS) {
    const remaining = headers.get(`${prefix}remaining`);
    if (remaining === null) continue;
    const limitText = headers.get(`${prefix}limit`) ?? "";
    // A limit may carry a policy as in an early draft: "100, 100;w=60".
    const policy = parseList(limitText).find((m) => m.params.has("w"));
    const w = number(policy?.params.get("w"));
    const resetAfter = headers.get(`${prefix}reset-after`);
    const reset = resetAfter !== null
      ? deltaReset(resetAfter, now)
      : anyReset(headers.get(`${prefix}reset`), now);
    const quota = makeQuota("default", remaining.split(",")[0], reset, {
      limit: number(limitText.split(/[,;]/)[0]),
      windowMs: w !== undefined && w > 0 ? w * 1000 : undefined,
    });
    return result(family, quota ? [quota] : []);
  }
  return undefined;
}

function result(family: RateLimitInfo["family"], quotas: RateLimitQuota[]) {
  let binding: RateLimitQuota | undefined;
  for (const q of quotas) {
    if (
      !binding || q.remaining < binding.remaining ||
      (q.remaining === binding.remaining && q.resetAt > binding.resetAt)
    ) binding = q;
  }
  return binding ? { family, quotas, binding } : undefined;
}

function makeQuota(
  name: string,
  remainingText: string | undefined,
  reset: [from: number, at: number] | undefined,
  extra: { limit: number | undefined; windowMs: number | undefined },
): RateLimitQuota | undefined {
  const remaining = number(remainingText);
  if (remaining === undefined || remaining < 0 || !Number.isInteger(remaining) || !reset) {
    return undefined;
  }
  const quota: RateLimitQuota = { name, remaining, resetAt: reset[1], resetFrom: reset[0] };
  if (extra.limit !== undefined && extra.limit > 0) quota.limit = extra.limit;
  if (extra.windowMs !== undefined && extra.windowMs > 0) quota.windowMs = extra.windowMs;
  return quota;
}

/** A delta in seconds; whole seconds are read as rounded up. */
function deltaReset(text: string | undefined, now: number): [number, number] | undefined {
  const s = number(text);
  if (s === undefined || s < 0) return undefined;
  const at = now + s * 1000;
  return [Number.isInteger(s) ? Math.max(now, at - 1000) : at, at];
}

/** A delta in seconds, Unix seconds, Unix ms, or an HTTP date, told apart by size. */
function anyReset(text: string | null, now: number): [number, number] | undefined {
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

function number(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^\d+(\.\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

function isNumber(text: string): boolean {
  return number(text) !== undefined;
}

function splitPair(text: string): [string, string] {
  const i = text.indexOf("=");
  return [text.slice(0, i).trim().toLowerCase(), text.slice(i + 1).trim()];
}

/** A forgiving reading of a structured-field list: members split on commas, params on semicolons. */
function parseList(text: string): Member[] {
  const members: Member[] = [];
  for (const raw of splitOutsideQuotes(text, ",")) {
    const parts = splitOutsideQuotes(raw, ";").map((p) => p.trim());
    if (parts.length === 0 || parts.every((p) => p === "")) continue;
    const head = parts[0]!;
    const params = new Map<string, string>();
    let item: string | undefined = unquote(head);
    // `q=100;w=60`: no item, the first part is already a parameter.
    if (head.includes("=") && !head.startsWith('"')) {
      const [k, v] = splitPair(head);
      if (["q", "w", "r", "t"].includes(k)) {
        params.set(k, unquote(v));
        item = undefined;
      }
    }
    for (const p of parts.slice(1)) {
      if (!p.includes("=")) continue;
      const [k, v] = splitPair(p);
      if (!params.has(k)) params.set(k, unquote(v));
    }
    members.push({ item: item === "" ? undefined : item, params });
  }
  return members;
}

function unquote(text: string): string {
  const t = text.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const out: string[] = [];
  let current = "";
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      out.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  out.push(current);
  return out;
}
