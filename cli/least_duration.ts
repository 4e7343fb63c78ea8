/**
 * The least time an amount takes under a rate's windows: what `plan`
 * reports as "at least ... at full rate".
 *
 * @module
 */
import type { RateWindow } from "../lib/rate/rate_spec.ts";

/**
 * The least time, in ms, that `amount` requests (or units: tokens...) take
 * under `windows`: the shortest window paces them evenly after a burst of
 * `burst`; every longer window lets no more than its limit go in any of its
 * periods, so an amount beyond it waits whole periods. A long window the
 * amount fits in (100 queries under `100/day`) costs nothing.
 *
 * @param windows The windows of one unit; none is no limit.
 * @param amount Requests, or the unit's total cost.
 * @param burst What goes at once before the pacing starts.
 *
 * @example Usage
 * ```ts
 * import { leastDuration } from "./least_duration.ts";
 * import assert from "node:assert/strict";
 * const perMinute = { limit: 5, periodMs: 60_000 };
 * const perDay = { limit: 100, periodMs: 86_400_000 };
 * assert.equal(leastDuration([perMinute, perDay], 100, 1), 99 * 12_000); // 19.8 minutes
 * assert.equal(leastDuration([perMinute, perDay], 201, 1), 2 * 86_400_000);
 * assert.equal(leastDuration([{ limit: 10, periodMs: 1000 }], 100, 50), 5000);
 * assert.equal(leastDuration([], 100, 1), 0);
 * ```
 */
export function leastDuration(
  windows: readonly RateWindow[],
  amount: number,
  burst: number,
): number {
  if (windows.length === 0 || !(amount > 0)) return 0;
  const shortest = windows.reduce((a, w) => w.periodMs < a.periodMs ? w : a);
  let least = Math.max(0, amount - burst) * shortest.periodMs / shortest.limit;
  for (const w of windows) {
    if (w === shortest) continue; // its burst may go above its limit
    least = Math.max(least, (Math.ceil(amount / w.limit) - 1) * w.periodMs);
  }
  return least;
}
