/**
 * One of the server's quotas as the pacing tracks it: what the latest
 * answer announced (less what the server may not have counted yet), the
 * window it is in, the reset after which a full quota is assumed, and for a
 * bucket the refill counted in as time passes. Private to {@linkcode ServerQuota}
 * in server_quota.ts, which keeps the grants.
 *
 * @module
 */
import type { RateLimitQuota } from "./rate_limit_headers.ts";

/** What the pacing knows about one of the server's quotas. */
export interface QuotaState {
  /** The quota's name as the server gives it (or `default`). */
  name: string;
  /** The unit the quota counts: `requests`, `tokens`, ... */
  unit: string;
  /** Requests (or units) this client may still spend before `resetAt`. */
  budget: number;
  /** Latest time the current window ends. */
  resetAt: number;
  /** The full quota after a reset, when known (published, or the most ever seen remaining). */
  limit: number | undefined;
  /** The window length assumed after a reset. */
  windowMs: number | undefined;
  /**
   * The reset the server announced, when it was further away than
   * `maxResetMs` (`--max-retry-after`): `resetAt` is then that cap, not the
   * server's time. Undefined when the server's reset is honoured as is.
   */
  cappedFrom?: number;
  /**
   * A quota that refills evenly until `resetAt` (a bucket), rather than all
   * at once then: this client's part of its refill, per second.
   */
  refillPerSecond?: number;
}

/** What a quota needs from the grants' side to apply an answer, roll or refill. */
export interface QuotaContext {
  /** This client's part of the server's quotas (1 / workers of the job). */
  readonly share: number;
  /** Longest wait for a reset (`--max-retry-after`). */
  readonly maxResetMs: number;
  /** The latest grant number. */
  readonly granted: number;
  /** Requests granted and not answered. */
  readonly inflight: number;
  /** Their cost in the quota's unit. */
  readonly inflightCost: number;
}

// Sums of fractional costs are compared with this much slack.
const EPSILON = 1e-9;
// The reserve kept against estimates that run over is at most this part of a quota.
const MAX_MARGIN = 0.25;

/** This client's part of `count`: all of it alone, else its share but at least `least`. */
export function partOf(count: number, least: number, share: number): number {
  return share >= 1 ? count : Math.max(least, Math.floor(share * count));
}

/**
 * One quota's window, budget and refill.
 *
 * @example A bucket: what it lacks comes back at the rate it refills
 * ```ts
 * import { QuotaWindow } from "./quota_window.ts";
 * import assert from "node:assert/strict";
 * const ctx = { share: 1, maxResetMs: 300_000, granted: 1, inflight: 0, inflightCost: 0 };
 * const announced = {
 *   name: "tokens", unit: "tokens", remaining: 100, resetAt: 900, resetFrom: 900,
 *   limit: 1000, refills: true as const,
 * };
 * const q = QuotaWindow.announce(undefined, 1, announced, 0, 0, ctx)!;
 * assert.equal(q.budget, 100);
 * assert.equal(q.allowedAt(0, 300, 0), 200); // 1 token a ms
 * ```
 */
export class QuotaWindow implements QuotaState {
  name: string;
  unit: string;
  budget: number;
  resetAt: number;
  limit: number | undefined;
  windowMs: number | undefined;
  cappedFrom?: number;
  resetFrom: number;
  lastRemaining: number;
  lastGrant: number;
  published = false;
  /** Grants up to this one were made before the assumed window began: their answers describe the old one. */
  rolledAtGrant = 0;
  /** Past a capped reset: the budget counts one probe request, not the unit. */
  probing = false;
  /** A quota that refills evenly (a bucket): this client's part of the refill, per ms; else 0. */
  refillRate = 0;
  /** Until when the refill is counted in `budget`. */
  accruedAt: number;
  /**
   * The latest answer's reset as announced (not capped), when it was taken,
   * and the refill rate it implied (per ms, the whole quota's): what tells a
   * bucket from a fixed window (see `#judgeRefill`).
   */
  announced: { resetAt: number; resolution: number; at: number; rate: number } | undefined;
  /** Answers in a row whose reset stood still while the quota was spent. */
  stillResets = 0;
  /** The headers' family says bucket, but the resets say fixed window: no refill counted. */
  fixedWindow = false;

