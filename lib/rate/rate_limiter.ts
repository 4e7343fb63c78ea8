/**
 * Client-side pacing: several windows at once, a burst allowance, the job's
 * cooldown (a 429's or 503's Retry-After, or a backoff after a run of them
 * without one), and what the server says through {@linkcode RateLimiter.observe}:
 * RateLimit headers (proactive pacing), 429s (`--rate auto` discovery), and
 * runs of failures (circuit breaker). Long windows can be kept in a database
 * (daily budget). Besides requests, a request may cost other units (tokens,
 * points): each has the windows, burst, budget and server quotas requests
 * have (one {@linkcode UnitPacer} per unit); a request reserves its estimated
 * cost before it goes, and its answer's usage settles the difference.
 *
 * @module
 */
import { AdaptiveRate } from "./adaptive_rate.ts";
import { DEFAULTS } from "../defaults.ts";
import { parseRetryAfter } from "./retry_after.ts";
import { CircuitBreaker } from "./circuit_breaker.ts";
import { type CooldownCause, JobCooldown } from "./job_cooldown.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { type RateWindow, REQUESTS } from "./rate_spec.ts";
import { checkShare } from "./rate_share.ts";
import type { BudgetUse } from "./rate_budget.ts";
import { parseRateLimitHeaders } from "./rate_limit_headers.ts";
import { UnitPacers } from "./unit_pacers.ts";
import type {
  Cost,
  LimiterReport,
  RateLimiterOptions,
  ResponseSignal,
} from "./rate_limiter_options.ts";
import { headerField } from "../util/header_fields.ts";

export type {
  Cost,
  LimiterReport,
  RateLimiterOptions,
  ResponseSignal,
} from "./rate_limiter_options.ts";

interface Waiter {
  resolve: (grant: number) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  cost: Cost | undefined;
}

/**
 * Hands out permission to send, one caller at a time in arrival order, never
 * faster than every configured window and every server signal allows.
 *
 * @example Usage
 * ```ts
 * import { RateLimiter } from "./rate_limiter.ts";
 * import { FakeClock } from "../util/clock.ts";
 * import assert from "node:assert/strict";
 * const clock = new FakeClock();
 * const limiter = new RateLimiter({ windows: [{ limit: 10, periodMs: 1000 }], clock });
 * const granted: number[] = [];
 * const all = [0, 1, 2].map(() => limiter.acquire().then(() => granted.push(clock.now())));
 * await clock.tick(300);
 * await Promise.all(all);
 * assert.deepEqual(granted, [0, 100, 200]);
 * ```
 */
export class RateLimiter {
  readonly #clock: Clock;
  readonly #adaptive: AdaptiveRate | undefined;
  readonly #breaker: CircuitBreaker | undefined;
  readonly #maxRetryAfterMs: number;
  /** One pacer per unit, requests first. */
  readonly #pacers: UnitPacers;
  readonly #cooldown: JobCooldown;
  #queue: Waiter[] = [];
  #pumping = false;
  #held = false;
  #interrupt: AbortController | undefined;
  #granted = 0;
  #share = 1;

  /** Makes a limiter; with no windows, no quota and no budget it never waits. */
  constructor(options: RateLimiterOptions = {}) {
    const {
      windows = [],
      burst = DEFAULTS.burst,
      clock = systemClock,
      serverQuota = {},
      adaptive,
      breaker,
      budget,
      maxRetryAfterMs = DEFAULTS.maxRetryAfterMs,
      cooldown = {},
    } = options;
    this.#clock = clock;
    this.#adaptive = adaptive ? new AdaptiveRate(adaptive) : undefined;
    this.#breaker = breaker ? new CircuitBreaker(breaker) : undefined;
    this.#maxRetryAfterMs = maxRetryAfterMs;
    // Only the first answer tells what the server publishes: learnFirst is the requests' alone.
    const unitQuota = serverQuota && { ...serverQuota, learnFirst: false };
    this.#pacers = new UnitPacers(unitQuota, () => this.#share);
    this.#pacers.add(REQUESTS, { burst, budget, quota: serverQuota }, windows);
    for (const [unit, limits] of Object.entries(options.units ?? {})) {
      if (unit === REQUESTS) continue;
      this.#pacers.add(unit, { burst: limits.burst, budget: limits.budget }, limits.windows ?? []);
    }
    this.#cooldown = new JobCooldown(cooldown);
    this.#applyWindows();
  }

