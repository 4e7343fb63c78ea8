/**
 * Reads what a server says about its rate limits: the IETF `RateLimit` +
 * `RateLimit-Policy` fields (httpapi draft, both the list form
 * `"default";r=50;t=30` with the policy's quota unit `qu`, and the older
 * dictionary form `limit=100, remaining=50, reset=30`), the older
 * `RateLimit-Limit/-Remaining/-Reset` headers, `X-RateLimit-*` (also
 * `X-Rate-Limit-*`), and the families that count units besides requests:
 * OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (resets
 * like `6m0s` or `1.2s`) and Anthropic's
 * `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`
 * (RFC 3339 resets). Anything malformed is ignored; the parser never throws.
 *
 * @module
 */
import { REQUESTS } from "./rate_spec.ts";
import {
  anyReset,
  deltaReset,
  isNumber,
  makeQuota,
  number,
  quotaInfo,
  quotaUnit,
  type RateLimitInfo,
  type RateLimitQuota,
} from "./_header_values.ts";
import { ANTHROPIC, OPENAI, parseUnitFamilies } from "./unit_header_families.ts";
import { headerFields } from "../util/header_fields.ts";

export type { RateLimitInfo, RateLimitQuota } from "./_header_values.ts";

interface Member {
  item: string | undefined;
  params: Map<string, string>;
}

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
 *   unit: "requests",
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
    const general = parseIetf(headers, now) ?? parseTrio(headers, now);
    const units = parseUnitFamilies(headers, now);
    if (!units) return general;
    if (!general) return units;
    return quotaInfo(general.family, [...general.quotas, ...units.quotas]);
  } catch {
    return undefined; // belt and braces: a server's typo must never stop a run
  }
}

function parseIetf(headers: Headers, now: number): RateLimitInfo | undefined {
  const value = headers.get("ratelimit");
  if (value === null) return undefined;
  const policies = new Map<string, { limit: number; windowMs?: number; unit: string }>();
  for (const m of parseList(headers.get("ratelimit-policy") ?? "")) {
    // New form: "name";q=100;w=60;qu="tokens". Older form: 100;w=60 (the item is the quota).
    const name = m.item !== undefined && !isNumber(m.item) ? m.item : "default";
    const limit = number(m.params.get("q") ?? (m.item !== undefined ? m.item : undefined));
    const w = number(m.params.get("w"));
    const unit = quotaUnit(m.params.get("qu"));
    if (limit === undefined || !(limit > 0) || policies.has(name) || !unit) continue;
    policies.set(name, {
      limit,
      unit,
      ...(w !== undefined && w > 0 ? { windowMs: w * 1000 } : {}),
    });
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
      unit: REQUESTS,
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
      unit: policy?.unit ?? REQUESTS,
    });
    if (quota) quotas.push(quota);
  }
  return quotaInfo("ietf", quotas);
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
 * names (lower-cased, read once per answer) costs less than a lookup per name.
 */
function mentionsRateLimit(headers: Headers): boolean {
  for (const name of headerFields(headers).keys()) {
    if (NEEDED.has(name) || OPENAI.test(name) || ANTHROPIC.test(name)) return true;
  }
  return false;
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
      unit: REQUESTS,
    });
    return quotaInfo(family, quota ? [quota] : []);
  }
  return undefined;
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
