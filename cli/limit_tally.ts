/**
 * What limits a run's pace, said in the terminal: on the progress line
 * (`limit 10/s (server quota "default")`, `paused`, `cooling down`), and at
 * the end as how long each limit was the one in force.
 *
 * @module
 */
import {
  allowedRate,
  holdText,
  type LimiterLike,
  runState,
} from "../lib/dashboard/limiter_view.ts";
import type { PaceEntry } from "../lib/store/last_run.ts";
import { formatPerSecond } from "../lib/dashboard/format.ts";
import { paceText, UNPACED } from "../lib/dashboard/last_run_view.ts";
import type { Clock } from "../lib/util/clock.ts";
import { formatDuration } from "../lib/util/units.ts";

/**
 * The limit in force now, as the progress line shows it: `paused`,
 * `cooling down 12s (Retry-After of a 429)`, `cooling down 8s after 12 × 503
 * (no wait time given)`, `breaker open, next probe in 6s`, `limit 10/s
 * (--rate 10/s)`, or `no limit`.
 *
 * @example Usage
 * ```ts
 * import { limitNow } from "./limit_tally.ts";
 * import { RateLimiter } from "../lib/rate/rate_limiter.ts";
 * import assert from "node:assert/strict";
 * const limiter = new RateLimiter({ windows: [{ limit: 20, periodMs: 1000 }] });
 * assert.equal(limitNow(limiter, 0), "limit 20/s (--rate 20/s)");
 * limiter.hold(true);
 * assert.equal(limitNow(limiter, 0), "paused");
 * ```
 */
export function limitNow(limiter: LimiterLike, now: number): string {
  const held = holdText(limiter, now);
  if (held !== undefined) return held;
  const capped = limiter.report().quotas?.find((q) =>
    q.cappedFrom !== undefined && q.cappedFrom > now
  );
  if (capped) {
    // The server's reset is further away than --max-retry-after: say both, or the run looks stuck.
    return `server quota "${capped.name}" used up until ${
      formatDuration(capped.cappedFrom! - now)
    } from now; waiting ${formatDuration(Math.max(0, capped.resetAt - now))} (--max-retry-after)`;
  }
  const allowed = allowedRate(limiter, now);
  return allowed ? `limit ${formatPerSecond(allowed.rate)} (${allowed.by})` : "no limit";
}

/** Options for {@linkcode LimitTally}. */
export interface LimitTallyOptions {
  /** Source of time. @default Date.now */
  clock?: Pick<Clock, "now">;
}

/**
 * Samples what limits the pace, and sums up how long each limit held it.
 *
 * @example Usage
 * ```ts
 * import { LimitTally } from "./limit_tally.ts";
 * import { RateLimiter } from "../lib/rate/rate_limiter.ts";
 * import { FakeClock } from "../lib/util/clock.ts";
 * import assert from "node:assert/strict";
 * const clock = new FakeClock(0);
 * const limiter = new RateLimiter({ windows: [{ limit: 20, periodMs: 1000 }], clock });
 * const tally = new LimitTally(() => limiter, { clock });
 * tally.sample();
 * await clock.tick(3000);
 * limiter.hold(true);
 * tally.sample();
 * await clock.tick(1000);
 * tally.sample();
 * assert.equal(tally.summary(), "pace set by --rate 20/s 75% of the time, paused 25%");
 * ```
 */
export class LimitTally {
  readonly #limiter: () => LimiterLike | undefined;
  readonly #clock: Pick<Clock, "now">;
  readonly #held = new Map<string, { ms: number; rate: number | undefined }>();
  #last: { at: number; by: string; rate: number | undefined } | undefined;

  constructor(limiter: () => LimiterLike | undefined, options: LimitTallyOptions = {}) {
    const { clock = { now: () => Date.now() } } = options;
    this.#limiter = limiter;
    this.#clock = clock;
  }

  /** The limit in force now, for the progress line; undefined before the run has a limiter. */
  now(): string | undefined {
    const limiter = this.#limiter();
    return limiter ? limitNow(limiter, this.#clock.now()) : undefined;
  }

  /** Notes which limit holds now; the previous one is credited with the time since. */
  sample(): void {
    const limiter = this.#limiter();
    if (!limiter) return;
    const at = this.#clock.now();
    this.#credit(at);
    const state = runState(limiter, at);
    const allowed = state === "running" ? allowedRate(limiter, at) : undefined;
    const by = state === "running"
      ? allowed?.by ?? UNPACED
      : state === "cooling down"
      ? cooldownName(limiter)
      : state;
    this.#last = { at, by, rate: allowed?.rate };
  }

  /** Each limit that held the pace, with how long and the rate it allowed, longest first. */
  entries(): PaceEntry[] {
    return [...this.#held].sort((a, b) => b[1].ms - a[1].ms).map(([by, h]) => ({
      by,
      ms: h.ms,
      ...(h.rate !== undefined ? { rate: h.rate } : {}),
    }));
  }

  /** Starts sampling every `everyMs`; the returned function stops it (with a last sample). */
  watch(everyMs = 1000): () => void {
    this.sample();
    const timer = setInterval(() => this.sample(), everyMs);
    return () => {
      clearInterval(timer);
      this.sample();
    };
  }

  /**
   * One line: each limit that held the pace, longest first, with its share
   * of the time (`no pacing` when nothing did); undefined before any time
   * was sampled.
   */
  summary(): string | undefined {
    return paceSummary(this.entries());
  }

  #credit(at: number): void {
    const last = this.#last;
    if (!last || at <= last.at) return;
    const held = this.#held.get(last.by) ?? { ms: 0, rate: last.rate };
    held.ms += at - last.at;
    held.rate = last.rate ?? held.rate;
    this.#held.set(last.by, held);
  }
}

/** What the tally calls a kind of cooldown: the time the pace was held by it adds up under one name. */
function cooldownName(limiter: LimiterLike): string {
  const cause = limiter.cooldown.cause;
  switch (cause.kind) {
    case "retry-after":
      return "Retry-After cooldowns";
    case "backoff":
      return `cooldowns after ${
        Object.keys(cause.statuses).sort().map((s) => `${s}s`).join("/")
      } (no wait time given)`;
    case "worker":
      return "another worker's cooldowns";
    case "joining":
      return "joining the other workers";
    case "asked":
      return "cooling down";
  }
}

/**
 * One line from what set the pace and for how long: `pace set by --rate
 * 20/s 75% of the time, paused 25%` (`no pacing` when nothing did);
 * undefined when no time was sampled.
 *
 * @example Usage
 * ```ts
 * import { paceSummary } from "./limit_tally.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   paceSummary([{ by: "--rate 20/s", ms: 3000 }, { by: "paused", ms: 1000 }]),
 *   "pace set by --rate 20/s 75% of the time, paused 25%",
 * );
 * ```
 */
export function paceSummary(entries: readonly PaceEntry[]): string | undefined {
  const text = paceText(entries);
  return text === undefined || text === "no pacing" ? text : `pace set by ${text}`;
}