  private constructor(announced: RateLimitQuota, grant: number, now: number) {
    this.name = announced.name;
    this.unit = announced.unit;
    this.budget = 0;
    this.resetAt = announced.resetAt;
    this.resetFrom = announced.resetFrom;
    this.limit = announced.limit;
    this.windowMs = announced.windowMs;
    this.lastRemaining = announced.remaining;
    this.lastGrant = grant;
    this.accruedAt = now;
  }

  /**
   * Applies what the server announced in the answer to `grant`; `uncounted`
   * is what it may not have counted yet. Returns the quota to keep (`old`
   * updated, or a new one), or undefined when the answer is too old to tell.
   */
  static announce(
    old: QuotaWindow | undefined,
    grant: number,
    announced: RateLimitQuota,
    now: number,
    uncounted: number,
    ctx: QuotaContext,
  ): QuotaWindow | undefined {
    // The server counts the client key, not this process: the other workers of the job
    // spend the same `remaining`, so this one may take only its share of it.
    const budget = partOf(announced.remaining, 0, ctx.share) - uncounted;
    // Used up until a reset beyond the cap: the wait is cut to the cap, like a long
    // Retry-After. A quota with room left keeps its window (a day's, say) as it is.
    const cap = now + ctx.maxResetMs;
    const capped = budget < 1 && announced.resetAt > cap;
    const quota = capped
      ? { ...announced, resetAt: cap, resetFrom: Math.min(announced.resetFrom, cap) }
      : announced;
    if (old && grant <= old.rolledAtGrant) return old;
    if (old && grant < old.lastGrant) {
      // A late answer to an older request: it may only tighten.
      old.budget = Math.min(old.budget, budget);
      return old;
    }
    const limit = quota.limit ?? Math.max(old?.limit ?? 0, quota.remaining + 1);
    const span = quota.resetAt - now;
    const windowMs = quota.windowMs ??
      (old?.published ? old.windowMs : Math.max(old?.windowMs ?? 0, span, 1000));
    // Two capped answers in a row describe the same far reset: the first cap holds.
    const sameWindow = old !== undefined && quota.remaining <= old.lastRemaining &&
      (quota.resetFrom < old.resetAt || (capped && old.cappedFrom !== undefined)) &&
      now < old.resetAt;
    const q = old ?? new QuotaWindow(quota, grant, now);
    if (old && quota.refills && !capped) old.#judgeRefill(quota, now);
    if (sameWindow) {
      q.resetFrom = Math.max(q.resetFrom, quota.resetFrom);
      q.resetAt = Math.min(q.resetAt, quota.resetAt);
    } else {
      q.resetFrom = quota.resetFrom;
      q.resetAt = quota.resetAt;
    }
    q.budget = budget;
    q.limit = limit;
    q.windowMs = windowMs;
    q.lastRemaining = quota.remaining;
    q.lastGrant = grant;
    q.published = quota.limit !== undefined && quota.windowMs !== undefined;
    q.probing = false;
    if (capped) q.cappedFrom = announced.resetAt;
    else delete q.cappedFrom;
    // A bucket refills what it lacks by its reset: its rate, from the latest answer that
    // tells (a full bucket does not); the reset's upper bound makes it the lower one.
    if (!quota.refills || capped || q.fixedWindow) q.refillRate = 0;
    else if (span > 0 && limit > quota.remaining) {
      q.refillRate = ((limit - quota.remaining) / span) * Math.min(1, ctx.share);
    }
    q.accruedAt = now;
    q.announced = quota.refills && !capped
      ? {
        resetAt: quota.resetAt,
        resolution: quota.resetAt - quota.resetFrom,
        at: now,
        rate: span > 0 && limit > quota.remaining ? (limit - quota.remaining) / span : 0,
      }
      : undefined;
    return q;
  }

