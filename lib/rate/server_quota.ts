/**
 * Proactive pacing from what the server says: when a response reports R
 * requests remaining until a reset, grant at most R more before that reset,
 * minus the requests already granted that the server may not have counted yet.
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import { parseRateLimitHeaders, type RateLimitQuota } from "./rate_limit_headers.ts";

/** Options for {@linkcode ServerQuota}. */
export interface ServerQuotaOptions {
  /**
   * Until the first answer arrives, let only one request be in flight, so that
   * a server's published limit is known before a burst goes out.
   * @default false
   */
  learnFirst?: boolean;
  /** How long `learnFirst` waits for that first answer before going on anyway. @default 5_000 */
  firstAnswerTimeoutMs?: number;
  /** A granted request never answered (nor forgotten) stops counting as in flight after this. @default 120_000 */
  inflightTtlMs?: number;
  /**
   * Longest wait for a reset (`--max-retry-after`): a quota used up until a
   * reset further away is taken to reset this long after the answer, as a
   * `Retry-After` that long would be cut; then one request probes it. @default 300_000
   */
  maxResetMs?: number;
}

/** What the pacing knows about one of the server's quotas. */
export interface QuotaState {
  /** The quota's name as the server gives it (or `default`). */
  name: string;
  /** Requests this client may still start before `resetAt`. */
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
}

interface Tracked extends QuotaState {
  resetFrom: number;
  lastRemaining: number;
  lastGrant: number;
  published: boolean;
  /** Grants up to this one were made before the assumed window began: their answers describe the old one. */
  rolledAtGrant: number;
}

/**
 * Tracks the server's quotas from response headers.
 *
 * Accounting, with `g` the grant number of the answered request: every request
 * granted after `g`, and every earlier one still unanswered, may reach the
 * server after it counted `g`; so the budget left is
 * `remaining - (granted - g) - unansweredBefore(g)`. A window's end is the
 * tightest upper bound seen in that window (headers give whole seconds); a
 * jump up in `remaining` or a reset past that bound starts a new window. After
 * the reset, the full quota minus the requests in flight is assumed, for one
 * window of the policy's length.
 *
 * @example Usage
 * ```ts
 * import { ServerQuota } from "./server_quota.ts";
 * import assert from "node:assert/strict";
 * const quota = new ServerQuota();
 * quota.record(1, 0);
 * quota.record(2, 0);
 * // The answer to request 1: 3 left for 10 s; request 2 is still out.
 * quota.observe(1, new Headers({ "ratelimit": "r=3;t=10" }), 5);
 * assert.equal(quota.quotas[0]!.budget, 2);
 * quota.record(3, 6);
 * quota.record(4, 7);
 * assert.equal(quota.allowedAt(8), 10_005);
 * ```
 */
export class ServerQuota {
  readonly #learnFirst: boolean;
  readonly #firstAnswerTimeoutMs: number;
  readonly #inflightTtlMs: number;
  readonly #maxResetMs: number;
  readonly #share: () => number;
  readonly #outstanding = new Map<number, number>();
  readonly #quotas = new Map<string, Tracked>();
  #granted = 0;
  #answered = false;
  #firstGrantAt: number | undefined;

  /**
   * Tracks the server's quotas from response headers. `share()` is this
   * client's part of them (1 / workers of a job): of what the server says is
   * left, only that part is this client's to spend.
   */
  constructor(options: ServerQuotaOptions = {}, share: () => number = () => 1) {
    const {
      learnFirst = false,
      firstAnswerTimeoutMs = 5_000,
      inflightTtlMs = 120_000,
      maxResetMs = DEFAULTS.maxRetryAfterMs,
    } = options;
    this.#learnFirst = learnFirst;
    this.#maxResetMs = maxResetMs;
    this.#firstAnswerTimeoutMs = firstAnswerTimeoutMs;
    this.#inflightTtlMs = inflightTtlMs;
    this.#share = share;
  }

