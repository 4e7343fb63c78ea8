/**
 * One job's rate split among its live workers: each worker paces with its
 * share (1 / live workers) of every window, of `--rate auto`'s discovered
 * rate and of the server's quotas, since the server counts the client key,
 * not the process.
 *
 * @module
 */
import type { RateWindow } from "./rate_spec.ts";
import { PERSIST_FROM_MS } from "./rate_budget.ts";
import { type QuotaState, ServerQuota, type ServerQuotaOptions } from "./server_quota.ts";
import { WeightedLog } from "./_weighted_log.ts";

/**
 * Checks that `share` is a part of a whole, in (0, 1].
 *
 * @example Usage
 * ```ts
 * import { checkShare } from "./rate_share.ts";
 * import assert from "node:assert/strict";
 * assert.equal(checkShare(0.5), 0.5);
 * assert.throws(() => checkShare(0), RangeError);
 * ```
 */
export function checkShare(share: number): number {
  if (!(share > 0 && share <= 1)) {
    throw new RangeError(
      `Cannot use rate share as a number in (0, 1]: current value is '${share}'`,
    );
  }
  return share;
}

/**
 * The windows a worker paces with, shortest first: every limit times its
 * `share`, but for windows of an hour or more: those are kept in the database
 * as one budget that every worker draws from (`persistedWindows()` in rate_budget.ts).
 *
 * @example Usage
 * ```ts
 * import { shareWindows } from "./rate_share.ts";
 * import assert from "node:assert/strict";
 * const day = { limit: 10_000, periodMs: 86_400_000 };
 * assert.deepEqual(shareWindows([day, { limit: 90, periodMs: 1000 }], 1 / 3), [
 *   { limit: 30, periodMs: 1000 },
 *   day,
 * ]);
 * ```
 */
export function shareWindows(windows: readonly RateWindow[], share: number): RateWindow[] {
  const shared = share === 1
    ? [...windows]
    : windows.map((w) => w.periodMs >= PERSIST_FROM_MS ? w : { ...w, limit: w.limit * share });
  return shared.sort((a, b) => a.periodMs - b.periodMs);
}

// A worker of several spreads its part of a server quota evenly over the window, at
// this fraction of it: requests a busy machine holds back and delivers together then
// land in one server window without going over (a burst at each window's start would
// put many right at the edge, where a late delivery counts in the next window).
const SHARED_PACE = 0.9;
// A timer this late (or up to one interval, if longer) still keeps the spread's
// schedule, as the limiter's own pacing does.
const CATCH_UP_MS = 5;

/**
 * The server's quotas as one worker of several paces against them. The
 * server counts the client key, so the workers together must stay under each
 * quota: of what the server says is left, this worker takes only `share()`
 * (see {@linkcode ServerQuota}); of the full quota, at most `share()` in any
 * span of the quota's window; and it spreads those requests evenly, at 90% of
 * its part, rather than bursting at the start of a window. Alone (`share()` 1)
 * it paces exactly as {@linkcode ServerQuota}.
 *
 * @example Usage
 * ```ts
 * import { SharedQuota } from "./rate_share.ts";
 * import assert from "node:assert/strict";
 * let share = 1;
 * const quota = new SharedQuota({}, () => share);
 * quota.record(1, 0);
 * quota.observe(1, new Headers({ "ratelimit": "r=99;t=1", "ratelimit-policy": "q=100;w=1" }), 10);
 * assert.equal(quota.allowedAt(10), -Infinity);
 * // A quarter share: a quarter of the 99 left, 25 of the 100 in any second, spread at
 * // 90%: one request every 1000 / 22.5 ms, 23 in this second after the first.
 * share = 0.25;
 * let sent = 1;
 * for (let now = 10; now < 1000; now++) {
 *   if (quota.allowedAt(now) <= now) quota.record(++sent, now);
 * }
 * assert.equal(sent, 24);
 * ```
 */
export class SharedQuota extends ServerQuota {
  readonly #share: () => number;
  // This worker's grants while it shares, per quota: at most its part in any window.
  readonly #parts = new Map<string, WeightedLog>();
  // The spread's next free time (GCRA's theoretical arrival time), and its interval per unit.
  #tat = -Infinity;
  #interval = 0;

  /** Tracks the quotas as {@linkcode ServerQuota} does, taking `share()` of each. */
  constructor(options: ServerQuotaOptions, share: () => number) {
    super(options, share);
    this.#share = share;
  }

