/**
 * `--rate auto`: discovers a rate limit the server does not publish, by AIMD.
 *
 * Slow start doubles the rate every clean interval until the first 429. A 429
 * cuts the rate by a constant factor (multiplicative decrease) and remembers
 * the rate that drew it as the ceiling. The next clean interval goes straight
 * back to the highest rate known to be clean (fast recovery); further clean
 * intervals add a constant step (a small fraction of the ceiling: additive
 * increase) up to a settle point just under the ceiling, where the rate stays.
 * After a long clean stretch it probes a little higher in case the limit rose.
 * Only intervals in which the rate was actually used count as clean, so a job
 * held back by concurrency or by the server's headers does not inflate a rate
 * it has never tried.
 *
 * @module
 */

/** Options for {@linkcode AdaptiveRate}. */
export interface AdaptiveRateOptions {
  /** Starting rate, requests per second. @default 10 */
  initialRate?: number;
  /** Lowest rate. @default 0.5 */
  minRate?: number;
  /** Highest rate. @default 10_000 */
  maxRate?: number;
  /** Length of one evaluation interval. @default 1_000 */
  intervalMs?: number;
  /** Fraction of the rate kept after a 429. @default 0.7 */
  decrease?: number;
  /** Smallest increase per clean interval, requests per second. @default 1 */
  step?: number;
  /** Increase per clean interval below the settle point, as a fraction of the ceiling. @default 0.04 */
  increase?: number;
  /** Settle at this fraction of the lowest rate that drew a 429. @default 0.95 */
  settle?: number;
  /** Clean intervals at the settled rate before probing higher. @default 20 */
  probeAfter?: number;
  /** Fraction of the rate an interval must use to count. @default 0.8 */
  utilization?: number;
  /** A ceiling known from an earlier run: start in the settling phase. @default undefined */
  ceiling?: number;
}

/** Where discovery stands. */
export interface AdaptiveRateSnapshot {
  /** The rate in force, requests per second. */
  rate: number;
  /** The lowest rate that drew a 429 lately (the limit is at or under it). */
  ceiling: number | undefined;
  phase: "slow-start" | "approach" | "settled";
  /** 429 events that cut the rate. */
  decreases: number;
}

/**
 * The AIMD controller. Pure state: the limiter feeds it grants and answers.
 *
 * @example Usage
 * ```ts
 * import { AdaptiveRate } from "./adaptive_rate.ts";
 * import assert from "node:assert/strict";
 * const aimd = new AdaptiveRate({ initialRate: 10 });
 * for (let g = 1; g <= 10; g++) aimd.onGrant(g, (g - 1) * 100);
 * assert.equal(aimd.onAnswer(10, false, 1000), true); // a full, clean second
 * assert.equal(aimd.rate, 20);
 * aimd.onGrant(11, 1010);
 * assert.equal(aimd.onAnswer(11, true, 1020), true); // a 429
 * assert.equal(aimd.rate, 14);
 * assert.equal(aimd.snapshot().ceiling, 20);
 * ```
 */
export class AdaptiveRate {
  readonly #min: number;
  readonly #max: number;
  readonly #intervalMs: number;
  readonly #decrease: number;
  readonly #step: number;
  readonly #increase: number;
  readonly #settle: number;
  readonly #probeAfter: number;
  readonly #utilization: number;
  #rate: number;
  #good = 0;
  #lastClean = 0;
  #ceiling: number | undefined;
  #phase: AdaptiveRateSnapshot["phase"];
  #intervalStart: number | undefined;
  #grants = 0;
  #latestGrant = 0;
  #decreaseGrant = 0;
  #settledIntervals = 0;
  #decreases = 0;
  // Answers that were not 429, in ten slices of the last interval.
  readonly #served = new Float64Array(10);
  readonly #servedSlice = new Float64Array(10).fill(-1);
  #heldUntil = -Infinity;
  #before = 0;

