/**
 * One point of a run's statistics history, as the `snapshots` table keeps it
 * and the charts draw it: the same shape whether it was saved every few
 * seconds by the run or made each second for the live updates.
 *
 * @module
 */
import type { SnapshotRow } from "../store/history.ts";
import { allowedRate } from "./limiter_view.ts";
import type { LiveRun } from "./live_run.ts";
import { unitFigures } from "./unit_view.ts";

/** Where a point comes from: statistics, and the limiter and concurrency when known. */
export type PointSource = Pick<LiveRun, "snapshot" | "limiter" | "concurrency">;

/**
 * The run's figures now, as a history point: cumulative counters (the
 * charts take rates from the differences), recent latency percentiles,
 * responses by status, requests in flight, cooldown, open breaker, pause,
 * allowed rate, and each cost unit's use (marking the one whose limit set the pace).
 *
 * @example Usage
 * ```ts
 * import { historyPoint } from "./history_point.ts";
 * import { RunStats } from "../run/run_stats.ts";
 * import { RateLimiter } from "../rate/rate_limiter.ts";
 * import assert from "node:assert/strict";
 * const stats = new RunStats({ total: 2, done: 0, failed: 0 }, () => 5_000);
 * stats.attempt(200, 10, "done");
 * stats.attempt(429, 3, "throttled");
 * const limiter = new RateLimiter({ windows: [{ limit: 5, periodMs: 1000 }] });
 * const point = historyPoint({ snapshot: () => stats.snapshot(), limiter: () => limiter, concurrency: () => 4 });
 * assert.deepEqual(point.statuses, { "200": 1, "429": 1 });
 * assert.equal(point.concurrency, 4);
 * assert.equal(point.rateLimit, 5);
 * assert.equal(point.paused, false);
 * ```
 */
export function historyPoint(source: PointSource): SnapshotRow {
  const s = source.snapshot();
  const point: SnapshotRow = {
    at: s.at,
    done: s.done,
    failed: s.failed,
    sent: s.sent,
    throttled: s.throttled,
    retried: s.retried,
    rate: s.rate,
    p50Ms: s.p50Ms ?? null,
    p95Ms: s.p95Ms ?? null,
    statuses: { ...s.byStatus },
  };
  if (s.recentMs) {
    point.recentP50Ms = s.recentMs.p50;
    point.recentP95Ms = s.recentMs.p95;
    point.recentP99Ms = s.recentMs.p99;
  }
  const concurrency = source.concurrency?.();
  if (concurrency !== undefined) point.concurrency = concurrency;
  const limiter = source.limiter?.();
  if (limiter) {
    const gauges = limiter.gauges;
    if (gauges.inflight !== undefined) point.inflight = gauges.inflight;
    // The same state the limiter panel reads: a cooldown and an open breaker apart.
    point.cooldownUntil = limiter.cooldownUntil > s.at ? limiter.cooldownUntil : 0;
    const breaker = gauges.breakerUntil ?? 0;
    point.breakerUntil = breaker > s.at ? breaker : 0;
    point.paused = limiter.held;
    const allowed = allowedRate(limiter, s.at);
    if (allowed) point.rateLimit = allowed.rate;
    const units = unitFigures(limiter, s.at).map(({ unit, spent, left, of }) => ({
      unit,
      spent,
      ...(left !== undefined ? { left, of: of! } : {}),
      ...(allowed?.unit === unit ? { pacing: true as const } : {}),
    }));
    if (units.length > 0) point.units = units;
  }
  return point;
}
