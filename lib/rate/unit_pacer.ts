/**
 * The pacing of one unit a request costs: requests (one each), or tokens,
 * points, ... (an estimate each, settled by the usage its answer reports).
 * A unit has what requests have always had: its windows (`--rate
 * tokens=90000/min`) paced evenly with a burst (GCRA, the cost of a request
 * paid before the next one goes) and held exactly (sliding logs), the
 * server's quotas of that unit (from the answers' headers), and its windows
 * of an hour or more kept in the database (a budget). The rate limiter
 * holds one pacer per unit and grants a request when every pacer lets it go.
 *
 * @module
 */
import { type RateWindow, REQUESTS } from "./rate_spec.ts";
import type { RateBudget } from "./rate_budget.ts";
import type { RateLimitQuota } from "./rate_limit_headers.ts";
import { SharedQuota } from "./rate_share.ts";
import type { QuotaState, ServerQuotaOptions } from "./server_quota.ts";
import { WeightedLog } from "./_weighted_log.ts";

// How late a timer may fire and still be caught up on (or up to one request's
// span, if longer), so that rates above the timer resolution are reached and a
// busy machine's late timers do not slow the pace; the logs keep every window exact.
const CATCH_UP_MS = 5;
// An estimate's uncertainty reserve: this many standard deviations of the sum of
// the errors of the estimates not yet settled (3σ, from the RMS of the overruns).
const MARGIN_SIGMAS = 3 * Math.SQRT2;
// ... but never more than this part of a window or quota: a few early overruns must
// not keep most of it unspent.
const MAX_MARGIN = 0.25;

/** Options for {@linkcode UnitPacer}. */
export interface UnitPacerOptions {
  /** Units that may go at once above the steady rate of the shortest window. @default 1 */
  burst?: number;
  /** The unit's long windows, reserved from a database. @default undefined */
  budget?: RateBudget;
  /** Pacing from the server's quotas of this unit; `false` ignores them. @default {} */
  quota?: ServerQuotaOptions | false;
  /** This worker's part of the job's rate (1 / live workers). @default () => 1 */
  share?: () => number;
}

/** What one unit's pacing has seen, for the run's reports. */
export interface UnitUse {
  /** The unit. */
  unit: string;
  /** Spent so far: settled usage, and the estimates of requests that reported none. */
  spent: number;
  /** Requests whose answer reported their usage. */
  settled: number;
  /** The estimate a request without its own cost reserves: the mean settled usage (0 before any). */
  estimate: number;
  /** Each window's use now (windows under an hour; longer ones are in the budget). */
  windows: { limit: number; periodMs: number; used: number }[];
}

/**
 * One unit's windows, burst, server quotas and budget.
 *
 * @example Tokens paced by a window: each request's estimate is paid before the next goes
 * ```ts
 * import { UnitPacer } from "./unit_pacer.ts";
 * import assert from "node:assert/strict";
 * const tokens = new UnitPacer("tokens");
 * tokens.setWindows([{ limit: 1000, periodMs: 1000 }]); // 1 token per ms
 * assert.equal(tokens.allowedAt(0, 300), -Infinity);
 * tokens.record(1, 0, 300);
 * assert.equal(tokens.allowedAt(0, 300), 300);
 * // The answer reported 200 tokens: the 100 given back let the next grant go sooner.
 * tokens.settle(1, 200);
 * assert.equal(tokens.allowedAt(0, 300), 200);
 * assert.equal(tokens.use(0).estimate, 200);
 * ```
 */
export class UnitPacer {
  readonly #unit: string;
  readonly #burst: number;
  readonly #quota: SharedQuota | undefined;
  readonly #budget: RateBudget | undefined;
  #windows: RateWindow[] = [];
  #logs: WeightedLog[] = [];
  #tat = -Infinity;
  /** Estimates of grants not yet answered (not kept for requests: each costs one). */
  readonly #reserved = new Map<number, number>();
  #spent = 0;
  #settled = 0;
  #usageSum = 0;
  #overrunSquares = 0;

