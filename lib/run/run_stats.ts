/**
 * In-memory run statistics: counters, status histogram, latency percentiles
 * and a recent-throughput window. Cheap enough to update on every attempt.
 * Percentiles are measured: interpolated within buckets 5% wide and kept
 * within the fastest and slowest answers seen, so a server that answers in
 * 40 ms reads 40 ms, not a bucket's edge.
 *
 * @module
 */

/** A point-in-time copy of {@linkcode RunStats}, safe to serialise. */
export interface StatsSnapshot {
  /** When the snapshot was taken (epoch ms). */
  at: number;
  /** Time since the run started. */
  elapsedMs: number;
  /** Items in the job. */
  total: number;
  /** Items done. */
  done: number;
  /** Items failed. */
  failed: number;
  /** Items not yet done or failed. */
  pending: number;
  /** Requests sent in this run. */
  sent: number;
  /** Attempts re-queued with backoff in this run. */
  retried: number;
  /** Answers 429 (throttled) in this run. */
  throttled: number;
  /** Answers 503 (unavailable), with or without Retry-After, in this run. */
  unavailable?: number;
  /** Items whose request may have gone out twice (found in flight after a stop or crash). */
  possiblySent: number;
  /** Answers by HTTP status. */
  byStatus: Record<string, number>;
  /** Failed attempts by reason. */
  errors: Record<string, number>;
  /** Completions (done or failed) per second over the last few seconds. */
  rate: number;
  /** Requests sent per second over the last one to two seconds: 0 two seconds after the last. */
  sendRate: number;
  /** Median response time of recent attempts. */
  p50Ms: number | undefined;
  /** 95th percentile response time of recent attempts. */
  p95Ms: number | undefined;
  /** Estimated time to finish at the recent rate; undefined while unknown. */
  etaMs: number | undefined;
  /** Response time under which 99% of attempts fell, since the start. */
  p99Ms?: number | undefined;
  /** Response time percentiles of the attempts of the last few seconds (the rate's window). */
  recentMs?: { p50: number; p95: number; p99: number } | undefined;
  /** Attempts by what they led to (this run's only, unlike `done` and `failed`). */
  outcomes?: Record<AttemptOutcome, number>;
  /** Response times as a Prometheus histogram. */
  durations?: DurationHistogram;
  /**
   * Queries in the job. With `--next` every page of a query is an item:
   * `total`, `done` and `failed` count pages (a query that failed is its page
   * that failed), these count queries. @default {total}
   */
  queries?: number;
  /** Queries done: their last page is. @default {done} */
  queriesDone?: number;
  /** True for a job whose queries have pages (`--next`). @default {false} */
  paged?: boolean;
}

/**
 * What an attempt led to: done, failed, `retry` (re-queued with backoff, an
 * attempt spent) or `throttled` (re-queued for the job's cooldown, no attempt
 * spent: a 429, or a 503 with Retry-After).
 */
export type AttemptOutcome = "done" | "failed" | "retry" | "throttled";

/**
 * Upper bounds, in seconds, of the buckets of {@linkcode RunStats.durationHistogram}
 * (Prometheus' `le`); the last, `+Inf`, is implied.
 */
export const DURATION_BUCKETS_S: readonly number[] = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
];

/** Response times as a Prometheus histogram: cumulative counts per upper bound. */
export interface DurationHistogram {
  /** Upper bounds in seconds, ascending ({@linkcode DURATION_BUCKETS_S}). */
  bounds: readonly number[];
  /** Attempts that took at most each bound (cumulative); `+Inf` is `count`. */
  cumulative: number[];
  /** Sum of every attempt's duration, in seconds. */
  sumS: number;
  /** Number of attempts. */
  count: number;
}

// Latency histogram: buckets of ~5% width from 0.1 ms to ~10 min.
const BUCKET_BASE = 1.05;
const BUCKET_MIN_MS = 0.1;
const BUCKETS = 330;
const LOG_BASE = Math.log(BUCKET_BASE);
const RATE_WINDOW_S = 10;
// The send rate's window, in whole seconds back from the current one: at most two seconds.
const SEND_WINDOW_S = 2;

/**
 * Counters for one run.
 *
 * @example Usage
 * ```ts
 * import { RunStats } from "./run_stats.ts";
 * import assert from "node:assert/strict";
 * const stats = new RunStats({ total: 2, done: 0, failed: 0 }, () => 0);
 * stats.attempt(200, 12, "done");
 * assert.equal(stats.snapshot().done, 1);
 * assert.equal(stats.snapshot().byStatus["200"], 1);
 * ```
 */
