/**
 * A job's figures as the dashboard shows them: counts by state, its state
 * (running, paused, cooling down, finished…), and every figure and limiter
 * line as text. Made on the server, for the first page and each live update.
 *
 * @module
 */
import type { StatsSnapshot } from "../run/run_stats.ts";
import type { LastRun } from "../store/last_run.ts";
import type { JobCounts } from "../store/store.ts";
import { formatDuration } from "../util/units.ts";
import { formatCount, formatMs, formatPerSecond } from "./format.ts";
import { lastRunFields } from "./last_run_view.ts";
import { limiterFields, runState } from "./limiter_view.ts";
import type { LiveRun } from "./live_run.ts";

/** The state a job is shown in. */
export type JobState =
  | "running"
  | "paused"
  | "cooling down"
  | "breaker open"
  | "finished"
  | "not running";

/** What the dashboard shows of one job at one moment. */
export interface JobFigures {
  /** Counts by state: in the database, or as the run in this process counts them. */
  counts: JobCounts;
  /** What the job is doing. */
  state: JobState;
  /** Each figure as text, by field name (`data-field="<job>|<name>"`). */
  fields: Record<string, string>;
}

/**
 * The counts of the job running in this process: done, failed and total as
 * its statistics have them now (the database's may be a second behind), the
 * items leased as the database last said.
 *
 * @example Usage
 * ```ts
 * import { liveCounts } from "./job_figures.ts";
 * import { RunStats } from "../run/run_stats.ts";
 * import assert from "node:assert/strict";
 * const db = { total: 10, pending: 6, inflight: 2, done: 2, failed: 0, possiblySent: 0 };
 * const stats = new RunStats({ total: 10, done: 3, failed: 1 }).snapshot();
 * assert.deepEqual(liveCounts(db, stats), { ...db, pending: 4, done: 3, failed: 1 });
 * ```
 */
export function liveCounts(db: JobCounts | undefined, s: StatsSnapshot): JobCounts {
  // Before the run has counted its items, the database knows better.
  if (s.total === 0 && db) return db;
  const inflight = Math.min(db?.inflight ?? 0, s.pending);
  return {
    total: s.total,
    pending: s.pending - inflight,
    inflight,
    done: s.done,
    failed: s.failed,
    possiblySent: Math.max(s.possiblySent, db?.possiblySent ?? 0),
    ...(s.paged ? { queries: s.queries!, queriesDone: s.queriesDone! } : {}),
  };
}

/**
 * The figures of a job; with `live`, those of the run in this process too;
 * else, with `lastRun`, those of its last run (as `run.<name>`, see
 * `lastRunFields`). While paused or cooling down nothing is sent: the
 * sending rate reads 0 at once.
 *
 * @example Usage
 * ```ts
 * import { jobFigures } from "./job_figures.ts";
 * import assert from "node:assert/strict";
 * const counts = { total: 4, pending: 0, inflight: 0, done: 3, failed: 1, possiblySent: 0 };
 * const figures = jobFigures(counts, undefined, 0);
 * assert.equal(figures.state, "finished");
 * assert.equal(figures.fields.progress, "100%");
 * ```
 */
export function jobFigures(
  dbCounts: JobCounts,
  live: { run: LiveRun; snapshot: StatsSnapshot } | undefined,
  now: number,
  lastRun?: LastRun,
): JobFigures {
  const s = live?.snapshot;
  const counts = s ? liveCounts(dbCounts, s) : dbCounts;
  const limiter = live?.run.limiter?.();
  const left = counts.pending + counts.inflight;
  const state: JobState = left === 0 && counts.total > 0
    ? "finished"
    : !live
    ? "not running"
    : limiter
    ? runState(limiter, now)
    : live.run.paused?.()
    ? "paused"
    : "running";
  // With pages (--next), progress is in queries: a query is done when its last page is.
  const paged = counts.queries !== undefined && counts.queries !== counts.total;
  const finished = paged ? counts.queriesDone! + counts.failed : counts.done + counts.failed;
  const whole = paged ? counts.queries! : counts.total;
  const fields: Record<string, string> = {
    done: formatCount(counts.done),
    failed: formatCount(counts.failed),
    pending: formatCount(counts.pending),
    inflight: formatCount(counts.inflight),
    total: formatCount(counts.total),
    possiblySent: formatCount(counts.possiblySent),
    progress: whole === 0
      ? "—"
      : `${Number(((100 * finished) / whole).toFixed(finished === whole ? 0 : 1))}%`,
    state,
  };
  const sendRate = state === "paused" || state === "cooling down" ? 0 : s?.sendRate ?? 0;
  if (paged) {
    fields.queries = formatCount(counts.queries!);
    fields.queriesDone = formatCount(counts.queriesDone!);
    fields.pages = formatCount(counts.done + counts.failed);
  }
  if (s) {
    fields.rate = formatPerSecond(s.rate);
    fields.sendRate = formatPerSecond(sendRate);
    fields.eta = left === 0 ? "done" : state === "paused" ? "paused" : formatDuration(s.etaMs);
    fields.retried = formatCount(s.retried);
    fields.throttled = formatCount(s.throttled);
    fields.unavailable = formatCount(s.unavailable ?? 0);
    const recent = s.recentMs;
    fields.latency = recent
      ? `${formatMs(recent.p50)} · ${formatMs(recent.p95)} · ${formatMs(recent.p99)}`
      : "—";
  }
  if (live && limiter) {
    const lines = limiterFields(limiter, {
      rate: live.run.rate?.() ?? "",
      sendRate,
      concurrency: live.run.concurrency?.(),
      now,
    });
    for (const [name, text] of Object.entries(lines)) fields[`limiter.${name}`] = text;
  } else if (!live && lastRun) {
    for (const [name, text] of Object.entries(lastRunFields(lastRun))) fields[`run.${name}`] = text;
  }
  return { counts, state, fields };
}
