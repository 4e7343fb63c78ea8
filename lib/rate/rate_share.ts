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

/**
 * The server's quotas as one worker of several paces against them: what the
 * server says is left, and, while `share()` is less than the whole, no more of
 * this worker's own grants per server window than `share()` of its limit
 * (the server's count includes the other workers' requests only once answered).
 *
 * @example Usage
 * ```ts
 * import { SharedQuota } from "./rate_share.ts";
 * import assert from "node:assert/strict";
 * let share = 1;
 * const quota = new SharedQuota({}, () => share);
 * quota.record(1, 0);
 * quota.observe(1, new Headers({ "ratelimit": "r=9;t=1", "ratelimit-policy": "q=10;w=1" }), 10);
 * assert.equal(quota.allowedAt(20), -Infinity);
 * // A half share: 5 of the 10 per window (grant 1 went before the quota was known).
 * share = 0.5;
 * for (let g = 2; g <= 5; g++) quota.record(g, 20);
 * assert.equal(quota.allowedAt(20), -Infinity);
 * quota.record(6, 20);
 * assert.equal(quota.allowedAt(20), quota.quotas[0]!.resetAt);
 * ```
 */
export class SharedQuota extends ServerQuota {
  readonly #share: () => number;
  // This worker's grants in each quota's current window, and when that window ends.
  readonly #own = new Map<string, { used: number; endsAt: number }>();

  /** Tracks the quotas as {@linkcode ServerQuota} does, taking `share()` of each. */
  constructor(options: ServerQuotaOptions, share: () => number) {
    super(options);
    this.#share = share;
  }

  /** Earliest time another request may be granted, within this worker's share. */
  override allowedAt(now: number): number {
    let at = super.allowedAt(now);
    const share = this.#share();
    if (share >= 1) return at;
    for (const q of this.quotas) {
      if (q.limit === undefined) continue;
      if (this.#used(q, now) + 1 > share * q.limit) at = Math.max(at, q.resetAt);
    }
    return at;
  }

  /** Counts a grant against every quota, and against this worker's part of each. */
  override record(grant: number, now: number): void {
    super.record(grant, now);
    for (const q of this.quotas) {
      const used = this.#used(q, now);
      this.#own.set(q.name, { used: used + 1, endsAt: q.resetAt });
    }
  }

  #used(q: QuotaState, now: number): number {
    const own = this.#own.get(q.name);
    // A later end is the server's next window; an earlier one is the same window, told better.
    return own && q.resetAt <= own.endsAt && now < q.resetAt ? own.used : 0;
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