  /**
   * A bucket's reset is the time it is full again: spending `d` moves it
   * `d / rate` later, besides the time passed. A fixed window's reset stands
   * still whatever is spent, and nothing comes back before it: a server that
   * names a bucket family (OpenAI's, Anthropic's) but resets twice in a row
   * like a window is paced as a window from then on.
   */
  #judgeRefill(quota: RateLimitQuota, now: number): void {
    const last = this.announced;
    if (this.fixedWindow || !last || !(last.rate > 0)) return;
    const spent = this.lastRemaining - quota.remaining;
    const bucketMove = now - last.at + spent / last.rate;
    const resolution = Math.max(last.resolution, quota.resetAt - quota.resetFrom);
    // Too little spent to tell the two apart at the resets' resolution.
    if (spent <= 0 || bucketMove <= 2 * resolution + 20) return;
    if (quota.resetAt - last.resetAt < bucketMove / 2) {
      if (++this.stillResets >= 2) this.fixedWindow = true;
    } else this.stillResets = 0;
  }

  /** What the pacing shows of it. */
  get state(): QuotaState {
    const { name, unit, budget, resetAt, limit, windowMs, cappedFrom, refillRate } = this;
    return {
      name,
      unit,
      budget,
      resetAt,
      limit,
      windowMs,
      ...(cappedFrom !== undefined ? { cappedFrom } : {}),
      ...(refillRate > 0 ? { refillPerSecond: refillRate * 1000 } : {}),
    };
  }

  /**
   * Brings the quota to `now` (a reset passed, a bucket's refill); false when
   * it is past its reset with nothing known to assume after it (drop it).
   */
  advance(now: number, ctx: QuotaContext): boolean {
    if (!this.#roll(now, ctx)) return false;
    if (this.refillRate > 0 && now > this.accruedAt && this.limit !== undefined) {
      const full = partOf(this.limit, 1, ctx.share) - ctx.inflightCost;
      if (this.budget < full) {
        this.budget = Math.min(full, this.budget + this.refillRate * (now - this.accruedAt));
      }
    }
    this.accruedAt = now;
    return true;
  }

  /**
   * Earliest time a request costing `cost` fits, keeping `margin` unspent;
   * `-Infinity` when it does now (the quota brought to `now` first, see
   * {@linkcode advance}). A probe is one request whatever it costs; anything
   * else needs its cost (1 at least, at most the whole quota).
   */
  allowedAt(now: number, cost: number, margin: number): number {
    const reserve = Math.min(margin, (this.limit ?? Infinity) * MAX_MARGIN);
    const need = this.probing ? 1 : Math.max(1, Math.min(cost, this.limit ?? cost)) + reserve;
    if (this.budget >= need - EPSILON) return -Infinity;
    // A bucket has room again once it refilled what is missing; a window at its reset.
    const refilled = this.refillRate > 0 ? now + (need - this.budget) / this.refillRate : Infinity;
    return Math.min(this.resetAt, refilled);
  }

  /** Counts a grant of `cost` against the quota. */
  spend(cost: number): void {
    this.budget -= this.probing ? 1 : cost;
  }

  /** A `Retry-After` until `retryAt`: the window ends no later. */
  endBy(retryAt: number, now: number): void {
    if (this.resetAt <= retryAt) return;
    this.resetAt = Math.max(now, retryAt);
    this.resetFrom = Math.min(this.resetFrom, this.resetAt);
  }

  /**
   * Past the reset: a fresh window with the full quota minus what is in
   * flight. Past a capped reset, with the server's own still ahead: one probe
   * per capped wait, not the full quota the server said is used up.
   */
  #roll(now: number, ctx: QuotaContext): boolean {
    if (now < this.resetAt) return true;
    if (this.limit === undefined || this.windowMs === undefined) return false;
    this.rolledAtGrant = ctx.granted;
    if (this.cappedFrom !== undefined && now < this.cappedFrom) {
      this.resetFrom = now;
      this.resetAt = now + ctx.maxResetMs;
      this.budget = 1 - ctx.inflight;
      this.probing = true;
      this.lastRemaining = 1;
      return true;
    }
    const windows = Math.max(1, Math.ceil((now - this.resetAt + 1) / this.windowMs));
    this.resetFrom = this.resetAt + (windows - 1) * this.windowMs;
    this.resetAt = this.resetFrom + this.windowMs;
    this.budget = partOf(this.limit, 1, ctx.share) - ctx.inflightCost;
    this.probing = false;
    this.lastRemaining = this.limit;
    delete this.cappedFrom;
    return true;
  }
}
