/**
 * In-memory run statistics: counters, status histogram, latency percentiles
 * and a recent-throughput window. Cheap enough to update on every attempt.
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
  /** Answers 429 (or 503 with Retry-After) in this run. */
  throttled: number;
  /** Items whose request may have gone out twice (found in flight after a stop or crash). */
  possiblySent: number;
  /** Answers by HTTP status. */
  byStatus: Record<string, number>;
  /** Failed attempts by reason. */
  errors: Record<string, number>;
  /** Completions (done or failed) per second over the last few seconds. */
  rate: number;
  /** Requests sent per second over the last few seconds. */
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
}

/** What an attempt led to. */
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
const RATE_WINDOW_S = 10;

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
  /** How often the item's request may have gone out without its answer recorded. */
  possiblySent = 0;
  /** Answers by HTTP status. */
  readonly byStatus: Map<string, number> = new Map();
  /** Failed attempts by reason. */
  readonly errors: Map<string, number> = new Map();
  readonly #latency = new Uint32Array(BUCKETS);
  #latencyCount = 0;
  readonly #completedPerSecond = new Float64Array(RATE_WINDOW_S);
  readonly #sentPerSecond = new Float64Array(RATE_WINDOW_S);
  #second = -1;
  // The latency histogram of each second of the rate's window, for recent percentiles.
  readonly #recentLatency = new Uint32Array(RATE_WINDOW_S * BUCKETS);
  readonly #durationCounts = new Float64Array(DURATION_BUCKETS_S.length + 1);
  #durationSumMs = 0;
  /** Attempts by what they led to, this run's only. */
  readonly outcomes: Record<AttemptOutcome, number> = {
    done: 0,
    failed: 0,
    retry: 0,
    throttled: 0,
  };

  /** Starts from the job's counts; `now` gives the time (epoch ms). */
  constructor(initial: { total: number; done: number; failed: number }, now = Date.now) {
    this.#now = now;
    this.#started = now();
    this.total = initial.total;
    this.done = initial.done;
    this.failed = initial.failed;
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
      Math.ceil(Math.log(durationMs / BUCKET_MIN_MS) / Math.log(BUCKET_BASE)),
    );
    this.#latency[bucket]!++;
    this.#latencyCount++;
    this.#recentLatency[second * BUCKETS + bucket]!++;
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
    else this.throttled++;
    if (outcome === "done" || outcome === "failed") this.#completedPerSecond[second]!++;
    if (error && outcome === "failed") this.errors.set(error, (this.errors.get(error) ?? 0) + 1);
  }

  /** Records an item that failed without being sent (e.g. a template error). */
  failedUnsent(error: string): void {
    this.#tick();
    this.failed++;
    this.errors.set(error, (this.errors.get(error) ?? 0) + 1);
  }

  /** Returns the latency below which `fraction` of attempts fell. */
  percentile(fraction: number): number | undefined {
    if (this.#latencyCount === 0) return undefined;
    const target = Math.ceil(this.#latencyCount * fraction);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#latency[i]!;
      if (seen >= target) return BUCKET_MIN_MS * BUCKET_BASE ** i;
    }
    return undefined;
  }

  /** A copy of the current figures. */
  snapshot(): StatsSnapshot {
    this.#tick();
    const now = this.#now();
    const elapsedMs = now - this.#started;
    const current = Math.floor(now / 1000) % RATE_WINDOW_S;
    let completed = 0;
    let sent = 0;
    for (let i = 0; i < RATE_WINDOW_S; i++) {
      if (i === current) continue;
      completed += this.#completedPerSecond[i]!;
      sent += this.#sentPerSecond[i]!;
    }
    const partial = (now % 1000) / 1000;
    const span = Math.min(elapsedMs / 1000, RATE_WINDOW_S - 1 + partial);
    completed += this.#completedPerSecond[current]!;
    sent += this.#sentPerSecond[current]!;
    const rate = span > 0 ? completed / span : 0;
    const pending = Math.max(0, this.total - this.done - this.failed);
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
      possiblySent: this.possiblySent,
      byStatus: Object.fromEntries(this.byStatus),
      errors: Object.fromEntries(this.errors),
      rate,
      sendRate: span > 0 ? sent / span : 0,
      p50Ms: this.percentile(0.5),
      p95Ms: this.percentile(0.95),
      etaMs: rate > 0 ? (pending / rate) * 1000 : undefined,
      p99Ms: this.percentile(0.99),
      recentMs: this.#recentPercentiles(),
      outcomes: { ...this.outcomes },
      durations: this.durationHistogram(),
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
    for (let s = 0; s < RATE_WINDOW_S; s++) {
      for (let b = 0; b < BUCKETS; b++) {
        const n = this.#recentLatency[s * BUCKETS + b]!;
        merged[b]! += n;
        count += n;
      }
    }
    if (count === 0) return undefined;
    const at = (fraction: number) => {
      const target = Math.ceil(count * fraction);
      let seen = 0;
      for (let b = 0; b < BUCKETS; b++) {
        seen += merged[b]!;
        if (seen >= target) return BUCKET_MIN_MS * BUCKET_BASE ** b;
      }
      return BUCKET_MIN_MS * BUCKET_BASE ** (BUCKETS - 1);
    };
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
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
    }
    this.#second = Math.max(this.#second, second);
    return second % RATE_WINDOW_S;
  }
}