  /** Earliest time another request costing `cost` may be granted, within this worker's share. */
  override allowedAt(now: number, cost = 1, margin = 0): number {
    let at = super.allowedAt(now, cost, margin);
    const share = this.#share();
    if (share >= 1) return at;
    let spread = false;
    for (const q of this.quotas) {
      const part = this.#part(q, share);
      if (!part) continue;
      spread = true;
      at = Math.max(at, part.allowedAt(now, cost, margin));
    }
    return spread ? Math.max(at, this.#tat) : at;
  }

  /** Counts a grant against every quota, and against this worker's part of each. */
  override record(grant: number, now: number, cost = 1): void {
    super.record(grant, now, cost);
    const share = this.#share();
    if (share >= 1) return;
    let interval = 0;
    for (const q of this.quotas) {
      const part = this.#part(q, share);
      if (!part) continue;
      part.record(grant, now, cost);
      interval = Math.max(interval, q.windowMs! / (SHARED_PACE * share * q.limit!));
    }
    this.#interval = interval;
    if (interval === 0) return;
    const late = now - this.#tat;
    const span = interval * Math.max(1, cost);
    this.#tat = (late > Math.max(CATCH_UP_MS, span) ? now : this.#tat) + cost * interval;
  }

  /** Settles a grant as {@linkcode ServerQuota.settle} does, in this worker's parts too. */
  override settle(grant: number, delta: number): void {
    super.settle(grant, delta);
    for (const part of this.#parts.values()) part.settle(grant, delta);
    this.#tat += delta * this.#interval;
  }

  /** This worker's log of its part of quota `q`, made anew when the part or the window changed. */
  #part(q: QuotaState, share: number): WeightedLog | undefined {
    if (q.limit === undefined || q.windowMs === undefined) return undefined;
    const limit = Math.max(1, Math.floor(share * q.limit));
    const old = this.#parts.get(q.name);
    if (old && old.periodMs === q.windowMs && old.limit === limit) return old;
    const log = new WeightedLog({ limit, periodMs: q.windowMs }, old);
    this.#parts.set(q.name, log);
    return log;
  }
}

/** A worker as {@linkcode liveWorkers} weighs it. */
export interface WorkerBeat {
  /** The worker's id. */
  id: string;
  /** The worker's host name. */
  host: string;
  /** The worker's process id. */
  pid: number;
  /** The worker's last heartbeat (epoch ms). */
  heartbeat: number;
}

/** Options for {@linkcode liveWorkers}. */
export interface LiveWorkersOptions {
  /** The asking worker's host: only its workers can be checked by `isAlive`. @default "" */
  host?: string;
  /** A heartbeat older than this counts as stopped. @default 2_500 */
  staleMs?: number;
  /** Whether a worker of `host` is alive; undefined when that cannot be told. @default () => undefined */
  isAlive?: (worker: { id: string; pid: number }) => boolean | undefined;
}

/**
 * The workers that count in the split at `now`: a worker of this host whose
 * liveness lock is held (a busy event loop may beat late, but it still sends),
 * else one whose heartbeat is recent and that is not known dead (its lock released).
 *
 * @example Usage
 * ```ts
 * import { liveWorkers } from "./rate_share.ts";
 * import assert from "node:assert/strict";
 * const workers = [
 *   { id: "a", host: "h", pid: 1, heartbeat: 9_000 },
 *   { id: "b", host: "h", pid: 2, heartbeat: 5_000 }, // stopped beating
 *   { id: "c", host: "h", pid: 3, heartbeat: 9_500 }, // killed: its lock is free
 *   { id: "d", host: "h", pid: 4, heartbeat: 1_000 }, // beats late, but its lock is held
 * ];
 * const isAlive = (w: { id: string }) => w.id === "d" ? true : w.id === "c" ? false : undefined;
 * const live = liveWorkers(workers, 10_000, { host: "h", isAlive });
 * assert.deepEqual(live.map((w) => w.id), ["a", "d"]);
 * ```
 */
export function liveWorkers<T extends WorkerBeat>(
  workers: readonly T[],
  now: number,
  options: LiveWorkersOptions = {},
): T[] {
  const { host = "", staleMs = 2_500, isAlive = () => undefined } = options;
  return workers.filter((w) => {
    const alive = w.host === host ? isAlive(w) : undefined;
    return alive ?? w.heartbeat >= now - staleMs;
  });
}
