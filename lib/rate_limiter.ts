/**
 * Client-side pacing: several windows at once, a burst allowance, and a
 * global cooldown that any response (429, Retry-After) can impose.
 *
 * @module
 */
import { type Clock, systemClock } from "./clock.ts";
import type { RateWindow } from "./rate.ts";

/** Options for {@linkcode RateLimiter}. */
export interface RateLimiterOptions {
  /** Limits enforced at once; empty means no pacing. @default [] */
  windows?: RateWindow[];
  /** Requests that may go at once above the steady rate of the shortest window. @default 1 */
  burst?: number;
  /** Source of time. @default systemClock */
  clock?: Clock;
}

/** What the runner tells the limiter about one answered attempt. */
export interface ResponseSignal {
  /** The HTTP status, or undefined for a network failure or timeout. */
  status: number | undefined;
  /** The response headers, when there was a response. */
  headers: Headers | undefined;
  /** When the answer arrived (clock time). */
  now: number;
}

interface Waiter {
  resolve: (grant: number) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

// How late a timer may fire and still be caught up on, so that rates above the
// timer resolution are reached; the sliding logs keep every window exact anyway.
const CATCH_UP_MS = 5;
// Windows with more slots than this are paced by GCRA alone (memory bound).
const MAX_LOG = 1_000_000;

/** Exact "at most `limit` in any `periodMs`": a ring of the last `limit` grant times. */
class SlidingLog {
  readonly #times: Float64Array;
  #next = 0;
  #count = 0;
  readonly #periodMs: number;
  constructor(rate: RateWindow) {
    this.#times = new Float64Array(Math.ceil(rate.limit));
    this.#periodMs = rate.periodMs;
  }
  /** Earliest time another grant is allowed. */
  allowedAt(): number {
    if (this.#count < this.#times.length) return -Infinity;
    return this.#times[this.#next]! + this.#periodMs;
  }
  record(now: number): void {
    this.#times[this.#next] = now;
    this.#next = (this.#next + 1) % this.#times.length;
    if (this.#count < this.#times.length) this.#count++;
  }
}

/**
 * Hands out permission to send, one caller at a time in arrival order, never
 * faster than every configured window allows.
 *
 * @example Usage
 * ```ts
 * import { RateLimiter } from "./rate_limiter.ts";
 * import { FakeClock } from "./clock.ts";
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
  #burst: number;
  #windows: RateWindow[] = [];
  #logs: SlidingLog[] = [];
  #tat = -Infinity;
  #cooldownUntil = 0;
  #queue: Waiter[] = [];
  #pumping = false;
  #interrupt: AbortController | undefined;
  #granted = 0;

  constructor(options: RateLimiterOptions = {}) {
    const { windows = [], burst = 1, clock = systemClock } = options;
    if (!Number.isInteger(burst) || burst < 1) {
      throw new RangeError(`Cannot use burst as a positive integer: current value is '${burst}'`);
    }
    this.#clock = clock;
    this.#burst = burst;
    this.setWindows(windows);
  }

  /** The windows in force, shortest first. */
  get windows(): readonly RateWindow[] {
    return this.#windows;
  }

  /** Requests granted so far. */
  get granted(): number {
    return this.#granted;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Time until which no request is granted (0 when none). */
  get cooldownUntil(): number {
    return this.#cooldownUntil;
  }

  /** Replaces the windows (used by adaptive rate discovery); waiting callers re-check at once. */
  setWindows(windows: RateWindow[]): void {
    for (const w of windows) {
      if (!(w.limit > 0) || !(w.periodMs > 0)) {
        throw new RangeError(
          `Cannot use rate window as positive numbers: current value is '${w.limit}/${w.periodMs}ms'`,
        );
      }
    }
    this.#windows = [...windows].sort((a, b) => a.periodMs - b.periodMs);
    this.#logs = this.#windows.filter((w) => w.limit <= MAX_LOG).map((w) => new SlidingLog(w));
    this.#wakePump();
  }

  /** Grants nothing before `time` (epoch ms); later calls can only extend the pause. */
  pauseUntil(time: number): void {
    if (time <= this.#cooldownUntil) return;
    this.#cooldownUntil = time;
    this.#wakePump();
  }

  /**
   * Learns from a response: pacing headers, throttling, failures. Called by the
   * runner once per answered attempt with the grant number `acquire` returned.
   */
  observe(_grant: number, _response: ResponseSignal): void {
    // Server-signal pacing (RateLimit headers, adaptive rate, circuit breaker) plugs in here.
  }

  /** Resolves with a grant number when the caller may send; rejects with the signal's reason if aborted first. */
  acquire(signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (
      this.#windows.length === 0 && this.#queue.length === 0 &&
      this.#cooldownUntil <= this.#clock.now()
    ) {
      return Promise.resolve(++this.#granted);
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

  #allowedAt(): number {
    let at = this.#cooldownUntil;
    const first = this.#windows[0];
    if (first) {
      const interval = first.periodMs / first.limit;
      at = Math.max(at, this.#tat - (this.#burst - 1) * interval);
    }
    for (const log of this.#logs) at = Math.max(at, log.allowedAt());
    return at;
  }

  #record(now: number): void {
    const first = this.#windows[0];
    if (first) {
      const interval = first.periodMs / first.limit;
      const base = now - this.#tat > CATCH_UP_MS ? now : this.#tat;
      this.#tat = Math.max(base, now - (this.#burst - 1) * interval) + interval;
    }
    for (const log of this.#logs) log.record(now);
    this.#granted++;
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queue.length > 0) {
        const now = this.#clock.now();
        const at = this.#allowedAt();
        if (at <= now) {
          const waiter = this.#queue.shift()!;
          if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
          this.#record(now);
          waiter.resolve(this.#granted);
          continue;
        }
        this.#interrupt = new AbortController();
        await this.#clock.sleep(at - now, this.#interrupt.signal).catch(() => {});
        this.#interrupt = undefined;
      }
    } finally {
      this.#pumping = false;
    }
  }

  #wakePump(): void {
    this.#interrupt?.abort();
  }
}