  /** A pacer of `unit` with no windows until {@linkcode setWindows}. */
  constructor(unit: string, options: UnitPacerOptions = {}) {
    const { burst = 1, budget, quota = {}, share = () => 1 } = options;
    if (!(burst >= 1) || (unit === REQUESTS && !Number.isInteger(burst))) {
      throw new RangeError(
        `Cannot use ${unit === REQUESTS ? "burst" : `${unit}'s burst`} as a ${
          unit === REQUESTS ? "positive integer" : "number of at least 1"
        }: current value is '${burst}'`,
      );
    }
    this.#unit = unit;
    this.#burst = burst;
    this.#budget = budget;
    this.#quota = quota ? new SharedQuota({ ...quota, unit }, share) : undefined;
  }

  /** The unit paced. */
  get unit(): string {
    return this.#unit;
  }

  /** Units that may go at once above the steady rate. */
  get burst(): number {
    return this.#burst;
  }

  /** The windows in force, shortest first. */
  get windows(): readonly RateWindow[] {
    return this.#windows;
  }

  /** The long windows kept in the database, if any. */
  get budget(): RateBudget | undefined {
    return this.#budget;
  }

  /** The server's quotas of this unit. */
  get quotas(): QuotaState[] {
    return this.#quota?.quotas ?? [];
  }

  /** Requests granted and neither answered nor forgotten (as the server's quotas count them). */
  get inflight(): number | undefined {
    return this.#quota?.inflight;
  }

  /** Replaces the windows (already this worker's share), keeping what each has counted. */
  setWindows(windows: readonly RateWindow[]): void {
    for (const w of windows) {
      if (!(w.limit > 0) || !(w.periodMs > 0)) {
        throw new RangeError(
          `Cannot use rate window as positive numbers: current value is '${w.limit}/${w.periodMs}ms'`,
        );
      }
    }
    const old = this.#logs;
    this.#windows = [...windows].sort((a, b) => a.periodMs - b.periodMs);
    this.#logs = this.#windows.map((w) =>
      new WeightedLog(w, old.find((l) => l.periodMs === w.periodMs))
    );
  }

  /** The cost a request reserves when it names none: the mean usage settled so far, 0 before any. */
  estimate(): number {
    if (this.#unit === REQUESTS) return 1;
    return this.#settled > 0 ? this.#usageSum / this.#settled : 0;
  }

  /** Earliest time a request costing `cost` may go (`Infinity`: wait for an answer). */
  allowedAt(now: number, cost: number): number {
    let at = -Infinity;
    const first = this.#windows[0];
    if (first) {
      const interval = first.periodMs / first.limit;
      at = this.#tat - (this.#burst - 1) * interval;
    }
    const margin = this.#margin();
    for (const log of this.#logs) {
      at = Math.max(at, log.allowedAt(now, cost, Math.min(margin, log.limit * MAX_MARGIN)));
    }
    if (this.#quota) at = Math.max(at, this.#quota.allowedAt(now, cost, margin));
    return at;
  }

  /** Counts grant `grant` of `cost` at `now`. */
  record(grant: number, now: number, cost: number): void {
    const first = this.#windows[0];
    if (first) {
      const interval = first.periodMs / first.limit;
      // On schedule, or a timer's few ms late: keep the schedule; after a gap, restart it.
      const late = now - this.#tat;
      const span = interval * Math.max(1, cost);
      this.#tat = (late > Math.max(CATCH_UP_MS, span) ? now : this.#tat) + cost * interval;
    }
    for (const log of this.#logs) log.record(grant, now, cost);
    this.#quota?.record(grant, now, cost);
    this.#spent += cost;
    if (this.#unit !== REQUESTS) this.#reserved.set(grant, cost);
  }

  /**
   * The answer to `grant` reported `reported` used: the difference from
   * its estimate is given back to (or taken from) every window, quota and
   * budget, and the usage counts in the mean estimate. A usage above a
   * window's whole limit counts as that limit. A grant made before this
   * unit was known (the answer that first advertised it) reserved nothing:
   * its usage is counted as spent, and in the mean.
   */
  settle(grant: number, reported: number, unreserved = false): void {
    if (!(reported >= 0)) return;
    const reserved = this.#reserved.get(grant);
    if (reserved === undefined) {
      if (!unreserved) return;
      this.#settled++;
      this.#usageSum += reported;
      this.#spent += reported;
      return;
    }
    this.#reserved.delete(grant);
    // More than a whole window (a wrong --usage path such as $.created, a server's
    // mistake) counts as the window: one answer holds the unit up one window at most.
    const usage = Math.min(reported, ...this.#windows.map((w) => w.limit));
    const delta = usage - reserved;
    this.#settled++;
    this.#usageSum += usage;
    if (delta > 0) this.#overrunSquares += delta * delta;
    if (delta === 0) return;
    this.#spent += delta;
    const first = this.#windows[0];
    if (first) this.#tat += delta * (first.periodMs / first.limit);
    for (const log of this.#logs) log.settle(grant, delta);
    this.#quota?.settle(grant, delta);
    this.#budget?.settle(delta);
  }

  /**
   * Learns from the answer to `grant`: the server's quotas of this unit it
   * reported (none is fine), and a `Retry-After` (`retryAt`). An estimate
   * not settled by now stays spent.
   */
  observe(
    grant: number,
    quotas: readonly RateLimitQuota[],
    now: number,
    retryAt: number | undefined,
  ): void {
    this.#reserved.delete(grant);
    this.#quota?.observeQuotas(grant, quotas, now, retryAt);
  }

  /** A granted request that was never sent: it stops counting as in flight. */
  forget(grant: number): void {
    this.#reserved.delete(grant);
    this.#quota?.forget(grant);
  }

  /** What this unit has spent and what its windows hold now. */
  use(now = Date.now()): UnitUse {
    return {
      unit: this.#unit,
      spent: this.#spent,
      settled: this.#settled,
      estimate: this.estimate(),
      windows: this.#windows.map((w, i) => {
        this.#logs[i]!.allowedAt(now, 0);
        return { limit: w.limit, periodMs: w.periodMs, used: this.#logs[i]!.used };
      }),
    };
  }

  /**
   * What is kept unspent against estimates that run over: 3σ of the sum of
   * the errors of the estimates still unsettled, from the overruns seen.
   * 0 for requests, and while estimates never ran over (an upper bound).
   */
  #margin(): number {
    if (this.#overrunSquares === 0) return 0;
    const rms = Math.sqrt(this.#overrunSquares / this.#settled);
    return MARGIN_SIGMAS * rms * Math.sqrt(this.#reserved.size + 1);
  }
}
