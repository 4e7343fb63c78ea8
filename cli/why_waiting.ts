/**
 * What `sluice status` says of the items a job has not finished: why they
 * wait (their last answer, grouped), since when, what holds the job back
 * now, and how its last run went.
 *
 * @module
 */
import { lastRunFields } from "../lib/dashboard/last_run_view.ts";
import { formatCount } from "../lib/dashboard/format.ts";
import type { JobCounts, JobRow, WaitingGroup } from "../lib/store/store.ts";
import { formatDuration } from "../lib/util/units.ts";

/** A time as status prints it: `16:31:02 UTC (2m05s ago)`, the date too when not today. */
function when(at: number, now: number): string {
  const iso = new Date(at).toISOString();
  const today = iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10);
  return `${today ? iso.slice(11, 19) : iso.slice(0, 19).replace("T", " ")} UTC ` +
    `(${formatDuration(Math.max(0, now - at))} ago)`;
}

/** What the last answer of a group was: `503`, `timeout`, `network: connection refused`. */
function lastAnswer(g: WaitingGroup): string {
  if (g.lastStatus !== null) return `last answer ${g.lastStatus}`;
  if (g.errorClass === "timeout") return "last try timed out";
  return `last try failed: ${g.lastError ?? g.errorClass ?? "no answer"}`;
}

function range(min: number, max: number): string {
  return min === max ? String(min) : `${min}–${max}`;
}

/**
 * The lines on the job's waiting items: one per group of their last answer
 * (`5 waiting: last answer 503, 2–3 attempts (13 in all), since 16:31:02
 * UTC (2m05s ago), next try in 4s`), then those never sent, then what holds
 * the job back now.
 *
 * @example Usage
 * ```ts
 * import { waitingLines } from "./why_waiting.ts";
 * import assert from "node:assert/strict";
 * const counts = { total: 7, pending: 6, inflight: 0, done: 1, failed: 0, possiblySent: 0 };
 * const groups = [{
 *   state: "pending" as const, lastStatus: 503, errorClass: "http_5xx" as const, lastError: "http 503",
 *   items: 5, attempts: { min: 2, max: 3, sum: 13 }, throttledMax: 0,
 *   since: 0, latest: 60_000, nextAt: 124_000,
 * }];
 * const job = { cooldown: { until: 128_000, cause: "after 12 × 503 (no wait time given)" } };
 * assert.deepEqual(waitingLines(counts, groups, job, 120_000), [
 *   "  5 waiting: last answer 503, 2–3 attempts (13 in all), since 00:00:00 UTC (2m00s ago), next try in 4s",
 *   "  1 waiting to be sent for the first time",
 *   "  held back now: cooling down 8s after 12 × 503 (no wait time given)",
 * ]);
 * ```
 */
export function waitingLines(
  counts: JobCounts,
  groups: WaitingGroup[],
  job: Pick<JobRow, "cooldown">,
  now: number,
): string[] {
  const lines: string[] = [];
  let triedPending = 0;
  let triedClaimed = 0;
  for (const g of groups) {
    if (g.state === "pending") triedPending += g.items;
    else triedClaimed += g.items;
    const what = g.state === "pending" ? "waiting" : "claimed by a worker";
    const attempts =
      `${range(g.attempts.min, g.attempts.max)} attempt${g.attempts.max === 1 ? "" : "s"}` +
      (g.items > 1 ? ` (${g.attempts.sum} in all)` : "");
    const throttled = g.throttledMax > 0 ? `, throttled up to ${g.throttledMax} times` : "";
    const next = g.state === "pending" && g.nextAt > now
      ? `, next try in ${formatDuration(g.nextAt - now)}`
      : "";
    lines.push(
      `  ${formatCount(g.items)} ${what}: ${lastAnswer(g)}, ${attempts}${throttled}, ` +
        `since ${when(g.since, now)}${next}`,
    );
  }
  const fresh = counts.pending - triedPending;
  if (fresh > 0) lines.push(`  ${formatCount(fresh)} waiting to be sent for the first time`);
  const claimed = counts.inflight - triedClaimed;
  if (claimed > 0) {
    lines.push(`  ${formatCount(claimed)} claimed by a worker, not answered yet`);
  }
  const hold = job.cooldown;
  if (hold && hold.until > now && counts.pending + counts.inflight > 0) {
    const cause = hold.cause || "a cooldown";
    lines.push(
      cause === "breaker open"
        ? "  held back now: circuit breaker open"
        : `  held back now: cooling down ${formatDuration(hold.until - now)} ${
          cause.startsWith("after ") ? cause : `(${cause})`
        }`,
    );
  }
  return lines;
}

/**
 * The last run in a few lines: when and how it ended, how long it took,
 * what set its pace, its limits, what it sent and met.
 *
 * @example Usage
 * ```ts
 * import { lastRunLines } from "./why_waiting.ts";
 * import assert from "node:assert/strict";
 * const lines = lastRunLines({
 *   startedAt: 0, endedAt: 90_000, ended: "finished",
 *   counts: { total: 5, done: 0, failed: 5, pending: 0 },
 *   sent: 25, byStatus: { "503": 25 }, retried: 20, throttled: 0, unavailable: 25,
 *   pace: [{ by: "--rate 10/s", ms: 90_000 }],
 *   limits: { rate: "10/s", burst: 1, advertised: [] },
 *   cooldowns: { count: 0, totalMs: 0, longestMs: 0, byCause: {} }, failures: {},
 * });
 * assert.equal(lines[0], "  last run: finished 1970-01-01 00:01:30 UTC after 1m30s");
 * ```
 */
export function lastRunLines(run: NonNullable<JobRow["lastRun"]>): string[] {
  const f = lastRunFields(run);
  return [
    `  last run: ${f.ended} after ${f.duration}`,
    `    sent ${f.sent}, ${f.sendRate} on average; ${f.retried} retries, ` +
    `${f.throttled} throttled (429), ${f.unavailable} unavailable (503)`,
    `    pace set by ${f.pace}`,
    `    limits: rate ${f.configured}; server quota: ${f.quota}; auto rate: ${f.discovered}`,
    `    ${f.cooldown}; circuit breaker ${f.breaker}; latency p50 · p95 · p99: ${f.latency}`,
    ...(f.units !== undefined ? [`    cost units: ${f.units}`] : []),
  ];
}
