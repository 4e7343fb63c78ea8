/**
 * A finished run's summary as text, line by line: for the dashboard's panel
 * of a job that is not running, and for `sluice status`.
 *
 * @module
 */
import { describeCooldowns } from "../rate/job_cooldown.ts";
import type { LastRun, PaceEntry } from "../store/last_run.ts";
import { formatDuration } from "../util/units.ts";
import { formatCount, formatMs, formatPerSecond, formatTime } from "./format.ts";
import { unitsText } from "./unit_view.ts";

/** What the tally calls a time when nothing limited the pace. */
export const UNPACED = "unpaced";

/**
 * What set the pace, each limit longest first with its share of the time:
 * `--rate 20/s 75% of the time, paused 25%` (`no pacing` when nothing did);
 * undefined when no time was counted.
 *
 * @example Usage
 * ```ts
 * import { paceText } from "./last_run_view.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   paceText([{ by: "--rate 20/s", ms: 3000 }, { by: "server quota \"q\"", ms: 1000, rate: 9 }]),
 *   "--rate 20/s 75% of the time, server quota \"q\" (9/s) 25%",
 * );
 * ```
 */
export function paceText(entries: readonly PaceEntry[]): string | undefined {
  const total = entries.reduce((sum, e) => sum + e.ms, 0);
  if (total <= 0) return undefined;
  if (entries.length === 1 && entries[0]!.by === UNPACED) return "no pacing";
  return [...entries].sort((a, b) => b.ms - a.ms).map((e, i) => {
    // `--rate 20/s` says its rate; a server quota or `--rate auto` does not.
    const fixed = e.by.startsWith("--rate ") && e.by !== "--rate auto";
    const rate = e.rate === undefined || fixed ? "" : ` (${formatPerSecond(e.rate)})`;
    const share = Math.round((e.ms / total) * 100);
    return `${e.by}${rate} ${share}%${i === 0 ? " of the time" : ""}`;
  }).join(", ");
}

const ENDED: Record<LastRun["ended"], string> = {
  finished: "finished",
  stopped: "stopped",
  deadline: "stopped at its deadline",
};

/**
 * The lines of a finished run, by field name: `ended`, `duration`, `sent`,
 * `sendRate`, `pace`, `configured`, `quota`, `discovered`, `retried`,
 * `throttled`, `unavailable`, `cooldown`, `breaker`, `latency`, `failures`,
 * and `units` for a run that counted cost units.
 *
 * @example Usage
 * ```ts
 * import { lastRunFields } from "./last_run_view.ts";
 * import assert from "node:assert/strict";
 * const fields = lastRunFields({
 *   startedAt: 0, endedAt: 90_000, ended: "finished",
 *   counts: { total: 5, done: 0, failed: 5, pending: 0 },
 *   sent: 25, byStatus: { "503": 25 }, retried: 20, throttled: 0, unavailable: 25,
 *   pace: [{ by: "--rate 10/s", ms: 90_000 }],
 *   limits: { rate: "10/s", burst: 1, concurrency: 16, advertised: [] },
 *   cooldowns: { count: 0, totalMs: 0, longestMs: 0, byCause: {} },
 *   breakerOpened: 0, failures: { "http 503 (after 5 attempts)": 5 },
 * });
 * assert.equal(fields.duration, "1m30s");
 * assert.equal(fields.configured, "10/s · burst 1 · concurrency 16");
 * assert.equal(fields.unavailable, "25");
 * ```
 */
export function lastRunFields(run: LastRun): Record<string, string> {
  const ms = Math.max(0, run.endedAt - run.startedAt);
  const statuses = Object.entries(run.byStatus).sort().map(([k, v]) => `${k}: ${formatCount(v)}`);
  const limits = run.limits;
  const found = limits.discovered;
  return {
    ended: `${ENDED[run.ended]} ${formatTime(run.endedAt)}`,
    duration: formatDuration(ms),
    sent: `${formatCount(run.sent)}${statuses.length ? ` (${statuses.join(", ")})` : ""}`,
    sendRate: formatPerSecond(ms > 0 ? run.sent / (ms / 1000) : 0),
    pace: paceText(run.pace) ?? "—",
    configured: `${limits.rate} · burst ${limits.burst}` +
      (limits.concurrency !== undefined ? ` · concurrency ${limits.concurrency}` : ""),
    quota: limits.advertised.length > 0 ? limits.advertised.join(" · ") : "none advertised",
    discovered: found
      ? `${formatPerSecond(found.rate)}` +
        (found.ceiling !== undefined ? ` (429s from ${formatPerSecond(found.ceiling)})` : "")
      : "— (a fixed rate)",
    retried: formatCount(run.retried),
    throttled: formatCount(run.throttled),
    unavailable: formatCount(run.unavailable),
    cooldown: describeCooldowns(run.cooldowns),
    breaker: run.breakerOpened === undefined
      ? "off"
      : run.breakerOpened === 0
      ? "never opened"
      : `opened ${run.breakerOpened}×`,
    latency: run.latency
      ? `${formatMs(run.latency.p50)} · ${formatMs(run.latency.p95)} · ${formatMs(run.latency.p99)}`
      : "—",
    failures: Object.entries(run.failures).map(([reason, n]) => `${n} × ${reason}`).join("; ") ||
      "none",
    ...(run.units?.length ? { units: unitsText(run.units) } : {}),
  };
}
