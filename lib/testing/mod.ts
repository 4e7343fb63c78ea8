/**
 * Test helpers for code built on sluice: a clock whose time only moves when
 * the test says so, for limiters, backoff and deadlines without real sleeps.
 *
 * @example Time that moves only when the test says so
 * ```ts
 * import { FakeClock } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const clock = new FakeClock(1_000);
 * let woke = false;
 * const nap = clock.sleep(500).then(() => woke = true);
 * await clock.tick(499);
 * assert.equal(woke, false);
 * await clock.tick(1);
 * await nap;
 * assert.equal(woke, true);
 * assert.equal(clock.now(), 1_500);
 * ```
 *
 * @module
 */
export { type Clock, FakeClock, systemClock } from "../util/clock.ts";