export class RunStats {
  readonly #now: () => number;
  readonly #started: number;
  /** Items in the job. */
  total: number;
  /** Items done. */
  done: number;
  /** Items failed. */
  failed: number;
  /** Requests sent. */
  sent = 0;
  /** Attempts re-queued with backoff. */
  retried = 0;
  /** Throttled (429) answers so far. */
  throttled = 0;
  /** Unavailable (503) answers so far, with or without Retry-After. */
  unavailable = 0;
  /** How often the item's request may have gone out without its answer recorded. */
  possiblySent = 0;
  /** Answers by HTTP status. */
  readonly byStatus: Map<string, number> = new Map();
  /** Failed attempts by reason. */
  readonly errors: Map<string, number> = new Map();
  readonly #latency = new Uint32Array(BUCKETS);
  #latencyCount = 0;
  #fastestMs = Infinity;
  #slowestMs = 0;
  readonly #completedPerSecond = new Float64Array(RATE_WINDOW_S);
  readonly #sentPerSecond = new Float64Array(RATE_WINDOW_S);
  #second = -1;
  // The latency histogram of each second of the rate's window, for recent percentiles.
  readonly #recentLatency = new Uint32Array(RATE_WINDOW_S * BUCKETS);
  readonly #recentFastest = new Float64Array(RATE_WINDOW_S).fill(Infinity);
  readonly #recentSlowest = new Float64Array(RATE_WINDOW_S);
  readonly #durationCounts = new Float64Array(DURATION_BUCKETS_S.length + 1);
  #durationSumMs = 0;
  /** True for a job whose queries have pages (`--next`): then items are pages. */
  paged = false;
  /** Queries in the job, with pages (else `total`). */
  queries: number;
  /** Queries done, with pages (else `done`). */
  queriesDone: number;
  /** Attempts by what they led to, this run's only. */
  readonly outcomes: Record<AttemptOutcome, number> = {
    done: 0,
    failed: 0,
    retry: 0,
    throttled: 0,
  };

  /** Starts from the job's counts; `now` gives the time (epoch ms). */
  constructor(
    initial: {
      total: number;
      done: number;
      failed: number;
      queries?: number;
      queriesDone?: number;
    },
    now = Date.now,
  ) {
    this.#now = now;
    this.#started = now();
    this.total = initial.total;
    this.done = initial.done;
    this.failed = initial.failed;
    this.queries = initial.queries ?? initial.total;
    this.queriesDone = initial.queriesDone ?? initial.done;
  }

  /**
   * Records what a done page's answer said of its query's pages: a next
   * page to fetch (one more item), or none (the query is done). A page that
   * named one sluice refuses to fetch is counted failed by {@linkcode attempt}.
   */
  page(step: "last" | "next" | "end" | "refused"): void {
    if (step === "next") {
      this.total++;
      this.paged = true;
    } else if (step !== "refused") this.queriesDone++;
  }

