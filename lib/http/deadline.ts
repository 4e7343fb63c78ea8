/**
 * Per-attempt abort signals that are cheap at tens of thousands of requests a
 * second: one `AbortController` each, one shared sweep for the timeouts, and
 * one listener per caller signal, instead of `AbortSignal.timeout()` plus
 * `AbortSignal.any()` per request (a timer and a dependent signal each).
 *
 * @module
 */
import { type Clock, systemClock } from "../util/clock.ts";

/** A signal that aborts on a timeout or when a caller's signal aborts. */
export interface Deadline {
  /** Pass this to `fetch`. */
  readonly signal: AbortSignal;
  /** True once the timeout (not the caller's signal) aborted the signal. */
  readonly timedOut: boolean;
  /** Stops watching; call it when the attempt is over, in `finally`. */
  release(): void;
}

/**
 * Makes a {@linkcode Deadline}: aborts after `timeoutMs` (within 5% or 250 ms,
 * whichever is less) or as soon as `signal` aborts.
 */
export type DeadlineFactory = (timeoutMs: number, signal?: AbortSignal) => Deadline;

/** Options for {@linkcode createDeadlines}. */
export interface CreateDeadlinesOptions {
  /**
   * Time and waiting for the sweep.
   *
   * @default {the system clock, reading `performance.now()` so that wall-clock jumps move no timeout}
   */
  clock?: Clock;
}

interface Entry extends Deadline {
  controller: AbortController;
  at: number;
  timedOut: boolean;
  group: Set<Entry> | undefined;
}

// Coarsest sweep step; a timeout fires at most this late (or 5% of it, if less).
const MAX_STEP_MS = 250;

// One reason for every stop, so that stopping allocates no error (and no stack trace).
const STOPPED = new DOMException("The sweep stopped.", "AbortError");

const monotonicClock: Clock = { now: () => performance.now(), sleep: systemClock.sleep };

/**
 * Returns a {@linkcode DeadlineFactory} whose deadlines share one sweep: a
 * single wait on `clock` at a time, at a step fine enough for the shortest
 * timeout watched, and none at all while no deadline is watched.
 *
 * @param options The clock.
 * @returns A function that makes deadlines.
 *
 * @example Usage
 * ```ts
 * import { createDeadlines } from "./deadline.ts";
 * import { FakeClock } from "../util/clock.ts";
 * import assert from "node:assert/strict";
 * const clock = new FakeClock();
 * const deadline = createDeadlines({ clock });
 * const d = deadline(1_000);
 * await clock.tick(999);
 * assert.equal(d.signal.aborted, false);
 * await clock.tick(50);
 * assert.equal(d.timedOut, true);
 * ```
 */
export function createDeadlines(options: CreateDeadlinesOptions = {}): DeadlineFactory {
  const { clock = monotonicClock } = options;
  const entries = new Set<Entry>();
  const groups = new WeakMap<AbortSignal, Set<Entry>>();
  let step = Infinity;
  // Aborting it ends the sweep loop's wait (the step changed, or nothing is watched).
  let sweeping: AbortController | undefined;

  function sweep(): void {
    const now = clock.now();
    for (const entry of entries) {
      if (entry.at > now) continue;
      entry.timedOut = true;
      entry.release();
      entry.controller.abort(new DOMException("Signal timed out.", "TimeoutError"));
    }
  }

  async function sweepEvery(ms: number, stop: AbortSignal): Promise<void> {
    while (true) {
      try {
        await clock.sleep(ms, stop);
      } catch {
        return; // the wait only rejects when stopped
      }
      sweep();
    }
  }

  function startSweeping(ms: number): void {
    sweeping?.abort(STOPPED);
    sweeping = new AbortController();
    step = ms;
    sweepEvery(ms, sweeping.signal);
  }

  function release(this: Entry): void {
    entries.delete(this);
    this.group?.delete(this);
    this.group = undefined;
    if (entries.size === 0 && sweeping !== undefined) {
      sweeping.abort(STOPPED);
      sweeping = undefined;
      step = Infinity;
    }
  }

  function groupOf(signal: AbortSignal): Set<Entry> {
    let group = groups.get(signal);
    if (!group) {
      const members = new Set<Entry>();
      group = members;
      groups.set(signal, members);
      signal.addEventListener("abort", () => {
        for (const entry of [...members]) {
          entry.release();
          entry.controller.abort(signal.reason);
        }
      }, { once: true });
    }
    return group;
  }

  return (timeoutMs, signal) => {
    const controller = new AbortController();
    const entry: Entry = {
      controller,
      signal: controller.signal,
      at: clock.now() + timeoutMs,
      timedOut: false,
      group: undefined,
      release,
    };
    if (signal?.aborted) {
      controller.abort(signal.reason);
      return entry;
    }
    entries.add(entry);
    if (signal) {
      entry.group = groupOf(signal);
      entry.group.add(entry);
    }
    const wanted = Math.min(MAX_STEP_MS, Math.max(1, Math.ceil(timeoutMs / 20)));
    if (wanted < step) startSweeping(wanted);
    return entry;
  };
}

/**
 * Returns a signal that aborts after `timeoutMs` (within 5% or 250 ms,
 * whichever is less) or as soon as `signal` aborts. Call `release()` when the
 * attempt ends, whether it succeeded or not. All of these deadlines share one
 * sweep on the system clock; {@linkcode createDeadlines} makes another set
 * (on a fake clock, say).
 *
 * @param timeoutMs The timeout, in milliseconds.
 * @param signal An optional caller signal (a stop).
 * @returns The deadline.
 *
 * @example Usage
 * ```ts
 * import { deadline } from "./deadline.ts";
 * import assert from "node:assert/strict";
 * const stop = new AbortController();
 * const d = deadline(60_000, stop.signal);
 * stop.abort();
 * assert.equal(d.signal.aborted, true);
 * assert.equal(d.timedOut, false);
 * d.release();
 * ```
 */
export const deadline: DeadlineFactory = createDeadlines();
