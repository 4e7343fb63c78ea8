/**
 * Per-attempt abort signals that are cheap at tens of thousands of requests a
 * second: one `AbortController` each, one shared sweep timer for the timeouts,
 * and one listener per caller signal, instead of `AbortSignal.timeout()` plus
 * `AbortSignal.any()` per request (a timer and a dependent signal each).
 *
 * @module
 */

/** A signal that aborts on a timeout or when a caller's signal aborts. */
export interface Deadline {
  /** Pass this to `fetch`. */
  readonly signal: AbortSignal;
  /** True once the timeout (not the caller's signal) aborted the signal. */
  readonly timedOut: boolean;
  /** Stops watching; call it when the attempt is over, in `finally`. */
  release(): void;
}

interface Entry extends Deadline {
  controller: AbortController;
  at: number;
  timedOut: boolean;
  group: Set<Entry> | undefined;
}

// Coarsest sweep step; a timeout fires at most this late (or 5% of it, if less).
const MAX_STEP_MS = 250;

const entries = new Set<Entry>();
const groups = new WeakMap<AbortSignal, Set<Entry>>();
let timer: ReturnType<typeof setInterval> | undefined;
let step = Infinity;

function sweep(): void {
  const now = performance.now();
  for (const entry of entries) {
    if (entry.at > now) continue;
    entry.timedOut = true;
    entry.release();
    entry.controller.abort(new DOMException("Signal timed out.", "TimeoutError"));
  }
}

function release(this: Entry): void {
  entries.delete(this);
  this.group?.delete(this);
  this.group = undefined;
  if (entries.size === 0 && timer !== undefined) {
    clearInterval(timer);
    timer = undefined;
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

/**
 * Returns a signal that aborts after `timeoutMs` (within 5% or 250 ms,
 * whichever is less) or as soon as `signal` aborts. Call `release()` when the
 * attempt ends, whether it succeeded or not.
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
export function deadline(timeoutMs: number, signal?: AbortSignal): Deadline {
  const controller = new AbortController();
  const entry: Entry = {
    controller,
    signal: controller.signal,
    at: performance.now() + timeoutMs,
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
  if (wanted < step) {
    if (timer !== undefined) clearInterval(timer);
    step = wanted;
    timer = setInterval(sweep, step);
  }
  return entry;
}