  /** The windows of requests in force, shortest first (with `adaptive`, the discovered rate's first). */
  get windows(): readonly RateWindow[] {
    return this.#pacers.windows(REQUESTS);
  }

  /** The units besides requests that are paced (configured, or advertised by the server), in order. */
  get units(): readonly string[] {
    return this.#pacers.units;
  }

  /** The windows of `unit` in force, shortest first (this worker's share). */
  unitWindows(unit: string): readonly RateWindow[] {
    return this.#pacers.windows(unit);
  }

  /**
   * The longest window this worker's share applies to (its own windows under an
   * hour, the server's quotas), at least a second and at most a minute: how long a
   * worker that joins waits after the others made room, so that what they sent at
   * their larger share has left every window.
   */
  get shareWindowMs(): number {
    return Math.min(Math.max(1000, this.#pacers.longestSharedMs), 60_000);
  }

  /** Requests granted so far. */
  get granted(): number {
    return this.#granted;
  }

  /** Time until which no request is granted (0 when none). */
  get cooldownUntil(): number {
    return this.#cooldown.until;
  }

  /**
   * The job's cooldown: until when nothing is sent, and why (or why it last was).
   *
   * @ignore
   */
  get cooldown(): { until: number; cause: CooldownCause } {
    return { until: this.#cooldown.until, cause: this.#cooldown.cause };
  }

  /** What the limiter has learnt from the server so far. */
  report(): LimiterReport {
    return {
      ...(this.#adaptive ? { adaptive: this.#adaptive.snapshot() } : {}),
      ...(this.#breaker
        ? { breaker: { state: this.#breaker.state, opened: this.#breaker.opened } }
        : {}),
      quotas: this.#pacers.quotas,
      ...(this.#pacers.units.length > 0 ? { units: this.#pacers.use(this.#clock.now()) } : {}),
      cooldowns: this.#cooldown.report(this.#clock.now()),
    };
  }

  /**
   * Burst, requests in flight, an open breaker's end, the budgets' use (of
   * every unit) and each unit's burst, for status views.
   */
  get gauges(): {
    burst: number;
    inflight?: number;
    breakerUntil?: number;
    budget?: BudgetUse[];
    bursts?: Record<string, number>;
  } {
    const breakerUntil = this.#breaker?.state === "open" ? this.#breaker.openUntil : undefined;
    const budgets = this.#pacers.budgets;
    const requests = this.#pacers.get(REQUESTS);
    return {
      burst: requests.burst,
      inflight: requests.inflight,
      breakerUntil,
      budget: budgets.length > 0 ? budgets : undefined,
      ...(this.#pacers.units.length > 0 ? { bursts: this.#pacers.bursts } : {}),
    };
  }

  /** Replaces the configured windows of `unit` (requests by default); waiting callers re-check at once. */
  setWindows(windows: RateWindow[], unit: string = REQUESTS): void {
    for (const w of windows) {
      if (!(w.limit > 0) || !(w.periodMs > 0)) {
        throw new RangeError(
          `Cannot use rate window as positive numbers: current value is '${w.limit}/${w.periodMs}ms'`,
        );
      }
    }
    this.#pacers.setWindows(unit, windows);
    this.#wakePump();
  }

  /** This worker's part of the job's rate (1 / live workers): windows, auto rate and quotas scale by it. */
  setShare(share: number): void {
    this.#share = checkShare(share);
    this.#applyWindows();
  }

  /** While held (a pause asked for by a person), nothing is granted. */
  hold(held: boolean): void {
    this.#held = held;
    this.#wakePump();
  }

  /** True while {@linkcode hold} keeps every grant back. */
  get held(): boolean {
    return this.#held;
  }

  /** Grants nothing before `time` (epoch ms); later calls can only extend the pause. */
  pauseUntil(time: number): void {
    this.coolDown(time, { kind: "asked" });
  }

  /**
   * Grants nothing before `time` (epoch ms), for `cause`; later calls can only
   * extend the pause.
   *
   * @ignore
   */
  coolDown(time: number, cause: CooldownCause): void {
    if (this.#cooldown.extend(time, cause, this.#clock.now())) this.#wakePump();
  }

  /**
   * Learns from a response: RateLimit headers, 429s and 503s (the job's
   * cooldown), failures. Called by the runner once per answered attempt with
   * the grant number `acquire` returned.
   */
  observe(grant: number, response: ResponseSignal): void {
    const { status, headers, now, usage } = response;
    const retryAfterMs = parseRetryAfter(headerField(headers, "retry-after"), now);
    const waitMs = retryAfterMs === undefined
      ? undefined
      : Math.min(retryAfterMs, this.#maxRetryAfterMs);
    const retryAt = waitMs === undefined ? undefined : now + waitMs;
    const quotas = parseRateLimitHeaders(headers, now)?.quotas ?? [];
    this.#pacers.observe(grant, usage, quotas, now, retryAt);
    this.#cooldown.onAnswer(status, waitMs, now);
    // A 429 or 503 cools the job down already, longer each time: for the breaker it is
    // neither a failure nor a success (and a probe answered so lets another go).
    if (status === 429 || status === 503) this.#breaker?.forget(grant);
    else this.#breaker?.onAnswer(grant, status !== undefined && status < 500, now);
    if (this.#adaptive?.onAnswer(grant, status === 429, now, retryAt ?? now + 1000)) {
      this.#applyWindows();
    }
    this.#wakePump();
  }

  /** A granted request that was never sent (e.g. its template failed): stop waiting for its answer. */
  forget(grant: number): void {
    this.#pacers.forget(grant);
    this.#breaker?.forget(grant);
    this.#wakePump();
  }

  /** Gives back what the budget reserved and did not use. */
  async close(): Promise<void> {
    await this.#pacers.close();
  }

  /**
   * Resolves with a grant number when the caller may send; rejects with the
   * signal's reason if aborted first. `cost` is what the request is
   * estimated to cost in units besides requests (`{ tokens: 900 }`); a unit
   * it leaves out reserves that unit's mean settled usage.
   */
  acquire(signal?: AbortSignal, cost?: Readonly<Record<string, number>>): Promise<number> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    // A unit a cost names is counted from its first request on, paced or not yet.
    const costs = this.#pacers.costs(cost);
    if (this.#queue.length === 0 && !this.#pacers.budgeted) {
      const now = this.#clock.now();
      if (this.#allowedAt(now, costs) <= now) {
        this.#record(now, costs);
        return Promise.resolve(this.#granted);
      }
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined, cost };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.#queue.indexOf(waiter);
          if (i >= 0) this.#queue.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  #applyWindows(): void {
    const adaptive = this.#adaptive ? [{ limit: this.#adaptive.rate, periodMs: 1000 }] : [];
    this.#pacers.apply(adaptive);
    this.#wakePump();
  }

  #allowedAt(now: number, costs: readonly number[]): number {
    if (this.#held) return Infinity;
    let at = Math.max(this.#cooldown.until, this.#pacers.allowedAt(now, costs));
    if (this.#breaker) at = Math.max(at, this.#breaker.allowedAt(now));
    return at;
  }

  #record(now: number, costs: readonly number[]): void {
    const grant = ++this.#granted;
    this.#pacers.record(grant, now, costs);
    this.#breaker?.onGrant(grant, now);
    this.#adaptive?.onGrant(grant, now);
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queue.length > 0) {
        const now = this.#clock.now();
        const costs = this.#pacers.costs(this.#queue[0]!.cost);
        let at = this.#allowedAt(now, costs);
        if (at <= now && this.#pacers.budgeted) {
          // A long window kept in the database may need a reservation first.
          let reserved: number | undefined;
          try {
            reserved = await this.#pacers.reserve(now, costs);
          } catch (error) {
            this.#take()?.reject(error);
            continue;
          }
          if (reserved === 0) continue; // reserved: check everything again, time has passed
          if (reserved !== undefined) at = reserved;
        }
        if (at <= now) {
          this.#record(now, costs);
          this.#take()?.resolve(this.#granted);
          continue;
        }
        this.#interrupt = new AbortController();
        const wake = this.#interrupt.signal;
        await (at === Infinity
          ? new Promise((resolve) => wake.addEventListener("abort", resolve, { once: true }))
          : this.#clock.sleep(at - now, wake).catch(() => {}));
        this.#interrupt = undefined;
      }
    } finally {
      this.#pumping = false;
    }
  }

  #take(): Waiter | undefined {
    const waiter = this.#queue.shift();
    if (waiter?.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
    return waiter;
  }

  #wakePump(): void {
    this.#interrupt?.abort();
  }
}
