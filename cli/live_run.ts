/**
 * What the dashboard sees of, and may do to, the job `sluice run` is running.
 *
 * @module
 */
import type { LiveRun } from "../lib/dashboard/create_dashboard.ts";
import { formatRate, parseRate } from "../lib/rate/rate_spec.ts";
import type { RateLimiter } from "../lib/rate/rate_limiter.ts";
import type { RunStats } from "../lib/run/run_stats.ts";

/**
 * The running job as the dashboard sees it: statistics, pause and resume,
 * and the rate in force, which it may change (not to `auto`).
 *
 * @example Usage
 * ```ts
 * import { liveRun } from "./live_run.ts";
 * import { RunStats } from "../lib/run/run_stats.ts";
 * import { RateLimiter } from "../lib/rate/rate_limiter.ts";
 * import assert from "node:assert/strict";
 * const limiter = new RateLimiter({ windows: [{ limit: 5, periodMs: 1000 }] });
 * const live = liveRun("demo", new RunStats({ total: 1, done: 0, failed: 0 }), () => limiter);
 * live.setRate("20/s");
 * assert.equal(live.rate(), "20/s");
 * assert.throws(() => live.setRate("auto"), RangeError);
 * ```
 */
export function liveRun(
  job: string,
  stats: RunStats,
  limiter: () => RateLimiter | undefined,
  concurrency?: number,
): Required<LiveRun> {
  let rate = "";
  return {
    job,
    snapshot: () => stats.snapshot(),
    limiter,
    concurrency: () => concurrency,
    pause: () => limiter()?.hold(true),
    resume: () => limiter()?.hold(false),
    paused: () => limiter()?.held ?? false,
    rate: () => rate || formatRate({ kind: "windows", windows: [...(limiter()?.windows ?? [])] }),
    setRate(text: string) {
      const spec = parseRate(text);
      if (spec.kind === "auto") {
        throw new RangeError("Cannot switch to auto while running: current value is 'auto'");
      }
      limiter()?.setWindows(spec.kind === "windows" ? spec.windows : []);
      rate = formatRate(spec);
    },
  };
}
