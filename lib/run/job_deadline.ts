/**
 * `--deadline`: an overall time limit for a run, turned into the same stop
 * signal as Ctrl-C, so that a run past its deadline stops claiming, lets its
 * in-flight requests finish and returns the rest to the queue.
 *
 * @module
 */
import { type Clock, systemClock } from "../util/clock.ts";

/** A stop signal that also aborts at a deadline. */
export interface JobDeadline {
  /** Aborts when the caller's signal does, or when the deadline passes. */
  readonly signal: AbortSignal | undefined;
  /** True once the deadline (not the caller) aborted `signal`. */
  readonly reached: boolean;
  /** Stops the deadline's timer. */
  dispose(): void;
}

/**
 * Combines a stop signal with a deadline `deadlineMs` from now on `clock`.
 * Without a deadline, the stop signal is returned as it is.
 *
 * @example Usage
 * ```ts
 * import { jobDeadline } from "./job_deadline.ts";
 * import { FakeClock } from "../util/clock.ts";
 * import assert from "node:assert/strict";
 * const clock = new FakeClock();
 * const deadline = jobDeadline(undefined, 1000, clock);
 * await clock.tick(999);
 * assert.equal(deadline.signal?.aborted, false);
 * await clock.tick(1);
 * assert.equal(deadline.signal?.aborted, true);
 * assert.equal(deadline.reached, true);
 * deadline.dispose();
 * ```
 */
export function jobDeadline(
  signal: AbortSignal | undefined,
  deadlineMs: number | undefined,
  clock: Clock = systemClock,
): JobDeadline {
  if (deadlineMs === undefined) return { signal, reached: false, dispose: () => {} };
  if (!(deadlineMs >= 0)) {
    throw new RangeError(`Cannot use deadline as a duration: current value is '${deadlineMs}'`);
  }
  const controller = new AbortController();
  const timer = new AbortController();
  let reached = false;
  const onStop = () => controller.abort(signal?.reason);
  if (signal?.aborted) onStop();
  else signal?.addEventListener("abort", onStop, { once: true });
  clock.sleep(deadlineMs, timer.signal).then(() => {
    if (controller.signal.aborted) return;
    reached = true;
    controller.abort(new Error(`deadline of ${deadlineMs} ms reached`));
  }, () => {});
  return {
    signal: controller.signal,
    get reached() {
      return reached;
    },
    dispose() {
      timer.abort();
      signal?.removeEventListener("abort", onStop);
    },
  };
}
