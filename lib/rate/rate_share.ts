/**
 * One job's rate split among its live workers: each worker paces with its
 * share (1 / live workers) of every window, of `--rate auto`'s discovered
 * rate and of the server's quotas, since the server counts the client key,
 * not the process.
 *
 * @module
 */
import type { RateWindow } from "./rate_spec.ts";
import type { ServerQuota } from "./server_quota.ts";

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
 * The windows a worker paces with, shortest first: every limit times its `share`.
 *
 * @example Usage
 * ```ts
 * import { shareWindows } from "./rate_share.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(shareWindows([{ limit: 90, periodMs: 1000 }], 1 / 3), [{ limit: 30, periodMs: 1000 }]);
 * ```
 */
export function shareWindows(windows: readonly RateWindow[], share: number): RateWindow[] {
  const shared = share === 1
    ? [...windows]
    : windows.map((w) => ({ ...w, limit: w.limit * share }));
  return shared.sort((a, b) => a.periodMs - b.periodMs);
}

/**
 * Earliest time a worker with `share` of the job may take from the server's
 * quotas: what the quota itself allows, and, while its share is less than
 * the whole, no more than `share` of each quota's limit per server window
 * (the rest of what the server reports left is the other workers').
 *
 * @example Usage
 * ```ts
 * import { ServerQuota } from "./server_quota.ts";
 * import { sharedQuotaAllowedAt } from "./rate_share.ts";
 * import assert from "node:assert/strict";
 * const quota = new ServerQuota();
 * quota.record(1, 0);
 * quota.observe(1, new Headers({ "ratelimit": "r=9;t=1", "ratelimit-policy": "q=10;w=1" }), 10);
 * assert.equal(sharedQuotaAllowedAt(quota, 20, 1), -Infinity);
 * // A half share: 5 of the 10 per window; 1 granted, 9 left by the server's count.
 * for (let g = 2; g <= 4; g++) quota.record(g, 20);
 * assert.equal(sharedQuotaAllowedAt(quota, 20, 0.5), -Infinity);
 * quota.record(5, 20);
 * assert.equal(sharedQuotaAllowedAt(quota, 20, 0.5), quota.quotas[0]!.resetAt);
 * ```
 */
export function sharedQuotaAllowedAt(quota: ServerQuota, now: number, share: number): number {
  let at = quota.allowedAt(now);
  if (share >= 1) return at;
  for (const q of quota.quotas) {
    if (q.limit === undefined) continue;
    // Others' requests show in the server's count only later: keep their part of the limit free.
    if (q.budget - (1 - share) * q.limit < 1) at = Math.max(at, q.resetAt);
  }
  return at;
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
