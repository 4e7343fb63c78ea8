/**
 * A run's stop and failure state, in one place: whether it is stopping, the
 * signals that hold back new requests and abandon those in flight, and which
 * error the run ends with when several of its stages fail.
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import { type Clock, systemClock } from "../util/clock.ts";

/** The stage of a run an error came from. */
export type RunStage = "write" | "claim" | "task" | "cleanup";

/** Options for {@linkcode RunControl}. */
export interface RunControlOptions {
  /** Requests a stop: no new claims or sends; in-flight requests get `graceMs`. */
  signal?: AbortSignal | undefined;
  /** After a stop is requested, how long in-flight requests may finish. @default 10_000 */
  graceMs?: number;
  /**
   * Stops at once: no new claims or sends, and requests in flight are
   * abandoned now instead of after `graceMs` (a second Ctrl-C).
   */
  stopNow?: AbortSignal | undefined;
  /** Times the grace period. @default {systemClock} */
  clock?: Clock;
}

/**
 * Stop and failure state of one run.
 *
 * - A stop request (the signal) stops claims and new grants at once, and
 *   abandons the requests still in flight `graceMs` later.
 * - A failed write stops everything at once: no outcome could be committed.
 * - A failed claim, or a task that threw (a bug, an `onResult` that threw),
 *   stops claims and new grants; the requests in flight finish.
 *
 * The run ends with the root cause: a failed write first, then a failed
 * claim, then the first task error, then the first error while cleaning up.
 *
 * @example Usage
 * ```ts
 * import { RunControl } from "./run_control.ts";
 * import assert from "node:assert/strict";
 * const control = new RunControl();
 * control.fail("task", new Error("a task"));
 * control.fail("write", new Error("disk full"));
 * assert.equal(control.stopping, true);
 * assert.equal(control.signal.aborted, true);
 * assert.equal((control.failure as Error).message, "disk full");
 * control.dispose();
 * ```
 */
export class RunControl {
  readonly #hardStop = new AbortController();
  readonly #noNewSends = new AbortController();
  readonly #failures = new Map<RunStage, unknown>();
  readonly #signal: AbortSignal | undefined;
  readonly #graceMs: number;
  readonly #onStop = () => this.requestStop();
  readonly #stopNow: AbortSignal | undefined;
  readonly #onStopNow = () => this.stopNow();
  #stopping: boolean;
  readonly #clock: Clock;
  // Aborted by dispose(): ends the wait of the grace period.
  readonly #disposed = new AbortController();
  #graceStarted = false;
  /** Aborted when no request may start any more (a stop, or a failure). */
  readonly grantSignal: AbortSignal;

  /** Starts listening to `signal`; call {@linkcode RunControl.dispose} at the end. */
  constructor(options: RunControlOptions = {}) {
    const { signal, graceMs = DEFAULTS.graceMs, stopNow, clock = systemClock } = options;
    this.#clock = clock;
    this.#signal = signal;
    this.#stopNow = stopNow;
    this.#graceMs = graceMs;
    this.#stopping = signal?.aborted ?? false;
    // Made once: a combined signal per attempt costs more than an unpaced grant.
    this.grantSignal = AbortSignal.any([this.#hardStop.signal, this.#noNewSends.signal]);
    signal?.addEventListener("abort", this.#onStop, { once: true });
    if (stopNow?.aborted) this.stopNow();
    else stopNow?.addEventListener("abort", this.#onStopNow, { once: true });
  }

  /** True once a stop was requested or a stage failed: claim nothing more. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Aborted when requests in flight are abandoned (grace period over, or a failed write). */
  get signal(): AbortSignal {
    return this.#hardStop.signal;
  }

  /** True once a write failed: the items in flight stay leased, nothing is released. */
  get writeFailed(): boolean {
    return this.#failures.has("write");
  }

  /** The error the run ends with, if any (see the class's description). */
  get failure(): unknown {
    for (const stage of ["write", "claim", "task", "cleanup"] as const) {
      if (this.#failures.has(stage)) return this.#failures.get(stage);
    }
    return undefined;
  }

  /** Stops claims and new grants; requests in flight are abandoned after the grace period. */
  requestStop(): void {
    this.#stopping = true;
    this.#noNewSends.abort(new Error("stopping"));
    if (this.#graceStarted) return;
    this.#graceStarted = true;
    this.#clock.sleep(this.#graceMs, this.#disposed.signal).then(
      () => this.#hardStop.abort(new Error("grace period over")),
      () => {}, // disposed first: the run is over
    );
  }

  /**
   * Stops claims and grants, and abandons the requests in flight now: they
   * count as possibly sent; the items claimed but not sent go back unflagged.
   */
  stopNow(): void {
    this.requestStop();
    this.#hardStop.abort(new Error("stopped at once"));
  }

  /** Records a stage's failure (the first of each stage) and stops as that stage requires. */
  fail(stage: RunStage, error: unknown): void {
    if (!this.#failures.has(stage)) this.#failures.set(stage, error);
    if (stage === "write") {
      this.#stopping = true;
      this.#noNewSends.abort(new Error("database write failed"));
      this.#hardStop.abort(new Error("database write failed"));
    } else if (stage === "claim" || stage === "task") {
      // No new work: the requests in flight finish and are committed, then the run fails.
      this.#stopping = true;
      this.#noNewSends.abort(error);
    }
  }

  /** Stops listening to the stop signal and clears the grace timer. */
  dispose(): void {
    this.#signal?.removeEventListener("abort", this.#onStop);
    this.#stopNow?.removeEventListener("abort", this.#onStopNow);
    this.#disposed.abort();
  }
}
