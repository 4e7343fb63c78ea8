/**
 * What a stop signal means: SIGINT (Ctrl-C), SIGTERM, or SIGHUP (the
 * terminal closed). The first asks for a graceful stop; a later one stops at
 * once. But one Ctrl-C often arrives more than once: the
 * terminal signals its whole process group, and launchers in that group
 * (`deno task`, npx) forward their copy to sluice too, a few milliseconds
 * later. So a signal counts as "stop now" only when it comes a clear
 * interval after the first.
 *
 * @module
 */
import type { Clock } from "../lib/util/clock.ts";

/**
 * The signals that stop sluice: Ctrl-C (SIGINT), SIGTERM, and SIGHUP, which
 * comes when the terminal closes (a stop as graceful as the others: its
 * default would end the process with claimed items in flight). Windows
 * delivers SIGINT only.
 *
 * @example Usage
 * ```ts
 * import { stopSignals } from "./stop_signals.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(stopSignals("linux"), ["SIGINT", "SIGTERM", "SIGHUP"]);
 * assert.deepEqual(stopSignals("windows"), ["SIGINT"]);
 * ```
 */
export function stopSignals(os: typeof Deno.build.os = Deno.build.os): Deno.Signal[] {
  return os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM", "SIGHUP"];
}

/** What one signal means: the first stop, a copy of it, or stop at once. */
export type SignalMeaning = "stop" | "copy" | "stop now";

/** Options for {@linkcode StopSignals}. */
export interface StopSignalsOptions {
  /**
   * Signals closer than this to the first are copies of it (a launcher
   * forwarding the same Ctrl-C); later ones stop at once.
   *
   * @default {1000}
   */
  repeatMs?: number;
  /** Source of time. @default Date.now */
  clock?: Pick<Clock, "now">;
}

/**
 * Tells the first stop signal from forwarded copies of it and from a real
 * second one.
 *
 * @example Usage
 * ```ts
 * import { StopSignals } from "./stop_signals.ts";
 * import { FakeClock } from "../lib/util/clock.ts";
 * import assert from "node:assert/strict";
 * const clock = new FakeClock();
 * const signals = new StopSignals({ clock });
 * assert.equal(signals.receive(), "stop");
 * await clock.tick(8); // deno task forwarding the same Ctrl-C
 * assert.equal(signals.receive(), "copy");
 * await clock.tick(1500); // the user presses Ctrl-C again
 * assert.equal(signals.receive(), "stop now");
 * ```
 */
export class StopSignals {
  readonly #repeatMs: number;
  readonly #clock: Pick<Clock, "now">;
  #first: number | undefined;

  constructor(options: StopSignalsOptions = {}) {
    const { repeatMs = 1000, clock = { now: () => Date.now() } } = options;
    if (!(repeatMs >= 0)) {
      throw new RangeError(
        `Cannot use repeatMs as a duration of at least 0: current value is '${repeatMs}'`,
      );
    }
    this.#repeatMs = repeatMs;
    this.#clock = clock;
  }

  /** Records one signal and says what it means. */
  receive(): SignalMeaning {
    const now = this.#clock.now();
    if (this.#first === undefined) {
      this.#first = now;
      return "stop";
    }
    return now - this.#first < this.#repeatMs ? "copy" : "stop now";
  }
}
