/**
 * The progress line on stderr: one line redrawn in place on a terminal, a
 * plain line every few seconds otherwise, and the closing summary.
 *
 * @module
 */
import { type LineOutput, stderrLine } from "./console.ts";
import { formatDuration } from "../lib/util/units.ts";
import type { StatsSnapshot } from "../lib/run/run_stats.ts";

/** Options for {@linkcode progressLine}. */
export interface ProgressLineOptions {
  /** Width of the bar; 0 for none. @default 20 */
  width?: number;
  /**
   * What limits the pace now (`limit 10/s (server quota "default")`,
   * `paused`), shown after the rate; while paused or cooling down there is no ETA.
   *
   * @default undefined (not shown)
   */
  limit?: string | undefined;
  /**
   * Each cost unit's use, after the limit (`tokens 31.9k spent, 3.5k left`).
   *
   * @default undefined (not shown)
   */
  units?: string | undefined;
}

/**
 * One progress line: done/total, percentage, rate, what limits it, cost
 * units, ETA, failures, retries, 429s (throttled) and 503s (unavailable).
 * With pages (`--next`), queries finished of the job's queries, then the
 * pages fetched.
 *
 * @example Usage
 * ```ts
 * import { progressLine } from "./progress.ts";
 * import assert from "node:assert/strict";
 * const line = progressLine({
 *   at: 0, elapsedMs: 10_000, total: 200, done: 50, failed: 2, pending: 148, sent: 60,
 *   retried: 5, throttled: 3, possiblySent: 0, byStatus: {}, errors: {}, rate: 5, sendRate: 6,
 *   p50Ms: 20, p95Ms: 80, etaMs: 29_600,
 * }, { width: 0 });
 * assert.equal(
 *   line,
 *   "52/200 26.0% | 5.0/s | ETA 30s | failed 2 | retries 5 | throttled 3 | unavailable 0 | p50 20ms",
 * );
 * const paged = progressLine({
 *   at: 0, elapsedMs: 10_000, total: 160, done: 150, failed: 2, pending: 8, sent: 160,
 *   retried: 0, throttled: 0, possiblySent: 0, byStatus: {}, errors: {}, rate: 15, sendRate: 16,
 *   p50Ms: undefined, p95Ms: undefined, etaMs: 10_000, queries: 100, queriesDone: 48, paged: true,
 * }, { width: 0 });
 * assert.equal(
 *   paged,
 *   "50/100 queries 50.0% | 152 pages | 15.0/s | ETA 10s | failed 2 | retries 0 | throttled 0 | unavailable 0",
 * );
 * ```
 */
export function progressLine(s: StatsSnapshot, options: ProgressLineOptions = {}): string {
  const { width = 20, limit, units } = options;
  const held = limit !== undefined && !limit.startsWith("limit ") && limit !== "no limit";
  // With pages, progress is in queries (a query is done when its last page is), then pages.
  const finished = s.paged ? s.queriesDone! + s.failed : s.done + s.failed;
  const total = s.paged ? s.queries! : s.total;
  const fraction = total > 0 ? finished / total : 1;
  const bar = width > 0 ? `[${"#".repeat(Math.round(fraction * width)).padEnd(width, ".")}] ` : "";
  const parts = [
    `${bar}${finished}/${total}${s.paged ? " queries" : ""} ${(fraction * 100).toFixed(1)}%`,
    ...(s.paged ? [`${s.done + s.failed} pages`] : []),
    `${s.rate.toFixed(1)}/s`,
    ...(limit === undefined ? [] : [limit]),
    ...(units === undefined ? [] : [units]),
    `ETA ${s.pending === 0 ? "0s" : held ? "—" : formatDuration(s.etaMs)}`,
    `failed ${s.failed}`,
    `retries ${s.retried}`,
    `throttled ${s.throttled}`,
    `unavailable ${s.unavailable ?? 0}`,
  ];
  if (s.p50Ms !== undefined) parts.push(`p50 ${formatDuration(s.p50Ms)}`);
  return parts.join(" | ");
}

/** Options for {@linkcode startProgress}. */
export interface ProgressOptions {
  /** Where to write. @default stderrLine (Deno.stderr, a failed write dropped) */
  output?: LineOutput;
  /** Redraw interval on a terminal. @default 250 */
  terminalMs?: number;
  /** Interval of plain lines when not on a terminal. @default 10_000 */
  plainMs?: number;
  /** What limits the pace now, for the line. @default undefined (not shown) */
  limit?: () => string | undefined;
  /** Each cost unit's use now, for the line. @default undefined (not shown) */
  units?: () => string | undefined;
}

/** Starts reporting; call the returned function to stop (it clears the line on a terminal). */
export function startProgress(
  snapshot: () => StatsSnapshot,
  options: ProgressOptions = {},
): () => void {
  const { output = stderrLine, terminalMs = 250, plainMs = 10_000, limit, units } = options;
  const encoder = new TextEncoder();
  const terminal = output.isTerminal();
  const draw = () => {
    const line = progressLine(snapshot(), {
      width: terminal ? 20 : 0,
      limit: limit?.(),
      units: units?.(),
    });
    output.writeSync(encoder.encode(terminal ? `\r\x1b[2K${line}` : `${line}\n`));
  };
  const timer = setInterval(draw, terminal ? terminalMs : plainMs);
  return () => {
    clearInterval(timer);
    if (terminal) output.writeSync(encoder.encode("\r\x1b[2K"));
  };
}