  /** Records one attempt and what it led to; `error` is counted when the item failed. */
  attempt(
    status: number | undefined,
    durationMs: number,
    outcome: "done" | "failed" | "retry" | "throttled",
    error?: string,
  ): void {
    const second = this.#tick();
    this.sent++;
    this.#sentPerSecond[second]!++;
    const key = status === undefined ? "error" : String(status);
    this.byStatus.set(key, (this.byStatus.get(key) ?? 0) + 1);
    const bucket = durationMs <= BUCKET_MIN_MS ? 0 : Math.min(
      BUCKETS - 1,
      Math.ceil(Math.log(durationMs / BUCKET_MIN_MS) / LOG_BASE),
    );
    this.#latency[bucket]!++;
    this.#latencyCount++;
    this.#recentLatency[second * BUCKETS + bucket]!++;
    if (durationMs < this.#fastestMs) this.#fastestMs = durationMs;
    if (durationMs > this.#slowestMs) this.#slowestMs = durationMs;
    if (durationMs < this.#recentFastest[second]!) this.#recentFastest[second] = durationMs;
    if (durationMs > this.#recentSlowest[second]!) this.#recentSlowest[second] = durationMs;
    this.#durationSumMs += durationMs;
    let bound = 0;
    while (bound < DURATION_BUCKETS_S.length && durationMs > DURATION_BUCKETS_S[bound]! * 1000) {
      bound++;
    }
    this.#durationCounts[bound]!++;
    this.outcomes[outcome]++;
    if (outcome === "done") this.done++;
    else if (outcome === "failed") this.failed++;
    else if (outcome === "retry") this.retried++;
    if (status === 429) this.throttled++;
    else if (status === 503) this.unavailable++;
    if (outcome === "done" || outcome === "failed") this.#completedPerSecond[second]!++;
    if (error && outcome === "failed") this.errors.set(error, (this.errors.get(error) ?? 0) + 1);
  }

  /**
   * Starts from the job's counts as the run found them, once it has taken
   * back a dead run's items; `paged` for a job whose queries have pages.
   */
  resume(
    counts: {
      total: number;
      done: number;
      failed: number;
      possiblySent: number;
      queries?: number;
      queriesDone?: number;
    },
    paged = false,
  ): void {
    this.total = counts.total;
    this.done = counts.done;
    this.failed = counts.failed;
    this.possiblySent = counts.possiblySent;
    this.paged = paged;
    this.queries = counts.queries ?? counts.total;
    this.queriesDone = counts.queriesDone ?? counts.done;
  }

  /** Counts items found in flight from a dead run: their request may have gone out. */
  recovered(items: number): void {
    this.possiblySent += items;
  }

  /**
   * An answer counted done whose processing failed: the item failed instead,
   * and with it its query (a next page it named is not added).
   */
  processFailed(error: string, named: { nextPage?: unknown }): void {
    this.done--;
    if (named.nextPage) this.total--;
    else if (this.paged) this.queriesDone--;
    this.failedUnsent(error);
  }

  /** Records an item that failed without being sent (e.g. a template error). */
  failedUnsent(error: string): void {
    this.#tick();
    this.failed++;
    this.errors.set(error, (this.errors.get(error) ?? 0) + 1);
  }

  /**
   * Returns the latency below which `fraction` of attempts fell, since the
   * start: interpolated within its bucket, never beyond the fastest or the
   * slowest attempt.
   */
  percentile(fraction: number): number | undefined {
    if (this.#latencyCount === 0) return undefined;
    return percentileOf(this.#latency, 0, this.#latencyCount, fraction, {
      fastest: this.#fastestMs,
      slowest: this.#slowestMs,
    });
  }

  /** A copy of the current figures. */
  snapshot(): StatsSnapshot {
    this.#tick();
    const now = this.#now();
    const elapsedMs = now - this.#started;
    const current = Math.floor(now / 1000) % RATE_WINDOW_S;
    let completed = 0;
    for (let i = 0; i < RATE_WINDOW_S; i++) completed += this.#completedPerSecond[i]!;
    const partial = (now % 1000) / 1000;
    const span = Math.min(elapsedMs / 1000, RATE_WINDOW_S - 1 + partial);
    const rate = span > 0 ? completed / span : 0;
    // Sends over a short window: a pause or a cooldown reads 0/s within two seconds.
    let sent = 0;
    for (let back = 0; back < SEND_WINDOW_S; back++) {
      sent += this.#sentPerSecond[(current - back + RATE_WINDOW_S) % RATE_WINDOW_S]!;
    }
    const sendSpan = Math.min(elapsedMs / 1000, SEND_WINDOW_S - 1 + partial);
    const pending = Math.max(0, this.total - this.done - this.failed);
    const queries = this.paged ? this.queries : this.total;
    const queriesDone = this.paged ? this.queriesDone : this.done;
    // With pages, what is left is queries, at the pace pages finish them.
    const left = this.paged ? Math.max(0, queries - queriesDone - this.failed) : pending;
    const pagesDone = this.done + this.failed;
    const perSecond = this.paged
      ? pagesDone > 0 ? (rate * (queriesDone + this.failed)) / pagesDone : 0
      : rate;
    return {
      at: now,
      elapsedMs,
      total: this.total,
      done: this.done,
      failed: this.failed,
      pending,
      sent: this.sent,
      retried: this.retried,
      throttled: this.throttled,
      unavailable: this.unavailable,
      possiblySent: this.possiblySent,
      byStatus: Object.fromEntries(this.byStatus),
      errors: Object.fromEntries(this.errors),
      rate,
      sendRate: sendSpan > 0 ? sent / sendSpan : 0,
      p50Ms: this.percentile(0.5),
      p95Ms: this.percentile(0.95),
      etaMs: perSecond > 0 ? (left / perSecond) * 1000 : undefined,
      p99Ms: this.percentile(0.99),
      recentMs: this.#recentPercentiles(),
      outcomes: { ...this.outcomes },
      durations: this.durationHistogram(),
      queries,
      queriesDone,
      paged: this.paged,
    };
  }

  /**
   * Response times as a Prometheus histogram (seconds).
   *
   * @example Usage
   * ```ts
   * import { RunStats } from "./run_stats.ts";
   * import assert from "node:assert/strict";
   * const stats = new RunStats({ total: 2, done: 0, failed: 0 }, () => 0);
   * stats.attempt(200, 4, "done");
   * stats.attempt(500, 300, "retry");
   * const h = stats.durationHistogram();
   * assert.equal(h.cumulative[h.bounds.indexOf(0.005)], 1);
   * assert.equal(h.cumulative[h.bounds.indexOf(0.5)], 2);
   * assert.equal(h.count, 2);
   * assert.equal(h.sumS, 0.304);
   * ```
   */
  durationHistogram(): DurationHistogram {
    const cumulative: number[] = [];
    let seen = 0;
    for (let i = 0; i < DURATION_BUCKETS_S.length; i++) {
      seen += this.#durationCounts[i]!;
      cumulative.push(seen);
    }
    return {
      bounds: DURATION_BUCKETS_S,
      cumulative,
      sumS: this.#durationSumMs / 1000,
      count: this.#latencyCount,
    };
  }

  // Percentiles of the window's seconds; the current slot was brought up to date by #tick().
  #recentPercentiles(): StatsSnapshot["recentMs"] {
    const merged = new Uint32Array(BUCKETS);
    let count = 0;
    let fastest = Infinity;
    let slowest = 0;
    for (let s = 0; s < RATE_WINDOW_S; s++) {
      for (let b = 0; b < BUCKETS; b++) {
        const n = this.#recentLatency[s * BUCKETS + b]!;
        merged[b]! += n;
        count += n;
      }
      fastest = Math.min(fastest, this.#recentFastest[s]!);
      slowest = Math.max(slowest, this.#recentSlowest[s]!);
    }
    if (count === 0) return undefined;
    const span = { fastest, slowest };
    return {
      p50: percentileOf(merged, 0, count, 0.5, span),
      p95: percentileOf(merged, 0, count, 0.95, span),
      p99: percentileOf(merged, 0, count, 0.99, span),
    };
  }

  #tick(): number {
    const second = Math.floor(this.#now() / 1000);
    if (this.#second === -1) this.#second = second;
    // Clear the slots of the seconds that passed without events.
    for (let s = this.#second + 1; s <= second && s <= this.#second + RATE_WINDOW_S; s++) {
      this.#completedPerSecond[s % RATE_WINDOW_S] = 0;
      this.#sentPerSecond[s % RATE_WINDOW_S] = 0;
      const slot = (s % RATE_WINDOW_S) * BUCKETS;
      this.#recentLatency.fill(0, slot, slot + BUCKETS);
      this.#recentFastest[s % RATE_WINDOW_S] = Infinity;
      this.#recentSlowest[s % RATE_WINDOW_S] = 0;
    }
    this.#second = Math.max(this.#second, second);
    return second % RATE_WINDOW_S;
  }
}

/**
 * The latency under which `fraction` of the `count` attempts of `buckets`
 * (from `offset`) fell: the rank's bucket found, the value interpolated
 * between its edges by the rank's place among the bucket's attempts, then
 * kept between the fastest and the slowest attempt (so one bucket's worth of
 * identical times reads as that time).
 */
function percentileOf(
  buckets: Uint32Array,
  offset: number,
  count: number,
  fraction: number,
  span: { fastest: number; slowest: number },
): number {
  const rank = Math.max(1, fraction * count);
  let seen = 0;
  let b = 0;
  for (; b < BUCKETS - 1; b++) {
    const n = buckets[offset + b]!;
    if (seen + n >= rank) break;
    seen += n;
  }
  const n = buckets[offset + b]!;
  const high = BUCKET_MIN_MS * BUCKET_BASE ** b;
  const low = b === 0 ? 0 : high / BUCKET_BASE;
  const value = n > 0 ? low + (high - low) * ((rank - seen) / n) : high;
  return Math.min(span.slowest, Math.max(span.fastest, value));
}