  constructor(options: AdaptiveRateOptions = {}) {
    const {
      initialRate = 10,
      minRate = 0.5,
      maxRate = 10_000,
      intervalMs = 1_000,
      decrease = 0.7,
      step = 1,
      increase = 0.04,
      settle = 0.95,
      probeAfter = 20,
      utilization = 0.8,
      ceiling,
    } = options;
    for (
      const [name, value, lo, hi] of [
        ["minRate", minRate, 0, maxRate],
        ["decrease", decrease, 0, 1],
        ["settle", settle, 0, 1],
        ["increase", increase, 0, 1],
        ["utilization", utilization, 0, 1],
      ] as const
    ) {
      if (!(value > lo && value <= hi)) {
        throw new RangeError(`Cannot use ${name} in (${lo}, ${hi}]: current value is '${value}'`);
      }
    }
    if (!(intervalMs > 0) || !(step > 0)) {
      throw new RangeError(
        `Cannot use intervalMs and step as positive numbers: current values are '${intervalMs}', '${step}'`,
      );
    }
    this.#min = minRate;
    this.#max = maxRate;
    this.#intervalMs = intervalMs;
    this.#decrease = decrease;
    this.#step = step;
    this.#increase = increase;
    this.#settle = settle;
    this.#probeAfter = probeAfter;
    this.#utilization = utilization;
    this.#ceiling = ceiling !== undefined && ceiling > 0 ? ceiling : undefined;
    this.#rate = this.#clamp(
      this.#ceiling !== undefined ? Math.min(initialRate, this.#ceiling * settle) : initialRate,
    );
    this.#phase = this.#ceiling === undefined ? "slow-start" : "approach";
  }

  /** The rate in force, requests per second. */
  get rate(): number {
    return this.#rate;
  }

  /** A copy of the state. */
  snapshot(): AdaptiveRateSnapshot {
    return {
      rate: this.#rate,
      ceiling: this.#ceiling,
      phase: this.#phase,
      decreases: this.#decreases,
    };
  }

  /** Counts a grant towards the current interval. */
  onGrant(grant: number, now: number): void {
    this.#latestGrant = Math.max(this.#latestGrant, grant);
    this.#intervalStart ??= now;
    if (now >= this.#intervalStart) this.#grants++;
  }

  /**
   * Learns from an answer. Returns true when the rate changed.
   *
   * @param grant The answered request's grant number.
   * @param throttled Whether the answer was a 429.
   * @param now When it arrived.
   * @param holdUntil When sending resumes after a 429 (its Retry-After); the next interval starts then.
   */
  onAnswer(grant: number, throttled: boolean, now: number, holdUntil = now): boolean {
    if (throttled) {
      // Requests granted before the last cut belong to the same congestion event.
      if (grant <= this.#decreaseGrant) return false;
      // The limit is under the rate that drew the 429. Under a window limit it
      // is also at most what the server accepted over the last interval, if
      // sending went on all along; a tight bucket can refuse sooner, so that
      // estimate goes no lower than halfway back to the rate before the last
      // increase (a bisection step).
      const served = now - this.#heldUntil >= this.#intervalMs
        ? this.#servedCount(now) * 1000 / this.#intervalMs
        : Infinity;
      const floor = (this.#rate + Math.min(this.#before, this.#rate)) / 2;
      this.#ceiling = this.#clamp(Math.min(this.#rate, Math.max(served, floor)));
      // The limit fell under what was clean before: forget it.
      if (this.#good >= this.#rate) this.#good = this.#rate * this.#decrease;
      this.#lastClean = 0;
      this.#rate = this.#clamp(this.#rate * this.#decrease);
      this.#phase = "approach";
      this.#decreases++;
      this.#decreaseGrant = this.#latestGrant;
      this.#intervalStart = Math.max(now, holdUntil);
      this.#heldUntil = this.#intervalStart;
      this.#grants = 0;
      this.#settledIntervals = 0;
      return true;
    }
    this.#countServed(now);
    return this.#evaluate(now);
  }

  #countServed(now: number): void {
    const slice = Math.floor(now / (this.#intervalMs / 10));
    const i = slice % 10;
    if (this.#servedSlice[i] !== slice) {
      this.#servedSlice[i] = slice;
      this.#served[i] = 0;
    }
    this.#served[i]!++;
  }

  #servedCount(now: number): number {
    const slice = Math.floor(now / (this.#intervalMs / 10));
    let n = 0;
    for (let i = 0; i < 10; i++) if (slice - this.#servedSlice[i]! < 10) n += this.#served[i]!;
    return n;
  }

  #evaluate(now: number): boolean {
    if (this.#intervalStart === undefined || now - this.#intervalStart < this.#intervalMs) {
      return false;
    }
    const elapsed = now - this.#intervalStart;
    const used = this.#grants >= this.#utilization * this.#rate * (elapsed / 1000);
    this.#intervalStart = now;
    this.#grants = 0;
    if (!used) return false;
    const before = this.#rate;
    // A server window need not line up with ours: a rate is known good once the
    // interval after the one that used it was clean too.
    this.#good = Math.max(this.#good, Math.min(this.#lastClean, this.#rate));
    this.#lastClean = this.#rate;
    if (this.#ceiling === undefined) {
      this.#rate = this.#clamp(this.#rate * 2);
    } else {
      const target = this.#ceiling * this.#settle;
      if (this.#rate < target) {
        const step = Math.max(this.#step, this.#ceiling * this.#increase);
        const next = this.#good > this.#rate ? this.#good : this.#rate + step;
        this.#rate = this.#clamp(Math.min(target, next));
        this.#phase = "approach";
      } else if (++this.#settledIntervals >= this.#probeAfter) {
        this.#settledIntervals = 0;
        this.#ceiling += Math.max(this.#step, this.#ceiling * 0.02);
        this.#rate = this.#clamp(this.#ceiling * this.#settle);
      } else {
        this.#phase = "settled";
      }
    }
    if (this.#rate !== before) this.#before = before;
    return this.#rate !== before;
  }

  #clamp(rate: number): number {
    return Math.min(this.#max, Math.max(this.#min, rate));
  }
}
