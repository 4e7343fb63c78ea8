/**
 * Exact "at most `limit` in any `periodMs`" where each grant weighs its
 * cost (one request, or the tokens it was estimated to use): a ring of the
 * grants still inside the window, with their times and amounts. A grant's
 * amount can be settled later (the estimate replaced by the usage the
 * answer reported). Private helper of the rate limiter.
 *
 * @module
 */
import type { RateWindow } from "./rate_spec.ts";

// Beyond this many grants in one window, the two oldest are merged into one
// at the later time: it leaves the window later, the safe side (memory bound).
const MAX_ENTRIES = 1_000_000;
// Sums of fractional costs are compared with this much slack.
const EPSILON = 1e-9;

/** The grants of one window still inside it: times, amounts and grant numbers. */
export class WeightedLog {
  readonly #limit: number;
  readonly #periodMs: number;
  #times = new Float64Array(8);
  #amounts = new Float64Array(8);
  #grants = new Float64Array(8);
  #head = 0;
  #count = 0;
  #sum = 0;

  /** A log for `window`; `from` carries over the grants of an older log (those inside this window count). */
  constructor(window: RateWindow, from?: WeightedLog) {
    // A fractional limit (a share of one, a discovered rate) holds as many whole requests
    // as the even pacing at that rate puts in a window: one more than its floor.
    this.#limit = Math.ceil(window.limit);
    this.#periodMs = window.periodMs;
    if (from) { for (const [t, a, g] of from.#entries()) this.record(g, t, a); }
  }

  /** The window length. */
  get periodMs(): number {
    return this.#periodMs;
  }

  /** What the window allows. */
  get limit(): number {
    return this.#limit;
  }

  /** The amount counted in the window as of the last call (expired grants are dropped lazily). */
  get used(): number {
    return Math.max(0, this.#sum);
  }

  /**
   * Earliest time a grant of `amount` fits, with `margin` kept free; one
   * larger than the whole window fits once the window is empty.
   */
  allowedAt(now: number, amount: number, margin = 0): number {
    this.#expire(now);
    const fits = (sum: number) => sum + amount + margin <= this.#limit + EPSILON || sum <= EPSILON;
    if (fits(this.#sum)) return -Infinity;
    let sum = this.#sum;
    const size = this.#times.length;
    for (let i = 0; i < this.#count; i++) {
      const at = (this.#head + i) % size;
      sum -= this.#amounts[at]!;
      if (fits(sum)) return this.#times[at]! + this.#periodMs;
    }
    return -Infinity;
  }

  /** Records grant number `grant` of `amount` at `now` (grants come in increasing order). */
  record(grant: number, now: number, amount: number): void {
    if (this.#count === this.#times.length) {
      if (this.#count >= MAX_ENTRIES) this.#mergeOldest();
      else this.#grow();
    }
    const at = (this.#head + this.#count) % this.#times.length;
    this.#times[at] = now;
    this.#amounts[at] = amount;
    this.#grants[at] = grant;
    this.#count++;
    this.#sum += amount;
  }

  /** Adds `delta` to grant `grant`'s amount, if it is still in the window. */
  settle(grant: number, delta: number): void {
    const size = this.#times.length;
    // Settled grants are recent: look from the newest back.
    for (let i = this.#count - 1; i >= 0; i--) {
      const at = (this.#head + i) % size;
      const g = this.#grants[at]!;
      if (g < grant) return;
      // A merged entry holds the newest grant of those merged into it.
      const before = i > 0 ? this.#grants[(this.#head + i - 1) % size]! : -Infinity;
      if (g === grant || before < grant) {
        this.#amounts[at] = this.#amounts[at]! + delta;
        this.#sum += delta;
        return;
      }
    }
  }

  #expire(now: number): void {
    const size = this.#times.length;
    while (this.#count > 0 && this.#times[this.#head]! + this.#periodMs <= now) {
      this.#sum -= this.#amounts[this.#head]!;
      this.#head = (this.#head + 1) % size;
      this.#count--;
    }
    if (this.#count === 0) this.#sum = 0; // no drift from fractional sums
  }

  *#entries(): Generator<[number, number, number]> {
    const size = this.#times.length;
    for (let i = 0; i < this.#count; i++) {
      const at = (this.#head + i) % size;
      yield [this.#times[at]!, this.#amounts[at]!, this.#grants[at]!];
    }
  }

  #grow(): void {
    const entries = [...this.#entries()];
    const size = this.#times.length * 2;
    this.#times = new Float64Array(size);
    this.#amounts = new Float64Array(size);
    this.#grants = new Float64Array(size);
    this.#head = 0;
    entries.forEach(([t, a, g], i) => {
      this.#times[i] = t;
      this.#amounts[i] = a;
      this.#grants[i] = g;
    });
  }

  #mergeOldest(): void {
    const size = this.#times.length;
    const next = (this.#head + 1) % size;
    this.#amounts[next] = this.#amounts[next]! + this.#amounts[this.#head]!;
    this.#head = next;
    this.#count--;
  }
}
