/**
 * Client-side pacing: several windows at once, a burst allowance, a global
 * cooldown that any response (429, Retry-After) can impose, and what the
 * server says through {@linkcode RateLimiter.observe}: RateLimit headers
 * (proactive pacing), 429s (`--rate auto` discovery), and runs of failures
 * (circuit breaker). Long windows can be kept in a database (daily budget).
 *
 * @module
 */
import { AdaptiveRate } from "./adaptive_rate.ts";
import { DEFAULTS } from "../defaults.ts";
import { parseRetryAfter } from "./retry_after.ts";
import { CircuitBreaker } from "./circuit_breaker.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import type { RateWindow } from "./rate_spec.ts";
import { checkShare, SharedQuota, shareWindows } from "./rate_share.ts";
import { type BudgetUse, PERSIST_FROM_MS, type RateBudget } from "./rate_budget.ts";
import { SlidingLog } from "./_sliding_log.ts";
import type { LimiterReport, RateLimiterOptions, ResponseSignal } from "./rate_limiter_options.ts";

export type { LimiterReport, RateLimiterOptions, ResponseSignal } from "./rate_limiter_options.ts";

interface Waiter {
  resolve: (grant: number) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

// How late a timer may fire and still be caught up on (or up to one interval, if
// longer), so that rates above the timer resolution are reached and a busy machine's
// late timers do not slow the pace; the sliding logs keep every window exact anyway.
const CATCH_UP_MS = 5;
// Windows with more slots than this are paced by GCRA alone (memory bound).
const MAX_LOG = 1_000_000;

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
  readonly #burst: number;
  readonly #quota: SharedQuota | undefined;
  readonly #adaptive: AdaptiveRate | undefined;
  readonly #breaker: CircuitBreaker | undefined;
  readonly #budget: RateBudget | undefined;
  readonly #maxRetryAfterMs: number;
  #base: RateWindow[] = [];
  #windows: RateWindow[] = [];
  #logs: SlidingLog[] = [];
  #tat = -Infinity;
  #cooldownUntil = 0;
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
    } = options;
    if (!Number.isInteger(burst) || burst < 1) {
      throw new RangeError(`Cannot use burst as a positive integer: current value is '${burst}'`);
    }
    this.#clock = clock;
    this.#burst = burst;
    this.#quota = serverQuota ? new SharedQuota(serverQuota, () => this.#share) : undefined;
    this.#adaptive = adaptive ? new AdaptiveRate(adaptive) : undefined;
    this.#breaker = breaker ? new CircuitBreaker(breaker) : undefined;
    this.#budget = budget;
    this.#maxRetryAfterMs = maxRetryAfterMs;
    this.setWindows(windows);
  }

  /** The windows in force, shortest first (with `adaptive`, the discovered rate's first). */
  get windows(): readonly RateWindow[] {
    return this.#windows;
  }

  /**
   * The longest window this worker's share applies to (its own windows under an
   * hour, the server's quotas), at least a second and at most a minute: how long a
   * worker that joins waits after the others made room, so that what they sent at
   * their larger share has left every window.
   */
  get shareWindowMs(): number {
    let longest = 1000;
    for (const w of this.#windows) {
      if (w.periodMs < PERSIST_FROM_MS) longest = Math.max(longest, w.periodMs);
    }
    for (const q of this.#quota?.quotas ?? []) {
      if (q.windowMs !== undefined && q.windowMs < PERSIST_FROM_MS) {
        longest = Math.max(longest, q.windowMs);
      }
    }
    return Math.min(longest, 60_000);
  }

  /** Requests granted so far. */
  get granted(): number {
    return this.#granted;
  }

  /** Time until which no request is granted (0 when none). */
  get cooldownUntil(): number {
    return this.#cooldownUntil;
  }

  /** What the limiter has learnt from the server so far. */
  report(): LimiterReport {
    return {
      ...(this.#adaptive ? { adaptive: this.#adaptive.snapshot() } : {}),
      ...(this.#breaker
        ? { breaker: { state: this.#breaker.state, opened: this.#breaker.opened } }
        : {}),
      quotas: this.#quota?.quotas ?? [],
    };
  }

  /** Burst, requests in flight, an open breaker's end and the budget's use, for status views. */
  get gauges(): { burst: number; inflight?: number; breakerUntil?: number; budget?: BudgetUse[] } {
    const breakerUntil = this.#breaker?.state === "open" ? this.#breaker.openUntil : undefined;
    const budget = this.#budget?.usage;
    return { burst: this.#burst, inflight: this.#quota?.inflight, breakerUntil, budget };
  }

  /** Replaces the configured windows; waiting callers re-check at once. */
  setWindows(windows: RateWindow[]): void {
    for (const w of windows) {
      if (!(w.limit > 0) || !(w.periodMs > 0)) {
        throw new RangeError(
          `Cannot use rate window as positive numbers: current value is '${w.limit}/${w.periodMs}ms'`,
        );
      }
    }
    this.#base = [...windows];
    this.#applyWindows();
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
    if (time <= this.#cooldownUntil) return;
    this.#cooldownUntil = time;
    this.#wakePump();
  }

  /**
   * Learns from a response: RateLimit headers, 429s, failures. Called by the
   * runner once per answered attempt with the grant number `acquire` returned.
   * The cooldown of a 429 or 503 itself comes from {@linkcode pauseUntil}.
   */
  observe(grant: number, response: ResponseSignal): void {
    const { status, headers, now } = response;
    const retryAfterMs = parseRetryAfter(headers?.get("retry-after"), now);
    const retryAt = retryAfterMs === undefined
      ? undefined
      : now + Math.min(retryAfterMs, this.#maxRetryAfterMs);
    this.#quota?.observe(grant, headers, now, retryAt);
    const failed = status === undefined || status === 429 || status >= 500;
    this.#breaker?.onAnswer(grant, !failed, now);
    if (this.#adaptive?.onAnswer(grant, status === 429, now, retryAt ?? now + 1000)) {
      this.#applyWindows();
    }
    this.#wakePump();
  }

  /** A granted request that was never sent (e.g. its template failed): stop waiting for its answer. */
  forget(grant: number): void {
    this.#quota?.forget(grant);
    this.#breaker?.forget(grant);
    this.#wakePump();
  }

  /** Gives back what the budget reserved and did not use. */
  async close(): Promise<void> {
    await this.#budget?.close();
  }

  /** Resolves with a grant number when the caller may send; rejects with the signal's reason if aborted first. */
  acquire(signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#queue.length === 0 && !this.#budget) {
      const now = this.#clock.now();
      if (this.#allowedAt(now) <= now) {
        this.#record(now);
        return Promise.resolve(this.#granted);
      }
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
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
    const old = this.#logs;
    this.#windows = shareWindows([...adaptive, ...this.#base], this.#share);
    this.#logs = this.#windows.filter((w) => w.limit <= MAX_LOG).map((w) =>
      new SlidingLog(w, old.find((l) => l.periodMs === w.periodMs))
    );
    this.#wakePump();
  }

  #allowedAt(now: number): number {
    if (this.#held) return Infinity;
    let at = this.#cooldownUntil;
    const first = this.#windows[0];
    if (first) {
      const interval = first.periodMs / first.limit;
      at = Math.max(at, this.#tat - (this.#burst - 1) * interval);
    }
    for (const log of this.#logs) at = Math.max(at, log.allowedAt());
    if (this.#quota) at = Math.max(at, this.#quota.allowedAt(now));
    if (this.#breaker) at = Math.max(at, this.#breaker.allowedAt(now));
    return at;
  }

  #record(now: number): void {
    const first = this.#windows[0];
    if (first) {
      const interval = first.periodMs / first.limit;
      // On schedule, or a timer's few ms late: keep the schedule; after a gap, restart it.
      const late = now - this.#tat;
      this.#tat = (late > Math.max(CATCH_UP_MS, interval) ? now : this.#tat) + interval;
    }
    for (const log of this.#logs) log.record(now);
    const grant = ++this.#granted;
    this.#quota?.record(grant, now);
    this.#breaker?.onGrant(grant, now);
    this.#adaptive?.onGrant(grant, now);
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queue.length > 0) {
        const now = this.#clock.now();
        let at = this.#allowedAt(now);
        if (at <= now && this.#budget && !this.#budget.take()) {
          try {
            at = await this.#budget.reserve(now);
          } catch (error) {
            this.#take()?.reject(error);
            continue;
          }
          if (at === 0) continue; // reserved: check everything again, time has passed
        }
        if (at <= now) {
          this.#record(now);
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
