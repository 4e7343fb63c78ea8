/**
 * In-memory run statistics: counters, status histogram, latency percentiles
 * and a recent-throughput window. Cheap enough to update on every attempt.
 *
 * @module
 */

/** A point-in-time copy of {@linkcode RunStats}, safe to serialise. */
export interface StatsSnapshot {
  at: number;
  elapsedMs: number;
  total: number;
  done: number;
  failed: number;
  pending: number;
  sent: number;
  retried: number;
  throttled: number;
  possiblySent: number;
  byStatus: Record<string, number>;
  errors: Record<string, number>;
  /** Completions (done or failed) per second over the last few seconds. */
  rate: number;
  /** Requests sent per second over the last few seconds. */
  sendRate: number;
  p50Ms: number | undefined;
  p95Ms: number | undefined;
  etaMs: number | undefined;
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
  total: number;
  done: number;
  failed: number;
  sent = 0;
  retried = 0;
  throttled = 0;
  possiblySent = 0;
  readonly byStatus: Map<string, number> = new Map();
  readonly errors: Map<string, number> = new Map();
  readonly #latency = new Uint32Array(BUCKETS);
  #latencyCount = 0;
  readonly #completedPerSecond = new Float64Array(RATE_WINDOW_S);
  readonly #sentPerSecond = new Float64Array(RATE_WINDOW_S);
  #second = -1;

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
    };
  }

  #tick(): number {
    const second = Math.floor(this.#now() / 1000);
    if (this.#second === -1) this.#second = second;
    // Clear the slots of the seconds that passed without events.
    for (let s = this.#second + 1; s <= second && s <= this.#second + RATE_WINDOW_S; s++) {
      this.#completedPerSecond[s % RATE_WINDOW_S] = 0;
      this.#sentPerSecond[s % RATE_WINDOW_S] = 0;
    }
    this.#second = Math.max(this.#second, second);
    return second % RATE_WINDOW_S;
  }
}
