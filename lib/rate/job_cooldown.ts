/**
 * The job's cooldown: a time before which nothing is sent, and why. A 429 or
 * 503 that says when to come back (`Retry-After`) is waited out as said; a
 * run of 429s and 503s that do not say cools the job down for longer each
 * time (exponential, with jitter, capped), until a success resets it.
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import { formatDuration } from "../util/units.ts";

/** Options for {@linkcode JobCooldown}. */
export interface JobCooldownOptions {
  /** Ceiling of the first cooldown after a 429 or 503 without `Retry-After`. @default 1_000 */
  baseMs?: number;
  /** Ceiling of any cooldown after 429s or 503s without `Retry-After`. @default 10_000 */
  capMs?: number;
  /** Source of randomness in [0, 1), for the jitter. @default Math.random */
  random?: () => number;
}

/** Why the job cools down. */
export type CooldownCause =
  /** The server said when to come back. */
  | { kind: "retry-after"; status: number }
  /** A run of 429s or 503s that did not say: `statuses` counts them by status. */
  | { kind: "backoff"; statuses: Record<string, number> }
  /** Another worker of the job cools down; `text` says why (see {@linkcode describeCooldown}). */
  | { kind: "worker"; text: string }
  /** This worker joined a job others work on, and waits for them to make room. */
  | { kind: "joining" }
  /** Asked for by the caller of `pauseUntil`, for no reason it gave. */
  | { kind: "asked" };

/** What the job's cooldowns came to over a run. */
export interface CooldownReport {
  /** Cooldowns started (an extension of one in force is not another). */
  count: number;
  /** Time cooled down in all, the overlaps counted once. */
  totalMs: number;
  /** The longest single cooldown, from its start to its (last extended) end. */
  longestMs: number;
  /** Cooldowns started by kind of cause. */
  byCause: Partial<Record<CooldownCause["kind"], number>>;
}

/**
 * Says why the job cools down: `Retry-After of a 429`, `after 12 × 503 (no
 * wait time given)`, `joining: the other workers make room`.
 *
 * @example Usage
 * ```ts
 * import { describeCooldown } from "./job_cooldown.ts";
 * import assert from "node:assert/strict";
 * assert.equal(describeCooldown({ kind: "retry-after", status: 429 }), "Retry-After of a 429");
 * assert.equal(
 *   describeCooldown({ kind: "backoff", statuses: { "429": 2, "503": 10 } }),
 *   "after 2 × 429, 10 × 503 (no wait time given)",
 * );
 * ```
 */
export function describeCooldown(cause: CooldownCause): string {
  switch (cause.kind) {
    case "retry-after":
      return `Retry-After of a ${cause.status}`;
    case "backoff": {
      const runs = Object.entries(cause.statuses).sort().map(([s, n]) => `${n} × ${s}`);
      return `after ${runs.join(", ")} (no wait time given)`;
    }
    case "worker":
      return `another worker's: ${cause.text}`;
    case "joining":
      return "joining: the other workers make room";
    case "asked":
      return "asked for";
  }
}

/**
 * The cooldown of one job as one worker sees it. Feed it every answer with
 * {@linkcode JobCooldown.onAnswer}; a cooldown asked for from outside (a
 * worker joining, another worker's) comes through {@linkcode JobCooldown.extend}.
 *
 * @example Usage
 * ```ts
 * import { JobCooldown } from "./job_cooldown.ts";
 * import assert from "node:assert/strict";
 * const cooldown = new JobCooldown({ random: () => 1 - Number.EPSILON });
 * cooldown.onAnswer(503, undefined, 0); // no Retry-After: about 1 s
 * cooldown.onAnswer(503, undefined, 1_000); // the second in a row: about 2 s
 * assert.equal(Math.round(cooldown.until), 3_000);
 * cooldown.onAnswer(200, undefined, 3_000); // a success resets the run
 * cooldown.onAnswer(429, 5_000, 3_100); // the server's Retry-After, as said
 * assert.equal(cooldown.until, 8_100);
 * assert.deepEqual(cooldown.cause, { kind: "retry-after", status: 429 });
 * ```
 */
export class JobCooldown {
  readonly #baseMs: number;
  readonly #capMs: number;
  readonly #random: () => number;
  #until = 0;
  #cause: CooldownCause = { kind: "asked" };
  #run: Record<string, number> = {};
  #consecutive = 0;
  #startedAt = 0;
  // The longest cooldown before the one in force (or the last one).
  #longestBefore = 0;
  readonly #report: CooldownReport = { count: 0, totalMs: 0, longestMs: 0, byCause: {} };

  /** A job that does not cool down until an answer or a caller says so. */
  constructor(options: JobCooldownOptions = {}) {
    const {
      baseMs = DEFAULTS.cooldownBaseMs,
      capMs = DEFAULTS.cooldownCapMs,
      random = Math.random,
    } = options;
    if (!(baseMs >= 0) || !(capMs >= baseMs)) {
      throw new RangeError(
        `Cannot use cooldown base and cap as durations with base <= cap: current value is '${baseMs}/${capMs}'`,
      );
    }
    this.#baseMs = baseMs;
    this.#capMs = capMs;
    this.#random = random;
  }