  /** The quotas being paced against, for display and tests. */
  get quotas(): QuotaState[] {
    return [...this.#quotas.values()].map((
      { name, budget, resetAt, limit, windowMs, cappedFrom },
    ) => ({
      name,
      budget,
      resetAt,
      limit,
      windowMs,
      ...(cappedFrom !== undefined ? { cappedFrom } : {}),
    }));
  }

  /** Requests granted and neither answered nor forgotten. */
  get inflight(): number {
    return this.#outstanding.size;
  }

  /** Earliest time another request may be granted (`Infinity`: wait for an answer). */
  allowedAt(now: number): number {
    this.#expire(now);
    let at = -Infinity;
    if (this.#learnFirst && !this.#answered && this.#outstanding.size > 0) {
      const until = (this.#firstGrantAt ?? now) + this.#firstAnswerTimeoutMs;
      if (now < until) at = until;
      else this.#answered = true;
    }
    for (const q of this.#quotas.values()) {
      this.#roll(q, now);
      if (this.#quotas.has(q.name) && q.budget < 1) at = Math.max(at, q.resetAt);
    }
    return at;
  }

  /** Counts a grant against every quota. */
  record(grant: number, now: number): void {
    this.#outstanding.set(grant, now);
    this.#granted = Math.max(this.#granted, grant);
    this.#firstGrantAt ??= now;
    for (const q of this.#quotas.values()) {
      this.#roll(q, now);
      q.budget--;
    }
  }

  /** A granted request that was never sent: it no longer counts as in flight. */
  forget(grant: number): void {
    this.#outstanding.delete(grant);
  }

  /**
   * Learns from the answer to `grant`. `retryAt`, from a `Retry-After`, ends
   * every window no later than it: Retry-After wins.
   */
  observe(grant: number, headers: Headers | undefined, now: number, retryAt?: number): void {
    this.#outstanding.delete(grant);
    this.#answered = true;
    const info = parseRateLimitHeaders(headers, now);
    for (const quota of info?.quotas ?? []) this.#apply(grant, quota, now);
    if (retryAt !== undefined) {
      for (const q of this.#quotas.values()) {
        if (q.resetAt > retryAt) {
          q.resetAt = Math.max(now, retryAt);
          q.resetFrom = Math.min(q.resetFrom, q.resetAt);
        }
      }
    }
  }

  #apply(grant: number, announced: RateLimitQuota, now: number): void {
    let unansweredBefore = 0;
    for (const g of this.#outstanding.keys()) if (g < grant) unansweredBefore++;
    // The server counts the client key, not this process: the other workers of the job
    // spend the same `remaining`, so this one may take only its share of it.
    const budget = this.#part(announced.remaining, 0) - (this.#granted - grant) -
      unansweredBefore;
    // Used up until a reset beyond the cap: the wait is cut to the cap, like a long
    // Retry-After. A quota with room left keeps its window (a day's, say) as it is.
    const cap = now + this.#maxResetMs;
    const capped = budget < 1 && announced.resetAt > cap;
    const quota = capped
      ? { ...announced, resetAt: cap, resetFrom: Math.min(announced.resetFrom, cap) }
      : announced;
    const old = this.#quotas.get(quota.name);
    if (old && grant <= old.rolledAtGrant) return;
    if (old && grant < old.lastGrant) {
      // A late answer to an older request: it may only tighten.
      old.budget = Math.min(old.budget, budget);
      return;
    }
    const limit = quota.limit ?? Math.max(old?.limit ?? 0, quota.remaining + 1);
    const span = quota.resetAt - now;
    const windowMs = quota.windowMs ??
      (old?.published ? old.windowMs : Math.max(old?.windowMs ?? 0, span, 1000));
    // Two capped answers in a row describe the same far reset: the first cap holds.
    const sameWindow = old !== undefined && quota.remaining <= old.lastRemaining &&
      (quota.resetFrom < old.resetAt || (capped && old.cappedFrom !== undefined)) &&
      now < old.resetAt;
    const q: Tracked = old ?? {
      name: quota.name,
      budget,
      resetAt: quota.resetAt,
      resetFrom: quota.resetFrom,
      limit,
      windowMs,
      lastRemaining: quota.remaining,
      lastGrant: grant,
      published: false,
      rolledAtGrant: 0,
    };
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
    if (capped) q.cappedFrom = announced.resetAt;
    else delete q.cappedFrom;
    this.#quotas.set(q.name, q);
  }

  /**
   * Past the reset: a fresh window with the full quota minus what is in
   * flight. Past a capped reset, with the server's own still ahead: one probe
   * per capped wait, not the full quota the server said is used up.
   */
  #roll(q: Tracked, now: number): void {
    if (now < q.resetAt) return;
    if (q.limit === undefined || q.windowMs === undefined) {
      this.#quotas.delete(q.name);
      return;
    }
    q.rolledAtGrant = this.#granted;
    if (q.cappedFrom !== undefined && now < q.cappedFrom) {
      q.resetFrom = now;
      q.resetAt = now + this.#maxResetMs;
      q.budget = 1 - this.#outstanding.size;
      q.lastRemaining = 1;
      return;
    }
    const windows = Math.max(1, Math.ceil((now - q.resetAt + 1) / q.windowMs));
    q.resetFrom = q.resetAt + (windows - 1) * q.windowMs;
    q.resetAt = q.resetFrom + q.windowMs;
    q.budget = this.#part(q.limit, 1) - this.#outstanding.size;
    q.lastRemaining = q.limit;
    delete q.cappedFrom;
  }

  /** This client's part of `count` requests: all of them alone, else its share but at least `least`. */
  #part(count: number, least: number): number {
    const share = this.#share();
    return share >= 1 ? count : Math.max(least, Math.floor(share * count));
  }

  #expire(now: number): void {
    for (const [grant, at] of this.#outstanding) {
      if (now - at < this.#inflightTtlMs) break; // insertion order is grant order
      this.#outstanding.delete(grant);
    }
  }
}
