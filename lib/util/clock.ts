/**
 * Time as a dependency: everything that waits or reads the time takes a
 * {@linkcode Clock}, so tests advance a {@linkcode FakeClock} instead of sleeping.
 *
 * @module
 */

/** A source of time and of waiting. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The longest delay a timer keeps: `setTimeout` fires a longer one (2^31 ms,
 * about 24.8 days) at once. A setting given in days (`--processor-timeout
 * 30d`) must not become 1 ms.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The real clock: `Date.now()` and `setTimeout` (a longer delay waited out a timer at a time). */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout>;
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const wait = (left: number) => {
        const step = Math.min(left, MAX_TIMER_MS);
        timer = setTimeout(() => {
          if (left > step) return wait(left - step);
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }, step);
      };
      wait(ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
};

interface Sleeper {
  at: number;
  order: number;
  resolve: () => void;
}

/**
 * A clock that only moves when told to. Sleepers wake in time order.
 *
 * @example Usage
 * ```ts
 * import { FakeClock } from "./clock.ts";
 * const clock = new FakeClock(1_000);
 * let woke = false;
 * const sleeping = clock.sleep(50).then(() => woke = true);
 * await clock.tick(49);
 * if (woke) throw new Error("woke too early");
 * await clock.tick(1);
 * await sleeping;
 * if (!woke || clock.now() !== 1_050) throw new Error("did not wake");
 * ```
 */
export class FakeClock implements Clock {
  #now: number;
  #sleepers: Sleeper[] = [];
  #order = 0;

  /** Starts the clock at `start` milliseconds since the Unix epoch. */
  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Number of pending sleeps; lets a test wait until code under test is parked. */
  get sleepers(): number {
    return this.#sleepers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const sleeper: Sleeper = { at: this.#now + Math.max(0, ms), order: this.#order++, resolve };
      this.#sleepers.push(sleeper);
      signal?.addEventListener("abort", () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(signal.reason);
      }, { once: true });
    });
  }

  /** Advances time by `ms`, waking each due sleeper in order and letting its continuation run. */
  async tick(ms: number): Promise<void> {
    const end = this.#now + ms;
    while (true) {
      await flushMicrotasks();
      const next = this.#earliest();
      if (!next || next.at > end) break;
      this.#sleepers = this.#sleepers.filter((s) => s !== next);
      this.#now = Math.max(this.#now, next.at);
      next.resolve();
    }
    this.#now = end;
    await flushMicrotasks();
  }

  /** Advances to the next sleeper's wake time (if any) and wakes it. */
  async next(): Promise<boolean> {
    await flushMicrotasks();
    const next = this.#earliest();
    if (!next) return false;
    await this.tick(Math.max(0, next.at - this.#now));
    return true;
  }

  #earliest(): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.#sleepers) {
      if (!best || s.at < best.at || (s.at === best.at && s.order < best.order)) best = s;
    }
    return best;
  }
}

// Enough turns for what a woken sleeper awaits without real I/O: several store
// reads at once on a file database queue one behind another (lib/store/connection.ts),
// each a few turns.
async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}
