/**
 * Exact "at most `limit` in any `periodMs`": a ring of the last `limit` grant
 * times. Private helper of the rate limiter.
 *
 * @module
 */
import type { RateWindow } from "./rate_spec.ts";

/** A ring of the latest grant times of one window. */
export class SlidingLog {
  readonly #times: Float64Array;
  readonly #periodMs: number;
  #next = 0;
  #count = 0;

  /** A log for `window`; `from` carries over the newest grant times of an older log. */
  constructor(window: RateWindow, from?: SlidingLog) {
    this.#times = new Float64Array(Math.max(1, Math.ceil(window.limit)));
    this.#periodMs = window.periodMs;
    if (from) { for (const t of from.latest(this.#times.length)) this.record(t); }
  }

  /** The window length. */
  get periodMs(): number {
    return this.#periodMs;
  }

  /** Earliest time another grant is allowed. */
  allowedAt(): number {
    if (this.#count < this.#times.length) return -Infinity;
    return this.#times[this.#next]! + this.#periodMs;
  }

  /** Records a grant at `now`. */
  record(now: number): void {
    this.#times[this.#next] = now;
    this.#next = (this.#next + 1) % this.#times.length;
    if (this.#count < this.#times.length) this.#count++;
  }

  /** The newest `n` grant times, oldest first. */
  latest(n: number): number[] {
    const k = Math.min(n, this.#count);
    const out: number[] = [];
    for (let i = k; i >= 1; i--) {
      out.push(this.#times[(this.#next - i + this.#times.length) % this.#times.length]!);
    }
    return out;
  }
}
