/**
 * The token-metered limits of the built-in mock API, as LLM APIs meter:
 * a bucket per unit (requests, tokens, input tokens, output tokens) that
 * starts full and refills evenly over its window; a request goes when every
 * bucket holds what it costs, and takes that from each. And the headers
 * that describe the buckets, in OpenAI's family
 * (`x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, resets as Go
 * durations such as `6m0s` or `1.2s`: the time until the bucket is full),
 * Anthropic's (`anthropic-ratelimit-{unit}-{limit,remaining,reset}`, resets
 * in RFC 3339), or the IETF draft's with quota units (`qu="tokens"`).
 *
 * @module
 */

/** One bucket's size and the window it refills over. */
export interface MeterWindow {
  /** Units the bucket holds when full. */
  limit: number;
  /** Time it takes to refill from empty. */
  periodMs: number;
}

/** Which family of headers describes the buckets. */
export type MeterHeaderFamily = "openai" | "anthropic" | "ietf" | "none";

/** The units a request costs, by the names the headers use. */
export type MeterCost = Readonly<Record<string, number>>;

/** What {@linkcode TokenMeter.take} decided. */
export interface MeterVerdict {
  /** True when every bucket held the cost (and it was taken). */
  allowed: boolean;
  /** When refused: how long until every bucket holds the cost. */
  retryAfterMs: number;
}

interface Bucket {
  unit: string;
  limit: number;
  periodMs: number;
  level: number;
  at: number;
}

// Anthropic's "tokens" limit is the most restrictive of its input and output limits.
const TOKEN_UNITS = ["requests", "tokens", "input-tokens", "output-tokens"];

/**
 * The buckets of the mock's token-metered routes.
 *
 * @example Usage
 * ```ts
 * import { TokenMeter } from "./token_meter.ts";
 * import assert from "node:assert/strict";
 * const meter = new TokenMeter({ tokens: { limit: 1000, periodMs: 1000 } }, 0);
 * assert.equal(meter.take(0, { tokens: 800 }).allowed, true);
 * assert.deepEqual(meter.take(0, { tokens: 300 }), { allowed: false, retryAfterMs: 100 });
 * const headers = new Headers();
 * meter.describe("openai", 0, headers);
 * assert.equal(headers.get("x-ratelimit-remaining-tokens"), "200");
 * assert.equal(headers.get("x-ratelimit-reset-tokens"), "800ms");
 * ```
 */
export class TokenMeter {
  readonly #buckets: Bucket[];

  /** Buckets of the units given, full at `now`. */
  constructor(limits: Readonly<Record<string, MeterWindow | undefined>>, now: number) {
    this.#buckets = [];
    for (const unit of TOKEN_UNITS) {
      const w = limits[unit];
      if (!w) continue;
      if (!(w.limit > 0) || !(w.periodMs > 0)) {
        throw new RangeError(
          `Cannot create the mock's ${unit} limit from a positive size and window: current value is '${w.limit}/${w.periodMs}ms'`,
        );
      }
      this.#buckets.push({ unit, limit: w.limit, periodMs: w.periodMs, level: w.limit, at: now });
    }
  }

  /** Takes `cost` (with one request) from every bucket if all hold it, else nothing. */
  take(now: number, cost: MeterCost): MeterVerdict {
    let waitMs = 0;
    for (const b of this.#buckets) {
      this.#refill(b, now);
      const need = b.unit === "requests" ? 1 : costOf(b.unit, cost);
      if (b.level < need) waitMs = Math.max(waitMs, ((need - b.level) * b.periodMs) / b.limit);
    }
    if (waitMs > 0) return { allowed: false, retryAfterMs: Math.ceil(waitMs) };
    for (const b of this.#buckets) b.level -= b.unit === "requests" ? 1 : costOf(b.unit, cost);
    return { allowed: true, retryAfterMs: 0 };
  }

  /** Adds the headers of `family` describing every bucket at `now`. */
  describe(family: MeterHeaderFamily, now: number, headers: Headers): void {
    if (family === "ietf") {
      const policy: string[] = [];
      const state: string[] = [];
      for (const b of this.#buckets) {
        this.#refill(b, now);
        const unit = b.unit === "requests" ? "" : `;qu="${b.unit}"`;
        policy.push(`"${b.unit}";q=${b.limit};w=${Math.ceil(b.periodMs / 1000)}${unit}`);
        // Seconds until the bucket is full again, rounded up.
        state.push(`"${b.unit}";r=${Math.floor(b.level)};t=${Math.ceil(fullInMs(b) / 1000)}`);
      }
      if (policy.length > 0) {
        headers.set("ratelimit-policy", policy.join(", "));
        headers.set("ratelimit", state.join(", "));
      }
      return;
    }
    for (const b of this.#buckets) {
      if (family === "none") break;
      this.#refill(b, now);
      const remaining = String(Math.floor(b.level));
      if (family === "openai") {
        headers.set(`x-ratelimit-limit-${b.unit}`, String(b.limit));
        headers.set(`x-ratelimit-remaining-${b.unit}`, remaining);
        headers.set(`x-ratelimit-reset-${b.unit}`, goDuration(fullInMs(b)));
      } else {
        headers.set(`anthropic-ratelimit-${b.unit}-limit`, String(b.limit));
        headers.set(`anthropic-ratelimit-${b.unit}-remaining`, remaining);
        // RFC 3339 in whole seconds, rounded up: never earlier than the bucket is full.
        const full = Math.ceil((now + fullInMs(b)) / 1000) * 1000;
        headers.set(
          `anthropic-ratelimit-${b.unit}-reset`,
          new Date(full).toISOString().replace(".000Z", "Z"),
        );
      }
    }
  }

  /** Fills every bucket again. */
  reset(now: number): void {
    for (const b of this.#buckets) [b.level, b.at] = [b.limit, now];
  }

  #refill(b: Bucket, now: number): void {
    if (now <= b.at) return;
    b.level = Math.min(b.limit, b.level + ((now - b.at) * b.limit) / b.periodMs);
    b.at = now;
  }
}

/** A unit's cost: `tokens` is input and output together when only those are given. */
function costOf(unit: string, cost: MeterCost): number {
  if (cost[unit] !== undefined) return cost[unit]!;
  if (unit === "tokens") return (cost["input-tokens"] ?? 0) + (cost["output-tokens"] ?? 0);
  return 0;
}

function fullInMs(b: Bucket): number {
  return ((b.limit - b.level) * b.periodMs) / b.limit;
}

/**
 * A duration as Go prints it (and OpenAI sends resets): `6m0s`, `1.2s`,
 * `20ms`, `1h2m3.5s`, `0s`; milliseconds rounded up.
 *
 * @example Usage
 * ```ts
 * import { goDuration } from "./token_meter.ts";
 * import assert from "node:assert/strict";
 * assert.equal(goDuration(360_000), "6m0s");
 * assert.equal(goDuration(1200), "1.2s");
 * assert.equal(goDuration(19.2), "20ms");
 * assert.equal(goDuration(3_723_500), "1h2m3.5s");
 * ```
 */
export function goDuration(ms: number): string {
  const total = Math.ceil(ms);
  if (total === 0) return "0s";
  if (total < 1000) return `${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = (total % 60_000) / 1000;
  return `${h > 0 ? `${h}h` : ""}${h > 0 || m > 0 ? `${m}m` : ""}${s}s`;
}
