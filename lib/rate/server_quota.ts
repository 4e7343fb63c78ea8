/**
 * Proactive pacing from what the server says: when a response reports R
 * requests (or tokens, or another unit) remaining until a reset, grant at
 * most R more before that reset, minus what was already granted that the
 * server may not have counted yet.
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import { parseRateLimitHeaders, type RateLimitQuota } from "./rate_limit_headers.ts";
import { REQUESTS } from "./rate_spec.ts";
import { type QuotaContext, type QuotaState, QuotaWindow } from "./quota_window.ts";

export type { QuotaState } from "./quota_window.ts";

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
  /** The unit whose quotas these are: `requests`, or one a header names (`tokens`). @default "requests" */
  unit?: string;
}

/** A grant the quota still needs: unanswered, its cost, and what was granted up to it. */
interface Grant {
  at: number;
  cost: number;
  /** The cost of every grant up to this one (itself included), as settled so far. */
  upTo: number;
}

/**
 * Tracks the server's quotas from response headers.
 *
 * Accounting, with `g` the grant number of the answered request: every request
 * granted after `g`, and every earlier one still unanswered, may reach the
 * server after it counted `g`; so the budget left is
 * `remaining - cost(granted after g) - cost(unanswered before g)`, each
 * request costing one, or in another unit its estimate until its own answer
 * settles it (see {@linkcode ServerQuota.settle}). A window's end is the
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
  readonly #unit: string;
  readonly #share: () => number;
  /** Grants neither answered nor forgotten, in grant order. */
  readonly #open = new Map<number, Grant>();
  readonly #quotas = new Map<string, QuotaWindow>();
  #granted = 0;
  #firstRecorded: number | undefined;
  /** The cost of every grant so far, as settled so far. */
  #total = 0;
  /** The cost of the grants in `#open`. */
  #openCost = 0;
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
      unit = REQUESTS,
    } = options;
    this.#learnFirst = learnFirst;
    this.#maxResetMs = maxResetMs;
    this.#firstAnswerTimeoutMs = firstAnswerTimeoutMs;
    this.#inflightTtlMs = inflightTtlMs;
    this.#unit = unit;
    this.#share = share;
  }

  /** The unit the quotas count. */
  get unit(): string {
    return this.#unit;
  }

  /** The quotas being paced against, for display and tests. */
  get quotas(): QuotaState[] {
    return [...this.#quotas.values()].map((q) => q.state);
  }

  /** Requests granted and neither answered nor forgotten. */
  get inflight(): number {
    return this.#open.size;
  }

  /**
   * Earliest time another request costing `cost` may be granted, keeping
   * `margin` of each quota unspent (`Infinity`: wait for an answer). A cost
   * above a quota's whole size waits for a full quota.
   */
  allowedAt(now: number, cost = 1, margin = 0): number {
    this.#expire(now);
    let at = -Infinity;
    if (this.#learnFirst && !this.#answered && this.#open.size > 0) {
      const until = (this.#firstGrantAt ?? now) + this.#firstAnswerTimeoutMs;
      if (now < until) at = until;
      else this.#answered = true;
    }
    // Most servers announce no quota: nothing to build a context for, per request.
    if (this.#quotas.size === 0) return at;
    const ctx = this.#context();
    for (const q of this.#quotas.values()) {
      if (!q.advance(now, ctx)) this.#quotas.delete(q.name);
      else at = Math.max(at, q.allowedAt(now, cost, margin));
    }
    return at;
  }

  /** Counts a grant of `cost` (one request, or its estimate in this unit) against every quota. */
  record(grant: number, now: number, cost = 1): void {
    this.#total += cost;
    this.#open.set(grant, { at: now, cost, upTo: this.#total });
    this.#openCost += cost;
    this.#granted = Math.max(this.#granted, grant);
    this.#firstRecorded ??= grant;
    this.#firstGrantAt ??= now;
    if (this.#quotas.size === 0) return;
    const ctx = this.#context();
    for (const q of this.#quotas.values()) {
      if (q.advance(now, ctx)) q.spend(cost);
    }
  }

  /**
   * The answer to `grant` reported what it cost: `delta` more (or less, when
   * negative) than its estimate. Call before {@linkcode observe} of the same answer.
   */
  settle(grant: number, delta: number): void {
    const own = this.#open.get(grant);
    if (!own || delta === 0) return;
    own.cost += delta;
    this.#total += delta;
    this.#openCost += delta;
    for (const [g, later] of this.#open) if (g >= grant) later.upTo += delta;
    // Every quota's budget counted this grant at its estimate (it is unanswered).
    for (const q of this.#quotas.values()) if (!q.probing) q.budget -= delta;
  }

  /** A granted request that was never sent: it no longer counts as in flight. */
  forget(grant: number): void {
    this.#close(grant);
  }

  /**
   * Learns from the answer to `grant`. `retryAt`, from a `Retry-After`, ends
   * every window no later than it: Retry-After wins.
   */
  observe(grant: number, headers: Headers | undefined, now: number, retryAt?: number): void {
    const quotas = parseRateLimitHeaders(headers, now)?.quotas ?? [];
    this.observeQuotas(grant, quotas.filter((q) => q.unit === this.#unit), now, retryAt);
  }

  /**
   * Learns from the answer to `grant`, its headers already read: `quotas`
   * are this unit's. `retryAt` as for {@linkcode observe}.
   */
  observeQuotas(
    grant: number,
    quotas: readonly RateLimitQuota[],
    now: number,
    retryAt?: number,
  ): void {
    const own = this.#open.get(grant);
    this.#close(grant);
    this.#answered = true;
    // Granted after the answered one: all of it. A grant unknown here was made before
    // this unit was tracked (everything counted is later), or is long forgotten.
    const after = own
      ? this.#total - own.upTo
      : this.#firstRecorded === undefined || grant < this.#firstRecorded
      ? this.#total
      : undefined;
    // Without quotas announced, the sums below are of no use: no walk of the grants in flight.
    if (after !== undefined && quotas.length > 0) {
      let before = 0;
      for (const [g, open] of this.#open) {
        if (g >= grant) break; // grant order
        before += open.cost;
      }
      const ctx = this.#context();
      for (const quota of quotas) {
        const q = QuotaWindow.announce(
          this.#quotas.get(quota.name),
          grant,
          quota,
          now,
          after + before,
          ctx,
        );
        if (q) this.#quotas.set(q.name, q);
      }
    }
    if (retryAt !== undefined) { for (const q of this.#quotas.values()) q.endBy(retryAt, now); }
  }

  #context(): QuotaContext {
    return {
      share: this.#share(),
      maxResetMs: this.#maxResetMs,
      granted: this.#granted,
      inflight: this.#open.size,
      inflightCost: this.#openCost,
    };
  }

  #close(grant: number): void {
    const open = this.#open.get(grant);
    if (!open) return;
    this.#open.delete(grant);
    this.#openCost -= open.cost;
    if (this.#open.size === 0) this.#openCost = 0; // no drift from fractional costs
  }

  #expire(now: number): void {
    // Keys, not entries: no [grant, open] pair made per call (this runs per request).
    for (const grant of this.#open.keys()) {
      if (now - this.#open.get(grant)!.at < this.#inflightTtlMs) break; // insertion order is grant order
      this.#close(grant);
    }
  }
}
