/**
 * `--rate auto`: discovers a rate limit the server does not publish, by AIMD.
 *
 * A rate is clean once two intervals in a row at it drew no 429 (a server's
 * window need not line up with ours). Slow start doubles the rate each time it
 * is clean, until the first 429. A 429 cuts the rate by a constant factor
 * (multiplicative decrease) and estimates the limit: under the rate that drew
 * it, under halfway back to the last clean rate (a bisection step), and under
 * what the server accepted over the last interval. The next clean interval
 * goes straight back to the last clean rate (fast recovery); then each clean
 * rate gets a constant step more (additive increase) up to a settle point just
 * under the estimate, where the rate stays. After a long clean stretch it
 * probes higher, in steps that double while no 429 comes, in case the limit
 * rose. Only intervals in which the rate was actually used count, so a job
 * held back by concurrency or by the server's headers does not inflate a rate
 * it has never tried.
 *
 * @module
 */

// Probing above the settle point starts with a 2% higher estimate, doubling each clean probe.
const PROBE_STEP = 0.02;
const MAX_PROBE_STEP = 0.25;

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
  /** Settle at this fraction of the estimated limit (or at the last clean rate, if higher). @default 0.9 */
  settle?: number;
  /** Clean intervals at the settled rate before probing higher. @default 10 */
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
  /** The estimated limit (under the rates that drew a 429). */
  ceiling: number | undefined;
  /** Where the discovery is: slow start, approaching the limit, or settled. */
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
 * assert.equal(aimd.onAnswer(10, false, 1000), false); // a full, clean second
 * for (let g = 11; g <= 20; g++) aimd.onGrant(g, (g - 1) * 100);
 * assert.equal(aimd.onAnswer(20, false, 2000), true); // and another: 10/s is clean
 * assert.equal(aimd.rate, 20);
 * aimd.onGrant(21, 2010);
 * assert.equal(aimd.onAnswer(21, true, 2020), true); // a 429
 * assert.equal(aimd.rate, 14);
 * assert.equal(aimd.snapshot().ceiling, 15); // halfway back to the clean rate
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
  #cleanAtRate = 0;
  #probeStep = PROBE_STEP;
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
  // Since when sending has gone on without a pause.
  #heldUntil = Infinity;

  constructor(options: AdaptiveRateOptions = {}) {
    const {
      initialRate = 10,
      minRate = 0.5,
      maxRate = 10_000,
      intervalMs = 1_000,
      decrease = 0.7,
      step = 1,
      increase = 0.04,
      settle = 0.9,
      probeAfter = 10,
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
    if (this.#heldUntil === Infinity) this.#heldUntil = now;
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
      // Under a window limit, what the server accepted over the last interval
      // bounds the limit too, if sending went on all along and beat the clean
      // rate (a tight bucket can refuse sooner than that).
      const served = now - this.#heldUntil >= this.#intervalMs
        ? this.#servedCount(now) * 1000 / this.#intervalMs
        : Infinity;
      const good = Math.min(this.#good, this.#rate);
      const halfway = (this.#rate + good) / 2;
      this.#ceiling = this.#clamp(
        Math.min(this.#rate, halfway, served >= good ? served : Infinity),
      );
      // The limit fell under what was clean before: forget it.
      if (this.#good >= this.#rate) this.#good = this.#rate * this.#decrease;
      this.#probeStep = PROBE_STEP;
      this.#cleanAtRate = 0;
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
    // A server's window need not line up with ours, so one clean interval can
    // hide an overflow to come: a rate is known clean after two in a row.
    const confirmed = ++this.#cleanAtRate >= 2;
    if (confirmed) this.#good = Math.max(this.#good, this.#rate);
    const before = this.#rate;
    const target = this.#target();
    if (this.#good > this.#rate && this.#rate < target) {
      this.#rate = this.#clamp(Math.min(this.#good, target)); // fast recovery
    } else if (!confirmed) {
      return false;
    } else if (this.#ceiling === undefined) {
      this.#rate = this.#clamp(this.#rate * 2);
    } else if (this.#rate < target) {
      const step = Math.max(this.#step, this.#ceiling * this.#increase);
      this.#rate = this.#clamp(Math.min(target, this.#rate + step));
      this.#phase = "approach";
    } else if (++this.#settledIntervals >= this.#probeAfter) {
      this.#settledIntervals = 0;
      this.#ceiling += Math.max(this.#step, this.#ceiling * this.#probeStep);
      this.#probeStep = Math.min(MAX_PROBE_STEP, this.#probeStep * 2);
      this.#rate = this.#clamp(this.#target());
    } else {
      this.#phase = "settled";
    }
    if (this.#rate === before) return false;
    this.#cleanAtRate = 0;
    return true;
  }

  /** Where the rate settles: just under the estimated limit, or the last clean rate under it. */
  #target(): number {
    if (this.#ceiling === undefined) return Infinity;
    return Math.max(Math.min(this.#good, this.#ceiling), this.#ceiling * this.#settle);
  }

  #clamp(rate: number): number {
    return Math.min(this.#max, Math.max(this.#min, rate));
  }
}