  /** Time until which nothing is sent (0 when the job never cooled down). */
  get until(): number {
    return this.#until;
  }

  /** Why the job cools down (or last did). */
  get cause(): CooldownCause {
    return this.#cause;
  }

  /** 429s and 503s without `Retry-After` in a row, since the last success. */
  get consecutive(): number {
    return this.#consecutive;
  }

  /** What the cooldowns came to by `now`: a cooldown in force counts up to then. */
  report(now = Infinity): CooldownReport {
    const report = { ...this.#report, byCause: { ...this.#report.byCause } };
    if (this.#until > now) {
      report.totalMs -= this.#until - now;
      report.longestMs = Math.max(this.#longestBefore, now - this.#startedAt);
    }
    return report;
  }

  /**
   * Learns from one answer (`status` undefined: none came). `retryAfterMs` is
   * the answer's `Retry-After`, already capped. Returns true when the job
   * cools down longer because of it.
   */
  onAnswer(status: number | undefined, retryAfterMs: number | undefined, now: number): boolean {
    if (status !== undefined && status >= 200 && status < 300) {
      this.#consecutive = 0;
      this.#run = {};
      return false;
    }
    if (status !== 429 && status !== 503) return false;
    if (retryAfterMs !== undefined) {
      return this.extend(now + retryAfterMs, { kind: "retry-after", status }, now);
    }
    this.#consecutive++;
    this.#run[status] = (this.#run[status] ?? 0) + 1;
    const ceiling = Math.min(this.#capMs, this.#baseMs * 2 ** (this.#consecutive - 1));
    // "Equal jitter": at least half the ceiling, so each cooldown still cools.
    const delay = ceiling * (0.5 + 0.5 * this.#random());
    return this.extend(now + delay, { kind: "backoff", statuses: { ...this.#run } }, now);
  }

  /** Cools down until `until` at least, for `cause`; never shortens. Returns true when it extended. */
  extend(until: number, cause: CooldownCause, now: number): boolean {
    if (until <= this.#until) return false;
    const report = this.#report;
    if (this.#until <= now) {
      this.#longestBefore = Math.max(this.#longestBefore, this.#until - this.#startedAt);
      report.count++;
      report.byCause[cause.kind] = (report.byCause[cause.kind] ?? 0) + 1;
      this.#startedAt = now;
      report.totalMs += until - now;
    } else {
      report.totalMs += until - this.#until;
    }
    report.longestMs = Math.max(report.longestMs, until - this.#startedAt);
    this.#until = until;
    this.#cause = cause;
    return true;
  }
}

/**
 * The cooldown in force as one phrase: `cooling down 8s after 12 × 503 (no
 * wait time given)`; undefined when none is.
 *
 * @example Usage
 * ```ts
 * import { cooldownText } from "./job_cooldown.ts";
 * import assert from "node:assert/strict";
 * const cooldown = { until: 8_000, cause: { kind: "retry-after" as const, status: 503 } };
 * assert.equal(cooldownText(cooldown, 0), "cooling down 8s (Retry-After of a 503)");
 * assert.equal(cooldownText(cooldown, 9_000), undefined);
 * ```
 */
export function cooldownText(
  cooldown: { until: number; cause: CooldownCause },
  now: number,
): string | undefined {
  if (cooldown.until <= now) return undefined;
  const left = formatDuration(cooldown.until - now);
  const why = describeCooldown(cooldown.cause);
  return cooldown.cause.kind === "backoff"
    ? `cooling down ${left} ${why}`
    : `cooling down ${left} (${why})`;
}

const CAUSE_NAMES: Record<CooldownCause["kind"], string> = {
  "retry-after": "for a Retry-After",
  backoff: "after 429s/503s with no wait time given",
  worker: "for another worker",
  joining: "joining the other workers",
  asked: "asked for",
};

/**
 * The cooldowns of a run in one phrase: `cooled down 9 times, 1m30s in all
 * (longest 10s): 8 after 429s/503s with no wait time given, 1 for a
 * Retry-After`; `no cooldown` when there was none.
 *
 * @example Usage
 * ```ts
 * import { describeCooldowns } from "./job_cooldown.ts";
 * import assert from "node:assert/strict";
 * const report = { count: 2, totalMs: 6_000, longestMs: 4_000, byCause: { "retry-after": 2 } };
 * assert.equal(
 *   describeCooldowns(report),
 *   "cooled down 2 times, 6s in all (longest 4s): 2 for a Retry-After",
 * );
 * ```
 */
export function describeCooldowns(
  report: { count: number; totalMs: number; longestMs: number; byCause: Record<string, number> },
): string {
  if (report.count === 0) return "no cooldown";
  const causes = Object.entries(report.byCause).sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => `${n} ${CAUSE_NAMES[kind as CooldownCause["kind"]] ?? kind}`);
  return `cooled down ${report.count} time${report.count === 1 ? "" : "s"}, ` +
    `${formatDuration(report.totalMs)} in all (longest ${formatDuration(report.longestMs)}): ` +
    causes.join(", ");
}
