/**
 * The closing summary of `sluice run`, on stderr.
 *
 * @module
 */
import type { Console } from "./console.ts";
import { describeLimiter } from "../lib/rate/create_run_limiter.ts";
import { describeCooldowns } from "../lib/rate/job_cooldown.ts";
import type { RunSummary } from "../lib/run/run_job.ts";
import { formatPerSecond } from "../lib/dashboard/format.ts";
import { type UnitFigures, unitSummaryLines } from "../lib/dashboard/unit_view.ts";
import { formatDuration } from "../lib/util/units.ts";

/** Options for {@linkcode printSummary}. */
export interface PrintSummaryOptions {
  /**
   * What set the pace over the run (see `LimitTally.summary()`), shown with
   * the requests sent per second.
   *
   * @default undefined (only the rate)
   */
  pace?: string | undefined;
  /**
   * Each cost unit's figures at the end (see `unitFigures`), one line each.
   *
   * @default undefined (no line)
   */
  units?: readonly UnitFigures[] | undefined;
}

/**
 * Prints the closing summary of a run: counts, requests by status (429s
 * throttled, 503s unavailable), the effective rate and what set it, each cost
 * unit's use, the cooldowns, the most frequent failure reasons and what the
 * limiter learnt.
 *
 * @example Usage
 * ```ts
 * import { printSummary } from "./print_summary.ts";
 * import assert from "node:assert/strict";
 * const lines: string[] = [];
 * printSummary({
 *   counts: { total: 2, done: 2, failed: 0, pending: 0, inflight: 0, possiblySent: 0 },
 *   stats: {
 *     at: 0, elapsedMs: 1200, total: 2, done: 2, failed: 0, pending: 0, sent: 2, retried: 0,
 *     throttled: 0, possiblySent: 0, byStatus: { "200": 2 }, errors: {}, rate: 2, sendRate: 2,
 *     p50Ms: 3, p95Ms: 5, etaMs: 0,
 *   },
 *   recovered: 0,
 *   limiter: { quotas: [] },
 * }, { log: () => {}, error: (line) => lines.push(line) }, { pace: "pace set by --rate 5/s" });
 * assert.deepEqual(lines[0]!.split("\n"), [
 *   "sluice: 2/2 done, 0 failed, 0 pending in 1s",
 *   "  sent 2 requests (200: 2); 0 retries, 0 throttled (429), 0 unavailable (503)",
 *   "  1.7/s on average; pace set by --rate 5/s",
 * ]);
 * ```
 */
export function printSummary(
  summary: Pick<RunSummary, "counts" | "stats" | "recovered" | "limiter">,
  io: Console,
  options: PrintSummaryOptions = {},
): void {
  const { pace, units = [] } = options;
  const { counts, stats } = summary;
  const seconds = stats.elapsedMs / 1000;
  const statuses = Object.entries(stats.byStatus).sort().map(([k, v]) => `${k}: ${v}`).join(", ");
  // With pages, a query is done when its last page is; each pending or failed page is a query's.
  const paged = stats.paged === true;
  const done = paged
    ? `${counts.queriesDone}/${counts.queries} queries done (${
      counts.done + counts.failed
    } pages fetched)`
    : `${counts.done}/${counts.total} done`;
  io.error(
    [
      `sluice: ${done}, ${counts.failed} failed, ${counts.pending} pending` +
      ` in ${formatDuration(stats.elapsedMs)}`,
      `  sent ${stats.sent} requests (${
        statuses || "none"
      }); ${stats.retried} retries, ${stats.throttled} throttled (429), ${
        stats.unavailable ?? 0
      } unavailable (503)`,
      ...(pace !== undefined && stats.sent > 0 && seconds > 0
        ? [`  ${formatPerSecond(stats.sent / seconds)} on average; ${pace}`]
        : []),
      ...unitSummaryLines(units, stats.sent).map((line) => `  ${line}`),
      ...(summary.recovered > 0
        ? [
          `  ${summary.recovered} items were in flight when an earlier run stopped: possibly sent twice`,
        ]
        : []),
      ...(summary.limiter?.cooldowns?.count
        ? [`  ${describeCooldowns(summary.limiter.cooldowns)}`]
        : []),
      ...Object.entries(stats.errors).slice(0, 5).map(([reason, n]) => `  ${n} × ${reason}`),
      ...(summary.limiter && describeLimiter(summary.limiter)
        ? [`  ${describeLimiter(summary.limiter)}`]
        : []),
    ].join("\n"),
  );
}
