/**
 * What the dashboard sees of, and may do to, the job `sluice run` is running.
 *
 * @module
 */
import type { LiveRun } from "../lib/dashboard/create_dashboard.ts";
import { formatRate, parseRate } from "../lib/rate/rate_spec.ts";
import type { RateLimiter } from "../lib/rate/rate_limiter.ts";
import type { RateWindow } from "../lib/rate/rate_spec.ts";
import type { RunStats } from "../lib/run/run_stats.ts";

/** The running job as the dashboard sees it, and the way to hand it the run's limiter. */
export interface CliLiveRun extends Required<LiveRun> {
  /**
   * Gives the run's limiter, once built, what was asked before it existed
   * (a pause or a rate change pressed while the queries were being imported).
   */
  attach(limiter: RateLimiter): void;
}

/**
 * The running job as the dashboard sees it: statistics, pause and resume,
 * and the rate in force, which it may change (not to `auto`). Asked before
 * the limiter exists, a pause or a rate is kept and applied by
 * {@linkcode CliLiveRun.attach}.
 *
 * @example Usage
 * ```ts
 * import { liveRun } from "./live_run.ts";
 * import { RunStats } from "../lib/run/run_stats.ts";
 * import { RateLimiter } from "../lib/rate/rate_limiter.ts";
 * import assert from "node:assert/strict";
 * let limiter: RateLimiter | undefined;
 * const live = liveRun("demo", new RunStats({ total: 1, done: 0, failed: 0 }), () => limiter);
 * live.pause(); // during the import: no limiter yet
 * live.setRate("20/s");
 * limiter = new RateLimiter({ windows: [{ limit: 5, periodMs: 1000 }] });
 * live.attach(limiter);
 * assert.equal(limiter.held, true);
 * assert.equal(live.rate(), "20/s");
 * assert.throws(() => live.setRate("auto"), RangeError);
 * ```
 */
export function liveRun(
  job: string,
  stats: RunStats,
  limiter: () => RateLimiter | undefined,
  concurrency?: number,
): CliLiveRun {
  let rate = "";
  let held = false;
  let windows: RateWindow[] | undefined;
  return {
    job,
    snapshot: () => stats.snapshot(),
    limiter,
    concurrency: () => concurrency,
    pause() {
      held = true;
      limiter()?.hold(true);
    },
    resume() {
      held = false;
      limiter()?.hold(false);
    },
    paused: () => limiter()?.held ?? held,
    rate: () =>
      rate || formatRate({ kind: "windows", windows: [...(limiter()?.windows ?? windows ?? [])] }),
    setRate(text: string) {
      const spec = parseRate(text);
      if (spec.kind === "auto") {
        throw new RangeError("Cannot switch to auto while running: current value is 'auto'");
      }
      windows = spec.kind === "windows" ? spec.windows : [];
      limiter()?.setWindows(windows);
      rate = formatRate(spec);
    },
    attach(built: RateLimiter) {
      if (held) built.hold(true);
      if (windows) built.setWindows(windows);
    },
  };
}
