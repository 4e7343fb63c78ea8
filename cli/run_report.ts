/**
 * The summary a finished run keeps with its job (`LastRun`): made from what
 * the run returned and what set its pace, for `sluice status` and the
 * dashboard after the run.
 *
 * @module
 */
import { formatCount } from "../lib/dashboard/format.ts";
import type { QuotaState } from "../lib/rate/server_quota.ts";
import type { RunSummary } from "../lib/run/run_job.ts";
import type { LastRun, PaceEntry } from "../lib/store/last_run.ts";
import type { UnitUse } from "../lib/store/history.ts";
import { formatDuration } from "../lib/util/units.ts";

/** What the run's summary alone does not say. */
export interface RunReportOptions {
  /** When the run ended. @default the summary's last statistics */
  endedAt?: number;
  /** What set the pace and for how long (`LimitTally.entries()`). */
  pace: PaceEntry[];
  /** The rate asked for, as typed (`10/s`, `auto`, `none`). */
  rate: string;
  /** Requests (and units: `5,tokens=4000`) allowed at once above the steady rate. */
  burst: number | string;
  /** Requests in flight at once, at most. @default undefined (unknown) */
  concurrency?: number | undefined;
  /** Each cost unit's use at the end (`unitFigures`). @default undefined (none) */
  units?: readonly UnitUse[] | undefined;
}

/** A server quota's size as the report keeps it: `"default": 25 per 1s`. */
function quotaSize(q: QuotaState): string {
  const size = q.limit === undefined
    ? "size unknown"
    : `${formatCount(q.limit)}${q.windowMs ? ` per ${formatDuration(q.windowMs)}` : ""}`;
  return `"${q.name}": ${size}`;
}

/**
 * The run's summary as the job keeps it.
 *
 * @example Usage
 * ```ts
 * import { runReport } from "./run_report.ts";
 * import assert from "node:assert/strict";
 * const counts = { total: 2, done: 2, failed: 0, pending: 0, inflight: 0, possiblySent: 0 };
 * const stats = {
 *   at: 5_000, elapsedMs: 4_000, total: 2, done: 2, failed: 0, pending: 0, sent: 3, retried: 1,
 *   throttled: 0, unavailable: 1, possiblySent: 0, byStatus: { "200": 2, "503": 1 }, errors: {},
 *   rate: 0.5, sendRate: 0, p50Ms: 4, p95Ms: 9, p99Ms: 9, etaMs: 0,
 * };
 * const report = runReport(
 *   { counts, stats, stopped: false, deadlineReached: false, limiter: { quotas: [] } },
 *   { pace: [{ by: "--rate 10/s", ms: 4_000, rate: 10 }], rate: "10/s", burst: 1 },
 * );
 * assert.equal(report.startedAt, 1_000);
 * assert.equal(report.ended, "finished");
 * assert.equal(report.unavailable, 1);
 * assert.deepEqual(report.latency, { p50: 4, p95: 9, p99: 9 });
 * ```
 */
export function runReport(
  summary: Pick<RunSummary, "counts" | "stats" | "stopped" | "deadlineReached" | "limiter">,
  options: RunReportOptions,
): LastRun {
  const { stats, counts, limiter } = summary;
  const endedAt = options.endedAt ?? stats.at;
  const { p50Ms, p95Ms, p99Ms } = stats;
  const adaptive = limiter.adaptive;
  return {
    startedAt: stats.at - stats.elapsedMs,
    endedAt,
    ended: summary.deadlineReached ? "deadline" : summary.stopped ? "stopped" : "finished",
    counts: {
      total: counts.total,
      done: counts.done,
      failed: counts.failed,
      pending: counts.pending + counts.inflight,
    },
    sent: stats.sent,
    byStatus: { ...stats.byStatus },
    retried: stats.retried,
    throttled: stats.throttled,
    unavailable: stats.unavailable ?? 0,
    ...(p50Ms !== undefined && p95Ms !== undefined && p99Ms !== undefined
      ? { latency: { p50: p50Ms, p95: p95Ms, p99: p99Ms } }
      : {}),
    pace: options.pace,
    limits: {
      rate: options.rate,
      burst: options.burst,
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      advertised: limiter.quotas.map(quotaSize),
      ...(adaptive
        ? {
          discovered: {
            rate: adaptive.rate,
            ...(adaptive.ceiling !== undefined ? { ceiling: adaptive.ceiling } : {}),
          },
        }
        : {}),
    },
    cooldowns: limiter.cooldowns
      ? {
        ...limiter.cooldowns,
        byCause: { ...limiter.cooldowns.byCause } as Record<string, number>,
      }
      : { count: 0, totalMs: 0, longestMs: 0, byCause: {} },
    ...(limiter.breaker ? { breakerOpened: limiter.breaker.opened } : {}),
    failures: Object.fromEntries(
      Object.entries(stats.errors).sort((a, b) => b[1] - a[1]).slice(0, 10),
    ),
    ...(options.units?.length
      ? {
        units: options.units.map(({ unit, spent, left, of }) => ({
          unit,
          spent,
          ...(left !== undefined ? { left, of: of! } : {}),
        })),
      }
      : {}),
  };
}
